/* test_tunnel — the pure parts of the multi-host data plane (issue 14):
 * VNIs from tags, device names, the VXLAN overhead and inner MTU, the
 * checks of a tunnel spec (emulator/tunnel.h); the base-RTT summary, the
 * one-way delay less half the base, the calibration hook on a resolved
 * table and its warning (enos/calibrate.h); the engine's command line
 * for sites on another host. No root: nothing here touches the kernel.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emulator/fabric_ovs.h"
#include "emulator/shape.h"
#include "emulator/tunnel.h"
#include "emulator/world.h"
#include "enos/calibrate.h"
#include "tests/suites.h"
#include "tests/testutil.h"

/* The VNI is the tag's base-36 number plus one: the smallest and largest
 * tags, and garbage refused. */
START_TEST(test_vni_bounds)
{
	char name[16];

	ck_assert_uint_eq(tunnel_vni("e0000"), 1);
	ck_assert_uint_eq(tunnel_vni("e0001"), 2);
	ck_assert_uint_eq(tunnel_vni("e0010"), 37);
	ck_assert_uint_eq(tunnel_vni("ezzzz"), 36u * 36 * 36 * 36);
	ck_assert_uint_le(tunnel_vni("ezzzz"), TUNNEL_VNI_MAX);
	ck_assert_uint_eq(tunnel_vni("e000"), 0);
	ck_assert_uint_eq(tunnel_vni("e00000"), 0);
	ck_assert_uint_eq(tunnel_vni("eA000"), 0);
	ck_assert_uint_eq(tunnel_vni("e00-0"), 0);
	ck_assert_uint_eq(tunnel_vni(""), 0);
	ck_assert_uint_eq(tunnel_vni(NULL), 0);
	ck_assert_str_eq(tunnel_ifname("e1a2b", name, sizeof(name)), "e1a2bx");
	ck_assert_ptr_null(tunnel_ifname("e1a2b", name, 6));
	ck_assert_ptr_null(tunnel_ifname("bogus!", name, sizeof(name)));
}
END_TEST

/* Over the tags of many experiments (world_tag, salts as state_pick_tag
 * walks them): two tags share a VNI exactly when they are equal, and the
 * VNI is world_group's number plus one, so re-salting a tag re-salts it. */
START_TEST(test_vni_tags)
{
	enum { N = 4000 };
	static char tags[N][WORLD_TAG_LEN + 1];
	uint32_t *first = calloc(36u * 36 * 36 * 36 + 1, sizeof(*first));
	struct world w;
	char name[32];
	uint32_t vni;
	size_t i, same = 0;

	ck_assert_ptr_nonnull(first);
	for (i = 0; i < N; i++) {
		snprintf(name, sizeof(name), "exp-%zu", i / 4);
		world_tag(name, (unsigned)(i % 4), tags[i]);
		vni = tunnel_vni(tags[i]);
		ck_assert_uint_ge(vni, 1);
		memset(&w, 0, sizeof(w));
		memcpy(w.tag, tags[i], sizeof(w.tag));
		ck_assert_uint_eq(vni, world_group(&w) - WORLD_GROUP_BASE + 1);
		/* FIRST[vni]: 1 + the first tag index with this VNI. */
		if (first[vni]) {
			ck_assert_str_eq(tags[first[vni] - 1], tags[i]);
			same++;
		} else {
			first[vni] = (uint32_t)i + 1;
		}
	}
	/* Some of these names' salts collide as tags (about N^2 / 2 / 36^4
	 * pairs): each such pair shares its VNI, and only those. */
	ck_assert_uint_lt(same, 50);
	free(first);
}
END_TEST

START_TEST(test_inner_mtu)
{
	const char *addrs[3] = { "192.0.2.1", "2001:db8::2", "192.0.2.3" };
	unsigned mtus[3] = { 1500, 1500, 9000 }, m = 0;

	ck_assert_uint_eq(tunnel_overhead("192.0.2.1"), 50);
	ck_assert_uint_eq(tunnel_overhead("2001:db8::1"), 70);
	ck_assert_uint_eq(tunnel_overhead("h1.example"), 0);
	ck_assert_uint_eq(tunnel_overhead(NULL), 0);
	ck_assert_int_eq(tunnel_inner_mtu(1500, "192.0.2.1", &m), 0);
	ck_assert_uint_eq(m, 1450);
	ck_assert_int_eq(tunnel_inner_mtu(1500, "2001:db8::1", &m), 0);
	ck_assert_uint_eq(m, 1430);
	ck_assert_int_eq(tunnel_inner_mtu(9000, "192.0.2.1", &m), 0);
	ck_assert_uint_eq(m, 8950);
	/* The smallest accepted inner MTU, and one byte less. */
	ck_assert_int_eq(tunnel_inner_mtu(TUNNEL_MTU_MIN + 50, "192.0.2.1", &m), 0);
	ck_assert_uint_eq(m, TUNNEL_MTU_MIN);
	ck_assert_int_eq(tunnel_inner_mtu(TUNNEL_MTU_MIN + 49, "192.0.2.1", &m),
			 -EMSGSIZE);
	ck_assert_int_eq(tunnel_inner_mtu(1500, "nope", &m), -EINVAL);
	/* The world's inner MTU: the smallest over its paths (IPv6 1500). */
	ck_assert_int_eq(tunnel_inner_mtu_min(mtus, addrs, 3, &m), 0);
	ck_assert_uint_eq(m, 1430);
	mtus[2] = 1400;
	ck_assert_int_eq(tunnel_inner_mtu_min(mtus, addrs, 3, &m), 0);
	ck_assert_uint_eq(m, 1350);
	ck_assert_int_eq(tunnel_inner_mtu_min(mtus, addrs, 0, &m), -EINVAL);
}
END_TEST

static void spec_base(struct tunnel_spec *s, struct tunnel_peer *p)
{
	memset(s, 0, sizeof(*s));
	p[0].host = "h2";
	p[0].addr = "192.0.2.2";
	p[1].host = "h3";
	p[1].addr = "192.0.2.3";
	s->tag = "e1a2b";
	s->vni = tunnel_vni("e1a2b");
	s->local = "192.0.2.1";
	s->peers = p;
	s->n_peers = 2;
	s->mtu = 1450;
}

/* Each mistake a spec can hold, refused with its message. */
START_TEST(test_spec_check)
{
	struct tunnel_peer p[2];
	struct tunnel_spec s;
	struct tunnel_mac mac = { { 2, 0, 0, 0, 0, 1 }, 2 };
	char why[200];

	spec_base(&s, p);
	ck_assert_int_eq(tunnel_spec_check(&s, why, sizeof(why)), 0);
	s.tag = "E1A2B";
	ck_assert_int_eq(tunnel_spec_check(&s, why, sizeof(why)), -EINVAL);
	ck_assert_str_eq(why, "'E1A2B' is not an experiment tag");
	spec_base(&s, p);
	s.vni = 0;
	ck_assert_int_eq(tunnel_spec_check(&s, why, sizeof(why)), -EINVAL);
	ck_assert_str_eq(why, "VNI 0 is outside 1 .. 16777215");
	spec_base(&s, p);
	s.local = "h1";
	ck_assert_int_eq(tunnel_spec_check(&s, why, sizeof(why)), -EINVAL);
	ck_assert_str_eq(why, "local underlay address 'h1' is no address");
	spec_base(&s, p);
	p[1].addr = "2001:db8::3";
	ck_assert_int_eq(tunnel_spec_check(&s, why, sizeof(why)), -EINVAL);
	ck_assert_str_eq(why, "host 'h3': underlay address '2001:db8::3' is not "
			 "an IPv4 address like '192.0.2.1'");
	spec_base(&s, p);
	p[1].addr = "192.0.2.1";
	ck_assert_int_eq(tunnel_spec_check(&s, why, sizeof(why)), -EINVAL);
	ck_assert_str_eq(why, "host 'h3': underlay address '192.0.2.1' is the "
			 "local one");
	spec_base(&s, p);
	p[1].addr = "192.0.2.2";
	ck_assert_int_eq(tunnel_spec_check(&s, why, sizeof(why)), -EINVAL);
	ck_assert_str_eq(why, "underlay address '192.0.2.2' twice");
	spec_base(&s, p);
	s.n_peers = 0;
	ck_assert_int_eq(tunnel_spec_check(&s, why, sizeof(why)), -EINVAL);
	spec_base(&s, p);
	s.mtu = 500;
	ck_assert_int_eq(tunnel_spec_check(&s, why, sizeof(why)), -EINVAL);
	ck_assert_str_eq(why, "inner MTU 500 is outside 576 .. 65535");
	spec_base(&s, p);
	s.macs = &mac;
	s.n_macs = 1;
	ck_assert_int_eq(tunnel_spec_check(&s, NULL, 0), -EINVAL);
	mac.peer = 1;
	ck_assert_int_eq(tunnel_spec_check(&s, NULL, 0), 0);
}
END_TEST

/* 200 samples 1 .. 200 ms (shuffled) and some lost: the base is their
 * type-7 10th percentile, the spread p90 - p10. */
START_TEST(test_summary)
{
	double v[230], want_p10, want_p50, want_p90;
	struct calib_base b;
	size_t i;

	for (i = 0; i < 200; i++)
		v[i] = (double)((i * 37) % 200 + 1);
	for (i = 200; i < 230; i++)
		v[i] = NAN;
	/* Type 7 on 1..200: h = 199 q, x[floor h] + frac (1 ms apart). */
	want_p10 = 1 + 199 * 0.1;
	want_p50 = 1 + 199 * 0.5;
	want_p90 = 1 + 199 * 0.9;
	ck_assert_int_eq(calibrate_summary(v, 230, &b), 0);
	ck_assert_uint_eq(b.sent, 230);
	ck_assert_uint_eq(b.received, 200);
	ck_assert_double_eq_tol(b.base_ms, want_p10, 1e-9);
	ck_assert_double_eq_tol(b.p50_ms, want_p50, 1e-9);
	ck_assert_double_eq_tol(b.spread_ms, want_p90 - want_p10, 1e-9);
	ck_assert_double_eq(b.min_ms, 1);
	for (i = 0; i < 5; i++)
		v[i] = NAN;
	ck_assert_int_eq(calibrate_summary(v, 5, &b), -ENODATA);
	ck_assert_uint_eq(b.received, 0);
}
END_TEST

START_TEST(test_oneway)
{
	bool below;

	ck_assert_uint_eq(calibrate_oneway(10000, 2000, &below), 9000);
	ck_assert(!below);
	/* Exactly half the base: nothing added, and no warning. */
	ck_assert_uint_eq(calibrate_oneway(1000, 2000, &below), 0);
	ck_assert(!below);
	ck_assert_uint_eq(calibrate_oneway(999, 2000, &below), 0);
	ck_assert(below);
	ck_assert_uint_eq(calibrate_oneway(5000, 0, &below), 5000);
	ck_assert(!below);
	/* An odd base: its half rounds down, so never more is taken. */
	ck_assert_uint_eq(calibrate_oneway(5000, 801, &below), 4600);
}
END_TEST

struct warned {
	size_t n, src[4], dst[4];
	uint64_t rtt[4], base[4];
};

static void on_warn(void *arg, size_t src, size_t dst, uint64_t rtt,
		    uint64_t base)
{
	struct warned *w = arg;

	ck_assert_uint_lt(w->n, 4);
	w->src[w->n] = src;
	w->dst[w->n] = dst;
	w->rtt[w->n] = rtt;
	w->base[w->n] = base;
	w->n++;
}

/* Sites 0 and 2 on host 0, 1 and 3 on host 1; base 800 us between them.
 * Cross pairs lose 400 us each way, pairs within a host nothing; the pair
 * 0 <-> 1 (RTT 500 us) is below the base: 0 both ways and one warning. */
START_TEST(test_table)
{
	enum { N = 4 };
	struct link_params p[N * N];
	bool cut[N * N];
	struct shape_table t = { N, p, cut };
	const size_t host[N] = { 0, 1, 0, 1 };
	const uint64_t base[4] = { 0, 800, 800, 0 };
	uint64_t off[N * N];
	struct warned w;
	size_t a, b;

	memset(p, 0, sizeof(p));
	memset(cut, 0, sizeof(cut));
	memset(&w, 0, sizeof(w));
	for (a = 0; a < N; a++)
		for (b = 0; b < N; b++)
			p[a * N + b].delay_us = a == b ? 0 : 10000 + 100 * a + b;
	p[0 * N + 1].delay_us = 250;
	p[1 * N + 0].delay_us = 250;
	p[2 * N + 3].jitter_us = 700;
	ck_assert_int_eq(calibrate_table(&t, host, 2, base, off, on_warn, &w), 1);
	ck_assert_uint_eq(w.n, 1);
	ck_assert_uint_eq(w.src[0], 0);
	ck_assert_uint_eq(w.dst[0], 1);
	ck_assert_uint_eq(w.rtt[0], 500);
	ck_assert_uint_eq(w.base[0], 800);
	ck_assert_uint_eq(p[0 * N + 1].delay_us, 0);
	ck_assert_uint_eq(off[0 * N + 1], 250);
	for (a = 0; a < N; a++)
		for (b = 0; b < N; b++) {
			uint64_t want = a == b ? 0 : 10000 + 100 * a + b;

			if ((a == 0 && b == 1) || (a == 1 && b == 0))
				continue;
			if (host[a] != host[b]) {
				ck_assert_uint_eq(p[a * N + b].delay_us, want - 400);
				ck_assert_uint_eq(off[a * N + b], 400);
			} else {
				ck_assert_uint_eq(p[a * N + b].delay_us, want);
				ck_assert_uint_eq(off[a * N + b], 0);
			}
		}
	/* Jitter, loss and the rest stay as written. */
	ck_assert_uint_eq(p[2 * N + 3].jitter_us, 700);
	/* A site on a host that does not exist. */
	ck_assert_int_eq(calibrate_table(&t, (const size_t[]){ 0, 2, 0, 1 }, 2,
					 base, NULL, NULL, NULL), -EINVAL);
}
END_TEST

/* The warning as docs/MULTIHOST.md words it, names escaped. */
START_TEST(test_warning)
{
	char buf[256];

	ck_assert_int_gt(calibrate_warning(buf, sizeof(buf), "edge-1", "cloud",
					   500, 800, "h1", "h2"), 0);
	ck_assert_str_eq(buf, "pair 'edge-1' -> 'cloud': target RTT 0.5 ms is "
			 "below the 0.8 ms base RTT between hosts 'h1' and 'h2'");
	calibrate_warning(buf, sizeof(buf), "a\nb", "c", 1250, 2500, "h1", "h2");
	ck_assert_str_eq(buf, "pair 'a\\nb' -> 'c': target RTT 1.25 ms is "
			 "below the 2.5 ms base RTT between hosts 'h1' and 'h2'");
}
END_TEST

/* `enos wand-engine` takes `-` for a site on another host only with
 * --tunnel, and needs one port of its own: usage errors (exit 2), found
 * before root is asked for. */
START_TEST(test_engine_cli)
{
	char *out = NULL;

	ck_assert_int_eq(tu_enos(&out, "/nonexistent/enos.db", "wand-engine",
				 "--ctl", "/nonexistent/w.sock", "--", "a", "-",
				 NULL), 2);
	ck_assert_msg(tu_contains(out, "needs --tunnel"), "%s", out);
	free(out);
	out = NULL;
	ck_assert_int_eq(tu_enos(&out, "/nonexistent/enos.db", "wand-engine",
				 "--ctl", "/nonexistent/w.sock", "--tunnel",
				 "e1a2bx", "--", "-", "-", NULL), 2);
	ck_assert_msg(tu_contains(out, "no port of this host"), "%s", out);
	free(out);
}
END_TEST

/* With `fabric: ovs` TAGx is an ordinary port of the OVS WAN bridge;
 * leaving removes it from OVSDB before the link goes; the Linux bridge
 * needs no such step (its port_del is NULL: deleting the link detaches
 * it), and makes TAGx with its master. */
START_TEST(test_ovs_port)
{
	struct fabric_cmd c = { 0 };
	char buf[256];

	ck_assert_int_eq(fabric_ovs_port_del_cmd(&c, "e1a2bx"), 0);
	ck_assert_str_eq(fabric_cmd_render(&c, buf, sizeof(buf)),
			 "ovs-vsctl --timeout=30 -- --if-exists del-port e1a2bx");
	fabric_cmd_release(&c);
	ck_assert_ptr_nonnull(fabric_ovs_ops.port_del);
	ck_assert(!fabric_ovs_ops.master_at_create);
	ck_assert_ptr_null(fabric_bridge_ops.port_del);
	ck_assert(fabric_bridge_ops.master_at_create);
}
END_TEST

Suite *make_tunnel_suite(void)
{
	Suite *s = suite_create("tunnel");
	TCase *tc = tcase_create("tunnel");

	tcase_add_test(tc, test_vni_bounds);
	tcase_add_test(tc, test_vni_tags);
	tcase_add_test(tc, test_inner_mtu);
	tcase_add_test(tc, test_spec_check);
	tcase_add_test(tc, test_summary);
	tcase_add_test(tc, test_oneway);
	tcase_add_test(tc, test_table);
	tcase_add_test(tc, test_warning);
	tcase_add_test(tc, test_engine_cli);
	tcase_add_test(tc, test_ovs_port);
	suite_add_tcase(s, tc);
	return s;
}
