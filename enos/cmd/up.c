/* up — `enos up TOPOLOGY`: validate the topology, then build its world
 * through the phases (phase.c) and deploy its stack.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "enos/cli.h"
#include "enos/phase.h"
#include "enos/topo.h"

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

static int load_topology(const char *path, struct topology **out)
{
	char *err = NULL;

	*out = topo_load(path, &err);
	if (*out)
		return 0;
	fprintf(stderr, "%s\n", err ? err : "error: out of memory");
	free(err);
	return -EINVAL;
}

int cmd_up(struct enos_ctx *ctx, int argc, char **argv)
{
	struct topology *t = NULL;
	struct cli_args a;
	int rc = cli_parse_args(cli_find_cmd("up"), argc, argv,
				 world_opts, "force no-deploy", &a);

	if (rc)
		return rc < 0 ? EXIT_OK : rc;
	if (argc - a.rest != 1)
		return cli_usage(cli_find_cmd("up"));
	if (load_topology(argv[a.rest], &t) < 0)
		return EXIT_FAIL;
	ctx->no_deploy = a.no_deploy;
	rc = cli_need_root("enos up");
	if (rc == 0)
		rc = phase_up(ctx, t, a.force, "up", NULL);
	if (rc == 0)
		printf("next: 'enos status -n %s', 'enos exec -n %s NODE -- CMD', 'enos down -n %s'\n",
		       t->name, t->name, t->name);
	topo_free(t);
	return rc < 0 ? EXIT_FAIL : EXIT_OK;
}
