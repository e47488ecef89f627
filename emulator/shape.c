/* shape — the backend-independent part of WAN shaping: the per-pair
 * parameter table and the lookup of a backend by name. The backends are
 * shape_<name>.c, each exporting one struct shape_ops (see shape.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "emulator/shape.h"

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
	if (!t->p || !t->cut) {
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
	memset(t, 0, sizeof(*t));
}

/* The backends by name. The netem backend (shape_netem.c) adds
 * &shape_netem_ops here. */
static const struct shape_ops *const backends[] = {
	&shape_netem_ops,
	&shape_wand_ops,
};

const struct shape_ops *shape_ops_find(const char *name)
{
	size_t i;

	if (!name)
		return NULL;
	for (i = 0; i < sizeof(backends) / sizeof(backends[0]); i++)
		if (strcmp(backends[i]->name, name) == 0)
			return backends[i];
	return NULL;
}
