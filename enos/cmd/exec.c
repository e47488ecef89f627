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
#include "enos/cmd/cmd.h"
#include "enos/phase.h"
#include "enos/state.h"

static const struct world_node *find_node(const struct world *w,
					  const char *name)
{
	size_t i;

	for (i = 0; i < w->n_nodes; i++)
		if (strcmp(w->nodes[i].name, name) == 0)
			return &w->nodes[i];
	return NULL;
}

/* Where COMMAND starts among the operands NODE [--] COMMAND [ARG...]. */
static int command_index(const struct cmd_args *a)
{
	return strcmp(a->argv[1], "--") == 0 ? 2 : 1;
}

static int run_exec(struct enos_ctx *ctx, const struct cmd_args *a)
{
	const struct node_ops *ops;
	const struct world_node *node;
	struct world w = { 0 };
	const char *name = a->exp;
	char **argv = a->argv;
	int first = command_index(a);
	int status = EXIT_FAIL, rc;

	if (phase_hosts_refuse(ctx, name, "'enos exec'") < 0)
		goto out;
	rc = state_load_world(ctx->st, name, &w);
	if (rc < 0) {
		cli_error("cannot read experiment '%s': %s", name,
			  state_errmsg(ctx->st));
		goto out;
	}
	node = find_node(&w, argv[0]);
	if (!node) {
		cli_error("no node '%s' in experiment '%s'", argv[0], name);
		cli_hint("'enos status -n %s' lists its nodes", name);
		goto out;
	}
	ops = node->ops;
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

/* NODE and COMMAND are both needed; "--" between them is optional. */
static int validate_exec(const struct enos_cmd *c, struct cmd_args *a)
{
	return command_index(a) >= a->argc ? cli_usage(c) : 0;
}

static const struct cmd_option exec_options[] = {
	CMD_OPT_EXPERIMENT,
	{ 0 },
};

const struct enos_cmd cmd_exec = {
	.name = "exec",
	.usage = "[-n NAME] NODE -- COMMAND [ARG...]",
	.summary = "run a command inside a node",
	.help =
		"Runs COMMAND inside NODE's namespaces and exits with its exit status\n"
		"(128 + N if it died of signal N, 127 if there is no such program).\n\n"
		"  -n, --name NAME  the experiment (may be omitted when only one is up)\n",
	.flags = CMD_NEEDS_ROOT,
	.exp = CMD_EXP_ONE,
	.min_args = 2,
	.max_args = CMD_ARGS_ANY,
	.options = exec_options,
	.validate = validate_exec,
	.run = run_exec,
};
