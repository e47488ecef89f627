/* timeline — run a topology's `faults:` list against a running experiment:
 * each fault at its time (seconds from the start), partitions healed after
 * their `for`, every one recorded with the time it was applied and removed,
 * in a run of kind "timeline".
 */
#ifndef ENOS_TIMELINE_H
#define ENOS_TIMELINE_H

struct enos_ctx;
struct shaped_exp;

/* Run E's timeline to its end (SIGINT/SIGTERM stop it early, healing what
 * it applied). Prints progress. Returns 0 or -errno. */
int timeline_run(struct enos_ctx *ctx, struct shaped_exp *e);

#endif
