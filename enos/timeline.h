/* timeline — run a topology's `faults:` list against a running experiment:
 * each fault at its time (seconds from the start), partitions healed after
 * their `for`, every one recorded with the time it was applied and removed.
 *
 * `enos tc --timeline` runs it alone (timeline_run, in a run of kind
 * "timeline"); `enos bench` and `enos run` drive it from their workload
 * loop, from each workload's start (timeline_begin, then timeline_step
 * whenever timeline_next_due has passed, then timeline_end), so the loop
 * that drains the workload's operations also applies the faults.
 */
#ifndef ENOS_TIMELINE_H
#define ENOS_TIMELINE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct enos_ctx;
struct shaped_exp;
struct timeline;

/* Run E's timeline to its end (SIGINT/SIGTERM stop it early, healing what
 * it applied). Prints progress. Returns 0 or -errno. */
int timeline_run(struct enos_ctx *ctx, struct shaped_exp *e);

/* Start E's timeline now (its clock: cli_now()), its faults recorded in
 * RUN (0: none). E is borrowed until timeline_end. *TL is allocated.
 * Returns 0 or -ENOMEM. */
int timeline_begin(struct enos_ctx *ctx, struct shaped_exp *e, int64_t run,
		   struct timeline **tl);

/* Say TL's steps on OUT (stdout unless set: stderr when stdout is JSON). */
void timeline_output(struct timeline *tl, FILE *out);

/* When TL's next step is due, on cli_now()'s clock; INFINITY when no step
 * is left (TL NULL included). */
double timeline_next_due(const struct timeline *tl);

/* Run every step of TL due by now, printing one line each
 * ("t=   5.00s partition edge-1"). Returns how many ran, or the -errno of
 * a step that failed (printed; no later step runs). */
int timeline_step(struct timeline *tl);

/* Free TL (NULL is fine); with HEAL first heal the partitions it applied
 * and has not healed yet (a timeline stopped early). Returns 0 or the
 * first heal's -errno. */
int timeline_end(struct timeline *tl, bool heal);

#endif
