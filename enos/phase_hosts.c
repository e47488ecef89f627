/* phase_hosts — up and down of a world spread over several hosts (issue 14,
 * docs/MULTIHOST.md): the controlling enos plans the whole world, records
 * every object with its host, says hello to every host at once, then sends
 * each host its part (protocol 2, enos/host_part.h) and reads every answer.
 * down asks every reachable host at once to remove what it recorded; a host
 * that cannot be reached is named, keeps its records (marked unreachable),
 * and a later down cleans it.
 */
#include <errno.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emulator/addr.h"
#include "emulator/node.h"
#include "emulator/shape.h"
#include "emulator/tunnel.h"
#include "enos/calibrate.h"
#include "enos/cli.h"
#include "enos/host.h"
#include "enos/host_part.h"
#include "enos/measure.h"
#include "enos/phase.h"
#include "enos/placement.h"
#include "enos/plan.h"
#include "enos/resolve.h"
#include "enos/shaping.h"
#include "enos/state.h"
#include "enos/topo.h"
#include "util/crash.h"

/* How long a host may take to build or remove its part: a world of
 * thousands of nodes takes minutes on one host. */
#define PART_TIMEOUT_MS (30 * 60 * 1000)

struct hconn {
	struct topo_host th;            /* what ssh reaches (borrowed strings) */
	struct host_conn c;
	struct host_hello hello;
	char *err;                      /* why it failed, naming it */
	bool ok;                        /* reached and said hello */
	bool sent;                      /* its request is on its way */
	char *reply;
};

static const char *ssh_config(void)
{
	const char *cfg = getenv("ENOS_SSH_CONFIG");

	return cfg && *cfg ? cfg : NULL;
}

/* Start ssh to every host at once, then hello each: a host that is gone
 * costs one connect timeout whatever their number. */
static void hello_all(struct hconn *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		v[i].ok = host_connect(&v[i].th, ssh_config(), &v[i].c,
				       &v[i].err) == 0;
	for (i = 0; i < n; i++)
		if (v[i].ok && host_hello(&v[i].c, &v[i].hello, &v[i].err) < 0)
			v[i].ok = false;
}

static void close_all(struct hconn *v, size_t n)
{
	size_t i;

	for (i = 0; v && i < n; i++) {
		host_close(&v[i].c);
		free(v[i].err);
		free(v[i].reply);
	}
	free(v);
}

/* Read the answer of every host a request was sent to. */
static void receive_all(struct hconn *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (!v[i].sent)
			continue;
		v[i].sent = false;
		free(v[i].err);
		v[i].err = NULL;
		if (host_receive(&v[i].c, PART_TIMEOUT_MS, &v[i].reply,
				 &v[i].err) < 0)
			v[i].ok = false;
	}
}

/* Integer member KEY of reply R (JSON text), or -1. */
static long reply_int(const char *r, const char *key)
{
	json_t *o = r ? json_loads(r, 0, NULL) : NULL;
	json_t *v = json_object_get(o, key);
	long x = json_is_integer(v) ? (long)json_integer_value(v) : -1;

	json_decref(o);
	return x;
}

/* Number member KEY of reply R (JSON text), or -1. */
static double reply_double(const char *r, const char *key)
{
	json_t *o = r ? json_loads(r, 0, NULL) : NULL;
	json_t *v = json_object_get(o, key);
	double x = json_is_number(v) ? json_number_value(v) : -1;

	json_decref(o);
	return x;
}

/* String member KEY of reply R into BUF (escaped); returns 1 if it is
 * true, 0 otherwise. */
static int reply_str(const char *r, const char *key, char *buf, size_t len)
{
	json_t *o = r ? json_loads(r, 0, NULL) : NULL;
	json_t *v = json_object_get(o, key);
	int yes = json_is_true(v);

	snprintf(buf, len, "%s", json_is_string(v) ? json_string_value(v) : "");
	for (char *c = buf; *c; c++)
		if ((unsigned char)*c < 0x20 || *c == 0x7f)
			*c = '?';
	json_decref(o);
	return yes;
}

/* "joined by VXLAN VNI, inner MTU M" when every host joined, else "WAN
 * not joined across hosts", into BUF. */
static const char *mtu_part(const struct hconn *v, size_t n, char *buf,
			    size_t len)
{
	char why[512];
	long mtu = -1, vni = reply_int(v[0].reply, "vni");
	size_t i;

	for (i = 0; i < n; i++) {
		if (reply_str(v[i].reply, "joined", why, sizeof(why)) != 1) {
			snprintf(buf, len, "WAN not joined across hosts");
			return buf;
		}
		if (mtu < 0 || (reply_int(v[i].reply, "mtu") > 0 &&
				reply_int(v[i].reply, "mtu") < mtu))
			mtu = reply_int(v[i].reply, "mtu");
	}
	snprintf(buf, len, "joined by VXLAN %ld, inner MTU %ld", vni, mtu);
	return buf;
}

/* How long every host may take to find its paths (about 8 s for a peer
 * that does not answer; side by side). */
#define PATHS_TIMEOUT_MS 30000

void phase_hosts_paths(const struct topology *t, struct host_path *paths)
{
	size_t n = t->n_hosts, h, i;
	struct hconn *v = calloc(n, sizeof(*v));
	struct host_conn **c = calloc(n, sizeof(*c));
	const char **addrs = calloc(n, sizeof(*addrs));

	if (!v || !c || !addrs) {
		for (h = 0; h < n * n; h++) {
			paths[h].mtu = paths[h].inner = -1;
			snprintf(paths[h].error, sizeof(paths[h].error), "out of memory");
		}
		goto out;
	}
	for (h = 0; h < n; h++) {
		v[h].th = t->hosts[h];
		addrs[h] = t->hosts[h].address;
	}
	hello_all(v, n);
	for (h = 0; h < n; h++)
		c[h] = v[h].ok ? &v[h].c : NULL;
	host_ask_paths(c, addrs, n, paths, PATHS_TIMEOUT_MS);
	/* A host not reached: why, on each of its paths. */
	for (h = 0; h < n; h++)
		for (i = 0; !v[h].ok && i < n; i++)
			if (i != h)
				snprintf(paths[h * n + i].error, sizeof(paths[0].error),
					 "%s", v[h].err ? v[h].err : "not reached");
out:
	close_all(v, n);
	free(c);
	free(addrs);
}

int phase_hosts_check(const struct topology *t, char *why, size_t len)
{
	size_t i, k;

	for (i = 0; i < t->n_sites; i++)
		for (k = 0; k < t->sites[i].n_nodes; k++)
			if (t->sites[i].nodes[k].backend->needs & BACKEND_NEEDS_LIBVIRT) {
				snprintf(why, len, "%s: node '%s' (%s): lxc/qemu nodes on a remote host: not built yet (netns nodes are)",
					 t->path, t->sites[i].nodes[k].name,
					 t->sites[i].nodes[k].backend->name);
				return -ENOTSUP;
			}
	/* Across hosts each host's engine shapes its gateways' frames and
	 * hands remote sites' to the tunnel (wand.h, "Several hosts"); a
	 * backend that shapes on a WAN bridge is not spread yet. */
	if (t->shaping && t->shaping->shapes && t->shaping->wan_mode != WAN_WAND) {
		snprintf(why, len, "%s: network.shaping '%s' across hosts: not built yet (the wand engine is; with auto or none the WAN between hosts is a plain wire)",
			 t->path, topo_shaping_name(t->shaping));
		return -ENOTSUP;
	}
	/* The engines of a spread world take the constant table; a trace
	 * would need each host's engine to replay it on one shared clock. */
	for (i = 0; i < t->n_rules; i++)
		if (t->rules[i].trace) {
			snprintf(why, len, "%s:%d:%d: trace '%s' across hosts: not built yet (each host's engine takes constant constraints only); hint: give the pairs a constant delay, or run the traced world on one host without 'hosts:'",
				 t->path, t->rules[i].trace_pos.line,
				 t->rules[i].trace_pos.col, t->rules[i].trace_path);
			return -ENOTSUP;
		}
	return 0;
}

int phase_hosts_refuse(struct enos_ctx *ctx, const char *name,
		       const char *what)
{
	struct state_host *h = NULL;
	size_t n = 0;

	if (state_hosts(ctx->st, name, &h, &n) < 0 || !n) {
		free(h);
		return 0;
	}
	free(h);
	cli_error("experiment '%s' spans %zu hosts: %s across hosts is not built yet ('enos status', 'enos down' are)",
		  name, n, what);
	return -ENOTSUP;
}

/* Take down every part that was sent (after a failed up). Returns the
 * number of hosts that could not be cleaned. */
static size_t parts_down(struct enos_ctx *ctx, const struct world *w,
			 struct hconn *v, size_t n, const bool *asked)
{
	char line[128];
	size_t i, failed = 0;

	snprintf(line, sizeof(line), "down %s %s", w->name, w->tag);
	for (i = 0; i < n; i++) {
		if (!asked[i])
			continue;
		if (!v[i].ok) {
			/* A session that failed: a new one. */
			host_close(&v[i].c);
			free(v[i].err);
			v[i].err = NULL;
			v[i].ok = host_connect(&v[i].th, ssh_config(), &v[i].c,
					       &v[i].err) == 0 &&
				  host_hello(&v[i].c, &v[i].hello, &v[i].err) == 0;
		}
		if (v[i].ok)
			v[i].sent = host_send(&v[i].c, line, NULL, 0, &v[i].err) == 0;
		v[i].ok = v[i].sent;
	}
	receive_all(v, n);
	for (i = 0; i < n; i++) {
		if (!asked[i])
			continue;
		if (v[i].ok) {
			state_host_set_status(ctx->st, w->name, v[i].th.name,
					      HOST_DOWN, NULL);
			continue;
		}
		failed++;
		cli_error("%s", v[i].err ? v[i].err : "unreachable");
		state_host_set_status(ctx->st, w->name, v[i].th.name,
				      HOST_UNREACHABLE, v[i].err);
	}
	return failed;
}

/* TAB with every pair across hosts a plain wire, into *OUT: what the
 * engines shape until the base RTT is measured through them. */
static int plain_across(const struct shape_table *tab, const size_t *host_of,
			struct shape_table *out)
{
	size_t a, b, n = tab->n;

	if (shape_table_init(out, n) < 0)
		return -ENOMEM;
	for (a = 0; a < n; a++)
		for (b = 0; b < n; b++)
			if (host_of[a] == host_of[b]) {
				out->p[a * n + b] = tab->p[a * n + b];
				out->cut[a * n + b] = tab->cut[a * n + b];
			}
	return 0;
}

struct calib_warn {
	const struct world *w;
	const struct topology *t;
	const size_t *host_of;
};

static void calib_warn(void *arg, size_t src, size_t dst,
		       uint64_t target_rtt_us, uint64_t base_us)
{
	const struct calib_warn *cw = arg;
	char msg[512];

	calibrate_warning(msg, sizeof(msg), cw->w->sites[src].name,
			  cw->w->sites[dst].name, target_rtt_us, base_us,
			  cw->t->hosts[cw->host_of[src]].name,
			  cw->t->hosts[cw->host_of[dst]].name);
	cli_warning("%s", msg);
}

/* Measure the base RTT between every pair of hosts (`rtt` from a
 * gateway of one to a gateway of the other, through both engines and the
 * tunnel, while the pairs across hosts are still a plain wire), subtract
 * half of it from each cross-host direction of TAB (calibrate_table), and
 * send every host the calibrated table (`shape`). A pair of hosts whose
 * RTT cannot be measured keeps its targets whole (a warning). Returns 0,
 * or -errno when a host does not take the table. */
static int calibrate_and_shape(struct enos_ctx *ctx, const struct topology *t,
			       const struct world *w,
			       const struct placement *pl, struct hconn *v,
			       struct shape_table *tab, int64_t run)
{
	size_t n = t->n_hosts, a, b, i, *first = calloc(n, sizeof(*first));
	uint64_t *base = calloc(n * n, sizeof(*base));
	struct calib_warn cw = { w, t, pl->host_of };
	char line[HOST_LINE_MAX], addr[20], *reply = NULL, *err = NULL;
	size_t len;
	char *body = NULL;
	int rc = 0;

	if (!first || !base) {
		rc = -ENOMEM;
		goto out;
	}
	for (a = 0; a < n; a++)
		first[a] = (size_t)-1;
	for (i = w->n_sites; i-- > 0;)
		first[pl->host_of[i]] = i;
	for (a = 0; a < n; a++)
		for (b = a + 1; b < n; b++) {
			double ms;
			long ok;

			if (first[a] == (size_t)-1 || first[b] == (size_t)-1)
				continue;
			snprintf(line, sizeof(line), "rtt %s %s",
				 w->sites[first[a]].gw_netns,
				 addr_format(w->sites[first[b]].gw_wan_addr, addr,
					     sizeof(addr)));
			free(reply);
			free(err);
			reply = err = NULL;
			ok = host_send(&v[a].c, line, NULL, 0, &err) == 0 &&
			     host_receive(&v[a].c, 15000, &reply, &err) == 0;
			ms = ok ? reply_double(reply, "base_ms") : -1;
			if (ms < 0) {
				cli_warning("no base RTT between hosts '%s' and '%s' (%s): their pairs keep their targets whole",
					    t->hosts[a].name, t->hosts[b].name,
					    err ? err : "no answer");
				continue;
			}
			base[a * n + b] = base[b * n + a] = (uint64_t)(ms * 1000);
			printf("base RTT between hosts '%s' and '%s': %.3f ms (p10 of %ld; median %.3f ms)\n",
			       t->hosts[a].name, t->hosts[b].name, ms,
			       reply_int(reply, "received"),
			       reply_double(reply, "p50_ms"));
			if (run)
				state_result_add(ctx->st, run, "base_rtt",
						 t->hosts[a].name, t->hosts[b].name,
						 ms, "ms");
		}
	calibrate_table(tab, pl->host_of, n, base, NULL, calib_warn, &cw);
	body = host_part_table(tab, &len);
	if (!body) {
		rc = -ENOMEM;
		goto out;
	}
	snprintf(line, sizeof(line), "shape %s %zu", t->name, len);
	for (a = 0; a < n; a++)
		v[a].sent = host_send(&v[a].c, line, body, len, &v[a].err) == 0;
	/* Each host's answer to up (v[].reply) is kept for the summary. */
	for (a = 0; a < n; a++) {
		free(reply);
		reply = NULL;
		if (v[a].sent && host_receive(&v[a].c, PART_TIMEOUT_MS, &reply,
					      &v[a].err) == 0)
			continue;
		cli_error("%s", v[a].err ? v[a].err : "the table was not taken");
		rc = -EIO;
	}
out:
	free(body);
	free(reply);
	free(err);
	free(first);
	free(base);
	return rc;
}

struct hosts_arg {
	struct enos_ctx *ctx;
	const struct topology *t;
	const struct placement *pl;
	const struct shape_ops *shaping;
	struct shape_table *tab, *plain;
	const char **names, **addrs, **sshs, **enoss;
};

/* phase_up_hosts's step between the plan and the record: the whole WAN,
 * resolved once here (every host's engine gets the same table and shapes
 * the pairs its gateways send), and the same with every pair across
 * hosts a plain wire until calibration. */
static int hosts_planned(void *arg, struct world *w)
{
	struct hosts_arg *a = arg;
	int rc;

	if (!a->shaping->shapes)
		return 0;
	rc = shaping_table(a->ctx, a->t, w, false, a->tab);
	if (rc == 0)
		rc = plain_across(a->tab, a->pl->host_of, a->plain);
	return rc;
}

/* After the world's record: the tunnel every host has (`*`), and the
 * hosts, each site, node and object with its own. */
static int hosts_recorded(void *arg, const struct world *w)
{
	struct hosts_arg *a = arg;
	char dev[WORLD_IFNAMSIZ];
	size_t n = a->t->n_hosts;
	int rc = 0;

	if (n > 1 && tunnel_ifname(w->tag, dev, sizeof(dev)))
		rc = state_object_add(a->ctx->st, a->t->name, OBJ_LINK, dev);
	if (rc == 0)
		rc = state_hosts_record(a->ctx->st, a->t->name, n, a->names,
					a->addrs, a->sshs, a->enoss,
					a->pl->host_of);
	return rc;
}

int phase_up_hosts(struct enos_ctx *ctx, const struct topology *t,
		   const struct shape_ops *shaping, const char *run_kind,
		   int64_t *run_id)
{
	struct world w = { 0 };
	struct placement pl = { 0 };
	struct shape_table tab = { 0 }, plain = { 0 };
	struct hosts_arg ha;
	struct phase_prologue up = { "up:hosts_recorded", hosts_planned,
				     hosts_recorded, &ha };
	struct hconn *v = NULL;
	const char **names = NULL, **addrs = NULL, **sshs = NULL, **enoss = NULL;
	char line[128];
	bool *asked = NULL;
	size_t i, n = t->n_hosts, failed = 0;
	int64_t run = 0;
	double t0 = cli_now();
	sigset_t old;
	int rc;

	v = calloc(n, sizeof(*v));
	asked = calloc(n, sizeof(*asked));
	names = calloc(n, sizeof(*names));
	addrs = calloc(n, sizeof(*addrs));
	sshs = calloc(n, sizeof(*sshs));
	enoss = calloc(n, sizeof(*enoss));
	if (!v || !asked || !names || !addrs || !sshs || !enoss ||
	    placement_compute(t, &pl) < 0) {
		cli_error("out of memory");
		rc = -ENOMEM;
		goto out;
	}
	for (i = 0; i < n; i++) {
		v[i].th = t->hosts[i];
		names[i] = t->hosts[i].name;
		addrs[i] = t->hosts[i].address;
		sshs[i] = t->hosts[i].ssh;
		enoss[i] = t->hosts[i].enos;
	}
	/* Every host first, before anything is recorded or touched. */
	hello_all(v, n);
	for (i = 0, rc = 0; i < n; i++) {
		if (v[i].ok)
			continue;
		cli_error("%s", v[i].err);
		rc = -EHOSTUNREACH;
	}
	if (rc < 0) {
		cli_hint("'enos hosts %s' shows what each host answers", t->path);
		goto out;
	}
	ha.ctx = ctx;
	ha.t = t;
	ha.pl = &pl;
	ha.shaping = shaping;
	ha.tab = &tab;
	ha.plain = &plain;
	ha.names = names;
	ha.addrs = addrs;
	ha.sshs = sshs;
	ha.enoss = enoss;
	rc = phase_begin(ctx, t, shaping, run_kind, &up, &w, &run, &old);
	if (rc < 0)
		goto out;
	/* Each host its part, all at once; then every answer. */
	for (i = 0; i < n; i++) {
		size_t len;
		char *body = host_part_encode(&w, t, &pl, i, shaping,
					      shaping->shapes ? &plain : NULL, &len);

		if (!body) {
			rc = -ENOMEM;
			break;
		}
		snprintf(line, sizeof(line), "up %s %zu", t->name, len);
		asked[i] = true;
		v[i].sent = host_send(&v[i].c, line, body, len, &v[i].err) == 0;
		v[i].ok = v[i].sent;
		free(body);
	}
	crash_point("up:hosts_sent");
	receive_all(v, n);
	for (i = 0; i < n; i++) {
		if (asked[i] && v[i].ok) {
			state_host_set_status(ctx->st, t->name, t->hosts[i].name,
					      HOST_UP, NULL);
			continue;
		}
		failed++;
		if (v[i].err)
			cli_error("%s", v[i].err);
		state_host_set_status(ctx->st, t->name, t->hosts[i].name,
				      HOST_FAILED, v[i].err);
	}
	if (failed || rc < 0) {
		fprintf(stderr, "rolling back '%s' on every host\n", t->name);
		if (parts_down(ctx, &w, v, n, asked) == 0) {
			state_forget(ctx->st, t->name);
			fprintf(stderr, "rolled back: nothing of '%s' is left on any host\n",
				t->name);
		} else {
			state_set_status(ctx->st, t->name, EXP_FAILED);
			cli_hint("run 'enos down -n %s' once every host is back", t->name);
		}
		if (run)
			state_run_end(ctx->st, run, "failed");
		sigprocmask(SIG_SETMASK, &old, NULL);
		rc = rc < 0 ? rc : -EHOSTUNREACH;
		goto out;
	}
	/* The base RTT between hosts on the path the traffic takes, then
	 * the table less half of it on each cross-host direction. */
	if (shaping->shapes && n > 1 &&
	    calibrate_and_shape(ctx, t, &w, &pl, v, &tab, run) < 0) {
		fprintf(stderr, "rolling back '%s' on every host\n", t->name);
		if (parts_down(ctx, &w, v, n, asked) == 0)
			state_forget(ctx->st, t->name);
		else
			state_set_status(ctx->st, t->name, EXP_FAILED);
		if (run)
			state_run_end(ctx->st, run, "failed");
		sigprocmask(SIG_SETMASK, &old, NULL);
		rc = -EIO;
		goto out;
	}
	sigprocmask(SIG_SETMASK, &old, NULL);
	state_set_status(ctx->st, t->name, EXP_UP);
	if (run) {
		state_result_add(ctx->st, run, "up_seconds", NULL, NULL,
				 cli_now() - t0, "s");
		if (strcmp(run_kind, "up") == 0)
			state_run_end(ctx->st, run, "ok");
	}
	for (i = 0; i < n; i++) {
		char why[512];

		if (reply_str(v[i].reply, "joined", why, sizeof(why)) == 1 ||
		    n < 2)
			continue;
		reply_str(v[i].reply, "tunnel", why, sizeof(why));
		cli_warning("host '%s': the WAN of '%s' is not joined to the other hosts: %s",
			    t->hosts[i].name, t->name, why);
	}
	printf("experiment '%s' is up: %zu sites, %zu nodes over %zu hosts (",
	       t->name, w.n_sites, w.n_nodes, n);
	for (i = 0; i < n; i++)
		printf("%s%s: %ld site%s, %ld node%s", i ? "; " : "",
		       t->hosts[i].name, reply_int(v[i].reply, "sites"),
		       reply_int(v[i].reply, "sites") == 1 ? "" : "s",
		       reply_int(v[i].reply, "nodes"),
		       reply_int(v[i].reply, "nodes") == 1 ? "" : "s");
	{
		char why[512];

		reply_str(v[0].reply, "tunnel", why, sizeof(why));
		printf("), WAN shaping %s, %s, in %.2f s\n", shaping->name,
		       n < 2 ? "one host" : mtu_part(v, n, why, sizeof(why)),
		       cli_now() - t0);
	}
	if (run_id)
		*run_id = run;
	rc = 0;
out:
	close_all(v, n);
	free(asked);
	free(names);
	free(addrs);
	free(sshs);
	free(enoss);
	placement_release(&pl);
	shape_table_release(&tab);
	shape_table_release(&plain);
	plan_release(&w);
	return rc;
}

int phase_hosts_of(struct enos_ctx *ctx, const struct world *w,
		   struct state_host **hosts, size_t *n, size_t **host_of)
{
	char name[64];
	size_t i, h;

	*hosts = NULL;
	*host_of = NULL;
	*n = 0;
	if (state_hosts(ctx->st, w->name, hosts, n) < 0 || !*n) {
		free(*hosts);
		*hosts = NULL;
		*n = 0;
		return 0;
	}
	*host_of = calloc(w->n_sites + 1, sizeof(**host_of));
	if (!*host_of)
		return -ENOMEM;
	for (i = 0; i < w->n_sites; i++) {
		if (state_site_host(ctx->st, w->name, i, name, sizeof(name)) < 0)
			return -EBADMSG;
		for (h = 0; h < *n && strcmp((*hosts)[h].name, name); h++)
			;
		if (h == *n) {
			cli_error("site '%s' of '%s' is recorded on host '%s', which is not one of its hosts",
				  w->sites[i].name, w->name, name);
			return -EBADMSG;
		}
		(*host_of)[i] = h;
	}
	return 0;
}

/* Send each host I with a body (BODIES[I], LENS[I]; NULL: nothing for it)
 * request "VERB EXP LENGTH", then read every answer within TIMEOUT_MS into
 * V[I].reply. Returns 0, or -EIO after naming each host that failed. */
static int ask_each(struct hconn *v, size_t n, const char *verb,
		    const char *exp, char *const *bodies, const size_t *lens,
		    int timeout_ms)
{
	char line[128];
	size_t i;
	int rc = 0;

	for (i = 0; i < n; i++) {
		if (!bodies[i])
			continue;
		snprintf(line, sizeof(line), "%s %s %zu", verb, exp, lens[i]);
		free(v[i].reply);
		v[i].reply = NULL;
		v[i].sent = host_send(&v[i].c, line, bodies[i], lens[i],
				      &v[i].err) == 0;
		if (!v[i].sent) {
			cli_error("%s", v[i].err);
			rc = -EIO;
		}
	}
	for (i = 0; i < n; i++) {
		if (!v[i].sent)
			continue;
		v[i].sent = false;
		if (host_receive(&v[i].c, timeout_ms, &v[i].reply, &v[i].err) < 0) {
			cli_error("%s", v[i].err);
			rc = -EIO;
		}
	}
	return rc;
}

/* The index of PAIR's destination endpoint (address and namespace) in
 * SUB[0..*M), appended when it is not there yet. */
static size_t endpoint_add(struct probe_pair *sub, size_t *m,
			   const struct probe_pair *pair)
{
	size_t k;

	for (k = 0; k < *m; k++)
		if (sub[k].dst_addr == pair->dst_addr &&
		    !strcmp(sub[k].dst_netns, pair->dst_netns))
			return k;
	sub[*m] = *pair;
	return (*m)++;
}

/* Run the probes of plan P on W's hosts: an `echo` on every host that
 * holds the destination of a cross-host pair, then each host probes the
 * pairs whose source it holds (`probe`, with every probe's figure when the
 * pairs have sample buffers), all at once; the results into P's pairs.
 * P's rows get their hosts. Returns 0 or -errno, each failure named. */
static int probe_on_hosts(const struct world *w, const struct state_host *hosts,
			  size_t n_hosts, const size_t *host_of,
			  struct measure_plan *pp)
{
	struct measure_plan p = *pp;
	struct hconn *v = calloc(n_hosts, sizeof(*v));
	char **bodies = calloc(n_hosts, sizeof(*bodies));
	size_t *lens = calloc(n_hosts, sizeof(*lens)), i, h, k, m;
	struct probe_pair *sub = calloc(p.n + 1, sizeof(*sub));
	size_t *idx = calloc(p.n + 1, sizeof(*idx));
	bool series = p.n && p.pairs[0].sample_ms;
	/* Warm-up, probes, the last reply's wait, and ssh's own time. */
	unsigned run_ms = 2 * (20 + p.po.timeout_ms) + p.po.samples * p.po.interval_ms;
	int rc;

	if (!v || !bodies || !lens || !sub || !idx) {
		rc = -ENOMEM;
		goto out;
	}
	for (i = 0; i < p.n; i++) {
		p.rows[i].src_host = hosts[host_of[p.src[i]]].name;
		p.rows[i].dst_host = hosts[host_of[p.dst[i]]].name;
		p.rows[i].cross_host = host_of[p.src[i]] != host_of[p.dst[i]];
	}
	/* A series comes back whole in one reply: refused before anything
	 * runs when a host's would be larger than a request carries. */
	for (h = 0; series && h < n_hosts; h++) {
		for (i = m = 0; i < p.n; i++)
			m += host_of[p.src[i]] == h;
		if ((uint64_t)m * p.po.samples > HOST_SERIES_SAMPLES_MAX) {
			cli_error("host '%s' holds the source of %zu pairs, %u probes each: 'enos tc --test --over' across hosts carries at most %d probes a host",
				  hosts[h].name, m, p.po.samples, HOST_SERIES_SAMPLES_MAX);
			cli_hint("a larger --interval or a shorter --over");
			rc = -E2BIG;
			goto out;
		}
	}
	for (h = 0; h < n_hosts; h++) {
		v[h].th.name = (char *)hosts[h].name;
		v[h].th.address = (char *)hosts[h].address;
		v[h].th.ssh = (char *)hosts[h].ssh;
		v[h].th.enos = (char *)hosts[h].enos;
	}
	hello_all(v, n_hosts);
	for (h = 0, rc = 0; h < n_hosts; h++)
		if (!v[h].ok) {
			cli_error("%s", v[h].err);
			rc = -EHOSTUNREACH;
		}
	if (rc < 0)
		goto out;
	/* Each host answers the probes to its sites from other hosts: one
	 * echo per destination endpoint, for as long as the probes run. */
	for (h = 0; h < n_hosts; h++) {
		for (i = m = 0; i < p.n; i++) {
			if (!p.rows[i].cross_host || host_of[p.dst[i]] != h)
				continue;
			endpoint_add(sub, &m, &p.pairs[i]);
		}
		if (m) {
			bodies[h] = host_part_echo_body(run_ms / 1000 + 60, sub, m,
							&lens[h]);
			if (!bodies[h]) {
				rc = -ENOMEM;
				goto out;
			}
		}
	}
	rc = ask_each(v, n_hosts, "echo", w->name, bodies, lens, 15000);
	if (rc < 0)
		goto out;
	for (h = 0; h < n_hosts; h++) {
		json_t *r, *ports, *port;

		if (!bodies[h])
			continue;
		r = json_loads(v[h].reply, 0, NULL);
		ports = json_object_get(r, "ports");
		/* The ports in the order the endpoints were sent. */
		for (i = m = 0; i < p.n; i++) {
			if (!p.rows[i].cross_host || host_of[p.dst[i]] != h)
				continue;
			k = endpoint_add(sub, &m, &p.pairs[i]);
			port = json_array_get(ports, k);
			if (!json_is_integer(port) || json_integer_value(port) < 1 ||
			    json_integer_value(port) > 65535) {
				cli_error("host '%s' answered 'echo' without a port for '%s'",
					  hosts[h].name, p.pairs[i].dst_netns);
				json_decref(r);
				rc = -EPROTO;
				goto out;
			}
			p.pairs[i].remote_port = (uint16_t)json_integer_value(port);
		}
		json_decref(r);
	}
	/* Each host probes the pairs whose source it holds. */
	for (h = 0; h < n_hosts; h++) {
		free(bodies[h]);
		bodies[h] = NULL;
		for (i = m = 0; i < p.n; i++)
			if (host_of[p.src[i]] == h)
				sub[m++] = p.pairs[i];
		if (m > HOST_PROBE_PAIRS_MAX) {
			cli_error("host '%s' holds the source of %zu pairs: 'enos tc --test' across hosts measures at most %d a host",
				  hosts[h].name, m, HOST_PROBE_PAIRS_MAX);
			rc = -E2BIG;
			goto out;
		}
		if (m && !(bodies[h] = host_part_probe_body(&p.po, sub, m, &lens[h]))) {
			rc = -ENOMEM;
			goto out;
		}
	}
	rc = ask_each(v, n_hosts, "probe", w->name, bodies, lens,
		      (int)run_ms + 30000);
	if (rc < 0)
		goto out;
	for (h = 0; h < n_hosts; h++) {
		if (!bodies[h])
			continue;
		for (i = m = 0; i < p.n; i++)
			if (host_of[p.src[i]] == h) {
				idx[m] = i;
				sub[m++] = p.pairs[i];
			}
		if (host_part_probe_results(v[h].reply, sub, m) < 0 ||
		    (series && host_part_probe_series(v[h].reply, sub, m,
						      p.po.samples) < 0)) {
			cli_error("host '%s' answered 'probe' with something else than %zu pairs' figures",
				  hosts[h].name, m);
			rc = -EPROTO;
			goto out;
		}
		for (k = 0; k < m; k++)
			p.pairs[idx[k]] = sub[k];
	}
	rc = 0;
out:
	/* bye: each host's echo ends with its session. */
	close_all(v, n_hosts);
	for (h = 0; bodies && h < n_hosts; h++)
		free(bodies[h]);
	free(bodies);
	free(lens);
	free(sub);
	free(idx);
	return rc;
}

int phase_hosts_measure(const struct world *w, const struct state_host *hosts,
			size_t n_hosts, const size_t *host_of,
			const struct shape_table *tab,
			const struct measure_opts *o, struct report_rtt **rows,
			size_t *n_rows)
{
	struct measure_plan p;
	int rc;

	*rows = NULL;
	*n_rows = 0;
	rc = measure_plan_make(w, tab, o, &p);
	if (rc == 0)
		rc = probe_on_hosts(w, hosts, n_hosts, host_of, &p);
	if (rc == 0)
		measure_plan_rows(&p, rows, n_rows);
	measure_plan_release(&p);
	return rc;
}

int phase_hosts_series(const struct world *w, const struct state_host *hosts,
		       size_t n_hosts, const size_t *host_of,
		       const struct shape_table *tab, unsigned over_ms,
		       const struct measure_opts *o, struct measure_series **out,
		       size_t *n_out)
{
	struct measure_opts wan = *o;
	struct measure_plan p;
	struct measure_series *s = NULL;
	unsigned samples = over_ms / (o->interval_ms ? o->interval_ms : 1);
	size_t i;
	int rc;

	*out = NULL;
	*n_out = 0;
	/* The site pairs of measure_series: no LAN pairs. */
	wan.lan = false;
	wan.samples = samples ? samples : 1;
	rc = measure_plan_make(w, tab, &wan, &p);
	if (rc < 0)
		return rc;
	s = calloc(p.n + 1, sizeof(*s));
	rc = s ? 0 : -ENOMEM;
	for (i = 0; rc == 0 && i < p.n; i++) {
		s[i].src = p.rows[i].src;
		s[i].dst = p.rows[i].dst;
		s[i].a = p.src[i];
		s[i].b = p.dst[i];
		s[i].src_host = hosts[host_of[p.src[i]]].name;
		s[i].dst_host = hosts[host_of[p.dst[i]]].name;
		s[i].cross_host = host_of[p.src[i]] != host_of[p.dst[i]];
		s[i].traced = resolve_pair_trace(tab, p.src[i], p.dst[i]) != NULL;
		s[i].n = wan.samples;
		s[i].at_s = calloc(wan.samples, sizeof(double));
		s[i].target_ms = calloc(wan.samples, sizeof(double));
		s[i].rtt_ms = calloc(wan.samples, sizeof(double));
		if (!s[i].at_s || !s[i].target_ms || !s[i].rtt_ms)
			rc = -ENOMEM;
		p.pairs[i].sample_start = s[i].at_s;
		p.pairs[i].sample_ms = s[i].rtt_ms;
	}
	if (rc == 0)
		rc = probe_on_hosts(w, hosts, n_hosts, host_of, &p);
	if (rc == 0) {
		/* Each host's send times are on its own clock: the first
		 * send of all is the series' zero. */
		measure_series_finish(tab, 0, o, s, p.n);
		*out = s;
		*n_out = p.n;
		s = NULL;
	}
	measure_series_free(s, p.n);
	measure_plan_release(&p);
	return rc;
}

int phase_down_hosts(struct enos_ctx *ctx, const struct exp_info *info,
		     const struct state_host *hosts, size_t n)
{
	struct hconn *v = calloc(n, sizeof(*v));
	char line[128];
	size_t i, failed = 0, done = 0;
	double t0 = cli_now();
	int rc = 0;

	if (!v) {
		cli_error("out of memory");
		return -ENOMEM;
	}
	state_set_status(ctx->st, info->name, EXP_DOWN);
	for (i = 0; i < n; i++) {
		v[i].th.name = (char *)hosts[i].name;
		v[i].th.address = (char *)hosts[i].address;
		v[i].th.ssh = (char *)hosts[i].ssh;
		v[i].th.enos = (char *)hosts[i].enos;
		/* A host whose part is gone already is not asked again. */
		v[i].ok = strcmp(hosts[i].status, HOST_DOWN) != 0;
	}
	for (i = 0; i < n; i++)
		if (v[i].ok)
			v[i].ok = host_connect(&v[i].th, ssh_config(), &v[i].c,
					       &v[i].err) == 0;
	for (i = 0; i < n; i++)
		if (v[i].ok && host_hello(&v[i].c, &v[i].hello, &v[i].err) < 0)
			v[i].ok = false;
	snprintf(line, sizeof(line), "down %s %s", info->name, info->tag);
	for (i = 0; i < n; i++)
		if (v[i].ok) {
			v[i].sent = host_send(&v[i].c, line, NULL, 0, &v[i].err) == 0;
			v[i].ok = v[i].sent;
		}
	receive_all(v, n);
	for (i = 0; i < n; i++) {
		if (!strcmp(hosts[i].status, HOST_DOWN)) {
			done++;
			continue;
		}
		if (v[i].ok) {
			state_host_set_status(ctx->st, info->name, hosts[i].name,
					      HOST_DOWN, NULL);
			done++;
			continue;
		}
		failed++;
		cli_error("%s", v[i].err ? v[i].err : "unreachable");
		state_host_set_status(ctx->st, info->name, hosts[i].name,
				      HOST_UNREACHABLE, v[i].err);
	}
	if (failed) {
		cli_error("experiment '%s' is not down: %zu of %zu hosts could not be cleaned; their objects stay recorded",
			  info->name, failed, n);
		cli_hint("run 'enos down -n %s' again once %s back; 'enos status -n %s' shows each host",
			 info->name, failed == 1 ? "that host is" : "those hosts are",
			 info->name);
		rc = -EHOSTUNREACH;
		goto out;
	}
	rc = state_forget(ctx->st, info->name);
	if (rc < 0) {
		cli_error("'%s' is down but could not be forgotten: %s", info->name,
			  state_errmsg(ctx->st));
		goto out;
	}
	printf("experiment '%s' is down: %zu sites, %zu nodes removed from %zu hosts in %.2f s\n",
	       info->name, info->n_sites, info->n_nodes, done, cli_now() - t0);
out:
	close_all(v, n);
	return rc;
}
