/* fault — faults as enos applies them: parse the command-line form that
 * `enos fault` takes and the database keeps, render a topology's timeline
 * faults into that form, and build the WAN table of an experiment with its
 * active faults on top of its resolved constraints.
 *
 * Forms (site lists are names, base names of counted sites, or role:X):
 *   partition A,B / C,D   cut every pair between the two groups, both ways
 *   partition A,B         cut A,B from every other site
 *   set SRC DST KEY=VALUE...  change SRC -> DST and DST -> SRC, KEY one of
 *       delay rtt jitter distribution correlation loss loss_burst rate queue
 *       (SRC and DST are selectors: a site, a base name, role:X or *)
 * Pure: no I/O.
 */
#ifndef ENOS_FAULT_H
#define ENOS_FAULT_H

#include <stdbool.h>
#include <stddef.h>

#include "emulator/shape.h"
#include "enos/topo.h"

/* One parsed fault. */
struct live_fault {
	enum fault_action action;       /* FAULT_PARTITION or FAULT_SET */
	bool *group_a;                  /* partition: n_sites flags */
	bool *group_b;                  /* partition: n_sites flags */
	struct fault set;               /* set: selectors and constraint */
};

/* Parse ARGV[0..ARGC) (e.g. {"partition", "a,b", "/", "c"}) against T.
 * Returns 0, or -EINVAL with *ERR an allocated message naming the bad
 * word and a hint. Release with live_fault_release. */
int fault_parse(const struct topology *t, int argc, char *const argv[],
		struct live_fault *f, char **err);

/* Parse the one-line form DETAIL ("partition a,b / c") the same way. */
int fault_parse_line(const struct topology *t, const char *action,
		     const char *detail, struct live_fault *f, char **err);

void live_fault_release(struct live_fault *f);

/* Apply F onto TAB (T's sites). */
void fault_apply(const struct topology *t, const struct live_fault *f,
		 struct shape_table *tab);

/* Render timeline fault F of T into the command-line detail (the part after
 * the action word), allocated. NULL on allocation failure. */
char *fault_render(const struct topology *t, const struct fault *f);

/* Render the detail of parsed ARGV (after the action word) as one line. */
char *fault_join(int argc, char *const argv[]);

#endif
