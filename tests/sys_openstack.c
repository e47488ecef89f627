/* System test of the OpenStack stack (workloads/stacks/openstack.yaml)
 * through the enos binary, end to end: `enos up` of
 * topologies/openstack-6site.yaml (1 central site of 2 nodes, 1 regional,
 * 4 edge sites of one node, 20 ms RTT between any two sites) deploys the
 * `central` strategy; then, from the client node central-2,
 * - `openstack hypervisor list` shows the four edge computes, all up;
 * - one server (flavor and image "tiny", no network) boots to ACTIVE on
 *   an edge compute and is deleted (workloads/stacks/openstack/
 *   boot-delete.py), and that compute answers the control node across the
 *   shaped WAN (ping RTT of at least the 20 ms the topology asks);
 * - `enos services --json` counts each instance's whole process tree:
 *   keystone-1 (a uwsgi master and its 2 workers) has at least 3
 *   processes and a PSS figure; the nova-api log shows the stack-level
 *   post step (discover_hosts, which the boot needs);
 * - `down` stops every service process and removes namespaces and service
 *   directories.
 * - Rally's boot-delete workload (workloads/stacks/openstack.yaml), 3
 *   iterations from central-2, run as the runner runs a stack's workload
 *   (tests/tu_wl.c): every iteration ok with its atomic actions
 *   nova.boot_server and nova.delete_server, Rally's HTML report kept;
 *   then 100 iterations stopped after 25 s: Rally aborts its task and
 *   the iterations that finished are kept;
 * - central_rally_bench: the same through `enos bench --workload
 *   boot-delete --times 3`, stored in the run's workload_ops, the HTML
 *   report in the run's directory (skipped while `enos bench` is not built
 *   in this branch).
 * Also, without deploying: `enos check` estimates the stack's memory on
 * this host and refuses, with both numbers, 200 edge computes that cannot
 * fit.
 *
 * Slow (about 4 minutes of deploy on 2 vCPUs). Skipped when the OpenStack
 * packages are missing (`make test` installs them: OPENSTACK_DEBS).
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "emulator/proc.h"
#include "enos/state.h"
#include "tests/suites.h"
#include "tests/testutil.h"
#include "tests/tu_wl.h"

#define TOPO "topologies/openstack-6site.yaml"
#define EXP "os6"
#define CONTROL_ADDR "198.18.0.2"	/* central-1, the first central node */
#define CLIENT "central-2"
#define EDGES 4
#define INSTANCES 14			/* 10 control services + 4 computes (cell ones left out) */
#define WAN_RTT_MS 20.0

static char case_dir[128];
static char case_db[192];

static void case_setup(void)
{
	ck_assert_ptr_nonnull(tu_tmpdir(case_dir, sizeof(case_dir), "openstack"));
	snprintf(case_db, sizeof(case_db), "%s/enos.db", case_dir);
}

static void case_teardown(void)
{
	tu_enos(NULL, case_db, "down", "--all", NULL);
	tu_rmtree(case_dir);
}

/* The pids of `enos services -n EXP --json` into PIDS; their count. Each
 * instance must be running. */
static size_t service_pids(int *pids, size_t max)
{
	char *out = NULL;
	const char *p;
	size_t n = 0;

	ck_assert_int_eq(tu_enos(&out, case_db, "services", "-n", EXP, "--json", NULL), 0);
	for (p = strstr(out, "{\"name\":"); p && n < max; p = strstr(p + 1, "{\"name\":")) {
		const char *pid = strstr(p, "\"pid\":"), *state = strstr(p, "\"state\":");

		ck_assert_msg(pid && state, "%s", out);
		ck_assert_msg(strncmp(state, "\"state\":\"running\"", 17) == 0,
			      "not running: %.120s", p);
		pids[n++] = (int)strtol(pid + 6, NULL, 10);
	}
	free(out);
	return n;
}

/* The value of "KEY=" on its own line of TEXT into OUT ("" if absent). */
static void value(const char *text, const char *key, char *out, size_t len)
{
	char pat[64];
	const char *p;

	snprintf(pat, sizeof(pat), "%s=", key);
	for (p = text; (p = strstr(p, pat)); p++)
		if (p == text || p[-1] == '\n' || p[-1] == ' ')
			break;
	out[0] = '\0';
	if (p)
		snprintf(out, len, "%.*s", (int)strcspn(p + strlen(pat), " \n"),
			 p + strlen(pat));
}

/* `openstack hypervisor list` run in the client node lists every edge
 * compute as up, and nothing else. */
static void hypervisors_up(void)
{
	char *out = NULL, line[64];
	int i, lines = 0;
	const char *p;

	ck_assert_msg(tu_enos(&out, case_db, "exec", "-n", EXP, CLIENT, "--", "env",
			      "OS_AUTH_URL=http://" CONTROL_ADDR ":5000/v3",
			      "OS_USERNAME=admin", "OS_PASSWORD=enos", "OS_PROJECT_NAME=admin",
			      "OS_USER_DOMAIN_NAME=Default", "OS_PROJECT_DOMAIN_NAME=Default",
			      "openstack", "hypervisor", "list", "-f", "value",
			      "-c", "Hypervisor Hostname", "-c", "State", NULL) == 0, "%s", out);
	for (i = 1; i <= EDGES; i++) {
		snprintf(line, sizeof(line), "edge-%d-1 up\n", i);
		ck_assert_msg(tu_contains(out, line), "no '%s' in:\n%s", line, out);
	}
	for (p = out; (p = strchr(p, '\n')); p++)
		lines++;
	ck_assert_msg(lines == EDGES, "%d hypervisors:\n%s", lines, out);
	free(out);
}

/* One server boots to ACTIVE on an edge compute and is deleted; the
 * compute is across the WAN from the control node. */
static void boot_and_delete(const char *strategy)
{
	char *out = NULL, script[512], host[64], addr[32], active[32], del[32];
	char cwd[256];
	int edge;

	ck_assert_ptr_nonnull(getcwd(cwd, sizeof(cwd)));
	snprintf(script, sizeof(script), "%s/workloads/stacks/openstack/boot-delete.py", cwd);
	ck_assert_msg(tu_enos(&out, case_db, "exec", "-n", EXP, CLIENT, "--",
			      "/usr/bin/python3", script, CONTROL_ADDR, NULL) == 0, "%s", out);
	ck_assert_msg(tu_contains(out, "hypervisors=4 up=4"), "%s", out);
	value(out, "host", host, sizeof(host));
	value(out, "active_s", active, sizeof(active));
	value(out, "delete_s", del, sizeof(del));
	ck_assert_msg(sscanf(host, "edge-%d-1", &edge) == 1 && edge >= 1 && edge <= EDGES,
		      "server landed on '%s':\n%s", host, out);
	ck_assert_msg(active[0] && del[0], "%s", out);
	printf("sys_openstack: %s, %.0f ms RTT: boot to ACTIVE %s s, delete %s s (%s)\n",
	       strategy, WAN_RTT_MS, active, del, host);
	free(out);

	/* The compute's address is edge-N's first node: 198.18.0.(8N + 10). */
	snprintf(addr, sizeof(addr), "198.18.0.%d", 8 * edge + 10);
	ck_assert_msg(tu_enos(&out, case_db, "exec", "-n", EXP, "central-1", "--",
			      "ping", "-c", "3", "-i", "0.2", "-q", addr, NULL) == 0, "%s", out);
	{
		const char *p = strstr(out, "= ");
		double min = p ? strtod(p + 2, NULL) : 0;

		ck_assert_msg(min >= WAN_RTT_MS - 1, "control to %s: min RTT %.2f ms\n%s",
			      host, min, out);
	}
	free(out);
}

/* keystone-1 is a uwsgi master with 2 workers: its figures count all
 * three; the stack's post step ran in nova-api-1's node and log. */
static void process_trees(void)
{
	char *out = NULL, path[512];
	const char *p, *procs, *pss;
	long n;

	ck_assert_int_eq(tu_enos(&out, case_db, "services", "-n", EXP, "--json", NULL), 0);
	p = strstr(out, "{\"name\":\"keystone-1\"");
	ck_assert_msg(p, "%s", out);
	procs = strstr(p, "\"processes\":");
	pss = strstr(p, "\"pss_bytes\":");
	ck_assert_msg(procs && pss, "%.400s", p);
	n = strtol(procs + 12, NULL, 10);
	ck_assert_msg(n >= 3, "keystone-1 has %ld processes: %.400s", n, p);
	ck_assert_msg(strtol(pss + 12, NULL, 10) > 20L << 20, "%.400s", p);
	printf("sys_openstack: keystone-1: %ld processes, PSS %.1f MiB\n", n,
	       strtol(pss + 12, NULL, 10) / 1048576.0);
	p = strstr(out, "{\"name\":\"nova-api-1\"");
	ck_assert_msg(p && strstr(p, "\"log\":\""), "%s", out);
	p = strstr(p, "\"log\":\"") + 7;
	snprintf(path, sizeof(path), "%.*s", (int)strcspn(p, "\""), p);
	free(out);
	ck_assert_msg(tu_sh("grep -q enos:.stack.post.step.1 %s", path) == 0,
		      "%s has no stack post step", path);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Rally's boot-delete, 3 iterations from central-2, run in-process as the
 * runner runs a stack's workload: each iteration ok, with nova.boot_server
 * and nova.delete_server among its atomic actions; rally.html kept. */
static void rally_boot_delete(void)
{
	static const char *const opts[] = { "times=3", NULL };
	struct tu_wl_result r;
	char why[512], root[256], html[512];
	double d[3], boot[3], del[3];
	size_t i, iters = 0, nb = 0, nd = 0;
	struct tu_wl_how how = { .opts = opts, .out_root = root };
	struct stat sb;

	snprintf(root, sizeof(root), "%s/wl", case_dir);
	ck_assert_msg(tu_wl_run(case_db, TOPO, "boot-delete", "central", &how, &r, why,
				sizeof(why)) == 0, "%s", why);
	ck_assert_msg(r.rc == 0, "%d: %s", r.rc, r.err ? r.err : "");
	ck_assert_str_eq(r.client, CLIENT);
	for (i = 0; i < r.n; i++) {
		if (!r.ops[i].atomic) {
			ck_assert_str_eq(r.ops[i].op, "boot-delete");
			ck_assert_msg(r.ops[i].ok, "iteration %u: %s", r.ops[i].iteration, r.ops[i].error);
			if (iters < 3)
				d[iters] = r.ops[i].duration_ms / 1000;
			iters++;
		} else if (!strcmp(r.ops[i].op, "nova.boot_server") && nb < 3) {
			boot[nb++] = r.ops[i].duration_ms / 1000;
		} else if (!strcmp(r.ops[i].op, "nova.delete_server") && nd < 3) {
			del[nd++] = r.ops[i].duration_ms / 1000;
		}
	}
	ck_assert_uint_eq(iters, 3);
	ck_assert_uint_eq(nb, 3);
	ck_assert_uint_eq(nd, 3);
	snprintf(html, sizeof(html), "%s/rally.html", r.out_dir);
	ck_assert_msg(stat(html, &sb) == 0 && sb.st_size > 1000, "no Rally report %s", html);
	qsort(d, 3, sizeof(d[0]), cmp_double);
	qsort(boot, 3, sizeof(boot[0]), cmp_double);
	qsort(del, 3, sizeof(del[0]), cmp_double);
	printf("sys_openstack: rally boot-delete x3 at %.0f ms RTT: iteration %.2f s median (%.2f-%.2f), "
	       "nova.boot_server %.2f s, nova.delete_server %.2f s; the job %.1f s\n",
	       WAN_RTT_MS, d[1], d[0], d[2], boot[1], del[1], r.seconds);
	tu_wl_result_release(&r);
}

/* A stop (Ctrl-C) in the middle of 100 iterations: Rally aborts its task
 * and still reports what finished, which is kept; the job ends well within
 * the grace period. */
static void rally_stopped(void)
{
	static const char *const opts[] = { "times=100", NULL };
	struct tu_wl_result r;
	char why[512], root[256];
	struct tu_wl_how how = { .opts = opts, .out_root = root, .stop_after_s = 25 };
	size_t i, iters = 0;

	snprintf(root, sizeof(root), "%s/wl-stop", case_dir);
	ck_assert_msg(tu_wl_run(case_db, TOPO, "boot-delete", "central", &how, &r, why,
				sizeof(why)) == 0, "%s", why);
	ck_assert_msg(r.rc == -EINTR, "%d: %s", r.rc, r.err ? r.err : "");
	for (i = 0; i < r.n; i++)
		iters += !r.ops[i].atomic;
	ck_assert_msg(iters >= 1 && iters < 100, "%zu iterations kept", iters);
	ck_assert_msg(r.seconds < 25 + 30, "the job took %.1f s", r.seconds);
	printf("sys_openstack: rally boot-delete stopped after 25 s: %zu iterations kept, ended at %.1f s\n",
	       iters, r.seconds);
	tu_wl_result_release(&r);
}

START_TEST(central_boot_delete)
{
	char *out = NULL, dir[256];
	int pids[32];
	size_t n, i;

	ck_assert_msg(tu_enos(&out, case_db, "up", TOPO, NULL) == 0, "%s", out);
	ck_assert_msg(tu_contains(out, "stack 'openstack' (strategy 'central') is up: 14 instances"),
		      "%s", out);
	printf("sys_openstack: %.*s\n", (int)strcspn(strstr(out, "stack 'openstack' (strategy 'central') is up"), "\n"),
	       strstr(out, "stack 'openstack' (strategy 'central') is up"));
	free(out);
	n = service_pids(pids, 32);
	ck_assert_int_eq(n, INSTANCES);

	hypervisors_up();
	boot_and_delete("central");
	process_trees();
	rally_boot_delete();
	rally_stopped();

	ck_assert_msg(tu_enos(&out, case_db, "down", "-n", EXP, NULL) == 0, "%s", out);
	free(out);
	for (i = 0; i < n; i++) {
		struct proc_info pi;

		ck_assert_msg(proc_info(pids[i], &pi) < 0 || pi.state == 'Z',
			      "service pid %d survived down", pids[i]);
	}
	ck_assert_int_eq(tu_netns_count(EXP), 0);
	snprintf(dir, sizeof(dir), "%s/services/%s", case_dir, EXP);
	ck_assert_msg(access(dir, F_OK) < 0, "%s left", dir);
}
END_TEST

/* regional-cells: one cell per regional site (its own database, queue and
 * conductor there). Every edge compute is mapped into the region's cell,
 * and a server still boots and is deleted — which needs the scheduler to
 * start after the cell exists (it reads the cell list once). */
START_TEST(regional_cells_boot_delete)
{
	char *out = NULL, text[4096], path[256], conf[4200];
	const char *p;
	size_t len;
	FILE *f = fopen(TOPO, "r");

	ck_assert_ptr_nonnull(f);
	len = fread(text, 1, sizeof(text) - 1, f);
	fclose(f);
	text[len] = '\0';
	p = strstr(text, "strategy: central}");
	ck_assert_ptr_nonnull(p);
	snprintf(conf, sizeof(conf), "%.*sstrategy: regional-cells}\n", (int)(p - text), text);
	tu_write(case_dir, "os6-cells.yaml", conf, path, sizeof(path));
	ck_assert_msg(tu_enos(&out, case_db, "up", path, NULL) == 0, "%s", out);
	ck_assert_msg(tu_contains(out, "stack 'openstack' (strategy 'regional-cells') is up: 17 instances"),
		      "%s", out);
	free(out);
	hypervisors_up();
	snprintf(conf, sizeof(conf), "%s/services/%s/nova-api-1/conf/nova.conf", case_dir, EXP);
	ck_assert_msg(tu_enos(&out, case_db, "exec", "-n", EXP, "central-1", "--", "nova-manage",
			      "--config-file", conf, "cell_v2", "list_hosts", NULL) == 0, "%s", out);
	for (p = out, len = 0; (p = strstr(p, " regional | ")); p++)
		len++;
	ck_assert_msg(len == EDGES, "%zu computes in cell 'regional':\n%s", len, out);
	free(out);
	boot_and_delete("regional-cells");
	ck_assert_msg(tu_enos(&out, case_db, "down", "-n", EXP, NULL) == 0, "%s", out);
	free(out);
	ck_assert_int_eq(tu_netns_count(EXP), 0);
}
END_TEST

/* The files named NAME under DIR (recursively). */
static int files_named(const char *dir, const char *name, int depth)
{
	char path[1024];
	struct dirent *de;
	DIR *d = opendir(dir);
	int n = 0;

	while (d && depth < 6 && (de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (de->d_type == DT_DIR)
			n += files_named(path, name, depth + 1);
		else if (!strcmp(de->d_name, name))
			n++;
	}
	if (d)
		closedir(d);
	return n;
}

/* `enos bench --workload boot-delete --times 3` on the central strategy:
 * 3 iterations stored in the run's workload_ops, each ok with its atomic
 * actions nova.boot_server and nova.delete_server; Rally's HTML report in
 * the run's directory. */
START_TEST(central_rally_bench)
{
	struct wlop_row *rows = NULL;
	struct state *st = NULL;
	char *out = NULL, *err = NULL, dir[256];
	size_t n = 0, i, iters = 0, boots = 0, dels = 0;
	int64_t run = 0;

	ck_assert_msg(tu_enos(&out, case_db, "up", TOPO, NULL) == 0, "%s", out);
	free(out);
	ck_assert_msg(tu_enos(&out, case_db, "bench", "-n", EXP, "--workload", "boot-delete",
			      "--times", "3", NULL) == 0, "%s", out);
	printf("sys_openstack: enos bench boot-delete x3:\n%s", out);
	free(out);
	ck_assert_int_eq(state_open(case_db, &st, &err), 0);
	ck_assert_int_eq(state_run_latest(st, EXP, NULL, &run), 0);
	ck_assert_int_eq(state_wlops(st, run, "boot-delete", &rows, &n), 0);
	for (i = 0; i < n; i++) {
		ck_assert_str_eq(rows[i].node, CLIENT);
		if (!rows[i].atomic) {
			ck_assert_str_eq(rows[i].op, "boot-delete");
			ck_assert_msg(rows[i].ok, "iteration %u: %s", rows[i].iteration,
				      rows[i].error ? rows[i].error : "");
			iters++;
		}
		boots += rows[i].atomic && !strcmp(rows[i].op, "nova.boot_server");
		dels += rows[i].atomic && !strcmp(rows[i].op, "nova.delete_server");
	}
	ck_assert_uint_eq(iters, 3);
	ck_assert_uint_eq(boots, 3);
	ck_assert_uint_eq(dels, 3);
	state_wlops_free(rows, n);
	state_close(st);
	snprintf(dir, sizeof(dir), "results/%s/%lld", EXP, (long long)run);
	ck_assert_msg(files_named(dir, "rally.html", 0) == 1, "no rally.html under %s", dir);
}
END_TEST

/* Why `enos bench` cannot be tested here, or NULL. */
static const char *bench_missing(void)
{
	char *out = NULL;
	const char *why = NULL;

	tu_enos(&out, "/nonexistent/enos.db", "bench", "--help", NULL);
	if (!out || tu_contains(out, "is not an enos command"))
		why = "enos bench not built in this branch";
	free(out);
	return why;
}

/* MemAvailable of this host in MiB, from /proc/meminfo. */
static long mem_available_mib(void)
{
	char line[128];
	long kib = -1;
	FILE *f = fopen("/proc/meminfo", "r");

	ck_assert_ptr_nonnull(f);
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "MemAvailable: %ld kB", &kib) == 1)
			break;
	fclose(f);
	ck_assert_int_gt(kib, 0);
	return kib / 1024;
}

/* `enos check` of the 6-site world prints the central strategy's memory
 * estimate; with more edge computes (140 MiB each in the stack file) than
 * this host's MemAvailable holds it refuses with both numbers. Needs no
 * root and deploys nothing. */
START_TEST(check_refuses_what_cannot_fit)
{
	char *out = NULL, path[256], big[1024];
	long computes = mem_available_mib() / 140 + 50;
	long per_site = computes < 1000 ? computes : 1000;

	ck_assert_msg(tu_enos(&out, case_db, "check", TOPO, NULL) == 0, "%s", out);
	ck_assert_msg(tu_contains(out, "stack 'openstack' (strategy 'central'): 14 instances"),
		      "%s", out);
	ck_assert_msg(tu_contains(out, "nova-compute           4 x  140.0 MiB"), "%s", out);
	ck_assert_msg(tu_contains(out, "mariadb-cell           left out (count: 0)") &&
		      tu_contains(out, "nova-conductor-cell    left out (count: 0)"), "%s", out);
	ck_assert_msg(tu_contains(out, "memory: the stack needs "), "%s", out);
	free(out);

	snprintf(big, sizeof(big),
		 "name: os-big\n"
		 "sites:\n"
		 "  - {name: central, role: central, nodes: 2}\n"
		 "  - {name: regional, role: regional, parent: central}\n"
		 "  - {name: edge, role: edge, parent: regional, nodes: %ld, count: %ld}\n"
		 "stack: {name: openstack, strategy: regional-cells}\n",
		 per_site, (computes + per_site - 1) / per_site + 1);
	tu_write(case_dir, "os-big.yaml", big, path, sizeof(path));
	ck_assert_msg(tu_enos(&out, case_db, "check", path, NULL) == 1, "%s", out);
	ck_assert_msg(tu_contains(out, "error: stack 'openstack' (strategy 'regional-cells') cannot fit"
				  " on this host: the stack needs "), "%s", out);
	ck_assert_msg(tu_contains(out, " MiB but only "), "%s", out);
	free(out);
}
END_TEST

/* Why the deploy test cannot run here, or NULL: every program the stack
 * starts must be installed. */
static const char *missing_packages(void)
{
	static const char *const progs[] = {
		"/usr/sbin/mariadbd", "/usr/lib/rabbitmq/bin/rabbitmq-server", "/usr/bin/memcached",
		"/usr/bin/keystone-manage", "/usr/bin/placement-api", "/usr/bin/glance-api",
		"/usr/bin/neutron-server", "/usr/bin/nova-api-wsgi", "/usr/bin/nova-conductor",
		"/usr/bin/nova-scheduler", "/usr/bin/nova-compute", "/usr/bin/openstack",
		"/usr/bin/uwsgi", "/usr/bin/flock",
	};
	size_t i;

	for (i = 0; i < sizeof(progs) / sizeof(progs[0]); i++)
		if (access(progs[i], X_OK) < 0)
			return "OpenStack packages missing (make deps-openstack, or apt-get install "
			       "the Makefile's OPENSTACK_DEBS)";
	if (access("/usr/bin/rally", X_OK) < 0 ||
	    access("/usr/lib/python3/dist-packages/rally_openstack", F_OK) < 0)
		return "Rally missing (make deps-openstack: rally python3-rally-openstack)";
	return NULL;
}

Suite *make_sys_openstack_suite(struct skips *sk)
{
	const struct sys_case deploy[] = {
		{ "central_boot_delete", central_boot_delete },
		{ "regional_cells_boot_delete", regional_cells_boot_delete },
	};
	const struct sys_case check[] = {
		{ "check_refuses_what_cannot_fit", check_refuses_what_cannot_fit },
	};
	const struct sys_case bench[] = {
		{ "central_rally_bench", central_rally_bench },
	};
	Suite *s = suite_create("sys_openstack");
	const char *why = sys_unavailable();

	sys_add_cases(s, sk, check, 1, NULL, case_setup, case_teardown, 30);
	if (!why)
		why = missing_packages();
	sys_add_cases(s, sk, deploy, sizeof(deploy) / sizeof(deploy[0]), why,
		      case_setup, case_teardown, 600);
	sys_add_cases(s, sk, bench, 1, why ? why : bench_missing(), case_setup,
		      case_teardown, 600);
	return s;
}
