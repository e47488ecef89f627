/* kv — the kv-latency workload: puts and gets against one etcd member
 * through its v3 JSON gateway, every operation reported as a struct wl_op.
 *
 * The runner (enos/) calls kv_run() from a thread or process that has
 * already entered the client node's network namespace; kv makes every
 * socket in the calling thread and needs nothing of the host's namespace:
 * the endpoint is an address (no DNS), proxies from the environment are
 * ignored, and libcurl never touches signals. One process drives all the
 * operations through libcurl's multi interface, so the figures are etcd's
 * and the network's, not a client's start-up (a spawned `etcdctl put`
 * takes 11-13 ms on this machine where the put itself takes 0.5 ms:
 * benchmarks/bench_kv.c).
 *
 * What one operation is (what a "put" latency contains):
 *   put  POST ENDPOINT/v3/kv/put {"key": b64(KEY), "value": b64(VALUE)}
 *   get  POST ENDPOINT/v3/kv/range {"key": b64(KEY)}, a linearizable read
 *        (etcd's default), whose value is then checked against the one put
 * each a single HTTP/1.1 request and its answer on a connection that is
 * already open: before the first timed operation, a warm-up opens every
 * connection the run will use (one untimed range request per connection,
 * all in flight at once so each gets its own). So a duration is the
 * request's client-side encoding, one round trip to the member, the
 * member's work (for a put: forwarding to the leader if the member is
 * not it, replication to a quorum and the WAL fsync; for a get: a
 * ReadIndex round with the leader), and the answer's parsing; it holds no
 * TCP handshake. A connection that the server closes mid-run is reopened
 * by the next operation, whose duration then does hold a handshake:
 * kv_result.conns counts those (0 in a clean run). With warmup off, the
 * first operation of each connection holds the handshake (one more round
 * trip) and conns says how many did.
 *
 * Keys are PREFIX followed by the operation's number in 8 digits
 * (PREFIX00000000, PREFIX00000001, ...). The prefix must be unique per
 * client and run so that clients on several sites never write each
 * other's keys, e.g. "enos/EXPERIMENT/RUN/NODE/". Values are SIZE bytes
 * from a PRNG seeded per run and key, so a get can tell this run's value
 * from any other.
 *
 * Never prints, never exits, no globals.
 */
#ifndef WORKLOADS_KV_H
#define WORKLOADS_KV_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>

#include <curl/curl.h>

#include "workloads/op.h"

/* The gateway paths of etcd 3.4 (3.3 served /v3beta/, which 3.4 still
 * answers but deprecates, and 3.5 removed). */
#define KV_PATH_PUT     "/v3/kv/put"
#define KV_PATH_RANGE   "/v3/kv/range"

#define KV_TIMES_MAX            1000000u
#define KV_SIZE_MAX             (1u << 20)      /* etcd refuses requests over
						 * 1.5 MiB by default */
#define KV_CONCURRENCY_MAX      256u
#define KV_PREFIX_MAX           256u
#define KV_TIMEOUT_MAX_MS       3600000u

#define KV_DEFAULT_TIMES        100u
#define KV_DEFAULT_SIZE         100u
#define KV_DEFAULT_CONCURRENCY  1u
#define KV_DEFAULT_TIMEOUT_MS   10000u

struct kv_opts {
	/* "http://ADDR:PORT" of one member, ADDR an IPv4 address or a
	 * bracketed IPv6 one; borrowed. */
	const char *endpoint;
	/* Printable ASCII without spaces, 1 .. KV_PREFIX_MAX bytes;
	 * borrowed. */
	const char *prefix;
	unsigned times;         /* puts (and as many gets), 1 .. KV_TIMES_MAX */
	size_t size;            /* value bytes, 0 .. KV_SIZE_MAX */
	unsigned concurrency;   /* operations in flight, and connections,
				 * 1 .. KV_CONCURRENCY_MAX */
	bool gets;              /* after every put has finished, get each key
				 * back and check its value */
	bool warmup;            /* open the connections before timing */
	unsigned timeout_ms;    /* per operation, connecting included,
				 * 1 .. KV_TIMEOUT_MAX_MS */
	/* Set (nonzero) from a signal handler or another thread to end the
	 * run early; NULL: never. Seen within 50 ms. */
	const volatile sig_atomic_t *stop;
};

/* What a run did, for the runner's summary. */
struct kv_result {
	unsigned puts;          /* operations emitted, failed ones included */
	unsigned gets;
	unsigned failed;        /* of those, not ok */
	unsigned warmup_conns;  /* connections the warm-up opened */
	unsigned warmup_failed; /* warm-up requests that failed (the timed
				 * operations then try again, and fail or
				 * pay the handshake) */
	unsigned conns;         /* connections opened by timed operations:
				 * each such operation's duration holds a
				 * TCP handshake */
	bool stopped;           /* ended early by o->stop or by emit */
};

/* Defaults: no endpoint or prefix, KV_DEFAULT_TIMES, _SIZE, _CONCURRENCY,
 * _TIMEOUT_MS, gets and warmup on, no stop flag. */
void kv_opts_init(struct kv_opts *o);

/* Check O as kv_run() would. Returns 0, or -EINVAL with a message in
 * MSG (LEN bytes, truncated to fit) naming the option, e.g.
 * "endpoint 'http://localhost:2379': host 'localhost' is not an IP
 * address (no name lookups inside a node)". */
int kv_opts_check(const struct kv_opts *o, char *msg, size_t len);

/* Run the workload O: the warm-up (unless o->warmup is off), o->times
 * puts with o->concurrency in flight, then, if o->gets, as many gets.
 * Each finished operation is handed to EMIT(ARG, op) from this thread as
 * it completes: op "put" or "get", start (CLOCK_REALTIME, taken as the
 * request is handed to libcurl), duration_ms (CLOCK_MONOTONIC from then
 * to its completion; emit time of other operations excluded), iteration
 * the key's number + 1, and on failure an error such as
 *   "curl error 7: Failed to connect to 127.0.0.1 port 1 after 0 ms:
 *    Couldn't connect to server (no HTTP status)"
 *   "etcd: etcdserver: request is too large (HTTP 400, code 3)"
 *   "value of 'PREFIX00000003' differs from the one put (100 bytes, first
 *    difference at byte 0) (HTTP 200)"
 * A failed operation never ends the run. Warm-up requests are not
 * emitted. RES (may be NULL) receives the counts, on failure too.
 *
 * Returns 0 when every operation ran; -EINTR when *o->stop was set (the
 * operations emitted so far are complete; those in flight are dropped,
 * not emitted); EMIT's own negative value when it asked to stop (nothing
 * is emitted after it); -EINVAL for bad options, -ENOMEM, -EIO for a
 * libcurl failure outside any one operation. On any negative return *ERR
 * (may be NULL) receives an allocated message (free() it). */
int kv_run(const struct kv_opts *o, wl_emit_fn emit, void *arg,
	   struct kv_result *res, char **err);

/* The libcurl options of every kv request, set on EASY: no signals, no
 * proxy (environment ignored), HTTP/1.1 only over http, connections kept
 * alive, TCP_NODELAY, no "Expect: 100-continue", HEADERS (from
 * kv_headers_new(), kept by the caller until EASY is done), ERRBUF for
 * curl's message and TIMEOUT_MS for the whole request, connecting
 * included. The caller sets the URL, the body and the write callback.
 * Exported so that a baseline client (bench-kv) makes exactly the calls
 * kv_run() makes. Returns CURLE_OK or the first option's failure. */
CURLcode kv_easy_setopts(CURL *easy, struct curl_slist *headers,
			 char *errbuf, unsigned timeout_ms);

/* The request headers kv_easy_setopts() expects ("Content-Type:
 * application/json", "Expect:"), or NULL when out of memory. Free with
 * curl_slist_free_all(). */
struct curl_slist *kv_headers_new(void);

/* Standard base64 (RFC 4648, padded), as etcd's gateway encodes bytes.
 * kv_base64_encode writes ((N + 2) / 3) * 4 characters and a NUL to OUT
 * and returns the character count. kv_base64_decode decodes the LEN
 * characters of IN into OUT (room for LEN / 4 * 3 bytes) and returns the
 * byte count, or -EINVAL for a length that is not a multiple of 4, a
 * character outside the alphabet or misplaced padding. */
size_t kv_base64_encode(const unsigned char *in, size_t n, char *out);
long kv_base64_decode(const char *in, size_t len, unsigned char *out);

#endif
