/* inject — apply and remove faults on a running experiment: record the
 * fault with its time, rebuild the WAN table (constraints + every active
 * fault) and apply it through the experiment's backend. Shared by
 * `enos fault` and the faults timeline.
 */
#ifndef ENOS_INJECT_H
#define ENOS_INJECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct enos_ctx;
struct live_fault;
struct shaped_exp;
struct state_fault;
struct topology;

/* Wall-clock time as the faults table keeps it. */
double inject_now(void);

/* Apply fault F (of E's topology) to E, recorded structured in RUN (0:
 * none) with DETAIL as its display text. *ID (may be NULL) is its record.
 * If the WAN cannot be changed the fault is recorded as removed at once.
 * Prints errors. Returns 0 or -errno. */
int inject_fault(struct enos_ctx *ctx, struct shaped_exp *e,
		 const struct live_fault *f, const char *detail, int64_t run,
		 int64_t *id);

/* Recorded fault ROW as applied to topology T: its stored sides and
 * fields, or, for a row of schema v4, its text parsed. Returns 0, or
 * -EINVAL with *ERR allocated (it no longer applies to T), or -errno
 * (the database: message in state_errmsg). Release F with
 * live_fault_release. */
int inject_load(struct enos_ctx *ctx, const struct topology *t,
		const struct state_fault *row, struct live_fault *f,
		char **err);

/* End the active partitions of E that touch a site flagged in SITES (all
 * of them if SITES is NULL), or only fault ID if ID > 0, and apply the WAN
 * without them. *ENDED (may be NULL) counts them. Returns 0 or -errno. */
int inject_heal(struct enos_ctx *ctx, struct shaped_exp *e, const bool *sites,
		int64_t id, size_t *ended);

/* Mark every active WAN fault of experiment NAME ended now, in the record
 * only (the caller applies the WAN afresh from its topology); node faults
 * stay (enos/nodefault.c). Returns how many were ended, or -errno. */
int inject_end_all(struct enos_ctx *ctx, const char *name);

#endif
