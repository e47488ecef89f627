/* node_netns — internals of the netns node backend shared with world.c,
 * which builds many nodes at once. The public face is node_netns_ops
 * (node.h). */
#ifndef EMULATOR_NODE_NETNS_H
#define EMULATOR_NODE_NETNS_H

#include "emulator/world.h"

struct nl_sock;

/* The interface of a node inside its namespace. */
#define NODE_NETNS_IF "eth0"

/* Kernel memory one namespace node takes from the host: its namespace,
 * its veth pair and bridge port, addresses and routes (measured: see
 * README, "Security and permissions"). Every node has one, whatever its
 * backend, and so has every site's gateway. */
#define NODE_NETNS_HOST_BYTES (256ull << 10)

/* Build node N of W in the calling thread, which must be in the host
 * namespace (EMU's) and returns there: `ip netns add N->netns`, a veth
 * N->host_if (master LAN_INDEX, up, in W's device group, IPv6 off) whose
 * peer eth0 is made inside, then inside: lo up, eth0 up without an IPv6 link-local
 * address, N->addr on eth0, a default route via the site's gateway.
 * HOST_SK is an rtnetlink socket of the host namespace, used by this
 * thread only. Returns 0 or -errno, leaving what was built. */
int node_netns_build(const struct emu *emu, struct nl_sock *host_sk,
		     const struct world *w, const struct world_node *n,
		     int lan_index);

#endif
