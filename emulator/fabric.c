/* fabric — the table of fabrics and lookup by name; see fabric.h. */
#include "emulator/fabric.h"

#include <string.h>

static const struct fabric_ops *const fabrics[] = {
	&fabric_bridge_ops,
	&fabric_ovs_ops,
};

const struct fabric_ops *fabric_ops_find(const char *name)
{
	size_t i;

	if (!name)
		return NULL;
	for (i = 0; i < sizeof(fabrics) / sizeof(fabrics[0]); i++)
		if (strcmp(fabrics[i]->name, name) == 0)
			return fabrics[i];
	return NULL;
}
