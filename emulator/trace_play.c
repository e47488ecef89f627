/* trace_play — the trace player's loop and its process; see trace_play.h. */
#include "emulator/trace_play.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "emulator/proc.h"
#include "emulator/trace.h"
#include "util/fs.h"

#define SPAWN_TIMEOUT_MS 10000
#define STOP_GRACE_MS    2000

int trace_play_run(const struct shape_table *tab, uint64_t start_ns,
		   const struct trace_play_ops *ops)
{
	size_t n2 = tab->n * tab->n, i;
	uint64_t woke_for = 0;
	size_t *last = NULL;
	int rc = 0;

	if (!tab->tr || !n2)
		return 0;
	last = malloc(n2 * sizeof(*last));
	if (!last)
		return -ENOMEM;
	for (i = 0; i < n2; i++)
		last[i] = SIZE_MAX;
	for (;;) {
		uint64_t now = ops->clock(ops->arg), next_all = UINT64_MAX;
		uint64_t off = now > start_ns ? (now - start_ns) / 1000 : 0;
		uint64_t late = woke_for && now > woke_for ? now - woke_for : 0;

		for (i = 0; i < n2; i++) {
			const struct shape_trace *st = &tab->tr[i];
			struct link_params p;
			uint64_t next;
			size_t idx;

			if (!st->trace || !(st->delay || st->loss) ||
			    i / tab->n == i % tab->n)
				continue;
			idx = trace_step_at_ns(st->trace, start_ns, now, &next);
			if (idx != last[i]) {
				shape_params_at(tab, i / tab->n, i % tab->n, off, &p);
				rc = ops->apply(ops->arg, i / tab->n, i % tab->n,
						&p, idx, off, late);
				if (rc)
					goto out;
				last[i] = idx;
			}
			if (next < next_all)
				next_all = next;
		}
		if (next_all == UINT64_MAX)
			break;  /* every trace holds its last step for good */
		rc = ops->sleep(ops->arg, next_all);
		if (rc)
			break;
		woke_for = next_all;
	}
out:
	free(last);
	return rc;
}

int trace_play_pidfile(const char *name, char *buf, size_t len)
{
	int n;

	if (!name || !*name || strchr(name, '/'))
		return -EINVAL;
	n = snprintf(buf, len, "/run/enos/%s/" TRACE_PLAY_NAME ".pid", name);
	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

/* The player's log beside its pid file ("....pid" -> "....log"). */
static void log_path(const char *pidfile, char *buf, size_t len)
{
	snprintf(buf, len, "%.*s.log", (int)(strlen(pidfile) - 4), pidfile);
}

/* Is PID a player of NAME: its command line has the words
 * TRACE_PLAY_NAME and NAME (`tr '\0' '\n' </proc/PID/cmdline`)? */
static bool is_player(pid_t pid, const char *name)
{
	char path[64], buf[8192];
	bool kind = false, ours = false;
	ssize_t r, i;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	r = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (r <= 0)
		return false;
	buf[r] = '\0';
	for (i = 0; i < r; i += (ssize_t)strlen(buf + i) + 1) {
		kind = kind || strcmp(buf + i, TRACE_PLAY_NAME) == 0;
		ours = ours || strcmp(buf + i, name) == 0;
	}
	return kind && ours;
}

/* "PID START_US" of pid file PATH into *PID, *START_US; 0, -ENOENT when
 * there is no file, -EINVAL when it holds something else. */
static int read_pidfile(const char *path, pid_t *pid, uint64_t *start_us)
{
	char buf[64], *end;
	long long p;
	unsigned long long s;
	ssize_t got;
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);

	*pid = 0;
	*start_us = 0;
	if (fd < 0)
		return -errno;
	got = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	buf[got > 0 ? got : 0] = '\0';
	errno = 0;
	p = strtoll(buf, &end, 10);
	if (errno || end == buf || *end != ' ' || p <= 0 || p > INT_MAX)
		return -EINVAL;
	s = strtoull(end + 1, &end, 10);
	if (errno || (*end != '\n' && *end != '\0'))
		return -EINVAL;
	*pid = (pid_t)p;
	*start_us = s;
	return 0;
}

int trace_play_claim(const char *path, uint64_t start_us)
{
	char buf[64];
	uint64_t other_start;
	const char *base;
	pid_t other;
	int fd, n, rc = 0;

	/* The experiment's name is the pid file's directory. */
	base = strrchr(path, '/');
	if (!base || base == path)
		return -EINVAL;
	if (read_pidfile(path, &other, &other_start) == 0 && other != getpid() &&
	    !proc_gone(other)) {
		char name[256];
		const char *dir = base - 1;

		while (dir > path && *dir != '/')
			dir--;
		snprintf(name, sizeof(name), "%.*s", (int)(base - dir - 1), dir + 1);
		if (is_player(other, name))
			return -EADDRINUSE;
	}
	if (unlink(path) != 0 && errno != ENOENT)
		return -errno;
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return errno == EEXIST ? -EADDRINUSE : -errno;
	n = snprintf(buf, sizeof(buf), "%d %" PRIu64 "\n", (int)getpid(), start_us);
	if (write(fd, buf, (size_t)n) != n)
		rc = -EIO;
	if (close(fd) != 0 && rc == 0)
		rc = -errno;
	if (rc)
		unlink(path);
	return rc;
}

int trace_play_read(const char *name, pid_t *pid, uint64_t *start_us)
{
	char path[PATH_MAX];
	int rc = trace_play_pidfile(name, path, sizeof(path));

	*pid = 0;
	*start_us = 0;
	if (rc)
		return rc;
	rc = read_pidfile(path, pid, start_us);
	if (rc == -ENOENT)
		return 0;
	if (rc)
		return rc;
	return trace_play_running(name, *pid) ? 0 : -ESRCH;
}

int trace_play_spawn(const char *name, const char *const *argv, char *log,
		     size_t len, pid_t *pid)
{
	char path[PATH_MAX];
	uint64_t start;
	pid_t child = -1, got;
	int rc, st, fd = -1, waited;

	*pid = 0;
	if (len)
		log[0] = '\0';
	rc = trace_play_pidfile(name, path, sizeof(path));
	if (rc == 0)
		rc = fs_private_dir(path);
	if (rc)
		goto out;
	log_path(path, log, len);
	fd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW | O_CLOEXEC,
		  0600);
	if (fd < 0) {
		rc = -errno;
		goto out;
	}
	fflush(NULL);
	child = fork();
	if (child < 0) {
		rc = -errno;
		goto out;
	}
	if (child == 0) {
		int null = open("/dev/null", O_RDWR);

		if (null >= 0) {
			dup2(null, STDIN_FILENO);
			dup2(null, STDOUT_FILENO);
		}
		dup2(fd, STDERR_FILENO);
		setsid();
		proc_child_prepare();
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	rc = -ETIMEDOUT;
	for (waited = 0; waited < SPAWN_TIMEOUT_MS; waited += 10) {
		got = waitpid(child, &st, WNOHANG);
		if (got == child) {
			rc = -(SHAPE_EEXITED + proc_shell_status(st));
			child = -1;
			break;
		}
		if (read_pidfile(path, &got, &start) == 0 && got == child) {
			rc = 0;
			break;
		}
		proc_sleep_ms(10);
	}
out:
	if (rc == 0) {
		*pid = child;
	} else if (child > 0) {
		kill(child, SIGKILL);
		waitpid(child, &st, 0);
	}
	if (fd >= 0)
		close(fd);
	return rc;
}

bool trace_play_running(const char *name, pid_t pid)
{
	return pid > 0 && !proc_gone(pid) && is_player(pid, name);
}

int trace_play_stop(const char *name, pid_t pid)
{
	struct proc_info pi;

	if (pid <= 0)
		return -EINVAL;
	if (proc_gone(pid) || !is_player(pid, name))
		return 0;
	if (proc_info(pid, &pi) < 0)
		return 0;
	return proc_stop(pid, pi.starttime, STOP_GRACE_MS);
}

int trace_play_sweep(const char *name)
{
	char path[PATH_MAX], log[PATH_MAX], dir[PATH_MAX];
	uint64_t start;
	pid_t pid;
	int rc = trace_play_pidfile(name, path, sizeof(path));

	if (rc)
		return rc;
	if (read_pidfile(path, &pid, &start) == 0 && pid > 0) {
		rc = trace_play_stop(name, pid);
		if (rc)
			return rc;
	}
	log_path(path, log, sizeof(log));
	if (unlink(path) != 0 && errno != ENOENT)
		return -errno;
	if (unlink(log) != 0 && errno != ENOENT)
		return -errno;
	/* Shared with the wand engine's files: removed by the last one. */
	snprintf(dir, sizeof(dir), "%.*s", (int)(strrchr(path, '/') - path), path);
	if (rmdir(dir) != 0 && errno != ENOENT && errno != ENOTEMPTY &&
	    errno != EEXIST)
		return -errno;
	return 0;
}
