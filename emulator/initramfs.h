/* initramfs — the boot image of qemu nodes, written by enos itself.
 *
 * A qemu node boots Debian's cloud kernel directly with an initramfs enos
 * writes as a "newc" cpio archive (uncompressed: the kernel unpacks it as
 * is, and there is no compressor to depend on). It holds busybox-static
 * (shell and tools, its applets installed by /init at boot), the static
 * enos-agent (agent/main.c), the kernel modules the guest needs with their
 * dependencies from modules.dep (virtio, sch_netem, sch_htb, cls_u32), and
 * an /init that loads them, sets the node's address from the kernel
 * command line and runs the agent:
 *   enos.addr=198.18.0.2/24 enos.gw=198.18.0.1 enos.txoff=1 enos.node=NAME
 * node_qemu.c builds one image per experiment and passes the command line.
 */
#ifndef EMULATOR_INITRAMFS_H
#define EMULATOR_INITRAMFS_H

#include <stddef.h>

/* What goes into an image. */
struct initramfs_spec {
	const char *moddir;             /* /lib/modules/KVER of the guest */
	const char *busybox;            /* a static busybox */
	const char *agent;              /* the static enos-agent */
	const char *const *modules;     /* names, NULL-terminated */
};

/* The modules a qemu node loads, NULL-terminated. */
extern const char *const initramfs_node_modules[];

/* The paths (relative to the module directory, as modules.dep gives them)
 * of NAMES (NULL-terminated) and their dependencies, in load order, each
 * once, from the modules.dep file MODDEP. *PATHS is allocated (free each
 * and the array); *N their count. Returns 0, -ENOENT if a module is not
 * listed (its name in *MISSING, borrowed from NAMES), or -errno. */
int initramfs_module_order(const char *moddep, const char *const *names,
			   char ***paths, size_t *n, const char **missing);

/* Write the image of SPEC to OUT (through a temporary OUT.XXXXXX and a
 * rename, so OUT is whole or absent). Returns 0, -ENOTSUP for a compressed module, or
 * -errno. */
int initramfs_build(const char *out, const struct initramfs_spec *spec);

#endif
