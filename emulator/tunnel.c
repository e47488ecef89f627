/* tunnel — VXLAN between the hosts of a world, and the path MTU under it;
 * see tunnel.h. */
#include "emulator/tunnel.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include "emulator/fabric.h"
#include "emulator/world.h"

uint32_t tunnel_vni(const char *tag)
{
	struct world w;
	uint32_t g;

	if (!tag || strlen(tag) != WORLD_TAG_LEN)
		return 0;
	memset(&w, 0, sizeof(w));
	memcpy(w.tag, tag, WORLD_TAG_LEN + 1);
	g = world_group(&w);
	return g ? g - WORLD_GROUP_BASE + 1 : 0;
}

const char *tunnel_ifname(const char *tag, char *buf, size_t len)
{
	if (!tunnel_vni(tag) || len < WORLD_TAG_LEN + 2)
		return NULL;
	snprintf(buf, len, "%sx", tag);
	return buf;
}

/* AF_INET or AF_INET6 for an address literal, 0 for anything else. */
static int addr_family(const char *addr, void *out)
{
	unsigned char junk[16];

	if (!addr)
		return 0;
	if (inet_pton(AF_INET, addr, out ? out : junk) == 1)
		return AF_INET;
	if (inet_pton(AF_INET6, addr, out ? out : junk) == 1)
		return AF_INET6;
	return 0;
}

unsigned tunnel_overhead(const char *addr)
{
	switch (addr_family(addr, NULL)) {
	case AF_INET:
		return TUNNEL_OVERHEAD_V4;
	case AF_INET6:
		return TUNNEL_OVERHEAD_V6;
	default:
		return 0;
	}
}

int tunnel_inner_mtu(unsigned path_mtu, const char *addr, unsigned *inner)
{
	unsigned over = tunnel_overhead(addr);

	if (!over)
		return -EINVAL;
	if (path_mtu < TUNNEL_MTU_MIN + over)
		return -EMSGSIZE;
	*inner = path_mtu - over;
	return 0;
}

int tunnel_inner_mtu_min(const unsigned *mtus, const char *const *addrs,
			 size_t n, unsigned *inner)
{
	unsigned best = 0, m;
	size_t i;
	int err;

	if (n == 0)
		return -EINVAL;
	for (i = 0; i < n; i++) {
		err = tunnel_inner_mtu(mtus[i], addrs[i], &m);
		if (err)
			return err;
		if (i == 0 || m < best)
			best = m;
	}
	*inner = best;
	return 0;
}

int tunnel_spec_check(const struct tunnel_spec *spec, char *why, size_t len)
{
	unsigned char a[16], b[16];
	int fam;
	size_t i, j;

	if (!why)
		len = 0;
	if (!spec || !tunnel_vni(spec->tag)) {
		snprintf(why, len, "'%s' is not an experiment tag",
			 spec && spec->tag ? spec->tag : "");
		return -EINVAL;
	}
	if (spec->vni < 1 || spec->vni > TUNNEL_VNI_MAX) {
		snprintf(why, len, "VNI %u is outside 1 .. %u", spec->vni,
			 TUNNEL_VNI_MAX);
		return -EINVAL;
	}
	fam = addr_family(spec->local, a);
	if (!fam) {
		snprintf(why, len, "local underlay address '%s' is no address",
			 spec->local ? spec->local : "");
		return -EINVAL;
	}
	if (spec->n_peers < 1 || spec->n_peers > TUNNEL_PEERS_MAX ||
	    !spec->peers) {
		snprintf(why, len, "%zu peers: 1 .. %d expected", spec->n_peers,
			 TUNNEL_PEERS_MAX);
		return -EINVAL;
	}
	for (i = 0; i < spec->n_peers; i++) {
		const char *pa = spec->peers[i].addr;

		if (addr_family(pa, b) != fam) {
			snprintf(why, len, "host '%s': underlay address '%s' "
				 "is not an %s address like '%s'",
				 spec->peers[i].host ? spec->peers[i].host : "",
				 pa ? pa : "", fam == AF_INET ? "IPv4" : "IPv6",
				 spec->local);
			return -EINVAL;
		}
		if (memcmp(a, b, fam == AF_INET ? 4 : 16) == 0) {
			snprintf(why, len, "host '%s': underlay address '%s' "
				 "is the local one", spec->peers[i].host ?
				 spec->peers[i].host : "", pa);
			return -EINVAL;
		}
		for (j = 0; j < i; j++) {
			unsigned char c[16];

			addr_family(spec->peers[j].addr, c);
			if (memcmp(b, c, fam == AF_INET ? 4 : 16) == 0) {
				snprintf(why, len, "underlay address '%s' "
					 "twice", pa);
				return -EINVAL;
			}
		}
	}
	for (i = 0; i < spec->n_macs; i++)
		if (!spec->macs || spec->macs[i].peer >= spec->n_peers) {
			snprintf(why, len, "static MAC %zu: no such peer", i);
			return -EINVAL;
		}
	if (spec->mtu && (spec->mtu < TUNNEL_MTU_MIN || spec->mtu > 65535)) {
		snprintf(why, len, "inner MTU %u is outside %d .. 65535",
			 spec->mtu, TUNNEL_MTU_MIN);
		return -EINVAL;
	}
	return 0;
}

int tunnel_join(struct emu *emu, const struct tunnel_spec *spec)
{
	(void)emu;
	(void)spec;
	return -ENOSYS;
}

int tunnel_leave(struct emu *emu, const char *tag,
		 const struct fabric_ops *fabric)
{
	(void)emu;
	(void)tag;
	(void)fabric;
	return -ENOSYS;
}

int tunnel_path_mtu(const char *local, const char *remote, unsigned *mtu)
{
	(void)local;
	(void)remote;
	(void)mtu;
	return -ENOSYS;
}

int tunnel_wan_mtu(struct emu *emu, const struct world *w, const bool *local,
		   unsigned mtu)
{
	(void)emu;
	(void)w;
	(void)local;
	(void)mtu;
	return -ENOSYS;
}
