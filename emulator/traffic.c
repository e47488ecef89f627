/* traffic — the pure parts of traffic counting (see traffic.h): what a
 * frame is, the engine's fixed-size counter, and the table a backend's
 * read returns.
 */
#include "emulator/traffic.h"

#include <errno.h>
#include <linux/virtio_net.h>
#include <stdlib.h>
#include <string.h>

#define SLOTS_MIN       64
#define SLOTS_WORLD_MIN 4096
#define SLOTS_WORLD_MAX 262144
#define MAX_PROBE       64      /* a miss looks this far, then overflows */
#define KEY_USED        (1ull << 63)

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* ---- one frame ---- */

/* Fill OUT's counts for a frame whose headers end at HDR_END (from the
 * Ethernet header at ETH) and whose L4 payload is PAYLOAD bytes, cut at
 * GSO_SIZE if that is not 0. */
static void frame_counts(struct traffic_frame *out, size_t eth, size_t len,
			 size_t hdr_end, size_t payload, size_t gso_size)
{
	size_t nseg;

	out->c.payload = payload;
	if (gso_size && payload > gso_size) {
		nseg = (payload + gso_size - 1) / gso_size;
		out->c.packets = nseg;
		out->c.bytes = payload + nseg * (hdr_end - eth);
	} else {
		out->c.packets = 1;
		out->c.bytes = len - eth;
	}
}

void traffic_classify(const uint8_t *f, size_t len, size_t vnet,
		      struct traffic_frame *out)
{
	struct virtio_net_hdr vh;
	size_t l3, l4, end, hdr_end, gso_size = 0, l4h;
	uint16_t type;
	uint8_t proto;

	memset(out, 0, sizeof(*out));
	out->c.packets = 1;
	if (len < vnet)
		return;
	out->c.bytes = len - vnet;
	if (vnet >= sizeof(vh)) {
		memcpy(&vh, f, sizeof(vh));
		if ((vh.gso_type & ~VIRTIO_NET_HDR_GSO_ECN) != VIRTIO_NET_HDR_GSO_NONE)
			gso_size = vh.gso_size;
	}
	l3 = vnet + 14;
	if (len < l3)
		return;
	type = get16(f + vnet + 12);
	if (type == 0x8100 || type == 0x88a8) {
		if (len < l3 + 4)
			return;
		type = get16(f + l3 + 2);
		l3 += 4;
	}
	if (type == 0x0800) {
		size_t ihl, tot;

		if (len < l3 + 20 || (f[l3] >> 4) != 4)
			return;
		ihl = (size_t)(f[l3] & 0x0f) * 4;
		if (ihl < 20 || len < l3 + ihl)
			return;
		proto = f[l3 + 9];
		tot = get16(f + l3 + 2);
		/* A superframe's length field may be 0 or stale: trust the
		 * frame. Otherwise the IP length, without Ethernet padding. */
		end = gso_size || tot < ihl || l3 + tot > len ? len : l3 + tot;
		l4 = l3 + ihl;
		out->proto = proto;
		if (get16(f + l3 + 6) & 0x1fff) {
			/* A later fragment: no L4 header, all payload. */
			frame_counts(out, vnet, len, l4, end - l4, 0);
			return;
		}
	} else if (type == 0x86dd) {
		size_t plen;

		if (len < l3 + 40 || (f[l3] >> 4) != 6)
			return;
		proto = f[l3 + 6];
		plen = get16(f + l3 + 4);
		l4 = l3 + 40;
		end = gso_size || plen == 0 || l4 + plen > len ? len : l4 + plen;
		out->proto = proto;
	} else {
		return;
	}
	if (proto == TRAFFIC_PROTO_TCP && end >= l4 + 20) {
		l4h = (size_t)(f[l4 + 12] >> 4) * 4;
		if (l4h < 20)
			l4h = 20;
	} else if (proto == TRAFFIC_PROTO_UDP && end >= l4 + 8) {
		l4h = 8;
	} else {
		/* Another protocol, or a TCP/UDP header cut short. */
		frame_counts(out, vnet, len, l4, end - l4, 0);
		return;
	}
	out->port = traffic_service_port(get16(f + l4), get16(f + l4 + 2));
	hdr_end = l4 + l4h > end ? end : l4 + l4h;
	frame_counts(out, vnet, len, hdr_end, end - hdr_end, gso_size);
}

/* ---- the counter ---- */

static uint64_t key_of(size_t pair, uint8_t proto, uint16_t port)
{
	return KEY_USED | (uint64_t)pair << 24 | (uint64_t)proto << 16 | port;
}

static size_t slot_of(const struct traffic_counter *tc, uint64_t key)
{
	return (size_t)((key * 0x9E3779B97F4A7C15ull) >> (64 - tc->bits));
}

size_t traffic_counter_slots(size_t n_sites)
{
	size_t want = n_sites * n_sites * 4;

	if (n_sites && want / n_sites / n_sites != 4)
		want = SLOTS_WORLD_MAX;
	if (want < SLOTS_WORLD_MIN)
		want = SLOTS_WORLD_MIN;
	if (want > SLOTS_WORLD_MAX)
		want = SLOTS_WORLD_MAX;
	return want;
}

int traffic_counter_init(struct traffic_counter *tc, size_t n_sites,
			 size_t slots)
{
	size_t n = SLOTS_MIN;
	unsigned bits = 6;

	memset(tc, 0, sizeof(*tc));
	/* A pair index must fit the key's 32 bits. */
	if (n_sites > (1u << 16))
		return -EINVAL;
	while (n < slots && bits < 30) {
		n <<= 1;
		bits++;
	}
	tc->slots = calloc(n, sizeof(*tc->slots));
	if (!tc->slots)
		return -ENOMEM;
	tc->n_slots = n;
	tc->bits = bits;
	tc->cap = n / 4 * 3;
	tc->n_sites = n_sites;
	return 0;
}

void traffic_counter_release(struct traffic_counter *tc)
{
	if (!tc)
		return;
	free(tc->slots);
	memset(tc, 0, sizeof(*tc));
}

void traffic_counter_reset(struct traffic_counter *tc)
{
	memset(tc->slots, 0, tc->n_slots * sizeof(*tc->slots));
	tc->used = 0;
	memset(&tc->lost, 0, sizeof(tc->lost));
}

/* The slot of KEY, claiming an empty one if fewer than LIMIT are used;
 * NULL if there is none. */
static struct traffic_slot *find(struct traffic_counter *tc, uint64_t key,
				 size_t limit)
{
	size_t i = slot_of(tc, key), k;

	for (k = 0; k < MAX_PROBE && k < tc->n_slots; k++) {
		struct traffic_slot *s = &tc->slots[i];

		if (s->key == key)
			return s;
		if (s->key == 0) {
			if (tc->used >= limit)
				return NULL;
			s->key = key;
			tc->used++;
			return s;
		}
		i = (i + 1) & (tc->n_slots - 1);
	}
	return NULL;
}

void traffic_counter_add(struct traffic_counter *tc, size_t src, size_t dst,
			 uint8_t proto, uint16_t port,
			 const struct traffic_count *c)
{
	traffic_counter_add_pair(tc, src * tc->n_sites + dst, proto, port, c);
}

void traffic_counter_add_pair(struct traffic_counter *tc, size_t pair,
			      uint8_t proto, uint16_t port,
			      const struct traffic_count *c)
{
	struct traffic_slot *s = NULL;

	if (proto || port)
		s = find(tc, key_of(pair, proto, port), tc->cap);
	if (!s)
		s = find(tc, key_of(pair, 0, 0), tc->n_slots - 1);
	traffic_count_add(s ? &s->c : &tc->lost, c);
}

bool traffic_counter_next(const struct traffic_counter *tc, size_t *pos,
			  size_t *src, size_t *dst, uint8_t *proto,
			  uint16_t *port, struct traffic_count *c)
{
	size_t i, pair;

	for (i = *pos; i < tc->n_slots; i++) {
		const struct traffic_slot *s = &tc->slots[i];

		if (!s->key)
			continue;
		pair = (size_t)((s->key & ~KEY_USED) >> 24);
		*src = pair / tc->n_sites;
		*dst = pair % tc->n_sites;
		*proto = (uint8_t)(s->key >> 16);
		*port = (uint16_t)s->key;
		*c = s->c;
		*pos = i + 1;
		return true;
	}
	*pos = tc->n_slots;
	return false;
}

/* ---- the table ---- */

void traffic_table_init(struct traffic_table *t, size_t n_sites)
{
	memset(t, 0, sizeof(*t));
	t->n_sites = n_sites;
}

void traffic_table_release(struct traffic_table *t)
{
	if (!t)
		return;
	free(t->v);
	t->v = NULL;
	t->n = t->cap = 0;
}

int traffic_table_add(struct traffic_table *t, size_t src, size_t dst,
		      uint8_t proto, uint16_t port,
		      const struct traffic_count *c)
{
	struct traffic_entry *e;

	if (src >= t->n_sites || dst >= t->n_sites || src == dst)
		return -EINVAL;
	if (t->n == t->cap) {
		size_t nc = t->cap ? t->cap * 2 : 64;
		struct traffic_entry *nv = nc > SIZE_MAX / sizeof(*nv) ? NULL :
					   realloc(t->v, nc * sizeof(*nv));

		if (!nv)
			return -ENOMEM;
		t->v = nv;
		t->cap = nc;
	}
	e = &t->v[t->n++];
	e->src = src;
	e->dst = dst;
	e->proto = proto;
	e->port = port;
	e->c = *c;
	return 0;
}

static int entry_cmp(const void *a, const void *b)
{
	const struct traffic_entry *x = a, *y = b;

	if (x->src != y->src)
		return x->src < y->src ? -1 : 1;
	if (x->dst != y->dst)
		return x->dst < y->dst ? -1 : 1;
	if (x->proto != y->proto)
		return x->proto < y->proto ? -1 : 1;
	if (x->port != y->port)
		return x->port < y->port ? -1 : 1;
	return 0;
}

void traffic_table_finish(struct traffic_table *t)
{
	size_t i, k = 0;

	if (t->n == 0)
		return;
	qsort(t->v, t->n, sizeof(*t->v), entry_cmp);
	for (i = 1; i < t->n; i++) {
		if (entry_cmp(&t->v[k], &t->v[i]) == 0)
			traffic_count_add(&t->v[k].c, &t->v[i].c);
		else
			t->v[++k] = t->v[i];
	}
	t->n = k + 1;
}

const struct traffic_entry *traffic_table_find(const struct traffic_table *t,
					       size_t src, size_t dst,
					       uint8_t proto, uint16_t port)
{
	struct traffic_entry key = { .src = src, .dst = dst, .proto = proto,
				     .port = port };

	if (t->n == 0)
		return NULL;
	return bsearch(&key, t->v, t->n, sizeof(*t->v), entry_cmp);
}

const char *traffic_proto_name(int proto)
{
	switch (proto) {
	case 0: return "-";
	case 1: return "icmp";
	case TRAFFIC_PROTO_TCP: return "tcp";
	case TRAFFIC_PROTO_UDP: return "udp";
	case 58: return "icmpv6";
	case 132: return "sctp";
	default: return NULL;
	}
}
