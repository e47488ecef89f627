/* down — `enos down [-n NAME | --all]`: remove everything an experiment
 * made (phase.c), recorded or not.
 */
#include <errno.h>
#include <stdio.h>

#include "enos/cli.h"
#include "enos/phase.h"
#include "enos/state.h"

/* The options the world commands know; cli_parse_args() reads them. */
static const struct option world_opts[] = {
	{ "help", no_argument, NULL, CLI_OPT_HELP },
	{ "name", required_argument, NULL, CLI_OPT_NAME },
	{ "json", no_argument, NULL, CLI_OPT_JSON },
	{ "force", no_argument, NULL, CLI_OPT_FORCE },
	{ "all", no_argument, NULL, CLI_OPT_ALL },
	{ "no-deploy", no_argument, NULL, CLI_OPT_NO_DEPLOY },
	{ NULL, 0, NULL, 0 },
};

int cmd_down(struct enos_ctx *ctx, int argc, char **argv)
{
	struct cli_args a;
	char **names = NULL;
	char one[64];
	size_t n = 0, i;
	int rc = cli_parse_args(cli_find_cmd("down"), argc, argv,
				 world_opts, "name all", &a);

	if (rc)
		return rc < 0 ? EXIT_OK : rc;
	if (argc != a.rest || (a.all && a.name))
		return cli_usage(cli_find_cmd("down"));
	rc = cli_need_root("enos down");
	if (rc == 0)
		rc = cli_state(ctx);
	if (rc < 0)
		return EXIT_FAIL;
	if (a.all) {
		rc = state_list(ctx->st, &names, &n);
		if (rc < 0) {
			cli_error("cannot list experiments: %s", state_errmsg(ctx->st));
			return EXIT_FAIL;
		}
		if (n == 0)
			printf("no experiment is up\n");
		for (i = 0; i < n; i++)
			if (phase_down(ctx, names[i]) < 0)
				rc = -EIO;
		state_free_names(names);
		return rc < 0 ? EXIT_FAIL : EXIT_OK;
	}
	if (a.name) {
		/* An unrecorded name is swept: down must work after any crash. */
		rc = phase_down(ctx, a.name);
	} else {
		rc = cli_experiment(ctx, NULL, one);
		if (rc == -ENOENT) {
			printf("no experiment is up\n");
			return EXIT_OK;
		}
		if (rc == 0)
			rc = phase_down(ctx, one);
	}
	return rc < 0 ? EXIT_FAIL : EXIT_OK;
}
