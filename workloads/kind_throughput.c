/* kind_throughput — the throughput workload kind: iperf3 (Debian's
 * `iperf3`) from the client's node to one node of a target site, one test
 * per job, read from `iperf3 -J`'s report with jansson.
 *
 *   server  `iperf3 -s -p PORT -B ADDR` started in the target node through
 *           its backend's spawn op (a session of its own, log in the
 *           job's results directory), stopped by pid and start time at
 *           the end (TERM, then KILL);
 *   client  `iperf3 -c ADDR -p PORT -J -t TIME -P PARALLEL -i INTERVAL`
 *           forked from the job's thread, which is in the client's
 *           network namespace, so the child is too; in a process group of
 *           its own (a Ctrl-C on the terminal reaches enos, which stops it
 *           with SIGINT: iperf3 then still writes its report) with every
 *           signal unblocked and no descriptor but its stdout and stderr.
 * PORT is `port` + the job's index, so two jobs never share a server; the
 * kind runs one job at a time (max_parallel 1) so tests do not share the
 * host's CPU. The report is kept as iperf3-JOB.json beside the server's
 * log.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <jansson.h>

#include "emulator/addr.h"
#include "emulator/node.h"
#include "emulator/proc.h"
#include "util/str.h"
#include "workloads/kinds.h"

#define TP_OUTPUT_MAX (16u << 20)       /* of one report */
#define TP_SERVER_WAIT_MS 5000          /* for the server to listen */
#define TP_STOP_GRACE_MS 3000           /* SIGINT to SIGKILL */

enum { TP_TO, TP_TIME, TP_PARALLEL, TP_INTERVAL, TP_PORT };

static const struct wl_option tp_options[] = {
	[TP_TO] = { "to", WL_OPT_TEXT, 0, 0, "role:central",
		"target sites (site names, role:ROLE, *); one test per client and target site", NULL },
	[TP_TIME] = { "time", WL_OPT_TIME, 1000000, 3600000000ull, "5s",
		"length of each test", NULL },
	[TP_PARALLEL] = { "parallel", WL_OPT_COUNT, 1, 128, "1",
		"TCP streams of each test (iperf3 -P)", NULL },
	[TP_INTERVAL] = { "interval", WL_OPT_TIME, 100000, 60000000, "1s",
		"reporting interval: one atomic 'interval' operation each", NULL },
	[TP_PORT] = { "port", WL_OPT_COUNT, 1024, 60000, "5201",
		"the first server port (job N listens on port + N)", NULL },
	{ NULL, 0, 0, 0, NULL, NULL, NULL },
};

static uint64_t tp_expected(const struct wl_values *v)
{
	(void)v;
	return 1;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- the report ---- */

static double num_at(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	return json_is_number(v) ? json_number_value(v) : NAN;
}

int kind_throughput_parse(const char *text, size_t len, double start,
			  wl_emit_fn emit, void *arg, char **err)
{
	json_error_t je;
	json_t *root, *end, *sum, *ivs, *iv, *e;
	struct wl_op op;
	size_t i;
	double bps;
	int rc = 0;

	*err = NULL;
	root = json_loadb(text, len, 0, &je);
	if (!json_is_object(root)) {
		*err = str_printf("iperf3 wrote no JSON report: %s (line %d)",
				  root ? "not an object" : je.text, je.line);
		json_decref(root);
		return -EBADMSG;
	}
	end = json_object_get(root, "end");
	e = json_object_get(root, "error");
	sum = json_object_get(end, "sum_received");
	if (!json_is_object(sum))
		sum = json_object_get(end, "sum");
	memset(&op, 0, sizeof(op));
	snprintf(op.op, sizeof(op.op), "throughput");
	op.start = start;
	op.iteration = 1;
	op.unit = "bit/s";
	bps = num_at(sum, "bits_per_second");
	op.value = bps;
	op.duration_ms = num_at(sum, "seconds") * 1000.0;
	if (isnan(op.duration_ms) || op.duration_ms < 0)
		op.duration_ms = 0;
	if (json_is_string(e)) {
		op.ok = false;
		op.error = json_string_value(e);
	} else if (isnan(bps)) {
		op.ok = false;
		op.error = "iperf3's report has no end.sum_received.bits_per_second";
	} else {
		op.ok = true;
	}
	if (isnan(op.value))
		op.unit = NULL;
	rc = emit(arg, &op);
	ivs = json_object_get(root, "intervals");
	for (i = 0; rc == 0 && json_is_array(ivs) && i < json_array_size(ivs); i++) {
		json_t *s;

		iv = json_array_get(ivs, i);
		s = json_object_get(iv, "sum");
		memset(&op, 0, sizeof(op));
		snprintf(op.op, sizeof(op.op), "interval");
		op.start = start + (isnan(num_at(s, "start")) ? 0 : num_at(s, "start"));
		op.duration_ms = num_at(s, "seconds") * 1000.0;
		op.value = num_at(s, "bits_per_second");
		if (isnan(op.duration_ms) || isnan(op.value))
			continue;
		op.unit = "bit/s";
		op.ok = true;
		op.iteration = 1;
		op.atomic = true;
		rc = emit(arg, &op);
	}
	json_decref(root);
	return rc;
}

/* ---- processes ---- */

/* OUT_DIR/NAME opened for writing (O_NOFOLLOW, replacing a file of that
 * name), or /dev/null when there is no directory. -1 on failure. */
static int open_out(const char *out_dir, const char *name)
{
	int dfd, fd;

	if (!out_dir)
		return open("/dev/null", O_WRONLY | O_CLOEXEC);
	dfd = open(out_dir, O_DIRECTORY | O_RDONLY | O_CLOEXEC);
	if (dfd < 0)
		return -1;
	fd = openat(dfd, name, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW |
		    O_CLOEXEC, 0644);
	close(dfd);
	return fd;
}

/* Wait until something accepts TCP connections on ADDR:PORT, as seen
 * from this thread's namespace, for at most WAIT_MS. 0 or -ETIMEDOUT. */
static int wait_listening(uint32_t addr, unsigned port, int wait_ms,
			  const volatile sig_atomic_t *stop)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	struct timespec t0, now;
	int fd, rc = -ETIMEDOUT;

	sa.sin_addr.s_addr = htonl(addr);
	sa.sin_port = htons((uint16_t)port);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd < 0)
			return -errno;
		if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0)
			rc = 0;
		close(fd);
		if (rc == 0)
			return 0;
		if (stop && *stop)
			return -EINTR;
		clock_gettime(CLOCK_MONOTONIC, &now);
		if ((now.tv_sec - t0.tv_sec) * 1000 +
		    (now.tv_nsec - t0.tv_nsec) / 1000000 > wait_ms)
			return -ETIMEDOUT;
		proc_sleep_ms(50);
	}
}

/* The child: its own process group, every signal unblocked and at its
 * default, stdout OUT_FD, stderr ERR_FD, nothing else open. */
static void client_child(const char *path, char *const argv[], int out_fd,
			 int err_fd)
{
	sigset_t none;

	setpgid(0, 0);
	sigemptyset(&none);
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGPIPE, SIG_DFL);
	sigprocmask(SIG_SETMASK, &none, NULL);
	if (dup2(out_fd, STDOUT_FILENO) < 0 || dup2(err_fd, STDERR_FILENO) < 0)
		_exit(127);
	close_range(3, ~0u, 0);
	execv(path, argv);
	_exit(127);
}

/* Run ARGV (PATH resolved) here, its stdout into *OUT (*LEN bytes,
 * allocated), stderr to ERR_FD; SIGINT it when *STOP is set, SIGKILL
 * TP_STOP_GRACE_MS later. *STATUS gets its exit status (shell
 * convention). Returns 0 or -errno. */
static int run_client(const char *path, char *const argv[], int err_fd,
		      const volatile sig_atomic_t *stop, char **out,
		      size_t *len, int *status)
{
	int pfd[2] = { -1, -1 }, ws = 0, rc = 0;
	size_t cap = 0;
	struct pollfd p;
	pid_t child;
	double stopped = 0;
	char *nb;
	ssize_t k;

	*out = NULL;
	*len = 0;
	if (pipe2(pfd, O_CLOEXEC) < 0)
		return -errno;
	child = fork();
	if (child < 0) {
		rc = -errno;
		close(pfd[0]);
		close(pfd[1]);
		return rc;
	}
	if (child == 0)
		client_child(path, argv, pfd[1], err_fd);
	close(pfd[1]);
	p.fd = pfd[0];
	p.events = POLLIN;
	for (;;) {
		if (stop && *stop && !stopped) {
			kill(child, SIGINT);
			stopped = now_s();
		} else if (stopped && now_s() - stopped > TP_STOP_GRACE_MS / 1000.0) {
			kill(child, SIGKILL);
		}
		if (poll(&p, 1, 100) < 0) {
			if (errno == EINTR)
				continue;
			rc = -errno;
			break;
		}
		if (!p.revents)
			continue;
		if (*len + 65536 + 1 > cap) {
			if (cap >= TP_OUTPUT_MAX) {
				rc = -EFBIG;
				break;
			}
			cap = cap ? cap * 2 : 65536 * 2;
			nb = realloc(*out, cap);
			if (!nb) {
				rc = -ENOMEM;
				break;
			}
			*out = nb;
		}
		k = read(pfd[0], *out + *len, cap - *len - 1);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			break;
		*len += (size_t)k;
	}
	close(pfd[0]);
	if (rc < 0)
		kill(child, SIGKILL);
	while (waitpid(child, &ws, 0) < 0 && errno == EINTR)
		;
	*status = WIFEXITED(ws) ? WEXITSTATUS(ws) : 128 + WTERMSIG(ws);
	if (*out)
		(*out)[*len] = '\0';
	return rc;
}

/* Stop the server PID (ours: spawned by the backend from this process).
 * It holds nothing worth a graceful end, and it inherited the caller's
 * mask (SIGTERM held while a workload runs): KILL soon. */
static void stop_server(pid_t pid)
{
	struct proc_info pi;

	if (pid <= 0)
		return;
	if (proc_info(pid, &pi) == 0)
		proc_stop(pid, pi.starttime, 100);
	waitpid(pid, NULL, WNOHANG);
}

/* Write LEN bytes of TEXT to OUT_DIR/NAME (best effort: the operations
 * are what counts). */
static void keep_report(const char *out_dir, const char *name,
			const char *text, size_t len)
{
	int fd;

	if (!out_dir || !text)
		return;
	fd = open_out(out_dir, name);
	if (fd < 0)
		return;
	while (len) {
		ssize_t k = write(fd, text, len);

		if (k <= 0)
			break;
		text += k;
		len -= (size_t)k;
	}
	close(fd);
}

static int tp_run(const struct wl_job *job, wl_emit_fn emit, void *arg,
		  char **err)
{
	const struct wl_values *v = job->values;
	const struct world_node *tn;
	unsigned port = (unsigned)(v->num[TP_PORT] + job->index);
	char path[4096], a[32], ports[16], secs[32], par[16], ivl[32];
	char name[64], *out = NULL;
	char *sargv[8], *cargv[16];
	int log_fd = -1, status = 0, rc;
	pid_t server = 0;
	size_t len = 0;
	double t0;
	struct wl_op op;

	*err = NULL;
	if (job->target_node == SIZE_MAX || !job->target_addr) {
		*err = str_printf("no node to test at the target site");
		return -EINVAL;
	}
	tn = &job->w->nodes[job->target_node];
	if (!tn->ops || !tn->ops->spawn) {
		*err = str_printf("node '%s' cannot start an iperf3 server (backend '%s' has no spawn)",
				  tn->name, tn->ops ? tn->ops->name : "?");
		return -ENOTSUP;
	}
	if (proc_which("iperf3", path, sizeof(path)) < 0) {
		*err = str_printf("iperf3 not found (apt-get install iperf3)");
		return -ENOENT;
	}
	if (port > 65535) {
		*err = str_printf("port %u is out of range", port);
		return -EINVAL;
	}
	addr_format(job->target_addr, a, sizeof(a));
	snprintf(ports, sizeof(ports), "%u", port);
	snprintf(secs, sizeof(secs), "%.3f", (double)v->num[TP_TIME] / 1e6);
	snprintf(par, sizeof(par), "%llu", (unsigned long long)v->num[TP_PARALLEL]);
	snprintf(ivl, sizeof(ivl), "%.3f", (double)v->num[TP_INTERVAL] / 1e6);
	snprintf(name, sizeof(name), "iperf3-%zu.log", job->index);
	log_fd = open_out(job->out_dir, name);
	if (log_fd < 0) {
		rc = -errno;
		*err = str_printf("cannot open %s/%s: %s",
				  job->out_dir ? job->out_dir : "/dev", name,
				  strerror(errno));
		return rc;
	}
	sargv[0] = path;
	sargv[1] = "-s";
	sargv[2] = "-p";
	sargv[3] = ports;
	sargv[4] = "-B";
	sargv[5] = a;
	sargv[6] = NULL;
	rc = tn->ops->spawn(job->emu, tn, sargv, log_fd, log_fd, &server);
	if (rc < 0) {
		*err = str_printf("cannot start iperf3 -s in node '%s': %s",
				  tn->name, strerror(-rc));
		goto out;
	}
	rc = wait_listening(job->target_addr, port, TP_SERVER_WAIT_MS, job->stop);
	if (rc == -EINTR)
		goto out;
	t0 = now_s();
	if (rc < 0) {
		/* Unreachable (a partition) or not listening: the test failed;
		 * the workload goes on. */
		memset(&op, 0, sizeof(op));
		snprintf(op.op, sizeof(op.op), "throughput");
		op.start = t0;
		op.iteration = 1;
		op.error = "the iperf3 server did not answer within 5 s";
		rc = emit(arg, &op);
		goto out;
	}
	cargv[0] = path;
	cargv[1] = "-c";
	cargv[2] = a;
	cargv[3] = "-p";
	cargv[4] = ports;
	cargv[5] = "-J";
	cargv[6] = "-t";
	cargv[7] = secs;
	cargv[8] = "-P";
	cargv[9] = par;
	cargv[10] = "-i";
	cargv[11] = ivl;
	cargv[12] = "--connect-timeout";
	cargv[13] = "5000";
	cargv[14] = NULL;
	rc = run_client(path, cargv, log_fd, job->stop, &out, &len, &status);
	if (rc < 0) {
		*err = str_printf("cannot run iperf3 -c: %s", strerror(-rc));
		goto out;
	}
	snprintf(name, sizeof(name), "iperf3-%zu.json", job->index);
	keep_report(job->out_dir, name, out, len);
	rc = kind_throughput_parse(out ? out : "", len, t0, emit, arg, err);
	if (rc == -EBADMSG && job->stop && *job->stop) {
		free(*err);
		*err = NULL;
		rc = -EINTR;
	} else if (rc == -EBADMSG) {
		char *why = *err;

		*err = str_printf("%s (iperf3 exited with status %d)",
				  why ? why : "no report", status);
		free(why);
	}
	if (rc == 0 && job->stop && *job->stop)
		rc = -EINTR;
out:
	stop_server(server);
	if (log_fd >= 0)
		close(log_fd);
	free(out);
	return rc;
}

const struct wl_kind kind_throughput = {
	.name = "throughput",
	.summary = "iperf3 TCP throughput from each client site to the target sites",
	.options = tp_options,
	.from = "role:edge",
	.run = tp_run,
	.max_parallel = 1,
	.expected = tp_expected,
};
