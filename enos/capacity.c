/* capacity — will a world fit on this host; see capacity.h. */
#include "enos/capacity.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "emulator/node.h"
#include "emulator/node_netns.h"
#include "enos/deploy.h"

uint64_t capacity_site_memory(const struct topology *t, size_t site)
{
	const struct site *s = &t->sites[site];
	/* Every site's gateway is a namespace with two veths. */
	uint64_t bytes = NODE_NETNS_HOST_BYTES;
	size_t k;

	for (k = 0; k < s->n_nodes; k++) {
		const struct node_ops *ops = s->nodes[k].backend;

		bytes += ops->host_bytes;
		if (ops->reserves_memory)
			bytes += s->nodes[k].memory_bytes ? s->nodes[k].memory_bytes
							  : ops->default_memory;
	}
	return bytes;
}

void capacity_estimate_part(const struct topology *t, const size_t *host_of,
			    size_t host, struct capacity *c)
{
	const struct node_ops *ops;
	size_t i, k, b;

	memset(c, 0, sizeof(*c));
	for (i = 0; i < t->n_sites; i++) {
		if (host_of && host_of[i] != host)
			continue;
		c->sites++;
		c->memory += capacity_site_memory(t, i);
		for (k = 0; k < t->sites[i].n_nodes; k++) {
			const struct node_spec *n = &t->sites[i].nodes[k];

			ops = n->backend;
			c->nodes++;
			c->vcpus += (unsigned)(n->cpus ? n->cpus : ops->default_cpus);
			for (b = 0; b < CAPACITY_BACKENDS_MAX && node_ops_at(b); b++)
				if (node_ops_at(b) == ops)
					c->by_backend[b]++;
		}
	}
}

void capacity_estimate(const struct topology *t, struct capacity *c)
{
	capacity_estimate_part(t, NULL, 0, c);
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
	return capacity_check_named(c, "the world", avail, "available", cores,
				    msg, len);
}

int capacity_check_named(const struct capacity *c, const char *subject,
			 uint64_t avail, const char *avail_word, long cores,
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
	if (off < sizeof(what) && cores > 0)
		snprintf(what + off, sizeof(what) - off, "%zu gateway%s; %u virtual CPU%s on %ld core%s",
			 c->sites, c->sites == 1 ? "" : "s", c->vcpus,
			 c->vcpus == 1 ? "" : "s", cores, cores == 1 ? "" : "s");
	else if (off < sizeof(what))
		snprintf(what + off, sizeof(what) - off, "%zu gateway%s; %u virtual CPU%s",
			 c->sites, c->sites == 1 ? "" : "s", c->vcpus,
			 c->vcpus == 1 ? "" : "s");
	size_text(c->memory, need, sizeof(need));
	size_text(avail, have, sizeof(have));
	if (fits)
		snprintf(msg, len, "%s needs about %s of %s %s (%s)", subject,
			 need, have, avail_word, what);
	else
		snprintf(msg, len, "%s needs about %s but only %s is %s (%s)",
			 subject, need, have, avail_word, what);
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
