/* shaping — backend choice, engine supervision and table application; see
 * shaping.h. */
#include "enos/shaping.h"

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "emulator/caps.h"
#include "emulator/fabric_ovs.h"
#include "emulator/wand.h"
#include "enos/cli.h"
#include "enos/fault.h"
#include "enos/inject.h"
#include "enos/resolve.h"
#include "enos/state.h"
#include "enos/topo.h"

#define WAND_WHAT "wand"

int shaping_choose(const struct topology *t, const char **backend,
		   char *why, size_t len)
{
	struct caps caps;

	if (t->shaping == SHAPING_NONE) {
		*backend = "none";
		snprintf(why, len, "shaping: none in the topology");
		return 0;
	}
	if (t->shaping == SHAPING_WAND) {
		*backend = "wand";
		snprintf(why, len, "shaping: wand in the topology");
		return 0;
	}
	caps_probe(&caps);
	if (caps.netem.found) {
		*backend = "netem";
		snprintf(why, len, "the kernel has sch_netem");
		return 0;
	}
	if (t->shaping == SHAPING_NETEM) {
		cli_error("%s: shaping 'netem' needs sch_netem: %s", t->path,
			  caps.netem.why);
		cli_hint("use 'shaping: wand' (the userspace engine) or 'shaping: auto'");
		return -ENOTSUP;
	}
	*backend = "wand";
	snprintf(why, len, "auto: %s", caps.netem.why);
	return 0;
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

int shaping_table(struct enos_ctx *ctx, const struct topology *t,
		  const struct world *w, bool with_faults,
		  struct shape_table *tab)
{
	struct state_fault *faults = NULL;
	size_t n = 0, i;
	int rc = resolve_pairs(t, tab);

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

/* The recorded engine pid of NAME, or 0. */
static int engine_pid(struct enos_ctx *ctx, const char *name)
{
	char **whats = NULL;
	int *pids = NULL, pid = 0;
	size_t n = 0, i;

	if (state_processes(ctx->st, name, &pids, &whats, &n) < 0)
		return 0;
	for (i = 0; i < n; i++)
		if (strcmp(whats[i], WAND_WHAT) == 0)
			pid = pids[i];
	free(pids);
	state_free_names(whats);
	return pid;
}

static int start_engine(struct enos_ctx *ctx, const struct world *w,
			const char *ctl)
{
	const char **ports = calloc(w->n_sites + 1, sizeof(*ports));
	struct wand_config cfg = { 0 };
	char exe[PATH_MAX], log[PATH_MAX];
	ssize_t len;
	pid_t pid = 0;
	size_t i;
	int rc = -ENOMEM;

	if (!ports)
		goto out;
	len = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (len <= 0) {
		rc = -errno;
		cli_error("cannot find the enos binary: %s", strerror(errno));
		goto out;
	}
	exe[len] = '\0';
	for (i = 0; i < w->n_sites; i++)
		ports[i] = w->sites[i].gw_wan_host;
	snprintf(log, sizeof(log), "%.*s.log", (int)(strlen(ctl) - 5), ctl);
	cfg.ctl_path = ctl;
	cfg.log_path = log;
	cfg.seed = 1;
	/* Real-time wake-ups: the engine blocks between deadlines, so this
	 * only makes its releases preempt other work (measured: tails of a
	 * few ms without it on a loaded host). */
	cfg.rt_priority = 10;
	cfg.ports = ports;
	cfg.n_ports = w->n_sites;
	rc = wand_spawn(exe, &cfg, &pid);
	if (rc < 0) {
		if (wand_exit_code(rc) >= 0)
			cli_error("the wand engine exited with status %d while starting (see %s)",
				  wand_exit_code(rc), log);
		else
			cli_error("cannot start the wand engine: %s", strerror(-rc));
		goto out;
	}
	rc = state_process_add(ctx->st, w->name, WAND_WHAT, pid);
	if (rc < 0) {
		cli_error("cannot record the wand engine (pid %d): %s", (int)pid,
			  state_errmsg(ctx->st));
		wand_stop(pid);
		goto out;
	}
	if (ctx->progress)
		fprintf(stderr, "wand engine started (pid %d, log %s)\n", (int)pid, log);
out:
	free(ports);
	return rc;
}

int shaping_engine(struct enos_ctx *ctx, const struct world *w,
		   const char *backend, bool start)
{
	char ctl[108];
	int pid, rc;

	if (strcmp(backend, "wand") != 0)
		return 0;
	rc = wand_ctl_path(w, ctl, sizeof(ctl));
	if (rc < 0)
		return rc;
	pid = engine_pid(ctx, w->name);
	if (pid > 0 && wand_ping(ctl) == 0)
		return 0;
	if (pid > 0) {
		cli_error("the wand engine of '%s' (pid %d) is not running: it died or was killed; the WAN is down",
			  w->name, pid);
		wand_stop(pid);
		state_process_forget(ctx->st, w->name, pid);
	}
	if (!start) {
		if (pid <= 0)
			cli_error("no wand engine runs for '%s'", w->name);
		cli_hint("'enos tc -n %s' restarts it and re-applies the WAN", w->name);
		return -ESRCH;
	}
	if (pid > 0)
		fprintf(stderr, "restarting the wand engine of '%s'\n", w->name);
	return start_engine(ctx, w, ctl);
}

int shaping_partition(struct enos_ctx *ctx, const struct topology *t,
		      const struct world *w, struct shape_table *tab)
{
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
		rc = fabric_ovs_drops(w->sites[i].lan_bridge, dsts, k);
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

int shaping_apply(struct enos_ctx *ctx, const struct world *w,
		  const char *backend, const struct shape_table *tab)
{
	const struct shape_ops *ops;
	int rc;

	if (strcmp(backend, "none") == 0)
		return 0;
	ops = shape_ops_find(backend);
	if (!ops) {
		cli_error("unknown shaping backend '%s'", backend);
		return -EINVAL;
	}
	rc = cli_emu(ctx);
	if (rc == 0)
		rc = ops->apply(ctx->emu, w, tab);
	if (rc < 0)
		cli_error("cannot apply the WAN of '%s' with %s: %s", w->name,
			  backend, strerror(-rc));
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
		if (strcmp(whats[i], WAND_WHAT) != 0)
			continue;       /* fabric daemons: phase.c */
		/* wand_stop checks /proc/PID/cmdline: a recycled pid is spared. */
		rc = wand_stop(pids[i]);
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

int shaped_open(struct enos_ctx *ctx, const char *name, struct shaped_exp *e)
{
	char one[64];
	int rc;

	memset(e, 0, sizeof(*e));
	rc = cli_experiment(ctx, name, one);
	if (rc == 0)
		rc = state_get(ctx->st, one, &e->info);
	if (rc == 0 && strcmp(e->info.status, EXP_UP) != 0) {
		cli_error("experiment '%s' is not up (status '%s')", one, e->info.status);
		cli_hint("'enos down -n %s' cleans it up", one);
		return -EINVAL;
	}
	if (rc == 0) {
		rc = state_load_world(ctx->st, one, &e->w);
		if (rc < 0)
			cli_error("cannot read experiment '%s': %s", one,
				  state_errmsg(ctx->st));
	}
	if (rc == 0)
		rc = shaping_topology(e->info.topo_path, &e->w, &e->t);
	return rc;
}

void shaped_close(struct shaped_exp *e)
{
	topo_free(e->t);
	state_world_free(&e->w);
	memset(e, 0, sizeof(*e));
}

/* Does /proc/PID/cmdline hold the argument CTL (NAME's control socket)? */
static bool runs_engine_of(int pid, const char *ctl)
{
	char path[64], buf[8192];
	size_t len, off;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/cmdline", pid);
	f = fopen(path, "r");
	if (!f)
		return false;
	len = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[len] = '\0';
	for (off = 0; off < len; off += strlen(buf + off) + 1)
		if (strcmp(buf + off, ctl) == 0)
			return true;
	return false;
}

int shaping_sweep(const char *name)
{
	struct world w = { 0 };
	char ctl[108], file[160], dir[160];
	int pid = 0, rc;
	FILE *f;

	w.name = name;
	rc = wand_ctl_path(&w, ctl, sizeof(ctl));
	if (rc < 0)
		return rc;
	snprintf(file, sizeof(file), "%s.pid", ctl);
	f = fopen(file, "r");
	if (f) {
		if (fscanf(f, "%d", &pid) != 1)
			pid = 0;
		fclose(f);
	}
	if (pid > 0 && runs_engine_of(pid, ctl)) {
		rc = wand_stop(pid);
		if (rc < 0)
			return rc;
	}
	unlink(file);
	unlink(ctl);
	snprintf(file, sizeof(file), "%.*s.log", (int)(strlen(ctl) - 5), ctl);
	unlink(file);
	snprintf(dir, sizeof(dir), "%.*s", (int)(strrchr(ctl, '/') - ctl), ctl);
	if (rmdir(dir) < 0 && errno != ENOENT)
		return -errno;
	return 0;
}

int shaping_engine_state(struct enos_ctx *ctx, const struct world *w,
			 const char *backend, int *pid)
{
	char ctl[108];
	int p;

	if (pid)
		*pid = 0;
	if (strcmp(backend, "wand") != 0)
		return -1;
	p = engine_pid(ctx, w->name);
	if (pid)
		*pid = p;
	if (wand_ctl_path(w, ctl, sizeof(ctl)) < 0)
		return 0;
	return p > 0 && wand_ping(ctl) == 0;
}
