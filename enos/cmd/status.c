/* status — `enos status [-n NAME] [--json]`: the recorded experiments,
 * their sites, nodes and addresses, and whether a wand engine still runs.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "emulator/fabric.h"
#include "emulator/node.h"
#include "emulator/world.h"
#include "enos/cli.h"
#include "enos/cmd/cmd.h"
#include "enos/json.h"
#include "enos/nodefault.h"
#include "enos/shaping.h"
#include "enos/state.h"

struct status_opts {
	bool json;
};

/* The engine line of status: "running (pid N)", or why not. STATUS: the
 * experiment's when it is not up (NULL when it is). */
static const char *engine_text(int state, int pid, const char *status,
			       char *buf, size_t len)
{
	if (state < 0)
		return NULL;
	if (state > 0)
		snprintf(buf, len, "running (pid %d)", pid);
	else if (status)
		snprintf(buf, len, "not running (the experiment is '%s')", status);
	else if (pid > 0)
		snprintf(buf, len, "NOT RUNNING: pid %d died or was killed; 'enos tc' restarts it", pid);
	else
		snprintf(buf, len, "NOT RUNNING: none recorded; 'enos tc' starts it");
	return buf;
}

static void print_hosts(struct enos_ctx *ctx, const char *name, struct json *j);
static void print_node_faults(struct enos_ctx *ctx, const char *name,
			      const struct world *w, struct json *j);

static void print_status_json(struct json *j, const struct exp_info *info,
			      const struct world *w, const char *engine,
			      struct enos_ctx *ctx)
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
	print_hosts(ctx, info->name, j);
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
		json_key_str(j, "profile", n->profile);
		if (n->cpu_milli)
			json_key_double(j, "cpu", n->cpu_milli / 1000.0);
		if (n->memory_bytes)
			json_key_int(j, "memory_bytes", (int64_t)n->memory_bytes);
		if (n->pids)
			json_key_int(j, "pids", (int64_t)n->pids);
		json_end_object(j);
	}
	json_end_array(j);
	print_node_faults(ctx, info->name, w, j);
	json_end_object(j);
}

/* BYTES as "1GiB", "64MiB" or "512KiB" (the largest unit it is whole in). */
static const char *mem_text(uint64_t bytes, char *buf, size_t len)
{
	if (bytes % (1ull << 30) == 0)
		snprintf(buf, len, "%lluGiB", (unsigned long long)(bytes >> 30));
	else if (bytes % (1ull << 20) == 0)
		snprintf(buf, len, "%lluMiB", (unsigned long long)(bytes >> 20));
	else
		snprintf(buf, len, "%lluKiB", (unsigned long long)(bytes >> 10));
	return buf;
}

/* N's profile in a column: "rpi4 (cpu 0.5, memory 1GiB, pids 512)", the
 * limits alone without a name, "-" without any. */
static const char *profile_text(const struct world_node *n, char *buf,
				size_t len)
{
	char mem[32];
	size_t off = 0;

	if (!n->cpu_milli && !n->memory_bytes && !n->pids) {
		snprintf(buf, len, "-");
		return buf;
	}
	mem_text(n->memory_bytes, mem, sizeof(mem));
	buf[0] = '\0';
	if (n->profile)
		off += (size_t)snprintf(buf, len, "%s (", n->profile);
	if (n->cpu_milli && off < len)
		off += (size_t)snprintf(buf + off, len - off, "cpu %g",
					n->cpu_milli / 1000.0);
	if (n->memory_bytes && off < len)
		off += (size_t)snprintf(buf + off, len - off, "%smemory %s",
					n->cpu_milli ? ", " : "", mem);
	if (n->pids && off < len)
		off += (size_t)snprintf(buf + off, len - off, "%spids %llu",
					n->cpu_milli || n->memory_bytes ? ", " : "",
					(unsigned long long)n->pids);
	if (n->profile && off < len)
		snprintf(buf + off, len - off, ")");
	return buf;
}

static void print_status_text(const struct exp_info *info,
			      const struct world *w, const char *engine)
{
	char p[32], g[32], prof[128];
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
	printf("\n%-24s %-20s %-8s %-15s %-40s %s\n", "NODE", "SITE",
	       "BACKEND", "ADDRESS", "NETNS", "PROFILE");
	for (i = 0; i < w->n_nodes; i++) {
		const struct world_node *n = &w->nodes[i];

		printf("%-24s %-20s %-8s %-15s %-40s %s\n", n->name,
		       w->sites[n->site].name, n->ops->name,
		       addr_format(n->addr, p, sizeof(p)), n->netns,
		       profile_text(n, prof, sizeof(prof)));
	}
}

/* The hosts of a spread world (issue 14): each one's status and what is
 * recorded on it. Nothing for a world on this host alone. */
static void print_hosts(struct enos_ctx *ctx, const char *name, struct json *j)
{
	struct state_host *h = NULL;
	size_t n = 0, i;

	if (state_hosts(ctx->st, name, &h, &n) < 0 || !n) {
		free(h);
		return;
	}
	if (j) {
		json_key(j, "hosts");
		json_begin_array(j);
	} else {
		printf("\n");
	}
	for (i = 0; i < n; i++) {
		if (!j) {
			printf("host %s (%s, %s): %s, %zu site%s, %zu node%s, %zu objects recorded%s%s\n",
			       h[i].name, h[i].ssh, h[i].address, h[i].status,
			       h[i].n_sites, h[i].n_sites == 1 ? "" : "s",
			       h[i].n_nodes, h[i].n_nodes == 1 ? "" : "s",
			       h[i].n_objects, h[i].error[0] ? ": " : "",
			       h[i].error);
			continue;
		}
		json_begin_object(j);
		json_key_str(j, "name", h[i].name);
		json_key_str(j, "ssh", h[i].ssh);
		json_key_str(j, "address", h[i].address);
		json_key_str(j, "status", h[i].status);
		json_key_str(j, "error", h[i].error);
		json_key_int(j, "sites", (int64_t)h[i].n_sites);
		json_key_int(j, "nodes", (int64_t)h[i].n_nodes);
		json_key_int(j, "objects", (int64_t)h[i].n_objects);
		json_end_object(j);
	}
	if (j)
		json_end_array(j);
	free(h);
}

/* The node faults active on W's nodes (`enos fault cpu|memory|freeze|
 * stress`, live or from the timeline): for each node that has one, what
 * it is now (nodefault_state: its cpu and memory limits, frozen, and the
 * stress workers running in it) and the faults themselves with their ids
 * and start. Nothing when none is active. */
static void print_node_faults(struct enos_ctx *ctx, const char *name,
			      const struct world *w, struct json *j)
{
	struct state_fault *rows = NULL;
	size_t n = 0, i, k, shown = 0;
	double now = (double)time(NULL);

	if (state_faults(ctx->st, name, 0, true, &rows, &n) < 0) {
		cli_warning("cannot read the faults of '%s': %s", name,
			    state_errmsg(ctx->st));
		return;
	}
	if (j) {
		json_key(j, "node_faults");
		json_begin_array(j);
	}
	for (i = 0; i < w->n_nodes; i++) {
		const struct world_node *nd = &w->nodes[i];
		struct node_state st;
		int64_t workers = 0;
		size_t active = 0;
		char state[160], faults[512], mem[32];
		size_t off = 0, foff = 0;

		for (k = 0; k < n; k++) {
			if (strcmp(rows[k].node, nd->name))
				continue;
			active++;
			if (!strcmp(rows[k].action, "stress"))
				workers += rows[k].amount;
		}
		if (!active)
			continue;
		nodefault_state(nd, rows, n, &st);
		if (j) {
			json_begin_object(j);
			json_key_str(j, "node", nd->name);
			json_key(j, "cpu");
			if (st.cpu_milli)
				json_double(j, st.cpu_milli / 1000.0);
			else
				json_null(j);
			json_key(j, "memory_bytes");
			if (st.memory_bytes)
				json_int(j, (int64_t)st.memory_bytes);
			else
				json_null(j);
			json_key_bool(j, "frozen", st.frozen);
			json_key_int(j, "stress_workers", workers);
			json_key(j, "faults");
			json_begin_array(j);
		}
		state[0] = faults[0] = '\0';
		if (st.cpu_milli)
			off += (size_t)snprintf(state + off, sizeof(state) - off,
						"cpu %g", st.cpu_milli / 1000.0);
		if (st.memory_bytes && off < sizeof(state))
			off += (size_t)snprintf(state + off, sizeof(state) - off,
						"%smemory %s", off ? ", " : "",
						mem_text(st.memory_bytes, mem, sizeof(mem)));
		if (st.frozen && off < sizeof(state))
			off += (size_t)snprintf(state + off, sizeof(state) - off,
						"%sfrozen", off ? ", " : "");
		if (workers && off < sizeof(state))
			snprintf(state + off, sizeof(state) - off,
				 "%sstress %lld worker%s", off ? ", " : "",
				 (long long)workers, workers == 1 ? "" : "s");
		for (k = 0; k < n; k++) {
			if (strcmp(rows[k].node, nd->name))
				continue;
			if (j) {
				json_begin_object(j);
				json_key_int(j, "id", rows[k].id);
				json_key_str(j, "action", rows[k].action);
				json_key_str(j, "detail", rows[k].detail);
				json_key_double(j, "applied", rows[k].applied);
				json_end_object(j);
			} else if (foff < sizeof(faults)) {
				foff += (size_t)snprintf(faults + foff, sizeof(faults) - foff,
							 "%s#%lld %s %s (%.0fs)",
							 foff ? ", " : "",
							 (long long)rows[k].id,
							 rows[k].action, rows[k].detail,
							 now - rows[k].applied);
			}
		}
		if (j) {
			json_end_array(j);
			json_end_object(j);
			continue;
		}
		if (!shown++)
			printf("\n%-24s %-40s %s\n", "NODE FAULTS", "NOW",
			       "ACTIVE (id, action, since)");
		printf("%-24s %-40s %s\n", nd->name, state[0] ? state : "-", faults);
	}
	if (j)
		json_end_array(j);
	free(rows);
}

static int status_one(struct enos_ctx *ctx, const char *name, struct json *j)
{
	struct world w = { 0 };
	struct exp_info info;
	char ebuf[128], pbuf[160];
	const char *engine;
	int rc = state_get(ctx->st, name, &info), pid = 0, alive;
	bool up;

	if (rc == 0)
		rc = state_load_world(ctx->st, name, &w);
	if (rc < 0) {
		cli_error("cannot read experiment '%s': %s", name,
			  state_errmsg(ctx->st));
		goto out;
	}
	/* Only an experiment that is up promises an engine: one being built
	 * (or left by a failure) without it is no news. */
	up = strcmp(info.status, EXP_UP) == 0;
	alive = shaping_engine_state(ctx, &w, info.shaping_ops, &pid);
	engine = engine_text(alive, pid, up ? NULL : info.status, ebuf, sizeof(ebuf));
	if (alive == 0 && up)
		cli_error("the %s engine of '%s' is not running: the WAN is down",
			  info.shaping_ops->name, name);
	/* A backend without an engine may have a trace player (netem). */
	if (!engine && info.shaping_ops->trace_play &&
	    (alive = shaping_player_state(ctx, name, &pid)) >= 0) {
		snprintf(pbuf, sizeof(pbuf), "trace player %s",
			 engine_text(alive, pid, up ? NULL : info.status, ebuf,
				     sizeof(ebuf)));
		engine = pbuf;
		if (alive == 0 && up)
			cli_error("the trace player of '%s' is not running: its traced pairs hold one step",
				  name);
	}
	if (j)
		print_status_json(j, &info, &w, engine, ctx);
	else
		print_status_text(&info, &w, engine);
	if (!j) {
		print_hosts(ctx, name, NULL);
		print_node_faults(ctx, name, &w, NULL);
	}
out:
	state_world_free(&w);
	return rc;
}

static int run_status(struct enos_ctx *ctx, const struct cmd_args *a)
{
	const struct status_opts *o = a->opts;
	struct json j;
	char **names = NULL;
	size_t n = 0, i;
	int rc = 0;

	if (cli_state(ctx) < 0)
		return EXIT_FAIL;
	json_init(&j, stdout);
	if (a->name) {
		rc = status_one(ctx, a->exp, o->json ? &j : NULL);
		if (o->json)
			json_finish(&j);
		return rc < 0 ? EXIT_FAIL : EXIT_OK;
	}
	rc = state_list(ctx->st, &names, &n);
	if (rc < 0) {
		cli_error("cannot list experiments: %s", state_errmsg(ctx->st));
		return EXIT_FAIL;
	}
	if (n == 1) {
		rc = status_one(ctx, names[0], o->json ? &j : NULL);
	} else if (o->json) {
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
	if (o->json)
		json_finish(&j);
	state_free_names(names);
	return rc < 0 ? EXIT_FAIL : EXIT_OK;
}

static const struct cmd_option status_options[] = {
	CMD_OPT_EXPERIMENT,
	CMD_OPT_BOOL("json", struct status_opts, json),
	{ 0 },
};

/* Without -n, every recorded experiment. */
const struct enos_cmd cmd_status = {
	.name = "status",
	.usage = "[-n NAME] [--json]",
	.summary = "show experiments, their sites, nodes and addresses",
	.help =
		"Without -n shows the only experiment, or every recorded one.\n\n"
		"  -n, --name NAME  the experiment\n"
		"  --json           {\"name\",\"sites\":[{\"name\",\"role\",\"prefix\"}],\"nodes\":[{\"name\",\"site\",\"backend\",\"address\",\"profile\",\"cpu\",\"memory_bytes\",\"pids\"}],\n"
		"                    \"node_faults\":[{\"node\",\"cpu\",\"memory_bytes\",\"frozen\",\"stress_workers\",\"faults\":[{\"id\",\"action\",\"detail\",\"applied\"}]}]}\n",
	.exp = CMD_EXP_NAMED,
	.options = status_options,
	.opts_size = sizeof(struct status_opts),
	.run = run_status,
};
