/* report_data — results database -> report input; see report_data.h. */
#include "enos/report_data.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "enos/rundir.h"

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

static int load_faults_and_facts(struct state *st, const struct run_info *info,
				 struct report_data *d)
{
	size_t n = 0, i;
	int rc;

	rc = state_faults(st, info->experiment, info->id, false, &d->faults, &n);
	if (rc < 0)
		return rc;
	d->rfaults = calloc(n + 1, sizeof(*d->rfaults));
	if (!d->rfaults)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		d->rfaults[i].action = d->faults[i].action;
		d->rfaults[i].detail = d->faults[i].detail;
		d->rfaults[i].applied = d->faults[i].applied;
		d->rfaults[i].removed = d->faults[i].removed;
	}
	d->in.faults = d->rfaults;
	d->in.n_faults = n;
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
	memset(d, 0, sizeof(*d));
}

int report_data_write(struct state *st, int64_t run, char *dir, char **err)
{
	struct report_data d = { 0 };
	struct run_info info;
	int rc = state_run_get(st, run, &info);

	if (rc == 0)
		rc = report_data_load(st, &info, &d);
	if (rc == 0 && d.in.n_rows == 0)
		rc = -ENOENT;
	if (rc == 0)
		rc = rundir_run(info.experiment, run, false, dir, 512);
	if (rc == 0)
		rc = report_html_write(dir, &d.in, "gnuplot", err);
	report_data_release(&d);
	return rc;
}
