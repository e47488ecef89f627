/* fs — the file-system helpers every layer shares: making and removing
 * directory trees and reading a whole input file. Functions return 0 or a negative
 * errno.
 */
#ifndef UTIL_FS_H
#define UTIL_FS_H

#include <stddef.h>
#include <sys/stat.h>
#include <sys/types.h>

/* mkdir -p PATH with MODE for the directories it makes; a directory that
 * exists is success. */
int fs_mkdir_p(const char *path, mode_t mode);

/* mkdir -p of the directory part of PATH ("a/b/c" makes "a/b"); PATH
 * without a '/' (or only a leading one) needs nothing. */
int fs_mkdir_parent(const char *path, mode_t mode);

/* The directory of FILE (/run/enos/NAME for /run/enos/NAME/wand.sock),
 * its parents made 0755: made 0700, or an existing one made 0700 if it is
 * a directory of ours (not a link, our owner). 0, -ENOTDIR, -EPERM,
 * -EINVAL (FILE has no directory part) or -errno. For the files of a
 * process enos runs (the wand engine's socket, the trace player's pid
 * file). */
int fs_private_dir(const char *file);

/* rm -rf PATH: the tree below PATH, depth first, without following
 * symbolic links (a link is removed, not what it points to); PATH gone
 * already is success. */
int fs_remove_tree(const char *path);

/* Read the regular file PATH whole, at most MAX bytes, into *BUF (NUL
 * added; free() it) and its length into *LEN. -EFBIG past MAX; -EISDIR
 * for a directory, -EINVAL for anything else that is not a regular file
 * (a FIFO or a device would block or never end). On failure *BUF is
 * untouched. */
int fs_read_file(const char *path, size_t max, char **buf, size_t *len);

/* Could only root or the caller (the effective uid) have written PATH?
 * PATH is resolved (realpath) and must be a regular file; it and every
 * directory above it must be owned by root or the caller and not writable
 * by group or others, except a directory with the sticky bit (as /tmp),
 * where nobody else can replace what root or the caller put there. The
 * test OpenSSH's StrictModes applies to authorized_keys. 0; -EPERM with
 * WHY ("'/x/y' is writable by group or others (mode 0777)", "'/x' is
 * owned by uid 1000, not by root"); or -errno (-ENOENT ...) with WHY the
 * path that could not be checked. */
int fs_trusted(const char *path, char *why, size_t len);

/* fs_trusted()'s test of one file or directory: ST (from stat) of the
 * path shown as NAME. 0, or -EPERM with WHY. */
int fs_stat_trusted(const char *name, const struct stat *st, char *why,
		    size_t len);

/* What fs_read_file()'s RC means, for a message: "file too large", "not a
 * regular file", or strerror(-RC). Static. */
const char *fs_read_error(int rc);

#endif
