/* tu_probe — gateways, iperf3 and the engine checks of shaped worlds; see
 * tu_probe.h. */
#include "tests/tu_probe.h"

#include <check.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>

#include "tests/testutil.h"
#include "tests/tu_state.h"

int tu_gateway_add(const char *host, const char *port, const char *ns,
		   const char *cidr)
{
	char in[48] = "";
	bool ok;

	if (host)
		snprintf(in, sizeof(in), "-n %s ", host);
	ok = tu_sh("ip netns add %s", ns) == 0;
	ok = ok && tu_sh("ip %slink add %s type veth peer name wan0 netns %s",
			 in, port, ns) == 0;
	ok = ok && tu_sh("ip -n %s addr add %s dev wan0", ns, cidr) == 0;
	ok = ok && tu_sh("ip -n %s link set lo up", ns) == 0;
	ok = ok && tu_sh("ip -n %s link set wan0 up", ns) == 0;
	ok = ok && tu_sh("ip %slink set %s up", in, port) == 0;
	/* Large windows for the throughput tests. */
	ok = ok && tu_sh("ip netns exec %s sysctl -qw net.ipv4.tcp_rmem=4096\t"
			 "131072\t67108864 net.ipv4.tcp_wmem=4096\t131072\t"
			 "67108864", ns) == 0;
	return ok ? 0 : -1;
}

double tu_iperf(const char *src, const char *dst, const char *addr, int secs)
{
	char t[16], *out = NULL;
	char *argv[] = { "ip", "netns", "exec", (char *)src, "iperf3", "-c",
			 (char *)addr, "-p", "5299", "-t", t, "-J", NULL };
	const char *p;
	double bps = -1;
	pid_t srv;
	int st;

	snprintf(t, sizeof(t), "%d", secs);
	fflush(NULL);
	srv = fork();
	if (srv == 0) {
		int fd = open("/dev/null", O_RDWR);

		dup2(fd, 1);
		dup2(fd, 2);
		execlp("ip", "ip", "netns", "exec", dst, "iperf3", "-s", "-1",
		       "-p", "5299", (char *)NULL);
		_exit(127);
	}
	usleep(300000);
	if (tu_run(&out, argv) == 0 && out) {
		/* "sum_received": { ... "bits_per_second": N */
		p = strstr(out, "\"sum_received\"");
		p = p ? strstr(p, "\"bits_per_second\":") : NULL;
		if (p)
			bps = strtod(p + strlen("\"bits_per_second\":"), NULL);
	}
	free(out);
	if (srv > 0) {
		kill(srv, SIGTERM);
		waitpid(srv, &st, 0);
	}
	return bps;
}

char *tu_tc_test(const char *db, const char *samples, const char *extra,
		 const char *extra_value)
{
	char *out = NULL;
	int rc;

	if (extra)
		rc = tu_enos(&out, db, "tc", "--test", "--json", "--samples",
			     samples, extra, extra_value, "--tolerance",
			     tu_tc_tolerance(), NULL);
	else
		rc = tu_enos(&out, db, "tc", "--test", "--json", "--samples",
			     samples, "--tolerance", tu_tc_tolerance(), NULL);
	ck_assert_msg(rc == 0, "tc --test: %s", out ? out : "");
	return out;
}

int tu_engine_kill(const char *db, const char *name)
{
	int pid = tu_engine_pid(db, name);

	ck_assert_int_gt(pid, 0);
	ck_assert_int_eq(kill(pid, SIGKILL), 0);
	usleep(200 * 1000);
	return pid;
}

void tu_engine_restart(const char *db, const char *name, int old)
{
	char *out = NULL;
	int rc = tu_enos(&out, db, "tc", NULL);

	ck_assert_msg(rc == 0, "tc restart: %s", out ? out : "");
	free(out);
	ck_assert_int_ne(tu_engine_pid(db, name), old);
}

void tu_down_clean(const char *db, const char *name, const char *tag)
{
	int pid = tu_engine_pid(db, name), rc;
	char *out = NULL;

	rc = tu_enos(&out, db, "down", "-n", name, NULL);
	ck_assert_msg(rc == 0, "down: %s", out ? out : "");
	free(out);
	ck_assert_int_eq(tu_leftovers(name, tag), 0);
	ck_assert_msg(pid <= 0 || !tu_alive(pid),
		      "engine %d still runs after down", pid);
}
