/* cmd_report — `enos report [-n NAME] [RUN]`, `enos report --sweep NAME`,
 * `enos report --compare RUN|SWEEP ...`: read runs from the results
 * database and write a self-contained report directory with its gnuplot
 * figures (reports/html.c for a run, reports/campaign_html.c for a sweep
 * or a comparison), then print its index.html. Results outlive the
 * experiment, so a run can be reported after `down`.
 */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "enos/cli.h"
#include "enos/cmd/cmd.h"
#include "enos/report_data.h"
#include "enos/state.h"
#include "util/strbuf.h"

struct report_opts {
	int64_t run;            /* the RUN operand, or 0 */
	const char *sweep;      /* --sweep NAME */
	bool compare;           /* --compare: the operands are compared */
	const char *out;        /* --out DIR */
};

static int validate_report(const struct enos_cmd *c, struct cmd_args *a)
{
	struct report_opts *o = a->opts;
	char *end;

	if (o->compare && o->sweep) {
		cli_error("--sweep and --compare do not go together");
		return cli_usage(c);
	}
	if (o->compare) {
		if (a->argc < 2) {
			cli_error("--compare needs two runs or sweeps at least");
			return cli_usage(c);
		}
		return 0;
	}
	if (a->argc > 1 || (o->sweep && a->argc)) {
		cli_error("too many operands");
		return cli_usage(c);
	}
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
	/* The newest run with RTT figures, an RTT series (`tc --test
	 * --over`) or workload operations. */
	rc = state_run_latest(ctx->st, name, "rtt_p50", run);
	if (rc == 0 || rc == -ENOENT) {
		int64_t series = 0;
		int src = state_run_latest(ctx->st, name, "rtt_series", &series);

		if (src == 0 && (rc == -ENOENT || series > *run)) {
			*run = series;
			rc = 0;
		} else if (src < 0 && src != -ENOENT) {
			rc = src;
		}
	}
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

/* --sweep NAME or --compare A B ...: a campaign. */
static int campaign_report(struct enos_ctx *ctx, const struct cmd_args *a)
{
	const struct report_opts *o = a->opts;
	struct report_campaign c;
	struct strbuf name = STRBUF_INIT;
	char dir[PATH_MAX], *err = NULL;
	int i, rc;

	if (o->sweep)
		rc = report_campaign_sweep(ctx->st, o->sweep, &c, &err);
	else
		rc = report_campaign_compare(ctx->st, a->argv, (size_t)a->argc, &c,
					     &err);
	if (rc < 0) {
		cli_error("%s", err ? err : strerror(-rc));
		goto out;
	}
	if (o->sweep) {
		strbuf_adds(&name, o->sweep);
	} else {
		for (i = 0; i < a->argc; i++)
			strbuf_addf(&name, "%s%s", i ? "-vs-" : "", a->argv[i]);
	}
	if (name.err) {
		rc = -ENOMEM;
		cli_error("%s", strerror(ENOMEM));
		goto out;
	}
	rc = report_campaign_write(&c, ctx->st, o->out, strbuf_str(&name), dir,
				   sizeof(dir), &err);
	if (rc < 0)
		cli_error("cannot write the report: %s", err ? err : strerror(-rc));
	else
		printf("report: %s/index.html\n", dir);
out:
	strbuf_release(&name);
	report_campaign_release(&c);
	free(err);
	return rc < 0 ? EXIT_FAIL : EXIT_OK;
}

static int run_report(struct enos_ctx *ctx, const struct cmd_args *a)
{
	const struct report_opts *o = a->opts;
	struct run_info info;
	char dir[PATH_MAX], *err = NULL;
	int64_t run = o->run;
	int rc;

	if (cli_state(ctx) < 0)
		return EXIT_FAIL;
	if (o->sweep || o->compare)
		return campaign_report(ctx, a);
	if (pick_run(ctx, a->name, &run, &info) < 0)
		return EXIT_FAIL;
	rc = report_data_write_to(ctx->st, run, o->out, NULL, dir, sizeof(dir),
				  &err);
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
	CMD_OPT_STR("sweep", struct report_opts, sweep),
	CMD_OPT_BOOL("compare", struct report_opts, compare),
	CMD_OPT_STR("out", struct report_opts, out),
	{ 0 },
};

/* The experiment is picked by pick_run(): runs outlive experiments. */
const struct enos_cmd cmd_report = {
	.name = "report",
	.usage = "[-n NAME] [RUN] | --sweep NAME | --compare RUN|SWEEP ... [--out DIR]",
	.summary = "write the HTML report of a run, a sweep, or a comparison",
	.help =
		"Writes a self-contained directory and prints its index.html:\n"
		"  RUN              results/NAME/RUN/: the run's facts; the target and measured\n"
		"                   RTT matrices as heatmaps with their numbers; per workload the\n"
		"                   per-site percentiles, a latency CDF per op and a timeline of\n"
		"                   operations with the fault windows shaded; the WAN traffic;\n"
		"                   the faults; the topology drawn; the files used; CSV exports.\n"
		"                   RUN defaults to the newest run with RTT figures or workload\n"
		"                   operations of the experiment.\n"
		"  --sweep NAME     results/EXP/sweep-NAME/report/: per metric (each op's latency,\n"
		"                   each measured value) the median over repetitions against the\n"
		"                   swept parameter with its 95 % interval, a CDF per strategy,\n"
		"                   per-site medians, and which strategy is faster at each point\n"
		"                   by how much (Hodges-Lehmann, 95 % Mann-Whitney interval), or\n"
		"                   \"no significant difference\"; every run's own report.\n"
		"                   Without a stack.strategy axis, the values of the only axis\n"
		"                   that varies, unless they are times, are compared instead.\n"
		"  --compare A B .. results/compare/A-vs-B/: the same between runs, or between\n"
		"                   sweeps point by point (the first is the reference).\n"
		"Reports work after 'enos down': everything comes from the database.\n\n"
		"  -n, --name NAME  the experiment (a run report)\n"
		"  --out DIR        write the report into DIR\n",
	.flags = CMD_OPTS_ANYWHERE,
	.max_args = CMD_ARGS_ANY,
	.options = report_options,
	.opts_size = sizeof(struct report_opts),
	.validate = validate_report,
	.run = run_report,
};
