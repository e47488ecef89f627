/* test_resolve — constraint resolution (enos/resolve.c): the precedence
 * default < matrix < rules in file order, field by field; selectors and
 * symmetry; matrix kinds; `set` faults; and `enos check --pairs`, which
 * prints the result (enos/cmd/check.c).
 *
 * Topologies are written inline (matrix files into a temporary directory)
 * or taken from topologies/ and tests/fixtures/good/. Tests run with the
 * repository root as working directory.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emulator/shape.h"
#include "enos/plan.h"
#include "enos/resolve.h"
#include "enos/topo.h"
#include "tests/suites.h"
#include "tests/testutil.h"

static struct tu_case tc;

static void case_setup(void)
{
	ck_assert_int_eq(tu_case_setup(&tc, "resolve"), 0);
}

static void case_teardown(void)
{
	tu_rmtree(tc.dir);
}

/* Four sites: paris 0 (central), lyon 1 (regional), edge-1 2, edge-2 3
 * (edge, counted). NETWORK is the rest of the file. */
#define SITES "name: r\n" \
	"sites:\n" \
	"  - {name: paris, role: central}\n" \
	"  - {name: lyon, role: regional, parent: paris}\n" \
	"  - {name: edge, role: edge, parent: lyon, count: 2}\n"
enum { PARIS, LYON, EDGE1, EDGE2 };

/* TEXT loaded with the case directory for relative (matrix) paths. */
static struct topology *load_text(const char *text)
{
	char *err = NULL;
	struct topology *t = topo_load_string(text, "inline.yaml", tc.dir,
					      &err);

	ck_assert_msg(t != NULL, "%s", err ? err : "(no message)");
	return t;
}

static struct topology *load_path(const char *path)
{
	char *err = NULL;
	struct topology *t = topo_load(path, &err);

	ck_assert_msg(t != NULL, "%s: %s", path, err ? err : "(no message)");
	return t;
}

static void resolve_ok(const struct topology *t, struct shape_table *tab)
{
	ck_assert_int_eq(resolve_pairs(t, tab), 0);
	ck_assert_uint_eq(tab->n, t->n_sites);
}

static void write_matrix(const char *text)
{
	char path[256];

	ck_assert_ptr_nonnull(tu_write(tc.dir, "m.tsv", text, path,
				       sizeof(path)));
}

#define DELAY(tab, a, b) (shape_at(&(tab), (a), (b))->delay_us)
#define P(tab, a, b) (shape_at(&(tab), (a), (b)))

/* Every field of one pair. */
static void ck_params(const struct link_params *p, uint64_t delay,
		      uint64_t jitter, enum jitter_dist dist, double corr,
		      double loss, double burst, uint64_t rate, uint32_t queue)
{
	ck_assert_uint_eq(p->delay_us, delay);
	ck_assert_uint_eq(p->jitter_us, jitter);
	ck_assert_int_eq(p->dist, dist);
	ck_assert_double_eq_tol(p->jitter_corr_pct, corr, 1e-9);
	ck_assert_double_eq_tol(p->loss_pct, loss, 1e-9);
	ck_assert_double_eq_tol(p->loss_burst, burst, 1e-9);
	ck_assert_uint_eq(p->rate_bps, rate);
	ck_assert_uint_eq(p->queue_pkts, queue);
}

static const struct link_params wire;    /* all zero: a plain wire */

static void ck_wire(const struct link_params *p)
{
	ck_assert(!memcmp(p, &wire, sizeof(wire)));
}

/* ---- precedence ---- */

START_TEST(test_default_only)
{
	struct topology *t = load_text(SITES
		"network:\n"
		"  default: {delay: 2ms, jitter: 100us, loss: 0.5%, rate: 1gbit}\n");
	struct shape_table tab;
	size_t a, b;

	resolve_ok(t, &tab);
	for (a = 0; a < 4; a++) {
		for (b = 0; b < 4; b++) {
			if (a == b)
				ck_wire(P(tab, a, b));
			else
				ck_params(P(tab, a, b), 2000, 100, DIST_NONE,
					  0, 0.5, 0, 1000000000, 0);
			ck_assert(!tab.cut[a * 4 + b]);
		}
	}
	ck_assert_double_eq(resolve_target_rtt_ms(&tab, PARIS, EDGE2), 4.0);
	shape_table_release(&tab);
	topo_free(t);

	/* No network at all: every pair a plain wire. */
	t = load_text(SITES);
	resolve_ok(t, &tab);
	for (a = 0; a < 16; a++)
		ck_wire(&tab.p[a]);
	shape_table_release(&tab);
	topo_free(t);
}
END_TEST

/* A matrix with asymmetric cells, every site covered. */
#define MATRIX4 "site\tparis\tlyon\tedge-1\tedge-2\n" \
	"paris\t0\t10\t20\t30\n" \
	"lyon\t12\t0\t40\t50\n" \
	"edge-1\t21\t41\t0\t60\n" \
	"edge-2\t33\t52\t62.5\t0\n"

START_TEST(test_matrix_rtt)
{
	struct topology *t;
	struct shape_table tab;

	write_matrix(MATRIX4);
	t = load_text(SITES
		"network:\n"
		"  default: {delay: 1ms, rate: 1gbit}\n"
		"  matrix: {file: m.tsv, kind: rtt}\n");
	resolve_ok(t, &tab);
	/* mean of 10 and 12 is 11, half each way */
	ck_assert_uint_eq(DELAY(tab, PARIS, LYON), 5500);
	ck_assert_uint_eq(DELAY(tab, LYON, PARIS), 5500);
	ck_assert_double_eq(resolve_target_rtt_ms(&tab, PARIS, LYON), 11.0);
	/* (30 + 33) / 2 / 2 = 15.75 */
	ck_assert_uint_eq(DELAY(tab, PARIS, EDGE2), 15750);
	ck_assert_uint_eq(DELAY(tab, EDGE2, PARIS), 15750);
	/* (60 + 62.5) / 4 = 30.625 */
	ck_assert_uint_eq(DELAY(tab, EDGE1, EDGE2), 30625);
	ck_assert_double_eq(resolve_target_rtt_ms(&tab, EDGE2, EDGE1), 61.25);
	/* the matrix sets the delay only: the default's rate stays */
	ck_assert_uint_eq(P(tab, LYON, EDGE1)->rate_bps, 1000000000);
	ck_wire(P(tab, LYON, LYON));
	shape_table_release(&tab);
	topo_free(t);
}
END_TEST

START_TEST(test_matrix_delay)
{
	struct topology *t;
	struct shape_table tab;

	write_matrix(MATRIX4);
	t = load_text(SITES
		"network:\n"
		"  matrix: {file: m.tsv, kind: delay}\n");
	resolve_ok(t, &tab);
	ck_assert_uint_eq(DELAY(tab, PARIS, LYON), 10000);
	ck_assert_uint_eq(DELAY(tab, LYON, PARIS), 12000);
	ck_assert_uint_eq(DELAY(tab, EDGE2, LYON), 52000);
	ck_assert_uint_eq(DELAY(tab, EDGE2, EDGE1), 62500);
	ck_assert_double_eq(resolve_target_rtt_ms(&tab, PARIS, LYON), 22.0);
	ck_assert_double_eq(resolve_target_rtt_ms(&tab, LYON, PARIS), 22.0);
	ck_assert_uint_eq(P(tab, PARIS, LYON)->rate_bps, 0);
	shape_table_release(&tab);
	topo_free(t);
}
END_TEST

/* Sites the matrix does not cover keep the default's delay. */
START_TEST(test_matrix_uncovered)
{
	struct topology *t;
	struct shape_table tab;

	write_matrix("site\tparis\tlyon\nparis\t0\t10.5\nlyon\t9.5\t0\n");
	t = load_text(SITES
		"network:\n"
		"  default: {delay: 3ms, loss: 1%}\n"
		"  matrix: {file: m.tsv, kind: rtt}\n");
	ck_assert(isnan(t->matrix->ms[PARIS * 4 + EDGE1]));
	resolve_ok(t, &tab);
	ck_params(P(tab, PARIS, LYON), 5000, 0, DIST_NONE, 0, 1, 0, 0, 0);
	ck_params(P(tab, LYON, PARIS), 5000, 0, DIST_NONE, 0, 1, 0, 0, 0);
	ck_assert_uint_eq(DELAY(tab, PARIS, EDGE1), 3000);
	ck_assert_uint_eq(DELAY(tab, EDGE1, PARIS), 3000);
	ck_assert_uint_eq(DELAY(tab, EDGE1, EDGE2), 3000);
	ck_assert_uint_eq(DELAY(tab, LYON, EDGE2), 3000);
	shape_table_release(&tab);
	topo_free(t);

	/* the same with kind delay */
	t = load_text(SITES
		"network:\n"
		"  default: {delay: 3ms}\n"
		"  matrix: {file: m.tsv, kind: delay}\n");
	resolve_ok(t, &tab);
	ck_assert_uint_eq(DELAY(tab, PARIS, LYON), 10500);
	ck_assert_uint_eq(DELAY(tab, LYON, PARIS), 9500);
	ck_assert_uint_eq(DELAY(tab, EDGE2, LYON), 3000);
	shape_table_release(&tab);
	topo_free(t);
}
END_TEST

/* Rules override the matrix, and later rules override earlier ones, one
 * field at a time. */
START_TEST(test_rules_field_by_field)
{
	struct topology *t;
	struct shape_table tab;

	write_matrix("site\tparis\tlyon\nparis\t0\t10\nlyon\t10\t0\n");
	t = load_text(SITES
		"network:\n"
		"  default: {delay: 1ms, rate: 1gbit, queue: 100}\n"
		"  matrix: {file: m.tsv, kind: rtt}\n"
		"  constraints:\n"
		"    - {src: paris, dst: lyon, delay: 7ms, loss: 1%, rate: 10mbit}\n"
		"    - {src: paris, dst: lyon, loss: 2%}\n"
		"    - {src: lyon, dst: paris, jitter: 1ms, symmetric: false}\n"
		"    - {src: \"*\", dst: \"*\", queue: 50}\n"
		"    - {src: edge-1, dst: edge-2, queue: 60}\n");
	resolve_ok(t, &tab);
	ck_params(P(tab, PARIS, LYON), 7000, 0, DIST_NONE, 0, 2, 0, 10000000,
		  50);
	ck_params(P(tab, LYON, PARIS), 7000, 1000, DIST_NONE, 0, 2, 0,
		  10000000, 50);
	/* untouched by the paris-lyon rules: default, then the * rule */
	ck_params(P(tab, PARIS, EDGE1), 1000, 0, DIST_NONE, 0, 0, 0,
		  1000000000, 50);
	ck_params(P(tab, EDGE2, EDGE1), 1000, 0, DIST_NONE, 0, 0, 0,
		  1000000000, 60);
	ck_wire(P(tab, PARIS, PARIS));
	shape_table_release(&tab);
	topo_free(t);

	/* The order matters: the same two rules the other way round. */
	t = load_text(SITES
		"network:\n"
		"  constraints:\n"
		"    - {src: paris, dst: lyon, loss: 2%}\n"
		"    - {src: paris, dst: lyon, delay: 7ms, loss: 1%}\n");
	resolve_ok(t, &tab);
	ck_assert_double_eq(P(tab, PARIS, LYON)->loss_pct, 1);
	ck_assert_uint_eq(DELAY(tab, PARIS, LYON), 7000);
	shape_table_release(&tab);
	topo_free(t);
}
END_TEST

START_TEST(test_symmetric)
{
	struct topology *t = load_text(SITES
		"network:\n"
		"  default: {delay: 1ms}\n"
		"  constraints:\n"
		"    - {src: paris, dst: lyon, delay: 5ms, symmetric: false}\n"
		"    - {src: edge-1, dst: edge-2, delay: 9ms, symmetric: true}\n"
		"    - {src: edge-2, dst: paris, delay: 4ms}\n");
	struct shape_table tab;

	resolve_ok(t, &tab);
	ck_assert_uint_eq(DELAY(tab, PARIS, LYON), 5000);
	ck_assert_uint_eq(DELAY(tab, LYON, PARIS), 1000);
	ck_assert_double_eq(resolve_target_rtt_ms(&tab, PARIS, LYON), 6.0);
	ck_assert_uint_eq(DELAY(tab, EDGE1, EDGE2), 9000);
	ck_assert_uint_eq(DELAY(tab, EDGE2, EDGE1), 9000);
	/* symmetric is the default */
	ck_assert_uint_eq(DELAY(tab, EDGE2, PARIS), 4000);
	ck_assert_uint_eq(DELAY(tab, PARIS, EDGE2), 4000);
	ck_assert_uint_eq(DELAY(tab, PARIS, EDGE1), 1000);
	shape_table_release(&tab);
	topo_free(t);
}
END_TEST

START_TEST(test_selectors)
{
	struct topology *t = load_text(SITES
		"network:\n"
		"  default: {delay: 1ms}\n"
		"  constraints:\n"
		"    - {src: \"*\", dst: \"*\", loss: 1%}\n"
		"    - {src: \"role:edge\", dst: \"role:central\", delay: 30ms, symmetric: false}\n"
		"    - {src: edge, dst: lyon, rate: 5mbit}\n"
		"    - {src: edge, dst: edge, jitter: 2ms}\n"
		"    - {src: \"role:regional\", dst: \"*\", queue: 7, symmetric: false}\n");
	struct shape_table tab;
	size_t a, b;

	resolve_ok(t, &tab);
	for (a = 0; a < 4; a++)
		for (b = 0; b < 4; b++)
			ck_assert_double_eq(P(tab, a, b)->loss_pct,
					    a == b ? 0 : 1);
	/* role:edge -> role:central, one way */
	ck_assert_uint_eq(DELAY(tab, EDGE1, PARIS), 30000);
	ck_assert_uint_eq(DELAY(tab, EDGE2, PARIS), 30000);
	ck_assert_uint_eq(DELAY(tab, PARIS, EDGE1), 1000);
	ck_assert_uint_eq(DELAY(tab, LYON, PARIS), 1000);
	/* the base name selects both replicas, both ways */
	ck_assert_uint_eq(P(tab, EDGE1, LYON)->rate_bps, 5000000);
	ck_assert_uint_eq(P(tab, LYON, EDGE2)->rate_bps, 5000000);
	ck_assert_uint_eq(P(tab, EDGE1, EDGE2)->rate_bps, 0);
	ck_assert_uint_eq(P(tab, PARIS, LYON)->rate_bps, 0);
	/* edge to edge: between the replicas, never a site to itself */
	ck_assert_uint_eq(P(tab, EDGE1, EDGE2)->jitter_us, 2000);
	ck_assert_uint_eq(P(tab, EDGE2, EDGE1)->jitter_us, 2000);
	ck_wire(P(tab, EDGE1, EDGE1));
	ck_assert_uint_eq(P(tab, EDGE1, LYON)->jitter_us, 0);
	/* role:regional -> *, one way */
	ck_assert_uint_eq(P(tab, LYON, PARIS)->queue_pkts, 7);
	ck_assert_uint_eq(P(tab, LYON, EDGE2)->queue_pkts, 7);
	ck_assert_uint_eq(P(tab, PARIS, LYON)->queue_pkts, 0);
	ck_assert_uint_eq(P(tab, LYON, LYON)->queue_pkts, 0);
	shape_table_release(&tab);
	topo_free(t);
}
END_TEST

START_TEST(test_rtt_and_delay_in_rules)
{
	struct topology *t = load_text(SITES
		"network:\n"
		"  default: {rtt: 4ms}\n"
		"  constraints:\n"
		"    - {src: paris, dst: lyon, rtt: 30ms}\n"
		"    - {src: paris, dst: edge-1, delay: 30ms}\n"
		"    - {src: edge-2, dst: lyon, rtt: 30ms, symmetric: false}\n");
	struct shape_table tab;

	resolve_ok(t, &tab);
	ck_assert_uint_eq(DELAY(tab, EDGE1, EDGE2), 2000);
	ck_assert_uint_eq(DELAY(tab, PARIS, LYON), 15000);
	ck_assert_uint_eq(DELAY(tab, LYON, PARIS), 15000);
	ck_assert_double_eq(resolve_target_rtt_ms(&tab, PARIS, LYON), 30.0);
	ck_assert_uint_eq(DELAY(tab, PARIS, EDGE1), 30000);
	ck_assert_uint_eq(DELAY(tab, EDGE1, PARIS), 30000);
	ck_assert_double_eq(resolve_target_rtt_ms(&tab, EDGE1, PARIS), 60.0);
	/* an rtt rule one way sets only that direction's half */
	ck_assert_uint_eq(DELAY(tab, EDGE2, LYON), 15000);
	ck_assert_uint_eq(DELAY(tab, LYON, EDGE2), 2000);
	ck_assert_double_eq(resolve_target_rtt_ms(&tab, LYON, EDGE2), 17.0);
	shape_table_release(&tab);
	topo_free(t);
}
END_TEST

/* distribution, correlation, loss_burst and queue, in every kind of
 * block, field by field like the others. */
START_TEST(test_shaping_fields)
{
	struct topology *t = load_path("tests/fixtures/good/shaping-fields.yaml");
	struct shape_table tab;
	struct link_params lan = { 0 };
	bool *changed;
	size_t i;

	resolve_ok(t, &tab);
	ck_params(P(tab, PARIS, LYON), 1000, 1000, DIST_PARETO, 0, 0.01, 1,
		  1000000000, 1000);
	ck_params(P(tab, LYON, PARIS), 1000, 1000, DIST_PARETO, 0, 0.01, 1,
		  1000000000, 1000);
	ck_params(P(tab, EDGE1, PARIS), 20000, 4000, DIST_PARETONORMAL, 25, 2,
		  4, 50000000, 200);
	ck_params(P(tab, PARIS, EDGE1), 20000, 4000, DIST_PARETONORMAL, 25,
		  0.01, 1, 50000000, 200);
	ck_params(P(tab, EDGE2, EDGE1), 20000, 4000, DIST_PARETONORMAL, 25,
		  0.01, 1, 50000000, 200);
	ck_params(P(tab, LYON, EDGE2), 20000, 4000, DIST_PARETONORMAL, 25,
		  0.01, 1, 50000000, 200);

	constraint_apply(&t->sites[PARIS].lan, &lan);
	ck_params(&lan, 50, 10, DIST_NORMAL, 10, 0, 0, 10000000000ull, 5000);

	/* set fault: edge-1 <-> paris, symmetric, field by field */
	changed = calloc(16, sizeof(*changed));
	ck_assert_ptr_nonnull(changed);
	ck_assert_int_eq(resolve_fault_set(t, &t->faults[0], &tab, changed),
			 0);
	for (i = 0; i < 16; i++)
		ck_assert_int_eq(changed[i], i == EDGE1 * 4 + PARIS ||
					     i == PARIS * 4 + EDGE1);
	ck_params(P(tab, EDGE1, PARIS), 20000, 4000, DIST_PARETONORMAL, 25,
		  10, 2.5, 50000000, 50);
	ck_params(P(tab, PARIS, EDGE1), 20000, 4000, DIST_PARETONORMAL, 25,
		  10, 2.5, 50000000, 50);
	ck_assert_uint_eq(P(tab, EDGE2, PARIS)->queue_pkts, 200);

	/* lyon -> *: every pair with lyon, both ways */
	memset(changed, 0, 16 * sizeof(*changed));
	ck_assert_int_eq(resolve_fault_set(t, &t->faults[1], &tab, changed),
			 0);
	for (i = 0; i < 16; i++)
		ck_assert_int_eq(changed[i], i / 4 != i % 4 &&
					     (i / 4 == LYON || i % 4 == LYON));
	ck_params(P(tab, LYON, EDGE2), 20000, 8000, DIST_NORMAL, 100, 0.01, 1,
		  50000000, 200);
	ck_params(P(tab, PARIS, LYON), 1000, 8000, DIST_NORMAL, 100, 0.01, 1,
		  1000000000, 1000);
	ck_assert_int_eq(P(tab, PARIS, EDGE2)->dist, DIST_PARETONORMAL);
	free(changed);
	shape_table_release(&tab);
	topo_free(t);
}
END_TEST

START_TEST(test_fault_set_refused)
{
	struct topology *t = load_path("tests/fixtures/good/full-example.yaml");
	struct shape_table tab, small;

	resolve_ok(t, &tab);
	ck_assert_int_eq(t->faults[0].action, FAULT_PARTITION);
	ck_assert_int_eq(resolve_fault_set(t, &t->faults[0], &tab, NULL),
			 -EINVAL);
	ck_assert_int_eq(shape_table_init(&small, 2), 0);
	ck_assert_int_eq(t->faults[1].action, FAULT_SET);
	ck_assert_int_eq(resolve_fault_set(t, &t->faults[1], &small, NULL),
			 -EINVAL);
	ck_wire(&small.p[1]);
	shape_table_release(&small);
	shape_table_release(&tab);
	topo_free(t);
}
END_TEST

/* ---- the example topologies ---- */

/* Every pair's target RTT is the mean of its two measured cells. */
START_TEST(test_world17)
{
	struct topology *t = load_path("topologies/world17.yaml");
	const struct matrix *m = t->matrix;
	struct shape_table tab;
	size_t a, b;

	resolve_ok(t, &tab);
	ck_assert_uint_eq(tab.n, 17);
	for (a = 0; a < 17; a++) {
		for (b = 0; b < 17; b++) {
			double mean = (m->ms[a * 17 + b] + m->ms[b * 17 + a]) / 2;

			if (a == b) {
				ck_wire(P(tab, a, b));
				continue;
			}
			ck_assert_msg(fabs(resolve_target_rtt_ms(&tab, a, b) -
					   mean) < 0.0011,
				      "%s -> %s: %g, expected %g",
				      t->sites[a].name, t->sites[b].name,
				      resolve_target_rtt_ms(&tab, a, b), mean);
			ck_assert_uint_eq(DELAY(tab, a, b), DELAY(tab, b, a));
			ck_assert_uint_eq(P(tab, a, b)->rate_bps, 1000000000);
		}
	}
	/* dallas <-> san-jose: cells 35 and 36 */
	ck_assert_uint_eq(DELAY(tab, 0, 1), 17750);
	ck_assert_double_eq(resolve_target_rtt_ms(&tab, 1, 0), 35.5);
	shape_table_release(&tab);
	topo_free(t);
}
END_TEST

/* The schema issue's example: paris 0, lyon 1, edge-1 2, edge-2 3. */
START_TEST(test_full_example)
{
	struct topology *t = load_path("tests/fixtures/good/full-example.yaml");
	struct shape_table tab;

	resolve_ok(t, &tab);
	/* matrix paris/lyon RTT (10.5 + 9.5) / 2 = 10, then the rule
	 * "paris -> lyon delay 5ms" (symmetric by default) */
	ck_params(P(tab, PARIS, LYON), 5000, 0, DIST_NONE, 0, 0, 0,
		  10000000000ull, 0);
	ck_params(P(tab, LYON, PARIS), 5000, 0, DIST_NONE, 0, 0, 0,
		  10000000000ull, 0);
	/* role:edge <-> role:central: rtt 50ms, jitter, loss, rate */
	ck_params(P(tab, EDGE1, PARIS), 25000, 2000, DIST_NONE, 0, 0.1, 0,
		  100000000, 0);
	ck_params(P(tab, PARIS, EDGE2), 25000, 2000, DIST_NONE, 0, 0.1, 0,
		  100000000, 0);
	ck_assert_double_eq(resolve_target_rtt_ms(&tab, EDGE2, PARIS), 50.0);
	/* not covered by the matrix nor a rule: the default */
	ck_params(P(tab, EDGE1, EDGE2), 0, 0, DIST_NONE, 0, 0, 0,
		  10000000000ull, 0);
	ck_params(P(tab, LYON, EDGE1), 0, 0, DIST_NONE, 0, 0, 0,
		  10000000000ull, 0);
	/* the fault at 60s: paris -> lyon loss 5%, keeping the delay */
	ck_assert_int_eq(resolve_fault_set(t, &t->faults[1], &tab, NULL), 0);
	ck_params(P(tab, PARIS, LYON), 5000, 0, DIST_NONE, 0, 5, 0,
		  10000000000ull, 0);
	ck_params(P(tab, LYON, PARIS), 5000, 0, DIST_NONE, 0, 5, 0,
		  10000000000ull, 0);
	ck_assert_double_eq(P(tab, EDGE1, PARIS)->loss_pct, 0.1);
	shape_table_release(&tab);
	topo_free(t);
}
END_TEST

/* ---- enos check --pairs ---- */

START_TEST(test_check_pairs_text)
{
	char *out = NULL;
	int rc = tu_enos(&out, tc.db, "check", "topologies/etcd.yaml",
			 "--pairs", NULL);

	ck_assert_msg(rc == 0, "%s", out);
	ck_assert_msg(tu_contains(out, "topology 'etcd' (topologies/etcd.yaml) is valid\n"),
		      "%s", out);
	ck_assert_msg(tu_contains(out, "site pairs: 12 ordered"), "%s", out);
	ck_assert_msg(tu_contains(out,
		"  SRC      DST      DELAY      JITTER     DIST         CORR  LOSS     BURST  RATE     QUEUE   RTT\n"),
		"%s", out);
	ck_assert_msg(tu_contains(out,
		"  central  regional 20ms       0ms        -            -     0%       -      1gbit    -       40ms\n"),
		"%s", out);
	ck_assert_msg(tu_contains(out,
		"  edge-1   central  25ms       1ms        -            -     0%       -      100mbit  -       50ms\n"),
		"%s", out);
	ck_assert_msg(tu_contains(out,
		"  edge-2   edge-1   10ms       0ms        -            -     0%       -      1gbit    -       20ms\n"),
		"%s", out);
	ck_assert_msg(tu_contains(out,
		"  regional edge-2   5ms        0ms        -            -     0%       -      100mbit  -       10ms\n"),
		"%s", out);
	/* the plan and the host are left out */
	ck_assert(!tu_contains(out, "address plan"));
	ck_assert(!tu_contains(out, "host (kernel"));
	free(out);

	/* options before the topology work as well */
	rc = tu_enos(&out, tc.db, "check", "--pairs",
		     "tests/fixtures/good/shaping-fields.yaml", NULL);
	ck_assert_msg(rc == 0, "%s", out);
	ck_assert_msg(tu_contains(out,
		"  edge-1 paris  20ms       4ms        paretonormal 25%   2%       4      50mbit   200     40ms\n"),
		"%s", out);
	ck_assert_msg(tu_contains(out,
		"  paris  lyon   1ms        1ms        pareto       -     0.01%    1      1gbit    1000    2ms\n"),
		"%s", out);
	free(out);
}
END_TEST

START_TEST(test_check_pairs_json)
{
	char *out = NULL;
	int rc = tu_enos(&out, tc.db, "check", "topologies/etcd.yaml",
			 "--pairs", "--json", NULL);

	ck_assert_msg(rc == 0, "%s", out);
	ck_assert_msg(out[0] == '{', "%s", out);
	ck_assert_msg(tu_contains(out, "\"name\":\"etcd\""), "%s", out);
	ck_assert_msg(tu_contains(out, "\"pairs\":[{\"src\":\"central\",\"dst\":\"regional\",\"delay_ms\":20,\"jitter_ms\":0,\"distribution\":null,\"correlation_pct\":0,\"loss_pct\":0,\"loss_burst\":0,\"rate_bps\":1000000000,\"queue\":0,\"target_rtt_ms\":40,\"trace\":null}"),
		      "%s", out);
	ck_assert_msg(tu_contains(out, "{\"src\":\"edge-1\",\"dst\":\"central\",\"delay_ms\":25,\"jitter_ms\":1,\"distribution\":null,\"correlation_pct\":0,\"loss_pct\":0,\"loss_burst\":0,\"rate_bps\":100000000,\"queue\":0,\"target_rtt_ms\":50,\"trace\":null}"),
		      "%s", out);
	ck_assert_msg(tu_contains(out, "{\"src\":\"edge-2\",\"dst\":\"edge-1\",\"delay_ms\":10,\"jitter_ms\":0,\"distribution\":null,\"correlation_pct\":0,\"loss_pct\":0,\"loss_burst\":0,\"rate_bps\":1000000000,\"queue\":0,\"target_rtt_ms\":20,\"trace\":null}]}"),
		      "%s", out);
	ck_assert(tu_contains(out, "\"capabilities\":{"));
	free(out);

	rc = tu_enos(&out, tc.db, "check", "--json",
		     "tests/fixtures/good/shaping-fields.yaml", "--pairs", NULL);
	ck_assert_msg(rc == 0, "%s", out);
	ck_assert_msg(tu_contains(out, "{\"src\":\"edge-1\",\"dst\":\"paris\",\"delay_ms\":20,\"jitter_ms\":4,\"distribution\":\"paretonormal\",\"correlation_pct\":25,\"loss_pct\":2,\"loss_burst\":4,\"rate_bps\":50000000,\"queue\":200,\"target_rtt_ms\":40,\"trace\":null}"),
		      "%s", out);
	free(out);

	/* without --pairs, no "pairs" */
	rc = tu_enos(&out, tc.db, "check", "--json", "topologies/etcd.yaml",
		     NULL);
	ck_assert_int_eq(rc, 0);
	ck_assert(!tu_contains(out, "\"pairs\""));
	free(out);
}
END_TEST

/* A site's lan: resolved from its own block only (rules and the default
 * take no part), into the table's lan, zero for a site without one; the
 * target inside a LAN is twice its one-way delay, and node to node across
 * the WAN adds each side's LAN RTT. */
START_TEST(test_lan)
{
	struct shape_table tab = { 0 };
	struct topology *t = load_text(
		"name: r\n"
		"sites:\n"
		"  - {name: paris, role: central, nodes: 3, lan: {delay: 5ms, loss: 1%, rate: 1gbit}}\n"
		"  - {name: lyon, role: regional, parent: paris}\n"
		"  - {name: edge, role: edge, parent: lyon, count: 2, lan: {rtt: 3ms}}\n"
		"network:\n"
		"  default: {delay: 10ms, loss: 0.5%}\n"
		"  constraints:\n"
		"    - {src: paris, dst: lyon, rtt: 40ms}\n");

	ck_assert_int_eq(resolve_pairs(t, &tab), 0);
	ck_assert_ptr_nonnull(tab.lan);
	ck_assert_uint_eq(tab.lan[PARIS].delay_us, 5000);
	ck_assert_double_eq_tol(tab.lan[PARIS].loss_pct, 1.0, 1e-9);
	ck_assert_uint_eq(tab.lan[PARIS].rate_bps, 1000000000ull);
	/* No lan: a plain switch, whatever the default says. */
	ck_assert_uint_eq(tab.lan[LYON].delay_us, 0);
	ck_assert_double_eq_tol(tab.lan[LYON].loss_pct, 0.0, 1e-9);
	/* Counted: every replica; rtt is twice the one-way delay. */
	ck_assert_uint_eq(tab.lan[EDGE1].delay_us, 1500);
	ck_assert_uint_eq(tab.lan[EDGE2].delay_us, 1500);
	ck_assert_double_eq_tol(resolve_lan_rtt_ms(&tab, PARIS), 10.0, 1e-9);
	ck_assert_double_eq_tol(resolve_lan_rtt_ms(&tab, LYON), 0.0, 1e-9);
	ck_assert_double_eq_tol(resolve_node_rtt_ms(&tab, PARIS, PARIS), 10.0,
				1e-9);
	/* paris <-> lyon: 40 ms of WAN, 10 ms of paris's LAN. */
	ck_assert_double_eq_tol(resolve_node_rtt_ms(&tab, PARIS, LYON), 50.0,
				1e-9);
	ck_assert_double_eq_tol(resolve_node_rtt_ms(&tab, LYON, PARIS), 50.0,
				1e-9);
	/* edge-1 -> paris: 20 ms of WAN, 3 + 10 ms of LANs. */
	ck_assert_double_eq_tol(resolve_node_rtt_ms(&tab, EDGE1, PARIS), 33.0,
				1e-9);
	/* The WAN pair's own target is unchanged by the lans. */
	ck_assert_double_eq_tol(resolve_target_rtt_ms(&tab, EDGE1, PARIS),
				20.0, 1e-9);
	shape_table_release(&tab);
	ck_assert_ptr_null(tab.lan);
	topo_free(t);
}
END_TEST

/* plan_lan: the sites whose lan the backend shapes are the sites with a
 * lan, for netem and wand; only wand's engine is their switch (their
 * ports off the bridge); none shapes none (its topologies are refused at
 * load). */
START_TEST(test_plan_lan)
{
	struct topology *t = load_text(
		"name: r\n"
		"sites:\n"
		"  - {name: paris, role: central, nodes: 3, lan: {delay: 5ms}}\n"
		"  - {name: lyon, role: regional, parent: paris}\n"
		"  - {name: edge, role: edge, parent: lyon, count: 2, lan: {rtt: 3ms}}\n");
	const struct shape_ops *ops;
	struct world w = { 0 };
	size_t i;

	ck_assert_int_eq(plan_world(t, "eplan", &w), 0);
	for (i = 0; i < w.n_sites; i++)
		ck_assert(!w.sites[i].lan_shaped);
	plan_lan(t, &shape_wand_ops, &w);
	ck_assert(w.sites[PARIS].lan_shaped && w.sites[PARIS].lan_engine);
	ck_assert(!w.sites[LYON].lan_shaped && !w.sites[LYON].lan_engine);
	ck_assert(w.sites[EDGE1].lan_shaped && w.sites[EDGE1].lan_engine);
	ck_assert(w.sites[EDGE2].lan_shaped);
	plan_lan(t, &shape_netem_ops, &w);
	ck_assert(w.sites[PARIS].lan_shaped && !w.sites[PARIS].lan_engine);
	ck_assert(!w.sites[LYON].lan_shaped);
	/* Every backend that says it cannot shape a lan shapes none. */
	for (i = 0; (ops = shape_ops_at(i)); i++) {
		size_t k;

		plan_lan(t, ops, &w);
		for (k = 0; k < w.n_sites; k++)
			ck_assert(w.sites[k].lan_shaped ==
				  (ops->lan && t->sites[k].has_lan) &&
				  w.sites[k].lan_engine ==
				  (ops->lan_engine && t->sites[k].has_lan));
	}
	ck_assert(shape_wand_ops.lan && shape_wand_ops.lan_engine);
	ck_assert(shape_netem_ops.lan && !shape_netem_ops.lan_engine);
	ck_assert(!shape_none_ops.lan && !shape_none_ops.lan_engine);
	plan_release(&w);
	topo_free(t);
}
END_TEST

Suite *make_resolve_suite(void)
{
	Suite *s = suite_create("resolve");
	TCase *prec = tcase_create("precedence");
	TCase *topos = tcase_create("topologies");
	TCase *cli = tcase_create("check-pairs");

	tcase_add_checked_fixture(prec, case_setup, case_teardown);
	tcase_add_test(prec, test_default_only);
	tcase_add_test(prec, test_matrix_rtt);
	tcase_add_test(prec, test_matrix_delay);
	tcase_add_test(prec, test_matrix_uncovered);
	tcase_add_test(prec, test_rules_field_by_field);
	tcase_add_test(prec, test_symmetric);
	tcase_add_test(prec, test_selectors);
	tcase_add_test(prec, test_rtt_and_delay_in_rules);
	tcase_add_test(prec, test_shaping_fields);
	tcase_add_test(prec, test_fault_set_refused);
	tcase_add_test(prec, test_lan);
	tcase_add_test(prec, test_plan_lan);
	suite_add_tcase(s, prec);

	tcase_add_test(topos, test_world17);
	tcase_add_test(topos, test_full_example);
	suite_add_tcase(s, topos);

	tcase_add_checked_fixture(cli, case_setup, case_teardown);
	tcase_add_test(cli, test_check_pairs_text);
	tcase_add_test(cli, test_check_pairs_json);
	suite_add_tcase(s, cli);
	return s;
}
