/* caps — what this host can do for enos: which shaping qdiscs the kernel
 * has, whether Open vSwitch, libvirt (LXC, QEMU), KVM and Mininet are there.
 *
 * `enos check` shows the result, `enos up` picks a shaping engine and node
 * backends from it, and runs record it as facts. Each feature is found or
 * missing with the reason in words a user can act on, e.g. "sch_netem
 * missing: kernel 6.18 has no sch_netem and cannot load modules
 * (RTM_NEWQDISC netem: No such file or directory)". The qdisc tests are
 * real: a forked child makes a throwaway network namespace and adds the
 * qdisc on its loopback. Never prints; safe without root (what needs root
 * says so).
 */
#ifndef EMULATOR_CAPS_H
#define EMULATOR_CAPS_H

#include <stdbool.h>
#include <stddef.h>

#define CAPS_WHY_LEN 256

/* One feature. WHY says why it is missing, or, when found, anything the
 * user should know about it ("userspace datapath (netdev) only"); empty if
 * found with nothing to add. */
struct cap {
	bool found;
	char why[CAPS_WHY_LEN];
};

struct caps {
	struct cap netem;         /* sch_netem: delay, jitter, loss */
	struct cap htb;           /* sch_htb: rate limits */
	struct cap ovs;           /* ovs-vswitchd and ovs-vsctl */
	bool ovs_kernel;          /* openvswitch kernel datapath; else netdev */
	struct cap libvirt_lxc;   /* libvirtd with the LXC driver */
	struct cap libvirt_qemu;  /* libvirtd and qemu-system-x86_64 */
	struct cap kvm;           /* /dev/kvm usable and vmx/svm; else TCG */
	struct cap mininet;       /* mn (optional, for comparisons) */
	char kernel[65];          /* uname -r */
};

/* Number of features caps_at() enumerates. */
#define CAPS_COUNT 7

/* Probe everything into *OUT (fully overwritten). Missing features are not
 * errors. Forks a short-lived child for the qdisc tests.
 * Returns 0, or a negative errno if the probe itself could not run (fork
 * or pipe failed), with *OUT still filled as far as it could be. */
int caps_probe(struct caps *out);

/* The kvm probe of caps_probe() alone (no fork): /dev/kvm answers and the
 * CPU has vmx/svm. A /dev/kvm without them hangs guests, so qemu nodes
 * use TCG then. */
bool caps_kvm_usable(void);

/* Feature I (0 .. CAPS_COUNT - 1) of C, in the order of struct caps, with
 * its short name ("netem", "htb", "ovs", "libvirt-lxc", "libvirt-qemu",
 * "kvm", "mininet") in *NAME (may be NULL). Returns NULL past the end.
 * The result points into C. */
const struct cap *caps_at(const struct caps *c, size_t i, const char **name);

#endif
