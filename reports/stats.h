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
 *   with its confidence interval (stats_median_ci), and the comparison of
 *   two strategies over repetitions with an explicit verdict
 *   (stats_compare, stats_compare_ratio, stats_comparison_significant,
 *   stats_comparison_describe).
 *
 * Conventions
 * - Every function returns 0 or a negative errno: -EINVAL for a NULL
 *   pointer, an empty sample (n == 0: nothing to say) or a level outside
 *   (0, 1); -EDOM when an input value is NaN or infinite (or, for ratios,
 *   not > 0); -ENOMEM; -E2BIG for an exact distribution too large to
 *   tabulate (only when STATS_EXACT is forced); -EOVERFLOW when na x nb
 *   pairs do not fit a size_t.
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
 * - Comparison of two strategies: the Hodges-Lehmann estimate of the
 *   shift (the median of the na x nb differences b_j - a_i) with the
 *   distribution-free confidence interval obtained by inverting the
 *   Mann-Whitney (Wilcoxon rank-sum) test (Hollander & Wolfe, Moses'
 *   interval), plus Mann-Whitney's U and two-sided p-value. With no ties
 *   and fewer than 50 values per sample, U, p, the estimate and the
 *   interval are those of R's wilcox.test(b, a, conf.int = TRUE); for
 *   larger samples U, p and the estimate still are, while the interval's
 *   order statistic comes from Hollander & Wolfe's normal approximation
 *   (R solves for a non-order-statistic endpoint numerically).
 *   Why: repetitions are few (3 to 10 per side) and latencies are skewed;
 *   these procedures are exact at such sizes, need no normality and no
 *   equal variances, and are the textbook choice reviewers know. A
 *   percentile bootstrap is not offered: with 3 to 10 repetitions it has
 *   only a handful of distinct resamples and covers less than it claims.
 *   Assumptions: the repetitions of A and of B are independent samples
 *   (runs not paired across strategies; shuffled run order helps); and,
 *   for the interval to estimate "B - A", the shift model: B is
 *   distributed as A + delta. Without the shift model the test remains a
 *   valid test of "A and B have one distribution", and the estimate is
 *   the median of pairwise differences, not the difference of medians.
 *   Exact computation when both samples have fewer than 50 values (as in
 *   R), otherwise the normal approximation with continuity correction
 *   (and tie correction for the p-value). Ties: the p-value uses the
 *   exact permutation distribution of the mid-rank sum given the ties
 *   (R falls back to the normal approximation there); the interval keeps
 *   the no-ties positions, which is conservative with ties: its closed
 *   endpoints count a tied pair on both sides, so each tail misses no
 *   more often than under the no-ties distribution that breaking the
 *   ties at random would give (a seeded simulation in
 *   tests/fixtures/stats/reference.py agrees). The verdict
 *   follows the interval, never the p-value, so near the boundary a tied
 *   sample can show p < 0.05 with "no significant difference".
 *   Small samples cannot reach every level: 3 against 3 repetitions reach
 *   at most 90 % (two-sided p >= 0.1), 4 against 4 reach 97.1 %. When the
 *   level is out of reach the interval is [min, max] of the differences
 *   with its true coverage in `achieved`, and the verdict is "no
 *   significant difference", saying why. Campaigns should plan at least
 *   5 repetitions per strategy (6 for the median's 95 % interval).
 * - Ratio form (stats_compare_ratio): the same on log(values), reported
 *   as B / A: the scale-model version, for metrics whose effect is
 *   multiplicative (all values must be > 0).
 */
#ifndef REPORTS_STATS_H
#define REPORTS_STATS_H

#include <stdbool.h>
#include <stddef.h>

struct strbuf;

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

/* How a rank test's distribution is computed. */
enum stats_method {
	STATS_AUTO,     /* exact when both samples have fewer than 50 values */
	STATS_EXACT,    /* exact permutation distribution (given the ties) */
	STATS_NORMAL,   /* normal approximation, continuity and tie corrected */
};

/* The Mann-Whitney test of A[0..NA) against B[0..NB): *U = number of pairs
 * with b_j > a_i plus half the pairs with b_j == a_i (R's W for
 * wilcox.test(b, a)); *P the two-sided p-value. Returns 0, -EINVAL
 * (an empty sample or a NULL pointer), -EDOM, -ENOMEM or -E2BIG (an
 * exact distribution over 64 MiB, only with STATS_EXACT). */
int stats_mann_whitney(const double *a, size_t na, const double *b, size_t nb,
		       enum stats_method method, double *u, double *p);

/* Two samples compared: B relative to A. */
struct stats_comparison {
	size_t na, nb;
	bool ratio;             /* estimate, lo, hi are ratios B / A */
	double median_a, median_b;
	double estimate;        /* Hodges-Lehmann shift B - A (ratio: B / A) */
	double lo, hi;          /* its confidence interval */
	double level;           /* requested confidence */
	double achieved;        /* true coverage of [lo, hi] (see above) */
	double u, p;            /* Mann-Whitney U of B and two-sided p-value */
	bool exact;             /* exact distributions, not the normal one */
};

/* Compare B[0..NB) with A[0..NA) (e.g. the repetitions of strategies
 * regional-cells and central) at confidence LEVEL into OUT: the shift
 * B - A. Returns 0, -EINVAL (an empty sample, a NULL pointer, LEVEL
 * outside (0, 1)), -EDOM, -ENOMEM or -EOVERFLOW (NA x NB does not fit a
 * size_t). On error every double of OUT is NaN. */
int stats_compare(const double *a, size_t na, const double *b, size_t nb,
		  double level, struct stats_comparison *out);

/* As stats_compare, on the logarithms: estimate, lo and hi are the ratio
 * B / A ("B takes 1.35x as long as A"). Every value must be > 0 (else
 * -EDOM). */
int stats_compare_ratio(const double *a, size_t na, const double *b,
			size_t nb, double level, struct stats_comparison *out);

/* The verdict: true when the interval reached its level and excludes no
 * difference (0 for a shift, 1 for a ratio); an interval touching it is
 * not significant. */
bool stats_comparison_significant(const struct stats_comparison *c);

/* Words for stats_comparison_describe. A zeroed struct means: samples
 * "A" and "B", no unit, "faster", lower values better (latencies). */
struct stats_labels {
	const char *a, *b;      /* the two samples' names, e.g. strategies */
	const char *unit;       /* e.g. "s"; ignored for ratios */
	const char *comparative;/* what the better one is: NULL for "faster" */
	bool higher_is_better;  /* e.g. throughput */
};

/* Append C's verdict to SB as one sentence without a full stop, e.g.
 *   central is faster by 1.23 s (95 % CI 0.80 to 1.71 s)
 *   no significant difference (regional-cells - central: 95 % CI -0.30 to 0.50 s)
 *   no significant difference: samples of 3 and 3 cannot reach 95 %
 *     (regional-cells - central: 90 % CI 0.80 to 1.71 s)
 *   central is 1.35x faster (95 % CI 1.20x to 1.52x)
 * Numbers carry two significant digits of the interval's width. LABELS
 * may be NULL. Returns 0, -EINVAL (C or SB is NULL, or C holds no
 * result) or SB's error. */
int stats_comparison_describe(const struct stats_comparison *c,
			      const struct stats_labels *labels,
			      struct strbuf *sb);

#endif
