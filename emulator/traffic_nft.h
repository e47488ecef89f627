/* traffic_nft — traffic counters on the gateways, for the backends whose
 * WAN is the WAN bridge (netem, none): an nftables table of enos's own in
 * each gateway's namespace, built and read through libnftnl and libmnl
 * (never by running or parsing `nft`).
 *
 * In the gateway of site S, what S's nodes send to site D is forwarded to
 * D's prefix: that is where it is counted, once (the gateway of D forwards
 * it to its own LAN, which is never a destination here), before netem
 * delays it on wan0. The table, as `nft` would print it:
 *
 *   table ip enos_traffic {
 *     set svcD { type 16-byte key; size 4096; flags dynamic; }
 *     counter overD { }
 *     chain forward { type filter hook forward priority 0; policy accept;
 *       ip daddr PREFIX_D goto toD            one per other site D
 *     }
 *     chain toD {                             the service port, as the engine's
 *       meta l4proto tcp th dport < 32768 th sport >= 32768
 *         update @svcD { tcp . th dport . ip ver/ihl . tcp doff counter } return
 *       meta l4proto tcp th sport < 32768
 *         update @svcD { tcp . th sport . ip ver/ihl . tcp doff counter } return
 *       meta l4proto tcp update @svcD { tcp . 0 . ip ver/ihl . tcp doff counter } return
 *       (the same three for udp, with a header-length byte of 0x20)
 *       update @svcD { meta l4proto . 0 . ip ver/ihl . 0 counter } return
 *       counter name overD                    the set is full
 *     }
 *   }
 *
 * Each element of svcD is a (protocol, service port, IP header length,
 * L4 header length) with its own counter, so the L4 payload is exact:
 * bytes - packets x (headers). What the kernel forwards is counted as it
 * is: a GSO superframe is one packet there (the wand engine counts wire
 * segments), and wire bytes are the IP bytes plus 14 per packet. netem
 * acts after the forward hook, so what its loss drops was counted (the
 * engine counts after its loss).
 *
 * Never prints; returns 0 or -errno.
 */
#ifndef EMULATOR_TRAFFIC_NFT_H
#define EMULATOR_TRAFFIC_NFT_H

#include <stddef.h>
#include <stdint.h>

#include "emulator/traffic.h"
#include "emulator/world.h"

struct emu;

#define TRAFFIC_NFT_TABLE     "enos_traffic"
#define TRAFFIC_NFT_SET_SIZE  4096      /* elements per destination */
#define TRAFFIC_NFT_KEY_LEN   16

/* Arm the counters of every gateway of W, replacing any table left (one
 * transaction per gateway: the counters start at zero). -ENOTSUP if the
 * kernel has no nf_tables. */
int traffic_nft_reset(struct emu *emu, const struct world *w);

/* Read every gateway's counters into T (initialised here, finished).
 * -ENOENT if a gateway has no table (nothing was armed). */
int traffic_nft_read(struct emu *emu, const struct world *w,
		     struct traffic_table *t);

/* Remove the table from every gateway of W; a gateway or a table already
 * gone is success. */
int traffic_nft_clear(struct emu *emu, const struct world *w);

/* Does network namespace NETNS (a name under /run/netns; NULL: the
 * caller's) hold the table? 1, 0, or -errno. */
int traffic_nft_present(struct emu *emu, const char *netns);

/* The counts of one element: KEY (TRAFFIC_NFT_KEY_LEN bytes, as above)
 * counted PACKETS and BYTES (IP bytes) into *PROTO, *PORT and *C. */
void traffic_nft_element(const uint8_t *key, uint64_t packets,
			 uint64_t bytes, uint8_t *proto, uint16_t *port,
			 struct traffic_count *c);

#endif
