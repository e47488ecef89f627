/* page — what every report page shares; see page.h. */
#include "reports/page.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "reports/plot.h"
#include "util/escape.h"
#include "util/str.h"
#include "util/strbuf.h"

/* An SVG larger than this is not inlined: the page shows its PNG as a
 * data: URI instead (a timeline of 100 000 operations is megabytes of
 * SVG, and a page must stay readable). */
#define INLINE_MAX (1u << 20)

void page_escape(FILE *f, const char *s)
{
	for (; s && *s; s++) {
		switch (*s) {
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '&': fputs("&amp;", f); break;
		case '"': fputs("&quot;", f); break;
		case '\'': fputs("&#39;", f); break;
		default: fputc(*s, f);
		}
	}
}

void page_head(FILE *f, const char *title)
{
	fputs("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">\n<title>", f);
	page_escape(f, title);
	fputs("</title>\n<style>body{font-family:sans-serif;margin:2em;max-width:1400px}"
	      "table{border-collapse:collapse;font-size:13px;margin:0.5em 0}"
	      "td,th{border:1px solid #ccc;padding:2px 6px;text-align:right}"
	      "tr.bad{background:#fdd}tr.all{font-weight:bold}tr.win{background:#dfd}"
	      "td.l,th.l{text-align:left}"
	      ".fig{display:inline-block;vertical-align:top;margin:0 1em 1em 0}"
	      ".cap{font-size:12px;color:#444;max-width:720px}"
	      "pre{background:#f6f6f6;padding:0.5em;overflow:auto;max-height:40em;font-size:12px}"
	      "svg,img{max-width:100%;height:auto}</style>\n</head><body>\n", f);
}

static void put_base64(FILE *out, FILE *in)
{
	static const char b64[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	unsigned char b[3];
	size_t n;

	while ((n = fread(b, 1, 3, in)) > 0) {
		unsigned v = (unsigned)b[0] << 16 |
			     (n > 1 ? (unsigned)b[1] << 8 : 0) |
			     (n > 2 ? b[2] : 0);

		fputc(b64[v >> 18 & 63], out);
		fputc(b64[v >> 12 & 63], out);
		fputc(n > 1 ? b64[v >> 6 & 63] : '=', out);
		fputc(n > 2 ? b64[v & 63] : '=', out);
	}
}

FILE *page_open_in(int dfd, const char *name, off_t *size)
{
	struct stat sb;
	FILE *f;
	int fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);

	if (fd < 0)
		return NULL;
	if (fstat(fd, &sb) < 0 || !S_ISREG(sb.st_mode) ||
	    !(f = fdopen(fd, "r"))) {
		close(fd);
		return NULL;
	}
	*size = sb.st_size;
	return f;
}

void page_figure(FILE *html, int dfd, const char *name, const char *data,
		 const char *caption)
{
	char file[160], line[4096];
	FILE *f;
	off_t size = 0;
	int started = 0;

	fputs("<div class=fig>", html);
	snprintf(file, sizeof(file), "%s.svg", name);
	f = page_open_in(dfd, file, &size);
	if (f && size <= (off_t)INLINE_MAX) {
		while (fgets(line, sizeof(line), f)) {
			if (!started && strstr(line, "<svg"))
				started = 1;
			if (started)
				fputs(line, html);
		}
	} else {
		if (f)
			fclose(f);
		snprintf(file, sizeof(file), "%s.png", name);
		f = page_open_in(dfd, file, &size);
		if (f && size <= (off_t)INLINE_MAX) {
			fputs("<img alt=\"figure\" src=\"data:image/png;base64,", html);
			put_base64(html, f);
			fputs("\">", html);
		}
	}
	if (f)
		fclose(f);
	if (caption) {
		fputs("<div class=cap>", html);
		page_escape(html, caption);
		fputs("</div>", html);
	}
	fputs("<a href=\"", html);
	page_escape(html, name);
	fputs(".png\">PNG</a> <a href=\"", html);
	page_escape(html, name);
	fputs(".svg\">SVG</a> <a href=\"", html);
	if (data) {
		page_escape(html, data);
	} else {
		page_escape(html, name);
		fputs(".tsv", html);
	}
	fputs("\">data</a></div>\n", html);
}

void page_time(FILE *f, double t)
{
	char buf[64];
	time_t s = (time_t)t;
	struct tm tm;

	if (isnan(t)) {
		fputs("active", f);
		return;
	}
	gmtime_r(&s, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M:%S", &tm);
	fprintf(f, "%s.%03d UTC", buf, (int)((t - (double)s) * 1000));
}

void page_num(FILE *f, double v)
{
	if (isnan(v))
		fputs("<td>-</td>", f);
	else
		fprintf(f, "<td>%.3f</td>", v);
}

void page_g(FILE *f, double v)
{
	if (isnan(v))
		fputs("<td>-</td>", f);
	else
		fprintf(f, "<td>%.6g</td>", v);
}

void page_bytes(FILE *f, uint64_t bytes)
{
	static const char *const unit[] = { "B", "kB", "MB", "GB", "TB", "PB" };
	double v = (double)bytes;
	int u = 0;

	while (v >= 1000 && u < 5) {
		v /= 1000;
		u++;
	}
	fprintf(f, "<td title=\"%llu bytes\">", (unsigned long long)bytes);
	if (u == 0)
		fprintf(f, "%llu B</td>", (unsigned long long)bytes);
	else
		fprintf(f, "%.*f %s</td>", v < 10 ? 2 : v < 100 ? 1 : 0, v,
			unit[u]);
}

int page_files_write(int dfd, const struct report_extras *x)
{
	struct plot_file pf;
	size_t i;
	int rc = 0;

	for (i = 0; x && i < x->n_files && rc == 0; i++) {
		rc = plot_file_create(dfd, x->files[i].name, &pf);
		if (rc < 0)
			break;
		fputs(x->files[i].text ? x->files[i].text : "", pf.f);
		rc = plot_file_commit(&pf);
	}
	return rc;
}

void page_files(FILE *f, const struct report_extras *x)
{
	size_t i;

	if (!x || !x->n_files)
		return;
	fputs("<h2 id=files>Files used</h2>\n", f);
	for (i = 0; i < x->n_files; i++) {
		const struct report_file *rf = &x->files[i];

		fputs("<h3>", f);
		page_escape(f, rf->what);
		fputs(": <a href=\"", f);
		page_escape(f, rf->name);
		fputs("\">", f);
		page_escape(f, rf->name);
		fputs("</a></h3>\n<p>", f);
		page_escape(f, rf->from);
		fputs("</p>\n<details><summary>show</summary><pre>", f);
		page_escape(f, rf->text);
		fputs("</pre></details>\n", f);
	}
}

/* S inside a DOT string: a backslash doubled (DOT reads \n, \l, \N ...
 * in labels), a double quote escaped, control characters and invalid
 * UTF-8 shown as escape_ctl() shows them (their backslash doubled too). */
static void dot_text(FILE *f, const char *s)
{
	struct strbuf sb = STRBUF_INIT;
	const char *p;

	if (s)
		escape_ctl(&sb, s, strlen(s));
	for (p = strbuf_str(&sb); *p; p++) {
		if (*p == '\\' || *p == '"')
			fputc('\\', f);
		fputc(*p, f);
	}
	strbuf_release(&sb);
}

/* S as a DOT string, in double quotes. */
static void dot_string(FILE *f, const char *s)
{
	fputc('"', f);
	dot_text(f, s);
	fputc('"', f);
}

static const char *role_shape(const char *role)
{
	if (role && !strcmp(role, "central"))
		return "doubleoctagon";
	if (role && !strcmp(role, "regional"))
		return "box";
	return "ellipse";
}

static const char *role_color(const char *role)
{
	if (role && !strcmp(role, "central"))
		return "#fdd49e";
	if (role && !strcmp(role, "regional"))
		return "#c6dbef";
	return "#e5f5e0";
}

/* The RTT of the pair (A, B) as a label: "20 ms"; the mean of both
 * directions when they differ ("20 / 24 ms" shown as such). */
static void rtt_label(struct strbuf *sb, const struct report_topo *t,
		      size_t a, size_t b)
{
	double ab = t->rtt_ms ? t->rtt_ms[a * t->n + b] : NAN;
	double ba = t->rtt_ms ? t->rtt_ms[b * t->n + a] : NAN;

	if (isnan(ab) && isnan(ba))
		return;
	if (isnan(ba) || fabs(ab - ba) < 1e-9)
		strbuf_addf(sb, "%.4g ms", isnan(ab) ? ba : ab);
	else
		strbuf_addf(sb, "%.4g / %.4g ms", ab, ba);
}

/* The graph: one node per site (its name and role in the label), an edge
 * per parent link labelled with its RTT; without any parent, every pair
 * of a small world (8 sites at most) joined by its RTT. */
static int write_dot(int dfd, const struct report_topo *t)
{
	struct strbuf sb = STRBUF_INIT;
	struct plot_file pf;
	size_t i, k;
	bool parents = false;
	int rc = plot_file_create(dfd, "topology.dot", &pf);

	if (rc < 0)
		return rc;
	fputs("// enos report: the topology; names are DOT strings (labels),"
	      " never identifiers\ngraph topology {\n"
	      "  graph [rankdir=TB, fontname=\"sans-serif\", nodesep=0.3];\n"
	      "  node [style=filled, fontname=\"sans-serif\", fontsize=10];\n"
	      "  edge [fontname=\"sans-serif\", fontsize=9, color=\"#555555\"];\n", pf.f);
	for (i = 0; i < t->n; i++) {
		const struct report_site *s = &t->sites[i];

		strbuf_reset(&sb);
		strbuf_addf(&sb, "%s, %u node%s", s->role ? s->role : "?",
			    s->nodes, s->nodes == 1 ? "" : "s");
		fprintf(pf.f, "  s%zu [shape=%s, fillcolor=\"%s\", label=\"", i,
			role_shape(s->role), role_color(s->role));
		/* Two lines: DOT's own \n between the escaped texts. */
		dot_text(pf.f, s->name);
		fputs("\\n", pf.f);
		dot_text(pf.f, strbuf_str(&sb));
		fputs("\"];\n", pf.f);
		if (s->parent >= 0 && (size_t)s->parent < t->n)
			parents = true;
	}
	for (i = 0; i < t->n; i++) {
		const struct report_site *s = &t->sites[i];

		if (parents) {
			if (s->parent < 0 || (size_t)s->parent >= t->n)
				continue;
			strbuf_reset(&sb);
			rtt_label(&sb, t, (size_t)s->parent, i);
			fprintf(pf.f, "  s%ld -- s%zu [penwidth=1.5, label=", s->parent, i);
			dot_string(pf.f, strbuf_str(&sb));
			fputs("];\n", pf.f);
			continue;
		}
		for (k = i + 1; t->n <= 8 && k < t->n; k++) {
			strbuf_reset(&sb);
			rtt_label(&sb, t, i, k);
			fprintf(pf.f, "  s%zu -- s%zu [style=dashed, label=", i, k);
			dot_string(pf.f, strbuf_str(&sb));
			fputs("];\n", pf.f);
		}
	}
	fputs("}\n", pf.f);
	strbuf_release(&sb);
	return plot_file_commit(&pf);
}

int page_topology_draw(int dfd, const char *dir,
		       const struct report_extras *x, char **err)
{
	const char *dot = x && x->dot ? x->dot : "dot";
	char *const svg[] = { (char *)dot, "-Tsvg", "-o", "topology.svg",
			      "topology.dot", NULL };
	char *const png[] = { (char *)dot, "-Tpng", "-o", "topology.png",
			      "topology.dot", NULL };
	int rc;

	if (!x || !x->topo || !x->topo->n)
		return -ENOENT;
	/* dot opens its outputs by name: no link planted there is followed. */
	unlinkat(dfd, "topology.svg", 0);
	unlinkat(dfd, "topology.png", 0);
	rc = write_dot(dfd, x->topo);
	if (rc < 0) {
		if (err)
			*err = str_printf("cannot write '%s/topology.dot': %s", dir,
					 strerror(-rc));
		return rc;
	}
	rc = plot_exec(dfd, dir, svg, "dot.log", err);
	if (rc == 0)
		rc = plot_exec(dfd, dir, png, "dot.log", err);
	return rc;
}

void page_topology(FILE *f, int dfd, const struct report_extras *x, bool drawn)
{
	const struct report_topo *t = x ? x->topo : NULL;
	size_t i;

	fputs("<h2 id=topology>Topology</h2>\n", f);
	if (!t || !t->n) {
		fputs("<p>Not drawn: ", f);
		page_escape(f, x && x->topo_why ? x->topo_why : "no topology is known");
		fputs(".</p>\n", f);
		return;
	}
	if (drawn) {
		page_figure(f, dfd, "topology", "topology.dot",
			    "Sites (central: octagon, regional: box, edge: ellipse)"
			    " and their parent links, labelled with the target RTT"
			    " of the pair (drawn by Graphviz's dot from topology.dot).");
	} else {
		fputs("<p>The drawing failed (see dot.log); the sites:</p>\n", f);
	}
	if (t->note) {
		fputs("<p>", f);
		page_escape(f, t->note);
		fputs("</p>\n", f);
	}
	fputs("<table><tr><th class=l>site</th><th class=l>role</th><th class=l>parent</th>"
	      "<th>nodes</th><th>RTT to parent (ms)</th></tr>\n", f);
	for (i = 0; i < t->n; i++) {
		const struct report_site *s = &t->sites[i];
		bool has = s->parent >= 0 && (size_t)s->parent < t->n;

		fputs("<tr><td class=l>", f);
		page_escape(f, s->name);
		fputs("</td><td class=l>", f);
		page_escape(f, s->role);
		fputs("</td><td class=l>", f);
		page_escape(f, has ? t->sites[s->parent].name : "-");
		fprintf(f, "</td><td>%u</td>", s->nodes);
		page_g(f, has && t->rtt_ms ? t->rtt_ms[(size_t)s->parent * t->n + i]
					   : NAN);
		fputs("</tr>\n", f);
	}
	fputs("</table>\n", f);
}

void csv_field(FILE *f, const char *s)
{
	fputc('"', f);
	for (; s && *s; s++) {
		if (*s == '"')
			fputc('"', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

void csv_num(FILE *f, double v)
{
	char buf[40];

	if (!isfinite(v))
		return;
	/* The shortest of 15 or 17 digits that reads back as V: 0.95, not
	 * 0.94999999999999996. */
	snprintf(buf, sizeof(buf), "%.15g", v);
	if (strtod(buf, NULL) != v)
		snprintf(buf, sizeof(buf), "%.17g", v);
	fputs(buf, f);
}

int page_figures_fail(struct plot_labels *labels, const char *dir, int rc,
		      char **err)
{
	plot_file_abort(&labels->file);
	if (err)
		*err = str_printf("cannot write the figures' files in '%s': %s",
				 dir, strerror(-rc));
	return rc;
}

int page_figures_draw(int dfd, const char *dir, struct plot_labels *labels,
		      int rc, const struct strbuf *gp, const char *gnuplot,
		      const struct report_extras *x, bool *topo_drawn,
		      char **err)
{
	struct plot_file pf;

	if (rc == 0)
		rc = plot_labels_end(labels);
	if (rc == 0)
		rc = gp->err;
	if (rc < 0)
		return page_figures_fail(labels, dir, rc, err);
	rc = plot_file_create(dfd, "report.gp", &pf);
	if (rc < 0)
		return page_figures_fail(labels, dir, rc, err);
	fputs(strbuf_str(gp), pf.f);
	plot_clear_outputs(dfd, strbuf_str(gp));
	rc = plot_file_commit(&pf);
	if (rc < 0)
		return page_figures_fail(labels, dir, rc, err);
	rc = plot_run(dfd, dir, gnuplot, "report.gp", err);
	if (rc == 0 && x && x->topo) {
		/* A drawing that fails leaves the table of sites. */
		char *why = NULL;

		*topo_drawn = page_topology_draw(dfd, dir, x, &why) == 0;
		free(why);
	}
	return rc;
}
