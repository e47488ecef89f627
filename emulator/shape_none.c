/* shape_none — the "none" shaping backend: the WAN is the plain WAN bridge
 * and stays so. Like iproute2's fallback prio_util, it is an ops struct
 * that does nothing, so that callers never ask whether there is a backend:
 * every operation succeeds and leaves the kernel alone, and `shapes` says
 * there is nothing to measure against or to inject faults into. It still
 * counts traffic, on the gateways, as netem does (traffic_nft.c); reset
 * removes those counters.
 */
#include <errno.h>

#include "emulator/shape.h"
#include "emulator/traffic_nft.h"

static int none_apply(struct emu *emu, const struct world *w,
		      const struct shape_table *t)
{
	(void)emu;
	(void)w;
	(void)t;
	return 0;
}

static int none_set_pair(struct emu *emu, const struct world *w,
			 const struct shape_table *t, size_t src, size_t dst)
{
	(void)emu;
	(void)w;
	(void)t;
	(void)src;
	(void)dst;
	return 0;
}

static int none_reset(struct emu *emu, const struct world *w)
{
	int rc = traffic_nft_clear(emu, w);

	return rc == -ENOTSUP ? 0 : rc;
}

const struct shape_ops shape_none_ops = {
	.name = "none",
	.wan_mode = WAN_BRIDGE,
	.shapes = false,
	.apply = none_apply,
	.set_pair = none_set_pair,
	.reset = none_reset,
	.traffic_reset = traffic_nft_reset,
	.traffic_read = traffic_nft_read,
	.traffic_clear = traffic_nft_clear,
};
