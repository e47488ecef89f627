/* service — `enos service [-n NAME] {start|stop|restart} INSTANCE`: one
 * service instance by hand (deploy.c).
 */
#include <string.h>

#include "enos/cli.h"
#include "enos/cmd/cmd.h"
#include "enos/deploy.h"

static int run_service(struct enos_ctx *ctx, const struct cmd_args *a)
{
	int rc = cli_emu(ctx);

	if (rc == 0)
		rc = deploy_service(ctx, a->exp, a->argv[0], a->argv[1]);
	return rc < 0 ? EXIT_FAIL : EXIT_OK;
}

static int validate_service(const struct enos_cmd *c, struct cmd_args *a)
{
	const char *action = a->argv[0];

	if (strcmp(action, "start") && strcmp(action, "stop") &&
	    strcmp(action, "restart")) {
		cli_error("unknown action '%s' (expected start, stop or restart)", action);
		return cli_usage(c);
	}
	return 0;
}

static const struct cmd_option service_options[] = {
	CMD_OPT_EXPERIMENT,
	{ 0 },
};

const struct enos_cmd cmd_service = {
	.name = "service",
	.usage = "[-n NAME] {start|stop|restart} INSTANCE",
	.summary = "start, stop or restart one service instance",
	.help =
		"  stop     SIGTERM, then SIGKILL after 5 s; the instance is recorded as stopped\n"
		"  start    start it again in its node (no setup steps) and wait until it is ready\n"
		"  restart  stop, then start\n"
		"  -n, --name NAME  the experiment\n",
	.flags = CMD_NEEDS_ROOT,
	.exp = CMD_EXP_ONE,
	.min_args = 2,
	.max_args = 2,
	.options = service_options,
	.validate = validate_service,
	.run = run_service,
};
