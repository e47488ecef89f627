/* series — the RTT of a pair over time against its target (`enos tc
 * --test --over`: a link that follows a trace): one figure per pair,
 * the target as steps and every probe as a point, and a table of how many
 * of the trace's steps were within the bound.
 *
 * html.c draws these with the rest of a run's figures; the data come from
 * enos/report_data.c (the results rtt_series_at, rtt_series_target,
 * rtt_series in stored order, and the per-pair trace_steps,
 * trace_steps_within, trace_step_worst_error).
 */
#ifndef REPORTS_SERIES_H
#define REPORTS_SERIES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "reports/plot.h"
#include "util/strbuf.h"

#define REPORT_SERIES_FIGURES 16        /* pairs drawn; the rest in data */

struct report_series {
	const char *src, *dst;  /* borrowed */
	size_t n;
	double *at_s;           /* send time, s after the traces' start */
	double *target_ms;
	double *rtt_ms;         /* NaN: lost */
	double steps, steps_within;     /* NaN: not stored */
	double worst_err_ms;
};

/* Write series-K.tsv (K from 1) for each of S[0..N) into DFD, and to
 * GP/LABELS the drawing of the first REPORT_SERIES_FIGURES; DRAWN[K - 1]
 * tells which were. Returns 0 or -errno (a file that could not be
 * written). */
int report_series_draw(int dfd, struct strbuf *gp, struct plot_labels *labels,
		       const struct report_series *s, size_t n, bool *drawn);

/* The page's section for S[0..N): the table and the drawn figures, with
 * the bound max(PCT %, MS ms). */
void report_series_put(FILE *f, int dfd, const struct report_series *s,
		       size_t n, const bool *drawn, double pct, double ms);

#endif
