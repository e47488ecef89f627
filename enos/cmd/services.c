/* services — `enos services [-n NAME] [--json]`: the service instances of
 * an experiment and their state (deploy.c).
 */
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

int cmd_services(struct enos_ctx *ctx, int argc, char **argv)
{
	struct cli_args a;
	char exp[64];
	int rc = cli_parse_args(cli_find_cmd("services"), argc, argv,
				 stack_opts, "name json", &a);

	if (rc)
		return rc < 0 ? EXIT_OK : rc;
	if (argc != a.rest)
		return cli_usage(cli_find_cmd("services"));
	rc = cli_experiment(ctx, a.name, exp);
	if (rc == 0)
		rc = deploy_list(ctx, exp, a.json);
	return rc < 0 ? EXIT_FAIL : EXIT_OK;
}
