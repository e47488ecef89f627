/* topo — the topology model (schema v1) and its YAML loader.
 *
 * A topology file describes one experiment: its sites and nodes, the WAN
 * between the sites (defaults, a measured matrix, constraint rules), a fault
 * timeline, and the stack and workload to deploy. topo_load() parses and
 * validates the whole file before anything else runs, so the rest of enos
 * only ever sees a consistent model: site `count` replicas are expanded, node
 * lists are filled in, parents and selectors are resolved, the matrix file is
 * read, and the address plan is known to fit.
 *
 * Errors are one allocated message "FILE:LINE:COL: what is wrong" pointing at
 * the offending value (see tests/fixtures/bad/).
 */
#ifndef ENOS_TOPO_H
#define ENOS_TOPO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "emulator/constraint.h"  /* struct constraint */
#include "util/yamldoc.h"       /* struct src_pos */

#define TOPO_NAME_MAX 32        /* experiment, site and node names */
/* Constraint rules and faults a topology may hold, counted after YAML
 * aliases: each costs up to a pass over every site pair when the WAN is
 * resolved (enough for a rule per ordered pair of 128 sites; a measured
 * matrix gives every pair its delay at once). */
#define TOPO_RULES_MAX  16384
#define TOPO_FAULTS_MAX 16384
/* Hosts a world may span: each pair is a tunnel and a base RTT to
 * measure. */
#define TOPO_HOSTS_MAX  64

/* The backends a topology names are resolved by the loader through the
 * emulator's registries (emulator/node.h, fabric.h, shape.h): the model
 * carries their ops, never their names. */
struct node_ops;
struct fabric_ops;
struct shape_ops;
struct ci_spec;
struct trace;

enum site_role { ROLE_CENTRAL, ROLE_REGIONAL, ROLE_EDGE };
/* How `enos fault partition` cuts: by the shaping backend, or by OpenFlow
 * drop rules on the switches (needs a fabric with drops: ovs). */
enum partition_kind { PARTITION_SHAPING, PARTITION_OPENFLOW };
enum matrix_kind { MATRIX_RTT, MATRIX_DELAY };
/* WAN faults (partition, heal, set) act on sites; node faults (cpu ...
 * stress, enos/nodefault.h) on one node. FAULT_THAW ends a node's freeze
 * as FAULT_HEAL ends partitions. */
enum fault_action { FAULT_PARTITION, FAULT_HEAL, FAULT_SET, FAULT_CPU,
		    FAULT_MEMORY, FAULT_FREEZE, FAULT_THAW, FAULT_CRASH,
		    FAULT_STRESS };

/* SEL_GROUP: the base name of a counted site ("edge" with count 3) selects
 * all its replicas, sites [site, site + n_sites). */
enum selector_kind { SEL_SITE, SEL_ROLE, SEL_ALL, SEL_GROUP };

struct selector {
	enum selector_kind kind;
	size_t site;            /* SEL_SITE, SEL_GROUP: index into topology.sites */
	enum site_role role;    /* SEL_ROLE */
	struct src_pos pos;
	size_t n_sites;         /* SEL_GROUP: how many replicas (site is the first) */
};

struct constraint_rule {
	struct selector src;
	struct selector dst;
	struct constraint con;
	bool symmetric;
	struct src_pos pos;
	/* `trace: {file, loop}` (emulator/trace.h), or NULL: the pairs'
	 * delay (half the trace's RTT each way) and, with a loss column,
	 * their loss follow it over time; con then gives neither. */
	struct trace *trace;
	char *trace_path;       /* as resolved (relative to the YAML file) */
	struct src_pos trace_pos;       /* of the `trace` key */
};

/* A resource profile (`profiles:`): what one node may take from the
 * host. 0 is no limit. */
struct profile {
	char *name;
	uint32_t cpu_milli;     /* thousandths of a host core */
	uint64_t memory_bytes;
	uint64_t pids;
	struct src_pos pos;     /* of its name */
};

struct node_spec {
	char *name;             /* unique across the topology */
	const struct node_ops *backend;
	int cpus;               /* virtual CPUs; 0 = backend default */
	/* Its limits: the site's profile, then the node's, then its own
	 * cpu/memory/pids keys, key by key. memory_bytes is also an lxc or
	 * qemu node's memory (0 = backend default). */
	uint32_t cpu_milli;     /* host cores x 1000; 0 = no limit */
	uint64_t memory_bytes;
	uint64_t pids;          /* 0 = no limit */
	const char *profile;    /* its profile's name (the topology's), or NULL */
	struct src_pos pos;
};

struct site {
	char *name;
	long host;              /* sites[].host: index into topology.hosts,
				 * -1 when not written (placed by
				 * enos/placement.c) */
	struct src_pos host_pos;
	enum site_role role;
	long parent;            /* index into topology.sites, -1 if none */
	const struct node_ops *backend; /* default for its nodes */
	struct node_spec *nodes;
	size_t n_nodes;
	bool has_lan;
	struct constraint lan;  /* intra-site link */
	struct src_pos lan_pos; /* of its `lan` value (has_lan) */
	struct src_pos pos;     /* of the site's name */
	struct src_pos nodes_pos;
	char *base;             /* counted sites: the name before expansion
				 * ("edge" for edge-3), else NULL */
};

/* A measured matrix, reordered to topology site order at load time. */
struct matrix {
	char *path;             /* as resolved (relative to the YAML file) */
	enum matrix_kind kind;
	size_t n;               /* == topology.n_sites */
	double *ms;             /* n * n, row = from, column = to: the file's
				 * cells in ms, NaN for sites it does not
				 * cover. MATRIX_RTT: the pair's target RTT is
				 * (ms[a][b] + ms[b][a]) / 2, half each way;
				 * the constraint resolver does that. */
};

struct fault {
	enum fault_action action;
	uint64_t at_us;
	bool has_for;
	uint64_t for_us;        /* partition: healed after this long */
	size_t *sites;          /* partition/heal: the set cut from the rest */
	size_t n_sites;
	struct selector src;    /* set */
	struct selector dst;
	struct constraint con;
	/* A node fault: its node (the topology's) and amount (cpu: host
	 * cores x 1000; memory: bytes; stress: workers). for_us also ends
	 * a cpu, memory, freeze or stress. */
	const struct node_spec *node;
	uint64_t amount;
	struct src_pos pos;
};

struct kv {
	char *key;
	char *value;
};

/* One parameter of a workload as written (`times: 100`): checked later
 * against the workload's own options (workloads/workload.h), which needs
 * the stack for a workload a stack declares; its positions make that
 * message FILE:LINE:COL. */
struct workload_param {
	char *key;
	char *value;
	struct src_pos key_pos;
	struct src_pos pos;     /* of the value */
};

/* One entry of `workload:` (a mapping, or a list of them run in order):
 * its name (a workload built into enos, or one the stack declares) and
 * every other key, in file order. */
struct workload_spec {
	char *name;
	struct src_pos pos;     /* of the name's value */
	struct workload_param *params;
	size_t n_params;
};

/* One machine of a world spread over several (issue 14): `hosts:`. The
 * controlling enos reaches it by running `enos host` over ssh
 * (enos/host.h, docs/HOST-PROTOCOL.md). */
struct topo_host {
	char *name;
	char *address;          /* IPv4 or IPv6 literal: the underlay end of
				 * its tunnels */
	char *ssh;              /* ssh destination: [USER@]HOST or
				 * ssh://[USER@]HOST[:PORT]; default the
				 * address */
	char *libvirt;          /* its libvirt URI, NULL if not given */
	char *enos;             /* the enos program there, default "enos"
				 * (found in its PATH) */
	uint64_t memory_bytes;  /* declared memory for placement, 0 if not */
	struct src_pos pos;     /* of its name */
};

/* How sites without `host:` go to hosts. */
enum placement_mode {
	PLACEMENT_NONE,         /* every site names its host (or one host) */
	PLACEMENT_BALANCE,      /* {auto: balance}: enos/placement.c */
};

struct topology {
	char *path;
	char *name;
	bool has_seed;
	uint64_t seed;

	struct profile *profiles;       /* in file order */
	size_t n_profiles;

	struct site *sites;     /* count-expanded, in file order */
	size_t n_sites;
	size_t n_nodes;         /* over all sites */

	/* No hosts: the world lives on this host, as before issue 14. */
	struct topo_host *hosts;
	size_t n_hosts;
	enum placement_mode placement;
	struct src_pos placement_pos;

	const struct fabric_ops *fabric;
	const struct shape_ops *shaping;        /* NULL: auto */
	enum partition_kind partition;
	struct constraint defaults;
	struct matrix *matrix;  /* NULL if none */
	struct constraint_rule *rules;
	size_t n_rules;

	struct fault *faults;
	size_t n_faults;

	char *stack_name;       /* NULL if no stack */
	char *stack_strategy;
	struct workload_spec *workloads;        /* run in order */
	size_t n_workloads;

	struct ci_spec *ci;     /* `ci:` (enos/ci.h), parsed; NULL if none */
};

/* Parse and validate the topology file at PATH. Returns the model, or NULL
 * with *err set to an allocated "FILE:LINE:COL: message" (caller frees). */
struct topology *topo_load(const char *path, char **err);

/* Same, from a string; LABEL names it in messages and DIR resolves relative
 * paths (the matrix file). */
struct topology *topo_load_string(const char *text, const char *label,
				  const char *dir, char **err);

void topo_free(struct topology *t);

const char *topo_role_name(enum site_role r);

/* A node's limits as written after `cpu:` ("0.25": host cores) or
 * `memory:` ("256MiB"), with the rules of profiles (0.01 to CPUS_MAX
 * cores; 4MiB to 1024GiB), for the YAML and `enos fault` alike. 0, or
 * -EINVAL with *ERR an allocated message ("cpu 0 is out of range (0.01
 * to 1024 host cores)"), or -ENOMEM. */
int topo_cpu_parse(const char *text, uint32_t *milli, char **err);
int topo_memory_parse(const char *text, uint64_t *bytes, char **err);
/* S's name, "auto" for NULL (static). */
const char *topo_shaping_name(const struct shape_ops *s);
/* "shaping", "openflow" (static). */
const char *topo_partition_name(enum partition_kind p);

/* Index of the site called NAME, or -1. */
long topo_site_index(const struct topology *t, const char *name);

/* Index of the host called NAME, or -1. */
long topo_host_index(const struct topology *t, const char *name);

/* Does a constraint rule of T follow a trace? */
bool topo_has_traces(const struct topology *t);

/* Does selector SEL match site index SITE? */
bool topo_selector_matches(const struct topology *t,
			   const struct selector *sel, size_t site);

#endif
