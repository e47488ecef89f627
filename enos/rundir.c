/* rundir — where the files of experiments and runs go; see rundir.h. */
#include "enos/rundir.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

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
