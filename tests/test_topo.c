/* test_topo — the topology loader (enos/topo.c) and its helpers
 * (util/yamldoc.c, util/yload.c, matrix.c, suggest.c).
 *
 * Every tests/fixtures/bad/NAME.yaml must fail with exactly the one line in
 * NAME.err; every YAML file in tests/fixtures/good/ and topologies/ must load.
 * Tests run with the repository root as working directory.
 */
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "emulator/fabric.h"
#include "emulator/node.h"
#include "emulator/shape.h"
#include "enos/matrix.h"
#include "util/suggest.h"
#include "enos/topo.h"
#include "tests/suites.h"

#define BAD_DIR  "tests/fixtures/bad"
#define GOOD_DIR "tests/fixtures/good"
#define TOPO_DIR "topologies"

struct names {
	char **v;
	size_t n;
};

static void names_release(struct names *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The names in DIR ending in SUFFIX, sorted; empty if DIR is missing.
 * Also called while building the suite, outside any test: no ck_assert. */
static struct names list_dir(const char *dir, const char *suffix)
{
	struct names l = { NULL, 0 };
	size_t cap = 0, sl = strlen(suffix);
	struct dirent *de;
	DIR *d = opendir(dir);

	while (d && (de = readdir(d))) {
		size_t len = strlen(de->d_name);

		if (len <= sl || strcmp(de->d_name + len - sl, suffix))
			continue;
		if (l.n == cap) {
			cap = cap ? cap * 2 : 64;
			l.v = realloc(l.v, cap * sizeof(*l.v));
			if (!l.v)
				abort();
		}
		l.v[l.n] = strdup(de->d_name);
		if (!l.v[l.n])
			abort();
		l.n++;
	}
	if (d)
		closedir(d);
	if (l.n)
		qsort(l.v, l.n, sizeof(*l.v), name_cmp);
	return l;
}

static size_t count_dir(const char *dir, const char *suffix)
{
	struct names l = list_dir(dir, suffix);
	size_t n = l.n;

	names_release(&l);
	return n;
}

/* The contents of PATH without its trailing newline (caller frees). */
static char *read_line_file(const char *path)
{
	char buf[4096];
	size_t len;
	FILE *f = fopen(path, "r");

	ck_assert_msg(f != NULL, "cannot open %s", path);
	len = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[len] = '\0';
	while (len && buf[len - 1] == '\n')
		buf[--len] = '\0';
	ck_assert_msg(!strchr(buf, '\n'), "%s holds more than one line", path);
	return strdup(buf);
}

static struct topology *load_ok(const char *path)
{
	char *err = NULL;
	struct topology *t = topo_load(path, &err);

	ck_assert_msg(t != NULL, "%s: %s", path, err ? err : "(no message)");
	ck_assert_ptr_null(err);
	return t;
}

static char *load_err(const char *text)
{
	char *err = NULL;
	struct topology *t = topo_load_string(text, "inline.yaml", NULL, &err);

	ck_assert_msg(t == NULL, "loaded: %s", text);
	topo_free(t);
	ck_assert_ptr_nonnull(err);
	return err;
}

#define ck_assert_err(text, expected) do { \
	char *e_ = load_err(text); \
	ck_assert_str_eq(e_, expected); \
	free(e_); \
} while (0)

/* ---- fixtures ---- */

START_TEST(test_bad_fixture)
{
	struct names l = list_dir(BAD_DIR, ".yaml");
	char path[512], errpath[512];
	struct topology *t;
	char *expected, *err = NULL;

	ck_assert_uint_gt(l.n, (size_t)_i);
	snprintf(path, sizeof(path), BAD_DIR "/%s", l.v[_i]);
	snprintf(errpath, sizeof(errpath), "%.*s.err",
		 (int)(strlen(path) - 5), path);
	expected = read_line_file(errpath);
	t = topo_load(path, &err);
	ck_assert_msg(t == NULL, "%s loaded", path);
	ck_assert_msg(err && !strcmp(err, expected),
		      "%s:\n  got      %s\n  expected %s", l.v[_i],
		      err ? err : "(null)", expected);
	free(expected);
	free(err);
	names_release(&l);
}
END_TEST

START_TEST(test_bad_fixtures_paired)
{
	struct names y = list_dir(BAD_DIR, ".yaml");
	struct names e = list_dir(BAD_DIR, ".err");
	size_t i;

	ck_assert_uint_ge(y.n, 35);
	ck_assert_uint_eq(y.n, e.n);
	for (i = 0; i < y.n; i++) {
		size_t ly = strlen(y.v[i]) - 5, le = strlen(e.v[i]) - 4;

		ck_assert_msg(ly == le && !strncmp(y.v[i], e.v[i], ly),
			      "%s and %s do not pair", y.v[i], e.v[i]);
	}
	names_release(&y);
	names_release(&e);
}
END_TEST

START_TEST(test_good_fixture)
{
	struct names l = list_dir(GOOD_DIR, ".yaml");
	char path[512];

	ck_assert_uint_gt(l.n, (size_t)_i);
	snprintf(path, sizeof(path), GOOD_DIR "/%s", l.v[_i]);
	topo_free(load_ok(path));
	names_release(&l);
}
END_TEST

START_TEST(test_topologies)
{
	struct names l = list_dir(TOPO_DIR, ".yaml");
	char path[512];

	ck_assert_uint_gt(l.n, (size_t)_i);
	snprintf(path, sizeof(path), TOPO_DIR "/%s", l.v[_i]);
	topo_free(load_ok(path));
	names_release(&l);
}
END_TEST

START_TEST(test_topologies_shape)
{
	struct topology *t = load_ok(TOPO_DIR "/etcd.yaml");
	size_t i;

	ck_assert_str_eq(t->name, "etcd");
	ck_assert_uint_eq(t->n_sites, 4);
	ck_assert_uint_eq(t->n_nodes, 8);
	ck_assert_str_eq(t->sites[2].name, "edge-1");
	ck_assert_int_eq(t->sites[3].parent, 1);
	ck_assert_ptr_null(t->matrix);
	ck_assert_uint_eq(t->n_faults, 0);
	ck_assert_str_eq(t->stack_name, "etcd");
	ck_assert_str_eq(t->stack_strategy, "spread");
	ck_assert_uint_eq(t->n_workloads, 0);
	topo_free(t);

	t = load_ok(TOPO_DIR "/world17.yaml");
	ck_assert_uint_eq(t->n_sites, 17);
	ck_assert_ptr_nonnull(t->matrix);
	ck_assert_int_eq(t->matrix->kind, MATRIX_RTT);
	for (i = 0; i < 17 * 17; i++)
		ck_assert(!isnan(t->matrix->ms[i]));
	/* dallas -> san-jose 35, san-jose -> dallas 36 */
	ck_assert_double_eq(t->matrix->ms[0 * 17 + 1], 35);
	ck_assert_double_eq(t->matrix->ms[1 * 17 + 0], 36);
	ck_assert_str_eq(t->sites[16].name, "seoul");
	topo_free(t);

	t = load_ok(TOPO_DIR "/fog-3tier.yaml");
	ck_assert_uint_eq(t->n_sites, 16);
	for (i = 4; i < 16; i++) {
		ck_assert_int_eq(t->sites[i].role, ROLE_EDGE);
		ck_assert_int_eq(t->sites[i].parent, 1 + (long)(i - 4) / 4);
	}
	topo_free(t);
}
END_TEST

/* The default experiment (`make run`): 1 central, 2 regional and 4 edge
 * sites, two edges under each regional; its matrix covers every site and
 * holds exactly world17's measured cells for those regions; OpenStack,
 * strategy central, with the client node Rally runs from (the second
 * central node) and boot-delete. */
START_TEST(test_default_experiment)
{
	struct topology *t = load_ok(TOPO_DIR "/default.yaml");
	struct topology *w = load_ok(TOPO_DIR "/world17.yaml");
	size_t i, j, n_role[3] = { 0 }, wi[64];

	ck_assert_str_eq(t->name, "default");
	ck_assert_uint_eq(t->n_sites, 7);
	ck_assert_uint_le(t->n_sites, sizeof(wi) / sizeof(wi[0]));
	for (i = 0; i < t->n_sites; i++) {
		const struct site *s = &t->sites[i];

		n_role[s->role]++;
		if (s->role == ROLE_CENTRAL) {
			ck_assert_int_eq(s->parent, -1);
			ck_assert_uint_ge(s->n_nodes, 2);   /* control plane + client */
		} else {
			ck_assert_int_ge(s->parent, 0);
			ck_assert_int_eq(t->sites[s->parent].role,
					 s->role == ROLE_EDGE ? ROLE_REGIONAL : ROLE_CENTRAL);
		}
	}
	ck_assert_uint_eq(n_role[ROLE_CENTRAL], 1);
	ck_assert_uint_eq(n_role[ROLE_REGIONAL], 2);
	ck_assert_uint_eq(n_role[ROLE_EDGE], 4);
	for (i = 0; i < t->n_sites; i++) {           /* two edges per regional */
		size_t kids = 0;

		if (t->sites[i].role != ROLE_REGIONAL)
			continue;
		for (j = 0; j < t->n_sites; j++)
			kids += t->sites[j].parent == (long)i;
		ck_assert_msg(kids == 2, "%s has %zu edges", t->sites[i].name, kids);
	}

	/* The matrix covers every site (no default delay to fall back on)
	 * and each cell is world17's for the same pair of regions. */
	ck_assert_ptr_nonnull(t->matrix);
	ck_assert_int_eq(t->matrix->kind, MATRIX_RTT);
	ck_assert_uint_eq(t->matrix->n, t->n_sites);
	ck_assert(!(t->defaults.set & CON_DELAY));
	for (i = 0; i < t->n_sites; i++) {
		for (wi[i] = 0; wi[i] < w->n_sites; wi[i]++)
			if (!strcmp(w->sites[wi[i]].name, t->sites[i].name))
				break;
		ck_assert_msg(wi[i] < w->n_sites, "site '%s' is no world17 region",
			      t->sites[i].name);
	}
	for (i = 0; i < t->n_sites; i++)
		for (j = 0; j < t->n_sites; j++) {
			double c = t->matrix->ms[i * t->n_sites + j];

			ck_assert_msg(!isnan(c), "%s -> %s not covered",
				      t->sites[i].name, t->sites[j].name);
			ck_assert_double_eq(c, w->matrix->ms[wi[i] * w->n_sites + wi[j]]);
		}

	ck_assert_str_eq(t->stack_name, "openstack");
	ck_assert_str_eq(t->stack_strategy, "central");
	ck_assert_uint_eq(t->n_workloads, 1);
	ck_assert_str_eq(t->workloads[0].name, "boot-delete");
	topo_free(w);
	topo_free(t);
}
END_TEST

/* ---- the model ---- */

START_TEST(test_full_example)
{
	struct topology *t = load_ok(GOOD_DIR "/full-example.yaml");
	const struct site *s;
	const struct constraint_rule *r;
	const struct fault *f;
	size_t n;

	ck_assert_str_eq(t->path, GOOD_DIR "/full-example.yaml");
	ck_assert_str_eq(t->name, "fog3");
	ck_assert(t->has_seed);
	ck_assert_uint_eq(t->seed, 42);
	ck_assert_uint_eq(t->n_sites, 4);
	ck_assert_uint_eq(t->n_nodes, 9);

	s = &t->sites[0];
	ck_assert_str_eq(s->name, "paris");
	ck_assert_ptr_null(s->base);
	ck_assert_int_eq(s->role, ROLE_CENTRAL);
	ck_assert_int_eq(s->parent, -1);
	ck_assert_int_eq(s->pos.line, 5);
	ck_assert_int_eq(s->pos.col, 11);
	ck_assert_int_eq(s->nodes_pos.line, 8);
	ck_assert_uint_eq(s->n_nodes, 3);
	ck_assert_str_eq(s->nodes[0].name, "paris-1");
	ck_assert_str_eq(s->nodes[2].name, "paris-3");
	ck_assert(s->has_lan);
	ck_assert_uint_eq(s->lan.set, CON_DELAY | CON_RATE);
	ck_assert_uint_eq(s->lan.delay_us, 100);
	ck_assert_uint_eq(s->lan.rate_bps, 10000000000ull);

	s = &t->sites[1];
	ck_assert_str_eq(s->name, "lyon");
	ck_assert_int_eq(s->parent, 0);
	ck_assert(!s->has_lan);
	ck_assert_uint_eq(s->n_nodes, 2);
	ck_assert_str_eq(s->nodes[0].name, "lyon-db");
	ck_assert_ptr_eq(s->nodes[0].backend, &node_lxc_ops);
	ck_assert_int_eq(s->nodes[0].cpus, 2);
	ck_assert_uint_eq(s->nodes[0].memory_bytes, 512ull << 20);
	ck_assert_int_eq(s->nodes[0].pos.line, 16);
	ck_assert_str_eq(s->nodes[1].name, "lyon-app");
	ck_assert_ptr_eq(s->nodes[1].backend, &node_netns_ops);
	ck_assert_int_eq(s->nodes[1].cpus, 0);
	ck_assert_uint_eq(s->nodes[1].memory_bytes, 0);

	s = &t->sites[2];
	ck_assert_str_eq(s->name, "edge-1");
	ck_assert_str_eq(s->base, "edge");
	ck_assert_int_eq(s->parent, 1);
	ck_assert_str_eq(s->nodes[1].name, "edge-1-2");
	ck_assert_str_eq(t->sites[3].name, "edge-2");
	ck_assert_str_eq(t->sites[3].nodes[0].name, "edge-2-1");

	ck_assert_ptr_eq(t->fabric, &fabric_bridge_ops);
	ck_assert_ptr_null(t->shaping);
	ck_assert_uint_eq(t->defaults.set,
			  CON_DELAY | CON_JITTER | CON_LOSS | CON_RATE);
	ck_assert_uint_eq(t->defaults.delay_us, 0);
	ck_assert_uint_eq(t->defaults.rate_bps, 10000000000ull);

	ck_assert_ptr_nonnull(t->matrix);
	ck_assert_str_eq(t->matrix->path, GOOD_DIR "/data/fog3-rtt-ms.tsv");
	ck_assert_int_eq(t->matrix->kind, MATRIX_RTT);
	n = t->matrix->n;
	ck_assert_uint_eq(n, 4);
	ck_assert_double_eq(t->matrix->ms[0 * n + 1], 10.5);
	ck_assert_double_eq(t->matrix->ms[1 * n + 0], 9.5);
	ck_assert_double_eq(t->matrix->ms[0 * n + 0], 0);
	ck_assert(isnan(t->matrix->ms[0 * n + 2]));
	ck_assert(isnan(t->matrix->ms[2 * n + 0]));
	ck_assert(isnan(t->matrix->ms[3 * n + 3]));

	ck_assert_uint_eq(t->n_rules, 2);
	r = &t->rules[0];
	ck_assert_int_eq(r->src.kind, SEL_ROLE);
	ck_assert_int_eq(r->src.role, ROLE_EDGE);
	ck_assert_int_eq(r->dst.kind, SEL_ROLE);
	ck_assert_int_eq(r->dst.role, ROLE_CENTRAL);
	ck_assert_uint_eq(r->con.delay_us, 25000);      /* rtt 50ms / 2 */
	ck_assert_uint_eq(r->con.jitter_us, 2000);
	ck_assert_double_eq_tol(r->con.loss_pct, 0.1, 1e-12);
	ck_assert_uint_eq(r->con.rate_bps, 100000000);
	ck_assert(r->symmetric);
	r = &t->rules[1];
	ck_assert_int_eq(r->src.kind, SEL_SITE);
	ck_assert_uint_eq(r->src.site, 0);
	ck_assert_uint_eq(r->dst.site, 1);
	ck_assert_uint_eq(r->con.set, CON_DELAY);
	ck_assert_uint_eq(r->con.delay_us, 5000);
	ck_assert(r->symmetric);
	ck_assert_int_eq(r->pos.line, 30);

	ck_assert_uint_eq(t->n_faults, 3);
	f = &t->faults[0];
	ck_assert_int_eq(f->action, FAULT_PARTITION);
	ck_assert_uint_eq(f->at_us, 30000000);
	ck_assert(f->has_for);
	ck_assert_uint_eq(f->for_us, 20000000);
	ck_assert_uint_eq(f->n_sites, 2);
	ck_assert_uint_eq(f->sites[0], 2);
	ck_assert_uint_eq(f->sites[1], 3);
	f = &t->faults[1];
	ck_assert_int_eq(f->action, FAULT_SET);
	ck_assert_uint_eq(f->at_us, 60000000);
	ck_assert_uint_eq(f->con.set, CON_LOSS);
	ck_assert_double_eq(f->con.loss_pct, 5);
	ck_assert_uint_eq(f->src.site, 0);
	ck_assert_uint_eq(f->dst.site, 1);
	f = &t->faults[2];
	ck_assert_int_eq(f->action, FAULT_HEAL);
	ck_assert(!f->has_for);
	ck_assert_uint_eq(f->n_sites, 2);

	ck_assert_str_eq(t->stack_name, "etcd");
	ck_assert_str_eq(t->stack_strategy, "spread");
	ck_assert_uint_eq(t->n_workloads, 1);
	ck_assert_str_eq(t->workloads[0].name, "kv-latency");
	ck_assert_uint_eq(t->workloads[0].n_params, 2);
	ck_assert_str_eq(t->workloads[0].params[0].key, "times");
	ck_assert_str_eq(t->workloads[0].params[0].value, "100");
	ck_assert_str_eq(t->workloads[0].params[1].key, "size");
	ck_assert_str_eq(t->workloads[0].params[1].value, "1KiB");
	topo_free(t);
}
END_TEST

START_TEST(test_counted_and_selectors)
{
	struct topology *t = load_ok(GOOD_DIR "/counted.yaml");
	const struct selector *sel;
	const struct fault *f;
	size_t i;

	ck_assert_uint_eq(t->n_sites, 5);
	ck_assert_str_eq(t->sites[1].name, "edge-1");
	ck_assert_str_eq(t->sites[3].name, "edge-3");
	ck_assert_str_eq(t->sites[4].name, "solo");    /* count 1 keeps it */
	ck_assert_ptr_null(t->sites[4].base);
	ck_assert_int_eq(t->sites[4].parent, 2);
	ck_assert_uint_eq(t->n_nodes, 1 + 3 * 2 + 1);
	for (i = 1; i <= 3; i++) {
		ck_assert_str_eq(t->sites[i].base, "edge");
		ck_assert_int_eq(t->sites[i].parent, 0);
		ck_assert(t->sites[i].has_lan);
		ck_assert_uint_eq(t->sites[i].lan.delay_us, 500);
	}
	ck_assert_str_eq(t->sites[3].nodes[1].name, "edge-3-2");
	ck_assert_int_eq(topo_site_index(t, "edge-2"), 2);
	ck_assert_int_eq(topo_site_index(t, "edge"), -1);
	ck_assert_int_eq(topo_site_index(t, "solo"), 4);

	sel = &t->rules[0].src;
	ck_assert_int_eq(sel->kind, SEL_GROUP);
	ck_assert_uint_eq(sel->site, 1);
	ck_assert_uint_eq(sel->n_sites, 3);
	ck_assert(!topo_selector_matches(t, sel, 0));
	ck_assert(topo_selector_matches(t, sel, 1));
	ck_assert(topo_selector_matches(t, sel, 3));
	ck_assert(!topo_selector_matches(t, sel, 4));
	ck_assert(!topo_selector_matches(t, sel, 99));
	ck_assert_uint_eq(t->rules[0].con.delay_us, 15000);

	sel = &t->rules[1].src;
	ck_assert_int_eq(sel->kind, SEL_ALL);
	for (i = 0; i < t->n_sites; i++)
		ck_assert(topo_selector_matches(t, sel, i));
	sel = &t->rules[1].dst;
	ck_assert_int_eq(sel->kind, SEL_SITE);
	ck_assert(topo_selector_matches(t, sel, 3));
	ck_assert(!topo_selector_matches(t, sel, 2));
	ck_assert(!t->rules[1].symmetric);
	ck_assert_int_eq(sel->pos.line, 11);

	sel = &t->rules[2].src;
	ck_assert_int_eq(sel->kind, SEL_ROLE);
	ck_assert(topo_selector_matches(t, sel, 4));
	ck_assert(!topo_selector_matches(t, sel, 0));

	f = &t->faults[0];
	ck_assert_uint_eq(f->at_us, 1500000);
	ck_assert_uint_eq(f->n_sites, 4);      /* edge + edge-1 + solo */
	for (i = 0; i < 4; i++)
		ck_assert_uint_eq(f->sites[i], i + 1);
	topo_free(t);
}
END_TEST

START_TEST(test_matrix_csv_reordered)
{
	struct topology *t = load_ok(GOOD_DIR "/matrix-csv.yaml");
	const double *ms = t->matrix->ms;

	ck_assert_int_eq(t->matrix->kind, MATRIX_DELAY);
	ck_assert_uint_eq(t->matrix->n, 3);
	/* sites a, b, c; file header c, a, b; rows b, a, c */
	ck_assert_double_eq(ms[0 * 3 + 0], 0);
	ck_assert_double_eq(ms[0 * 3 + 1], 1.5);
	ck_assert_double_eq(ms[0 * 3 + 2], 3);
	ck_assert_double_eq(ms[1 * 3 + 0], 1);
	ck_assert_double_eq(ms[1 * 3 + 2], 2.25);
	ck_assert_double_eq(ms[2 * 3 + 0], 3.5);
	ck_assert_double_eq(ms[2 * 3 + 1], 2);
	ck_assert_double_eq(ms[2 * 3 + 2], 0);
	topo_free(t);
}
END_TEST

START_TEST(test_matrix_partial)
{
	struct topology *t = load_ok(GOOD_DIR "/matrix-partial.yaml");
	const double *ms = t->matrix->ms;
	size_t i;

	/* sites a, far, b: far is not in the matrix */
	ck_assert_uint_eq(t->defaults.delay_us, 50000);
	ck_assert_double_eq(ms[0 * 3 + 2], 20);
	ck_assert_double_eq(ms[2 * 3 + 0], 22);
	for (i = 0; i < 3; i++) {
		ck_assert(isnan(ms[1 * 3 + i]));
		ck_assert(isnan(ms[i * 3 + 1]));
	}
	topo_free(t);
}
END_TEST

START_TEST(test_anchors)
{
	struct topology *t = load_ok(GOOD_DIR "/anchors.yaml");

	ck_assert_uint_eq(t->sites[1].lan.delay_us, 50);
	ck_assert_uint_eq(t->sites[1].lan.rate_bps, 40000000000ull);
	ck_assert_uint_eq(t->defaults.delay_us, 10000);
	ck_assert_uint_eq(t->rules[0].con.set, CON_DELAY | CON_LOSS);
	ck_assert_uint_eq(t->rules[0].con.delay_us, 10000);
	ck_assert_double_eq(t->rules[0].con.loss_pct, 0.5);
	ck_assert_uint_eq(t->rules[1].con.set, CON_DELAY | CON_LOSS | CON_RATE);
	ck_assert_uint_eq(t->rules[1].con.delay_us, 500);
	ck_assert_uint_eq(t->rules[1].con.rate_bps, 1000000000);
	topo_free(t);
}
END_TEST

/* distribution, correlation, loss_burst and queue in each kind of block. */
START_TEST(test_shaping_fields)
{
	struct topology *t = load_ok(GOOD_DIR "/shaping-fields.yaml");
	const struct constraint *c;

	c = &t->sites[0].lan;
	ck_assert_uint_eq(c->set, CON_DELAY | CON_JITTER | CON_DIST |
				  CON_CORR | CON_RATE | CON_QUEUE);
	ck_assert_int_eq(c->dist, DIST_NORMAL);
	ck_assert_double_eq(c->corr_pct, 10);
	ck_assert_uint_eq(c->queue_pkts, 5000);
	c = &t->defaults;
	ck_assert_int_eq(c->dist, DIST_UNIFORM);
	ck_assert_uint_eq(c->set & (CON_BURST | CON_CORR), CON_BURST);
	ck_assert_double_eq(c->loss_burst, 1);
	ck_assert_uint_eq(c->queue_pkts, 1000);
	c = &t->rules[0].con;
	ck_assert_int_eq(c->dist, DIST_PARETONORMAL);
	ck_assert_str_eq(constraint_dist_name(c->dist), "paretonormal");
	ck_assert_double_eq(c->corr_pct, 25);
	c = &t->rules[2].con;
	ck_assert_uint_eq(c->set, CON_JITTER | CON_DIST | CON_CORR);
	ck_assert_double_eq(c->corr_pct, 0);
	c = &t->faults[0].con;
	ck_assert_uint_eq(c->set, CON_LOSS | CON_BURST | CON_QUEUE);
	ck_assert_double_eq(c->loss_burst, 2.5);
	ck_assert_uint_eq(c->queue_pkts, 50);
	topo_free(t);

	ck_assert_err("name: x\nsites: [{name: a, role: edge}]\n"
		      "network: {default: {loss: 1%, loss_burst: 1e3}}\n",
		      "inline.yaml:3:43: expected a number for 'loss_burst', got '1e3'");
	ck_assert_err("name: x\nsites: [{name: a, role: edge}]\n"
		      "network: {default: {loss: 1%, loss_burst: -2}}\n",
		      "inline.yaml:3:43: loss_burst -2 is out of range (1 to 1000000)");
	ck_assert_err("name: x\nsites: [{name: a, role: edge}]\n"
		      "network: {default: {loss: 1%, loss_burst: 1000000.5}}\n",
		      "inline.yaml:3:43: loss_burst 1000000.5 is out of range (1 to 1000000)");
	ck_assert_err("name: x\nsites: [{name: a, role: edge}]\n"
		      "network: {default: {rate: 1mbit, queue: 1000001}}\n",
		      "inline.yaml:3:41: queue 1000001 is out of range (1 to 1000000)");
	ck_assert_err("name: x\nsites: [{name: a, role: edge}]\n"
		      "network: {default: {jitter: 1ms, correlation: 5}}\n",
		      "inline.yaml:3:47: correlation 5 has no unit (use %)");
	ck_assert_err("name: x\nsites: [{name: a, role: edge}]\n"
		      "network: {default: {jitter: 1ms, distribution: gauss}}\n",
		      "inline.yaml:3:48: unknown distribution 'gauss' (expected uniform, normal, pareto or paretonormal)");
}
END_TEST

START_TEST(test_load_string)
{
	const char *text =
		"name: s\n"
		"sites: [{name: a, role: central}, {name: b, role: edge}]\n"
		"network: {matrix: {file: data/ab.tsv, kind: delay}}\n";
	char *err = NULL;
	struct topology *t;

	t = topo_load_string(text, "<string>", GOOD_DIR, &err);
	ck_assert_msg(t != NULL, "%s", err);
	ck_assert_str_eq(t->path, "<string>");
	ck_assert_str_eq(t->matrix->path, GOOD_DIR "/data/ab.tsv");
	ck_assert_double_eq(t->matrix->ms[1], 20);
	ck_assert_uint_eq(t->n_nodes, 2);
	ck_assert_str_eq(t->sites[1].nodes[0].name, "b-1");
	topo_free(t);

	/* Without DIR a relative matrix path is taken as it is. */
	t = topo_load_string(text, "<string>", NULL, &err);
	ck_assert_ptr_null(t);
	ck_assert_str_eq(err, "<string>:3:26: cannot read matrix file 'data/ab.tsv': No such file or directory");
	free(err);
}
END_TEST

/* hosts: values canonical, defaults filled, a counted site's host on
 * every replica, and no hosts at all as before (every site -1). */
START_TEST(test_hosts_model)
{
	char *err = NULL;
	struct topology *t = topo_load(GOOD_DIR "/hosts.yaml", &err);
	size_t i;

	ck_assert_msg(t != NULL, "%s", err);
	ck_assert_uint_eq(t->n_hosts, 3);
	ck_assert_int_eq(t->placement, PLACEMENT_BALANCE);
	ck_assert_str_eq(t->hosts[0].name, "h1");
	ck_assert_str_eq(t->hosts[0].ssh, "root@192.0.2.1");
	ck_assert_str_eq(t->hosts[0].enos, "enos");
	ck_assert_ptr_null(t->hosts[0].libvirt);
	ck_assert_uint_eq(t->hosts[0].memory_bytes, 0);
	ck_assert_str_eq(t->hosts[1].libvirt, "qemu+ssh://root@192.0.2.2/system");
	ck_assert_uint_eq(t->hosts[1].memory_bytes, 16ull << 30);
	/* No ssh: the address; an IPv6 address in its canonical form. */
	ck_assert_str_eq(t->hosts[2].address, "2001:db8::3");
	ck_assert_str_eq(t->hosts[2].ssh, "2001:db8::3");
	ck_assert_str_eq(t->hosts[2].enos, "/usr/local/bin/enos");
	ck_assert_int_eq(t->hosts[2].pos.line, 6);
	ck_assert_int_eq(topo_host_index(t, "h2"), 1);
	ck_assert_int_eq(topo_host_index(t, "h4"), -1);
	ck_assert_int_eq(t->sites[0].host, 0);
	ck_assert_int_eq(t->sites[0].host_pos.line, 9);
	ck_assert_int_eq(t->sites[1].host, 1);
	for (i = 2; i < t->n_sites; i++)
		ck_assert_int_eq(t->sites[i].host, -1);
	topo_free(t);

	t = topo_load_string("name: s\n"
			     "hosts: [{name: a, address: 10.0.0.1}, {name: b, address: '10.0.0.02'}]\n"
			     "sites: [{name: e, role: edge, count: 3, host: b}, {name: c, role: central, host: a}]\n",
			     "<s>", NULL, &err);
	ck_assert_ptr_null(t);
	/* inet_pton refuses a leading zero (it would be octal to some). */
	ck_assert_str_eq(err, "<s>:2:58: bad address '10.0.0.02' (expected an IPv4 or IPv6 address, such as 192.0.2.1)");
	free(err);
	t = topo_load_string("name: s\n"
			     "hosts: [{name: a, address: 10.0.0.1}, {name: b, address: 10.0.0.2}]\n"
			     "sites: [{name: e, role: edge, count: 3, host: b}, {name: c, role: central, host: a}]\n",
			     "<s>", NULL, &err);
	ck_assert_msg(t != NULL, "%s", err);
	ck_assert_int_eq(t->placement, PLACEMENT_NONE);
	for (i = 0; i < 3; i++)
		ck_assert_int_eq(t->sites[i].host, 1);
	ck_assert_int_eq(t->sites[3].host, 0);
	topo_free(t);

	/* One host holds every site without placement. */
	t = topo_load_string("name: s\nhosts: [{name: a, address: '::1'}]\n"
			     "sites: [{name: c, role: central}]\n",
			     "<s>", NULL, &err);
	ck_assert_msg(t != NULL, "%s", err);
	ck_assert_int_eq(t->sites[0].host, -1);
	topo_free(t);

	/* ssh destinations: what ssh takes as one destination passes; an
	 * option, a second '@', shell syntax or an empty part does not. */
	{
		static const struct {
			const char *v;
			bool ok;
		} dests[] = {
			{ "root@192.0.2.1", true }, { "h1.example.org", true },
			{ "ssh://root@192.0.2.1:2222", true },
			{ "ssh://[2001:db8::1]:22", true }, { "_svc@h", true },
			{ "deploy-user@2001:db8::1", true },
			{ "-oProxyCommand=x", false }, { "root@-F", false },
			{ "a@b@c", false }, { "@host", false }, { "root@", false },
			{ "h;reboot", false }, { "h x", false }, { "$(id)", false },
			{ "ssh://", false }, { "root@h/x", false },
		};
		char text[256];
		size_t k;

		for (k = 0; k < sizeof(dests) / sizeof(dests[0]); k++) {
			snprintf(text, sizeof(text),
				 "name: s\nhosts: [{name: a, address: 10.0.0.1, ssh: '%s'}]\n"
				 "sites: [{name: c, role: central}]\n", dests[k].v);
			t = topo_load_string(text, "<s>", NULL, &err);
			ck_assert_msg((t != NULL) == dests[k].ok, "%s: %s",
				      dests[k].v, t ? "accepted" : err);
			if (t)
				ck_assert_str_eq(t->hosts[0].ssh, dests[k].v);
			else
				ck_assert_ptr_nonnull(strstr(err, "bad ssh destination"));
			topo_free(t);
			free(err);
			err = NULL;
		}
	}

	t = topo_load_string("name: s\nsites: [{name: c, role: central}]\n",
			     "<s>", NULL, &err);
	ck_assert_msg(t != NULL, "%s", err);
	ck_assert_uint_eq(t->n_hosts, 0);
	ck_assert_ptr_null(t->hosts);
	ck_assert_int_eq(t->sites[0].host, -1);
	topo_free(t);
}
END_TEST

START_TEST(test_errors_inline)
{
	char big[2048];

	ck_assert_err("", "inline.yaml:1:1: empty topology (expected a mapping with 'name' and 'sites')");
	ck_assert_err("name: x\nsites: ~\n",
		      "inline.yaml:2:1: 'sites' is empty: a topology needs at least one site");
	ck_assert_err("name: ~\nsites: [{name: a, role: edge}]\n",
		      "inline.yaml:1:7: expected a string for 'name', got null");
	ck_assert_err("name: x\nsites: [{name: a, role: edge, nodes: -2}]\n",
		      "inline.yaml:2:38: nodes -2 is out of range (1 to 1023: a site LAN is a bridge of at most 1024 ports)");
	ck_assert_err("name: x\nsites: [{name: a, role: edge, nodes: 99999999999999999999999}]\n",
		      "inline.yaml:2:38: nodes 99999999999999999999999 is out of range (1 to 1023: a site LAN is a bridge of at most 1024 ports)");
	ck_assert_err("name: x\nsites: [{name: a, role: edge, nodes: {n: 1}}]\n",
		      "inline.yaml:2:38: expected an integer or a sequence for 'nodes', got a mapping");
	ck_assert_err("name: x\nsites: [{name: \"a\\0b\", role: edge}]\n",
		      "inline.yaml:2:16: expected a string for 'name', got a string holding a NUL byte");
	ck_assert_err("name: x\nsites: [{name: a, role: edge}]\nfaults: {at: 1s}\n",
		      "inline.yaml:3:9: expected a sequence for 'faults', got a mapping");
	ck_assert_err("name: x\nsites: [{name: a, role: edge}]\nstack: {strategy: spread}\n",
		      "inline.yaml:3:8: missing key 'name'");
	ck_assert_err("name: x\nsites: [{name: a, role: edge}]\nworkload: {times: 3}\n",
		      "inline.yaml:3:11: missing key 'name'");
	ck_assert_err("name: x\nsites: [{name: a, role: edge}, {name: b, role: edge, parent: a}]\n"
		      "faults: [{at: 1s, action: set, src: a, dst: \"*\", rtt: 2ms, delay: 1ms}]\n",
		      "inline.yaml:3:50: give 'delay' or 'rtt', not both");
	ck_assert_err("name: x\nsites: [{name: a, role: edge}]\nfaults: [{at: 1s, action: partition, sites: []}]\n",
		      "inline.yaml:3:45: 'sites' is empty: name at least one site");
	ck_assert_err("name: x\nsites: [{name: a, role: edge}]\n? [k]\n: v\n",
		      "inline.yaml:3:3: expected a string key, got a sequence");
	ck_assert_err("name: x\nsites: [{name: a, role: edge, <<: {nodes: 2}, <<: {nodes: 3}}]\n",
		      "inline.yaml:2:47: duplicate key '<<'");

	/* Long values are clipped in messages. */
	memset(big, 'k', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	{
		char text[4096];
		char *e;

		snprintf(text, sizeof(text), "name: %s\n", big);
		e = load_err(text);
		ck_assert_str_eq(e, "inline.yaml:1:7: experiment name 'kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk...' is too long (at most 32 characters)");
		free(e);
		/* libyaml refuses keys longer than 1024 characters */
		snprintf(text, sizeof(text), "name: x\n%s: 1\n", big);
		e = load_err(text);
		ck_assert_str_eq(e, "inline.yaml:2:2048: could not find expected ':' while scanning a simple key");
		free(e);
	}
}
END_TEST

/* Profiles: a site's profile reaches each of its nodes, counted or listed;
 * a node's own profile replaces it; a node's keys replace the profile's
 * one by one; cpu is in host cores, rounded to thousandths. */
START_TEST(test_profiles)
{
	static const char text[] =
		"name: x\n"
		"profiles:\n"
		"  rpi4: {cpu: 0.5, memory: 1GiB, pids: 512}\n"
		"  gateway: {cpu: 2, memory: 4GiB}\n"
		"sites:\n"
		"  - {name: edge, role: edge, nodes: 2, count: 2, profile: rpi4}\n"
		"  - name: central\n"
		"    role: central\n"
		"    profile: rpi4\n"
		"    nodes: [{name: db, cpu: 2, memory: 8GiB}, {name: api},\n"
		"            {name: gw, profile: gateway, pids: 100},\n"
		"            {name: vm, backend: qemu, cpu: 0.25, profile: gateway},\n"
		"            {name: tiny, cpu: 0.0125}]\n";
	char *err = NULL;
	struct topology *t = topo_load_string(text, "inline.yaml", NULL, &err);
	const struct node_spec *n;

	ck_assert_msg(t != NULL, "%s", err ? err : "");
	ck_assert_uint_eq(t->n_profiles, 2);
	ck_assert_str_eq(t->profiles[0].name, "rpi4");
	ck_assert_uint_eq(t->profiles[0].cpu_milli, 500);
	ck_assert_uint_eq(t->profiles[0].memory_bytes, 1ull << 30);
	ck_assert_uint_eq(t->profiles[0].pids, 512);
	ck_assert_uint_eq(t->profiles[1].pids, 0);
	/* edge-2-2: counted site, counted nodes */
	n = &t->sites[1].nodes[1];
	ck_assert_str_eq(n->name, "edge-2-2");
	ck_assert_str_eq(n->profile, "rpi4");
	ck_assert_uint_eq(n->cpu_milli, 500);
	ck_assert_uint_eq(n->memory_bytes, 1ull << 30);
	ck_assert_uint_eq(n->pids, 512);
	n = &t->sites[2].nodes[0];      /* db: keys over the site's profile */
	ck_assert_str_eq(n->profile, "rpi4");
	ck_assert_uint_eq(n->cpu_milli, 2000);
	ck_assert_uint_eq(n->memory_bytes, 8ull << 30);
	ck_assert_uint_eq(n->pids, 512);
	n = &t->sites[2].nodes[1];      /* api: the site's profile */
	ck_assert_uint_eq(n->cpu_milli, 500);
	n = &t->sites[2].nodes[2];      /* gw: its own profile, then pids */
	ck_assert_str_eq(n->profile, "gateway");
	ck_assert_uint_eq(n->cpu_milli, 2000);
	ck_assert_uint_eq(n->memory_bytes, 4ull << 30);
	ck_assert_uint_eq(n->pids, 100);
	n = &t->sites[2].nodes[3];      /* vm: a profile without pids fits qemu */
	ck_assert_uint_eq(n->cpu_milli, 250);
	ck_assert_uint_eq(n->pids, 0);
	n = &t->sites[2].nodes[4];
	ck_assert_uint_eq(n->cpu_milli, 13);
	topo_free(t);

	/* A site without a profile has nodes without limits. */
	t = topo_load_string("name: x\nsites: [{name: a, role: edge}]\n",
			     "inline.yaml", NULL, &err);
	ck_assert_ptr_nonnull(t);
	ck_assert_ptr_null(t->sites[0].nodes[0].profile);
	ck_assert_uint_eq(t->sites[0].nodes[0].cpu_milli, 0);
	ck_assert_uint_eq(t->sites[0].nodes[0].pids, 0);
	topo_free(t);

	ck_assert_err("name: x\nprofiles: {a: {cpu: 0.001}}\nsites: [{name: a, role: edge}]\n",
		      "inline.yaml:2:21: cpu 0.001 is out of range (0.01 to 1024 host cores)");
	ck_assert_err("name: x\nprofiles: {a: {cpu: 1}, a: {cpu: 2}}\nsites: [{name: a, role: edge}]\n",
		      "inline.yaml:2:25: duplicate profile 'a' (first defined at line 2)");
	ck_assert_err("name: x\nprofiles: {a: {cpus: 1}}\nsites: [{name: a, role: edge}]\n",
		      "inline.yaml:2:16: unknown key 'cpus' (did you mean 'cpu'?)");
	ck_assert_err("name: x\nsites: [{name: a, role: edge, profile: p}]\n",
		      "inline.yaml:2:40: unknown profile 'p' (the topology has no 'profiles')");
	/* lxc nodes take pids (written in their container's pids cgroup);
	 * qemu nodes do not (tests/fixtures/bad/profile-pids-qemu). */
	t = topo_load_string("name: x\nprofiles: {p: {pids: 10}}\nsites: [{name: a, role: edge, nodes: [{name: n, backend: lxc, profile: p}]}]\n",
			     "inline.yaml", NULL, &err);
	ck_assert_msg(t != NULL, "%s", err ? err : "?");
	ck_assert_uint_eq(t->sites[0].nodes[0].pids, 10);
	topo_free(t);
}
END_TEST

/* Nesting beyond the bound is refused before libyaml's parser (whose cost
 * grows with the square of the depth) sees it, flow or block, at once. */
START_TEST(test_nesting_bound)
{
	size_t n = 100000, i, len = 0;
	char *text = malloc(3 * n + 64), *e;
	struct timespec t0, t1;

	ck_assert_ptr_nonnull(text);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	len = (size_t)sprintf(text, "name: x\nsites: ");
	for (i = 0; i < n; i++)
		text[len++] = '[';
	for (i = 0; i < n; i++)
		text[len++] = ']';
	text[len] = '\0';
	e = load_err(text);
	ck_assert_str_eq(e, "inline.yaml:2:71: nested too deeply (at most 64 levels of mappings and sequences)");
	free(e);
	len = (size_t)sprintf(text, "name: x\nsites:\n");
	for (i = 0; i < n; i++) {
		text[len++] = '-';
		text[len++] = ' ';
	}
	text[len++] = 'x';
	text[len] = '\0';
	e = load_err(text);
	ck_assert_str_eq(e, "inline.yaml:3:129: nested too deeply (at most 64 levels of mappings and sequences)");
	free(e);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ck_assert_int_lt(t1.tv_sec - t0.tv_sec, 2);
	/* 64 levels are fine as YAML (the schema then refuses the value). */
	len = (size_t)sprintf(text, "name: x\nsites: ");
	for (i = 0; i < 63; i++)
		text[len++] = '[';
	for (i = 0; i < 63; i++)
		text[len++] = ']';
	text[len] = '\0';
	e = load_err(text);
	ck_assert_str_eq(e, "inline.yaml:2:9: expected a mapping for each site, got a sequence");
	free(e);
	free(text);
}
END_TEST

START_TEST(test_load_missing_file)
{
	char *err = NULL;

	ck_assert_ptr_null(topo_load("tests/fixtures/no-such.yaml", &err));
	ck_assert_str_eq(err, "cannot read topology 'tests/fixtures/no-such.yaml': No such file or directory");
	free(err);
	ck_assert_ptr_null(topo_load("tests/fixtures", &err));
	ck_assert_str_eq(err, "cannot read topology 'tests/fixtures': Is a directory");
	free(err);
	topo_free(NULL);
}
END_TEST

START_TEST(test_names)
{
	ck_assert_str_eq(topo_role_name(ROLE_CENTRAL), "central");
	ck_assert_str_eq(topo_role_name(ROLE_REGIONAL), "regional");
	ck_assert_str_eq(topo_role_name(ROLE_EDGE), "edge");
	/* The names the loader takes, in the registries' order. */
	ck_assert_str_eq(node_ops_at(0)->name, "netns");
	ck_assert_str_eq(node_ops_at(1)->name, "lxc");
	ck_assert_str_eq(node_ops_at(2)->name, "qemu");
	ck_assert_str_eq(fabric_ops_at(0)->name, "bridge");
	ck_assert_str_eq(fabric_ops_at(1)->name, "ovs");
	ck_assert_str_eq(topo_shaping_name(NULL), "auto");
	ck_assert_str_eq(topo_shaping_name(shape_ops_at(0)), "netem");
	ck_assert_str_eq(topo_shaping_name(shape_ops_at(1)), "wand");
	ck_assert_str_eq(topo_shaping_name(shape_ops_at(2)), "none");
}
END_TEST

/* ---- helpers ---- */

START_TEST(test_suggest)
{
	static const char *const keys[] = { "delay", "rtt", "jitter", "loss",
					    "rate" };
	static const char *const backends[] = { "netns", "lxc", "qemu" };
	char longword[100];

	ck_assert_uint_eq(suggest_distance("", ""), 0);
	ck_assert_uint_eq(suggest_distance("abc", ""), 3);
	ck_assert_uint_eq(suggest_distance("jiter", "jitter"), 1);
	ck_assert_uint_eq(suggest_distance("qmeu", "qemu"), 1);      /* swap */
	ck_assert_uint_eq(suggest_distance("kitten", "sitting"), 3);
	ck_assert_str_eq(suggest_closest("jiter", keys, 5), "jitter");
	ck_assert_str_eq(suggest_closest("dealy", keys, 5), "delay");
	ck_assert_str_eq(suggest_closest("rtt ", keys, 5), "rtt");
	ck_assert_ptr_null(suggest_closest("colour", keys, 5));
	ck_assert_ptr_null(suggest_closest("x", keys, 5));
	ck_assert_ptr_null(suggest_closest("delay", keys, 5));     /* exact */
	ck_assert_str_eq(suggest_closest("lxd", backends, 3), "lxc");
	ck_assert_str_eq(suggest_closest("qmeu", backends, 3), "qemu");
	memset(longword, 'a', sizeof(longword) - 1);
	longword[sizeof(longword) - 1] = '\0';
	ck_assert_uint_eq(suggest_distance(longword, "a"), SIZE_MAX);
	ck_assert_ptr_null(suggest_closest(longword, keys, 5));
}
END_TEST

static char *matrix_err(const char *text)
{
	char *err = NULL;
	struct matrix_file *m = matrix_file_parse(text, strlen(text), "m.tsv",
						  &err);

	ck_assert_msg(m == NULL, "parsed: %s", text);
	ck_assert_ptr_nonnull(err);
	return err;
}

#define ck_assert_matrix_err(text, expected) do { \
	char *e_ = matrix_err(text); \
	ck_assert_str_eq(e_, expected); \
	free(e_); \
} while (0)

START_TEST(test_matrix_file)
{
	const char *tsv = "\xef\xbb\xbf# comment\n\n  # indented comment\n"
			  "from\tx\ty\n"
			  "y\t1.25\t0\n"
			  "x\t0\t 3 \n";
	const char *csv = "h,x,y\r\nx,0,7.5\r\ny,8,0\r\n";
	char *err = NULL;
	struct matrix_file *m;

	m = matrix_file_parse(tsv, strlen(tsv), "m.tsv", &err);
	ck_assert_msg(m != NULL, "%s", err);
	ck_assert_uint_eq(m->n, 2);
	ck_assert_str_eq(m->names[0], "x");
	ck_assert_int_eq(m->name_pos[1].line, 4);
	ck_assert_int_eq(m->name_pos[1].col, 8);
	ck_assert_double_eq(m->ms[0], 0);
	ck_assert_double_eq(m->ms[1], 3);
	ck_assert_double_eq(m->ms[2], 1.25);
	ck_assert_double_eq(m->ms[3], 0);
	matrix_file_free(m);

	m = matrix_file_parse(csv, strlen(csv), "m.csv", &err);
	ck_assert_msg(m != NULL, "%s", err);
	ck_assert_double_eq(m->ms[1], 7.5);
	ck_assert_double_eq(m->ms[2], 8);
	matrix_file_free(m);
	matrix_file_free(NULL);
	matrix_free(NULL);

	ck_assert_matrix_err("", "m.tsv:1:1: matrix file has no header row");
	ck_assert_matrix_err("# only\n", "m.tsv:1:1: matrix file has no header row");
	ck_assert_matrix_err("just-one-cell\n",
			     "m.tsv:1:1: matrix header names no sites (cells are separated by tabs or commas)");
	ck_assert_matrix_err("h\tx\tx\n",
			     "m.tsv:1:5: duplicate site 'x' in matrix header (first at column 3)");
	ck_assert_matrix_err("h\tx\t\n", "m.tsv:1:5: empty site name in matrix header");
	ck_assert_matrix_err("h\tx\nz\t0\n", "m.tsv:2:1: matrix row 'z' is not in the header");
	ck_assert_matrix_err("h\tx\nx\t0\nx\t0\n",
			     "m.tsv:3:1: duplicate matrix row 'x' (first at line 2)");
	ck_assert_matrix_err("h\tx\nx\t-1\n", "m.tsv:2:3: matrix cell '-1' is negative");
	ck_assert_matrix_err("h\tx\nx\t\n", "m.tsv:2:3: empty matrix cell");
	ck_assert_matrix_err("h\tx\nx\tinf\n", "m.tsv:2:3: matrix cell 'inf' is not a number");
	ck_assert_matrix_err("h\tx\nx\t1e3\n", "m.tsv:2:3: matrix cell '1e3' is not a number");
	ck_assert_matrix_err("h\tx\nx\t9999999\n",
			     "m.tsv:2:3: matrix cell '9999999' is too large (at most 3600000 ms)");
	ck_assert_matrix_err("h\tx\nx\t0\t1\n",
			     "m.tsv:2:1: matrix row 'x' has 2 values, expected 1 (one per header site)");
}
END_TEST

Suite *make_topo_suite(void)
{
	Suite *s = suite_create("topo");
	TCase *fx = tcase_create("fixtures");
	TCase *model = tcase_create("model");
	TCase *helpers = tcase_create("helpers");

	tcase_add_loop_test(fx, test_bad_fixture, 0,
			    (int)count_dir(BAD_DIR, ".yaml"));
	tcase_add_test(fx, test_bad_fixtures_paired);
	tcase_add_loop_test(fx, test_good_fixture, 0,
			    (int)count_dir(GOOD_DIR, ".yaml"));
	tcase_add_loop_test(fx, test_topologies, 0,
			    (int)count_dir(TOPO_DIR, ".yaml"));
	tcase_add_test(fx, test_topologies_shape);
	tcase_add_test(fx, test_default_experiment);
	suite_add_tcase(s, fx);

	tcase_add_test(model, test_full_example);
	tcase_add_test(model, test_counted_and_selectors);
	tcase_add_test(model, test_matrix_csv_reordered);
	tcase_add_test(model, test_matrix_partial);
	tcase_add_test(model, test_anchors);
	tcase_add_test(model, test_shaping_fields);
	tcase_add_test(model, test_load_string);
	tcase_add_test(model, test_errors_inline);
	tcase_add_test(model, test_profiles);
	tcase_add_test(model, test_nesting_bound);
	tcase_add_test(model, test_load_missing_file);
	tcase_add_test(model, test_names);
	tcase_add_test(model, test_hosts_model);
	suite_add_tcase(s, model);

	tcase_add_test(helpers, test_suggest);
	tcase_add_test(helpers, test_matrix_file);
	suite_add_tcase(s, helpers);
	return s;
}
