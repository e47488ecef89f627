/* supervise — the service supervisor; see supervise.h for what and why.
 *
 * struct supervise holds what a deploy (or a single `enos service start`)
 * works from: the stack, the placement, the template environment, the
 * node backend of each instance and the progress of each. The deploy loop
 * starts every service whose `after` services are ready, polls the
 * readiness of all started instances every 200 ms, and runs a service's
 * `post` steps once all its instances are ready, then the stack's own
 * `post` steps once every service is. A service its strategy leaves out
 * (count: 0) has no instance and counts as ready from the start, so what
 * comes `after` it does not wait for it.
 */
#include "workloads/supervise.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <grp.h>
#include <pwd.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "emulator/addr.h"
#include "emulator/netns.h"
#include "emulator/proc.h"
#include "util/crash.h"
#include "util/fs.h"
#include "util/str.h"

#define POLL_MS        200
#define NO_READY_MS    1000     /* no `ready`: alive this long after start */

/* Seconds on the monotonic clock. */
static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Fail with the message FMT (and LOG, the log whose tail says more, or
 * NULL) in SV->err, replacing an older one. Returns RC. */
static int fail(struct supervise *sv, int rc, const char *log,
		const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static int fail(struct supervise *sv, int rc, const char *log,
		const char *fmt, ...)
{
	va_list ap;

	free(sv->err);
	va_start(ap, fmt);
	sv->err = str_vprintf(fmt, ap);
	va_end(ap);
	sv->err_log = log;
	return rc;
}

/* A line of progress, when the caller wants them. */
static void progress(const struct supervise *sv, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void progress(const struct supervise *sv, const char *fmt, ...)
{
	va_list ap;
	char *line;

	if (!sv->c.hooks->progress)
		return;
	va_start(ap, fmt);
	line = str_vprintf(fmt, ap);
	va_end(ap);
	if (line)
		sv->c.hooks->progress(sv->c.hooks->arg, line);
	free(line);
}

static int record(struct supervise *sv, size_t i, enum supervise_state state,
		  int status)
{
	return sv->c.hooks->record(sv->c.hooks->arg, sv, i, state, status);
}

const char *supervise_state_name(enum supervise_state state)
{
	static const char *const names[] = {
		[SUPERVISE_STOPPED] = "stopped",
		[SUPERVISE_STARTING] = "starting",
		[SUPERVISE_RUNNING] = "running",
		[SUPERVISE_FAILED] = "failed",
	};

	return (size_t)state < sizeof(names) / sizeof(names[0]) ? names[state] : "?";
}

static const struct place_instance *pi_of(const struct supervise *sv, size_t i)
{
	return &sv->c.pl->v[i];
}

static const struct stack_service *svc_of(const struct supervise *sv, size_t i)
{
	return &sv->c.s->services[sv->c.pl->v[i].service];
}

static const struct world_node *node_of(const struct supervise *sv, size_t i)
{
	return &sv->c.w->nodes[sv->c.pl->v[i].node];
}

static const char *strategy_name(const struct supervise *sv)
{
	return sv->c.st ? sv->c.st->name : "default";
}

/* ---- rendering ---- */

static void free_argv(char **v)
{
	size_t i;

	for (i = 0; v && v[i]; i++)
		free(v[i]);
	free(v);
}

/* ARGV of command C for instance I, rendered, with the service's env as
 * `env K=V ...` in front. *OUT is NULL-terminated, free with free_argv. */
static int render_argv(struct supervise *sv, size_t i,
		       const struct stack_cmd *c, char ***out)
{
	const struct stack_service *svc = svc_of(sv, i);
	size_t n = 0, k, extra = svc->n_env ? svc->n_env + 1 : 0;
	char **v = calloc(c->argc + extra + 1, sizeof(*v));
	char *err = NULL, *val = NULL;
	int rc = 0;

	if (!v)
		return fail(sv, -ENOMEM, NULL, "%s", strerror(ENOMEM));
	if (extra && !(v[n++] = strdup("env")))
		rc = -ENOMEM;
	for (k = 0; rc == 0 && k < svc->n_env; k++) {
		rc = template_render(&sv->env, i, svc->env[k].value, &val, &err);
		if (rc == 0 && !(v[n++] = str_printf("%s=%s", svc->env[k].key, val)))
			rc = -ENOMEM;
		free(val);
		val = NULL;
	}
	for (k = 0; rc == 0 && k < c->argc; k++)
		rc = template_render(&sv->env, i, c->argv[k], &v[n++], &err);
	if (rc) {
		fail(sv, rc, NULL, "%s:%d:%d: service '%s': %s", sv->c.s->path,
		     c->pos.line, c->pos.col, svc->name, err ? err : strerror(-rc));
		free_argv(v);
		v = NULL;
	}
	free(err);
	*out = v;
	return rc;
}

/* Write the service's files for instance I (mode 0644, dirs made). */
static int write_files(struct supervise *sv, size_t i)
{
	const struct stack_service *svc = svc_of(sv, i);
	char *path = NULL, *content = NULL, *err = NULL, *slash;
	size_t k;
	int rc = 0, fd;

	for (k = 0; k < svc->n_files && rc == 0; k++) {
		rc = template_render(&sv->env, i, svc->files[k].path, &path, &err);
		if (rc == 0)
			rc = template_render(&sv->env, i, svc->files[k].content,
					     &content, &err);
		if (rc) {
			fail(sv, rc, NULL, "%s: service '%s': file %zu: %s",
			     sv->c.s->path, svc->name, k + 1,
			     err ? err : strerror(-rc));
			break;
		}
		slash = strrchr(path, '/');
		if (slash && slash != path) {
			*slash = '\0';
			rc = fs_mkdir_p(path, 0755);
			*slash = '/';
		}
		/* Never through a link: a service may own the directory. */
		fd = rc == 0 ? open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC |
				    O_NOFOLLOW, 0644) : -1;
		if (rc == 0 && fd < 0)
			rc = -errno;
		if (fd >= 0) {
			size_t len = strlen(content);

			if (write(fd, content, len) != (ssize_t)len)
				rc = -EIO;
			close(fd);
		}
		if (rc)
			fail(sv, rc, NULL, "cannot write '%s' for '%s': %s", path,
			     pi_of(sv, i)->name, strerror(-rc));
		free(path);
		free(content);
		path = content = NULL;
	}
	free(path);
	free(content);
	free(err);
	return rc;
}

/* Run ARGV in instance I's node with stdout and stderr to LOG_FD (-1: to
 * /dev/null), as `ip netns exec NODE ARGV >>LOG 2>&1`. *STATUS: exit
 * status. */
static int exec_logged(struct supervise *sv, size_t i, char **argv, int log_fd,
		       int *status)
{
	int null_fd = -1, save_out, save_err, rc;

	if (log_fd < 0)
		log_fd = null_fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
	/* Output the caller buffered must not land in the log. */
	fflush(NULL);
	save_out = dup(STDOUT_FILENO);
	save_err = dup(STDERR_FILENO);
	dup2(log_fd, STDOUT_FILENO);
	dup2(log_fd, STDERR_FILENO);
	rc = sv->ops[i]->exec(sv->c.emu, node_of(sv, i), argv, status);
	dup2(save_out, STDOUT_FILENO);
	dup2(save_err, STDERR_FILENO);
	close(save_out);
	close(save_err);
	if (null_fd >= 0)
		close(null_fd);
	return rc;
}

/* Run step ARGV of instance I (WHAT: "setup step 2", ...) logged; it must
 * exit 0. 0, -ECHILD (*STATUS: how it exited) or -errno. */
static int run_step(struct supervise *sv, size_t i, char **argv,
		    const char *what, int *status)
{
	int rc;

	dprintf(sv->inst[i].log_fd, "enos: %s\n", what);
	rc = exec_logged(sv, i, argv, sv->inst[i].log_fd, status);
	if (rc == 0 && *status != 0)
		rc = -ECHILD;
	return rc;
}

/* Run the one-shot steps CMDS of instance I (WHAT: "setup", "post"); each
 * must exit 0. Steps marked once run for the first instance only. */
static int run_steps(struct supervise *sv, size_t i,
		     const struct stack_cmd *cmds, size_t n, const char *what)
{
	char **argv = NULL, step[32], point[96];
	size_t k;
	int rc = 0, status;

	for (k = 0; k < n && rc == 0; k++) {
		if (cmds[k].once && pi_of(sv, i)->index != 1)
			continue;
		rc = render_argv(sv, i, &cmds[k], &argv);
		if (rc)
			break;
		snprintf(step, sizeof(step), "%s step %zu", what, k + 1);
		rc = run_step(sv, i, argv, step, &status);
		snprintf(point, sizeof(point), "deploy:%s:%s", what, svc_of(sv, i)->name);
		if (rc == 0)
			crash_point_n(point, k + 1);
		if (rc)
			fail(sv, rc, sv->inst[i].log_path,
			     "service '%s': %s step %zu ('%s') %s %d",
			     pi_of(sv, i)->name, what, k + 1, argv[0],
			     rc == -ECHILD ? "exited with status" : "could not run: errno",
			     rc == -ECHILD ? status : -rc);
		free_argv(argv);
		argv = NULL;
	}
	return rc;
}

/* ---- starting and readiness ---- */

/* Can user UID (group GID and the groups of USER) pass through every
 * directory above DIR? 0, or -EACCES with the first that blocks in WHY. */
static int user_reaches(const char *dir, const char *user, uid_t uid,
			gid_t gid, char *why, size_t len)
{
	char path[PATH_MAX], *slash;
	gid_t groups[64];
	int n = 64, k;
	struct stat st;
	mode_t bit;

	if (getgrouplist(user, gid, groups, &n) < 0)
		n = 0;
	snprintf(path, sizeof(path), "%s", dir);
	while ((slash = strrchr(path, '/')) && slash != path) {
		*slash = '\0';
		if (stat(path, &st) != 0)
			continue;
		bit = S_IXOTH;
		if (st.st_uid == uid)
			bit = S_IXUSR;
		else if (st.st_gid == gid)
			bit = S_IXGRP;
		for (k = 0; bit == S_IXOTH && k < n; k++)
			if (groups[k] == st.st_gid)
				bit = S_IXGRP;
		if (!(st.st_mode & bit)) {
			snprintf(why, len, "'%s' (mode %04o) does not let it through",
				 path, (unsigned)(st.st_mode & 07777));
			return -EACCES;
		}
	}
	return 0;
}

/* Open instance I's log (append) and make its directories. */
static int open_instance(struct supervise *sv, size_t i)
{
	const struct stack_service *svc = svc_of(sv, i);
	struct supervise_inst *in = &sv->inst[i];
	char dir[PATH_MAX];
	int rc;

	rc = template_dir(&sv->env, i, "conf", dir, sizeof(dir));
	if (rc == 0)
		rc = fs_mkdir_p(dir, 0755);
	if (rc == 0 && svc->data_dir) {
		rc = template_dir(&sv->env, i, "data", dir, sizeof(dir));
		if (rc == 0)
			rc = fs_mkdir_p(dir, 0755);
		/* Databases (etcd) want their directory private; it is the
		 * service's user's. */
		if (rc == 0 && chmod(dir, 0700) != 0)
			rc = -errno;
		if (rc == 0 && sv->svc_uid[sv->c.pl->v[i].service] >= 0) {
			size_t s = sv->c.pl->v[i].service;
			char why[PATH_MAX + 64];

			if (chown(dir, (uid_t)sv->svc_uid[s], (gid_t)sv->svc_gid[s]) != 0)
				rc = -errno;
			else if (user_reaches(dir, svc->user, (uid_t)sv->svc_uid[s],
					      (gid_t)sv->svc_gid[s], why, sizeof(why)) < 0)
				return fail(sv, -EACCES, NULL,
					    "service '%s' runs as user '%s', who cannot reach its data directory '%s': %s (the state database's directory must let others pass: chmod o+x)",
					    pi_of(sv, i)->name, svc->user, dir, why);
		}
	}
	if (rc == 0 && in->log_fd < 0) {
		/* The log directory is checked (rundir_make), the log is not
		 * followed if a link took its place since. */
		in->log_fd = open(in->log_path, O_WRONLY | O_CREAT | O_APPEND |
				  O_CLOEXEC | O_NOFOLLOW, 0644);
		if (in->log_fd < 0)
			rc = -errno;
	}
	if (rc)
		fail(sv, rc, NULL, "cannot prepare '%s' (%s): %s",
		     pi_of(sv, i)->name, dir, strerror(-rc));
	return rc;
}

/* ARGV (the service's rendered command) started as the stack asks for
 * service S: through `setpriv` when it names a user or no_new_privs,
 * else ARGV itself. *OUT is NULL-terminated, free with free_argv (ARGV's
 * words move into it). */
static int privs_argv(struct supervise *sv, size_t s, char **argv, char ***out)
{
	const struct stack_service *svc = &sv->c.s->services[s];
	char **v;
	size_t n = 0, k, argc;
	bool ok = true;

	*out = argv;
	if (sv->svc_uid[s] < 0 && !svc->no_new_privs)
		return 0;
	for (argc = 0; argv[argc]; argc++)
		;
	v = calloc(argc + 8, sizeof(*v));
	if (!v)
		return fail(sv, -ENOMEM, NULL, "%s", strerror(ENOMEM));
	ok = (v[n++] = strdup("setpriv")) != NULL;
	if (ok && sv->svc_uid[s] >= 0) {
		ok = (v[n++] = str_printf("--reuid=%d", sv->svc_uid[s])) &&
		     (v[n++] = str_printf("--regid=%d", sv->svc_gid[s])) &&
		     (v[n++] = strdup("--init-groups"));
	}
	if (ok && svc->no_new_privs)
		ok = (v[n++] = strdup("--no-new-privs")) != NULL;
	if (ok)
		ok = (v[n++] = strdup("--")) != NULL;
	if (!ok) {
		free_argv(v);
		return fail(sv, -ENOMEM, NULL, "%s", strerror(ENOMEM));
	}
	for (k = 0; k < argc; k++)
		v[n++] = argv[k];
	free(argv);
	*out = v;
	return 0;
}

/* Files, setup (SETUP), then spawn instance I in its node. */
static int start_instance(struct supervise *sv, size_t i, bool setup)
{
	const struct stack_service *svc = svc_of(sv, i);
	const struct world_node *n = node_of(sv, i);
	struct supervise_inst *in = &sv->inst[i];
	struct proc_info pi;
	char **argv = NULL;
	int rc;

	rc = open_instance(sv, i);
	if (rc == 0)
		rc = write_files(sv, i);
	if (rc == 0 && setup)
		rc = run_steps(sv, i, svc->setup, svc->n_setup, "setup");
	if (rc == 0)
		rc = render_argv(sv, i, &svc->command, &argv);
	if (rc == 0)
		rc = privs_argv(sv, sv->c.pl->v[i].service, argv, &argv);
	if (rc == 0) {
		dprintf(in->log_fd, "enos: starting %s on node %s%s%s%s\n",
			pi_of(sv, i)->name, n->name, svc->user ? " as user " : "",
			svc->user ? svc->user : "",
			svc->no_new_privs ? ", no new privileges" : "");
		rc = sv->ops[i]->spawn(sv->c.emu, n, argv, in->log_fd, in->log_fd,
				       &in->pid);
		if (rc == -ENOTSUP)
			fail(sv, rc, NULL, "service '%s' cannot run on node '%s': its backend '%s' cannot start services",
			     pi_of(sv, i)->name, n->name, n->ops->name);
		else if (rc < 0)
			fail(sv, rc, NULL, "cannot start service '%s' on node '%s' ('%s'): %s",
			     pi_of(sv, i)->name, n->name, argv[0], strerror(-rc));
	}
	free_argv(argv);
	if (rc < 0) {
		in->state = SUPERVISE_FAILED;
		return rc;
	}
	in->start = proc_info(in->pid, &pi) == 0 ? pi.starttime : 0;
	in->t0 = now();
	in->state = SUPERVISE_STARTING;
	rc = record(sv, i, SUPERVISE_STARTING, -1);
	crash_point_n("deploy:spawned", i + 1);
	return rc;
}

/* Is instance I ready? 1 yes, 0 not yet. */
static int probe(struct supervise *sv, size_t i)
{
	const struct stack_service *svc = svc_of(sv, i);
	char *argv[8] = { 0 }, port[16], status[16], addr[32];
	char *host = NULL, *url = NULL, *err = NULL, **cmd = NULL;
	int rc = 0, st = -1;

	switch (svc->ready) {
	case READY_NONE:
		return now() - sv->inst[i].t0 >= NO_READY_MS / 1000.0;
	case READY_TCP:
		if (svc->ready_host)
			rc = template_render(&sv->env, i, svc->ready_host, &host, &err);
		snprintf(port, sizeof(port), "%u", svc->ready_port);
		argv[0] = sv->exe;
		argv[1] = "probe-ready";
		argv[2] = "tcp";
		argv[3] = host ? host : (char *)addr_format(node_of(sv, i)->addr,
							    addr, sizeof(addr));
		argv[4] = port;
		if (rc == 0)
			rc = exec_logged(sv, i, argv, -1, &st);
		break;
	case READY_HTTP:
		rc = template_render(&sv->env, i, svc->ready_url, &url, &err);
		snprintf(status, sizeof(status), "%d", svc->ready_status);
		argv[0] = sv->exe;
		argv[1] = "probe-ready";
		argv[2] = "http";
		argv[3] = url;
		argv[4] = status;
		if (rc == 0)
			rc = exec_logged(sv, i, argv, -1, &st);
		break;
	case READY_COMMAND:
		rc = render_argv(sv, i, &svc->ready_cmd, &cmd);
		if (rc == 0)
			rc = exec_logged(sv, i, cmd, sv->inst[i].log_fd, &st);
		break;
	}
	free(host);
	free(url);
	free(err);
	free_argv(cmd);
	return rc == 0 && st == 0;
}

/* Instance I failed to become ready, WHY. Returns RC. */
static int not_ready(struct supervise *sv, size_t i, int rc, const char *why)
{
	return fail(sv, rc, sv->inst[i].log_path,
		    "service '%s' on node '%s' did not become ready in %.0f s: %s",
		    pi_of(sv, i)->name, node_of(sv, i)->name,
		    (double)svc_of(sv, i)->timeout_us / 1e6, why);
}

/* One readiness round over the started instances. 0, or -ETIMEDOUT /
 * -ECHILD when one failed. */
static int poll_instances(struct supervise *sv, bool *progressed)
{
	size_t i;
	int status, rc = 0;
	char why[128];

	for (i = 0; i < sv->c.pl->n && rc == 0; i++) {
		const struct stack_service *svc = svc_of(sv, i);
		struct supervise_inst *in = &sv->inst[i];

		if (in->state != SUPERVISE_STARTING)
			continue;
		if (!proc_alive(in->pid, in->start, &status)) {
			snprintf(why, sizeof(why), "it exited with status %d", status);
			in->state = SUPERVISE_FAILED;
			record(sv, i, SUPERVISE_FAILED, status);
			rc = not_ready(sv, i, -ECHILD, why);
		} else if (probe(sv, i)) {
			in->state = SUPERVISE_RUNNING;
			*progressed = true;
			rc = record(sv, i, SUPERVISE_RUNNING, -1);
			progress(sv, "ready: %s on %s (%.1f s)", pi_of(sv, i)->name,
				 node_of(sv, i)->name, now() - in->t0);
		} else if (now() - in->t0 > (double)svc->timeout_us / 1e6) {
			in->state = SUPERVISE_FAILED;
			record(sv, i, SUPERVISE_FAILED, -1);
			rc = not_ready(sv, i, -ETIMEDOUT,
				       svc->ready == READY_TCP ? "its port does not answer" :
				       svc->ready == READY_HTTP ? "its URL does not answer as expected" :
				       "its ready command keeps failing");
		}
	}
	return rc;
}

/* Are all of service S's `after` services ready? */
static bool deps_ready(const struct supervise *sv, size_t s)
{
	const struct stack_service *svc = &sv->c.s->services[s];
	size_t k;

	for (k = 0; k < svc->n_after; k++)
		if (!sv->svc_ready[stack_service_index(sv->c.s, svc->after[k])])
			return false;
	return true;
}

/* Start each service whose dependencies are ready; run post of each whose
 * instances all are. */
static int advance(struct supervise *sv, bool *progressed)
{
	const struct stack *s = sv->c.s;
	const struct placement *pl = sv->c.pl;
	size_t k, i;
	bool all;
	int rc = 0;

	for (k = 0; k < s->n_services && rc == 0; k++) {
		if (!sv->svc_started[k] && deps_ready(sv, k)) {
			sv->svc_started[k] = true;
			*progressed = true;
			progress(sv, "starting %s (%zu instances)", s->services[k].name,
				 place_count(pl, k));
			for (i = 0; i < pl->n && rc == 0; i++)
				if (pl->v[i].service == k)
					rc = start_instance(sv, i, true);
		}
		if (sv->svc_ready[k] || !sv->svc_started[k])
			continue;
		for (all = true, i = 0; i < pl->n; i++)
			if (pl->v[i].service == k && sv->inst[i].state != SUPERVISE_RUNNING)
				all = false;
		if (!all)
			continue;
		for (i = 0; i < pl->n && rc == 0; i++)
			if (pl->v[i].service == k)
				rc = run_steps(sv, i, s->services[k].post,
					       s->services[k].n_post, "post");
		sv->svc_ready[k] = rc == 0;
		*progressed = true;
	}
	return rc;
}

void supervise_stop_started(struct supervise *sv)
{
	size_t i;

	for (i = 0; i < sv->c.pl->n; i++) {
		if (sv->inst[i].pid <= 0)
			continue;
		proc_stop(sv->inst[i].pid, sv->inst[i].start, SUPERVISE_STOP_GRACE_MS);
		if (sv->inst[i].state != SUPERVISE_FAILED) {
			sv->inst[i].state = SUPERVISE_STOPPED;
			record(sv, i, SUPERVISE_STOPPED, -1);
		}
	}
}

/* ---- the stack's own post steps ---- */

/* The instance a stack-level step runs on, or -1. */
static long step_instance(const struct supervise *sv, const struct stack_step *st)
{
	size_t i;

	for (i = 0; i < sv->c.pl->n; i++)
		if (sv->c.pl->v[i].service == st->service &&
		    sv->c.pl->v[i].index == st->index)
			return (long)i;
	return -1;
}

/* Run the stack's `post` steps, in order, each in the node of its
 * instance with that instance's environment and log; each must exit 0. */
static int run_stack_post(struct supervise *sv)
{
	const struct stack *s = sv->c.s;
	char **argv = NULL, step[48];
	size_t k;
	long i;
	int rc = 0, status;

	for (k = 0; k < s->n_post && rc == 0; k++) {
		i = step_instance(sv, &s->post[k]);
		if (i < 0)
			return -ENOENT;         /* check_templates said so */
		rc = render_argv(sv, (size_t)i, &s->post[k].run, &argv);
		if (rc)
			break;
		progress(sv, "stack post step %zu on %s", k + 1, pi_of(sv, i)->name);
		snprintf(step, sizeof(step), "stack post step %zu", k + 1);
		rc = run_step(sv, (size_t)i, argv, step, &status);
		if (rc)
			fail(sv, rc, sv->inst[i].log_path,
			     "stack '%s': post step %zu on '%s' ('%s') %s %d",
			     s->name, k + 1, pi_of(sv, i)->name, argv[0],
			     rc == -ECHILD ? "exited with status" : "could not run: errno",
			     rc == -ECHILD ? status : -rc);
		free_argv(argv);
		argv = NULL;
	}
	return rc;
}

/* ---- every template once, before anything starts ---- */

/* Render TEXT for instance I; on error say so at POS of the stack file
 * with WHAT (the field). 0 or -errno. */
static int check_one(struct supervise *sv, size_t i, const char *text,
		     struct src_pos pos, const char *what)
{
	char *out = NULL, *err = NULL;
	int rc = template_render(&sv->env, i, text, &out, &err);

	if (rc)
		fail(sv, rc, NULL, "%s:%d:%d: service '%s' (instance '%s', %s): %s",
		     sv->c.s->path, pos.line, pos.col, svc_of(sv, i)->name,
		     pi_of(sv, i)->name, what, err ? err : strerror(-rc));
	free(out);
	free(err);
	return rc;
}

/* A word of a command that names a file under the stack's directory is
 * a helper the command runs as root: refused, at POS, unless only root
 * (or the caller) could have written it (stack_argv_trusted). */
static int check_helper(struct supervise *sv, size_t i, const char *text,
			struct src_pos pos, const char *what)
{
	char *out = NULL, *err = NULL, *argv[2] = { NULL, NULL };
	int rc = template_render(&sv->env, i, text, &out, &err);

	if (rc == 0) {
		argv[0] = out;
		rc = stack_argv_trusted(sv->stack_dir, argv, &err);
	}
	if (rc)
		fail(sv, rc, NULL, "%s:%d:%d: service '%s' (instance '%s', %s): %s",
		     sv->c.s->path, pos.line, pos.col, svc_of(sv, i)->name,
		     pi_of(sv, i)->name, what, err ? err : strerror(-rc));
	free(out);
	free(err);
	return rc;
}

static int check_cmds(struct supervise *sv, size_t i,
		      const struct stack_cmd *c, size_t n, const char *what)
{
	size_t k, a;
	int rc = 0;

	for (k = 0; k < n && rc == 0; k++)
		for (a = 0; a < c[k].argc && rc == 0; a++) {
			rc = check_one(sv, i, c[k].argv[a], c[k].pos, what);
			if (rc == 0)
				rc = check_helper(sv, i, c[k].argv[a], c[k].pos,
						  what);
		}
	return rc;
}

/* Every template of instance I (env, files, setup, command, ready, post). */
static int check_instance(struct supervise *sv, size_t i)
{
	const struct stack_service *svc = svc_of(sv, i);
	size_t k;
	int rc = 0;

	for (k = 0; k < svc->n_env && rc == 0; k++)
		rc = check_one(sv, i, svc->env[k].value, svc->pos, "env");
	for (k = 0; k < svc->n_files && rc == 0; k++) {
		rc = check_one(sv, i, svc->files[k].path, svc->files[k].pos, "files");
		if (rc == 0)
			rc = check_one(sv, i, svc->files[k].content, svc->files[k].pos,
				       "files");
	}
	if (rc == 0)
		rc = check_cmds(sv, i, svc->setup, svc->n_setup, "setup");
	if (rc == 0)
		rc = check_cmds(sv, i, &svc->command, 1, "command");
	if (rc == 0 && svc->ready_host)
		rc = check_one(sv, i, svc->ready_host, svc->pos, "ready");
	if (rc == 0 && svc->ready_url)
		rc = check_one(sv, i, svc->ready_url, svc->pos, "ready");
	if (rc == 0 && svc->ready == READY_COMMAND)
		rc = check_cmds(sv, i, &svc->ready_cmd, 1, "ready");
	if (rc == 0)
		rc = check_cmds(sv, i, svc->post, svc->n_post, "post");
	return rc;
}

/* Render every template of the deployment once, so that one naming a
 * service the strategy leaves out (or any other template error) stops the
 * deploy before anything starts, with its place in the stack file. */
static int check_templates(struct supervise *sv)
{
	const struct stack *s = sv->c.s;
	const struct stack_step *st;
	size_t i, k;
	long on;
	int rc = 0;

	for (i = 0; i < sv->c.pl->n && rc == 0; i++)
		rc = check_instance(sv, i);
	for (k = 0; k < s->n_post && rc == 0; k++) {
		st = &s->post[k];
		on = step_instance(sv, st);
		if (on < 0)
			return fail(sv, -ENOENT, NULL,
				    "%s:%d:%d: post step %zu: on '%s': strategy '%s' gives service '%s' %zu instances",
				    s->path, st->pos.line, st->pos.col, k + 1, st->on,
				    strategy_name(sv), s->services[st->service].name,
				    place_count(sv->c.pl, st->service));
		for (i = 0; i < st->run.argc && rc == 0; i++) {
			rc = check_one(sv, (size_t)on, st->run.argv[i], st->run.pos,
				       "stack post");
			if (rc == 0)
				rc = check_helper(sv, (size_t)on, st->run.argv[i],
						  st->run.pos, "stack post");
		}
	}
	return rc;
}

/* ---- the supervisor ---- */

/* The uid and gid of each service's `user` (-1: root's, no user), from the
 * host's user database: nodes share it (netns) or bind the host's root
 * (lxc). A user that does not exist fails at its place in the stack file,
 * before anything starts. */
static int resolve_users(struct supervise *sv)
{
	const struct stack *s = sv->c.s;
	struct passwd pw, *found;
	char buf[4096];
	size_t k;
	int e;

	for (k = 0; k < s->n_services; k++) {
		sv->svc_uid[k] = sv->svc_gid[k] = -1;
		if (!s->services[k].user ||
		    stack_rule_omits(stack_rule_for(sv->c.st, &s->services[k])))
			continue;
		e = getpwnam_r(s->services[k].user, &pw, buf, sizeof(buf), &found);
		if (e || !found)
			return fail(sv, e ? -e : -ENOENT, NULL,
				    "%s:%d:%d: service '%s': user '%s' %s",
				    s->path, s->services[k].user_pos.line,
				    s->services[k].user_pos.col, s->services[k].name,
				    s->services[k].user,
				    e ? strerror(e) : "does not exist on this host");
		sv->svc_uid[k] = (int)pw.pw_uid;
		sv->svc_gid[k] = (int)pw.pw_gid;
	}
	return 0;
}

/* Copy SRC into DST (PATH_MAX bytes). 0 or -ENAMETOOLONG. */
static int copy_path(char *dst, const char *src)
{
	int n = snprintf(dst, PATH_MAX, "%s", src);

	return n < 0 || n >= PATH_MAX ? -ENAMETOOLONG : 0;
}

/* The absolute directory of stack file PATH into OUT (PATH_MAX bytes). */
static int stack_dir_of(struct supervise *sv, const char *path, char *out)
{
	char real[PATH_MAX], *slash;
	int rc;

	if (!realpath(path, real)) {
		rc = -errno;
		return fail(sv, rc, NULL, "cannot resolve '%s': %s", path,
			    strerror(-rc));
	}
	slash = strrchr(real, '/');
	if (slash && slash != real)
		*slash = '\0';
	return copy_path(out, real);
}

int supervise_init(struct supervise *sv, const struct supervise_config *c)
{
	const struct world_node *node;
	size_t i, n = c->pl->n;
	int rc;

	memset(sv, 0, sizeof(*sv));
	sv->c = *c;
	rc = copy_path(sv->exe, c->exe);
	if (rc == 0)
		rc = copy_path(sv->log_dir, c->log_dir);
	if (rc == 0)
		rc = copy_path(sv->svc_dir, c->svc_dir);
	if (rc < 0)
		goto cannot;
	sv->c.exe = sv->exe;
	sv->c.log_dir = sv->log_dir;
	sv->c.svc_dir = sv->svc_dir;
	rc = stack_dir_of(sv, c->s->path, sv->stack_dir);
	if (rc < 0)
		return rc;
	sv->env = (struct template_env){ .stack = c->s, .pl = c->pl, .w = c->w,
					 .experiment = c->t->name,
					 .log_dir = sv->log_dir,
					 .svc_dir = sv->svc_dir, .topo = c->t,
					 .stack_dir = sv->stack_dir,
					 .strategy = c->st ? c->st->name : NULL };
	sv->ops = calloc(n + 1, sizeof(*sv->ops));
	sv->inst = calloc(n + 1, sizeof(*sv->inst));
	sv->svc_ready = calloc(c->s->n_services + 1, sizeof(bool));
	sv->svc_started = calloc(c->s->n_services + 1, sizeof(bool));
	sv->svc_uid = calloc(c->s->n_services + 1, sizeof(int));
	sv->svc_gid = calloc(c->s->n_services + 1, sizeof(int));
	if (!sv->ops || !sv->inst || !sv->svc_ready || !sv->svc_started ||
	    !sv->svc_uid || !sv->svc_gid) {
		rc = -ENOMEM;
		goto cannot;
	}
	rc = resolve_users(sv);
	if (rc < 0)
		return rc;
	for (i = 0; i < n; i++)
		sv->inst[i].log_fd = -1;
	for (i = 0; i < n; i++) {
		node = node_of(sv, i);
		if (snprintf(sv->inst[i].log_path, sizeof(sv->inst[i].log_path),
			     "%s/%s.log", sv->log_dir, pi_of(sv, i)->name) >=
		    (int)sizeof(sv->inst[i].log_path)) {
			rc = -ENAMETOOLONG;
			goto cannot;
		}
		sv->ops[i] = node->ops;
		if (!sv->ops[i] || !sv->ops[i]->spawn)
			return fail(sv, -ENOTSUP, NULL,
				    "service '%s' cannot run on node '%s': its backend '%s' cannot start services",
				    pi_of(sv, i)->name, node->name, node->ops->name);
	}
	/* Left out by the strategy: nothing to start, nothing to wait for. */
	for (i = 0; i < c->s->n_services; i++)
		if (stack_rule_omits(stack_rule_for(c->st, &c->s->services[i])))
			sv->svc_started[i] = sv->svc_ready[i] = true;
	return check_templates(sv);
cannot:
	return fail(sv, rc, NULL, "cannot deploy '%s': %s", c->t->name,
		    strerror(-rc));
}

void supervise_release(struct supervise *sv)
{
	size_t i;

	if (!sv)
		return;
	for (i = 0; sv->inst && i < sv->c.pl->n; i++)
		if (sv->inst[i].log_fd >= 0)
			close(sv->inst[i].log_fd);
	free(sv->inst);
	free(sv->ops);
	free(sv->svc_ready);
	free(sv->svc_started);
	free(sv->svc_uid);
	free(sv->svc_gid);
	free(sv->err);
	memset(sv, 0, sizeof(*sv));
}

int supervise_prepare(struct supervise *sv)
{
	size_t i;
	int rc;

	rc = fs_remove_tree(sv->svc_dir);
	if (rc == 0)
		rc = fs_mkdir_p(sv->svc_dir, 0755);
	if (rc == 0)
		rc = fs_mkdir_p(sv->log_dir, 0755);
	if (rc < 0)
		return fail(sv, rc, NULL, "cannot make '%s' or '%s': %s",
			    sv->svc_dir, sv->log_dir, strerror(-rc));
	for (i = 0; i < sv->c.pl->n; i++)
		if (unlink(sv->inst[i].log_path) != 0 && errno != ENOENT) {
			rc = -errno;
			return fail(sv, rc, NULL, "cannot remove the old log '%s': %s",
				    sv->inst[i].log_path, strerror(-rc));
		}
	return 0;
}

int supervise_deploy(struct supervise *sv)
{
	bool progressed;
	size_t s, done;
	int rc;

	for (;;) {
		progressed = false;
		rc = advance(sv, &progressed);
		if (rc == 0)
			rc = poll_instances(sv, &progressed);
		for (done = 0, s = 0; s < sv->c.s->n_services; s++)
			done += sv->svc_ready[s];
		if (rc < 0 || done == sv->c.s->n_services)
			break;
		if (!progressed)
			proc_sleep_ms(POLL_MS);
	}
	if (rc == 0)
		rc = run_stack_post(sv);
	return rc;
}

long supervise_find(const struct supervise *sv, const char *name)
{
	size_t i;

	for (i = 0; i < sv->c.pl->n; i++)
		if (!strcmp(sv->c.pl->v[i].name, name))
			return (long)i;
	return -1;
}

int supervise_start_one(struct supervise *sv, size_t inst)
{
	bool progressed;
	int rc = start_instance(sv, inst, false);

	while (rc == 0 && sv->inst[inst].state == SUPERVISE_STARTING) {
		progressed = false;
		rc = poll_instances(sv, &progressed);
		if (rc == 0 && sv->inst[inst].state == SUPERVISE_STARTING)
			proc_sleep_ms(POLL_MS);
	}
	return rc;
}

void supervise_memory(const struct supervise *sv, unsigned long long *rss,
		      unsigned long long *pss)
{
	struct proc_mem m;
	size_t i;

	*rss = *pss = 0;
	for (i = 0; i < sv->c.pl->n; i++)
		if (proc_tree_mem(sv->inst[i].pid, &m) == 0) {
			*rss += m.rss_bytes;
			*pss += m.pss_bytes;
		}
}

int supervise_install(const struct stack *s)
{
	char **argv = calloc(s->n_packages + 5, sizeof(*argv));
	size_t i, n = 0;
	pid_t pid;
	int st = -1, rc = 0;

	if (!argv)
		return -ENOMEM;
	if (s->n_packages == 0)
		goto out;
	argv[n++] = "apt-get";
	argv[n++] = "install";
	argv[n++] = "-y";
	argv[n++] = "--no-install-recommends";
	for (i = 0; i < s->n_packages; i++)
		argv[n++] = s->packages[i];
	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		proc_child_prepare();
		execvp(argv[0], argv);
		_exit(127);
	}
	if (pid < 0 || waitpid(pid, &st, 0) < 0 || !WIFEXITED(st) ||
	    WEXITSTATUS(st) != 0)
		rc = -EIO;
out:
	free(argv);
	return rc;
}

int supervise_stop_pid(int pid, unsigned long long start)
{
	return proc_stop(pid, start, SUPERVISE_STOP_GRACE_MS);
}

int supervise_sweep(const char *exp, size_t *found)
{
	char prefix[WORLD_NETNS_MAX + 8];
	unsigned long long *inos = NULL;
	size_t n = 0;
	int rc;

	*found = 0;
	world_netns_prefix(exp, prefix, sizeof(prefix));
	rc = netns_inodes(prefix, &inos, &n);
	if (rc == 0)
		rc = proc_sweep_netns(inos, n, SUPERVISE_STOP_GRACE_MS, found);
	free(inos);
	return rc;
}
