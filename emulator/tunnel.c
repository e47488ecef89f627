/* tunnel — VXLAN between the hosts of a world, and the path MTU under it;
 * see tunnel.h. */
#include "emulator/tunnel.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/if_link.h>
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <netinet/icmp6.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/ip_icmp.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include <netlink/attr.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <netlink/socket.h>

#include "emulator/emu.h"
#include "emulator/fabric.h"
#include "emulator/link.h"
#include "emulator/netns.h"
#include "emulator/world.h"

uint32_t tunnel_vni(const char *tag)
{
	struct world w;
	uint32_t g;

	if (!tag || strlen(tag) != WORLD_TAG_LEN)
		return 0;
	memset(&w, 0, sizeof(w));
	memcpy(w.tag, tag, WORLD_TAG_LEN + 1);
	g = world_group(&w);
	return g ? g - WORLD_GROUP_BASE + 1 : 0;
}

const char *tunnel_ifname(const char *tag, char *buf, size_t len)
{
	if (!tunnel_vni(tag) || len < WORLD_TAG_LEN + 2)
		return NULL;
	snprintf(buf, len, "%sx", tag);
	return buf;
}

/* AF_INET or AF_INET6 for an address literal, 0 for anything else. */
static int addr_family(const char *addr, void *out)
{
	unsigned char junk[16];

	if (!addr)
		return 0;
	if (inet_pton(AF_INET, addr, out ? out : junk) == 1)
		return AF_INET;
	if (inet_pton(AF_INET6, addr, out ? out : junk) == 1)
		return AF_INET6;
	return 0;
}

unsigned tunnel_overhead(const char *addr)
{
	switch (addr_family(addr, NULL)) {
	case AF_INET:
		return TUNNEL_OVERHEAD_V4;
	case AF_INET6:
		return TUNNEL_OVERHEAD_V6;
	default:
		return 0;
	}
}

int tunnel_inner_mtu(unsigned path_mtu, const char *addr, unsigned *inner)
{
	unsigned over = tunnel_overhead(addr);

	if (!over)
		return -EINVAL;
	if (path_mtu < TUNNEL_MTU_MIN + over)
		return -EMSGSIZE;
	*inner = path_mtu - over;
	return 0;
}

int tunnel_inner_mtu_min(const unsigned *mtus, const char *const *addrs,
			 size_t n, unsigned *inner)
{
	unsigned best = 0, m;
	size_t i;
	int err;

	if (n == 0)
		return -EINVAL;
	for (i = 0; i < n; i++) {
		err = tunnel_inner_mtu(mtus[i], addrs[i], &m);
		if (err)
			return err;
		if (i == 0 || m < best)
			best = m;
	}
	*inner = best;
	return 0;
}

int tunnel_spec_check(const struct tunnel_spec *spec, char *why, size_t len)
{
	unsigned char a[16], b[16];
	int fam;
	size_t i, j;

	if (!why)
		len = 0;
	if (!spec || !tunnel_vni(spec->tag)) {
		snprintf(why, len, "'%s' is not an experiment tag",
			 spec && spec->tag ? spec->tag : "");
		return -EINVAL;
	}
	if (spec->vni < 1 || spec->vni > TUNNEL_VNI_MAX) {
		snprintf(why, len, "VNI %u is outside 1 .. %u", spec->vni,
			 TUNNEL_VNI_MAX);
		return -EINVAL;
	}
	fam = addr_family(spec->local, a);
	if (!fam) {
		snprintf(why, len, "local underlay address '%s' is no address",
			 spec->local ? spec->local : "");
		return -EINVAL;
	}
	if (spec->n_peers < 1 || spec->n_peers > TUNNEL_PEERS_MAX ||
	    !spec->peers) {
		snprintf(why, len, "%zu peers: 1 .. %d expected", spec->n_peers,
			 TUNNEL_PEERS_MAX);
		return -EINVAL;
	}
	for (i = 0; i < spec->n_peers; i++) {
		const char *pa = spec->peers[i].addr;

		if (addr_family(pa, b) != fam) {
			snprintf(why, len, "host '%s': underlay address '%s' "
				 "is not an %s address like '%s'",
				 spec->peers[i].host ? spec->peers[i].host : "",
				 pa ? pa : "", fam == AF_INET ? "IPv4" : "IPv6",
				 spec->local);
			return -EINVAL;
		}
		if (memcmp(a, b, fam == AF_INET ? 4 : 16) == 0) {
			snprintf(why, len, "host '%s': underlay address '%s' "
				 "is the local one", spec->peers[i].host ?
				 spec->peers[i].host : "", pa);
			return -EINVAL;
		}
		for (j = 0; j < i; j++) {
			unsigned char c[16];

			addr_family(spec->peers[j].addr, c);
			if (memcmp(b, c, fam == AF_INET ? 4 : 16) == 0) {
				snprintf(why, len, "underlay address '%s' "
					 "twice", pa);
				return -EINVAL;
			}
		}
	}
	for (i = 0; i < spec->n_macs; i++)
		if (!spec->macs || spec->macs[i].peer >= spec->n_peers) {
			snprintf(why, len, "static MAC %zu: no such peer", i);
			return -EINVAL;
		}
	if (spec->mtu && (spec->mtu < TUNNEL_MTU_MIN || spec->mtu > 65535)) {
		snprintf(why, len, "inner MTU %u is outside %d .. 65535",
			 spec->mtu, TUNNEL_MTU_MIN);
		return -EINVAL;
	}
	return 0;
}

/* A sockaddr for address literal ADDR and PORT. Returns its length, or 0. */
static socklen_t sockaddr_of(const char *addr, uint16_t port,
			     struct sockaddr_storage *ss)
{
	struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	switch (addr_family(addr, NULL)) {
	case AF_INET:
		s4->sin_family = AF_INET;
		s4->sin_port = htons(port);
		inet_pton(AF_INET, addr, &s4->sin_addr);
		return sizeof(*s4);
	case AF_INET6:
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(port);
		inet_pton(AF_INET6, addr, &s6->sin6_addr);
		return sizeof(*s6);
	default:
		return 0;
	}
}

/* Is ADDR an address of the calling thread's namespace? 0 or -errno
 * (-EADDRNOTAVAIL: no). */
static int addr_local(const char *addr)
{
	struct sockaddr_storage ss;
	socklen_t sl = sockaddr_of(addr, 0, &ss);
	int fd, err = 0;

	if (!sl)
		return -EINVAL;
	fd = socket(ss.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (bind(fd, (struct sockaddr *)&ss, sl))
		err = -errno;
	close(fd);
	return err;
}

/* Send MSG (consumed) on SK and wait for its acknowledgement. */
static int nl_request(struct nl_sock *sk, struct nl_msg *msg)
{
	int err = link_errno(nl_send_sync(sk, msg));

	return err < 0 ? err : 0;
}

/* `ip link add NAME group G [master M] mtu MTU type vxlan id VNI local
 * ADDR dstport 4789 nolearning df set` */
static int vxlan_add(struct nl_sock *sk, const char *name,
		     const struct tunnel_spec *spec, uint32_t group,
		     int master)
{
	struct ifinfomsg ifi;
	struct nl_msg *msg;
	struct nlattr *info, *data;
	unsigned char a[16];
	int fam = addr_family(spec->local, a);

	msg = nlmsg_alloc_simple(RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL);
	if (!msg)
		return -ENOMEM;
	memset(&ifi, 0, sizeof(ifi));
	ifi.ifi_family = AF_UNSPEC;
	if (nlmsg_append(msg, &ifi, sizeof(ifi), NLMSG_ALIGNTO) < 0 ||
	    nla_put_string(msg, IFLA_IFNAME, name) < 0 ||
	    nla_put_u32(msg, IFLA_GROUP, group) < 0 ||
	    (spec->mtu && nla_put_u32(msg, IFLA_MTU, spec->mtu) < 0) ||
	    (master > 0 && nla_put_u32(msg, IFLA_MASTER, (uint32_t)master) < 0))
		goto full;
	info = nla_nest_start(msg, IFLA_LINKINFO);
	if (!info || nla_put_string(msg, IFLA_INFO_KIND, "vxlan") < 0)
		goto full;
	data = nla_nest_start(msg, IFLA_INFO_DATA);
	if (!data || nla_put_u32(msg, IFLA_VXLAN_ID, spec->vni) < 0 ||
	    (fam == AF_INET ? nla_put(msg, IFLA_VXLAN_LOCAL, 4, a) :
	     nla_put(msg, IFLA_VXLAN_LOCAL6, 16, a)) < 0 ||
	    nla_put_u16(msg, IFLA_VXLAN_PORT, htons(TUNNEL_PORT)) < 0 ||
	    nla_put_u8(msg, IFLA_VXLAN_LEARNING, 0) < 0 ||
	    nla_put_u8(msg, IFLA_VXLAN_DF, VXLAN_DF_SET) < 0)
		goto full;
	nla_nest_end(msg, data);
	nla_nest_end(msg, info);
	return nl_request(sk, msg);
full:
	nlmsg_free(msg);
	return -ENOMEM;
}

/* `bridge fdb append MAC dev IFINDEX dst DST self permanent` (APPEND:
 * the all-zero MAC may have several destinations; else replace). */
static int fdb_add(struct nl_sock *sk, int ifindex, const uint8_t *mac,
		   const char *dst, bool append)
{
	struct ndmsg nd;
	struct nl_msg *msg;
	unsigned char a[16];
	int fam = addr_family(dst, a);

	msg = nlmsg_alloc_simple(RTM_NEWNEIGH, NLM_F_CREATE |
				 (append ? NLM_F_APPEND : NLM_F_REPLACE));
	if (!msg)
		return -ENOMEM;
	memset(&nd, 0, sizeof(nd));
	nd.ndm_family = AF_BRIDGE;
	nd.ndm_ifindex = ifindex;
	nd.ndm_state = NUD_NOARP | NUD_PERMANENT;
	nd.ndm_flags = NTF_SELF;
	if (nlmsg_append(msg, &nd, sizeof(nd), NLMSG_ALIGNTO) < 0 ||
	    nla_put(msg, NDA_LLADDR, 6, mac) < 0 ||
	    nla_put(msg, NDA_DST, fam == AF_INET ? 4 : 16, a) < 0) {
		nlmsg_free(msg);
		return -ENOMEM;
	}
	return nl_request(sk, msg);
}

int tunnel_join(struct emu *emu, const struct tunnel_spec *spec)
{
	static const uint8_t zero[6];
	const struct fabric_ops *fab = spec ? spec->fabric : NULL;
	struct nl_sock *sk = NULL;
	struct link_batch b;
	struct world w;
	char name[WORLD_IFNAMSIZ], why[200];
	int err, master = 0, ifindex = 0;
	size_t i;

	err = tunnel_spec_check(spec, why, sizeof(why));
	if (err) {
		emu_seterr(emu, "%s", why);
		return err;
	}
	err = addr_local(spec->local);
	if (err) {
		emu_seterr(emu, "local underlay address '%s': %s", spec->local,
			   strerror(-err));
		return err;
	}
	if (!fab)
		fab = &fabric_bridge_ops;
	tunnel_ifname(spec->tag, name, sizeof(name));
	memset(&w, 0, sizeof(w));
	memcpy(w.tag, spec->tag, WORLD_TAG_LEN + 1);
	err = link_sock_open(&sk);
	if (err)
		goto out;
	link_batch_init(&b, sk);
	err = link_del(&b, name);
	if (!err)
		err = link_batch_flush(&b);
	if (!err && spec->bridge && fab->master_at_create)
		err = link_index(sk, spec->bridge, &master);
	if (err)
		goto out;
	err = vxlan_add(sk, name, spec, world_group(&w), master);
	if (!err)
		err = link_index(sk, name, &ifindex);
	for (i = 0; !err && i < spec->n_peers; i++)
		err = fdb_add(sk, ifindex, zero, spec->peers[i].addr, true);
	for (i = 0; !err && i < spec->n_macs; i++)
		err = fdb_add(sk, ifindex, spec->macs[i].mac,
			      spec->peers[spec->macs[i].peer].addr, false);
	if (!err)
		err = link_up_quiet(&b, name);
	if (!err)
		err = link_batch_flush(&b);
	if (!err && spec->bridge && !fab->master_at_create) {
		struct fabric_port port = { spec->bridge, name };

		err = fab->ports_add(emu, &port, 1);
	}
	if (err) {
		emu_seterr(emu, "VXLAN device '%s' (VNI %u, local %s): %s",
			   name, spec->vni, spec->local, strerror(-err));
		link_del(&b, name);
		link_batch_flush(&b);
	}
out:
	link_sock_close(sk);
	return err;
}

int tunnel_leave(struct emu *emu, const char *tag,
		 const struct fabric_ops *fabric)
{
	struct nl_sock *sk = NULL;
	struct link_batch b;
	char name[WORLD_IFNAMSIZ];
	int err, err2 = 0;

	if (!tunnel_ifname(tag, name, sizeof(name)))
		return -EINVAL;
	if (fabric && fabric->port_del)
		err2 = fabric->port_del(emu, name);
	err = link_sock_open(&sk);
	if (!err) {
		link_batch_init(&b, sk);
		err = link_del(&b, name);
		if (!err)
			err = link_batch_flush(&b);
	}
	link_sock_close(sk);
	return err ? err : err2;
}

/* ---- path MTU ---- */

#define PROBE_TRIES 3
#define PROBE_WAIT_MS 200

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* The route's MTU from LOCAL to REMOTE: a UDP socket bound to LOCAL,
 * connected to REMOTE, asked IP_MTU (the route's mtu, else its device's,
 * or a path MTU the kernel learned). */
static int route_mtu(const struct sockaddr_storage *l, socklen_t ll,
		     const struct sockaddr_storage *r, socklen_t rl,
		     unsigned *mtu)
{
	int fd, v = 0, err = 0;
	socklen_t vl = sizeof(v);
	bool v6 = l->ss_family == AF_INET6;

	fd = socket(l->ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (bind(fd, (const struct sockaddr *)l, ll) ||
	    connect(fd, (const struct sockaddr *)r, rl) ||
	    getsockopt(fd, v6 ? IPPROTO_IPV6 : IPPROTO_IP,
		       v6 ? IPV6_MTU : IP_MTU, &v, &vl))
		err = -errno;
	else if (v <= 0)
		err = -EPROTO;
	else
		*mtu = (unsigned)v;
	close(fd);
	return err;
}

/* One echo request of SIZE bytes of IP packet, DF set, answered within
 * PROBE_WAIT_MS? 1 yes, 0 no, -errno. */
#define PROBE_BUF 65536

/* BUF and IN: PROBE_BUF bytes each. */
static int echo_once(int fd, bool v6, const struct sockaddr_storage *r,
		     socklen_t rl, unsigned size, uint16_t id, uint16_t seq,
		     uint8_t *buf, uint8_t *in)
{
	size_t hdr = v6 ? 40 : 20, len = size - hdr;
	uint64_t deadline;
	ssize_t n;

	memset(buf, 0xa5, len);
	if (v6) {
		struct icmp6_hdr *h = (struct icmp6_hdr *)buf;

		memset(h, 0, sizeof(*h));
		h->icmp6_type = ICMP6_ECHO_REQUEST;
		h->icmp6_id = htons(id);
		h->icmp6_seq = htons(seq);
		/* The kernel fills the checksum of a raw ICMPv6 socket. */
	} else {
		struct icmphdr *h = (struct icmphdr *)buf;
		uint32_t sum = 0;
		size_t i;

		memset(h, 0, sizeof(*h));
		h->type = ICMP_ECHO;
		h->un.echo.id = htons(id);
		h->un.echo.sequence = htons(seq);
		for (i = 0; i + 1 < len; i += 2)
			sum += (uint32_t)buf[i] << 8 | buf[i + 1];
		if (len & 1)
			sum += (uint32_t)buf[len - 1] << 8;
		while (sum >> 16)
			sum = (sum & 0xffff) + (sum >> 16);
		h->checksum = htons((uint16_t)~sum);
	}
	/* Too big for the route, or dropped on the way out (ENOBUFS: the
	 * neighbour's queue while it is resolved, a full device queue):
	 * not answered, as if lost. */
	if (sendto(fd, buf, len, 0, (const struct sockaddr *)r, rl) < 0)
		return errno == EMSGSIZE || errno == ENOBUFS ||
		       errno == EAGAIN ? 0 : -errno;
	deadline = now_ms() + PROBE_WAIT_MS;
	for (;;) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		uint64_t t = now_ms();
		size_t off = 0;

		if (t >= deadline)
			return 0;
		if (poll(&pfd, 1, (int)(deadline - t)) <= 0)
			continue;
		n = recv(fd, in, PROBE_BUF, MSG_DONTWAIT);
		if (n < 0)
			continue;
		if (!v6) {
			/* A raw IPv4 socket reads the IP header too. */
			if ((size_t)n < 20)
				continue;
			off = (size_t)(in[0] & 0x0f) * 4;
		}
		if ((size_t)n < off + 8)
			continue;
		if (v6 ? in[off] == ICMP6_ECHO_REPLY : in[off] == ICMP_ECHOREPLY) {
			uint16_t rid = (uint16_t)(in[off + 4] << 8 | in[off + 5]);
			uint16_t rsq = (uint16_t)(in[off + 6] << 8 | in[off + 7]);

			if (rid == id && rsq == seq)
				return 1;
		}
	}
}

int tunnel_path_mtu(const char *local, const char *remote, unsigned *mtu)
{
	struct sockaddr_storage l, r;
	socklen_t ll = sockaddr_of(local, 0, &l), rl = sockaddr_of(remote, 0, &r);
	unsigned lo, hi, mid, route = 0;
	uint8_t *buf = NULL, *in = NULL;
	uint16_t id = (uint16_t)(getpid() ^ (uintptr_t)mtu), seq = 0;
	bool v6;
	int fd = -1, err, ok, pmtu, t;

	if (!ll || !rl || l.ss_family != r.ss_family || !mtu)
		return -EINVAL;
	v6 = l.ss_family == AF_INET6;
	err = route_mtu(&l, ll, &r, rl, &route);
	if (err)
		return err;
	buf = malloc(PROBE_BUF);
	in = malloc(PROBE_BUF);
	if (!buf || !in) {
		err = -ENOMEM;
		goto out;
	}
	fd = v6 ? socket(AF_INET6, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_ICMPV6) :
		  socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_ICMP);
	if (fd < 0) {
		err = -errno;
		goto out;
	}
	/* DF set, and the kernel's cached path MTU ignored: a probe above it
	 * is sent (and fails by itself) rather than refused here. */
	pmtu = v6 ? IPV6_PMTUDISC_PROBE : IP_PMTUDISC_PROBE;
	if (bind(fd, (struct sockaddr *)&l, ll) ||
	    setsockopt(fd, v6 ? IPPROTO_IPV6 : IPPROTO_IP,
		       v6 ? IPV6_MTU_DISCOVER : IP_MTU_DISCOVER, &pmtu,
		       sizeof(pmtu))) {
		err = -errno;
		goto out;
	}
	if (v6) {
		int on = 1;

		setsockopt(fd, IPPROTO_IPV6, IPV6_DONTFRAG, &on, sizeof(on));
	}
	lo = (v6 ? 1280 : TUNNEL_MTU_MIN);
	hi = route > 65535 ? 65535 : route;
	if (hi < lo)
		lo = hi;
	/* The smallest size first: it proves the far end answers at all
	 * (and resolves its neighbour entry), then the route's MTU, which
	 * is the answer on most paths; then bisect. Invariant: LO was
	 * answered, sizes above HI were not. */
	for (ok = 0, t = 0; t < PROBE_TRIES && ok == 0; t++)
		ok = echo_once(fd, v6, &r, rl, lo, id, ++seq, buf, in);
	if (ok <= 0) {
		err = ok < 0 ? ok : -EHOSTUNREACH;
		goto out;
	}
	for (ok = 0, t = 0; t < PROBE_TRIES && ok == 0; t++)
		ok = echo_once(fd, v6, &r, rl, hi, id, ++seq, buf, in);
	if (ok < 0) {
		err = ok;
		goto out;
	}
	if (ok) {
		*mtu = hi;
		goto out;
	}
	hi--;
	while (lo < hi) {
		mid = lo + (hi - lo + 1) / 2;
		for (ok = 0, t = 0; t < PROBE_TRIES && ok == 0; t++)
			ok = echo_once(fd, v6, &r, rl, mid, id, ++seq, buf,
				      in);
		if (ok < 0) {
			err = ok;
			goto out;
		}
		if (ok)
			lo = mid;
		else
			hi = mid - 1;
	}
	*mtu = lo;
out:
	if (fd >= 0)
		close(fd);
	free(buf);
	free(in);
	return err;
}

/* `ip link set NAME mtu MTU` in the calling thread's namespace. */
static int mtu_set(const char *name, unsigned mtu)
{
	struct ifreq ifr;
	int fd, err = 0;

	if (strlen(name) >= IF_NAMESIZE)
		return -ENAMETOOLONG;
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	memset(&ifr, 0, sizeof(ifr));
	memcpy(ifr.ifr_name, name, strlen(name) + 1);
	ifr.ifr_mtu = (int)mtu;
	if (ioctl(fd, SIOCSIFMTU, &ifr))
		err = -errno;
	close(fd);
	return err;
}

int tunnel_wan_mtu(struct emu *emu, const struct world *w, const bool *local,
		   unsigned mtu)
{
	int self, err = 0, e;
	size_t i;

	if (!w || mtu < 68 || mtu > 65535)
		return -EINVAL;
	self = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (self < 0)
		return -errno;
	for (i = 0; !err && i < w->n_sites; i++) {
		const struct world_site *s = &w->sites[i];

		if (local && !local[i])
			continue;
		err = mtu_set(s->gw_wan_host, mtu);
		if (err) {
			emu_seterr(emu, "'%s' mtu %u: %s", s->gw_wan_host, mtu,
				   strerror(-err));
			break;
		}
		err = netns_enter(s->gw_netns);
		if (err)
			break;
		err = mtu_set("wan0", mtu);
		e = netns_enter_fd(self);
		if (err)
			emu_seterr(emu, "'%s' wan0 mtu %u: %s", s->gw_netns, mtu,
				   strerror(-err));
		if (!err)
			err = e;
	}
	close(self);
	return err;
}
