/* sys_trace — a link that follows a trace (issue 13), through the command
 * line on a real world with the wand engine: two sites whose RTT follows
 * a synthetic trace (20 ms for 3 s, 80 ms for 3 s, looped);
 * - `up` starts it and records when (the fact trace_start of its run);
 * - `tc --test --over 10s --json` gives a series per pair whose probes
 *   follow the steps: checked here against the trace itself (not against
 *   the targets the series carries), the p50 of each step's settled probes
 *   within the bound, and every step within it by enos's own count too;
 * - a fault that changes another field keeps the traces' clock (the
 *   same trace_start after it);
 * - `enos report` draws the time series (series-K.svg, "RTT over time");
 * - `down` leaves no namespace, link or engine.
 * The parser, the step lookup, the engine's clock and the per-step count
 * are unit-tested in test_trace.c.
 */
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "emulator/caps.h"
#include "emulator/proc.h"
#include "emulator/shape.h"
#include "emulator/trace_play.h"
#include "enos/state.h"
#include "tests/suites.h"
#include "tests/testutil.h"
#include "tests/tu_state.h"
#include "util/fs.h"

static struct tu_case tc;

static void case_setup(void)
{
	ck_assert_int_eq(tu_case_setup(&tc, "trace"), 0);
}

static void case_teardown(void)
{
	tu_case_teardown(&tc);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* The trace's RTT at AT seconds: 20 ms in [0, 3) mod 6, else 80 ms. */
static double trace_rtt(double at)
{
	return fmod(at, 6.0) < 3.0 ? 20.0 : 80.0;
}

/* Check one series of the JSON: every step the probes cover fully has the
 * p50 of its settled probes (0.2 s into it to 0.2 s before its end) within
 * max(PCT, MS) of the trace. Returns how many steps were checked. */
static int check_series(json_t *series, double pct, double ms)
{
	json_t *samples = json_object_get(series, "samples"), *row;
	double got[64], step_rtt = 0;
	long step = -1;
	size_t i, k = 0;
	int checked = 0;

	ck_assert(json_is_array(samples));
	ck_assert_uint_ge(json_array_size(samples), 80);
	for (i = 0; i <= json_array_size(samples); i++) {
		double at = 0, target = 0, rtt = NAN;
		long s = -2;

		if (i < json_array_size(samples)) {
			row = json_array_get(samples, i);
			at = json_number_value(json_array_get(row, 0));
			target = json_number_value(json_array_get(row, 1));
			rtt = json_is_number(json_array_get(row, 2)) ?
			      json_number_value(json_array_get(row, 2)) : NAN;
			s = (long)floor(at / 3.0);
		}
		if (s != step) {
			if (k >= 10) {
				qsort(got, k, sizeof(*got), cmp_double);
				ck_assert_msg(fabs(got[k / 2] - step_rtt) <=
					      fmax(pct / 100 * step_rtt, ms),
					      "step %ld: p50 %.3f ms, trace %.0f ms",
					      step, got[k / 2], step_rtt);
				checked++;
			}
			step = s;
			k = 0;
		}
		if (i == json_array_size(samples))
			break;
		/* The targets enos computed are the trace's away from a step. */
		if (fmod(at, 3.0) > 0.2 && fmod(at, 3.0) < 2.8) {
			ck_assert_msg(fabs(target - trace_rtt(at)) < 1e-9,
				      "target %.3f at %.3f s", target, at);
			step_rtt = trace_rtt(at);
			if (isfinite(rtt) && k < sizeof(got) / sizeof(got[0]))
				got[k++] = rtt;
		}
	}
	return checked;
}

/* The trace_start facts of NAME's runs, oldest first, into STARTS[0..4). */
static int trace_starts(const char *name, char starts[4][32])
{
	sqlite3 *db = NULL;
	sqlite3_stmt *q = NULL;
	int n = 0;

	ck_assert_int_eq(sqlite3_open_v2(tc.db, &db, SQLITE_OPEN_READONLY, NULL),
			 SQLITE_OK);
	ck_assert_int_eq(sqlite3_prepare_v2(db, "SELECT f.value FROM facts f JOIN runs r"
					    " ON r.id = f.run WHERE r.experiment = ?1"
					    " AND f.key = 'trace_start' ORDER BY r.id",
					    -1, &q, NULL), SQLITE_OK);
	sqlite3_bind_text(q, 1, name, -1, SQLITE_STATIC);
	while (n < 4 && sqlite3_step(q) == SQLITE_ROW)
		snprintf(starts[n++], 32, "%s", (const char *)sqlite3_column_text(q, 0));
	sqlite3_finalize(q);
	sqlite3_close(db);
	return n;
}

START_TEST(trace_followed_measured_reported)
{
	char name[32], path[256], text[1024], tag[WORLD_TAG_LEN + 1], report[64];
	char starts[4][32], *out = NULL;
	struct state *st = NULL;
	struct exp_info info;
	json_error_t jerr;
	json_t *doc, *series;
	double pct = 5, ms = 1;       /* tu_tc_tolerance()'s */
	size_t i;
	int rc;

	snprintf(name, sizeof(name), "t-trace-%d", (int)getpid());
	snprintf(report, sizeof(report), "results/%s", name);
	ck_assert_ptr_nonnull(tu_write(tc.dir, "steps.tsv",
				       "# 20 ms for 3 s, 80 ms for 3 s\ntime_s\trtt_ms\n0\t20\n3\t80\n",
				       path, sizeof(path)));
	snprintf(text, sizeof(text),
		 "name: %s\n"
		 "sites:\n"
		 "  - {name: central, role: central}\n"
		 "  - {name: edge, role: edge, parent: central}\n"
		 "network:\n"
		 "  shaping: wand\n"
		 "  constraints:\n"
		 "    - {src: edge, dst: central, trace: {file: steps.tsv, loop: true}}\n",
		 name);
	ck_assert_ptr_nonnull(tu_write(tc.dir, "trace.yaml", text, path, sizeof(path)));
	rc = tu_enos(&out, tc.db, "up", path, NULL);
	ck_assert_msg(rc == 0, "up: %s", out);
	ck_assert_msg(tu_contains(out, "WAN shaping wand"), "%s", out);
	free(out);
	ck_assert_int_eq(trace_starts(name, starts), 1);

	rc = tu_enos(&out, tc.db, "tc", "--test", "--over", "10s", "--json",
		     "--tolerance", tu_tc_tolerance(), NULL);
	ck_assert_msg(rc == 0, "tc --test --over: %.1500s", out);
	doc = json_loads(out, 0, &jerr);
	ck_assert_msg(doc != NULL, "%s: %.1500s", jerr.text, out);
	free(out);
	if (tu_slack_ms() > 0) {
		pct = 50;
		ms = 20;
	}
	series = json_object_get(doc, "series");
	ck_assert_uint_eq(json_array_size(series), 2);
	for (i = 0; i < 2; i++) {
		json_t *s = json_array_get(series, i);
		int steps = (int)json_integer_value(json_object_get(s, "steps"));

		ck_assert(json_is_true(json_object_get(s, "traced")));
		/* 10 s over 3 s steps: at least 3 with settled probes. */
		ck_assert_int_ge(steps, 3);
		ck_assert_int_eq(json_integer_value(json_object_get(s, "steps_within")),
				 steps);
		ck_assert_int_ge(check_series(s, pct, ms), 2);
	}
	ck_assert(json_is_number(json_object_get(doc, "trace_start")));
	json_decref(doc);
	/* The tc-test run recorded the same start as up's. */
	ck_assert_int_eq(trace_starts(name, starts), 2);
	ck_assert_str_eq(starts[0], starts[1]);

	/* A fault on another field keeps the traces' clock. */
	ck_assert_int_eq(tu_enos(NULL, tc.db, "fault", "set", "edge", "central",
				 "jitter=0.1ms", NULL), 0);
	rc = tu_enos(&out, tc.db, "tc", "--test", "--over", "2s", "--tolerance",
		     "50,20", NULL);
	ck_assert_msg(rc == 0, "tc --test during the fault: %s", out);
	free(out);
	ck_assert_int_eq(trace_starts(name, starts), 3);
	ck_assert_str_eq(starts[0], starts[2]);

	/* The report of the newest run (the 2 s series during the fault)
	 * has the time series. */
	rc = tu_enos(&out, tc.db, "report", "-n", name, NULL);
	ck_assert_msg(rc == 0, "report: %s", out);
	free(out);
	{
		char *ls = NULL, cmd[1024];
		char *argv[] = { (char *)"sh", (char *)"-c", cmd, NULL };

		snprintf(cmd, sizeof(cmd), "ls %s/*/series-1.svg %s/*/series-2.png"
			 " && grep -l 'RTT over time' %s/*/index.html", report,
			 report, report);
		ck_assert_msg(tu_run(&ls, argv) == 0, "%s", ls);
		free(ls);
		snprintf(cmd, sizeof(cmd), "rm -rf %s", report);
		tu_run(NULL, argv);
	}

	ck_assert_int_eq(state_open(tc.db, &st, &out), 0);
	ck_assert_int_eq(state_get(st, name, &info), 0);
	memcpy(tag, info.tag, WORLD_TAG_LEN + 1);
	state_close(st);
	rc = tu_enos(&out, tc.db, "down", "-n", name, NULL);
	ck_assert_msg(rc == 0, "down: %s", out);
	free(out);
	ck_assert_int_eq(tu_leftovers(name, tag), 0);
	/* The engine and its directory (socket, pid file, log). */
	snprintf(path, sizeof(path), "/run/enos/%s", name);
	ck_assert_msg(access(path, F_OK) != 0, "%s left after down", path);
}
END_TEST


/* The trace player's process half (emulator/trace_play.c) without
 * netem: a stand-in player (a shell whose words name trace-play and the
 * experiment, writing the pid file as the player does) is spawned,
 * found through its pid file, told apart from a recycled pid, stopped by
 * pid, and swept when it was never stopped (a starter killed before it
 * recorded it); one that exits while starting gives its exit status. */
START_TEST(trace_player_process)
{
	char name[32], path[256], log[256];
	const char *script =
		"echo \"$$ 1234567\" > \"/run/enos/$1/trace-play.pid\" && "
		"while :; do sleep 0.1; done";
	const char *argv[] = { "/bin/sh", "-c", script, TRACE_PLAY_NAME, name, NULL };
	const char *fails[] = { "/bin/sh", "-c", "exit 3", TRACE_PLAY_NAME, name, NULL };
	uint64_t start = 0;
	pid_t pid = 0, got = 0;

	snprintf(name, sizeof(name), "t-play-%d", (int)getpid());
	ck_assert_int_eq(trace_play_spawn(name, argv, log, sizeof(log), &pid), 0);
	ck_assert_int_gt(pid, 0);
	snprintf(path, sizeof(path), "/run/enos/%s/trace-play.log", name);
	ck_assert_str_eq(log, path);
	ck_assert_int_eq(trace_play_read(name, &got, &start), 0);
	ck_assert_int_eq(got, pid);
	ck_assert_uint_eq(start, 1234567);
	ck_assert(trace_play_running(name, pid));
	/* Another experiment's name, or a pid that is no player: spared. */
	ck_assert(!trace_play_running("t-other", pid));
	ck_assert_int_eq(trace_play_stop("t-other", pid), 0);
	ck_assert(!proc_gone(pid));
	ck_assert(!trace_play_running(name, getppid()));
	ck_assert_int_eq(trace_play_stop(name, pid), 0);
	ck_assert(proc_gone(pid));
	/* Its pid file now names a process that is gone. */
	ck_assert_int_eq(trace_play_read(name, &got, &start), -ESRCH);
	ck_assert_int_eq(trace_play_sweep(name), 0);
	snprintf(path, sizeof(path), "/run/enos/%s", name);
	ck_assert_msg(access(path, F_OK) != 0, "%s left after the sweep", path);

	/* Never stopped: the sweep finds it through its pid file. */
	ck_assert_int_eq(trace_play_spawn(name, argv, log, sizeof(log), &pid), 0);
	ck_assert_int_eq(trace_play_sweep(name), 0);
	ck_assert(proc_gone(pid));
	ck_assert_msg(access(path, F_OK) != 0, "%s left after the sweep", path);

	ck_assert_int_eq(trace_play_spawn(name, fails, log, sizeof(log), &pid),
			 -(SHAPE_EEXITED + 3));
	ck_assert_int_eq(trace_play_sweep(name), 0);
}
END_TEST

/* The pid in NAME's trace player pid file ("PID START_US"), or 0, and
 * the start into *START (may be NULL). */
static int player_file(const char *name, unsigned long long *start)
{
	char path[256], *text = NULL, *end = NULL;
	size_t len = 0;
	int pid = 0;

	snprintf(path, sizeof(path), "/run/enos/%s/trace-play.pid", name);
	if (fs_read_file(path, 4096, &text, &len) == 0) {
		pid = (int)strtol(text, &end, 10);
		if (start)
			*start = strtoull(end, NULL, 10);
	}
	free(text);
	return pid;
}

static int player_pidfile(const char *name)
{
	return player_file(name, NULL);
}

/* Extra lateness of this machine's timers (the TCG guest's /init sets
 * ENOS_RTT_SLACK_MS; 0 elsewhere). */
static double guest_slack_ms(void)
{
	const char *env = getenv("ENOS_RTT_SLACK_MS");
	double v = env && *env ? strtod(env, NULL) : 0;

	return v > 0 && v < 1000 ? v : 0;
}

/* The netem half (issue 13: "with netem, enos updates the qdisc at each
 * step"), through the command line: `up` starts the trace player and
 * records it (status shows it), `tc --test --over` measures every step
 * of the same synthetic trace within the bound, the player's log has a
 * line per step applied; a fault starts a new player on the same clock;
 * a player killed is shown so and `enos tc` starts another; a kill -9 of
 * `enos tc` after it started a new
 * player but before it recorded it leaves one that `down` still finds
 * (its pid file), and `down` leaves no player, namespace or file. Needs
 * sch_netem: runs in the QEMU guest (sys_netem_guest.c). */
START_TEST(trace_netem_player)
{
	char name[32], path[256], text[1024], tag[WORLD_TAG_LEN + 1], tol[32];
	char *out = NULL, *log = NULL;
	struct state *st = NULL;
	struct exp_info info;
	json_error_t jerr;
	json_t *doc, *series;
	double slack = guest_slack_ms(), pct = 5, ms = 1 + 2 * slack;
	unsigned long long start0 = 0, start1 = 0;
	size_t i, len = 0;
	int rc, pid, orphan;

	snprintf(name, sizeof(name), "t-ntrace-%d", (int)getpid());
	ck_assert_ptr_nonnull(tu_write(tc.dir, "steps.tsv",
				       "# 20 ms for 3 s, 80 ms for 3 s\ntime_s\trtt_ms\n0\t20\n3\t80\n",
				       path, sizeof(path)));
	snprintf(text, sizeof(text),
		 "name: %s\n"
		 "sites:\n"
		 "  - {name: central, role: central}\n"
		 "  - {name: edge, role: edge, parent: central}\n"
		 "network:\n"
		 "  shaping: netem\n"
		 "  constraints:\n"
		 "    - {src: edge, dst: central, trace: {file: steps.tsv, loop: true}}\n",
		 name);
	ck_assert_ptr_nonnull(tu_write(tc.dir, "trace.yaml", text, path, sizeof(path)));
	rc = tu_enos(&out, tc.db, "up", "--overcommit", path, NULL);
	ck_assert_msg(rc == 0, "up: %s", out);
	ck_assert_msg(tu_contains(out, "WAN shaping netem") &&
		      tu_contains(out, "WAN traces started at"), "%s", out);
	free(out);
	rc = tu_enos(&out, tc.db, "status", "-n", name, NULL);
	ck_assert_msg(rc == 0 && tu_contains(out, "trace player running (pid"),
		      "status: %s", out);
	free(out);
	pid = player_pidfile(name);
	ck_assert_int_gt(pid, 0);

	/* The bound of tc --test, widened where timers fire late (TCG). */
	if (tu_slack_ms() > 0) {
		pct = 50;
		ms = 20;
	}
	snprintf(tol, sizeof(tol), "%g,%g", pct, ms);
	rc = tu_enos(&out, tc.db, "tc", "--test", "--over", "10s", "--json",
		     "--tolerance", tol, NULL);
	ck_assert_msg(rc == 0, "tc --test --over: %.1500s", out);
	doc = json_loads(out, 0, &jerr);
	ck_assert_msg(doc != NULL, "%s: %.1500s", jerr.text, out);
	free(out);
	series = json_object_get(doc, "series");
	ck_assert_uint_eq(json_array_size(series), 2);
	for (i = 0; i < 2; i++) {
		json_t *s = json_array_get(series, i);
		int steps = (int)json_integer_value(json_object_get(s, "steps"));

		ck_assert(json_is_true(json_object_get(s, "traced")));
		ck_assert_int_ge(steps, 3);
		printf("sys_trace: netem series %zu: %d/%d steps within %s, worst %.3f ms\n",
		       i, (int)json_integer_value(json_object_get(s, "steps_within")),
		       steps, tol,
		       json_number_value(json_object_get(s, "worst_error_ms")));
		fflush(stdout);
		ck_assert_int_eq(json_integer_value(json_object_get(s, "steps_within")),
				 steps);
		ck_assert_int_ge(check_series(s, pct, ms), 2);
	}
	json_decref(doc);
	snprintf(path, sizeof(path), "/run/enos/%s/trace-play.log", name);
	ck_assert_int_eq(fs_read_file(path, 1 << 20, &log, &len), 0);
	ck_assert_msg(tu_contains(log, "step 1 edge -> central: delay 40.000 ms") &&
		      tu_contains(log, "step 0 central -> edge: delay 10.000 ms"),
		      "%s", log);
	free(log);

	/* A fault re-applies the WAN: a new player (it reads the faults),
	 * on the same traces' clock. */
	player_file(name, &start0);
	ck_assert_int_eq(tu_enos(NULL, tc.db, "fault", "set", "edge", "central",
				 "jitter=0.1ms", NULL), 0);
	orphan = player_file(name, &start1);
	ck_assert_msg(orphan > 0 && orphan != pid && !proc_gone(orphan) &&
		      start1 == start0, "player %d from %llu after the fault "
		      "(was %d from %llu)", orphan, start1, pid, start0);
	ck_assert(proc_gone(pid));
	pid = orphan;

	/* A player killed is shown so; `enos tc` starts another. */
	ck_assert_int_eq(kill(pid, SIGKILL), 0);
	for (i = 0; i < 200 && !proc_gone(pid); i++)
		usleep(10000);
	tu_enos(&out, tc.db, "status", "-n", name, NULL);
	ck_assert_msg(tu_contains(out, "trace player NOT RUNNING: pid"), "%s", out);
	free(out);
	rc = tu_enos(&out, tc.db, "tc", "-n", name, NULL);
	ck_assert_msg(rc == 0, "tc: %s", out);
	free(out);
	orphan = player_pidfile(name);
	ck_assert_msg(orphan > 0 && orphan != pid && !proc_gone(orphan),
		      "player %d after tc (was %d)", orphan, pid);
	pid = orphan;

	/* Killed after it started the next player, before recording it. */
	setenv("ENOS_CRASH_AT", "trace:spawned", 1);
	rc = tu_enos(&out, tc.db, "tc", "-n", name, NULL);
	unsetenv("ENOS_CRASH_AT");
	ck_assert_msg(rc == 137, "tc killed at trace:spawned: %d %s", rc, out);
	free(out);
	orphan = player_pidfile(name);
	ck_assert_msg(orphan > 0 && orphan != pid && !proc_gone(orphan),
		      "player %d after the kill (was %d)", orphan, pid);
	ck_assert(proc_gone(pid));

	ck_assert_int_eq(state_open(tc.db, &st, &out), 0);
	ck_assert_int_eq(state_get(st, name, &info), 0);
	memcpy(tag, info.tag, WORLD_TAG_LEN + 1);
	state_close(st);
	rc = tu_enos(&out, tc.db, "down", "-n", name, NULL);
	ck_assert_msg(rc == 0, "down: %s", out);
	free(out);
	ck_assert_msg(proc_gone(orphan), "player %d outlived down", orphan);
	ck_assert_int_eq(tu_leftovers(name, tag), 0);
	snprintf(path, sizeof(path), "/run/enos/%s", name);
	ck_assert_msg(access(path, F_OK) != 0, "%s left after down", path);
}
END_TEST

Suite *make_sys_trace_suite(struct skips *sk)
{
	const struct sys_case cases[] = {
		{ "trace_followed_measured_reported", trace_followed_measured_reported },
	};
	const struct sys_case process[] = {
		{ "trace_player_process", trace_player_process },
	};
	const struct sys_case netem[] = {
		{ "trace_netem_player", trace_netem_player },
	};
	Suite *s = suite_create("sys_trace");
	const char *why = sys_unavailable();
	struct caps c;

	if (!why && access(tu_enos_bin(), X_OK) != 0)
		why = "the enos binary ($ENOS_BIN) is not built";
	/* The wand case: everywhere but in the netem guest, which is there
	 * for netem (and slow). */
	sys_add_cases(s, sk, cases, sizeof(cases) / sizeof(cases[0]),
		      why ? why : getenv("ENOS_IN_GUEST") ?
		      "the netem guest runs the netem case only" : NULL,
		      case_setup, case_teardown, 180);
	sys_add_cases(s, sk, process, 1, sys_unavailable(), case_setup,
		      case_teardown, 60);
	if (!why) {
		caps_probe(&c);
		if (!c.netem.found)
			why = c.netem.why;
	}
	sys_add_cases(s, sk, netem, 1, why, case_setup, case_teardown, 180);
	return s;
}
