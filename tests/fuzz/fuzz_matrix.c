/* fuzz_matrix — libFuzzer harness of the matrix file reader
 * (enos/matrix.c): measured site-to-site matrices, TSV or CSV.
 *
 * The input is the file's bytes (NUL bytes included: the reader takes a
 * length). Contract checked (matrix.h): a matrix or a LABEL:LINE:COL
 * message (with no control byte: cells are quoted), never both; a matrix has 1 to MATRIX_MAX_SITES distinct,
 * non-empty names, each with a position, and every cell in 0..3600000 ms.
 */
#include <math.h>

#include "enos/matrix.h"
#include "tests/fuzz/fuzz.h"

#define LABEL "fuzz.tsv"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct matrix_file *m;
	char *err = NULL;
	size_t i, j;

	m = matrix_file_parse((const char *)data, size, LABEL, &err);
	if (m && err)
		fuzz_fail("a matrix and a message", err);
	if (!m) {
		fuzz_check_err(err, LABEL);
		fuzz_check_printable(err);
		free(err);
		return 0;
	}
	if (m->n == 0 || m->n > MATRIX_MAX_SITES)
		fuzz_fail("site count out of range", NULL);
	for (i = 0; i < m->n; i++) {
		if (!m->names[i] || !*m->names[i] ||
		    m->name_pos[i].line < 1 || m->name_pos[i].col < 1)
			fuzz_fail("bad site name or position", NULL);
		for (j = 0; j < i; j++)
			if (!strcmp(m->names[i], m->names[j]))
				fuzz_fail("duplicate site accepted", m->names[i]);
	}
	for (i = 0; i < m->n * m->n; i++)
		if (!(m->ms[i] >= 0 && m->ms[i] <= 3600000.0))
			fuzz_fail("cell out of range", NULL);
	matrix_file_free(m);
	return 0;
}
