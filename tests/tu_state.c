#include "tests/tu_state.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "emulator/world.h"
#include "enos/state.h"
#include "tests/testutil.h"

const char *tu_tc_tolerance(void)
{
	return tu_slack_ms() > 0 ? "50,20" : "5,1";
}

int tu_engine_pid(const char *db, const char *name)
{
	struct state *st = NULL;
	char **whats = NULL, *err = NULL;
	int *pids = NULL, pid = 0;
	size_t n = 0, i;

	ck_assert_int_eq(state_open(db, &st, &err), 0);
	ck_assert_int_eq(state_processes(st, name, &pids, &whats, &n), 0);
	for (i = 0; i < n; i++)
		if (strcmp(whats[i], "wand") == 0)
			pid = pids[i];
	free(pids);
	state_free_names(whats);
	state_close(st);
	return pid;
}

void tu_exp_tag(const char *db, const char *name, char *tag)
{
	struct state *st = NULL;
	struct exp_info info;
	char *err = NULL;

	ck_assert_int_eq(state_open(db, &st, &err), 0);
	ck_assert_int_eq(state_get(st, name, &info), 0);
	memcpy(tag, info.tag, WORLD_TAG_LEN + 1);
	state_close(st);
}
