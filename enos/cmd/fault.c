/* cmd_fault — `enos fault`: inject and remove faults on a running
 * experiment by hand, and list them.
 *
 *   enos fault [-n NAME] partition A,B [/ C,D]
 *   enos fault [-n NAME] heal [A,B]
 *   enos fault [-n NAME] set SRC DST KEY=VALUE...
 *   enos fault [-n NAME] list [--all]
 *   enos fault [-n NAME] cpu NODE CORES | memory NODE SIZE | freeze NODE |
 *                        thaw NODE | crash NODE | stress NODE cpu=N
 *   enos fault [-n NAME] clear [NODE]
 * A bad fault (unknown site or node, impossible value) is refused before
 * anything changes. The node faults are enos/nodefault.c's.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "enos/cli.h"
#include "enos/cmd/cmd.h"
#include "enos/fault.h"
#include "enos/inject.h"
#include "enos/nodefault.h"
#include "enos/shaping.h"
#include "enos/state.h"

static void print_time(double t)
{
	char buf[32];
	time_t s = (time_t)t;
	struct tm tm;

	localtime_r(&s, &tm);
	strftime(buf, sizeof(buf), "%H:%M:%S", &tm);
	printf("%s.%03d", buf, (int)((t - (double)s) * 1000));
}

static int fault_list(struct enos_ctx *ctx, struct shaped_exp *e, bool all)
{
	struct state_fault *f = NULL;
	size_t n = 0, i;
	int rc = state_faults(ctx->st, e->w.name, 0, !all, &f, &n);

	if (rc < 0) {
		cli_error("cannot read the faults of '%s': %s", e->w.name,
			  state_errmsg(ctx->st));
		return rc;
	}
	if (n == 0)
		printf("no %sfaults on '%s'\n", all ? "" : "active ", e->w.name);
	for (i = 0; i < n; i++) {
		printf("%-5lld %-9s %-40s applied ", (long long)f[i].id,
		       f[i].action, f[i].detail);
		print_time(f[i].applied);
		if (!isnan(f[i].removed)) {
			printf(" removed ");
			print_time(f[i].removed);
		}
		printf("\n");
	}
	free(f);
	return 0;
}

static int fault_heal(struct enos_ctx *ctx, struct shaped_exp *e, int argc,
		      char **argv)
{
	bool *sites = NULL;
	struct live_fault lf;
	char *err = NULL;
	size_t ended = 0;
	int rc;

	if (argc > 1) {
		/* "heal A,B" names sites the way a partition does. */
		argv[0] = (char *)"partition";
		rc = fault_parse(e->t, argc, argv, &lf, &err);
		argv[0] = (char *)"heal";
		if (rc < 0) {
			cli_error("%s", err ? err : strerror(-rc));
			free(err);
			return rc;
		}
		sites = lf.group_a;
		lf.group_a = NULL;
		live_fault_release(&lf);
	}
	rc = inject_heal(ctx, e, sites, 0, &ended);
	if (rc == 0)
		printf("healed %zu partition%s of '%s'\n", ended,
		       ended == 1 ? "" : "s", e->w.name);
	free(sites);
	return rc;
}

static int fault_inject(struct enos_ctx *ctx, struct shaped_exp *e, int argc,
			char **argv)
{
	struct live_fault lf;
	char *err = NULL, *detail = NULL;
	int64_t id = 0;
	int rc;

	rc = fault_parse(e->t, argc, argv, &lf, &err);
	if (rc < 0) {
		cli_error("%s", err ? err : strerror(-rc));
		if (err && strstr(err, "unknown site"))
			cli_hint("'enos status -n %s' lists the sites", e->w.name);
		free(err);
		return rc;
	}
	detail = fault_join(argc - 1, argv + 1);
	rc = detail ? inject_fault(ctx, e, &lf, detail, 0, &id) : -ENOMEM;
	if (rc == 0)
		printf("fault %lld applied to '%s': %s %s\n", (long long)id,
		       e->w.name, argv[0], detail);
	live_fault_release(&lf);
	free(detail);
	return rc;
}

/* cpu, memory, freeze, thaw, crash, stress on one node. */
static int fault_node(struct enos_ctx *ctx, struct shaped_exp *e, int argc,
		      char **argv)
{
	struct node_fault nf;
	char *err = NULL, *detail = NULL;
	size_t ended = 0;
	int64_t id = 0;
	int rc;

	rc = nodefault_parse(&e->w, argc, argv, &nf, &err);
	if (rc < 0) {
		cli_error("%s", err ? err : strerror(-rc));
		if (err && strstr(err, "unknown node"))
			cli_hint("'enos status -n %s' lists the nodes", e->w.name);
		free(err);
		return rc;
	}
	if (nf.action == FAULT_THAW) {
		rc = nodefault_end(ctx, e, 0, nf.node, true, &ended);
		if (rc == 0)
			printf("thawed node '%s' of '%s' (%zu freeze%s ended)\n",
			       nf.node->name, e->w.name, ended,
			       ended == 1 ? "" : "s");
		return rc;
	}
	detail = nodefault_detail(&nf);
	rc = detail ? nodefault_inject(ctx, e, &nf, detail, 0, &id) : -ENOMEM;
	if (rc == 0)
		printf("fault %lld applied to '%s': %s %s\n", (long long)id,
		       e->w.name, argv[0], detail);
	free(detail);
	return rc;
}

/* clear [NODE]: end the node faults, restoring each node's profile. */
static int fault_clear(struct enos_ctx *ctx, struct shaped_exp *e, int argc,
		       char **argv)
{
	const struct world_node *node = NULL;
	size_t ended = 0, i;
	int rc;

	if (argc > 2) {
		cli_error("usage: clear [NODE]");
		return -EINVAL;
	}
	for (i = 0; argc == 2 && i < e->w.n_nodes && !node; i++)
		if (!strcmp(e->w.nodes[i].name, argv[1]))
			node = &e->w.nodes[i];
	if (argc == 2 && !node) {
		cli_error("unknown node '%s'", argv[1]);
		cli_hint("'enos status -n %s' lists the nodes", e->w.name);
		return -EINVAL;
	}
	rc = nodefault_end(ctx, e, 0, node, false, &ended);
	if (rc == 0)
		printf("cleared %zu node fault%s of '%s'%s%s\n", ended,
		       ended == 1 ? "" : "s", e->w.name, node ? " on " : "",
		       node ? node->name : "");
	return rc;
}

static int run_fault(struct enos_ctx *ctx, const struct cmd_args *a)
{
	int argc = a->argc;
	char **argv = a->argv;
	struct shaped_exp e;
	int rc;

	rc = shaped_open(ctx, a->exp, &e);
	if (rc == 0) {
		if (!strcmp(argv[0], "list"))
			rc = fault_list(ctx, &e, argc > 1 && !strcmp(argv[1], "--all"));
		else if (!strcmp(argv[0], "heal"))
			rc = fault_heal(ctx, &e, argc, argv);
		else if (!strcmp(argv[0], "clear"))
			rc = fault_clear(ctx, &e, argc, argv);
		else if (nodefault_action(argv[0]) >= 0 &&
			 nodefault_is((enum fault_action)nodefault_action(argv[0])))
			rc = fault_node(ctx, &e, argc, argv);
		else
			rc = fault_inject(ctx, &e, argc, argv);
	}
	shaped_close(&e);
	return rc < 0 ? EXIT_FAIL : EXIT_OK;
}

static int validate_fault(const struct enos_cmd *c, struct cmd_args *a)
{
	const char *what = a->argv[0];

	if (nodefault_action(what) < 0 && strcmp(what, "list") &&
	    strcmp(what, "clear")) {
		cli_error("unknown fault '%s' (use partition, heal, set, cpu, memory, freeze, thaw, crash, stress, clear or list)",
			  what);
		return cli_usage(c);
	}
	return 0;
}

static const struct cmd_option fault_options[] = {
	CMD_OPT_EXPERIMENT,
	{ 0 },
};

/* Options come first; the fault's words may look like anything. */
const struct enos_cmd cmd_fault = {
	.name = "fault",
	.usage = "[-n NAME] partition A,B [/ C,D] | heal [A,B] | set SRC DST KEY=VALUE... | cpu NODE CORES | memory NODE SIZE | freeze NODE | thaw NODE | crash NODE | stress NODE cpu=N | clear [NODE] | list [--all]",
	.summary = "inject or remove faults live",
	.help =
		"  partition A,B / C,D   drop everything between the two groups of sites, both ways\n"
		"  partition A,B         cut A,B from every other site\n"
		"  heal [A,B]            end the partitions (touching A,B), restoring the WAN\n"
		"  set SRC DST K=V...    change the pair both ways: delay, rtt, jitter, distribution,\n"
		"                        correlation, loss, loss_burst, rate, queue (e.g. loss=5%)\n"
		"  cpu NODE CORES        the node's cpu limit now CORES host cores (e.g. 0.1)\n"
		"  memory NODE SIZE      the node's memory limit now SIZE (e.g. 256MiB)\n"
		"  freeze NODE           stop every process of the node; thaw NODE resumes them\n"
		"  crash NODE            kill every process of the node (its services fail;\n"
		"                        'enos service start' brings them back)\n"
		"  stress NODE cpu=N     N CPU workers of stress-ng in the node\n"
		"  clear [NODE]          end the node faults (on NODE): its profile's limits,\n"
		"                        thawed, stressors stopped\n"
		"  list [--all]          the active (or all) faults with their times\n"
		"Sites are names, base names of counted sites, or role:X; SRC/DST may be '*'.\n"
		"Every fault is recorded with the time it was applied and removed.\n",
	.flags = CMD_NEEDS_ROOT,
	.exp = CMD_EXP_ONE,
	.min_args = 1,
	.max_args = CMD_ARGS_ANY,
	.options = fault_options,
	.validate = validate_fault,
	.run = run_fault,
};
