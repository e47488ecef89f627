/* workload — what a workload is, and how one runs (issue 11).
 *
 * A workload loads the deployed stack (or the network between sites)
 * from client nodes and reports every operation as a struct wl_op (op.h).
 * Two kinds of kinds, one interface:
 *   built into enos   kv-latency (etcd, kv.c), rtt (probe.c), throughput
 *                     (iperf3 -J): each a struct wl_kind in workload.c
 *   declared by a stack  `workloads:` in workloads/stacks/NAME.yaml: an
 *                     argv run in the client node whose results come back
 *                     as JSON lines (jsonl.c) or as a Rally report
 *                     (rally.c); the stack loader makes a wl_kind of each
 * A kind declares its options (typed, bounded, with defaults), so one
 * validator gives FILE:LINE:COL errors for the topology's `workload:`
 * entries and the same check for `enos bench`'s flags.
 *
 * The runner runs one job per client, each in a thread of its own that
 * first enters the client node's network namespace (emulator/netns.c:
 * setns(CLONE_NEWNET) is per thread), then calls the kind's run; the
 * operations come back to the caller's thread through a queue, so only
 * that thread touches the database (enos/bench.c) and the fault timeline
 * runs between two drains. This library never prints and never touches
 * the database.
 */
#ifndef WORKLOADS_WORKLOAD_H
#define WORKLOADS_WORKLOAD_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "emulator/world.h"
#include "enos/topo.h"
#include "workloads/op.h"

struct emu;
struct stack;

#define WL_OPTIONS_MAX 16

enum wl_opt_type {
	WL_OPT_COUNT,           /* an integer, MIN..MAX */
	WL_OPT_SIZE,            /* bytes with a unit (units_parse_memory) */
	WL_OPT_TIME,            /* microseconds with a unit (units_parse_time) */
	WL_OPT_TEXT,            /* a string (a name, a selector, a URL) */
};

/* One option of a kind. "from" (the client sites' selector) is common to
 * every kind and not listed here. */
struct wl_option {
	const char *name;       /* "times" */
	enum wl_opt_type type;
	uint64_t min, max;      /* COUNT, SIZE, TIME */
	const char *def;        /* the default as a file would write it; NULL:
				 * required */
	const char *help;       /* one line for `enos bench --help` */
	/* TEXT: the values it may take, NULL-terminated ("yes", "no"); NULL:
	 * any text. */
	const char *const *choices;
};

/* Parsed options, in the kind's option order. */
struct wl_values {
	uint64_t num[WL_OPTIONS_MAX];   /* COUNT, SIZE (bytes), TIME (us) */
	const char *text[WL_OPTIONS_MAX];       /* TEXT: borrowed */
	bool given[WL_OPTIONS_MAX];     /* written, not defaulted */
	const char *from;               /* the clients' selector, borrowed */
};

struct wl_job;

struct wl_kind {
	const char *name;               /* "kv-latency" */
	const char *summary;
	const struct wl_option *options;        /* ends with a NULL name */
	const char *from;               /* default client sites: "role:edge" */
	/* The stack service whose instance nearest to each client is that
	 * client's target (kv-latency: "etcd"); NULL: the target is a site
	 * (rtt, throughput: the `to` option) or none. */
	const char *service;
	/* Run JOB (one client's share) in the calling thread, which is in
	 * the client's network namespace; hand every operation to EMIT as it
	 * completes; stop early when *JOB->stop is set. Returns 0, -EINTR
	 * when stopped, or -errno with *ERR an allocated message. */
	int (*run)(const struct wl_job *job, wl_emit_fn emit, void *arg,
		   char **err);
	void *data;                     /* a stack-declared kind's own */
	/* Jobs the runner lets run at once (the others wait for a slot):
	 * throughput runs one iperf3 test at a time so that tests do not
	 * share the host's CPU. 0: every job at once. */
	unsigned max_parallel;
	/* The operations (not counting atomic ones) one job of V will emit,
	 * for the progress line; NULL or 0: not known in advance. */
	uint64_t (*expected)(const struct wl_values *v);
};

/* The built-in kinds by name, or NULL; I (0, 1, ...) of them, NULL past
 * the end. */
const struct wl_kind *wl_kind_find(const char *name);
const struct wl_kind *wl_kind_at(size_t i);

/* The kinds stack S declares (its `workloads:`), built from the stack
 * file: *KINDS[0..*N) allocated (wl_stack_kinds_free), each with its
 * options, run and data. Returns 0 (*N may be 0), or -errno with *ERR
 * allocated. Implemented by workloads/stackwl.c; callers look a name up
 * among the built-in kinds first, then among these. */
int wl_stack_kinds(const struct stack *s, struct wl_kind **kinds, size_t *n,
		   char **err);
void wl_stack_kinds_free(struct wl_kind *kinds, size_t n);

/* Index of option NAME of K, or -1. */
int wl_option_index(const struct wl_kind *k, const char *name);

/* Parse SPEC's parameters for kind K into *V (defaults for what SPEC does
 * not give). LABEL is the topology file, so an error reads
 * "LABEL:LINE:COL: workload 'kv-latency': times 0 is out of range (1 to
 * 1000000)"; unknown keys get a did-you-mean. Returns 0, or -EINVAL with
 * *ERR allocated. */
int wl_options_parse(const struct wl_kind *k, const char *label,
		     const struct workload_spec *spec, struct wl_values *v,
		     char **err);

/* Set option NAME of K in *V from TEXT (a command-line override such as
 * `--times 50`), with the same rules; WHAT names the source in the
 * message ("--times"). NAME "from" sets V->from. TEXT is borrowed.
 * Returns 0, or -EINVAL with *ERR allocated ("--times 0 is out of range
 * (1 to 1000000)", "--times: workload 'rtt' has no option 'times'"). */
int wl_option_set(const struct wl_kind *k, struct wl_values *v,
		  const char *name, const char *text, const char *what,
		  char **err);

/* The value of option NAME of K in V (COUNT, SIZE, TIME), or DEF when K
 * has no such option; the text of a TEXT option, or NULL. For kinds. */
uint64_t wl_value_num(const struct wl_kind *k, const struct wl_values *v,
		      const char *name, uint64_t def);
const char *wl_value_text(const struct wl_kind *k, const struct wl_values *v,
			  const char *name);

/* The sites selector SEL picks in T into SITES (T->n_sites flags, set for
 * each site picked; others left alone): a comma-separated list of site
 * names, base names of counted sites ("edge" for edge-1..N), role:ROLE
 * and "*". Returns how many sites it picked (at least 1), or -EINVAL with
 * *ERR allocated ("unknown site 'egde' (did you mean 'edge'?)", "selects
 * no site"). */
int wl_select_sites(const struct topology *t, const char *sel, bool *sites,
		    char **err);

/* Check V's site selectors (`from`, and `to` if K has it) against T: each
 * must pick at least one site. LABEL and SPEC (may be NULL) place the
 * message: at the parameter's value when SPEC gave it, at the workload's
 * name for a default ("LABEL:LINE:COL: workload 'kv-latency': from
 * 'role:edge' (the default): selects no site"), nowhere for a value set by
 * wl_option_set. Returns 0, or -EINVAL with *ERR allocated. */
int wl_check_sites(const struct wl_kind *k, const struct topology *t,
		   const char *label, const struct workload_spec *spec,
		   const struct wl_values *v, char **err);

/* One client's share of a workload. */
struct wl_job {
	const struct wl_kind *kind;
	const struct wl_values *values;
	const struct world *w;
	size_t node;                    /* the client: index into w->nodes */
	size_t target_node;             /* index into w->nodes, or SIZE_MAX */
	size_t target_site;             /* index into w->sites, or SIZE_MAX */
	uint32_t target_addr;           /* what it loads (host order), or 0 */
	const char *target;             /* instance or site name, or NULL */
	const char *key_prefix;         /* unique per client and run */
	const char *out_dir;            /* its own results directory */
	/* Set by the runner for its copy of the job (the runner's stop flag:
	 * wl_runner_stop); what the caller puts here is not used. */
	const volatile sig_atomic_t *stop;
	/* For the node ops a kind calls from its thread (throughput spawns
	 * its iperf3 server through the target node's spawn op, which takes
	 * no lock on it); may be NULL. */
	struct emu *emu;
	/* The index of this job among those of its workload (iperf3 servers
	 * listen on a port of their own per job). */
	size_t index;
};

/* An operation as the runner hands it back: the op (its error copied,
 * valid until the take function returns) and the job it came from. */
typedef int (*wl_take_fn)(void *arg, size_t job, const struct wl_op *op);

struct wl_runner;

/* Start JOBS[0..N) (copied; what they point to is borrowed until
 * wl_runner_finish), one thread each: it enters the network namespace of
 * node JOBS[i].node (SIZE_MAX: it stays in the caller's, for tests), waits
 * for a slot when the kind has max_parallel, and calls the kind's run.
 * The threads inherit the caller's signal mask (block SIGINT and SIGTERM
 * first) and never print. Returns 0 and *OUT, or -errno (nothing
 * started). */
int wl_runner_start(const struct wl_job *jobs, size_t n,
		    struct wl_runner **out);

/* Hand the queued operations to TAKE on the calling thread, waiting up to
 * TIMEOUT_MS for one. Returns 1 when every job has ended and the queue is
 * empty, 0 otherwise, or TAKE's negative value (the caller then stops). */
int wl_runner_wait(struct wl_runner *r, int timeout_ms, wl_take_fn take,
		   void *arg);

/* Ask every job to stop (the jobs' stop flag); wl_runner_wait() then
 * drains what they finished. */
void wl_runner_stop(struct wl_runner *r);

/* Join the threads and free R. RCS[i] (may be NULL) gets job i's return
 * value and ERRS[i] its allocated message (NULL if none; caller frees).
 * Returns 0, or the first job's negative value other than -EINTR. */
int wl_runner_finish(struct wl_runner *r, int *rcs, char **errs);

#endif
