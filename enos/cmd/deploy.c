/* deploy — `enos deploy [-n NAME] [--install]`: deploy the topology's
 * stack on an experiment that is up (deploy.c).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "enos/cli.h"
#include "enos/deploy.h"
#include "enos/state.h"
#include "enos/topo.h"

/* The options the stack commands know; cli_parse_args() reads them. */
static const struct option stack_opts[] = {
	{ "help", no_argument, NULL, CLI_OPT_HELP },
	{ "name", required_argument, NULL, CLI_OPT_NAME },
	{ "json", no_argument, NULL, CLI_OPT_JSON },
	{ "install", no_argument, NULL, CLI_OPT_INSTALL },
	{ NULL, 0, NULL, 0 },
};

int cmd_deploy(struct enos_ctx *ctx, int argc, char **argv)
{
	struct cli_args a;
	struct topology *t = NULL;
	struct world w = { 0 };
	struct exp_info info;
	char exp[64], *err = NULL;
	int64_t run = 0;
	int rc = cli_parse_args(cli_find_cmd("deploy"), argc, argv,
				 stack_opts, "name install", &a);

	if (rc)
		return rc < 0 ? EXIT_OK : rc;
	if (argc != a.rest)
		return cli_usage(cli_find_cmd("deploy"));
	rc = cli_need_root("enos deploy");
	if (rc == 0)
		rc = cli_experiment(ctx, a.name, exp);
	if (rc == 0)
		rc = cli_emu(ctx);
	if (rc < 0)
		return EXIT_FAIL;
	rc = state_get(ctx->st, exp, &info);
	if (rc == 0 && strcmp(info.status, EXP_UP)) {
		cli_error("experiment '%s' is not up (status '%s')", exp, info.status);
		rc = -EINVAL;
		goto out;
	}
	if (rc == 0)
		rc = state_load_world(ctx->st, exp, &w);
	if (rc < 0) {
		cli_error("cannot read experiment '%s': %s", exp, state_errmsg(ctx->st));
		goto out;
	}
	t = topo_load(info.topo_path, &err);
	if (!t) {
		fprintf(stderr, "%s\n", err ? err : "error: out of memory");
		rc = -EINVAL;
		goto out;
	}
	if (!t->stack_name) {
		cli_error("the topology of '%s' (%s) names no stack", exp, info.topo_path);
		cli_hint("add 'stack: {name: etcd, strategy: spread}' to it");
		rc = -EINVAL;
		goto out;
	}
	if (state_run_begin(ctx->st, exp, "deploy", t->seed, t->has_seed, &run) < 0)
		run = 0;
	rc = deploy_stack(ctx, t, &w, run, a.install);
	if (run)
		state_run_end(ctx->st, run, rc == 0 ? "ok" : "failed");
out:
	free(err);
	topo_free(t);
	state_world_free(&w);
	return rc < 0 ? EXIT_FAIL : EXIT_OK;
}
