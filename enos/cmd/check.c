/* cmd_check — `enos check TOPOLOGY`: validate without touching the system,
 * show the plan (sites by role, nodes, site pairs, address plan) and what
 * this host can do (emulator/caps.c), as text or JSON. With --pairs, the
 * WAN as enos/resolve.c resolves it: one row per ordered site pair.
 *
 * `enos check SWEEP`: a file with a top-level `axes` key is a sweep
 * (enos/sweep.h): every value and every point is applied and validated
 * through the topology loader, the stack's strategies are checked, and
 * the plan is shown: points, (point, repetition) pairs, which pairs reuse
 * the world, and a duration estimated from past runs in the database.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "emulator/caps.h"
#include "emulator/fabric.h"
#include "emulator/node.h"
#include "emulator/shape.h"
#include "emulator/trace.h"
#include "emulator/world.h"
#include "enos/bench.h"
#include "emulator/cgroup.h"
#include "enos/capacity.h"
#include "enos/cli.h"
#include "enos/cmd/cmd.h"
#include "enos/deploy.h"
#include "enos/host.h"
#include "enos/json.h"
#include "enos/phase.h"
#include "enos/placement.h"
#include "enos/plan.h"
#include "enos/resolve.h"
#include "enos/state.h"
#include "enos/sweep.h"
#include "enos/sweep_loop.h"
#include "enos/sweep_world.h"
#include "enos/topo.h"
#include "util/fs.h"
#include "util/str.h"
#include "util/strbuf.h"

#define BACKENDS_MAX 8

struct role_counts {
	size_t sites[3];
	size_t backends[BACKENDS_MAX];  /* per node_ops_at() index */
};

static void count_roles(const struct topology *t, struct role_counts *c)
{
	const struct node_ops *ops;
	size_t i, k, b;

	memset(c, 0, sizeof(*c));
	for (i = 0; i < t->n_sites; i++) {
		c->sites[t->sites[i].role]++;
		for (k = 0; k < t->sites[i].n_nodes; k++)
			for (b = 0; b < BACKENDS_MAX && (ops = node_ops_at(b)); b++)
				if (t->sites[i].nodes[k].backend == ops)
					c->backends[b]++;
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

/* BYTES in MiB or GiB, one decimal (capacity.c's way). */
static const char *mem_text(uint64_t bytes, char *buf, size_t len)
{
	if (bytes >= (10ull << 30))
		snprintf(buf, len, "%.1f GiB", (double)bytes / (1ull << 30));
	else
		snprintf(buf, len, "%.1f MiB", (double)bytes / (1ull << 20));
	return buf;
}

/* Host H's part of the world against its declared memory: capacity_check's
 * message into MSG; 1 when no memory is declared (MSG says so). */
static int host_fit(const struct topology *t, const struct placement *pl,
		    size_t h, char *msg, size_t len)
{
	const struct topo_host *d = pl->hosts[h].decl;
	char need[32];

	if (!d || !d->memory_bytes) {
		snprintf(msg, len, "its part needs about %s; its memory is not declared ('enos hosts %s' asks the host)",
			 mem_text(pl->hosts[h].need.memory, need, sizeof(need)),
			 t->path);
		return 1;
	}
	return placement_fits(pl, h, d->memory_bytes, "declared", 0, msg, len);
}

/* `hosts:`: where each site goes (placement.h) and whether each host's
 * part fits its declared memory. */
/* The path MTU between every two hosts (PATHS: phase_hosts_paths; NULL
 * with fewer than two hosts), and the WAN's inner MTU it leaves: what up
 * sets on the tunnel and the gateways, so nothing is fragmented without
 * a word. */
static void print_paths_text(const struct topology *t,
			     const struct host_path *paths)
{
	size_t n = t->n_hosts, a, b;
	long inner = -1;

	if (!paths)
		return;
	printf("\npath MTU between hosts (asked of each over ssh, 'mtu'):\n");
	for (a = 0; a < n; a++)
		for (b = 0; b < n; b++) {
			const struct host_path *p = &paths[a * n + b];

			if (a == b)
				continue;
			if (p->mtu < 0) {
				printf("  %s -> %s: not found: %s\n", t->hosts[a].name,
				       t->hosts[b].name, p->error[0] ? p->error : "no answer");
				continue;
			}
			printf("  %s -> %s: %ld, %ld inside the tunnel\n",
			       t->hosts[a].name, t->hosts[b].name, p->mtu, p->inner);
			if (inner < 0 || p->inner < inner)
				inner = p->inner;
		}
	if (inner > 0)
		printf("  the WAN's inner MTU at up: %ld (the tunnel and every gateway's wan0; the VXLAN device never fragments: df set)\n",
		       inner);
}

static void print_placement_text(const struct topology *t,
				 const struct placement *pl)
{
	char msg[512];
	size_t h, i, pinned = 0;
	int wn = 4;

	for (h = 0; h < pl->n_hosts; h++) {
		pinned += pl->hosts[h].n_pinned;
		if ((int)strlen(pl->hosts[h].name) > wn)
			wn = (int)strlen(pl->hosts[h].name);
	}
	printf("\nplacement (%s; %zu site%s placed by 'host:'):\n",
	       t->placement == PLACEMENT_BALANCE ? "auto: balance" : "by site",
	       pinned, pinned == 1 ? "" : "s");
	printf("  %-*s %-16s %-28s %-6s %-6s %s\n", wn, "HOST", "ADDRESS", "SSH",
	       "SITES", "NODES", "SITES PLACED");
	for (h = 0; h < pl->n_hosts; h++) {
		const struct topo_host *d = pl->hosts[h].decl;
		size_t shown = 0;

		printf("  %-*s %-16s %-28s %-6zu %-6zu ", wn, pl->hosts[h].name,
		       d->address, d->ssh, pl->hosts[h].n_sites,
		       pl->hosts[h].need.nodes);
		for (i = 0; i < t->n_sites; i++) {
			if (pl->host_of[i] != h)
				continue;
			if (shown == 8) {
				printf(", ...");
				break;
			}
			printf("%s%s", shown++ ? ", " : "", t->sites[i].name);
		}
		printf("%s\n", shown ? "" : "-");
	}
	printf("\nmemory per host:\n");
	for (h = 0; h < pl->n_hosts; h++) {
		int rc = host_fit(t, pl, h, msg, sizeof(msg));

		printf("  %-*s %s%s\n", wn, pl->hosts[h].name,
		       rc < 0 ? "DOES NOT FIT: " : "", msg);
	}
	for (h = 0; h < pl->n_hosts; h++)
		if (host_fit(t, pl, h, msg, sizeof(msg)) < 0) {
			fflush(stdout);
			cli_warning("host '%s' cannot hold its part of '%s': %s",
				    pl->hosts[h].name, t->name, msg);
		}
}


/* Each site's lan, in the constraint language's canonical text, and how
 * it is shaped (the loader refused a backend that cannot). */
static void print_lans(const struct topology *t)
{
	struct strbuf sb = STRBUF_INIT;
	size_t i;

	for (i = 0; i < t->n_sites; i++) {
		const struct site *s = &t->sites[i];

		/* A counted site once, by its base name. */
		if (!s->has_lan || (s->base && i > 0 && t->sites[i - 1].base &&
				    !strcmp(s->base, t->sites[i - 1].base)))
			continue;
		strbuf_reset(&sb);
		constraint_format(&s->lan, &sb);
		printf("lan:         site %s: %s (%s)\n",
		       s->base ? s->base : s->name,
		       sb.err || !sb.len ? "a plain switch" : sb.buf,
		       !t->shaping ? "netem on its bridge ports, or the wand engine as its switch" :
		       t->shaping->lan_engine ? "the wand engine is its switch" :
		       "netem on its bridge ports");
	}
	strbuf_release(&sb);
}
static void print_text(const struct topology *t, const struct world *w,
		       const struct caps *caps, const struct placement *pl,
		       const struct host_path *paths)
{
	const struct node_ops *ops;
	struct role_counts rc;
	char p[32], g[32];
	size_t i, b;

	count_roles(t, &rc);
	printf("topology '%s' (%s) is valid\n", t->name, t->path);
	printf("sites:       %zu (%zu central, %zu regional, %zu edge)\n",
	       t->n_sites, rc.sites[ROLE_CENTRAL], rc.sites[ROLE_REGIONAL],
	       rc.sites[ROLE_EDGE]);
	printf("nodes:       %zu (", t->n_nodes);
	for (b = 0; b < BACKENDS_MAX && (ops = node_ops_at(b)); b++)
		printf("%s%zu %s", b ? ", " : "", rc.backends[b], ops->name);
	printf(")\n");
	printf("site pairs:  %zu ordered\n", t->n_sites * (t->n_sites - 1));
	printf("network:     fabric %s, shaping %s, %zu constraint rules%s\n",
	       t->fabric->name, topo_shaping_name(t->shaping),
	       t->n_rules, t->matrix ? ", a matrix" : "");
	if (t->has_seed)
		printf("seed:        %llu\n", (unsigned long long)t->seed);
	print_lans(t);
	printf("\naddress plan (WAN transit %s):\n",
	       prefix_format(&w->wan, p, sizeof(p)));
	printf("  %-20s %-9s %-18s %-15s %s%s\n", "SITE", "ROLE", "PREFIX",
	       "GATEWAY", "NODES", t->n_hosts ? "  HOST" : "");
	for (i = 0; i < w->n_sites; i++) {
		printf("  %-20s %-9s %-18s %-15s ", w->sites[i].name,
		       w->sites[i].role,
		       prefix_format(&w->sites[i].lan, p, sizeof(p)),
		       addr_format(w->sites[i].gw_lan_addr, g, sizeof(g)));
		if (t->n_hosts)
			printf("%-5zu  %s\n", t->sites[i].n_nodes,
			       pl->hosts[pl->host_of[i]].name);
		else
			printf("%zu\n", t->sites[i].n_nodes);
	}
	if (t->n_hosts)
		print_placement_text(t, pl);
	print_paths_text(t, paths);
	print_caps_text(caps);
}

/* The name of jitter distribution D, or NULL for netem's default (none
 * given). */
static const char *dist_name(enum jitter_dist d)
{
	return d == DIST_NONE ? NULL : constraint_dist_name(d);
}

/* US microseconds as milliseconds without trailing zeros: "25ms",
 * "0.05ms". */
static const char *fmt_ms(uint64_t us, char *buf, size_t len)
{
	uint64_t frac = us % 1000;
	int w = 3;

	if (!frac) {
		snprintf(buf, len, "%" PRIu64 "ms", us / 1000);
		return buf;
	}
	while (frac % 10 == 0) {
		frac /= 10;
		w--;
	}
	snprintf(buf, len, "%" PRIu64 ".%0*" PRIu64 "ms", us / 1000, w, frac);
	return buf;
}

/* BPS in the largest tc unit that writes it exactly: "100mbit"; "-" for
 * 0 (unlimited). */
static const char *fmt_rate(uint64_t bps, char *buf, size_t len)
{
	static const struct {
		uint64_t mult;
		const char *unit;
	} units[] = {
		{ 1000000000000ull, "tbit" }, { 1000000000ull, "gbit" },
		{ 1000000ull, "mbit" }, { 1000ull, "kbit" }, { 1, "bit" },
	};
	size_t i;


	if (!bps) {
		snprintf(buf, len, "-");
		return buf;
	}
	for (i = 0; bps % units[i].mult; i++)
		;
	snprintf(buf, len, "%" PRIu64 "%s", bps / units[i].mult,
		 units[i].unit);
	return buf;
}

/* The file of trace TR, one of T's rules'. */
static const char *trace_file(const struct topology *t, const struct trace *tr)
{
	size_t i;

	for (i = 0; i < t->n_rules; i++)
		if (t->rules[i].trace == tr)
			return t->rules[i].trace_path;
	return "?";
}

/* Below the pairs: each direction that follows a trace (the table shows
 * its first step). */
static void print_traces(const struct topology *t, const struct shape_table *tab)
{
	char lo[32], hi[32];
	size_t a, b, i;

	for (a = 0; tab->tr && a < t->n_sites; a++) {
		for (b = 0; b < t->n_sites; b++) {
			const struct shape_trace *st = &tab->tr[a * tab->n + b];
			uint64_t min = UINT64_MAX, max = 0;

			if (a == b || !st->trace || !(st->delay || st->loss))
				continue;
			for (i = 0; i < st->trace->n; i++) {
				if (st->trace->steps[i].delay_us < min)
					min = st->trace->steps[i].delay_us;
				if (st->trace->steps[i].delay_us > max)
					max = st->trace->steps[i].delay_us;
			}
			printf("  %s -> %s follows %s%s%s '%s': %zu steps over %.1f s%s",
			       t->sites[a].name, t->sites[b].name,
			       st->delay ? "the delay" : "",
			       st->delay && st->loss ? " and loss" : st->loss ? "the loss" : "",
			       st->delay || st->loss ? " of trace" : "",
			       trace_file(t, st->trace), st->trace->n,
			       (double)trace_period_us(st->trace) / 1e6,
			       st->trace->loop ? ", looped" : ", then holds its last step");
			if (st->delay)
				printf(", delay %s to %s", fmt_ms(min, lo, sizeof(lo)),
				       fmt_ms(max, hi, sizeof(hi)));
			printf(" (the table shows its first step)\n");
		}
	}
}

static void print_pairs_text(const struct topology *t,
			     const struct shape_table *tab)
{
	char delay[32], jitter[32], rtt[32], rate[32], corr[32], burst[32];
	char queue[16], loss[32];
	int wn = 3;
	size_t a, b;

	for (a = 0; a < t->n_sites; a++)
		if ((int)strlen(t->sites[a].name) > wn)
			wn = (int)strlen(t->sites[a].name);
	printf("topology '%s' (%s) is valid\n", t->name, t->path);
	printf("\nsite pairs: %zu ordered (DELAY is one way, RTT the sum of both directions' delay; '-' is not set)\n",
	       t->n_sites * (t->n_sites - 1));
	printf("  %-*s %-*s %-10s %-10s %-12s %-5s %-8s %-6s %-8s %-7s %s\n",
	       wn, "SRC", wn, "DST", "DELAY", "JITTER", "DIST", "CORR", "LOSS",
	       "BURST", "RATE", "QUEUE", "RTT");
	for (a = 0; a < t->n_sites; a++) {
		for (b = 0; b < t->n_sites; b++) {
			const struct link_params *p = shape_at(tab, a, b);
			const char *dn = dist_name(p->dist);

			if (a == b)
				continue;
			snprintf(corr, sizeof(corr), "%g%%", p->jitter_corr_pct);
			snprintf(loss, sizeof(loss), "%g%%", p->loss_pct);
			if (p->loss_burst > 0)
				snprintf(burst, sizeof(burst), "%g",
					 p->loss_burst);
			else
				snprintf(burst, sizeof(burst), "-");
			if (p->queue_pkts)
				snprintf(queue, sizeof(queue), "%" PRIu32,
					 p->queue_pkts);
			else
				snprintf(queue, sizeof(queue), "-");
			printf("  %-*s %-*s %-10s %-10s %-12s %-5s %-8s %-6s %-8s %-7s %s\n",
			       wn, t->sites[a].name, wn, t->sites[b].name,
			       fmt_ms(p->delay_us, delay, sizeof(delay)),
			       fmt_ms(p->jitter_us, jitter, sizeof(jitter)),
			       dn ? dn : "-",
			       p->jitter_corr_pct > 0 ? corr : "-", loss, burst,
			       fmt_rate(p->rate_bps, rate, sizeof(rate)), queue,
			       fmt_ms(shape_at(tab, a, b)->delay_us +
				      shape_at(tab, b, a)->delay_us,
				      rtt, sizeof(rtt)));
		}
	}
	print_traces(t, tab);
}

/* The "pairs" array of --json --pairs. */
static void print_pairs_json(struct json *j, const struct topology *t,
			     const struct shape_table *tab)
{
	size_t a, b;

	json_key(j, "pairs");
	json_begin_array(j);
	for (a = 0; a < t->n_sites; a++) {
		for (b = 0; b < t->n_sites; b++) {
			const struct link_params *p = shape_at(tab, a, b);

			if (a == b)
				continue;
			json_begin_object(j);
			json_key_str(j, "src", t->sites[a].name);
			json_key_str(j, "dst", t->sites[b].name);
			json_key_double(j, "delay_ms", (double)p->delay_us / 1000.0);
			json_key_double(j, "jitter_ms",
					(double)p->jitter_us / 1000.0);
			json_key_str(j, "distribution", dist_name(p->dist));
			json_key_double(j, "correlation_pct", p->jitter_corr_pct);
			json_key_double(j, "loss_pct", p->loss_pct);
			json_key_double(j, "loss_burst", p->loss_burst);
			json_key_int(j, "rate_bps", (int64_t)p->rate_bps);
			json_key_int(j, "queue", (int64_t)p->queue_pkts);
			json_key_double(j, "target_rtt_ms",
					resolve_target_rtt_ms(tab, a, b));
			/* The trace this direction follows (its delay, its
			 * loss), or null: the figures above are its first
			 * step. */
			json_key_str(j, "trace", tab->tr && tab->tr[a * tab->n + b].trace ?
				     trace_file(t, tab->tr[a * tab->n + b].trace) : NULL);
			json_end_object(j);
		}
	}
	json_end_array(j);
}

/* The cgroup layout and the profiles against the host, as `enos check`
 * prints them: "cgroups", "profiles": {"nodes", "cpu", "memory_bytes",
 * "fits", "message"}. */
static void print_profiles_json(struct json *j, const struct topology *t)
{
	struct cgroup_host h;
	struct capacity c;
	uint64_t avail = 0;
	long cores = 0;
	char msg[512];
	int rc;

	if (cgroup_detect(&h) == 0)
		json_key_str(j, "cgroups", cgroup_describe(&h, msg, sizeof(msg)));
	capacity_estimate(t, &c);
	json_key(j, "profiles");
	json_begin_object(j);
	json_key_int(j, "nodes", (int64_t)c.limited);
	json_key_double(j, "cpu", c.cpu_milli / 1000.0);
	json_key_int(j, "memory_bytes", (int64_t)c.limit_memory);
	if (capacity_host(&avail, &cores) == 0) {
		rc = capacity_profiles(&c, avail, cores, msg, sizeof(msg));
		json_key_str(j, "fits", rc == 0 ? "yes" : rc == 1 ?
			     "overcommitted" : "too large");
		json_key_str(j, "message", msg);
	}
	json_end_object(j);
}

/* PAIRS: the resolved table to add as "pairs", or NULL. */
/* The "placement" and "hosts" members of --json (only with `hosts:`). */
static void print_placement_json(struct json *j, const struct topology *t,
				 const struct placement *pl,
				 const struct host_path *paths)
{
	char msg[512];
	size_t h, i;
	int fit;

	json_key_str(j, "placement",
		     t->placement == PLACEMENT_BALANCE ? "balance" : "by-site");
	json_key(j, "hosts");
	json_begin_array(j);
	for (h = 0; h < pl->n_hosts; h++) {
		const struct placement_host *ph = &pl->hosts[h];
		const struct topo_host *d = ph->decl;

		fit = host_fit(t, pl, h, msg, sizeof(msg));
		json_begin_object(j);
		json_key_str(j, "name", ph->name);
		json_key_str(j, "address", d->address);
		json_key_str(j, "ssh", d->ssh);
		json_key_str(j, "libvirt", d->libvirt);
		json_key_str(j, "enos", d->enos);
		json_key(j, "memory_bytes");
		if (d->memory_bytes)
			json_int(j, (int64_t)d->memory_bytes);
		else
			json_null(j);
		json_key_int(j, "n_sites", (int64_t)ph->n_sites);
		json_key_int(j, "n_pinned", (int64_t)ph->n_pinned);
		json_key_int(j, "n_nodes", (int64_t)ph->need.nodes);
		json_key_int(j, "need_bytes", (int64_t)ph->need.memory);
		json_key_int(j, "vcpus", ph->need.vcpus);
		json_key(j, "fits");
		if (fit > 0)
			json_null(j);
		else
			json_bool(j, fit == 0);
		json_key_str(j, "why", msg);
		json_key(j, "sites");
		json_begin_array(j);
		for (i = 0; i < t->n_sites; i++)
			if (pl->host_of[i] == h)
				json_str(j, t->sites[i].name);
		json_end_array(j);
		/* The path MTU to every other host, as 'enos hosts'. */
		if (paths) {
			json_key(j, "paths");
			json_begin_array(j);
			for (i = 0; i < t->n_hosts; i++) {
				const struct host_path *p = &paths[h * t->n_hosts + i];

				if (i == h)
					continue;
				json_begin_object(j);
				json_key_str(j, "to", t->hosts[i].name);
				json_key_int(j, "mtu", p->mtu);
				json_key_int(j, "inner", p->inner);
				json_key_str(j, "error", p->error);
				json_end_object(j);
			}
			json_end_array(j);
		}
		json_end_object(j);
	}
	json_end_array(j);
}

static void print_json(const struct topology *t, const struct world *w,
		       const struct caps *caps, const struct shape_table *pairs,
		       const struct placement *pl, const struct host_path *paths)
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
	json_key_str(&j, "fabric", t->fabric->name);
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
		if (t->n_hosts)
			json_key_str(&j, "host",
				     pl->hosts[pl->host_of[i]].name);
		json_end_object(&j);
	}
	json_end_array(&j);
	if (t->n_hosts)
		print_placement_json(&j, t, pl, paths);
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
	print_profiles_json(&j, t);
	if (pairs)
		print_pairs_json(&j, t, pairs);
	json_end_object(&j);
	json_finish(&j);
}

struct check_opts {
	bool json, pairs;
};

/* What the world takes from this host (capacity.h): a line, and a
 * warning when `up` would refuse it (QUIET: only the warning). */
static void print_capacity(const struct topology *t, bool quiet)
{
	struct capacity c;
	struct cgroup_host h;
	uint64_t avail;
	long cores;
	char msg[512];
	int rc;

	if (capacity_host(&avail, &cores) < 0)
		return;
	capacity_estimate(t, &c);
	/* Profiles: what the nodes may take, against the host; the cgroup
	 * layout netns nodes' limits go through. */
	if (!quiet && cgroup_detect(&h) == 0)
		printf("\ncgroups: %s\n", cgroup_describe(&h, msg, sizeof(msg)));
	rc = capacity_profiles(&c, avail, cores, msg, sizeof(msg));
	if (rc == 0 && msg[0] && !quiet)
		printf("profiles: %s\n", msg);
	if (rc == 1) {
		fflush(stdout);
		fprintf(stderr, "note: the profiles overcommit this host: %s\n", msg);
	}
	if (rc == -E2BIG) {
		fflush(stdout);
		cli_warning("a profile of '%s' is larger than this host: %s; 'enos up' refuses it without --overcommit",
			    t->name, msg);
	}
	if (capacity_check(&c, avail, cores, msg, sizeof(msg)) < 0) {
		fflush(stdout);
		cli_warning("the world of '%s' does not fit on this host: %s; 'enos up' refuses it without --overcommit",
			    t->name, msg);
		return;
	}
	if (!quiet)
		printf("capacity: %s\n", msg);
	if (capacity_cpus_over(&c, cores)) {
		fflush(stdout);
		fprintf(stderr, "note: %u virtual CPUs on %ld cores: the nodes will compete for the CPU\n",
			c.vcpus, cores);
	}
}

static int check_topology(struct enos_ctx *ctx, const struct check_opts *o,
			  const struct topology *t)
{
	struct world w = { 0 };
	struct shape_table tab = { 0 };
	struct caps caps = { 0 };
	struct placement pl = { 0 };
	char tag[WORLD_TAG_LEN + 1];
	bool json = o->json, pairs = o->pairs;
	struct host_path *paths = NULL;
	char *err = NULL;
	int rc, status = EXIT_FAIL;

	world_tag(t->name, 0, tag);
	if (plan_world(t, tag, &w) < 0) {
		cli_error("cannot plan '%s'", t->name);
		goto out;
	}
	if (placement_compute(t, &pl) < 0) {
		cli_error("out of memory");
		goto out;
	}
	if (pairs && (rc = resolve_pairs(t, &tab)) < 0) {
		cli_error("cannot resolve the site pairs of '%s': %s", t->name,
			  strerror(-rc));
		goto out;
	}
	if (json || !pairs)
		caps_probe(&caps);
	/* Over several hosts: the path MTU each finds to every other. */
	if (!pairs && t->n_hosts > 1) {
		paths = calloc(t->n_hosts * t->n_hosts, sizeof(*paths));
		if (!paths) {
			cli_error("out of memory");
			goto out;
		}
		phase_hosts_paths(t, paths);
	}
	if (json)
		print_json(t, &w, &caps, pairs ? &tab : NULL, &pl, paths);
	else if (pairs)
		print_pairs_text(t, &tab);
	else
		print_text(t, &w, &caps, &pl, paths);
	/* What `up` would refuse or leave out, as notes on stderr: the
	 * topology itself is valid. */
	phase_check_supported(t, json ? SUPPORT_QUIET : SUPPORT_AS_NOTES);
	/* A world over several hosts is not this host's to hold: each
	 * host's part was compared above. */
	if (!json && !t->n_hosts)
		print_capacity(t, pairs);
	/* A stack that cannot be placed or does not fit is an error. */
	if (t->stack_name && deploy_estimate(t, &w, json || pairs) < 0)
		goto out;
	/* So is a workload that cannot run: unknown, bad options, clients
	 * on no site, or a service the stack does not deploy. */
	if (bench_check(t, &w, &err) < 0) {
		fflush(stdout);
		fprintf(stderr, "error: %s\n", err ? err : "out of memory");
		goto out;
	}
	status = EXIT_OK;
out:
	free(paths);
	free(err);
	placement_release(&pl);
	shape_table_release(&tab);
	plan_release(&w);
	(void)ctx;
	return status;
}

/* ---- sweeps ---- */

/* S seconds as "40 s", "31 min", "2 h 10 min". */
static const char *span_text(double s, char *buf, size_t len)
{
	long t = (long)(s + 0.5), min = (t + 30) / 60;

	if (t < 60)
		snprintf(buf, len, "%ld s", t);
	else if (min < 90)
		snprintf(buf, len, "%ld min", min);
	else
		snprintf(buf, len, "%ld h %ld min", min / 60, min % 60);
	return buf;
}

/* The estimate of PAIRS from the history in the database, or NaN with
 * *WHY (LEN bytes) saying what is missing. */
static double sweep_duration(struct enos_ctx *ctx, const struct sweep *s,
			     const struct sweep_pair *pairs, size_t n,
			     char *why, size_t len)
{
	struct sweep_cost *cost = NULL;
	const char *missing = NULL;
	char *err = NULL;
	double d = NAN;

	if (access(ctx->db_path, F_OK) != 0) {
		snprintf(why, len, "no state database at '%s'", ctx->db_path);
		return NAN;
	}
	cost = calloc(s->n_points, sizeof(*cost));
	if (!cost || cli_state(ctx) < 0 ||
	    sweep_loop_costs(ctx->st, s, cost, &err) < 0) {
		snprintf(why, len, "%s", err ? err : "cannot read the database");
		goto out;
	}
	d = sweep_estimate(pairs, n, cost, &missing);
	if (isnan(d))
		snprintf(why, len, "no past run of '%s' in '%s' has its %s time",
			 s->exp, ctx->db_path, missing ? missing : "?");
out:
	free(err);
	free(cost);
	return d;
}

/* What a change of an axis costs, as the plan says it. */
static const char *change_text(enum sweep_action a)
{
	return a == SWEEP_REUSE ? "a change reuses the world" :
	       a == SWEEP_REDEPLOY ? "a change redeploys the stack" :
	       "a change rebuilds the world";
}

static void print_sweep_text(const struct sweep *s, const char *path,
			     const struct sweep_pair *pairs, size_t n,
			     const size_t *steps, double est, const char *why)
{
	char *label, buf[32];
	size_t i, k;

	printf("sweep '%s' (%s) is valid\n", s->name, path);
	printf("topology:    %s (experiment '%s')\n", s->topo_path, s->exp);
	for (i = 0; i < s->n_axes; i++) {
		const struct sweep_axis *a = &s->axes[i];

		printf("%-12s %s: %zu value%s (", i ? "" : "axes:", a->path.text,
		       a->n_values, a->n_values == 1 ? "" : "s");
		for (k = 0; k < a->n_values; k++)
			printf("%s%s", k ? ", " : "", a->texts[k]);
		printf("), %s\n", change_text(a->action));
	}
	printf("points:      %zu, repeated %u time%s: %zu (point, repetition) pairs\n",
	       s->n_points, s->repeat, s->repeat == 1 ? "" : "s", n);
	printf("order:       %s, seed %" PRIu64 "\n",
	       sweep_order_name(s->order), s->seed);
	printf("steps:       %zu rebuild%s, %zu redeploy%s, %zu reuse%s of the world\n",
	       steps[SWEEP_REBUILD], steps[SWEEP_REBUILD] == 1 ? "" : "s",
	       steps[SWEEP_REDEPLOY], steps[SWEEP_REDEPLOY] == 1 ? "" : "s",
	       steps[SWEEP_REUSE], steps[SWEEP_REUSE] == 1 ? "" : "s");
	if (isnan(est))
		printf("estimate:    unknown (%s)\n", why);
	else
		printf("estimate:    about %s, from past runs of '%s'\n",
		       span_text(est, buf, sizeof(buf)), s->exp);
	printf("\nplan (point and repetition from 1; the step leads from the pair before):\n");
	printf("  %-6s %-6s %-4s %-9s %s\n", "PAIR", "POINT", "REP", "STEP", "VALUES");
	for (i = 0; i < n; i++) {
		label = sweep_point_label(s, pairs[i].point);
		printf("  %-6zu %-6zu %-4u %-9s %s\n", i + 1, pairs[i].point + 1,
		       pairs[i].rep + 1, sweep_action_name(pairs[i].action),
		       label ? label : "?");
		free(label);
	}
}

static void print_sweep_json(const struct sweep *s, const char *path,
			     const struct sweep_pair *pairs, size_t n,
			     const size_t *steps, double est, const char *why)
{
	struct json j;
	char seed[24], *label;
	size_t i, k;

	json_init(&j, stdout);
	json_begin_object(&j);
	json_key_str(&j, "sweep", s->name);
	json_key_str(&j, "path", path);
	json_key_bool(&j, "valid", true);
	json_key_str(&j, "topology", s->topo_path);
	json_key_str(&j, "experiment", s->exp);
	json_key(&j, "axes");
	json_begin_array(&j);
	for (i = 0; i < s->n_axes; i++) {
		json_begin_object(&j);
		json_key_str(&j, "path", s->axes[i].path.text);
		json_key_str(&j, "change", sweep_action_name(s->axes[i].action));
		json_key(&j, "values");
		json_begin_array(&j);
		for (k = 0; k < s->axes[i].n_values; k++)
			json_str(&j, s->axes[i].texts[k]);
		json_end_array(&j);
		json_end_object(&j);
	}
	json_end_array(&j);
	json_key_int(&j, "points", (int64_t)s->n_points);
	json_key_int(&j, "repeat", s->repeat);
	json_key_int(&j, "pairs", (int64_t)n);
	json_key_str(&j, "order", s->order == SWEEP_SHUFFLED ? "shuffled" : "sequential");
	snprintf(seed, sizeof(seed), "%" PRIu64, s->seed);
	json_key_str(&j, "seed", seed);
	json_key(&j, "steps");
	json_begin_object(&j);
	for (i = SWEEP_REUSE; i <= SWEEP_REBUILD; i++)
		json_key_int(&j, sweep_action_name((enum sweep_action)i),
			     (int64_t)steps[i]);
	json_end_object(&j);
	json_key_double(&j, "estimate_s", est);
	json_key_str(&j, "estimate_unknown", isnan(est) ? why : NULL);
	json_key(&j, "plan");
	json_begin_array(&j);
	for (i = 0; i < n; i++) {
		label = sweep_point_label(s, pairs[i].point);
		json_begin_object(&j);
		json_key_int(&j, "point", (int64_t)pairs[i].point + 1);
		json_key_int(&j, "rep", (int64_t)pairs[i].rep + 1);
		snprintf(seed, sizeof(seed), "%" PRIu64, pairs[i].seed);
		json_key_str(&j, "seed", seed);
		json_key_str(&j, "step", sweep_action_name(pairs[i].action));
		json_key_str(&j, "values", label);
		json_end_object(&j);
		free(label);
	}
	json_end_array(&j);
	json_end_object(&j);
	json_finish(&j);
}

/* Each distinct stack and strategy of S's points fits this host (as
 * `enos check TOPOLOGY` says of one). Prints errors. */
static int check_sweep_stacks(const struct sweep *s)
{
	char tag[WORLD_TAG_LEN + 1], *text = NULL, *err = NULL;
	char **seen = calloc(s->n_points, sizeof(*seen));
	size_t point, n_seen = 0, k;
	int rc = seen ? 0 : -ENOMEM;

	world_tag(s->exp, 0, tag);
	for (point = 0; rc == 0 && point < s->n_points; point++) {
		struct topology *t = NULL;
		struct world w = { 0 };
		char *key;

		rc = sweep_point_text(s, point, 0, false, &text, &err);
		if (rc == 0 && !(t = topo_load_string(text, s->topo_path,
						       s->topo_dir, &err)))
			rc = -EINVAL;
		if (rc < 0) {
			fprintf(stderr, "%s\n", err ? err : "error: out of memory");
			break;
		}
		key = t->stack_name ? str_printf("%s/%s", t->stack_name,
					 t->stack_strategy ? t->stack_strategy : "")
				    : NULL;
		for (k = 0; key && k < n_seen && strcmp(seen[k], key); k++)
			;
		if (key && k == n_seen) {
			seen[n_seen++] = key;
			key = NULL;
			rc = plan_world(t, tag, &w);
			if (rc == 0)
				rc = deploy_estimate(t, &w, true);
			plan_release(&w);
		}
		free(key);
		topo_free(t);
		free(text);
		text = NULL;
	}
	for (k = 0; k < n_seen; k++)
		free(seen[k]);
	free(seen);
	free(text);
	free(err);
	return rc;
}

static int check_sweep(struct enos_ctx *ctx, const struct check_opts *o,
		       const char *path)
{
	struct sweep_pair *pairs = NULL;
	struct sweep *s = NULL;
	size_t n = 0, i, steps[3] = { 0, 0, 0 };
	char *err = NULL, why[512] = "";
	double est;
	int status = EXIT_FAIL;

	if (o->pairs) {
		cli_error("--pairs shows the WAN of a topology: '%s' is a sweep", path);
		return EXIT_USAGE;
	}
	s = sweep_load(path, &err);
	if (s && sweep_validate(s, sweep_world_check_stack, NULL, &err) < 0) {
		sweep_free(s);
		s = NULL;
	}
	if (!s) {
		fprintf(stderr, "%s\n", err ? err : "error: out of memory");
		goto out;
	}
	if (check_sweep_stacks(s) < 0)
		goto out;
	if (sweep_plan(s, &pairs, &n) < 0) {
		cli_error("out of memory");
		goto out;
	}
	for (i = 0; i < n; i++)
		steps[pairs[i].action]++;
	est = sweep_duration(ctx, s, pairs, n, why, sizeof(why));
	if (o->json)
		print_sweep_json(s, path, pairs, n, steps, est, why);
	else
		print_sweep_text(s, path, pairs, n, steps, est, why);
	status = EXIT_OK;
out:
	free(pairs);
	free(err);
	sweep_free(s);
	return status;
}

/* A sweep (a top-level `axes` key) or a topology. */
static int run_check(struct enos_ctx *ctx, const struct cmd_args *a)
{
	const char *path = a->argv[0];
	struct topology *t;
	char *text = NULL, *err = NULL;
	size_t len = 0;
	int status;

	if (fs_read_file(path, 1u << 20, &text, &len) == 0 &&
	    sweep_sniff(text, len)) {
		free(text);
		return check_sweep(ctx, a->opts, path);
	}
	free(text);
	t = topo_load(path, &err);
	if (!t) {
		fprintf(stderr, "%s\n", err ? err : "error: out of memory");
		free(err);
		return EXIT_FAIL;
	}
	status = check_topology(ctx, a->opts, t);
	topo_free(t);
	return status;
}

static const struct cmd_option check_options[] = {
	CMD_OPT_BOOL("json", struct check_opts, json),
	CMD_OPT_BOOL("pairs", struct check_opts, pairs),
	{ 0 },
};

/* Options may follow the topology: `enos check TOPO --pairs`. */
const struct enos_cmd cmd_check = {
	.name = "check",
	.usage = "[--json] [--pairs] TOPOLOGY.yaml | SWEEP.yaml",
	.summary = "validate a topology or a sweep, show its plan and this host's capabilities",
	.help =
		"Validates TOPOLOGY.yaml without touching the system and prints its sites by role,\n"
		"nodes, site pairs and address plan, then what this host can do (netem, Open vSwitch,\n"
		"libvirt LXC and QEMU, KVM or TCG), each found or missing with the reason.\n"
		"Exit status 1 and one FILE:LINE:COL message if the topology is invalid.\n"
		"With 'hosts:', prints the placement, and asks each host over ssh ('enos host') for\n"
		"the path MTU to every other and the MTU that leaves inside the VXLAN tunnel (a host\n"
		"that cannot be reached is said so, and check goes on).\n"
		"With a stack, places it by its strategy and compares the memory its instances\n"
		"need (the stack file's per-service figures) with this host's MemAvailable:\n"
		"exit status 1 with both numbers if it cannot fit.\n\n"
		"  --json   machine-readable output\n"
		"  --pairs  the resolved WAN instead of the plan: one row per ordered site pair with\n"
		"           delay, jitter (distribution, correlation), loss (burst), rate, queue and\n"
		"           target RTT; with --json, a \"pairs\" array is added\n\n"
		"A sweep file (one with 'axes', see benchmarks/README.md) is expanded instead: every\n"
		"value and every point is validated through the topology loader (one FILE:LINE:COL\n"
		"message at the value, or at the axes for a combination), and the plan is printed:\n"
		"the points, the (point, repetition) pairs in run order with the step before each\n"
		"(rebuild, redeploy, or reuse of the world), and a duration estimated from past runs\n"
		"of the topology in the state database (\"unknown\" without them).\n",
	.flags = CMD_OPTS_ANYWHERE,
	.min_args = 1,
	.max_args = 1,
	.options = check_options,
	.opts_size = sizeof(struct check_opts),
	.run = run_check,
};
