/* stats — summaries, quantiles, ECDFs and the median's confidence
 * interval; see stats.h for the definitions and why they were chosen. */
#include "reports/stats.h"

#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* An achieved coverage this close under the level counts as reaching it
 * (1 - 2 * 1/40 is 0.95 only up to rounding). */
#define LEVEL_SLACK 1e-9

static int all_finite(const double *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!isfinite(v[i]))
			return -EDOM;
	return 0;
}

static int cmp_double(const void *pa, const void *pb)
{
	double a = *(const double *)pa, b = *(const double *)pb;

	return (a > b) - (a < b);
}

int stats_sort(double *v, size_t n)
{
	int rc;

	if (!v && n)
		return -EINVAL;
	rc = all_finite(v, n);
	if (rc)
		return rc;
	if (n > 1)
		qsort(v, n, sizeof(*v), cmp_double);
	return 0;
}

/* A sorted copy of V[0..N), checked; free() it. */
static int sorted_copy(const double *v, size_t n, double **out)
{
	double *s;
	int rc;

	*out = NULL;
	rc = all_finite(v, n);
	if (rc)
		return rc;
	s = malloc(n * sizeof(*s));
	if (!s)
		return -ENOMEM;
	memcpy(s, v, n * sizeof(*s));
	qsort(s, n, sizeof(*s), cmp_double);
	*out = s;
	return 0;
}

/* Type 7 on sorted, finite data; N > 0, 0 <= Q <= 1. Written as R's
 * quantile.default writes it, (1 - h) x[j] + h x[j+1], and only when the
 * neighbours differ, so a constant run returns its value exactly. */
static double quantile7(const double *s, size_t n, double q)
{
	double idx = (double)(n - 1) * q, h;
	size_t j = (size_t)floor(idx);

	if (j >= n - 1)
		return s[n - 1];
	h = idx - (double)j;
	if (h <= 0 || s[j + 1] == s[j])
		return s[j];
	return (1 - h) * s[j] + h * s[j + 1];
}

int stats_quantile(const double *sorted, size_t n, double q, double *out)
{
	if (!out)
		return -EINVAL;
	*out = NAN;
	if (!sorted || n == 0 || !(q >= 0 && q <= 1))
		return -EINVAL;
	*out = quantile7(sorted, n, q);
	return 0;
}

int stats_summarize(const double *v, size_t n, struct stats_summary *out)
{
	double *s = NULL, sum = 0, dev = 0, sq = 0, mean;
	size_t i;
	int rc;

	if (!out)
		return -EINVAL;
	out->n = 0;
	out->min = out->max = out->mean = out->stddev = NAN;
	out->p50 = out->p90 = out->p99 = NAN;
	if (!v || n == 0)
		return -EINVAL;
	rc = sorted_copy(v, n, &s);
	if (rc)
		return rc;
	/* Two passes: the mean, then the deviations from it, which also
	 * correct the mean's rounding (the "corrected two-pass" of Chan,
	 * Golub & LeVeque). */
	for (i = 0; i < n; i++)
		sum += s[i];
	mean = sum / (double)n;
	for (i = 0; i < n; i++) {
		double d = s[i] - mean;

		dev += d;
		sq += d * d;
	}
	out->n = n;
	out->min = s[0];
	out->max = s[n - 1];
	out->mean = mean + dev / (double)n;
	if (n > 1)
		out->stddev = sqrt(fmax(0, (sq - dev * dev / (double)n) /
					   (double)(n - 1)));
	out->p50 = quantile7(s, n, 0.50);
	out->p90 = quantile7(s, n, 0.90);
	out->p99 = quantile7(s, n, 0.99);
	free(s);
	return 0;
}

int stats_ecdf(const double *v, size_t n, double *xs, double *ps, size_t *m)
{
	size_t i, k = 0;
	int rc;

	if (!v || !xs || !ps || !m || n == 0)
		return -EINVAL;
	*m = 0;
	rc = all_finite(v, n);
	if (rc)
		return rc;
	if (xs != v)
		memmove(xs, v, n * sizeof(*xs));
	qsort(xs, n, sizeof(*xs), cmp_double);
	/* Keep the last of each run of equal values: the step's height is
	 * the count up to and including it. k <= i, so writing in place is
	 * safe. */
	for (i = 0; i < n; i++) {
		if (i + 1 < n && xs[i + 1] == xs[i])
			continue;
		xs[k] = xs[i];
		ps[k] = (double)(i + 1) / (double)n;
		k++;
	}
	*m = k;
	return 0;
}

bool stats_interval_reached(const struct stats_interval *iv)
{
	return iv && iv->achieved >= iv->level - LEVEL_SLACK;
}

static void interval_nan(struct stats_interval *iv)
{
	iv->estimate = iv->lo = iv->hi = iv->level = iv->achieved = NAN;
}

/* The smallest q with P(Bin(n, 1/2) <= q) >= TARGET, or n; *BELOW gets
 * P(Bin(n, 1/2) <= q - 1). Terms are carried as logarithms so that
 * 2^-n does not underflow the sum's meaningful part for large n. */
static size_t binom_half_quantile(size_t n, double target, double *below)
{
	double lt = -(double)n * M_LN2, cdf = 0;
	size_t q;

	for (q = 0; q < n; q++) {
		double next = cdf + exp(lt);

		if (next >= target - 10 * DBL_EPSILON)
			break;
		cdf = next;
		lt += log((double)(n - q) / (double)(q + 1));
	}
	*below = cdf;
	return q;
}

int stats_median_ci(const double *v, size_t n, double level,
		    struct stats_interval *out)
{
	double *s = NULL, below;
	size_t k;
	int rc;

	if (!out)
		return -EINVAL;
	interval_nan(out);
	if (!v || n == 0 || !(level > 0 && level < 1))
		return -EINVAL;
	rc = sorted_copy(v, n, &s);
	if (rc)
		return rc;
	/* [x(k), x(n+1-k)] misses the median with probability
	 * 2 P(B <= k - 1): k is the first order statistic whose lower
	 * tail reaches alpha / 2 (R's qwilcox makes the same choice for
	 * its two-sample interval). */
	k = binom_half_quantile(n, (1 - level) / 2, &below);
	if (k == 0) {
		k = 1;
		below = ldexp(1, -(int)fmin((double)n, 2000));
	}
	out->estimate = quantile7(s, n, 0.5);
	out->lo = s[k - 1];
	out->hi = s[n - k];
	out->level = level;
	out->achieved = fmax(0, 1 - 2 * below);
	free(s);
	return 0;
}
