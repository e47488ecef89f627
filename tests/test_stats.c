/* test_stats — reports/stats.c against values known independently of it.
 *
 * Where each expected value comes from is said beside it:
 * - "hand": worked out in the comment;
 * - "R": what R prints, quoted;
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
	suite_add_tcase(s, tc);
	return s;
}
