/* plot — report files, labels as data, one gnuplot run; see plot.h. */
#include "reports/plot.h"

#include <errno.h>
#include <math.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util/escape.h"
#include "util/str.h"

int plot_file_create(int dirfd, const char *name, struct plot_file *pf)
{
	int fd;

	memset(pf, 0, sizeof(*pf));
	pf->dirfd = dirfd;
	if (strchr(name, '/') || !*name ||
	    snprintf(pf->name, sizeof(pf->name), "%s", name) >=
	    (int)sizeof(pf->name))
		return -EINVAL;
	snprintf(pf->tmp, sizeof(pf->tmp), ".%s.tmp", name);
	/* A temporary file left by a crash is ours to replace. */
	unlinkat(dirfd, pf->tmp, 0);
	fd = openat(dirfd, pf->tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
		    O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	pf->f = fdopen(fd, "w");
	if (!pf->f) {
		int rc = -errno;

		close(fd);
		unlinkat(dirfd, pf->tmp, 0);
		return rc;
	}
	return 0;
}

int plot_file_commit(struct plot_file *pf)
{
	int rc = 0;

	if (!pf->f)
		return -EBADF;
	if (ferror(pf->f))
		rc = -EIO;
	if (fclose(pf->f) != 0 && rc == 0)
		rc = -errno;
	pf->f = NULL;
	if (rc == 0 && renameat(pf->dirfd, pf->tmp, pf->dirfd, pf->name) < 0)
		rc = -errno;
	if (rc < 0)
		unlinkat(pf->dirfd, pf->tmp, 0);
	return rc;
}

void plot_file_abort(struct plot_file *pf)
{
	if (!pf->f)
		return;
	fclose(pf->f);
	pf->f = NULL;
	unlinkat(pf->dirfd, pf->tmp, 0);
}

void plot_value(FILE *f, double v)
{
	if (isfinite(v))
		fprintf(f, "%.17g", v);
	else
		fputs("NaN", f);
}

void plot_label(FILE *f, const char *s)
{
	struct strbuf sb = STRBUF_INIT;
	const char *p;

	if (s)
		escape_ctl(&sb, s, strlen(s));
	fputc('"', f);
	for (p = strbuf_str(&sb); *p; p++) {
		if (*p == '\\')
			fputs("\\\\", f);
		else if (*p == '"')
			fputc('\'', f);
		else
			fputc(*p, f);
	}
	fputc('"', f);
	strbuf_release(&sb);
}

int plot_labels_begin(int dirfd, struct plot_labels *l)
{
	l->n = 0;
	return plot_file_create(dirfd, "labels.tsv", &l->file);
}

void plot_labels_add(struct plot_labels *l, struct strbuf *script,
		     const char *var, const char *s)
{
	plot_label(l->file.f, s);
	fputc('\n', l->file.f);
	strbuf_addf(script, "stats 'labels.tsv' every ::%u::%u using (%s = strcol(1), 0) nooutput\n",
		    l->n, l->n, var);
	l->n++;
}

int plot_labels_end(struct plot_labels *l)
{
	return plot_file_commit(&l->file);
}

void plot_settings(struct strbuf *script)
{
	strbuf_adds(script, "set encoding utf8\n"
		    "set datafile separator \"\\t\"\n"
		    "set datafile missing 'NaN'\n");
}

void plot_draw(struct strbuf *script, const char *name, int w, int h,
	       const char *plot)
{
	strbuf_addf(script, "set terminal pngcairo size %d,%d font ',9' noenhanced\n"
		    "set output '%s.png'\n%s\n", w, h, name, plot);
	strbuf_addf(script, "set terminal svg size %d,%d font ',9' noenhanced\n"
		    "set output '%s.svg'\n%s\nunset output\nreset\n", w, h,
		    name, plot);
	plot_settings(script);
}

/* Wait for PID; its wait status, or -1. */
static int wait_child(pid_t pid)
{
	int st;

	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -1;
	return st;
}

int plot_exec(int dirfd, const char *dir, char *const argv[],
	      const char *log, char **err)
{
	int logfd, nullfd, st, rc = 0;
	pid_t pid;

	/* A link planted where the log goes is replaced, not followed. */
	unlinkat(dirfd, log, 0);
	logfd = openat(dirfd, log, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
		       O_CLOEXEC, 0644);
	if (logfd < 0) {
		rc = -errno;
		if (err)
			*err = str_printf("cannot write '%s/%s': %s", dir, log,
					 strerror(-rc));
		return rc;
	}
	nullfd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	pid = nullfd < 0 ? -1 : fork();
	if (pid == 0) {
		sigset_t all;

		/* The caller may hold signals; the program must not. Its
		 * files are named relative to the report. */
		sigemptyset(&all);
		sigprocmask(SIG_SETMASK, &all, NULL);
		if (fchdir(dirfd) < 0 || dup2(nullfd, STDIN_FILENO) < 0 ||
		    dup2(logfd, STDOUT_FILENO) < 0 ||
		    dup2(logfd, STDERR_FILENO) < 0)
			_exit(127);
		close_range(3, ~0u, 0);
		execvp(argv[0], argv);
		_exit(127);
	}
	if (pid < 0) {
		rc = -errno;
		if (err)
			*err = str_printf("cannot run '%s': %s", argv[0],
					 strerror(-rc));
		goto out;
	}
	st = wait_child(pid);
	if (st == -1 || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		rc = -EIO;
		if (err && st != -1 && WIFEXITED(st) && WEXITSTATUS(st) == 127)
			*err = str_printf("cannot run '%s' (is it installed?), see %s/%s",
					 argv[0], dir, log);
		else if (err)
			*err = str_printf("'%s' failed (status %d), see %s/%s",
					 argv[0], st != -1 && WIFEXITED(st) ?
					 WEXITSTATUS(st) : -1, dir, log);
	}
out:
	if (nullfd >= 0)
		close(nullfd);
	close(logfd);
	return rc;
}

void plot_clear_outputs(int dirfd, const char *script)
{
	static const char key[] = "set output '";
	const char *p = script, *end;
	char name[160];

	while ((p = strstr(p, key))) {
		p += sizeof(key) - 1;
		end = strchr(p, '\'');
		if (!end)
			break;
		if ((size_t)(end - p) < sizeof(name) && !memchr(p, '/', (size_t)(end - p))) {
			snprintf(name, sizeof(name), "%.*s", (int)(end - p), p);
			unlinkat(dirfd, name, 0);
		}
		p = end;
	}
}

int plot_run(int dirfd, const char *dir, const char *gnuplot,
	     const char *script, char **err)
{
	char *const argv[] = { (char *)gnuplot, (char *)script, NULL };

	return plot_exec(dirfd, dir, argv, "gnuplot.log", err);
}
