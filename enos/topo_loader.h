/* topo_loader — the state the topology loader's files share (private to
 * enos/topo*.c; the model is enos/topo.h).
 *
 * The loader is split by what it reads, in the order it reads it:
 *   topo.c          the entry points, the top level, stack and workload,
 *                   the model's names and free
 *   topo_profiles.c resource profiles and the limits a node is given
 *   topo_sites.c    sites and nodes as written, count expansion, the
 *                   site namespace (names, counted bases, selectors), the
 *                   address plan, parents, node names
 *   topo_network.c  network: fabric, shaping, constraint blocks
 *                   (emulator/constraint.c), the matrix file, rules
 *   topo_faults.c   the faults timeline
 *   topo_hosts.c    hosts, placement and each site's host
 * Each walks the YAML document with util/yload.h, so every value is
 * checked where it is read and every error points at it.
 */
#ifndef ENOS_TOPO_LOADER_H
#define ENOS_TOPO_LOADER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <yaml.h>

#include "enos/topo.h"
#include "util/yload.h"

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

#define MATRIX_FILE_MAX (256u << 20)
/* A site LAN and the WAN are Linux bridges, which hold at most 1024 ports
 * (BR_MAX_PORTS): a site's nodes plus its gateway, and one gateway per
 * site on the WAN. */
#define NODES_MAX       1023
#define SITES_MAX       1024
#define CPUS_MAX        1024
#define TIMELINE_MAX_US (30ull * 86400 * 1000000)
#define MEMORY_MAX      (1024ull << 30)         /* 1024GiB */
/* A node's memory: below this nothing enos starts there would run. */
#define MEMORY_MIN      (4ull << 20)            /* 4MiB */
#define PROFILES_MAX    1024
/* The kernel's PID_MAX_LIMIT: pids.max cannot usefully be more. */
#define PIDS_MAX        4194304

/* The values of the enums of the model, as the file writes them (topo.c). */
extern const char *const topo_role_names[ROLE_EDGE + 1];
extern const char *const topo_partition_names[PARTITION_OPENFLOW + 1];

/* A site as written, before `count` expands it. */
struct topo_group {
	const char *name;               /* owned by the document */
	const yaml_node_t *name_node;
	enum site_role role;
	const struct node_ops *backend;
	const struct profile *profile;  /* `profile:`, NULL if none */
	const yaml_node_t *profile_at;
	const yaml_node_t *parent;      /* NULL if none */
	const yaml_node_t *nodes;       /* NULL if absent (one node) */
	size_t count;
	bool counted;                   /* count given and >= 2 */
	size_t n_nodes;
	struct node_spec *list;         /* list form; moved to the site */
	bool has_lan;
	struct constraint lan;
	const yaml_node_t *lan_at;      /* its `lan` value, NULL if none */
	const yaml_node_t *host;        /* `host:`, NULL if absent */
	size_t first;                   /* its first site in topology.sites */
};

/* A name in the site namespace: a site, or the base of a counted group. */
struct topo_entry {
	const char *name;
	size_t site;                    /* first site */
	size_t n_sites;                 /* > 1 for a base */
	bool base;
	struct src_pos pos;
	size_t order;                   /* file order, for duplicates */
};

struct topo_loader {
	struct yload y;                 /* the document and the first error */
	const char *dir;                /* resolves the matrix file */
	struct topology *t;
	struct topo_group *groups;
	size_t n_groups;
	struct topo_entry *index;       /* sorted by name */
	size_t n_index;
	const char **names;             /* index names, for suggestions */
};

/* ---- topo_profiles.c ---- */

/* `profiles` (N): each profile's limits, into L->t->profiles. */
int topo_profiles_load(struct topo_loader *L, const yaml_node_t *n);

/* The profile named by the string N (key KEY): "unknown profile 'x' (did
 * you mean 'y'?)" otherwise. */
int topo_profiles_ref(struct topo_loader *L, const yaml_node_t *n,
		      const struct profile **out);

/* The limits a mapping writes: VALS of its cpu, memory and pids keys (each
 * may be NULL) into *CPU_MILLI, *MEMORY_OUT and *PIDS_OUT where given (the others
 * untouched). */
int topo_profiles_limits(struct topo_loader *L, const yaml_node_t *cpu,
			 const yaml_node_t *memory, const yaml_node_t *pids,
			 uint32_t *cpu_milli, uint64_t *memory_out,
			 uint64_t *pids_out);

/* Refuse limits node backend OPS cannot apply: each of CPU_MILLI, MEMORY
 * and PIDS that is set must be in OPS->limits, else an error at AT[0..3)
 * (where that limit was written). */
int topo_profiles_check(struct topo_loader *L, const struct node_ops *ops,
			uint32_t cpu_milli, uint64_t memory, uint64_t pids,
			const yaml_node_t *const at[3]);

/* ---- topo_network.c ---- */

/* Refuse a site's `lan` that the world could not apply (after sites and
 * network): a shaping backend that cannot shape a lan (shape_ops.lan:
 * none), a VM node on such a site (a lan is shaped on veth ports, not a
 * VM's tap), or `partition: openflow` unless netem shapes (the wand
 * engine replaces the LAN bridge its drop rules are on). FILE:LINE:COL at
 * the lan. */
int topo_lan_check(struct topo_loader *L);

/* ---- topo_sites.c ---- */

/* `sites` (N, its key KEY): groups, count expansion, names, addresses,
 * parents, nodes. Fills L->t's sites and L's site namespace. */
int topo_sites_load(struct topo_loader *L, const yaml_node_t *n,
		    const yaml_node_t *key);

/* Sort V[0..N) by name and find the duplicate whose second occurrence
 * comes first in the file: fills *FIRST and *DUP and returns true. */
bool topo_sites_duplicate(struct topo_entry *v, size_t n,
			  struct topo_entry *first, struct topo_entry *dup);

/* The site or counted base called NAME, or NULL. */
const struct topo_entry *topo_sites_lookup(const struct topo_loader *L,
					   const char *name);

/* The site name or base closest to NAME, for a did-you-mean, or NULL. */
const char *topo_sites_suggest(const struct topo_loader *L, const char *name);

/* A site name or counted base for KEY; "unknown WHAT 'x'" otherwise. */
int topo_sites_ref(struct topo_loader *L, const yaml_node_t *n,
		   const char *key, const char *what,
		   const struct topo_entry **out);

/* A selector for KEY: a site, a counted base, role:ROLE or *. */
int topo_sites_selector(struct topo_loader *L, const yaml_node_t *n,
			const char *key, struct selector *sel);

/* ---- topo_network.c ---- */

/* `network` (N): fabric, shaping, partition, default, matrix, rules. */
int topo_network_load(struct topo_loader *L, const yaml_node_t *n);

/* KEYS[0..N_OWN) followed by the constraint keys, into OUT (room for
 * N_OWN + CK_N). Returns OUT. */
const char **topo_network_keys(const char **out, const char *const *keys,
			       size_t n_own);

/* The constraint block within mapping MAP: values VALS and keys K in enum
 * constraint_key order (from yload_map over topo_network_keys). */
int topo_network_constraint(struct topo_loader *L, const yaml_node_t *map,
			    const yaml_node_t *const *vals,
			    const yaml_node_t *const *k, struct constraint *c);

/* A rule or a set fault (WHAT: "constraint", "fault 'set'") between the
 * selectors SRC and DST, written at nodes SRC_N and DST_N: refused when
 * both select the same one site, since it would shape no pair (rules
 * apply between different sites). */
int topo_network_pair_check(struct topo_loader *L, const char *what,
			    const yaml_node_t *src_n, const struct selector *src,
			    const yaml_node_t *dst_n, const struct selector *dst);

/* ---- topo_hosts.c ---- */

/* `hosts` (N): names, addresses, ssh destinations, libvirt URIs. */
int topo_hosts_load(struct topo_loader *L, const yaml_node_t *n);

/* `placement` (N, its key KEY; both NULL if absent) and each site's
 * `host:`, after the sites: resolves the names and refuses what cannot
 * be placed (a host without `hosts:`, a site with no host among several
 * and no automatic placement). */
int topo_hosts_place(struct topo_loader *L, const yaml_node_t *n,
		     const yaml_node_t *key);

/* ---- topo_faults.c ---- */

/* `faults` (N): the timeline, in file order. */
int topo_faults_load(struct topo_loader *L, const yaml_node_t *n);

/* The backends the file names, resolved through the emulator's registries
 * (emulator/node.c, fabric.c, shape.c), whose names in registry order are
 * what a message lists (topo.c). A shaping of "auto" is NULL. */
int topo_get_backend(struct topo_loader *L, const yaml_node_t *n,
		     const struct node_ops **out);
int topo_get_fabric(struct topo_loader *L, const yaml_node_t *n,
		    const struct fabric_ops **out);
int topo_get_shaping(struct topo_loader *L, const yaml_node_t *n,
		     const struct shape_ops **out);

#endif
