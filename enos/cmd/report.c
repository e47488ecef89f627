/* cmd_report — `enos report [-n NAME] [RUN]`: read a run's figures, faults
 * and facts from the results database and write results/EXP/RUN/index.html
 * with gnuplot heatmaps (reports/html.c). Results outlive the experiment,
 * so a run can be reported after `down`.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "enos/cli.h"
#include "enos/report_data.h"
#include "enos/state.h"

static int parse_report_args(int argc, char **argv, const char **name,
			     int64_t *run)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "name", required_argument, NULL, 'n' },
		{ NULL, 0, NULL, 0 },
	};
	const struct enos_cmd *cmd = cli_find_cmd("report");
	char *end;
	int opt;

	*name = NULL;
	*run = 0;
	optind = 0;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "+hn:", opts, NULL)) != -1) {
		if (opt == 'h') {
			printf("usage: enos report %s\n\n%s", cmd->usage, cmd->help);
			return -1;
		} else if (opt == 'n') {
			*name = optarg;
		} else {
			cli_error("unknown option '%s'", argv[optind - 1]);
			return cli_usage(cmd);
		}
	}
	if (argc - optind > 1)
		return cli_usage(cmd);
	if (argc - optind == 1) {
		*run = strtoll(argv[optind], &end, 10);
		if (*end || *run <= 0) {
			cli_error("run '%s' is not a run number", argv[optind]);
			return cli_usage(cmd);
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
	rc = state_run_latest(ctx->st, name, "rtt_p50", run);
	if (rc == -ENOENT) {
		cli_error("experiment '%s' has no measured run", name);
		cli_hint("'enos tc --test -n %s' or 'enos run' measure one", name);
		return rc;
	}
	if (rc == 0)
		rc = state_run_get(ctx->st, *run, info);
	if (rc < 0)
		cli_error("%s", state_errmsg(ctx->st));
	return rc;
}

int cmd_report(struct enos_ctx *ctx, int argc, char **argv)
{
	struct run_info info;
	const char *name;
	char dir[512], *err = NULL;
	int64_t run;
	int rc;

	rc = parse_report_args(argc, argv, &name, &run);
	if (rc)
		return rc < 0 ? EXIT_OK : rc;
	if (cli_state(ctx) < 0 || pick_run(ctx, name, &run, &info) < 0)
		return EXIT_FAIL;
	rc = report_data_write(ctx->st, run, dir, &err);
	if (rc == -ENOENT)
		cli_error("run %lld of '%s' has no RTT figures", (long long)run,
			  info.experiment);
	else if (rc < 0)
		cli_error("cannot write the report of run %lld: %s", (long long)run,
			  err ? err : state_errmsg(ctx->st));
	else
		printf("report: %s/index.html\n", dir);
	free(err);
	return rc < 0 ? EXIT_FAIL : EXIT_OK;
}
