/* resolve — constraint resolution: what the WAN does to each ordered pair
 * of sites, from the topology's `network` section.
 *
 * topo.c hands over the validated model (defaults, the matrix as written,
 * the rules in file order, `set` faults); this module turns it into the
 * struct shape_table of emulator/shape.h that the shaping backends apply.
 * For each ordered pair of distinct sites, each field is taken from, lowest
 * to highest precedence: network.default, the matrix (delay only), then the
 * constraint rules in file order, a later rule overriding an earlier one
 * field by field (a rule that sets only loss keeps the delay it found).
 * Faults of action `set` apply on top at run time with the same semantics
 * as a rule (resolve_fault_set).
 *
 * Pure computation: no I/O, no globals. `enos check --pairs` prints the
 * result (enos/cmd/check.c).
 */
#ifndef ENOS_RESOLVE_H
#define ENOS_RESOLVE_H

#include <stdbool.h>
#include <stddef.h>

#include "emulator/shape.h"
#include "enos/topo.h"

/* Resolve every ordered site pair of T into OUT, which this function
 * initialises with shape_table_init(OUT, T->n_sites): OUT must not hold a
 * table (a zeroed struct or one already released). Nothing is cut.
 *
 * Matrix of kind rtt: the pair's target RTT is the mean of its two cells,
 * each direction gets half of it; kind delay: each cell is its direction's
 * one-way delay. NaN cells (sites the matrix does not cover) keep the
 * default. The diagonal (a site to itself) stays a plain wire: rules
 * apply only between different sites, the inside of a site is its `lan`.
 *
 * Fields are kept as resolved: a distribution or correlation with zero
 * jitter, or a loss burst with zero loss, stays in the table and means
 * nothing to a backend.
 *
 * Returns 0, -EINVAL if T has no sites, or -ENOMEM. On failure OUT is
 * released (zeroed); on success the caller releases it with
 * shape_table_release(). */
int resolve_pairs(const struct topology *t, struct shape_table *out);

/* resolve_pairs, asking STOP(ARG) before each rule whether to go on (a
 * rule costs up to a pass over every pair: `up`, which holds Ctrl-C while
 * it builds, looks for a pending signal there). When STOP returns true:
 * -EINTR, OUT released. STOP NULL: never stops. */
int resolve_pairs_until(const struct topology *t, struct shape_table *out,
			bool (*stop)(void *arg), void *arg);

/* Apply fault F (action `set`) of topology T onto TAB, a table of
 * T->n_sites sites (normally from resolve_pairs): its constraint
 * overrides, field by field, every ordered pair (s, d) of distinct sites
 * with s matching F->src and d matching F->dst, and the reverse pairs too
 * (a set fault is symmetric, as a rule is by default).
 *
 * CHANGED, if not NULL, is an array of TAB->n * TAB->n flags (src * n +
 * dst): the pairs touched are set to true, others are left as they are,
 * so a caller can re-apply just those (shape_ops.set_pair).
 *
 * Returns 0, -EINVAL if F is not a `set` fault or TAB does not have
 * T->n_sites sites (TAB is then untouched), or -ENOMEM. */
int resolve_fault_set(const struct topology *t, const struct fault *f,
		      struct shape_table *tab, bool *changed);

/* The same with the sides as flags over TAB's sites (TAB->n each): C
 * onto every pair (s, d), s != d, with s in A and d in B or s in B and d
 * in A. What a set fault does, however it was given (enos/fault.c). */
void resolve_set_sides(const bool *a, const bool *b,
		       const struct constraint *c, struct shape_table *tab,
		       bool *changed);

/* The target RTT of the pair (A, B) in TAB, in milliseconds: the one-way
 * delay A -> B plus B -> A (jitter and queueing not included). A and B
 * must be below TAB->n. */
double resolve_target_rtt_ms(const struct shape_table *tab, size_t a,
			     size_t b);

/* Each site's `lan` of T into TAB->lan (zero for a site without one);
 * resolve_pairs does it. Sites' LANs take no part in the precedence: a
 * `lan` is the one block that says it. */
void resolve_lan(const struct topology *t, struct shape_table *tab);

/* The target RTT between two hosts of site A's LAN (two nodes, or a node
 * and its gateway), in milliseconds: twice the lan's one-way delay. */
double resolve_lan_rtt_ms(const struct shape_table *tab, size_t a);

/* The target RTT between a node of site A and a node of site B: A == B,
 * the LAN's (resolve_lan_rtt_ms); else the WAN pair's target plus both
 * sites' LAN RTTs (a frame crosses A's LAN, the WAN, then B's LAN). Only
 * for sites whose lan is shaped; others have a zero lan. */
double resolve_node_rtt_ms(const struct shape_table *tab, size_t a, size_t b);
/* The target RTT of the pair (A, B) in TAB for a probe sent OFFSET_US
 * after the traces' start (shape_table.trace_start_us), in milliseconds:
 * the delay A -> B in force then, plus the delay B -> A in force when it
 * arrives there. A direction without a trace keeps its constant delay, so
 * this is resolve_target_rtt_ms for a table without traces. */
double resolve_target_rtt_at_ms(const struct shape_table *tab, size_t a,
				size_t b, uint64_t offset_us);

/* The trace whose delay direction A -> B of TAB follows, else the one
 * B -> A follows, else NULL (the pair's RTT is constant). */
const struct trace *resolve_pair_trace(const struct shape_table *tab,
				       size_t a, size_t b);

#endif
