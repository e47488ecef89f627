/* shaping — the WAN shaping of an experiment, as the phases and commands
 * need it: which backend a topology gets on this host, starting and
 * supervising the wand engine, building the table (constraints + active
 * faults) and applying it through the backend's shape_ops.
 *
 * The backend is chosen at `up` and recorded (experiments.shaping): it
 * decides how the world is built (world.wan_mode). The engine's pid is
 * recorded in the processes table; every command that needs it checks it
 * is alive and says so when it is not.
 */
#ifndef ENOS_SHAPING_H
#define ENOS_SHAPING_H

#include <stdbool.h>
#include <stddef.h>

#include "emulator/shape.h"
#include "emulator/world.h"
#include "enos/state.h"

struct enos_ctx;
struct topology;

/* The backend for T on this host: "none", "netem" or "wand", with the
 * reason in WHY. Returns -ENOTSUP (and prints why) if T asks for netem and
 * the kernel has none. */
int shaping_choose(const struct topology *t, const char **backend,
		   char *why, size_t len);

/* Build the table of experiment W (topology T): its resolved constraints
 * and, if WITH_FAULTS, its active faults on top. *TAB is initialised here.
 * Prints errors. Returns 0 or -errno. */
int shaping_table(struct enos_ctx *ctx, const struct topology *t,
		  const struct world *w, bool with_faults,
		  struct shape_table *tab);

/* Make sure the backend of W can be driven: for wand, that the engine
 * recorded for W is alive; if not, say so and, if START, start one (and
 * record it). Returns 0, -ESRCH (not running and not started), or -errno. */
int shaping_engine(struct enos_ctx *ctx, const struct world *w,
		   const char *backend, bool start);

/* Is the engine of W (backend BACKEND) running? Returns 1 (yes), 0 (it
 * was started but does not answer: it died), or -1 (BACKEND has no
 * engine). *PID (may be NULL) gets the recorded pid, 0 if none. Quiet. */
int shaping_engine_state(struct enos_ctx *ctx, const struct world *w,
			 const char *backend, int *pid);

/* With `network.partition: openflow` in T: make TAB's cuts OpenFlow drop
 * rules on W's LAN bridges (replacing the previous ones; no cut removes
 * them) and clear TAB's cut matrix, so the shaping backend applied next
 * cuts nothing. Otherwise does nothing. Prints errors. */
int shaping_partition(struct enos_ctx *ctx, const struct topology *t,
		      const struct world *w, struct shape_table *tab);

/* Apply TAB to W through BACKEND ("none" does nothing). Prints errors. */
int shaping_apply(struct enos_ctx *ctx, const struct world *w,
		  const char *backend, const struct shape_table *tab);

/* Stop every process enos recorded for experiment NAME (engines), by pid,
 * and forget them. Returns 0 or -errno. */
int shaping_stop(struct enos_ctx *ctx, const char *name);

/* After a down: stop an engine of NAME that its starter never recorded
 * (killed between starting and recording it; found by the pid file the
 * engine writes, and only if that pid runs NAME's engine), and remove
 * /run/enos/NAME. Returns 0 or -errno. */
int shaping_sweep(const char *name);

/* Load the topology that experiment NAME was built from and check it still
 * matches the recorded world W (same sites in the same order). *T is the
 * caller's to free with topo_free. Prints errors. */
int shaping_topology(const char *path, const struct world *w,
		     struct topology **t);

/* An experiment that is up, with what the WAN commands need. */
struct shaped_exp {
	struct exp_info info;
	struct world w;
	struct topology *t;
};

/* Open recorded experiment NAME (the command table selected it: see
 * CMD_EXP_ONE): its record, world and topology, checking it is up. Prints
 * errors. Release with shaped_close (also after a failure). */
int shaped_open(struct enos_ctx *ctx, const char *name, struct shaped_exp *e);
void shaped_close(struct shaped_exp *e);

#endif
