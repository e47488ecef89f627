/* fabric — the registry of fabrics: the one place that knows every fabric
 * and finds one by name; see fabric.h. */
#include "emulator/fabric.h"

#include <string.h>

/* Every fabric, in the order messages list them (the topology loader's
 * "expected bridge or ovs"). */
static const struct fabric_ops *const fabrics[] = {
	&fabric_bridge_ops,
	&fabric_ovs_ops,
};

const struct fabric_ops *fabric_ops_at(size_t i)
{
	if (i >= sizeof(fabrics) / sizeof(fabrics[0]))
		return NULL;
	return fabrics[i];
}

const struct fabric_ops *fabric_ops_find(const char *name)
{
	const struct fabric_ops *ops;
	size_t i;

	for (i = 0; name && (ops = fabric_ops_at(i)); i++)
		if (strcmp(ops->name, name) == 0)
			return ops;
	return NULL;
}
