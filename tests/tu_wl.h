/* tu_wl — run one job of a stack's workload in-process, as the runner
 * would, on an experiment `enos up` has built: the system tests' driver of
 * the stack-declared kind (workloads/stackwl.h) beside `enos bench`.
 *
 * Loads the world from the state database, the topology and its stack,
 * places the stack as deployed, binds the kinds, and runs the workload's
 * job for one client site's client node in the calling thread, collecting
 * every operation. Needs root (the node's backend spawns into it).
 */
#ifndef TESTS_TU_WL_H
#define TESTS_TU_WL_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>

struct tu_wl_op {
	char op[64];
	double start;
	double duration_ms;
	bool ok;
	char error[256];
	unsigned iteration;
	bool atomic;
};

struct tu_wl_result {
	struct tu_wl_op *ops;
	size_t n;
	int rc;                 /* the job's return value */
	char *err;              /* its message, or NULL */
	char client[64];        /* the client node */
	char addr[32];          /* its address */
	char out_dir[256];
	double seconds;         /* the job's wall time */
	/* Private. */
	size_t stop_after;
	volatile sig_atomic_t *stop;
};

/* How to run it. */
struct tu_wl_how {
	const char *const *opts;        /* NAME=VALUE, NULL-terminated; the
					 * rest default; may be NULL */
	const char *out_root;           /* {{out_dir}} is OUT_ROOT/CLIENT */
	size_t stop_after_ops;          /* > 0: stop once that many came */
	double stop_after_s;            /* > 0: stop after that long */
};

/* Run WORKLOAD of the stack of topology TOPO_PATH (experiment up, state
 * database DB) from the client node of site SITE as HOW says, SIGINT and
 * SIGTERM held as `enos bench` holds them. Fills *RES (release it).
 * Returns 0 when the job ran (whatever it returned: RES->rc), or -1 with
 * WHY. */
int tu_wl_run(const char *db, const char *topo_path, const char *workload,
	      const char *site, const struct tu_wl_how *how,
	      struct tu_wl_result *res, char *why, size_t len);

void tu_wl_result_release(struct tu_wl_result *res);

#endif
