/* cmd_run — `enos run TOPOLOGY`: the experiment end to end as far as this
 * version goes: up, measure the RTT of every ordered site pair with the UDP
 * echo probe (workloads/probe.c) from one node per site, store the figures
 * in the results database, write results/EXP/RUN/, and take it down.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emulator/world.h"
#include "enos/cli.h"
#include "enos/measure.h"
#include "enos/phase.h"
#include "enos/report_data.h"
#include "enos/rundir.h"
#include "enos/shaping.h"
#include "enos/state.h"
#include "enos/topo.h"
#include "reports/rtt.h"

struct run_opts {
	bool keep;
	unsigned samples;
	const char *path;
};

static int parse_run_opts(int argc, char **argv, struct run_opts *o)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "keep", no_argument, NULL, 'k' },
		{ "samples", required_argument, NULL, 's' },
		{ NULL, 0, NULL, 0 },
	};
	const struct enos_cmd *cmd = cli_find_cmd("run");
	char *end;
	long v;
	int opt;

	memset(o, 0, sizeof(*o));
	o->samples = 20;
	optind = 0;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		switch (opt) {
		case 'h':
			printf("usage: enos run %s\n\n%s", cmd->usage, cmd->help);
			return -1;
		case 'k':
			o->keep = true;
			break;
		case 's':
			v = strtol(optarg, &end, 10);
			if (*end || end == optarg || v < 1 || v > 100000) {
				cli_error("--samples '%s' is not a count from 1 to 100000", optarg);
				return cli_usage(cmd);
			}
			o->samples = (unsigned)v;
			break;
		default:
			cli_error("unknown option '%s'", argv[optind - 1]);
			return cli_usage(cmd);
		}
	}
	if (argc - optind != 1)
		return cli_usage(cmd);
	o->path = argv[optind];
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
	int rc;

	rc = state_get(ctx->st, t->name, &info);
	if (rc == 0)
		rc = state_load_world(ctx->st, t->name, w);
	if (rc < 0) {
		cli_error("cannot read experiment '%s': %s", t->name, state_errmsg(ctx->st));
		return rc;
	}
	if (strcmp(info.shaping, "none") != 0) {
		rc = shaping_table(ctx, t, w, true, &tab);
		if (rc < 0)
			return rc;
	}
	if (ctx->progress)
		fprintf(stderr, "measuring %zu site pairs, %u probes each\n",
			w->n_sites * (w->n_sites - 1), m->samples);
	rc = measure_sites(w, tab.n ? &tab : NULL, m, rows, n);
	if (rc < 0)
		cli_error("the RTT probe failed: %s", strerror(-rc));
	shape_table_release(&tab);
	return rc;
}

int cmd_run(struct enos_ctx *ctx, int argc, char **argv)
{
	struct measure_opts m = { 20, 10, 2.0, 0.5 };
	struct report_rtt *rows = NULL;
	struct topology *t = NULL;
	struct world w = { 0 };
	struct run_opts o;
	char *err = NULL, dir[512];
	size_t n = 0, i, unreachable = 0, bad = 0;
	int64_t run = 0;
	int rc;

	rc = parse_run_opts(argc, argv, &o);
	if (rc)
		return rc < 0 ? EXIT_OK : rc;
	m.samples = o.samples;
	t = topo_load(o.path, &err);
	if (!t) {
		fprintf(stderr, "%s\n", err ? err : "error: out of memory");
		free(err);
		return EXIT_FAIL;
	}
	rc = cli_need_root("enos run");
	if (rc == 0)
		rc = phase_up(ctx, t, false, "run", &run);
	if (rc < 0)
		goto out;
	rc = measure(ctx, t, &m, &w, &rows, &n);
	if (rc == 0) {
		print_rows(rows, n);
		measure_store(ctx->st, run, &m, rows, n);
		measure_store_world(ctx->st, run, &w, t->path);
		for (i = 0; i < n; i++) {
			unreachable += !rows[i].cut && rows[i].loss_pct >= 100.0;
			bad += !measure_within(&m, &rows[i]);
		}
		rundir_run(t->name, run, false, dir, sizeof(dir));
		if (report_rtt_write(dir, t->name, run, rows, n) < 0)
			cli_warning("cannot write '%s'", dir);
		if (unreachable) {
			cli_error("%zu of %zu site pairs did not answer", unreachable, n);
			rc = -EHOSTUNREACH;
		} else if (bad) {
			cli_warning("%zu of %zu site pairs are outside max(%g %%, %g ms) of their target",
				    bad, n, m.tolerance_pct, m.tolerance_ms);
		}
	}
	state_run_end(ctx->st, run, rc == 0 ? "ok" : "failed");
	if (!o.keep && phase_down(ctx, t->name) < 0 && rc == 0)
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
	topo_free(t);
	return rc < 0 ? EXIT_FAIL : EXIT_OK;
}
