/* initramfs — writes the boot image of qemu nodes as a "newc" cpio
 * archive; see initramfs.h for what it holds. The format is a 110-byte
 * ASCII header per entry ("070701" and 13 eight-digit hex fields), the
 * NUL-terminated name and the data, each padded to 4 bytes, and a last
 * entry "TRAILER!!!" (the kernel's Documentation/driver-api/early-userspace/
 * buffer-format.rst). Writing it here rather than piping `find | cpio`
 * spares a tool and a temporary tree, and the image is reproducible
 * (every mtime is 0).
 */
#include "emulator/initramfs.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

const char *const initramfs_node_modules[] = {
	"virtio_pci", "virtio_net", "virtio_console",
	"sch_netem", "sch_htb", "cls_u32", NULL,
};

/* /init: busybox's shell runs it as PID 1; it must never exit. */
static const char init_script[] =
	"#!/bin/sh\n"
	"# /init of an enos qemu node, written by enos (emulator/initramfs.c).\n"
	"export PATH=/bin:/sbin:/usr/bin:/usr/sbin HOME=/root\n"
	"/bin/busybox mkdir -p /proc /sys /dev /tmp /run /root /sbin /usr/bin /usr/sbin\n"
	"/bin/busybox --install -s\n"
	"mount -t proc proc /proc\n"
	"mount -t sysfs sysfs /sys\n"
	"mount -t devtmpfs devtmpfs /dev\n"
	"mount -t tmpfs tmpfs /tmp\n"
	"mount -t tmpfs tmpfs /run\n"
	"while read -r m; do\n"
	"\tinsmod \"/lib/modules/$m\" || echo \"ENOS-NODE: insmod $m failed\"\n"
	"done < /etc/enos-modules\n"
	"addr= gw= txoff= node=\n"
	"for a in $(cat /proc/cmdline); do\n"
	"\tcase $a in\n"
	"\tenos.addr=*) addr=${a#enos.addr=} ;;\n"
	"\tenos.gw=*) gw=${a#enos.gw=} ;;\n"
	"\tenos.txoff=1) txoff=\"--tx-csum-off eth0\" ;;\n"
	"\tenos.node=*) node=${a#enos.node=} ;;\n"
	"\tesac\n"
	"done\n"
	"[ -n \"$node\" ] && hostname \"$node\"\n"
	"ip link set lo up\n"
	"i=0\n"
	"while [ ! -e /sys/class/net/eth0 ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done\n"
	"ip link set eth0 up\n"
	"[ -n \"$addr\" ] && ip addr add \"$addr\" dev eth0\n"
	"[ -n \"$gw\" ] && ip route add default via \"$gw\"\n"
	"read -r up _ < /proc/uptime\n"
	"echo \"ENOS-NODE: $node up at ${up}s\"\n"
	"while :; do /sbin/enos-agent $txoff; sleep 1; done\n";

/* An archive being written. */
struct cpio {
	FILE *f;
	unsigned ino;
	int err;                /* first write error, as -errno */
};

static void cpio_write(struct cpio *c, const void *buf, size_t len)
{
	if (c->err == 0 && len && fwrite(buf, 1, len, c->f) != len)
		c->err = -(errno ? errno : EIO);
}

static void cpio_pad(struct cpio *c, size_t len)
{
	static const char zeros[4];

	cpio_write(c, zeros, (4 - len % 4) % 4);
}

/* The header and name of one entry; its data follows. */
static void cpio_header(struct cpio *c, const char *name, unsigned mode,
			size_t size, unsigned rmaj, unsigned rmin)
{
	char hdr[160];
	size_t namesize = strlen(name) + 1;

	/* newc sizes are 32 bits; nothing enos packs comes near. */
	if (size > 0xffffffffu && c->err == 0)
		c->err = -EFBIG;
	snprintf(hdr, sizeof(hdr),
		 "070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X",
		 ++c->ino & 0xffffffffu, mode, 0u, 0u, 1u, 0u,
		 (unsigned)size, 0u, 0u, rmaj, rmin, (unsigned)namesize, 0u);
	cpio_write(c, hdr, 110);
	cpio_write(c, name, namesize);
	cpio_pad(c, 110 + namesize);
}

static void cpio_dir(struct cpio *c, const char *name)
{
	cpio_header(c, name, S_IFDIR | 0755, 0, 0, 0);
}

static void cpio_data(struct cpio *c, const char *name, unsigned mode,
		      const void *data, size_t len)
{
	cpio_header(c, name, S_IFREG | mode, len, 0, 0);
	cpio_write(c, data, len);
	cpio_pad(c, len);
}

static void cpio_symlink(struct cpio *c, const char *name,
			 const char *target)
{
	cpio_header(c, name, S_IFLNK | 0777, strlen(target), 0, 0);
	cpio_write(c, target, strlen(target));
	cpio_pad(c, strlen(target));
}

static void cpio_chardev(struct cpio *c, const char *name, unsigned maj,
			 unsigned min)
{
	cpio_header(c, name, S_IFCHR | 0600, 0, maj, min);
}

/* Host file PATH as entry NAME with MODE. */
static void cpio_file(struct cpio *c, const char *name, unsigned mode,
		      const char *path)
{
	char chunk[65536];
	struct stat st;
	size_t left;
	ssize_t n;
	int fd;

	if (c->err)
		return;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) != 0) {
		c->err = -errno;
		goto out;
	}
	cpio_header(c, name, S_IFREG | mode, (size_t)st.st_size, 0, 0);
	for (left = (size_t)st.st_size; left > 0 && c->err == 0;
	     left -= (size_t)n) {
		n = read(fd, chunk, left < sizeof(chunk) ? left : sizeof(chunk));
		if (n <= 0) {
			c->err = n < 0 ? -errno : -EIO;   /* shrank under us */
			goto out;
		}
		cpio_write(c, chunk, (size_t)n);
	}
	cpio_pad(c, (size_t)st.st_size);
out:
	if (fd >= 0)
		close(fd);
}

/* NAME as modules.dep spells a module file: "kernel/net/sched/NAME.ko",
 * with '-' and '_' alike. */
static int module_matches(const char *path, size_t len, const char *name)
{
	const char *base = path, *p;
	size_t i, n = strlen(name);

	for (p = path; p < path + len; p++)
		if (*p == '/')
			base = p + 1;
	if ((size_t)(path + len - base) < n + 3)
		return 0;
	for (i = 0; i < n; i++) {
		char a = base[i] == '-' ? '_' : base[i];
		char b = name[i] == '-' ? '_' : name[i];

		if (a != b)
			return 0;
	}
	return strncmp(base + n, ".ko", 3) == 0;
}

/* Append PATH (LEN bytes) to *PATHS unless it is there. */
static int order_add(char ***paths, size_t *n, const char *path, size_t len)
{
	char **grown;
	size_t i;

	for (i = 0; i < *n; i++)
		if (strlen((*paths)[i]) == len &&
		    strncmp((*paths)[i], path, len) == 0)
			return 0;
	grown = realloc(*paths, (*n + 2) * sizeof(**paths));
	if (!grown)
		return -ENOMEM;
	*paths = grown;
	grown[*n] = strndup(path, len);
	if (!grown[*n])
		return -ENOMEM;
	grown[++*n] = NULL;
	return 0;
}

/* The dependencies of one modules.dep LINE (after the colon), deepest
 * first as modprobe loads them (the file lists them nearest first),
 * then the module. */
static int order_line(const char *line, char ***paths, size_t *n)
{
	const char *colon = strchr(line, ':');
	const char *words[64];
	size_t lens[64], k = 0;
	const char *p;
	int err = 0;

	if (!colon)
		return -EINVAL;
	for (p = colon + 1; *p && k < 64;) {
		size_t len;

		p += strspn(p, " \t");
		len = strcspn(p, " \t\n");
		if (len == 0)
			break;
		words[k] = p;
		lens[k++] = len;
		p += len;
	}
	while (k-- > 0 && err == 0)
		err = order_add(paths, n, words[k], lens[k]);
	if (err == 0)
		err = order_add(paths, n, line, (size_t)(colon - line));
	return err;
}

int initramfs_module_order(const char *moddep, const char *const *names,
			   char ***paths, size_t *n, const char **missing)
{
	FILE *f = fopen(moddep, "re");
	char *line = NULL;
	size_t cap = 0, i;
	int err = 0, found;

	*paths = NULL;
	*n = 0;
	*missing = NULL;
	if (!f)
		return -errno;
	for (i = 0; names[i] && err == 0; i++) {
		rewind(f);
		found = 0;
		while (!found && getline(&line, &cap, f) > 0) {
			const char *colon = strchr(line, ':');

			if (colon && module_matches(line, (size_t)(colon - line),
						    names[i])) {
				found = 1;
				err = order_line(line, paths, n);
			}
		}
		if (!found) {
			*missing = names[i];
			err = -ENOENT;
		}
	}
	free(line);
	fclose(f);
	if (err < 0) {
		for (i = 0; i < *n; i++)
			free((*paths)[i]);
		free(*paths);
		*paths = NULL;
		*n = 0;
	}
	return err;
}

/* Every directory on the way to PATH (relative, "a/b/c.ko"), once: DONE
 * holds those written, newline-separated. */
static int parent_dirs(struct cpio *c, const char *path, char **done,
		       size_t *done_len)
{
	const char *slash;

	for (slash = strchr(path, '/'); slash; slash = strchr(slash + 1, '/')) {
		size_t len = (size_t)(slash - path);
		char dir[512], key[514];
		char *grown;

		if (len >= sizeof(dir))
			return -ENAMETOOLONG;
		memcpy(dir, path, len);
		dir[len] = '\0';
		snprintf(key, sizeof(key), "\n%s\n", dir);
		if (*done && strstr(*done, key))
			continue;
		grown = realloc(*done, *done_len + len + 3);
		if (!grown)
			return -ENOMEM;
		*done = grown;
		if (*done_len == 0)
			grown[(*done_len)++] = '\n';
		memcpy(grown + *done_len, dir, len);
		*done_len += len;
		grown[(*done_len)++] = '\n';
		grown[*done_len] = '\0';
		cpio_dir(c, dir);
	}
	return 0;
}

/* The modules of SPEC under lib/modules/, and /etc/enos-modules listing
 * them in load order. */
static int add_modules(struct cpio *c, const struct initramfs_spec *spec)
{
	char moddep[512], src[1024], name[1024];
	char **paths = NULL, *list = NULL, *done = NULL;
	size_t n = 0, i, list_len = 0, done_len = 0;
	const char *missing;
	FILE *m = NULL;
	int err;

	if (snprintf(moddep, sizeof(moddep), "%s/modules.dep",
		     spec->moddir) >= (int)sizeof(moddep))
		return -ENAMETOOLONG;
	err = initramfs_module_order(moddep, spec->modules, &paths, &n,
				     &missing);
	if (err < 0)
		goto out;
	m = open_memstream(&list, &list_len);
	if (!m) {
		err = -errno;
		goto out;
	}
	for (i = 0; i < n && err == 0; i++) {
		size_t len = strlen(paths[i]);

		if (len < 3 || strcmp(paths[i] + len - 3, ".ko") != 0) {
			err = -ENOTSUP;         /* .ko.xz and the like */
			break;
		}
		if (snprintf(src, sizeof(src), "%s/%s", spec->moddir,
			     paths[i]) >= (int)sizeof(src) ||
		    snprintf(name, sizeof(name), "lib/modules/%s",
			     paths[i]) >= (int)sizeof(name)) {
			err = -ENAMETOOLONG;
			break;
		}
		err = parent_dirs(c, name, &done, &done_len);
		if (err == 0)
			cpio_file(c, name, 0644, src);
		fprintf(m, "%s\n", paths[i]);
	}
	if (fclose(m) != 0 && err == 0)
		err = -ENOMEM;
	m = NULL;
	if (err == 0) {
		cpio_data(c, "etc/enos-modules", 0644, list, list_len);
		err = c->err;
	}
out:
	for (i = 0; i < n; i++)
		free(paths[i]);
	free(paths);
	free(list);
	free(done);
	return err;
}

int initramfs_build(const char *out, const struct initramfs_spec *spec)
{
	static const char *const dirs[] = {
		"bin", "sbin", "dev", "etc", "proc",
		"sys", "tmp", "run", "root", "usr", "usr/bin", "usr/sbin",
	};
	struct cpio c = { 0 };
	char tmp[1024];
	size_t i;
	int err;

	int fd;

	/* A name of its own: two threads may build the same image. */
	if (snprintf(tmp, sizeof(tmp), "%s.XXXXXX", out) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return -errno;
	fchmod(fd, 0644);
	c.f = fdopen(fd, "w");
	if (!c.f) {
		err = -errno;
		close(fd);
		unlink(tmp);
		return err;
	}
	for (i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++)
		cpio_dir(&c, dirs[i]);
	/* The kernel opens it for /init's stdio before devtmpfs exists. */
	cpio_chardev(&c, "dev/console", 5, 1);
	cpio_file(&c, "bin/busybox", 0755, spec->busybox);
	cpio_symlink(&c, "bin/sh", "busybox");
	cpio_file(&c, "sbin/enos-agent", 0755, spec->agent);
	cpio_data(&c, "init", 0755, init_script, sizeof(init_script) - 1);
	err = c.err;
	if (err == 0)
		err = add_modules(&c, spec);
	if (err == 0) {
		cpio_header(&c, "TRAILER!!!", 0, 0, 0, 0);
		err = c.err;
	}
	if (fclose(c.f) != 0 && err == 0)
		err = -errno;
	if (err == 0 && rename(tmp, out) != 0)
		err = -errno;
	if (err < 0)
		unlink(tmp);
	return err;
}
