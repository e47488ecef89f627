/* op — one operation of a workload, as every workload reports it.
 *
 * Whatever runs the load (the built-in kv-latency client, the throughput
 * and RTT probes, a stack's own program such as Rally), each operation
 * comes back as a struct wl_op: what it was, when it started, how long it
 * took, and whether it worked. A program a stack declares reports the same
 * fields as JSON lines on its stdout (workloads/README.md):
 *   {"op":"put","start":1733580000.123456,"duration_ms":1.93,"ok":true}
 *   {"op":"boot-delete","start":...,"duration_ms":...,"ok":false,"error":"..."}
 * Operations that are parts of one iteration (Rally's atomic actions, e.g.
 * nova.boot_server inside boot-delete) carry the iteration's number, so an
 * iteration and its parts can be put back together.
 */
#ifndef WORKLOADS_OP_H
#define WORKLOADS_OP_H

#include <stdbool.h>

#define WL_OP_NAME_MAX 64

struct wl_op {
	char op[WL_OP_NAME_MAX];        /* "put", "get", "boot-delete",
					 * "nova.boot_server", ... */
	double start;                   /* wall clock (CLOCK_REALTIME), s */
	double duration_ms;
	bool ok;
	const char *error;              /* NULL when ok; borrowed for the
					 * duration of the emit call */
	unsigned iteration;             /* 1-based; 0: not part of one */
	bool atomic;                    /* a part of iteration ITERATION
					 * rather than the iteration itself */
	/* A measured quantity beside the duration (throughput: bit/s);
	 * UNIT (static) NULL: none, and VALUE means nothing. */
	double value;
	const char *unit;
};

/* Where a workload hands each operation as it completes. Returns 0 to go
 * on, or a negative errno to stop the workload (the workload then returns
 * that value). Called from the workload's own thread. */
typedef int (*wl_emit_fn)(void *arg, const struct wl_op *op);

#endif
