/* crash — named crash points (ENOS_CRASH_AT); see crash.h. */
#include "util/crash.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Die as under `kill -9`: the whole process, every thread, nothing
 * flushed. _exit() only if the signal somehow returned. */
static void crash_now(void)
{
	kill(getpid(), SIGKILL);
	_exit(137);
}

void crash_point(const char *point)
{
	const char *at = getenv(CRASH_ENV);

	if (at && *at && strcmp(at, point) == 0)
		crash_now();
}

void crash_point_n(const char *point, size_t n)
{
	const char *at = getenv(CRASH_ENV);
	size_t len = strlen(point);
	char *end;
	unsigned long long want;

	if (!at || !*at || strncmp(at, point, len) != 0)
		return;
	if (at[len] == '\0') {
		if (n == 1)
			crash_now();
		return;
	}
	if (at[len] != '@' || at[len + 1] < '0' || at[len + 1] > '9')
		return;
	want = strtoull(at + len + 1, &end, 10);
	if (*end == '\0' && want == n)
		crash_now();
}
