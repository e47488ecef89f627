/* kv — the kv-latency workload against etcd's v3 JSON gateway; see kv.h.
 *
 * One libcurl multi handle drives CONCURRENCY easy handles ("slots"), each
 * carrying one operation at a time; the multi handle owns the connection
 * cache (at most CONCURRENCY connections, HTTP/1.1 keep-alive, no
 * pipelining), so a slot's next operation reuses whichever connection is
 * idle. A phase (warm-up, puts, gets) keeps every slot busy until its
 * operations are all started, then waits for the last: gets start only
 * once every put has finished, so each reads a value that was committed.
 *
 * Timing: a slot's request body is built before its clock starts; the
 * clocks are read just before curl_multi_add_handle() and the transfer
 * starts in the curl_multi_perform() that follows at once. Completion time
 * is read once as curl_multi_perform() returns, for every transfer it
 * finished, before any of them is checked or emitted, so neither the
 * parsing of one answer nor the caller's emit lands in another's duration.
 * The loop sleeps in curl_multi_poll() for at most KV_POLL_MS, so a stop
 * flag set from a signal handler in another thread is seen within that.
 */
#include "workloads/kv.h"

#include <arpa/inet.h>
#include <errno.h>
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "util/strbuf.h"

#define KV_KEY_DIGITS   8
#define KV_POLL_MS      50
#define KV_ANSWER_SLACK (64u << 10)     /* JSON around a value, headers */
#define KV_TEXT_MAX     200             /* etcd text quoted in an error */
#define KV_MSG_MAX      768

enum kv_phase { KV_WARMUP, KV_PUT, KV_GET };

struct kv_run;

/* One easy handle and the operation it carries. */
struct kv_slot {
	struct kv_run *run;
	CURL *easy;
	bool busy;              /* added to the multi handle */
	bool done;              /* finished in the last perform */
	CURLcode rc;
	unsigned key;
	double start;           /* CLOCK_REALTIME, s */
	int64_t t0, t1;         /* CLOCK_MONOTONIC, ns */
	char *body;             /* request JSON, run->body_cap bytes */
	size_t body_len;
	struct strbuf answer;
	bool answer_over;       /* answer past run->answer_max */
	char errbuf[CURL_ERROR_SIZE];
	char msg[KV_MSG_MAX];
};

struct kv_run {
	const struct kv_opts *o;
	wl_emit_fn emit;
	void *arg;
	struct kv_result *res;
	CURLM *multi;
	struct curl_slist *headers;
	char *url_put;          /* curl_free() */
	char *url_range;
	struct kv_slot *slots;
	unsigned n_slots;
	size_t body_cap;
	size_t answer_max;
	unsigned char *value;   /* one key's value, o->size bytes */
	unsigned char *got;     /* a decoded answer, got_cap bytes */
	size_t got_cap;
	bool *put_ok;           /* per key: its put succeeded */
	uint64_t nonce;         /* this run's values */
	enum kv_phase phase;
	unsigned n;             /* this phase's operations */
	unsigned next;          /* started */
	unsigned finished;      /* completed (emitted or not) */
	int stop;               /* nonzero: -EINTR or emit's value */
	unsigned emitted;
};

static int64_t now_ns(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static uint64_t splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* The value of key KEY in this run: SIZE bytes into OUT. */
static void value_make(uint64_t nonce, unsigned key, unsigned char *out,
		       size_t size)
{
	uint64_t st = nonce ^ ((uint64_t)(key + 1) * 0xd1b54a32d192ed03ull);
	size_t i = 0;

	while (i < size) {
		uint64_t w = splitmix64(&st);
		size_t k;

		for (k = 0; k < 8 && i < size; k++, i++)
			out[i] = (unsigned char)(w >> (8 * k));
	}
}

static const char b64_alphabet[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

size_t kv_base64_encode(const unsigned char *in, size_t n, char *out)
{
	size_t i, o = 0;

	for (i = 0; i + 2 < n; i += 3) {
		uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 |
			     in[i + 2];

		out[o++] = b64_alphabet[v >> 18];
		out[o++] = b64_alphabet[(v >> 12) & 63];
		out[o++] = b64_alphabet[(v >> 6) & 63];
		out[o++] = b64_alphabet[v & 63];
	}
	if (i < n) {
		uint32_t v = (uint32_t)in[i] << 16;

		if (i + 1 < n)
			v |= (uint32_t)in[i + 1] << 8;
		out[o++] = b64_alphabet[v >> 18];
		out[o++] = b64_alphabet[(v >> 12) & 63];
		out[o++] = i + 1 < n ? b64_alphabet[(v >> 6) & 63] : '=';
		out[o++] = '=';
	}
	out[o] = '\0';
	return o;
}

static int b64_value(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

long kv_base64_decode(const char *in, size_t len, unsigned char *out)
{
	size_t i, o = 0;

	if (len % 4)
		return -EINVAL;
	for (i = 0; i < len; i += 4) {
		int v[4], k, pad = 0;
		bool last = i + 4 == len;

		for (k = 0; k < 4; k++) {
			if (in[i + k] == '=' && last && k >= 2) {
				v[k] = 0;
				pad++;
				continue;
			}
			/* no data after padding, no padding elsewhere */
			if (pad)
				return -EINVAL;
			v[k] = b64_value(in[i + k]);
			if (v[k] < 0)
				return -EINVAL;
		}
		out[o++] = (unsigned char)(v[0] << 2 | v[1] >> 4);
		if (pad < 2)
			out[o++] = (unsigned char)((v[1] & 15) << 4 | v[2] >> 2);
		if (pad < 1)
			out[o++] = (unsigned char)((v[2] & 3) << 6 | v[3]);
	}
	return (long)o;
}

void kv_opts_init(struct kv_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->times = KV_DEFAULT_TIMES;
	o->size = KV_DEFAULT_SIZE;
	o->concurrency = KV_DEFAULT_CONCURRENCY;
	o->gets = true;
	o->warmup = true;
	o->timeout_ms = KV_DEFAULT_TIMEOUT_MS;
}

/* Is HOST (as curl's URL parser gives it: IPv6 in brackets) an address? */
static bool host_is_address(const char *host)
{
	unsigned char a[16];
	char v6[64];
	size_t n = strlen(host);

	if (inet_pton(AF_INET, host, a) == 1)
		return true;
	if (n < 3 || n - 2 >= sizeof(v6) || host[0] != '[' || host[n - 1] != ']')
		return false;
	memcpy(v6, host + 1, n - 2);
	v6[n - 2] = '\0';
	return inet_pton(AF_INET6, v6, a) == 1;
}

/* Parse ENDPOINT into *URLP (curl_url_cleanup() it). Returns 0 or -EINVAL
 * with MSG. */
static int endpoint_parse(const char *endpoint, CURLU **urlp, char *msg,
			  size_t len)
{
	CURLU *u = curl_url();
	char *scheme = NULL, *host = NULL, *path = NULL, *part = NULL;
	int ret = -EINVAL;

	*urlp = NULL;
	if (!u) {
		snprintf(msg, len, "out of memory");
		return -ENOMEM;
	}
	if (curl_url_set(u, CURLUPART_URL, endpoint, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK) {
		snprintf(msg, len, "endpoint '%s': not a URL (want http://ADDR:PORT)",
			 endpoint);
		goto out;
	}
	if (strcmp(scheme, "http") != 0) {
		snprintf(msg, len, "endpoint '%s': scheme '%s' is not supported (want http)",
			 endpoint, scheme);
		goto out;
	}
	if (!host_is_address(host)) {
		snprintf(msg, len, "endpoint '%s': host '%s' is not an IP address (no name lookups inside a node)",
			 endpoint, host);
		goto out;
	}
	if (curl_url_get(u, CURLUPART_USER, &part, 0) == CURLUE_OK ||
	    curl_url_get(u, CURLUPART_QUERY, &part, 0) == CURLUE_OK ||
	    curl_url_get(u, CURLUPART_FRAGMENT, &part, 0) == CURLUE_OK ||
	    (curl_url_get(u, CURLUPART_PATH, &path, 0) == CURLUE_OK &&
	     strcmp(path, "/") != 0)) {
		snprintf(msg, len, "endpoint '%s': want only http://ADDR:PORT (no path, user or query)",
			 endpoint);
		goto out;
	}
	*urlp = u;
	u = NULL;
	ret = 0;
out:
	curl_free(scheme);
	curl_free(host);
	curl_free(path);
	curl_free(part);
	curl_url_cleanup(u);
	return ret;
}

int kv_opts_check(const struct kv_opts *o, char *msg, size_t len)
{
	CURLU *u = NULL;
	const char *p;
	int ret;

	if (!o->endpoint || !*o->endpoint) {
		snprintf(msg, len, "no endpoint");
		return -EINVAL;
	}
	ret = endpoint_parse(o->endpoint, &u, msg, len);
	curl_url_cleanup(u);
	if (ret)
		return ret;
	if (!o->prefix || !*o->prefix || strlen(o->prefix) > KV_PREFIX_MAX) {
		snprintf(msg, len, "key prefix must be 1 to %u bytes", KV_PREFIX_MAX);
		return -EINVAL;
	}
	for (p = o->prefix; *p; p++) {
		if (*p <= ' ' || *p > '~') {
			snprintf(msg, len, "key prefix '%s': only printable ASCII without spaces",
				 o->prefix);
			return -EINVAL;
		}
	}
	if (o->times < 1 || o->times > KV_TIMES_MAX) {
		snprintf(msg, len, "times %u is out of range (1 to %u)", o->times,
			 KV_TIMES_MAX);
		return -EINVAL;
	}
	if (o->size > KV_SIZE_MAX) {
		snprintf(msg, len, "size %zu is out of range (0 to %u bytes)",
			 o->size, KV_SIZE_MAX);
		return -EINVAL;
	}
	if (o->concurrency < 1 || o->concurrency > KV_CONCURRENCY_MAX) {
		snprintf(msg, len, "concurrency %u is out of range (1 to %u)",
			 o->concurrency, KV_CONCURRENCY_MAX);
		return -EINVAL;
	}
	if (o->timeout_ms < 1 || o->timeout_ms > KV_TIMEOUT_MAX_MS) {
		snprintf(msg, len, "timeout %u ms is out of range (1 to %u)",
			 o->timeout_ms, KV_TIMEOUT_MAX_MS);
		return -EINVAL;
	}
	return 0;
}

struct curl_slist *kv_headers_new(void)
{
	struct curl_slist *h = NULL, *t;

	/* The gateway takes JSON whatever the type says; say it anyway.
	 * "Expect:" stops libcurl from waiting for a 100 Continue (a round
	 * trip, or a 1 s timeout) before sending a large value. */
	t = curl_slist_append(h, "Content-Type: application/json");
	if (!t)
		return NULL;
	h = t;
	t = curl_slist_append(h, "Expect:");
	if (!t) {
		curl_slist_free_all(h);
		return NULL;
	}
	return t;
}

CURLcode kv_easy_setopts(CURL *easy, struct curl_slist *headers,
			 char *errbuf, unsigned timeout_ms)
{
	CURLcode rc = CURLE_OK;

#define SET(opt, val) do { if (rc == CURLE_OK) rc = curl_easy_setopt(easy, opt, val); } while (0)
	SET(CURLOPT_NOSIGNAL, 1L);
	/* "" and "*": neither http_proxy nor no_proxy from the environment */
	SET(CURLOPT_PROXY, "");
	SET(CURLOPT_NOPROXY, "*");
	SET(CURLOPT_PROTOCOLS_STR, "http");
	SET(CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1);
	SET(CURLOPT_FOLLOWLOCATION, 0L);
	SET(CURLOPT_TCP_NODELAY, 1L);
	SET(CURLOPT_FORBID_REUSE, 0L);
	SET(CURLOPT_HTTPHEADER, headers);
	SET(CURLOPT_ERRORBUFFER, errbuf);
	SET(CURLOPT_TIMEOUT_MS, (long)timeout_ms);
	SET(CURLOPT_CONNECTTIMEOUT_MS, (long)timeout_ms);
#undef SET
	return rc;
}

/* Copy at most KV_TEXT_MAX bytes of TEXT[0..N) into OUT (LEN bytes) for a
 * message: what a server sent is hostile, so only printable ASCII. */
static void text_clean(const char *text, size_t n, char *out, size_t len)
{
	size_t i, o = 0;

	if (n > KV_TEXT_MAX)
		n = KV_TEXT_MAX;
	for (i = 0; i < n && o + 1 < len; i++)
		out[o++] = text[i] >= ' ' && text[i] <= '~' ? text[i] : ' ';
	while (o > 0 && out[o - 1] == ' ')
		o--;
	out[o] = '\0';
}

static void key_make(const struct kv_run *r, unsigned key, char *out,
		     size_t len)
{
	snprintf(out, len, "%s%0*u", r->o->prefix, KV_KEY_DIGITS, key);
}

/* Build slot S's request body for key KEY of the current phase. */
static void body_make(struct kv_run *r, struct kv_slot *s, unsigned key)
{
	char k[KV_PREFIX_MAX + KV_KEY_DIGITS + 16];
	size_t n = 0;

	if (r->phase == KV_WARMUP)
		snprintf(k, sizeof(k), "%s", r->o->prefix);
	else
		key_make(r, key, k, sizeof(k));
	memcpy(s->body, "{\"key\":\"", 8);
	n = 8;
	n += kv_base64_encode((const unsigned char *)k, strlen(k), s->body + n);
	if (r->phase == KV_PUT) {
		memcpy(s->body + n, "\",\"value\":\"", 11);
		n += 11;
		value_make(r->nonce, key, r->value, r->o->size);
		n += kv_base64_encode(r->value, r->o->size, s->body + n);
	}
	memcpy(s->body + n, "\"}", 3);
	s->body_len = n + 2;
	s->key = key;
}

/* Start as many operations as there are idle slots and operations left. */
static int slots_start(struct kv_run *r)
{
	struct kv_slot *ready[KV_CONCURRENCY_MAX];
	unsigned i, m = 0;

	/* Bodies first: the values of a burst of starts are made before
	 * any of their clocks run. */
	for (i = 0; i < r->n_slots && r->next < r->n; i++) {
		struct kv_slot *s = &r->slots[i];

		if (s->busy)
			continue;
		body_make(r, s, r->next++);
		ready[m++] = s;
	}
	for (i = 0; i < m; i++) {
		struct kv_slot *s = ready[i];
		CURLcode rc;
		CURLMcode mc;

		strbuf_reset(&s->answer);
		s->answer_over = false;
		s->errbuf[0] = '\0';
		s->done = false;
		rc = curl_easy_setopt(s->easy, CURLOPT_URL,
				      r->phase == KV_PUT ? r->url_put : r->url_range);
		if (rc == CURLE_OK)
			rc = curl_easy_setopt(s->easy, CURLOPT_POSTFIELDSIZE,
					      (long)s->body_len);
		if (rc == CURLE_OK)
			rc = curl_easy_setopt(s->easy, CURLOPT_POSTFIELDS, s->body);
		if (rc != CURLE_OK)
			return rc == CURLE_OUT_OF_MEMORY ? -ENOMEM : -EIO;
		s->start = (double)now_ns(CLOCK_REALTIME) / 1e9;
		s->t0 = now_ns(CLOCK_MONOTONIC);
		mc = curl_multi_add_handle(r->multi, s->easy);
		if (mc != CURLM_OK)
			return mc == CURLM_OUT_OF_MEMORY ? -ENOMEM : -EIO;
		s->busy = true;
	}
	return 0;
}

/* Mark the transfers that the last perform finished, at time T1. */
static unsigned collect(struct kv_run *r, int64_t t1)
{
	CURLMsg *m;
	int left;
	unsigned n = 0;

	while ((m = curl_multi_info_read(r->multi, &left))) {
		struct kv_slot *s = NULL;

		if (m->msg != CURLMSG_DONE)
			continue;
		curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&s);
		if (!s || !s->busy)
			continue;
		s->done = true;
		s->rc = m->data.result;
		s->t1 = t1;
		n++;
	}
	return n;
}

/* Describe what etcd said in a non-200 answer. */
static void etcd_error(struct kv_slot *s, long status)
{
	const char *text = strbuf_str(&s->answer);
	char clean[KV_TEXT_MAX + 1];
	json_t *root = json_loadb(text, s->answer.len, 0, NULL);
	const char *e = root ? json_string_value(json_object_get(root, "error")) : NULL;
	json_t *code = root ? json_object_get(root, "code") : NULL;

	if (!e && root)
		e = json_string_value(json_object_get(root, "message"));
	if (e) {
		text_clean(e, strlen(e), clean, sizeof(clean));
		if (json_is_integer(code))
			snprintf(s->msg, sizeof(s->msg), "etcd: %s (HTTP %ld, code %lld)",
				 clean, status, (long long)json_integer_value(code));
		else
			snprintf(s->msg, sizeof(s->msg), "etcd: %s (HTTP %ld)", clean,
				 status);
	} else if (s->answer.len) {
		text_clean(text, s->answer.len, clean, sizeof(clean));
		snprintf(s->msg, sizeof(s->msg), "HTTP %ld: %s", status, clean);
	} else {
		snprintf(s->msg, sizeof(s->msg), "HTTP %ld with an empty answer", status);
	}
	json_decref(root);
}

/* Check a get's answer ROOT against the value put. */
static bool get_check(struct kv_run *r, struct kv_slot *s, json_t *root)
{
	char key[KV_PREFIX_MAX + KV_KEY_DIGITS + 16];
	json_t *kvs = json_object_get(root, "kvs");
	json_t *val;
	const char *b64 = "";
	size_t b64_len = 0, i;
	long n;

	key_make(r, s->key, key, sizeof(key));
	if (!json_is_array(kvs) || json_array_size(kvs) == 0) {
		snprintf(s->msg, sizeof(s->msg), "key '%s' not found%s (HTTP 200)", key,
			 r->put_ok[s->key] ? "" : ", its put failed");
		return false;
	}
	/* etcd leaves an empty value out */
	val = json_object_get(json_array_get(kvs, 0), "value");
	if (val) {
		b64 = json_string_value(val);
		b64_len = json_string_length(val);
	}
	n = b64 && b64_len / 4 * 3 <= r->got_cap ?
		kv_base64_decode(b64, b64_len, r->got) : -EINVAL;
	if (n < 0) {
		snprintf(s->msg, sizeof(s->msg), "value of '%s' is not base64 (HTTP 200)",
			 key);
		return false;
	}
	value_make(r->nonce, s->key, r->value, r->o->size);
	if ((size_t)n != r->o->size) {
		snprintf(s->msg, sizeof(s->msg), "value of '%s' differs from the one put (%ld bytes, expected %zu) (HTTP 200)",
			 key, n, r->o->size);
		return false;
	}
	for (i = 0; i < r->o->size && r->got[i] == r->value[i]; i++)
		;
	if (i < r->o->size) {
		snprintf(s->msg, sizeof(s->msg), "value of '%s' differs from the one put (%zu bytes, first difference at byte %zu) (HTTP 200)",
			 key, r->o->size, i);
		return false;
	}
	return true;
}

/* Did slot S's finished operation work? If not, S->msg says why. */
static bool op_check(struct kv_run *r, struct kv_slot *s, long status)
{
	char clean[KV_TEXT_MAX + 1];
	json_t *root;
	bool ok;

	if (s->rc != CURLE_OK) {
		if (s->answer_over)
			snprintf(s->msg, sizeof(s->msg), "answer larger than %zu bytes (HTTP %ld)",
				 r->answer_max, status);
		else if (s->answer.err)
			snprintf(s->msg, sizeof(s->msg), "out of memory reading the answer (HTTP %ld)",
				 status);
		else if (status)
			snprintf(s->msg, sizeof(s->msg), "curl error %d: %s (HTTP %ld)",
				 (int)s->rc, s->errbuf[0] ? s->errbuf : curl_easy_strerror(s->rc),
				 status);
		else
			snprintf(s->msg, sizeof(s->msg), "curl error %d: %s (no HTTP status)",
				 (int)s->rc, s->errbuf[0] ? s->errbuf : curl_easy_strerror(s->rc));
		return false;
	}
	if (status != 200) {
		etcd_error(s, status);
		return false;
	}
	root = json_loadb(strbuf_str(&s->answer), s->answer.len, 0, NULL);
	if (!json_is_object(root) || !json_is_object(json_object_get(root, "header"))) {
		text_clean(strbuf_str(&s->answer), s->answer.len, clean, sizeof(clean));
		snprintf(s->msg, sizeof(s->msg), "not an etcd answer (HTTP 200): %s", clean);
		json_decref(root);
		return false;
	}
	ok = r->phase == KV_GET ? get_check(r, s, root) : true;
	json_decref(root);
	return ok;
}

/* Finish slot S: check, count, emit (unless the run is stopping because
 * emit asked to). */
static void slot_finish(struct kv_run *r, struct kv_slot *s)
{
	struct wl_op op;
	long status = 0, conns = 0;
	bool ok;
	int rc;

	curl_easy_getinfo(s->easy, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_getinfo(s->easy, CURLINFO_NUM_CONNECTS, &conns);
	curl_multi_remove_handle(r->multi, s->easy);
	s->busy = false;
	s->done = false;
	r->finished++;
	ok = op_check(r, s, status);
	if (r->phase == KV_WARMUP) {
		r->res->warmup_conns += (unsigned)conns;
		r->res->warmup_failed += !ok;
		return;
	}
	if (r->phase == KV_PUT)
		r->put_ok[s->key] = ok;
	if (r->stop && r->stop != -EINTR)
		return;
	r->res->conns += (unsigned)conns;
	memset(&op, 0, sizeof(op));
	snprintf(op.op, sizeof(op.op), "%s", r->phase == KV_PUT ? "put" : "get");
	op.start = s->start;
	op.duration_ms = (double)(s->t1 - s->t0) / 1e6;
	op.ok = ok;
	op.error = ok ? NULL : s->msg;
	op.iteration = s->key + 1;
	if (r->phase == KV_PUT)
		r->res->puts++;
	else
		r->res->gets++;
	r->res->failed += !ok;
	r->emitted++;
	rc = r->emit ? r->emit(r->arg, &op) : 0;
	if (rc < 0)
		r->stop = rc;
}

static bool stop_asked(const struct kv_run *r)
{
	return r->o->stop && *r->o->stop;
}

/* Run N operations of phase PH. Returns 0 (r->stop says whether the run
 * ends early) or a negative errno for a libcurl failure. */
static int phase_run(struct kv_run *r, enum kv_phase ph, unsigned n)
{
	unsigned i;
	int ret = 0;

	r->phase = ph;
	r->n = n;
	r->next = 0;
	r->finished = 0;
	while (r->finished < r->n) {
		CURLMcode mc;
		int running;
		unsigned done;

		if (stop_asked(r)) {
			r->stop = -EINTR;
			break;
		}
		ret = slots_start(r);
		if (ret)
			break;
		mc = curl_multi_perform(r->multi, &running);
		if (mc != CURLM_OK) {
			ret = mc == CURLM_OUT_OF_MEMORY ? -ENOMEM : -EIO;
			break;
		}
		done = collect(r, now_ns(CLOCK_MONOTONIC));
		for (i = 0; i < r->n_slots; i++)
			if (r->slots[i].busy && r->slots[i].done)
				slot_finish(r, &r->slots[i]);
		if (r->stop)
			break;
		if (done)
			continue;       /* start the next ones at once */
		mc = curl_multi_poll(r->multi, NULL, 0, KV_POLL_MS, NULL);
		if (mc != CURLM_OK) {
			ret = mc == CURLM_OUT_OF_MEMORY ? -ENOMEM : -EIO;
			break;
		}
	}
	/* Whatever is still in flight did not finish: dropped. */
	for (i = 0; i < r->n_slots; i++) {
		if (r->slots[i].busy) {
			curl_multi_remove_handle(r->multi, r->slots[i].easy);
			r->slots[i].busy = false;
		}
	}
	return ret;
}

static size_t on_answer(char *data, size_t size, size_t nmemb, void *p)
{
	struct kv_slot *s = p;
	size_t n = size * nmemb;

	if (n > s->run->answer_max - s->answer.len) {
		s->answer_over = true;
		return 0;
	}
	if (strbuf_add(&s->answer, data, n) < 0)
		return 0;
	return n;
}

static int url_with_path(CURLU *base, const char *path, char **out)
{
	if (curl_url_set(base, CURLUPART_PATH, path, 0) != CURLUE_OK ||
	    curl_url_get(base, CURLUPART_URL, out, 0) != CURLUE_OK)
		return -ENOMEM;
	return 0;
}

/* Allocate R's buffers, handles and URLs for options O. */
static int run_setup(struct kv_run *r, char *msg, size_t len)
{
	const struct kv_opts *o = r->o;
	size_t key_b64 = (KV_PREFIX_MAX + KV_KEY_DIGITS + 2) / 3 * 4;
	size_t val_b64 = (o->size + 2) / 3 * 4;
	CURLU *u = NULL;
	unsigned i;
	int ret;

	ret = endpoint_parse(o->endpoint, &u, msg, len);
	if (ret)
		return ret;
	ret = url_with_path(u, KV_PATH_PUT, &r->url_put);
	if (!ret)
		ret = url_with_path(u, KV_PATH_RANGE, &r->url_range);
	curl_url_cleanup(u);
	if (ret)
		goto nomem;
	r->n_slots = o->concurrency < o->times ? o->concurrency : o->times;
	r->body_cap = 32 + key_b64 + val_b64;
	r->answer_max = KV_ANSWER_SLACK + key_b64 + val_b64;
	r->got_cap = val_b64 / 4 * 3 + 3;
	r->value = malloc(o->size ? o->size : 1);
	r->got = malloc(r->got_cap);
	r->put_ok = calloc(o->times, sizeof(*r->put_ok));
	r->slots = calloc(r->n_slots, sizeof(*r->slots));
	r->headers = kv_headers_new();
	r->multi = curl_multi_init();
	if (!r->value || !r->got || !r->put_ok || !r->slots || !r->headers ||
	    !r->multi)
		goto nomem;
	/* At most one connection per slot, none pipelined or multiplexed,
	 * and every one kept in the cache between operations. */
	if (curl_multi_setopt(r->multi, CURLMOPT_MAX_TOTAL_CONNECTIONS, (long)r->n_slots) ||
	    curl_multi_setopt(r->multi, CURLMOPT_MAX_HOST_CONNECTIONS, (long)r->n_slots) ||
	    curl_multi_setopt(r->multi, CURLMOPT_MAXCONNECTS, (long)r->n_slots) ||
	    curl_multi_setopt(r->multi, CURLMOPT_PIPELINING, (long)CURLPIPE_NOTHING))
		goto nomem;
	for (i = 0; i < r->n_slots; i++) {
		struct kv_slot *s = &r->slots[i];

		s->run = r;
		s->body = malloc(r->body_cap);
		s->easy = curl_easy_init();
		if (!s->body || !s->easy ||
		    kv_easy_setopts(s->easy, r->headers, s->errbuf, o->timeout_ms) ||
		    curl_easy_setopt(s->easy, CURLOPT_WRITEFUNCTION, on_answer) ||
		    curl_easy_setopt(s->easy, CURLOPT_WRITEDATA, s) ||
		    curl_easy_setopt(s->easy, CURLOPT_PRIVATE, (char *)s))
			goto nomem;
	}
	return 0;
nomem:
	snprintf(msg, len, "out of memory (or libcurl refused an option)");
	return -ENOMEM;
}

static void run_release(struct kv_run *r)
{
	unsigned i;

	for (i = 0; r->slots && i < r->n_slots; i++) {
		struct kv_slot *s = &r->slots[i];

		if (s->busy)
			curl_multi_remove_handle(r->multi, s->easy);
		curl_easy_cleanup(s->easy);
		free(s->body);
		strbuf_release(&s->answer);
	}
	free(r->slots);
	curl_multi_cleanup(r->multi);
	curl_slist_free_all(r->headers);
	curl_free(r->url_put);
	curl_free(r->url_range);
	free(r->value);
	free(r->got);
	free(r->put_ok);
}

int kv_run(const struct kv_opts *o, wl_emit_fn emit, void *arg,
	   struct kv_result *res, char **err)
{
	struct kv_result own;
	struct kv_run r;
	char msg[KV_MSG_MAX];
	bool global = false;
	uint64_t seed;
	int ret;

	if (err)
		*err = NULL;
	if (!res)
		res = &own;
	memset(res, 0, sizeof(*res));
	memset(&r, 0, sizeof(r));
	msg[0] = '\0';
	ret = kv_opts_check(o, msg, sizeof(msg));
	if (ret)
		goto out;
	/* Reference-counted and thread-safe in this libcurl (7.84 and
	 * later, "threadsafe" in curl -V): runner threads may each call. */
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		snprintf(msg, sizeof(msg), "libcurl cannot initialise");
		ret = -EIO;
		goto out;
	}
	global = true;
	r.o = o;
	r.emit = emit;
	r.arg = arg;
	r.res = res;
	seed = (uint64_t)now_ns(CLOCK_REALTIME) ^ ((uint64_t)getpid() << 40) ^
	       (uint64_t)(uintptr_t)&r;
	r.nonce = splitmix64(&seed);
	ret = run_setup(&r, msg, sizeof(msg));
	if (ret)
		goto out;
	if (o->warmup)
		ret = phase_run(&r, KV_WARMUP, r.n_slots);
	if (!ret && !r.stop)
		ret = phase_run(&r, KV_PUT, o->times);
	if (!ret && !r.stop && o->gets)
		ret = phase_run(&r, KV_GET, o->times);
	if (ret)
		snprintf(msg, sizeof(msg), "libcurl failed: %s",
			 ret == -ENOMEM ? "out of memory" : "multi interface error");
	else if (r.stop == -EINTR)
		snprintf(msg, sizeof(msg), "stopped after %u operations", r.emitted);
	else if (r.stop)
		snprintf(msg, sizeof(msg), "stopped by the caller (%s) after %u operations",
			 strerror(-r.stop), r.emitted);
	if (!ret)
		ret = r.stop;
	res->stopped = r.stop != 0;
out:
	run_release(&r);
	if (global)
		curl_global_cleanup();
	if (ret && err)
		*err = strdup(msg[0] ? msg : strerror(-ret));
	return ret;
}
