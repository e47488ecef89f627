/* test_results — what a researcher reads after a workload (issue 11):
 * summaries of known operations against figures computed by hand
 * (enos/results.c), their storage and recomputation, `enos results` and
 * its JSON object through the binary, the report's extraction of a run
 * with operations, faults and traffic built through the state API
 * (enos/report_data.c, reports/workload.c), and the HTML report's
 * workload sections with hostile names (reports/html.c, reports/plot.c).
 * No root needed; the cases that draw figures need gnuplot and are
 * skipped, saying so, without it.
 */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "enos/report_data.h"
#include "enos/results.h"
#include "enos/state.h"
#include "reports/html.h"
#include "reports/plot.h"
#include "reports/workload.h"
#include "tests/suites.h"
#include "tests/testutil.h"
#include "util/fs.h"

#define EPS 1e-9

static struct tu_case tc;

static void case_setup(void)
{
	ck_assert_int_eq(tu_case_setup(&tc, "results"), 0);
}

static void case_teardown(void)
{
	tu_rmtree(tc.dir);
}

static struct state *open_db(void)
{
	struct state *st = NULL;
	char *err = NULL;

	ck_assert_msg(state_open(tc.db, &st, &err) == 0, "%s", err ? err : "");
	return st;
}

/* An operation as a test writes it: ok when ERROR is NULL. */
static struct wlop_row op(const char *wl, const char *name, const char *site,
			  double start, double ms, const char *error)
{
	struct wlop_row r = {
		.workload = wl, .op = name, .site = site, .node = site,
		.start = start, .duration_ms = ms, .ok = error == NULL,
		.error = error, .value = NAN, .rtt_ms = NAN, .loss_pct = NAN,
	};

	return r;
}

static const struct wl_summary_row *find_sum(const struct wl_summary_row *v,
					     size_t n, const char *wl,
					     const char *name, const char *site)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!strcmp(v[i].workload, wl) && !strcmp(v[i].op, name) &&
		    !strcmp(v[i].site, site))
			return &v[i];
	ck_abort_msg("no summary %s %s %s", wl, name, site);
	return NULL;
}

static void assert_near(double got, double want, const char *what)
{
	ck_assert_msg(fabs(got - want) < 1e-6, "%s: %.9g, want %.9g", what, got,
		      want);
}

/* The operations the summary cases use, in no particular order:
 *   kv put at edge-a: 4, 1, 3, 2 ms ok, one failed after 100 ms
 *   kv put at edge-b: 20, 10 ms ok
 *   kv get at edge-a: two failed
 *   kv get without a site: 5 ms ok */
static const struct wlop_row *known_ops(size_t *n)
{
	static struct wlop_row v[10];

	v[0] = op("kv", "put", "edge-a", 10.0, 4, NULL);
	v[1] = op("kv", "put", "edge-b", 10.1, 20, NULL);
	v[2] = op("kv", "put", "edge-a", 10.2, 1, NULL);
	v[3] = op("kv", "get", "edge-a", 10.3, 7, "refused");
	v[4] = op("kv", "put", "edge-a", 10.4, 100, "timeout");
	v[5] = op("kv", "put", "edge-a", 10.5, 3, NULL);
	v[6] = op("kv", "put", "edge-b", 10.6, 10, NULL);
	v[7] = op("kv", "get", "edge-a", 10.7, 0, "refused");
	v[8] = op("kv", "put", "edge-a", 10.8, 2, NULL);
	v[9] = op("kv", "get", NULL, 10.9, 5, NULL);
	*n = 10;
	return v;
}

/* Figures computed by hand (type 7 quantiles: h = (n - 1) q, sample
 * standard deviation), the failed operation's 100 ms left out. */
START_TEST(summaries_hand_computed)
{
	struct wl_summary_row *s = NULL;
	const struct wl_summary_row *x;
	size_t n, m = 0;
	const struct wlop_row *ops = known_ops(&n);

	ck_assert_int_eq(results_compute(ops, n, &s, &m), 0);
	/* get: "*", "-", edge-a; put: "*", edge-a, edge-b. */
	ck_assert_uint_eq(m, 6);
	ck_assert_str_eq(s[0].op, "get");
	ck_assert_str_eq(s[0].site, "*");
	ck_assert_str_eq(s[3].op, "put");
	ck_assert_str_eq(s[3].site, "*");

	/* put at edge-a: 1 2 3 4 -> p50 = 2 + 0.5 * 1, p90: h = 2.7 -> 3.7,
	 * p99: h = 2.97 -> 3.97; mean 2.5; var = (2.25 + 0.25) * 2 / 3. */
	x = find_sum(s, m, "kv", "put", "edge-a");
	ck_assert_uint_eq(x->count, 5);
	ck_assert_uint_eq(x->failures, 1);
	assert_near(x->min_ms, 1, "min");
	assert_near(x->max_ms, 4, "max");
	assert_near(x->p50_ms, 2.5, "p50");
	assert_near(x->p90_ms, 3.7, "p90");
	assert_near(x->p99_ms, 3.97, "p99");
	assert_near(x->mean_ms, 2.5, "mean");
	assert_near(x->stddev_ms, sqrt(5.0 / 3.0), "stddev");

	/* put at edge-b: 10 20 -> p90 = 10 + 0.9 * 10. */
	x = find_sum(s, m, "kv", "put", "edge-b");
	ck_assert_uint_eq(x->count, 2);
	ck_assert_uint_eq(x->failures, 0);
	assert_near(x->p50_ms, 15, "p50");
	assert_near(x->p90_ms, 19, "p90");
	assert_near(x->p99_ms, 19.9, "p99");
	assert_near(x->stddev_ms, sqrt(50), "stddev");

	/* put over every site: 1 2 3 4 10 20; p50: h = 2.5 -> 3.5; p90:
	 * h = 4.5 -> 15; p99: h = 4.95 -> 19.5; mean 40 / 6; squared
	 * deviations sum to 263 1/3, over 5. */
	x = find_sum(s, m, "kv", "put", "*");
	ck_assert_uint_eq(x->count, 7);
	ck_assert_uint_eq(x->failures, 1);
	assert_near(x->p50_ms, 3.5, "p50");
	assert_near(x->p90_ms, 15, "p90");
	assert_near(x->p99_ms, 19.5, "p99");
	assert_near(x->mean_ms, 40.0 / 6.0, "mean");
	assert_near(x->stddev_ms, sqrt((790.0 / 3.0) / 5.0), "stddev");

	/* get at edge-a: nothing succeeded, no latency. */
	x = find_sum(s, m, "kv", "get", "edge-a");
	ck_assert_uint_eq(x->count, 2);
	ck_assert_uint_eq(x->failures, 2);
	ck_assert(isnan(x->p50_ms) && isnan(x->mean_ms) && isnan(x->min_ms));

	/* get without a site: under "-"; one value, no stddev. */
	x = find_sum(s, m, "kv", "get", "-");
	ck_assert_uint_eq(x->count, 1);
	assert_near(x->p99_ms, 5, "p99");
	ck_assert(isnan(x->stddev_ms));
	x = find_sum(s, m, "kv", "get", "*");
	ck_assert_uint_eq(x->count, 3);
	ck_assert_uint_eq(x->failures, 2);
	assert_near(x->p50_ms, 5, "p50");
	free(s);

	/* Nothing to summarize is not an error. */
	ck_assert_int_eq(results_compute(NULL, 0, &s, &m), 0);
	ck_assert_uint_eq(m, 0);
	free(s);
}
END_TEST

START_TEST(summaries_of_odd_records)
{
	struct wl_summary_row *s = NULL;
	struct wlop_row v[2];
	char longname[80];
	size_t m = 7;

	memset(longname, 'x', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	v[0] = op("kv", longname, "a", 1, 1, NULL);
	ck_assert_int_eq(results_compute(v, 1, &s, &m), -ENAMETOOLONG);
	ck_assert_ptr_null(s);
	ck_assert_uint_eq(m, 0);
	/* A successful operation without a finite duration (not written by
	 * enos): counted, no latency. */
	v[0] = op("kv", "put", "a", 1, INFINITY, NULL);
	v[1] = op("kv", "put", "a", 2, 1, NULL);
	ck_assert_int_eq(results_compute(v, 2, &s, &m), 0);
	ck_assert_uint_eq(m, 2);
	ck_assert_uint_eq(s[0].count, 2);
	ck_assert_uint_eq(s[0].failures, 0);
	assert_near(s[0].max_ms, 1, "max");
	free(s);
}
END_TEST

/* Throughput's bit/s summarized like latencies; failed operations and
 * those without a value left out. */
START_TEST(values_summarized)
{
	struct results_value *v = NULL;
	struct wlop_row r[6];
	size_t m = 0, i;
	static const double bps[] = { 300, 100, 50, 200, 400, NAN };

	for (i = 0; i < 6; i++) {
		r[i] = op("tp", "iperf3", i < 4 ? "a" : "b", (double)i, 10000,
			  i == 2 ? "refused" : NULL);
		r[i].value = bps[i];
		r[i].unit = "bit/s";
	}
	r[5].unit = NULL;
	ck_assert_int_eq(results_compute_values(r, 6, &v, &m), 0);
	ck_assert_uint_eq(m, 3);
	ck_assert_str_eq(v[0].site, "*");
	ck_assert_str_eq(v[0].unit, "bit/s");
	ck_assert_uint_eq(v[0].s.n, 4);
	/* 100 200 300 400: p50 = 250, p90: h = 2.7 -> 370. */
	assert_near(v[0].s.p50, 250, "p50");
	assert_near(v[0].s.p90, 370, "p90");
	ck_assert_str_eq(v[1].site, "a");
	ck_assert_uint_eq(v[1].s.n, 3);
	assert_near(v[1].s.mean, 200, "mean");
	ck_assert_str_eq(v[2].site, "b");
	ck_assert_uint_eq(v[2].s.n, 1);
	free(v);
}
END_TEST

/* A run of experiment EXP with the known operations stored. */
static int64_t store_known(struct state *st, const char *exp)
{
	const struct wlop_row *ops;
	int64_t run;
	size_t n, i;

	ck_assert_int_eq(state_run_begin(st, exp, "bench", 42, true, &run), 0);
	ops = known_ops(&n);
	ck_assert_int_eq(state_wlop_batch_begin(st), 0);
	for (i = 0; i < n; i++)
		ck_assert_int_eq(state_wlop_add(st, run, &ops[i]), 0);
	ck_assert_int_eq(state_wlop_batch_end(st, true), 0);
	return run;
}

/* The end of a bench (results_summarize) and a reader of a run without
 * summaries (results_load) store the same figures; a reader recomputes
 * when they do not count every operation. */
START_TEST(summaries_stored_and_recomputed)
{
	struct state *st = open_db();
	struct wl_summary_row *a = NULL, *b = NULL;
	struct results r;
	struct wlop_row extra;
	size_t na = 0, nb = 0, i;
	int64_t run1, run2, latest = 0;

	run1 = store_known(st, "exp");
	run2 = store_known(st, "exp");
	ck_assert_int_eq(state_wl_run_latest(st, "exp", &latest), 0);
	ck_assert_int_eq(latest, run2);
	ck_assert_int_eq(state_wl_run_latest(st, "other", &latest), -ENOENT);

	/* Run 1 as a bench ends; run 2 as an interrupted one, read later. */
	ck_assert_int_eq(results_summarize(st, run1), 0);
	ck_assert_int_eq(state_wl_summaries(st, run1, &a, &na), 0);
	ck_assert_uint_eq(na, 6);
	ck_assert_int_eq(state_wl_summaries(st, run2, &b, &nb), 0);
	ck_assert_uint_eq(nb, 0);
	free(b);
	ck_assert_int_eq(results_load(st, run2, &r), 0);
	ck_assert(r.computed);
	ck_assert_uint_eq(r.n_ops, 10);
	ck_assert_uint_eq(r.failed, 3);
	ck_assert_uint_eq(r.top, 10);
	ck_assert(r.run.has_seed);
	ck_assert_uint_eq(r.run.seed, 42);
	results_release(&r);
	ck_assert_int_eq(state_wl_summaries(st, run2, &b, &nb), 0);
	ck_assert_uint_eq(nb, na);
	for (i = 0; i < na; i++) {
		ck_assert_str_eq(a[i].op, b[i].op);
		ck_assert_str_eq(a[i].site, b[i].site);
		ck_assert_uint_eq(a[i].count, b[i].count);
		ck_assert(a[i].p50_ms == b[i].p50_ms ||
			  (isnan(a[i].p50_ms) && isnan(b[i].p50_ms)));
		ck_assert(a[i].stddev_ms == b[i].stddev_ms ||
			  (isnan(a[i].stddev_ms) && isnan(b[i].stddev_ms)));
	}
	free(b);

	/* Read again: as stored. */
	ck_assert_int_eq(results_load(st, run2, &r), 0);
	ck_assert(!r.computed);
	ck_assert_uint_eq(r.n_sums, na);
	results_release(&r);

	/* One more operation: the stored ones are stale, recomputed. */
	extra = op("kv", "put", "edge-b", 11, 30, NULL);
	ck_assert_int_eq(state_wlop_add(st, run1, &extra), 0);
	ck_assert_int_eq(results_load(st, run1, &r), 0);
	ck_assert(r.computed);
	ck_assert_uint_eq(find_sum(r.sums, r.n_sums, "kv", "put", "edge-b")->count, 3);
	assert_near(find_sum(r.sums, r.n_sums, "kv", "put", "edge-b")->p50_ms, 20, "p50");
	results_release(&r);

	/* A run without operations: nothing to store, no error. */
	ck_assert_int_eq(state_run_begin(st, "exp", "bench", 0, false, &run1), 0);
	ck_assert_int_eq(results_summarize(st, run1), 0);
	free(a);
	state_close(st);
}
END_TEST

/* `enos results --json`: the documented object, read back by jansson. */
START_TEST(results_json_shape)
{
	struct state *st = open_db();
	struct traffic_row t[3] = {
		{ "edge-a", "central", "etcd", 6, 2379, 10, 9000, 8000 },
		{ "central", "edge-a", "etcd", 6, 2379, 12, 11000, 10000 },
		{ "edge-a", "central", "other", 17, 0, 2, 1000, 900 },
	};
	json_t *root, *run, *sums, *s, *tr, *sv;
	json_error_t jerr;
	char *out = NULL, num[32];
	int64_t id, other;
	size_t i;

	id = store_known(st, "exp");
	for (i = 0; i < 3; i++)
		ck_assert_int_eq(state_traffic_add(st, id, &t[i]), 0);
	ck_assert_int_eq(state_fact_add(st, id, "kernel", "6.1"), 0);
	ck_assert_int_eq(state_run_end(st, id, "ok"), 0);
	other = store_known(st, "exp2");
	state_close(st);

	snprintf(num, sizeof(num), "%lld", (long long)id);
	ck_assert_int_eq(tu_enos(&out, tc.db, "results", "--json", num, NULL), 0);
	root = json_loads(out, 0, &jerr);
	ck_assert_msg(root != NULL, "%s: %s", jerr.text, out);
	ck_assert_int_eq(json_integer_value(json_object_get(root, "format")), 1);
	run = json_object_get(root, "run");
	ck_assert_int_eq(json_integer_value(json_object_get(run, "id")), id);
	ck_assert_str_eq(json_string_value(json_object_get(run, "experiment")), "exp");
	ck_assert_str_eq(json_string_value(json_object_get(run, "kind")), "bench");
	ck_assert_str_eq(json_string_value(json_object_get(run, "outcome")), "ok");
	ck_assert_int_eq(json_integer_value(json_object_get(run, "seed")), 42);
	ck_assert(json_is_integer(json_object_get(run, "started")));
	ck_assert(json_is_integer(json_object_get(run, "ended")));
	ck_assert_str_eq(json_string_value(json_object_get(
		json_object_get(root, "facts"), "kernel")), "6.1");
	ck_assert_int_eq(json_integer_value(json_object_get(root, "operations")), 10);
	ck_assert_int_eq(json_integer_value(json_object_get(root, "failed")), 3);
	ck_assert_str_eq(json_string_value(json_object_get(root, "summaries_source")),
			 "computed");
	sums = json_object_get(root, "summaries");
	ck_assert_uint_eq(json_array_size(sums), 6);
	json_array_foreach(sums, i, s) {
		static const char *const keys[] = { "workload", "op", "atomic",
			"site", "count", "failures", "min_ms", "p50_ms", "p90_ms",
			"p99_ms", "max_ms", "mean_ms", "stddev_ms" };
		size_t k;

		for (k = 0; k < sizeof(keys) / sizeof(keys[0]); k++)
			ck_assert_msg(json_object_get(s, keys[k]), "summary %zu has no %s",
				      i, keys[k]);
		ck_assert(json_is_false(json_object_get(s, "atomic")));
	}
	s = json_array_get(sums, 3);
	ck_assert_str_eq(json_string_value(json_object_get(s, "op")), "put");
	ck_assert_str_eq(json_string_value(json_object_get(s, "site")), "*");
	ck_assert_int_eq(json_integer_value(json_object_get(s, "count")), 7);
	ck_assert(fabs(json_number_value(json_object_get(s, "p50_ms")) - 3.5) < EPS);
	/* No successful get at edge-a: null, not 0. */
	ck_assert(json_is_null(json_object_get(json_array_get(sums, 2), "p50_ms")));
	ck_assert(json_is_array(json_object_get(root, "values")));
	ck_assert_uint_eq(json_array_size(json_object_get(root, "values")), 0);
	tr = json_object_get(root, "traffic");
	ck_assert_int_eq(json_integer_value(json_object_get(tr, "bytes")), 21000);
	ck_assert_int_eq(json_integer_value(json_object_get(tr, "operations")), 10);
	ck_assert(fabs(json_number_value(json_object_get(tr, "bytes_per_op")) - 2100) < EPS);
	ck_assert_str_eq(json_string_value(json_object_get(tr, "dominant")), "etcd");
	sv = json_object_get(tr, "services");
	ck_assert_uint_eq(json_array_size(sv), 2);
	ck_assert(fabs(json_number_value(json_object_get(json_array_get(sv, 0), "share")) -
		       20000.0 / 21000.0) < 1e-5);
	ck_assert_uint_eq(json_array_size(json_object_get(tr, "rows")), 3);
	ck_assert_int_eq(json_integer_value(json_object_get(json_array_get(
		json_object_get(tr, "rows"), 2), "proto")), 17);
	json_decref(root);
	free(out);

	/* Stored now: the second reading says so. */
	ck_assert_int_eq(tu_enos(&out, tc.db, "results", "--json", num, NULL), 0);
	root = json_loads(out, 0, &jerr);
	ck_assert_msg(root != NULL, "%s", out);
	ck_assert_str_eq(json_string_value(json_object_get(root, "summaries_source")),
			 "stored");
	ck_assert(json_is_object(json_object_get(root, "traffic")));
	json_decref(root);
	free(out);

	/* The table; no experiment recorded (as after down): the newest run
	 * of any experiment, which is exp2's, without traffic. */
	ck_assert_int_eq(tu_enos(&out, tc.db, "results", NULL), 0);
	snprintf(num, sizeof(num), "run %lld of 'exp2'", (long long)other);
	ck_assert_msg(tu_contains(out, num), "%s", out);
	ck_assert(tu_contains(out, "CLIENT SITE"));
	ck_assert(!tu_contains(out, "traffic over the WAN"));
	free(out);
	ck_assert_int_eq(tu_enos(&out, tc.db, "results", "-n", "exp", NULL), 0);
	ck_assert_msg(tu_contains(out, "'etcd' dominates (95.2 %)"), "%s", out);
	free(out);
	ck_assert_int_eq(tu_enos(&out, tc.db, "results", "--json", "-n", "exp", NULL), 0);
	root = json_loads(out, 0, &jerr);
	ck_assert_msg(root != NULL, "%s", out);
	ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(root, "run"),
							    "id")), id);
	json_decref(root);
	free(out);

	/* Errors: a run of another experiment, no run, not a number. */
	snprintf(num, sizeof(num), "%lld", (long long)id);
	ck_assert_int_eq(tu_enos(&out, tc.db, "results", "-n", "exp2", num, NULL), 1);
	ck_assert_msg(tu_contains(out, "belongs to 'exp', not 'exp2'"), "%s", out);
	free(out);
	ck_assert_int_eq(tu_enos(&out, tc.db, "results", "-n", "none", NULL), 1);
	ck_assert_msg(tu_contains(out, "experiment 'none' has no run with workload operations"),
		      "%s", out);
	free(out);
	ck_assert_int_eq(tu_enos(&out, tc.db, "results", "9999", NULL), 1);
	free(out);
	ck_assert_int_eq(tu_enos(&out, tc.db, "results", "x1", NULL), 2);
	free(out);
}
END_TEST

/* A fault of experiment EXP in RUN (0: by hand) from APPLIED to REMOVED
 * (NaN: active). */
static void add_fault(struct state *st, const char *exp, int64_t run,
		      const char *detail, double applied, double removed)
{
	static const char *const a[] = { "edge-a" }, *const b[] = { "central" };
	struct state_fault_spec f = {
		.action = "partition", .detail = detail,
		.sides = { a, b }, .n_sides = { 1, 1 },
	};
	int64_t id;

	ck_assert_int_eq(state_fault_add(st, run, exp, &f, applied, &id), 0);
	if (!isnan(removed))
		ck_assert_int_eq(state_fault_end(st, id, removed), 0);
}

/* What the report takes from a run with operations and faults: the
 * faults active while the operations ran (the run's, and one applied by
 * hand), their windows on the timeline, the CDF points, the per-site rows. */
START_TEST(report_data_of_a_workload_run)
{
	struct state *st = open_db();
	struct report_data d;
	struct report_window win[8];
	struct report_cdf c;
	struct run_info info;
	size_t m, i, k;
	int64_t run, old;
	double t0 = 0, t1 = 0;

	ck_assert_int_eq(state_run_begin(st, "exp", "tc-test", 0, false, &old), 0);
	add_fault(st, "exp", old, "long ago", 1.0, 2.0);
	run = store_known(st, "exp");           /* ops from 10.0 to 10.9 s */
	add_fault(st, "exp", run, "in the run", 10.25, 10.45);
	add_fault(st, "exp", 0, "by hand, still on", 5.0, NAN);
	add_fault(st, "exp", run, "after the ops", 50.0, 60.0);
	ck_assert_int_eq(state_run_get(st, run, &info), 0);
	ck_assert_int_eq(report_data_load(st, &info, &d), 0);

	ck_assert_uint_eq(d.in.n_ops, 10);
	ck_assert(d.in.has_seed);
	/* The run's two, and the one by hand; not the one of the old run. */
	ck_assert_uint_eq(d.in.n_faults, 3);
	for (i = 0; i < d.in.n_faults; i++)
		ck_assert_str_ne(d.in.faults[i].detail, "long ago");

	/* The timeline: 10.0 to 10.9 + 5 ms (the last op's end). */
	ck_assert_int_eq(report_wl_span(d.in.ops, d.in.n_ops, "kv", &t0, &t1), 0);
	assert_near(t0, 10.0, "t0");
	assert_near(t1, 10.905, "t1");
	report_wl_windows(d.in.faults, d.in.n_faults, t0, t1, win, &m);
	ck_assert_uint_eq(m, 2);
	for (i = 0; i < m; i++) {
		const struct report_fault *f = &d.in.faults[win[i].fault];

		if (!strcmp(f->detail, "in the run")) {
			assert_near(win[i].from_s, 0.25, "from");
			assert_near(win[i].to_s, 0.45, "to");
			ck_assert(!win[i].before && !win[i].active);
		} else {
			ck_assert_str_eq(f->detail, "by hand, still on");
			assert_near(win[i].from_s, 0, "from");
			assert_near(win[i].to_s, 0.905, "to");
			ck_assert(win[i].before && win[i].active);
		}
	}

	/* CDF of put over every site: 1 2 3 4 10 20 -> k/6 each. */
	ck_assert_int_eq(report_wl_cdf(d.in.ops, d.in.n_ops, "kv", "put", NULL, &c), 0);
	ck_assert_uint_eq(c.n, 6);
	ck_assert_uint_eq(c.m, 6);
	{
		static const double want[] = { 1, 2, 3, 4, 10, 20 };

		for (i = 0; i < 6; i++) {
			assert_near(c.ms[i], want[i], "cdf ms");
			assert_near(c.p[i], (double)(i + 1) / 6, "cdf p");
		}
	}
	report_cdf_release(&c);
	/* At edge-b only: 10, 20. */
	ck_assert_int_eq(report_wl_cdf(d.in.ops, d.in.n_ops, "kv", "put", "edge-b", &c), 0);
	ck_assert_uint_eq(c.m, 2);
	assert_near(c.ms[0], 10, "cdf ms");
	assert_near(c.p[0], 0.5, "cdf p");
	report_cdf_release(&c);
	/* get at edge-a: none succeeded. */
	ck_assert_int_eq(report_wl_cdf(d.in.ops, d.in.n_ops, "kv", "get", "edge-a", &c), 0);
	ck_assert_uint_eq(c.n, 0);
	report_cdf_release(&c);

	/* The per-site rows, computed and stored on the way. */
	ck_assert_uint_eq(d.in.n_sums, 6);
	for (i = 0, k = 0; i < d.in.n_sums; i++) {
		if (strcmp(d.in.sums[i].op, "put"))
			continue;
		if (!strcmp(d.in.sums[i].site, "edge-a")) {
			ck_assert_uint_eq(d.in.sums[i].count, 5);
			assert_near(d.in.sums[i].p90_ms, 3.7, "p90");
		}
		k++;
	}
	ck_assert_uint_eq(k, 3);
	report_data_release(&d);
	state_close(st);
}
END_TEST

START_TEST(traffic_per_service)
{
	const struct report_traffic t[] = {
		{ "a", "b", "nova", 6, 8774, 10, 1000, 400, },
		{ "b", "a", "keystone", 6, 5000, 30, 3000, 2800, },
		{ "a", "c", "nova", 6, 8774, 20, 2000, 1300, },
		{ "c", "a", "other", 17, 0, 1, 0, 0, },
	};
	struct report_service *s = NULL;
	size_t m = 0;

	ck_assert_int_eq(report_traffic_services(t, 4, 4, &s, &m), 0);
	ck_assert_uint_eq(m, 3);
	/* keystone and nova both 3000 bytes: by name. */
	ck_assert_str_eq(s[0].service, "keystone");
	ck_assert_str_eq(s[1].service, "nova");
	ck_assert_uint_eq(s[1].bytes, 2000 + 1000);
	ck_assert_uint_eq(s[1].packets, 30);
	assert_near(s[1].share, 0.5, "share");
	assert_near(s[1].bytes_per_op, 750, "bytes per op");
	ck_assert_str_eq(s[2].service, "other");
	assert_near(s[2].share, 0, "share");
	free(s);
	ck_assert_int_eq(report_traffic_services(t, 4, 0, &s, &m), 0);
	ck_assert(isnan(s[0].bytes_per_op));
	free(s);
}
END_TEST

START_TEST(labels_are_quoted_data)
{
	char path[256], buf[256];
	struct plot_file pf;
	int dfd;
	FILE *f;

	dfd = open(tc.dir, O_RDONLY | O_DIRECTORY);
	ck_assert_int_ge(dfd, 0);
	ck_assert_int_eq(plot_file_create(dfd, "l.tsv", &pf), 0);
	plot_label(pf.f, "a\"b\\c\td\n#e");
	fputc('\n', pf.f);
	plot_label(pf.f, NULL);
	fputc('\n', pf.f);
	ck_assert_int_eq(plot_file_commit(&pf), 0);
	ck_assert_int_eq(plot_file_create(dfd, "a/b", &pf), -EINVAL);
	close(dfd);
	snprintf(path, sizeof(path), "%s/l.tsv", tc.dir);
	f = fopen(path, "r");
	ck_assert_ptr_nonnull(f);
	ck_assert_ptr_nonnull(fgets(buf, sizeof(buf), f));
	ck_assert_str_eq(buf, "\"a'b\\\\c\\\\td\\\\n#e\"\n");
	ck_assert_ptr_nonnull(fgets(buf, sizeof(buf), f));
	ck_assert_str_eq(buf, "\"\"\n");
	fclose(f);
}
END_TEST

static char *slurp(const char *dir, const char *name)
{
	char path[512], *buf = NULL;
	size_t len;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	ck_assert_msg(fs_read_file(path, 64u << 20, &buf, &len) == 0,
		      "cannot read %s", path);
	return buf;
}

/* The hostile name every label of the report case carries. */
#define HOSTILE "<script>alert(\"x\")</script>'&\\ \"\n"

/* The page of a run with operations, faults and traffic: its sections,
 * figure files, and no name unescaped in the page or in the script. */
START_TEST(html_workload_sections_escape_names)
{
	struct report_wlop ops[40];
	const struct report_wlsum sums[] = {
		{ "kv", HOSTILE, "*", 20, 2, 1, 2, 3, 4, 5, 2.5, 1 },
		{ "kv", HOSTILE, "edge-a", 10, 2, 1, 2, 3, 4, 5, 2.5, 1 },
		{ "kv", HOSTILE, HOSTILE, 10, 0, 1, 2, 3, 4, 5, 2.5, 1 },
		{ "kv", "get", "*", 20, 0, 1, 2, 3, 4, 5, 2.5, 1 },
		{ "kv", "get", "edge-a", 20, 0, 1, 2, 3, 4, 5, 2.5, 1 },
	};
	const struct report_traffic traffic[] = {
		{ "edge-a", "central", "etcd", 6, 2379, 10, 9000, 8000 },
		{ HOSTILE, "central", HOSTILE, 6, 1, 1, 100, 50 },
	};
	const struct report_fault faults[] = {
		{ "partition", HOSTILE, 100.5, 101.0 },
		{ "set", "edge-a central loss=5%", 101.2, NAN },
	};
	const struct report_wlvalue values[] = {
		{ "kv", HOSTILE, "*", "bit/s", 3, 1e9, 2e9, 3e9, 3e9, 3e9, 2e9, 1e9 },
	};
	struct report_input in = {
		.experiment = HOSTILE, .run = 7, .run_kind = "bench",
		.outcome = "ok", .ops = ops, .n_ops = 40, .sums = sums,
		.n_sums = 5, .traffic = traffic, .n_traffic = 2,
		.faults = faults, .n_faults = 2, .values = values, .n_values = 1,
	};
	char dir[256], link[300], *html, *gp, *err = NULL;
	struct stat sb;
	size_t i;

	for (i = 0; i < 40; i++) {
		ops[i].workload = "kv";
		ops[i].op = i % 2 ? "get" : HOSTILE;
		ops[i].site = i % 4 < 2 ? "edge-a" : HOSTILE;
		ops[i].start = 100 + 0.05 * (double)i;
		ops[i].duration_ms = 1 + (double)(i % 7);
		ops[i].ok = i % 10 != 0;
		ops[i].atomic = false;
		ops[i].value = NAN;
		ops[i].unit = NULL;
	}
	snprintf(dir, sizeof(dir), "%s/report", tc.dir);
	ck_assert_int_eq(fs_mkdir_p(dir, 0755), 0);
	/* A link planted where the page goes is replaced, not followed. */
	snprintf(link, sizeof(link), "%s/index.html", dir);
	ck_assert_int_eq(symlink("/nonexistent/enos-test-target", link), 0);
	ck_assert_msg(report_html_write(dir, &in, "gnuplot", &err) == 0, "%s",
		      err ? err : "");
	ck_assert_int_eq(lstat(link, &sb), 0);
	ck_assert(S_ISREG(sb.st_mode));

	html = slurp(dir, "index.html");
	ck_assert(tu_contains(html, "<h2>Workloads</h2>"));
	ck_assert(tu_contains(html, "<h4>Per-site percentiles</h4>"));
	ck_assert(tu_contains(html, "<h4>Latency CDF per op</h4>"));
	ck_assert(tu_contains(html, "<h4>Timeline</h4>"));
	ck_assert(tu_contains(html, "<h2>WAN traffic</h2>"));
	ck_assert(tu_contains(html, "<h4>Measured values</h4>"));
	ck_assert(tu_contains(html, "<td>bit/s</td><td>3</td><td>2e+09</td>"));
	ck_assert(tu_contains(html, "etcd dominates WAN traffic: 98.9 %"));
	ck_assert(tu_contains(html, "40 operations, 4 failed"));
	ck_assert(!tu_contains(html, "RTT matrices"));
	/* Inlined figures, and no name as markup anywhere (gnuplot's SVG
	 * escapes < and & in its text; the page escapes the rest). */
	ck_assert(tu_contains(html, "<svg"));
	ck_assert(!tu_contains(html, "<script"));
	ck_assert(tu_contains(html, "&lt;script&gt;alert(&quot;x&quot;)"));
	ck_assert(!tu_contains(html, "src=\"http"));
	/* Both windows shaded in words: the partition's 0.5 s to 1.0 s. */
	ck_assert_msg(tu_contains(html, ": 0.500 s to 1.000 s</li>"), "%s", html);
	ck_assert(tu_contains(html, "(still active at the end)"));
	free(html);

	/* The script holds no name: they are all in labels.tsv. */
	gp = slurp(dir, "report.gp");
	ck_assert(!tu_contains(gp, "alert"));
	ck_assert(!tu_contains(gp, "edge-a"));
	ck_assert(tu_contains(gp, "stats 'labels.tsv' every ::0::0"));
	free(gp);
	gp = slurp(dir, "labels.tsv");
	ck_assert(tu_contains(gp, "\"<script>alert('x')</script>'&\\\\ '\\\\n\""));
	free(gp);
	for (i = 0; i < 7; i++) {
		static const char *const f[] = { "wl-cdf-1.svg", "wl-cdf-2.png",
			"wl-sites-1.svg", "wl-sites-2.png", "wl-timeline-1.svg",
			"wl-timeline-1.png", "traffic.tsv" };

		snprintf(link, sizeof(link), "%s/%s", dir, f[i]);
		ck_assert_msg(stat(link, &sb) == 0 && sb.st_size > 0, "%s", f[i]);
	}
	free(err);
}
END_TEST

/* The whole path: a run in the database to results/EXP/RUN/ with the
 * page and results.json. */
START_TEST(report_of_a_workload_run_written)
{
	struct state *st = open_db();
	char dir[512], *err = NULL, *text;
	char cwd[512];
	json_t *root;
	json_error_t jerr;
	int64_t run;

	run = store_known(st, "exp");
	ck_assert_ptr_nonnull(getcwd(cwd, sizeof(cwd)));
	ck_assert_int_eq(chdir(tc.dir), 0);
	ck_assert_msg(report_data_write(st, run, dir, &err) == 0, "%s",
		      err ? err : state_errmsg(st));
	text = slurp(dir, "index.html");
	ck_assert(tu_contains(text, "<h3>kv</h3>"));
	ck_assert(tu_contains(text, "results.json"));
	ck_assert(tu_contains(text, "get: no successful operation") == 0);
	free(text);
	text = slurp(dir, "results.json");
	root = json_loads(text, 0, &jerr);
	ck_assert_msg(root != NULL, "%s", text);
	ck_assert_int_eq(json_integer_value(json_object_get(root, "operations")), 10);
	json_decref(root);
	free(text);
	/* A run with neither RTT figures nor operations has no report. */
	ck_assert_int_eq(state_run_begin(st, "exp", "bench", 0, false, &run), 0);
	ck_assert_int_eq(report_data_write(st, run, dir, &err), -ENOENT);
	/* A name from the database is no path: results/../escape refused. */
	run = store_known(st, "../escape");
	ck_assert_int_eq(report_data_write(st, run, dir, &err), -EINVAL);
	ck_assert_msg(tu_contains(err, "experiment name '../escape' is not a directory name"),
		      "%s", err);
	ck_assert_int_ne(access("escape", F_OK), 0);
	free(err);
	ck_assert_int_eq(chdir(cwd), 0);
	state_close(st);
}
END_TEST

/* Why the figure cases cannot run here, or NULL. */
static const char *gnuplot_missing(void)
{
	char *const argv[] = { "gnuplot", "--version", NULL };

	return tu_run(NULL, argv) == 0 ? NULL :
	       "gnuplot is not installed (apt-get install gnuplot-nox)";
}

Suite *make_results_suite(struct skips *sk)
{
	const struct sys_case with_gnuplot[] = {
		{ "html_workload_sections_escape_names",
		  html_workload_sections_escape_names },
		{ "report_of_a_workload_run_written",
		  report_of_a_workload_run_written },
	};
	Suite *s = suite_create("results");
	TCase *t = tcase_create("results");
	const char *why = gnuplot_missing();
	size_t i;

	tcase_add_checked_fixture(t, case_setup, case_teardown);
	tcase_set_timeout(t, 60);
	tcase_add_test(t, summaries_hand_computed);
	tcase_add_test(t, summaries_of_odd_records);
	tcase_add_test(t, summaries_stored_and_recomputed);
	tcase_add_test(t, values_summarized);
	tcase_add_test(t, results_json_shape);
	tcase_add_test(t, report_data_of_a_workload_run);
	tcase_add_test(t, traffic_per_service);
	tcase_add_test(t, labels_are_quoted_data);
	for (i = 0; i < sizeof(with_gnuplot) / sizeof(with_gnuplot[0]); i++) {
		if (why)
			skip_add(sk, with_gnuplot[i].name, why);
		else
			_tcase_add_test(t, with_gnuplot[i].test, 0, 0, 0, 1);
	}
	suite_add_tcase(s, t);
	return s;
}
