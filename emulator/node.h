/* node — the node backends behind one interface.
 *
 * Each backend is one file exporting one struct node_ops (node_netns.c,
 * node_lxc.c, node_qemu.c); node.c is the registry, the one place that
 * knows them all and looks them up by name. A name (`backend: lxc` in a
 * topology, a node's backend column in the state database) is resolved
 * to its ops once, by the topology loader or when a world is loaded, and
 * from then on the pointer is carried (world_node.ops): callers ask the
 * ops what they can do (start, spawn, ready, netns_empty, needs,
 * supported) and never compare names.
 *
 * Every world_up() builds each node's namespace the same way
 * (node_netns.h), whatever its backend, then calls the backend's start;
 * world_down() calls every registered backend's sweep.
 */
#ifndef EMULATOR_NODE_H
#define EMULATOR_NODE_H

#include <stdbool.h>
#include <stdint.h>

#include "emulator/world.h"

/* The limits of a node's profile (enos/topo.h) a backend applies, as
 * node_ops.limits declares them; the topology loader refuses the others
 * where they are written. */
#define NODE_LIMIT_CPU    (1u << 0)
#define NODE_LIMIT_MEMORY (1u << 1)
#define NODE_LIMIT_PIDS   (1u << 2)

/* What a process forked by a caller (rather than by the backend's exec or
 * spawn) needs to join a node's limits before it execs: filled by
 * node_ops.join_prepare, used in the child by node_join_child(). */
#define NODE_JOIN_MAX 5
struct node_join {
	int fds[NODE_JOIN_MAX];
	size_t n;               /* 0: nothing to join */
};

struct node_ops {
	const char *name;
	/* What of a profile it applies (NODE_LIMIT_*): netns through a
	 * cgroup per node (cgroup.h), lxc and qemu through libvirt. */
	unsigned limits;
	/* Host daemons its nodes need (BACKEND_NEEDS_*, world.h). */
	unsigned needs;
	/* Can this host run nodes of this backend? Returns 0, with WHY
	 * holding what the user should know first (empty if nothing), or
	 * -ENOTSUP with WHY completing "backend 'NAME' needs ..." ("libvirt's
	 * LXC driver: libvirtd not found ..."). Quiet; probes the host.
	 * NULL: always. */
	int (*supported)(char *why, size_t len);
	/* Can this host apply a profile of CPU_MILLI, MEMORY, PIDS (0: not
	 * set) to a node of this backend? 0, or -ENOTSUP with WHY
	 * completing "this host has no ..." (netns: a cgroup controller).
	 * NULL: whatever `limits` declares. */
	int (*limits_supported)(uint32_t cpu_milli, uint64_t memory,
				uint64_t pids, char *why, size_t len);
	/* Create node N of W and attach it to its site's LAN bridge. */
	int (*create)(struct emu *emu, const struct world *w,
		      const struct world_node *n);
	/* Start node N inside the network namespace node_netns_build() has
	 * made for it (world_up() builds every namespace first, then calls
	 * this for many nodes at once from several threads). NULL: the
	 * namespace is the node. Returns 0 or -errno, the detail in
	 * emu_errmsg(). */
	int (*start)(struct emu *emu, const struct world *w,
		     const struct world_node *n);
	/* Remove node N; already gone is success. */
	int (*destroy)(struct emu *emu, const struct world *w,
		       const struct world_node *n);
	/* Run ARGV inside node N, wait, and store its exit status in the
	 * shell's convention (128 + signal) in *STATUS. Returns 0 if the
	 * command could be started, else -errno (-ENOENT: no such program). */
	int (*exec)(struct emu *emu, const struct world_node *n,
		    char *const argv[], int *status);
	/* Start ARGV inside node N in the background, in a session of its
	 * own, with stdin from /dev/null, stdout to OUT_FD and stderr to
	 * ERR_FD (the same descriptor for one log; a workload reads its
	 * stdout from a pipe); store in *PID the pid the host sees (the one
	 * to signal). Returns 0 or -errno; -ENOTSUP where the backend cannot
	 * (a VM). NULL: the backend has no services. */
	int (*spawn)(struct emu *emu, const struct world_node *n,
		     char *const argv[], int out_fd, int err_fd, int *pid);
	/* Prepare J for a child the caller forks itself in node N's network
	 * namespace (a workload's client, such as iperf3 -c) to join N's
	 * limits (netns: its cgroup) with node_join_child() before it
	 * execs; exec and spawn do this themselves. Returns 0 (J empty when
	 * N has no profile) or -errno, the detail in emu_errmsg(); release J
	 * with node_join_release(). NULL: nothing to join. */
	int (*join_prepare)(struct emu *emu, const struct world_node *n,
			    struct node_join *j);
	/* Is node N usable yet (a VM: has its guest booted)? Waits up to
	 * WAIT_MS. Returns 1 ready, 0 not yet (with what is known, such as
	 * the tail of a console log, in WHY), or -errno. Called from
	 * several threads at once, so it leaves emu_errmsg() alone. NULL:
	 * usable once start has returned. */
	int (*ready)(struct emu *emu, const struct world_node *n, int wait_ms,
		     char *why, size_t why_len);
	/* Remove every object this backend made for experiment W->name,
	 * found by name (W->tag, "enos.EXP." prefixes), so that a crash
	 * that lost the plan leaves nothing either; already gone is
	 * success. NULL: nothing beyond links and namespaces, which
	 * world_down() sweeps itself. */
	int (*sweep)(struct emu *emu, const struct world *w);
	/* How many such objects of W exist. NULL: none. */
	int (*leftovers)(struct emu *emu, const struct world *w);
	/* Node faults (enos/nodefault.c: `enos fault cpu|memory|freeze|
	 * crash` and the timeline), on running node N of W. Each returns 0
	 * or -errno with the detail in emu_errmsg(); NULL: this backend
	 * cannot (the fault is refused, saying so).
	 * set_limits: its cpu and memory limits now CPU_MILLI and MEMORY,
	 * 0 as in a profile (no limit; an lxc or qemu node: its cpus whole,
	 * the memory it started with). netns: its cgroup's quota and memory
	 * limit; lxc and qemu: libvirt's schedinfo and setmem. */
	int (*set_limits)(struct emu *emu, const struct world *w,
			  const struct world_node *n, uint32_t cpu_milli,
			  uint64_t memory);
	/* freeze: stop (FROZEN true) or resume every process of N at once:
	 * netns its cgroup's freezer, lxc and qemu libvirt's suspend. */
	int (*freeze)(struct emu *emu, const struct world *w,
		      const struct world_node *n, bool frozen);
	/* kill_all: SIGKILL every process of N (netns: each pid its cgroup
	 * holds; lxc: its container's, the init kept), *KILLED how many. */
	int (*kill_all)(struct emu *emu, const struct world *w,
			const struct world_node *n, size_t *killed);
	/* What one node takes from the host, for the capacity estimate of
	 * `enos check` and `up` (enos/capacity.c): HOST_BYTES beyond the
	 * processes a stack runs in it (its kernel objects, its backend's
	 * processes; measured by `make bench-backends`, see README), plus,
	 * when RESERVES_MEMORY, its configured memory (node_spec's, else
	 * DEFAULT_MEMORY): a VM's RAM is the guest's to fill, a container's
	 * limit only a ceiling. Its virtual CPUs: node_spec's cpus, else
	 * DEFAULT_CPUS (0: it has none of its own). */
	uint64_t host_bytes;
	bool reserves_memory;
	uint64_t default_memory;
	int default_cpus;
	/* The node's namespace is an empty marker, its network stack is
	 * elsewhere (a VM behind a tap): whatever must run on the node's
	 * network (the RTT probe) cannot enter the namespace instead. */
	bool netns_empty;
};

extern const struct node_ops node_netns_ops;
extern const struct node_ops node_lxc_ops;
extern const struct node_ops node_qemu_ops;

/* In a forked child, before exec: join what J holds. Only write(2), so
 * safe after fork() in a threaded parent. 0 or -errno. */
int node_join_child(const struct node_join *j);

/* Close J's descriptors (in the parent, after fork); J may be empty. */
void node_join_release(struct node_join *j);

/* The ops of backend NAME, or NULL if enos has no such backend. */
const struct node_ops *node_ops_find(const char *name);

/* Backend I (0, 1, ...) of every backend enos has, in the order the
 * topology language lists them (netns, lxc, qemu), or NULL past the end:
 * world_down() sweeps them all. */
const struct node_ops *node_ops_at(size_t i);

#endif
