/* sys_profiles — node profiles applied to netns nodes (issue 13), through
 * the command line on a real world:
 * - a node with cpu: 0.25 running a CPU-bound loop gets 25 % of a core,
 *   within 3 points, measured from its cgroup's CPU usage (cpuacct.usage
 *   or cpu.stat) over ~3 s;
 * - a process allocating 200 MiB in a node with memory: 64MiB is killed
 *   by the OOM killer there (exit 137, the cgroup's oom_kill count), while
 *   the same allocation in a node without a profile succeeds and the
 *   host is unaffected; pids: limits what the node may fork; a stack
 *   service killed so is shown failed(OOM) by `enos services`;
 * - `down` leaves no cgroup, even with a process still running in one
 *   whose starter was killed with SIGKILL;
 * - an lxc node with pids: 32 (written by enos in its container's pids
 *   cgroup, libvirt's XML having no such limit) reads 32 back and cannot
 *   start 64 sleepers, while an lxc node without it can.
 * A host without the cpu, memory or pids controller skips with the
 * reason. The cgroup steps themselves are unit-tested in test_cgroup.c.
 */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>

#include <sqlite3.h>

#include "emulator/cgroup.h"
#include "emulator/node_lxc.h"
#include "tests/suites.h"
#include "tests/testutil.h"
#include "util/fs.h"

#define FIXTURE_STACKS "tests/fixtures/stacks/sys"

static struct tu_case tc;

static void case_setup(void)
{
	ck_assert_int_eq(tu_case_setup(&tc, "profiles"), 0);
}

static void case_teardown(void)
{
	tu_case_teardown(&tc);
}

/* A world of one site: "cpu" with a quarter core, "mem" with 64 MiB and
 * 64 processes, "free" without a profile. NAME unique per case. */
static void up_world(const char *name, char *path, size_t len)
{
	char text[1024], *out = NULL;
	int rc;

	snprintf(text, sizeof(text),
		 "name: %s\n"
		 "profiles:\n"
		 "  quarter: {cpu: 0.25}\n"
		 "  small: {memory: 64MiB, pids: 64}\n"
		 "sites:\n"
		 "  - name: a\n"
		 "    role: central\n"
		 "    nodes: [{name: cpu, profile: quarter}, {name: mem, profile: small},\n"
		 "            {name: free}]\n", name);
	tu_write(tc.dir, "profiles.yaml", text, path, len);
	rc = tu_enos(&out, tc.db, "up", path, NULL);
	ck_assert_msg(rc == 0, "up failed (%d): %s", rc, out ? out : "");
	free(out);
}

/* Fact KEY of experiment NAME's newest run, as the database holds it
 * (`enos results` shows the facts of runs with workload operations only).
 * Static storage; "" when absent. */
static const char *run_fact(const char *name, const char *key)
{
	static char value[512];
	sqlite3 *db = NULL;
	sqlite3_stmt *q = NULL;

	value[0] = '\0';
	ck_assert_int_eq(sqlite3_open_v2(tc.db, &db, SQLITE_OPEN_READONLY, NULL),
			 SQLITE_OK);
	ck_assert_int_eq(sqlite3_prepare_v2(db,
		"SELECT value FROM facts WHERE key = ?2 AND run ="
		" (SELECT max(id) FROM runs WHERE experiment = ?1)", -1, &q, NULL),
		SQLITE_OK);
	sqlite3_bind_text(q, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 2, key, -1, SQLITE_STATIC);
	if (sqlite3_step(q) == SQLITE_ROW && sqlite3_column_text(q, 0))
		snprintf(value, sizeof(value), "%s",
			 (const char *)sqlite3_column_text(q, 0));
	sqlite3_finalize(q);
	sqlite3_close(db);
	return value;
}

static void host(struct cgroup_host *h)
{
	ck_assert_int_eq(cgroup_detect(h), 0);
}

/* The loop runs under `timeout`, so a failed assertion leaves nothing
 * spinning; its usage is read from the node's cgroup, which only what the
 * node's ops started can be in. */
START_TEST(cpu_quarter_core)
{
	const char *name = "profcpu";
	char path[256], cg[64];
	struct cgroup_host h;
	uint64_t u0 = 0, u1 = 0, spent = 0;
	double t0, t1, share;
	pid_t loop;
	int i, st;

	host(&h);
	up_world(name, path, sizeof(path));
	/* status shows each node's profile, as recorded. */
	{
		char *out = NULL;

		ck_assert_int_eq(tu_enos(&out, tc.db, "status", "-n", name, NULL), 0);
		ck_assert_msg(tu_contains(out, "quarter (cpu 0.25)") &&
			      tu_contains(out, "small (memory 64MiB, pids 64)"),
			      "status: %s", out);
		free(out);
		/* ... and so do the run's facts, with the cgroup layout. */
		ck_assert_str_eq(run_fact(name, "profiles"),
				 "quarter: 1 node, small: 1 node");
		ck_assert_ptr_nonnull(strstr(run_fact(name, "cgroups"), "cpu"));
	}
	snprintf(cg, sizeof(cg), "enos.%s.cpu", name);
	/* At the default priority whatever nice the tests run under: the
	 * figure is the quota's, not the host's load (capped at a quarter
	 * core, it cannot crowd anyone out). */
	loop = tu_enos_spawn(tc.db, "exec", "-n", name, "cpu", "--", "nice",
			     "-n", "-10", "timeout", "8", "sh", "-c",
			     "while :; do :; done", NULL);
	ck_assert_int_gt(loop, 0);
	/* Wait until the loop runs in the node's cgroup. */
	for (i = 0; i < 50 && spent < 20000; i++) {
		usleep(100000);
		ck_assert_int_eq(cgroup_cpu_usage_us(&h, cg, &spent), 0);
	}
	ck_assert_msg(spent >= 20000, "the loop never ran in %s", cg);
	ck_assert_int_eq(cgroup_cpu_usage_us(&h, cg, &u0), 0);
	t0 = tu_now_s();
	usleep(3000000);
	ck_assert_int_eq(cgroup_cpu_usage_us(&h, cg, &u1), 0);
	t1 = tu_now_s();
	share = (double)(u1 - u0) / 1e6 / (t1 - t0);
	fprintf(stderr, "sys_profiles: cpu: 0.25 node used %.1f %% of a core over %.2f s\n",
		share * 100, t1 - t0);
	kill(loop, SIGTERM);
	waitpid(loop, &st, 0);
	ck_assert_msg(share >= 0.22 && share <= 0.28,
		      "a cpu: 0.25 node used %.1f %% of a core (25 %% +- 3 expected)",
		      share * 100);
}
END_TEST

START_TEST(memory_oom_in_node_only)
{
	const char *name = "profmem";
	char path[256], cg[64], *out = NULL;
	struct cgroup_host h;
	uint64_t kills = 0;
	int rc;

	host(&h);
	up_world(name, path, sizeof(path));
	snprintf(cg, sizeof(cg), "enos.%s.mem", name);
	/* dd's buffer is its block: reading /dev/zero into it touches
	 * 200 MiB. */
	rc = tu_exec(&out, tc.db, name, "mem", "dd", "if=/dev/zero",
		     "of=/dev/null", "bs=200M", "count=1");
	ck_assert_msg(rc == 128 + SIGKILL, "dd in a 64MiB node: exit %d: %s",
		      rc, out ? out : "");
	free(out);
	ck_assert_int_eq(cgroup_oom_kills(&h, cg, &kills), 0);
	ck_assert_msg(kills >= 1, "no OOM kill counted in %s", cg);
	fprintf(stderr, "sys_profiles: 200 MiB in a memory: 64MiB node: exit %d, %llu OOM kill(s) in its cgroup\n",
		rc, (unsigned long long)kills);

	/* The node next to it, and the host, allocate as much. */
	rc = tu_exec(&out, tc.db, name, "free", "dd", "if=/dev/zero",
		     "of=/dev/null", "bs=200M", "count=1");
	ck_assert_msg(rc == 0, "dd in a node without profile: exit %d: %s", rc,
		      out ? out : "");
	free(out);
	rc = tu_sh("dd if=/dev/zero of=/dev/null bs=200M count=1");
	ck_assert_int_eq(rc, 0);
	/* The limited node still works after its OOM kill. */
	ck_assert_int_eq(tu_exec(NULL, tc.db, name, "mem", "true"), 0);

	/* pids: 64 — a shell cannot start 100 sleeps there, but can next
	 * door. */
	rc = tu_exec(&out, tc.db, name, "mem", "sh", "-c",
		     "i=0; while [ $i -lt 100 ]; do sleep 2 & i=$((i+1)); done; wait");
	ck_assert_msg(rc != 0, "100 processes in a pids: 64 node: exit 0");
	free(out);
	ck_assert_int_eq(tu_exec(NULL, tc.db, name, "free", "sh", "-c",
				 "i=0; while [ $i -lt 100 ]; do sleep 1 & i=$((i+1)); done; wait"),
			 0);
}
END_TEST

/* A stack service killed by its node's memory limit is reported as such,
 * not as a plain crash; the node's limit shows beside its RSS. */
START_TEST(service_oom_reported)
{
	const char *name = "profoom";
	char path[256], text[1024], stacks[PATH_MAX], bin[PATH_MAX];
	char *out = NULL;
	int i, rc;

	ck_assert_ptr_nonnull(realpath(FIXTURE_STACKS, stacks));
	ck_assert_ptr_nonnull(realpath(tu_enos_bin(), bin));
	setenv("ENOS_STACKS_DIR", stacks, 1);
	setenv("ENOS_BIN", bin, 1);
	snprintf(text, sizeof(text),
		 "name: %s\n"
		 "profiles:\n"
		 "  small: {memory: 64MiB}\n"
		 "sites:\n"
		 "  - {name: a, role: central}\n"
		 "  - {name: b, role: edge, parent: a, nodes: [{name: hog, profile: small}]}\n"
		 "stack: {name: st-oom, strategy: one}\n", name);
	tu_write(tc.dir, "oom.yaml", text, path, sizeof(path));
	rc = tu_enos(&out, tc.db, "up", path, NULL);
	unsetenv("ENOS_STACKS_DIR");
	ck_assert_msg(rc == 0, "up failed (%d): %s", rc, out ? out : "");
	free(out);
	out = NULL;
	for (i = 0; i < 50; i++) {
		free(out);
		out = NULL;
		ck_assert_int_eq(tu_enos(&out, tc.db, "services", "-n", name, NULL), 0);
		if (tu_contains(out, "failed"))
			break;
		usleep(200000);
	}
	fprintf(stderr, "sys_profiles: enos services after the OOM:\n%s", out);
	ck_assert_msg(tu_contains(out, "failed(OOM)") && tu_contains(out, "64M"),
		      "services: %s", out);
	free(out);
	ck_assert_int_eq(tu_enos(&out, tc.db, "services", "-n", name, "--json", NULL), 0);
	ck_assert_msg(tu_contains(out, "\"oom\":true") &&
		      tu_contains(out, "\"node_memory_limit_bytes\":67108864"),
		      "services --json: %s", out);
	free(out);
}
END_TEST

START_TEST(down_leaves_no_cgroup)
{
	const char *name = "profdown";
	char path[256], prefix[64], cg[64];
	struct cgroup_host h;
	pid_t orphan;
	int i, before, st;

	host(&h);
	snprintf(prefix, sizeof(prefix), "enos.%s.", name);
	up_world(name, path, sizeof(path));
	before = cgroup_count(&h, prefix);
	/* Every node (the one without a profile too, for node faults), one
	 * directory per hierarchy each. */
	ck_assert_int_ge(before, 3);
	ck_assert_int_eq(before % 3, 0);
	snprintf(cg, sizeof(cg), "enos.%s.mem", name);
	ck_assert(cgroup_exists(&h, cg));

	/* A process in the node whose starter is killed with SIGKILL. */
	orphan = tu_enos_spawn(tc.db, "exec", "-n", name, "mem", "--", "sleep",
			       "300", NULL);
	ck_assert_int_gt(orphan, 0);
	usleep(500000);
	kill(orphan, SIGKILL);
	waitpid(orphan, &st, 0);

	ck_assert_int_eq(tu_enos(NULL, tc.db, "down", "-n", name, NULL), 0);
	for (i = 0; i < 20 && cgroup_count(&h, prefix) > 0; i++)
		usleep(100000);
	ck_assert_int_eq(cgroup_count(&h, prefix), 0);
	fprintf(stderr, "sys_profiles: %d cgroup directories after up, 0 after down\n",
		before);
}
END_TEST

/* The pids cgroup directory of process PID, from /proc/PID/cgroup (v1's
 * pids line, else cgroup2's), under H's pids mount, into BUF. */
static void pids_dir(const struct cgroup_host *h, int pid, char *buf,
		     size_t len)
{
	char path[64], *text = NULL, *p;
	size_t n;

	snprintf(path, sizeof(path), "/proc/%d/cgroup", pid);
	ck_assert_int_eq(fs_read_file(path, 1u << 16, &text, &n), 0);
	p = strstr(text, h->version[CG_PIDS] == 1 ? ":pids:" : "0::");
	ck_assert_msg(p != NULL, "no pids cgroup in %s", text);
	p = strchr(p + 1, ':') + 1;
	if (h->version[CG_PIDS] == 1)
		p = strchr(p, '/');
	snprintf(buf, len, "%s%.*s", h->dir[CG_PIDS], (int)strcspn(p, "\n"), p);
	free(text);
}

/* pids: for lxc nodes: libvirt's LXC XML has no such setting, so enos
 * writes pids.max in the container's pids cgroup once the domain runs;
 * read back here from the host, and what `enos exec` starts in the node
 * is in it and counts: 64 sleepers do not start under pids: 32, and do
 * in the lxc node beside it without a limit. */
START_TEST(lxc_pids_limit)
{
	const char *name = "proflxcpid";
	char path[256], text[512], dom[64], dir[CGROUP_PATH_MAX * 2];
	char file[CGROUP_PATH_MAX * 2 + 16], prefix[64], *out = NULL, *max = NULL;
	struct cgroup_host h;
	size_t len;
	int rc, init;

	host(&h);
	snprintf(text, sizeof(text), "name: %s\n"
		 "sites:\n"
		 "  - {name: a, role: central, backend: lxc,\n"
		 "     nodes: [{name: c, pids: 32}, {name: d}]}\n", name);
	tu_write(tc.dir, "lxcpids.yaml", text, path, sizeof(path));
	rc = tu_enos(&out, tc.db, "up", path, NULL);
	ck_assert_msg(rc == 0, "up failed (%d): %s", rc, out ? out : "");
	free(out);
	snprintf(dom, sizeof(dom), "enos.%s.c", name);
	init = node_lxc_init_pid(dom);
	ck_assert_int_gt(init, 0);
	pids_dir(&h, init, dir, sizeof(dir));
	snprintf(file, sizeof(file), "%s/pids.max", dir);
	ck_assert_int_eq(fs_read_file(file, 64, &max, &len), 0);
	ck_assert_msg(!strcmp(max, "32\n"), "%s: '%s'", file, max);
	free(max);
	/* A command exec'd in c runs in that cgroup. */
	ck_assert_int_eq(tu_exec(&out, tc.db, name, "c", "cat", "/proc/self/cgroup"), 0);
	ck_assert_msg(tu_contains(out, dir + strlen(h.dir[CG_PIDS])),
		      "exec in c is not in %s: %s", dir, out);
	free(out);
	rc = tu_exec(&out, tc.db, name, "c", "sh", "-c",
		     "i=0; while [ $i -lt 64 ]; do sleep 3 & i=$((i+1)); done; wait");
	fprintf(stderr, "sys_profiles: lxc node with pids: 32: %s reads 32; 64 sleepers: exit %d (%.80s)\n",
		file, rc, out ? out : "");
	ck_assert_msg(rc != 0, "64 processes in a pids: 32 lxc node: exit 0");
	free(out);
	rc = tu_exec(&out, tc.db, name, "d", "sh", "-c",
		     "i=0; while [ $i -lt 64 ]; do sleep 3 & i=$((i+1)); done; wait");
	ck_assert_msg(rc == 0, "64 sleepers in an lxc node without pids: exit %d: %s",
		      rc, out ? out : "");
	free(out);
	ck_assert_int_eq(tu_enos(NULL, tc.db, "down", "-n", name, NULL), 0);
	snprintf(prefix, sizeof(prefix), "enos.%s.", name);
	ck_assert_int_eq(cgroup_count(&h, prefix), 0);
	ck_assert_int_eq(tu_domains("lxc:///", name), 0);
}
END_TEST

Suite *make_sys_profiles_suite(struct skips *sk)
{
	const struct sys_case cases[] = {
		{ "cpu_quarter_core", cpu_quarter_core },
		{ "memory_oom_in_node_only", memory_oom_in_node_only },
		{ "service_oom_reported", service_oom_reported },
		{ "down_leaves_no_cgroup", down_leaves_no_cgroup },
	};
	const struct sys_case lxc_cases[] = {
		{ "lxc_pids_limit", lxc_pids_limit },
	};
	static char why_buf[320];
	Suite *s = suite_create("sys_profiles");
	const char *why = sys_unavailable();
	struct cgroup_limits all = { 250, 64ull << 20, 64 };
	struct cgroup_host h;

	if (!why && access(tu_enos_bin(), X_OK) != 0)
		why = "the enos binary ($ENOS_BIN) is not built";
	if (!why && cgroup_detect(&h) < 0)
		why = "/proc/self/mountinfo cannot be read";
	if (!why && cgroup_supports(&h, &all, why_buf + 17,
				    sizeof(why_buf) - 17) < 0) {
		memcpy(why_buf, "this host has no ", 17);
		why = why_buf;
	}
	if (!why && !h.version[CG_CPUACCT])
		why = "this host accounts no CPU time per cgroup (cpuacct)";
	sys_add_cases(s, sk, cases, sizeof(cases) / sizeof(cases[0]), why,
		      case_setup, case_teardown, 120);
	if (!why && (access("/usr/sbin/libvirtd", X_OK) != 0 ||
		     access("/usr/lib/libvirt/libvirt_lxc", X_OK) != 0))
		why = "libvirt's LXC driver is not installed (apt-get install libvirt-daemon-driver-lxc libvirt-daemon)";
	sys_add_cases(s, sk, lxc_cases, 1, why, case_setup, case_teardown, 180);
	return s;
}
