/* emu — the emulator context: one per enos process, passed to every
 * emulator call. It owns the netlink socket of the host namespace and a
 * handle on that namespace, so the emulator can step into a node's
 * namespace and back, the libvirt connections (virt.h), and the detail of
 * the last failure that an -errno alone cannot carry (libvirt's message).
 * No mutable globals: everything lives here.
 */
#ifndef EMULATOR_EMU_H
#define EMULATOR_EMU_H

struct emu;

/* Open a context in the calling thread's current network namespace.
 * Returns 0 and *OUT, or a negative errno. */
int emu_open(struct emu **out);

/* Release a context; accepts NULL. */
void emu_close(struct emu *emu);

struct nl_sock;

/* The rtnetlink socket of the host namespace, owned by EMU (for the
 * emulator's modules; not thread-safe: one thread at a time). */
struct nl_sock *emu_nl(struct emu *emu);

/* A descriptor of the host network namespace, owned by EMU: a thread that
 * entered a node's namespace returns with setns(fd, CLONE_NEWNET). */
int emu_host_netns(const struct emu *emu);

/* A descriptor of the host namespace's /proc/sys/net/ipv6/conf, owned by
 * EMU, for netns_ipv6_off() from any thread; -1 without IPv6. */
int emu_host_ipv6_conf(const struct emu *emu);

struct virt;

/* EMU's libvirt connections (virt.h), made on first use; NULL if out of
 * memory. */
struct virt *emu_virt(struct emu *emu);

/* The detail of the last failure an emulator call stored ("" if none):
 * what libvirt said, for instance. Valid until the next call. */
const char *emu_errmsg(struct emu *emu);

/* Store the detail of a failure (any thread). */
void emu_seterr(struct emu *emu, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Forget the stored detail. */
void emu_clearerr(struct emu *emu);

#endif
