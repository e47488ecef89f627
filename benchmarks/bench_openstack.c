/* bench-openstack — what the OpenStack stack (workloads/stacks/openstack.yaml)
 * costs under each placement strategy. Drives the enos binary as a user
 * would, on the 6-site world of topologies/openstack-6site.yaml (1 central
 * site of 2 nodes, 1 regional, 4 edges with one fake compute each, 20 ms
 * RTT between any two sites), and prints and stores (run kind
 * "bench-openstack", src = strategy) for each strategy:
 *   openstack_deploy_s     `enos up` until every service is ready
 *   openstack_rss_mib      RSS summed over every process in the nodes
 *                          (counts pages that forked workers share)
 *   openstack_pss_mib      PSS summed the same way (what the stack costs)
 *   openstack_boot_s       one server from POST /servers to ACTIVE, dst =
 *                          the central-edge RTT (20 ms as deployed, then 0
 *                          and 100 ms set live with `enos fault set`)
 *   openstack_delete_s     its DELETE until GET answers 404, same dst
 *   openstack_down_s       `enos down` with every service running
 * Boots are run from the client node central-2 by
 * workloads/stacks/openstack/boot-delete.py.
 * Usage: bench-openstack [--enos PATH] [--db PATH] [--only STRATEGY] [--boots N]
 * (needs root and the OpenStack packages: make deps-openstack)
 */
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>

#include "emulator/proc.h"
#include "enos/state.h"
#include "tests/testutil.h"

#define MAX_BOOTS 20
#define MAX_INOS 16

struct bench {
	const char *enos;
	const char *db;         /* the results database */
	char dir[128];          /* scratch: topologies, its own state db */
	char state_db[256];
	char script[512];       /* boot-delete.py, absolute */
	struct state *st;
	int64_t run;
	int boots;
	int failed;             /* steps that did not work */
};

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Run enos with the scratch state database; *OUT gets its output. */
static int enos(struct bench *b, char **out, ...) __attribute__((sentinel));

static int enos(struct bench *b, char **out, ...)
{
	va_list ap;
	int rc;

	va_start(ap, out);
	rc = tu_enos_v(out, b->enos, b->state_db, ap);
	va_end(ap);
	return rc;
}

/* Print and store one figure of STRATEGY. */
static void figure(struct bench *b, const char *strategy, const char *metric,
		   const char *dst, double value, const char *unit)
{
	printf("  %-16s %-20s %-10s %10.3f %s\n", strategy, metric, dst ? dst : "",
	       value, unit);
	state_result_add(b->st, b->run, metric, strategy, dst, value, unit);
}

/* The number after "KEY=" at a line start of TEXT, or -1. */
static double kv(const char *text, const char *key)
{
	char pat[64];
	const char *p;

	snprintf(pat, sizeof(pat), "%s=", key);
	for (p = text; (p = strstr(p, pat)); p++)
		if (p == text || p[-1] == '\n')
			return strtod(p + strlen(pat), NULL);
	return -1;
}

/* The "address" of instance INSTANCE in `enos services --json` output. */
static int instance_addr(const char *json, const char *instance, char *out,
			 size_t len)
{
	char pat[96];
	const char *p, *q;

	snprintf(pat, sizeof(pat), "{\"name\":\"%s\"", instance);
	p = strstr(json, pat);
	p = p ? strstr(p, "\"address\":\"") : NULL;
	if (!p)
		return -ENOENT;
	p += strlen("\"address\":\"");
	q = strchr(p, '"');
	if (!q)
		return -EINVAL;
	snprintf(out, len, "%.*s", (int)(q - p), p);
	return 0;
}

/* Inodes of the network namespaces of experiment NAME (/run/netns/enos.NAME.*). */
static size_t netns_inos(const char *name, unsigned long long *inos, size_t max)
{
	char prefix[96], path[384];
	struct dirent *de;
	struct stat sb;
	size_t n = 0;
	DIR *d = opendir("/run/netns");

	snprintf(prefix, sizeof(prefix), "enos.%s.", name);
	while (d && (de = readdir(d)) && n < max) {
		if (strncmp(de->d_name, prefix, strlen(prefix)))
			continue;
		snprintf(path, sizeof(path), "/run/netns/%s", de->d_name);
		if (stat(path, &sb) == 0)
			inos[n++] = (unsigned long long)sb.st_ino;
	}
	if (d)
		closedir(d);
	return n;
}

/* Rss and Pss (KiB) of PID from /proc/PID/smaps_rollup, added to *RSS, *PSS. */
static void add_mem(long pid, double *rss, double *pss)
{
	char path[64], line[128];
	double v;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%ld/smaps_rollup", pid);
	f = fopen(path, "r");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "Rss: %lf kB", &v) == 1)
			*rss += v;
		else if (sscanf(line, "Pss: %lf kB", &v) == 1)
			*pss += v;
	}
	fclose(f);
}

/* RSS and PSS (MiB) summed over every process in experiment NAME's nodes:
 * the whole stack, workers and helpers included, and anything a service
 * left behind outside its process tree (the supervisor's own figures,
 * stack_rss_bytes / stack_pss_bytes, sum each instance's process tree). */
static void stack_memory(const char *name, double *rss_mib, double *pss_mib)
{
	unsigned long long inos[MAX_INOS], ino;
	size_t n = netns_inos(name, inos, MAX_INOS), i;
	double rss = 0, pss = 0;
	struct dirent *de;
	DIR *d = opendir("/proc");

	while (d && (de = readdir(d))) {
		char *end;
		long pid = strtol(de->d_name, &end, 10);

		if (*end || pid <= 1)
			continue;
		ino = proc_netns_ino((pid_t)pid);
		for (i = 0; ino && i < n && inos[i] != ino; i++)
			;
		if (ino && i < n)
			add_mem(pid, &rss, &pss);
	}
	if (d)
		closedir(d);
	*rss_mib = rss / 1024;
	*pss_mib = pss / 1024;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* B->boots boots and deletes from the client node against KEYSTONE,
 * stored with dst RTT; prints the median. */
static void boots(struct bench *b, const char *name, const char *strategy,
		  const char *keystone, const char *rtt)
{
	double act[MAX_BOOTS], del[MAX_BOOTS];
	char *out = NULL;
	int i, n = 0;

	for (i = 0; i < b->boots; i++) {
		if (enos(b, &out, "exec", "-n", name, "central-2", "--", "/usr/bin/python3",
			 b->script, keystone, NULL) != 0 || kv(out, "active_s") < 0) {
			fprintf(stderr, "bench-openstack: %s: boot at %s failed:\n%s", strategy, rtt,
				out ? out : "");
			b->failed++;
		} else {
			act[n] = kv(out, "active_s");
			del[n] = kv(out, "delete_s");
			state_result_add(b->st, b->run, "openstack_boot_s", strategy, rtt, act[n], "s");
			state_result_add(b->st, b->run, "openstack_delete_s", strategy, rtt, del[n], "s");
			n++;
		}
		free(out);
		out = NULL;
	}
	if (n == 0)
		return;
	qsort(act, (size_t)n, sizeof(act[0]), cmp_double);
	qsort(del, (size_t)n, sizeof(del[0]), cmp_double);
	printf("  %-16s %-20s %-10s %10.3f s (median of %d, %.3f-%.3f); delete %.3f s\n",
	       strategy, "boot to ACTIVE", rtt, act[n / 2], n, act[0], act[n - 1], del[n / 2]);
}

/* Deploy STRATEGY on its own copy of the 6-site world, measure, remove. */
static void bench_strategy(struct bench *b, const char *strategy, const char *name)
{
	char text[1024], file[64], path[256], keystone[32], *out = NULL;
	double t0, rss, pss;

	snprintf(text, sizeof(text),
		 "name: %s\n"
		 "sites:\n"
		 "  - {name: central, role: central, nodes: 2}\n"
		 "  - {name: regional, role: regional, parent: central, nodes: 1}\n"
		 "  - {name: edge, role: edge, parent: regional, nodes: 1, count: 4}\n"
		 "network:\n"
		 "  default: {rtt: 20ms, rate: 1gbit}\n"
		 "stack: {name: openstack, strategy: %s}\n", name, strategy);
	snprintf(file, sizeof(file), "%s.yaml", name);
	tu_write(b->dir, file, text, path, sizeof(path));

	t0 = now();
	if (enos(b, &out, "up", path, NULL) != 0) {
		fprintf(stderr, "bench-openstack: %s: enos up failed:\n%s", strategy, out);
		b->failed++;
		goto out;
	}
	figure(b, strategy, "openstack_deploy_s", NULL, now() - t0, "s");
	stack_memory(name, &rss, &pss);
	figure(b, strategy, "openstack_rss_mib", NULL, rss, "MiB");
	figure(b, strategy, "openstack_pss_mib", NULL, pss, "MiB");
	free(out);
	out = NULL;

	if (enos(b, &out, "services", "-n", name, "--json", NULL) != 0 ||
	    instance_addr(out, "keystone-1", keystone, sizeof(keystone)) < 0) {
		fprintf(stderr, "bench-openstack: %s: no keystone-1 in:\n%s", strategy, out);
		b->failed++;
		goto down;
	}
	boots(b, name, strategy, keystone, "rtt=20ms");
	enos(b, NULL, "fault", "-n", name, "set", "central", "edge", "delay=0ms", NULL);
	boots(b, name, strategy, keystone, "rtt=0ms");
	enos(b, NULL, "fault", "-n", name, "set", "central", "edge", "rtt=100ms", NULL);
	boots(b, name, strategy, keystone, "rtt=100ms");
down:
	t0 = now();
	if (enos(b, NULL, "down", "-n", name, NULL) != 0)
		b->failed++;
	figure(b, strategy, "openstack_down_s", NULL, now() - t0, "s");
out:
	free(out);
}

/* Why this host cannot run the stack, or NULL. */
static const char *missing(void)
{
	static const char *const progs[] = {
		"/usr/sbin/mariadbd", "/usr/lib/rabbitmq/bin/rabbitmq-server", "/usr/bin/keystone-manage",
		"/usr/bin/neutron-server", "/usr/bin/nova-api-wsgi", "/usr/bin/nova-compute",
	};
	size_t i;

	if (geteuid() != 0)
		return "needs root";
	for (i = 0; i < sizeof(progs) / sizeof(progs[0]); i++)
		if (access(progs[i], X_OK) < 0)
			return "OpenStack packages missing: make deps-openstack";
	return NULL;
}

int main(int argc, char **argv)
{
	static const char *const strategies[][2] = {
		{ "central", "osb-c" }, { "regional-cells", "osb-rc" }, { "regional", "osb-r" },
	};
	struct bench b = { .enos = "build/bin/enos", .db = NULL, .boots = 3 };
	const char *only = NULL, *why;
	char cwd[256], *err = NULL;
	size_t s;
	int i;

	b.db = getenv("ENOS_DB");
	if (!b.db || !*b.db)
		b.db = STATE_DEFAULT_PATH;
	for (i = 1; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--enos"))
			b.enos = argv[i + 1];
		else if (!strcmp(argv[i], "--db"))
			b.db = argv[i + 1];
		else if (!strcmp(argv[i], "--only"))
			only = argv[i + 1];
		else if (!strcmp(argv[i], "--boots"))
			b.boots = (int)strtol(argv[i + 1], NULL, 10);
		else
			break;
	}
	if (i != argc || b.boots < 1 || b.boots > MAX_BOOTS) {
		fprintf(stderr, "usage: bench-openstack [--enos PATH] [--db PATH] "
			"[--only central|regional-cells|regional] [--boots 1..%d]\n", MAX_BOOTS);
		return 2;
	}
	why = missing();
	if (why) {
		fprintf(stderr, "bench-openstack: %s\n", why);
		return 1;
	}
	if (!getcwd(cwd, sizeof(cwd)) || !tu_tmpdir(b.dir, sizeof(b.dir), "benchos") ||
	    state_open(b.db, &b.st, &err) < 0) {
		fprintf(stderr, "bench-openstack: cannot start: %s\n", err ? err : strerror(errno));
		return 1;
	}
	snprintf(b.script, sizeof(b.script), "%s/workloads/stacks/openstack/boot-delete.py", cwd);
	/* The worlds live in a scratch database; the figures go to DB. */
	snprintf(b.state_db, sizeof(b.state_db), "%s/state.db", b.dir);
	state_run_begin(b.st, "bench-openstack", "bench-openstack", 0, false, &b.run);
	printf("  %-16s %-20s %-10s %10s\n", "STRATEGY", "FIGURE", "RTT", "VALUE");
	for (s = 0; s < sizeof(strategies) / sizeof(strategies[0]); s++)
		if (!only || !strcmp(only, strategies[s][0]))
			bench_strategy(&b, strategies[s][0], strategies[s][1]);
	enos(&b, NULL, "down", "--all", NULL);
	state_run_end(b.st, b.run, b.failed ? "failed" : "ok");
	printf("\n%d step%s failed; stored as run %lld in %s\n", b.failed,
	       b.failed == 1 ? "" : "s", (long long)b.run, b.db);
	state_close(b.st);
	tu_rmtree(b.dir);
	return b.failed ? 1 : 0;
}
