/* up — `enos up TOPOLOGY`: validate the topology, then build its world
 * through the phases (phase.c) and deploy its stack.
 */
#include <stddef.h>
#include <stdio.h>

#include "enos/cli.h"
#include "enos/cmd/cmd.h"
#include "enos/phase.h"
#include "enos/topo.h"

struct up_opts {
	bool force, no_deploy, overcommit;
};

static int run_up(struct enos_ctx *ctx, const struct cmd_args *a)
{
	const struct up_opts *o = a->opts;
	struct topology *t = a->topo;
	int rc;

	ctx->no_deploy = o->no_deploy;
	ctx->overcommit = o->overcommit;
	rc = phase_up(ctx, t, o->force, "up", NULL);
	if (rc == 0)
		printf("next: 'enos status -n %s', 'enos exec -n %s NODE -- CMD', 'enos down -n %s'\n",
		       t->name, t->name, t->name);
	return rc < 0 ? EXIT_FAIL : EXIT_OK;
}

static const struct cmd_option up_options[] = {
	CMD_OPT_BOOL("force", struct up_opts, force),
	CMD_OPT_BOOL("no-deploy", struct up_opts, no_deploy),
	CMD_OPT_BOOL("overcommit", struct up_opts, overcommit),
	{ 0 },
};

const struct enos_cmd cmd_up = {
	.name = "up",
	.usage = "[--force] [--no-deploy] [--overcommit] TOPOLOGY.yaml",
	.summary = "build the topology's sites and nodes",
	.help =
		"Records the planned world in the state database, then builds it: a network\n"
		"namespace per node and per site gateway, a LAN bridge per site, a WAN bridge,\n"
		"addresses from 198.18.0.0/15 and routes. On any failure or interruption what was\n"
		"built is removed again. Then the topology's stack, if any, is deployed (see\n"
		"'enos deploy'); if that fails the world stays up.\n\n"
		"  --force      take an experiment of the same name down first\n"
		"  --no-deploy  do not deploy the topology's stack\n"
		"  --overcommit build the world even when its estimated memory is more than this\n"
		"               host has available (see 'enos check')\n",
	.flags = CMD_NEEDS_ROOT | CMD_NEEDS_TOPOLOGY,
	.min_args = 1,
	.max_args = 1,
	.options = up_options,
	.opts_size = sizeof(struct up_opts),
	.run = run_up,
};
