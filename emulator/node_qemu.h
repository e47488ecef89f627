/* node_qemu — the qemu node backend: a node is a transient libvirt QEMU
 * domain "enos.EXP.NODE" (type kvm where /dev/kvm works, else qemu: TCG)
 * that boots Debian's cloud kernel directly with an initramfs enos writes
 * (initramfs.c). Its NIC is a tap named like a netns node's veth host end
 * (TAG "v" N, world.h), made by enos, attached to the site LAN through the
 * fabric, and handed to libvirt as <interface type='ethernet'> with
 * managed='no'; the guest's /init takes its address from the kernel
 * command line. `enos exec` runs commands through the agent on a
 * virtio-serial port (agent.c) whose host end libvirt binds to a UNIX
 * socket.
 *
 * Files live in NODE_QEMU_DIR, every name starting with the domain prefix
 * "enos.EXP." so a sweep by prefix finds them: the kernel copy and the
 * image, one per experiment ("enos.EXP.vmlinuz", "enos.EXP.initrd.cpio"),
 * and per node the agent socket and the console log
 * ("enos.EXP.NODE.sock", "enos.EXP.NODE.console").
 */
#ifndef EMULATOR_NODE_QEMU_H
#define EMULATOR_NODE_QEMU_H

#include <stddef.h>
#include <stdint.h>

#define NODE_QEMU_DIR           "/run/enos/qemu"
#define NODE_QEMU_MEMORY        (256ull << 20)
#define NODE_QEMU_CPUS          1
#define NODE_QEMU_CFS_PERIOD    100000u /* us, libvirt's <period> */
/* How long exec waits for a booting guest's agent ($ENOS_QEMU_BOOT_WAIT). */
#define NODE_QEMU_BOOT_WAIT_S   180
#define NODE_QEMU_TAIL          480     /* console bytes a timeout shows */

/* Everything a node's domain XML says. */
struct node_qemu_domain {
	const char *name;               /* enos.EXP.NODE */
	const char *type;               /* "kvm" or "qemu" */
	unsigned vcpus;
	/* Host cores x 1000 the whole guest may use, shared by its vCPUs
	 * (a CFS quota per vCPU thread); 0: no limit. */
	uint32_t cpu_milli;
	uint64_t memory_bytes;
	const char *kernel;
	const char *initrd;
	const char *cmdline;
	const char *tap;                /* the node's host_if */
	unsigned char mac[6];
	const char *agent_sock;
	const char *console_log;
};

/* The libvirt domain XML of D, allocated (free()), or NULL (no memory). */
char *node_qemu_xml(const struct node_qemu_domain *d);

/* The guest kernel command line of a node with address ADDR/PLEN and
 * gateway GW, named NAME; TXOFF: the guest turns TX checksum offload off
 * (fabric.h ns_tx_csum_off). Into BUF (LEN bytes); -ENAMETOOLONG if it does
 * not fit, else 0. */
int node_qemu_cmdline(const char *name, uint32_t addr, unsigned plen,
		      uint32_t gw, int txoff, char *buf, size_t len);

/* A locally administered MAC for the tap named TAP (52:54:00 and three
 * bytes of a hash of the name), into MAC. */
void node_qemu_mac(const char *tap, unsigned char mac[6]);

/* Can this host run qemu nodes? 0, or -ENOTSUP with the reason in WHY
 * (LEN bytes) in words a user can act on: qemu-system-x86_64, the cloud
 * kernel and its modules, busybox, enos-agent. libvirt is virt.h's. */
int node_qemu_probe(char *why, size_t len);

/* The domain type: "kvm" where KVM is usable (caps_kvm_usable()), else
 * "qemu" (TCG). */
const char *node_qemu_type(void);

/* How long to wait for a guest to boot (its agent's hello), in seconds:
 * $ENOS_QEMU_BOOT_WAIT (1 .. 3600), else NODE_QEMU_BOOT_WAIT_S. */
int node_qemu_boot_wait_s(void);

/* NODE_QEMU_DIR "/" DOMAIN SUFFIX into BUF; -ENAMETOOLONG or 0. */
int node_qemu_path(const char *domain, const char *suffix, char *buf,
		   size_t len);

#endif
