/* System tests of `enos sweep` on real namespaces, with the step that
 * brings each point's world up (enos/sweep_world.c), on a two-point,
 * two-repetition sweep over network.default.rtt of a two-site netns world:
 *
 * - killed with SIGKILL mid-way (a pair done, the next one in its
 *   workload: the sweep runs in a child here, whose step pauses after the
 *   world is ready as a workload would), then `enos sweep --resume`;
 * - `enos sweep` killed while its first pair brings the world up, then
 *   resumed (the half-built world is replaced);
 * - `enos sweep` interrupted by SIGINT: the pair is recorded, the world
 *   taken down, exit 1; then resumed;
 * - with --keep, the last world carries the last point's WAN (the reuse
 *   step applied it again);
 * - a changed sweep file: --resume refuses it, --resume --force runs only
 *   the new pairs.
 *
 * After each: every pair done, each with exactly one run that ended ok
 * (killed attempts failed), and nothing left in the kernel. Each case has
 * its own state database; its teardown runs `enos down --all` on it.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "emulator/world.h"
#include "enos/cli.h"
#include "enos/state.h"
#include "enos/sweep.h"
#include "enos/sweep_loop.h"
#include "enos/sweep_world.h"
#include "tests/suites.h"
#include "tests/testutil.h"

static struct tu_case tc;

static void case_setup(void)
{
	ck_assert_int_eq(tu_case_setup(&tc, "sweep"), 0);
}

static void case_teardown(void)
{
	tu_case_teardown(&tc);
}

/* A topology NAME of two sites, NODES netns nodes each, WAN shaping
 * SHAPING, and a sweep over its default RTT (two points, two repetitions,
 * sequential) into PATH. */
static void write_sweep(const char *name, int nodes, const char *shaping,
			char *path, size_t len)
{
	char text[1024], topo[256];

	snprintf(text, sizeof(text),
		 "name: %s\n"
		 "sites:\n"
		 "  - {name: a, role: central, nodes: %d}\n"
		 "  - {name: b, role: edge, parent: a, nodes: %d}\n"
		 "network:\n"
		 "  shaping: %s\n"
		 "  default: {rtt: 10ms, rate: 1gbit}\n",
		 name, nodes, nodes, shaping);
	tu_write(tc.dir, "world.yaml", text, topo, sizeof(topo));
	snprintf(text, sizeof(text),
		 "name: rtt-%s\n"
		 "topology: world.yaml\n"
		 "axes:\n"
		 "  network.default.rtt: [10ms, 30ms]\n"
		 "repeat: 2\n"
		 "seed: 1\n"
		 "order: sequential\n",
		 name);
	tu_write(tc.dir, "sweep.yaml", text, path, len);
}

struct counts {
	int pending, running, done, failed;
};

/* The pairs of sweep NAME by status (all zero while not recorded). */
static struct counts pair_counts(const char *sweep)
{
	struct sweep_pair_row *rows = NULL;
	struct sweep_record rec;
	struct counts c = { 0, 0, 0, 0 };
	struct state *st = NULL;
	char *err = NULL;
	size_t n = 0, i;

	if (state_open(tc.db, &st, &err) != 0) {
		free(err);
		return c;
	}
	if (state_sweep_get(st, sweep, &rec) == 0 &&
	    state_sweep_pairs(st, rec.id, &rows, &n) == 0) {
		for (i = 0; i < n; i++) {
			c.pending += !strcmp(rows[i].status, SWEEP_PENDING);
			c.running += !strcmp(rows[i].status, SWEEP_RUNNING);
			c.done += !strcmp(rows[i].status, SWEEP_DONE);
			c.failed += !strcmp(rows[i].status, SWEEP_FAILED);
		}
	}
	state_sweep_pairs_free(rows, n);
	state_close(st);
	return c;
}

/* Wait until sweep SWEEP has a pair running and at least MIN_DONE done
 * while PID runs; returns false if PID ended first (reaped, status in
 * *WST). */
static bool wait_running(pid_t pid, const char *sweep, int min_done, int *wst)
{
	struct timespec poll = { 0, 2 * 1000000L };
	double t0 = tu_now_s();

	while (tu_now_s() - t0 < 120) {
		struct counts c = pair_counts(sweep);

		if (c.running && c.done >= min_done)
			return true;
		if (waitpid(pid, wst, WNOHANG) == pid)
			return false;
		nanosleep(&poll, NULL);
	}
	return false;
}

/* Send SIG to PID and reap it: its wait status. */
static int signal_and_reap(pid_t pid, int sig)
{
	int wst = 0;

	ck_assert_int_eq(kill(pid, sig), 0);
	ck_assert_int_eq(waitpid(pid, &wst, 0), pid);
	return wst;
}

/* Every pair of SWEEP (N_PAIRS of them) done, each with exactly one run
 * that ended ok and any other run of it failed (killed) or interrupted
 * (abandoned on SIGINT); returns how many such other runs there were. */
static int assert_each_pair_once(const char *sweep, size_t n_pairs)
{
	struct sweep_pair_row *rows = NULL;
	struct sweep_record rec;
	struct state *st = NULL;
	char *err = NULL;
	size_t n = 0, i, k;
	int failed = 0;

	ck_assert_int_eq(state_open(tc.db, &st, &err), 0);
	ck_assert_int_eq(state_sweep_get(st, sweep, &rec), 0);
	ck_assert_int_eq(state_sweep_pairs(st, rec.id, &rows, &n), 0);
	ck_assert_uint_eq(n, n_pairs);
	for (i = 0; i < n; i++) {
		int64_t *runs = NULL;
		char **outcomes = NULL;
		size_t nr = 0;
		int ok = 0;

		ck_assert_str_eq(rows[i].status, SWEEP_DONE);
		ck_assert_int_eq(state_sweep_runs(st, rec.id, rows[i].point,
						  rows[i].rep, &runs, &outcomes, &nr), 0);
		for (k = 0; k < nr; k++) {
			if (!strcmp(outcomes[k], "ok")) {
				ok++;
				ck_assert_int_eq(runs[k], rows[i].run);
			} else {
				ck_assert_msg(!strcmp(outcomes[k], "failed") ||
					      !strcmp(outcomes[k], "interrupted"),
					      "run %lld: %s", (long long)runs[k],
					      outcomes[k]);
				failed++;
			}
		}
		ck_assert_msg(ok == 1, "pair %zu/%u has %d ok runs", rows[i].point,
			      rows[i].rep, ok);
		free(runs);
		state_free_names(outcomes);
	}
	state_sweep_pairs_free(rows, n);
	state_close(st);
	return failed;
}

static void remove_results(const char *name)
{
	char dir[256];

	snprintf(dir, sizeof(dir), "results/%s", name);
	tu_rmtree(dir);
}

/* Resume SWEEP at PATH to the end (saying it recovered a pair a kill left
 * running if KILLED), then check every pair ran once and nothing of
 * experiment NAME is left; returns the failed runs. */
static int resume_and_check(const char *path, const char *sweep,
			    const char *name, bool killed)
{
	char tag[WORLD_TAG_LEN + 1], *out = NULL, *err = NULL;
	struct exp_info info;
	struct state *st = NULL;
	int rc, failed;

	rc = tu_enos(&out, tc.db, "sweep", path, "--resume", NULL);
	ck_assert_msg(rc == 0, "resume failed (%d): %s", rc, out);
	ck_assert_msg(tu_contains(out, "all 4 pairs done"), "%s", out);
	ck_assert_msg(tu_contains(out, "recovered 1 pair a kill had left running") == killed,
		      "%s", out);
	free(out);
	failed = assert_each_pair_once(sweep, 4);
	/* Down at the end: nothing recorded, nothing in the kernel. */
	ck_assert_int_eq(state_open(tc.db, &st, &err), 0);
	ck_assert_int_eq(state_get(st, name, &info), -ENOENT);
	state_close(st);
	world_tag(name, 0, tag);
	ck_assert_int_eq(tu_leftovers(name, tag), 0);
	remove_results(name);
	return failed;
}

/* The stand-in for a workload: the step pauses once the world is ready. */
static int slow_step(void *arg, const struct sweep_job *job, int64_t *run)
{
	int rc = sweep_world_step(arg, job, run);

	if (rc == 0)
		sleep(2);
	return rc;
}

/* The sweep at PATH run by this process's loop with slow_step; never
 * returns. */
static void run_in_child(const char *path)
{
	struct enos_ctx ctx = { .db_path = tc.db };
	struct sweep_outcome out;
	struct sweep_world sw;
	struct sweep_loop l = { 0 };
	struct sweep *s;
	char *err = NULL;
	int64_t id;

	s = sweep_load(path, &err);
	if (!s || cli_state(&ctx) < 0 ||
	    sweep_loop_record(ctx.st, s, path, false, &id) < 0 ||
	    sweep_world_init(&sw, &ctx, s) < 0)
		_exit(2);
	l.st = ctx.st;
	l.sweep = s;
	l.id = id;
	l.step = slow_step;
	l.step_arg = &sw;
	sweep_loop_run(&l, &out, &err);
	_exit(3);
}

START_TEST(killed_mid_way_then_resumed)
{
	char name[32], sweep[48], path[256], *out = NULL;
	int rc, wst;
	pid_t pid;

	snprintf(name, sizeof(name), "t-swp-%d", (int)getpid());
	snprintf(sweep, sizeof(sweep), "rtt-%s", name);
	/* No shaping: this process is not enos, and the wand engine is
	 * started as /proc/self/exe (the keep case checks the WAN). */
	write_sweep(name, 1, "none", path, sizeof(path));

	rc = tu_enos(&out, tc.db, "check", path, NULL);
	ck_assert_msg(rc == 0, "check: %s", out);
	ck_assert(tu_contains(out, "points:      2, repeated 2 times: 4 (point, repetition) pairs"));
	ck_assert(tu_contains(out, "1 rebuild, 0 redeploys, 3 reuses of the world"));
	free(out);

	fflush(NULL);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0)
		run_in_child(path);
	/* A pair done, the next one in its workload (its pause is 2 s: a
	 * moment in, its run is open). */
	ck_assert_msg(wait_running(pid, sweep, 1, &wst), "the sweep ended first");
	nanosleep(&(struct timespec){ 0, 500 * 1000000L }, NULL);
	wst = signal_and_reap(pid, SIGKILL);
	ck_assert(WIFSIGNALED(wst) && WTERMSIG(wst) == SIGKILL);
	ck_assert_int_eq(pair_counts(sweep).running, 1);
	/* A fresh start is refused while the record exists. */
	rc = tu_enos(&out, tc.db, "sweep", path, NULL);
	ck_assert_int_eq(rc, 1);
	ck_assert_msg(tu_contains(out, "is recorded already (1 of 4 pairs done)"), "%s", out);
	free(out);
	ck_assert_int_eq(resume_and_check(path, sweep, name, true), 1);
}
END_TEST

START_TEST(killed_during_up_then_resumed)
{
	char name[32], sweep[48], path[256];
	int wst = 0;
	pid_t pid;

	snprintf(name, sizeof(name), "t-swu-%d", (int)getpid());
	snprintf(sweep, sizeof(sweep), "rtt-%s", name);
	write_sweep(name, 100, "auto", path, sizeof(path));
	pid = tu_enos_spawn(tc.db, "sweep", path, NULL);
	ck_assert_int_gt(pid, 0);
	ck_assert_msg(wait_running(pid, sweep, 0, &wst), "the sweep ended first");
	wst = signal_and_reap(pid, SIGKILL);
	ck_assert(WIFSIGNALED(wst) && WTERMSIG(wst) == SIGKILL);
	/* Its run was open if the kill came after phase_up opened it. */
	ck_assert_int_le(resume_and_check(path, sweep, name, true), 1);
}
END_TEST

START_TEST(sigint_stops_cleanly_then_resumed)
{
	char name[32], sweep[48], path[256], tag[WORLD_TAG_LEN + 1];
	struct counts c;
	int wst = 0;
	pid_t pid;

	snprintf(name, sizeof(name), "t-swi-%d", (int)getpid());
	snprintf(sweep, sizeof(sweep), "rtt-%s", name);
	world_tag(name, 0, tag);
	write_sweep(name, 100, "auto", path, sizeof(path));
	pid = tu_enos_spawn(tc.db, "sweep", path, NULL);
	ck_assert_int_gt(pid, 0);
	ck_assert_msg(wait_running(pid, sweep, 0, &wst), "the sweep ended first");
	wst = signal_and_reap(pid, SIGINT);
	/* Stopped by itself: the pair finished or abandoned and recorded, the
	 * world down, exit 1. */
	ck_assert_msg(WIFEXITED(wst) && WEXITSTATUS(wst) == 1, "wait status %#x", wst);
	c = pair_counts(sweep);
	ck_assert_int_eq(c.running, 0);
	ck_assert_int_lt(c.done, 4);
	ck_assert_int_eq(c.done + c.pending, 4);
	ck_assert_int_eq(tu_leftovers(name, tag), 0);
	/* At most the pair it abandoned ran twice. */
	ck_assert_int_le(resume_and_check(path, sweep, name, false), 1);
}
END_TEST

START_TEST(kept_world_has_the_last_points_wan)
{
	char name[32], sweep[48], path[256], *out = NULL;
	int rc;

	snprintf(name, sizeof(name), "t-swk-%d", (int)getpid());
	snprintf(sweep, sizeof(sweep), "rtt-%s", name);
	write_sweep(name, 1, "auto", path, sizeof(path));
	rc = tu_enos(&out, tc.db, "sweep", "--keep", path, NULL);
	ck_assert_msg(rc == 0, "sweep failed (%d): %s", rc, out);
	ck_assert(tu_contains(out, "pair 4/4: point 2/2, rep 2/2"));
	ck_assert(tu_contains(out, "reuse: network.default.rtt=30ms"));
	free(out);
	ck_assert_int_eq(assert_each_pair_once(sweep, 4), 0);
	/* The world kept is the last point's: measured against 30 ms. */
	rc = tu_enos(&out, tc.db, "tc", "-n", name, "--test", "--samples", "20", NULL);
	ck_assert_msg(rc == 0, "tc --test (%d): %s", rc, out);
	ck_assert_msg(tu_contains(out, "30.000"), "%s", out);
	free(out);
	ck_assert_int_eq(tu_enos(NULL, tc.db, "down", "-n", name, NULL), 0);
	remove_results(name);
}
END_TEST

/* A changed sweep file: --resume refuses it; --resume --force keeps the
 * pairs done whose point is unchanged and runs only the new ones. */
START_TEST(changed_file_resumes_only_with_force)
{
	char name[32], sweep[48], path[256], text[512], *out = NULL;
	struct counts c;
	int rc;

	snprintf(name, sizeof(name), "t-swc-%d", (int)getpid());
	snprintf(sweep, sizeof(sweep), "rtt-%s", name);
	write_sweep(name, 1, "auto", path, sizeof(path));
	rc = tu_enos(&out, tc.db, "sweep", path, NULL);
	ck_assert_msg(rc == 0, "sweep failed (%d): %s", rc, out);
	free(out);
	ck_assert_int_eq(assert_each_pair_once(sweep, 4), 0);

	snprintf(text, sizeof(text),
		 "name: %s\ntopology: world.yaml\nrepeat: 2\nseed: 1\norder: sequential\n"
		 "axes:\n  network.default.rtt: [10ms, 30ms, 50ms]\n", sweep);
	tu_write(tc.dir, "sweep.yaml", text, path, sizeof(path));
	rc = tu_enos(&out, tc.db, "sweep", path, "--resume", NULL);
	ck_assert_int_eq(rc, 1);
	ck_assert_msg(tu_contains(out, "was recorded from other files"), "%s", out);
	free(out);
	c = pair_counts(sweep);
	ck_assert_int_eq(c.done, 4);
	ck_assert_int_eq(c.pending, 0);

	rc = tu_enos(&out, tc.db, "sweep", path, "--resume", "--force", NULL);
	ck_assert_msg(rc == 0, "resume --force failed (%d): %s", rc, out);
	ck_assert(tu_contains(out, "keeping the pairs done whose point is unchanged"));
	ck_assert(tu_contains(out, "all 6 pairs done (2 in this run)"));
	ck_assert(tu_contains(out, "network.default.rtt=50ms"));
	ck_assert(!tu_contains(out, "rtt=10ms\n"));
	free(out);
	ck_assert_int_eq(assert_each_pair_once(sweep, 6), 0);
	remove_results(name);
}
END_TEST

Suite *make_sys_sweep_suite(struct skips *sk)
{
	const struct sys_case cases[] = {
		{ "sweep_killed_mid_way", killed_mid_way_then_resumed },
		{ "sweep_killed_during_up", killed_during_up_then_resumed },
		{ "sweep_sigint", sigint_stops_cleanly_then_resumed },
		{ "sweep_keep", kept_world_has_the_last_points_wan },
		{ "sweep_changed_file", changed_file_resumes_only_with_force },
	};
	Suite *s = suite_create("sys_sweep");

	sys_add_cases(s, sk, cases, sizeof(cases) / sizeof(cases[0]),
		      sys_unavailable(), case_setup, case_teardown, 300);
	return s;
}
