/* shape — WAN shaping backends behind one interface.
 *
 * What the WAN does to traffic from site S to site D is a struct
 * link_params; a struct shape_table holds one per ordered site pair plus
 * the partition cut. Each backend is one file exporting one struct
 * shape_ops (iproute2's q_*.c, libnl's qdisc modules):
 *   shape_netem.c  HTB + netem + u32 on each gateway's wan0, via libnl
 *   shape_wand.c   the userspace WAN engine (emulator/wand*.c) as the WAN
 *                  switch between the gateways' WAN ports
 * The world is built for its backend (world.wan_mode): netem shapes
 * gateways joined by the WAN bridge; wand replaces the WAN bridge.
 */
#ifndef EMULATOR_SHAPE_H
#define EMULATOR_SHAPE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "emulator/world.h"

struct emu;

/* Jitter distributions netem offers (tc ... delay D J distribution X). */
enum jitter_dist {
	DIST_NONE,              /* netem's default: uniform within +-jitter */
	DIST_UNIFORM,
	DIST_NORMAL,
	DIST_PARETO,
	DIST_PARETONORMAL,
};

/* One direction of one site pair. Zero everywhere means "a plain wire". */
struct link_params {
	uint64_t delay_us;      /* one way */
	uint64_t jitter_us;
	enum jitter_dist dist;
	double jitter_corr_pct; /* 0 .. 100 */
	double loss_pct;        /* 0 .. 100, of wire (MTU-sized) packets */
	double loss_burst;      /* mean loss burst length in packets; <= 1: random
				 * loss, > 1: Gilbert-Elliott with that mean */
	uint64_t rate_bps;      /* 0: unlimited */
	uint32_t queue_pkts;    /* rate queue bound; 0: the backend's default */
};

/* Per ordered pair (src * n + dst) parameters and partition cut. */
struct shape_table {
	size_t n;               /* == world.n_sites */
	struct link_params *p;  /* n * n; the diagonal is unused */
	bool *cut;              /* n * n; true: drop everything src -> dst */
};

struct shape_ops {
	const char *name;       /* "netem", "wand" */
	/* Make W's WAN what T says, replacing whatever was applied before.
	 * For wand this starts the engine if it is not running. */
	int (*apply)(struct emu *emu, const struct world *w,
		     const struct shape_table *t);
	/* Change one direction of one pair (T already holds the new value). */
	int (*set_pair)(struct emu *emu, const struct world *w,
			const struct shape_table *t, size_t src, size_t dst);
	/* Remove all shaping: the WAN is a plain wire again. */
	int (*reset)(struct emu *emu, const struct world *w);
};

extern const struct shape_ops shape_netem_ops;
extern const struct shape_ops shape_wand_ops;

/* Allocate a table for N sites, all plain wire, nothing cut. Returns 0 or
 * -ENOMEM; release with shape_table_release (accepts a zeroed table). */
int shape_table_init(struct shape_table *t, size_t n);
void shape_table_release(struct shape_table *t);

static inline struct link_params *shape_at(const struct shape_table *t,
					   size_t src, size_t dst)
{
	return &t->p[src * t->n + dst];
}

/* The backend called NAME, or NULL. */
const struct shape_ops *shape_ops_find(const char *name);

/* Backend I (0, 1, ...) of every shaping backend enos has, in the order
 * the topology language lists them after "auto" (netem, wand), or NULL
 * past the end. */
const struct shape_ops *shape_ops_at(size_t i);

const char *shape_dist_name(enum jitter_dist d);

#endif
