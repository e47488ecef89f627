/* stack — the stack model and its YAML loader (workloads/stacks/NAME.yaml).
 *
 * A stack lists services: packages, configuration file templates, the
 * command that runs each in a node, how to tell it is ready, what it needs
 * first, one-shot setup/post steps, and the measured memory of one instance;
 * strategies are named sets of placement rules (count: 0 leaves a service
 * out); the stack's own post steps run once every service is ready; its
 * workloads are programs run in client nodes against it. workloads/README.md
 * is the language. stack_load() checks the whole file before anything runs (keys,
 * types, names, `after` references and cycles, strategy rules, selector
 * syntax) so place.c and supervise.c only see a consistent model. Site names in
 * selectors are resolved against a topology later, by place.c.
 *
 * Errors are one allocated "FILE:LINE:COL: message", as topo.c's are
 * (tests/fixtures/stacks/bad/).
 */
#ifndef WORKLOADS_STACK_H
#define WORKLOADS_STACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "enos/topo.h"
#include "workloads/workload.h"

#define STACK_TIMEOUT_DEFAULT_US (60ull * 1000000)

/* A command: an argv list; ONCE: only for the service's first instance. */
struct stack_cmd {
	char **argv;            /* NULL-terminated */
	size_t argc;
	bool once;
	struct src_pos pos;
};

enum stack_per { PER_NONE, PER_SITE, PER_NODE };

/* One placement rule: which sites (selector text as written: a name, a
 * counted site's base name, role:X or "*"), and how many instances. */
struct stack_rule {
	char *service;
	char *sites;
	enum stack_per per;
	unsigned count;         /* PER_NONE: instances in total; 0 leaves the
				 * service out of the strategy */
	unsigned max;           /* with per: at most this many; 0 = no cap */
	struct src_pos pos;
};

struct stack_strategy {
	char *name;
	struct stack_rule *rules;
	size_t n_rules;
	struct src_pos pos;
};

struct stack_file {
	char *path;             /* template */
	char *content;          /* template */
	struct src_pos pos;
};

/* A stack-level post step: RUN (an argv of templates, rendered as
 * instance ON would render it) in the node of instance ON, once every
 * service is ready. ON is a service name (its first instance) or an
 * instance name SERVICE-N; SERVICE is its service's index. */
struct stack_step {
	char *on;
	size_t service;
	unsigned index;         /* N of SERVICE-N; 1 for a service name */
	struct stack_cmd run;
	struct src_pos pos;
};

enum stack_ready { READY_NONE, READY_TCP, READY_HTTP, READY_COMMAND };

struct stack_service {
	char *name;
	uint64_t memory_bytes;  /* 0: not given */
	bool data_dir;
	char **after;           /* service names */
	size_t n_after;
	struct kv *env;         /* values are templates */
	size_t n_env;
	struct stack_rule *placement;   /* default rule, or NULL */
	struct stack_file *files;
	size_t n_files;
	struct stack_cmd *setup;
	size_t n_setup;
	struct stack_cmd *post;
	size_t n_post;
	struct stack_cmd command;
	enum stack_ready ready;
	unsigned ready_port;            /* READY_TCP */
	char *ready_host;               /* READY_TCP, template; NULL: {{addr}} */
	char *ready_url;                /* READY_HTTP, template */
	int ready_status;               /* READY_HTTP */
	struct stack_cmd ready_cmd;     /* READY_COMMAND */
	uint64_t timeout_us;
	char *user;             /* the command runs as this user; NULL: root */
	struct src_pos user_pos;
	bool no_new_privs;      /* PR_SET_NO_NEW_PRIVS before the command */
	struct src_pos pos;
};

/* A workload a stack declares (`workloads:`): an argv run in a client
 * node whose results come back as JSON lines on stdout or as a Rally
 * report; workloads/stackwl.h makes a struct wl_kind of each. */

#define STACK_WL_COUNT_MAX 1000000ull
#define STACK_WL_SIZE_MAX  (1ull << 40)
#define STACK_WL_TIME_MAX  (24ull * 3600 * 1000000)

/* One option: its type comes from its default as written (an integer is
 * a count, a time or size with a unit is that, anything else text) or
 * from the explicit form {default, type, min, max, help}. */
struct stack_wl_option {
	char *name;             /* [a-z0-9_], not a template variable's name */
	enum wl_opt_type type;
	uint64_t min, max;      /* COUNT, SIZE (bytes), TIME (us) */
	char *def;              /* the default as written */
	char *help;             /* may be NULL */
	struct src_pos pos;
};

/* What must be installed on the host for the workload to run: Debian
 * package PACKAGE, seen as WHAT (a program in PATH, or an absolute path
 * when it holds a '/'). */
struct stack_wl_need {
	char *package;
	char *what;
	struct src_pos pos;
};

enum stack_wl_results { STACK_WL_JSONL, STACK_WL_RALLY };

struct stack_workload {
	char *name;             /* a name like a service's */
	char *description;      /* may be NULL */
	char *from;             /* client sites (a placement selector);
				 * default "role:central" */
	unsigned node;          /* the client is this node (from 1) of each
				 * chosen site, its last if it has fewer */
	char *service;          /* the target service, or NULL */
	struct stack_wl_option *options;
	size_t n_options;
	struct stack_cmd run;   /* templates */
	enum stack_wl_results results;
	char *rally_report;     /* STACK_WL_RALLY: the JSON report, template */
	char *report;           /* a file to keep, template; may be NULL */
	uint64_t timeout_us;    /* 0: none */
	struct stack_wl_need *needs;
	size_t n_needs;
	struct src_pos pos;
};

struct stack {
	char *path;
	char *name;
	char *description;      /* may be NULL */
	char **packages;
	size_t n_packages;
	struct stack_service *services;
	size_t n_services;
	struct stack_strategy *strategies;
	size_t n_strategies;
	struct stack_step *post;        /* after every service is ready */
	size_t n_post;
	struct stack_workload *workloads;
	size_t n_workloads;
};

/* Parse and validate the stack file at PATH. Returns the model, or NULL
 * with *ERR an allocated "FILE:LINE:COL: message" (caller frees). The
 * `stack:` name must equal the file's base name without ".yaml". */
struct stack *stack_load(const char *path, char **err);

/* Same from TEXT; LABEL names it in messages. NAME_CHECK: the expected
 * stack name, or NULL not to check. */
struct stack *stack_load_string(const char *text, const char *label,
				const char *name_check, char **err);

void stack_free(struct stack *s);

/* Service NAME of S, or -1. */
long stack_service_index(const struct stack *s, const char *name);

/* Strategy NAME of S (NULL or "": the first), or NULL if none. */
const struct stack_strategy *stack_strategy_find(const struct stack *s,
						 const char *name);

/* The rule of strategy ST for service SVC, or the service's placement, or
 * NULL (the default: one instance at the first central site). */
const struct stack_rule *stack_rule_for(const struct stack_strategy *st,
					const struct stack_service *svc);

/* Does rule R leave its service out (count: 0)? R may be NULL (no). */
bool stack_rule_omits(const struct stack_rule *r);

/* The file of stack NAME: $ENOS_STACKS_DIR/NAME.yaml, else
 * workloads/stacks/NAME.yaml of the tree holding EXE (the enos binary's
 * path; NULL: the running binary's, /proc/self/exe), climbing at most
 * three directories from it (TREE/build/bin/enos, TREE/bin/enos). Never
 * the current directory: a stack's commands run as root, and a planted
 * ./workloads/stacks/etcd.yaml would run too. Writes the first that
 * exists (or the last tried) to OUT. 0, or -ENOENT / -ENAMETOOLONG. */
int stack_find(const char *name, const char *exe, char *out, size_t len);

/* Could only root or the caller have written PATH (fs_trusted)? 0, or
 * -EPERM (-errno when it cannot be checked) with *ERR an allocated
 * "refused: WHY: a stack's commands run as root". stack_load() checks
 * the stack file itself this way. */
int stack_trusted(const char *path, char **err);

/* The words of ARGV that name a file under STACK_DIR (the stack's helper
 * scripts: "{{stack_dir}}/openstack/catalog.py"), each checked by
 * stack_trusted(). 0, or its error with *ERR. */
int stack_argv_trusted(const char *stack_dir, char *const *argv, char **err);

const char *stack_ready_name(enum stack_ready r);

/* Workload NAME of S, or -1. */
long stack_workload_index(const struct stack *s, const char *name);

/* The template variables a workload's templates have besides its options
 * ({{addr}}, {{node}}, ..., {{out_dir}}), NULL-terminated: no option may
 * take one of these names. */
extern const char *const stack_wl_vars[];

#endif
