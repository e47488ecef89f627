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

#include <signal.h>
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

/* The prologue of `up` on one host (phase_up) and over several
 * (phase_up_hosts): a tag, the world planned for SHAPING on T's fabric
 * into *W, then PLANNED (may be NULL: the LANs, a stack's directories, the
 * WAN table); the world recorded before anything exists, then RECORDED
 * (may be NULL: the hosts), then the backend; a run of RUN_KIND begun with
 * the world's facts into *RUN (0: none); crash point CRASH; and SIGINT,
 * SIGTERM and SIGHUP held (*OLD: the mask to restore) so that the build
 * rolls back rather than stops. A failed record is forgotten. The caller
 * holds T's lock (phase_lock) and releases *W (plan_release) in any case.
 * Prints errors. Returns 0 or -errno (signals not held then). */
struct world;
struct shape_ops;
struct phase_prologue {
	const char *crash;
	int (*planned)(void *arg, struct world *w);
	int (*recorded)(void *arg, const struct world *w);
	void *arg;
};
int phase_begin(struct enos_ctx *ctx, const struct topology *t,
		const struct shape_ops *shaping, const char *run_kind,
		const struct phase_prologue *p, struct world *w, int64_t *run,
		sigset_t *old);

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
struct world;

/* What a topology with `hosts:` asks that this version cannot spread yet
 * (lxc/qemu nodes on a remote host, a stack or a workload, WAN shaping
 * across hosts): -ENOTSUP with the reason in WHY (LEN bytes), or 0. */
int phase_hosts_check(const struct topology *t, char *why, size_t len);

/* The path MTU between every two hosts of T, asked of each over ssh at
 * once (`hello`, `mtu`): PATHS[h * n + i] from host h to host i (n =
 * T->n_hosts; mtu -1 with why in error when not found, the host not
 * reached included). `enos check` prints it. */
struct host_path;
void phase_hosts_paths(const struct topology *t, struct host_path *paths);

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

/* The hosts of recorded world W into *HOSTS (*N; 0 and NULL when W is on
 * this host alone) and each site's index into them (*HOST_OF, W->n_sites;
 * free() both). Prints errors. Returns 0 or -errno. */
int phase_hosts_of(struct enos_ctx *ctx, const struct world *w,
		   struct state_host **hosts, size_t *n, size_t **host_of);

/* `enos tc --test` over world W spread over HOSTS[0..N_HOSTS) (HOST_OF:
 * phase_hosts_of): measure_sites's pairs, each probed from the host that
 * holds its source site (`probe`), a pair across hosts answered by an
 * `echo` on its destination's host; *ROWS as measure_sites gives them,
 * with src_host, dst_host (borrowed from HOSTS) and cross_host. Prints
 * errors. Returns 0 or -errno. */
struct measure_opts;
struct report_rtt;
struct shape_table;
int phase_hosts_measure(const struct world *w, const struct state_host *hosts,
			size_t n_hosts, const size_t *host_of,
			const struct shape_table *tab,
			const struct measure_opts *o, struct report_rtt **rows,
			size_t *n_rows);

/* `enos tc --test --over` over such a world: measure_series's site
 * pairs, each probed from its source's host for OVER_MS with every probe's
 * figure coming back (`probe` with "series"), *OUT as measure_series
 * gives it (the first send of all is its zero) with src_host, dst_host
 * and cross_host. Prints errors. Returns 0 or -errno. */
struct measure_series;
int phase_hosts_series(const struct world *w, const struct state_host *hosts,
		       size_t n_hosts, const size_t *host_of,
		       const struct shape_table *tab, unsigned over_ms,
		       const struct measure_opts *o, struct measure_series **out,
		       size_t *n_out);

/* Down of recorded experiment INFO over its N HOSTS: every reachable host
 * at once; an unreachable one is named and keeps its records. */
int phase_down_hosts(struct enos_ctx *ctx, const struct exp_info *info,
		     const struct state_host *hosts, size_t n);

#endif
