/* matrix — matrix file reader; see matrix.h. */
#include "enos/matrix.h"

#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "util/cells.h"

#define MATRIX_MAX_MS 3600000.0

struct reader {
	struct cells_msg msg;
	struct cell *cells;
	size_t n_cells, cap;
};

/* V, a NUL-terminated name, as a message quotes it (cells_show()). */
static const char *show_str(struct reader *r, const char *v)
{
	return cells_show(&r->msg, v, strlen(v));
}

/* Split LINE (LEN bytes) at SEP into r->cells, growing it to fit. */
static int split(struct reader *r, const char *line, size_t len, char sep)
{
	size_t n = cells_split(line, len, sep, r->cells, r->cap);

	if (n > r->cap) {
		struct cell *nc = realloc(r->cells, n * sizeof(*nc));

		if (!nc)
			return -ENOMEM;
		r->cells = nc;
		r->cap = n;
		n = cells_split(line, len, sep, r->cells, r->cap);
	}
	r->n_cells = n;
	return 0;
}

static char *cell_dup(const struct cell *c)
{
	return strndup(c->start, c->len);
}

/* Parse one cell as milliseconds. */
static int cell_value(struct reader *r, int line, const struct cell *c,
		      double *out)
{
	double v;

	if (c->len == 0)
		return cells_fail(&r->msg, line, c->col, "empty matrix cell");
	if (cells_decimal(c, &v) < 0)
		return cells_fail(&r->msg, line, c->col, "matrix cell '%s' is not a number",
			    cells_show(&r->msg, c->start, c->len));
	if (v < 0)
		return cells_fail(&r->msg, line, c->col, "matrix cell '%s' is negative",
			    cells_show(&r->msg, c->start, c->len));
	if (v > MATRIX_MAX_MS)
		return cells_fail(&r->msg, line, c->col,
			    "matrix cell '%s' is too large (at most 3600000 ms)",
			    cells_show(&r->msg, c->start, c->len));
	*out = v;
	return 0;
}

static long find_name(const struct matrix_file *m, const struct cell *c)
{
	size_t i;

	for (i = 0; i < m->n; i++)
		if (strlen(m->names[i]) == c->len &&
		    !memcmp(m->names[i], c->start, c->len))
			return (long)i;
	return -1;
}

/* Read the header cells into M. */
static int header(struct reader *r, struct matrix_file *m, int line)
{
	size_t i;
	int rc = 0;

	if (r->n_cells < 2)
		return cells_fail(&r->msg, line, 1,
			    "matrix header names no sites (cells are separated by tabs or commas)");
	if (r->n_cells - 1 > MATRIX_MAX_SITES)
		return cells_fail(&r->msg, line, 1,
			    "matrix has %zu sites, at most %d are supported",
			    r->n_cells - 1, MATRIX_MAX_SITES);
	m->names = calloc(r->n_cells - 1, sizeof(*m->names));
	m->name_pos = calloc(r->n_cells - 1, sizeof(*m->name_pos));
	if (!m->names || !m->name_pos)
		return -ENOMEM;
	for (i = 1; i < r->n_cells; i++) {
		const struct cell *c = &r->cells[i];
		long dup;

		if (c->len == 0)
			return cells_fail(&r->msg, line, c->col, "empty site name in matrix header");
		dup = find_name(m, c);
		if (dup >= 0)
			return cells_fail(&r->msg, line, c->col,
				    "duplicate site '%s' in matrix header (first at column %d)",
				    show_str(r, m->names[dup]), m->name_pos[dup].col);
		m->names[m->n] = cell_dup(c);
		if (!m->names[m->n])
			return -ENOMEM;
		m->name_pos[m->n].line = line;
		m->name_pos[m->n].col = c->col;
		m->n++;
	}
	m->ms = calloc(m->n * m->n, sizeof(*m->ms));
	if (!m->ms)
		rc = -ENOMEM;
	return rc;
}

/* Read one data row into M; SEEN[i] is the line of row i so far, or 0. */
static int row(struct reader *r, struct matrix_file *m, int line, int *seen)
{
	const struct cell *name = &r->cells[0];
	long from;
	size_t j;
	int rc;

	from = find_name(m, name);
	if (from < 0)
		return cells_fail(&r->msg, line, name->col,
			    "matrix row '%s' is not in the header",
			    cells_show(&r->msg, name->start, name->len));
	if (seen[from])
		return cells_fail(&r->msg, line, name->col,
			    "duplicate matrix row '%s' (first at line %d)",
			    show_str(r, m->names[from]), seen[from]);
	if (r->n_cells != m->n + 1)
		return cells_fail(&r->msg, line, name->col,
			    "matrix row '%s' has %zu value%s, expected %zu (one per header site)",
			    show_str(r, m->names[from]), r->n_cells - 1,
			    r->n_cells == 2 ? "" : "s", m->n);
	for (j = 0; j < m->n; j++) {
		rc = cell_value(r, line, &r->cells[j + 1],
				&m->ms[(size_t)from * m->n + j]);
		if (rc)
			return rc;
	}
	seen[from] = line;
	return 0;
}

struct matrix_file *matrix_file_parse(const char *text, size_t len,
				      const char *label, char **err)
{
	struct reader r = { .msg.label = label };
	struct matrix_file *m = calloc(1, sizeof(*m));
	int *seen = NULL;
	size_t pos = 0, rows = 0, i;
	int line = 0, header_line = 0;
	char sep = 0;
	int rc = -ENOMEM;

	*err = NULL;
	if (!m)
		goto out;
	for (;;) {
		const char *l;
		size_t ll;

		rc = cells_next_line(text, len, &pos, &line, &l, &ll);
		if (rc == 0)
			break;
		if (rc < 0) {
			rc = cells_fail(&r.msg, line, 1, "matrix file holds a NUL byte");
			goto out;
		}
		if (!sep)
			sep = memchr(l, '\t', ll) ? '\t' : ',';
		rc = split(&r, l, ll, sep);
		if (rc)
			goto out;
		if (!header_line) {
			header_line = line;
			rc = header(&r, m, line);
			if (rc)
				goto out;
			rc = -ENOMEM;
			seen = calloc(m->n, sizeof(*seen));
			if (!seen)
				goto out;
			continue;
		}
		rc = row(&r, m, line, seen);
		if (rc)
			goto out;
		rows++;
	}
	if (!header_line) {
		rc = cells_fail(&r.msg, line ? line : 1, 1,
			  "matrix file has no header row");
		goto out;
	}
	for (i = 0; i < m->n; i++) {
		if (!seen[i]) {
			rc = cells_fail(&r.msg, m->name_pos[i].line, m->name_pos[i].col,
				  "matrix is not square: %zu columns but %zu rows (no row for '%s')",
				  m->n, rows, show_str(&r, m->names[i]));
			goto out;
		}
	}
	rc = 0;
out:
	free(seen);
	free(r.cells);
	cells_msg_release(&r.msg);
	if (rc) {
		*err = r.msg.err ? r.msg.err : strdup("out of memory");
		matrix_file_free(m);
		m = NULL;
	}
	return m;
}

void matrix_file_free(struct matrix_file *m)
{
	size_t i;

	if (!m)
		return;
	for (i = 0; i < m->n; i++)
		free(m->names[i]);
	free(m->names);
	free(m->name_pos);
	free(m->ms);
	free(m);
}

void matrix_free(struct matrix *m)
{
	if (!m)
		return;
	free(m->path);
	free(m->ms);
	free(m);
}
