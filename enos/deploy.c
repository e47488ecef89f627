/* deploy — the service supervisor; see deploy.h for what and why.
 *
 * One struct deployment holds what a deploy (or a single `enos service
 * start`) works from: the stack, the placement, the template environment,
 * the node backend of each instance and the progress of each. The deploy
 * loop starts every service whose `after` services are ready, polls the
 * readiness of all started instances every 200 ms, and runs a service's
 * `post` steps once all its instances are ready, then the stack's own
 * `post` steps once every service is. A service its strategy leaves out
 * (count: 0) has no instance and counts as ready from the start, so what
 * comes `after` it does not wait for it; before anything starts, every
 * template of every instance is rendered once, so one naming a left-out
 * service fails the deploy with its FILE:LINE:COL.
 */
#include "enos/deploy.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <netdb.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "emulator/addr.h"
#include "emulator/node.h"
#include "emulator/proc.h"
#include "enos/cli.h"
#include "enos/json.h"
#include "enos/rundir.h"
#include "workloads/place.h"
#include "workloads/stack.h"
#include "enos/state.h"
#include "workloads/template.h"
#include "util/fs.h"

#define POLL_MS        200
#define STOP_GRACE_MS  5000
#define LOG_TAIL_LINES 20
#define NO_READY_MS    1000     /* no `ready`: alive this long after start */

enum inst_state { I_WAIT, I_STARTED, I_READY, I_FAILED };

struct inst_run {
	enum inst_state state;
	int pid;
	unsigned long long start;
	double t0;              /* monotonic, at spawn */
	int log_fd;
	char log_path[PATH_MAX];
};

struct deployment {
	struct enos_ctx *ctx;
	const char *exp;
	const struct world *w;
	struct stack *s;
	const struct stack_strategy *st;
	struct placement pl;
	struct template_env env;
	char exe[PATH_MAX];
	char log_dir[PATH_MAX];
	char svc_dir[PATH_MAX];
	char stack_dir[PATH_MAX];       /* {{stack_dir}}: the stack file's directory */
	const struct node_ops **ops;    /* per instance */
	struct inst_run *ir;            /* per instance */
	bool *svc_ready;                /* per service */
	bool *svc_started;
};

static int rm_one(const char *path, const struct stat *sb, int flag,
		  struct FTW *ftw)
{
	(void)sb;
	(void)ftw;
	if (flag == FTW_DP)
		return rmdir(path) != 0 && errno != ENOENT ? -errno : 0;
	return unlink(path) != 0 && errno != ENOENT ? -errno : 0;
}

/* rm -rf PATH; already gone is success. 0 or -errno. */
static int rm_rf(const char *path)
{
	struct stat sb;
	int rc;

	if (lstat(path, &sb) != 0)
		return errno == ENOENT ? 0 : -errno;
	rc = nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	return rc < 0 ? -errno : rc > 0 ? -EIO : rc;
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
	ssize_t len;
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
	len = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (len > 0) {
		exe[len] = '\0';
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

/* ---- rendering ---- */

/* ARGV of command C for instance I, rendered, with the service's env as
 * `env K=V ...` in front. *OUT is NULL-terminated, free with free_argv. */
static int render_argv(struct deployment *d, size_t i,
		       const struct stack_cmd *c, char ***out)
{
	const struct stack_service *svc = &d->s->services[d->pl.v[i].service];
	size_t n = 0, k, extra = svc->n_env ? svc->n_env + 1 : 0;
	char **v = calloc(c->argc + extra + 1, sizeof(*v));
	char *err = NULL, *val = NULL;
	int rc = 0;

	if (!v)
		return -ENOMEM;
	if (extra && !(v[n++] = strdup("env")))
		rc = -ENOMEM;
	for (k = 0; rc == 0 && k < svc->n_env; k++) {
		rc = template_render(&d->env, i, svc->env[k].value, &val, &err);
		if (rc == 0 && asprintf(&v[n++], "%s=%s", svc->env[k].key, val) < 0) {
			v[n - 1] = NULL;
			rc = -ENOMEM;
		}
		free(val);
		val = NULL;
	}
	for (k = 0; rc == 0 && k < c->argc; k++)
		rc = template_render(&d->env, i, c->argv[k], &v[n++], &err);
	if (rc) {
		cli_error("%s:%d:%d: service '%s': %s", d->s->path, c->pos.line,
			  c->pos.col, svc->name, err ? err : strerror(-rc));
		for (k = 0; k < n; k++)
			free(v[k]);
		free(v);
		v = NULL;
	}
	free(err);
	*out = v;
	return rc;
}

static void free_argv(char **v)
{
	size_t i;

	for (i = 0; v && v[i]; i++)
		free(v[i]);
	free(v);
}

/* Write the service's files for instance I (mode 0644, dirs made). */
static int write_files(struct deployment *d, size_t i)
{
	const struct stack_service *svc = &d->s->services[d->pl.v[i].service];
	char *path = NULL, *content = NULL, *err = NULL, *slash;
	size_t k;
	int rc = 0, fd;

	for (k = 0; k < svc->n_files && rc == 0; k++) {
		rc = template_render(&d->env, i, svc->files[k].path, &path, &err);
		if (rc == 0)
			rc = template_render(&d->env, i, svc->files[k].content,
					     &content, &err);
		if (rc) {
			cli_error("%s: service '%s': file %zu: %s", d->s->path,
				  svc->name, k + 1, err ? err : strerror(-rc));
			break;
		}
		slash = strrchr(path, '/');
		if (slash && slash != path) {
			*slash = '\0';
			rc = fs_mkdir_p(path, 0755);
			*slash = '/';
		}
		fd = rc == 0 ? open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644) : -1;
		if (rc == 0 && fd < 0)
			rc = -errno;
		if (fd >= 0) {
			size_t len = strlen(content);

			if (write(fd, content, len) != (ssize_t)len)
				rc = -EIO;
			close(fd);
		}
		if (rc)
			cli_error("cannot write '%s' for '%s': %s", path,
				  d->pl.v[i].name, strerror(-rc));
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
 * /dev/null), as `ip netns exec NODE ARGV >>LOG 2>&1`. *STATUS: exit status. */
static int exec_logged(struct deployment *d, size_t i, char **argv, int log_fd,
		       int *status)
{
	const struct world_node *n = &d->w->nodes[d->pl.v[i].node];
	int null_fd = -1, save_out, save_err, rc;

	if (log_fd < 0)
		log_fd = null_fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
	fflush(stdout);
	fflush(stderr);
	save_out = dup(STDOUT_FILENO);
	save_err = dup(STDERR_FILENO);
	dup2(log_fd, STDOUT_FILENO);
	dup2(log_fd, STDERR_FILENO);
	rc = d->ops[i]->exec(d->ctx->emu, n, argv, status);
	dup2(save_out, STDOUT_FILENO);
	dup2(save_err, STDERR_FILENO);
	close(save_out);
	close(save_err);
	if (null_fd >= 0)
		close(null_fd);
	return rc;
}

/* Run the one-shot steps CMDS of instance I (WHAT: "setup", "post"); each
 * must exit 0. Steps marked once run for the first instance only. */
static int run_steps(struct deployment *d, size_t i, const struct stack_cmd *cmds,
		     size_t n, const char *what)
{
	char **argv = NULL;
	size_t k;
	int rc = 0, status;

	for (k = 0; k < n && rc == 0; k++) {
		if (cmds[k].once && d->pl.v[i].index != 1)
			continue;
		rc = render_argv(d, i, &cmds[k], &argv);
		if (rc)
			break;
		dprintf(d->ir[i].log_fd, "enos: %s step %zu\n", what, k + 1);
		rc = exec_logged(d, i, argv, d->ir[i].log_fd, &status);
		if (rc == 0 && status != 0)
			rc = -ECHILD;
		if (rc) {
			cli_error("service '%s': %s step %zu ('%s') %s %d",
				  d->pl.v[i].name, what, k + 1, argv[0],
				  rc == -ECHILD ? "exited with status" : "could not run: errno",
				  rc == -ECHILD ? status : -rc);
			print_log_tail(d->ir[i].log_path);
		}
		free_argv(argv);
		argv = NULL;
	}
	return rc;
}

/* ---- records ---- */

static int record(struct deployment *d, size_t i, const char *state,
		  bool has_exit, int status)
{
	int rc = state_service_set(d->ctx->st, d->exp, d->pl.v[i].name,
				   d->ir[i].pid, d->ir[i].start, state,
				   has_exit, status);

	if (rc < 0)
		cli_error("cannot record service '%s': %s", d->pl.v[i].name,
			  state_errmsg(d->ctx->st));
	return rc;
}

/* Record every instance as stopped, pid 0, before any starts, so `down`
 * knows them and their directories. */
static int record_all(struct deployment *d)
{
	struct service_row r;
	size_t i;
	int rc = state_services_forget(d->ctx->st, d->exp);

	for (i = 0; i < d->pl.n && rc == 0; i++) {
		const struct world_node *n = &d->w->nodes[d->pl.v[i].node];

		memset(&r, 0, sizeof(r));
		snprintf(r.instance, sizeof(r.instance), "%s", d->pl.v[i].name);
		snprintf(r.service, sizeof(r.service), "%s",
			 d->s->services[d->pl.v[i].service].name);
		snprintf(r.stack, sizeof(r.stack), "%s", d->s->name);
		snprintf(r.strategy, sizeof(r.strategy), "%s", d->st ? d->st->name : "");
		snprintf(r.node, sizeof(r.node), "%s", n->name);
		snprintf(r.site, sizeof(r.site), "%s", d->w->sites[n->site].name);
		addr_format(n->addr, r.address, sizeof(r.address));
		snprintf(r.state, sizeof(r.state), "stopped");
		snprintf(r.log_path, sizeof(r.log_path), "%s", d->ir[i].log_path);
		template_dir(&d->env, i, NULL, r.dir, sizeof(r.dir));
		r.seq = (int64_t)i;
		rc = state_service_put(d->ctx->st, d->exp, &r);
	}
	if (rc < 0)
		cli_error("cannot record the services of '%s': %s", d->exp,
			  state_errmsg(d->ctx->st));
	return rc;
}

/* ---- starting and readiness ---- */

/* Open instance I's log (append) and make its directories. */
static int open_instance(struct deployment *d, size_t i)
{
	const struct stack_service *svc = &d->s->services[d->pl.v[i].service];
	char dir[PATH_MAX];
	int rc;

	rc = template_dir(&d->env, i, "conf", dir, sizeof(dir));
	if (rc == 0)
		rc = fs_mkdir_p(dir, 0755);
	if (rc == 0 && svc->data_dir) {
		rc = template_dir(&d->env, i, "data", dir, sizeof(dir));
		if (rc == 0)
			rc = fs_mkdir_p(dir, 0755);
		/* Databases (etcd) want their directory private. */
		if (rc == 0 && chmod(dir, 0700) != 0)
			rc = -errno;
	}
	if (rc == 0 && d->ir[i].log_fd < 0) {
		d->ir[i].log_fd = open(d->ir[i].log_path,
				       O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
		if (d->ir[i].log_fd < 0)
			rc = -errno;
	}
	if (rc)
		cli_error("cannot prepare '%s' (%s): %s", d->pl.v[i].name, dir,
			  strerror(-rc));
	return rc;
}

/* Files, setup (SETUP), then spawn instance I in its node. */
static int start_instance(struct deployment *d, size_t i, bool setup)
{
	const struct stack_service *svc = &d->s->services[d->pl.v[i].service];
	const struct world_node *n = &d->w->nodes[d->pl.v[i].node];
	struct proc_info pi;
	char **argv = NULL;
	int rc;

	rc = open_instance(d, i);
	if (rc == 0)
		rc = write_files(d, i);
	if (rc == 0 && setup)
		rc = run_steps(d, i, svc->setup, svc->n_setup, "setup");
	if (rc == 0)
		rc = render_argv(d, i, &svc->command, &argv);
	if (rc == 0) {
		dprintf(d->ir[i].log_fd, "enos: starting %s on node %s\n",
			d->pl.v[i].name, n->name);
		rc = d->ops[i]->spawn(d->ctx->emu, n, argv, d->ir[i].log_fd,
				      &d->ir[i].pid);
		if (rc == -ENOTSUP)
			cli_error("service '%s' cannot run on node '%s': its backend '%s' cannot start services",
				  d->pl.v[i].name, n->name, n->backend);
		else if (rc < 0)
			cli_error("cannot start service '%s' on node '%s' ('%s'): %s",
				  d->pl.v[i].name, n->name, argv[0], strerror(-rc));
	}
	free_argv(argv);
	if (rc < 0) {
		d->ir[i].state = I_FAILED;
		return rc;
	}
	d->ir[i].start = proc_info(d->ir[i].pid, &pi) == 0 ? pi.starttime : 0;
	d->ir[i].t0 = cli_now();
	d->ir[i].state = I_STARTED;
	return record(d, i, "starting", false, 0);
}

/* Is instance I ready? 1 yes, 0 not yet. */
static int probe(struct deployment *d, size_t i)
{
	const struct stack_service *svc = &d->s->services[d->pl.v[i].service];
	char *argv[8] = { 0 }, port[16], status[16], addr[32];
	char *host = NULL, *url = NULL, *err = NULL, **cmd = NULL;
	int rc = 0, st = -1;

	switch (svc->ready) {
	case READY_NONE:
		return cli_now() - d->ir[i].t0 >= NO_READY_MS / 1000.0;
	case READY_TCP:
		if (svc->ready_host)
			rc = template_render(&d->env, i, svc->ready_host, &host, &err);
		snprintf(port, sizeof(port), "%u", svc->ready_port);
		argv[0] = d->exe;
		argv[1] = "probe-ready";
		argv[2] = "tcp";
		argv[3] = host ? host : (char *)addr_format(d->w->nodes[d->pl.v[i].node].addr,
							    addr, sizeof(addr));
		argv[4] = port;
		if (rc == 0)
			rc = exec_logged(d, i, argv, -1, &st);
		break;
	case READY_HTTP:
		rc = template_render(&d->env, i, svc->ready_url, &url, &err);
		snprintf(status, sizeof(status), "%d", svc->ready_status);
		argv[0] = d->exe;
		argv[1] = "probe-ready";
		argv[2] = "http";
		argv[3] = url;
		argv[4] = status;
		if (rc == 0)
			rc = exec_logged(d, i, argv, -1, &st);
		break;
	case READY_COMMAND:
		rc = render_argv(d, i, &svc->ready_cmd, &cmd);
		if (rc == 0)
			rc = exec_logged(d, i, cmd, d->ir[i].log_fd, &st);
		break;
	}
	free(host);
	free(url);
	free(err);
	free_argv(cmd);
	return rc == 0 && st == 0;
}

/* Say why instance I failed, with its log tail. */
static void say_failed(struct deployment *d, size_t i, const char *why)
{
	const struct stack_service *svc = &d->s->services[d->pl.v[i].service];

	cli_error("service '%s' on node '%s' did not become ready in %.0f s: %s",
		  d->pl.v[i].name, d->w->nodes[d->pl.v[i].node].name,
		  (double)svc->timeout_us / 1e6, why);
	print_log_tail(d->ir[i].log_path);
}

/* One readiness round over the started instances. 0, or -ETIMEDOUT /
 * -ECHILD when one failed (printed). */
static int poll_instances(struct deployment *d, bool *progressed)
{
	size_t i;
	int status, rc = 0;
	char why[128];

	for (i = 0; i < d->pl.n && rc == 0; i++) {
		const struct stack_service *svc = &d->s->services[d->pl.v[i].service];

		if (d->ir[i].state != I_STARTED)
			continue;
		if (!proc_alive(d->ir[i].pid, d->ir[i].start, &status)) {
			snprintf(why, sizeof(why), "it exited with status %d", status);
			d->ir[i].state = I_FAILED;
			record(d, i, "failed", status >= 0, status);
			say_failed(d, i, why);
			rc = -ECHILD;
		} else if (probe(d, i)) {
			d->ir[i].state = I_READY;
			*progressed = true;
			rc = record(d, i, "running", false, 0);
			if (d->ctx->progress)
				fprintf(stderr, "ready: %s on %s (%.1f s)\n", d->pl.v[i].name,
					d->w->nodes[d->pl.v[i].node].name,
					cli_now() - d->ir[i].t0);
		} else if (cli_now() - d->ir[i].t0 > (double)svc->timeout_us / 1e6) {
			d->ir[i].state = I_FAILED;
			record(d, i, "failed", false, 0);
			say_failed(d, i, svc->ready == READY_TCP ? "its port does not answer" :
				   svc->ready == READY_HTTP ? "its URL does not answer as expected" :
				   "its ready command keeps failing");
			rc = -ETIMEDOUT;
		}
	}
	return rc;
}

/* Are all of service S's `after` services ready? */
static bool deps_ready(const struct deployment *d, size_t s)
{
	const struct stack_service *svc = &d->s->services[s];
	size_t k;

	for (k = 0; k < svc->n_after; k++)
		if (!d->svc_ready[stack_service_index(d->s, svc->after[k])])
			return false;
	return true;
}

/* Start each service whose dependencies are ready; run post of each whose
 * instances all are. */
static int advance(struct deployment *d, bool *progressed)
{
	size_t s, i;
	bool all;
	int rc = 0;

	for (s = 0; s < d->s->n_services && rc == 0; s++) {
		if (!d->svc_started[s] && deps_ready(d, s)) {
			d->svc_started[s] = true;
			*progressed = true;
			if (d->ctx->progress)
				fprintf(stderr, "starting %s (%zu instances)\n",
					d->s->services[s].name, place_count(&d->pl, s));
			for (i = 0; i < d->pl.n && rc == 0; i++)
				if (d->pl.v[i].service == s)
					rc = start_instance(d, i, true);
		}
		if (d->svc_ready[s] || !d->svc_started[s])
			continue;
		for (all = true, i = 0; i < d->pl.n; i++)
			if (d->pl.v[i].service == s && d->ir[i].state != I_READY)
				all = false;
		if (!all)
			continue;
		for (i = 0; i < d->pl.n && rc == 0; i++)
			if (d->pl.v[i].service == s)
				rc = run_steps(d, i, d->s->services[s].post,
					       d->s->services[s].n_post, "post");
		d->svc_ready[s] = rc == 0;
		*progressed = true;
	}
	return rc;
}

/* Stop every instance this deployment started (after a failure). */
static void stop_started(struct deployment *d)
{
	size_t i;

	for (i = 0; i < d->pl.n; i++) {
		if (d->ir[i].pid <= 0)
			continue;
		proc_stop(d->ir[i].pid, d->ir[i].start, STOP_GRACE_MS);
		if (d->ir[i].state != I_FAILED)
			record(d, i, "stopped", false, 0);
	}
}

/* ---- the stack's own post steps ---- */

/* The instance a stack-level step runs on, or -1. */
static long step_instance(const struct deployment *d, const struct stack_step *st)
{
	size_t i;

	for (i = 0; i < d->pl.n; i++)
		if (d->pl.v[i].service == st->service && d->pl.v[i].index == st->index)
			return (long)i;
	return -1;
}

/* Run the stack's `post` steps, in order, each in the node of its
 * instance with that instance's environment and log; each must exit 0. */
static int run_stack_post(struct deployment *d)
{
	char **argv = NULL;
	size_t k;
	long i;
	int rc = 0, status;

	for (k = 0; k < d->s->n_post && rc == 0; k++) {
		i = step_instance(d, &d->s->post[k]);
		if (i < 0)
			return -ENOENT;         /* check_templates said so */
		rc = render_argv(d, (size_t)i, &d->s->post[k].run, &argv);
		if (rc)
			break;
		if (d->ctx->progress)
			fprintf(stderr, "stack post step %zu on %s\n", k + 1,
				d->pl.v[i].name);
		dprintf(d->ir[i].log_fd, "enos: stack post step %zu\n", k + 1);
		rc = exec_logged(d, (size_t)i, argv, d->ir[i].log_fd, &status);
		if (rc == 0 && status != 0)
			rc = -ECHILD;
		if (rc) {
			cli_error("stack '%s': post step %zu on '%s' ('%s') %s %d",
				  d->s->name, k + 1, d->pl.v[i].name, argv[0],
				  rc == -ECHILD ? "exited with status" : "could not run: errno",
				  rc == -ECHILD ? status : -rc);
			print_log_tail(d->ir[i].log_path);
		}
		free_argv(argv);
		argv = NULL;
	}
	return rc;
}

/* ---- planning: every template once, before anything starts ---- */

/* Render TEXT for instance I; on error print it at POS of the stack file
 * with WHAT (the field). 0 or -errno. */
static int check_one(const struct deployment *d, size_t i, const char *text,
		     struct src_pos pos, const char *what)
{
	char *out = NULL, *err = NULL;
	int rc = template_render(&d->env, i, text, &out, &err);

	if (rc)
		cli_error("%s:%d:%d: service '%s' (instance '%s', %s): %s", d->s->path,
			  pos.line, pos.col, d->s->services[d->pl.v[i].service].name,
			  d->pl.v[i].name, what, err ? err : strerror(-rc));
	free(out);
	free(err);
	return rc;
}

static int check_cmds(const struct deployment *d, size_t i,
		      const struct stack_cmd *c, size_t n, const char *what)
{
	size_t k, a;
	int rc = 0;

	for (k = 0; k < n && rc == 0; k++)
		for (a = 0; a < c[k].argc && rc == 0; a++)
			rc = check_one(d, i, c[k].argv[a], c[k].pos, what);
	return rc;
}

/* Every template of instance I (env, files, setup, command, ready, post). */
static int check_instance(const struct deployment *d, size_t i)
{
	const struct stack_service *svc = &d->s->services[d->pl.v[i].service];
	size_t k;
	int rc = 0;

	for (k = 0; k < svc->n_env && rc == 0; k++)
		rc = check_one(d, i, svc->env[k].value, svc->pos, "env");
	for (k = 0; k < svc->n_files && rc == 0; k++) {
		rc = check_one(d, i, svc->files[k].path, svc->files[k].pos, "files");
		if (rc == 0)
			rc = check_one(d, i, svc->files[k].content, svc->files[k].pos,
				       "files");
	}
	if (rc == 0)
		rc = check_cmds(d, i, svc->setup, svc->n_setup, "setup");
	if (rc == 0)
		rc = check_cmds(d, i, &svc->command, 1, "command");
	if (rc == 0 && svc->ready_host)
		rc = check_one(d, i, svc->ready_host, svc->pos, "ready");
	if (rc == 0 && svc->ready_url)
		rc = check_one(d, i, svc->ready_url, svc->pos, "ready");
	if (rc == 0 && svc->ready == READY_COMMAND)
		rc = check_cmds(d, i, &svc->ready_cmd, 1, "ready");
	if (rc == 0)
		rc = check_cmds(d, i, svc->post, svc->n_post, "post");
	return rc;
}

/* Render every template of the deployment once, so that one naming a
 * service the strategy leaves out (or any other template error) stops the
 * deploy before anything starts, with its place in the stack file. */
static int check_templates(const struct deployment *d)
{
	const struct stack_step *st;
	size_t i, k;
	long on;
	int rc = 0;

	for (i = 0; i < d->pl.n && rc == 0; i++)
		rc = check_instance(d, i);
	for (k = 0; k < d->s->n_post && rc == 0; k++) {
		st = &d->s->post[k];
		on = step_instance(d, st);
		if (on < 0) {
			cli_error("%s:%d:%d: post step %zu: on '%s': strategy '%s' gives service '%s' %zu instances",
				  d->s->path, st->pos.line, st->pos.col, k + 1, st->on,
				  d->st ? d->st->name : "default",
				  d->s->services[st->service].name,
				  place_count(&d->pl, st->service));
			rc = -ENOENT;
			break;
		}
		for (i = 0; i < st->run.argc && rc == 0; i++)
			rc = check_one(d, (size_t)on, st->run.argv[i], st->run.pos, "stack post");
	}
	return rc;
}

/* The absolute directory of stack file PATH into OUT. 0 or -errno. */
static int stack_dir_of(const char *path, char *out, size_t len)
{
	char real[PATH_MAX], *slash;

	if (!realpath(path, real)) {
		cli_error("cannot resolve '%s': %s", path, strerror(errno));
		return -errno;
	}
	slash = strrchr(real, '/');
	if (slash && slash != real)
		*slash = '\0';
	if (snprintf(out, len, "%s", real) >= (int)len)
		return -ENAMETOOLONG;
	return 0;
}

/* ---- the deployment context ---- */

static void deployment_release(struct deployment *d)
{
	size_t i;

	for (i = 0; d->ir && i < d->pl.n; i++)
		if (d->ir[i].log_fd >= 0)
			close(d->ir[i].log_fd);
	free(d->ir);
	free(d->ops);
	free(d->svc_ready);
	free(d->svc_started);
	place_release(&d->pl);
	stack_free(d->s);
}

/* Load T's stack, place it on W, check backends; LOG_DIR: where logs go
 * (NULL: results/EXP/RUN/services under the current directory). */
static int deployment_init(struct deployment *d, struct enos_ctx *ctx,
			   const struct topology *t, const struct world *w,
			   int64_t run, const char *log_dir)
{
	char path[PATH_MAX];
	char *err = NULL;
	ssize_t n;
	size_t i;
	int rc;

	memset(d, 0, sizeof(*d));
	d->ctx = ctx;
	d->exp = t->name;
	d->w = w;
	n = readlink("/proc/self/exe", d->exe, sizeof(d->exe) - 1);
	if (n > 0)
		d->exe[n] = '\0';
	rc = stack_find(t->stack_name, n > 0 ? d->exe : NULL, path, sizeof(path));
	if (rc < 0) {
		cli_error("no stack '%s': %s not found", t->stack_name, path);
		cli_hint("stacks live in workloads/stacks/ (or $ENOS_STACKS_DIR)");
		return rc;
	}
	d->s = stack_load(path, &err);
	if (!d->s) {
		fprintf(stderr, "%s\n", err ? err : "error: out of memory");
		free(err);
		return -EINVAL;
	}
	d->st = stack_strategy_find(d->s, t->stack_strategy);
	if (!d->st && t->stack_strategy) {
		cli_error("stack '%s' has no strategy '%s'", d->s->name, t->stack_strategy);
		return -ENOENT;
	}
	rc = place_stack(d->s, d->st, t, w, &d->pl, &err);
	if (rc) {
		cli_error("%s", err ? err : strerror(-rc));
		free(err);
		return rc;
	}
	if (log_dir) {
		n = snprintf(d->log_dir, sizeof(d->log_dir), "%s", log_dir);
		rc = n < 0 || (size_t)n >= sizeof(d->log_dir) ? -ENAMETOOLONG : 0;
	} else {
		rc = rundir_run_services(t->name, run, d->log_dir, sizeof(d->log_dir));
	}
	if (rc == 0)
		rc = rundir_services(ctx->db_path, t->name, d->svc_dir, sizeof(d->svc_dir));
	if (rc == 0)
		rc = stack_dir_of(d->s->path, d->stack_dir, sizeof(d->stack_dir));
	d->env = (struct template_env){ .stack = d->s, .pl = &d->pl, .w = w,
					.experiment = t->name, .log_dir = d->log_dir,
					.svc_dir = d->svc_dir, .topo = t,
					.stack_dir = d->stack_dir,
					.strategy = d->st ? d->st->name : NULL };
	d->ops = calloc(d->pl.n + 1, sizeof(*d->ops));
	d->ir = calloc(d->pl.n + 1, sizeof(*d->ir));
	d->svc_ready = calloc(d->s->n_services + 1, sizeof(bool));
	d->svc_started = calloc(d->s->n_services + 1, sizeof(bool));
	if (rc == 0 && (!d->ops || !d->ir || !d->svc_ready || !d->svc_started))
		rc = -ENOMEM;
	for (i = 0; rc == 0 && i < d->pl.n; i++) {
		const struct world_node *node = &w->nodes[d->pl.v[i].node];

		d->ir[i].log_fd = -1;
		if (snprintf(d->ir[i].log_path, sizeof(d->ir[i].log_path), "%s/%s.log",
			     d->log_dir, d->pl.v[i].name) >= (int)sizeof(d->ir[i].log_path)) {
			rc = -ENAMETOOLONG;
			break;
		}
		d->ops[i] = node_ops_find(node->backend);
		if (!d->ops[i] || !d->ops[i]->spawn) {
			cli_error("service '%s' cannot run on node '%s': its backend '%s' cannot start services",
				  d->pl.v[i].name, node->name, node->backend);
			cli_hint("place the service on netns or lxc nodes (strategy '%s')",
				 d->st ? d->st->name : "default");
			rc = -ENOTSUP;
		}
	}
	for (; d->ir && i < d->pl.n; i++)
		d->ir[i].log_fd = -1;
	if (rc == -ENAMETOOLONG || rc == -ENOMEM)
		cli_error("cannot deploy '%s': %s", t->name, strerror(-rc));
	/* Left out by the strategy: nothing to start, nothing to wait for. */
	for (i = 0; rc == 0 && i < d->s->n_services; i++)
		if (stack_rule_omits(stack_rule_for(d->st, &d->s->services[i])))
			d->svc_started[i] = d->svc_ready[i] = true;
	if (rc == 0)
		rc = check_templates(d);
	return rc;
}

/* apt-get install the stack's packages on the host. */
static int install_packages(const struct stack *s)
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
	fprintf(stderr, "installing %zu packages of stack '%s' with apt-get\n",
		s->n_packages, s->name);
	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		execvp(argv[0], argv);
		_exit(127);
	}
	if (pid < 0 || waitpid(pid, &st, 0) < 0 || !WIFEXITED(st) ||
	    WEXITSTATUS(st) != 0) {
		cli_error("apt-get install of the packages of stack '%s' failed", s->name);
		rc = -EIO;
	}
out:
	free(argv);
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

int deploy_estimate(const struct topology *t, const struct world *w,
		    bool quiet)
{
	unsigned long long avail = 0, need;
	const struct stack_strategy *st;
	struct placement pl = { 0 };
	struct stack *s = NULL;
	char path[PATH_MAX], exe[PATH_MAX], msg[160], *err = NULL;
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	size_t k;
	int rc;

	if (n > 0)
		exe[n] = '\0';
	rc = stack_find(t->stack_name, n > 0 ? exe : NULL, path, sizeof(path));
	if (rc < 0) {
		cli_error("no stack '%s': %s not found", t->stack_name, path);
		goto out;
	}
	s = stack_load(path, &err);
	if (!s) {
		fprintf(stderr, "%s\n", err ? err : "error: out of memory");
		rc = -EINVAL;
		goto out;
	}
	st = stack_strategy_find(s, t->stack_strategy);
	if (!st && t->stack_strategy) {
		cli_error("stack '%s' has no strategy '%s'", s->name, t->stack_strategy);
		rc = -ENOENT;
		goto out;
	}
	rc = place_stack(s, st, t, w, &pl, &err);
	if (rc < 0) {
		cli_error("%s", err ? err : strerror(-rc));
		goto out;
	}
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
	free(err);
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

/* Remove the instance logs a run of the same number left (another state
 * database's experiment of the same name): a readiness check that greps
 * its log must not find the old run's line. 0 or -errno (printed). */
static int fresh_logs(const struct deployment *d)
{
	size_t i;

	for (i = 0; i < d->pl.n; i++)
		if (unlink(d->ir[i].log_path) != 0 && errno != ENOENT) {
			cli_error("cannot remove the old log '%s': %s", d->ir[i].log_path,
				  strerror(errno));
			return -errno;
		}
	return 0;
}

/* Is any instance of EXP recorded as running or starting with a live pid? */
static bool already_deployed(struct enos_ctx *ctx, const char *exp)
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

/* The RSS and PSS of every instance started, each instance's whole
 * process tree (proc_tree_mem), in bytes into *RSS and *PSS. */
static void stack_mem(const struct deployment *d, unsigned long long *rss,
		      unsigned long long *pss)
{
	struct proc_mem m;
	size_t i;

	*rss = *pss = 0;
	for (i = 0; i < d->pl.n; i++)
		if (proc_tree_mem(d->ir[i].pid, &m) == 0) {
			*rss += m.rss_bytes;
			*pss += m.pss_bytes;
		}
}

int deploy_stack(struct enos_ctx *ctx, const struct topology *t,
		 const struct world *w, int64_t run, bool install)
{
	struct deployment d;
	double t0 = cli_now();
	unsigned long long rss, pss;
	bool progressed;
	size_t s, done;
	int rc;

	rc = deployment_init(&d, ctx, t, w, run, NULL);
	if (rc == 0)
		rc = check_memory(&d);
	if (rc == 0 && already_deployed(ctx, t->name)) {
		cli_error("stack '%s' is already deployed on '%s'", d.s->name, t->name);
		cli_hint("'enos services -n %s' lists it; 'enos down -n %s' removes it",
			 t->name, t->name);
		rc = -EEXIST;
	}
	if (rc == 0 && install)
		rc = install_packages(d.s);
	if (rc == 0) {
		/* A fresh service tree: a failed deploy may have left one. */
		rc = rm_rf(d.svc_dir);
		if (rc == 0)
			rc = fs_mkdir_p(d.svc_dir, 0755);
		if (rc == 0)
			rc = fs_mkdir_p(d.log_dir, 0755);
		if (rc < 0)
			cli_error("cannot make '%s' or '%s': %s", d.svc_dir, d.log_dir,
				  strerror(-rc));
	}
	if (rc == 0)
		rc = fresh_logs(&d);
	if (rc == 0)
		rc = record_all(&d);
	if (rc < 0)
		goto out;
	printf("deploying stack '%s' (strategy '%s'): %zu instance%s of %zu service%s\n",
	       d.s->name, d.st ? d.st->name : "default", d.pl.n,
	       d.pl.n == 1 ? "" : "s", d.s->n_services,
	       d.s->n_services == 1 ? "" : "s");
	fflush(stdout);
	for (;;) {
		progressed = false;
		rc = advance(&d, &progressed);
		if (rc == 0)
			rc = poll_instances(&d, &progressed);
		for (done = 0, s = 0; s < d.s->n_services; s++)
			done += d.svc_ready[s];
		if (rc < 0 || done == d.s->n_services)
			break;
		if (!progressed)
			proc_sleep_ms(POLL_MS);
	}
	if (rc == 0)
		rc = run_stack_post(&d);
	if (rc < 0) {
		stop_started(&d);
		cli_hint("logs in %s; 'enos services -n %s' shows the instances",
			 d.log_dir, t->name);
		goto out;
	}
	stack_mem(&d, &rss, &pss);
	if (run) {
		state_result_add(ctx->st, run, "deploy_seconds", d.s->name,
				 d.st ? d.st->name : "default", cli_now() - t0, "s");
		state_result_add(ctx->st, run, "stack_rss_bytes", d.s->name,
				 d.st ? d.st->name : "default", (double)rss, "B");
		state_result_add(ctx->st, run, "stack_pss_bytes", d.s->name,
				 d.st ? d.st->name : "default", (double)pss, "B");
		state_fact_add(ctx->st, run, "stack", d.s->name);
		state_fact_add(ctx->st, run, "stack_strategy", d.st ? d.st->name : "default");
	}
	printf("stack '%s' (strategy '%s') is up: %zu instance%s in %.2f s, RSS %.1f MiB, PSS %.1f MiB\n",
	       d.s->name, d.st ? d.st->name : "default", d.pl.n,
	       d.pl.n == 1 ? "" : "s", cli_now() - t0,
	       rss / 1048576.0, pss / 1048576.0);
out:
	deployment_release(&d);
	return rc;
}

/* ---- down ---- */

/* Inodes of the network namespaces under /run/netns named enos.NAME.*. */
static int netns_inodes(const char *name, unsigned long long **inos, size_t *n)
{
	char prefix[WORLD_NETNS_MAX + 8], path[PATH_MAX];
	struct dirent *de;
	struct stat sb;
	size_t cap = 0;
	DIR *dir;

	*inos = NULL;
	*n = 0;
	world_netns_prefix(name, prefix, sizeof(prefix));
	dir = opendir("/run/netns");
	if (!dir)
		return errno == ENOENT ? 0 : -errno;
	while ((de = readdir(dir))) {
		if (strncmp(de->d_name, prefix, strlen(prefix)))
			continue;
		snprintf(path, sizeof(path), "/run/netns/%s", de->d_name);
		if (stat(path, &sb) != 0)
			continue;
		if (*n == cap) {
			unsigned long long *nv;

			cap = cap ? cap * 2 : 16;
			nv = realloc(*inos, cap * sizeof(*nv));
			if (!nv) {
				closedir(dir);
				return -ENOMEM;
			}
			*inos = nv;
		}
		(*inos)[(*n)++] = (unsigned long long)sb.st_ino;
	}
	closedir(dir);
	return 0;
}

int deploy_down(struct enos_ctx *ctx, const char *name)
{
	struct service_row *rows = NULL;
	unsigned long long *inos = NULL;
	char dir[PATH_MAX];
	size_t n = 0, i, swept = 0;
	int rc, e;

	rc = state_services(ctx->st, name, &rows, &n);
	if (rc < 0) {
		cli_error("cannot read the services of '%s': %s", name,
			  state_errmsg(ctx->st));
		goto out;
	}
	for (i = 0; i < n; i++) {
		e = proc_stop(rows[i].pid, rows[i].starttime, STOP_GRACE_MS);
		if (e < 0 && rc == 0) {
			cli_error("cannot stop service '%s' (pid %d): %s",
				  rows[i].instance, rows[i].pid, strerror(-e));
			rc = e;
		}
	}
	/* What a killed deploy started but never recorded. */
	e = netns_inodes(name, &inos, &swept);
	if (e == 0)
		e = proc_sweep_netns(inos, swept, STOP_GRACE_MS, &swept);
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
	if (rc == 0 && (e = rm_rf(dir)) < 0) {
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
	free(inos);
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

int deploy_list(struct enos_ctx *ctx, const char *name, bool json)
{
	struct service_row *rows = NULL;
	struct proc_mem m;
	struct json j;
	size_t n = 0, i;
	double now = (double)time(NULL);
	int rc = state_services(ctx->st, name, &rows, &n);

	if (rc < 0) {
		cli_error("cannot read the services of '%s': %s", name,
			  state_errmsg(ctx->st));
		return rc;
	}
	for (i = 0; i < n; i++)
		refresh(ctx, name, &rows[i]);
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
			json_key(&j, "pss_bytes");
			if (live && m.has_pss)
				json_int(&j, (int64_t)m.pss_bytes);
			else
				json_null(&j);
			json_key(&j, "processes");
			json_int(&j, live ? (int64_t)m.n_procs : 0);
			json_key_str(&j, "log", rows[i].log_path);
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
	printf("%-16s %-12s %-14s %-12s %-15s %7s %-8s %8s %4s %8s %8s\n", "INSTANCE",
	       "SERVICE", "NODE", "SITE", "ADDRESS", "PID", "STATE", "UPTIME", "PROC",
	       "RSS", "PSS");
	for (i = 0; i < n; i++) {
		bool live = !strcmp(rows[i].state, "running") ||
			    !strcmp(rows[i].state, "starting");
		char up[32] = "-", rss[32] = "-", pss[32] = "-", procs[16] = "-", state[32];

		if (live)
			snprintf(up, sizeof(up), "%.0fs", now - rows[i].started);
		if (live && proc_tree_mem(rows[i].pid, &m) == 0) {
			snprintf(rss, sizeof(rss), "%.1fM", m.rss_bytes / 1048576.0);
			snprintf(procs, sizeof(procs), "%u", m.n_procs);
			if (m.has_pss)
				snprintf(pss, sizeof(pss), "%.1fM", m.pss_bytes / 1048576.0);
		}
		if (rows[i].has_exit)
			snprintf(state, sizeof(state), "%s(%d)", rows[i].state,
				 rows[i].exit_status);
		else
			snprintf(state, sizeof(state), "%s", rows[i].state);
		printf("%-16s %-12s %-14s %-12s %-15s %7d %-8s %8s %4s %8s %8s\n",
		       rows[i].instance, rows[i].service, rows[i].node, rows[i].site,
		       rows[i].address, rows[i].pid, state, up, procs, rss, pss);
	}
out:
	free(rows);
	return 0;
}

/* Start instance NAME of an experiment: reload its topology and stack,
 * place it again (deterministic), spawn it and wait until it is ready. */
static int start_one(struct enos_ctx *ctx, const char *exp,
		     const struct service_row *row)
{
	struct topology *t = NULL;
	struct world w = { 0 };
	struct exp_info info;
	struct deployment d = { 0 };
	char *err = NULL, log_dir[PATH_MAX], *slash;
	bool progressed;
	size_t i;
	int rc;

	rc = state_get(ctx->st, exp, &info);
	if (rc == 0)
		rc = state_load_world(ctx->st, exp, &w);
	if (rc < 0) {
		cli_error("cannot read experiment '%s': %s", exp, state_errmsg(ctx->st));
		goto out;
	}
	t = topo_load(info.topo_path, &err);
	if (!t) {
		fprintf(stderr, "%s\n", err ? err : "error: out of memory");
		rc = -EINVAL;
		goto out;
	}
	snprintf(log_dir, sizeof(log_dir), "%s", row->log_path);
	slash = strrchr(log_dir, '/');
	if (slash)
		*slash = '\0';
	rc = deployment_init(&d, ctx, t, &w, 0, log_dir);
	if (rc < 0)
		goto out;
	for (i = 0; i < d.pl.n && strcmp(d.pl.v[i].name, row->instance); i++)
		;
	if (i == d.pl.n) {
		cli_error("instance '%s' is not in the placement of stack '%s' any more",
			  row->instance, d.s->name);
		rc = -ENOENT;
		goto out;
	}
	rc = start_instance(&d, i, false);
	while (rc == 0 && d.ir[i].state == I_STARTED) {
		progressed = false;
		rc = poll_instances(&d, &progressed);
		if (rc == 0 && d.ir[i].state == I_STARTED)
			proc_sleep_ms(POLL_MS);
	}
	if (rc == 0)
		printf("service '%s' is running on node '%s' (pid %d)\n", row->instance,
		       row->node, d.ir[i].pid);
out:
	deployment_release(&d);
	topo_free(t);
	free(err);
	state_world_free(&w);
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
		rc = proc_stop(rows[i].pid, rows[i].starttime, STOP_GRACE_MS);
		if (rc == 0)
			rc = state_service_set(ctx->st, name, instance, rows[i].pid,
					       rows[i].starttime, "stopped", false, 0);
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

/* Connect to HOST:PORT within 1 s. Returns the socket or -1. */
static int connect_to(const char *host, const char *port)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *ai = NULL;
	struct pollfd pfd;
	int fd = -1, err = 0;
	socklen_t len = sizeof(err);

	if (getaddrinfo(host, port, &hints, &ai) != 0 || !ai)
		return -1;
	fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd >= 0 && connect(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
		pfd.fd = fd;
		pfd.events = POLLOUT;
		if (errno != EINPROGRESS || poll(&pfd, 1, 1000) != 1 ||
		    getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0 || err) {
			close(fd);
			fd = -1;
		}
	}
	freeaddrinfo(ai);
	if (fd >= 0)
		fcntl(fd, F_SETFL, 0);
	return fd;
}

/* GET URL (http://HOST[:PORT]/PATH); 0 if the answer's status is STATUS. */
static int probe_http(const char *url, const char *status)
{
	char host[256], port[16] = "80", req[1024], buf[64];
	const char *h = url + 7, *path = strchr(h, '/'), *colon;
	size_t hl = path ? (size_t)(path - h) : strlen(h);
	struct timeval tv = { 2, 0 };
	ssize_t got;
	int fd, rc = 1;

	if (strncmp(url, "http://", 7) || hl == 0 || hl >= sizeof(host))
		return 2;
	snprintf(host, sizeof(host), "%.*s", (int)hl, h);
	colon = strrchr(host, ':');
	if (colon) {
		snprintf(port, sizeof(port), "%s", colon + 1);
		host[colon - host] = '\0';
	}
	fd = connect_to(host, port);
	if (fd < 0)
		return 1;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	snprintf(req, sizeof(req), "GET %s HTTP/1.0\r\nHost: %.*s\r\n\r\n",
		 path ? path : "/", (int)hl, h);
	if (write(fd, req, strlen(req)) == (ssize_t)strlen(req)) {
		got = read(fd, buf, sizeof(buf) - 1);
		if (got >= 12) {
			buf[got] = '\0';
			rc = !strncmp(buf, "HTTP/1.", 7) && !strncmp(buf + 9, status, 3) ? 0 : 1;
		}
	}
	close(fd);
	return rc;
}

int deploy_probe(int argc, char **argv)
{
	int fd;

	if (argc == 4 && !strcmp(argv[1], "tcp")) {
		fd = connect_to(argv[2], argv[3]);
		if (fd < 0)
			return 1;
		close(fd);
		return 0;
	}
	if (argc == 4 && !strcmp(argv[1], "http"))
		return probe_http(argv[2], argv[3]);
	return 2;
}
