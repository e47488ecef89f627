/* probe — UDP echo RTT between namespaces in one process; see probe.h.
 *
 * Setup makes every socket in its namespace: the distinct namespaces are
 * opened once, servers are made grouped by destination namespace and
 * clients by source namespace, so the thread switches namespace once per
 * group rather than per pair. The loop then follows a fixed schedule:
 * probe k of pair i is due at t0 + k * interval + i * interval / n
 * (CLOCK_MONOTONIC), a timerfd wakes the loop for the next due probe, and
 * replies carry (token, pair, seq) so late, stray and duplicate packets are
 * recognised. Send times are CLOCK_REALTIME taken just before sendto(),
 * receive times are the kernel's SO_TIMESTAMPNS, which use the same clock.
 */
#include "workloads/probe.h"

#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "emulator/netns.h"

#define PROBE_MAGIC        0x656e6f73u     /* "enos" */
#define PROBE_MAX_SAMPLES  1000000u
#define PROBE_DEF_TIMEOUT  1000u
#define NS_PER_MS          1000000LL
#define PROBE_RCVBUF       (4 << 20)

/* epoll tags: the kind in the top bits, the index below. */
#define TAG_TIMER   (1ull << 62)
#define TAG_SERVER  (2ull << 62)
#define TAG_CLIENT  (3ull << 62)
#define TAG_MASK    (3ull << 62)

/* On the wire, network byte order. */
struct probe_msg {
	uint32_t magic;
	uint32_t token;         /* this run's, so older runs' replies are ignored */
	uint32_t pair;
	uint32_t seq;
	uint8_t pad[16];        /* 32 bytes: a small, ping-like datagram */
};

/* One distinct namespace. */
struct ns_ref {
	const char *name;       /* NULL: the caller's own */
	int fd;
};

/* One echo server: a distinct (namespace, address), or a remote echo. */
struct dest {
	size_t ns;              /* index into ns_refs */
	uint32_t addr;
	int fd;                 /* -1: address not local, nobody answers,
				 * or remote */
	uint16_t port;          /* network byte order */
	bool remote;            /* answered elsewhere, at addr:port */
};

/* The client side of one pair. */
struct flow {
	size_t dest;
	int fd;
	int64_t *tx_ns;         /* CLOCK_REALTIME of each probe's send */
	double *rtt_ms;         /* by arrival */
	uint8_t *seen;
	unsigned received;
	unsigned duplicates;
};

struct probe_run {
	struct probe_pair *pairs;
	size_t n;
	const struct probe_opts *o;
	uint32_t token;
	int orig_ns;            /* the calling thread's namespace */
	bool away;              /* the thread is not in orig_ns */
	struct ns_ref *ns;
	size_t n_ns;
	struct dest *dests;         /* remote echoes first, then servers */
	size_t n_dests;
	size_t n_remote;
	struct flow *flows;
	int epfd;
	int tfd;
	uint64_t pending;       /* replies still expected from live servers */
};

static int64_t now_ns(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int cmp_name(const char *a, const char *b)
{
	if (!a || !b)
		return a ? 1 : b ? -1 : 0;
	return strcmp(a, b);
}

static int cmp_name_ptr(const void *a, const void *b)
{
	return cmp_name(*(const char *const *)a, *(const char *const *)b);
}

/* Index of NAME in the sorted distinct namespaces. */
static size_t ns_find(const struct probe_run *r, const char *name)
{
	size_t lo = 0, hi = r->n_ns, mid;

	/* Lower bound; every name was collected, so it is found. */
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (cmp_name(r->ns[mid].name, name) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Collect and open the distinct namespaces of all pairs. */
static int ns_open_all(struct probe_run *r)
{
	const char **names;
	size_t i, m = 0;
	int ret = 0;

	names = calloc(2 * r->n, sizeof(*names));
	r->ns = calloc(2 * r->n, sizeof(*r->ns));
	if (!names || !r->ns) {
		ret = -ENOMEM;
		goto out;
	}
	for (i = 0; i < r->n; i++) {
		names[2 * i] = r->pairs[i].src_netns;
		/* A remote echo's namespace is not entered. */
		names[2 * i + 1] = r->pairs[i].remote_port ? NULL :
				   r->pairs[i].dst_netns;
	}
	qsort(names, 2 * r->n, sizeof(*names), cmp_name_ptr);
	for (i = 0; i < 2 * r->n; i++) {
		if (m && cmp_name(r->ns[m - 1].name, names[i]) == 0)
			continue;
		r->ns[m].name = names[i];
		r->ns[m].fd = -1;
		m++;
	}
	r->n_ns = m;
	for (i = 0; i < m; i++) {
		if (!r->ns[i].name)
			continue;
		ret = netns_open(r->ns[i].name);
		if (ret < 0)
			goto out;
		r->ns[i].fd = ret;
		ret = 0;
	}
out:
	free(names);
	return ret;
}

/* Move the calling thread into namespace NS (the caller's own if its name
 * is NULL). */
static int ns_enter(struct probe_run *r, size_t ns)
{
	int fd = r->ns[ns].name ? r->ns[ns].fd : r->orig_ns;
	int ret = netns_enter_fd(fd);

	if (ret == 0)
		r->away = fd != r->orig_ns;
	return ret;
}

/* Move the calling thread back into its own namespace, if it left. */
static int ns_back(struct probe_run *r)
{
	int ret = r->away ? netns_leave(r->orig_ns) : 0;

	if (ret == 0)
		r->away = false;
	return ret;
}

static int udp_socket(void)
{
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	return fd < 0 ? -errno : fd;
}

/* Room for a burst of replies from many pairs: the socket buffer size
 * beyond net.core.rmem_max where allowed (root), else as large as it is. */
static void big_rcvbuf(int fd)
{
	int size = PROBE_RCVBUF;

	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)) != 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
}

static int epoll_add(struct probe_run *r, int fd, uint64_t tag)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = tag };

	return epoll_ctl(r->epfd, EPOLL_CTL_ADD, fd, &ev) != 0 ? -errno : 0;
}

/* Order used to group destinations by namespace, then address. */
struct key {
	size_t ns;
	uint32_t addr;
	size_t pair;
};

static int cmp_key(const void *a, const void *b)
{
	const struct key *x = a, *y = b;

	if (x->ns != y->ns)
		return x->ns < y->ns ? -1 : 1;
	if (x->addr != y->addr)
		return x->addr < y->addr ? -1 : 1;
	return x->pair < y->pair ? -1 : x->pair > y->pair;
}

/* One destination per remote echo pair: nothing to bind, replies come
 * from dst_addr:remote_port. Returns how many were made. */
static size_t remote_dests(struct probe_run *r)
{
	size_t i, d = 0;

	for (i = 0; i < r->n; i++) {
		if (!r->pairs[i].remote_port)
			continue;
		r->dests[d].addr = r->pairs[i].dst_addr;
		r->dests[d].fd = -1;
		r->dests[d].port = htons(r->pairs[i].remote_port);
		r->dests[d].remote = true;
		r->flows[i].dest = d++;
	}
	return d;
}

/* Make the echo servers, one per distinct (dst namespace, address) of the
 * local pairs, each bound in its namespace: `nc -u -l ADDR PORT` inside
 * it; remote echo pairs get a destination without a socket. */
static int servers_open(struct probe_run *r)
{
	struct key *keys = calloc(r->n, sizeof(*keys));
	struct sockaddr_in sa;
	socklen_t salen;
	size_t i, m = 0, d, cur_ns = (size_t)-1;
	int ret = 0, one = 1, fd;

	r->dests = calloc(r->n, sizeof(*r->dests));
	if (!keys || !r->dests) {
		ret = -ENOMEM;
		goto out;
	}
	d = r->n_dests = r->n_remote = remote_dests(r);
	for (i = 0; i < r->n; i++) {
		if (r->pairs[i].remote_port)
			continue;
		keys[m].ns = ns_find(r, r->pairs[i].dst_netns);
		keys[m].addr = r->pairs[i].dst_addr;
		keys[m].pair = i;
		m++;
	}
	qsort(keys, m, sizeof(*keys), cmp_key);
	for (i = 0; i < m; i++) {
		if (d > r->n_remote && r->dests[d - 1].ns == keys[i].ns &&
		    r->dests[d - 1].addr == keys[i].addr) {
			r->flows[keys[i].pair].dest = d - 1;
			continue;
		}
		r->dests[d].ns = keys[i].ns;
		r->dests[d].addr = keys[i].addr;
		r->dests[d].fd = -1;
		r->dests[d].port = htons(r->o->port);
		r->flows[keys[i].pair].dest = d;
		d++;
		r->n_dests = d;
		if (keys[i].ns != cur_ns) {
			ret = ns_enter(r, keys[i].ns);
			if (ret)
				goto out;
			cur_ns = keys[i].ns;
		}
		fd = udp_socket();
		if (fd < 0) {
			ret = fd;
			goto out;
		}
		r->dests[d - 1].fd = fd;
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		big_rcvbuf(fd);
		memset(&sa, 0, sizeof(sa));
		sa.sin_family = AF_INET;
		sa.sin_addr.s_addr = htonl(keys[i].addr);
		sa.sin_port = htons(r->o->port);
		if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
			if (errno != EADDRNOTAVAIL) {
				ret = -errno;
				goto out;
			}
			/* Not an address of that namespace: nobody answers. */
			close(fd);
			r->dests[d - 1].fd = -1;
			continue;
		}
		salen = sizeof(sa);
		if (getsockname(fd, (struct sockaddr *)&sa, &salen) != 0) {
			ret = -errno;
			goto out;
		}
		r->dests[d - 1].port = sa.sin_port;
		ret = epoll_add(r, fd, TAG_SERVER | (d - 1));
		if (ret)
			goto out;
	}
out:
	if (!ret)
		ret = ns_back(r);
	free(keys);
	return ret;
}

/* Make each pair's client socket in its source namespace, with kernel
 * receive timestamps on. */
static int clients_open(struct probe_run *r)
{
	struct key *keys = calloc(r->n, sizeof(*keys));
	size_t i, p, cur_ns = (size_t)-1;
	int ret = 0, one = 1, fd;

	if (!keys) {
		ret = -ENOMEM;
		goto out;
	}
	for (i = 0; i < r->n; i++) {
		keys[i].ns = ns_find(r, r->pairs[i].src_netns);
		keys[i].pair = i;
	}
	qsort(keys, r->n, sizeof(*keys), cmp_key);
	for (i = 0; i < r->n; i++) {
		p = keys[i].pair;
		if (keys[i].ns != cur_ns) {
			ret = ns_enter(r, keys[i].ns);
			if (ret)
				goto out;
			cur_ns = keys[i].ns;
		}
		fd = udp_socket();
		if (fd < 0) {
			ret = fd;
			goto out;
		}
		r->flows[p].fd = fd;
		if (setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &one,
			       sizeof(one)) != 0) {
			ret = -errno;
			goto out;
		}
		ret = epoll_add(r, fd, TAG_CLIENT | p);
		if (ret)
			goto out;
	}
out:
	if (!ret)
		ret = ns_back(r);
	free(keys);
	return ret;
}

/* Send probe SEQ of pair P. A refused send is a lost probe. */
static void send_probe(struct probe_run *r, size_t p, unsigned seq)
{
	struct flow *f = &r->flows[p];
	const struct dest *d = &r->dests[f->dest];
	struct probe_msg m;
	struct sockaddr_in sa;

	memset(&m, 0, sizeof(m));
	m.magic = htonl(PROBE_MAGIC);
	m.token = htonl(r->token);
	m.pair = htonl((uint32_t)p);
	m.seq = htonl(seq);
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(d->addr);
	/* With no server, any port: nothing answers there either way. */
	sa.sin_port = d->port ? d->port : htons(9);
	r->pairs[p].sent++;
	f->tx_ns[seq] = now_ns(CLOCK_REALTIME);
	sendto(f->fd, &m, sizeof(m), 0, (struct sockaddr *)&sa, sizeof(sa));
}

static bool msg_ours(const struct probe_run *r, const struct probe_msg *m,
		     ssize_t len)
{
	return len == (ssize_t)sizeof(*m) && ntohl(m->magic) == PROBE_MAGIC &&
	       ntohl(m->token) == r->token;
}

/* Echo everything waiting on server D back to its sender. */
static void serve(struct probe_run *r, size_t d)
{
	struct probe_msg m;
	struct sockaddr_in peer;
	socklen_t plen;
	ssize_t len;

	for (;;) {
		plen = sizeof(peer);
		len = recvfrom(r->dests[d].fd, &m, sizeof(m), MSG_TRUNC,
			       (struct sockaddr *)&peer, &plen);
		if (len < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (!msg_ours(r, &m, len))
			continue;
		sendto(r->dests[d].fd, &m, sizeof(m), 0,
		       (struct sockaddr *)&peer, plen);
	}
}

/* Take every reply waiting on pair P's socket. */
static void receive(struct probe_run *r, size_t p)
{
	struct flow *f = &r->flows[p];
	const struct dest *d = &r->dests[f->dest];
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(struct timespec))];
	} ctl;
	struct probe_msg m;
	struct sockaddr_in peer;
	struct iovec iov = { .iov_base = &m, .iov_len = sizeof(m) };
	struct msghdr mh;
	struct cmsghdr *c;
	struct timespec ts;
	int64_t rx;
	uint32_t seq;
	ssize_t len;

	for (;;) {
		memset(&mh, 0, sizeof(mh));
		mh.msg_name = &peer;
		mh.msg_namelen = sizeof(peer);
		mh.msg_iov = &iov;
		mh.msg_iovlen = 1;
		mh.msg_control = ctl.buf;
		mh.msg_controllen = sizeof(ctl.buf);
		len = recvmsg(f->fd, &mh, MSG_TRUNC);
		if (len < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		rx = -1;
		for (c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
			if (c->cmsg_level == SOL_SOCKET &&
			    c->cmsg_type == SCM_TIMESTAMPNS) {
				memcpy(&ts, CMSG_DATA(c), sizeof(ts));
				rx = (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
			}
		}
		if (rx < 0)
			rx = now_ns(CLOCK_REALTIME);
		seq = ntohl(m.seq);
		if (!msg_ours(r, &m, len) || ntohl(m.pair) != p ||
		    seq >= r->pairs[p].sent || peer.sin_addr.s_addr != htonl(d->addr) ||
		    peer.sin_port != d->port)
			continue;
		if (f->seen[seq]) {
			f->duplicates++;
			continue;
		}
		f->seen[seq] = 1;
		f->rtt_ms[f->received++] = (double)(rx - f->tx_ns[seq]) / NS_PER_MS;
		if (r->pairs[p].sample_ms)
			r->pairs[p].sample_ms[seq] = f->rtt_ms[f->received - 1];
		r->pending--;
	}
}

static int arm(struct probe_run *r, int64_t at_ns)
{
	struct itimerspec it;

	memset(&it, 0, sizeof(it));
	if (at_ns <= 0)
		at_ns = 1;
	it.it_value.tv_sec = at_ns / 1000000000LL;
	it.it_value.tv_nsec = at_ns % 1000000000LL;
	return timerfd_settime(r->tfd, TFD_TIMER_ABSTIME, &it, NULL) != 0 ?
	       -errno : 0;
}

/* The schedule: when event J (probe J / n of pair J % n) is due. */
static int64_t due(const struct probe_run *r, int64_t t0, uint64_t j)
{
	int64_t iv = (int64_t)r->o->interval_ms * NS_PER_MS;
	uint64_t k = j / r->n, i = j % r->n;

	return t0 + (int64_t)k * iv + (int64_t)(i * (uint64_t)iv / r->n);
}

static int run_loop(struct probe_run *r)
{
	const uint64_t total = (uint64_t)r->n * r->o->samples;
	const int64_t wait = (int64_t)(r->o->timeout_ms ? r->o->timeout_ms :
				       PROBE_DEF_TIMEOUT) * NS_PER_MS;
	struct epoll_event ev[64];
	uint64_t next = 0, expiries;
	int64_t t0, now, end = 0;
	int ret = 0, k, i;

	t0 = now_ns(CLOCK_MONOTONIC);
	for (;;) {
		now = now_ns(CLOCK_MONOTONIC);
		while (next < total && due(r, t0, next) <= now) {
			send_probe(r, (size_t)(next % r->n),
				   (unsigned)(next / r->n));
			next++;
			if (next == total)
				end = now_ns(CLOCK_MONOTONIC) + wait;
		}
		if (next == total && (now >= end || r->pending == 0))
			break;
		ret = arm(r, next < total ? due(r, t0, next) : end);
		if (ret)
			goto out;
		k = epoll_wait(r->epfd, ev, (int)(sizeof(ev) / sizeof(ev[0])), -1);
		if (k < 0) {
			if (errno == EINTR)
				continue;
			ret = -errno;
			goto out;
		}
		for (i = 0; i < k; i++) {
			uint64_t tag = ev[i].data.u64 & TAG_MASK;
			size_t idx = (size_t)(ev[i].data.u64 & ~TAG_MASK);

			if (tag == TAG_TIMER) {
				if (read(r->tfd, &expiries, sizeof(expiries)) < 0 &&
				    errno != EAGAIN) {
					ret = -errno;
					goto out;
				}
			} else if (tag == TAG_SERVER) {
				serve(r, idx);
			} else {
				receive(r, idx);
			}
		}
	}
out:
	return ret;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Nearest-rank percentile P of the N sorted values V. */
static double pct(const double *v, size_t n, double p)
{
	size_t rank = (size_t)ceil(p / 100.0 * (double)n);

	return v[rank ? rank - 1 : 0];
}

static void summarise(struct probe_run *r)
{
	size_t i, j;

	for (i = 0; i < r->n; i++) {
		struct probe_pair *pp = &r->pairs[i];
		struct flow *f = &r->flows[i];
		double sum = 0;

		pp->received = f->received;
		pp->duplicates = f->duplicates;
		pp->loss_bursts = 0;
		pp->first_answered = -1;
		for (j = 0; pp->sample_start && j < pp->sent; j++)
			pp->sample_start[j] = (double)f->tx_ns[j] / 1e9;
		for (j = 0; j < pp->sent; j++) {
			if (f->seen[j] && pp->first_answered < 0)
				pp->first_answered = (int)j;
			if (!f->seen[j] && (j == 0 || f->seen[j - 1]))
				pp->loss_bursts++;
		}
		if (!f->received)
			continue;
		qsort(f->rtt_ms, f->received, sizeof(double), cmp_double);
		for (j = 0; j < f->received; j++)
			sum += f->rtt_ms[j];
		pp->min_ms = f->rtt_ms[0];
		pp->max_ms = f->rtt_ms[f->received - 1];
		pp->mean_ms = sum / f->received;
		pp->p50_ms = pct(f->rtt_ms, f->received, 50);
		pp->p90_ms = pct(f->rtt_ms, f->received, 90);
		pp->p99_ms = pct(f->rtt_ms, f->received, 99);
	}
}

static void run_release(struct probe_run *r)
{
	size_t i;

	for (i = 0; r->flows && i < r->n; i++) {
		if (r->flows[i].fd >= 0)
			close(r->flows[i].fd);
		free(r->flows[i].tx_ns);
		free(r->flows[i].rtt_ms);
		free(r->flows[i].seen);
	}
	for (i = 0; r->dests && i < r->n_dests; i++)
		if (r->dests[i].fd >= 0)
			close(r->dests[i].fd);
	for (i = 0; r->ns && i < r->n_ns; i++)
		if (r->ns[i].fd >= 0)
			close(r->ns[i].fd);
	if (r->epfd >= 0)
		close(r->epfd);
	if (r->tfd >= 0)
		close(r->tfd);
	if (r->orig_ns >= 0)
		close(r->orig_ns);
	free(r->flows);
	free(r->dests);
	free(r->ns);
}

int probe_rtt(struct probe_pair *pairs, size_t n, const struct probe_opts *o)
{
	struct probe_run r = { .pairs = pairs, .n = n, .o = o, .orig_ns = -1,
			       .epfd = -1, .tfd = -1 };
	size_t i;
	int ret = 0, back;

	if ((!pairs && n) || !o || !o->samples || o->samples > PROBE_MAX_SAMPLES ||
	    n > (size_t)(TAG_TIMER - 1)) {
		ret = -EINVAL;
		goto out;
	}
	if (!n)
		goto out;       /* nothing to measure */
	for (i = 0; i < n; i++) {
		size_t j;

		for (j = 0; j < o->samples; j++) {
			if (pairs[i].sample_ms)
				pairs[i].sample_ms[j] = NAN;
			if (pairs[i].sample_start)
				pairs[i].sample_start[j] = 0;
		}
		pairs[i].sent = pairs[i].received = pairs[i].duplicates = 0;
		pairs[i].min_ms = pairs[i].mean_ms = pairs[i].max_ms = 0;
		pairs[i].p50_ms = pairs[i].p90_ms = pairs[i].p99_ms = 0;
	}
	if (getrandom(&r.token, sizeof(r.token), GRND_NONBLOCK) !=
	    (ssize_t)sizeof(r.token))
		r.token = (uint32_t)now_ns(CLOCK_REALTIME) ^ (uint32_t)getpid();
	ret = netns_open("/proc/thread-self/ns/net");
	if (ret < 0)
		goto out;
	r.orig_ns = ret;
	ret = 0;
	r.flows = calloc(n, sizeof(*r.flows));
	if (!r.flows) {
		ret = -ENOMEM;
		goto out;
	}
	for (i = 0; i < n; i++) {
		r.flows[i].fd = -1;
		r.flows[i].tx_ns = calloc(o->samples, sizeof(int64_t));
		r.flows[i].rtt_ms = calloc(o->samples, sizeof(double));
		r.flows[i].seen = calloc(o->samples, 1);
		if (!r.flows[i].tx_ns || !r.flows[i].rtt_ms || !r.flows[i].seen) {
			ret = -ENOMEM;
			goto out;
		}
	}
	r.epfd = epoll_create1(EPOLL_CLOEXEC);
	r.tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (r.epfd < 0 || r.tfd < 0) {
		ret = -errno;
		goto out;
	}
	ret = epoll_add(&r, r.tfd, TAG_TIMER);
	if (!ret)
		ret = ns_open_all(&r);
	if (!ret)
		ret = servers_open(&r);
	if (!ret)
		ret = clients_open(&r);
	for (i = 0; !ret && i < n; i++)
		if (r.dests[r.flows[i].dest].fd >= 0 ||
		    r.dests[r.flows[i].dest].remote)
			r.pending += o->samples;
	if (!ret)
		ret = run_loop(&r);
	if (!ret)
		summarise(&r);
out:
	/* Whatever failed, the thread goes home. */
	back = ns_back(&r);
	if (!ret)
		ret = back;
	run_release(&r);
	return ret;
}

int probe_echo_open(const char *netns, uint32_t addr, uint16_t *port)
{
	struct sockaddr_in sa;
	socklen_t salen = sizeof(sa);
	int self = netns_open("/proc/thread-self/ns/net"), ns, fd, rc;

	if (self < 0)
		return self;
	ns = netns_open(netns);
	if (ns < 0) {
		close(self);
		return ns;
	}
	rc = netns_enter_fd(ns);
	fd = rc < 0 ? rc : udp_socket();
	if (rc == 0 && netns_leave(self) < 0 && fd >= 0) {
		close(fd);
		fd = -EPERM;
	}
	close(ns);
	close(self);
	if (fd < 0)
		return fd;
	big_rcvbuf(fd);
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(addr);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
	    getsockname(fd, (struct sockaddr *)&sa, &salen) != 0) {
		rc = -errno;
		close(fd);
		return rc;
	}
	*port = ntohs(sa.sin_port);
	return fd;
}

int probe_echo_serve(const int *fds, size_t n, int stop_fd, unsigned max_ms)
{
	struct epoll_event ev, evs[64];
	int64_t end = now_ns(CLOCK_MONOTONIC) + (int64_t)max_ms * NS_PER_MS;
	int ep = epoll_create1(EPOLL_CLOEXEC), rc = 0, k, i;
	size_t j;

	if (ep < 0)
		return -errno;
	for (j = 0; j <= n && rc == 0; j++) {
		int fd = j < n ? fds[j] : stop_fd;

		if (fd < 0)
			continue;
		ev.events = EPOLLIN;
		ev.data.u64 = j;
		if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) != 0)
			rc = -errno;
	}
	while (rc == 0) {
		int64_t left = end - now_ns(CLOCK_MONOTONIC);

		if (left <= 0)
			break;
		k = epoll_wait(ep, evs, 64, (int)(left / NS_PER_MS) + 1);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0) {
			rc = -errno;
			break;
		}
		for (i = 0; i < k; i++) {
			struct probe_msg m;
			struct sockaddr_in peer;
			socklen_t plen;
			ssize_t len;

			if (evs[i].data.u64 == n)
				goto out;       /* told to stop */
			for (;;) {
				plen = sizeof(peer);
				len = recvfrom(fds[evs[i].data.u64], &m, sizeof(m),
					       MSG_TRUNC, (struct sockaddr *)&peer,
					       &plen);
				if (len < 0)
					break;
				/* Any run's token: the prober checks its own. */
				if (len != (ssize_t)sizeof(m) ||
				    ntohl(m.magic) != PROBE_MAGIC)
					continue;
				sendto(fds[evs[i].data.u64], &m, sizeof(m), 0,
				       (struct sockaddr *)&peer, plen);
			}
		}
	}
out:
	close(ep);
	return rc;
}
