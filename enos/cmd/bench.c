/* cmd_bench — `enos bench`: run workloads on an experiment that is up.
 *
 *   enos bench [-n NAME] [--workload W] [--times N] [--concurrency C]
 *              [--from SITES] [--json]
 *
 * The topology's `workload:` entries in order, or W alone (built into enos
 * or declared by the stack, with its topology entry's options if it has
 * one), in a new run of kind "bench"; enos/bench.c does the work.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

#include "enos/bench.h"
#include "enos/cli.h"
#include "enos/cmd/cmd.h"
#include "enos/shaping.h"
#include "enos/state.h"
#include "enos/topo.h"

struct bench_args {
	const char *workload, *times, *concurrency, *from;
	bool json;
};

/* Counts are checked against each workload's own range later, before
 * anything runs; a value that is no count at all is a usage error. */
static int validate_bench(const struct enos_cmd *c, struct cmd_args *args)
{
	const struct bench_args *a = args->opts;
	long v;

	if (a->times && cli_opt_range("times", a->times, 1, 1000000000L,
				      "a count", &v) < 0)
		return cli_usage(c);
	if (a->concurrency && cli_opt_range("concurrency", a->concurrency, 1,
					    1000000L, "a count", &v) < 0)
		return cli_usage(c);
	if (a->from && !*a->from) {
		cli_error("--from is empty");
		return cli_usage(c);
	}
	return 0;
}

static int run_bench(struct enos_ctx *ctx, const struct cmd_args *args)
{
	const struct bench_args *a = args->opts;
	struct bench_opts o = { a->workload, a->times, a->concurrency, a->from,
				a->json };
	struct shaped_exp e;
	int64_t run = 0;
	int rc;

	rc = shaped_open(ctx, args->exp, &e);
	if (rc == 0) {
		rc = state_run_begin(ctx->st, e.w.name, "bench", e.t->seed,
				     e.t->has_seed, &run);
		if (rc < 0)
			cli_error("cannot record the run: %s", state_errmsg(ctx->st));
	}
	if (rc == 0) {
		rc = bench_run(ctx, &e, run, &o);
		state_run_end(ctx->st, run, bench_outcome(rc));
	}
	shaped_close(&e);
	return rc < 0 ? EXIT_FAIL : EXIT_OK;
}

static const struct cmd_option bench_options[] = {
	CMD_OPT_EXPERIMENT,
	CMD_OPT_STR("workload", struct bench_args, workload),
	CMD_OPT_STR("times", struct bench_args, times),
	CMD_OPT_STR("concurrency", struct bench_args, concurrency),
	CMD_OPT_STR("from", struct bench_args, from),
	CMD_OPT_BOOL("json", struct bench_args, json),
	{ 0 },
};

const struct enos_cmd cmd_bench = {
	.name = "bench",
	.usage = "[-n NAME] [--workload W] [--times N] [--concurrency C] [--from SITES] [--json]",
	.summary = "run workloads on an experiment that is up, storing every operation",
	.help =
		"Runs the topology's 'workload:' entries in order (or W alone) from their client\n"
		"nodes, with the topology's 'faults:' timeline running from each workload's start,\n"
		"in a new run of kind 'bench'. Every operation is stored with its client, its\n"
		"target, the pair's RTT and loss at its start and the faults then active; per-op\n"
		"and per-site summaries (count, failures, p50/p90/p99, mean, stddev of the\n"
		"operations that worked) are stored and printed at the end. Ctrl-C stops the\n"
		"workload, keeps what finished and marks the run interrupted. Exit status 1 when\n"
		"a workload failed, was interrupted, or a target service died during it.\n\n"
		"Built-in workloads (options as in the topology, e.g. {name: kv-latency, times: 500}):\n"
		"  kv-latency  etcd puts and gets through the v3 JSON gateway (needs the etcd stack);\n"
		"              times, size, concurrency, target (nearest or an instance), gets (yes|no),\n"
		"              timeout, port; from role:edge by default\n"
		"  rtt         UDP echo round trips to other sites; to, samples, interval, timeout\n"
		"  throughput  iperf3 to other sites, one test at a time; to, time, parallel,\n"
		"              interval, port; from role:edge to role:central by default\n\n"
		"  --workload W       run only W (built in or declared by the stack)\n"
		"  --times N          override 'times' of every workload run\n"
		"  --concurrency C    override 'concurrency'\n"
		"  --from SITES       override 'from': site names, role:ROLE or *, comma separated\n"
		"  --json             the summaries as JSON on stdout\n"
		"  -n, --name NAME    the experiment\n",
	.flags = CMD_NEEDS_ROOT | CMD_OPTS_ANYWHERE,
	.exp = CMD_EXP_ONE,
	.options = bench_options,
	.opts_size = sizeof(struct bench_args),
	.validate = validate_bench,
	.run = run_bench,
};
