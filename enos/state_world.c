/* state_world — what the state database holds about a world that exists:
 * its experiment row (tag, status, shaping, fabric), sites, nodes, and the
 * kernel objects it creates.
 *
 * enos/ records a world here (state_record_world) before emulator/ builds
 * it, so `down` after a crash knows every object to remove, and rebuilds it
 * from here (state_load_world) for every command after `up`. Forgetting an
 * experiment removes all of this but not its runs (state_run.c). The
 * statement helpers are in state.c (state_db.h).
 */
#include "enos/state.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "emulator/fabric.h"
#include "emulator/node.h"
#include "emulator/shape.h"
#include "enos/state_db.h"
#include "enos/topo.h"

/* Salts state_pick_tag() tries before giving up. */
#define STATE_TAG_TRIES 4096

static const char *const obj_kind_names[] = {
	[OBJ_NETNS] = "netns",
	[OBJ_LINK] = "link",
	[OBJ_BRIDGE] = "bridge",
	[OBJ_PROCESS] = "process",
};

#define N_OBJ_KINDS (sizeof(obj_kind_names) / sizeof(obj_kind_names[0]))

/* The name of object kind K as stored; "?" if K is out of range. */
const char *state_obj_kind_name(enum obj_kind k)
{
	return (unsigned)k < N_OBJ_KINDS ? obj_kind_names[k] : "?";
}

static int obj_kind_parse(const char *s, enum obj_kind *out)
{
	size_t i;

	for (i = 0; s && i < N_OBJ_KINDS; i++)
		if (strcmp(s, obj_kind_names[i]) == 0)
			break;
	if (s && i < N_OBJ_KINDS)
		*out = (enum obj_kind)i;
	return s && i < N_OBJ_KINDS ? 0 : -EBADMSG;
}

/* 1 if an experiment NAME is recorded, 0 if not, or -errno. */
static int exp_exists(struct state *st, const char *name)
{
	struct db_stmt q;
	int ret;

	db_prepare(st, &q, "look up experiment",
		   "SELECT 1 FROM experiments WHERE name = ?1");
	db_bind_text(&q, 1, name);
	ret = db_row(&q);
	db_done(&q);
	return ret;
}

/* Pick a tag for NAME that no other recorded experiment uses: world_tag()
 * with salt 0, 1, ... TAG receives WORLD_TAG_LEN + 1 bytes.
 * Returns 0, -EAGAIN if every salt tried is taken, or -errno. */
int state_pick_tag(struct state *st, const char *name, char *tag)
{
	struct db_stmt q;
	unsigned salt;
	int ret = 0;

	db_prepare(st, &q, "look up tag", "SELECT 1 FROM experiments"
		   " WHERE tag = ?1 AND name <> ?2");
	for (salt = 0; salt < STATE_TAG_TRIES; salt++) {
		world_tag(name, salt, tag);
		db_bind_text(&q, 1, tag);
		db_bind_text(&q, 2, name);
		ret = db_row(&q);       /* 1: taken */
		db_reset(&q);
		if (ret <= 0)
			break;
	}
	if (salt == STATE_TAG_TRIES)
		ret = state_error(st, -EAGAIN, "no free tag for experiment "
				  "'%s'", name);
	db_done(&q);
	return ret;
}

/* Record the kernel objects of experiment NAME from its site and node
 * rows, in the order world_up() creates them: the WAN bridge (seq 0); per
 * site its LAN bridge, gateway netns, and the host ends of the gateway's
 * LAN and WAN veths; per node its netns and the host end of its veth.
 * Empty names are skipped (the object does not exist for that backend).
 * Copying inside SQLite costs one statement instead of one per object,
 * which is most of the cost of recording thousands of nodes. */
static int record_objects(struct state *st, const char *name)
{
	static const char *const sql[] = {
		"INSERT INTO objects (experiment, seq, kind, name)"
		" SELECT name, 0, 'bridge', wan_bridge FROM experiments"
		"  WHERE name = ?1 AND wan_bridge <> ''",
		"INSERT INTO objects (experiment, seq, kind, name)"
		" SELECT experiment, 1 + 4 * idx + k, kind, obj FROM ("
		"  SELECT experiment, idx, 0 AS k, 'bridge' AS kind,"
		"         lan_bridge AS obj FROM sites WHERE experiment = ?1"
		"  UNION ALL SELECT experiment, idx, 1, 'netns', gw_netns"
		"   FROM sites WHERE experiment = ?1"
		"  UNION ALL SELECT experiment, idx, 2, 'link', gw_lan_host"
		"   FROM sites WHERE experiment = ?1"
		"  UNION ALL SELECT experiment, idx, 3, 'link', gw_wan_host"
		"   FROM sites WHERE experiment = ?1"
		" ) WHERE obj <> '' ORDER BY 2",
		"INSERT INTO objects (experiment, seq, kind, name)"
		" SELECT experiment, base + 2 * idx + k, kind, obj FROM ("
		"  SELECT experiment, idx, 0 AS k, 'netns' AS kind, netns AS obj"
		"   FROM nodes WHERE experiment = ?1"
		"  UNION ALL SELECT experiment, idx, 1, 'link', host_if"
		"   FROM nodes WHERE experiment = ?1"
		" ), (SELECT 1 + 4 * count(*) AS base FROM sites"
		"     WHERE experiment = ?1) WHERE obj <> '' ORDER BY 2",
	};
	struct db_stmt q;
	size_t i;
	int ret = 0;

	for (i = 0; i < sizeof(sql) / sizeof(sql[0]) && !ret; i++) {
		db_prepare(st, &q, "record objects", sql[i]);
		db_bind_text(&q, 1, name);
		ret = db_run(&q);
	}
	return ret;
}

/* Bind limit V (0: none) to ?I: NULL for none. */
static void bind_limit(struct db_stmt *q, int i, uint64_t v)
{
	if (v)
		db_bind_int64(q, i, (int64_t)v);
	else
		db_bind_text(q, i, NULL);       /* bindings outlive a step */
}

/* Columns 8..10 of a node row: its limits, checked as a topology's are
 * (a database is input too). */
static int load_limits(struct db_stmt *q, struct world_node *wn)
{
	int64_t cpu = col_null(q, 8) ? 0 : col_int64(q, 8);
	int64_t mem = col_null(q, 9) ? 0 : col_int64(q, 9);
	int64_t pids = col_null(q, 10) ? 0 : col_int64(q, 10);

	if (cpu < 0 || cpu > 1024 * 1000 || mem < 0 || pids < 0 ||
	    pids > (1 << 22))
		return -EBADMSG;
	wn->cpu_milli = (uint32_t)cpu;
	wn->memory_bytes = (uint64_t)mem;
	wn->pids = (uint64_t)pids;
	return 0;
}

/* Record world W (planned from topology T, which may be NULL) with status
 * EXP_CREATING, in one transaction: the experiment (T's path and seed),
 * its sites and nodes with their roles and backends as set in W, and every
 * kernel object world_up() creates, in creation order: the WAN bridge; per
 * site its LAN bridge, gateway netns and the host ends of the gateway's LAN
 * and WAN veths; per node its netns and the host end of its veth.
 * Nothing is kept from T or W.
 * Returns 0, -EEXIST if NAME is recorded (or W's tag is taken), -EINVAL if
 * W is inconsistent, or -errno; on failure nothing is recorded. */
int state_record_world(struct state *st, const struct topology *t,
		       const struct world *w)
{
	struct db_stmt exp = { 0 }, site = { 0 }, node = { 0 };
	bool in_tx = false;
	size_t i;
	int ret;

	if (!w || !w->name || (w->n_sites && !w->sites) ||
	    (w->n_nodes && !w->nodes)) {
		ret = state_error(st, -EINVAL, "record: incomplete world");
		goto out;
	}
	ret = db_exec(st, "BEGIN IMMEDIATE");
	if (ret)
		goto out;
	in_tx = true;
	ret = exp_exists(st, w->name);
	if (ret == 1)
		ret = state_error(st, -EEXIST,
				  "experiment '%s' is already recorded", w->name);
	if (!ret)
		ret = db_prepare(st, &exp, "record experiment",
			"INSERT INTO experiments (name, tag, status, topo_path,"
			" shaping, created, seed, wan_bridge, wan_prefix, wan_plen,"
			" fabric) VALUES (?1, ?2, ?3, ?4, 'none', ?5, ?6, ?7, ?8,"
			" ?9, ?10)");
	if (!ret)
		ret = db_prepare(st, &site, "record site",
			"INSERT INTO sites (experiment, idx, name, role, prefix,"
			" plen, gw_lan_addr, gw_wan_addr, lan_bridge, gw_lan_host,"
			" gw_wan_host, gw_netns) VALUES (?1, ?2, ?3, ?4, ?5, ?6,"
			" ?7, ?8, ?9, ?10, ?11, ?12)");
	if (!ret)
		ret = db_prepare(st, &node, "record node",
			"INSERT INTO nodes (experiment, idx, name, site_idx,"
			" backend, addr, host_if, netns, profile, cpu_milli,"
			" memory_bytes, pids)"
			" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11,"
			" ?12)");
	if (ret)
		goto out;

	db_bind_text(&exp, 1, w->name);
	db_bind_text(&exp, 2, w->tag);
	db_bind_text(&exp, 3, EXP_CREATING);
	db_bind_text(&exp, 4, t ? t->path : NULL);
	db_bind_int64(&exp, 5, (int64_t)time(NULL));
	if (t && t->has_seed)
		db_bind_int64(&exp, 6, (int64_t)t->seed);
	db_bind_text(&exp, 7, w->wan_bridge);
	db_bind_int64(&exp, 8, w->wan.addr);
	db_bind_int(&exp, 9, w->wan.plen);
	db_bind_text(&exp, 10, world_fabric(w)->name);
	ret = db_step(&exp);

	for (i = 0; !ret && i < w->n_sites; i++) {
		const struct world_site *ws = &w->sites[i];

		if (!ws->name) {
			ret = state_error(st, -EINVAL,
					  "record: site %zu has no name", i);
			break;
		}
		db_bind_text(&site, 1, w->name);
		db_bind_int64(&site, 2, (int64_t)i);
		db_bind_text(&site, 3, ws->name);
		db_bind_text(&site, 4, ws->role);
		db_bind_int64(&site, 5, ws->lan.addr);
		db_bind_int(&site, 6, ws->lan.plen);
		db_bind_int64(&site, 7, ws->gw_lan_addr);
		db_bind_int64(&site, 8, ws->gw_wan_addr);
		db_bind_text(&site, 9, ws->lan_bridge);
		db_bind_text(&site, 10, ws->gw_lan_host);
		db_bind_text(&site, 11, ws->gw_wan_host);
		db_bind_text(&site, 12, ws->gw_netns);
		ret = db_step(&site);
	}

	for (i = 0; !ret && i < w->n_nodes; i++) {
		const struct world_node *wn = &w->nodes[i];

		if (!wn->name || wn->site >= w->n_sites || !wn->ops) {
			ret = state_error(st, -EINVAL, "record: node %zu has "
					  "no name, site or backend", i);
			break;
		}
		db_bind_text(&node, 1, w->name);
		db_bind_int64(&node, 2, (int64_t)i);
		db_bind_text(&node, 3, wn->name);
		db_bind_int64(&node, 4, (int64_t)wn->site);
		db_bind_text(&node, 5, wn->ops->name);
		db_bind_int64(&node, 6, wn->addr);
		db_bind_text(&node, 7, wn->host_if);
		db_bind_text(&node, 8, wn->netns);
		db_bind_text(&node, 9, wn->profile);
		bind_limit(&node, 10, wn->cpu_milli);
		bind_limit(&node, 11, wn->memory_bytes);
		bind_limit(&node, 12, wn->pids);
		ret = db_step(&node);
	}
	if (!ret)
		ret = record_objects(st, w->name);
	if (!ret)
		ret = db_exec(st, "COMMIT");
	if (!ret)
		in_tx = false;
out:
	db_done(&exp);
	db_done(&site);
	db_done(&node);
	if (in_tx)
		db_rollback(st);
	return ret;
}

/* Run SQL (binding NAME to ?1 and VALUE, unless NULL, to ?2) that must
 * change one row; WHAT names it in a message.
 * 0, -ENOENT if it changed none, or -errno. */
static int update_one(struct state *st, const char *sql, const char *name,
		      const char *value, const char *what)
{
	struct db_stmt q;
	int ret;

	db_prepare(st, &q, what, sql);
	db_bind_text(&q, 1, name);
	if (value)
		db_bind_text(&q, 2, value);
	ret = db_run(&q);
	if (!ret && db_changes(st) == 0)
		ret = state_error(st, -ENOENT, "no experiment '%s'", name);
	return ret;
}

/* Set the status of NAME to one of the EXP_* strings.
 * Returns 0, -ENOENT, -EINVAL for an unknown status, or -errno. */
int state_set_status(struct state *st, const char *name, const char *status)
{
	return update_one(st, "UPDATE experiments SET status = ?2 WHERE name = ?1",
			  name, status, "set status");
}

/* Set the shaping engine chosen for NAME ("netem", "wand", "none", ...).
 * Returns 0, -ENOENT, or -errno. */
int state_set_shaping(struct state *st, const char *name, const char *shaping)
{
	return update_one(st, "UPDATE experiments SET shaping = ?2 WHERE name = ?1",
			  name, shaping, "set shaping");
}

/* Fill *OUT with experiment NAME's record and its site and node counts.
 * Returns 0, -ENOENT, or -errno. */
int state_get(struct state *st, const char *name, struct exp_info *out)
{
	struct db_stmt q;
	int ret;

	memset(out, 0, sizeof(*out));
	db_prepare(st, &q, "look up experiment",
		"SELECT name, tag, status, topo_path, shaping, created,"
		" (SELECT count(*) FROM sites WHERE experiment = e.name),"
		" (SELECT count(*) FROM nodes WHERE experiment = e.name)"
		" FROM experiments e WHERE name = ?1");
	db_bind_text(&q, 1, name);
	ret = db_one(&q);
	if (ret == -ENOENT)
		state_error(st, ret, "no experiment '%s'", name);
	if (!ret &&
	    (col_copy(&q, 0, out->name, sizeof(out->name)) ||
	     col_copy(&q, 1, out->tag, sizeof(out->tag)) ||
	     col_copy(&q, 2, out->status, sizeof(out->status)) ||
	     col_copy(&q, 3, out->topo_path, sizeof(out->topo_path)) ||
	     col_copy(&q, 4, out->shaping, sizeof(out->shaping))))
		ret = state_error(st, -EBADMSG, "experiment '%s': a stored "
				  "field is too long", name);
	if (!ret) {
		/* Resolved once, here: callers ask the ops, not the name. */
		out->shaping_ops = shape_ops_find(out->shaping);
		if (!out->shaping_ops)
			ret = state_error(st, -EINVAL, "experiment '%s': unknown "
					  "shaping '%s'", name, out->shaping);
	}
	if (!ret) {
		out->created = col_int64(&q, 5);
		out->n_sites = (size_t)col_int64(&q, 6);
		out->n_nodes = (size_t)col_int64(&q, 7);
	}
	db_done(&q);
	return ret;
}

/* The names of all recorded experiments, sorted: *NAMES is an allocated
 * NULL-terminated array (free with state_free_names()), *N its length (N
 * may be NULL). On failure *NAMES is NULL. Returns 0 or -errno. */
int state_list(struct state *st, char ***names, size_t *n)
{
	struct db_stmt q;

	db_prepare(st, &q, "list", "SELECT name FROM experiments ORDER BY name");
	return db_names(&q, names, NULL, n);
}

/* Release what state_load_world() allocated in W (the experiment name,
 * arrays, site names and roles, node names) and zero W.
 * Accepts NULL and a zeroed world; never use it on a world whose strings
 * are borrowed from a topology. */
void state_world_free(struct world *w)
{
	size_t i;

	if (!w)
		return;
	for (i = 0; w->sites && i < w->n_sites; i++) {
		free((char *)w->sites[i].name);
		free((char *)w->sites[i].role);
	}
	for (i = 0; w->nodes && i < w->n_nodes; i++) {
		free((char *)w->nodes[i].name);
		free((char *)w->nodes[i].profile);
	}
	free(w->sites);
	free(w->nodes);
	free((char *)w->name);
	memset(w, 0, sizeof(*w));
}

/* Read the w->n_sites sites of NAME into w->sites (allocated, zeroed).
 * Returns 0, -EBADMSG if the rows do not match, -ENOMEM, or -errno. */
static int load_sites(struct state *st, const char *name, struct world *w)
{
	struct db_stmt q;
	size_t i = 0;
	int ret;

	db_prepare(st, &q, "load sites",
		"SELECT idx, name, role, prefix, plen, gw_lan_addr, gw_wan_addr,"
		" lan_bridge, gw_lan_host, gw_wan_host, gw_netns FROM sites"
		" WHERE experiment = ?1 ORDER BY idx");
	db_bind_text(&q, 1, name);
	while (db_row(&q) > 0) {
		struct world_site *ws;

		if (i >= w->n_sites || col_int64(&q, 0) != (int64_t)i) {
			db_stop(&q, -EBADMSG);
			break;
		}
		ws = &w->sites[i];
		ws->lan.addr = (uint32_t)col_int64(&q, 3);
		ws->lan.plen = (uint8_t)col_int(&q, 4);
		ws->gw_lan_addr = (uint32_t)col_int64(&q, 5);
		ws->gw_wan_addr = (uint32_t)col_int64(&q, 6);
		ret = col_dup(&q, 1, &ws->name);
		if (!ret)
			ret = col_dup(&q, 2, &ws->role);
		if (!ret)
			ret = col_copy(&q, 7, ws->lan_bridge, sizeof(ws->lan_bridge));
		if (!ret)
			ret = col_copy(&q, 8, ws->gw_lan_host,
				       sizeof(ws->gw_lan_host));
		if (!ret)
			ret = col_copy(&q, 9, ws->gw_wan_host,
				       sizeof(ws->gw_wan_host));
		if (!ret)
			ret = col_copy(&q, 10, ws->gw_netns, sizeof(ws->gw_netns));
		if (db_stop(&q, ret))
			break;
		i++;
	}
	ret = db_done(&q);
	if (!ret && i != w->n_sites)
		ret = -EBADMSG;
	if (ret == -EBADMSG)
		state_error(st, ret, "experiment '%s': inconsistent site "
			    "records", name);
	else if (ret == -ENOMEM)
		state_nomem(st);
	return ret;
}

/* Read the w->n_nodes nodes of NAME into w->nodes (allocated, zeroed).
 * Returns 0, -EBADMSG if the rows do not match, -ENOMEM, or -errno. */
static int load_nodes(struct state *st, const char *name, struct world *w)
{
	struct db_stmt q;
	size_t i = 0;
	int ret;

	db_prepare(st, &q, "load nodes",
		"SELECT idx, name, site_idx, backend, addr, host_if, netns,"
		" profile, cpu_milli, memory_bytes, pids"
		" FROM nodes WHERE experiment = ?1 ORDER BY idx");
	db_bind_text(&q, 1, name);
	while (db_row(&q) > 0) {
		struct world_node *wn;
		int64_t site = col_int64(&q, 2);

		if (i >= w->n_nodes || col_int64(&q, 0) != (int64_t)i ||
		    site < 0 || (uint64_t)site >= w->n_sites) {
			db_stop(&q, -EBADMSG);
			break;
		}
		wn = &w->nodes[i];
		wn->site = (size_t)site;
		wn->addr = (uint32_t)col_int64(&q, 4);
		ret = col_dup(&q, 1, &wn->name);
		/* Resolved once, here: the name is checked like a topology's. */
		if (!ret && !(wn->ops = node_ops_find(col_text(&q, 3)))) {
			ret = state_error(st, -EINVAL, "experiment '%s': node '%s' "
					  "has an unknown backend '%s'", name,
					  wn->name, col_text(&q, 3) ?
					  col_text(&q, 3) : "");
			db_stop(&q, ret);
			break;
		}
		if (!ret)
			ret = col_copy(&q, 5, wn->host_if, sizeof(wn->host_if));
		if (!ret)
			ret = col_copy(&q, 6, wn->netns, sizeof(wn->netns));
		if (!ret)
			ret = col_dup(&q, 7, &wn->profile);
		if (!ret)
			ret = load_limits(&q, wn);
		if (db_stop(&q, ret))
			break;
		i++;
	}
	ret = db_done(&q);
	if (!ret && i != w->n_nodes)
		ret = -EBADMSG;
	if (ret == -EBADMSG)
		state_error(st, ret, "experiment '%s': inconsistent node "
			    "records", name);
	else if (ret == -ENOMEM)
		state_nomem(st);
	return ret;
}

/* Rebuild the world of experiment NAME: *W is overwritten with allocated
 * copies of everything (release with state_world_free()), read in one
 * snapshot. Returns 0, -ENOENT, -EBADMSG if the records are inconsistent,
 * or -errno; on failure *W is zeroed. */
int state_load_world(struct state *st, const char *name, struct world *w)
{
	const struct shape_ops *shaping;
	struct db_stmt q = { 0 };
	bool in_tx = false;
	int ret;

	memset(w, 0, sizeof(*w));
	ret = db_exec(st, "BEGIN");
	if (ret)
		goto out;
	in_tx = true;
	db_prepare(st, &q, "load experiment",
		"SELECT tag, wan_bridge, wan_prefix, wan_plen,"
		" (SELECT count(*) FROM sites WHERE experiment = e.name),"
		" (SELECT count(*) FROM nodes WHERE experiment = e.name),"
		" shaping, fabric"
		" FROM experiments e WHERE name = ?1");
	db_bind_text(&q, 1, name);
	ret = db_one(&q);
	if (ret == -ENOENT)
		state_error(st, ret, "no experiment '%s'", name);
	if (ret)
		goto out;
	if (col_copy(&q, 0, w->tag, sizeof(w->tag)) ||
	    col_copy(&q, 1, w->wan_bridge, sizeof(w->wan_bridge))) {
		ret = state_error(st, -EBADMSG, "experiment '%s': a stored "
				  "name is too long", name);
		goto out;
	}
	w->wan.addr = (uint32_t)col_int64(&q, 2);
	w->wan.plen = (uint8_t)col_int(&q, 3);
	w->n_sites = (size_t)col_int64(&q, 4);
	w->n_nodes = (size_t)col_int64(&q, 5);
	shaping = shape_ops_find(col_text(&q, 6));
	if (!shaping) {
		ret = state_error(st, -EINVAL, "experiment '%s': unknown "
				  "shaping '%s'", name, col_text(&q, 6) ?
				  col_text(&q, 6) : "");
		goto out;
	}
	/* The world was built for its shaping backend. */
	w->wan_mode = shaping->wan_mode;
	w->fabric = fabric_ops_find(col_text(&q, 7));
	if (!w->fabric) {
		ret = state_error(st, -EINVAL, "experiment '%s': unknown "
				  "fabric '%s'", name, col_text(&q, 7));
		goto out;
	}
	w->name = strdup(name);
	w->sites = calloc(w->n_sites ? w->n_sites : 1, sizeof(*w->sites));
	w->nodes = calloc(w->n_nodes ? w->n_nodes : 1, sizeof(*w->nodes));
	if (!w->name || !w->sites || !w->nodes) {
		ret = state_nomem(st);
		goto out;
	}
	ret = load_sites(st, name, w);
	if (!ret)
		ret = load_nodes(st, name, w);
	if (!ret)
		ret = db_exec(st, "COMMIT");
	if (!ret)
		in_tx = false;
out:
	db_done(&q);
	if (in_tx)
		db_rollback(st);
	if (ret)
		state_world_free(w);
	return ret;
}

/* Forget experiment NAME with its sites, nodes, objects and processes (after
 * a successful down). Its runs, results and facts stay.
 * Returns 0, -ENOENT if it is not recorded, or -errno. */
int state_forget(struct state *st, const char *name)
{
	return update_one(st, "DELETE FROM experiments WHERE name = ?1",
			  name, NULL, "forget");
}

/* Record one more kernel object of NAME, created after the world
 * (record it before creating it). Recording one twice is success.
 * Returns 0, -ENOENT if NAME is not recorded, -EINVAL, or -errno. */
int state_object_add(struct state *st, const char *name, enum obj_kind kind,
		     const char *object)
{
	struct db_stmt q;
	int ret;

	if (!object || !object[0] || !strcmp(state_obj_kind_name(kind), "?"))
		return state_error(st, -EINVAL,
				   "record object: no name or unknown kind");
	db_prepare(st, &q, "record object",
		"INSERT INTO objects (experiment, seq, kind, name)"
		" SELECT ?1, (SELECT coalesce(max(seq) + 1, 0)"
		"  FROM objects WHERE experiment = ?1), ?2, ?3"
		" WHERE NOT EXISTS (SELECT 1 FROM objects"
		"  WHERE experiment = ?1 AND kind = ?2 AND name = ?3)");
	db_bind_text(&q, 1, name);
	db_bind_text(&q, 2, state_obj_kind_name(kind));
	db_bind_text(&q, 3, object);
	ret = db_run(&q);
	if (ret == -ENOENT)
		state_error(st, ret, "no experiment '%s'", name);
	return ret;
}

/* The kernel objects recorded for NAME in creation order (remove them in
 * reverse): *OBJS is an allocated array of *N (free with free()); NULL on
 * failure. Returns 0 (also when there are none) or -errno. */
int state_objects(struct state *st, const char *name,
		  struct state_object **objs, size_t *n)
{
	struct db_stmt q;
	struct state_object *v = NULL;
	size_t len = 0, cap = 0;
	int ret;

	*objs = NULL;
	*n = 0;
	db_prepare(st, &q, "list objects", "SELECT kind, name FROM objects"
		   " WHERE experiment = ?1 ORDER BY seq");
	db_bind_text(&q, 1, name);
	while (db_row(&q) > 0 && !db_grow(&q, &v, len, &cap, sizeof(*v), 64)) {
		if (obj_kind_parse(col_text(&q, 0), &v[len].kind) ||
		    col_copy(&q, 1, v[len].name, sizeof(v[len].name))) {
			db_stop(&q, state_error(st, -EBADMSG, "experiment "
						"'%s': bad object record", name));
			break;
		}
		len++;
	}
	ret = db_done(&q);
	if (!ret) {
		*objs = v;
		*n = len;
		v = NULL;
	}
	free(v);
	return ret;
}
