/* sweep_world — one pair's world for `enos sweep`; see sweep_world.h.
 */
#include "enos/sweep_world.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "enos/bench.h"
#include "enos/cli.h"
#include "enos/deploy.h"
#include "enos/measure.h"
#include "enos/phase.h"
#include "enos/rundir.h"
#include "enos/shaping.h"
#include "enos/state.h"
#include "enos/topo.h"
#include "util/fs.h"
#include "util/str.h"
#include "util/strbuf.h"
#include "workloads/stack.h"

int sweep_world_init(struct sweep_world *sw, struct enos_ctx *ctx,
		     const struct sweep *s)
{
	char sub[PATH_MAX], why[PATH_MAX + 64];
	int rc;

	memset(sw, 0, sizeof(*sw));
	sw->ctx = ctx;
	sw->sweep = s;
	rc = snprintf(sub, sizeof(sub), "sweep-%s", s->name) >= (int)sizeof(sub) ?
	     -ENAMETOOLONG : 0;
	if (rc == 0)
		rc = rundir_make(s->exp, -1, sub, true, sw->dir, sizeof(sw->dir),
				 why, sizeof(why));
	if (rc < 0)
		cli_error("cannot make the directory of sweep '%s': %s", s->name,
			  rc == -ENAMETOOLONG ? strerror(-rc) : why);
	return rc;
}

void sweep_world_release(struct sweep_world *sw)
{
	topo_free(sw->t);
	sw->t = NULL;
}

/* Write TEXT to DIR/NAME: a new file beside it, then renamed over it, both
 * relative to DIR's descriptor and never through a symbolic link. */
static int write_at(const char *dir, const char *name, const char *text)
{
	size_t len = strlen(text), off = 0;
	char tmp[256];
	int dfd, fd = -1, rc = 0;

	if (snprintf(tmp, sizeof(tmp), ".%s.%ld.tmp", name, (long)getpid()) >=
	    (int)sizeof(tmp))
		return -ENAMETOOLONG;
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return -errno;
	fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
		    0644);
	if (fd < 0 && errno == EEXIST && unlinkat(dfd, tmp, 0) == 0)
		fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
			    O_CLOEXEC, 0644);
	if (fd < 0) {
		rc = -errno;
		goto out;
	}
	while (off < len && rc == 0) {
		ssize_t n = write(fd, text + off, len - off);

		if (n < 0 && errno != EINTR)
			rc = -errno;
		else if (n > 0)
			off += (size_t)n;
	}
	if (close(fd) < 0 && rc == 0)
		rc = -errno;
	if (rc == 0 && renameat(dfd, tmp, dfd, name) < 0)
		rc = -errno;
	if (rc < 0)
		unlinkat(dfd, tmp, 0);
out:
	close(dfd);
	return rc;
}

/* Keep a copy of the pair's topology with run RUN (best effort). */
static void keep_in_run(const struct sweep_world *sw, int64_t run,
			const char *text)
{
	char dir[PATH_MAX], why[PATH_MAX + 64] = "";
	int rc = rundir_make(sw->sweep->exp, run, NULL, true, dir, sizeof(dir),
			     why, sizeof(why));

	if (rc == 0)
		rc = write_at(dir, "topology.yaml", text);
	if (rc < 0)
		cli_warning("cannot keep the topology of run %lld: %s",
			    (long long)run, why[0] ? why : strerror(-rc));
}

/* Apply E's topology to its WAN again, as `enos tc apply` does. */
static int reshape(struct enos_ctx *ctx, struct shaped_exp *e)
{
	if (!e->info.shaping_ops->shapes)
		return 0;       /* a plain wire: nothing to apply */
	return shaping_reapply(ctx, e, NULL);
}

/* The world is up: open the run, point the experiment at the pair's
 * topology, (redeploy: stop the services,) apply the WAN, (redeploy:
 * deploy). */
static int keep_world(struct sweep_world *sw, const struct sweep_job *job,
		      int64_t *run)
{
	struct enos_ctx *ctx = sw->ctx;
	const char *exp = sw->sweep->exp;
	struct shaped_exp e = { 0 };
	double t0 = cli_now();
	int rc;

	rc = state_run_begin(ctx->st, exp, SWEEP_RUN_KIND, job->seed, true, run);
	if (rc == 0)
		rc = state_set_topo_path(ctx->st, exp, sw->path);
	if (rc < 0) {
		cli_error("cannot record the run of '%s': %s", exp,
			  state_errmsg(ctx->st));
		return rc;
	}
	rc = shaped_open(ctx, exp, &e);
	if (rc == 0 && job->action == SWEEP_REDEPLOY)
		rc = deploy_down(ctx, exp);
	if (rc == 0) {
		rc = reshape(ctx, &e);
		if (rc == 0 && e.info.shaping_ops->shapes)
			printf("WAN of '%s' applied again in %.2f s\n", exp,
			       cli_now() - t0);
	}
	if (rc == 0 && job->action == SWEEP_REDEPLOY && e.t->stack_name &&
	    !ctx->no_deploy) {
		fflush(stdout);
		rc = deploy_stack(ctx, e.t, &e.w, *run, false);
	}
	shaped_close(&e);
	return rc;
}

int sweep_world_step(void *arg, const struct sweep_job *job, int64_t *run)
{
	struct sweep_world *sw = arg;
	char name[64], *err = NULL;
	int rc;

	*run = 0;
	snprintf(name, sizeof(name), "point-%zu-rep-%u.yaml", job->point + 1,
		 job->rep + 1);
	rc = write_at(sw->dir, name, job->text);
	if (rc == 0 && snprintf(sw->path, sizeof(sw->path), "%s/%s", sw->dir,
				name) >= (int)sizeof(sw->path))
		rc = -ENAMETOOLONG;
	if (rc < 0) {
		cli_error("cannot write the topology of point %zu: %s",
			  job->point + 1, strerror(-rc));
		return rc;
	}
	topo_free(sw->t);
	sw->t = topo_load(sw->path, &err);
	if (!sw->t) {
		cli_error("%s", err ? err : "out of memory");
		free(err);
		return -EINVAL;
	}
	fflush(stdout);
	if (job->action == SWEEP_REBUILD)
		rc = phase_up(sw->ctx, sw->t, true, SWEEP_RUN_KIND, run);
	else
		rc = keep_world(sw, job, run);
	if (*run)
		keep_in_run(sw, *run, job->text);
	return rc;
}

/* Measure every site pair of E against its target and store the figures
 * in RUN, as `enos run` does; prints a line of what was found. A pair
 * that does not answer (and is not cut) fails the pair. */
static int measure(struct enos_ctx *ctx, struct shaped_exp *e, int64_t run)
{
	const struct measure_opts m = { 20, 10, 2.0, 0.5, false };
	struct shape_table tab = { 0 };
	struct report_rtt *rows = NULL;
	size_t n = 0, i, unreachable = 0, bad = 0;
	int rc = 0;

	if (e->info.shaping_ops->shapes)
		rc = shaping_table(ctx, e->t, &e->w, true, &tab);
	if (rc == 0)
		rc = measure_sites(&e->w, tab.n ? &tab : NULL, &m, &rows, &n);
	if (rc < 0) {
		cli_error("the RTT probe of '%s' failed: %s", e->w.name,
			  strerror(-rc));
		goto out;
	}
	measure_store(ctx->st, run, &m, rows, n);
	measure_store_world(ctx->st, run, &e->w, e->info.topo_path);
	for (i = 0; i < n; i++) {
		unreachable += !rows[i].cut && rows[i].loss_pct >= 100.0;
		bad += !measure_within(&m, &rows[i]);
	}
	printf("RTT of %zu site pair%s measured: %zu within max(%g %%, %g ms) of their target\n",
	       n, n == 1 ? "" : "s", n - bad, m.tolerance_pct, m.tolerance_ms);
	if (unreachable) {
		cli_error("%zu of %zu site pairs of '%s' did not answer",
			  unreachable, n, e->w.name);
		rc = -EHOSTUNREACH;
	}
out:
	free(rows);
	shape_table_release(&tab);
	return rc;
}

int sweep_world_figures(struct sweep_world *sw, const struct sweep_job *job,
			int64_t run)
{
	struct enos_ctx *ctx = sw->ctx;
	const struct shape_ops *ops;
	struct shaped_exp e = { 0 };
	int rc;

	fflush(stdout);
	rc = shaped_open(ctx, sw->sweep->exp, &e);
	if (rc == 0)
		rc = measure(ctx, &e, run);
	ops = e.info.shaping_ops;
	/* The workload meets the loss pattern of the pair's seed, however
	 * the world got here (built, kept, or measured just now). */
	if (rc == 0 && ops->reseed && e.t->n_workloads) {
		rc = ops->reseed(ctx->emu, &e.w, job->seed);
		if (rc < 0)
			cli_error("cannot seed the WAN of '%s': %s", e.w.name,
				  strerror(-rc));
	}
	if (rc == 0 && e.t->n_workloads) {
		fflush(stdout);
		rc = bench_run(ctx, &e, run, NULL);
	}
	shaped_close(&e);
	return rc;
}

char *sweep_world_check_stack(void *arg, const struct topology *t)
{
	char exe[PATH_MAX], path[PATH_MAX], *err = NULL, *msg = NULL;
	struct stack *s;
	ssize_t n;
	size_t i;
	(void)arg;

	if (!t->stack_name)
		return NULL;
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	exe[n > 0 ? n : 0] = '\0';
	if (stack_find(t->stack_name, exe[0] ? exe : NULL, path, sizeof(path)) < 0)
		return str_printf("no stack '%s': %s not found", t->stack_name, path);
	s = stack_load(path, &err);
	if (!s)
		return err ? err : strdup("out of memory");
	if (t->stack_strategy && !stack_strategy_find(s, t->stack_strategy)) {
		struct strbuf names = STRBUF_INIT;

		for (i = 0; i < s->n_strategies; i++)
			strbuf_addf(&names, "%s%s", i ? ", " : "",
				    s->strategies[i].name);
		msg = str_printf("stack '%s' has no strategy '%s' (strategies: %s)",
				 s->name, t->stack_strategy, strbuf_str(&names));
		strbuf_release(&names);
		if (!msg)
			msg = strdup("out of memory");
	}
	stack_free(s);
	return msg;
}
