/* phase — the experiment phases that change the world: up and down.
 *
 * up:   validate what this version can build, record the planned world in
 *       the state database, build it, and roll it back on any failure or
 *       interruption, so nothing half-made is left behind.
 * down: remove a recorded experiment (or sweep what an unrecorded one left)
 *       and forget it; already gone is success, and running it twice is fine.
 */
#ifndef ENOS_PHASE_H
#define ENOS_PHASE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct enos_ctx;
struct topology;

/* Bring topology T up. FORCE tears down an experiment of the same name
 * first. The bring-up is recorded in a new run of kind RUN_KIND ("up",
 * "run"), whose id goes to *RUN_ID (may be NULL). Prints its messages.
 * Returns 0 or -errno. */
int phase_up(struct enos_ctx *ctx, const struct topology *t, bool force,
	     const char *run_kind, int64_t *run_id);

/* Take experiment NAME down. Prints its messages. Returns 0 or -errno. */
int phase_down(struct enos_ctx *ctx, const char *name);

/* Hold the lock of experiment NAME until this process exits: an exclusive
 * flock on DB-NAME.lock beside the state database (0600, never through a
 * link), holding the holder's pid. up, down, deploy and sweep of NAME take
 * it, so two of them never build or tear down one experiment at once; a
 * second waits for the first, saying so once on stderr ("experiment 'x'
 * is busy: ... (pid N); waiting"), then goes on with what the first left
 * (an `up` then finds it up). Readers (status, services, results) never
 * take it. Taken again for NAME, it is already held; taken for another
 * experiment, the first is released. The descriptor is close-on-exec, and
 * children get proc_child_prepare(), so no daemon keeps it. Returns 0 or
 * -errno (printed). */
int phase_lock(struct enos_ctx *ctx, const char *name);

enum support_report {
	SUPPORT_FOR_UP,         /* errors for what up refuses, warnings */
	SUPPORT_AS_NOTES,       /* everything as "note:" lines (enos check) */
	SUPPORT_QUIET,
};

/* Say what T asks for that this version cannot do yet: what `up` cannot
 * build (then returns -ENOTSUP) and what it builds without (WAN shaping,
 * faults, stack, workload). */
int phase_check_supported(const struct topology *t, enum support_report how);

/* ---- a world spread over several hosts (phase_hosts.c) ---- */

struct shape_ops;
struct exp_info;
struct state_host;

/* What a topology with `hosts:` asks that this version cannot spread yet
 * (lxc/qemu nodes on a remote host, a stack or a workload, WAN shaping
 * across hosts): -ENOTSUP with the reason in WHY (LEN bytes), or 0. */
int phase_hosts_check(const struct topology *t, char *why, size_t len);

/* Up of T over its hosts (the database open and T's lock held): hello to
 * every host, the whole world recorded with each object's host, each
 * host's part built there, all rolled back if one fails. */
int phase_up_hosts(struct enos_ctx *ctx, const struct topology *t,
		   const struct shape_ops *shaping, const char *run_kind,
		   int64_t *run_id);

/* If recorded experiment NAME spans hosts, say that WHAT ("'enos exec'")
 * is not built across hosts yet and return -ENOTSUP; else 0. */
int phase_hosts_refuse(struct enos_ctx *ctx, const char *name,
		       const char *what);

/* Down of recorded experiment INFO over its N HOSTS: every reachable host
 * at once; an unreachable one is named and keeps its records. */
int phase_down_hosts(struct enos_ctx *ctx, const struct exp_info *info,
		     const struct state_host *hosts, size_t n);

#endif
