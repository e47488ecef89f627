/* report_data — results database -> report input; see report_data.h. */
#include "enos/report_data.h"

#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <math.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "enos/json.h"
#include "enos/rundir.h"
#include "reports/plot.h"
#include "util/str.h"

#define DEFAULT_TOLERANCE_PCT 2.0
#define DEFAULT_TOLERANCE_MS 0.5

static struct report_rtt *find_row(struct report_data *d, const char *src,
				   const char *dst)
{
	size_t i;

	for (i = 0; i < d->in.n_rows; i++)
		if (!strcmp(d->rows[i].src, src) && !strcmp(d->rows[i].dst, dst))
			return &d->rows[i];
	return NULL;
}

static void add_site(struct report_data *d, const char *name)
{
	size_t i;

	for (i = 0; i < d->in.n_sites; i++)
		if (!strcmp(d->sites[i], name))
			return;
	d->sites[d->in.n_sites++] = name;
}

/* Put result R into its row, making the row on first sight. */
static void place(struct report_data *d, const struct state_result *r)
{
	struct report_rtt *row = find_row(d, r->src, r->dst);

	if (!row) {
		row = &d->rows[d->in.n_rows++];
		memset(row, 0, sizeof(*row));
		row->src = r->src;
		row->dst = r->dst;
		row->target_ms = row->min_ms = row->p50_ms = NAN;
		row->p90_ms = row->p99_ms = row->mean_ms = NAN;
		add_site(d, r->src);
		add_site(d, r->dst);
	}
	if (!strcmp(r->metric, "target_rtt"))
		row->target_ms = r->value;
	else if (!strcmp(r->metric, "rtt_min"))
		row->min_ms = r->value;
	else if (!strcmp(r->metric, "rtt_p50"))
		row->p50_ms = r->value;
	else if (!strcmp(r->metric, "rtt_p90"))
		row->p90_ms = r->value;
	else if (!strcmp(r->metric, "rtt_p99"))
		row->p99_ms = r->value;
	else if (!strcmp(r->metric, "rtt_mean"))
		row->mean_ms = r->value;
	else if (!strcmp(r->metric, "loss"))
		row->loss_pct = r->value;
	else if (!strcmp(r->metric, "samples"))
		row->samples = isnan(r->value) ? 0 : (unsigned)r->value;
}

static bool is_pair_metric(const struct state_result *r)
{
	static const char *const m[] = { "target_rtt", "rtt_min", "rtt_p50",
		"rtt_p90", "rtt_p99", "rtt_mean", "loss", "samples" };
	size_t i;

	if (!r->src[0] || !r->dst[0])
		return false;
	for (i = 0; i < sizeof(m) / sizeof(m[0]); i++)
		if (!strcmp(r->metric, m[i]))
			return true;
	return false;
}

static void load_tolerance(struct report_data *d)
{
	size_t i;

	d->in.tolerance_pct = DEFAULT_TOLERANCE_PCT;
	d->in.tolerance_ms = DEFAULT_TOLERANCE_MS;
	for (i = 0; i < d->n_results; i++) {
		const struct state_result *r = &d->results[i];

		if (!strcmp(r->metric, "tolerance_pct") && !isnan(r->value))
			d->in.tolerance_pct = r->value;
		else if (!strcmp(r->metric, "tolerance_ms") && !isnan(r->value))
			d->in.tolerance_ms = r->value;
	}
}

/* Is fault F one the report shows: the run's, or (with T0 <= T1, the
 * span of the run's operations) active while they ran? */
static bool shown_fault(const struct state_fault *f, int64_t run, double t0,
			double t1)
{
	if (f->run == run)
		return true;
	return t0 <= t1 && f->applied <= t1 &&
	       (isnan(f->removed) || f->removed >= t0);
}

static int load_faults_and_facts(struct state *st, const struct run_info *info,
				 struct report_data *d)
{
	double t0 = 1, t1 = 0;
	size_t n = 0, i, k = 0;
	int rc;

	/* With operations, every fault of the experiment (run 0) is a
	 * candidate: one applied by hand during a bench belongs to no run. */
	if (d->in.n_ops)
		report_wl_span(d->in.ops, d->in.n_ops, NULL, &t0, &t1);
	rc = state_faults(st, info->experiment, d->in.n_ops ? 0 : info->id,
			  false, &d->faults, &n);
	if (rc < 0)
		return rc;
	d->rfaults = calloc(n + 1, sizeof(*d->rfaults));
	if (!d->rfaults)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		if (!shown_fault(&d->faults[i], info->id, t0, t1))
			continue;
		d->rfaults[k].action = d->faults[i].action;
		d->rfaults[k].detail = d->faults[i].detail;
		d->rfaults[k].applied = d->faults[i].applied;
		d->rfaults[k].removed = d->faults[i].removed;
		k++;
	}
	d->in.faults = d->rfaults;
	d->in.n_faults = k;
	rc = state_facts(st, info->id, &d->fact_keys, &d->fact_values, &n);
	if (rc < 0)
		return rc;
	d->facts = calloc(n + 1, sizeof(*d->facts));
	if (!d->facts)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		d->facts[i].key = d->fact_keys[i];
		d->facts[i].value = d->fact_values[i];
	}
	d->in.facts = d->facts;
	d->in.n_facts = n;
	return 0;
}

/* The run's workloads (results_load) as plain data for reports/. */
static int load_workloads(struct state *st, const struct run_info *info,
			  struct report_data *d)
{
	const struct results *wl = &d->wl;
	size_t i;
	int rc = results_load(st, info->id, &d->wl);

	if (rc < 0)
		return rc;
	d->ops = calloc(wl->n_ops + 1, sizeof(*d->ops));
	d->sums = calloc(wl->n_sums + 1, sizeof(*d->sums));
	d->traffic = calloc(wl->n_traffic + 1, sizeof(*d->traffic));
	d->values = calloc(wl->n_values + 1, sizeof(*d->values));
	if (!d->ops || !d->sums || !d->traffic || !d->values)
		return -ENOMEM;
	for (i = 0; i < wl->n_values; i++) {
		const struct results_value *x = &wl->values[i];
		struct report_wlvalue *y = &d->values[i];

		y->workload = x->workload;
		y->op = x->op;
		y->site = x->site;
		y->unit = x->unit;
		y->n = x->s.n;
		y->min = x->s.min;
		y->p50 = x->s.p50;
		y->p90 = x->s.p90;
		y->p99 = x->s.p99;
		y->max = x->s.max;
		y->mean = x->s.mean;
		y->stddev = x->s.stddev;
	}
	for (i = 0; i < wl->n_ops; i++) {
		const struct wlop_row *o = &wl->ops[i];

		d->ops[i].workload = o->workload;
		d->ops[i].op = o->op;
		d->ops[i].site = o->site;
		d->ops[i].start = o->start;
		d->ops[i].duration_ms = o->duration_ms;
		d->ops[i].ok = o->ok;
		d->ops[i].atomic = o->atomic;
	}
	for (i = 0; i < wl->n_sums; i++) {
		const struct wl_summary_row *x = &wl->sums[i];
		struct report_wlsum *y = &d->sums[i];

		y->workload = x->workload;
		y->op = x->op;
		y->site = x->site;
		y->count = x->count;
		y->failures = x->failures;
		y->min_ms = x->min_ms;
		y->p50_ms = x->p50_ms;
		y->p90_ms = x->p90_ms;
		y->p99_ms = x->p99_ms;
		y->max_ms = x->max_ms;
		y->mean_ms = x->mean_ms;
		y->stddev_ms = x->stddev_ms;
	}
	for (i = 0; i < wl->n_traffic; i++) {
		const struct traffic_row *x = &wl->traffic[i];
		struct report_traffic *y = &d->traffic[i];

		y->src = x->src_site;
		y->dst = x->dst_site;
		y->service = x->service;
		y->proto = x->proto;
		y->port = x->port;
		y->packets = x->packets;
		y->bytes = x->bytes;
		y->payload = x->payload;
	}
	d->in.ops = d->ops;
	d->in.n_ops = wl->n_ops;
	d->in.sums = d->sums;
	d->in.n_sums = wl->n_sums;
	d->in.traffic = d->traffic;
	d->in.n_traffic = wl->n_traffic;
	d->in.values = d->values;
	d->in.n_values = wl->n_values;
	d->in.results_json = wl->n_ops > 0;     /* report_data_write */
	return 0;
}

int report_data_load(struct state *st, const struct run_info *info,
		     struct report_data *d)
{
	size_t i;
	int rc;

	memset(d, 0, sizeof(*d));
	rc = state_results(st, info->id, &d->results, &d->n_results);
	if (rc < 0)
		return rc;
	d->rows = calloc(d->n_results + 1, sizeof(*d->rows));
	d->sites = calloc(2 * d->n_results + 1, sizeof(*d->sites));
	if (!d->rows || !d->sites)
		return -ENOMEM;
	for (i = 0; i < d->n_results; i++)
		if (is_pair_metric(&d->results[i]))
			place(d, &d->results[i]);
	load_tolerance(d);
	d->run = *info;
	d->in.experiment = d->run.experiment;
	d->in.run = info->id;
	d->in.run_kind = d->run.kind;
	d->in.outcome = d->run.outcome[0] ? d->run.outcome : NULL;
	d->in.rows = d->rows;
	d->in.sites = d->sites;
	d->in.started = d->run.started;
	d->in.ended = d->run.ended;
	d->in.has_seed = d->run.has_seed;
	d->in.seed = d->run.seed;
	rc = load_workloads(st, info, d);
	if (rc < 0)
		return rc;
	return load_faults_and_facts(st, info, d);
}

void report_data_release(struct report_data *d)
{
	free(d->results);
	free(d->rows);
	free(d->sites);
	free(d->faults);
	free(d->rfaults);
	state_free_names(d->fact_keys);
	state_free_names(d->fact_values);
	free(d->facts);
	results_release(&d->wl);
	free(d->ops);
	free(d->sums);
	free(d->traffic);
	free(d->values);
	memset(d, 0, sizeof(*d));
}

/* DIR/results.json: the object of `enos results --json`. */
static int write_json(const char *dir, const struct results *wl)
{
	struct plot_file pf = { 0 };
	struct json j;
	int dfd, rc;

	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return -errno;
	rc = plot_file_create(dfd, "results.json", &pf);
	if (rc == 0) {
		json_init(&j, pf.f);
		rc = results_json(&j, wl);
		json_finish(&j);
	}
	if (rc == 0)
		rc = plot_file_commit(&pf);
	plot_file_abort(&pf);
	close(dfd);
	return rc;
}

/* Can NAME, read from the database, be a directory of results/? It is
 * hostile until checked: no separator, no "." or "..", no control
 * character (a topology's names are a-z, 0-9 and '-'). */
static bool dir_name_ok(const char *name)
{
	const char *p;

	if (!*name || !strcmp(name, ".") || !strcmp(name, ".."))
		return false;
	for (p = name; *p; p++)
		if (*p == '/' || (unsigned char)*p < 0x20 || *p == 0x7f)
			return false;
	return true;
}

int report_data_write(struct state *st, int64_t run, char *dir, char **err)
{
	struct report_data d = { 0 };
	struct run_info info;
	int rc = state_run_get(st, run, &info);

	if (rc == 0) {
		rc = report_data_load(st, &info, &d);
		if (rc < 0 && err)
			*err = str_printf("%s", results_errmsg(st, rc));
	}
	if (rc == 0 && d.in.n_rows == 0 && d.in.n_ops == 0)
		rc = -ENOENT;
	if (rc == 0 && !dir_name_ok(info.experiment)) {
		rc = -EINVAL;
		if (err)
			*err = str_printf("run %lld: experiment name '%s' is not a"
					 " directory name", (long long)run,
					 str_show(info.experiment).s);
	}
	if (rc == 0) {
		char why[PATH_MAX + 64];

		rc = rundir_make(info.experiment, run, NULL, false, dir, 512, why,
				 sizeof(why));
		if (rc < 0 && err)
			*err = str_printf("results directory: %s", why);
	}
	if (rc == 0)
		rc = report_html_write(dir, &d.in, "gnuplot", err);
	if (rc == 0 && d.in.n_ops) {
		rc = write_json(dir, &d.wl);
		if (rc < 0 && err)
			*err = str_printf("cannot write '%s/results.json': %s", dir,
					 strerror(-rc));
	}
	report_data_release(&d);
	return rc;
}
