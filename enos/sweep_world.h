/* sweep_world — what `enos sweep` does for one (point, repetition) pair
 * today: bring the point's world to the pair, by the plan's step, and
 * record the run. The loop (enos/sweep_loop.h) calls sweep_world_step()
 * through its one step pointer; once `enos bench` (issue 11) lands, the
 * step that runs the workload calls sweep_world_step() first, then runs
 * the workload on the world it left (shaped_open() of the experiment finds
 * the point's topology: its file is the experiment's topology path).
 *
 *   rebuild   phase_up() of the point's topology, replacing the world that
 *             is up (and deploying its stack, as `enos up` does)
 *   redeploy  stop the stack's services, apply the WAN again, deploy the
 *             point's stack (its strategy changed)
 *   reuse     apply the WAN again (`enos tc`: shaping_table/shaping_apply),
 *             ending any fault still active
 *
 * Each pair's topology is written to results/EXP/sweep-NAME/
 * point-P-rep-R.yaml (P, R from 1; the experiment runs from that file) and
 * copied into its run's directory (results/EXP/RUN/topology.yaml).
 */
#ifndef ENOS_SWEEP_WORLD_H
#define ENOS_SWEEP_WORLD_H

#include <limits.h>
#include <stdint.h>

#include "enos/sweep_loop.h"

struct enos_ctx;
struct topology;

struct sweep_world {
	struct enos_ctx *ctx;
	const struct sweep *sweep;
	char dir[PATH_MAX];             /* results/EXP/sweep-NAME, absolute */
	char path[PATH_MAX];            /* the last pair's topology file */
	struct topology *t;             /* loaded from it, or NULL */
};

/* Name and make SW's directory for sweep S. Prints errors. 0 or -errno. */
int sweep_world_init(struct sweep_world *sw, struct enos_ctx *ctx,
		     const struct sweep *s);
void sweep_world_release(struct sweep_world *sw);

/* The step (a sweep_step_fn; ARG a struct sweep_world): write JOB's
 * topology, load it into SW->t, and act by JOB->action (see above). The
 * run it opens is of kind SWEEP_RUN_KIND with the pair's seed; the loop
 * ends it. Prints what it does and its errors. Returns 0, -EINTR
 * (interrupted: the world was rolled back), or -errno. */
int sweep_world_step(void *arg, const struct sweep_job *job, int64_t *run);

/* A sweep_check_fn for sweep_validate(): the point's stack exists and has
 * its strategy (ARG: NULL). NULL, or an allocated message. */
char *sweep_world_check_stack(void *arg, const struct topology *t);

#endif
