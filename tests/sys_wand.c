/* sys_wand — the wand WAN engine on real namespaces and veths.
 *
 * The fixture builds NS_N namespaces t-wand-PID-K, each a "gateway" whose
 * wan0 (198.19.0.K+1/24, one subnet: they are L2 neighbours through the
 * engine) is a veth whose host end twPID-K is handed to an engine started
 * with wand_spawn() from the enos binary ($ENOS_BIN, default
 * build/bin/enos). Tests shape pairs over the control socket and measure
 * with the RTT probe (workloads/probe.h) and iperf3, and reseed the
 * pairs' loss draws (the same seed loses the same probes). The fixture is
 * unchecked so its teardown (stop the engine by pid, delete namespaces)
 * runs in the runner even when a forked test fails. Nothing is added to
 * the host namespace but the veths' host ends, which carry no address.
 */
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "emulator/wand.h"
#include "tests/suites.h"
#include "tests/testutil.h"
#include "tests/tu_probe.h"
#include "workloads/probe.h"

#define NS_N 4
#define ADDR(k) (0xC6130000u + (uint32_t)(k) + 1)      /* 198.19.0.k+1 */

static char ns[NS_N][32], port[NS_N][16], ctl[128], logpath[128];
static pid_t engine;



static void world_teardown(void)
{
	int k;

	if (engine > 0)
		wand_stop(engine);
	engine = 0;
	for (k = 0; k < NS_N; k++) {
		tu_sh("ip link del %s", port[k]);
		tu_sh("ip netns del %s", ns[k]);
	}
	unlink(ctl);
	unlink(logpath);
	/* A SIGKILLed engine leaves its pid file (down's way to find it). */
	tu_sh("rm -f /run/enos/t-wand/%d.sock.pid", (int)getpid());
	rmdir("/run/enos/t-wand");
}

static void world_setup(void)
{
	const char *ports[NS_N];
	struct wand_config cfg;
	bool ok = true;
	int k, rc = 0;

	for (k = 0; k < NS_N; k++) {
		snprintf(ns[k], sizeof(ns[k]), "t-wand-%d-%d", (int)getpid(), k);
		snprintf(port[k], sizeof(port[k]), "tw%d-%d", (int)getpid(), k);
		ports[k] = port[k];
	}
	snprintf(ctl, sizeof(ctl), "/run/enos/t-wand/%d.sock", (int)getpid());
	snprintf(logpath, sizeof(logpath), "/tmp/t-wand-%d.log", (int)getpid());
	world_teardown();
	for (k = 0; ok && k < NS_N; k++) {
		char cidr[32];

		snprintf(cidr, sizeof(cidr), "198.19.0.%d/24", k + 1);
		ok = tu_gateway_add(NULL, port[k], ns[k], cidr) == 0;
	}
	if (ok) {
		memset(&cfg, 0, sizeof(cfg));
		cfg.ctl_path = ctl;
		cfg.log_path = logpath;
		cfg.seed = 1;
		cfg.ports = ports;
		cfg.n_ports = NS_N;
		cfg.rt_priority = 10;
		rc = wand_spawn(tu_enos_bin(), &cfg, &engine);
		ok = rc == 0;
	}
	if (!ok) {
		/* A failed unchecked setup skips the teardown: clean here. */
		world_teardown();
		ck_abort_msg("cannot build the test world (wand_spawn %d)", rc);
	}
}

static struct probe_pair pair(int a, int b)
{
	struct probe_pair p;

	memset(&p, 0, sizeof(p));
	p.src_netns = ns[a];
	p.dst_netns = ns[b];
	p.dst_addr = ADDR(b);
	return p;
}

static void set(int a, int b, const char *kv)
{
	char line[256];
	int n = snprintf(line, sizeof(line), "set %d %d %s\n", a, b, kv);
	char *reply = NULL;
	int rc = wand_request(ctl, line, (size_t)n, &reply);

	ck_assert_msg(rc == 0, "set %d %d %s: %d %s", a, b, kv, rc,
		      reply ? reply : "");
	free(reply);
}

/* Does P show the delay of an RTT of TARGET ms: p50 within max(5%, 1 ms),
 * p90 less than 5 ms above p50? Says why not in WHY. (p99 is left to the
 * benchmark: a single stall of this VM's vCPU moves it.) These bounds prove
 * the engine applies each pair's delay on a shared, loaded CI machine;
 * the tight accuracy targets (max(2%, 0.5 ms), p99 - p50 <= 1 ms) are
 * measured by `make bench-wan`, on an idle host, not asserted here. */
static bool rtt_ok(const struct probe_pair *p, double target, char *why,
		   size_t len)
{
	double tol = (target * 0.05 > 1.0 ? target * 0.05 : 1.0) + tu_slack_ms();

	if (p->received != p->sent)
		snprintf(why, len, "%s -> %s: %u of %u answered", p->src_netns,
			 p->dst_netns, p->received, p->sent);
	else if (p->p50_ms < target - tol || p->p50_ms > target + tol)
		snprintf(why, len, "%s -> %s: p50 %.3f ms for %.1f",
			 p->src_netns, p->dst_netns, p->p50_ms, target);
	else if (p->p90_ms - p->p50_ms >= 5.0 + tu_slack_ms())
		snprintf(why, len, "%s -> %s: p90 %.3f p50 %.3f", p->src_netns,
			 p->dst_netns, p->p90_ms, p->p50_ms);
	else
		return true;
	return false;
}

/* Every ordered pair of the four sites with its own delay, at once. */
START_TEST(test_delay)
{
	static const unsigned delay_us[NS_N][NS_N] = {
		{ 0, 10000, 25000, 5000 },
		{ 10000, 0, 2000, 40000 },
		{ 25000, 2000, 0, 1000 },
		{ 5000, 40000, 1000, 0 },
	};
	struct probe_pair pairs[NS_N * (NS_N - 1)];
	struct probe_opts o = { .samples = 300, .interval_ms = 5,
				.timeout_ms = 1000 };
	struct probe_opts warm = { .samples = 2, .interval_ms = 5,
				   .timeout_ms = 1000 };
	struct sched_param sp = { .sched_priority = 5 };
	char kv[64], why[160] = "";
	size_t n = 0, i;
	int a, b, round;
	bool ok = false;

	/* The probe echoes and receives in this process: below the engine's
	 * priority but above other load, so the figures are the engine's. */
	sched_setscheduler(0, SCHED_FIFO, &sp);

	for (a = 0; a < NS_N; a++)
		for (b = 0; b < NS_N; b++) {
			if (a == b)
				continue;
			snprintf(kv, sizeof(kv), "delay=%uus", delay_us[a][b]);
			set(a, b, kv);
			pairs[n++] = pair(a, b);
		}
	/* ARP first: probes queued behind a neighbour resolution would wait
	 * for a whole extra round trip. */
	ck_assert_int_eq(probe_rtt(pairs, n, &warm), 0);
	/* This machine is shared: a burst of other load can stall a vCPU
	 * for milliseconds (seen in a full run: a p50 1.6 ms late). Another
	 * measurement, up to three in all, must then pass whole. */
	for (round = 0; round < 3; round++) {
		ok = true;
		ck_assert_int_eq(probe_rtt(pairs, n, &o), 0);
		for (i = 0; ok && i < n; i++) {
			a = (int)(i / (NS_N - 1));
			b = (int)(i % (NS_N - 1));
			b += b >= a;
			ok = rtt_ok(&pairs[i], (delay_us[a][b] + delay_us[b][a]) /
				    1000.0, why, sizeof(why));
		}
		if (ok)
			break;
	}
	ck_assert_msg(ok, "%s", why);
}
END_TEST

/* 5% random loss one way: 4-6% of 10,000 probes lost, counted as loss. */
START_TEST(test_loss)
{
	struct probe_pair p = pair(0, 1);
	struct probe_opts o = { .samples = 10000, .interval_ms = 1,
				.timeout_ms = 500 };
	struct wand_stats *st = NULL;
	double lost;

	ck_assert_int_eq(wand_reset(ctl), 0);
	set(0, 1, "loss=5%");
	ck_assert_int_eq(probe_rtt(&p, 1, &o), 0);
	lost = 1.0 - (double)p.received / p.sent;
	ck_assert_msg(lost >= 0.04 && lost <= 0.06, "lost %.4f", lost);
	ck_assert_int_eq(wand_stats(ctl, &st), 0);
	ck_assert_uint_eq(st->n_ports, NS_N);
	ck_assert_uint_ge(st->pairs[0 * NS_N + 1].drop_loss, p.sent - p.received);
	ck_assert_uint_eq(st->pairs[1 * NS_N + 0].drop_loss, 0);
	ck_assert_uint_ge(st->ports[0].rx_frames, p.sent);
	wand_stats_free(st);
}
END_TEST

/* A partition stops everything across it and nothing else; heal
 * restores it. */
START_TEST(test_partition)
{
	struct probe_pair across[2] = { pair(0, 1), pair(1, 2) };
	struct probe_pair other[2] = { pair(0, 2), pair(3, 1) };
	struct probe_opts o = { .samples = 50, .interval_ms = 5,
				.timeout_ms = 300 };
	size_t a[] = { 0, 3 }, b[] = { 1 };
	struct wand_stats *st = NULL;
	char *reply = NULL;
	bool ok = false;
	int round;

	ck_assert_int_eq(wand_reset(ctl), 0);
	set(0, 1, "delay=5000us");
	set(1, 0, "delay=5000us");
	/* Learn every MAC first, so later frames are unicast. */
	{
		struct probe_pair warm[3] = { pair(0, 1), pair(1, 2), pair(3, 1) };
		struct probe_opts w1 = { .samples = 3, .interval_ms = 5 };

		ck_assert_int_eq(probe_rtt(warm, 3, &w1), 0);
	}
	ck_assert_int_eq(wand_partition(ctl, a, 2, b, 1), 0);
	ck_assert_int_eq(wand_cut(ctl, 1, 2, true), 0);
	ck_assert_int_eq(wand_request(ctl, "get 1 2\n", 8, &reply), 0);
	ck_assert_msg(strstr(reply, "cut=1"), "%s", reply);
	free(reply);
	ck_assert_int_eq(probe_rtt(across, 2, &o), 0);
	ck_assert_uint_eq(across[0].received, 0);
	ck_assert_uint_eq(across[1].received, 0);
	ck_assert_int_eq(probe_rtt(other, 2, &o), 0);
	ck_assert_uint_eq(other[0].received, o.samples);
	ck_assert_uint_eq(other[1].received, 0);       /* 3 | 1 is cut too */
	ck_assert_int_eq(wand_stats(ctl, &st), 0);
	ck_assert_uint_ge(st->pairs[0 * NS_N + 1].drop_cut, o.samples);
	wand_stats_free(st);
	/* After heal everything answers, within RTT + 10 ms. This VM's vCPU
	 * stalls now and then (seen: one probe of 50 at 25 ms, with 6 % steal
	 * time), so as in test_delay a second cut-and-heal must then pass
	 * whole; the bounds are the same. */
	for (round = 0; round < 2 && !ok; round++) {
		if (round) {
			ck_assert_int_eq(wand_partition(ctl, a, 2, b, 1), 0);
			ck_assert_int_eq(wand_cut(ctl, 1, 2, true), 0);
		}
		ck_assert_int_eq(wand_heal(ctl), 0);
		ck_assert_int_eq(probe_rtt(across, 2, &o), 0);
		ck_assert_uint_eq(across[0].received, o.samples);
		ck_assert_uint_eq(across[1].received, o.samples);
		ok = across[0].max_ms < 10 + 10 + tu_slack_ms() &&
		     across[1].max_ms < 10 + tu_slack_ms();
	}
	ck_assert_msg(ok, "max %.3f and %.3f after heal", across[0].max_ms,
		      across[1].max_ms);
}
END_TEST

/* iperf3 from namespace A to B's address for SECS: the receiver's bit/s,
 * or -1. */
static double iperf(int a, int b, int secs)
{
	char addr[32];

	snprintf(addr, sizeof(addr), "198.19.0.%d", b + 1);
	return tu_iperf(ns[a], ns[b], addr, secs);
}

/* The rate counts Ethernet frame bytes, as netem's does, so one TCP
 * flow's goodput is the rate times 1448 / 1514 (MSS with timestamps over
 * the frame): 95.6 Mbit/s at 100mbit, asserted within 3%. */
START_TEST(test_rate)
{
	const double goodput = 1448.0 / 1514.0;
	double bps;

	ck_assert_int_eq(wand_reset(ctl), 0);
	set(0, 1, "rate=100000000bit");
	bps = iperf(0, 1, 5);
	ck_assert_msg(bps >= 0.97 * tu_rate_floor() * goodput * 100e6 &&
		      bps <= 1.03 * goodput * 100e6, "100mbit: %.2f Mbit/s",
		      bps / 1e6);
}
END_TEST

/* Unshaped, one TCP flow passes GSO superframes at memory speed. */
START_TEST(test_throughput)
{
	double bps;

	ck_assert_int_eq(wand_reset(ctl), 0);
	bps = iperf(2, 3, 3);
	ck_assert_msg(bps >= 2e9, "0 ms: %.2f Gbit/s", bps / 1e9);
}
END_TEST

/* The MAC address of wan0 in namespace NS into BUF. */
static void wan_mac(const char *ns_name, char *buf, size_t len)
{
	char *argv[] = { (char *)"ip", (char *)"-n", (char *)ns_name, (char *)"-br",
			 (char *)"link", (char *)"show", (char *)"wan0", NULL };
	char *out = NULL, ifname[32], state[32];

	ck_assert_int_eq(tu_run(&out, argv), 0);
	ck_assert_msg(out && sscanf(out, "%31s %31s %31s", ifname, state, buf) == 3 &&
		      len > 17 && strlen(buf) == 17, "%s", out ? out : "");
	free(out);
}

/* Probe 0 -> 1 N times after `reseed SEED`; LOST[i]: probe i was lost. */
static void lost_after_reseed(uint64_t seed, bool *lost, size_t n)
{
	struct probe_pair p = pair(0, 1);
	struct probe_opts o = { .samples = (unsigned)n, .interval_ms = 1,
				.timeout_ms = 500 };
	double *ms = calloc(n, sizeof(*ms));
	char *reply = NULL, want[64];
	size_t i;

	ck_assert_ptr_nonnull(ms);
	ck_assert_int_eq(wand_reseed(ctl, seed), 0);
	ck_assert_int_eq(wand_request(ctl, "info\n", 5, &reply), 0);
	snprintf(want, sizeof(want), "seed=%llu", (unsigned long long)seed);
	ck_assert_msg(tu_contains(reply, want), "%s", reply);
	free(reply);
	p.sample_ms = ms;
	ck_assert_int_eq(probe_rtt(&p, 1, &o), 0);
	ck_assert_uint_eq(p.sent, n);
	for (i = 0; i < n; i++)
		lost[i] = ms[i] != ms[i];       /* NaN: not answered */
	free(ms);
}

/* The loss pattern of a pair is its seed's: after `reseed` with the same
 * seed the same probes of 0 -> 1 are lost, with another seed others. Only
 * the probes cross 0 -> 1 (static neighbours both ways, no IPv6 on ns 0's
 * wan0), so the Kth frame of the pair is the Kth probe; the replies come
 * back over 1 -> 0, a pair of its own that loses nothing. */
START_TEST(test_reseed)
{
	enum { N = 1000 };
	static bool a[N], b[N], c[N];
	char mac0[32], mac1[32];
	size_t i, lost = 0, differ = 0;

	wan_mac(ns[0], mac0, sizeof(mac0));
	wan_mac(ns[1], mac1, sizeof(mac1));
	ck_assert_int_eq(tu_sh("ip -n %s neigh replace 198.19.0.2 lladdr %s dev wan0 nud permanent",
			       ns[0], mac1), 0);
	ck_assert_int_eq(tu_sh("ip -n %s neigh replace 198.19.0.1 lladdr %s dev wan0 nud permanent",
			       ns[1], mac0), 0);
	ck_assert_int_eq(tu_sh("ip netns exec %s sysctl -qw net.ipv6.conf.wan0.disable_ipv6=1",
			       ns[0]), 0);
	ck_assert_int_eq(wand_reset(ctl), 0);
	set(0, 1, "loss=10%");
	lost_after_reseed(42, a, N);
	lost_after_reseed(42, b, N);
	lost_after_reseed(43, c, N);
	for (i = 0; i < N; i++) {
		lost += a[i];
		differ += a[i] != c[i];
		ck_assert_msg(a[i] == b[i], "seed 42 twice: probe %zu %s then %s", i,
			      a[i] ? "lost" : "answered", b[i] ? "lost" : "answered");
	}
	printf("sys_wand: 10%% loss on 0 -> 1: seed 42 lost %zu of %d probes, the same ones twice;"
	       " seed 43 differs on %zu\n", lost, N, differ);
	ck_assert_msg(lost >= N / 20 && lost <= N / 5, "%zu of %d lost", lost, N);
	ck_assert_msg(differ > 0, "seeds 42 and 43 lost the same probes");
}
END_TEST

/* An engine that cannot open a port dies at once, and wand_spawn says
 * with which status; one killed with SIGKILL stops answering. */
START_TEST(test_spawn_and_kill)
{
	const char *bad[] = { "tw-no-such-if" };
	const char *two[] = { port[0], port[1] };
	char path[128];
	struct wand_config cfg;
	pid_t pid = 0;
	int rc, st;

	memset(&cfg, 0, sizeof(cfg));
	snprintf(path, sizeof(path), "/run/enos/t-wand/%d-k.sock", (int)getpid());
	cfg.ctl_path = path;
	cfg.ports = bad;
	cfg.n_ports = 1;
	rc = wand_spawn(tu_enos_bin(), &cfg, &pid);
	ck_assert_msg(wand_exit_code(rc) == 1, "rc %d", rc);
	ck_assert_int_eq(pid, 0);
	/* A second engine on the same control socket is refused. */
	cfg.ctl_path = ctl;
	cfg.ports = two;
	cfg.n_ports = 2;
	rc = wand_spawn(tu_enos_bin(), &cfg, &pid);
	ck_assert_msg(rc < 0 && pid == 0, "rc %d", rc);
	ck_assert_int_eq(wand_ping(ctl), 0);
	/* SIGKILL: no more answers, and stopping it is "already gone". */
	ck_assert_int_eq(kill(engine, SIGKILL), 0);
	waitpid(engine, &st, 0);
	ck_assert_int_lt(wand_ping(ctl), 0);
	ck_assert_int_eq(wand_stop(engine), 0);
	/* Never signal what is not an engine. */
	ck_assert_int_eq(wand_stop(getpid()), 0);
}
END_TEST

Suite *make_sys_wand_suite(struct skips *sk)
{
	const struct {
		const char *name;
		const TTest *test;
		bool iperf;
	} tests[] = {
		{ "test_delay", test_delay, false },
		{ "test_loss", test_loss, false },
		{ "test_partition", test_partition, false },
		{ "test_rate", test_rate, true },
		{ "test_throughput", test_throughput, true },
		{ "test_reseed", test_reseed, false },
		{ "test_spawn_and_kill", test_spawn_and_kill, false },  /* last */
	};
	Suite *s = suite_create("sys_wand");
	TCase *tc;
	const char *why = sys_unavailable();
	bool have_iperf = access("/usr/bin/iperf3", X_OK) == 0;
	size_t i;

	if (!why && tu_sh("ip -V") != 0)
		why = "ip (iproute2) is not installed";
	if (!why && access(tu_enos_bin(), X_OK) != 0)
		why = "the enos binary ($ENOS_BIN) is not built";
	tc = tcase_create("engine");
	tcase_add_unchecked_fixture(tc, world_setup, world_teardown);
	tcase_set_timeout(tc, 60);
	for (i = 0; i < sizeof(tests) / sizeof(tests[0]); i++) {
		if (why)
			skip_add(sk, tests[i].name, why);
		else if (tests[i].iperf && !have_iperf)
			skip_add(sk, tests[i].name, "/usr/bin/iperf3 is missing");
		else
			tcase_add_test(tc, tests[i].test);
	}
	if (!why)
		suite_add_tcase(s, tc);
	return s;
}
