/* emu — the emulator context; see emu.h. world.c, node_netns.c and the
 * other emulator modules reach the host namespace's netlink socket and the
 * namespace itself through it. */
#include "emulator/emu.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "emulator/link.h"

struct emu {
	struct nl_sock *sk;     /* rtnetlink, in the host namespace */
	int host_netns;         /* the namespace emu_open() ran in */
};

int emu_open(struct emu **out)
{
	struct emu *emu;
	int err;

	*out = NULL;
	emu = calloc(1, sizeof(*emu));
	if (!emu)
		return -ENOMEM;
	emu->host_netns = open("/proc/thread-self/ns/net",
			       O_RDONLY | O_CLOEXEC);
	if (emu->host_netns < 0) {
		err = -errno;
		goto out;
	}
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
