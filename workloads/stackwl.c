/* stackwl — a stack's workloads as workload kinds; see stackwl.h.
 *
 * One job: render, spawn, read, stop, reap, import. The loop reads the
 * program's stdout in slices of at most POLL_MS so it sees the job's stop
 * flag and the timeout in time, and it ends when both the program has
 * exited and its stdout is closed: a descendant that keeps the pipe open
 * after the program exits is given EXIT_DRAIN_MS, then the session is
 * killed.
 */
#include "workloads/stackwl.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>

#include "emulator/node.h"
#include "emulator/proc.h"
#include "util/escape.h"
#include "util/fs.h"
#include "util/str.h"
#include "util/strbuf.h"
#include "workloads/jsonl.h"
#include "workloads/rally.h"
#include "workloads/template.h"

#define POLL_MS        100
#define EXIT_DRAIN_MS  2000
#define KILL_WAIT_MS   10000
#define READ_CHUNK     (64 * 1024)
#define LOG_TAIL_LINES 15
#define LOG_TAIL_BYTES 4096

/* What a kind made from a stack workload carries (wl_kind.data). */
struct kind_data {
	const struct stack *s;
	const struct stack_workload *sw;
	struct wl_option opts[WL_OPTIONS_MAX + 1];
	char summary[160];
	bool bound;
	struct wl_stack_env env;
	char stack_dir[PATH_MAX];
	struct placement *own_pl;       /* wl_stack_kinds_place's (kinds[0]
					 * owns it), or NULL */
};

static int stack_run(const struct wl_job *job, wl_emit_fn emit, void *arg,
		     char **err);

static int wfail(char **err, int rc, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int wfail(char **err, int rc, const char *fmt, ...)
{
	va_list ap;

	if (*err)
		return rc;
	va_start(ap, fmt);
	*err = str_vprintf(fmt, ap);
	va_end(ap);
	return rc;
}

/* ---- kinds ---- */

static const char *const type_help[] = { "a count", "a size (KiB, MiB, GiB)",
					 "a time (us, ms, s)", "text" };

int wl_stack_kinds(const struct stack *s, struct wl_kind **kinds, size_t *n,
		   char **err)
{
	struct kind_data *d;
	size_t i, k;

	*err = NULL;
	*kinds = NULL;
	*n = 0;
	if (!s->n_workloads)
		return 0;
	*kinds = calloc(s->n_workloads, sizeof(**kinds));
	if (!*kinds)
		return wfail(err, -ENOMEM, "out of memory");
	for (i = 0; i < s->n_workloads; i++) {
		const struct stack_workload *sw = &s->workloads[i];
		struct wl_kind *kd = &(*kinds)[i];

		d = calloc(1, sizeof(*d));
		if (!d) {
			wl_stack_kinds_free(*kinds, i);
			*kinds = NULL;
			return wfail(err, -ENOMEM, "out of memory");
		}
		d->s = s;
		d->sw = sw;
		for (k = 0; k < sw->n_options && k < WL_OPTIONS_MAX; k++) {
			const struct stack_wl_option *o = &sw->options[k];

			d->opts[k] = (struct wl_option){
				.name = o->name, .type = o->type, .min = o->min,
				.max = o->max, .def = o->def,
				.help = o->help ? o->help : type_help[o->type],
			};
		}
		snprintf(d->summary, sizeof(d->summary), "%s%s(stack '%s')",
			 sw->description ? sw->description : "",
			 sw->description ? " " : "", s->name);
		*kd = (struct wl_kind){ .name = sw->name, .summary = d->summary,
					.options = d->opts, .from = sw->from,
					.service = sw->service, .run = stack_run,
					.data = d };
	}
	*n = s->n_workloads;
	return 0;
}

/* Free the placement wl_stack_kinds_place() made for KINDS, if any. */
static void free_own_placement(struct wl_kind *kinds, size_t n)
{
	struct kind_data *d = n ? kinds[0].data : NULL;
	size_t i;

	if (!d || !d->own_pl)
		return;
	place_release(d->own_pl);
	free(d->own_pl);
	for (i = 0; i < n; i++)
		((struct kind_data *)kinds[i].data)->own_pl = NULL;
}

void wl_stack_kinds_free(struct wl_kind *kinds, size_t n)
{
	size_t i;

	if (kinds)
		free_own_placement(kinds, n);
	for (i = 0; kinds && i < n; i++)
		free(kinds[i].data);
	free(kinds);
}

int wl_stack_kinds_place(struct wl_kind *kinds, size_t n, struct emu *emu,
			 const struct topology *t, const struct world *w,
			 char **err)
{
	const struct stack *s;
	struct placement *pl;
	struct wl_stack_env env;
	size_t i;
	int rc;

	*err = NULL;
	if (!n)
		return 0;
	s = ((struct kind_data *)kinds[0].data)->s;
	pl = calloc(1, sizeof(*pl));
	if (!pl)
		return wfail(err, -ENOMEM, "out of memory");
	rc = place_stack(s, stack_strategy_find(s, t->stack_strategy), t, w, pl, err);
	if (rc < 0) {
		free(pl);
		return rc;
	}
	free_own_placement(kinds, n);
	for (i = 0; i < n; i++)
		((struct kind_data *)kinds[i].data)->own_pl = pl;
	env = (struct wl_stack_env){ .emu = emu, .t = t, .pl = pl, .experiment = w->name,
				     .strategy = t->stack_strategy };
	return wl_stack_kinds_bind(kinds, n, &env, err);
}

bool wl_stack_kind_is(const struct wl_kind *k)
{
	return k && k->run == stack_run && k->data;
}

const struct stack_workload *wl_stack_kind_workload(const struct wl_kind *k)
{
	return wl_stack_kind_is(k) ? ((const struct kind_data *)k->data)->sw : NULL;
}

/* The absolute directory of stack file PATH into OUT (PATH_MAX bytes). */
static int dir_of_file(const char *path, char *out, char **err)
{
	char real[PATH_MAX], *slash;
	int rc;

	if (!realpath(path, real)) {
		rc = -errno;
		return wfail(err, rc, "cannot resolve '%s': %s", path, strerror(-rc));
	}
	slash = strrchr(real, '/');
	if (slash && slash != real)
		*slash = '\0';
	if (snprintf(out, PATH_MAX, "%s", real) >= PATH_MAX)
		return wfail(err, -ENAMETOOLONG, "'%s': path too long", path);
	return 0;
}

int wl_stack_kinds_bind(struct wl_kind *kinds, size_t n,
			const struct wl_stack_env *env, char **err)
{
	char dir[PATH_MAX];
	size_t i;
	int rc = 0;

	*err = NULL;
	if (!n)
		return 0;
	if (env->stack_dir)
		rc = snprintf(dir, sizeof(dir), "%s", env->stack_dir) >= (int)sizeof(dir) ?
		     wfail(err, -ENAMETOOLONG, "'%s': path too long", env->stack_dir) : 0;
	else
		rc = dir_of_file(((struct kind_data *)kinds[0].data)->s->path, dir, err);
	for (i = 0; rc == 0 && i < n; i++) {
		struct kind_data *d = kinds[i].data;

		d->env = *env;
		memcpy(d->stack_dir, dir, sizeof(dir));
		d->env.stack_dir = d->stack_dir;
		d->bound = true;
	}
	return rc;
}

int wl_stack_kind_check(const struct wl_kind *k, char **err)
{
	const struct stack_workload *sw = wl_stack_kind_workload(k);
	struct strbuf pk = STRBUF_INIT;
	char buf[PATH_MAX], first[256] = "";
	size_t i, missing = 0;
	int rc = 0;

	*err = NULL;
	for (i = 0; sw && i < sw->n_needs; i++) {
		const struct stack_wl_need *nd = &sw->needs[i];
		bool ok = nd->what[0] == '/' ? access(nd->what, F_OK) == 0 :
			  proc_which(nd->what, buf, sizeof(buf)) == 0;

		if (ok)
			continue;
		if (!missing++)
			snprintf(first, sizeof(first), "Debian package '%s' (%s '%s'%s)",
				 nd->package, nd->what[0] == '/' ? "no" : "no program",
				 nd->what, nd->what[0] == '/' ? "" : " in PATH");
		if (strbuf_addf(&pk, " %s", nd->package) < 0)
			rc = -ENOMEM;
	}
	if (rc == 0 && missing)
		rc = wfail(err, -ENOENT, "workload '%s' of stack '%s' needs %s%s: apt-get install%s",
			   sw->name, ((const struct kind_data *)k->data)->s->name, first,
			   missing > 1 ? " and more" : "", strbuf_str(&pk));
	else if (rc)
		rc = wfail(err, rc, "out of memory");
	strbuf_release(&pk);
	return rc;
}

size_t wl_stack_client_node(const struct wl_kind *k, const struct world *w,
			    size_t site)
{
	const struct stack_workload *sw = wl_stack_kind_workload(k);
	unsigned want = sw ? sw->node : 1, seen = 0;
	size_t i, last = SIZE_MAX;

	for (i = 0; i < w->n_nodes; i++) {
		if (w->nodes[i].site != site)
			continue;
		last = i;
		if (++seen == want)
			break;
	}
	return last;
}

/* ---- rendering ---- */

/* The value of option I of D in JOB as a template gives it: a count as
 * digits, a size in bytes, a time in seconds ("0.05"), text as is. */
static const char *option_text(const struct kind_data *d, const struct wl_job *job,
			       size_t i, char *buf, size_t len)
{
	const struct wl_values *v = job->values;
	uint64_t x = v->num[i];
	int n;

	switch (d->opts[i].type) {
	case WL_OPT_COUNT:
	case WL_OPT_SIZE:
		snprintf(buf, len, "%llu", (unsigned long long)x);
		return buf;
	case WL_OPT_TIME:
		n = snprintf(buf, len, "%llu.%06llu", (unsigned long long)(x / 1000000),
			     (unsigned long long)(x % 1000000));
		while (n > 0 && (size_t)n < len && buf[n - 1] == '0')
			buf[--n] = '\0';
		if (n > 0 && (size_t)n < len && buf[n - 1] == '.')
			buf[--n] = '\0';
		return buf;
	case WL_OPT_TEXT:
		break;
	}
	return v->text[i] ? v->text[i] : "";
}

/* Everything a job renders. */
struct rendered {
	char **argv;
	char *rally;            /* the Rally report's path, or NULL */
	char *report;           /* the file to keep, or NULL */
};

static void rendered_release(struct rendered *r)
{
	wl_stack_argv_free(r->argv);
	free(r->rally);
	free(r->report);
}

/* The client's own directory, JOB->out_dir/NODE (the runner gives one
 * directory to all the jobs of a workload), into OUT (PATH_MAX bytes). */
static int client_dir(const struct wl_job *job, char *out, char **err)
{
	const char *node = job->w->nodes[job->node].name;

	if (!job->out_dir || !*job->out_dir)
		return wfail(err, -EINVAL, "workload '%s' on node '%s': no results directory",
			     job->kind->name, node);
	if (snprintf(out, PATH_MAX, "%s/%s", job->out_dir, node) >= PATH_MAX)
		return wfail(err, -ENAMETOOLONG, "'%s': path too long", job->out_dir);
	return 0;
}

/* Render what JOB's workload needs for its client, whose directory is
 * OUT_DIR. */
static int render_job(const struct wl_job *job, const char *out_dir,
		      struct rendered *r, char **err)
{
	const struct kind_data *d = job->kind->data;
	const struct stack_workload *sw = d->sw;
	struct template_var vars[WL_OPTIONS_MAX + 1];
	char bufs[WL_OPTIONS_MAX][64], *e = NULL;
	struct template_env env;
	size_t i, n = 0;
	int rc = 0;

	memset(r, 0, sizeof(*r));
	if (!d->bound)
		return wfail(err, -EINVAL, "workload '%s' of stack '%s' is not bound to a deployment",
			     sw->name, d->s->name);
	env = (struct template_env){ .stack = d->s, .pl = d->env.pl, .w = job->w,
				     .experiment = d->env.experiment,
				     .topo = d->env.t, .stack_dir = d->env.stack_dir,
				     .strategy = d->env.strategy };
	for (i = 0; i < sw->n_options && i < WL_OPTIONS_MAX; i++) {
		vars[n].name = d->opts[i].name;
		vars[n++].value = option_text(d, job, i, bufs[i], sizeof(bufs[i]));
	}
	vars[n].name = "out_dir";
	vars[n++].value = out_dir;
	r->argv = calloc(sw->run.argc + 1, sizeof(*r->argv));
	if (!r->argv)
		return wfail(err, -ENOMEM, "out of memory");
	for (i = 0; i < sw->run.argc && rc == 0; i++)
		rc = template_render_node(&env, job->node, vars, n, sw->run.argv[i],
					  &r->argv[i], &e);
	/* Its helper scripts run as root too (stack_argv_trusted). */
	if (rc == 0 && env.stack_dir)
		rc = stack_argv_trusted(env.stack_dir, r->argv, &e);
	if (rc == 0 && sw->rally_report)
		rc = template_render_node(&env, job->node, vars, n, sw->rally_report,
					  &r->rally, &e);
	if (rc == 0 && sw->report)
		rc = template_render_node(&env, job->node, vars, n, sw->report,
					  &r->report, &e);
	if (rc)
		wfail(err, rc, "workload '%s' of stack '%s' for node '%s': %s",
		      sw->name, d->s->name, job->w->nodes[job->node].name,
		      e ? e : strerror(-rc));
	free(e);
	if (rc)
		rendered_release(r);
	return rc;
}

int wl_stack_argv(const struct wl_job *job, char ***argv, char **err)
{
	struct rendered r;
	char dir[PATH_MAX];
	int rc;

	*err = NULL;
	*argv = NULL;
	if (!wl_stack_kind_is(job->kind))
		return wfail(err, -EINVAL, "workload '%s' is not a stack's", job->kind->name);
	rc = client_dir(job, dir, err);
	if (rc == 0)
		rc = render_job(job, dir, &r, err);
	if (rc == 0) {
		*argv = r.argv;
		r.argv = NULL;
		rendered_release(&r);
	}
	return rc;
}

void wl_stack_argv_free(char **argv)
{
	size_t i;

	for (i = 0; argv && argv[i]; i++)
		free(argv[i]);
	free(argv);
}

/* ---- one job ---- */

/* The state of one job's run. */
struct run {
	const struct wl_job *job;
	const struct kind_data *d;
	const char *node;               /* the client's name */
	wl_emit_fn emit;
	void *arg;
	int emit_rc;                    /* the first negative EMIT return */
	unsigned long ops;              /* emitted */
	unsigned long bad;              /* bad lines */
	char *first_bad;                /* the first bad line's message */
	int log_fd;
	char out_dir[PATH_MAX];         /* the client's own: {{out_dir}} */
	char log_path[PATH_MAX];
	char label[160];
};

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Append DATA[0..LEN) to the job's log. Best effort: a full disk must
 * not stop the workload, whose operations go elsewhere. */
static void log_write(struct run *r, const void *data, size_t len)
{
	const char *p = data;
	ssize_t n;

	while (r->log_fd >= 0 && len) {
		n = write(r->log_fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		p += n;
		len -= (size_t)n;
	}
}

/* Append "enos: TEXT\n" to the job's log. */
static void log_note(struct run *r, const char *text)
{
	struct strbuf b = STRBUF_INIT;

	if (strbuf_addf(&b, "enos: %s\n", text) == 0)
		log_write(r, b.buf, b.len);
	strbuf_release(&b);
}

static int on_op(void *arg, const struct wl_op *op)
{
	struct run *r = arg;
	int rc;

	if (r->emit_rc)
		return r->emit_rc;
	rc = r->emit(r->arg, op);
	if (rc < 0) {
		r->emit_rc = rc;
		return rc;
	}
	r->ops++;
	return 0;
}

static int on_bad(void *arg, unsigned long line, const char *msg)
{
	struct run *r = arg;
	(void)line;

	r->bad++;
	if (!r->first_bad)
		r->first_bad = strdup(msg);
	log_note(r, msg);
	return 0;
}

/* The last lines of the job's log, each as "\n  | LINE" (control bytes
 * escaped), appended to B. */
static void add_log_tail(const struct run *r, struct strbuf *b)
{
	char buf[LOG_TAIL_BYTES];
	const char *p, *nl;
	ssize_t n;
	off_t size;
	int fd = open(r->log_path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW), lines = 0;

	if (fd < 0)
		return;
	size = lseek(fd, 0, SEEK_END);
	if (size > (off_t)sizeof(buf))
		lseek(fd, size - (off_t)sizeof(buf), SEEK_SET);
	else
		lseek(fd, 0, SEEK_SET);
	n = read(fd, buf, sizeof(buf));
	close(fd);
	if (n <= 0)
		return;
	while (n > 0 && buf[n - 1] == '\n')
		n--;
	for (p = buf + n; p > buf; p--)
		if (p[-1] == '\n' && ++lines == LOG_TAIL_LINES)
			break;
	strbuf_addf(b, "\nlast lines of %s:", r->log_path);
	while (p < buf + n) {
		nl = memchr(p, '\n', (size_t)(buf + n - p));
		if (!nl)
			nl = buf + n;
		strbuf_adds(b, "\n  | ");
		escape_ctl(b, p, (size_t)(nl - p));
		p = nl + 1;
	}
}

/* Make the client's directory and open its log OUT_DIR/WORKLOAD.log for
 * appending (a symlink there is refused). */
static int open_log(struct run *r, char **err)
{
	const char *dir = r->out_dir;
	int dfd, rc;

	rc = fs_mkdir_p(dir, 0755);
	if (rc < 0)
		return wfail(err, rc, "cannot make '%s': %s", dir, strerror(-rc));
	if (snprintf(r->log_path, sizeof(r->log_path), "%s/%s.log", dir,
		     r->d->sw->name) >= (int)sizeof(r->log_path))
		return wfail(err, -ENAMETOOLONG, "'%s': path too long", dir);
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0) {
		rc = -errno;
		return wfail(err, rc, "cannot open '%s': %s", dir, strerror(-rc));
	}
	r->log_fd = openat(dfd, strrchr(r->log_path, '/') + 1,
			   O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW | O_CLOEXEC, 0644);
	rc = r->log_fd < 0 ? -errno : 0;
	close(dfd);
	if (rc)
		return wfail(err, rc, "cannot open '%s': %s", r->log_path, strerror(-rc));
	return 0;
}

/* Remove a report a previous run left at PATH, so that a missing one is
 * seen as missing. */
static int remove_stale(const char *path, char **err)
{
	int rc;

	if (unlink(path) == 0 || errno == ENOENT)
		return 0;
	rc = -errno;
	return wfail(err, rc, "cannot remove the old report '%s': %s", path,
		     strerror(-rc));
}

/* How the program ended. */
struct ending {
	int status;             /* shell convention; -1 unknown */
	bool stopped;           /* the job's stop flag */
	bool timed_out;
};

/* Signal the session of PID (its process group: spawn made it a session
 * leader). */
static void signal_session(pid_t pid, int sig)
{
	if (kill(-pid, sig) < 0)
		kill(pid, sig);
}

/* Read the program's stdout FD until it has exited and FD is closed;
 * stop it on the stop flag, the timeout or a failed emit. */
static int follow(struct run *r, pid_t pid, unsigned long long start, int fd,
		  struct wl_jsonl *jp, struct ending *end, char **err)
{
	const struct stack_workload *sw = r->d->sw;
	const int grace_ms = sw->results == STACK_WL_RALLY ?
			     WL_STACK_RALLY_STOP_GRACE_MS : WL_STACK_STOP_GRACE_MS;
	const double t0 = now_s();
	double term_at = 0, exit_at = 0, t;
	char *buf = malloc(READ_CHUNK);
	bool exited = false, killed = false, termed = false;
	int rc = 0, st;
	ssize_t n;

	end->status = -1;
	if (!buf)
		rc = wfail(err, -ENOMEM, "out of memory");
	while (rc == 0) {
		t = now_s();
		if (!termed && !exited && (*r->job->stop || r->emit_rc ||
					   (sw->timeout_us && (t - t0) * 1e6 >= (double)sw->timeout_us))) {
			end->stopped = *r->job->stop;
			end->timed_out = !end->stopped && !r->emit_rc;
			log_note(r, end->stopped ? "stopping the workload (SIGTERM)" :
				 end->timed_out ? "the workload timed out (SIGTERM)" :
				 "stopping the workload: its operations cannot be stored (SIGTERM)");
			signal_session(pid, SIGTERM);
			termed = true;
			term_at = t;
		}
		if (!killed && ((termed && (t - term_at) * 1000 >= grace_ms) ||
				(exited && fd >= 0 && (t - exit_at) * 1000 >= EXIT_DRAIN_MS))) {
			log_note(r, exited ? "the workload exited but its session holds its stdout (SIGKILL)" :
				 "the workload did not end after SIGTERM (SIGKILL)");
			signal_session(pid, SIGKILL);
			killed = true;
			exit_at = t;
		}
		if (killed && exited && fd >= 0 && (t - exit_at) * 1000 >= EXIT_DRAIN_MS) {
			close(fd);      /* held by a process we cannot kill */
			fd = -1;
		}
		if (killed && !exited && (t - exit_at) * 1000 >= KILL_WAIT_MS) {
			/* Stuck in the kernel: give up on its exit status. */
			log_note(r, "the workload did not end after SIGKILL; leaving it");
			break;
		}
		if (fd >= 0) {
			struct pollfd p = { .fd = fd, .events = POLLIN };

			if (poll(&p, 1, POLL_MS) > 0) {
				n = read(fd, buf, READ_CHUNK);
				if (n > 0 && jp)
					wl_jsonl_feed(jp, buf, (size_t)n);
				else if (n > 0)
					log_write(r, buf, (size_t)n);
				if (n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN)) {
					close(fd);
					fd = -1;
				}
			}
		} else {
			proc_sleep_ms(POLL_MS / 2);
		}
		if (!exited && !proc_alive(pid, start, &st)) {
			exited = true;
			exit_at = now_s();
			end->status = st;
		}
		if (exited && fd < 0)
			break;
	}
	if (fd >= 0)
		close(fd);
	free(buf);
	return rc;
}

/* Import the Rally report at PATH once the program has ended. */
static int import_rally(struct run *r, const char *path, const struct ending *end,
			char **err)
{
	struct wl_rally_result res = { 0 };
	struct strbuf b = STRBUF_INIT;
	struct stat sb;
	char *e = NULL;
	int rc;

	if (stat(path, &sb) < 0 && end->stopped)
		return 0;       /* stopped before Rally wrote it: nothing to keep */
	if (stat(path, &sb) < 0) {
		rc = -ENOENT;
		strbuf_addf(&b, "workload '%s' on node '%s': Rally wrote no report %s (the program ",
			    r->d->sw->name, r->node, path);
		if (end->status >= 0)
			strbuf_addf(&b, "exited with status %d)", end->status);
		else
			strbuf_adds(&b, "ended)");
		add_log_tail(r, &b);
		goto out;
	}
	rc = wl_rally_load(path, r->d->sw->name, on_op, r, &res, &e);
	if (rc == -ENODATA && end->stopped)
		rc = 0;         /* stopped before the first iteration ended */
	else if (rc == 0) {
		char note[256];

		snprintf(note, sizeof(note), "Rally report %s: %u iterations, %u failed, %u atomic actions, task %s",
			 path, res.iterations, res.failed, res.atomics,
			 res.status ? res.status : "?");
		log_note(r, note);
	} else if (e) {
		strbuf_addf(&b, "workload '%s' on node '%s': %s", r->d->sw->name, r->node, e);
		add_log_tail(r, &b);
	}
out:
	if (b.len)
		*err = strbuf_detach(&b);
	strbuf_release(&b);
	wl_rally_result_release(&res);
	free(e);
	return rc;
}

/* The message and value of a job that ran to its end (stopped or not). */
static int conclude(struct run *r, const struct rendered *rd,
		    const struct ending *end, int rc, char **err)
{
	const struct stack_workload *sw = r->d->sw;
	struct strbuf b = STRBUF_INIT;
	struct stat sb;

	if (r->emit_rc)
		return r->emit_rc;      /* the runner's own error */
	if (rc == 0 && end->timed_out) {
		rc = -ETIMEDOUT;
		strbuf_addf(&b, "workload '%s' on node '%s' timed out after %.0f s (%lu operations kept)",
			    sw->name, r->node, (double)sw->timeout_us / 1e6, r->ops);
	} else if (rc == 0 && end->stopped) {
		rc = -EINTR;
	} else if (rc == 0 && end->status > 0) {
		rc = -EIO;
		if (r->ops)
			strbuf_addf(&b, "workload '%s' on node '%s': '%s' exited with status %d after %lu operations (kept)",
				    sw->name, r->node, rd->argv[0], end->status, r->ops);
		else
			strbuf_addf(&b, "workload '%s' on node '%s': '%s' exited with status %d before any operation",
				    sw->name, r->node, rd->argv[0], end->status);
		add_log_tail(r, &b);
	}
	/* Worth saying even when all went well; *ERR with 0 is a note. */
	if (!*err && !b.len && r->bad)
		strbuf_addf(&b, "workload '%s' on node '%s': %lu bad line%s of output skipped (first: %s)",
			    sw->name, r->node, r->bad, r->bad == 1 ? "" : "s",
			    r->first_bad ? r->first_bad : "?");
	if (!*err && !b.len && rd->report && stat(rd->report, &sb) < 0 && !end->stopped)
		strbuf_addf(&b, "workload '%s' on node '%s': no report %s",
			    sw->name, r->node, rd->report);
	if (!*err && b.len)
		*err = strbuf_detach(&b);
	strbuf_release(&b);
	return rc;
}

static int stack_run(const struct wl_job *job, wl_emit_fn emit, void *arg,
		     char **err)
{
	const struct kind_data *d = job->kind->data;
	const struct world_node *node = &job->w->nodes[job->node];
	struct run r = { .job = job, .d = d, .node = node->name, .emit = emit,
			 .arg = arg, .log_fd = -1 };
	struct wl_jsonl jp, *jpp = NULL;
	struct rendered rd = { 0 };
	struct ending end = { .status = -1 };
	struct strbuf line = STRBUF_INIT;
	struct proc_info pi;
	int pipefd[2] = { -1, -1 }, pid = 0, rc;
	size_t i;

	*err = NULL;
	rc = wl_stack_kind_check(job->kind, err);
	if (rc == 0)
		rc = client_dir(job, r.out_dir, err);
	if (rc == 0)
		rc = render_job(job, r.out_dir, &rd, err);
	if (rc)
		goto out;
	if (!node->ops || !node->ops->spawn) {
		rc = wfail(err, -ENOTSUP, "workload '%s': node '%s' cannot run programs (backend '%s')",
			   d->sw->name, node->name, node->ops ? node->ops->name : "?");
		goto out;
	}
	rc = open_log(&r, err);
	if (rc == 0 && rd.rally)
		rc = remove_stale(rd.rally, err);
	if (rc)
		goto out;
	strbuf_addf(&line, "workload '%s' on node '%s':", d->sw->name, node->name);
	for (i = 0; rd.argv[i]; i++) {
		strbuf_addc(&line, ' ');
		escape_ctl(&line, rd.argv[i], strlen(rd.argv[i]));
	}
	log_note(&r, strbuf_str(&line));
	snprintf(r.label, sizeof(r.label), "%s: stdout of '%s'", node->name, d->sw->name);
	if (d->sw->results == STACK_WL_JSONL) {
		wl_jsonl_init(&jp, r.label, on_op, on_bad, &r);
		jpp = &jp;
	}
	if (pipe2(pipefd, O_CLOEXEC) < 0) {
		rc = -errno;
		wfail(err, rc, "workload '%s': pipe: %s", d->sw->name, strerror(-rc));
		goto out;
	}
	rc = node->ops->spawn(d->env.emu, node, rd.argv, pipefd[1], r.log_fd, &pid);
	close(pipefd[1]);
	pipefd[1] = -1;
	if (rc < 0) {
		wfail(err, rc, "workload '%s': cannot start '%s' in node '%s': %s",
		      d->sw->name, rd.argv[0], node->name, strerror(-rc));
		goto out;
	}
	/* A start time of 0 if it is gone already: proc_alive() then reaps. */
	pi.starttime = 0;
	proc_info(pid, &pi);
	rc = follow(&r, pid, pi.starttime, pipefd[0], jpp, &end, err);
	pipefd[0] = -1;
	if (rc == 0 && jpp)
		wl_jsonl_finish(jpp);
	if (rc == 0 && rd.rally && !r.emit_rc)
		rc = import_rally(&r, rd.rally, &end, err);
	rc = conclude(&r, &rd, &end, rc, err);
out:
	if (jpp)
		wl_jsonl_release(jpp);
	for (i = 0; i < 2; i++)
		if (pipefd[i] >= 0)
			close(pipefd[i]);
	if (r.log_fd >= 0)
		close(r.log_fd);
	strbuf_release(&line);
	rendered_release(&rd);
	free(r.first_bad);
	return rc;
}
