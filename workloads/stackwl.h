/* stackwl — the workloads a stack declares, as workload kinds.
 *
 * A stack file's `workloads:` (stack.h, struct stack_workload) names
 * programs to run in a client node against the deployed stack. This module
 * makes a struct wl_kind (workload.h) of each, so the runner treats them as
 * it treats the built-in kinds: the same typed options (from the stack's
 * `options:`), the same jobs, one per client. A job's run
 *   1. renders the workload's argv for the job's client node
 *      (template_render_node(): {{addr}}, {{SERVICE.near.addr}}, its
 *      options, {{out_dir}}, ...); {{out_dir}} is the client's own
 *      directory JOB->out_dir/NODE (made first: the runner gives one
 *      directory to every job of a workload),
 *   2. starts it in the node through the node's backend (node_ops.spawn,
 *      in a session of its own) with stdout to a pipe and stderr to
 *      {{out_dir}}/WORKLOAD.log,
 *   3. feeds stdout to the JSON-lines parser as it arrives (jsonl.h) and
 *      emits each operation at once (results: jsonl), or copies it to the
 *      log (results: rally),
 *   4. on the job's stop flag or the workload's timeout sends SIGTERM to
 *      the session, then SIGKILL after a grace period,
 *   5. once the program has exited, imports its Rally report (rally.h)
 *      when results is rally.
 * The runner calls it in a thread of its own (which has entered the
 * client's network namespace; spawn enters the node itself, so that does
 * not matter here). Never prints: what went wrong or is worth saying comes
 * back as a message, and bad output lines go to the log with an "enos: "
 * prefix.
 *
 * Rendering needs the deployment (where each service instance runs), which
 * a kind made from the stack file alone does not know: the caller binds
 * the kinds to it (wl_stack_kinds_bind) before it runs a job; loading and
 * option checking (enos check, the topology's `workload:`) need no binding.
 */
#ifndef WORKLOADS_STACKWL_H
#define WORKLOADS_STACKWL_H

#include <stdbool.h>
#include <stddef.h>

#include "emulator/world.h"
#include "enos/topo.h"
#include "workloads/place.h"
#include "workloads/stack.h"
#include "workloads/workload.h"

/* After SIGTERM, how long a stopped or timed-out program has to end
 * before SIGKILL; with results: rally, Rally's own time to abort its task
 * and write the report of what finished. */
#define WL_STACK_STOP_GRACE_MS       5000
#define WL_STACK_RALLY_STOP_GRACE_MS 30000

struct emu;

/* Make one kind per workload of S into *KINDS (allocated) and *N. The
 * kinds borrow S, which must outlive them. Returns 0, or -ENOMEM with
 * *ERR allocated. A stack without workloads gives *N 0 and *KINDS NULL.
 * (Also declared in workload.h by the runner.) */
int wl_stack_kinds(const struct stack *s, struct wl_kind **kinds, size_t *n,
		   char **err);

/* Free KINDS[0..N) made by wl_stack_kinds(); NULL is fine. */
void wl_stack_kinds_free(struct wl_kind *kinds, size_t n);

/* The deployment a stack's workloads run against; all borrowed until the
 * last job has ended. */
struct wl_stack_env {
	struct emu *emu;                /* for the backends' spawn */
	const struct topology *t;       /* parent chain for near(); may be NULL */
	const struct placement *pl;     /* the stack as deployed, on the
					 * jobs' world */
	const char *experiment;         /* {{experiment}} */
	const char *strategy;           /* for messages; may be NULL */
	const char *stack_dir;          /* {{stack_dir}}; NULL: the absolute
					 * directory of the stack file */
};

/* Bind KINDS[0..N) (from wl_stack_kinds) to deployment ENV: jobs of an
 * unbound kind fail. Returns 0, or -errno with *ERR allocated (the stack
 * file's directory cannot be resolved). */
int wl_stack_kinds_bind(struct wl_kind *kinds, size_t n,
			const struct wl_stack_env *env, char **err);

/* The same for the stack as T deploys it on W (place_stack() with T's
 * strategy: what the deploy placed), the placement owned by KINDS until
 * wl_stack_kinds_free(); {{experiment}} is W->name. What a caller that
 * has the experiment up (enos bench) calls once before running a job of
 * any of KINDS. Returns 0, or -errno with *ERR allocated. */
int wl_stack_kinds_place(struct wl_kind *kinds, size_t n, struct emu *emu,
			 const struct topology *t, const struct world *w,
			 char **err);

/* Is K a kind made by wl_stack_kinds()? */
bool wl_stack_kind_is(const struct wl_kind *k);

/* The stack workload K was made from (NULL if K is not a stack's). */
const struct stack_workload *wl_stack_kind_workload(const struct wl_kind *k);

/* Is everything K's workload `needs` installed on this host? 0, or
 * -ENOENT with *ERR naming the Debian package(s) to install:
 *   workload 'boot-delete' of stack 'openstack' needs Debian package
 *   'rally' (no program 'rally' in PATH): apt-get install rally
 * Kinds that are not a stack's need nothing (0). Call it before anything
 * runs; a job checks again. */
int wl_stack_kind_check(const struct wl_kind *k, char **err);

/* The client node of site SITE of W for kind K: the workload's `node`
 * (from 1) of the site's nodes in world order, the site's last when it
 * has fewer; the first for other kinds. SIZE_MAX if the site has no node. */
size_t wl_stack_client_node(const struct wl_kind *k, const struct world *w,
			    size_t site);

/* Render the argv of JOB's workload for its client into *ARGV (a
 * NULL-terminated allocated array of allocated strings; free with
 * wl_stack_argv_free). Returns 0, or -EINVAL / -ENOMEM with *ERR. */
int wl_stack_argv(const struct wl_job *job, char ***argv, char **err);
void wl_stack_argv_free(char **argv);

#endif
