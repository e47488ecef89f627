/* System test of the reports on real runs: the same fog world (a central
 * site of 3 nodes, a regional site, two edge sites under it; edge <->
 * central 50 ms RTT, edge <-> regional 10 ms) run twice by `enos run`
 * with etcd placed by strategy `central` (3 members at the central site)
 * then `spread` (one at the regional site), kv-latency from both edge
 * sites, and a fault window during the workload (between the edge sites,
 * which neither placement uses); then `enos report
 * --compare RUN RUN`:
 * - the directory holds the page, every figure in PNG and SVG, the
 *   topology drawn, the files used, results.json and the CSV exports, and
 *   each run's own report (its RTT heatmaps, its timeline with the fault
 *   window shaded);
 * - the verdicts come from what was measured: for put and get the spread
 *   run is faster, significantly, by about what the topology says (edge
 *   to central minus edge to regional, 40 ms), and the page says that
 *   operations of one run are not independent repetitions;
 * - with chromium, the page and a run's page open with every image
 *   loaded, no console error and no request leaving the report; the
 *   screenshots are kept in build/test-artifacts/sys-report-*.png.
 * Skipped without etcd (and the browser check without chromium). The
 * experiments are taken down by `enos run` itself; the teardown runs
 * `enos down --all` on the case's database whatever happened.
 */
#include <jansson.h>
#include <limits.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tests/suites.h"
#include "tests/testutil.h"
#include "tests/tu_browser.h"
#include "util/fs.h"

/* The topology's RTTs: what the strategies' difference should be. */
#define EDGE_CENTRAL_MS  50
#define EDGE_REGIONAL_MS 10

static struct tu_case tc;
static char names[2][32];       /* the experiments, named per process */

static void case_setup(void)
{
	ck_assert_int_eq(tu_case_setup(&tc, "sysreport"), 0);
	/* The tree's stacks (etcd), whatever an earlier suite pointed at. */
	unsetenv("ENOS_STACKS_DIR");
	snprintf(names[0], sizeof(names[0]), "rc-central-%d", (int)getpid());
	snprintf(names[1], sizeof(names[1]), "rc-spread-%d", (int)getpid());
}

/* Down, and the runs' results/ directories gone, whatever happened
 * (tu_rmtree removes only under /tmp; these are results/NAME under the
 * tree, NAME ours). */
static void case_teardown(void)
{
	char d[64], *rm[] = { (char *)"rm", (char *)"-rf", d, NULL };
	int i;

	tu_case_teardown(&tc);
	for (i = 0; i < 2; i++) {
		if (!names[i][0])
			continue;
		snprintf(d, sizeof(d), "results/%s", names[i]);
		tu_run(NULL, rm);
	}
}

/* Run the world NAME with etcd placed by STRATEGY: its run id. */
static long long run_world(const char *name, const char *strategy)
{
	char text[2048], path[256], *out = NULL;
	const char *at;
	long long run = 0;
	int rc;

	snprintf(text, sizeof(text),
		 "name: %s\n"
		 "seed: 3\n"
		 "sites:\n"
		 "  - {name: central, role: central, nodes: 3}\n"
		 "  - {name: regional, role: regional, parent: central, nodes: 1}\n"
		 "  - {name: edge, role: edge, parent: regional, count: 2}\n"
		 "network:\n"
		 "  shaping: auto\n"
		 "  default: {delay: 1ms}\n"
		 "  constraints:\n"
		 "    - {src: \"role:edge\", dst: \"role:central\", rtt: %dms}\n"
		 "    - {src: \"role:edge\", dst: \"role:regional\", rtt: %dms}\n"
		 "    - {src: \"role:regional\", dst: \"role:central\", rtt: 40ms}\n"
		 "faults:\n"
		 /* A window on a path neither placement uses: shaded on the
		  * timelines, the verdicts left to the strategies. */
		 "  - {at: 1s, action: set, src: edge-1, dst: edge-2, delay: 20ms}\n"
		 "stack: {name: etcd, strategy: %s}\n"
		 "workload: {name: kv-latency, times: 60}\n",
		 name, EDGE_CENTRAL_MS, EDGE_REGIONAL_MS, strategy);
	tu_write(tc.dir, name, text, path, sizeof(path));
	rc = tu_enos(&out, tc.db, "run", "--samples", "5", path, NULL);
	ck_assert_msg(rc == 0, "enos run %s: %s", name, out);
	at = strstr(out, "stored as run ");
	ck_assert_msg(at && sscanf(at, "stored as run %lld", &run) == 1, "%s", out);
	free(out);
	return run;
}

static bool has_file(const char *dir, const char *name)
{
	char path[PATH_MAX + 64];
	struct stat sb;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return stat(path, &sb) == 0 && S_ISREG(sb.st_mode) && sb.st_size > 0;
}

static char *slurp(const char *dir, const char *name)
{
	char path[PATH_MAX + 64], *buf = NULL;
	size_t len;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	ck_assert_msg(fs_read_file(path, 64u << 20, &buf, &len) == 0,
		      "cannot read %s", path);
	return buf;
}

/* Open DIR/PAGE in chromium: every image loaded, no error, nothing
 * external; the screenshot kept as build/test-artifacts/SHOT. */
static void browse(const char *browser, const char *dir, const char *page,
		   const char *shot, size_t min_images)
{
	char html[PATH_MAX + 64], png[PATH_MAX + 64], cwd[PATH_MAX], *err = NULL;
	struct tu_page_check chk;

	ck_assert_ptr_nonnull(getcwd(cwd, sizeof(cwd)));
	ck_assert_int_eq(fs_mkdir_p("build/test-artifacts", 0755), 0);
	snprintf(html, sizeof(html), "%s/%s", dir, page);
	snprintf(png, sizeof(png), "%s/build/test-artifacts/%s", cwd, shot);
	ck_assert_msg(tu_browser_check(browser, html, png, &chk, &err) == 0,
		      "%s", err);
	ck_assert_msg(chk.images >= min_images && chk.broken == 0 &&
		      chk.errors == 0 && chk.external == 0,
		      "%s: %zu images, %zu broken, %zu errors, %zu external\n%s",
		      page, chk.images, chk.broken, chk.errors, chk.external,
		      chk.what);
	tu_page_check_release(&chk);
	ck_assert_int_eq(access(png, R_OK), 0);
	free(err);
}

static void strategies_compared(bool browser)
{
	char out[PATH_MAX], expect[PATH_MAX + 64], a[16], b[16];
	char run_dir[64], spread[96], *text = NULL, *t;
	long long run[2];
	json_t *root, *cmp;
	json_error_t jerr;
	size_t i, seen = 0;
	int rc;

	run[0] = run_world(names[0], "central");
	run[1] = run_world(names[1], "spread");
	snprintf(a, sizeof(a), "%lld", run[0]);
	snprintf(b, sizeof(b), "%lld", run[1]);
	snprintf(out, sizeof(out), "%s/compared", tc.dir);
	rc = tu_enos(&text, tc.db, "report", "--compare", a, b, "--out", out, NULL);
	ck_assert_msg(rc == 0, "%s", text);
	snprintf(expect, sizeof(expect), "report: %s/index.html", out);
	ck_assert_msg(tu_contains(text, expect), "%s", text);
	free(text);

	/* The directory. */
	{
		static const char *const f[] = {
			"index.html", "metric-1.png", "metric-1.svg", "cdf-1-1.png",
			"cdf-1-1.svg", "sites-1-1.svg", "topology.svg", "topology.dot",
			"topology.yaml", "stack.yaml", "report.gp", "labels.tsv",
			"results.json", "comparisons.csv", "metrics.csv", "runs.csv",
			"ops.csv", "summaries.csv",
		};

		for (i = 0; i < sizeof(f) / sizeof(f[0]); i++)
			ck_assert_msg(has_file(out, f[i]), "no %s in %s", f[i], out);
	}
	for (i = 0; i < 2; i++) {
		static const char *const f[] = {
			"index.html", "measured.svg", "target.png", "error.svg",
			"wl-timeline-1.png", "wl-cdf-1.svg", "ops.csv",
		};
		char d[PATH_MAX + 64];
		size_t k;

		snprintf(d, sizeof(d), "%s/run-%lld", out, run[i]);
		for (k = 0; k < sizeof(f) / sizeof(f[0]); k++)
			ck_assert_msg(has_file(d, f[k]), "no %s in %s", f[k], d);
	}

	/* The verdicts, from results.json: spread wins put and get by
	 * about the topology's difference. */
	snprintf(spread, sizeof(spread), "run %lld (%s)", run[1], names[1]);
	text = slurp(out, "results.json");
	root = json_loads(text, 0, &jerr);
	ck_assert_msg(root != NULL, "%s", jerr.text);
	free(text);
	ck_assert_str_eq(json_string_value(json_object_get(root, "kind")), "compare-runs");
	cmp = json_object_get(root, "comparisons");
	for (i = 0; i < json_array_size(cmp); i++) {
		json_t *e = json_array_get(cmp, i);
		const char *op = json_string_value(json_object_get(e, "op"));
		double est = json_number_value(json_object_get(e, "estimate"));

		if (!op || (strcmp(op, "put") && strcmp(op, "get")))
			continue;
		seen++;
		printf("sys_report: %s: spread - central %.2f ms [%.2f, %.2f]\n", op,
		       est, json_number_value(json_object_get(e, "lo")),
		       json_number_value(json_object_get(e, "hi")));
		ck_assert_str_eq(json_string_value(json_object_get(e, "samples")),
				 "operations");
		ck_assert_msg(json_is_true(json_object_get(e, "significant")), "%s", op);
		ck_assert_str_eq(json_string_value(json_object_get(e, "faster")), spread);
		ck_assert_msg(fabs(-est - (EDGE_CENTRAL_MS - EDGE_REGIONAL_MS)) <
			      0.35 * (EDGE_CENTRAL_MS - EDGE_REGIONAL_MS),
			      "%s: %g ms apart, the topology says %d", op, -est,
			      EDGE_CENTRAL_MS - EDGE_REGIONAL_MS);
	}
	ck_assert_uint_eq(seen, 2);
	json_decref(root);

	/* The page says it, first, in words. */
	t = slurp(out, "index.html");
	snprintf(expect, sizeof(expect), "<li>%s is faster by ", spread);
	ck_assert_msg(tu_contains(t, expect), "no '%s'", expect);
	ck_assert(tu_contains(t, "which are not independent repetitions"));
	ck_assert(tu_contains(t, "<h2 id=topology>Topology</h2>"));
	ck_assert(tu_contains(t, "<h2 id=files>Files used</h2>"));
	ck_assert(tu_contains(t, "package etcd-server"));
	ck_assert(tu_contains(t, "enos_commit"));
	ck_assert(strstr(t, "id=verdicts") < strstr(t, "id=\"m1\""));
	free(t);
	/* A run's page: its fault window shaded on the timeline. */
	snprintf(run_dir, sizeof(run_dir), "run-%lld", run[1]);
	snprintf(expect, sizeof(expect), "%s/%s", out, run_dir);
	t = slurp(expect, "index.html");
	ck_assert(tu_contains(t, "Shaded: the fault windows"));
	ck_assert(tu_contains(t, "href=\"../index.html\""));
	free(t);

	if (browser) {
		const char *why = NULL, *bin = tu_browser_find(&why);

		ck_assert_msg(bin != NULL, "%s", why);
		/* put and get: a median, a CDF and a per-site figure each;
		 * the topology. */
		browse(bin, out, "index.html", "sys-report-compare.png", 2 * 3 + 1);
		snprintf(expect, sizeof(expect), "%s/index.html", run_dir);
		browse(bin, out, expect, "sys-report-run.png", 3);
	}
}

START_TEST(runs_compared)
{
	strategies_compared(false);
}
END_TEST

START_TEST(runs_compared_in_chromium)
{
	strategies_compared(true);
}
END_TEST

Suite *make_sys_report_suite(struct skips *sk)
{
	const struct sys_case plain[] = { { "runs_compared", runs_compared } };
	const struct sys_case seen[] = {
		{ "runs_compared_in_chromium", runs_compared_in_chromium },
	};
	char *etcd[] = { "etcd", "--version", NULL };
	char *gp[] = { "gnuplot", "--version", NULL };
	char *dot[] = { "dot", "-V", NULL };
	Suite *s = suite_create("sys_report");
	const char *why = sys_unavailable(), *bwhy = NULL;

	if (!why && tu_run(NULL, etcd) != 0)
		why = "etcd is not installed (apt-get install etcd-server etcd-client)";
	if (!why && tu_run(NULL, gp) != 0)
		why = "gnuplot is not installed (apt-get install gnuplot-nox)";
	if (!why && tu_run(NULL, dot) != 0)
		why = "Graphviz's dot is not installed (apt-get install graphviz)";
	/* With a browser, the one case does everything and opens the page;
	 * without, the same without the browser, the rest said skipped. */
	if (!why && tu_browser_find(&bwhy)) {
		sys_add_cases(s, sk, seen, 1, NULL, case_setup, case_teardown, 300);
	} else {
		sys_add_cases(s, sk, plain, 1, why, case_setup, case_teardown, 300);
		skip_add(sk, "runs_compared_in_chromium", why ? why : bwhy);
	}
	return s;
}
