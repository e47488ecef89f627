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
	const uint64_t pool_end = (uint64_t)ADDR_LAN_POOL +
				  ((uint64_t)1 << (32 - ADDR_LAN_PLEN));
	struct order *ord;
	uint64_t next = ADDR_LAN_POOL;
	size_t worst = n;
	size_t i;

	if (n > ADDR_MAX_SITES)
		return -E2BIG;
	ord = calloc(n ? n : 1, sizeof(*ord));
	if (!ord)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		ord[i].site = i;
		ord[i].plen = plen_for_hosts(hosts[i]);
	}
	/* Largest blocks first keeps every block aligned to its size. */
	qsort(ord, n, sizeof(*ord), by_size_then_index);
	for (i = 0; i < n; i++) {
		uint64_t size = (uint64_t)1 << (32 - ord[i].plen);

		if (ord[i].plen < ADDR_LAN_PLEN || next + size > pool_end) {
			if (ord[i].site < worst)
				worst = ord[i].site;
			continue;
		}
		out[ord[i].site].addr = (uint32_t)next;
		out[ord[i].site].plen = ord[i].plen;
		next += size;
	}
	free(ord);
	if (worst < n) {
		if (failed)
			*failed = worst;
		return -ENOSPC;
	}
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
