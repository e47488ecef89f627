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
#include "workloads/probe.h"

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
 * so a site whose lan is shaped adds its LAN RTT (resolve_node_rtt_ms); a
 * pair that follows a trace gets none (NaN: measure_series measures it).
 * With O->lan, the intra-site pairs follow (see measure_opts.lan). *ROWS
 * is allocated (free()), its names borrowed from W. Returns 0 or -errno. */
int measure_sites(const struct world *w, const struct shape_table *tab,
		  const struct measure_opts *o, struct report_rtt **rows,
		  size_t *n);

/* measure_sites in three steps, so that the probes of a world spread over
 * several hosts run on each pair's source host (enos/phase_hosts.c):
 * measure_plan_make lists the pairs with their rows (targets, names) and
 * site indexes, measure_probe runs them (here, or on a host), and
 * measure_plan_rows fills the rows from the pairs' results. */
struct measure_plan {
	struct probe_pair *pairs;
	struct report_rtt *rows;        /* names borrowed from the world */
	size_t *src, *dst;              /* each pair's sites (a LAN pair's
					 * are the same) */
	size_t n;
	struct probe_opts po;           /* samples, interval, timeout */
};

/* The pairs measure_sites measures into *P. Returns 0 or -errno. */
int measure_plan_make(const struct world *w, const struct shape_table *tab,
		      const struct measure_opts *o, struct measure_plan *p);

/* Probe PAIRS[0..N) with PO as measure_sites does: two warm-up probes a
 * pair (neighbour discovery is not the WAN's tail), then PO's, at
 * real-time priority when allowed. Returns 0 or -errno (probe_rtt). */
int measure_probe(struct probe_pair *pairs, size_t n,
		  const struct probe_opts *po);

/* Fill P's rows from its pairs' results and hand them to *ROWS (free()),
 * *N rows. */
void measure_plan_rows(struct measure_plan *p, struct report_rtt **rows,
		       size_t *n);
void measure_plan_release(struct measure_plan *p);

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

/* One ordered pair's RTT over time (`enos tc --test --over`): a probe
 * every interval, each with its send time, the target then and what it
 * measured. */
struct measure_series {
	const char *src, *dst;  /* site names, borrowed from the world */
	size_t a, b;            /* their indexes */
	size_t n;               /* samples */
	double *at_s;           /* send time, s after the traces' start (or
				 * after the first probe, without traces) */
	double *target_ms;      /* the target then (resolve_target_rtt_at_ms) */
	double *rtt_ms;         /* measured; NaN: lost */
	bool traced;            /* the pair's delay follows a trace */
	/* A spread world's hosts of src and dst (NULL on one host,
	 * borrowed), and whether the pair goes through the tunnel. */
	const char *src_host, *dst_host;
	bool cross_host;
	/* Per step of the trace (a constant pair is one step): the steps
	 * with settled samples, how many of them have their p50 within the
	 * bound, and the largest |p50 - target| among them (ms, and in %
	 * of that step's target). measure_series_steps fills them. */
	unsigned steps, steps_within;
	double worst_err_ms, worst_err_pct;
};

/* Probe every ordered pair of W (both with a node) every O->interval_ms
 * for OVER_MS, recording each probe (its send time on CLOCK_REALTIME
 * against TRACE_START_US, 0: none). TAB gives the targets. *OUT is
 * allocated (measure_series_free), names borrowed from W. Returns 0 or
 * -errno. */
int measure_series(const struct world *w, const struct shape_table *tab,
		   uint64_t trace_start_us, unsigned over_ms,
		   const struct measure_opts *o, struct measure_series **out,
		   size_t *n);

/* The end of measure_series once S[0..N)'s probes are in (at_s the
 * send times on CLOCK_REALTIME, 0: not sent; rtt_ms): keep the sent
 * probes, times from TRACE_START_US (0: the first send of all), each
 * probe's target from TAB, then the per-step figures. Used as well for
 * the series each host of a spread world measured (enos/phase_hosts.c). */
void measure_series_finish(const struct shape_table *tab,
			   uint64_t trace_start_us, const struct measure_opts *o,
			   struct measure_series *s, size_t n);

/* Fill S's per-step figures from its samples (pure). A step's samples
 * are those sent while it is in force; the settled ones are sent at least
 * the previous step's RTT after it began (the engine never reorders, so
 * a probe right after a drop in delay waits behind those sent before it)
 * and answered, by the target, before it ends. A step with no settled
 * sample answered is not counted. */
void measure_series_steps(const struct shape_table *tab,
			  const struct measure_opts *o,
			  struct measure_series *s);

/* Store the series of S[0..N) as results of RUN: per sample the metrics
 * rtt_series_at (s), rtt_series_target and rtt_series (ms; NULL when
 * lost), in order, and per pair trace_steps, trace_steps_within,
 * trace_step_worst_error (ms). */
void measure_series_store(struct state *st, int64_t run,
			  const struct measure_series *s, size_t n);

void measure_series_free(struct measure_series *s, size_t n);

#endif
