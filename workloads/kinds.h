/* kinds — the workload kinds built into enos, one file each, listed by
 * workload.c's registry (wl_kind_find, wl_kind_at):
 *   kind_kv.c          kv-latency: puts and gets against an etcd member
 *                      (kv.c over libcurl)
 *   kind_rtt.c         rtt: UDP echo round trips to other sites (probe.c)
 *   kind_throughput.c  throughput: iperf3 -J to other sites
 * Internal to workloads/: callers go through workload.h.
 */
#ifndef WORKLOADS_KINDS_H
#define WORKLOADS_KINDS_H

#include <stddef.h>

#include "workloads/workload.h"

extern const struct wl_kind kind_kv_latency;
extern const struct wl_kind kind_rtt;
extern const struct wl_kind kind_throughput;

/* Parse the report of `iperf3 -c ... -J` (TEXT, LEN bytes) of a test
 * started at START (unix time, s) and hand its operations to EMIT: one
 * "throughput" op (iteration 1: the test; value the bits per second the
 * receiver counted, unit "bit/s"; not ok with iperf3's "error" text),
 * then one atomic "interval" op per reporting interval of it (value its
 * bits per second, start START + the interval's start). Exported for the
 * unit tests. Returns 0, EMIT's negative value, or -EBADMSG with *ERR
 * allocated (not iperf3's JSON). */
int kind_throughput_parse(const char *text, size_t len, double start,
			  wl_emit_fn emit, void *arg, char **err);

#endif
