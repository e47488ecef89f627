/* sys_emulator — system tests of the namespace backend: world_up() and
 * world_down() on real namespaces, veths and bridges, asserting on what
 * the kernel reports (/sys/class/net, /run/netns, ping between nodes).
 *
 * Every test uses the experiment name "t-emu-PID", PID being the runner's
 * (set by the unchecked setup, in the runner, before the tests fork). The
 * checked teardown sweeps that name after a test that passed; Check does
 * not run it after a failed assertion, so the unchecked teardown, which
 * runs in the runner whatever happened, sweeps it again at the end.
 */
#include <errno.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "emulator/addr.h"
#include "emulator/cgroup.h"
#include "emulator/emu.h"
#include "emulator/node.h"
#include "emulator/world.h"
#include "tests/suites.h"
#include "tests/testutil.h"

#define PING "/usr/bin/ping"
#define MAX_SITES 8
#define MAX_NODES 200

/* A hand-made world and its storage. */
struct tworld {
	struct world w;
	char name[32];
	char site_names[MAX_SITES][24];
	char node_names[MAX_NODES][24];
	struct world_site sites[MAX_SITES];
	struct world_node nodes[MAX_NODES];
};

/* The fixture's state: Check runs fixtures and the test in one child. */
static struct emu *emu;
static struct tworld tw;
/* The experiment name, chosen in the runner before any test forks. */
static char suite_name[32];

/* Name W "t-emu-PID" and lay out PER_SITE[i] nodes in site i. */
static void tworld_make(struct tworld *t, const size_t *per_site,
			size_t n_sites)
{
	size_t hosts[MAX_SITES];
	struct prefix lans[MAX_SITES];
	size_t failed, i, j, k = 0;

	memset(t, 0, sizeof(*t));
	snprintf(t->name, sizeof(t->name), "%s", suite_name);
	t->w.name = t->name;
	world_tag(t->name, 0, t->w.tag);
	t->w.sites = t->sites;
	t->w.nodes = t->nodes;
	t->w.n_sites = n_sites;
	for (i = 0; i < n_sites; i++) {
		snprintf(t->site_names[i], sizeof(t->site_names[i]), "s%zu", i);
		t->sites[i].name = t->site_names[i];
		hosts[i] = per_site[i] + 1;
		for (j = 0; j < per_site[i]; j++, k++) {
			ck_assert_uint_lt(k, MAX_NODES);
			snprintf(t->node_names[k], sizeof(t->node_names[k]),
				 "n%zu", k);
			t->nodes[k].name = t->node_names[k];
			t->nodes[k].site = i;
			t->nodes[k].ops = &node_netns_ops;
		}
	}
	t->w.n_nodes = k;
	ck_assert_int_eq(addr_plan_sites(hosts, n_sites, lans, &failed), 0);
	for (i = 0; i < n_sites; i++)
		t->sites[i].lan = lans[i];
	world_name(&t->w);
}

/* Only the name and tag: what `down` has after a crash lost the plan. */
static struct world sweep_world(const struct tworld *t)
{
	struct world w;

	memset(&w, 0, sizeof(w));
	w.name = t->w.name;
	memcpy(w.tag, t->w.tag, sizeof(w.tag));
	return w;
}

static void suite_setup(void)
{
	snprintf(suite_name, sizeof(suite_name), "t-emu-%d", (int)getpid());
}

/* Sweep whatever a failed test left under the suite's name. */
static void suite_teardown(void)
{
	struct emu *e = NULL;
	struct world w;

	memset(&w, 0, sizeof(w));
	w.name = suite_name;
	world_tag(suite_name, 0, w.tag);
	if (emu_open(&e) == 0)
		world_down(e, &w, NULL, NULL);
	emu_close(e);
	/* test_down_group's link of another owner, if it failed midway. */
	tu_sh("ip link del zz%s", w.tag);
}

static void setup(void)
{
	static const size_t three[] = { 2, 1, 2 };

	ck_assert_int_eq(emu_open(&emu), 0);
	tworld_make(&tw, three, 3);
}

static void teardown(void)
{
	struct world w = sweep_world(&tw);

	if (emu) {
		world_down(emu, &w, NULL, NULL);
		emu_close(emu);
		emu = NULL;
	}
}

/* The master of link NAME as /sys/class/net reports it, or "". */
static const char *master_of(const char *name, char *buf, size_t len)
{
	char path[PATH_MAX], target[PATH_MAX];
	const char *slash, *base;
	size_t blen;
	ssize_t n;

	snprintf(path, sizeof(path), "/sys/class/net/%s/master", name);
	n = readlink(path, target, sizeof(target) - 1);
	buf[0] = '\0';
	if (n <= 0)
		return buf;
	target[n] = '\0';
	slash = strrchr(target, '/');
	base = slash ? slash + 1 : target;
	blen = strlen(base) < len ? strlen(base) : len - 1;
	memcpy(buf, base, blen);
	buf[blen] = '\0';
	return buf;
}

static int exists(const char *fmt, const char *name)
{
	char path[PATH_MAX];
	struct stat st;

	snprintf(path, sizeof(path), fmt, name);
	return stat(path, &st) == 0;
}

/* Is IPv6 off on the host's link IFNAME (or absent from the kernel)? */
static int ipv6_off(const char *ifname)
{
	char path[PATH_MAX], v[4] = "";
	FILE *f;

	if (access("/proc/sys/net/ipv6", F_OK) != 0)
		return 1;
	snprintf(path, sizeof(path), "/proc/sys/net/ipv6/conf/%s/disable_ipv6",
		 ifname);
	f = fopen(path, "re");
	if (!f)
		return 0;
	if (!fgets(v, sizeof(v), f))
		v[0] = '\0';
	fclose(f);
	return v[0] == '1';
}

static void assert_world_present(const struct world *w)
{
	char m[WORLD_IFNAMSIZ];
	size_t i;

	ck_assert_msg(exists("/sys/class/net/%s/bridge", w->wan_bridge),
		      "no bridge '%s'", w->wan_bridge);
	for (i = 0; i < w->n_sites; i++) {
		const struct world_site *s = &w->sites[i];

		ck_assert_msg(exists("/sys/class/net/%s/bridge",
				     s->lan_bridge), "no bridge '%s'",
			      s->lan_bridge);
		ck_assert_str_eq(master_of(s->gw_lan_host, m, sizeof(m)),
				 s->lan_bridge);
		ck_assert_str_eq(master_of(s->gw_wan_host, m, sizeof(m)),
				 w->wan_bridge);
		ck_assert_msg(exists("/run/netns/%s", s->gw_netns),
			      "no namespace '%s'", s->gw_netns);
		ck_assert_msg(ipv6_off(s->gw_lan_host) &&
			      ipv6_off(s->gw_wan_host),
			      "IPv6 is on at '%s' or '%s'", s->gw_lan_host,
			      s->gw_wan_host);
	}
	for (i = 0; i < w->n_nodes; i++) {
		const struct world_node *n = &w->nodes[i];

		ck_assert_str_eq(master_of(n->host_if, m, sizeof(m)),
				 w->sites[n->site].lan_bridge);
		ck_assert_msg(exists("/run/netns/%s", n->netns),
			      "no namespace '%s'", n->netns);
		/* Each would have an ff00::/8 route in the host's table. */
		ck_assert_msg(ipv6_off(n->host_if), "IPv6 is on at '%s'",
			      n->host_if);
	}
}

/* Run ARGV in node N; returns its status, fails the test if it could not
 * start. */
static int run_in(const struct world_node *n, char *const argv[])
{
	int status = -1;

	ck_assert_int_eq(node_netns_ops.exec(emu, n, argv, &status), 0);
	return status;
}

/* The cgroup directories of W's nodes, every hierarchy counted (0 where
 * the host has no cgroups enos can use). */
static int node_cgroups(const struct world *w)
{
	char prefix[WORLD_NETNS_MAX];
	struct cgroup_host h;

	if (cgroup_detect(&h) < 0)
		return 0;
	world_netns_prefix(w->name, prefix, sizeof(prefix));
	return cgroup_count(&h, prefix);
}

START_TEST(test_up_down)
{
	struct world *w = &tw.w;
	int cg;

	ck_assert_int_eq(world_up(emu, w, NULL, NULL), 0);
	assert_world_present(w);
	/* Links: WAN bridge, 3 LAN bridges, 2 per gateway, 1 per node;
	 * namespaces: 3 gateways, 5 nodes; and each node's cgroup, one
	 * directory per hierarchy (every node has one, for node faults). */
	cg = node_cgroups(w);
	ck_assert_int_eq(cg % 5, 0);
	ck_assert_int_eq(world_leftovers(emu, w), (1 + 3 + 6 + 5) + (3 + 5) + cg);
	ck_assert_int_eq(world_down(emu, w, NULL, NULL), 0);
	ck_assert_int_eq(world_leftovers(emu, w), 0);
	ck_assert(!exists("/sys/class/net/%s", w->wan_bridge));
	ck_assert(!exists("/run/netns/%s", w->nodes[0].netns));
	/* Already gone is success. */
	ck_assert_int_eq(world_down(emu, w, NULL, NULL), 0);
}
END_TEST

START_TEST(test_ping_all)
{
	struct world *w = &tw.w;
	char addr[20];
	char *argv[] = { "sh", "-c", "exec " PING " -c1 -W2 \"$0\" >/dev/null",
			 addr, NULL };
	size_t i, j;

	ck_assert_int_eq(world_up(emu, w, NULL, NULL), 0);
	for (i = 0; i < w->n_nodes; i++)
		for (j = 0; j < w->n_nodes; j++) {
			if (i == j)
				continue;
			addr_format(w->nodes[j].addr, addr, sizeof(addr));
			ck_assert_msg(run_in(&w->nodes[i], argv) == 0,
				      "'%s' cannot ping '%s' (%s)",
				      w->nodes[i].name, w->nodes[j].name,
				      addr);
		}
	ck_assert_int_eq(world_down(emu, w, NULL, NULL), 0);
	ck_assert_int_eq(world_leftovers(emu, w), 0);
}
END_TEST

START_TEST(test_exec_status)
{
	struct world *w = &tw.w;
	char *exit7[] = { "sh", "-c", "exit 7", NULL };
	char *killed[] = { "sh", "-c", "kill -9 $$", NULL };
	char *ifaces[] = { "sh", "-c",
			   "test -e /sys/class/net/eth0 && "
			   "test ! -e /sys/class/net/" "$0", NULL, NULL };
	char *missing[] = { "enos-no-such-program", NULL };
	int status = -1;

	ck_assert_int_eq(world_up(emu, w, NULL, NULL), 0);
	ck_assert_int_eq(run_in(&w->nodes[0], exit7), 7);
	ck_assert_int_eq(run_in(&w->nodes[0], killed), 128 + SIGKILL);
	/* /sys shows the node's links, not the host's. */
	ifaces[3] = w->wan_bridge;
	ck_assert_int_eq(run_in(&w->nodes[0], ifaces), 0);
	ck_assert_int_eq(node_netns_ops.exec(emu, &w->nodes[0], missing,
					     &status), -ENOENT);
	ck_assert_int_eq(world_down(emu, w, NULL, NULL), 0);
}
END_TEST

START_TEST(test_node_ops)
{
	struct world *w = &tw.w;
	const struct world_node *n = &w->nodes[1];
	char gw[20];
	char *ping[] = { "sh", "-c", "exec " PING " -c1 -W2 \"$0\" >/dev/null",
			 gw, NULL };
	char m[WORLD_IFNAMSIZ];

	ck_assert_ptr_eq(node_ops_find("netns"), &node_netns_ops);
	ck_assert_ptr_eq(node_ops_find("lxc"), &node_lxc_ops);
	ck_assert_ptr_eq(node_ops_find("qemu"), &node_qemu_ops);
	ck_assert_ptr_null(node_ops_find("Netns"));
	ck_assert_int_eq(world_up(emu, w, NULL, NULL), 0);
	ck_assert_int_eq(node_netns_ops.destroy(emu, w, n), 0);
	ck_assert(!exists("/sys/class/net/%s", n->host_if));
	ck_assert(!exists("/run/netns/%s", n->netns));
	ck_assert_int_eq(node_netns_ops.destroy(emu, w, n), 0);
	ck_assert_int_eq(node_netns_ops.create(emu, w, n), 0);
	ck_assert_str_eq(master_of(n->host_if, m, sizeof(m)),
			 w->sites[n->site].lan_bridge);
	addr_format(w->sites[n->site].gw_lan_addr, gw, sizeof(gw));
	if (access(PING, X_OK) == 0)
		ck_assert_int_eq(run_in(n, ping), 0);
	ck_assert_int_eq(world_down(emu, w, NULL, NULL), 0);
	ck_assert_int_eq(world_leftovers(emu, w), 0);
}
END_TEST

START_TEST(test_sweep_only)
{
	struct world sweep = sweep_world(&tw);

	ck_assert_int_eq(world_up(emu, &tw.w, NULL, NULL), 0);
	ck_assert_int_gt(world_leftovers(emu, &sweep), 0);
	ck_assert_int_eq(world_down(emu, &sweep, NULL, NULL), 0);
	ck_assert_int_eq(world_leftovers(emu, &tw.w), 0);
	ck_assert_int_eq(world_down(emu, &sweep, NULL, NULL), 0);
}
END_TEST

START_TEST(test_killed_halfway)
{
	static const size_t big[] = { 50, 50, 50, 50 };
	struct world sweep;
	int status;
	pid_t pid;

	tworld_make(&tw, big, 4);
	sweep = sweep_world(&tw);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		struct emu *e = NULL;

		if (emu_open(&e) == 0)
			world_up(e, &tw.w, NULL, NULL);
		_exit(0);
	}
	usleep(100 * 1000);
	ck_assert_int_eq(kill(pid, SIGKILL), 0);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_msg(WIFSIGNALED(status), "world_up finished within 100 ms");
	ck_assert_int_gt(world_leftovers(emu, &sweep), 0);
	ck_assert_int_eq(world_down(emu, &sweep, NULL, NULL), 0);
	ck_assert_int_eq(world_leftovers(emu, &sweep), 0);
}
END_TEST

/* What down meets besides its own world. A link of someone else's in the
 * world's device group makes it delete by name, and stays; a namespace
 * entry it cannot remove (a directory, injected among the namespaces that
 * several threads unbind) fails down after everything else went. Then,
 * with the group its own, a tagged link outside the group (made by an
 * older enos) joins it and goes in the same request. */
START_TEST(test_down_group)
{
	struct world *w = &tw.w;
	char bad[PATH_MAX], foreign[16];

	snprintf(foreign, sizeof(foreign), "zz%s", w->tag);
	snprintf(bad, sizeof(bad), "/run/netns/enos.%s.zz.bad", w->name);
	ck_assert_int_eq(world_up(emu, w, NULL, NULL), 0);
	ck_assert_int_eq(tu_sh("ip link add %s group %u type veth peer name %sp",
			       foreign, (unsigned)world_group(w), foreign), 0);
	ck_assert_int_eq(mkdir(bad, 0700), 0);
	ck_assert_int_eq(world_down(emu, w, NULL, NULL), -EISDIR);
	ck_assert_int_eq(world_leftovers(emu, w), 1);
	ck_assert(exists("/sys/class/net/%s", foreign));
	ck_assert_int_eq(rmdir(bad), 0);
	ck_assert_int_eq(tu_sh("ip link del %s", foreign), 0);
	ck_assert_int_eq(world_down(emu, w, NULL, NULL), 0);
	ck_assert_int_eq(world_leftovers(emu, w), 0);

	ck_assert_int_eq(world_up(emu, w, NULL, NULL), 0);
	ck_assert_int_eq(tu_sh("ip link add %sv999 type veth peer name %sp",
			       w->tag, foreign), 0);
	ck_assert_int_eq(world_down(emu, w, NULL, NULL), 0);
	ck_assert_int_eq(world_leftovers(emu, w), 0);
	ck_assert(!exists("/sys/class/net/%sp", foreign));
}
END_TEST

/* The bytes of /proc/self/mountinfo. */
static size_t mountinfo_bytes(void)
{
	FILE *f = fopen("/proc/self/mountinfo", "re");
	char buf[65536];
	size_t n, total = 0;

	ck_assert_ptr_nonnull(f);
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		total += n;
	fclose(f);
	return total;
}

/* 10,000 nodes bind 10,000 namespaces: /proc/self/mountinfo grows past
 * the 1 MiB cgroup_detect() once read of it, and then no node got its
 * cgroup and `down` swept none (it also read it once per node). Made
 * here with bind mounts in a mount namespace of the test's own (Check
 * runs each test in a child of its own); `enos check` must still name
 * the host's cgroup layout. */
START_TEST(test_cgroups_many_mounts)
{
	char dir[128], path[PATH_MAX], want[1024], desc[512];
	char *argv[] = { (char *)tu_enos_bin(), "check",
			 "topologies/default.yaml", NULL };
	struct cgroup_host h;
	char *out = NULL;
	int i, rc;

	ck_assert_int_eq(cgroup_detect(&h), 0);
	snprintf(want, sizeof(want), "cgroups: %s\n",
		 cgroup_describe(&h, desc, sizeof(desc)));
	ck_assert_ptr_nonnull(tu_tmpdir(dir, sizeof(dir), "mounts"));
	ck_assert_int_eq(unshare(CLONE_NEWNS), 0);
	ck_assert_int_eq(mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL), 0);
	ck_assert_int_eq(mount("enos-test", dir, "tmpfs", 0, "size=4m"), 0);
	for (i = 0; i < 4000; i++) {
		snprintf(path, sizeof(path), "%s/%0200d", dir, i);
		ck_assert_int_eq(mkdir(path, 0700), 0);
		ck_assert_int_eq(mount(path, path, NULL, MS_BIND, NULL), 0);
	}
	ck_assert_uint_gt(mountinfo_bytes(), 1u << 20);
	rc = tu_run(&out, argv);
	ck_assert_int_eq(umount2(dir, MNT_DETACH), 0);
	rmdir(dir);
	ck_assert_msg(rc == 0, "enos check: %d: %s", rc, out ? out : "");
	ck_assert_msg(out && tu_contains(out, want),
		      "enos check with %d more mounts does not say '%s'", i,
		      want);
	free(out);
}
END_TEST

Suite *make_sys_emulator_suite(struct skips *sk)
{
	const struct {
		const char *name;
		const TTest *fn;
		int needs_ping;
	} tests[] = {
		{ "test_up_down", test_up_down, 0 },
		{ "test_ping_all", test_ping_all, 1 },
		{ "test_exec_status", test_exec_status, 0 },
		{ "test_node_ops", test_node_ops, 0 },
		{ "test_sweep_only", test_sweep_only, 0 },
		{ "test_killed_halfway", test_killed_halfway, 0 },
		{ "test_down_group", test_down_group, 0 },
		{ "test_cgroups_many_mounts", test_cgroups_many_mounts, 0 },
	};
	Suite *s = suite_create("sys_emulator");
	TCase *tc = tcase_create("world");
	const char *why = sys_unavailable();
	size_t i;

	for (i = 0; i < sizeof(tests) / sizeof(tests[0]); i++) {
		if (why)
			skip_add(sk, tests[i].name, why);
		else if (tests[i].needs_ping && access(PING, X_OK) != 0)
			skip_add(sk, tests[i].name,
				 PING " is missing (install iputils-ping)");
		else
			tcase_add_test(tc, tests[i].fn);
	}
	tcase_add_unchecked_fixture(tc, suite_setup, suite_teardown);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 300);
	suite_add_tcase(s, tc);
	return s;
}
