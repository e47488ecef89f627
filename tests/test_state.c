/* test_state — the state database (enos/state.c) on temporary files: world
 * round trips, duplicates, status, listing, forgetting (results outlive the
 * experiment), tag picking, recorded objects and processes, schema version
 * checks. No root needed.
 */
#include <errno.h>
#include <math.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "emulator/node.h"
#include "enos/state.h"
#include "enos/topo.h"
#include "tests/suites.h"

#define N_SITES 3
#define N_NODES 7

/* The fixture's temporary directory (Check fixtures take no argument). */
static char tmpdir[64];

static int rm_one(const char *path, const struct stat *sb, int flag,
		  struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

/* Unchecked: runs in the runner, so the directory goes even if a test
 * fails or crashes. */
static void tmp_setup(void)
{
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/enos-test-state-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

static void tmp_teardown(void)
{
	nftw(tmpdir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* A database path under the fixture directory, in a subdirectory that does
 * not exist yet (state_open creates it). */
static const char *db_path(char *buf, size_t len, const char *name)
{
	snprintf(buf, len, "%s/%s/sub/enos.db", tmpdir, name);
	return buf;
}

static struct state *open_db(const char *name)
{
	char path[256];
	struct state *st = NULL;
	char *err = NULL;
	int ret;

	ret = state_open(db_path(path, sizeof(path), name), &st, &err);
	ck_assert_msg(ret == 0, "state_open: %d %s", ret, err ? err : "");
	ck_assert_ptr_null(err);
	ck_assert_ptr_nonnull(st);
	return st;
}

/* A hand-built world of 3 sites and 7 nodes, named as world_name() would. */
struct fake_world {
	struct world w;
	struct world_site sites[N_SITES];
	struct world_node nodes[N_NODES];
	char site_names[N_SITES][16];
	char node_names[N_NODES][16];
};

static void fake_world(struct fake_world *f, const char *name,
		       const char *tag)
{
	static const char *const roles[N_SITES] = { "central", "regional", "edge" };
	static const char *const backends[3] = { "netns", "lxc", "qemu" };
	static const size_t node_site[N_NODES] = { 0, 0, 1, 1, 1, 2, 2 };
	size_t i;

	memset(f, 0, sizeof(*f));
	f->w.name = name;
	snprintf(f->w.tag, sizeof(f->w.tag), "%s", tag);
	snprintf(f->w.wan_bridge, sizeof(f->w.wan_bridge), "%sw", tag);
	f->w.wan.addr = ADDR_WAN_POOL;
	f->w.wan.plen = ADDR_WAN_PLEN;
	f->w.sites = f->sites;
	f->w.n_sites = N_SITES;
	f->w.nodes = f->nodes;
	f->w.n_nodes = N_NODES;
	for (i = 0; i < N_SITES; i++) {
		struct world_site *s = &f->sites[i];

		snprintf(f->site_names[i], sizeof(f->site_names[i]), "site-%zu", i);
		s->name = f->site_names[i];
		s->role = roles[i];
		s->lan.addr = ADDR_LAN_POOL + (uint32_t)i * 8;
		s->lan.plen = 29;
		s->gw_lan_addr = s->lan.addr + 1;
		s->gw_wan_addr = ADDR_WAN_POOL + (uint32_t)i + 1;
		snprintf(s->lan_bridge, sizeof(s->lan_bridge), "%sb%zu", tag, i);
		snprintf(s->gw_lan_host, sizeof(s->gw_lan_host), "%sg%zu", tag, i);
		snprintf(s->gw_wan_host, sizeof(s->gw_wan_host), "%su%zu", tag, i);
		snprintf(s->gw_netns, sizeof(s->gw_netns), "enos.%s.gw.%s",
			 name, s->name);
	}
	for (i = 0; i < N_NODES; i++) {
		struct world_node *n = &f->nodes[i];

		snprintf(f->node_names[i], sizeof(f->node_names[i]), "n%zu", i);
		n->name = f->node_names[i];
		n->site = node_site[i];
		n->ops = node_ops_find(backends[i % 3]);
		n->addr = f->sites[n->site].lan.addr + 2 + (uint32_t)i;
		snprintf(n->host_if, sizeof(n->host_if), "%sv%zu", tag, i);
		snprintf(n->netns, sizeof(n->netns), "enos.%s.%s", name, n->name);
	}
	/* Node 0 has a profile, node 1 only a memory; the others none. */
	f->nodes[0].profile = "rpi4";
	f->nodes[0].cpu_milli = 250;
	f->nodes[0].memory_bytes = 64ull << 20;
	f->nodes[0].pids = 512;
	f->nodes[1].memory_bytes = 1ull << 30;
}

static void assert_same_world(const struct world *a, const struct world *b)
{
	size_t i;

	ck_assert_str_eq(a->name, b->name);
	ck_assert_str_eq(a->tag, b->tag);
	ck_assert_str_eq(a->wan_bridge, b->wan_bridge);
	ck_assert_uint_eq(a->wan.addr, b->wan.addr);
	ck_assert_uint_eq(a->wan.plen, b->wan.plen);
	ck_assert_uint_eq(a->n_sites, b->n_sites);
	ck_assert_uint_eq(a->n_nodes, b->n_nodes);
	for (i = 0; i < a->n_sites; i++) {
		const struct world_site *x = &a->sites[i], *y = &b->sites[i];

		ck_assert_str_eq(x->name, y->name);
		ck_assert_str_eq(x->role, y->role);
		ck_assert_uint_eq(x->lan.addr, y->lan.addr);
		ck_assert_uint_eq(x->lan.plen, y->lan.plen);
		ck_assert_uint_eq(x->gw_lan_addr, y->gw_lan_addr);
		ck_assert_uint_eq(x->gw_wan_addr, y->gw_wan_addr);
		ck_assert_str_eq(x->lan_bridge, y->lan_bridge);
		ck_assert_str_eq(x->gw_lan_host, y->gw_lan_host);
		ck_assert_str_eq(x->gw_wan_host, y->gw_wan_host);
		ck_assert_str_eq(x->gw_netns, y->gw_netns);
	}
	for (i = 0; i < a->n_nodes; i++) {
		const struct world_node *x = &a->nodes[i], *y = &b->nodes[i];

		ck_assert_str_eq(x->name, y->name);
		ck_assert_uint_eq(x->site, y->site);
		ck_assert_str_eq(x->ops->name, y->ops->name);
		ck_assert_uint_eq(x->addr, y->addr);
		ck_assert_str_eq(x->host_if, y->host_if);
		ck_assert_str_eq(x->netns, y->netns);
		if (x->profile)
			ck_assert_str_eq(x->profile, y->profile);
		else
			ck_assert_ptr_null(y->profile);
		ck_assert_uint_eq(x->cpu_milli, y->cpu_milli);
		ck_assert_uint_eq(x->memory_bytes, y->memory_bytes);
		ck_assert_uint_eq(x->pids, y->pids);
	}
}

/* Run a one-integer query on the database file directly. */
static long long sql_int(const char *path, const char *sql)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *s = NULL;
	long long v = -1;

	ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
	ck_assert_int_eq(sqlite3_prepare_v2(db, sql, -1, &s, NULL), SQLITE_OK);
	if (sqlite3_step(s) == SQLITE_ROW)
		v = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	sqlite3_close(db);
	return v;
}

START_TEST(test_round_trip)
{
	struct topology t = { .path = "/srv/topo/fog.yaml", .has_seed = true,
			      .seed = 0xfedcba9876543210ull };
	struct fake_world f;
	struct world w;
	struct exp_info info;
	struct state *st = open_db("rt");
	time_t now = time(NULL);

	fake_world(&f, "fog", "eabcd");
	ck_assert_int_eq(state_record_world(st, &t, &f.w), 0);
	ck_assert_int_eq(state_load_world(st, "fog", &w), 0);
	assert_same_world(&f.w, &w);
	state_world_free(&w);
	ck_assert_ptr_null(w.sites);
	ck_assert_uint_eq(w.n_nodes, 0);

	ck_assert_int_eq(state_get(st, "fog", &info), 0);
	ck_assert_str_eq(info.name, "fog");
	ck_assert_str_eq(info.tag, "eabcd");
	ck_assert_str_eq(info.status, EXP_CREATING);
	ck_assert_str_eq(info.topo_path, "/srv/topo/fog.yaml");
	ck_assert_str_eq(info.shaping, "none");
	ck_assert_uint_eq(info.n_sites, N_SITES);
	ck_assert_uint_eq(info.n_nodes, N_NODES);
	ck_assert(info.created >= now - 5 && info.created <= now + 5);

	/* Without a topology: no path, no seed. */
	fake_world(&f, "bare", "ebare");
	ck_assert_int_eq(state_record_world(st, NULL, &f.w), 0);
	ck_assert_int_eq(state_get(st, "bare", &info), 0);
	ck_assert_str_eq(info.topo_path, "");
	ck_assert_int_eq(state_load_world(st, "bare", &w), 0);
	assert_same_world(&f.w, &w);
	state_world_free(&w);

	ck_assert_int_eq(state_load_world(st, "nope", &w), -ENOENT);
	ck_assert_ptr_null(w.nodes);
	ck_assert_int_eq(state_get(st, "nope", &info), -ENOENT);
	ck_assert_ptr_nonnull(strstr(state_errmsg(st), "nope"));
	state_close(st);
}
END_TEST

START_TEST(test_seed_stored)
{
	struct topology t = { .path = "x.yaml", .has_seed = true,
			      .seed = 0xfedcba9876543210ull };
	struct fake_world f;
	char path[256];
	struct state *st = open_db("seed");

	fake_world(&f, "s", "esees");
	ck_assert_int_eq(state_record_world(st, &t, &f.w), 0);
	state_close(st);
	db_path(path, sizeof(path), "seed");
	ck_assert_uint_eq((unsigned long long)sql_int(path,
		"SELECT seed FROM experiments WHERE name = 's'"),
		0xfedcba9876543210ull);
	ck_assert_int_eq(sql_int(path, "SELECT seed IS NULL FROM experiments"), 0);
}
END_TEST

START_TEST(test_exists)
{
	struct fake_world f;
	struct exp_info info;
	struct state *st = open_db("dup");

	fake_world(&f, "fog", "eaaaa");
	ck_assert_int_eq(state_record_world(st, NULL, &f.w), 0);
	ck_assert_int_eq(state_record_world(st, NULL, &f.w), -EEXIST);
	ck_assert_ptr_nonnull(strstr(state_errmsg(st), "'fog'"));
	/* Another name with the same tag: refused, and nothing half-written. */
	fake_world(&f, "fog2", "eaaaa");
	ck_assert_int_eq(state_record_world(st, NULL, &f.w), -EEXIST);
	ck_assert_int_eq(state_get(st, "fog2", &info), -ENOENT);
	state_close(st);
}
END_TEST

START_TEST(test_inconsistent_world_rolls_back)
{
	struct fake_world f;
	struct exp_info info;
	struct state_object *objs = NULL;
	size_t n = 1;
	struct state *st = open_db("bad");

	fake_world(&f, "fog", "ebadd");
	f.nodes[N_NODES - 1].site = N_SITES;    /* no such site */
	ck_assert_int_eq(state_record_world(st, NULL, &f.w), -EINVAL);
	ck_assert_int_eq(state_get(st, "fog", &info), -ENOENT);
	ck_assert_int_eq(state_objects(st, "fog", &objs, &n), 0);
	ck_assert_uint_eq(n, 0);
	free(objs);
	/* Duplicate node names are refused by the schema. */
	fake_world(&f, "fog", "ebadd");
	f.nodes[1].name = f.nodes[0].name;
	ck_assert_int_eq(state_record_world(st, NULL, &f.w), -EEXIST);
	ck_assert_int_eq(state_get(st, "fog", &info), -ENOENT);
	state_close(st);
}
END_TEST

START_TEST(test_status)
{
	struct fake_world f;
	struct exp_info info;
	struct state *st = open_db("status");

	fake_world(&f, "fog", "estat");
	ck_assert_int_eq(state_record_world(st, NULL, &f.w), 0);
	ck_assert_int_eq(state_set_status(st, "fog", EXP_UP), 0);
	ck_assert_int_eq(state_get(st, "fog", &info), 0);
	ck_assert_str_eq(info.status, EXP_UP);
	ck_assert_int_eq(state_set_status(st, "fog", EXP_FAILED), 0);
	ck_assert_int_eq(state_set_status(st, "fog", EXP_DOWN), 0);
	ck_assert_int_eq(state_get(st, "fog", &info), 0);
	ck_assert_str_eq(info.status, EXP_DOWN);
	ck_assert_int_eq(state_set_status(st, "fog", "sideways"), -EINVAL);
	ck_assert_int_eq(state_set_status(st, "nope", EXP_UP), -ENOENT);
	ck_assert_int_eq(state_set_shaping(st, "fog", "wand"), 0);
	ck_assert_int_eq(state_get(st, "fog", &info), 0);
	ck_assert_str_eq(info.shaping, "wand");
	ck_assert_str_eq(info.status, EXP_DOWN);
	ck_assert_int_eq(state_set_shaping(st, "nope", "wand"), -ENOENT);
	state_close(st);
}
END_TEST

START_TEST(test_list)
{
	static const char *const names[] = { "charlie", "alpha", "bravo" };
	struct fake_world f;
	char **list = NULL;
	char tag[8];
	size_t n = 99, i;
	struct state *st = open_db("list");

	ck_assert_int_eq(state_list(st, &list, &n), 0);
	ck_assert_uint_eq(n, 0);
	ck_assert_ptr_null(list[0]);
	state_free_names(list);
	for (i = 0; i < 3; i++) {
		snprintf(tag, sizeof(tag), "el%03zu", i);
		fake_world(&f, names[i], tag);
		ck_assert_int_eq(state_record_world(st, NULL, &f.w), 0);
	}
	ck_assert_int_eq(state_list(st, &list, &n), 0);
	ck_assert_uint_eq(n, 3);
	ck_assert_str_eq(list[0], "alpha");
	ck_assert_str_eq(list[1], "bravo");
	ck_assert_str_eq(list[2], "charlie");
	ck_assert_ptr_null(list[3]);
	state_free_names(list);
	state_free_names(NULL);
	state_close(st);
}
END_TEST

START_TEST(test_forget_keeps_results)
{
	struct fake_world f;
	struct exp_info info;
	struct world w;
	struct state_object *objs = NULL;
	int *pids = NULL;
	char **whats = NULL;
	char path[256], sql[128];
	int64_t run = -1;
	size_t n;
	struct state *st = open_db("forget");

	fake_world(&f, "fog", "efgt0");
	ck_assert_int_eq(state_record_world(st, NULL, &f.w), 0);
	ck_assert_int_eq(state_run_begin(st, "fog", "run", 42, true, &run), 0);
	ck_assert_int_gt(run, 0);
	ck_assert_int_eq(state_result_add(st, run, "rtt_p50", "site-0", "site-1",
					  12.5, "ms"), 0);
	ck_assert_int_eq(state_result_add(st, run, "bringup", NULL, NULL,
					  1.25, "s"), 0);
	ck_assert_int_eq(state_fact_add(st, run, "kernel", "6.18"), 0);
	ck_assert_int_eq(state_fact_add(st, run, "kernel", "6.18.1"), 0);
	ck_assert_int_eq(state_process_add(st, "fog", "wand", 4242), 0);
	ck_assert_int_eq(state_run_end(st, run, "ok"), 0);
	ck_assert_int_eq(state_run_end(st, run + 100, "ok"), -ENOENT);
	ck_assert_int_eq(state_result_add(st, run + 100, "x", NULL, NULL, 1, "s"),
			 -ENOENT);

	ck_assert_int_eq(state_forget(st, "fog"), 0);
	ck_assert_int_eq(state_forget(st, "fog"), -ENOENT);
	ck_assert_int_eq(state_get(st, "fog", &info), -ENOENT);
	ck_assert_int_eq(state_load_world(st, "fog", &w), -ENOENT);
	ck_assert_int_eq(state_objects(st, "fog", &objs, &n), 0);
	ck_assert_uint_eq(n, 0);
	free(objs);
	ck_assert_int_eq(state_processes(st, "fog", &pids, &whats, &n), 0);
	ck_assert_uint_eq(n, 0);
	free(pids);
	state_free_names(whats);
	state_close(st);

	db_path(path, sizeof(path), "forget");
	ck_assert_int_eq(sql_int(path, "SELECT count(*) FROM sites"), 0);
	ck_assert_int_eq(sql_int(path, "SELECT count(*) FROM nodes"), 0);
	snprintf(sql, sizeof(sql),
		 "SELECT count(*) FROM runs WHERE id = %lld AND experiment = 'fog'"
		 " AND outcome = 'ok' AND seed = 42", (long long)run);
	ck_assert_int_eq(sql_int(path, sql), 1);
	ck_assert_int_eq(sql_int(path, "SELECT count(*) FROM results"), 2);
	ck_assert_int_eq(sql_int(path, "SELECT count(*) FROM facts"), 1);
	ck_assert_int_eq(sql_int(path, "SELECT count(*) FROM processes"), 0);

	/* The name can be used again; the old run is still there. */
	st = open_db("forget");
	ck_assert_int_eq(state_record_world(st, NULL, &f.w), 0);
	state_close(st);
	ck_assert_int_eq(sql_int(path, "SELECT count(*) FROM runs"), 1);
}
END_TEST

START_TEST(test_pick_tag)
{
	struct fake_world f;
	char taken[WORLD_TAG_LEN + 1], tag[WORLD_TAG_LEN + 1];
	char second[WORLD_TAG_LEN + 1];
	struct state *st = open_db("tag");

	world_tag("alpha", 0, taken);
	world_tag("alpha", 1, second);
	ck_assert_str_ne(taken, second);
	ck_assert_int_eq(state_pick_tag(st, "alpha", tag), 0);
	ck_assert_str_eq(tag, taken);

	/* Another experiment holds alpha's first tag. */
	fake_world(&f, "beta", taken);
	ck_assert_int_eq(state_record_world(st, NULL, &f.w), 0);
	ck_assert_int_eq(state_pick_tag(st, "alpha", tag), 0);
	ck_assert_str_ne(tag, taken);
	ck_assert_str_eq(tag, second);
	ck_assert_uint_eq(strlen(tag), WORLD_TAG_LEN);

	/* An experiment keeps finding its own tag. */
	ck_assert_int_eq(state_pick_tag(st, "beta", tag), 0);
	world_tag("beta", 0, second);
	ck_assert_str_eq(tag, second);
	state_close(st);
}
END_TEST

START_TEST(test_objects)
{
	struct fake_world f;
	struct state_object *objs = NULL;
	size_t n = 0, i, netns = 0, links = 0, bridges = 0;
	struct state *st = open_db("objects");

	fake_world(&f, "fog", "eobjs");
	ck_assert_int_eq(state_record_world(st, NULL, &f.w), 0);
	ck_assert_int_eq(state_objects(st, "fog", &objs, &n), 0);
	ck_assert_uint_eq(n, 1 + 4 * N_SITES + 2 * N_NODES);
	ck_assert_int_eq(objs[0].kind, OBJ_BRIDGE);
	ck_assert_str_eq(objs[0].name, "eobjsw");
	ck_assert_int_eq(objs[1].kind, OBJ_BRIDGE);
	ck_assert_str_eq(objs[1].name, "eobjsb0");
	ck_assert_int_eq(objs[2].kind, OBJ_NETNS);
	ck_assert_str_eq(objs[2].name, "enos.fog.gw.site-0");
	ck_assert_int_eq(objs[n - 1].kind, OBJ_LINK);
	ck_assert_str_eq(objs[n - 1].name, "eobjsv6");
	for (i = 0; i < n; i++) {
		netns += objs[i].kind == OBJ_NETNS;
		links += objs[i].kind == OBJ_LINK;
		bridges += objs[i].kind == OBJ_BRIDGE;
	}
	ck_assert_uint_eq(netns, N_SITES + N_NODES);
	ck_assert_uint_eq(links, 2 * N_SITES + N_NODES);
	ck_assert_uint_eq(bridges, 1 + N_SITES);
	free(objs);

	ck_assert_int_eq(state_object_add(st, "fog", OBJ_LINK, "eobjsx0"), 0);
	ck_assert_int_eq(state_object_add(st, "fog", OBJ_LINK, "eobjsx0"), 0);
	ck_assert_int_eq(state_object_add(st, "nope", OBJ_LINK, "x"), -ENOENT);
	ck_assert_int_eq(state_object_add(st, "fog", OBJ_LINK, ""), -EINVAL);
	ck_assert_int_eq(state_objects(st, "fog", &objs, &n), 0);
	ck_assert_uint_eq(n, 2 + 4 * N_SITES + 2 * N_NODES);
	ck_assert_str_eq(objs[n - 1].name, "eobjsx0");
	free(objs);
	ck_assert_str_eq(state_obj_kind_name(OBJ_PROCESS), "process");
	state_close(st);
}
END_TEST

START_TEST(test_processes)
{
	struct fake_world f;
	int *pids = NULL;
	char **whats = NULL;
	size_t n = 0;
	struct state *st = open_db("proc");

	fake_world(&f, "fog", "eproc");
	ck_assert_int_eq(state_record_world(st, NULL, &f.w), 0);
	ck_assert_int_eq(state_process_add(st, "fog", "ovs-vswitchd", 100), 0);
	ck_assert_int_eq(state_process_add(st, "fog", "wand", 200), 0);
	ck_assert_int_eq(state_process_add(st, "nope", "wand", 300), -ENOENT);
	ck_assert_int_eq(state_processes(st, "fog", &pids, &whats, &n), 0);
	ck_assert_uint_eq(n, 2);
	ck_assert_int_eq(pids[0], 100);
	ck_assert_str_eq(whats[0], "ovs-vswitchd");
	ck_assert_int_eq(pids[1], 200);
	ck_assert_str_eq(whats[1], "wand");
	ck_assert_ptr_null(whats[2]);
	free(pids);
	state_free_names(whats);
	ck_assert_int_eq(state_process_forget(st, "fog", 100), 0);
	ck_assert_int_eq(state_process_forget(st, "fog", 100), 0);
	ck_assert_int_eq(state_processes(st, "fog", &pids, &whats, &n), 0);
	ck_assert_uint_eq(n, 1);
	ck_assert_int_eq(pids[0], 200);
	free(pids);
	state_free_names(whats);
	state_close(st);
}
END_TEST

/* Rows this enos would not write (edited by hand, or by another program)
 * are refused with a message naming what is wrong, never misread. */
START_TEST(test_bad_records)
{
	struct fake_world f;
	struct world w;
	struct exp_info info;
	struct state_object *objs = NULL;
	struct service_row row, *rows = NULL;
	char path[256];
	size_t n = 1;
	struct state *st = open_db("badrec");

	db_path(path, sizeof(path), "badrec");
	fake_world(&f, "fog", "ebadr");
	ck_assert_int_eq(state_record_world(st, NULL, &f.w), 0);

	sql_int(path, "UPDATE nodes SET site_idx = 99 WHERE idx = 3");
	ck_assert_int_eq(state_load_world(st, "fog", &w), -EBADMSG);
	ck_assert_ptr_null(w.nodes);
	ck_assert_str_eq(state_errmsg(st),
			 "experiment 'fog': inconsistent node records");
	sql_int(path, "UPDATE nodes SET site_idx = 1 WHERE idx = 3");
	ck_assert_int_eq(state_load_world(st, "fog", &w), 0);
	state_world_free(&w);

	sql_int(path, "UPDATE sites SET idx = 7 WHERE idx = 2");
	ck_assert_int_eq(state_load_world(st, "fog", &w), -EBADMSG);
	ck_assert_str_eq(state_errmsg(st),
			 "experiment 'fog': inconsistent site records");
	sql_int(path, "UPDATE sites SET idx = 2 WHERE idx = 7");

	sql_int(path, "UPDATE experiments SET fabric = 'token-ring'");
	ck_assert_int_eq(state_load_world(st, "fog", &w), -EINVAL);
	ck_assert_str_eq(state_errmsg(st),
			 "experiment 'fog': unknown fabric 'token-ring'");
	sql_int(path, "UPDATE experiments SET fabric = 'bridge'");

	sql_int(path, "UPDATE experiments SET shaping = "
		"'a-shaping-name-much-too-long'");
	ck_assert_int_eq(state_get(st, "fog", &info), -EBADMSG);
	ck_assert_str_eq(state_errmsg(st),
			 "experiment 'fog': a stored field is too long");
	ck_assert_int_eq(state_load_world(st, "fog", &w), -EINVAL);
	ck_assert_str_eq(state_errmsg(st), "experiment 'fog': unknown shaping "
			 "'a-shaping-name-much-too-long'");
	sql_int(path, "UPDATE experiments SET shaping = 'none'");
	ck_assert_int_eq(state_load_world(st, "fog", &w), 0);
	state_world_free(&w);

	sql_int(path, "UPDATE objects SET name = printf('%.300c', 'x')"
		" WHERE seq = 3");
	ck_assert_int_eq(state_objects(st, "fog", &objs, &n), -EBADMSG);
	ck_assert_ptr_null(objs);
	ck_assert_uint_eq(n, 0);
	ck_assert_str_eq(state_errmsg(st),
			 "experiment 'fog': bad object record");

	memset(&row, 0, sizeof(row));
	snprintf(row.instance, sizeof(row.instance), "etcd-1");
	snprintf(row.service, sizeof(row.service), "etcd");
	snprintf(row.stack, sizeof(row.stack), "etcd");
	snprintf(row.node, sizeof(row.node), "n0");
	snprintf(row.site, sizeof(row.site), "site-0");
	snprintf(row.state, sizeof(row.state), "starting");
	ck_assert_int_eq(state_service_put(st, "fog", &row), 0);
	ck_assert_int_eq(state_service_put(st, "nope", &row), -ENOENT);
	ck_assert_str_eq(state_errmsg(st), "no experiment 'nope'");
	ck_assert_int_eq(state_service_set(st, "fog", "etcd-9", 1, 2,
					   "running", false, 0), -ENOENT);
	ck_assert_str_eq(state_errmsg(st),
			 "no service instance 'etcd-9' in 'fog'");
	sql_int(path, "UPDATE services SET address = printf('%.40c', '1')");
	n = 1;
	ck_assert_int_eq(state_services(st, "fog", &rows, &n), -EBADMSG);
	ck_assert_ptr_null(rows);
	ck_assert_uint_eq(n, 0);
	ck_assert_str_eq(state_errmsg(st), "a service of 'fog' does not fit");

	/* An SQLite error is kept as "what: <sqlite message>". */
	ck_assert_int_eq(state_set_status(st, "fog", "sideways"), -EINVAL);
	ck_assert_msg(strncmp(state_errmsg(st), "set status: ", 12) == 0 &&
		      strstr(state_errmsg(st), "CHECK constraint failed"),
		      "unclear message: %s", state_errmsg(st));
	state_close(st);
}
END_TEST

START_TEST(test_world_free_zeroed)
{
	struct world w;

	memset(&w, 0, sizeof(w));
	state_world_free(&w);
	state_world_free(NULL);
	state_close(NULL);
}
END_TEST

START_TEST(test_results_runs_faults_round_trip)
{
	struct state *st = open_db("results");
	struct state_result *rows = NULL;
	struct state_fault *faults = NULL;
	struct run_info info;
	char **keys = NULL, **values = NULL;
	int64_t run = 0, other = 0, latest = 0, fid = 0;
	size_t n = 0;

	ck_assert_int_eq(state_run_begin(st, "fog", "tc-test", 7, true, &run), 0);
	ck_assert_int_eq(state_run_begin(st, "fog", "up", 0, false, &other), 0);
	ck_assert_int_eq(state_result_add(st, run, "rtt_p50", "a", "b", 20.5, "ms"), 0);
	ck_assert_int_eq(state_result_add(st, run, "loss", "a", "b", NAN, "%"), 0);
	ck_assert_int_eq(state_fact_add(st, run, "shaping", "wand"), 0);
	ck_assert_int_eq(state_fact_add(st, run, "kernel", "6.1"), 0);

	/* The newest run with an RTT figure, not simply the newest run. */
	ck_assert_int_eq(state_run_latest(st, "fog", "rtt_p50", &latest), 0);
	ck_assert_int_eq(latest, run);
	ck_assert_int_eq(state_run_latest(st, "fog", NULL, &latest), 0);
	ck_assert_int_eq(latest, other);
	ck_assert_int_eq(state_run_latest(st, "nope", NULL, &latest), -ENOENT);
	ck_assert_int_eq(state_run_end(st, run, "ok"), 0);
	ck_assert_int_eq(state_run_get(st, run, &info), 0);
	ck_assert_str_eq(info.kind, "tc-test");
	ck_assert_str_eq(info.outcome, "ok");
	ck_assert_int_eq(state_run_get(st, 999999, &info), -ENOENT);

	ck_assert_int_eq(state_results(st, run, &rows, &n), 0);
	ck_assert_uint_eq(n, 2);
	ck_assert_str_eq(rows[0].metric, "rtt_p50");
	ck_assert_str_eq(rows[0].src, "a");
	ck_assert(rows[0].value == 20.5);
	ck_assert(isnan(rows[1].value));
	free(rows);

	ck_assert_int_eq(state_facts(st, run, &keys, &values, &n), 0);
	ck_assert_uint_eq(n, 2);
	ck_assert_str_eq(keys[0], "kernel");
	ck_assert_str_eq(values[1], "wand");
	state_free_names(keys);
	state_free_names(values);

	ck_assert_int_eq(state_fault_add(st, run, "fog", &(struct state_fault_spec){ .action = "partition", .detail = "a / b" }, 100.25, &fid), 0);
	ck_assert_int_eq(state_faults(st, "fog", 0, true, &faults, &n), 0);
	ck_assert_uint_eq(n, 1);
	ck_assert_str_eq(faults[0].detail, "a / b");
	ck_assert(isnan(faults[0].removed));
	free(faults);
	ck_assert_int_eq(state_fault_end(st, fid, 130.5), 0);
	ck_assert_int_eq(state_fault_end(st, fid, 140.0), 0);
	ck_assert_int_eq(state_faults(st, "fog", 0, true, &faults, &n), 0);
	ck_assert_uint_eq(n, 0);
	free(faults);
	ck_assert_int_eq(state_faults(st, "fog", run, false, &faults, &n), 0);
	ck_assert_uint_eq(n, 1);
	ck_assert(faults[0].removed == 130.5);
	ck_assert_int_eq(faults[0].run, run);
	free(faults);
	state_close(st);
}
END_TEST

/* Schema v5: a fault's sides and fields are stored, not its text only; a
 * field that does not pass the constraint language is refused on read. */
START_TEST(test_faults_structured)
{
	static const char *const a[] = { "paris", "lyon" }, *const b[] = { "nice" };
	struct constraint con = {
		.set = CON_DELAY | CON_JITTER | CON_DIST | CON_LOSS | CON_BURST,
		.delay_us = 20000, .jitter_us = 1000, .dist = DIST_NORMAL,
		.loss_pct = 0.3, .loss_burst = 2.5,
	};
	struct state_fault_spec spec = {
		.action = "set", .detail = "paris,lyon nice delay=20ms",
		.sides = { a, b }, .n_sides = { 2, 1 }, .con = &con,
	};
	struct state *st = open_db("faults5");
	struct state_fault *f = NULL;
	sqlite3 *db = NULL;
	char **sides[2], path[256], sql[128];
	size_t n = 0, ns[2];
	int64_t id = 0;

	ck_assert_int_eq(state_fault_add(st, 0, "fog", &spec, 10, &id), 0);
	ck_assert_int_eq(state_faults(st, "fog", 0, true, &f, &n), 0);
	ck_assert_uint_eq(n, 1);
	ck_assert(f[0].structured);
	ck_assert_str_eq(f[0].action, "set");
	ck_assert_uint_eq(f[0].con.set, con.set);
	ck_assert_uint_eq(f[0].con.delay_us, 20000);
	ck_assert_int_eq(f[0].con.dist, DIST_NORMAL);
	ck_assert(f[0].con.loss_pct == 0.3 && f[0].con.loss_burst == 2.5);
	free(f);
	ck_assert_int_eq(state_fault_sites(st, id, sides, ns), 0);
	ck_assert_uint_eq(ns[0], 2);
	ck_assert_uint_eq(ns[1], 1);
	ck_assert_str_eq(sides[0][0], "lyon");  /* sorted by name */
	ck_assert_str_eq(sides[0][1], "paris");
	ck_assert_ptr_null(sides[0][2]);
	ck_assert_str_eq(sides[1][0], "nice");
	state_free_names(sides[0]);
	state_free_names(sides[1]);
	state_close(st);

	/* A hostile field is refused, not applied. */
	db_path(path, sizeof(path), "faults5");
	snprintf(sql, sizeof(sql), "UPDATE faults SET loss_pct = 150 WHERE id = %lld",
		 (long long)id);
	ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
	ck_assert_int_eq(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	st = open_db("faults5");
	ck_assert_int_eq(state_faults(st, "fog", 0, true, &f, &n), -EBADMSG);
	ck_assert_msg(strstr(state_errmsg(st), "invalid constraint: loss 150% is out of range"),
		      "%s", state_errmsg(st));
	state_close(st);
}
END_TEST

/* A database of schema v4 is migrated: its faults keep their text and are
 * read as such (structured false), new ones are structured. */
START_TEST(test_faults_from_v4)
{
	char path[256];
	struct state *st = NULL;
	struct state_fault *f = NULL;
	sqlite3 *db = NULL;
	char *err = NULL;
	size_t n = 0;

	snprintf(path, sizeof(path), "%s/v4.db", tmpdir);
	ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
	ck_assert_int_eq(sqlite3_exec(db,
		"CREATE TABLE faults (id INTEGER PRIMARY KEY AUTOINCREMENT, run INTEGER,"
		" experiment TEXT NOT NULL, action TEXT NOT NULL, detail TEXT NOT NULL,"
		" applied REAL NOT NULL, removed REAL);"
		/* v8 -> v9 adds the nodes' profiles */
		"CREATE TABLE nodes (experiment TEXT NOT NULL, idx INTEGER NOT NULL);"
		/* v10 -> v11 adds the hosts of a spread world */
		"CREATE TABLE sites (experiment TEXT NOT NULL, idx INTEGER NOT NULL);"
		"CREATE TABLE objects (experiment TEXT NOT NULL, seq INTEGER NOT NULL);"
		"INSERT INTO faults (experiment, action, detail, applied)"
		" VALUES ('fog', 'set', 'a b loss=5%', 1);"
		"PRAGMA user_version = 4", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	ck_assert_int_eq(state_open(path, &st, &err), 0);
	ck_assert_int_eq(sql_int(path, "PRAGMA user_version"), 11);
	ck_assert_int_eq(state_faults(st, "fog", 0, true, &f, &n), 0);
	ck_assert_uint_eq(n, 1);
	ck_assert(!f[0].structured);
	ck_assert_str_eq(f[0].detail, "a b loss=5%");
	ck_assert_uint_eq(f[0].con.set, 0);
	free(f);
	state_close(st);
}
END_TEST

/* The hosts of a spread world: each site, node and object has its host
 * ('*' for the WAN bridge and the tunnel, on every host); a host's status
 * and error change alone; forgetting the experiment forgets its hosts. */
START_TEST(test_hosts)
{
	static const char *const names[] = { "h1", "h2" };
	static const char *const addrs[] = { "192.0.2.1", "192.0.2.2" };
	static const char *const ssh[] = { "root@192.0.2.1", "root@192.0.2.2" };
	static const char *const enos[] = { "enos", "/opt/enos" };
	static const size_t host_of[N_SITES] = { 0, 1, 1 };
	struct state *st = open_db("hosts");
	struct state_host *h = NULL;
	struct fake_world f;
	char buf[64];
	size_t n = 9;

	fake_world(&f, "fog", "eabcd");
	ck_assert_int_eq(state_record_world(st, NULL, &f.w), 0);
	ck_assert_int_eq(state_hosts(st, "fog", &h, &n), 0);
	ck_assert_uint_eq(n, 0);        /* on this host alone */
	free(h);
	ck_assert_int_eq(state_site_host(st, "fog", 1, buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "");
	ck_assert_int_eq(state_object_add(st, "fog", OBJ_LINK, "eabcdx"), 0);
	ck_assert_int_eq(state_hosts_record(st, "fog", 2, names, addrs, ssh,
					    enos, host_of), 0);
	ck_assert_int_eq(state_hosts(st, "fog", &h, &n), 0);
	ck_assert_uint_eq(n, 2);
	ck_assert_str_eq(h[0].name, "h1");
	ck_assert_str_eq(h[1].enos, "/opt/enos");
	ck_assert_str_eq(h[1].status, HOST_PLANNED);
	ck_assert_uint_eq(h[0].n_sites, 1);
	ck_assert_uint_eq(h[1].n_sites, 2);
	ck_assert_uint_eq(h[0].n_nodes, 2);     /* node_site: 0, 0, 1, 1, 1, 2, 2 */
	ck_assert_uint_eq(h[1].n_nodes, 5);
	/* Site 0: bridge, netns, 2 links; 2 nodes: netns + link each; plus
	 * the WAN bridge and the tunnel, which every host has. */
	ck_assert_uint_eq(h[0].n_objects, 4 + 2 * 2 + 2);
	ck_assert_uint_eq(h[1].n_objects, 2 * 4 + 5 * 2 + 2);
	free(h);
	ck_assert_int_eq(state_site_host(st, "fog", 2, buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "h2");
	ck_assert_int_eq(state_host_set_status(st, "fog", "h2", HOST_UNREACHABLE,
					       "host 'h2': gone"), 0);
	ck_assert_int_eq(state_host_set_status(st, "fog", "h9", HOST_UP, NULL),
			 -ENOENT);
	ck_assert_int_eq(state_host_set_status(st, "fog", "h1", "lost", NULL),
			 -EINVAL);
	ck_assert_int_eq(state_hosts(st, "fog", &h, &n), 0);
	ck_assert_str_eq(h[0].status, HOST_PLANNED);
	ck_assert_str_eq(h[1].status, HOST_UNREACHABLE);
	ck_assert_str_eq(h[1].error, "host 'h2': gone");
	free(h);
	ck_assert_int_eq(state_forget(st, "fog"), 0);
	ck_assert_int_eq(state_hosts(st, "fog", &h, &n), 0);
	ck_assert_uint_eq(n, 0);
	free(h);
	state_close(st);
}
END_TEST

START_TEST(test_schema_version)
{
	char path[256];
	struct state *st = NULL;
	struct fake_world f;
	struct exp_info info;
	char *err = NULL;
	sqlite3 *db = NULL;
	unsigned char header[100];
	FILE *fp;

	st = open_db("schema");
	fake_world(&f, "fog", "eschm");
	ck_assert_int_eq(state_record_world(st, NULL, &f.w), 0);
	state_close(st);
	db_path(path, sizeof(path), "schema");
	ck_assert_int_eq(sql_int(path, "PRAGMA user_version"), 11);

	/* An existing database of the current version opens and keeps its data. */
	st = open_db("schema");
	ck_assert_int_eq(state_get(st, "fog", &info), 0);
	state_close(st);

	/* WAL is a property of the file. */
	ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
	ck_assert_int_eq(sqlite3_exec(db, "PRAGMA user_version = 99", NULL, NULL,
				      NULL), SQLITE_OK);
	sqlite3_close(db);
	ck_assert_int_eq(state_open(path, &st, &err), -EPROTONOSUPPORT);
	ck_assert_ptr_null(st);
	ck_assert_ptr_nonnull(err);
	ck_assert_msg(strstr(err, "schema version 99") && strstr(err, path),
		      "unclear message: %s", err);
	free(err);
	/* Refusing did not touch it. */
	ck_assert_int_eq(sql_int(path, "PRAGMA user_version"), 99);

	/* Nor one that was never in WAL mode. */
	snprintf(path, sizeof(path), "%s/future.db", tmpdir);
	ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
	ck_assert_int_eq(sqlite3_exec(db, "CREATE TABLE t (x);"
				      "PRAGMA user_version = 12", NULL, NULL,
				      NULL), SQLITE_OK);
	sqlite3_close(db);
	err = NULL;
	ck_assert_int_eq(state_open(path, &st, &err), -EPROTONOSUPPORT);
	ck_assert_ptr_nonnull(strstr(err, "schema version 12"));
	free(err);
	/* Header byte 18 is the file format: 1 rollback journal, 2 WAL. */
	fp = fopen(path, "rb");
	ck_assert_ptr_nonnull(fp);
	ck_assert_int_eq(fread(header, 1, sizeof(header), fp), sizeof(header));
	fclose(fp);
	ck_assert_int_eq(header[18], 1);
}
END_TEST

START_TEST(test_wal_mode)
{
	char path[256];
	struct state *st = open_db("wal");

	state_close(st);
	db_path(path, sizeof(path), "wal");
	{
		sqlite3 *db = NULL;
		sqlite3_stmt *s = NULL;

		ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
		ck_assert_int_eq(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1,
						    &s, NULL), SQLITE_OK);
		ck_assert_int_eq(sqlite3_step(s), SQLITE_ROW);
		ck_assert_str_eq((const char *)sqlite3_column_text(s, 0), "wal");
		sqlite3_finalize(s);
		sqlite3_close(db);
	}
}
END_TEST

START_TEST(test_open_errors)
{
	char path[256];
	struct state *st = NULL;
	char *err = NULL;
	FILE *fp;
	int ret;

	/* Not a database. */
	snprintf(path, sizeof(path), "%s/garbage.db", tmpdir);
	fp = fopen(path, "w");
	ck_assert_ptr_nonnull(fp);
	fputs("this is not an SQLite database, not even close; padding padding "
	      "padding padding padding padding padding padding padding\n", fp);
	fclose(fp);
	ret = state_open(path, &st, &err);
	ck_assert_int_lt(ret, 0);
	ck_assert_ptr_null(st);
	ck_assert_ptr_nonnull(err);
	ck_assert_ptr_nonnull(strstr(err, path));
	free(err);
	err = NULL;

	/* Its parent is a file: the directory cannot be made. */
	snprintf(path, sizeof(path), "%s/garbage.db/sub/enos.db", tmpdir);
	ret = state_open(path, &st, &err);
	ck_assert_int_eq(ret, -ENOTDIR);
	ck_assert_ptr_nonnull(err);
	free(err);
}
END_TEST

Suite *make_state_suite(void)
{
	Suite *s = suite_create("state");
	TCase *tc = tcase_create("db");

	tcase_add_unchecked_fixture(tc, tmp_setup, tmp_teardown);
	tcase_add_test(tc, test_round_trip);
	tcase_add_test(tc, test_seed_stored);
	tcase_add_test(tc, test_exists);
	tcase_add_test(tc, test_inconsistent_world_rolls_back);
	tcase_add_test(tc, test_status);
	tcase_add_test(tc, test_list);
	tcase_add_test(tc, test_forget_keeps_results);
	tcase_add_test(tc, test_pick_tag);
	tcase_add_test(tc, test_objects);
	tcase_add_test(tc, test_processes);
	tcase_add_test(tc, test_world_free_zeroed);
	tcase_add_test(tc, test_bad_records);
	tcase_add_test(tc, test_faults_structured);
	tcase_add_test(tc, test_faults_from_v4);
	tcase_add_test(tc, test_schema_version);
	tcase_add_test(tc, test_hosts);
	tcase_add_test(tc, test_results_runs_faults_round_trip);
	tcase_add_test(tc, test_wal_mode);
	tcase_add_test(tc, test_open_errors);
	suite_add_tcase(s, tc);
	return s;
}
