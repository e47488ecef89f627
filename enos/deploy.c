/* deploy — the service commands' side of the supervisor; see deploy.h.
 *
 * workloads/supervise.c runs the instances and never prints nor touches
 * the database; this file gives it what it works from (the stack found,
 * loaded and placed, the directories rundir.h roots) and implements its
 * hooks: each instance recorded in the services table as it becomes
 * starting, running, failed or stopped (once running, with the ports its
 * process tree serves on: what maps WAN traffic to a service, traffic.h),
 * progress lines on a TTY. It
 * prints what the supervisor returns (the message, then the tail of the
 * instance's log when that says more) and owns what only enos/ does: the
 * services table as `enos services` and `enos service` read it, the run's
 * figures, and `down`.
 */
#include "enos/deploy.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>

#include "emulator/addr.h"
#include "emulator/cgroup.h"
#include "emulator/proc.h"
#include "emulator/traffic_ports.h"
#include "enos/cli.h"
#include "enos/json.h"
#include "enos/rundir.h"
#include "enos/shaping.h"
#include "enos/state.h"
#include "util/crash.h"
#include "util/fs.h"
#include "workloads/place.h"
#include "workloads/ready.h"
#include "workloads/stack.h"
#include "workloads/stackwl.h"
#include "workloads/supervise.h"

#define LOG_TAIL_LINES 20

/* A deploy, or a single `enos service start`: the stack and its placement
 * (owned here), and the supervisor working from them. */
struct deployment {
	struct enos_ctx *ctx;
	const char *exp;
	struct stack *s;
	const struct stack_strategy *st;
	struct placement pl;
	struct supervise sv;
	struct supervise_hooks hooks;
	bool said;              /* a hook reported the failure */
};

/* The enos binary's path into EXE (PATH_MAX bytes), "" if unknown. */
static void self_exe(char *exe)
{
	ssize_t n = readlink("/proc/self/exe", exe, PATH_MAX - 1);

	exe[n > 0 ? n : 0] = '\0';
}

/* DIR = the directory of PATH (a file), into DIR (PATH_MAX bytes). */
static int dir_of(const char *path, char *dir)
{
	const char *slash = strrchr(path, '/');
	int n;

	if (!slash || slash == path)
		return -EINVAL;
	n = snprintf(dir, PATH_MAX, "%.*s", (int)(slash - path), path);
	return n < 0 || n >= PATH_MAX ? -ENAMETOOLONG : 0;
}

int deploy_shared_dirs(const struct enos_ctx *ctx, const struct topology *t,
		       char dirs[DEPLOY_SHARED_DIRS][PATH_MAX])
{
	char exe[PATH_MAX], file[PATH_MAX];
	int rc, k = 0;

	/* The parent of services/EXP: deploy empties services/EXP by
	 * removing and making it again, which a bind of the old directory
	 * would not see. */
	rc = rundir_services(ctx->db_path, NULL, dirs[k++], PATH_MAX);
	if (rc == 0)
		rc = rundir_experiment(t->name, true, dirs[k++], PATH_MAX);
	if (rc < 0)
		return rc;
	/* The enos binary (readiness probes run it inside the node) and the
	 * stack's files, wherever the tree is (a clone under /tmp too). */
	self_exe(exe);
	if (exe[0]) {
		if (dir_of(exe, dirs[k]) == 0)
			k++;
		if (stack_find(t->stack_name, exe, file, sizeof(file)) == 0 &&
		    file[0] == '/' && dir_of(file, dirs[k]) == 0)
			k++;
	}
	return k;
}

/* The last LOG_TAIL_LINES lines of PATH to stderr, indented. */
static void print_log_tail(const char *path)
{
	char buf[8192];
	ssize_t n;
	off_t size;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	int lines = 0;
	char *p;

	if (fd < 0)
		return;
	size = lseek(fd, 0, SEEK_END);
	if (size > (off_t)sizeof(buf) - 1)
		lseek(fd, size - (off_t)sizeof(buf) + 1, SEEK_SET);
	else
		lseek(fd, 0, SEEK_SET);
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0) {
		fprintf(stderr, "  (the log %s is empty)\n", path);
		return;
	}
	buf[n] = '\0';
	if (buf[n - 1] == '\n')
		buf[--n] = '\0';
	for (p = buf + n; p > buf; p--)
		if (p[-1] == '\n' && ++lines == LOG_TAIL_LINES)
			break;
	fprintf(stderr, "last lines of %s:\n", path);
	while (*p) {
		char *nl = strchr(p, '\n');

		fprintf(stderr, "  | %.*s\n", nl ? (int)(nl - p) : (int)strlen(p), p);
		p = nl ? nl + 1 : p + strlen(p);
	}
}

/* Say why the supervisor failed with RC: its message, then the tail of the
 * instance's log when that says more. Nothing when a hook said it. */
static void say(const struct deployment *d, int rc)
{
	if (d->sv.err)
		cli_error("%s", d->sv.err);
	else if (!d->said)
		cli_error("cannot deploy '%s': %s", d->exp, strerror(-rc));
	if (d->sv.err_log)
		print_log_tail(d->sv.err_log);
}

/* ---- the supervisor's hooks ---- */

/* Record the ports instance I serves on, now that it is ready. A port we
 * cannot read is no reason to fail a deploy: its traffic is "other". */
static void record_ports(struct deployment *d, const struct supervise *sv,
			 size_t i)
{
	const char *name = sv->c.pl->v[i].name;
	struct traffic_port *ports = NULL;
	size_t n = 0, k;
	int rc = traffic_ports_of(sv->inst[i].pid, &ports, &n);

	if (rc < 0)
		cli_warning("cannot read the ports of service '%s': %s", name,
			    strerror(-rc));
	for (k = 0; k < n && rc == 0; k++)
		rc = state_service_port_add(d->ctx->st, d->exp, name,
					    ports[k].proto, ports[k].port);
	if (rc < 0 && n)
		cli_warning("cannot record the ports of service '%s': %s", name,
			    state_errmsg(d->ctx->st));
	free(ports);
}

static int on_record(void *arg, const struct supervise *sv, size_t i,
		     enum supervise_state state, int status)
{
	struct deployment *d = arg;
	int rc = state_service_set(d->ctx->st, d->exp, sv->c.pl->v[i].name,
				   sv->inst[i].pid, sv->inst[i].start,
				   supervise_state_name(state), status >= 0,
				   status);

	if (rc < 0) {
		cli_error("cannot record service '%s': %s", sv->c.pl->v[i].name,
			  state_errmsg(d->ctx->st));
		d->said = true;
	} else if (state == SUPERVISE_RUNNING) {
		record_ports(d, sv, i);
	}
	return rc;
}

static void on_progress(void *arg, const char *line)
{
	(void)arg;
	fprintf(stderr, "%s\n", line);
}

/* Record every instance as stopped, pid 0, before any starts, so `down`
 * knows them and their directories. */
static int record_all(struct deployment *d)
{
	const struct world *w = d->sv.c.w;
	struct service_row r;
	size_t i;
	int rc = state_services_forget(d->ctx->st, d->exp);

	for (i = 0; i < d->pl.n && rc == 0; i++) {
		const struct world_node *n = &w->nodes[d->pl.v[i].node];

		memset(&r, 0, sizeof(r));
		snprintf(r.instance, sizeof(r.instance), "%s", d->pl.v[i].name);
		snprintf(r.service, sizeof(r.service), "%s",
			 d->s->services[d->pl.v[i].service].name);
		snprintf(r.stack, sizeof(r.stack), "%s", d->s->name);
		snprintf(r.strategy, sizeof(r.strategy), "%s", d->st ? d->st->name : "");
		snprintf(r.node, sizeof(r.node), "%s", n->name);
		snprintf(r.site, sizeof(r.site), "%s", w->sites[n->site].name);
		addr_format(n->addr, r.address, sizeof(r.address));
		snprintf(r.state, sizeof(r.state), "%s",
			 supervise_state_name(SUPERVISE_STOPPED));
		snprintf(r.log_path, sizeof(r.log_path), "%s", d->sv.inst[i].log_path);
		template_dir(&d->sv.env, i, NULL, r.dir, sizeof(r.dir));
		r.seq = (int64_t)i;
		rc = state_service_put(d->ctx->st, d->exp, &r);
	}
	if (rc < 0)
		cli_error("cannot record the services of '%s': %s", d->exp,
			  state_errmsg(d->ctx->st));
	return rc;
}

/* ---- the stack, loaded and placed ---- */

/* Find and load T's stack, pick its strategy and place it on W into *S,
 * *ST and *PL (release them, also after a failure). HINT: say where
 * stacks live when there is no such stack. 0 or -errno (printed). */
static int load_placed(const struct topology *t, const struct world *w,
		       const char *exe, bool hint, struct stack **s,
		       const struct stack_strategy **st, struct placement *pl)
{
	char path[PATH_MAX], *err = NULL;
	int rc;

	rc = stack_find(t->stack_name, exe[0] ? exe : NULL, path, sizeof(path));
	if (rc < 0) {
		cli_error("no stack '%s': %s not found", t->stack_name, path);
		if (hint)
			cli_hint("stacks live in workloads/stacks/ (or $ENOS_STACKS_DIR)");
		return rc;
	}
	*s = stack_load(path, &err);
	if (!*s) {
		fprintf(stderr, "%s\n", err ? err : "error: out of memory");
		rc = -EINVAL;
		goto out;
	}
	*st = stack_strategy_find(*s, t->stack_strategy);
	if (!*st && t->stack_strategy) {
		cli_error("stack '%s' has no strategy '%s'", (*s)->name, t->stack_strategy);
		rc = -ENOENT;
		goto out;
	}
	rc = place_stack(*s, *st, t, w, pl, &err);
	if (rc < 0)
		cli_error("%s", err ? err : strerror(-rc));
out:
	free(err);
	return rc;
}

static void deployment_release(struct deployment *d)
{
	supervise_release(&d->sv);
	place_release(&d->pl);
	stack_free(d->s);
}

/* Load T's stack, place it on W and get the supervisor ready; LOG_DIR:
 * where logs go (NULL: run RUN's, rundir.h). 0 or -errno (printed). */
static int deployment_init(struct deployment *d, struct enos_ctx *ctx,
			   const struct topology *t, const struct world *w,
			   int64_t run, const char *log_dir)
{
	char exe[PATH_MAX], logs[PATH_MAX], svc[PATH_MAX];
	char why[PATH_MAX + 64] = "";
	struct supervise_config c;
	int rc;

	memset(d, 0, sizeof(*d));
	d->ctx = ctx;
	d->exp = t->name;
	d->hooks = (struct supervise_hooks){ .record = on_record, .arg = d,
					     .progress = ctx->progress ? on_progress : NULL };
	self_exe(exe);
	rc = load_placed(t, w, exe, true, &d->s, &d->st, &d->pl);
	if (rc < 0)
		return rc;
	if (log_dir)
		rc = snprintf(logs, sizeof(logs), "%s", log_dir) >= (int)sizeof(logs) ?
		     -ENAMETOOLONG : 0;
	else
		rc = rundir_make(t->name, run, "services", true, logs, sizeof(logs),
				 why, sizeof(why));
	if (rc == 0)
		rc = rundir_services_make(ctx->db_path, t->name, svc, sizeof(svc),
					  why, sizeof(why));
	if (rc < 0) {
		cli_error("cannot deploy '%s': %s", t->name,
			  why[0] ? why : strerror(-rc));
		return rc;
	}
	c = (struct supervise_config){ .emu = ctx->emu, .t = t, .w = w, .s = d->s,
				       .st = d->st, .pl = &d->pl, .exe = exe,
				       .log_dir = logs, .svc_dir = svc,
				       .hooks = &d->hooks };
	rc = supervise_init(&d->sv, &c);
	if (rc < 0)
		say(d, rc);
	if (rc == -ENOTSUP)
		cli_hint("place the service on netns or lxc nodes (strategy '%s')",
			 d->st ? d->st->name : "default");
	return rc;
}

/* apt-get install the stack's packages on the host. */
static int install_packages(const struct stack *s)
{
	int rc;

	if (s->n_packages)
		fprintf(stderr, "installing %zu packages of stack '%s' with apt-get\n",
			s->n_packages, s->name);
	rc = supervise_install(s);
	if (rc < 0)
		cli_error("apt-get install of the packages of stack '%s' failed", s->name);
	return rc;
}

int deploy_mem_available(const char *path, unsigned long long *bytes)
{
	char line[256];
	unsigned long long kib;
	FILE *f = fopen(path, "r");
	int rc = -EBADMSG;

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "MemAvailable: %llu kB", &kib) == 1) {
			*bytes = kib * 1024;
			rc = 0;
			break;
		}
	}
	fclose(f);
	return rc;
}

int deploy_memory_fits(unsigned long long need, unsigned long long avail,
		       char *msg, size_t len)
{
	if (need <= avail) {
		snprintf(msg, len, "the stack needs %.0f MiB of %.0f MiB available",
			 need / 1048576.0, avail / 1048576.0);
		return 0;
	}
	snprintf(msg, len, "the stack needs %.0f MiB but only %.0f MiB is available",
		 need / 1048576.0, avail / 1048576.0);
	return -ENOMEM;
}

/* Is everything the stack workloads T names need installed? Says which
 * Debian package is missing. 0 or -ENOENT (printed). */
static int check_workload_needs(const struct topology *t, const struct stack *s)
{
	struct wl_kind *kinds = NULL;
	char *err = NULL;
	size_t n = 0, i, k;
	int rc = wl_stack_kinds(s, &kinds, &n, &err);

	for (i = 0; rc == 0 && i < t->n_workloads; i++)
		for (k = 0; k < n; k++)
			if (!strcmp(kinds[k].name, t->workloads[i].name) &&
			    (rc = wl_stack_kind_check(&kinds[k], &err)) < 0)
				break;
	if (rc < 0)
		cli_error("%s", err ? err : strerror(-rc));
	free(err);
	wl_stack_kinds_free(kinds, n);
	return rc;
}

int deploy_estimate(const struct topology *t, const struct world *w,
		    bool quiet)
{
	unsigned long long avail = 0, need;
	const struct stack_strategy *st = NULL;
	struct placement pl = { 0 };
	struct stack *s = NULL;
	char exe[PATH_MAX], msg[160];
	size_t k;
	int rc;

	self_exe(exe);
	rc = load_placed(t, w, exe, false, &s, &st, &pl);
	if (rc == 0)
		rc = check_workload_needs(t, s);
	if (rc < 0)
		goto out;
	need = place_memory(&pl, s);
	if (!quiet) {
		printf("\nstack '%s' (strategy '%s'): %zu instances on this host\n",
		       s->name, st ? st->name : "default", pl.n);
		for (k = 0; k < s->n_services; k++)
			if (stack_rule_omits(stack_rule_for(st, &s->services[k])))
				printf("  %-20s   left out (count: 0)\n", s->services[k].name);
			else
				printf("  %-20s %3zu x %6.1f MiB\n", s->services[k].name,
				       place_count(&pl, k), s->services[k].memory_bytes / 1048576.0);
	}
	if (deploy_mem_available("/proc/meminfo", &avail) < 0)
		goto out;
	rc = deploy_memory_fits(need, avail, msg, sizeof(msg));
	if (rc < 0)
		cli_error("stack '%s' (strategy '%s') cannot fit on this host: %s",
			  s->name, st ? st->name : "default", msg);
	else if (!quiet)
		printf("  memory: %s\n", msg);
out:
	place_release(&pl);
	stack_free(s);
	return rc;
}

/* Refuse a deployment whose memory figures do not fit this host. */
static int check_memory(const struct deployment *d)
{
	unsigned long long avail, need = place_memory(&d->pl, d->s);
	char msg[160];
	int rc = deploy_mem_available("/proc/meminfo", &avail);

	if (rc < 0)
		return 0;       /* no figure to compare with: not a reason to refuse */
	rc = deploy_memory_fits(need, avail, msg, sizeof(msg));
	if (rc < 0)
		cli_error("cannot deploy stack '%s' (strategy '%s', %zu instances): %s",
			  d->s->name, d->st ? d->st->name : "default", d->pl.n, msg);
	return rc;
}

bool deploy_is_deployed(struct enos_ctx *ctx, const char *exp)
{
	struct service_row *rows = NULL;
	size_t n = 0, i;
	bool live = false;

	if (state_services(ctx->st, exp, &rows, &n) < 0)
		return false;
	for (i = 0; i < n && !live; i++)
		live = proc_alive(rows[i].pid, rows[i].starttime, NULL);
	free(rows);
	return live;
}

int deploy_stack(struct enos_ctx *ctx, const struct topology *t,
		 const struct world *w, int64_t run, bool install)
{
	struct deployment d;
	double t0 = cli_now();
	unsigned long long rss, pss;
	const char *strategy;
	int rc;

	rc = deployment_init(&d, ctx, t, w, run, NULL);
	if (rc == 0)
		rc = check_memory(&d);
	if (rc == 0 && deploy_is_deployed(ctx, t->name)) {
		cli_error("stack '%s' is already deployed on '%s'", d.s->name, t->name);
		cli_hint("'enos services -n %s' lists it; 'enos down -n %s' removes it",
			 t->name, t->name);
		rc = -EEXIST;
	}
	if (rc == 0 && install)
		rc = install_packages(d.s);
	if (rc == 0) {
		rc = supervise_prepare(&d.sv);
		if (rc < 0)
			say(&d, rc);
	}
	if (rc == 0)
		rc = record_all(&d);
	if (rc < 0)
		goto out;
	crash_point("deploy:recorded");
	strategy = d.st ? d.st->name : "default";
	printf("deploying stack '%s' (strategy '%s'): %zu instance%s of %zu service%s\n",
	       d.s->name, strategy, d.pl.n, d.pl.n == 1 ? "" : "s",
	       d.s->n_services, d.s->n_services == 1 ? "" : "s");
	fflush(stdout);
	rc = supervise_deploy(&d.sv);
	if (rc < 0) {
		say(&d, rc);
		supervise_stop_started(&d.sv);
		cli_hint("logs in %s; 'enos services -n %s' shows the instances",
			 d.sv.log_dir, t->name);
		goto out;
	}
	crash_point("deploy:ready");
	supervise_memory(&d.sv, &rss, &pss);
	if (run) {
		state_result_add(ctx->st, run, "deploy_seconds", d.s->name, strategy,
				 cli_now() - t0, "s");
		state_result_add(ctx->st, run, "stack_rss_bytes", d.s->name, strategy,
				 (double)rss, "B");
		state_result_add(ctx->st, run, "stack_pss_bytes", d.s->name, strategy,
				 (double)pss, "B");
		state_fact_add(ctx->st, run, "stack", d.s->name);
		state_fact_add(ctx->st, run, "stack_strategy", strategy);
	}
	printf("stack '%s' (strategy '%s') is up: %zu instance%s in %.2f s, RSS %.1f MiB, PSS %.1f MiB\n",
	       d.s->name, strategy, d.pl.n, d.pl.n == 1 ? "" : "s", cli_now() - t0,
	       rss / 1048576.0, pss / 1048576.0);
out:
	deployment_release(&d);
	return rc;
}

/* ---- down ---- */

int deploy_down(struct enos_ctx *ctx, const char *name)
{
	struct service_row *rows = NULL;
	char dir[PATH_MAX], why[PATH_MAX + 64];
	struct stat st;
	size_t n = 0, i, swept = 0;
	int rc, e;

	rc = state_services(ctx->st, name, &rows, &n);
	if (rc < 0) {
		cli_error("cannot read the services of '%s': %s", name,
			  state_errmsg(ctx->st));
		goto out;
	}
	for (i = 0; i < n; i++) {
		e = supervise_stop_pid(rows[i].pid, rows[i].starttime);
		if (e < 0 && rc == 0) {
			cli_error("cannot stop service '%s' (pid %d): %s",
				  rows[i].instance, rows[i].pid, strerror(-e));
			rc = e;
		}
	}
	/* What a killed deploy started but never recorded. */
	e = supervise_sweep(name, &swept);
	if (e < 0 && rc == 0) {
		cli_error("cannot stop the processes inside the nodes of '%s': %s",
			  name, strerror(-e));
		rc = e;
	}
	if (rc == 0 && (n || swept) && ctx->progress)
		fprintf(stderr, "stopped %zu service instances and %zu other processes\n",
			n, swept);
	if (rc == 0)
		rc = rundir_services(ctx->db_path, name, dir, sizeof(dir));
	/* Never through a planted link: the tree is checked on the way. */
	if (rc == 0 && lstat(dir, &st) == 0 &&
	    (e = rundir_services_make(ctx->db_path, name, dir, sizeof(dir), why,
				      sizeof(why))) < 0) {
		cli_error("cannot remove the services of '%s': %s", name, why);
		rc = e;
	}
	if (rc == 0 && (e = fs_remove_tree(dir)) < 0) {
		cli_error("cannot remove '%s': %s", dir, strerror(-e));
		rc = e;
	}
	if (rc == 0 && n && state_services_forget(ctx->st, name) < 0) {
		cli_error("cannot forget the services of '%s': %s", name,
			  state_errmsg(ctx->st));
		rc = -EIO;
	}
out:
	free(rows);
	return rc;
}

/* ---- services, service ---- */

/* Refresh row R from the kernel: a running/starting instance whose process
 * is gone becomes failed, with its exit status when known (recorded). */
static void refresh(struct enos_ctx *ctx, const char *exp, struct service_row *r)
{
	int status;

	if (strcmp(r->state, "running") && strcmp(r->state, "starting"))
		return;
	if (proc_alive(r->pid, r->starttime, &status))
		return;
	snprintf(r->state, sizeof(r->state), "failed");
	r->has_exit = status >= 0;
	r->exit_status = status;
	state_service_set(ctx->st, exp, r->instance, r->pid, r->starttime,
			  "failed", r->has_exit, status);
}

/* The ports of INSTANCE among PORTS[0..N) as "tcp/2379,tcp/2380" into
 * BUF ("-" if none). */
static void ports_text(const struct service_port *ports, size_t n,
		       const char *instance, char *buf, size_t len)
{
	size_t k, used = 0;
	int w;

	snprintf(buf, len, "-");
	for (k = 0; k < n; k++) {
		if (strcmp(ports[k].instance, instance))
			continue;
		w = snprintf(buf + used, len - used, "%s%s/%d", used ? "," : "",
			     ports[k].proto == 17 ? "udp" : "tcp", ports[k].port);
		if (w < 0 || (size_t)w >= len - used)
			break;
		used += (size_t)w;
	}
}

/* The node called NODE in W, or NULL. */
static const struct world_node *node_named(const struct world *w,
					   const char *node)
{
	size_t i;

	for (i = 0; i < w->n_nodes; i++)
		if (!strcmp(w->nodes[i].name, node))
			return &w->nodes[i];
	return NULL;
}

/* Was the failed instance R killed by its node's memory limit: SIGKILLed
 * (137) in a node whose cgroup counted an OOM kill? Read from the node's
 * cgroup itself, so a limit a node fault set (`enos fault memory`) on a
 * node without a memory profile counts as well as a profile's. Known for
 * nodes with a cgroup (every netns node); false otherwise. */
static bool killed_by_oom(const struct cgroup_host *h, const struct world *w,
			  const struct service_row *r)
{
	const struct world_node *n = node_named(w, r->node);
	uint64_t kills = 0;

	return n && r->has_exit && r->exit_status == 128 + 9 &&
	       cgroup_oom_kills(h, n->netns, &kills) == 0 && kills > 0;
}

/* The memory limit of R's node now, in bytes (0: none): its cgroup's
 * (a node fault's or its profile's), else its profile's (lxc and qemu
 * nodes, a cgroup gone). */
static uint64_t node_memory_limit(const struct cgroup_host *h,
				  const struct world *w,
				  const struct service_row *r)
{
	const struct world_node *n = node_named(w, r->node);
	uint64_t bytes = 0;

	if (!n)
		return 0;
	if (cgroup_memory_limit(h, n->netns, &bytes) == 0)
		return bytes;
	return n->memory_bytes;
}

/* A memory limit as "64M", or "-" for none. */
static const char *limit_text(uint64_t bytes, char *buf, size_t len)
{
	if (bytes)
		snprintf(buf, len, "%.0fM", bytes / 1048576.0);
	else
		snprintf(buf, len, "-");
	return buf;
}

int deploy_list(struct enos_ctx *ctx, const char *name, bool json)
{
	struct world w = { 0 };
	struct cgroup_host h;
	struct service_row *rows = NULL;
	struct service_port *ports = NULL;
	struct proc_mem m;
	struct json j;
	size_t n = 0, n_ports = 0, i, k;
	double now = (double)time(NULL);
	char port_list[128];
	int rc = state_services(ctx->st, name, &rows, &n);

	if (rc < 0) {
		cli_error("cannot read the services of '%s': %s", name,
			  state_errmsg(ctx->st));
		return rc;
	}
	if (state_service_ports(ctx->st, name, &ports, &n_ports) < 0)
		cli_warning("cannot read the service ports of '%s': %s", name,
			    state_errmsg(ctx->st));
	for (i = 0; i < n; i++)
		refresh(ctx, name, &rows[i]);
	/* The nodes' limits, for the LIMIT column and the OOM verdict; a
	 * world that cannot be read leaves them unknown. */
	if (state_load_world(ctx->st, name, &w) < 0)
		memset(&w, 0, sizeof(w));
	if (cgroup_detect(&h) < 0)
		memset(&h, 0, sizeof(h));
	if (json) {
		json_init(&j, stdout);
		json_begin_object(&j);
		json_key_str(&j, "experiment", name);
		json_key(&j, "services");
		json_begin_array(&j);
		for (i = 0; i < n; i++) {
			bool live = !strcmp(rows[i].state, "running") ||
				    !strcmp(rows[i].state, "starting");

			json_begin_object(&j);
			json_key_str(&j, "name", rows[i].instance);
			json_key_str(&j, "service", rows[i].service);
			json_key_str(&j, "node", rows[i].node);
			json_key_str(&j, "site", rows[i].site);
			json_key_str(&j, "address", rows[i].address);
			json_key_int(&j, "pid", rows[i].pid);
			json_key_str(&j, "state", rows[i].state);
			json_key(&j, "exit_status");
			if (rows[i].has_exit)
				json_int(&j, rows[i].exit_status);
			else
				json_null(&j);
			json_key_bool(&j, "oom", killed_by_oom(&h, &w, &rows[i]));
			json_key(&j, "uptime_s");
			if (live)
				json_double(&j, now - rows[i].started);
			else
				json_null(&j);
			live = live && proc_tree_mem(rows[i].pid, &m) == 0;
			json_key(&j, "rss_bytes");
			if (live)
				json_int(&j, (int64_t)m.rss_bytes);
			else
				json_null(&j);
			json_key(&j, "node_memory_limit_bytes");
			if (node_memory_limit(&h, &w, &rows[i]))
				json_int(&j, (int64_t)node_memory_limit(&h, &w, &rows[i]));
			else
				json_null(&j);
			json_key(&j, "pss_bytes");
			if (live && m.has_pss)
				json_int(&j, (int64_t)m.pss_bytes);
			else
				json_null(&j);
			json_key(&j, "processes");
			json_int(&j, live ? (int64_t)m.n_procs : 0);
			json_key_str(&j, "log", rows[i].log_path);
			json_key(&j, "ports");
			json_begin_array(&j);
			for (k = 0; k < n_ports; k++) {
				if (strcmp(ports[k].instance, rows[i].instance))
					continue;
				json_begin_object(&j);
				json_key_str(&j, "proto", ports[k].proto == 17 ? "udp" : "tcp");
				json_key_int(&j, "port", ports[k].port);
				json_end_object(&j);
			}
			json_end_array(&j);
			json_end_object(&j);
		}
		json_end_array(&j);
		json_end_object(&j);
		json_finish(&j);
		goto out;
	}
	if (n == 0) {
		printf("experiment '%s' has no services\n", name);
		goto out;
	}
	printf("%-16s %-12s %-14s %-12s %-15s %7s %-8s %8s %4s %8s %8s %6s %s\n", "INSTANCE",
	       "SERVICE", "NODE", "SITE", "ADDRESS", "PID", "STATE", "UPTIME", "PROC",
	       "RSS", "PSS", "LIMIT", "PORTS");
	for (i = 0; i < n; i++) {
		bool live = !strcmp(rows[i].state, "running") ||
			    !strcmp(rows[i].state, "starting");
		char up[32] = "-", rss[32] = "-", pss[32] = "-", procs[16] = "-", state[32];
		char limit[32];

		if (live)
			snprintf(up, sizeof(up), "%.0fs", now - rows[i].started);
		if (live && proc_tree_mem(rows[i].pid, &m) == 0) {
			snprintf(rss, sizeof(rss), "%.1fM", m.rss_bytes / 1048576.0);
			snprintf(procs, sizeof(procs), "%u", m.n_procs);
			if (m.has_pss)
				snprintf(pss, sizeof(pss), "%.1fM", m.pss_bytes / 1048576.0);
		}
		if (killed_by_oom(&h, &w, &rows[i]))
			snprintf(state, sizeof(state), "%s(OOM)", rows[i].state);
		else if (rows[i].has_exit)
			snprintf(state, sizeof(state), "%s(%d)", rows[i].state,
				 rows[i].exit_status);
		else
			snprintf(state, sizeof(state), "%s", rows[i].state);
		ports_text(ports, n_ports, rows[i].instance, port_list,
			   sizeof(port_list));
		printf("%-16s %-12s %-14s %-12s %-15s %7d %-8s %8s %4s %8s %8s %6s %s\n",
		       rows[i].instance, rows[i].service, rows[i].node, rows[i].site,
		       rows[i].address, rows[i].pid, state, up, procs, rss, pss,
		       limit_text(node_memory_limit(&h, &w, &rows[i]), limit,
				  sizeof(limit)),
		       port_list);
	}
out:
	state_world_free(&w);
	free(rows);
	free(ports);
	return 0;
}

/* Start instance ROW of experiment EXP: reload its topology and stack,
 * place it again (deterministic), spawn it and wait until it is ready. */
static int start_one(struct enos_ctx *ctx, const char *exp,
		     const struct service_row *row)
{
	struct shaped_exp e;
	struct deployment d = { 0 };
	char log_dir[PATH_MAX], *slash;
	long i;
	int rc;

	rc = shaped_open(ctx, exp, &e);
	if (rc < 0)
		goto out;
	snprintf(log_dir, sizeof(log_dir), "%s", row->log_path);
	slash = strrchr(log_dir, '/');
	if (slash)
		*slash = '\0';
	rc = deployment_init(&d, ctx, e.t, &e.w, 0, log_dir);
	if (rc < 0)
		goto out;
	i = supervise_find(&d.sv, row->instance);
	if (i < 0) {
		cli_error("instance '%s' is not in the placement of stack '%s' any more",
			  row->instance, d.s->name);
		rc = -ENOENT;
		goto out;
	}
	rc = supervise_start_one(&d.sv, (size_t)i);
	if (rc < 0)
		say(&d, rc);
	else
		printf("service '%s' is running on node '%s' (pid %d)\n", row->instance,
		       row->node, d.sv.inst[i].pid);
out:
	deployment_release(&d);
	shaped_close(&e);
	return rc;
}

int deploy_service(struct enos_ctx *ctx, const char *name,
		   const char *action, const char *instance)
{
	struct service_row *rows = NULL;
	size_t n = 0, i;
	bool alive;
	int rc = state_services(ctx->st, name, &rows, &n);

	if (rc < 0) {
		cli_error("cannot read the services of '%s': %s", name,
			  state_errmsg(ctx->st));
		goto out;
	}
	for (i = 0; i < n && strcmp(rows[i].instance, instance); i++)
		;
	if (i == n) {
		cli_error("experiment '%s' has no service instance '%s'", name, instance);
		cli_hint("'enos services -n %s' lists them", name);
		rc = -ENOENT;
		goto out;
	}
	alive = proc_alive(rows[i].pid, rows[i].starttime, NULL);
	if (!strcmp(action, "stop") || !strcmp(action, "restart")) {
		rc = supervise_stop_pid(rows[i].pid, rows[i].starttime);
		if (rc == 0)
			rc = state_service_set(ctx->st, name, instance, rows[i].pid,
					       rows[i].starttime,
					       supervise_state_name(SUPERVISE_STOPPED),
					       false, 0);
		if (rc < 0) {
			cli_error("cannot stop '%s' (pid %d): %s", instance, rows[i].pid,
				  strerror(-rc));
			goto out;
		}
		if (!strcmp(action, "stop"))
			printf("service '%s' is stopped%s\n", instance,
			       alive ? "" : " (it was not running)");
	} else if (alive) {
		cli_error("service '%s' is already running (pid %d)", instance, rows[i].pid);
		rc = -EEXIST;
		goto out;
	}
	if (strcmp(action, "stop"))
		rc = start_one(ctx, name, &rows[i]);
out:
	free(rows);
	return rc;
}

/* ---- probe-ready, run inside a node ---- */

int deploy_probe(int argc, char **argv)
{
	if (argc == 4 && !strcmp(argv[1], "tcp"))
		return ready_tcp(argv[2], argv[3]);
	if (argc == 4 && !strcmp(argv[1], "http"))
		return ready_http(argv[2], argv[3]);
	return READY_EXIT_USAGE;
}
