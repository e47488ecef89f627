/* html — the HTML report of one run: its facts; the target and measured
 * RTT matrices and their difference as gnuplot heatmaps and the error of
 * every pair against the accuracy bound; when the run has workload
 * operations (issue 11), per workload the per-site percentiles (a table
 * and a bar chart of p50/p90/p99 per client site), a latency CDF per op,
 * and a timeline of operations (start vs latency, failures marked) with
 * the fault windows shaded; the WAN traffic per site pair and service,
 * bytes per operation and the service that dominates; the faults.
 *
 * Figures are PNG and SVG files, the SVG also inlined (or, when too large,
 * the PNG as a data: URI) so the page loads no external resource. Every
 * figure is drawn by one gnuplot run on report.gp from the .tsv data
 * files beside it, names passed as data (plot.h); the page escapes every
 * name it shows.
 */
#ifndef REPORTS_HTML_H
#define REPORTS_HTML_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "reports/page.h"
#include "reports/rtt.h"
#include "reports/series.h"
#include "reports/workload.h"

struct report_fault {
	const char *action;
	const char *detail;
	double applied;         /* unix time */
	double removed;         /* NaN: still active */
};

struct report_input {
	const char *experiment;
	int64_t run;
	const char *run_kind;
	const char *outcome;
	int64_t started, ended;         /* unix time; 0: not known */
	bool has_seed;
	uint64_t seed;
	const char **sites;             /* names in matrix order */
	size_t n_sites;
	const struct report_rtt *rows;  /* ordered pairs measured */
	size_t n_rows;
	const struct report_fault *faults;
	size_t n_faults;
	const struct report_fact *facts;
	size_t n_facts;
	double tolerance_pct;           /* a pair is within bound when */
	double tolerance_ms;            /* |p50 - target| <= max(pct, ms) */
	/* Workloads: every operation of the run (by start), the stored
	 * summaries (by workload, op, site "*" first), the WAN traffic
	 * (n_traffic 0: none counted). All may be empty. */
	const struct report_wlop *ops;
	size_t n_ops;
	const struct report_wlsum *sums;
	size_t n_sums;
	const struct report_traffic *traffic;
	size_t n_traffic;
	const struct report_wlvalue *values;    /* by workload, op, unit */
	size_t n_values;
	bool results_json;              /* DIR/results.json is written beside
					 * the page: link it */
	/* Pairs measured over time (`tc --test --over`, reports/series.h);
	 * n_series 0: none. */
	const struct report_series *series;
	size_t n_series;
	const struct report_extras *extras;     /* files, topology; may be NULL */
	const char *up_link;            /* a page this one belongs to (a
					 * campaign's index.html), or NULL */
};

/* Write DIR/index.html (DIR made if needed), its figures and their data
 * for IN: {target,measured,error}.{tsv,png,svg} when IN has RTT rows;
 * wl-cdf-K, wl-sites-K (K: the (workload, op) pairs in report_wl_keys
 * order, from 1) and wl-timeline-W (W: the workloads in that order, from
 * 1) .{tsv,png,svg} when it has operations; traffic.tsv when it has
 * traffic; labels.tsv, report.gp and gnuplot.log; the CSV exports
 * ops.csv, summaries.csv, values.csv and traffic.csv; the extras' files
 * and topology drawing (topology.{dot,svg,png}, dot.log). GNUPLOT is the program
 * to run ("gnuplot"). Returns 0 or -errno; on failure *ERR (may be NULL)
 * holds an allocated reason. */
int report_html_write(const char *dir, const struct report_input *in,
		      const char *gnuplot, char **err);

/* Is ROW within the bound of IN (p50 against target)? Rows without a
 * target are within bound. */
int report_within(const struct report_input *in, const struct report_rtt *row);

#endif
