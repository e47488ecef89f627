/* bench-kv — what the kv-latency workload (workloads/kv.c) adds to an
 * etcd operation, against clients that do the same thing with less:
 *   (a) kv_run() at concurrency 1, as the runner calls it (warm-up on)
 *   (b) a plain C loop: one easy handle, curl_easy_perform() per request,
 *       the very options kv sets (kv_easy_setopts()), the answer thrown
 *       away, no JSON, no wl_op, no value check
 *   (c) `etcdctl put` once per operation: a process per op, for contrast
 *   (d) etcdctl in one process for all the puts: etcdctl 3.4 has no such
 *       mode (see below), so the line says so
 * against one etcd member on 127.0.0.1 (free ports, a temporary data
 * directory), no root. (a) and (b) run in interleaved rounds, their order
 * alternating, so the machine's drift (other work, the disk's fsync
 * times) falls on both alike; the overhead is (a)'s put p50 minus (b)'s,
 * against the target of at most 0.2 ms. Also: gets through (a)
 * and (b), (e) a put on a connection opened for it (warm-up off: the
 * handshake's cost) and (f) kv at concurrency 8.
 *
 * Prints its figures; exits 1 when the overhead misses the target.
 * Usage: bench-kv [-n PUTS] [--size BYTES] [--etcdctl OPS] [--rounds R]
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "tests/testutil.h"
#include "tests/tu_etcd.h"
#include "workloads/kv.h"

extern char **environ;

#define OVERHEAD_TARGET_MS 0.2

/* Durations of one method, ms. */
struct series {
	double *ms;
	size_t n, cap;
	unsigned failed;
	const char *first_error;        /* static copy of one, for the table */
	char error[256];
};

static double mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void series_add(struct series *s, double ms, bool ok, const char *error)
{
	if (!ok) {
		if (!s->failed++ && error) {
			snprintf(s->error, sizeof(s->error), "%s", error);
			s->first_error = s->error;
		}
		return;
	}
	if (s->n == s->cap) {
		s->cap = s->cap ? 2 * s->cap : 1024;
		s->ms = realloc(s->ms, s->cap * sizeof(*s->ms));
		if (!s->ms) {
			fprintf(stderr, "bench-kv: out of memory\n");
			exit(1);
		}
	}
	s->ms[s->n++] = ms;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Nearest-rank percentile P (0-100) of S, sorted in place. */
static double pct(struct series *s, double p)
{
	size_t k;

	if (!s->n)
		return NAN;
	qsort(s->ms, s->n, sizeof(*s->ms), cmp_double);
	k = (size_t)ceil(p / 100.0 * (double)s->n);
	return s->ms[k ? k - 1 : 0];
}

static double mean(const struct series *s)
{
	double sum = 0;
	size_t i;

	for (i = 0; i < s->n; i++)
		sum += s->ms[i];
	return s->n ? sum / (double)s->n : NAN;
}

static void row(const char *what, struct series *s)
{
	printf("%-44s %6zu %6u %9.3f %9.3f %9.3f\n", what, s->n + s->failed,
	       s->failed, pct(s, 50), pct(s, 99), mean(s));
	if (s->first_error)
		printf("    first error: %s\n", s->first_error);
}

/* kv_run's emit: puts and gets into their series. */
struct kv_sink {
	struct series *put, *get;
};

static int kv_emit(void *arg, const struct wl_op *op)
{
	struct kv_sink *k = arg;

	series_add(strcmp(op->op, "put") ? k->get : k->put, op->duration_ms,
		   op->ok, op->error);
	return 0;
}

static int run_kv(const char *endpoint, const char *prefix, unsigned times,
		  size_t size, unsigned conc, bool warmup, bool gets,
		  struct kv_sink *sink, struct kv_result *res)
{
	struct kv_opts o;
	char *err = NULL;
	int rc;

	kv_opts_init(&o);
	o.endpoint = endpoint;
	o.prefix = prefix;
	o.times = times;
	o.size = size;
	o.concurrency = conc;
	o.warmup = warmup;
	o.gets = gets;
	rc = kv_run(&o, kv_emit, sink, res, &err);
	if (rc)
		fprintf(stderr, "bench-kv: kv: %s\n", err);
	free(err);
	return rc;
}

static size_t throw_away(char *d, size_t s, size_t n, void *p)
{
	(void)d;
	(void)p;
	return s * n;
}

/* The plain loop: N requests to PATH (puts of the value V64 or gets) of
 * keys PREFIX00000000..., one easy handle, its connection opened by an
 * untimed first request as kv's warm-up does. */
static int plain_loop(const char *endpoint, const char *path,
		      const char *prefix, unsigned n, const char *v64,
		      struct series *s)
{
	struct curl_slist *headers = kv_headers_new();
	CURL *h = curl_easy_init();
	char errbuf[CURL_ERROR_SIZE], url[128], key[KV_PREFIX_MAX + 16];
	char k64[(KV_PREFIX_MAX + 16) / 3 * 4 + 8];
	size_t cap = strlen(v64) + sizeof(k64) + 32;
	char *body = malloc(cap);
	unsigned i;
	int ret = -1;

	if (!headers || !h || !body ||
	    kv_easy_setopts(h, headers, errbuf, KV_DEFAULT_TIMEOUT_MS) != CURLE_OK)
		goto out;
	snprintf(url, sizeof(url), "%s%s", endpoint, path);
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, throw_away);
	curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
	for (i = 0; i <= n; i++) {
		long status = 0;
		CURLcode rc;
		double t0, t1;

		/* request 0 opens the connection and is not timed */
		snprintf(key, sizeof(key), "%s%08u", prefix, i ? i - 1 : 0);
		kv_base64_encode((const unsigned char *)key, strlen(key), k64);
		if (*v64)
			snprintf(body, cap, "{\"key\":\"%s\",\"value\":\"%s\"}", k64, v64);
		else
			snprintf(body, cap, "{\"key\":\"%s\"}", k64);
		errbuf[0] = '\0';
		t0 = mono_ms();
		rc = curl_easy_perform(h);
		t1 = mono_ms();
		curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
		if (i)
			series_add(s, t1 - t0, rc == CURLE_OK && status == 200,
				   rc != CURLE_OK ? errbuf : "HTTP status not 200");
	}
	ret = 0;
out:
	curl_easy_cleanup(h);
	curl_slist_free_all(headers);
	free(body);
	return ret;
}

/* (c): `etcdctl --endpoints=E put KEY VALUE`, a process per op. */
static void etcdctl_loop(const char *endpoint, const char *prefix, unsigned n,
			 const char *value, struct series *s)
{
	posix_spawn_file_actions_t fa;
	char ep[96], key[KV_PREFIX_MAX + 16];
	unsigned i;

	snprintf(ep, sizeof(ep), "--endpoints=%s", endpoint);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
	for (i = 0; i < n; i++) {
		char *argv[] = { (char *)"etcdctl", ep, (char *)"put", key,
				 (char *)value, NULL };
		double t0, t1;
		pid_t pid;
		int st = -1;

		snprintf(key, sizeof(key), "%s%08u", prefix, i);
		t0 = mono_ms();
		if (posix_spawnp(&pid, "etcdctl", &fa, NULL, argv, environ) != 0) {
			series_add(s, 0, false, "cannot run etcdctl");
			break;
		}
		waitpid(pid, &st, 0);
		t1 = mono_ms();
		series_add(s, t1 - t0, WIFEXITED(st) && WEXITSTATUS(st) == 0,
			   "etcdctl put failed");
	}
	posix_spawn_file_actions_destroy(&fa);
}

static unsigned arg_uint(const char *flag, const char *v, unsigned max)
{
	char *end;
	unsigned long x;

	errno = 0;
	x = strtoul(v, &end, 10);
	if (errno || end == v || *end || x < 1 || x > max) {
		fprintf(stderr, "bench-kv: %s '%s': want 1 to %u\n", flag, v, max);
		exit(2);
	}
	return (unsigned)x;
}

int main(int argc, char **argv)
{
	unsigned n = 2000, rounds = 10, n_ctl = 200, n_cold = 200, r, i;
	size_t size = 100;
	struct series put_a = { 0 }, put_b = { 0 }, put_c = { 0 }, get_a = { 0 };
	struct series get_b = { 0 }, put_e = { 0 }, put_f = { 0 }, unused = { 0 };
	struct kv_sink a = { &put_a, &get_a }, e = { &put_e, &unused };
	struct kv_sink f = { &put_f, &unused };
	struct kv_result res;
	struct tu_etcd etcd;
	unsigned long conns_a = 0, conns_e = 0;
	char why[512], pfx[96], *version = NULL, *nl;
	char *ver_argv[] = { (char *)"etcd", (char *)"--version", NULL };
	unsigned char *val;
	char *v64, *ctl_value;
	double t0, f_s, overhead;
	int missed;

	for (i = 1; i < (unsigned)argc; i += 2) {
		if (i + 1 >= (unsigned)argc)
			goto usage;
		if (!strcmp(argv[i], "-n"))
			n = arg_uint("-n", argv[i + 1], KV_TIMES_MAX);
		else if (!strcmp(argv[i], "--size"))
			size = arg_uint("--size", argv[i + 1], 100000);
		else if (!strcmp(argv[i], "--etcdctl"))
			n_ctl = arg_uint("--etcdctl", argv[i + 1], 100000);
		else if (!strcmp(argv[i], "--rounds"))
			rounds = arg_uint("--rounds", argv[i + 1], 1000);
		else
			goto usage;
	}
	if (n < rounds)
		rounds = n;
	if (tu_etcd_missing()) {
		fprintf(stderr, "bench-kv: %s\n", tu_etcd_missing());
		return 1;
	}
	curl_global_init(CURL_GLOBAL_DEFAULT);
	if (tu_etcd_start(&etcd, why, sizeof(why)) != 0) {
		fprintf(stderr, "bench-kv: cannot start etcd: %s\n", why);
		return 1;
	}
	tu_run(&version, ver_argv);
	if (version && (nl = strchr(version, '\n')))
		*nl = '\0';
	/* the plain loop's value (the same for every key) and etcdctl's
	 * (printable, as an argument must be) */
	val = malloc(size);
	v64 = malloc((size + 2) / 3 * 4 + 1);
	ctl_value = malloc(size + 1);
	if (!val || !v64 || !ctl_value) {
		fprintf(stderr, "bench-kv: out of memory\n");
		tu_etcd_stop(&etcd);
		return 1;
	}
	for (i = 0; i < size; i++)
		val[i] = (unsigned char)(i * 131 + 7);
	kv_base64_encode(val, size, v64);
	memset(ctl_value, 'v', size);
	ctl_value[size] = '\0';

	printf("bench-kv: %s, one member on %s (data in %s)\n",
	       version ? version : "etcd", etcd.endpoint, etcd.dir);
	printf("%u puts and gets per method in %u interleaved rounds, %zu-byte values, concurrency 1\n\n",
	       n, rounds, size);
	for (r = 0; r < rounds; r++) {
		unsigned k = n / rounds + (r < n % rounds);
		int step;

		for (step = 0; step < 2; step++) {
			if ((step == 0) == (r % 2 == 0)) {
				snprintf(pfx, sizeof(pfx), "bench/a/%u/", r);
				if (run_kv(etcd.endpoint, pfx, k, size, 1, true, true,
					   &a, &res) == 0)
					conns_a += res.conns;
			} else {
				snprintf(pfx, sizeof(pfx), "bench/b/%u/", r);
				plain_loop(etcd.endpoint, KV_PATH_PUT, pfx, k, v64, &put_b);
				plain_loop(etcd.endpoint, KV_PATH_RANGE, pfx, k, "", &get_b);
			}
		}
	}
	etcdctl_loop(etcd.endpoint, "bench/c/", n_ctl, ctl_value, &put_c);
	for (i = 0; i < n_cold; i++) {
		snprintf(pfx, sizeof(pfx), "bench/e/%u/", i);
		if (run_kv(etcd.endpoint, pfx, 1, size, 1, false, false, &e, &res) == 0)
			conns_e += res.conns;
	}
	t0 = mono_ms();
	run_kv(etcd.endpoint, "bench/f/", n, size, 8, true, false, &f, &res);
	f_s = (mono_ms() - t0) / 1e3;

	printf("%-44s %6s %6s %9s %9s %9s\n", "method", "ops", "failed", "p50 ms",
	       "p99 ms", "mean ms");
	row("(a) kv.c put", &put_a);
	row("(b) plain libcurl loop put", &put_b);
	row("(c) etcdctl put, one process per op", &put_c);
	printf("%-44s    n/a: etcdctl 3.4 has no batch mode (txn sends every put\n"
	       "%-44s         as one request; check perf runs its own fixed load)\n",
	       "(d) etcdctl, one process for all puts", "");
	row("(a) kv.c get", &get_a);
	row("(b) plain libcurl loop get", &get_b);
	row("(e) kv.c put on a new connection (no warm-up)", &put_e);
	row("(f) kv.c put, concurrency 8", &put_f);
	printf("\n(f) %.0f puts/s (%u in %.2f s, warm-up and emit included)\n",
	       (double)n / f_s, n, f_s);
	printf("connections opened by timed ops: (a) %lu of %u puts and gets, (e) %lu of %u puts\n",
	       conns_a, 2 * n, conns_e, n_cold);
	printf("handshake: (e) p50 - (a) p50 = %.3f ms\n", pct(&put_e, 50) - pct(&put_a, 50));
	printf("get overhead: (a) p50 - (b) p50 = %.3f ms\n", pct(&get_a, 50) - pct(&get_b, 50));
	overhead = pct(&put_a, 50) - pct(&put_b, 50);
	missed = !(overhead <= OVERHEAD_TARGET_MS);
	printf("put overhead: (a) p50 - (b) p50 = %.3f ms (target <= %.1f ms) %s\n",
	       overhead, OVERHEAD_TARGET_MS, missed ? "MISSED" : "ok");
	tu_etcd_stop(&etcd);
	free(version);
	free(val);
	free(v64);
	free(ctl_value);
	free(put_a.ms);
	free(put_b.ms);
	free(put_c.ms);
	free(get_a.ms);
	free(get_b.ms);
	free(put_e.ms);
	free(put_f.ms);
	free(unused.ms);
	curl_global_cleanup();
	return missed || put_a.failed || put_b.failed ? 1 : 0;
usage:
	fprintf(stderr, "usage: bench-kv [-n PUTS] [--size BYTES] [--etcdctl OPS] [--rounds R]\n");
	return 2;
}
