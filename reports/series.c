/* series — a pair's RTT over time against its target; see series.h. */
#include "reports/series.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>

#include "reports/page.h"
#include "util/str.h"

static int draw_one(int dfd, struct strbuf *gp, struct plot_labels *labels,
		    const struct report_series *s, size_t k, bool *drawn)
{
	struct plot_file pf = { 0 };
	char name[64], file[80], *text;
	double ymax = 0, tmax = 0;
	size_t i;
	int rc;

	snprintf(name, sizeof(name), "series-%zu", k + 1);
	snprintf(file, sizeof(file), "%s.tsv", name);
	rc = plot_file_create(dfd, file, &pf);
	if (rc < 0)
		return rc;
	fputs("# enos report: one pair's RTT over time. Columns: the probe's"
	      " send time (s after the traces' start), the target then (ms),"
	      " the measured RTT (ms, NaN: lost)\n", pf.f);
	for (i = 0; i < s->n; i++) {
		plot_value(pf.f, s->at_s[i]);
		fputc('\t', pf.f);
		plot_value(pf.f, s->target_ms[i]);
		fputc('\t', pf.f);
		plot_value(pf.f, s->rtt_ms[i]);
		fputc('\n', pf.f);
		if (isfinite(s->rtt_ms[i]) && s->rtt_ms[i] > ymax)
			ymax = s->rtt_ms[i];
		if (isfinite(s->target_ms[i]) && s->target_ms[i] > ymax)
			ymax = s->target_ms[i];
		if (isfinite(s->at_s[i]) && s->at_s[i] > tmax)
			tmax = s->at_s[i];
	}
	rc = plot_file_commit(&pf);
	if (rc < 0 || k >= REPORT_SERIES_FIGURES || !s->n)
		return rc;
	text = str_printf("%s -> %s: RTT over time, target vs measured",
			  s->src, s->dst);
	plot_labels_add(labels, gp, "T", text);
	free(text);
	strbuf_addf(gp, "set title T\nset xlabel 'seconds since the traces started'\n"
		    "set ylabel 'RTT (ms)'\nset key outside right top\nset grid\n"
		    "set yrange [0:%.17g]\n", ymax > 0 ? ymax * 1.1 : 1.0);
	if (tmax > 0)
		strbuf_addf(gp, "set xrange [0:%.17g]\n", tmax);
	text = str_printf("plot '%s' using 1:2 with steps lw 2 lc rgb '#2166ac' title"
			  " 'target', '' using 1:3 with points pt 7 ps %s lc rgb"
			  " '#b2182b' title 'measured'", file,
			  s->n > 2000 ? "0.2" : s->n > 300 ? "0.35" : "0.6");
	if (!text)
		return -ENOMEM;
	plot_draw(gp, name, 960, 360, text);
	free(text);
	drawn[k] = true;
	return 0;
}

int report_series_draw(int dfd, struct strbuf *gp, struct plot_labels *labels,
		       const struct report_series *s, size_t n, bool *drawn)
{
	size_t k;
	int rc = 0;

	for (k = 0; k < n && rc == 0; k++)
		rc = draw_one(dfd, gp, labels, &s[k], k, drawn);
	return rc;
}

void report_series_put(FILE *f, int dfd, const struct report_series *s,
		       size_t n, const bool *drawn, double pct, double ms)
{
	char name[64], data[80];
	size_t k, i, lost;

	fprintf(f, "<h2>RTT over time</h2>\n<p>A probe every interval per pair,"
		" each against the target in force when it was sent. A step of a"
		" trace is within the bound when the p50 of its settled probes"
		" (sent at least the previous step's RTT after it began, answered"
		" before it ended) is within max(%.3g %%, %.3g ms) of it.</p>\n",
		pct, ms);
	fputs("<table><tr><th>from</th><th>to</th><th>probes</th><th>lost</th>"
	      "<th>steps</th><th>within</th><th>worst error ms</th><th>data</th></tr>\n", f);
	for (k = 0; k < n; k++) {
		for (i = lost = 0; i < s[k].n; i++)
			lost += !isfinite(s[k].rtt_ms[i]);
		fputs("<tr><td>", f);
		page_escape(f, s[k].src);
		fputs("</td><td>", f);
		page_escape(f, s[k].dst);
		fprintf(f, "</td><td>%zu</td><td>%zu</td><td>", s[k].n, lost);
		page_g(f, s[k].steps);
		fputs("</td><td>", f);
		page_g(f, s[k].steps_within);
		fputs("</td><td>", f);
		page_num(f, s[k].worst_err_ms);
		fprintf(f, "</td><td><a href=\"series-%zu.tsv\">series-%zu.tsv</a></td></tr>\n",
			k + 1, k + 1);
	}
	fputs("</table>\n", f);
	for (k = 0; k < n; k++) {
		if (!drawn[k])
			continue;
		snprintf(name, sizeof(name), "series-%zu", k + 1);
		snprintf(data, sizeof(data), "series-%zu.tsv", k + 1);
		page_figure(f, dfd, name, data, NULL);
	}
	if (n > REPORT_SERIES_FIGURES)
		fprintf(f, "<p>The first %d pairs are drawn; every pair's data is in its file.</p>\n",
			REPORT_SERIES_FIGURES);
}
