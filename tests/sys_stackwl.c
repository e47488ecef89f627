/* System tests of the workloads a stack declares (workloads/stackwl.h) on a
 * netns world with a shaped WAN (one central node, two edge sites, 20 ms
 * RTT edge-central), with the stack tests/fixtures/stacks/sys/st-wl.yaml:
 * its workload `ops` is a shell script in each edge client that pings the
 * nearest app instance and prints JSON lines, every third operation a
 * failure with its text, one line of garbage half-way.
 * - jsonl_workload_in_nodes: the kind's job run in-process (tests/tu_wl.c,
 *   as the runner would): the script runs inside the client node (it logs
 *   the node's own address), every operation comes back, failures with
 *   their text, operations that crossed the WAN took at least its RTT,
 *   the garbage is counted, logged and skipped;
 * - stop_reaches_the_program: the job's stop flag ends the program in
 *   its node with SIGTERM (by its own handler, no SIGKILL) although the
 *   caller holds SIGTERM as enos bench does;
 * - bench_jsonl_workload: the same through `enos bench --workload ops`:
 *   every operation stored in the run's workload_ops (state_wlops) with its
 *   client, failures with their text, the garbage counted. Skipped while
 *   `enos bench` is not built in this branch.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "enos/state.h"
#include "tests/suites.h"
#include "tests/testutil.h"
#include "tests/tu_wl.h"

#define FIXTURE_STACKS "tests/fixtures/stacks/sys"
#define EXP "swl"
#define RTT_MS 20.0
#define TIMES 6

static struct tu_case tc;
static char topo[256];

static void case_setup(void)
{
	static const char text[] =
		"name: " EXP "\n"
		"sites:\n"
		"  - {name: central, role: central, nodes: 1}\n"
		"  - {name: edge, role: edge, parent: central, count: 2}\n"
		"network:\n"
		"  shaping: auto\n"
		"  default: {delay: 1ms}\n"
		"  constraints:\n"
		"    - {src: \"role:edge\", dst: \"role:central\", rtt: 20ms}\n"
		"stack: {name: st-wl}\n";
	char *out = NULL;

	ck_assert_int_eq(tu_case_setup(&tc, "stackwl"), 0);
	setenv("ENOS_STACKS_DIR", FIXTURE_STACKS, 1);
	tu_write(tc.dir, "swl.yaml", text, topo, sizeof(topo));
	ck_assert_msg(tu_enos(&out, tc.db, "up", topo, NULL) == 0, "%s", out);
	ck_assert_msg(tu_contains(out, "stack 'st-wl' (strategy 'default') is up: 1 instances") ||
		      tu_contains(out, "stack 'st-wl'"), "%s", out);
	free(out);
}

static void case_teardown(void)
{
	tu_case_teardown(&tc);
	/* The setup runs in the runner: later suites must not see it. */
	unsetenv("ENOS_STACKS_DIR");
}

/* The file at PATH into BUF (LEN bytes), "" if unreadable. */
static const char *slurp(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");
	size_t n = 0;

	if (f) {
		n = fread(buf, 1, len - 1, f);
		fclose(f);
	}
	buf[n] = '\0';
	return buf;
}

START_TEST(jsonl_workload_in_nodes)
{
	static const char *const sites[] = { "edge-1", "edge-2" };
	struct tu_wl_result r;
	char why[512], out_root[256], log[8192], path[512], want[128];
	size_t s, i, failed, ok;
	struct tu_wl_how how = { .out_root = out_root };

	snprintf(out_root, sizeof(out_root), "%s/wl", tc.dir);
	for (s = 0; s < 2; s++) {
		ck_assert_msg(tu_wl_run(tc.db, topo, "ops", sites[s], &how, &r, why,
					sizeof(why)) == 0, "%s", why);
		ck_assert_msg(r.rc == 0, "%d: %s", r.rc, r.err ? r.err : "");
		ck_assert_uint_eq(r.n, TIMES);
		for (i = failed = ok = 0; i < r.n; i++) {
			ck_assert_str_eq(r.ops[i].op, "ping");
			if (r.ops[i].ok) {
				ok++;
				/* To central across the WAN. */
				ck_assert_msg(r.ops[i].duration_ms >= RTT_MS,
					      "%s: ping %zu took %.2f ms", r.client, i + 1,
					      r.ops[i].duration_ms);
			} else {
				failed++;
				snprintf(want, sizeof(want), "injected failure %zu", i + 1);
				ck_assert_str_eq(r.ops[i].error, want);
			}
		}
		ck_assert_uint_eq(failed, TIMES / 3);
		ck_assert_msg(r.err && tu_contains(r.err, "1 bad line of output skipped") &&
			      tu_contains(r.err, "garbage: this line is not JSON"), "%s",
			      r.err ? r.err : "(no note)");
		/* It ran in the client node: the node's own address on eth0. */
		snprintf(path, sizeof(path), "%s/ops.log", r.out_dir);
		slurp(path, log, sizeof(log));
		snprintf(want, sizeof(want), "client %s: %s/", r.addr, r.addr);
		ck_assert_msg(tu_contains(log, want), "no '%s' in %s:\n%s", want, path, log);
		snprintf(want, sizeof(want), "enos: workload 'ops' on node '%s': sh ", r.client);
		ck_assert_msg(tu_contains(log, want), "%s", log);
		ck_assert_msg(tu_contains(log, "stdout of 'ops':4:") && tu_contains(log, "garbage: this line is not JSON"),
			      "%s", log);
		printf("sys_stackwl: %s: %zu ops (%zu ok, %zu failed) in %.2f s, first ping %.2f ms\n",
		       r.client, r.n, ok, failed, r.seconds, r.ops[0].duration_ms);
		tu_wl_result_release(&r);
	}
}
END_TEST

/* A stop reaches the program as SIGTERM in its node even though the
 * caller holds SIGTERM (as enos bench does): it ends at once, by its own
 * handler, and what it reported is kept. */
START_TEST(stop_reaches_the_program)
{
	struct tu_wl_result r;
	char why[512], out_root[256], log[8192], path[512];
	struct tu_wl_how how = { .out_root = out_root, .stop_after_ops = 3 };

	snprintf(out_root, sizeof(out_root), "%s/wl", tc.dir);
	ck_assert_msg(tu_wl_run(tc.db, topo, "ticks", "edge-1", &how, &r, why,
				sizeof(why)) == 0, "%s", why);
	ck_assert_msg(r.rc == -EINTR, "%d: %s", r.rc, r.err ? r.err : "");
	ck_assert_uint_ge(r.n, 3);
	ck_assert_msg(r.seconds < 3, "the job took %.1f s", r.seconds);
	snprintf(path, sizeof(path), "%s/ticks.log", r.out_dir);
	slurp(path, log, sizeof(log));
	ck_assert_msg(tu_contains(log, "enos: stopping the workload (SIGTERM)") &&
		      tu_contains(log, "ticks: got SIGTERM") &&
		      !tu_contains(log, "SIGKILL"), "%s", log);
	tu_wl_result_release(&r);
}
END_TEST

/* The ops.log files under DIR (recursively) whose text holds NEEDLE. */
static int logs_with(const char *dir, const char *needle, int depth)
{
	char path[1024], text[8192];
	struct dirent *de;
	DIR *d = opendir(dir);
	int n = 0;

	while (d && depth < 6 && (de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (de->d_type == DT_DIR)
			n += logs_with(path, needle, depth + 1);
		else if (!strcmp(de->d_name, "ops.log") &&
			 tu_contains(slurp(path, text, sizeof(text)), needle))
			n++;
	}
	if (d)
		closedir(d);
	return n;
}

START_TEST(bench_jsonl_workload)
{
	struct wlop_row *rows = NULL;
	struct state *st = NULL;
	char *out = NULL, *err = NULL, dir[256];
	size_t n = 0, i, failed = 0;
	int64_t run = 0;

	ck_assert_msg(tu_enos(&out, tc.db, "bench", "-n", EXP, "--workload", "ops", NULL) == 0,
		      "%s", out);
	free(out);
	ck_assert_int_eq(state_open(tc.db, &st, &err), 0);
	ck_assert_int_eq(state_run_latest(st, EXP, NULL, &run), 0);
	ck_assert_int_eq(state_wlops(st, run, "ops", &rows, &n), 0);
	ck_assert_uint_eq(n, 2 * TIMES);
	for (i = 0; i < n; i++) {
		ck_assert_str_eq(rows[i].op, "ping");
		ck_assert_msg(!strcmp(rows[i].node, "edge-1-1") || !strcmp(rows[i].node, "edge-2-1"),
			      "client %s", rows[i].node);
		if (rows[i].ok) {
			ck_assert_msg(rows[i].duration_ms >= RTT_MS, "%.2f ms", rows[i].duration_ms);
		} else {
			failed++;
			ck_assert_msg(rows[i].error && tu_contains(rows[i].error, "injected failure "),
				      "%s", rows[i].error ? rows[i].error : "(null)");
		}
	}
	ck_assert_uint_eq(failed, 2 * (TIMES / 3));
	state_wlops_free(rows, n);
	state_close(st);
	/* The garbage: counted and logged in each client's log. */
	snprintf(dir, sizeof(dir), "results/%s/%lld", EXP, (long long)run);
	ck_assert_int_eq(logs_with(dir, "garbage: this line is not JSON", 0), 2);
}
END_TEST

/* Why `enos bench` cannot be tested here, or NULL. */
static const char *bench_missing(void)
{
	char *out = NULL;
	const char *why = NULL;

	tu_enos(&out, "/nonexistent/enos.db", "bench", "--help", NULL);
	if (!out || tu_contains(out, "is not an enos command"))
		why = "enos bench not built in this branch";
	free(out);
	return why;
}

Suite *make_sys_stackwl_suite(struct skips *sk)
{
	const struct sys_case driver[] = {
		{ "jsonl_workload_in_nodes", jsonl_workload_in_nodes },
		{ "stop_reaches_the_program", stop_reaches_the_program },
	};
	const struct sys_case bench[] = {
		{ "bench_jsonl_workload", bench_jsonl_workload },
	};
	Suite *s = suite_create("sys_stackwl");
	const char *why = sys_unavailable();

	sys_add_cases(s, sk, driver, 2, why, case_setup, case_teardown, 120);
	sys_add_cases(s, sk, bench, 1, why ? why : bench_missing(), case_setup, case_teardown, 180);
	return s;
}
