/* sweep — the sweep language (benchmarks/NAME.yaml): a topology, axes whose
 * cross product is run, repetitions, seeds and the run order.
 *
 *   name: wan-openstack
 *   topology: ../topologies/openstack-fog.yaml   # relative to this file
 *   axes:                                          # PATH: [VALUE, ...]
 *     network.constraints[0].rtt: [0ms, 20ms, 50ms, 100ms, 200ms]
 *     stack.strategy: [central, regional-cells]
 *   repeat: 5                                      # default 1
 *   seed: 1                                        # default 0
 *   order: shuffled                                # sequential | blocked (default shuffled)
 *   workload: {name: boot-delete, times: 10}       # optional: replaces the topology's
 *   ci: ...                                        # optional: kept for enos/ci (opaque here)
 *
 * An axis is a path into the topology's YAML (see sweep_path_parse) and a
 * list of values, each any YAML value. A point is one value per axis; the
 * points are the cross product in file order (the first axis varies
 * slowest). A point is applied by editing the topology's libyaml document
 * (sweep_point_text: every axis's value put at its path, the pair's seed
 * as `seed:`) and emitting it again with libyaml's emitter, so anchors,
 * aliases and merge keys keep working; the result is validated by the
 * topology loader itself (enos/topo.h), whose message then follows the
 * FILE:LINE:COL of the axis or the value in the sweep file.
 *
 * This module is pure: it reads the two files, never prints, and knows
 * nothing of the state database or of running a point (enos/sweep_loop.h
 * does the bookkeeping, enos/sweep_world.h brings a point's world up).
 */
#ifndef ENOS_SWEEP_H
#define ENOS_SWEEP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <yaml.h>

#include "util/yload.h"

struct topology;

/* Bounded work for bounded input, checked before anything is expanded. */
#define SWEEP_AXES_MAX     32
#define SWEEP_VALUES_MAX   1000         /* per axis */
#define SWEEP_POINTS_MAX   10000
#define SWEEP_PAIRS_MAX    100000       /* points x repeat */
#define SWEEP_REPEAT_MAX   1000
#define SWEEP_PATH_MAX     256          /* bytes of a path */
#define SWEEP_SEGS_MAX     16           /* keys and indexes in a path */
#define SWEEP_INDEX_MAX    65535
#define SWEEP_PLACES_MAX   64           /* places one path names through index lists */
#define SWEEP_VALUE_NODES  4096         /* nodes one structured value copies */

enum sweep_order { SWEEP_SHUFFLED, SWEEP_SEQUENTIAL, SWEEP_BLOCKED };

/* What moving from one point to the next costs, cheapest first: the
 * world is kept (WAN values changed: shaping applied again, the workload
 * run again), the stack is deployed again (its name or strategy changed),
 * or the world is built again (anything else). */
enum sweep_action { SWEEP_REUSE, SWEEP_REDEPLOY, SWEEP_REBUILD };

/* "reuse", "redeploy", "rebuild" (static). */
const char *sweep_action_name(enum sweep_action a);

/* One step of a path: a mapping key, or a sequence index (key NULL);
 * an index list (`[3,4]`) holds its first index in INDEX and the others
 * in ALSO. */
struct sweep_seg {
	char *key;
	size_t index;
	size_t *also;           /* the other indexes of a list, N_ALSO of them */
	size_t n_also;
	size_t offset;          /* of the step in the path text, from 0 */
};

struct sweep_path {
	struct sweep_seg *segs;
	size_t n;
	char *text;             /* canonical: "network.constraints[0].rtt" */
};

/* Parse TEXT: KEY or KEY[INDEX]... steps joined by '.', a key being
 * A-Z, a-z, 0-9, '_' and '-', an index 0 to SWEEP_INDEX_MAX
 * ("network.constraints[0].rtt", "sites[3].count"). An index step may
 * list several indexes ("sites[3,4].profile"): the path then names each
 * of those items, and a value is put at every place it names (at most
 * SWEEP_PLACES_MAX, an index listed once). Returns 0, or -EINVAL
 * with *WHY an allocated message and *AT the offset it points at (both
 * may be NULL), or -ENOMEM. Release *P with sweep_path_release (also after
 * a failure). */
int sweep_path_parse(const char *text, struct sweep_path *p, size_t *at,
		     char **why);
void sweep_path_release(struct sweep_path *p);

/* What a change of the value at path P costs: network.default,
 * network.constraints, network.matrix, workload and faults are read
 * again on a kept world (REUSE: the first three are its shaping, the last
 * two run with the workload); stack is a REDEPLOY; anything else a
 * REBUILD. */
enum sweep_action sweep_path_action(const struct sweep_path *p);

/* Put a copy of node VALUE of document SRC at path P of document DOC (at
 * each place P names, in the order its lists are written).
 * Keys and indexes must exist, except the last key of a path, which is
 * added to its mapping when missing (the topology loader then says
 * whether it is a key it knows). A key merged in by "<<" is set in the
 * mapping itself (its own keys win). A mapping or sequence reached
 * through an alias (shared) is copied before it is changed, so the path
 * changes only what it names. Returns 0, or -EINVAL with *WHY an
 * allocated message and *SEG the step it is about, or -ENOMEM (*WHY
 * NULL). DOC's node pointers are invalid afterwards (libyaml may move its
 * node array); ids stay. */
int sweep_path_apply(yaml_document_t *doc, const struct sweep_path *p,
		     yaml_document_t *src, const yaml_node_t *value,
		     size_t *seg, char **why);

/* Node N of SRC in flow style, for labels and records: a scalar as
 * written (double-quoted when it holds YAML punctuation), "{k: v}",
 * "[a, b]". Allocated; NULL when out of memory. */
char *sweep_value_text(yaml_document_t *src, const yaml_node_t *n);

struct sweep_axis {
	struct sweep_path path;
	enum sweep_action action;       /* sweep_path_action */
	const yaml_node_t *key;         /* the path as written */
	const yaml_node_t **values;     /* in the sweep's document */
	char **texts;                   /* sweep_value_text of each value */
	size_t n_values;
};

struct sweep {
	struct yload y;                 /* the sweep file: y.label its path, y.doc its document */
	char *text;                     /* the sweep file as read */
	char *name;
	char *topo_path;                /* as resolved: relative to the sweep file */
	char *topo_dir;                 /* resolves the topology's own paths (matrix) */
	char *topo_text;                /* the topology file as read */
	char *exp;                      /* the topology's experiment name */
	uint64_t hash;                  /* sweep_hash of the two texts */
	struct sweep_axis *axes;
	size_t n_axes;
	size_t n_points;                /* product of the axes' values */
	unsigned repeat;
	uint64_t seed;
	enum sweep_order order;
	const yaml_node_t *workload;    /* replaces the topology's, or NULL */
	/* `ci:` as written, for the CI checks (enos/ci): this module takes
	 * any value and never reads it; read it with the getters of
	 * util/yload.h on &sweep->y, so its messages are FILE:LINE:COL of the
	 * sweep file. NULL if absent. */
	const yaml_node_t *ci;
};

/* Load the sweep file at PATH: its keys, the topology file it names,
 * every axis path (parsed, not yet applied), the limits; and the topology
 * with the sweep's workload and a seed, through the topology loader. Does
 * not apply the axes: sweep_validate() does. Returns the sweep, or NULL
 * with *ERR an allocated "FILE:LINE:COL: message". */
struct sweep *sweep_load(const char *path, char **err);

/* Same from TEXT, LABEL naming it and DIR (NULL: ".") resolving the
 * topology path. */
struct sweep *sweep_load_string(const char *text, const char *label,
				const char *dir, char **err);

void sweep_free(struct sweep *s);

/* Does TEXT look like a sweep file rather than a topology: a mapping at
 * the top with an `axes` or a `topology` key (no topology has either)? A
 * file that does not parse is not one: the topology loader reports it. */
bool sweep_sniff(const char *text, size_t len);

/* FNV-1a 64 of the sweep file's text, a NUL, and the topology file's
 * text: what a resume compares to tell that the files changed. */
uint64_t sweep_hash(const char *sweep_text, const char *topo_text);

/* The value index of each axis of POINT into IDX[0..n_axes). */
void sweep_point_values(const struct sweep *s, size_t point, size_t *idx);

/* "PATH=VALUE, PATH=VALUE" for POINT (allocated, NULL when out of
 * memory). */
char *sweep_point_label(const struct sweep *s, size_t point);

/* The seed of repetition REP of POINT (both from 0) of a sweep seeded
 * SEED, with sm(x) the output of splitmix64 whose state was x (one step:
 * z = x + 0x9E3779B97F4A7C15; z = (z ^ z >> 30) * 0xBF58476D1CE4E5B9;
 * z = (z ^ z >> 27) * 0x94D049BB133111EB; z ^ z >> 31):
 *   sm(sm(sm(SEED) ^ POINT) ^ REP)
 * Pure arithmetic on 64-bit integers: the same on every run and host. */
uint64_t sweep_pair_seed(uint64_t seed, size_t point, unsigned rep);

/* sm(x) above. */
uint64_t sweep_splitmix64(uint64_t x);

/* The PRNG of the shuffle: splitmix64's sequence from a state. */
struct sweep_rng {
	uint64_t state;
};
uint64_t sweep_rng_next(struct sweep_rng *r);
/* The name of ORDER as the sweep file spells it. */
const char *sweep_order_name(enum sweep_order order);

/* Uniform in [0, BOUND) (BOUND > 0), unbiased: draws below 2^64 mod BOUND
 * are drawn again. */
uint64_t sweep_rng_below(struct sweep_rng *r, uint64_t bound);

/* One (point, repetition) pair in run order, with the step that leads to
 * it from the pair before (the first pair: SWEEP_REBUILD). */
struct sweep_pair {
	size_t point;
	unsigned rep;
	uint64_t seed;
	enum sweep_action action;
};

/* The action between POINT A and POINT B: the costliest of the axes whose
 * values differ; SWEEP_REUSE for the same point. */
enum sweep_action sweep_step_action(const struct sweep *s, size_t a,
				    size_t b);

/* Every pair of S in run order into *PAIRS (allocated, *N of them).
 * Shuffled: the pairs (point-major, repetition-minor) permuted by
 * Fisher-Yates, i from N-1 down to 1 swapping i with
 * sweep_rng_below(i + 1), the rng's state being S's seed. Sequential: the
 * pairs sorted so that rebuilds, then redeploys, are fewest: by the
 * values of the REBUILD axes, then the REDEPLOY axes, then the REUSE
 * axes (each in file order, by value index), then the repetition.
 * Blocked (a randomized complete block design): repetition R is block R,
 * run whole before block R+1; within a block, the groups of points that
 * share a deployment (equal REBUILD and REDEPLOY axis values) come in an
 * order drawn for that block, and a group's points in an order drawn
 * too, so drift spreads over every point while the stack is deployed
 * once per group and block. Returns 0 or -ENOMEM. */
int sweep_plan(const struct sweep *s, struct sweep_pair **pairs, size_t *n);

/* Set the action of PAIRS[0..N) for running them in this order: the
 * first SWEEP_REBUILD, each other sweep_step_action from the one before.
 * (A resume runs what is left, in its recorded order.) */
void sweep_plan_actions(const struct sweep *s, struct sweep_pair *pairs,
			size_t n);

/* The topology of POINT with SEED as YAML text (*TEXT allocated): the
 * topology file with the sweep's workload, every axis's value and
 * `seed: SEED`. ABSOLUTE: a relative network.matrix.file is made absolute
 * (the text is written elsewhere than the topology). Returns 0, or
 * -EINVAL with *ERR an allocated "FILE:LINE:COL: message" at the axis that
 * could not be applied, or -ENOMEM. */
int sweep_point_text(const struct sweep *s, size_t point, uint64_t seed,
		     bool absolute, char **text, char **err);

/* An extra check of a loaded point (enos check: the stack has the
 * strategy): NULL, or an allocated message. */
typedef char *(*sweep_check_fn)(void *arg, const struct topology *t);

/* Apply and validate every point before anything runs, through the
 * topology loader and CHECK (may be NULL). A point that fails is blamed on
 * one of its values when that value alone (on the topology with the
 * sweep's workload) fails with the same message: the error points at the
 * value; else on the combination: the error points at the first axis and
 * names the point. Returns 0, or -EINVAL with *ERR "FILE:LINE:COL: PATH:
 * message" (the topology's message without its own position when it is
 * about the generated text), or -ENOMEM. */
int sweep_validate(const struct sweep *s, sweep_check_fn check, void *arg,
		   char **err);

/* Seconds one pair's phases took in past runs (NaN: no history; 0: the
 * phase is not part of the point, e.g. no stack). */
struct sweep_cost {
	double up_s;
	double deploy_s;
	double workload_s;
};

/* The duration of PAIRS[0..N) in order (their actions): a rebuild costs
 * up + deploy + workload, a redeploy deploy + workload, a reuse the
 * workload; COST is indexed by point. Returns seconds, or NaN with
 * *MISSING (may be NULL) naming the first phase whose figure is missing
 * ("up", "deploy", "workload"). */
double sweep_estimate(const struct sweep_pair *pairs, size_t n,
		      const struct sweep_cost *cost, const char **missing);

#endif
