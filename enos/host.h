/* host — the enos host protocol (docs/HOST-PROTOCOL.md): how the
 * controlling enos talks to the enos on each host of a world spread over
 * several (issue 14).
 *
 * The controller runs `ssh -o BatchMode=yes ... DEST ENOS host` (an argv,
 * the child prepared by proc_child_prepare) and speaks over the ssh
 * session's stdin and stdout: one request per line, one JSON object per
 * line in reply. The server side, `enos host` (enos/cmd/host.c), is
 * host_serve(): it reads requests until EOF or `bye`. The protocol is
 * versioned (HOST_PROTOCOL): `hello VERSION` must come first, and a side
 * that does not speak the other's version says so; the controller then
 * fails with a message naming the host and both versions.
 *
 * Nothing here prints: the server writes its replies to the stream it is
 * given, the client returns an allocated message that names the host
 * ("host 'h2' (root@192.0.2.2): ..."). What a host answers is input from
 * outside: replies are bounded (HOST_REPLY_MAX), parsed with jansson, and
 * only typed fields of bounded length are kept.
 */
#ifndef ENOS_HOST_H
#define ENOS_HOST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "enos/topo.h"

#define HOST_PROTOCOL   2
#define HOST_LINE_MAX   4096            /* a request, newline included */
#define HOST_REPLY_MAX  (16u << 20)     /* a reply line (a `probe` series) */
#define HOST_BODY_MAX   (64 << 20)      /* the body of `up` */
/* How long a host may take to answer one request, ssh's connection
 * included: a host that is gone is named well within 10 s. */
#define HOST_TIMEOUT_MS 8000
#define HOST_CONNECT_S  5               /* ssh -o ConnectTimeout */
#define HOST_BACKENDS_MAX 24

/* The enos commit this binary was built from (the Makefile's
 * ENOS_COMMIT: `git describe --always --dirty`), "unknown" outside git. */
const char *host_commit(void);

/* ---- the server: `enos host` ---- */

/* The reply to one request LINE (without its newline): an allocated
 * one-line JSON text (no newline), or NULL when out of memory. *STATE
 * starts at 0 and records the hello; *BYE is set by `bye`. */
char *host_reply(const char *line, int *state, bool *bye);

/* Serve requests from IN, each reply a line on OUT, until EOF or `bye`.
 * A line longer than HOST_LINE_MAX is answered with an error and skipped.
 * Returns 0, or -errno when OUT cannot be written (the controller is
 * gone) or memory runs out. */
int host_serve(FILE *in, FILE *out);

/* What serves the requests that build (protocol 2: up, down, state, rtt)
 * once hello is said: VERB, the rest of the line ARGS ("EXP" for up, whose
 * body BODY[0..LEN) is read here; "EXP TAG" for down and state), its reply
 * an allocated one-line JSON object (NULL: out of memory). enos/host_part.c
 * is the one `enos host` uses. */
typedef char *(*host_build_fn)(void *arg, const char *verb, const char *args,
			       const char *body, size_t len);

/* host_serve, with FN (may be NULL: those requests are refused) serving
 * up, down, state and rtt. */
int host_serve_with(FILE *in, FILE *out, host_build_fn fn, void *arg);

/* ---- the controller ---- */

struct host_hello {
	long protocol;
	char enos[32];          /* its ENOS_VERSION */
	char commit[64];
	char hostname[65];
};

struct host_backend {
	char kind[8];           /* node, fabric, shaping */
	char name[16];
	bool ok;                /* supported there */
	char why[256];          /* why not, or what to know */
};

struct host_facts {
	char hostname[65];
	char kernel[65];
	long cores;
	uint64_t mem_total;     /* bytes */
	uint64_t mem_available; /* MemAvailable, bytes */
	struct host_backend backends[HOST_BACKENDS_MAX];
	size_t n_backends;
};

/* A session with one host: ssh running `enos host` there. */
struct host_conn {
	const struct topo_host *host;
	pid_t pid;              /* ssh; 0 when not running */
	int io;                 /* our end of ssh's stdin and stdout */
	int err;                /* ssh's stderr (the remote enos's too) */
	char *in;               /* bytes read from IO, not yet a line */
	size_t in_len;
	char tail[512];         /* the last of stderr, for messages */
	char pending[128];      /* the request host_send sent last */
	size_t tail_len;
	int timeout_ms;
};

/* The argv of the ssh that reaches H (NULL-terminated, free() each and
 * the array): ssh -o BatchMode=yes -o ConnectTimeout=S
 * -o ServerAliveInterval=2 -o ServerAliveCountMax=2 [-F SSH_CONFIG] --
 * DEST ENOS host. SSH_CONFIG may be NULL. Returns 0 or -ENOMEM. */
int host_ssh_argv(const struct topo_host *h, const char *ssh_config,
		  char ***argv);

/* Start ssh to H into *C (SSH_CONFIG as host_ssh_argv). Returns 0, or
 * -errno with *ERR an allocated message naming the host. */
int host_connect(const struct topo_host *h, const char *ssh_config,
		 struct host_conn *c, char **err);

/* Send `hello HOST_PROTOCOL` and check the answer into *OUT: a host that
 * speaks another protocol, or runs another enos version, is an error
 * naming it and both versions (-EPROTO); one that cannot be reached or
 * has no enos says why (-EHOSTUNREACH, -ENOENT, -ETIMEDOUT). *ERR as
 * host_connect. */
int host_hello(struct host_conn *c, struct host_hello *out, char **err);

/* Send `facts` and read the answer into *OUT. 0 or -errno with *ERR. */
int host_facts(struct host_conn *c, struct host_facts *out, char **err);

/* The controller's reading of a reply line LINE[0..LEN) (what
 * host_hello and host_facts do after the request; exported for the fuzz
 * harness): every member typed, bounded and escaped into *OUT, the
 * reply's error into WHY (WHY_LEN bytes, "" if none). Returns 1 when the
 * reply says ok, 0 when it does not, -EPROTO when it is not a JSON
 * object. */
int host_decode_hello(const char *line, size_t len, struct host_hello *out,
		      char *why, size_t why_len);
int host_decode_facts(const char *line, size_t len, struct host_facts *out,
		      char *why, size_t why_len);

/* Send request LINE (no newline), then BODY[0..LEN) if LEN (up's JSON),
 * without waiting for the reply: so a controller asks every host at once
 * and then reads each answer. 0 or -errno with *ERR. */
int host_send(struct host_conn *c, const char *line, const char *body,
	      size_t len, char **err);

/* Read the reply to the request host_send sent, within TIMEOUT_MS: 0 with
 * *REPLY (the JSON object as text, allocated), -EREMOTEIO when it says
 * not ok (its error in *ERR, naming the host; *REPLY is still set), or
 * another -errno with *ERR (unreachable, timed out). */
int host_receive(struct host_conn *c, int timeout_ms, char **reply,
		 char **err);

/* The path MTU from a host to another (`mtu LOCAL PEER...`). */
#define HOST_PATHS_MAX 64
struct host_path {
	long mtu, inner;        /* the IP path MTU and what it leaves inside
				 * the tunnel; -1: not measured */
	char error[128];        /* why not, or "" (escaped) */
};

/* The reply to `mtu` (JSON text) into PATHS[0..N), in the order the
 * peers were asked. Returns how many were decoded, or -EPROTO. */
int host_decode_paths(const char *reply, struct host_path *paths, size_t n);

/* Ask every session C[h] (NULL: a host that did not answer) for the path
 * MTU from its underlay address ADDRS[h] to every other of ADDRS[0..N)
 * (`mtu`, all at once, each answer within TIMEOUT_MS) into PATHS[h * N +
 * i]: mtu and inner -1 with why in error when not found (the host's own
 * entry, and a host not asked, have mtu -1 and no error). */
void host_ask_paths(struct host_conn *const *c, const char *const *addrs,
		    size_t n, struct host_path *paths, int timeout_ms);

/* Say `bye`, and stop ssh (TERM after 2 s, KILL after 2 more). Accepts a
 * session that never started. */
void host_close(struct host_conn *c);

#endif
