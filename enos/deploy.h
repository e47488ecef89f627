/* deploy — the commands' side of the service supervisor: deploy a stack
 * on an experiment that is up, list, stop, start and restart its
 * instances, and stop them all at `down`.
 *
 * The supervisor itself (rendering, setup and post steps, spawning in
 * `after` order, readiness, stopping; why pid + start time and no
 * supervisor process) is workloads/supervise.h, a library that neither
 * prints nor touches the database. This module finds, loads and places
 * the stack, roots its directories (rundir.h), records every instance in
 * the state database's services table as the supervisor reports it, and
 * prints, through the cli helpers. `down` also stops any process found
 * inside the experiment's node namespaces, so a deploy killed between
 * spawn and record leaves nothing either.
 */
#ifndef ENOS_DEPLOY_H
#define ENOS_DEPLOY_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>

#include "emulator/world.h"
#include "enos/topo.h"

struct enos_ctx;

/* Deploy T's stack on experiment T->name, which is up as W; figures go to
 * run RUN (0: none). INSTALL: apt-get install the stack's packages first.
 * Returns 0 or -errno (printed). On failure every instance started is
 * stopped again and the failed one is recorded as failed. */
int deploy_stack(struct enos_ctx *ctx, const struct topology *t,
		 const struct world *w, int64_t run, bool install);

/* Is any instance of EXP recorded as running or starting with a live
 * pid? (deploy_stack refuses to deploy over it.) */
bool deploy_is_deployed(struct enos_ctx *ctx, const char *exp);

/* Stop every service process of experiment NAME: the recorded ones (by pid
 * and start time, TERM then KILL), then any process left inside its node
 * namespaces; remove its service directories and forget its instances.
 * Returns 0 or -errno (printed). */
int deploy_down(struct enos_ctx *ctx, const char *name);

#define DEPLOY_SHARED_DIRS 4

/* The host directories the services of T's stack use, absolute, which
 * container nodes must see at the same paths: the services directory
 * beside the state database (parent of the conf and data dirs),
 * results/EXP (their logs), the enos binary's directory (readiness probes
 * run it inside nodes) and the stack file's. Returns how many were put in
 * DIRS, or -errno. */
int deploy_shared_dirs(const struct enos_ctx *ctx, const struct topology *t,
		       char dirs[DEPLOY_SHARED_DIRS][PATH_MAX]);

/* `enos services`: print the instances of NAME (JSON if JSON), after
 * checking each recorded pid. Returns 0 or -errno. */
int deploy_list(struct enos_ctx *ctx, const char *name, bool json);

/* `enos service ACTION INSTANCE` (ACTION: start, stop, restart) on NAME.
 * Returns 0 or -errno (printed). */
int deploy_service(struct enos_ctx *ctx, const char *name,
		   const char *action, const char *instance);

/* MemAvailable of the meminfo file at PATH ("/proc/meminfo") in bytes.
 * 0 or -errno (-EBADMSG: no such line). */
int deploy_mem_available(const char *path, unsigned long long *bytes);

/* Does NEED fit in AVAIL? 0, or -ENOMEM with the numbers in MSG (LEN
 * bytes): "the stack needs 180 MiB but only 120 MiB is available". */
int deploy_memory_fits(unsigned long long need, unsigned long long avail,
		       char *msg, size_t len);

/* `enos check`: load T's stack, place it on W (one host: this one) and
 * print the memory its instances need by their `memory` figures against
 * MemAvailable (QUIET: only errors); the stack workloads T names must have
 * what they need installed (Rally: which Debian package is missing).
 * Returns 0, or -errno when the stack is invalid, cannot be placed, does
 * not fit (printed with the numbers) or a workload lacks a package. */
int deploy_estimate(const struct topology *t, const struct world *w,
		    bool quiet);

/* The hidden `enos probe-ready` command run inside a node:
 * ARGV "tcp HOST PORT" or "http URL STATUS". Returns the exit status. */
int deploy_probe(int argc, char **argv);

#endif
