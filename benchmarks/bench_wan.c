/* bench-wan — is the emulated WAN what the topology says, and how fast is
 * enos at it? Drives the enos binary as a user would and prints and stores
 * (run kind "bench-wan") every figure against the targets:
 *   accuracy  world17 (17 sites, measured matrix): every pair's p50 within
 *             max(2 %, 0.5 ms) of the target, p99 <= p50 + 1 ms when idle
 *   loss      5 % one way over 10,000 probes measures 4-6 %; Gilbert-
 *             Elliott bursts match their mean length within 20 %
 *   partition no probe crosses it; after heal the first answer comes
 *             within one RTT + 10 ms
 *   rate      100 mbit and 10 mbit pairs measure 97-103 % with one TCP flow
 *   engine    one TCP flow across a 0 ms pair (>= 5 Gbit/s) and a 50 ms RTT
 *             pair (>= 1 Gbit/s), with the engine's CPU per Gbit/s
 *   traffic   what counting the traffic costs: one TCP flow across a 0 ms
 *             pair, the engine counting and not (`traffic on|off`) in
 *             alternating windows: counting loses at most 5 % throughput
 *   scale     100 sites (9,900 pairs) applied in < 2 s, 317 sites
 *             (100,172 pairs) in < 0.5 s, the engine's memory per pair;
 *             tc --test of 17 sites in < 30 s
 * Usage: bench-wan [--enos PATH] [--db PATH] [--only NAME]  (needs root)
 */
#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/wait.h>

#include "emulator/wand.h"
#include "enos/state.h"
#include "tests/testutil.h"
#include "workloads/probe.h"

struct bench {
	const char *enos;
	const char *db;         /* the results database */
	char dir[128];          /* scratch: topologies, its own state db */
	char state_db[256];
	struct state *st;
	int64_t run;
	int failed;             /* targets missed */
};

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Print and store one figure, with its target verdict. */
static void figure(struct bench *b, const char *metric, const char *what,
		   double value, const char *unit, int ok)
{
	printf("  %-34s %12.3f %-7s %s\n", what, value, unit,
	       ok < 0 ? "" : ok ? "ok" : "MISSED");
	if (ok == 0)
		b->failed++;
	state_result_add(b->st, b->run, metric, NULL, NULL, value, unit);
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

static const char *topology(struct bench *b, const char *name,
			    const char *text, char *path, size_t len)
{
	char file[64];

	snprintf(file, sizeof(file), "%s.yaml", name);
	return tu_write(b->dir, file, text, path, len);
}

/* The value after "KEY": in the JSON object starting at P, NaN for null. */
static double json_num(const char *p, const char *key)
{
	char pat[64];
	const char *v;

	snprintf(pat, sizeof(pat), "\"%s\":", key);
	v = strstr(p, pat);
	if (!v || strncmp(v + strlen(pat), "null", 4) == 0)
		return NAN;
	return strtod(v + strlen(pat), NULL);
}

struct pair_stats {
	size_t pairs, within, tail_over_1ms;
	double max_err_ms, worst_tail_ms, loss_pct;
	char worst_tail_pair[96];
};

/* Scan tc --test --json output. */
static void scan_pairs(const char *json, double pct, double ms,
		       struct pair_stats *s)
{
	const char *p = json;

	memset(s, 0, sizeof(*s));
	while ((p = strstr(p, "{\"src\":"))) {
		double t = json_num(p, "target_rtt_ms"), p50 = json_num(p, "p50_ms");
		double p99 = json_num(p, "p99_ms"), err = fabs(p50 - t);

		s->pairs++;
		if (err <= fmax(pct / 100 * t, ms))
			s->within++;
		if (err > s->max_err_ms || isnan(err))
			s->max_err_ms = err;
		if (p99 - p50 > 1.0)
			s->tail_over_1ms++;
		if (p99 - p50 > s->worst_tail_ms) {
			s->worst_tail_ms = p99 - p50;
			snprintf(s->worst_tail_pair, sizeof(s->worst_tail_pair),
				 "%.40s", p + 8);
		}
		s->loss_pct += json_num(p, "loss_pct");
		p++;
	}
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* The platform's own timer wake-up latency, as cyclictest measures it
 * (`cyclictest -m -p 20 -i 1000 -l 5000`): a SCHED_FIFO thread sleeping to
 * absolute 1 ms deadlines, late by how much. No WAN engine or kernel qdisc
 * releases a packet more punctually than this, so it bounds the tail that
 * can be promised on this host. Printed and stored; no target. */
static void platform_wakeup(struct bench *b)
{
	enum { N = 5000 };
	struct sched_param sp = { .sched_priority = 20 };
	struct sched_param old = { 0 };
	int policy = sched_getscheduler(0);
	struct timespec ts, t;
	double *lat = calloc(N, sizeof(*lat));
	size_t i, over = 0;

	if (!lat)
		return;
	sched_getparam(0, &old);
	sched_setscheduler(0, SCHED_FIFO, &sp);
	clock_gettime(CLOCK_MONOTONIC, &ts);
	for (i = 0; i < N; i++) {
		ts.tv_nsec += 1000000;
		if (ts.tv_nsec >= 1000000000) {
			ts.tv_nsec -= 1000000000;
			ts.tv_sec++;
		}
		clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
		clock_gettime(CLOCK_MONOTONIC, &t);
		lat[i] = (double)(t.tv_sec - ts.tv_sec) * 1e3 +
			 (double)(t.tv_nsec - ts.tv_nsec) / 1e6;
		over += lat[i] > 1.0;
	}
	sched_setscheduler(0, policy, &old);
	qsort(lat, N, sizeof(*lat), cmp_double);
	figure(b, "platform.wakeup_p99", "host RT wake-up latency p99", lat[N * 99 / 100], "ms", -1);
	figure(b, "platform.wakeup_p999", "host RT wake-up latency p99.9", lat[N * 999 / 1000], "ms", -1);
	figure(b, "platform.wakeup_max", "host RT wake-up latency max", lat[N - 1], "ms", -1);
	figure(b, "platform.wakeup_over_1ms", "wake-ups over 1 ms late", 100.0 * (double)over / N, "%", -1);
	free(lat);
}

static int bench_accuracy(struct bench *b)
{
	char *out = NULL;
	struct pair_stats s;
	double t0, t;
	int rc;

	printf("platform: timer wake-up of a SCHED_FIFO thread, 5000 x 1 ms\n");
	platform_wakeup(b);
	printf("accuracy: topologies/world17.yaml, wand, 200 probes per pair\n");
	rc = enos(b, &out, "up", "--force", "topologies/world17.yaml", NULL);
	if (rc != 0)
		goto fail;
	free(out);
	t0 = now();
	rc = enos(b, &out, "tc", "--test", "--json", "--samples", "200",
		  "--interval", "20", NULL);
	t = now() - t0;
	scan_pairs(out, 2.0, 0.5, &s);
	figure(b, "accuracy.pairs", "site pairs measured", (double)s.pairs, "", -1);
	figure(b, "accuracy.within", "pairs within max(2%, 0.5ms)", (double)s.within,
	       "", s.within == s.pairs && s.pairs == 272);
	figure(b, "accuracy.max_err", "worst |p50 - target|", s.max_err_ms, "ms", -1);
	figure(b, "accuracy.worst_tail", "worst p99 - p50", s.worst_tail_ms, "ms",
	       s.worst_tail_ms <= 1.0);
	figure(b, "accuracy.tail_over_1ms", "pairs with p99 - p50 > 1 ms",
	       (double)s.tail_over_1ms, "", -1);
	if (s.worst_tail_ms > 1.0)
		printf("  (worst tail: %s...)\n", s.worst_tail_pair);
	figure(b, "scale.tc_test_17", "tc --test of 17 sites (200 probes)", t, "s", t < 30);
	free(out);
	rc = enos(b, &out, "down", "-n", "world17", NULL);
	free(out);
	return 0;
fail:
	fprintf(stderr, "bench-wan: %s\n", out ? out : "enos failed");
	free(out);
	return -EIO;
}

/* A two-site world a <-> b with the given constraint rules. */
static int two_sites(struct bench *b, const char *name, const char *rules)
{
	char text[1024], path[256], *out = NULL;
	int rc;

	snprintf(text, sizeof(text),
		 "name: %s\n"
		 "sites:\n"
		 "  - {name: a, role: central}\n"
		 "  - {name: b, role: edge, parent: a}\n"
		 "network:\n"
		 "  shaping: wand\n"
		 "  constraints:\n%s", name, rules);
	if (!topology(b, name, text, path, sizeof(path)))
		return -EIO;
	rc = enos(b, &out, "up", "--force", path, NULL);
	if (rc != 0)
		fprintf(stderr, "bench-wan: up %s: %s\n", name, out);
	free(out);
	return rc ? -EIO : 0;
}

static void down(struct bench *b, const char *name)
{
	enos(b, NULL, "down", "-n", name, NULL);
}

/* Node N's address in experiment NAME, from `enos status --json`. */
static int node_addr(struct bench *b, const char *name, const char *node,
		     char *addr, size_t len)
{
	char *out = NULL, pat[96];
	const char *p;
	int rc = -ENOENT;

	enos(b, &out, "status", "-n", name, "--json", NULL);
	snprintf(pat, sizeof(pat), "{\"name\":\"%s\",", node);
	p = out ? strstr(out, pat) : NULL;
	p = p ? strstr(p, "\"address\":\"") : NULL;
	if (p) {
		p += strlen("\"address\":\"");
		snprintf(addr, len, "%.*s", (int)strcspn(p, "\""), p);
		rc = 0;
	}
	free(out);
	return rc;
}

static int bench_loss(struct bench *b)
{
	char *out = NULL;
	struct pair_stats s;

	printf("loss: 5%% one way (a -> b), 10,000 probes at 1 ms\n");
	if (two_sites(b, "bw-loss", "    - {src: a, dst: b, delay: 1ms, loss: 5%, symmetric: false}\n") < 0)
		return -EIO;
	enos(b, &out, "tc", "-n", "bw-loss", "--test", "--json", "--samples",
	     "10000", "--interval", "1", NULL);
	scan_pairs(out, 100, 1000, &s);
	/* Both directions of the probe are measured; only a -> b loses. */
	if (s.pairs == 2) {
		double a_b = json_num(strstr(out, "{\"src\":\"a\""), "loss_pct");

		figure(b, "loss.5pct", "5 % target, measured", a_b, "%",
		       a_b >= 4.0 && a_b <= 6.0);
	}
	free(out);
	down(b, "bw-loss");

	printf("loss: Gilbert-Elliott 5%% with mean bursts of 4 (a -> b), 10,000 probes\n");
	if (two_sites(b, "bw-ge", "    - {src: a, dst: b, delay: 1ms, loss: 5%, loss_burst: 4, symmetric: false}\n") < 0)
		return -EIO;
	{
		/* One direction only: `tc --test` would also send b's probe
		 * replies over a -> b, splitting the link's bursts between
		 * two flows. */
		struct probe_pair p = { 0 };
		struct probe_opts o = { 10000, 1, 1000, 0 };
		struct in_addr in;
		char addr[32];
		double lost, mean;

		if (node_addr(b, "bw-ge", "b-1", addr, sizeof(addr)) == 0 &&
		    inet_pton(AF_INET, addr, &in) == 1) {
			p.src_netns = "enos.bw-ge.a-1";
			p.dst_netns = "enos.bw-ge.b-1";
			p.dst_addr = ntohl(in.s_addr);
			probe_rtt(&p, 1, &o);
		}
		lost = (double)p.sent - p.received;
		mean = p.loss_bursts ? lost / p.loss_bursts : NAN;
		figure(b, "loss.ge.5pct", "GE loss, measured", p.sent ? 100 * lost / p.sent : NAN, "%", -1);
		figure(b, "loss.ge.burst", "GE mean burst (target 4)", mean,
		       "packets", mean >= 3.2 && mean <= 4.8);
	}
	down(b, "bw-ge");
	return 0;
}


/* One TCP flow from a-1 to b-1 for SECS; returns Gbit/s received, or NaN. */
static double iperf(struct bench *b, const char *name, int secs, const char *window)
{
	char addr[32], t[16], *out = NULL;
	double bps = NAN;
	const char *p;
	pid_t srv;

	if (node_addr(b, name, "b-1", addr, sizeof(addr)) < 0)
		return NAN;
	/* One test, then it exits; timeout bounds it if the client fails. */
	srv = tu_enos_spawn(b->state_db, "exec", "-n", name, "b-1", "--",
			    "timeout", "60", "iperf3", "-s", "-1", NULL);
	usleep(500 * 1000);
	snprintf(t, sizeof(t), "%d", secs);
	if (window)
		enos(b, &out, "exec", "-n", name, "a-1", "--", "iperf3", "-c",
		     addr, "-t", t, "-J", "-w", window, NULL);
	else
		enos(b, &out, "exec", "-n", name, "a-1", "--", "iperf3", "-c",
		     addr, "-t", t, "-J", NULL);
	p = out ? strstr(out, "\"sum_received\"") : NULL;
	if (p)
		bps = json_num(p, "bits_per_second");
	free(out);
	waitpid(srv, NULL, 0);
	return bps / 1e9;
}

static int bench_rate(struct bench *b)
{
	static const struct { const char *rule; double mbit; } cases[] = {
		{ "    - {src: a, dst: b, delay: 1ms, rate: 100mbit}\n", 100 },
		{ "    - {src: a, dst: b, delay: 1ms, rate: 10mbit}\n", 10 },
	};
	size_t i;

	if (access("/usr/bin/iperf3", X_OK) != 0) {
		printf("rate: iperf3 is not installed (apt-get install iperf3), skipped\n");
		return 0;
	}
	for (i = 0; i < 2; i++) {
		char what[64], metric[32];
		double g;

		printf("rate: %g mbit pair, one TCP flow for 5 s\n", cases[i].mbit);
		if (two_sites(b, "bw-rate", cases[i].rule) < 0)
			return -EIO;
		g = iperf(b, "bw-rate", 5, NULL) * 1000;
		snprintf(what, sizeof(what), "%g mbit pair, TCP goodput", cases[i].mbit);
		snprintf(metric, sizeof(metric), "rate.%gmbit.goodput", cases[i].mbit);
		figure(b, metric, what, g, "mbit/s", -1);
		/* The rate counts Ethernet frames, as HTB and netem do: a full
		 * TCP segment carries 1448 payload bytes in a 1514-byte frame. */
		g *= 1514.0 / 1448.0;
		snprintf(what, sizeof(what), "%g mbit pair, wire rate", cases[i].mbit);
		snprintf(metric, sizeof(metric), "rate.%gmbit.wire", cases[i].mbit);
		figure(b, metric, what, g, "mbit/s", g >= 0.97 * cases[i].mbit &&
		       g <= 1.03 * cases[i].mbit);
		down(b, "bw-rate");
	}
	return 0;
}

/* CPU seconds used so far by the engine of NAME (utime + stime). */
static double engine_cpu(struct bench *b, const char *name)
{
	char **whats = NULL, path[64], buf[1024];
	int *pids = NULL, pid = 0;
	unsigned long ut = 0, stime = 0;
	size_t n = 0, i;
	FILE *f;

	state_processes(b->st, name, &pids, &whats, &n);
	for (i = 0; i < n; i++)
		if (!strcmp(whats[i], "wand"))
			pid = pids[i];
	free(pids);
	state_free_names(whats);
	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	f = pid ? fopen(path, "r") : NULL;
	if (!f)
		return NAN;
	if (fgets(buf, sizeof(buf), f)) {
		const char *p = strrchr(buf, ')');

		if (p)
			sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu",
			       &ut, &stime);
	}
	fclose(f);
	return (double)(ut + stime) / (double)sysconf(_SC_CLK_TCK);
}

static int bench_engine(struct bench *b)
{
	static const struct { const char *rule, *what, *metric, *window; double min; } cases[] = {
		{ "    - {src: a, dst: b, delay: 0ms}\n", "0 ms pair", "engine.0ms", NULL, 5 },
		{ "    - {src: a, dst: b, rtt: 50ms}\n", "50 ms RTT pair", "engine.50ms", "32M", 1 },
	};
	struct state *st_state = NULL;
	char *err = NULL;
	size_t i;

	if (access("/usr/bin/iperf3", X_OK) != 0)
		return 0;
	for (i = 0; i < 2; i++) {
		double c0, c1, g;
		char what[64], metric[48];

		printf("engine: one TCP flow across a %s for 10 s\n", cases[i].what);
		if (two_sites(b, "bw-tput", cases[i].rule) < 0)
			return -EIO;
		/* engine_cpu reads the scratch state database's processes. */
		if (state_open(b->state_db, &st_state, &err) == 0) {
			struct state *keep = b->st;

			b->st = st_state;
			c0 = engine_cpu(b, "bw-tput");
			g = iperf(b, "bw-tput", 10, cases[i].window);
			c1 = engine_cpu(b, "bw-tput");
			b->st = keep;
			state_close(st_state);
		} else {
			free(err);
			err = NULL;
			c0 = c1 = NAN;
			g = iperf(b, "bw-tput", 10, cases[i].window);
		}
		snprintf(what, sizeof(what), "%s throughput", cases[i].what);
		figure(b, cases[i].metric, what, g, "Gbit/s", g >= cases[i].min);
		snprintf(metric, sizeof(metric), "%s.cpu_per_gbit", cases[i].metric);
		figure(b, metric, "engine CPU per Gbit/s", (c1 - c0) / 10 / g, "core", -1);
		down(b, "bw-tput");
	}
	return 0;
}

#define TRAFFIC_BLOCKS   16             /* of 4 windows: on off off on */
#define TRAFFIC_WINDOW_MS 500
#define TRAFFIC_WARMUP_S 2

static double median(double *v, size_t n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* Wire bytes the engine of CTL forwarded a -> b so far, or NaN. */
static double pair_bytes(const char *ctl)
{
	struct wand_stats *st = NULL;
	double v = NAN;

	if (wand_stats(ctl, &st) == 0 && st->n_ports == 2)
		v = (double)st->pairs[0 * 2 + 1].bytes;
	wand_stats_free(st);
	return v;
}

/* Counting's cost. Separate flows on this shared host vary by +-10 % from
 * one to the next (measured: two groups of 7 flows, neither counting,
 * differ by 5 % in median), more than the cost to measure. So one TCP
 * flow runs throughout, and the engine counts or not (`traffic on|off`)
 * in alternating windows of TRAFFIC_WINDOW_MS, in blocks "on off off on"
 * so that a drift weighs on both alike; each window's rate is the bytes
 * the engine itself forwarded a -> b in it. The estimate is the median
 * of the blocks' ratios (on / off). */
static int bench_traffic(struct bench *b)
{
	static const bool block[4] = { true, false, false, true };
	struct world w = { .name = "bw-traffic" };
	struct traffic_table t = { 0 };
	struct state *st_state = NULL, *keep = b->st;
	double on[TRAFFIC_BLOCKS * 2], off[TRAFFIC_BLOCKS * 2];
	double ratio[TRAFFIC_BLOCKS], cpu[2] = { 0, 0 }, gbits[2] = { 0, 0 };
	double t0, t1, b0, b1, c0, c1, sum[2], loss;
	char ctl[128], addr[32], secs[16], *err = NULL;
	size_t i, k, n_on = 0, n_off = 0;
	pid_t srv = -1, cli = -1;
	int rc;

	if (access("/usr/bin/iperf3", X_OK) != 0) {
		printf("traffic: iperf3 is not installed (apt-get install iperf3), skipped\n");
		return 0;
	}
	printf("traffic: one TCP flow across a 0 ms pair, counting on and off in %d "
	       "alternating windows of %d ms\n", TRAFFIC_BLOCKS * 4, TRAFFIC_WINDOW_MS);
	if (two_sites(b, "bw-traffic", "    - {src: a, dst: b, delay: 0ms}\n") < 0)
		return -EIO;
	rc = wand_ctl_path(&w, ctl, sizeof(ctl));
	if (rc == 0)
		rc = node_addr(b, "bw-traffic", "b-1", addr, sizeof(addr));
	if (rc == 0)
		rc = state_open(b->state_db, &st_state, &err);
	if (rc < 0)
		goto out;
	snprintf(secs, sizeof(secs), "%d", TRAFFIC_WARMUP_S + 2 +
		 TRAFFIC_BLOCKS * 4 * TRAFFIC_WINDOW_MS / 1000);
	srv = tu_enos_spawn(b->state_db, "exec", "-n", "bw-traffic", "b-1", "--",
			    "timeout", "120", "iperf3", "-s", "-1", NULL);
	usleep(500 * 1000);
	cli = tu_enos_spawn(b->state_db, "exec", "-n", "bw-traffic", "a-1", "--",
			    "iperf3", "-c", addr, "-t", secs, NULL);
	sleep(TRAFFIC_WARMUP_S);
	/* engine_cpu reads the scratch state database's processes. */
	b->st = st_state;
	for (i = 0; i < TRAFFIC_BLOCKS && rc == 0; i++) {
		sum[0] = sum[1] = 0;
		for (k = 0; k < 4 && rc == 0; k++) {
			double g;

			rc = wand_traffic_switch(ctl, block[k]);
			t0 = now();
			b0 = pair_bytes(ctl);
			c0 = engine_cpu(b, "bw-traffic");
			usleep(TRAFFIC_WINDOW_MS * 1000);
			t1 = now();
			b1 = pair_bytes(ctl);
			c1 = engine_cpu(b, "bw-traffic");
			g = (b1 - b0) * 8 / (t1 - t0) / 1e9;
			if (isnan(g) || g <= 0) {
				rc = -EIO;      /* the flow ended early */
				break;
			}
			sum[block[k]] += g;
			gbits[block[k]] += g * (t1 - t0);
			cpu[block[k]] += c1 - c0;
			if (block[k])
				on[n_on++] = g;
			else
				off[n_off++] = g;
		}
		if (rc == 0)
			ratio[i] = sum[1] / sum[0];
	}
	b->st = keep;
	if (rc == 0)
		rc = wand_traffic(ctl, &t);
	if (rc < 0)
		goto out;
	printf("  windows on:  ");
	for (i = 0; i < n_on; i++)
		printf(" %.2f", on[i]);
	printf(" Gbit/s\n  windows off: ");
	for (i = 0; i < n_off; i++)
		printf(" %.2f", off[i]);
	printf(" Gbit/s\n");
	/* The windows counting counted the flow. */
	figure(b, "traffic.entries", "counted (pair, port) entries", (double)t.n,
	       "", t.n > 0);
	figure(b, "traffic.off", "median window, not counting",
	       median(off, n_off), "Gbit/s", -1);
	figure(b, "traffic.on", "median window, counting", median(on, n_on),
	       "Gbit/s", -1);
	loss = 100 * (1 - median(ratio, TRAFFIC_BLOCKS));
	figure(b, "traffic.loss_pct", "throughput lost to counting", loss, "%",
	       loss <= 5);
	figure(b, "traffic.off.cpu_per_gbit", "engine CPU, not counting",
	       cpu[0] / gbits[0], "core", -1);
	figure(b, "traffic.on.cpu_per_gbit", "engine CPU, counting",
	       cpu[1] / gbits[1], "core", -1);
out:
	if (rc < 0) {
		fprintf(stderr, "bench-wan: traffic: %s\n", err ? err : strerror(-rc));
		b->failed++;
	}
	if (cli > 0)
		waitpid(cli, NULL, 0);
	if (srv > 0)
		waitpid(srv, NULL, 0);
	traffic_table_release(&t);
	free(err);
	state_close(st_state);
	down(b, "bw-traffic");
	return rc;
}

/* Partition a 20 ms RTT pair, heal it, and probe at once every 1 ms:
 * how long until the first answer? Target: within one RTT + 10 ms. */
static int bench_heal(struct bench *b)
{
	struct probe_pair p = { 0 };
	struct probe_opts o = { 200, 1, 1000, 0 };
	char addr[32], *out = NULL;
	struct in_addr in;
	double first, t0, heal_s;
	int rc;

	printf("partition: 20 ms RTT pair, cut, then heal and probe every 1 ms\n");
	if (two_sites(b, "bw-heal", "    - {src: a, dst: b, rtt: 20ms}\n") < 0 ||
	    node_addr(b, "bw-heal", "b-1", addr, sizeof(addr)) < 0 ||
	    inet_pton(AF_INET, addr, &in) != 1)
		return -EIO;
	p.src_netns = "enos.bw-heal.a-1";
	p.dst_netns = "enos.bw-heal.b-1";
	p.dst_addr = ntohl(in.s_addr);
	/* Resolve neighbours first, as a running experiment would have. */
	probe_rtt(&p, 1, &o);
	enos(b, NULL, "fault", "-n", "bw-heal", "partition", "a", "/", "b", NULL);
	o.samples = 50;
	probe_rtt(&p, 1, &o);
	figure(b, "partition.crossed", "probes crossing a partition", p.received, "", p.received == 0);
	t0 = now();
	rc = enos(b, &out, "fault", "-n", "bw-heal", "heal", NULL);
	heal_s = now() - t0;
	free(out);
	o.samples = 200;
	rc = rc ? rc : probe_rtt(&p, 1, &o);
	first = p.first_answered < 0 ? NAN :
		p.first_answered * (double)o.interval_ms + p.min_ms;
	figure(b, "partition.heal_cmd", "enos fault heal (command)", heal_s * 1000, "ms", -1);
	figure(b, "partition.first_answer", "heal -> first answer", first, "ms",
	       !isnan(first) && first <= 20 + 10);
	down(b, "bw-heal");
	return rc ? -EIO : 0;
}

/* The engine's resident set and its peak, in KiB, from `enos status` (its
 * pid) and /proc; -1 each if it cannot tell. */
static void engine_rss(struct bench *b, const char *name, long *rss,
		       long *hwm)
{
	char *out = NULL, path[64], line[256];
	const char *p;
	FILE *f;
	int pid = 0;

	*rss = *hwm = -1;
	enos(b, &out, "status", "-n", name, NULL);
	p = out ? strstr(out, "(pid ") : NULL;
	if (p)
		pid = atoi(p + 5);
	free(out);
	if (pid <= 0)
		return;
	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	f = fopen(path, "re");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, "VmRSS:", 6) == 0)
			*rss = atol(line + 6);
		else if (strncmp(line, "VmHWM:", 6) == 0)
			*hwm = atol(line + 6);
	}
	fclose(f);
}

/* Up SITES sites with the engine, `enos tc` (the apply, timed as a user
 * sees it: the whole command), the engine's memory, down. The apply target
 * is TARGET_S; *RSS_KIB gets the engine's resident set after the apply. */
static int scale_one(struct bench *b, size_t sites, double target_s,
		     long *rss_kib)
{
	char text[512], path[256], name[32], metric[64], what[64];
	char *out = NULL;
	size_t pairs = sites * (sites - 1);
	long hwm;
	double t0, t;
	int rc;

	snprintf(name, sizeof(name), "bw-scale-%zu", sites);
	printf("scale: %zu sites, %zu pairs\n", sites, pairs);
	snprintf(text, sizeof(text),
		 "name: %s\n"
		 "sites:\n"
		 "  - {name: c, role: central}\n"
		 "  - {name: e, role: edge, parent: c, count: %zu}\n"
		 "network:\n"
		 "  shaping: wand\n"
		 "  default: {delay: 5ms, jitter: 1ms, loss: 0.1%%, rate: 100mbit}\n",
		 name, sites - 1);
	if (!topology(b, name, text, path, sizeof(path)))
		return -EIO;
	t0 = now();
	rc = enos(b, &out, "up", "--force", path, NULL);
	t = now() - t0;
	free(out);
	out = NULL;
	if (rc != 0) {
		down(b, name);
		return -EIO;
	}
	snprintf(metric, sizeof(metric), "scale.up_%zu_sites", sites);
	snprintf(what, sizeof(what), "up, %zu sites with the engine", sites);
	figure(b, metric, what, t, "s", -1);
	t0 = now();
	rc = enos(b, &out, "tc", "-n", name, NULL);
	t = now() - t0;
	free(out);
	snprintf(metric, sizeof(metric), "scale.apply_%zu_sites", sites);
	snprintf(what, sizeof(what), "tc: apply %zu pairs", pairs);
	figure(b, metric, what, t, "s", rc == 0 && t < target_s);
	engine_rss(b, name, rss_kib, &hwm);
	snprintf(metric, sizeof(metric), "scale.engine_rss_%zu_sites", sites);
	snprintf(what, sizeof(what), "engine RSS, %zu pairs", pairs);
	figure(b, metric, what, (double)*rss_kib / 1024, "MiB", -1);
	snprintf(metric, sizeof(metric), "scale.engine_hwm_%zu_sites", sites);
	snprintf(what, sizeof(what), "engine peak RSS, %zu pairs", pairs);
	figure(b, metric, what, (double)hwm / 1024, "MiB", -1);
	down(b, name);
	return rc ? -EIO : 0;
}

/* 100 sites (9,900 pairs, < 2 s) and 317 (100,172 pairs, < 0.5 s, issue
 * 15); the memory per pair is the difference of the engine's resident set
 * between the two over the difference in pairs, so what every engine has
 * (its code, its rings) does not count. */
static int bench_scale(struct bench *b)
{
	long small = -1, big = -1;
	int rc;

	rc = scale_one(b, 100, 2, &small);
	if (scale_one(b, 317, 0.5, &big) < 0)
		rc = -EIO;
	if (small > 0 && big > 0)
		figure(b, "scale.engine_bytes_per_pair",
		       "engine memory per pair (317 vs 100 sites)",
		       (double)(big - small) * 1024 / (317.0 * 316 - 100 * 99),
		       "B", -1);
	return rc;
}

int main(int argc, char **argv)
{
	struct bench b = { "build/bin/enos", NULL, "", "", NULL, 0, 0 };
	const char *only = NULL;
	char *err = NULL;
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
		else
			break;
	}
	if (i != argc) {
		fprintf(stderr, "usage: bench-wan [--enos PATH] [--db PATH] [--only accuracy|loss|partition|rate|engine|traffic|scale]\n");
		return 2;
	}
	if (geteuid() != 0) {
		fprintf(stderr, "bench-wan: needs root\n");
		return 1;
	}
	if (!tu_tmpdir(b.dir, sizeof(b.dir), "benchwan") ||
	    state_open(b.db, &b.st, &err) < 0) {
		fprintf(stderr, "bench-wan: cannot start: %s\n", err ? err : strerror(errno));
		return 1;
	}
	/* The worlds live in a scratch database; the figures go to DB. */
	snprintf(b.state_db, sizeof(b.state_db), "%s/state.db", b.dir);
	state_run_begin(b.st, "bench-wan", "bench-wan", 0, false, &b.run);
	if (!only || !strcmp(only, "accuracy"))
		bench_accuracy(&b);
	if (!only || !strcmp(only, "loss"))
		bench_loss(&b);
	if (!only || !strcmp(only, "partition"))
		bench_heal(&b);
	if (!only || !strcmp(only, "rate"))
		bench_rate(&b);
	if (!only || !strcmp(only, "engine"))
		bench_engine(&b);
	if (!only || !strcmp(only, "traffic"))
		bench_traffic(&b);
	if (!only || !strcmp(only, "scale"))
		bench_scale(&b);
	enos(&b, NULL, "down", "--all", NULL);
	state_run_end(b.st, b.run, b.failed ? "missed" : "ok");
	printf("\n%d target%s missed; stored as run %lld in %s\n", b.failed,
	       b.failed == 1 ? "" : "s", (long long)b.run, b.db);
	state_close(b.st);
	tu_rmtree(b.dir);
	return b.failed ? 1 : 0;
}
