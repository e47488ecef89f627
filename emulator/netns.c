/* netns — named network namespaces under /run/netns; see netns.h. */
#include "emulator/netns.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <linux/magic.h>

/* netns_sweep() unbinds on up to this many threads, one per this many
 * namespaces. */
#define NETNS_DEL_THREADS       8
#define NETNS_DEL_PER_THREAD    16

static int netns_path(const char *name, char *buf, size_t len)
{
	int n = snprintf(buf, len, "%s/%s", NETNS_RUN_DIR, name);

	if (n < 0 || (size_t)n >= len || !*name || strchr(name, '/'))
		return -EINVAL;
	return 0;
}

/* 1 if DIR holds no entry, 0 if it does, -errno. */
static int dir_empty(const char *path)
{
	struct dirent *de;
	DIR *dir = opendir(path);
	int empty = 1;

	if (!dir)
		return -errno;
	while (empty && (de = readdir(dir)) != NULL)
		if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
			empty = 0;
	closedir(dir);
	return empty;
}

int netns_prepare(void)
{
	struct statfs sf;
	int bound = 0;
	int err = 0;

	if (mkdir(NETNS_RUN_DIR, 0755) != 0 && errno != EEXIST) {
		err = -errno;
		goto out;
	}
	/* The files are only mount points, yet on a disk file system each
	 * costs a journalled create and unlink (0.4-0.7 ms on this VM's ext4
	 * /run, a third of a node's bring-up). /run is a tmpfs on a standard
	 * system; give /run/netns one when it is empty, hiding nothing. */
	if (statfs(NETNS_RUN_DIR, &sf) != 0) {
		err = -errno;
		goto out;
	}
	if (sf.f_type != TMPFS_MAGIC && dir_empty(NETNS_RUN_DIR) == 1) {
		if (mount("tmpfs", NETNS_RUN_DIR, "tmpfs",
			  MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=0755") != 0) {
			err = -errno;
			goto out;
		}
	}
	while (mount("", NETNS_RUN_DIR, "none", MS_SHARED | MS_REC,
		     NULL) != 0) {
		/* EINVAL: not a mount point yet; make it one, once. */
		if (errno != EINVAL || bound) {
			err = -errno;
			goto out;
		}
		if (mount(NETNS_RUN_DIR, NETNS_RUN_DIR, "none",
			  MS_BIND | MS_REC, NULL) != 0) {
			err = -errno;
			goto out;
		}
		bound = 1;
	}
out:
	return err;
}

int netns_add_enter(const char *name, int host_fd)
{
	char path[PATH_MAX];
	int created = 0, moved = 0;
	int fd, err;

	err = netns_path(name, path, sizeof(path));
	if (err < 0)
		goto out;
	fd = open(path, O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0);
	if (fd < 0) {
		err = -errno;
		goto out;
	}
	close(fd);
	created = 1;
	if (unshare(CLONE_NEWNET) != 0) {
		err = -errno;
		goto out;
	}
	moved = 1;
	if (mount("/proc/thread-self/ns/net", path, "none", MS_BIND,
		  NULL) != 0) {
		err = -errno;
		goto out;
	}
out:
	if (err < 0 && moved)
		netns_leave(host_fd);
	if (err < 0 && created)
		unlink(path);
	return err;
}

int netns_enter(const char *name)
{
	char path[PATH_MAX];
	int fd = -1;
	int err;

	err = netns_path(name, path, sizeof(path));
	if (err < 0)
		goto out;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		err = -errno;
		goto out;
	}
	err = netns_enter_fd(fd);
out:
	if (fd >= 0)
		close(fd);
	return err;
}

int netns_leave(int host_fd)
{
	return netns_enter_fd(host_fd);
}

int netns_open(const char *name)
{
	char path[PATH_MAX];
	const char *file = name;
	int err = 0;

	if (name[0] != '/') {
		err = netns_path(name, path, sizeof(path));
		file = path;
	}
	if (err == 0) {
		err = open(file, O_RDONLY | O_CLOEXEC);
		if (err < 0)
			err = -errno;
	}
	return err;
}

int netns_enter_fd(int fd)
{
	return setns(fd, CLONE_NEWNET) == 0 ? 0 : -errno;
}

int netns_del(const char *name)
{
	char path[PATH_MAX];
	int err;

	err = netns_path(name, path, sizeof(path));
	if (err < 0)
		goto out;
	/* EINVAL: not mounted (a crash between create and bind). */
	if (umount2(path, MNT_DETACH) != 0 && errno != EINVAL &&
	    errno != ENOENT) {
		err = -errno;
		goto out;
	}
	if (unlink(path) != 0 && errno != ENOENT)
		err = -errno;
out:
	return err;
}

static void names_free(char **names, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

/* The entries of /run/netns starting with PREFIX (not empty) into *NAMES
 * (each and the array to free with names_free()) of *N. A missing
 * directory has none. Returns 0 or -errno (then nothing is allocated). */
static int netns_list(const char *prefix, char ***names, size_t *n)
{
	size_t plen = strlen(prefix), cap = 0;
	struct dirent *de;
	DIR *dir = NULL;
	int err = 0;

	*names = NULL;
	*n = 0;
	if (plen == 0) {
		err = -EINVAL;
		goto out;
	}
	dir = opendir(NETNS_RUN_DIR);
	if (!dir) {
		err = errno == ENOENT ? 0 : -errno;
		goto out;
	}
	while ((de = readdir(dir)) != NULL) {
		if (strncmp(de->d_name, prefix, plen) != 0)
			continue;
		if (*n == cap) {
			size_t ncap = cap ? 2 * cap : 64;
			char **nn = realloc(*names, ncap * sizeof(**names));

			if (!nn) {
				err = -ENOMEM;
				goto out;
			}
			*names = nn;
			cap = ncap;
		}
		(*names)[*n] = strdup(de->d_name);
		if (!(*names)[*n]) {
			err = -ENOMEM;
			goto out;
		}
		(*n)++;
	}
out:
	if (dir)
		closedir(dir);
	if (err < 0) {
		names_free(*names, *n);
		*names = NULL;
		*n = 0;
	}
	return err;
}

/* Namespaces being unbound by several threads. */
struct del_pool {
	char **names;
	size_t n;
	atomic_size_t next;
	atomic_int err;         /* first failure */
};

static void *del_thread(void *arg)
{
	struct del_pool *p = arg;
	size_t i;
	int zero, err;

	while ((i = atomic_fetch_add(&p->next, 1)) < p->n) {
		err = netns_del(p->names[i]);
		zero = 0;
		if (err < 0)
			atomic_compare_exchange_strong(&p->err, &zero, err);
	}
	return NULL;
}

int netns_sweep(const char *prefix)
{
	struct del_pool p = { 0 };
	pthread_t th[NETNS_DEL_THREADS];
	size_t started = 0, i;
	int err;

	err = netns_list(prefix, &p.names, &p.n);
	if (err < 0)
		return err;
	atomic_init(&p.next, 0);
	atomic_init(&p.err, 0);
	/* Each unmount waits for an RCU grace period after it has let go of
	 * the mount lock; several threads wait for the same one. */
	for (i = 1; i < NETNS_DEL_THREADS && i < p.n / NETNS_DEL_PER_THREAD;
	     i++) {
		if (pthread_create(&th[started], NULL, del_thread, &p) != 0)
			break;  /* fewer threads, same result */
		started++;
	}
	del_thread(&p);
	for (i = 0; i < started; i++)
		pthread_join(th[i], NULL);
	err = atomic_load(&p.err);
	names_free(p.names, p.n);
	return err < 0 ? err : (int)p.n;
}

int netns_count(const char *prefix)
{
	char **names;
	size_t n;
	int err = netns_list(prefix, &names, &n);

	names_free(names, n);
	return err < 0 ? err : (int)n;
}

struct inode_list {
	unsigned long long *v;
	size_t n, cap;
};

/* Add the inode of namespace NAME to L; one gone meanwhile is skipped. */
static int add_inode(const char *name, struct inode_list *l)
{
	char path[PATH_MAX];
	struct stat sb;

	if (netns_path(name, path, sizeof(path)) < 0 || stat(path, &sb) != 0)
		return 0;
	if (l->n == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 16;
		unsigned long long *v = realloc(l->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n++] = (unsigned long long)sb.st_ino;
	return 0;
}

int netns_inodes(const char *prefix, unsigned long long **inos, size_t *n)
{
	struct inode_list l = { 0 };
	char **names;
	size_t k, i;
	int err = netns_list(prefix, &names, &k);

	for (i = 0; i < k && err == 0; i++)
		err = add_inode(names[i], &l);
	names_free(names, k);
	if (err < 0) {
		free(l.v);
		l.v = NULL;
		l.n = 0;
	}
	*inos = l.v;
	*n = l.n;
	return err < 0 ? err : 0;
}

int netns_sysctl_at(int dir, const char *path, const char *value)
{
	size_t len = strlen(value);
	int fd, err = 0;

	fd = openat(dir, path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	errno = 0;
	if (write(fd, value, len) != (ssize_t)len)
		err = errno ? -errno : -EIO;
	close(fd);
	return err;
}

int netns_sysctl(const char *path, const char *value)
{
	char full[PATH_MAX];
	int n;

	n = snprintf(full, sizeof(full), "/proc/sys/%s", path);
	if (n < 0 || (size_t)n >= sizeof(full))
		return -EINVAL;
	return netns_sysctl_at(AT_FDCWD, full, value);
}

int netns_ipv6_off(int conf_dir, const char *ifname)
{
	char path[PATH_MAX];
	int n;

	if (conf_dir < 0)
		return 0;
	n = snprintf(path, sizeof(path), "%s/disable_ipv6", ifname);
	if (n < 0 || (size_t)n >= sizeof(path))
		return -EINVAL;
	return netns_sysctl_at(conf_dir, path, "1");
}
