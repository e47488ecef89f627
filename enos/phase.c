/* phase — up and down; see phase.h. */
#include "enos/phase.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/file.h>
#include <sys/utsname.h>

#include "emulator/emu.h"
#include "emulator/fabric_ovs.h"
#include "emulator/node.h"
#include "emulator/node_qemu.h"
#include "emulator/virt.h"
#include "emulator/world.h"
#include "enos/bench.h"
#include "enos/capacity.h"
#include "enos/cli.h"
#include "enos/deploy.h"
#include "enos/plan.h"
#include "enos/shaping.h"
#include "enos/state.h"
#include "enos/topo.h"
#include "util/crash.h"

/* What ready_tick() has shown. */
struct ready_progress {
	struct enos_ctx *ctx;
	size_t shown;           /* nodes ready last shown; -1: none yet */
};

/* One message about an unsupported part, printed as HOW asks. */
static void support_say(enum support_report how, bool refused,
			const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void support_say(enum support_report how, bool refused,
			const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	if (how == SUPPORT_QUIET)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fflush(stdout);
	if (how == SUPPORT_AS_NOTES)
		fprintf(stderr, "note: %s%s\n", refused ? "'enos up' would refuse: " : "", msg);
	else if (refused)
		cli_error("%s", msg);
	else
		cli_warning("%s", msg);
}

/* Does T have a node on backend OPS? */
static bool topo_uses(const struct topology *t, const struct node_ops *ops)
{
	size_t i, k;

	for (i = 0; i < t->n_sites; i++)
		for (k = 0; k < t->sites[i].n_nodes; k++)
			if (t->sites[i].nodes[k].backend == ops)
				return true;
	return false;
}

/* Can this host run T's nodes? Each backend T uses is asked, in registry
 * order (lxc: libvirt's LXC driver, and a note when up must fix the
 * hugetlb cgroup first; qemu: libvirt's QEMU driver, the cloud kernel,
 * busybox and enos-agent). */
static int check_backends(const struct topology *t, enum support_report how)
{
	const struct node_ops *ops;
	char why[512];
	size_t i;

	for (i = 0; (ops = node_ops_at(i)); i++) {
		if (!ops->supported || !topo_uses(t, ops))
			continue;
		why[0] = '\0';
		if (ops->supported(why, sizeof(why)) < 0) {
			support_say(how, true, "%s: backend '%s' needs %s",
				    t->path, ops->name, why);
			return -ENOTSUP;
		}
		if (why[0])
			support_say(how, false, "%s", why);
	}
	return 0;
}

int phase_check_supported(const struct topology *t, enum support_report how)
{
	char why[512];
	size_t i;
	int rc;

	rc = check_backends(t, how);
	if (t->fabric->supported && t->fabric->supported(why, sizeof(why)) < 0) {
		support_say(how, true, "%s: network.fabric '%s' needs %s",
			    t->path, t->fabric->name, why);
		rc = -ENOTSUP;
	}
	for (i = 0; i < t->n_sites && !t->sites[i].has_lan; i++)
		;
	if (i < t->n_sites)
		support_say(how, false, "site '%s': lan constraints are validated but not applied yet (nodes reach their gateway over a plain bridge)",
			    t->sites[i].name);
	if (t->n_faults)
		support_say(how, false, "the faults timeline (%zu faults) is not run by 'up': a workload ('enos bench', 'enos run') or 'enos tc --timeline' runs it",
			    t->n_faults);
	return rc;
}

/* The backends W's nodes use, comma separated, in node_ops_at() order. */
static const char *backends_used(const struct world *w, char *buf, size_t len)
{
	const struct node_ops *ops;
	size_t i, k, off = 0;

	buf[0] = '\0';
	for (i = 0; (ops = node_ops_at(i)); i++) {
		for (k = 0; k < w->n_nodes; k++)
			if (w->nodes[k].ops == ops)
				break;
		if (k < w->n_nodes && off < len)
			off += (size_t)snprintf(buf + off, len - off, "%s%s",
						off ? "," : "", ops->name);
	}
	return buf;
}

static void record_host_facts(struct state *st, int64_t run,
			      const struct world *w,
			      const struct shape_ops *shaping, const char *why)
{
	char list[64];
	struct utsname u;

	if (uname(&u) == 0) {
		state_fact_add(st, run, "kernel", u.release);
		state_fact_add(st, run, "host", u.nodename);
	}
	state_fact_add(st, run, "enos", ENOS_VERSION);
	state_fact_add(st, run, "node_backend", backends_used(w, list, sizeof(list)));
	state_fact_add(st, run, "fabric", world_fabric(w)->name);
	if (world_needs(w) & BACKEND_NEEDS_OVS)
		state_fact_add(st, run, "ovs_datapath", fabric_ovs_datapath());
	state_fact_add(st, run, "shaping", shaping->name);
	state_fact_add(st, run, "shaping_reason", why);
}

/* An experiment of T's name is recorded: replace it (FORCE) or refuse. */
static int handle_existing(struct enos_ctx *ctx, const struct topology *t,
			   bool force)
{
	struct exp_info info;
	int rc = state_get(ctx->st, t->name, &info);

	if (rc == -ENOENT)
		return 0;
	if (rc < 0) {
		cli_error("cannot read experiment '%s': %s", t->name,
			  state_errmsg(ctx->st));
		return rc;
	}
	if (force)
		return phase_down(ctx, t->name);
	if (strcmp(info.status, EXP_UP) == 0)
		cli_error("experiment '%s' is already up", t->name);
	else
		cli_error("experiment '%s' was left half-built (status '%s')",
			  t->name, info.status);
	cli_hint("run 'enos down -n %s' first, or 'enos up --force %s'",
		 t->name, t->path);
	return -EEXIST;
}

/* A set of host daemons an experiment may start and must stop or hand
 * over: Open vSwitch's for a fabric that needs them, libvirt's for node
 * backends that do (the ops' BACKEND_NEEDS_* bits). daemons_up() and
 * daemons_down() run the same algorithm over either; the hooks say what
 * differs. */
struct daemon_set {
	unsigned need;                  /* the BACKEND_NEEDS_* bit it serves */
	/* down removes objects through these daemons: restart them if they
	 * died. */
	bool restart_for_down;
	/* Optional: host fixes to make before the first daemon starts. */
	int (*before_start)(struct enos_ctx *ctx);
	const char *what;               /* "OVS", "libvirt" in messages */
	const char *const *names;       /* in start order */
	size_t n;
	int placeholder;                /* pid recorded for names[0] while it
					 * starts; names[i] gets this - i */
	const char *log_prefix;         /* its log: this, the daemon, ".log" */
	bool record_failed_start;       /* record a pid a failed start left */
	int (*running)(const char *daemon);
	int (*start)(const char *daemon, int *pid);
	int (*stop)(const char *daemon, int pid);
	/* Another recorded experiment that needs the set, into OTHER: 0, or
	 * not 0 when there is none. */
	int (*peer)(struct state *st, const char *name, char *other,
		    size_t len);
	/* Optional: does somebody not recorded still need the set? Then
	 * every daemon is left running, said with in_use_why. */
	bool (*in_use)(struct enos_ctx *ctx);
	const char *in_use_why;
	/* Optional: called once before the first daemon is stopped. */
	void (*before_stop)(struct enos_ctx *ctx);
	/* Optional: why DAEMON must be left running, or NULL. */
	const char *(*keep)(const char *daemon);
};

/* Record DAEMON's pid PID for NAME in place of its PLACEHOLDER. */
static int daemon_record(struct enos_ctx *ctx, const char *name,
			 const char *daemon, int placeholder, int pid)
{
	int rc = state_process_add(ctx->st, name, daemon, pid);

	if (rc == 0)
		rc = state_process_forget(ctx->st, name, placeholder);
	return rc;
}

/* Start the daemons of SET that do not run, for experiment NAME; each is
 * recorded in NAME's processes before it starts (SET's placeholder pid:
 * "starting", found later through its pid file) and again with its pid,
 * so a kill at any point leaves `down` knowing it. */
static int daemons_up(struct enos_ctx *ctx, const char *name,
		      const struct daemon_set *set)
{
	size_t i;
	int pid, rc = 0;

	for (i = 0; i < set->n && rc == 0; i++) {
		const char *d = set->names[i];
		int placeholder = set->placeholder - (int)i;

		if (set->running(d) > 0)
			continue;
		rc = state_process_add(ctx->st, name, d, placeholder);
		if (rc < 0) {
			cli_error("cannot record %s: %s", d, state_errmsg(ctx->st));
			break;
		}
		rc = set->start(d, &pid);
		if (rc < 0) {
			if (set->record_failed_start && pid > 0)
				daemon_record(ctx, name, d, placeholder, pid);
			cli_error("cannot start %s: %s (see %s%s.log)", d,
				  strerror(-rc), set->log_prefix, d);
			break;
		}
		rc = daemon_record(ctx, name, d, placeholder, pid);
		if (rc < 0)
			cli_error("cannot record %s (pid %d): %s", d, pid,
				  state_errmsg(ctx->st));
		else if (ctx->progress)
			fprintf(stderr, "started %s (pid %d)\n", d, pid);
	}
	return rc;
}

/* Is WHAT one of SET's daemons? */
static bool daemon_in_set(const struct daemon_set *set, const char *what)
{
	size_t k;

	for (k = 0; k < set->n; k++)
		if (strcmp(what, set->names[k]) == 0)
			return true;
	return false;
}

/* Stop, in reverse start order, the daemons of SET recorded among NAME's
 * processes PIDS/WHATS[0..N), forgetting each; one SET->keep() names is
 * left running, said, and forgotten. */
static int daemons_stop(struct enos_ctx *ctx, const char *name,
			const struct daemon_set *set, const int *pids,
			char **whats, size_t n)
{
	const char *why;
	size_t i, k;
	int rc = 0;

	for (k = set->n; k-- > 0 && rc == 0;) {
		for (i = 0; i < n && rc == 0; i++) {
			if (strcmp(whats[i], set->names[k]) != 0)
				continue;
			why = set->keep ? set->keep(set->names[k]) : NULL;
			if (why) {
				fprintf(stderr, "note: left %s (pid %d) running: %s\n",
					whats[i], pids[i], why);
				rc = state_process_forget(ctx->st, name, pids[i]);
				continue;
			}
			/* A placeholder (pid < 0): the pid file's pid. */
			rc = set->stop(set->names[k], pids[i] > 0 ? pids[i] : 0);
			if (rc < 0)
				cli_error("cannot stop %s (pid %d): %s", whats[i],
					  pids[i], strerror(-rc));
			else
				rc = state_process_forget(ctx->st, name, pids[i]);
		}
	}
	return rc;
}

/* After NAME's objects that need SET are gone: stop the daemons of SET
 * that NAME started, unless another recorded experiment needs them (it
 * then inherits them) or SET->in_use() says somebody else does (they are
 * left running, said, and forgotten). */
static int daemons_down(struct enos_ctx *ctx, const char *name,
			const struct daemon_set *set)
{
	char other[64], **whats = NULL;
	int *pids = NULL;
	size_t n = 0, i, k;
	int rc;

	rc = state_processes(ctx->st, name, &pids, &whats, &n);
	if (rc < 0) {
		cli_error("cannot read the processes of '%s': %s", name,
			  state_errmsg(ctx->st));
		goto out;
	}
	if (set->peer(ctx->st, name, other, sizeof(other)) == 0) {
		for (k = 0; k < set->n && rc == 0; k++)
			rc = state_process_move(ctx->st, name, other, set->names[k]);
		if (rc < 0)
			cli_error("cannot hand the %s daemons to '%s': %s",
				  set->what, other, state_errmsg(ctx->st));
		goto out;
	}
	if (set->in_use && set->in_use(ctx)) {
		for (i = 0; i < n && rc == 0; i++) {
			if (!daemon_in_set(set, whats[i]))
				continue;
			fprintf(stderr, "note: left %s (pid %d) running: %s\n",
				whats[i], pids[i], set->in_use_why);
			rc = state_process_forget(ctx->st, name, pids[i]);
		}
		goto out;
	}
	if (set->before_stop)
		set->before_stop(ctx);
	rc = daemons_stop(ctx, name, set, pids, whats, n);
out:
	free(pids);
	state_free_names(whats);
	return rc;
}

/* The OVS daemons, in start order: ovs-vswitchd stops before the
 * database it reads. */
static const char *const ovs_daemons[] = { FABRIC_OVS_DB, FABRIC_OVS_SWITCHD };

/* Another recorded experiment on a fabric that needs these daemons. */
static int ovs_peer(struct state *st, const char *name, char *other,
		    size_t len)
{
	const struct fabric_ops *ops;
	size_t i;
	int rc = -ENOENT;

	for (i = 0; rc == -ENOENT && (ops = fabric_ops_at(i)); i++)
		if (ops->needs & BACKEND_NEEDS_OVS)
			rc = state_fabric_peer(st, name, ops->name, other, len);
	return rc;
}

static const struct daemon_set ovs_set = {
	.need = BACKEND_NEEDS_OVS,
	.what = "OVS",
	.names = ovs_daemons,
	.n = sizeof(ovs_daemons) / sizeof(ovs_daemons[0]),
	.placeholder = -1,
	.log_prefix = "/var/log/openvswitch/",
	.running = fabric_ovs_running,
	.start = fabric_ovs_start,
	.stop = fabric_ovs_stop,
	.peer = ovs_peer,
};

/* Does libvirt hold any domain, of any name, on either driver? Asked of
 * libvirt itself, so experiments recorded in another state database and
 * domains made by hand count too. */
static bool libvirt_in_use(struct enos_ctx *ctx)
{
	static const char *const uris[] = { VIRT_LXC_URI, VIRT_QEMU_URI };
	size_t i;

	if (!ctx->emu)
		return false;
	for (i = 0; i < sizeof(uris) / sizeof(uris[0]); i++)
		if (virt_domain_count(ctx->emu, uris[i], "") != 0)
			return true;    /* some, or cannot tell: keep them */
	return false;
}

/* Close our connections before the daemons they speak to go. */
static void libvirt_disconnect(struct enos_ctx *ctx)
{
	if (ctx->emu)
		virt_disconnect(ctx->emu);
}

/* A libvirtd enos did not start logs through virtlogd: keep that. */
static const char *libvirt_keep(const char *daemon)
{
	if (strcmp(daemon, VIRT_VIRTLOGD) == 0 &&
	    virt_daemon_running(VIRT_LIBVIRTD) > 0)
		return "a libvirtd that enos did not start uses it";
	return NULL;
}

/* Apply the hugetlb fix this host needs before libvirt starts LXC
 * domains (said as a note). */
static int virt_hugetlb(struct enos_ctx *ctx)
{
	int rc;
	(void)ctx;

	if (!virt_hugetlb_needs_fix(NULL))
		return 0;
	rc = virt_hugetlb_fix();
	if (rc < 0) {
		cli_error("cannot mount the hugetlb cgroup for libvirt LXC: %s",
			  strerror(-rc));
		return rc;
	}
	fflush(stdout);
	fprintf(stderr, "note: mounted the hugetlb cgroup v1 hierarchy at /sys/fs/cgroup/hugetlb (libvirt 9.0 cannot start LXC domains while cgroup2 holds hugetlb); it stays mounted\n");
	return 0;
}

/* The libvirt daemons, in start order: libvirtd stops before virtlogd,
 * which it logs through. */
static const char *const virt_daemons[] = { VIRT_VIRTLOGD, VIRT_LIBVIRTD };

static const struct daemon_set virt_set = {
	.need = BACKEND_NEEDS_LIBVIRT,
	/* Domains are removed through libvirtd. */
	.restart_for_down = true,
	.before_start = virt_hugetlb,
	.what = "libvirt",
	.names = virt_daemons,
	.n = sizeof(virt_daemons) / sizeof(virt_daemons[0]),
	.placeholder = -11,
	.log_prefix = "/var/log/enos-",
	.record_failed_start = true,    /* virt_daemon_start's pid lives on */
	.running = virt_daemon_running,
	.start = virt_daemon_start,
	.stop = virt_daemon_stop,
	.peer = state_libvirt_peer,
	/* Domains of anybody else (another state database, virsh by hand)
	 * still need the daemons. */
	.in_use = libvirt_in_use,
	.in_use_why = "libvirt still has domains that are not this experiment's",
	.before_stop = libvirt_disconnect,
	.keep = libvirt_keep,
};

/* Every daemon set, in start order: OVS's, then libvirt's. */
static const struct daemon_set *const daemon_sets[] = { &ovs_set, &virt_set };

#define N_DAEMON_SETS (sizeof(daemon_sets) / sizeof(daemon_sets[0]))

/* Start the daemons that do not run of every set in NEEDS
 * (BACKEND_NEEDS_*, world_needs()) for experiment NAME; FOR_DOWN: only
 * those the removal goes through. */
static int daemons_needed_up(struct enos_ctx *ctx, const char *name,
			     unsigned needs, bool for_down)
{
	const struct daemon_set *set;
	size_t i;
	int rc = 0;

	for (i = 0; i < N_DAEMON_SETS && rc == 0; i++) {
		set = daemon_sets[i];
		if (!(needs & set->need) || (for_down && !set->restart_for_down))
			continue;
		if (set->before_start)
			rc = set->before_start(ctx);
		if (rc == 0)
			rc = daemons_up(ctx, name, set);
	}
	return rc;
}

/* After NAME's objects are gone: daemons_down() of every set. */
static int daemons_all_down(struct enos_ctx *ctx, const char *name)
{
	size_t i;
	int rc = 0;

	for (i = 0; i < N_DAEMON_SETS && rc == 0; i++)
		rc = daemons_down(ctx, name, daemon_sets[i]);
	return rc;
}

/* Print what the emulator stored about its last failure, if anything. */
static void emu_detail(struct enos_ctx *ctx)
{
	const char *m = ctx->emu ? emu_errmsg(ctx->emu) : "";

	if (*m) {
		fflush(stdout);
		fprintf(stderr, "detail: %s\n", m);
		emu_clearerr(ctx->emu);
	}
}

/* Remove what a failed or interrupted up built, and forget it. */
static void roll_back(struct enos_ctx *ctx, const struct world *w)
{
	int rc = shaping_stop(ctx, w->name);

	if (rc == 0)
		rc = shaping_sweep(w->name);
	if (rc == 0)
		rc = world_down(ctx->emu, w, cli_progress, ctx);
	if (rc == 0)
		rc = daemons_all_down(ctx, w->name);

	if (rc < 0) {
		emu_detail(ctx);
		cli_error("rolling back '%s' failed: %s", w->name, strerror(-rc));
		cli_hint("run 'enos down -n %s' to retry", w->name);
		state_set_status(ctx->st, w->name, EXP_FAILED);
		return;
	}
	state_forget(ctx->st, w->name);
	fprintf(stderr, "rolled back: nothing of '%s' is left\n", w->name);
}

/* world_ready()'s tick for up: one progress line, and SIGINT, SIGTERM or
 * SIGHUP (held while up builds) stop the wait. */
static int ready_tick(void *arg, size_t ready, size_t total)
{
	struct ready_progress *rp = arg;
	sigset_t pending;

	if (ready != rp->shown) {
		cli_progress(rp->ctx, "nodes ready", ready, total);
		rp->shown = ready;
	}
	crash_point("up:ready_wait");
	sigpending(&pending);
	if (sigismember(&pending, SIGINT) || sigismember(&pending, SIGTERM) ||
	    sigismember(&pending, SIGHUP))
		return -EINTR;
	return 0;
}

/* Wait until W's VMs answer (qemu: the agent's hello), so that nodes are
 * usable when up returns; the time it took is stored as ready_seconds. */
static int wait_ready(struct enos_ctx *ctx, const struct world *w,
		      int64_t run)
{
	struct ready_progress rp = { .ctx = ctx, .shown = (size_t)-1 };
	int wait_s = node_qemu_boot_wait_s();
	double t0 = cli_now();
	int rc;

	rc = world_ready(ctx->emu, w, wait_s * 1000, ready_tick, &rp);
	if (rc == -EINTR) {
		cli_error("interrupted while waiting for the nodes of '%s'", w->name);
	} else if (rc < 0) {
		if (ctx->progress && rp.shown != (size_t)-1)
			fputc('\n', stderr);       /* end the progress line */
		cli_error("the nodes of '%s' did not come up: %s", w->name,
			  strerror(-rc));
		emu_detail(ctx);
	} else if (rp.shown != (size_t)-1 && run) {
		state_result_add(ctx->st, run, "ready_seconds", NULL, NULL,
				 cli_now() - t0, "s");
	}
	return rc;
}

/* Start backend OPS (its engine, if it has one) for the freshly built W
 * and apply T's constraints. */
static int shape_world(struct enos_ctx *ctx, const struct topology *t,
		       const struct world *w, const struct shape_ops *ops)
{
	struct shape_table tab = { 0 };
	int rc;

	if (!ops->shapes)
		return 0;       /* a plain wire: nothing to resolve */
	rc = shaping_table(ctx, t, w, false, &tab);
	if (rc == 0)
		rc = shaping_engine(ctx, w, ops, true);
	crash_point("up:engine");
	if (rc == 0)
		rc = shaping_apply(ctx, w, ops, &tab);
	shape_table_release(&tab);
	return rc;
}

/* Refuse a world this host cannot hold (capacity.h) before anything is
 * touched, unless --overcommit; say so either way. */
static int check_capacity(const struct enos_ctx *ctx, const struct topology *t)
{
	struct capacity c;
	uint64_t avail;
	long cores;
	char msg[512];

	if (capacity_host(&avail, &cores) < 0)
		return 0;       /* no figure to compare with: not a reason to refuse */
	capacity_estimate(t, &c);
	if (capacity_check(&c, avail, cores, msg, sizeof(msg)) == 0)
		return 0;
	if (ctx->overcommit) {
		cli_warning("the world of '%s' does not fit on this host: %s; building it anyway (--overcommit)",
			    t->name, msg);
		return 0;
	}
	cli_error("the world of '%s' does not fit on this host: %s", t->name, msg);
	cli_hint("'enos up --overcommit' builds it anyway (the figures per node are in the README, \"Security and permissions\")");
	return -ENOMEM;
}

/* Refuse a bad `workload:` before anything is touched: checked on a
 * plan of T (bench_check), as `enos check` does. */
static int check_workloads(const struct topology *t)
{
	char tag[WORLD_TAG_LEN + 1], *err = NULL;
	struct world w = { 0 };
	int rc;

	if (!t->n_workloads)
		return 0;
	world_tag(t->name, 0, tag);
	rc = plan_world(t, tag, &w);
	if (rc == 0)
		rc = bench_check(t, &w, &err);
	if (rc < 0)
		fprintf(stderr, "error: %s\n", err ? err : strerror(-rc));
	free(err);
	plan_release(&w);
	return rc;
}

int phase_up(struct enos_ctx *ctx, const struct topology *t, bool force,
	     const char *run_kind, int64_t *run_id)
{
	sigset_t block, old, pending;
	struct world w = { 0 };
	char tag[WORLD_TAG_LEN + 1], why[512];
	char shared[DEPLOY_SHARED_DIRS][PATH_MAX];
	size_t k;
	const struct shape_ops *shaping = NULL;
	int64_t run = 0;
	double t0;
	int rc;

	rc = phase_check_supported(t, SUPPORT_FOR_UP);
	if (rc == 0)
		rc = check_capacity(ctx, t);
	if (rc == 0)
		rc = check_workloads(t);
	if (rc == 0)
		rc = shaping_choose(t, &shaping, why, sizeof(why));
	if (rc < 0)
		return rc;
	rc = cli_state(ctx);
	if (rc == 0)
		rc = phase_lock(ctx, t->name);
	if (rc == 0)
		rc = handle_existing(ctx, t, force);
	if (rc == 0)
		rc = cli_emu(ctx);
	if (rc < 0)
		return rc;
	rc = state_pick_tag(ctx->st, t->name, tag);
	if (rc == 0)
		rc = plan_world(t, tag, &w);
	if (rc < 0) {
		cli_error("cannot plan '%s': %s", t->name, strerror(-rc));
		return rc;
	}
	/* The world is built for its shaping backend, on its fabric. */
	w.wan_mode = shaping->wan_mode;
	w.fabric = t->fabric;
	if (t->stack_name) {
		rc = deploy_shared_dirs(ctx, t, shared);
		if (rc < 0) {
			cli_error("cannot name the service directories of '%s': %s",
				  t->name, strerror(-rc));
			goto out;
		}
		for (k = 0; k < (size_t)rc && k < WORLD_SHARED_MAX; k++)
			w.shared[k] = shared[k];
	}
	/* Recorded before anything exists, so a crash cannot hide an object. */
	rc = state_record_world(ctx->st, t, &w);
	if (rc == 0)
		rc = state_set_shaping(ctx->st, t->name, shaping->name);
	if (rc < 0) {
		cli_error("cannot record '%s': %s", t->name, state_errmsg(ctx->st));
		goto out;
	}
	if (state_run_begin(ctx->st, t->name, run_kind, t->seed, t->has_seed, &run) == 0)
		record_host_facts(ctx->st, run, &w, shaping, why);
	crash_point("up:recorded");

	/* Hold SIGINT/SIGTERM/SIGHUP until the build returns, then roll back. */
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGHUP);
	sigprocmask(SIG_BLOCK, &block, &old);
	t0 = cli_now();
	rc = daemons_needed_up(ctx, w.name, world_needs(&w), false);
	crash_point("up:daemons");
	if (rc == 0) {
		rc = world_up(ctx->emu, &w, cli_progress, ctx);
		if (rc < 0) {
			cli_error("cannot bring '%s' up: %s", t->name, strerror(-rc));
			emu_detail(ctx);
		}
	}
	crash_point("up:world_built");
	if (rc == 0)
		rc = shape_world(ctx, t, &w, shaping);
	crash_point("up:shaped");
	if (rc == 0)
		rc = wait_ready(ctx, &w, run);
	sigpending(&pending);
	if (rc == 0 && (sigismember(&pending, SIGINT) ||
			sigismember(&pending, SIGTERM) ||
			sigismember(&pending, SIGHUP))) {
		cli_error("interrupted while bringing '%s' up", t->name);
		rc = -EINTR;
	}
	if (rc < 0) {
		roll_back(ctx, &w);
		if (run)
			state_run_end(ctx->st, run, "failed");
		sigprocmask(SIG_SETMASK, &old, NULL);
		goto out;
	}
	sigprocmask(SIG_SETMASK, &old, NULL);
	state_set_status(ctx->st, t->name, EXP_UP);
	if (run) {
		state_result_add(ctx->st, run, "up_seconds", NULL, NULL,
				 cli_now() - t0, "s");
		if (strcmp(run_kind, "up") == 0)
			state_run_end(ctx->st, run, "ok");
	}
	crash_point("up:marked_up");
	printf("experiment '%s' is up: %zu sites, %zu nodes, WAN shaping %s, in %.2f s\n",
	       t->name, w.n_sites, w.n_nodes, shaping->name, cli_now() - t0);
	if (run_id)
		*run_id = run;
	/* The stack goes on a shaped WAN; a failed deploy leaves the world up. */
	if (t->stack_name && !ctx->no_deploy) {
		fflush(stdout);
		rc = deploy_stack(ctx, t, &w, run, false);
		if (rc < 0)
			cli_hint("the world of '%s' stays up: 'enos deploy -n %s' retries, 'enos down -n %s' removes it",
				 t->name, t->name, t->name);
	}
out:
	plan_release(&w);
	return rc;
}

int phase_lock(struct enos_ctx *ctx, const char *name)
{
	char path[PATH_MAX], pid[32] = "";
	ssize_t n;
	int fd, rc;

	if (ctx->lock_exp[0] && !strcmp(ctx->lock_exp, name))
		return 0;
	if (ctx->lock_exp[0]) {
		close(ctx->lock_fd);
		ctx->lock_exp[0] = '\0';
	}
	if (strlen(name) >= sizeof(ctx->lock_exp) ||
	    snprintf(path, sizeof(path), "%s-%s.lock", ctx->db_path, name) >=
	    (int)sizeof(path)) {
		cli_error("cannot lock experiment '%s': %s", name, strerror(ENAMETOOLONG));
		return -ENAMETOOLONG;
	}
	fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0) {
		rc = -errno;
		cli_error("cannot lock experiment '%s' ('%s'): %s", name, path,
			  strerror(-rc));
		return rc;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		if (errno != EWOULDBLOCK) {
			rc = -errno;
			goto fail;
		}
		n = pread(fd, pid, sizeof(pid) - 1, 0);
		pid[n > 0 ? n : 0] = '\0';
		pid[strcspn(pid, "\n")] = '\0';
		fprintf(stderr, "enos: experiment '%s' is busy: another 'enos up', 'down', 'deploy' or 'sweep' of it runs%s%s%s; waiting for it\n",
			name, pid[0] ? " (pid " : "", pid, pid[0] ? ")" : "");
		while (flock(fd, LOCK_EX) != 0) {
			if (errno != EINTR) {
				rc = -errno;
				goto fail;
			}
		}
	}
	/* Our pid, for the message of the next one to wait. */
	n = snprintf(pid, sizeof(pid), "%d\n", (int)getpid());
	if (ftruncate(fd, 0) == 0 && pwrite(fd, pid, (size_t)n, 0) != n)
		n = 0;  /* only a message is lost */
	ctx->lock_fd = fd;
	snprintf(ctx->lock_exp, sizeof(ctx->lock_exp), "%s", name);
	return 0;
fail:
	cli_error("cannot lock experiment '%s' ('%s'): %s", name, path,
		  strerror(-rc));
	close(fd);
	return rc;
}

/* Down of a name the database does not know: sweep its prefixes. */
static int sweep_unrecorded(struct enos_ctx *ctx, const char *name)
{
	struct world w = { 0 };
	int rc;

	w.name = name;
	world_tag(name, 0, w.tag);
	rc = deploy_down(ctx, name);
	if (rc == 0)
		rc = shaping_sweep(name);
	if (rc == 0)
		rc = world_down(ctx->emu, &w, cli_progress, ctx);
	if (rc < 0)
		cli_error("sweeping '%s' failed: %s", name, strerror(-rc));
	else
		printf("experiment '%s' is not recorded; swept its leftovers\n", name);
	return rc;
}

int phase_down(struct enos_ctx *ctx, const char *name)
{
	struct world w = { 0 };
	struct exp_info info;
	double t0 = cli_now();
	int rc;

	rc = cli_state(ctx);
	if (rc == 0)
		rc = phase_lock(ctx, name);
	if (rc == 0)
		rc = cli_emu(ctx);
	if (rc < 0)
		return rc;
	rc = state_get(ctx->st, name, &info);
	if (rc == -ENOENT)
		return sweep_unrecorded(ctx, name);
	if (rc == 0)
		rc = state_set_status(ctx->st, name, EXP_DOWN);
	if (rc == 0)
		rc = state_load_world(ctx->st, name, &w);
	if (rc < 0) {
		cli_error("cannot read experiment '%s': %s", name,
			  state_errmsg(ctx->st));
		goto out;
	}
	/* Services first: they run inside the nodes about to go. */
	rc = deploy_down(ctx, name);
	if (rc < 0)
		goto out;
	crash_point("down:services_stopped");
	/* Engines next: they hold sockets on the links about to go. */
	rc = shaping_stop(ctx, name);
	if (rc == 0)
		rc = shaping_sweep(name);
	if (rc < 0) {
		cli_error("cannot stop the engine of '%s': %s", name, strerror(-rc));
		goto out;
	}
	crash_point("down:engine_stopped");
	/* Domains are removed through libvirtd: a killed one is restarted. */
	rc = daemons_needed_up(ctx, name, world_needs(&w), true);
	if (rc == 0)
		rc = world_down(ctx->emu, &w, cli_progress, ctx);
	crash_point("down:world_down");
	if (rc == 0)
		rc = daemons_all_down(ctx, name);
	if (rc < 0) {
		cli_error("cannot take '%s' down: %s", name, strerror(-rc));
		emu_detail(ctx);
		cli_hint("run 'enos down -n %s' again; it resumes from the recorded state",
			 name);
		goto out;
	}
	rc = state_forget(ctx->st, name);
	if (rc < 0) {
		cli_error("'%s' is down but could not be forgotten: %s", name,
			  state_errmsg(ctx->st));
		goto out;
	}
	printf("experiment '%s' is down: %zu sites, %zu nodes removed in %.2f s\n",
	       name, w.n_sites, w.n_nodes, cli_now() - t0);
out:
	state_world_free(&w);
	return rc;
}
