/* System tests of stacks and the service supervisor through the enos
 * binary, on a 5-site world (a central site of 3 nodes, 2 regional and 2
 * edge sites of one node) with a shaped WAN:
 * - each etcd strategy deploys the members it says on distinct nodes, the
 *   cluster is healthy, a key written at one edge node is read at the
 *   other, and `down` leaves no member process, namespace or data dir;
 * - a member killed with SIGKILL shows as failed (exit status 137) in
 *   `enos services --json` (while init has not reaped it), stays failed (nothing restarts it), and
 *   `enos service start` brings it back;
 * - a service that exits at once fails the deploy with an error naming it
 *   and the tail of its log;
 * - a SIGKILL of a deploy in progress, then `down`, leaves no service
 *   process, namespace or data directory;
 * - `enos run` of a topology with the etcd stack works end to end and
 *   stores the deploy time and the stack's RSS.
 * Skipped without etcd (apt-get install etcd-server etcd-client).
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <sqlite3.h>

#include "emulator/proc.h"
#include "tests/suites.h"
#include "tests/testutil.h"

#define FIXTURE_STACKS "tests/fixtures/stacks/sys"
#define MAX_SVC 8

static struct tu_case tc;

static void case_setup(void)
{
	ck_assert_int_eq(tu_case_setup(&tc, "stack"), 0);
}

static void case_teardown(void)
{
	tu_case_teardown(&tc);
}

/* The 5-site world named NAME with stack STACK and STRATEGY, its regional
 * nodes of backend REGIONAL. */
static const char *write_topo_on(const char *name, const char *stack,
				 const char *strategy, const char *regional,
				 char *path, size_t len)
{
	char text[2048];

	snprintf(text, sizeof(text),
		 "name: %s\n"
		 "sites:\n"
		 "  - {name: central, role: central, nodes: 3}\n"
		 "  - {name: regional, role: regional, parent: central, count: 2, backend: %s}\n"
		 "  - {name: edge, role: edge, parent: regional-1, count: 2}\n"
		 "network:\n"
		 "  shaping: auto\n"
		 "  default: {delay: 1ms}\n"
		 "  constraints:\n"
		 "    - {src: \"role:edge\", dst: \"role:central\", rtt: 20ms}\n"
		 "stack: {name: %s, strategy: %s}\n",
		 name, regional, stack, strategy);
	return tu_write(tc.dir, name, text, path, len);
}

static const char *write_topo(const char *name, const char *stack,
			      const char *strategy, char *path, size_t len)
{
	return write_topo_on(name, stack, strategy, "netns", path, len);
}

/* One instance of `enos services --json`. */
struct svc {
	char name[64], node[64], address[32], state[16];
	int pid, exit_status;
};

/* The string value of "KEY":"..." in OBJ (up to the object's end) into OUT. */
static void field(const char *obj, const char *key, char *out, size_t len)
{
	char pat[64];
	const char *p, *q;

	out[0] = '\0';
	snprintf(pat, sizeof(pat), "\"%s\":", key);
	p = strstr(obj, pat);
	if (!p)
		return;
	p += strlen(pat);
	if (*p == '"') {
		q = strchr(++p, '"');
		snprintf(out, len, "%.*s", q ? (int)(q - p) : 0, p);
	} else {
		q = p + strcspn(p, ",}");
		snprintf(out, len, "%.*s", (int)(q - p), p);
	}
}

/* `enos services -n NAME --json` parsed into V; the count. */
static size_t services(const char *name, struct svc *v, size_t max)
{
	char *out = NULL, buf[32];
	const char *p;
	size_t n = 0;

	ck_assert_int_eq(tu_enos(&out, tc.db, "services", "-n", name, "--json", NULL), 0);
	ck_assert_msg(tu_contains(out, "{\"experiment\":"), "%s", out);
	for (p = strstr(out, "{\"name\":"); p && n < max; p = strstr(p + 1, "{\"name\":")) {
		field(p, "name", v[n].name, sizeof(v[n].name));
		field(p, "node", v[n].node, sizeof(v[n].node));
		field(p, "address", v[n].address, sizeof(v[n].address));
		field(p, "state", v[n].state, sizeof(v[n].state));
		field(p, "pid", buf, sizeof(buf));
		v[n].pid = (int)strtol(buf, NULL, 10);
		field(p, "exit_status", buf, sizeof(buf));
		v[n].exit_status = strcmp(buf, "null") ? (int)strtol(buf, NULL, 10) : -1;
		n++;
	}
	free(out);
	return n;
}

static int dir_exists(const char *path)
{
	struct stat sb;

	return stat(path, &sb) == 0;
}

/* Run etcdctl ARGS inside NODE against every member of V; output in *OUT. */
static int etcdctl(const char *name, const char *node, const struct svc *v,
		   size_t n, char **out, const char *a1, const char *a2,
		   const char *a3)
{
	char eps[512] = "--endpoints=";
	size_t i, used = strlen(eps);

	for (i = 0; i < n; i++)
		used += (size_t)snprintf(eps + used, sizeof(eps) - used, "%shttp://%s:2379",
					 i ? "," : "", v[i].address);
	return tu_enos(out, tc.db, "exec", "-n", name, node, "--", "env",
		       "ETCDCTL_API=3", "etcdctl", eps, "--command-timeout=5s",
		       a1, a2, a3, NULL);
}

/* `down` of NAME leaves no process of V, namespace or service directory. */
static void down_is_clean(const char *name, const struct svc *v, size_t n)
{
	char *out = NULL, dir[256];
	size_t i;

	ck_assert_msg(tu_enos(&out, tc.db, "down", "-n", name, NULL) == 0, "%s", out);
	free(out);
	for (i = 0; i < n; i++)
		ck_assert_msg(!tu_alive(v[i].pid), "%s (pid %d) survived down",
			      v[i].name, v[i].pid);
	ck_assert_int_eq(tu_netns_count(name), 0);
	snprintf(dir, sizeof(dir), "%s/services/%s", tc.dir, name);
	ck_assert_msg(!dir_exists(dir), "%s left", dir);
}

/* Deploy etcd with STRATEGY as experiment NAME: EXPECT members on
 * distinct nodes, all running; healthy; a key crosses from edge-1 to
 * edge-2. The members go to V (*N). */
static void etcd_up_on(const char *name, const char *strategy,
		       const char *regional, size_t expect, struct svc *v,
		       size_t *n)
{
	char path[256], *out = NULL, want[128];
	size_t i, k;

	write_topo_on(name, "etcd", strategy, regional, path, sizeof(path));
	ck_assert_msg(tu_enos(&out, tc.db, "up", path, NULL) == 0, "%s", out);
	snprintf(want, sizeof(want), "stack 'etcd' (strategy '%s') is up: %zu instances",
		 strategy, expect);
	ck_assert_msg(tu_contains(out, want), "%s", out);
	free(out);
	*n = services(name, v, MAX_SVC);
	ck_assert_uint_eq(*n, expect);
	for (i = 0; i < *n; i++) {
		ck_assert_str_eq(v[i].state, "running");
		ck_assert_msg(tu_alive(v[i].pid), "%s pid %d", v[i].name, v[i].pid);
		for (k = 0; k < i; k++)
			ck_assert_str_ne(v[i].node, v[k].node);
	}
	ck_assert_msg(etcdctl(name, "edge-1-1", v, *n, &out, "endpoint", "health", NULL) == 0,
		      "%s", out);
	ck_assert_msg(tu_contains(out, "is healthy"), "%s", out);
	free(out);
	ck_assert_msg(etcdctl(name, "edge-1-1", v, *n, &out, "put", "st-key", "from-edge-1") == 0,
		      "%s", out);
	free(out);
	ck_assert_msg(etcdctl(name, "edge-2-1", v, *n, &out, "get", "st-key", NULL) == 0,
		      "%s", out);
	ck_assert_msg(tu_contains(out, "from-edge-1"), "%s", out);
	free(out);
}

static void etcd_up(const char *name, const char *strategy, size_t expect,
		    struct svc *v, size_t *n)
{
	etcd_up_on(name, strategy, "netns", expect, v, n);
}

START_TEST(etcd_central_and_kill9)
{
	struct svc v[MAX_SVC], after[MAX_SVC];
	size_t n, i;
	char *out = NULL;

	etcd_up("st-central", "central", 3, v, &n);
	for (i = 0; i < n; i++)
		ck_assert_msg(!strncmp(v[i].node, "central-", 8), "%s on %s", v[i].name, v[i].node);
	/* A member killed by hand is failed, with its status, and stays so. */
	ck_assert_int_eq(kill(v[1].pid, SIGKILL), 0);
	usleep(1500 * 1000);
	ck_assert_uint_eq(services("st-central", after, MAX_SVC), 3);
	ck_assert_str_eq(after[1].name, v[1].name);
	ck_assert_str_eq(after[1].state, "failed");
	/* 137 (SIGKILL) while the kernel keeps the zombie; unknown (-1) once
	 * init has reaped it. */
	ck_assert_msg(after[1].exit_status == 137 || after[1].exit_status == -1,
		      "exit status %d", after[1].exit_status);
	ck_assert_int_eq(after[1].pid, v[1].pid);
	ck_assert_str_eq(after[0].state, "running");
	ck_assert_str_eq(after[2].state, "running");
	ck_assert_msg(tu_enos(&out, tc.db, "service", "-n", "st-central", "start",
			      v[1].name, NULL) == 0, "%s", out);
	free(out);
	ck_assert_uint_eq(services("st-central", after, MAX_SVC), 3);
	ck_assert_str_eq(after[1].state, "running");
	ck_assert_int_ne(after[1].pid, v[1].pid);
	ck_assert_msg(etcdctl("st-central", "edge-2-1", after, 3, &out, "endpoint", "health", NULL) == 0,
		      "%s", out);
	free(out);
	/* stop is recorded as stopped, not failed. */
	ck_assert_int_eq(tu_enos(NULL, tc.db, "service", "-n", "st-central", "stop",
				 after[2].name, NULL), 0);
	ck_assert_uint_eq(services("st-central", v, MAX_SVC), 3);
	ck_assert_str_eq(v[2].state, "stopped");
	ck_assert(!tu_alive(after[2].pid));
	down_is_clean("st-central", after, 3);
}
END_TEST

START_TEST(etcd_spread)
{
	struct svc v[MAX_SVC];
	size_t n, i;

	etcd_up("st-spread", "spread", 2, v, &n);
	for (i = 0; i < n; i++)
		ck_assert_msg(!strncmp(v[i].node, "regional-", 9), "%s on %s", v[i].name, v[i].node);
	down_is_clean("st-spread", v, n);
}
END_TEST

START_TEST(etcd_edge)
{
	struct svc v[MAX_SVC];
	size_t n;

	etcd_up("st-edge", "edge", 2, v, &n);
	ck_assert_str_eq(v[0].node, "edge-1-1");
	ck_assert_str_eq(v[1].node, "edge-2-1");
	down_is_clean("st-edge", v, n);
}
END_TEST

/* Members in libvirt LXC containers (the regional sites), clients in netns
 * nodes: the service and results directories the host fills are seen in
 * the containers at the same paths. */
START_TEST(etcd_spread_on_lxc)
{
	struct svc v[MAX_SVC];
	char *out = NULL, cmd[512];
	size_t n, i;

	etcd_up_on("st-lxc", "spread", "lxc", 2, v, &n);
	for (i = 0; i < n; i++) {
		ck_assert_msg(!strncmp(v[i].node, "regional-", 9), "%s on %s", v[i].name, v[i].node);
		/* Its data directory is written, seen from the host. */
		snprintf(cmd, sizeof(cmd), "%s/services/st-lxc/%s", tc.dir, v[i].name);
		ck_assert_msg(dir_exists(cmd), "%s", cmd);
	}
	/* Inside the container, the hostname is the node's: it is one. */
	ck_assert_int_eq(tu_enos(&out, tc.db, "exec", "-n", "st-lxc", v[0].node, "--",
				 "hostname", NULL), 0);
	ck_assert_msg(tu_contains(out, v[0].node), "%s", out);
	free(out);
	down_is_clean("st-lxc", v, n);
}
END_TEST

START_TEST(failing_service_is_named)
{
	struct svc v[MAX_SVC];
	char path[256], *out = NULL;

	setenv("ENOS_STACKS_DIR", FIXTURE_STACKS, 1);
	write_topo("st-fail", "st-fail", "default", path, sizeof(path));
	/* No strategy 'default' in the file: that is refused first. */
	ck_assert_int_eq(tu_enos(&out, tc.db, "up", path, NULL), 1);
	ck_assert_msg(tu_contains(out, "stack 'st-fail' has no strategy 'default'"), "%s", out);
	free(out);
	ck_assert_int_eq(tu_enos(NULL, tc.db, "down", "-n", "st-fail", NULL), 0);
	/* Without a strategy: the service's default placement. */
	tu_write(tc.dir, "st-fail",
		 "name: st-fail\n"
		 "sites: [{name: central, role: central, nodes: 2}]\n"
		 "network: {shaping: none}\n"
		 "stack: {name: st-fail}\n", path, sizeof(path));
	ck_assert_int_eq(tu_enos(&out, tc.db, "up", path, NULL), 1);
	ck_assert_msg(tu_contains(out, "service 'broken-1' on node 'central-1' did not become ready"),
		      "%s", out);
	ck_assert_msg(tu_contains(out, "it exited with status 3"), "%s", out);
	ck_assert_msg(tu_contains(out, "| broken-start-marker"), "%s", out);
	free(out);
	/* The world stays up; the instance is recorded as failed. */
	ck_assert_uint_eq(services("st-fail", v, MAX_SVC), 1);
	ck_assert_str_eq(v[0].state, "failed");
	ck_assert_int_eq(v[0].exit_status, 3);
	down_is_clean("st-fail", v, 1);
}
END_TEST

START_TEST(sigkill_deploy_then_down)
{
	struct svc v[MAX_SVC];
	char path[256];
	size_t n = 0;
	pid_t pid;
	int tries;

	setenv("ENOS_STACKS_DIR", FIXTURE_STACKS, 1);
	tu_write(tc.dir, "st-kill",
		 "name: st-kill\n"
		 "sites: [{name: central, role: central, nodes: 2}]\n"
		 "network: {shaping: none}\n"
		 "stack: {name: st-slow}\n", path, sizeof(path));
	pid = tu_enos_spawn(tc.db, "up", path, NULL);
	/* Until b, which waits for a, has started (and never gets ready). */
	for (tries = 0; tries < 100; tries++) {
		usleep(100 * 1000);
		if (tu_enos(NULL, tc.db, "services", "-n", "st-kill", NULL) != 0)
			continue;
		n = services("st-kill", v, MAX_SVC);
		if (n == 2 && v[1].pid > 0)
			break;
	}
	ck_assert_msg(n == 2 && v[1].pid > 0, "b never started");
	ck_assert(tu_alive(v[0].pid));
	ck_assert(tu_alive(v[1].pid));
	ck_assert_int_eq(kill(pid, SIGKILL), 0);
	waitpid(pid, NULL, 0);
	ck_assert_str_eq(v[1].state, "starting");
	down_is_clean("st-kill", v, 2);
}
END_TEST

/* The newest result METRIC in the case's database, or -1. */
static double result(const char *metric)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *s = NULL;
	double v = -1;

	ck_assert_int_eq(sqlite3_open(tc.db, &db), SQLITE_OK);
	ck_assert_int_eq(sqlite3_prepare_v2(db, "SELECT value FROM results WHERE metric = ?1"
					    " ORDER BY run DESC LIMIT 1", -1, &s, NULL), SQLITE_OK);
	sqlite3_bind_text(s, 1, metric, -1, SQLITE_STATIC);
	if (sqlite3_step(s) == SQLITE_ROW)
		v = sqlite3_column_double(s, 0);
	sqlite3_finalize(s);
	sqlite3_close(db);
	return v;
}

START_TEST(run_with_etcd)
{
	char path[256], *out = NULL, dir[256];
	double secs, rss;

	write_topo("st-run", "etcd", "spread", path, sizeof(path));
	ck_assert_msg(tu_enos(&out, tc.db, "run", "--samples", "3", path, NULL) == 0, "%s", out);
	ck_assert_msg(tu_contains(out, "stack 'etcd' (strategy 'spread') is up"), "%s", out);
	free(out);
	secs = result("deploy_seconds");
	rss = result("stack_rss_bytes");
	printf("sys_stack: etcd spread in enos run: deploy %.2f s, RSS %.1f MiB\n",
	       secs, rss / 1048576.0);
	ck_assert_msg(secs > 0 && secs < 60, "deploy_seconds %g", secs);
	/* Two members of a few tens of MiB each. */
	ck_assert_msg(rss > 2 * 4e6 && rss < 2 * 500e6, "stack_rss_bytes %g", rss);
	ck_assert_int_eq(tu_netns_count("st-run"), 0);
	snprintf(dir, sizeof(dir), "%s/services/st-run", tc.dir);
	ck_assert(!dir_exists(dir));
}
END_TEST

Suite *make_sys_stack_suite(struct skips *sk)
{
	const struct sys_case cases[] = {
		{ "etcd_central_and_kill9", etcd_central_and_kill9 },
		{ "etcd_spread", etcd_spread },
		{ "etcd_edge", etcd_edge },
		{ "failing_service_is_named", failing_service_is_named },
		{ "sigkill_deploy_then_down", sigkill_deploy_then_down },
		{ "run_with_etcd", run_with_etcd },
	};
	const struct sys_case lxc_cases[] = {
		{ "etcd_spread_on_lxc", etcd_spread_on_lxc },
	};
	char *etcd[] = { "etcd", "--version", NULL };
	char *ctl[] = { "etcdctl", "version", NULL };
	Suite *s = suite_create("sys_stack");
	const char *why = sys_unavailable();

	if (!why && (tu_run(NULL, etcd) != 0 || tu_run(NULL, ctl) != 0))
		why = "etcd is not installed (apt-get install etcd-server etcd-client)";
	sys_add_cases(s, sk, cases, sizeof(cases) / sizeof(cases[0]), why,
		      case_setup, case_teardown, 180);
	if (!why && (access("/usr/sbin/libvirtd", X_OK) != 0 ||
		     access("/usr/lib/libvirt/libvirt_lxc", X_OK) != 0))
		why = "libvirt's LXC driver is not installed (apt-get install libvirt-daemon-driver-lxc libvirt-daemon)";
	sys_add_cases(s, sk, lxc_cases, sizeof(lxc_cases) / sizeof(lxc_cases[0]), why,
		      case_setup, case_teardown, 180);
	return s;
}
