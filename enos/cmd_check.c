/* cmd_check — `enos check TOPOLOGY`: validate without touching the system,
 * show the plan (sites by role, nodes, site pairs, address plan) and what
 * this host can do (emulator/caps.c), as text or JSON.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emulator/caps.h"
#include "emulator/world.h"
#include "enos/cli.h"
#include "enos/json.h"
#include "enos/phase.h"
#include "enos/plan.h"
#include "enos/topo.h"

struct role_counts {
	size_t sites[3];
	size_t backends[3];
};

static void count_roles(const struct topology *t, struct role_counts *c)
{
	size_t i, k;

	memset(c, 0, sizeof(*c));
	for (i = 0; i < t->n_sites; i++) {
		c->sites[t->sites[i].role]++;
		for (k = 0; k < t->sites[i].n_nodes; k++)
			c->backends[t->sites[i].nodes[k].backend]++;
	}
}

static void print_caps_text(const struct caps *caps)
{
	const char *name;
	const struct cap *c;
	size_t i;

	printf("\nhost (kernel %s):\n", caps->kernel);
	for (i = 0; (c = caps_at(caps, i, &name)); i++)
		printf("  %-13s %-8s %s\n", name, c->found ? "found" : "missing",
		       c->why);
}

static void print_text(const struct topology *t, const struct world *w,
		       const struct caps *caps)
{
	struct role_counts rc;
	char p[32], g[32];
	size_t i;

	count_roles(t, &rc);
	printf("topology '%s' (%s) is valid\n", t->name, t->path);
	printf("sites:       %zu (%zu central, %zu regional, %zu edge)\n",
	       t->n_sites, rc.sites[ROLE_CENTRAL], rc.sites[ROLE_REGIONAL],
	       rc.sites[ROLE_EDGE]);
	printf("nodes:       %zu (%zu netns, %zu lxc, %zu qemu)\n", t->n_nodes,
	       rc.backends[BACKEND_NETNS], rc.backends[BACKEND_LXC],
	       rc.backends[BACKEND_QEMU]);
	printf("site pairs:  %zu ordered\n", t->n_sites * (t->n_sites - 1));
	printf("network:     fabric %s, shaping %s, %zu constraint rules%s\n",
	       topo_fabric_name(t->fabric), topo_shaping_name(t->shaping),
	       t->n_rules, t->matrix ? ", a matrix" : "");
	if (t->has_seed)
		printf("seed:        %llu\n", (unsigned long long)t->seed);
	printf("\naddress plan (WAN transit %s):\n",
	       prefix_format(&w->wan, p, sizeof(p)));
	printf("  %-20s %-9s %-18s %-15s %s\n", "SITE", "ROLE", "PREFIX",
	       "GATEWAY", "NODES");
	for (i = 0; i < w->n_sites; i++)
		printf("  %-20s %-9s %-18s %-15s %zu\n", w->sites[i].name,
		       w->sites[i].role,
		       prefix_format(&w->sites[i].lan, p, sizeof(p)),
		       addr_format(w->sites[i].gw_lan_addr, g, sizeof(g)),
		       t->sites[i].n_nodes);
	print_caps_text(caps);
}

static void print_json(const struct topology *t, const struct world *w,
		       const struct caps *caps)
{
	const struct cap *c;
	const char *name;
	struct json j;
	char p[32];
	size_t i;

	json_init(&j, stdout);
	json_begin_object(&j);
	json_key_str(&j, "name", t->name);
	json_key_str(&j, "path", t->path);
	json_key_bool(&j, "valid", true);
	json_key_str(&j, "fabric", topo_fabric_name(t->fabric));
	json_key_str(&j, "shaping", topo_shaping_name(t->shaping));
	json_key_int(&j, "n_sites", (int64_t)t->n_sites);
	json_key_int(&j, "n_nodes", (int64_t)t->n_nodes);
	json_key_int(&j, "site_pairs", (int64_t)(t->n_sites * (t->n_sites - 1)));
	json_key_str(&j, "wan", prefix_format(&w->wan, p, sizeof(p)));
	json_key(&j, "sites");
	json_begin_array(&j);
	for (i = 0; i < w->n_sites; i++) {
		json_begin_object(&j);
		json_key_str(&j, "name", w->sites[i].name);
		json_key_str(&j, "role", w->sites[i].role);
		json_key_str(&j, "prefix", prefix_format(&w->sites[i].lan, p, sizeof(p)));
		json_key_int(&j, "nodes", (int64_t)t->sites[i].n_nodes);
		json_end_object(&j);
	}
	json_end_array(&j);
	json_key(&j, "capabilities");
	json_begin_object(&j);
	json_key_str(&j, "kernel", caps->kernel);
	for (i = 0; (c = caps_at(caps, i, &name)); i++) {
		json_key(&j, name);
		json_begin_object(&j);
		json_key_bool(&j, "found", c->found);
		json_key_str(&j, "why", c->why);
		json_end_object(&j);
	}
	json_end_object(&j);
	json_end_object(&j);
	json_finish(&j);
}

int cmd_check(struct enos_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 },
	};
	const struct enos_cmd *cmd = cli_find_cmd("check");
	struct topology *t = NULL;
	struct world w = { 0 };
	struct caps caps;
	char tag[WORLD_TAG_LEN + 1], *err = NULL;
	bool json = false;
	int opt, status = EXIT_FAIL;

	optind = 0;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		if (opt == 'h') {
			printf("usage: enos check %s\n\n%s", cmd->usage, cmd->help);
			return EXIT_OK;
		} else if (opt == 'j') {
			json = true;
		} else {
			cli_error("unknown option '%s'", argv[optind - 1]);
			return cli_usage(cmd);
		}
	}
	if (argc - optind != 1)
		return cli_usage(cmd);
	t = topo_load(argv[optind], &err);
	if (!t) {
		fprintf(stderr, "%s\n", err ? err : "error: out of memory");
		free(err);
		return EXIT_FAIL;
	}
	world_tag(t->name, 0, tag);
	if (plan_world(t, tag, &w) < 0) {
		cli_error("cannot plan '%s'", t->name);
		goto out;
	}
	caps_probe(&caps);
	if (json)
		print_json(t, &w, &caps);
	else
		print_text(t, &w, &caps);
	/* What `up` would refuse or leave out, as notes on stderr: the
	 * topology itself is valid. */
	phase_check_supported(t, json ? SUPPORT_QUIET : SUPPORT_AS_NOTES);
	status = EXIT_OK;
out:
	plan_release(&w);
	topo_free(t);
	(void)ctx;
	return status;
}
