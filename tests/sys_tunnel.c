/* sys_tunnel — one world's WAN over two "hosts" joined by kernel VXLAN
 * (emulator/tunnel.h), with the wand engine across hosts and base-RTT
 * calibration (enos/calibrate.h); issue 14.
 *
 * The fixture builds, all in namespaces of the test's own:
 *   sytn-h1, sytn-h2   two hosts, joined by an underlay
 *                      sytn-h1:ul (198.19.250.1/30) -- wire -- sytn-h2:ul
 *                      (198.19.250.2/30);
 *   sytn-wire          the underlay's middle: a wand engine switching its
 *                      two ports w1, w2 (1 ms each way: the underlay's base
 *                      RTT, since this kernel has no netem), whose ports
 *                      have MTU 1400 while the hosts' ends have 1500, so a
 *                      1500-byte packet vanishes there without an ICMP (a
 *                      black hole only DF probes find);
 *   sytn-g0, sytn-g2   gateways of sites 0 and 2 on h1, sytn-g1 site 1's on
 *                      h2: wan0 198.19.0.(i+1)/16 (addr_wan), host end
 *                      etstuI in its host, as world.c makes them.
 * The "bridge" case joins them as netem and bridge worlds are joined (a WAN
 * bridge etstuw per host with TAGx on it); the "wand" case as wand worlds
 * (an engine per host serving its gateways' ports and TAGx). The wire is
 * 198.19.250.0/30: inside the WAN transit block but far above any gateway
 * (at most 1024 sites), and only inside the test's namespaces.
 * The fixtures are unchecked: their teardown (engines by pid, namespaces)
 * runs in the runner even after a failed assertion.
 */
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "emulator/addr.h"
#include "emulator/emu.h"
#include "emulator/netns.h"
#include "emulator/tunnel.h"
#include "emulator/wand.h"
#include "enos/calibrate.h"
#include "tests/suites.h"
#include "tests/testutil.h"
#include "tests/tu_probe.h"
#include "workloads/probe.h"

#define TAG "etstu"
#define VXDEV TAG "x"
#define H1 "sytn-h1"
#define H2 "sytn-h2"
#define WIRE "sytn-wire"
#define UL1 "198.19.250.1"
#define UL2 "198.19.250.2"
#define WIRE_MTU 1400
#define WIRE_DELAY_US 1000
#define N_SITES 3

/* Site i's gateway namespace and host: sites 0 and 2 on h1, 1 on h2. */
static const char *const gw[N_SITES] = { "sytn-g0", "sytn-g1", "sytn-g2" };
static const char *const gw_host[N_SITES] = { H1, H2, H1 };

static char dir[128];
#define CTL_DIR "/run/enos/t-tunnel" /* the engines' control sockets */
static char ctl_wire[160], ctl_h[2][160];
static pid_t eng_wire, eng_h[2];

/* Site I's gateway port in its host (the host end of its wan0) into BUF
 * (LEN bytes); NULL if it does not fit. */
static const char *port_name(int i, char *buf, size_t len)
{
	int n = snprintf(buf, len, "%su%d", TAG, i);

	return n >= 0 && (size_t)n < len ? buf : NULL;
}

static void kill_engine(pid_t *pid)
{
	if (*pid > 0)
		wand_stop(*pid);
	*pid = 0;
}

/* The engine a test body restarted (test_wand_restart): the body runs in
 * a child of the runner, the teardown in the runner, so its pid goes
 * through a file. */
static void restarted_stop(void)
{
	char path[200];
	FILE *f;
	int pid = 0;

	snprintf(path, sizeof(path), "%s/restarted.pid", dir);
	f = dir[0] ? fopen(path, "r") : NULL;
	if (f && fscanf(f, "%d", &pid) == 1 && pid > 0) {
		pid_t p = pid;

		kill_engine(&p);
	}
	if (f)
		fclose(f);
}

static void base_teardown(void)
{
	int i;

	restarted_stop();
	kill_engine(&eng_h[0]);
	kill_engine(&eng_h[1]);
	kill_engine(&eng_wire);
	for (i = 0; i < N_SITES; i++)
		tu_sh("ip netns del %s", gw[i]);
	tu_sh("ip netns del %s", H1);
	tu_sh("ip netns del %s", H2);
	tu_sh("ip netns del %s", WIRE);
	if (dir[0])
		tu_rmtree(dir);
	dir[0] = '\0';
	/* The engines' control sockets' directory, empty once they stopped
	 * (another run's sockets keep it). */
	rmdir(CTL_DIR);
}

/* Start an engine in namespace NS on PORTS (NULL: remote) with TUNNEL. */
static int spawn_in(const char *ns, const char *ctl, const char *const *ports,
		    size_t n, const char *tunnel, pid_t *pid)
{
	struct wand_config cfg;
	int self = netns_open("/proc/thread-self/ns/net"), rc;

	if (self < 0)
		return self;
	rc = netns_enter(ns);
	if (rc == 0) {
		memset(&cfg, 0, sizeof(cfg));
		cfg.ctl_path = ctl;
		cfg.seed = 1;
		cfg.ports = ports;
		cfg.n_ports = n;
		cfg.tunnel = tunnel;
		cfg.rt_priority = 10;
		rc = wand_spawn(tu_enos_bin(), &cfg, pid);
		netns_enter_fd(self);
	}
	close(self);
	return rc;
}

static void base_setup(void)
{
	static const char *const wire_ports[2] = { "w1", "w2" };
	bool ok = true;
	int i, rc = -1;

	base_teardown();
	ok = tu_tmpdir(dir, sizeof(dir), "sys-tunnel") != NULL;
	snprintf(ctl_wire, sizeof(ctl_wire), CTL_DIR "/%d-wire.sock",
		 (int)getpid());
	snprintf(ctl_h[0], sizeof(ctl_h[0]), CTL_DIR "/%d-h1.sock",
		 (int)getpid());
	snprintf(ctl_h[1], sizeof(ctl_h[1]), CTL_DIR "/%d-h2.sock",
		 (int)getpid());
	ok = ok && tu_sh("ip netns add %s", H1) == 0;
	ok = ok && tu_sh("ip netns add %s", H2) == 0;
	ok = ok && tu_sh("ip netns add %s", WIRE) == 0;
	ok = ok && tu_sh("ip -n %s link add ul type veth peer name w1 netns %s",
			 H1, WIRE) == 0;
	ok = ok && tu_sh("ip -n %s link add ul type veth peer name w2 netns %s",
			 H2, WIRE) == 0;
	ok = ok && tu_sh("ip -n %s addr add %s/30 dev ul", H1, UL1) == 0;
	ok = ok && tu_sh("ip -n %s addr add %s/30 dev ul", H2, UL2) == 0;
	for (i = 1; ok && i <= 2; i++) {
		const char *h = i == 1 ? H1 : H2;

		ok = ok && tu_sh("ip -n %s link set lo up", h) == 0;
		ok = ok && tu_sh("ip -n %s link set ul up", h) == 0;
		/* The wire is a packet-socket engine, and a virtio-net header
		 * cannot say "UDP tunnel" (the kernel keeps only the inner
		 * TCP bit): the hosts segment VXLAN before the wire, as a
		 * real NIC would on the wire itself. */
		ok = ok && tu_sh("ip -n %s link set ul gso_max_segs 1", h) == 0;
		ok = ok && tu_sh("ip -n %s link set w%d mtu %d up", WIRE, i,
				 WIRE_MTU) == 0;
	}
	ok = ok && tu_sh("ip -n %s link set lo up", WIRE) == 0;
	for (i = 0; ok && i < N_SITES; i++) {
		char port[16], cidr[32];

		snprintf(cidr, sizeof(cidr), "198.19.0.%d/16", i + 1);
		ok = port_name(i, port, sizeof(port)) &&
		     tu_gateway_add(gw_host[i], port, gw[i], cidr) == 0;
	}
	if (ok)
		rc = spawn_in(WIRE, ctl_wire, wire_ports, 2, NULL, &eng_wire);
	if (rc == 0) {
		struct link_params p;

		memset(&p, 0, sizeof(p));
		p.delay_us = WIRE_DELAY_US;
		rc = wand_set_pair(ctl_wire, 0, 1, &p, false);
		if (rc == 0)
			rc = wand_set_pair(ctl_wire, 1, 0, &p, false);
	}
	if (!ok || rc) {
		base_teardown();
		ck_abort_msg("cannot build the two hosts (%d)", rc);
	}
}

/* Call FN(ARG) with the calling thread in namespace NS. */
static int in_ns(const char *ns, int (*fn)(void *), void *arg)
{
	int self = netns_open("/proc/thread-self/ns/net"), rc;

	if (self < 0)
		return self;
	rc = netns_enter(ns);
	if (rc == 0) {
		rc = fn(arg);
		netns_enter_fd(self);
	}
	close(self);
	return rc;
}

struct join_arg {
	struct emu *emu;
	struct tunnel_spec spec;
	struct tunnel_peer peer;
	const char *local, *remote;
	unsigned mtu;
};

static int do_path_mtu(void *a)
{
	struct join_arg *j = a;

	return tunnel_path_mtu(j->local, j->remote, &j->mtu);
}

static int do_join(void *a)
{
	return tunnel_join(((struct join_arg *)a)->emu, &((struct join_arg *)a)->spec);
}

static int do_leave(void *a)
{
	return tunnel_leave(((struct join_arg *)a)->emu, TAG, NULL);
}

/* Host H (0: h1, 1: h2)'s spec, with BRIDGE (NULL: wand) and inner MTU. */
static void spec_of(struct join_arg *j, struct emu *emu, int h,
		    const char *bridge, unsigned mtu)
{
	memset(j, 0, sizeof(*j));
	j->emu = emu;
	j->local = h == 0 ? UL1 : UL2;
	j->remote = h == 0 ? UL2 : UL1;
	j->peer.host = h == 0 ? "h2" : "h1";
	j->peer.addr = j->remote;
	j->spec.tag = TAG;
	j->spec.vni = tunnel_vni(TAG);
	j->spec.local = j->local;
	j->spec.peers = &j->peer;
	j->spec.n_peers = 1;
	j->spec.mtu = mtu;
	j->spec.bridge = bridge;
}

/* The gateways' WAN veths at MTU (both ends, by tunnel_wan_mtu, from each
 * host's namespace). */
struct wan_mtu_arg {
	struct emu *emu;
	int host;
	unsigned mtu;
};

static int do_wan_mtu(void *a)
{
	struct wan_mtu_arg *m = a;
	struct world_site sites[N_SITES];
	bool local[N_SITES];
	struct world w;
	int i;

	memset(&w, 0, sizeof(w));
	memset(sites, 0, sizeof(sites));
	for (i = 0; i < N_SITES; i++) {
		if (!port_name(i, sites[i].gw_wan_host, sizeof(sites[i].gw_wan_host)))
			return -ENAMETOOLONG;
		snprintf(sites[i].gw_netns, sizeof(sites[i].gw_netns), "%s",
			 gw[i]);
		local[i] = strcmp(gw_host[i], m->host == 0 ? H1 : H2) == 0;
	}
	w.sites = sites;
	w.n_sites = N_SITES;
	return tunnel_wan_mtu(m->emu, &w, local, m->mtu);
}

/* The path MTU h1 -> h2 (the wire's black hole), the inner MTU from it,
 * both hosts joined with BRIDGE (NULL: wand) and their WAN veths set. */
static unsigned join_both(struct emu *emu, const char *bridge)
{
	struct join_arg j;
	struct wan_mtu_arg m;
	unsigned inner;
	double t0 = tu_now_s();
	int h;

	spec_of(&j, emu, 0, bridge, 0);
	ck_assert_int_eq(in_ns(H1, do_path_mtu, &j), 0);
	printf("sys_tunnel: path MTU %s -> %s: %u (%.1f s)\n", UL1, UL2, j.mtu,
	       tu_now_s() - t0);
	ck_assert_uint_eq(j.mtu, WIRE_MTU);
	ck_assert_int_eq(tunnel_inner_mtu(j.mtu, UL1, &inner), 0);
	ck_assert_uint_eq(inner, WIRE_MTU - TUNNEL_OVERHEAD_V4);
	for (h = 0; h < 2; h++) {
		spec_of(&j, emu, h, bridge, inner);
		ck_assert_msg(in_ns(h == 0 ? H1 : H2, do_join, &j) == 0,
			      "join h%d: %s", h + 1, emu_errmsg(emu));
		m.emu = emu;
		m.host = h;
		m.mtu = inner;
		ck_assert_msg(in_ns(h == 0 ? H1 : H2, do_wan_mtu, &m) == 0,
			      "wan mtu h%d: %s", h + 1, emu_errmsg(emu));
	}
	return inner;
}

/* `ip -n NS -d link show dev DEV` (WHAT "link"), or `bridge -n NS -d fdb
 * show dev DEV` (WHAT "fdb"), contains NEEDLE. */
static void link_has(const char *ns, const char *dev, const char *what,
		     const char *needle)
{
	bool fdb = strcmp(what, "fdb") == 0;
	char *argv[] = { fdb ? "bridge" : "ip", "-n", (char *)ns, "-d",
			 (char *)what, "show", "dev", (char *)dev, NULL };
	char *out = NULL;

	ck_assert_int_eq(tu_run(&out, argv), 0);
	ck_assert_msg(out && tu_contains(out, needle), "%s %s: no '%s' in %s",
		      ns, dev, needle, out ? out : "");
	free(out);
}

/* Does `ip -n NS link show DEV` succeed? */
static bool link_exists(const char *ns, const char *dev)
{
	return tu_sh("ip -n %s link show %s", ns, dev) == 0;
}

/* ping -M do -s SIZE from site A to site B: its exit status. */
static int df_ping(int a, int b, unsigned size)
{
	return tu_sh("ip netns exec %s ping -q -n -M do -c 2 -i 0.2 -W 2 -s %u "
		     "198.19.0.%d", gw[a], size, b + 1);
}

/* The RTT A -> B by the probe: its summary (200 samples, p10 as base). */
static struct calib_base rtt(int a, int b)
{
	struct calib_base cb;
	int rc = calibrate_measure(gw[a], gw[b], addr_wan((size_t)b), 0, 0, &cb);

	ck_assert_msg(rc == 0, "probe %d -> %d: %d", a, b, rc);
	ck_assert_uint_eq(cb.received, cb.sent);
	return cb;
}

/* Bridge mode (netem and plain worlds): TAGx on each host's WAN bridge. */
START_TEST(test_bridge)
{
	struct emu *emu = NULL;
	struct join_arg j;
	unsigned inner;
	char want[64];
	int i;

	ck_assert_int_eq(emu_open(&emu), 0);
	for (i = 0; i < N_SITES; i++)
		ck_assert_int_eq(tu_sh("ip -n %s link add %sw type bridge",
				       gw_host[i], TAG) == 0 ||
				 link_exists(gw_host[i], TAG "w"), 1);
	for (i = 0; i < N_SITES; i++) {
		ck_assert_int_eq(tu_sh("ip -n %s link set %sw up", gw_host[i], TAG), 0);
		ck_assert_int_eq(tu_sh("ip -n %s link set %su%d master %sw",
				       gw_host[i], TAG, i, TAG), 0);
	}
	inner = join_both(emu, TAG "w");
	snprintf(want, sizeof(want), "vxlan id %u local %s", tunnel_vni(TAG), UL1);
	link_has(H1, VXDEV, "link", want);
	link_has(H1, VXDEV, "link", "nolearning");
	link_has(H1, VXDEV, "link", "df set");
	link_has(H1, VXDEV, "link", "master " TAG "w");
	snprintf(want, sizeof(want), "mtu %u", inner);
	link_has(H1, VXDEV, "link", want);
	link_has(H2, VXDEV, "link", want);
	/* Head-end replication: the all-zero entry to the other host. */
	link_has(H1, VXDEV, "fdb", "00:00:00:00:00:00 dst " UL2);
	link_has(H2, VXDEV, "fdb", "00:00:00:00:00:00 dst " UL1);
	/* Across hosts, and within one. */
	ck_assert_int_eq(tu_sh("ip netns exec %s ping -q -n -c 3 -i 0.2 -W 2 198.19.0.2",
			       gw[0]), 0);
	ck_assert_int_eq(tu_sh("ip netns exec %s ping -q -n -c 3 -i 0.2 -W 2 198.19.0.1",
			       gw[2]), 0);
	/* The largest packet passes; one byte more fails at the sender with
	 * DF set, and is never fragmented. */
	ck_assert_int_eq(df_ping(0, 1, inner - 28), 0);
	ck_assert_int_ne(df_ping(0, 1, inner - 28 + 1), 0);
	rtt(0, 1);
	/* Leave: TAGx gone, its fdb with it; twice is fine. */
	spec_of(&j, emu, 0, NULL, 0);
	ck_assert_int_eq(in_ns(H1, do_leave, &j), 0);
	ck_assert_int_eq(in_ns(H2, do_leave, &j), 0);
	ck_assert_int_eq(in_ns(H1, do_leave, &j), 0);
	ck_assert(!link_exists(H1, VXDEV));
	ck_assert(!link_exists(H2, VXDEV));
	ck_assert_int_ne(tu_sh("ip netns exec %s ping -q -n -c 1 -W 1 198.19.0.2",
			       gw[0]), 0);
	emu_close(emu);
}
END_TEST

/* A spec tunnel_join must refuse, a local address not on the host, and
 * a path MTU towards a host that answers nothing. */
START_TEST(test_refuse)
{
	struct emu *emu = NULL;
	struct join_arg j;
	double t0;

	ck_assert_int_eq(emu_open(&emu), 0);
	spec_of(&j, emu, 0, NULL, 0);
	j.spec.local = "198.19.250.9";
	ck_assert_int_eq(in_ns(H1, do_join, &j), -EADDRNOTAVAIL);
	ck_assert(tu_contains(emu_errmsg(emu), "198.19.250.9"));
	spec_of(&j, emu, 0, NULL, 0);
	j.peer.addr = UL1;
	ck_assert_int_eq(in_ns(H1, do_join, &j), -EINVAL);
	ck_assert(tu_contains(emu_errmsg(emu), "is the local one"));
	ck_assert(!link_exists(H1, VXDEV));
	/* A far end that answers nothing (the wire cut h1 -> h2): said in
	 * about 0.6 s, after three tries of the smallest size. */
	ck_assert_int_eq(wand_cut(ctl_wire, 0, 1, true), 0);
	spec_of(&j, emu, 0, NULL, 0);
	t0 = tu_now_s();
	ck_assert_int_eq(in_ns(H1, do_path_mtu, &j), -EHOSTUNREACH);
	ck_assert_double_lt(tu_now_s() - t0, 2.0);
	ck_assert_int_eq(wand_cut(ctl_wire, 0, 1, false), 0);
	emu_close(emu);
}
END_TEST

/* IPv6 underlay: the path MTU through the same black hole (probes start
 * at IPv6's 1280), the inner MTU 70 below it, and the sites reach each
 * other over a tunnel between IPv6 ends. */
static int do_path_mtu6(void *a)
{
	struct join_arg *j = a;

	return tunnel_path_mtu("2001:db8:250::1", "2001:db8:250::2", &j->mtu);
}

START_TEST(test_ipv6)
{
	struct emu *emu = NULL;
	struct join_arg j;
	unsigned inner;
	int h, i;

	ck_assert_int_eq(emu_open(&emu), 0);
	ck_assert_int_eq(tu_sh("ip -n %s addr add 2001:db8:250::1/64 dev ul nodad",
			       H1), 0);
	ck_assert_int_eq(tu_sh("ip -n %s addr add 2001:db8:250::2/64 dev ul nodad",
			       H2), 0);
	spec_of(&j, emu, 0, NULL, 0);
	ck_assert_int_eq(in_ns(H1, do_path_mtu6, &j), 0);
	ck_assert_uint_eq(j.mtu, WIRE_MTU);
	ck_assert_int_eq(tunnel_inner_mtu(j.mtu, "2001:db8:250::1", &inner), 0);
	ck_assert_uint_eq(inner, WIRE_MTU - TUNNEL_OVERHEAD_V6);
	for (i = 0; i < N_SITES; i++) {
		tu_sh("ip -n %s link add %sw type bridge", gw_host[i], TAG);
		ck_assert_int_eq(tu_sh("ip -n %s link set %sw up", gw_host[i], TAG), 0);
		ck_assert_int_eq(tu_sh("ip -n %s link set %su%d master %sw",
				       gw_host[i], TAG, i, TAG), 0);
	}
	for (h = 0; h < 2; h++) {
		struct wan_mtu_arg m = { emu, h, inner };

		spec_of(&j, emu, h, TAG "w", inner);
		j.local = h == 0 ? "2001:db8:250::1" : "2001:db8:250::2";
		j.peer.addr = h == 0 ? "2001:db8:250::2" : "2001:db8:250::1";
		j.spec.local = j.local;
		ck_assert_msg(in_ns(h == 0 ? H1 : H2, do_join, &j) == 0,
			      "join h%d: %s", h + 1, emu_errmsg(emu));
		ck_assert_int_eq(in_ns(h == 0 ? H1 : H2, do_wan_mtu, &m), 0);
	}
	link_has(H1, VXDEV, "link", "local 2001:db8:250::1");
	link_has(H1, VXDEV, "fdb", "00:00:00:00:00:00 dst 2001:db8:250::2");
	ck_assert_int_eq(df_ping(0, 1, inner - 28), 0);
	ck_assert_int_ne(df_ping(0, 1, inner - 28 + 1), 0);
	ck_assert_int_eq(in_ns(H1, do_leave, &j), 0);
	ck_assert_int_eq(in_ns(H2, do_leave, &j), 0);
	ck_assert(!link_exists(H1, VXDEV));
	emu_close(emu);
}
END_TEST

static void wand_setup(void)
{
	char p0[16], p1[16], p2[16];
	const char *ports1[N_SITES] = { port_name(0, p0, sizeof(p0)), NULL,
					port_name(2, p2, sizeof(p2)) };
	const char *ports2[N_SITES] = { NULL, port_name(1, p1, sizeof(p1)), NULL };
	struct emu *emu = NULL;
	int rc;

	base_setup();
	rc = emu_open(&emu);
	/* Joined first: the engines open TAGx. */
	if (rc == 0) {
		struct join_arg j;
		unsigned inner = WIRE_MTU - TUNNEL_OVERHEAD_V4;
		int h;

		struct wan_mtu_arg m;

		for (h = 0; rc == 0 && h < 2; h++) {
			spec_of(&j, emu, h, NULL, inner);
			rc = in_ns(h == 0 ? H1 : H2, do_join, &j);
			m.emu = emu;
			m.host = h;
			m.mtu = inner;
			if (rc == 0)
				rc = in_ns(h == 0 ? H1 : H2, do_wan_mtu, &m);
		}
	}
	emu_close(emu);
	if (rc == 0)
		rc = spawn_in(H1, ctl_h[0], ports1, N_SITES, VXDEV, &eng_h[0]);
	if (rc == 0)
		rc = spawn_in(H2, ctl_h[1], ports2, N_SITES, VXDEV, &eng_h[1]);
	if (rc) {
		base_teardown();
		ck_abort_msg("cannot start the engines (%d)", rc);
	}
}

/* The same table to both engines, as the controller sends it: every
 * pair DELAY_US[s * N + d] one way. */
static void table_both(const uint64_t *delay_us)
{
	struct shape_table t;
	struct link_params p[N_SITES * N_SITES];
	bool cut[N_SITES * N_SITES];
	int h, i;

	memset(p, 0, sizeof(p));
	memset(cut, 0, sizeof(cut));
	for (i = 0; i < N_SITES * N_SITES; i++)
		p[i].delay_us = delay_us[i];
	t.n = N_SITES;
	t.p = p;
	t.cut = cut;
	for (h = 0; h < 2; h++)
		ck_assert_int_eq(wand_apply_table(ctl_h[h], &t), 0);
}

/* |got - want| within max(2 %, 0.5 ms)? */
static bool within(double got, double want)
{
	double tol = fmax(0.02 * want, 0.5) + tu_slack_ms();

	return fabs(got - want) <= tol;
}

/* Wand across hosts: the engine on h1 serves sites 0 and 2 and TAGx, the
 * one on h2 site 1 and TAGx. Calibration measures the underlay's base
 * across the tunnel; a cross-host pair shaped to a target RTT, less the
 * base, is measured within max(2 %, 0.5 ms) of the target, as a pair
 * within h1 is; the delay is added once (at the sender: twice would be
 * the target plus the applied delay again). */
START_TEST(test_wand_cross)
{
	const uint64_t target_us = 10000;       /* one way: RTT 20 ms */
	uint64_t d[N_SITES * N_SITES], base_us, applied;
	struct calib_base base, cross, local;
	struct shape_table t;
	struct link_params p[N_SITES * N_SITES];
	bool cut[N_SITES * N_SITES], below;
	size_t host[N_SITES] = { 0, 1, 0 };
	uint64_t offs[N_SITES * N_SITES];
	uint64_t base_tab[4];
	char *reply = NULL;
	int i, warned;

	ck_assert_int_eq(wand_request(ctl_h[1], "info\n", 5, &reply), 0);
	ck_assert_msg(tu_contains(reply, "remote=2 tunnel=" VXDEV), "%s", reply);
	free(reply);
	memset(d, 0, sizeof(d));
	table_both(d);
	/* Across the tunnel, then the inner MTU holds through the engines. */
	ck_assert_int_eq(tu_sh("ip netns exec %s ping -q -n -c 3 -i 0.2 -W 2 198.19.0.2",
			       gw[0]), 0);
	ck_assert_int_eq(df_ping(0, 1, WIRE_MTU - TUNNEL_OVERHEAD_V4 - 28), 0);
	base = rtt(0, 1);
	printf("sys_tunnel: base RTT h1-h2 across the tunnel: p10 %.3f ms, "
	       "median %.3f, spread %.3f (wire: %d us each way)\n",
	       base.base_ms, base.p50_ms, base.spread_ms, WIRE_DELAY_US);
	/* The wire's 2 ms and what the three engines and VXLAN add. */
	ck_assert_msg(base.base_ms >= 2.0 * WIRE_DELAY_US / 1000.0 &&
		      base.base_ms < 2.0 * WIRE_DELAY_US / 1000.0 + 1.5,
		      "base %.3f ms", base.base_ms);
	/* The target through calibrate_table, as shaping will. */
	base_us = (uint64_t)llround(base.base_ms * 1000.0);
	memset(p, 0, sizeof(p));
	memset(cut, 0, sizeof(cut));
	for (i = 0; i < N_SITES * N_SITES; i++)
		p[i].delay_us = (size_t)i / N_SITES == (size_t)i % N_SITES ? 0 : target_us;
	t.n = N_SITES;
	t.p = p;
	t.cut = cut;
	base_tab[0] = base_tab[3] = 0;
	base_tab[1] = base_tab[2] = base_us;
	warned = calibrate_table(&t, host, 2, base_tab, offs, NULL, NULL);
	ck_assert_int_eq(warned, 0);
	applied = calibrate_oneway(target_us, base_us, &below);
	ck_assert(!below);
	ck_assert_uint_eq(p[0 * N_SITES + 1].delay_us, applied);
	ck_assert_uint_eq(p[0 * N_SITES + 2].delay_us, target_us);
	ck_assert_uint_eq(offs[1 * N_SITES + 0], base_us / 2);
	for (i = 0; i < N_SITES * N_SITES; i++)
		d[i] = p[i].delay_us;
	table_both(d);
	cross = rtt(0, 1);
	local = rtt(0, 2);
	printf("sys_tunnel: target RTT %.3f ms: cross-host median %.3f ms "
	       "(error %+.3f), within h1 %.3f ms (error %+.3f)\n",
	       2 * target_us / 1000.0, cross.p50_ms,
	       cross.p50_ms - 2 * target_us / 1000.0, local.p50_ms,
	       local.p50_ms - 2 * target_us / 1000.0);
	ck_assert_msg(within(cross.p50_ms, 2 * target_us / 1000.0),
		      "cross-host %.3f ms for %.3f", cross.p50_ms,
		      2 * target_us / 1000.0);
	ck_assert_msg(within(local.p50_ms, 2 * target_us / 1000.0),
		      "within-host %.3f ms for %.3f", local.p50_ms,
		      2 * target_us / 1000.0);
	/* Both directions the other way round too (h2's engine shapes 1->0). */
	cross = rtt(1, 0);
	ck_assert_msg(within(cross.p50_ms, 2 * target_us / 1000.0),
		      "cross-host 1 -> 0 %.3f ms", cross.p50_ms);
	/* Once, at the sender: pair 0 -> 1 carried frames on h1's engine
	 * only, pair 1 -> 0 on h2's only; the receiving engine forwarded
	 * them from the tunnel outside any pair. */
	{
		struct wand_stats *s1 = NULL, *s2 = NULL;

		ck_assert_int_eq(wand_stats(ctl_h[0], &s1), 0);
		ck_assert_int_eq(wand_stats(ctl_h[1], &s2), 0);
		ck_assert_uint_ge(s1->pairs[0 * N_SITES + 1].frames, 400);
		ck_assert_uint_eq(s2->pairs[0 * N_SITES + 1].frames, 0);
		ck_assert_uint_ge(s2->pairs[1 * N_SITES + 0].frames, 400);
		ck_assert_uint_eq(s1->pairs[1 * N_SITES + 0].frames, 0);
		wand_stats_free(s1);
		wand_stats_free(s2);
	}
}
END_TEST

/* One ping from site A's gateway to site B's WAN address: its RTT in ms,
 * or -1. */
static double ping_once(int a, int b)
{
	char addr[32], *out = NULL;
	char *argv[] = { "ip", "netns", "exec", (char *)gw[a], "ping", "-n", "-c", "1",
			 "-W", "3", addr, NULL };
	const char *t;
	double ms = -1;

	snprintf(addr, sizeof(addr), "198.19.0.%d", b + 1);
	if (tu_run(&out, argv) == 0 && (t = strstr(out, "time=")))
		ms = strtod(t + 5, NULL);
	free(out);
	return ms;
}

/* An engine restarted (h1's) while the gateways' kernels still hold each
 * other's MAC: their next frame is unicast at once, with no ARP through
 * the tunnel to teach the new engine where it goes. With the gateways'
 * WAN MACs a spread world's (addr_wan_mac, as world.c sets them) the
 * engine knows every remote site's from its start: the first frame to
 * site 1 is shaped by its pair (10 ms), not flooded unshaped to the
 * tunnel (which would answer in the wire's 2 ms and count no frame on
 * the pair). */
START_TEST(test_wand_restart)
{
	char p0[16], p2[16];
	const char *ports1[N_SITES] = { port_name(0, p0, sizeof(p0)), NULL,
					port_name(2, p2, sizeof(p2)) };
	uint64_t d[N_SITES * N_SITES];
	struct wand_stats *s = NULL;
	double ms;
	int i;

	for (i = 0; i < N_SITES; i++) {
		uint8_t m[6];

		addr_wan_mac((size_t)i, m);
		ck_assert_int_eq(tu_sh("ip -n %s link set wan0 address %02x:%02x:%02x:%02x:%02x:%02x",
				       gw[i], m[0], m[1], m[2], m[3], m[4], m[5]), 0);
	}
	memset(d, 0, sizeof(d));
	d[0 * N_SITES + 1] = 10000;
	table_both(d);
	/* The gateways resolve each other (ARP through the tunnel). */
	ms = ping_once(0, 1);
	ck_assert_msg(ms >= 10, "before the restart: %.3f ms", ms);
	kill_engine(&eng_h[0]);
	ck_assert_int_eq(spawn_in(H1, ctl_h[0], ports1, N_SITES, VXDEV, &eng_h[0]), 0);
	{
		char path[200];
		FILE *f;

		snprintf(path, sizeof(path), "%s/restarted.pid", dir);
		f = fopen(path, "w");
		ck_assert_msg(f && fprintf(f, "%d\n", (int)eng_h[0]) > 0 && fclose(f) == 0,
			      "%s: %s", path, strerror(errno));
	}
	table_both(d);
	ms = ping_once(0, 1);
	ck_assert_int_eq(wand_stats(ctl_h[0], &s), 0);
	printf("sys_tunnel: first ping 0 -> 1 after h1's engine restarted: %.3f ms (10 ms one way shaped), %llu frames on the pair\n",
	       ms, (unsigned long long)s->pairs[0 * N_SITES + 1].frames);
	ck_assert_msg(ms >= 10 && ms < 20, "after the restart: %.3f ms", ms);
	ck_assert_uint_ge(s->pairs[0 * N_SITES + 1].frames, 1);
	wand_stats_free(s);
}
END_TEST

/* iperf3 from site A to site B for SECS: the receiver's bit/s, or -1. */
static double iperf(int a, int b, int secs)
{
	char addr[32];

	snprintf(addr, sizeof(addr), "198.19.0.%d", b + 1);
	return tu_iperf(gw[a], gw[b], addr, secs);
}

/* One TCP flow across hosts (engine, VXLAN, the wire's engine, VXLAN,
 * engine) against one within h1 (one engine), unshaped. */
START_TEST(test_wand_tcp)
{
	uint64_t d[N_SITES * N_SITES];
	double cross, local;

	memset(d, 0, sizeof(d));
	table_both(d);
	cross = iperf(0, 1, 5);
	local = iperf(0, 2, 5);
	printf("sys_tunnel: one TCP flow, unshaped: across hosts %.1f Mbit/s, "
	       "within h1 %.1f Mbit/s\n", cross / 1e6, local / 1e6);
	ck_assert_msg(cross > 10e6, "across hosts: %.1f Mbit/s", cross / 1e6);
	ck_assert_msg(local > cross, "within h1 %.1f <= across %.1f Mbit/s",
		      local / 1e6, cross / 1e6);
}
END_TEST

Suite *make_sys_tunnel_suite(struct skips *sk)
{
	const struct sys_case base_cases[] = {
		{ "test_bridge", test_bridge },
		{ "test_refuse", test_refuse },
		{ "test_ipv6", test_ipv6 },
	};
	const struct sys_case wand_cases[] = {
		{ "test_wand_cross", test_wand_cross },
		{ "test_wand_restart", test_wand_restart },
	};
	Suite *s = suite_create("sys_tunnel");
	const char *why = sys_unavailable();

	if (!why && tu_sh("ip -V") != 0)
		why = "ip (iproute2) is not installed";
	if (!why && access(tu_enos_bin(), X_OK) != 0)
		why = "the enos binary ($ENOS_BIN) is not built";
	if (!why && tu_sh("ping -V") != 0)
		why = "ping (iputils-ping) is not installed";
	sys_add_cases(s, sk, base_cases, 3, why, base_setup, base_teardown, 120);
	sys_add_cases(s, sk, wand_cases, 2, why, wand_setup, base_teardown, 120);
	{
		const struct sys_case tcp_cases[] = {
			{ "test_wand_tcp", test_wand_tcp },
		};
		const char *w2 = why;

		if (!w2 && access("/usr/bin/iperf3", X_OK) != 0)
			w2 = "/usr/bin/iperf3 is missing";
		sys_add_cases(s, sk, tcp_cases, 1, w2, wand_setup, base_teardown,
			      120);
	}
	return s;
}
