/* System tests of `enos ci FILE`, which runs FILE before checking it, on a
 * world of two netns sites (one node each) 20 ms apart, with the rtt
 * workload (no stack: nothing to install):
 * - a topology whose thresholds pass: `enos run`'s path (up, RTT of every
 *   site pair, the workload, down), exit 0, a JUnit file with a testcase
 *   per threshold and no failure, a JSON file that says ok and names the
 *   run just made; nothing left up;
 * - the same world with a threshold that fails: exit 1, the JUnit
 *   failure's message names the observed figure and the limit, and the
 *   JSON says not ok with the same figures, of a new run;
 * - `enos up` records the world's size, so `up of N nodes` finds an up run;
 * - a sweep file (two RTTs, the workload given by the sweep): its runs
 *   and points checked; run again, the sweep starts over and only the new
 *   runs are checked.
 * Each case has its own state database; its teardown takes down whatever
 * it left (tu_case_teardown).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <sqlite3.h>

#include "emulator/world.h"
#include "enos/state.h"
#include "tests/suites.h"
#include "tests/testutil.h"

static struct tu_case tc;

static void case_setup(void)
{
	ck_assert_int_eq(tu_case_setup(&tc, "ci"), 0);
}

static void case_teardown(void)
{
	tu_case_teardown(&tc);
}

/* Topology NAME: sites a (central) and b (edge), RTT 20 ms (or the
 * sweep's), EXTRA (workload:, ci:) at the end, into DIR/FILE -> PATH. */
static void write_topo(const char *file, const char *name, const char *extra,
		       char *path, size_t len)
{
	char text[2048];

	snprintf(text, sizeof(text),
		 "name: %s\n"
		 "sites:\n"
		 "  - {name: a, role: central, nodes: 1}\n"
		 "  - {name: b, role: edge, parent: a, nodes: 1}\n"
		 "network:\n"
		 "  shaping: auto\n"
		 "  default: {rtt: 20ms}\n"
		 "%s",
		 name, extra);
	tu_write(tc.dir, file, text, path, len);
}

#define RTT_WORKLOAD "workload: {name: rtt, from: b, to: a, samples: 20, interval: 10ms}\n"

/* Attribute NAME of NODE as a number (-1 if absent). */
static long xml_count(xmlNodePtr node, const char *name)
{
	xmlChar *v = xmlGetProp(node, (const xmlChar *)name);
	long n = v ? strtol((const char *)v, NULL, 10) : -1;

	xmlFree(v);
	return n;
}

/* The <failure> elements of JUnit file PATH: how many, the first's
 * message into MSG. Its testcases number TESTS, one per threshold, and
 * the tests= and failures= counts of <testsuites> and <testsuite> say
 * what its elements do. */
static int junit_failures(const char *path, int tests, char *msg, size_t len)
{
	xmlDocPtr doc = xmlReadFile(path, NULL, XML_PARSE_NONET | XML_PARSE_NOERROR);
	xmlNodePtr suites, suite, tcase, f;
	int n = 0, cases = 0, suites_n = 0;

	ck_assert_msg(doc, "%s is not XML", path);
	msg[0] = '\0';
	suites = xmlDocGetRootElement(doc);
	ck_assert_str_eq((const char *)suites->name, "testsuites");
	for (suite = suites->children; suite; suite = suite->next) {
		int before = n, cases_before = cases;

		if (suite->type != XML_ELEMENT_NODE)
			continue;
		ck_assert_str_eq((const char *)suite->name, "testsuite");
		suites_n++;
		for (tcase = suite->children; tcase; tcase = tcase->next) {
			if (tcase->type != XML_ELEMENT_NODE ||
			    strcmp((const char *)tcase->name, "testcase"))
				continue;
			cases++;
			for (f = tcase->children; f; f = f->next) {
				xmlChar *m;

				if (f->type != XML_ELEMENT_NODE ||
				    strcmp((const char *)f->name, "failure"))
					continue;
				m = xmlGetProp(f, (const xmlChar *)"message");
				if (!n++ && m)
					snprintf(msg, len, "%s", (const char *)m);
				xmlFree(m);
			}
		}
		ck_assert_int_eq(xml_count(suite, "tests"), cases - cases_before);
		ck_assert_int_eq(xml_count(suite, "failures"), n - before);
	}
	ck_assert_int_eq(suites_n, 1);
	ck_assert_int_eq(cases, tests);
	ck_assert_int_eq(xml_count(suites, "tests"), cases);
	ck_assert_int_eq(xml_count(suites, "failures"), n);
	xmlFreeDoc(doc);
	return n;
}

/* JSON file PATH of `enos ci`: its verdict is OK, its thresholds say
 * "pass" or "fail" as its counts do, and the first failure's observed
 * value and limit go to OBSERVED and LIMIT (NaN if none). The run numbers
 * ("runs") into RUNS (up to MAX); returns how many. */
static size_t json_check(const char *path, int ok, double *observed, double *limit,
			 long long *runs, size_t max)
{
	json_error_t jerr;
	json_t *root = json_load_file(path, 0, &jerr), *a;
	size_t i, n, failed = 0;

	ck_assert_msg(root, "%s: %s", path, jerr.text);
	ck_assert_int_eq(json_is_true(json_object_get(root, "ok")), ok);
	*observed = *limit = 0.0 / 0.0;
	a = json_object_get(root, "thresholds");
	n = json_array_size(a);
	ck_assert_uint_gt(n, 0);
	ck_assert_int_eq(json_integer_value(json_object_get(root, "total")), (long long)n);
	for (i = 0; i < n; i++) {
		json_t *t = json_array_get(a, i);
		const char *res = json_string_value(json_object_get(t, "result"));

		ck_assert_msg(res && (!strcmp(res, "pass") || !strcmp(res, "fail")),
			      "threshold %zu: result '%s'", i, res ? res : "(none)");
		if (strcmp(res, "fail") || failed++)
			continue;
		*observed = json_number_value(json_object_get(t, "observed"));
		*limit = json_number_value(json_object_get(t, "limit"));
	}
	ck_assert_int_eq(json_integer_value(json_object_get(root, "failed")), (long long)failed);
	ck_assert_int_eq(json_integer_value(json_object_get(root, "passed")),
			 (long long)(n - failed));
	ck_assert_int_eq(failed == 0, ok);
	a = json_object_get(root, "runs");
	n = json_array_size(a);
	for (i = 0; i < n && i < max; i++)
		runs[i] = json_integer_value(json_array_get(a, i));
	json_decref(root);
	return n;
}

/* The run numbers of a passing JSON file PATH into RUNS; how many. */
static size_t json_runs(const char *path, long long *runs, size_t max)
{
	double observed, limit;

	return json_check(path, 1, &observed, &limit, runs, max);
}

/* Experiment NAME is neither recorded nor in the kernel. */
static void assert_gone(const char *name)
{
	char tag[WORLD_TAG_LEN + 1], *err = NULL;
	struct state *st = NULL;
	struct exp_info info;

	ck_assert_int_eq(state_open(tc.db, &st, &err), 0);
	ck_assert_int_eq(state_get(st, name, &info), -ENOENT);
	state_close(st);
	world_tag(name, 0, tag);
	ck_assert_int_eq(tu_leftovers(name, tag), 0);
}

/* RUN is a run of experiment NAME that ended with OUTCOME. */
static void assert_run(long long run, const char *name, const char *outcome)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *q = NULL;

	ck_assert_int_eq(sqlite3_open(tc.db, &db), SQLITE_OK);
	ck_assert_int_eq(sqlite3_prepare_v2(db, "SELECT experiment, outcome FROM runs"
					    " WHERE id = ?1 AND ended IS NOT NULL", -1, &q,
					    NULL), SQLITE_OK);
	sqlite3_bind_int64(q, 1, run);
	ck_assert_msg(sqlite3_step(q) == SQLITE_ROW, "run %lld not recorded as ended", run);
	ck_assert_str_eq((const char *)sqlite3_column_text(q, 0), name);
	ck_assert_str_eq((const char *)sqlite3_column_text(q, 1), outcome);
	sqlite3_finalize(q);
	sqlite3_close(db);
}

static void remove_results(const char *name)
{
	char dir[256];

	snprintf(dir, sizeof(dir), "results/%s", name);
	tu_rmtree(dir);
}

START_TEST(topology_passes_then_fails)
{
	char name[32], pass[256], fail[256], junit[256], json[256], msg[512];
	char *out = NULL;
	double observed, limit;
	long long runs[4];
	int rc;

	snprintf(name, sizeof(name), "t-cit-%d", (int)getpid());
	snprintf(junit, sizeof(junit), "%s/junit.xml", tc.dir);
	snprintf(json, sizeof(json), "%s/ci.json", tc.dir);
	write_topo("pass.yaml", name, RTT_WORKLOAD
		   "ci:\n"
		   "  thresholds:\n"
		   "    - up of 2 nodes <= 60 s\n"
		   "    - tc --test worst error <= 5 ms\n"
		   "    - rtt p50 >= 20 ms\n"
		   "    - rtt count >= 20\n"
		   "    - rtt failures <= 0\n", pass, sizeof(pass));
	rc = tu_enos(&out, tc.db, "ci", pass, "--junit", junit, "--json", json, NULL);
	ck_assert_msg(rc == 0, "ci (%d): %s", rc, out);
	ck_assert_msg(tu_contains(out, "workload 'rtt'"), "%s", out);
	ck_assert_msg(tu_contains(out, "5 thresholds: 5 passed, 0 failed"), "%s", out);
	free(out);
	ck_assert_int_eq(junit_failures(junit, 5, msg, sizeof(msg)), 0);
	ck_assert_uint_eq(json_runs(json, runs, 4), 1);
	/* The run checked is the one just made, of the world, and it ended ok. */
	assert_run(runs[0], name, "ok");
	assert_gone(name);

	write_topo("fail.yaml", name, RTT_WORKLOAD
		   "ci:\n"
		   "  thresholds:\n"
		   "    - up of 2 nodes <= 60 s\n"
		   "    - rtt p50 <= 5 ms\n", fail, sizeof(fail));
	rc = tu_enos(&out, tc.db, "ci", fail, "--junit", junit, "--json", json, NULL);
	ck_assert_msg(rc == 1, "ci (%d): %s", rc, out);
	ck_assert_msg(tu_contains(out, "2 thresholds: 1 passed, 1 failed"), "%s", out);
	free(out);
	ck_assert_int_eq(junit_failures(junit, 2, msg, sizeof(msg)), 1);
	printf("sys_ci: the failure's message: %s\n", msg);
	ck_assert_msg(tu_contains(msg, "observed ") && tu_contains(msg, " ms > limit 5 ms"),
		      "%s", msg);
	/* The JSON says the same: not ok, the p50 measured near the 20 ms
	 * the world was built with, over the limit, of a new run. */
	ck_assert_uint_eq(json_check(json, 0, &observed, &limit, &runs[1], 3), 1);
	printf("sys_ci: the JSON's failure: observed %.2f, limit %g\n", observed, limit);
	ck_assert_msg(observed >= 19 && observed < 30 && limit == 5, "observed %g limit %g",
		      observed, limit);
	ck_assert(runs[1] > runs[0]);
	assert_run(runs[1], name, "ok");
	assert_gone(name);
	remove_results(name);
}
END_TEST

START_TEST(up_records_node_count)
{
	char name[32], topo[256], two[256], three[256], id[24], *out = NULL;
	sqlite3 *db = NULL;
	sqlite3_stmt *q = NULL;
	int rc;

	snprintf(name, sizeof(name), "t-ciu-%d", (int)getpid());
	write_topo("up.yaml", name, "", topo, sizeof(topo));
	tu_write(tc.dir, "two.yaml", "ci: {thresholds: [up of 2 nodes <= 60 s]}\n",
		 two, sizeof(two));
	tu_write(tc.dir, "three.yaml", "ci: {thresholds: [up of 3 nodes <= 60 s]}\n",
		 three, sizeof(three));
	rc = tu_enos(&out, tc.db, "up", topo, NULL);
	ck_assert_msg(rc == 0, "up (%d): %s", rc, out);
	free(out);
	ck_assert_int_eq(sqlite3_open(tc.db, &db), SQLITE_OK);
	ck_assert_int_eq(sqlite3_prepare_v2(db, "SELECT id FROM runs WHERE kind = 'up'"
					    " ORDER BY id DESC LIMIT 1", -1, &q, NULL),
			 SQLITE_OK);
	ck_assert_int_eq(sqlite3_step(q), SQLITE_ROW);
	snprintf(id, sizeof(id), "%lld", (long long)sqlite3_column_int64(q, 0));
	sqlite3_finalize(q);
	sqlite3_close(db);
	rc = tu_enos(&out, tc.db, "ci", "--run", id, two, NULL);
	ck_assert_msg(rc == 0, "ci (%d): %s", rc, out);
	free(out);
	rc = tu_enos(&out, tc.db, "ci", "--run", id, three, NULL);
	ck_assert_msg(rc == 1, "ci (%d): %s", rc, out);
	ck_assert_msg(tu_contains(out, "has 2 nodes"), "%s", out);
	free(out);
	ck_assert_int_eq(tu_enos(NULL, tc.db, "down", "-n", name, NULL), 0);
	assert_gone(name);
}
END_TEST

START_TEST(sweep_file_runs_then_runs_again)
{
	char name[32], topo[256], path[256], json[256], text[1024], *out = NULL;
	long long first[4], second[4];
	size_t n;
	int rc;

	snprintf(name, sizeof(name), "t-cis-%d", (int)getpid());
	snprintf(json, sizeof(json), "%s/ci.json", tc.dir);
	write_topo("world.yaml", name, "", topo, sizeof(topo));
	snprintf(text, sizeof(text),
		 "name: ci-%s\n"
		 "topology: world.yaml\n"
		 "axes:\n"
		 "  network.default.rtt: [10ms, 30ms]\n"
		 "seed: 3\n"
		 "order: sequential\n"
		 "workload: {name: rtt, from: b, to: a, samples: 20, interval: 10ms}\n"
		 "ci:\n"
		 "  thresholds:\n"
		 "    - rtt p50 at 30ms >= 2 x at 10ms\n"
		 "    - rtt count at rtt=10ms >= 20\n"
		 "    - tc --test worst error <= 5 ms\n"
		 "    - up of 2 nodes <= 60 s\n", name);
	tu_write(tc.dir, "sweep.yaml", text, path, sizeof(path));
	rc = tu_enos(&out, tc.db, "ci", path, "--json", json, NULL);
	ck_assert_msg(rc == 0, "ci (%d): %s", rc, out);
	ck_assert_msg(tu_contains(out, "all 2 pairs done"), "%s", out);
	ck_assert_msg(tu_contains(out, "4 thresholds: 4 passed, 0 failed"), "%s", out);
	free(out);
	ck_assert_uint_eq(json_runs(json, first, 4), 2);
	assert_gone(name);
	/* The next night: the sweep again, from its start; its new runs. */
	rc = tu_enos(&out, tc.db, "ci", path, "--json", json, NULL);
	ck_assert_msg(rc == 0, "ci (%d): %s", rc, out);
	ck_assert_msg(tu_contains(out, "is recorded: running it again from its start"), "%s", out);
	ck_assert_msg(tu_contains(out, "all 2 pairs done (2 in this run)"), "%s", out);
	free(out);
	n = json_runs(json, second, 4);
	ck_assert_uint_eq(n, 2);
	ck_assert(second[0] > first[1] && second[1] > first[1]);
	assert_gone(name);
	remove_results(name);
}
END_TEST

Suite *make_sys_ci_suite(struct skips *sk)
{
	const struct sys_case cases[] = {
		{ "ci_topology_passes_then_fails", topology_passes_then_fails },
		{ "ci_up_records_node_count", up_records_node_count },
		{ "ci_sweep_file", sweep_file_runs_then_runs_again },
	};
	Suite *s = suite_create("sys_ci");

	sys_add_cases(s, sk, cases, sizeof(cases) / sizeof(cases[0]),
		      sys_unavailable(), case_setup, case_teardown, 180);
	return s;
}
