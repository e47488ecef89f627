/* System tests of workloads through the enos binary, on the sys_stack
 * world (a central site of 3 nodes, 2 regional and 2 edge sites of one
 * node) with a shaped WAN (edge <-> regional 10 ms RTT, edge <-> central
 * 20 ms, 1 ms one way elsewhere):
 * - kv-latency over etcd `spread` (a member per regional site) from both
 *   edge sites: every operation is stored with its client, its member and
 *   the pair's RTT, and each client's p50 is at least that RTT;
 * - a partition of edge-1 applied by the topology's timeline during the
 *   workload: the operations that started during it carry that fault's
 *   id and loss 100 %, those outside do not, and some of them failed;
 * - SIGINT to `enos bench` stops the workload, keeps what finished
 *   (summaries agree with the stored operations), heals the partition the
 *   timeline applied and marks the run interrupted;
 * - a member killed mid-workload: its failures are stored, the run goes
 *   on to its end, and `enos bench` exits 1 naming the instance;
 * - `enos run` with rtt and throughput workloads stores their operations
 *   in its run: RTT samples at least the target, iperf3 under a 20 Mbit/s
 *   rate near it.
 * Skipped without etcd or iperf3. Each case takes its experiment down in
 * its teardown (tu_case_teardown), also after a failed assertion.
 */
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>

#include <sqlite3.h>

#include "tests/suites.h"
#include "tests/testutil.h"

static struct tu_case tc;

static void case_setup(void)
{
	ck_assert_int_eq(tu_case_setup(&tc, "workload"), 0);
	/* The tree's stacks (etcd), whatever an earlier suite pointed at. */
	unsetenv("ENOS_STACKS_DIR");
}

static void case_teardown(void)
{
	tu_case_teardown(&tc);
}

/* The world named NAME with the etcd stack (strategy spread) if STACK,
 * the constraint rules RULES (lines) after its own, and EXTRA (faults:,
 * workload:) at the end. */
static const char *write_topo(const char *name, bool stack, const char *rules,
			      const char *extra, char *path, size_t len)
{
	char text[4096];

	snprintf(text, sizeof(text),
		 "name: %s\n"
		 "sites:\n"
		 "  - {name: central, role: central, nodes: 3}\n"
		 "  - {name: regional, role: regional, parent: central, count: 2}\n"
		 "  - {name: edge, role: edge, parent: regional-1, count: 2}\n"
		 "network:\n"
		 "  shaping: auto\n"
		 "  default: {delay: 1ms}\n"
		 "  constraints:\n"
		 "    - {src: \"role:edge\", dst: \"role:central\", rtt: 20ms}\n"
		 "    - {src: \"role:edge\", dst: \"role:regional\", rtt: 10ms}\n"
		 "%s"
		 "%s"
		 "%s",
		 name, rules, stack ? "stack: {name: etcd, strategy: spread}\n" : "",
		 extra);
	return tu_write(tc.dir, name, text, path, len);
}

/* ---- reading the case's database ---- */

static sqlite3 *db_open(void)
{
	sqlite3 *db = NULL;

	ck_assert_int_eq(sqlite3_open(tc.db, &db), SQLITE_OK);
	sqlite3_busy_timeout(db, 5000);
	return db;
}

/* The first column of the first row of SQL with ?1 = I1 (NaN: no row or
 * NULL). */
static double q1(sqlite3 *db, const char *sql, int64_t i1)
{
	sqlite3_stmt *s = NULL;
	double v = NAN;

	ck_assert_msg(sqlite3_prepare_v2(db, sql, -1, &s, NULL) == SQLITE_OK,
		      "%s: %s", sql, sqlite3_errmsg(db));
	if (sqlite3_bind_parameter_count(s) >= 1)
		sqlite3_bind_int64(s, 1, i1);
	if (sqlite3_step(s) == SQLITE_ROW &&
	    sqlite3_column_type(s, 0) != SQLITE_NULL)
		v = sqlite3_column_double(s, 0);
	sqlite3_finalize(s);
	return v;
}

/* The newest run of KIND. */
static int64_t last_run(sqlite3 *db, const char *kind)
{
	sqlite3_stmt *s = NULL;
	int64_t run = 0;

	ck_assert_int_eq(sqlite3_prepare_v2(db, "SELECT id FROM runs WHERE kind = ?1"
					    " ORDER BY id DESC LIMIT 1", -1, &s, NULL),
			 SQLITE_OK);
	sqlite3_bind_text(s, 1, kind, -1, SQLITE_STATIC);
	if (sqlite3_step(s) == SQLITE_ROW)
		run = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	ck_assert_msg(run > 0, "no run of kind %s", kind);
	return run;
}

static void run_outcome(sqlite3 *db, int64_t run, char *out, size_t len)
{
	sqlite3_stmt *s = NULL;

	out[0] = '\0';
	ck_assert_int_eq(sqlite3_prepare_v2(db, "SELECT outcome FROM runs WHERE id = ?1",
					    -1, &s, NULL), SQLITE_OK);
	sqlite3_bind_int64(s, 1, run);
	if (sqlite3_step(s) == SQLITE_ROW && sqlite3_column_text(s, 0))
		snprintf(out, len, "%s", (const char *)sqlite3_column_text(s, 0));
	sqlite3_finalize(s);
}

static void up(const char *path)
{
	char *out = NULL;

	ck_assert_msg(tu_enos(&out, tc.db, "up", path, NULL) == 0, "%s", out);
	free(out);
}

/* ---- kv-latency over etcd spread ---- */

START_TEST(kv_latency_spread)
{
	char path[256], *out = NULL, outcome[32];
	const char *sites[] = { "edge-1", "edge-2" };
	sqlite3 *db;
	int64_t run;
	size_t i;

	write_topo("wl-kv", true, "",
		   "workload: {name: kv-latency, times: 50, concurrency: 2}\n",
		   path, sizeof(path));
	up(path);
	ck_assert_msg(tu_enos(&out, tc.db, "bench", "-n", "wl-kv", NULL) == 0, "%s", out);
	ck_assert_msg(tu_contains(out, "workload 'kv-latency': 2 jobs from 'role:edge'"),
		      "%s", out);
	free(out);
	db = db_open();
	run = last_run(db, "bench");
	run_outcome(db, run, outcome, sizeof(outcome));
	ck_assert_str_eq(outcome, "ok");
	/* Every operation: 2 clients x 50 puts and 50 gets, all ok, each
	 * against a member at a regional site, with the pair's RTT. */
	ck_assert_double_eq(q1(db, "SELECT count(*) FROM workload_ops WHERE run = ?1", run), 200);
	ck_assert_double_eq(q1(db, "SELECT count(*) FROM workload_ops WHERE run = ?1 AND ok", run),
			    200);
	ck_assert_double_eq(q1(db, "SELECT count(*) FROM workload_ops WHERE run = ?1 AND"
			       " target LIKE 'etcd-%' AND target_site LIKE 'regional-%'"
			       " AND site LIKE 'edge-%' AND node LIKE 'edge-%'", run), 200);
	ck_assert_double_eq(q1(db, "SELECT count(*) FROM workload_ops WHERE run = ?1 AND"
			       " abs(rtt_ms - 10) < 1e-9 AND loss_pct = 0", run), 200);
	for (i = 0; i < 2; i++) {
		char sql[512];
		double p50_put, p50_get, rtt, n;

		snprintf(sql, sizeof(sql), "SELECT p50_ms FROM workload_summaries WHERE run = ?1"
			 " AND workload = 'kv-latency' AND op = 'put' AND site = '%s'", sites[i]);
		p50_put = q1(db, sql, run);
		snprintf(sql, sizeof(sql), "SELECT p50_ms FROM workload_summaries WHERE run = ?1"
			 " AND workload = 'kv-latency' AND op = 'get' AND site = '%s'", sites[i]);
		p50_get = q1(db, sql, run);
		snprintf(sql, sizeof(sql), "SELECT max(rtt_ms) FROM workload_ops WHERE run = ?1"
			 " AND site = '%s'", sites[i]);
		rtt = q1(db, sql, run);
		snprintf(sql, sizeof(sql), "SELECT count FROM workload_summaries WHERE run = ?1"
			 " AND op = 'put' AND site = '%s'", sites[i]);
		n = q1(db, sql, run);
		printf("sys_workload: kv-latency %s -> nearest etcd member (pair RTT %.1f ms):"
		       " put p50 %.2f ms, get p50 %.2f ms (%.0f puts)\n",
		       sites[i], rtt, p50_put, p50_get, n);
		ck_assert_double_eq(n, 50);
		ck_assert_msg(p50_put >= rtt, "put p50 %g < RTT %g", p50_put, rtt);
		ck_assert_msg(p50_get >= rtt, "get p50 %g < RTT %g", p50_get, rtt);
	}
	/* The summary over every site counts both clients. */
	ck_assert_double_eq(q1(db, "SELECT count FROM workload_summaries WHERE run = ?1"
			       " AND op = 'put' AND site = '*'", run), 100);
	sqlite3_close(db);
}
END_TEST

/* ---- a partition during a workload ---- */

START_TEST(partition_tags_ops)
{
	char path[256], *out = NULL;
	double fault, applied, removed, during, tagged, failed, outside;
	sqlite3 *db;
	int64_t run;

	write_topo("wl-part", true, "",
		   "faults:\n"
		   "  - {at: 1s, action: partition, sites: [edge-1], for: 2s}\n"
		   "workload: {name: kv-latency, from: edge-1, times: 400, gets: no, timeout: 300ms}\n",
		   path, sizeof(path));
	up(path);
	ck_assert_msg(tu_enos(&out, tc.db, "bench", NULL) == 0, "%s", out);
	ck_assert_msg(tu_contains(out, "partition"), "%s", out);
	free(out);
	db = db_open();
	run = last_run(db, "bench");
	fault = q1(db, "SELECT id FROM faults WHERE run = ?1 AND action = 'partition'", run);
	applied = q1(db, "SELECT applied FROM faults WHERE run = ?1 AND action = 'partition'", run);
	removed = q1(db, "SELECT removed FROM faults WHERE run = ?1 AND action = 'partition'", run);
	ck_assert_msg(!isnan(fault) && !isnan(removed), "the timeline's partition was not recorded");
	ck_assert_double_eq_tol(removed - applied, 2.0, 0.5);
	/* Operations that started during it carry its id and loss 100 %. */
	{
		char sql[512];

		snprintf(sql, sizeof(sql), "SELECT count(*) FROM workload_ops WHERE run = ?1"
			 " AND start >= %.6f AND start < %.6f", applied, removed);
		during = q1(db, sql, run);
		snprintf(sql, sizeof(sql), "SELECT count(*) FROM workload_ops o JOIN"
			 " workload_op_faults f ON f.op = o.id WHERE o.run = ?1 AND f.fault = %.0f"
			 " AND o.start >= %.6f AND o.start < %.6f AND o.loss_pct = 100",
			 fault, applied, removed);
		tagged = q1(db, sql, run);
		snprintf(sql, sizeof(sql), "SELECT count(*) FROM workload_ops WHERE run = ?1"
			 " AND NOT ok AND start >= %.6f AND start < %.6f", applied, removed);
		failed = q1(db, sql, run);
		snprintf(sql, sizeof(sql), "SELECT count(*) FROM workload_ops o JOIN"
			 " workload_op_faults f ON f.op = o.id WHERE o.run = ?1 AND f.fault = %.0f"
			 " AND (o.start < %.6f OR o.start >= %.6f)", fault, applied, removed);
		outside = q1(db, sql, run);
	}
	printf("sys_workload: partition of edge-1 for %.2f s during kv-latency: %.0f ops started"
	       " in it, %.0f tagged with fault %.0f, %.0f failed; %.0f of %.0f ops in all\n",
	       removed - applied, during, tagged, fault, failed, q1(db,
	       "SELECT count(*) FROM workload_ops WHERE run = ?1 AND op = 'put'", run),
	       400.0);
	ck_assert_msg(during >= 1, "no operation started during the partition");
	ck_assert_double_eq(tagged, during);
	ck_assert_double_eq(outside, 0);
	/* Cut off from its member: every put that started in it failed
	 * (300 ms timeout) but, at most, one finishing as it healed. */
	ck_assert_msg(failed >= during - 1 && failed >= 1, "%g of %g failed", failed, during);
	/* Every put was made: the run goes on through the partition. */
	ck_assert_double_eq(q1(db, "SELECT count(*) FROM workload_ops WHERE run = ?1", run), 400);
	sqlite3_close(db);
}
END_TEST

/* ---- Ctrl-C ---- */

START_TEST(sigint_keeps_finished)
{
	char path[256], outcome[32];
	double ops = 0, t0, summed, removed, fault;
	sqlite3 *db;
	int64_t run = 0;
	pid_t pid;
	int status;

	write_topo("wl-int", true, "",
		   "faults:\n"
		   "  - {at: 0.5s, action: partition, sites: [edge-2], for: 100s}\n"
		   "workload: {name: kv-latency, from: edge-1, times: 100000}\n",
		   path, sizeof(path));
	up(path);
	pid = tu_enos_spawn(tc.db, "bench", NULL);
	ck_assert_int_gt(pid, 0);
	db = db_open();
	t0 = tu_now_s();
	while (ops < 100 && tu_now_s() - t0 < 60) {
		usleep(200 * 1000);
		ops = q1(db, "SELECT count(*) FROM workload_ops o JOIN runs r ON r.id = o.run"
			 " WHERE r.kind = 'bench'", 0);
	}
	ck_assert_msg(ops >= 100, "only %g operations stored", ops);
	/* The timeline's partition is on. */
	while (isnan(q1(db, "SELECT id FROM faults WHERE action = 'partition'", 0)) &&
	       tu_now_s() - t0 < 60)
		usleep(100 * 1000);
	ck_assert_int_eq(kill(pid, SIGINT), 0);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 1, "status %d", status);
	run = last_run(db, "bench");
	run_outcome(db, run, outcome, sizeof(outcome));
	ck_assert_str_eq(outcome, "interrupted");
	ops = q1(db, "SELECT count(*) FROM workload_ops WHERE run = ?1", run);
	summed = q1(db, "SELECT count FROM workload_summaries WHERE run = ?1 AND op = 'put'"
		    " AND site = '*'", run);
	printf("sys_workload: SIGINT after %.1f s: %.0f operations kept, summaries over %.0f\n",
	       tu_now_s() - t0, ops, summed);
	ck_assert_msg(ops >= 100 && ops < 100000, "%g operations", ops);
	/* Every finished operation is stored and summarized. */
	ck_assert_double_eq(summed, ops);
	/* The partition the timeline applied is healed. */
	fault = q1(db, "SELECT id FROM faults WHERE run = ?1 AND action = 'partition'", run);
	removed = q1(db, "SELECT removed FROM faults WHERE run = ?1 AND action = 'partition'", run);
	ck_assert_msg(!isnan(fault), "the partition was not applied");
	ck_assert_msg(!isnan(removed), "the partition was left active");
	sqlite3_close(db);
}
END_TEST

/* ---- a target that dies ---- */

START_TEST(service_death_named)
{
	char path[256], *out = NULL, outcome[32];
	double failed, ops, pid;
	sqlite3 *db;
	int64_t run;
	pid_t killer;
	int rc, status;

	write_topo("wl-die", true, "",
		   "workload: {name: kv-latency, from: edge-1, target: etcd-1, times: 600, gets: no,"
		   " timeout: 300ms}\n", path, sizeof(path));
	up(path);
	db = db_open();
	pid = q1(db, "SELECT pid FROM services WHERE instance = 'etcd-1'", 0);
	ck_assert_msg(pid > 0, "no pid for etcd-1");
	/* Once 100 operations are stored, kill the member the client loads. */
	fflush(NULL);
	killer = fork();
	ck_assert_int_ge(killer, 0);
	if (killer == 0) {
		double t0 = tu_now_s();
		sqlite3 *kdb = NULL;

		if (sqlite3_open(tc.db, &kdb) != SQLITE_OK)
			_exit(2);
		sqlite3_busy_timeout(kdb, 5000);
		while (q1(kdb, "SELECT count(*) FROM workload_ops", 0) < 100 &&
		       tu_now_s() - t0 < 60)
			usleep(100 * 1000);
		sqlite3_close(kdb);
		_exit(kill((pid_t)pid, SIGKILL) == 0 ? 0 : 3);
	}
	rc = tu_enos(&out, tc.db, "bench", NULL);
	ck_assert_int_eq(waitpid(killer, &status, 0), killer);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "killer %d", status);
	ck_assert_msg(rc == 1, "exit %d: %s", rc, out);
	ck_assert_msg(tu_contains(out, "service instance 'etcd-1' (service 'etcd', node 'regional-1-1')"
				  " died during workload 'kv-latency'"), "%s", out);
	free(out);
	run = last_run(db, "bench");
	run_outcome(db, run, outcome, sizeof(outcome));
	ck_assert_str_eq(outcome, "failed");
	/* The run went on to its end: every put is stored, those after the
	 * death failed. */
	ops = q1(db, "SELECT count(*) FROM workload_ops WHERE run = ?1", run);
	failed = q1(db, "SELECT count(*) FROM workload_ops WHERE run = ?1 AND NOT ok", run);
	printf("sys_workload: etcd-1 killed mid-workload: %.0f puts stored, %.0f failed\n",
	       ops, failed);
	ck_assert_double_eq(ops, 600);
	ck_assert_msg(failed >= 1 && failed <= 500, "%g failed", failed);
	ck_assert_double_eq(q1(db, "SELECT count(*) FROM services WHERE instance = 'etcd-1'"
			       " AND state = 'failed'", 0), 1);
	sqlite3_close(db);
}
END_TEST

/* ---- enos run with workloads ---- */

START_TEST(run_with_workloads)
{
	char path[256], *out = NULL, outcome[32];
	double n_rtt, min_rtt, bps, target;
	sqlite3 *db;
	int64_t run;

	/* A rate on edge-2 <-> central for iperf3 to meet. */
	write_topo("wl-run", false,
		   "    - {src: edge-2, dst: central, rate: 20mbit}\n",
		   "workload:\n"
		   "  - {name: rtt, from: edge-1, to: central, samples: 20, interval: 10ms}\n"
		   "  - {name: throughput, from: edge-2, to: central, time: 2s}\n",
		   path, sizeof(path));
	ck_assert_msg(tu_enos(&out, tc.db, "run", "--samples", "3", path, NULL) == 0, "%s", out);
	ck_assert_msg(tu_contains(out, "workload 'rtt'"), "%s", out);
	ck_assert_msg(tu_contains(out, "workload 'throughput'"), "%s", out);
	free(out);
	db = db_open();
	run = last_run(db, "run");
	run_outcome(db, run, outcome, sizeof(outcome));
	ck_assert_str_eq(outcome, "ok");
	n_rtt = q1(db, "SELECT count(*) FROM workload_ops WHERE run = ?1 AND op = 'rtt' AND ok", run);
	min_rtt = q1(db, "SELECT min(duration_ms) FROM workload_ops WHERE run = ?1 AND op = 'rtt'", run);
	target = q1(db, "SELECT max(rtt_ms) FROM workload_ops WHERE run = ?1 AND op = 'rtt'", run);
	bps = q1(db, "SELECT value FROM workload_ops WHERE run = ?1 AND op = 'throughput' AND ok"
		 " AND unit = 'bit/s'", run);
	printf("sys_workload: enos run: rtt edge-1 -> central %.0f samples, min %.2f ms (target %.1f);"
	       " iperf3 edge-2 -> central %.2f Mbit/s under a 20 Mbit/s rate\n",
	       n_rtt, min_rtt, target, bps / 1e6);
	ck_assert_double_eq(n_rtt, 20);
	ck_assert_double_eq_tol(target, 20, 1e-9);
	ck_assert_msg(min_rtt >= target, "min RTT %g < target %g", min_rtt, target);
	ck_assert_msg(bps > 0.5 * 20e6 * tu_rate_floor() && bps < 1.05 * 20e6,
		      "%g bit/s under 20 Mbit/s", bps);
	/* The run went down after its workloads. */
	ck_assert_int_eq(tu_netns_count("wl-run"), 0);
	sqlite3_close(db);
}
END_TEST

Suite *make_sys_workload_suite(struct skips *sk)
{
	const struct sys_case etcd_cases[] = {
		{ "kv_latency_spread", kv_latency_spread },
		{ "partition_tags_ops", partition_tags_ops },
		{ "sigint_keeps_finished", sigint_keeps_finished },
		{ "service_death_named", service_death_named },
	};
	const struct sys_case iperf_cases[] = {
		{ "run_with_workloads", run_with_workloads },
	};
	char *etcd[] = { "etcd", "--version", NULL };
	char *iperf[] = { "iperf3", "--version", NULL };
	Suite *s = suite_create("sys_workload");
	const char *why = sys_unavailable(), *why_iperf;

	why_iperf = why;
	if (!why && tu_run(NULL, etcd) != 0)
		why = "etcd is not installed (apt-get install etcd-server etcd-client)";
	if (!why_iperf && tu_run(NULL, iperf) != 0)
		why_iperf = "iperf3 is not installed (apt-get install iperf3)";
	sys_add_cases(s, sk, etcd_cases, sizeof(etcd_cases) / sizeof(etcd_cases[0]),
		      why, case_setup, case_teardown, 180);
	sys_add_cases(s, sk, iperf_cases, sizeof(iperf_cases) / sizeof(iperf_cases[0]),
		      why_iperf, case_setup, case_teardown, 180);
	return s;
}
