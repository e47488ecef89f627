/* addr — address plan of an experiment; see addr.h. */
#include "emulator/addr.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

static uint8_t plen_for_hosts(size_t hosts)
{
	uint64_t need = (uint64_t)hosts + 2;   /* network + broadcast */
	uint8_t plen = 29;

	while (plen > 0 && ((uint64_t)1 << (32 - plen)) < need)
		plen--;
	return plen;
}

struct order {
	size_t site;
	uint8_t plen;
};

static int by_size_then_index(const void *a, const void *b)
{
	const struct order *x = a, *y = b;

	if (x->plen != y->plen)
		return x->plen < y->plen ? -1 : 1;
	return x->site < y->site ? -1 : x->site > y->site;
}

int addr_plan_sites(const size_t *hosts, size_t n, struct prefix *out,
		    size_t *failed)
{
	const uint64_t pool = (uint64_t)1 << (32 - ADDR_LAN_PLEN);
	struct order *ord;
	uint64_t next = ADDR_LAN_POOL, used = 0;
	size_t i;

	if (n > ADDR_MAX_SITES)
		return -E2BIG;
	/* Power-of-two blocks placed largest first pack without gaps, so the
	 * plan fits exactly when the sizes add up to at most the pool; the
	 * site that tips the sum over, in file order, is the one to blame. */
	for (i = 0; i < n; i++) {
		uint8_t plen = plen_for_hosts(hosts[i]);

		used += plen < ADDR_LAN_PLEN ? pool + 1 : (uint64_t)1 << (32 - plen);
		if (used > pool) {
			if (failed)
				*failed = i;
			return -ENOSPC;
		}
	}
	ord = calloc(n ? n : 1, sizeof(*ord));
	if (!ord)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		ord[i].site = i;
		ord[i].plen = plen_for_hosts(hosts[i]);
	}
	qsort(ord, n, sizeof(*ord), by_size_then_index);
	for (i = 0; i < n; i++) {
		out[ord[i].site].addr = (uint32_t)next;
		out[ord[i].site].plen = ord[i].plen;
		next += (uint64_t)1 << (32 - ord[i].plen);
	}
	free(ord);
	return 0;
}

uint32_t addr_host(const struct prefix *p, size_t index)
{
	return p->addr + 1 + (uint32_t)index;
}

uint32_t addr_wan(size_t site)
{
	return ADDR_WAN_POOL + 1 + (uint32_t)site;
}

void addr_wan_mac(size_t site, uint8_t mac[6])
{
	uint32_t a = addr_wan(site);

	mac[0] = 0x02;
	mac[1] = 0xe0;
	mac[2] = (uint8_t)(a >> 24);
	mac[3] = (uint8_t)(a >> 16);
	mac[4] = (uint8_t)(a >> 8);
	mac[5] = (uint8_t)a;
}

const char *addr_format(uint32_t addr, char *buf, size_t len)
{
	snprintf(buf, len, "%u.%u.%u.%u", addr >> 24, (addr >> 16) & 0xff,
		 (addr >> 8) & 0xff, addr & 0xff);
	return buf;
}

const char *prefix_format(const struct prefix *p, char *buf, size_t len)
{
	char a[16];

	snprintf(buf, len, "%s/%u", addr_format(p->addr, a, sizeof(a)),
		 p->plen);
	return buf;
}
