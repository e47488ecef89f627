/* link — the rtnetlink requests of the namespace backend, on libnl-route-3.
 *
 * world.c and node_netns.c build bridges, veth pairs, addresses and routes
 * through these wrappers; each names the iproute2 command it stands for.
 * Requests go through a struct link_batch: they are sent at once (rtnetlink
 * handles a request inside sendmsg(), so the object exists when the call
 * returns) and their acknowledgements are collected by link_batch_flush(),
 * by a full batch, or never waited for one by one. A socket belongs to the
 * network namespace it was opened in, so in-namespace work opens its socket
 * while the calling thread is inside (netns.h).
 *
 * Every function returns 0 or a negative errno; libnl's -NLE_* codes are
 * translated by link_errno() and never leave this module.
 */
#ifndef EMULATOR_LINK_H
#define EMULATOR_LINK_H

#include <stdint.h>
#include <sys/types.h>

#include "emulator/addr.h"

struct nl_sock;

#define LINK_BATCH_MAX 64

/* Requests sent on SK whose acknowledgements are still unread. */
struct link_batch {
	struct nl_sock *sk;             /* borrowed */
	uint32_t group;                 /* device group of the links it makes */
	unsigned n;
	uint32_t seq[LINK_BATCH_MAX];
	int ok[LINK_BATCH_MAX];         /* errno that counts as success */
	int err;                        /* first failure, negative errno */
};

/* Translate a libnl error (-NLE_*) to a negative errno; 0 and positive
 * values pass through. */
int link_errno(int nlerr);

/* Open an rtnetlink socket in the calling thread's network namespace.
 * Returns 0 and *OUT (free with link_sock_close()), or -errno. */
int link_sock_open(struct nl_sock **out);

/* Close SK; accepts NULL. */
void link_sock_close(struct nl_sock *sk);

/* Start an empty batch on SK (borrowed); its links join the default
 * device group (0) until link_batch_group(). */
void link_batch_init(struct link_batch *b, struct nl_sock *sk);

/* Make the bridges and veths B creates from now on members of device
 * group GROUP (`ip link add ... group GROUP`), so link_group_del() can
 * remove them all at once; a veth's peer stays in group 0. */
void link_batch_group(struct link_batch *b, uint32_t group);

/* Read the acknowledgements of every pending request. Returns the first
 * failure since the last flush (negative errno) or 0, and clears it. */
int link_batch_flush(struct link_batch *b);

/* `ip link add NAME type bridge`, `ip link set NAME addrgenmode none`,
 * `ip link set NAME up`: L2 only, no IPv6 link-local address. STP stays
 * off (the kernel's default), so ports forward at once. */
int link_bridge_add(struct link_batch *b, const char *name);

/* `ip link add NAME master MASTER type veth peer name PEER netns TID`,
 * `ip link set NAME addrgenmode none`, `ip link set NAME up`: the peer is
 * created directly in the network namespace of thread TID (0: beside
 * NAME), down: the kernel configures the peer before it ties the pair, and
 * a veth cannot come up without its peer (veth_open(): -ENOTCONN), so
 * the peer is brought up from its namespace afterwards. MASTER 0: no
 * master. */
int link_veth_add(struct link_batch *b, const char *name, int master,
		  const char *peer, pid_t peer_tid);

/* `ip link set NAME addrgenmode none && ip link set NAME up`: no IPv6
 * link-local address, so no DAD or router solicitation noise. */
int link_up_quiet(struct link_batch *b, const char *name);

/* `ip link set NAME up` */
int link_up(struct link_batch *b, const char *name);

/* `ip link set NAME address MAC` (6 bytes). */
int link_mac_set(struct link_batch *b, const char *name, const uint8_t *mac);

/* `ip addr add ADDR/PLEN dev IFINDEX` */
int link_addr_add(struct link_batch *b, int ifindex, uint32_t addr,
		  uint8_t plen);

/* `ip route add DST via GW dev IFINDEX`; DST NULL: `default`. */
int link_route_add(struct link_batch *b, const struct prefix *dst,
		   uint32_t gw, int ifindex);

/* `ip link del NAME`; a link already gone is success. */
int link_del(struct link_batch *b, const char *name);

/* `ip link set NAME group GROUP`; a link already gone is success. */
int link_group_set(struct link_batch *b, const char *name, uint32_t group);

/* `ip link del group GROUP`: every link of the socket's namespace in
 * device group GROUP (not 0), with the peers of its veths wherever they
 * are, goes in one request and one unregistration: the kernel then waits
 * for RCU once for them all instead of once per link (it still waits once
 * per bridge for the bridge's multicast state). No such link is success. */
int link_group_del(struct link_batch *b, uint32_t group);

/* `ethtool -K NAME tx off` in the calling thread's network namespace
 * (the ETHTOOL_STXCSUM ioctl): no TX checksum offload, and with it the
 * kernel drops TSO, so every packet leaves with a full checksum. */
int link_tx_csum_off(const char *name);

/* `ip link show NAME` in SK's namespace: its index into *IFINDEX,
 * -ENODEV if none. Asks with an ioctl on SK, so requests of a batch on
 * SK may be pending. */
int link_index(struct nl_sock *sk, const char *name, int *ifindex);

/* One link of a dump; NAME is valid during the callback only. */
struct link_info {
	int ifindex;
	const char *name;
	int master;                     /* 0: none */
	uint32_t group;                 /* device group, 0 by default */
};

/* Called for each link of a dump; a nonzero return stops the dump and is
 * returned by link_dump(). */
typedef int (*link_dump_fn)(void *arg, const struct link_info *li);

/* `ip -o link show | grep '^[0-9]*: PREFIX'`: call FN for every link of
 * SK's namespace whose name starts with PREFIX ("": every link). Returns
 * 0, FN's nonzero value, -errno, or -EAGAIN if the kernel flagged the dump
 * as inconsistent (links came or went meanwhile; FN has seen a partial
 * list). */
int link_dump(struct nl_sock *sk, const char *prefix, link_dump_fn fn,
	      void *arg);

#endif
