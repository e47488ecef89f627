/* test_netem — the netem shaping backend's plan, rendered as the iproute2
 * commands it stands for (shape_netem.h), for a hand-made world of three
 * sites. No root: nothing touches the kernel.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emulator/shape_netem.h"
#include "emulator/world.h"
#include "tests/suites.h"

#define N_SITES 3

/* A three-site world "fog" (paris, lyon, nice; one node each, so /29 LANs
 * 198.18.0.0, .8, .16) and its shape table, all plain wire. */
struct fixture {
	struct world w;
	struct world_site sites[N_SITES];
	struct shape_table t;
};

static void fixture_init(struct fixture *f)
{
	static const char *const names[N_SITES] = { "paris", "lyon", "nice" };
	size_t hosts[N_SITES] = { 2, 2, 2 };
	struct prefix lan[N_SITES];
	size_t failed, i;

	memset(f, 0, sizeof(*f));
	f->w.name = "fog";
	world_tag(f->w.name, 0, f->w.tag);
	ck_assert_int_eq(addr_plan_sites(hosts, N_SITES, lan, &failed), 0);
	for (i = 0; i < N_SITES; i++) {
		f->sites[i].name = names[i];
		f->sites[i].lan = lan[i];
	}
	f->w.sites = f->sites;
	f->w.n_sites = N_SITES;
	world_name(&f->w);
	ck_assert_int_eq(shape_table_init(&f->t, N_SITES), 0);
}

static void fixture_release(struct fixture *f)
{
	shape_table_release(&f->t);
}

#define PARIS "ip netns exec enos.fog.gw.paris tc "
#define LYON  "ip netns exec enos.fog.gw.lyon tc "
#define NICE  "ip netns exec enos.fog.gw.nice tc "

/* The lines every gateway starts with. */
#define HEAD(GW) \
	GW "qdisc del dev wan0 root\n" \
	GW "qdisc add dev wan0 root handle 1: htb default 1\n" \
	GW "class add dev wan0 parent 1: classid 1:1 htb rate 100gbit " \
	   "quantum 200000\n"

/* An unlimited class for destination minor M. */
#define CLASS(GW, M) \
	GW "class add dev wan0 parent 1: classid 1:" M " htb rate 100gbit " \
	   "quantum 200000\n"

#define FILTER(GW, M, DST) \
	GW "filter add dev wan0 parent 1: protocol ip prio 1 u32 match ip " \
	   "dst " DST " flowid 1:" M "\n"

static void assert_render(const struct fixture *f, const char *want)
{
	char *text = NULL;

	ck_assert_int_eq(shape_netem_render(&f->w, &f->t, &text), 0);
	ck_assert_str_eq(text, want);
	free(text);
}

/* The netem line of paris -> lyon (paris's 1:11) in the full render. */
static char *paris_lyon_netem(const struct fixture *f)
{
	char *text = NULL, *line, *end, *out;

	ck_assert_int_eq(shape_netem_render(&f->w, &f->t, &text), 0);
	line = strstr(text, PARIS "qdisc add dev wan0 parent 1:11 handle 11:");
	ck_assert_ptr_nonnull(line);
	end = strchr(line, '\n');
	ck_assert_ptr_nonnull(end);
	out = strndup(line, (size_t)(end - line));
	ck_assert_ptr_nonnull(out);
	free(text);
	return out;
}

static void assert_pair_netem(const struct fixture *f, const char *args)
{
	char *line = paris_lyon_netem(f);
	char want[512];

	snprintf(want, sizeof(want), PARIS "qdisc add dev wan0 parent 1:11 "
		 "handle 11: netem %s", args);
	ck_assert_str_eq(line, want);
	free(line);
}

/* The whole world: per gateway the root, the default class, and per other
 * site (minor 0x10 + index) a class, a netem and a filter on its LAN. */
START_TEST(test_render_world)
{
	struct fixture f;

	fixture_init(&f);
	shape_at(&f.t, 0, 1)->delay_us = 10000;
	shape_at(&f.t, 1, 0)->delay_us = 20000;         /* asymmetric */
	shape_at(&f.t, 0, 2)->delay_us = 5000;
	shape_at(&f.t, 0, 2)->rate_bps = 100000000;
	assert_render(&f,
		HEAD(PARIS)
		CLASS(PARIS, "11")
		PARIS "qdisc add dev wan0 parent 1:11 handle 11: netem "
		      "limit 9334 delay 10ms\n"
		FILTER(PARIS, "11", "198.18.0.8/29")
		PARIS "class add dev wan0 parent 1: classid 1:12 htb "
		      "rate 100mbit quantum 200000\n"
		PARIS "qdisc add dev wan0 parent 1:12 handle 12: netem "
		      "limit 1042 delay 5ms\n"
		FILTER(PARIS, "12", "198.18.0.16/29")
		HEAD(LYON)
		CLASS(LYON, "10")
		LYON "qdisc add dev wan0 parent 1:10 handle 10: netem "
		     "limit 17667 delay 20ms\n"
		FILTER(LYON, "10", "198.18.0.0/29")
		CLASS(LYON, "12")
		LYON "qdisc add dev wan0 parent 1:12 handle 12: netem "
		     "limit 1000\n"
		FILTER(LYON, "12", "198.18.0.16/29")
		HEAD(NICE)
		CLASS(NICE, "10")
		NICE "qdisc add dev wan0 parent 1:10 handle 10: netem "
		     "limit 1000\n"
		FILTER(NICE, "10", "198.18.0.0/29")
		CLASS(NICE, "11")
		NICE "qdisc add dev wan0 parent 1:11 handle 11: netem "
		     "limit 1000\n"
		FILTER(NICE, "11", "198.18.0.8/29"));
	fixture_release(&f);
}
END_TEST

/* Jitter with each distribution, correlation, microsecond delays. */
START_TEST(test_render_jitter)
{
	struct fixture f;
	struct link_params *p;

	fixture_init(&f);
	p = shape_at(&f.t, 0, 1);
	p->delay_us = 20000;
	p->jitter_us = 2000;
	/* limit: 10gbit * (20 + 4 * 2) ms / 1500 B = 23334, + 1000 */
	assert_pair_netem(&f, "limit 24334 delay 20ms 2ms");
	p->dist = DIST_UNIFORM;         /* netem's own: no table */
	assert_pair_netem(&f, "limit 24334 delay 20ms 2ms");
	p->dist = DIST_NORMAL;
	assert_pair_netem(&f, "limit 24334 delay 20ms 2ms distribution normal");
	p->jitter_corr_pct = 25;
	assert_pair_netem(&f, "limit 24334 delay 20ms 2ms 25% "
			  "distribution normal");
	p->dist = DIST_PARETO;
	p->jitter_corr_pct = 12.5;
	assert_pair_netem(&f, "limit 24334 delay 20ms 2ms 12.5% "
			  "distribution pareto");
	p->dist = DIST_PARETONORMAL;
	p->jitter_corr_pct = 0;
	assert_pair_netem(&f, "limit 24334 delay 20ms 2ms "
			  "distribution paretonormal");
	p->delay_us = 1500;
	p->jitter_us = 250;
	assert_pair_netem(&f, "limit 3084 delay 1500us 250us "
			  "distribution paretonormal");
	/* Without jitter, distribution and correlation mean nothing. */
	p->jitter_us = 0;
	p->jitter_corr_pct = 30;
	assert_pair_netem(&f, "limit 2250 delay 1500us");
	fixture_release(&f);
}
END_TEST

/* Random loss, and Gilbert-Elliott for bursts: mean burst B gives
 * r = 1 / B, mean loss L gives p = L r / (1 - L). */
START_TEST(test_render_loss)
{
	struct fixture f;
	struct link_params *p;

	fixture_init(&f);
	p = shape_at(&f.t, 0, 1);
	p->loss_pct = 0.1;
	assert_pair_netem(&f, "limit 1000 loss 0.1%");
	p->loss_pct = 10;
	p->loss_burst = 1;              /* <= 1: still random */
	assert_pair_netem(&f, "limit 1000 loss 10%");
	p->loss_pct = 1;
	p->loss_burst = 4;              /* p = 0.01 * 0.25 / 0.99 */
	assert_pair_netem(&f, "limit 1000 loss gemodel 0.2525% 25% 100% 0%");
	p->loss_pct = 10;
	p->loss_burst = 3;              /* p = 0.1 / 3 / 0.9 */
	assert_pair_netem(&f, "limit 1000 loss gemodel 3.7037% 33.3333% "
			  "100% 0%");
	p->loss_pct = 90;               /* p would be 9 / B: capped */
	p->loss_burst = 2;
	assert_pair_netem(&f, "limit 1000 loss gemodel 100% 50% 100% 0%");
	p->loss_pct = 100;              /* all: random loss */
	assert_pair_netem(&f, "limit 1000 loss 100%");
	fixture_release(&f);
}
END_TEST

/* Rate: the class's rate, the netem limit sized for the pair's
 * bandwidth-delay product plus the rate queue. */
START_TEST(test_render_rate)
{
	struct fixture f;
	struct link_params *p;
	char *text = NULL;

	fixture_init(&f);
	p = shape_at(&f.t, 0, 1);
	p->rate_bps = 10000000;
	p->delay_us = 50000;            /* 10mbit * 50 ms = 42 packets */
	assert_pair_netem(&f, "limit 1042 delay 50ms");
	p->queue_pkts = 50;
	assert_pair_netem(&f, "limit 92 delay 50ms");
	p->rate_bps = 1500000;
	p->delay_us = 0;
	p->queue_pkts = 0;
	ck_assert_int_eq(shape_netem_render(&f.w, &f.t, &text), 0);
	ck_assert(strstr(text, PARIS "class add dev wan0 parent 1: classid "
			 "1:11 htb rate 1500kbit quantum 18750\n"));
	free(text);
	p->rate_bps = 64000;            /* quantum at its floor */
	ck_assert_int_eq(shape_netem_render(&f.w, &f.t, &text), 0);
	ck_assert(strstr(text, PARIS "class add dev wan0 parent 1: classid "
			 "1:11 htb rate 64kbit quantum 1600\n"));
	free(text);
	p->rate_bps = 2500000001ull;
	ck_assert_int_eq(shape_netem_render(&f.w, &f.t, &text), 0);
	ck_assert(strstr(text, "htb rate 2500000001bit quantum 200000\n"));
	free(text);
	fixture_release(&f);
}
END_TEST

/* A cut pair loses everything, one direction only; its delay stays. */
START_TEST(test_render_partition)
{
	struct fixture f;
	char *text = NULL;

	fixture_init(&f);
	shape_at(&f.t, 0, 1)->delay_us = 10000;
	shape_at(&f.t, 0, 1)->loss_pct = 1;
	shape_at(&f.t, 0, 1)->loss_burst = 4;
	f.t.cut[0 * N_SITES + 1] = true;
	assert_pair_netem(&f, "limit 9334 delay 10ms loss 100%");
	ck_assert_int_eq(shape_netem_render(&f.w, &f.t, &text), 0);
	ck_assert(strstr(text, LYON "qdisc add dev wan0 parent 1:10 handle "
			 "10: netem limit 1000\n"));
	free(text);
	fixture_release(&f);
}
END_TEST

/* set_pair changes the pair's class and netem on its source gateway
 * only; going back to netem's uniform jitter replaces the netem. */
START_TEST(test_render_set_pair)
{
	struct fixture f;
	struct link_params *p;
	char *text = NULL;

	fixture_init(&f);
	p = shape_at(&f.t, 2, 0);
	p->delay_us = 30000;
	p->jitter_us = 5000;
	p->dist = DIST_NORMAL;
	p->rate_bps = 20000000;
	ck_assert_int_eq(shape_netem_render_pair(&f.w, &f.t, 2, 0, &text), 0);
	ck_assert_str_eq(text,
		NICE "class change dev wan0 parent 1: classid 1:10 htb "
		     "rate 20mbit quantum 200000\n"
		NICE "qdisc change dev wan0 parent 1:10 handle 10: netem "
		     "limit 1084 delay 30ms 5ms distribution normal\n");
	free(text);
	p->dist = DIST_NONE;
	f.t.cut[2 * N_SITES + 0] = true;
	ck_assert_int_eq(shape_netem_render_pair(&f.w, &f.t, 2, 0, &text), 0);
	ck_assert_str_eq(text,
		NICE "class change dev wan0 parent 1: classid 1:10 htb "
		     "rate 20mbit quantum 200000\n"
		NICE "qdisc del dev wan0 parent 1:10 handle 10:\n"
		NICE "qdisc add dev wan0 parent 1:10 handle 10: netem "
		     "limit 1084 delay 30ms 5ms loss 100%\n");
	free(text);
	ck_assert_int_eq(shape_netem_render_pair(&f.w, &f.t, 1, 1, &text),
			 -EINVAL);
	ck_assert_ptr_null(text);
	ck_assert_int_eq(shape_netem_render_pair(&f.w, &f.t, 3, 0, &text),
			 -EINVAL);
	fixture_release(&f);
}
END_TEST

START_TEST(test_render_reset)
{
	struct fixture f;
	struct tc_plan plan = { 0 };
	char *text = NULL;

	fixture_init(&f);
	ck_assert_int_eq(shape_netem_plan_reset(&f.w, &plan), 0);
	ck_assert_uint_eq(plan.n, N_SITES);
	ck_assert(plan.ops[0].missing_ok);
	ck_assert_int_eq(shape_netem_plan_render(&plan, &text), 0);
	ck_assert_str_eq(text,
		PARIS "qdisc del dev wan0 root\n"
		LYON "qdisc del dev wan0 root\n"
		NICE "qdisc del dev wan0 root\n");
	free(text);
	shape_netem_plan_release(&plan);
	shape_netem_plan_release(&plan);        /* zeroed: fine */
	shape_netem_plan_release(NULL);
	fixture_release(&f);
}
END_TEST

/* Tables that do not fit the world, bad values; the ops table. */
START_TEST(test_errors)
{
	struct fixture f;
	struct shape_table small;
	char *text = NULL;

	fixture_init(&f);
	ck_assert_int_eq(shape_table_init(&small, 2), 0);
	ck_assert_int_eq(shape_netem_render(&f.w, &small, &text), -EINVAL);
	ck_assert_ptr_null(text);
	shape_table_release(&small);
	shape_at(&f.t, 0, 1)->loss_pct = 101;
	ck_assert_int_eq(shape_netem_render(&f.w, &f.t, &text), -EINVAL);
	shape_at(&f.t, 0, 1)->loss_pct = 0;
	shape_at(&f.t, 0, 1)->rate_bps = 7;     /* under a byte a second */
	ck_assert_int_eq(shape_netem_render(&f.w, &f.t, &text), -EINVAL);
	ck_assert_ptr_null(text);
	f.w.wan_mode = WAN_WAND;                /* wand's world: not ours */
	ck_assert_int_eq(shape_netem_render(&f.w, &f.t, &text), -EOPNOTSUPP);
	f.w.wan_mode = WAN_BRIDGE;
	ck_assert_ptr_eq(shape_ops_find("netem"), &shape_netem_ops);
	ck_assert_str_eq(shape_netem_ops.name, "netem");
	fixture_release(&f);
}
END_TEST

/* A site's lan: on each port of its LAN bridge (its gateway's and nodes'
 * host ends, in the host namespace), after the WAN's ops: an HTB root,
 * one class at the lan's rate, its netem; nothing for a site without one
 * or whose lan is not shaped; reset deletes those roots too. */
START_TEST(test_render_lan)
{
	struct fixture f;
	struct world_node nodes[3];
	struct tc_plan plan = { 0 };
	char *text = NULL, *before = NULL, want[1024];
	const char *gw, *v0, *v1;

	fixture_init(&f);
	memset(nodes, 0, sizeof(nodes));
	nodes[0].name = "paris-1";
	nodes[1].name = "paris-2";
	nodes[2].name = "lyon-1";
	nodes[2].site = 1;
	f.w.nodes = nodes;
	f.w.n_nodes = 3;
	world_name(&f.w);
	f.t.lan[0].delay_us = 5000;
	f.t.lan[0].loss_pct = 1;
	f.t.lan[0].rate_bps = 100000000;
	f.t.lan[1].delay_us = 1000;     /* lyon's: not shaped below */
	/* No site's lan shaped: the WAN's ops only. */
	ck_assert_int_eq(shape_netem_render(&f.w, &f.t, &before), 0);
	ck_assert(!strstr(before, "tc qdisc del dev e"));
	f.sites[0].lan_shaped = true;
	ck_assert_int_eq(shape_netem_render(&f.w, &f.t, &text), 0);
	ck_assert_int_eq(strncmp(text, before, strlen(before)), 0);
	gw = f.sites[0].gw_lan_host;
	v0 = nodes[0].host_if;
	v1 = nodes[1].host_if;
	snprintf(want, sizeof(want),
		 "tc qdisc del dev %s root\n"
		 "tc qdisc add dev %s root handle 1: htb default 10\n"
		 "tc class add dev %s parent 1: classid 1:10 htb rate 100mbit quantum 200000\n"
		 "tc qdisc add dev %s parent 1:10 handle 10: netem limit 1042 delay 5ms loss 1%%\n",
		 gw, gw, gw, gw);
	ck_assert_msg(!strncmp(text + strlen(before), want, strlen(want)),
		      "got:\n%s", text + strlen(before));
	/* Then each node of paris alike, and nothing of lyon. */
	snprintf(want, sizeof(want), "tc qdisc add dev %s parent 1:10 handle 10: netem", v0);
	ck_assert(strstr(text, want));
	snprintf(want, sizeof(want), "tc qdisc add dev %s parent 1:10 handle 10: netem", v1);
	ck_assert(strstr(text, want));
	ck_assert(!strstr(text, nodes[2].host_if));
	ck_assert(!strstr(text, f.sites[1].gw_lan_host));
	free(text);
	free(before);
	ck_assert_int_eq(shape_netem_plan_reset(&f.w, &plan), 0);
	ck_assert_int_eq(shape_netem_plan_render(&plan, &text), 0);
	snprintf(want, sizeof(want), "tc qdisc del dev %s root\ntc qdisc del dev %s root\ntc qdisc del dev %s root\n",
		 gw, v0, v1);
	ck_assert_msg(strstr(text, want), "%s", text);
	free(text);
	shape_netem_plan_release(&plan);
	ck_assert(shape_netem_ops.lan);
	ck_assert(!shape_netem_ops.lan_engine);
	fixture_release(&f);
}
END_TEST

Suite *make_netem_suite(void)
{
	Suite *s = suite_create("netem");
	TCase *tc = tcase_create("render");

	tcase_add_test(tc, test_render_world);
	tcase_add_test(tc, test_render_jitter);
	tcase_add_test(tc, test_render_loss);
	tcase_add_test(tc, test_render_rate);
	tcase_add_test(tc, test_render_partition);
	tcase_add_test(tc, test_render_set_pair);
	tcase_add_test(tc, test_render_reset);
	tcase_add_test(tc, test_render_lan);
	tcase_add_test(tc, test_errors);
	suite_add_tcase(s, tc);
	return s;
}
