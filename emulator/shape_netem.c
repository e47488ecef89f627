/* shape_netem — the netem shaping backend: HTB + netem + u32 on each
 * gateway's wan0, planned as a list of tc requests and then either sent
 * with libnl-route or rendered as iproute2 commands (see shape_netem.h for
 * the layout on wan0 and the per-direction semantics).
 *
 * What libnl 3.7 does and does not do here, and so what is raw netlink:
 * - HTB qdisc and classes (rtnl_qdisc/rtnl_class, 64-bit rates) and the
 *   u32 filter (rtnl_cls + rtnl_u32_*) go through libnl-route.
 * - The netem qdisc is built by hand (nl_msg, still libnl's message
 *   API): libnl's netem module has no TCA_NETEM_LOSS, so no
 *   Gilbert-Elliott loss model; it takes correlations as raw 32-bit
 *   scale values; and rtnl_netem_set_delay_distribution() searches only
 *   /usr/lib/tc, /usr/lib64/tc and /usr/local/lib/tc, not Debian's
 *   /usr/lib/<multiarch>/tc where iproute2 installs normal.dist and
 *   friends. So this file reads the .dist table itself (the kernel takes
 *   the table from userspace, as TCA_NETEM_DELAY_DIST) and sends
 *   latency and jitter as 64-bit nanoseconds (TCA_NETEM_LATENCY64,
 *   TCA_NETEM_JITTER64) beside the tick values of tc_netem_qopt.
 * - Loss with a mean burst length B > 1 is netem's Gilbert-Elliott model
 *   with h = 0 and k = 0 (`loss gemodel P R 100% 0%`: every packet is lost
 *   in the bad state, none in the good one): R = 1 / B gives bursts of
 *   mean length B, P = L R / (1 - L) a mean loss rate L. P is capped at
 *   100%, so L above B / (B + 1) gets less than asked for.
 *
 * Never prints; returns 0 or a negative errno; libnl's -NLE_* codes go
 * through link_errno().
 */
#include "emulator/shape_netem.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/pkt_sched.h>
#include <linux/rtnetlink.h>

#include <netlink/msg.h>
#include <netlink/attr.h>
#include <netlink/netlink.h>
#include <netlink/route/class.h>
#include <netlink/route/classifier.h>
#include <netlink/route/qdisc.h>
#include <netlink/route/tc.h>
#include <netlink/route/cls/u32.h>
#include <netlink/route/qdisc/htb.h>

#include "emulator/caps.h"
#include "emulator/emu.h"
#include "emulator/link.h"
#include "emulator/netns.h"
#include "emulator/trace_play.h"
#include "emulator/traffic_nft.h"

#define ROOT_MAJOR          1u          /* 1: */
#define DEFAULT_MINOR       1u          /* 1:1 */
#define FILTER_PRIO         1u
#define HTB_MTU             1600u       /* tc's default for HTB rate tables */
#define HTB_QUANTUM_MIN     1600u
#define HTB_QUANTUM_MAX     200000u     /* above, the kernel clamps and warns */
#define HTB_R2Q             10u
#define WIRE_PKT_BYTES      1500.0
#define JITTER_SPAN         4.0         /* jitter widths a delay line covers */
#define PCT_SCALE           10000.0     /* percentages keep 4 decimals */
#define DIST_MAX            16384       /* the kernel's NETEM_DIST_MAX */
#define NETEM_MSG_BYTES     (64 * 1024)
#define MAX_DELAY_US        3600000000ull       /* an hour, one way */

static uint32_t pair_minor(size_t dst)
{
	return SHAPE_NETEM_MINOR_BASE + (uint32_t)dst;
}

static uint32_t handle(uint32_t major, uint32_t minor)
{
	return TC_H_MAKE(major << 16, minor);
}

static double pct_round(double pct)
{
	return rint(pct * PCT_SCALE) / PCT_SCALE;
}

/* A percentage as the kernel's 32-bit probability, as tc's set_percent(). */
static uint32_t pct_u32(double pct)
{
	if (pct <= 0)
		return 0;
	if (pct >= 100)
		return UINT32_MAX;
	return (uint32_t)rint(pct / 100.0 * UINT32_MAX);
}

/* tc's name of a netem distribution table, NULL for netem's own uniform. */
static const char *dist_tc_name(enum jitter_dist d)
{
	switch (d) {
	case DIST_NORMAL:       return "normal";
	case DIST_PARETO:       return "pareto";
	case DIST_PARETONORMAL: return "paretonormal";
	case DIST_NONE:
	case DIST_UNIFORM:
	default:                return NULL;
	}
}

/* ---- planning --------------------------------------------------------- */

static int plan_push(struct tc_plan *p, const struct tc_op *op)
{
	size_t cap = p->cap ? 2 * p->cap : 16;
	struct tc_op *ops;
	int err = 0;

	if (p->n == p->cap) {
		ops = realloc(p->ops, cap * sizeof(*ops));
		if (!ops) {
			err = -ENOMEM;
			goto out;
		}
		p->ops = ops;
		p->cap = cap;
	}
	p->ops[p->n++] = *op;
out:
	return err;
}

void shape_netem_plan_release(struct tc_plan *plan)
{
	if (!plan)
		return;
	free(plan->ops);
	memset(plan, 0, sizeof(*plan));
}

static int plan_check(const struct world *w, const struct shape_table *t)
{
	int err = 0;

	if (!w || !t || t->n != w->n_sites)
		err = -EINVAL;
	else if (w->wan_mode != WAN_BRIDGE)
		err = -EOPNOTSUPP;
	else if (w->n_sites > SHAPE_NETEM_MAX_SITES)
		err = -E2BIG;
	else if (w->n_sites > 0 && (!t->p || !t->cut || !w->sites))
		err = -EINVAL;
	return err;
}

static struct tc_op op_base(const struct world_site *s, enum tc_verb verb,
			    enum tc_obj obj, enum tc_kind kind)
{
	struct tc_op op;

	memset(&op, 0, sizeof(op));
	op.verb = verb;
	op.obj = obj;
	op.kind = kind;
	op.netns = s->gw_netns;
	op.dev = SHAPE_NETEM_DEV;
	return op;
}

/* The netem parameters of one direction LP (CUT: it loses everything)
 * into *OUT. */
static int link_netem(const struct link_params *lp, bool cut,
		      struct tc_netem *out)
{
	double bps, line_s, limit, l, r, p;
	int err = 0;

	memset(out, 0, sizeof(*out));
	/* Written to fail on NaN too. */
	if (!(lp->loss_pct >= 0 && lp->loss_pct <= 100) ||
	    !(lp->jitter_corr_pct >= 0 && lp->jitter_corr_pct <= 100) ||
	    !(lp->loss_burst >= 0) ||
	    lp->delay_us > MAX_DELAY_US || lp->jitter_us > MAX_DELAY_US ||
	    (lp->rate_bps > 0 && lp->rate_bps < 8)) {
		err = -EINVAL;
		goto out;
	}
	bps = lp->rate_bps ? (double)lp->rate_bps : (double)SHAPE_NETEM_LINE_BPS;
	line_s = ((double)lp->delay_us + JITTER_SPAN * (double)lp->jitter_us) /
		 1e6;
	limit = ceil(bps / 8 * line_s / WIRE_PKT_BYTES) +
		(lp->queue_pkts ? lp->queue_pkts : SHAPE_NETEM_QUEUE_PKTS);
	out->limit = limit > UINT32_MAX ? UINT32_MAX : (uint32_t)limit;
	out->delay_us = lp->delay_us;
	out->jitter_us = lp->jitter_us;
	if (lp->jitter_us > 0) {
		out->corr_pct = pct_round(lp->jitter_corr_pct);
		out->dist = dist_tc_name(lp->dist) ? lp->dist : DIST_NONE;
	}
	if (cut) {
		out->loss_pct = 100;
	} else if (lp->loss_burst > 1 && lp->loss_pct > 0 &&
		   lp->loss_pct < 100) {
		l = lp->loss_pct / 100;
		r = 1 / lp->loss_burst;
		p = l * r / (1 - l);
		out->ge = true;
		out->ge_p_pct = pct_round(100 * (p > 1 ? 1 : p));
		out->ge_r_pct = pct_round(100 * r);
	} else {
		out->loss_pct = pct_round(lp->loss_pct);
	}
out:
	return err;
}

/* The netem parameters of SRC -> DST from T into *OUT. */
static int pair_netem(const struct shape_table *t, size_t src, size_t dst,
		      struct tc_netem *out)
{
	return link_netem(shape_at(t, src, dst), t->cut[src * t->n + dst],
			  out);
}

static uint32_t htb_quantum(uint64_t rate_bps)
{
	uint64_t q = rate_bps / 8 / HTB_R2Q;

	if (q < HTB_QUANTUM_MIN)
		q = HTB_QUANTUM_MIN;
	if (q > HTB_QUANTUM_MAX)
		q = HTB_QUANTUM_MAX;
	return (uint32_t)q;
}

/* `tc class VERB dev wan0 parent 1: classid 1:X htb rate R quantum Q` */
static struct tc_op op_class(const struct world_site *s, enum tc_verb verb,
			     uint32_t minor, uint64_t rate_bps)
{
	struct tc_op op = op_base(s, verb, TC_CLASS, TC_KIND_HTB);

	op.parent = handle(ROOT_MAJOR, 0);
	op.handle = handle(ROOT_MAJOR, minor);
	op.u.htb.rate_bps = rate_bps ? rate_bps : SHAPE_NETEM_UNLIMITED_BPS;
	op.u.htb.quantum = htb_quantum(op.u.htb.rate_bps);
	return op;
}

/* `tc qdisc VERB dev wan0 parent 1:X handle X: netem ...` */
static struct tc_op op_netem(const struct world_site *s, enum tc_verb verb,
			     uint32_t minor, const struct tc_netem *n)
{
	struct tc_op op = op_base(s, verb, TC_QDISC,
				  verb == TC_DEL ? TC_KIND_NONE : TC_KIND_NETEM);

	op.parent = handle(ROOT_MAJOR, minor);
	op.handle = handle(minor, 0);
	if (n)
		op.u.netem = *n;
	return op;
}

/* The ops of pair SRC -> DST on SRC's gateway: class, netem, and (ADD
 * only) the filter. */
static int plan_pair_ops(const struct world *w, const struct shape_table *t,
			 size_t src, size_t dst, enum tc_verb verb,
			 struct tc_plan *plan)
{
	const struct world_site *s = &w->sites[src];
	uint32_t minor = pair_minor(dst);
	bool filter = verb == TC_ADD;
	struct tc_netem n;
	struct tc_op op;
	int err;

	err = pair_netem(t, src, dst, &n);
	if (err < 0)
		goto out;
	op = op_class(s, verb, minor, shape_at(t, src, dst)->rate_bps);
	err = plan_push(plan, &op);
	if (err == 0 && verb == TC_CHANGE && n.jitter_us > 0 &&
	    n.dist == DIST_NONE) {
		/* Only a new qdisc forgets an old distribution table. */
		op = op_netem(s, TC_DEL, minor, NULL);
		err = plan_push(plan, &op);
		verb = TC_ADD;
	}
	op = op_netem(s, verb, minor, &n);
	if (err == 0)
		err = plan_push(plan, &op);
	if (err < 0 || !filter)
		goto out;
	op = op_base(s, TC_ADD, TC_FILTER, TC_KIND_U32);
	op.parent = handle(ROOT_MAJOR, 0);
	op.u.u32.dst = w->sites[dst].lan;
	op.u.u32.flowid = handle(ROOT_MAJOR, minor);
	op.u.u32.prio = FILTER_PRIO;
	err = plan_push(plan, &op);
out:
	return err;
}

/* `tc qdisc del dev wan0 root`, already gone being fine. */
static int plan_root_del(const struct world_site *s, struct tc_plan *plan)
{
	struct tc_op op = op_base(s, TC_DEL, TC_QDISC, TC_KIND_NONE);

	op.parent = TC_H_ROOT;
	op.missing_ok = true;
	return plan_push(plan, &op);
}

/* ---- a site's lan ----
 *
 * On each port of the site's LAN bridge (the host ends of its gateway's
 * LAN port and of its nodes' veths, in the host namespace), what leaves
 * the bridge towards that host:
 *   qdisc 1: htb, default class 1:LAN_MINOR
 *   class 1:LAN_MINOR, rate = the lan's rate (that host's link)
 *   qdisc LAN_MINOR: netem under it: the lan's delay, jitter, loss
 * So a frame meets the lan once, on its way to the host it is for: the
 * delay between two hosts of the site is the lan's one-way delay, as with
 * the wand engine (emulator/wand_engine.c, "site LANs"). */
#define LAN_MINOR SHAPE_NETEM_MINOR_BASE

/* `tc OBJ VERB dev DEV ...` in the host namespace. */
static struct tc_op op_port(const char *dev, enum tc_verb verb,
			    enum tc_obj obj, enum tc_kind kind)
{
	struct tc_op op;

	memset(&op, 0, sizeof(op));
	op.verb = verb;
	op.obj = obj;
	op.kind = kind;
	op.netns = NULL;
	op.dev = dev;
	return op;
}

/* The ops of LAN port DEV with the lan LP; ADD: from scratch (after
 * deleting its root), else only its root's deletion. */
static int plan_lan_port(const char *dev, const struct link_params *lp,
			 bool add, struct tc_plan *p)
{
	struct tc_netem n;
	struct tc_op op;
	int err;

	op = op_port(dev, TC_DEL, TC_QDISC, TC_KIND_NONE);
	op.parent = TC_H_ROOT;
	op.missing_ok = true;
	err = plan_push(p, &op);
	if (err < 0 || !add)
		return err;
	err = link_netem(lp, false, &n);
	if (err < 0)
		return err;
	op = op_port(dev, TC_ADD, TC_QDISC, TC_KIND_HTB);
	op.parent = TC_H_ROOT;
	op.handle = handle(ROOT_MAJOR, 0);
	op.u.htb_default = LAN_MINOR;
	err = plan_push(p, &op);
	op = op_port(dev, TC_ADD, TC_CLASS, TC_KIND_HTB);
	op.parent = handle(ROOT_MAJOR, 0);
	op.handle = handle(ROOT_MAJOR, LAN_MINOR);
	op.u.htb.rate_bps = lp->rate_bps ? lp->rate_bps :
			    SHAPE_NETEM_UNLIMITED_BPS;
	op.u.htb.quantum = htb_quantum(op.u.htb.rate_bps);
	if (err == 0)
		err = plan_push(p, &op);
	op = op_port(dev, TC_ADD, TC_QDISC, TC_KIND_NETEM);
	op.parent = handle(ROOT_MAJOR, LAN_MINOR);
	op.handle = handle(LAN_MINOR, 0);
	op.u.netem = n;
	if (err == 0)
		err = plan_push(p, &op);
	return err;
}

/* Every LAN port of each site of W whose lan netem shapes
 * (world_site.lan_shaped): T's lan (T NULL: removed). */
static int plan_lans(const struct world *w, const struct shape_table *t,
		     struct tc_plan *p)
{
	size_t i;
	int err = 0;

	if (t && !t->lan)
		return -EINVAL;
	for (i = 0; i < w->n_sites && err == 0; i++)
		if (w->sites[i].lan_shaped)
			err = plan_lan_port(w->sites[i].gw_lan_host,
					    t ? &t->lan[i] : NULL, t != NULL, p);
	for (i = 0; i < w->n_nodes && err == 0; i++)
		if (w->nodes[i].site < w->n_sites &&
		    w->sites[w->nodes[i].site].lan_shaped)
			err = plan_lan_port(w->nodes[i].host_if,
					    t ? &t->lan[w->nodes[i].site] : NULL,
					    t != NULL, p);
	return err;
}

int shape_netem_plan(const struct world *w, const struct shape_table *t,
		     struct tc_plan *plan)
{
	struct tc_plan p = { 0 };
	struct tc_op op;
	size_t src, dst;
	int err;

	err = plan_check(w, t);
	if (err < 0)
		goto out;
	for (src = 0; src < w->n_sites && err == 0; src++) {
		const struct world_site *s = &w->sites[src];

		err = plan_root_del(s, &p);
		if (err < 0)
			break;
		op = op_base(s, TC_ADD, TC_QDISC, TC_KIND_HTB);
		op.parent = TC_H_ROOT;
		op.handle = handle(ROOT_MAJOR, 0);
		op.u.htb_default = DEFAULT_MINOR;
		err = plan_push(&p, &op);
		if (err < 0)
			break;
		op = op_class(s, TC_ADD, DEFAULT_MINOR, 0);
		err = plan_push(&p, &op);
		for (dst = 0; dst < w->n_sites && err == 0; dst++)
			if (dst != src)
				err = plan_pair_ops(w, t, src, dst, TC_ADD,
						    &p);
	}
	if (err == 0)
		err = plan_lans(w, t, &p);
out:
	if (err < 0)
		shape_netem_plan_release(&p);
	*plan = p;
	return err;
}

int shape_netem_plan_pair(const struct world *w, const struct shape_table *t,
			  size_t src, size_t dst, struct tc_plan *plan)
{
	struct tc_plan p = { 0 };
	int err;

	err = plan_check(w, t);
	if (err == 0 && (src >= w->n_sites || dst >= w->n_sites || src == dst))
		err = -EINVAL;
	if (err == 0)
		err = plan_pair_ops(w, t, src, dst, TC_CHANGE, &p);
	if (err < 0)
		shape_netem_plan_release(&p);
	*plan = p;
	return err;
}

int shape_netem_plan_reset(const struct world *w, struct tc_plan *plan)
{
	struct tc_plan p = { 0 };
	size_t i;
	int err = 0;

	for (i = 0; i < w->n_sites && err == 0; i++)
		err = plan_root_del(&w->sites[i], &p);
	if (err == 0)
		err = plan_lans(w, NULL, &p);
	if (err < 0)
		shape_netem_plan_release(&p);
	*plan = p;
	return err;
}

/* ---- rendering -------------------------------------------------------- */

static void put_handle(FILE *f, uint32_t h)
{
	if (TC_H_MIN(h))
		fprintf(f, "%x:%x", TC_H_MAJ(h) >> 16, TC_H_MIN(h));
	else
		fprintf(f, "%x:", TC_H_MAJ(h) >> 16);
}

/* A percentage with up to 4 decimals and no trailing zeros, and "%". */
static void put_pct(FILE *f, double pct)
{
	char buf[48];
	size_t len;

	snprintf(buf, sizeof(buf), "%.4f", pct);
	len = strlen(buf);
	while (len > 0 && buf[len - 1] == '0')
		buf[--len] = '\0';
	if (len > 0 && buf[len - 1] == '.')
		buf[--len] = '\0';
	fprintf(f, "%s%%", buf);
}

static void put_time(FILE *f, uint64_t us)
{
	if (us % 1000 == 0)
		fprintf(f, "%llums", (unsigned long long)(us / 1000));
	else
		fprintf(f, "%lluus", (unsigned long long)us);
}

static void put_rate(FILE *f, uint64_t bps)
{
	static const struct {
		uint64_t div;
		const char *unit;
	} units[] = {
		{ 1000000000ull, "gbit" },
		{ 1000000ull, "mbit" },
		{ 1000ull, "kbit" },
	};
	size_t i;

	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (bps % units[i].div == 0) {
			fprintf(f, "%llu%s",
				(unsigned long long)(bps / units[i].div),
				units[i].unit);
			return;
		}
	fprintf(f, "%llubit", (unsigned long long)bps);
}

static void put_netem(FILE *f, const struct tc_netem *n)
{
	fprintf(f, " netem limit %u", n->limit);
	if (n->delay_us || n->jitter_us) {
		fputs(" delay ", f);
		put_time(f, n->delay_us);
		if (n->jitter_us) {
			fputc(' ', f);
			put_time(f, n->jitter_us);
			if (n->corr_pct > 0) {
				fputc(' ', f);
				put_pct(f, n->corr_pct);
			}
			if (dist_tc_name(n->dist))
				fprintf(f, " distribution %s",
					dist_tc_name(n->dist));
		}
	}
	if (n->ge) {
		fputs(" loss gemodel ", f);
		put_pct(f, n->ge_p_pct);
		fputc(' ', f);
		put_pct(f, n->ge_r_pct);
		fputs(" 100% 0%", f);
	} else if (n->loss_pct > 0) {
		fputs(" loss ", f);
		put_pct(f, n->loss_pct);
	}
}

static void put_op(FILE *f, const struct tc_op *op)
{
	static const char *const verbs[] = { "add", "change", "del" };
	static const char *const objs[] = { "qdisc", "class", "filter" };
	char addr[24];

	if (op->netns)  /* else the host's: a LAN bridge port */
		fprintf(f, "ip netns exec %s ", op->netns);
	fprintf(f, "tc %s %s dev %s ", objs[op->obj], verbs[op->verb],
		op->dev);
	if (op->parent == TC_H_ROOT) {
		fputs("root", f);
	} else {
		fputs("parent ", f);
		put_handle(f, op->parent);
	}
	if (op->handle) {
		fputs(op->obj == TC_CLASS ? " classid " : " handle ", f);
		put_handle(f, op->handle);
	}
	switch (op->kind) {
	case TC_KIND_HTB:
		if (op->obj == TC_QDISC) {
			fprintf(f, " htb default %x", op->u.htb_default);
		} else {
			fputs(" htb rate ", f);
			put_rate(f, op->u.htb.rate_bps);
			fprintf(f, " quantum %u", op->u.htb.quantum);
		}
		break;
	case TC_KIND_NETEM:
		put_netem(f, &op->u.netem);
		break;
	case TC_KIND_U32:
		fprintf(f, " protocol ip prio %u u32 match ip dst %s flowid ",
			op->u.u32.prio,
			prefix_format(&op->u.u32.dst, addr, sizeof(addr)));
		put_handle(f, op->u.u32.flowid);
		break;
	case TC_KIND_NONE:
		break;
	}
	fputc('\n', f);
}

int shape_netem_plan_render(const struct tc_plan *plan, char **text)
{
	char *buf = NULL;
	size_t len = 0, i;
	FILE *f;
	int err = 0;

	*text = NULL;
	f = open_memstream(&buf, &len);
	if (!f)
		return -ENOMEM;
	for (i = 0; i < plan->n; i++)
		put_op(f, &plan->ops[i]);
	if (ferror(f))
		err = -ENOMEM;
	if (fclose(f) != 0 && err == 0)
		err = -ENOMEM;
	if (err < 0)
		free(buf);
	else
		*text = buf;
	return err;
}

int shape_netem_render(const struct world *w, const struct shape_table *t,
		       char **text)
{
	struct tc_plan plan = { 0 };
	int err;

	*text = NULL;
	err = shape_netem_plan(w, t, &plan);
	if (err == 0)
		err = shape_netem_plan_render(&plan, text);
	shape_netem_plan_release(&plan);
	return err;
}

int shape_netem_render_pair(const struct world *w,
			    const struct shape_table *t, size_t src,
			    size_t dst, char **text)
{
	struct tc_plan plan = { 0 };
	int err;

	*text = NULL;
	err = shape_netem_plan_pair(w, t, src, dst, &plan);
	if (err == 0)
		err = shape_netem_plan_render(&plan, text);
	shape_netem_plan_release(&plan);
	return err;
}

/* ---- execution -------------------------------------------------------- */

struct dist_table {
	bool loaded;
	int16_t *v;
	size_t n;
};

/* State of one shape_netem_exec() call. */
struct exec_ctx {
	struct nl_sock *sk;     /* in the current gateway's namespace */
	int ifindex;            /* of its wan0 */
	struct dist_table dist[DIST_PARETONORMAL + 1];
};

/* Parse iproute2's NAME.dist (comment lines starting with '#', then
 * whitespace-separated integers) from F into *D. */
static int dist_parse(FILE *f, struct dist_table *d)
{
	char *line = NULL, *p, *end;
	size_t cap = 0;
	long v;
	int err = 0;

	d->v = malloc(DIST_MAX * sizeof(*d->v));
	if (!d->v)
		return -ENOMEM;
	while (err == 0 && getline(&line, &cap, f) >= 0) {
		if (line[0] == '#')
			continue;
		for (p = line; err == 0; p = end) {
			errno = 0;
			v = strtol(p, &end, 10);
			if (end == p)
				break;
			if (errno || v < INT16_MIN || v > INT16_MAX)
				err = -EINVAL;
			else if (d->n == DIST_MAX)
				err = -E2BIG;
			else
				d->v[d->n++] = (int16_t)v;
		}
	}
	if (err == 0 && ferror(f))
		err = -EIO;
	if (err == 0 && d->n == 0)
		err = -EINVAL;
	free(line);
	return err;
}

/* The delay distribution table DIST, read once per exec from where tc
 * reads it: $TC_LIB_DIR, then iproute2's install directories. */
static int dist_get(struct exec_ctx *x, enum jitter_dist dist,
		    const struct dist_table **out)
{
	const char *dirs[] = {
		getenv("TC_LIB_DIR"),
		"/usr/lib/x86_64-linux-gnu/tc",
		"/usr/lib/aarch64-linux-gnu/tc",
		"/usr/lib/tc",
		"/usr/lib64/tc",
		"/usr/local/lib/tc",
	};
	struct dist_table *d = &x->dist[dist];
	const char *name = dist_tc_name(dist);
	char path[512];
	FILE *f = NULL;
	size_t i;
	int err = 0;

	if (d->loaded)
		goto out;
	for (i = 0; i < sizeof(dirs) / sizeof(dirs[0]) && !f; i++)
		if (dirs[i] && *dirs[i]) {
			snprintf(path, sizeof(path), "%s/%s.dist", dirs[i],
				 name);
			f = fopen(path, "re");
		}
	if (!f) {
		err = -ENOENT;
		goto out;
	}
	err = dist_parse(f, d);
	fclose(f);
	if (err < 0) {
		free(d->v);
		memset(d, 0, sizeof(*d));
		goto out;
	}
	d->loaded = true;
out:
	*out = err == 0 ? d : NULL;
	return err;
}

static int verb_flags(enum tc_verb verb)
{
	return verb == TC_ADD ? NLM_F_CREATE | NLM_F_EXCL : 0;
}

static void tc_common(struct rtnl_tc *tc, const struct exec_ctx *x,
		      const struct tc_op *op)
{
	rtnl_tc_set_ifindex(tc, x->ifindex);
	rtnl_tc_set_parent(tc, op->parent);
	if (op->handle)
		rtnl_tc_set_handle(tc, op->handle);
}

/* `tc qdisc add dev wan0 root handle 1: htb default 1`, or
 * `tc qdisc del dev wan0 root` / `... parent 1:12 handle 12:` */
static int qdisc_send(struct exec_ctx *x, const struct tc_op *op)
{
	struct rtnl_qdisc *q = rtnl_qdisc_alloc();
	int err;

	if (!q)
		return -ENOMEM;
	tc_common(TC_CAST(q), x, op);
	if (op->verb == TC_DEL) {
		err = link_errno(rtnl_qdisc_delete(x->sk, q));
		goto out;
	}
	err = link_errno(rtnl_tc_set_kind(TC_CAST(q), "htb"));
	if (err == 0)
		err = link_errno(rtnl_htb_set_defcls(q, op->u.htb_default));
	if (err == 0)
		err = link_errno(rtnl_htb_set_rate2quantum(q, HTB_R2Q));
	if (err == 0)
		err = link_errno(rtnl_qdisc_add(x->sk, q, verb_flags(op->verb)));
out:
	rtnl_qdisc_put(q);
	return err;
}

/* `tc class add|change dev wan0 parent 1: classid 1:12 htb rate 100mbit
 * quantum 12500` (ceil = rate: a pair never borrows; burst is tc's
 * default, rate / psched hz + mtu 1600, as libnl computes it). */
static int class_send(struct exec_ctx *x, const struct tc_op *op)
{
	struct rtnl_class *c = rtnl_class_alloc();
	uint64_t bytes = op->u.htb.rate_bps / 8;
	int err;

	if (!c)
		return -ENOMEM;
	tc_common(TC_CAST(c), x, op);
	rtnl_tc_set_mtu(TC_CAST(c), HTB_MTU);
	err = link_errno(rtnl_tc_set_kind(TC_CAST(c), "htb"));
	if (err == 0)
		err = link_errno(rtnl_htb_set_rate64(c, bytes));
	if (err == 0)
		err = link_errno(rtnl_htb_set_ceil64(c, bytes));
	if (err == 0)
		err = link_errno(rtnl_htb_set_quantum(c, op->u.htb.quantum));
	if (err == 0)
		err = link_errno(rtnl_class_add(x->sk, c, verb_flags(op->verb)));
	rtnl_class_put(c);
	return err;
}

/* `tc filter add dev wan0 parent 1: protocol ip prio 1 u32 match ip dst
 * 198.18.0.8/29 flowid 1:12` */
static int filter_send(struct exec_ctx *x, const struct tc_op *op)
{
	struct rtnl_cls *f = rtnl_cls_alloc();
	uint8_t plen = op->u.u32.dst.plen;
	uint32_t mask = plen ? 0xffffffffu << (32 - plen) : 0;
	int err;

	if (!f)
		return -ENOMEM;
	tc_common(TC_CAST(f), x, op);
	err = link_errno(rtnl_tc_set_kind(TC_CAST(f), "u32"));
	if (err < 0)
		goto out;
	rtnl_cls_set_prio(f, op->u.u32.prio);
	rtnl_cls_set_protocol(f, ETH_P_IP);
	/* The IPv4 destination is at offset 16 of the header. */
	err = link_errno(rtnl_u32_add_key_uint32(f, op->u.u32.dst.addr & mask,
						 mask, 16, 0));
	if (err == 0)
		err = link_errno(rtnl_u32_set_classid(f, op->u.u32.flowid));
	if (err == 0)
		err = link_errno(rtnl_u32_set_cls_terminal(f));
	if (err == 0)
		err = link_errno(rtnl_cls_add(x->sk, f, verb_flags(op->verb)));
out:
	rtnl_cls_put(f);
	return err;
}

/* The TCA_OPTIONS of a netem qdisc: a struct tc_netem_qopt followed by
 * netlink attributes (iproute2's addattr_nest_compat). */
static int netem_options(struct nl_msg *msg, const struct tc_netem *n,
			 const struct dist_table *dist)
{
	struct tc_netem_qopt q;
	struct tc_netem_corr corr;
	struct tc_netem_gemodel ge;
	struct nlattr *opts, *loss;
	int64_t latency = (int64_t)n->delay_us * 1000;
	int64_t jitter = (int64_t)n->jitter_us * 1000;
	int err;

	memset(&q, 0, sizeof(q));
	q.limit = n->limit;
	/* Ticks of 64 ns (PSCHED_SHIFT); the 64-bit attributes below win. */
	q.latency = latency >> 6 > UINT32_MAX ? UINT32_MAX :
		    (uint32_t)(latency >> 6);
	q.jitter = jitter >> 6 > UINT32_MAX ? UINT32_MAX :
		   (uint32_t)(jitter >> 6);
	q.loss = n->ge ? 0 : pct_u32(n->loss_pct);
	opts = nla_nest_start(msg, TCA_OPTIONS);
	if (!opts)
		return -EMSGSIZE;
	err = nlmsg_append(msg, &q, sizeof(q), NLMSG_ALIGNTO);
	if (err == 0 && n->corr_pct > 0) {
		memset(&corr, 0, sizeof(corr));
		corr.delay_corr = pct_u32(n->corr_pct);
		err = nla_put(msg, TCA_NETEM_CORR, sizeof(corr), &corr);
	}
	if (err == 0 && dist)
		err = nla_put(msg, TCA_NETEM_DELAY_DIST,
			      (int)(dist->n * sizeof(dist->v[0])), dist->v);
	if (err == 0 && n->ge) {
		memset(&ge, 0, sizeof(ge));
		ge.p = pct_u32(n->ge_p_pct);
		ge.r = pct_u32(n->ge_r_pct);
		ge.h = 0;       /* tc's "1-h" = 100%: all lost when bad */
		ge.k1 = 0;      /* "1-k" = 0%: none lost when good */
		loss = nla_nest_start(msg, TCA_NETEM_LOSS);
		if (!loss)
			err = -NLE_MSGSIZE;
		if (err == 0)
			err = nla_put(msg, NETEM_LOSS_GE, sizeof(ge), &ge);
		if (err == 0)
			err = nla_nest_end(msg, loss);
	}
	if (err == 0)
		err = nla_put_s64(msg, TCA_NETEM_LATENCY64, latency);
	if (err == 0)
		err = nla_put_s64(msg, TCA_NETEM_JITTER64, jitter);
	if (err == 0)
		err = nla_nest_end(msg, opts);
	return link_errno(err);
}

/* `tc qdisc add|change dev wan0 parent 1:12 handle 12: netem limit 2667
 * delay 20ms 2ms 25% distribution normal loss 0.1%` */
static int netem_send(struct exec_ctx *x, const struct tc_op *op)
{
	struct tcmsg tcm;
	const struct dist_table *dist = NULL;
	struct nl_msg *msg = NULL;
	int err = 0;

	if (dist_tc_name(op->u.netem.dist))
		err = dist_get(x, op->u.netem.dist, &dist);
	if (err < 0)
		goto out;
	msg = nlmsg_alloc_size(NETEM_MSG_BYTES);
	if (!msg || !nlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, RTM_NEWQDISC,
			       0, verb_flags(op->verb))) {
		err = -ENOMEM;
		goto out;
	}
	memset(&tcm, 0, sizeof(tcm));
	tcm.tcm_family = AF_UNSPEC;
	tcm.tcm_ifindex = x->ifindex;
	tcm.tcm_parent = op->parent;
	tcm.tcm_handle = op->handle;
	err = link_errno(nlmsg_append(msg, &tcm, sizeof(tcm), NLMSG_ALIGNTO));
	if (err == 0)
		err = link_errno(nla_put_string(msg, TCA_KIND, "netem"));
	if (err == 0)
		err = netem_options(msg, &op->u.netem, dist);
	if (err < 0)
		goto out;
	err = link_errno(nl_send_sync(x->sk, msg));   /* frees msg */
	msg = NULL;
out:
	nlmsg_free(msg);
	return err;
}

static int op_send(struct exec_ctx *x, const struct tc_op *op)
{
	int err = -EINVAL;

	switch (op->obj) {
	case TC_QDISC:
		err = op->kind == TC_KIND_NETEM ? netem_send(x, op) :
		      qdisc_send(x, op);
		break;
	case TC_CLASS:
		err = class_send(x, op);
		break;
	case TC_FILTER:
		err = filter_send(x, op);
		break;
	}
	return err;
}

/* An error that means "already gone" for a deletion. Deleting the root
 * qdisc of a device that has only its default one is -ENOENT ("Cannot
 * delete qdisc with handle of zero"). */
static bool is_gone(int err)
{
	return err == -ENOENT || err == -ENODEV;
}

/* Run OPS[0..N), which share a namespace, inside it. */
static int exec_group(struct emu *emu, struct exec_ctx *x,
		      const struct tc_op *ops, size_t n)
{
	bool optional = true, inside = false;
	const char *dev = NULL;
	size_t i;
	int err, e;

	for (i = 0; i < n; i++)
		optional = optional && ops[i].missing_ok;
	/* No namespace: the host's own (a LAN bridge port). */
	err = ops[0].netns ? netns_enter(ops[0].netns) : 0;
	if (err < 0)
		goto out;
	inside = ops[0].netns != NULL;
	err = link_sock_open(&x->sk);
	for (i = 0; i < n && err == 0; i++) {
		if (!dev || strcmp(dev, ops[i].dev) != 0) {
			dev = ops[i].dev;
			err = link_index(x->sk, dev, &x->ifindex);
			if (err < 0)
				break;
		}
		err = op_send(x, &ops[i]);
		if (is_gone(err) && ops[i].missing_ok)
			err = 0;
	}
out:
	if (is_gone(err) && optional)
		err = 0;
	link_sock_close(x->sk);
	x->sk = NULL;
	if (inside) {
		e = netns_leave(emu_host_netns(emu));
		if (err == 0)
			err = e;
	}
	return err;
}

/* Two ops' namespaces (NULL: the host's) are the same. */
static bool same_netns(const char *a, const char *b)
{
	return a && b ? strcmp(a, b) == 0 : a == b;
}

int shape_netem_exec(struct emu *emu, const struct tc_plan *plan)
{
	struct exec_ctx x;
	size_t i, j;
	int err = 0;

	memset(&x, 0, sizeof(x));
	for (i = 0; i < plan->n && err == 0; i = j) {
		for (j = i + 1; j < plan->n; j++)
			if (!same_netns(plan->ops[j].netns, plan->ops[i].netns))
				break;
		err = exec_group(emu, &x, &plan->ops[i], j - i);
	}
	for (i = 0; i < sizeof(x.dist) / sizeof(x.dist[0]); i++)
		free(x.dist[i].v);
	return err;
}

/* ---- struct shape_ops ------------------------------------------------- */

/* CLOCK_REALTIME now, in us. */
static uint64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000;
}

/* The start of the traces W's player replays from into *START_US (0:
 * none runs); -ENOTCONN if its pid file names a player that is gone. */
static int netem_trace_start(struct emu *emu, const struct world *w,
			     uint64_t *start_us)
{
	pid_t pid;
	int rc = trace_play_read(w->name, &pid, start_us);
	(void)emu;

	if (rc == -ESRCH)
		rc = -ENOTCONN;
	if (rc)
		*start_us = 0;
	return rc;
}

/* T with each traced direction at its step in force now into *OUT
 * (shape_table_at): from T->trace_start_us, else the start W's player
 * replays from (a fault re-applying the table keeps the traces' clock),
 * else now. */
static int table_now(const struct world *w, const struct shape_table *t,
		     struct shape_table *out)
{
	uint64_t start = t->trace_start_us, now = now_us();

	if (!start && netem_trace_start(NULL, w, &start) < 0)
		start = 0;
	if (!start || start > now)
		start = now;
	return shape_table_at(t, now - start, out);
}

static int netem_apply(struct emu *emu, const struct world *w,
		       const struct shape_table *t)
{
	struct tc_plan plan = { 0 };
	struct shape_table at = { 0 };
	int err = 0;

	if (t && shape_table_traced(t)) {
		err = table_now(w, t, &at);
		t = &at;
	}
	if (err == 0)
		err = shape_netem_plan(w, t, &plan);
	if (err == 0)
		err = shape_netem_exec(emu, &plan);
	shape_netem_plan_release(&plan);
	free(at.p);
	return err;
}

static int netem_set_pair(struct emu *emu, const struct world *w,
			  const struct shape_table *t, size_t src, size_t dst)
{
	struct tc_plan plan = { 0 };
	int err;

	err = shape_netem_plan_pair(w, t, src, dst, &plan);
	if (err == 0)
		err = shape_netem_exec(emu, &plan);
	shape_netem_plan_release(&plan);
	return err;
}

static int netem_reset(struct emu *emu, const struct world *w)
{
	struct tc_plan plan = { 0 };
	int err;

	err = shape_netem_plan_reset(w, &plan);
	if (err == 0)
		err = shape_netem_exec(emu, &plan);
	shape_netem_plan_release(&plan);
	/* A plain wire counts nothing either. */
	if (err == 0)
		err = traffic_nft_clear(emu, w);
	return err == -ENOTSUP ? 0 : err;
}

/* Does the kernel have sch_netem (caps.c adds one in a throwaway
 * namespace)? */
static int netem_supported(char *why, size_t len)
{
	struct caps caps;

	caps_probe(&caps);
	if (caps.netem.found)
		return 0;
	snprintf(why, len, "%s", caps.netem.why);
	return -ENOTSUP;
}

const struct shape_ops shape_netem_ops = {
	.name = "netem",
	.wan_mode = WAN_BRIDGE,
	.shapes = true,
	.lan = true,            /* on each LAN bridge port: plan_lans() */
	.kmod = "sch_netem",
	.supported = netem_supported,
	.apply = netem_apply,
	.set_pair = netem_set_pair,
	.reset = netem_reset,
	.trace_start = netem_trace_start,
	.trace_play = true,
	.traffic_reset = traffic_nft_reset,
	.traffic_read = traffic_nft_read,
	.traffic_clear = traffic_nft_clear,
};
