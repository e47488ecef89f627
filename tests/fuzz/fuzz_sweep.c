/* fuzz_sweep — libFuzzer harness of the sweep file loader (enos/sweep.c:
 * the sweep language, axis paths, the expansion, the seeds and the order,
 * over util/yload.c, util/yamldoc.c and the topology loader it validates
 * every point with), what `enos check SWEEP` runs before anything is up.
 *
 * The input is the sweep file's text, then optionally a NUL byte and the
 * topology file's text, then optionally a NUL byte and the bytes of the
 * one matrix file the topology may name. No file is read: the link
 * replaces fs_read_file by the wrapper below (-Wl,--wrap=fs_read_file),
 * whose first call in an input (the topology the sweep names, whatever
 * path it gives) gets the topology's bytes and every later call (the
 * matrix file, read again for each point) the matrix's; a part that is
 * absent reads as "No such file".
 *
 * Contract checked: a sweep or a message, never both; a message starts
 * with the sweep's label or the topology's path (FILE:LINE:COL) and holds
 * no control byte; a loaded sweep is consistent (its points the product
 * of its axes' values, each axis's path in canonical form a fixed point
 * of sweep_path_parse, a label and a rendered text for each point); and
 * for a small sweep (at most 16 points, 256 pairs) what `enos check`
 * runs: every point validated through the topology loader, the plan a
 * permutation of every (point, repetition) pair with each pair's seed,
 * the first step a rebuild, and the `ci:` section (enos/ci.h) loaded or
 * refused with a message.
 */
#include <errno.h>

#include "enos/ci.h"
#include "enos/sweep.h"
#include "tests/fuzz/fuzz.h"

#define LABEL "fuzz.yaml"
#define SMALL_POINTS 16
#define SMALL_PAIRS 256

/* The current input's parts after the sweep text; calls of the reader. */
static const uint8_t *part[2];
static size_t part_size[2];
static int part_given[2];
static unsigned reads;

int __wrap_fs_read_file(const char *path, size_t max, char **buf,
			size_t *len);
int __wrap_fs_read_file(const char *path, size_t max, char **buf,
			size_t *len)
{
	unsigned i = reads++ ? 1 : 0;
	char *b;

	(void)path;
	if (!part_given[i])
		return -ENOENT;
	if (part_size[i] > max)
		return -EFBIG;
	b = malloc(part_size[i] + 1);
	if (!b)
		return -ENOMEM;
	if (part_size[i])
		memcpy(b, part[i], part_size[i]);
	b[part_size[i]] = '\0';
	*buf = b;
	*len = part_size[i];
	return 0;
}

/* Split DATA at its first two NUL bytes: the sweep's text (returned,
 * allocated), then the topology and the matrix parts. */
static char *split(const uint8_t *data, size_t size)
{
	const uint8_t *nul = memchr(data, 0, size);
	size_t n = nul ? (size_t)(nul - data) : size, i;

	for (i = 0; i < 2; i++)
		part_given[i] = 0;
	reads = 0;
	for (i = 0; i < 2 && nul; i++) {
		const uint8_t *from = nul + 1, *end = data + size;

		nul = i == 0 ? memchr(from, 0, (size_t)(end - from)) : NULL;
		part[i] = from;
		part_size[i] = (size_t)((nul ? nul : end) - from);
		part_given[i] = 1;
	}
	return fuzz_cstr(data, n);
}

static void check_err(const char *err, const char *topo_label)
{
	if (!err || !*err)
		fuzz_fail("refused without a message", NULL);
	if (strncmp(err, LABEL, strlen(LABEL)) != 0 &&
	    (!topo_label || strncmp(err, topo_label, strlen(topo_label)) != 0) &&
	    strcmp(err, "out of memory") != 0)
		fuzz_fail("message names neither file", err);
	fuzz_check_printable(err);
}

static void check_axes(const struct sweep *s)
{
	size_t i, n = 1;

	if (!s->name || !*s->name || !s->topo_path || !s->topo_text ||
	    !s->exp || s->n_axes == 0 || s->n_axes > SWEEP_AXES_MAX)
		fuzz_fail("sweep without name, topology or axes", NULL);
	if (s->repeat < 1 || s->repeat > SWEEP_REPEAT_MAX)
		fuzz_fail("repeat out of range", NULL);
	if (s->hash != sweep_hash(s->text, s->topo_text))
		fuzz_fail("hash is not of the two texts", NULL);
	for (i = 0; i < s->n_axes; i++) {
		const struct sweep_axis *a = &s->axes[i];
		struct sweep_path p = { 0 };
		char *why = NULL;
		size_t at = 0;
		int rc;

		if (a->n_values == 0 || a->n_values > SWEEP_VALUES_MAX ||
		    !a->path.text || a->path.n == 0)
			fuzz_fail("axis without path or values", NULL);
		n *= a->n_values;
		rc = sweep_path_parse(a->path.text, &p, &at, &why);
		if (rc == 0 && strcmp(p.text, a->path.text))
			fuzz_fail("canonical path reads back otherwise",
				  a->path.text);
		if (rc && rc != -ENOMEM)
			fuzz_fail("canonical path does not parse", a->path.text);
		if (rc == 0 && sweep_path_action(&p) != a->action)
			fuzz_fail("action differs on the canonical path",
				  a->path.text);
		free(why);
		sweep_path_release(&p);
	}
	if (n != s->n_points || n > SWEEP_POINTS_MAX ||
	    n * s->repeat > SWEEP_PAIRS_MAX)
		fuzz_fail("points are not the product of the axes", NULL);
}

/* What enos check runs on a sweep it loaded: validate, plan. */
static void check_small(const struct sweep *s)
{
	struct sweep_pair *pairs = NULL;
	unsigned char *seen;
	size_t n = 0, i, total = s->n_points * s->repeat;
	char *err = NULL, *text = NULL;
	int rc;

	if (s->n_points > SMALL_POINTS || total > SMALL_PAIRS)
		return;
	for (i = 0; i < s->n_points; i++) {
		char *label = sweep_point_label(s, i);

		if (label && !*label)
			fuzz_fail("empty point label", NULL);
		free(label);
	}
	rc = sweep_validate(s, NULL, NULL, &err);
	if (rc == -EINVAL)
		check_err(err, s->topo_path);
	else if (rc && rc != -ENOMEM)
		fuzz_fail("validate: unexpected code", NULL);
	free(err);
	err = NULL;
	if (rc == 0) {
		/* A validated point renders. */
		/* Not ABSOLUTE: that asks realpath(3) of the host. */
		rc = sweep_point_text(s, 0, sweep_pair_seed(s->seed, 0, 0),
				      false, &text, &err);
		if (rc && rc != -ENOMEM)
			fuzz_fail("a validated point does not render", err);
		free(text);
		free(err);
	}
	if (sweep_plan(s, &pairs, &n))
		return;
	if (n != total)
		fuzz_fail("plan is not every pair", NULL);
	seen = calloc(total ? total : 1, 1);
	if (!seen) {
		free(pairs);
		return;
	}
	for (i = 0; i < n; i++) {
		const struct sweep_pair *p = &pairs[i];
		size_t k;

		if (p->point >= s->n_points || p->rep >= s->repeat)
			fuzz_fail("plan: pair out of range", NULL);
		k = p->point * s->repeat + p->rep;
		if (seen[k]++)
			fuzz_fail("plan: a pair twice", NULL);
		if (p->seed != sweep_pair_seed(s->seed, p->point, p->rep))
			fuzz_fail("plan: pair's seed", NULL);
		if (i == 0 ? p->action != SWEEP_REBUILD :
		    p->action != sweep_step_action(s, pairs[i - 1].point,
						   p->point))
			fuzz_fail("plan: step action", NULL);
	}
	free(seen);
	free(pairs);
}

/* The `ci:` section as enos ci reads it from the sweep file. */
static void check_ci(struct sweep *s)
{
	struct ci_spec spec = { 0 };
	struct yload *L = &s->y;
	int rc;

	if (!s->ci)
		return;
	rc = ci_load(L, s->ci, &spec);
	if (rc == -EINVAL)
		check_err(L->err, NULL);
	else if (rc && rc != -ENOMEM)
		fuzz_fail("ci: unexpected code", NULL);
	ci_spec_release(&spec);
	free(L->err);
	L->err = NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sweep *s;
	char *text = split(data, size), *err = NULL;

	if (!text)
		return 0;
	(void)sweep_sniff(text, strlen(text));
	s = sweep_load_string(text, LABEL, NULL, &err);
	if (s && err)
		fuzz_fail("a sweep and a message", err);
	if (!s) {
		/* The topology's own messages name its path, whatever the
		 * sweep said it was: any label, then ':'. */
		if (!err || !*err)
			fuzz_fail("refused without a message", NULL);
		if (strncmp(err, LABEL ":", strlen(LABEL) + 1) != 0 &&
		    strcmp(err, "out of memory") != 0 && !strchr(err, ':'))
			fuzz_fail("message without a position", err);
		fuzz_check_printable(err);
	} else {
		check_axes(s);
		check_small(s);
		check_ci(s);
	}
	sweep_free(s);
	free(err);
	free(text);
	return 0;
}
