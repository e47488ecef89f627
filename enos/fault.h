/* fault — faults as enos applies them: a partition, or a `set` of
 * constraint fields, between two sides of sites. Parse the command-line
 * form that `enos fault` takes, turn a topology's timeline fault or a
 * recorded one into the same struct live_fault, and apply it onto a WAN
 * table.
 *
 * Command-line forms (site lists are names, base names of counted sites,
 * or role:X):
 *   partition A,B / C,D   cut every pair between the two groups, both ways
 *   partition A,B         cut A,B from every other site
 *   set SRC DST KEY=VALUE...  change SRC -> DST and DST -> SRC, KEY one of
 *       the constraint language's (emulator/constraint.h), with its rules
 *       (SRC and DST are selectors: a site, a base name, role:X or *)
 * A fault is recorded structured (state_fault_add: its sides as site
 * names, its fields) with the text only for display. Pure: no I/O.
 */
#ifndef ENOS_FAULT_H
#define ENOS_FAULT_H

#include <stdbool.h>
#include <stddef.h>

#include "emulator/shape.h"
#include "enos/topo.h"

/* One fault as applied: two sides, as flags over the topology's sites. A
 * partition cuts every pair (a, b) and (b, a) with a in side A and b in
 * side B; a set applies CON to those same pairs, as a symmetric rule. */
struct live_fault {
	enum fault_action action;       /* FAULT_PARTITION, FAULT_SET, or a node
					 * fault's (recorded; touches no pair) */
	bool *group_a;                  /* n_sites flags: side A (set: SRC) */
	bool *group_b;                  /* n_sites flags: side B (set: DST) */
	struct constraint con;          /* set: the fields it changes */
};

/* Parse ARGV[0..ARGC) (e.g. {"partition", "a,b", "/", "c"}) against T.
 * Returns 0, or -EINVAL with *ERR an allocated message naming the bad
 * word and a hint, or -ENOMEM. Release with live_fault_release. */
int fault_parse(const struct topology *t, int argc, char *const argv[],
		struct live_fault *f, char **err);

/* Parse the one-line form DETAIL ("partition a,b / c") the same way: how
 * a fault recorded by schema v4, as text only, is read. */
int fault_parse_line(const struct topology *t, const char *action,
		     const char *detail, struct live_fault *f, char **err);

/* Fault F of T's `faults:` timeline (a partition or a set) as applied:
 * a partition's sites against every other site, a set's selectors.
 * Returns 0 or -ENOMEM. */
int fault_of_topology(const struct topology *t, const struct fault *tf,
		      struct live_fault *f);

/* A recorded fault: ACTION ("partition", "set"; a node fault's, such as
 * "freeze", gives empty sides: it touches no pair), the site names of its
 * two sides and, for a set, CON. Returns 0, or -EINVAL with *ERR (a name
 * that is no site of T, an unknown action), or -ENOMEM. */
int fault_of_record(const struct topology *t, const char *action,
		    char **sides[2], const size_t n_sides[2],
		    const struct constraint *con, struct live_fault *f,
		    char **err);

/* The site names of F's sides, for recording it: NAMES[i] (allocated,
 * free() the array only: the names are T's) of N[i]. -ENOMEM. */
int fault_sides(const struct topology *t, const struct live_fault *f,
		const char **names[2], size_t n[2]);

/* "partition", "set", ... "stress": the word of any action. */
const char *fault_action_name(enum fault_action a);

void live_fault_release(struct live_fault *f);

/* Apply F onto TAB (a table of the sites F was made for); a node fault
 * changes nothing. */
void fault_apply(const struct live_fault *f, struct shape_table *tab);

/* Render timeline fault F of T into the command-line detail (the part after
 * the action word), allocated, for display. NULL on allocation failure. */
char *fault_render(const struct topology *t, const struct fault *f);

/* Render the detail of parsed ARGV (after the action word) as one line. */
char *fault_join(int argc, char *const argv[]);

#endif
