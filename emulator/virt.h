/* virt — the libvirt plumbing the libvirt node backends share (node_lxc.c
 * today, node_qemu.c next): the daemons, one connection per URI, domains
 * made from XML, destroyed and swept by name, and the host fix libvirt 9.0
 * LXC needs on a cgroup v1 host whose cgroup2 mount holds hugetlb.
 *
 * The connections live in a struct virt that the emulator context owns
 * (emu_virt()); there is no global state. libvirt's default error handler
 * prints to stderr: a silent one is installed, and every failing call
 * stores libvirt's own message in the emulator context (emu_errmsg()), so
 * enos/ can print it with the -errno these functions return.
 *
 * Domain names are "enos.EXP.NODE", the name of the node's network
 * namespace, so "enos.EXP." selects one experiment's domains.
 */
#ifndef EMULATOR_VIRT_H
#define EMULATOR_VIRT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct emu;
struct virt;

#define VIRT_LXC_URI    "lxc:///"
#define VIRT_QEMU_URI   "qemu:///system"

/* The daemons, in start order (virtlogd first: libvirtd logs through it). */
#define VIRT_VIRTLOGD   "virtlogd"
#define VIRT_LIBVIRTD   "libvirtd"

/* Release V and close its connections; accepts NULL. */
void virt_free(struct virt *v);

/* A new, empty set of connections into *OUT. Returns 0 or -ENOMEM. */
int virt_new(struct virt **out);

/* The pid of DAEMON (VIRT_VIRTLOGD or VIRT_LIBVIRTD) from its pid file
 * /run/DAEMON.pid if that process lives (not a zombie) and its command
 * line names DAEMON; else 0. */
int virt_daemon_running(const char *daemon);

/* Start DAEMON in a session of its own, not daemonised (so the pid is the
 * one forked here), stdin and stdout to /dev/null, stderr to
 * /var/log/enos-DAEMON.log:
 *   setsid /usr/sbin/libvirtd </dev/null >/dev/null 2>>/var/log/enos-libvirtd.log
 * and wait (up to 15 s) until it serves: its socket under /run/libvirt
 * accepts a connection. *PID is its pid, also set when it failed to serve
 * in time (the caller stops it). Returns 0 or -errno (-ENOENT: no such
 * program; -ETIMEDOUT: it never served; -ECHILD: it exited). */
int virt_daemon_start(const char *daemon, int *pid);

/* Stop DAEMON's process PID: SIGTERM, then SIGKILL after 10 s, only if PID
 * lives and its command line names DAEMON; PID 0 or less: the pid in its
 * pid file. Gone already, or another program now, is success. */
int virt_daemon_stop(const char *daemon, int pid);

/* Does this host need the hugetlb fix? True when ROOT (NULL:
 * "/sys/fs/cgroup") is a cgroup v1 tree whose "unified" cgroup2 mount
 * lists hugetlb in cgroup.controllers: libvirt 9.0 then fails every LXC
 * domain with "Unable to create directory /sys/fs/cgroup/unified".
 * Unreadable files mean no. */
bool virt_hugetlb_needs_fix(const char *root);

/* Apply the fix: bind hugetlb to a cgroup v1 hierarchy, which takes it off
 * cgroup2:
 *   mkdir -p /sys/fs/cgroup/hugetlb &&
 *   mount -t cgroup -o hugetlb cgroup /sys/fs/cgroup/hugetlb
 * Returns 0 or -errno. The mount stays: it is host configuration that any
 * later libvirt LXC use needs, not an object of an experiment. */
int virt_hugetlb_fix(void);

/* A connection to hypervisor URI, opened on first use and kept in EMU's
 * virt. Each URI has a few connections, handed out in turn, so that
 * threads calling at once are served in parallel (libvirtd runs at most
 * max_client_requests, default 5, calls of one connection at a time); a
 * connection may be used from several threads. On failure returns -errno
 * (-ECONNREFUSED when no daemon answers) with libvirt's message in
 * emu_errmsg(). The pointer is a virConnectPtr, kept opaque here so that
 * including this header does not need libvirt's. */
int virt_conn(struct emu *emu, const char *uri, void **conn);

/* Close EMU's connections (before stopping the daemon they speak to: a
 * write to a dead one would raise SIGPIPE). The next use reopens. */
void virt_disconnect(struct emu *emu);

/* TEXT (NULL: nothing) onto F with XML's five special characters
 * escaped, for the domain XML the backends write. */
void virt_xml_text(FILE *f, const char *text);

/* Start a transient domain from XML (virDomainCreateXML), as
 *   virsh -c URI create FILE.xml
 * Returns 0 or -errno with libvirt's message in emu_errmsg(). */
int virt_domain_create(struct emu *emu, const char *uri, const char *xml);

/* Destroy domain NAME (`virsh -c URI destroy NAME`, and undefine if it was
 * persistent). Already gone is success. Returns 0 or -errno. */
int virt_domain_destroy(struct emu *emu, const char *uri, const char *name);

/* Destroy every domain of URI whose name starts with PREFIX, several at
 * once (threads, as many `virsh destroy` in parallel). Returns the number
 * destroyed or -errno. No daemon running: nothing to sweep, 0. */
int virt_domain_sweep(struct emu *emu, const char *uri, const char *prefix);

/* Count the domains of URI (running or defined) whose name starts with
 * PREFIX; 0 when no daemon runs. Returns the count or -errno. */
int virt_domain_count(struct emu *emu, const char *uri, const char *prefix);

/* Node faults on a running domain NAME of URI (enos/nodefault.c through a
 * backend's ops). Each returns 0 or -errno with libvirt's message in
 * emu_errmsg() (-ENOENT: no such domain). */

/* Pause (SUSPEND true) or resume it, as `virsh suspend|resume NAME`; a
 * domain already in that state is success. */
int virt_domain_suspend(struct emu *emu, const char *uri, const char *name,
			bool suspend);

/* Its memory now to BYTES, as `virsh setmem NAME KIB --live`; at most the
 * memory it was started with. */
int virt_domain_set_memory(struct emu *emu, const char *uri, const char *name,
			   uint64_t bytes);

/* Its CPU bandwidth now, as `virsh schedinfo NAME --live
 * vcpu_period=PERIOD vcpu_quota=QUOTA` (QUOTA -1: no limit; LXC applies
 * it to the container, QEMU to each vCPU thread). */
int virt_domain_set_quota(struct emu *emu, const char *uri, const char *name,
			  uint64_t period_us, int64_t quota_us);

#endif
