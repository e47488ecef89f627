/* cgroup — a node's resource limits as Linux control groups (netns nodes).
 *
 * A netns node with a profile (cpu, memory, pids; enos/topo.h) gets a
 * cgroup named after its namespace, "enos.EXP.NODE", at the root of each
 * hierarchy that holds a controller it needs; every process the node's
 * ops start (node_netns.c: exec, spawn — stack services and workloads)
 * joins it between fork and exec, so nothing runs there unlimited. lxc and
 * qemu nodes get the same limits from libvirt's domain XML instead.
 *
 * Layout, found at run time from /proc/self/mountinfo, per controller: a
 * cgroup v1 hierarchy that has it ("cgroup" mount whose options name it),
 * else the cgroup2 mount if its cgroup.controllers lists it. A hybrid host
 * (this one: cpu, cpuacct, memory, pids... as v1, cgroup2 at
 * /sys/fs/cgroup/unified with no controller) is v1 for all; a pure v2
 * host is v2 for all. The v1 files: cpu.cfs_period_us/cpu.cfs_quota_us,
 * memory.limit_in_bytes (and memory.memsw.limit_in_bytes where swap is
 * accounted), pids.max; cpuacct.usage for what a node used. The v2 files:
 * cpu.max, memory.max (and memory.swap.max 0), pids.max, cpu.stat, after
 * "+cpu +memory +pids" in the root's cgroup.subtree_control.
 *
 * The cgroups live at the hierarchies' roots, not under the caller's own
 * cgroup: `down` from another shell, or the sweep after a kill -9, must
 * find them by name alone. Every function returns 0 or -errno and never
 * prints; what is done to the kernel is a list of mkdir/write steps
 * (cgroup_plan) that unit tests compare as text.
 */
#ifndef EMULATOR_CGROUP_H
#define EMULATOR_CGROUP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* The controllers enos uses, as indexes. CG_CPUACCT is v1's accounting
 * (v2 accounts in the cpu controller's cpu.stat). CG_FREEZER is v1's
 * freezer hierarchy, else cgroup2, whose every cgroup has cgroup.freeze
 * without a controller to enable: it stops a node (`enos fault freeze`). */
enum cgroup_ctrl { CG_CPU, CG_CPUACCT, CG_MEMORY, CG_PIDS, CG_FREEZER, CG_N };

#define CGROUP_PATH_MAX 256
/* The CFS period enos writes (100 ms, the kernel's default); a quota is
 * at least 1 ms of it, so the smallest cpu limit is 0.01 core. */
#define CGROUP_CFS_PERIOD_US 100000u
#define CGROUP_CPU_MILLI_MIN 10u

/* Where this host keeps each controller. */
struct cgroup_host {
	/* The mount point of the hierarchy holding controller C, "" if the
	 * host has none; version[C] 1 or 2 (0: none). */
	char dir[CG_N][CGROUP_PATH_MAX];
	int version[CG_N];
	/* The cgroup2 mount, "" if none; whether a v1 hierarchy exists. */
	char unified[CGROUP_PATH_MAX];
	bool has_v1;
};

/* What a node may take; 0 is no limit. */
struct cgroup_limits {
	uint32_t cpu_milli;     /* thousandths of a host core */
	uint64_t memory_bytes;
	uint64_t pids;
};

/* Does L limit anything? */
bool cgroup_limited(const struct cgroup_limits *l);

/* The layout of this host into *H, as cgroup_detect_from() reads it from
 * /proc/self/mountinfo; read once per process (thread-safe), the same
 * answer afterwards. */
int cgroup_detect(struct cgroup_host *h);

/* The layout MOUNTINFO (the text of a mountinfo file) describes into *H;
 * a cgroup2 mount's controllers are read from MOUNT/cgroup.controllers.
 * Returns 0 (a host without cgroups is a layout with nothing) or -errno. */
int cgroup_detect_from(const char *mountinfo, struct cgroup_host *h);

/* H in a line for `enos check`, into BUF: "v1 (cpu, cpuacct, memory, pids
 * as v1 hierarchies under /sys/fs/cgroup; cgroup2 at
 * /sys/fs/cgroup/unified without them)", "v2 (cpu, memory, pids in cgroup2
 * at /sys/fs/cgroup)", "mixed (...; ...)" or "none (...)". Returns BUF. */
const char *cgroup_describe(const struct cgroup_host *h, char *buf,
			    size_t len);

/* Can H apply L? 0, or -ENOTSUP with WHY completing "this host has no
 * ..." ("memory cgroup controller (neither a v1 hierarchy nor in
 * cgroup2's controllers)"). */
int cgroup_supports(const struct cgroup_host *h, const struct cgroup_limits *l,
		    char *why, size_t len);

/* One step of making a node's cgroup. */
enum cgroup_op_kind { CGROUP_MKDIR, CGROUP_WRITE };
struct cgroup_op {
	enum cgroup_op_kind kind;
	char path[CGROUP_PATH_MAX * 2];
	char value[48];         /* CGROUP_WRITE */
	bool optional;          /* a missing file is fine (memsw, swap.max) */
};
#define CGROUP_OPS_MAX 16

/* The steps that make cgroup NAME with limits L on H, into OPS (room for
 * CGROUP_OPS_MAX), their count in *N: for each hierarchy holding a
 * controller H has (cpu, cpuacct, memory, pids; each directory once), the
 * directory, then the limit files of the limits L sets. Returns 0,
 * -ENOTSUP (cgroup_supports said no), -ENAMETOOLONG. */
int cgroup_plan(const struct cgroup_host *h, const char *name,
		const struct cgroup_limits *l, struct cgroup_op *ops, size_t *n);

/* OPS as shell text, one step a line ("mkdir P", "echo V > P"), into BUF
 * (unit tests compare it). Returns BUF. */
const char *cgroup_plan_text(const struct cgroup_op *ops, size_t n, char *buf,
			     size_t len);

/* Make cgroup NAME with limits L on H (cgroup_plan, then each step; an
 * existing directory is reused, its limits written again). On failure
 * what was made stays for cgroup_remove/cgroup_sweep. 0 or -errno. */
int cgroup_create(const struct cgroup_host *h, const char *name,
		  const struct cgroup_limits *l);

/* Open, for a child to join cgroup NAME before it execs, the cgroup.procs
 * file of each hierarchy cgroup_create made it in: descriptors (O_CLOEXEC)
 * into FDS (room for CG_N), their count in *N. -ENOENT if the cgroup is
 * gone. The caller closes them (cgroup_procs_close). */
int cgroup_procs_open(const struct cgroup_host *h, const char *name, int *fds,
		      size_t *n);
void cgroup_procs_close(int *fds, size_t n);

/* In a forked child: move the calling process into the cgroups of FDS
 * (`echo 0 > cgroup.procs` in each). Only write(2): safe after fork() in
 * a threaded parent. 0 or -errno. */
int cgroup_procs_join(const int *fds, size_t n);

/* Remove every cgroup of H whose name starts with PREFIX ("enos.EXP."),
 * killing what still runs in it first (SIGKILL; waits up to 2 s for the
 * kernel to empty it). Gone already is success. Stores how many
 * directories there were in *FOUND (may be NULL). 0 or -errno (-EBUSY:
 * one would not go). */
int cgroup_sweep(const struct cgroup_host *h, const char *prefix,
		 size_t *found);

/* How many cgroup directories of H start with PREFIX (each hierarchy
 * counts). */
int cgroup_count(const struct cgroup_host *h, const char *prefix);

/* CPU time cgroup NAME has used, in microseconds (v1 cpuacct.usage, v2
 * cpu.stat usage_usec). 0 or -errno (-ENOTSUP: no accounting). */
int cgroup_cpu_usage_us(const struct cgroup_host *h, const char *name,
			uint64_t *us);

/* Processes the kernel's OOM killer killed in cgroup NAME (v1
 * memory.oom_control oom_kill, v2 memory.events oom_kill). 0 or -errno. */
int cgroup_oom_kills(const struct cgroup_host *h, const char *name,
		     uint64_t *n);

/* The memory limit cgroup NAME has now, in bytes, 0 for none (v1
 * memory.limit_in_bytes, whose "none" is a page-rounded 2^63 - 1; v2
 * memory.max, "max"): a node fault's limit as well as a profile's.
 * 0 or -errno (-ENOTSUP: no memory controller). */
int cgroup_memory_limit(const struct cgroup_host *h, const char *name,
			uint64_t *bytes);

/* Is PATH's directory (an absolute cgroup directory) there? */
bool cgroup_exists(const struct cgroup_host *h, const char *name);

/* Limit process PID, and what it starts from then on, to MAX tasks
 * (processes and threads), for a node whose processes another manager
 * started (an lxc node: libvirt's domain init). v1, where libvirt makes
 * no pids cgroup, gives PID a pids cgroup NAME of its own:
 *   mkdir /sys/fs/cgroup/pids/NAME
 *   echo MAX > /sys/fs/cgroup/pids/NAME/pids.max
 *   echo PID > /sys/fs/cgroup/pids/NAME/cgroup.procs
 * (removed by name at down like a node's own, cgroup_sweep); v2 writes
 * pids.max of the cgroup PID is in (/proc/PID/cgroup's "0::" line; the
 * domain's, made by libvirt). The file is then read back: -EIO unless it
 * says MAX. The pids.max written into WHERE (LEN bytes). 0 or -errno
 * (-ENOTSUP: no pids controller, or v2's not enabled for PID's cgroup;
 * -ESRCH: no such process). */
int cgroup_pids_process(const struct cgroup_host *h, const char *name,
			pid_t pid, uint64_t max, char *where, size_t len);

/* ---- node faults (enos/nodefault.c) ---- */

/* The steps that change the cpu and memory limits of existing cgroup NAME
 * to L, into OPS (room for CGROUP_OPS_MAX), their count in *N. Unlike
 * cgroup_plan, a 0 is written too, as no limit: v1 cfs_quota_us -1 and
 * memory.limit_in_bytes -1, v2 "max 100000" and "max", so that a fault's
 * end restores a profile without a limit. pids are left alone. Returns 0,
 * -ENOTSUP (a controller L needs is missing), -ENAMETOOLONG. */
int cgroup_plan_set(const struct cgroup_host *h, const char *name,
		    const struct cgroup_limits *l, struct cgroup_op *ops,
		    size_t *n);

/* Write cgroup_plan_set's steps. A v1 memory limit must stay at most its
 * memsw limit, so a write the kernel refuses with EINVAL is tried again
 * after the others (raising a limit writes memsw first). -EBUSY: v1 could
 * not reclaim the node's memory down to the new limit. 0 or -errno. */
int cgroup_set(const struct cgroup_host *h, const char *name,
	       const struct cgroup_limits *l);

/* Freeze (FROZEN true) or thaw cgroup NAME: v1
 *   echo FROZEN > /sys/fs/cgroup/freezer/NAME/freezer.state
 * (waiting, up to 2 s, while it reads FREEZING), v2
 *   echo 1 > /sys/fs/cgroup/NAME/cgroup.freeze
 * (waiting for "frozen 1" in cgroup.events). Thawing a thawed cgroup is
 * success. 0, -ENOTSUP (no freezer), -ENOENT (no such cgroup), -ETIMEDOUT,
 * -errno. */
int cgroup_freeze(const struct cgroup_host *h, const char *name, bool frozen);

/* Is cgroup NAME frozen (or freezing)? false when it has no freezer. */
bool cgroup_frozen(const struct cgroup_host *h, const char *name);

/* SIGKILL every process of cgroup NAME, in each hierarchy (a process may
 * have joined only some); *KILLED (may be NULL) how many signals went.
 * A frozen cgroup's processes die when it is thawed. 0 or -errno (-ENOENT:
 * no such cgroup). */
int cgroup_kill(const struct cgroup_host *h, const char *name,
		size_t *killed);

#endif
