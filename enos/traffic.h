/* traffic — what crosses the WAN, between whom, for which service
 * (issue 11): bytes and packets per ordered site pair and per service,
 * counted by the shaping backend (the wand engine per pair and per L4
 * port; netem and none by nftables counters on the gateways: shape.h's
 * traffic ops, emulator/traffic.h), mapped to the stack service listening
 * on the port (service_ports, recorded at deploy; "other" when none) and
 * stored per run (state.h's traffic table).
 *
 * During every workload (enos/bench.c calls traffic_begin before and
 * traffic_end after) and by hand (`enos traffic start|stop|show`,
 * enos/cmd/traffic.c). A run with traffic also gets the results
 * traffic_packets, traffic_bytes and traffic_payload (the totals): the
 * newest run with traffic_bytes is what `enos traffic show` prints.
 */
#ifndef ENOS_TRAFFIC_H
#define ENOS_TRAFFIC_H

#include <stddef.h>
#include <stdint.h>

#include "enos/state.h"

struct enos_ctx;
struct shaped_exp;
struct traffic_table;
struct world;

/* The result whose newest run `enos traffic show` prints. */
#define TRAFFIC_METRIC_BYTES "traffic_bytes"

/* Zero E's counters (arm them where the backend needs rules). Prints
 * errors. Returns 0 or -errno (-ENOTSUP where the backend cannot count:
 * said once, and the workload goes on without traffic figures). */
int traffic_begin(struct enos_ctx *ctx, struct shaped_exp *e);

/* Read E's counters, map ports to services, and store the rows in RUN;
 * then disarm what traffic_begin armed. Prints errors. Returns 0 or
 * -errno. */
int traffic_end(struct enos_ctx *ctx, struct shaped_exp *e, int64_t run);

/* The service that carries (PROTO, PORT) from site SRC to site DST: of
 * the service ports PORTS[0..N) (state_service_ports: each with its
 * instance's service and site), the one listening on it at DST, else at
 * SRC (the server is at one end of the pair); "other" for port 0 or a
 * port no instance at either end listens on. */
const char *traffic_service_of(const struct service_port *ports, size_t n,
			       const char *src, const char *dst, int proto,
			       int port);

/* Store T (counted on world W) in RUN: one row per (pair, service,
 * protocol, port) with the service of traffic_service_of(PORTS), and the
 * totals as results. One transaction. Prints errors. 0 or -errno. */
int traffic_store(struct enos_ctx *ctx, const struct world *w, int64_t run,
		  const struct traffic_table *t,
		  const struct service_port *ports, size_t n_ports);

/* Print the table of ROWS[0..N) (RUN's, as state_traffic reads them:
 * largest first) for experiment NAME: its first MAX_ROWS rows (0: all),
 * then each service's share of all N rows' bytes, largest first. */
void traffic_print(const char *name, int64_t run, const struct traffic_row *rows,
		   size_t n, size_t max_rows);

#endif
