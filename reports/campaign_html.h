/* campaign_html — the report of many runs (reports/campaign.h): a sweep,
 * or runs or sweeps compared, as a directory a reviewer can open and
 * check.
 *
 * index.html states the verdicts first (per metric and point: which
 * series is faster, by how much, with its 95 % interval, or "no
 * significant difference", or that n is too small to reach 95 %), then
 * per metric the median over repetitions against the swept parameter
 * with its interval (metric-K), the CDF per series at each point
 * (cdf-K-P), the median per client site per series (sites-K-P), each
 * with its table; the WAN traffic per cell; every run (linked to its own
 * report when it has one); the host facts; the topology drawn by
 * Graphviz; the files used; and the exports: runs.csv, metrics.csv,
 * comparisons.csv, ops.csv, summaries.csv, values.csv, traffic.csv.
 * Figures follow plot.h (labels as data, one gnuplot run on report.gp);
 * every name on the page is escaped (page.h).
 */
#ifndef REPORTS_CAMPAIGN_HTML_H
#define REPORTS_CAMPAIGN_HTML_H

#include "reports/campaign.h"

/* Write DIR/index.html (DIR made if needed, refused if it is a link)
 * and every file above for IN; RESULTS_JSON: DIR/results.json is written
 * beside it by the caller (linked). GNUPLOT runs the figures. Returns 0
 * or -errno, with *ERR (may be NULL) an allocated reason. */
int campaign_html_write(const char *dir, const struct campaign_input *in,
			bool results_json, const char *gnuplot, char **err);

#endif
