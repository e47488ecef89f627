/* placement — which host builds each site of a world spread over several
 * (issue 14). A pure function of the topology (enos/topo.h): a site's
 * `host:` pins it; with `placement: {auto: balance}` the others go, the
 * heaviest first, to the host whose load relative to its weight is then
 * the smallest. A site's load is what enos/capacity.c estimates it takes
 * (its gateway and its nodes: every node's own cost, so the node count,
 * plus the memory a VM or container declares); a host's weight is its
 * declared `memory:` when every host declares one, else 1 (equal hosts).
 * Ties go to the host declared first, so a placement is reproducible.
 *
 * A topology without `hosts:` is one implicit local host holding every
 * site, as before issue 14. `enos check` prints the placement and each
 * host's estimate (capacity_estimate_part) against its memory.
 */
#ifndef ENOS_PLACEMENT_H
#define ENOS_PLACEMENT_H

#include <stddef.h>
#include <stdint.h>

#include "enos/capacity.h"
#include "enos/topo.h"

/* The name of the implicit host of a topology without `hosts:`. */
#define PLACEMENT_LOCAL "local"

struct placement_host {
	const char *name;       /* the topology's, or PLACEMENT_LOCAL */
	const struct topo_host *decl;   /* NULL for the implicit host */
	size_t n_sites;
	size_t n_pinned;        /* of which placed by `host:` */
	struct capacity need;   /* what its part of the world takes */
};

struct placement {
	size_t *host_of;        /* per site of the topology: index into hosts */
	struct placement_host *hosts;
	size_t n_hosts;         /* >= 1 */
};

/* Place T's sites into *P (fully overwritten; release with
 * placement_release). Returns 0 or -ENOMEM. */
int placement_compute(const struct topology *t, struct placement *p);

void placement_release(struct placement *p);

/* Does host H's part fit in AVAIL bytes, its memory as AVAIL_WORD says
 * ("declared", "available": MemAvailable from its facts)? capacity_check's
 * convention; MSG "its part needs about 1.8 MiB of 16.0 GiB declared (5
 * netns nodes, 2 gateways; ...)". CORES <= 0: not named. */
int placement_fits(const struct placement *p, size_t h, uint64_t avail,
		   const char *avail_word, long cores, char *msg, size_t len);

#endif
