/* capacity — will a world fit on this host; see capacity.h. */
#include "enos/capacity.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "emulator/node.h"
#include "emulator/node_netns.h"
#include "enos/deploy.h"

/* Count node N's profile into C. */
static void add_profile(struct capacity *c, const struct node_spec *n)
{
	if (n->cpu_milli || n->memory_bytes || n->pids)
		c->limited++;
	if (n->cpu_milli) {
		c->cpu_milli += n->cpu_milli;
		if (!c->max_cpu || n->cpu_milli > c->max_cpu->cpu_milli)
			c->max_cpu = n;
	}
	/* An lxc or qemu node's memory is its size, a profile or not. */
	if (n->memory_bytes) {
		c->limit_memory += n->memory_bytes;
		if (!c->max_memory ||
		    n->memory_bytes > c->max_memory->memory_bytes)
			c->max_memory = n;
	}
}

/* Node N's virtual CPUs: its cpus, else as many as its profile's cpu needs
 * whole (node_qemu.c), else its backend's default. */
static unsigned node_vcpus(const struct node_spec *n)
{
	const struct node_ops *ops = n->backend;

	if (n->cpus)
		return (unsigned)n->cpus;
	if (ops->default_cpus && n->cpu_milli)
		return (unsigned)((n->cpu_milli + 999) / 1000);
	return (unsigned)ops->default_cpus;
}

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
			c->vcpus += node_vcpus(n);
			add_profile(c, n);
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

/* " (profile 'rpi4')" for N, or "". */
static const char *profile_of(const struct node_spec *n, char *buf,
			      size_t len)
{
	if (n->profile)
		snprintf(buf, len, " (profile '%s')", n->profile);
	else
		buf[0] = '\0';
	return buf;
}

int capacity_profiles(const struct capacity *c, uint64_t avail, long cores,
		      char *msg, size_t len)
{
	char mem[32], have[32], prof[TOPO_NAME_MAX + 16];
	double cpu = (double)c->cpu_milli / 1000;
	bool cpu_over = cores > 0 && c->cpu_milli > (uint64_t)cores * 1000;
	bool mem_over = c->limit_memory > avail;

	msg[0] = '\0';
	if (!c->limited && !c->max_memory)
		return 0;
	if (c->max_cpu && cores > 0 &&
	    c->max_cpu->cpu_milli > (uint64_t)cores * 1000) {
		snprintf(msg, len, "node '%s'%s asks for %g cores but this host has %ld",
			 c->max_cpu->name, profile_of(c->max_cpu, prof, sizeof(prof)),
			 c->max_cpu->cpu_milli / 1000.0, cores);
		return -E2BIG;
	}
	if (c->max_memory && c->max_memory->memory_bytes > avail) {
		snprintf(msg, len, "node '%s'%s asks for %s but this host has %s available",
			 c->max_memory->name,
			 profile_of(c->max_memory, prof, sizeof(prof)),
			 size_text(c->max_memory->memory_bytes, mem, sizeof(mem)),
			 size_text(avail, have, sizeof(have)));
		return -E2BIG;
	}
	size_text(c->limit_memory, mem, sizeof(mem));
	size_text(avail, have, sizeof(have));
	snprintf(msg, len, "%zu node%s with a profile: %g of %ld cores%s, %s of %s available%s",
		 c->limited, c->limited == 1 ? "" : "s", cpu, cores,
		 cpu_over ? " (overcommitted)" : "", mem, have,
		 mem_over ? " (overcommitted)" : "");
	return cpu_over || mem_over ? 1 : 0;
}

int capacity_host(uint64_t *avail, long *cores)
{
	unsigned long long bytes = 0;
	int rc = deploy_mem_available("/proc/meminfo", &bytes);

	*avail = bytes;
	*cores = sysconf(_SC_NPROCESSORS_ONLN);
	return rc;
}
