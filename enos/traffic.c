/* traffic — counting what crosses the WAN; see traffic.h.
 *
 * Placeholder of the contract commit: the traffic part of issue 11
 * replaces both functions. Until then a workload runs without traffic
 * figures and says so. */
#include "enos/traffic.h"

#include <errno.h>
#include <stdio.h>

int traffic_begin(struct enos_ctx *ctx, struct shaped_exp *e)
{
	(void)ctx;
	(void)e;
	return -ENOTSUP;
}

int traffic_end(struct enos_ctx *ctx, struct shaped_exp *e, int64_t run)
{
	(void)ctx;
	(void)e;
	(void)run;
	return -ENOTSUP;
}
