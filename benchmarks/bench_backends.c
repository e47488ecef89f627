/* bench-backends — per node backend, the time `enos up` and `enos down`
 * take for 1, 10 and 100 nodes, and the host memory one node costs: the
 * RSS of the host-side processes that exist for it (for lxc, each domain's
 * libvirt_lxc controller and every process inside; netns nodes have none),
 * read from /proc while the world is up. Prints a table and stores every
 * figure in the results database (run kind "bench-backends").
 *
 * qemu nodes (1 and 10): `up` returns once every guest's agent answers
 * (world_ready), so "up" includes the boot; their "ready" time is from
 * the start of `up` until `enos exec NODE -- true` has answered on every
 * node (the guest agent runs once /init has set the network up),
 * and their RSS, read then, is the qemu-system process's, which holds the
 * guest memory the guest has touched; the configured guest memory (the
 * 256 MiB default) is stored beside it. --only BACKEND runs one backend,
 * --only fabric the fabric comparison alone.
 *
 * Then the fabrics (fabric_bench): the same two-site world of netns
 * nodes, shaping none, on Linux bridges and on Open vSwitch: the RTT
 * between the sites (p50 of 200 probes of the project's UDP echo probe,
 * through `enos tc --test`) and one TCP flow's throughput (iperf3, 5 s).
 */
#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "emulator/node.h"
#include "emulator/node_qemu.h"
#include "enos/state.h"
#include "tests/testutil.h"

struct backend_bench {
	const char *backend;
	const size_t *sizes;
	size_t n_sizes;
	/* The cmdline marker of the host processes one domain of experiment
	 * NAME owns ("--name enos.NAME."), NULL: none. */
	const char *marker;
	/* Nodes boot after up: wait for each to answer an exec. */
	bool boots;
};

static const size_t netns_sizes[] = { 1, 10, 100 };
static const size_t lxc_sizes[] = { 1, 10, 100 };
/* The qemu engineer's hook: sizes and the marker of its processes. */
static const size_t qemu_sizes[] = { 1, 10 };

static const struct backend_bench benches[] = {
	{ "netns", netns_sizes, 3, NULL, false },
	{ "lxc", lxc_sizes, 3, "--name enos.%s.", false },
	{ "qemu", qemu_sizes, 2, "-name guest=enos.%s.", true },
};

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static const char *write_topology(const char *dir, const char *backend,
				  size_t n, char *path, size_t len)
{
	char text[512], file[64];

	snprintf(text, sizeof(text),
		 "name: bb-%s-%zu\n"
		 "sites:\n"
		 "  - {name: c, role: central, backend: %s, nodes: %zu}\n"
		 "network: {shaping: none}\n",
		 backend, n, backend, n);
	snprintf(file, sizeof(file), "bb-%s-%zu.yaml", backend, n);
	return tu_write(dir, file, text, path, len);
}

/* A process's field from /proc/PID/FILE as text into BUF. */
static int proc_read(const char *pid, const char *file, char *buf, size_t len)
{
	char path[288];
	FILE *f;
	size_t r;

	snprintf(path, sizeof(path), "/proc/%s/%s", pid, file);
	f = fopen(path, "re");
	if (!f)
		return -1;
	r = fread(buf, 1, len - 1, f);
	fclose(f);
	buf[r] = '\0';
	return 0;
}

static long rss_kib(const char *pid)
{
	char buf[4096];
	const char *p;

	if (proc_read(pid, "status", buf, sizeof(buf)) < 0)
		return 0;
	p = strstr(buf, "VmRSS:");
	return p ? strtol(p + 6, NULL, 10) : 0;
}

static long ppid_of(const char *pid)
{
	char buf[1024];
	const char *p;

	if (proc_read(pid, "stat", buf, sizeof(buf)) < 0)
		return -1;
	p = strrchr(buf, ')');
	return p ? strtol(p + 4, NULL, 10) : -1;
}

/* Sum of RSS in KiB of the processes whose cmdline holds MARK and of
 * their children (one level: the init of a container, then its
 * children's are counted through their parent being counted). */
static long marked_rss(const char *mark)
{
	long roots[4096], total = 0;
	size_t n = 0, i;
	struct dirent *e;
	char buf[1024];
	DIR *d;
	int pass;

	for (pass = 0; pass < 4; pass++) {
		d = opendir("/proc");
		if (!d)
			return 0;
		while ((e = readdir(d))) {
			long pid = strtol(e->d_name, NULL, 10), pp;
			size_t k, r;
			int known = 0;

			if (pid <= 0)
				continue;
			for (k = 0; k < n; k++)
				known |= roots[k] == pid;
			if (known)
				continue;
			if (pass == 0) {
				if (proc_read(e->d_name, "cmdline", buf, sizeof(buf)) < 0)
					continue;
				for (r = 0; r + 1 < sizeof(buf) && (buf[r] || buf[r + 1]); r++)
					if (!buf[r])
						buf[r] = ' ';
				if (!strstr(buf, mark))
					continue;
			} else {
				pp = ppid_of(e->d_name);
				for (k = 0; k < n && roots[k] != pp; k++)
					;
				if (k == n)
					continue;
			}
			if (n < sizeof(roots) / sizeof(roots[0])) {
				roots[n++] = pid;
				total += rss_kib(e->d_name);
			}
		}
		closedir(d);
	}
	(void)i;
	return total;
}

static int run_enos(const char *enos, const char *db, double *secs,
		    const char *a, const char *b, const char *c)
{
	char *argv[] = { (char *)enos, (char *)"--db", (char *)db, (char *)a,
			 (char *)b, (char *)c, NULL };
	char *out = NULL;
	double t0 = now();
	int rc = tu_run(&out, argv);

	*secs = now() - t0;
	if (rc != 0)
		fprintf(stderr, "bench-backends: 'enos %s %s %s' failed (%d): %s\n",
			a, b, c ? c : "", rc, out ? out : "");
	free(out);
	return rc;
}

/* `enos exec -n NAME c-K -- true` for K = 1..N: every node answers. */
static int wait_ready(const char *enos, const char *db, const char *name,
		      size_t n)
{
	char node[32];
	char *argv[] = { (char *)enos, (char *)"--db", (char *)db,
			 (char *)"exec", (char *)"-n", (char *)name, node,
			 (char *)"--", (char *)"true", NULL };
	size_t k;
	int rc = 0;

	for (k = 1; k <= n && rc == 0; k++) {
		snprintf(node, sizeof(node), "c-%zu", k);
		rc = tu_run(NULL, argv);
		if (rc != 0)
			fprintf(stderr, "bench-backends: node '%s' of '%s' never answered (%d)\n",
				node, name, rc);
	}
	return rc;
}

static void store(struct state *st, int64_t run, const char *metric,
		  const char *backend, size_t n, double v, const char *unit)
{
	char nbuf[16];

	snprintf(nbuf, sizeof(nbuf), "%zu", n);
	if (st && run)
		state_result_add(st, run, metric, backend, nbuf, v, unit);
}

/* The fabrics compared, and the address plan's second site's node: two
 * sites of one node each get two /29 blocks, so b-1 is 198.18.0.10. */
static const char *const fabrics[] = { "bridge", "ovs" };
#define FABRIC_PEER     "198.18.0.10"
#define FABRIC_PROBES   "200"
#define FABRIC_TCP_SECS "5"

/* Run ENOS --db DB with ARGS (NULL-terminated); its output into *OUT. */
static int enos_argv(const char *enos, const char *db, char **out,
		     const char *const *args)
{
	char *argv[16];
	size_t n = 0;

	argv[n++] = (char *)enos;
	argv[n++] = (char *)"--db";
	argv[n++] = (char *)db;
	for (; *args && n < sizeof(argv) / sizeof(argv[0]) - 1; args++)
		argv[n++] = (char *)*args;
	argv[n] = NULL;
	return tu_run(out, argv);
}

/* The number after "KEY": in TEXT (from AFTER on, if found), or -1. */
static double json_number(const char *text, const char *after, const char *key)
{
	const char *p = after ? strstr(text, after) : text;

	p = p ? strstr(p, key) : NULL;
	return p ? strtod(p + strlen(key), NULL) : -1;
}

/* p50 RTT in ms from a to b of experiment NAME: 200 UDP echo probes,
 * 5 ms apart, as `enos tc -n NAME --test --json` runs them. */
static double fabric_rtt(const char *enos, const char *db, const char *name)
{
	const char *const args[] = { "tc", "-n", name, "--test", "--json",
		"--samples", FABRIC_PROBES, "--interval", "5",
		"--tolerance", "100,1000", NULL };
	char *out = NULL;
	double v = -1;

	if (enos_argv(enos, db, &out, args) == 0)
		v = json_number(out, "\"src\":\"a\"", "\"p50_ms\":");
	else
		fprintf(stderr, "bench-backends: tc --test of '%s' failed: %s\n",
			name, out ? out : "");
	free(out);
	return v;
}

/* One TCP flow a-1 -> b-1 of experiment NAME for FABRIC_TCP_SECS s, as
 *   enos exec -n NAME b-1 -- iperf3 -s -1 -D
 *   enos exec -n NAME a-1 -- iperf3 -c 198.18.0.10 -t 5 -J
 * The receiver's bit/s, or -1. */
static double fabric_tcp(const char *enos, const char *db, const char *name)
{
	const char *const server[] = { "exec", "-n", name, "b-1", "--",
		"iperf3", "-s", "-1", "-D", NULL };
	const char *const client[] = { "exec", "-n", name, "a-1", "--",
		"iperf3", "-c", FABRIC_PEER, "-t", FABRIC_TCP_SECS, "-J", NULL };
	char *out = NULL;
	double v = -1;

	if (enos_argv(enos, db, NULL, server) != 0)
		goto out;
	usleep(300000);
	if (enos_argv(enos, db, &out, client) == 0)
		v = json_number(out, "\"sum_received\"", "\"bits_per_second\":");
	else
		fprintf(stderr, "bench-backends: iperf3 in '%s' failed: %s\n",
			name, out ? out : "");
out:
	free(out);
	return v;
}

static const char *write_fabric_topology(const char *dir, const char *fabric,
					 char *path, size_t len)
{
	char text[512], file[64];

	snprintf(text, sizeof(text),
		 "name: bb-fab-%s\n"
		 "sites:\n"
		 "  - {name: a, role: central, nodes: 1}\n"
		 "  - {name: b, role: edge, parent: a, nodes: 1}\n"
		 "network: {fabric: %s, shaping: none}\n",
		 fabric, fabric);
	snprintf(file, sizeof(file), "bb-fab-%s.yaml", fabric);
	return tu_write(dir, file, text, path, len);
}

/* OVS against Linux bridges between two sites: RTT p50 and one TCP
 * flow, printed and stored as metrics "fabric_rtt_p50" (ms) and
 * "fabric_tcp" (Mbit/s) with the fabric as source. Returns 1 if a
 * measurement failed, else 0. */
static int fabric_bench(const char *enos, const char *db, const char *dir,
			struct state *st, int64_t run)
{
	char *vsctl[] = { "ovs-vsctl", "--version", NULL };
	int failed = 0;
	size_t i;

	printf("\n%-8s %18s %14s\n", "fabric", "RTT p50 (2 sites)",
	       "TCP (iperf3)");
	for (i = 0; i < sizeof(fabrics) / sizeof(fabrics[0]); i++) {
		char path[256], name[48];
		double rtt, bps, secs;

		if (strcmp(fabrics[i], "ovs") == 0 && tu_run(NULL, vsctl) != 0) {
			printf("%-8s skipped: Open vSwitch is not installed\n",
			       fabrics[i]);
			continue;
		}
		snprintf(name, sizeof(name), "bb-fab-%s", fabrics[i]);
		if (!write_fabric_topology(dir, fabrics[i], path, sizeof(path)) ||
		    run_enos(enos, db, &secs, "up", path, NULL) != 0) {
			run_enos(enos, db, &secs, "down", "-n", name);
			failed = 1;
			continue;
		}
		rtt = fabric_rtt(enos, db, name);
		bps = fabric_tcp(enos, db, name);
		if (run_enos(enos, db, &secs, "down", "-n", name) != 0 ||
		    rtt < 0 || bps < 0)
			failed = 1;
		printf("%-8s %15.3f ms %9.0f Mbit/s\n", fabrics[i], rtt,
		       bps / 1e6);
		if (st && run && rtt >= 0)
			state_result_add(st, run, "fabric_rtt_p50", fabrics[i],
					 NULL, rtt, "ms");
		if (st && run && bps >= 0)
			state_result_add(st, run, "fabric_tcp", fabrics[i],
					 NULL, bps / 1e6, "Mbit/s");
	}
	return failed;
}

int main(int argc, char **argv)
{
	const char *db = getenv("ENOS_DB"), *enos = "build/bin/enos", *only = NULL;
	struct state *st = NULL;
	char dir[128], *err = NULL;
	int64_t run = 0;
	size_t b, i;
	int a, failed = 0;

	if (!db || !*db)
		db = STATE_DEFAULT_PATH;
	for (a = 1; a + 1 < argc; a += 2) {
		if (strcmp(argv[a], "--db") == 0)
			db = argv[a + 1];
		else if (strcmp(argv[a], "--enos") == 0)
			enos = argv[a + 1];
		else if (strcmp(argv[a], "--only") == 0)
			only = argv[a + 1];
		else
			break;
	}
	if (a != argc) {
		fprintf(stderr, "usage: bench-backends [--db PATH] [--enos PATH] [--only BACKEND|fabric]\n");
		return 2;
	}
	if (geteuid() != 0) {
		fprintf(stderr, "bench-backends: needs root\n");
		return 1;
	}
	if (!tu_tmpdir(dir, sizeof(dir), "bb") || state_open(db, &st, &err) < 0) {
		fprintf(stderr, "bench-backends: cannot start: %s\n", err ? err : "mkdtemp");
		free(err);
		return 1;
	}
	state_run_begin(st, "bench-backends", "bench-backends", 0, false, &run);
	printf("%-8s %6s %9s %9s %9s %14s\n", "backend", "nodes", "up", "ready",
	       "down", "host RSS/node");
	for (b = 0; b < sizeof(benches) / sizeof(benches[0]); b++) {
		const struct backend_bench *bb = &benches[b];

		if (only && strcmp(only, bb->backend) != 0)
			continue;
		if (!node_ops_find(bb->backend)) {
			printf("%-8s skipped: enos has no '%s' backend yet\n",
			       bb->backend, bb->backend);
			continue;
		}
		for (i = 0; i < bb->n_sizes; i++) {
			size_t n = bb->sizes[i];
			char path[256], name[48], mark[96];
			double up = 0, down = 0, per = 0, t0 = now(), ready;

			snprintf(name, sizeof(name), "bb-%s-%zu", bb->backend, n);
			if (!write_topology(dir, bb->backend, n, path, sizeof(path)) ||
			    run_enos(enos, db, &up, "up", path, NULL) != 0) {
				run_enos(enos, db, &down, "down", "-n", name);
				failed = 1;
				continue;
			}
			if (bb->boots && wait_ready(enos, db, name, n) != 0)
				failed = 1;
			ready = now() - t0;
			if (bb->marker) {
				snprintf(mark, sizeof(mark), bb->marker, name);
				per = (double)marked_rss(mark) / (double)n / 1024.0;
			}
			if (run_enos(enos, db, &down, "down", "-n", name) != 0)
				failed = 1;
			printf("%-8s %6zu %8.2fs %8.2fs %8.2fs %11.1f MiB\n",
			       bb->backend, n, up, ready, down, per);
			store(st, run, "up_seconds", bb->backend, n, up, "s");
			store(st, run, "down_seconds", bb->backend, n, down, "s");
			store(st, run, "host_rss_per_node", bb->backend, n, per, "MiB");
			if (bb->boots) {
				store(st, run, "ready_seconds", bb->backend, n, ready, "s");
				/* The topology leaves memory to the default. */
				store(st, run, "guest_memory_per_node", bb->backend, n,
				      (double)(NODE_QEMU_MEMORY >> 20), "MiB");
			}
		}
	}
	if ((!only || strcmp(only, "fabric") == 0) &&
	    fabric_bench(enos, db, dir, st, run))
		failed = 1;
	state_run_end(st, run, failed ? "failed" : "ok");
	printf("\nstored as run %lld in %s\n", (long long)run, db);
	state_close(st);
	tu_rmtree(dir);
	return failed;
}
