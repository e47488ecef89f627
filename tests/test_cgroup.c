/* test_cgroup — emulator/cgroup.c without root: the layout read from
 * mountinfo texts (this host's hybrid one, a pure v2 one, none), what it
 * says in `enos check`, and the mkdir/write steps of a node's cgroup
 * compared as text (the system test, tests/sys_profiles.c, applies them).
 */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "emulator/cgroup.h"
#include "enos/capacity.h"
#include "enos/topo.h"
#include "tests/suites.h"
#include "tests/testutil.h"
#include "util/fs.h"

/* This machine's mounts (an excerpt of /proc/self/mountinfo). */
static const char hybrid[] =
	"31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n"
	"32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu\n"
	"33 31 0:30 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct\n"
	"34 31 0:31 / /sys/fs/cgroup/cpuset rw,relatime - cgroup cgroup rw,cpuset\n"
	"35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory\n"
	"39 31 0:36 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids\n"
	"36 31 0:33 / /sys/fs/cgroup/freezer rw,relatime - cgroup cgroup rw,freezer\n"
	"40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd\n"
	"41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n";

/* systemd's usual v1 layout: cpu and cpuacct in one hierarchy. */
static const char comounted[] =
	"25 24 0:22 / /sys/fs/cgroup/cpu,cpuacct rw - cgroup cgroup rw,cpu,cpuacct\n"
	"26 24 0:23 / /sys/fs/cgroup/memory rw shared:9 - cgroup cgroup rw,memory\n";

START_TEST(test_detect_hybrid)
{
	struct cgroup_host h;
	char buf[256];

	ck_assert_int_eq(cgroup_detect_from(hybrid, &h), 0);
	ck_assert_int_eq(h.version[CG_CPU], 1);
	ck_assert_str_eq(h.dir[CG_CPU], "/sys/fs/cgroup/cpu");
	ck_assert_str_eq(h.dir[CG_CPUACCT], "/sys/fs/cgroup/cpuacct");
	ck_assert_str_eq(h.dir[CG_MEMORY], "/sys/fs/cgroup/memory");
	ck_assert_str_eq(h.dir[CG_PIDS], "/sys/fs/cgroup/pids");
	ck_assert_str_eq(h.unified, "/sys/fs/cgroup/unified");
	ck_assert(h.has_v1);
	ck_assert_str_eq(cgroup_describe(&h, buf, sizeof(buf)),
			 "v1 (cpu, cpuacct, memory, pids, freezer as v1 hierarchies under /sys/fs/cgroup; cgroup2 at /sys/fs/cgroup/unified without them)");
	ck_assert_int_eq(h.version[CG_FREEZER], 1);
	ck_assert_str_eq(h.dir[CG_FREEZER], "/sys/fs/cgroup/freezer");

	ck_assert_int_eq(cgroup_detect_from(comounted, &h), 0);
	ck_assert_str_eq(h.dir[CG_CPU], "/sys/fs/cgroup/cpu,cpuacct");
	ck_assert_str_eq(h.dir[CG_CPUACCT], "/sys/fs/cgroup/cpu,cpuacct");
	ck_assert_int_eq(h.version[CG_PIDS], 0);
	ck_assert_str_eq(cgroup_describe(&h, buf, sizeof(buf)),
			 "v1 (cpu, cpuacct, memory as v1 hierarchies under /sys/fs/cgroup)");

	ck_assert_int_eq(cgroup_detect_from("", &h), 0);
	ck_assert_str_eq(cgroup_describe(&h, buf, sizeof(buf)),
			 "none (no cpu, memory or pids controller mounted)");
	/* Garbage lines are skipped. */
	ck_assert_int_eq(cgroup_detect_from("x\n - \n1 2 3\n\n", &h), 0);
	ck_assert_int_eq(h.version[CG_MEMORY], 0);
}
END_TEST

/* A pure v2 host: the controllers are what the mount's
 * cgroup.controllers lists (read from the mount point). */
START_TEST(test_detect_v2)
{
	char dir[128], text[512], buf[256], scratch[256];
	struct cgroup_host h;

	ck_assert_ptr_nonnull(tu_tmpdir(dir, sizeof(dir), "cgroup"));
	tu_write(dir, "cgroup.controllers", "cpuset cpu io memory pids\n", scratch, sizeof(scratch));
	snprintf(text, sizeof(text),
		 "30 1 0:26 / %s rw,nosuid - cgroup2 cgroup2 rw,nsdelegate\n", dir);
	ck_assert_int_eq(cgroup_detect_from(text, &h), 0);
	ck_assert_int_eq(h.version[CG_CPU], 2);
	ck_assert_int_eq(h.version[CG_CPUACCT], 2);
	ck_assert_int_eq(h.version[CG_MEMORY], 2);
	ck_assert_int_eq(h.version[CG_PIDS], 2);
	ck_assert_str_eq(h.dir[CG_MEMORY], dir);
	ck_assert(!h.has_v1);
	snprintf(text, sizeof(text), "v2 (cpu, memory, pids in cgroup2 at %s)", dir);
	ck_assert_str_eq(cgroup_describe(&h, buf, sizeof(buf)), text);

	/* A controller a v1 hierarchy holds is v1, whatever the order of
	 * the lines. */
	snprintf(text, sizeof(text),
		 "30 1 0:26 / %s rw - cgroup2 cgroup2 rw\n"
		 "35 31 0:32 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n", dir);
	ck_assert_int_eq(cgroup_detect_from(text, &h), 0);
	ck_assert_int_eq(h.version[CG_MEMORY], 1);
	ck_assert_str_eq(h.dir[CG_MEMORY], "/sys/fs/cgroup/memory");
	ck_assert_int_eq(h.version[CG_CPU], 2);
	snprintf(text, sizeof(text),
		 "mixed (memory as v1 hierarchies under /sys/fs/cgroup; cpu, pids in cgroup2 at %s)", dir);
	ck_assert_str_eq(cgroup_describe(&h, buf, sizeof(buf)), text);

	/* Without pids in cgroup.controllers, a pids limit cannot apply. */
	tu_write(dir, "cgroup.controllers", "cpu memory\n", scratch, sizeof(scratch));
	snprintf(text, sizeof(text),
		 "30 1 0:26 / %s rw,nosuid - cgroup2 cgroup2 rw,nsdelegate\n", dir);
	ck_assert_int_eq(cgroup_detect_from(text, &h), 0);
	ck_assert_int_eq(h.version[CG_PIDS], 0);
	{
		struct cgroup_limits l = { .pids = 10 };
		char why[256];

		ck_assert_int_eq(cgroup_supports(&h, &l, why, sizeof(why)), -ENOTSUP);
		ck_assert_ptr_nonnull(strstr(why, "pids cgroup controller"));
		l = (struct cgroup_limits){ .cpu_milli = 10, .memory_bytes = 1 };
		ck_assert_int_eq(cgroup_supports(&h, &l, why, sizeof(why)), 0);
	}
	tu_rmtree(dir);
}
END_TEST

START_TEST(test_plan_v1)
{
	struct cgroup_limits l = { 250, 64ull << 20, 512 };
	struct cgroup_op ops[CGROUP_OPS_MAX];
	struct cgroup_host h;
	char buf[2048];
	size_t n;

	ck_assert_int_eq(cgroup_detect_from(hybrid, &h), 0);
	ck_assert_int_eq(cgroup_plan(&h, "enos.fog.edge-1", &l, ops, &n), 0);
	ck_assert_str_eq(cgroup_plan_text(ops, n, buf, sizeof(buf)),
		"mkdir /sys/fs/cgroup/cpu/enos.fog.edge-1\n"
		"mkdir /sys/fs/cgroup/cpuacct/enos.fog.edge-1\n"
		"mkdir /sys/fs/cgroup/memory/enos.fog.edge-1\n"
		"mkdir /sys/fs/cgroup/pids/enos.fog.edge-1\n"
		"mkdir /sys/fs/cgroup/freezer/enos.fog.edge-1\n"
		"echo '100000' > /sys/fs/cgroup/cpu/enos.fog.edge-1/cpu.cfs_period_us\n"
		"echo '25000' > /sys/fs/cgroup/cpu/enos.fog.edge-1/cpu.cfs_quota_us\n"
		"echo '67108864' > /sys/fs/cgroup/memory/enos.fog.edge-1/memory.limit_in_bytes\n"
		"echo '67108864' > /sys/fs/cgroup/memory/enos.fog.edge-1/memory.memsw.limit_in_bytes (if present)\n"
		"echo '512' > /sys/fs/cgroup/pids/enos.fog.edge-1/pids.max\n");

	/* Only what is set is written; a co-mounted hierarchy is made once. */
	l = (struct cgroup_limits){ .cpu_milli = 2000 };
	ck_assert_int_eq(cgroup_detect_from(comounted, &h), 0);
	ck_assert_int_eq(cgroup_plan(&h, "enos.fog.db", &l, ops, &n), 0);
	ck_assert_str_eq(cgroup_plan_text(ops, n, buf, sizeof(buf)),
		"mkdir /sys/fs/cgroup/cpu,cpuacct/enos.fog.db\n"
		"mkdir /sys/fs/cgroup/memory/enos.fog.db\n"
		"echo '100000' > /sys/fs/cgroup/cpu,cpuacct/enos.fog.db/cpu.cfs_period_us\n"
		"echo '200000' > /sys/fs/cgroup/cpu,cpuacct/enos.fog.db/cpu.cfs_quota_us\n");

	/* A limit without its controller, and names that are not one
	 * directory, are refused before anything. */
	l.pids = 5;
	ck_assert_int_eq(cgroup_plan(&h, "enos.fog.db", &l, ops, &n), -ENOTSUP);
	ck_assert_uint_eq(n, 0);
	l.pids = 0;
	ck_assert_int_eq(cgroup_plan(&h, "../x", &l, ops, &n), -EINVAL);
	ck_assert_int_eq(cgroup_plan(&h, "", &l, ops, &n), -EINVAL);
	ck_assert_int_eq(cgroup_plan(&h, "..", &l, ops, &n), -EINVAL);
}
END_TEST

/* A node fault's limits: set values, and 0 written as no limit, so that
 * clearing a fault restores a profile without one. The freezer: v1's
 * hierarchy, else cgroup2 (no controller to enable). */
START_TEST(test_plan_set)
{
	struct cgroup_limits l = { 100, 256ull << 20, 0 };
	struct cgroup_op ops[CGROUP_OPS_MAX];
	struct cgroup_host h;
	char buf[2048];
	size_t n;

	ck_assert_int_eq(cgroup_detect_from(hybrid, &h), 0);
	ck_assert_int_eq(cgroup_plan_set(&h, "enos.fog.x", &l, ops, &n), 0);
	ck_assert_str_eq(cgroup_plan_text(ops, n, buf, sizeof(buf)),
		"echo '100000' > /sys/fs/cgroup/cpu/enos.fog.x/cpu.cfs_period_us\n"
		"echo '10000' > /sys/fs/cgroup/cpu/enos.fog.x/cpu.cfs_quota_us\n"
		"echo '268435456' > /sys/fs/cgroup/memory/enos.fog.x/memory.limit_in_bytes\n"
		"echo '268435456' > /sys/fs/cgroup/memory/enos.fog.x/memory.memsw.limit_in_bytes (if present)\n");
	l = (struct cgroup_limits){ 0 };
	ck_assert_int_eq(cgroup_plan_set(&h, "enos.fog.x", &l, ops, &n), 0);
	ck_assert_str_eq(cgroup_plan_text(ops, n, buf, sizeof(buf)),
		"echo '100000' > /sys/fs/cgroup/cpu/enos.fog.x/cpu.cfs_period_us\n"
		"echo '-1' > /sys/fs/cgroup/cpu/enos.fog.x/cpu.cfs_quota_us\n"
		"echo '-1' > /sys/fs/cgroup/memory/enos.fog.x/memory.limit_in_bytes\n"
		"echo '-1' > /sys/fs/cgroup/memory/enos.fog.x/memory.memsw.limit_in_bytes (if present)\n");
	ck_assert_int_eq(cgroup_plan_set(&h, "../x", &l, ops, &n), -EINVAL);

	/* A hybrid host without a v1 freezer freezes in cgroup2; a host
	 * with neither has none. */
	ck_assert_int_eq(cgroup_detect_from(
		"32 31 0:29 / /sys/fs/cgroup/cpu rw - cgroup cgroup rw,cpu\n"
		"41 31 0:38 / /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw\n", &h), 0);
	ck_assert_int_eq(h.version[CG_FREEZER], 2);
	ck_assert_str_eq(h.dir[CG_FREEZER], "/sys/fs/cgroup/unified");
	ck_assert_int_eq(cgroup_detect_from(comounted, &h), 0);
	ck_assert_int_eq(h.version[CG_FREEZER], 0);
	ck_assert_int_eq(cgroup_freeze(&h, "enos.fog.x", true), -ENOTSUP);
	ck_assert(!cgroup_frozen(&h, "enos.fog.x"));
	/* Without a memory controller, a limit cannot be set. */
	ck_assert_int_eq(cgroup_detect_from(
		"32 31 0:29 / /sys/fs/cgroup/cpu rw - cgroup cgroup rw,cpu\n", &h), 0);
	ck_assert_int_eq(cgroup_plan_set(&h, "enos.fog.x", &l, ops, &n), -ENOTSUP);
}
END_TEST

START_TEST(test_plan_v2)
{
	struct cgroup_limits l = { 500, 1ull << 30, 100 };
	struct cgroup_op ops[CGROUP_OPS_MAX];
	struct cgroup_host h;
	char buf[2048], dir[128], text[512], want[2048], scratch[256];
	size_t n;

	ck_assert_ptr_nonnull(tu_tmpdir(dir, sizeof(dir), "cgroup"));
	tu_write(dir, "cgroup.controllers", "cpuset cpu io memory hugetlb pids rdma\n", scratch, sizeof(scratch));
	snprintf(text, sizeof(text), "30 1 0:26 / %s rw - cgroup2 cgroup2 rw\n", dir);
	ck_assert_int_eq(cgroup_detect_from(text, &h), 0);
	ck_assert_int_eq(cgroup_plan(&h, "enos.fog.a", &l, ops, &n), 0);
	snprintf(want, sizeof(want),
		 "echo '+cpu +memory +pids' > %s/cgroup.subtree_control\n"
		 "mkdir %s/enos.fog.a\n"
		 "echo '50000 100000' > %s/enos.fog.a/cpu.max\n"
		 "echo '1073741824' > %s/enos.fog.a/memory.max\n"
		 "echo '0' > %s/enos.fog.a/memory.swap.max (if present)\n"
		 "echo '100' > %s/enos.fog.a/pids.max\n",
		 dir, dir, dir, dir, dir, dir);
	ck_assert_str_eq(cgroup_plan_text(ops, n, buf, sizeof(buf)), want);
	/* A node fault's end without a profile: no limit, in v2's words. */
	l = (struct cgroup_limits){ 0 };
	ck_assert_int_eq(cgroup_plan_set(&h, "enos.fog.a", &l, ops, &n), 0);
	snprintf(want, sizeof(want),
		 "echo 'max 100000' > %s/enos.fog.a/cpu.max\n"
		 "echo 'max' > %s/enos.fog.a/memory.max\n", dir, dir);
	ck_assert_str_eq(cgroup_plan_text(ops, n, buf, sizeof(buf)), want);
	ck_assert_int_eq(h.version[CG_FREEZER], 2);
	tu_rmtree(dir);
}
END_TEST

/* Sweep and count by prefix, on plain directories standing in for a
 * hierarchy: only the experiment's names go. */
START_TEST(test_sweep_prefix)
{
	char dir[128], text[512], path[256];
	struct cgroup_host h;
	size_t found = 0;

	ck_assert_ptr_nonnull(tu_tmpdir(dir, sizeof(dir), "cgroup"));
	snprintf(text, sizeof(text), "1 1 0:1 / %s rw - cgroup cgroup rw,memory\n", dir);
	ck_assert_int_eq(cgroup_detect_from(text, &h), 0);
	snprintf(path, sizeof(path), "%s/enos.fog.a", dir);
	ck_assert_int_eq(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/enos.fog.b", dir);
	ck_assert_int_eq(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/enos.fogx.a", dir);
	ck_assert_int_eq(mkdir(path, 0755), 0);
	ck_assert_int_eq(cgroup_count(&h, "enos.fog."), 2);
	ck_assert(cgroup_exists(&h, "enos.fog.a"));
	ck_assert_int_eq(cgroup_sweep(&h, "enos.fog.", &found), 0);
	ck_assert_uint_eq(found, 2);
	ck_assert_int_eq(cgroup_count(&h, "enos.fog."), 0);
	ck_assert(!cgroup_exists(&h, "enos.fog.a"));
	ck_assert_int_eq(cgroup_count(&h, "enos.fogx."), 1);
	/* Gone already is success. */
	ck_assert_int_eq(cgroup_sweep(&h, "enos.fog.", &found), 0);
	ck_assert_uint_eq(found, 0);
	ck_assert_int_eq(cgroup_sweep(&h, "", &found), -EINVAL);
	tu_rmtree(dir);
}
END_TEST

/* The memory limit and OOM count a node's cgroup has now (what `enos
 * services` decides OOM from, a fault's limit as well as a profile's), in
 * v1 and v2 files: none is 0, a limit its bytes. */
START_TEST(test_memory_limit_and_oom)
{
	char dir[128], text[512], node[256], path[320];
	struct cgroup_host h;
	uint64_t v = 1;

	ck_assert_ptr_nonnull(tu_tmpdir(dir, sizeof(dir), "cgroup"));
	snprintf(node, sizeof(node), "%s/enos.fog.a", dir);
	ck_assert_int_eq(mkdir(node, 0755), 0);
	/* v1: no limit is 2^63 - 1 rounded down to a page. */
	snprintf(text, sizeof(text), "1 1 0:1 / %s rw - cgroup cgroup rw,memory\n", dir);
	ck_assert_int_eq(cgroup_detect_from(text, &h), 0);
	tu_write(node, "memory.limit_in_bytes", "9223372036854771712\n", path, sizeof(path));
	tu_write(node, "memory.oom_control", "oom_kill_disable 0\nunder_oom 0\noom_kill 0\n", path, sizeof(path));
	ck_assert_int_eq(cgroup_memory_limit(&h, "enos.fog.a", &v), 0);
	ck_assert_uint_eq(v, 0);
	ck_assert_int_eq(cgroup_oom_kills(&h, "enos.fog.a", &v), 0);
	ck_assert_uint_eq(v, 0);
	tu_write(node, "memory.limit_in_bytes", "67108864\n", path, sizeof(path));
	tu_write(node, "memory.oom_control", "oom_kill_disable 0\nunder_oom 0\noom_kill 2\n", path, sizeof(path));
	ck_assert_int_eq(cgroup_memory_limit(&h, "enos.fog.a", &v), 0);
	ck_assert_uint_eq(v, 67108864);
	ck_assert_int_eq(cgroup_oom_kills(&h, "enos.fog.a", &v), 0);
	ck_assert_uint_eq(v, 2);
	ck_assert_int_eq(cgroup_memory_limit(&h, "enos.fog.gone", &v), -ENOENT);
	/* v2: "max", or bytes; the kills in memory.events. */
	tu_write(dir, "cgroup.controllers", "cpu memory pids\n", path, sizeof(path));
	snprintf(text, sizeof(text), "1 1 0:1 / %s rw - cgroup2 cgroup2 rw\n", dir);
	ck_assert_int_eq(cgroup_detect_from(text, &h), 0);
	ck_assert_int_eq(h.version[CG_MEMORY], 2);
	tu_write(node, "memory.max", "max\n", path, sizeof(path));
	tu_write(node, "memory.events", "low 0\nhigh 0\nmax 5\noom 1\noom_kill 1\n", path, sizeof(path));
	ck_assert_int_eq(cgroup_memory_limit(&h, "enos.fog.a", &v), 0);
	ck_assert_uint_eq(v, 0);
	ck_assert_int_eq(cgroup_oom_kills(&h, "enos.fog.a", &v), 0);
	ck_assert_uint_eq(v, 1);
	tu_write(node, "memory.max", "268435456\n", path, sizeof(path));
	ck_assert_int_eq(cgroup_memory_limit(&h, "enos.fog.a", &v), 0);
	ck_assert_uint_eq(v, 268435456);
	tu_write(node, "memory.max", "lots\n", path, sizeof(path));
	ck_assert_int_eq(cgroup_memory_limit(&h, "enos.fog.a", &v), -ENODATA);
	tu_rmtree(dir);
}
END_TEST

/* cgroup_pids_process on fake hierarchies: v1 makes (here: reuses) a
 * pids cgroup NAME, writes pids.max and moves the process there; v2 writes
 * pids.max of the process's own cgroup (this process's, from
 * /proc/self/cgroup); each reads it back. No pids.max is -ENOTSUP. */
START_TEST(test_pids_process)
{
	char dir[128], text[512], node[512], path[640], where[640], own[256];
	char *got = NULL, *cg = NULL, *p;
	struct cgroup_host h;
	size_t len;

	ck_assert_ptr_nonnull(tu_tmpdir(dir, sizeof(dir), "cgroup"));
	snprintf(text, sizeof(text), "1 1 0:1 / %s rw - cgroup cgroup rw,pids\n", dir);
	ck_assert_int_eq(cgroup_detect_from(text, &h), 0);
	ck_assert_int_eq(h.version[CG_PIDS], 1);
	/* A fresh directory of a real hierarchy has pids.max; a fake one
	 * not, until written here. */
	ck_assert_int_eq(cgroup_pids_process(&h, "enos.fog.c", getpid(), 32, where,
					     sizeof(where)), -ENOTSUP);
	snprintf(node, sizeof(node), "%s/enos.fog.c", dir);
	tu_write(node, "pids.max", "", path, sizeof(path));
	tu_write(node, "cgroup.procs", "", path, sizeof(path));
	ck_assert_int_eq(cgroup_pids_process(&h, "enos.fog.c", getpid(), 32, where,
					     sizeof(where)), 0);
	snprintf(path, sizeof(path), "%s/pids.max", node);
	ck_assert_str_eq(where, path);
	ck_assert_int_eq(fs_read_file(path, 64, &got, &len), 0);
	ck_assert_str_eq(got, "32");
	free(got);
	snprintf(path, sizeof(path), "%s/cgroup.procs", node);
	ck_assert_int_eq(fs_read_file(path, 64, &got, &len), 0);
	snprintf(text, sizeof(text), "%d", (int)getpid());
	ck_assert_str_eq(got, text);
	free(got);

	/* v2: the process's own cgroup, under the mount. */
	ck_assert_int_eq(fs_read_file("/proc/self/cgroup", 4096, &cg, &len), 0);
	p = strstr(cg, "0::");
	ck_assert_ptr_nonnull(p);
	snprintf(own, sizeof(own), "%.*s", (int)strcspn(p + 3, "\n"), p + 3);
	free(cg);
	tu_write(dir, "cgroup.controllers", "memory pids\n", path, sizeof(path));
	snprintf(text, sizeof(text), "1 1 0:1 / %s rw - cgroup2 cgroup2 rw\n", dir);
	ck_assert_int_eq(cgroup_detect_from(text, &h), 0);
	ck_assert_int_eq(h.version[CG_PIDS], 2);
	snprintf(node, sizeof(node), "%s%s", dir, own);
	ck_assert_int_eq(fs_mkdir_p(node, 0755), 0);
	ck_assert_int_eq(cgroup_pids_process(&h, "enos.fog.c", getpid(), 64, where,
					     sizeof(where)), -ENOTSUP);
	tu_write(node, "pids.max", "", path, sizeof(path));
	ck_assert_int_eq(cgroup_pids_process(&h, "enos.fog.c", getpid(), 64, where,
					     sizeof(where)), 0);
	ck_assert_str_eq(where, path);
	ck_assert_int_eq(fs_read_file(path, 64, &got, &len), 0);
	ck_assert_str_eq(got, "64");
	free(got);
	ck_assert_int_eq(cgroup_pids_process(&h, "enos.fog.c", 0x7ffffff0, 64, where,
					     sizeof(where)), -ESRCH);
	tu_rmtree(dir);
}
END_TEST

/* `enos check` and `up` sum the profiles against the host
 * (enos/capacity.c): fits, overcommits in sum (a note), or one node alone
 * larger than the host (refused without --overcommit). */
START_TEST(test_capacity_profiles)
{
	static const char text[] =
		"name: x\n"
		"profiles:\n"
		"  rpi4: {cpu: 0.5, memory: 1GiB, pids: 512}\n"
		"sites:\n"
		"  - {name: edge, role: edge, nodes: 2, count: 2, profile: rpi4}\n"
		"  - name: central\n"
		"    role: central\n"
		"    nodes: [{name: db, cpu: 3, memory: 8GiB}, {name: api}]\n";
	char *err = NULL, msg[512];
	struct topology *t = topo_load_string(text, "inline.yaml", NULL, &err);
	struct capacity c;

	ck_assert_msg(t != NULL, "%s", err ? err : "");
	capacity_estimate(t, &c);
	ck_assert_uint_eq(c.limited, 5);
	ck_assert_uint_eq(c.cpu_milli, 5000);
	ck_assert_uint_eq(c.limit_memory, 12ull << 30);
	ck_assert_str_eq(c.max_cpu->name, "db");
	ck_assert_str_eq(c.max_memory->name, "db");
	ck_assert_int_eq(capacity_profiles(&c, 64ull << 30, 8, msg, sizeof(msg)), 0);
	ck_assert_str_eq(msg, "5 nodes with a profile: 5 of 8 cores, 12.0 GiB of 64.0 GiB available");
	ck_assert_int_eq(capacity_profiles(&c, 10ull << 30, 4, msg, sizeof(msg)), 1);
	ck_assert_str_eq(msg, "5 nodes with a profile: 5 of 4 cores (overcommitted), 12.0 GiB of 10.0 GiB available (overcommitted)");
	ck_assert_int_eq(capacity_profiles(&c, 64ull << 30, 2, msg, sizeof(msg)), -E2BIG);
	ck_assert_str_eq(msg, "node 'db' asks for 3 cores but this host has 2");
	ck_assert_int_eq(capacity_profiles(&c, 4ull << 30, 8, msg, sizeof(msg)), -E2BIG);
	ck_assert_str_eq(msg, "node 'db' asks for 8192.0 MiB but this host has 4096.0 MiB available");
	topo_free(t);

	/* Without profiles: nothing to say. */
	t = topo_load_string("name: x\nsites: [{name: a, role: edge}]\n",
			     "inline.yaml", NULL, &err);
	ck_assert_ptr_nonnull(t);
	capacity_estimate(t, &c);
	ck_assert_int_eq(capacity_profiles(&c, 1ull << 30, 2, msg, sizeof(msg)), 0);
	ck_assert_str_eq(msg, "");
	topo_free(t);
}
END_TEST

Suite *make_cgroup_suite(void)
{
	Suite *s = suite_create("cgroup");
	TCase *tc = tcase_create("cgroup");

	tcase_add_test(tc, test_detect_hybrid);
	tcase_add_test(tc, test_detect_v2);
	tcase_add_test(tc, test_plan_v1);
	tcase_add_test(tc, test_plan_v2);
	tcase_add_test(tc, test_plan_set);
	tcase_add_test(tc, test_sweep_prefix);
	tcase_add_test(tc, test_memory_limit_and_oom);
	tcase_add_test(tc, test_pids_process);
	suite_add_tcase(s, tc);
	tc = tcase_create("capacity");
	tcase_add_test(tc, test_capacity_profiles);
	suite_add_tcase(s, tc);
	return s;
}
