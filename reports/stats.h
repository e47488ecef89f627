/* stats — the statistics behind enos's summaries, figures and verdicts.
 *
 * Pure computation on arrays of doubles: no I/O, no globals, no random
 * numbers, so every figure and every verdict can be recomputed bit for
 * bit from the stored results. enos/ reads the results from the database
 * and calls these; the rest of reports/ draws what they return.
 *
 * - Per-run summaries of a workload's operations (issue 11): count, min,
 *   max, mean, sample standard deviation, p50/p90/p99 (stats_summarize),
 *   any quantile (stats_quantile), ECDF points for the CDF figures
 *   (stats_ecdf).
 * - Campaign reports (issue 12): the median of a metric over repetitions
 *   with its confidence interval (stats_median_ci).
 *
 * Conventions
 * - Every function returns 0 or a negative errno: -EINVAL for a NULL
 *   pointer, an empty sample (n == 0: nothing to say) or a level outside
 *   (0, 1); -EDOM when an input value is NaN or infinite; -ENOMEM.
 * - Non-finite values are refused, not skipped: a NaN duration is a bug
 *   upstream, and dropping it silently would change n. A caller that
 *   records failed operations without a duration leaves them out itself
 *   and counts them as failures.
 * - Inputs are never modified and nothing is kept after a call returns.
 *   On error, outputs hold NaN (and n = 0) where the function documents
 *   it, otherwise they are unspecified.
 *
 * Statistical choices, and why
 * - Quantiles: R's default, type 7 (Hyndman & Fan 1996): for sorted
 *   x[0..n-1] and 0 <= q <= 1, h = (n - 1) q, j = floor(h),
 *   Q(q) = x[j] + (h - j) (x[j+1] - x[j]). It is also numpy's default and
 *   Excel's PERCENTILE.INC, so a reader can check any figure with the
 *   tool at hand. p50 is the ordinary median.
 * - Standard deviation: the sample one (divisor n - 1); NaN for n == 1.
 * - Median over repetitions: the distribution-free interval of order
 *   statistics [x(k), x(n+1-k)] from the binomial(n, 1/2) distribution
 *   (Hollander & Wolfe, the sign-test interval). It assumes only
 *   independent repetitions of one distribution; it is exact, and
 *   conservative with ties. Small n cannot reach every level: with n
 *   repetitions the widest interval [min, max] covers 1 - 2^(1-n) (n = 3:
 *   75 %, n = 5: 93.75 %, n >= 6 reaches 95 %); the function then returns
 *   that interval with its true coverage in `achieved`, and the figure
 *   must say so.
 */
#ifndef REPORTS_STATS_H
#define REPORTS_STATS_H

#include <stdbool.h>
#include <stddef.h>

struct stats_summary {
	size_t n;
	double min, max, mean;
	double stddev;          /* sample (n - 1); NaN when n == 1 */
	double p50, p90, p99;   /* type 7 quantiles */
};

/* Summarize V[0..N) (any order). On success OUT holds the summary; on
 * error OUT->n is 0 and every other field NaN. Returns 0, -EINVAL (N is
 * 0, or V or OUT is NULL), -EDOM (a value is not finite) or -ENOMEM. */
int stats_summarize(const double *v, size_t n, struct stats_summary *out);

/* Sort V[0..N) ascending in place, for stats_quantile. Returns 0, -EINVAL
 * (V is NULL with N > 0) or -EDOM (a value is not finite; V is then left
 * unsorted but holds the same values). */
int stats_sort(double *v, size_t n);

/* The type 7 quantile Q of SORTED[0..N) (ascending, as stats_sort leaves
 * it) into *OUT: Q = 0 is the minimum, 1 the maximum, 0.5 the median.
 * Returns 0, or -EINVAL when N is 0, Q is outside [0, 1] or a pointer is
 * NULL (*OUT is then NaN when OUT is not NULL). */
int stats_quantile(const double *sorted, size_t n, double q, double *out);

/* The empirical CDF of V[0..N) as the points of a step function: XS[i]
 * the distinct values ascending, PS[i] = (number of values <= XS[i]) / N,
 * for i < *M (*M <= N; PS[*M - 1] is 1). XS and PS hold N values each,
 * owned by the caller; XS may be V itself (it is then overwritten).
 * Returns 0, -EINVAL (N is 0 or a NULL pointer) or -EDOM. */
int stats_ecdf(const double *v, size_t n, double *xs, double *ps, size_t *m);

/* A point estimate with a confidence interval. */
struct stats_interval {
	double estimate;
	double lo, hi;
	double level;           /* requested confidence, e.g. 0.95 */
	double achieved;        /* true coverage of [lo, hi]: >= level, or
				 * below it when n cannot reach level */
};

/* Did the interval reach the level it was asked for? */
bool stats_interval_reached(const struct stats_interval *iv);

/* The median of V[0..N) (any order) and its distribution-free confidence
 * interval at LEVEL (0 < LEVEL < 1) into OUT: [x(k), x(n+1-k)] with the
 * largest k whose coverage 1 - 2 P(Bin(n, 1/2) <= k - 1) is above LEVEL,
 * or [min, max] when no k reaches it (see above; N == 1 gives [x, x]
 * with coverage 0). Returns 0, -EINVAL, -EDOM or -ENOMEM; on error every
 * field of OUT is NaN. */
int stats_median_ci(const double *v, size_t n, double level,
		    struct stats_interval *out);

#endif
