/* nodefault — node faults, live and on the timeline; see nodefault.h. */
#include "enos/nodefault.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "emulator/emu.h"
#include "emulator/node.h"
#include "emulator/proc.h"
#include "emulator/world.h"
#include "enos/cli.h"
#include "enos/fault.h"
#include "enos/inject.h"
#include "enos/shaping.h"
#include "enos/state.h"
#include "util/str.h"
#include "util/strbuf.h"
#include "util/suggest.h"

#define N_ACTIONS ((size_t)FAULT_STRESS + 1)

/* How long a stressor has to stop on SIGTERM before SIGKILL. */
#define STRESS_STOP_MS 2000

bool nodefault_is(enum fault_action a)
{
	return a >= FAULT_CPU && a <= FAULT_STRESS;
}

int nodefault_action(const char *word)
{
	size_t i;

	for (i = 0; i < N_ACTIONS; i++)
		if (!strcmp(word, fault_action_name((enum fault_action)i)))
			return (int)i;
	return -1;
}

/* Node NAME of W, or NULL with *ERR saying so with the closest name. */
static const struct world_node *find_node(const struct world *w,
					  const char *name, char **err)
{
	const char **names;
	const char *best = NULL;
	size_t i;

	for (i = 0; i < w->n_nodes; i++)
		if (!strcmp(w->nodes[i].name, name))
			return &w->nodes[i];
	names = calloc(w->n_nodes + 1, sizeof(*names));
	for (i = 0; names && i < w->n_nodes; i++)
		names[i] = w->nodes[i].name;
	if (names)
		best = suggest_closest(name, names, w->n_nodes);
	if (best)
		*err = str_printf("unknown node '%s' (did you mean '%s'?)",
				  str_show(name).s, best);
	else
		*err = str_printf("unknown node '%s' ('enos status' lists the nodes)",
				  str_show(name).s);
	free(names);
	return NULL;
}

/* Can F's node's backend do F? *ERR if not. */
static int backend_can(const struct node_fault *f, char **err)
{
	const struct node_ops *ops = f->node->ops;
	bool can;

	switch (f->action) {
	case FAULT_CPU:
	case FAULT_MEMORY:
		can = ops->set_limits != NULL;
		break;
	case FAULT_FREEZE:
	case FAULT_THAW:
		can = ops->freeze != NULL;
		break;
	case FAULT_CRASH:
		can = ops->kill_all != NULL;
		break;
	default:
		can = ops->spawn != NULL;
		break;
	}
	if (can)
		return 0;
	*err = str_printf("node '%s' is a %s node: its backend cannot %s (netns and lxc nodes can)",
			  f->node->name, ops->name, fault_action_name(f->action));
	return *err ? -EINVAL : -ENOMEM;
}

/* "cpu=N" of a stress: N whole workers, 1 to NODEFAULT_STRESS_MAX. */
static int parse_workers(const char *word, uint64_t *n, char **err)
{
	char *end;
	long v;

	if (strncmp(word, "cpu=", 4)) {
		*err = str_printf("stress takes 'cpu=N' (N CPU workers), not '%s'",
				  str_show(word).s);
		return *err ? -EINVAL : -ENOMEM;
	}
	errno = 0;
	v = strtol(word + 4, &end, 10);
	if (errno || end == word + 4 || *end || v < 1 ||
	    v > NODEFAULT_STRESS_MAX) {
		*err = str_printf("stress %s: give 1 to %d whole CPU workers (cpu=2)",
				  str_show(word).s, NODEFAULT_STRESS_MAX);
		return *err ? -EINVAL : -ENOMEM;
	}
	*n = (uint64_t)v;
	return 0;
}

int nodefault_parse(const struct world *w, int argc, char *const argv[],
		    struct node_fault *f, char **err)
{
	static const int want[] = { [FAULT_CPU] = 3, [FAULT_MEMORY] = 3,
				    [FAULT_FREEZE] = 2, [FAULT_THAW] = 2,
				    [FAULT_CRASH] = 2, [FAULT_STRESS] = 3 };
	static const char *const usage[] = {
		[FAULT_CPU] = "cpu NODE CORES (e.g. cpu edge-1-0 0.1)",
		[FAULT_MEMORY] = "memory NODE SIZE (e.g. memory edge-1-0 256MiB)",
		[FAULT_FREEZE] = "freeze NODE", [FAULT_THAW] = "thaw NODE",
		[FAULT_CRASH] = "crash NODE",
		[FAULT_STRESS] = "stress NODE cpu=N (e.g. stress edge-1-0 cpu=2)",
	};
	uint32_t milli = 0;
	int a, rc = 0;

	memset(f, 0, sizeof(*f));
	*err = NULL;
	a = argc > 0 ? nodefault_action(argv[0]) : -1;
	if (a < 0 || !nodefault_is((enum fault_action)a)) {
		*err = str_printf("not a node fault: '%s'", argc > 0 ?
				  str_show(argv[0]).s : "");
		return *err ? -EINVAL : -ENOMEM;
	}
	f->action = (enum fault_action)a;
	if (argc != want[a]) {
		*err = str_printf("usage: %s", usage[a]);
		return *err ? -EINVAL : -ENOMEM;
	}
	f->node = find_node(w, argv[1], err);
	if (!f->node)
		return *err ? -EINVAL : -ENOMEM;
	if (f->action == FAULT_CPU) {
		rc = topo_cpu_parse(argv[2], &milli, err);
		f->amount = milli;
	} else if (f->action == FAULT_MEMORY) {
		rc = topo_memory_parse(argv[2], &f->amount, err);
	} else if (f->action == FAULT_STRESS) {
		rc = parse_workers(argv[2], &f->amount, err);
	}
	if (rc == 0)
		rc = backend_can(f, err);
	return rc;
}

int nodefault_of_topology(const struct world *w, const struct fault *tf,
			  struct node_fault *f, char **err)
{
	memset(f, 0, sizeof(*f));
	*err = NULL;
	f->action = tf->action;
	f->amount = tf->amount;
	f->node = tf->node ? find_node(w, tf->node->name, err) : NULL;
	if (!f->node && !*err)
		*err = str_printf("fault has no node");
	return f->node ? 0 : *err ? -EINVAL : -ENOMEM;
}

char *nodefault_detail(const struct node_fault *f)
{
	struct strbuf sb = STRBUF_INIT;

	strbuf_adds(&sb, f->node->name);
	if (f->action == FAULT_CPU)
		strbuf_addf(&sb, " %g", (double)f->amount / 1000);
	else if (f->action == FAULT_MEMORY && f->amount % (1ull << 20) == 0)
		strbuf_addf(&sb, " %" PRIu64 "MiB", f->amount >> 20);
	else if (f->action == FAULT_MEMORY)
		strbuf_addf(&sb, " %" PRIu64 "KiB", f->amount >> 10);
	else if (f->action == FAULT_STRESS)
		strbuf_addf(&sb, " cpu=%" PRIu64, f->amount);
	return strbuf_detach(&sb);
}

void nodefault_state(const struct world_node *n, const struct state_fault *rows,
		     size_t n_rows, struct node_state *st)
{
	size_t i;

	st->cpu_milli = n->cpu_milli;
	st->memory_bytes = n->memory_bytes;
	st->frozen = false;
	for (i = 0; i < n_rows; i++) {
		const struct state_fault *r = &rows[i];

		if (!isnan(r->removed) || strcmp(r->node, n->name))
			continue;
		if (!strcmp(r->action, "cpu") && r->amount > 0 &&
		    r->amount <= UINT32_MAX)
			st->cpu_milli = (uint32_t)r->amount;
		else if (!strcmp(r->action, "memory") && r->amount > 0)
			st->memory_bytes = (uint64_t)r->amount;
		else if (!strcmp(r->action, "freeze"))
			st->frozen = true;
	}
}

/* Say emu's detail of a failed operation on node N. */
static void say_failed(struct enos_ctx *ctx, const char *what,
		       const struct world_node *n, int rc)
{
	const char *msg = ctx->emu ? emu_errmsg(ctx->emu) : NULL;

	cli_error("cannot %s node '%s': %s", what, n->name,
		  msg && *msg ? msg : strerror(-rc));
}

/* Set node N as ST says: its limits when LIMITS, its freezer when
 * FREEZER. */
static int apply_state(struct enos_ctx *ctx, const struct world *w,
		       const struct world_node *n, const struct node_state *st,
		       bool limits, bool freezer)
{
	int rc = 0;

	if (limits && n->ops->set_limits) {
		rc = n->ops->set_limits(ctx->emu, w, n, st->cpu_milli,
					st->memory_bytes);
		if (rc < 0)
			say_failed(ctx, "set the limits of", n, rc);
	}
	if (rc == 0 && freezer && n->ops->freeze) {
		rc = n->ops->freeze(ctx->emu, w, n, st->frozen);
		if (rc < 0)
			say_failed(ctx, st->frozen ? "freeze" : "thaw", n, rc);
	}
	return rc;
}

/* Node N's state from the active faults of E (the record): *ST. */
static int active_state(struct enos_ctx *ctx, const char *exp,
			const struct world_node *n, struct node_state *st)
{
	struct state_fault *rows = NULL;
	size_t k = 0;
	int rc = state_faults(ctx->st, exp, 0, true, &rows, &k);

	if (rc < 0) {
		cli_error("cannot read the faults of '%s': %s", exp,
			  state_errmsg(ctx->st));
		return rc;
	}
	nodefault_state(n, rows, k, st);
	free(rows);
	return 0;
}

/* Start the load generator of stress F in its node:
 *   stress-ng --cpu N --timeout 0 --quiet   (in the node's cgroup) */
static int stress_start(struct enos_ctx *ctx, const struct node_fault *f,
			int *pid)
{
	char workers[24];
	char *argv[] = { (char *)NODEFAULT_STRESS_PROG, (char *)"--cpu",
			 workers, (char *)"--timeout", (char *)"0",
			 (char *)"--quiet", NULL };
	char path[256];
	int fd, rc;

	if (proc_which(NODEFAULT_STRESS_PROG, path, sizeof(path)) < 0) {
		cli_error("'%s' is not installed: a stress fault needs it",
			  NODEFAULT_STRESS_PROG);
		cli_hint("apt-get install %s (make deps installs it)",
			 NODEFAULT_STRESS_PROG);
		return -ENOENT;
	}
	snprintf(workers, sizeof(workers), "%" PRIu64, f->amount);
	fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	rc = f->node->ops->spawn(ctx->emu, f->node, argv, fd, fd, pid);
	close(fd);
	if (rc < 0)
		say_failed(ctx, "start stress-ng in", f->node, rc);
	return rc;
}

/* Stop the stressor PID a stress fault recorded, if that pid still is a
 * stress-ng: its session (spawn made it a session leader, its workers
 * are in it) gets SIGTERM, then SIGKILL. */
static void stress_stop(int pid)
{
	struct proc_info pi;

	if (pid <= 1 || !proc_runs(pid, NODEFAULT_STRESS_PROG) ||
	    proc_info(pid, &pi) < 0)
		return;
	kill(-pid, SIGTERM);
	proc_stop(pid, pi.starttime, STRESS_STOP_MS);
	kill(-pid, SIGKILL);
}

int nodefault_inject(struct enos_ctx *ctx, struct shaped_exp *e,
		     const struct node_fault *f, const char *detail,
		     int64_t run, int64_t *id)
{
	struct state_fault_spec spec = {
		.action = fault_action_name(f->action),
		.detail = detail,
		.node = f->node->name,
		.amount = (int64_t)f->amount,
	};
	struct node_state st;
	int64_t fid = 0;
	size_t killed = 0;
	int pid = 0, rc;

	if (f->action == FAULT_THAW)
		return nodefault_end(ctx, e, 0, f->node, true, NULL);
	rc = cli_emu(ctx);
	if (rc < 0)
		return rc;
	rc = state_fault_add(ctx->st, run, e->w.name, &spec, inject_now(),
			     &fid);
	if (rc < 0) {
		cli_error("cannot record the fault: %s", state_errmsg(ctx->st));
		return rc;
	}
	switch (f->action) {
	case FAULT_CPU:
	case FAULT_MEMORY:
		rc = active_state(ctx, e->w.name, f->node, &st);
		if (rc == 0)
			rc = apply_state(ctx, &e->w, f->node, &st, true, false);
		break;
	case FAULT_FREEZE:
		st.frozen = true;
		rc = apply_state(ctx, &e->w, f->node, &st, false, true);
		break;
	case FAULT_CRASH:
		rc = f->node->ops->kill_all(ctx->emu, &e->w, f->node, &killed);
		if (rc < 0)
			say_failed(ctx, "crash", f->node, rc);
		else
			printf("killed %zu process%s in node '%s'\n", killed,
			       killed == 1 ? "" : "es", f->node->name);
		/* A crash is over once done: what is left is its effect. */
		state_fault_end(ctx->st, fid, inject_now());
		break;
	default:
		rc = stress_start(ctx, f, &pid);
		if (rc == 0 && state_fault_set_pid(ctx->st, fid, pid) < 0) {
			cli_error("cannot record the stressor's pid: %s",
				  state_errmsg(ctx->st));
			stress_stop(pid);
			rc = -EIO;
		}
		break;
	}
	if (rc < 0) {
		state_fault_end(ctx->st, fid, inject_now());
		return rc;
	}
	if (id)
		*id = fid;
	return 0;
}

int nodefault_end(struct enos_ctx *ctx, struct shaped_exp *e, int64_t id,
		  const struct world_node *node, bool only_freeze,
		  size_t *ended)
{
	struct state_fault *rows = NULL;
	bool *limits = NULL, *freezer = NULL;
	double now = inject_now();
	size_t n = 0, i, k, count = 0;
	int rc, r;

	rc = cli_emu(ctx);
	if (rc == 0)
		rc = state_faults(ctx->st, e->w.name, 0, true, &rows, &n);
	if (rc < 0) {
		cli_error("cannot read the faults of '%s': %s", e->w.name,
			  state_errmsg(ctx->st));
		goto out;
	}
	limits = calloc(e->w.n_nodes + 1, sizeof(*limits));
	freezer = calloc(e->w.n_nodes + 1, sizeof(*freezer));
	if (!limits || !freezer) {
		rc = -ENOMEM;
		goto out;
	}
	for (i = 0; i < n; i++) {
		struct state_fault *r = &rows[i];

		if (!r->node[0] || (id > 0 && r->id != id) ||
		    (node && strcmp(r->node, node->name)) ||
		    (only_freeze && strcmp(r->action, "freeze")))
			continue;
		for (k = 0; k < e->w.n_nodes; k++)
			if (!strcmp(e->w.nodes[k].name, r->node))
				break;
		if (!strcmp(r->action, "stress"))
			stress_stop(r->pid);
		state_fault_end(ctx->st, r->id, now);
		r->removed = now;
		count++;
		if (k == e->w.n_nodes)
			continue;       /* a node no longer there */
		limits[k] |= !strcmp(r->action, "cpu") ||
			     !strcmp(r->action, "memory");
		freezer[k] |= !strcmp(r->action, "freeze");
	}
	/* Each node touched: its profile and what is still active on it. */
	for (k = 0; k < e->w.n_nodes; k++) {
		struct node_state st;

		if (!limits[k] && !freezer[k])
			continue;
		nodefault_state(&e->w.nodes[k], rows, n, &st);
		r = apply_state(ctx, &e->w, &e->w.nodes[k], &st, limits[k],
				freezer[k]);
		if (r < 0 && rc == 0)
			rc = r;
	}
	if (ended)
		*ended = count;
out:
	free(limits);
	free(freezer);
	free(rows);
	return rc;
}

void nodefault_down(struct enos_ctx *ctx, const char *name,
		    const struct world *w)
{
	struct state_fault *rows = NULL;
	double now = inject_now();
	size_t n = 0, i, k;

	if (state_faults(ctx->st, name, 0, true, &rows, &n) < 0) {
		cli_warning("cannot read the faults of '%s': %s", name,
			    state_errmsg(ctx->st));
		return;
	}
	for (i = 0; i < n; i++) {
		const struct state_fault *r = &rows[i];

		if (!r->node[0])
			continue;
		if (!strcmp(r->action, "stress"))
			stress_stop(r->pid);
		for (k = 0; !strcmp(r->action, "freeze") && k < w->n_nodes; k++) {
			const struct world_node *nd = &w->nodes[k];

			if (strcmp(nd->name, r->node) || !nd->ops->freeze)
				continue;
			if (nd->ops->freeze(ctx->emu, w, nd, false) < 0)
				cli_warning("cannot thaw node '%s': %s", nd->name,
					    emu_errmsg(ctx->emu));
		}
		state_fault_end(ctx->st, r->id, now);
	}
	free(rows);
}
