/* test_ci — `enos ci` (enos/ci*.c, enos/cmd/ci.c): the threshold language
 * (every form, read back from its canonical text; the bad fixtures of
 * tests/fixtures/ci/bad with their exact FILE:LINE:COL messages; the
 * section read by another loader), units, evaluation through a fake
 * struct ci_figures (how runs combine, sweep points, missing figures,
 * references) and through a database filled with the state API (durations,
 * tc --test pairs, workload summaries, sweeps, baselines), JUnit XML parsed
 * back with libxml2 (with hostile names), the JSON's shape parsed with
 * jansson, and `enos ci` end to end through the binary (exit codes,
 * files). No root.
 */
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <libxml/parser.h>
#include <libxml/tree.h>

#include "enos/ci.h"
#include "enos/state.h"
#include "enos/topo.h"
#include "util/escape.h"
#include "util/fs.h"
#include "util/strbuf.h"
#include "util/yload.h"
#include "tests/suites.h"
#include "tests/testutil.h"

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))
#define BAD_DIR "tests/fixtures/ci/bad"

static struct tu_case tc;

static void case_setup(void)
{
	ck_assert_int_eq(tu_case_setup(&tc, "ciu"), 0);
}

static void case_teardown(void)
{
	tu_rmtree(tc.dir);
}

static void parse_ok(const char *text, struct ci_threshold *t)
{
	char *why = NULL;
	size_t at = 0;
	int rc;

	memset(t, 0, sizeof(*t));
	rc = ci_threshold_parse(text, t, &at, &why);
	ck_assert_msg(rc == 0, "'%s': %s (at %zu)", text, why ? why : "?", at);
	snprintf(t->text, sizeof(t->text), "%s", text);
}

static char *format(const struct ci_threshold *t)
{
	struct strbuf sb = STRBUF_INIT;

	ck_assert_int_eq(ci_threshold_format(t, &sb), 0);
	return strbuf_detach(&sb);
}

/* ---- the language ---- */

struct form {
	const char *text;
	const char *canonical;
	enum ci_metric metric;
	enum ci_stat stat;
	enum ci_dim dim;
	enum ci_ref ref;
	double value;           /* in ms, %, count, or the factor */
};

static const struct form forms[] = {
	/* The four. */
	{ "boot-delete p50 at 100ms <= 1.5 x at 0ms",
	  "boot-delete p50 at 100ms <= 1.5 x at 0ms",
	  CI_METRIC_WORKLOAD, CI_STAT_P50, CI_DIM_TIME, CI_REF_POINT, 1.5 },
	{ "tc --test worst error <= 2 %", "tc --test worst error <= 2 %",
	  CI_METRIC_TC_ERROR, CI_STAT_MAX, CI_DIM_PERCENT, CI_REF_ABSOLUTE, 2 },
	{ "up of 1000 nodes <= 3 s", "up of 1000 nodes <= 3 s",
	  CI_METRIC_UP, CI_STAT_NONE, CI_DIM_TIME, CI_REF_ABSOLUTE, 3000 },
	{ "kv-latency/put p99 <= 1.10 x baseline",
	  "kv-latency/put p99 <= 1.1 x baseline",
	  CI_METRIC_WORKLOAD, CI_STAT_P99, CI_DIM_TIME, CI_REF_BASELINE, 1.1 },
	/* Statistic first, unit glued. */
	{ "p50 boot-delete <= 3s", "boot-delete p50 <= 3 s",
	  CI_METRIC_WORKLOAD, CI_STAT_P50, CI_DIM_TIME, CI_REF_ABSOLUTE, 3000 },
	/* tc --test: the unit says absolute or relative error. */
	{ "tc --test error <= 0.5ms", "tc --test worst error <= 0.5 ms",
	  CI_METRIC_TC_ERROR, CI_STAT_MAX, CI_DIM_TIME, CI_REF_ABSOLUTE, 0.5 },
	{ "tc --test loss p99 < 1 %", "tc --test p99 loss < 1 %",
	  CI_METRIC_TC_LOSS, CI_STAT_P99, CI_DIM_PERCENT, CI_REF_ABSOLUTE, 1 },
	{ "tc --test mean error <= 1.2 x baseline",
	  "tc --test mean error <= 1.2 x baseline",
	  CI_METRIC_TC_ERROR, CI_STAT_MEAN, CI_DIM_PERCENT, CI_REF_BASELINE, 1.2 },
	{ "ready of 3 qemu nodes <= 120 s", "ready of 3 qemu nodes <= 120 s",
	  CI_METRIC_READY, CI_STAT_NONE, CI_DIM_TIME, CI_REF_ABSOLUTE, 120000 },
	{ "up of 1 node <= 1500 ms", "up of 1 node <= 1500 ms",
	  CI_METRIC_UP, CI_STAT_NONE, CI_DIM_TIME, CI_REF_ABSOLUTE, 1500 },
	{ "deploy of etcd <= 20 s", "deploy of etcd <= 20 s",
	  CI_METRIC_DEPLOY, CI_STAT_NONE, CI_DIM_TIME, CI_REF_ABSOLUTE, 20000 },
	{ "deploy <= 1.5 x baseline", "deploy <= 1.5 x baseline",
	  CI_METRIC_DEPLOY, CI_STAT_NONE, CI_DIM_TIME, CI_REF_BASELINE, 1.5 },
	/* Counts and failure rates. */
	{ "boot-delete count >= 100", "boot-delete count >= 100",
	  CI_METRIC_WORKLOAD, CI_STAT_COUNT, CI_DIM_COUNT, CI_REF_ABSOLUTE, 100 },
	{ "boot-delete failures <= 0", "boot-delete failures <= 0",
	  CI_METRIC_WORKLOAD, CI_STAT_FAILURES, CI_DIM_COUNT, CI_REF_ABSOLUTE, 0 },
	{ "boot-delete rate <= 1 %", "boot-delete rate <= 1 %",
	  CI_METRIC_WORKLOAD, CI_STAT_RATE, CI_DIM_PERCENT, CI_REF_ABSOLUTE, 1 },
	/* An atomic action, from one client site, selectors in any order. */
	{ "nova.boot_server mean from edge-1 <= 2 s",
	  "nova.boot_server mean from edge-1 <= 2 s",
	  CI_METRIC_WORKLOAD, CI_STAT_MEAN, CI_DIM_TIME, CI_REF_ABSOLUTE, 2000 },
	{ "kv-latency/get worst at rtt=10ms central from lyon > 1500us",
	  "kv-latency/get max from lyon at rtt=10ms central > 1500 us",
	  CI_METRIC_WORKLOAD, CI_STAT_MAX, CI_DIM_TIME, CI_REF_ABSOLUTE, 1.5 },
	{ "kv-latency/get min at 0.1s >= 1 x at 10ms",
	  "kv-latency/get min at 0.1s >= 1 x at 10ms",
	  CI_METRIC_WORKLOAD, CI_STAT_MIN, CI_DIM_TIME, CI_REF_POINT, 1 },
	{ "rally/Keystone.Token p90 <= 1.5x at 0ms",
	  "rally/Keystone.Token p90 <= 1.5 x at 0ms",
	  CI_METRIC_WORKLOAD, CI_STAT_P90, CI_DIM_TIME, CI_REF_POINT, 1.5 },
};

static void same_threshold(const struct ci_threshold *a,
			   const struct ci_threshold *b)
{
	ck_assert_int_eq(a->s.metric, b->s.metric);
	ck_assert_int_eq(a->s.stat, b->s.stat);
	ck_assert_int_eq(a->s.dim, b->s.dim);
	ck_assert_str_eq(a->s.workload, b->s.workload);
	ck_assert_str_eq(a->s.op, b->s.op);
	ck_assert_str_eq(a->s.site, b->s.site);
	ck_assert_str_eq(a->s.of, b->s.of);
	ck_assert_uint_eq(a->s.nodes, b->s.nodes);
	ck_assert_int_eq(a->cmp, b->cmp);
	ck_assert_int_eq(a->ref, b->ref);
	ck_assert(fabs(a->value - b->value) < 1e-9);
	ck_assert_mem_eq(&a->at, &b->at, sizeof(a->at));
	ck_assert_mem_eq(&a->ref_at, &b->ref_at, sizeof(a->ref_at));
}

START_TEST(test_forms)
{
	const struct form *f = &forms[_i];
	struct ci_threshold t, back;
	char *text, *again;

	parse_ok(f->text, &t);
	ck_assert_int_eq(t.s.metric, f->metric);
	ck_assert_int_eq(t.s.stat, f->stat);
	ck_assert_int_eq(t.s.dim, f->dim);
	ck_assert_int_eq(t.ref, f->ref);
	ck_assert_msg(fabs(t.value - f->value) < 1e-9, "%s: value %g, not %g",
		      f->text, t.value, f->value);
	text = format(&t);
	ck_assert_str_eq(text, f->canonical);
	/* The canonical text reads back to the same threshold, and prints
	 * the same again. */
	parse_ok(text, &back);
	same_threshold(&t, &back);
	again = format(&back);
	ck_assert_str_eq(again, text);
	free(text);
	free(again);
}
END_TEST

START_TEST(test_selectors)
{
	struct ci_threshold t;

	parse_ok("kv-latency/get worst at rtt=10ms central from lyon > 1500us", &t);
	ck_assert_str_eq(t.s.workload, "kv-latency");
	ck_assert_str_eq(t.s.op, "get");
	ck_assert_str_eq(t.s.site, "lyon");
	ck_assert_uint_eq(t.at.n, 2);
	ck_assert_str_eq(t.at.v[0].axis, "rtt");
	ck_assert_str_eq(t.at.v[0].value, "10ms");
	ck_assert_str_eq(t.at.v[1].axis, "");
	ck_assert_str_eq(t.at.v[1].value, "central");
	ck_assert_int_eq(t.cmp, CI_CMP_GT);
	parse_ok("ready of 3 qemu nodes <= 120 s", &t);
	ck_assert_uint_eq(t.s.nodes, 3);
	ck_assert_str_eq(t.s.of, "qemu");
	parse_ok("boot-delete p50 at 100ms <= 1.5 x at 0ms", &t);
	ck_assert_uint_eq(t.ref_at.n, 1);
	ck_assert_str_eq(t.ref_at.v[0].value, "0ms");
	ck_assert_str_eq(t.s.op, "");
	ck_assert_str_eq(t.s.workload, "boot-delete");
}
END_TEST

/* Values in units, into the dimension's unit, and shown back in the
 * threshold's. */
START_TEST(test_units)
{
	static const struct {
		const char *text;
		double value;           /* ms, % or count */
		double shown;           /* ci_value_format of 1234 */
		const char *unit;
	} u[] = {
		{ "up <= 3 s", 3000, 1.234, "s" },
		{ "up <= 3s", 3000, 1.234, "s" },
		{ "up <= 2.5 ms", 2.5, 1234, "ms" },
		{ "up <= 1500 us", 1.5, 1234000, "us" },
		{ "up <= 0.1ms", 0.1, 1234, "ms" },
		{ "boot-delete rate <= 2 %", 2, 1234, "%" },
		{ "boot-delete rate <= 0.5%", 0.5, 1234, "%" },
		{ "boot-delete count >= 7", 7, 1234, "" },
	};
	struct ci_threshold t;
	char buf[64], want[64];
	size_t i;

	for (i = 0; i < N_OF(u); i++) {
		parse_ok(u[i].text, &t);
		ck_assert_msg(fabs(t.value - u[i].value) < 1e-9, "%s: %g",
			      u[i].text, t.value);
		ck_assert_str_eq(t.unit, u[i].unit);
		snprintf(want, sizeof(want), "%.4g%s%s", u[i].shown,
			 *u[i].unit ? " " : "", u[i].unit);
		ck_assert_str_eq(ci_value_format(&t, 1234, buf, sizeof(buf)), want);
	}
	/* A ratio shows the figure's usual unit: seconds for a duration,
	 * milliseconds for an operation; no figure is "-". */
	parse_ok("up <= 2 x baseline", &t);
	ck_assert_str_eq(ci_value_format(&t, 2500, buf, sizeof(buf)), "2.5 s");
	parse_ok("put p50 <= 2 x baseline", &t);
	ck_assert_str_eq(ci_value_format(&t, 12.5, buf, sizeof(buf)), "12.5 ms");
	ck_assert_str_eq(ci_value_format(&t, NAN, buf, sizeof(buf)), "-");
}
END_TEST

struct names {
	char **v;
	size_t n;
};

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static struct names list_dir(const char *dir, const char *suffix)
{
	struct names l = { calloc(256, sizeof(char *)), 0 };
	struct dirent *e;
	DIR *d = opendir(dir);
	size_t sl = strlen(suffix);

	/* No ck_assert here: count_dir runs while the suite is made. */
	while (d && l.n < 256 && (e = readdir(d))) {
		size_t len = strlen(e->d_name);

		if (len > sl && !strcmp(e->d_name + len - sl, suffix))
			l.v[l.n++] = strdup(e->d_name);
	}
	if (d)
		closedir(d);
	qsort(l.v, l.n, sizeof(*l.v), cmp_str);
	return l;
}

static void names_release(struct names *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
}

static size_t count_dir(const char *dir, const char *suffix)
{
	struct names l = list_dir(dir, suffix);
	size_t n = l.n;

	names_release(&l);
	return n;
}

static char *read_text(const char *path)
{
	char *buf = NULL;
	size_t len = 0;

	ck_assert_msg(fs_read_file(path, 1 << 20, &buf, &len) == 0, "%s", path);
	return buf;
}

START_TEST(test_bad_fixture)
{
	struct names l = list_dir(BAD_DIR, ".yaml");
	struct ci_spec spec;
	char path[512], errpath[512], *expected, *nl, *err = NULL;

	ck_assert_uint_gt(l.n, (size_t)_i);
	snprintf(path, sizeof(path), BAD_DIR "/%s", l.v[_i]);
	snprintf(errpath, sizeof(errpath), "%.*s.err", (int)(strlen(path) - 5),
		 path);
	expected = read_text(errpath);
	if ((nl = strchr(expected, '\n')))
		*nl = '\0';
	ck_assert_int_lt(ci_load_file(path, &spec, &err), 0);
	ck_assert_msg(err && !strcmp(err, expected), "%s:\n  got      %s\n  expected %s",
		      l.v[_i], err ? err : "(null)", expected);
	ck_assert_ptr_null(spec.t);
	free(expected);
	free(err);
	names_release(&l);
}
END_TEST

START_TEST(test_bad_fixtures_paired)
{
	struct names y = list_dir(BAD_DIR, ".yaml"), e = list_dir(BAD_DIR, ".err");
	size_t i;

	ck_assert_uint_ge(y.n, 40);
	ck_assert_uint_eq(y.n, e.n);
	for (i = 0; i < y.n; i++)
		ck_assert_msg(strlen(y.v[i]) - 5 == strlen(e.v[i]) - 4 &&
			      !strncmp(y.v[i], e.v[i], strlen(y.v[i]) - 5),
			      "%s and %s do not pair", y.v[i], e.v[i]);
	names_release(&y);
	names_release(&e);
}
END_TEST

/* A threshold is too long, or has too many words, before it is parsed;
 * a section of too many thresholds is refused whole. */
START_TEST(test_bounds)
{
	struct strbuf sb = STRBUF_INIT;
	struct ci_threshold t;
	struct ci_spec spec;
	char path[256], *why = NULL, *err = NULL;
	size_t at = 0, i;

	for (i = 0; i < CI_TEXT_MAX; i++)
		strbuf_addc(&sb, 'a');
	ck_assert_int_eq(ci_threshold_parse(strbuf_str(&sb), &t, &at, &why), -EINVAL);
	ck_assert_ptr_nonnull(strstr(why, "too long"));
	free(why);
	strbuf_reset(&sb);
	strbuf_adds(&sb, "name: many\nci:\n  thresholds:\n");
	for (i = 0; i <= CI_THRESHOLDS_MAX; i++)
		strbuf_adds(&sb, "    - up <= 3 s\n");
	tu_write(tc.dir, "many.yaml", strbuf_str(&sb), path, sizeof(path));
	ck_assert_int_eq(ci_load_file(path, &spec, &err), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "too many thresholds (257, at most 256)"));
	free(err);
	strbuf_release(&sb);
}
END_TEST

/* Another loader (the sweep's, the topology's) calls ci_load with its own
 * struct yload and flags: the section says the same, and the flags are
 * the loader's again afterwards. */
START_TEST(test_load_from_another_loader)
{
	static const char text[] =
		"axes: {x: [1, 2]}\n"
		"ci: {baseline: 4, thresholds: [up <= 3 s, upp <= 3 s]}\n";
	struct yload L = { .label = "sweep.yaml",
			   .flags = YLOAD_KEY_CONTEXT | YLOAD_QUOTE_RAW,
			   .name_max = 8 };
	struct ci_spec spec = { 0 };
	const yaml_node_t *root, *ci = NULL;
	yaml_node_pair_t *p;
	char want[128];

	ck_assert_int_eq(yload_parse(&L, text, strlen(text)), 0);
	root = yamldoc_root(L.doc);
	for (p = root->data.mapping.pairs.start; p < root->data.mapping.pairs.top; p++)
		if (!strcmp(yamldoc_scalar(yload_node(&L, p->key)), "ci"))
			ci = yload_node(&L, p->value);
	ck_assert_ptr_nonnull(ci);
	ck_assert_int_eq(ci_load(&L, ci, &spec), -EINVAL);
	snprintf(want, sizeof(want), "sweep.yaml:2:%d: unknown metric 'upp' (did you mean 'up'?)",
		 (int)(strstr(text, "upp") - strchr(text, '\n')));
	ck_assert_str_eq(L.err, want);
	ck_assert_uint_eq(L.flags, YLOAD_KEY_CONTEXT | YLOAD_QUOTE_RAW);
	ck_assert_uint_eq(L.name_max, 8);
	/* What was read before the error stays for the caller to release. */
	ck_assert_uint_eq(spec.n, 1);
	ck_assert_str_eq(spec.baseline, "4");
	ci_spec_release(&spec);
	yload_release(&L);
}
END_TEST

/* The shipped nightly sweep's ci: section and its topology load. */
START_TEST(test_nightly)
{
	struct ci_spec spec;
	struct topology *t;
	char *err = NULL, *text = read_text("benchmarks/nightly.yaml"), *p;
	size_t items = 0;

	for (p = text; (p = strstr(p, "\n    - ")); p++)
		items++;
	ck_assert_int_eq(ci_load_file("benchmarks/nightly.yaml", &spec, &err), 0);
	ck_assert_uint_eq(spec.n, items);
	ck_assert_str_eq(spec.suite, "nightly");
	ck_assert_str_eq(spec.topology, "nightly-world.yaml");
	t = topo_load("benchmarks/nightly-world.yaml", &err);
	ck_assert_msg(t, "%s", err ? err : "?");
	ck_assert_uint_eq(t->n_nodes, 1000);
	topo_free(t);
	ci_spec_release(&spec);
	free(text);
}
END_TEST

/* ---- evaluation through a fake ci_figures ---- */

struct fake_run {
	int64_t id;
	const char *axes[3][2];         /* {path, value} */
	bool has;                       /* a figure */
	double value;
};

struct fake {
	const struct fake_run *runs;
	size_t n;
};

static const struct fake_run *fake_find(const struct fake *f, int64_t run)
{
	size_t i;

	for (i = 0; i < f->n; i++)
		if (f->runs[i].id == run)
			return &f->runs[i];
	return NULL;
}

static int fake_figure(void *arg, int64_t run, const struct ci_threshold *t,
		       double *value, char **why)
{
	const struct fake_run *r = fake_find(arg, run);

	(void)t;
	if (!r || !r->has) {
		*why = strdup("fake has none");
		return -ENOENT;
	}
	*value = r->value;
	return 0;
}

static int fake_axes(void *arg, int64_t run, struct ci_axis **axes, size_t *n,
		     char **why)
{
	const struct fake_run *r = fake_find(arg, run);
	size_t i;

	*why = NULL;
	*n = 0;
	*axes = calloc(3, sizeof(**axes));
	for (i = 0; r && i < 3 && r->axes[i][0]; i++) {
		snprintf((*axes)[i].axis, sizeof((*axes)[i].axis), "%s", r->axes[i][0]);
		snprintf((*axes)[i].value, sizeof((*axes)[i].value), "%s", r->axes[i][1]);
		(*n)++;
	}
	return 0;
}

/* Two axes, two points per value of rtt, repetitions. */
static const struct fake_run sweep[] = {
	{ 1, { { "network.constraints[0].rtt", "10ms" }, { "stack.strategy", "central" } }, true, 10 },
	{ 2, { { "network.constraints[0].rtt", "10ms" }, { "stack.strategy", "central" } }, true, 30 },
	{ 3, { { "network.constraints[0].rtt", "10ms" }, { "stack.strategy", "central" } }, true, 20 },
	{ 4, { { "network.constraints[0].rtt", "100ms" }, { "stack.strategy", "central" } }, true, 90 },
	{ 5, { { "network.constraints[0].rtt", "100ms" }, { "stack.strategy", "central" } }, false, 0 },
	{ 6, { { "network.constraints[0].rtt", "10ms" }, { "stack.strategy", "edge" } }, true, 5 },
	{ 7, { { NULL, NULL } }, true, 7 },
};

static const int64_t sweep_ids[] = { 1, 2, 3, 4, 5, 6 };

static void eval(const char *text, const struct fake_run *runs, size_t n,
		 const int64_t *ids, size_t nids, const struct ci_source *base,
		 struct ci_result *r, struct ci_threshold *t)
{
	struct fake fk = { runs, n };
	struct ci_figures f = { fake_figure, fake_axes, &fk };
	struct ci_source src = { ids, nids, "the sweep" };
	char *err = NULL;

	parse_ok(text, t);
	ck_assert_int_eq(ci_evaluate(&f, t, &src, base, r, &err), 0);
	ck_assert_ptr_null(err);
}

static void median_of(double *v, size_t n, double *out)
{
	size_t i, k;

	/* Small sorts by hand: the test does not trust the code it checks. */
	for (i = 1; i < n; i++)
		for (k = i; k > 0 && v[k - 1] > v[k]; k--) {
			double x = v[k];

			v[k] = v[k - 1];
			v[k - 1] = x;
		}
	*out = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

START_TEST(test_combine)
{
	double v[] = { sweep[0].value, sweep[1].value, sweep[2].value }, med;
	struct ci_threshold t;
	struct ci_result r;

	median_of(v, 3, &med);
	eval("w p50 at 10ms central <= 1 s", sweep, N_OF(sweep), sweep_ids,
	     N_OF(sweep_ids), NULL, &r, &t);
	ck_assert(r.observed == med);
	ck_assert_int_eq(r.verdict, CI_PASS);
	ck_assert_uint_eq(r.n_runs, 3);
	ck_assert_ptr_null(r.reason);
	ci_result_release(&r);
	eval("w count at 10ms central >= 1", sweep, N_OF(sweep), sweep_ids,
	     N_OF(sweep_ids), NULL, &r, &t);
	ck_assert(r.observed == sweep[0].value + sweep[1].value + sweep[2].value);
	ci_result_release(&r);
	eval("w max at 10ms central >= 1 ms", sweep, N_OF(sweep), sweep_ids,
	     N_OF(sweep_ids), NULL, &r, &t);
	ck_assert(r.observed == fmax(fmax(sweep[0].value, sweep[1].value), sweep[2].value));
	ci_result_release(&r);
	eval("w min at 10ms central >= 1 ms", sweep, N_OF(sweep), sweep_ids,
	     N_OF(sweep_ids), NULL, &r, &t);
	ck_assert(r.observed == fmin(fmin(sweep[0].value, sweep[1].value), sweep[2].value));
	ci_result_release(&r);
}
END_TEST

START_TEST(test_points)
{
	struct ci_threshold t;
	struct ci_result r;

	/* Axis by its last component, a time by its value. */
	eval("w p50 at rtt=0.01s strategy=central <= 1 s", sweep, N_OF(sweep),
	     sweep_ids, N_OF(sweep_ids), NULL, &r, &t);
	ck_assert_uint_eq(r.n_runs, 3);
	ci_result_release(&r);
	/* 10ms alone is two points: a failure that says so. */
	eval("w p50 at 10ms <= 1 s", sweep, N_OF(sweep), sweep_ids,
	     N_OF(sweep_ids), NULL, &r, &t);
	ck_assert_int_eq(r.verdict, CI_FAIL);
	ck_assert_msg(strstr(r.reason, "'at 10ms' matches several points of the sweep"),
		      "%s", r.reason);
	ck_assert(isnan(r.observed));
	ci_result_release(&r);
	eval("w p50 at 50ms <= 1 s", sweep, N_OF(sweep), sweep_ids,
	     N_OF(sweep_ids), NULL, &r, &t);
	ck_assert_int_eq(r.verdict, CI_FAIL);
	ck_assert_str_eq(r.reason, "no run of the sweep is at 50ms");
	ci_result_release(&r);
	/* Run 7 is no sweep's. */
	eval("w p50 at 10ms <= 1 s", sweep, N_OF(sweep), &sweep[6].id, 1, NULL,
	     &r, &t);
	ck_assert_str_eq(r.reason, "the sweep is not part of a sweep: nothing is 'at 10ms'");
	ci_result_release(&r);
	/* Without a point: every run. */
	eval("w count >= 1", sweep, N_OF(sweep), sweep_ids, N_OF(sweep_ids),
	     NULL, &r, &t);
	ck_assert_uint_eq(r.n_runs, 5);
	ci_result_release(&r);
}
END_TEST

START_TEST(test_missing)
{
	struct ci_threshold t;
	struct ci_result r;

	/* Run 5 has no figure, run 4 has: the point's figure is run 4's. */
	eval("w p50 at 100ms <= 1 s", sweep, N_OF(sweep), sweep_ids,
	     N_OF(sweep_ids), NULL, &r, &t);
	ck_assert_uint_eq(r.n_runs, 1);
	ck_assert_int_eq(r.runs[0], 4);
	ck_assert(r.observed == sweep[3].value);
	ci_result_release(&r);
	/* No run has it: a failure, never a pass, naming what and where. */
	eval("w p50 at 100ms <= 1 s", sweep, N_OF(sweep), &sweep[4].id, 1, NULL,
	     &r, &t);
	ck_assert_int_eq(r.verdict, CI_FAIL);
	ck_assert_str_eq(r.reason, "no figure for 'w p50' at 100ms in run 5: fake has none");
	ck_assert_uint_eq(r.n_runs, 0);
	ci_result_release(&r);
	/* Nor does a missing reference pass. */
	eval("w p50 at 10ms central <= 2 x at 100ms", sweep, N_OF(sweep),
	     &sweep[0].id, 1, NULL, &r, &t);
	ck_assert_int_eq(r.verdict, CI_FAIL);
	ck_assert_str_eq(r.reason, "no reference: no run of the sweep is at 100ms");
	ci_result_release(&r);
}
END_TEST

START_TEST(test_references)
{
	const struct ci_source base = { &sweep[6].id, 1, "the baseline" };
	const struct ci_source nobase = { NULL, 0, "no baseline 'x' is stored" };
	struct ci_threshold t;
	struct ci_result r;
	double v[] = { sweep[0].value, sweep[1].value, sweep[2].value }, med;

	median_of(v, 3, &med);
	/* 100ms against 10ms: 90 against the median of the point. */
	eval("w p50 at 100ms >= 4 x at 10ms central", sweep, N_OF(sweep),
	     sweep_ids, N_OF(sweep_ids), NULL, &r, &t);
	ck_assert(r.reference == med);
	ck_assert(r.limit == 4 * med);
	ck_assert_int_eq(r.verdict, sweep[3].value >= 4 * med ? CI_PASS : CI_FAIL);
	ci_result_release(&r);
	eval("w p50 at 100ms >= 5 x at 10ms central", sweep, N_OF(sweep),
	     sweep_ids, N_OF(sweep_ids), NULL, &r, &t);
	ck_assert_int_eq(r.verdict, sweep[3].value >= 5 * med ? CI_PASS : CI_FAIL);
	ck_assert_ptr_nonnull(strstr(r.reason, " at the reference point)"));
	ci_result_release(&r);
	/* The baseline: the same figure in other runs. */
	eval("w p50 <= 1.1 x baseline", sweep, N_OF(sweep), &sweep[5].id, 1,
	     &base, &r, &t);
	ck_assert(r.reference == sweep[6].value);
	ck_assert_int_eq(r.verdict, sweep[5].value <= 1.1 * sweep[6].value ?
			 CI_PASS : CI_FAIL);
	ci_result_release(&r);
	eval("w p50 <= 1.1 x baseline", sweep, N_OF(sweep), &sweep[5].id, 1,
	     &nobase, &r, &t);
	ck_assert_int_eq(r.verdict, CI_FAIL);
	ck_assert_str_eq(r.reason, "no reference: no baseline 'x' is stored");
	ci_result_release(&r);
	eval("w p50 <= 1.1 x baseline", sweep, N_OF(sweep), &sweep[5].id, 1,
	     NULL, &r, &t);
	ck_assert_str_eq(r.reason, "no reference: no baseline was given");
	ci_result_release(&r);
}
END_TEST

/* Each comparison at, below and above its limit. */
START_TEST(test_comparisons)
{
	static const struct {
		const char *op;
		bool below, at, above;
	} c[] = {
		{ "<=", true, true, false }, { "<", true, false, false },
		{ ">=", false, true, true }, { ">", false, false, true },
	};
	const struct fake_run one = { 1, { { NULL, NULL } }, true, 7 };
	struct ci_threshold t;
	struct ci_result r;
	char text[64];
	size_t i, k;
	double limits[3] = { one.value + 1, one.value, one.value - 1 };

	for (i = 0; i < N_OF(c); i++) {
		bool want[3] = { c[i].below, c[i].at, c[i].above };

		for (k = 0; k < 3; k++) {
			snprintf(text, sizeof(text), "w p50 %s %g ms", c[i].op, limits[k]);
			eval(text, &one, 1, &one.id, 1, NULL, &r, &t);
			ck_assert_msg((r.verdict == CI_PASS) == want[k], "%s with 7", text);
			ck_assert_msg((r.reason == NULL) == want[k], "%s", text);
			ci_result_release(&r);
		}
	}
}
END_TEST

/* ---- evaluation against a database filled through the state API ---- */

static struct state *open_db(const char *name, char *path, size_t len)
{
	struct state *st = NULL;
	char *err = NULL;

	snprintf(path, len, "%s/%s.db", tc.dir, name);
	ck_assert_msg(state_open(path, &st, &err) == 0, "%s", err ? err : "?");
	return st;
}

static int64_t new_run(struct state *st, const char *exp, const char *kind)
{
	int64_t run = 0;

	ck_assert_int_eq(state_run_begin(st, exp, kind, 0, false, &run), 0);
	return run;
}

static void summary(struct state *st, int64_t run, const char *wl,
		    const char *op, const char *site, unsigned count,
		    unsigned failures, double p50, double p99)
{
	struct wl_summary_row r = { .count = count, .failures = failures,
		.min_ms = p50 / 2, .p50_ms = p50, .p90_ms = (p50 + p99) / 2,
		.p99_ms = p99, .max_ms = p99 * 2, .mean_ms = p50 * 1.1,
		.stddev_ms = 1 };

	snprintf(r.workload, sizeof(r.workload), "%s", wl);
	snprintf(r.op, sizeof(r.op), "%s", op);
	snprintf(r.site, sizeof(r.site), "%s", site);
	ck_assert_int_eq(state_wl_summary_put(st, run, &r), 0);
}

static void db_eval(struct state *st, const char *text, const int64_t *runs,
		    size_t n, const struct ci_source *base, struct ci_result *r,
		    struct ci_threshold *t)
{
	struct ci_figures f;
	struct ci_source src = { runs, n, "the runs" };
	char *err = NULL;

	ci_eval_db(st, &f);
	parse_ok(text, t);
	ck_assert_int_eq(ci_evaluate(&f, t, &src, base, r, &err), 0);
	ck_assert_ptr_null(err);
}

/* A reason that must hold NEEDLE. */
static void reason_has(const struct ci_result *r, const char *needle)
{
	ck_assert_msg(r->reason && strstr(r->reason, needle),
		      "reason '%s' lacks '%s'", r->reason ? r->reason : "(none)",
		      needle);
}

START_TEST(test_db_durations)
{
	char path[256], want[128];
	struct state *st = open_db("durations", path, sizeof(path));
	struct ci_threshold t;
	struct ci_result r;
	const double up = 2.5, netns = 1.8, lxc = 9.0, deploy = 4.25;
	int64_t run, bench;

	run = new_run(st, "nightly", "run");
	ck_assert_int_eq(state_result_add(st, run, "up_seconds", NULL, NULL, up, "s"), 0);
	ck_assert_int_eq(state_result_add(st, run, "deploy_seconds", "etcd", "spread", deploy, "s"), 0);
	ck_assert_int_eq(state_fact_add(st, run, "world", "17 sites, 1000 nodes"), 0);
	bench = new_run(st, NULL, "bench-backends");
	ck_assert_int_eq(state_result_add(st, bench, "up_seconds", "netns", "1000", netns, "s"), 0);
	ck_assert_int_eq(state_result_add(st, bench, "up_seconds", "lxc", "1000", lxc, "s"), 0);

	db_eval(st, "up of 1000 nodes <= 3 s", &run, 1, NULL, &r, &t);
	ck_assert_int_eq(r.verdict, up <= 3 ? CI_PASS : CI_FAIL);
	ck_assert(fabs(r.observed - up * 1000) < 1e-9);
	ci_result_release(&r);
	db_eval(st, "up of 1000 nodes <= 2 s", &run, 1, NULL, &r, &t);
	ck_assert_int_eq(r.verdict, CI_FAIL);
	snprintf(want, sizeof(want), "observed %g s > limit 2 s", up);
	reason_has(&r, want);
	ci_result_release(&r);
	db_eval(st, "up of 999 nodes <= 3 s", &run, 1, NULL, &r, &t);
	snprintf(want, sizeof(want), "no figure for 'up of 999 nodes' in run %lld: run %lld has 1000 nodes",
		 (long long)run, (long long)run);
	ck_assert_str_eq(r.reason, want);
	ci_result_release(&r);
	db_eval(st, "ready <= 3 s", &run, 1, NULL, &r, &t);
	reason_has(&r, "stored no ready_seconds");
	ci_result_release(&r);
	db_eval(st, "deploy of etcd <= 5 s", &run, 1, NULL, &r, &t);
	ck_assert(fabs(r.observed - deploy * 1000) < 1e-9);
	ci_result_release(&r);
	db_eval(st, "deploy of openstack <= 5 s", &run, 1, NULL, &r, &t);
	reason_has(&r, "has no deploy_seconds of that kind");
	ci_result_release(&r);
	/* The benchmarks' rows: the size as dst, the backend as src. */
	db_eval(st, "up of 1000 nodes <= 3 s", &bench, 1, NULL, &r, &t);
	reason_has(&r, "has 2 such figures (netns, lxc): say which with 'of'");
	ci_result_release(&r);
	db_eval(st, "up of 1000 netns nodes <= 3 s", &bench, 1, NULL, &r, &t);
	ck_assert(fabs(r.observed - netns * 1000) < 1e-9);
	ck_assert_int_eq(r.verdict, CI_PASS);
	ci_result_release(&r);
	state_close(st);
}
END_TEST

/* Site pairs as tc --test stores them (enos/measure.c). */
static const struct {
	const char *src, *dst;
	double target, p50, loss;
} pairs[] = {
	{ "paris", "lyon", 20, 20.3, 0 },
	{ "lyon", "paris", 20, 19.9, 0 },
	{ "paris", "tokyo", 250, 251.5, 2 },
	{ "tokyo", "paris", 250, 249.0, 0 },
	{ "lyon", "tokyo", NAN, 240, 0 },       /* unshaped: no target */
};

static int64_t tc_run(struct state *st, bool lose_one)
{
	int64_t run = new_run(st, "w", "tc-test");
	size_t i;

	state_result_add(st, run, "tolerance_pct", NULL, NULL, 2, "%");
	for (i = 0; i < N_OF(pairs); i++) {
		state_result_add(st, run, "target_rtt", pairs[i].src, pairs[i].dst, pairs[i].target, "ms");
		state_result_add(st, run, "rtt_p50", pairs[i].src, pairs[i].dst,
				 lose_one && i == 0 ? NAN : pairs[i].p50, "ms");
		state_result_add(st, run, "loss", pairs[i].src, pairs[i].dst,
				 lose_one && i == 0 ? 100 : pairs[i].loss, "%");
	}
	return run;
}

START_TEST(test_db_tc)
{
	char path[256], want[160];
	struct state *st = open_db("tc", path, sizeof(path));
	struct ci_threshold t;
	struct ci_result r;
	double rel = 0, abs_ = 0, loss = 0, sum = 0;
	size_t i, n = 0;
	int64_t run = tc_run(st, false), lost = tc_run(st, true);

	for (i = 0; i < N_OF(pairs); i++) {
		loss = fmax(loss, pairs[i].loss);
		if (isnan(pairs[i].target))
			continue;
		abs_ = fmax(abs_, fabs(pairs[i].p50 - pairs[i].target));
		rel = fmax(rel, 100 * fabs(pairs[i].p50 - pairs[i].target) / pairs[i].target);
		sum += 100 * fabs(pairs[i].p50 - pairs[i].target) / pairs[i].target;
		n++;
	}
	db_eval(st, "tc --test worst error <= 2 %", &run, 1, NULL, &r, &t);
	ck_assert(fabs(r.observed - rel) < 1e-9);
	ck_assert_int_eq(r.verdict, rel <= 2 ? CI_PASS : CI_FAIL);
	ci_result_release(&r);
	db_eval(st, "tc --test mean error <= 2 %", &run, 1, NULL, &r, &t);
	ck_assert(fabs(r.observed - sum / (double)n) < 1e-9);
	ci_result_release(&r);
	db_eval(st, "tc --test worst error <= 0.5 ms", &run, 1, NULL, &r, &t);
	ck_assert(fabs(r.observed - abs_) < 1e-9);
	ck_assert_int_eq(r.verdict, abs_ <= 0.5 ? CI_PASS : CI_FAIL);
	ci_result_release(&r);
	db_eval(st, "tc --test worst loss <= 0 %", &run, 1, NULL, &r, &t);
	ck_assert(r.observed == loss);
	ci_result_release(&r);
	/* A pair that lost every probe has no error figure: a failure. */
	db_eval(st, "tc --test worst error <= 2 %", &lost, 1, NULL, &r, &t);
	snprintf(want, sizeof(want), "site pair 'paris' -> 'lyon' of run %lld lost every probe",
		 (long long)lost);
	reason_has(&r, want);
	ci_result_release(&r);
	/* A run without pairs. */
	run = new_run(st, "w", "up");
	db_eval(st, "tc --test worst error <= 2 %", &run, 1, NULL, &r, &t);
	reason_has(&r, "has no tc --test figures");
	ci_result_release(&r);
	state_close(st);
}
END_TEST

/* A sweep of two points in its newest execution (sweep_id 7), an older
 * execution (6) whose figure must not count, and a run of another sweep
 * to be the baseline. */
struct sweep_db {
	int64_t old, at10, at100, base;
};

static void sweep_facts(struct state *st, int64_t run, const char *sweep,
			const char *id, const char *rtt)
{
	ck_assert_int_eq(state_fact_add(st, run, "sweep", sweep), 0);
	ck_assert_int_eq(state_fact_add(st, run, "sweep_id", id), 0);
	ck_assert_int_eq(state_fact_add(st, run, "axis network.constraints[0].rtt", rtt), 0);
}

static void fill_sweep(struct state *st, struct sweep_db *s)
{
	s->base = new_run(st, "nightly", "sweep");
	sweep_facts(st, s->base, "last-week", "1", "100ms");
	summary(st, s->base, "kv-latency", "put", "*", 200, 0, 100, 120);
	s->old = new_run(st, "nightly", "sweep");
	sweep_facts(st, s->old, "nightly", "6", "10ms");
	summary(st, s->old, "kv-latency", "put", "*", 200, 0, 999, 999);
	s->at10 = new_run(st, "nightly", "sweep");
	sweep_facts(st, s->at10, "nightly", "7", "10ms");
	summary(st, s->at10, "kv-latency", "put", "*", 200, 0, 12, 20);
	summary(st, s->at10, "kv-latency", "get", "*", 200, 2, 11, 15);
	summary(st, s->at10, "kv-latency", "put", "london", 200, 0, 12.5, 21);
	s->at100 = new_run(st, "nightly", "sweep");
	sweep_facts(st, s->at100, "nightly", "7", "100ms");
	summary(st, s->at100, "kv-latency", "put", "*", 200, 1, 105, 130);
	summary(st, s->at100, "kv-latency", "get", "*", 200, 0, 104, 120);
}

START_TEST(test_db_workloads)
{
	char path[256], *why = NULL;
	struct state *st = open_db("sweep", path, sizeof(path));
	struct sweep_db s;
	struct ci_threshold t;
	struct ci_result r;
	int64_t *runs = NULL, *none = NULL;
	size_t n = 0, nn = 0;

	fill_sweep(st, &s);
	/* The newest execution of 'nightly': the one of its newest run. */
	ck_assert_int_eq(ci_sweep_runs(st, "nightly", &runs, &n, &why), 0);
	ck_assert_uint_eq(n, 2);
	ck_assert_int_eq(runs[0], s.at10);
	ck_assert_int_eq(runs[1], s.at100);
	ck_assert_int_eq(ci_sweep_runs(st, "nope", &none, &nn, &why), -ENOENT);
	ck_assert_str_eq(why, "no sweep 'nope' has stored runs");
	free(why);

	db_eval(st, "kv-latency/put p50 at 100ms >= 3 x at 10ms", runs, n, NULL, &r, &t);
	ck_assert(r.observed == 105 && r.reference == 12 && r.limit == 36);
	ck_assert_int_eq(r.verdict, CI_PASS);
	ci_result_release(&r);
	/* An op's name alone, a client site, counts summed over the runs. */
	db_eval(st, "put p50 at 10ms <= 20 ms", runs, n, NULL, &r, &t);
	ck_assert(r.observed == 12);
	ci_result_release(&r);
	db_eval(st, "put p50 from london <= 20 ms", runs, n, NULL, &r, &t);
	ck_assert(r.observed == 12.5);
	ck_assert_uint_eq(r.n_runs, 1);
	ci_result_release(&r);
	db_eval(st, "kv-latency/put count >= 400", runs, n, NULL, &r, &t);
	ck_assert(r.observed == 400);
	ci_result_release(&r);
	db_eval(st, "kv-latency/put failures <= 0", runs, n, NULL, &r, &t);
	ck_assert(r.observed == 1);
	ck_assert_int_eq(r.verdict, CI_FAIL);
	ci_result_release(&r);
	db_eval(st, "kv-latency/get rate at 10ms <= 1 %", runs, n, NULL, &r, &t);
	ck_assert(fabs(r.observed - 1.0) < 1e-9);
	ck_assert_int_eq(r.verdict, CI_PASS);
	ci_result_release(&r);
	/* Ambiguous, misspelt, absent. */
	db_eval(st, "kv-latency p50 at 10ms <= 1 s", runs, n, NULL, &r, &t);
	reason_has(&r, "has several operations: name one (kv-latency/get, kv-latency/put)");
	ci_result_release(&r);
	db_eval(st, "kv-latency/pot p50 at 10ms <= 1 s", runs, n, NULL, &r, &t);
	reason_has(&r, "has no operation 'kv-latency/pot' (did you mean 'put'?)");
	ci_result_release(&r);
	db_eval(st, "put p50 from paris <= 1 s", runs, n, NULL, &r, &t);
	reason_has(&r, "has no workload summary for site 'paris'");
	ci_result_release(&r);
	free(runs);
	state_close(st);
}
END_TEST

START_TEST(test_db_baselines)
{
	char path[256], *why = NULL, id[32];
	struct state *st = open_db("baseline", path, sizeof(path));
	struct sweep_db s;
	struct ci_source base;
	struct ci_threshold t;
	struct ci_result r;
	int64_t *runs = NULL, pair[2];
	size_t n = 0;

	fill_sweep(st, &s);
	pair[0] = s.at10;
	pair[1] = s.at100;
	ck_assert_int_eq(ci_baseline_save(st, "nightly", &s.base, 1, &why), 0);
	ck_assert_int_eq(ci_baseline_runs(st, "nightly", &runs, &n, &why), 0);
	ck_assert_uint_eq(n, 1);
	ck_assert_int_eq(runs[0], s.base);
	base = (struct ci_source){ runs, n, "baseline 'nightly'" };
	db_eval(st, "kv-latency/put p99 at 100ms <= 1.10 x baseline", pair, 2,
		&base, &r, &t);
	ck_assert(r.observed == 130 && r.reference == 120);
	ck_assert_int_eq(r.verdict, 130 <= 1.10 * 120 ? CI_PASS : CI_FAIL);
	ci_result_release(&r);
	db_eval(st, "kv-latency/put p99 at 100ms <= 1.05 x baseline", pair, 2,
		&base, &r, &t);
	ck_assert_int_eq(r.verdict, CI_FAIL);
	reason_has(&r, "in the baseline)");
	ci_result_release(&r);
	/* The baseline has no run at 10ms. */
	db_eval(st, "kv-latency/put p99 at 10ms <= 1.10 x baseline", pair, 2,
		&base, &r, &t);
	reason_has(&r, "no reference: no run of baseline 'nightly' is at 10ms");
	ci_result_release(&r);
	free(runs);
	/* Saving again replaces it. */
	ck_assert_int_eq(ci_baseline_save(st, "nightly", pair, 2, &why), 0);
	ck_assert_int_eq(ci_baseline_runs(st, "nightly", &runs, &n, &why), 0);
	ck_assert_uint_eq(n, 2);
	ck_assert(runs[0] == pair[0] && runs[1] == pair[1]);
	free(runs);
	/* A run number is a baseline of its own; unknown ones are missing. */
	snprintf(id, sizeof(id), "%lld", (long long)s.base);
	ck_assert_int_eq(ci_baseline_runs(st, id, &runs, &n, &why), 0);
	ck_assert(n == 1 && runs[0] == s.base);
	free(runs);
	ck_assert_int_eq(ci_baseline_runs(st, "other", &runs, &n, &why), -ENOENT);
	ck_assert_str_eq(why, "no baseline 'other' is stored ('enos ci --save-baseline other' stores one)");
	free(why);
	ck_assert_int_eq(ci_baseline_runs(st, "999", &runs, &n, &why), -ENOENT);
	ck_assert_str_eq(why, "no run 999 to be the baseline");
	free(why);
	state_close(st);
}
END_TEST

/* ---- outputs ---- */

/* A report of three results: a pass, a failure, a missing figure, with
 * hostile text in the threshold, the file name and the reasons. */
struct report_fx {
	struct ci_spec spec;
	struct ci_threshold t[3];
	struct ci_result r[3];
	int64_t runs[2];
	struct ci_source src;
	struct ci_report rep;
};

static const char hostile[] = "up <x>&\"'\x01\xff]]> <= 3 s";

static void report_fx(struct report_fx *f)
{
	memset(f, 0, sizeof(*f));
	snprintf(f->spec.suite, sizeof(f->spec.suite), "nightly");
	f->spec.label = strdup("dir/<a&b>\"'.yaml");
	f->spec.t = f->t;
	f->spec.n = 3;
	parse_ok("up of 1000 nodes <= 3 s", &f->t[0]);
	parse_ok("up <= 3 s", &f->t[1]);
	snprintf(f->t[1].text, sizeof(f->t[1].text), "%s", hostile);
	parse_ok("kv-latency/put p50 at 100ms <= 1.5 x at 10ms", &f->t[2]);
	f->runs[0] = 12;
	f->runs[1] = 13;
	f->src = (struct ci_source){ f->runs, 2, "runs 12 and 13" };
	f->r[0] = (struct ci_result){ &f->t[0], CI_PASS, 2500, NAN, 3000, NULL, 0, NULL };
	f->r[0].runs = malloc(sizeof(int64_t));
	f->r[0].runs[0] = 12;
	f->r[0].n_runs = 1;
	f->r[1] = (struct ci_result){ &f->t[1], CI_FAIL, 3500, NAN, 3000, NULL, 0,
		strdup("observed 3.5 s > limit 3 s <op \x02\xfe&>") };
	f->r[2] = (struct ci_result){ &f->t[2], CI_FAIL, NAN, NAN, NAN, NULL, 0,
		strdup("no figure for 'kv-latency/put p50' at 100ms in runs 12 and 13") };
	f->rep = (struct ci_report){ &f->spec, &f->src, NULL, NULL, f->r, 3, 1765000000 };
}

static void report_fx_release(struct report_fx *f)
{
	size_t i;

	for (i = 0; i < 3; i++)
		ci_result_release(&f->r[i]);
	free(f->spec.label);
}

/* S as the outputs show it: escape_ctl'd. */
static char *cleaned(const char *s)
{
	struct strbuf sb = STRBUF_INIT;

	escape_ctl(&sb, s, strlen(s));
	return strbuf_detach(&sb);
}

static xmlNode *child(xmlNode *n, const char *name, size_t i)
{
	for (n = n->children; n; n = n->next)
		if (n->type == XML_ELEMENT_NODE && !strcmp((const char *)n->name, name) &&
		    i-- == 0)
			return n;
	return NULL;
}

static size_t children(xmlNode *n, const char *name)
{
	size_t k = 0;

	while (child(n, name, k))
		k++;
	return k;
}

static void attr_eq(xmlNode *n, const char *name, const char *want)
{
	xmlChar *v = xmlGetProp(n, (const xmlChar *)name);

	ck_assert_msg(v, "no attribute '%s'", name);
	ck_assert_msg(!strcmp((const char *)v, want), "%s='%s', not '%s'", name,
		      (const char *)v, want);
	xmlFree(v);
}

START_TEST(test_junit)
{
	struct report_fx f;
	char path[256], *name = cleaned(hostile), *reason, stamp[32];
	time_t when;
	struct tm tm;
	xmlDoc *doc;
	xmlNode *root, *suite, *tcase, *fail;
	xmlChar *msg;

	report_fx(&f);
	reason = cleaned(f.r[1].reason);
	snprintf(path, sizeof(path), "%s/junit.xml", tc.dir);
	ck_assert_int_eq(ci_write_file(path, &f.rep, ci_write_junit), 0);
	/* libxml2 refuses a document that is not well-formed. */
	doc = xmlReadFile(path, NULL, XML_PARSE_NONET | XML_PARSE_NOERROR |
			  XML_PARSE_NOWARNING);
	ck_assert_msg(doc, "%s is not well-formed XML", path);
	root = xmlDocGetRootElement(doc);
	ck_assert_str_eq((const char *)root->name, "testsuites");
	ck_assert_uint_eq(children(root, "testsuite"), 1);
	suite = child(root, "testsuite", 0);
	attr_eq(suite, "name", "nightly");
	attr_eq(suite, "tests", "3");
	attr_eq(suite, "failures", "2");
	attr_eq(suite, "errors", "0");
	when = (time_t)f.rep.when;
	gmtime_r(&when, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm);
	attr_eq(suite, "timestamp", stamp);
	ck_assert_uint_eq(children(child(suite, "properties", 0), "property"), 3);
	attr_eq(child(child(suite, "properties", 0), "property", 0), "value",
		"dir/<a&b>\"'.yaml");
	ck_assert_uint_eq(children(suite, "testcase"), 3);
	tcase = child(suite, "testcase", 0);
	attr_eq(tcase, "classname", "enos.ci.nightly");
	attr_eq(tcase, "name", "up of 1000 nodes <= 3 s");
	ck_assert_uint_eq(children(tcase, "failure"), 0);
	ck_assert_uint_eq(children(tcase, "system-out"), 1);
	/* The hostile one comes back as written, made printable. */
	tcase = child(suite, "testcase", 1);
	attr_eq(tcase, "name", name);
	ck_assert_uint_eq(children(tcase, "failure"), 1);
	fail = child(tcase, "failure", 0);
	attr_eq(fail, "message", reason);
	msg = xmlNodeGetContent(fail);
	ck_assert_ptr_nonnull(strstr((const char *)msg, "observed 3.5 s, limit 3 s"));
	xmlFree(msg);
	tcase = child(suite, "testcase", 2);
	attr_eq(child(tcase, "failure", 0), "message", f.r[2].reason);
	xmlFreeDoc(doc);
	free(name);
	free(reason);
	report_fx_release(&f);
}
END_TEST

START_TEST(test_json)
{
	static const char *const keys[] = { "threshold", "canonical", "line",
		"column", "metric", "workload", "op", "site", "statistic",
		"nodes", "of", "at", "comparison", "value", "factor",
		"reference", "reference_at", "unit", "observed", "limit",
		"reference_value", "result", "reason", "runs" };
	struct report_fx f;
	json_error_t jerr;
	json_t *root, *th, *o;
	char path[256], *name = cleaned(hostile);
	size_t i, k;

	report_fx(&f);
	snprintf(path, sizeof(path), "%s/ci.json", tc.dir);
	ck_assert_int_eq(ci_write_file(path, &f.rep, ci_write_json), 0);
	root = json_load_file(path, 0, &jerr);
	ck_assert_msg(root, "%s: %s", path, jerr.text);
	ck_assert_int_eq(json_integer_value(json_object_get(root, "version")), 1);
	ck_assert_str_eq(json_string_value(json_object_get(root, "suite")), "nightly");
	ck_assert_str_eq(json_string_value(json_object_get(root, "file")), "dir/<a&b>\"'.yaml");
	ck_assert_int_eq(json_integer_value(json_object_get(root, "total")), 3);
	ck_assert_int_eq(json_integer_value(json_object_get(root, "passed")), 1);
	ck_assert_int_eq(json_integer_value(json_object_get(root, "failed")), 2);
	ck_assert(json_is_false(json_object_get(root, "ok")));
	ck_assert(json_is_null(json_object_get(root, "baseline")));
	ck_assert_uint_eq(json_array_size(json_object_get(root, "runs")), 2);
	th = json_object_get(root, "thresholds");
	ck_assert_uint_eq(json_array_size(th), 3);
	for (i = 0; i < 3; i++)
		for (k = 0; k < N_OF(keys); k++)
			ck_assert_msg(json_object_get(json_array_get(th, i), keys[k]),
				      "threshold %zu has no '%s'", i, keys[k]);
	o = json_array_get(th, 0);
	ck_assert_str_eq(json_string_value(json_object_get(o, "result")), "pass");
	ck_assert(json_is_null(json_object_get(o, "reason")));
	ck_assert_str_eq(json_string_value(json_object_get(o, "unit")), "s");
	ck_assert(json_real_value(json_object_get(o, "observed")) == 2.5);
	ck_assert_int_eq(json_integer_value(json_object_get(o, "nodes")), 1000);
	o = json_array_get(th, 1);
	ck_assert_str_eq(json_string_value(json_object_get(o, "threshold")), name);
	ck_assert_str_eq(json_string_value(json_object_get(o, "result")), "fail");
	o = json_array_get(th, 2);
	ck_assert(json_is_null(json_object_get(o, "observed")));
	ck_assert_str_eq(json_string_value(json_object_get(o, "reference")), "point");
	ck_assert_str_eq(json_string_value(json_object_get(o, "at")), "100ms");
	ck_assert_str_eq(json_string_value(json_object_get(o, "reference_at")), "10ms");
	ck_assert(json_real_value(json_object_get(o, "factor")) == 1.5);
	ck_assert(json_is_null(json_object_get(o, "value")));
	json_decref(root);
	free(name);
	report_fx_release(&f);
}
END_TEST

START_TEST(test_table)
{
	struct report_fx f;
	char *buf = NULL;
	size_t len = 0;
	FILE *out;

	report_fx(&f);
	out = open_memstream(&buf, &len);
	ci_write_table(&f.rep, out);
	fclose(out);
	ck_assert_ptr_nonnull(strstr(buf, "pass   up of 1000 nodes <= 3 s"));
	ck_assert_ptr_nonnull(strstr(buf, "2.5 s"));
	ck_assert_ptr_nonnull(strstr(buf, "FAIL   up <x>&\"'\\x01\\xff]]> <= 3 s"));
	ck_assert_ptr_nonnull(strstr(buf, "       no figure for 'kv-latency/put p50'"));
	ck_assert_ptr_nonnull(strstr(buf, "3 thresholds: 1 passed, 2 failed\n"));
	ck_assert_ptr_null(strchr(buf, '\x01'));
	free(buf);
	report_fx_release(&f);
}
END_TEST

/* A file written over a symbolic link replaces the link. */
START_TEST(test_write_file_replaces_link)
{
	struct report_fx f;
	char path[256], target[256];
	struct stat sb;
	char *text;

	report_fx(&f);
	tu_write(tc.dir, "target", "keep", target, sizeof(target));
	snprintf(path, sizeof(path), "%s/out.json", tc.dir);
	ck_assert_int_eq(symlink(target, path), 0);
	ck_assert_int_eq(ci_write_file(path, &f.rep, ci_write_json), 0);
	ck_assert_int_eq(lstat(path, &sb), 0);
	ck_assert(S_ISREG(sb.st_mode));
	text = read_text(target);
	ck_assert_str_eq(text, "keep");
	free(text);
	snprintf(path, sizeof(path), "%s/no/such/dir.json", tc.dir);
	ck_assert_int_eq(ci_write_file(path, &f.rep, ci_write_json), -ENOENT);
	report_fx_release(&f);
}
END_TEST

/* ---- enos ci through the binary ---- */

static const char *ci_file(const char *name, const char *thresholds,
			   char *buf, size_t len)
{
	char text[2048];

	snprintf(text, sizeof(text), "name: %s\nci:\n%s", name, thresholds);
	return tu_write(tc.dir, name, text, buf, len);
}

START_TEST(test_cli)
{
	char path[256], good[256], bad[256], base[256], junit[256], json[256];
	char run[24], both[48], *out = NULL;
	struct state *st = open_db("cli", path, sizeof(path));
	json_error_t jerr;
	json_t *root;
	xmlDoc *doc;
	int64_t id;

	id = new_run(st, "nightly", "run");
	state_result_add(st, id, "up_seconds", NULL, NULL, 2.5, "s");
	state_fact_add(st, id, "world", "17 sites, 1000 nodes");
	summary(st, id, "kv-latency", "put", "*", 10, 0, 12, 20);
	state_close(st);
	snprintf(run, sizeof(run), "%lld", (long long)id);
	snprintf(both, sizeof(both), "%lld,%lld", (long long)id, (long long)id);
	snprintf(junit, sizeof(junit), "%s/out.xml", tc.dir);
	snprintf(json, sizeof(json), "%s/out.json", tc.dir);
	ci_file("good", "  thresholds:\n    - up of 1000 nodes <= 3 s\n"
		"    - kv-latency/put p50 <= 15 ms\n", good, sizeof(good));
	ci_file("bad", "  thresholds:\n    - up of 1000 nodes <= 2 s\n"
		"    - ready <= 2 s\n", bad, sizeof(bad));
	ci_file("base", "  baseline: b1\n  thresholds:\n"
		"    - kv-latency/put p99 <= 1.1 x baseline\n", base, sizeof(base));

	ck_assert_int_eq(tu_enos(&out, path, "ci", "--run", both, good, "--junit",
				 junit, "--json", json, NULL), 0);
	ck_assert_msg(tu_contains(out, "2 thresholds: 2 passed, 0 failed"), "%s", out);
	free(out);
	doc = xmlReadFile(junit, NULL, XML_PARSE_NONET | XML_PARSE_NOERROR);
	ck_assert_ptr_nonnull(doc);
	attr_eq(child(xmlDocGetRootElement(doc), "testsuite", 0), "failures", "0");
	attr_eq(child(xmlDocGetRootElement(doc), "testsuite", 0), "name", "good");
	xmlFreeDoc(doc);
	root = json_load_file(json, 0, &jerr);
	ck_assert_ptr_nonnull(root);
	ck_assert(json_is_true(json_object_get(root, "ok")));
	ck_assert_uint_eq(json_array_size(json_object_get(root, "runs")), 1);
	json_decref(root);

	/* A failure and a missing figure: exit 1, both in the files. */
	ck_assert_int_eq(tu_enos(&out, path, "ci", "--run", run, bad, "--junit",
				 junit, "--json", json, NULL), 1);
	ck_assert(tu_contains(out, "observed 2.5 s > limit 2 s"));
	ck_assert(tu_contains(out, "no figure for 'ready'"));
	ck_assert(tu_contains(out, "2 thresholds: 0 passed, 2 failed"));
	free(out);
	doc = xmlReadFile(junit, NULL, XML_PARSE_NONET | XML_PARSE_NOERROR);
	ck_assert_ptr_nonnull(doc);
	attr_eq(child(xmlDocGetRootElement(doc), "testsuite", 0), "failures", "2");
	xmlFreeDoc(doc);
	root = json_load_file(json, 0, &jerr);
	ck_assert(json_is_false(json_object_get(root, "ok")));
	json_decref(root);

	/* No baseline stored yet: the baseline threshold fails; saved, it
	 * passes against itself. */
	ck_assert_int_eq(tu_enos(&out, path, "ci", "--run", run, base, NULL), 1);
	ck_assert(tu_contains(out, "no reference: no baseline 'b1' is stored"));
	free(out);
	ck_assert_int_eq(tu_enos(&out, path, "ci", "--run", run, "--save-baseline",
				 "b1", good, NULL), 0);
	ck_assert(tu_contains(out, "baseline 'b1' is now run "));
	free(out);
	ck_assert_int_eq(tu_enos(&out, path, "ci", "--run", run, base, NULL), 0);
	free(out);
	ck_assert_int_eq(tu_enos(NULL, path, "ci", "--run", run, "--baseline", "b2",
				 base, NULL), 1);

	/* Errors: a run that is not there, a bad file, nothing to check. */
	ck_assert_int_eq(tu_enos(&out, path, "ci", "--run", "999", good, NULL), 1);
	ck_assert(tu_contains(out, "no run 999"));
	free(out);
	ck_assert_int_eq(tu_enos(&out, path, "ci", "--run", run,
				 BAD_DIR "/unknown-metric.yaml", NULL), 1);
	ck_assert(tu_contains(out, BAD_DIR "/unknown-metric.yaml:5:7: unknown metric 'upp'"));
	free(out);
	ck_assert_int_eq(tu_enos(&out, path, "ci", good, NULL), 2);
	ck_assert(tu_contains(out, "--run ID or --sweep NAME"));
	free(out);
	ck_assert_int_eq(tu_enos(&out, path, "ci", "--sweep", "none", good, NULL), 1);
	ck_assert(tu_contains(out, "no sweep 'none' has stored runs"));
	free(out);
	/* Usage: exit 2 before anything is read. */
	ck_assert_int_eq(tu_enos(NULL, path, "ci", "--run", "abc", good, NULL), 2);
	ck_assert_int_eq(tu_enos(NULL, path, "ci", "--run", "1,", good, NULL), 2);
	ck_assert_int_eq(tu_enos(NULL, path, "ci", "--run", run, "--sweep", "s",
				 good, NULL), 2);
	ck_assert_int_eq(tu_enos(NULL, path, "ci", NULL), 2);
	ck_assert_int_eq(tu_enos(NULL, path, "ci", "--check", "--run", run, good,
				 NULL), 2);
	ck_assert_int_eq(tu_enos(NULL, path, "ci", "--save-baseline", "12", "--run",
				 run, good, NULL), 2);
	ck_assert_int_eq(tu_enos(NULL, path, "ci", "--baseline", "Bad!", "--run",
				 run, good, NULL), 2);
	/* --check reads the file alone. */
	ck_assert_int_eq(tu_enos(&out, path, "ci", "--check", "benchmarks/nightly.yaml",
				 NULL), 0);
	ck_assert(tu_contains(out, "ci section of 'benchmarks/nightly.yaml' is valid"));
	ck_assert(tu_contains(out, "topology 'benchmarks/nightly-world.yaml' is valid"));
	free(out);
	ck_assert_int_eq(tu_enos(NULL, path, "ci", "--check",
				 BAD_DIR "/unknown-unit.yaml", NULL), 1);
}
END_TEST

Suite *make_ci_suite(void)
{
	Suite *s = suite_create("ci");
	TCase *lang = tcase_create("language");
	TCase *ev = tcase_create("evaluation");
	TCase *db = tcase_create("database");
	TCase *out = tcase_create("outputs");
	TCase *cli = tcase_create("command");

	tcase_add_loop_test(lang, test_forms, 0, (int)N_OF(forms));
	tcase_add_test(lang, test_selectors);
	tcase_add_test(lang, test_units);
	tcase_add_loop_test(lang, test_bad_fixture, 0, (int)count_dir(BAD_DIR, ".yaml"));
	tcase_add_test(lang, test_bad_fixtures_paired);
	tcase_add_test(lang, test_load_from_another_loader);
	tcase_add_test(lang, test_nightly);
	suite_add_tcase(s, lang);

	tcase_add_test(ev, test_combine);
	tcase_add_test(ev, test_points);
	tcase_add_test(ev, test_missing);
	tcase_add_test(ev, test_references);
	tcase_add_test(ev, test_comparisons);
	suite_add_tcase(s, ev);

	tcase_add_unchecked_fixture(lang, case_setup, case_teardown);
	tcase_add_test(lang, test_bounds);
	tcase_add_unchecked_fixture(db, case_setup, case_teardown);
	tcase_add_test(db, test_db_durations);
	tcase_add_test(db, test_db_tc);
	tcase_add_test(db, test_db_workloads);
	tcase_add_test(db, test_db_baselines);
	suite_add_tcase(s, db);

	tcase_add_unchecked_fixture(out, case_setup, case_teardown);
	tcase_add_test(out, test_junit);
	tcase_add_test(out, test_json);
	tcase_add_test(out, test_table);
	tcase_add_test(out, test_write_file_replaces_link);
	suite_add_tcase(s, out);

	tcase_add_unchecked_fixture(cli, case_setup, case_teardown);
	tcase_add_test(cli, test_cli);
	tcase_set_timeout(cli, 30);
	suite_add_tcase(s, cli);
	return s;
}
