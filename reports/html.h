/* html — the HTML report of one run: topology summary, the target and
 * measured RTT matrices and their difference as gnuplot heatmaps (PNG and
 * SVG files, the SVG also inlined so the page has no external resources),
 * the error of every pair against the accuracy bound, and the faults
 * applied. gnuplot is driven through a pipe.
 */
#ifndef REPORTS_HTML_H
#define REPORTS_HTML_H

#include <stddef.h>
#include <stdint.h>

#include "reports/rtt.h"

struct report_fault {
	const char *action;
	const char *detail;
	double applied;         /* unix time */
	double removed;         /* NaN: still active */
};

struct report_fact {
	const char *key;
	const char *value;
};

struct report_input {
	const char *experiment;
	int64_t run;
	const char *run_kind;
	const char *outcome;
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
};

/* Write DIR/index.html and its figures (DIR/{target,measured,error}.{png,svg})
 * for IN. GNUPLOT is the program to run ("gnuplot"). Returns 0 or -errno;
 * on failure *ERR (may be NULL) holds an allocated reason. */
int report_html_write(const char *dir, const struct report_input *in,
		      const char *gnuplot, char **err);

/* Is ROW within the bound of IN (p50 against target)? Rows without a
 * target are within bound. */
int report_within(const struct report_input *in, const struct report_rtt *row);

#endif
