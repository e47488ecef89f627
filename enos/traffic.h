/* traffic — what crosses the WAN, between whom, for which service
 * (issue 11): bytes and packets per ordered site pair and per service,
 * counted by the shaping backend (the wand engine per pair and per L4
 * port; netem and none by counters on the gateways), mapped to the stack
 * service listening on the port (service_ports, recorded at deploy;
 * "other" when none) and stored per run (state.h's traffic table).
 *
 * During every workload (enos/bench.c calls traffic_begin before and
 * traffic_end after) and by hand (`enos traffic start|stop|show`).
 */
#ifndef ENOS_TRAFFIC_H
#define ENOS_TRAFFIC_H

#include <stdint.h>

struct enos_ctx;
struct shaped_exp;

/* Zero E's counters (arm them where the backend needs rules). Prints
 * errors. Returns 0 or -errno (-ENOTSUP where the backend cannot count:
 * said once, and the workload goes on without traffic figures). */
int traffic_begin(struct enos_ctx *ctx, struct shaped_exp *e);

/* Read E's counters, map ports to services, and store the rows in RUN.
 * Prints errors. Returns 0 or -errno. */
int traffic_end(struct enos_ctx *ctx, struct shaped_exp *e, int64_t run);

#endif
