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
	if (t->stack_name || t->n_workloads) {
		snprintf(why, len, "%s: %s across hosts: not built yet (the world is: without '%s' it is built)",
			 t->path, t->stack_name ? "a stack" : "a workload",
			 t->stack_name ? "stack" : "workload");
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

int phase_up_hosts(struct enos_ctx *ctx, const struct topology *t,
		   const struct shape_ops *shaping, const char *run_kind,
		   int64_t *run_id)
{
	struct world w = { 0 };
	struct placement pl = { 0 };
	struct shape_table tab = { 0 }, plain = { 0 };
	struct hconn *v = NULL;
	const char **names = NULL, **addrs = NULL, **sshs = NULL, **enoss = NULL;
	char tag[WORLD_TAG_LEN + 1], line[128], dev[WORLD_IFNAMSIZ];
	bool *asked = NULL;
	size_t i, n = t->n_hosts, failed = 0;
	int64_t run = 0;
	double t0 = cli_now();
	sigset_t block, old;
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
	rc = state_pick_tag(ctx->st, t->name, tag);
	if (rc == 0)
		rc = plan_world(t, tag, &w);
	if (rc < 0) {
		cli_error("cannot plan '%s': %s", t->name, strerror(-rc));
		goto out;
	}
	w.wan_mode = shaping->wan_mode;
	w.fabric = t->fabric;
	/* The whole WAN, resolved once here: every host's engine gets the
	 * same table and shapes the pairs its gateways send. */
	if (shaping->shapes) {
		rc = shaping_table(ctx, t, &w, false, &tab);
		if (rc == 0)
			rc = plain_across(&tab, pl.host_of, &plain);
		if (rc < 0)
			goto out;
	}
	/* The whole world, every object with its host, recorded here
	 * before any host builds anything. */
	rc = state_record_world(ctx->st, t, &w);
	if (rc == 0 && n > 1 && tunnel_ifname(w.tag, dev, sizeof(dev)))
		rc = state_object_add(ctx->st, t->name, OBJ_LINK, dev);
	if (rc == 0)
		rc = state_hosts_record(ctx->st, t->name, n, names, addrs, sshs,
					enoss, pl.host_of);
	if (rc == 0)
		rc = state_set_shaping(ctx->st, t->name, shaping->name);
	if (rc < 0) {
		cli_error("cannot record '%s': %s", t->name, state_errmsg(ctx->st));
		state_forget(ctx->st, t->name);
		goto out;
	}
	if (state_run_begin(ctx->st, t->name, run_kind, t->seed, t->has_seed,
			    &run) == 0)
		measure_store_world(ctx->st, run, &w, t->path);
	crash_point("up:hosts_recorded");
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGHUP);
	sigprocmask(SIG_BLOCK, &block, &old);
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
