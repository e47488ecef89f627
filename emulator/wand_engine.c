/* wand_engine — the datapath and control server of the wand WAN engine
 * (see emulator/wand.h for what it is and its control protocol).
 *
 * One thread, one epoll loop: an AF_PACKET socket per port (PACKET_VNET_HDR
 * so GSO superframes pass whole, PACKET_IGNORE_OUTGOING so it never reads
 * its own sends, PACKET_QDISC_BYPASS), the control socket and its clients,
 * a signalfd and a timerfd. Frames are read in batches with recvmmsg into
 * preallocated buffers, switched by a learning MAC table, and appended to
 * the FIFO of their ordered pair with an absolute CLOCK_MONOTONIC release
 * time (arrival, or the end of serialisation on a rate-limited pair, plus
 * delay and jitter, clamped so a pair never reorders). A min-heap of pairs
 * keyed by the release time of their head frame arms the timerfd for the
 * earliest one; due frames are sent in batches per port with sendmmsg.
 * No allocation per frame: two pools of buffers (wire-sized and GSO-sized)
 * are mapped at start and recycled.
 *
 * Traffic. Each frame a pair accepts (past its cut, loss and rate queue)
 * is counted once, at the sender's side where its delay is applied, per
 * ordered pair, IP protocol and service port (emulator/traffic.h): a
 * fixed-size table made at start, so counting never allocates; the
 * control requests that read and zero it run in this same thread, so
 * nothing is locked.
 *
 * Several hosts (wand.h). A site whose gateway is on another host has no
 * socket (its port is `remote`); the tunnel device is one more port, index
 * n + n_lan (tunnel_port(), after the LAN ports), outside the pairs. Frames to a remote site are shaped by their pair
 * and queued on the tunnel port; frames from the tunnel go unshaped to
 * the local port of their destination (tunnel_rx), and teach the MAC
 * table which remote site an ARP sender is (tunnel_learn); every remote
 * site's gateway MAC (addr_wan_mac) is in the table from the start.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_packet.h>
#include <linux/virtio_net.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "emulator/addr.h"
#include "emulator/constraint.h"
#include "emulator/trace.h"
#include "emulator/traffic.h"
#include "emulator/wand.h"
#include "emulator/wand_core.h"

#define SMALL_CAP   2048            /* a wire frame + virtio-net header */
#define LARGE_CAP   (65536 + 1024)  /* a 64 KiB GSO superframe and headers */
#define N_SMALL     32768
#define N_LARGE     1024
#define RX_BATCH    64
#define RX_ROUNDS   4               /* batches per port before timers again */
#define TX_BATCH    64
#define MAC_SLOTS   8192
#define MAX_CLIENTS 16
#define CLIENT_MAX_IN (64u << 20)
#define EV_MAX      64

/* epoll tags: kind << 32 | index */
enum { TAG_PORT = 1, TAG_LISTEN, TAG_CLIENT, TAG_TIMER, TAG_SIGNAL };

struct wand_frame {
	struct wand_frame *next;
	uint64_t deadline;
	uint8_t *data;                  /* virtio-net header, Ethernet frame */
	uint32_t len;
	uint8_t large;
};

struct wand_pool {
	struct wand_frame *descs;
	uint8_t *arena;
	size_t n, cap, arena_len;
	struct wand_frame *free;
};

struct wand_pair {
	struct link_params p;
	bool cut, lossy, segment;
	struct wand_loss loss;
	/* The pair's own stream of draws (loss, jitter): what it drops
	 * depends on the seed and on its own frames only, never on what
	 * other pairs carry. */
	struct wand_rng rng;
	double corr_last;
	uint64_t last_deadline;
	struct wand_rate rate;
	struct wand_frame *head, *tail;
	struct wand_pair_stats st;
	bool seen;
	/* A trace this direction follows (`trace`), or NULL: its delay
	 * and/or loss change to each step's at the step's time. */
	struct trace *trace;
	bool tr_delay, tr_loss;
	uint64_t tr_start;              /* CLOCK_MONOTONIC ns of offset 0 */
	uint64_t tr_next;               /* when the next step begins */
};

struct wand_port {
	int fd;
	int ifindex;
	size_t lan_site;                /* a LAN port: its site; WAN: SIZE_MAX */
	char name[IF_NAMESIZE];
	struct wand_port_stats st;
	struct wand_frame *txq[TX_BATCH];
	unsigned ntx;
	bool listed;                    /* on the dirty list */
	bool remote;                    /* a site on another host: no socket,
					 * its frames go to the tunnel port */
};

struct mac_ent {
	uint8_t mac[6];
	uint16_t port1;                 /* port + 1; 0: empty */
};

struct wand_client {
	int fd;
	char *in, *out;
	size_t in_len, in_cap, out_len, out_off, out_cap;
	bool want_out;
	/* A `table N` being received. */
	size_t table_left, table_line, table_bad_line;
	struct link_params *tp;
	bool *tcut;
	char table_err[224];
	/* A `trace SRC DST N ...` being received: its steps so far. */
	struct trace *tr;
	size_t tr_left, tr_line, tr_pair;
	uint64_t tr_start_us;
	bool tr_delay, tr_loss;
};

struct wand {
	size_t n;                       /* sites: WAN ports 0 .. n - 1 */
	size_t n_lan;                   /* LAN ports n .. n + n_lan - 1 */
	size_t n_pairs;                 /* n * n WAN pairs, then n_lan LAN
					 * egress queues (lan_pair()) */
	struct wand_port *ports;        /* n + n_lan, then the tunnel port
					 * if any (tunnel_port()) */
	size_t n_remote;                /* remote sites */
	bool tunnel;                    /* a tunnel device is open */
	struct wand_pair *pairs;        /* n_pairs */
	uint32_t *heap;                 /* pair indexes by head deadline */
	size_t heap_len;
	size_t *dirty;                  /* ports with frames to send */
	size_t n_dirty;
	struct wand_pool small, large;
	struct mac_ent *macs;
	uint64_t seed;                  /* of every pair's stream */
	int epfd, tfd, sfd, lfd, logfd;
	uint64_t armed;
	struct wand_client clients[MAX_CLIENTS];
	const char *ctl_path;
	bool quit, listening;
	bool counting;                  /* `traffic on|off` */
	struct traffic_counter traffic;
	/* Directions that follow a trace, and the earliest next step. */
	uint32_t *traced;
	size_t n_traced;
	uint64_t trace_next;            /* UINT64_MAX: none */
	uint64_t trace_start_us;        /* CLOCK_REALTIME of the last `trace` */
	struct wand_frame *rx[RX_BATCH];
	uint8_t *scratch;               /* reads dropped for want of buffers */
	struct mmsghdr msgs[RX_BATCH > TX_BATCH ? RX_BATCH : TX_BATCH];
	struct iovec iov[RX_BATCH > TX_BATCH ? RX_BATCH : TX_BATCH];
	/* SCM_TIMESTAMPNS of each received frame: when it really arrived. */
	char rx_cmsg[RX_BATCH][CMSG_SPACE(sizeof(struct timespec))];
};

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void wlog(struct wand *w, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void wlog(struct wand *w, const char *fmt, ...)
{
	char line[512];
	struct timespec ts;
	va_list ap;
	int n, m;

	if (w->logfd < 0)
		return;
	clock_gettime(CLOCK_REALTIME, &ts);
	n = snprintf(line, sizeof(line), "%lld.%03ld wand[%d]: ",
		     (long long)ts.tv_sec, ts.tv_nsec / 1000000, (int)getpid());
	va_start(ap, fmt);
	m = vsnprintf(line + n, sizeof(line) - (size_t)n - 1, fmt, ap);
	va_end(ap);
	if (m < 0)
		m = 0;
	n += m;
	if ((size_t)n > sizeof(line) - 2)
		n = sizeof(line) - 2;
	line[n++] = '\n';
	if (write(w->logfd, line, (size_t)n) < 0)
		return;
}

/* ---- buffers ---- */

static int pool_init(struct wand_pool *p, size_t n, size_t cap, bool large)
{
	size_t i;

	p->n = n;
	p->cap = cap;
	p->arena_len = n * cap;
	p->descs = calloc(n, sizeof(*p->descs));
	p->arena = mmap(NULL, p->arena_len, PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p->arena == MAP_FAILED)
		p->arena = NULL;
	if (!p->descs || !p->arena)
		return -ENOMEM;
	for (i = n; i-- > 0; ) {
		p->descs[i].data = p->arena + i * cap;
		p->descs[i].large = large;
		p->descs[i].next = p->free;
		p->free = &p->descs[i];
	}
	return 0;
}

static void pool_release(struct wand_pool *p)
{
	free(p->descs);
	if (p->arena)
		munmap(p->arena, p->arena_len);
	memset(p, 0, sizeof(*p));
}

static struct wand_frame *pool_get(struct wand_pool *p)
{
	struct wand_frame *f = p->free;

	if (f)
		p->free = f->next;
	return f;
}

/* A buffer for LEN bytes from the smallest pool that fits (falling back
 * to a large one), or NULL. */
static struct wand_frame *frame_get(struct wand *w, size_t len)
{
	struct wand_frame *f = NULL;

	if (len <= SMALL_CAP)
		f = pool_get(&w->small);
	if (!f && len <= LARGE_CAP)
		f = pool_get(&w->large);
	return f;
}

static void frame_put(struct wand *w, struct wand_frame *f)
{
	struct wand_pool *p = f->large ? &w->large : &w->small;

	f->next = p->free;
	p->free = f;
}

/* ---- MAC learning ---- */

static size_t mac_hash(const uint8_t *m)
{
	uint32_t h = 2166136261u;
	int i;

	for (i = 0; i < 6; i++)
		h = (h ^ m[i]) * 16777619u;
	return h & (MAC_SLOTS - 1);
}

static void mac_learn(struct wand *w, const uint8_t *m, size_t port)
{
	size_t i = mac_hash(m), k;

	for (k = 0; k < MAC_SLOTS; k++, i = (i + 1) & (MAC_SLOTS - 1)) {
		struct mac_ent *e = &w->macs[i];

		if (e->port1 == 0) {
			memcpy(e->mac, m, 6);
			e->port1 = (uint16_t)(port + 1);
			return;
		}
		if (memcmp(e->mac, m, 6) == 0) {
			e->port1 = (uint16_t)(port + 1);
			return;
		}
	}
}

/* The port of M, or -1 if unknown. */
static long mac_lookup(struct wand *w, const uint8_t *m)
{
	size_t i = mac_hash(m), k;

	for (k = 0; k < MAC_SLOTS; k++, i = (i + 1) & (MAC_SLOTS - 1)) {
		struct mac_ent *e = &w->macs[i];

		if (e->port1 == 0)
			return -1;
		if (memcmp(e->mac, m, 6) == 0)
			return (long)e->port1 - 1;
	}
	return -1;
}

/* ---- the heap of pairs by head deadline ---- */

static uint64_t heap_key(struct wand *w, size_t i)
{
	return w->pairs[w->heap[i]].head->deadline;
}

static void heap_swap(struct wand *w, size_t a, size_t b)
{
	uint32_t t = w->heap[a];

	w->heap[a] = w->heap[b];
	w->heap[b] = t;
}

static void heap_push(struct wand *w, uint32_t pair)
{
	size_t i = w->heap_len++;

	w->heap[i] = pair;
	while (i > 0 && heap_key(w, (i - 1) / 2) > heap_key(w, i)) {
		heap_swap(w, i, (i - 1) / 2);
		i = (i - 1) / 2;
	}
}

static void heap_down(struct wand *w, size_t i)
{
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i;

		if (l < w->heap_len && heap_key(w, l) < heap_key(w, m))
			m = l;
		if (r < w->heap_len && heap_key(w, r) < heap_key(w, m))
			m = r;
		if (m == i)
			return;
		heap_swap(w, i, m);
		i = m;
	}
}

static void heap_pop(struct wand *w)
{
	w->heap[0] = w->heap[--w->heap_len];
	if (w->heap_len)
		heap_down(w, 0);
}

/* ---- pairs ---- */

/* Start every pair's stream of draws again from SEED: pair I's stream
 * is xoshiro256** seeded with SEED ^ (I + 1) * 2^64/phi (splitmix64 then
 * spreads neighbouring seeds apart), its loss state back to good and its
 * jitter correlation to none. So the Kth frame a pair carries after a
 * reseed meets the same loss and jitter draws whenever the seed is the
 * same, whatever else crosses the WAN. */
static void wand_reseed_pairs(struct wand *w, uint64_t seed)
{
	size_t i;

	w->seed = seed;
	for (i = 0; i < w->n_pairs; i++) {
		struct wand_pair *pr = &w->pairs[i];

		wand_rng_seed(&pr->rng, seed ^ ((uint64_t)i + 1) *
			      0x9E3779B97F4A7C15ull);
		pr->loss.bad = false;
		pr->corr_last = 0;
	}
}

static void pair_set(struct wand_pair *pr, const struct link_params *p,
		     bool cut)
{
	pr->p = *p;
	pr->cut = cut;
	wand_loss_set(&pr->loss, p->loss_pct, p->loss_burst);
	pr->lossy = p->loss_pct > 0;
	pr->segment = pr->lossy || p->rate_bps;
}

/* ---- traces ---- */

/* Direction IDX follows no trace any more: it keeps the values of the
 * step it was at. */
static void pair_untrace(struct wand *w, uint32_t idx)
{
	struct wand_pair *pr = &w->pairs[idx];
	size_t i;

	if (!pr->trace)
		return;
	trace_free(pr->trace);
	pr->trace = NULL;
	for (i = 0; i < w->n_traced; i++)
		if (w->traced[i] == idx) {
			w->traced[i] = w->traced[--w->n_traced];
			break;
		}
}

/* Put direction IDX at the step of its trace in force at NOW and note
 * when the next one begins. */
static void pair_trace_step(struct wand *w, uint32_t idx, uint64_t now)
{
	struct wand_pair *pr = &w->pairs[idx];
	const struct trace_step *st;

	st = &pr->trace->steps[trace_step_at_ns(pr->trace, pr->tr_start, now,
						&pr->tr_next)];
	if (pr->tr_delay)
		pr->p.delay_us = st->delay_us;
	if (pr->tr_loss) {
		pr->p.loss_pct = st->loss_pct;
		wand_loss_set(&pr->loss, st->loss_pct, pr->p.loss_burst);
		pr->lossy = st->loss_pct > 0;
		pr->segment = pr->lossy || pr->p.rate_bps;
	}
}

/* Every traced direction whose next step is due at NOW takes it; then
 * the earliest next step of all. */
static void trace_tick(struct wand *w, uint64_t now)
{
	size_t i;

	if (now < w->trace_next)
		return;
	w->trace_next = UINT64_MAX;
	for (i = 0; i < w->n_traced; i++) {
		struct wand_pair *pr = &w->pairs[w->traced[i]];

		if (pr->tr_next <= now)
			pair_trace_step(w, w->traced[i], now);
		if (pr->tr_next < w->trace_next)
			w->trace_next = pr->tr_next;
	}
}

/* ---- transmit ---- */

static void port_flush(struct wand *w, size_t pi)
{
	struct wand_port *po = &w->ports[pi];
	unsigned i, done = 0;
	int r;

	for (i = 0; i < po->ntx; i++) {
		w->iov[i].iov_base = po->txq[i]->data;
		w->iov[i].iov_len = po->txq[i]->len;
		memset(&w->msgs[i].msg_hdr, 0, sizeof(w->msgs[i].msg_hdr));
		w->msgs[i].msg_hdr.msg_iov = &w->iov[i];
		w->msgs[i].msg_hdr.msg_iovlen = 1;
	}
	while (done < po->ntx) {
		r = sendmmsg(po->fd, &w->msgs[done], po->ntx - done,
			     MSG_DONTWAIT);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			/* This frame is lost; go on with the rest. */
			po->st.tx_errors++;
			done++;
			continue;
		}
		for (i = done; i < done + (unsigned)r; i++) {
			po->st.tx_frames++;
			po->st.tx_bytes += po->txq[i]->len - WAND_VNET_LEN;
		}
		done += (unsigned)r;
	}
	for (i = 0; i < po->ntx; i++)
		frame_put(w, po->txq[i]);
	po->ntx = 0;
}

/* The tunnel device's port: after the WAN's and the LANs'. */
static size_t tunnel_port(const struct wand *w)
{
	return w->n + w->n_lan;
}

static void port_queue(struct wand *w, size_t pi, struct wand_frame *f)
{
	struct wand_port *po;

	if (w->ports[pi].remote)
		pi = tunnel_port(w);
	po = &w->ports[pi];
	if (!po->listed) {
		po->listed = true;
		w->dirty[w->n_dirty++] = pi;
	}
	po->txq[po->ntx++] = f;
	if (po->ntx == TX_BATCH)
		port_flush(w, pi);      /* stays on the dirty list, empty */
}

/* ---- site LANs ----
 *
 * A site whose `lan` the engine shapes has its nodes' host ends and its
 * gateway's LAN host end on no bridge: they are LAN ports (n .. n + n_lan
 * - 1, each with its site), and the engine is that site's switch. Each
 * LAN port has one egress queue, pair n * n + (port - n), with the site's
 * lan parameters: a frame is delayed (lost, rate-limited) once, on its
 * way out to the port it is for, as netem on each port of a bridge would
 * do it. So the delay between any two hosts of the site (node or
 * gateway) is the lan's one-way delay, an RTT twice it. A LAN frame is
 * switched only among its site's LAN ports, never to the WAN ports. */

/* The port pair IDX sends to: a WAN pair's destination, or the LAN port
 * of an egress queue. */
static size_t pair_port(const struct wand *w, size_t idx)
{
	return idx < w->n * w->n ? idx % w->n : w->n + (idx - w->n * w->n);
}

/* The egress queue of LAN port PI. */
static uint32_t lan_pair(const struct wand *w, size_t pi)
{
	return (uint32_t)(w->n * w->n + (pi - w->n));
}

static void release_due(struct wand *w, uint64_t now)
{
	size_t i;

	while (w->heap_len) {
		uint32_t idx = w->heap[0];
		struct wand_pair *pr = &w->pairs[idx];
		struct wand_frame *f = pr->head;

		if (f->deadline > now)
			break;
		pr->head = f->next;
		if (pr->head) {
			heap_down(w, 0);
		} else {
			pr->tail = NULL;
			heap_pop(w);
		}
		pr->st.qlen--;
		pr->st.frames++;
		pr->st.bytes += f->len - WAND_VNET_LEN;
		port_queue(w, pair_port(w, idx), f);
	}
	for (i = 0; i < w->n_dirty; i++) {
		if (w->ports[w->dirty[i]].ntx)
			port_flush(w, w->dirty[i]);
		w->ports[w->dirty[i]].listed = false;
	}
	w->n_dirty = 0;
}

/* ---- receive and switch ---- */

/* Count frame F on pair IDX. */
static void count_frame(struct wand *w, uint32_t idx,
			const struct wand_frame *f)
{
	struct traffic_frame tf;

	traffic_classify(f->data, f->len, WAND_VNET_LEN, &tf);
	traffic_counter_add_pair(&w->traffic, idx, tf.proto, tf.port, &tf.c);
}

/* Queue wire packet F on pair PR (index IDX) at time NOW. */
static void pair_enqueue(struct wand *w, struct wand_pair *pr, uint32_t idx,
			 struct wand_frame *f, uint64_t now)
{
	uint64_t base = now, dep;
	int rc;

	if (pr->p.rate_bps) {
		rc = wand_rate_admit(&pr->rate, now, f->len - WAND_VNET_LEN,
				     pr->p.rate_bps,
				     pr->p.queue_pkts ? pr->p.queue_pkts :
				     WAND_QUEUE_DEFAULT, &dep);
		if (rc) {
			if (rc == -ENOBUFS)
				pr->st.drop_queue++;
			else
				pr->st.drop_nobuf++;
			frame_put(w, f);
			return;
		}
		base = dep;
	}
	if (w->counting && idx < w->n * w->n)   /* the WAN's traffic */
		count_frame(w, idx, f);
	f->deadline = wand_clamp(&pr->last_deadline,
				 base + wand_delay_ns(&pr->p, &pr->corr_last,
						      &pr->rng));
	f->next = NULL;
	pr->st.qlen++;
	if (pr->tail) {
		pr->tail->next = f;
		pr->tail = f;
	} else {
		pr->head = pr->tail = f;
		heap_push(w, idx);
	}
}

/* Forward F (owned; NULL: no buffer was free) through pair IDX. */
static void pair_forward(struct wand *w, uint32_t idx, struct wand_frame *f,
			 uint64_t now)
{
	struct wand_pair *pr = &w->pairs[idx];
	struct wand_gso g;
	size_t nseg, k;

	pr->seen = true;
	if (!f) {
		pr->st.drop_nobuf++;
		return;
	}
	if (pr->cut) {
		pr->st.drop_cut++;
		frame_put(w, f);
		return;
	}
	if (pr->segment && (nseg = wand_gso_parse(f->data, f->len, &g)) > 0) {
		for (k = 0; k < nseg; k++) {
			struct wand_frame *seg;

			if (pr->lossy && wand_loss_drop(&pr->loss, &pr->rng)) {
				pr->st.drop_loss++;
				continue;
			}
			seg = frame_get(w, g.hdr + g.mss);
			if (!seg) {
				pr->st.drop_nobuf++;
				continue;
			}
			seg->len = (uint32_t)wand_gso_segment(f->data, &g, k,
							      seg->data);
			pair_enqueue(w, pr, idx, seg, now);
		}
		frame_put(w, f);
		return;
	}
	if (pr->lossy && wand_loss_drop(&pr->loss, &pr->rng)) {
		pr->st.drop_loss++;
		frame_put(w, f);
		return;
	}
	pair_enqueue(w, pr, idx, f, now);
}

/* Forward F (owned; NULL: no buffer was free) from WAN port S to D. */
static void forward(struct wand *w, size_t s, size_t d, struct wand_frame *f,
		    uint64_t now)
{
	pair_forward(w, (uint32_t)(s * w->n + d), f, now);
}

static struct wand_frame *frame_copy(struct wand *w, const struct wand_frame *f)
{
	struct wand_frame *c = frame_get(w, f->len);

	if (c) {
		memcpy(c->data, f->data, f->len);
		c->len = f->len;
	}
	return c;
}

/* Frame K of the receive batch on LAN port IN (learnt already): to the
 * LAN port of its destination, or flooded to the site's other LAN ports
 * when that is unknown, a group, or not on this site's LAN. */
static void lan_rx_frame(struct wand *w, size_t in, size_t k, uint64_t now)
{
	struct wand_frame *f = w->rx[k], *t;
	const uint8_t *eth = f->data + WAND_VNET_LEN;
	size_t site = w->ports[in].lan_site, j;
	long out;

	out = (eth[0] & 1) ? -1 : mac_lookup(w, eth);
	if (out == (long)in)
		return;
	if (out < 0 || w->ports[out].lan_site != site) {
		for (j = w->n; j < w->n + w->n_lan; j++)
			if (j != in && w->ports[j].lan_site == site)
				pair_forward(w, lan_pair(w, j),
					     frame_copy(w, f), now);
		return;
	}
	/* As rx_frame(): a wire frame to a small buffer, a superframe
	 * keeps the batch's. */
	t = f->len <= SMALL_CAP ? pool_get(&w->small) : NULL;
	if (t) {
		memcpy(t->data, f->data, f->len);
		t->len = f->len;
	} else {
		t = f;
		w->rx[k] = NULL;
	}
	pair_forward(w, lan_pair(w, (size_t)out), t, now);
}

/* An ARP packet in F from the tunnel whose sender protocol address is a
 * remote site's WAN transit address (addr_wan): its sender MAC is that
 * site's gateway. */
static void tunnel_learn(struct wand *w, const struct wand_frame *f)
{
	const uint8_t *eth = f->data + WAND_VNET_LEN, *arp = eth + 14;
	uint32_t spa, first = addr_wan(0);

	if (f->len < WAND_VNET_LEN + 14 + 28 || eth[12] != 0x08 ||
	    eth[13] != 0x06 || arp[2] != 0x08 || arp[3] != 0x00 ||
	    arp[4] != 6 || arp[5] != 4)
		return;
	spa = (uint32_t)arp[14] << 24 | (uint32_t)arp[15] << 16 |
	      (uint32_t)arp[16] << 8 | arp[17];
	if (spa >= first && spa - first < w->n && w->ports[spa - first].remote &&
	    !(arp[8] & 1))
		mac_learn(w, arp + 8, spa - first);
}

/* F (a receive buffer of the batch: copied, never kept) came from the
 * tunnel: another host's engine shaped it. Deliver it to the local port
 * of its destination, or to every local port if it is a broadcast; never
 * back into the tunnel. */
static void tunnel_rx(struct wand *w, const struct wand_frame *f)
{
	const uint8_t *eth = f->data + WAND_VNET_LEN;
	struct wand_frame *t;
	long out;
	size_t j;

	tunnel_learn(w, f);
	if (eth[0] & 1) {
		for (j = 0; j < w->n; j++)
			if (!w->ports[j].remote && (t = frame_copy(w, f)))
				port_queue(w, j, t);
		return;
	}
	out = mac_lookup(w, eth);
	if (out < 0 || w->ports[out].remote)
		return;
	t = frame_copy(w, f);
	if (t)
		port_queue(w, (size_t)out, t);
}

/* Frame K of the receive batch, LEN bytes, arrived on port IN. */
static void rx_frame(struct wand *w, size_t in, size_t k, size_t len,
		     uint64_t now)
{
	struct wand_frame *f = w->rx[k], *t;
	const uint8_t *eth = f->data + WAND_VNET_LEN;
	long out;
	size_t j;

	f->len = (uint32_t)len;
	w->ports[in].st.rx_frames++;
	w->ports[in].st.rx_bytes += len - WAND_VNET_LEN;
	if (w->tunnel && in == tunnel_port(w)) {
		tunnel_rx(w, f);
		return;
	}
	if (!(eth[6] & 1))
		mac_learn(w, eth + 6, in);
	if (in >= w->n) {
		lan_rx_frame(w, in, k, now);
		return;
	}
	out = (eth[0] & 1) ? -1 : mac_lookup(w, eth);
	if (out >= (long)w->n)
		out = -1;       /* a LAN's address: not on the WAN */
	if (out == (long)in)
		return;
	if (out < 0) {
		for (j = 0; j < w->n; j++)
			if (j != in && !w->ports[j].remote)
				forward(w, in, j, frame_copy(w, f), now);
		/* One copy for every other host, unshaped: broadcasts are
		 * ARP; a remote gateway's MAC is known from the start
		 * (addr_wan_mac), so only a MAC not yet learnt floods. */
		if (w->tunnel && (t = frame_copy(w, f)))
			port_queue(w, tunnel_port(w), t);
		return;
	}
	/* Wire-sized frames move to a small buffer; a superframe's buffer is
	 * taken from the batch, which gets a new one next time. */
	t = len <= SMALL_CAP ? pool_get(&w->small) : NULL;
	if (t) {
		memcpy(t->data, f->data, len);
		t->len = f->len;
	} else {
		t = f;
		w->rx[k] = NULL;
	}
	forward(w, in, (size_t)out, t, now);
}

/* CLOCK_REALTIME now, in ns. */
static uint64_t real_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* When the frame of MSG arrived, on the monotonic clock: the kernel's
 * receive timestamp, carried over from CLOCK_REALTIME by its age. Delays
 * then count from the arrival, not from when the engine woke up to read
 * it (measured: 0.1-0.3 ms later on an idle vCPU). An age outside
 * 0 .. 10 ms (clock step, no stamp) falls back to NOW. */
static uint64_t arrival(const struct msghdr *msg, uint64_t now, uint64_t real)
{
	const struct cmsghdr *c;
	struct timespec ts;
	uint64_t stamp, age;

	for (c = CMSG_FIRSTHDR(msg); c; c = CMSG_NXTHDR((struct msghdr *)msg, (struct cmsghdr *)c)) {
		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_TIMESTAMPNS)
			continue;
		memcpy(&ts, CMSG_DATA(c), sizeof(ts));
		stamp = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
		if (stamp > real)
			return now;
		age = real - stamp;
		return age < 10000000ull && age < now ? now - age : now;
	}
	return now;
}

static void port_rx(struct wand *w, size_t pi)
{
	struct wand_port *po = &w->ports[pi];
	int round, n, k, cnt;
	uint64_t now, real;

	for (round = 0; round < RX_ROUNDS; round++) {
		for (cnt = 0; cnt < RX_BATCH; cnt++) {
			if (!w->rx[cnt])
				w->rx[cnt] = pool_get(&w->large);
			if (!w->rx[cnt])
				break;
			w->iov[cnt].iov_base = w->rx[cnt]->data;
			w->iov[cnt].iov_len = LARGE_CAP;
			memset(&w->msgs[cnt].msg_hdr, 0,
			       sizeof(w->msgs[cnt].msg_hdr));
			w->msgs[cnt].msg_hdr.msg_iov = &w->iov[cnt];
			w->msgs[cnt].msg_hdr.msg_iovlen = 1;
			w->msgs[cnt].msg_hdr.msg_control = w->rx_cmsg[cnt];
			w->msgs[cnt].msg_hdr.msg_controllen = sizeof(w->rx_cmsg[cnt]);
		}
		if (cnt == 0) {
			/* No buffer: drop what waits, or epoll spins. */
			if (recv(po->fd, w->scratch, LARGE_CAP, MSG_DONTWAIT) > 0)
				po->st.rx_nobuf++;
			return;
		}
		n = recvmmsg(po->fd, w->msgs, (unsigned)cnt, MSG_DONTWAIT, NULL);
		if (n <= 0)
			return;
		now = mono_ns();
		real = real_ns();
		for (k = 0; k < n; k++) {
			size_t len = w->msgs[k].msg_len;

			if (len < WAND_VNET_LEN + 14 ||
			    (w->msgs[k].msg_hdr.msg_flags & MSG_TRUNC))
				continue;
			rx_frame(w, pi, (size_t)k, len,
				 arrival(&w->msgs[k].msg_hdr, now, real));
		}
		if (n < cnt)
			return;
	}
}

static int port_open(struct wand *w, size_t i, const char *name)
{
	struct wand_port *po = &w->ports[i];
	struct sockaddr_ll sll;
	struct epoll_event ev;
	struct ifreq ifr;
	int one = 1, rcv = 32 << 20, snd = 8 << 20, rc = 0;

	if (strlen(name) >= IF_NAMESIZE)
		return -ENAMETOOLONG;
	memcpy(po->name, name, strlen(name) + 1);
	po->ifindex = (int)if_nametoindex(name);
	if (po->ifindex == 0)
		return -ENODEV;
	po->fd = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (po->fd < 0)
		return -errno;
	if (setsockopt(po->fd, SOL_PACKET, PACKET_VNET_HDR, &one, sizeof(one)) ||
	    setsockopt(po->fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one,
		       sizeof(one)) ||
	    setsockopt(po->fd, SOL_PACKET, PACKET_QDISC_BYPASS, &one,
		       sizeof(one))) {
		rc = -errno;
		goto out;
	}
	/* Arrival stamps (see arrival()); without them delays count from
	 * the read, so failing to get them is not fatal. */
	setsockopt(po->fd, SOL_SOCKET, SO_TIMESTAMPNS, &one, sizeof(one));
	if (setsockopt(po->fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcv, sizeof(rcv)))
		setsockopt(po->fd, SOL_SOCKET, SO_RCVBUF, &rcv, sizeof(rcv));
	if (setsockopt(po->fd, SOL_SOCKET, SO_SNDBUFFORCE, &snd, sizeof(snd)))
		setsockopt(po->fd, SOL_SOCKET, SO_SNDBUF, &snd, sizeof(snd));
	memset(&sll, 0, sizeof(sll));
	sll.sll_family = AF_PACKET;
	sll.sll_protocol = htons(ETH_P_ALL);
	sll.sll_ifindex = po->ifindex;
	if (bind(po->fd, (struct sockaddr *)&sll, sizeof(sll))) {
		rc = -errno;
		goto out;
	}
	/* ip link set NAME up: a port carries nothing while down. */
	memset(&ifr, 0, sizeof(ifr));
	memcpy(ifr.ifr_name, name, strlen(name) + 1);
	if (ioctl(po->fd, SIOCGIFFLAGS, &ifr) == 0 && !(ifr.ifr_flags & IFF_UP)) {
		ifr.ifr_flags |= IFF_UP;
		if (ioctl(po->fd, SIOCSIFFLAGS, &ifr)) {
			rc = -errno;
			goto out;
		}
	}
	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLIN;
	ev.data.u64 = (uint64_t)TAG_PORT << 32 | i;
	if (epoll_ctl(w->epfd, EPOLL_CTL_ADD, po->fd, &ev))
		rc = -errno;
out:
	return rc;
}

/* Open the LAN ports of CFG, after the WAN's. */
static int lan_ports_open(struct wand *w, const struct wand_config *cfg)
{
	size_t i;
	int rc;

	for (i = 0; i < w->n_lan; i++) {
		if (cfg->lan_sites[i] >= w->n) {
			wlog(w, "LAN port '%s': no site %zu", cfg->lan_ports[i],
			     cfg->lan_sites[i]);
			return -EINVAL;
		}
		rc = port_open(w, w->n + i, cfg->lan_ports[i]);
		if (rc) {
			wlog(w, "LAN port '%s' of site %zu: %s",
			     cfg->lan_ports[i], cfg->lan_sites[i], strerror(-rc));
			return rc;
		}
	}
	return 0;
}

/* ---- control server ---- */

static void out_add(struct wand_client *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void out_add(struct wand_client *c, const char *fmt, ...)
{
	va_list ap;
	int n;

	for (;;) {
		size_t room = c->out_cap - c->out_len;

		va_start(ap, fmt);
		n = vsnprintf(c->out ? c->out + c->out_len : NULL,
			      c->out ? room : 0, fmt, ap);
		va_end(ap);
		if (n < 0)
			return;
		if (c->out && (size_t)n < room) {
			c->out_len += (size_t)n;
			return;
		} else {
			size_t nc = (c->out_cap + (size_t)n + 1) * 2;
			char *nb = realloc(c->out, nc);

			if (!nb)
				return;         /* the reply is lost; the client times out */
			c->out = nb;
			c->out_cap = nc;
		}
	}
}

static void client_close(struct wand *w, struct wand_client *c)
{
	if (c->fd >= 0) {
		epoll_ctl(w->epfd, EPOLL_CTL_DEL, c->fd, NULL);
		close(c->fd);
	}
	free(c->in);
	free(c->out);
	free(c->tp);
	free(c->tcut);
	trace_free(c->tr);
	memset(c, 0, sizeof(*c));
	c->fd = -1;
}

static int parse_site(const struct wand *w, const char *s, size_t *out)
{
	unsigned long v;
	char *end;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v >= w->n)
		return -EINVAL;
	*out = v;
	return 0;
}

/* Sites S and D of a pair: two distinct ports. */
static int parse_pair(const struct wand *w, const char *s, const char *d,
		      size_t *si, size_t *di)
{
	if (parse_site(w, s, si) || parse_site(w, d, di) || *si == *di)
		return -EINVAL;
	return 0;
}

/* Parse a comma list of sites into MASK (n bools). */
static int parse_group(const struct wand *w, char *s, bool *mask)
{
	char *p = s, *c;
	size_t v;

	while (*p) {
		c = strchr(p, ',');
		if (c)
			*c = '\0';
		if (parse_site(w, p, &v))
			return -EINVAL;
		mask[v] = true;
		if (!c)
			break;
		p = c + 1;
	}
	return 0;
}

/* The requests. Each gets the words of its line, ARGV[0] its name, with
 * ARGC already checked against the table below, and answers on C. */

static void cmd_ping(struct wand *w, struct wand_client *c, int argc,
		     char **argv)
{
	(void)w, (void)argc, (void)argv;
	out_add(c, "ok pong\n");
}

static void cmd_info(struct wand *w, struct wand_client *c, int argc,
		     char **argv)
{
	(void)argc, (void)argv;
	if (w->tunnel)
		out_add(c, "ok ports=%zu seed=%llu traced=%zu trace_start=%llu "
			"remote=%zu tunnel=%s\n", w->n, (unsigned long long)w->seed,
			w->n_traced,
			(unsigned long long)(w->n_traced ? w->trace_start_us : 0),
			w->n_remote, w->ports[tunnel_port(w)].name);
	else
		out_add(c, "ok ports=%zu seed=%llu traced=%zu trace_start=%llu\n",
			w->n, (unsigned long long)w->seed, w->n_traced,
			(unsigned long long)(w->n_traced ? w->trace_start_us : 0));
}

/* reseed SEED: every pair's draws start again from SEED (decimal, 0 to
 * 2^64 - 1). */
static void cmd_reseed(struct wand *w, struct wand_client *c, int argc,
		       char **argv)
{
	unsigned long long v;
	char *end;

	(void)argc;
	errno = 0;
	v = strtoull(argv[1], &end, 10);
	if (argv[1][0] < '0' || argv[1][0] > '9' || errno || *end) {
		out_add(c, "error usage: reseed SEED (0 to 18446744073709551615)\n");
		return;
	}
	wand_reseed_pairs(w, (uint64_t)v);
	out_add(c, "ok seed=%llu\n", v);
	wlog(w, "reseeded: seed %llu", v);
}

/* set SRC DST [KEY=VALUE ...] */
static void cmd_set(struct wand *w, struct wand_client *c, int argc,
		    char **argv)
{
	struct link_params p;
	char err[192];
	size_t s, d;
	bool cut;

	if (parse_pair(w, argv[1], argv[2], &s, &d)) {
		out_add(c, "error bad site pair\n");
	} else if (wand_params_decode(argc - 3, argv + 3, &p, &cut, err,
				      sizeof(err))) {
		out_add(c, "error %s\n", err);
	} else {
		pair_untrace(w, (uint32_t)(s * w->n + d));
		pair_set(&w->pairs[s * w->n + d], &p, cut);
		out_add(c, "ok\n");
	}
}

/* get SRC DST */
static void cmd_get(struct wand *w, struct wand_client *c, int argc,
		    char **argv)
{
	char kv[512];
	size_t s, d;

	(void)argc;
	if (parse_pair(w, argv[1], argv[2], &s, &d)) {
		out_add(c, "error usage: get SRC DST\n");
		return;
	}
	wand_params_format(&w->pairs[s * w->n + d].p,
			   w->pairs[s * w->n + d].cut, true, kv, sizeof(kv));
	out_add(c, "ok %s\n", kv);
}

/* cut SRC DST, uncut SRC DST */
static void cmd_cut(struct wand *w, struct wand_client *c, int argc,
		    char **argv)
{
	size_t s, d;

	(void)argc;
	if (parse_pair(w, argv[1], argv[2], &s, &d)) {
		out_add(c, "error usage: %s SRC DST\n", argv[0]);
		return;
	}
	w->pairs[s * w->n + d].cut = !strcmp(argv[0], "cut");
	out_add(c, "ok\n");
}

/* The end of a `table N`: apply it whole, or nothing if a line was bad. */
static void table_commit(struct wand *w, struct wand_client *c)
{
	size_t i;

	if (c->table_err[0]) {
		out_add(c, "error %s\n", c->table_err);
	} else {
		while (w->n_traced)
			pair_untrace(w, w->traced[0]);
		for (i = 0; i < w->n * w->n; i++)
			if (i / w->n != i % w->n)
				pair_set(&w->pairs[i], &c->tp[i], c->tcut[i]);
		out_add(c, "ok applied=%zu\n", c->table_line);
		wlog(w, "table of %zu lines applied", c->table_line);
	}
	free(c->tp);
	free(c->tcut);
	c->tp = NULL;
	c->tcut = NULL;
}

/* One line "SRC DST [KEY=VALUE ...]" of a `table N` body. */
static void table_line(struct wand *w, struct wand_client *c, char *line)
{
	char *argv[WAND_CTL_ARGS], err[192];
	struct link_params p;
	size_t s, d;
	int argc;
	bool cut;

	c->table_line++;
	if (c->table_err[0])
		goto out;
	argc = wand_ctl_split(line, argv, WAND_CTL_ARGS);
	if (argc < 2 || parse_pair(w, argv[0], argv[1], &s, &d)) {
		snprintf(c->table_err, sizeof(c->table_err),
			 "line %zu: bad site pair", c->table_line);
		goto out;
	}
	if (wand_params_decode(argc - 2, argv + 2, &p, &cut, err,
			       sizeof(err))) {
		snprintf(c->table_err, sizeof(c->table_err), "line %zu: %.192s",
			 c->table_line, err);
		goto out;
	}
	c->tp[s * w->n + d] = p;
	c->tcut[s * w->n + d] = cut;
out:
	if (--c->table_left == 0)
		table_commit(w, c);
}

/* table N: the next N lines are the whole WAN. */
static void cmd_table(struct wand *w, struct wand_client *c, int argc,
		      char **argv)
{
	unsigned long long n;
	char *end;

	(void)argc;
	errno = 0;
	n = strtoull(argv[1], &end, 10);
	if (argv[1][0] < '0' || argv[1][0] > '9' || errno || *end ||
	    n > w->n * w->n) {
		out_add(c, "error usage: table N (N <= %zu)\n", w->n * w->n);
		return;
	}
	c->tp = calloc(w->n * w->n, sizeof(*c->tp));
	c->tcut = calloc(w->n * w->n, sizeof(*c->tcut));
	if (!c->tp || !c->tcut) {
		free(c->tp);
		free(c->tcut);
		c->tp = NULL;
		c->tcut = NULL;
		out_add(c, "error out of memory\n");
		return;
	}
	c->table_line = 0;
	c->table_err[0] = '\0';
	c->table_left = n;
	if (n == 0)
		table_commit(w, c);     /* all plain wires */
}

/* The end of a `trace` body: direction C->tr_pair follows C->tr from
 * C->tr_start_us, or nothing changes if a line was bad. */
static void trace_commit(struct wand *w, struct wand_client *c)
{
	uint32_t idx = (uint32_t)c->tr_pair;
	struct wand_pair *pr = &w->pairs[idx];
	uint64_t mono = mono_ns(), real = real_ns();

	if (c->table_err[0]) {
		out_add(c, "error %s\n", c->table_err);
		goto out;
	}
	pair_untrace(w, idx);
	/* The same instant on the engine's clock: CLOCK_MONOTONIC. */
	pr->tr_start = trace_clock_start(c->tr_start_us, real, mono);
	pr->trace = c->tr;
	c->tr = NULL;
	pr->tr_delay = c->tr_delay;
	pr->tr_loss = c->tr_loss;
	w->traced[w->n_traced++] = idx;
	w->trace_start_us = c->tr_start_us;
	pair_trace_step(w, idx, mono);
	if (pr->tr_next < w->trace_next)
		w->trace_next = pr->tr_next;
	out_add(c, "ok steps=%zu\n", pr->trace->n);
	wlog(w, "trace of %zu steps on %zu -> %zu from %llu", pr->trace->n,
	     idx / w->n, idx % w->n, (unsigned long long)c->tr_start_us);
out:
	trace_free(c->tr);
	c->tr = NULL;
}

/* One line "AT_US [delay=Xus] [loss=Y%]" of a `trace` body: step K. */
static void trace_line(struct wand *w, struct wand_client *c, char *line)
{
	char *argv[WAND_CTL_ARGS], *end, *msg = NULL;
	struct trace_step *st = &c->tr->steps[c->tr_line];
	struct constraint con = { 0 };
	unsigned long long at;
	unsigned given = 0;
	int argc, i;

	c->tr_line++;
	if (c->table_err[0])
		goto out;
	argc = wand_ctl_split(line, argv, WAND_CTL_ARGS);
	errno = 0;
	at = argc > 0 ? strtoull(argv[0], &end, 10) : 0;
	if (argc < 1 || argv[0][0] < '0' || argv[0][0] > '9' || errno || *end ||
	    (c->tr_line == 1 ? at != 0 : at <= st[-1].at_us)) {
		snprintf(c->table_err, sizeof(c->table_err),
			 "line %zu: a step's time must be 0 first, then increasing",
			 c->tr_line);
		goto out;
	}
	for (i = 1; i < argc; i++) {
		if (constraint_parse_kv(&con, argv[i], &given, &msg) < 0 ||
		    (con.set & ~(CON_DELAY | CON_LOSS))) {
			snprintf(c->table_err, sizeof(c->table_err),
				 "line %zu: %.160s", c->tr_line,
				 msg ? msg : "a step gives only delay and loss");
			free(msg);
			goto out;
		}
	}
	st->at_us = at;
	st->delay_us = con.delay_us;
	st->loss_pct = con.loss_pct;
out:
	(void)w;
	if (--c->tr_left == 0)
		trace_commit(w, c);
}

/* trace SRC DST N START_US LOOP FIELDS: the next N lines are the steps
 * direction SRC -> DST follows from START_US (CLOCK_REALTIME), LOOP 0|1,
 * FIELDS "delay", "loss" or "delay,loss" (what the steps give). N 0:
 * the direction follows no trace any more. */
static void cmd_trace(struct wand *w, struct wand_client *c, int argc,
		      char **argv)
{
	unsigned long long n = 0, start = 0;
	bool delay, loss, loop;
	char *end;
	size_t s, d;
	int bad;

	(void)argc;
	errno = 0;
	bad = parse_pair(w, argv[1], argv[2], &s, &d);
	if (!bad) {
		n = strtoull(argv[3], &end, 10);
		bad = argv[3][0] < '0' || argv[3][0] > '9' || errno || *end ||
		      n > TRACE_STEPS_MAX;
	}
	if (!bad && n == 0) {
		pair_untrace(w, (uint32_t)(s * w->n + d));
		out_add(c, "ok steps=0\n");
		return;
	}
	if (!bad && argc == 7) {
		start = strtoull(argv[4], &end, 10);
		bad = argv[4][0] < '0' || argv[4][0] > '9' || errno || *end;
	} else {
		bad = 1;
	}
	delay = !bad && (!strcmp(argv[6], "delay") || !strcmp(argv[6], "delay,loss"));
	loss = !bad && (!strcmp(argv[6], "loss") || !strcmp(argv[6], "delay,loss"));
	loop = !bad && !strcmp(argv[5], "1");
	if (bad || (strcmp(argv[5], "0") && !loop) || (!delay && !loss)) {
		out_add(c, "error usage: trace SRC DST N START_US 0|1 delay|loss|delay,loss (N <= %d), or trace SRC DST 0\n",
			TRACE_STEPS_MAX);
		return;
	}
	c->tr = trace_new((size_t)n);
	if (!c->tr) {
		out_add(c, "error out of memory\n");
		return;
	}
	c->tr->loop = loop;
	c->tr->has_loss = loss;
	c->tr_pair = s * w->n + d;
	c->tr_start_us = start;
	c->tr_delay = delay;
	c->tr_loss = loss;
	c->tr_line = 0;
	c->tr_left = (size_t)n;
	c->table_err[0] = '\0';
}

/* partition A,B,... / C,D,... */
static void cmd_partition(struct wand *w, struct wand_client *c, int argc,
			  char **argv)
{
	bool *a = calloc(w->n, 1), *b = calloc(w->n, 1);
	size_t i, j, cuts = 0;

	(void)argc;
	if (!a || !b) {
		out_add(c, "error out of memory\n");
		goto out;
	}
	if (strcmp(argv[2], "/") != 0 || parse_group(w, argv[1], a) ||
	    parse_group(w, argv[3], b)) {
		out_add(c, "error usage: partition A,B,... / C,D,...\n");
		goto out;
	}
	for (i = 0; i < w->n; i++)
		for (j = 0; j < w->n; j++)
			if (i != j && ((a[i] && b[j]) || (b[i] && a[j]))) {
				w->pairs[i * w->n + j].cut = true;
				cuts++;
			}
	out_add(c, "ok cut=%zu\n", cuts);
	wlog(w, "partition: %zu directions cut", cuts);
out:
	free(a);
	free(b);
}

static void cmd_heal(struct wand *w, struct wand_client *c, int argc,
		     char **argv)
{
	size_t i;

	(void)argc, (void)argv;
	for (i = 0; i < w->n * w->n; i++)
		w->pairs[i].cut = false;
	out_add(c, "ok\n");
}

static void cmd_reset(struct wand *w, struct wand_client *c, int argc,
		      char **argv)
{
	struct link_params p;
	size_t i;

	(void)argc, (void)argv;
	memset(&p, 0, sizeof(p));
	while (w->n_traced)
		pair_untrace(w, w->traced[0]);
	for (i = 0; i < w->n_pairs; i++)        /* the LANs too */
		pair_set(&w->pairs[i], &p, false);
	out_add(c, "ok\n");
}

/* lan SITE [KEY=VALUE ...]: every egress queue of SITE's LAN ports gets
 * these parameters (keys not given are zero); no cut on a LAN. */
static void cmd_lan(struct wand *w, struct wand_client *c, int argc,
		    char **argv)
{
	struct link_params p;
	char err[192];
	size_t s, j, m = 0;
	bool cut;

	if (parse_site(w, argv[1], &s)) {
		out_add(c, "error bad site\n");
		return;
	}
	if (wand_params_decode(argc - 2, argv + 2, &p, &cut, err,
			       sizeof(err))) {
		out_add(c, "error %s\n", err);
		return;
	}
	if (cut) {
		out_add(c, "error a LAN is not cut\n");
		return;
	}
	for (j = w->n; j < w->n + w->n_lan; j++)
		if (w->ports[j].lan_site == s) {
			pair_set(&w->pairs[lan_pair(w, j)], &p, false);
			m++;
		}
	if (m == 0) {
		out_add(c, "error site %zu has no LAN ports\n", s);
		return;
	}
	out_add(c, "ok ports=%zu\n", m);
	wlog(w, "LAN of site %zu: %zu ports", s, m);
}

static void cmd_stats(struct wand *w, struct wand_client *c, int argc,
		      char **argv)
{
	size_t i, m = 0;

	(void)argc, (void)argv;
	for (i = 0; i < w->n * w->n; i++)
		if (w->pairs[i].seen || w->pairs[i].st.qlen)
			m++;
	out_add(c, "ok stats ports=%zu pairs=%zu\n", w->n, m);
	for (i = 0; i < w->n; i++) {
		const struct wand_port_stats *s = &w->ports[i].st;

		out_add(c, "port %zu rx=%llu rx_bytes=%llu tx=%llu tx_bytes=%llu "
			"tx_errors=%llu rx_nobuf=%llu\n", i,
			(unsigned long long)s->rx_frames,
			(unsigned long long)s->rx_bytes,
			(unsigned long long)s->tx_frames,
			(unsigned long long)s->tx_bytes,
			(unsigned long long)s->tx_errors,
			(unsigned long long)s->rx_nobuf);
	}
	for (i = 0; i < w->n * w->n; i++) {
		const struct wand_pair *pr = &w->pairs[i];
		const struct wand_pair_stats *s = &pr->st;

		if (!pr->seen && !s->qlen)
			continue;
		out_add(c, "pair %zu %zu frames=%llu bytes=%llu loss=%llu "
			"queue=%llu cut=%llu nobuf=%llu qlen=%llu\n",
			i / w->n, i % w->n,
			(unsigned long long)s->frames,
			(unsigned long long)s->bytes,
			(unsigned long long)s->drop_loss,
			(unsigned long long)s->drop_queue,
			(unsigned long long)s->drop_cut,
			(unsigned long long)s->drop_nobuf,
			(unsigned long long)s->qlen);
	}
	out_add(c, "end\n");
}

/* traffic [reset|on|off] */
static void cmd_traffic(struct wand *w, struct wand_client *c, int argc,
			char **argv)
{
	struct traffic_count cnt;
	uint16_t port;
	uint8_t proto;
	size_t pos = 0, m = 0, s, d;
	char line[160];

	if (argc == 2) {
		if (!strcmp(argv[1], "reset"))
			traffic_counter_reset(&w->traffic);
		else if (!strcmp(argv[1], "on") || !strcmp(argv[1], "off"))
			w->counting = !strcmp(argv[1], "on");
		else {
			out_add(c, "error usage: traffic [reset|on|off]\n");
			return;
		}
		out_add(c, "ok\n");
		return;
	}
	while (traffic_counter_next(&w->traffic, &pos, &s, &d, &proto, &port,
				    &cnt))
		m++;
	out_add(c, "ok traffic sites=%zu entries=%zu lost_packets=%llu "
		"lost_bytes=%llu lost_payload=%llu\n", w->n, m,
		(unsigned long long)w->traffic.lost.packets,
		(unsigned long long)w->traffic.lost.bytes,
		(unsigned long long)w->traffic.lost.payload);
	pos = 0;
	while (traffic_counter_next(&w->traffic, &pos, &s, &d, &proto, &port,
				    &cnt)) {
		wand_traffic_format(line, sizeof(line), s, d, proto, port, &cnt);
		out_add(c, "%s", line);
	}
	out_add(c, "end\n");
}

static void cmd_quit(struct wand *w, struct wand_client *c, int argc,
		     char **argv)
{
	(void)argc, (void)argv;
	out_add(c, "ok bye\n");
	w->quit = true;
}

/* The control requests (OVS unixctl's model): name, how many words may
 * follow it, what they are, and the function. */
struct ctl_cmd {
	const char *name;
	int min_args, max_args;
	const char *usage;
	void (*fn)(struct wand *w, struct wand_client *c, int argc,
		   char **argv);
};

static const struct ctl_cmd ctl_cmds[] = {
	{ "ping", 0, 0, "", cmd_ping },
	{ "info", 0, 0, "", cmd_info },
	{ "reseed", 1, 1, " SEED", cmd_reseed },
	/* every constraint key at most once, and cut */
	{ "set", 2, 2 + CK_N + 1, " SRC DST [KEY=VALUE ...]", cmd_set },
	{ "get", 2, 2, " SRC DST", cmd_get },
	{ "cut", 2, 2, " SRC DST", cmd_cut },
	{ "uncut", 2, 2, " SRC DST", cmd_cut },
	{ "table", 1, 1, " N", cmd_table },
	{ "trace", 3, 6, " SRC DST N START_US 0|1 delay|loss|delay,loss", cmd_trace },
	{ "partition", 3, 3, " A,B,... / C,D,...", cmd_partition },
	{ "heal", 0, 0, "", cmd_heal },
	{ "reset", 0, 0, "", cmd_reset },
	/* every constraint key at most once */
	{ "lan", 1, 1 + CK_N, " SITE [KEY=VALUE ...]", cmd_lan },
	{ "stats", 0, 0, "", cmd_stats },
	{ "traffic", 0, 1, " [reset|on|off]", cmd_traffic },
	{ "quit", 0, 0, "", cmd_quit },
};

static void client_line(struct wand *w, struct wand_client *c, char *line)
{
	char *argv[WAND_CTL_ARGS];
	const struct ctl_cmd *cmd;
	size_t i;
	int argc;

	if (c->table_left) {
		table_line(w, c, line);
		return;
	}
	if (c->tr_left) {
		trace_line(w, c, line);
		return;
	}
	argc = wand_ctl_split(line, argv, WAND_CTL_ARGS);
	if (argc == 0) {
		out_add(c, "error empty request\n");
		return;
	}
	if (argc < 0) {
		out_add(c, "error too many words (at most %d)\n",
			WAND_CTL_ARGS);
		return;
	}
	for (i = 0; i < sizeof(ctl_cmds) / sizeof(ctl_cmds[0]); i++)
		if (!strcmp(argv[0], ctl_cmds[i].name))
			break;
	if (i == sizeof(ctl_cmds) / sizeof(ctl_cmds[0])) {
		out_add(c, "error unknown request '%.64s'\n", argv[0]);
		return;
	}
	cmd = &ctl_cmds[i];
	if (argc - 1 < cmd->min_args || argc - 1 > cmd->max_args) {
		out_add(c, "error usage: %s%s\n", cmd->name, cmd->usage);
		return;
	}
	cmd->fn(w, c, argc, argv);
}

static void client_want_out(struct wand *w, struct wand_client *c, bool on)
{
	struct epoll_event ev;

	if (c->want_out == on)
		return;
	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLIN | (on ? EPOLLOUT : 0);
	ev.data.u64 = (uint64_t)TAG_CLIENT << 32 | (uint64_t)(c - w->clients);
	epoll_ctl(w->epfd, EPOLL_CTL_MOD, c->fd, &ev);
	c->want_out = on;
}

/* Send what is pending; false if the client is gone. */
static bool client_write(struct wand *w, struct wand_client *c)
{
	ssize_t r;

	while (c->out_off < c->out_len) {
		r = send(c->fd, c->out + c->out_off, c->out_len - c->out_off,
			 MSG_NOSIGNAL | MSG_DONTWAIT);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && errno == EAGAIN) {
			client_want_out(w, c, true);
			return true;
		}
		if (r <= 0)
			return false;
		c->out_off += (size_t)r;
	}
	c->out_off = c->out_len = 0;
	client_want_out(w, c, false);
	return true;
}

static void client_read(struct wand *w, struct wand_client *c)
{
	size_t start = 0;
	char *nl;
	ssize_t r;

	for (;;) {
		if (c->in_cap - c->in_len < 4096) {
			size_t nc = c->in_cap ? c->in_cap * 2 : 65536;
			char *nb = nc <= CLIENT_MAX_IN ? realloc(c->in, nc) : NULL;

			if (!nb)
				goto gone;
			c->in = nb;
			c->in_cap = nc;
		}
		r = recv(c->fd, c->in + c->in_len, c->in_cap - c->in_len - 1,
			 MSG_DONTWAIT);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && errno == EAGAIN)
			break;
		if (r <= 0)
			goto gone;
		c->in_len += (size_t)r;
	}
	while ((nl = memchr(c->in + start, '\n', c->in_len - start))) {
		/* A whole line may arrive in one read: bounded all the same. */
		if ((size_t)(nl - (c->in + start)) > WAND_LINE_MAX)
			goto too_long;
		*nl = '\0';
		if (nl > c->in + start && nl[-1] == '\r')
			nl[-1] = '\0';
		client_line(w, c, c->in + start);
		start = (size_t)(nl - c->in) + 1;
	}
	memmove(c->in, c->in + start, c->in_len - start);
	c->in_len -= start;
	/* A request line is bounded: what is left is at most one line. */
	if (c->in_len > WAND_LINE_MAX)
		goto too_long;
	if (!client_write(w, c))
		goto gone;
	return;
too_long:
	out_add(c, "error request line longer than %u bytes\n", WAND_LINE_MAX);
	client_write(w, c);
gone:
	client_close(w, c);
}

/* Is the peer of FD root (or the engine's own user)? The socket is 0600
 * in a 0700 directory; this holds even where those modes were opened up,
 * since a request can cut links or set 100 % loss. */
static bool peer_allowed(struct wand *w, int fd)
{
	struct ucred cr;
	socklen_t len = sizeof(cr);
	static const char no[] = "error permission denied: only root controls the engine\n";

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &len) == 0 &&
	    (cr.uid == 0 || cr.uid == geteuid()))
		return true;
	wlog(w, "refused a control connection from uid %d (pid %d)",
	     len == sizeof(cr) ? (int)cr.uid : -1, len == sizeof(cr) ? (int)cr.pid : -1);
	if (send(fd, no, sizeof(no) - 1, MSG_DONTWAIT | MSG_NOSIGNAL) < 0)
		len = 0;        /* it is refused either way */
	return false;
}

static void listen_accept(struct wand *w)
{
	struct epoll_event ev;
	int fd, i;

	for (;;) {
		fd = accept4(w->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0)
			return;
		if (!peer_allowed(w, fd)) {
			close(fd);
			continue;
		}
		for (i = 0; i < MAX_CLIENTS && w->clients[i].fd >= 0; i++)
			;
		if (i == MAX_CLIENTS) {
			close(fd);
			continue;
		}
		w->clients[i].fd = fd;
		memset(&ev, 0, sizeof(ev));
		ev.events = EPOLLIN;
		ev.data.u64 = (uint64_t)TAG_CLIENT << 32 | (uint64_t)i;
		if (epoll_ctl(w->epfd, EPOLL_CTL_ADD, fd, &ev))
			client_close(w, &w->clients[i]);
	}
}

static int listen_open(struct wand *w, const char *path)
{
	struct sockaddr_un sa;
	struct epoll_event ev;
	int probe, rc = 0;

	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	memcpy(sa.sun_path, path, strlen(path) + 1);
	/* A socket file nobody answers on is stale; a live one is not ours. */
	if (wand_client_connect(path, &probe) == 0) {
		close(probe);
		return -EADDRINUSE;
	}
	unlink(path);
	w->lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (w->lfd < 0)
		return -errno;
	/* 0600 whatever the umask, before anyone can connect (listen). */
	if (bind(w->lfd, (struct sockaddr *)&sa, sizeof(sa)) ||
	    chmod(path, 0600) || listen(w->lfd, 64)) {
		rc = -errno;
		goto out;
	}
	w->listening = true;
	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLIN;
	ev.data.u64 = (uint64_t)TAG_LISTEN << 32;
	if (epoll_ctl(w->epfd, EPOLL_CTL_ADD, w->lfd, &ev))
		rc = -errno;
out:
	return rc;
}

/* ---- the loop ---- */

static void arm_timer(struct wand *w, uint64_t at)
{
	struct itimerspec its;

	if (at == w->armed)
		return;
	memset(&its, 0, sizeof(its));
	its.it_value.tv_sec = (time_t)(at / 1000000000ull);
	its.it_value.tv_nsec = (long)(at % 1000000000ull);
	if (timerfd_settime(w->tfd, TFD_TIMER_ABSTIME, &its, NULL) == 0)
		w->armed = at;
}

static void loop(struct wand *w)
{
	struct epoll_event evs[EV_MAX];
	int n, i, timeout;
	uint64_t next, tag, idx, junk;
	struct signalfd_siginfo si;

	while (!w->quit) {
		trace_tick(w, mono_ns());
		release_due(w, mono_ns());
		timeout = -1;
		next = w->trace_next;
		if (w->heap_len && w->pairs[w->heap[0]].head->deadline < next)
			next = w->pairs[w->heap[0]].head->deadline;
		if (next != UINT64_MAX) {
			if (next <= mono_ns())
				timeout = 0;
			else
				arm_timer(w, next);
		}
		n = epoll_wait(w->epfd, evs, EV_MAX, timeout);
		if (n < 0 && errno != EINTR) {
			wlog(w, "epoll_wait: %s", strerror(errno));
			break;
		}
		for (i = 0; i < n; i++) {
			tag = evs[i].data.u64 >> 32;
			idx = evs[i].data.u64 & 0xffffffffu;
			switch (tag) {
			case TAG_PORT:
				port_rx(w, idx);
				break;
			case TAG_TIMER:
				if (read(w->tfd, &junk, sizeof(junk)) < 0)
					junk = 0;
				w->armed = 0;
				break;
			case TAG_SIGNAL:
				if (read(w->sfd, &si, sizeof(si)) == sizeof(si)) {
					wlog(w, "signal %u: stopping", si.ssi_signo);
					w->quit = true;
				}
				break;
			case TAG_LISTEN:
				listen_accept(w);
				break;
			case TAG_CLIENT:
				if (w->clients[idx].fd < 0)
					break;
				if (evs[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR))
					client_read(w, &w->clients[idx]);
				else if (!client_write(w, &w->clients[idx]))
					client_close(w, &w->clients[idx]);
				break;
			}
		}
	}
}

static void wand_free(struct wand *w)
{
	size_t i;

	if (!w)
		return;
	for (i = 0; i < MAX_CLIENTS; i++) {
		struct wand_client *c = &w->clients[i];

		if (c->fd >= 0 && c->out_off < c->out_len) {
			/* The last replies ("ok bye"), best effort. */
			int fl = fcntl(c->fd, F_GETFL);

			fcntl(c->fd, F_SETFL, fl & ~O_NONBLOCK);
			while (c->out_off < c->out_len) {
				ssize_t r = send(c->fd, c->out + c->out_off,
						 c->out_len - c->out_off,
						 MSG_NOSIGNAL);
				if (r <= 0)
					break;
				c->out_off += (size_t)r;
			}
		}
		client_close(w, c);
	}
	for (i = 0; w->ports && i < w->n + w->n_lan + w->tunnel; i++)
		if (w->ports[i].fd >= 0)
			close(w->ports[i].fd);
	for (i = 0; w->pairs && i < w->n_pairs; i++) {
		wand_rate_release(&w->pairs[i].rate);
		trace_free(w->pairs[i].trace);
	}
	free(w->traced);
	if (w->listening)
		unlink(w->ctl_path);
	if (w->lfd >= 0)
		close(w->lfd);
	if (w->tfd >= 0)
		close(w->tfd);
	if (w->sfd >= 0)
		close(w->sfd);
	if (w->epfd >= 0)
		close(w->epfd);
	if (w->logfd >= 0)
		close(w->logfd);
	pool_release(&w->small);
	pool_release(&w->large);
	free(w->ports);
	free(w->pairs);
	free(w->heap);
	free(w->dirty);
	free(w->macs);
	free(w->scratch);
	traffic_counter_release(&w->traffic);
	free(w);
}

static int wand_new(const struct wand_config *cfg, const sigset_t *sigs,
		    struct wand **out)
{
	struct wand *w = calloc(1, sizeof(*w));
	struct epoll_event ev;
	size_t i, n = cfg->n_ports;
	int rc = 0;

	*out = NULL;
	if (!w)
		return -ENOMEM;
	w->epfd = w->tfd = w->sfd = w->lfd = w->logfd = -1;
	for (i = 0; i < MAX_CLIENTS; i++)
		w->clients[i].fd = -1;
	w->n = n;
	w->n_lan = cfg->n_lan_ports;
	w->n_pairs = n * n + w->n_lan;
	w->ctl_path = cfg->ctl_path;
	if (cfg->log_path)
		w->logfd = open(cfg->log_path, O_WRONLY | O_CREAT | O_APPEND |
				O_CLOEXEC | O_NOFOLLOW, 0600);
	w->tunnel = cfg->tunnel != NULL;
	w->ports = calloc(n + w->n_lan + 1, sizeof(*w->ports));
	w->pairs = calloc(w->n_pairs, sizeof(*w->pairs));
	w->heap = calloc(w->n_pairs, sizeof(*w->heap));
	w->dirty = calloc(n + w->n_lan + 1, sizeof(*w->dirty));
	w->macs = calloc(MAC_SLOTS, sizeof(*w->macs));
	w->scratch = malloc(LARGE_CAP);
	w->traced = calloc(n * n, sizeof(*w->traced));
	w->trace_next = UINT64_MAX;
	if (!w->ports || !w->pairs || !w->heap || !w->dirty || !w->macs ||
	    !w->scratch || !w->traced) {
		rc = -ENOMEM;
		goto out;
	}
	for (i = 0; i <= n + w->n_lan; i++) {   /* and the tunnel's slot */
		w->ports[i].fd = -1;
		w->ports[i].lan_site = i >= n && i < n + w->n_lan ?
				       cfg->lan_sites[i - n] : SIZE_MAX;
	}
	wand_reseed_pairs(w, cfg->seed);
	w->counting = true;
	rc = traffic_counter_init(&w->traffic, n, traffic_counter_slots(n));
	if (!rc)
		rc = pool_init(&w->small, N_SMALL, SMALL_CAP, false);
	if (!rc)
		rc = pool_init(&w->large, N_LARGE, LARGE_CAP, true);
	if (rc)
		goto out;
	w->epfd = epoll_create1(EPOLL_CLOEXEC);
	w->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	w->sfd = signalfd(-1, sigs, SFD_NONBLOCK | SFD_CLOEXEC);
	if (w->epfd < 0 || w->tfd < 0 || w->sfd < 0) {
		rc = -errno;
		goto out;
	}
	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLIN;
	ev.data.u64 = (uint64_t)TAG_TIMER << 32;
	if (epoll_ctl(w->epfd, EPOLL_CTL_ADD, w->tfd, &ev)) {
		rc = -errno;
		goto out;
	}
	ev.data.u64 = (uint64_t)TAG_SIGNAL << 32;
	if (epoll_ctl(w->epfd, EPOLL_CTL_ADD, w->sfd, &ev)) {
		rc = -errno;
		goto out;
	}
	for (i = 0; i < n; i++) {
		if (!cfg->ports[i]) {
			uint8_t mac[6];

			/* On another host: behind the tunnel. Its gateway's
			 * MAC is known from its address (addr_wan_mac), so
			 * a unicast frame to it is shaped from the first one,
			 * also after a restart, not flooded until an ARP. */
			w->ports[i].remote = true;
			w->n_remote++;
			addr_wan_mac(i, mac);
			mac_learn(w, mac, i);
			continue;
		}
		rc = port_open(w, i, cfg->ports[i]);
		if (rc) {
			wlog(w, "port %zu '%s': %s", i, cfg->ports[i],
			     strerror(-rc));
			goto out;
		}
	}
	rc = lan_ports_open(w, cfg);
	if (rc)
		goto out;
	if (w->tunnel) {
		rc = port_open(w, tunnel_port(w), cfg->tunnel);
		if (rc) {
			wlog(w, "tunnel '%s': %s", cfg->tunnel, strerror(-rc));
			goto out;
		}
	}
	rc = listen_open(w, cfg->ctl_path);
	if (rc)
		wlog(w, "control socket '%s': %s", cfg->ctl_path, strerror(-rc));
out:
	if (rc)
		wand_free(w);
	else
		*out = w;
	return rc;
}

int wand_run(const struct wand_config *cfg)
{
	struct wand *w = NULL;
	sigset_t sigs, old;
	size_t i, remote = 0;
	int rc;

	if (!cfg || !cfg->ctl_path || !cfg->ports || cfg->n_ports < 1 ||
	    cfg->n_ports + cfg->n_lan_ports > WAND_MAX_PORTS ||
	    (cfg->n_lan_ports && (!cfg->lan_ports || !cfg->lan_sites)))
		return -EINVAL;
	for (i = 0; i < cfg->n_ports; i++)
		remote += !cfg->ports[i];
	/* A remote site needs the tunnel; a tunnel needs a local port. */
	if ((remote && !cfg->tunnel) || remote == cfg->n_ports)
		return -EINVAL;
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	pthread_sigmask(SIG_BLOCK, &sigs, &old);
	/* Timers to the nanosecond, not the default 50 us slack. */
	prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);
	rc = wand_new(cfg, &sigs, &w);
	if (rc)
		goto out;
	if (cfg->rt_priority > 0) {
		struct sched_param sp = { .sched_priority = cfg->rt_priority };

		/* Best effort: without it the engine still runs, later. */
		if (sched_setscheduler(0, SCHED_FIFO, &sp))
			wlog(w, "SCHED_FIFO %d: %s", cfg->rt_priority,
			     strerror(errno));
	}
	wlog(w, "started: %zu ports, %zu LAN ports, seed %llu, rt %d", w->n,
	     w->n_lan, (unsigned long long)w->seed, cfg->rt_priority);
	loop(w);
	wlog(w, "stopped");
out:
	wand_free(w);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return rc;
}
