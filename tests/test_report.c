/* test_report — the reports a reviewer reads (issue 12): a sweep of two
 * strategies with repetitions, stored through the state API as `enos
 * sweep` stores it, read back by the report's data extraction (per point,
 * per strategy, per repetition); the verdicts on known samples (the
 * Hodges-Lehmann shift and its Mann-Whitney interval computed by hand,
 * "no significant difference", too few repetitions for 95 %); the
 * exports' shape (CSV headers and rows, results.json); escaping of every
 * name from the database and refused directory names; `enos report
 * --sweep` and `--compare` through the binary; and the generated report
 * opened in headless chromium: every image loads, no console error, no
 * request leaves its files, the report and its screenshots kept under
 * build/test-artifacts/.
 *
 * No root needed. The cases that draw need gnuplot and Graphviz's dot;
 * the browser case needs chromium; each is skipped, saying why, without.
 */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "enos/report_data.h"
#include "enos/state.h"
#include "reports/campaign.h"
#include "reports/campaign_html.h"
#include "reports/page.h"
#include "tests/suites.h"
#include "tests/testutil.h"
#include "tests/tu_browser.h"
#include "util/fs.h"
#include "util/str.h"

static struct tu_case tc;

static void case_setup(void)
{
	ck_assert_int_eq(tu_case_setup(&tc, "report"), 0);
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

static const char topology_text[] =
	"name: rep\n"
	"seed: 1\n"
	"sites:\n"
	"  - {name: cloud, role: central, nodes: 1}\n"
	"  - {name: region, role: regional, parent: cloud, nodes: 1}\n"
	"  - {name: edge-a, role: edge, parent: region, nodes: 1}\n"
	"  - {name: edge-b, role: edge, parent: region, nodes: 1}\n"
	"network:\n"
	"  default: {delay: 5ms}\n"
	"  constraints:\n"
	"    - {src: region, dst: cloud, rtt: 30ms}\n"
	"    - {src: \"role:edge\", dst: region, rtt: 10ms}\n";

static const char sweep_text[] =
	"name: reps\n"
	"topology: rep.yaml\n"
	"axes:\n"
	"  network.constraints[0].rtt: [0ms, 100ms]\n"
	"  stack.strategy: [central, regional-cells]\n"
	"repeat: 6\n";

/* What the put ops of a pair are centred on: at 0ms regional-cells is
 * 50 ms faster (central 100..105 ms, regional-cells 50..55 ms, one value
 * per repetition); at 100ms both are 100..105 ms (regional-cells in the
 * reverse order): no difference. */
static double pair_median(size_t rtt, size_t strategy, unsigned rep)
{
	if (rtt == 0)
		return strategy == 0 ? 100 + rep : 50 + rep;
	return strategy == 0 ? 100 + rep : 105 - rep;
}

/* RTT figures of RUN as `enos tc --test` stores them: every ordered pair
 * of the four sites, the target from the topology and p50 a little off
 * (edge-a -> edge-b not measured). */
static void store_rtt(struct state *st, int64_t run)
{
	static const char *const site[] = { "cloud", "region", "edge-a", "edge-b" };
	static const double target[4][4] = {
		{ NAN, 30, 40, 40 }, { 30, NAN, 10, 10 },
		{ 40, 10, NAN, 10 }, { 40, 10, 10, NAN },
	};
	size_t a, b;

	for (a = 0; a < 4; a++)
		for (b = 0; b < 4; b++) {
			if (a == b || (a == 2 && b == 3))
				continue;
			state_result_add(st, run, "target_rtt", site[a], site[b],
					 target[a][b], "ms");
			state_result_add(st, run, "rtt_p50", site[a], site[b],
					 target[a][b] + 0.25 * (double)(a + b), "ms");
			state_result_add(st, run, "rtt_min", site[a], site[b],
					 target[a][b], "ms");
			state_result_add(st, run, "loss", site[a], site[b], 0, "%");
			state_result_add(st, run, "samples", site[a], site[b], 20, "count");
		}
}

/* Store sweep NAME of experiment EXP: 2 RTTs x 2 strategies (STRATS),
 * REPEAT repetitions, each a run of four put ops (median - 1, median,
 * median + 1 at edge-a; median + 2 at edge-b: the run's median over every
 * site is MEDIAN + 0.5), a throughput op, and some traffic. Returns the
 * sweep's id. */
/* The axes store_sweep records, and its first axis's values (a test may
 * change them: another axis than the strategies' as the second). */
static const char *store_axes[2] = { "network.constraints[0].rtt",
				     "stack.strategy" };
static const char *store_x[2] = { "0ms", "100ms" };

static int64_t store_sweep(struct state *st, const char *name, const char *exp,
			   const char *const strats[2], unsigned repeat)
{
	const char *const *axes = store_axes;
	const char *values[8];
	struct sweep_pair_row pairs[64];
	struct sweep_record rec = { 0 };
	struct sweep_save sv = { 0 };
	char labels[4][128];
	size_t p, n = 0;
	unsigned r;
	int64_t id;

	snprintf(rec.name, sizeof(rec.name), "%s", name);
	snprintf(rec.path, sizeof(rec.path), "%s/reps.yaml", tc.dir);
	snprintf(rec.hash, sizeof(rec.hash), "0123456789abcdef");
	snprintf(rec.experiment, sizeof(rec.experiment), "%s", exp);
	rec.repeat = repeat;
	snprintf(rec.order, sizeof(rec.order), "sequential");
	for (p = 0; p < 4; p++) {
		values[2 * p] = store_x[p < 2 ? 0 : 1];
		values[2 * p + 1] = strats[p % 2];
		snprintf(labels[p], sizeof(labels[p]), "%s=%s, %s=%s", axes[0],
			 values[2 * p], axes[1], values[2 * p + 1]);
		for (r = 0; r < repeat; r++) {
			memset(&pairs[n], 0, sizeof(pairs[n]));
			pairs[n].point = p;
			pairs[n].rep = r;
			pairs[n].seed = 1000 + n;
			pairs[n].label = labels[p];
			n++;
		}
	}
	sv.rec = &rec;
	sv.text = sweep_text;
	sv.topology = topology_text;
	sv.axes = axes;
	sv.n_axes = 2;
	sv.values = values;
	sv.n_points = 4;
	sv.pairs = pairs;
	sv.n_pairs = n;
	ck_assert_int_eq(state_sweep_save(st, &sv, false, &id), 0);
	for (p = 0; p < n; p++) {
		size_t point = pairs[p].point;
		double med = pair_median(point / 2, point % 2, pairs[p].rep);
		const struct traffic_row tr = { "edge-a", "cloud", "etcd", 6, 2379,
						10, 1000 + 10 * (uint64_t)p, 500 };
		char v[32];
		int64_t run;
		int k;

		ck_assert_int_eq(state_sweep_pair_start(st, id, point, pairs[p].rep), 0);
		ck_assert_int_eq(state_run_begin(st, exp, SWEEP_RUN_KIND,
						 pairs[p].seed, true, &run), 0);
		state_fact_add(st, run, "kernel", "6.1.0-test");
		state_fact_add(st, run, "package iproute2", "6.1.0-3");
		state_fact_add(st, run, "sweep", name);
		snprintf(v, sizeof(v), "%zu", point + 1);
		state_fact_add(st, run, "sweep_point", v);
		for (k = -1; k <= 2; k++) {
			struct wlop_row o = {
				.workload = "kv-latency", .op = "put",
				.site = k == 2 ? "edge-b" : "edge-a",
				.node = "n", .start = 1000.0 + (double)p + 0.1 * k,
				.duration_ms = k == 2 ? med + 2 : med + k, .ok = true,
				.value = NAN,
				.rtt_ms = NAN, .loss_pct = NAN,
			};

			ck_assert_int_eq(state_wlop_add(st, run, &o), 0);
		}
		{
			/* Throughput: higher is better; one value per run. */
			struct wlop_row o = {
				.workload = "throughput", .op = "send", .site = "edge-a",
				.node = "n", .start = 1001.0 + (double)p, .duration_ms = 1000,
				.ok = true, .value = 1e8 * (1 + (double)(point % 2)),
				.unit = "bit/s", .rtt_ms = NAN, .loss_pct = NAN,
			};

			ck_assert_int_eq(state_wlop_add(st, run, &o), 0);
		}
		ck_assert_int_eq(state_traffic_add(st, run, &tr), 0);
		if (p == 0)
			store_rtt(st, run);
		ck_assert_int_eq(state_sweep_pair_finish(st, id, point, pairs[p].rep,
							 run, SWEEP_DONE, "ok"), 0);
	}
	return id;
}

static const char *const strategies[2] = { "central", "regional-cells" };

static const struct campaign_metric *find_metric(const struct campaign_metric *m,
						 size_t n, const char *op)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!strcmp(m[i].op, op))
			return &m[i];
	ck_abort_msg("no metric %s", op);
	return NULL;
}

/* The sweep's runs laid out by series (the strategies, in axis order),
 * point (the other axis, as times) and repetition. */
START_TEST(sweep_extraction)
{
	struct state *st = open_db();
	struct report_campaign c;
	struct campaign_metric *m = NULL;
	struct campaign_cell cell;
	const struct campaign_metric *put;
	char *err = NULL;
	size_t nm = 0, i, s, x;

	store_sweep(st, "reps", "rep", strategies, 6);
	ck_assert_msg(report_campaign_sweep(st, "reps", &c, &err) == 0, "%s", err);
	ck_assert_uint_eq(c.in.what, CAMPAIGN_SWEEP);
	ck_assert_str_eq(c.in.series_axis, "stack.strategy");
	ck_assert_uint_eq(c.in.n_series, 2);
	ck_assert_str_eq(c.in.series[0], "central");
	ck_assert_str_eq(c.in.series[1], "regional-cells");
	ck_assert_str_eq(c.in.x_axis, "network.constraints[0].rtt");
	ck_assert_uint_eq(c.in.n_x, 2);
	ck_assert_str_eq(c.in.x_labels[0], "0ms");
	ck_assert_str_eq(c.in.x_labels[1], "100ms");
	ck_assert_ptr_nonnull(c.in.x_ms);
	ck_assert(c.in.x_ms[0] == 0 && c.in.x_ms[1] == 100);
	ck_assert_uint_eq(c.in.n_runs, 24);
	/* Every cell has its 6 repetitions, numbered from 1. */
	for (s = 0; s < 2; s++)
		for (x = 0; x < 2; x++) {
			unsigned seen = 0;

			for (i = 0; i < c.in.n_runs; i++)
				if (c.in.runs[i].series == s && c.in.runs[i].x == x) {
					ck_assert(c.in.runs[i].rep >= 1 && c.in.runs[i].rep <= 6);
					seen |= 1u << c.in.runs[i].rep;
					ck_assert(c.in.runs[i].has_seed);
					ck_assert_str_eq(c.in.runs[i].outcome, "ok");
					ck_assert_uint_eq(c.in.runs[i].n_ops, 5);
				}
			ck_assert_uint_eq(seen, 0x7e);
		}
	/* Facts: the same everywhere, or listed as differing. */
	ck_assert_uint_ge(c.in.n_facts, 2);
	for (i = 0; i < c.in.n_facts; i++)
		ck_assert_str_ne(c.in.facts[i].key, "sweep_point");
	/* The metrics: put's latency, send's value (bit/s, higher is better). */
	ck_assert_int_eq(campaign_metrics(&c.in, &m, &nm), 0);
	ck_assert_uint_eq(nm, 2);
	put = find_metric(m, nm, "put");
	ck_assert_uint_eq(put->kind, CAMPAIGN_LATENCY);
	ck_assert(!put->higher_is_better);
	ck_assert_str_eq(put->shown_unit, "ms");
	ck_assert(find_metric(m, nm, "send")->higher_is_better);
	/* central at 0ms: each run's median is 100.5 + rep - 1, by
	 * repetition; the median of 6 is 103, its interval [x(1), x(6)]
	 * covers 1 - 2 / 2^6 = 96.875 %. */
	ck_assert_int_eq(campaign_cell(&c.in, put, 0, 0, &cell), 0);
	ck_assert_uint_eq(cell.n, 6);
	for (i = 0; i < 6; i++)
		ck_assert(cell.v[i] == 100.5 + (double)i);
	ck_assert(cell.median.estimate == 103);
	ck_assert(cell.median.lo == 100.5 && cell.median.hi == 105.5);
	ck_assert(fabs(cell.median.achieved - 0.96875) < 1e-12);
	campaign_cell_release(&cell);
	/* Per site: edge-b's run medians are 52..57 for regional-cells. */
	{
		double v;

		ck_assert_int_eq(campaign_site_median(&c.in, put, 1, 0, "edge-b", &v), 0);
		ck_assert(v == 54.5);
		ck_assert_int_eq(campaign_site_median(&c.in, put, 1, 0, "edge-a", &v), 0);
		ck_assert(v == 52.5);
	}
	free(m);
	report_campaign_release(&c);
	free(err);
	state_close(st);
}
END_TEST

/* The verdicts through the report data, against numbers worked by hand:
 * at 0ms the 36 differences regional-cells - central are -50 + (j - i)
 * for i, j in 0..5; their median (Hodges-Lehmann) is -50; with 6 and 6
 * the exact 95 % interval is [d(6), d(31)] of the sorted differences
 * (qwilcox(0.025, 6, 6) = 6), that is [-53, -47], covering
 * 1 - 2 x 19/924 = 95.89 %. At 100ms the samples are equal: no
 * significant difference. Throughput (higher is better) is twice as high
 * with regional-cells at both points. */
/* Without a strategy axis, the one axis that varies and is not a time is
 * the series (a profile or none), compared at the one point the others
 * make; an axis of times stays the points of a curve. */
START_TEST(sweep_series_other_axis)
{
	static const char *const profile[2] = { "rpi4", "~" };
	static const char *const rtts[2] = { "10ms", "20ms" };
	struct state *st = open_db();
	struct report_campaign c;
	struct campaign_metric *m = NULL;
	struct campaign_verdict v;
	char *err = NULL;
	size_t nm = 0;

	store_axes[0] = "profiles";
	store_axes[1] = "sites[3,4].profile";
	store_x[0] = store_x[1] = "{rpi4: {cpu: 0.5}}";
	store_sweep(st, "prof", "rep", profile, 4);
	ck_assert_msg(report_campaign_sweep(st, "prof", &c, &err) == 0, "%s", err);
	ck_assert_str_eq(c.in.series_axis, "sites[3,4].profile");
	ck_assert_uint_eq(c.in.n_series, 2);
	ck_assert_str_eq(c.in.series[0], "rpi4");
	ck_assert_str_eq(c.in.series[1], "~");
	ck_assert_str_eq(c.in.x_axis, "profiles");
	ck_assert_uint_eq(c.in.n_x, 1);
	ck_assert_ptr_null(c.in.x_ms);
	ck_assert_int_eq(campaign_metrics(&c.in, &m, &nm), 0);
	ck_assert_int_eq(campaign_compare(&c.in, find_metric(m, nm, "put"), 0, 0, 1, &v), 0);
	ck_assert_int_eq(v.rc, 0);
	ck_assert_uint_eq(v.na, 8);
	ck_assert_uint_eq(v.nb, 8);
	campaign_verdict_release(&v);
	free(m);
	report_campaign_release(&c);

	/* Times on the one varying axis: a curve of one series. */
	store_axes[1] = "network.default.rtt";
	store_sweep(st, "curve", "rep", rtts, 3);
	ck_assert_msg(report_campaign_sweep(st, "curve", &c, &err) == 0, "%s", err);
	ck_assert_str_eq(c.in.series_axis, "sweep");
	ck_assert_uint_eq(c.in.n_series, 1);
	ck_assert_uint_eq(c.in.n_x, 2);
	report_campaign_release(&c);
	state_close(st);
	store_axes[0] = "network.constraints[0].rtt";
	store_axes[1] = "stack.strategy";
	store_x[0] = "0ms";
	store_x[1] = "100ms";
}
END_TEST

START_TEST(sweep_verdicts)
{
	struct state *st = open_db();
	struct report_campaign c;
	struct campaign_metric *m = NULL;
	struct campaign_verdict v;
	const struct campaign_metric *put, *send;
	char *err = NULL;
	size_t nm = 0;

	store_sweep(st, "reps", "rep", strategies, 6);
	ck_assert_msg(report_campaign_sweep(st, "reps", &c, &err) == 0, "%s", err);
	ck_assert_int_eq(campaign_metrics(&c.in, &m, &nm), 0);
	put = find_metric(m, nm, "put");
	send = find_metric(m, nm, "send");

	ck_assert_int_eq(campaign_compare(&c.in, put, 0, 0, 1, &v), 0);
	ck_assert_int_eq(v.rc, 0);
	ck_assert(!v.per_op);
	ck_assert_uint_eq(v.na, 6);
	ck_assert_uint_eq(v.nb, 6);
	ck_assert(v.cmp.estimate == -50);
	ck_assert(v.cmp.lo == -53 && v.cmp.hi == -47);
	ck_assert(fabs(v.cmp.achieved - (1 - 2.0 * 19 / 924)) < 1e-9);
	ck_assert(v.significant);
	ck_assert_str_eq(v.faster, "regional-cells");
	ck_assert_msg(tu_contains(v.text, "regional-cells is faster by 50.0 ms"
				  " (95 % CI 47.0 to 53.0 ms); over 6 and 6 repetitions"),
		      "%s", v.text);
	/* 50 of central's median 103: 48.5 %. */
	ck_assert(v.cmp.median_a == 103);
	ck_assert_msg(tu_contains(v.text, "repetitions; that is 49 % of the median"
				  " of central (103 ms)"), "%s", v.text);
	campaign_verdict_release(&v);

	ck_assert_int_eq(campaign_compare(&c.in, put, 1, 0, 1, &v), 0);
	ck_assert(!v.significant);
	ck_assert_ptr_null(v.faster);
	ck_assert(v.cmp.estimate == 0);
	ck_assert(v.cmp.lo < 0 && v.cmp.hi > 0);
	ck_assert_msg(tu_contains(v.text, "no significant difference (regional-cells"
				  " - central: 95 % CI"), "%s", v.text);
	ck_assert(!tu_contains(v.text, "that is"));
	campaign_verdict_release(&v);

	ck_assert_int_eq(campaign_compare(&c.in, send, 1, 0, 1, &v), 0);
	ck_assert(v.significant);
	ck_assert_str_eq(v.faster, "regional-cells");
	/* In Mbit/s: 100 Mbit/s more. */
	ck_assert_str_eq(send->shown_unit, "Mbit/s");
	ck_assert(v.cmp.estimate == 100);
	ck_assert_msg(tu_contains(v.text, "regional-cells is faster by 100 Mbit/s"),
		      "%s", v.text);
	ck_assert_msg(tu_contains(v.text, "; that is 100 % of the median of"
				  " central (100 Mbit/s)"), "%s", v.text);
	campaign_verdict_release(&v);
	free(m);
	report_campaign_release(&c);
	free(err);
	state_close(st);
}
END_TEST

/* Too few repetitions: 3 against 3 reach 90 % at most, and the median's
 * widest interval covers 75 %: said, never claimed as 95 %. Runs
 * compared one against one are compared over their operations, said so. */
START_TEST(small_samples_say_so)
{
	struct report_wlsum sums[6];
	struct report_wlop ops[6];
	struct campaign_run runs[6];
	const char *const series[] = { "a", "b" }, *const x[] = { "all" };
	struct campaign_input in = {
		.what = CAMPAIGN_SWEEP, .title = "t", .series_axis = "stack.strategy",
		.series = series, .n_series = 2, .x_labels = x, .n_x = 1,
		.runs = runs, .n_runs = 6, .level = 0.95,
	};
	struct campaign_metric *m = NULL;
	struct campaign_verdict v;
	struct campaign_cell cell;
	size_t nm = 0, i;

	memset(runs, 0, sizeof(runs));
	memset(sums, 0, sizeof(sums));
	memset(ops, 0, sizeof(ops));
	for (i = 0; i < 6; i++) {
		sums[i] = (struct report_wlsum){ "kv", "get", "*", 1, 0, 0,
			 10.0 * (double)(i + 1) + (i >= 3 ? 100 : 0), 0, 0, 0, 0, 0 };
		ops[i] = (struct report_wlop){ "kv", "get", "edge", 1.0, sums[i].p50_ms,
					       true, false, NAN, NULL };
		runs[i].run = (int64_t)i + 1;
		runs[i].series = i >= 3;
		runs[i].rep = (unsigned)(i % 3) + 1;
		runs[i].sums = &sums[i];
		runs[i].n_sums = 1;
		runs[i].ops = &ops[i];
		runs[i].n_ops = 1;
	}
	ck_assert_int_eq(campaign_metrics(&in, &m, &nm), 0);
	ck_assert_uint_eq(nm, 1);
	ck_assert_int_eq(campaign_cell(&in, &m[0], 0, 0, &cell), 0);
	ck_assert_uint_eq(cell.n, 3);
	ck_assert(fabs(cell.median.achieved - 0.75) < 1e-12);
	ck_assert(!stats_interval_reached(&cell.median));
	campaign_cell_release(&cell);
	ck_assert_int_eq(campaign_compare(&in, &m[0], 0, 0, 1, &v), 0);
	ck_assert(!v.significant);
	ck_assert_msg(tu_contains(v.text, "no significant difference: samples of 3"
				  " and 3 cannot reach 95 %"), "%s", v.text);
	campaign_verdict_release(&v);

	/* One run each: over operations, and said. */
	in.n_runs = 2;
	runs[1] = runs[3];
	runs[1].series = 1;
	ck_assert_int_eq(campaign_compare(&in, &m[0], 0, 0, 1, &v), 0);
	ck_assert(v.per_op);
	ck_assert_msg(tu_contains(v.text, "not independent repetitions"), "%s", v.text);
	campaign_verdict_release(&v);
	free(m);
}
END_TEST

static char *slurp(const char *dir, const char *name)
{
	char path[PATH_MAX], *buf = NULL;
	size_t len;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	ck_assert_msg(fs_read_file(path, 64u << 20, &buf, &len) == 0,
		      "cannot read %s", path);
	return buf;
}

/* Lines of TEXT. */
static size_t lines(const char *text)
{
	size_t n = 0;

	for (; *text; text++)
		n += *text == '\n';
	return n;
}

/* Write sweep NAME's report into DIR/OUT. */
static void write_sweep_report(struct state *st, const char *name,
			       const char *out, char *dir, size_t len)
{
	struct report_campaign c;
	char *err = NULL;
	int rc;

	ck_assert_msg(report_campaign_sweep(st, name, &c, &err) == 0, "%s", err);
	rc = report_campaign_write(&c, st, out, name, dir, len, &err);
	ck_assert_msg(rc == 0, "%s", err ? err : strerror(-rc));
	report_campaign_release(&c);
	free(err);
}

/* The directory a sweep report leaves: the page, figures in both
 * formats, the exports with their headers and one row per thing. */
START_TEST(sweep_report_exports)
{
	struct state *st = open_db();
	char out[PATH_MAX], dir[PATH_MAX], *t;
	json_t *root, *cmp;
	json_error_t jerr;
	struct stat sb;
	size_t i;

	store_sweep(st, "reps", "rep", strategies, 6);
	snprintf(out, sizeof(out), "%s/rep-report", tc.dir);
	write_sweep_report(st, "reps", out, dir, sizeof(dir));
	ck_assert_str_eq(dir, out);
	for (i = 0; i < 14; i++) {
		static const char *const f[] = {
			"index.html", "metric-1.png", "metric-1.svg", "metric-2.svg",
			"cdf-1-1.svg", "cdf-1-2.png", "sites-2-1.svg", "topology.svg",
			"topology.png", "topology.dot", "sweep.yaml", "topology.yaml",
			"report.gp", "run-1/index.html",
		};
		char path[PATH_MAX + 64];

		snprintf(path, sizeof(path), "%s/%s", dir, f[i]);
		ck_assert_msg(stat(path, &sb) == 0 && sb.st_size > 0, "%s", f[i]);
	}
	t = slurp(dir, "runs.csv");
	ck_assert(!strncmp(t, "\"run\",\"series\",\"point\",\"rep\",\"seed\",", 36));
	ck_assert_uint_eq(lines(t), 25);
	ck_assert(tu_contains(t, ",\"regional-cells\",\"100ms\",6,"));
	free(t);
	t = slurp(dir, "ops.csv");
	ck_assert(!strncmp(t, "\"run\",\"series\",\"point\",\"rep\",\"workload\",\"op\","
			   "\"site\",\"start\",\"duration_ms\",\"ok\",\"atomic\",\"value\","
			   "\"unit\"\r\n", 104));
	ck_assert_uint_eq(lines(t), 1 + 24 * 5);
	free(t);
	t = slurp(dir, "comparisons.csv");
	/* Two metrics x two points x one comparison. */
	ck_assert_uint_eq(lines(t), 1 + 4);
	ck_assert(tu_contains(t, "\"regional-cells is faster by 50.0 ms (95 % CI 47.0 to"
			      " 53.0 ms); over 6 and 6 repetitions; that is 49 %"
			      " of the median of central (103 ms)\""));
	free(t);
	t = slurp(dir, "metrics.csv");
	ck_assert_uint_eq(lines(t), 1 + 2 * 2 * 2);
	ck_assert(tu_contains(t, ",\"central\",\"0ms\",6,0,103,100.5,105.5,0.95,0.96875,"
			      "\"100.5 101.5 102.5 103.5 104.5 105.5\","));
	free(t);
	t = slurp(dir, "summaries.csv");
	ck_assert(!strncmp(t, "\"run\",\"series\",\"point\",\"rep\",\"workload\",", 40));
	free(t);
	t = slurp(dir, "traffic.csv");
	ck_assert_uint_eq(lines(t), 1 + 24);
	free(t);

	t = slurp(dir, "results.json");
	root = json_loads(t, 0, &jerr);
	ck_assert_msg(root != NULL, "%s", jerr.text);
	ck_assert_str_eq(json_string_value(json_object_get(root, "kind")), "sweep");
	ck_assert_uint_eq(json_array_size(json_object_get(root, "runs")), 24);
	ck_assert_uint_eq(json_array_size(json_object_get(root, "points")), 2);
	ck_assert(json_number_value(json_object_get(json_array_get(
		json_object_get(root, "points"), 1), "ms")) == 100);
	cmp = json_object_get(root, "comparisons");
	ck_assert_uint_eq(json_array_size(cmp), 4);
	for (i = 0; i < 4; i++) {
		json_t *e = json_array_get(cmp, i);

		if (!strcmp(json_string_value(json_object_get(e, "op")), "put") &&
		    json_integer_value(json_object_get(e, "point")) == 0) {
			ck_assert(json_is_true(json_object_get(e, "significant")));
			ck_assert(json_number_value(json_object_get(e, "lo")) == -53);
			ck_assert_str_eq(json_string_value(json_object_get(e, "samples")),
					 "repetitions");
		}
	}
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(root, "facts"),
							   "package iproute2")), "6.1.0-3");
	json_decref(root);
	free(t);

	/* The page: the verdicts first, the achieved coverage said, the
	 * files shown. */
	t = slurp(dir, "index.html");
	ck_assert(tu_contains(t, "<h2 id=verdicts>Verdicts</h2>"));
	ck_assert(tu_contains(t, "regional-cells is faster by 50.0 ms (95 % CI 47.0 to 53.0 ms)"));
	ck_assert(tu_contains(t, "no significant difference"));
	ck_assert(tu_contains(t, "95 % distribution-free confidence interval"));
	ck_assert(tu_contains(t, "<h2 id=files>Files used</h2>"));
	ck_assert(tu_contains(t, "repeat: 6"));
	ck_assert(tu_contains(t, "<h2 id=topology>Topology</h2>"));
	ck_assert(tu_contains(t, "run-1/index.html"));
	free(t);
	/* A run's own page links back and has its timeline; run 1 measured
	 * RTTs: its heatmaps carry their numbers (region -> cloud: target 30,
	 * measured 30.25, error 0.25). */
	t = slurp(dir, "run-1/index.html");
	ck_assert(tu_contains(t, "href=\"../index.html\""));
	ck_assert(tu_contains(t, "<h4>Timeline</h4>"));
	ck_assert(tu_contains(t, "<h2>RTT matrices</h2>"));
	free(t);
	t = slurp(dir, "run-1/measured.svg");
	ck_assert_msg(tu_contains(t, ">30.2<") || tu_contains(t, ">30.3<"), "no cell number");
	free(t);
	t = slurp(dir, "run-1/error.svg");
	ck_assert(tu_contains(t, ">0.25<"));
	free(t);
	t = slurp(dir, "run-1/target.svg");
	ck_assert(tu_contains(t, ">30.0<"));
	free(t);
	state_close(st);
}
END_TEST

#define HOSTILE "<img src=x onerror=alert(1)>&\"'"

/* Names from the database are shown escaped, never as markup; a name
 * that is no directory name is refused as one; a linked report
 * directory is refused. */
START_TEST(report_escapes_and_refuses)
{
	static const char *const bad[2] = { HOSTILE, "b\"</td>" };
	struct state *st = open_db();
	struct report_campaign c;
	char out[PATH_MAX], dir[PATH_MAX], link[PATH_MAX], *t, *err = NULL;
	int rc;

	store_sweep(st, "hostile", "../x", bad, 3);
	{
		/* A unit is a name too: a metric whose unit is markup and
		 * gnuplot syntax (a shell escape, were it script text; 15
		 * bytes, what a summary's unit holds). */
		struct wlop_row o = {
			.workload = "probe", .op = "rate", .site = "edge-a",
			.node = "n", .start = 1000.0, .duration_ms = 5, .ok = true,
			.value = 42, .unit = "<b>'\n!touch P #",
			.rtt_ms = NAN, .loss_pct = NAN,
		};

		ck_assert_int_eq(state_wlop_add(st, 1, &o), 0);
	}
	snprintf(out, sizeof(out), "%s/hostile", tc.dir);
	write_sweep_report(st, "hostile", out, dir, sizeof(dir));
	t = slurp(dir, "index.html");
	ck_assert(!tu_contains(t, "<img src=x"));
	ck_assert(!tu_contains(t, "b\"</td>"));
	ck_assert(tu_contains(t, "&lt;img src=x onerror=alert(1)&gt;&amp;&quot;&#39;"));
	ck_assert(tu_contains(t, "cannot reach 95 %"));
	ck_assert(tu_contains(t, "covers the median only 75.0 % of the time"));
	ck_assert(!tu_contains(t, "<b>"));
	ck_assert(tu_contains(t, "&lt;b&gt;&#39;\n!touch P #"));
	free(t);
	/* The script names no series and no unit: they are data. */
	t = slurp(dir, "report.gp");
	ck_assert(!tu_contains(t, "onerror"));
	ck_assert(!tu_contains(t, "!touch"));
	free(t);
	t = slurp(dir, "labels.tsv");
	ck_assert(tu_contains(t, "!touch P #"));
	free(t);
	t = slurp(dir, "run-1/report.gp");
	ck_assert(!tu_contains(t, "!touch"));
	free(t);
	t = slurp(dir, "run-1/index.html");
	ck_assert(!tu_contains(t, "<b>"));
	ck_assert(tu_contains(t, "&lt;b&gt;&#39;\n!touch P #"));
	free(t);
	{
		char pwned[PATH_MAX + 16];

		snprintf(pwned, sizeof(pwned), "%s/P", dir);
		ck_assert_int_ne(access(pwned, F_OK), 0);
	}
	t = slurp(dir, "runs.csv");
	ck_assert(tu_contains(t, ",\"b\"\"</td>\","));
	free(t);

	/* A link planted where gnuplot writes a figure is replaced, not
	 * followed: its target stays as it was. */
	{
		char target[PATH_MAX + 16], fig[PATH_MAX + 32];
		struct stat sb;
		FILE *f;

		snprintf(target, sizeof(target), "%s/target", tc.dir);
		f = fopen(target, "w");
		ck_assert_ptr_nonnull(f);
		fputs("untouched\n", f);
		fclose(f);
		snprintf(fig, sizeof(fig), "%s/metric-1.png", out);
		ck_assert_int_eq(unlink(fig), 0);
		ck_assert_int_eq(symlink(target, fig), 0);
		write_sweep_report(st, "hostile", out, dir, sizeof(dir));
		ck_assert_int_eq(lstat(fig, &sb), 0);
		ck_assert(S_ISREG(sb.st_mode) && sb.st_size > 100);
		t = slurp(tc.dir, "target");
		ck_assert_str_eq(t, "untouched\n");
		free(t);
	}

	/* Names in the topology drawing are DOT strings, whatever they
	 * hold. */
	{
		const struct report_site sites[] = {
			{ "a\"];evil [label=\"x", "central", -1, 1 },
			{ "b\\\nc\x01", "edge", 0, 2 },
		};
		const double rtt[] = { NAN, 10, 12, NAN };
		const struct report_topo topo = { sites, 2, rtt, "note" };
		const struct report_extras x = { .topo = &topo, .dot = "dot" };
		int dfd = open(out, O_RDONLY | O_DIRECTORY);

		ck_assert_int_ge(dfd, 0);
		err = NULL;
		ck_assert_msg(page_topology_draw(dfd, out, &x, &err) == 0, "%s", err);
		close(dfd);
		t = slurp(out, "topology.dot");
		ck_assert_msg(tu_contains(t, "label=\"a\\\"];evil [label=\\\"x\\n"
					  "central, 1 node\"]"), "%s", t);
		ck_assert_msg(tu_contains(t, "b\\\\\\\\nc\\\\x01"), "%s", t);
		ck_assert(tu_contains(t, "s0 -- s1 [penwidth=1.5, label=\"10 / 12 ms\"]"));
		free(t);
		/* Two nodes, the name shown whole as text. */
		t = slurp(out, "topology.svg");
		ck_assert(tu_contains(t, "evil [label=&quot;x"));
		ck_assert(tu_contains(t, "<title>s0</title>"));
		ck_assert(tu_contains(t, "<title>s1</title>"));
		ck_assert(!tu_contains(t, "<title>evil</title>"));
		free(t);
	}

	/* The experiment "../x" makes no directory of its own. */
	ck_assert_int_eq(report_campaign_sweep(st, "hostile", &c, &err), 0);
	rc = report_campaign_write(&c, st, NULL, "hostile", dir, sizeof(dir), &err);
	ck_assert_int_eq(rc, -EINVAL);
	ck_assert_msg(tu_contains(err, "'../x' is not a directory name"), "%s", err);
	free(err);
	err = NULL;
	/* A link where the report goes is refused, not followed. */
	snprintf(link, sizeof(link), "%s/linked", tc.dir);
	ck_assert_int_eq(symlink(out, link), 0);
	rc = report_campaign_write(&c, st, link, "hostile", dir, sizeof(dir), &err);
	ck_assert_int_eq(rc, -ENOTDIR);
	free(err);
	report_campaign_release(&c);
	state_close(st);
}
END_TEST

/* Three strategies, six repetitions each, at two points, the second's
 * label long: every verdict names its pair; the figures show the label
 * cut, the page and the exports whole; a cell of one repetition (edge at
 * the first point) is said to have no bar, not a 0 % interval. */
START_TEST(three_series_long_point)
{
	static const char long_point[] =
		"[{at: 5s, action: partition, for: 20s, sites: [singapore,"
		" chennai, hongkong]}]";
	struct report_wlsum sums[31];
	struct campaign_run runs[31];
	const char *const series[] = { "central", "spread", "edge" };
	const char *const x[] = { "[]", long_point };
	struct campaign_input in = {
		.what = CAMPAIGN_SWEEP, .title = "three", .series_axis = "stack.strategy",
		.series = series, .n_series = 3, .x_axis = "faults",
		.x_labels = x, .n_x = 2, .runs = runs, .level = 0.95,
	};
	char out[PATH_MAX], *t, *err = NULL;
	size_t sr, px, r, n = 0;
	int rc;

	memset(runs, 0, sizeof(runs));
	/* central 100..105, spread 50..55, edge 100..105 (one run at []). */
	for (px = 0; px < 2; px++)
		for (sr = 0; sr < 3; sr++)
			for (r = 0; r < (sr == 2 && px == 0 ? 1 : 6); r++) {
				double v = (sr == 1 ? 50 : 100) + (double)r;

				sums[n] = (struct report_wlsum){ "kv", "get", "*", 1, 0,
								  v, v, v, v, v, v, 0 };
				runs[n].run = (int64_t)n + 1;
				runs[n].series = sr;
				runs[n].x = px;
				runs[n].rep = (unsigned)r + 1;
				runs[n].outcome = "ok";
				runs[n].sums = &sums[n];
				runs[n].n_sums = 1;
				n++;
			}
	ck_assert_uint_eq(n, 31);
	in.n_runs = n;
	snprintf(out, sizeof(out), "%s/three", tc.dir);
	rc = campaign_html_write(out, &in, false, "gnuplot", &err);
	ck_assert_msg(rc == 0, "%s", err);
	t = slurp(out, "index.html");
	ck_assert(tu_contains(t, "<li>[]: spread vs central: spread is faster by 50.0 ms"));
	ck_assert(tu_contains(t, "<li>[]: edge vs central: no significant difference:"
			      " samples of 6 and 1"));
	ck_assert(tu_contains(t, "hongkong]}]: edge vs central: no significant difference ("));
	ck_assert(tu_contains(t, "A point of one repetition has no bar."));
	ck_assert(!tu_contains(t, "only 0.0 %"));
	free(t);
	/* The tics: the long label cut. */
	t = slurp(out, "metric-1.tsv");
	ck_assert_msg(tu_contains(t, "\"[]\"") && tu_contains(t, "...\"") &&
		      !tu_contains(t, "hongkong"), "%s", t);
	free(t);
	t = slurp(out, "metrics.csv");
	ck_assert(tu_contains(t, "hongkong]}]"));
	free(t);
	free(err);
}
END_TEST

/* Through the binary: --sweep, --compare of two sweeps and of two runs,
 * and the usage errors. */
START_TEST(report_command)
{
	static const char *const other[2] = { "central", "regional-cells" };
	struct state *st = open_db();
	char out[PATH_MAX], *text = NULL, path[PATH_MAX + 32];
	int rc;

	store_sweep(st, "reps", "rep", strategies, 6);
	store_sweep(st, "reps2", "rep", other, 3);
	state_close(st);
	snprintf(out, sizeof(out), "%s/cmd-sweep", tc.dir);
	rc = tu_enos(&text, tc.db, "report", "--sweep", "reps", "--out", out, NULL);
	ck_assert_msg(rc == 0, "%s", text);
	snprintf(path, sizeof(path), "report: %s/index.html", out);
	ck_assert_msg(tu_contains(text, path), "%s", text);
	free(text);
	snprintf(out, sizeof(out), "%s/cmd-cmp", tc.dir);
	rc = tu_enos(&text, tc.db, "report", "--compare", "reps", "reps2", "--out",
		     out, NULL);
	ck_assert_msg(rc == 0, "%s", text);
	free(text);
	text = slurp(out, "comparisons.csv");
	/* Matched point by point: 4 points x 2 metrics. */
	ck_assert_uint_eq(lines(text), 1 + 8);
	ck_assert(tu_contains(text, "\"reps\",\"reps2\",\"repetitions\",6,3,"));
	free(text);
	snprintf(out, sizeof(out), "%s/cmd-runs", tc.dir);
	rc = tu_enos(&text, tc.db, "report", "--compare", "1", "7", "--out", out, NULL);
	ck_assert_msg(rc == 0, "%s", text);
	free(text);
	text = slurp(out, "comparisons.csv");
	ck_assert(tu_contains(text, "\"operations\",4,4,"));
	free(text);
	ck_assert_int_eq(tu_enos(&text, tc.db, "report", "--compare", "1", NULL), 2);
	free(text);
	ck_assert_int_eq(tu_enos(&text, tc.db, "report", "--compare", "1", "reps", NULL), 1);
	ck_assert_msg(tu_contains(text, "runs or sweeps, not both"), "%s", text);
	free(text);
	ck_assert_int_eq(tu_enos(&text, tc.db, "report", "--sweep", "none", NULL), 1);
	ck_assert_msg(tu_contains(text, "no sweep 'none'"), "%s", text);
	free(text);
}
END_TEST

/* The sweep's report in a real browser. */
START_TEST(report_in_chromium)
{
	struct state *st = open_db();
	struct tu_page_check chk;
	const char *why = NULL, *browser = tu_browser_find(&why);
	char out[PATH_MAX + 64], dir[PATH_MAX], page[PATH_MAX + 32];
	char shot[PATH_MAX + 64], cwd[PATH_MAX], *err = NULL;
	int rc;

	ck_assert_ptr_nonnull(browser);
	store_sweep(st, "reps", "rep", strategies, 6);
	/* The report is kept beside its screenshots, to be read. */
	ck_assert_ptr_nonnull(getcwd(cwd, sizeof(cwd)));
	ck_assert_int_eq(fs_mkdir_p("build/test-artifacts", 0755), 0);
	snprintf(out, sizeof(out), "%s/build/test-artifacts/report-sweep", cwd);
	tu_rmtree(out);
	write_sweep_report(st, "reps", out, dir, sizeof(dir));
	state_close(st);
	snprintf(page, sizeof(page), "%s/index.html", dir);
	snprintf(shot, sizeof(shot), "%s/build/test-artifacts/report-sweep.png", cwd);
	rc = tu_browser_check(browser, page, shot, &chk, &err);
	ck_assert_msg(rc == 0, "%s", err);
	ck_assert_msg(chk.images >= 8, "%zu images\n%s", chk.images, chk.what);
	ck_assert_msg(chk.broken == 0, "%zu broken\n%s", chk.broken, chk.what);
	ck_assert_msg(chk.errors == 0, "%zu errors\n%s", chk.errors, chk.what);
	ck_assert_msg(chk.external == 0, "%zu external\n%s", chk.external, chk.what);
	ck_assert_msg(chk.requests >= 1, "%s", chk.what);
	tu_page_check_release(&chk);
	ck_assert_int_eq(access(shot, R_OK), 0);
	/* A run's own page too. */
	snprintf(page, sizeof(page), "%s/run-1/index.html", dir);
	snprintf(shot, sizeof(shot), "%s/build/test-artifacts/report-run.png", cwd);
	rc = tu_browser_check(browser, page, shot, &chk, &err);
	ck_assert_msg(rc == 0, "%s", err);
	ck_assert_msg(chk.images >= 3 && chk.broken == 0 && chk.errors == 0 &&
		      chk.external == 0, "%zu images, %zu broken, %zu errors, %zu"
		      " external\n%s", chk.images, chk.broken, chk.errors,
		      chk.external, chk.what);
	tu_page_check_release(&chk);
	printf("report_in_chromium: the report in %s, screenshots in"
	       " %s/build/test-artifacts/report-{sweep,run}.png\n", out, cwd);
	free(err);
}
END_TEST

/* Why the drawing cases cannot run here, or NULL. */
static const char *drawing_missing(void)
{
	char *const gp[] = { "gnuplot", "--version", NULL };
	char *const dot[] = { "dot", "-V", NULL };

	if (tu_run(NULL, gp) != 0)
		return "gnuplot is not installed (apt-get install gnuplot-nox)";
	if (tu_run(NULL, dot) != 0)
		return "Graphviz's dot is not installed (apt-get install graphviz)";
	return NULL;
}

Suite *make_report_suite(struct skips *sk)
{
	const struct sys_case drawing[] = {
		{ "sweep_report_exports", sweep_report_exports },
		{ "report_escapes_and_refuses", report_escapes_and_refuses },
		{ "report_command", report_command },
		{ "three_series_long_point", three_series_long_point },
	};
	Suite *s = suite_create("report");
	TCase *t = tcase_create("report");
	const char *why = drawing_missing(), *bwhy = NULL;
	size_t i;

	tcase_add_checked_fixture(t, case_setup, case_teardown);
	tcase_set_timeout(t, 120);
	tcase_add_test(t, sweep_extraction);
	tcase_add_test(t, sweep_verdicts);
	tcase_add_test(t, sweep_series_other_axis);
	tcase_add_test(t, small_samples_say_so);
	for (i = 0; i < sizeof(drawing) / sizeof(drawing[0]); i++) {
		if (why)
			skip_add(sk, drawing[i].name, why);
		else
			_tcase_add_test(t, drawing[i].test, 0, 0, 0, 1);
	}
	if (!why && !tu_browser_find(&bwhy))
		why = bwhy;
	if (why)
		skip_add(sk, "report_in_chromium", why);
	else
		_tcase_add_test(t, report_in_chromium, 0, 0, 0, 1);
	suite_add_tcase(s, t);
	return s;
}
