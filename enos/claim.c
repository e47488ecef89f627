/* claim — host-wide owner of an experiment name; see claim.h. */
#include "enos/claim.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/file.h>
#include <sys/stat.h>

#include "util/fs.h"

/* Open DIR/NAME (made if CREATE) and lock it, retrying if it was unlinked
 * by a release between the open and the lock. The fd, or -errno. */
static int open_locked(const char *dir, const char *name, bool create)
{
	char path[PATH_MAX];
	struct stat a, b;
	int fd, tries;

	if (snprintf(path, sizeof(path), "%s/%s", dir, name) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	for (tries = 0; tries < 100; tries++) {
		fd = open(path, O_RDWR | O_NOFOLLOW | O_CLOEXEC |
			  (create ? O_CREAT : 0), 0600);
		if (fd < 0)
			return -errno;
		if (flock(fd, LOCK_EX) != 0) {
			int rc = -errno;

			close(fd);
			if (rc == -EINTR)
				continue;
			return rc;
		}
		if (fstat(fd, &a) == 0 && stat(path, &b) == 0 &&
		    a.st_dev == b.st_dev && a.st_ino == b.st_ino)
			return fd;
		close(fd);      /* released meanwhile: open the new one */
		if (!create)
			return -ENOENT;
	}
	return -EAGAIN;
}

/* The database recorded in FD into BUF (LEN bytes); "" when empty. */
static int read_owner(int fd, char *buf, size_t len)
{
	ssize_t n = pread(fd, buf, len - 1, 0);

	if (n < 0)
		return -errno;
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

int claim_take(const char *dir, const char *name, const char *db, bool take,
	       char *owner, size_t len)
{
	char cur[PATH_MAX];
	size_t n = strlen(db);
	int fd, rc;

	if (owner && len)
		owner[0] = '\0';
	rc = fs_mkdir_parent(dir, 0755);
	if (rc < 0)
		return rc;
	if (mkdir(dir, 0700) != 0 && errno != EEXIST)
		return -errno;
	fd = open_locked(dir, name, take);
	if (fd == -ENOENT && !take)
		return 0;       /* free */
	if (fd < 0)
		return fd;
	rc = read_owner(fd, cur, sizeof(cur));
	if (rc == 0 && cur[0] && strcmp(cur, db) != 0 &&
	    access(cur, F_OK) == 0) {
		if (owner && len)
			snprintf(owner, len, "%s", cur);
		rc = -EBUSY;
	} else if (rc == 0 && take && strcmp(cur, db) != 0) {
		/* Free, or its database is gone: ours now. */
		if (ftruncate(fd, 0) != 0 ||
		    pwrite(fd, db, n, 0) != (ssize_t)n ||
		    pwrite(fd, "\n", 1, (off_t)n) != 1)
			rc = -errno;
	}
	close(fd);
	return rc;
}

int claim_release(const char *dir, const char *name, const char *db)
{
	char cur[PATH_MAX], path[PATH_MAX];
	int fd = open_locked(dir, name, false), rc;

	if (fd == -ENOENT)
		return 0;
	if (fd < 0)
		return fd;
	rc = read_owner(fd, cur, sizeof(cur));
	if (rc == 0 && strcmp(cur, db) == 0) {
		snprintf(path, sizeof(path), "%s/%s", dir, name);
		if (unlink(path) != 0 && errno != ENOENT)
			rc = -errno;
	}
	close(fd);
	return rc;
}
