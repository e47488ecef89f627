/* addr — the address plan of an experiment inside 198.18.0.0/15.
 *
 * Site LANs take blocks from 198.18.0.0/16, each the smallest power of two
 * that holds its gateway and nodes plus network and broadcast addresses
 * (at least a /29), allocated largest first so every block is aligned. The
 * WAN transit network between gateways is 198.19.0.0/16: gateway i is
 * 198.19.0.0 + i + 1. Experiments never share a namespace or a bridge, so
 * two experiments may use the same addresses.
 *
 * Pure computation: no system calls, usable by the topology validator.
 */
#ifndef EMULATOR_ADDR_H
#define EMULATOR_ADDR_H

#include <stddef.h>
#include <stdint.h>

#define ADDR_LAN_POOL   0xC6120000u     /* 198.18.0.0 */
#define ADDR_LAN_PLEN   16
#define ADDR_WAN_POOL   0xC6130000u     /* 198.19.0.0 */
#define ADDR_WAN_PLEN   16
#define ADDR_MAX_SITES  65534u

/* An IPv4 prefix, address in host byte order. */
struct prefix {
	uint32_t addr;
	uint8_t plen;
};

/* Plan the LAN blocks of N sites; site i holds HOSTS[i] addresses (its
 * gateway plus its nodes). On success fills OUT[0..n) and returns 0. If the
 * pool is exhausted returns -ENOSPC and sets *FAILED to the first site that
 * did not fit (in file order); if N is too large returns -E2BIG. */
int addr_plan_sites(const size_t *hosts, size_t n, struct prefix *out,
		    size_t *failed);

/* The gateway (first host) and node addresses of a site block: host index
 * 0 is the gateway, 1..n the nodes. */
uint32_t addr_host(const struct prefix *p, size_t index);

/* WAN transit address of the gateway of site SITE. */
uint32_t addr_wan(size_t site);

/* The MAC of that gateway's WAN interface in a world spread over several
 * hosts (world.c sets it): 02:e0 and the four bytes of addr_wan(SITE),
 * locally administered and unicast, unique within the world's WAN. Each
 * host's wand engine knows every remote site's at start (no ARP needed,
 * none flooded after a restart). Into MAC (6 bytes). */
void addr_wan_mac(size_t site, uint8_t mac[6]);

/* Format "A.B.C.D" or "A.B.C.D/N" into BUF (at least 19 bytes). */
const char *addr_format(uint32_t addr, char *buf, size_t len);
const char *prefix_format(const struct prefix *p, char *buf, size_t len);

#endif
