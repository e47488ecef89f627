/* enos-agent — the guest end of `enos exec` for qemu nodes.
 *
 * The initramfs's /init (emulator/initramfs.c) runs it after it has set up
 * the node's network; it finds the virtio-serial port AGENT_PORT_NAME and
 * serves exec requests on it (emulator/agent.c) until the guest powers
 * off. It is linked statically from libc alone, so the image needs none
 * of the host's libraries (enos itself links libvirt and ~60 MB of
 * dependencies).
 *
 * Usage: enos-agent [--tx-csum-off IFNAME]...
 *   --tx-csum-off  `ethtool -K IFNAME tx off` first: the Open vSwitch
 *                  userspace datapath leaves partial checksums unfilled.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <linux/ethtool.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include "emulator/agent.h"

#define PORT_WAIT_S 30

/* `ethtool -K NAME tx off` (ETHTOOL_STXCSUM). Returns 0 or -errno. */
static int tx_csum_off(const char *name)
{
	struct ethtool_value ev = { .cmd = ETHTOOL_STXCSUM, .data = 0 };
	struct ifreq ifr;
	int fd, err = 0;

	memset(&ifr, 0, sizeof(ifr));
	if (strlen(name) >= sizeof(ifr.ifr_name))
		return -ENAMETOOLONG;
	memcpy(ifr.ifr_name, name, strlen(name) + 1);
	ifr.ifr_data = (void *)&ev;
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (ioctl(fd, SIOCETHTOOL, &ifr) != 0)
		err = -errno;
	close(fd);
	return err;
}

int main(int argc, char **argv)
{
	char port[256];
	int i, fd, err = -ENOENT;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--tx-csum-off") == 0 && i + 1 < argc) {
			err = tx_csum_off(argv[++i]);
			if (err < 0)
				fprintf(stderr, "enos-agent: tx off on '%s': %s\n",
					argv[i], strerror(-err));
		} else {
			fprintf(stderr, "usage: enos-agent [--tx-csum-off IFNAME]...\n");
			return 2;
		}
	}
	/* The port appears when virtio_console has probed it. */
	for (i = 0; i < PORT_WAIT_S * 10; i++) {
		err = agent_port_find(AGENT_PORT_NAME, port, sizeof(port));
		if (err == 0)
			break;
		usleep(100 * 1000);
	}
	if (err < 0) {
		fprintf(stderr, "enos-agent: no virtio-serial port '%s'\n",
			AGENT_PORT_NAME);
		return 1;
	}
	fd = open(port, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "enos-agent: cannot open '%s': %s\n", port,
			strerror(errno));
		return 1;
	}
	printf("ENOS-AGENT: serving on %s\n", port);
	fflush(stdout);
	err = agent_serve(fd);
	fprintf(stderr, "enos-agent: '%s': %s\n", port, strerror(-err));
	close(fd);
	return 1;
}
