/* node — the registry of node backends: the one place that knows every
 * backend and finds one by name; see node.h. */
#include "emulator/node.h"

#include <string.h>
#include <unistd.h>

#include "emulator/cgroup.h"

/* Every backend, in the order messages list them (the topology loader's
 * "expected netns, lxc or qemu"). */
static const struct node_ops *const node_backends[] = {
	&node_netns_ops,
	&node_lxc_ops,
	&node_qemu_ops,
};

const struct node_ops *node_ops_at(size_t i)
{
	if (i >= sizeof(node_backends) / sizeof(node_backends[0]))
		return NULL;
	return node_backends[i];
}

const struct node_ops *node_ops_find(const char *name)
{
	const struct node_ops *ops;
	size_t i;

	for (i = 0; name && (ops = node_ops_at(i)); i++)
		if (strcmp(name, ops->name) == 0)
			return ops;
	return NULL;
}

int node_join_child(const struct node_join *j)
{
	return cgroup_procs_join(j->fds, j->n);
}

void node_join_release(struct node_join *j)
{
	cgroup_procs_close(j->fds, j->n);
	j->n = 0;
}
