/* deploy — `enos deploy [-n NAME] [--install]`: deploy the topology's
 * stack on an experiment that is up (deploy.c).
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "enos/cli.h"
#include "enos/cmd/cmd.h"
#include "enos/deploy.h"
#include "enos/phase.h"
#include "enos/state.h"
#include "enos/topo.h"

struct deploy_opts {
	bool install, force;
};

static int run_deploy(struct enos_ctx *ctx, const struct cmd_args *a)
{
	const struct deploy_opts *o = a->opts;
	struct topology *t = NULL;
	struct world w = { 0 };
	struct exp_info info;
	const char *exp = a->exp;
	char *err = NULL;
	int64_t run = 0;
	int rc;

	if (cli_emu(ctx) < 0 || phase_lock(ctx, exp) < 0)
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
	/* Deployed already (by up, or an earlier deploy): nothing to do
	 * unless asked to start it again. */
	if (deploy_is_deployed(ctx, exp)) {
		if (!o->force) {
			printf("stack '%s' is already deployed on '%s'; 'enos services -n %s' lists it, 'enos deploy --force -n %s' deploys it again\n",
			       t->stack_name, exp, exp, exp);
			goto out;
		}
		printf("stopping the deployed stack '%s' of '%s' to deploy it again (--force)\n",
		       t->stack_name, exp);
		fflush(stdout);
		rc = deploy_down(ctx, exp);
		if (rc < 0)
			goto out;
	}
	if (state_run_begin(ctx->st, exp, "deploy", t->seed, t->has_seed, &run) < 0)
		run = 0;
	rc = deploy_stack(ctx, t, &w, run, o->install);
	if (run)
		state_run_end(ctx->st, run, rc == 0 ? "ok" : "failed");
out:
	free(err);
	topo_free(t);
	state_world_free(&w);
	return rc < 0 ? EXIT_FAIL : EXIT_OK;
}

static const struct cmd_option deploy_options[] = {
	CMD_OPT_EXPERIMENT,
	CMD_OPT_BOOL("install", struct deploy_opts, install),
	CMD_OPT_BOOL("force", struct deploy_opts, force),
	{ 0 },
};

const struct enos_cmd cmd_deploy = {
	.name = "deploy",
	.usage = "[-n NAME] [--install] [--force]",
	.summary = "deploy the topology's stack on an experiment that is up",
	.help =
		"Deploys the stack the topology names (stack: {name, strategy}) from\n"
		"workloads/stacks/NAME.yaml (or $ENOS_STACKS_DIR): places its services by the\n"
		"strategy, writes their files, runs their setup steps, starts each service inside\n"
		"its node in dependency order, waits until each is ready and runs its post steps.\n"
		"Logs go to results/NAME/RUN/services/INSTANCE.log; pids are recorded. Stores the\n"
		"deploy time and the stack's RSS in the run. Refuses a stack whose memory figures\n"
		"do not fit in this host's available memory. A stack deployed already (by 'up'\n"
		"or an earlier deploy) is left as it is, and the command says so.\n\n"
		"  -n, --name NAME  the experiment (may be omitted when only one is up)\n"
		"  --install        apt-get install the stack's packages first\n"
		"  --force          stop a deployed stack's instances and deploy it again\n",
	.flags = CMD_NEEDS_ROOT,
	.exp = CMD_EXP_ONE,
	.options = deploy_options,
	.opts_size = sizeof(struct deploy_opts),
	.run = run_deploy,
};
