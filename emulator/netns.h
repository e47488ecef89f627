/* netns — named network namespaces under /run/netns, as `ip netns` keeps
 * them, for the namespace backend (world.c, node_netns.c) and the RTT
 * probe (workloads/probe.c).
 *
 * A namespace lives while a bind mount of its nsfs file exists at
 * /run/netns/NAME, so it outlives the process that made it and any tool
 * (`ip netns exec NAME`) can find it. setns() and unshare() act on the
 * calling thread only: a thread steps into a namespace, opens netlink
 * sockets there (a socket stays in the namespace it was made in), and
 * returns to the host namespace kept by struct emu.
 *
 * Functions return 0 or a negative errno.
 */
#ifndef EMULATOR_NETNS_H
#define EMULATOR_NETNS_H

#include <stddef.h>

#define NETNS_RUN_DIR "/run/netns"

/* `mkdir -p /run/netns && mount --make-shared /run/netns`, binding the
 * directory onto itself first if it is not a mount point, so unmounts
 * propagate to the mount namespaces of `ip netns exec` children. If the
 * directory is empty and not on a tmpfs, a tmpfs is mounted there first
 * (`mount -t tmpfs -o mode=0755 tmpfs /run/netns`). */
int netns_prepare(void);

/* `ip netns add NAME`, and the calling thread stays in the new namespace.
 * On failure the thread is back in HOST_FD's namespace and NAME is gone. */
int netns_add_enter(const char *name, int host_fd);

/* `ip netns exec NAME`'s first step: move the calling thread into NAME. */
int netns_enter(const char *name);

/* Move the calling thread back into the namespace of HOST_FD. */
int netns_leave(int host_fd);

/* Open a network namespace to enter it many times (a probe steps into
 * each namespace once per group of sockets): NAME is a name under
 * /run/netns, as netns_enter() takes, or an absolute path to a namespace
 * file (/proc/PID/ns/net; /proc/thread-self/ns/net is the calling
 * thread's own). Returns the descriptor (close-on-exec; the caller closes
 * it) or -errno (-ENOENT: no such namespace). */
int netns_open(const char *name);

/* `ip netns exec`'s first step for a namespace opened by netns_open():
 * move the calling thread into the namespace of FD. */
int netns_enter_fd(int fd);

/* `ip netns del NAME`; a namespace already gone is success. */
int netns_del(const char *name);

/* `ip netns del` every namespace whose name starts with PREFIX (not
 * empty), on several threads. Tries them all; returns how many there
 * were, or the first -errno. */
int netns_sweep(const char *prefix);

/* How many namespaces under /run/netns start with PREFIX, or -errno. */
int netns_count(const char *prefix);

/* The inode numbers of the namespaces under /run/netns whose names start
 * with PREFIX (`stat -L -c %i /run/netns/PREFIX*`), which /proc/PID/ns/net
 * of a process inside one has too: *INOS (free() it; NULL when none) of
 * *N. Returns 0 or -errno (then *INOS is NULL and *N 0). */
int netns_inodes(const char *prefix, unsigned long long **inos, size_t *n);

/* `sysctl -w` for the calling thread's namespace: write VALUE to
 * /proc/sys/PATH (e.g. "net/ipv4/ip_forward"). /proc/sys/net resolves to
 * the network namespace of the task that opens the file. */
int netns_sysctl(const char *path, const char *value);

/* Write VALUE to the sysctl PATH relative to DIR (AT_FDCWD, or a
 * descriptor of a directory under /proc/sys). A descriptor of
 * /proc/sys/net/... opened in one namespace keeps naming that namespace's
 * entries, whichever namespace the calling thread is in when it writes
 * (the "net" link at /proc/sys itself follows the caller's). */
int netns_sysctl_at(int dir, const char *path, const char *value);

/* `sysctl -w net.ipv6.conf.IFNAME.disable_ipv6=1` in the namespace whose
 * /proc/sys/net/ipv6/conf CONF_DIR is (nothing if CONF_DIR < 0: no IPv6).
 * For the host ends of veths: without it the kernel gives each, when it
 * gets carrier, an ff00::/8 route in the host's table, inserted in time
 * linear in the routes already there. Returns 0 or -errno. */
int netns_ipv6_off(int conf_dir, const char *ifname);

#endif
