/* rtt — write a run's measured RTT matrix as files a user can read and
 * plot: results/EXP/RUN/rtt.tsv (one row per ordered site pair) and
 * summary.txt. The HTML report with gnuplot figures builds on these.
 */
#ifndef REPORTS_RTT_H
#define REPORTS_RTT_H

#include <stddef.h>
#include <stdint.h>

struct report_rtt {
	const char *src;        /* site names, borrowed */
	const char *dst;
	double target_ms;       /* NaN when the WAN is not shaped */
	int cut;                /* partitioned: every probe must be lost */
	double min_ms, p50_ms, p90_ms, p99_ms, mean_ms;
	double loss_pct;
	unsigned samples;
	unsigned loss_bursts;   /* runs of consecutive lost probes */
	const char *src_node;   /* where it was measured (enos/measure.h's */
	const char *dst_node;   /* endpoints); may be NULL, borrowed */
	int lan;                /* between two hosts of site src's LAN (src ==
				 * dst): src_node to dst_node */
	/* A world spread over several hosts (issue 14): the hosts that
	 * build src and dst (borrowed; NULL on one host), and whether they
	 * differ: the pair crosses the hosts' tunnel. */
	const char *src_host, *dst_host;
	int cross_host;
};

/* Write DIR/rtt.tsv and DIR/summary.txt for experiment EXP, run RUN, each
 * as a new file renamed into place. DIR must exist and not be a link
 * (enos/rundir.c makes it). Returns 0 or -errno. */
int report_rtt_write(const char *dir, const char *exp, int64_t run,
		     const struct report_rtt *rows, size_t n);

/* Is R within max(PCT % of its target, MS) on p50 (or, cut, fully lost)?
 * Rows without a target are within bound. */
int report_rtt_within(const struct report_rtt *r, double pct, double ms);

#endif
