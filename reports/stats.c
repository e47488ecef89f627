/* stats — summaries, quantiles, ECDFs, the median's confidence interval
 * and the Hodges-Lehmann / Mann-Whitney comparison of two samples; see
 * stats.h for the definitions and why they were chosen. */
#include "reports/stats.h"
#include "util/strbuf.h"

#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Exact distributions larger than this many doubles (64 MiB) are refused
 * rather than tabulated; STATS_AUTO never gets near it. */
#define EXACT_MAX_CELLS ((size_t)8 << 20)
/* STATS_AUTO is exact below this many values per sample (R's rule). */
#define EXACT_BELOW 50
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
	 * the two-sample interval below). */
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

/* ---- Mann-Whitney ---- */

/* The null distribution of the sum of G of the N integer SCORES when
 * every G-subset is equally likely: *DIST[s] = P(sum == s) for
 * s = 0..*SMAX (free() it). A knapsack count over (subset size, sum). */
static int subset_sum_dist(const unsigned long *score, size_t n, size_t g,
			   double **dist, size_t *smax)
{
	unsigned long *top = NULL;
	double *dp = NULL, total = 0;
	size_t i, j, s, max = 0, width;

	*dist = NULL;
	/* The largest possible sum: the G largest scores. */
	top = malloc(n * sizeof(*top));
	if (!top)
		return -ENOMEM;
	memcpy(top, score, n * sizeof(*top));
	for (i = 0; i < g; i++) {
		size_t best = i;

		for (j = i + 1; j < n; j++)
			if (top[j] > top[best])
				best = j;
		max += top[best];
		top[best] = top[i];
	}
	free(top);
	width = max + 1;
	if (width > EXACT_MAX_CELLS / (g + 1))
		return -E2BIG;
	dp = calloc((g + 1) * width, sizeof(*dp));
	if (!dp)
		return -ENOMEM;
	dp[0] = 1;
	for (i = 0; i < n; i++) {
		size_t jmax = i + 1 < g ? i + 1 : g;

		for (j = jmax; j >= 1; j--) {
			double *to = dp + j * width;
			const double *from = dp + (j - 1) * width;

			for (s = max; s >= score[i]; s--) {
				to[s] += from[s - score[i]];
				if (s == 0)
					break;
			}
		}
	}
	/* Keep row G, as probabilities, at the start of the block. */
	for (s = 0; s < width; s++)
		total += dp[g * width + s];
	for (s = 0; s < width; s++)
		dp[s] = dp[g * width + s] / total;
	*dist = dp;
	*smax = max;
	return 0;
}

/* Standard normal lower tail. */
static double phi(double z)
{
	return 0.5 * erfc(-z / M_SQRT2);
}

/* The pooled sample, each value with its sample (0: A, 1: B). */
struct pooled {
	double v;
	int from_b;
};

static int cmp_pooled(const void *pa, const void *pb)
{
	return cmp_double(&((const struct pooled *)pa)->v,
			  &((const struct pooled *)pb)->v);
}

/* Mid-ranks doubled (so they stay integers) of A and B pooled, in the
 * pooled order, into *SCORE (free() it); *U_B the Mann-Whitney U of B;
 * *TIE_SUM the sum of t^3 - t over the groups of t tied values. */
static int pooled_ranks(const double *a, size_t na, const double *b, size_t nb,
			unsigned long **score, double *u_b, double *tie_sum)
{
	size_t n = na + nb, i, j;
	struct pooled *p;
	unsigned long *sc;
	double w_b2 = 0, ties = 0;

	p = malloc(n * sizeof(*p));
	sc = malloc(n * sizeof(*sc));
	if (!p || !sc) {
		free(p);
		free(sc);
		return -ENOMEM;
	}
	for (i = 0; i < na; i++)
		p[i] = (struct pooled){ a[i], 0 };
	for (i = 0; i < nb; i++)
		p[na + i] = (struct pooled){ b[i], 1 };
	qsort(p, n, sizeof(*p), cmp_pooled);
	for (i = 0; i < n; i = j) {
		double t;
		size_t k;

		for (j = i + 1; j < n && p[j].v == p[i].v; j++)
			;
		/* Positions i+1..j (1-based) share the mid-rank
		 * (i+1+j)/2: doubled, i+1+j. */
		for (k = i; k < j; k++) {
			sc[k] = (unsigned long)(i + 1 + j);
			if (p[k].from_b)
				w_b2 += (double)sc[k];
		}
		t = (double)(j - i);
		ties += t * t * t - t;
	}
	free(p);
	*score = sc;
	*u_b = w_b2 / 2 - (double)nb * ((double)nb + 1) / 2;
	*tie_sum = ties;
	return 0;
}

static bool auto_exact(size_t na, size_t nb)
{
	return na < EXACT_BELOW && nb < EXACT_BELOW;
}

int stats_mann_whitney(const double *a, size_t na, const double *b, size_t nb,
		       enum stats_method method, double *u, double *p)
{
	unsigned long *score = NULL;
	double *dist = NULL, u_b, ties, mn = (double)na * (double)nb;
	size_t n = na + nb, smax, i;
	bool exact;
	int rc;

	if (!u || !p)
		return -EINVAL;
	*u = *p = NAN;
	if (!a || !b || na == 0 || nb == 0)
		return -EINVAL;
	if (all_finite(a, na) || all_finite(b, nb))
		return -EDOM;
	rc = pooled_ranks(a, na, b, nb, &score, &u_b, &ties);
	if (rc)
		return rc;
	exact = method == STATS_EXACT ||
		(method == STATS_AUTO && auto_exact(na, nb));
	if (exact) {
		/* The permutation distribution of B's doubled mid-rank
		 * sum given these ties; two-sided as R: twice the smaller
		 * tail, at most 1. */
		double w2 = 2 * (u_b + (double)nb * ((double)nb + 1) / 2);
		double lower = 0, upper = 0;
		size_t g = nb, w;

		/* The table is smaller for the smaller sample; the
		 * two-sided p-value is the same for either. Doubled
		 * mid-ranks sum to N(N+1). */
		if (na < nb) {
			g = na;
			w2 = (double)n * ((double)n + 1) - w2;
		}
		w = (size_t)llround(w2);
		rc = subset_sum_dist(score, n, g, &dist, &smax);
		if (rc)
			goto out;
		for (i = 0; i <= smax; i++) {
			if (i <= w)
				lower += dist[i];
			if (i >= w)
				upper += dist[i];
		}
		*p = fmin(1, 2 * fmin(lower, upper));
	} else {
		double nn = (double)n;
		double var = mn / 12 * ((nn + 1) - ties / (nn * (nn - 1)));
		double z = u_b - mn / 2;

		if (var <= 0) {
			*p = 1;     /* every value equal */
		} else {
			z = (z - (z > 0 ? 0.5 : z < 0 ? -0.5 : 0)) / sqrt(var);
			*p = fmin(1, 2 * fmin(phi(z), phi(-z)));
		}
	}
	*u = u_b;
out:
	free(dist);
	free(score);
	return rc;
}

/* The key of a finite double in an unsigned order that matches < . */
static uint64_t order_key(double x)
{
	uint64_t k;

	memcpy(&k, &x, sizeof(k));
	return (k >> 63) ? ~k : k | ((uint64_t)1 << 63);
}

static double from_key(uint64_t k)
{
	double x;

	k = (k >> 63) ? k & ~((uint64_t)1 << 63) : ~k;
	memcpy(&x, &k, sizeof(x));
	return x;
}

/* How many of the differences b[j] - a[i] (as computed in doubles) are
 * <= T, for A and B sorted ascending: one pass, because a rounded
 * difference is monotone in each operand. */
static size_t count_le(const double *a, size_t na, const double *b, size_t nb,
		       double t)
{
	size_t i = 0, j, c = 0;

	for (j = 0; j < nb; j++) {
		while (i < na && b[j] - a[i] > t)
			i++;
		c += na - i;
	}
	return c;
}

/* The K-th smallest (1-based) of the NA x NB differences b[j] - a[i],
 * without forming them: a bisection over the doubles between the
 * smallest and the largest difference, ordered by their bit patterns,
 * for the first one with at least K differences at or below it. At most
 * 64 passes over A and B, exact (the result is one of the differences). */
static double kth_difference(const double *a, size_t na, const double *b,
			     size_t nb, size_t k)
{
	uint64_t lo = order_key(b[0] - a[na - 1]);
	uint64_t hi = order_key(b[nb - 1] - a[0]);

	while (lo < hi) {
		uint64_t mid = lo + (hi - lo) / 2;

		if (count_le(a, na, b, nb, from_key(mid)) >= k)
			hi = mid;
		else
			lo = mid + 1;
	}
	return from_key(lo) + 0.0;      /* -0 prints as 0 */
}

/* P(U <= q) under the null without ties, from the exact table (CDF of
 * the rank sum, offset by g(g+1)/2) or the normal approximation with
 * continuity correction. */
struct u_null {
	const double *cdf;      /* exact: cdf[s] = P(W <= s), or NULL */
	size_t smax;
	double offset;          /* g(g+1)/2: W = U + offset */
	double mean, sd;        /* normal: mn/2, sqrt(mn(N+1)/12) */
};

static double u_cdf(const struct u_null *nl, double q)
{
	double s;

	if (q < 0)
		return 0;
	if (!nl->cdf)
		return phi((q + 0.5 - nl->mean) / nl->sd);
	s = q + nl->offset;
	if (s >= (double)nl->smax)
		return 1;
	return nl->cdf[(size_t)s];
}

/* The first k (>= 1) whose lower tail P(U <= k) reaches TARGET, as
 * R's qwilcox (with its tolerance), searched by bisection over
 * 0..mn; k == 0 becomes 1. */
static size_t u_lower_index(const struct u_null *nl, double mn, double target)
{
	double lo = 0, hi = mn;

	while (lo < hi) {
		double mid = floor((lo + hi) / 2);

		if (u_cdf(nl, mid) >= target - 10 * DBL_EPSILON)
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo < 1 ? 1 : (size_t)lo;
}

static void comparison_nan(struct stats_comparison *c)
{
	c->median_a = c->median_b = c->estimate = c->lo = c->hi = NAN;
	c->level = c->achieved = c->u = c->p = NAN;
}

/* The comparison on A and B (already transformed for ratios). */
static int compare(const double *a, size_t na, const double *b, size_t nb,
		   double level, struct stats_comparison *out)
{
	double *sa = NULL, *sb = NULL, *cdf = NULL, mn;
	unsigned long *ranks = NULL;
	struct u_null nl = { 0 };
	size_t n = na + nb, pairs, k, half, i;
	int rc;

	rc = sorted_copy(a, na, &sa);
	if (!rc)
		rc = sorted_copy(b, nb, &sb);
	if (rc)
		goto out;
	if (nb > SIZE_MAX / na) {
		rc = -EOVERFLOW;
		goto out;
	}
	pairs = na * nb;
	mn = (double)pairs;
	out->exact = auto_exact(na, nb);
	rc = stats_mann_whitney(a, na, b, nb,
				out->exact ? STATS_EXACT : STATS_NORMAL,
				&out->u, &out->p);
	if (rc)
		goto out;

	/* Hodges-Lehmann: the median of the differences, as R's median. */
	half = pairs / 2;
	if (pairs % 2)
		out->estimate = kth_difference(sa, na, sb, nb, half + 1);
	else
		out->estimate = (kth_difference(sa, na, sb, nb, half) +
				 kth_difference(sa, na, sb, nb, half + 1)) / 2;

	/* The interval [d(k), d(mn+1-k)] misses with probability
	 * 2 P(U <= k - 1) under the no-ties null distribution of U. */
	if (out->exact) {
		size_t g = na < nb ? na : nb;
		double run = 0;

		ranks = malloc(n * sizeof(*ranks));
		if (!ranks) {
			rc = -ENOMEM;
			goto out;
		}
		for (i = 0; i < n; i++)
			ranks[i] = i + 1;
		rc = subset_sum_dist(ranks, n, g, &cdf, &nl.smax);
		if (rc)
			goto out;
		for (i = 0; i <= nl.smax; i++) {
			run += cdf[i];
			cdf[i] = run;
		}
		nl.cdf = cdf;
		nl.offset = (double)g * ((double)g + 1) / 2;
	} else {
		nl.mean = mn / 2;
		nl.sd = sqrt(mn * ((double)n + 1) / 12);
	}
	k = u_lower_index(&nl, mn, (1 - level) / 2);
	out->lo = kth_difference(sa, na, sb, nb, k);
	out->hi = kth_difference(sa, na, sb, nb, pairs + 1 - k);
	out->achieved = fmax(0, 1 - 2 * u_cdf(&nl, (double)k - 1));
	out->median_a = quantile7(sa, na, 0.5);
	out->median_b = quantile7(sb, nb, 0.5);
out:
	free(sa);
	free(sb);
	free(cdf);
	free(ranks);
	return rc;
}

static int compare_begin(const double *a, size_t na, const double *b,
			 size_t nb, double level, struct stats_comparison *out)
{
	if (!out)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	comparison_nan(out);
	if (!a || !b || na == 0 || nb == 0 || !(level > 0 && level < 1))
		return -EINVAL;
	if (all_finite(a, na) || all_finite(b, nb))
		return -EDOM;
	out->na = na;
	out->nb = nb;
	return 0;
}

int stats_compare(const double *a, size_t na, const double *b, size_t nb,
		  double level, struct stats_comparison *out)
{
	int rc = compare_begin(a, na, b, nb, level, out);

	if (rc)
		return rc;
	rc = compare(a, na, b, nb, level, out);
	if (rc) {
		comparison_nan(out);
		return rc;
	}
	out->level = level;
	return 0;
}

/* The type 7 median of V[0..N) into *OUT. */
static int median_of(const double *v, size_t n, double *out)
{
	double *s;
	int rc = sorted_copy(v, n, &s);

	if (rc)
		return rc;
	*out = quantile7(s, n, 0.5);
	free(s);
	return 0;
}

int stats_compare_ratio(const double *a, size_t na, const double *b,
			size_t nb, double level, struct stats_comparison *out)
{
	double *la = NULL, *lb = NULL;
	size_t i;
	int rc = compare_begin(a, na, b, nb, level, out);

	if (rc)
		goto out;
	la = malloc(na * sizeof(*la));
	lb = malloc(nb * sizeof(*lb));
	if (!la || !lb) {
		rc = -ENOMEM;
		goto out;
	}
	for (i = 0; i < na; i++)
		la[i] = a[i] > 0 ? log(a[i]) : NAN;
	for (i = 0; i < nb; i++)
		lb[i] = b[i] > 0 ? log(b[i]) : NAN;
	rc = compare(la, na, lb, nb, level, out);
	if (rc)
		goto out;
	out->ratio = true;
	out->level = level;
	out->estimate = exp(out->estimate);
	out->lo = exp(out->lo);
	out->hi = exp(out->hi);
	/* The medians of the values themselves: for an even n the
	 * antilog of the median log would be a geometric mean. */
	rc = median_of(a, na, &out->median_a);
	if (!rc)
		rc = median_of(b, nb, &out->median_b);
out:
	free(la);
	free(lb);
	if (rc && out)
		comparison_nan(out);
	return rc;
}

bool stats_comparison_significant(const struct stats_comparison *c)
{
	double none;

	if (!c || isnan(c->lo) || isnan(c->hi) || isnan(c->achieved))
		return false;
	if (c->achieved < c->level - LEVEL_SLACK)
		return false;
	none = c->ratio ? 1 : 0;
	return c->lo > none || c->hi < none;
}

/* ---- the verdict sentence ---- */

/* Decimals that give two significant digits of WIDTH (or three of
 * MAGNITUDE when the interval is a point). */
static int decimals(double width, double magnitude)
{
	double d;

	if (width > 0 && isfinite(width))
		d = 1 - floor(log10(width));
	else if (magnitude > 0 && isfinite(magnitude))
		d = 2 - floor(log10(magnitude));
	else
		d = 0;
	return (int)fmin(9, fmax(0, d));
}

/* A level as a percentage, rounded down so that it never overclaims:
 * 0.95 -> "95", 0.9375 -> "93.7". */
static void add_level(struct strbuf *sb, double level)
{
	strbuf_addf(sb, "%.4g", floor(level * 1000 + 1e-6) / 10);
}

static void add_value(struct strbuf *sb, double x, int dec, const char *unit,
		      bool ratio)
{
	strbuf_addf(sb, "%.*f", dec, x);
	if (ratio)
		strbuf_addc(sb, 'x');
	else if (unit && *unit)
		strbuf_addf(sb, " %s", unit);
}

int stats_comparison_describe(const struct stats_comparison *c,
			      const struct stats_labels *labels,
			      struct strbuf *sb)
{
	static const struct stats_labels none = { 0 };
	const struct stats_labels *l = labels ? labels : &none;
	const char *na = l->a ? l->a : "A", *nb = l->b ? l->b : "B";
	const char *comp = l->comparative ? l->comparative : "faster";
	double est = NAN, lo = NAN, hi = NAN;
	bool b_larger, b_wins;
	int dec;

	if (!c || !sb || isnan(c->estimate) || isnan(c->lo) || isnan(c->hi))
		return -EINVAL;
	if (stats_comparison_significant(c)) {
		/* Say it from the winner's side, with positive numbers:
		 * for a shift the magnitude of B - A, for a ratio how many
		 * times (loser / winner). */
		b_larger = c->ratio ? c->lo > 1 : c->lo > 0;
		b_wins = b_larger == l->higher_is_better;
		if (c->ratio) {
			bool up = b_larger;

			est = up ? c->estimate : 1 / c->estimate;
			lo = up ? c->lo : 1 / c->hi;
			hi = up ? c->hi : 1 / c->lo;
		} else {
			double sign = b_larger ? 1 : -1;

			est = sign * c->estimate;
			lo = b_larger ? c->lo : -c->hi;
			hi = b_larger ? c->hi : -c->lo;
		}
		dec = decimals(hi - lo, fabs(est));
		strbuf_addf(sb, "%s is ", b_wins ? nb : na);
		if (c->ratio) {
			add_value(sb, est, dec, NULL, true);
			strbuf_addf(sb, " %s (", comp);
		} else {
			strbuf_addf(sb, "%s by ", comp);
			add_value(sb, est, dec, l->unit, false);
			strbuf_adds(sb, " (");
		}
		add_level(sb, c->level);
		strbuf_adds(sb, " % CI ");
		add_value(sb, lo, dec, c->ratio ? NULL : "", c->ratio);
		strbuf_adds(sb, " to ");
		add_value(sb, hi, dec, l->unit, c->ratio);
		strbuf_addc(sb, ')');
		return sb->err;
	}
	dec = decimals(c->hi - c->lo, fmax(fabs(c->lo), fabs(c->hi)));
	strbuf_adds(sb, "no significant difference");
	if (c->achieved < c->level - LEVEL_SLACK) {
		strbuf_addf(sb, ": samples of %zu and %zu cannot reach ",
			    c->na, c->nb);
		add_level(sb, c->level);
		strbuf_adds(sb, " %");
	}
	strbuf_addf(sb, " (%s %s %s: ", nb, c->ratio ? "/" : "-", na);
	add_level(sb, c->achieved < c->level - LEVEL_SLACK ? c->achieved
							    : c->level);
	strbuf_adds(sb, " % CI ");
	add_value(sb, c->lo, dec, "", c->ratio);
	strbuf_adds(sb, " to ");
	add_value(sb, c->hi, dec, l->unit, c->ratio);
	strbuf_addc(sb, ')');
	return sb->err;
}
