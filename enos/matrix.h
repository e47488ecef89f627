/* matrix — measured site-to-site matrix files (network.matrix.file).
 *
 * A matrix file is TSV or CSV (tab-separated if its header row holds a tab,
 * else comma-separated): lines starting with '#' and blank lines are
 * ignored, the header row names the sites (its first cell is ignored), then
 * one row per site starts with the site's name: row = from, column = to.
 * Cells are milliseconds, decimals allowed, at least 0 and at most
 * 3600000. Rows may come in any order; they are put in header order here.
 *
 * This module only reads the file; topo.c matches the names to the
 * topology's sites and builds struct matrix (topo.h) in site order.
 */
#ifndef ENOS_MATRIX_H
#define ENOS_MATRIX_H

#include <stddef.h>

#include "enos/topo.h"

#define MATRIX_MAX_SITES 4096   /* n * n cells must stay reasonable */

struct matrix_file {
	size_t n;
	char **names;           /* header order */
	struct src_pos *name_pos;       /* where each header name is */
	double *ms;             /* n * n, row i = from names[i] */
};

/* Parse matrix TEXT (LEN bytes). LABEL names the file in messages. Returns
 * the matrix (free with matrix_file_free), or NULL with *ERR set to an
 * allocated "LABEL:LINE:COL: message" (caller frees). */
struct matrix_file *matrix_file_parse(const char *text, size_t len,
				      const char *label, char **err);

/* Free M; NULL is fine. */
void matrix_file_free(struct matrix_file *m);

/* Free a topology's matrix M and its path; NULL is fine. */
void matrix_free(struct matrix *m);

#endif
