/* fs — directory trees; see fs.h. */
#include "util/fs.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdlib.h>
#include <unistd.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

/* mkdir -p of the first LEN bytes of PATH. */
static int mkdir_upto(const char *path, size_t len, mode_t mode)
{
	char buf[PATH_MAX];
	size_t i;

	if (len == 0)
		return 0;
	if (len >= sizeof(buf))
		return -ENAMETOOLONG;
	memcpy(buf, path, len);
	buf[len] = '\0';
	for (i = 1; i <= len; i++) {
		if (buf[i] != '/' && buf[i] != '\0')
			continue;
		buf[i] = '\0';
		if (mkdir(buf, mode) != 0 && errno != EEXIST)
			return -errno;
		if (i < len)
			buf[i] = '/';
	}
	return 0;
}

int fs_mkdir_p(const char *path, mode_t mode)
{
	return mkdir_upto(path, strlen(path), mode);
}

int fs_mkdir_parent(const char *path, mode_t mode)
{
	const char *slash = strrchr(path, '/');

	if (!slash || slash == path)
		return 0;
	return mkdir_upto(path, (size_t)(slash - path), mode);
}

static int remove_one(const char *path, const struct stat *sb, int flag,
		      struct FTW *ftw)
{
	(void)sb;
	(void)ftw;
	if (flag == FTW_DP)
		return rmdir(path) != 0 && errno != ENOENT ? -errno : 0;
	return unlink(path) != 0 && errno != ENOENT ? -errno : 0;
}

int fs_remove_tree(const char *path)
{
	struct stat sb;
	int rc;

	if (lstat(path, &sb) != 0)
		return errno == ENOENT ? 0 : -errno;
	rc = nftw(path, remove_one, 16, FTW_DEPTH | FTW_PHYS);
	return rc < 0 ? -errno : rc > 0 ? -EIO : rc;
}

int fs_read_file(const char *path, size_t max, char **buf, size_t *len)
{
	char *data = NULL, *nd;
	size_t cap = 0, used = 0;
	struct stat st;
	ssize_t got;
	int fd, rc = 0;

	/* O_NONBLOCK: opening a FIFO must not wait for a writer. */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) != 0) {
		rc = -errno;
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		rc = S_ISDIR(st.st_mode) ? -EISDIR : -EINVAL;
		goto out;
	}
	for (;;) {
		if (used == cap) {
			if (cap > max) {
				rc = -EFBIG;
				goto out;
			}
			cap = cap ? cap * 2 : 4096;
			nd = realloc(data, cap + 1);
			if (!nd) {
				rc = -ENOMEM;
				goto out;
			}
			data = nd;
		}
		got = read(fd, data + used, cap - used);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			rc = -errno;
			goto out;
		}
		if (got == 0)
			break;
		used += (size_t)got;
	}
	if (used > max) {
		rc = -EFBIG;
		goto out;
	}
	data[used] = '\0';
	*buf = data;
	*len = used;
	data = NULL;
out:
	free(data);
	close(fd);
	return rc;
}

const char *fs_read_error(int rc)
{
	if (rc == -EFBIG)
		return "file too large";
	if (rc == -EINVAL)
		return "not a regular file";
	return strerror(-rc);
}

int fs_stat_trusted(const char *p, const struct stat *st, char *why,
		    size_t len)
{
	uid_t me = geteuid();

	if (st->st_uid != 0 && st->st_uid != me) {
		if (me == 0)
			snprintf(why, len, "'%s' is owned by uid %u, not by root", p,
				 (unsigned)st->st_uid);
		else
			snprintf(why, len, "'%s' is owned by uid %u, not by root or by you (uid %u)",
				 p, (unsigned)st->st_uid, (unsigned)me);
		return -EPERM;
	}
	if ((st->st_mode & (S_IWGRP | S_IWOTH)) &&
	    !(S_ISDIR(st->st_mode) && (st->st_mode & S_ISVTX))) {
		snprintf(why, len, "'%s' is writable by group or others (mode %04o)",
			 p, (unsigned)(st->st_mode & 07777));
		return -EPERM;
	}
	return 0;
}

int fs_trusted(const char *path, char *why, size_t len)
{
	char real[PATH_MAX], *slash;
	struct stat st;
	int rc;

	if (!realpath(path, real)) {
		rc = -errno;
		snprintf(why, len, "'%s': %s", path, strerror(-rc));
		return rc;
	}
	if (stat(real, &st) != 0) {
		rc = -errno;
		snprintf(why, len, "'%s': %s", real, strerror(-rc));
		return rc;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(why, len, "'%s' is not a regular file", real);
		return -EPERM;
	}
	rc = fs_stat_trusted(real, &st, why, len);
	/* Every directory above it, up to /. */
	while (rc == 0 && (slash = strrchr(real, '/'))) {
		if (slash == real)
			slash[1] = '\0';
		else
			*slash = '\0';
		if (stat(real, &st) != 0) {
			rc = -errno;
			snprintf(why, len, "'%s': %s", real, strerror(-rc));
			break;
		}
		rc = fs_stat_trusted(real, &st, why, len);
		if (slash == real)
			break;
	}
	return rc;
}

int fs_private_dir(const char *file)
{
	char dir[PATH_MAX];
	const char *slash = strrchr(file, '/');
	struct stat st;
	int rc;

	if (!slash || slash == file ||
	    snprintf(dir, sizeof(dir), "%.*s", (int)(slash - file), file) >=
	    (int)sizeof(dir))
		return -EINVAL;
	rc = fs_mkdir_parent(dir, 0755);
	if (rc)
		return rc;
	if (mkdir(dir, 0700) != 0 && errno != EEXIST)
		return -errno;
	if (lstat(dir, &st) != 0)
		return -errno;
	if (!S_ISDIR(st.st_mode))
		return -ENOTDIR;
	if (st.st_uid != geteuid())
		return -EPERM;
	return chmod(dir, 0700) == 0 ? 0 : -errno;
}
