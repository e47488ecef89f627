/* System tests of `backend: lxc` through the enos binary: an lxc-only
 * world of three sites comes up as libvirt LXC domains sharing the nodes'
 * namespaces, every node pings every other through the wand WAN with the
 * configured RTT as a floor, `enos exec` passes the exit status through,
 * the node's hostname and memory limit are visible inside, and `down`
 * leaves no domain, namespace, link, generated file or daemon it started;
 * so does a SIGKILL of `up` at several points; a mixed netns + lxc world
 * pings both ways; lxc nodes on the OVS fabric ping across sites, carry a
 * TCP flow (iperf3), and `down` leaves no OVS bridge or port either.
 * Skipped only without libvirt's LXC driver (the OVS case also without
 * Open vSwitch or iperf3).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/wait.h>

#include "emulator/world.h"
#include "enos/state.h"
#include "tests/suites.h"
#include "tests/testutil.h"

static struct tu_case tc;

static void case_setup(void)
{
	ck_assert_int_eq(tu_case_setup(&tc, "lxc"), 0);
}

static void case_teardown(void)
{
	tu_case_teardown(&tc);
}

/* The libvirt daemon pids recorded for NAME, into OUT (up to MAX). */
static size_t daemon_pids(const char *name, int *out, size_t max)
{
	static const char *const libvirt[] = { "virtlogd", "libvirtd", NULL };
	int n = tu_recorded_pids(tc.db, name, libvirt, out, max);

	return n < 0 ? 0 : (size_t)n;
}

/* Domains of lxc:/// named "enos.NAME." (0 when no libvirtd runs). */
static int domains(const char *name)
{
	return tu_domains("lxc:///", name);
}

static int generated_files(const char *name)
{
	char dir[160];

	snprintf(dir, sizeof(dir), "/run/enos/.lxc/%s", name);
	return access(dir, F_OK) == 0;
}

static void down_is_clean(const char *name, const char *tag)
{
	int pids[4];
	size_t np = daemon_pids(name, pids, 4), i;
	char *out = NULL;
	int rc;

	rc = tu_enos(&out, tc.db, "down", "-n", name, NULL);
	ck_assert_msg(rc == 0, "down: %s", out);
	ck_assert_int_eq(tu_leftovers(name, tag), 0);
	ck_assert_int_eq(domains(name), 0);
	ck_assert_int_eq(generated_files(name), 0);
	/* Daemons enos started die with the last experiment using them,
	 * unless libvirt still holds somebody else's domain, which down
	 * then says. */
	for (i = 0; i < np; i++)
		if (pids[i] > 0 && tu_alive(pids[i]))
			ck_assert_msg(strstr(out, "left ") &&
				      strstr(out, "not this experiment's"),
				      "daemon pid %d survived down, unannounced: %s",
				      pids[i], out);
	free(out);
}

static const char *write_topo(const char *name, const char *a_backend,
			      char *path, size_t len)
{
	char text[2048];

	snprintf(text, sizeof(text),
		 "name: %s\n"
		 "sites:\n"
		 "  - name: a\n"
		 "    role: central\n"
		 "    backend: %s\n"
		 "    nodes:\n"
		 "      - {name: a-1, memory: 256MiB, cpus: 1}\n"
		 "      - {name: a-2}\n"
		 "  - {name: b, role: regional, parent: a, backend: lxc, nodes: 1}\n"
		 "  - {name: c, role: edge, parent: b, backend: lxc, nodes: 1}\n"
		 "network:\n"
		 "  shaping: wand\n"
		 "  default: {rtt: 10ms}\n",
		 name, a_backend);
	return tu_write(tc.dir, name, text, path, len);
}

static const char *const nodes[] = { "a-1", "a-2", "b-1", "c-1" };
static const char *const addrs[] = { "198.18.0.2", "198.18.0.3", "198.18.0.10",
				     "198.18.0.18" };
#define N_NODES 4

/* min RTT in ms of 3 pings from NODE to ADDR, or -1 if they failed. */
static double ping_min(const char *name, const char *node, const char *addr)
{
	char *out = NULL;
	const char *p;
	double v = -1;

	if (tu_enos(&out, tc.db, "exec", "-n", name, node, "--", "ping", "-c",
		    "3", "-i", "0.2", "-W", "2", "-q", addr, NULL) == 0) {
		p = strstr(out, "rtt min/avg/max/mdev = ");
		if (p)
			v = strtod(p + strlen("rtt min/avg/max/mdev = "), NULL);
	}
	free(out);
	return v;
}

static void all_pairs(const char *name)
{
	size_t i, j;

	for (i = 0; i < N_NODES; i++)
		for (j = 0; j < N_NODES; j++) {
			double ms;

			if (i == j)
				continue;
			ms = ping_min(name, nodes[i], addrs[j]);
			ck_assert_msg(ms >= 0, "%s cannot ping %s", nodes[i], addrs[j]);
			/* Across sites the WAN's 10 ms RTT is a floor. */
			if (nodes[i][0] != nodes[j][0])
				ck_assert_msg(ms >= 10.0, "%s -> %s: %.3f ms < 10 ms",
					      nodes[i], nodes[j], ms);
		}
}

START_TEST(lxc_end_to_end)
{
	char name[32], path[256], tag[WORLD_TAG_LEN + 1];
	char *out = NULL;
	int rc;

	snprintf(name, sizeof(name), "lx-e2e-%d", (int)getpid());
	world_tag(name, 0, tag);
	write_topo(name, "lxc", path, sizeof(path));
	rc = tu_enos(&out, tc.db, "up", path, NULL);
	ck_assert_msg(rc == 0, "up: %s", out);
	free(out);
	ck_assert_int_eq(domains(name), 4);
	all_pairs(name);

	rc = tu_enos(&out, tc.db, "exec", "-n", name, "b-1", "--", "sh", "-c",
		     "exit 7", NULL);
	free(out);
	ck_assert_int_eq(rc, 7);
	rc = tu_enos(&out, tc.db, "exec", "-n", name, "a-1", "--", "hostname", NULL);
	ck_assert_msg(rc == 0 && strncmp(out, "a-1\n", 4) == 0, "hostname: %s", out);
	free(out);
	/* libvirt's /proc/meminfo inside shows the domain's memory. */
	rc = tu_enos(&out, tc.db, "exec", "-n", name, "a-1", "--", "grep",
		     "MemTotal", "/proc/meminfo", NULL);
	ck_assert_msg(rc == 0 && tu_contains(out, " 262144 kB"), "meminfo: %s", out);
	free(out);
	/* Its own pid namespace, and / read-only but /var writable. */
	rc = tu_enos(&out, tc.db, "exec", "-n", name, "a-2", "--", "sh", "-c",
		     "cat /proc/1/cmdline | grep -q sleep && ! touch /etc/enos-x 2>/dev/null && touch /var/enos-x",
		     NULL);
	ck_assert_msg(rc == 0, "namespaces/rootfs: %s", out);
	free(out);
	ck_assert_int_ne(access("/var/enos-x", F_OK), 0);
	down_is_clean(name, tag);
}
END_TEST

START_TEST(kill_up_lxc_then_down_is_clean)
{
	static const int delays_ms[] = { 5, 60, 150, 300, 600 };
	char name[32], path[256], tag[WORLD_TAG_LEN + 1];
	struct timespec ts;
	size_t i;

	snprintf(name, sizeof(name), "lx-kill-%d", (int)getpid());
	world_tag(name, 0, tag);
	write_topo(name, "lxc", path, sizeof(path));
	for (i = 0; i < sizeof(delays_ms) / sizeof(delays_ms[0]); i++) {
		pid_t pid = tu_enos_spawn(tc.db, "up", path, NULL);

		ts.tv_sec = 0;
		ts.tv_nsec = delays_ms[i] * 1000000L;
		nanosleep(&ts, NULL);
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		down_is_clean(name, tag);
	}
}
END_TEST

START_TEST(mixed_netns_lxc)
{
	char name[32], path[256], tag[WORLD_TAG_LEN + 1];
	char *out = NULL;
	int rc;

	snprintf(name, sizeof(name), "lx-mix-%d", (int)getpid());
	world_tag(name, 0, tag);
	write_topo(name, "netns", path, sizeof(path));
	rc = tu_enos(&out, tc.db, "up", path, NULL);
	ck_assert_msg(rc == 0, "up: %s", out);
	free(out);
	ck_assert_int_eq(domains(name), 2);
	/* netns a-1 <-> lxc c-1 both ways, across the WAN. */
	ck_assert(ping_min(name, "a-1", "198.18.0.18") >= 10.0);
	ck_assert(ping_min(name, "c-1", "198.18.0.2") >= 10.0);
	ck_assert(ping_min(name, "b-1", "198.18.0.3") >= 10.0);
	down_is_clean(name, tag);
}
END_TEST

/* One iperf3 flow of SECS seconds from node FROM to ADDR (where node TO
 * serves once); the receiver's bit/s, or -1 if it failed. */
static double iperf(const char *name, const char *from, const char *to,
		    const char *addr, const char *secs)
{
	char *out = NULL;
	const char *p;
	double bps = -1;

	if (tu_enos(NULL, tc.db, "exec", "-n", name, to, "--", "iperf3",
		    "-s", "-1", "-D", NULL) != 0)
		return -1;
	usleep(300000);
	if (tu_enos(&out, tc.db, "exec", "-n", name, from, "--", "iperf3",
		    "-c", addr, "-t", secs, "-J", NULL) == 0) {
		p = strstr(out, "\"sum_received\"");
		if (p)
			p = strstr(p, "\"bits_per_second\":");
		if (p)
			bps = strtod(p + strlen("\"bits_per_second\":"), NULL);
	}
	free(out);
	return bps;
}

/* lxc nodes on the OVS fabric (the userspace datapath here, which needs
 * TX checksum offload off in each node's namespace, as node_netns_build()
 * does: without it pings pass and TCP silently fails). */
START_TEST(lxc_on_ovs)
{
	static const char *const onodes[] = { "a-1", "a-2", "b-1" };
	static const char *const oaddrs[] = { "198.18.0.2", "198.18.0.3",
					      "198.18.0.10" };
	char name[32], path[256], tag[WORLD_TAG_LEN + 1], text[512];
	char *out = NULL;
	double bps;
	size_t i, j;
	int rc;

	snprintf(name, sizeof(name), "lz-ovs-%d", (int)getpid());
	world_tag(name, 0, tag);
	snprintf(text, sizeof(text),
		 "name: %s\n"
		 "sites:\n"
		 "  - {name: a, role: central, backend: lxc, nodes: 2}\n"
		 "  - {name: b, role: edge, parent: a, backend: lxc, nodes: 1}\n"
		 "network: {fabric: ovs, shaping: none}\n", name);
	ck_assert_ptr_nonnull(tu_write(tc.dir, name, text, path, sizeof(path)));
	rc = tu_enos(&out, tc.db, "up", path, NULL);
	ck_assert_msg(rc == 0, "up: %s", out);
	free(out);
	ck_assert_int_eq(domains(name), 3);
	/* Two LAN bridges and the WAN one, with their ports, in OVSDB. */
	ck_assert_int_ge(tu_ovs_ports(tag), 3);
	for (i = 0; i < 3; i++)
		for (j = 0; j < 3; j++)
			if (i != j)
				ck_assert_msg(ping_min(name, onodes[i], oaddrs[j]) >= 0,
					      "%s cannot ping %s", onodes[i], oaddrs[j]);
	/* A TCP flow across sites, both ways: that it flows at all is the
	 * point (broken checksums give 0); the floor is far below the
	 * ~1 Gbit/s measured, as the host is shared. */
	bps = iperf(name, "a-1", "b-1", "198.18.0.10", "2");
	ck_assert_msg(bps > 10e6, "TCP a-1 -> b-1 over OVS: %.0f bit/s", bps);
	bps = iperf(name, "b-1", "a-2", "198.18.0.3", "1");
	ck_assert_msg(bps > 10e6, "TCP b-1 -> a-2 over OVS: %.0f bit/s", bps);
	down_is_clean(name, tag);
	ck_assert_int_eq(tu_ovs_ports(tag), 0);
}
END_TEST

Suite *make_sys_lxc_suite(struct skips *sk)
{
	const struct sys_case cases[] = {
		{ "lxc_end_to_end", lxc_end_to_end },
		{ "kill_up_lxc", kill_up_lxc_then_down_is_clean },
		{ "mixed_netns_lxc", mixed_netns_lxc },
	};
	Suite *s = suite_create("sys_lxc");
	const char *why = sys_unavailable();

	if (!why && (access("/usr/sbin/libvirtd", X_OK) != 0 ||
		     access("/usr/lib/libvirt/libvirt_lxc", X_OK) != 0))
		why = "libvirt's LXC driver is not installed (apt-get install libvirt-daemon-driver-lxc libvirt-daemon)";
	const struct sys_case ovs_cases[] = {
		{ "lxc_on_ovs", lxc_on_ovs },
	};
	char *vsctl[] = { "ovs-vsctl", "--version", NULL };
	char *vswitchd[] = { "ovs-vswitchd", "--version", NULL };
	char *iperf3[] = { "iperf3", "--version", NULL };
	const char *ovs_why = why;

	sys_add_cases(s, sk, cases, sizeof(cases) / sizeof(cases[0]), why,
		      case_setup, case_teardown, 300);
	if (!ovs_why && (tu_run(NULL, vsctl) != 0 || tu_run(NULL, vswitchd) != 0))
		ovs_why = "Open vSwitch is not installed (ovs-vsctl/ovs-vswitchd; apt-get install openvswitch-switch)";
	if (!ovs_why && tu_run(NULL, iperf3) != 0)
		ovs_why = "iperf3 is not installed (apt-get install iperf3)";
	sys_add_cases(s, sk, ovs_cases, 1, ovs_why, case_setup, case_teardown,
		      300);
	return s;
}
