/* world — the concrete world of one experiment, as the kernel will hold it.
 *
 * enos turns a topology into a struct world (names, addresses, which object
 * goes where) before touching the kernel and records it in the state
 * database; world_up() then builds it and world_down() removes it. Both work
 * from this description alone, so `down` after a crash needs only what was
 * recorded plus a sweep of the experiment's tag.
 *
 * Naming. Kernel interface names have at most 15 characters, so host-side
 * links are named TAG + kind letter + index, TAG being WORLD_TAG_LEN
 * characters unique per experiment ("e" + 4 base-36 characters):
 *   TAG "w"         the WAN fabric bridge
 *   TAG "b" S       site S's LAN bridge
 *   TAG "g" S       host end of gateway S's LAN port
 *   TAG "u" S       host end of gateway S's WAN port
 *   TAG "v" N       host end of node N's veth
 * Each of these links is in the world's device group (world_group()).
 * Network namespaces are bound under /run/netns as "enos.EXP.NODE" for nodes
 * and "enos.EXP.gw.SITE" for gateways ('.' cannot appear in a YAML name, so
 * the prefix "enos.EXP." belongs to one experiment), which lets users run
 * `ip netns exec enos.fog3.paris-1 ...`. Inside a node the interface is
 * "eth0"; inside a gateway "lan0" and "wan0".
 */
#ifndef EMULATOR_WORLD_H
#define EMULATOR_WORLD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "emulator/addr.h"

#define WORLD_TAG_LEN   5
/* A world's host links are in device group WORLD_GROUP_BASE + the number
 * its tag spells in base 36 (world_group()). */
#define WORLD_GROUP_BASE 0x40000000u
#define WORLD_IFNAMSIZ  16
#define WORLD_NETNS_MAX 96
#define WORLD_SHARED_MAX 4

struct emu;
struct fabric_ops;
struct node_ops;

/* Host daemons a backend needs, as node_ops and fabric_ops declare them
 * in their `needs`: the driver starts (and records) them before it builds
 * a world that uses the backend, and stops or hands them over once no
 * recorded world needs them. (What needs code to find out, such as a
 * libvirt driver or a kernel module, is each ops' `supported`; a shaping
 * backend's engine is its shape_ops start/stop.) */
#define BACKEND_NEEDS_LIBVIRT (1u << 0) /* virtlogd and libvirtd (virt.h) */
#define BACKEND_NEEDS_OVS     (1u << 1) /* ovsdb-server and ovs-vswitchd
					 * (fabric_ovs.h) */

struct world_site {
	const char *name;               /* YAML name, borrowed */
	const char *role;               /* "central", ..., borrowed */
	struct prefix lan;              /* its LAN block */
	uint32_t gw_lan_addr;           /* first host of lan */
	uint32_t gw_wan_addr;           /* on the WAN transit network */
	char lan_bridge[WORLD_IFNAMSIZ];
	char gw_lan_host[WORLD_IFNAMSIZ];
	char gw_wan_host[WORLD_IFNAMSIZ];
	char gw_netns[WORLD_NETNS_MAX];
	/* Its `lan` is shaped (shape_ops.lan): by netem on its LAN bridge
	 * ports, or, lan_engine, by the WAN engine, which is then its
	 * switch: the host ends of its nodes and of its gateway's LAN port
	 * are left on no bridge (wand opens them, see emulator/wand.h
	 * `lan`). Not recorded: set from the topology (plan_lan), so
	 * whether a site has a `lan` is fixed at up. */
	bool lan_shaped;
	bool lan_engine;
	/* Built by another host of a world spread over several (issue 14):
	 * named and routed to like the others, but world_up() makes nothing
	 * of it here (no LAN bridge, no gateway), and the world handed to it
	 * holds none of its nodes. */
	bool remote;
};

struct world_node {
	const char *name;               /* YAML name, borrowed */
	size_t site;                    /* index into world.sites */
	/* Its backend, resolved once: by plan_world() from the topology, or
	 * from the recorded name when a world is loaded. Never NULL in a
	 * world handed to world_up(). */
	const struct node_ops *ops;
	unsigned cpus;                  /* 0: the backend's default */
	/* Its profile (enos/topo.h): 0 is no limit. memory_bytes is also
	 * an lxc or qemu node's memory (0: the backend's default). */
	uint32_t cpu_milli;             /* host cores x 1000 */
	uint64_t memory_bytes;
	uint64_t pids;
	const char *profile;            /* its profile's name, borrowed; NULL */
	uint32_t addr;
	char host_if[WORLD_IFNAMSIZ];
	char netns[WORLD_NETNS_MAX];
};

/* How the gateways' WAN ports are joined: on the WAN bridge (plain, or
 * shaped by netem on each wan0), or left for the wand engine, which opens
 * every host end and is the WAN switch itself (no WAN bridge is made).
 * The shaping backend says which (shape_ops.wan_mode). */
enum wan_mode { WAN_BRIDGE, WAN_WAND };

struct world {
	const char *name;               /* experiment name, borrowed */
	enum wan_mode wan_mode;
	/* The switches (fabric.h); NULL: Linux bridges. With WAN_WAND only
	 * the site LANs are switches. */
	const struct fabric_ops *fabric;
	char tag[WORLD_TAG_LEN + 1];
	char wan_bridge[WORLD_IFNAMSIZ];
	struct prefix wan;              /* 198.19.0.0/16 */
	struct world_site *sites;
	size_t n_sites;
	struct world_node *nodes;
	size_t n_nodes;
	/* Absolute host directories that container nodes see read-write at
	 * the same path (the experiment's service and results directories,
	 * which stacks fill from the host); NULL-terminated, borrowed. */
	const char *shared[WORLD_SHARED_MAX + 1];
};

/* W's fabric: W->fabric, or the Linux bridge one if that is NULL. */
const struct fabric_ops *world_fabric(const struct world *w);

/* What W's node backends and fabric need of the host: the union of their
 * BACKEND_NEEDS_* bits. */
unsigned world_needs(const struct world *w);

/* Progress of a long step: PHASE ("nodes", "sites", ...), DONE of TOTAL. */
typedef void (*world_progress_fn)(void *arg, const char *phase, size_t done,
				  size_t total);

/* The tag for experiment NAME with collision salt SALT (0 first): "e" and 4
 * base-36 characters of a hash. Writes WORLD_TAG_LEN + 1 bytes to TAG. */
void world_tag(const char *name, unsigned salt, char *tag);

/* The device group of W's host links (`ip link show group N`): one per
 * tag, so `ip link del group N` removes them all in one request; 0 if
 * W->tag is not a tag. */
uint32_t world_group(const struct world *w);

/* Fill every name of W from W->name, W->tag and the site and node names
 * already set, and the addresses from the sites' lan blocks. */
void world_name(struct world *w);

/* The netns prefix of experiment NAME ("enos.NAME."), into BUF. */
const char *world_netns_prefix(const char *name, char *buf, size_t len);

/* Build W: bridges, gateways, nodes, addresses, routes. On failure returns
 * a negative errno and leaves what was built for world_down() to remove
 * (the caller recorded W before calling). PROGRESS may be NULL. */
int world_up(struct emu *emu, const struct world *w,
	     world_progress_fn progress, void *arg);

/* Called by world_ready() about every 200 ms with how many of the TOTAL
 * nodes that have something to wait for are READY; a nonzero return
 * (a negative errno, e.g. -EINTR) stops the wait with that value. */
typedef int (*world_ready_fn)(void *arg, size_t ready, size_t total);

/* Wait until every node of the freshly built W whose backend has a
 * ready op (a VM's guest) is usable, all at once, for at most WAIT_MS.
 * TICK (may be NULL) follows progress and may stop the wait. Returns 0
 * (at once if no node has anything to wait for), -ETIMEDOUT with the
 * first node that was not ready and what its backend knows (a console
 * tail) in emu_errmsg(), TICK's value, or the first -errno a backend
 * returned. Nothing is removed: the caller rolls back. */
int world_ready(struct emu *emu, const struct world *w, int wait_ms,
		world_ready_fn tick, void *arg);

/* Remove everything of W: what its fabric and node backends keep, every
 * link whose name starts with W->tag (in one request through W's device
 * group, unless a link of another owner is in that group) and every
 * namespace under /run/netns starting with the experiment's netns prefix
 * (on several threads); returns once no such link or name is left (the
 * kernel frees the emptied namespaces afterwards). Objects already gone
 * are success; a failure to remove one is reported after the rest are
 * gone. W->sites/nodes may be empty: the sweep alone cleans up after a
 * crash that lost the plan. Returns 0 or -errno. */
int world_down(struct emu *emu, const struct world *w,
	       world_progress_fn progress, void *arg);

/* Count the kernel objects of W that still exist (links with W->tag, and
 * namespaces with its prefix). Returns the count or -errno. */
int world_leftovers(struct emu *emu, const struct world *w);

#endif
