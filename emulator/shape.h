/* shape — WAN shaping backends behind one interface.
 *
 * What the WAN does to traffic from site S to site D is a struct
 * link_params (emulator/constraint.h); a struct shape_table holds one per
 * ordered site pair plus the partition cut. Each backend is one file exporting one struct
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

#include "emulator/constraint.h"  /* struct link_params */
#include "emulator/world.h"

struct emu;

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

const struct shape_ops *shape_ops_find(const char *name);

#endif
