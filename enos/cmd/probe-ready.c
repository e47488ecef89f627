/* probe-ready — the hidden `enos probe-ready tcp HOST PORT | http URL
 * STATUS` that readiness checks run inside a node (deploy.c).
 */
#include "enos/cli.h"
#include "enos/deploy.h"

int cmd_probe_ready(struct enos_ctx *ctx, int argc, char **argv)
{
	(void)ctx;
	return deploy_probe(argc, argv);
}
