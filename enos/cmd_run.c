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
#include "enos/phase.h"
#include "enos/state.h"
#include "enos/topo.h"
#include "reports/rtt.h"
#include "workloads/probe.h"

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

/* The first node of every site, by site index; NULL if none. */
static const struct world_node **first_nodes(const struct world *w)
{
	const struct world_node **first = calloc(w->n_sites + 1, sizeof(*first));
	size_t i;

	if (!first)
		return NULL;
	for (i = w->n_nodes; i-- > 0;)
		first[w->nodes[i].site] = &w->nodes[i];
	return first;
}

static void store_pair(struct state *st, int64_t run, const struct report_rtt *r)
{
	state_result_add(st, run, "rtt_min", r->src, r->dst, r->min_ms, "ms");
	state_result_add(st, run, "rtt_p50", r->src, r->dst, r->p50_ms, "ms");
	state_result_add(st, run, "rtt_p90", r->src, r->dst, r->p90_ms, "ms");
	state_result_add(st, run, "rtt_p99", r->src, r->dst, r->p99_ms, "ms");
	state_result_add(st, run, "rtt_mean", r->src, r->dst, r->mean_ms, "ms");
	state_result_add(st, run, "loss", r->src, r->dst, r->loss_pct, "%");
	state_result_add(st, run, "samples", r->src, r->dst, r->samples, "count");
}

/* Measure every ordered site pair of experiment NAME; fill *ROWS. */
static int measure(struct enos_ctx *ctx, const char *name, unsigned samples,
		   struct report_rtt **rows, size_t *n_rows, struct world *w)
{
	const struct probe_opts po = { samples, 10, 1000, 0 };
	const struct world_node **first = NULL;
	struct probe_pair *pairs = NULL;
	size_t i, k, n = 0;
	int rc;

	rc = state_load_world(ctx->st, name, w);
	if (rc < 0) {
		cli_error("cannot read experiment '%s': %s", name, state_errmsg(ctx->st));
		return rc;
	}
	first = first_nodes(w);
	pairs = calloc(w->n_sites * w->n_sites + 1, sizeof(*pairs));
	*rows = calloc(w->n_sites * w->n_sites + 1, sizeof(**rows));
	rc = -ENOMEM;
	if (!first || !pairs || !*rows)
		goto out;
	for (i = 0; i < w->n_sites; i++) {
		for (k = 0; k < w->n_sites; k++) {
			if (i == k || !first[i] || !first[k])
				continue;
			pairs[n].src_netns = first[i]->netns;
			pairs[n].dst_netns = first[k]->netns;
			pairs[n].dst_addr = first[k]->addr;
			(*rows)[n].src = w->sites[i].name;
			(*rows)[n].dst = w->sites[k].name;
			n++;
		}
	}
	if (ctx->progress)
		fprintf(stderr, "measuring %zu site pairs, %u probes each\n", n, samples);
	rc = probe_rtt(pairs, n, &po);
	if (rc < 0) {
		cli_error("the RTT probe failed: %s", strerror(-rc));
		goto out;
	}
	for (i = 0; i < n; i++) {
		struct report_rtt *r = &(*rows)[i];

		r->target_ms = NAN;
		if (pairs[i].received == 0) {
			/* No reply: no RTT, stored as NULL rather than 0. */
			pairs[i].min_ms = pairs[i].p50_ms = pairs[i].p90_ms = NAN;
			pairs[i].p99_ms = pairs[i].mean_ms = NAN;
		}
		r->min_ms = pairs[i].min_ms;
		r->p50_ms = pairs[i].p50_ms;
		r->p90_ms = pairs[i].p90_ms;
		r->p99_ms = pairs[i].p99_ms;
		r->mean_ms = pairs[i].mean_ms;
		r->samples = pairs[i].sent;
		r->loss_pct = pairs[i].sent ?
			100.0 * (pairs[i].sent - pairs[i].received) / pairs[i].sent : 100.0;
	}
	*n_rows = n;
out:
	free(first);
	free(pairs);
	return rc;
}

static void print_rows(const struct report_rtt *rows, size_t n)
{
	size_t i;

	printf("%-20s %-20s %9s %9s %9s %7s\n", "SRC", "DST", "min ms",
	       "p50 ms", "p99 ms", "loss %");
	for (i = 0; i < n; i++)
		printf("%-20s %-20s %9.3f %9.3f %9.3f %7.2f\n", rows[i].src,
		       rows[i].dst, rows[i].min_ms, rows[i].p50_ms,
		       rows[i].p99_ms, rows[i].loss_pct);
}

int cmd_run(struct enos_ctx *ctx, int argc, char **argv)
{
	struct report_rtt *rows = NULL;
	struct topology *t = NULL;
	struct world w = { 0 };
	struct run_opts o;
	char *err = NULL, dir[512];
	size_t n = 0, i, unreachable = 0;
	int64_t run = 0;
	int rc;

	rc = parse_run_opts(argc, argv, &o);
	if (rc)
		return rc < 0 ? EXIT_OK : rc;
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
	rc = measure(ctx, t->name, o.samples, &rows, &n, &w);
	if (rc == 0) {
		print_rows(rows, n);
		for (i = 0; i < n; i++) {
			store_pair(ctx->st, run, &rows[i]);
			unreachable += rows[i].loss_pct >= 100.0;
		}
		snprintf(dir, sizeof(dir), "results/%s/%lld", t->name, (long long)run);
		if (report_rtt_write(dir, t->name, run, rows, n) < 0)
			cli_warning("cannot write '%s'", dir);
		if (unreachable) {
			cli_error("%zu of %zu site pairs did not answer", unreachable, n);
			rc = -EHOSTUNREACH;
		}
	}
	state_run_end(ctx->st, run, rc == 0 ? "ok" : "failed");
	if (!o.keep && phase_down(ctx, t->name) < 0 && rc == 0)
		rc = -EIO;
	if (n) {
		printf("results: run %lld in %s\n", (long long)run, ctx->db_path);
		printf("         %s/rtt.tsv, %s/summary.txt\n", dir, dir);
	}
out:
	state_world_free(&w);
	free(rows);
	topo_free(t);
	return rc < 0 ? EXIT_FAIL : EXIT_OK;
}
