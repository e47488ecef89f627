/* campaign — what the report of many runs computes: a sweep (its points
 * and repetitions, its strategies side by side when `stack.strategy` is
 * an axis), or runs or sweeps compared (`enos report --compare`).
 *
 * The runs are laid out on two dimensions:
 * - series: what is compared (the strategies of a sweep, or each run or
 *   sweep compared); series 0 is the reference the others are compared
 *   with;
 * - points (x): where they are compared (a sweep's other axes, e.g. its
 *   WAN RTT; a point label of the compared sweeps; one point for runs).
 * A run is one repetition of a (series, point) cell.
 *
 * A metric is one number per run: for each workload op, the run's median
 * latency over every client site (its stored summary's p50 at site "*");
 * for each op that measures a value (throughput), the run's median value
 * (the value summary's p50 at "*"). Over the repetitions of a cell, the
 * median with its distribution-free interval (stats_median_ci); between
 * two series at one point, the Hodges-Lehmann shift with the Mann-Whitney
 * interval (stats_compare) and its verdict (stats_comparison_describe).
 * When both cells are one run each (runs compared), the samples are that
 * run's operations instead, and the verdict says so: operations of one
 * run are not independent repetitions.
 *
 * Pure computation on plain data that enos/report_data.c fills from the
 * database; campaign_html.c draws and writes it. No I/O.
 */
#ifndef REPORTS_CAMPAIGN_H
#define REPORTS_CAMPAIGN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "reports/page.h"
#include "reports/stats.h"
#include "reports/workload.h"

struct strbuf;

/* One run of a campaign. Strings and arrays borrowed. */
struct campaign_run {
	int64_t run;
	size_t series;          /* index into campaign_input.series */
	size_t x;               /* index into campaign_input.x_labels */
	unsigned rep;           /* from 1; 0: not a repetition of a sweep */
	bool has_seed;
	uint64_t seed;
	const char *outcome;    /* NULL: still open */
	const char *page;       /* its own report, relative ("run-12/index.html"),
				 * or NULL */
	const struct report_wlop *ops;
	size_t n_ops;
	const struct report_wlsum *sums;
	size_t n_sums;
	const struct report_wlvalue *values;
	size_t n_values;
	const struct report_traffic *traffic;
	size_t n_traffic;
};

enum campaign_what {
	CAMPAIGN_SWEEP,         /* one sweep */
	CAMPAIGN_COMPARE_RUNS,  /* runs compared */
	CAMPAIGN_COMPARE_SWEEPS,/* sweeps compared point by point */
};

struct campaign_input {
	enum campaign_what what;
	const char *title;              /* "sweep wan-openstack" */
	const char *series_axis;        /* "stack.strategy", "run", "sweep";
					 * NULL: one series */
	const char *const *series;      /* names, N_SERIES (>= 1) */
	size_t n_series;
	const char *x_axis;             /* the axes that make the points,
					 * ", "-joined; NULL: one point */
	const char *const *x_labels;    /* N_X (>= 1) */
	size_t n_x;
	const double *x_ms;             /* the points as times in ms (one time
					 * axis), or NULL: categories */
	const struct campaign_run *runs;
	size_t n_runs;
	double level;                   /* of every interval: 0.95 */
	/* The page's other content (campaign_html.c). */
	const struct report_fact *facts;        /* the same in every run */
	size_t n_facts;
	const struct report_fact *varying;      /* key: the values seen */
	size_t n_varying;
	const struct report_extras *extras;
};

enum campaign_kind {
	CAMPAIGN_LATENCY,       /* an op's latency, ms */
	CAMPAIGN_VALUE,         /* an op's measured value, in its unit */
};

/* A metric the report follows. Strings borrowed from the runs. */
struct campaign_metric {
	enum campaign_kind kind;
	const char *workload, *op;
	const char *unit;               /* "ms", or the value's unit */
	bool higher_is_better;          /* values per second (bit/s): yes */
	double scale;                   /* shown in UNIT / SCALE: 1000 for
					 * latencies of 10 s and more ("s"),
					 * 1e6 or 1e9 for rates in bit/s */
	const char *shown_unit;         /* "ms", "s", "Mbit/s", or UNIT */
};

/* The metrics of IN's runs: every (workload, op) with a latency summary
 * at "*", then every (workload, op, unit) with a value summary at "*",
 * each sorted (bytes), into *OUT (malloc'd, free()) of *N. Returns 0 or
 * -ENOMEM. */
int campaign_metrics(const struct campaign_input *in,
		     struct campaign_metric **out, size_t *n);

/* M's number for run R (in M's unit, not scaled): the p50 of its "*"
 * summary; NaN when it has none (no successful operation). */
double campaign_run_value(const struct campaign_run *r,
			  const struct campaign_metric *m);

/* The repetitions of one (series, point) cell. */
struct campaign_cell {
	size_t n;                       /* runs with a value */
	double *v;                      /* their values (not scaled), by rep */
	int64_t *runs;                  /* and their runs */
	size_t missing;                 /* runs of the cell without a value */
	struct stats_interval median;   /* of V at IN->level; NaN when n is 0 */
};

/* Cell (SERIES, X) of metric M into *OUT (campaign_cell_release).
 * Returns 0, -ENOMEM, or stats_median_ci's error. */
int campaign_cell(const struct campaign_input *in,
		  const struct campaign_metric *m, size_t series, size_t x,
		  struct campaign_cell *out);
void campaign_cell_release(struct campaign_cell *c);

/* M's value of every successful operation of the runs of cell (SERIES,
 * X), pooled (latencies in ms, or the values), into *V (malloc'd,
 * free()) of *N: the CDF figures and the samples of runs compared.
 * Returns 0 or -ENOMEM. */
int campaign_pooled(const struct campaign_input *in,
		    const struct campaign_metric *m, size_t series, size_t x,
		    double **v, size_t *n);

/* The median of M per client site over the repetitions of cell (SERIES,
 * X): each run's p50 at that site (latency summaries, or value summaries)
 * into *OUT (NaN: none). Returns 0, or -ENOMEM. */
int campaign_site_median(const struct campaign_input *in,
			 const struct campaign_metric *m, size_t series,
			 size_t x, const char *site, double *out);

/* The client sites of M over every run (not "*"), sorted, into *SITES
 * (malloc'd array of borrowed strings, free()) of *N. */
int campaign_sites(const struct campaign_input *in,
		   const struct campaign_metric *m, const char ***sites,
		   size_t *n);

/* Series B against series A (the reference) at point X on metric M. */
struct campaign_verdict {
	size_t x, a, b;
	bool per_op;                    /* samples are operations of one run
					 * each, not repetitions */
	size_t na, nb;                  /* sample sizes */
	int rc;                         /* 0: CMP holds a result; else why
					 * not (-ENOENT: a side has no value) */
	struct stats_comparison cmp;    /* in M's scaled unit */
	char *text;                     /* the verdict in words (allocated) */
	bool significant;
	const char *faster;             /* the winner's name when significant */
};

/* Compare series B with A at point X on M (IN->level) into *OUT
 * (campaign_verdict_release): the repetitions' values, or the pooled
 * operations when both cells hold one run. OUT->text always says
 * something: the verdict (stats_comparison_describe), or why there is
 * none; a significant one ends with the difference against A's median
 * ("; that is 49 % of the median of central (103 ms)"). Returns 0
 * or -ENOMEM. */
int campaign_compare(const struct campaign_input *in,
		     const struct campaign_metric *m, size_t x, size_t a,
		     size_t b, struct campaign_verdict *out);
void campaign_verdict_release(struct campaign_verdict *v);

/* What crossed the WAN in the runs of cell (SERIES, X). */
struct campaign_traffic {
	size_t n;                       /* runs with traffic counted */
	double bytes;                   /* median over them of their total */
	double bytes_per_op;            /* median of total / operations (NaN:
					 * none) */
	const char *dominant;           /* the service with most bytes over
					 * the cell's runs, or NULL */
	double share;                   /* its share of those bytes */
};
int campaign_traffic(const struct campaign_input *in, size_t series,
		     size_t x, struct campaign_traffic *out);

#endif
