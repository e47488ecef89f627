/* bench-openstack — Rally's boot-and-delete against the OpenStack stack
 * (workloads/stacks/openstack.yaml) as the central-edge RTT grows: the
 * curve of the published OpenStack-over-WAN study (Grid'5000, EnOS and
 * Rally: 15.1 s on a LAN, 17.9, 20.3, 23.8 and 30.9 s at 20, 50, 100 and
 * 200 ms), measured with enos itself.
 *
 * A user of `enos bench`, not a second implementation: it deploys the
 * `central` strategy once on the 6-site world of
 * topologies/openstack-6site.yaml (1 central site of 2 nodes, 1 regional,
 * 4 edges with one fake compute each; 20 ms between any two sites), then
 * for each central-edge RTT (changed live with `enos fault set central
 * edge rtt=X`) runs `enos bench --workload boot-delete --times N` REPS
 * times and reads every iteration back from the run's workload_ops
 * (state_wlops). It prints the curve beside the published figures and
 * stores (run kind "bench-openstack", src "central", dst "rtt=Xms"):
 *   openstack_deploy_s        `enos up` until every service is ready
 *   openstack_pss_mib         PSS summed over every process in the nodes
 *   rally_boot_delete_s       each iteration (Rally's duration)
 *   rally_boot_server_s       its nova.boot_server atomic action
 *   rally_delete_server_s     its nova.delete_server atomic action
 *   rally_boot_delete_p50_s   the median of all iterations at that RTT
 *   openstack_down_s          `enos down` with every service running
 * Usage: bench-openstack [--enos PATH] [--db PATH] [--reps N] [--times N]
 *                        [--rtts MS,MS,...]
 * (needs root, the OpenStack packages and Rally: make deps-openstack)
 */
#include <dirent.h>
#include <errno.h>
#include <math.h>
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

#define NAME      "osb-c"
#define MAX_RTTS  8
#define MAX_ITERS 4096
#define MAX_INOS  16

/* The published figures (s, boot-and-delete, central control plane). */
static const struct {
	int rtt_ms;
	double s;
} g5k[] = { { 0, 15.1 }, { 20, 17.9 }, { 50, 20.3 }, { 100, 23.8 }, { 200, 30.9 } };

struct bench {
	const char *enos;
	const char *db;         /* the results database */
	char dir[128];          /* scratch: the topology, its own state db */
	char state_db[256];
	struct state *st;       /* the results database */
	int64_t run;
	int reps;
	int times;
	int rtts[MAX_RTTS];
	size_t n_rtts;
	int failed;             /* steps that did not work */
};

/* Figures at one RTT. */
struct point {
	double iter[MAX_ITERS], boot[MAX_ITERS], del[MAX_ITERS];
	size_t n, nb, nd;
	unsigned failed;        /* iterations with an error */
	double wall;            /* the bench commands' wall time, s */
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

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double median(double *v, size_t n)
{
	if (!n)
		return NAN;
	qsort(v, n, sizeof(v[0]), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
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

/* PSS (MiB) summed over every process in experiment NAME's nodes. */
static double stack_pss(const char *name)
{
	unsigned long long inos[MAX_INOS], ino;
	size_t n = netns_inos(name, inos, MAX_INOS), i;
	char path[64], line[128];
	double pss = 0, v;
	struct dirent *de;
	DIR *d = opendir("/proc");
	FILE *f;

	while (d && (de = readdir(d))) {
		char *end;
		long pid = strtol(de->d_name, &end, 10);

		if (*end || pid <= 1)
			continue;
		ino = proc_netns_ino((pid_t)pid);
		for (i = 0; ino && i < n && inos[i] != ino; i++)
			;
		if (!ino || i == n)
			continue;
		snprintf(path, sizeof(path), "/proc/%ld/smaps_rollup", pid);
		if (!(f = fopen(path, "r")))
			continue;
		while (fgets(line, sizeof(line), f))
			if (sscanf(line, "Pss: %lf kB", &v) == 1)
				pss += v;
		fclose(f);
	}
	if (d)
		closedir(d);
	return pss / 1024;
}

/* Store one figure. */
static void figure(struct bench *b, const char *metric, const char *dst, double value,
		   const char *unit)
{
	state_result_add(b->st, b->run, metric, "central", dst, value, unit);
}

/* Read the boot-delete iterations of NAME's newest run from the scratch
 * database into P, storing each. 0 or -1. */
static int read_back(struct bench *b, const char *dst, struct point *p)
{
	struct wlop_row *rows = NULL;
	struct state *st = NULL;
	char *err = NULL;
	int64_t run = 0;
	size_t n = 0, i;
	int rc = -1;

	if (state_open(b->state_db, &st, &err) < 0 || state_run_latest(st, NAME, NULL, &run) < 0 ||
	    state_wlops(st, run, "boot-delete", &rows, &n) < 0) {
		fprintf(stderr, "bench-openstack: cannot read the run back: %s\n", err ? err : "no run");
		goto out;
	}
	for (i = 0; i < n; i++) {
		const struct wlop_row *r = &rows[i];
		double s = r->duration_ms / 1000;

		if (!r->atomic && !r->ok) {
			p->failed++;
		} else if (!r->atomic && p->n < MAX_ITERS) {
			p->iter[p->n++] = s;
			figure(b, "rally_boot_delete_s", dst, s, "s");
		} else if (r->ok && !strcmp(r->op, "nova.boot_server") && p->nb < MAX_ITERS) {
			p->boot[p->nb++] = s;
			figure(b, "rally_boot_server_s", dst, s, "s");
		} else if (r->ok && !strcmp(r->op, "nova.delete_server") && p->nd < MAX_ITERS) {
			p->del[p->nd++] = s;
			figure(b, "rally_delete_server_s", dst, s, "s");
		}
	}
	rc = 0;
out:
	state_wlops_free(rows, n);
	if (st)
		state_close(st);
	free(err);
	return rc;
}

/* Set the central-edge RTT to RTT_MS, then REPS x `enos bench`. */
static void measure(struct bench *b, int rtt_ms, struct point *p)
{
	char set[32], dst[32], times[16], *out = NULL;
	int rep;
	double t0;

	snprintf(dst, sizeof(dst), "rtt=%dms", rtt_ms);
	/* rtt=0 is written as a zero delay each way. */
	snprintf(set, sizeof(set), rtt_ms ? "rtt=%dms" : "delay=%dms", rtt_ms);
	if (enos(b, &out, "fault", "-n", NAME, "set", "central", "edge", set, NULL) != 0) {
		fprintf(stderr, "bench-openstack: cannot set %s:\n%s", set, out ? out : "");
		b->failed++;
	}
	free(out);
	snprintf(times, sizeof(times), "%d", b->times);
	for (rep = 0; rep < b->reps; rep++) {
		out = NULL;
		t0 = now();
		if (enos(b, &out, "bench", "-n", NAME, "--workload", "boot-delete", "--times", times,
			 NULL) != 0) {
			fprintf(stderr, "bench-openstack: boot-delete at %s failed:\n%s", dst,
				out ? out : "");
			b->failed++;
		}
		p->wall += now() - t0;
		free(out);
		if (read_back(b, dst, p) < 0)
			b->failed++;
		fprintf(stderr, "bench-openstack: %s: repetition %d/%d, %zu iterations so far, %.0f s\n",
			dst, rep + 1, b->reps, p->n, now() - t0);
	}
}

/* The published figure at RTT_MS, or NAN. */
static double published(int rtt_ms)
{
	size_t i;

	for (i = 0; i < sizeof(g5k) / sizeof(g5k[0]); i++)
		if (g5k[i].rtt_ms == rtt_ms)
			return g5k[i].s;
	return NAN;
}

static void print_curve(struct bench *b, struct point *pts)
{
	double base = NAN, m, lo, hi;
	char dst[32];
	size_t i;

	printf("\nRally NovaServers.boot_and_delete_server, central strategy, %d x %d iterations per RTT\n",
	       b->reps, b->times);
	printf("  %-9s %9s %15s %11s %11s %8s %12s %12s %12s\n", "RTT", "ours p50", "(min-max)",
	       "boot p50", "delete p50", "failed", "ours rise", "Grid'5000", "their rise");
	for (i = 0; i < b->n_rtts; i++) {
		struct point *p = &pts[i];

		m = median(p->iter, p->n);
		lo = p->n ? p->iter[0] : NAN;
		hi = p->n ? p->iter[p->n - 1] : NAN;
		if (i == 0)
			base = m;
		snprintf(dst, sizeof(dst), "rtt=%dms", b->rtts[i]);
		if (p->n)
			figure(b, "rally_boot_delete_p50_s", dst, m, "s");
		printf("  %-9s %8.2fs %6.2f-%6.2fs %10.2fs %10.2fs %8u %+11.2fs %11.1fs %+11.1fs\n", dst,
		       m, lo, hi, median(p->boot, p->nb), median(p->del, p->nd), p->failed, m - base,
		       published(b->rtts[i]), published(b->rtts[i]) - published(b->rtts[0]));
	}
}

/* Parse "0,20,50" into B->rtts. 0 or -1. */
static int parse_rtts(struct bench *b, const char *text)
{
	char *end;
	long v;

	b->n_rtts = 0;
	while (*text && b->n_rtts < MAX_RTTS) {
		v = strtol(text, &end, 10);
		if (end == text || v < 0 || v > 1000 || (*end && *end != ','))
			return -1;
		b->rtts[b->n_rtts++] = (int)v;
		text = *end ? end + 1 : end;
	}
	return b->n_rtts && !*text ? 0 : -1;
}

/* Why this host cannot run the benchmark, or NULL. */
static const char *missing(struct bench *b)
{
	static const char *const progs[] = {
		"/usr/sbin/mariadbd", "/usr/lib/rabbitmq/bin/rabbitmq-server", "/usr/bin/keystone-manage",
		"/usr/bin/neutron-server", "/usr/bin/nova-api-wsgi", "/usr/bin/nova-compute",
		"/usr/bin/rally",
	};
	char *out = NULL;
	const char *why = NULL;
	size_t i;

	snprintf(b->state_db, sizeof(b->state_db), "/nonexistent/enos.db");
	if (geteuid() != 0)
		return "needs root";
	for (i = 0; i < sizeof(progs) / sizeof(progs[0]); i++)
		if (access(progs[i], X_OK) < 0)
			return "OpenStack packages or Rally missing: make deps-openstack";
	if (enos(b, &out, "bench", "--help", NULL) != 0 &&
	    (!out || strstr(out, "is not an enos command")))
		why = "this enos has no 'bench' command (enos bench not built in this branch)";
	free(out);
	return why;
}

int main(int argc, char **argv)
{
	struct bench b = { .enos = "build/bin/enos", .reps = 3, .times = 10 };
	char text[1024], path[256], *out = NULL, *err = NULL;
	struct point *pts = NULL;
	const char *why;
	double t0;
	size_t i;
	int a;

	b.db = getenv("ENOS_DB");
	if (!b.db || !*b.db)
		b.db = STATE_DEFAULT_PATH;
	parse_rtts(&b, "0,20,50,100,200");
	for (a = 1; a + 1 < argc; a += 2) {
		if (!strcmp(argv[a], "--enos"))
			b.enos = argv[a + 1];
		else if (!strcmp(argv[a], "--db"))
			b.db = argv[a + 1];
		else if (!strcmp(argv[a], "--reps"))
			b.reps = (int)strtol(argv[a + 1], NULL, 10);
		else if (!strcmp(argv[a], "--times"))
			b.times = (int)strtol(argv[a + 1], NULL, 10);
		else if (!strcmp(argv[a], "--rtts") && parse_rtts(&b, argv[a + 1]) == 0)
			continue;
		else
			break;
	}
	if (a != argc || b.reps < 1 || b.reps > 20 || b.times < 1 || b.times > 200) {
		fprintf(stderr, "usage: bench-openstack [--enos PATH] [--db PATH] [--reps 1..20] "
			"[--times 1..200] [--rtts MS,MS,... (default 0,20,50,100,200)]\n");
		return 2;
	}
	why = missing(&b);
	if (why) {
		fprintf(stderr, "bench-openstack: %s\n", why);
		return 1;
	}
	pts = calloc(b.n_rtts, sizeof(*pts));
	if (!pts || !tu_tmpdir(b.dir, sizeof(b.dir), "benchos") ||
	    state_open(b.db, &b.st, &err) < 0) {
		fprintf(stderr, "bench-openstack: cannot start: %s\n", err ? err : strerror(errno));
		return 1;
	}
	/* The world lives in a scratch database; the figures go to DB. */
	snprintf(b.state_db, sizeof(b.state_db), "%s/state.db", b.dir);
	state_run_begin(b.st, "bench-openstack", "bench-openstack", 0, false, &b.run);
	snprintf(text, sizeof(text),
		 "name: " NAME "\n"
		 "sites:\n"
		 "  - {name: central, role: central, nodes: 2}\n"
		 "  - {name: regional, role: regional, parent: central, nodes: 1}\n"
		 "  - {name: edge, role: edge, parent: regional, nodes: 1, count: 4}\n"
		 "network:\n"
		 "  default: {rtt: 20ms, rate: 1gbit}\n"
		 "stack: {name: openstack, strategy: central}\n");
	tu_write(b.dir, NAME ".yaml", text, path, sizeof(path));
	t0 = now();
	if (enos(&b, &out, "up", path, NULL) != 0) {
		fprintf(stderr, "bench-openstack: enos up failed:\n%s", out ? out : "");
		b.failed++;
		goto down;
	}
	figure(&b, "openstack_deploy_s", NULL, now() - t0, "s");
	figure(&b, "openstack_pss_mib", NULL, stack_pss(NAME), "MiB");
	fprintf(stderr, "bench-openstack: deployed in %.1f s\n", now() - t0);
	for (i = 0; i < b.n_rtts; i++)
		measure(&b, b.rtts[i], &pts[i]);
	print_curve(&b, pts);
down:
	free(out);
	t0 = now();
	if (enos(&b, NULL, "down", "-n", NAME, NULL) != 0)
		b.failed++;
	figure(&b, "openstack_down_s", NULL, now() - t0, "s");
	enos(&b, NULL, "down", "--all", NULL);
	state_run_end(b.st, b.run, b.failed ? "failed" : "ok");
	printf("\n%d step%s failed; stored as run %lld in %s\n", b.failed,
	       b.failed == 1 ? "" : "s", (long long)b.run, b.db);
	state_close(b.st);
	tu_rmtree(b.dir);
	free(pts);
	return b.failed ? 1 : 0;
}
