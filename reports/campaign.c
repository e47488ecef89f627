/* campaign — what the report of many runs computes; see campaign.h. */
#include "reports/campaign.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "util/str.h"
#include "util/strbuf.h"

static int metric_cmp(const void *pa, const void *pb)
{
	const struct campaign_metric *a = pa, *b = pb;
	int c;

	if (a->kind != b->kind)
		return a->kind < b->kind ? -1 : 1;
	c = strcmp(a->workload, b->workload);
	if (!c)
		c = strcmp(a->op, b->op);
	if (!c)
		c = strcmp(a->unit, b->unit);
	return c;
}

/* Does a value in UNIT get better as it grows? Rates do (bit/s). */
static bool per_second(const char *unit)
{
	size_t n = strlen(unit);

	return n > 2 && !strcmp(unit + n - 2, "/s");
}

int campaign_metrics(const struct campaign_input *in,
		     struct campaign_metric **out, size_t *n)
{
	struct campaign_metric *m = NULL, key;
	size_t cap = 0, len = 0, i, k;

	*out = NULL;
	*n = 0;
	for (i = 0; i < in->n_runs; i++) {
		const struct campaign_run *r = &in->runs[i];
		size_t total = r->n_sums + r->n_values;

		for (k = 0; k < total; k++) {
			memset(&key, 0, sizeof(key));
			if (k < r->n_sums) {
				if (strcmp(r->sums[k].site, "*"))
					continue;
				key.kind = CAMPAIGN_LATENCY;
				key.workload = r->sums[k].workload;
				key.op = r->sums[k].op;
				key.unit = "ms";
			} else {
				const struct report_wlvalue *v = &r->values[k - r->n_sums];

				if (strcmp(v->site, "*"))
					continue;
				key.kind = CAMPAIGN_VALUE;
				key.workload = v->workload;
				key.op = v->op;
				key.unit = v->unit;
				key.higher_is_better = per_second(v->unit);
			}
			if (len && bsearch(&key, m, len, sizeof(*m), metric_cmp))
				continue;
			if (len == cap) {
				struct campaign_metric *g;

				cap = cap ? 2 * cap : 16;
				g = realloc(m, cap * sizeof(*m));
				if (!g) {
					free(m);
					return -ENOMEM;
				}
				m = g;
			}
			m[len++] = key;
			qsort(m, len, sizeof(*m), metric_cmp);
		}
	}
	/* An op that measures a value is followed by its value, not its
	 * duration (a throughput test lasts as long as it was told to). */
	for (i = k = 0; i < len; i++) {
		struct campaign_metric v = m[i];
		size_t j;
		bool valued = false;

		for (j = 0; j < len && m[i].kind == CAMPAIGN_LATENCY; j++)
			valued |= m[j].kind == CAMPAIGN_VALUE &&
				  !strcmp(m[j].workload, v.workload) &&
				  !strcmp(m[j].op, v.op);
		if (!valued)
			m[k++] = v;
	}
	len = k;
	/* Latencies of 10 s and more read better in seconds, rates in
	 * Mbit/s or Gbit/s. */
	for (k = 0; k < len; k++) {
		double max = 0;

		m[k].scale = 1;
		m[k].shown_unit = m[k].unit;
		for (i = 0; i < in->n_runs; i++) {
			double v = campaign_run_value(&in->runs[i], &m[k]);

			if (isfinite(v))
				max = fmax(max, fabs(v));
		}
		if (m[k].kind == CAMPAIGN_LATENCY && max >= 10000) {
			m[k].scale = 1000;
			m[k].shown_unit = "s";
		} else if (!strcmp(m[k].unit, "bit/s") && max >= 1e9) {
			m[k].scale = 1e9;
			m[k].shown_unit = "Gbit/s";
		} else if (!strcmp(m[k].unit, "bit/s") && max >= 1e6) {
			m[k].scale = 1e6;
			m[k].shown_unit = "Mbit/s";
		}
	}
	*out = m;
	*n = len;
	return 0;
}

static double site_value(const struct campaign_run *r,
			 const struct campaign_metric *m, const char *site)
{
	size_t i;

	if (m->kind == CAMPAIGN_LATENCY) {
		for (i = 0; i < r->n_sums; i++)
			if (!strcmp(r->sums[i].workload, m->workload) &&
			    !strcmp(r->sums[i].op, m->op) &&
			    !strcmp(r->sums[i].site, site))
				return r->sums[i].p50_ms;
		return NAN;
	}
	for (i = 0; i < r->n_values; i++)
		if (!strcmp(r->values[i].workload, m->workload) &&
		    !strcmp(r->values[i].op, m->op) &&
		    !strcmp(r->values[i].unit, m->unit) &&
		    !strcmp(r->values[i].site, site))
			return r->values[i].n ? r->values[i].p50 : NAN;
	return NAN;
}

double campaign_run_value(const struct campaign_run *r,
			  const struct campaign_metric *m)
{
	return site_value(r, m, "*");
}

void campaign_cell_release(struct campaign_cell *c)
{
	free(c->v);
	free(c->runs);
	memset(c, 0, sizeof(*c));
}

/* The runs of cell (SERIES, X), ordered by repetition then run. */
static int rep_cmp(const void *pa, const void *pb)
{
	const struct campaign_run *a = *(const struct campaign_run *const *)pa;
	const struct campaign_run *b = *(const struct campaign_run *const *)pb;

	if (a->rep != b->rep)
		return a->rep < b->rep ? -1 : 1;
	return a->run < b->run ? -1 : a->run > b->run;
}

static int cell_runs(const struct campaign_input *in, size_t series, size_t x,
		     const struct campaign_run ***out, size_t *n)
{
	const struct campaign_run **v = malloc((in->n_runs + 1) * sizeof(*v));
	size_t i, k = 0;

	*out = NULL;
	*n = 0;
	if (!v)
		return -ENOMEM;
	for (i = 0; i < in->n_runs; i++)
		if (in->runs[i].series == series && in->runs[i].x == x)
			v[k++] = &in->runs[i];
	qsort(v, k, sizeof(*v), rep_cmp);
	*out = v;
	*n = k;
	return 0;
}

int campaign_cell(const struct campaign_input *in,
		  const struct campaign_metric *m, size_t series, size_t x,
		  struct campaign_cell *out)
{
	const struct campaign_run **runs = NULL;
	size_t nr = 0, i;
	int rc;

	memset(out, 0, sizeof(*out));
	out->median.estimate = out->median.lo = out->median.hi = NAN;
	out->median.level = in->level;
	out->median.achieved = NAN;
	rc = cell_runs(in, series, x, &runs, &nr);
	if (rc < 0)
		return rc;
	out->v = malloc((nr + 1) * sizeof(*out->v));
	out->runs = malloc((nr + 1) * sizeof(*out->runs));
	if (!out->v || !out->runs) {
		rc = -ENOMEM;
		goto out;
	}
	for (i = 0; i < nr; i++) {
		double v = campaign_run_value(runs[i], m);

		if (!isfinite(v)) {
			out->missing++;
			continue;
		}
		out->runs[out->n] = runs[i]->run;
		out->v[out->n++] = v;
	}
	if (out->n)
		rc = stats_median_ci(out->v, out->n, in->level, &out->median);
out:
	free(runs);
	if (rc < 0) {
		free(out->v);
		free(out->runs);
		out->v = NULL;
		out->runs = NULL;
		out->n = 0;
	}
	return rc;
}

int campaign_pooled(const struct campaign_input *in,
		    const struct campaign_metric *m, size_t series, size_t x,
		    double **v, size_t *n)
{
	size_t i, k, len = 0, cap = 0;
	double *out = NULL;

	*v = NULL;
	*n = 0;
	for (i = 0; i < in->n_runs; i++) {
		const struct campaign_run *r = &in->runs[i];

		if (r->series != series || r->x != x)
			continue;
		for (k = 0; k < r->n_ops; k++) {
			const struct report_wlop *o = &r->ops[k];
			double d = m->kind == CAMPAIGN_LATENCY ? o->duration_ms
							       : o->value;

			if (!o->ok || !isfinite(d) || strcmp(o->workload, m->workload) ||
			    strcmp(o->op, m->op) ||
			    (m->kind == CAMPAIGN_VALUE &&
			     strcmp(o->unit ? o->unit : "", m->unit)))
				continue;
			if (len == cap) {
				double *g;

				cap = cap ? 2 * cap : 256;
				g = realloc(out, cap * sizeof(*out));
				if (!g) {
					free(out);
					return -ENOMEM;
				}
				out = g;
			}
			out[len++] = d;
		}
	}
	if (!out && !(out = malloc(sizeof(*out))))
		return -ENOMEM;
	*v = out;
	*n = len;
	return 0;
}

int campaign_site_median(const struct campaign_input *in,
			 const struct campaign_metric *m, size_t series,
			 size_t x, const char *site, double *out)
{
	double *v = malloc((in->n_runs + 1) * sizeof(*v)), q;
	size_t i, n = 0;

	*out = NAN;
	if (!v)
		return -ENOMEM;
	for (i = 0; i < in->n_runs; i++) {
		const struct campaign_run *r = &in->runs[i];
		double d;

		if (r->series != series || r->x != x)
			continue;
		d = site_value(r, m, site);
		if (isfinite(d))
			v[n++] = d;
	}
	if (n && stats_sort(v, n) == 0 && stats_quantile(v, n, 0.5, &q) == 0)
		*out = q;
	free(v);
	return 0;
}

static int str_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

int campaign_sites(const struct campaign_input *in,
		   const struct campaign_metric *m, const char ***sites,
		   size_t *n)
{
	const char **s = NULL;
	size_t i, k, len = 0, cap = 0, u = 0;

	*sites = NULL;
	*n = 0;
	for (i = 0; i < in->n_runs; i++) {
		const struct campaign_run *r = &in->runs[i];
		size_t total = m->kind == CAMPAIGN_LATENCY ? r->n_sums : r->n_values;

		for (k = 0; k < total; k++) {
			const char *site;

			if (m->kind == CAMPAIGN_LATENCY) {
				const struct report_wlsum *x = &r->sums[k];

				if (strcmp(x->workload, m->workload) ||
				    strcmp(x->op, m->op))
					continue;
				site = x->site;
			} else {
				const struct report_wlvalue *x = &r->values[k];

				if (strcmp(x->workload, m->workload) ||
				    strcmp(x->op, m->op) || strcmp(x->unit, m->unit))
					continue;
				site = x->site;
			}
			if (!strcmp(site, "*"))
				continue;
			if (len == cap) {
				const char **g;

				cap = cap ? 2 * cap : 16;
				g = realloc(s, cap * sizeof(*s));
				if (!g) {
					free(s);
					return -ENOMEM;
				}
				s = g;
			}
			s[len++] = site;
		}
	}
	if (len)
		qsort(s, len, sizeof(*s), str_cmp);
	for (i = 0; i < len; i++)
		if (u == 0 || strcmp(s[u - 1], s[i]))
			s[u++] = s[i];
	if (!s && !(s = malloc(sizeof(*s))))
		return -ENOMEM;
	*sites = s;
	*n = u;
	return 0;
}

void campaign_verdict_release(struct campaign_verdict *v)
{
	free(v->text);
	v->text = NULL;
}

/* Divide V[0..N) by SCALE in place. */
static void scale_all(double *v, size_t n, double scale)
{
	size_t i;

	for (i = 0; i < n; i++)
		v[i] /= scale;
}

int campaign_compare(const struct campaign_input *in,
		     const struct campaign_metric *m, size_t x, size_t a,
		     size_t b, struct campaign_verdict *out)
{
	struct campaign_cell ca = { 0 }, cb = { 0 };
	struct strbuf sb = STRBUF_INIT;
	const char *na = in->series[a], *nb = in->series[b];
	struct stats_labels lab = {
		.a = na, .b = nb, .unit = m->shown_unit,
		.comparative = m->kind == CAMPAIGN_LATENCY || m->higher_is_better
			       ? "faster" : "lower",
		.higher_is_better = m->higher_is_better,
	};
	double *va = NULL, *vb = NULL;
	size_t nra = 0, nrb = 0, i;
	int rc;

	memset(out, 0, sizeof(*out));
	out->x = x;
	out->a = a;
	out->b = b;
	out->rc = -ENOENT;
	rc = campaign_cell(in, m, a, x, &ca);
	if (rc == 0)
		rc = campaign_cell(in, m, b, x, &cb);
	if (rc < 0)
		goto out;
	for (i = 0; i < in->n_runs; i++) {
		nra += in->runs[i].series == a && in->runs[i].x == x;
		nrb += in->runs[i].series == b && in->runs[i].x == x;
	}
	out->per_op = nra == 1 && nrb == 1;
	if (out->per_op) {
		rc = campaign_pooled(in, m, a, x, &va, &out->na);
		if (rc == 0)
			rc = campaign_pooled(in, m, b, x, &vb, &out->nb);
		if (rc < 0)
			goto out;
	} else {
		va = ca.v;
		vb = cb.v;
		ca.v = cb.v = NULL;
		out->na = ca.n;
		out->nb = cb.n;
	}
	if (!out->na || !out->nb) {
		strbuf_addf(&sb, "no comparison: %s has no value here",
			    !out->na ? na : nb);
		goto text;
	}
	scale_all(va, out->na, m->scale);
	scale_all(vb, out->nb, m->scale);
	out->rc = stats_compare(va, out->na, vb, out->nb, in->level, &out->cmp);
	if (out->rc < 0) {
		if (out->rc == -ENOMEM) {
			rc = -ENOMEM;
			goto out;
		}
		strbuf_addf(&sb, "no comparison: %s", strerror(-out->rc));
		goto text;
	}
	out->significant = stats_comparison_significant(&out->cmp);
	if (out->significant) {
		bool b_larger = out->cmp.lo > 0;

		out->faster = b_larger == m->higher_is_better ? nb : na;
	}
	stats_comparison_describe(&out->cmp, &lab, &sb);
	if (out->per_op)
		strbuf_addf(&sb, "; over the operations of one run each (%zu and"
			    " %zu), which are not independent repetitions",
			    out->na, out->nb);
	else
		strbuf_addf(&sb, "; over %zu and %zu repetitions", out->na,
			    out->nb);
	/* How much that is against the reference's own median. */
	if (out->significant && !out->cmp.ratio && out->cmp.median_a > 0)
		strbuf_addf(&sb, "; that is %.*f %% of the median of %s"
			    " (%.4g %s)", fabs(out->cmp.estimate) <
			    0.1 * out->cmp.median_a ? 1 : 0, 100 *
			    fabs(out->cmp.estimate) / out->cmp.median_a, na,
			    out->cmp.median_a, m->shown_unit);
text:
	if (sb.err) {
		rc = -ENOMEM;
		goto out;
	}
	out->text = strbuf_detach(&sb);
	if (!out->text)
		rc = -ENOMEM;
out:
	strbuf_release(&sb);
	campaign_cell_release(&ca);
	campaign_cell_release(&cb);
	free(va);
	free(vb);
	return rc;
}

int campaign_traffic(const struct campaign_input *in, size_t series,
		     size_t x, struct campaign_traffic *out)
{
	double *tot = malloc((in->n_runs + 1) * sizeof(*tot));
	double *per = malloc((in->n_runs + 1) * sizeof(*per));
	const struct report_traffic **rows = NULL;
	size_t i, k, n = 0, np = 0, nrows = 0, cap = 0;
	struct report_service *sv = NULL;
	struct report_traffic *flat = NULL;
	uint64_t all = 0;
	size_t ns = 0;
	int rc = -ENOMEM;

	memset(out, 0, sizeof(*out));
	out->bytes = out->bytes_per_op = out->share = NAN;
	if (!tot || !per)
		goto out;
	for (i = 0; i < in->n_runs; i++) {
		const struct campaign_run *r = &in->runs[i];
		uint64_t b = 0, ops;

		if (r->series != series || r->x != x || !r->n_traffic)
			continue;
		for (k = 0; k < r->n_traffic; k++) {
			b += r->traffic[k].bytes;
			if (nrows == cap) {
				const struct report_traffic **g;

				cap = cap ? 2 * cap : 64;
				g = realloc(rows, cap * sizeof(*rows));
				if (!g)
					goto out;
				rows = g;
			}
			rows[nrows++] = &r->traffic[k];
		}
		all += b;
		tot[n++] = (double)b;
		ops = report_wl_top_ops(r->ops, r->n_ops);
		if (ops)
			per[np++] = (double)b / (double)ops;
	}
	out->n = n;
	if (n && stats_sort(tot, n) == 0)
		stats_quantile(tot, n, 0.5, &out->bytes);
	if (np && stats_sort(per, np) == 0)
		stats_quantile(per, np, 0.5, &out->bytes_per_op);
	flat = malloc((nrows + 1) * sizeof(*flat));
	if (!flat)
		goto out;
	for (i = 0; i < nrows; i++)
		flat[i] = *rows[i];
	rc = report_traffic_services(flat, nrows, 0, &sv, &ns);
	if (rc == 0 && ns && all) {
		/* Borrowed from the runs' rows, not from FLAT. */
		for (i = 0; i < nrows; i++)
			if (!strcmp(rows[i]->service, sv[0].service))
				break;
		out->dominant = rows[i]->service;
		out->share = sv[0].share;
	}
out:
	free(sv);
	free(flat);
	free(rows);
	free(tot);
	free(per);
	return rc;
}
