/* workload — a run's workloads as a report shows them; see workload.h. */
#include "reports/workload.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "reports/html.h"
#include "reports/stats.h"

/* The site an operation is grouped under. */
static const char *op_site(const struct report_wlop *o)
{
	return o->site ? o->site : "-";
}

static int key_cmp(const void *a, const void *b)
{
	const struct report_wlkey *x = a, *y = b;
	int c = strcmp(x->workload, y->workload);

	return c ? c : strcmp(x->op, y->op);
}

int report_wl_keys(const struct report_wlop *ops, size_t n,
		   struct report_wlkey **keys, size_t *nk)
{
	struct report_wlkey *k = malloc((n ? n : 1) * sizeof(*k));
	size_t i, m = 0;

	*keys = NULL;
	*nk = 0;
	if (!k)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		k[i].workload = ops[i].workload;
		k[i].op = ops[i].op;
	}
	qsort(k, n, sizeof(*k), key_cmp);
	for (i = 0; i < n; i++)
		if (m == 0 || key_cmp(&k[m - 1], &k[i]) != 0)
			k[m++] = k[i];
	*keys = k;
	*nk = m;
	return 0;
}

static bool is_op(const struct report_wlop *o, const char *workload,
		  const char *op)
{
	return !strcmp(o->workload, workload) && !strcmp(o->op, op);
}

static int str_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

int report_wl_sites(const struct report_wlop *ops, size_t n,
		    const char *workload, const char *op, const char ***sites,
		    size_t *ns)
{
	const char **s = malloc((n ? n : 1) * sizeof(*s));
	size_t i, m = 0, k = 0;

	*sites = NULL;
	*ns = 0;
	if (!s)
		return -ENOMEM;
	for (i = 0; i < n; i++)
		if (is_op(&ops[i], workload, op))
			s[m++] = op_site(&ops[i]);
	qsort(s, m, sizeof(*s), str_cmp);
	for (i = 0; i < m; i++)
		if (k == 0 || strcmp(s[k - 1], s[i]) != 0)
			s[k++] = s[i];
	*sites = s;
	*ns = k;
	return 0;
}

void report_cdf_release(struct report_cdf *c)
{
	free(c->ms);
	free(c->p);
	memset(c, 0, sizeof(*c));
}

int report_wl_cdf(const struct report_wlop *ops, size_t n,
		  const char *workload, const char *op, const char *site,
		  struct report_cdf *out)
{
	size_t i, k = 0;
	int rc;

	memset(out, 0, sizeof(*out));
	out->ms = malloc((n ? n : 1) * sizeof(*out->ms));
	out->p = malloc((n ? n : 1) * sizeof(*out->p));
	if (!out->ms || !out->p) {
		report_cdf_release(out);
		return -ENOMEM;
	}
	for (i = 0; i < n; i++)
		if (ops[i].ok && isfinite(ops[i].duration_ms) &&
		    is_op(&ops[i], workload, op) &&
		    (!site || !strcmp(op_site(&ops[i]), site)))
			out->ms[k++] = ops[i].duration_ms;
	out->n = k;
	if (k == 0)
		return 0;
	/* stats_ecdf writes the distinct values over its input. */
	rc = stats_ecdf(out->ms, k, out->ms, out->p, &out->m);
	if (rc < 0)
		report_cdf_release(out);
	return rc;
}

int report_wl_span(const struct report_wlop *ops, size_t n,
		   const char *workload, double *t0, double *t1)
{
	bool any = false;
	size_t i;

	for (i = 0; i < n; i++) {
		double end = ops[i].start + ops[i].duration_ms / 1000.0;

		if (workload && strcmp(ops[i].workload, workload) != 0)
			continue;
		if (!any || ops[i].start < *t0)
			*t0 = ops[i].start;
		if (!any || end > *t1)
			*t1 = end;
		any = true;
	}
	return any ? 0 : -ENOENT;
}

void report_wl_windows(const struct report_fault *faults, size_t n,
		       double t0, double t1, struct report_window *win,
		       size_t *m)
{
	size_t i;

	*m = 0;
	for (i = 0; i < n; i++) {
		const struct report_fault *f = &faults[i];
		bool active = isnan(f->removed) || f->removed > t1;
		struct report_window *w;

		/* Outside the span, or not a window (a record written by
		 * something else than enos: hostile until checked). */
		if (!isfinite(f->applied) || f->applied > t1 ||
		    (!isnan(f->removed) && (f->removed < t0 ||
					    f->removed < f->applied)))
			continue;
		w = &win[(*m)++];
		w->fault = i;
		w->before = f->applied < t0;
		w->active = active;
		w->from_s = w->before ? 0 : f->applied - t0;
		w->to_s = (active ? t1 : f->removed) - t0;
	}
}

uint64_t report_wl_top_ops(const struct report_wlop *ops, size_t n)
{
	uint64_t k = 0;
	size_t i;

	for (i = 0; i < n; i++)
		k += !ops[i].atomic;
	return k;
}

static int service_cmp(const void *a, const void *b)
{
	const struct report_service *x = a, *y = b;

	if (x->bytes != y->bytes)
		return x->bytes > y->bytes ? -1 : 1;
	return strcmp(x->service, y->service);
}

int report_traffic_services(const struct report_traffic *rows, size_t n,
			    uint64_t n_ops, struct report_service **out,
			    size_t *m)
{
	struct report_service *s = calloc(n ? n : 1, sizeof(*s));
	uint64_t total = 0;
	size_t i, k, len = 0;

	*out = NULL;
	*m = 0;
	if (!s)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		for (k = 0; k < len && strcmp(s[k].service, rows[i].service); k++)
			;
		if (k == len)
			s[len++].service = rows[i].service;
		s[k].packets += rows[i].packets;
		s[k].bytes += rows[i].bytes;
		s[k].payload += rows[i].payload;
		total += rows[i].bytes;
	}
	for (k = 0; k < len; k++) {
		s[k].share = total ? (double)s[k].bytes / (double)total : NAN;
		s[k].bytes_per_op = n_ops ? (double)s[k].bytes / (double)n_ops
					  : NAN;
	}
	qsort(s, len, sizeof(*s), service_cmp);
	*out = s;
	*m = len;
	return 0;
}
