/* Unit tests of the command line (no root): help, version, usage errors,
 * `check` on good and bad topologies, `status` on an empty database, the
 * JSON writer, and the topology -> world plan.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emulator/addr.h"
#include "emulator/node.h"
#include "emulator/world.h"
#include "enos/json.h"
#include "enos/plan.h"
#include "enos/topo.h"
#include "tests/suites.h"
#include "tests/testutil.h"

static struct tu_case tc;

static void case_setup(void)
{
	ck_assert_int_eq(tu_case_setup(&tc, "cliu"), 0);
}

static void case_teardown(void)
{
	tu_rmtree(tc.dir);
}

START_TEST(version_and_help)
{
	char *out = NULL;

	ck_assert_int_eq(tu_enos(&out, tc.db, "--version", NULL), 0);
	ck_assert(tu_contains(out, "enos 0."));
	free(out);
	ck_assert_int_eq(tu_enos(&out, tc.db, "--help", NULL), 0);
	ck_assert(tu_contains(out, "usage: enos"));
	ck_assert(tu_contains(out, "  down "));
	free(out);
	ck_assert_int_eq(tu_enos(&out, tc.db, "up", "--help", NULL), 0);
	ck_assert(tu_contains(out, "usage: enos up [--force] [--no-deploy] TOPOLOGY.yaml"));
	free(out);
}
END_TEST

START_TEST(usage_errors_exit_2)
{
	char *out = NULL;

	ck_assert_int_eq(tu_enos(&out, tc.db, "bogus", NULL), 2);
	ck_assert(tu_contains(out, "'bogus' is not an enos command"));
	free(out);
	/* Exact names: no prefix matching. */
	ck_assert_int_eq(tu_enos(NULL, tc.db, "stat", NULL), 2);
	ck_assert_int_eq(tu_enos(NULL, tc.db, "up", NULL), 2);
	ck_assert_int_eq(tu_enos(NULL, tc.db, "exec", "node-1", NULL), 2);
	ck_assert_int_eq(tu_enos(&out, tc.db, "status", "--frobnicate", NULL), 2);
	ck_assert(tu_contains(out, "unknown option '--frobnicate'"));
	free(out);
	ck_assert_int_eq(tu_enos(&out, tc.db, "status", "--force", NULL), 2);
	ck_assert(tu_contains(out, "does not apply"));
	free(out);
	ck_assert_int_eq(tu_enos(NULL, tc.db, NULL), 2);
}
END_TEST

START_TEST(check_good_topology)
{
	char *out = NULL;
	int rc = tu_enos(&out, tc.db, "check", "topologies/default.yaml", NULL);

	ck_assert_msg(rc == 0, "%s", out);
	ck_assert_msg(tu_contains(out, "is valid"), "%s", out);
	ck_assert(tu_contains(out, "198.18.0.0/"));
	ck_assert(tu_contains(out, "netem"));
	free(out);
	rc = tu_enos(&out, tc.db, "check", "--json", "topologies/default.yaml", NULL);
	ck_assert_int_eq(rc, 0);
	ck_assert_msg(tu_contains(out, "\"name\":\"default\""), "%s", out);
	ck_assert(tu_contains(out, "\"capabilities\":"));
	free(out);
}
END_TEST

/* check on a bad file prints exactly the fixture's expected message. */
START_TEST(check_bad_topology_prints_the_fixture_message)
{
	const char *yaml = "tests/fixtures/bad/unknown-key.yaml";
	char expected[1024] = "", *out = NULL;
	FILE *f = fopen("tests/fixtures/bad/unknown-key.err", "r");

	ck_assert_ptr_nonnull(f);
	ck_assert_ptr_nonnull(fgets(expected, sizeof(expected), f));
	fclose(f);
	ck_assert_int_eq(tu_enos(&out, tc.db, "check", yaml, NULL), 1);
	ck_assert_str_eq(out, expected);
	free(out);
	ck_assert_int_eq(tu_enos(&out, tc.db, "up", yaml, NULL), 1);
	ck_assert_str_eq(out, expected);
	free(out);
	ck_assert_int_eq(tu_enos(&out, tc.db, "check", "/nonexistent.yaml", NULL), 1);
	ck_assert(tu_contains(out, "/nonexistent.yaml"));
	free(out);
}
END_TEST

START_TEST(status_on_an_empty_database)
{
	char *out = NULL;

	ck_assert_int_eq(tu_enos(&out, tc.db, "status", NULL), 0);
	ck_assert(tu_contains(out, "no experiment is up"));
	free(out);
	ck_assert_int_eq(tu_enos(&out, tc.db, "status", "--json", NULL), 0);
	ck_assert_str_eq(out, "{\"experiments\":[]}\n");
	free(out);
	ck_assert_int_eq(tu_enos(&out, tc.db, "status", "-n", "nope", NULL), 1);
	ck_assert(tu_contains(out, "no experiment 'nope' is recorded"));
	free(out);
}
END_TEST

START_TEST(json_writer_nests_and_escapes)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct json j;

	json_init(&j, f);
	json_begin_object(&j);
	json_key_str(&j, "a", "q\"\\\n\x01");
	json_key(&j, "list");
	json_begin_array(&j);
	json_int(&j, 1);
	json_begin_object(&j);
	json_key_double(&j, "x", 0.5);
	json_end_object(&j);
	json_str(&j, NULL);
	json_end_array(&j);
	json_key_bool(&j, "ok", true);
	json_key(&j, "open");
	json_begin_array(&j);
	json_finish(&j);
	fclose(f);
	ck_assert_str_eq(buf, "{\"a\":\"q\\\"\\\\\\n\\u0001\",\"list\":[1,{\"x\":0.5},null],\"ok\":true,\"open\":[]}\n");
	free(buf);
}
END_TEST

START_TEST(plan_names_and_addresses)
{
	const char *text =
		"name: plan\n"
		"sites:\n"
		"  - {name: big, role: central, nodes: 20}\n"
		"  - {name: edge, role: edge, parent: big, count: 3, nodes: 2}\n";
	struct topology *t;
	struct world w;
	char *err = NULL, buf[32];
	size_t i;

	t = topo_load_string(text, "plan.yaml", ".", &err);
	ck_assert_msg(t != NULL, "%s", err);
	ck_assert_int_eq(plan_world(t, "eabcd", &w), 0);
	ck_assert_uint_eq(w.n_sites, 4);
	ck_assert_uint_eq(w.n_nodes, 26);
	/* 21 hosts + 2 need a /27; the edges fit a /29 each. */
	ck_assert_str_eq(prefix_format(&w.sites[0].lan, buf, sizeof(buf)), "198.18.0.0/27");
	ck_assert_str_eq(prefix_format(&w.sites[1].lan, buf, sizeof(buf)), "198.18.0.32/29");
	ck_assert_str_eq(addr_format(w.nodes[0].addr, buf, sizeof(buf)), "198.18.0.2");
	ck_assert_str_eq(addr_format(w.sites[3].gw_wan_addr, buf, sizeof(buf)), "198.19.0.4");
	ck_assert_str_eq(w.nodes[20].name, "edge-1-1");
	ck_assert_str_eq(w.nodes[20].netns, "enos.plan.edge-1-1");
	ck_assert_str_eq(w.nodes[25].ops->name, "netns");
	ck_assert_str_eq(w.sites[2].role, "edge");
	for (i = 0; i < w.n_nodes; i++) {
		ck_assert_uint_le(strlen(w.nodes[i].host_if), 15);
		ck_assert(strncmp(w.nodes[i].host_if, "eabcd", 5) == 0);
	}
	plan_release(&w);
	plan_release(&w);
	topo_free(t);
}
END_TEST

Suite *make_cli_suite(void)
{
	Suite *s = suite_create("cli");
	TCase *tc = tcase_create("cli");

	tcase_add_unchecked_fixture(tc, case_setup, case_teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, version_and_help);
	tcase_add_test(tc, usage_errors_exit_2);
	tcase_add_test(tc, check_good_topology);
	tcase_add_test(tc, check_bad_topology_prints_the_fixture_message);
	tcase_add_test(tc, status_on_an_empty_database);
	tcase_add_test(tc, json_writer_nests_and_escapes);
	tcase_add_test(tc, plan_names_and_addresses);
	suite_add_tcase(s, tc);
	return s;
}
