/* place — where a stack's service instances go: the rules of a strategy
 * applied to a topology and its planned world.
 *
 * Pure computation between stack.c (the rules) and supervise.c (which starts
 * the instances): no system calls, so unit tests check placements directly.
 * World site I is topology site I (plan.c keeps the order).
 */
#ifndef WORKLOADS_PLACE_H
#define WORKLOADS_PLACE_H

#include <stddef.h>

#include "emulator/world.h"
#include "enos/topo.h"
#include "workloads/stack.h"

#define PLACE_NAME_MAX 64

struct place_instance {
	char name[PLACE_NAME_MAX];      /* "SERVICE-N" */
	size_t service;                 /* index into stack.services */
	unsigned index;                 /* N, from 1 */
	size_t node;                    /* index into world.nodes */
};

/* The instances in stack service order, each service's in placement
 * order. A service its rule leaves out (count: 0) has none. */
struct placement {
	struct place_instance *v;
	size_t n;
};

/* Place every service of S by strategy ST (NULL: each service's own
 * placement or the default) over topology T and its world W. Returns 0 and
 * fills *OUT (release with place_release), or -errno with *ERR an allocated
 * message naming the service and the strategy (caller frees). */
int place_stack(const struct stack *s, const struct stack_strategy *st,
		const struct topology *t, const struct world *w,
		struct placement *out, char **err);

void place_release(struct placement *p);

/* The first instance of service SVC in P, or -1. */
long place_first(const struct placement *p, size_t svc);

/* The instance nearest to instance INST of P among the instances of the
 * services SVCS[0..N_SVCS): one on INST's node, else on its site, else on
 * the closest ancestor site by T's parent chain (T may be NULL: no
 * ancestors), else the first one; ties go to the service listed first,
 * then to placement order. Its index in P, or -1 if those services have no
 * instance. */
long place_near(const struct placement *p, const struct topology *t,
		const struct world *w, size_t inst, const size_t *svcs,
		size_t n_svcs);

/* The same for a node rather than an instance: the instance nearest to
 * node NODE of W (a workload's client) among the instances of SVCS, by the
 * same ranks and ties. place_near() is this for its instance's node. */
long place_near_node(const struct placement *p, const struct topology *t,
		     const struct world *w, size_t node, const size_t *svcs,
		     size_t n_svcs);

/* How many instances service SVC has in P. */
size_t place_count(const struct placement *p, size_t svc);

/* Bytes the instances of P need by their services' `memory` figures. */
unsigned long long place_memory(const struct placement *p,
				const struct stack *s);

#endif
