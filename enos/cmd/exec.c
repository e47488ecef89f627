/* exec — `enos exec [-n NAME] NODE -- COMMAND`: run a command inside a
 * node through its backend's exec op, passing its exit status through.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "emulator/emu.h"
#include "emulator/node.h"
#include "emulator/world.h"
#include "enos/cli.h"
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

static const struct world_node *find_node(const struct world *w,
					  const char *name)
{
	size_t i;

	for (i = 0; i < w->n_nodes; i++)
		if (strcmp(w->nodes[i].name, name) == 0)
			return &w->nodes[i];
	return NULL;
}

int cmd_exec(struct enos_ctx *ctx, int argc, char **argv)
{
	const struct node_ops *ops;
	const struct world_node *node;
	struct world w = { 0 };
	struct cli_args a;
	char name[64];
	int status = EXIT_FAIL, rc;
	int first;

	rc = cli_parse_args(cli_find_cmd("exec"), argc, argv,
				 world_opts, "name", &a);
	if (rc)
		return rc < 0 ? EXIT_OK : rc;
	first = a.rest + 1;
	if (first < argc && strcmp(argv[first], "--") == 0)
		first++;
	if (argc - a.rest < 2 || first >= argc)
		return cli_usage(cli_find_cmd("exec"));
	if (cli_need_root("enos exec") < 0 || cli_experiment(ctx, a.name, name) < 0)
		return EXIT_FAIL;
	rc = state_load_world(ctx->st, name, &w);
	if (rc < 0) {
		cli_error("cannot read experiment '%s': %s", name,
			  state_errmsg(ctx->st));
		goto out;
	}
	node = find_node(&w, argv[a.rest]);
	if (!node) {
		cli_error("no node '%s' in experiment '%s'", argv[a.rest], name);
		cli_hint("'enos status -n %s' lists its nodes", name);
		goto out;
	}
	ops = node_ops_find(node->backend);
	if (!ops) {
		cli_error("node '%s': backend '%s' is not implemented yet",
			  node->name, node->backend);
		goto out;
	}
	if (cli_emu(ctx) < 0)
		goto out;
	fflush(stdout);
	rc = ops->exec(ctx->emu, node, &argv[first], &status);
	if (rc == -ENOENT) {
		cli_error("cannot run '%s' in node '%s': no such program",
			  argv[first], node->name);
		status = 127;
	} else if (rc < 0) {
		cli_error("cannot run '%s' in node '%s': %s", argv[first],
			  node->name, strerror(-rc));
		/* A qemu node says which socket and console to look at. */
		if (*emu_errmsg(ctx->emu))
			cli_hint("%s", emu_errmsg(ctx->emu));
		status = 126;
	}
out:
	state_world_free(&w);
	return status;
}
