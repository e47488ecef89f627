/* services — `enos services [-n NAME] [--json]`: the service instances of
 * an experiment and their state (deploy.c).
 */
#include <stddef.h>

#include "enos/cli.h"
#include "enos/cmd/cmd.h"
#include "enos/deploy.h"

struct services_opts {
	bool json;
};

static int run_services(struct enos_ctx *ctx, const struct cmd_args *a)
{
	const struct services_opts *o = a->opts;

	return deploy_list(ctx, a->exp, o->json) < 0 ? EXIT_FAIL : EXIT_OK;
}

static const struct cmd_option services_options[] = {
	CMD_OPT_EXPERIMENT,
	CMD_OPT_BOOL("json", struct services_opts, json),
	{ 0 },
};

const struct enos_cmd cmd_services = {
	.name = "services",
	.usage = "[-n NAME] [--json]",
	.summary = "list the service instances of an experiment",
	.help =
		"Lists each instance with its service, node, site, address, pid, state\n"
		"(starting, running, failed, stopped), uptime and RSS. An instance whose process\n"
		"died is shown as failed with its exit status; enos never restarts one by itself.\n"
		"PORTS are those its processes serve on (TCP listening, UDP bound), recorded once\n"
		"it was ready: what 'enos traffic' names services by.\n\n"
		"  -n, --name NAME  the experiment\n"
		"  --json           {\"services\":[{\"name\",\"service\",\"node\",\"site\",\"address\",\"pid\",\n"
		"                   \"state\",\"exit_status\",\"uptime_s\",\"rss_bytes\",\"log\",\n"
		"                   \"ports\":[{\"proto\",\"port\"}]}]}\n",
	.exp = CMD_EXP_ONE,
	.options = services_options,
	.opts_size = sizeof(struct services_opts),
	.run = run_services,
};
