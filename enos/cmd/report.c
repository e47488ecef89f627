/* cmd_report — `enos report [-n NAME] [RUN]`: read a run's figures,
 * workloads, traffic, faults and facts from the results database and write
 * results/EXP/RUN/index.html with its gnuplot figures (reports/html.c).
 * Results outlive the experiment, so a run can be reported after `down`.
 */
#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "enos/cli.h"
#include "enos/cmd/cmd.h"
#include "enos/report_data.h"
#include "enos/state.h"

struct report_opts {
	int64_t run;            /* the RUN operand, or 0 */
};

static int validate_report(const struct enos_cmd *c, struct cmd_args *a)
{
	struct report_opts *o = a->opts;
	char *end;

	if (a->argc == 1) {
		o->run = strtoll(a->argv[0], &end, 10);
		if (*end || o->run <= 0) {
			cli_error("run '%s' is not a run number", a->argv[0]);
			return cli_usage(c);
		}
	}
	return 0;
}

/* Which experiment and run to report. */
static int pick_run(struct enos_ctx *ctx, const char *name, int64_t *run,
		    struct run_info *info)
{
	char one[64];
	int rc;

	if (*run) {
		rc = state_run_get(ctx->st, *run, info);
		if (rc == 0 && name && strcmp(info->experiment, name) != 0) {
			cli_error("run %lld belongs to '%s', not '%s'",
				  (long long)*run, info->experiment, name);
			return -EINVAL;
		}
		if (rc < 0)
			cli_error("%s", state_errmsg(ctx->st));
		return rc;
	}
	if (!name) {
		rc = cli_experiment(ctx, NULL, one);
		if (rc < 0) {
			cli_hint("name the experiment with -n NAME (its runs outlive it)");
			return rc;
		}
		name = one;
	}
	/* The newest run with RTT figures or workload operations. */
	rc = state_run_latest(ctx->st, name, "rtt_p50", run);
	if (rc == 0 || rc == -ENOENT) {
		int64_t wl = 0;
		int wrc = state_wl_run_latest(ctx->st, name, &wl);

		if (wrc == 0 && (rc == -ENOENT || wl > *run)) {
			*run = wl;
			rc = 0;
		} else if (wrc < 0 && wrc != -ENOENT) {
			rc = wrc;
		}
	}
	if (rc == -ENOENT) {
		cli_error("experiment '%s' has no measured run", name);
		cli_hint("'enos tc --test -n %s', 'enos bench' or 'enos run' measure one",
			 name);
		return rc;
	}
	if (rc == 0)
		rc = state_run_get(ctx->st, *run, info);
	if (rc < 0)
		cli_error("%s", state_errmsg(ctx->st));
	return rc;
}

static int run_report(struct enos_ctx *ctx, const struct cmd_args *a)
{
	const struct report_opts *o = a->opts;
	struct run_info info;
	char dir[512], *err = NULL;
	int64_t run = o->run;
	int rc;

	if (cli_state(ctx) < 0 || pick_run(ctx, a->name, &run, &info) < 0)
		return EXIT_FAIL;
	rc = report_data_write(ctx->st, run, dir, &err);
	if (rc == -ENOENT)
		cli_error("run %lld of '%s' has no RTT figures and no workload operations",
			  (long long)run, info.experiment);
	else if (rc < 0)
		cli_error("cannot write the report of run %lld: %s", (long long)run,
			  err ? err : state_errmsg(ctx->st));
	else
		printf("report: %s/index.html\n", dir);
	free(err);
	return rc < 0 ? EXIT_FAIL : EXIT_OK;
}

static const struct cmd_option report_options[] = {
	CMD_OPT_EXPERIMENT,
	{ 0 },
};

/* The experiment is picked by pick_run(): runs outlive experiments. */
const struct enos_cmd cmd_report = {
	.name = "report",
	.usage = "[-n NAME] [RUN]",
	.summary = "write the HTML report of a run",
	.help =
		"Writes results/NAME/RUN/index.html from the results database: the run's facts;\n"
		"the target and measured RTT matrices as gnuplot heatmaps (PNG and SVG) and the\n"
		"error of every site pair; per workload the per-site percentiles, a latency CDF\n"
		"per op and a timeline of operations with the fault windows shaded; the traffic\n"
		"over the WAN per site pair and service; the faults. RUN defaults to the newest\n"
		"run with RTT figures or workload operations; reports work after 'enos down'.\n\n"
		"  -n, --name NAME  the experiment\n",
	.max_args = 1,
	.options = report_options,
	.opts_size = sizeof(struct report_opts),
	.validate = validate_report,
	.run = run_report,
};
