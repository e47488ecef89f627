/* world — names an experiment's world and builds and removes it in the
 * kernel; see world.h for the naming scheme.
 *
 * world_up() makes the host's bridges, then one gateway namespace per site,
 * then the nodes through node_netns_build() (node_netns.c) on two threads:
 * setns() and unshare() act on one thread, so each thread steps into the
 * namespace it builds and back. The kernel work is mostly serialised by
 * the rtnl lock; the second thread overlaps namespace creation and mounts
 * with it. Backends that run something in a node's namespace (an lxc
 * domain) start it afterwards on more threads (nodes_start()), since
 * each start is mostly work in other processes (libvirtd, the domain's
 * controller), which more threads keep busy. Every host link is made in
 * the world's device group. world_down() finds the links by tag, deletes
 * them all (bridges, veths and their peers) with one `ip link del group`
 * while other threads unbind the namespaces, and checks that no link with
 * the tag is left; the kernel frees the emptied namespaces afterwards.
 * Links go through link.c, namespaces through netns.c.
 * world_ready() then waits, on threads of its own, until every node whose
 * backend has a ready op (a VM's guest) answers.
 */
#include "emulator/world.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "emulator/emu.h"
#include "emulator/fabric.h"
#include "emulator/link.h"
#include "emulator/netns.h"
#include "emulator/node.h"
#include "emulator/node_netns.h"
#include "util/crash.h"

#define WORLD_UP_THREADS        2
/* Threads starting backends' nodes (lxc domains) once the namespaces are
 * built: a libvirt LXC start mostly waits on the domain's controller and
 * on libvirtd (default max_workers 20), so more than the host's cores
 * overlap. */
#define WORLD_START_THREADS     8
#define WORLD_DOWN_TIMEOUT_MS   30000
#define WORLD_DOWN_POLL_MS      10
#define WORLD_READY_THREADS     16      /* blocked in poll(), not on CPU */
#define WORLD_READY_SLICE_MS    500     /* one node's probe before the next */
#define WORLD_READY_TICK_MS     200
#define WORLD_READY_WHY         640

static const char base36[] = "0123456789abcdefghijklmnopqrstuvwxyz";

void world_tag(const char *name, unsigned salt, char *tag)
{
	uint64_t h = 0xcbf29ce484222325ull;     /* FNV-1a, 64 bits */
	size_t i;

	for (; *name; name++) {
		h ^= (unsigned char)*name;
		h *= 0x100000001b3ull;
	}
	for (i = 0; i < sizeof(salt); i++) {
		h ^= (salt >> (8 * i)) & 0xff;
		h *= 0x100000001b3ull;
	}
	/* Fold the high bits in: FNV's low bits mix poorly. */
	h ^= h >> 32;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 29;
	tag[0] = 'e';
	for (i = 1; i < WORLD_TAG_LEN; i++) {
		tag[i] = base36[h % 36];
		h /= 36;
	}
	tag[WORLD_TAG_LEN] = '\0';
}

uint32_t world_group(const struct world *w)
{
	uint32_t v = 0;
	size_t i;

	if (strlen(w->tag) != WORLD_TAG_LEN)
		return 0;
	for (i = 1; i < WORLD_TAG_LEN; i++) {
		const char *d = strchr(base36, w->tag[i]);

		if (!w->tag[i] || !d)
			return 0;
		v = v * 36 + (uint32_t)(d - base36);
	}
	return WORLD_GROUP_BASE + v;
}

/* TAG, KIND and INDEX in decimal into BUF (WORLD_IFNAMSIZ bytes): at most
 * 15 characters for indexes below 10^9. */
static void kind_name(char *buf, const char *tag, char kind, size_t index)
{
	char digits[24];
	size_t n = 0, len = WORLD_TAG_LEN;

	do {
		digits[n++] = (char)('0' + index % 10);
		index /= 10;
	} while (index);
	memcpy(buf, tag, WORLD_TAG_LEN);
	buf[len++] = kind;
	while (n > 0 && len < WORLD_IFNAMSIZ - 1)
		buf[len++] = digits[--n];
	buf[len] = '\0';
}

void world_name(struct world *w)
{
	size_t i;

	w->wan.addr = ADDR_WAN_POOL;
	w->wan.plen = ADDR_WAN_PLEN;
	memcpy(w->wan_bridge, w->tag, WORLD_TAG_LEN);
	w->wan_bridge[WORLD_TAG_LEN] = 'w';
	w->wan_bridge[WORLD_TAG_LEN + 1] = '\0';
	for (i = 0; i < w->n_sites; i++) {
		struct world_site *s = &w->sites[i];

		kind_name(s->lan_bridge, w->tag, 'b', i);
		kind_name(s->gw_lan_host, w->tag, 'g', i);
		kind_name(s->gw_wan_host, w->tag, 'u', i);
		snprintf(s->gw_netns, sizeof(s->gw_netns), "enos.%s.gw.%s",
			 w->name, s->name);
		s->gw_lan_addr = addr_host(&s->lan, 0);
		/* Counts the site's nodes until the last loop below. */
		s->gw_wan_addr = 0;
	}
	for (i = 0; i < w->n_nodes; i++) {
		struct world_node *n = &w->nodes[i];
		struct world_site *s = &w->sites[n->site];

		kind_name(n->host_if, w->tag, 'v', i);
		snprintf(n->netns, sizeof(n->netns), "enos.%s.%s", w->name,
			 n->name);
		n->addr = addr_host(&s->lan, ++s->gw_wan_addr);
	}
	for (i = 0; i < w->n_sites; i++)
		w->sites[i].gw_wan_addr = addr_wan(i);
}

const char *world_netns_prefix(const char *name, char *buf, size_t len)
{
	snprintf(buf, len, "enos.%s.", name);
	return buf;
}

const struct fabric_ops *world_fabric(const struct world *w)
{
	return w->fabric ? w->fabric : &fabric_bridge_ops;
}

unsigned world_needs(const struct world *w)
{
	unsigned needs = world_fabric(w)->needs;
	size_t i;

	for (i = 0; i < w->n_nodes; i++)
		if (w->nodes[i].ops)
			needs |= w->nodes[i].ops->needs;
	return needs;
}

/* A world whose tag or name could match another experiment's objects. */
static int world_check(const struct world *w)
{
	if (!w->name || !*w->name || strlen(w->tag) != WORLD_TAG_LEN)
		return -EINVAL;
	return 0;
}

static void report(world_progress_fn progress, void *arg, const char *phase,
		   size_t done, size_t total)
{
	if (progress)
		progress(arg, phase, done, total);
}

/* Does W have a site on another host (a part of a spread world)? */
static bool world_spread(const struct world *w)
{
	size_t i;

	for (i = 0; i < w->n_sites; i++)
		if (w->sites[i].remote)
			return true;
	return false;
}

/* Gateway of site I: `ip netns add`, its veths lan0 and wan0 (up, without
 * IPv6 link-local addresses), addresses, forwarding and a route to
 * every other site's LAN through its gateway. */
static int gateway_up(struct emu *emu, const struct world *w, size_t i,
		      int lan_index, int wan_index)
{
	const struct world_site *s = &w->sites[i];
	int host_fd = emu_host_netns(emu);
	pid_t tid = gettid();
	struct nl_sock *sk = NULL;
	struct link_batch hb, nb;
	int lan0, wan0;
	int inside = 0;
	size_t t;
	int err;

	link_batch_init(&hb, emu_nl(emu));
	link_batch_group(&hb, world_group(w));
	err = netns_add_enter(s->gw_netns, host_fd);
	if (err < 0)
		goto out;
	inside = 1;
	err = link_sock_open(&sk);
	if (err < 0)
		goto out;
	err = link_veth_add(&hb, s->gw_lan_host, lan_index, "lan0", tid);
	if (err == 0)
		err = link_veth_add(&hb, s->gw_wan_host, wan_index, "wan0",
				    tid);
	if (err == 0)
		err = link_batch_flush(&hb);
	if (err == 0)
		err = netns_ipv6_off(emu_host_ipv6_conf(emu), s->gw_lan_host);
	if (err == 0)
		err = netns_ipv6_off(emu_host_ipv6_conf(emu), s->gw_wan_host);
	if (err == 0)
		err = link_index(sk, "lan0", &lan0);
	if (err == 0)
		err = link_index(sk, "wan0", &wan0);
	if (err < 0)
		goto out;
	link_batch_init(&nb, sk);
	err = link_up(&nb, "lo");
	/* Spread over hosts: a MAC every host's engine knows already
	 * (addr_wan_mac), before it is up. */
	if (err == 0 && world_spread(w)) {
		uint8_t mac[6];

		addr_wan_mac(i, mac);
		err = link_mac_set(&nb, "wan0", mac);
	}
	if (err == 0)
		err = link_up_quiet(&nb, "lan0");
	if (err == 0)
		err = link_up_quiet(&nb, "wan0");
	if (err == 0)
		err = link_addr_add(&nb, lan0, s->gw_lan_addr, s->lan.plen);
	if (err == 0)
		err = link_addr_add(&nb, wan0, s->gw_wan_addr, w->wan.plen);
	for (t = 0; t < w->n_sites && err == 0; t++)
		if (t != i)
			err = link_route_add(&nb, &w->sites[t].lan,
					     w->sites[t].gw_wan_addr, wan0);
	if (err == 0)
		err = link_batch_flush(&nb);
	else
		link_batch_flush(&nb);
	if (err == 0 && world_fabric(w)->ns_tx_csum_off)
		err = link_tx_csum_off("lan0");
	if (err == 0 && world_fabric(w)->ns_tx_csum_off &&
	    w->wan_mode == WAN_BRIDGE)
		err = link_tx_csum_off("wan0");
	if (err == 0)
		err = netns_sysctl("net/ipv4/ip_forward", "1");
out:
	link_sock_close(sk);
	if (inside) {
		int e = netns_leave(host_fd);

		if (err == 0)
			err = e;
	}
	link_batch_flush(&hb);
	return err;
}

/* Shared by the threads building nodes. */
struct node_pool {
	struct emu *emu;
	const struct world *w;
	const int *lan_index;
	atomic_size_t next;     /* next node to take */
	atomic_size_t done;
	atomic_int err;         /* first failure */
};

/* Build node N's namespace. What its backend starts in it (an lxc
 * domain) comes later, in nodes_start(). */
static int node_up(struct emu *emu, struct nl_sock *sk, const struct world *w,
		   const struct world_node *n, int lan_index)
{
	return node_netns_build(emu, sk, w, n, lan_index);
}

/* Build nodes until none is left or one failed, on host socket SK. */
static void pool_work(struct node_pool *p, struct nl_sock *sk,
		      world_progress_fn progress, void *arg)
{
	size_t total = p->w->n_nodes;
	size_t step = total / 100 ? total / 100 : 1;
	size_t shown = 0;

	while (atomic_load(&p->err) == 0) {
		size_t i = atomic_fetch_add(&p->next, 1);
		const struct world_node *n;
		size_t done;
		int err;

		if (i >= total)
			break;
		n = &p->w->nodes[i];
		err = node_up(p->emu, sk, p->w, n, p->lan_index[n->site]);
		if (err < 0) {
			int zero = 0;

			atomic_compare_exchange_strong(&p->err, &zero, err);
			break;
		}
		/* Every 1 %, counting the other thread's nodes too. */
		done = atomic_fetch_add(&p->done, 1) + 1;
		crash_point_n("up:node", done);
		if (progress && done / step > shown && done < total) {
			shown = done / step;
			progress(arg, "nodes", done, total);
		}
	}
}

static void *pool_thread(void *arg)
{
	struct node_pool *p = arg;
	struct nl_sock *sk = NULL;
	int err;

	err = link_sock_open(&sk);
	if (err == 0) {
		pool_work(p, sk, NULL, NULL);
	} else {
		int zero = 0;

		atomic_compare_exchange_strong(&p->err, &zero, err);
	}
	link_sock_close(sk);
	return NULL;
}

static int nodes_up(struct emu *emu, const struct world *w,
		    const int *lan_index, world_progress_fn progress,
		    void *arg)
{
	struct node_pool p = { .emu = emu, .w = w, .lan_index = lan_index };
	pthread_t th[WORLD_UP_THREADS];
	size_t started = 0, i;
	int err;

	atomic_init(&p.next, 0);
	atomic_init(&p.done, 0);
	atomic_init(&p.err, 0);
	for (i = 1; i < WORLD_UP_THREADS && w->n_nodes > 1; i++) {
		if (pthread_create(&th[started], NULL, pool_thread, &p) != 0)
			break;  /* fewer threads, same result */
		started++;
	}
	/* This thread reports progress, so the callback runs where the
	 * caller expects it. */
	pool_work(&p, emu_nl(emu), progress, arg);
	for (i = 0; i < started; i++)
		pthread_join(th[i], NULL);
	err = atomic_load(&p.err);
	if (err == 0)
		report(progress, arg, "nodes", w->n_nodes, w->n_nodes);
	return err;
}

/* Start nodes until none is left or one failed; this thread reports
 * progress (every 1 % of the TODO nodes to start) if PROGRESS is set. */
static void start_work(struct node_pool *p, size_t todo,
		       world_progress_fn progress, void *arg)
{
	size_t step = todo / 100 ? todo / 100 : 1, shown = 0, i, done;
	const struct node_ops *ops;
	int zero, err;

	while (atomic_load(&p->err) == 0) {
		i = atomic_fetch_add(&p->next, 1);
		if (i >= p->w->n_nodes)
			break;
		ops = p->w->nodes[i].ops;
		if (!ops->start)
			continue;
		err = ops->start(p->emu, p->w, &p->w->nodes[i]);
		zero = 0;
		if (err < 0) {
			atomic_compare_exchange_strong(&p->err, &zero, err);
			break;
		}
		done = atomic_fetch_add(&p->done, 1) + 1;
		crash_point_n("up:start", done);
		if (progress && done / step > shown && done < todo) {
			shown = done / step;
			progress(arg, "started", done, todo);
		}
	}
}

static void *start_thread(void *arg)
{
	struct node_pool *p = arg;

	start_work(p, p->w->n_nodes, NULL, NULL);
	return NULL;
}

/* Start what each node's backend runs in its namespace (ops->start), on
 * up to WORLD_START_THREADS threads (netns nodes: their cgroup, when they
 * have a profile). */
static int nodes_start(struct emu *emu, const struct world *w,
		       world_progress_fn progress, void *arg)
{
	struct node_pool p = { .emu = emu, .w = w };
	pthread_t th[WORLD_START_THREADS];
	const struct node_ops *ops;
	size_t started = 0, todo = 0, i;
	int err;

	for (i = 0; i < w->n_nodes; i++)
		if ((ops = w->nodes[i].ops)->start)
			todo++;
	if (todo == 0)
		return 0;
	atomic_init(&p.next, 0);
	atomic_init(&p.done, 0);
	atomic_init(&p.err, 0);
	for (i = 1; i < WORLD_START_THREADS && i < todo; i++) {
		if (pthread_create(&th[started], NULL, start_thread, &p) != 0)
			break;  /* fewer threads, same result */
		started++;
	}
	/* This thread reports progress, as in nodes_up(). */
	start_work(&p, todo, progress, arg);
	for (i = 0; i < started; i++)
		pthread_join(th[i], NULL);
	err = atomic_load(&p.err);
	if (err == 0)
		report(progress, arg, "started", todo, todo);
	return err;
}

/* Attach every host end of W to its switch: for fabrics that do not take
 * the bridge as master when a veth is created. */
static int ports_up(struct emu *emu, const struct world *w)
{
	const struct fabric_ops *ops = world_fabric(w);
	struct fabric_port *p;
	size_t n = 0, i;
	int err;

	p = calloc(2 * w->n_sites + w->n_nodes + 1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	for (i = 0; i < w->n_sites; i++) {
		if (w->sites[i].remote)
			continue;
		if (!w->sites[i].lan_engine) {  /* else the engine's port */
			p[n].bridge = w->sites[i].lan_bridge;
			p[n++].port = w->sites[i].gw_lan_host;
		}
		if (w->wan_mode == WAN_BRIDGE) {
			p[n].bridge = w->wan_bridge;
			p[n++].port = w->sites[i].gw_wan_host;
		}
	}
	for (i = 0; i < w->n_nodes; i++) {
		if (w->sites[w->nodes[i].site].lan_engine)
			continue;
		p[n].bridge = w->sites[w->nodes[i].site].lan_bridge;
		p[n++].port = w->nodes[i].host_if;
	}
	err = ops->ports_add(emu, p, n);
	free(p);
	return err;
}

int world_up(struct emu *emu, const struct world *w,
	     world_progress_fn progress, void *arg)
{
	const struct fabric_ops *ops = world_fabric(w);
	struct nl_sock *sk = emu_nl(emu);
	const char **names = NULL;
	int *lan_index = NULL;
	size_t i, n = 0;
	int wan_index;
	int err;

	err = world_check(w);
	if (err < 0)
		goto out;
	/* Every node has a site and a backend before anything is made. */
	for (i = 0; i < w->n_nodes; i++)
		if (w->nodes[i].site >= w->n_sites || !w->nodes[i].ops ||
		    w->sites[w->nodes[i].site].remote) {
			err = -EINVAL;
			goto out;
		}
	lan_index = calloc(w->n_sites ? w->n_sites : 1, sizeof(*lan_index));
	names = calloc(w->n_sites + 1, sizeof(*names));
	if (!lan_index || !names) {
		err = -ENOMEM;
		goto out;
	}
	err = netns_prepare();
	if (err < 0)
		goto out;
	wan_index = 0;          /* WAN_WAND: the host ends stay unbridged */
	if (w->wan_mode == WAN_BRIDGE)
		names[n++] = w->wan_bridge;
	for (i = 0; i < w->n_sites; i++)
		if (!w->sites[i].remote)
			names[n++] = w->sites[i].lan_bridge;
	err = ops->bridges_add(emu, names, n);
	/* Otherwise the indexes stay 0: veths are made without a master and
	 * attached by ports_up(). */
	if (err == 0 && ops->master_at_create && w->wan_mode == WAN_BRIDGE)
		err = link_index(sk, w->wan_bridge, &wan_index);
	/* A site whose lan the engine shapes keeps index 0: its host ends
	 * are the engine's ports, on no bridge. */
	for (i = 0; i < w->n_sites && err == 0 && ops->master_at_create; i++)
		if (!w->sites[i].remote && !w->sites[i].lan_engine)
			err = link_index(sk, w->sites[i].lan_bridge,
					 &lan_index[i]);
	if (err < 0)
		goto out;
	crash_point("up:bridges");
	for (i = 0; i < w->n_sites; i++) {
		if (w->sites[i].remote)
			continue;
		err = gateway_up(emu, w, i, lan_index[i], wan_index);
		if (err < 0)
			goto out;
		crash_point_n("up:gateway", i + 1);
		report(progress, arg, "sites", i + 1, w->n_sites);
	}
	err = nodes_up(emu, w, lan_index, progress, arg);
	/* Before the ports: a qemu node's start replaces its veth by a tap
	 * of the same name, which is the port to attach. */
	if (err == 0)
		err = nodes_start(emu, w, progress, arg);
	if (err == 0 && !ops->master_at_create)
		err = ports_up(emu, w);
out:
	free(names);
	free(lan_index);
	return err;
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* The links of the host namespace that belong to a world: named with its
 * tag, or in its device group. */
struct tag_scan {
	const char *tag;
	uint32_t group;
	bool keep;                      /* collect the tagged names */
	char (*names)[WORLD_IFNAMSIZ];
	uint32_t *groups;               /* of names[i] */
	size_t n, cap;
	int bridges;                    /* tagged links by kind */
	int others;
	int foreign;                    /* in the group, not tagged */
};

static int scan_link(void *arg, const struct link_info *li)
{
	struct tag_scan *s = arg;

	if (strncmp(li->name, s->tag, WORLD_TAG_LEN) != 0) {
		s->foreign += s->group && li->group == s->group;
		return 0;
	}
	if (strchr("wb", li->name[WORLD_TAG_LEN]))
		s->bridges++;
	else
		s->others++;
	if (!s->keep)
		return 0;
	if (s->n == s->cap) {
		size_t cap = s->cap ? 2 * s->cap : 64;
		void *nn = realloc(s->names, cap * sizeof(*s->names));

		if (!nn)
			return -ENOMEM;
		s->names = nn;
		nn = realloc(s->groups, cap * sizeof(*s->groups));
		if (!nn)
			return -ENOMEM;
		s->groups = nn;
		s->cap = cap;
	}
	snprintf(s->names[s->n], WORLD_IFNAMSIZ, "%s", li->name);
	s->groups[s->n++] = li->group;
	return 0;
}

static void tag_scan_release(struct tag_scan *s)
{
	free(s->names);
	free(s->groups);
	memset(s, 0, sizeof(*s));
}

/* One dump of the host's links into *S (released by the caller), keeping
 * the tagged names if KEEP. The kernel flags a dump made while links came
 * or went; it is retried, so an empty scan means none. Returns 0 or
 * -errno. */
static int tag_scan(struct emu *emu, const struct world *w, bool keep,
		    struct tag_scan *s)
{
	int err, tries = 0;

	do {
		tag_scan_release(s);
		s->tag = w->tag;
		s->group = world_group(w);
		s->keep = keep;
		err = link_dump(emu_nl(emu), "", scan_link, s);
	} while (err == -EAGAIN && ++tries < 100);
	return err;
}

/* Delete every link of scan S of W: all in one `ip link del group` (the
 * tagged links not in W's group join it first: bridges, links made by an
 * enos that had no groups), or one by one if a link that is not W's is in
 * its group. Returns 0 or -errno. */
static int tag_links_drop(struct emu *emu, const struct world *w,
			  const struct tag_scan *s)
{
	uint32_t group = world_group(w);
	struct link_batch b;
	size_t i;
	int err = 0;

	if (s->n == 0)
		return 0;
	link_batch_init(&b, emu_nl(emu));
	for (i = 0; i < s->n && err == 0; i++) {
		if (!group || s->foreign)
			err = link_del(&b, s->names[i]);
		else if (s->groups[i] != group)
			err = link_group_set(&b, s->names[i], group);
	}
	if (err == 0 && group && !s->foreign)
		err = link_group_del(&b, group);
	if (err == 0)
		err = link_batch_flush(&b);
	else
		link_batch_flush(&b);
	return err;
}

/* Every node backend's sweep of W (libvirt domains, generated files). */
static int backends_sweep(struct emu *emu, const struct world *w)
{
	const struct node_ops *ops;
	size_t i;
	int err = 0;

	for (i = 0; (ops = node_ops_at(i)) && err >= 0; i++)
		if (ops->sweep)
			err = ops->sweep(emu, w);
	return err < 0 ? err : 0;
}

/* The first drop of world_down(), on a thread of its own. */
struct drop_job {
	struct emu *emu;
	const struct world *w;
	const struct tag_scan *s;
	int err;
};

static void *drop_thread(void *arg)
{
	struct drop_job *j = arg;

	j->err = tag_links_drop(j->emu, j->w, j->s);
	return NULL;
}

int world_down(struct emu *emu, const struct world *w,
	       world_progress_fn progress, void *arg)
{
	char prefix[WORLD_NETNS_MAX];
	struct tag_scan s = { 0 };
	struct drop_job job = { .emu = emu, .w = w, .s = &s };
	pthread_t th;
	bool threaded = false;
	uint64_t start;
	size_t first;
	int err, n;

	err = world_check(w);
	if (err < 0)
		goto out;
	/* Switches the fabric keeps outside the kernel's links (OVS). */
	err = world_fabric(w)->sweep(emu, w->tag);
	if (err < 0)
		goto out;
	/* Domains first: they hold the namespaces they share. */
	err = backends_sweep(emu, w);
	if (err < 0)
		goto out;
	/* The links by tag, so a lost plan loses nothing: bridges and veths
	 * (their peers go with them) in one unregistration, on a thread,
	 * while this one unbinds the namespaces. Both mostly wait for RCU
	 * grace periods: the links under the RTNL lock (a bridge waits for
	 * one of its own), the unmounts not. */
	err = tag_scan(emu, w, true, &s);
	if (err < 0)
		goto out;
	first = s.n;
	if (getenv("ENOS_DOWN_SERIAL") == NULL && s.n > 0 &&
	    pthread_create(&th, NULL, drop_thread, &job) == 0)
		threaded = true;
	/* Every namespace of W starts with the prefix: the sweep covers the
	 * plan and what a crash left out of it. */
	world_netns_prefix(w->name, prefix, sizeof(prefix));
	n = netns_sweep(prefix);
	crash_point("down:netns_swept");
	if (threaded)
		pthread_join(th, NULL);
	else
		job.err = tag_links_drop(emu, w, &s);
	err = n < 0 ? n : job.err;
	if (err < 0)
		goto out;
	crash_point("down:bridges_deleted");
	report(progress, arg, "namespaces", (size_t)n, (size_t)n);
	/* A world_up still running may have added links meanwhile: again
	 * until none is left. */
	start = now_ms();
	for (;;) {
		err = tag_scan(emu, w, true, &s);
		if (err < 0)
			goto out;
		report(progress, arg, "links",
		       first - (s.n < first ? s.n : first), first);
		if (s.n == 0)
			break;
		if (now_ms() - start >= WORLD_DOWN_TIMEOUT_MS) {
			err = -ETIMEDOUT;
			goto out;
		}
		usleep(WORLD_DOWN_POLL_MS * 1000);
		err = tag_links_drop(emu, w, &s);
		if (err < 0)
			goto out;
	}
	err = 0;
out:
	tag_scan_release(&s);
	return err;
}

int world_leftovers(struct emu *emu, const struct world *w)
{
	char prefix[WORLD_NETNS_MAX];
	const struct node_ops *ops;
	struct tag_scan c = { 0 };
	int links, ns, err;
	size_t i;

	err = world_check(w);
	if (err < 0)
		goto out;
	err = tag_scan(emu, w, false, &c);
	if (err < 0)
		goto out;
	links = c.bridges + c.others;
	err = world_fabric(w)->leftovers(emu, w->tag);
	if (err < 0)
		goto out;
	links += err;
	for (i = 0; (ops = node_ops_at(i)); i++) {
		if (!ops->leftovers)
			continue;
		err = ops->leftovers(emu, w);
		if (err < 0)
			goto out;
		links += err;
	}
	ns = netns_count(world_netns_prefix(w->name, prefix, sizeof(prefix)));
	if (ns < 0) {
		err = ns;
		goto out;
	}
	err = links + ns;
out:
	tag_scan_release(&c);
	return err;
}

/* The nodes world_ready() waits for, and their answers so far. */
struct ready_wait {
	struct emu *emu;
	const struct world *w;
	size_t *idx;            /* node indexes with a ready op */
	size_t n;
	size_t n_threads;
	atomic_int *ok;         /* per entry of idx: 1 once ready */
	char (*why)[WORLD_READY_WHY];   /* per entry: the last "not yet" */
	atomic_int stop;        /* set by the waiting thread */
	atomic_int err;         /* first -errno of a backend */
};

struct ready_thread {
	struct ready_wait *rw;
	size_t first;           /* entries first, first + n_threads, ... */
};

/* Probe this thread's nodes in turn, WORLD_READY_SLICE_MS each, until
 * they all answered or the wait is stopped. */
static void *ready_thread(void *arg)
{
	const struct ready_thread *t = arg;
	struct ready_wait *rw = t->rw;
	size_t i, left;
	int r;

	do {
		left = 0;
		for (i = t->first; i < rw->n && !atomic_load(&rw->stop);
		     i += rw->n_threads) {
			const struct world_node *n = &rw->w->nodes[rw->idx[i]];

			if (atomic_load(&rw->ok[i]))
				continue;
			r = n->ops->ready(rw->emu, n, WORLD_READY_SLICE_MS,
					  rw->why[i], sizeof(rw->why[i]));
			if (r > 0) {
				atomic_store(&rw->ok[i], 1);
			} else if (r < 0) {
				int zero = 0;

				atomic_compare_exchange_strong(&rw->err, &zero, r);
				atomic_store(&rw->stop, 1);
			} else {
				left++;
			}
		}
	} while (left && !atomic_load(&rw->stop));
	return NULL;
}

/* Count the nodes of RW that answered. */
static size_t ready_count(struct ready_wait *rw)
{
	size_t i, k = 0;

	for (i = 0; i < rw->n; i++)
		k += (size_t)atomic_load(&rw->ok[i]);
	return k;
}

/* Say which node of RW was not ready after WAIT_MS, and why. */
static void ready_timeout_msg(struct emu *emu, struct ready_wait *rw,
			      int wait_ms)
{
	size_t i, first = rw->n, late = 0;

	for (i = 0; i < rw->n; i++)
		if (!atomic_load(&rw->ok[i]) && late++ == 0)
			first = i;
	if (first == rw->n)
		return;
	emu_seterr(emu, "%s node '%s' was not ready within %d s%s: %s",
		   rw->w->nodes[rw->idx[first]].ops->name,
		   rw->w->nodes[rw->idx[first]].name, wait_ms / 1000,
		   late > 1 ? " (nor were others)" : "",
		   rw->why[first][0] ? rw->why[first] : "no answer");
}

int world_ready(struct emu *emu, const struct world *w, int wait_ms,
		world_ready_fn tick, void *arg)
{
	struct ready_wait rw = { .emu = emu, .w = w };
	struct ready_thread th[WORLD_READY_THREADS];
	pthread_t tid[WORLD_READY_THREADS];
	uint64_t deadline = now_ms() + (uint64_t)(wait_ms > 0 ? wait_ms : 0);
	size_t i, started = 0, done = 0;
	int err = 0;

	atomic_init(&rw.stop, 0);
	atomic_init(&rw.err, 0);
	rw.idx = calloc(w->n_nodes + 1, sizeof(*rw.idx));
	rw.ok = calloc(w->n_nodes + 1, sizeof(*rw.ok));
	rw.why = calloc(w->n_nodes + 1, sizeof(*rw.why));
	if (!rw.idx || !rw.ok || !rw.why) {
		err = -ENOMEM;
		goto out;
	}
	for (i = 0; i < w->n_nodes; i++)
		if (w->nodes[i].ops && w->nodes[i].ops->ready)
			rw.idx[rw.n++] = i;
	if (rw.n == 0)
		goto out;
	for (i = 0; i < rw.n; i++)
		atomic_init(&rw.ok[i], 0);
	rw.n_threads = rw.n < WORLD_READY_THREADS ? rw.n : WORLD_READY_THREADS;
	for (i = 0; i < rw.n_threads; i++) {
		th[i].rw = &rw;
		th[i].first = i;
		if (pthread_create(&tid[i], NULL, ready_thread, &th[i]) != 0) {
			err = -EAGAIN;
			atomic_store(&rw.stop, 1);
			break;
		}
		started++;
	}
	while (err == 0) {
		done = ready_count(&rw);
		err = tick ? tick(arg, done, rw.n) : 0;
		if (err != 0 || done == rw.n)
			break;
		err = atomic_load(&rw.err);
		if (err == 0 && now_ms() >= deadline) {
			ready_timeout_msg(emu, &rw, wait_ms);
			err = -ETIMEDOUT;
		}
		if (err == 0)
			usleep(WORLD_READY_TICK_MS * 1000);
	}
	atomic_store(&rw.stop, 1);
	for (i = 0; i < started; i++)
		pthread_join(tid[i], NULL);
out:
	free(rw.idx);
	free(rw.ok);
	free(rw.why);
	return err;
}
