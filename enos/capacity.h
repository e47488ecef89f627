/* capacity — will a world fit on this host? An estimate of the memory and
 * virtual CPUs a topology's world takes, from each node backend's
 * measured figures (emulator/node.h: host_bytes, reserves_memory,
 * default_memory, default_cpus), compared with the host's available
 * memory and cores, as the stack's memory is (enos/deploy.c).
 *
 * `enos check` prints it (and says when the world does not fit); `enos up`
 * and `enos run` refuse a world that does not fit unless --overcommit.
 * A stack's services are counted by the stack's own estimate, not here.
 * Pure computation but for capacity_host(), which reads /proc/meminfo.
 */
#ifndef ENOS_CAPACITY_H
#define ENOS_CAPACITY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "enos/topo.h"

#define CAPACITY_BACKENDS_MAX 8

struct capacity {
	uint64_t memory;        /* bytes the world is expected to take */
	unsigned vcpus;         /* virtual CPUs of its nodes */
	size_t nodes;
	size_t sites;           /* one gateway namespace each */
	size_t by_backend[CAPACITY_BACKENDS_MAX];       /* per node_ops_at() */
};

/* The estimate for T into C. */
void capacity_estimate(const struct topology *t, struct capacity *c);

/* Does C fit in AVAIL bytes (MemAvailable)? 0 with MSG "the world needs
 * about 1.2 GiB of 20.0 GiB available (1000 netns nodes, 10 gateways)",
 * or -ENOMEM with MSG "the world needs about ... but only ... is
 * available (...)". CORES is only named in the message. */
int capacity_check(const struct capacity *c, uint64_t avail, long cores,
		   char *msg, size_t len);

/* More virtual CPUs than CORES? (A note: guests compete for the CPU.) */
bool capacity_cpus_over(const struct capacity *c, long cores);

/* This host's MemAvailable (bytes) and online cores. 0 or -errno. */
int capacity_host(uint64_t *avail, long *cores);

#endif
