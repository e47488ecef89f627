/* testutil — see testutil.h. */
#include "tests/testutil.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

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

static void collect_args(char **argv, const char *db, va_list ap)
{
	const char *a;
	int n = 0;

	argv[n++] = (char *)tu_enos_bin();
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
	collect_args(argv, db, ap);
	va_end(ap);
	return tu_run(out, argv);
}

pid_t tu_enos_spawn(const char *db, ...)
{
	char *argv[TU_MAX_ARGS];
	va_list ap;
	pid_t pid;

	va_start(ap, db);
	collect_args(argv, db, ap);
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
