/* tunnel — one host's part of a world's WAN joined to the other hosts'
 * parts by VXLAN (docs/MULTIHOST.md, "Joining the WAN by VXLAN"), the path
 * MTU the tunnel rides on, and the arithmetic of both.
 *
 * Kernel VXLAN, no tunnel of enos's own. On each host one device
 *   ip link add TAGx group G type vxlan id VNI local ADDR dstport 4789 \
 *       nolearning df set
 *   ip link set TAGx mtu INNER addrgenmode none up
 * and for each other host (head-end replication of broadcasts: ARP)
 *   bridge fdb append 00:00:00:00:00:00 dev TAGx dst OTHER self permanent
 * With a WAN bridge (netem, or no shaping: wan_mode WAN_BRIDGE) TAGx is a
 * port of it (`ip link set TAGx master TAGw`); with the wand engine
 * (WAN_WAND) it is on no bridge: the engine opens it as one more packet
 * socket and forwards cross-host pairs through it (wand.h, "Several
 * hosts"). With `fabric: ovs` TAGx is an ordinary port of the OVS WAN
 * bridge (the fabric's ports_add: `ovs-vsctl add-port TAGw TAGx`), not
 * one OVS `type=vxlan` port per peer: without the openvswitch kernel
 * module (this project's reference kernel) OVS runs its userspace
 * datapath, whose tunnel ports encapsulate in userspace and need the
 * underlay address on an OVS bridge with the host's NIC in it (OVS's
 * "userspace tunneling": br-phy, its own route and ARP tables), i.e. OVS
 * taking over the host's own network. The kernel device needs nothing of
 * the host but its address.
 *
 * TAGx is in the experiment's device group (world_group()), so `down`'s
 * one `ip link del group` removes it with the rest; tunnel_leave() is the
 * same for one host part on its own.
 *
 * The calls work in the calling thread's network namespace: the host's
 * own (enos host), or a test's "host" namespace that the thread entered.
 * Every function returns 0 or a negative errno and never prints.
 */
#ifndef EMULATOR_TUNNEL_H
#define EMULATOR_TUNNEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct emu;
struct fabric_ops;
struct world;

#define TUNNEL_PORT        4789  /* IANA VXLAN */
#define TUNNEL_OVERHEAD_V4 50    /* outer IPv4 20 + UDP 8 + VXLAN 8 + Ethernet 14 */
#define TUNNEL_OVERHEAD_V6 70    /* outer IPv6 40 + UDP 8 + VXLAN 8 + Ethernet 14 */
#define TUNNEL_PEERS_MAX   64
#define TUNNEL_MTU_MIN     576   /* smallest inner MTU enos accepts: below
				  * it IPv4 hosts may not send a datagram */
#define TUNNEL_VNI_MAX     0xffffffu

/* One other host: its name (messages only) and underlay address, an IPv4
 * or IPv6 literal of the same family as the local one. */
struct tunnel_peer {
	const char *host;
	const char *addr;
};

/* A static forwarding entry: the WAN MAC of a gateway on another host,
 * behind peer PEER (an index into tunnel_spec.peers). Optional: without
 * them unicast to a remote gateway is learned from its ARP replies. */
struct tunnel_mac {
	uint8_t mac[6];
	size_t peer;
};

struct tunnel_spec {
	const char *tag;                /* the experiment's tag: the device
					 * is TAG "x", in world_group's group */
	uint32_t vni;                   /* 1 .. TUNNEL_VNI_MAX: tunnel_vni() */
	const char *local;              /* this host's underlay address */
	const struct tunnel_peer *peers;
	size_t n_peers;                 /* 1 .. TUNNEL_PEERS_MAX */
	const struct tunnel_mac *macs;  /* may be NULL */
	size_t n_macs;
	unsigned mtu;                   /* inner MTU of TAGx (and of the OVS
					 * ports); 0: the kernel's default
					 * (underlay device MTU - overhead) */
	/* The WAN attachment: the WAN bridge TAGw to enslave TAGx to
	 * (WAN_BRIDGE), or NULL with the wand engine (WAN_WAND: the engine
	 * opens TAGx itself). */
	const char *bridge;
	/* The world's fabric (NULL: Linux bridges). Asked, never compared:
	 * master_at_create says whether TAGx is made with BRIDGE as its
	 * master or added by the fabric's ports_add. */
	const struct fabric_ops *fabric;
};

/* The VXLAN network identifier of tag TAG: 1 + the number its 4 base-36
 * characters spell (the same number as world_group()'s), so two recorded
 * experiments, whose tags differ, never share a VNI, and a tag re-salted
 * on a collision re-salts its VNI with it. 0 if TAG is not a tag. */
uint32_t tunnel_vni(const char *tag);

/* The tunnel device's name TAG "x" into BUF (at least 16 bytes).
 * Returns BUF, or NULL if TAG is not a tag. */
const char *tunnel_ifname(const char *tag, char *buf, size_t len);

/* The VXLAN overhead for an underlay address ADDR (IPv4: 50, IPv6: 70),
 * 0 if ADDR is no address literal. */
unsigned tunnel_overhead(const char *addr);

/* The inner MTU over a path of PATH_MTU bytes to a peer at ADDR: PATH_MTU
 * minus the overhead. Returns 0 and *INNER, -EINVAL if ADDR is no
 * address, or -EMSGSIZE if the result would be below TUNNEL_MTU_MIN. */
int tunnel_inner_mtu(unsigned path_mtu, const char *addr, unsigned *inner);

/* The smallest inner MTU over N paths: MTUS[i] to peer ADDRS[i]; the
 * inner MTU of a world spread over several hosts. Same returns. */
int tunnel_inner_mtu_min(const unsigned *mtus, const char *const *addrs,
			 size_t n, unsigned *inner);

/* Check SPEC as tunnel_join() would use it (tag, VNI, addresses of one
 * family, no peer twice or equal to local, MTU). Returns 0 or -EINVAL
 * with a message in WHY (may be NULL). Pure. */
int tunnel_spec_check(const struct tunnel_spec *spec, char *why, size_t len);

/* Join this host's part of the WAN to the other hosts' (above). On
 * failure what it made is removed again. An existing TAGx is replaced, so
 * joining twice is joining once with the second spec. Returns 0 or
 * -errno (-EINVAL: see tunnel_spec_check(); -EADDRNOTAVAIL: LOCAL is not
 * an address of this namespace; the detail in emu_errmsg()). */
int tunnel_join(struct emu *emu, const struct tunnel_spec *spec);

/* Undo tunnel_join() for TAG: detach TAGx from FABRIC's switch if the
 * fabric has a port_del op (OVS; NULL FABRIC: Linux bridges), then delete
 * it (its fdb entries go with it). Gone already is success. */
int tunnel_leave(struct emu *emu, const char *tag,
		 const struct fabric_ops *fabric);

/* The path MTU from LOCAL to REMOTE (address literals of one family):
 * the MTU of the route (`ip route get REMOTE from LOCAL`: a connected UDP
 * socket's IP_MTU), then echo requests with DF set and no fragmentation
 * (`ping -M do -s N`: IP_PMTUDISC_PROBE on a raw ICMP/ICMPv6 socket bound
 * to LOCAL): the smallest size (576; IPv6 1280) first, then the route's
 * MTU, then bisected between them: the largest IP packet REMOTE answered,
 * so a path that drops big packets without an ICMP error (a black hole)
 * is measured too. Each size is tried up to 3 times, 200 ms each, so an
 * unanswered size costs 0.6 s and the whole search at most ~8 s. Works in
 * the calling thread's network namespace; needs CAP_NET_RAW. Returns 0
 * and *MTU; -EHOSTUNREACH if REMOTE answers no probe at all (not even the
 * smallest); or another -errno. */
int tunnel_path_mtu(const char *local, const char *remote, unsigned *mtu);

/* Set the MTU of the WAN veths of W's sites for which LOCAL[i] is true
 * (LOCAL NULL: every site): both ends, `ip link set TAGu<i> mtu M` here
 * and `ip -n GWNS link set wan0 mtu M` in the gateway, so no frame larger
 * than the tunnel carries ever enters the WAN (a bridge drops one that
 * does, silently). Returns 0 or -errno. */
int tunnel_wan_mtu(struct emu *emu, const struct world *w, const bool *local,
		   unsigned mtu);

#endif
