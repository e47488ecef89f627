/* stack — the stack file loader; see stack.h for the model and
 * workloads/README.md for the language.
 *
 * Like topo.c, the loader walks the YAML document along the schema with
 * the getters of util/yload.h (in the stack language's wording: see the
 * flags in stack_load_string), so each value is checked where it is read
 * and each error points at it. Order: top-level keys, the name, packages,
 * each service as written, then the `after` references and their cycles,
 * then the strategies.
 */
#include "workloads/stack.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/suggest.h"
#include "util/units.h"
#include "util/fs.h"
#include "util/str.h"
#include "util/yload.h"

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

#define STACK_FILE_MAX    (4u << 20)
#define STACK_NAME_MAX    32
#define STACK_TIMEOUT_MAX (3600ull * 1000000)
#define STACK_COUNT_MAX   1000
#define STACK_MEMORY_MAX  (1024ull << 30)

enum { K_STACK, K_DESC, K_PACKAGES, K_SERVICES, K_STRATEGIES, K_POST,
       K_WORKLOADS, K_N };
static const char *const top_keys[] = { "stack", "description", "packages",
					"services", "strategies", "post",
					"workloads" };

enum { V_NAME, V_MEMORY, V_DATA, V_AFTER, V_ENV, V_PLACEMENT, V_FILES,
       V_SETUP, V_COMMAND, V_READY, V_TIMEOUT, V_POST, V_USER, V_NNP, V_N };
static const char *const svc_keys[] = { "name", "memory", "data_dir", "after",
					"env", "placement", "files", "setup",
					"command", "ready", "timeout", "post",
					"user", "no_new_privs" };

#define USER_NAME_MAX 32

enum { F_PATH, F_CONTENT, F_N };
static const char *const file_keys[] = { "path", "content" };

enum { O_RUN, O_ONCE, O_N };
static const char *const once_keys[] = { "run", "once" };

enum { S_ON, S_RUN, S_N };
static const char *const step_keys[] = { "on", "run" };

enum { RD_TCP, RD_HOST, RD_HTTP, RD_STATUS, RD_COMMAND, RD_N };
static const char *const ready_keys[] = { "tcp", "host", "http", "status",
					  "command" };

enum { P_SITES, P_PER, P_COUNT, P_MAX, P_N };
static const char *const rule_keys[] = { "sites", "per", "count", "max" };

enum { W_DESC, W_FROM, W_NODE, W_SERVICE, W_OPTIONS, W_RUN, W_RESULTS,
       W_REPORT, W_TIMEOUT, W_NEEDS, W_N };
static const char *const wl_keys[] = { "description", "from", "node",
				       "service", "options", "run", "results",
				       "report", "timeout", "needs" };

enum { OP_DEFAULT, OP_TYPE, OP_MIN, OP_MAX, OP_HELP, OP_N };
static const char *const opt_keys[] = { "default", "type", "min", "max",
					"help" };
/* In enum wl_opt_type's order. */
static const char *const opt_types[] = { "count", "size", "time", "text" };

enum { RS_RALLY, RS_N };
static const char *const results_keys[] = { "rally" };

const char *const stack_wl_vars[] = { "addr", "node", "site", "role",
				      "out_dir", "stack_dir", "experiment",
				      NULL };
/* An instance's variables, which a client node has no value for. */
static const char *const instance_vars[] = { "instance", "index", "service",
					     "conf_dir", "data_dir",
					     "log_dir", NULL };

static const char *const per_names[] = { "site", "node" };
static const char *const role_names[] = { "central", "regional", "edge" };

struct loader {
	struct yload y;                 /* the document and the first error */
	struct stack *s;
};

/* A command: an argv list, or (ALLOW_ONCE) {run: [argv], once: bool}. */
static int get_cmd(struct loader *L, const yaml_node_t *n, const char *key,
		   bool allow_once, struct stack_cmd *c)
{
	const yaml_node_t *v[O_N];
	int rc;

	c->pos = yamldoc_pos(n);
	if (allow_once && n && n->type == YAML_MAPPING_NODE) {
		rc = yload_map(&L->y, n, key, once_keys, O_N, v, NULL);
		if (rc == 0 && !v[O_RUN])
			rc = yload_fail(&L->y, n, "missing key 'run'");
		if (rc == 0 && v[O_ONCE])
			rc = yload_bool(&L->y, v[O_ONCE], "once", &c->once);
		if (rc == 0)
			rc = yload_strings(&L->y, v[O_RUN], "run", true, &c->argv,
					   &c->argc);
		return rc;
	}
	if (!n || n->type != YAML_SEQUENCE_NODE) {
		return yload_fail(&L->y, n, "expected a command (a sequence of arguments) for '%s', got %s",
				  key, yload_got(&L->y, n).s);
	}
	return yload_strings(&L->y, n, key, true, &c->argv, &c->argc);
}

static int get_cmds(struct loader *L, const yaml_node_t *n, const char *key,
		    struct stack_cmd **out, size_t *count)
{
	yaml_node_item_t *it;
	int rc = yload_seq(&L->y, n, key);

	if (rc)
		return rc;
	*out = calloc(yload_seq_len(n) + 1, sizeof(**out));
	if (!*out)
		return yload_nomem(&L->y);
	for (it = n->data.sequence.items.start;
	     it < n->data.sequence.items.top && rc == 0; it++)
		rc = get_cmd(L, yload_node(&L->y, *it), key, true, &(*out)[(*count)++]);
	return rc;
}

/* Selector syntax: a name, "*" or role:central|regional|edge. */
static int check_sites(struct loader *L, const yaml_node_t *n, const char *v)
{
	const char *hint;
	size_t i;

	if (!strcmp(v, "*"))
		return 0;
	if (!strncmp(v, "role:", 5)) {
		for (i = 0; i < N_OF(role_names); i++)
			if (!strcmp(v + 5, role_names[i]))
				return 0;
		hint = suggest_closest(v + 5, role_names, N_OF(role_names));
		if (hint)
			return yload_fail(&L->y, n, "unknown role '%.40s' (did you mean '%s'?)",
					  v + 5, hint);
		return yload_fail(&L->y, n, "unknown role '%.40s' (expected central, regional or edge)",
				  v + 5);
	}
	if (!*v || strchr(v, ':') || strchr(v, ' '))
		return yload_fail(&L->y, n, "bad site selector '%.40s' (a site name, role:ROLE or \"*\")",
				  v);
	return 0;
}

static int get_rule(struct loader *L, const yaml_node_t *n,
		    const char *service, struct stack_rule *r)
{
	const yaml_node_t *v[P_N];
	const char *sites;
	uint64_t x;
	size_t i;
	int rc = yload_map(&L->y, n, "a placement rule", rule_keys, P_N, v, NULL);

	r->pos = yamldoc_pos(n);
	r->count = 1;
	if (rc)
		return rc;
	if (!(r->service = yload_dup(&L->y, service)))
		return -ENOMEM;
	if (v[P_SITES]) {
		rc = yload_str(&L->y, v[P_SITES], "sites", &sites);
		if (rc == 0)
			rc = check_sites(L, v[P_SITES], sites);
		if (rc == 0 && !(r->sites = yload_dup(&L->y, sites)))
			rc = -ENOMEM;
	}
	if (rc == 0 && v[P_PER]) {
		const char *p;

		rc = yload_str(&L->y, v[P_PER], "per", &p);
		for (i = 0; rc == 0 && i < N_OF(per_names) && strcmp(p, per_names[i]); i++)
			;
		if (rc == 0 && i == N_OF(per_names))
			rc = yload_fail(&L->y, v[P_PER], "unknown per '%.40s' (expected site or node)", p);
		if (rc == 0)
			r->per = i == 0 ? PER_SITE : PER_NODE;
	}
	if (rc == 0 && v[P_COUNT] && v[P_PER])
		rc = yload_fail(&L->y, v[P_COUNT], "'count' and 'per' exclude each other");
	if (rc == 0 && v[P_MAX] && !v[P_PER])
		rc = yload_fail(&L->y, v[P_MAX], "'max' needs 'per' (use 'count' for a fixed number)");
	if (rc == 0 && v[P_COUNT]) {
		rc = yload_uint(&L->y, v[P_COUNT], "count", 0, STACK_COUNT_MAX, &x);
		r->count = (unsigned)x;
	}
	if (rc == 0 && v[P_MAX]) {
		rc = yload_uint(&L->y, v[P_MAX], "max", 1, STACK_COUNT_MAX, &x);
		r->max = (unsigned)x;
	}
	/* count: 0 leaves the service out: no sites to name. */
	if (rc == 0 && !r->sites && !stack_rule_omits(r))
		rc = yload_fail(&L->y, n, "missing key 'sites'");
	return rc;
}

static int get_ready(struct loader *L, const yaml_node_t *n,
		     struct stack_service *svc)
{
	const yaml_node_t *v[RD_N];
	uint64_t x;
	int forms, rc = yload_map(&L->y, n, "'ready'", ready_keys, RD_N, v, NULL);

	if (rc)
		return rc;
	forms = !!v[RD_TCP] + !!v[RD_HTTP] + !!v[RD_COMMAND];
	if (forms != 1)
		return yload_fail(&L->y, n, "'ready' needs exactly one of tcp, http or command");
	if (v[RD_HOST] && !v[RD_TCP])
		return yload_fail(&L->y, v[RD_HOST], "'host' goes with 'tcp'");
	if (v[RD_STATUS] && !v[RD_HTTP])
		return yload_fail(&L->y, v[RD_STATUS], "'status' goes with 'http'");
	if (v[RD_TCP]) {
		svc->ready = READY_TCP;
		rc = yload_uint(&L->y, v[RD_TCP], "tcp", 1, 65535, &x);
		svc->ready_port = (unsigned)x;
		if (rc == 0 && v[RD_HOST])
			rc = yload_strdup(&L->y, v[RD_HOST], "host", &svc->ready_host);
	} else if (v[RD_HTTP]) {
		svc->ready = READY_HTTP;
		svc->ready_status = 200;
		rc = yload_strdup(&L->y, v[RD_HTTP], "http", &svc->ready_url);
		if (rc == 0 && strncmp(svc->ready_url, "http://", 7))
			rc = yload_fail(&L->y, v[RD_HTTP], "'http' must be an http:// URL");
		if (rc == 0 && v[RD_STATUS]) {
			rc = yload_uint(&L->y, v[RD_STATUS], "status", 100, 599, &x);
			svc->ready_status = (int)x;
		}
	} else {
		svc->ready = READY_COMMAND;
		rc = get_cmd(L, v[RD_COMMAND], "command", false, &svc->ready_cmd);
	}
	return rc;
}

static int get_files(struct loader *L, const yaml_node_t *n,
		     struct stack_service *svc)
{
	yaml_node_item_t *it;
	int rc = yload_seq(&L->y, n, "files");

	if (rc)
		return rc;
	svc->files = calloc(yload_seq_len(n) + 1, sizeof(*svc->files));
	if (!svc->files)
		return yload_nomem(&L->y);
	for (it = n->data.sequence.items.start;
	     it < n->data.sequence.items.top && rc == 0; it++) {
		const yaml_node_t *item = yload_node(&L->y, *it), *v[F_N];
		struct stack_file *f = &svc->files[svc->n_files++];

		f->pos = yamldoc_pos(item);
		rc = yload_map(&L->y, item, "a file", file_keys, F_N, v, NULL);
		if (rc == 0 && (!v[F_PATH] || !v[F_CONTENT]))
			rc = yload_fail(&L->y, item, "missing key '%s'",
					v[F_PATH] ? "content" : "path");
		if (rc == 0)
			rc = yload_strdup(&L->y, v[F_PATH], "path", &f->path);
		if (rc == 0) {
			const char *c = yamldoc_scalar(v[F_CONTENT]);

			/* An empty content is a legitimate empty file. */
			if (!c)
				rc = yload_str(&L->y, v[F_CONTENT], "content", &c);
			else if (!(f->content = yload_dup(&L->y, c)))
				rc = -ENOMEM;
		}
	}
	return rc;
}

static int get_env(struct loader *L, const yaml_node_t *n,
		   struct stack_service *svc)
{
	yaml_node_pair_t *p;
	int rc = 0;

	if (!n || n->type != YAML_MAPPING_NODE)
		return yload_fail(&L->y, n, "expected a mapping for 'env', got %s",
				  yload_got(&L->y, n).s);
	svc->env = calloc((size_t)(n->data.mapping.pairs.top -
				   n->data.mapping.pairs.start) + 1,
			  sizeof(*svc->env));
	if (!svc->env)
		return yload_nomem(&L->y);
	for (p = n->data.mapping.pairs.start;
	     p < n->data.mapping.pairs.top && rc == 0; p++) {
		const yaml_node_t *k = yload_node(&L->y, p->key);
		struct kv *e = &svc->env[svc->n_env++];
		const char *ks;

		rc = yload_str(&L->y, k, "env", &ks);
		if (rc == 0 && (!*ks || strchr(ks, '=')))
			rc = yload_fail(&L->y, k, "bad environment variable name '%.40s'", ks);
		if (rc == 0 && !(e->key = yload_dup(&L->y, ks)))
			rc = -ENOMEM;
		if (rc == 0)
			rc = yload_strdup(&L->y, yload_node(&L->y, p->value), ks, &e->value);
	}
	return rc;
}

/* `user: NAME`: a user name as useradd takes it; whether it exists is the
 * deploy's question (the host's /etc/passwd). */
static int get_user(struct loader *L, const yaml_node_t *n,
		    struct stack_service *svc)
{
	const char *u, *p;
	int rc = yload_str(&L->y, n, "user", &u);
	bool ok;

	if (rc)
		return rc;
	ok = strlen(u) <= USER_NAME_MAX && ((u[0] >= 'a' && u[0] <= 'z') || u[0] == '_');
	for (p = u; ok && *p; p++)
		ok = (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
		     *p == '_' || *p == '-';
	if (!ok)
		return yload_fail(&L->y, n, "user '%s' is not a user name (a letter or '_', then letters, digits, '_' or '-', at most 32)",
				  yload_show(&L->y, u).s);
	svc->user_pos = yamldoc_pos(n);
	svc->user = yload_dup(&L->y, u);
	return svc->user ? 0 : -ENOMEM;
}

static int get_service(struct loader *L, const yaml_node_t *n,
		       struct stack_service *svc)
{
	const yaml_node_t *v[V_N];
	const char *name, *why, *t;
	int rc = yload_map(&L->y, n, "a service", svc_keys, V_N, v, NULL);

	svc->pos = yamldoc_pos(n);
	svc->timeout_us = STACK_TIMEOUT_DEFAULT_US;
	if (rc == 0 && !v[V_NAME])
		rc = yload_fail(&L->y, n, "missing key 'name'");
	if (rc == 0 && !v[V_COMMAND])
		rc = yload_fail(&L->y, n, "service '%.40s': missing key 'command'",
				yamldoc_scalar(v[V_NAME]) ? yamldoc_scalar(v[V_NAME]) : "?");
	if (rc == 0)
		rc = yload_name(&L->y, v[V_NAME], "name", "service name", &name);
	if (rc == 0 && !(svc->name = yload_dup(&L->y, name)))
		rc = -ENOMEM;
	if (rc == 0 && v[V_MEMORY]) {
		rc = yload_str(&L->y, v[V_MEMORY], "memory", &t);
		if (rc == 0 && units_parse_memory(t, &svc->memory_bytes, &why))
			rc = yload_fail(&L->y, v[V_MEMORY], "memory %.40s %s", t, why);
		if (rc == 0 && (svc->memory_bytes == 0 ||
				svc->memory_bytes > STACK_MEMORY_MAX))
			rc = yload_fail(&L->y, v[V_MEMORY], "memory %.40s is out of range (1KiB to 1024GiB)", t);
	}
	if (rc == 0 && yload_present(v[V_DATA]))
		rc = yload_bool(&L->y, v[V_DATA], "data_dir", &svc->data_dir);
	if (rc == 0 && yload_present(v[V_AFTER]))
		rc = yload_strings(&L->y, v[V_AFTER], "after", false, &svc->after,
				   &svc->n_after);
	if (rc == 0 && yload_present(v[V_ENV]))
		rc = get_env(L, v[V_ENV], svc);
	if (rc == 0 && yload_present(v[V_PLACEMENT])) {
		svc->placement = calloc(1, sizeof(*svc->placement));
		rc = svc->placement ? get_rule(L, v[V_PLACEMENT], name,
					       svc->placement) : yload_nomem(&L->y);
	}
	if (rc == 0 && yload_present(v[V_FILES]))
		rc = get_files(L, v[V_FILES], svc);
	if (rc == 0 && yload_present(v[V_SETUP]))
		rc = get_cmds(L, v[V_SETUP], "setup", &svc->setup, &svc->n_setup);
	if (rc == 0)
		rc = get_cmd(L, v[V_COMMAND], "command", false, &svc->command);
	if (rc == 0 && yload_present(v[V_READY]))
		rc = get_ready(L, v[V_READY], svc);
	if (rc == 0 && v[V_TIMEOUT]) {
		rc = yload_str(&L->y, v[V_TIMEOUT], "timeout", &t);
		if (rc == 0 && units_parse_time(t, &svc->timeout_us, &why))
			rc = yload_fail(&L->y, v[V_TIMEOUT], "timeout %.40s %s", t, why);
		if (rc == 0 && (svc->timeout_us == 0 ||
				svc->timeout_us > STACK_TIMEOUT_MAX))
			rc = yload_fail(&L->y, v[V_TIMEOUT], "timeout %.40s is out of range (more than 0 to 3600s)", t);
	}
	if (rc == 0 && yload_present(v[V_POST]))
		rc = get_cmds(L, v[V_POST], "post", &svc->post, &svc->n_post);
	if (rc == 0 && yload_present(v[V_USER]))
		rc = get_user(L, v[V_USER], svc);
	if (rc == 0 && yload_present(v[V_NNP]))
		rc = yload_bool(&L->y, v[V_NNP], "no_new_privs", &svc->no_new_privs);
	return rc;
}

/* The names of S's services, for suggestions. */
static const char **service_names(const struct stack *s)
{
	const char **v = calloc(s->n_services + 1, sizeof(*v));
	size_t i;

	for (i = 0; v && i < s->n_services; i++)
		v[i] = s->services[i].name;
	return v;
}

/* NAME must be a service of the stack; N is where it was written. */
static int check_service_ref(struct loader *L, const yaml_node_t *n,
			     const char *name, const char *what)
{
	const char **names;
	const char *hint;

	if (stack_service_index(L->s, name) >= 0)
		return 0;
	names = service_names(L->s);
	if (!names)
		return yload_nomem(&L->y);
	hint = suggest_closest(name, names, L->s->n_services);
	if (hint)
		yload_fail(&L->y, n, "%s: unknown service '%.40s' (did you mean '%s'?)",
			   what, name, hint);
	else
		yload_fail(&L->y, n, "%s: unknown service '%.40s'", what, name);
	free(names);
	return -EINVAL;
}

/* Depth-first search for a cycle through `after` from service I. MARK:
 * 0 unseen, 1 on the path, 2 done. */
static long find_cycle(const struct stack *s, size_t i, unsigned char *mark)
{
	size_t k;
	long c;

	if (mark[i] == 1)
		return (long)i;
	if (mark[i] == 2)
		return -1;
	mark[i] = 1;
	for (k = 0; k < s->services[i].n_after; k++) {
		c = find_cycle(s, (size_t)stack_service_index(s, s->services[i].after[k]),
			       mark);
		if (c >= 0)
			return c;
	}
	mark[i] = 2;
	return -1;
}

static int load_services(struct loader *L, const yaml_node_t *n)
{
	struct stack *s = L->s;
	yaml_node_item_t *it;
	unsigned char *mark = NULL;
	char what[96];
	size_t i, k;
	long c;
	int rc = yload_seq(&L->y, n, "services");

	if (rc == 0 && yload_seq_len(n) == 0)
		rc = yload_fail(&L->y, n, "'services' is empty");
	if (rc)
		return rc;
	s->services = calloc(yload_seq_len(n), sizeof(*s->services));
	if (!s->services)
		return yload_nomem(&L->y);
	for (it = n->data.sequence.items.start;
	     it < n->data.sequence.items.top && rc == 0; it++) {
		const yaml_node_t *item = yload_node(&L->y, *it);

		rc = get_service(L, item, &s->services[s->n_services++]);
		if (rc == 0 && stack_service_index(s, s->services[s->n_services - 1].name) <
		    (long)s->n_services - 1)
			rc = yload_fail(&L->y, item, "duplicate service '%s'",
					s->services[s->n_services - 1].name);
	}
	/* References once every name is known. */
	for (i = 0, it = n->data.sequence.items.start; rc == 0 && i < s->n_services;
	     i++, it++) {
		const yaml_node_t *v[V_N];
		yaml_node_item_t *a;

		yload_map(&L->y, yload_node(&L->y, *it), "a service", svc_keys, V_N, v, NULL);
		snprintf(what, sizeof(what), "service '%s': after", s->services[i].name);
		for (k = 0; rc == 0 && k < s->services[i].n_after; k++) {
			a = v[V_AFTER]->data.sequence.items.start + k;
			rc = check_service_ref(L, yload_node(&L->y, *a),
					       s->services[i].after[k], what);
			if (rc == 0 && !strcmp(s->services[i].after[k], s->services[i].name))
				rc = yload_fail(&L->y, yload_node(&L->y, *a), "service '%s' cannot come after itself",
						s->services[i].name);
		}
	}
	if (rc == 0 && !(mark = calloc(s->n_services, 1)))
		rc = yload_nomem(&L->y);
	for (i = 0; rc == 0 && i < s->n_services; i++) {
		c = find_cycle(s, i, mark);
		if (c >= 0) {
			yaml_node_item_t *item = n->data.sequence.items.start + c;

			rc = yload_fail(&L->y, yload_node(&L->y, *item), "service '%s': 'after' makes a cycle",
					s->services[c].name);
		}
	}
	free(mark);
	return rc;
}

static int load_strategy(struct loader *L, const yaml_node_t *key,
			 const yaml_node_t *n, struct stack_strategy *st)
{
	yaml_node_pair_t *p;
	const char *name;
	char what[64];
	size_t i;
	int rc = yload_name(&L->y, key, "strategies", "strategy name", &name);

	st->pos = yamldoc_pos(key);
	if (rc == 0 && !(st->name = yload_dup(&L->y, name)))
		rc = -ENOMEM;
	if (rc == 0 && (!n || n->type != YAML_MAPPING_NODE))
		rc = yload_fail(&L->y, n, "expected a mapping of service: rule for strategy '%s', got %s",
				name, yload_got(&L->y, n).s);
	if (rc)
		return rc;
	st->rules = calloc((size_t)(n->data.mapping.pairs.top -
				    n->data.mapping.pairs.start) + 1,
			   sizeof(*st->rules));
	if (!st->rules)
		return yload_nomem(&L->y);
	for (p = n->data.mapping.pairs.start;
	     p < n->data.mapping.pairs.top && rc == 0; p++) {
		const yaml_node_t *k = yload_node(&L->y, p->key);
		const char *svc;

		rc = yload_str(&L->y, k, "service", &svc);
		snprintf(what, sizeof(what), "strategy '%s'", st->name);
		if (rc == 0)
			rc = check_service_ref(L, k, svc, what);
		for (i = 0; rc == 0 && i < st->n_rules; i++)
			if (!strcmp(st->rules[i].service, svc))
				rc = yload_fail(&L->y, k, "duplicate key '%s'", svc);
		if (rc == 0)
			rc = get_rule(L, yload_node(&L->y, p->value), svc,
				      &st->rules[st->n_rules++]);
	}
	return rc;
}

static int load_strategies(struct loader *L, const yaml_node_t *n)
{
	struct stack *s = L->s;
	yaml_node_pair_t *p;
	size_t i;
	int rc = 0;

	if (!n || n->type != YAML_MAPPING_NODE)
		return yload_fail(&L->y, n, "expected a mapping for 'strategies', got %s",
				  yload_got(&L->y, n).s);
	s->strategies = calloc((size_t)(n->data.mapping.pairs.top -
					n->data.mapping.pairs.start) + 1,
			       sizeof(*s->strategies));
	if (!s->strategies)
		return yload_nomem(&L->y);
	for (p = n->data.mapping.pairs.start;
	     p < n->data.mapping.pairs.top && rc == 0; p++) {
		const yaml_node_t *k = yload_node(&L->y, p->key);
		struct stack_strategy *st = &s->strategies[s->n_strategies++];

		rc = load_strategy(L, k, yload_node(&L->y, p->value), st);
		for (i = 0; rc == 0 && i + 1 < s->n_strategies; i++)
			if (!strcmp(s->strategies[i].name, st->name))
				rc = yload_fail(&L->y, k, "duplicate strategy '%s'", st->name);
	}
	return rc;
}

/* ON of a stack-level step: a service name, or an instance name SERVICE-N
 * of one (the longest service name that fits wins: services may hold
 * '-' themselves). */
static int get_step_on(struct loader *L, const yaml_node_t *n,
		       struct stack_step *st)
{
	const char *on, *dash;
	char name[STACK_NAME_MAX + 1];
	uint64_t x;
	char *end;
	long i;
	int rc = yload_str(&L->y, n, "on", &on);

	if (rc)
		return rc;
	if (!(st->on = yload_dup(&L->y, on)))
		return -ENOMEM;
	i = stack_service_index(L->s, on);
	st->index = 1;
	dash = strrchr(on, '-');
	if (i < 0 && dash && dash[1] >= '1' && dash[1] <= '9' &&
	    (size_t)(dash - on) <= STACK_NAME_MAX) {
		snprintf(name, sizeof(name), "%.*s", (int)(dash - on), on);
		errno = 0;
		x = strtoul(dash + 1, &end, 10);
		if (!*end && errno == 0 && x <= STACK_COUNT_MAX &&
		    (i = stack_service_index(L->s, name)) >= 0)
			st->index = (unsigned)x;
	}
	if (i < 0)
		return check_service_ref(L, n, on, "post: on");
	st->service = (size_t)i;
	return 0;
}

/* The top-level `post`: steps [{on: SERVICE[-N], run: [argv]}, ...]. */
static int load_post(struct loader *L, const yaml_node_t *n)
{
	struct stack *s = L->s;
	yaml_node_item_t *it;
	int rc = yload_seq(&L->y, n, "post");

	if (rc)
		return rc;
	s->post = calloc(yload_seq_len(n) + 1, sizeof(*s->post));
	if (!s->post)
		return yload_nomem(&L->y);
	for (it = n->data.sequence.items.start;
	     it < n->data.sequence.items.top && rc == 0; it++) {
		const yaml_node_t *item = yload_node(&L->y, *it), *v[S_N];
		struct stack_step *st = &s->post[s->n_post++];

		st->pos = yamldoc_pos(item);
		rc = yload_map(&L->y, item, "a post step", step_keys, S_N, v, NULL);
		if (rc == 0 && (!v[S_ON] || !v[S_RUN]))
			rc = yload_fail(&L->y, item, "missing key '%s' in a post step",
					v[S_ON] ? "run" : "on");
		if (rc == 0)
			rc = get_step_on(L, v[S_ON], st);
		if (rc == 0)
			rc = get_cmd(L, v[S_RUN], "run", false, &st->run);
	}
	return rc;
}

/* ---- workloads ---- */

/* Is NAME in the NULL-terminated V? */
static bool in_list(const char *const *v, const char *name, size_t len)
{
	size_t i;

	for (i = 0; v[i]; i++)
		if (strlen(v[i]) == len && !memcmp(v[i], name, len))
			return true;
	return false;
}

/* Parse TEXT as a value of TYPE into *OUT: 0, or -EINVAL with *WHY. */
static int opt_value(enum wl_opt_type type, const char *text, uint64_t *out,
		     const char **why)
{
	bool neg = false;

	*why = NULL;
	switch (type) {
	case WL_OPT_COUNT:
		if (units_parse_integer(text, out, &neg) || neg) {
			*why = "is not a count (digits)";
			return -EINVAL;
		}
		return 0;
	case WL_OPT_SIZE:
		return units_parse_memory(text, out, why);
	case WL_OPT_TIME:
		return units_parse_time(text, out, why);
	case WL_OPT_TEXT:
		break;
	}
	*out = 0;
	return 0;
}

/* The type a default as written says: a count (digits), a time, a size,
 * else text. */
static enum wl_opt_type opt_infer(const char *text)
{
	const char *why;
	uint64_t x;
	bool neg;

	if (units_parse_integer(text, &x, &neg) == 0)
		return WL_OPT_COUNT;
	if (units_parse_time(text, &x, &why) == 0)
		return WL_OPT_TIME;
	if (units_parse_memory(text, &x, &why) == 0)
		return WL_OPT_SIZE;
	return WL_OPT_TEXT;
}

/* One bound of option O (KEY "min" or "max") from N into *OUT. */
static int opt_bound(struct loader *L, const char *wl, const yaml_node_t *n,
		     const struct stack_wl_option *o, const char *key,
		     uint64_t *out)
{
	const char *t, *why;
	int rc = yload_str(&L->y, n, key, &t);

	if (rc == 0 && o->type == WL_OPT_TEXT)
		rc = yload_fail(&L->y, n, "workload '%s': option '%s': '%s' goes with a count, size or time",
				wl, o->name, key);
	if (rc == 0 && opt_value(o->type, t, out, &why))
		rc = yload_fail(&L->y, n, "workload '%s': option '%s': %s %s %s",
				wl, o->name, key, yload_show(&L->y, t).s, why);
	return rc;
}

/* The default bounds of each type as a file writes them. */
static const char *const opt_bound_text[][2] = {
	{ "1", "1000000" }, { "0KiB", "1024GiB" }, { "0s", "86400s" }, { "", "" },
};

static int get_wl_option(struct loader *L, const char *wl,
			 const yaml_node_t *k, const yaml_node_t *n,
			 struct stack_wl_option *o)
{
	static const uint64_t tops[] = { STACK_WL_COUNT_MAX, STACK_WL_SIZE_MAX,
					 STACK_WL_TIME_MAX, 0 };
	const yaml_node_t *v[OP_N] = { NULL };
	const char *name, *def = NULL, *why;
	uint64_t x = 0;
	int type = -1, rc;

	o->pos = yamldoc_pos(k);
	rc = yload_name(&L->y, k, "options", "option name", &name);
	if (rc == 0 && (in_list(stack_wl_vars, name, strlen(name)) ||
			in_list(instance_vars, name, strlen(name)) ||
			!strcmp(name, "from")))
		rc = yload_fail(&L->y, k, "workload '%s': option '%s' would hide %s",
				wl, name, strcmp(name, "from") ? "a template variable of that name" :
				"the clients' selector of every workload");
	if (rc == 0 && !(o->name = yload_dup(&L->y, name)))
		rc = -ENOMEM;
	if (rc)
		return rc;
	if (n && n->type == YAML_MAPPING_NODE) {
		rc = yload_map(&L->y, n, "an option", opt_keys, OP_N, v, NULL);
		if (rc == 0 && !v[OP_DEFAULT] && !v[OP_TYPE])
			rc = yload_fail(&L->y, n, "workload '%s': option '%s' needs a 'default' or a 'type'",
					wl, name);
		if (rc == 0 && v[OP_TYPE])
			rc = yload_enum(&L->y, v[OP_TYPE], "type", "option type",
					opt_types, N_OF(opt_types), &type);
		if (rc == 0 && v[OP_DEFAULT])
			rc = yload_str(&L->y, v[OP_DEFAULT], "default", &def);
		if (rc == 0 && v[OP_HELP])
			rc = yload_strdup(&L->y, v[OP_HELP], "help", &o->help);
	} else {
		rc = yload_str(&L->y, n, name, &def);
	}
	if (rc)
		return rc;
	o->type = type >= 0 ? (enum wl_opt_type)type : opt_infer(def);
	o->min = o->type == WL_OPT_COUNT ? 1 : 0;
	o->max = tops[o->type];
	if (v[OP_MIN])
		rc = opt_bound(L, wl, v[OP_MIN], o, "min", &o->min);
	if (rc == 0 && v[OP_MAX])
		rc = opt_bound(L, wl, v[OP_MAX], o, "max", &o->max);
	if (rc == 0 && o->min > o->max)
		rc = yload_fail(&L->y, v[OP_MIN], "workload '%s': option '%s': min is above max",
				wl, name);
	if (rc || !def)
		return rc;
	if (!(o->def = yload_dup(&L->y, def)))
		return -ENOMEM;
	n = v[OP_DEFAULT] ? v[OP_DEFAULT] : n;
	if (opt_value(o->type, def, &x, &why))
		return yload_fail(&L->y, n, "workload '%s': option '%s': default %s %s",
				  wl, name, yload_show(&L->y, def).s, why);
	if (o->type != WL_OPT_TEXT && (x < o->min || x > o->max))
		return yload_fail(&L->y, n, "workload '%s': option '%s': default %s is out of range (%s to %s)",
				  wl, name, yload_show(&L->y, def).s,
				  v[OP_MIN] ? yamldoc_scalar(v[OP_MIN]) : opt_bound_text[o->type][0],
				  v[OP_MAX] ? yamldoc_scalar(v[OP_MAX]) : opt_bound_text[o->type][1]);
	return 0;
}

static int get_wl_options(struct loader *L, struct stack_workload *sw,
			  const yaml_node_t *n)
{
	yaml_node_pair_t *p;
	size_t i, count;
	int rc = 0;

	if (!n || n->type != YAML_MAPPING_NODE)
		return yload_fail(&L->y, n, "expected a mapping of option: default for 'options', got %s",
				  yload_got(&L->y, n).s);
	count = (size_t)(n->data.mapping.pairs.top - n->data.mapping.pairs.start);
	if (count > WL_OPTIONS_MAX)
		return yload_fail(&L->y, n, "workload '%s': %zu options (at most %d)",
				  sw->name, count, WL_OPTIONS_MAX);
	sw->options = calloc(count + 1, sizeof(*sw->options));
	if (!sw->options)
		return yload_nomem(&L->y);
	for (p = n->data.mapping.pairs.start;
	     p < n->data.mapping.pairs.top && rc == 0; p++) {
		const yaml_node_t *k = yload_node(&L->y, p->key);
		struct stack_wl_option *o = &sw->options[sw->n_options++];

		rc = get_wl_option(L, sw->name, k, yload_node(&L->y, p->value), o);
		for (i = 0; rc == 0 && i + 1 < sw->n_options; i++)
			if (!strcmp(sw->options[i].name, o->name))
				rc = yload_fail(&L->y, k, "duplicate key '%s'", o->name);
	}
	return rc;
}

/* A Debian package name: [a-z0-9][a-z0-9+.-]+. */
static bool package_name_ok(const char *p)
{
	size_t i, n = strlen(p);

	if (n < 2 || n > 64 || !((p[0] >= 'a' && p[0] <= 'z') || (p[0] >= '0' && p[0] <= '9')))
		return false;
	for (i = 1; i < n; i++)
		if (!((p[i] >= 'a' && p[i] <= 'z') || (p[i] >= '0' && p[i] <= '9') ||
		      p[i] == '+' || p[i] == '.' || p[i] == '-'))
			return false;
	return true;
}

/* `needs: {PACKAGE: PROGRAM-OR-ABSOLUTE-PATH}`. */
static int get_wl_needs(struct loader *L, struct stack_workload *sw,
			const yaml_node_t *n)
{
	yaml_node_pair_t *p;
	int rc = 0;

	if (!n || n->type != YAML_MAPPING_NODE)
		return yload_fail(&L->y, n, "expected a mapping of package: program or path for 'needs', got %s",
				  yload_got(&L->y, n).s);
	sw->needs = calloc((size_t)(n->data.mapping.pairs.top -
				    n->data.mapping.pairs.start) + 1,
			   sizeof(*sw->needs));
	if (!sw->needs)
		return yload_nomem(&L->y);
	for (p = n->data.mapping.pairs.start;
	     p < n->data.mapping.pairs.top && rc == 0; p++) {
		const yaml_node_t *k = yload_node(&L->y, p->key);
		const yaml_node_t *val = yload_node(&L->y, p->value);
		struct stack_wl_need *nd = &sw->needs[sw->n_needs++];
		const char *pkg, *what;

		nd->pos = yamldoc_pos(k);
		rc = yload_str(&L->y, k, "needs", &pkg);
		if (rc == 0 && !package_name_ok(pkg))
			rc = yload_fail(&L->y, k, "bad Debian package name '%.40s'", pkg);
		if (rc == 0)
			rc = yload_str(&L->y, val, pkg, &what);
		if (rc == 0 && (!*what || (strchr(what, '/') && what[0] != '/')))
			rc = yload_fail(&L->y, val, "workload '%s': needs: '%.40s' must be a program name or an absolute path",
					sw->name, what);
		if (rc == 0 && (!(nd->package = yload_dup(&L->y, pkg)) ||
				!(nd->what = yload_dup(&L->y, what))))
			rc = -ENOMEM;
	}
	return rc;
}

/* Check the variables of template TEXT (the string at N, for KEY) of
 * workload SW: every bare {{NAME}} is a client's variable or an option,
 * every {{SERVICE.FIELD}} names a service; near(...) and join(...) are
 * checked when rendered. */
static int check_wl_template(struct loader *L, const struct stack_workload *sw,
			     const yaml_node_t *n, const char *key,
			     const char *text)
{
	const char *p = text, *open, *c, *e, *b;
	const char *names[WL_OPTIONS_MAX + 8], *hint;
	char name[STACK_NAME_MAX + 1];
	size_t k = 0, i, len;
	int depth;

	for (i = 0; stack_wl_vars[i]; i++)
		names[k++] = stack_wl_vars[i];
	for (i = 0; i < sw->n_options; i++)
		names[k++] = sw->options[i].name;
	while ((open = strstr(p, "{{"))) {
		for (depth = 1, c = open + 2; *c && c[1]; c++) {
			if (c[0] == '{' && c[1] == '{') {
				depth++;
				c++;
			} else if (c[0] == '}' && c[1] == '}' && --depth == 0) {
				break;
			} else if (c[0] == '}' && c[1] == '}') {
				c++;
			}
		}
		if (depth)
			return yload_fail(&L->y, n, "workload '%s': unclosed '{{' in '%s'",
					  sw->name, key);
		for (b = open + 2; b < c && (*b == ' ' || *b == '\t'); b++)
			;
		for (e = c; e > b && (e[-1] == ' ' || e[-1] == '\t'); e--)
			;
		len = (size_t)(e - b);
		p = c + 2;
		if (memchr(b, '(', len))
			continue;
		if (memchr(b, '.', len)) {
			len = (size_t)((const char *)memchr(b, '.', len) - b);
			snprintf(name, sizeof(name), "%.*s", (int)(len < STACK_NAME_MAX ? len : STACK_NAME_MAX), b);
			if (stack_service_index(L->s, name) < 0) {
				char what[96];

				snprintf(what, sizeof(what), "workload '%s': '%s'", sw->name, key);
				return check_service_ref(L, n, name, what);
			}
			continue;
		}
		names[k] = NULL;
		if (in_list(names, b, len))
			continue;
		snprintf(name, sizeof(name), "%.*s", (int)(len < STACK_NAME_MAX ? len : STACK_NAME_MAX), b);
		if (in_list(instance_vars, b, len))
			return yload_fail(&L->y, n, "workload '%s': '{{%s}}' in '%s' is a service instance's variable (a workload runs in a client node)",
					  sw->name, name, key);
		hint = suggest_closest(name, names, k);
		if (hint)
			return yload_fail(&L->y, n, "workload '%s': unknown template variable '%s' in '%s' (did you mean '%s'?)",
					  sw->name, name, key, hint);
		return yload_fail(&L->y, n, "workload '%s': unknown template variable '%s' in '%s'",
				  sw->name, name, key);
	}
	return 0;
}

static int get_wl_results(struct loader *L, struct stack_workload *sw,
			  const yaml_node_t *n)
{
	const yaml_node_t *v[RS_N];
	const char *t;
	int rc;

	if (n && n->type == YAML_MAPPING_NODE) {
		rc = yload_map(&L->y, n, "'results'", results_keys, RS_N, v, NULL);
		if (rc == 0 && !v[RS_RALLY])
			rc = yload_fail(&L->y, n, "missing key 'rally'");
		if (rc == 0)
			rc = yload_strdup(&L->y, v[RS_RALLY], "rally", &sw->rally_report);
		if (rc == 0)
			rc = check_wl_template(L, sw, v[RS_RALLY], "results", sw->rally_report);
		sw->results = STACK_WL_RALLY;
		return rc;
	}
	rc = yload_str(&L->y, n, "results", &t);
	if (rc == 0 && strcmp(t, "jsonl"))
		rc = yload_fail(&L->y, n, "unknown results '%.40s' (expected jsonl or {rally: FILE})", t);
	return rc;
}

static int get_workload(struct loader *L, const yaml_node_t *k,
			const yaml_node_t *n, struct stack_workload *sw)
{
	const yaml_node_t *v[W_N];
	const char *name, *t;
	uint64_t x;
	size_t i;
	int rc;

	sw->pos = yamldoc_pos(k);
	sw->node = 1;
	rc = yload_name(&L->y, k, "workloads", "workload name", &name);
	if (rc == 0 && !(sw->name = yload_dup(&L->y, name)))
		rc = -ENOMEM;
	if (rc == 0)
		rc = yload_map(&L->y, n, "a workload", wl_keys, W_N, v, NULL);
	if (rc == 0 && !v[W_RUN])
		rc = yload_fail(&L->y, n, "missing key 'run' in workload '%s'", name);
	if (rc)
		return rc;
	if (yload_present(v[W_DESC]))
		rc = yload_strdup(&L->y, v[W_DESC], "description", &sw->description);
	if (rc == 0 && v[W_FROM]) {
		rc = yload_str(&L->y, v[W_FROM], "from", &t);
		if (rc == 0)
			rc = check_sites(L, v[W_FROM], t);
		if (rc == 0 && !(sw->from = yload_dup(&L->y, t)))
			rc = -ENOMEM;
	} else if (rc == 0 && !(sw->from = yload_dup(&L->y, "role:central"))) {
		rc = -ENOMEM;
	}
	if (rc == 0 && v[W_NODE]) {
		rc = yload_uint(&L->y, v[W_NODE], "node", 1, STACK_COUNT_MAX, &x);
		sw->node = (unsigned)x;
	}
	if (rc == 0 && v[W_SERVICE]) {
		char what[96];

		snprintf(what, sizeof(what), "workload '%s'", name);
		rc = yload_str(&L->y, v[W_SERVICE], "service", &t);
		if (rc == 0)
			rc = check_service_ref(L, v[W_SERVICE], t, what);
		if (rc == 0 && !(sw->service = yload_dup(&L->y, t)))
			rc = -ENOMEM;
	}
	if (rc == 0 && yload_present(v[W_OPTIONS]))
		rc = get_wl_options(L, sw, v[W_OPTIONS]);
	if (rc == 0)
		rc = get_cmd(L, v[W_RUN], "run", false, &sw->run);
	for (i = 0; rc == 0 && i < sw->run.argc; i++)
		rc = check_wl_template(L, sw, yload_node(&L->y, v[W_RUN]->data.sequence.items.start[i]),
				       "run", sw->run.argv[i]);
	if (rc == 0 && v[W_RESULTS])
		rc = get_wl_results(L, sw, v[W_RESULTS]);
	if (rc == 0 && yload_present(v[W_REPORT])) {
		rc = yload_strdup(&L->y, v[W_REPORT], "report", &sw->report);
		if (rc == 0)
			rc = check_wl_template(L, sw, v[W_REPORT], "report", sw->report);
	}
	if (rc == 0 && v[W_TIMEOUT]) {
		rc = yload_str(&L->y, v[W_TIMEOUT], "timeout", &t);
		if (rc == 0 && units_parse_time(t, &sw->timeout_us, &t))
			rc = yload_fail(&L->y, v[W_TIMEOUT], "timeout %.40s %s",
					yamldoc_scalar(v[W_TIMEOUT]), t);
		if (rc == 0 && (sw->timeout_us == 0 ||
				sw->timeout_us > STACK_WL_TIME_MAX))
			rc = yload_fail(&L->y, v[W_TIMEOUT], "timeout %.40s is out of range (more than 0 to 86400s)",
					yamldoc_scalar(v[W_TIMEOUT]));
	}
	if (rc == 0 && yload_present(v[W_NEEDS]))
		rc = get_wl_needs(L, sw, v[W_NEEDS]);
	return rc;
}

/* `workloads:` a mapping of name: workload. */
static int load_workloads(struct loader *L, const yaml_node_t *n)
{
	struct stack *s = L->s;
	yaml_node_pair_t *p;
	size_t i;
	int rc = 0;

	if (!n || n->type != YAML_MAPPING_NODE)
		return yload_fail(&L->y, n, "expected a mapping of name: workload for 'workloads', got %s",
				  yload_got(&L->y, n).s);
	s->workloads = calloc((size_t)(n->data.mapping.pairs.top -
				       n->data.mapping.pairs.start) + 1,
			      sizeof(*s->workloads));
	if (!s->workloads)
		return yload_nomem(&L->y);
	for (p = n->data.mapping.pairs.start;
	     p < n->data.mapping.pairs.top && rc == 0; p++) {
		const yaml_node_t *k = yload_node(&L->y, p->key);
		struct stack_workload *sw = &s->workloads[s->n_workloads++];

		rc = get_workload(L, k, yload_node(&L->y, p->value), sw);
		for (i = 0; rc == 0 && i + 1 < s->n_workloads; i++)
			if (!strcmp(s->workloads[i].name, sw->name))
				rc = yload_fail(&L->y, k, "duplicate workload '%s'", sw->name);
	}
	return rc;
}

static int load_top(struct loader *L, const char *name_check)
{
	yaml_node_t *root = yamldoc_root(L->y.doc);
	const yaml_node_t *v[K_N];
	const char *name;
	int rc;

	if (!root)
		return yload_fail(&L->y, NULL, "empty stack file (expected a mapping with 'stack' and 'services')");
	rc = yload_map(&L->y, root, "the stack", top_keys, K_N, v, NULL);
	if (rc == 0 && !v[K_STACK])
		rc = yload_fail(&L->y, root, "missing key 'stack'");
	if (rc == 0 && !v[K_SERVICES])
		rc = yload_fail(&L->y, root, "missing key 'services'");
	if (rc == 0)
		rc = yload_name(&L->y, v[K_STACK], "stack", "stack name", &name);
	if (rc == 0 && name_check && strcmp(name, name_check))
		rc = yload_fail(&L->y, v[K_STACK], "stack '%s' must be in a file named %s.yaml, not %s.yaml",
				name, name, name_check);
	if (rc == 0 && !(L->s->name = yload_dup(&L->y, name)))
		rc = -ENOMEM;
	if (rc == 0 && yload_present(v[K_DESC]))
		rc = yload_strdup(&L->y, v[K_DESC], "description", &L->s->description);
	if (rc == 0 && yload_present(v[K_PACKAGES]))
		rc = yload_strings(&L->y, v[K_PACKAGES], "packages", false,
				   &L->s->packages, &L->s->n_packages);
	if (rc == 0)
		rc = load_services(L, v[K_SERVICES]);
	if (rc == 0 && v[K_STRATEGIES])
		rc = load_strategies(L, v[K_STRATEGIES]);
	if (rc == 0 && yload_present(v[K_POST]))
		rc = load_post(L, v[K_POST]);
	if (rc == 0 && yload_present(v[K_WORKLOADS]))
		rc = load_workloads(L, v[K_WORKLOADS]);
	return rc;
}

struct stack *stack_load_string(const char *text, const char *label,
				const char *name_check, char **err)
{
	struct loader L = {
		.y = { .label = label, .name_max = STACK_NAME_MAX,
		       .flags = YLOAD_KEY_CONTEXT | YLOAD_QUOTE_RAW |
				YLOAD_UNSIGNED | YLOAD_LOWER_BOOL |
				YLOAD_NAME_UNDERSCORE },
	};
	int rc;

	*err = NULL;
	rc = yload_parse(&L.y, text, strlen(text));
	if (rc)
		goto out;
	L.s = calloc(1, sizeof(*L.s));
	if (L.s && !(L.s->path = strdup(label)))
		yload_nomem(&L.y);
	rc = L.s && L.s->path ? load_top(&L, name_check) : yload_nomem(&L.y);
out:
	if (rc) {
		stack_free(L.s);
		L.s = NULL;
		*err = L.y.err ? L.y.err : strdup("out of memory");
		L.y.err = NULL;
	}
	yload_release(&L.y);
	return L.s;
}

/* FILE's base name without ".yaml" into OUT. */
static void base_name(const char *path, char *out, size_t len)
{
	const char *b = strrchr(path, '/');
	size_t n;

	b = b ? b + 1 : path;
	n = strlen(b);
	if (n > 5 && !strcmp(b + n - 5, ".yaml"))
		n -= 5;
	snprintf(out, len, "%.*s", (int)n, b);
}

struct stack *stack_load(const char *path, char **err)
{
	struct stack *s = NULL;
	char *text = NULL, base[256];
	size_t used = 0;
	int rc;

	*err = NULL;
	rc = stack_trusted(path, &text);
	if (rc == -EPERM) {
		*err = str_printf("%s: %s", path, text);
		free(text);
		return NULL;
	}
	free(text);
	text = NULL;
	rc = fs_read_file(path, STACK_FILE_MAX, &text, &used);
	if (rc < 0) {
		*err = rc == -ENOENT || rc == -EACCES ?
			str_printf("%s: cannot open the stack file: %s", path, strerror(-rc)) :
			str_printf("%s: cannot read: %s", path, fs_read_error(rc));
		goto out;
	}
	base_name(path, base, sizeof(base));
	s = stack_load_string(text, path, base, err);
out:
	free(text);
	return s;
}

static void free_strv(char **v)
{
	size_t i;

	for (i = 0; v && v[i]; i++)
		free(v[i]);
	free(v);
}

static void rule_release(struct stack_rule *r)
{
	free(r->service);
	free(r->sites);
}

static void cmds_free(struct stack_cmd *c, size_t n)
{
	size_t i;

	for (i = 0; c && i < n; i++)
		free_strv(c[i].argv);
	free(c);
}

static void service_release(struct stack_service *svc)
{
	size_t i;

	free(svc->name);
	free_strv(svc->after);
	for (i = 0; i < svc->n_env; i++) {
		free(svc->env[i].key);
		free(svc->env[i].value);
	}
	free(svc->env);
	if (svc->placement)
		rule_release(svc->placement);
	free(svc->placement);
	for (i = 0; i < svc->n_files; i++) {
		free(svc->files[i].path);
		free(svc->files[i].content);
	}
	free(svc->files);
	cmds_free(svc->setup, svc->n_setup);
	cmds_free(svc->post, svc->n_post);
	free_strv(svc->command.argv);
	free(svc->ready_host);
	free(svc->ready_url);
	free(svc->user);
	free_strv(svc->ready_cmd.argv);
}

static void workload_release(struct stack_workload *sw)
{
	size_t i;

	free(sw->name);
	free(sw->description);
	free(sw->from);
	free(sw->service);
	for (i = 0; i < sw->n_options; i++) {
		free(sw->options[i].name);
		free(sw->options[i].def);
		free(sw->options[i].help);
	}
	free(sw->options);
	free_strv(sw->run.argv);
	free(sw->rally_report);
	free(sw->report);
	for (i = 0; i < sw->n_needs; i++) {
		free(sw->needs[i].package);
		free(sw->needs[i].what);
	}
	free(sw->needs);
}

void stack_free(struct stack *s)
{
	size_t i, k;

	if (!s)
		return;
	for (i = 0; i < s->n_workloads; i++)
		workload_release(&s->workloads[i]);
	free(s->workloads);
	for (i = 0; i < s->n_services; i++)
		service_release(&s->services[i]);
	free(s->services);
	for (i = 0; i < s->n_strategies; i++) {
		for (k = 0; k < s->strategies[i].n_rules; k++)
			rule_release(&s->strategies[i].rules[k]);
		free(s->strategies[i].rules);
		free(s->strategies[i].name);
	}
	free(s->strategies);
	for (i = 0; i < s->n_post; i++) {
		free(s->post[i].on);
		free_strv(s->post[i].run.argv);
	}
	free(s->post);
	free_strv(s->packages);
	free(s->description);
	free(s->name);
	free(s->path);
	free(s);
}

long stack_service_index(const struct stack *s, const char *name)
{
	size_t i;

	for (i = 0; i < s->n_services; i++)
		if (s->services[i].name && !strcmp(s->services[i].name, name))
			return (long)i;
	return -1;
}

long stack_workload_index(const struct stack *s, const char *name)
{
	size_t i;

	for (i = 0; i < s->n_workloads; i++)
		if (s->workloads[i].name && !strcmp(s->workloads[i].name, name))
			return (long)i;
	return -1;
}

const struct stack_strategy *stack_strategy_find(const struct stack *s,
						 const char *name)
{
	size_t i;

	if (!name || !*name)
		return s->n_strategies ? &s->strategies[0] : NULL;
	for (i = 0; i < s->n_strategies; i++)
		if (!strcmp(s->strategies[i].name, name))
			return &s->strategies[i];
	return NULL;
}

const struct stack_rule *stack_rule_for(const struct stack_strategy *st,
					const struct stack_service *svc)
{
	size_t i;

	for (i = 0; st && i < st->n_rules; i++)
		if (!strcmp(st->rules[i].service, svc->name))
			return &st->rules[i];
	return svc->placement;
}

bool stack_rule_omits(const struct stack_rule *r)
{
	return r && r->per == PER_NONE && r->count == 0;
}

/* DIR/NAME.yaml into OUT if it exists: 0, -ENOENT, -ENAMETOOLONG. */
static int try_dir(const char *dir, const char *name, char *out, size_t len)
{
	int n = snprintf(out, len, "%s/%s.yaml", dir, name);

	if (n < 0 || (size_t)n >= len)
		return -ENAMETOOLONG;
	return access(out, R_OK) == 0 ? 0 : -ENOENT;
}

int stack_find(const char *name, const char *exe, char *out, size_t len)
{
	const char *env = getenv("ENOS_STACKS_DIR");
	char dir[PATH_MAX], cand[PATH_MAX], self[PATH_MAX];
	char *slash;
	ssize_t got;
	int up, rc = -ENOENT, n;

	if (env && *env)
		return try_dir(env, name, out, len);
	if (!exe) {
		got = readlink("/proc/self/exe", self, sizeof(self) - 1);
		self[got > 0 ? got : 0] = '\0';
		exe = self;
	}
	snprintf(out, len, "workloads/stacks/%s.yaml (beside '%s')", name, exe);
	/* EXE is TREE/build/bin/enos, TREE/bin/enos or a build-asan twin:
	 * climb from its directory until workloads/stacks appears. */
	if (exe[0] && snprintf(dir, sizeof(dir), "%s", exe) < (int)sizeof(dir)) {
		for (up = 0; up < 3 && (slash = strrchr(dir, '/')); up++) {
			*slash = '\0';
			n = snprintf(cand, sizeof(cand), "%s/workloads/stacks", dir);
			if (n < 0 || (size_t)n >= sizeof(cand))
				break;
			rc = try_dir(cand, name, out, len);
			if (rc == 0)
				return 0;
		}
	}
	return rc == -ENAMETOOLONG ? rc : -ENOENT;
}

int stack_trusted(const char *path, char **err)
{
	char why[PATH_MAX + 128];
	int rc = fs_trusted(path, why, sizeof(why));

	if (rc < 0)
		*err = str_printf("refused: %s: a stack's commands run as root", why);
	return rc;
}

int stack_argv_trusted(const char *stack_dir, char *const *argv, char **err)
{
	size_t n = strlen(stack_dir), i;
	int rc = 0;

	for (i = 0; argv[i] && rc == 0; i++)
		if (!strncmp(argv[i], stack_dir, n) && argv[i][n] == '/')
			rc = stack_trusted(argv[i], err);
	return rc;
}

const char *stack_ready_name(enum stack_ready r)
{
	static const char *const names[] = { "none", "tcp", "http", "command" };

	return (size_t)r < N_OF(names) ? names[r] : "?";
}
