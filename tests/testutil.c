/* testutil — see testutil.h. */
#include "tests/testutil.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/wait.h>
#include <unistd.h>
#include <sys/stat.h>

#include "enos/state.h"

static int decode_status(int st)
{
	if (WIFEXITED(st))
		return WEXITSTATUS(st);
	if (WIFSIGNALED(st))
		return 128 + WTERMSIG(st);
	return -1;
}

int tu_run(char **out, char *const argv[])
{
	int fd[2], st;
	char *buf = NULL;
	size_t len = 0, cap = 0;
	pid_t pid;

	if (pipe2(fd, O_CLOEXEC) < 0)
		return -1;
	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		dup2(fd[1], STDOUT_FILENO);
		dup2(fd[1], STDERR_FILENO);
		execvp(argv[0], argv);
		_exit(127);
	}
	close(fd[1]);
	for (;;) {
		ssize_t r;

		if (cap - len < 4096) {
			char *nb = realloc(buf, cap + 65536);

			if (!nb)
				break;
			buf = nb;
			cap += 65536;
		}
		r = read(fd[0], buf + len, cap - len - 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		len += (size_t)r;
	}
	close(fd[0]);
	if (buf)
		buf[len] = '\0';
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	if (out)
		*out = buf ? buf : strdup("");
	else
		free(buf);
	return decode_status(st);
}

const char *tu_enos_bin(void)
{
	const char *b = getenv("ENOS_BIN");

	return b && *b ? b : "build/bin/enos";
}

int tu_sh(const char *fmt, ...)
{
	char line[512], *argv[40], *p;
	int argc = 0, status, fd;
	va_list ap;
	pid_t pid;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	for (p = line; *p && argc < 39;) {
		argv[argc++] = p;
		p = strchr(p, ' ');
		if (!p)
			break;
		*p++ = '\0';
	}
	argv[argc] = NULL;
	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		fd = open("/dev/null", O_RDWR);
		if (fd >= 0) {
			dup2(fd, STDOUT_FILENO);
			dup2(fd, STDERR_FILENO);
		}
		execvp(argv[0], argv);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) != pid)
		return -1;
	return decode_status(status);
}

#define TU_MAX_ARGS 64

static void collect_args(char **argv, const char *bin, const char *db,
			 va_list ap)
{
	const char *a;
	int n = 0;

	argv[n++] = (char *)(bin ? bin : tu_enos_bin());
	argv[n++] = (char *)"--db";
	argv[n++] = (char *)db;
	while ((a = va_arg(ap, const char *)) && n < TU_MAX_ARGS - 1)
		argv[n++] = (char *)a;
	argv[n] = NULL;
}

int tu_enos(char **out, const char *db, ...)
{
	char *argv[TU_MAX_ARGS];
	va_list ap;

	va_start(ap, db);
	collect_args(argv, NULL, db, ap);
	va_end(ap);
	return tu_run(out, argv);
}

int tu_enos_v(char **out, const char *bin, const char *db, va_list ap)
{
	char *argv[TU_MAX_ARGS];

	collect_args(argv, bin, db, ap);
	return tu_run(out, argv);
}

pid_t tu_enos_spawn(const char *db, ...)
{
	char *argv[TU_MAX_ARGS];
	va_list ap;
	pid_t pid;

	va_start(ap, db);
	collect_args(argv, NULL, db, ap);
	va_end(ap);
	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);

		dup2(null, STDOUT_FILENO);
		dup2(null, STDERR_FILENO);
		execv(argv[0], argv);
		_exit(127);
	}
	return pid;
}

char *tu_tmpdir(char *buf, size_t len, const char *what)
{
	snprintf(buf, len, "/tmp/enos-test-%s-XXXXXX", what);
	return mkdtemp(buf);
}

void tu_rmtree(const char *dir)
{
	char *argv[] = { (char *)"rm", (char *)"-rf", (char *)dir, NULL };

	if (dir && strncmp(dir, "/tmp/enos-test-", 15) == 0)
		tu_run(NULL, argv);
}

const char *tu_write(const char *dir, const char *name, const char *text,
		     char *buf, size_t len)
{
	FILE *f;

	snprintf(buf, len, "%s/%s", dir, name);
	f = fopen(buf, "w");
	if (!f)
		return NULL;
	fputs(text, f);
	fclose(f);
	return buf;
}

static int count_prefixed(const char *dir, const char *prefix)
{
	struct dirent *e;
	DIR *d = opendir(dir);
	int n = 0;

	if (!d)
		return 0;
	while ((e = readdir(d)))
		if (strncmp(e->d_name, prefix, strlen(prefix)) == 0)
			n++;
	closedir(d);
	return n;
}

int tu_netns_count(const char *name)
{
	char prefix[128];

	snprintf(prefix, sizeof(prefix), "enos.%s.", name);
	return count_prefixed("/run/netns", prefix);
}

int tu_leftovers(const char *name, const char *tag)
{
	return tu_netns_count(name) + count_prefixed("/sys/class/net", tag);
}

int tu_contains(const char *text, const char *needle)
{
	return text && needle && strstr(text, needle) != NULL;
}

static int sanitized(void)
{
	const char *v = getenv("ENOS_SANITIZED");

	return v && *v && strcmp(v, "0") != 0;
}

double tu_slack_ms(void)
{
	return sanitized() ? 20.0 : 0.0;
}

double tu_rate_floor(void)
{
	return sanitized() ? 0.7 : 1.0;
}

int tu_case_setup(struct tu_case *c, const char *what)
{
	if (!tu_tmpdir(c->dir, sizeof(c->dir), what))
		return -1;
	snprintf(c->db, sizeof(c->db), "%s/enos.db", c->dir);
	/* Passable, as enos makes a database's directory (0711): services a
	 * stack runs as their own user reach their data directory below. */
	return chmod(c->dir, 0711) == 0 ? 0 : -1;
}

void tu_case_teardown(const struct tu_case *c)
{
	tu_enos(NULL, c->db, "down", "--all", NULL);
	tu_rmtree(c->dir);
}

int tu_alive(int pid)
{
	char path[64], buf[256];
	const char *p;
	ssize_t r;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	r = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (r <= 0)
		return 0;
	buf[r] = '\0';
	p = strrchr(buf, ')');
	return !(p && p[1] == ' ' && (p[2] == 'Z' || p[2] == 'X'));
}

/* Does WHAT start with one of PREFIXES (NULL-terminated)? */
static int has_prefix(const char *what, const char *const *prefixes)
{
	for (; *prefixes; prefixes++)
		if (strncmp(what, *prefixes, strlen(*prefixes)) == 0)
			return 1;
	return 0;
}

int tu_recorded_pids(const char *db, const char *name,
		     const char *const *prefixes, int *out, size_t max)
{
	struct state *st = NULL;
	char **whats = NULL, *err = NULL;
	int *pids = NULL;
	size_t n = 0, i;
	int k = -1;

	if (state_open(db, &st, &err) != 0)
		goto out;
	if (state_processes(st, name, &pids, &whats, &n) != 0)
		goto out;
	for (i = 0, k = 0; i < n && (size_t)k < max; i++)
		if (prefixes ? has_prefix(whats[i], prefixes) : pids[i] > 0)
			out[k++] = pids[i];
out:
	free(err);
	free(pids);
	state_free_names(whats);
	state_close(st);
	return k;
}

int tu_domains(const char *uri, const char *name)
{
	char *argv[] = { "virsh", "-q", "-c", (char *)uri, "list", "--all",
			 "--name", NULL };
	char prefix[96], *out = NULL, *p;
	int n = 0;

	if (access("/run/libvirt/libvirt-sock", F_OK) != 0)
		return 0;
	snprintf(prefix, sizeof(prefix), "enos.%s.", name);
	if (tu_run(&out, argv) == 0)
		for (p = out; (p = strstr(p, prefix)); p++)
			n++;
	free(out);
	return n;
}

int tu_files_of(const char *dir, const char *name)
{
	char prefix[96];

	snprintf(prefix, sizeof(prefix), "enos.%s.", name);
	return count_prefixed(dir, prefix);
}

int tu_ovs_ports(const char *tag)
{
	char *argv[] = { "ovs-vsctl", "--timeout=10", "--bare", "--",
			 "--columns=name", "list", "Port", NULL };
	char *out = NULL, *p;
	int n = 0;

	if (access("/var/run/openvswitch/db.sock", F_OK) != 0 ||
	    tu_run(&out, argv) != 0)
		goto out;
	for (p = out; (p = strstr(p, tag)); p++)
		n++;
out:
	free(out);
	return n;
}

void tu_agent_env(void)
{
	char agent[PATH_MAX], *slash;

	snprintf(agent, sizeof(agent), "%s", tu_enos_bin());
	slash = strrchr(agent, '/');
	if (slash && (size_t)(slash - agent) + sizeof("/enos-agent") <= sizeof(agent)) {
		memcpy(slash, "/enos-agent", sizeof("/enos-agent"));
		setenv("ENOS_AGENT", agent, 0);
	}
}

double tu_now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}
