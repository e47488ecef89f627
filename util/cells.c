/* cells — lines and cells of text tables; see cells.h. */
#include "util/cells.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "util/escape.h"
#include "util/yamldoc.h"

static bool blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

int cells_next_line(const char *text, size_t len, size_t *pos, int *line,
		    const char **l, size_t *ll)
{
	if (*pos == 0 && len >= 3 && !memcmp(text, "\xef\xbb\xbf", 3))
		*pos = 3;       /* UTF-8 byte order mark */
	while (*pos < len) {
		const char *s = text + *pos;
		const char *nl = memchr(s, '\n', len - *pos);
		size_t n = nl ? (size_t)(nl - s) : len - *pos, k = 0;

		*pos += n + 1;
		(*line)++;
		while (k < n && blank(s[k]))
			k++;
		if (k == n || s[k] == '#')
			continue;
		if (memchr(s, '\0', n))
			return -EINVAL;
		*l = s;
		*ll = n;
		return 1;
	}
	return 0;
}

/* Record the cell [START, END) of LINE as cell N if it fits. */
static void put(const char *line, size_t start, size_t end,
		struct cell *cells, size_t max, size_t n)
{
	if (n >= max)
		return;
	cells[n].start = line + start;
	cells[n].len = end - start;
	cells[n].col = (int)start + 1;
}

size_t cells_split(const char *line, size_t len, char sep, struct cell *cells,
		   size_t max)
{
	size_t i = 0, n = 0, start, end;

	for (;;) {
		while (i < len && line[i] != sep && blank(line[i]))
			i++;
		if (!sep && i >= len)
			return n;
		start = i;
		while (i < len && line[i] != sep && (sep || !blank(line[i])))
			i++;
		end = i;
		while (end > start && blank(line[end - 1]))
			end--;
		put(line, start, end, cells, max, n++);
		if (i >= len)
			return n;
		if (sep)
			i++;    /* the separator */
	}
}

int cells_decimal(const struct cell *c, double *out)
{
	char buf[64];
	char *end;
	double v;
	size_t i;

	if (c->len == 0 || c->len >= sizeof(buf))
		return -EINVAL;
	for (i = 0; i < c->len; i++)
		if (!strchr("0123456789.-+", c->start[i]) || !c->start[i])
			return -EINVAL;
	memcpy(buf, c->start, c->len);
	buf[c->len] = '\0';
	errno = 0;
	v = strtod(buf, &end);
	if (end == buf || *end || errno || !isfinite(v))
		return -EINVAL;
	*out = v;
	return 0;
}

int cells_fail(struct cells_msg *m, int line, int col, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (!m->err)
		m->err = yamldoc_verror(m->label, (struct src_pos){ line, col },
					fmt, ap);
	va_end(ap);
	return m->err ? -EINVAL : -ENOMEM;
}

const char *cells_show(struct cells_msg *m, const char *v, size_t len)
{
	free(m->shown);
	m->shown = escape_dup(v, len);
	return m->shown ? m->shown : "?";
}

void cells_msg_release(struct cells_msg *m)
{
	free(m->shown);
	m->shown = NULL;
}
