/* test_crash — util/crash.c, the crash points of ENOS_CRASH_AT: each point
 * is tried in a forked child, which must die by SIGKILL exactly when the
 * variable names it (and the N-th arrival for POINT@N), and live otherwise.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/wait.h>

#include "tests/suites.h"
#include "util/crash.h"

/* One arrival at a point: a plain point when N is 0, else its N-th. */
struct arrival {
	const char *point;
	size_t n;
};

/* In a child with ENOS_CRASH_AT=AT, arrive at each of V[0..N) in turn and
 * exit with how many were passed. Returns the child's wait status. */
static int arrive(const char *at, const struct arrival *v, size_t n)
{
	pid_t pid;
	int st = -1;
	size_t i;

	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		if (at)
			setenv(CRASH_ENV, at, 1);
		else
			unsetenv(CRASH_ENV);
		for (i = 0; i < n; i++) {
			if (v[i].n)
				crash_point_n(v[i].point, v[i].n);
			else
				crash_point(v[i].point);
		}
		_exit((int)i);
	}
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	return st;
}

static void assert_killed(int st)
{
	ck_assert_msg(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL,
		      "wait status %#x: not killed by SIGKILL", st);
}

static void assert_passed(int st, size_t n)
{
	ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == (int)n,
		      "wait status %#x: expected to pass %zu points", st, n);
}

START_TEST(a_named_point_kills)
{
	const struct arrival v[] = { { "up:recorded", 0 }, { "up:bridges", 0 },
				     { "down:world_down", 0 } };

	assert_killed(arrive("up:bridges", v, 3));
	assert_killed(arrive("down:world_down", v, 3));
	/* Unset, empty, or naming no point reached: everything passes. */
	assert_passed(arrive(NULL, v, 3), 3);
	assert_passed(arrive("", v, 3), 3);
	assert_passed(arrive("up:bridge", v, 3), 3);
	assert_passed(arrive("up:bridgesX", v, 3), 3);
	assert_passed(arrive("UP:BRIDGES", v, 3), 3);
	assert_passed(arrive("up:bridges@1", v, 3), 3);
}
END_TEST

START_TEST(the_nth_arrival_kills)
{
	const struct arrival v[] = { { "up:node", 1 }, { "up:node", 2 },
				     { "up:node", 3 }, { "up:node", 4 } };
	const struct arrival plain[] = { { "up:node", 2 }, { "up:node", 1 } };

	assert_killed(arrive("up:node@3", v, 4));
	assert_passed(arrive("up:node@5", v, 4), 4);
	assert_passed(arrive("up:node@0", v, 4), 4);
	/* Not a count: never matches. */
	assert_passed(arrive("up:node@3x", v, 4), 4);
	assert_passed(arrive("up:node@", v, 4), 4);
	assert_passed(arrive("up:node@-3", v, 4), 4);
	assert_passed(arrive("up:nod@3", v, 4), 4);
	assert_passed(arrive("up:nodes@3", v, 4), 4);
	/* The name alone is the first arrival, whenever it comes. */
	assert_killed(arrive("up:node", plain, 2));
	assert_passed(arrive("up:node", plain, 1), 1);
	/* A counted point never answers to crash_point(). */
	{
		const struct arrival once[] = { { "up:node", 0 } };

		assert_passed(arrive("up:node@1", once, 1), 1);
	}
}
END_TEST

Suite *make_crash_suite(void)
{
	Suite *s = suite_create("crash");
	TCase *tc = tcase_create("points");

	tcase_add_test(tc, a_named_point_kills);
	tcase_add_test(tc, the_nth_arrival_kills);
	suite_add_tcase(s, tc);
	return s;
}
