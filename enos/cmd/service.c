/* service — `enos service [-n NAME] {start|stop|restart} INSTANCE`: one
 * service instance by hand (deploy.c).
 */
#include <string.h>

#include "enos/cli.h"
#include "enos/deploy.h"

/* The options the stack commands know; cli_parse_args() reads them. */
static const struct option stack_opts[] = {
	{ "help", no_argument, NULL, CLI_OPT_HELP },
	{ "name", required_argument, NULL, CLI_OPT_NAME },
	{ "json", no_argument, NULL, CLI_OPT_JSON },
	{ "install", no_argument, NULL, CLI_OPT_INSTALL },
	{ NULL, 0, NULL, 0 },
};

int cmd_service(struct enos_ctx *ctx, int argc, char **argv)
{
	struct cli_args a;
	const char *action;
	char exp[64];
	int rc = cli_parse_args(cli_find_cmd("service"), argc, argv,
				 stack_opts, "name", &a);

	if (rc)
		return rc < 0 ? EXIT_OK : rc;
	if (argc - a.rest != 2)
		return cli_usage(cli_find_cmd("service"));
	action = argv[a.rest];
	if (strcmp(action, "start") && strcmp(action, "stop") &&
	    strcmp(action, "restart")) {
		cli_error("unknown action '%s' (expected start, stop or restart)", action);
		return cli_usage(cli_find_cmd("service"));
	}
	rc = cli_need_root("enos service");
	if (rc == 0)
		rc = cli_experiment(ctx, a.name, exp);
	if (rc == 0)
		rc = cli_emu(ctx);
	if (rc == 0)
		rc = deploy_service(ctx, exp, action, argv[a.rest + 1]);
	return rc < 0 ? EXIT_FAIL : EXIT_OK;
}
