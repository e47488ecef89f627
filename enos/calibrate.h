/* calibrate — the base RTT between two hosts of a world, and what it
 * changes in the delays added to cross-host site pairs
 * (docs/MULTIHOST.md, "Fidelity: base-RTT calibration").
 *
 * The base is measured on the path the traffic takes: the UDP echo probe
 * (workloads/probe.c) from a gateway on one host to a gateway on the
 * other, across the tunnel, 200 samples; the 10th percentile is the base
 * (the floor the emulation cannot go below), the median and the spread
 * (p90 - p10) are kept beside it. For a cross-host pair (a on host A,
 * b on host B) the one-way delay added is target(a->b) - base(A,B)/2; a
 * direction whose target is below half the base gets 0 and the pair a
 * warning:
 *   pair 'edge-1' -> 'cloud': target RTT 0.5 ms is below the 0.8 ms base
 *   RTT between hosts 'h1' and 'h2'
 * Everything but calibrate_measure() is pure; nothing here prints.
 */
#ifndef ENOS_CALIBRATE_H
#define ENOS_CALIBRATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct shape_table;

#define CALIBRATE_SAMPLES     200
#define CALIBRATE_INTERVAL_MS 5
#define CALIBRATE_QUANTILE    0.10

/* A measured base RTT. */
struct calib_base {
	double base_ms;                 /* p10 of the answered samples */
	double p50_ms;                  /* median */
	double spread_ms;               /* p90 - p10 */
	double min_ms;
	unsigned sent, received;
};

/* Summarize samples V[0..N) in ms (NaN: not answered; V is reordered)
 * into *OUT. Returns 0, or -ENODATA when no sample was answered. */
int calibrate_summary(double *v, size_t n, struct calib_base *out);

/* Measure the base RTT from namespace SRC_NETNS to DST_ADDR (host byte
 * order) answered in DST_NETNS, or, with REMOTE_PORT nonzero, by an echo
 * already listening there on another host (probe.h's remote echo):
 * SAMPLES probes (0: CALIBRATE_SAMPLES) every CALIBRATE_INTERVAL_MS.
 * Returns 0 and *OUT, -ENODATA if nothing answered, or -errno. */
int calibrate_measure(const char *src_netns, const char *dst_netns,
		      uint32_t dst_addr, uint16_t remote_port,
		      unsigned samples, struct calib_base *out);

/* The one-way delay to add for a direction whose target is TARGET_US
 * between hosts whose base RTT is BASE_US: TARGET - BASE/2, or 0 when
 * the target is below that (then *BELOW is true). */
uint64_t calibrate_oneway(uint64_t target_us, uint64_t base_us, bool *below);

/* Called for each unordered cross-host site pair (SRC < DST) where a
 * direction's target was below half its hosts' base: the pair's target
 * RTT (both directions' targets summed) and the base, in us. */
typedef void (*calibrate_warn_fn)(void *arg, size_t src, size_t dst,
				  uint64_t target_rtt_us, uint64_t base_us);

/* The hook for shaping: subtract half the base RTT between the hosts of
 * each cross-host pair from the resolved table T in place. HOST[i] is
 * site i's host (an index < N_HOSTS); BASE_US[a * N_HOSTS + b] the base
 * RTT between hosts a and b (the diagonal is unused). OFFSET_US (NULL or
 * T->n * T->n) receives what was subtracted per ordered pair (0 within a
 * host), for the record and the report. WARN (may be NULL) is called as
 * above. Returns how many pairs warned, or -EINVAL. */
int calibrate_table(struct shape_table *t, const size_t *host,
		    size_t n_hosts, const uint64_t *base_us,
		    uint64_t *offset_us, calibrate_warn_fn warn, void *arg);

/* The warning's text into BUF (like snprintf):
 * "pair 'A' -> 'B': target RTT 0.5 ms is below the 0.8 ms base RTT
 * between hosts 'H1' and 'H2'". Names are escaped for a terminal. */
int calibrate_warning(char *buf, size_t len, const char *src_site,
		      const char *dst_site, uint64_t target_rtt_us,
		      uint64_t base_us, const char *src_host,
		      const char *dst_host);

#endif
