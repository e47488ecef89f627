/* test_wand — the wand engine's pure parts (emulator/wand_core.h) without
 * root: the PRNG, Gilbert-Elliott parameters and long-run loss, jitter
 * distributions, the rate queue, the no-reorder clamp, the control
 * protocol's KEY=VALUE text, and software segmentation of TCP/UDP GSO
 * superframes (lengths, sequence numbers, checksums).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/virtio_net.h>
#include <math.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "emulator/wand.h"
#include "emulator/wand_core.h"
#include "tests/suites.h"
#include "tests/testutil.h"

START_TEST(test_rng_seeded)
{
	struct wand_rng a, b, c;
	double sum = 0;
	int i, same = 1;

	wand_rng_seed(&a, 42);
	wand_rng_seed(&b, 42);
	wand_rng_seed(&c, 43);
	for (i = 0; i < 1000; i++) {
		uint64_t x = wand_rng_next(&a);

		ck_assert_uint_eq(x, wand_rng_next(&b));
		same &= x == wand_rng_next(&c);
	}
	ck_assert(!same);
	for (i = 0; i < 1000000; i++) {
		double u = wand_rng_uniform(&a);

		ck_assert(u >= 0 && u < 1);
		sum += u;
	}
	ck_assert(fabs(sum / 1e6 - 0.5) < 0.002);
}
END_TEST

START_TEST(test_ge_params)
{
	struct wand_loss l = { 0 };

	wand_loss_set(&l, 5, 4);
	ck_assert(fabs(l.p_bg - 0.25) < 1e-12);
	ck_assert(fabs(l.p_gb - 0.05 * 0.25 / 0.95) < 1e-12);
	/* The stationary bad share is the loss. */
	ck_assert(fabs(l.p_gb / (l.p_gb + l.p_bg) - 0.05) < 1e-12);
	wand_loss_set(&l, 5, 1);
	ck_assert(l.p_bg == 0 && fabs(l.p_loss - 0.05) < 1e-12);
	wand_loss_set(&l, 0, 8);
	ck_assert(l.p_loss == 0);
}
END_TEST

/* Long-run loss and mean burst length of LOSS/BURST over N packets. */
static void measure_loss(double loss, double burst, long n, double *rate,
			 double *mean_burst)
{
	struct wand_loss l = { 0 };
	struct wand_rng r;
	long i, lost = 0, bursts = 0;
	bool prev = false;

	wand_rng_seed(&r, 7);
	wand_loss_set(&l, loss, burst);
	for (i = 0; i < n; i++) {
		bool d = wand_loss_drop(&l, &r);

		lost += d;
		bursts += d && !prev;
		prev = d;
	}
	*rate = (double)lost / (double)n;
	*mean_burst = bursts ? (double)lost / (double)bursts : 0;
}

START_TEST(test_loss_long_run)
{
	double rate, mb;

	measure_loss(5, 0, 2000000, &rate, &mb);
	ck_assert_msg(fabs(rate - 0.05) < 0.001, "random %.4f", rate);
	measure_loss(5, 4, 4000000, &rate, &mb);
	ck_assert_msg(fabs(rate - 0.05) < 0.0025, "GE loss %.4f", rate);
	ck_assert_msg(fabs(mb - 4) < 0.8, "GE mean burst %.3f", mb);
	measure_loss(1, 10, 8000000, &rate, &mb);
	ck_assert_msg(fabs(rate - 0.01) < 0.0015, "GE loss %.4f", rate);
	ck_assert_msg(fabs(mb - 10) < 2, "GE mean burst %.3f", mb);
	measure_loss(100, 0, 1000, &rate, &mb);
	ck_assert(rate == 1.0);
	measure_loss(0, 0, 1000, &rate, &mb);
	ck_assert(rate == 0.0);
}
END_TEST

/* Mean and sigma (ms) of N delay samples of P; also min and max. */
static void sample(const struct link_params *p, long n, double *mean,
		   double *sd, double *mn, double *mx, double *lag1)
{
	struct wand_rng r;
	double last = 0, s = 0, s2 = 0, prev = 0, cov = 0, x;
	long i;

	wand_rng_seed(&r, 11);
	*mn = 1e18;
	*mx = -1e18;
	for (i = 0; i < n; i++) {
		x = (double)wand_delay_ns(p, &last, &r) / 1e6;
		s += x;
		s2 += x * x;
		if (i)
			cov += (x - (double)p->delay_us / 1e3) *
			       (prev - (double)p->delay_us / 1e3);
		prev = x;
		if (x < *mn)
			*mn = x;
		if (x > *mx)
			*mx = x;
	}
	*mean = s / (double)n;
	*sd = sqrt(s2 / (double)n - *mean * *mean);
	*lag1 = cov / (double)(n - 1) / (*sd * *sd);
}

START_TEST(test_jitter_dists)
{
	struct link_params p = { .delay_us = 10000, .jitter_us = 2000 };
	double mean, sd, mn, mx, lag;
	double last = 0;
	struct wand_rng r;

	wand_rng_seed(&r, 1);
	/* No jitter: exactly the delay. */
	p.jitter_us = 0;
	ck_assert_uint_eq(wand_delay_ns(&p, &last, &r), 10000000);
	p.jitter_us = 2000;

	p.dist = DIST_NONE;     /* uniform within +-jitter */
	sample(&p, 1000000, &mean, &sd, &mn, &mx, &lag);
	ck_assert(fabs(mean - 10) < 0.01);
	ck_assert(fabs(sd - 2 / sqrt(3)) < 0.01);
	ck_assert(mn >= 8 && mx <= 12);
	ck_assert(fabs(lag) < 0.01);

	p.dist = DIST_NORMAL;   /* sigma = jitter */
	sample(&p, 1000000, &mean, &sd, &mn, &mx, &lag);
	ck_assert(fabs(mean - 10) < 0.01);
	ck_assert(fabs(sd - 2) < 0.02);

	p.dist = DIST_PARETO;   /* zero mean, sigma = jitter, long right tail */
	sample(&p, 2000000, &mean, &sd, &mn, &mx, &lag);
	ck_assert_msg(fabs(mean - 10) < 0.05, "pareto mean %.3f", mean);
	ck_assert_msg(fabs(sd - 2) < 0.3, "pareto sd %.3f", sd);
	ck_assert(mx - 10 > 10 - mn);

	p.dist = DIST_PARETONORMAL;
	sample(&p, 2000000, &mean, &sd, &mn, &mx, &lag);
	ck_assert_msg(fabs(mean - 10) < 0.05, "paretonormal mean %.3f", mean);
	ck_assert_msg(fabs(sd - 2) < 0.3, "paretonormal sd %.3f", sd);

	/* Correlation makes successive samples alike. */
	p.dist = DIST_NORMAL;
	p.jitter_corr_pct = 75;
	sample(&p, 200000, &mean, &sd, &mn, &mx, &lag);
	ck_assert(fabs(mean - 10) < 0.05);
	ck_assert_msg(lag > 0.6, "lag-1 correlation %.3f", lag);

	/* Never negative. */
	p.delay_us = 100;
	p.jitter_us = 5000;
	p.jitter_corr_pct = 0;
	sample(&p, 100000, &mean, &sd, &mn, &mx, &lag);
	ck_assert(mn >= 0);
}
END_TEST

START_TEST(test_rate_queue)
{
	struct wand_rate q = { 0 };
	uint64_t dep = 0, t0 = 1000000000ull;
	int i;

	ck_assert_uint_eq(wand_tx_ns(1500, 100000000), 120000);
	ck_assert_uint_eq(wand_tx_ns(1500, 10000000), 1200000);
	ck_assert_uint_eq(wand_tx_ns(1, 3), 2666666667ull);
	ck_assert_uint_eq(wand_tx_ns(100, 0), 0);
	/* A burst of 10 at one instant leaves one serialisation apart. */
	for (i = 0; i < 10; i++) {
		ck_assert_int_eq(wand_rate_admit(&q, t0, 1500, 100000000, 10,
						 &dep), 0);
		ck_assert_uint_eq(dep, t0 + (uint64_t)(i + 1) * 120000);
	}
	/* The 11th finds the queue full. */
	ck_assert_int_eq(wand_rate_admit(&q, t0, 1500, 100000000, 10, &dep),
			 -ENOBUFS);
	/* Once two have left there is room for two, after the last one. */
	ck_assert_int_eq(wand_rate_admit(&q, t0 + 240000, 1500, 100000000, 10,
					 &dep), 0);
	ck_assert_uint_eq(dep, t0 + 11 * 120000);
	ck_assert_int_eq(wand_rate_admit(&q, t0 + 240000, 1500, 100000000, 10,
					 &dep), 0);
	ck_assert_int_eq(wand_rate_admit(&q, t0 + 240000, 1500, 100000000, 10,
					 &dep), -ENOBUFS);
	/* An idle link sends at once; growing the limit keeps the queue. */
	ck_assert_int_eq(wand_rate_admit(&q, t0 + 10000000000ull, 1000, 8000000,
					 20, &dep), 0);
	ck_assert_uint_eq(dep, t0 + 10000000000ull + 1000000);
	/* Long-run throughput is the rate. */
	{
		struct wand_rate r = { 0 };
		uint64_t now = 0, sent = 0;

		for (i = 0; i < 100000; i++) {
			now += 50000;   /* offered 1514 B / 50 us = 242 Mbit/s */
			if (wand_rate_admit(&r, now, 1514, 100000000, 1000,
					    &dep) == 0)
				sent += 1514;
		}
		/* Bytes over the time the last of them left. */
		ck_assert_msg(fabs((double)sent * 8 / ((double)dep / 1e9) / 1e8 - 1)
			      < 0.001, "throughput %.0f", (double)sent * 8 /
			      ((double)dep / 1e9));
		wand_rate_release(&r);
	}
	wand_rate_release(&q);
	wand_rate_release(NULL);
}
END_TEST

START_TEST(test_clamp)
{
	struct link_params p = { .delay_us = 10000, .jitter_us = 5000 };
	struct wand_rng r;
	uint64_t last = 0, prev = 0, now = 0, d;
	double corr = 0;
	int i, raised = 0;

	wand_rng_seed(&r, 3);
	ck_assert_uint_eq(wand_clamp(&last, 50), 50);
	ck_assert_uint_eq(wand_clamp(&last, 40), 50);
	ck_assert_uint_eq(wand_clamp(&last, 60), 60);
	last = 0;
	for (i = 0; i < 10000; i++) {
		uint64_t raw;

		now += 100000;  /* a packet every 0.1 ms, jitter +-5 ms */
		raw = now + wand_delay_ns(&p, &corr, &r);
		d = wand_clamp(&last, raw);
		raised += d != raw;
		ck_assert(d >= prev);
		ck_assert(d >= raw);
		prev = d;
	}
	ck_assert(raised > 1000);
}
END_TEST

/* Field by field: the struct has padding. */
static bool params_eq(const struct link_params *a, const struct link_params *b)
{
	return a->delay_us == b->delay_us && a->jitter_us == b->jitter_us &&
	       a->dist == b->dist && a->jitter_corr_pct == b->jitter_corr_pct &&
	       a->loss_pct == b->loss_pct && a->loss_burst == b->loss_burst &&
	       a->rate_bps == b->rate_bps && a->queue_pkts == b->queue_pkts;
}

START_TEST(test_params_text)
{
	struct link_params p = {
		.delay_us = 25000, .jitter_us = 1500, .dist = DIST_PARETONORMAL,
		.jitter_corr_pct = 12.5, .loss_pct = 0.3, .loss_burst = 3.7,
		.rate_bps = 100000000, .queue_pkts = 250,
	}, q;
	char buf[512], err[128];
	bool cut;
	enum jitter_dist d;

	wand_params_format(&p, true, false, buf, sizeof(buf));
	ck_assert_str_eq(buf, "delay=25000us jitter=1500us distribution=paretonormal "
			 "correlation=12.5% loss=0.3% loss_burst=3.7 "
			 "rate=100000000bit queue=250 cut=1");
	ck_assert_int_eq(wand_params_parse(buf, &q, &cut, err, sizeof(err)), 0);
	ck_assert(params_eq(&p, &q) && cut);
	for (d = DIST_NONE; d <= DIST_PARETONORMAL; d++) {
		p.dist = d;
		wand_params_format(&p, false, true, buf, sizeof(buf));
		ck_assert_int_eq(wand_params_parse(buf, &q, &cut, err,
						   sizeof(err)), 0);
		ck_assert(params_eq(&p, &q) && !cut);
	}
	memset(&p, 0, sizeof(p));
	ck_assert(wand_params_plain(&p));
	ck_assert_int_eq(wand_params_format(&p, false, false, buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "");
	ck_assert_int_eq(wand_params_parse("", &q, &cut, err, sizeof(err)), 0);
	ck_assert(wand_params_plain(&q));
	ck_assert_int_eq(wand_params_parse("delay=10us jiter=3us", &q, &cut,
					   err, sizeof(err)), -EINVAL);
	ck_assert_str_eq(err, "unknown key 'jiter' (did you mean 'jitter'?)");
	ck_assert_int_eq(wand_params_parse("loss=101%", &q, &cut, err,
					   sizeof(err)), -EINVAL);
	ck_assert_str_eq(err, "loss 101% is out of range (0% to 100%)");
	ck_assert_int_eq(wand_params_parse("delay=-1us", &q, &cut, err,
					   sizeof(err)), -EINVAL);
	ck_assert_int_eq(wand_params_parse("distribution=gauss", &q, &cut, err,
					   sizeof(err)), -EINVAL);
	ck_assert_int_eq(wand_params_parse("delay", &q, &cut, err,
					   sizeof(err)), -EINVAL);
	ck_assert_str_eq(err, "'delay' is not KEY=VALUE (e.g. delay=20ms loss=1%)");
	ck_assert_int_eq(wand_params_parse("  rate=8bit  \r\n", &q, &cut, err,
					   sizeof(err)), 0);
	ck_assert_uint_eq(q.rate_bps, 8);
}
END_TEST

/* A TCP superframe: vnet header, Ethernet, IPv4 or IPv6, TCP with 12
 * bytes of options, PAYLOAD bytes; the TCP checksum field holds the
 * pseudo-header sum as the kernel leaves it for TSO. Returns its length. */
static size_t make_tcp_super(uint8_t *f, bool v6, size_t payload, size_t mss)
{
	struct virtio_net_hdr vh = { 0 };
	size_t l3 = WAND_VNET_LEN + 14, iph = v6 ? 40 : 20, l4 = l3 + iph;
	size_t tcph = 32, len = l4 + tcph + payload, i;
	uint8_t *ip = f + l3, *th = f + l4;
	uint32_t s;

	memset(f, 0, len);
	vh.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
	vh.gso_type = v6 ? VIRTIO_NET_HDR_GSO_TCPV6 : VIRTIO_NET_HDR_GSO_TCPV4;
	vh.gso_size = (uint16_t)mss;
	vh.hdr_len = (uint16_t)(l4 + tcph - WAND_VNET_LEN);
	vh.csum_start = (uint16_t)(l4 - WAND_VNET_LEN);
	vh.csum_offset = 16;
	memcpy(f, &vh, sizeof(vh));
	memset(f + WAND_VNET_LEN, 0x02, 12);
	f[WAND_VNET_LEN + 12] = v6 ? 0x86 : 0x08;
	f[WAND_VNET_LEN + 13] = v6 ? 0xdd : 0x00;
	if (v6) {
		ip[0] = 0x60;
		ip[4] = (uint8_t)((tcph + payload) >> 8);
		ip[5] = (uint8_t)(tcph + payload);
		ip[6] = 6;
		ip[7] = 64;
		for (i = 0; i < 32; i++)
			ip[8 + i] = (uint8_t)(0x20 + i);
	} else {
		ip[0] = 0x45;
		ip[2] = (uint8_t)((len - l3) >> 8);
		ip[3] = (uint8_t)(len - l3);
		ip[4] = 0x12;
		ip[5] = 0x34;
		ip[6] = 0x40;   /* DF */
		ip[8] = 64;
		ip[9] = 6;
		memcpy(ip + 12, "\xc6\x13\x00\x01\xc6\x13\x00\x02", 8);
	}
	th[0] = 0x9c;   /* ports 40000 -> 5201 */
	th[1] = 0x40;
	th[2] = 0x14;
	th[3] = 0x51;
	th[4] = 0xff;   /* seq 0xfffff000: wraps across the segments */
	th[5] = 0xff;
	th[6] = 0xf0;
	th[7] = 0x00;
	th[12] = 8 << 4;
	th[13] = 0x80 | 0x10 | 0x08 | 0x01;     /* CWR ACK PSH FIN */
	th[14] = 0x01;
	for (i = 0; i < payload; i++)
		th[tcph + i] = (uint8_t)(i * 7 + 3);
	/* Pseudo-header sum for the whole superframe, as TSO expects. */
	s = v6 ? wand_csum_add(0, ip + 8, 32) : wand_csum_add(0, ip + 12, 8);
	s += 6 + (uint32_t)(tcph + payload);
	s = wand_csum_fold(s);
	th[16] = (uint8_t)(s >> 8);
	th[17] = (uint8_t)s;
	return len;
}

static void check_segments(bool v6)
{
	static uint8_t f[70000], seg[2048];
	size_t payload = 5000, mss = 1448, len, n, k, l3, l4, slen, got = 0;
	struct wand_gso g;
	uint32_t s;

	len = make_tcp_super(f, v6, payload, mss);
	n = wand_gso_parse(f, len, &g);
	ck_assert_uint_eq(n, 4);
	ck_assert_uint_eq(g.mss, mss);
	ck_assert_uint_eq(g.payload, payload);
	l3 = WAND_VNET_LEN + 14;
	l4 = l3 + (v6 ? 40 : 20);
	for (k = 0; k < n; k++) {
		struct virtio_net_hdr vh;
		size_t want = k < 3 ? mss : payload - 3 * mss;
		uint32_t seq;
		uint8_t *th = seg + l4;

		memset(seg, 0xee, sizeof(seg));
		slen = wand_gso_segment(f, &g, k, seg);
		ck_assert_uint_eq(slen, l4 + 32 + want);
		memcpy(&vh, seg, sizeof(vh));
		ck_assert_uint_eq(vh.gso_type, VIRTIO_NET_HDR_GSO_NONE);
		ck_assert(vh.flags & VIRTIO_NET_HDR_F_NEEDS_CSUM);
		wand_csum_complete(seg, slen);
		memcpy(&vh, seg, sizeof(vh));
		ck_assert(!(vh.flags & VIRTIO_NET_HDR_F_NEEDS_CSUM));
		if (v6) {
			ck_assert_uint_eq((size_t)(seg[l3 + 4] << 8 | seg[l3 + 5]),
					  32 + want);
			s = wand_csum_add(0, seg + l3 + 8, 32);
		} else {
			ck_assert_uint_eq((size_t)(seg[l3 + 2] << 8 | seg[l3 + 3]),
					  20 + 32 + want);
			ck_assert_uint_eq((size_t)(seg[l3 + 4] << 8 | seg[l3 + 5]),
					  0x1234 + k);
			/* A valid IPv4 header sums to 0xffff. */
			ck_assert_uint_eq(wand_csum_fold(wand_csum_add(0, seg + l3,
								       20)), 0xffff);
			s = wand_csum_add(0, seg + l3 + 12, 8);
		}
		/* TCP: pseudo header plus segment sums to 0xffff. */
		s += 6 + (uint32_t)(32 + want);
		s = wand_csum_add(s, th, 32 + want);
		ck_assert_uint_eq(wand_csum_fold(s), 0xffff);
		seq = (uint32_t)th[4] << 24 | (uint32_t)th[5] << 16 |
		      (uint32_t)th[6] << 8 | th[7];
		ck_assert_uint_eq(seq, (uint32_t)(0xfffff000u + k * mss));
		ck_assert_uint_eq(th[13] & 0x10, 0x10);                 /* ACK */
		ck_assert_uint_eq(!!(th[13] & 0x80), k == 0);           /* CWR */
		ck_assert_uint_eq(!!(th[13] & 0x08), k == n - 1);       /* PSH */
		ck_assert_uint_eq(!!(th[13] & 0x01), k == n - 1);       /* FIN */
		ck_assert(memcmp(th + 32, f + l4 + 32 + k * mss, want) == 0);
		ck_assert(memcmp(seg + WAND_VNET_LEN, f + WAND_VNET_LEN, 12) == 0);
		got += want;
	}
	ck_assert_uint_eq(got, payload);
}

START_TEST(test_gso_tcp4)
{
	check_segments(false);
}
END_TEST

START_TEST(test_gso_tcp6)
{
	check_segments(true);
}
END_TEST

START_TEST(test_gso_not_super)
{
	static uint8_t f[70000];
	struct virtio_net_hdr vh;
	struct wand_gso g;
	size_t len = make_tcp_super(f, false, 1000, 1448);

	/* One segment's worth is still cut (to one packet). */
	ck_assert_uint_eq(wand_gso_parse(f, len, &g), 1);
	/* No GSO: sent whole. */
	memcpy(&vh, f, sizeof(vh));
	vh.gso_type = VIRTIO_NET_HDR_GSO_NONE;
	memcpy(f, &vh, sizeof(vh));
	ck_assert_uint_eq(wand_gso_parse(f, len, &g), 0);
	/* Truncated or unknown frames are not touched. */
	ck_assert_uint_eq(wand_gso_parse(f, 20, &g), 0);
	vh.gso_type = VIRTIO_NET_HDR_GSO_TCPV4;
	memcpy(f, &vh, sizeof(vh));
	f[WAND_VNET_LEN + 12] = 0x88;   /* not IP */
	ck_assert_uint_eq(wand_gso_parse(f, len, &g), 0);
}
END_TEST

START_TEST(test_ctl_path)
{
	struct world w;
	char buf[128], small[16];

	memset(&w, 0, sizeof(w));
	w.name = "fog3";
	ck_assert_int_eq(wand_ctl_path(&w, buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "/run/enos/fog3/wand.sock");
	ck_assert_int_eq(wand_ctl_path(&w, small, sizeof(small)), -ENAMETOOLONG);
	ck_assert_int_eq(wand_exit_code(-(WAND_EEXITED + 1)), 1);
	ck_assert_int_eq(wand_exit_code(-(WAND_EEXITED + 137)), 137);
	ck_assert_int_eq(wand_exit_code(-ENOENT), -1);
	/* No engine there: clients fail cleanly. */
	ck_assert_int_lt(wand_ping("/nonexistent/wand.sock"), 0);
	ck_assert_ptr_eq(shape_ops_find("wand"), &shape_wand_ops);
	ck_assert_ptr_null(shape_ops_find("tbf"));
	ck_assert_str_eq(constraint_dist_name(DIST_PARETONORMAL), "paretonormal");
}
END_TEST

/* The words of a control line, and the protocol's own cut=0|1. */
START_TEST(test_ctl_words)
{
	char line[256], *argv[WAND_CTL_ARGS], err[192];
	struct link_params p;
	bool cut = false;
	int i;

	snprintf(line, sizeof(line), " set\t0 1  delay=1ms\r\n");
	ck_assert_int_eq(wand_ctl_split(line, argv, WAND_CTL_ARGS), 4);
	ck_assert_str_eq(argv[0], "set");
	ck_assert_str_eq(argv[3], "delay=1ms");
	line[0] = '\0';
	for (i = 0; i <= WAND_CTL_ARGS; i++)
		strcat(line, "x ");
	ck_assert_int_eq(wand_ctl_split(line, argv, WAND_CTL_ARGS), -E2BIG);
	ck_assert_int_eq(wand_params_parse("cut=1 rtt=2ms", &p, &cut, err,
					   sizeof(err)), 0);
	ck_assert(cut);
	ck_assert_uint_eq(p.delay_us, 1000);
	ck_assert_int_eq(wand_params_parse("cut=2", &p, &cut, err,
					   sizeof(err)), -EINVAL);
	ck_assert_str_eq(err, "bad value '2' for 'cut'");
	/* A resolved direction may keep a distribution without jitter. */
	ck_assert_int_eq(wand_params_parse("distribution=normal", &p, &cut,
					   err, sizeof(err)), 0);
	ck_assert_int_eq(p.dist, DIST_NORMAL);
}
END_TEST

/* The LAN ports an engine is started with: "SITE:IFNAME" words after the
 * WAN ports, SITE one of them; refused before anything is opened. */
START_TEST(test_engine_lan_words)
{
	const char *const wan[] = { "p0", "p1" };
	const char *const lan[] = { "v0" };
	const size_t sites[] = { 0 };
	struct wand_config cfg = { 0 };
	char *out = NULL;
	int rc;

	rc = tu_enos(&out, "/nonexistent/enos.db", "wand-engine", "--ctl",
		     "/nonexistent/wand.sock", "--", "p0", "p1", "2:v0", NULL);
	ck_assert_int_eq(rc, 2);
	ck_assert_msg(tu_contains(out, "'2:v0' is not SITE:IFNAME with SITE below 2"), "%s", out);
	free(out);
	rc = tu_enos(&out, "/nonexistent/enos.db", "wand-engine", "--ctl",
		     "/nonexistent/wand.sock", "--", "p0", "1:", NULL);
	ck_assert_int_eq(rc, 2);
	ck_assert_msg(tu_contains(out, "'1:' is not SITE:IFNAME"), "%s", out);
	free(out);
	/* The config itself: LAN ports need their sites. */
	cfg.ctl_path = "/nonexistent/wand.sock";
	cfg.ports = wan;
	cfg.n_ports = 2;
	cfg.lan_ports = lan;
	cfg.n_lan_ports = 1;
	ck_assert_int_eq(wand_run(&cfg), -EINVAL);
	cfg.lan_sites = sites;
	cfg.n_lan_ports = WAND_MAX_PORTS;       /* with the WAN's, too many */
	ck_assert_int_eq(wand_run(&cfg), -EINVAL);
}
END_TEST

Suite *make_wand_suite(void)
{
	Suite *s = suite_create("wand");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_rng_seeded);
	tcase_add_test(tc, test_ge_params);
	tcase_add_test(tc, test_loss_long_run);
	tcase_add_test(tc, test_jitter_dists);
	tcase_add_test(tc, test_rate_queue);
	tcase_add_test(tc, test_clamp);
	tcase_add_test(tc, test_params_text);
	tcase_add_test(tc, test_ctl_words);
	tcase_add_test(tc, test_engine_lan_words);
	tcase_add_test(tc, test_gso_tcp4);
	tcase_add_test(tc, test_gso_tcp6);
	tcase_add_test(tc, test_gso_not_super);
	tcase_add_test(tc, test_ctl_path);
	suite_add_tcase(s, tc);
	return s;
}
