/* sweep_world — what `enos sweep` does for one (point, repetition) pair:
 * bring the point's world to the pair, by the plan's step, and record the
 * run (sweep_world_step); then take the pair's figures on the world it
 * left, as `enos run` does (sweep_world_figures: the RTT of every site
 * pair, the WAN reseeded with the pair's seed, the point's workloads
 * through bench_run). The loop (enos/sweep_loop.h) calls one step pointer:
 * enos/cmd/sweep.c's calls both; the tests may call the first alone.
 * shaped_open() of the experiment finds the point's topology: its file is
 * the experiment's topology path.
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

/* After sweep_world_step() succeeded for JOB with run RUN: measure the
 * RTT of every site pair against its target and store it in RUN (with
 * the world's facts: its size for `up of N nodes`); then, if the point has
 * workloads, start the WAN's random draws again from JOB's seed (a
 * backend that can be seeded: the same seed meets the same loss pattern,
 * whether the world was built or kept) and run them (bench_run, with the
 * point's `workload:`, the sweep's when it has one, into RUN). Prints its
 * progress and errors. Returns 0, -EINTR (bench_run stopped on SIGINT or
 * SIGTERM, keeping what finished), -BENCH_ESERVICE, or -errno. */
int sweep_world_figures(struct sweep_world *sw, const struct sweep_job *job,
			int64_t run);

/* A sweep_check_fn for sweep_validate(): the point's stack exists and has
 * its strategy (ARG: NULL). NULL, or an allocated message. */
char *sweep_world_check_stack(void *arg, const struct topology *t);

#endif
