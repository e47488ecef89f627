/* results — a run's workload summaries, traffic and facts; see results.h. */
#include "enos/results.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "enos/json.h"
#include "reports/stats.h"
#include "reports/workload.h"

/* The site an operation is summarized under. */
static const char *row_site(const struct wlop_row *r)
{
	return r->site ? r->site : "-";
}

/* Rows by workload, then operation: the start of both orders below. */
static int op_cmp(const struct wlop_row *x, const struct wlop_row *y)
{
	int c = strcmp(x->workload, y->workload);

	return c ? c : strcmp(x->op, y->op);
}

static int row_cmp(const void *a, const void *b)
{
	const struct wlop_row *x = *(const struct wlop_row *const *)a;
	const struct wlop_row *y = *(const struct wlop_row *const *)b;
	int c = op_cmp(x, y);

	return c ? c : strcmp(row_site(x), row_site(y));
}

static bool same_op(const struct wlop_row *x, const struct wlop_row *y)
{
	return op_cmp(x, y) == 0;
}

/* One summary of V[0..N) (the group's rows) at SITE, using D (room for N
 * durations). */
static int summarize(struct wlop_row *const *v, size_t n, const char *site,
		     double *d, struct wl_summary_row *out)
{
	struct stats_summary s;
	size_t i, k = 0;
	int rc;

	memset(out, 0, sizeof(*out));
	if (snprintf(out->workload, sizeof(out->workload), "%s", v[0]->workload) >=
	    (int)sizeof(out->workload) ||
	    snprintf(out->op, sizeof(out->op), "%s", v[0]->op) >=
	    (int)sizeof(out->op) ||
	    snprintf(out->site, sizeof(out->site), "%s", site) >=
	    (int)sizeof(out->site))
		return -ENAMETOOLONG;
	for (i = 0; i < n; i++) {
		if (!v[i]->ok)
			out->failures++;
		else if (isfinite(v[i]->duration_ms))
			d[k++] = v[i]->duration_ms;
	}
	out->count = n;
	out->min_ms = out->p50_ms = out->p90_ms = out->p99_ms = NAN;
	out->max_ms = out->mean_ms = out->stddev_ms = NAN;
	if (k == 0)
		return 0;
	rc = stats_summarize(d, k, &s);
	if (rc < 0)
		return rc;
	out->min_ms = s.min;
	out->p50_ms = s.p50;
	out->p90_ms = s.p90;
	out->p99_ms = s.p99;
	out->max_ms = s.max;
	out->mean_ms = s.mean;
	out->stddev_ms = s.stddev;
	return 0;
}

int results_compute(const struct wlop_row *rows, size_t n,
		    struct wl_summary_row **out, size_t *m)
{
	struct wlop_row **v = malloc((n ? n : 1) * sizeof(*v));
	struct wl_summary_row *s = malloc((2 * n + 1) * sizeof(*s));
	double *d = malloc((n ? n : 1) * sizeof(*d));
	size_t i, a, b, c, len = 0;
	int rc = -ENOMEM;

	*out = NULL;
	*m = 0;
	if (!v || !s || !d)
		goto fail;
	for (i = 0; i < n; i++)
		v[i] = (struct wlop_row *)&rows[i];
	qsort(v, n, sizeof(*v), row_cmp);
	rc = 0;
	for (a = 0; a < n && rc == 0; a = b) {
		for (b = a + 1; b < n && same_op(v[a], v[b]); b++)
			;
		/* The op over every site, then each site (sorted). */
		rc = summarize(v + a, b - a, "*", d, &s[len++]);
		for (c = a; c < b && rc == 0; c = i) {
			for (i = c + 1; i < b &&
			     !strcmp(row_site(v[c]), row_site(v[i])); i++)
				;
			rc = summarize(v + c, i - c, row_site(v[c]), d, &s[len++]);
		}
	}
	if (rc < 0)
		goto fail;
	free(v);
	free(d);
	*out = s;
	*m = len;
	return 0;
fail:
	free(v);
	free(s);
	free(d);
	return rc;
}

/* The unit of an operation's value, for grouping. */
static const char *row_unit(const struct wlop_row *r)
{
	return r->unit ? r->unit : "";
}

static int value_cmp(const void *a, const void *b)
{
	const struct wlop_row *x = *(const struct wlop_row *const *)a;
	const struct wlop_row *y = *(const struct wlop_row *const *)b;
	int c = op_cmp(x, y);

	if (!c)
		c = strcmp(row_unit(x), row_unit(y));
	if (!c)
		c = strcmp(row_site(x), row_site(y));
	return c;
}

static bool same_value_group(const struct wlop_row *x,
			     const struct wlop_row *y)
{
	return same_op(x, y) && !strcmp(row_unit(x), row_unit(y));
}

/* The value summary of V[0..N) at SITE, using D (room for N). */
static int summarize_value(struct wlop_row *const *v, size_t n,
			   const char *site, double *d,
			   struct results_value *out)
{
	size_t i;

	memset(out, 0, sizeof(*out));
	if (snprintf(out->workload, sizeof(out->workload), "%s", v[0]->workload) >=
	    (int)sizeof(out->workload) ||
	    snprintf(out->op, sizeof(out->op), "%s", v[0]->op) >=
	    (int)sizeof(out->op) ||
	    snprintf(out->site, sizeof(out->site), "%s", site) >=
	    (int)sizeof(out->site) ||
	    snprintf(out->unit, sizeof(out->unit), "%s", row_unit(v[0])) >=
	    (int)sizeof(out->unit))
		return -ENAMETOOLONG;
	for (i = 0; i < n; i++)
		d[i] = v[i]->value;
	return stats_summarize(d, n, &out->s);
}

int results_compute_values(const struct wlop_row *rows, size_t n,
			   struct results_value **out, size_t *m)
{
	struct wlop_row **v = malloc((n ? n : 1) * sizeof(*v));
	struct results_value *s = malloc((2 * n + 1) * sizeof(*s));
	double *d = malloc((n ? n : 1) * sizeof(*d));
	size_t i, a, b, c, k = 0, len = 0;
	int rc = -ENOMEM;

	*out = NULL;
	*m = 0;
	if (!v || !s || !d)
		goto fail;
	for (i = 0; i < n; i++)
		if (rows[i].ok && isfinite(rows[i].value))
			v[k++] = (struct wlop_row *)&rows[i];
	qsort(v, k, sizeof(*v), value_cmp);
	rc = 0;
	for (a = 0; a < k && rc == 0; a = b) {
		for (b = a + 1; b < k && same_value_group(v[a], v[b]); b++)
			;
		rc = summarize_value(v + a, b - a, "*", d, &s[len++]);
		for (c = a; c < b && rc == 0; c = i) {
			for (i = c + 1; i < b &&
			     !strcmp(row_site(v[c]), row_site(v[i])); i++)
				;
			rc = summarize_value(v + c, i - c, row_site(v[c]), d,
					     &s[len++]);
		}
	}
	if (rc < 0)
		goto fail;
	free(v);
	free(d);
	*out = s;
	*m = len;
	return 0;
fail:
	free(v);
	free(s);
	free(d);
	return rc;
}

/* Store SUMS[0..N) of RUN in one transaction. */
static int store(struct state *st, int64_t run,
		 const struct wl_summary_row *sums, size_t n)
{
	size_t i;
	int rc, end;

	rc = state_wlop_batch_begin(st);
	if (rc < 0)
		return rc;
	for (i = 0; i < n && rc == 0; i++)
		rc = state_wl_summary_put(st, run, &sums[i]);
	end = state_wlop_batch_end(st, rc == 0);
	return rc < 0 ? rc : end;
}

int results_summarize(struct state *st, int64_t run)
{
	struct wl_summary_row *sums = NULL;
	struct wlop_row *rows = NULL;
	size_t n = 0, m = 0;
	int rc;

	rc = state_wlops(st, run, NULL, &rows, &n);
	if (rc == 0)
		rc = results_compute(rows, n, &sums, &m);
	if (rc == 0 && m)
		rc = store(st, run, sums, m);
	state_wlops_free(rows, n);
	free(sums);
	return rc;
}

const char *results_errmsg(struct state *st, int rc)
{
	switch (rc) {
	case -ENAMETOOLONG:
		return "a workload, op or site name is longer than a summary holds (63 bytes)";
	case -ENOMEM:
		return strerror(ENOMEM);
	default:
		return state_errmsg(st);
	}
}

/* Do the stored summaries count every operation? */
static bool covers(const struct results *r)
{
	uint64_t total = 0;
	size_t i;

	for (i = 0; i < r->n_sums; i++)
		if (!strcmp(r->sums[i].site, "*"))
			total += r->sums[i].count;
	return total == r->n_ops;
}

int results_load(struct state *st, int64_t run, struct results *r)
{
	size_t i;
	int rc;

	memset(r, 0, sizeof(*r));
	rc = state_run_get(st, run, &r->run);
	if (rc == 0)
		rc = state_facts(st, run, &r->fact_keys, &r->fact_values,
				 &r->n_facts);
	if (rc == 0)
		rc = state_wlops(st, run, NULL, &r->ops, &r->n_ops);
	if (rc == 0)
		rc = state_wl_summaries(st, run, &r->sums, &r->n_sums);
	if (rc == 0)
		rc = state_traffic(st, run, &r->traffic, &r->n_traffic);
	if (rc < 0)
		return rc;
	for (i = 0; i < r->n_ops; i++) {
		r->failed += !r->ops[i].ok;
		r->top += !r->ops[i].atomic;
	}
	rc = results_compute_values(r->ops, r->n_ops, &r->values, &r->n_values);
	if (rc < 0)
		return rc;
	if (covers(r))
		return 0;
	/* None stored (an interrupted run, operations imported some other
	 * way) or fewer than there are operations: compute and store them,
	 * so that every reader sees the same figures. */
	free(r->sums);
	r->sums = NULL;
	r->n_sums = 0;
	rc = results_compute(r->ops, r->n_ops, &r->sums, &r->n_sums);
	if (rc < 0)
		return rc;
	r->computed = true;
	r->store_error = store(st, run, r->sums, r->n_sums);
	return 0;
}

void results_release(struct results *r)
{
	state_free_names(r->fact_keys);
	state_free_names(r->fact_values);
	state_wlops_free(r->ops, r->n_ops);
	free(r->sums);
	free(r->traffic);
	free(r->values);
	memset(r, 0, sizeof(*r));
}

bool results_atomic(const struct results *r, const char *workload,
		    const char *op)
{
	bool any = false;
	size_t i;

	for (i = 0; i < r->n_ops; i++) {
		const struct wlop_row *o = &r->ops[i];

		if (strcmp(o->workload, workload) || strcmp(o->op, op))
			continue;
		if (!o->atomic)
			return false;
		any = true;
	}
	return any;
}

static void json_summary(struct json *j, const struct results *r,
			 const struct wl_summary_row *s)
{
	json_begin_object(j);
	json_key_str(j, "workload", s->workload);
	json_key_str(j, "op", s->op);
	json_key_bool(j, "atomic", results_atomic(r, s->workload, s->op));
	json_key_str(j, "site", s->site);
	json_key_int(j, "count", (int64_t)s->count);
	json_key_int(j, "failures", (int64_t)s->failures);
	json_key_double(j, "min_ms", s->min_ms);
	json_key_double(j, "p50_ms", s->p50_ms);
	json_key_double(j, "p90_ms", s->p90_ms);
	json_key_double(j, "p99_ms", s->p99_ms);
	json_key_double(j, "max_ms", s->max_ms);
	json_key_double(j, "mean_ms", s->mean_ms);
	json_key_double(j, "stddev_ms", s->stddev_ms);
	json_end_object(j);
}

static int json_traffic(struct json *j, const struct results *r)
{
	struct report_traffic *t = calloc(r->n_traffic + 1, sizeof(*t));
	struct report_service *sv = NULL;
	uint64_t bytes = 0, packets = 0, payload = 0;
	size_t i, ns = 0;
	int rc = -ENOMEM;

	if (!t)
		return rc;
	for (i = 0; i < r->n_traffic; i++) {
		t[i].src = r->traffic[i].src_site;
		t[i].dst = r->traffic[i].dst_site;
		t[i].service = r->traffic[i].service;
		t[i].bytes = r->traffic[i].bytes;
		t[i].packets = r->traffic[i].packets;
		t[i].payload = r->traffic[i].payload;
		bytes += t[i].bytes;
		packets += t[i].packets;
		payload += t[i].payload;
	}
	rc = report_traffic_services(t, r->n_traffic, r->top, &sv, &ns);
	if (rc < 0)
		goto out;
	json_begin_object(j);
	json_key_int(j, "bytes", (int64_t)bytes);
	json_key_int(j, "packets", (int64_t)packets);
	json_key_int(j, "payload", (int64_t)payload);
	json_key_int(j, "operations", (int64_t)r->top);
	json_key_double(j, "bytes_per_op", r->top ? (double)bytes / (double)r->top
						   : NAN);
	json_key_str(j, "dominant", ns && bytes ? sv[0].service : NULL);
	json_key(j, "services");
	json_begin_array(j);
	for (i = 0; i < ns; i++) {
		json_begin_object(j);
		json_key_str(j, "service", sv[i].service);
		json_key_int(j, "bytes", (int64_t)sv[i].bytes);
		json_key_int(j, "packets", (int64_t)sv[i].packets);
		json_key_int(j, "payload", (int64_t)sv[i].payload);
		json_key_double(j, "share", sv[i].share);
		json_key_double(j, "bytes_per_op", sv[i].bytes_per_op);
		json_end_object(j);
	}
	json_end_array(j);
	json_key(j, "rows");
	json_begin_array(j);
	for (i = 0; i < r->n_traffic; i++) {
		const struct traffic_row *x = &r->traffic[i];

		json_begin_object(j);
		json_key_str(j, "src_site", x->src_site);
		json_key_str(j, "dst_site", x->dst_site);
		json_key_str(j, "service", x->service);
		json_key_int(j, "proto", x->proto);
		json_key_int(j, "port", x->port);
		json_key_int(j, "packets", (int64_t)x->packets);
		json_key_int(j, "bytes", (int64_t)x->bytes);
		json_key_int(j, "payload", (int64_t)x->payload);
		json_end_object(j);
	}
	json_end_array(j);
	json_end_object(j);
out:
	free(sv);
	free(t);
	return rc;
}

int results_json(struct json *j, const struct results *r)
{
	size_t i;
	int rc = 0;

	json_begin_object(j);
	json_key_int(j, "format", 1);
	json_key(j, "run");
	json_begin_object(j);
	json_key_int(j, "id", r->run.id);
	json_key_str(j, "experiment", r->run.experiment);
	json_key_str(j, "kind", r->run.kind);
	json_key_int(j, "started", r->run.started);
	json_key(j, "ended");
	if (r->run.ended)
		json_int(j, r->run.ended);
	else
		json_null(j);
	json_key_str(j, "outcome", r->run.outcome[0] ? r->run.outcome : NULL);
	json_key(j, "seed");
	if (r->run.has_seed)
		json_int(j, (int64_t)r->run.seed);
	else
		json_null(j);
	json_end_object(j);
	json_key(j, "facts");
	json_begin_object(j);
	for (i = 0; i < r->n_facts; i++)
		json_key_str(j, r->fact_keys[i], r->fact_values[i]);
	json_end_object(j);
	json_key_int(j, "operations", (int64_t)r->n_ops);
	json_key_int(j, "failed", (int64_t)r->failed);
	json_key_str(j, "summaries_source", r->computed ? "computed" : "stored");
	json_key(j, "summaries");
	json_begin_array(j);
	for (i = 0; i < r->n_sums; i++)
		json_summary(j, r, &r->sums[i]);
	json_end_array(j);
	json_key(j, "values");
	json_begin_array(j);
	for (i = 0; i < r->n_values; i++) {
		const struct results_value *v = &r->values[i];

		json_begin_object(j);
		json_key_str(j, "workload", v->workload);
		json_key_str(j, "op", v->op);
		json_key_str(j, "site", v->site);
		json_key_str(j, "unit", v->unit);
		json_key_int(j, "n", (int64_t)v->s.n);
		json_key_double(j, "min", v->s.min);
		json_key_double(j, "p50", v->s.p50);
		json_key_double(j, "p90", v->s.p90);
		json_key_double(j, "p99", v->s.p99);
		json_key_double(j, "max", v->s.max);
		json_key_double(j, "mean", v->s.mean);
		json_key_double(j, "stddev", v->s.stddev);
		json_end_object(j);
	}
	json_end_array(j);
	json_key(j, "traffic");
	if (r->n_traffic)
		rc = json_traffic(j, r);
	else
		json_null(j);
	json_end_object(j);
	return rc;
}
