/* wand_ctl — both ends of the wand control protocol (described in
 * emulator/wand.h): the KEY=VALUE text of a direction's parameters, which
 * is the canonical text of the constraint language (emulator/constraint.c)
 * plus the protocol's own cut=0|1, and the client calls enos uses to drive
 * a running engine. The engine's side of the socket is in wand_engine.c;
 * it decodes with the same functions.
 */
#include <errno.h>
#include <math.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "emulator/constraint.h"
#include "emulator/trace.h"
#include "emulator/traffic.h"
#include "emulator/wand.h"
#include "emulator/wand_core.h"
#include "util/strbuf.h"

#define CLIENT_TIMEOUT_MS 10000

int wand_params_decode(int argc, char *const argv[], struct link_params *p,
		       bool *cut, char *err, size_t errlen)
{
	struct constraint c = { 0 };
	unsigned given = 0;
	char *msg = NULL;
	int i, rc = 0;

	memset(p, 0, sizeof(*p));
	*cut = false;
	for (i = 0; i < argc && !rc; i++) {
		/* cut=0|1 is the protocol's own word, not a constraint. */
		if (!strncmp(argv[i], "cut=", 4)) {
			if (strcmp(argv[i] + 4, "0") && strcmp(argv[i] + 4, "1")) {
				snprintf(err, errlen, "bad value '%.40s' for 'cut'",
					 argv[i] + 4);
				rc = -EINVAL;
			}
			*cut = argv[i][4] == '1';
			continue;
		}
		rc = constraint_parse_kv(&c, argv[i], &given, &msg);
		if (rc)
			snprintf(err, errlen, "%s", msg ? msg : strerror(-rc));
		free(msg);
		msg = NULL;
	}
	/* No constraint_check: a resolved direction may keep a distribution
	 * with no jitter (it means nothing to the datapath). */
	if (!rc)
		constraint_apply(&c, p);
	return rc;
}

int wand_params_parse(const char *s, struct link_params *p, bool *cut,
		      char *err, size_t errlen)
{
	char *line = NULL, *argv[WAND_CTL_ARGS];
	int argc, rc = -EINVAL;

	if (strlen(s) > WAND_LINE_MAX) {
		snprintf(err, errlen, "request too long");
		goto out;
	}
	line = strdup(s);
	if (!line) {
		snprintf(err, errlen, "out of memory");
		rc = -ENOMEM;
		goto out;
	}
	argc = wand_ctl_split(line, argv, WAND_CTL_ARGS);
	if (argc < 0)
		snprintf(err, errlen, "too many words");
	else
		rc = wand_params_decode(argc, argv, p, cut, err, errlen);
out:
	free(line);
	return rc;
}

int wand_ctl_split(char *line, char **argv, int max)
{
	int n = 0;
	char *p = line;

	for (;;) {
		while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
			p++;
		if (!*p)
			return n;
		if (n == max)
			return -E2BIG;
		argv[n++] = p;
		while (*p && *p != ' ' && *p != '\t' && *p != '\r' && *p != '\n')
			p++;
		if (*p)
			*p++ = '\0';
	}
}

bool wand_params_plain(const struct link_params *p)
{
	return !p->delay_us && !p->jitter_us && p->dist == DIST_NONE &&
	       p->jitter_corr_pct == 0 && p->loss_pct == 0 &&
	       p->loss_burst == 0 && !p->rate_bps && !p->queue_pkts;
}

int wand_params_format(const struct link_params *p, bool cut, bool all,
		       char *buf, size_t len)
{
	struct strbuf sb = STRBUF_INIT;
	struct constraint c;
	int n;

	constraint_of_params(p, &c);
	constraint_format(&c, &sb);
	if (all || cut)
		strbuf_addf(&sb, "%scut=%d", sb.len ? " " : "", cut ? 1 : 0);
	n = snprintf(buf, len, "%s", sb.err ? "" : strbuf_str(&sb));
	strbuf_release(&sb);
	return n;
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int wand_client_connect(const char *ctl_path, int *fd)
{
	struct sockaddr_un sa;
	struct timeval tv = { CLIENT_TIMEOUT_MS / 1000, 0 };
	int s = -1, rc = 0;

	if (!ctl_path || strlen(ctl_path) >= sizeof(sa.sun_path))
		return -EINVAL;
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	memcpy(sa.sun_path, ctl_path, strlen(ctl_path) + 1);
	s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s < 0) {
		rc = -errno;
		goto out;
	}
	setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(s, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (connect(s, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		rc = -errno;
		goto out;
	}
	*fd = s;
	s = -1;
out:
	if (s >= 0)
		close(s);
	return rc;
}

/* Is the reply in BUF[0..LEN) complete? One line, or through "end\n" for
 * a multi-line "ok stats" or "ok traffic" reply. */
static bool reply_done(const char *buf, size_t len)
{
	const char *nl = memchr(buf, '\n', len);

	if (!nl)
		return false;
	if (strncmp(buf, "ok stats", 8) != 0 &&
	    strncmp(buf, "ok traffic ", 11) != 0)
		return true;
	return len >= 5 && memcmp(buf + len - 5, "\nend\n", 5) == 0;
}

int wand_request(const char *ctl_path, const char *req, size_t len,
		 char **reply)
{
	char *buf = NULL, *nb;
	size_t cap = 0, have = 0, sent = 0;
	long long deadline = now_ms() + CLIENT_TIMEOUT_MS;
	int fd = -1, rc;
	ssize_t r;

	if (reply)
		*reply = NULL;
	rc = wand_client_connect(ctl_path, &fd);
	if (rc)
		goto out;
	while (sent < len) {
		r = send(fd, req + sent, len - sent, MSG_NOSIGNAL);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			rc = errno == EAGAIN ? -ETIMEDOUT : -errno;
			goto out;
		}
		sent += (size_t)r;
	}
	for (;;) {
		if (cap - have < 4096) {
			nb = realloc(buf, cap + 65536);
			if (!nb) {
				rc = -ENOMEM;
				goto out;
			}
			buf = nb;
			cap += 65536;
		}
		r = recv(fd, buf + have, cap - have - 1, 0);
		if (r < 0 && errno == EINTR && now_ms() < deadline)
			continue;
		if (r < 0) {
			rc = errno == EAGAIN ? -ETIMEDOUT : -errno;
			goto out;
		}
		if (r == 0) {
			rc = -EPROTO;
			goto out;
		}
		have += (size_t)r;
		if (reply_done(buf, have))
			break;
	}
	buf[have] = '\0';
	rc = strncmp(buf, "ok", 2) == 0 ? 0 : -EINVAL;
	if (rc && strncmp(buf, "error", 5) != 0)
		rc = -EPROTO;
	if (reply) {
		*reply = buf;
		buf = NULL;
	}
out:
	if (fd >= 0)
		close(fd);
	free(buf);
	return rc;
}

/* A one-line request from a format. */
static int request_fmt(const char *ctl_path, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int request_fmt(const char *ctl_path, const char *fmt, ...)
{
	char line[1024];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(line))
		return -EINVAL;
	return wand_request(ctl_path, line, (size_t)n, NULL);
}

int wand_ping(const char *ctl_path)
{
	return request_fmt(ctl_path, "ping\n");
}

int wand_reseed(const char *ctl_path, uint64_t seed)
{
	return request_fmt(ctl_path, "reseed %llu\n", (unsigned long long)seed);
}

int wand_heal(const char *ctl_path)
{
	return request_fmt(ctl_path, "heal\n");
}

int wand_reset(const char *ctl_path)
{
	return request_fmt(ctl_path, "reset\n");
}

int wand_cut(const char *ctl_path, size_t src, size_t dst, bool cut)
{
	return request_fmt(ctl_path, "%s %zu %zu\n", cut ? "cut" : "uncut",
			   src, dst);
}

int wand_set_pair(const char *ctl_path, size_t src, size_t dst,
		  const struct link_params *p, bool cut)
{
	char kv[512];

	if (!p)
		return -EINVAL;
	wand_params_format(p, cut, false, kv, sizeof(kv));
	return request_fmt(ctl_path, "set %zu %zu %s\n", src, dst, kv);
}

int wand_lan_set(const char *ctl_path, size_t site,
		 const struct link_params *p)
{
	char kv[512];

	if (!p)
		return -EINVAL;
	wand_params_format(p, false, false, kv, sizeof(kv));
	return request_fmt(ctl_path, "lan %zu %s\n", site, kv);
}

int wand_partition(const char *ctl_path, const size_t *a, size_t na,
		   const size_t *b, size_t nb)
{
	struct strbuf sb = STRBUF_INIT;
	size_t i;
	int rc;

	strbuf_addf(&sb, "partition ");
	for (i = 0; i < na; i++)
		strbuf_addf(&sb, "%s%zu", i ? "," : "", a[i]);
	strbuf_addf(&sb, " / ");
	for (i = 0; i < nb; i++)
		strbuf_addf(&sb, "%s%zu", i ? "," : "", b[i]);
	strbuf_addf(&sb, "\n");
	rc = sb.err ? sb.err : wand_request(ctl_path, sb.buf, sb.len, NULL);
	strbuf_release(&sb);
	return rc;
}

int wand_apply_table(const char *ctl_path, const struct shape_table *t)
{
	struct strbuf sb = STRBUF_INIT;
	char kv[512];
	size_t s, d, lines = 0, hdr;
	int rc;

	if (!t || !t->p || !t->cut)
		return -EINVAL;
	/* Room for the header, rewritten once the count is known. */
	strbuf_addf(&sb, "table %-20s\n", "");
	hdr = sb.len;
	for (s = 0; s < t->n; s++)
		for (d = 0; d < t->n; d++) {
			const struct link_params *p = shape_at(t, s, d);
			bool cut = t->cut[s * t->n + d];

			if (s == d || (wand_params_plain(p) && !cut))
				continue;
			wand_params_format(p, cut, false, kv, sizeof(kv));
			strbuf_addf(&sb, "%zu %zu %s\n", s, d, kv);
			lines++;
		}
	if (!sb.err) {
		char head[32];
		int n = snprintf(head, sizeof(head), "table %-20zu\n", lines);

		if (n > 0 && (size_t)n == hdr)
			memcpy(sb.buf, head, hdr);
		else
			sb.err = -EINVAL;
	}
	rc = sb.err ? sb.err : wand_request(ctl_path, sb.buf, sb.len, NULL);
	strbuf_release(&sb);
	return rc;
}

int wand_apply_trace(const char *ctl_path, size_t src, size_t dst,
		     const struct shape_trace *st, uint64_t start_us)
{
	struct strbuf sb = STRBUF_INIT;
	const struct trace *tr = st ? st->trace : NULL;
	size_t i;
	int rc;

	if (!tr || !tr->n || !(st->delay || st->loss))
		return -EINVAL;
	strbuf_addf(&sb, "trace %zu %zu %zu %llu %d %s\n", src, dst, tr->n,
		    (unsigned long long)start_us, tr->loop ? 1 : 0,
		    st->delay && st->loss ? "delay,loss" :
		    st->delay ? "delay" : "loss");
	for (i = 0; i < tr->n && !sb.err; i++) {
		struct constraint c = { 0 };

		if (st->delay) {
			c.set |= CON_DELAY;
			c.delay_us = tr->steps[i].delay_us;
		}
		if (st->loss) {
			c.set |= CON_LOSS;
			c.loss_pct = tr->steps[i].loss_pct;
		}
		strbuf_addf(&sb, "%llu ", (unsigned long long)tr->steps[i].at_us);
		constraint_format(&c, &sb);
		strbuf_addc(&sb, '\n');
	}
	rc = sb.err ? sb.err : wand_request(ctl_path, sb.buf, sb.len, NULL);
	strbuf_release(&sb);
	return rc;
}

int wand_trace_start(const char *ctl_path, uint64_t *start_us)
{
	unsigned long long v = 0;
	const char *at;
	char *reply = NULL;
	int rc = wand_request(ctl_path, "info\n", 5, &reply);

	*start_us = 0;
	if (rc == 0) {
		at = strstr(reply, " trace_start=");
		if (!at || sscanf(at, " trace_start=%llu", &v) != 1)
			rc = -EPROTO;
		else
			*start_us = v;
	}
	free(reply);
	return rc;
}

void wand_stats_free(struct wand_stats *s)
{
	if (!s)
		return;
	free(s->ports);
	free(s->pairs);
	free(s);
}

static uint64_t field(const char *line, const char *key)
{
	const char *p = strstr(line, key);

	if (!p)
		return 0;
	return strtoull(p + strlen(key), NULL, 10);
}

int wand_stats(const char *ctl_path, struct wand_stats **out)
{
	struct wand_stats *st = NULL;
	char *reply = NULL, *line, *nl;
	unsigned long long n, i, s, d;
	int rc;

	*out = NULL;
	rc = wand_request(ctl_path, "stats\n", 6, &reply);
	if (rc)
		goto out;
	if (sscanf(reply, "ok stats ports=%llu", &n) != 1 || n == 0 ||
	    n > WAND_MAX_PORTS) {
		rc = -EPROTO;
		goto out;
	}
	st = calloc(1, sizeof(*st));
	if (st) {
		st->n_ports = n;
		st->ports = calloc(n, sizeof(*st->ports));
		st->pairs = calloc(n * n, sizeof(*st->pairs));
	}
	if (!st || !st->ports || !st->pairs) {
		rc = -ENOMEM;
		goto out;
	}
	for (line = strchr(reply, '\n'); line && line[1]; line = nl) {
		line++;
		nl = strchr(line, '\n');
		if (nl)
			*nl = '\0';
		if (sscanf(line, "port %llu", &i) == 1 && i < n) {
			struct wand_port_stats *p = &st->ports[i];

			p->rx_frames = field(line, " rx=");
			p->rx_bytes = field(line, " rx_bytes=");
			p->tx_frames = field(line, " tx=");
			p->tx_bytes = field(line, " tx_bytes=");
			p->tx_errors = field(line, " tx_errors=");
			p->rx_nobuf = field(line, " rx_nobuf=");
		} else if (sscanf(line, "pair %llu %llu", &s, &d) == 2 &&
			   s < n && d < n) {
			struct wand_pair_stats *p = &st->pairs[s * n + d];

			p->frames = field(line, " frames=");
			p->bytes = field(line, " bytes=");
			p->drop_loss = field(line, " loss=");
			p->drop_queue = field(line, " queue=");
			p->drop_cut = field(line, " cut=");
			p->drop_nobuf = field(line, " nobuf=");
			p->qlen = field(line, " qlen=");
		}
		if (!nl)
			break;
	}
	*out = st;
	st = NULL;
out:
	wand_stats_free(st);
	free(reply);
	return rc;
}

/* ---- traffic ---- */

int wand_traffic_format(char *buf, size_t len, size_t src, size_t dst,
			uint8_t proto, uint16_t port,
			const struct traffic_count *c)
{
	return snprintf(buf, len, "%zu %zu %u %u packets=%llu bytes=%llu "
			"payload=%llu\n", src, dst, (unsigned)proto,
			(unsigned)port, (unsigned long long)c->packets,
			(unsigned long long)c->bytes,
			(unsigned long long)c->payload);
}

/* The whole number S (digits only) into *V, at most MAX. */
static int parse_u64(const char *s, uint64_t max, uint64_t *v)
{
	unsigned long long x;
	char *end;

	if (*s < '0' || *s > '9')
		return -EPROTO;
	errno = 0;
	x = strtoull(s, &end, 10);
	if (errno || *end || x > max)
		return -EPROTO;
	*v = x;
	return 0;
}

/* WORD is "KEY=NUMBER": the number into *V. */
static int parse_kv(const char *word, const char *key, uint64_t *v)
{
	size_t k = strlen(key);

	if (strncmp(word, key, k) != 0 || word[k] != '=')
		return -EPROTO;
	return parse_u64(word + k + 1, UINT64_MAX, v);
}

/* One entry line "S D PROTO PORT packets=P bytes=B payload=L" into T. */
static int traffic_line(char *line, struct traffic_table *t)
{
	char *argv[8];
	uint64_t s, d, proto, port;
	struct traffic_count c;
	int rc;

	if (wand_ctl_split(line, argv, 8) != 7)
		return -EPROTO;
	rc = parse_u64(argv[0], t->n_sites - 1, &s);
	if (!rc)
		rc = parse_u64(argv[1], t->n_sites - 1, &d);
	if (!rc)
		rc = parse_u64(argv[2], 255, &proto);
	if (!rc)
		rc = parse_u64(argv[3], 65535, &port);
	if (!rc)
		rc = parse_kv(argv[4], "packets", &c.packets);
	if (!rc)
		rc = parse_kv(argv[5], "bytes", &c.bytes);
	if (!rc)
		rc = parse_kv(argv[6], "payload", &c.payload);
	if (!rc && s == d)
		rc = -EPROTO;
	if (!rc)
		rc = traffic_table_add(t, (size_t)s, (size_t)d, (uint8_t)proto,
				       (uint16_t)port, &c);
	return rc;
}

int wand_traffic_parse(const char *reply, struct traffic_table *t)
{
	char *copy = NULL, *line, *nl, *argv[8];
	uint64_t sites, entries, got = 0;
	int rc = -EPROTO, argc;
	bool ended = false;

	traffic_table_init(t, 0);
	copy = strdup(reply);
	if (!copy)
		return -ENOMEM;
	nl = strchr(copy, '\n');
	if (!nl)
		goto out;
	*nl = '\0';
	/* ok traffic sites=N entries=M lost_packets=P lost_bytes=B
	 * lost_payload=L */
	argc = wand_ctl_split(copy, argv, 8);
	if (argc != 7 || strcmp(argv[0], "ok") || strcmp(argv[1], "traffic") ||
	    parse_kv(argv[2], "sites", &sites) || sites < 1 ||
	    sites > WAND_MAX_PORTS || parse_kv(argv[3], "entries", &entries) ||
	    parse_kv(argv[4], "lost_packets", &t->lost.packets) ||
	    parse_kv(argv[5], "lost_bytes", &t->lost.bytes) ||
	    parse_kv(argv[6], "lost_payload", &t->lost.payload))
		goto out;
	t->n_sites = (size_t)sites;
	rc = 0;
	for (line = nl + 1; *line && !rc; line = nl + 1) {
		nl = strchr(line, '\n');
		if (!nl) {
			rc = -EPROTO;
			break;
		}
		*nl = '\0';
		if (!strcmp(line, "end")) {
			ended = true;
			break;
		}
		rc = got++ < entries ? traffic_line(line, t) : -EPROTO;
	}
	if (!rc && (!ended || got != entries))
		rc = -EPROTO;
	if (!rc)
		traffic_table_finish(t);
out:
	if (rc)
		traffic_table_release(t);
	free(copy);
	return rc;
}

int wand_traffic(const char *ctl_path, struct traffic_table *t)
{
	char *reply = NULL;
	int rc;

	traffic_table_init(t, 0);
	rc = wand_request(ctl_path, "traffic\n", 8, &reply);
	if (!rc)
		rc = wand_traffic_parse(reply, t);
	free(reply);
	return rc;
}

int wand_traffic_reset(const char *ctl_path)
{
	return request_fmt(ctl_path, "traffic reset\n");
}

int wand_traffic_switch(const char *ctl_path, bool on)
{
	return request_fmt(ctl_path, "traffic %s\n", on ? "on" : "off");
}
