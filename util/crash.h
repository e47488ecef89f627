/* crash — named crash points, a test aid compiled into every build.
 *
 * With ENOS_CRASH_AT=PHASE:STEP in its environment, enos kills itself with
 * SIGKILL (exit status 137, as `kill -9` would) the first time it reaches
 * the point of that name; with ENOS_CRASH_AT=PHASE:STEP@N, the N-th time
 * (a point inside a loop: the N-th node built, the N-th instance started,
 * the N-th sweep pair done; counted from 1). Nothing is flushed, nothing
 * is cleaned: the process dies as under a kill -9 at that line, which is
 * what tests/sys_crash.c needs to prove that `enos down` cleans up after
 * a kill anywhere. Without the variable a point costs one getenv().
 *
 * The points (docs/ARCHITECTURE.md, "Crash points"):
 *   up:recorded up:daemons up:bridges up:gateway@N up:node@N up:start@N
 *   up:world_built up:engine up:shaped up:ready_wait up:marked_up
 *   up:hosts_recorded up:hosts_sent (a world over several hosts)
 *   deploy:recorded deploy:setup:SERVICE@N deploy:post:SERVICE@N
 *   deploy:spawned@N deploy:ready
 *   bench:before_commit bench:committed
 *   sweep:stepped@N sweep:pair_done@N
 *   tc:engine tc:before_apply  fault:recorded
 *   trace:spawned (a netem world's trace player started, not recorded)
 *   down:services_stopped down:engine_stopped down:bridges_deleted
 *   down:netns_swept down:world_down
 *
 * Only util/: the emulator and the supervisor hold points too, and the
 * environment is read here rather than passed down through every layer
 * for a test aid.
 */
#ifndef UTIL_CRASH_H
#define UTIL_CRASH_H

#include <stddef.h>

/* The variable that names the point to die at. */
#define CRASH_ENV "ENOS_CRASH_AT"

/* Die (SIGKILL) if $ENOS_CRASH_AT names POINT ("PHASE:STEP"). */
void crash_point(const char *point);

/* The N-th arrival (from 1) at POINT: die if $ENOS_CRASH_AT is "POINT@N",
 * or is POINT alone (then the first arrival dies). */
void crash_point_n(const char *point, size_t n);

#endif
