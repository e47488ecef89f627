/* shape — WAN shaping backends behind one interface.
 *
 * What the WAN does to traffic from site S to site D is a struct
 * link_params (emulator/constraint.h); a struct shape_table holds one per ordered site pair plus
 * the partition cut. Each backend is one file exporting one struct
 * shape_ops (iproute2's q_*.c, libnl's qdisc modules):
 *   shape_netem.c  HTB + netem + u32 on each gateway's wan0, via libnl
 *   shape_wand.c   the userspace WAN engine (emulator/wand*.c) as the WAN
 *                  switch between the gateways' WAN ports
 *   shape_none.c   nothing: the WAN is a plain wire (iproute2's fallback
 *                  prio_util), so "none" is an ops struct like the others
 * shape.c is the registry, the one place that knows them all and finds
 * one by name. The name (`network.shaping`, the experiment's shaping
 * column) is resolved once and the pointer carried; callers ask the ops
 * (wan_mode, shapes, supported, start) and never compare names.
 *
 * The world is built for its backend (shape_ops.wan_mode): netem shapes
 * gateways joined by the WAN bridge; wand replaces the WAN bridge, and
 * the LAN bridge of each site with a `lan` (shape_ops.lan_engine).
 *
 * The engine. A backend whose WAN is a process of its own (wand) has
 * start, alive, stop and sweep; the others have none of them. The caller
 * starts the engine through start before the first apply, records the
 * pid it gets (enos keeps it in its database: the emulator never touches
 * one), checks alive before each later use, and stops it by that pid;
 * apply, set_pair and reset only talk to a running engine and return
 * -ENOTCONN when none answers. They never start one.
 *
 * Traffic. Every backend counts what crosses the WAN its own way, behind
 * the same three ops (emulator/traffic.h says what is counted): wand in
 * its engine, per frame forwarded; netem and none with nftables counters
 * on each gateway (traffic_nft.c), armed by traffic_reset and removed by
 * traffic_clear (and by reset, and with the namespaces at down).
 */
#ifndef EMULATOR_SHAPE_H
#define EMULATOR_SHAPE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "emulator/constraint.h"  /* struct link_params */
#include "emulator/world.h"

struct emu;
struct trace;
struct traffic_table;

/* What of one direction follows a trace (emulator/trace.h): its delay,
 * its loss, or both; the rest of the direction is its link_params, whose
 * delay and loss hold the trace's first step (what a reader that knows no
 * time sees). */
struct shape_trace {
	const struct trace *trace;      /* NULL: the direction is constant */
	bool delay, loss;
};

/* Per ordered pair (src * n + dst) parameters and partition cut. */
struct shape_table {
	size_t n;               /* == world.n_sites */
	struct link_params *p;  /* n * n; the diagonal is unused */
	bool *cut;              /* n * n; true: drop everything src -> dst */
	/* n: site i's `lan`, between any two hosts of the site (its nodes
	 * and its gateway), one way; zero: a plain switch. Applied to the
	 * sites whose LAN the backend shapes (world_site.lan_shaped). */
	struct link_params *lan;
	/* n * n, or NULL when no direction follows a trace
	 * (shape_table_traces makes it); the traces are borrowed (the
	 * topology's). */
	struct shape_trace *tr;
	/* When the traces started (CLOCK_REALTIME, us since the epoch): set
	 * by the caller before apply, 0 to keep the start the backend
	 * replays from already (a fault changing other fields must not
	 * restart them), or now if none. */
	uint64_t trace_start_us;
};

/* An engine that exited while starting: its start returns
 * -(SHAPE_EEXITED + its exit status, or 128 + signal). */
#define SHAPE_EEXITED 1000

/* The exit status inside an error of shape_ops.start, or -1 if ERR is
 * another error. */
static inline int shape_exit_code(int err)
{
	return err <= -SHAPE_EEXITED && err > -SHAPE_EEXITED - 512 ?
	       -err - SHAPE_EEXITED : -1;
}

struct shape_ops {
	const char *name;
	/* How the world is built for this backend. */
	enum wan_mode wan_mode;
	/* true: apply makes the WAN what the table says. false (none): the
	 * WAN stays a plain wire whatever it is given, so there is no
	 * target to measure against and no fault to inject. */
	bool shapes;
	/* true: it shapes a site's `lan` (apply makes T's lan so on every
	 * site with world_site.lan_shaped, reset removes it): netem with a
	 * qdisc on each LAN bridge port, wand as that site's switch. false:
	 * it cannot (none), and a topology with a `lan` is refused at load
	 * (FILE:LINE:COL). */
	bool lan;
	/* true (wand): it shapes a lan by being the site's switch, so the
	 * site's nodes' and gateway's LAN host ends are on no bridge (the
	 * world is built so: world_site.lan_engine). */
	bool lan_engine;
	/* The kernel module it needs ("sch_netem"), or NULL. */
	const char *kmod;
	/* Can this host use it? Returns 0, or -ENOTSUP with WHY saying what
	 * is missing (for a backend with a kmod: why the kernel lacks it).
	 * Quiet; probes the host. NULL: always. */
	int (*supported)(char *why, size_t len);
	/* Make W's WAN what T says, replacing whatever was applied before. */
	int (*apply)(struct emu *emu, const struct world *w,
		     const struct shape_table *t);
	/* Change one direction of one pair (T already holds the new value). */
	int (*set_pair)(struct emu *emu, const struct world *w,
			const struct shape_table *t, size_t src, size_t dst);
	/* Remove all shaping: the WAN is a plain wire again. */
	int (*reset)(struct emu *emu, const struct world *w);
	/* The start (CLOCK_REALTIME, us) of the traces W's WAN replays now
	 * into *START_US, 0 if it replays none. Non-NULL means this backend
	 * replays traces: apply makes every direction of T->tr follow its
	 * trace from T->trace_start_us, each step in force at its time (wand:
	 * its engine's clock; netem: with trace_play). NULL (none): a table
	 * with traces is refused before apply, never applied as constants.
	 * -ENOTCONN when its engine (or player) does not answer. */
	int (*trace_start)(struct emu *emu, const struct world *w,
			   uint64_t *start_us);
	/* true (netem): the WAN has no clock, so apply sets each traced
	 * direction to its step in force then (from T->trace_start_us, else
	 * the start the running player replays from, else now), and the
	 * caller then starts a player (emulator/trace_play.h) that moves
	 * each to its next step through set_pair, and stops it when the WAN
	 * is reset or the world goes down. trace_start reads the player's
	 * pid file. */
	bool trace_play;
	/* Start the WAN's random draws (loss, jitter) again from SEED, so
	 * the same seed meets the same loss pattern (wand: every ordered
	 * pair's own stream, see emulator/wand.h `reseed`). NULL: the
	 * backend's randomness cannot be seeded (netem draws from the
	 * kernel's). -ENOTCONN when its engine does not answer. */
	int (*reseed)(struct emu *emu, const struct world *w, uint64_t seed);

	/* The engine (see above); NULL for a backend without one. */
	/* Start W's engine in a session of its own, so that it outlives the
	 * caller, run by EXE (the enos binary: `EXE wand-engine ...`), and
	 * wait until it answers. Returns 0 with *PID; -(SHAPE_EEXITED +
	 * status) if it exited first; -EADDRINUSE if an engine already
	 * answers for W; or another -errno. LOG (LEN bytes) gets the
	 * engine's log file, also on failure. Never records anything: the
	 * caller keeps the pid. */
	int (*start)(const struct world *w, const char *exe, int *pid,
		     char *log, size_t len);
	/* Does W's engine answer? 1 yes, 0 no, or -errno if W cannot have
	 * one (its control socket's name does not fit). */
	int (*alive)(const struct world *w);
	/* Stop engine PID (TERM, then KILL), only if PID is still such an
	 * engine (a recycled pid is left alone); gone is success. */
	int (*stop)(int pid);
	/* After experiment NAME is down: stop an engine of NAME that was
	 * never recorded (its starter was killed first; found through the
	 * pid file the engine writes, and only if that pid still runs NAME's
	 * engine), and remove its files. Returns 0 or -errno. */
	int (*sweep)(const char *name);

	/* Traffic counting; NULL: this backend cannot count. */
	/* Zero W's counters, arming them first where counting takes rules
	 * (every gateway's table, replaced whole). -ENOTSUP if this host
	 * cannot count so; -ENOTCONN if W's engine does not answer. */
	int (*traffic_reset)(struct emu *emu, const struct world *w);
	/* What crossed each ordered pair of W since traffic_reset into T
	 * (initialised here for W's sites, finished; release it with
	 * traffic_table_release, also after a failure). -ENOENT: nothing was
	 * armed. */
	int (*traffic_read)(struct emu *emu, const struct world *w,
			    struct traffic_table *t);
	/* Remove what traffic_reset armed (nothing for an engine that always
	 * counts); gone already is success. */
	int (*traffic_clear)(struct emu *emu, const struct world *w);
};

extern const struct shape_ops shape_netem_ops;
extern const struct shape_ops shape_wand_ops;
extern const struct shape_ops shape_none_ops;

/* Allocate a table for N sites, all plain wire, nothing cut. Returns 0 or
 * -ENOMEM; release with shape_table_release (accepts a zeroed table). */
int shape_table_init(struct shape_table *t, size_t n);

/* Give T (initialised) its trace array, every direction constant, if it
 * has none yet. Returns 0 or -ENOMEM. */
int shape_table_traces(struct shape_table *t);

/* Does a direction of T follow a trace? */
bool shape_table_traced(const struct shape_table *t);
void shape_table_release(struct shape_table *t);

static inline struct link_params *shape_at(const struct shape_table *t,
					   size_t src, size_t dst)
{
	return &t->p[src * t->n + dst];
}

/* Direction SRC -> DST of T as it is OFFSET_US after the traces' start
 * into *P: its parameters, with the delay and loss its trace gives then
 * (trace_index_at: the step the replay has in force, so what the player
 * and the engine replay and what tc --test measures against agree). */
void shape_params_at(const struct shape_table *t, size_t src, size_t dst,
		     uint64_t offset_us, struct link_params *p);

/* T as it is OFFSET_US after the traces' start into *OUT: a shallow copy
 * of T (sharing its cut, lan and tr) with its own parameter array, every
 * direction's from shape_params_at. Release only OUT->p (free()). 0 or
 * -ENOMEM (OUT->p NULL). */
int shape_table_at(const struct shape_table *t, uint64_t offset_us,
		   struct shape_table *out);

/* The backend called NAME, or NULL. */
const struct shape_ops *shape_ops_find(const char *name);

/* Backend I (0, 1, ...) of every shaping backend enos has, in the order
 * the topology language lists them after "auto" (netem, wand, none): the
 * order `shaping: auto` tries them in. NULL past the end. */
const struct shape_ops *shape_ops_at(size_t i);

#endif
