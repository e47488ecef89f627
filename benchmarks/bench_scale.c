/* bench-scale — how fast enos brings namespace worlds up and down, against
 * the baseline of the same number of namespaces + veths made by iproute2's
 * `ip -batch`, and against Mininet (`mn --topo single,N --switch lxbr`).
 *
 * Usage: bench-scale [--db PATH] [--sizes 100,1000,3000] [--mininet 100,300]
 *                    [--enos PATH]
 * Prints a table and stores every figure in the results database as run
 * kind "bench-scale" (metric up_s/down_s/total_s, src = tool, dst = N).
 * Needs root. Never runs `mn -c` (it kills processes by name).
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "enos/state.h"
#include "tests/testutil.h"

#define MAX_SIZES 8

struct sizes {
	size_t v[MAX_SIZES];
	size_t n;
};

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int parse_sizes(const char *s, struct sizes *out)
{
	char *end;

	out->n = 0;
	while (*s && out->n < MAX_SIZES) {
		long v = strtol(s, &end, 10);

		if (end == s || v <= 0 || v > 100000)
			return -EINVAL;
		out->v[out->n++] = (size_t)v;
		s = *end == ',' ? end + 1 : end;
		if (*end && *end != ',')
			return -EINVAL;
	}
	return 0;
}

/* Sites for N nodes: 10, 50 or 100 as the issue asks (N/10 up to 100). */
static size_t sites_for(size_t n)
{
	return n <= 100 ? 10 : n <= 1000 ? 50 : 100;
}

static const char *write_topology(const char *dir, size_t n, char *path,
				  size_t len)
{
	size_t sites = sites_for(n);
	char text[512];

	snprintf(text, sizeof(text),
		 "name: bench-%zu\n"
		 "sites:\n"
		 "  - {name: c, role: central, nodes: %zu}\n"
		 "  - {name: e, role: edge, parent: c, count: %zu, nodes: %zu}\n"
		 "network: {shaping: none}\n",
		 n, n / sites, sites - 1, n / sites);
	snprintf(path, len, "%s/bench-%zu.yaml", dir, n);
	return tu_write(dir, strrchr(path, '/') + 1, text, path, len);
}

static int run_timed(double *secs, char *const argv[])
{
	char *out = NULL;
	double t0 = now();
	int rc = tu_run(&out, argv);

	*secs = now() - t0;
	if (rc != 0)
		fprintf(stderr, "bench-scale: '%s %s' failed (%d): %s\n", argv[0],
			argv[1] ? argv[1] : "", rc, out ? out : "");
	free(out);
	return rc;
}

static int bench_enos(const char *enos, const char *db, const char *dir,
		      size_t n, double *up, double *down)
{
	char path[256], name[32];
	char *up_argv[] = { (char *)enos, (char *)"--db", (char *)db,
			    (char *)"up", path, NULL };
	char *down_argv[] = { (char *)enos, (char *)"--db", (char *)db,
			      (char *)"down", (char *)"-n", name, NULL };

	snprintf(name, sizeof(name), "bench-%zu", n);
	if (!write_topology(dir, n, path, sizeof(path)))
		return -EIO;
	if (run_timed(up, up_argv) != 0) {
		run_timed(down, down_argv);
		return -EIO;
	}
	return run_timed(down, down_argv) == 0 ? 0 : -EIO;
}

/* Host links whose name starts with PREFIX. */
static size_t count_links(const char *prefix)
{
	struct dirent *e;
	DIR *d = opendir("/sys/class/net");
	size_t n = 0;

	if (!d)
		return 0;
	while ((e = readdir(d)))
		n += strncmp(e->d_name, prefix, strlen(prefix)) == 0;
	closedir(d);
	return n;
}

/* The same world without addresses, routes or gateways: N namespaces, each
 * with a veth whose host end is on one of as many bridges as enos makes
 * sites (a bridge holds at most 1024 ports), made by `ip -batch` (one file
 * of namespaces, one of links). Its down deletes the namespaces, waits, as
 * enos does, until the kernel has removed the host veth ends, then deletes
 * the bridges. */
static int bench_ip_batch(const char *dir, size_t n, double *up, double *down)
{
	char ns_path[256], link_path[256], del_path[256], br_path[256];
	char *ns_argv[] = { (char *)"ip", (char *)"-batch", ns_path, NULL };
	char *link_argv[] = { (char *)"ip", (char *)"-batch", link_path, NULL };
	char *del_argv[] = { (char *)"ip", (char *)"-batch", del_path, NULL };
	char *br_argv[] = { (char *)"ip", (char *)"-batch", br_path, NULL };
	size_t sites = sites_for(n), i;
	double a = 0, b = 0, c = 0, d = 0, t0;
	FILE *ns, *ln, *del, *br;
	int rc;

	snprintf(ns_path, sizeof(ns_path), "%s/ns.batch", dir);
	snprintf(link_path, sizeof(link_path), "%s/link.batch", dir);
	snprintf(del_path, sizeof(del_path), "%s/del.batch", dir);
	snprintf(br_path, sizeof(br_path), "%s/br.batch", dir);
	ns = fopen(ns_path, "w");
	ln = fopen(link_path, "w");
	del = fopen(del_path, "w");
	br = fopen(br_path, "w");
	if (!ns || !ln || !del || !br) {
		if (ns)
			fclose(ns);
		if (ln)
			fclose(ln);
		if (del)
			fclose(del);
		if (br)
			fclose(br);
		return -EIO;
	}
	for (i = 0; i < sites; i++) {
		fprintf(ln, "link add zbbr%zu type bridge\nlink set zbbr%zu up\n", i, i);
		fprintf(br, "link del zbbr%zu\n", i);
	}
	for (i = 0; i < n; i++) {
		fprintf(ns, "netns add zbench.%zu\n", i);
		fprintf(ln, "link add zbv%zu type veth peer name eth0 netns zbench.%zu\n", i, i);
		fprintf(ln, "link set zbv%zu master zbbr%zu up\n", i, i % sites);
		fprintf(del, "netns del zbench.%zu\n", i);
	}
	fclose(ns);
	fclose(ln);
	fclose(del);
	fclose(br);
	rc = run_timed(&a, ns_argv);
	if (rc == 0)
		rc = run_timed(&b, link_argv);
	*up = a + b;
	t0 = now();
	run_timed(&c, del_argv);
	for (i = 0; i < 3000 && count_links("zbv") > 0; i++)
		usleep(10000);
	run_timed(&d, br_argv);
	*down = now() - t0;
	return rc == 0 ? 0 : -EIO;
}

static int bench_mininet(size_t n, double *total)
{
	char topo[32];
	char *argv[] = { (char *)"mn", (char *)"--topo", topo, (char *)"--switch",
			 (char *)"lxbr", (char *)"--controller", (char *)"none",
			 (char *)"--test", (char *)"none", NULL };

	snprintf(topo, sizeof(topo), "single,%zu", n);
	return run_timed(total, argv) == 0 ? 0 : -EIO;
}

static void store(struct state *st, int64_t run, const char *metric,
		  const char *tool, size_t n, double v)
{
	char nbuf[16];

	snprintf(nbuf, sizeof(nbuf), "%zu", n);
	if (st && run)
		state_result_add(st, run, metric, tool, nbuf, v,
				 strstr(metric, "ratio") ? "x" : "s");
}

int main(int argc, char **argv)
{
	struct sizes sizes, mn_sizes;
	const char *db = getenv("ENOS_DB"), *enos = "build/bin/enos";
	struct state *st = NULL;
	char dir[128], *err = NULL;
	int64_t run = 0;
	size_t i;
	int i_arg, failed = 0;

	parse_sizes("100,1000,3000", &sizes);
	parse_sizes("100,300", &mn_sizes);
	if (!db || !*db)
		db = STATE_DEFAULT_PATH;
	for (i_arg = 1; i_arg + 1 < argc; i_arg += 2) {
		if (strcmp(argv[i_arg], "--db") == 0)
			db = argv[i_arg + 1];
		else if (strcmp(argv[i_arg], "--enos") == 0)
			enos = argv[i_arg + 1];
		else if (strcmp(argv[i_arg], "--sizes") == 0 &&
			 parse_sizes(argv[i_arg + 1], &sizes) == 0)
			;
		else if (strcmp(argv[i_arg], "--mininet") == 0 &&
			 parse_sizes(argv[i_arg + 1], &mn_sizes) == 0)
			;
		else
			break;
	}
	if (i_arg != argc) {
		fprintf(stderr, "usage: bench-scale [--db PATH] [--enos PATH] [--sizes N,..] [--mininet N,..]\n");
		return 2;
	}
	if (geteuid() != 0) {
		fprintf(stderr, "bench-scale: needs root\n");
		return 1;
	}
	if (!tu_tmpdir(dir, sizeof(dir), "bench")) {
		perror("bench-scale: mkdtemp");
		return 1;
	}
	if (state_open(db, &st, &err) < 0) {
		fprintf(stderr, "bench-scale: cannot open '%s': %s\n", db, err);
		free(err);
		return 1;
	}
	state_run_begin(st, "bench-scale", "bench-scale", 0, false, &run);
	printf("%-7s %-6s %9s %9s %10s %10s %9s %9s\n", "nodes", "sites",
	       "enos up", "enos down", "ip-batch up", "ip-b down",
	       "up ratio", "down ratio");
	for (i = 0; i < sizes.n; i++) {
		size_t n = sizes.v[i];
		double eu = 0, ed = 0, bu = 0, bd = 0;

		if (bench_enos(enos, db, dir, n, &eu, &ed) < 0 ||
		    bench_ip_batch(dir, n, &bu, &bd) < 0) {
			failed = 1;
			continue;
		}
		store(st, run, "up_s", "enos", n, eu);
		store(st, run, "down_s", "enos", n, ed);
		store(st, run, "up_s", "ip-batch", n, bu);
		store(st, run, "down_s", "ip-batch", n, bd);
		store(st, run, "up_ratio", "enos/ip-batch", n, eu / bu);
		store(st, run, "down_ratio", "enos/ip-batch", n, ed / bd);
		printf("%-7zu %-6zu %8.2fs %8.2fs %9.2fs %9.2fs %8.2fx %8.2fx\n",
		       n, sites_for(n), eu, ed, bu, bd, eu / bu, ed / bd);
		fflush(stdout);
	}
	if (access("/usr/bin/mn", X_OK) != 0) {
		printf("mininet: not installed (apt-get install mininet), skipped\n");
		mn_sizes.n = 0;
	} else {
		printf("\n%-7s %12s %12s %12s\n", "nodes", "mininet up+down",
		       "enos up+down", "enos/mininet");
	}
	for (i = 0; i < mn_sizes.n; i++) {
		size_t n = mn_sizes.v[i];
		double mt = 0, eu = 0, ed = 0;

		if (bench_mininet(n, &mt) < 0 ||
		    bench_enos(enos, db, dir, n, &eu, &ed) < 0) {
			failed = 1;
			continue;
		}
		store(st, run, "total_s", "mininet", n, mt);
		store(st, run, "total_s", "enos", n, eu + ed);
		store(st, run, "total_ratio", "enos/mininet", n, (eu + ed) / mt);
		printf("%-7zu %14.2fs %11.2fs %11.2fx\n", n, mt, eu + ed,
		       (eu + ed) / mt);
		fflush(stdout);
	}
	state_run_end(st, run, failed ? "failed" : "ok");
	printf("\nstored as run %lld in %s\n", (long long)run, db);
	state_close(st);
	tu_rmtree(dir);
	return failed;
}
