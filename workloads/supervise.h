/* supervise — the service supervisor: run a placed stack's instances in
 * the nodes of a world that is up, and stop them again.
 *
 * For each instance it renders the service's files and argvs from their
 * templates (template.h), runs the one-shot setup and post steps through
 * the node backend's exec, starts the service through the backend's spawn
 * (node.h), in `after` order with independent services side by side, and
 * polls readiness every 200 ms: a tcp/http check is `EXE probe-ready ...`
 * run inside the node (ready.h is that client), or the stack's own
 * command. Every template of every instance is rendered once before
 * anything starts, so one naming a service the strategy leaves out fails
 * with its FILE:LINE:COL while nothing runs yet.
 *
 * A service's command runs as root unless the stack gives it a `user`
 * (resolved on the host when the deploy is planned, its data directory
 * handed to it) or `no_new_privs`: the command is then started through
 * setpriv(1) (util-linux), as `setpriv --reuid=UID --regid=GID
 * --init-groups --no-new-privs -- COMMAND`, which drops to the user (and
 * with it every capability) and sets PR_SET_NO_NEW_PRIVS before it execs
 * the command in place: same pid, same start time. Setup, post and ready
 * steps stay root's: they prepare what the service cannot.
 *
 * No systemd and no supervisor process: an instance is known by its pid
 * and start time (/proc/PID/stat field 22), which answer whether it is
 * alive, dead with its exit status (a zombie: this host's PID 1 never
 * reaps), or a reused pid. A supervisor process (a subreaper parent of
 * every service) would itself end as a zombie on such a host, removing
 * none, and be one more daemon to keep alive and to find after a crash.
 * Nothing is ever restarted silently.
 *
 * This is a library: it never prints and never touches the state
 * database. It says what happens through the hooks the caller fills (an
 * instance is starting, running, failed, stopped; a line of progress),
 * and a function that fails returns -errno with one allocated message in
 * sv->err (and, when an instance's log says more, that log in
 * sv->err_log), unless a hook already reported the failure. enos/deploy.c
 * is the caller: it loads and places the stack, records instances in the
 * database and prints.
 */
#ifndef WORKLOADS_SUPERVISE_H
#define WORKLOADS_SUPERVISE_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

#include "emulator/node.h"
#include "emulator/world.h"
#include "enos/topo.h"
#include "workloads/place.h"
#include "workloads/stack.h"
#include "workloads/template.h"

/* TERM, then KILL after this long, when an instance is stopped. */
#define SUPERVISE_STOP_GRACE_MS 5000

/* Where an instance is, in the words `enos services` shows. */
enum supervise_state {
	SUPERVISE_STOPPED,      /* not started yet, or stopped */
	SUPERVISE_STARTING,     /* spawned, not ready yet */
	SUPERVISE_RUNNING,      /* ready */
	SUPERVISE_FAILED,       /* exited, or not ready in time */
};

struct supervise;

/* How the supervisor reports; RECORD is required, PROGRESS optional. */
struct supervise_hooks {
	/* Instance INST of SV is now in STATE; its pid and start time are
	 * in SV->inst[INST]. STATUS: for SUPERVISE_FAILED its exit status
	 * (shell convention: 128 + signal), -1 when unknown or for any
	 * other state. Returns 0, or -errno after saying why: the
	 * supervisor then stops, since it cannot account for the instance
	 * (the return of a "failed" or "stopped" record is not used: the
	 * instance is over either way). */
	int (*record)(void *arg, const struct supervise *sv, size_t inst,
		      enum supervise_state state, int status);
	/* One line of progress, without its newline; NULL: no progress. */
	void (*progress)(void *arg, const char *line);
	void *arg;
};

/* What supervise_init() works from: borrowed for SV's lifetime, except
 * the three paths, which are copied. */
struct supervise_config {
	struct emu *emu;
	const struct topology *t;       /* T->name is the experiment */
	const struct world *w;          /* T's world, up */
	const struct stack *s;
	const struct stack_strategy *st;        /* NULL: the default */
	const struct placement *pl;     /* S placed by ST on T and W */
	const char *exe;                /* the enos binary: `EXE probe-ready` */
	const char *log_dir;            /* LOG_DIR/INSTANCE.log, absolute */
	const char *svc_dir;            /* SVC_DIR/INSTANCE/{conf,data}, absolute */
	const struct supervise_hooks *hooks;
};

/* One instance of the placement, as far as the supervisor got. */
struct supervise_inst {
	enum supervise_state state;
	int pid;                        /* 0 until started */
	unsigned long long start;       /* /proc/PID/stat field 22 */
	double t0;                      /* monotonic seconds, at spawn */
	int log_fd;                     /* -1 until opened */
	char log_path[PATH_MAX];
};

struct supervise {
	struct supervise_config c;
	struct template_env env;
	char exe[PATH_MAX];
	char log_dir[PATH_MAX];
	char svc_dir[PATH_MAX];
	char stack_dir[PATH_MAX];       /* {{stack_dir}}: the stack file's */
	const struct node_ops **ops;    /* per instance */
	struct supervise_inst *inst;    /* per instance, C.pl->n */
	bool *svc_ready;                /* per service */
	bool *svc_started;              /* per service */
	int *svc_uid, *svc_gid;         /* per service: its `user`, or -1 */
	char *err;                      /* the last failure, or NULL */
	const char *err_log;            /* its instance's log, or NULL */
};

/* Get ready to supervise C->pl: the instances' log paths and backends
 * (each must be able to spawn: -ENOTSUP names the first that cannot),
 * the services left out by the strategy (ready from the start), and every
 * template rendered once. Nothing is started or written. Returns 0 or
 * -errno with SV->err; release SV with supervise_release() either way. */
int supervise_init(struct supervise *sv, const struct supervise_config *c);

/* Close the logs and free what SV holds (not what C borrowed). Processes
 * started stay as they are. SV may be zeroed or NULL. */
void supervise_release(struct supervise *sv);

/* The name `enos services` shows for STATE: "stopped", "starting",
 * "running", "failed". */
const char *supervise_state_name(enum supervise_state state);

/* A fresh service tree: remove SVC_DIR (a failed deploy may have left
 * one), make it and LOG_DIR, and remove the instances' logs a run of the
 * same number left (a readiness check that greps its log must not find
 * the old run's line). 0 or -errno with SV->err. */
int supervise_prepare(struct supervise *sv);

/* Deploy: start each service once the services it comes `after` are
 * ready (setup steps first), poll readiness, run a service's post steps
 * once all its instances are ready, then the stack's post steps once
 * every service is. Returns 0 when every instance is ready, or -errno
 * with SV->err (-ECHILD: an instance or a step exited, -ETIMEDOUT: an
 * instance was not ready in time); what was started keeps running, see
 * supervise_stop_started(). */
int supervise_deploy(struct supervise *sv);

/* Stop every instance SV started (TERM, SUPERVISE_STOP_GRACE_MS, KILL),
 * each not failed recorded as stopped: the cleanup after a failed
 * deploy. */
void supervise_stop_started(struct supervise *sv);

/* The index of instance NAME ("SERVICE-N") in the placement, or -1. */
long supervise_find(const struct supervise *sv, const char *name);

/* Start instance INST again, without its setup steps (they ran at
 * deploy), and wait until it is ready. 0 or -errno with SV->err. */
int supervise_start_one(struct supervise *sv, size_t inst);

/* The RSS and PSS in bytes of every instance started, each its whole
 * process tree, summed into *RSS and *PSS. */
void supervise_memory(const struct supervise *sv, unsigned long long *rss,
		      unsigned long long *pss);

/* `apt-get install -y --no-install-recommends` the packages of S on the
 * host (none: nothing to do). 0, or -EIO if apt-get failed (its own
 * output says why), or -errno. */
int supervise_install(const struct stack *s);

/* Stop PID if it still is the process that started at START (TERM,
 * SUPERVISE_STOP_GRACE_MS, KILL). Gone already is success. 0 or -errno. */
int supervise_stop_pid(int pid, unsigned long long start);

/* Stop every process inside the node namespaces of experiment EXP (TERM,
 * SUPERVISE_STOP_GRACE_MS, KILL): what a deploy killed between spawn and
 * record started. *FOUND: how many there were. 0 or -errno. */
int supervise_sweep(const char *exp, size_t *found);

#endif
