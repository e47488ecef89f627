/* phase — up and down; see phase.h. */
#include "enos/phase.h"

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

#include "emulator/caps.h"
#include "emulator/fabric_ovs.h"
#include "emulator/world.h"
#include "enos/cli.h"
#include "enos/deploy.h"
#include "enos/plan.h"
#include "enos/shaping.h"
#include "enos/state.h"
#include "enos/topo.h"

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

int phase_check_supported(const struct topology *t, enum support_report how)
{
	size_t i, k;
	int rc = 0;

	for (i = 0; i < t->n_sites && rc == 0; i++) {
		for (k = 0; k < t->sites[i].n_nodes; k++) {
			const struct node_spec *n = &t->sites[i].nodes[k];

			if (n->backend == BACKEND_NETNS)
				continue;
			support_say(how, true, "%s:%d:%d: node '%s': backend '%s' is not implemented yet (this version builds 'netns' nodes only)",
				    t->path, n->pos.line, n->pos.col, n->name,
				    topo_backend_name(n->backend));
			rc = -ENOTSUP;
			break;
		}
	}
	if (t->fabric == FABRIC_OVS) {
		struct caps caps;

		caps_probe(&caps);
		if (!caps.ovs.found) {
			support_say(how, true, "%s: network.fabric 'ovs' needs Open vSwitch: %s",
				    t->path, caps.ovs.why);
			rc = -ENOTSUP;
		}
	}
	for (i = 0; i < t->n_sites && !t->sites[i].has_lan; i++)
		;
	if (i < t->n_sites)
		support_say(how, false, "site '%s': lan constraints are validated but not applied yet (nodes reach their gateway over a plain bridge)",
			    t->sites[i].name);
	if (t->n_faults)
		support_say(how, false, "the faults timeline (%zu faults) is not run by 'up': 'enos tc --timeline' runs it",
			    t->n_faults);
	if (t->workload_name)
		support_say(how, false, "workload '%s' is validated but not run yet",
			    t->workload_name);
	return rc;
}

static void record_host_facts(struct state *st, int64_t run,
			      const struct world *w, const char *backend,
			      const char *why)
{
	struct utsname u;

	if (uname(&u) == 0) {
		state_fact_add(st, run, "kernel", u.release);
		state_fact_add(st, run, "host", u.nodename);
	}
	state_fact_add(st, run, "enos", ENOS_VERSION);
	state_fact_add(st, run, "node_backend", "netns");
	state_fact_add(st, run, "fabric", world_fabric(w)->name);
	if (w->fabric == &fabric_ovs_ops)
		state_fact_add(st, run, "ovs_datapath", fabric_ovs_datapath());
	state_fact_add(st, run, "shaping", backend);
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

/* The OVS daemons, in start order. */
static const char *const ovs_daemons[] = { FABRIC_OVS_DB, FABRIC_OVS_SWITCHD };

/* Start the OVS daemons that do not run, for W; each is recorded in W's
 * processes before it starts (pid -1 - index: "starting", found later
 * through its pid file) and again with its pid, so a kill at any point
 * leaves `down` knowing it. */
static int ovs_up(struct enos_ctx *ctx, const struct world *w)
{
	size_t i;
	int pid, rc = 0;

	if (w->fabric != &fabric_ovs_ops)
		return 0;
	for (i = 0; i < sizeof(ovs_daemons) / sizeof(ovs_daemons[0]) && rc == 0; i++) {
		const char *d = ovs_daemons[i];
		int placeholder = -1 - (int)i;

		if (fabric_ovs_running(d) > 0)
			continue;
		rc = state_process_add(ctx->st, w->name, d, placeholder);
		if (rc < 0) {
			cli_error("cannot record %s: %s", d, state_errmsg(ctx->st));
			break;
		}
		rc = fabric_ovs_start(d, &pid);
		if (rc < 0) {
			cli_error("cannot start %s: %s (see /var/log/openvswitch/%s.log)",
				  d, strerror(-rc), d);
			break;
		}
		rc = state_process_add(ctx->st, w->name, d, pid);
		if (rc == 0)
			rc = state_process_forget(ctx->st, w->name, placeholder);
		if (rc < 0)
			cli_error("cannot record %s (pid %d): %s", d, pid,
				  state_errmsg(ctx->st));
		else if (ctx->progress)
			fprintf(stderr, "started %s (pid %d)\n", d, pid);
	}
	return rc;
}

/* After NAME's switches are gone: stop the OVS daemons NAME started,
 * unless another recorded experiment is on OVS, which then inherits
 * them. */
static int ovs_down(struct enos_ctx *ctx, const char *name)
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
	if (state_fabric_peer(ctx->st, name, fabric_ovs_ops.name, other,
			      sizeof(other)) == 0) {
		for (k = 0; k < sizeof(ovs_daemons) / sizeof(ovs_daemons[0]) && rc == 0; k++)
			rc = state_process_move(ctx->st, name, other, ovs_daemons[k]);
		if (rc < 0)
			cli_error("cannot hand the OVS daemons to '%s': %s", other,
				  state_errmsg(ctx->st));
		goto out;
	}
	/* ovs-vswitchd before the database it reads. */
	for (k = sizeof(ovs_daemons) / sizeof(ovs_daemons[0]); k-- > 0 && rc == 0;) {
		for (i = 0; i < n && rc == 0; i++) {
			if (strcmp(whats[i], ovs_daemons[k]) != 0)
				continue;
			/* A placeholder (pid < 0): the pid file's pid. */
			rc = fabric_ovs_stop(ovs_daemons[k], pids[i] > 0 ? pids[i] : 0);
			if (rc < 0)
				cli_error("cannot stop %s (pid %d): %s", whats[i],
					  pids[i], strerror(-rc));
			else
				rc = state_process_forget(ctx->st, name, pids[i]);
		}
	}
out:
	free(pids);
	state_free_names(whats);
	return rc;
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
		rc = ovs_down(ctx, w->name);

	if (rc < 0) {
		cli_error("rolling back '%s' failed: %s", w->name, strerror(-rc));
		cli_hint("run 'enos down -n %s' to retry", w->name);
		state_set_status(ctx->st, w->name, EXP_FAILED);
		return;
	}
	state_forget(ctx->st, w->name);
	fprintf(stderr, "rolled back: nothing of '%s' is left\n", w->name);
}

/* Start BACKEND for the freshly built W and apply T's constraints. */
static int shape_world(struct enos_ctx *ctx, const struct topology *t,
		       const struct world *w, const char *backend)
{
	struct shape_table tab = { 0 };
	int rc;

	if (strcmp(backend, "none") == 0)
		return 0;
	rc = shaping_table(ctx, t, w, false, &tab);
	if (rc == 0)
		rc = shaping_engine(ctx, w, backend, true);
	if (rc == 0)
		rc = shaping_apply(ctx, w, backend, &tab);
	shape_table_release(&tab);
	return rc;
}

int phase_up(struct enos_ctx *ctx, const struct topology *t, bool force,
	     const char *run_kind, int64_t *run_id)
{
	sigset_t block, old, pending;
	struct world w = { 0 };
	char tag[WORLD_TAG_LEN + 1], why[512];
	const char *backend = "none";
	int64_t run = 0;
	double t0;
	int rc;

	rc = phase_check_supported(t, SUPPORT_FOR_UP);
	if (rc == 0)
		rc = shaping_choose(t, &backend, why, sizeof(why));
	if (rc < 0)
		return rc;
	rc = cli_state(ctx);
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
	w.wan_mode = strcmp(backend, "wand") == 0 ? WAN_WAND : WAN_BRIDGE;
	w.fabric = t->fabric == FABRIC_OVS ? &fabric_ovs_ops : &fabric_bridge_ops;
	/* Recorded before anything exists, so a crash cannot hide an object. */
	rc = state_record_world(ctx->st, t, &w);
	if (rc == 0)
		rc = state_set_shaping(ctx->st, t->name, backend);
	if (rc < 0) {
		cli_error("cannot record '%s': %s", t->name, state_errmsg(ctx->st));
		goto out;
	}
	if (state_run_begin(ctx->st, t->name, run_kind, t->seed, t->has_seed, &run) == 0)
		record_host_facts(ctx->st, run, &w, backend, why);

	/* Hold SIGINT/SIGTERM/SIGHUP until the build returns, then roll back. */
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGHUP);
	sigprocmask(SIG_BLOCK, &block, &old);
	t0 = cli_now();
	rc = ovs_up(ctx, &w);
	if (rc == 0) {
		rc = world_up(ctx->emu, &w, cli_progress, ctx);
		if (rc < 0)
			cli_error("cannot bring '%s' up: %s", t->name, strerror(-rc));
	}
	if (rc == 0)
		rc = shape_world(ctx, t, &w, backend);
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
	printf("experiment '%s' is up: %zu sites, %zu nodes, WAN shaping %s, in %.2f s\n",
	       t->name, w.n_sites, w.n_nodes, backend, cli_now() - t0);
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
	/* Engines next: they hold sockets on the links about to go. */
	rc = shaping_stop(ctx, name);
	if (rc == 0)
		rc = shaping_sweep(name);
	if (rc < 0) {
		cli_error("cannot stop the engine of '%s': %s", name, strerror(-rc));
		goto out;
	}
	rc = world_down(ctx->emu, &w, cli_progress, ctx);
	if (rc == 0)
		rc = ovs_down(ctx, name);
	if (rc < 0) {
		cli_error("cannot take '%s' down: %s", name, strerror(-rc));
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
