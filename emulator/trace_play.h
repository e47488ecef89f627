/* trace_play — replaying traces (emulator/trace.h) on a backend whose WAN
 * has no clock of its own: netem. The wand engine replays a trace by its
 * own timer (wand_engine.c); a netem qdisc holds one delay until it is
 * changed, so a player process changes it at each step.
 *
 * Two halves:
 * - The loop (trace_play_run): for each traced direction of a shape table,
 *   the step in force (trace_step_at_ns, the same lookup the engine and the
 *   measurement use), handed to an apply callback when it changes, then a
 *   sleep until the earliest next step. Deadlines are absolute, start +
 *   the step's time on CLOCK_MONOTONIC, so a late wake-up delays one
 *   change and never the ones after it (no drift). The clock, the sleep
 *   and the apply are callbacks: unit tests drive it with a fake clock,
 *   the player process (enos/cmd/trace-play.c) with clock_nanosleep and
 *   shape_ops.set_pair.
 * - The process: where its pid file lives (/run/enos/NAME/trace-play.pid,
 *   "PID START_US": the pid and the traces' start, CLOCK_REALTIME us), its
 *   start from an argv the caller builds (trace_play_spawn), and its stop
 *   and sweep by pid. As with the wand engine, the caller records the pid
 *   (enos keeps it in its database); the pid file lets a sweep find a
 *   player whose starter was killed before it recorded it, and gives the
 *   backend's trace_start (shape_netem.c) the start the player replays
 *   from.
 * Never prints.
 */
#ifndef EMULATOR_TRACE_PLAY_H
#define EMULATOR_TRACE_PLAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "emulator/constraint.h"
#include "emulator/shape.h"

/* The word naming the player, as a command (`enos trace-play`) and as the
 * process kind enos records its pid under. */
#define TRACE_PLAY_NAME "trace-play"

/* Now on the player's clock (CLOCK_MONOTONIC), in ns. */
typedef uint64_t trace_play_clock_fn(void *arg);
/* Sleep until UNTIL_NS on that clock (UINT64_MAX: until told to stop).
 * 0 when the time came (early or late), or a negative errno to end the
 * loop with (-EINTR: told to stop). */
typedef int trace_play_sleep_fn(void *arg, uint64_t until_ns);
/* Direction SRC -> DST is now P (its step STEP, OFFSET_US into the
 * traces; LATE_NS after the step's deadline). 0, or a negative errno
 * that ends the loop. */
typedef int trace_play_apply_fn(void *arg, size_t src, size_t dst,
				const struct link_params *p, size_t step,
				uint64_t offset_us, uint64_t late_ns);

struct trace_play_ops {
	trace_play_clock_fn *clock;
	trace_play_sleep_fn *sleep;
	trace_play_apply_fn *apply;
	void *arg;
};

/* Replay the traced directions of TAB (shape_table.tr; a direction's other
 * fields stay TAB's) from START_NS on OPS's clock (offset 0: each trace's
 * first step), applying every step of each direction when it comes into
 * force; the steps in force at the first call are applied at once. Returns
 * 0 when no step is left to come (every trace ended without loop; none
 * traced), or the error of OPS's sleep or apply. */
int trace_play_run(const struct shape_table *tab, uint64_t start_ns,
		   const struct trace_play_ops *ops);

/* The pid file of NAME's player into BUF. 0 or -ENAMETOOLONG. */
int trace_play_pidfile(const char *name, char *buf, size_t len);

/* Claim PATH for this process: write "PID START_US" (a new file, 0600,
 * never through a link) unless it names another player that still runs.
 * 0, -EADDRINUSE (another player's), or -errno. */
int trace_play_claim(const char *path, uint64_t start_us);

/* The player of NAME from its pid file: *PID (0: none) and *START_US.
 * 0 if none or a live player of NAME; -ESRCH if the file names a process
 * that is gone or is no player of NAME (*PID still set). */
int trace_play_read(const char *name, pid_t *pid, uint64_t *start_us);

/* Start the player of NAME: ARGV (ARGV[0] the program, which must write
 * NAME's pid file through trace_play_claim and name TRACE_PLAY_NAME and
 * NAME among its words) in a session of its own, stdin and stdout on
 * /dev/null, stderr appended to its log beside the pid file (0600; its
 * path into LOG, LEN bytes, also on failure), and wait until it has
 * claimed its pid file. 0 with *PID; -(SHAPE_EEXITED + status) if it
 * exited first; -ETIMEDOUT; or -errno. Records nothing. */
int trace_play_spawn(const char *name, const char *const *argv, char *log,
		     size_t len, pid_t *pid);

/* Is PID a running player of NAME (not gone, not a zombie, its command
 * line naming TRACE_PLAY_NAME and NAME: not a recycled pid)? */
bool trace_play_running(const char *name, pid_t pid);

/* Stop player PID of NAME (TERM, then KILL) if PID still is one (its
 * command line names TRACE_PLAY_NAME and NAME: a recycled pid is left
 * alone); gone is success. 0 or -errno. */
int trace_play_stop(const char *name, pid_t pid);

/* After NAME is down: stop a player found through its pid file (never
 * recorded: its starter was killed first) and remove its files. */
int trace_play_sweep(const char *name);

#endif
