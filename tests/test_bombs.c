/* test_bombs — the YAML bombs are refused in bounded time and memory.
 *
 * Every tests/fixtures/bad/bomb-*.yaml (topologies) and
 * tests/fixtures/stacks/bad/bomb-*.yaml (stacks) — a billion laughs of 9
 * levels of 10 aliases placed where the loaders walk, and a million levels
 * of nesting — is loaded in a child process of its own; the child must be
 * refused (its exact message is checked with the other bad fixtures by
 * the topo and stack suites), within BOMB_SECONDS of wall time and
 * BOMB_MIB of resident memory grown: the child's peak as wait4's rusage
 * reports it, less the runner's resident size at fork, which the child
 * starts with (a few MiB in a plain build; in the full `make asan` run,
 * after the suites before, about 250 MiB of sanitizer state). Each
 * prints its figures.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "enos/topo.h"
#include "workloads/stack.h"
#include "tests/suites.h"

#define BOMB_SECONDS 1.0
#define BOMB_MIB     100.0
#define BOMB_MAX     16

struct bomb {
	char path[320];         /* a directory and a d_name (< 256) */
	bool stack;
};

/* The bomb fixtures, in name order: topologies first, then stacks. */
static size_t list_bombs(struct bomb *out, size_t max)
{
	static const char *const dirs[] = { "tests/fixtures/bad",
					    "tests/fixtures/stacks/bad" };
	size_t n = 0, d, first, i, j;

	for (d = 0; d < 2; d++) {
		DIR *dir = opendir(dirs[d]);
		struct dirent *de;
		int w;

		first = n;
		while (dir && (de = readdir(dir)) && n < max) {
			size_t len = strlen(de->d_name);

			if (strncmp(de->d_name, "bomb-", 5) || len < 6 ||
			    strcmp(de->d_name + len - 5, ".yaml"))
				continue;
			w = snprintf(out[n].path, sizeof(out[n].path), "%s/%s",
				     dirs[d], de->d_name);
			if (w < 0 || (size_t)w >= sizeof(out[n].path))
				continue;
			out[n].stack = d == 1;
			n++;
		}
		if (dir)
			closedir(dir);
		for (i = first; i < n; i++)     /* few: insertion sort */
			for (j = i; j > first &&
			     strcmp(out[j - 1].path, out[j].path) > 0; j--) {
				struct bomb t = out[j];

				out[j] = out[j - 1];
				out[j - 1] = t;
			}
	}
	return n;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* This process's resident size in MiB (/proc/self/statm). */
static double resident_mib(void)
{
	unsigned long size = 0, resident = 0;
	FILE *f = fopen("/proc/self/statm", "r");
	int n;

	ck_assert_msg(f != NULL, "/proc/self/statm: %s", strerror(errno));
	n = fscanf(f, "%lu %lu", &size, &resident);
	fclose(f);
	ck_assert_int_eq(n, 2);
	return (double)resident * (double)sysconf(_SC_PAGESIZE) / 1048576.0;
}

START_TEST(test_bomb)
{
	struct bomb b[BOMB_MAX];
	size_t n = list_bombs(b, BOMB_MAX);
	struct rusage ru;
	double t0, secs, mib, base;
	pid_t pid;
	int st;

	ck_assert_uint_gt(n, (size_t)_i);
	base = resident_mib();
	fflush(NULL);
	t0 = now_s();
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		char *err = NULL;
		bool loaded;

		if (b[_i].stack) {
			struct stack *s = stack_load(b[_i].path, &err);

			loaded = s != NULL;
			stack_free(s);
		} else {
			struct topology *t = topo_load(b[_i].path, &err);

			loaded = t != NULL;
			topo_free(t);
		}
		_exit(loaded ? 2 : err ? 0 : 3);
	}
	ck_assert_int_eq(wait4(pid, &st, 0, &ru), pid);
	secs = now_s() - t0;
	mib = (double)ru.ru_maxrss / 1024.0;
	printf("bomb: %s: %.3f s, %.1f MiB peak, %.1f MiB over the runner's %.1f MiB at fork\n",
	       b[_i].path, secs, mib, mib - base, base);
	fflush(stdout);
	ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0,
		      "%s: not refused with a message (status 0x%x)",
		      b[_i].path, st);
	ck_assert_msg(secs < BOMB_SECONDS, "%s: %.3f s (at most %.1f s)",
		      b[_i].path, secs, BOMB_SECONDS);
	ck_assert_msg(mib - base < BOMB_MIB,
		      "%s: %.1f MiB grown (at most %.0f MiB): %.1f MiB peak, %.1f MiB at fork",
		      b[_i].path, mib - base, BOMB_MIB, mib, base);
}
END_TEST

START_TEST(test_bombs_present)
{
	struct bomb b[BOMB_MAX];

	/* 4 laughs and 2 nestings for topologies, 2 and 1 for stacks. */
	ck_assert_uint_ge(list_bombs(b, BOMB_MAX), 9);
}
END_TEST

Suite *make_bombs_suite(void)
{
	Suite *s = suite_create("bombs");
	TCase *tc = tcase_create("bombs");
	struct bomb b[BOMB_MAX];

	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_bombs_present);
	tcase_add_loop_test(tc, test_bomb, 0, (int)list_bombs(b, BOMB_MAX));
	suite_add_tcase(s, tc);
	return s;
}
