/* results — what a researcher reads after a workload (issue 11): a run's
 * per-op summaries per client site and over every site, computed from its
 * operations and stored (state's workload_summaries) at the end of `enos
 * bench`, or here when a run has operations but no (or stale) summaries,
 * so `enos results`, the report and the end of a bench always agree; the
 * run's traffic over the WAN; its facts.
 *
 * What a summary holds: COUNT every operation of that workload's op at
 * that client site ("*": every site; "-": operations stored without a
 * site), FAILURES those that failed, and min/p50/p90/p99/max/mean/stddev
 * in ms over the ones that succeeded (a failed operation's duration is how
 * long it took to fail, not a latency; NaN, stored NULL, when none
 * succeeded). Quantiles are type 7, the stddev the sample one
 * (reports/stats.h).
 *
 * enos/cmd/results.c prints these; enos/report_data.c hands them to the
 * report; enos/bench.c calls results_summarize().
 */
#ifndef ENOS_RESULTS_H
#define ENOS_RESULTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "enos/state.h"
#include "reports/stats.h"

struct json;

/* The summaries of ROWS[0..N) (any order) into *OUT (malloc'd, free()) of
 * *M, in workload, op order with each op's "*" row first, then its sites.
 * A successful operation whose duration is not finite (a record not
 * written by enos) is counted, but has no latency, as in enos/bench.c.
 * Returns 0 (*M 0 when N is 0), -ENOMEM or -ENAMETOOLONG (a workload, op
 * or site name longer than a summary holds, 63 bytes). */
int results_compute(const struct wlop_row *rows, size_t n,
		    struct wl_summary_row **out, size_t *m);

/* What operations that carry a value measured (throughput's bit/s),
 * summarized like their latencies: per workload, op, unit and client site
 * ("*": every site), over the successful operations with a finite value.
 * Computed when read; not stored (workload_summaries holds latencies). */
struct results_value {
	char workload[64], op[64], site[64], unit[16];
	struct stats_summary s;         /* reports/stats.h, in UNIT */
};

/* The value summaries of ROWS[0..N) into *OUT (malloc'd, free()) of *M,
 * in workload, op, unit order, "*" first then the sites. Returns 0,
 * -ENOMEM or -ENAMETOOLONG (a name or unit longer than a row holds). */
int results_compute_values(const struct wlop_row *rows, size_t n,
			   struct results_value **out, size_t *m);

/* Summarize RUN's operations (results_compute) and store the summaries
 * (state_wl_summary_put, replacing any of the same key) in one
 * transaction: the call the end of `enos bench` makes. Does not print.
 * Returns 0 (also for a run without operations), or -errno: from the
 * database (state_errmsg(ST) says why) or from results_compute. */
int results_summarize(struct state *st, int64_t run);

/* Why a function of this module returned RC: the database's message
 * (state_errmsg) for its errors, words for results_compute's. */
const char *results_errmsg(struct state *st, int rc);

/* Everything `enos results` shows of one run. */
struct results {
	struct run_info run;
	char **fact_keys, **fact_values;        /* NULL-terminated */
	size_t n_facts;
	struct wlop_row *ops;                   /* by start */
	size_t n_ops;
	uint64_t failed;                        /* operations that failed */
	uint64_t top;                           /* not parts of an iteration */
	struct wl_summary_row *sums;
	size_t n_sums;
	bool computed;                          /* the summaries were computed
						 * now (none stored, or they
						 * did not cover every
						 * operation) */
	int store_error;                        /* 0: stored too; or why not
						 * (-errno, state_errmsg) */
	struct traffic_row *traffic;            /* by bytes, largest first */
	size_t n_traffic;
	struct results_value *values;           /* results_compute_values */
	size_t n_values;
};

/* Load RUN into *R: its record, facts, operations, summaries (computed
 * and stored as results_summarize() does when the stored ones do not
 * count every operation; a failure to store them, such as a read-only
 * database, is kept in R->store_error, not returned) and traffic. Returns
 * 0 or -errno (from the database: state_errmsg(ST) says why; or from
 * results_compute).
 * Release with results_release (also after a failure). */
int results_load(struct state *st, int64_t run, struct results *r);
void results_release(struct results *r);

/* Is OP of WORKLOAD a part of an iteration (all of its operations in R
 * are atomic)? */
bool results_atomic(const struct results *r, const char *workload,
		    const char *op);

/* R as the documented object of `enos results --json` (format 1):
 *   {"format": 1,
 *    "run": {"id", "experiment", "kind", "started", "ended" (null while
 *            running), "outcome" (null while running), "seed" (null:
 *            none)},                            (times: unix seconds)
 *    "facts": {KEY: VALUE, ...},
 *    "operations": N, "failed": N,
 *    "summaries_source": "stored" | "computed",
 *    "summaries": [{"workload", "op", "atomic", "site" ("*": every
 *                   site), "count", "failures", "min_ms", "p50_ms",
 *                   "p90_ms", "p99_ms", "max_ms", "mean_ms",
 *                   "stddev_ms"}, ...],      (null: no successful op)
 *    "values": [{"workload", "op", "site", "unit", "n", "min", "p50",
 *                "p90", "p99", "max", "mean", "stddev"}, ...],
 *                                  (results_value; [] when none)
 *    "traffic": null (none counted) | {"bytes", "packets", "payload",
 *                "operations" (what bytes_per_op divides by: those not
 *                parts of an iteration), "bytes_per_op" (null: none),
 *                "dominant" (the service with most bytes, null: none),
 *                "services": [{"service", "bytes", "packets",
 *                  "payload", "share" (0 to 1), "bytes_per_op"}, ...],
 *                "rows": [{"src_site", "dst_site", "service", "proto",
 *                  "port", "packets", "bytes", "payload"}, ...]}}
 * Members are only ever added. Returns 0 or -ENOMEM. */
int results_json(struct json *j, const struct results *r);

#endif
