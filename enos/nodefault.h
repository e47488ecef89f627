/* nodefault — faults on one node, as Fogify's actions change a running
 * node: its cpu and memory limits now (vertical scaling), frozen (every
 * process stopped at once: it stops answering, a partial failure no
 * partition shows), crashed (every process killed: its services show
 * failed until `enos service start`), stressed (a load generator,
 * stress-ng, started in it). Live (`enos fault cpu|memory|freeze|thaw|
 * crash|stress|clear`) and on the `faults:` timeline (enos/timeline.c),
 * recorded in the faults table with their times like the WAN faults
 * (enos/inject.c), with the node, the amount and a stress's pid.
 *
 * Each acts through the node's backend ops (emulator/node.h: set_limits,
 * freeze, kill_all, spawn): netns nodes through their cgroup, lxc and qemu
 * through libvirt. Ending a fault (clear, thaw, its `for:`) recomputes the
 * node from its profile and the faults still active on it
 * (nodefault_state: the latest cpu and memory win; frozen while any freeze
 * is), as the WAN is rebuilt from its constraints and the active faults.
 * `down` ends them all first (nodefault_down): stressors stopped, nodes
 * thawed, so that their processes can be stopped and their cgroups go.
 *
 * Command-line forms:
 *   cpu NODE CORES       its cpu limit now CORES host cores (0.1)
 *   memory NODE SIZE     its memory limit now SIZE (256MiB)
 *   freeze NODE          stop it; thaw NODE resumes it
 *   crash NODE           kill every process in it
 *   stress NODE cpu=N    N CPU workers of stress-ng in it
 *   clear [NODE]         end the node faults (on NODE), restoring it
 */
#ifndef ENOS_NODEFAULT_H
#define ENOS_NODEFAULT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "enos/topo.h"

struct enos_ctx;
struct shaped_exp;
struct state_fault;
struct world;
struct world_node;

/* The load generator a stress runs (Debian's stress-ng, in the Makefile's
 * DEBS). */
#define NODEFAULT_STRESS_PROG "stress-ng"
/* At most this many stress workers. */
#define NODEFAULT_STRESS_MAX 256

/* One node fault as applied. */
struct node_fault {
	enum fault_action action;       /* FAULT_CPU ... FAULT_STRESS */
	const struct world_node *node;  /* of the experiment's world */
	uint64_t amount;                /* cpu: host cores x 1000; memory:
					 * bytes; stress: workers */
};

/* Is A a node fault (cpu, memory, freeze, thaw, crash, stress)? */
bool nodefault_is(enum fault_action a);

/* The action WORD names ("freeze"), any of enum fault_action's; -1 if
 * none. */
int nodefault_action(const char *word);

/* Parse ARGV[0..ARGC) ({"cpu", "edge-1-0", "0.1"}) against the nodes of
 * W. Returns 0, or -EINVAL with *ERR an allocated message naming the bad
 * word with a hint, or -ENOMEM. Pure. */
int nodefault_parse(const struct world *w, int argc, char *const argv[],
		    struct node_fault *f, char **err);

/* Timeline fault TF (a node fault) as applied to the nodes of W: -EINVAL
 * with *ERR when its node is not in W (the topology changed since up). */
int nodefault_of_topology(const struct world *w, const struct fault *tf,
			  struct node_fault *f, char **err);

/* F's display text after its action ("edge-1-0 0.1", "edge-1-0 cpu=2"),
 * allocated; NULL without memory. */
char *nodefault_detail(const struct node_fault *f);

/* What node N is to be: its profile, overridden by the active faults
 * among ROWS[0..N_ROWS) (in record order) that are on N. */
struct node_state {
	uint32_t cpu_milli;             /* 0: no limit */
	uint64_t memory_bytes;          /* 0: no limit */
	bool frozen;
};
void nodefault_state(const struct world_node *n, const struct state_fault *rows,
		     size_t n_rows, struct node_state *st);

/* Apply F to E, recorded in RUN (0: none) with DETAIL as its text; *ID
 * (may be NULL) its record. A crash is recorded as removed at once. If it
 * cannot be applied the record ends at once. Prints errors. 0 or -errno. */
int nodefault_inject(struct enos_ctx *ctx, struct shaped_exp *e,
		     const struct node_fault *f, const char *detail,
		     int64_t run, int64_t *id);

/* End E's active node faults: fault ID only if ID > 0, else those on NODE
 * (NULL: every node), only freezes if ONLY_FREEZE; then restore each node
 * they touched (nodefault_state) and stop their stressors. *ENDED (may be
 * NULL) counts them. Prints errors. 0 or -errno. */
int nodefault_end(struct enos_ctx *ctx, struct shaped_exp *e, int64_t id,
		  const struct world_node *node, bool only_freeze,
		  size_t *ended);

/* For `down` of NAME (world W): stop every active stress's load generator,
 * thaw every node an active freeze holds (a kill -9'd enos's included),
 * end their records. What fails is warned about: the sweep after it kills
 * and removes whatever is left. */
void nodefault_down(struct enos_ctx *ctx, const char *name,
		    const struct world *w);

#endif
