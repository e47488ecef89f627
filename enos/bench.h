/* bench — running workloads on an experiment that is up: the topology's
 * `workload:` entries in order (or one named workload), each from its
 * client nodes, with the topology's `faults:` timeline running from the
 * workload's start, every operation stored with the WAN it met.
 *
 * `enos bench` (enos/cmd/bench.c) and `enos run` (after its RTT
 * measurement) call bench_run(); `enos check`, `up` and `run` call
 * bench_check() before anything is built. The workloads themselves are
 * workloads/workload.h's kinds, run by its runner (one thread per client
 * in the client node's namespace); this module is the runner's caller:
 * it resolves clients and targets (the nearest instance of the kind's
 * service, or the `to` sites), drains the operations on the thread that
 * owns the database and stores them in batches (state_wlop_*) tagged with
 * the client, the target and the WAN at the operation's start (the
 * ordered pair's RTT and loss from the resolved constraints and the
 * faults active then, and those faults' ids: bench_wan_at), drives the
 * timeline between two drains (enos/timeline.h), shows a progress line
 * on a terminal, stops on SIGINT/SIGTERM keeping what finished, watches
 * the target instances, and stores per-run summaries at the end
 * (reports/stats.h). Traffic is counted around each workload
 * (enos/traffic.h).
 */
#ifndef ENOS_BENCH_H
#define ENOS_BENCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "emulator/shape.h"
#include "emulator/world.h"
#include "enos/fault.h"
#include "enos/state.h"
#include "enos/topo.h"

struct enos_ctx;
struct shaped_exp;

/* What `enos bench` asks for; zeroed: the topology's workloads as
 * written. Strings are borrowed. */
struct bench_opts {
	const char *workload;   /* run only this one (built in or declared by
				 * the stack; its topology entry's options if
				 * it has one), or NULL */
	const char *times;      /* overrides of the option of that name, for */
	const char *concurrency;/* every workload run (one that has no such */
	const char *from;       /* option is an error), or NULL */
	bool json;              /* the summary as JSON on stdout */
};

/* bench_run()'s return value when a target service instance died during
 * a workload (said, with the instance; its failures are stored and the
 * run went on to its end). */
#define BENCH_ESERVICE EHOSTDOWN

/* Check T's `workload:` entries against their kinds before anything runs:
 * a known workload (built in, or declared by T's stack), its options
 * (types, ranges, did-you-mean), its `from`/`to` selecting sites of T,
 * and the stack service it loads deployed by T's stack and strategy on W
 * (T's planned world), a `target` being one of its instances. Returns 0,
 * or -EINVAL with *ERR allocated ("FILE:LINE:COL: workload 'kv-latency':
 * times 0 is out of range (1 to 1000000)"), or -ENOMEM. */
int bench_check(const struct topology *t, const struct world *w, char **err);

/* Run the workloads O asks for on E (up; its services deployed) in RUN,
 * printing progress and a summary table (JSON with O->json). SIGINT and
 * SIGTERM are held while it runs: one stops the workload, keeps what
 * finished and runs no further workload. Returns 0; -EINTR when stopped
 * by a signal; -BENCH_ESERVICE when a target service died mid-workload;
 * -errno for anything else (printed). bench_outcome() names the run's
 * outcome for each. */
int bench_run(struct enos_ctx *ctx, struct shaped_exp *e, int64_t run,
	      const struct bench_opts *o);

/* "ok", "interrupted" (-EINTR) or "failed": what state_run_end() stores
 * for bench_run()'s RC. */
const char *bench_outcome(int rc);

/* ---- fault and WAN tagging (pure; exported for the unit tests) ---- */

/* A fault as it was active: from APPLIED until REMOVED (unix time, s;
 * NaN: still active), as applied to the experiment's sites. */
struct bench_fault {
	int64_t id;
	double applied;
	double removed;
	struct live_fault f;
};

/* The WAN of ordered site pair (A, B) at time T: BASE (the resolved
 * constraints; NULL when the experiment is not shaped: *RTT_MS and
 * *LOSS_PCT NaN) with every fault of FAULTS[0..N) active at T
 * (applied <= T < removed) applied in order, as enos applies them; a
 * direction that follows a trace has the step in force at T (T and
 * BASE->trace_start_us on CLOCK_REALTIME; a start of 0: the first step).
 * *RTT_MS is the delay A -> B plus B -> A; *LOSS_PCT the loss of a round
 * trip, 100 - (100 - loss A -> B)(100 - loss B -> A) / 100, and 100 when a
 * direction is cut. A == B (inside one site): NaN both. IDS (room for N)
 * gets the ids of the faults active at T, whatever sites they touch, in
 * FAULTS order, and *N_IDS their count. */
void bench_wan_at(const struct shape_table *base,
		  const struct bench_fault *faults, size_t n, double t,
		  size_t a, size_t b, double *rtt_ms, double *loss_pct,
		  int64_t *ids, size_t *n_ids);

#endif
