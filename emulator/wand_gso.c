/* wand_gso — software segmentation for the wand engine. With
 * PACKET_VNET_HDR the gateways' TCP stacks hand the engine GSO superframes
 * (up to 64 KiB and a virtio-net header saying how to cut them); passed
 * whole they cross the WAN at memory speed. Loss and rate act on wire
 * packets, so on a pair with either the engine cuts each superframe into
 * the MSS-sized packets the wire would carry, as the kernel's
 * tcp_gso_segment()/__udp_gso_segment() would, leaving the L4 checksum to
 * the receiving kernel (VIRTIO_NET_HDR_F_NEEDS_CSUM, like TSO hardware).
 */
#include <arpa/inet.h>
#include <linux/virtio_net.h>
#include <netinet/in.h>
#include <string.h>

#include "emulator/wand_core.h"

#ifndef VIRTIO_NET_HDR_GSO_UDP_L4
#define VIRTIO_NET_HDR_GSO_UDP_L4 5     /* linux/virtio_net.h of 5.18+ */
#endif

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}

uint32_t wand_csum_add(uint32_t sum, const uint8_t *buf, size_t len)
{
	uint64_t s = sum;
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		s += (uint32_t)(buf[i] << 8 | buf[i + 1]);
	if (len & 1)
		s += (uint32_t)buf[len - 1] << 8;
	while (s >> 32)
		s = (s & 0xffffffffu) + (s >> 32);
	return (uint32_t)s;
}

uint16_t wand_csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

size_t wand_gso_parse(const uint8_t *frame, size_t len, struct wand_gso *g)
{
	const struct virtio_net_hdr *vh = (const void *)frame;
	const uint8_t *f = frame;
	size_t l3 = WAND_VNET_LEN + 14, l4, hdr;
	uint16_t type;
	uint8_t gso = vh->gso_type & ~VIRTIO_NET_HDR_GSO_ECN;

	memset(g, 0, sizeof(*g));
	if (len < l3 || gso == VIRTIO_NET_HDR_GSO_NONE || vh->gso_size == 0)
		return 0;
	if (gso != VIRTIO_NET_HDR_GSO_TCPV4 && gso != VIRTIO_NET_HDR_GSO_TCPV6 &&
	    gso != VIRTIO_NET_HDR_GSO_UDP_L4)
		return 0;
	type = get16(f + WAND_VNET_LEN + 12);
	if (type == 0x8100) {
		if (len < l3 + 4)
			return 0;
		type = get16(f + WAND_VNET_LEN + 16);
		l3 += 4;
	}
	if (type == 0x0800) {
		uint8_t proto;

		if (len < l3 + 20 || (f[l3] >> 4) != 4)
			return 0;
		l4 = l3 + (size_t)(f[l3] & 0x0f) * 4;
		proto = f[l3 + 9];
		g->udp = proto == IPPROTO_UDP;
		if (proto != IPPROTO_TCP && proto != IPPROTO_UDP)
			return 0;
	} else if (type == 0x86dd) {
		uint8_t nh;

		if (len < l3 + 40)
			return 0;
		l4 = l3 + 40;
		nh = f[l3 + 6];
		g->v6 = true;
		g->udp = nh == IPPROTO_UDP;
		if (nh != IPPROTO_TCP && nh != IPPROTO_UDP)
			return 0;   /* extension headers: send whole */
	} else {
		return 0;
	}
	if (g->udp != (gso == VIRTIO_NET_HDR_GSO_UDP_L4))
		return 0;
	if (g->udp)
		hdr = l4 + 8;
	else if (len >= l4 + 20)
		hdr = l4 + (size_t)(f[l4 + 12] >> 4) * 4;
	else
		return 0;
	if (hdr > len || hdr < l4 + 8)
		return 0;
	g->l3 = l3;
	g->l4 = l4;
	g->hdr = hdr;
	g->mss = vh->gso_size;
	g->payload = len - hdr;
	if (g->payload == 0)
		return 0;
	return (g->payload + g->mss - 1) / g->mss;
}

/* The pseudo-header sum for an L4 segment of L4LEN bytes. */
static uint16_t pseudo_sum(const uint8_t *f, const struct wand_gso *g,
			   size_t l4len)
{
	uint32_t s = 0;
	uint8_t tail[4];

	if (g->v6)
		s = wand_csum_add(s, f + g->l3 + 8, 32);
	else
		s = wand_csum_add(s, f + g->l3 + 12, 8);
	put16(tail, 0);
	tail[1] = g->udp ? IPPROTO_UDP : IPPROTO_TCP;
	put16(tail + 2, (uint16_t)l4len);
	s = wand_csum_add(s, tail, 4);
	return wand_csum_fold(s);
}

size_t wand_gso_segment(const uint8_t *frame, const struct wand_gso *g,
			size_t k, uint8_t *out)
{
	struct virtio_net_hdr vh;
	size_t off = k * g->mss, seg = g->payload - off, l4len, len;
	bool last;
	uint8_t *ip = out + g->l3, *l4 = out + g->l4;

	if (seg > g->mss)
		seg = g->mss;
	last = off + seg >= g->payload;
	len = g->hdr + seg;
	memcpy(out + WAND_VNET_LEN, frame + WAND_VNET_LEN, g->hdr - WAND_VNET_LEN);
	memcpy(out + g->hdr, frame + g->hdr + off, seg);
	l4len = len - g->l4;
	if (g->v6) {
		put16(ip + 4, (uint16_t)l4len);
	} else {
		uint32_t s;

		put16(ip + 2, (uint16_t)(len - g->l3));
		put16(ip + 4, (uint16_t)(get16(frame + g->l3 + 4) + k));
		put16(ip + 10, 0);
		s = wand_csum_add(0, ip, g->l4 - g->l3);
		put16(ip + 10, (uint16_t)~wand_csum_fold(s));
	}
	if (g->udp) {
		put16(l4 + 4, (uint16_t)l4len);
		put16(l4 + 6, pseudo_sum(out, g, l4len));
	} else {
		put32(l4 + 4, get32(frame + g->l4 + 4) + (uint32_t)off);
		if (!last)
			l4[13] &= (uint8_t)~0x09;       /* FIN, PSH: last only */
		if (k > 0)
			l4[13] &= (uint8_t)~0x80;       /* CWR: first only */
		put16(l4 + 16, pseudo_sum(out, g, l4len));
	}
	memset(&vh, 0, sizeof(vh));
	vh.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
	vh.gso_type = VIRTIO_NET_HDR_GSO_NONE;
	vh.csum_start = (uint16_t)(g->l4 - WAND_VNET_LEN);
	vh.csum_offset = g->udp ? 6 : 16;
	memcpy(out, &vh, sizeof(vh));
	return len;
}

void wand_csum_complete(uint8_t *frame, size_t len)
{
	struct virtio_net_hdr vh;
	size_t start, at;
	uint16_t c;

	memcpy(&vh, frame, sizeof(vh));
	if (!(vh.flags & VIRTIO_NET_HDR_F_NEEDS_CSUM))
		return;
	start = WAND_VNET_LEN + vh.csum_start;
	at = start + vh.csum_offset;
	if (at + 2 > len || start >= len)
		return;
	c = (uint16_t)~wand_csum_fold(wand_csum_add(0, frame + start,
						    len - start));
	put16(frame + at, c ? c : 0xffff);
	vh.flags &= (uint8_t)~VIRTIO_NET_HDR_F_NEEDS_CSUM;
	memcpy(frame, &vh, sizeof(vh));
}
