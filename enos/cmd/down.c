/* down — `enos down [-n NAME | --all]`: remove everything an experiment
 * made (phase.c), recorded or not.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>

#include "enos/cli.h"
#include "enos/cmd/cmd.h"
#include "enos/phase.h"
#include "enos/state.h"

struct down_opts {
	bool all;
};

static int run_down(struct enos_ctx *ctx, const struct cmd_args *a)
{
	const struct down_opts *o = a->opts;
	char **names = NULL;
	char one[64];
	size_t n = 0, i;
	int rc;

	if (cli_state(ctx) < 0)
		return EXIT_FAIL;
	if (o->all) {
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
	if (a->name) {
		/* An unrecorded name is swept: down must work after any crash. */
		rc = phase_down(ctx, a->name);
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

/* -n NAME and --all exclude each other. */
static int validate_down(const struct enos_cmd *c, struct cmd_args *a)
{
	const struct down_opts *o = a->opts;

	return o->all && a->name ? cli_usage(c) : 0;
}

static const struct cmd_option down_options[] = {
	CMD_OPT_EXPERIMENT,
	CMD_OPT_BOOL("all", struct down_opts, all),
	{ 0 },
};

/* The experiment is not selected for down: an unrecorded name is swept. */
const struct enos_cmd cmd_down = {
	.name = "down",
	.usage = "[-n NAME | --all]",
	.summary = "remove everything an experiment made",
	.help =
		"Removes the experiment's namespaces, links and bridges from the recorded state\n"
		"plus a sweep of its name prefix, and forgets it (its results stay). Works after\n"
		"a crash or SIGKILL of 'enos up'; already gone is success.\n\n"
		"  -n, --name NAME  the experiment (may be omitted when only one is up)\n"
		"  --all            every recorded experiment\n",
	.flags = CMD_NEEDS_ROOT,
	.options = down_options,
	.opts_size = sizeof(struct down_opts),
	.validate = validate_down,
	.run = run_down,
};
