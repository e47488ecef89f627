/* kv — unit tests of the kv-latency workload (workloads/kv.c).
 *
 * Pure cases (base64, options, endpoints where nothing or something silent
 * listens) always run. The others talk to a real etcd member on 127.0.0.1
 * (tests/tu_etcd.c: free ports, a temporary data directory), started by an
 * unchecked fixture: it runs in the runner process, so the member is
 * stopped by its pid and its directory removed even when a forked test
 * fails or crashes. Without etcd those cases are counted as skipped. No
 * root: nothing here enters a namespace.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "tests/suites.h"
#include "tests/testutil.h"
#include "tests/tu_etcd.h"
#include "workloads/kv.h"

/* The fixture's member (tests run in forked children that inherit it). */
static struct tu_etcd etcd;

static void etcd_setup(void)
{
	char why[512];

	if (tu_etcd_start(&etcd, why, sizeof(why)) != 0)
		ck_abort_msg("cannot start etcd: %s", why);
}

static void etcd_teardown(void)
{
	tu_etcd_stop(&etcd);
}

/* What a run emitted. */
struct seen {
	struct wl_op *ops;
	char **errors;
	size_t n, cap;
	/* behaviour of the emit callback */
	unsigned stop_after;                    /* 0: never */
	volatile sig_atomic_t *stop_flag;       /* set at stop_after */
	int stop_rc;                            /* else returned at stop_after */
	void (*on_put)(struct seen *s, const struct wl_op *op);
	const char *prefix;
};

static int record(void *arg, const struct wl_op *op)
{
	struct seen *s = arg;

	if (s->n == s->cap) {
		s->cap = s->cap ? 2 * s->cap : 64;
		s->ops = realloc(s->ops, s->cap * sizeof(*s->ops));
		s->errors = realloc(s->errors, s->cap * sizeof(*s->errors));
		ck_assert(s->ops && s->errors);
	}
	s->ops[s->n] = *op;
	s->errors[s->n] = op->error ? strdup(op->error) : NULL;
	s->ops[s->n].error = s->errors[s->n];
	s->n++;
	if (s->on_put && !strcmp(op->op, "put"))
		s->on_put(s, op);
	if (s->stop_after && s->n == s->stop_after) {
		if (s->stop_flag)
			*s->stop_flag = 1;
		else
			return s->stop_rc;
	}
	return 0;
}

static void seen_free(struct seen *s)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		free(s->errors[i]);
	free(s->errors);
	free(s->ops);
}

static size_t count(const struct seen *s, const char *op, int ok)
{
	size_t i, n = 0;

	for (i = 0; i < s->n; i++)
		if (!strcmp(s->ops[i].op, op) && (ok < 0 || s->ops[i].ok == ok))
			n++;
	return n;
}

/* No operation of the run failed; else the message names the first that
 * did, by its op, iteration and error (a run can fail any of its
 * operations, not only its first or last). */
static void assert_none_failed(const struct seen *s, const struct kv_result *res)
{
	size_t i;

	for (i = 0; i < s->n && s->ops[i].ok; i++)
		;
	ck_assert_msg(res->failed == 0 && i == s->n,
		      "%u of %zu operations failed; first: %s %u: %s",
		      res->failed, s->n, i < s->n ? s->ops[i].op : "none",
		      i < s->n ? s->ops[i].iteration : 0,
		      i < s->n && s->ops[i].error ? s->ops[i].error :
		      "no error recorded");
}

static double wall_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A key prefix unique to this test and process. */
static const char *prefix(char *buf, size_t len, const char *test)
{
	snprintf(buf, len, "enos-test/%d/%s/", (int)getpid(), test);
	return buf;
}

static void opts(struct kv_opts *o, const char *endpoint, const char *pfx,
		 unsigned times, size_t size, unsigned concurrency)
{
	kv_opts_init(o);
	o->endpoint = endpoint;
	o->prefix = pfx;
	o->times = times;
	o->size = size;
	o->concurrency = concurrency;
}

/* A socket on 127.0.0.1 that listens and never answers: connections
 * complete (the kernel's backlog), requests wait forever. Returns the fd
 * and the URL in URL. */
static int silent_server(char *url, size_t len)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t alen = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	ck_assert_int_ge(fd, 0);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	ck_assert_int_eq(listen(fd, 64), 0);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&a, &alen), 0);
	snprintf(url, len, "http://127.0.0.1:%d", ntohs(a.sin_port));
	return fd;
}

START_TEST(base64_vectors)
{
	static const char *const plain[] = { "", "f", "fo", "foo", "foob",
					     "fooba", "foobar" };
	static const char *const coded[] = { "", "Zg==", "Zm8=", "Zm9v",
					     "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy" };
	static const char *const bad[] = { "Zg=", "Z===", "Zg=a", "Zm9v!A==",
					   "=Zg=", "Zm=v", "Zm9vY===" };
	unsigned char in[300], out[300];
	char enc[404];
	size_t i, n;

	for (i = 0; i < 7; i++) {
		n = kv_base64_encode((const unsigned char *)plain[i],
				     strlen(plain[i]), enc);
		ck_assert_str_eq(enc, coded[i]);
		ck_assert_uint_eq(n, strlen(coded[i]));
		ck_assert_int_eq(kv_base64_decode(coded[i], n, out),
				 (long)strlen(plain[i]));
		ck_assert(memcmp(out, plain[i], strlen(plain[i])) == 0);
	}
	for (i = 0; i < 7; i++)
		ck_assert_int_eq(kv_base64_decode(bad[i], strlen(bad[i]), out),
				 -EINVAL);
	for (n = 0; n < sizeof(in); n++) {
		for (i = 0; i < n; i++)
			in[i] = (unsigned char)(i * 37 + n);
		ck_assert_int_eq(kv_base64_decode(enc, kv_base64_encode(in, n, enc),
						  out), (long)n);
		ck_assert(memcmp(in, out, n) == 0);
	}
}
END_TEST

START_TEST(options_checked)
{
	static const struct {
		const char *endpoint, *prefix;
		unsigned times, concurrency, timeout_ms;
		size_t size;
		const char *msg;        /* NULL: valid */
	} cases[] = {
		{ "http://127.0.0.1:2379", "p/", 1, 1, 1, 0, NULL },
		{ "http://198.18.0.2:2379", "p/", KV_TIMES_MAX, KV_CONCURRENCY_MAX,
		  KV_TIMEOUT_MAX_MS, KV_SIZE_MAX, NULL },
		{ "http://[fd00::1]:2379", "p/", 1, 1, 1, 0, NULL },
		{ "http://127.0.0.1:2379/", "p/", 1, 1, 1, 0, NULL },
		{ NULL, "p/", 1, 1, 1, 0, "no endpoint" },
		{ "http://localhost:2379", "p/", 1, 1, 1, 0,
		  "endpoint 'http://localhost:2379': host 'localhost' is not an IP address (no name lookups inside a node)" },
		{ "https://127.0.0.1:2379", "p/", 1, 1, 1, 0,
		  "endpoint 'https://127.0.0.1:2379': scheme 'https' is not supported (want http)" },
		{ "127.0.0.1:2379", "p/", 1, 1, 1, 0,
		  "endpoint '127.0.0.1:2379': not a URL (want http://ADDR:PORT)" },
		{ "http://127.0.0.1:2379/v3", "p/", 1, 1, 1, 0,
		  "endpoint 'http://127.0.0.1:2379/v3': want only http://ADDR:PORT (no path, user or query)" },
		{ "http://u@127.0.0.1:2379", "p/", 1, 1, 1, 0,
		  "endpoint 'http://u@127.0.0.1:2379': want only http://ADDR:PORT (no path, user or query)" },
		{ "http://127.0.0.1:2379", "", 1, 1, 1, 0,
		  "key prefix must be 1 to 256 bytes" },
		{ "http://127.0.0.1:2379", "a b", 1, 1, 1, 0,
		  "key prefix 'a b': only printable ASCII without spaces" },
		{ "http://127.0.0.1:2379", "p/", 0, 1, 1, 0,
		  "times 0 is out of range (1 to 1000000)" },
		{ "http://127.0.0.1:2379", "p/", KV_TIMES_MAX + 1, 1, 1, 0,
		  "times 1000001 is out of range (1 to 1000000)" },
		{ "http://127.0.0.1:2379", "p/", 1, 0, 1, 0,
		  "concurrency 0 is out of range (1 to 256)" },
		{ "http://127.0.0.1:2379", "p/", 1, 257, 1, 0,
		  "concurrency 257 is out of range (1 to 256)" },
		{ "http://127.0.0.1:2379", "p/", 1, 1, 0, 0,
		  "timeout 0 ms is out of range (1 to 3600000)" },
		{ "http://127.0.0.1:2379", "p/", 1, 1, 1, KV_SIZE_MAX + 1,
		  "size 1048577 is out of range (0 to 1048576 bytes)" },
	};
	char msg[512], longp[KV_PREFIX_MAX + 2];
	struct kv_opts o;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		kv_opts_init(&o);
		o.endpoint = cases[i].endpoint;
		o.prefix = cases[i].prefix;
		o.times = cases[i].times;
		o.concurrency = cases[i].concurrency;
		o.timeout_ms = cases[i].timeout_ms;
		o.size = cases[i].size;
		msg[0] = '\0';
		if (!cases[i].msg) {
			ck_assert_msg(kv_opts_check(&o, msg, sizeof(msg)) == 0,
				      "case %zu: %s", i, msg);
			continue;
		}
		ck_assert_int_eq(kv_opts_check(&o, msg, sizeof(msg)), -EINVAL);
		ck_assert_str_eq(msg, cases[i].msg);
	}
	memset(longp, 'p', sizeof(longp) - 1);
	longp[sizeof(longp) - 1] = '\0';
	opts(&o, "http://127.0.0.1:2379", longp, 1, 0, 1);
	ck_assert_int_eq(kv_opts_check(&o, msg, sizeof(msg)), -EINVAL);
	/* the defaults need only an endpoint and a prefix */
	kv_opts_init(&o);
	ck_assert_uint_eq(o.times, KV_DEFAULT_TIMES);
	ck_assert(o.gets && o.warmup);
	o.endpoint = "http://127.0.0.1:2379";
	o.prefix = "p/";
	ck_assert_int_eq(kv_opts_check(&o, msg, sizeof(msg)), 0);
}
END_TEST

START_TEST(bad_options_run_nothing)
{
	struct seen s = { 0 };
	struct kv_result res;
	struct kv_opts o;
	char *err = NULL;

	opts(&o, "http://localhost:2379", "p/", 3, 10, 1);
	ck_assert_int_eq(kv_run(&o, record, &s, &res, &err), -EINVAL);
	ck_assert_ptr_nonnull(err);
	ck_assert(tu_contains(err, "is not an IP address"));
	ck_assert_uint_eq(s.n, 0);
	ck_assert_uint_eq(res.puts + res.gets, 0);
	free(err);
}
END_TEST

/* Nobody listens: every operation fails with curl's text, none crashes,
 * the run goes on to the end and the gets still run. */
START_TEST(refused_endpoint_fails_ops)
{
	struct seen s = { 0 };
	struct kv_result res;
	struct kv_opts o;
	char url[64], pfx[64];
	char *err = NULL;
	size_t i;
	int fd = silent_server(url, sizeof(url));

	close(fd);      /* the port is now closed: connect is refused */
	opts(&o, url, prefix(pfx, sizeof(pfx), "refused"), 3, 10, 2);
	ck_assert_int_eq(kv_run(&o, record, &s, &res, &err), 0);
	ck_assert_ptr_null(err);
	ck_assert_uint_eq(count(&s, "put", 0), 3);
	ck_assert_uint_eq(count(&s, "get", 0), 3);
	ck_assert_uint_eq(res.puts, 3);
	ck_assert_uint_eq(res.gets, 3);
	ck_assert_uint_eq(res.failed, 6);
	ck_assert_uint_eq(res.warmup_failed, 2);
	for (i = 0; i < s.n; i++) {
		ck_assert_ptr_nonnull(s.ops[i].error);
		ck_assert_msg(tu_contains(s.ops[i].error, "curl error 7: ") &&
			      tu_contains(s.ops[i].error, "Couldn't connect to server") &&
			      tu_contains(s.ops[i].error, "(no HTTP status)"),
			      "error: %s", s.ops[i].error);
		ck_assert(s.ops[i].duration_ms >= 0);
	}
	seen_free(&s);
}
END_TEST

/* A server that accepts and never answers: each operation ends at its
 * timeout, as a failed op with curl's timeout text. */
START_TEST(silent_endpoint_times_out)
{
	struct seen s = { 0 };
	struct kv_result res;
	struct kv_opts o;
	char url[64], pfx[64];
	size_t i;
	int fd = silent_server(url, sizeof(url));

	opts(&o, url, prefix(pfx, sizeof(pfx), "silent"), 2, 10, 1);
	o.gets = false;
	o.timeout_ms = 200;
	ck_assert_int_eq(kv_run(&o, record, &s, &res, NULL), 0);
	ck_assert_uint_eq(count(&s, "put", 0), 2);
	ck_assert_uint_eq(res.warmup_failed, 1);
	for (i = 0; i < s.n; i++) {
		ck_assert_msg(tu_contains(s.ops[i].error, "curl error 28: "),
			      "error: %s", s.ops[i].error);
		ck_assert_double_ge(s.ops[i].duration_ms, 190);
		ck_assert_double_lt(s.ops[i].duration_ms, 2000);
	}
	close(fd);
	seen_free(&s);
}
END_TEST

static volatile sig_atomic_t alarm_stop;

static void on_alarm(int sig)
{
	(void)sig;
	alarm_stop = 1;
}

/* The stop flag set by a signal handler while operations hang: the run
 * ends within the poll interval, dropping what is in flight. */
START_TEST(signal_stops_run)
{
	struct itimerval it = { { 0, 0 }, { 0, 200 * 1000 } };
	struct sigaction sa;
	struct seen s = { 0 };
	struct kv_result res;
	struct kv_opts o;
	char url[64], pfx[64];
	char *err = NULL;
	double t0;
	int fd = silent_server(url, sizeof(url));

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;
	ck_assert_int_eq(sigaction(SIGALRM, &sa, NULL), 0);
	opts(&o, url, prefix(pfx, sizeof(pfx), "signal"), 5, 10, 4);
	o.stop = &alarm_stop;
	o.timeout_ms = 30000;
	t0 = tu_now_s();
	ck_assert_int_eq(setitimer(ITIMER_REAL, &it, NULL), 0);
	ck_assert_int_eq(kv_run(&o, record, &s, &res, &err), -EINTR);
	ck_assert_double_lt(tu_now_s() - t0, 1.0);
	ck_assert(res.stopped);
	ck_assert_uint_eq(s.n, 0);
	ck_assert_str_eq(err, "stopped after 0 operations");
	free(err);
	close(fd);
	seen_free(&s);
}
END_TEST

/* Every emitted op's basic shape: name, start within the run, positive
 * duration, iteration 1..times, each once per kind. */
static void assert_shape(const struct seen *s, unsigned times, double before,
			 double after)
{
	unsigned char *put_seen = calloc(times, 1), *get_seen = calloc(times, 1);
	size_t i;

	ck_assert(put_seen && get_seen);
	for (i = 0; i < s->n; i++) {
		const struct wl_op *op = &s->ops[i];
		unsigned char *seen = !strcmp(op->op, "put") ? put_seen : get_seen;

		ck_assert_msg(!strcmp(op->op, "put") || !strcmp(op->op, "get"),
			      "op '%s'", op->op);
		ck_assert_double_gt(op->duration_ms, 0);
		ck_assert_double_ge(op->start, before);
		ck_assert_double_le(op->start + op->duration_ms / 1e3, after + 0.001);
		ck_assert(!op->atomic);
		ck_assert_uint_ge(op->iteration, 1);
		ck_assert_uint_le(op->iteration, times);
		ck_assert_uint_eq(seen[op->iteration - 1], 0);
		seen[op->iteration - 1] = 1;
	}
	free(put_seen);
	free(get_seen);
}

/* Every put ended before the first get started (gets read committed
 * values). */
static void assert_puts_then_gets(const struct seen *s)
{
	double last_put_end = 0, first_get = 1e300;
	size_t i;

	for (i = 0; i < s->n; i++) {
		const struct wl_op *op = &s->ops[i];

		if (!strcmp(op->op, "put")) {
			if (op->start + op->duration_ms / 1e3 > last_put_end)
				last_put_end = op->start + op->duration_ms / 1e3;
		} else if (op->start < first_get) {
			first_get = op->start;
		}
	}
	/* 1 ms of slack: starts are CLOCK_REALTIME, durations monotonic */
	ck_assert_double_le(last_put_end, first_get + 0.001);
}

START_TEST(put_get_concurrency_1)
{
	struct seen s = { 0 };
	struct kv_result res;
	struct kv_opts o;
	char pfx[64];
	double before, after;
	size_t i;

	opts(&o, etcd.endpoint, prefix(pfx, sizeof(pfx), "c1"), 50, 100, 1);
	before = wall_s();
	ck_assert_int_eq(kv_run(&o, record, &s, &res, NULL), 0);
	after = wall_s();
	ck_assert_uint_eq(s.n, 100);
	ck_assert_uint_eq(count(&s, "put", 1), 50);
	ck_assert_uint_eq(count(&s, "get", 1), 50);
	ck_assert_uint_eq(res.puts, 50);
	ck_assert_uint_eq(res.gets, 50);
	assert_none_failed(&s, &res);
	assert_shape(&s, 50, before, after);
	/* One at a time, in order: puts 1..50, then gets 1..50, each
	 * starting after the previous one ended. */
	for (i = 0; i < s.n; i++) {
		ck_assert_str_eq(s.ops[i].op, i < 50 ? "put" : "get");
		ck_assert_uint_eq(s.ops[i].iteration, i % 50 + 1);
		ck_assert_ptr_null(s.ops[i].error);
		if (i)
			ck_assert_double_ge(s.ops[i].start + 0.001,
					    s.ops[i - 1].start +
					    s.ops[i - 1].duration_ms / 1e3);
	}
	/* one connection, opened by the warm-up, reused by every op */
	ck_assert_uint_eq(res.warmup_conns, 1);
	ck_assert_uint_eq(res.warmup_failed, 0);
	ck_assert_uint_eq(res.conns, 0);
	seen_free(&s);
}
END_TEST

START_TEST(put_get_concurrency_8)
{
	struct seen s = { 0 };
	struct kv_result res;
	struct kv_opts o;
	char pfx[64];
	double before, after;
	size_t i, j, most = 0;

	opts(&o, etcd.endpoint, prefix(pfx, sizeof(pfx), "c8"), 200, 1000, 8);
	before = wall_s();
	ck_assert_int_eq(kv_run(&o, record, &s, &res, NULL), 0);
	after = wall_s();
	ck_assert_uint_eq(count(&s, "put", 1), 200);
	ck_assert_uint_eq(count(&s, "get", 1), 200);
	assert_none_failed(&s, &res);
	assert_shape(&s, 200, before, after);
	assert_puts_then_gets(&s);
	/* At most 8 in flight at any op's start, and more than one at
	 * some: they did overlap. */
	for (i = 0; i < s.n; i++) {
		size_t in = 0;

		for (j = 0; j < s.n; j++)
			if (s.ops[j].start <= s.ops[i].start &&
			    s.ops[j].start + s.ops[j].duration_ms / 1e3 >
			    s.ops[i].start + 0.0005)
				in++;
		if (in > most)
			most = in;
	}
	ck_assert_uint_le(most, 8);
	ck_assert_uint_ge(most, 2);
	/* eight connections, all opened by the warm-up */
	ck_assert_uint_eq(res.warmup_conns, 8);
	ck_assert_uint_eq(res.conns, 0);
	seen_free(&s);
}
END_TEST

/* Without the warm-up, each connection's first op opens it: as many
 * connections as slots, counted on the timed ops. */
START_TEST(no_warmup_counts_handshakes)
{
	struct seen s = { 0 };
	struct kv_result res;
	struct kv_opts o;
	char pfx[64];

	opts(&o, etcd.endpoint, prefix(pfx, sizeof(pfx), "cold"), 20, 10, 4);
	o.warmup = false;
	o.gets = false;
	ck_assert_int_eq(kv_run(&o, record, &s, &res, NULL), 0);
	ck_assert_uint_eq(count(&s, "put", 1), 20);
	ck_assert_uint_eq(res.warmup_conns, 0);
	ck_assert_uint_eq(res.conns, 4);
	seen_free(&s);
}
END_TEST

START_TEST(largest_value)
{
	struct seen s = { 0 };
	struct kv_result res;
	struct kv_opts o;
	char pfx[64];

	opts(&o, etcd.endpoint, prefix(pfx, sizeof(pfx), "big"), 3, KV_SIZE_MAX, 2);
	ck_assert_int_eq(kv_run(&o, record, &s, &res, NULL), 0);
	assert_none_failed(&s, &res);
	ck_assert_uint_eq(count(&s, "get", 1), 3);
	seen_free(&s);
}
END_TEST

START_TEST(empty_value)
{
	struct seen s = { 0 };
	struct kv_result res;
	struct kv_opts o;
	char pfx[64];

	opts(&o, etcd.endpoint, prefix(pfx, sizeof(pfx), "empty"), 3, 0, 1);
	ck_assert_int_eq(kv_run(&o, record, &s, &res, NULL), 0);
	assert_none_failed(&s, &res);
	ck_assert_uint_eq(count(&s, "get", 1), 3);
	seen_free(&s);
}
END_TEST

/* POST BODY to the member's PATH, outside kv. */
static void etcd_post(const char *path, const char *body)
{
	char url[128];
	CURL *h = curl_easy_init();
	long status = 0;
	FILE *null = fopen("/dev/null", "w");

	ck_assert(h && null);
	snprintf(url, sizeof(url), "%s%s", etcd.endpoint, path);
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_PROXY, "");
	curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, null);
	ck_assert_int_eq(curl_easy_perform(h), CURLE_OK);
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
	ck_assert_int_eq(status, 200);
	curl_easy_cleanup(h);
	fclose(null);
}

/* After the last put, another client changes key 3 and deletes key 5. */
static void tamper(struct seen *s, const struct wl_op *op)
{
	char key[128], k64[200], v64[32], body[512];
	unsigned char v[10];

	if (op->iteration != 10)
		return;
	memset(v, 'x', sizeof(v));
	snprintf(key, sizeof(key), "%s00000003", s->prefix);
	kv_base64_encode((const unsigned char *)key, strlen(key), k64);
	kv_base64_encode(v, sizeof(v), v64);
	snprintf(body, sizeof(body), "{\"key\":\"%s\",\"value\":\"%s\"}", k64,
		 v64);
	etcd_post(KV_PATH_PUT, body);
	snprintf(key, sizeof(key), "%s00000005", s->prefix);
	kv_base64_encode((const unsigned char *)key, strlen(key), k64);
	snprintf(body, sizeof(body), "{\"key\":\"%s\"}", k64);
	etcd_post("/v3/kv/deleterange", body);
}

START_TEST(wrong_value_is_a_failed_get)
{
	struct seen s = { 0 };
	struct kv_result res;
	struct kv_opts o;
	char pfx[64], want[256];
	size_t i;

	s.on_put = tamper;
	s.prefix = prefix(pfx, sizeof(pfx), "tamper");
	opts(&o, etcd.endpoint, pfx, 10, 10, 1);
	ck_assert_int_eq(kv_run(&o, record, &s, &res, NULL), 0);
	ck_assert_uint_eq(count(&s, "put", 1), 10);
	ck_assert_uint_eq(count(&s, "get", 1), 8);
	ck_assert_uint_eq(res.failed, 2);
	for (i = 0; i < s.n; i++) {
		if (s.ops[i].ok)
			continue;
		if (s.ops[i].iteration == 4)
			snprintf(want, sizeof(want), "value of '%s00000003' differs from the one put (10 bytes, first difference at byte ",
				 pfx);
		else
			snprintf(want, sizeof(want), "key '%s00000005' not found (HTTP 200)",
				 pfx);
		ck_assert_msg(tu_contains(s.ops[i].error, want), "error: %s",
			      s.ops[i].error);
	}
	seen_free(&s);
}
END_TEST

/* An HTTP server that is not the gateway (etcd's peer port): failed ops
 * with the HTTP status and what the server said. */
START_TEST(not_a_gateway)
{
	struct seen s = { 0 };
	struct kv_result res;
	struct kv_opts o;
	char url[64], pfx[64];
	size_t i;

	snprintf(url, sizeof(url), "http://127.0.0.1:%d", etcd.peer_port);
	opts(&o, url, prefix(pfx, sizeof(pfx), "peer"), 2, 10, 1);
	ck_assert_int_eq(kv_run(&o, record, &s, &res, NULL), 0);
	ck_assert_uint_eq(res.failed, 4);
	for (i = 0; i < s.n; i++)
		ck_assert_msg(tu_contains(s.ops[i].error, "HTTP 404: "),
			      "error: %s", s.ops[i].error);
	seen_free(&s);
}
END_TEST

/* The flag set (as a signal handler would) once 10 ops are in: the run
 * ends, keeping those and no gets. */
START_TEST(stop_flag_keeps_finished)
{
	static volatile sig_atomic_t stop;
	struct seen s = { 0 };
	struct kv_result res;
	struct kv_opts o;
	char pfx[64];
	char *err = NULL;
	unsigned conc;

	for (conc = 1; conc <= 8; conc += 7) {
		stop = 0;
		memset(&s, 0, sizeof(s));
		s.stop_after = 10;
		s.stop_flag = &stop;
		opts(&o, etcd.endpoint, prefix(pfx, sizeof(pfx), conc == 1 ? "stop1" : "stop8"),
		     100, 10, conc);
		o.stop = &stop;
		ck_assert_int_eq(kv_run(&o, record, &s, &res, &err), -EINTR);
		ck_assert(res.stopped);
		/* what finished in the same round as the tenth is kept */
		ck_assert_uint_ge(s.n, 10);
		ck_assert_uint_le(s.n, 10 + conc - 1);
		ck_assert_uint_eq(count(&s, "put", 1), s.n);
		ck_assert_uint_eq(res.puts, s.n);
		if (conc == 1)
			ck_assert_str_eq(err, "stopped after 10 operations");
		free(err);
		seen_free(&s);
	}
}
END_TEST

/* emit asks to stop: its value comes back and nothing more is emitted. */
START_TEST(emit_stops_run)
{
	struct seen s = { 0 };
	struct kv_result res;
	struct kv_opts o;
	char pfx[64];
	char *err = NULL;

	s.stop_after = 5;
	s.stop_rc = -ECANCELED;
	opts(&o, etcd.endpoint, prefix(pfx, sizeof(pfx), "emitstop"), 50, 10, 4);
	ck_assert_int_eq(kv_run(&o, record, &s, &res, &err), -ECANCELED);
	ck_assert_uint_eq(s.n, 5);
	ck_assert_uint_eq(res.puts, 5);
	ck_assert(res.stopped);
	ck_assert(tu_contains(err, "stopped by the caller"));
	free(err);
	seen_free(&s);
}
END_TEST

Suite *make_kv_suite(struct skips *sk)
{
	const struct sys_case with_etcd[] = {
		{ "put_get_concurrency_1", put_get_concurrency_1 },
		{ "put_get_concurrency_8", put_get_concurrency_8 },
		{ "no_warmup_counts_handshakes", no_warmup_counts_handshakes },
		{ "largest_value", largest_value },
		{ "empty_value", empty_value },
		{ "wrong_value_is_a_failed_get", wrong_value_is_a_failed_get },
		{ "not_a_gateway", not_a_gateway },
		{ "stop_flag_keeps_finished", stop_flag_keeps_finished },
		{ "emit_stops_run", emit_stops_run },
	};
	Suite *s = suite_create("kv");
	TCase *tc = tcase_create("pure");
	const char *why = tu_etcd_missing();
	size_t i;

	tcase_add_test(tc, base64_vectors);
	tcase_add_test(tc, options_checked);
	tcase_add_test(tc, bad_options_run_nothing);
	tcase_add_test(tc, refused_endpoint_fails_ops);
	tcase_add_test(tc, silent_endpoint_times_out);
	tcase_add_test(tc, signal_stops_run);
	suite_add_tcase(s, tc);
	/* One member for every etcd case: its start (a leader election) is
	 * most of their time. */
	tc = tcase_create("etcd");
	for (i = 0; i < sizeof(with_etcd) / sizeof(with_etcd[0]); i++) {
		if (why)
			skip_add(sk, with_etcd[i].name, why);
		else
			_tcase_add_test(tc, with_etcd[i].test, 0, 0, 0, 1);
	}
	if (!why) {
		tcase_add_unchecked_fixture(tc, etcd_setup, etcd_teardown);
		tcase_set_timeout(tc, 60);
		suite_add_tcase(s, tc);
	}
	return s;
}
