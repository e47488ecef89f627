/* measure — the RTT of every ordered site pair of a world, measured from
 * one node per site with the UDP echo probe (workloads/probe.c), compared
 * with the target the WAN table gives, and stored as a run's results.
 * Shared by `enos run` and `enos tc --test`.
 */
#ifndef ENOS_MEASURE_H
#define ENOS_MEASURE_H

#include <stddef.h>
#include <stdint.h>

#include "emulator/shape.h"
#include "emulator/world.h"
#include "reports/rtt.h"

struct state;

struct measure_opts {
	unsigned samples;       /* probes per pair */
	unsigned interval_ms;   /* between a pair's probes */
	double tolerance_pct;   /* bound on |p50 - target|: */
	double tolerance_ms;    /* max(pct of target, ms) */
};

/* Measure every ordered pair of sites of W that both have a node. TAB (may
 * be NULL: no targets) gives each pair's target RTT and cut. *ROWS is
 * allocated (free()), its names borrowed from W. Returns 0 or -errno. */
int measure_sites(const struct world *w, const struct shape_table *tab,
		  const struct measure_opts *o, struct report_rtt **rows,
		  size_t *n);

/* Store ROWS and the bound of O as results of RUN. */
void measure_store(struct state *st, int64_t run, const struct measure_opts *o,
		   const struct report_rtt *rows, size_t n);

/* Record what the report's summary shows of world W, built from the
 * topology at TOPO_PATH, as facts of RUN: the file, counts, and one
 * "site NAME" fact per site (role, prefix, nodes). */
void measure_store_world(struct state *st, int64_t run, const struct world *w,
			 const char *topo_path);

/* Is ROW within the bound of O (or, cut, fully lost)? */
int measure_within(const struct measure_opts *o, const struct report_rtt *row);

#endif
