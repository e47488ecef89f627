/* export — a report's figures as CSV files a reader loads into anything:
 * every operation, the per-site summaries, the measured values and the
 * WAN traffic, one row each, tagged with the run they belong to and,
 * in a campaign, its series (strategy, or compared run or sweep), point
 * and repetition. The header row names every column; text fields are
 * quoted (csv_field), numbers are plain (%.17g), an empty field is no
 * value (NaN). html.c writes them for a run, campaign_html.c for every
 * run of a campaign.
 */
#ifndef REPORTS_EXPORT_H
#define REPORTS_EXPORT_H

#include <stdint.h>
#include <stdio.h>

#include "reports/workload.h"

/* Which run rows belong to: the columns every export starts with. */
struct export_tag {
	int64_t run;
	const char *series;     /* NULL: empty */
	const char *point;      /* NULL: empty */
	unsigned rep;           /* 0: empty */
};

/* The header rows (then one call per run for its rows). */
void export_ops_head(FILE *f);
void export_sums_head(FILE *f);
void export_values_head(FILE *f);
void export_traffic_head(FILE *f);

/* Columns: run, series, point, rep, workload, op, site, start (unix
 * time), duration_ms, ok (1/0), atomic (1/0), value, unit. */
void export_ops(FILE *f, const struct export_tag *t,
		const struct report_wlop *ops, size_t n);

/* Columns: run, series, point, rep, workload, op, site ("*": every
 * site), count, failures, min_ms, p50_ms, p90_ms, p99_ms, max_ms,
 * mean_ms, stddev_ms. */
void export_sums(FILE *f, const struct export_tag *t,
		 const struct report_wlsum *s, size_t n);

/* Columns: run, series, point, rep, workload, op, site, unit, n, min,
 * p50, p90, p99, max, mean, stddev. */
void export_values(FILE *f, const struct export_tag *t,
		   const struct report_wlvalue *v, size_t n);

/* Columns: run, series, point, rep, src_site, dst_site, service, proto,
 * port, packets, bytes, payload. */
void export_traffic(FILE *f, const struct export_tag *t,
		    const struct report_traffic *r, size_t n);

#endif
