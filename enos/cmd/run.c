/* cmd_run — `enos run TOPOLOGY`: the experiment end to end as far as this
 * version goes: up, measure the RTT of every ordered site pair with the UDP
 * echo probe (workloads/probe.c) from one node per site, run the
 * topology's workloads (enos/bench.c, as `enos bench` runs them), store
 * the figures in the results database, write results/EXP/RUN/, and take
 * it down.
 */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emulator/world.h"
#include "enos/bench.h"
#include "enos/cli.h"
#include "enos/cmd/cmd.h"
#include "enos/measure.h"
#include "enos/phase.h"
#include "enos/plan.h"
#include "enos/report_data.h"
#include "enos/rundir.h"
#include "enos/shaping.h"
#include "enos/state.h"
#include "enos/topo.h"
#include "enos/traffic.h"
#include "reports/rtt.h"

/* Rows of the WAN traffic table `run` prints (all: `enos traffic show`). */
#define TRAFFIC_TOP 8

struct run_opts {
	bool keep, overcommit;
	const char *samples;
	unsigned n_samples;     /* set by validate_run */
};

static int validate_run(const struct enos_cmd *c, struct cmd_args *a)
{
	struct run_opts *o = a->opts;
	long v = 20;

	if (o->samples &&
	    cli_opt_range("samples", o->samples, 1, 100000, "a count", &v) < 0)
		return cli_usage(c);
	o->n_samples = (unsigned)v;
	return 0;
}

static void print_rows(const struct report_rtt *rows, size_t n)
{
	size_t i;

	printf("%-20s %-20s %9s %9s %9s %9s %7s\n", "SRC", "DST", "target",
	       "min ms", "p50 ms", "p99 ms", "loss %");
	for (i = 0; i < n; i++)
		printf("%-20s %-20s %9.3f %9.3f %9.3f %9.3f %7.2f\n", rows[i].src,
		       rows[i].dst, rows[i].target_ms, rows[i].min_ms,
		       rows[i].p50_ms, rows[i].p99_ms, rows[i].loss_pct);
}

/* Measure NAME's site pairs against the targets of topology T. */
static int measure(struct enos_ctx *ctx, const struct topology *t,
		   const struct measure_opts *m, struct world *w,
		   struct report_rtt **rows, size_t *n)
{
	struct shape_table tab = { 0 };
	struct exp_info info;
	struct state_host *hosts = NULL;
	size_t *host_of = NULL, n_hosts = 0, i;
	int rc;

	rc = state_get(ctx->st, t->name, &info);
	if (rc == 0)
		rc = state_load_world(ctx->st, t->name, w);
	if (rc < 0) {
		cli_error("cannot read experiment '%s': %s", t->name, state_errmsg(ctx->st));
		return rc;
	}
	plan_lan(t, info.shaping_ops, w);       /* as it was built */
	if (info.shaping_ops->shapes) {
		rc = shaping_table(ctx, t, w, true, &tab);
		if (rc < 0)
			return rc;
	}
	if (ctx->progress)
		fprintf(stderr, "measuring %zu site pairs, %u probes each\n",
			w->n_sites * (w->n_sites - 1), m->samples);
	/* Over several hosts, each pair from its source's host (as tc
	 * --test); the rows keep only whether they cross hosts. */
	rc = phase_hosts_of(ctx, w, &hosts, &n_hosts, &host_of);
	if (rc == 0 && n_hosts)
		rc = phase_hosts_measure(w, hosts, n_hosts, host_of,
					 tab.n ? &tab : NULL, m, rows, n);
	else if (rc == 0)
		rc = measure_sites(w, tab.n ? &tab : NULL, m, rows, n);
	for (i = 0; rc == 0 && i < *n; i++)
		(*rows)[i].src_host = (*rows)[i].dst_host = NULL;
	if (rc < 0)
		cli_error("the RTT probe failed: %s", strerror(-rc));
	free(hosts);
	free(host_of);
	shape_table_release(&tab);
	return rc;
}

static int run_workloads(struct enos_ctx *ctx, const char *name, int64_t run)
{
	struct shaped_exp e;
	int rc;

	fflush(stdout);
	rc = shaped_open(ctx, name, &e);
	if (rc == 0)
		rc = bench_run(ctx, &e, run, NULL);
	shaped_close(&e);
	return rc;
}

/* The top rows of what crossed the WAN during RUN's workloads, and each
 * service's share. A run without a count (a backend that cannot count)
 * prints nothing: bench said why. */
static void print_traffic(struct enos_ctx *ctx, const char *name, int64_t run)
{
	struct traffic_row *rows = NULL;
	size_t n = 0;

	if (state_traffic(ctx->st, run, &rows, &n) < 0)
		cli_warning("cannot read the traffic of run %lld: %s", (long long)run,
			    state_errmsg(ctx->st));
	else if (n)
		traffic_print(name, run, rows, n, TRAFFIC_TOP);
	free(rows);
}

static int run_run(struct enos_ctx *ctx, const struct cmd_args *a)
{
	const struct run_opts *o = a->opts;
	struct measure_opts m = { 20, 10, 2.0, 0.5, false };
	struct report_rtt *rows = NULL;
	struct topology *t = a->topo;
	struct world w = { 0 };
	char dir[512], why[PATH_MAX + 64];
	size_t n = 0, i, unreachable = 0, bad = 0;
	int64_t run = 0;
	int rc;

	m.samples = o->n_samples;
	ctx->overcommit = o->overcommit;
	rc = phase_up(ctx, t, false, "run", &run);
	if (rc < 0) {
		/* RUN is set once the world is up: a failed deploy left it up,
		 * which `up` keeps for 'enos deploy' to retry, but a run that
		 * cannot go on takes it down like any other failure. */
		if (run) {
			state_run_end(ctx->st, run, "failed");
			if (!o->keep)
				phase_down(ctx, t->name);
		}
		goto out;
	}
	rc = measure(ctx, t, &m, &w, &rows, &n);
	if (rc == 0) {
		print_rows(rows, n);
		measure_store(ctx->st, run, &m, rows, n);
		measure_store_world(ctx->st, run, &w, t->path);
		for (i = 0; i < n; i++) {
			unreachable += !rows[i].cut && rows[i].loss_pct >= 100.0;
			bad += !measure_within(&m, &rows[i]);
		}
		if (rundir_make(t->name, run, NULL, false, dir, sizeof(dir), why,
				sizeof(why)) < 0)
			cli_warning("results directory: %s", why);
		else if (report_rtt_write(dir, t->name, run, rows, n) < 0)
			cli_warning("cannot write '%s'", dir);
		if (unreachable) {
			cli_error("%zu of %zu site pairs did not answer", unreachable, n);
			rc = -EHOSTUNREACH;
		} else if (bad) {
			cli_warning("%zu of %zu site pairs are outside max(%g %%, %g ms) of their target",
				    bad, n, m.tolerance_pct, m.tolerance_ms);
		}
	}
	/* The topology's workloads, as `enos bench` runs them, in this run. */
	if (rc == 0 && t->n_workloads) {
		rc = run_workloads(ctx, t->name, run);
		print_traffic(ctx, t->name, run);
	}
	state_run_end(ctx->st, run, bench_outcome(rc));
	if (!o->keep && phase_down(ctx, t->name) < 0 && rc == 0)
		rc = -EIO;
	if (n) {
		char *rerr = NULL;

		printf("results: run %lld in %s\n", (long long)run, ctx->db_path);
		printf("         %s/rtt.tsv, %s/summary.txt\n", dir, dir);
		if (report_data_write(ctx->st, run, dir, &rerr) == 0)
			printf("report:  %s/index.html\n", dir);
		else
			cli_warning("no HTML report: %s", rerr ? rerr : state_errmsg(ctx->st));
		free(rerr);
	}
out:
	state_world_free(&w);
	free(rows);
	return rc < 0 ? EXIT_FAIL : EXIT_OK;
}

static const struct cmd_option run_options[] = {
	CMD_OPT_BOOL("keep", struct run_opts, keep),
	CMD_OPT_BOOL("overcommit", struct run_opts, overcommit),
	CMD_OPT_STR("samples", struct run_opts, samples),
	{ 0 },
};

const struct enos_cmd cmd_run = {
	.name = "run",
	.usage = "[--keep] [--samples N] [--overcommit] TOPOLOGY.yaml",
	.summary = "up, measure every site pair, run the workloads, record the results, down",
	.help =
		"Brings the topology up, measures the RTT between every ordered pair of sites\n"
		"with a UDP echo probe (one node per site), runs the topology's 'workload:'\n"
		"entries as 'enos bench' does (with its 'faults:' timeline from each workload's\n"
		"start), stores the figures in the results database, writes results/NAME/RUN/,\n"
		"and takes the experiment down. Ctrl-C during a workload keeps what finished,\n"
		"marks the run interrupted and still takes the experiment down.\n\n"
		"  --keep       leave the experiment up afterwards\n"
		"  --samples N  probes per site pair (default 20)\n"
		"  --overcommit build the world even when it does not fit this host (see 'enos up')\n",
	.flags = CMD_NEEDS_ROOT | CMD_NEEDS_TOPOLOGY,
	.min_args = 1,
	.max_args = 1,
	.options = run_options,
	.opts_size = sizeof(struct run_opts),
	.validate = validate_run,
	.run = run_run,
};
