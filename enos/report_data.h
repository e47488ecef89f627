/* report_data — gather what a report needs from the results database:
 * - of one run: the per-pair RTT figures regrouped into rows, the site
 *   order, the faults and the facts, and the run's workloads
 *   (enos/results.h: its operations, their summaries, computed and stored
 *   if missing, and its traffic), into a struct report_input
 *   (reports/html.h);
 * - of a sweep (`enos report --sweep NAME`) or of runs or sweeps compared
 *   (`--compare A B ...`): every run laid out by series and point, into a
 *   struct campaign_input (reports/campaign.h);
 * - for either, what was run: the topology (drawn, and copied with the
 *   stack and sweep files) and the facts that stay the same.
 *
 * Names read from the database are hostile: a name that becomes a
 * directory must be a plain directory name (no '/', not "." or "..", no
 * control character), and the pages escape every name they show.
 */
#ifndef ENOS_REPORT_DATA_H
#define ENOS_REPORT_DATA_H

#include <stdbool.h>

#include "enos/results.h"
#include "enos/state.h"
#include "reports/campaign.h"
#include "reports/html.h"

struct json;

/* The files and the topology of a report (reports/page.h), owned. */
struct report_source {
	struct report_extras x;         /* points into what follows */
	struct report_file files[3];    /* sweep, topology, stack */
	char *text[3];
	char *from[3];
	struct report_site *sites;
	double *rtt;
	struct report_topo topo;
	char *topo_note;
	char *topo_why;
	char made_by[128];
};
void report_source_release(struct report_source *s);

struct report_data {
	struct report_input in;         /* points into the arrays below */
	struct state_result *results;
	size_t n_results;
	struct report_rtt *rows;
	const char **sites;
	struct state_fault *faults;
	struct report_fault *rfaults;
	char **fact_keys;
	char **fact_values;
	struct report_fact *facts;
	struct run_info run;            /* in.experiment etc. point here */
	struct results wl;              /* the workloads, as `enos results` */
	struct report_wlop *ops;
	struct report_wlsum *sums;
	struct report_traffic *traffic;
	struct report_wlvalue *values;
	struct report_series *series;   /* `tc --test --over`; arrays owned */
	size_t n_series;
};

/* Load run INFO into *D. The faults are the run's and, when it has
 * workload operations, every fault of the experiment active while they
 * ran. Returns 0 or -errno (results_errmsg says why). Release with
 * report_data_release (also after a failure). */
int report_data_load(struct state *st, const struct run_info *info,
		     struct report_data *d);
void report_data_release(struct report_data *d);

/* Is NAME, read from the database, a plain directory name? */
bool report_dir_name_ok(const char *name);

/* Write the HTML report of run RUN into results/EXP/RUN/ (DIR receives
 * that path, 512 bytes), with results.json (results_json) beside it when
 * the run has workload operations. Returns 0, -ENOENT if the run has
 * neither RTT figures nor workload operations, or -errno with *ERR (may be
 * NULL) an allocated reason (when NULL, state_errmsg says why). */
int report_data_write(struct state *st, int64_t run, char *dir, char **err);

/* The same into OUT (NULL: results/EXP/RUN), its page linking UP (NULL:
 * none); DIR receives the directory written (LEN bytes). */
int report_data_write_to(struct state *st, int64_t run, const char *out,
			 const char *up, char *dir, size_t len, char **err);

/* A campaign's runs and everything its page points into, owned. */
struct report_campaign {
	struct campaign_input in;
	char *title;
	char **series;                  /* in.series */
	size_t n_series;
	char **x_labels;                /* in.x_labels */
	size_t n_x;
	char *x_axis;
	char *series_axis;              /* in.series_axis when it is another
					 * axis than stack.strategy */
	double *x_ms;                   /* or NULL */
	struct campaign_run *runs;
	struct report_data *data;       /* per run */
	size_t n_runs;
	char **pages;                   /* per run: "run-ID/index.html" */
	struct report_fact *facts;      /* in.facts, in.varying */
	struct report_fact *varying;
	char **fact_text;               /* what they point into */
	size_t n_fact_text;
	struct report_source src;
	char exp[64];                   /* the experiment of the first run */
};

/* Load sweep NAME: its done pairs' runs, series the values of its
 * `stack.strategy` axis (when it has one; else of its only axis with
 * several values when those are not times, so that two settings such as
 * a profile or none are compared; else the sweep), points its other axes
 * (times in ms when there is one time axis). Returns 0,
 * -ENOENT (no such sweep, or no pair done: *ERR says which) or -errno
 * with *ERR an allocated reason. Release with report_campaign_release
 * (also after a failure). */
int report_campaign_sweep(struct state *st, const char *name,
			  struct report_campaign *c, char **err);

/* Load ITEMS[0..N) (N >= 2) compared: all run numbers (a series each,
 * one point) or all sweep names (a series each, points matched by their
 * values). As report_campaign_sweep. */
int report_campaign_compare(struct state *st, char *const *items, size_t n,
			    struct report_campaign *c, char **err);
void report_campaign_release(struct report_campaign *c);

/* C as the documented object of a campaign's results.json (format 1):
 *   {"format": 1, "kind": "sweep" | "compare-runs" | "compare-sweeps",
 *    "title", "level", "series_axis" (null: one series), "series": [..],
 *    "point_axis" (null: one point), "points": [{"label", "ms" (null:
 *    not a time)}],
 *    "runs": [{"run", "series", "point", "rep" (null), "seed" (null),
 *              "outcome" (null: open)}],            (indexes from 0)
 *    "metrics": [{"workload", "op", "metric": "latency" | "value",
 *                 "unit" (shown), "cells": [{"series", "point", "n",
 *                 "missing", "values": [..], "runs": [..], "median",
 *                 "lo", "hi", "achieved"}]}],      (in the shown unit)
 *    "comparisons": [{"workload", "op", "metric", "unit", "point", "a",
 *                     "b", "samples": "repetitions" | "operations", "na",
 *                     "nb", "estimate", "lo", "hi", "level", "achieved",
 *                     "u", "p", "significant", "faster" (null), "verdict"}],
 *    "facts": {KEY: VALUE}}                      (those of every run)
 * Members are only ever added. Returns 0 or -ENOMEM. */
int report_campaign_json(struct json *j, const struct report_campaign *c);

/* Write C's report into OUT (NULL: results/EXP/sweep-NAME/report for a
 * sweep, results/compare/A-vs-B... for a comparison; NAME the sweep's
 * name or the items joined), each run's own report under it (run-ID/),
 * and results.json. DIR receives the directory (LEN bytes). Returns 0 or
 * -errno with *ERR an allocated reason. */
int report_campaign_write(struct report_campaign *c, struct state *st,
			  const char *out, const char *name, char *dir,
			  size_t len, char **err);

#endif
