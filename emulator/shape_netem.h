/* shape_netem — the netem shaping backend (shape_netem_ops in shape.h):
 * HTB, netem and u32 on every gateway's WAN port, via libnl.
 *
 * Each gateway S shapes what leaves its wan0 towards site D, so the pair
 * S -> D is shaped by S and D -> S by D, and an RTT is the sum of both
 * directions. On wan0:
 *   qdisc 1: htb, default class 1:1 (unshaped: ARP, gateway-to-gateway
 *            traffic), rate SHAPE_NETEM_UNLIMITED_BPS
 *   class 1:X per other site D, X = SHAPE_NETEM_MINOR_BASE + D (tc shows
 *            it in hex, so D = 2 reads 1:12), rate = the pair's rate
 *   qdisc X: netem under 1:X: delay, jitter, distribution, correlation,
 *            loss (random, or Gilbert-Elliott for bursts), a limit sized
 *            for the pair's bandwidth-delay product; a cut pair loses 100%
 *   filter   u32 at 1: prio 1: ip dst D's LAN prefix -> 1:X
 *
 * A site with a `lan` (world_site.lan_shaped) also gets, on each port of
 * its LAN bridge in the host namespace (its gateway's and nodes' host
 * ends: what leaves the bridge towards that host), an HTB root with one
 * class at the lan's rate and a netem under it with the lan's delay,
 * jitter and loss; those ops have no namespace (netns NULL) and render as
 * plain `tc` commands. A frame meets the lan once, on its way to the host
 * it is for, as with the wand engine.
 *
 * Work is planned before it is done: shape_netem_plan*() turn a world and
 * a shape table into a list of struct tc_op (pure, no system calls), which
 * shape_netem_exec() sends over rtnetlink inside each gateway's namespace
 * and shape_netem_plan_render() writes as the equivalent iproute2 commands
 * (one per line), so unit tests compare text without root.
 */
#ifndef EMULATOR_SHAPE_NETEM_H
#define EMULATOR_SHAPE_NETEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "emulator/addr.h"
#include "emulator/shape.h"

#define SHAPE_NETEM_DEV            "wan0"
#define SHAPE_NETEM_MINOR_BASE     0x10u
/* The rate of a pair with no limit, and of the default class: far above
 * what veths on one host carry, so HTB never holds a packet back. */
#define SHAPE_NETEM_UNLIMITED_BPS  100000000000ull  /* 100gbit */
/* The line rate assumed when sizing the delay line of an unlimited pair. */
#define SHAPE_NETEM_LINE_BPS       10000000000ull   /* 10gbit */
#define SHAPE_NETEM_QUEUE_PKTS     1000u   /* rate queue when queue_pkts 0 */
/* Sites a gateway can tell apart: class minors and qdisc majors stay
 * below 0xffff (ffff: is the ingress qdisc's). */
#define SHAPE_NETEM_MAX_SITES      (0xffffu - SHAPE_NETEM_MINOR_BASE)

enum tc_obj { TC_QDISC, TC_CLASS, TC_FILTER };
enum tc_verb { TC_ADD, TC_CHANGE, TC_DEL };
enum tc_kind { TC_KIND_NONE, TC_KIND_HTB, TC_KIND_NETEM, TC_KIND_U32 };

/* A netem qdisc's parameters in tc's units, rounded as rendered, so the
 * text and the netlink request carry the same values. */
struct tc_netem {
	uint32_t limit;         /* packets */
	uint64_t delay_us;
	uint64_t jitter_us;
	double corr_pct;        /* delay correlation; only with jitter */
	enum jitter_dist dist;  /* DIST_NONE: netem's uniform; only w/ jitter */
	double loss_pct;        /* random loss (0 when ge) */
	bool ge;                /* loss gemodel P R 100% 0% */
	double ge_p_pct;        /* good -> bad */
	double ge_r_pct;        /* bad -> good */
};

/* One tc request. */
struct tc_op {
	enum tc_verb verb;
	enum tc_obj obj;
	enum tc_kind kind;      /* TC_KIND_NONE for deletions */
	const char *netns;      /* gateway namespace, borrowed from the world;
				 * NULL: the host's (a LAN bridge port) */
	const char *dev;        /* SHAPE_NETEM_DEV, or a LAN bridge port */
	uint32_t parent;        /* TC_H_ROOT or major:minor (TC_H_MAKE) */
	uint32_t handle;        /* qdisc handle or classid; 0: none */
	bool missing_ok;        /* TC_DEL: already gone is success */
	union {
		uint32_t htb_default;   /* htb qdisc: minor of default class */
		struct {
			uint64_t rate_bps;
			uint32_t quantum;       /* bytes */
		} htb;                  /* htb class */
		struct tc_netem netem;
		struct {
			struct prefix dst;
			uint32_t flowid;
			uint16_t prio;
		} u32;
	} u;
};

/* A list of requests, grouped by namespace in execution order. */
struct tc_plan {
	struct tc_op *ops;
	size_t n;
	size_t cap;
};

/* Plan T on W from scratch: per gateway, delete the root qdisc (already
 * gone is fine), then the HTB root, the default class and per other site a
 * class, a netem qdisc and a filter; then each LAN port of each site whose
 * lan is shaped (see above), T->lan giving its lan. Fills *PLAN (zeroed by the caller or
 * released before); returns 0, -EINVAL (T does not fit W, bad values),
 * -EOPNOTSUPP (W was built for wand: W->wan_mode is not WAN_BRIDGE),
 * -E2BIG (more than SHAPE_NETEM_MAX_SITES sites) or -ENOMEM. On failure
 * *PLAN holds nothing to release. */
int shape_netem_plan(const struct world *w, const struct shape_table *t,
		     struct tc_plan *plan);

/* Plan the change of pair SRC -> DST to what T says: `tc class change`
 * and `tc qdisc change` on SRC's gateway. A netem qdisc keeps a delay
 * distribution table it was once given until it is deleted, so a pair
 * going back to netem's uniform jitter has its netem deleted and added
 * again. Same returns as shape_netem_plan(). */
int shape_netem_plan_pair(const struct world *w, const struct shape_table *t,
			  size_t src, size_t dst, struct tc_plan *plan);

/* Plan `tc qdisc del dev wan0 root` on every gateway, and on every LAN
 * bridge port of a site whose lan is shaped, already gone being success.
 * Returns 0 or -ENOMEM. */
int shape_netem_plan_reset(const struct world *w, struct tc_plan *plan);

/* Free PLAN's operations and zero it; accepts a zeroed plan and NULL. */
void shape_netem_plan_release(struct tc_plan *plan);

/* Write PLAN as iproute2 commands, one per line ("ip netns exec NS tc
 * ..."), into *TEXT (allocated, the caller frees). Returns 0 or -ENOMEM;
 * *TEXT is NULL on failure. */
int shape_netem_plan_render(const struct tc_plan *plan, char **text);

/* Send PLAN's requests: for each namespace in turn, step in, open an
 * rtnetlink socket there, send its operations and step back (the calling
 * thread is back in EMU's host namespace on return). Stops at the first
 * failure. For deletions marked missing_ok a missing qdisc, device or
 * namespace is success. Returns 0 or a negative errno (-ENOENT for a
 * missing delay distribution table or netem qdisc kind). */
int shape_netem_exec(struct emu *emu, const struct tc_plan *plan);

/* Dry run of shape_netem_ops.apply: the commands it would run, as
 * shape_netem_plan_render() writes them. Returns 0 or a negative errno;
 * *TEXT is allocated on success and NULL on failure. */
int shape_netem_render(const struct world *w, const struct shape_table *t,
		       char **text);

/* Dry run of shape_netem_ops.set_pair for SRC -> DST. */
int shape_netem_render_pair(const struct world *w,
			    const struct shape_table *t, size_t src,
			    size_t dst, char **text);

#endif
