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
	/* The nodes' profiles (topo.h): what they may take at most, summed
	 * over the nodes that declare it, and the largest node of each. */
	size_t limited;                 /* nodes with any limit */
	uint64_t cpu_milli;             /* host cores x 1000 */
	uint64_t limit_memory;          /* bytes */
	const struct node_spec *max_cpu;        /* NULL: no cpu limit */
	const struct node_spec *max_memory;     /* NULL: no memory limit */
};

/* The estimate for T into C. */
void capacity_estimate(const struct topology *t, struct capacity *c);

/* The estimate for the part of T on host HOST: the sites I with
 * HOST_OF[I] == HOST (enos/placement.h); every site if HOST_OF is NULL. */
void capacity_estimate_part(const struct topology *t, const size_t *host_of,
			    size_t host, struct capacity *c);

/* The memory site SITE of T takes: its gateway and its nodes, as
 * capacity_estimate counts them (what placement balances). */
uint64_t capacity_site_memory(const struct topology *t, size_t site);

/* Does C fit in AVAIL bytes (MemAvailable)? 0 with MSG "the world needs
 * about 1.2 GiB of 20.0 GiB available (1000 netns nodes, 10 gateways)",
 * or -ENOMEM with MSG "the world needs about ... but only ... is
 * available (...)". CORES is only named in the message. */
int capacity_check(const struct capacity *c, uint64_t avail, long cores,
		   char *msg, size_t len);

/* capacity_check's test and message about SUBJECT ("its part") against
 * AVAIL described as AVAIL_WORD ("declared"); CORES <= 0 leaves the cores
 * out of the message. */
int capacity_check_named(const struct capacity *c, const char *subject,
			 uint64_t avail, const char *avail_word, long cores,
			 char *msg, size_t len);

/* More virtual CPUs than CORES? (A note: guests compete for the CPU.) */
bool capacity_cpus_over(const struct capacity *c, long cores);

/* C's profiles against the host (AVAIL bytes, CORES): 0 when they fit,
 * with MSG "3 nodes with a profile: 0.75 of 2 cores, 1.1 GiB of 20.0 GiB
 * available"; 1 when their sum overcommits the host (MSG says which:
 * cores, memory or both, and by how much; limits are ceilings, so this
 * is a warning); -E2BIG when one node alone asks for more than the host
 * has (MSG names it and its profile: `up` refuses it without
 * --overcommit). MSG is "" when no node has a profile. */
int capacity_profiles(const struct capacity *c, uint64_t avail, long cores,
		      char *msg, size_t len);

/* This host's MemAvailable (bytes) and online cores. 0 or -errno. */
int capacity_host(uint64_t *avail, long *cores);

#endif
