/* host_part — one host's part of a spread world: the body of `up`, and
 * the host's side of up, down and state. See host_part.h. */
#include "enos/host_part.h"

#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "emulator/emu.h"
#include "emulator/fabric.h"
#include "emulator/proc.h"
#include "emulator/node.h"
#include "emulator/shape.h"
#include "emulator/tunnel.h"
#include "enos/calibrate.h"
#include "enos/claim.h"
#include "enos/measure.h"
#include "enos/cli.h"
#include "enos/phase.h"
#include "enos/placement.h"
#include "enos/shaping.h"
#include "enos/state.h"
#include "enos/topo.h"
#include "workloads/probe.h"

/* ---- the controller: encode ---- */

static json_t *site_json(const struct world_site *s, bool local)
{
	return json_pack("{s:s, s:s?, s:I, s:i, s:I, s:I, s:s, s:s, s:s, s:s, s:b}",
			 "name", s->name, "role", s->role,
			 "prefix", (json_int_t)s->lan.addr, "plen", (int)s->lan.plen,
			 "gw_lan", (json_int_t)s->gw_lan_addr,
			 "gw_wan", (json_int_t)s->gw_wan_addr,
			 "lan_bridge", s->lan_bridge, "gw_lan_host", s->gw_lan_host,
			 "gw_wan_host", s->gw_wan_host, "gw_netns", s->gw_netns,
			 "local", local);
}

static json_t *node_json(const struct world_node *n)
{
	return json_pack("{s:s, s:I, s:s, s:i, s:I, s:I, s:I, s:s?, s:I, s:s, s:s}",
			 "name", n->name, "site", (json_int_t)n->site,
			 "backend", n->ops->name, "cpus", (int)n->cpus,
			 "cpu_milli", (json_int_t)n->cpu_milli,
			 "memory_bytes", (json_int_t)n->memory_bytes,
			 "pids", (json_int_t)n->pids, "profile", n->profile,
			 "addr", (json_int_t)n->addr, "host_if", n->host_if,
			 "netns", n->netns);
}

/* TAB's pairs that differ from a plain wire, each
 * [src, dst, delay_us, jitter_us, dist, corr_pct, loss_pct, loss_burst,
 *  rate_bps, queue_pkts, cut]. */
static json_t *table_json(const struct shape_table *tab)
{
	json_t *a = json_array();
	size_t s, d;

	for (s = 0; a && s < tab->n; s++)
		for (d = 0; d < tab->n; d++) {
			const struct link_params *lp = &tab->p[s * tab->n + d];
			bool cut = tab->cut[s * tab->n + d];

			if (s == d || (!cut && !lp->delay_us && !lp->jitter_us &&
				       !lp->loss_pct && !lp->rate_bps))
				continue;
			if (json_array_append_new(a, json_pack("[I, I, I, I, i, f, f, f, I, I, b]",
				(json_int_t)s, (json_int_t)d,
				(json_int_t)lp->delay_us, (json_int_t)lp->jitter_us,
				(int)lp->dist, lp->jitter_corr_pct, lp->loss_pct,
				lp->loss_burst, (json_int_t)lp->rate_bps,
				(json_int_t)lp->queue_pkts, cut)) < 0) {
				json_decref(a);
				return NULL;
			}
		}
	return a;
}

char *host_part_table(const struct shape_table *tab, size_t *len)
{
	json_t *o = json_pack("{s:o}", "shape", table_json(tab));
	char *text = o ? json_dumps(o, JSON_COMPACT) : NULL;

	json_decref(o);
	*len = text ? strlen(text) : 0;
	return text;
}

char *host_part_encode(const struct world *w, const struct topology *t,
		       const struct placement *pl, size_t h,
		       const struct shape_ops *shaping,
		       const struct shape_table *tab, size_t *len)
{
	json_t *sites = json_array(), *nodes = json_array(), *peers = json_array();
	json_t *o = NULL;
	char *text = NULL;
	size_t i;
	int rc = sites && nodes && peers ? 0 : -1;

	for (i = 0; i < w->n_sites && !rc; i++)
		rc = json_array_append_new(sites, site_json(&w->sites[i],
							    pl->host_of[i] == h));
	for (i = 0; i < w->n_nodes && !rc; i++)
		if (pl->host_of[w->nodes[i].site] == h)
			rc = json_array_append_new(nodes, node_json(&w->nodes[i]));
	for (i = 0; i < t->n_hosts && !rc; i++)
		if (i != h)
			rc = json_array_append_new(peers, json_pack("{s:s, s:s}",
				"name", t->hosts[i].name,
				"address", t->hosts[i].address));
	if (!rc)
		o = json_pack("{s:s, s:s, s:s, s:s, s:I, s:s, s:s, s:O, s:O, s:O}",
			      "experiment", w->name, "tag", w->tag,
			      "host", t->hosts[h].name,
			      "address", t->hosts[h].address,
			      "vni", (json_int_t)tunnel_vni(w->tag),
			      "shaping", shaping->name,
			      "fabric", world_fabric(w)->name,
			      "sites", sites, "nodes", nodes, "peers", peers);
	if (o && tab && tab->n == w->n_sites &&
	    json_object_set_new(o, "shape", table_json(tab)) < 0) {
		json_decref(o);
		o = NULL;
	}
	if (o)
		text = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	json_decref(sites);
	json_decref(nodes);
	json_decref(peers);
	*len = text ? strlen(text) : 0;
	return text;
}

/* ---- the host: decode ---- */

static int bad(char *why, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int bad(char *why, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, len, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/* A name made of letters, digits, '.', '-' and '_', shorter than MAX. */
static bool name_ok(const char *s, size_t max)
{
	size_t n = s ? strlen(s) : 0;

	return n && n < max && strspn(s, "abcdefghijklmnopqrstuvwxyz"
				      "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_") == n;
}

static const char *str_of(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	return json_is_string(v) ? json_string_value(v) : NULL;
}

static bool int_of(json_t *o, const char *key, int64_t min, int64_t max,
		   int64_t *out)
{
	json_t *v = json_object_get(o, key);

	if (!json_is_integer(v) || json_integer_value(v) < min ||
	    json_integer_value(v) > max)
		return false;
	*out = json_integer_value(v);
	return true;
}

/* A link name of the world: its tag, then a kind letter and digits. */
static bool link_ok(const struct world *w, const char *s)
{
	return name_ok(s, WORLD_IFNAMSIZ) && !strncmp(s, w->tag, WORLD_TAG_LEN);
}

/* A namespace of experiment EXP: "enos.EXP." then a name. */
static bool netns_ok(const char *exp, const char *s)
{
	char prefix[WORLD_NETNS_MAX];

	world_netns_prefix(exp, prefix, sizeof(prefix));
	return name_ok(s, WORLD_NETNS_MAX) &&
	       !strncmp(s, prefix, strlen(prefix)) && s[strlen(prefix)];
}

static int decode_site(struct host_part *p, json_t *o, size_t i, char *why,
		       size_t len)
{
	struct world_site *s = &p->w.sites[i];
	int64_t pre, plen, gl, gw;
	const char *v;

	s->name = str_of(o, "name");
	s->role = str_of(o, "role");
	if (!json_is_object(o) || !name_ok(s->name, 64) ||
	    !int_of(o, "prefix", 0, UINT32_MAX, &pre) ||
	    !int_of(o, "plen", 8, 30, &plen) ||
	    !int_of(o, "gw_lan", 0, UINT32_MAX, &gl) ||
	    !int_of(o, "gw_wan", 0, UINT32_MAX, &gw))
		return bad(why, len, "site %zu: a name, prefix, plen, gw_lan and gw_wan", i);
	s->lan.addr = (uint32_t)pre;
	s->lan.plen = (uint8_t)plen;
	s->gw_lan_addr = (uint32_t)gl;
	s->gw_wan_addr = (uint32_t)gw;
#define NAME(field, ok) do { \
		v = str_of(o, #field); \
		if (!(ok)) \
			return bad(why, len, "site '%s': " #field " '%s' is not one of this world's names", \
				   s->name, v ? v : ""); \
		snprintf(s->field, sizeof(s->field), "%s", v); \
	} while (0)
	NAME(lan_bridge, link_ok(&p->w, v));
	NAME(gw_lan_host, link_ok(&p->w, v));
	NAME(gw_wan_host, link_ok(&p->w, v));
	NAME(gw_netns, netns_ok(p->w.name, v));
#undef NAME
	s->remote = !json_is_true(json_object_get(o, "local"));
	p->n_local_sites += !s->remote;
	return 0;
}

static int decode_node(struct host_part *p, json_t *o, size_t i, char *why,
		       size_t len)
{
	struct world_node *n = &p->w.nodes[i];
	int64_t site, cpus, milli, mem, pids, addr;
	const char *v;

	n->name = str_of(o, "name");
	if (!json_is_object(o) || !name_ok(n->name, 64) ||
	    !int_of(o, "site", 0, (int64_t)p->w.n_sites - 1, &site) ||
	    !int_of(o, "cpus", 0, 1024, &cpus) ||
	    !int_of(o, "cpu_milli", 0, 1024 * 1000, &milli) ||
	    !int_of(o, "memory_bytes", 0, INT64_MAX, &mem) ||
	    !int_of(o, "pids", 0, 1 << 22, &pids) ||
	    !int_of(o, "addr", 0, UINT32_MAX, &addr))
		return bad(why, len, "node %zu: a name, site, cpus, limits and addr", i);
	n->site = (size_t)site;
	if (p->w.sites[n->site].remote)
		return bad(why, len, "node '%s' is of site '%s', which this host does not build",
			   n->name, p->w.sites[n->site].name);
	v = str_of(o, "backend");
	n->ops = v ? node_ops_find(v) : NULL;
	if (!n->ops)
		return bad(why, len, "node '%s': backend '%s' is not one of this enos",
			   n->name, v ? v : "");
	n->cpus = (unsigned)cpus;
	n->cpu_milli = (uint32_t)milli;
	n->memory_bytes = (uint64_t)mem;
	n->pids = (uint64_t)pids;
	n->profile = str_of(o, "profile");
	n->addr = (uint32_t)addr;
	v = str_of(o, "host_if");
	if (!link_ok(&p->w, v))
		return bad(why, len, "node '%s': host_if is not one of this world's names", n->name);
	snprintf(n->host_if, sizeof(n->host_if), "%s", v);
	v = str_of(o, "netns");
	if (!netns_ok(p->w.name, v))
		return bad(why, len, "node '%s': netns is not one of this world's names", n->name);
	snprintf(n->netns, sizeof(n->netns), "%s", v);
	return 0;
}

static bool num_of(json_t *a, size_t i, double max, double *out)
{
	json_t *v = json_array_get(a, i);
	double x = json_is_number(v) ? json_number_value(v) : -1;

	*out = x;
	return x >= 0 && x <= max;
}

/* The "shape" member: the pairs of the world's table that are shaped,
 * each field within the constraint language's limits. */
static int decode_table(struct host_part *p, json_t *a, char *why, size_t len)
{
	double src, dst, delay, jitter, dist, corr, loss, burst, rate, queue;
	size_t i, n = p->w.n_sites;
	json_t *e;

	if (!json_is_array(a))
		return bad(why, len, "shaping '%s' needs the world's table ('shape')",
			   p->shaping->name);
	if (shape_table_init(&p->tab, n) < 0)
		return -ENOMEM;
	json_array_foreach(a, i, e) {
		struct link_params *lp;

		if (!json_is_array(e) || json_array_size(e) != 11 ||
		    !num_of(e, 0, (double)n - 1, &src) ||
		    !num_of(e, 1, (double)n - 1, &dst) || src == dst ||
		    !num_of(e, 2, CON_DELAY_MAX_US, &delay) ||
		    !num_of(e, 3, CON_DELAY_MAX_US, &jitter) ||
		    !num_of(e, 4, DIST_PARETONORMAL, &dist) ||
		    !num_of(e, 5, 100, &corr) || !num_of(e, 6, 100, &loss) ||
		    !num_of(e, 7, CON_BURST_MAX, &burst) ||
		    !num_of(e, 8, (double)CON_RATE_MAX_BPS, &rate) ||
		    !num_of(e, 9, CON_QUEUE_MAX, &queue) ||
		    !json_is_boolean(json_array_get(e, 10)))
			return bad(why, len, "shape pair %zu: [src, dst, delay_us, jitter_us, dist, corr, loss, burst, rate_bps, queue, cut] within the constraint language's limits",
				   i);
		lp = &p->tab.p[(size_t)src * n + (size_t)dst];
		lp->delay_us = (uint64_t)delay;
		lp->jitter_us = (uint64_t)jitter;
		lp->dist = (enum jitter_dist)(int)dist;
		lp->jitter_corr_pct = corr;
		lp->loss_pct = loss;
		lp->loss_burst = burst;
		lp->rate_bps = (uint64_t)rate;
		lp->queue_pkts = (uint32_t)queue;
		p->tab.cut[(size_t)src * n + (size_t)dst] =
			json_is_true(json_array_get(e, 10));
	}
	return 0;
}

int host_part_decode(const char *exp, const char *body, size_t len,
		     struct host_part *p, char *why, size_t why_len)
{
	const struct fabric_ops *fabric;
	json_t *r, *sites, *nodes, *peers, *o;
	json_error_t je;
	const char *v;
	int64_t vni;
	size_t i;
	int rc;

	memset(p, 0, sizeof(*p));
	r = json_loadb(body, len, JSON_REJECT_DUPLICATES, &je);
	p->root = r;
	if (!json_is_object(r))
		return bad(why, why_len, "the body of 'up' is not a JSON object (%s at byte %d)",
			   je.text, je.position);
	v = str_of(r, "experiment");
	if (!v || strcmp(v, exp))
		return bad(why, why_len, "the body of 'up' is for experiment '%s', not '%s'",
			   v ? v : "", exp);
	p->w.name = v;
	v = str_of(r, "tag");
	if (!v || strlen(v) != WORLD_TAG_LEN || !name_ok(v, WORLD_TAG_LEN + 1))
		return bad(why, why_len, "tag '%s' is not a tag", v ? v : "");
	memcpy(p->w.tag, v, WORLD_TAG_LEN + 1);
	memcpy(p->w.wan_bridge, v, WORLD_TAG_LEN);
	p->w.wan_bridge[WORLD_TAG_LEN] = 'w';
	p->w.wan.addr = ADDR_WAN_POOL;
	p->w.wan.plen = ADDR_WAN_PLEN;
	v = str_of(r, "shaping");
	p->shaping = v ? shape_ops_find(v) : NULL;
	if (!p->shaping)
		return bad(why, why_len, "shaping '%s' is not one of this enos", v ? v : "");
	p->w.wan_mode = p->shaping->wan_mode;
	v = str_of(r, "fabric");
	fabric = v ? fabric_ops_find(v) : NULL;
	if (!fabric)
		return bad(why, why_len, "fabric '%s' is not one of this enos", v ? v : "");
	p->w.fabric = fabric;
	if (!int_of(r, "vni", 1, TUNNEL_VNI_MAX, &vni) ||
	    (uint32_t)vni != tunnel_vni(p->w.tag))
		return bad(why, why_len, "vni is not the one of tag %s", p->w.tag);
	p->vni = (uint32_t)vni;
	v = str_of(r, "host");
	if (!name_ok(v, sizeof(p->host)))
		return bad(why, why_len, "no host name");
	snprintf(p->host, sizeof(p->host), "%s", v);
	v = str_of(r, "address");
	snprintf(p->address, sizeof(p->address), "%s", v ? v : "");
	sites = json_object_get(r, "sites");
	nodes = json_object_get(r, "nodes");
	peers = json_object_get(r, "peers");
	if (!json_is_array(sites) || !json_array_size(sites) ||
	    json_array_size(sites) > ADDR_MAX_SITES || !json_is_array(nodes) ||
	    !json_is_array(peers) || json_array_size(peers) > HOST_PART_PEERS_MAX)
		return bad(why, why_len, "sites, nodes and peers are arrays (at most %d peers)",
			   HOST_PART_PEERS_MAX);
	p->w.n_sites = json_array_size(sites);
	p->w.n_nodes = json_array_size(nodes);
	p->w.sites = calloc(p->w.n_sites, sizeof(*p->w.sites));
	p->w.nodes = calloc(p->w.n_nodes + 1, sizeof(*p->w.nodes));
	if (!p->w.sites || !p->w.nodes)
		return -ENOMEM;
	json_array_foreach(sites, i, o)
		if ((rc = decode_site(p, o, i, why, why_len)) < 0)
			return rc;
	json_array_foreach(nodes, i, o)
		if ((rc = decode_node(p, o, i, why, why_len)) < 0)
			return rc;
	if (p->shaping->shapes && (rc = decode_table(p, json_object_get(r, "shape"),
						      why, why_len)) < 0)
		return rc;
	json_array_foreach(peers, i, o) {
		const char *name = str_of(o, "name"), *addr = str_of(o, "address");

		if (!name_ok(name, sizeof(p->peers[0].name)) || !addr ||
		    strlen(addr) >= sizeof(p->peers[0].address) ||
		    strspn(addr, "0123456789abcdefABCDEF.:") != strlen(addr))
			return bad(why, why_len, "peer %zu: a name and an address", i);
		snprintf(p->peers[i].name, sizeof(p->peers[i].name), "%s", name);
		snprintf(p->peers[i].address, sizeof(p->peers[i].address), "%s", addr);
		p->n_peers++;
	}
	return 0;
}

void host_part_release(struct host_part *p)
{
	shape_table_release(&p->tab);
	free(p->w.sites);
	free(p->w.nodes);
	json_decref(p->root);
	memset(p, 0, sizeof(*p));
}

/* ---- the host: serve ---- */

static char *reply_dump(json_t *o)
{
	char *text = o ? json_dumps(o, JSON_COMPACT) : NULL;

	json_decref(o);
	return text;
}

static char *reply_error(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));

static char *reply_error(const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return reply_dump(json_pack("{s:b, s:s}", "ok", 0, "error", msg));
}

/* The emulator's detail of the last failure, or "". */
static const char *detail(struct enos_ctx *ctx)
{
	return ctx->emu ? emu_errmsg(ctx->emu) : "";
}

/* Open the database and the emulator and lock EXP, as up and down do. */
static int open_for(struct enos_ctx *ctx, const char *exp)
{
	int rc = cli_state(ctx);

	if (rc == 0)
		rc = phase_lock(ctx, exp);
	if (rc == 0)
		rc = cli_emu(ctx);
	return rc;
}

/* EXP on this host for this host's state database (enos/claim.h, as
 * phase.c's claim_name on one host): with TAKE, claimed. 0, or -errno
 * with why in WHY: -EBUSY when another database here owns the name (a
 * world of a local `enos up`, or of another controller whose sessions
 * use another database), whose namespaces and links a part of the same
 * name would collide with, and a down would sweep. */
static int host_claim(struct enos_ctx *ctx, const char *exp, bool take,
		      char *why, size_t len)
{
	char db[PATH_MAX], owner[512];
	int rc;

	if (!realpath(ctx->db_path, db)) {
		rc = -errno;
		snprintf(why, len, "cannot resolve this host's state database '%s': %s",
			 ctx->db_path, strerror(-rc));
		return rc;
	}
	rc = claim_take(CLAIM_DIR, exp, db, take, owner, sizeof(owner));
	if (rc == -EBUSY)
		snprintf(why, len, "experiment '%s' belongs to another state database on this host ('%s'): its namespaces, links and engine are named after it on the whole host; take it down there ('enos --db %s down -n %s') or give this experiment another name",
			 exp, owner, owner, exp);
	else if (rc < 0)
		snprintf(why, len, "cannot claim experiment '%s' on this host ('%s/%s'): %s",
			 exp, CLAIM_DIR, exp, strerror(-rc));
	return rc;
}

/* EXP is gone from this host: another database may build it now. */
static void host_unclaim(struct enos_ctx *ctx, const char *exp)
{
	char db[PATH_MAX];

	if (realpath(ctx->db_path, db))
		claim_release(CLAIM_DIR, exp, db);
}

/* The inner MTU JOIN wrote at the start of its message ("mtu N: ..."),
 * or 0. */
static unsigned mtu_of(const char *msg)
{
	unsigned m = 0;

	return sscanf(msg, "mtu %u", &m) == 1 ? m : 0;
}

/* Join P's part of the WAN to its peers' (emulator/tunnel.h): the path
 * MTU to each peer measured, the inner MTU the smallest less the VXLAN
 * overhead, set on this host's WAN veths, then the VXLAN device TAGx
 * recorded and made. MSG says what was done or why not. Returns 0,
 * -ENOSYS when this enos has no tunnel yet, or -errno. */
static int join(struct enos_ctx *ctx, const struct host_part *p, char *msg,
		size_t len)
{
	struct tunnel_peer peers[HOST_PART_PEERS_MAX];
	const char *addrs[HOST_PART_PEERS_MAX];
	unsigned mtus[HOST_PART_PEERS_MAX], inner = 0;
	bool *local = NULL;
	char dev[WORLD_IFNAMSIZ];
	struct tunnel_spec spec = { 0 };
	size_t i;
	int rc = 0;

	if (!p->n_peers) {
		snprintf(msg, len, "no other host");
		return 0;
	}
	for (i = 0; i < p->n_peers; i++) {
		peers[i].host = p->peers[i].name;
		peers[i].addr = p->peers[i].address;
		addrs[i] = p->peers[i].address;
	}
	for (i = 0; i < p->n_peers; i++) {
		rc = tunnel_path_mtu(p->address, p->peers[i].address, &mtus[i]);
		if (rc == -ENOSYS)
			break;
		if (rc < 0) {
			snprintf(msg, len, "no path MTU from %s to host '%s' (%s): %s",
				 p->address, p->peers[i].name, p->peers[i].address,
				 strerror(-rc));
			return rc;
		}
	}
	if (rc == 0) {
		rc = tunnel_inner_mtu_min(mtus, addrs, p->n_peers, &inner);
		if (rc < 0) {
			snprintf(msg, len, "the path MTU to another host leaves less than %d bytes inside the tunnel",
				 TUNNEL_MTU_MIN);
			return rc;
		}
		local = calloc(p->w.n_sites, sizeof(*local));
		if (!local)
			return -ENOMEM;
		for (i = 0; i < p->w.n_sites; i++)
			local[i] = !p->w.sites[i].remote;
		rc = tunnel_wan_mtu(ctx->emu, &p->w, local, inner);
		free(local);
		if (rc < 0 && rc != -ENOSYS) {
			snprintf(msg, len, "cannot set the WAN MTU to %u: %s", inner,
				 strerror(-rc));
			return rc;
		}
	}
	spec.tag = p->w.tag;
	spec.vni = p->vni;
	spec.local = p->address;
	spec.peers = peers;
	spec.n_peers = p->n_peers;
	spec.mtu = inner;
	spec.bridge = p->w.wan_mode == WAN_BRIDGE ? p->w.wan_bridge : NULL;
	spec.fabric = p->w.fabric;
	if (tunnel_spec_check(&spec, msg, len) < 0)
		return -EINVAL;
	tunnel_ifname(p->w.tag, dev, sizeof(dev));
	rc = state_object_add(ctx->st, p->w.name, OBJ_LINK, dev);
	if (rc == 0)
		rc = tunnel_join(ctx->emu, &spec);
	if (rc == -ENOSYS)
		snprintf(msg, len, "this enos has no VXLAN tunnel yet");
	else if (rc < 0)
		snprintf(msg, len, "%s: %s", strerror(-rc), detail(ctx));
	else
		snprintf(msg, len, "mtu %u: %s joined to %zu host%s by VXLAN %u",
			 inner, dev, p->n_peers, p->n_peers == 1 ? "" : "s",
			 p->vni);
	return rc;
}

static char *serve_up(struct enos_ctx *ctx, const char *exp,
		      const char *body, size_t len)
{
	struct host_part p;
	struct exp_info info;
	char why[512], tunnel[512] = "", claim[2048];
	double t0 = cli_now();
	int rc, left;
	char *out;

	rc = host_part_decode(exp, body, len, &p, why, sizeof(why));
	if (rc < 0) {
		host_part_release(&p);
		return rc == -ENOMEM ? NULL : reply_error("%s", why);
	}
	if (open_for(ctx, exp) < 0) {
		out = reply_error("cannot open this host's state database ('%s') or emulator (its messages are on stderr)",
				  ctx->db_path);
		goto done;
	}
	if (host_claim(ctx, exp, true, claim, sizeof(claim)) < 0) {
		out = reply_error("%s", claim);
		goto done;
	}
	rc = state_get(ctx->st, exp, &info);
	if (rc == 0) {
		out = !strcmp(info.tag, p.w.tag) && !strcmp(info.status, EXP_UP)
		      ? reply_dump(json_pack("{s:b, s:b, s:i, s:i}", "ok", 1, "again", 1,
					     "sites", (int)p.n_local_sites,
					     "nodes", (int)p.w.n_nodes))
		      : reply_error("experiment '%s' is recorded on this host already (tag %s, status '%s'): take it down first",
				    exp, info.tag, info.status);
		goto done;
	}
	/* Recorded here before anything exists, as on one host; the
	 * controlling host recorded the whole world before asking. */
	rc = state_record_world(ctx->st, NULL, &p.w);
	if (rc == 0)
		rc = state_set_shaping(ctx->st, exp, p.shaping->name);
	if (rc < 0) {
		out = reply_error("cannot record '%s' on this host: %s", exp,
				  state_errmsg(ctx->st));
		state_forget(ctx->st, exp);
		host_unclaim(ctx, exp);
		goto done;
	}
	rc = world_up(ctx->emu, &p.w, NULL, NULL);
	if (rc < 0) {
		char msg[768];

		snprintf(msg, sizeof(msg), "%s%s%s", strerror(-rc),
			 *detail(ctx) ? ": " : "", detail(ctx));
		/* Nothing half-made stays: removed, then forgotten. */
		if (world_down(ctx->emu, &p.w, NULL, NULL) == 0) {
			state_forget(ctx->st, exp);
			host_unclaim(ctx, exp);
			out = reply_error("cannot build its part of '%s': %s (rolled back)",
					  exp, msg);
		} else {
			state_set_status(ctx->st, exp, EXP_FAILED);
			out = reply_error("cannot build its part of '%s': %s (rolling back failed too: 'enos down' retries)",
					  exp, msg);
		}
		goto done;
	}
	rc = join(ctx, &p, tunnel, sizeof(tunnel));
	if (rc < 0 && rc != -ENOSYS) {
		char msg[768];

		snprintf(msg, sizeof(msg), "%s", tunnel);
		if (world_down(ctx->emu, &p.w, NULL, NULL) == 0) {
			state_forget(ctx->st, exp);
			host_unclaim(ctx, exp);
			out = reply_error("cannot join its part of '%s' to the other hosts: %s (rolled back)",
					  exp, msg);
		} else {
			state_set_status(ctx->st, exp, EXP_FAILED);
			out = reply_error("cannot join its part of '%s' to the other hosts: %s (rolling back failed too: 'enos down' retries)",
					  exp, msg);
		}
		goto done;
	}
	/* Its engine shapes what its gateways send (once, at the sender),
	 * remote sites' frames through the tunnel. */
	if (p.shaping->shapes) {
		rc = shaping_engine(ctx, &p.w, p.shaping, true);
		if (rc == 0)
			rc = shaping_apply(ctx, &p.w, p.shaping, &p.tab);
		if (rc < 0) {
			char msg[256];

			snprintf(msg, sizeof(msg), "%s", strerror(-rc));
			if (shaping_stop(ctx, exp) == 0 &&
			    world_down(ctx->emu, &p.w, NULL, NULL) == 0) {
				state_forget(ctx->st, exp);
				host_unclaim(ctx, exp);
				out = reply_error("cannot shape its part of '%s' (%s): %s (rolled back; the engine's messages are on stderr)",
						  exp, p.shaping->name, msg);
			} else {
				state_set_status(ctx->st, exp, EXP_FAILED);
				out = reply_error("cannot shape its part of '%s' (%s): %s (rolling back failed too: 'enos down' retries)",
						  exp, p.shaping->name, msg);
			}
			goto done;
		}
	}
	state_set_status(ctx->st, exp, EXP_UP);
	left = world_leftovers(ctx->emu, &p.w);
	out = reply_dump(json_pack("{s:b, s:i, s:i, s:i, s:I, s:b, s:s, s:i, s:f}",
				   "ok", 1, "sites", (int)p.n_local_sites,
				   "nodes", (int)p.w.n_nodes,
				   "objects", left, "vni", (json_int_t)p.vni,
				   "joined", rc == 0, "tunnel", tunnel,
				   "mtu", (int)mtu_of(tunnel),
				   "seconds", cli_now() - t0));
done:
	host_part_release(&p);
	return out;
}

/* "EXP TAG" into its two words; false if it is not that. */
static bool exp_tag(const char *args, char *exp, size_t len,
		    char *tag)
{
	const char *sp = strchr(args, ' ');

	if (!sp || (size_t)(sp - args) >= len || strlen(sp + 1) != WORLD_TAG_LEN ||
	    !name_ok(sp + 1, WORLD_TAG_LEN + 1))
		return false;
	memcpy(exp, args, (size_t)(sp - args));
	exp[sp - args] = '\0';
	memcpy(tag, sp + 1, WORLD_TAG_LEN + 1);
	return name_ok(exp, len);
}

static char *serve_down(struct enos_ctx *ctx, const char *exp, const char *tag)
{
	struct world w = { 0 };
	struct exp_info info;
	char why[2048];
	bool recorded;
	int rc, left;
	char *out;

	if (open_for(ctx, exp) < 0)
		return reply_error("cannot open this host's state database ('%s') or emulator",
				   ctx->db_path);
	rc = state_get(ctx->st, exp, &info);
	recorded = rc == 0;
	/* Another database's world of that name is not this part: never
	 * swept from here. Unrecorded here, this part was never built
	 * (its up was refused by that claim): nothing to take down. */
	rc = host_claim(ctx, exp, false, why, sizeof(why));
	if (rc == -EBUSY && !recorded)
		return reply_dump(json_pack("{s:b, s:b, s:i, s:i, s:i, s:s}", "ok", 1,
					    "recorded", 0, "sites", 0, "nodes", 0,
					    "leftovers", 0, "note", why));
	if (rc < 0)
		return reply_error("%s", why);
	if (recorded && strcmp(info.tag, tag))
		return reply_error("experiment '%s' is recorded here with tag %s, not %s: another controller's",
				   exp, info.tag, tag);
	if (recorded) {
		state_set_status(ctx->st, exp, EXP_DOWN);
		rc = state_load_world(ctx->st, exp, &w);
		if (rc < 0)
			return reply_error("cannot read '%s' here: %s", exp,
					   state_errmsg(ctx->st));
	} else {
		/* Never recorded here (the controller gave up before, or
		 * this host lost its database): the tag's sweep. */
		w.name = exp;
		memcpy(w.tag, tag, WORLD_TAG_LEN + 1);
	}
	/* Its engine first: it holds sockets on the links about to go. */
	rc = shaping_stop(ctx, exp);
	if (rc == 0)
		rc = shaping_sweep(exp);
	if (rc < 0)
		return reply_error("cannot stop the engine of '%s' here: %s", exp,
				   strerror(-rc));
	rc = tunnel_leave(ctx->emu, w.tag, w.fabric);
	if (rc == -ENOSYS)
		rc = 0;         /* no tunnel was made: TAGx is in the group */
	if (rc == 0)
		rc = world_down(ctx->emu, &w, NULL, NULL);
	left = rc == 0 ? world_leftovers(ctx->emu, &w) : -1;
	if (rc < 0 || left != 0) {
		out = reply_error("cannot take its part of '%s' down: %s%s%s", exp,
				  rc < 0 ? strerror(-rc) : "objects are left",
				  *detail(ctx) ? ": " : "", detail(ctx));
	} else {
		if (recorded)
			state_forget(ctx->st, exp);
		host_unclaim(ctx, exp);
		out = reply_dump(json_pack("{s:b, s:b, s:i, s:i, s:i}", "ok", 1,
					   "recorded", recorded,
					   "sites", (int)w.n_sites,
					   "nodes", (int)w.n_nodes, "leftovers", 0));
	}
	if (recorded)
		state_world_free(&w);
	return out;
}

static char *serve_state(struct enos_ctx *ctx, const char *exp, const char *tag)
{
	struct world w = { 0 };
	struct exp_info info;
	int rc, left;

	rc = cli_state(ctx);
	if (rc == 0)
		rc = cli_emu(ctx);
	if (rc < 0)
		return reply_error("cannot open this host's state database ('%s') or emulator",
				   ctx->db_path);
	rc = state_get(ctx->st, exp, &info);
	w.name = exp;
	memcpy(w.tag, tag, WORLD_TAG_LEN + 1);
	left = world_leftovers(ctx->emu, &w);
	return reply_dump(json_pack("{s:b, s:b, s:s, s:s, s:i, s:i, s:i}", "ok", 1,
				    "recorded", rc == 0,
				    "status", rc == 0 ? info.status : "",
				    "tag", rc == 0 ? info.tag : "",
				    "sites", rc == 0 ? (int)info.n_sites : 0,
				    "nodes", rc == 0 ? (int)info.n_nodes : 0,
				    "objects", left));
}

/* `mtu LOCAL PEER...`: the path MTU from this host's underlay address
 * LOCAL to each PEER (emulator/tunnel.h) and what it leaves inside the
 * tunnel. */
static char *serve_mtu(const char *args)
{
	char buf[HOST_PART_PEERS_MAX * 48], *save = NULL, *local, *peer;
	json_t *a = json_array(), *o;
	size_t n = 0;

	snprintf(buf, sizeof(buf), "%s", args);
	local = strtok_r(buf, " ", &save);
	if (!a || !local || !name_ok(local, 64) || strchr(local, '/')) {
		json_decref(a);
		return reply_error("usage: mtu LOCAL PEER... (underlay addresses)");
	}
	while ((peer = strtok_r(NULL, " ", &save)) && n++ < HOST_PART_PEERS_MAX) {
		unsigned mtu = 0, inner = 0;
		int rc = strspn(peer, "0123456789abcdefABCDEF.:") == strlen(peer)
			 ? tunnel_path_mtu(local, peer, &mtu) : -EINVAL;

		if (rc == 0)
			tunnel_inner_mtu(mtu, peer, &inner);
		o = json_pack("{s:s, s:i, s:i, s:s}", "address", peer,
			      "mtu", (int)mtu, "inner", (int)inner,
			      "error", rc < 0 ? strerror(-rc) : "");
		if (!o || json_array_append_new(a, o) < 0) {
			json_decref(a);
			return NULL;
		}
	}
	return reply_dump(json_pack("{s:b, s:o}", "ok", 1, "paths", a));
}

#define RTT_SAMPLES 40

/* `rtt GWNS ADDR`: the RTT from gateway namespace GWNS of this host to
 * ADDR (another host's gateway, across both engines and the tunnel),
 * RTT_SAMPLES ICMP echoes every 10 ms (iproute2's and iputils' ping, from
 * an argv), summarized as calibration wants it (calibrate_summary: the
 * base is the 10th percentile). */
static char *serve_rtt(const char *args)
{
	char ns[WORLD_NETNS_MAX], addr[64], count[8], line[256];
	char *argv[] = { "ip", "netns", "exec", ns, "ping", "-n", "-c", count,
			 "-i", "0.01", "-W", "1", addr, NULL };
	double v[RTT_SAMPLES], ms;
	struct calib_base b;
	const char *sp = strchr(args, ' ');
	size_t n = 0;
	int fd[2], st;
	pid_t pid;
	FILE *f;

	if (!sp || (size_t)(sp - args) >= sizeof(ns) || strlen(sp + 1) >= sizeof(addr) ||
	    strspn(sp + 1, "0123456789.") != strlen(sp + 1))
		return reply_error("usage: rtt GATEWAY_NETNS IPV4_ADDRESS");
	snprintf(ns, sizeof(ns), "%.*s", (int)(sp - args), args);
	snprintf(addr, sizeof(addr), "%s", sp + 1);
	if (!name_ok(ns, sizeof(ns)) || strncmp(ns, "enos.", 5) || !strstr(ns, ".gw."))
		return reply_error("rtt: '%s' is not a gateway's namespace", ns);
	snprintf(count, sizeof(count), "%d", RTT_SAMPLES);
	if (pipe2(fd, O_CLOEXEC) < 0)
		return reply_error("rtt: %s", strerror(errno));
	pid = fork();
	if (pid == 0) {
		proc_child_prepare();
		if (dup2(fd[1], STDOUT_FILENO) < 0)
			_exit(127);
		execvp(argv[0], argv);
		_exit(127);
	}
	close(fd[1]);
	f = pid > 0 ? fdopen(fd[0], "r") : NULL;
	if (!f)
		close(fd[0]);
	while (f && fgets(line, sizeof(line), f)) {
		const char *t = strstr(line, "time=");

		if (t && n < RTT_SAMPLES && sscanf(t, "time=%lf", &ms) == 1)
			v[n++] = ms;
	}
	if (f)
		fclose(f);
	if (pid > 0)
		waitpid(pid, &st, 0);
	if (pid < 0 || n == 0 || calibrate_summary(v, n, &b) < 0)
		return reply_error("rtt: no answer from %s in %s", addr, ns);
	return reply_dump(json_pack("{s:b, s:f, s:f, s:f, s:f, s:i, s:i}", "ok", 1,
				    "base_ms", b.base_ms, "p50_ms", b.p50_ms,
				    "spread_ms", b.spread_ms, "min_ms", b.min_ms,
				    "sent", RTT_SAMPLES, "received", (int)n));
}

/* `shape EXP LENGTH` + {"shape": [...]}: apply a new table to the
 * engine of this host's part (after calibration). */
static char *serve_shape(struct enos_ctx *ctx, const char *exp,
			 const char *body, size_t len)
{
	struct host_part p;
	struct exp_info info;
	json_error_t je;
	char why[512];
	char *out;
	int rc;

	memset(&p, 0, sizeof(p));
	if (cli_state(ctx) < 0 || cli_emu(ctx) < 0)
		return reply_error("cannot open this host's state database ('%s') or emulator",
				   ctx->db_path);
	if (state_get(ctx->st, exp, &info) < 0 || strcmp(info.status, EXP_UP))
		return reply_error("experiment '%s' is not up here", exp);
	if (state_load_world(ctx->st, exp, &p.w) < 0)
		return reply_error("cannot read '%s' here: %s", exp, state_errmsg(ctx->st));
	p.shaping = info.shaping_ops;
	p.root = json_loadb(body, len, JSON_REJECT_DUPLICATES, &je);
	if (!p.shaping->shapes) {
		out = reply_error("experiment '%s' is not shaped here", exp);
	} else if (decode_table(&p, json_object_get(p.root, "shape"), why,
				sizeof(why)) < 0) {
		out = reply_error("%s", why);
	} else {
		rc = shaping_engine(ctx, &p.w, p.shaping, false);
		if (rc == 0)
			rc = shaping_apply(ctx, &p.w, p.shaping, &p.tab);
		out = rc < 0 ? reply_error("cannot shape '%s' here: %s", exp, strerror(-rc))
			     : reply_dump(json_pack("{s:b}", "ok", 1));
	}
	state_world_free(&p.w);
	shape_table_release(&p.tab);
	json_decref(p.root);
	return out;
}

/* ---- tc --test across hosts: echo and probe ---- */

char *host_part_echo_body(unsigned seconds, const struct probe_pair *pairs,
			  size_t n, size_t *len)
{
	json_t *a = json_array(), *o;
	char *text;
	size_t i;

	for (i = 0; a && i < n; i++)
		if (json_array_append_new(a, json_pack("[s, I]", pairs[i].dst_netns,
						       (json_int_t)pairs[i].dst_addr)) < 0) {
			json_decref(a);
			return NULL;
		}
	o = a ? json_pack("{s:i, s:o}", "seconds", (int)seconds, "endpoints", a) : NULL;
	text = o ? json_dumps(o, JSON_COMPACT) : NULL;
	json_decref(o);
	*len = text ? strlen(text) : 0;
	return text;
}

char *host_part_probe_body(const struct probe_opts *po,
			   const struct probe_pair *pairs, size_t n,
			   size_t *len)
{
	json_t *a = json_array(), *o;
	char *text;
	size_t i;

	for (i = 0; a && i < n; i++)
		if (json_array_append_new(a, json_pack("[s, s, I, i]",
				pairs[i].src_netns,
				pairs[i].remote_port ? "" : pairs[i].dst_netns,
				(json_int_t)pairs[i].dst_addr,
				(int)pairs[i].remote_port)) < 0) {
			json_decref(a);
			return NULL;
		}
	o = a ? json_pack("{s:i, s:i, s:i}", "samples", (int)po->samples,
			  "interval_ms", (int)po->interval_ms, "timeout_ms",
			  (int)po->timeout_ms) : NULL;
	/* Every probe's figure back too: `tc --test --over`. */
	if (o && n && pairs[0].sample_ms)
		json_object_set_new(o, "series", json_true());
	if (o && json_object_set_new(o, "pairs", a) < 0) {
		json_decref(o);
		o = NULL;
	} else if (!o)
		json_decref(a);
	text = o ? json_dumps(o, JSON_COMPACT) : NULL;
	json_decref(o);
	*len = text ? strlen(text) : 0;
	return text;
}

int host_part_probe_results(const char *reply, struct probe_pair *pairs,
			    size_t n)
{
	json_t *o = reply ? json_loads(reply, JSON_REJECT_DUPLICATES, NULL) : NULL;
	json_t *a = json_object_get(o, "pairs"), *e;
	double v[8];
	size_t i, k;
	int rc = -EPROTO;

	if (!json_is_array(a) || json_array_size(a) != n)
		goto out;
	for (i = 0; i < n; i++) {
		e = json_array_get(a, i);
		if (json_array_size(e) != 8)
			goto out;
		for (k = 0; k < 8; k++) {
			json_t *x = json_array_get(e, k);

			if (!json_is_number(x) || json_number_value(x) < 0 ||
			    json_number_value(x) > 1e9)
				goto out;
			v[k] = json_number_value(x);
		}
		if (v[1] > v[0])
			goto out;
		pairs[i].sent = (unsigned)v[0];
		pairs[i].received = (unsigned)v[1];
		pairs[i].loss_bursts = (unsigned)v[2];
		pairs[i].min_ms = v[3];
		pairs[i].p50_ms = v[4];
		pairs[i].p90_ms = v[5];
		pairs[i].p99_ms = v[6];
		pairs[i].mean_ms = v[7];
	}
	rc = 0;
out:
	json_decref(o);
	return rc;
}

int host_part_probe_series(const char *reply, struct probe_pair *pairs,
			   size_t n, unsigned samples)
{
	json_t *o = reply ? json_loads(reply, JSON_REJECT_DUPLICATES, NULL) : NULL;
	json_t *a = json_object_get(o, "series"), *t0 = json_object_get(o, "t0_us");
	size_t i, k;
	int rc = -EPROTO;

	if (!json_is_array(a) || json_array_size(a) != n || !json_is_integer(t0) ||
	    json_integer_value(t0) < 0)
		goto out;
	for (i = 0; i < n; i++) {
		json_t *e = json_array_get(a, i);

		if (!json_is_array(e) || json_array_size(e) != 2 * (size_t)samples)
			goto out;
		for (k = 0; k < samples; k++) {
			json_t *at = json_array_get(e, 2 * k), *rtt = json_array_get(e, 2 * k + 1);
			json_int_t off = json_integer_value(at), us = json_integer_value(rtt);

			/* [offset from t0_us, RTT] in us, -1: not sent, lost. */
			if (!json_is_integer(at) || !json_is_integer(rtt) || off < -1 ||
			    off > 100000000000LL || us < -1 || us > 1000000000LL)
				goto out;
			pairs[i].sample_start[k] = off < 0 ? 0 :
				(double)(json_integer_value(t0) + off) / 1e6;
			pairs[i].sample_ms[k] = us < 0 ? NAN : (double)us / 1000.0;
		}
	}
	rc = 0;
out:
	json_decref(o);
	return rc;
}

/* Every probe of PAIRS[0..N) (SAMPLES each) as the `probe` reply's
 * "series" and "t0_us": per pair [offset, RTT, ...] in us from the first
 * send, -1 for a probe not sent or lost. NULL: out of memory. */
static json_t *series_json(const struct probe_pair *pairs, size_t n,
			   unsigned samples, json_int_t *t0_us)
{
	json_t *all = json_array();
	size_t i, k;
	double t0 = 0;

	for (i = 0; i < n; i++)
		for (k = 0; k < samples; k++)
			if (pairs[i].sample_start[k] > 0 &&
			    (t0 == 0 || pairs[i].sample_start[k] < t0))
				t0 = pairs[i].sample_start[k];
	*t0_us = (json_int_t)llround(t0 * 1e6);
	for (i = 0; all && i < n; i++) {
		json_t *e = json_array();

		for (k = 0; e && k < samples; k++) {
			double at = pairs[i].sample_start[k], ms = pairs[i].sample_ms[k];

			if (json_array_append_new(e, json_integer(at > 0 ?
					llround(at * 1e6) - *t0_us : -1)) < 0 ||
			    json_array_append_new(e, json_integer(at > 0 && !isnan(ms) ?
					llround(ms * 1000) : -1)) < 0) {
				json_decref(e);
				e = NULL;
			}
		}
		if (!e || json_array_append_new(all, e) < 0) {
			json_decref(all);
			return NULL;
		}
	}
	return all;
}

/* The read ends of the echoes' pipes are in their children; the write
 * ends stay open here until this `enos host` exits (the session's end),
 * which is what stops them. */
#define ECHO_MAX_ENDPOINTS 4096
/* A day of `tc --test --over` and its warm-up. */
#define ECHO_MAX_SECONDS 90000

/* `echo EXP LENGTH` + {"seconds": S, "endpoints": [[NETNS, ADDR], ...]}:
 * a UDP echo bound to each ADDR in its NETNS (a namespace of EXP), served
 * by a child until this session ends or S seconds have passed, so that
 * another host's `probe` measures its pairs to these sites. The reply
 * gives each endpoint's port, in order. */
static char *serve_echo(const char *exp, const char *body, size_t len)
{
	json_t *root = json_loadb(body, len, JSON_REJECT_DUPLICATES, NULL);
	json_t *eps = json_object_get(root, "endpoints"), *ports = json_array();
	size_t i, n = json_array_size(eps);
	int *fds = calloc(n + 1, sizeof(*fds)), pfd[2] = { -1, -1 };
	int64_t seconds;
	char *out = NULL;
	pid_t pid;

	for (i = 0; fds && i < n; i++)
		fds[i] = -1;
	if (!fds || !ports || !json_is_array(eps) || n == 0 ||
	    n > ECHO_MAX_ENDPOINTS ||
	    !int_of(root, "seconds", 1, ECHO_MAX_SECONDS, &seconds)) {
		out = reply_error("usage: echo EXPERIMENT LENGTH, then {\"seconds\": 1..%d, \"endpoints\": [[NETNS, ADDRESS], ...]} (1 to %d)",
				  ECHO_MAX_SECONDS,
				  ECHO_MAX_ENDPOINTS);
		goto done;
	}
	for (i = 0; i < n; i++) {
		json_t *e = json_array_get(eps, i);
		const char *ns = json_string_value(json_array_get(e, 0));
		json_t *ad = json_array_get(e, 1);
		uint16_t port = 0;

		if (!ns || !netns_ok(exp, ns) || !json_is_integer(ad) ||
		    json_integer_value(ad) < 0 || json_integer_value(ad) > 0xffffffffLL) {
			out = reply_error("echo: endpoint %zu is not [a namespace of '%s', an IPv4 address]",
					  i, exp);
			goto done;
		}
		fds[i] = probe_echo_open(ns, (uint32_t)json_integer_value(ad), &port);
		if (fds[i] < 0) {
			out = reply_error("echo: cannot bind in '%s': %s", ns,
					  strerror(-fds[i]));
			goto done;
		}
		json_array_append_new(ports, json_integer(port));
	}
	if (pipe2(pfd, O_CLOEXEC) < 0) {
		out = reply_error("echo: %s", strerror(errno));
		goto done;
	}
	pid = fork();
	if (pid == 0) {
		/* Off the session's stdin and stdout: its end must not wait
		 * for this child. */
		int null = open("/dev/null", O_RDWR);

		if (null >= 0) {
			dup2(null, STDIN_FILENO);
			dup2(null, STDOUT_FILENO);
			dup2(null, STDERR_FILENO);
		}
		close(pfd[1]);
		_exit(probe_echo_serve(fds, n, pfd[0], (unsigned)seconds * 1000) < 0);
	}
	if (pid < 0) {
		out = reply_error("echo: %s", strerror(errno));
		close(pfd[1]);
	} else {
		out = reply_dump(json_pack("{s:b, s:O, s:i}", "ok", 1, "ports", ports,
					   "pid", (int)pid));
		/* pfd[1] stays open: the child stops when this enos exits. */
	}
	close(pfd[0]);
done:
	for (i = 0; fds && i < n; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	free(fds);
	json_decref(ports);
	json_decref(root);
	return out;
}

/* `probe EXP LENGTH` + {"samples", "interval_ms", "timeout_ms", "series"
 * (optional), "pairs": [[SRC_NETNS, DST_NETNS or "", ADDR, PORT], ...]}:
 * measure_probe from this host, as `enos tc --test` does on one (a pair
 * with PORT nonzero is answered by another host's `echo`). The reply: per
 * pair [sent, received, loss_bursts, min, p50, p90, p99, mean] in order;
 * with "series": true, every probe's send time and RTT too (series_json),
 * what `enos tc --test --over` draws. */
static char *serve_probe(const char *exp, const char *body, size_t len)
{
	json_t *root = json_loadb(body, len, JSON_REJECT_DUPLICATES, NULL);
	json_t *a = json_object_get(root, "pairs"), *res = NULL;
	size_t i, n = json_array_size(a);
	struct probe_pair *pairs = calloc(n + 1, sizeof(*pairs));
	struct probe_opts po = { 0 };
	int64_t samples, interval, timeout;
	json_t *want = json_object_get(root, "series"), *series = NULL;
	double *buf = NULL;
	json_int_t t0 = 0;
	char *out = NULL;
	int rc;

	if (!pairs || !json_is_array(a) || n == 0 || n > HOST_PROBE_PAIRS_MAX ||
	    (want && !json_is_boolean(want)) ||
	    !int_of(root, "samples", 1, 1000000, &samples) ||
	    !int_of(root, "interval_ms", 1, 10000, &interval) ||
	    !int_of(root, "timeout_ms", 0, 600000, &timeout)) {
		out = reply_error("usage: probe EXPERIMENT LENGTH, then {\"samples\", \"interval_ms\", \"timeout_ms\", \"series\", \"pairs\": [[SRC_NETNS, DST_NETNS, ADDRESS, PORT], ...]} (1 to %d pairs)",
				  HOST_PROBE_PAIRS_MAX);
		goto done;
	}
	if (json_is_true(want)) {
		if ((uint64_t)n * (uint64_t)samples > HOST_SERIES_SAMPLES_MAX) {
			out = reply_error("probe: a series of %zu pairs x %lld probes is more than the %d a request carries",
					  n, (long long)samples, HOST_SERIES_SAMPLES_MAX);
			goto done;
		}
		buf = calloc(2 * n * (size_t)samples, sizeof(*buf));
		if (!buf) {
			out = reply_error("probe: out of memory");
			goto done;
		}
		for (i = 0; i < n; i++) {
			pairs[i].sample_start = buf + 2 * i * (size_t)samples;
			pairs[i].sample_ms = pairs[i].sample_start + samples;
		}
	}
	for (i = 0; i < n; i++) {
		json_t *e = json_array_get(a, i), *ad = json_array_get(e, 2),
		       *port = json_array_get(e, 3);
		const char *src = json_string_value(json_array_get(e, 0));
		const char *dst = json_string_value(json_array_get(e, 1));

		if (!src || !dst || !netns_ok(exp, src) ||
		    (*dst && !netns_ok(exp, dst)) || !json_is_integer(ad) ||
		    json_integer_value(ad) < 0 || json_integer_value(ad) > 0xffffffffLL ||
		    !json_is_integer(port) || json_integer_value(port) < 0 ||
		    json_integer_value(port) > 65535 ||
		    (!*dst && !json_integer_value(port))) {
			out = reply_error("probe: pair %zu is not [a namespace of '%s', one or \"\", an IPv4 address, a port (nonzero without a namespace)]",
					  i, exp);
			goto done;
		}
		pairs[i].src_netns = src;
		pairs[i].dst_netns = *dst ? dst : NULL;
		pairs[i].dst_addr = (uint32_t)json_integer_value(ad);
		pairs[i].remote_port = (uint16_t)json_integer_value(port);
	}
	po.samples = (unsigned)samples;
	po.interval_ms = (unsigned)interval;
	po.timeout_ms = (unsigned)timeout;
	rc = measure_probe(pairs, n, &po);
	if (rc < 0) {
		out = reply_error("probe: %s", strerror(-rc));
		goto done;
	}
	res = json_array();
	for (i = 0; res && i < n; i++) {
		const struct probe_pair *p = &pairs[i];

		json_array_append_new(res, json_pack("[i, i, i, f, f, f, f, f]",
			(int)p->sent, (int)p->received, (int)p->loss_bursts,
			p->min_ms, p->p50_ms, p->p90_ms, p->p99_ms, p->mean_ms));
	}
	if (buf && !(series = series_json(pairs, n, (unsigned)samples, &t0))) {
		out = reply_error("probe: out of memory");
		goto done;
	}
	out = reply_dump(series ? json_pack("{s:b, s:O, s:I, s:O}", "ok", 1, "pairs", res,
					    "t0_us", t0, "series", series)
				: json_pack("{s:b, s:O}", "ok", 1, "pairs", res));
done:
	json_decref(res);
	json_decref(series);
	free(buf);
	free(pairs);
	json_decref(root);
	return out;
}

char *host_part_serve(void *arg, const char *verb, const char *args,
		      const char *body, size_t len)
{
	struct enos_ctx *ctx = arg;
	char exp[64], tag[WORLD_TAG_LEN + 1];

	if (!strcmp(verb, "up")) {
		if (!name_ok(args, sizeof(exp)))
			return reply_error("usage: up EXPERIMENT LENGTH");
		return serve_up(ctx, args, body, len);
	}
	if (!strcmp(verb, "rtt"))
		return serve_rtt(args);
	if (!strcmp(verb, "shape")) {
		if (!name_ok(args, sizeof(exp)))
			return reply_error("usage: shape EXPERIMENT LENGTH");
		return serve_shape(ctx, args, body, len);
	}
	if (!strcmp(verb, "mtu"))
		return serve_mtu(args);
	if (!strcmp(verb, "echo") || !strcmp(verb, "probe")) {
		if (!name_ok(args, sizeof(exp)))
			return reply_error("usage: %s EXPERIMENT LENGTH", verb);
		return !strcmp(verb, "echo") ? serve_echo(args, body, len)
					     : serve_probe(args, body, len);
	}
	if (!exp_tag(args, exp, sizeof(exp), tag))
		return reply_error("usage: %s EXPERIMENT TAG", verb);
	if (!strcmp(verb, "down"))
		return serve_down(ctx, exp, tag);
	return serve_state(ctx, exp, tag);
}
