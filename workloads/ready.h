/* ready — the readiness client of the service supervisor: is a service's
 * port open, does its URL answer as expected?
 *
 * It runs inside the node of the service it checks (the supervisor starts
 * `enos probe-ready tcp|http ...` there through the node backend's exec,
 * see supervise.h), so it connects from where the service's clients will,
 * through the node's routes and the shaped WAN. A check is one short
 * attempt with bounded waits; the supervisor repeats it until the
 * service's timeout. Plain sockets, no HTTP library: a status line is
 * all it reads. Never prints.
 */
#ifndef WORKLOADS_READY_H
#define WORKLOADS_READY_H

/* Exit statuses of the checks, as `enos probe-ready` returns them. */
#define READY_EXIT_OK      0    /* ready */
#define READY_EXIT_NOT_YET 1    /* nothing answers, or not as expected */
#define READY_EXIT_USAGE   2    /* the check itself is malformed */

/* `nc -z -w 1 HOST PORT`: does something accept a TCP connection at
 * HOST:PORT (a name or an address, a port number or service name) within
 * 1 s? READY_EXIT_OK or READY_EXIT_NOT_YET. */
int ready_tcp(const char *host, const char *port);

/* `curl -s -o /dev/null -w %{http_code} URL` compared with STATUS (3
 * digits): GET URL (http://HOST[:PORT][/PATH]) over HTTP/1.0, connecting
 * within 1 s and reading the status line within 2 s. READY_EXIT_OK when
 * the status is STATUS, READY_EXIT_NOT_YET when it is not or nothing
 * answers, READY_EXIT_USAGE when URL is not of that form. */
int ready_http(const char *url, const char *status);

#endif
