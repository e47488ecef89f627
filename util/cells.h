/* cells — the lines and cells of the small text tables enos reads: matrix
 * files (enos/matrix.c: cells at one separator, a tab or a comma) and trace
 * files (emulator/trace.c: cells at runs of blanks).
 *
 * One tokenizer for both, so that what counts as a comment, a blank line, a
 * byte order mark, a cell's column and a plain decimal is the same in every
 * table, and one way to say what is wrong: the first failure as
 * "LABEL:LINE:COL: message" with the value quoted whole, control bytes
 * escaped. The readers keep their own rules (header, row shape, ranges)
 * and the words of their messages; splitting never allocates.
 */
#ifndef UTIL_CELLS_H
#define UTIL_CELLS_H

#include <stddef.h>

/* One cell of a line: LEN bytes at START, at column COL (1-based). */
struct cell {
	const char *start;
	size_t len;
	int col;
};

/* The next line of TEXT (LEN bytes) from *POS that holds something: a
 * UTF-8 byte order mark at the start of TEXT, blank lines and lines whose
 * first non-blank byte is '#' are passed over. *LINE counts the lines read
 * (1-based: the returned line's number). Returns 1 with the line in *L,
 * *LL bytes (no newline), 0 at the end of TEXT, or -EINVAL if the line
 * holds a NUL byte (*LINE is its number). Blanks: space, tab, CR. */
int cells_next_line(const char *text, size_t len, size_t *pos, int *line,
		    const char **l, size_t *ll);

/* The cells of LINE (LEN bytes), at most MAX into CELLS; returns how many
 * the line has (also past MAX, so a caller can grow CELLS and split again).
 * SEP not 0: a cell at each SEP, blanks trimmed around it, empty cells
 * kept ("a,,b" has three, "a," two). SEP 0: cells at runs of blanks, none
 * empty. */
size_t cells_split(const char *line, size_t len, char sep, struct cell *cells,
		   size_t max);

/* Cell C as a plain decimal (digits, '.', '-', '+': no "inf", "nan", hex
 * or exponent, as a person writes a table) into *OUT: 0, or -EINVAL if it
 * is empty, not a number or not finite. The range is the caller's. */
int cells_decimal(const struct cell *c, double *out);

/* The messages of one reading: LABEL names the file; ERR is the first
 * failure's message (the reader hands it on or frees it); SHOWN is what
 * cells_show() returned last. Zero it but for LABEL to start. */
struct cells_msg {
	const char *label;
	char *err;
	char *shown;
};

/* Record "LABEL:LINE:COL: message" unless a failure is recorded already.
 * Returns -EINVAL, or -ENOMEM if no message could be made. */
int cells_fail(struct cells_msg *m, int line, int col, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* V (LEN bytes) as a message quotes it: whole, control bytes escaped (a
 * cell can hold anything and the message goes to a terminal). Kept in M
 * until the next call or cells_msg_release(); "?" when out of memory. */
const char *cells_show(struct cells_msg *m, const char *v, size_t len);

/* Free M's quoted value; ERR stays the caller's. */
void cells_msg_release(struct cells_msg *m);

#endif
