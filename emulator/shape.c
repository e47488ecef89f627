/* shape — the backend-independent part of WAN shaping: the per-pair
 * parameter table, and the registry of backends (the one place that knows
 * them all and finds one by name). The backends are shape_<name>.c, each
 * exporting one struct shape_ops (see shape.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "emulator/shape.h"
#include "emulator/trace.h"

int shape_table_init(struct shape_table *t, size_t n)
{
	int rc = 0;

	memset(t, 0, sizeof(*t));
	if (n && n > SIZE_MAX / n / sizeof(struct link_params)) {
		rc = -ENOMEM;
		goto out;
	}
	t->p = calloc(n ? n * n : 1, sizeof(*t->p));
	t->cut = calloc(n ? n * n : 1, sizeof(*t->cut));
	t->lan = calloc(n ? n : 1, sizeof(*t->lan));
	if (!t->p || !t->cut || !t->lan) {
		rc = -ENOMEM;
		goto out;
	}
	t->n = n;
out:
	if (rc)
		shape_table_release(t);
	return rc;
}

void shape_table_release(struct shape_table *t)
{
	if (!t)
		return;
	free(t->p);
	free(t->cut);
	free(t->lan);
	free(t->tr);
	memset(t, 0, sizeof(*t));
}

int shape_table_traces(struct shape_table *t)
{
	if (!t->tr)
		t->tr = calloc(t->n ? t->n * t->n : 1, sizeof(*t->tr));
	return t->tr ? 0 : -ENOMEM;
}

bool shape_table_traced(const struct shape_table *t)
{
	size_t i;

	for (i = 0; t->tr && i < t->n * t->n; i++)
		if (t->tr[i].trace && (t->tr[i].delay || t->tr[i].loss))
			return true;
	return false;
}

void shape_params_at(const struct shape_table *t, size_t src, size_t dst,
		     uint64_t offset_us, struct link_params *p)
{
	const struct shape_trace *st = t->tr ? &t->tr[src * t->n + dst] : NULL;
	const struct trace_step *step;

	*p = *shape_at(t, src, dst);
	if (!st || !st->trace)
		return;
	step = &st->trace->steps[trace_index_at(st->trace, offset_us, NULL)];
	if (st->delay)
		p->delay_us = step->delay_us;
	if (st->loss)
		p->loss_pct = step->loss_pct;
}

int shape_table_at(const struct shape_table *t, uint64_t offset_us,
		   struct shape_table *out)
{
	size_t s, d;

	*out = *t;
	out->p = malloc(t->n * t->n * sizeof(*out->p));
	if (!out->p)
		return -ENOMEM;
	for (s = 0; s < t->n; s++)
		for (d = 0; d < t->n; d++)
			shape_params_at(t, s, d, offset_us, shape_at(out, s, d));
	return 0;
}

/* Every backend, in the order messages list them (the topology loader's
 * "expected auto, netem, wand or none") and `shaping: auto` tries them. */
static const struct shape_ops *const backends[] = {
	&shape_netem_ops,
	&shape_wand_ops,
	&shape_none_ops,
};

const struct shape_ops *shape_ops_at(size_t i)
{
	if (i >= sizeof(backends) / sizeof(backends[0]))
		return NULL;
	return backends[i];
}

const struct shape_ops *shape_ops_find(const char *name)
{
	const struct shape_ops *ops;
	size_t i;

	for (i = 0; name && (ops = shape_ops_at(i)); i++)
		if (strcmp(ops->name, name) == 0)
			return ops;
	return NULL;
}
