/* page — what every HTML page of a report shares: escaping, the inlined
 * figures, numbers and times as the tables show them, the sections every
 * report ends with (the files used, the host's facts, the drawing of the
 * topology), and CSV fields for the exports.
 *
 * html.c (the report of one run) and campaign_html.c (a sweep, or runs
 * and sweeps compared) write their pages with these. Everything that
 * comes from the database or a file is escaped here: a page holds no name
 * as markup, and loads nothing from outside its directory (figures are
 * inlined SVG, or PNG as data: URIs; links are relative).
 */
#ifndef REPORTS_PAGE_H
#define REPORTS_PAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct plot_labels;
struct strbuf;

/* A fact about a run or the host (kernel, package version, seed). */
struct report_fact {
	const char *key;
	const char *value;
};

/* A file the report copies into its directory and shows (a topology, a
 * stack, a sweep): NAME its plain file name there ("topology.yaml"),
 * WHAT what it is, FROM where it came from (e.g. "recorded with sweep
 * 'x'", or "read from PATH when the report was made"), TEXT its bytes. */
struct report_file {
	const char *name;
	const char *what;
	const char *from;
	const char *text;
};

/* One site of the topology drawing. */
struct report_site {
	const char *name;
	const char *role;       /* "central", "regional", "edge" */
	long parent;            /* index into the sites, -1: none */
	unsigned nodes;
};

/* The topology a report draws: its sites and the target RTT of every
 * ordered pair (N x N, row = from; NaN: not shaped), and what the RTTs
 * are (NOTE, e.g. "as the topology file sets them; the sweep's axes
 * change them per point"). */
struct report_topo {
	const struct report_site *sites;
	size_t n;
	const double *rtt_ms;
	const char *note;
};

/* What every report shows besides its figures. All may be empty. */
struct report_extras {
	const struct report_file *files;
	size_t n_files;
	const struct report_topo *topo;         /* NULL: not drawn */
	const char *topo_why;                   /* why not, when NULL */
	const char *made_by;                    /* "enos 0.1.0 (commit ...)" */
	const char *dot;                        /* Graphviz's dot ("dot") */
};

/* S (NULL: nothing) as HTML text: < > & " ' as entities. */
void page_escape(FILE *f, const char *s);

/* The head of a page titled TITLE (escaped) with the report's style, and
 * <body>. */
void page_head(FILE *f, const char *title);

/* Figure NAME (NAME.svg, NAME.png in DFD) in the page: its SVG inlined
 * from "<svg" on, or its PNG as a data: URI when the SVG is too large
 * (1 MiB), and links to both and to DATA (a file name, NULL: NAME.tsv).
 * CAPTION (may be NULL) is escaped under it. */
void page_figure(FILE *html, int dfd, const char *name, const char *data,
		 const char *caption);

/* Unix time T as "YYYY-MM-DD HH:MM:SS.mmm UTC" ("active" for NaN). */
void page_time(FILE *f, double t);

/* Table cells: V with 3 decimals ("-" for NaN); V with %.6g; BYTES in SI
 * units with the exact count in a tooltip. */
void page_num(FILE *f, double v);
void page_g(FILE *f, double v);
void page_bytes(FILE *f, uint64_t bytes);

/* Open NAME in DFD for reading, never through a link, a regular file
 * only; its size in *SIZE. NULL when it cannot. */
FILE *page_open_in(int dfd, const char *name, off_t *size);

/* Write every file of X into DFD (plot_file: O_NOFOLLOW, renamed into
 * place). Returns 0 or -errno. */
int page_files_write(int dfd, const struct report_extras *x);

/* The section "Files used": each file of X shown whole (escaped), with a
 * link to its copy. */
void page_files(FILE *f, const struct report_extras *x);

/* Draw X's topology into DFD: topology.dot (names as DOT strings, never
 * as identifiers), then topology.svg and topology.png by X->dot from an
 * argv, its messages in dot.log. DIR names DFD in messages. Returns 0,
 * -ENOENT when X has no topology, or -errno with *ERR (may be NULL) an
 * allocated reason. */
int page_topology_draw(int dfd, const char *dir,
		       const struct report_extras *x, char **err);

/* Finish a page's figures in DFD (named DIR in messages): close LABELS,
 * write GP as report.gp (its outputs unlinked first, so a planted link is
 * never followed), run GNUPLOT on it from an argv, then draw X's topology
 * when it has one (*TOPO_DRAWN says whether it was; a failed drawing only
 * leaves the table of sites). RC is the first error the page met writing
 * its other files. Returns 0 or -errno, with *ERR (may be NULL) allocated. */
int page_figures_fail(struct plot_labels *labels, const char *dir, int rc,
		      char **err);
int page_figures_draw(int dfd, const char *dir, struct plot_labels *labels,
		      int rc, const struct strbuf *gp, const char *gnuplot,
		      const struct report_extras *x, bool *topo_drawn,
		      char **err);

/* The section "Topology": the drawing (when DRAWN) and a table of the
 * sites; or why there is none. */
void page_topology(FILE *f, int dfd, const struct report_extras *x,
		   bool drawn);

/* Write S (NULL: empty) as one CSV field (RFC 4180: in double quotes,
 * each double quote doubled). */
void csv_field(FILE *f, const char *s);

/* V as a CSV number: the shorter of %.15g and %.17g that reads back as
 * V exactly, or empty for NaN. */
void csv_num(FILE *f, double v);

#endif
