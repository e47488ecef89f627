/* capacity — will a world fit on this host; see capacity.h. */
#include "enos/capacity.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "emulator/node.h"
#include "emulator/node_netns.h"
#include "enos/deploy.h"

void capacity_estimate(const struct topology *t, struct capacity *c)
{
	const struct node_ops *ops;
	size_t i, k, b;

	memset(c, 0, sizeof(*c));
	c->sites = t->n_sites;
	/* Every site's gateway is a namespace with two veths. */
	c->memory = (uint64_t)t->n_sites * NODE_NETNS_HOST_BYTES;
	for (i = 0; i < t->n_sites; i++) {
		for (k = 0; k < t->sites[i].n_nodes; k++) {
			const struct node_spec *n = &t->sites[i].nodes[k];

			ops = n->backend;
			c->nodes++;
			c->memory += ops->host_bytes;
			if (ops->reserves_memory)
				c->memory += n->memory_bytes ? n->memory_bytes :
					     ops->default_memory;
			c->vcpus += (unsigned)(n->cpus ? n->cpus : ops->default_cpus);
			for (b = 0; b < CAPACITY_BACKENDS_MAX && node_ops_at(b); b++)
				if (node_ops_at(b) == ops)
					c->by_backend[b]++;
		}
	}
}

/* BYTES in MiB or GiB, one decimal, into BUF. */
static const char *size_text(uint64_t bytes, char *buf, size_t len)
{
	if (bytes >= (10ull << 30))
		snprintf(buf, len, "%.1f GiB", (double)bytes / (1ull << 30));
	else
		snprintf(buf, len, "%.1f MiB", (double)bytes / (1ull << 20));
	return buf;
}

int capacity_check(const struct capacity *c, uint64_t avail, long cores,
		   char *msg, size_t len)
{
	const struct node_ops *ops;
	char need[32], have[32], what[256];
	size_t b, off = 0;
	int fits = c->memory <= avail;

	what[0] = '\0';
	for (b = 0; b < CAPACITY_BACKENDS_MAX && (ops = node_ops_at(b)); b++)
		if (c->by_backend[b] && off < sizeof(what))
			off += (size_t)snprintf(what + off, sizeof(what) - off,
						"%zu %s node%s, ", c->by_backend[b],
						ops->name,
						c->by_backend[b] == 1 ? "" : "s");
	if (off < sizeof(what))
		snprintf(what + off, sizeof(what) - off, "%zu gateway%s; %u virtual CPU%s on %ld core%s",
			 c->sites, c->sites == 1 ? "" : "s", c->vcpus,
			 c->vcpus == 1 ? "" : "s", cores, cores == 1 ? "" : "s");
	size_text(c->memory, need, sizeof(need));
	size_text(avail, have, sizeof(have));
	if (fits)
		snprintf(msg, len, "the world needs about %s of %s available (%s)",
			 need, have, what);
	else
		snprintf(msg, len, "the world needs about %s but only %s is available (%s)",
			 need, have, what);
	return fits ? 0 : -ENOMEM;
}

bool capacity_cpus_over(const struct capacity *c, long cores)
{
	return cores > 0 && (long)c->vcpus > cores;
}

int capacity_host(uint64_t *avail, long *cores)
{
	unsigned long long bytes = 0;
	int rc = deploy_mem_available("/proc/meminfo", &bytes);

	*avail = bytes;
	*cores = sysconf(_SC_NPROCESSORS_ONLN);
	return rc;
}
