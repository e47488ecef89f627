/* System tests of the enos command line on real kernel objects: a 3-tier
 * topology comes up and every node reaches every other node, exec passes
 * exit codes through, down leaves zero namespaces and links, SIGKILL of
 * `up` at any point is cleaned by `down`, and two experiments coexist.
 *
 * Each test case has its own state database in a temporary directory; the
 * case's unchecked teardown (run in the parent, even after a failed test)
 * runs `enos down --all` on it, so a failing test leaves nothing behind.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "emulator/addr.h"
#include "emulator/world.h"
#include "enos/state.h"
#include "tests/suites.h"
#include "tests/testutil.h"

/* Fixture state: set in the parent before the case's tests fork. */
static struct tu_case tc;

static void case_setup(void)
{
	ck_assert_int_eq(tu_case_setup(&tc, "cli"), 0);
}

static void case_teardown(void)
{
	tu_case_teardown(&tc);
}

/* A topology of 1 central, 1 regional and 2 edge sites, NODES nodes each. */
static const char *write_topology(const char *name, int nodes, char *path,
				  size_t len)
{
	char text[1024];

	snprintf(text, sizeof(text),
		 "name: %s\n"
		 "sites:\n"
		 "  - {name: central, role: central, nodes: %d}\n"
		 "  - {name: regional, role: regional, parent: central, nodes: %d}\n"
		 "  - {name: edge, role: edge, parent: regional, count: 2, nodes: %d}\n"
		 "network: {shaping: none}\n",
		 name, nodes, nodes, nodes);
	return tu_write(tc.dir, name, text, path, len);
}

static void unique_name(char *buf, size_t len, const char *what)
{
	snprintf(buf, len, "t-%s-%d", what, (int)getpid());
}

/* Load experiment NAME's world from the case database. */
static void load_world(const char *name, struct world *w, char *tag)
{
	struct state *st = NULL;
	struct exp_info info;
	char *err = NULL;

	ck_assert_int_eq(state_open(tc.db, &st, &err), 0);
	ck_assert_int_eq(state_get(st, name, &info), 0);
	ck_assert_str_eq(info.status, EXP_UP);
	ck_assert_int_eq(state_load_world(st, name, w), 0);
	memcpy(tag, info.tag, WORLD_TAG_LEN + 1);
	state_close(st);
}

/* Every node of NAME pings every other node through `enos exec`. */
static void assert_all_pairs_ping(const char *name)
{
	struct world w = { 0 };
	char tag[WORLD_TAG_LEN + 1];
	size_t i, k;

	load_world(name, &w, tag);
	ck_assert_uint_gt(w.n_nodes, 1);
	for (i = 0; i < w.n_nodes; i++) {
		for (k = 0; k < w.n_nodes; k++) {
			char addr[16], *out = NULL;
			int rc;

			if (i == k)
				continue;
			addr_format(w.nodes[k].addr, addr, sizeof(addr));
			rc = tu_enos(&out, tc.db, "exec", "-n", name,
				     w.nodes[i].name, "--", "ping", "-n", "-q",
				     "-c1", "-W2", addr, NULL);
			ck_assert_msg(rc == 0, "%s -> %s (%s) failed (%d): %s",
				      w.nodes[i].name, w.nodes[k].name, addr, rc, out);
			free(out);
		}
	}
	state_world_free(&w);
}

static void down_and_assert_clean(const char *name, const char *tag)
{
	char *out = NULL;
	int rc = tu_enos(&out, tc.db, "down", "-n", name, NULL);

	ck_assert_msg(rc == 0, "down failed (%d): %s", rc, out);
	free(out);
	ck_assert_int_eq(tu_leftovers(name, tag), 0);
	/* Twice is fine. */
	ck_assert_int_eq(tu_enos(NULL, tc.db, "down", "-n", name, NULL), 0);
}

START_TEST(three_tier_all_pairs_ping_and_clean_down)
{
	char name[32], path[256], tag[WORLD_TAG_LEN + 1], *out = NULL;
	struct world w = { 0 };
	int rc;

	unique_name(name, sizeof(name), "tier");
	write_topology(name, 2, path, sizeof(path));
	rc = tu_enos(&out, tc.db, "up", path, NULL);
	ck_assert_msg(rc == 0, "up failed (%d): %s", rc, out);
	ck_assert(tu_contains(out, "4 sites, 8 nodes"));
	free(out);

	load_world(name, &w, tag);
	ck_assert_uint_eq(w.n_sites, 4);
	ck_assert_uint_eq(w.n_nodes, 8);
	/* What the kernel reports: one namespace per node and per gateway. */
	ck_assert_int_eq(tu_netns_count(name), 12);
	state_world_free(&w);

	assert_all_pairs_ping(name);

	/* exec passes the exit code and the output through. */
	ck_assert_int_eq(tu_enos(NULL, tc.db, "exec", "central-1", "--", "sh",
				 "-c", "exit 7", NULL), 7);
	ck_assert_int_eq(tu_enos(&out, tc.db, "exec", "edge-2-1", "--",
				 "ip", "-o", "-4", "addr", "show", "dev", "eth0",
				 NULL), 0);
	ck_assert(tu_contains(out, "198.18."));
	free(out);
	ck_assert_int_eq(tu_enos(&out, tc.db, "exec", "edge-2-1", "--",
				 "no-such-program-enos", NULL), 127);
	free(out);

	/* A second up of the same experiment refuses, and changes nothing. */
	rc = tu_enos(&out, tc.db, "up", path, NULL);
	ck_assert_int_eq(rc, 1);
	ck_assert_msg(tu_contains(out, "is already up"), "%s", out);
	free(out);
	assert_all_pairs_ping(name);

	down_and_assert_clean(name, tag);
}
END_TEST

START_TEST(status_json_lists_sites_and_nodes)
{
	char name[32], path[256], *out = NULL;
	int rc;

	unique_name(name, sizeof(name), "json");
	write_topology(name, 1, path, sizeof(path));
	ck_assert_int_eq(tu_enos(NULL, tc.db, "up", path, NULL), 0);
	rc = tu_enos(&out, tc.db, "status", "--json", NULL);
	ck_assert_int_eq(rc, 0);
	ck_assert_msg(tu_contains(out, "\"name\":\"t-json-"), "%s", out);
	ck_assert(tu_contains(out, "\"sites\":[{\"name\":\"central\",\"role\":\"central\",\"prefix\":\"198.18."));
	ck_assert(tu_contains(out, "{\"name\":\"edge-2-1\",\"site\":\"edge-2\",\"backend\":\"netns\",\"address\":\"198.18."));
	free(out);
	rc = tu_enos(&out, tc.db, "status", NULL);
	ck_assert_int_eq(rc, 0);
	ck_assert(tu_contains(out, "edge-1-1"));
	free(out);
	ck_assert_int_eq(tu_enos(NULL, tc.db, "down", NULL), 0);
}
END_TEST

/* SIGKILL `up` of 200 nodes at several points; down leaves nothing. */
START_TEST(kill_up_at_any_point_then_down_is_clean)
{
	static const int delays_ms[] = { 5, 30, 100, 250, 500, 900 };
	char name[32], path[256], tag[WORLD_TAG_LEN + 1];
	size_t i;

	unique_name(name, sizeof(name), "kill");
	write_topology(name, 50, path, sizeof(path));
	for (i = 0; i < sizeof(delays_ms) / sizeof(delays_ms[0]); i++) {
		struct timespec ts = { 0, delays_ms[i] * 1000000L };
		struct state *st = NULL;
		struct exp_info info;
		char *err = NULL, *out = NULL;
		pid_t pid;
		int rc;

		pid = tu_enos_spawn(tc.db, "up", path, NULL);
		ck_assert_int_gt(pid, 0);
		nanosleep(&ts, NULL);
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);

		/* The tag is recorded before anything is built; if the kill
		 * came before that, down sweeps the name's first tag. */
		world_tag(name, 0, tag);
		ck_assert_int_eq(state_open(tc.db, &st, &err), 0);
		if (state_get(st, name, &info) == 0)
			memcpy(tag, info.tag, sizeof(tag));
		state_close(st);

		rc = tu_enos(&out, tc.db, "down", "-n", name, NULL);
		ck_assert_msg(rc == 0, "down after kill at %d ms failed: %s",
			      delays_ms[i], out);
		free(out);
		ck_assert_msg(tu_leftovers(name, tag) == 0,
			      "leftovers after kill at %d ms", delays_ms[i]);
	}
}
END_TEST

START_TEST(two_experiments_coexist)
{
	char a[32], b[32], pa[256], pb[256], tag_a[WORLD_TAG_LEN + 1];
	char tag_b[WORLD_TAG_LEN + 1], *out = NULL;
	struct world w = { 0 };

	unique_name(a, sizeof(a), "a");
	unique_name(b, sizeof(b), "b");
	write_topology(a, 1, pa, sizeof(pa));
	write_topology(b, 1, pb, sizeof(pb));
	ck_assert_int_eq(tu_enos(NULL, tc.db, "up", pa, NULL), 0);
	ck_assert_int_eq(tu_enos(NULL, tc.db, "up", pb, NULL), 0);
	load_world(a, &w, tag_a);
	state_world_free(&w);
	load_world(b, &w, tag_b);
	state_world_free(&w);
	ck_assert_str_ne(tag_a, tag_b);

	/* Without -n, exec is ambiguous. */
	ck_assert_int_eq(tu_enos(&out, tc.db, "exec", "central-1", "--", "true", NULL), 1);
	ck_assert_msg(tu_contains(out, "say which with -n NAME"), "%s", out);
	free(out);

	down_and_assert_clean(a, tag_a);
	ck_assert_int_gt(tu_leftovers(b, tag_b), 0);
	assert_all_pairs_ping(b);
	down_and_assert_clean(b, tag_b);
}
END_TEST

START_TEST(interrupted_up_rolls_back)
{
	char name[32], path[256], tag[WORLD_TAG_LEN + 1];
	struct timespec ts = { 0, 150 * 1000000L };
	struct state *st = NULL;
	struct exp_info info;
	char *err = NULL;
	int status;
	pid_t pid;

	unique_name(name, sizeof(name), "int");
	write_topology(name, 100, path, sizeof(path));
	world_tag(name, 0, tag);
	pid = tu_enos_spawn(tc.db, "up", path, NULL);
	nanosleep(&ts, NULL);
	kill(pid, SIGINT);
	waitpid(pid, &status, 0);
	/* Either it finished before the signal (then exit 0 is fine and down
	 * cleans), or it rolled back and exited 1, forgetting the experiment. */
	if (WIFEXITED(status) && WEXITSTATUS(status) == 1) {
		ck_assert_int_eq(tu_leftovers(name, tag), 0);
		ck_assert_int_eq(state_open(tc.db, &st, &err), 0);
		ck_assert_int_eq(state_get(st, name, &info), -ENOENT);
		state_close(st);
	} else {
		ck_assert_int_eq(tu_enos(NULL, tc.db, "down", "-n", name, NULL), 0);
		ck_assert_int_eq(tu_leftovers(name, tag), 0);
	}
}
END_TEST

Suite *make_sys_cli_suite(struct skips *sk)
{
	const struct sys_case cases[] = {
		{ "three_tier", three_tier_all_pairs_ping_and_clean_down },
		{ "status_json", status_json_lists_sites_and_nodes },
		{ "kill_up", kill_up_at_any_point_then_down_is_clean },
		{ "two_experiments", two_experiments_coexist },
		{ "interrupted_up", interrupted_up_rolls_back },
	};
	Suite *s = suite_create("sys_cli");
	const char *why = sys_unavailable();

	if (!why && access("/usr/bin/ping", X_OK) != 0 &&
	    access("/bin/ping", X_OK) != 0)
		why = "ping (iputils-ping) is not installed";
	sys_add_cases(s, sk, cases, sizeof(cases) / sizeof(cases[0]), why,
		      case_setup, case_teardown, 600);
	return s;
}
