/* traffic_nft — the gateways' traffic counters in nftables, through
 * libnftnl and libmnl (see traffic_nft.h for the table they build).
 *
 * Every change to a gateway is one nfnetlink batch, which the kernel
 * applies whole or not at all, inside sendmsg(): when it returns, the
 * replies (errors only: no message asks for an ACK) are already queued,
 * so they are read without waiting. "Replace the table" is the batch
 * NEWTABLE (made if missing), DELTABLE (with everything in it), NEWTABLE,
 * then the chains, sets, counters and rules, so a reset never fails for a
 * table that was not there and never leaves half a table.
 */
#include "emulator/traffic_nft.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>

#include <libmnl/libmnl.h>
#include <libnftnl/batch.h>
#include <libnftnl/chain.h>
#include <libnftnl/expr.h>
#include <libnftnl/object.h>
#include <libnftnl/rule.h>
#include <libnftnl/set.h>
#include <libnftnl/table.h>

#include "emulator/emu.h"
#include "emulator/netns.h"

#define BASE_CHAIN      "forward"
#define BATCH_PER_SITE  8192            /* bytes of batch per destination */
#define BATCH_MIN       65536
#define RECV_TIMEOUT_S  5
#define ETH_HDR_LEN     14

/* Registers: the set's 16-byte key is REG32_00 .. REG32_03. */
#define R_PROTO   NFT_REG32_00
#define R_PORT    NFT_REG32_01
#define R_IPHDR   NFT_REG32_02
#define R_L4HDR   NFT_REG32_03

/* ---- the netlink socket ---- */

/* A netfilter netlink socket in the calling thread's namespace; SNDBUF:
 * room for the largest batch it will send (0: the default). */
static int sock_open(struct mnl_socket **out, size_t sndbuf)
{
	struct timeval tv = { RECV_TIMEOUT_S, 0 };
	struct mnl_socket *nl = mnl_socket_open(NETLINK_NETFILTER);
	int fd, size = (int)sndbuf;

	*out = NULL;
	if (!nl)
		return errno == EPROTONOSUPPORT ? -ENOTSUP : -errno;
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		int e = -errno;

		mnl_socket_close(nl);
		return e;
	}
	fd = mnl_socket_get_fd(nl);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (sndbuf && setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &size,
				 sizeof(size)))
		setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof(size));
	*out = nl;
	return 0;
}

/* ---- batches ---- */

struct batch {
	char *buf;
	struct mnl_nlmsg_batch *b;
	uint32_t seq;
	uint32_t set_id;
	int err;
};

static int batch_init(struct batch *b, size_t limit)
{
	memset(b, 0, sizeof(*b));
	/* One message may land past the limit before _next says so; zeroed,
	 * as libnftnl leaves some padding of its messages unwritten. */
	b->buf = calloc(1, limit + BATCH_MIN);
	if (!b->buf)
		return -ENOMEM;
	b->b = mnl_nlmsg_batch_start(b->buf, limit);
	if (!b->b) {
		free(b->buf);
		b->buf = NULL;
		return -ENOMEM;
	}
	b->seq = (uint32_t)time(NULL);
	nftnl_batch_begin(mnl_nlmsg_batch_current(b->b), b->seq++);
	mnl_nlmsg_batch_next(b->b);
	return 0;
}

static void batch_release(struct batch *b)
{
	if (b->b)
		mnl_nlmsg_batch_stop(b->b);
	free(b->buf);
	memset(b, 0, sizeof(*b));
}

/* The header of the next message of B. */
static struct nlmsghdr *batch_msg(struct batch *b, uint16_t type,
				  uint16_t flags)
{
	return nftnl_nlmsg_build_hdr(mnl_nlmsg_batch_current(b->b), type,
				     NFPROTO_IPV4, flags, b->seq++);
}

/* After a message was built. */
static void batch_next(struct batch *b)
{
	if (!mnl_nlmsg_batch_next(b->b) && !b->err)
		b->err = -ENOBUFS;
}

/* Read the replies already queued on NL: the first error, or 0. */
static int drain_errors(struct mnl_socket *nl)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	int fd = mnl_socket_get_fd(nl), rc = 0;
	ssize_t n;

	for (;;) {
		struct nlmsghdr *nlh = (struct nlmsghdr *)buf;
		int len;

		n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (n < 0) {
			if (rc == 0)
				rc = -errno;
			break;
		}
		for (len = (int)n; mnl_nlmsg_ok(nlh, len);
		     nlh = mnl_nlmsg_next(nlh, &len)) {
			const struct nlmsgerr *e;

			if (nlh->nlmsg_type != NLMSG_ERROR ||
			    nlh->nlmsg_len < mnl_nlmsg_size(sizeof(*e)))
				continue;
			e = mnl_nlmsg_get_payload(nlh);
			if (e->error && rc == 0)
				rc = e->error < 0 ? e->error : -e->error;
		}
	}
	return rc;
}

/* Close B and send it on NL. */
static int batch_send(struct batch *b, struct mnl_socket *nl)
{
	if (b->err)
		return b->err;
	nftnl_batch_end(mnl_nlmsg_batch_current(b->b), b->seq++);
	batch_next(b);
	if (b->err)
		return b->err;
	if (mnl_socket_sendto(nl, mnl_nlmsg_batch_head(b->b),
			      mnl_nlmsg_batch_size(b->b)) < 0)
		return -errno;
	return drain_errors(nl);
}

/* ---- objects of the table ---- */

static void add_table(struct batch *b, uint16_t type, uint16_t flags)
{
	struct nftnl_table *t = nftnl_table_alloc();

	if (!t) {
		b->err = -ENOMEM;
		return;
	}
	nftnl_table_set_str(t, NFTNL_TABLE_NAME, TRAFFIC_NFT_TABLE);
	nftnl_table_set_u32(t, NFTNL_TABLE_FAMILY, NFPROTO_IPV4);
	nftnl_table_nlmsg_build_payload(batch_msg(b, type, flags), t);
	batch_next(b);
	nftnl_table_free(t);
}

/* `nft add chain ip enos_traffic NAME`, a base chain on the forward hook
 * if BASE. */
static void add_chain(struct batch *b, const char *name, bool base)
{
	struct nftnl_chain *c = nftnl_chain_alloc();

	if (!c) {
		b->err = -ENOMEM;
		return;
	}
	nftnl_chain_set_str(c, NFTNL_CHAIN_TABLE, TRAFFIC_NFT_TABLE);
	nftnl_chain_set_str(c, NFTNL_CHAIN_NAME, name);
	if (base) {
		nftnl_chain_set_u32(c, NFTNL_CHAIN_HOOKNUM, NF_INET_FORWARD);
		nftnl_chain_set_s32(c, NFTNL_CHAIN_PRIO, 0);
		nftnl_chain_set_str(c, NFTNL_CHAIN_TYPE, "filter");
		nftnl_chain_set_u32(c, NFTNL_CHAIN_POLICY, NF_ACCEPT);
	}
	nftnl_chain_nlmsg_build_payload(batch_msg(b, NFT_MSG_NEWCHAIN,
						  NLM_F_CREATE), c);
	batch_next(b);
	nftnl_chain_free(c);
}

/* `nft add set ip enos_traffic NAME { ...; size N; flags dynamic; }` */
static void add_set(struct batch *b, const char *name, uint32_t id)
{
	struct nftnl_set *s = nftnl_set_alloc();

	if (!s) {
		b->err = -ENOMEM;
		return;
	}
	nftnl_set_set_str(s, NFTNL_SET_TABLE, TRAFFIC_NFT_TABLE);
	nftnl_set_set_str(s, NFTNL_SET_NAME, name);
	nftnl_set_set_u32(s, NFTNL_SET_FAMILY, NFPROTO_IPV4);
	nftnl_set_set_u32(s, NFTNL_SET_ID, id);
	nftnl_set_set_u32(s, NFTNL_SET_KEY_LEN, TRAFFIC_NFT_KEY_LEN);
	nftnl_set_set_u32(s, NFTNL_SET_KEY_TYPE, 0);
	nftnl_set_set_u32(s, NFTNL_SET_FLAGS, NFT_SET_EVAL);
	nftnl_set_set_u32(s, NFTNL_SET_DESC_SIZE, TRAFFIC_NFT_SET_SIZE);
	nftnl_set_nlmsg_build_payload(batch_msg(b, NFT_MSG_NEWSET,
						NLM_F_CREATE), s);
	batch_next(b);
	nftnl_set_free(s);
}

/* `nft add counter ip enos_traffic NAME` */
static void add_counter(struct batch *b, const char *name)
{
	struct nftnl_obj *o = nftnl_obj_alloc();

	if (!o) {
		b->err = -ENOMEM;
		return;
	}
	nftnl_obj_set_str(o, NFTNL_OBJ_TABLE, TRAFFIC_NFT_TABLE);
	nftnl_obj_set_str(o, NFTNL_OBJ_NAME, name);
	nftnl_obj_set_u32(o, NFTNL_OBJ_TYPE, NFT_OBJECT_COUNTER);
	nftnl_obj_set_u32(o, NFTNL_OBJ_FAMILY, NFPROTO_IPV4);
	nftnl_obj_nlmsg_build_payload(batch_msg(b, NFT_MSG_NEWOBJ,
						NLM_F_CREATE), o);
	batch_next(b);
	nftnl_obj_free(o);
}

/* ---- expressions (a rule being built; errors stick in R's batch) ---- */

struct rule {
	struct batch *b;
	struct nftnl_rule *r;
};

static void rule_begin(struct rule *r, struct batch *b, const char *chain)
{
	r->b = b;
	r->r = nftnl_rule_alloc();
	if (!r->r) {
		b->err = -ENOMEM;
		return;
	}
	nftnl_rule_set_str(r->r, NFTNL_RULE_TABLE, TRAFFIC_NFT_TABLE);
	nftnl_rule_set_str(r->r, NFTNL_RULE_CHAIN, chain);
	nftnl_rule_set_u32(r->r, NFTNL_RULE_FAMILY, NFPROTO_IPV4);
}

static struct nftnl_expr *expr(struct rule *r, const char *name)
{
	struct nftnl_expr *e = r->r ? nftnl_expr_alloc(name) : NULL;

	if (!e && !r->b->err)
		r->b->err = -ENOMEM;
	return e;
}

static void rule_add(struct rule *r, struct nftnl_expr *e)
{
	if (e)
		nftnl_rule_add_expr(r->r, e);
}

static void rule_end(struct rule *r)
{
	if (!r->r)
		return;
	nftnl_rule_nlmsg_build_payload(batch_msg(r->b, NFT_MSG_NEWRULE,
						 NLM_F_CREATE | NLM_F_APPEND),
				       r->r);
	batch_next(r->b);
	nftnl_rule_free(r->r);
	r->r = NULL;
}

/* meta l4proto -> DREG */
static void x_l4proto(struct rule *r, uint32_t dreg)
{
	struct nftnl_expr *e = expr(r, "meta");

	if (!e)
		return;
	nftnl_expr_set_u32(e, NFTNL_EXPR_META_KEY, NFT_META_L4PROTO);
	nftnl_expr_set_u32(e, NFTNL_EXPR_META_DREG, dreg);
	rule_add(r, e);
}

/* LEN bytes at OFFSET of header BASE -> DREG (the register's rest zeroed) */
static void x_load(struct rule *r, uint32_t base, uint32_t offset,
		   uint32_t len, uint32_t dreg)
{
	struct nftnl_expr *e = expr(r, "payload");

	if (!e)
		return;
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_BASE, base);
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_OFFSET, offset);
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_LEN, len);
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_DREG, dreg);
	rule_add(r, e);
}

/* SREG OP DATA (LEN bytes, compared as big-endian) */
static void x_cmp(struct rule *r, uint32_t sreg, uint32_t op,
		  const void *data, uint32_t len)
{
	struct nftnl_expr *e = expr(r, "cmp");

	if (!e)
		return;
	nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_SREG, sreg);
	nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_OP, op);
	nftnl_expr_set(e, NFTNL_EXPR_CMP_DATA, data, len);
	rule_add(r, e);
}

/* DREG = SREG & MASK (4 bytes) */
static void x_mask(struct rule *r, uint32_t sreg, uint32_t dreg,
		   uint32_t mask_be)
{
	struct nftnl_expr *e = expr(r, "bitwise");
	uint32_t zero = 0;

	if (!e)
		return;
	nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_SREG, sreg);
	nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_DREG, dreg);
	nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_LEN, sizeof(mask_be));
	nftnl_expr_set(e, NFTNL_EXPR_BITWISE_MASK, &mask_be, sizeof(mask_be));
	nftnl_expr_set(e, NFTNL_EXPR_BITWISE_XOR, &zero, sizeof(zero));
	rule_add(r, e);
}

/* DREG = the 4 bytes of VALUE, first byte first */
static void x_imm(struct rule *r, uint32_t dreg, uint8_t first)
{
	struct nftnl_expr *e = expr(r, "immediate");
	uint8_t data[4] = { first, 0, 0, 0 };

	if (!e)
		return;
	nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_DREG, dreg);
	nftnl_expr_set(e, NFTNL_EXPR_IMM_DATA, data, sizeof(data));
	rule_add(r, e);
}

/* the verdict CODE (to CHAIN, for a jump or goto) */
static void x_verdict(struct rule *r, int code, const char *chain)
{
	struct nftnl_expr *e = expr(r, "immediate");

	if (!e)
		return;
	nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_DREG, NFT_REG_VERDICT);
	nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_VERDICT, (uint32_t)code);
	if (chain)
		nftnl_expr_set_str(e, NFTNL_EXPR_IMM_CHAIN, chain);
	rule_add(r, e);
}

/* update @SET { REG32_00 .. REG32_03 counter } */
static void x_count(struct rule *r, const char *set, uint32_t set_id)
{
	struct nftnl_expr *e = expr(r, "dynset");
	struct nftnl_expr *c = e ? expr(r, "counter") : NULL;

	if (!e || !c) {
		nftnl_expr_free(e);
		return;
	}
	nftnl_expr_set_u32(e, NFTNL_EXPR_DYNSET_SREG_KEY, R_PROTO);
	nftnl_expr_set_u32(e, NFTNL_EXPR_DYNSET_OP, NFT_DYNSET_OP_UPDATE);
	nftnl_expr_set_str(e, NFTNL_EXPR_DYNSET_SET_NAME, set);
	nftnl_expr_set_u32(e, NFTNL_EXPR_DYNSET_SET_ID, set_id);
	/* The dynset owns the counter from here. */
	nftnl_expr_set(e, NFTNL_EXPR_DYNSET_EXPR, c, 0);
	rule_add(r, e);
}

/* counter name NAME */
static void x_objref(struct rule *r, const char *name)
{
	struct nftnl_expr *e = expr(r, "objref");

	if (!e)
		return;
	nftnl_expr_set_u32(e, NFTNL_EXPR_OBJREF_IMM_TYPE, NFT_OBJECT_COUNTER);
	nftnl_expr_set_str(e, NFTNL_EXPR_OBJREF_IMM_NAME, name);
	rule_add(r, e);
}

/* ---- the table of one gateway ---- */

enum port_rule { DPORT, SPORT, NOPORT };

/* One rule of chain CHAIN counting PROTO packets in SET: by destination
 * port (the server's: below the ephemeral range, the source's not), by
 * source port (below), or with port 0. L4HDR: the byte of the TCP header
 * holding its length (12), or 0 to store the constant L4CONST. */
static void count_rule(struct batch *b, const char *chain, const char *set,
		       uint32_t set_id, uint8_t proto, enum port_rule pr,
		       uint8_t l4const)
{
	const uint8_t eph[2] = { TRAFFIC_EPHEMERAL >> 8, TRAFFIC_EPHEMERAL & 0xff };
	struct rule r;

	rule_begin(&r, b, chain);
	x_l4proto(&r, R_PROTO);
	x_cmp(&r, R_PROTO, NFT_CMP_EQ, &proto, 1);
	if (pr == DPORT) {
		x_load(&r, NFT_PAYLOAD_TRANSPORT_HEADER, 2, 2, R_PORT);
		x_cmp(&r, R_PORT, NFT_CMP_LT, eph, 2);
		x_load(&r, NFT_PAYLOAD_TRANSPORT_HEADER, 0, 2, R_IPHDR);
		x_cmp(&r, R_IPHDR, NFT_CMP_GTE, eph, 2);
	} else if (pr == SPORT) {
		x_load(&r, NFT_PAYLOAD_TRANSPORT_HEADER, 0, 2, R_PORT);
		x_cmp(&r, R_PORT, NFT_CMP_LT, eph, 2);
	} else {
		x_imm(&r, R_PORT, 0);
	}
	x_load(&r, NFT_PAYLOAD_NETWORK_HEADER, 0, 1, R_IPHDR);
	if (l4const)
		x_imm(&r, R_L4HDR, l4const);
	else
		x_load(&r, NFT_PAYLOAD_TRANSPORT_HEADER, 12, 1, R_L4HDR);
	x_count(&r, set, set_id);
	x_verdict(&r, NFT_RETURN, NULL);
	rule_end(&r);
}

/* Chain toD, set svcD and counter overD for traffic to site D. */
static void add_destination(struct batch *b, size_t d)
{
	static const struct { uint8_t proto, l4const; } protos[] = {
		{ TRAFFIC_PROTO_TCP, 0 },
		{ TRAFFIC_PROTO_UDP, 0x20 },    /* 8 bytes, as a TCP doff byte */
	};
	char chain[32], set[32], over[32];
	uint32_t id = (uint32_t)d + 1;
	struct rule r;
	size_t i;

	snprintf(chain, sizeof(chain), "to%zu", d);
	snprintf(set, sizeof(set), "svc%zu", d);
	snprintf(over, sizeof(over), "over%zu", d);
	add_set(b, set, id);
	add_counter(b, over);
	add_chain(b, chain, false);
	for (i = 0; i < sizeof(protos) / sizeof(protos[0]); i++) {
		count_rule(b, chain, set, id, protos[i].proto, DPORT, protos[i].l4const);
		count_rule(b, chain, set, id, protos[i].proto, SPORT, protos[i].l4const);
		count_rule(b, chain, set, id, protos[i].proto, NOPORT, protos[i].l4const);
	}
	/* Any other protocol: its number, port 0, no L4 header. */
	rule_begin(&r, b, chain);
	x_l4proto(&r, R_PROTO);
	x_imm(&r, R_PORT, 0);
	x_load(&r, NFT_PAYLOAD_NETWORK_HEADER, 0, 1, R_IPHDR);
	x_imm(&r, R_L4HDR, 0);
	x_count(&r, set, id);
	x_verdict(&r, NFT_RETURN, NULL);
	rule_end(&r);
	/* Reached only when the set is full. */
	rule_begin(&r, b, chain);
	x_objref(&r, over);
	rule_end(&r);
}

/* ip daddr LAN goto CHAIN, in the base chain. */
static void add_route(struct batch *b, const struct prefix *lan,
		      const char *chain)
{
	uint32_t mask = lan->plen ? htonl(~0u << (32 - lan->plen)) : 0;
	uint32_t net = htonl(lan->addr) & mask;
	struct rule r;

	rule_begin(&r, b, BASE_CHAIN);
	x_load(&r, NFT_PAYLOAD_NETWORK_HEADER, 16, 4, R_PROTO);
	if (lan->plen < 32)
		x_mask(&r, R_PROTO, R_PROTO, mask);
	x_cmp(&r, R_PROTO, NFT_CMP_EQ, &net, 4);
	x_verdict(&r, NFT_GOTO, chain);
	rule_end(&r);
}

/* The whole table of site S's gateway, replacing the one there. */
static int build_gateway(const struct world *w, size_t s, struct batch *b)
{
	char chain[32];
	size_t d;

	add_table(b, NFT_MSG_NEWTABLE, NLM_F_CREATE);
	add_table(b, NFT_MSG_DELTABLE, 0);
	add_table(b, NFT_MSG_NEWTABLE, NLM_F_CREATE);
	add_chain(b, BASE_CHAIN, true);
	for (d = 0; d < w->n_sites && !b->err; d++) {
		if (d == s)
			continue;
		add_destination(b, d);
		snprintf(chain, sizeof(chain), "to%zu", d);
		add_route(b, &w->sites[d].lan, chain);
	}
	return b->err;
}

/* ---- entering a gateway ---- */

typedef int (*gw_fn)(const struct world *w, size_t s, void *arg);

/* Run FN(W, S, ARG) inside the namespace of site S's gateway. A gateway
 * whose namespace is gone gives -ENOENT. */
static int in_gateway(struct emu *emu, const struct world *w, size_t s,
		      gw_fn fn, void *arg)
{
	int rc = netns_enter(w->sites[s].gw_netns), e;

	if (rc < 0)
		return rc;
	rc = fn(w, s, arg);
	e = netns_leave(emu_host_netns(emu));
	return rc ? rc : e;
}

static int reset_one(const struct world *w, size_t s, void *arg)
{
	struct mnl_socket *nl = NULL;
	struct batch b = { 0 };
	size_t limit = BATCH_MIN + w->n_sites * BATCH_PER_SITE;
	int rc;

	(void)arg;
	rc = batch_init(&b, limit);
	if (rc == 0)
		rc = build_gateway(w, s, &b);
	if (rc == 0)
		rc = sock_open(&nl, limit + BATCH_MIN);
	if (rc == 0)
		rc = batch_send(&b, nl);
	if (nl)
		mnl_socket_close(nl);
	batch_release(&b);
	return rc;
}

static int clear_one(const struct world *w, size_t s, void *arg)
{
	struct mnl_socket *nl = NULL;
	struct batch b = { 0 };
	int rc;

	(void)w;
	(void)s;
	(void)arg;
	rc = batch_init(&b, BATCH_MIN);
	if (rc == 0) {
		add_table(&b, NFT_MSG_NEWTABLE, NLM_F_CREATE);
		add_table(&b, NFT_MSG_DELTABLE, 0);
		rc = b.err;
	}
	if (rc == 0)
		rc = sock_open(&nl, 0);
	if (rc == 0)
		rc = batch_send(&b, nl);
	if (nl)
		mnl_socket_close(nl);
	batch_release(&b);
	return rc;
}

/* The kernel without nf_tables answers NETLINK_NETFILTER requests for it
 * with EOPNOTSUPP (no such subsystem) or EAFNOSUPPORT. */
static int not_supported(int rc)
{
	return rc == -EOPNOTSUPP || rc == -EAFNOSUPPORT ||
	       rc == -EPROTONOSUPPORT ? -ENOTSUP : rc;
}

int traffic_nft_reset(struct emu *emu, const struct world *w)
{
	size_t s;
	int rc = 0;

	for (s = 0; s < w->n_sites && rc == 0; s++)
		rc = in_gateway(emu, w, s, reset_one, NULL);
	return not_supported(rc);
}

int traffic_nft_clear(struct emu *emu, const struct world *w)
{
	size_t s;
	int rc = 0, e;

	/* Every gateway, even after one failed. */
	for (s = 0; s < w->n_sites; s++) {
		e = in_gateway(emu, w, s, clear_one, NULL);
		if (e == -ENOENT)
			e = 0;
		if (e && rc == 0)
			rc = e;
	}
	return not_supported(rc);
}

/* ---- reading ---- */

/* Send REQ on NL and run CB on each message of the reply until its end.
 * 0 or -errno (the kernel's error, e.g. -ENOENT). */
static int talk(struct mnl_socket *nl, struct nlmsghdr *req, mnl_cb_t cb,
		void *data)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	uint32_t portid = mnl_socket_get_portid(nl), seq = req->nlmsg_seq;
	ssize_t n;
	int rc;

	if (mnl_socket_sendto(nl, req, req->nlmsg_len) < 0)
		return -errno;
	for (;;) {
		n = mnl_socket_recvfrom(nl, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return errno == EAGAIN ? -ETIMEDOUT : -errno;
		rc = mnl_cb_run(buf, (size_t)n, seq, portid, cb, data);
		if (rc < 0)
			return errno ? -errno : -EPROTO;
		if (rc == MNL_CB_STOP)
			return 0;
	}
}

void traffic_nft_element(const uint8_t *key, uint64_t packets,
			 uint64_t bytes, uint8_t *proto, uint16_t *port,
			 struct traffic_count *c)
{
	uint64_t ihl = (uint64_t)(key[8] & 0x0f) * 4;
	uint64_t l4 = (uint64_t)(key[12] >> 4) * 4;
	uint64_t hdrs = packets * (ihl + l4);

	*proto = key[0];
	*port = (uint16_t)(key[4] << 8 | key[5]);
	c->packets = packets;
	c->bytes = bytes + packets * ETH_HDR_LEN;
	c->payload = bytes > hdrs ? bytes - hdrs : 0;
}

/* What one gateway's read collects. */
struct reader {
	struct traffic_table *t;
	size_t src, dst;
	uint64_t packets, bytes;        /* of the element being read */
	int err;
};

static int counter_of(struct nftnl_expr *e, void *data)
{
	struct reader *rd = data;
	const char *name = nftnl_expr_get_str(e, NFTNL_EXPR_NAME);

	if (name && !strcmp(name, "counter")) {
		rd->packets += nftnl_expr_get_u64(e, NFTNL_EXPR_CTR_PACKETS);
		rd->bytes += nftnl_expr_get_u64(e, NFTNL_EXPR_CTR_BYTES);
	}
	return 0;
}

static int element_of(struct nftnl_set_elem *e, void *data)
{
	struct reader *rd = data;
	struct traffic_count c;
	const uint8_t *key;
	uint32_t klen = 0;
	uint16_t port;
	uint8_t proto;
	int rc;

	key = nftnl_set_elem_get(e, NFTNL_SET_ELEM_KEY, &klen);
	if (!key || klen != TRAFFIC_NFT_KEY_LEN)
		return 0;       /* not one of ours */
	rd->packets = rd->bytes = 0;
	nftnl_set_elem_expr_foreach(e, counter_of, rd);
	traffic_nft_element(key, rd->packets, rd->bytes, &proto, &port, &c);
	rc = traffic_table_add(rd->t, rd->src, rd->dst, proto, port, &c);
	if (rc && !rd->err)
		rd->err = rc;
	return 0;
}

static int elems_cb(const struct nlmsghdr *nlh, void *data)
{
	return nftnl_set_elems_nlmsg_parse(nlh, data) < 0 ? MNL_CB_ERROR :
	       MNL_CB_OK;
}

/* The elements of set svcD into RD's table. */
static int read_set(struct mnl_socket *nl, struct reader *rd)
{
	char buf[MNL_SOCKET_BUFFER_SIZE], name[32];
	struct nftnl_set *s = nftnl_set_alloc();
	struct nlmsghdr *nlh;
	int rc;

	if (!s)
		return -ENOMEM;
	memset(buf, 0, sizeof(buf));
	snprintf(name, sizeof(name), "svc%zu", rd->dst);
	nftnl_set_set_str(s, NFTNL_SET_TABLE, TRAFFIC_NFT_TABLE);
	nftnl_set_set_str(s, NFTNL_SET_NAME, name);
	nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETSETELEM, NFPROTO_IPV4,
				    NLM_F_DUMP, (uint32_t)time(NULL));
	nftnl_set_elems_nlmsg_build_payload(nlh, s);
	rc = talk(nl, nlh, elems_cb, s);
	if (rc == 0) {
		nftnl_set_elem_foreach(s, element_of, rd);
		rc = rd->err;
	}
	nftnl_set_free(s);
	return rc;
}

/* One counter object overD: the overflow of destination D. */
static int obj_cb(const struct nlmsghdr *nlh, void *data)
{
	struct reader *rd = data;
	struct nftnl_obj *o = nftnl_obj_alloc();
	struct traffic_count c;
	const char *name;
	char *end;
	unsigned long d;
	uint64_t bytes;
	int rc = MNL_CB_OK;

	if (!o)
		return MNL_CB_ERROR;
	if (nftnl_obj_nlmsg_parse(nlh, o) < 0) {
		rc = MNL_CB_ERROR;
		goto out;
	}
	name = nftnl_obj_get_str(o, NFTNL_OBJ_NAME);
	if (!name || strncmp(name, "over", 4) || name[4] < '0' || name[4] > '9')
		goto out;
	d = strtoul(name + 4, &end, 10);
	if (*end || d >= rd->t->n_sites || d == rd->src)
		goto out;
	c.packets = nftnl_obj_get_u64(o, NFTNL_OBJ_CTR_PKTS);
	bytes = nftnl_obj_get_u64(o, NFTNL_OBJ_CTR_BYTES);
	if (c.packets == 0)
		goto out;
	/* Not classified: the IP payload, assuming no IP options. */
	c.bytes = bytes + c.packets * ETH_HDR_LEN;
	c.payload = bytes > c.packets * 20 ? bytes - c.packets * 20 : 0;
	if (traffic_table_add(rd->t, rd->src, d, 0, 0, &c) && !rd->err)
		rd->err = -ENOMEM;
out:
	nftnl_obj_free(o);
	return rc;
}

static int read_objects(struct mnl_socket *nl, struct reader *rd)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nftnl_obj *o = nftnl_obj_alloc();
	struct nlmsghdr *nlh;
	int rc;

	if (!o)
		return -ENOMEM;
	memset(buf, 0, sizeof(buf));
	nftnl_obj_set_str(o, NFTNL_OBJ_TABLE, TRAFFIC_NFT_TABLE);
	nftnl_obj_set_u32(o, NFTNL_OBJ_TYPE, NFT_OBJECT_COUNTER);
	nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETOBJ, NFPROTO_IPV4,
				    NLM_F_DUMP, (uint32_t)time(NULL));
	nftnl_obj_nlmsg_build_payload(nlh, o);
	rc = talk(nl, nlh, obj_cb, rd);
	nftnl_obj_free(o);
	return rc ? rc : rd->err;
}

static int read_one(const struct world *w, size_t s, void *arg)
{
	struct reader rd = { .t = arg, .src = s };
	struct mnl_socket *nl = NULL;
	int rc = sock_open(&nl, 0);
	size_t d;

	for (d = 0; d < w->n_sites && rc == 0; d++) {
		if (d == s)
			continue;
		rd.dst = d;
		rc = read_set(nl, &rd);
	}
	if (rc == 0)
		rc = read_objects(nl, &rd);
	if (nl)
		mnl_socket_close(nl);
	return rc;
}

int traffic_nft_read(struct emu *emu, const struct world *w,
		     struct traffic_table *t)
{
	size_t s;
	int rc = 0;

	traffic_table_init(t, w->n_sites);
	for (s = 0; s < w->n_sites && rc == 0; s++)
		rc = in_gateway(emu, w, s, read_one, t);
	if (rc == 0)
		traffic_table_finish(t);
	return not_supported(rc);
}

static int table_cb(const struct nlmsghdr *nlh, void *data)
{
	(void)nlh;
	*(int *)data = 1;
	return MNL_CB_OK;
}

/* The table's presence in the calling thread's namespace. */
static int present_here(void)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nftnl_table *t = nftnl_table_alloc();
	struct mnl_socket *nl = NULL;
	struct nlmsghdr *nlh;
	int rc, found = 0;

	if (!t)
		return -ENOMEM;
	memset(buf, 0, sizeof(buf));
	nftnl_table_set_str(t, NFTNL_TABLE_NAME, TRAFFIC_NFT_TABLE);
	nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETTABLE, NFPROTO_IPV4,
				    NLM_F_ACK, (uint32_t)time(NULL));
	nftnl_table_nlmsg_build_payload(nlh, t);
	rc = sock_open(&nl, 0);
	if (rc == 0)
		rc = talk(nl, nlh, table_cb, &found);
	if (nl)
		mnl_socket_close(nl);
	nftnl_table_free(t);
	if (rc == -ENOENT)
		return 0;
	return rc ? not_supported(rc) : found;
}

int traffic_nft_present(struct emu *emu, const char *netns)
{
	int rc, e;

	if (!netns)
		return present_here();
	rc = netns_enter(netns);
	if (rc < 0)
		return rc;
	rc = present_here();
	e = netns_leave(emu_host_netns(emu));
	return rc < 0 ? rc : e ? e : rc;
}
