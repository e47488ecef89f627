/* wand_core — the pure parts of the wand engine, separate from its sockets
 * so tests/test_wand.c can check them without root:
 *   wand_rand.c  seeded PRNG (xoshiro256**), loss (random, Gilbert-
 *                Elliott), jitter distributions, the rate queue, the
 *                no-reorder clamp
 *   wand_gso.c   software segmentation of GSO superframes into wire
 *                packets, checksum helpers
 *   wand_ctl.c   the control protocol's words and KEY=VALUE text (both
 *                ends; the text is emulator/constraint.c's)
 * emulator/wand.h is the public interface; wand_engine.c the datapath.
 */
#ifndef EMULATOR_WAND_CORE_H
#define EMULATOR_WAND_CORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "emulator/shape.h"
#include "emulator/traffic.h"

/* xoshiro256** seeded through splitmix64: same seed, same sequence. */
struct wand_rng {
	uint64_t s[4];
};

void wand_rng_seed(struct wand_rng *r, uint64_t seed);
uint64_t wand_rng_next(struct wand_rng *r);
/* Uniform in [0, 1). */
double wand_rng_uniform(struct wand_rng *r);
/* Standard normal (Box-Muller, one of the pair used). */
double wand_rng_normal(struct wand_rng *r);

/* Loss of one direction. Random loss drops each packet with probability
 * p_loss. Gilbert-Elliott (burst > 1): a good state that never drops and
 * a bad state that always does; p_bg = 1 / burst makes the mean burst
 * length BURST packets and p_gb = loss * p_bg / (1 - loss) makes the
 * stationary share of the bad state, the long-run loss, equal LOSS. */
struct wand_loss {
	double p_loss;          /* random loss probability, 0 .. 1 */
	double p_gb, p_bg;      /* Gilbert-Elliott transitions; p_bg 0: off */
	bool bad;
};

/* Set L's parameters from LOSS_PCT and BURST, keeping its state. */
void wand_loss_set(struct wand_loss *l, double loss_pct, double burst);
/* Should the next packet be dropped? */
bool wand_loss_drop(struct wand_loss *l, struct wand_rng *r);

/* One delay sample in ns for P: delay_us plus jitter drawn from P->dist
 * (none/uniform: uniform in +-jitter; normal: sigma = jitter; pareto and
 * paretonormal: zero-mean, scaled so sigma = jitter, netem's shapes).
 * With correlation c the standardised draw is (1 - c) * new + c * *LAST,
 * as netem does. Never negative. */
uint64_t wand_delay_ns(const struct link_params *p, double *last,
		       struct wand_rng *r);

/* Time to serialise BYTES at RATE_BPS, in ns (rounded up). */
uint64_t wand_tx_ns(uint64_t bytes, uint64_t rate_bps);

/* The rate queue of one direction: a link busy until t_free and a ring of
 * the departure times of the packets still queued (at most LIMIT). */
struct wand_rate {
	uint64_t t_free;
	uint64_t *ring;         /* allocated by wand_rate_admit, cap entries */
	uint32_t cap, head, count;
};

/* Offer a packet of BYTES at time NOW (ns) to a link of RATE_BPS whose
 * queue holds at most LIMIT packets. Returns 0 with *DEPART the time its
 * last bit leaves, -ENOBUFS if the queue is full (the packet is dropped),
 * or -ENOMEM (the ring is allocated on first use and when LIMIT grows). */
int wand_rate_admit(struct wand_rate *q, uint64_t now, uint64_t bytes,
		    uint64_t rate_bps, uint32_t limit, uint64_t *depart);
void wand_rate_release(struct wand_rate *q);

/* No reordering: a frame never leaves before the previous one of its
 * pair. Returns max(DEADLINE, *LAST) and stores it in *LAST. */
static inline uint64_t wand_clamp(uint64_t *last, uint64_t deadline)
{
	if (deadline < *last)
		deadline = *last;
	*last = deadline;
	return deadline;
}

/* Frames carry a struct virtio_net_hdr (10 bytes) before the Ethernet
 * header (PACKET_VNET_HDR). */
#define WAND_VNET_LEN 10

/* A parsed GSO superframe (TCP over IPv4/IPv6, UDP L4 GSO). */
struct wand_gso {
	size_t l3;              /* offset of the IP header in the frame */
	size_t l4;              /* offset of the TCP/UDP header */
	size_t hdr;             /* offset of the payload */
	size_t mss;             /* payload bytes per segment */
	size_t payload;         /* payload bytes in all */
	bool v6, udp;
};

/* Parse FRAME[0..LEN) (virtio-net header first). Returns the number of
 * wire segments it makes (>= 1) and fills G, or 0 if it is no superframe
 * this code segments (no GSO, or a kind it does not know: send it whole). */
size_t wand_gso_parse(const uint8_t *frame, size_t len, struct wand_gso *g);

/* Write segment K of FRAME into OUT (room for hdr + mss bytes): the
 * headers with lengths, IPv4 id and checksum, TCP sequence and flags
 * adjusted, a virtio-net header asking for the L4 checksum
 * (VIRTIO_NET_HDR_F_NEEDS_CSUM, the pseudo-header sum in place), then the
 * payload. Returns its length. */
size_t wand_gso_segment(const uint8_t *frame, const struct wand_gso *g,
			size_t k, uint8_t *out);

/* Do what the NIC would for a frame with VIRTIO_NET_HDR_F_NEEDS_CSUM:
 * write the L4 checksum and clear the flag. */
void wand_csum_complete(uint8_t *frame, size_t len);

/* The Internet checksum of BUF folded to 16 bits, added to SUM (not
 * inverted). */
uint32_t wand_csum_add(uint32_t sum, const uint8_t *buf, size_t len);
uint16_t wand_csum_fold(uint32_t sum);

/* Longest request line the engine takes, and most words in one. */
#define WAND_LINE_MAX (64u << 10)
#define WAND_CTL_ARGS 16

/* Split LINE in place at blanks (spaces, tabs, CR, LF) into at most MAX
 * words in ARGV. Returns how many, or -E2BIG if there are more. */
int wand_ctl_split(char *line, char **argv, int max);

/* Decode the words ARGV[0..ARGC) of a direction, "KEY=VALUE" each: the
 * constraint language's keys (constraint_parse_kv: delay=25000us
 * loss=0.3% rate=100000000bit ...) and cut=0|1, into *P and *CUT (zeroed
 * first: a key not given is a plain wire). No dependency is checked: a
 * resolved direction may keep a distribution with no jitter. Returns 0,
 * or -EINVAL with a message in ERR. */
int wand_params_decode(int argc, char *const argv[], struct link_params *p,
		       bool *cut, char *err, size_t errlen);

/* The same from one string S (NUL-terminated, at most WAND_LINE_MAX). */
int wand_params_parse(const char *s, struct link_params *p, bool *cut,
		      char *err, size_t errlen);

/* Render *P and CUT into BUF as the canonical constraint text of the
 * fields that are not zero (constraint_format), then "cut=1" if CUT, or
 * "cut=0" too with ALL. Returns the length (like snprintf). */
int wand_params_format(const struct link_params *p, bool cut, bool all,
		       char *buf, size_t len);

/* Is P a plain wire (every field zero)? */
bool wand_params_plain(const struct link_params *p);

/* One entry line of a `traffic` reply (emulator/wand.h) into BUF:
 * "SRC DST PROTO PORT packets=P bytes=B payload=L\n". Returns its length
 * (like snprintf). */
int wand_traffic_format(char *buf, size_t len, size_t src, size_t dst,
			uint8_t proto, uint16_t port,
			const struct traffic_count *c);

/* A whole `traffic` reply (its "ok traffic ..." line, the entries, "end")
 * into T, initialised here for the reply's sites and finished. Every
 * number is checked (sites within the reply's count and distinct,
 * protocol and port in range, as many entries as announced). 0, -EPROTO
 * for an unreadable reply (T is then empty), or -ENOMEM. */
int wand_traffic_parse(const char *reply, struct traffic_table *t);

#endif
