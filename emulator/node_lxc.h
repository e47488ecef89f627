/* node_lxc — internals of the lxc node backend that the unit tests and
 * benchmarks reach; the public face is node_lxc_ops (node.h).
 */
#ifndef EMULATOR_NODE_LXC_H
#define EMULATOR_NODE_LXC_H

#include <stddef.h>
#include <stdint.h>

#include "emulator/world.h"

/* Where the generated per-node files live: DIR/EXP/NODE/{upper,work,var}.
 * A name with a '.', which no experiment can have, so the wand engine's
 * /run/enos/EXP is never this. */
#define NODE_LXC_DIR            "/run/enos/.lxc"
/* Memory of a node whose topology gives none. */
#define NODE_LXC_MEMORY_DEFAULT (512ull << 20)

/* The directory of node N of W (NODE_LXC_DIR/EXP/NODE) into BUF.
 * Returns 0 or -ENAMETOOLONG. */
int node_lxc_dir(const struct world *w, const struct world_node *n,
		 char *buf, size_t len);

/* The libvirt domain XML of node N of W into *XML (malloc()ed; NULL on
 * failure): name N->netns, the host's / read-only with tmpfs /tmp and
 * /run and VAR_DIR bound at /var, N's memory and cpus as limits, and N's
 * network namespace shared (no interface of its own). Returns 0 or
 * -ENOMEM. */
int node_lxc_xml(const struct world *w, const struct world_node *n,
		 const char *var_dir, char **xml);

/* The host pid of the init of domain NAME (a running lxc node), found
 * through libvirt's /run/libvirt/lxc/NAME.pid (the libvirt_lxc
 * controller) and that process's only child. Returns it or -errno
 * (-ENOENT: not running). */
int node_lxc_init_pid(const char *name);

#endif
