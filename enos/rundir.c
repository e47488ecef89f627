/* rundir — where the files of experiments and runs go; see rundir.h. */
#include "enos/rundir.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "util/fs.h"

#define RESULTS_DIR  "results"
#define SERVICES_DIR "services"

/* N, what snprintf returned for a buffer of LEN bytes: 0, or
 * -ENAMETOOLONG if the path did not fit. */
static int fits(int n, size_t len)
{
	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

/* The root of every results/ path: "results" under the current directory,
 * written relative, or absolute with ABSOLUTE. */
static int results_root(bool absolute, char *out, size_t len)
{
	char cwd[PATH_MAX];

	if (!absolute)
		return fits(snprintf(out, len, "%s", RESULTS_DIR), len);
	if (!getcwd(cwd, sizeof(cwd)))
		return -errno;
	return fits(snprintf(out, len, "%s/%s", cwd, RESULTS_DIR), len);
}

int rundir_experiment(const char *exp, bool absolute, char *out, size_t len)
{
	char root[PATH_MAX];
	int rc = results_root(absolute, root, sizeof(root));

	if (rc == 0)
		rc = fits(snprintf(out, len, "%s/%s", root, exp), len);
	return rc;
}

int rundir_run(const char *exp, int64_t run, bool absolute, char *out,
	       size_t len)
{
	char root[PATH_MAX];
	int rc = results_root(absolute, root, sizeof(root));

	if (rc == 0)
		rc = fits(snprintf(out, len, "%s/%s/%lld", root, exp,
				   (long long)run), len);
	return rc;
}

int rundir_run_services(const char *exp, int64_t run, char *out, size_t len)
{
	char dir[PATH_MAX];
	int rc = rundir_run(exp, run, true, dir, sizeof(dir));

	if (rc == 0)
		rc = fits(snprintf(out, len, "%s/%s", dir, SERVICES_DIR), len);
	return rc;
}

int rundir_services(const char *db_path, const char *exp, char *out,
		    size_t len)
{
	const char *slash = strrchr(db_path, '/');
	int dir_len = slash ? (int)(slash - db_path) : 0;
	char cwd[PATH_MAX], base[PATH_MAX];
	int rc;

	/* Absolute: a service inside a node runs in another directory. */
	if (db_path[0] == '/')
		rc = fits(snprintf(base, sizeof(base), "%.*s", dir_len, db_path),
			  sizeof(base));
	else if (!getcwd(cwd, sizeof(cwd)))
		rc = -errno;
	else if (slash)
		rc = fits(snprintf(base, sizeof(base), "%s/%.*s", cwd, dir_len,
				   db_path), sizeof(base));
	else
		rc = fits(snprintf(base, sizeof(base), "%s", cwd), sizeof(base));
	if (rc == 0 && exp)
		rc = fits(snprintf(out, len, "%s/%s/%s", base, SERVICES_DIR, exp), len);
	else if (rc == 0)
		rc = fits(snprintf(out, len, "%s/%s", base, SERVICES_DIR), len);
	return rc;
}

/* Open directory NAME of directory DFD, made with MODE when missing, never
 * through a link; SHOWN is its path in messages. Returns its descriptor,
 * or -errno with WHY. */
static int dir_step(int dfd, const char *name, mode_t mode, const char *shown,
		    char *why, size_t len)
{
	struct stat st;
	int fd, rc;

	if (mkdirat(dfd, name, mode) != 0 && errno != EEXIST) {
		rc = -errno;
		snprintf(why, len, "cannot make '%s': %s", shown, strerror(-rc));
		return rc;
	}
	fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		rc = -errno;
		if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		    S_ISLNK(st.st_mode)) {
			snprintf(why, len, "'%s' is a symbolic link", shown);
			return -ELOOP;
		}
		if (rc == -ENOTDIR)
			snprintf(why, len, "'%s' is not a directory", shown);
		else
			snprintf(why, len, "'%s': %s", shown, strerror(-rc));
		return rc;
	}
	if (fstat(fd, &st) != 0) {
		rc = -errno;
		snprintf(why, len, "'%s': %s", shown, strerror(-rc));
	} else {
		rc = fs_stat_trusted(shown, &st, why, len);
	}
	if (rc < 0) {
		close(fd);
		return rc;
	}
	return fd;
}

/* Walk the components NAMES[0..N) below directory BASE (BASE_SHOWN in
 * messages, "" for the current directory), each made (MODES[i]) and
 * checked by dir_step(). 0 or -errno with WHY. */
static int walk(const char *base, const char *base_shown,
		const char *const *names, const mode_t *modes, size_t n,
		char *why, size_t len)
{
	char shown[PATH_MAX];
	size_t i, used;
	int dfd, fd, rc = 0;

	dfd = base ? open(base, O_RDONLY | O_DIRECTORY | O_CLOEXEC) : AT_FDCWD;
	if (dfd < 0 && base) {
		rc = -errno;
		snprintf(why, len, "'%s': %s", base, strerror(-rc));
		return rc;
	}
	used = (size_t)snprintf(shown, sizeof(shown), "%s", base_shown);
	for (i = 0; i < n && rc == 0; i++) {
		rc = fits(snprintf(shown + used, sizeof(shown) - used, "%s%s",
				   used ? "/" : "", names[i]), sizeof(shown) - used);
		if (rc < 0) {
			snprintf(why, len, "path too long");
			break;
		}
		used = strlen(shown);
		fd = dir_step(dfd, names[i], modes[i], shown, why, len);
		if (fd < 0)
			rc = fd;
		if (dfd != AT_FDCWD)
			close(dfd);
		dfd = fd;
	}
	if (dfd >= 0 && dfd != AT_FDCWD)
		close(dfd);
	return rc;
}

/* results, EXP, RUN and at most three components of SUB. */
#define RUNDIR_DEPTH_MAX 6

int rundir_make(const char *exp, int64_t run, const char *sub, bool absolute,
		char *out, size_t len, char *why, size_t why_len)
{
	const char *names[RUNDIR_DEPTH_MAX];
	const mode_t modes[RUNDIR_DEPTH_MAX] = { 0755, 0755, 0755, 0755, 0755, 0755 };
	char run_s[32], cwd[PATH_MAX], parts[PATH_MAX], *save = NULL, *p;
	size_t n = 0;
	int rc;

	why[0] = '\0';
	names[n++] = RESULTS_DIR;
	names[n++] = exp;
	if (run >= 0) {
		snprintf(run_s, sizeof(run_s), "%lld", (long long)run);
		names[n++] = run_s;
	}
	/* SUB may be several components ("sweep-x/report"), each made and
	 * checked like the others. */
	if (sub && snprintf(parts, sizeof(parts), "%s", sub) >= (int)sizeof(parts)) {
		snprintf(why, why_len, "path too long");
		return -ENAMETOOLONG;
	}
	for (p = sub ? strtok_r(parts, "/", &save) : NULL; p;
	     p = strtok_r(NULL, "/", &save)) {
		if (n == RUNDIR_DEPTH_MAX || !strcmp(p, ".") || !strcmp(p, "..")) {
			snprintf(why, why_len, "'%s' is not a results subdirectory", sub);
			return -EINVAL;
		}
		names[n++] = p;
	}
	if (absolute && !getcwd(cwd, sizeof(cwd))) {
		rc = -errno;
		snprintf(why, why_len, "cannot read the current directory: %s",
			 strerror(-rc));
		return rc;
	}
	rc = walk(NULL, absolute ? cwd : "", names, modes, n, why, why_len);
	if (rc == 0 && run >= 0)
		rc = rundir_run(exp, run, absolute, out, len);
	else if (rc == 0)
		rc = rundir_experiment(exp, absolute, out, len);
	if (rc == 0 && sub)
		rc = fits(snprintf(out + strlen(out), len - strlen(out), "/%s", sub),
			  len - strlen(out));
	if (rc == -ENAMETOOLONG && !why[0])
		snprintf(why, why_len, "path too long");
	return rc;
}

int rundir_services_make(const char *db_path, const char *exp, char *out,
			 size_t len, char *why, size_t why_len)
{
	const char *names[] = { SERVICES_DIR, exp };
	/* services/ lists every experiment's name: passable, not readable,
	 * as the database's directory is (state.c). */
	const mode_t modes[] = { 0711, 0755 };
	char base[PATH_MAX];
	int rc;

	why[0] = '\0';
	rc = rundir_services(db_path, NULL, base, sizeof(base));
	if (rc == 0)
		base[strlen(base) - strlen("/" SERVICES_DIR)] = '\0';
	if (rc == 0)
		rc = walk(base, base, names, modes, 2, why, why_len);
	if (rc == 0)
		rc = rundir_services(db_path, exp, out, len);
	if (rc == -ENAMETOOLONG && !why[0])
		snprintf(why, why_len, "path too long");
	return rc;
}
