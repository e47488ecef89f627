/* html — HTML report of a run; see html.h. */
#include "reports/html.h"
#include "util/fs.h"
#include "util/str.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

enum matrix_which { M_TARGET, M_MEASURED, M_ERROR };

static const char *const matrix_file[] = { "target", "measured", "error" };
static const char *const matrix_title[] = {
	"target RTT (ms)", "measured RTT p50 (ms)", "measured - target (ms)",
};

int report_within(const struct report_input *in, const struct report_rtt *r)
{
	return report_rtt_within(r, in->tolerance_pct, in->tolerance_ms);
}

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

/* gnuplot names a site label; keep it to safe characters. */
static void put_tics(FILE *gp, const char *axis, const struct report_input *in)
{
	size_t i;

	fprintf(gp, "set %s (", axis);
	for (i = 0; i < in->n_sites; i++)
		fprintf(gp, "%s\"%s\" %zu", i ? ", " : "", in->sites[i], i);
	fprintf(gp, ")\n");
}

static void put_heatmap(FILE *gp, const struct report_input *in,
			enum matrix_which w, const double *m, const char *term,
			const char *path)
{
	size_t n = in->n_sites, i, k;
	int px = 260 + 28 * (int)n;

	fprintf(gp, "set terminal %s size %d,%d font ',9'\n", term, px + 120, px);
	fprintf(gp, "set output '%s'\n", path);
	fprintf(gp, "set title '%s: %s'\n", in->experiment, matrix_title[w]);
	fprintf(gp, "unset key\nset xlabel 'to'\nset ylabel 'from'\n");
	/* Row 0 (the first "from" site) at the top, as in the matrix file. */
	fprintf(gp, "set xrange [-0.5:%zu.5]\nset yrange [%zu.5:-0.5]\n",
		n - 1, n - 1);
	fprintf(gp, "set xtics rotate by 90 right\n");
	put_tics(gp, "xtics", in);
	put_tics(gp, "ytics", in);
	fprintf(gp, "set datafile missing 'NaN'\n");
	if (w == M_ERROR) {
		/* White at zero: a range symmetric around it. */
		double mx = 0;

		for (i = 0; i < n * n; i++)
			if (!isnan(m[i]) && fabs(m[i]) > mx)
				mx = fabs(m[i]);
		fprintf(gp, "set palette defined (-1 'blue', 0 'white', 1 'red')\n"
			    "set cbrange [%g:%g]\n", -(mx > 0 ? mx : 1), mx > 0 ? mx : 1);
	} else {
		fprintf(gp, "set cbrange [*:*]\n");
	}
	if (w != M_ERROR)
		fprintf(gp, "set palette defined (0 'white', 1 '#fdd49e', 2 '#ef6548', 3 '#7f0000')\n");
	fprintf(gp, "plot '-' matrix with image\n");
	for (i = 0; i < n; i++) {
		for (k = 0; k < n; k++) {
			double v = m[i * n + k];

			if (isnan(v))
				fputs(k ? " NaN" : "NaN", gp);
			else
				fprintf(gp, k ? " %.4f" : "%.4f", v);
		}
		fputc('\n', gp);
	}
	fputs("e\nunset output\n", gp);
}

/* Start GNUPLOT (a program, found on PATH) reading its script from *GP,
 * its output and warnings (NaN cells on the diagonal) going to
 * DIR/gnuplot.log, not to us; its pid into *PID. From an argv, not a
 * shell line, so DIR may hold any character. Returns 0 or -errno. */
static int gnuplot_start(const char *gnuplot, const char *dir, FILE **gp,
			 pid_t *pid)
{
	char *log = str_printf("%s/gnuplot.log", dir);
	int fd[2] = { -1, -1 }, logfd = -1, rc = -ENOMEM;

	if (!log)
		goto out;
	logfd = open(log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW,
		     0666);
	if (logfd < 0 || pipe2(fd, O_CLOEXEC) < 0) {
		rc = -errno;
		goto out;
	}
	*pid = fork();
	if (*pid < 0) {
		rc = -errno;
		goto out;
	}
	if (*pid == 0) {
		if (dup2(fd[0], STDIN_FILENO) < 0 ||
		    dup2(logfd, STDOUT_FILENO) < 0 ||
		    dup2(logfd, STDERR_FILENO) < 0)
			_exit(127);
		close_range(3, ~0u, 0);
		execlp(gnuplot, gnuplot, (char *)NULL);
		_exit(127);
	}
	*gp = fdopen(fd[1], "w");
	if (!*gp) {
		rc = -errno;
		close(fd[1]);
		fd[1] = -1;
		waitpid(*pid, NULL, 0);
		*pid = -1;
		goto out;
	}
	fd[1] = -1;
	rc = 0;
out:
	if (fd[0] >= 0)
		close(fd[0]);
	if (fd[1] >= 0)
		close(fd[1]);
	if (logfd >= 0)
		close(logfd);
	free(log);
	return rc;
}

/* Run gnuplot once for all figures. */
static int draw_figures(const char *dir, const struct report_input *in,
			const char *gnuplot, char **err)
{
	double *m = calloc(in->n_sites * in->n_sites + 1, sizeof(*m));
	char path[4200];
	FILE *gp = NULL;
	pid_t pid = -1;
	int rc = -ENOMEM, st, w;

	if (!m)
		goto out;
	rc = gnuplot_start(gnuplot, dir, &gp, &pid);
	if (rc < 0) {
		if (err)
			*err = str_printf("cannot run '%s': %s", gnuplot, strerror(-rc));
		goto out;
	}
	for (w = M_TARGET; w <= M_ERROR; w++) {
		fill_matrix(in, (enum matrix_which)w, m);
		snprintf(path, sizeof(path), "%s/%s.png", dir, matrix_file[w]);
		put_heatmap(gp, in, (enum matrix_which)w, m, "pngcairo", path);
		snprintf(path, sizeof(path), "%s/%s.svg", dir, matrix_file[w]);
		put_heatmap(gp, in, (enum matrix_which)w, m, "svg", path);
	}
	fclose(gp);
	gp = NULL;
	rc = 0;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR) {
			st = -1;
			break;
		}
	pid = -1;
	if (st == -1 || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		rc = -EIO;
		if (err)
			*err = str_printf("'%s' failed (status %d), see %s/gnuplot.log",
					 gnuplot, st != -1 && WIFEXITED(st) ? WEXITSTATUS(st) : -1,
					 dir);
	}
out:
	if (gp)
		fclose(gp);
	if (pid > 0)
		waitpid(pid, NULL, 0);
	free(m);
	return rc;
}

static void put_escaped(FILE *f, const char *s)
{
	for (; s && *s; s++) {
		switch (*s) {
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '&': fputs("&amp;", f); break;
		case '"': fputs("&quot;", f); break;
		default: fputc(*s, f);
		}
	}
}

/* Copy the SVG file into the page, without its XML prologue. */
static void inline_svg(FILE *html, const char *dir, const char *name)
{
	char path[4200], line[4096];
	FILE *f;
	int started = 0;

	snprintf(path, sizeof(path), "%s/%s.svg", dir, name);
	f = fopen(path, "r");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		if (!started && strstr(line, "<svg"))
			started = 1;
		if (started)
			fputs(line, html);
	}
	fclose(f);
}

static void put_time(FILE *f, double t)
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

static void put_num(FILE *f, double v)
{
	if (isnan(v))
		fputs("<td>-</td>", f);
	else
		fprintf(f, "<td>%.3f</td>", v);
}

static void put_pairs(FILE *f, const struct report_input *in)
{
	size_t i, out = 0;

	for (i = 0; i < in->n_rows; i++)
		out += !report_within(in, &in->rows[i]);
	fprintf(f, "<h2>Every pair</h2>\n<p>%zu pairs, %zu outside the bound max(%.3g %%, %.3g ms) on p50.</p>\n",
		in->n_rows, out, in->tolerance_pct, in->tolerance_ms);
	fputs("<table><tr><th>from</th><th>to</th><th>target ms</th><th>min</th><th>p50</th><th>p90</th><th>p99</th><th>error ms</th><th>loss %</th><th>samples</th><th>ok</th></tr>\n", f);
	for (i = 0; i < in->n_rows; i++) {
		const struct report_rtt *r = &in->rows[i];
		int ok = report_within(in, r);

		fputs(ok ? "<tr>" : "<tr class=bad>", f);
		fputs("<td>", f);
		put_escaped(f, r->src);
		fputs("</td><td>", f);
		put_escaped(f, r->dst);
		fputs("</td>", f);
		put_num(f, r->target_ms);
		put_num(f, r->min_ms);
		put_num(f, r->p50_ms);
		put_num(f, r->p90_ms);
		put_num(f, r->p99_ms);
		put_num(f, r->p50_ms - r->target_ms);
		fprintf(f, "<td>%.2f</td><td>%u</td><td>%s</td></tr>\n",
			r->loss_pct, r->samples, ok ? "yes" : "NO");
	}
	fputs("</table>\n", f);
}

static void put_faults(FILE *f, const struct report_input *in)
{
	size_t i;

	fputs("<h2>Faults</h2>\n", f);
	if (in->n_faults == 0) {
		fputs("<p>none applied in this run.</p>\n", f);
		return;
	}
	fputs("<table><tr><th>action</th><th>detail</th><th>applied</th><th>removed</th></tr>\n", f);
	for (i = 0; i < in->n_faults; i++) {
		fputs("<tr><td>", f);
		put_escaped(f, in->faults[i].action);
		fputs("</td><td>", f);
		put_escaped(f, in->faults[i].detail);
		fputs("</td><td>", f);
		put_time(f, in->faults[i].applied);
		fputs("</td><td>", f);
		put_time(f, in->faults[i].removed);
		fputs("</td></tr>\n", f);
	}
	fputs("</table>\n", f);
}

static int write_page(const char *dir, const struct report_input *in)
{
	char path[4200];
	FILE *f;
	size_t i;
	int w;

	snprintf(path, sizeof(path), "%s/index.html", dir);
	f = fopen(path, "w");
	if (!f)
		return -errno;
	fputs("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">\n<title>enos: ", f);
	put_escaped(f, in->experiment);
	fprintf(f, " run %lld</title>\n", (long long)in->run);
	fputs("<style>body{font-family:sans-serif;margin:2em;max-width:1400px}"
	      "table{border-collapse:collapse;font-size:13px}"
	      "td,th{border:1px solid #ccc;padding:2px 6px;text-align:right}"
	      "tr.bad{background:#fdd}.fig{display:inline-block;vertical-align:top}"
	      "svg{max-width:100%;height:auto}</style>\n</head><body>\n", f);
	fputs("<h1>", f);
	put_escaped(f, in->experiment);
	fprintf(f, ", run %lld</h1>\n<h2>Summary</h2>\n<table>", (long long)in->run);
	fprintf(f, "<tr><th>run kind</th><td>%s</td></tr>", in->run_kind);
	fprintf(f, "<tr><th>outcome</th><td>%s</td></tr>", in->outcome ? in->outcome : "-");
	fprintf(f, "<tr><th>sites</th><td>%zu</td></tr>", in->n_sites);
	fprintf(f, "<tr><th>site pairs measured</th><td>%zu</td></tr>", in->n_rows);
	for (i = 0; i < in->n_facts; i++) {
		fputs("<tr><th>", f);
		put_escaped(f, in->facts[i].key);
		fputs("</th><td>", f);
		put_escaped(f, in->facts[i].value);
		fputs("</td></tr>", f);
	}
	fputs("</table>\n<h2>RTT matrices</h2>\n", f);
	for (w = M_TARGET; w <= M_ERROR; w++) {
		fputs("<div class=fig>", f);
		inline_svg(f, dir, matrix_file[w]);
		fprintf(f, "<br><a href=\"%s.png\">PNG</a> <a href=\"%s.svg\">SVG</a></div>\n",
			matrix_file[w], matrix_file[w]);
	}
	put_pairs(f, in);
	put_faults(f, in);
	fputs("</body></html>\n", f);
	return fclose(f) == 0 ? 0 : -errno;
}

int report_html_write(const char *dir, const struct report_input *in,
		      const char *gnuplot, char **err)
{
	int rc = fs_mkdir_p(dir, 0755);

	if (rc < 0) {
		if (err)
			*err = str_printf("cannot create '%s': %s", dir, strerror(-rc));
		return rc;
	}
	if (in->n_sites > 0)
		rc = draw_figures(dir, in, gnuplot, err);
	if (rc == 0) {
		rc = write_page(dir, in);
		if (rc < 0 && err)
			*err = str_printf("cannot write '%s/index.html': %s", dir,
					 strerror(-rc));
	}
	return rc;
}
