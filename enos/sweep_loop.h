/* sweep_loop — running a recorded sweep: the pairs not done, in their
 * recorded order, each through ONE step function, with the bookkeeping
 * that makes a resume exact (enos/state.h, schema v7).
 *
 * The loop knows nothing of worlds: what running a pair means is the
 * step's (enos/sweep_world.h brings a point's world up; the workload runner
 * of `enos bench` is wired behind the same pointer; the tests pass a fake).
 * For each pair the loop renders the point's topology with the pair's
 * seed, marks the pair running, calls the step, and records the outcome:
 * done, failed (a later --resume runs it again), or back to pending when
 * the step was interrupted. A failed step makes the next one a rebuild
 * (the world may be broken). Interruptions are polled (stop()), never
 * signalled into the middle of a statement.
 */
#ifndef ENOS_SWEEP_LOOP_H
#define ENOS_SWEEP_LOOP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "enos/state.h"
#include "enos/sweep.h"

/* One pair to run, as the step sees it. */
struct sweep_job {
	const struct sweep *sweep;
	int64_t sweep_id;               /* the record */
	size_t point;                   /* from 0 */
	unsigned rep;                   /* from 0 */
	uint64_t seed;                  /* as recorded for the pair */
	enum sweep_action action;       /* what changed since the world the
					 * step left last (first: rebuild) */
	const char *text;               /* the point's topology with `seed:`,
					 * its matrix path absolute */
	const char *label;              /* "PATH=VALUE, ..." */
};

/* Run JOB. Returns 0 when its run succeeded; -EINTR when it stopped on an
 * interruption (the pair goes back to pending); another -errno when it
 * failed (the step printed why). *RUN: the run it opened (0 if none),
 * also on failure; the loop ends it. */
typedef int (*sweep_step_fn)(void *arg, const struct sweep_job *job,
			     int64_t *run);

/* Where the loop is, for a progress line. */
struct sweep_progress {
	size_t point, n_points;         /* from 1 */
	unsigned rep, repeat;           /* from 1 */
	size_t pair, n_pairs;           /* this pair among those left, from 1 */
	double elapsed_s;               /* since the loop started */
	double left_s;                  /* NaN: unknown */
	enum sweep_action action;
	const char *label;
};

/* "pair 3/8: point 7/50, rep 2/5, elapsed 12:40, about 31 min left"
 * into BUF (LEN bytes); returns BUF. */
const char *sweep_loop_progress_text(const struct sweep_progress *p,
				     char *buf, size_t len);

struct sweep_loop {
	struct state *st;
	const struct sweep *sweep;
	int64_t id;                     /* state_sweep_save()'s */
	sweep_step_fn step;
	void *step_arg;
	/* Polled before and after each step: true stops the loop (Ctrl-C).
	 * NULL: never. */
	bool (*stop)(void *arg);
	void *stop_arg;
	/* Called before each pair. NULL: none. */
	void (*progress)(void *arg, const struct sweep_progress *p);
	void *progress_arg;
	/* Per point (n_points), for the time left before any pair of this
	 * invocation has finished; NULL: unknown until then. */
	const struct sweep_cost *cost;
	/* Seconds on a monotonic clock; NULL: CLOCK_MONOTONIC. */
	double (*clock)(void);
};

struct sweep_outcome {
	size_t recovered;               /* pairs a kill had left running */
	size_t ran;                     /* pairs started by this invocation */
	size_t done, failed;            /* of them */
	size_t left;                    /* pairs of the sweep not done now */
	bool interrupted;
};

/* Record sweep S, read from PATH (stored absolute), with its plan
 * (sweep_plan) in ST: state_sweep_save() with KEEP_DONE. *ID gets its id.
 * Returns 0, -ENOMEM, or -errno (state_errmsg()). */
int sweep_loop_record(struct state *st, const struct sweep *s,
		      const char *path, bool keep_done, int64_t *id);

/* Recover what a kill left (state_sweep_recover), then run every pair of
 * L->id that is not done, in recorded order, through L->step. Stops early
 * when L->stop says so (the current pair finished or abandoned and
 * recorded). Returns 0 (also when pairs failed: *OUT says), or -errno on
 * a database or rendering error with *ERR an allocated message. */
int sweep_loop_run(const struct sweep_loop *l, struct sweep_outcome *out,
		   char **err);

/* The cost of each point of S (COST[n_points]) from the history of runs
 * of its experiment in ST (state_history with the point's stack and
 * strategy, falling back to any strategy). Returns 0, or -errno with *ERR
 * an allocated message. */
int sweep_loop_costs(struct state *st, const struct sweep *s,
		     struct sweep_cost *cost, char **err);

#endif
