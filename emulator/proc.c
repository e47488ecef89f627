/* proc — process inspection and stopping; see proc.h. */
#include "emulator/proc.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/wait.h>

void proc_sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

int proc_info(pid_t pid, struct proc_info *out)
{
	char path[64], buf[2048];
	const char *p;
	unsigned long long v[52];
	ssize_t n;
	int fd, field;
	char *end;

	memset(out, 0, sizeof(*out));
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? -ESRCH : -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -ESRCH;
	buf[n] = '\0';
	/* The command name may hold anything: fields start after the last ')'. */
	p = strrchr(buf, ')');
	if (!p || p[1] != ' ' || !p[2])
		return -EBADMSG;
	out->state = p[2];
	p += 3;
	/* Fields 4 .. 52 follow the state (field 3). */
	for (field = 4; field <= 52 && *p; field++) {
		while (*p == ' ')
			p++;
		errno = 0;
		v[field - 1] = strtoull(p, &end, 10);
		if (*p == '-') {
			v[field - 1] = 0;
			strtoll(p, &end, 10);
		}
		if (end == p)
			break;
		p = end;
	}
	if (field <= 24)
		return -EBADMSG;
	out->ppid = (int)v[3];
	out->session = (int)v[5];
	out->starttime = v[21];
	out->rss_bytes = v[23] * (uint64_t)sysconf(_SC_PAGESIZE);
	if ((out->state == 'Z' || out->state == 'X') && field > 52) {
		int st = (int)v[51];

		out->has_exit = true;
		out->exit_status = proc_shell_status(st);
	}
	return 0;
}

bool proc_alive(pid_t pid, unsigned long long starttime, int *status)
{
	struct proc_info pi;
	int st;

	if (status)
		*status = -1;
	if (pid <= 0)
		return false;
	if (waitpid(pid, &st, WNOHANG) == pid) {
		if (status)
			*status = proc_shell_status(st);
		return false;
	}
	if (proc_info(pid, &pi) < 0 || pi.starttime != starttime)
		return false;
	if (pi.state == 'Z' || pi.state == 'X') {
		if (status && pi.has_exit)
			*status = pi.exit_status;
		return false;
	}
	return true;
}

/* Wait up to MS for PID to be gone (or a zombie). */
static bool wait_gone(pid_t pid, unsigned long long starttime, int ms)
{
	int waited;

	for (waited = 0; waited <= ms; waited += 20) {
		if (!proc_alive(pid, starttime, NULL))
			return true;
		proc_sleep_ms(20);
	}
	return false;
}

int proc_stop(pid_t pid, unsigned long long starttime, int grace_ms)
{
	if (!proc_alive(pid, starttime, NULL))
		return 0;
	if (kill(pid, SIGTERM) < 0)
		return errno == ESRCH ? 0 : -errno;
	if (wait_gone(pid, starttime, grace_ms))
		return 0;
	if (kill(pid, SIGKILL) < 0 && errno != ESRCH)
		return -errno;
	return wait_gone(pid, starttime, 2000) ? 0 : -ETIMEDOUT;
}

/* The inode of PID's namespace KIND ("net", "pid"), or 0. */
static unsigned long long ns_ino(pid_t pid, const char *kind)
{
	char path[64];
	struct stat sb;

	snprintf(path, sizeof(path), "/proc/%d/ns/%s", (int)pid, kind);
	return stat(path, &sb) == 0 ? (unsigned long long)sb.st_ino : 0;
}

unsigned long long proc_netns_ino(pid_t pid)
{
	return ns_ino(pid, "net");
}

/* Append PID (with its start time) to the arrays if its netns is in INOS
 * and it shares SELF_PIDNS: a process in a container's pid namespace (an
 * lxc node's) is left to the container, whose end takes it along — a
 * container's init killed under libvirt leaves libvirt confused. */
static int collect(pid_t pid, const unsigned long long *inos, size_t n,
		   unsigned long long self_pidns, pid_t **pids,
		   unsigned long long **starts, size_t *count, size_t *cap)
{
	unsigned long long ino = proc_netns_ino(pid);
	struct proc_info pi;
	size_t i;

	for (i = 0; ino && i < n && inos[i] != ino; i++)
		;
	if (!ino || i == n || ns_ino(pid, "pid") != self_pidns ||
	    proc_info(pid, &pi) < 0 || pi.state == 'Z')
		return 0;
	if (*count == *cap) {
		size_t nc = *cap ? *cap * 2 : 16;
		pid_t *np = realloc(*pids, nc * sizeof(*np));
		unsigned long long *ns;

		if (!np)
			return -ENOMEM;
		*pids = np;
		ns = realloc(*starts, nc * sizeof(*ns));
		if (!ns)
			return -ENOMEM;
		*starts = ns;
		*cap = nc;
	}
	(*pids)[*count] = pid;
	(*starts)[(*count)++] = pi.starttime;
	return 0;
}

int proc_sweep_netns(const unsigned long long *inos, size_t n, int grace_ms,
		     size_t *found)
{
	pid_t *pids = NULL, self = getpid();
	unsigned long long self_pidns = ns_ino(self, "pid");
	unsigned long long *starts = NULL;
	size_t count = 0, cap = 0, i;
	struct dirent *de;
	DIR *d = NULL;
	int rc = 0, e;

	if (found)
		*found = 0;
	if (n == 0)
		goto out;
	d = opendir("/proc");
	if (!d) {
		rc = -errno;
		goto out;
	}
	while ((de = readdir(d)) && rc == 0) {
		char *end;
		long pid;

		if (!isdigit((unsigned char)de->d_name[0]))
			continue;
		pid = strtol(de->d_name, &end, 10);
		if (*end || pid <= 1 || pid == self)
			continue;
		rc = collect((pid_t)pid, inos, n, self_pidns, &pids, &starts,
			     &count, &cap);
	}
	for (i = 0; i < count; i++)
		if (proc_alive(pids[i], starts[i], NULL))
			kill(pids[i], SIGTERM);
	for (i = 0; i < count; i++) {
		e = proc_stop(pids[i], starts[i], grace_ms);
		if (e < 0 && rc == 0)
			rc = e;
	}
	if (found)
		*found = count;
out:
	if (d)
		closedir(d);
	free(pids);
	free(starts);
	return rc;
}

int proc_which(const char *name, char *buf, size_t len)
{
	const char *path = getenv("PATH");
	const char *p, *end;

	if (!path || !*path)
		path = "/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin";
	for (p = path; *p; p = *end ? end + 1 : end) {
		end = strchr(p, ':');
		if (!end)
			end = p + strlen(p);
		if (snprintf(buf, len, "%.*s/%s", (int)(end - p), p, name) <
		    (int)len && access(buf, X_OK) == 0)
			return 0;
	}
	return -ENOENT;
}

pid_t proc_pidfile(const char *path)
{
	long v = 0;
	FILE *f;

	f = fopen(path, "re");
	if (!f)
		return 0;
	if (fscanf(f, "%ld", &v) != 1 || v <= 0 || v > 1 << 22)
		v = 0;
	fclose(f);
	return (pid_t)v;
}

bool proc_runs(pid_t pid, const char *prog)
{
	char path[64], buf[512];
	const char *base;
	bool yes = false;
	ssize_t r;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		goto out;
	r = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (r <= 0)
		goto out;
	buf[r] = '\0';
	base = strrchr(buf, '/');
	base = base ? base + 1 : buf;
	yes = strcmp(base, prog) == 0;
out:
	return yes;
}

bool proc_gone(pid_t pid)
{
	char path[64], buf[256];
	const char *p;
	ssize_t r;
	int fd;

	if (kill(pid, 0) < 0 && errno == ESRCH)
		return true;
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return true;
	r = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (r <= 0)
		return true;
	buf[r] = '\0';
	p = strrchr(buf, ')');
	return p && p[1] == ' ' && (p[2] == 'Z' || p[2] == 'X');
}

pid_t proc_daemon_pid(const char *pidfile, const char *prog)
{
	pid_t pid = proc_pidfile(pidfile);

	if (pid > 0 && !proc_gone(pid) && proc_runs(pid, prog))
		return pid;
	return 0;
}

/* Wait up to MS for PID to be gone, reaping it if it is our child. */
static void wait_daemon_gone(pid_t pid, int ms)
{
	int waited;

	for (waited = 0; waited < ms && !proc_gone(pid); waited += 10) {
		waitpid(pid, NULL, WNOHANG);
		proc_sleep_ms(10);
	}
}

int proc_daemon_stop(const char *pidfile, const char *prog, pid_t pid,
		     int wait_ms)
{
	int err = 0;

	if (pid <= 0)
		pid = proc_pidfile(pidfile);
	if (pid <= 0 || proc_gone(pid) || !proc_runs(pid, prog))
		goto out;
	if (kill(pid, SIGTERM) < 0) {
		err = errno == ESRCH ? 0 : -errno;
		goto out;
	}
	wait_daemon_gone(pid, wait_ms);
	if (!proc_gone(pid) && proc_runs(pid, prog) &&
	    kill(pid, SIGKILL) < 0 && errno != ESRCH)
		err = -errno;
	wait_daemon_gone(pid, wait_ms);
	waitpid(pid, NULL, WNOHANG);
out:
	return err;
}

void proc_child_prepare(void)
{
	sigset_t none;

	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	close_range(STDERR_FILENO + 1, ~0u, CLOSE_RANGE_CLOEXEC);
}

/* One process seen by proc_tree_mem's scan of /proc. */
struct tree_proc {
	int pid, ppid, session;
	uint64_t rss;
};

/* Pss of PID in bytes from /proc/PID/smaps_rollup. 0 or -errno. */
static int read_pss(int pid, uint64_t *pss)
{
	char path[64], line[128];
	unsigned long long kib;
	FILE *f;
	int rc = -EBADMSG;

	snprintf(path, sizeof(path), "/proc/%d/smaps_rollup", pid);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "Pss: %llu kB", &kib) == 1) {
			*pss = kib * 1024;
			rc = 0;
			break;
		}
	fclose(f);
	return rc;
}

/* Is V[I] LEADER, in LEADER's session, or a descendant of LEADER? The
 * parent chain is followed at most N steps (pids may form no cycle, but
 * a scan is not atomic). */
static bool in_tree(const struct tree_proc *v, size_t n, size_t i, int leader)
{
	size_t steps, k;
	int pid = v[i].pid;

	if (v[i].session == leader)
		return true;
	for (steps = 0; steps <= n && pid > 1; steps++) {
		if (pid == leader)
			return true;
		for (k = 0; k < n && v[k].pid != pid; k++)
			;
		if (k == n)
			return false;
		pid = v[k].ppid;
	}
	return false;
}

/* Every process /proc shows into *OUT (*N; free() it). 0 or -errno. */
static int scan_procs(struct tree_proc **out, size_t *n)
{
	struct tree_proc *v = NULL, *nv;
	struct proc_info pi;
	size_t cap = 0;
	struct dirent *de;
	DIR *d;
	int rc = 0;

	*out = NULL;
	*n = 0;
	d = opendir("/proc");
	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		char *end;
		long pid;

		if (!isdigit((unsigned char)de->d_name[0]))
			continue;
		pid = strtol(de->d_name, &end, 10);
		if (*end || pid <= 0 || proc_info((pid_t)pid, &pi) < 0)
			continue;
		if (*n == cap) {
			cap = cap ? cap * 2 : 256;
			nv = realloc(v, cap * sizeof(*v));
			if (!nv) {
				rc = -ENOMEM;
				goto out;
			}
			v = nv;
		}
		v[(*n)++] = (struct tree_proc){ (int)pid, pi.ppid, pi.session, pi.rss_bytes };
	}
out:
	closedir(d);
	if (rc) {
		free(v);
		v = NULL;
		*n = 0;
	}
	*out = v;
	return rc;
}

int proc_tree_mem(pid_t leader, struct proc_mem *out)
{
	struct tree_proc *v = NULL;
	struct proc_info pi;
	size_t n = 0, i;
	uint64_t pss = 0;
	int rc;

	memset(out, 0, sizeof(*out));
	if (leader <= 0 || proc_info(leader, &pi) < 0)
		return -ESRCH;
	rc = scan_procs(&v, &n);
	if (rc)
		return rc;
	out->has_pss = true;
	for (i = 0; i < n; i++) {
		if (!in_tree(v, n, i, leader))
			continue;
		out->n_procs++;
		out->rss_bytes += v[i].rss;
		if (read_pss(v[i].pid, &pss) == 0)
			out->pss_bytes += pss;
		else if (v[i].rss)
			out->has_pss = false;   /* gone meanwhile, or no smaps_rollup */
	}
	free(v);
	return rc;
}

int proc_tree_pids(pid_t leader, int **pids, size_t *n)
{
	struct tree_proc *v = NULL;
	struct proc_info pi;
	size_t nv = 0, i;
	int *out = NULL, rc;

	*pids = NULL;
	*n = 0;
	if (leader <= 0 || proc_info(leader, &pi) < 0)
		return -ESRCH;
	rc = scan_procs(&v, &nv);
	if (rc == 0) {
		out = calloc(nv ? nv : 1, sizeof(*out));
		if (!out)
			rc = -ENOMEM;
	}
	for (i = 0; i < nv && rc == 0; i++)
		if (in_tree(v, nv, i, leader))
			out[(*n)++] = v[i].pid;
	free(v);
	if (rc)
		free(out);
	else
		*pids = out;
	return rc;
}

int proc_shell_status(int st)
{
	return WIFEXITED(st) ? WEXITSTATUS(st) :
	       WIFSIGNALED(st) ? 128 + WTERMSIG(st) : -1;
}

int proc_exec_result(int err_fd)
{
	int child_errno = 0;
	ssize_t got;

	do
		got = read(err_fd, &child_errno, sizeof(child_errno));
	while (got < 0 && errno == EINTR);
	if (got != (ssize_t)sizeof(child_errno))
		return 0;       /* closed by the exec */
	return child_errno ? -child_errno : -EIO;
}

int proc_wait_status(pid_t pid, int *status)
{
	int st;

	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -errno;
	if (status)
		*status = proc_shell_status(st);
	return 0;
}
