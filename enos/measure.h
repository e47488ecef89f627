/* measure — the RTT of every ordered site pair of a world, measured from
 * one endpoint per site (measure_endpoints) with the UDP echo probe (workloads/probe.c), compared
 * with the target the WAN table gives, and stored as a run's results.
 * Shared by `enos run` and `enos tc --test`.
 */
#ifndef ENOS_MEASURE_H
#define ENOS_MEASURE_H

#include <stdbool.h>
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
	/* Also measure inside each site whose lan is shaped
	 * (world_site.lan_shaped): from its endpoint to each of its other
	 * nodes the probe can enter, and to its gateway; rows with
	 * report_rtt.lan set (`enos tc --test`). */
	bool lan;
};

/* Where the probe of one site runs: the first node whose backend shares
 * a network namespace the probe can enter (netns, lxc), else, for a site
 * of VMs only, the site's gateway (on the same LAN, one hop before the
 * VMs). Names are borrowed from the world. */
struct measure_endpoint {
	const char *node;       /* node name, or "gw.SITE" for the gateway;
				 * NULL: the site has no node */
	const char *netns;      /* the namespace the probe enters */
	uint32_t addr;          /* host byte order */
	bool gateway;
	const char *first;      /* the site's first node, NULL if none */
	const char *first_backend;      /* its backend's name */
};

/* The endpoint of every site of W into EP (W->n_sites entries). Pure.
 * Returns 0, or -EINVAL for a node of no site. */
int measure_endpoints(const struct world *w, struct measure_endpoint *ep);

/* Measure every ordered pair of sites of W that both have a node. TAB (may
 * be NULL: no targets) gives each pair's target RTT and cut: node to node,
 * so a site whose lan is shaped adds its LAN RTT (resolve_node_rtt_ms).
 * With O->lan, the intra-site pairs follow (see measure_opts.lan). *ROWS
 * is allocated (free()), its names borrowed from W. Returns 0 or -errno. */
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
