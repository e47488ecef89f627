/* sys_probe — the RTT probe (workloads/probe.c) on real namespaces.
 *
 * The fixture builds three namespaces of its own with iproute2,
 * t-probe-PID-{a,b,c}: a is joined to b and to c by veths (198.18.250.0/24
 * and 198.18.251.0/24) and forwards between them, so b <-> c is two hops.
 * It is an unchecked fixture: it runs in the runner process, so the
 * namespaces are removed even when a test fails or crashes (a checked
 * teardown would die with the forked test). Nothing touches the host
 * namespace's addresses or routes.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tests/suites.h"
#include "tests/testutil.h"
#include "workloads/probe.h"

#define ADDR_A_B  0xC612FA01u   /* 198.18.250.1, a's side of a-b */
#define ADDR_B    0xC612FA02u   /* 198.18.250.2 */
#define ADDR_A_C  0xC612FB01u   /* 198.18.251.1, a's side of a-c */
#define ADDR_C    0xC612FB03u   /* 198.18.251.3 */
#define ADDR_NONE 0xC612FA63u   /* 198.18.250.99: nobody */

/* The fixture's namespace names (Check fixtures take no argument; tests
 * run in forked children that inherit these). */
static char ns_a[32], ns_b[32], ns_c[32];


static void ns_teardown(void)
{
	tu_sh("ip netns del %s", ns_a);
	tu_sh("ip netns del %s", ns_b);
	tu_sh("ip netns del %s", ns_c);
}

static void ns_setup(void)
{
	const char *a = ns_a, *b = ns_b, *c = ns_c;
	bool ok = true;

	snprintf(ns_a, sizeof(ns_a), "t-probe-%d-a", (int)getpid());
	snprintf(ns_b, sizeof(ns_b), "t-probe-%d-b", (int)getpid());
	snprintf(ns_c, sizeof(ns_c), "t-probe-%d-c", (int)getpid());
	ns_teardown();
	ok = ok && tu_sh("ip netns add %s", a) == 0;
	ok = ok && tu_sh("ip netns add %s", b) == 0;
	ok = ok && tu_sh("ip netns add %s", c) == 0;
	ok = ok && tu_sh("ip -n %s link add ab type veth peer name ba netns %s",
		      a, b) == 0;
	ok = ok && tu_sh("ip -n %s link add ac type veth peer name ca netns %s",
		      a, c) == 0;
	ok = ok && tu_sh("ip -n %s addr add 198.18.250.1/24 dev ab", a) == 0;
	ok = ok && tu_sh("ip -n %s addr add 198.18.251.1/24 dev ac", a) == 0;
	ok = ok && tu_sh("ip -n %s addr add 198.18.250.2/24 dev ba", b) == 0;
	ok = ok && tu_sh("ip -n %s addr add 198.18.251.3/24 dev ca", c) == 0;
	ok = ok && tu_sh("ip -n %s link set lo up", a) == 0;
	ok = ok && tu_sh("ip -n %s link set lo up", b) == 0;
	ok = ok && tu_sh("ip -n %s link set lo up", c) == 0;
	ok = ok && tu_sh("ip -n %s link set ab up", a) == 0;
	ok = ok && tu_sh("ip -n %s link set ac up", a) == 0;
	ok = ok && tu_sh("ip -n %s link set ba up", b) == 0;
	ok = ok && tu_sh("ip -n %s link set ca up", c) == 0;
	ok = ok && tu_sh("ip -n %s route add 198.18.251.0/24 via 198.18.250.1",
		      b) == 0;
	ok = ok && tu_sh("ip -n %s route add 198.18.250.0/24 via 198.18.251.1",
		      c) == 0;
	ok = ok && tu_sh("ip netns exec %s sysctl -qw net.ipv4.ip_forward=1",
		      a) == 0;
	if (!ok) {
		/* A failed unchecked setup skips the teardown: clean here. */
		ns_teardown();
		ck_abort_msg("cannot build the test namespaces with iproute2");
	}
}

static struct probe_pair pair(const char *src, const char *dst, uint32_t addr)
{
	struct probe_pair p;

	memset(&p, 0, sizeof(p));
	p.src_netns = src;
	p.dst_netns = dst;
	p.dst_addr = addr;
	return p;
}

static double elapsed_ms(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) * 1e3 +
	       (double)(t1.tv_nsec - t0->tv_nsec) / 1e6;
}

static void assert_answered(const struct probe_pair *p, unsigned samples,
			    double max_min_ms)
{
	ck_assert_uint_eq(p->sent, samples);
	ck_assert_msg(p->received == samples, "%s -> %s: %u of %u received",
		      p->src_netns, p->dst_netns, p->received, samples);
	ck_assert_uint_eq(p->duplicates, 0);
	ck_assert_msg(p->min_ms > 0 && p->min_ms < max_min_ms,
		      "%s -> %s: min %.3f ms", p->src_netns, p->dst_netns,
		      p->min_ms);
	ck_assert(p->min_ms <= p->p50_ms);
	ck_assert(p->p50_ms <= p->p90_ms);
	ck_assert(p->p90_ms <= p->p99_ms);
	ck_assert(p->p99_ms <= p->max_ms);
	ck_assert(p->mean_ms >= p->min_ms && p->mean_ms <= p->max_ms);
}

/* Every ordered pair of the three namespaces (b <-> c through a), and a
 * namespace to its own address. */
START_TEST(test_mesh)
{
	struct probe_pair pairs[] = {
		pair(ns_a, ns_b, ADDR_B),
		pair(ns_b, ns_a, ADDR_A_B),
		pair(ns_a, ns_c, ADDR_C),
		pair(ns_c, ns_a, ADDR_A_C),
		pair(ns_b, ns_c, ADDR_C),
		pair(ns_c, ns_b, ADDR_B),
		pair(ns_a, ns_a, ADDR_A_B),
	};
	struct probe_opts o = { .samples = 50, .interval_ms = 5,
				.timeout_ms = 500 };
	size_t i, n = sizeof(pairs) / sizeof(pairs[0]);

	ck_assert_int_eq(probe_rtt(pairs, n, &o), 0);
	for (i = 0; i < n; i++)
		assert_answered(&pairs[i], o.samples, 5.0);
	/* One hop more than a direct veth, but on one host both are far
	 * below a millisecond: only the order of magnitude is checked. */
	ck_assert(pairs[4].p50_ms < 5.0);
}
END_TEST

/* A fixed echo port, same pairs as a plain veth. */
START_TEST(test_fixed_port)
{
	struct probe_pair pairs[] = {
		pair(ns_a, ns_b, ADDR_B),
		pair(ns_c, ns_b, ADDR_B),       /* shares b's server */
	};
	struct probe_opts o = { .samples = 20, .interval_ms = 2,
				.timeout_ms = 500, .port = 40007 };

	ck_assert_int_eq(probe_rtt(pairs, 2, &o), 0);
	assert_answered(&pairs[0], o.samples, 5.0);
	assert_answered(&pairs[1], o.samples, 5.0);
}
END_TEST

/* Addresses nobody answers: every probe counted as sent, none received,
 * and the run ends by the timeout rather than hanging. */
START_TEST(test_unanswered)
{
	struct probe_pair pairs[] = {
		pair(ns_a, ns_b, ADDR_NONE),    /* no host there */
		pair(ns_a, ns_b, ADDR_C),       /* routed, but not b's */
		pair(ns_a, ns_b, ADDR_B),       /* a normal pair alongside */
	};
	struct probe_opts o = { .samples = 5, .interval_ms = 10,
				.timeout_ms = 300 };
	struct timespec t0;
	double ms;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	ck_assert_int_eq(probe_rtt(pairs, 3, &o), 0);
	ms = elapsed_ms(&t0);
	ck_assert_uint_eq(pairs[0].sent, o.samples);
	ck_assert_uint_eq(pairs[0].received, 0);
	ck_assert(pairs[0].min_ms == 0 && pairs[0].max_ms == 0);
	ck_assert_uint_eq(pairs[1].sent, o.samples);
	ck_assert_uint_eq(pairs[1].received, 0);
	assert_answered(&pairs[2], o.samples, 5.0);
	ck_assert_msg(ms < o.samples * o.interval_ms + o.timeout_ms + 500,
		      "took %.0f ms", ms);
}
END_TEST

/* The loop ends as soon as every reply is in, well before the timeout. */
START_TEST(test_ends_early)
{
	struct probe_pair p = pair(ns_a, ns_b, ADDR_B);
	struct probe_opts o = { .samples = 3, .interval_ms = 1,
				.timeout_ms = 3000 };
	struct timespec t0;
	double ms;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	ck_assert_int_eq(probe_rtt(&p, 1, &o), 0);
	ms = elapsed_ms(&t0);
	assert_answered(&p, o.samples, 5.0);
	ck_assert_msg(ms < 1000, "took %.0f ms", ms);
}
END_TEST

/* Shaping qdiscs that do not add delay (tbf, htb at a rate far above the
 * probe's) change nothing: every probe comes back, still fast. */
START_TEST(test_qdiscs_do_not_matter)
{
	struct probe_pair pairs[] = {
		pair(ns_a, ns_b, ADDR_B),
		pair(ns_b, ns_a, ADDR_A_B),
	};
	struct probe_opts o = { .samples = 30, .interval_ms = 3,
				.timeout_ms = 500 };

	ck_assert_int_eq(tu_sh("tc -n %s qdisc add dev ab root tbf rate 100mbit "
			    "burst 64kb latency 50ms", ns_a), 0);
	ck_assert_int_eq(tu_sh("tc -n %s qdisc add dev ba root handle 1: htb "
			    "default 10", ns_b), 0);
	ck_assert_int_eq(tu_sh("tc -n %s class add dev ba parent 1: classid 1:10 "
			    "htb rate 100mbit", ns_b), 0);
	ck_assert_int_eq(probe_rtt(pairs, 2, &o), 0);
	assert_answered(&pairs[0], o.samples, 5.0);
	assert_answered(&pairs[1], o.samples, 5.0);
	ck_assert_int_eq(tu_sh("tc -n %s qdisc del dev ab root", ns_a), 0);
	ck_assert_int_eq(tu_sh("tc -n %s qdisc del dev ba root", ns_b), 0);
}
END_TEST

/* Bad arguments and missing namespaces fail cleanly, and the thread is
 * back in its own namespace afterwards. */
START_TEST(test_errors_return_home)
{
	struct probe_pair good = pair(ns_a, ns_b, ADDR_B);
	struct probe_pair gone = pair(ns_a, "t-probe-no-such-ns", ADDR_B);
	struct probe_opts o = { .samples = 2, .interval_ms = 1,
				.timeout_ms = 100 };
	struct probe_opts zero = { .samples = 0 };
	struct stat before, after;

	ck_assert_int_eq(stat("/proc/thread-self/ns/net", &before), 0);
	ck_assert_int_eq(probe_rtt(&good, 1, &zero), -EINVAL);
	ck_assert_int_eq(probe_rtt(NULL, 1, &o), -EINVAL);
	ck_assert_int_eq(probe_rtt(&good, 1, NULL), -EINVAL);
	ck_assert_int_eq(probe_rtt(NULL, 0, &o), 0);     /* nothing to do */
	ck_assert_int_eq(probe_rtt(&gone, 1, &o), -ENOENT);
	ck_assert_int_eq(probe_rtt(&good, 1, &o), 0);
	ck_assert_int_eq(stat("/proc/thread-self/ns/net", &after), 0);
	ck_assert_uint_eq(before.st_ino, after.st_ino);
	ck_assert_uint_eq(good.received, o.samples);
}
END_TEST

/* A UDP echo on ADDR:PORT inside namespace NS, in a child process (what
 * `enos-agent echo PORT` is in a VM); its pid, once it is bound. */
static pid_t echo_child(const char *ns, uint32_t addr, uint16_t port)
{
	int ready[2];
	char c = 0;
	pid_t pid;

	ck_assert_int_eq(pipe(ready), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		struct sockaddr_in sa = { .sin_family = AF_INET,
					  .sin_port = htons(port),
					  .sin_addr.s_addr = htonl(addr) };
		char path[64], buf[256];
		int nsfd, fd;
		ssize_t n;

		alarm(20);      /* never outlives the test */
		snprintf(path, sizeof(path), "/run/netns/%s", ns);
		nsfd = open(path, O_RDONLY | O_CLOEXEC);
		fd = nsfd >= 0 && setns(nsfd, CLONE_NEWNET) == 0 ?
		     socket(AF_INET, SOCK_DGRAM, 0) : -1;
		if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0)
			_exit(1);
		if (write(ready[1], "r", 1) != 1)
			_exit(1);
		for (;;) {
			struct sockaddr_in peer;
			socklen_t plen = sizeof(peer);

			n = recvfrom(fd, buf, sizeof(buf), 0,
				     (struct sockaddr *)&peer, &plen);
			if (n >= 0)
				sendto(fd, buf, (size_t)n, 0,
				       (struct sockaddr *)&peer, plen);
		}
	}
	close(ready[1]);
	ck_assert_msg(read(ready[0], &c, 1) == 1 && c == 'r',
		      "the echo child could not bind in %s", ns);
	close(ready[0]);
	return pid;
}

/* "Remote echo" destinations: nobody is bound by the probe, something
 * else answers (here a child process in b; a VM's agent in sys_mixed).
 * Mixed in one run with a local pair; a remote port nobody answers
 * gets no reply and is not an error. */
START_TEST(test_remote_echo)
{
	struct probe_pair pairs[] = {
		pair(ns_a, NULL, ADDR_B),
		pair(ns_c, NULL, ADDR_B),       /* two hops */
		pair(ns_a, ns_c, ADDR_C),       /* local echo, same run */
		pair(ns_a, NULL, ADDR_B),       /* nobody on that port */
	};
	struct probe_opts o = { .samples = 20, .interval_ms = 2,
				.timeout_ms = 300 };
	pid_t pid = echo_child(ns_b, ADDR_B, 7778);
	int rc;

	pairs[0].remote_port = pairs[1].remote_port = 7778;
	pairs[3].remote_port = 7779;
	rc = probe_rtt(pairs, 4, &o);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	ck_assert_int_eq(rc, 0);
	assert_answered(&pairs[0], o.samples, 50);
	assert_answered(&pairs[1], o.samples, 50);
	assert_answered(&pairs[2], o.samples, 50);
	ck_assert_uint_eq(pairs[3].sent, o.samples);
	ck_assert_uint_eq(pairs[3].received, 0);
}
END_TEST

Suite *make_sys_probe_suite(struct skips *sk)
{
	const struct {
		const char *name;
		const TTest *test;
	} tests[] = {
		{ "test_mesh", test_mesh },
		{ "test_fixed_port", test_fixed_port },
		{ "test_unanswered", test_unanswered },
		{ "test_ends_early", test_ends_early },
		{ "test_qdiscs_do_not_matter", test_qdiscs_do_not_matter },
		{ "test_errors_return_home", test_errors_return_home },
		{ "test_remote_echo", test_remote_echo },
	};
	Suite *s = suite_create("sys_probe");
	TCase *tc;
	const char *why = sys_unavailable();
	size_t i;

	if (!why && tu_sh("ip -V") != 0)
		why = "ip (iproute2) is not installed";
	if (!why && tu_sh("tc -V") != 0)
		why = "tc (iproute2) is not installed";
	if (why) {
		for (i = 0; i < sizeof(tests) / sizeof(tests[0]); i++)
			skip_add(sk, tests[i].name, why);
		return s;
	}
	tc = tcase_create("veth");
	tcase_add_unchecked_fixture(tc, ns_setup, ns_teardown);
	tcase_set_timeout(tc, 20);
	for (i = 0; i < sizeof(tests) / sizeof(tests[0]); i++)
		tcase_add_test(tc, tests[i].test);
	suite_add_tcase(s, tc);
	return s;
}
