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
 *        enos-agent echo PORT
 *   answers every UDP datagram to PORT with the same bytes, in the
 *   background (detached in a session of its own, so it outlives the
 *   `enos exec` that started it): the far end of the RTT probe's
 *   "remote echo" destination (workloads/probe.h) when it is a VM.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <netinet/in.h>
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

/* A UDP socket bound to 0.0.0.0:PORT. Returns the fd or -errno. */
static int echo_socket(long port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET,
				  .sin_port = htons((uint16_t)port),
				  .sin_addr.s_addr = htonl(INADDR_ANY) };
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -errno;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		int err = -errno;

		close(fd);
		return err;
	}
	return fd;
}

/* Send every datagram on FD back to its sender, forever. */
static void echo_serve(int fd)
{
	char buf[2048];
	struct sockaddr_in peer;
	socklen_t plen;
	ssize_t n;

	for (;;) {
		plen = sizeof(peer);
		n = recvfrom(fd, buf, sizeof(buf), 0, (struct sockaddr *)&peer,
			     &plen);
		if (n >= 0)
			sendto(fd, buf, (size_t)n, 0, (struct sockaddr *)&peer,
			       plen);
	}
}

/* `enos-agent echo PORT`: bind first (so a port in use is this
 * command's error), then leave the echo to a child in a session of its
 * own with stdio on /dev/null, and exit 0. Like `socat -T0
 * UDP-RECVFROM:PORT,fork EXEC:cat &`. */
static int echo_main(const char *arg)
{
	char *end;
	long port = strtol(arg, &end, 10);
	int fd, null;
	pid_t pid;

	if (*arg == '\0' || *end != '\0' || port < 1 || port > 65535) {
		fprintf(stderr, "enos-agent: echo: bad port '%s'\n", arg);
		return 2;
	}
	fd = echo_socket(port);
	if (fd < 0) {
		fprintf(stderr, "enos-agent: echo: cannot bind UDP port %ld: %s\n",
			port, strerror(-fd));
		return 1;
	}
	pid = fork();
	if (pid < 0) {
		fprintf(stderr, "enos-agent: echo: fork: %s\n", strerror(errno));
		return 1;
	}
	if (pid > 0)
		return 0;
	setsid();
	null = open("/dev/null", O_RDWR);
	if (null >= 0) {
		dup2(null, STDIN_FILENO);
		dup2(null, STDOUT_FILENO);
		dup2(null, STDERR_FILENO);
	}
	echo_serve(fd);
	return 0;
}

int main(int argc, char **argv)
{
	char port[256];
	int i, fd, err = -ENOENT;

	if (argc == 3 && strcmp(argv[1], "echo") == 0)
		return echo_main(argv[2]);
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--tx-csum-off") == 0 && i + 1 < argc) {
			err = tx_csum_off(argv[++i]);
			if (err < 0)
				fprintf(stderr, "enos-agent: tx off on '%s': %s\n",
					argv[i], strerror(-err));
		} else {
			fprintf(stderr, "usage: enos-agent [--tx-csum-off IFNAME]...\n"
				"       enos-agent echo PORT\n");
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
