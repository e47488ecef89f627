/* probe-ready — the hidden `enos probe-ready tcp HOST PORT | http URL
 * STATUS` that readiness checks run inside a node (deploy.c).
 */
#include "enos/cli.h"
#include "enos/cmd/cmd.h"
#include "enos/deploy.h"

static int run_probe_ready(struct enos_ctx *ctx, const struct cmd_args *a)
{
	/* deploy_probe() takes the command line from the command's name. */
	char *argv[] = { (char *)"probe-ready", a->argv[0], a->argv[1],
			 a->argv[2], NULL };

	(void)ctx;
	return deploy_probe(4, argv);
}

const struct enos_cmd cmd_probe_ready = {
	.name = "probe-ready",
	.usage = "tcp HOST PORT | http URL STATUS",
	.summary = "readiness probe run inside a node (used by enos itself)",
	.help =
		"Exits 0 when HOST:PORT accepts a TCP connection, or URL answers STATUS.\n",
	.flags = CMD_HIDDEN,
	.min_args = 3,
	.max_args = 3,
	.run = run_probe_ready,
};
