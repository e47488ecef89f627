/* traffic — counting what crosses the WAN: packets, wire bytes and L4
 * payload bytes per ordered site pair and per L4 service port (issue 11).
 *
 * Every shaping backend counts the same things, its own way (shape.h's
 * traffic ops): the wand engine (wand_engine.c) classifies each frame it
 * forwards with traffic_classify() and adds it to a struct traffic_counter;
 * netem and none arm nftables counters on each gateway (traffic_nft.c).
 * Both give the reader a struct traffic_table. enos/traffic.c maps each
 * (pair, protocol, port) to the stack service listening on that port.
 *
 * The service port of a TCP or UDP packet is its server side's:
 * traffic_service_port(). Port 0 means "other" (both ends in the
 * ephemeral range, or no port: an IP fragment, ICMP); protocol 0 means
 * not IP, or counted in a pair's overflow bucket (see below).
 *
 * This part is pure (no sockets, no root): tests/test_traffic.c checks it.
 */
#ifndef EMULATOR_TRAFFIC_H
#define EMULATOR_TRAFFIC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Linux's default ip_local_port_range starts here: ports below are
 * servers' (and a few fixed clients'), ports above a connection's own. */
#define TRAFFIC_EPHEMERAL 32768u

#define TRAFFIC_PROTO_TCP 6
#define TRAFFIC_PROTO_UDP 17

/* The server side's port of a TCP/UDP packet from SPORT to DPORT: the
 * destination port when it is below the ephemeral range and the source
 * port is not, else the source port when it is below, else 0 (other). */
static inline uint16_t traffic_service_port(uint16_t sport, uint16_t dport)
{
	if (dport < TRAFFIC_EPHEMERAL && sport >= TRAFFIC_EPHEMERAL)
		return dport;
	if (sport < TRAFFIC_EPHEMERAL)
		return sport;
	return 0;
}

struct traffic_count {
	uint64_t packets;       /* wire packets */
	uint64_t bytes;         /* wire bytes: Ethernet frames, no FCS */
	uint64_t payload;       /* L4 payload bytes (IP payload if no L4) */
};

static inline void traffic_count_add(struct traffic_count *to,
				     const struct traffic_count *c)
{
	to->packets += c->packets;
	to->bytes += c->bytes;
	to->payload += c->payload;
}

/* What one frame is and carries. */
struct traffic_frame {
	uint8_t proto;          /* IP protocol, 0: not IP */
	uint16_t port;          /* service port, 0: other */
	struct traffic_count c;
};

/* Classify FRAME[0..LEN): VNET bytes of struct virtio_net_hdr (0: none)
 * then an Ethernet frame (one VLAN tag skipped), IPv4 or IPv6 (without
 * extension headers; else the protocol with port 0), TCP or UDP. A GSO
 * superframe (the virtio-net header says so) counts as the wire segments
 * it makes: its payload cut at gso_size, each with a copy of the headers.
 * Never reads past LEN; a truncated header counts the frame as "other". */
void traffic_classify(const uint8_t *frame, size_t len, size_t vnet,
		      struct traffic_frame *out);

/* ---- the counter: the engine's, no allocation once made ---- */

/* An open-addressing table keyed by (pair, protocol, port) with linear
 * probing. At most CAP of its slots (3/4) hold counted keys; a key that
 * finds no room goes to its pair's overflow key (protocol 0, port 0), for
 * which the last quarter is kept; if even that is full the frame is only
 * counted in `lost`. */
struct traffic_slot {
	uint64_t key;           /* 0: empty */
	struct traffic_count c;
};

struct traffic_counter {
	struct traffic_slot *slots;
	size_t n_slots;         /* a power of two */
	unsigned bits;
	size_t used, cap;
	size_t n_sites;
	struct traffic_count lost;
};

/* Slots for a world of N_SITES: 4 per ordered pair, at least 4096 and at
 * most 262144 (8 MiB). */
size_t traffic_counter_slots(size_t n_sites);

/* Make TC for N_SITES sites with SLOTS slots (rounded up to a power of
 * two, at least 64). 0 or -ENOMEM. Release with traffic_counter_release
 * (accepts a zeroed counter). */
int traffic_counter_init(struct traffic_counter *tc, size_t n_sites,
			 size_t slots);
void traffic_counter_release(struct traffic_counter *tc);

/* Zero every count (forget every key). */
void traffic_counter_reset(struct traffic_counter *tc);

/* Add C to (SRC -> DST, PROTO, PORT). Never allocates. */
void traffic_counter_add(struct traffic_counter *tc, size_t src, size_t dst,
			 uint8_t proto, uint16_t port,
			 const struct traffic_count *c);
/* The same for pair index PAIR = SRC * n_sites + DST. */
void traffic_counter_add_pair(struct traffic_counter *tc, size_t pair,
			      uint8_t proto, uint16_t port,
			      const struct traffic_count *c);

/* The next counted key at or after *POS (start at 0): its pair, protocol,
 * port and counts, and *POS moved past it. false at the end. */
bool traffic_counter_next(const struct traffic_counter *tc, size_t *pos,
			  size_t *src, size_t *dst, uint8_t *proto,
			  uint16_t *port, struct traffic_count *c);

/* ---- the table: what a backend's read gives ---- */

struct traffic_entry {
	size_t src, dst;        /* site indexes */
	uint8_t proto;
	uint16_t port;
	struct traffic_count c;
};

struct traffic_table {
	size_t n_sites;
	struct traffic_entry *v;
	size_t n, cap;
	struct traffic_count lost;      /* counted nowhere: tables full */
};

/* An empty table for N_SITES sites (nothing is allocated yet). */
void traffic_table_init(struct traffic_table *t, size_t n_sites);
void traffic_table_release(struct traffic_table *t);

/* Append (SRC -> DST, PROTO, PORT) += C; SRC and DST must be distinct
 * sites of T. The same key may come several times: traffic_table_finish
 * merges them. 0, -EINVAL or -ENOMEM. */
int traffic_table_add(struct traffic_table *t, size_t src, size_t dst,
		      uint8_t proto, uint16_t port,
		      const struct traffic_count *c);

/* Sort T by pair, protocol and port and merge equal keys. */
void traffic_table_finish(struct traffic_table *t);

/* The entry of (SRC, DST, PROTO, PORT) in a finished T, or NULL. */
const struct traffic_entry *traffic_table_find(const struct traffic_table *t,
					       size_t src, size_t dst,
					       uint8_t proto, uint16_t port);

/* "tcp", "udp", "icmp", ..., or NULL for another number. */
const char *traffic_proto_name(int proto);

#endif
