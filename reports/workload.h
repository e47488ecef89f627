/* workload — what a report shows of a run's workloads, as plain data
 * (issue 11): the operations, the stored per-site summaries and the
 * traffic that crossed the WAN, and what the figures and tables compute
 * from them: the (workload, op) pairs drawn, the ECDF of an op's latencies
 * at one client site or over all of them, the span of a workload's
 * timeline and the fault windows on it, the traffic per service with the
 * bytes per operation and the service that dominates.
 *
 * enos/report_data.c fills these from the results database (reports/
 * never reads it); html.c draws them; `enos results` uses the traffic
 * figures too. Pure computation, no I/O. Latency figures are over the
 * operations that succeeded (a failed one's duration is how long it took
 * to fail); failures are counted and marked on the timeline.
 */
#ifndef REPORTS_WORKLOAD_H
#define REPORTS_WORKLOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct report_fault;

/* One operation, as the figures need it. Strings borrowed. */
struct report_wlop {
	const char *workload;   /* "kv-latency", "boot-delete" */
	const char *op;         /* "put", "nova.boot_server" */
	const char *site;       /* the client's site; NULL: not recorded */
	double start;           /* unix time */
	double duration_ms;
	bool ok;
	bool atomic;            /* a part of an iteration, not an iteration */
	double value;           /* what it measured (throughput's bit/s), NaN:
				 * nothing */
	const char *unit;       /* of VALUE, or NULL */
};

/* A stored summary (state's workload_summaries), strings borrowed. */
struct report_wlsum {
	const char *workload, *op;
	const char *site;       /* "*": every client site */
	uint64_t count;         /* operations, failed ones included */
	uint64_t failures;
	double min_ms, p50_ms, p90_ms, p99_ms, max_ms, mean_ms, stddev_ms;
				/* of the successful ones; NaN: none */
};

/* What operations that carry a value measured (throughput's bit/s):
 * per workload, op, unit and client site ("*": every site). */
struct report_wlvalue {
	const char *workload, *op, *site, *unit;        /* borrowed */
	size_t n;                       /* successful ops with a value */
	double min, p50, p90, p99, max, mean, stddev;
};

/* What crossed the WAN from SRC to DST for SERVICE during the run. */
struct report_traffic {
	const char *src, *dst, *service;        /* borrowed */
	int proto, port;
	uint64_t packets, bytes, payload;
};

/* One drawn pair: an op of a workload. */
struct report_wlkey {
	const char *workload, *op;      /* borrowed from the ops */
};

/* The distinct (workload, op) pairs of OPS[0..N), sorted by workload then
 * op (bytes), into *KEYS (malloc'd, free()) of *NK. Returns 0 or -ENOMEM. */
int report_wl_keys(const struct report_wlop *ops, size_t n,
		   struct report_wlkey **keys, size_t *nk);

/* The distinct client sites of the operations of OPS[0..N) that are
 * WORKLOAD's OP, sorted (bytes), into *SITES (malloc'd array of borrowed
 * strings, free()) of *NS; an op without a site counts as "-". Returns 0
 * or -ENOMEM. */
int report_wl_sites(const struct report_wlop *ops, size_t n,
		    const char *workload, const char *op, const char ***sites,
		    size_t *ns);

/* An empirical CDF: P[i] of the N operations took MS[i] or less. */
struct report_cdf {
	size_t n;               /* successful operations it is built on */
	size_t m;               /* points */
	double *ms;             /* distinct latencies, ascending */
	double *p;              /* P[M - 1] is 1 */
};

/* The ECDF of the successful operations among OPS[0..N) that are
 * WORKLOAD's OP at client SITE (NULL: every site; "-": those without a
 * site) into *OUT (report_cdf_release); one whose duration is not finite
 * has no latency and is left out, as in the summaries. OUT->n is 0 when
 * none is left. Returns 0 or -ENOMEM. */
int report_wl_cdf(const struct report_wlop *ops, size_t n,
		  const char *workload, const char *op, const char *site,
		  struct report_cdf *out);
void report_cdf_release(struct report_cdf *c);

/* The span of WORKLOAD's operations (NULL: all): *T0 the first start,
 * *T1 the last end (start + duration), unix time. Returns 0, or -ENOENT
 * when it has none. */
int report_wl_span(const struct report_wlop *ops, size_t n,
		   const char *workload, double *t0, double *t1);

/* A fault's window on a timeline that starts at T0 and ends at T1, in
 * seconds from T0. */
struct report_window {
	size_t fault;           /* index into the faults given */
	double from_s, to_s;    /* clipped to [0, T1 - T0] */
	bool before;            /* applied before T0 (from_s is 0) */
	bool active;            /* not removed by T1 (to_s is T1 - T0) */
};

/* The windows of FAULTS[0..N) that overlap [T0, T1] (a fault not removed
 * is active to the end), in the faults' order, into WIN (room for N) and
 * *M. */
void report_wl_windows(const struct report_fault *faults, size_t n,
		       double t0, double t1, struct report_window *win,
		       size_t *m);

/* The run's traffic for one service, over every site pair. */
struct report_service {
	const char *service;    /* borrowed from the rows */
	uint64_t packets, bytes, payload;
	double share;           /* of every service's bytes, 0 to 1 (NaN: no
				 * bytes at all) */
	double bytes_per_op;    /* bytes / N_OPS (NaN when N_OPS is 0) */
};

/* ROWS[0..N) summed per service into *OUT (malloc'd, free()) of *M,
 * largest bytes first (then by name): the first is the service that
 * dominates WAN traffic. N_OPS is what bytes per operation divides by:
 * the run's operations that are not parts of an iteration
 * (report_wl_top_ops). Returns 0 or -ENOMEM. */
int report_traffic_services(const struct report_traffic *rows, size_t n,
			    uint64_t n_ops, struct report_service **out,
			    size_t *m);

/* The operations of OPS[0..N) that are not parts of an iteration. */
uint64_t report_wl_top_ops(const struct report_wlop *ops, size_t n);

#endif
