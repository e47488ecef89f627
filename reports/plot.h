/* plot — what every figure of a report shares.
 *
 * - Files: a report's files are created in its directory through a
 *   descriptor of it, under a temporary name (O_CREAT | O_EXCL |
 *   O_NOFOLLOW) renamed into place, so a link planted there is never
 *   followed and a reader never sees half a file.
 * - Labels are data: every name a figure shows (experiment, site, op,
 *   fault) is written as a field of a data file, and the script reads it
 *   into a gnuplot variable (`stats 'labels.tsv' every ::K::K using
 *   (L=strcol(1),0)`) or as tic labels (`xtic(1)`, matrix headers). No
 *   name is ever part of the script text, so no name can be gnuplot
 *   syntax; terminals are `noenhanced`, so none is markup either.
 * - gnuplot runs once per report, from an argv, in the report's directory,
 *   on the script the report wrote there (report.gp): a reader can run it
 *   again, or edit it, beside the data files.
 *
 * html.c builds the report with these; enos/ may use the file functions
 * for what it writes beside a report (results.json).
 */
#ifndef REPORTS_PLOT_H
#define REPORTS_PLOT_H

#include <stdio.h>

#include "util/strbuf.h"

/* A file being written in a directory. */
struct plot_file {
	FILE *f;                /* write here */
	int dirfd;              /* borrowed */
	char name[128];
	char tmp[144];          /* ".NAME.tmp" until committed */
};

/* Create NAME (a plain file name, no '/') in DIRFD for writing, as a
 * temporary file. Returns 0, or -errno (-EINVAL for a NAME with a '/'). */
int plot_file_create(int dirfd, const char *name, struct plot_file *pf);

/* Close PF's file and rename it into place (replacing an older NAME).
 * Returns 0, or -errno (a write error included; the temporary file is
 * then removed). PF is closed either way. */
int plot_file_commit(struct plot_file *pf);

/* Close and remove PF's temporary file; a PF never created (f NULL) or
 * already committed is fine. */
void plot_file_abort(struct plot_file *pf);

/* Write S (NULL: "") to F as one field gnuplot reads whole with `set
 * datafile separator "\t"`: in double quotes, control characters and
 * invalid UTF-8 shown as escape_ctl() shows them, then every backslash
 * doubled (gnuplot reads C escapes in quoted data) and every double quote
 * made a single one (gnuplot has no escape for it). For display only. */
void plot_label(FILE *f, const char *s);

/* Write V to F as a gnuplot data value: all 17 digits, or NaN (which
 * `set datafile missing 'NaN'` skips) when V is not finite. */
void plot_value(FILE *f, double v);

/* Labels of a report, numbered in the order they are added: the data file
 * labels.tsv (one label per line) and the script lines that read one into
 * a variable. */
struct plot_labels {
	struct plot_file file;
	unsigned n;
};

/* Start DIRFD/labels.tsv. Returns 0 or -errno. */
int plot_labels_begin(int dirfd, struct plot_labels *l);

/* Add label S and append to SCRIPT the line that reads it into gnuplot
 * variable VAR (a name of the caller's, such as "T"). */
void plot_labels_add(struct plot_labels *l, struct strbuf *script,
		     const char *var, const char *s);

/* Commit labels.tsv (plot_file_commit); abort is plot_file_abort(&L->file). */
int plot_labels_end(struct plot_labels *l);

/* Append to SCRIPT the lines that draw PLOT (a plot command; the
 * figure's settings are already in SCRIPT) into NAME.png (pngcairo) and
 * NAME.svg (svg), W x H pixels, then `reset` and plot_settings() for the
 * next figure. */
void plot_draw(struct strbuf *script, const char *name, int w, int h,
	       const char *plot);

/* The settings every figure starts from (and that follow each reset):
 * UTF-8, tab-separated data, NaN as missing. */
void plot_settings(struct strbuf *script);

/* Run ARGV (ARGV[0] a program found on PATH) in DIRFD's directory,
 * stdin from /dev/null, its output and messages into DIRFD/LOG (a plain
 * file name, created without following a link), no descriptor of ours
 * inherited. DIR is DIRFD's path, for messages. Returns 0, or -errno with
 * *ERR (may be NULL) an allocated reason (-EIO: it failed; see the log). */
int plot_exec(int dirfd, const char *dir, char *const argv[],
	      const char *log, char **err);

/* Remove from DIRFD every file SCRIPT (a report.gp's text) names in a
 * `set output '...'` line: gnuplot opens its outputs by name, and would
 * follow a link planted there. */
void plot_clear_outputs(int dirfd, const char *script);

/* Run GNUPLOT (a program found on PATH) on SCRIPT (a file name in DIRFD)
 * in that directory, its output and warnings into DIRFD/gnuplot.log. DIR
 * is DIRFD's path, for messages. Returns 0, or -errno with *ERR (may be
 * NULL) an allocated reason (-EIO: gnuplot failed; see the log). */
int plot_run(int dirfd, const char *dir, const char *gnuplot,
	     const char *script, char **err);

#endif
