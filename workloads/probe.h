/* probe — round-trip time between network namespaces, measured by one
 * process with UDP echo and kernel receive timestamps.
 *
 * `enos run` measures every site pair with it after world_up(): one node
 * per site as source, another site's node as destination. All sockets are
 * made up front, each in its namespace (the calling thread steps in with
 * setns() and back; a socket keeps the namespace it was made in), then one
 * epoll loop sends, echoes and receives for every pair at once, so a full
 * mesh costs no process per pair. The send time is taken just before
 * sendto(), the receive time is the kernel's (SO_TIMESTAMPNS), so the
 * figure excludes the loop's own wake-up latency on the receive side.
 * Never prints.
 */
#ifndef WORKLOADS_PROBE_H
#define WORKLOADS_PROBE_H

#include <stddef.h>
#include <stdint.h>

/* One source/destination pair: inputs, then results. */
struct probe_pair {
	/* Namespaces: a name under /run/netns ("enos.fog.paris-1"), an
	 * absolute path (/proc/PID/ns/net), or NULL for the calling
	 * thread's own. Borrowed for the duration of probe_rtt(). */
	const char *src_netns;
	const char *dst_netns;
	uint32_t dst_addr;      /* host byte order; echoed there */
	/* Nonzero: a "remote echo" destination. Something else answers
	 * datagrams to dst_addr:remote_port with the same bytes (a VM's
	 * `enos-agent echo PORT`, whose network the host cannot enter):
	 * no echo socket is bound and dst_netns is not used. */
	uint16_t remote_port;
	/* Optional, for every probe's own figure (the rtt workload): NULL,
	 * or room for the options' samples values each. SAMPLE_MS[i] gets
	 * probe i's RTT in ms (NaN: not answered), SAMPLE_START[i] when it
	 * was sent (CLOCK_REALTIME, s; 0: it could not be sent). */
	double *sample_ms;
	double *sample_start;

	/* Results. sent counts probes attempted (a send the kernel refused
	 * is a lost probe); the figures cover received replies and are 0
	 * when received == 0. */
	unsigned sent;
	unsigned received;
	unsigned duplicates;    /* replies seen twice (not in received) */
	unsigned loss_bursts;   /* maximal runs of consecutive lost probes:
				 * lost / loss_bursts is the mean burst */
	int first_answered;     /* sequence number of the first probe that
				 * was answered, -1 if none */
	double min_ms, mean_ms, p50_ms, p90_ms, p99_ms, max_ms;
};

struct probe_opts {
	unsigned samples;       /* probes per pair, 1 .. 1000000 */
	unsigned interval_ms;   /* between a pair's probes; pairs staggered */
	unsigned timeout_ms;    /* wait after the last send; 0 means 1000 */
	uint16_t port;          /* echo port; 0: an ephemeral one per dest */
};

/* Measure the RTT of PAIRS[0..N) with options O and fill their results.
 * One echo server is bound per distinct (dst_netns, dst_addr) of the
 * pairs without a remote_port; an address that is not local in its
 * namespace gets none, so its pairs receive 0 replies (not an error), as
 * do remote echo pairs nobody answers. Runs for about samples * interval_ms +
 * timeout_ms, less if every reply is in. The calling thread is back in its
 * own namespace on return, failure included.
 * N == 0 measures nothing and returns 0 (PAIRS may then be NULL).
 * Returns 0, -EINVAL for bad arguments, -ENOENT if a namespace does not
 * exist, or another -errno (e.g. -EMFILE: one descriptor per pair and per
 * destination is needed). */
int probe_rtt(struct probe_pair *pairs, size_t n, const struct probe_opts *o);

/* The echo of a probe run on another host (a world spread over several
 * hosts, issue 14: the source's host probes with remote_port, the
 * destination's host answers): a UDP socket bound to ADDR (host byte
 * order) in namespace NETNS, on an ephemeral port into *PORT. Returns the
 * socket, or -errno (-EADDRNOTAVAIL: ADDR is not NETNS's). */
int probe_echo_open(const char *netns, uint32_t addr, uint16_t *port);

/* Echo every probe datagram on FDS[0..N) back to its sender until STOP_FD
 * (a pipe's read end; -1: none) is readable or hung up, or MAX_MS have
 * passed. Returns 0 or -errno. */
int probe_echo_serve(const int *fds, size_t n, int stop_fd, unsigned max_ms);

#endif
