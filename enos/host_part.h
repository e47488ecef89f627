/* host_part — one host's part of a world spread over several hosts
 * (issue 14, docs/MULTIHOST.md), both ends of protocol 2's `up`, `down`
 * and `state` (docs/HOST-PROTOCOL.md).
 *
 * The controller plans the whole world once (plan_world: every address
 * and name means the same on every host) and sends each host its part as
 * the JSON body of `up EXP LENGTH`: every site (its LAN, its gateway's
 * addresses and names, whether this host builds it), the nodes this host
 * builds with their names and addresses, the tag, the VNI of the WAN
 * tunnel and the other hosts (its peers). The host builds its part with
 * the same world_up() a world on one host goes through (the sites of
 * other hosts marked remote: routed to, not built), recorded first in its
 * own state database, and answers with what it made. `down EXP TAG`
 * removes what that database recorded (or sweeps the tag when nothing is
 * recorded); `state EXP TAG` says what is recorded and what exists.
 */
#ifndef ENOS_HOST_PART_H
#define ENOS_HOST_PART_H

#include <stddef.h>
#include <stdint.h>

#include "emulator/shape.h"
#include "emulator/world.h"

struct enos_ctx;
struct topology;
struct placement;
struct shape_ops;

#define HOST_PART_PEERS_MAX 64

struct host_peer {
	char name[64];
	char address[64];
};

/* A decoded part. The world's strings point into the decoded JSON,
 * released with host_part_release. */
struct host_part {
	void *root;                     /* json_t */
	struct world w;                 /* every site; only this host's nodes */
	char host[64];                  /* which host this part is for */
	char address[64];               /* its underlay address */
	uint32_t vni;
	const struct shape_ops *shaping;
	struct host_peer peers[HOST_PART_PEERS_MAX];
	size_t n_peers;
	size_t n_local_sites;
	/* The resolved WAN of the whole world, every ordered pair: applied
	 * by this host's engine to the frames its gateways send (n 0: the
	 * backend does not shape). */
	struct shape_table tab;
};

/* The body of `up` for host H of T (placed by PL) from the planned world
 * W with shaping backend SHAPING and its resolved table TAB (NULL when
 * SHAPING does not shape): an allocated JSON text (*LEN bytes), or NULL
 * when out of memory. */
char *host_part_encode(const struct world *w, const struct topology *t,
		       const struct placement *pl, size_t h,
		       const struct shape_ops *shaping,
		       const struct shape_table *tab, size_t *len);

/* The body of `shape`: {"shape": TAB's shaped pairs}, an allocated JSON
 * text of *LEN bytes, or NULL when out of memory. */
char *host_part_table(const struct shape_table *tab, size_t *len);

/* `enos tc --test` across hosts (docs/HOST-PROTOCOL.md, `echo` and
 * `probe`): the body of `echo` asking a host to answer the probes sent to
 * the destinations of PAIRS[0..N) (dst_netns, dst_addr) for at most
 * SECONDS; the body of `probe` running PAIRS[0..N) with PO there (a pair
 * with remote_port is answered by another host's echo); and the reply to
 * `probe` read back into the pairs' results. The bodies are allocated
 * JSON texts of *LEN bytes (NULL: out of memory); the reading returns 0
 * or -EPROTO (not N pairs of 8 numbers).
 * A series (`enos tc --test --over` across hosts): when the pairs have
 * sample buffers (probe_pair.sample_ms, sample_start: PO->samples each),
 * the body asks for every probe's figure ("series": true), and
 * host_part_probe_series reads the reply's into those buffers (send times
 * on the host's CLOCK_REALTIME, 0: not sent; NaN: lost). At most
 * HOST_SERIES_SAMPLES_MAX probes (pairs x samples) a request. */
#define HOST_PROBE_PAIRS_MAX 900        /* 64 KiB of replies, 8 numbers a pair */
#define HOST_SERIES_SAMPLES_MAX 500000  /* at most 20 bytes each in a reply */
struct probe_pair;
struct probe_opts;
char *host_part_echo_body(unsigned seconds, const struct probe_pair *pairs,
			  size_t n, size_t *len);
char *host_part_probe_body(const struct probe_opts *po,
			   const struct probe_pair *pairs, size_t n,
			   size_t *len);
int host_part_probe_results(const char *reply, struct probe_pair *pairs,
			    size_t n);
int host_part_probe_series(const char *reply, struct probe_pair *pairs,
			   size_t n, unsigned samples);

/* Decode and check BODY[0..LEN), the part for experiment EXP, into *P.
 * Returns 0, or -EINVAL with why in WHY (LEN bytes). Release *P with
 * host_part_release, also after a failure. */
int host_part_decode(const char *exp, const char *body, size_t len,
		     struct host_part *p, char *why, size_t why_len);
void host_part_release(struct host_part *p);

/* host_build_fn (enos/host.h) of `enos host`: ARG is its struct
 * enos_ctx. */
char *host_part_serve(void *arg, const char *verb, const char *args,
		      const char *body, size_t len);

#endif
