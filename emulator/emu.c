/* emu — the emulator context; see emu.h. world.c, node_netns.c and the
 * other emulator modules reach the host namespace's netlink socket and the
 * namespace itself through it. */
#include "emulator/emu.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "emulator/link.h"
#include "emulator/virt.h"

#define EMU_ERRMSG_LEN 1024

struct emu {
	struct nl_sock *sk;     /* rtnetlink, in the host namespace */
	int host_netns;         /* the namespace emu_open() ran in */
	int host_ipv6_conf;     /* its /proc/sys/net/ipv6/conf, or -1 */
	struct virt *virt;      /* libvirt connections, made on first use */
	pthread_mutex_t lock;   /* virt and errmsg: world_up() has threads */
	char errmsg[EMU_ERRMSG_LEN];
};

/* The host's /proc/sys/net/ipv6/conf in *FD, -1 when the kernel has no
 * IPv6 (nothing to switch off then). */
static int host_ipv6_conf_open(int *fd)
{
	*fd = open("/proc/sys/net/ipv6/conf",
		   O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (*fd < 0 && errno != ENOENT)
		return -errno;
	return 0;
}

int emu_open(struct emu **out)
{
	struct emu *emu;
	int err;

	*out = NULL;
	emu = calloc(1, sizeof(*emu));
	if (!emu)
		return -ENOMEM;
	pthread_mutex_init(&emu->lock, NULL);
	emu->host_ipv6_conf = -1;
	emu->host_netns = open("/proc/thread-self/ns/net",
			       O_RDONLY | O_CLOEXEC);
	if (emu->host_netns < 0) {
		err = -errno;
		goto out;
	}
	err = host_ipv6_conf_open(&emu->host_ipv6_conf);
	if (err < 0)
		goto out;
	err = link_sock_open(&emu->sk);
	if (err < 0)
		goto out;
	*out = emu;
	emu = NULL;
out:
	emu_close(emu);
	return err;
}

void emu_close(struct emu *emu)
{
	if (!emu)
		return;
	link_sock_close(emu->sk);
	if (emu->host_netns >= 0)
		close(emu->host_netns);
	if (emu->host_ipv6_conf >= 0)
		close(emu->host_ipv6_conf);
	virt_free(emu->virt);
	pthread_mutex_destroy(&emu->lock);
	free(emu);
}

struct nl_sock *emu_nl(struct emu *emu)
{
	return emu->sk;
}

int emu_host_netns(const struct emu *emu)
{
	return emu->host_netns;
}

int emu_host_ipv6_conf(const struct emu *emu)
{
	return emu->host_ipv6_conf;
}

struct virt *emu_virt(struct emu *emu)
{
	struct virt *v;

	pthread_mutex_lock(&emu->lock);
	if (!emu->virt && virt_new(&emu->virt) < 0)
		emu->virt = NULL;
	v = emu->virt;
	pthread_mutex_unlock(&emu->lock);
	return v;
}

const char *emu_errmsg(struct emu *emu)
{
	return emu->errmsg;
}

void emu_seterr(struct emu *emu, const char *fmt, ...)
{
	va_list ap;

	pthread_mutex_lock(&emu->lock);
	va_start(ap, fmt);
	vsnprintf(emu->errmsg, sizeof(emu->errmsg), fmt, ap);
	va_end(ap);
	pthread_mutex_unlock(&emu->lock);
}

void emu_clearerr(struct emu *emu)
{
	pthread_mutex_lock(&emu->lock);
	emu->errmsg[0] = '\0';
	pthread_mutex_unlock(&emu->lock);
}
