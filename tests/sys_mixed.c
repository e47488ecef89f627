/* System tests of a mixed-backend world through the enos binary: the
 * topology of topologies/mixed.yaml (central: one qemu VM and two netns
 * nodes; regional: two lxc nodes; edge: one netns node; WAN rtt
 * constraints 20/10/30 ms through wand), once on Linux bridges and once
 * on Open vSwitch. Each run asserts that `up` returns with the VM usable
 * (its first exec answers at once); every node pings every other (30
 * pairs, through each backend's exec, busybox ping in the VM), cross-site
 * pings are at least the pair's target; `exec` passes exit code 7 through
 * each backend; the RTT probe from an lxc node to the VM (a "remote echo"
 * destination answered by `enos-agent echo` in the guest) is at least the
 * 20 ms target with a TCG-sane median; `enos tc --test` passes and says it
 * measured the central site from central-1, not the VM; `down` leaves no
 * domain (lxc:/// and qemu:///system), OVS bridge, tap, link, namespace,
 * generated file or daemon enos started. A boot wait of 1 s fails `up`
 * naming the VM and its console, then rolls back to nothing. A SIGKILL of
 * `up` early, once the domains exist, and while it waits for the VM, then
 * `down`, leaves nothing either. Skipped where libvirt's LXC or QEMU
 * driver, qemu, the cloud kernel, busybox or enos-agent are missing (and
 * the OVS case without Open vSwitch).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/wait.h>

#include "emulator/caps.h"
#include "emulator/node_qemu.h"
#include "emulator/world.h"
#include "enos/state.h"
#include "tests/suites.h"
#include "tests/testutil.h"
#include "workloads/probe.h"

#define MX_PROBE_TARGET_MS 20.0
/* The guest answers under TCG: on this 2-core host shared by other
 * suites the sys_qemu netns->VM ping measured avg 21.7-24.7 ms at 20 ms,
 * and this probe's p50 lxc->VM 20.5-21.5 ms (see the report); beyond
 * 60 ms over the target the VM or the WAN is wrong, not merely slow. */
#define MX_PROBE_P50_BOUND_MS 60.0
#define MX_ECHO_PORT 7777
#define MX_NODES 6

/* The nodes of the mixed world, in address order (198.18.0.0/29 central,
 * .8/29 regional, .16/29 edge: the plan's blocks). */
static const struct mx_node {
	const char *name;
	const char *backend;
	const char *addr;
	int site;
} mx_nodes[MX_NODES] = {
	{ "central-vm", "qemu", "198.18.0.2", 0 },
	{ "central-1", "netns", "198.18.0.3", 0 },
	{ "central-2", "netns", "198.18.0.4", 0 },
	{ "regional-1", "lxc", "198.18.0.10", 1 },
	{ "regional-2", "lxc", "198.18.0.11", 1 },
	{ "edge-1", "netns", "198.18.0.18", 2 },
};

/* The target RTT between sites A and B (the constraints below). */
static double target_ms(int a, int b)
{
	static const double rtt[3][3] = {
		{ 0, 20, 30 }, { 20, 0, 10 }, { 30, 10, 0 },
	};

	return rtt[a][b];
}

static struct tu_case tc;

static void case_setup(void)
{
	ck_assert_int_eq(tu_case_setup(&tc, "mixed"), 0);
}

static void case_teardown(void)
{
	tu_case_teardown(&tc);
}

static const char *write_mixed(const char *name, const char *fabric,
			       char *path, size_t len)
{
	char text[2048];

	snprintf(text, sizeof(text),
		 "name: %s\n"
		 "sites:\n"
		 "  - name: central\n"
		 "    role: central\n"
		 "    nodes:\n"
		 "      - {name: central-vm, backend: qemu, memory: 256MiB}\n"
		 "      - {name: central-1}\n"
		 "      - {name: central-2}\n"
		 "  - name: regional\n"
		 "    role: regional\n"
		 "    parent: central\n"
		 "    nodes:\n"
		 "      - {name: regional-1, backend: lxc, memory: 256MiB}\n"
		 "      - {name: regional-2, backend: lxc, memory: 256MiB}\n"
		 "  - {name: edge, role: edge, parent: regional, nodes: 1}\n"
		 "network:\n"
		 "  fabric: %s\n"
		 "  shaping: wand\n"
		 "  constraints:\n"
		 "    - {src: regional, dst: central, rtt: 20ms}\n"
		 "    - {src: edge, dst: regional, rtt: 10ms}\n"
		 "    - {src: edge, dst: central, rtt: 30ms}\n",
		 name, fabric);
	return tu_write(tc.dir, name, text, path, len);
}

/* Files of NODE_QEMU_DIR starting with enos.NAME., plus the lxc
 * backend's /run/enos/.lxc/NAME. */
static int generated_files(const char *name)
{
	char dir[160];

	snprintf(dir, sizeof(dir), "/run/enos/.lxc/%s", name);
	return tu_files_of(NODE_QEMU_DIR, name) + (access(dir, F_OK) == 0);
}

/* OVS bridges whose name starts with TAG (0 without ovs-vsctl). */
static int ovs_bridges(const char *tag)
{
	char *argv[] = { "ovs-vsctl", "--timeout=5", "list-br", NULL };
	char *out = NULL, *p;
	int n = 0;

	if (tu_run(&out, argv) == 0)
		for (p = out; (p = strstr(p, tag)); p++)
			n++;
	free(out);
	return n;
}

/* The processes recorded for NAME (daemons enos started, the wand
 * engine), into OUT (up to MAX). */
static size_t recorded_pids(const char *name, int *out, size_t max)
{
	int n = tu_recorded_pids(tc.db, name, NULL, out, max);

	return n < 0 ? 0 : (size_t)n;
}

static void down_is_clean(const char *name, const char *tag)
{
	int pids[8];
	size_t np = recorded_pids(name, pids, 8), i;
	char *out = NULL;
	int rc;

	rc = tu_enos(&out, tc.db, "down", "-n", name, NULL);
	ck_assert_msg(rc == 0, "down: %s", out);
	ck_assert_int_eq(tu_leftovers(name, tag), 0);
	ck_assert_int_eq(tu_netns_count(name), 0);
	ck_assert_int_eq(tu_domains("lxc:///", name), 0);
	ck_assert_int_eq(tu_domains("qemu:///system", name), 0);
	ck_assert_int_eq(generated_files(name), 0);
	ck_assert_int_eq(ovs_bridges(tag), 0);
	/* Processes enos started are gone, unless libvirt still holds
	 * somebody else's domain (or a libvirtd enos did not start uses
	 * virtlogd), which down then says. */
	for (i = 0; i < np; i++)
		if (tu_alive(pids[i]))
			ck_assert_msg(strstr(out, "note: left "),
				      "pid %d survived down, unannounced: %s",
				      pids[i], out);
	free(out);
}

/* Every node pings every other through its backend's exec; cross-site
 * replies come no sooner than the pair's target. */
static void all_pairs_ping(const char *name)
{
	size_t a, b;

	for (a = 0; a < MX_NODES; a++) {
		for (b = 0; b < MX_NODES; b++) {
			char *out = NULL;
			const char *t;
			double ms = -1, want;
			int rc;

			if (a == b)
				continue;
			rc = tu_exec(&out, tc.db, name, mx_nodes[a].name, "ping", "-c", "1",
				     "-W", "5", mx_nodes[b].addr);
			ck_assert_msg(rc == 0, "%s (%s) -> %s (%s): %d: %s",
				      mx_nodes[a].name, mx_nodes[a].backend,
				      mx_nodes[b].name, mx_nodes[b].backend, rc, out);
			t = strstr(out, "time=");
			ck_assert_msg(t && sscanf(t + 5, "%lf", &ms) == 1,
				      "no time in: %s", out);
			want = target_ms(mx_nodes[a].site, mx_nodes[b].site);
			ck_assert_msg(ms >= want - 0.5,
				      "%s -> %s: %.3f ms under the %.0f ms target",
				      mx_nodes[a].name, mx_nodes[b].name, ms, want);
			free(out);
		}
	}
}

/* The probe from regional-1 (lxc: the probe enters its namespace) to the
 * VM, whose guest answers on MX_ECHO_PORT. */
static void probe_lxc_to_vm(const char *name)
{
	struct probe_opts po = { .samples = 100, .interval_ms = 10,
				 .timeout_ms = 1000 };
	struct probe_pair p;
	char src[128], *out = NULL;
	int rc;

	rc = tu_exec(&out, tc.db, name, "central-vm", "enos-agent", "echo", "7777");
	ck_assert_msg(rc == 0, "enos-agent echo: %d: %s", rc, out);
	free(out);
	snprintf(src, sizeof(src), "enos.%s.regional-1", name);
	memset(&p, 0, sizeof(p));
	p.src_netns = src;
	p.dst_addr = 0xc6120002;        /* 198.18.0.2, central-vm */
	p.remote_port = MX_ECHO_PORT;
	/* Warm-up: the gateways learn each other's MAC across the WAN. */
	po.samples = 3;
	ck_assert_int_eq(probe_rtt(&p, 1, &po), 0);
	po.samples = 100;
	ck_assert_int_eq(probe_rtt(&p, 1, &po), 0);
	printf("sys_mixed: probe lxc -> VM across a %.0f ms WAN: %u/%u, min %.2f p50 %.2f p90 %.2f p99 %.2f ms\n",
	       MX_PROBE_TARGET_MS, p.received, p.sent, p.min_ms, p.p50_ms,
	       p.p90_ms, p.p99_ms);
	ck_assert_uint_eq(p.sent, 100);
	ck_assert_msg(p.received >= 95, "%u of 100 answered", p.received);
	ck_assert_msg(p.min_ms >= MX_PROBE_TARGET_MS, "min %.3f ms under %.0f ms",
		      p.min_ms, MX_PROBE_TARGET_MS);
	ck_assert_msg(p.p50_ms <= MX_PROBE_TARGET_MS + MX_PROBE_P50_BOUND_MS +
		      tu_slack_ms(), "p50 %.3f ms", p.p50_ms);
}

/* The bound `tc --test` gets: sys_wan's on bridges (loose for a loaded
 * host, looser when sanitized); on OVS the userspace datapath adds
 * milliseconds on every LAN hop (sys_ovs measured 4-6 ms across two
 * sites; here p50 was 4-5.5 ms over the target with 4 suites sharing 2
 * cores), so there it checks the WAN is applied, not its accuracy. */
static const char *tolerance(const char *fabric)
{
	if (strcmp(fabric, "ovs") == 0)
		return "50,15";
	return tu_slack_ms() > 0 ? "50,20" : "5,1";
}

static void mixed_end_to_end(const char *fabric, const char *prefix)
{
	static const char *const exec_nodes[] = { "central-vm", "central-1",
						  "regional-1", "edge-1" };
	char name[32], path[256], tag[WORLD_TAG_LEN + 1];
	char *out = NULL;
	double t0;
	size_t i;
	int rc;

	snprintf(name, sizeof(name), "%s-%d", prefix, (int)getpid());
	world_tag(name, 0, tag);
	write_mixed(name, fabric, path, sizeof(path));
	t0 = tu_now_s();
	rc = tu_enos(&out, tc.db, "up", path, NULL);
	ck_assert_msg(rc == 0, "up: %s", out);
	free(out);
	printf("sys_mixed (%s): up, VM ready included, %.1f s\n", fabric,
	       tu_now_s() - t0);
	ck_assert_int_eq(tu_domains("qemu:///system", name), 1);
	ck_assert_int_eq(tu_domains("lxc:///", name), 2);
	if (strcmp(fabric, "ovs") == 0)
		ck_assert_int_eq(ovs_bridges(tag), 3);

	/* up waited for the guest: its first exec answers at once. */
	t0 = tu_now_s();
	for (i = 0; i < sizeof(exec_nodes) / sizeof(exec_nodes[0]); i++) {
		rc = tu_exec(&out, tc.db, name, exec_nodes[i], "sh", "-c",
			     "echo mx-out; exit 7");
		ck_assert_msg(rc == 7 && tu_contains(out, "mx-out"),
			      "exec on %s: %d: %s", exec_nodes[i], rc, out);
		free(out);
		if (i == 0) {
			ck_assert_msg(tu_now_s() - t0 < 3.0,
				      "first exec on the VM took %.1f s after up",
				      tu_now_s() - t0);
		}
	}

	all_pairs_ping(name);
	probe_lxc_to_vm(name);

	rc = tu_enos(&out, tc.db, "tc", "-n", name, "--test", "--json",
		     "--samples", "30", "--tolerance", tolerance(fabric), NULL);
	ck_assert_msg(rc == 0, "tc --test: %d: %s", rc, out);
	ck_assert_msg(tu_contains(out, "\"src_node\":\"central-1\"") ||
		      tu_contains(out, "\"src_node\": \"central-1\""),
		      "central not measured from central-1: %s", out);
	ck_assert_msg(!tu_contains(out, "central-vm"), "a VM endpoint: %s", out);
	free(out);
	down_is_clean(name, tag);
}

START_TEST(mixed_on_bridges)
{
	mixed_end_to_end("bridge", "mx-b");
}
END_TEST

START_TEST(mixed_on_ovs)
{
	mixed_end_to_end("ovs", "mx-o");
}
END_TEST

/* A VM that does not answer in time fails up, which names it and its
 * console, and rolls everything back. */
START_TEST(mixed_ready_timeout)
{
	char name[32], path[256], tag[WORLD_TAG_LEN + 1];
	char *out = NULL;
	int rc;

	snprintf(name, sizeof(name), "mx-t-%d", (int)getpid());
	world_tag(name, 0, tag);
	write_mixed(name, "bridge", path, sizeof(path));
	setenv("ENOS_QEMU_BOOT_WAIT", "1", 1);
	rc = tu_enos(&out, tc.db, "up", path, NULL);
	unsetenv("ENOS_QEMU_BOOT_WAIT");
	ck_assert_msg(rc == 1, "up with a 1 s boot wait: %d: %s", rc, out);
	ck_assert_msg(tu_contains(out, "'central-vm' was not ready within 1 s") &&
		      tu_contains(out, ".console") &&
		      tu_contains(out, "rolled back"), "%s", out);
	free(out);
	ck_assert_int_eq(tu_leftovers(name, tag), 0);
	ck_assert_int_eq(tu_domains("lxc:///", name), 0);
	ck_assert_int_eq(tu_domains("qemu:///system", name), 0);
	ck_assert_int_eq(generated_files(name), 0);
	rc = tu_enos(&out, tc.db, "status", "-n", name, NULL);
	ck_assert_msg(rc != 0, "still recorded: %s", out);
	free(out);
}
END_TEST

/* Wait up to 60 s for PATH to exist; 1 if it did. */
static int wait_for(const char *path)
{
	int i;

	for (i = 0; i < 6000; i++) {
		if (access(path, F_OK) == 0)
			return 1;
		usleep(10 * 1000);
	}
	return 0;
}

START_TEST(kill_up_mixed_then_down_is_clean)
{
	/* 300 ms: recording and building namespaces; 0: as soon as the VM's
	 * domain exists (its agent socket), with the lxc domains starting
	 * beside it; 2000 ms after that: the WAN is shaped and up waits for
	 * the guest (boot takes 4-13 s here). */
	static const int kill_ms[] = { 300, 0, 2000 };
	char name[32], path[256], tag[WORLD_TAG_LEN + 1], sock[PATH_MAX];
	size_t k;

	snprintf(name, sizeof(name), "mx-k-%d", (int)getpid());
	world_tag(name, 0, tag);
	write_mixed(name, "bridge", path, sizeof(path));
	snprintf(sock, sizeof(sock), NODE_QEMU_DIR "/enos.%s.central-vm.sock",
		 name);
	for (k = 0; k < sizeof(kill_ms) / sizeof(kill_ms[0]); k++) {
		pid_t pid = tu_enos_spawn(tc.db, "up", path, NULL);
		int st = 0;

		if (k == 0) {
			usleep((useconds_t)kill_ms[k] * 1000);
		} else {
			ck_assert_msg(wait_for(sock), "no domain within 60 s");
			usleep((useconds_t)kill_ms[k] * 1000);
		}
		/* Still inside up, not finished: the kill lands mid-way. */
		ck_assert_msg(waitpid(pid, &st, WNOHANG) == 0,
			      "up ended before the kill at point %zu", k);
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		down_is_clean(name, tag);
	}
}
END_TEST

Suite *make_sys_mixed_suite(struct skips *sk)
{
	const struct sys_case cases[] = {
		{ "mixed_on_bridges", mixed_on_bridges },
		{ "mixed_ready_timeout", mixed_ready_timeout },
		{ "kill_up_mixed", kill_up_mixed_then_down_is_clean },
	};
	const struct sys_case ovs_cases[] = {
		{ "mixed_on_ovs", mixed_on_ovs },
	};
	Suite *s = suite_create("sys_mixed");
	const char *why = sys_unavailable();
	static char reason[320];
	struct caps caps;

	tu_agent_env();
	if (!why) {
		caps_probe(&caps);
		if (!caps.libvirt_lxc.found) {
			snprintf(reason, sizeof(reason), "libvirt LXC: %s",
				 caps.libvirt_lxc.why);
			why = reason;
		} else if (!caps.libvirt_qemu.found) {
			snprintf(reason, sizeof(reason), "libvirt QEMU: %s",
				 caps.libvirt_qemu.why);
			why = reason;
		} else if (node_qemu_probe(reason, sizeof(reason)) < 0) {
			why = reason;
		}
	}
	sys_add_cases(s, sk, cases, sizeof(cases) / sizeof(cases[0]), why,
		      case_setup, case_teardown, 240);
	if (!why && !caps.ovs.found) {
		snprintf(reason, sizeof(reason), "Open vSwitch: %s", caps.ovs.why);
		why = reason;
	}
	sys_add_cases(s, sk, ovs_cases, 1, why, case_setup, case_teardown, 240);
	return s;
}
