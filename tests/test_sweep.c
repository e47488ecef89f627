/* test_sweep — sweeps (enos/sweep.c, enos/sweep_loop.c, enos/state_sweep.c)
 * without root: axis paths (parsing, applying to a document with anchors
 * and merge keys, messages), expansion and the order of the pairs, seeds,
 * the plan's steps, every tests/fixtures/sweeps/bad/NAME.yaml against its
 * NAME.err, the benchmarks' sweeps, the resume bookkeeping (kills simulated
 * by closing the database mid-way, and by a child that dies in its step),
 * and the estimate with and without history.
 *
 * Tests run with the repository root as working directory.
 */
#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "enos/ci.h"
#include "enos/state.h"
#include "enos/sweep.h"
#include "enos/sweep_loop.h"
#include "enos/sweep_world.h"
#include "enos/topo.h"
#include "util/yamldoc.h"
#include "tests/suites.h"
#include "tests/testutil.h"

#define FIX_DIR "tests/fixtures/sweeps"
#define BAD_DIR FIX_DIR "/bad"

/* ---- helpers ---- */

static struct sweep *load_ok(const char *text)
{
	char *err = NULL;
	struct sweep *s = sweep_load_string(text, "t.yaml", FIX_DIR, &err);

	ck_assert_msg(s != NULL, "%s", err ? err : "(no message)");
	ck_assert_ptr_null(err);
	return s;
}

/* The error of loading TEXT, then of validating it (allocated). */
static char *sweep_err(const char *text)
{
	char *err = NULL;
	struct sweep *s = sweep_load_string(text, "t.yaml", FIX_DIR, &err);

	if (s) {
		ck_assert_int_eq(sweep_validate(s, NULL, NULL, &err), -EINVAL);
		sweep_free(s);
	}
	ck_assert_ptr_nonnull(err);
	return err;
}

/* The topology of POINT of S with SEED, loaded. */
static struct topology *point_topo(const struct sweep *s, size_t point,
				   uint64_t seed, bool absolute)
{
	char *text = NULL, *err = NULL;
	struct topology *t;

	ck_assert_int_eq(sweep_point_text(s, point, seed, absolute, &text, &err), 0);
	ck_assert_ptr_null(err);
	t = topo_load_string(text, "point.yaml", absolute ? NULL : FIX_DIR, &err);
	ck_assert_msg(t != NULL, "%s\n%s", err ? err : "?", text);
	free(text);
	return t;
}

static const struct constraint_rule *rule(const struct topology *t, size_t i)
{
	ck_assert_uint_gt(t->n_rules, i);
	return &t->rules[i];
}

/* ---- paths ---- */

START_TEST(test_path_parse_good)
{
	struct sweep_path p;

	ck_assert_int_eq(sweep_path_parse("network.constraints[0].rtt", &p, NULL, NULL), 0);
	ck_assert_uint_eq(p.n, 4);
	ck_assert_str_eq(p.segs[0].key, "network");
	ck_assert_str_eq(p.segs[1].key, "constraints");
	ck_assert_ptr_null(p.segs[2].key);
	ck_assert_uint_eq(p.segs[2].index, 0);
	ck_assert_str_eq(p.segs[3].key, "rtt");
	/* Offsets point into the text: errors point at the step. */
	ck_assert_uint_eq(p.segs[1].offset, 8);
	ck_assert_uint_eq(p.segs[2].offset, 19);
	ck_assert_uint_eq(p.segs[3].offset, 23);
	ck_assert_str_eq(p.text, "network.constraints[0].rtt");
	sweep_path_release(&p);

	ck_assert_int_eq(sweep_path_parse("sites[3].nodes[12].name", &p, NULL, NULL), 0);
	ck_assert_uint_eq(p.n, 5);
	ck_assert_uint_eq(p.segs[1].index, 3);
	ck_assert_uint_eq(p.segs[3].index, 12);
	sweep_path_release(&p);

	/* Canonical text: an index without its leading zeros. */
	ck_assert_int_eq(sweep_path_parse("a_b-c[007]", &p, NULL, NULL), 0);
	ck_assert_str_eq(p.text, "a_b-c[7]");
	sweep_path_release(&p);

	ck_assert_int_eq(sweep_path_parse("sites[65535]", &p, NULL, NULL), 0);
	ck_assert_uint_eq(p.segs[1].index, 65535);
	ck_assert_uint_eq(p.segs[1].n_also, 0);
	sweep_path_release(&p);

	/* An index list: its first index, then the others in order. */
	ck_assert_int_eq(sweep_path_parse("sites[4,03,9].profile", &p, NULL, NULL), 0);
	ck_assert_uint_eq(p.n, 3);
	ck_assert_uint_eq(p.segs[1].index, 4);
	ck_assert_uint_eq(p.segs[1].n_also, 2);
	ck_assert_uint_eq(p.segs[1].also[0], 3);
	ck_assert_uint_eq(p.segs[1].also[1], 9);
	ck_assert_uint_eq(p.segs[2].offset, 14);
	ck_assert_str_eq(p.text, "sites[4,3,9].profile");
	sweep_path_release(&p);
}
END_TEST

START_TEST(test_path_parse_bad)
{
	static const struct {
		const char *text;
		size_t at;
		const char *why;
	} cases[] = {
		{ "", 0, "empty path" },
		{ "network..rtt", 8, "expected a key after '.'" },
		{ "network.", 8, "expected a key after '.'" },
		{ "[0].rtt", 0, "expected a key at the start" },
		{ "sites[", 6, "expected an index after '['" },
		{ "sites[x]", 6, "expected an index after '['" },
		{ "sites[1", 7, "expected ']' after index 1" },
		{ "sites[65536]", 6, "index 65536 is out of range (0 to 65535)" },
		{ "sites[99999999999999999999]", 6,
		  "index 99999999999999999999 is out of range (0 to 65535)" },
		{ "network default", 7, "unexpected ' '" },
		{ "network/default", 7, "unexpected '/'" },
		{ "sites[0]x", 8, "unexpected 'x'" },
		{ "sites[3,]", 8, "expected an index after ','" },
		{ "sites[3,4", 9, "expected ']' after index 4" },
		{ "sites[3, 4]", 8, "expected an index after ','" },
		{ "sites[3,4,3]", 10, "index 3 is listed twice" },
		{ "sites[3,70000]", 8, "index 70000 is out of range (0 to 65535)" },
		{ "a[0,1,2,3,4,5,6,7].b[0,1,2,3,4,5,6,7,8]", 37,
		  "the path names more than 64 places" },
		{ "a\tb", 1, "unexpected byte 0x09" },
	};
	struct sweep_path p;
	char long_path[SWEEP_PATH_MAX + 2], *why = NULL;
	size_t i, at;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ck_assert_int_eq(sweep_path_parse(cases[i].text, &p, &at, &why), -EINVAL);
		ck_assert_msg(at == cases[i].at && !strcmp(why, cases[i].why),
			      "'%s': got %zu '%s', expected %zu '%s'", cases[i].text,
			      at, why, cases[i].at, cases[i].why);
		free(why);
		sweep_path_release(&p);
	}
	memset(long_path, 'a', sizeof(long_path) - 1);
	long_path[sizeof(long_path) - 1] = '\0';
	ck_assert_int_eq(sweep_path_parse(long_path, &p, &at, &why), -EINVAL);
	ck_assert_str_eq(why, "path is longer than 256 bytes");
	free(why);
	sweep_path_release(&p);
	ck_assert_int_eq(sweep_path_parse("a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a", &p,
					  &at, &why), -EINVAL);
	ck_assert_str_eq(why, "more than 16 steps in a path");
	ck_assert_uint_eq(at, 32);
	free(why);
	sweep_path_release(&p);
}
END_TEST

START_TEST(test_path_action)
{
	static const struct {
		const char *path;
		enum sweep_action a;
	} cases[] = {
		{ "network.default.rtt", SWEEP_REUSE },
		{ "network.default", SWEEP_REUSE },
		{ "network.constraints[0].rtt", SWEEP_REUSE },
		{ "network.constraints", SWEEP_REUSE },
		{ "network.matrix.file", SWEEP_REUSE },
		{ "workload.times", SWEEP_REUSE },
		{ "faults", SWEEP_REUSE },
		{ "stack.strategy", SWEEP_REDEPLOY },
		{ "stack", SWEEP_REDEPLOY },
		{ "network.shaping", SWEEP_REBUILD },
		{ "network.fabric", SWEEP_REBUILD },
		{ "network", SWEEP_REBUILD },
		{ "sites[3].count", SWEEP_REBUILD },
		{ "sites[0].lan.delay", SWEEP_REBUILD },
	};
	struct sweep_path p;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ck_assert_int_eq(sweep_path_parse(cases[i].path, &p, NULL, NULL), 0);
		ck_assert_msg(sweep_path_action(&p) == cases[i].a, "%s: %s",
			      cases[i].path, sweep_action_name(sweep_path_action(&p)));
		sweep_path_release(&p);
	}
}
END_TEST

/* The scalar at DOC's mapping path A.B (no merges), or NULL. */
static const char *doc_value(struct yamldoc *d, const char *a, const char *b)
{
	yaml_node_t *root = yamldoc_root(d), *m = NULL;
	yaml_node_pair_t *p;

	for (p = root->data.mapping.pairs.start; p < root->data.mapping.pairs.top; p++)
		if (!strcmp(yamldoc_scalar(yamldoc_node(d, p->key)), a))
			m = yamldoc_node(d, p->value);
	if (!m || m->type != YAML_MAPPING_NODE)
		return NULL;
	for (p = m->data.mapping.pairs.start; p < m->data.mapping.pairs.top; p++)
		if (!strcmp(yamldoc_scalar(yamldoc_node(d, p->key)), b))
			return yamldoc_scalar(yamldoc_node(d, p->value));
	return NULL;
}

/* sweep_path_apply on a document: an aliased mapping is copied before it
 * changes; a missing last key is added; errors name the step. */
START_TEST(test_path_apply_document)
{
	static const char text[] = "alpha: &x {b: 1, k: v}\ncharlie: *x\nl: [1, 2]\n";
	struct yamldoc *d, *v;
	struct sweep_path p;
	char *err = NULL, *why = NULL;
	size_t seg = 99;

	d = yamldoc_parse(text, strlen(text), "d.yaml", &err);
	v = yamldoc_parse("[2, {z: 3}]", 11, "v.yaml", &err);
	ck_assert_ptr_nonnull(d);
	ck_assert_ptr_nonnull(v);
	/* The item 2 of V into charlie.b: alpha.b, the same node before,
	 * stays 1. */
	ck_assert_int_eq(sweep_path_parse("charlie.b", &p, NULL, NULL), 0);
	ck_assert_int_eq(sweep_path_apply(&d->doc, &p, &v->doc,
					  yamldoc_node(v, yamldoc_root(v)->data.sequence.items.start[0]),
					  &seg, &why), 0);
	sweep_path_release(&p);
	ck_assert_str_eq(doc_value(d, "charlie", "b"), "2");
	ck_assert_str_eq(doc_value(d, "alpha", "b"), "1");
	ck_assert_str_eq(doc_value(d, "charlie", "k"), "v");
	/* A missing last key is added to its mapping. */
	ck_assert_int_eq(sweep_path_parse("alpha.new", &p, NULL, NULL), 0);
	ck_assert_int_eq(sweep_path_apply(&d->doc, &p, &v->doc,
					  yamldoc_node(v, yamldoc_root(v)->data.sequence.items.start[0]),
					  &seg, &why), 0);
	sweep_path_release(&p);
	ck_assert_str_eq(doc_value(d, "alpha", "new"), "2");
	ck_assert_ptr_null(doc_value(d, "charlie", "new"));
	/* A missing key before the last is an error at that step. */
	ck_assert_int_eq(sweep_path_parse("alpha.q.r", &p, NULL, NULL), 0);
	ck_assert_int_eq(sweep_path_apply(&d->doc, &p, &v->doc, yamldoc_root(v),
					  &seg, &why), -EINVAL);
	ck_assert_uint_eq(seg, 1);
	ck_assert_str_eq(why, "'alpha' has no key 'q'");
	free(why);
	sweep_path_release(&p);
	ck_assert_int_eq(sweep_path_parse("l[2]", &p, NULL, NULL), 0);
	ck_assert_int_eq(sweep_path_apply(&d->doc, &p, &v->doc, yamldoc_root(v),
					  &seg, &why), -EINVAL);
	ck_assert_str_eq(why, "'l' has 2 items: index 2 is out of range");
	free(why);
	sweep_path_release(&p);
	ck_assert_int_eq(sweep_path_parse("l.x", &p, NULL, NULL), 0);
	ck_assert_int_eq(sweep_path_apply(&d->doc, &p, &v->doc, yamldoc_root(v),
					  &seg, &why), -EINVAL);
	ck_assert_str_eq(why, "'l' is a sequence, not a mapping: it has no key 'x'");
	free(why);
	sweep_path_release(&p);
	ck_assert_int_eq(sweep_path_parse("charlei.b", &p, NULL, NULL), 0);
	ck_assert_int_eq(sweep_path_apply(&d->doc, &p, &v->doc, yamldoc_root(v),
					  &seg, &why), -EINVAL);
	ck_assert_uint_eq(seg, 0);
	ck_assert_str_eq(why, "the topology has no key 'charlei' (did you mean 'charlie'?)");
	free(why);
	sweep_path_release(&p);
	yamldoc_free(d);
	yamldoc_free(v);
}
END_TEST

/* Applied to the world fixture and loaded by the topology loader: each
 * path changes what it names and nothing else, through anchors and a
 * merge key. */
START_TEST(test_path_apply_topology)
{
	struct sweep *s = load_ok(
		"name: t\ntopology: world.yaml\naxes:\n"
		"  network.default.rtt: [30ms]\n"
		"  network.constraints[0].rtt: [40ms]\n"
		"  sites[1].lan.delay: [1ms]\n"
		"  sites[2].count: [3]\n"
		"  network.constraints[1]: [{src: c, dst: b, loss: 2%}]\n"
		"  stack.strategy: [central]\n");
	struct topology *t = point_topo(s, 0, 77, false);

	/* The default changed; rule 0 merged the *old* default (copied on
	 * write) and set its own rtt over the merged one. */
	ck_assert_uint_eq(t->defaults.delay_us, 15000);
	ck_assert_uint_eq(rule(t, 0)->con.delay_us, 20000);
	ck_assert_uint_eq(rule(t, 0)->con.rate_bps, 1000000000ull);
	ck_assert_double_eq_tol(rule(t, 0)->con.loss_pct, 0.1, 1e-9);
	/* Site b's lan changed; site a's, the same anchor, did not. */
	ck_assert_str_eq(t->sites[1].name, "b");
	ck_assert_uint_eq(t->sites[1].lan.delay_us, 1000);
	ck_assert_uint_eq(t->sites[0].lan.delay_us, 50);
	ck_assert_uint_eq(t->sites[0].lan.rate_bps, 10000000000ull);
	/* A key the site did not have: c now counts 3. */
	ck_assert_uint_eq(t->n_sites, 5);
	ck_assert_str_eq(t->sites[4].name, "c-3");
	/* A whole mapping as a value. */
	ck_assert_double_eq_tol(rule(t, 1)->con.loss_pct, 2.0, 1e-9);
	ck_assert_uint_eq(rule(t, 1)->con.delay_us, 0);
	ck_assert_str_eq(t->stack_strategy, "central");
	ck_assert(t->has_seed);
	ck_assert_uint_eq(t->seed, 77);
	topo_free(t);
	sweep_free(s);
}
END_TEST

/* A relative matrix file is made absolute in the text a run writes
 * elsewhere (and stays as written for validation). */
START_TEST(test_point_matrix_absolute)
{
	struct sweep *s = load_ok("name: t\ntopology: matrix.yaml\naxes:\n"
				  "  network.matrix.kind: [rtt, delay]\n");
	char *text = NULL, *err = NULL, *dir = realpath(FIX_DIR, NULL), *want;
	struct topology *t;

	ck_assert_ptr_nonnull(dir);
	want = malloc(strlen(dir) + 16);
	ck_assert_ptr_nonnull(want);
	snprintf(want, strlen(dir) + 16, "%s/m.tsv", dir);
	ck_assert_int_eq(sweep_point_text(s, 1, 3, true, &text, &err), 0);
	ck_assert_msg(strstr(text, want), "%s", text);
	/* Loads from anywhere: no directory to resolve it against. */
	t = topo_load_string(text, "elsewhere.yaml", "/nonexistent", &err);
	ck_assert_msg(t != NULL, "%s", err ? err : "?");
	ck_assert_str_eq(t->matrix->path, want);
	ck_assert_int_eq(t->matrix->kind, MATRIX_DELAY);
	topo_free(t);
	free(text);
	ck_assert_int_eq(sweep_point_text(s, 0, 3, false, &text, &err), 0);
	ck_assert_ptr_null(strstr(text, dir));
	ck_assert_ptr_nonnull(strstr(text, "m.tsv"));
	free(text);
	free(want);
	free(dir);
	sweep_free(s);
}
END_TEST

START_TEST(test_value_text)
{
	struct sweep *s = load_ok(
		"name: t\ntopology: world.yaml\naxes:\n"
		"  network.default.rtt: [10ms, '20ms', ~, \"role:edge\", 'a b']\n"
		"  faults: [[], [{at: 5s, action: partition, sites: [a]}]]\n");

	ck_assert_str_eq(s->axes[0].texts[0], "10ms");
	ck_assert_str_eq(s->axes[0].texts[1], "20ms");
	ck_assert_str_eq(s->axes[0].texts[2], "~");
	ck_assert_str_eq(s->axes[0].texts[3], "\"role:edge\"");
	ck_assert_str_eq(s->axes[0].texts[4], "\"a b\"");
	ck_assert_str_eq(s->axes[1].texts[0], "[]");
	ck_assert_str_eq(s->axes[1].texts[1], "[{at: 5s, action: partition, sites: [a]}]");
	sweep_free(s);
}
END_TEST

/* ---- the language ---- */

START_TEST(test_load_defaults_and_keys)
{
	struct sweep *s = load_ok("name: t\ntopology: world.yaml\n"
				  "axes: {network.default.rtt: [10ms, 20ms]}\n");

	ck_assert_str_eq(s->name, "t");
	ck_assert_str_eq(s->topo_path, FIX_DIR "/world.yaml");
	ck_assert_str_eq(s->exp, "swp");
	ck_assert_uint_eq(s->repeat, 1);
	ck_assert_uint_eq(s->seed, 0);
	ck_assert_int_eq(s->order, SWEEP_SHUFFLED);
	ck_assert_ptr_null(s->workload);
	ck_assert_ptr_null(s->ci);
	ck_assert_uint_eq(s->n_points, 2);
	sweep_free(s);

	/* ci: kept as written, with its position, for enos/ci. */
	s = load_ok("name: t\ntopology: world.yaml\naxes: {stack.strategy: [spread]}\n"
		    "repeat: 3\nseed: 18446744073709551615\norder: sequential\n"
		    "ci:\n  thresholds: [{metric: x, max: 2}]\n");
	ck_assert_uint_eq(s->repeat, 3);
	ck_assert_uint_eq(s->seed, UINT64_MAX);
	ck_assert_int_eq(s->order, SWEEP_SEQUENTIAL);
	ck_assert_ptr_nonnull(s->ci);
	ck_assert_int_eq(s->ci->type, YAML_MAPPING_NODE);
	ck_assert_int_eq(yamldoc_pos(s->ci).line, 8);
	ck_assert_int_eq(yamldoc_pos(s->ci).col, 3);
	sweep_free(s);
}
END_TEST

/* Errors of text written here: the position is the sweep file's. */
START_TEST(test_inline_errors)
{
	static const struct {
		const char *text;
		const char *err;
	} cases[] = {
		{ "name: t\ntopology: world.yaml\naxes: {stack.strategy: [spread]}\ncii: 1\n",
		  "t.yaml:4:1: unknown key 'cii' (did you mean 'ci'?)" },
		{ "name: t\ntopology: world.yaml\naxes:\n  'sites[0].nodes': [0]\n",
		  "t.yaml:4:22: sites[0].nodes: site 'a' needs at least one node" },
		{ "name: t\ntopology: world.yaml\naxes:\n  sites[0].nodes[1]: [2]\n",
		  "t.yaml:4:17: axis 'sites[0].nodes[1]': 'sites[0].nodes' is a value, not a sequence: it has no item [1]" },
		{ "name: t\ntopology: ''\naxes: {a: [1]}\n",
		  "t.yaml:2:11: empty topology path" },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *err = sweep_err(cases[i].text);

		ck_assert_msg(!strcmp(err, cases[i].err), "got      %s\nexpected %s",
			      err, cases[i].err);
		free(err);
	}
}
END_TEST

/* The sweep's workload replaces the topology's, and the topology loader
 * sees it. */
/* An index list puts the value at each item it names (a profile on two
 * sites, none on the one between), the loader validates each, and an
 * index list overlaps an axis naming one of its items. */
START_TEST(test_path_index_list)
{
	struct sweep *s = load_ok("name: t\ntopology: world.yaml\naxes:\n"
				  "  profiles: [{p: {cpu: 0.5}}]\n"
				  "  sites[0,2].profile: [p, ~]\n");
	struct topology *t;
	size_t i, with = 0;
	char *err;

	ck_assert_uint_eq(s->n_points, 2);
	t = point_topo(s, 0, 1, false);
	/* a, b, c-1, c-2: every node of a and of both c's, none of b. */
	ck_assert_uint_eq(t->n_sites, 4);
	for (i = 0; i < t->n_sites; i++) {
		const struct node_spec *nd = &t->sites[i].nodes[0];

		if (!strcmp(t->sites[i].name, "b")) {
			ck_assert_ptr_null(nd->profile);
			continue;
		}
		ck_assert_msg(nd->profile && !strcmp(nd->profile, "p"),
			      "site %s: no profile p", t->sites[i].name);
		ck_assert_uint_eq(nd->cpu_milli, 500);
		with++;
	}
	ck_assert_uint_eq(with, 3);
	topo_free(t);
	t = point_topo(s, 1, 1, false);
	for (i = 0; i < t->n_sites; i++) {
		ck_assert_ptr_null(t->sites[i].nodes[0].profile);
		ck_assert_uint_eq(t->sites[i].nodes[0].cpu_milli, 0);
	}
	topo_free(t);
	sweep_free(s);

	err = sweep_err("name: t\ntopology: world.yaml\naxes:\n"
			"  sites[0,2].count: [2]\n  sites[2].count: [3]\n");
	ck_assert_str_eq(err, "t.yaml:5:3: axis 'sites[2].count' overlaps axis "
			 "'sites[0,2].count' (line 4): one is inside the other");
	free(err);
	err = sweep_err("name: t\ntopology: world.yaml\naxes:\n"
			"  sites[0,7].count: [2]\n");
	ck_assert_str_eq(err, "t.yaml:4:8: axis 'sites[0,7].count': 'sites' has 3 items: "
			 "index 7 is out of range");
	free(err);
	err = sweep_err("name: t\ntopology: world.yaml\naxes:\n"
			"  sites[1,1].count: [2]\n");
	ck_assert_str_eq(err, "t.yaml:4:11: axis 'sites[1,1].count': index 1 is listed twice");
	free(err);
}
END_TEST

START_TEST(test_workload_override)
{
	struct sweep *s = load_ok("name: t\ntopology: world.yaml\n"
				  "axes: {workload.times: [10, 20]}\n"
				  "workload: {name: kv-latency, times: 5}\n");
	struct topology *t = point_topo(s, 1, 1, false);

	ck_assert_uint_eq(t->n_workloads, 1);
	ck_assert_str_eq(t->workloads[0].name, "kv-latency");
	ck_assert_uint_eq(t->workloads[0].n_params, 1);
	ck_assert_str_eq(t->workloads[0].params[0].key, "times");
	ck_assert_str_eq(t->workloads[0].params[0].value, "20");
	topo_free(t);
	sweep_free(s);
}
END_TEST

/* Every bad fixture fails with exactly its .err line. */
static char **list_bad(size_t *n)
{
	struct dirent *de;
	DIR *d = opendir(BAD_DIR);
	char **v = NULL;
	size_t cap = 0;

	*n = 0;
	while (d && (de = readdir(d))) {
		size_t len = strlen(de->d_name);

		if (len < 6 || strcmp(de->d_name + len - 5, ".yaml"))
			continue;
		if (*n == cap) {
			cap = cap ? cap * 2 : 64;
			v = realloc(v, cap * sizeof(*v));
			if (!v)
				abort();
		}
		v[(*n)++] = strndup(de->d_name, len - 5);
	}
	if (d)
		closedir(d);
	return v;
}

START_TEST(test_bad_fixtures)
{
	char path[512], errpath[512], want[1024], *err = NULL;
	size_t n = 0, i, len;
	char **names = list_bad(&n);
	struct sweep *s;
	FILE *f;

	ck_assert_uint_ge(n, 30);
	for (i = 0; i < n; i++) {
		snprintf(path, sizeof(path), BAD_DIR "/%s.yaml", names[i]);
		snprintf(errpath, sizeof(errpath), BAD_DIR "/%s.err", names[i]);
		f = fopen(errpath, "r");
		ck_assert_msg(f != NULL, "%s has no .err", path);
		len = fread(want, 1, sizeof(want) - 1, f);
		fclose(f);
		want[len] = '\0';
		while (len && want[len - 1] == '\n')
			want[--len] = '\0';
		s = sweep_load(path, &err);
		if (s) {
			ck_assert_msg(sweep_validate(s, sweep_world_check_stack, NULL,
						     &err) == -EINVAL,
				      "%s is valid", path);
			sweep_free(s);
		}
		ck_assert_msg(err && !strcmp(err, want),
			      "%s:\n  got      %s\n  expected %s", path,
			      err ? err : "(null)", want);
		free(err);
		err = NULL;
		free(names[i]);
	}
	free(names);
}
END_TEST

/* The sweeps shipped in benchmarks/ load and validate (stacks included). */
START_TEST(test_benchmark_sweeps)
{
	static const char *const files[] = {
		"benchmarks/wan-openstack.yaml", "benchmarks/placement-etcd.yaml",
		"benchmarks/placement-openstack.yaml",
	};
	size_t i;

	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		char *err = NULL;
		struct sweep *s = sweep_load(files[i], &err);

		ck_assert_msg(s != NULL, "%s", err ? err : "?");
		ck_assert_msg(sweep_validate(s, sweep_world_check_stack, NULL, &err) == 0,
			      "%s", err ? err : "?");
		ck_assert_ptr_nonnull(s->workload);
		sweep_free(s);
	}
}
END_TEST

START_TEST(test_sniff)
{
	static const char sweep[] = "name: s\naxes: {a: [1]}\n";
	static const char sweep2[] = "name: s\ntopology: x.yaml\n";
	static const char topo[] = "name: s\nsites: [{name: a, role: central}]\n";

	ck_assert(sweep_sniff(sweep, strlen(sweep)));
	ck_assert(sweep_sniff(sweep2, strlen(sweep2)));
	ck_assert(!sweep_sniff(topo, strlen(topo)));
	ck_assert(!sweep_sniff("[axes]", 6));
	ck_assert(!sweep_sniff("axes: [", 7));
}
END_TEST

/* ---- expansion, seeds, order ---- */

START_TEST(test_points_in_file_order)
{
	struct sweep *s = load_ok("name: t\ntopology: world.yaml\naxes:\n"
				  "  network.default.rtt: [1ms, 2ms]\n"
				  "  network.default.rate: [1mbit, 2mbit, 3mbit]\n");
	size_t idx[2];
	char *label;

	ck_assert_uint_eq(s->n_points, 6);
	/* The first axis varies slowest. */
	sweep_point_values(s, 0, idx);
	ck_assert(idx[0] == 0 && idx[1] == 0);
	sweep_point_values(s, 2, idx);
	ck_assert(idx[0] == 0 && idx[1] == 2);
	sweep_point_values(s, 4, idx);
	ck_assert(idx[0] == 1 && idx[1] == 1);
	label = sweep_point_label(s, 4);
	ck_assert_str_eq(label, "network.default.rtt=2ms, network.default.rate=2mbit");
	free(label);
	sweep_free(s);
}
END_TEST

/* splitmix64 and the pair seeds against values derived outside C. */
START_TEST(test_seeds)
{
	struct sweep_rng r = { 0 };
	uint64_t a, b;

	/* The reference splitmix64 (Vigna) from state 0 gives
	 * 0xe220a8397b1dcdaf, then 0x6e789e6aa1b965f4. */
	ck_assert_uint_eq(sweep_splitmix64(0), 0xe220a8397b1dcdafull);
	ck_assert_uint_eq(sweep_rng_next(&r), 0xe220a8397b1dcdafull);
	ck_assert_uint_eq(sweep_rng_next(&r), 0x6e789e6aa1b965f4ull);
	/* sm(sm(sm(1) ^ point) ^ rep), computed in Python with 64-bit masks:
	 *   def sm(x):
	 *       z = (x + 0x9E3779B97F4A7C15) & M
	 *       z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M
	 *       z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M
	 *       return z ^ (z >> 31)
	 */
	ck_assert_uint_eq(sweep_pair_seed(1, 0, 0), 12793040940332582595ull);
	ck_assert_uint_eq(sweep_pair_seed(1, 0, 1), 7806873273932414515ull);
	ck_assert_uint_eq(sweep_pair_seed(1, 1, 0), 6301985355436268297ull);
	ck_assert_uint_eq(sweep_pair_seed(1, 1, 1), 8112600223918159332ull);
	/* Stable, and distinct across points, repetitions and sweeps. */
	a = sweep_pair_seed(42, 7, 3);
	b = sweep_pair_seed(42, 7, 3);
	ck_assert_uint_eq(a, b);
	ck_assert_uint_ne(a, sweep_pair_seed(42, 3, 7));
	ck_assert_uint_ne(a, sweep_pair_seed(43, 7, 3));
}
END_TEST

START_TEST(test_rng_below)
{
	struct sweep_rng r = { 9 };
	unsigned seen[7] = { 0 };
	int i;

	for (i = 0; i < 100; i++)
		ck_assert_uint_eq(sweep_rng_below(&r, 1), 0);
	for (i = 0; i < 7000; i++)
		seen[sweep_rng_below(&r, 7)]++;
	for (i = 0; i < 7; i++)
		ck_assert_msg(seen[i] > 850 && seen[i] < 1150, "%d drawn %u times",
			      i, seen[i]);
	ck_assert_uint_lt(sweep_rng_below(&r, UINT64_MAX), UINT64_MAX);
}
END_TEST

/* Fisher-Yates by the sweep's seed: the permutations below come from the
 * same algorithm in Python (pairs numbered point * repeat + rep):
 *   a = list(range(n)); st = seed
 *   for i in range(n - 1, 0, -1):
 *       j = below(i + 1)      # splitmix64 draws, rejecting v < 2^64 % b
 *       a[i], a[j] = a[j], a[i]
 * n = 6, seed 2: [2, 5, 0, 3, 1, 4]; n = 10, seed 1: [4, 2, 8, 1, 9, 3, 0,
 * 6, 7, 5]. */
START_TEST(test_shuffle_known)
{
	static const size_t want6[] = { 2, 5, 0, 3, 1, 4 };
	static const size_t want10[] = { 4, 2, 8, 1, 9, 3, 0, 6, 7, 5 };
	struct sweep *s = load_ok("name: t\ntopology: world.yaml\nseed: 2\nrepeat: 2\n"
				  "axes: {network.default.rtt: [1ms, 2ms, 3ms]}\n");
	struct sweep_pair *p = NULL;
	size_t n, i;

	ck_assert_int_eq(sweep_plan(s, &p, &n), 0);
	ck_assert_uint_eq(n, 6);
	for (i = 0; i < n; i++) {
		ck_assert_uint_eq(p[i].point * 2 + p[i].rep, want6[i]);
		ck_assert_uint_eq(p[i].seed, sweep_pair_seed(2, p[i].point, p[i].rep));
	}
	free(p);
	sweep_free(s);

	s = load_ok("name: t\ntopology: world.yaml\nseed: 1\nrepeat: 2\n"
		    "axes: {network.default.rtt: [1ms, 2ms, 3ms, 4ms, 5ms]}\n");
	ck_assert_int_eq(sweep_plan(s, &p, &n), 0);
	ck_assert_uint_eq(n, 10);
	for (i = 0; i < n; i++)
		ck_assert_uint_eq(p[i].point * 2 + p[i].rep, want10[i]);
	free(p);
	sweep_free(s);
}
END_TEST

/* The plan's steps: what differs between two points decides. */
START_TEST(test_plan_steps)
{
	struct sweep *s = load_ok("name: t\ntopology: world.yaml\nrepeat: 2\n"
				  "order: sequential\naxes:\n"
				  "  network.default.rtt: [1ms, 2ms]\n"
				  "  stack.strategy: [spread, central]\n"
				  "  sites[2].count: [2, 3]\n");
	struct sweep_pair *p = NULL;
	size_t n, i, steps[3] = { 0 }, rebuilds_values = 2;

	/* Points: rtt slowest, then strategy, then count. */
	ck_assert_int_eq(sweep_step_action(s, 0, 0), SWEEP_REUSE);
	ck_assert_int_eq(sweep_step_action(s, 0, 4), SWEEP_REUSE);      /* rtt */
	ck_assert_int_eq(sweep_step_action(s, 0, 2), SWEEP_REDEPLOY);   /* strategy */
	ck_assert_int_eq(sweep_step_action(s, 0, 6), SWEEP_REDEPLOY);   /* both */
	ck_assert_int_eq(sweep_step_action(s, 0, 1), SWEEP_REBUILD);    /* count */
	ck_assert_int_eq(sweep_step_action(s, 6, 1), SWEEP_REBUILD);

	/* Sequential: sorted by count, then strategy, then rtt, then rep:
	 * one rebuild per count, one redeploy per strategy change. */
	ck_assert_int_eq(sweep_plan(s, &p, &n), 0);
	ck_assert_uint_eq(n, 16);
	ck_assert_int_eq(p[0].action, SWEEP_REBUILD);
	for (i = 0; i < n; i++) {
		steps[p[i].action]++;
		if (i)
			ck_assert_int_eq(p[i].action,
					 sweep_step_action(s, p[i - 1].point, p[i].point));
	}
	ck_assert_uint_eq(steps[SWEEP_REBUILD], rebuilds_values);
	ck_assert_uint_eq(steps[SWEEP_REDEPLOY], 2);
	ck_assert_uint_eq(steps[SWEEP_REUSE], 12);
	/* Repetitions of a point are next to each other. */
	ck_assert_uint_eq(p[1].point, p[0].point);
	ck_assert_uint_eq(p[1].rep, 1);
	free(p);
	sweep_free(s);

	/* Shuffled: the order is kept, steps follow it. */
	s = load_ok("name: t\ntopology: world.yaml\nrepeat: 2\nseed: 5\naxes:\n"
		    "  network.default.rtt: [1ms, 2ms]\n"
		    "  stack.strategy: [spread, central]\n");
	ck_assert_int_eq(sweep_plan(s, &p, &n), 0);
	ck_assert_int_eq(p[0].action, SWEEP_REBUILD);
	for (i = 1; i < n; i++)
		ck_assert_int_eq(p[i].action,
				 sweep_step_action(s, p[i - 1].point, p[i].point));
	/* A resume's remainder: its first pair rebuilds. */
	sweep_plan_actions(s, p + 3, n - 3);
	ck_assert_int_eq(p[3].action, SWEEP_REBUILD);
	free(p);
	sweep_free(s);
}
END_TEST

/* Blocked: each repetition is a block run whole, holding every point
 * once; a block's points come grouped by deployment (strategy), so the
 * stack is deployed at most once per group and block; the draws depend
 * on the seed alone. */
START_TEST(test_plan_blocked)
{
	static const char *const text =
		"name: t\ntopology: world.yaml\nrepeat: 4\norder: blocked\n"
		"axes:\n  network.default.rtt: [1ms, 2ms, 3ms]\n"
		"  stack.strategy: [spread, central]\nseed: ";
	char buf[512];
	struct sweep *s;
	struct sweep_pair *p = NULL, *q = NULL;
	size_t n, i, redeploys = 0, differ = 0;
	unsigned seen[4][6] = { { 0 } };

	snprintf(buf, sizeof(buf), "%s7\n", text);
	s = load_ok(buf);
	ck_assert_int_eq(s->order, SWEEP_BLOCKED);
	ck_assert_str_eq(sweep_order_name(s->order), "blocked");
	ck_assert_int_eq(sweep_plan(s, &p, &n), 0);
	ck_assert_uint_eq(n, 24);
	for (i = 0; i < n; i++) {
		ck_assert_uint_eq(p[i].rep, i / 6);             /* blocks in order */
		seen[p[i].rep][p[i].point]++;
		ck_assert_uint_eq(p[i].seed, sweep_pair_seed(7, p[i].point, p[i].rep));
		if (i && p[i].action == SWEEP_REDEPLOY)
			redeploys++;
		/* within a block, a strategy's points are contiguous */
		if (i % 3)
			ck_assert_int_eq(sweep_step_action(s, p[i - 1].point, p[i].point),
					 SWEEP_REUSE);
	}
	for (i = 0; i < 24; i++)
		ck_assert_uint_eq(seen[i / 6][i % 6], 1);
	ck_assert_uint_le(redeploys, 4 * 2 - 1);
	sweep_free(s);

	/* Another seed, another order; the same seed, the same order. */
	snprintf(buf, sizeof(buf), "%s8\n", text);
	s = load_ok(buf);
	ck_assert_int_eq(sweep_plan(s, &q, &n), 0);
	for (i = 0; i < n; i++)
		differ += q[i].point != p[i].point;
	ck_assert_uint_gt(differ, 0);
	free(q);
	sweep_free(s);
	snprintf(buf, sizeof(buf), "%s7\n", text);
	s = load_ok(buf);
	ck_assert_int_eq(sweep_plan(s, &q, &n), 0);
	for (i = 0; i < n; i++)
		ck_assert_uint_eq(q[i].point, p[i].point);
	free(q);
	free(p);
	sweep_free(s);
}
END_TEST

START_TEST(test_estimate)
{
	struct sweep_cost cost[2] = {
		{ .up_s = 10, .deploy_s = 100, .workload_s = 30 },
		{ .up_s = 10, .deploy_s = 200, .workload_s = 40 },
	};
	struct sweep_pair pairs[4] = {
		{ .point = 0, .action = SWEEP_REBUILD },
		{ .point = 0, .action = SWEEP_REUSE },
		{ .point = 1, .action = SWEEP_REDEPLOY },
		{ .point = 1, .action = SWEEP_REUSE },
	};
	const char *missing = "x";

	/* (10 + 100 + 30) + 30 + (200 + 40) + 40 */
	ck_assert_double_eq_tol(sweep_estimate(pairs, 4, cost, &missing), 450, 1e-9);
	ck_assert_ptr_null(missing);
	cost[1].workload_s = NAN;
	ck_assert(isnan(sweep_estimate(pairs, 4, cost, &missing)));
	ck_assert_str_eq(missing, "workload");
	cost[1].workload_s = 40;
	cost[0].up_s = NAN;
	ck_assert(isnan(sweep_estimate(pairs, 4, cost, &missing)));
	ck_assert_str_eq(missing, "up");
	/* Without the rebuild, the missing up time does not matter. */
	ck_assert_double_eq_tol(sweep_estimate(pairs + 1, 3, cost, &missing), 310, 1e-9);
}
END_TEST

START_TEST(test_progress_text)
{
	struct sweep_progress p = {
		.point = 7, .n_points = 50, .rep = 2, .repeat = 5, .pair = 3,
		.n_pairs = 8, .elapsed_s = 760, .left_s = 31 * 60,
	};
	char buf[160];

	ck_assert_str_eq(sweep_loop_progress_text(&p, buf, sizeof(buf)),
			 "pair 3/8: point 7/50, rep 2/5, elapsed 12:40, about 31 min left");
	p.elapsed_s = 3723;
	p.left_s = 40;
	ck_assert_str_eq(sweep_loop_progress_text(&p, buf, sizeof(buf)),
			 "pair 3/8: point 7/50, rep 2/5, elapsed 1:02:03, about 40 s left");
	p.left_s = 7800;
	ck_assert_str_eq(sweep_loop_progress_text(&p, buf, sizeof(buf)),
			 "pair 3/8: point 7/50, rep 2/5, elapsed 1:02:03, about 2 h 10 min left");
	p.left_s = NAN;
	ck_assert_str_eq(sweep_loop_progress_text(&p, buf, sizeof(buf)),
			 "pair 3/8: point 7/50, rep 2/5, elapsed 1:02:03, time left unknown");
}
END_TEST

/* ---- bookkeeping ---- */

static char tmpdir[64];

static int rm_one(const char *path, const struct stat *sb, int flag,
		  struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void tmp_setup(void)
{
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/enos-test-sweep-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

static void tmp_teardown(void)
{
	nftw(tmpdir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static struct state *open_db(const char *name)
{
	char path[256], *err = NULL;
	struct state *st = NULL;

	snprintf(path, sizeof(path), "%s/%s.db", tmpdir, name);
	ck_assert_msg(state_open(path, &st, &err) == 0, "%s", err ? err : "?");
	return st;
}

/* Record S's plan in ST as enos sweep does; KEEP_DONE as state_sweep_save. */
static int64_t save(struct state *st, const struct sweep *s, bool keep_done)
{
	int64_t id = 0;

	ck_assert_msg(sweep_loop_record(st, s, "t.yaml", keep_done, &id) == 0,
		      "%s", state_errmsg(st));
	return id;
}

/* Status of pair (POINT, REP) of sweep ID. */
static void pair_status(struct state *st, int64_t id, size_t point,
			unsigned rep, char *status, int64_t *run)
{
	struct sweep_pair_row *rows = NULL;
	size_t n = 0, i;

	ck_assert_int_eq(state_sweep_pairs(st, id, &rows, &n), 0);
	for (i = 0; i < n; i++)
		if (rows[i].point == point && rows[i].rep == rep)
			break;
	ck_assert_uint_lt(i, n);
	snprintf(status, 16, "%s", rows[i].status);
	if (run)
		*run = rows[i].run;
	state_sweep_pairs_free(rows, n);
}

/* Outcomes of the runs of pair (POINT, REP), joined: "failed,ok". */
static void pair_runs(struct state *st, int64_t id, size_t point,
		      unsigned rep, char *buf, size_t len)
{
	int64_t *runs = NULL;
	char **outcomes = NULL;
	size_t n = 0, i, off = 0;

	ck_assert_int_eq(state_sweep_runs(st, id, point, rep, &runs, &outcomes, &n), 0);
	buf[0] = '\0';
	for (i = 0; i < n && off < len; i++)
		off += (size_t)snprintf(buf + off, len - off, "%s%s", i ? "," : "",
					outcomes[i]);
	free(runs);
	state_free_names(outcomes);
}

static const char small_sweep[] =
	"name: small\ntopology: world.yaml\nrepeat: 2\nseed: 3\n"
	"axes: {network.default.rtt: [10ms, 20ms]}\n";

START_TEST(test_record_round_trip)
{
	struct sweep *s = load_ok(small_sweep);
	struct state *st = open_db("rt");
	struct sweep_record rec;
	struct sweep_pair_row *rows = NULL;
	size_t n = 0, i;
	int64_t id = save(st, s, false);

	ck_assert_int_eq(state_sweep_get(st, "small", &rec), 0);
	ck_assert_int_eq(rec.id, id);
	ck_assert_str_eq(rec.experiment, "swp");
	ck_assert_uint_eq(rec.seed, 3);
	ck_assert_uint_eq(rec.repeat, 2);
	ck_assert_int_eq(state_sweep_get(st, "nope", &rec), -ENOENT);
	ck_assert_int_eq(state_sweep_pairs(st, id, &rows, &n), 0);
	ck_assert_uint_eq(n, 4);
	for (i = 0; i < n; i++) {
		ck_assert_uint_eq(rows[i].seq, i);
		ck_assert_str_eq(rows[i].status, SWEEP_PENDING);
		ck_assert_uint_eq(rows[i].seed, sweep_pair_seed(3, rows[i].point, rows[i].rep));
		ck_assert_str_eq(rows[i].label, rows[i].point ? "network.default.rtt=20ms"
							      : "network.default.rtt=10ms");
		ck_assert_int_eq(rows[i].run, 0);
	}
	state_sweep_pairs_free(rows, n);
	state_close(st);
	sweep_free(s);
}
END_TEST

/* A pair's life, with the database closed and opened again between any two
 * steps (what a kill -9 there leaves), and recovered each time. */
START_TEST(test_bookkeeping_kill_between_statements)
{
	struct sweep *s = load_ok(small_sweep);
	struct state *st = open_db("kill");
	char status[16], runs[64];
	int64_t id = save(st, s, false), run = 0, run2 = 0, r;
	size_t n = 9;

	/* Killed after the pair started: back to pending, no run. */
	ck_assert_int_eq(state_sweep_pair_start(st, id, 0, 0), 0);
	ck_assert_int_eq(state_sweep_pair_start(st, id, 0, 0), -EALREADY);
	state_close(st);
	st = open_db("kill");
	pair_status(st, id, 0, 0, status, NULL);
	ck_assert_str_eq(status, SWEEP_RUNNING);
	ck_assert_int_eq(state_sweep_recover(st, id, &n), 0);
	ck_assert_uint_eq(n, 1);
	pair_status(st, id, 0, 0, status, NULL);
	ck_assert_str_eq(status, SWEEP_PENDING);

	/* Killed after its step opened a run the loop never heard of (phase_up
	 * returns the id at its end): the run is found and ends failed. */
	ck_assert_int_eq(state_sweep_pair_start(st, id, 0, 0), 0);
	ck_assert_int_eq(state_run_begin(st, "swp", SWEEP_RUN_KIND, 1, true, &run), 0);
	state_close(st);
	st = open_db("kill");
	ck_assert_int_eq(state_sweep_recover(st, id, &n), 0);
	ck_assert_uint_eq(n, 1);
	pair_status(st, id, 0, 0, status, NULL);
	ck_assert_str_eq(status, SWEEP_PENDING);
	pair_runs(st, id, 0, 0, runs, sizeof(runs));
	ck_assert_str_eq(runs, "failed");

	/* Run again, to the end: done, its run ok, the killed one failed. */
	ck_assert_int_eq(state_sweep_pair_start(st, id, 0, 0), 0);
	ck_assert_int_eq(state_run_begin(st, "swp", SWEEP_RUN_KIND, 1, true, &run2), 0);
	ck_assert_int_eq(state_sweep_pair_finish(st, id, 0, 0, run2, SWEEP_DONE, "ok"), 0);
	state_close(st);
	st = open_db("kill");
	ck_assert_int_eq(state_sweep_recover(st, id, &n), 0);
	ck_assert_uint_eq(n, 0);
	pair_status(st, id, 0, 0, status, &r);
	ck_assert_str_eq(status, SWEEP_DONE);
	ck_assert_int_eq(r, run2);
	pair_runs(st, id, 0, 0, runs, sizeof(runs));
	ck_assert_str_eq(runs, "failed,ok");
	/* Never done twice, never started again. */
	ck_assert_int_eq(state_sweep_pair_finish(st, id, 0, 0, run2, SWEEP_DONE, "ok"), -ESTALE);
	ck_assert_int_eq(state_sweep_pair_start(st, id, 0, 0), -EALREADY);

	/* Abandoned (Ctrl-C): pending, its run interrupted; a step's own
	 * outcome is kept. */
	ck_assert_int_eq(state_sweep_pair_start(st, id, 1, 0), 0);
	ck_assert_int_eq(state_run_begin(st, "swp", SWEEP_RUN_KIND, 1, true, &run), 0);
	ck_assert_int_eq(state_sweep_pair_finish(st, id, 1, 0, run, SWEEP_PENDING,
						 "interrupted"), 0);
	pair_status(st, id, 1, 0, status, NULL);
	ck_assert_str_eq(status, SWEEP_PENDING);
	pair_runs(st, id, 1, 0, runs, sizeof(runs));
	ck_assert_str_eq(runs, "interrupted");
	ck_assert_int_eq(state_sweep_pair_start(st, id, 1, 0), 0);
	ck_assert_int_eq(state_run_begin(st, "swp", SWEEP_RUN_KIND, 1, true, &run), 0);
	ck_assert_int_eq(state_run_end(st, run, "degraded"), 0);
	ck_assert_int_eq(state_sweep_pair_finish(st, id, 1, 0, run, SWEEP_DONE, "ok"), 0);
	pair_runs(st, id, 1, 0, runs, sizeof(runs));
	ck_assert_str_eq(runs, "interrupted,degraded");
	state_close(st);
	sweep_free(s);
}
END_TEST

/* Saving again with KEEP_DONE keeps finished pairs whose point is the
 * same; without it, everything starts again. */
START_TEST(test_replan_keeps_done)
{
	struct sweep *s = load_ok(small_sweep), *s2;
	struct state *st = open_db("replan");
	struct sweep_pair_row *rows = NULL;
	char status[16], runs[64];
	int64_t id = save(st, s, false), id2, run, r;
	size_t n = 0, i, done = 0;

	ck_assert_int_eq(state_sweep_pair_start(st, id, 1, 1), 0);
	ck_assert_int_eq(state_run_begin(st, "swp", SWEEP_RUN_KIND, 1, true, &run), 0);
	ck_assert_int_eq(state_sweep_pair_finish(st, id, 1, 1, run, SWEEP_DONE, "ok"), 0);
	/* 10ms becomes 15ms: point 1 (20ms) is unchanged, a third repetition
	 * is added. */
	s2 = load_ok("name: small\ntopology: world.yaml\nrepeat: 3\nseed: 3\n"
		     "axes: {network.default.rtt: [15ms, 20ms]}\n");
	id2 = save(st, s2, true);
	ck_assert_int_eq(id2, id);
	ck_assert_int_eq(state_sweep_pairs(st, id, &rows, &n), 0);
	ck_assert_uint_eq(n, 6);
	for (i = 0; i < n; i++)
		done += !strcmp(rows[i].status, SWEEP_DONE);
	ck_assert_uint_eq(done, 1);
	state_sweep_pairs_free(rows, n);
	pair_status(st, id, 1, 1, status, &r);
	ck_assert_str_eq(status, SWEEP_DONE);
	ck_assert_int_eq(r, run);
	pair_runs(st, id, 1, 1, runs, sizeof(runs));
	ck_assert_str_eq(runs, "ok");
	/* Starting over forgets it (the run itself stays). */
	save(st, s2, false);
	pair_status(st, id, 1, 1, status, NULL);
	ck_assert_str_eq(status, SWEEP_PENDING);
	pair_runs(st, id, 1, 1, runs, sizeof(runs));
	ck_assert_str_eq(runs, "");
	state_close(st);
	sweep_free(s2);
	sweep_free(s);
}
END_TEST

/* ---- the loop, with a fake step ---- */

struct fake {
	struct state *st;
	size_t calls;
	enum sweep_action actions[32];
	size_t points[32];
	unsigned reps[32];
	uint64_t seeds[32];
	long fail_call;                 /* this call fails (-1: none) */
	long die_call;                  /* this call kills the process */
	long stop_after;                /* stop() true once this many calls ran */
	bool text_ok;
};

static int fake_step(void *arg, const struct sweep_job *job, int64_t *run)
{
	struct fake *f = arg;
	struct topology *t;
	char *err = NULL;
	size_t k = f->calls++;

	*run = 0;
	f->actions[k] = job->action;
	f->points[k] = job->point;
	f->reps[k] = job->rep;
	f->seeds[k] = job->seed;
	/* The text is the point's topology with the pair's seed. */
	t = topo_load_string(job->text, "job.yaml", NULL, &err);
	f->text_ok = f->text_ok && t && t->seed == job->seed;
	topo_free(t);
	free(err);
	if (state_run_begin(f->st, "swp", SWEEP_RUN_KIND, job->seed, true, run))
		return -EIO;
	if ((long)k == f->die_call)
		raise(SIGKILL);         /* mid-step, its run open */
	return (long)k == f->fail_call ? -EHOSTUNREACH : 0;
}

static bool fake_stop(void *arg)
{
	const struct fake *f = arg;

	return f->stop_after >= 0 && (long)f->calls >= f->stop_after;
}

static void loop_init(struct sweep_loop *l, struct fake *f, struct state *st,
		      const struct sweep *s, int64_t id)
{
	memset(f, 0, sizeof(*f));
	f->st = st;
	f->fail_call = f->die_call = f->stop_after = -1;
	f->text_ok = true;
	memset(l, 0, sizeof(*l));
	l->st = st;
	l->sweep = s;
	l->id = id;
	l->step = fake_step;
	l->step_arg = f;
	l->stop = fake_stop;
	l->stop_arg = f;
}

/* Every pair done exactly once, with one run that ended ok. */
static void assert_all_done_once(struct state *st, int64_t id, size_t n_pairs,
				 const char *killed)
{
	struct sweep_pair_row *rows = NULL;
	char runs[64];
	size_t n = 0, i;

	ck_assert_int_eq(state_sweep_pairs(st, id, &rows, &n), 0);
	ck_assert_uint_eq(n, n_pairs);
	for (i = 0; i < n; i++) {
		ck_assert_str_eq(rows[i].status, SWEEP_DONE);
		pair_runs(st, id, rows[i].point, rows[i].rep, runs, sizeof(runs));
		if (killed && !strcmp(rows[i].label, killed) && !strcmp(runs, "failed,ok"))
			continue;
		ck_assert_msg(!strcmp(runs, "ok"), "pair %zu/%u: runs %s",
			      rows[i].point, rows[i].rep, runs);
	}
	state_sweep_pairs_free(rows, n);
}

/* What the loop records is what `enos ci` reads: the runs of sweep S are
 * those of its pairs done, and each run's point (its "axis PATH" facts)
 * is the point of its pair, with the values as the sweep file writes
 * them. */
static void assert_points_for_ci(struct state *st, const struct sweep *s)
{
	struct sweep_pair_row *rows = NULL;
	struct sweep_record rec;
	struct ci_figures f;
	int64_t *runs = NULL;
	char *why = NULL;
	size_t n = 0, nr = 0, i, k, j, idx[SWEEP_AXES_MAX];

	ck_assert_int_eq(ci_sweep_runs(st, s->name, &runs, &n, &why), 0);
	ck_assert_int_eq(state_sweep_get(st, s->name, &rec), 0);
	ck_assert_int_eq(state_sweep_pairs(st, rec.id, &rows, &nr), 0);
	ck_assert_uint_eq(n, nr);
	ci_eval_db(st, &f);
	for (i = 0; i < nr; i++) {
		struct ci_axis *ax = NULL;
		size_t nax = 0;

		for (k = 0; k < n && runs[k] != rows[i].run; k++)
			;
		ck_assert_msg(k < n, "the run of pair %zu/%u is not the sweep's",
			      rows[i].point, rows[i].rep);
		ck_assert_int_eq(f.axes(f.arg, rows[i].run, &ax, &nax, &why), 0);
		ck_assert_uint_eq(nax, s->n_axes);
		sweep_point_values(s, rows[i].point, idx);
		for (k = 0; k < s->n_axes; k++) {
			for (j = 0; j < nax && strcmp(ax[j].axis, s->axes[k].path.text); j++)
				;
			ck_assert_msg(j < nax, "no axis %s", s->axes[k].path.text);
			ck_assert_str_eq(ax[j].value, s->axes[k].texts[idx[k]]);
		}
		free(ax);
	}
	state_sweep_pairs_free(rows, nr);
	free(runs);
}

START_TEST(test_loop_runs_every_pair)
{
	struct sweep *s = load_ok("name: lp\ntopology: world.yaml\nrepeat: 2\nseed: 4\n"
				  "order: sequential\naxes:\n"
				  "  network.default.rtt: [10ms, 20ms]\n"
				  "  stack.strategy: [spread, central]\n");
	struct state *st = open_db("loop");
	struct sweep_outcome out;
	struct sweep_pair *plan = NULL;
	struct sweep_loop l;
	struct fake f;
	char *err = NULL;
	int64_t id = save(st, s, false);
	size_t n, i;

	loop_init(&l, &f, st, s, id);
	ck_assert_int_eq(sweep_loop_run(&l, &out, &err), 0);
	ck_assert_ptr_null(err);
	ck_assert_uint_eq(out.ran, 8);
	ck_assert_uint_eq(out.done, 8);
	ck_assert_uint_eq(out.left, 0);
	ck_assert(!out.interrupted);
	ck_assert(f.text_ok);
	/* The plan's order and steps reach the step. */
	ck_assert_int_eq(sweep_plan(s, &plan, &n), 0);
	ck_assert_uint_eq(f.calls, n);
	for (i = 0; i < n; i++) {
		ck_assert_uint_eq(f.points[i], plan[i].point);
		ck_assert_uint_eq(f.reps[i], plan[i].rep);
		ck_assert_uint_eq(f.seeds[i], plan[i].seed);
		ck_assert_int_eq(f.actions[i], plan[i].action);
	}
	free(plan);
	assert_all_done_once(st, id, 8, NULL);
	assert_points_for_ci(st, s);
	/* Nothing left: a second run runs nothing. */
	loop_init(&l, &f, st, s, id);
	ck_assert_int_eq(sweep_loop_run(&l, &out, &err), 0);
	ck_assert_uint_eq(f.calls, 0);
	state_close(st);
	sweep_free(s);
}
END_TEST

/* A failed pair: recorded failed, the next step rebuilds, a resume runs
 * only it. */
START_TEST(test_loop_failure_then_resume)
{
	struct sweep *s = load_ok("name: lp\ntopology: world.yaml\nrepeat: 2\nseed: 4\n"
				  "order: sequential\naxes: {network.default.rtt: [10ms, 20ms]}\n");
	struct state *st = open_db("fail");
	struct sweep_outcome out;
	struct sweep_loop l;
	struct fake f;
	char *err = NULL, status[16], runs[64];
	int64_t id = save(st, s, false);
	size_t failed_point;
	unsigned failed_rep;

	loop_init(&l, &f, st, s, id);
	f.fail_call = 1;
	ck_assert_int_eq(sweep_loop_run(&l, &out, &err), 0);
	ck_assert_uint_eq(out.done, 3);
	ck_assert_uint_eq(out.failed, 1);
	ck_assert_uint_eq(out.left, 1);
	/* Sequential over one WAN axis: rebuild, reuse, then a rebuild after
	 * the failure, reuse. */
	ck_assert_int_eq(f.actions[0], SWEEP_REBUILD);
	ck_assert_int_eq(f.actions[1], SWEEP_REUSE);
	ck_assert_int_eq(f.actions[2], SWEEP_REBUILD);
	ck_assert_int_eq(f.actions[3], SWEEP_REUSE);
	failed_point = f.points[1];
	failed_rep = f.reps[1];
	pair_status(st, id, failed_point, failed_rep, status, NULL);
	ck_assert_str_eq(status, SWEEP_FAILED);
	pair_runs(st, id, failed_point, failed_rep, runs, sizeof(runs));
	ck_assert_str_eq(runs, "failed");

	loop_init(&l, &f, st, s, id);
	ck_assert_int_eq(sweep_loop_run(&l, &out, &err), 0);
	ck_assert_uint_eq(f.calls, 1);
	ck_assert_uint_eq(f.points[0], failed_point);
	ck_assert_uint_eq(f.reps[0], failed_rep);
	ck_assert_int_eq(f.actions[0], SWEEP_REBUILD);
	ck_assert_uint_eq(out.left, 0);
	pair_runs(st, id, failed_point, failed_rep, runs, sizeof(runs));
	ck_assert_str_eq(runs, "failed,ok");
	state_close(st);
	sweep_free(s);
}
END_TEST

/* Stop asked after two pairs: both recorded done, the rest left for a
 * resume, which runs them once each. */
START_TEST(test_loop_stop_then_resume)
{
	struct sweep *s = load_ok(small_sweep);
	struct state *st = open_db("stop");
	struct sweep_outcome out;
	struct sweep_loop l;
	struct fake f;
	char *err = NULL;
	int64_t id = save(st, s, false);

	loop_init(&l, &f, st, s, id);
	f.stop_after = 2;
	ck_assert_int_eq(sweep_loop_run(&l, &out, &err), 0);
	ck_assert(out.interrupted);
	ck_assert_uint_eq(out.done, 2);
	ck_assert_uint_eq(out.left, 2);
	loop_init(&l, &f, st, s, id);
	ck_assert_int_eq(sweep_loop_run(&l, &out, &err), 0);
	ck_assert_uint_eq(f.calls, 2);
	ck_assert_uint_eq(out.left, 0);
	assert_all_done_once(st, id, 4, NULL);
	state_close(st);
	sweep_free(s);
}
END_TEST

/* A child runs the loop and is killed (SIGKILL) inside the step of pair
 * K, its run open, for each K; the parent resumes: every pair done once,
 * the killed one with a failed run before its ok one. */
START_TEST(test_loop_killed_then_resume)
{
	struct sweep *s = load_ok(small_sweep);
	long k;

	for (k = 0; k < 4; k++) {
		char name[32], *err = NULL, *label = NULL;
		struct sweep_outcome out;
		struct sweep_pair *plan = NULL;
		struct sweep_loop l;
		struct fake f;
		struct state *st;
		int64_t id;
		size_t n;
		int wst;
		pid_t pid;

		snprintf(name, sizeof(name), "killed-%ld", k);
		st = open_db(name);
		id = save(st, s, false);
		state_close(st);
		pid = fork();
		ck_assert_int_ge(pid, 0);
		if (pid == 0) {
			st = open_db(name);
			loop_init(&l, &f, st, s, id);
			f.die_call = k;
			sweep_loop_run(&l, &out, &err);
			_exit(0);       /* not reached: the step kills us */
		}
		ck_assert_int_eq(waitpid(pid, &wst, 0), pid);
		ck_assert(WIFSIGNALED(wst) && WTERMSIG(wst) == SIGKILL);

		st = open_db(name);
		loop_init(&l, &f, st, s, id);
		ck_assert_int_eq(sweep_loop_run(&l, &out, &err), 0);
		ck_assert_uint_eq(out.recovered, 1);
		ck_assert_uint_eq(out.ran, (size_t)(4 - k));
		ck_assert_uint_eq(out.left, 0);
		ck_assert_int_eq(f.actions[0], SWEEP_REBUILD);
		ck_assert_int_eq(sweep_plan(s, &plan, &n), 0);
		label = sweep_point_label(s, plan[k].point);
		/* The killed pair ran again first; its runs: failed, ok. */
		ck_assert_uint_eq(f.points[0], plan[k].point);
		ck_assert_uint_eq(f.reps[0], plan[k].rep);
		assert_all_done_once(st, id, 4, label);
		free(label);
		free(plan);
		state_close(st);
	}
	sweep_free(s);
}
END_TEST

/* The estimate from the database: means of past runs of the topology's
 * experiment; unknown without them. */
START_TEST(test_estimate_history)
{
	struct sweep *s = load_ok("name: est\ntopology: world.yaml\norder: sequential\n"
				  "repeat: 2\naxes:\n"
				  "  network.default.rtt: [10ms, 20ms]\n"
				  "  stack.strategy: [spread, central]\n");
	struct state *st = open_db("est");
	struct sweep_cost cost[4];
	struct sweep_pair *plan = NULL;
	struct run_history h;
	struct wlop_row op = { .workload = "kv-latency", .op = "put", .ok = true,
			       .value = NAN, .rtt_ms = NAN, .loss_pct = NAN };
	const char *missing = NULL;
	char *err = NULL;
	int64_t run;
	size_t n, i;
	double want;

	/* Without history. */
	ck_assert_int_eq(state_history(st, "swp", "etcd", NULL, &h), 0);
	ck_assert_uint_eq(h.n_up, 0);
	ck_assert(isnan(h.up_s));
	ck_assert_int_eq(sweep_loop_costs(st, s, cost, &err), 0);
	ck_assert(isnan(cost[0].up_s));
	ck_assert_int_eq(sweep_plan(s, &plan, &n), 0);
	ck_assert(isnan(sweep_estimate(plan, n, cost, &missing)));
	ck_assert_str_eq(missing, "up");

	/* Two runs: up 10 s and 20 s; deploys of etcd 'spread' 30 s, of
	 * 'central' 50 s; another experiment's figures do not count. */
	ck_assert_int_eq(state_run_begin(st, "swp", "up", 0, false, &run), 0);
	ck_assert_int_eq(state_result_add(st, run, "up_seconds", NULL, NULL, 10, "s"), 0);
	ck_assert_int_eq(state_result_add(st, run, "deploy_seconds", "etcd", "spread", 30, "s"), 0);
	ck_assert_int_eq(state_run_begin(st, "swp", "sweep", 0, false, &run), 0);
	ck_assert_int_eq(state_result_add(st, run, "up_seconds", NULL, NULL, 20, "s"), 0);
	ck_assert_int_eq(state_result_add(st, run, "deploy_seconds", "etcd", "central", 50, "s"), 0);
	ck_assert_int_eq(state_run_begin(st, "other", "up", 0, false, &run), 0);
	ck_assert_int_eq(state_result_add(st, run, "up_seconds", NULL, NULL, 1000, "s"), 0);
	ck_assert_int_eq(state_history(st, "swp", "etcd", "spread", &h), 0);
	ck_assert_uint_eq(h.n_up, 2);
	ck_assert_double_eq_tol(h.up_s, 15, 1e-9);
	ck_assert_uint_eq(h.n_deploy, 1);
	ck_assert_double_eq_tol(h.deploy_s, 30, 1e-9);
	ck_assert_int_eq(state_history(st, "swp", "etcd", NULL, &h), 0);
	ck_assert_double_eq_tol(h.deploy_s, 40, 1e-9);
	ck_assert_uint_eq(h.n_workload, 0);

	/* No workload in the topology: it costs nothing. Points: (10ms,
	 * spread), (10ms, central), (20ms, spread), (20ms, central); the plan
	 * rebuilds once (15 + 30: spread first) and redeploys central once
	 * (50); reuses cost nothing. */
	ck_assert_int_eq(sweep_loop_costs(st, s, cost, &err), 0);
	for (i = 0; i < 4; i++) {
		ck_assert_double_eq_tol(cost[i].up_s, 15, 1e-9);
		ck_assert_double_eq_tol(cost[i].deploy_s, i % 2 ? 50 : 30, 1e-9);
		ck_assert_double_eq_tol(cost[i].workload_s, 0, 1e-9);
	}
	want = 15 + 30 + 50;
	ck_assert_double_eq_tol(sweep_estimate(plan, n, cost, &missing), want, 1e-9);
	free(plan);
	sweep_free(s);

	/* With a workload: its spans, first start to last end, per run. */
	s = load_ok("name: est\ntopology: world.yaml\nrepeat: 2\n"
		    "workload: {name: kv-latency}\n"
		    "axes: {network.default.rtt: [10ms, 20ms]}\n");
	ck_assert_int_eq(sweep_loop_costs(st, s, cost, &err), 0);
	ck_assert(isnan(cost[0].workload_s));
	op.start = 1000;
	op.duration_ms = 500;
	ck_assert_int_eq(state_wlop_add(st, run - 1, &op), 0);   /* swp's run */
	op.start = 1003;
	op.duration_ms = 1000;
	ck_assert_int_eq(state_wlop_add(st, run - 1, &op), 0);   /* span 4 s */
	ck_assert_int_eq(state_wlop_add(st, run, &op), 0);       /* other's */
	ck_assert_int_eq(sweep_loop_costs(st, s, cost, &err), 0);
	ck_assert_double_eq_tol(cost[0].workload_s, 4, 1e-9);
	state_close(st);
	sweep_free(s);
}
END_TEST

/* `enos check SWEEP` through the binary: the plan, and the estimate from
 * the database given (unknown before the history is there). */
START_TEST(test_check_command)
{
	char db[256], sweep[256], text[512], *out = NULL;
	char *world = realpath(FIX_DIR "/world.yaml", NULL);
	struct state *st;
	int64_t run;
	int rc;

	ck_assert_ptr_nonnull(world);
	snprintf(text, sizeof(text), "name: est\ntopology: %s\norder: sequential\n"
		 "repeat: 2\naxes:\n  network.default.rtt: [10ms, 20ms]\n"
		 "  stack.strategy: [spread, central]\n", world);
	tu_write(tmpdir, "est.yaml", text, sweep, sizeof(sweep));
	snprintf(db, sizeof(db), "%s/check.db", tmpdir);

	rc = tu_enos(&out, db, "check", sweep, NULL);
	ck_assert_msg(rc == 0, "%s", out);
	ck_assert(tu_contains(out, "sweep 'est' ("));
	ck_assert(tu_contains(out, "points:      4, repeated 2 times: 8 (point, repetition) pairs"));
	ck_assert(tu_contains(out, "steps:       1 rebuild, 1 redeploy, 6 reuses of the world"));
	ck_assert_msg(tu_contains(out, "estimate:    unknown (no state database at"), "%s", out);
	ck_assert(tu_contains(out, "  1      1      1    rebuild   network.default.rtt=10ms, stack.strategy=spread"));
	ck_assert(tu_contains(out, "  5      2      1    redeploy  network.default.rtt=10ms, stack.strategy=central"));
	free(out);

	/* Up 15 s on average, deploys 30 s (spread) and 50 s (central): one
	 * rebuild (15 + 30) and one redeploy (50) make 95 s, about 2 min. */
	st = open_db("check");
	ck_assert_int_eq(state_run_begin(st, "swp", "up", 0, false, &run), 0);
	ck_assert_int_eq(state_result_add(st, run, "up_seconds", NULL, NULL, 10, "s"), 0);
	ck_assert_int_eq(state_result_add(st, run, "deploy_seconds", "etcd", "spread", 30, "s"), 0);
	ck_assert_int_eq(state_run_begin(st, "swp", "up", 0, false, &run), 0);
	ck_assert_int_eq(state_result_add(st, run, "up_seconds", NULL, NULL, 20, "s"), 0);
	ck_assert_int_eq(state_result_add(st, run, "deploy_seconds", "etcd", "central", 50, "s"), 0);
	state_close(st);
	rc = tu_enos(&out, db, "check", sweep, NULL);
	ck_assert_msg(rc == 0, "%s", out);
	ck_assert_msg(tu_contains(out, "estimate:    about 2 min, from past runs of 'swp'"), "%s", out);
	free(out);
	rc = tu_enos(&out, db, "check", "--json", sweep, NULL);
	ck_assert_int_eq(rc, 0);
	ck_assert_msg(tu_contains(out, "\"estimate_s\":95") ||
		      tu_contains(out, "\"estimate_s\": 95"), "%s", out);
	ck_assert(tu_contains(out, "\"pairs\":8") || tu_contains(out, "\"pairs\": 8"));
	free(out);

	/* A bad sweep: its one line, exit 1; --pairs is a usage error. */
	rc = tu_enos(&out, db, "check", BAD_DIR "/path-no-key.yaml", NULL);
	ck_assert_int_eq(rc, 1);
	ck_assert(tu_contains(out, BAD_DIR "/path-no-key.yaml:4:11: axis 'network.constraint[0].rtt'"));
	free(out);
	ck_assert_int_eq(tu_enos(NULL, db, "check", "--pairs", sweep, NULL), 2);
	free(world);
}
END_TEST

Suite *make_sweep_suite(void)
{
	Suite *s = suite_create("sweep");
	TCase *lang = tcase_create("language");
	TCase *db = tcase_create("bookkeeping");

	tcase_add_test(lang, test_path_parse_good);
	tcase_add_test(lang, test_path_parse_bad);
	tcase_add_test(lang, test_path_action);
	tcase_add_test(lang, test_path_apply_document);
	tcase_add_test(lang, test_path_apply_topology);
	tcase_add_test(lang, test_path_index_list);
	tcase_add_test(lang, test_point_matrix_absolute);
	tcase_add_test(lang, test_value_text);
	tcase_add_test(lang, test_load_defaults_and_keys);
	tcase_add_test(lang, test_inline_errors);
	tcase_add_test(lang, test_workload_override);
	tcase_add_test(lang, test_bad_fixtures);
	tcase_add_test(lang, test_benchmark_sweeps);
	tcase_add_test(lang, test_sniff);
	tcase_add_test(lang, test_points_in_file_order);
	tcase_add_test(lang, test_seeds);
	tcase_add_test(lang, test_rng_below);
	tcase_add_test(lang, test_shuffle_known);
	tcase_add_test(lang, test_plan_steps);
	tcase_add_test(lang, test_plan_blocked);
	tcase_add_test(lang, test_estimate);
	tcase_add_test(lang, test_progress_text);
	suite_add_tcase(s, lang);

	tcase_add_unchecked_fixture(db, tmp_setup, tmp_teardown);
	tcase_set_timeout(db, 30);
	tcase_add_test(db, test_record_round_trip);
	tcase_add_test(db, test_bookkeeping_kill_between_statements);
	tcase_add_test(db, test_replan_keeps_done);
	tcase_add_test(db, test_loop_runs_every_pair);
	tcase_add_test(db, test_loop_failure_then_resume);
	tcase_add_test(db, test_loop_stop_then_resume);
	tcase_add_test(db, test_loop_killed_then_resume);
	tcase_add_test(db, test_estimate_history);
	tcase_add_test(db, test_check_command);
	suite_add_tcase(s, db);
	return s;
}
