/* shaping — the WAN shaping of an experiment, as the phases and commands
 * need it: which backend a topology gets on this host, starting and
 * supervising a backend's engine (wand), building the table (constraints +
 * active faults) and applying it through the backend's shape_ops.
 *
 * The backend is chosen at `up` and recorded by name (experiments.shaping);
 * its ops decide how the world is built (shape_ops.wan_mode), and every
 * command resolves the recorded name once (exp_info.shaping_ops). An
 * engine's pid is recorded in the processes table under the backend's
 * name; every command that needs it checks it is alive and says so when
 * it is not.
 */
#ifndef ENOS_SHAPING_H
#define ENOS_SHAPING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "emulator/shape.h"
#include "emulator/world.h"
#include "enos/state.h"

struct enos_ctx;
struct topology;

/* The backend for T on this host into *OPS, with the reason in WHY: the
 * one T names, or for `auto` the first of the registry (shape_ops_at())
 * that shapes and that this host supports. Returns -ENOTSUP (and prints
 * why) if T names one this host does not support (netem without
 * sch_netem). */
int shaping_choose(const struct topology *t, const struct shape_ops **ops,
		   char *why, size_t len);

/* Build the table of experiment W (topology T): its resolved constraints
 * and, if WITH_FAULTS, its active faults on top. *TAB is initialised here.
 * Prints errors. Returns 0 or -errno. */
int shaping_table(struct enos_ctx *ctx, const struct topology *t,
		  const struct world *w, bool with_faults,
		  struct shape_table *tab);

/* Make sure backend OPS of W can be driven: for one with an engine, that
 * the engine recorded for W is alive; if not, say so and, if START, start
 * one (and record it). Returns 0, -ESRCH (not running and not started),
 * or -errno. */
int shaping_engine(struct enos_ctx *ctx, const struct world *w,
		   const struct shape_ops *ops, bool start);

/* Is the engine of W (backend OPS) running? Returns 1 (yes), 0 (it was
 * started but does not answer: it died), or -1 (OPS has no engine). *PID
 * (may be NULL) gets the recorded pid, 0 if none. Quiet. */
int shaping_engine_state(struct enos_ctx *ctx, const struct world *w,
			 const struct shape_ops *ops, int *pid);

/* Stop experiment NAME's trace player (shape_ops.trace_play: the
 * recorded ones, then one found through its pid file) and forget it:
 * `enos tc reset`, and every apply before it starts a fresh one. Prints
 * errors. Returns 0 or -errno. */
int shaping_player_stop(struct enos_ctx *ctx, const char *name);

/* Is NAME's trace player running? 1 yes, 0 recorded but gone, -1 none
 * recorded; *PID its recorded pid (0: none). Quiet. */
int shaping_player_state(struct enos_ctx *ctx, const char *name, int *pid);

/* With `network.partition: openflow` in T: make TAB's cuts drop rules on
 * W's LAN switches (fabric_ops.drops, replacing the previous ones; no cut
 * removes them) and clear TAB's cut matrix, so the shaping backend applied
 * next cuts nothing. Otherwise does nothing. Prints errors. */
int shaping_partition(struct enos_ctx *ctx, const struct topology *t,
		      const struct world *w, struct shape_table *tab);

/* Apply TAB to W through backend OPS; for a backend that plays traces
 * with a player (shape_ops.trace_play), then stop W's player and, if TAB
 * has traces, start a fresh one (`enos trace-play`) from TAB's start, or
 * from the stopped one's when TAB's is 0, and record its pid. Prints
 * errors. */
int shaping_apply(struct enos_ctx *ctx, const struct world *w,
		  const struct shape_ops *ops, const struct shape_table *tab);

/* Stop every engine enos recorded for experiment NAME (a process recorded
 * under the name of a backend with an engine), by pid, and forget them.
 * Returns 0 or -errno. */
int shaping_stop(struct enos_ctx *ctx, const char *name);

/* After a down: every backend's sweep (shape_ops.sweep): an engine of NAME
 * that its starter never recorded, and its files (/run/enos/NAME).
 * Returns 0 or -errno. */
int shaping_sweep(const char *name);

/* Load the topology that experiment NAME was built from and check it still
 * matches the recorded world W (same sites in the same order). *T is the
 * caller's to free with topo_free. Prints errors. */
int shaping_topology(const char *path, const struct world *w,
		     struct topology **t);

/* An experiment that is up, with what the WAN commands need. Its shaping
 * backend is info.shaping_ops. */
struct shaped_exp {
	struct exp_info info;
	struct world w;
	struct topology *t;
};

/* Open recorded experiment NAME (the command table selected it: see
 * CMD_EXP_ONE): its record, world and topology, checking it is up. Prints
 * errors. Release with shaped_close (also after a failure). */
int shaped_open(struct enos_ctx *ctx, const char *name, struct shaped_exp *e);
/* shaped_open for a command that also serves a world spread over several
 * hosts (`enos tc --test`); shaped_open refuses one. */
int shaped_open_spread(struct enos_ctx *ctx, const char *name,
		       struct shaped_exp *e);
void shaped_close(struct shaped_exp *e);

/* Apply E's topology to its WAN afresh (the engine started if it is
 * stopped, partitions included) and end its active faults in the record:
 * `enos tc apply` and a sweep's next pair. *PAIRS (may be NULL) gets the
 * number of ordered site pairs applied. E's backend must shape. Prints
 * errors. Returns 0 or -errno. */
int shaping_reapply(struct enos_ctx *ctx, struct shaped_exp *e, size_t *pairs);

/* CLOCK_REALTIME now, in us: a table's trace_start_us for an apply that
 * starts the traces again (`up`, `enos tc`). */
uint64_t shaping_now_us(void);

/* When the traces W's WAN replays (backend OPS) started into *START_US
 * (CLOCK_REALTIME us; 0: none, or a backend that replays none), and, when
 * there are some and RUN is not 0, the fact "trace_start" (seconds since
 * the epoch, to the microsecond) of RUN, so a measurement can be aligned
 * with the steps. Prints errors. Returns 0 or -errno. */
int shaping_trace_start(struct enos_ctx *ctx, const struct world *w,
			const struct shape_ops *ops, int64_t run,
			uint64_t *start_us);

#endif
