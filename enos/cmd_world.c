/* cmd_world — the commands that build, show, enter and remove worlds:
 * `enos up`, `enos down`, `enos status`, `enos exec`. They parse and
 * validate everything first, then call the phases (phase.c) or the node
 * backend.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emulator/emu.h"
#include "emulator/fabric.h"
#include "emulator/node.h"
#include "emulator/world.h"
#include "enos/cli.h"
#include "enos/json.h"
#include "enos/phase.h"
#include "enos/shaping.h"
#include "enos/state.h"
#include "enos/topo.h"

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

static int load_topology(const char *path, struct topology **out)
{
	char *err = NULL;

	*out = topo_load(path, &err);
	if (*out)
		return 0;
	fprintf(stderr, "%s\n", err ? err : "error: out of memory");
	free(err);
	return -EINVAL;
}

int cmd_up(struct enos_ctx *ctx, int argc, char **argv)
{
	struct topology *t = NULL;
	struct cli_args a;
	int rc = cli_parse_args(cli_find_cmd("up"), argc, argv,
				 world_opts, "force no-deploy", &a);

	if (rc)
		return rc < 0 ? EXIT_OK : rc;
	if (argc - a.rest != 1)
		return cli_usage(cli_find_cmd("up"));
	if (load_topology(argv[a.rest], &t) < 0)
		return EXIT_FAIL;
	ctx->no_deploy = a.no_deploy;
	rc = cli_need_root("enos up");
	if (rc == 0)
		rc = phase_up(ctx, t, a.force, "up", NULL);
	if (rc == 0)
		printf("next: 'enos status -n %s', 'enos exec -n %s NODE -- CMD', 'enos down -n %s'\n",
		       t->name, t->name, t->name);
	topo_free(t);
	return rc < 0 ? EXIT_FAIL : EXIT_OK;
}

int cmd_down(struct enos_ctx *ctx, int argc, char **argv)
{
	struct cli_args a;
	char **names = NULL;
	char one[64];
	size_t n = 0, i;
	int rc = cli_parse_args(cli_find_cmd("down"), argc, argv,
				 world_opts, "name all", &a);

	if (rc)
		return rc < 0 ? EXIT_OK : rc;
	if (argc != a.rest || (a.all && a.name))
		return cli_usage(cli_find_cmd("down"));
	rc = cli_need_root("enos down");
	if (rc == 0)
		rc = cli_state(ctx);
	if (rc < 0)
		return EXIT_FAIL;
	if (a.all) {
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
	if (a.name) {
		/* An unrecorded name is swept: down must work after any crash. */
		rc = phase_down(ctx, a.name);
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

/* The engine line of status: "running (pid N)", or why not. */
static const char *engine_text(int state, int pid, char *buf, size_t len)
{
	if (state < 0)
		return NULL;
	if (state > 0)
		snprintf(buf, len, "running (pid %d)", pid);
	else if (pid > 0)
		snprintf(buf, len, "NOT RUNNING: pid %d died or was killed; 'enos tc' restarts it", pid);
	else
		snprintf(buf, len, "NOT RUNNING: none recorded; 'enos tc' starts it");
	return buf;
}

static void print_status_json(struct json *j, const struct exp_info *info,
			      const struct world *w, const char *engine)
{
	char buf[32];
	size_t i;

	json_begin_object(j);
	json_key_str(j, "name", info->name);
	json_key_str(j, "status", info->status);
	json_key_str(j, "tag", info->tag);
	json_key_str(j, "topology", info->topo_path);
	json_key_str(j, "shaping", info->shaping);
	if (engine)
		json_key_str(j, "engine", engine);
	json_key_str(j, "fabric", world_fabric(w)->name);
	json_key(j, "sites");
	json_begin_array(j);
	for (i = 0; i < w->n_sites; i++) {
		const struct world_site *s = &w->sites[i];

		json_begin_object(j);
		json_key_str(j, "name", s->name);
		json_key_str(j, "role", s->role);
		json_key_str(j, "prefix", prefix_format(&s->lan, buf, sizeof(buf)));
		json_key_str(j, "gateway", addr_format(s->gw_lan_addr, buf, sizeof(buf)));
		json_key_str(j, "wan_address", addr_format(s->gw_wan_addr, buf, sizeof(buf)));
		json_key_str(j, "bridge", s->lan_bridge);
		json_end_object(j);
	}
	json_end_array(j);
	json_key(j, "nodes");
	json_begin_array(j);
	for (i = 0; i < w->n_nodes; i++) {
		const struct world_node *n = &w->nodes[i];

		json_begin_object(j);
		json_key_str(j, "name", n->name);
		json_key_str(j, "site", w->sites[n->site].name);
		json_key_str(j, "backend", n->ops->name);
		json_key_str(j, "address", addr_format(n->addr, buf, sizeof(buf)));
		json_key_str(j, "netns", n->netns);
		json_key_str(j, "interface", n->host_if);
		json_end_object(j);
	}
	json_end_array(j);
	json_end_object(j);
}

static void print_status_text(const struct exp_info *info,
			      const struct world *w, const char *engine)
{
	char p[32], g[32];
	size_t i;

	printf("experiment '%s': %s (tag %s, fabric %s, shaping %s)\n",
	       info->name, info->status, info->tag, world_fabric(w)->name,
	       info->shaping);
	printf("topology: %s\n", info->topo_path);
	if (engine)
		printf("%s engine: %s\n", info->shaping_ops->name, engine);
	printf("\n%-20s %-9s %-18s %-15s %s\n", "SITE", "ROLE", "PREFIX",
	       "GATEWAY", "BRIDGE");
	for (i = 0; i < w->n_sites; i++) {
		const struct world_site *s = &w->sites[i];

		printf("%-20s %-9s %-18s %-15s %s\n", s->name, s->role,
		       prefix_format(&s->lan, p, sizeof(p)),
		       addr_format(s->gw_lan_addr, g, sizeof(g)), s->lan_bridge);
	}
	printf("\n%-24s %-20s %-8s %-15s %s\n", "NODE", "SITE", "BACKEND",
	       "ADDRESS", "NETNS");
	for (i = 0; i < w->n_nodes; i++) {
		const struct world_node *n = &w->nodes[i];

		printf("%-24s %-20s %-8s %-15s %s\n", n->name,
		       w->sites[n->site].name, n->ops->name,
		       addr_format(n->addr, p, sizeof(p)), n->netns);
	}
}

static int status_one(struct enos_ctx *ctx, const char *name, struct json *j)
{
	struct world w = { 0 };
	struct exp_info info;
	char ebuf[128];
	const char *engine;
	int rc = state_get(ctx->st, name, &info), pid = 0, alive;

	if (rc == 0)
		rc = state_load_world(ctx->st, name, &w);
	if (rc < 0) {
		cli_error("cannot read experiment '%s': %s", name,
			  state_errmsg(ctx->st));
		goto out;
	}
	alive = shaping_engine_state(ctx, &w, info.shaping_ops, &pid);
	engine = engine_text(alive, pid, ebuf, sizeof(ebuf));
	if (alive == 0)
		cli_error("the %s engine of '%s' is not running: the WAN is down",
			  info.shaping_ops->name, name);
	if (j)
		print_status_json(j, &info, &w, engine);
	else
		print_status_text(&info, &w, engine);
out:
	state_world_free(&w);
	return rc;
}

int cmd_status(struct enos_ctx *ctx, int argc, char **argv)
{
	struct cli_args a;
	struct json j;
	char **names = NULL;
	size_t n = 0, i;
	int rc = cli_parse_args(cli_find_cmd("status"), argc, argv,
				 world_opts, "name json", &a);

	if (rc)
		return rc < 0 ? EXIT_OK : rc;
	if (argc != a.rest)
		return cli_usage(cli_find_cmd("status"));
	if (cli_state(ctx) < 0)
		return EXIT_FAIL;
	json_init(&j, stdout);
	if (a.name) {
		char one[64];

		if (cli_experiment(ctx, a.name, one) < 0)
			return EXIT_FAIL;
		rc = status_one(ctx, one, a.json ? &j : NULL);
		if (a.json)
			json_finish(&j);
		return rc < 0 ? EXIT_FAIL : EXIT_OK;
	}
	rc = state_list(ctx->st, &names, &n);
	if (rc < 0) {
		cli_error("cannot list experiments: %s", state_errmsg(ctx->st));
		return EXIT_FAIL;
	}
	if (n == 1) {
		rc = status_one(ctx, names[0], a.json ? &j : NULL);
	} else if (a.json) {
		/* Several (or none): {"experiments":[...]}. */
		json_begin_object(&j);
		json_key(&j, "experiments");
		json_begin_array(&j);
		for (i = 0; i < n && rc == 0; i++)
			rc = status_one(ctx, names[i], &j);
		json_end_array(&j);
		json_end_object(&j);
	} else if (n == 0) {
		printf("no experiment is up\n");
	} else {
		for (i = 0; i < n && rc == 0; i++) {
			if (i)
				printf("\n");
			rc = status_one(ctx, names[i], NULL);
		}
	}
	if (a.json)
		json_finish(&j);
	state_free_names(names);
	return rc < 0 ? EXIT_FAIL : EXIT_OK;
}

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
