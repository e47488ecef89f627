/* plan — turn a validated topology into the world the emulator builds.
 *
 * The plan is pure: it allocates addresses (emulator/addr.h) and names
 * (world_name) but touches no kernel object, so `enos check` can show it and
 * `enos up` can record it before building anything.
 */
#ifndef ENOS_PLAN_H
#define ENOS_PLAN_H

#include "emulator/world.h"

struct shape_ops;
struct topology;

/* Fill *W for topology T with experiment tag TAG. Strings in W are borrowed
 * from T (which must outlive W); the arrays are allocated: release them with
 * plan_release(). Returns 0 or -errno (-ENOSPC: the address pool is full,
 * which topo_load already rejects). */
int plan_world(const struct topology *t, const char *tag, struct world *w);

/* Which sites of W (planned from T, or loaded back with T's sites) have
 * their `lan` shaped by SHAPING (world_site.lan_shaped): every site with
 * a lan, when SHAPING shapes lans (shape_ops.lan); none otherwise. The
 * world is built so (wand: such a site's host ends on no bridge), so a
 * world loaded back takes it from the topology it was built from. */
void plan_lan(const struct topology *t, const struct shape_ops *shaping,
	      struct world *w);

/* Free the arrays of a world made by plan_world; accepts a zeroed world. */
void plan_release(struct world *w);

#endif
