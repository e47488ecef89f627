/* test_fuzz_replay — every libFuzzer harness of tests/fuzz/ run once over
 * its seed corpus (tests/fuzz/corpus/NAME) and every crash it ever found
 * (tests/fuzz/crashes/NAME), with no new inputs: a regression on a known
 * input fails here, in `make test`, without clang.
 *
 * The harnesses are built with the project's compiler and flags and
 * tests/fuzz/replay.c as $(BUILD)/tests/fuzz/replay_NAME, beside this
 * runner (found through /proc/self/exe); under `make asan` they are
 * sanitized like it. One test case per harness; each fails on a non-zero
 * exit (a harness aborts on a broken contract, a sanitizer stops it) or
 * when its corpus is missing.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/suites.h"
#include "tests/testutil.h"

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

static const char *const harnesses[] = {
	"topo", "stack", "constraint", "units", "matrix", "wandctl",
	"wand_engine", "jsonl", "rally", "ci", "sweep", "host", "trace",
};

/* The directory of this runner ($(BUILD)/tests) into BUF. */
static void runner_dir(char *buf, size_t len)
{
	ssize_t n = readlink("/proc/self/exe", buf, len - 1);
	char *slash;

	ck_assert_msg(n > 0, "readlink /proc/self/exe: %s", strerror(errno));
	buf[n] = '\0';
	slash = strrchr(buf, '/');
	ck_assert_ptr_nonnull(slash);
	*slash = '\0';
}

START_TEST(test_replay)
{
	const char *name = harnesses[_i];
	char dir[PATH_MAX], bin[PATH_MAX + 64], corpus[256], crashes[256];
	char *out = NULL, *last;
	char *const argv[] = { bin, corpus, crashes, NULL };
	unsigned long n = 0;
	int rc;

	runner_dir(dir, sizeof(dir));
	snprintf(bin, sizeof(bin), "%s/fuzz/replay_%s", dir, name);
	snprintf(corpus, sizeof(corpus), "tests/fuzz/corpus/%s", name);
	snprintf(crashes, sizeof(crashes), "tests/fuzz/crashes/%s", name);
	ck_assert_msg(access(bin, X_OK) == 0, "%s: %s", bin, strerror(errno));
	ck_assert_msg(access(corpus, R_OK) == 0, "%s: %s", corpus,
		      strerror(errno));
	rc = tu_run(&out, argv);
	ck_assert_msg(rc == 0, "replay_%s failed (exit %d): %s", name, rc,
		      out ? out : "");
	/* The last line is replay's count. */
	last = out ? out + strlen(out) : NULL;
	while (last && last > out && last[-1] == '\n')
		*--last = '\0';
	while (last && last > out && last[-1] != '\n')
		last--;
	ck_assert_msg(last && sscanf(last, "%lu inputs", &n) == 1 && n > 0,
		      "replay_%s ran no input: %s", name, out ? out : "");
	printf("fuzz replay: %s: %lu inputs\n", name, n);
	fflush(stdout);
	free(out);
}
END_TEST

Suite *make_fuzz_replay_suite(void)
{
	Suite *s = suite_create("fuzz_replay");
	TCase *tc = tcase_create("replay");

	/* A sanitized replay of the topology corpus takes a few seconds. */
	tcase_set_timeout(tc, 120);
	tcase_add_loop_test(tc, test_replay, 0, (int)N_OF(harnesses));
	suite_add_tcase(s, tc);
	return s;
}
