/* fuzz_topo — libFuzzer harness of the topology loader (enos/topo*.c,
 * util/yload.c, util/yamldoc.c, enos/matrix.c) and of what consumes its
 * model without touching the system: the address plan (enos/plan.c) and
 * the constraint resolver (enos/resolve.c).
 *
 * The input is the YAML text, optionally followed by a NUL byte and the
 * bytes of the one matrix file it may name. No file is read: the link
 * replaces fs_read_file by the wrapper below (-Wl,--wrap=fs_read_file), so
 * `matrix: {file: /dev/watchdog}` reads the fuzzer's bytes, not the host's
 * file, whatever path the YAML gives.
 *
 * Contract checked: a topology or a FILE:LINE:COL message, never both; a
 * message holds no control byte (a hostile file or its matrix cannot send
 * terminal escapes); a
 * loaded model is consistent (indexes in range, counts that add up); and
 * for a small world (the plan is linear in nodes, the resolver square in
 * sites) the plan and the resolution that `enos up` would run succeed.
 */
#include <errno.h>
#include <math.h>

#include "enos/plan.h"
#include "enos/resolve.h"
#include "enos/topo.h"
#include "emulator/world.h"
#include "tests/fuzz/fuzz.h"

#define LABEL "fuzz.yaml"

/* The matrix bytes of the current input (after its first NUL), if any. */
static const uint8_t *matrix_data;
static size_t matrix_size;
static int matrix_given;

int __wrap_fs_read_file(const char *path, size_t max, char **buf,
			size_t *len);
int __wrap_fs_read_file(const char *path, size_t max, char **buf,
			size_t *len)
{
	char *b;

	(void)path;
	if (!matrix_given)
		return -ENOENT;
	if (matrix_size > max)
		return -EFBIG;
	b = malloc(matrix_size + 1);
	if (!b)
		return -ENOMEM;
	if (matrix_size)
		memcpy(b, matrix_data, matrix_size);
	b[matrix_size] = '\0';
	*buf = b;
	*len = matrix_size;
	return 0;
}

static void check_selector(const struct topology *t, const struct selector *s)
{
	if (s->kind == SEL_SITE && s->site >= t->n_sites)
		fuzz_fail("selector site out of range", NULL);
	if (s->kind == SEL_GROUP &&
	    (s->n_sites == 0 || s->site + s->n_sites > t->n_sites))
		fuzz_fail("selector group out of range", NULL);
}

static void check_model(const struct topology *t)
{
	size_t i, nodes = 0;

	if (!t->name || !*t->name || t->n_sites == 0 || !t->sites)
		fuzz_fail("topology without name or sites", NULL);
	for (i = 0; i < t->n_sites; i++) {
		const struct site *s = &t->sites[i];

		if (!s->name || !*s->name)
			fuzz_fail("site without a name", NULL);
		if (s->parent != -1 &&
		    (s->parent < 0 || (size_t)s->parent >= t->n_sites))
			fuzz_fail("site parent out of range", s->name);
		nodes += s->n_nodes;
	}
	if (nodes != t->n_nodes)
		fuzz_fail("n_nodes is not the sum over sites", NULL);
	if (t->matrix && t->matrix->n != t->n_sites)
		fuzz_fail("matrix not in site order", NULL);
	for (i = 0; i < t->n_rules; i++) {
		check_selector(t, &t->rules[i].src);
		check_selector(t, &t->rules[i].dst);
	}
	for (i = 0; i < t->n_faults; i++) {
		const struct fault *f = &t->faults[i];
		size_t j;

		for (j = 0; j < f->n_sites; j++)
			if (f->sites[j] >= t->n_sites)
				fuzz_fail("fault site out of range", NULL);
		if (f->action == FAULT_SET) {
			check_selector(t, &f->src);
			check_selector(t, &f->dst);
		}
	}
}

/* What `enos up` computes from the model before it touches the kernel. */
static void check_small_world(const struct topology *t)
{
	struct shape_table tab = { 0 };
	struct world w = { 0 };
	size_t i;
	int rc;

	if (t->n_sites > 64 || t->n_nodes > 512)
		return;
	rc = plan_world(t, "efuzz", &w);
	if (rc && rc != -ENOMEM)
		fuzz_fail("a loaded topology has no address plan", NULL);
	plan_release(&w);
	rc = resolve_pairs(t, &tab);
	if (rc && rc != -ENOMEM)
		fuzz_fail("a loaded topology does not resolve", NULL);
	for (i = 0; !rc && i < t->n_faults; i++)
		if (t->faults[i].action == FAULT_SET &&
		    resolve_fault_set(t, &t->faults[i], &tab, NULL) == -EINVAL)
			fuzz_fail("a loaded set fault does not apply", NULL);
	shape_table_release(&tab);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nul = memchr(data, '\0', size);
	struct topology *t;
	char *text, *err = NULL;

	matrix_given = nul != NULL;
	matrix_data = nul ? nul + 1 : NULL;
	matrix_size = nul ? size - (size_t)(nul + 1 - data) : 0;
	text = fuzz_cstr(data, nul ? (size_t)(nul - data) : size);
	if (!text)
		return 0;
	t = topo_load_string(text, LABEL, "fuzz-dir", &err);
	if (t && err)
		fuzz_fail("a topology and a message", err);
	if (!t) {
		/* A matrix error names the matrix file, not the YAML. */
		fuzz_check_err(err, strstr(err ? err : "", "fuzz-dir/") == err ||
				    (err && err[0] == '/') ? NULL : LABEL);
		fuzz_check_printable(err);
	} else {
		check_model(t);
		check_small_world(t);
	}
	topo_free(t);
	free(err);
	free(text);
	return 0;
}
