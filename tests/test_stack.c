/* test_stack — unit tests of stacks: every tests/fixtures/stacks/bad/NAME.yaml
 * fails with exactly the line in NAME.err, every stack in workloads/stacks
 * loads, the etcd strategies place members where the README says (distinct
 * nodes, per site, max, per node, the default), templates fill variables,
 * other services' fields and joins and reject unknown ones, the memory
 * check reads MemAvailable and refuses with both numbers, and results/ and
 * services/ are rooted where enos/rundir.h says.
 * Tests run with the repository root as working directory.
 */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <unistd.h>
#include <sys/wait.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emulator/addr.h"
#include "emulator/proc.h"
#include "enos/deploy.h"
#include "enos/plan.h"
#include "enos/rundir.h"
#include "enos/topo.h"
#include "tests/suites.h"
#include "tests/testutil.h"
#include "workloads/place.h"
#include "workloads/stack.h"
#include "workloads/template.h"

#define BAD_DIR   "tests/fixtures/stacks/bad"
#define STACK_DIR "workloads/stacks"

/* The I-th name (sorted) in DIR ending in SUFFIX into OUT; the count. */
static size_t nth_file(const char *dir, const char *suffix, size_t i,
		       char *out, size_t len)
{
	char names[64][256];
	size_t n = 0, k, sl = strlen(suffix);
	struct dirent *de;
	DIR *d = opendir(dir);

	while (d && (de = readdir(d)) && n < 64) {
		size_t l = strlen(de->d_name);

		if (l > sl && l < sizeof(names[0]) && !strcmp(de->d_name + l - sl, suffix))
			snprintf(names[n++], sizeof(names[0]), "%s", de->d_name);
	}
	if (d)
		closedir(d);
	qsort(names, n, sizeof(names[0]), (int (*)(const void *, const void *))strcmp);
	for (k = 0; out && k < n; k++)
		if (k == i)
			snprintf(out, len, "%s/%s", dir, names[k]);
	return n;
}

START_TEST(test_bad_fixture)
{
	char path[512], errpath[512], expected[1024] = "";
	char *err = NULL;
	struct stack *s;
	FILE *f;
	size_t n;

	ck_assert_uint_gt(nth_file(BAD_DIR, ".yaml", (size_t)_i, path, sizeof(path)),
			  (size_t)_i);
	snprintf(errpath, sizeof(errpath), "%.*s.err", (int)(strlen(path) - 5), path);
	f = fopen(errpath, "r");
	ck_assert_msg(f != NULL, "no %s", errpath);
	n = fread(expected, 1, sizeof(expected) - 1, f);
	fclose(f);
	expected[n] = '\0';
	while (n && expected[n - 1] == '\n')
		expected[--n] = '\0';
	s = stack_load(path, &err);
	ck_assert_msg(s == NULL, "%s loaded", path);
	ck_assert_msg(err && !strcmp(err, expected), "%s:\n  got      %s\n  expected %s",
		      path, err ? err : "(null)", expected);
	free(err);
}
END_TEST

START_TEST(test_bad_fixtures_paired)
{
	size_t y = nth_file(BAD_DIR, ".yaml", 0, NULL, 0);

	ck_assert_uint_ge(y, 15);
	ck_assert_uint_eq(y, nth_file(BAD_DIR, ".err", 0, NULL, 0));
}
END_TEST

START_TEST(test_tree_stacks_load)
{
	char path[512];
	char *err = NULL;
	struct stack *s;

	ck_assert_uint_gt(nth_file(STACK_DIR, ".yaml", (size_t)_i, path, sizeof(path)),
			  (size_t)_i);
	s = stack_load(path, &err);
	ck_assert_msg(s != NULL, "%s", err ? err : "(no message)");
	ck_assert_uint_ge(s->n_services, 1);
	ck_assert_uint_ge(s->n_strategies, 1);
	stack_free(s);
}
END_TEST

START_TEST(test_etcd_model)
{
	char *err = NULL;
	struct stack *s = stack_load(STACK_DIR "/etcd.yaml", &err);
	const struct stack_strategy *st;

	ck_assert_msg(s != NULL, "%s", err ? err : "");
	ck_assert_str_eq(s->name, "etcd");
	ck_assert_uint_eq(s->n_packages, 2);
	ck_assert_str_eq(s->packages[0], "etcd-server");
	ck_assert_uint_eq(s->n_services, 1);
	ck_assert(s->services[0].data_dir);
	ck_assert_uint_gt(s->services[0].memory_bytes, 0);
	ck_assert_int_eq(s->services[0].ready, READY_COMMAND);
	ck_assert_uint_eq(s->services[0].timeout_us, 60ull * 1000000);
	st = stack_strategy_find(s, NULL);
	ck_assert_str_eq(st->name, "central");
	st = stack_strategy_find(s, "edge");
	ck_assert_int_eq(st->rules[0].per, PER_SITE);
	ck_assert_uint_eq(st->rules[0].max, 5);
	ck_assert_ptr_null(stack_strategy_find(s, "nowhere"));
	stack_free(s);
}
END_TEST

/* ---- placement and templates ---- */

static const char *const topo_text =
	"name: st-unit\n"
	"sites:\n"
	"  - {name: central, role: central, nodes: 3}\n"
	"  - {name: regional, role: regional, parent: central, count: 2}\n"
	"  - {name: edge, role: edge, parent: regional-1, nodes: 2, count: 7}\n";

static const char *const stack_text =
	"stack: two\n"
	"services:\n"
	"  - name: db\n"
	"    memory: 100MiB\n"
	"    data_dir: true\n"
	"    command: [\"db\", \"--dir\", \"{{data_dir}}\"]\n"
	"  - name: api\n"
	"    memory: 10MiB\n"
	"    after: [db]\n"
	"    command: [\"api\", \"--db={{db.addr}}\", \"--peers={{join(api, ',', '{{instance}}@{{addr}}')}}\"]\n"
	"strategies:\n"
	"  central: {db: {sites: \"role:central\", count: 3}, api: {sites: central, count: 3}}\n"
	"  edge: {db: {sites: \"role:edge\", per: site, max: 5}, api: {sites: edge, per: node}}\n"
	"  spread: {db: {sites: \"role:regional\", per: site}}\n"
	"  wrong: {db: {sites: centrl}}\n"
	"  crowded: {db: {sites: central, count: 4}}\n";

struct fixture {
	struct topology *t;
	struct world w;
	struct stack *s;
	struct placement pl;
};

static void fixture_place(struct fixture *f, const char *strategy, int expect)
{
	char *err = NULL;
	int rc;

	memset(f, 0, sizeof(*f));
	f->t = topo_load_string(topo_text, "t.yaml", NULL, &err);
	ck_assert_msg(f->t != NULL, "%s", err ? err : "");
	ck_assert_int_eq(plan_world(f->t, "eunit", &f->w), 0);
	f->s = stack_load_string(stack_text, "two.yaml", "two", &err);
	ck_assert_msg(f->s != NULL, "%s", err ? err : "");
	rc = place_stack(f->s, stack_strategy_find(f->s, strategy), f->t, &f->w,
			 &f->pl, &err);
	ck_assert_msg(rc == expect, "place %s: %d %s", strategy, rc, err ? err : "");
	if (rc) {
		ck_assert_ptr_nonnull(err);
		ck_assert_msg(tu_contains(err, "service 'db' (strategy 'wrong')") &&
			      tu_contains(err, "did you mean 'central'"), "%s", err);
	}
	free(err);
}

static void fixture_release(struct fixture *f)
{
	place_release(&f->pl);
	stack_free(f->s);
	plan_release(&f->w);
	topo_free(f->t);
}

static const char *node_of(const struct fixture *f, size_t i)
{
	return f->w.nodes[f->pl.v[i].node].name;
}

START_TEST(test_place_central_distinct)
{
	struct fixture f;
	size_t i, k;

	fixture_place(&f, "central", 0);
	ck_assert_uint_eq(place_count(&f.pl, 0), 3);
	ck_assert_uint_eq(place_count(&f.pl, 1), 3);
	ck_assert_str_eq(f.pl.v[0].name, "db-1");
	ck_assert_str_eq(f.pl.v[2].name, "db-3");
	/* Three members on the three central nodes, one each. */
	for (i = 0; i < 3; i++) {
		ck_assert_str_eq(f.w.sites[f.w.nodes[f.pl.v[i].node].site].name, "central");
		for (k = 0; k < i; k++)
			ck_assert_str_ne(node_of(&f, i), node_of(&f, k));
	}
	/* Three api beside them, one per node again. */
	ck_assert_str_eq(f.pl.v[3 + 2].name, "api-3");
	for (i = 3; i < 6; i++)
		for (k = 3; k < i; k++)
			ck_assert_str_ne(node_of(&f, i), node_of(&f, k));
	ck_assert_uint_eq(place_memory(&f.pl, f.s), 3ull * 100 * 1048576 + 3ull * 10 * 1048576);
	fixture_release(&f);
}
END_TEST

/* A count over fewer nodes would put two instances of a service on one
 * node, where they run the same command on the same ports (etcd: 3
 * members on 2 nodes): refused at the rule's place in the stack file. */
START_TEST(test_place_count_over_nodes)
{
	struct fixture f;
	char *err = NULL;

	fixture_place(&f, "central", 0);
	place_release(&f.pl);
	ck_assert_int_eq(place_stack(f.s, stack_strategy_find(f.s, "crowded"), f.t, &f.w,
				     &f.pl, &err), -ERANGE);
	ck_assert_msg(err && tu_contains(err, "two.yaml:16:") &&
		      tu_contains(err, ": service 'db' (strategy 'crowded'): count 4 over the 3 nodes of sites 'central' would put two instances on one node, where they would listen on the same ports (give those sites at least 4 nodes, or a count of at most 3)"),
		      "%s", err ? err : "(none)");
	ck_assert_uint_eq(f.pl.n, 0);
	free(err);
	fixture_release(&f);
}
END_TEST

START_TEST(test_place_per_site_max_and_node)
{
	struct fixture f;
	size_t i;

	fixture_place(&f, "edge", 0);
	/* 7 edge sites, at most 5 members, one per site, on each first node. */
	ck_assert_uint_eq(place_count(&f.pl, 0), 5);
	for (i = 0; i < 5; i++) {
		char site[32];

		snprintf(site, sizeof(site), "edge-%zu", i + 1);
		ck_assert_str_eq(f.w.sites[f.w.nodes[f.pl.v[i].node].site].name, site);
	}
	/* api per node of the counted group "edge": 7 sites x 2 nodes. */
	ck_assert_uint_eq(place_count(&f.pl, 1), 14);
	fixture_release(&f);
}
END_TEST

START_TEST(test_place_default_and_errors)
{
	struct fixture f;

	fixture_place(&f, "spread", 0);
	ck_assert_uint_eq(place_count(&f.pl, 0), 2);
	/* No rule for api in 'spread': one instance at the first central node. */
	ck_assert_uint_eq(place_count(&f.pl, 1), 1);
	ck_assert_str_eq(node_of(&f, 2), f.w.nodes[0].name);
	fixture_release(&f);
	fixture_place(&f, "wrong", -ENOENT);
	fixture_release(&f);
}
END_TEST

START_TEST(test_template_render)
{
	struct fixture f;
	struct template_env e;
	char *out = NULL, *err = NULL, want[512], a0[32], a1[32], a2[32];

	fixture_place(&f, "central", 0);
	e = (struct template_env){ .stack = f.s, .pl = &f.pl, .w = &f.w,
				   .experiment = "st-unit", .log_dir = "/logs",
				   .svc_dir = "/svc/st-unit", .topo = f.t,
				   .stack_dir = "/tree/workloads/stacks", .strategy = "central" };
	ck_assert_int_eq(template_render(&e, 0, "{{instance}} {{ node }} {{site}} {{role}} {{index}} {{experiment}}",
					 &out, &err), 0);
	snprintf(want, sizeof(want), "db-1 %s central central 1 st-unit", node_of(&f, 0));
	ck_assert_str_eq(out, want);
	free(out);
	ck_assert_int_eq(template_render(&e, 0, "{{data_dir}} {{conf_dir}} {{log_dir}}", &out, &err), 0);
	ck_assert_str_eq(out, "/svc/st-unit/db-1/data /svc/st-unit/db-1/conf /logs");
	free(out);
	ck_assert_int_eq(template_render(&e, 0, "{{stack_dir}}/two/x.py", &out, &err), 0);
	ck_assert_str_eq(out, "/tree/workloads/stacks/two/x.py");
	free(out);
	/* api-1 sees db's first instance and the join over the api instances. */
	addr_format(f.w.nodes[f.pl.v[0].node].addr, a0, sizeof(a0));
	ck_assert_int_eq(template_render(&e, 3, "{{db.addr}} {{db.count}} {{db.instance}}", &out, &err), 0);
	snprintf(want, sizeof(want), "%s 3 db-1", a0);
	ck_assert_str_eq(out, want);
	free(out);
	ck_assert_int_eq(template_render(&e, 3, "{{join(db, ',', '{{instance}}=http://{{addr}}:2380')}}",
					 &out, &err), 0);
	addr_format(f.w.nodes[f.pl.v[1].node].addr, a1, sizeof(a1));
	addr_format(f.w.nodes[f.pl.v[2].node].addr, a2, sizeof(a2));
	snprintf(want, sizeof(want), "db-1=http://%s:2380,db-2=http://%s:2380,db-3=http://%s:2380",
		 a0, a1, a2);
	ck_assert_str_eq(out, want);
	free(out);
	/* Errors name what is wrong. */
	ck_assert_int_eq(template_render(&e, 0, "x {{nope}}", &out, &err), -EINVAL);
	ck_assert_str_eq(err, "unknown template variable 'nope'");
	free(err);
	ck_assert_int_eq(template_render(&e, 3, "{{data_dir}}", &out, &err), -EINVAL);
	ck_assert(tu_contains(err, "needs 'data_dir: true' in service 'api'"));
	free(err);
	ck_assert_int_eq(template_render(&e, 0, "{{ghost.addr}}", &out, &err), -EINVAL);
	ck_assert_str_eq(err, "unknown service 'ghost' in a template");
	free(err);
	ck_assert_int_eq(template_render(&e, 0, "{{addr", &out, &err), -EINVAL);
	ck_assert_str_eq(err, "unclosed '{{' in a template");
	free(err);
	fixture_release(&f);
}
END_TEST

START_TEST(test_memory_check)
{
	char dir[128], path[256], msg[160];
	unsigned long long avail = 0;

	ck_assert_ptr_nonnull(tu_tmpdir(dir, sizeof(dir), "stmem"));
	tu_write(dir, "meminfo", "MemTotal:       24000000 kB\n"
		 "MemFree:        1000 kB\n"
		 "MemAvailable:     204800 kB\n", path, sizeof(path));
	ck_assert_int_eq(deploy_mem_available(path, &avail), 0);
	ck_assert_uint_eq(avail, 204800ull * 1024);
	tu_write(dir, "short", "MemTotal: 1 kB\n", path, sizeof(path));
	ck_assert_int_eq(deploy_mem_available(path, &avail), -EBADMSG);
	ck_assert_int_eq(deploy_memory_fits(180ull << 20, 200ull << 20, msg, sizeof(msg)), 0);
	ck_assert_int_eq(deploy_memory_fits(300ull << 20, 200ull << 20, msg, sizeof(msg)), -ENOMEM);
	ck_assert_str_eq(msg, "the stack needs 300 MiB but only 200 MiB is available");
	tu_rmtree(dir);
}
END_TEST

/* Where a run's results and a deploy's files go: results/ under the
 * current directory (relative as printed, absolute for the services),
 * services/ beside the state database. */
START_TEST(test_rundir)
{
	char cwd[256], want[512], out[512], tiny[8];

	ck_assert_ptr_nonnull(getcwd(cwd, sizeof(cwd)));
	ck_assert_int_eq(rundir_run("fog", 12, false, out, sizeof(out)), 0);
	ck_assert_str_eq(out, "results/fog/12");
	ck_assert_int_eq(rundir_run("fog", 12, true, out, sizeof(out)), 0);
	snprintf(want, sizeof(want), "%s/results/fog/12", cwd);
	ck_assert_str_eq(out, want);
	ck_assert_int_eq(rundir_experiment("fog", true, out, sizeof(out)), 0);
	snprintf(want, sizeof(want), "%s/results/fog", cwd);
	ck_assert_str_eq(out, want);
	ck_assert_int_eq(rundir_run_services("fog", 0, out, sizeof(out)), 0);
	snprintf(want, sizeof(want), "%s/results/fog/0/services", cwd);
	ck_assert_str_eq(out, want);
	ck_assert_int_eq(rundir_services("/var/lib/enos/enos.db", "fog", out, sizeof(out)), 0);
	ck_assert_str_eq(out, "/var/lib/enos/services/fog");
	ck_assert_int_eq(rundir_services("/enos.db", NULL, out, sizeof(out)), 0);
	ck_assert_str_eq(out, "/services");
	ck_assert_int_eq(rundir_services("db/enos.db", "fog", out, sizeof(out)), 0);
	snprintf(want, sizeof(want), "%s/db/services/fog", cwd);
	ck_assert_str_eq(out, want);
	ck_assert_int_eq(rundir_services("enos.db", NULL, out, sizeof(out)), 0);
	snprintf(want, sizeof(want), "%s/services", cwd);
	ck_assert_str_eq(out, want);
	ck_assert_int_eq(rundir_run("fog", 12, false, tiny, sizeof(tiny)), -ENAMETOOLONG);
	ck_assert_int_eq(rundir_services("/var/lib/enos/enos.db", "fog", tiny, sizeof(tiny)),
			 -ENAMETOOLONG);
}
END_TEST

START_TEST(test_stack_find)
{
	char path[512];

	setenv("ENOS_STACKS_DIR", "tests/fixtures/stacks/bad", 1);
	ck_assert_int_eq(stack_find("after-cycle", NULL, path, sizeof(path)), 0);
	ck_assert_str_eq(path, "tests/fixtures/stacks/bad/after-cycle.yaml");
	ck_assert_int_eq(stack_find("etcd", NULL, path, sizeof(path)), -ENOENT);
	unsetenv("ENOS_STACKS_DIR");
	/* From the binary's tree: TREE/build/bin/enos finds TREE/workloads/stacks. */
	ck_assert_int_eq(stack_find("etcd", "./build/bin/enos", path, sizeof(path)), 0);
	ck_assert_str_eq(path, "./workloads/stacks/etcd.yaml");
}
END_TEST

/* `enos check` places the stack and refuses one that cannot fit, with the
 * numbers; a stack that fits prints its estimate. */
START_TEST(test_check_memory_estimate)
{
	char dir[128], path[256], db[192], *out = NULL;

	ck_assert_ptr_nonnull(tu_tmpdir(dir, sizeof(dir), "stchk"));
	snprintf(db, sizeof(db), "%s/enos.db", dir);
	tu_write(dir, "huge.yaml", "name: st-huge\n"
		 "sites: [{name: c, role: central, nodes: 2}]\n"
		 "stack: {name: st-huge, strategy: wide}\n", path, sizeof(path));
	setenv("ENOS_STACKS_DIR", "tests/fixtures/stacks/sys", 1);
	ck_assert_int_eq(tu_enos(&out, db, "check", path, NULL), 1);
	ck_assert_msg(tu_contains(out, "error: stack 'st-huge' (strategy 'wide') cannot fit on this host: "
				  "the stack needs 2048000 MiB but only "), "%s", out);
	free(out);
	unsetenv("ENOS_STACKS_DIR");
	ck_assert_int_eq(tu_enos(&out, db, "check", "tests/fixtures/stacks/topo/st-etcd.yaml", NULL), 0);
	ck_assert_msg(tu_contains(out, "stack 'etcd' (strategy 'edge'): 2 instances on this host") &&
		      tu_contains(out, "memory: the stack needs 64 MiB of "), "%s", out);
	free(out);
	/* etcd's 3 central members on 2 nodes would share ports: refused at
	 * the strategy's rule in the stack file. */
	tu_write(dir, "e2.yaml", "name: st-e2\n"
		 "sites: [{name: c, role: central, nodes: 2}]\n"
		 "network: {shaping: none}\n"
		 "stack: {name: etcd, strategy: central}\n", path, sizeof(path));
	ck_assert_int_eq(tu_enos(&out, db, "check", path, NULL), 1);
	ck_assert_msg(tu_contains(out, "workloads/stacks/etcd.yaml:30:19: service 'etcd' (strategy 'central'): "
				  "count 3 over the 2 nodes of sites 'role:central' would put two instances on one node"),
		      "%s", out);
	free(out);
	tu_rmtree(dir);
}
END_TEST

/* ---- count: 0, near, the stack's post ---- */

/* Two regions under one central site, one edge site under each. */
static const char *const topo2_text =
	"name: st-near\n"
	"sites:\n"
	"  - {name: central, role: central, nodes: 2}\n"
	"  - {name: regional, role: regional, parent: central, count: 2}\n"
	"  - {name: edge-a, role: edge, parent: regional-1, nodes: 2}\n"
	"  - {name: edge-b, role: edge, parent: regional-2}\n";

static const char *const stack2_text =
	"stack: near\n"
	"services:\n"
	"  - name: db\n"
	"    memory: 100MiB\n"
	"    command: [\"db\"]\n"
	"  - name: cell\n"
	"    memory: 50MiB\n"
	"    command: [\"cell\"]\n"
	"  - name: queue\n"
	"    memory: 7MiB\n"
	"    after: [db]\n"
	"    command: [\"queue\"]\n"
	"  - name: app\n"
	"    memory: 1MiB\n"
	"    after: [queue, cell]\n"
	"    command: [\"app\", \"{{queue.near.addr}}\", \"{{near(cell, db).instance}}\"]\n"
	"strategies:\n"
	"  regions:\n"
	"    db: {sites: \"role:central\"}\n"
	"    cell: {sites: \"role:regional\", per: site}\n"
	"    queue: {sites: \"role:regional\", per: site}\n"
	"    app: {sites: \"role:edge\", per: node}\n"
	"  core:\n"
	"    db: {sites: \"role:central\"}\n"
	"    cell: {count: 0}\n"
	"    queue: {sites: central, count: 2}\n"
	"    app: {sites: \"role:edge\", per: node}\n"
	"post:\n"
	"  - {on: db, run: [\"map\", \"{{join(app, ',', '{{node}}')}}\"]}\n"
	"  - {on: app-3, run: [\"check\", \"{{addr}}\"]}\n";

struct near_fixture {
	struct topology *t;
	struct world w;
	struct stack *s;
	struct placement pl;
	struct template_env e;
};

static void near_place(struct near_fixture *f, const char *strategy)
{
	char *err = NULL;

	memset(f, 0, sizeof(*f));
	f->t = topo_load_string(topo2_text, "t2.yaml", NULL, &err);
	ck_assert_msg(f->t != NULL, "%s", err ? err : "");
	ck_assert_int_eq(plan_world(f->t, "enear", &f->w), 0);
	f->s = stack_load_string(stack2_text, "near.yaml", "near", &err);
	ck_assert_msg(f->s != NULL, "%s", err ? err : "");
	ck_assert_int_eq(place_stack(f->s, stack_strategy_find(f->s, strategy), f->t,
				     &f->w, &f->pl, &err), 0);
	f->e = (struct template_env){ .stack = f->s, .pl = &f->pl, .w = &f->w,
				      .experiment = "st-near", .log_dir = "/l",
				      .svc_dir = "/s", .topo = f->t, .strategy = strategy };
}

static void near_release(struct near_fixture *f)
{
	place_release(&f->pl);
	stack_free(f->s);
	plan_release(&f->w);
	topo_free(f->t);
}

/* The index in F->pl of instance NAME. */
static size_t inst_of(const struct near_fixture *f, const char *name)
{
	size_t i;

	for (i = 0; i < f->pl.n && strcmp(f->pl.v[i].name, name); i++)
		;
	ck_assert_msg(i < f->pl.n, "no instance %s", name);
	return i;
}

/* Render TEXT for instance NAME and compare with WANT. */
static void near_expect(struct near_fixture *f, const char *name, const char *text,
			const char *want)
{
	char *out = NULL, *err = NULL;

	ck_assert_msg(template_render(&f->e, inst_of(f, name), text, &out, &err) == 0,
		      "%s: %s", text, err ? err : "");
	ck_assert_msg(!strcmp(out, want), "%s for %s: got %s, want %s", text, name, out, want);
	free(out);
}

static const char *inst_addr(const struct near_fixture *f, const char *name, char *buf,
			     size_t len)
{
	return addr_format(f->w.nodes[f->pl.v[inst_of(f, name)].node].addr, buf, len);
}

/* near picks the same node, else the same site, else the closest ancestor
 * site, else the first instance; with several services, ties go to the
 * one named first. */
START_TEST(test_near_two_regions)
{
	struct near_fixture f;
	char q1[32], q2[32];

	near_place(&f, "regions");
	ck_assert_uint_eq(place_count(&f.pl, 2), 2);
	ck_assert_uint_eq(place_count(&f.pl, 3), 3);    /* edge-a x2, edge-b */
	inst_addr(&f, "queue-1", q1, sizeof(q1));
	inst_addr(&f, "queue-2", q2, sizeof(q2));
	/* app-1, app-2 on edge-a (under regional-1), app-3 on edge-b. */
	near_expect(&f, "app-1", "{{queue.near.addr}}", q1);
	near_expect(&f, "app-2", "{{ queue.near.instance }}", "queue-1");
	near_expect(&f, "app-3", "{{queue.near.addr}}", q2);
	near_expect(&f, "app-3", "{{queue.near.site}}", "regional-2");
	/* Same node first: cell-2 shares queue-2's node. */
	near_expect(&f, "queue-2", "{{cell.near.instance}}", "cell-2");
	/* No ancestor holds one (central is above the regions): the first. */
	near_expect(&f, "db-1", "{{queue.near.instance}}", "queue-1");
	/* Several services: the nearest of all, cell before db on a tie. */
	near_expect(&f, "app-3", "{{near(cell, db).instance}}", "cell-2");
	near_expect(&f, "db-1", "{{near(cell, db).instance}}", "db-1");
	near_expect(&f, "app-1", "{{near(db, queue).instance}}", "queue-1");
	/* The plain form is still the first instance. */
	near_expect(&f, "app-3", "{{queue.addr}}", q1);
	near_release(&f);
}
END_TEST

/* count: 0 leaves a service out: no instances, no memory, near() falls
 * through to the other services, naming it otherwise is an error that
 * says why. */
START_TEST(test_count_zero_omits)
{
	struct near_fixture f;
	const struct stack_strategy *st;
	char *out = NULL, *err = NULL;

	near_place(&f, "core");
	st = stack_strategy_find(f.s, "core");
	ck_assert(stack_rule_omits(stack_rule_for(st, &f.s->services[1])));
	ck_assert(!stack_rule_omits(stack_rule_for(st, &f.s->services[0])));
	ck_assert_ptr_null(st->rules[1].sites);
	ck_assert_uint_eq(place_count(&f.pl, 1), 0);
	ck_assert_uint_eq(place_memory(&f.pl, f.s),
			  (100ull + 2 * 7 + 3 * 1) * 1048576);
	near_expect(&f, "app-3", "{{near(cell, db).instance}}", "db-1");
	near_expect(&f, "app-3", "{{cell.count}}", "0");
	near_expect(&f, "app-3", "[{{join(cell, ',', '{{addr}}')}}]", "[]");
	ck_assert_int_eq(template_render(&f.e, inst_of(&f, "app-1"), "{{cell.addr}}", &out, &err),
			 -EINVAL);
	ck_assert_str_eq(err, "service 'cell' has no instance: strategy 'core' leaves it out (count: 0)");
	free(err);
	ck_assert_int_eq(template_render(&f.e, inst_of(&f, "app-1"), "{{cell.near.addr}}", &out, &err),
			 -EINVAL);
	ck_assert_str_eq(err, "service 'cell' has no instance: strategy 'core' leaves it out (count: 0)");
	free(err);
	ck_assert_int_eq(template_render(&f.e, inst_of(&f, "app-1"), "{{near(cell).addr}}", &out, &err),
			 -EINVAL);
	ck_assert(tu_contains(err, "leaves it out"));
	free(err);
	ck_assert_int_eq(template_render(&f.e, inst_of(&f, "app-1"), "{{near(cell, ghost).addr}}",
					 &out, &err), -EINVAL);
	ck_assert_str_eq(err, "unknown service 'ghost' in a template");
	free(err);
	ck_assert_int_eq(template_render(&f.e, inst_of(&f, "app-1"), "{{near(cell)}}", &out, &err),
			 -EINVAL);
	ck_assert_str_eq(err, "near: expected near(SERVICE, ...).FIELD");
	free(err);
	near_release(&f);
}
END_TEST

/* The stack's own post: steps with the instance they run on. */
START_TEST(test_stack_post_model)
{
	struct near_fixture f;

	near_place(&f, "regions");
	ck_assert_uint_eq(f.s->n_post, 2);
	ck_assert_str_eq(f.s->post[0].on, "db");
	ck_assert_uint_eq(f.s->post[0].service, 0);
	ck_assert_uint_eq(f.s->post[0].index, 1);
	ck_assert_str_eq(f.s->post[0].run.argv[0], "map");
	ck_assert_str_eq(f.s->post[1].on, "app-3");
	ck_assert_uint_eq(f.s->post[1].service, 3);
	ck_assert_uint_eq(f.s->post[1].index, 3);
	ck_assert_uint_eq(f.s->post[1].pos.line, 30);
	near_release(&f);
}
END_TEST

/* The OpenStack stack: `central` leaves cell1's three services out (so
 * `enos check` no longer counts them), `regional-cells` puts them in the
 * region, and a compute reaches the queue of its own region either way
 * through near(rabbitmq-cell, rabbitmq). */
START_TEST(test_openstack_strategies)
{
	const char *cells[] = { "mariadb-cell", "rabbitmq-cell", "nova-conductor-cell" };
	struct near_fixture f;
	char *err = NULL;
	unsigned long long sum = 0;
	char a[32];
	size_t k;

	memset(&f, 0, sizeof(f));
	f.t = topo_load("topologies/openstack-6site.yaml", &err);
	ck_assert_msg(f.t != NULL, "%s", err ? err : "");
	ck_assert_int_eq(plan_world(f.t, "eosxx", &f.w), 0);
	f.s = stack_load(STACK_DIR "/openstack.yaml", &err);
	ck_assert_msg(f.s != NULL, "%s", err ? err : "");
	ck_assert_int_eq(place_stack(f.s, stack_strategy_find(f.s, "central"), f.t, &f.w,
				     &f.pl, &err), 0);
	f.e = (struct template_env){ .stack = f.s, .pl = &f.pl, .w = &f.w, .experiment = "os",
				     .log_dir = "/l", .svc_dir = "/s", .topo = f.t,
				     .strategy = "central" };
	for (k = 0; k < 3; k++)
		ck_assert_uint_eq(place_count(&f.pl, (size_t)stack_service_index(f.s, cells[k])), 0);
	ck_assert_uint_eq(f.pl.n, 14);
	for (k = 0; k < f.s->n_services; k++)
		sum += place_count(&f.pl, k) * f.s->services[k].memory_bytes;
	ck_assert_uint_eq(place_memory(&f.pl, f.s), sum);
	near_expect(&f, "nova-compute-1", "{{near(rabbitmq-cell, rabbitmq).instance}}", "rabbitmq-1");
	ck_assert_uint_ge(f.s->n_post, 1);
	ck_assert_str_eq(f.s->post[0].on, "nova-api");
	place_release(&f.pl);
	ck_assert_int_eq(place_stack(f.s, stack_strategy_find(f.s, "regional-cells"), f.t, &f.w,
				     &f.pl, &err), 0);
	f.e.strategy = "regional-cells";
	ck_assert_uint_eq(f.pl.n, 17);
	near_expect(&f, "nova-compute-4", "{{near(rabbitmq-cell, rabbitmq).instance}}",
		    "rabbitmq-cell-1");
	near_expect(&f, "nova-compute-4", "{{near(rabbitmq-cell, rabbitmq).site}}", "regional");
	near_expect(&f, "nova-api-1", "{{near(mariadb-cell, mariadb).instance}}", "mariadb-1");
	inst_addr(&f, "mariadb-cell-1", a, sizeof(a));
	near_expect(&f, "nova-conductor-cell-1", "{{near(mariadb-cell, mariadb).addr}}", a);
	near_release(&f);
}
END_TEST

/* proc_tree_mem counts every process of a session, not just its leader. */
START_TEST(test_proc_tree_mem)
{
	struct proc_mem m;
	struct proc_info pi;
	int st;
	pid_t leader = fork();

	ck_assert_int_ge(leader, 0);
	if (leader == 0) {
		setsid();
		if (fork() == 0) {
			execlp("sleep", "sleep", "30", (char *)NULL);
			_exit(127);
		}
		execlp("sleep", "sleep", "30", (char *)NULL);
		_exit(127);
	}
	/* Until the leader has exec'd and its child exists. */
	for (st = 0; st < 100; st++) {
		if (proc_tree_mem(leader, &m) == 0 && m.n_procs == 2 &&
		    proc_info(leader, &pi) == 0 && pi.session == leader)
			break;
		usleep(20000);
	}
	ck_assert_int_eq(proc_tree_mem(leader, &m), 0);
	ck_assert_uint_eq(m.n_procs, 2);
	ck_assert_uint_gt(m.rss_bytes, 0);
	ck_assert(m.has_pss);
	ck_assert_uint_gt(m.pss_bytes, 0);
	ck_assert_uint_le(m.pss_bytes, m.rss_bytes);
	ck_assert_int_eq(kill(-leader, SIGKILL), 0);
	waitpid(leader, &st, 0);
	ck_assert_int_eq(proc_tree_mem(leader, &m), -ESRCH);
}
END_TEST

Suite *make_stack_suite(void)
{
	Suite *s = suite_create("stack");
	TCase *fx = tcase_create("fixtures");
	TCase *model = tcase_create("model");

	tcase_add_loop_test(fx, test_bad_fixture, 0,
			    (int)nth_file(BAD_DIR, ".yaml", 0, NULL, 0));
	tcase_add_test(fx, test_bad_fixtures_paired);
	tcase_add_loop_test(fx, test_tree_stacks_load, 0,
			    (int)nth_file(STACK_DIR, ".yaml", 0, NULL, 0));
	suite_add_tcase(s, fx);
	tcase_add_test(model, test_etcd_model);
	tcase_add_test(model, test_place_central_distinct);
	tcase_add_test(model, test_place_count_over_nodes);
	tcase_add_test(model, test_place_per_site_max_and_node);
	tcase_add_test(model, test_place_default_and_errors);
	tcase_add_test(model, test_template_render);
	tcase_add_test(model, test_memory_check);
	tcase_add_test(model, test_rundir);
	tcase_add_test(model, test_stack_find);
	tcase_add_test(model, test_check_memory_estimate);
	tcase_add_test(model, test_near_two_regions);
	tcase_add_test(model, test_count_zero_omits);
	tcase_add_test(model, test_stack_post_model);
	tcase_add_test(model, test_openstack_strategies);
	tcase_add_test(model, test_proc_tree_mem);
	suite_add_tcase(s, model);
	return s;
}
