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

struct node_ops {
	const char *name;
	/* Host daemons its nodes need (BACKEND_NEEDS_*, world.h). */
	unsigned needs;
	/* Can this host run nodes of this backend? Returns 0, with WHY
	 * holding what the user should know first (empty if nothing), or
	 * -ENOTSUP with WHY completing "backend 'NAME' needs ..." ("libvirt's
	 * LXC driver: libvirtd not found ..."). Quiet; probes the host.
	 * NULL: always. */
	int (*supported)(char *why, size_t len);
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

/* The ops of backend NAME, or NULL if enos has no such backend. */
const struct node_ops *node_ops_find(const char *name);

/* Backend I (0, 1, ...) of every backend enos has, in the order the
 * topology language lists them (netns, lxc, qemu), or NULL past the end:
 * world_down() sweeps them all. */
const struct node_ops *node_ops_at(size_t i);

#endif
