/* fabric — the L2 switches of a world: the site LANs and the WAN.
 *
 * A fabric makes and removes the switches world.c joins veths to. Each is
 * one file exporting one struct fabric_ops: fabric_bridge.c (Linux
 * bridges, over link.c) and fabric_ovs.c (Open vSwitch, through ovs-vsctl
 * and ovs-ofctl). fabric.c is the registry, the one place that knows them
 * all and finds one by name; as for the node and shaping backends, the
 * name (`network.fabric`, the experiment's fabric column) is resolved
 * once and the pointer carried (world.fabric), and callers ask the ops
 * (needs, supported, drops) instead of comparing names. Operations take
 * whole lists so a backend that pays per command (OVS) can batch.
 * world.h names the switches; world_up() and world_down() call these.
 *
 * Every function returns 0 or a negative errno; removing what is already
 * gone is success.
 */
#ifndef EMULATOR_FABRIC_H
#define EMULATOR_FABRIC_H

#include <stdbool.h>
#include <stddef.h>

struct emu;
struct prefix;

/* One veth host end to attach to a switch. */
struct fabric_port {
	const char *bridge;
	const char *port;
};

struct fabric_ops {
	const char *name;
	/* Host daemons it needs (BACKEND_NEEDS_*, world.h). */
	unsigned needs;
	/* Can this host make these switches? Returns 0, or -ENOTSUP with
	 * WHY completing "network.fabric 'NAME' needs ..." ("Open vSwitch:
	 * ovs-vswitchd not found"). Quiet; probes the host. NULL: always. */
	int (*supported)(char *why, size_t len);
	/* true: world.c gives the bridge's ifindex as the master of each
	 * veth it creates (no separate attach step); false: veths are made
	 * without a master and attached by ports_add(). */
	bool master_at_create;
	/* true: the namespace ends of veths on this fabric need TX checksum
	 * offload off (the OVS userspace datapath leaves partial checksums
	 * unfilled, and TCP then fails silently). */
	bool ns_tx_csum_off;
	/* Make the switches NAMES[0..N), idempotently. */
	int (*bridges_add)(struct emu *emu, const char *const *names, size_t n);
	/* Attach PORTS[0..N) (links that exist) to their switches. */
	int (*ports_add)(struct emu *emu, const struct fabric_port *ports,
			 size_t n);
	/* Remove every switch whose name starts with TAG, with its ports. */
	int (*sweep)(struct emu *emu, const char *tag);
	/* Count the switches and ports whose name starts with TAG that the
	 * fabric still holds outside the kernel's link list (0 for Linux
	 * bridges, which are links). Returns the count or -errno. */
	int (*leftovers)(struct emu *emu, const char *tag);
	/* Make switch BRIDGE drop the IPv4 traffic bound for DSTS[0..N) and
	 * switch the rest, replacing the drop rules it had (N 0: none).
	 * NULL: the fabric has no such rules, so it cannot carry
	 * `network.partition: openflow`. */
	int (*drops)(const char *bridge, const struct prefix *dsts, size_t n);
	/* Detach PORT, a link about to be deleted (the VXLAN device of
	 * emulator/tunnel.h), from the switch that holds it; gone already is
	 * success. NULL: deleting the link detaches it (Linux bridges). */
	int (*port_del)(struct emu *emu, const char *port);
};

extern const struct fabric_ops fabric_bridge_ops;
extern const struct fabric_ops fabric_ovs_ops;

/* The fabric called NAME, or NULL. */
const struct fabric_ops *fabric_ops_find(const char *name);

/* Fabric I (0, 1, ...) of every fabric enos has, in the order the
 * topology language lists them (bridge, ovs), or NULL past the end. */
const struct fabric_ops *fabric_ops_at(size_t i);

#endif
