/* tu_state — what system tests read back from the state database and the
 * bounds they give `enos tc --test`: shared by the suites that check a
 * shaped world (sys_wan, sys_lan, sys_trace). Check-based: fails the
 * calling test on a database error. */
#ifndef TESTS_TU_STATE_H
#define TESTS_TU_STATE_H

/* The `--tolerance` tc --test gets in a system test: loose ("5,1"), so a
 * loaded CI host passes (enos's own bound, max(2 %, 0.5 ms), is checked
 * by the benchmarks: bench-wan, and the figures in the README), and
 * looser still in a sanitized build ("50,20": those runs are for memory
 * errors, not timing). */
const char *tu_tc_tolerance(void);

/* The pid of the wand engine recorded for experiment NAME in DB, or 0. */
int tu_engine_pid(const char *db, const char *name);

/* The tag of experiment NAME in DB into TAG (WORLD_TAG_LEN + 1 bytes). */
void tu_exp_tag(const char *db, const char *name, char *tag);

#endif
