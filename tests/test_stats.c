/* test_stats — reports/stats.c against values known independently of it.
 *
 * Where each expected value comes from is said beside it:
 * - "hand": worked out in the comment;
 * - "R": printed by R itself in tests/Examples/stats-Ex.Rout.save of R's
 *   sources (the wilcox.test help page examples) or in published R
 *   sessions quoted with their address;
 * - "ref": tests/fixtures/stats/reference.py, plain Python with exact
 *   fractions and brute-force enumeration of every split of the pooled
 *   sample (no scipy, numpy or R on this machine); run it to see them.
 * No expected value was copied from this implementation's output.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "reports/stats.h"
#include "util/strbuf.h"
#include "tests/suites.h"

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))
#define TOL 1e-12

/* ---- quantiles, summaries, ECDF ---- */

START_TEST(test_quantile_type7)
{
	/* hand: h = (n - 1) q, Q = x[floor h] + frac(h) * (next - it). */
	static const double x4[] = { 1, 2, 3, 4 };
	static const double x10[] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 };
	static const struct { double q, want; } c4[] = {
		{ 0, 1 }, { 0.5, 2.5 }, { 0.9, 3.7 }, { 0.99, 3.97 },
		{ 1, 4 }, { 0.25, 1.75 },
	};
	double v;
	size_t i;

	for (i = 0; i < N_OF(c4); i++) {
		ck_assert_int_eq(stats_quantile(x4, 4, c4[i].q, &v), 0);
		ck_assert_double_eq_tol(v, c4[i].want, TOL);
	}
	/* R: quantile(1:10) gives 25 % 3.25, 50 % 5.5, 75 % 7.75. */
	ck_assert_int_eq(stats_quantile(x10, 10, 0.25, &v), 0);
	ck_assert_double_eq_tol(v, 3.25, TOL);
	ck_assert_int_eq(stats_quantile(x10, 10, 0.5, &v), 0);
	ck_assert_double_eq_tol(v, 5.5, TOL);
	ck_assert_int_eq(stats_quantile(x10, 10, 0.75, &v), 0);
	ck_assert_double_eq_tol(v, 7.75, TOL);
	/* hand: one value is every quantile; two interpolate. */
	ck_assert_int_eq(stats_quantile(x4 + 2, 1, 0.9, &v), 0);
	ck_assert_double_eq(v, 3);
	ck_assert_int_eq(stats_quantile((const double[]){ 10, 20 }, 2, 0.9, &v), 0);
	ck_assert_double_eq_tol(v, 19, TOL);
	/* A constant run returns its value exactly, not a rounding of it. */
	ck_assert_int_eq(stats_quantile((const double[]){ 0.1, 0.1, 0.1 }, 3,
					0.37, &v), 0);
	ck_assert(v == 0.1);
}
END_TEST

START_TEST(test_quantile_bad)
{
	static const double x[] = { 1, 2 };
	double v = 0;

	ck_assert_int_eq(stats_quantile(x, 0, 0.5, &v), -EINVAL);
	ck_assert(isnan(v));
	ck_assert_int_eq(stats_quantile(x, 2, -0.01, &v), -EINVAL);
	ck_assert_int_eq(stats_quantile(x, 2, 1.01, &v), -EINVAL);
	ck_assert_int_eq(stats_quantile(x, 2, NAN, &v), -EINVAL);
	ck_assert_int_eq(stats_quantile(NULL, 2, 0.5, &v), -EINVAL);
	ck_assert_int_eq(stats_quantile(x, 2, 0.5, NULL), -EINVAL);
}
END_TEST

START_TEST(test_summary)
{
	/* hand: the textbook {2,4,4,4,5,5,7,9}, shuffled: mean 5, squared
	 * deviations sum to 32, so sample sd sqrt(32/7); sorted, p50 =
	 * (4+5)/2, p90: h = 6.3 -> 7 + 0.3*2 = 7.6, p99: h = 6.93 -> 8.86. */
	static const double v[] = { 9, 4, 2, 5, 4, 7, 4, 5 };
	struct stats_summary s;

	ck_assert_int_eq(stats_summarize(v, N_OF(v), &s), 0);
	ck_assert_uint_eq(s.n, 8);
	ck_assert_double_eq(s.min, 2);
	ck_assert_double_eq(s.max, 9);
	ck_assert_double_eq_tol(s.mean, 5, TOL);
	ck_assert_double_eq_tol(s.stddev, sqrt(32.0 / 7), TOL);
	ck_assert_double_eq_tol(s.p50, 4.5, TOL);
	ck_assert_double_eq_tol(s.p90, 7.6, TOL);
	ck_assert_double_eq_tol(s.p99, 8.86, TOL);
	/* The input is not reordered. */
	ck_assert_double_eq(v[0], 9);
}
END_TEST

START_TEST(test_summary_small_n)
{
	struct stats_summary s;

	/* n = 1: every statistic is the value; the sample sd is undefined. */
	ck_assert_int_eq(stats_summarize((const double[]){ 3.5 }, 1, &s), 0);
	ck_assert_uint_eq(s.n, 1);
	ck_assert_double_eq(s.min, 3.5);
	ck_assert_double_eq(s.max, 3.5);
	ck_assert_double_eq(s.mean, 3.5);
	ck_assert_double_eq(s.p50, 3.5);
	ck_assert_double_eq(s.p99, 3.5);
	ck_assert(isnan(s.stddev));
	/* n = 2, hand: {1, 3}: mean 2, sd sqrt(2), p90 1 + 0.9*2. */
	ck_assert_int_eq(stats_summarize((const double[]){ 3, 1 }, 2, &s), 0);
	ck_assert_double_eq_tol(s.mean, 2, TOL);
	ck_assert_double_eq_tol(s.stddev, sqrt(2), TOL);
	ck_assert_double_eq_tol(s.p50, 2, TOL);
	ck_assert_double_eq_tol(s.p90, 2.8, TOL);
	ck_assert_double_eq_tol(s.p99, 2.98, TOL);
	/* n = 0: nothing to say, and the output says nothing either. */
	ck_assert_int_eq(stats_summarize((const double[]){ 1 }, 0, &s), -EINVAL);
	ck_assert_uint_eq(s.n, 0);
	ck_assert(isnan(s.mean) && isnan(s.p50) && isnan(s.min));
}
END_TEST

START_TEST(test_summary_precision)
{
	/* hand: 1e9 + {1, 2, 3}: mean 1e9 + 2, sd exactly 1. A one-pass
	 * sum of squares loses it (1e18-sized terms, 53-bit mantissa). */
	static const double v[] = { 1e9 + 1, 1e9 + 2, 1e9 + 3 };
	struct stats_summary s;

	ck_assert_int_eq(stats_summarize(v, 3, &s), 0);
	ck_assert_double_eq(s.mean, 1e9 + 2);
	ck_assert_double_eq_tol(s.stddev, 1, 1e-9);
}
END_TEST

START_TEST(test_summary_refuses_non_finite)
{
	struct stats_summary s;

	ck_assert_int_eq(stats_summarize((const double[]){ 1, NAN, 2 }, 3, &s),
			 -EDOM);
	ck_assert_uint_eq(s.n, 0);
	ck_assert(isnan(s.mean));
	ck_assert_int_eq(stats_summarize((const double[]){ 1, INFINITY }, 2, &s),
			 -EDOM);
	ck_assert_int_eq(stats_summarize(NULL, 2, &s), -EINVAL);
	ck_assert_int_eq(stats_summarize((const double[]){ 1 }, 1, NULL), -EINVAL);
}
END_TEST

START_TEST(test_sort)
{
	double v[] = { 3, -1, 2, 2 };
	double bad[] = { 1, NAN };

	ck_assert_int_eq(stats_sort(v, 4), 0);
	ck_assert(v[0] == -1 && v[1] == 2 && v[2] == 2 && v[3] == 3);
	ck_assert_int_eq(stats_sort(bad, 2), -EDOM);
	ck_assert_int_eq(stats_sort(NULL, 0), 0);
	ck_assert_int_eq(stats_sort(NULL, 1), -EINVAL);
}
END_TEST

START_TEST(test_ecdf)
{
	/* hand: {3, 1, 2, 2}: P(X <= 1) = 1/4, P(X <= 2) = 3/4, P(X <= 3) = 1. */
	double v[] = { 3, 1, 2, 2 }, xs[4], ps[4];
	size_t m;

	ck_assert_int_eq(stats_ecdf(v, 4, xs, ps, &m), 0);
	ck_assert_uint_eq(m, 3);
	ck_assert(xs[0] == 1 && xs[1] == 2 && xs[2] == 3);
	ck_assert_double_eq_tol(ps[0], 0.25, TOL);
	ck_assert_double_eq_tol(ps[1], 0.75, TOL);
	ck_assert_double_eq(ps[2], 1);
	/* In place: XS may be V. */
	ck_assert_int_eq(stats_ecdf(v, 4, v, ps, &m), 0);
	ck_assert_uint_eq(m, 3);
	ck_assert(v[0] == 1 && v[1] == 2 && v[2] == 3);
	/* One value: one step to 1. */
	ck_assert_int_eq(stats_ecdf((const double[]){ 7 }, 1, xs, ps, &m), 0);
	ck_assert_uint_eq(m, 1);
	ck_assert(xs[0] == 7 && ps[0] == 1);
	ck_assert_int_eq(stats_ecdf(v, 0, xs, ps, &m), -EINVAL);
	ck_assert_int_eq(stats_ecdf((const double[]){ NAN }, 1, xs, ps, &m),
			 -EDOM);
}
END_TEST

/* ---- the median's interval ---- */

/* 1..N shuffled by a fixed stride (N and 7 coprime), so the function
 * must sort: x(i) = i. */
static double *iota_shuffled(size_t n)
{
	double *v = malloc(n * sizeof(*v));
	size_t i;

	ck_assert_ptr_nonnull(v);
	for (i = 0; i < n; i++)
		v[i] = (double)((i * 7) % n + 1);
	return v;
}

START_TEST(test_median_ci)
{
	/* ref (and the published sign-test tables): at 95 %, n = 10 gives
	 * [x(2), x(9)] with coverage 1 - 2 * 11/1024 = 0.978515625;
	 * n = 20 gives k = 6, 1 - 2 * 21700/2^20; n = 100 gives k = 40. */
	static const struct {
		size_t n, k;
		double cover;
	} c[] = {
		{ 10, 2, 0.978515625 },
		{ 20, 6, 0.9586105346679688 },
		{ 100, 40, 0.9647997997822951 },
		{ 6, 1, 0.96875 },
	};
	struct stats_interval iv;
	size_t i;

	for (i = 0; i < N_OF(c); i++) {
		double *v = iota_shuffled(c[i].n);

		ck_assert_int_eq(stats_median_ci(v, c[i].n, 0.95, &iv), 0);
		ck_assert_double_eq(iv.lo, (double)c[i].k);
		ck_assert_double_eq(iv.hi, (double)(c[i].n + 1 - c[i].k));
		ck_assert_double_eq_tol(iv.achieved, c[i].cover, 1e-12);
		ck_assert_double_eq_tol(iv.estimate, (double)(c[i].n + 1) / 2, TOL);
		ck_assert_double_eq(iv.level, 0.95);
		ck_assert(stats_interval_reached(&iv));
		free(v);
	}
}
END_TEST

START_TEST(test_median_ci_small_n)
{
	/* hand: below n = 6 no interval reaches 95 %; [min, max] covers
	 * 1 - 2 / 2^n: n = 5 0.9375, n = 3 0.75, n = 2 0.5, n = 1 0. */
	struct stats_interval iv;

	ck_assert_int_eq(stats_median_ci((const double[]){ 5, 1, 4, 2, 3 }, 5,
					 0.95, &iv), 0);
	ck_assert(iv.lo == 1 && iv.hi == 5 && iv.estimate == 3);
	ck_assert_double_eq_tol(iv.achieved, 0.9375, TOL);
	ck_assert(!stats_interval_reached(&iv));
	ck_assert_int_eq(stats_median_ci((const double[]){ 2.5, 2.4, 2.6 }, 3,
					 0.95, &iv), 0);
	ck_assert(iv.lo == 2.4 && iv.hi == 2.6 && iv.estimate == 2.5);
	ck_assert_double_eq_tol(iv.achieved, 0.75, TOL);
	ck_assert_int_eq(stats_median_ci((const double[]){ 2, 1 }, 2, 0.95, &iv), 0);
	ck_assert_double_eq_tol(iv.achieved, 0.5, TOL);
	ck_assert_double_eq_tol(iv.estimate, 1.5, TOL);
	ck_assert_int_eq(stats_median_ci((const double[]){ 7 }, 1, 0.95, &iv), 0);
	ck_assert(iv.lo == 7 && iv.hi == 7 && iv.achieved == 0);
	/* hand: at 50 %, n = 5: P(B <= 1) = 6/32 < 0.25 <= P(B <= 2) =
	 * 16/32, so k = 2: [x(2), x(4)], coverage 1 - 12/32. */
	ck_assert_int_eq(stats_median_ci((const double[]){ 5, 1, 4, 2, 3 }, 5,
					 0.5, &iv), 0);
	ck_assert(iv.lo == 2 && iv.hi == 4);
	ck_assert_double_eq_tol(iv.achieved, 0.625, TOL);
	/* Ties: the order statistics are what they are. */
	ck_assert_int_eq(stats_median_ci((const double[]){ 1, 1, 1, 1, 1, 1, 1 },
					 7, 0.95, &iv), 0);
	ck_assert(iv.lo == 1 && iv.hi == 1 && iv.estimate == 1);
}
END_TEST

START_TEST(test_median_ci_bad)
{
	struct stats_interval iv;
	static const double v[] = { 1, 2, 3 };

	ck_assert_int_eq(stats_median_ci(v, 0, 0.95, &iv), -EINVAL);
	ck_assert(isnan(iv.lo) && isnan(iv.hi) && isnan(iv.achieved));
	ck_assert_int_eq(stats_median_ci(v, 3, 0, &iv), -EINVAL);
	ck_assert_int_eq(stats_median_ci(v, 3, 1, &iv), -EINVAL);
	ck_assert_int_eq(stats_median_ci(v, 3, NAN, &iv), -EINVAL);
	ck_assert_int_eq(stats_median_ci((const double[]){ 1, NAN }, 2, 0.95, &iv),
			 -EDOM);
	ck_assert_int_eq(stats_median_ci(v, 3, 0.95, NULL), -EINVAL);
}
END_TEST

/* ---- Mann-Whitney ---- */

/* Hollander & Wolfe (1973) p. 69, as in R's wilcox.test examples:
 * permeability at term (R's x, our B) and at 12-26 weeks (R's y, our A). */
static const double perm_b[] = { 0.80, 0.83, 1.89, 1.04, 1.45, 1.38, 1.91,
				 1.64, 0.73, 1.46 };
static const double perm_a[] = { 1.15, 0.88, 0.90, 0.74, 1.21 };

START_TEST(test_mann_whitney_published)
{
	/* R (stats-Ex.Rout.save): wilcox.test(x, y, alternative = "g")
	 * prints W = 35, p-value = 0.1272; the two-sided p is twice the
	 * smaller tail, 0.2544122544 (ref, by enumeration of the 3003
	 * splits). */
	static const double jhu_b[] = { 43.3, 57.1, 35.0, 50.0, 38.2, 61.2 };
	static const double jhu_a[] = { 51.9, 95.1, 90.0, 49.7, 101.5, 74.1,
					84.5, 46.8, 75.1 };
	double u, p;

	ck_assert_int_eq(stats_mann_whitney(perm_a, 5, perm_b, 10, STATS_AUTO,
					    &u, &p), 0);
	ck_assert_double_eq(u, 35);
	ck_assert_double_eq_tol(p, 2 * 0.1272, 1e-4);
	ck_assert_double_eq_tol(p, 0.2544122544122544, 1e-12);
	/* R, quoted at biostat.jhsph.edu/~iruczins/teaching/materials/code/
	 * pnp/c.pnp.html: wilcox.test(x, y) on these prints W = 8,
	 * p-value = 0.02557 (ref: 0.025574425574425574). */
	ck_assert_int_eq(stats_mann_whitney(jhu_a, N_OF(jhu_a), jhu_b,
					    N_OF(jhu_b), STATS_EXACT, &u, &p), 0);
	ck_assert_double_eq(u, 8);
	ck_assert_double_eq_tol(p, 0.025574425574425574, 1e-12);
	/* Either order: U of A is mn - U of B, p the same. */
	ck_assert_int_eq(stats_mann_whitney(jhu_b, N_OF(jhu_b), jhu_a,
					    N_OF(jhu_a), STATS_EXACT, &u, &p), 0);
	ck_assert_double_eq(u, 54 - 8);
	ck_assert_double_eq_tol(p, 0.025574425574425574, 1e-12);
}
END_TEST

START_TEST(test_mann_whitney_normal_ties)
{
	/* R (stats-Ex.Rout.save): wilcox.test(Ozone ~ Month, data =
	 * airquality, subset = Month %in% c(5, 8)) prints W = 127.5,
	 * p-value = 0.0001208 (normal approximation with continuity and
	 * tie correction; ref: 0.00012080783076877465). The data are R's
	 * airquality, May and August, NAs dropped. */
	static const double may[] = { 41, 36, 12, 18, 28, 23, 19, 8, 7, 16, 11,
				      14, 18, 14, 34, 6, 30, 11, 1, 11, 4, 32,
				      23, 45, 115, 37 };
	static const double aug[] = { 39, 9, 16, 78, 35, 66, 122, 89, 110, 44,
				      28, 65, 22, 59, 23, 31, 44, 21, 9, 45,
				      168, 73, 76, 118, 84, 85 };
	double u, p, pe;

	ck_assert_int_eq(stats_mann_whitney(aug, N_OF(aug), may, N_OF(may),
					    STATS_NORMAL, &u, &p), 0);
	ck_assert_double_eq(u, 127.5);
	ck_assert_double_eq_tol(p, 0.00012080783076877465, 1e-15);
	/* The exact conditional test agrees in substance (the normal
	 * approximation is good at 26 + 26). */
	ck_assert_int_eq(stats_mann_whitney(aug, N_OF(aug), may, N_OF(may),
					    STATS_AUTO, &u, &pe), 0);
	ck_assert(pe > p / 2 && pe < p * 2);
}
END_TEST

START_TEST(test_mann_whitney_exact_ties)
{
	/* ref: the permutation p-value given the ties, enumerating all
	 * C(13, 7) splits of the mid-ranks: U = 32.5, p = 141/1287. */
	static const double a[] = { 1, 2, 2, 3, 5, 5 };
	static const double b[] = { 2, 3, 4, 5, 6, 6, 7 };
	double u, p;

	ck_assert_int_eq(stats_mann_whitney(a, 6, b, 7, STATS_AUTO, &u, &p), 0);
	ck_assert_double_eq(u, 32.5);
	ck_assert_double_eq_tol(p, 0.10955710955710955, 1e-12);
	/* All values equal: no evidence at all. */
	ck_assert_int_eq(stats_mann_whitney((const double[]){ 4, 4 }, 2,
					    (const double[]){ 4, 4, 4 }, 3,
					    STATS_AUTO, &u, &p), 0);
	ck_assert_double_eq(u, 3);
	ck_assert_double_eq(p, 1);
	ck_assert_int_eq(stats_mann_whitney((const double[]){ 4, 4 }, 2,
					    (const double[]){ 4, 4, 4 }, 3,
					    STATS_NORMAL, &u, &p), 0);
	ck_assert_double_eq(p, 1);
}
END_TEST

START_TEST(test_mann_whitney_bad)
{
	static const double a[] = { 1, 2 };
	double u, p, *big_a, *big_b;
	size_t i;

	ck_assert_int_eq(stats_mann_whitney(a, 0, a, 2, STATS_AUTO, &u, &p),
			 -EINVAL);
	ck_assert(isnan(u) && isnan(p));
	ck_assert_int_eq(stats_mann_whitney(a, 2, NULL, 2, STATS_AUTO, &u, &p),
			 -EINVAL);
	ck_assert_int_eq(stats_mann_whitney(a, 2, (const double[]){ NAN }, 1,
					    STATS_AUTO, &u, &p), -EDOM);
	/* Forcing an exact table of 2000 + 2000 values is refused, not
	 * attempted. */
	big_a = malloc(2000 * sizeof(*big_a));
	big_b = malloc(2000 * sizeof(*big_b));
	ck_assert(big_a && big_b);
	for (i = 0; i < 2000; i++) {
		big_a[i] = (double)i;
		big_b[i] = (double)i + 0.5;
	}
	ck_assert_int_eq(stats_mann_whitney(big_a, 2000, big_b, 2000,
					    STATS_EXACT, &u, &p), -E2BIG);
	/* The normal approximation has no such limit. hand: b_j > a_i for
	 * j >= i: 2000 * 2001 / 2 pairs. */
	ck_assert_int_eq(stats_mann_whitney(big_a, 2000, big_b, 2000,
					    STATS_AUTO, &u, &p), 0);
	ck_assert_double_eq(u, 2000.0 * 2001 / 2);
	free(big_a);
	free(big_b);
}
END_TEST

/* ---- comparisons ---- */

START_TEST(test_compare_published)
{
	/* ref: R's exact interval for wilcox.test(x, y, conf.int = TRUE)
	 * on the permeability data, by enumeration: k = 9, [d(9), d(42)]
	 * of the 50 differences = [-0.15, 0.76], coverage 1 - 2 * 60/3003;
	 * the Hodges-Lehmann estimate 0.305 (R's "difference in location";
	 * Geyer's Stat 5601 notes print its negative, -0.305, for y - x). */
	struct stats_comparison c;

	ck_assert_int_eq(stats_compare(perm_a, 5, perm_b, 10, 0.95, &c), 0);
	ck_assert_uint_eq(c.na, 5);
	ck_assert_uint_eq(c.nb, 10);
	ck_assert(!c.ratio && c.exact);
	ck_assert_double_eq_tol(c.estimate, 0.305, 1e-12);
	ck_assert_double_eq_tol(c.lo, -0.15, 1e-12);
	ck_assert_double_eq_tol(c.hi, 0.76, 1e-12);
	ck_assert_double_eq_tol(c.achieved, 0.9600399600399601, 1e-12);
	ck_assert_double_eq(c.level, 0.95);
	ck_assert_double_eq(c.u, 35);
	ck_assert_double_eq_tol(c.p, 0.2544122544122544, 1e-12);
	/* hand: type 7 medians of each sample. */
	ck_assert_double_eq_tol(c.median_a, 0.90, TOL);
	ck_assert_double_eq_tol(c.median_b, (1.38 + 1.45) / 2, TOL);
	ck_assert(!stats_comparison_significant(&c));
	/* ref: at 90 %, k = 12: [-0.08, 0.72], coverage 0.9007659. */
	ck_assert_int_eq(stats_compare(perm_a, 5, perm_b, 10, 0.90, &c), 0);
	ck_assert_double_eq_tol(c.lo, -0.08, 1e-12);
	ck_assert_double_eq_tol(c.hi, 0.72, 1e-12);
	ck_assert_double_eq_tol(c.achieved, 0.9007659007659008, 1e-12);
}
END_TEST

/* hand: B = A + 10, five each. The differences b_j - a_i = 10 + (j - i)
 * take 6..14 with counts 1 2 3 4 5 4 3 2 1. Under the null U counts the
 * partitions of q into at most 5 parts of at most 5: 1, 1, 2, 3, ... so
 * P(U <= 2) = 4/252 < 0.025 <= P(U <= 3) = 7/252: k = 3, the interval
 * [d(3), d(23)] = [7, 13], coverage 1 - 8/252; p = 2/252. */
static const double five[] = { 1, 2, 3, 4, 5 };
static const double five10[] = { 11, 12, 13, 14, 15 };

START_TEST(test_compare_shift)
{
	struct stats_comparison c;

	ck_assert_int_eq(stats_compare(five, 5, five10, 5, 0.95, &c), 0);
	ck_assert_double_eq(c.estimate, 10);
	ck_assert_double_eq(c.lo, 7);
	ck_assert_double_eq(c.hi, 13);
	ck_assert_double_eq_tol(c.achieved, 1 - 8.0 / 252, 1e-12);
	ck_assert_double_eq(c.u, 25);
	ck_assert_double_eq_tol(c.p, 2.0 / 252, 1e-12);
	ck_assert(stats_comparison_significant(&c));
	/* Reversed: the same interval, negated. */
	ck_assert_int_eq(stats_compare(five10, 5, five, 5, 0.95, &c), 0);
	ck_assert_double_eq(c.estimate, -10);
	ck_assert_double_eq(c.lo, -13);
	ck_assert_double_eq(c.hi, -7);
	ck_assert(stats_comparison_significant(&c));
}
END_TEST

START_TEST(test_compare_touching_zero)
{
	/* hand: B = A + 3 with A = 0..4: the differences are 3 + (j - i),
	 * d(3) = 0. An interval that touches 0 is not significant. */
	static const double b[] = { 3, 4, 5, 6, 7 };
	static const double a[] = { 0, 1, 2, 3, 4 };
	struct stats_comparison c;

	ck_assert_int_eq(stats_compare(a, 5, b, 5, 0.95, &c), 0);
	ck_assert_double_eq(c.lo, 0);
	ck_assert_double_eq(c.hi, 6);
	ck_assert(!stats_comparison_significant(&c));
}
END_TEST

START_TEST(test_compare_overlap_and_ties)
{
	/* ref: 6 against 7, overlapping: U = 24, p = 0.7308, estimate 0.4,
	 * k = 7, [-1.1, 2.0], coverage 1 - 2 * 30/1716. */
	static const double a6[] = { 4.1, 5.0, 3.2, 6.3, 4.8, 5.5 };
	static const double b7[] = { 4.4, 5.9, 3.9, 6.1, 5.2, 4.0, 7.0 };
	/* ref: with ties the interval keeps the no-ties positions: same
	 * k = 7 for 6 against 7: [-1, 4], estimate 2. */
	static const double at[] = { 1, 2, 2, 3, 5, 5 };
	static const double bt[] = { 2, 3, 4, 5, 6, 6, 7 };
	struct stats_comparison c;

	ck_assert_int_eq(stats_compare(a6, 6, b7, 7, 0.95, &c), 0);
	ck_assert_double_eq(c.u, 24);
	ck_assert_double_eq_tol(c.p, 0.7307692307692307, 1e-12);
	ck_assert_double_eq_tol(c.estimate, 0.4, 1e-12);
	ck_assert_double_eq_tol(c.lo, -1.1, 1e-12);
	ck_assert_double_eq_tol(c.hi, 2.0, 1e-12);
	ck_assert_double_eq_tol(c.achieved, 0.965034965034965, 1e-12);
	ck_assert(!stats_comparison_significant(&c));

	ck_assert_int_eq(stats_compare(at, 6, bt, 7, 0.95, &c), 0);
	ck_assert_double_eq(c.estimate, 2);
	ck_assert_double_eq(c.lo, -1);
	ck_assert_double_eq(c.hi, 4);
	ck_assert_double_eq_tol(c.p, 0.10955710955710955, 1e-12);
}
END_TEST

START_TEST(test_compare_small_n)
{
	/* ref and hand: 3 against 3 can reach 90 % at most: the widest
	 * interval [d(1), d(9)] misses with 2/20. Here every b exceeds
	 * every a, p = 0.1: still "no significant difference" at 95 %. */
	static const double a3[] = { 2.0, 2.2, 2.1 };
	static const double b3[] = { 3.0, 3.3, 3.1 };
	struct stats_comparison c;

	ck_assert_int_eq(stats_compare(a3, 3, b3, 3, 0.95, &c), 0);
	ck_assert_double_eq_tol(c.estimate, 1.0, 1e-12);
	ck_assert_double_eq_tol(c.lo, 0.8, 1e-12);
	ck_assert_double_eq_tol(c.hi, 1.3, 1e-12);
	ck_assert_double_eq_tol(c.achieved, 0.9, 1e-12);
	ck_assert_double_eq_tol(c.p, 0.1, 1e-12);
	ck_assert(!stats_comparison_significant(&c));
	/* ... and at 90 % it is significant. */
	ck_assert_int_eq(stats_compare(a3, 3, b3, 3, 0.90, &c), 0);
	ck_assert(stats_comparison_significant(&c));
	/* hand: 1 against 1: one difference, coverage 1 - 2 * 1/2 = 0. */
	ck_assert_int_eq(stats_compare((const double[]){ 1 }, 1,
				       (const double[]){ 3 }, 1, 0.95, &c), 0);
	ck_assert(c.estimate == 2 && c.lo == 2 && c.hi == 2);
	ck_assert_double_eq(c.achieved, 0);
	ck_assert(!stats_comparison_significant(&c));
}
END_TEST

START_TEST(test_compare_normal)
{
	/* ref: 60 against 60 uses the normal approximation: a_i = i,
	 * b_j = j + 20.5; Hollander & Wolfe's k = round(mn/2 - z sigma),
	 * sigma = sqrt(mn (m + n + 1) / 12), z = 1.959963984540054 (tables):
	 * k = 1427, [d(1427), d(2174)] = [13.5, 27.5], estimate 20.5. */
	double a[60], b[60];
	struct stats_comparison c;
	size_t i;

	for (i = 0; i < 60; i++) {
		a[i] = (double)i;
		b[i] = (double)i + 20.5;
	}
	ck_assert_int_eq(stats_compare(a, 60, b, 60, 0.95, &c), 0);
	ck_assert(!c.exact);
	ck_assert_double_eq(c.estimate, 20.5);
	ck_assert_double_eq(c.lo, 13.5);
	ck_assert_double_eq(c.hi, 27.5);
	ck_assert_double_eq_tol(c.achieved, 0.9500470427264741, 1e-9);
	ck_assert(stats_comparison_significant(&c));
}
END_TEST

START_TEST(test_compare_largest_exact)
{
	/* 49 against 49 is still exact (R's rule: fewer than 50 each).
	 * ref: U = 1621, p = 0.002588783361838702 from Mann and Whitney's
	 * own recursion on integers; the normal approximation (continuity
	 * corrected) is near but above it in this tail. */
	double a[49], b[49], u, pn;
	struct stats_comparison c;
	size_t i;

	for (i = 0; i < 49; i++) {
		a[i] = (double)i;
		b[i] = (double)i + 9.5;
	}
	ck_assert_int_eq(stats_compare(a, 49, b, 49, 0.95, &c), 0);
	ck_assert(c.exact);
	ck_assert_int_eq(stats_mann_whitney(a, 49, b, 49, STATS_NORMAL, &u, &pn),
			 0);
	ck_assert_double_eq(u, c.u);
	ck_assert_double_eq(c.u, 1621);
	ck_assert_double_eq_tol(c.p, 0.002588783361838702, 1e-15);
	ck_assert(pn > c.p && pn < 1.2 * c.p);
	ck_assert(c.lo <= c.estimate && c.estimate <= c.hi);
	ck_assert_double_eq(c.estimate, 9.5);
}
END_TEST

START_TEST(test_compare_ratio)
{
	/* ref: B = 2 A, five each. log is monotone, so the interval of
	 * log b - log a is that of the ratios b/a, at the same k = 3:
	 * the 3rd and 23rd of the 25 ratios, 22/14 and 28/11; the median
	 * ratio 2. */
	static const double a[] = { 10, 11, 12, 13, 14 };
	static const double b[] = { 20, 22, 24, 26, 28 };
	struct stats_comparison c;

	ck_assert_int_eq(stats_compare_ratio(a, 5, b, 5, 0.95, &c), 0);
	ck_assert(c.ratio);
	ck_assert_double_eq_tol(c.estimate, 2, 1e-12);
	ck_assert_double_eq_tol(c.lo, 22.0 / 14, 1e-12);
	ck_assert_double_eq_tol(c.hi, 28.0 / 11, 1e-12);
	ck_assert_double_eq_tol(c.achieved, 1 - 8.0 / 252, 1e-12);
	ck_assert_double_eq(c.median_a, 12);
	ck_assert_double_eq(c.median_b, 24);
	ck_assert(stats_comparison_significant(&c));
	ck_assert_int_eq(stats_compare_ratio(a, 5, (const double[]){ 1, 0 }, 2,
					     0.95, &c), -EDOM);
	ck_assert(isnan(c.estimate));
	ck_assert_int_eq(stats_compare_ratio(a, 5, (const double[]){ 1, -2 }, 2,
					     0.95, &c), -EDOM);
}
END_TEST

START_TEST(test_compare_bad)
{
	static const double a[] = { 1, 2 };
	struct stats_comparison c;

	ck_assert_int_eq(stats_compare(a, 0, a, 2, 0.95, &c), -EINVAL);
	ck_assert(isnan(c.estimate) && isnan(c.lo) && isnan(c.p));
	ck_assert(!stats_comparison_significant(&c));
	ck_assert_int_eq(stats_compare(a, 2, a, 2, 0, &c), -EINVAL);
	ck_assert_int_eq(stats_compare(a, 2, a, 2, 1, &c), -EINVAL);
	ck_assert_int_eq(stats_compare(a, 2, a, 2, NAN, &c), -EINVAL);
	ck_assert_int_eq(stats_compare(a, 2, (const double[]){ INFINITY }, 1,
				       0.95, &c), -EDOM);
	ck_assert_int_eq(stats_compare(a, 2, a, 2, 0.95, NULL), -EINVAL);
	ck_assert_int_eq(stats_compare_ratio(a, 2, a, 2, 0.95, NULL), -EINVAL);
	ck_assert(!stats_comparison_significant(NULL));
}
END_TEST

START_TEST(test_compare_deterministic)
{
	/* No randomness and no state: the same samples in any order give
	 * bit-identical results. */
	static const double a[] = { 2.47, 2.51, 2.39, 2.62, 2.44 };
	static const double a2[] = { 2.62, 2.44, 2.47, 2.39, 2.51 };
	static const double b[] = { 4.50, 4.31, 4.77, 4.42, 4.58 };
	struct stats_comparison c1, c2;

	memset(&c1, 0, sizeof(c1));
	memset(&c2, 0xff, sizeof(c2));
	ck_assert_int_eq(stats_compare(a, 5, b, 5, 0.95, &c1), 0);
	ck_assert_int_eq(stats_compare(a2, 5, b, 5, 0.95, &c2), 0);
	ck_assert(c1.estimate == c2.estimate && c1.lo == c2.lo &&
		  c1.hi == c2.hi && c1.p == c2.p && c1.u == c2.u &&
		  c1.achieved == c2.achieved);
}
END_TEST

/* ---- the verdict text ---- */

static void assert_text(const struct stats_comparison *c,
			const struct stats_labels *l, const char *want)
{
	struct strbuf sb = STRBUF_INIT;

	ck_assert_int_eq(stats_comparison_describe(c, l, &sb), 0);
	ck_assert_str_eq(strbuf_str(&sb), want);
	strbuf_release(&sb);
}

START_TEST(test_describe)
{
	static const double a3[] = { 2.0, 2.2, 2.1 };
	static const double b3[] = { 3.0, 3.3, 3.1 };
	static const double a6[] = { 4.1, 5.0, 3.2, 6.3, 4.8, 5.5 };
	static const double b7[] = { 4.4, 5.9, 3.9, 6.1, 5.2, 4.0, 7.0 };
	struct stats_labels l = { .a = "central", .b = "regional-cells",
				  .unit = "s" };
	struct stats_comparison c;

	/* The intervals of the tests above; numbers with two significant
	 * digits of the interval's width (6 -> one decimal). */
	ck_assert_int_eq(stats_compare(five, 5, five10, 5, 0.95, &c), 0);
	assert_text(&c, &l, "central is faster by 10.0 s (95 % CI 7.0 to 13.0 s)");
	ck_assert_int_eq(stats_compare(five10, 5, five, 5, 0.95, &c), 0);
	assert_text(&c, &l,
		    "regional-cells is faster by 10.0 s (95 % CI 7.0 to 13.0 s)");
	/* Throughput: higher wins. */
	l.higher_is_better = true;
	l.comparative = "higher";
	l.unit = "Mbit/s";
	ck_assert_int_eq(stats_compare(five, 5, five10, 5, 0.95, &c), 0);
	assert_text(&c, &l,
		    "regional-cells is higher by 10.0 Mbit/s (95 % CI 7.0 to 13.0 Mbit/s)");
	l.higher_is_better = false;
	l.comparative = NULL;
	l.unit = "s";

	ck_assert_int_eq(stats_compare(a6, 6, b7, 7, 0.95, &c), 0);
	assert_text(&c, &l, "no significant difference "
		    "(regional-cells - central: 95 % CI -1.1 to 2.0 s)");
	ck_assert_int_eq(stats_compare(a3, 3, b3, 3, 0.95, &c), 0);
	assert_text(&c, &l, "no significant difference: samples of 3 and 3 "
		    "cannot reach 95 % (regional-cells - central: 90 % CI "
		    "0.80 to 1.30 s)");
	/* Defaults: names A and B, no unit. */
	ck_assert_int_eq(stats_compare(five, 5, five10, 5, 0.95, &c), 0);
	assert_text(&c, NULL, "A is faster by 10.0 (95 % CI 7.0 to 13.0)");
}
END_TEST

START_TEST(test_describe_ratio)
{
	static const double a[] = { 10, 11, 12, 13, 14 };
	static const double b[] = { 20, 22, 24, 26, 28 };
	struct stats_labels l = { .a = "central", .b = "regional-cells",
				  .unit = "s" };
	struct stats_comparison c;

	/* ref: B / A in [1.571, 2.545]: central is the faster one; from
	 * the other side the ratios invert (1/2.545 .. 1/1.571). */
	ck_assert_int_eq(stats_compare_ratio(a, 5, b, 5, 0.95, &c), 0);
	assert_text(&c, &l, "central is 2.00x faster (95 % CI 1.57x to 2.55x)");
	ck_assert_int_eq(stats_compare_ratio(b, 5, a, 5, 0.95, &c), 0);
	assert_text(&c, &l,
		    "regional-cells is 2.00x faster (95 % CI 1.57x to 2.55x)");
	ck_assert_int_eq(stats_compare_ratio(a, 5, a, 5, 0.95, &c), 0);
	ck_assert(!stats_comparison_significant(&c));
	{
		static const char want[] = "no significant difference "
					   "(regional-cells / central: 95 % CI ";
		struct strbuf sb = STRBUF_INIT;

		ck_assert_int_eq(stats_comparison_describe(&c, &l, &sb), 0);
		ck_assert(!strncmp(strbuf_str(&sb), want, strlen(want)));
		strbuf_release(&sb);
	}
}
END_TEST

START_TEST(test_describe_bad)
{
	struct stats_comparison c;
	struct strbuf sb = STRBUF_INIT;

	ck_assert_int_eq(stats_compare(five, 0, five, 5, 0.95, &c), -EINVAL);
	ck_assert_int_eq(stats_comparison_describe(&c, NULL, &sb), -EINVAL);
	ck_assert_int_eq(stats_comparison_describe(NULL, NULL, &sb), -EINVAL);
	ck_assert_int_eq(stats_compare(five, 5, five, 5, 0.95, &c), 0);
	ck_assert_int_eq(stats_comparison_describe(&c, NULL, NULL), -EINVAL);
	ck_assert_uint_eq(sb.len, 0);
	strbuf_release(&sb);
}
END_TEST

Suite *make_stats_suite(void)
{
	Suite *s = suite_create("stats");
	TCase *tc = tcase_create("stats");

	tcase_add_test(tc, test_quantile_type7);
	tcase_add_test(tc, test_quantile_bad);
	tcase_add_test(tc, test_summary);
	tcase_add_test(tc, test_summary_small_n);
	tcase_add_test(tc, test_summary_precision);
	tcase_add_test(tc, test_summary_refuses_non_finite);
	tcase_add_test(tc, test_sort);
	tcase_add_test(tc, test_ecdf);
	tcase_add_test(tc, test_median_ci);
	tcase_add_test(tc, test_median_ci_small_n);
	tcase_add_test(tc, test_median_ci_bad);
	tcase_add_test(tc, test_mann_whitney_published);
	tcase_add_test(tc, test_mann_whitney_normal_ties);
	tcase_add_test(tc, test_mann_whitney_exact_ties);
	tcase_add_test(tc, test_mann_whitney_bad);
	tcase_add_test(tc, test_compare_published);
	tcase_add_test(tc, test_compare_shift);
	tcase_add_test(tc, test_compare_touching_zero);
	tcase_add_test(tc, test_compare_overlap_and_ties);
	tcase_add_test(tc, test_compare_small_n);
	tcase_add_test(tc, test_compare_normal);
	tcase_add_test(tc, test_compare_largest_exact);
	tcase_add_test(tc, test_compare_ratio);
	tcase_add_test(tc, test_compare_bad);
	tcase_add_test(tc, test_compare_deterministic);
	tcase_add_test(tc, test_describe);
	tcase_add_test(tc, test_describe_ratio);
	tcase_add_test(tc, test_describe_bad);
	suite_add_tcase(s, tc);
	return s;
}
