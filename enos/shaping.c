/* shaping — backend choice, engine supervision and table application; see
 * shaping.h. Every backend is asked through its shape_ops, never by name. */
#include "enos/shaping.h"

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "emulator/fabric.h"
#include "emulator/trace_play.h"
#include "enos/cli.h"
#include "enos/fault.h"
#include "enos/inject.h"
#include "enos/plan.h"
#include "enos/phase.h"
#include "enos/resolve.h"
#include "enos/state.h"
#include "enos/topo.h"
#include "util/crash.h"

int shaping_choose(const struct topology *t, const struct shape_ops **out,
		   char *why, size_t len)
{
	const struct shape_ops *ops = t->shaping;
	const char *lan = NULL;
	char missing[512] = "";
	size_t i;

	for (i = 0; i < t->n_sites && !lan; i++)
		if (t->sites[i].has_lan)
			lan = t->sites[i].name;

	if (ops) {
		if (ops->supported && ops->supported(missing, sizeof(missing)) < 0) {
			if (ops->kmod)
				cli_error("%s: shaping '%s' needs %s: %s", t->path,
					  ops->name, ops->kmod, missing);
			else
				cli_error("%s: shaping '%s' needs %s", t->path,
					  ops->name, missing);
			cli_hint("use 'shaping: wand' (the userspace engine) or 'shaping: auto'");
			return -ENOTSUP;
		}
		if (ops->kmod)
			snprintf(why, len, "the kernel has %s", ops->kmod);
		else
			snprintf(why, len, "shaping: %s in the topology", ops->name);
		*out = ops;
		return 0;
	}
	/* auto: the first backend in registry order that shapes and that this
	 * host supports; the reason says why the one before was passed over. */
	for (i = 0; (ops = shape_ops_at(i)); i++) {
		if (!ops->shapes)
			continue;
		/* A lan needs a backend that shapes it (wand): netem is
		 * passed over, even where the kernel has it. */
		if (lan && !ops->lan) {
			snprintf(missing, sizeof(missing),
				 "site '%s' has a lan, which %s cannot shape",
				 lan, ops->name);
			continue;
		}
		if (ops->supported && ops->supported(missing, sizeof(missing)) < 0)
			continue;
		/* A trace is replayed or refused, never applied as a
		 * constant. */
		if (!ops->trace_start && topo_has_traces(t)) {
			snprintf(missing, sizeof(missing),
				 "%s cannot replay the topology's traces", ops->name);
			continue;
		}
		if (ops->kmod)
			snprintf(why, len, "the kernel has %s", ops->kmod);
		else
			snprintf(why, len, "auto: %s", missing[0] ? missing : ops->name);
		*out = ops;
		return 0;
	}
	cli_error("%s: no shaping backend works on this host: %s", t->path,
		  missing);
	return -ENOTSUP;
}

int shaping_topology(const char *path, const struct world *w,
		     struct topology **out)
{
	struct topology *t;
	char *err = NULL;
	size_t i;

	*out = NULL;
	t = topo_load(path, &err);
	if (!t) {
		fprintf(stderr, "%s\n", err ? err : "error: out of memory");
		cli_hint("experiment '%s' was built from '%s'", w->name, path);
		free(err);
		return -EINVAL;
	}
	for (i = 0; i < w->n_sites && t->n_sites == w->n_sites; i++)
		if (strcmp(t->sites[i].name, w->sites[i].name) != 0)
			break;
	if (t->n_sites != w->n_sites || i < w->n_sites) {
		cli_error("'%s' no longer describes the sites of experiment '%s'",
			  path, w->name);
		cli_hint("take it down and up again to use the changed file");
		topo_free(t);
		return -ESTALE;
	}
	*out = t;
	return 0;
}

/* A Ctrl-C (or TERM, HUP) waiting: `up` holds them while it builds and
 * rolls back when it finds one, so a long resolution must stop for it. */
static bool signal_pending(void *arg)
{
	sigset_t pending;
	(void)arg;

	if (sigpending(&pending) != 0)
		return false;
	return sigismember(&pending, SIGINT) || sigismember(&pending, SIGTERM) ||
	       sigismember(&pending, SIGHUP);
}

int shaping_table(struct enos_ctx *ctx, const struct topology *t,
		  const struct world *w, bool with_faults,
		  struct shape_table *tab)
{
	struct state_fault *faults = NULL;
	size_t n = 0, i;
	int rc = resolve_pairs_until(t, tab, signal_pending, NULL);

	if (rc == -EINTR) {
		cli_error("interrupted while resolving the WAN of '%s'", w->name);
		return rc;
	}
	if (rc < 0) {
		cli_error("cannot resolve the WAN of '%s': %s", w->name, strerror(-rc));
		return rc;
	}
	if (!with_faults)
		return 0;
	rc = state_faults(ctx->st, w->name, 0, true, &faults, &n);
	if (rc < 0) {
		cli_error("cannot read the faults of '%s': %s", w->name,
			  state_errmsg(ctx->st));
		goto out;
	}
	for (i = 0; i < n && rc == 0; i++) {
		struct live_fault f;
		char *err = NULL;

		if (faults[i].node[0])
			continue;       /* a node fault: not the WAN's */
		rc = inject_load(ctx, t, &faults[i], &f, &err);
		if (rc == -EINVAL) {
			cli_warning("fault %lld ('%s %s') no longer applies: %s",
				    (long long)faults[i].id, faults[i].action,
				    faults[i].detail, err ? err : "?");
			free(err);
			rc = 0;
			continue;
		}
		if (rc < 0) {
			cli_error("cannot read fault %lld of '%s': %s",
				  (long long)faults[i].id, w->name,
				  rc == -ENOMEM ? strerror(ENOMEM)
						: state_errmsg(ctx->st));
			break;
		}
		fault_apply(&f, tab);
		live_fault_release(&f);
	}
out:
	free(faults);
	if (rc < 0)
		shape_table_release(tab);
	return rc;
}

/* The recorded pid of the engine of backend OPS for NAME, or 0. Engines
 * are recorded under their backend's name. */
static int engine_pid(struct enos_ctx *ctx, const char *name,
		      const struct shape_ops *ops)
{
	char **whats = NULL;
	int *pids = NULL, pid = 0;
	size_t n = 0, i;

	if (state_processes(ctx->st, name, &pids, &whats, &n) < 0)
		return 0;
	for (i = 0; i < n; i++)
		if (shape_ops_find(whats[i]) == ops)
			pid = pids[i];
	free(pids);
	state_free_names(whats);
	return pid;
}

/* Start the engine of backend OPS for W (run by this very binary) and
 * record its pid. */
static int start_engine(struct enos_ctx *ctx, const struct world *w,
			const struct shape_ops *ops)
{
	char exe[PATH_MAX], log[PATH_MAX];
	ssize_t len;
	int pid = 0, rc;

	len = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (len <= 0) {
		rc = -errno;
		cli_error("cannot find the enos binary: %s", strerror(errno));
		return rc;
	}
	exe[len] = '\0';
	rc = ops->start(w, exe, &pid, log, sizeof(log));
	if (rc < 0) {
		if (shape_exit_code(rc) >= 0)
			cli_error("the %s engine exited with status %d while starting (see %s)",
				  ops->name, shape_exit_code(rc), log);
		else
			cli_error("cannot start the %s engine: %s", ops->name,
				  strerror(-rc));
		return rc;
	}
	rc = state_process_add(ctx->st, w->name, ops->name, pid);
	if (rc < 0) {
		cli_error("cannot record the %s engine (pid %d): %s", ops->name,
			  pid, state_errmsg(ctx->st));
		ops->stop(pid);
		return rc;
	}
	if (ctx->progress)
		fprintf(stderr, "%s engine started (pid %d, log %s)\n", ops->name,
			pid, log);
	return 0;
}

int shaping_engine(struct enos_ctx *ctx, const struct world *w,
		   const struct shape_ops *ops, bool start)
{
	int pid, alive;

	if (!ops->start)
		return 0;
	alive = ops->alive(w);
	if (alive < 0)
		return alive;
	pid = engine_pid(ctx, w->name, ops);
	if (pid > 0 && alive)
		return 0;
	if (pid > 0) {
		cli_error("the %s engine of '%s' (pid %d) is not running: it died or was killed; the WAN is down",
			  ops->name, w->name, pid);
		ops->stop(pid);
		state_process_forget(ctx->st, w->name, pid);
	}
	if (!start) {
		if (pid <= 0)
			cli_error("no %s engine runs for '%s'", ops->name, w->name);
		cli_hint("'enos tc -n %s' restarts it and re-applies the WAN", w->name);
		return -ESRCH;
	}
	if (pid > 0)
		fprintf(stderr, "restarting the %s engine of '%s'\n", ops->name,
			w->name);
	return start_engine(ctx, w, ops);
}

int shaping_partition(struct enos_ctx *ctx, const struct topology *t,
		      const struct world *w, struct shape_table *tab)
{
	const struct fabric_ops *fabric = world_fabric(w);
	struct prefix *dsts = NULL;
	size_t i, j, k;
	int rc = 0;
	(void)ctx;

	if (t->partition != PARTITION_OPENFLOW)
		goto out;
	dsts = calloc(tab->n ? tab->n : 1, sizeof(*dsts));
	if (!dsts) {
		rc = -ENOMEM;
		cli_error("cannot partition '%s': %s", w->name, strerror(-rc));
		goto out;
	}
	/* A cut src -> dst drops at src's LAN what is bound for dst's: the
	 * same whether the WAN is a bridge or the wand engine. */
	for (i = 0; i < tab->n && i < w->n_sites && rc == 0; i++) {
		for (j = k = 0; j < tab->n && j < w->n_sites; j++)
			if (j != i && tab->cut[i * tab->n + j])
				dsts[k++] = w->sites[j].lan;
		/* The topology asks for drop rules; a world built on
		 * another fabric (the file changed since up) has none. */
		rc = fabric->drops ? fabric->drops(w->sites[i].lan_bridge, dsts, k)
				   : -ENOTSUP;
		if (rc < 0)
			cli_error("cannot set the drop rules of '%s' on %s: %s",
				  w->name, w->sites[i].lan_bridge, strerror(-rc));
	}
	if (rc == 0)
		memset(tab->cut, 0, tab->n * tab->n * sizeof(*tab->cut));
out:
	free(dsts);
	return rc;
}

/* The recorded pids of NAME's players into *PIDS (*N; free() it). */
static int player_pids(struct enos_ctx *ctx, const char *name, int **pids,
		       size_t *n)
{
	char **whats = NULL;
	int *all = NULL;
	size_t m = 0, i;
	int rc = state_processes(ctx->st, name, &all, &whats, &m);

	*pids = NULL;
	*n = 0;
	if (rc < 0) {
		cli_error("cannot read the processes of '%s': %s", name,
			  state_errmsg(ctx->st));
		return rc;
	}
	for (i = 0; i < m; i++)
		if (strcmp(whats[i], TRACE_PLAY_NAME) == 0)
			all[(*n)++] = all[i];
	*pids = all;
	state_free_names(whats);
	return 0;
}

int shaping_player_stop(struct enos_ctx *ctx, const char *name)
{
	int *pids = NULL, rc;
	size_t n = 0, i;

	rc = player_pids(ctx, name, &pids, &n);
	for (i = 0; i < n && rc == 0; i++) {
		/* trace_play_stop checks /proc/PID/cmdline: a recycled pid
		 * is spared. */
		rc = trace_play_stop(name, pids[i]);
		if (rc < 0)
			cli_error("cannot stop the trace player of '%s' (pid %d): %s",
				  name, pids[i], strerror(-rc));
		else
			rc = state_process_forget(ctx->st, name, pids[i]);
	}
	free(pids);
	/* One its starter never recorded (killed first). */
	if (rc == 0)
		rc = trace_play_sweep(name);
	return rc;
}

int shaping_player_state(struct enos_ctx *ctx, const char *name, int *pid)
{
	int *pids = NULL;
	size_t n = 0;
	int alive = -1;

	*pid = 0;
	if (player_pids(ctx, name, &pids, &n) < 0)
		return -1;
	if (n) {
		*pid = pids[n - 1];
		alive = trace_play_running(name, *pid);
	}
	free(pids);
	return alive;
}

/* Start the trace player of W (this very binary, `enos trace-play`) from
 * START_US and record its pid. */
static int player_start(struct enos_ctx *ctx, const struct world *w,
			uint64_t start_us)
{
	char exe[PATH_MAX], log[PATH_MAX], start[32];
	const char *argv[10];
	ssize_t len;
	pid_t pid = 0;
	int rc;

	len = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (len <= 0) {
		rc = -errno;
		cli_error("cannot find the enos binary: %s", strerror(errno));
		return rc;
	}
	exe[len] = '\0';
	snprintf(start, sizeof(start), "%llu", (unsigned long long)start_us);
	argv[0] = exe;
	argv[1] = "--db";
	argv[2] = ctx->db_path;
	argv[3] = TRACE_PLAY_NAME;
	argv[4] = "-n";
	argv[5] = w->name;
	argv[6] = "--start";
	argv[7] = start;
	argv[8] = NULL;
	rc = trace_play_spawn(w->name, argv, log, sizeof(log), &pid);
	if (rc < 0) {
		if (shape_exit_code(rc) >= 0)
			cli_error("the trace player of '%s' exited with status %d while starting (see %s)",
				  w->name, shape_exit_code(rc), log);
		else
			cli_error("cannot start the trace player of '%s': %s",
				  w->name, strerror(-rc));
		return rc;
	}
	/* Recorded before anything relies on it; a crash before this line
	 * leaves the pid file, which the sweep of `down` reads. */
	crash_point("trace:spawned");
	rc = state_process_add(ctx->st, w->name, TRACE_PLAY_NAME, (int)pid);
	if (rc < 0) {
		cli_error("cannot record the trace player of '%s' (pid %d): %s",
			  w->name, (int)pid, state_errmsg(ctx->st));
		trace_play_stop(w->name, pid);
		return rc;
	}
	if (ctx->progress)
		fprintf(stderr, "trace player started (pid %d, log %s)\n",
			(int)pid, log);
	return 0;
}

/* After W's WAN was applied from TAB with OPS: a backend that plays
 * traces with a player (shape_ops.trace_play) gets a fresh one, from
 * TAB's start or the one the last player replayed from (a fault keeps the
 * traces' clock), which reads the faults now recorded; none when TAB has
 * no trace. */
static int player_restart(struct enos_ctx *ctx, const struct world *w,
			  const struct shape_ops *ops,
			  const struct shape_table *tab)
{
	uint64_t start = tab->trace_start_us;
	int rc;

	if (!ops->trace_play)
		return 0;
	if (!start && ops->trace_start(ctx->emu, w, &start) < 0)
		start = 0;
	if (!start)
		start = shaping_now_us();
	rc = shaping_player_stop(ctx, w->name);
	if (rc == 0 && shape_table_traced(tab))
		rc = player_start(ctx, w, start);
	return rc;
}

int shaping_apply(struct enos_ctx *ctx, const struct world *w,
		  const struct shape_ops *ops, const struct shape_table *tab)
{
	int rc = cli_emu(ctx);

	if (rc == 0)
		rc = ops->apply(ctx->emu, w, tab);
	if (rc < 0)
		cli_error("cannot apply the WAN of '%s' with %s: %s", w->name,
			  ops->name, strerror(-rc));
	if (rc == 0)
		rc = player_restart(ctx, w, ops, tab);
	return rc;
}

int shaping_stop(struct enos_ctx *ctx, const char *name)
{
	char **whats = NULL;
	int *pids = NULL;
	size_t n = 0, i;
	int rc;

	rc = state_processes(ctx->st, name, &pids, &whats, &n);
	if (rc < 0) {
		cli_error("cannot read the processes of '%s': %s", name,
			  state_errmsg(ctx->st));
		return rc;
	}
	for (i = 0; i < n && rc == 0; i++) {
		const struct shape_ops *ops = shape_ops_find(whats[i]);

		if (strcmp(whats[i], TRACE_PLAY_NAME) == 0) {
			rc = trace_play_stop(name, pids[i]);
			if (rc < 0)
				cli_error("cannot stop the trace player (pid %d): %s",
					  pids[i], strerror(-rc));
			else
				rc = state_process_forget(ctx->st, name, pids[i]);
			continue;
		}
		if (!ops || !ops->stop)
			continue;       /* fabric and libvirt daemons: phase.c */
		/* stop checks /proc/PID/cmdline: a recycled pid is spared. */
		rc = ops->stop(pids[i]);
		if (rc < 0)
			cli_error("cannot stop %s (pid %d): %s", whats[i], pids[i],
				  strerror(-rc));
		else
			rc = state_process_forget(ctx->st, name, pids[i]);
	}
	free(pids);
	state_free_names(whats);
	return rc;
}

static int open_shaped(struct enos_ctx *ctx, const char *name,
		       struct shaped_exp *e, bool spread_ok)
{
	int rc;

	memset(e, 0, sizeof(*e));
	rc = cli_state(ctx);
	if (rc == 0)
		rc = state_get(ctx->st, name, &e->info);
	if (rc == 0 && strcmp(e->info.status, EXP_UP) != 0) {
		cli_error("experiment '%s' is not up (status '%s')", name, e->info.status);
		cli_hint("'enos down -n %s' cleans it up", name);
		return -EINVAL;
	}
	if (rc == 0 && !spread_ok)
		rc = phase_hosts_refuse(ctx, name, "the WAN commands (tc, fault, traffic)");
	if (rc == 0) {
		rc = state_load_world(ctx->st, name, &e->w);
		if (rc < 0)
			cli_error("cannot read experiment '%s': %s", name,
				  state_errmsg(ctx->st));
	}
	if (rc == 0)
		rc = shaping_topology(e->info.topo_path, &e->w, &e->t);
	/* Which LANs the engine switches: as the world was built. */
	if (rc == 0)
		plan_lan(e->t, e->info.shaping_ops, &e->w);
	return rc;
}

int shaped_open(struct enos_ctx *ctx, const char *name, struct shaped_exp *e)
{
	return open_shaped(ctx, name, e, false);
}

int shaped_open_spread(struct enos_ctx *ctx, const char *name,
		       struct shaped_exp *e)
{
	return open_shaped(ctx, name, e, true);
}

int shaping_reapply(struct enos_ctx *ctx, struct shaped_exp *e, size_t *pairs)
{
	const struct shape_ops *ops = e->info.shaping_ops;
	struct shape_table tab = { 0 };
	int rc;

	rc = shaping_engine(ctx, &e->w, ops, true);
	crash_point("tc:engine");
	if (rc == 0)
		rc = shaping_table(ctx, e->t, &e->w, false, &tab);
	/* Applied afresh: the traces start again. */
	tab.trace_start_us = shaping_now_us();
	if (rc == 0)
		rc = shaping_partition(ctx, e->t, &e->w, &tab);
	crash_point("tc:before_apply");
	if (rc == 0)
		rc = shaping_apply(ctx, &e->w, ops, &tab);
	if (rc == 0 && inject_end_all(ctx, e->w.name) < 0)
		cli_warning("cannot end the active faults of '%s': %s", e->w.name,
			    state_errmsg(ctx->st));
	if (pairs)
		*pairs = tab.n * (tab.n - 1);
	shape_table_release(&tab);
	return rc;
}

void shaped_close(struct shaped_exp *e)
{
	topo_free(e->t);
	state_world_free(&e->w);
	memset(e, 0, sizeof(*e));
}

int shaping_sweep(const char *name)
{
	const struct shape_ops *ops;
	size_t i;
	/* First: the player's files share the wand engine's directory,
	 * which the engine's sweep removes. */
	int rc = trace_play_sweep(name);

	for (i = 0; (ops = shape_ops_at(i)) && rc == 0; i++)
		if (ops->sweep)
			rc = ops->sweep(name);
	return rc;
}

int shaping_engine_state(struct enos_ctx *ctx, const struct world *w,
			 const struct shape_ops *ops, int *pid)
{
	int p;

	if (pid)
		*pid = 0;
	if (!ops || !ops->alive)
		return -1;
	p = engine_pid(ctx, w->name, ops);
	if (pid)
		*pid = p;
	return p > 0 && ops->alive(w) == 1;
}

uint64_t shaping_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000;
}

int shaping_trace_start(struct enos_ctx *ctx, const struct world *w,
			const struct shape_ops *ops, int64_t run,
			uint64_t *start_us)
{
	char val[64];
	int rc;

	*start_us = 0;
	if (!ops->trace_start)
		return 0;
	rc = cli_emu(ctx);
	if (rc == 0)
		rc = ops->trace_start(ctx->emu, w, start_us);
	if (rc == -ENOTCONN && ops->trace_play) {
		cli_error("the trace player of '%s' is not running: its traced pairs hold one step",
			  w->name);
		cli_hint("'enos tc -n %s' restarts it and re-applies the WAN", w->name);
		return rc;
	}
	if (rc < 0) {
		cli_error("cannot ask the %s engine of '%s' when its traces started: %s",
			  ops->name, w->name, strerror(-rc));
		return rc;
	}
	if (*start_us && run) {
		snprintf(val, sizeof(val), "%llu.%06llu",
			 (unsigned long long)(*start_us / 1000000),
			 (unsigned long long)(*start_us % 1000000));
		state_fact_add(ctx->st, run, "trace_start", val);
	}
	return 0;
}
