/* tu_etcd — one throw-away etcd member on 127.0.0.1 for the kv tests and
 * bench-kv: free ports, a temporary data directory, started as a child of
 * the caller and stopped by its pid.
 *
 * Needs no root. The member dies with its parent (PR_SET_PDEATHSIG), so a
 * runner killed mid-test leaves no etcd behind; tu_etcd_stop() removes
 * the data directory.
 */
#ifndef TESTS_TU_ETCD_H
#define TESTS_TU_ETCD_H

#include <stddef.h>
#include <sys/types.h>

struct tu_etcd {
	char dir[128];          /* /tmp/enos-test-etcd-XXXXXX: data, log */
	char endpoint[64];      /* http://127.0.0.1:PORT */
	int client_port;
	int peer_port;
	pid_t pid;              /* 0: not running */
};

/* Why etcd cannot be started here (no etcd in PATH), or NULL. Static. */
const char *tu_etcd_missing(void);

/* Start one member and wait until it serves (GET /health says true), at
 * most 20 s; a member that loses a race for its ports is retried on
 * others. Returns 0, or -1 with the reason in WHY (LEN bytes) and nothing
 * left running or on disk. */
int tu_etcd_start(struct tu_etcd *e, char *why, size_t len);

/* Stop the member by its pid (TERM, then KILL after 5 s), reap it and
 * remove its directory. Safe on a member never started or already
 * stopped. */
void tu_etcd_stop(struct tu_etcd *e);

#endif
