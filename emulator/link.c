/* link — rtnetlink requests of the namespace backend; see link.h. */
#include "emulator/link.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <linux/ethtool.h>
#include <linux/sockios.h>

#include <netlink/errno.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <netlink/socket.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/link/bridge.h>
#include <netlink/route/link/inet6.h>
#include <netlink/route/link/veth.h>
#include <netlink/route/route.h>

#define LINK_SOCK_BUF (1 << 20)

/* The inverse of libnl's nl_syserr2nlerr(): it folds several errnos into
 * one code, so the most likely one comes back. */
static const struct {
	int nle;
	int err;
} nle_errno[] = {
	{ NLE_INTR, EINTR },            { NLE_BAD_SOCK, EBADF },
	{ NLE_AGAIN, EAGAIN },          { NLE_NOMEM, ENOMEM },
	{ NLE_EXIST, EEXIST },          { NLE_INVAL, EINVAL },
	{ NLE_RANGE, ERANGE },          { NLE_MSGSIZE, EMSGSIZE },
	{ NLE_OPNOTSUPP, EOPNOTSUPP },  { NLE_AF_NOSUPPORT, EAFNOSUPPORT },
	{ NLE_OBJ_NOTFOUND, ENOENT },   { NLE_NOADDR, EADDRNOTAVAIL },
	{ NLE_MSGTYPE_NOSUPPORT, EOPNOTSUPP },
	{ NLE_PROTO_MISMATCH, EPROTONOSUPPORT },
	{ NLE_NOACCESS, EACCES },       { NLE_PERM, EPERM },
	{ NLE_BUSY, EBUSY },            { NLE_NODEV, ENODEV },
	{ NLE_DUMP_INTR, EAGAIN },      { NLE_IMMUTABLE, EPERM },
	{ NLE_SEQ_MISMATCH, EBADMSG },  { NLE_MSG_OVERFLOW, EBADMSG },
	{ NLE_MSG_TRUNC, EBADMSG },     { NLE_MSG_TOOSHORT, EBADMSG },
	{ NLE_NOATTR, EBADMSG },        { NLE_MISSING_ATTR, EBADMSG },
	{ NLE_PARSE_ERR, EBADMSG },     { NLE_ATTRSIZE, EBADMSG },
};

int link_errno(int nlerr)
{
	int err = nlerr >= 0 ? nlerr : -EIO;
	size_t i;

	for (i = 0; nlerr < 0 && i < sizeof(nle_errno) / sizeof(nle_errno[0]);
	     i++)
		if (nle_errno[i].nle == -nlerr)
			err = -nle_errno[i].err;
	return err;
}

int link_sock_open(struct nl_sock **out)
{
	struct nl_sock *sk;
	int one = 1;
	int err;

	*out = NULL;
	sk = nl_socket_alloc();
	err = sk ? link_errno(nl_connect(sk, NETLINK_ROUTE)) : -ENOMEM;
	if (err < 0)
		goto out;
	/* A batch leaves up to LINK_BATCH_MAX acknowledgements queued. */
	err = link_errno(nl_socket_set_buffer_size(sk, LINK_SOCK_BUF,
						   LINK_SOCK_BUF));
	if (err < 0)
		goto out;
	/* Errors then carry only the failed request's header. */
	if (setsockopt(nl_socket_get_fd(sk), SOL_NETLINK, NETLINK_CAP_ACK,
		       &one, sizeof(one)) != 0) {
		err = -errno;
		goto out;
	}
	/* Batches read their acknowledgements themselves. */
	nl_socket_disable_seq_check(sk);
	*out = sk;
	sk = NULL;
out:
	link_sock_close(sk);
	return err;
}

void link_sock_close(struct nl_sock *sk)
{
	if (sk)
		nl_socket_free(sk);
}

void link_batch_init(struct link_batch *b, struct nl_sock *sk)
{
	memset(b, 0, sizeof(*b));
	b->sk = sk;
}

void link_batch_group(struct link_batch *b, uint32_t group)
{
	b->group = group;
}

static void batch_fail(struct link_batch *b, int err)
{
	if (err < 0 && b->err == 0)
		b->err = err;
}

static void batch_ack(struct link_batch *b, const struct nlmsghdr *h)
{
	const struct nlmsgerr *e = nlmsg_data(h);
	unsigned i;

	for (i = 0; i < b->n; i++)
		if (b->seq[i] == h->nlmsg_seq)
			break;
	if (i == b->n)
		return;         /* not ours: a stray reply */
	if (e->error < 0 && -e->error != b->ok[i])
		batch_fail(b, e->error);
	b->n--;
	b->seq[i] = b->seq[b->n];
	b->ok[i] = b->ok[b->n];
}

int link_batch_flush(struct link_batch *b)
{
	struct sockaddr_nl nla;
	unsigned char *buf = NULL;
	int err;

	while (b->n > 0) {
		struct nlmsghdr *h;
		int n = nl_recv(b->sk, &nla, &buf, NULL);

		if (n <= 0) {
			batch_fail(b, n < 0 ? link_errno(n) : -EPROTO);
			b->n = 0;
			break;
		}
		for (h = (struct nlmsghdr *)buf; nlmsg_ok(h, n);
		     h = nlmsg_next(h, &n))
			if (h->nlmsg_type == NLMSG_ERROR)
				batch_ack(b, h);
		free(buf);
		buf = NULL;
	}
	err = b->err;
	b->err = 0;
	return err;
}

/* Send MSG (consumed) as part of B; OK is an errno the request may fail
 * with and still count as done. Returns the batch's first failure so far. */
static int batch_send(struct link_batch *b, struct nl_msg *msg, int ok)
{
	int err = 0;

	if (b->n == LINK_BATCH_MAX)
		batch_fail(b, link_batch_flush(b));
	err = link_errno(nl_send_auto(b->sk, msg));
	if (err < 0)
		goto out;
	b->seq[b->n] = nlmsg_hdr(msg)->nlmsg_seq;
	b->ok[b->n] = ok;
	b->n++;
	err = 0;
out:
	nlmsg_free(msg);
	batch_fail(b, err);
	err = b->err;
	b->err = 0;
	return err;
}

/* Build and send an RTM_NEWLINK for LINK (released) with FLAGS. */
static int send_link(struct link_batch *b, struct rtnl_link *link, int flags)
{
	struct nl_msg *msg = NULL;
	int err;

	err = link_errno(rtnl_link_build_add_request(link, flags, &msg));
	rtnl_link_put(link);
	if (err == 0)
		err = batch_send(b, msg, 0);
	return err;
}

int link_bridge_add(struct link_batch *b, const char *name)
{
	struct rtnl_link *link = rtnl_link_bridge_alloc();
	int err = -ENOMEM;

	if (link) {
		rtnl_link_set_name(link, name);
		if (b->group)
			rtnl_link_set_group(link, b->group);
		err = send_link(b, link, NLM_F_CREATE | NLM_F_EXCL);
	}
	if (err == 0)
		err = link_up_quiet(b, name);
	return err;
}

int link_veth_add(struct link_batch *b, const char *name, int master,
		  const char *peer, pid_t peer_tid)
{
	struct rtnl_link *link = rtnl_link_veth_alloc();
	struct rtnl_link *p;
	int err = -ENOMEM;

	if (!link)
		goto out;
	rtnl_link_set_name(link, name);
	if (master > 0)
		rtnl_link_set_master(link, master);
	if (b->group)
		rtnl_link_set_group(link, b->group);
	p = rtnl_link_veth_get_peer(link);
	rtnl_link_set_name(p, peer);
	if (peer_tid > 0)
		rtnl_link_set_ns_pid(p, peer_tid);
	rtnl_link_put(p);
	err = send_link(b, link, NLM_F_CREATE | NLM_F_EXCL);
	if (err == 0)
		err = link_up_quiet(b, name);
out:
	return err;
}

int link_up(struct link_batch *b, const char *name)
{
	struct rtnl_link *link = rtnl_link_alloc();
	int err = -ENOMEM;

	if (link) {
		rtnl_link_set_name(link, name);
		rtnl_link_set_flags(link, IFF_UP);
		err = send_link(b, link, 0);
	}
	return err;
}

int link_up_quiet(struct link_batch *b, const char *name)
{
	struct rtnl_link *link = rtnl_link_alloc();
	int err = -ENOMEM;

	if (!link)
		goto out;
	/* Two requests: the kernel applies IFF_UP before IFLA_AF_SPEC, and
	 * the link-local address would be made at IFF_UP. (It refuses
	 * IFLA_AF_SPEC on creation, so this follows every RTM_NEWLINK that
	 * creates a link.) */
	rtnl_link_set_name(link, name);
	rtnl_link_inet6_set_addr_gen_mode(link, IN6_ADDR_GEN_MODE_NONE);
	err = send_link(b, link, 0);
	if (err == 0)
		err = link_up(b, name);
out:
	return err;
}

int link_mac_set(struct link_batch *b, const char *name, const uint8_t *mac)
{
	struct rtnl_link *link = rtnl_link_alloc();
	struct nl_addr *a = nl_addr_build(AF_LLC, mac, 6);

	if (!link || !a) {
		rtnl_link_put(link);
		nl_addr_put(a);
		return -ENOMEM;
	}
	rtnl_link_set_name(link, name);
	rtnl_link_set_addr(link, a);    /* holds its own reference */
	nl_addr_put(a);
	return send_link(b, link, 0);
}

static struct nl_addr *ipv4_addr(uint32_t addr, uint8_t plen)
{
	uint32_t be = htonl(addr);
	struct nl_addr *a = nl_addr_build(AF_INET, &be, sizeof(be));

	if (a)
		nl_addr_set_prefixlen(a, plen);
	return a;
}

int link_addr_add(struct link_batch *b, int ifindex, uint32_t addr,
		  uint8_t plen)
{
	struct rtnl_addr *ra = rtnl_addr_alloc();
	struct nl_addr *local = ipv4_addr(addr, plen);
	struct nl_msg *msg = NULL;
	int err = -ENOMEM;

	if (!ra || !local)
		goto out;
	rtnl_addr_set_ifindex(ra, ifindex);
	err = link_errno(rtnl_addr_set_local(ra, local));
	if (err < 0)
		goto out;
	err = link_errno(rtnl_addr_build_add_request(ra,
			 NLM_F_CREATE | NLM_F_EXCL, &msg));
	if (err < 0)
		goto out;
	err = batch_send(b, msg, 0);
out:
	nl_addr_put(local);
	rtnl_addr_put(ra);
	return err;
}

int link_route_add(struct link_batch *b, const struct prefix *dst,
		   uint32_t gw, int ifindex)
{
	struct rtnl_route *r = rtnl_route_alloc();
	struct rtnl_nexthop *nh = rtnl_route_nh_alloc();
	struct nl_addr *d = dst ? ipv4_addr(dst->addr, dst->plen)
				: ipv4_addr(0, 0);
	struct nl_addr *g = ipv4_addr(gw, 32);
	struct nl_msg *msg = NULL;
	int err = -ENOMEM;

	if (!r || !nh || !d || !g)
		goto out;
	rtnl_route_set_family(r, AF_INET);
	rtnl_route_set_table(r, RT_TABLE_MAIN);
	rtnl_route_set_protocol(r, RTPROT_BOOT);
	rtnl_route_set_scope(r, RT_SCOPE_UNIVERSE);
	rtnl_route_set_type(r, RTN_UNICAST);
	err = link_errno(rtnl_route_set_dst(r, d));
	if (err < 0)
		goto out;
	rtnl_route_nh_set_ifindex(nh, ifindex);
	rtnl_route_nh_set_gateway(nh, g);
	rtnl_route_add_nexthop(r, nh);
	nh = NULL;              /* the route owns it now */
	err = link_errno(rtnl_route_build_add_request(r,
			 NLM_F_CREATE | NLM_F_EXCL, &msg));
	if (err < 0)
		goto out;
	err = batch_send(b, msg, 0);
out:
	if (nh)
		rtnl_route_nh_free(nh);
	nl_addr_put(d);
	nl_addr_put(g);
	rtnl_route_put(r);
	return err;
}

int link_del(struct link_batch *b, const char *name)
{
	struct rtnl_link *link = rtnl_link_alloc();
	struct nl_msg *msg = NULL;
	int err = -ENOMEM;

	if (!link)
		goto out;
	rtnl_link_set_name(link, name);
	err = link_errno(rtnl_link_build_delete_request(link, &msg));
	rtnl_link_put(link);
	if (err == 0)
		err = batch_send(b, msg, ENODEV);
out:
	return err;
}

int link_group_set(struct link_batch *b, const char *name, uint32_t group)
{
	struct rtnl_link *link = rtnl_link_alloc();
	struct nl_msg *msg = NULL;
	int err = -ENOMEM;

	if (!link)
		goto out;
	rtnl_link_set_name(link, name);
	rtnl_link_set_group(link, group);
	err = link_errno(rtnl_link_build_add_request(link, 0, &msg));
	rtnl_link_put(link);
	if (err == 0)
		err = batch_send(b, msg, ENODEV);
out:
	return err;
}

int link_group_del(struct link_batch *b, uint32_t group)
{
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC };
	struct nl_msg *msg = NULL;
	int err = -EINVAL;

	if (group == 0)
		goto out;
	/* libnl's delete request wants a name or an index: built by hand. */
	err = -ENOMEM;
	msg = nlmsg_alloc_simple(RTM_DELLINK, 0);
	if (!msg)
		goto out;
	err = link_errno(nlmsg_append(msg, &ifi, sizeof(ifi), NLMSG_ALIGNTO));
	if (err == 0)
		err = link_errno(nla_put_u32(msg, IFLA_GROUP, group));
	if (err < 0)
		goto out;
	err = batch_send(b, msg, ENODEV);
	msg = NULL;             /* consumed */
out:
	nlmsg_free(msg);
	return err;
}

int link_index(struct nl_sock *sk, const char *name, int *ifindex)
{
	struct ifreq ifr;
	int err = 0;

	*ifindex = 0;
	memset(&ifr, 0, sizeof(ifr));
	if (strlen(name) >= sizeof(ifr.ifr_name))
		return -ENODEV;
	memcpy(ifr.ifr_name, name, strlen(name) + 1);
	/* Any socket answers SIOCGIFINDEX for its own namespace, without a
	 * netlink round trip or the RTNL lock. */
	if (ioctl(nl_socket_get_fd(sk), SIOCGIFINDEX, &ifr) < 0)
		err = -errno;
	else
		*ifindex = ifr.ifr_ifindex;
	return err;
}

/* One RTM_NEWLINK of a dump: call FN if its name starts with PREFIX. */
static int dump_one(struct nlmsghdr *h, const char *prefix, size_t plen,
		    link_dump_fn fn, void *arg)
{
	const struct ifinfomsg *ifi = nlmsg_data(h);
	struct link_info li = { .ifindex = ifi->ifi_index };
	struct nlattr *a;
	int rem;

	nlmsg_for_each_attr(a, h, sizeof(*ifi), rem) {
		if (nla_type(a) == IFLA_IFNAME)
			li.name = nla_data(a);
		else if (nla_type(a) == IFLA_MASTER &&
			 nla_len(a) >= (int)sizeof(uint32_t))
			li.master = (int)nla_get_u32(a);
		else if (nla_type(a) == IFLA_GROUP &&
			 nla_len(a) >= (int)sizeof(uint32_t))
			li.group = nla_get_u32(a);
	}
	if (!li.name || strncmp(li.name, prefix, plen) != 0)
		return 0;
	return fn(arg, &li);
}

int link_dump(struct nl_sock *sk, const char *prefix, link_dump_fn fn,
	      void *arg)
{
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC };
	struct sockaddr_nl nla;
	unsigned char *buf = NULL;
	size_t plen = strlen(prefix);
	int stop = 0, intr = 0, done = 0;
	int err;

	err = link_errno(nl_send_simple(sk, RTM_GETLINK, NLM_F_DUMP, &ifi,
					sizeof(ifi)));
	done = err < 0;
	err = err < 0 ? err : 0;
	/* Read to the end even after FN stopped, so the socket stays clean. */
	while (!done) {
		struct nlmsghdr *h;
		int n = nl_recv(sk, &nla, &buf, NULL);

		if (n <= 0) {
			err = n < 0 ? link_errno(n) : -EPROTO;
			break;
		}
		for (h = (struct nlmsghdr *)buf; nlmsg_ok(h, n);
		     h = nlmsg_next(h, &n)) {
			if (h->nlmsg_flags & NLM_F_DUMP_INTR)
				intr = 1;
			if (h->nlmsg_type == NLMSG_DONE) {
				done = 1;
			} else if (h->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e = nlmsg_data(h);

				if (e->error < 0 && err == 0)
					err = e->error;
				done = 1;
			} else if (h->nlmsg_type == RTM_NEWLINK && !stop) {
				stop = dump_one(h, prefix, plen, fn, arg);
			}
		}
		free(buf);
		buf = NULL;
	}
	if (err == 0)
		err = stop ? stop : intr ? -EAGAIN : 0;
	return err;
}

int link_tx_csum_off(const char *name)
{
	struct ethtool_value ev = { .cmd = ETHTOOL_STXCSUM, .data = 0 };
	struct ifreq ifr;
	int fd, err = 0;

	memset(&ifr, 0, sizeof(ifr));
	if (strlen(name) >= sizeof(ifr.ifr_name))
		return -EINVAL;
	memcpy(ifr.ifr_name, name, strlen(name) + 1);
	ifr.ifr_data = (char *)&ev;
	/* A socket belongs to the namespace it is made in. */
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (ioctl(fd, SIOCETHTOOL, &ifr) < 0)
		err = -errno;
	close(fd);
	return err;
}
