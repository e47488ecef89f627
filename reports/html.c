/* html — HTML report of a run; see html.h. */
#include "reports/html.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "reports/export.h"
#include "reports/page.h"
#include "reports/plot.h"
#include "util/fs.h"
#include "util/str.h"
#include "util/strbuf.h"

enum matrix_which { M_TARGET, M_MEASURED, M_ERROR };

static const char *const matrix_file[] = { "target", "measured", "error" };
static const char *const matrix_title[] = {
	"target RTT (ms)", "measured RTT p50 (ms)", "measured - target (ms)",
};

/* A report being written: IN, where, the script and labels being built,
 * and what the workload figures found while being drawn. */
struct report {
	const struct report_input *in;
	const char *dir;
	int dfd;
	struct strbuf gp;               /* report.gp */
	struct plot_labels labels;
	int rc;                         /* the first error writing a file */
	struct report_wlkey *keys;      /* the (workload, op) pairs */
	size_t nk;
	bool *cdf_drawn, *sites_drawn;  /* per key */
	const char **workloads;         /* distinct, in key order */
	size_t n_wl;
	bool *timeline_drawn;           /* per workload */
	struct report_window *win;      /* room for in->n_faults */
	bool topo_drawn;                /* topology.svg is there */
	bool *series_drawn;             /* per series */
};

int report_within(const struct report_input *in, const struct report_rtt *r)
{
	return report_rtt_within(r, in->tolerance_pct, in->tolerance_ms);
}

/* Keep the first error of a data file. */
static void keep(struct report *r, int rc)
{
	if (rc < 0 && r->rc == 0)
		r->rc = rc;
}

/* ---- RTT heatmaps ---- */

static long site_index(const struct report_input *in, const char *name)
{
	size_t i;

	for (i = 0; i < in->n_sites; i++)
		if (strcmp(in->sites[i], name) == 0)
			return (long)i;
	return -1;
}

/* Fill M (n * n) with the chosen figure; NaN where nothing was measured. */
static void fill_matrix(const struct report_input *in, enum matrix_which w,
			double *m)
{
	size_t i, n = in->n_sites;

	for (i = 0; i < n * n; i++)
		m[i] = NAN;
	for (i = 0; i < in->n_rows; i++) {
		const struct report_rtt *r = &in->rows[i];
		long s = site_index(in, r->src), d = site_index(in, r->dst);

		if (s < 0 || d < 0)
			continue;
		m[s * n + d] = w == M_TARGET ? r->target_ms :
			       w == M_MEASURED ? r->p50_ms : r->p50_ms - r->target_ms;
	}
}

/* NAME.tsv: the matrix with the site names as its column and row headers,
 * which gnuplot turns into tic labels. */
static void write_matrix(struct report *r, const char *name, const double *m)
{
	const struct report_input *in = r->in;
	struct plot_file pf;
	char file[64];
	size_t i, k;
	int rc;

	snprintf(file, sizeof(file), "%s.tsv", name);
	rc = plot_file_create(r->dfd, file, &pf);
	if (rc < 0) {
		keep(r, rc);
		return;
	}
	plot_label(pf.f, "");
	for (k = 0; k < in->n_sites; k++) {
		fputc('\t', pf.f);
		plot_label(pf.f, in->sites[k]);
	}
	fputc('\n', pf.f);
	for (i = 0; i < in->n_sites; i++) {
		plot_label(pf.f, in->sites[i]);
		for (k = 0; k < in->n_sites; k++) {
			fputc('\t', pf.f);
			plot_value(pf.f, m[i * in->n_sites + k]);
		}
		fputc('\n', pf.f);
	}
	keep(r, plot_file_commit(&pf));
}

/* A heatmap of M with the number in every cell measured: white text on
 * the darkest cells (above 60 % of the colour range), black elsewhere. */
static void heatmap(struct report *r, enum matrix_which w, const double *m)
{
	const struct report_input *in = r->in;
	size_t n = in->n_sites, i;
	int px = 260 + 36 * (int)n;
	char *title = str_printf("%s: %s", in->experiment, matrix_title[w]);
	char plot[512];
	double lo = INFINITY, hi = -INFINITY, mx = 0;

	write_matrix(r, matrix_file[w], m);
	plot_labels_add(&r->labels, &r->gp, "T", title);
	free(title);
	strbuf_addf(&r->gp, "set title T\nunset key\nset xlabel 'to'\nset ylabel 'from'\n");
	/* Row 0 (the first "from" site) at the top, as in the matrix file. */
	strbuf_addf(&r->gp, "set xrange [-0.5:%zu.5]\nset yrange [%zu.5:-0.5]\n",
		    n - 1, n - 1);
	strbuf_addf(&r->gp, "set xtics rotate by 90 right\n");
	for (i = 0; i < n * n; i++) {
		if (isnan(m[i]))
			continue;
		lo = fmin(lo, m[i]);
		hi = fmax(hi, m[i]);
		mx = fmax(mx, fabs(m[i]));
	}
	if (w == M_ERROR) {
		/* White at zero: a range symmetric around it. */
		if (mx == 0)
			mx = 1;
		strbuf_addf(&r->gp, "set palette defined (-1 'blue', 0 'white', 1 'red')\n"
			    "set cbrange [%g:%g]\n", -mx, mx);
		snprintf(plot, sizeof(plot), "plot '%s.tsv' matrix columnheaders"
			 " rowheaders with image, '' matrix columnheaders rowheaders"
			 " using 1:2:($3 == $3 ? sprintf(abs($3) >= 100 ? '%%.0f' :"
			 " '%%.2f', $3) : ''):(abs($3) > %.17g ? 0xffffff : 0)"
			 " with labels tc rgb variable font ',7'", matrix_file[w],
			 0.6 * mx);
	} else {
		if (!isfinite(lo) || !isfinite(hi)) {
			lo = 0;         /* nothing measured */
			hi = 1;
		}
		if (!(hi > lo))
			hi = lo + 1;
		strbuf_addf(&r->gp, "set cbrange [*:*]\n"
			    "set palette defined (0 'white', 1 '#fdd49e', 2 '#ef6548', 3 '#7f0000')\n");
		snprintf(plot, sizeof(plot), "plot '%s.tsv' matrix columnheaders"
			 " rowheaders with image, '' matrix columnheaders rowheaders"
			 " using 1:2:($3 == $3 ? sprintf(abs($3) >= 100 ? '%%.0f' :"
			 " '%%.1f', $3) : ''):($3 > %.17g ? 0xffffff : 0)"
			 " with labels tc rgb variable font ',7'", matrix_file[w],
			 lo + 0.6 * (hi - lo));
	}
	plot_draw(&r->gp, matrix_file[w], px + 120, px, plot);
}

static int draw_heatmaps(struct report *r)
{
	double *m = calloc(r->in->n_sites * r->in->n_sites + 1, sizeof(*m));
	int w;

	if (!m)
		return -ENOMEM;
	for (w = M_TARGET; w <= M_ERROR; w++) {
		fill_matrix(r->in, (enum matrix_which)w, m);
		heatmap(r, (enum matrix_which)w, m);
	}
	free(m);
	return 0;
}

/* ---- workload figures ---- */

static bool same_key(const struct report_wlkey *k, const char *workload,
		     const char *op)
{
	return !strcmp(k->workload, workload) && !strcmp(k->op, op);
}

/* The x range of a CDF of latencies from LO to HI, with a margin so that
 * the first rise and the last step show: *X0, *X1; LOG when they span
 * more than 20x. */
static void cdf_range(double lo, double hi, double *x0, double *x1, bool *log)
{
	double span = hi - lo;

	*log = lo > 0 && hi / lo > 20;
	if (*log) {
		*x0 = lo / 1.15;
		*x1 = hi * 1.15;
		return;
	}
	if (span <= 0)
		span = fmax(fabs(hi), 1e-3);
	*x0 = lo - 0.03 * span;
	if (lo >= 0 && *x0 < 0)
		*x0 = 0;
	*x1 = hi + 0.03 * span;
}

/* Latency CDF of key K (file number K + 1): one curve per client site
 * and, with several sites, a thicker one over all of them, first. Each
 * curve is the step function of its ECDF from 0 at X0 to 1 at X1. */
static int draw_cdf(struct report *r, size_t k)
{
	const struct report_input *in = r->in;
	const struct report_wlkey *key = &r->keys[k];
	struct strbuf plot = STRBUF_INIT;
	struct plot_file pf = { 0 };
	struct report_cdf c = { 0 };
	const char **sites = NULL;
	double x0, x1;
	size_t ns = 0, j, i, curves = 0;
	char name[64], file[80], var[32], *text;
	bool log;
	int rc;

	snprintf(name, sizeof(name), "wl-cdf-%zu", k + 1);
	snprintf(file, sizeof(file), "%s.tsv", name);
	/* The range, from every site's. */
	rc = report_wl_cdf(in->ops, in->n_ops, key->workload, key->op, NULL, &c);
	if (rc < 0 || c.n == 0)
		goto out;       /* nothing succeeded: no figure (the page says so) */
	cdf_range(c.ms[0], c.ms[c.m - 1], &x0, &x1, &log);
	report_cdf_release(&c);
	rc = report_wl_sites(in->ops, in->n_ops, key->workload, key->op,
			     &sites, &ns);
	if (rc == 0)
		rc = plot_file_create(r->dfd, file, &pf);
	if (rc < 0)
		goto out;
	fputs("# enos report: a latency CDF, one block per curve (ms, fraction"
	      " of the successful operations at or below); curve titles in"
	      " labels.tsv, read by report.gp\n", pf.f);
	strbuf_addf(&plot, "plot '%s'", file);
	/* J 0: every site, drawn when there are several; J: SITES[J - 1]. */
	for (j = ns > 1 ? 0 : 1; j <= ns; j++) {
		const char *site = j ? sites[j - 1] : NULL;

		rc = report_wl_cdf(in->ops, in->n_ops, key->workload, key->op,
				   site, &c);
		if (rc < 0)
			goto out;
		if (c.n == 0) {
			report_cdf_release(&c);
			continue;
		}
		if (curves)
			fputs("\n\n", pf.f);
		fprintf(pf.f, "%.17g\t0\n", x0);
		for (i = 0; i < c.m; i++)
			fprintf(pf.f, "%.17g\t%.17g\n", c.ms[i], c.p[i]);
		fprintf(pf.f, "%.17g\t1\n", x1);
		text = str_printf("%s (%zu)", site ? site : "all sites", c.n);
		snprintf(var, sizeof(var), "C%zu", curves + 1);
		plot_labels_add(&r->labels, &r->gp, var, text);
		free(text);
		strbuf_addf(&plot, "%s index %zu using 1:2 with steps lw %d title C%zu",
			    curves ? ", ''" : "", curves, site && ns > 1 ? 1 : 2,
			    curves + 1);
		curves++;
		report_cdf_release(&c);
	}
	rc = plot_file_commit(&pf);
	if (rc < 0)
		goto out;
	text = str_printf("%s %s: latency CDF per client site", key->workload,
			  key->op);
	plot_labels_add(&r->labels, &r->gp, "T", text);
	free(text);
	strbuf_addf(&r->gp, "set title T\nset xlabel 'latency (ms)'\n"
		    "set ylabel 'fraction of operations'\nset yrange [0:1.02]\n"
		    "set xrange [%.17g:%.17g]\nset key bottom right\nset grid\n%s",
		    x0, x1, log ? "set logscale x\n" : "");
	plot_draw(&r->gp, name, 720, 420, strbuf_str(&plot));
	r->cdf_drawn[k] = true;
out:
	report_cdf_release(&c);
	plot_file_abort(&pf);
	strbuf_release(&plot);
	free(sites);
	return rc;
}

static const char *site_label(const struct report_wlsum *s)
{
	return strcmp(s->site, "*") ? s->site : "all sites";
}

/* p50/p90/p99 per client site of key K, from the stored summaries. */
static int draw_sites(struct report *r, size_t k)
{
	const struct report_input *in = r->in;
	const struct report_wlkey *key = &r->keys[k];
	struct plot_file pf;
	size_t i, bars = 0, any = 0, sites = 0;
	char name[64], file[80], plot[256];
	char *text;
	int rc;

	snprintf(name, sizeof(name), "wl-sites-%zu", k + 1);
	snprintf(file, sizeof(file), "%s.tsv", name);
	for (i = 0; i < in->n_sums; i++)
		sites += same_key(key, in->sums[i].workload, in->sums[i].op) &&
			 strcmp(in->sums[i].site, "*");
	rc = plot_file_create(r->dfd, file, &pf);
	if (rc < 0)
		return rc;
	for (i = 0; i < in->n_sums; i++) {
		const struct report_wlsum *s = &in->sums[i];

		/* "*" is the one site's own bars when there is one. */
		if (!same_key(key, s->workload, s->op) ||
		    (sites == 1 && !strcmp(s->site, "*")))
			continue;
		plot_label(pf.f, site_label(s));
		fputc('\t', pf.f);
		plot_value(pf.f, s->p50_ms);
		fputc('\t', pf.f);
		plot_value(pf.f, s->p90_ms);
		fputc('\t', pf.f);
		plot_value(pf.f, s->p99_ms);
		fputc('\n', pf.f);
		bars++;
		any += isfinite(s->p50_ms);
	}
	if (!any) {
		plot_file_abort(&pf);
		return 0;
	}
	rc = plot_file_commit(&pf);
	if (rc < 0)
		return rc;
	text = str_printf("%s %s: percentiles per client site", key->workload,
			  key->op);
	plot_labels_add(&r->labels, &r->gp, "T", text);
	free(text);
	strbuf_addf(&r->gp, "set title T\nset style data histograms\n"
		    "set style histogram clustered gap 1\n"
		    "set style fill solid 0.8 border -1\n"
		    "set ylabel 'latency (ms)'\nset yrange [0:*]\n"
		    "set xlabel 'client site'\nset key top left\nset grid y\n%s",
		    bars > 4 ? "set xtics rotate by 30 right\n" : "");
	snprintf(plot, sizeof(plot), "plot '%s' using 2:xtic(1) title 'p50',"
		 " '' using 3 title 'p90', '' using 4 title 'p99'", file);
	plot_draw(&r->gp, name, bars > 4 ? 160 + 70 * (int)bars : 480,
		  400, plot);
	r->sites_drawn[k] = true;
	return 0;
}

/* The y range of a timeline: LOG when latencies span more than 20x. */
static void timeline_range(const struct report_input *in, const char *wl,
			   double *ylo, double *yhi, bool *log)
{
	double minpos = INFINITY, max = 0;
	size_t i;

	for (i = 0; i < in->n_ops; i++) {
		double d = in->ops[i].duration_ms;

		if (strcmp(in->ops[i].workload, wl) || !isfinite(d))
			continue;
		if (d > 0 && d < minpos)
			minpos = d;
		if (d > max)
			max = d;
	}
	*log = isfinite(minpos) && max / minpos > 20;
	*ylo = *log ? minpos / 1.5 : 0;
	*yhi = max > 0 ? max * (*log ? 1.8 : 1.15) : 1;
}

/* Start time vs latency of workload W (index into r->workloads): a
 * series per op, failures marked, the fault windows shaded. */
static int draw_timeline(struct report *r, size_t w)
{
	const struct report_input *in = r->in;
	const char *wl = r->workloads[w];
	struct strbuf plot = STRBUF_INIT;
	struct plot_file pf = { 0 };
	double t0 = 0, t1 = 0, ylo, yhi;
	size_t i, k, nw = 0, block = 0, failed = 0, series = 0;
	char name[64], file[80], *text;
	bool log;
	int rc;

	if (report_wl_span(in->ops, in->n_ops, wl, &t0, &t1) < 0)
		return 0;
	report_wl_windows(in->faults, in->n_faults, t0, t1, r->win, &nw);
	timeline_range(in, wl, &ylo, &yhi, &log);
	snprintf(name, sizeof(name), "wl-timeline-%zu", w + 1);
	snprintf(file, sizeof(file), "%s.tsv", name);
	rc = plot_file_create(r->dfd, file, &pf);
	if (rc < 0)
		return rc;
	fputs("# enos report: a workload's timeline; seconds since its first"
	      " operation. Blocks: the fault windows (from, to, y range, label y,"
	      " label)"
	      " when any, then per op (start, latency ms), then the failed"
	      " operations\n", pf.f);
	strbuf_addf(&plot, "plot '%s'", file);
	if (nw) {
		for (i = 0; i < nw; i++) {
			const struct report_fault *f = &in->faults[r->win[i].fault];
			/* Labels at three heights, so that neighbours do not
			 * overwrite each other. */
			double down = 0.04 + 0.05 * (double)(i % 3);

			text = str_printf("%s %s", f->action, f->detail);
			fprintf(pf.f, "%.17g\t%.17g\t%.17g\t%.17g\t%.17g\t",
				r->win[i].from_s, r->win[i].to_s, ylo, yhi,
				log ? yhi / pow(yhi / ylo, down) :
				      yhi - (yhi - ylo) * down);
			plot_label(pf.f, text);
			fputc('\n', pf.f);
			free(text);
		}
		strbuf_addf(&plot, " index 0 using (($1+$2)/2):(($3+$4)/2):1:2:3:4"
			    " with boxxy fc rgb '#f4a582' fs transparent solid 0.35"
			    " noborder title 'fault window', '' index 0 using 1:5:6"
			    " with labels left offset 0.3,0 font ',8' notitle");
		block++;
	}
	for (k = 0; k < r->nk; k++) {
		size_t pts = 0;

		if (strcmp(r->keys[k].workload, wl))
			continue;
		for (i = 0; i < in->n_ops; i++) {
			const struct report_wlop *o = &in->ops[i];

			if (!same_key(&r->keys[k], o->workload, o->op) ||
			    !isfinite(o->duration_ms))
				continue;
			if (!o->ok) {
				failed++;
				continue;
			}
			if (pts == 0 && block)
				fputs("\n\n", pf.f);
			fprintf(pf.f, "%.17g\t%.17g\n", o->start - t0,
				o->duration_ms);
			pts++;
		}
		if (!pts)
			continue;
		snprintf(name, sizeof(name), "O%zu", series + 1);
		plot_labels_add(&r->labels, &r->gp, name, r->keys[k].op);
		/* Smaller points when there are many, so density shows. */
		strbuf_addf(&plot, "%s index %zu using 1:2 with points pt 7 ps %s"
			    " title O%zu", block ? ", ''" : "", block,
			    in->n_ops > 20000 ? "0.15" : in->n_ops > 2000 ?
			    "0.25" : in->n_ops > 300 ? "0.4" : "0.7", series + 1);
		block++;
		series++;
	}
	if (failed) {
		if (block)
			fputs("\n\n", pf.f);
		for (i = 0; i < in->n_ops; i++) {
			const struct report_wlop *o = &in->ops[i];

			if (strcmp(o->workload, wl) || o->ok ||
			    !isfinite(o->duration_ms))
				continue;
			/* On the axis floor when shorter than it. */
			fprintf(pf.f, "%.17g\t%.17g\n", o->start - t0,
				fmax(o->duration_ms, ylo));
		}
		strbuf_addf(&plot, "%s index %zu using 1:2 with points pt 2 ps 1"
			    " lc rgb 'red' title 'failed'", block ? ", ''" : "",
			    block);
		block++;
	}
	if (!series && !failed) {
		plot_file_abort(&pf);
		goto out;
	}
	rc = plot_file_commit(&pf);
	if (rc < 0)
		goto out;
	text = str_printf("%s: latency of every operation over time", wl);
	plot_labels_add(&r->labels, &r->gp, "T", text);
	free(text);
	strbuf_addf(&r->gp, "set title T\nset xlabel 'seconds since the first operation'\n"
		    "set ylabel 'latency (ms)'\nset key outside right top\nset grid\n"
		    "set xrange [0:%.17g]\nset yrange [%.17g:%.17g]\n%s",
		    fmax(t1 - t0, 1e-3), ylo, yhi, log ? "set logscale y\n" : "");
	snprintf(name, sizeof(name), "wl-timeline-%zu", w + 1);
	plot_draw(&r->gp, name, 960, 420, strbuf_str(&plot));
	r->timeline_drawn[w] = true;
out:
	plot_file_abort(&pf);
	strbuf_release(&plot);
	return rc;
}

static int draw_workloads(struct report *r)
{
	const struct report_input *in = r->in;
	size_t k;
	int rc;

	rc = report_wl_keys(in->ops, in->n_ops, &r->keys, &r->nk);
	if (rc < 0)
		return rc;
	r->cdf_drawn = calloc(r->nk + 1, sizeof(*r->cdf_drawn));
	r->sites_drawn = calloc(r->nk + 1, sizeof(*r->sites_drawn));
	r->workloads = calloc(r->nk + 1, sizeof(*r->workloads));
	r->timeline_drawn = calloc(r->nk + 1, sizeof(*r->timeline_drawn));
	r->win = calloc(in->n_faults + 1, sizeof(*r->win));
	if (!r->cdf_drawn || !r->sites_drawn || !r->workloads ||
	    !r->timeline_drawn || !r->win)
		return -ENOMEM;
	for (k = 0; k < r->nk; k++)
		if (!r->n_wl || strcmp(r->workloads[r->n_wl - 1], r->keys[k].workload))
			r->workloads[r->n_wl++] = r->keys[k].workload;
	for (k = 0; k < r->nk && rc == 0; k++) {
		rc = draw_cdf(r, k);
		if (rc == 0)
			rc = draw_sites(r, k);
	}
	for (k = 0; k < r->n_wl && rc == 0; k++)
		rc = draw_timeline(r, k);
	return rc;
}

/* traffic.tsv: every row as stored, for a reader's own tables. */
static void write_traffic(struct report *r)
{
	const struct report_input *in = r->in;
	struct plot_file pf;
	size_t i;
	int rc = plot_file_create(r->dfd, "traffic.tsv", &pf);

	if (rc < 0) {
		keep(r, rc);
		return;
	}
	fputs("src_site\tdst_site\tservice\tproto\tport\tpackets\tbytes\tpayload\n",
	      pf.f);
	for (i = 0; i < in->n_traffic; i++) {
		const struct report_traffic *t = &in->traffic[i];

		plot_label(pf.f, t->src);
		fputc('\t', pf.f);
		plot_label(pf.f, t->dst);
		fputc('\t', pf.f);
		plot_label(pf.f, t->service);
		fprintf(pf.f, "\t%d\t%d\t%llu\t%llu\t%llu\n", t->proto, t->port,
			(unsigned long long)t->packets,
			(unsigned long long)t->bytes,
			(unsigned long long)t->payload);
	}
	keep(r, plot_file_commit(&pf));
}

/* The CSV exports of the run (export.h). */
static void write_exports(struct report *r)
{
	const struct report_input *in = r->in;
	const struct export_tag tag = { .run = in->run };
	struct plot_file pf;
	int rc;

	rc = plot_file_create(r->dfd, "ops.csv", &pf);
	if (rc == 0) {
		export_ops_head(pf.f);
		export_ops(pf.f, &tag, in->ops, in->n_ops);
		rc = plot_file_commit(&pf);
	}
	if (rc == 0 && (rc = plot_file_create(r->dfd, "summaries.csv", &pf)) == 0) {
		export_sums_head(pf.f);
		export_sums(pf.f, &tag, in->sums, in->n_sums);
		rc = plot_file_commit(&pf);
	}
	if (rc == 0 && (rc = plot_file_create(r->dfd, "values.csv", &pf)) == 0) {
		export_values_head(pf.f);
		export_values(pf.f, &tag, in->values, in->n_values);
		rc = plot_file_commit(&pf);
	}
	if (rc == 0 && (rc = plot_file_create(r->dfd, "traffic.csv", &pf)) == 0) {
		export_traffic_head(pf.f);
		export_traffic(pf.f, &tag, in->traffic, in->n_traffic);
		rc = plot_file_commit(&pf);
	}
	keep(r, rc);
}

/* Write report.gp and every data file, then run gnuplot on it. */
static int draw_figures(struct report *r, const char *gnuplot, char **err)
{
	const struct report_input *in = r->in;
	int rc;

	rc = plot_labels_begin(r->dfd, &r->labels);
	if (rc < 0)
		goto fail;
	strbuf_adds(&r->gp, "# enos report: draws every figure of this page from the"
		    " .tsv files beside it\n# (names come from labels.tsv, never"
		    " from this script). Run: gnuplot report.gp\n");
	plot_settings(&r->gp);
	if (in->n_rows && in->n_sites) {
		rc = draw_heatmaps(r);
		if (rc < 0)
			goto fail;
	}
	if (in->n_ops) {
		rc = draw_workloads(r);
		if (rc < 0)
			goto fail;
	}
	if (in->n_series) {
		r->series_drawn = calloc(in->n_series, sizeof(*r->series_drawn));
		rc = r->series_drawn ? report_series_draw(r->dfd, &r->gp, &r->labels,
							  in->series, in->n_series,
							  r->series_drawn) : -ENOMEM;
		if (rc < 0)
			goto fail;
	}
	if (in->n_traffic)
		write_traffic(r);
	if (in->n_ops || in->n_traffic)
		write_exports(r);
	keep(r, page_files_write(r->dfd, in->extras));
	return page_figures_draw(r->dfd, r->dir, &r->labels, r->rc, &r->gp,
				 gnuplot, in->extras, &r->topo_drawn, err);
fail:
	return page_figures_fail(&r->labels, r->dir, rc, err);
}

/* ---- the page ---- */

/* The error matrix's caption when some pairs cross hosts (a world spread
 * over several): how many, naming them, into BUF; NULL when none do. */
static const char *across_caption(const struct report_input *in, char *buf,
				  size_t len)
{
	size_t i, n = 0, used;

	for (i = 0; i < in->n_rows; i++)
		n += in->rows[i].cross_host != 0;
	if (!n)
		return NULL;
	used = (size_t)snprintf(buf, len, "%zu of %zu pairs cross hosts (through the tunnel; the hosts' base RTT taken off at up):",
				n, in->n_rows);
	for (i = 0; i < in->n_rows && used < len; i++)
		if (in->rows[i].cross_host)
			used += (size_t)snprintf(buf + used, len - used, " %s->%s",
						 in->rows[i].src, in->rows[i].dst);
	return buf;
}

static void put_pairs(FILE *f, const struct report_input *in)
{
	size_t i, out = 0, across = 0;

	for (i = 0; i < in->n_rows; i++) {
		out += !report_within(in, &in->rows[i]);
		across += in->rows[i].cross_host != 0;
	}
	fprintf(f, "<h2>Every pair</h2>\n<p>%zu pairs, %zu outside the bound max(%.3g %%, %.3g ms) on p50.",
		in->n_rows, out, in->tolerance_pct, in->tolerance_ms);
	if (across)
		fprintf(f, " %zu of them across hosts (marked: through the tunnel between two hosts, the hosts' base RTT subtracted at up).",
			across);
	fputs("</p>\n", f);
	fputs("<table><tr><th>from</th><th>to</th><th>target ms</th><th>min</th><th>p50</th><th>p90</th><th>p99</th><th>error ms</th><th>loss %</th><th>samples</th><th>ok</th></tr>\n", f);
	for (i = 0; i < in->n_rows; i++) {
		const struct report_rtt *r = &in->rows[i];
		int ok = report_within(in, r);

		fputs(ok ? "<tr>" : "<tr class=bad>", f);
		fputs("<td>", f);
		page_escape(f, r->src);
		fputs("</td><td>", f);
		page_escape(f, r->dst);
		/* Through the tunnel between two hosts of a spread world. */
		if (r->cross_host)
			fputs(" <small>(across hosts)</small>", f);
		fputs("</td>", f);
		page_num(f, r->target_ms);
		page_num(f, r->min_ms);
		page_num(f, r->p50_ms);
		page_num(f, r->p90_ms);
		page_num(f, r->p99_ms);
		page_num(f, r->p50_ms - r->target_ms);
		fprintf(f, "<td>%.2f</td><td>%u</td><td>%s</td></tr>\n",
			r->loss_pct, r->samples, ok ? "yes" : "NO");
	}
	fputs("</table>\n", f);
}

static void put_faults(FILE *f, const struct report_input *in)
{
	size_t i;

	fputs("<h2 id=faults>Faults</h2>\n", f);
	if (in->n_faults == 0) {
		fputs("<p>none applied in this run.</p>\n", f);
		return;
	}
	fputs("<table><tr><th>action</th><th>detail</th><th>applied</th><th>removed</th></tr>\n", f);
	for (i = 0; i < in->n_faults; i++) {
		fputs("<tr><td>", f);
		page_escape(f, in->faults[i].action);
		fputs("</td><td>", f);
		page_escape(f, in->faults[i].detail);
		fputs("</td><td>", f);
		page_time(f, in->faults[i].applied);
		fputs("</td><td>", f);
		page_time(f, in->faults[i].removed);
		fputs("</td></tr>\n", f);
	}
	fputs("</table>\n", f);
}

/* The per-site percentiles of workload WL: one row per op and site. */
static void put_wl_table(FILE *f, const struct report_input *in, const char *wl)
{
	size_t i;

	fputs("<table class=wl><tr><th>op</th><th>client site</th><th>count</th>"
	      "<th>failures</th><th>p50 ms</th><th>p90 ms</th><th>p99 ms</th>"
	      "<th>mean ms</th><th>stddev ms</th><th>min ms</th><th>max ms</th></tr>\n", f);
	for (i = 0; i < in->n_sums; i++) {
		const struct report_wlsum *s = &in->sums[i];
		bool all = !strcmp(s->site, "*");

		if (strcmp(s->workload, wl))
			continue;
		fputs(s->failures ? "<tr class=bad>" : all ? "<tr class=all>" : "<tr>", f);
		fputs("<td>", f);
		page_escape(f, s->op);
		fputs("</td><td>", f);
		page_escape(f, site_label(s));
		fprintf(f, "</td><td>%llu</td><td>%llu</td>",
			(unsigned long long)s->count,
			(unsigned long long)s->failures);
		page_num(f, s->p50_ms);
		page_num(f, s->p90_ms);
		page_num(f, s->p99_ms);
		page_num(f, s->mean_ms);
		page_num(f, s->stddev_ms);
		page_num(f, s->min_ms);
		page_num(f, s->max_ms);
		fputs("</tr>\n", f);
	}
	fputs("</table>\n", f);
}

/* What the operations of workload WL that carry a value measured. */
static void put_wl_values(FILE *f, const struct report_input *in, const char *wl)
{
	size_t i, n = 0;

	for (i = 0; i < in->n_values; i++)
		n += !strcmp(in->values[i].workload, wl);
	if (!n)
		return;
	fputs("<h4>Measured values</h4>\n<table class=wl><tr><th>op</th>"
	      "<th>client site</th><th>unit</th><th>n</th><th>p50</th><th>p90</th>"
	      "<th>p99</th><th>mean</th><th>stddev</th><th>min</th><th>max</th></tr>\n", f);
	for (i = 0; i < in->n_values; i++) {
		const struct report_wlvalue *v = &in->values[i];

		if (strcmp(v->workload, wl))
			continue;
		fputs(strcmp(v->site, "*") ? "<tr><td>" : "<tr class=all><td>", f);
		page_escape(f, v->op);
		fputs("</td><td>", f);
		page_escape(f, strcmp(v->site, "*") ? v->site : "all sites");
		fputs("</td><td>", f);
		page_escape(f, v->unit);
		fprintf(f, "</td><td>%zu</td>", v->n);
		page_g(f, v->p50);
		page_g(f, v->p90);
		page_g(f, v->p99);
		page_g(f, v->mean);
		page_g(f, v->stddev);
		page_g(f, v->min);
		page_g(f, v->max);
		fputs("</tr>\n", f);
	}
	fputs("</table>\n", f);
}

/* What the timeline of workload W shades, in words. */
static void put_windows(FILE *f, struct report *r, size_t w)
{
	const struct report_input *in = r->in;
	double t0 = 0, t1 = 0;
	size_t i, nw = 0;

	if (report_wl_span(in->ops, in->n_ops, r->workloads[w], &t0, &t1) < 0)
		return;
	fputs("<p>From ", f);
	page_time(f, t0);
	fprintf(f, " for %.3f s. ", t1 - t0);
	report_wl_windows(in->faults, in->n_faults, t0, t1, r->win, &nw);
	if (nw == 0) {
		fputs("No fault was active.</p>\n", f);
		return;
	}
	fputs("Shaded: the fault windows (<a href=\"#faults\">faults</a>):</p>\n<ul>", f);
	for (i = 0; i < nw; i++) {
		const struct report_window *x = &r->win[i];
		const struct report_fault *ft = &in->faults[x->fault];

		fputs("<li>", f);
		page_escape(f, ft->action);
		fputc(' ', f);
		page_escape(f, ft->detail);
		if (x->before)
			fprintf(f, ": from before the first operation to %.3f s",
				x->to_s);
		else
			fprintf(f, ": %.3f s to %.3f s", x->from_s, x->to_s);
		fprintf(f, "%s</li>", x->active ? " (still active at the end)" : "");
	}
	fputs("</ul>\n", f);
}

static void put_workloads(FILE *f, struct report *r)
{
	const struct report_input *in = r->in;
	size_t i, w, k, failed = 0;
	char name[64];

	for (i = 0; i < in->n_ops; i++)
		failed += !in->ops[i].ok;
	fprintf(f, "<h2>Workloads</h2>\n<p>%zu operations, %zu failed. Latencies"
		" are those of the successful operations (a failed one's duration"
		" is how long it took to fail); failures are counted in the"
		" tables and marked on the timelines.</p>\n", in->n_ops, failed);
	for (w = 0; w < r->n_wl; w++) {
		fputs("<h3>", f);
		page_escape(f, r->workloads[w]);
		fputs("</h3>\n<h4>Per-site percentiles</h4>\n", f);
		put_wl_table(f, in, r->workloads[w]);
		put_wl_values(f, in, r->workloads[w]);
		for (k = 0; k < r->nk; k++) {
			if (strcmp(r->keys[k].workload, r->workloads[w]))
				continue;
			if (r->sites_drawn[k]) {
				snprintf(name, sizeof(name), "wl-sites-%zu", k + 1);
				page_figure(f, r->dfd, name, NULL, NULL);
			}
		}
		fputs("<h4>Latency CDF per op</h4>\n<p class=cap>Their numbers:"
		      " the percentiles above; every operation, with its"
		      " latency, client and faults: <a href=\"ops.csv\">ops.csv"
		      "</a>.</p>\n", f);
		for (k = 0; k < r->nk; k++) {
			if (strcmp(r->keys[k].workload, r->workloads[w]))
				continue;
			if (r->cdf_drawn[k]) {
				snprintf(name, sizeof(name), "wl-cdf-%zu", k + 1);
				page_figure(f, r->dfd, name, NULL, NULL);
			} else {
				fputs("<p>", f);
				page_escape(f, r->keys[k].op);
				fputs(": no successful operation, no CDF.</p>\n", f);
			}
		}
		fputs("<h4>Timeline</h4>\n", f);
		put_windows(f, r, w);
		fputs("<p class=cap>Every point of it is a row of <a"
		      " href=\"ops.csv\">ops.csv</a>; the windows are those"
		      " listed under <a href=\"#faults\">faults</a>.</p>\n", f);
		if (r->timeline_drawn[w]) {
			snprintf(name, sizeof(name), "wl-timeline-%zu", w + 1);
			page_figure(f, r->dfd, name, NULL, NULL);
		}
	}
}

/* The traffic matrix: one row per ordered site pair, one column per
 * service (largest first), bytes in the cells. */
static void put_traffic_matrix(FILE *f, const struct report_input *in,
			       const struct report_service *sv, size_t ns)
{
	size_t i, j, s;

	fputs("<table><tr><th>from</th><th>to</th>", f);
	for (s = 0; s < ns; s++) {
		fputs("<th>", f);
		page_escape(f, sv[s].service);
		fputs("</th>", f);
	}
	fputs("<th>total</th></tr>\n", f);
	for (i = 0; i < in->n_traffic; i++) {
		const struct report_traffic *t = &in->traffic[i];
		uint64_t total = 0;

		/* Each pair once, where it first appears. */
		for (j = 0; j < i; j++)
			if (!strcmp(in->traffic[j].src, t->src) &&
			    !strcmp(in->traffic[j].dst, t->dst))
				break;
		if (j < i)
			continue;
		fputs("<tr><td>", f);
		page_escape(f, t->src);
		fputs("</td><td>", f);
		page_escape(f, t->dst);
		fputs("</td>", f);
		for (s = 0; s < ns; s++) {
			uint64_t b = 0;

			for (j = i; j < in->n_traffic; j++)
				if (!strcmp(in->traffic[j].src, t->src) &&
				    !strcmp(in->traffic[j].dst, t->dst) &&
				    !strcmp(in->traffic[j].service, sv[s].service))
					b += in->traffic[j].bytes;
			total += b;
			if (b)
				page_bytes(f, b);
			else
				fputs("<td>-</td>", f);
		}
		page_bytes(f, total);
		fputs("</tr>\n", f);
	}
	fputs("</table>\n", f);
}

static int put_traffic(FILE *f, const struct report_input *in)
{
	struct report_service *sv = NULL;
	uint64_t n_ops = report_wl_top_ops(in->ops, in->n_ops), total = 0;
	size_t ns = 0, s;
	int rc;

	rc = report_traffic_services(in->traffic, in->n_traffic, n_ops, &sv, &ns);
	if (rc < 0)
		return rc;
	for (s = 0; s < ns; s++)
		total += sv[s].bytes;
	fputs("<h2>WAN traffic</h2>\n<p>", f);
	if (ns && total) {
		page_escape(f, sv[0].service);
		fprintf(f, " dominates WAN traffic: %.1f %% of the %llu bytes that"
			" crossed the WAN", 100 * sv[0].share,
			(unsigned long long)total);
		if (n_ops)
			fprintf(f, " (%.0f bytes per operation of the %llu)",
				(double)total / (double)n_ops,
				(unsigned long long)n_ops);
		fputs(".", f);
	} else {
		fputs("No byte crossed the WAN.", f);
	}
	fputs(" Bytes as on the wire; an operation is one that is not a part of"
	      " an iteration.</p>\n", f);
	put_traffic_matrix(f, in, sv, ns);
	fputs("<table><tr><th>service</th><th>bytes</th><th>packets</th>"
	      "<th>payload</th><th>share</th><th>bytes per operation</th></tr>\n", f);
	for (s = 0; s < ns; s++) {
		fputs("<tr><td>", f);
		page_escape(f, sv[s].service);
		fputs("</td>", f);
		page_bytes(f, sv[s].bytes);
		fprintf(f, "<td>%llu</td>", (unsigned long long)sv[s].packets);
		page_bytes(f, sv[s].payload);
		if (isnan(sv[s].share))
			fputs("<td>-</td>", f);
		else
			fprintf(f, "<td>%.1f %%</td>", 100 * sv[s].share);
		if (isnan(sv[s].bytes_per_op))
			fputs("<td>-</td>", f);
		else
			fprintf(f, "<td>%.0f</td>", sv[s].bytes_per_op);
		fputs("</tr>\n", f);
	}
	fputs("</table>\n<p>Every row, with protocols and ports: <a"
	      " href=\"traffic.tsv\">traffic.tsv</a>.</p>\n", f);
	free(sv);
	return 0;
}

static void put_summary(FILE *f, const struct report_input *in)
{
	size_t i;

	fprintf(f, "<h2>Summary</h2>\n<table>");
	fputs("<tr><th>run kind</th><td>", f);
	page_escape(f, in->run_kind);
	fputs("</td></tr><tr><th>outcome</th><td>", f);
	page_escape(f, in->outcome ? in->outcome : "-");
	fputs("</td></tr>", f);
	if (in->started) {
		fputs("<tr><th>started</th><td>", f);
		page_time(f, (double)in->started);
		fputs("</td></tr>", f);
	}
	if (in->started && in->ended >= in->started)
		fprintf(f, "<tr><th>duration</th><td>%lld s</td></tr>",
			(long long)(in->ended - in->started));
	if (in->has_seed)
		fprintf(f, "<tr><th>seed</th><td>%llu</td></tr>",
			(unsigned long long)in->seed);
	if (in->n_rows) {
		fprintf(f, "<tr><th>sites</th><td>%zu</td></tr>", in->n_sites);
		fprintf(f, "<tr><th>site pairs measured</th><td>%zu</td></tr>",
			in->n_rows);
	}
	if (in->n_ops)
		fprintf(f, "<tr><th>workload operations</th><td>%zu</td></tr>",
			in->n_ops);
	for (i = 0; i < in->n_facts; i++) {
		fputs("<tr><th>", f);
		page_escape(f, in->facts[i].key);
		fputs("</th><td>", f);
		page_escape(f, in->facts[i].value);
		fputs("</td></tr>", f);
	}
	fputs("</table>\n", f);
}

static int write_page(struct report *r)
{
	const struct report_input *in = r->in;
	struct plot_file pf;
	char *title, cap[1024];
	int w, rc;

	rc = plot_file_create(r->dfd, "index.html", &pf);
	if (rc < 0)
		return rc;
	title = str_printf("enos: %s run %lld", in->experiment ? in->experiment : "",
			   (long long)in->run);
	page_head(pf.f, title);
	free(title);
	if (in->up_link) {
		fputs("<p><a href=\"", pf.f);
		page_escape(pf.f, in->up_link);
		fputs("\">up: the report this run belongs to</a></p>\n", pf.f);
	}
	fputs("<h1>", pf.f);
	page_escape(pf.f, in->experiment);
	fprintf(pf.f, ", run %lld</h1>\n", (long long)in->run);
	put_summary(pf.f, in);
	if (in->n_rows && in->n_sites) {
		fputs("<h2>RTT matrices</h2>\n", pf.f);
		for (w = M_TARGET; w <= M_ERROR; w++)
			page_figure(pf.f, r->dfd, matrix_file[w], NULL,
				    w == M_ERROR ? across_caption(in, cap, sizeof(cap)) : NULL);
		put_pairs(pf.f, in);
	}
	if (in->n_series)
		report_series_put(pf.f, r->dfd, in->series, in->n_series,
				  r->series_drawn, in->tolerance_pct,
				  in->tolerance_ms);
	if (in->n_ops)
		put_workloads(pf.f, r);
	if (in->n_traffic)
		rc = put_traffic(pf.f, in);
	put_faults(pf.f, in);
	if (in->extras && (in->extras->topo || in->extras->topo_why))
		page_topology(pf.f, r->dfd, in->extras, r->topo_drawn);
	page_files(pf.f, in->extras);
	fputs("<h2>Data</h2>\n<p>Every figure is drawn by <a href=\"report.gp\">"
	      "report.gp</a> from the .tsv files beside this page (names in <a"
	      " href=\"labels.tsv\">labels.tsv</a>): <code>gnuplot report.gp</code>"
	      " in this directory draws them again.", pf.f);
	if (in->results_json)
		fputs(" The summaries and the traffic as JSON: <a"
		      " href=\"results.json\">results.json</a>.", pf.f);
	if (in->n_ops || in->n_traffic)
		fputs(" As CSV: <a href=\"ops.csv\">ops.csv</a> (every"
		      " operation), <a href=\"summaries.csv\">summaries.csv</a>,"
		      " <a href=\"values.csv\">values.csv</a>, <a"
		      " href=\"traffic.csv\">traffic.csv</a>.", pf.f);
	fputs("</p>\n", pf.f);
	if (in->extras && in->extras->made_by) {
		fputs("<p>Written by ", pf.f);
		page_escape(pf.f, in->extras->made_by);
		fputs(".</p>\n", pf.f);
	}
	fputs("</body></html>\n", pf.f);
	if (rc < 0) {
		plot_file_abort(&pf);
		return rc;
	}
	return plot_file_commit(&pf);
}

static void report_release(struct report *r)
{
	strbuf_release(&r->gp);
	free(r->keys);
	free(r->cdf_drawn);
	free(r->sites_drawn);
	free(r->workloads);
	free(r->timeline_drawn);
	free(r->win);
	free(r->series_drawn);
	if (r->dfd >= 0)
		close(r->dfd);
}

int report_html_write(const char *dir, const struct report_input *in,
		      const char *gnuplot, char **err)
{
	struct report r = { .in = in, .dir = dir, .dfd = -1,
			    .gp = STRBUF_INIT };
	int rc = fs_mkdir_p(dir, 0755);

	if (rc == 0) {
		/* A results directory that is a link is refused. */
		r.dfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (r.dfd < 0)
			rc = -errno;
	}
	if (rc < 0) {
		if (err)
			*err = str_printf("cannot create '%s': %s", dir, strerror(-rc));
		goto out;
	}
	rc = draw_figures(&r, gnuplot, err);
	if (rc < 0)
		goto out;
	rc = write_page(&r);
	if (rc < 0 && err)
		*err = str_printf("cannot write '%s/index.html': %s", dir,
				 strerror(-rc));
out:
	report_release(&r);
	return rc;
}
