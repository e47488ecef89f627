/* campaign_html — the report of many runs; see campaign_html.h. */
#include "reports/campaign_html.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "reports/export.h"
#include "reports/page.h"
#include "reports/plot.h"
#include "util/fs.h"
#include "util/str.h"
#include "util/strbuf.h"

/* Per metric, points whose CDF and per-site figures are drawn: every one
 * up to this many, else the first and the last. */
#define POINT_FIGURES_MAX 6

struct cpage {
	const struct campaign_input *in;
	const char *dir;
	int dfd;
	struct strbuf gp;
	struct plot_labels labels;
	int rc;                         /* the first error writing a file */
	struct campaign_metric *m;
	size_t nm;
	bool *vs_drawn;                 /* per metric */
	bool *cdf_drawn;                /* per metric x point */
	bool *sites_drawn;              /* per metric x point */
	bool topo_drawn;
	unsigned var;                   /* gnuplot label variables made */
};

/* Each series keeps its colour in every figure. */
static const char *series_color(size_t s)
{
	static const char *const c[] = { "#1b9e77", "#d95f02", "#7570b3",
		"#e7298a", "#66a61e", "#e6ab02", "#a6761d", "#666666" };

	return c[s % (sizeof(c) / sizeof(c[0]))];
}

static void keep(struct cpage *p, int rc)
{
	if (rc < 0 && p->rc == 0)
		p->rc = rc;
}

/* A new gnuplot variable holding label S: its name in VAR (16 bytes). */
static void label_var(struct cpage *p, const char *s, char *var)
{
	snprintf(var, 16, "L%u", ++p->var);
	plot_labels_add(&p->labels, &p->gp, var, s);
}

/* Names on a figure (tics, titles) are cut to what fits: at most
 * FIG_NAME_MAX bytes, on a UTF-8 boundary, then "..."; the tables beside
 * it show them whole. S into BUF (FIG_NAME_MAX + 4 bytes). */
#define FIG_NAME_MAX 36
static const char *fig_name(const char *s, char *buf)
{
	size_t n = strlen(s);

	if (n <= FIG_NAME_MAX)
		return s;
	n = FIG_NAME_MAX - 3;
	while (n && ((unsigned char)s[n] & 0xc0) == 0x80)
		n--;
	snprintf(buf, FIG_NAME_MAX + 4, "%.*s...", (int)n, s);
	return buf;
}

static bool point_drawn(const struct campaign_input *in, size_t x)
{
	return in->n_x <= POINT_FIGURES_MAX || x == 0 || x == in->n_x - 1;
}

static const char *metric_what(const struct campaign_metric *m)
{
	return m->kind == CAMPAIGN_LATENCY ? "latency" : "value";
}

/* "kv-latency put", or "boot-delete" where the operation is named as its
 * workload (a stack workload of one operation). */
static char *metric_name(const struct campaign_metric *m)
{
	return strcmp(m->workload, m->op) == 0 ? str_printf("%s", m->op)
					       : str_printf("%s %s", m->workload, m->op);
}

/* "kv-latency put latency (ms)" */
static char *metric_title(const struct campaign_metric *m)
{
	char *name = metric_name(m), *t;

	t = str_printf("%s %s (%s)", name, metric_what(m), m->shown_unit);
	free(name);
	return t;
}

/* The x position of point X of series S in a figure, spread a little so
 * that the series' bars do not hide each other. */
static double x_pos(const struct campaign_input *in, size_t x, size_t s,
		    size_t ns)
{
	double off = (double)s - (double)(ns - 1) / 2;

	if (in->x_ms) {
		double span = in->x_ms[in->n_x - 1] - in->x_ms[0];

		if (!(span > 0))
			span = 1;
		return in->x_ms[x] + off * 0.012 * span;
	}
	return (double)x + off * 0.08;
}

/* The coverage of the widest interval over every cell of metric M, and
 * the smallest repetition count: what a caption must admit. */
static void coverage(struct cpage *p, const struct campaign_metric *m,
		     double *least, size_t *nmin, size_t *nmax)
{
	const struct campaign_input *in = p->in;
	struct campaign_cell c;
	size_t s, x;

	*least = 1;
	*nmin = SIZE_MAX;
	*nmax = 0;
	for (s = 0; s < in->n_series; s++)
		for (x = 0; x < in->n_x; x++) {
			if (campaign_cell(in, m, s, x, &c) < 0)
				continue;
			if (c.n) {
				/* One repetition has no interval at all:
				 * said apart, not as 0 % coverage. */
				if (c.n > 1 && c.median.achieved < *least)
					*least = c.median.achieved;
				if (c.n < *nmin)
					*nmin = c.n;
				if (c.n > *nmax)
					*nmax = c.n;
			}
			campaign_cell_release(&c);
		}
	if (*nmin == SIZE_MAX)
		*nmin = 0;
}

/* What the bars of metric M's figure are, in words (allocated). */
static char *bars_caption(struct cpage *p, const struct campaign_metric *m)
{
	const char *single = "";
	double least;
	size_t nmin, nmax;

	coverage(p, m, &least, &nmin, &nmax);
	if (nmax <= 1)
		return str_printf("One run per point: no interval (a point is"
				  " that run's median).");
	if (nmin <= 1)
		single = " A point of one repetition has no bar.";
	if (least >= p->in->level - 1e-9)
		return str_printf("Points: the median over %zu to %zu repetitions"
				  " of each run's median; bars: its %.0f %%"
				  " distribution-free confidence interval.%s",
				  nmin, nmax, 100 * p->in->level, single);
	return str_printf("Points: the median over %zu to %zu repetitions of"
			  " each run's median; bars: the widest interval those"
			  " repetitions allow, [min, max], which covers the"
			  " median only %.1f %% of the time for the smallest"
			  " (%.0f %% needs 6 repetitions or more).%s", nmin, nmax,
			  100 * least, 100 * p->in->level, single);
}

/* metric-K: the median against the points, one curve per series (or,
 * with one point, one bar per series). */
static int draw_vs(struct cpage *p, size_t k)
{
	const struct campaign_input *in = p->in;
	const struct campaign_metric *m = &p->m[k];
	struct strbuf plot = STRBUF_INIT;
	struct plot_file pf = { 0 };
	char name[64], file[80], var[16], cut[FIG_NAME_MAX + 4], *t;
	bool by_series = in->n_x == 1;
	size_t s, x, blocks = 0, pts = 0;
	int rc;

	snprintf(name, sizeof(name), "metric-%zu", k + 1);
	snprintf(file, sizeof(file), "%s.tsv", name);
	rc = plot_file_create(p->dfd, file, &pf);
	if (rc < 0)
		return rc;
	fputs("# enos report: the median over repetitions per point. Block 0:"
	      " the tics (x, label); then one block per series: x, median, lo,"
	      " hi (its interval), repetitions, coverage; shown unit, names in"
	      " labels.tsv\n", pf.f);
	/* Block 0: where the tics go, and their labels. */
	for (x = 0; x < (by_series ? in->n_series : in->n_x); x++) {
		plot_value(pf.f, by_series ? (double)x : x_pos(in, x, 0, 1));
		fputc('\t', pf.f);
		plot_label(pf.f, fig_name(by_series ? in->series[x]
						    : in->x_labels[x], cut));
		fputc('\n', pf.f);
	}
	strbuf_addf(&plot, "plot '%s' index 0 using 1:(NaN):xtic(2) notitle", file);
	blocks = 1;
	for (s = 0; s < in->n_series; s++) {
		bool any = false;

		fputs("\n\n", pf.f);
		for (x = 0; x < in->n_x; x++) {
			struct campaign_cell c;

			rc = campaign_cell(in, m, s, x, &c);
			if (rc < 0)
				goto out;
			if (c.n) {
				plot_value(pf.f, by_series ? (double)s
							  : x_pos(in, x, s, in->n_series));
				fputc('\t', pf.f);
				plot_value(pf.f, c.median.estimate / m->scale);
				fputc('\t', pf.f);
				plot_value(pf.f, c.median.lo / m->scale);
				fputc('\t', pf.f);
				plot_value(pf.f, c.median.hi / m->scale);
				fprintf(pf.f, "\t%zu\t", c.n);
				plot_value(pf.f, c.median.achieved);
				fputc('\n', pf.f);
				any = true;
				pts++;
			}
			campaign_cell_release(&c);
		}
		if (!any) {
			fputs("NaN\tNaN\tNaN\tNaN\t0\tNaN\n", pf.f);
		}
		label_var(p, in->series[s], var);
		strbuf_addf(&plot, ", '' index %zu using 1:2:3:4 with %s lw 1.5"
			    " pt 7 ps 0.8 lc rgb '%s' title %s", blocks,
			    by_series ? "yerrorbars" : "yerrorlines",
			    series_color(s), var);
		blocks++;
	}
	if (!pts) {
		plot_file_abort(&pf);
		goto out;
	}
	rc = plot_file_commit(&pf);
	if (rc < 0)
		goto out;
	t = metric_title(m);
	label_var(p, t, var);
	free(t);
	strbuf_addf(&p->gp, "set title %s\nset key outside right top\nset grid\n"
		    "set yrange [0:*]\n", var);
	/* The unit may come from the database: data, like every name. */
	t = str_printf("median %s (%s)", metric_what(m), m->shown_unit);
	label_var(p, t, var);
	free(t);
	strbuf_addf(&p->gp, "set ylabel %s\n", var);
	if (in->x_axis && !by_series) {
		/* Points placed as times: say so on the axis. */
		t = in->x_ms ? str_printf("%s (ms)", in->x_axis)
			     : str_printf("%s", in->x_axis);
		label_var(p, t, var);
		free(t);
		strbuf_addf(&p->gp, "set xlabel %s\n", var);
	}
	if (by_series || !in->x_ms)
		strbuf_addf(&p->gp, "set xrange [-0.5:%zu.5]\n",
			    (by_series ? in->n_series : in->n_x) - 1);
	else
		strbuf_addf(&p->gp, "set offsets graph 0.04, graph 0.04, 0, 0\n");
	if ((by_series ? in->n_series : in->n_x) > 5)
		strbuf_adds(&p->gp, "set xtics rotate by 30 right\n");
	plot_draw(&p->gp, name, 760, 440, strbuf_str(&plot));
	p->vs_drawn[k] = true;
out:
	plot_file_abort(&pf);
	strbuf_release(&plot);
	return rc;
}

/* cdf-K-P: the CDF of metric K's operations at point X, one curve per
 * series (its repetitions pooled). */
static int draw_cdf(struct cpage *p, size_t k, size_t x)
{
	const struct campaign_input *in = p->in;
	const struct campaign_metric *m = &p->m[k];
	struct strbuf plot = STRBUF_INIT;
	struct plot_file pf = { 0 };
	char name[64], file[80], var[16], cut[FIG_NAME_MAX + 4], *t, *what;
	double lo = INFINITY, hi = -INFINITY, *v = NULL, *ps = NULL;
	size_t s, i, n, mm, curves = 0;
	bool log;
	int rc = 0;

	for (s = 0; s < in->n_series; s++) {
		rc = campaign_pooled(in, m, s, x, &v, &n);
		if (rc < 0)
			return rc;
		for (i = 0; i < n; i++) {
			lo = fmin(lo, v[i] / m->scale);
			hi = fmax(hi, v[i] / m->scale);
		}
		free(v);
		v = NULL;
	}
	if (!isfinite(lo))
		return 0;
	snprintf(name, sizeof(name), "cdf-%zu-%zu", k + 1, x + 1);
	snprintf(file, sizeof(file), "%s.tsv", name);
	rc = plot_file_create(p->dfd, file, &pf);
	if (rc < 0)
		return rc;
	fputs("# enos report: a CDF per series, one block each (value in the"
	      " shown unit, fraction of the operations at or below)\n", pf.f);
	log = lo > 0 && hi / lo > 20;
	strbuf_addf(&plot, "plot '%s'", file);
	for (s = 0; s < in->n_series; s++) {
		rc = campaign_pooled(in, m, s, x, &v, &n);
		if (rc < 0)
			goto out;
		if (!n) {
			free(v);
			v = NULL;
			continue;
		}
		for (i = 0; i < n; i++)
			v[i] /= m->scale;
		ps = malloc(n * sizeof(*ps));
		if (!ps) {
			rc = -ENOMEM;
			goto out;
		}
		rc = stats_ecdf(v, n, v, ps, &mm);
		if (rc < 0)
			goto out;
		if (curves)
			fputs("\n\n", pf.f);
		plot_value(pf.f, log ? lo / 1.15 : lo - 0.03 * (hi - lo + 1e-9));
		fputs("\t0\n", pf.f);
		for (i = 0; i < mm; i++) {
			plot_value(pf.f, v[i]);
			fputc('\t', pf.f);
			plot_value(pf.f, ps[i]);
			fputc('\n', pf.f);
		}
		plot_value(pf.f, log ? hi * 1.15 : hi + 0.03 * (hi - lo + 1e-9));
		fputs("\t1\n", pf.f);
		t = str_printf("%s, %zu operations", in->series[s], n);
		label_var(p, t, var);
		free(t);
		strbuf_addf(&plot, "%s index %zu using 1:2 with steps lw 2 lc rgb"
			    " '%s' title %s", curves ? ", ''" : "", curves,
			    series_color(s), var);
		curves++;
		free(v);
		free(ps);
		v = ps = NULL;
	}
	rc = plot_file_commit(&pf);
	if (rc < 0)
		goto out;
	what = metric_name(m);
	t = in->n_x > 1 ? str_printf("%s at %s: CDF per %s", what,
				     fig_name(in->x_labels[x], cut),
				     in->series_axis ? in->series_axis : "series")
			: str_printf("%s: CDF per %s", what,
				     in->series_axis ? in->series_axis : "series");
	free(what);
	label_var(p, t, var);
	free(t);
	strbuf_addf(&p->gp, "set title %s\n", var);
	t = str_printf("%s (%s)%s", metric_what(m), m->shown_unit,
		       log ? ", log scale" : "");
	label_var(p, t, var);
	free(t);
	strbuf_addf(&p->gp, "set xlabel %s\n"
		    "set ylabel 'fraction of operations'\nset yrange [0:1.02]\n"
		    "set key below\nset grid\n%s", var,
		    log ? "set logscale x\n" : "");
	plot_draw(&p->gp, name, 720, 420, strbuf_str(&plot));
	p->cdf_drawn[k * in->n_x + x] = true;
out:
	free(v);
	free(ps);
	plot_file_abort(&pf);
	strbuf_release(&plot);
	return rc;
}

/* sites-K-P: the median of metric K per client site at point X, a bar
 * per series. */
static int draw_sites(struct cpage *p, size_t k, size_t x)
{
	const struct campaign_input *in = p->in;
	const struct campaign_metric *m = &p->m[k];
	struct strbuf plot = STRBUF_INIT;
	struct plot_file pf = { 0 };
	const char **sites = NULL;
	char name[64], file[80], var[16], cut[FIG_NAME_MAX + 4], *t, *what;
	size_t ns = 0, i, s, any = 0;
	int rc;

	rc = campaign_sites(in, m, &sites, &ns);
	if (rc < 0 || ns == 0)
		goto out;
	snprintf(name, sizeof(name), "sites-%zu-%zu", k + 1, x + 1);
	snprintf(file, sizeof(file), "%s.tsv", name);
	rc = plot_file_create(p->dfd, file, &pf);
	if (rc < 0)
		goto out;
	for (i = 0; i < ns; i++) {
		plot_label(pf.f, sites[i]);
		for (s = 0; s < in->n_series; s++) {
			double v;

			rc = campaign_site_median(in, m, s, x, sites[i], &v);
			if (rc < 0)
				goto out;
			fputc('\t', pf.f);
			plot_value(pf.f, v / m->scale);
			any += isfinite(v);
		}
		fputc('\n', pf.f);
	}
	if (!any) {
		plot_file_abort(&pf);
		goto out;
	}
	rc = plot_file_commit(&pf);
	if (rc < 0)
		goto out;
	strbuf_addf(&plot, "plot '%s'", file);
	for (s = 0; s < in->n_series; s++) {
		label_var(p, in->series[s], var);
		strbuf_addf(&plot, "%s using %zu%s lc rgb '%s' title %s",
			    s ? ", ''" : "", s + 2, s ? "" : ":xtic(1)",
			    series_color(s), var);
	}
	what = metric_name(m);
	t = in->n_x > 1 ? str_printf("%s at %s: median per client site", what,
				     fig_name(in->x_labels[x], cut))
			: str_printf("%s: median per client site", what);
	free(what);
	label_var(p, t, var);
	free(t);
	strbuf_addf(&p->gp, "set title %s\n", var);
	t = str_printf("median %s (%s)", metric_what(m), m->shown_unit);
	label_var(p, t, var);
	free(t);
	strbuf_addf(&p->gp, "set style data histograms\n"
		    "set style histogram clustered gap 1\n"
		    "set style fill solid 0.8 border -1\n"
		    "set ylabel %s\nset yrange [0:*]\nset xlabel 'client site'\n"
		    "set key top left\nset grid y\n%s", var,
		    ns > 4 ? "set xtics rotate by 30 right\n" : "");
	plot_draw(&p->gp, name, ns > 4 ? 200 + 60 * (int)ns : 560, 400,
		  strbuf_str(&plot));
	p->sites_drawn[k * in->n_x + x] = true;
out:
	plot_file_abort(&pf);
	strbuf_release(&plot);
	free(sites);
	return rc;
}

/* ---- exports ---- */

static int export_runs(struct cpage *p)
{
	const struct campaign_input *in = p->in;
	struct plot_file pf;
	size_t i;
	int rc = plot_file_create(p->dfd, "runs.csv", &pf);

	if (rc < 0)
		return rc;
	fputs("\"run\",\"series\",\"point\",\"rep\",\"seed\",\"outcome\","
	      "\"operations\"\r\n", pf.f);
	for (i = 0; i < in->n_runs; i++) {
		const struct campaign_run *r = &in->runs[i];

		fprintf(pf.f, "%lld,", (long long)r->run);
		csv_field(pf.f, in->series[r->series]);
		fputc(',', pf.f);
		csv_field(pf.f, in->x_labels[r->x]);
		fputc(',', pf.f);
		if (r->rep)
			fprintf(pf.f, "%u", r->rep);
		fputc(',', pf.f);
		if (r->has_seed)
			fprintf(pf.f, "%llu", (unsigned long long)r->seed);
		fputc(',', pf.f);
		csv_field(pf.f, r->outcome);
		fprintf(pf.f, ",%zu\r\n", r->n_ops);
	}
	return plot_file_commit(&pf);
}

/* Every run's rows of one export, tagged. */
static int export_all(struct cpage *p, const char *name, int which)
{
	const struct campaign_input *in = p->in;
	struct plot_file pf;
	size_t i;
	int rc = plot_file_create(p->dfd, name, &pf);

	if (rc < 0)
		return rc;
	if (which == 0)
		export_ops_head(pf.f);
	else if (which == 1)
		export_sums_head(pf.f);
	else if (which == 2)
		export_values_head(pf.f);
	else
		export_traffic_head(pf.f);
	for (i = 0; i < in->n_runs; i++) {
		const struct campaign_run *r = &in->runs[i];
		const struct export_tag t = {
			r->run, in->series[r->series], in->x_labels[r->x], r->rep,
		};

		if (which == 0)
			export_ops(pf.f, &t, r->ops, r->n_ops);
		else if (which == 1)
			export_sums(pf.f, &t, r->sums, r->n_sums);
		else if (which == 2)
			export_values(pf.f, &t, r->values, r->n_values);
		else
			export_traffic(pf.f, &t, r->traffic, r->n_traffic);
	}
	return plot_file_commit(&pf);
}

static void metric_fields(FILE *f, const struct campaign_metric *m)
{
	csv_field(f, m->workload);
	fputc(',', f);
	csv_field(f, m->op);
	fputc(',', f);
	csv_field(f, metric_what(m));
	fputc(',', f);
	csv_field(f, m->shown_unit);
}

/* metrics.csv: every cell, in the shown unit, with its repetitions. */
static int export_metrics(struct cpage *p)
{
	const struct campaign_input *in = p->in;
	struct plot_file pf;
	size_t k, s, x, i;
	int rc = plot_file_create(p->dfd, "metrics.csv", &pf);

	if (rc < 0)
		return rc;
	fputs("\"workload\",\"op\",\"metric\",\"unit\",\"series\",\"point\","
	      "\"n\",\"missing\",\"median\",\"lo\",\"hi\",\"level\",\"achieved\","
	      "\"values\",\"runs\"\r\n", pf.f);
	for (k = 0; k < p->nm && rc == 0; k++)
		for (x = 0; x < in->n_x && rc == 0; x++)
			for (s = 0; s < in->n_series && rc == 0; s++) {
				const struct campaign_metric *m = &p->m[k];
				struct campaign_cell c;

				rc = campaign_cell(in, m, s, x, &c);
				if (rc < 0)
					break;
				metric_fields(pf.f, m);
				fputc(',', pf.f);
				csv_field(pf.f, in->series[s]);
				fputc(',', pf.f);
				csv_field(pf.f, in->x_labels[x]);
				fprintf(pf.f, ",%zu,%zu,", c.n, c.missing);
				csv_num(pf.f, c.median.estimate / m->scale);
				fputc(',', pf.f);
				csv_num(pf.f, c.median.lo / m->scale);
				fputc(',', pf.f);
				csv_num(pf.f, c.median.hi / m->scale);
				fputc(',', pf.f);
				csv_num(pf.f, in->level);
				fputc(',', pf.f);
				csv_num(pf.f, c.median.achieved);
				fputs(",\"", pf.f);
				for (i = 0; i < c.n; i++)
					fprintf(pf.f, "%s%.17g", i ? " " : "",
						c.v[i] / m->scale);
				fputs("\",\"", pf.f);
				for (i = 0; i < c.n; i++)
					fprintf(pf.f, "%s%lld", i ? " " : "",
						(long long)c.runs[i]);
				fputs("\"\r\n", pf.f);
				campaign_cell_release(&c);
			}
	if (rc < 0) {
		plot_file_abort(&pf);
		return rc;
	}
	return plot_file_commit(&pf);
}

/* comparisons.csv: every verdict, with its numbers. */
static int export_comparisons(struct cpage *p)
{
	const struct campaign_input *in = p->in;
	struct plot_file pf;
	size_t k, s, x;
	int rc = plot_file_create(p->dfd, "comparisons.csv", &pf);

	if (rc < 0)
		return rc;
	fputs("\"workload\",\"op\",\"metric\",\"unit\",\"point\",\"a\",\"b\","
	      "\"samples\",\"na\",\"nb\",\"median_a\",\"median_b\",\"estimate\","
	      "\"lo\",\"hi\",\"level\",\"achieved\",\"u\",\"p\",\"significant\","
	      "\"faster\",\"verdict\"\r\n", pf.f);
	for (k = 0; k < p->nm && rc == 0; k++)
		for (x = 0; x < in->n_x && rc == 0; x++)
			for (s = 1; s < in->n_series && rc == 0; s++) {
				struct campaign_verdict v;
				const struct stats_comparison *c = &v.cmp;
				bool ok;

				rc = campaign_compare(in, &p->m[k], x, 0, s, &v);
				if (rc < 0)
					break;
				ok = v.rc == 0;
				metric_fields(pf.f, &p->m[k]);
				fputc(',', pf.f);
				csv_field(pf.f, in->x_labels[x]);
				fputc(',', pf.f);
				csv_field(pf.f, in->series[0]);
				fputc(',', pf.f);
				csv_field(pf.f, in->series[s]);
				fprintf(pf.f, ",\"%s\",%zu,%zu", v.per_op ?
					"operations" : "repetitions", v.na, v.nb);
				{
					const double num[] = {
						ok ? c->median_a : NAN, ok ? c->median_b : NAN,
						ok ? c->estimate : NAN, ok ? c->lo : NAN,
						ok ? c->hi : NAN, in->level,
						ok ? c->achieved : NAN, ok ? c->u : NAN,
						ok ? c->p : NAN,
					};
					size_t i;

					for (i = 0; i < sizeof(num) / sizeof(num[0]); i++) {
						fputc(',', pf.f);
						csv_num(pf.f, num[i]);
					}
				}
				fprintf(pf.f, ",%d,", v.significant);
				csv_field(pf.f, v.faster);
				fputc(',', pf.f);
				csv_field(pf.f, v.text);
				fputs("\r\n", pf.f);
				campaign_verdict_release(&v);
			}
	if (rc < 0) {
		plot_file_abort(&pf);
		return rc;
	}
	return plot_file_commit(&pf);
}

/* ---- the page ---- */

static void put_cell(FILE *f, const struct campaign_cell *c,
		     const struct campaign_metric *m, double level)
{
	if (!c->n) {
		fputs("<td>-</td>", f);
		return;
	}
	fprintf(f, "<td title=\"%zu repetition%s\">%.4g", c->n,
		c->n == 1 ? "" : "s", c->median.estimate / m->scale);
	if (c->n > 1) {
		fprintf(f, " [%.4g, %.4g]", c->median.lo / m->scale,
			c->median.hi / m->scale);
		if (c->median.achieved < level - 1e-9)
			fprintf(f, " <small>(%.1f %%)</small>",
				100 * c->median.achieved);
	}
	fprintf(f, " <small>n=%zu</small></td>", c->n);
}

/* The table of metric K: a row per point, a column per series. */
static int put_metric_table(FILE *f, struct cpage *p, size_t k)
{
	const struct campaign_input *in = p->in;
	const struct campaign_metric *m = &p->m[k];
	size_t s, x;
	int rc = 0;

	fputs("<table><tr><th class=l>", f);
	page_escape(f, in->x_axis ? in->x_axis : "point");
	fputs("</th>", f);
	for (s = 0; s < in->n_series; s++) {
		fputs("<th>", f);
		page_escape(f, in->series[s]);
		fputs("</th>", f);
	}
	fputs("</tr>\n", f);
	for (x = 0; x < in->n_x && rc == 0; x++) {
		fputs("<tr><td class=l>", f);
		page_escape(f, in->x_labels[x]);
		fputs("</td>", f);
		for (s = 0; s < in->n_series && rc == 0; s++) {
			struct campaign_cell c;

			rc = campaign_cell(in, m, s, x, &c);
			if (rc == 0)
				put_cell(f, &c, m, in->level);
			campaign_cell_release(&c);
		}
		fputs("</tr>\n", f);
	}
	fputs("</table>\n", f);
	return rc;
}

/* The verdicts of metric K: a row per point and compared series. */
static int put_verdicts(FILE *f, struct cpage *p, size_t k, size_t *won,
			size_t *lost, size_t *none)
{
	const struct campaign_input *in = p->in;
	size_t s, x;
	int rc = 0;

	fputs("<table><tr><th class=l>", f);
	page_escape(f, in->x_axis ? in->x_axis : "point");
	fputs("</th><th class=l>compared</th><th class=l>verdict (95 % CI of the"
	      " difference)</th><th>p</th></tr>\n", f);
	for (x = 0; x < in->n_x && rc == 0; x++)
		for (s = 1; s < in->n_series && rc == 0; s++) {
			struct campaign_verdict v;

			rc = campaign_compare(in, &p->m[k], x, 0, s, &v);
			if (rc < 0)
				break;
			fputs(v.significant ? "<tr class=win>" : "<tr>", f);
			fputs("<td class=l>", f);
			page_escape(f, in->x_labels[x]);
			fputs("</td><td class=l>", f);
			page_escape(f, in->series[s]);
			fputs(" vs ", f);
			page_escape(f, in->series[0]);
			fputs("</td><td class=l>", f);
			page_escape(f, v.text);
			fputs("</td>", f);
			page_g(f, v.rc == 0 ? v.cmp.p : NAN);
			fputs("</tr>\n", f);
			if (!v.significant)
				(*none)++;
			else if (!strcmp(v.faster, in->series[s]))
				(*won)++;
			else
				(*lost)++;
			campaign_verdict_release(&v);
		}
	fputs("</table>\n", f);
	return rc;
}

/* The numbers of figure cdf-K-X: per series, the pooled operations'
 * count and percentiles. */
static int put_pooled_table(FILE *f, struct cpage *p, size_t k, size_t x)
{
	const struct campaign_input *in = p->in;
	const struct campaign_metric *m = &p->m[k];
	size_t s, n;
	int rc = 0;

	fputs("<table><tr><th class=l>series</th><th>operations</th><th>p50</th>"
	      "<th>p90</th><th>p99</th><th>min</th><th>max</th></tr>\n", f);
	for (s = 0; s < in->n_series && rc == 0; s++) {
		struct stats_summary sum;
		double *v = NULL;

		rc = campaign_pooled(in, m, s, x, &v, &n);
		if (rc < 0)
			break;
		fputs("<tr><td class=l>", f);
		page_escape(f, in->series[s]);
		fprintf(f, "</td><td>%zu</td>", n);
		if (n && stats_summarize(v, n, &sum) == 0) {
			page_g(f, sum.p50 / m->scale);
			page_g(f, sum.p90 / m->scale);
			page_g(f, sum.p99 / m->scale);
			page_g(f, sum.min / m->scale);
			page_g(f, sum.max / m->scale);
		} else {
			fputs("<td>-</td><td>-</td><td>-</td><td>-</td><td>-</td>", f);
		}
		fputs("</tr>\n", f);
		free(v);
	}
	fputs("</table>\n", f);
	return rc;
}

/* The numbers of figure sites-K-X: a row per client site. */
static int put_sites_table(FILE *f, struct cpage *p, size_t k, size_t x)
{
	const struct campaign_input *in = p->in;
	const struct campaign_metric *m = &p->m[k];
	const char **sites = NULL;
	size_t ns = 0, i, s;
	int rc = campaign_sites(in, m, &sites, &ns);

	if (rc < 0)
		return rc;
	fputs("<table><tr><th class=l>client site</th>", f);
	for (s = 0; s < in->n_series; s++) {
		fputs("<th>", f);
		page_escape(f, in->series[s]);
		fputs("</th>", f);
	}
	fputs("</tr>\n", f);
	for (i = 0; i < ns && rc == 0; i++) {
		fputs("<tr><td class=l>", f);
		page_escape(f, sites[i]);
		fputs("</td>", f);
		for (s = 0; s < in->n_series && rc == 0; s++) {
			double v;

			rc = campaign_site_median(in, m, s, x, sites[i], &v);
			page_g(f, v / m->scale);
		}
		fputs("</tr>\n", f);
	}
	fputs("</table>\n", f);
	free(sites);
	return rc;
}

static int put_metrics(FILE *f, struct cpage *p)
{
	const struct campaign_input *in = p->in;
	char name[64], *t, *cap;
	size_t k, x, won, lost, none;
	int rc = 0;

	for (k = 0; k < p->nm && rc == 0; k++) {
		const struct campaign_metric *m = &p->m[k];

		t = metric_title(m);
		fprintf(f, "<h2 id=\"m%zu\">", k + 1);
		page_escape(f, t);
		fputs("</h2>\n", f);
		free(t);
		if (in->n_series > 1) {
			won = lost = none = 0;
			fputs("<h3>Comparison</h3>\n", f);
			rc = put_verdicts(f, p, k, &won, &lost, &none);
			if (rc < 0)
				break;
		}
		fputs("<h3>Median over repetitions</h3>\n", f);
		cap = bars_caption(p, m);
		if (p->vs_drawn[k]) {
			snprintf(name, sizeof(name), "metric-%zu", k + 1);
			page_figure(f, p->dfd, name, NULL, cap);
		} else {
			fputs("<p class=cap>", f);
			page_escape(f, cap);
			fputs("</p>\n", f);
		}
		free(cap);
		fputs("<p>Median [interval] <small>(its coverage when below the level"
		      " asked) n=repetitions</small>, in ", f);
		page_escape(f, m->shown_unit);
		fputs(":</p>\n", f);
		rc = put_metric_table(f, p, k);
		fputs("<h3>Distribution and client sites</h3>\n", f);
		for (x = 0; x < in->n_x; x++) {
			if (p->cdf_drawn[k * in->n_x + x]) {
				snprintf(name, sizeof(name), "cdf-%zu-%zu", k + 1, x + 1);
				page_figure(f, p->dfd, name, NULL,
					    "Every successful operation of the"
					    " point's repetitions, pooled per series.");
				rc = put_pooled_table(f, p, k, x);
				if (rc < 0)
					break;
			}
			if (p->sites_drawn[k * in->n_x + x]) {
				snprintf(name, sizeof(name), "sites-%zu-%zu", k + 1, x + 1);
				page_figure(f, p->dfd, name, NULL,
					    "Per client site: the median over the"
					    " repetitions of each run's median there.");
				rc = put_sites_table(f, p, k, x);
				if (rc < 0)
					break;
			}
		}
		if (in->n_x > POINT_FIGURES_MAX)
			fputs("<p>Drawn at the first and the last point; every point's"
			      " numbers are in the exports.</p>\n", f);
	}
	return rc;
}

static void put_traffic(FILE *f, struct cpage *p)
{
	const struct campaign_input *in = p->in;
	struct campaign_traffic t;
	size_t s, x, any = 0;

	for (s = 0; s < in->n_series; s++)
		for (x = 0; x < in->n_x; x++)
			if (campaign_traffic(in, s, x, &t) == 0)
				any += t.n;
	if (!any)
		return;
	fputs("<h2 id=traffic>WAN traffic</h2>\n<p>Per point and series, the median"
	      " over the runs with traffic counted: bytes that crossed the WAN"
	      " (as on the wire), bytes per operation, and the service that"
	      " dominates the cell's bytes. Every row: <a"
	      " href=\"traffic.csv\">traffic.csv</a>; each run's own report has"
	      " its traffic matrix.</p>\n<table><tr><th class=l>point</th>"
	      "<th class=l>series</th><th>runs</th><th>bytes</th>"
	      "<th>bytes per operation</th><th class=l>dominant service</th>"
	      "<th>share</th></tr>\n", f);
	for (x = 0; x < in->n_x; x++)
		for (s = 0; s < in->n_series; s++) {
			if (campaign_traffic(in, s, x, &t) < 0 || !t.n)
				continue;
			fputs("<tr><td class=l>", f);
			page_escape(f, in->x_labels[x]);
			fputs("</td><td class=l>", f);
			page_escape(f, in->series[s]);
			fprintf(f, "</td><td>%zu</td>", t.n);
			page_g(f, t.bytes);
			page_g(f, t.bytes_per_op);
			fputs("<td class=l>", f);
			page_escape(f, t.dominant ? t.dominant : "-");
			fputs("</td>", f);
			if (isnan(t.share))
				fputs("<td>-</td>", f);
			else
				fprintf(f, "<td>%.1f %%</td>", 100 * t.share);
			fputs("</tr>\n", f);
		}
	fputs("</table>\n", f);
}

static void put_runs(FILE *f, struct cpage *p)
{
	const struct campaign_input *in = p->in;
	size_t i;

	fprintf(f, "<h2 id=runs>Runs</h2>\n<p>%zu runs (<a href=\"runs.csv\">runs.csv</a>)."
		" Each run's own report (its timeline with the fault windows"
		" shaded, its traffic matrix, its RTT matrices when measured) is"
		" linked.</p>\n<table><tr><th>run</th><th class=l>series</th>"
		"<th class=l>point</th><th>rep</th><th>seed</th><th class=l>outcome</th>"
		"<th>operations</th></tr>\n", in->n_runs);
	for (i = 0; i < in->n_runs; i++) {
		const struct campaign_run *r = &in->runs[i];
		bool bad = !r->outcome || strcmp(r->outcome, "ok");

		fputs(bad ? "<tr class=bad><td>" : "<tr><td>", f);
		if (r->page) {
			fputs("<a href=\"", f);
			page_escape(f, r->page);
			fprintf(f, "\">%lld</a>", (long long)r->run);
		} else {
			fprintf(f, "%lld", (long long)r->run);
		}
		fputs("</td><td class=l>", f);
		page_escape(f, in->series[r->series]);
		fputs("</td><td class=l>", f);
		page_escape(f, in->x_labels[r->x]);
		fputs("</td><td>", f);
		if (r->rep)
			fprintf(f, "%u", r->rep);
		fputs("</td><td>", f);
		if (r->has_seed)
			fprintf(f, "%llu", (unsigned long long)r->seed);
		fputs("</td><td class=l>", f);
		page_escape(f, r->outcome ? r->outcome : "open");
		fprintf(f, "</td><td>%zu</td></tr>\n", r->n_ops);
	}
	fputs("</table>\n", f);
}

static void put_facts(FILE *f, const struct report_fact *v, size_t n)
{
	size_t i;

	fputs("<table>", f);
	for (i = 0; i < n; i++) {
		fputs("<tr><th class=l>", f);
		page_escape(f, v[i].key);
		fputs("</th><td class=l>", f);
		page_escape(f, v[i].value);
		fputs("</td></tr>\n", f);
	}
	fputs("</table>\n", f);
}

/* The verdicts in one paragraph per metric, before anything else. */
static int put_summary(FILE *f, struct cpage *p)
{
	const struct campaign_input *in = p->in;
	size_t k, x, s;
	int rc = 0;

	fputs("<h2 id=verdicts>Verdicts</h2>\n", f);
	if (in->n_series < 2) {
		fputs("<p>One series: nothing is compared (a sweep compares its"
		      " strategies when <code>stack.strategy</code> is an"
		      " axis).</p>\n", f);
		return 0;
	}
	fputs("<p>Each ", f);
	page_escape(f, in->series_axis ? in->series_axis : "series");
	fputs(" against ", f);
	page_escape(f, in->series[0]);
	fprintf(f, ", per metric and point: the Hodges-Lehmann estimate of the"
		" difference with its %.0f %% Mann-Whitney confidence interval"
		" (exact for small samples), computed over %s; \"no"
		" significant difference\" where the interval holds zero, or when"
		" the samples are too few to reach %.0f %%.</p>\n<ul>\n",
		100 * in->level, in->what == CAMPAIGN_COMPARE_RUNS
		? "each run's operations (one run each: they are not independent"
		  " repetitions, so the interval says nothing of how another run"
		  " would differ; compare sweeps with repetitions for that)"
		: "the repetitions (a cell of one run each: over its operations,"
		  " as its verdict says)", 100 * in->level);
	for (k = 0; k < p->nm && rc == 0; k++) {
		char *t = metric_title(&p->m[k]);

		fputs("<li><a href=\"#m", f);
		fprintf(f, "%zu\">", k + 1);
		page_escape(f, t);
		free(t);
		fputs("</a>:<ul>", f);
		for (x = 0; x < in->n_x && rc == 0; x++)
			for (s = 1; s < in->n_series && rc == 0; s++) {
				struct campaign_verdict v;

				rc = campaign_compare(in, &p->m[k], x, 0, s, &v);
				if (rc < 0)
					break;
				fputs("<li>", f);
				if (in->n_x > 1) {
					page_escape(f, in->x_labels[x]);
					fputs(": ", f);
				}
				/* With three series or more, say which pair. */
				if (in->n_series > 2) {
					page_escape(f, in->series[s]);
					fputs(" vs ", f);
					page_escape(f, in->series[0]);
					fputs(": ", f);
				}
				page_escape(f, v.text);
				fputs("</li>", f);
				campaign_verdict_release(&v);
			}
		fputs("</ul></li>\n", f);
	}
	fputs("</ul>\n", f);
	return rc;
}

static int write_page(struct cpage *p, bool results_json)
{
	const struct campaign_input *in = p->in;
	const struct report_extras *x = in->extras;
	struct plot_file pf;
	char *title;
	int rc;

	rc = plot_file_create(p->dfd, "index.html", &pf);
	if (rc < 0)
		return rc;
	title = str_printf("enos: %s", in->title);
	page_head(pf.f, title);
	fputs("<h1>", pf.f);
	page_escape(pf.f, title);
	fputs("</h1>\n", pf.f);
	free(title);
	fprintf(pf.f, "<p>%zu runs; ", in->n_runs);
	page_escape(pf.f, in->series_axis ? in->series_axis : "series");
	fputs(": ", pf.f);
	{
		size_t s;

		for (s = 0; s < in->n_series; s++) {
			if (s)
				fputs(", ", pf.f);
			page_escape(pf.f, in->series[s]);
		}
	}
	if (in->n_x > 1) {
		fprintf(pf.f, "; %zu points of ", in->n_x);
		page_escape(pf.f, in->x_axis);
	}
	fputs(".</p>\n", pf.f);
	rc = put_summary(pf.f, p);
	if (rc == 0)
		rc = put_metrics(pf.f, p);
	if (rc == 0) {
		put_traffic(pf.f, p);
		put_runs(pf.f, p);
		fputs("<h2 id=host>Host facts</h2>\n<p>The same in every run:</p>\n", pf.f);
		put_facts(pf.f, in->facts, in->n_facts);
		if (in->n_varying) {
			fputs("<p>Different between runs (each run's report has"
			      " its own):</p>\n", pf.f);
			put_facts(pf.f, in->varying, in->n_varying);
		}
		if (x && (x->topo || x->topo_why))
			page_topology(pf.f, p->dfd, x, p->topo_drawn);
		page_files(pf.f, x);
		fputs("<h2 id=data>Data</h2>\n<p>Every figure is drawn by <a"
		      " href=\"report.gp\">report.gp</a> from the .tsv files beside"
		      " this page (names in <a href=\"labels.tsv\">labels.tsv</a>)."
		      " Exports: <a href=\"metrics.csv\">metrics.csv</a> (every cell"
		      " with its repetitions), <a href=\"comparisons.csv\">"
		      "comparisons.csv</a> (every verdict with its numbers), <a"
		      " href=\"runs.csv\">runs.csv</a>, <a href=\"ops.csv\">ops.csv</a>"
		      " (every operation), <a href=\"summaries.csv\">summaries.csv</a>,"
		      " <a href=\"values.csv\">values.csv</a>, <a"
		      " href=\"traffic.csv\">traffic.csv</a>", pf.f);
		if (results_json)
			fputs(", and all of it as JSON: <a href=\"results.json\">"
			      "results.json</a>", pf.f);
		fputs(".</p>\n", pf.f);
		if (x && x->made_by) {
			fputs("<p>Written by ", pf.f);
			page_escape(pf.f, x->made_by);
			fputs(".</p>\n", pf.f);
		}
		fputs("</body></html>\n", pf.f);
	}
	if (rc < 0) {
		plot_file_abort(&pf);
		return rc;
	}
	return plot_file_commit(&pf);
}

static int draw_all(struct cpage *p, const char *gnuplot, char **err)
{
	const struct campaign_input *in = p->in;
	size_t k, x;
	int rc;

	rc = plot_labels_begin(p->dfd, &p->labels);
	if (rc < 0)
		goto fail;
	strbuf_adds(&p->gp, "# enos report: draws every figure of this page from the"
		    " .tsv files beside it\n# (names come from labels.tsv, never"
		    " from this script). Run: gnuplot report.gp\n");
	plot_settings(&p->gp);
	for (k = 0; k < p->nm && rc == 0; k++) {
		rc = draw_vs(p, k);
		for (x = 0; x < in->n_x && rc == 0; x++) {
			if (!point_drawn(in, x))
				continue;
			rc = draw_cdf(p, k, x);
			if (rc == 0)
				rc = draw_sites(p, k, x);
		}
	}
	if (rc < 0)
		goto fail;
	keep(p, export_runs(p));
	keep(p, export_all(p, "ops.csv", 0));
	keep(p, export_all(p, "summaries.csv", 1));
	keep(p, export_all(p, "values.csv", 2));
	keep(p, export_all(p, "traffic.csv", 3));
	keep(p, export_metrics(p));
	keep(p, export_comparisons(p));
	keep(p, page_files_write(p->dfd, in->extras));
	return page_figures_draw(p->dfd, p->dir, &p->labels, p->rc, &p->gp,
				 gnuplot, in->extras, &p->topo_drawn, err);
fail:
	return page_figures_fail(&p->labels, p->dir, rc, err);
}

int campaign_html_write(const char *dir, const struct campaign_input *in,
			bool results_json, const char *gnuplot, char **err)
{
	struct cpage p = { .in = in, .dir = dir, .dfd = -1, .gp = STRBUF_INIT };
	size_t cells = in->n_x;
	int rc = fs_mkdir_p(dir, 0755);

	if (rc == 0) {
		/* A results directory that is a link is refused. */
		p.dfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (p.dfd < 0)
			rc = -errno;
	}
	if (rc < 0) {
		if (err)
			*err = str_printf("cannot create '%s': %s", dir, strerror(-rc));
		goto out;
	}
	rc = campaign_metrics(in, &p.m, &p.nm);
	if (rc == 0) {
		cells *= p.nm;
		p.vs_drawn = calloc(p.nm + 1, sizeof(*p.vs_drawn));
		p.cdf_drawn = calloc(cells + 1, sizeof(*p.cdf_drawn));
		p.sites_drawn = calloc(cells + 1, sizeof(*p.sites_drawn));
		if (!p.vs_drawn || !p.cdf_drawn || !p.sites_drawn)
			rc = -ENOMEM;
	}
	if (rc < 0) {
		if (err)
			*err = str_printf("%s", strerror(-rc));
		goto out;
	}
	rc = draw_all(&p, gnuplot, err);
	if (rc < 0)
		goto out;
	rc = write_page(&p, results_json);
	if (rc < 0 && err)
		*err = str_printf("cannot write '%s/index.html': %s", dir,
				 strerror(-rc));
out:
	strbuf_release(&p.gp);
	free(p.m);
	free(p.vs_drawn);
	free(p.cdf_drawn);
	free(p.sites_drawn);
	if (p.dfd >= 0)
		close(p.dfd);
	return rc;
}
