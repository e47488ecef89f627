/* test_placement — sites to hosts (enos/placement.c): the implicit local
 * host, pins, the balance by load and by declared memory, ties, and each
 * host's estimate against enos/capacity.c's for the whole world.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <errno.h>

#include "enos/capacity.h"
#include "enos/phase.h"
#include "enos/placement.h"
#include "enos/topo.h"
#include "tests/suites.h"

static struct topology *load(const char *text)
{
	char *err = NULL;
	struct topology *t = topo_load_string(text, "<p>", NULL, &err);

	ck_assert_msg(t != NULL, "%s", err);
	return t;
}

/* The sum of every host's estimate is the world's. */
static void assert_parts_sum(const struct topology *t,
			     const struct placement *p)
{
	struct capacity whole;
	uint64_t mem = 0;
	size_t h, nodes = 0, sites = 0;

	capacity_estimate(t, &whole);
	for (h = 0; h < p->n_hosts; h++) {
		mem += p->hosts[h].need.memory;
		nodes += p->hosts[h].need.nodes;
		sites += p->hosts[h].n_sites;
	}
	ck_assert_uint_eq(mem, whole.memory);
	ck_assert_uint_eq(nodes, whole.nodes);
	ck_assert_uint_eq(sites, t->n_sites);
}

START_TEST(test_local)
{
	struct topology *t = load("name: s\nsites: [{name: a, role: central, nodes: 3},"
				  " {name: e, role: edge, count: 4}]\n");
	struct placement p;
	size_t i;

	ck_assert_int_eq(placement_compute(t, &p), 0);
	ck_assert_uint_eq(p.n_hosts, 1);
	ck_assert_str_eq(p.hosts[0].name, PLACEMENT_LOCAL);
	ck_assert_ptr_null(p.hosts[0].decl);
	ck_assert_uint_eq(p.hosts[0].n_pinned, 0);
	for (i = 0; i < t->n_sites; i++)
		ck_assert_uint_eq(p.host_of[i], 0);
	assert_parts_sum(t, &p);
	placement_release(&p);
	placement_release(&p);  /* twice is harmless */
	placement_release(NULL);
	topo_free(t);
}
END_TEST

/* Equal hosts, sites of 4, 3, 2, 1 nodes: 4 and 1 on one, 3 and 2 on
 * the other (heaviest first, to the lighter host, ties to the first). */
START_TEST(test_balance_equal)
{
	struct topology *t = load(
		"name: s\n"
		"hosts: [{name: h1, address: 10.0.0.1}, {name: h2, address: 10.0.0.2}]\n"
		"placement: {auto: balance}\n"
		"sites: [{name: a, role: central, nodes: 1}, {name: b, role: edge, nodes: 2},\n"
		"        {name: c, role: edge, nodes: 3}, {name: d, role: edge, nodes: 4}]\n");
	struct placement p;

	ck_assert_int_eq(placement_compute(t, &p), 0);
	ck_assert_uint_eq(p.n_hosts, 2);
	ck_assert_ptr_eq(p.hosts[1].decl, &t->hosts[1]);
	ck_assert_uint_eq(p.host_of[3], 0);     /* d: 4 nodes, first */
	ck_assert_uint_eq(p.host_of[2], 1);     /* c: 3 */
	ck_assert_uint_eq(p.host_of[1], 1);     /* b: 2, h2 holds 3 < 4 */
	ck_assert_uint_eq(p.host_of[0], 0);     /* a: 1, h1 holds 4 < 5 */
	ck_assert_uint_eq(p.hosts[0].need.nodes, 5);
	ck_assert_uint_eq(p.hosts[1].need.nodes, 5);
	assert_parts_sum(t, &p);
	placement_release(&p);
	topo_free(t);
}
END_TEST

/* Pins stay, and their load counts: h1 holds a pinned site of 6 nodes, so
 * the three balanced sites of 2 go to h2 until it is as loaded. */
START_TEST(test_balance_pins)
{
	struct topology *t = load(
		"name: s\n"
		"hosts: [{name: h1, address: 10.0.0.1}, {name: h2, address: 10.0.0.2}]\n"
		"placement: {auto: balance}\n"
		"sites: [{name: big, role: central, nodes: 6, host: h1},\n"
		"        {name: e, role: edge, count: 3, nodes: 2}]\n");
	struct placement p;
	size_t i;

	ck_assert_int_eq(placement_compute(t, &p), 0);
	ck_assert_uint_eq(p.host_of[0], 0);
	for (i = 1; i < 4; i++)
		ck_assert_uint_eq(p.host_of[i], 1);
	ck_assert_uint_eq(p.hosts[0].n_pinned, 1);
	ck_assert_uint_eq(p.hosts[1].n_pinned, 0);
	ck_assert_uint_eq(p.hosts[1].n_sites, 3);
	assert_parts_sum(t, &p);
	placement_release(&p);
	topo_free(t);
}
END_TEST

/* Every host declares memory: h1 with three times h2's takes three sites
 * of four. One host without memory: equal weights again. */
START_TEST(test_balance_memory)
{
	const char *fmt =
		"name: s\n"
		"hosts: [{name: h1, address: 10.0.0.1, memory: 48GiB}, {name: h2, address: 10.0.0.2%s}]\n"
		"placement: {auto: balance}\n"
		"sites: [{name: e, role: edge, count: 4, nodes: 5}]\n";
	char text[512];
	struct topology *t;
	struct placement p;

	snprintf(text, sizeof(text), fmt, ", memory: 16GiB");
	t = load(text);
	ck_assert_int_eq(placement_compute(t, &p), 0);
	ck_assert_uint_eq(p.hosts[0].n_sites, 3);
	ck_assert_uint_eq(p.hosts[1].n_sites, 1);
	placement_release(&p);
	topo_free(t);

	snprintf(text, sizeof(text), fmt, "");
	t = load(text);
	ck_assert_int_eq(placement_compute(t, &p), 0);
	ck_assert_uint_eq(p.hosts[0].n_sites, 2);
	ck_assert_uint_eq(p.hosts[1].n_sites, 2);
	placement_release(&p);
	topo_free(t);
}
END_TEST

/* A VM's declared memory weighs more than many namespaces: the site of
 * one 4 GiB qemu node is alone on its host, the 50 netns nodes on the
 * other. */
START_TEST(test_balance_vm_memory)
{
	struct topology *t = load(
		"name: s\n"
		"hosts: [{name: h1, address: 10.0.0.1}, {name: h2, address: 10.0.0.2}]\n"
		"placement: {auto: balance}\n"
		"sites: [{name: many, role: central, nodes: 25},\n"
		"        {name: vm, role: edge, nodes: [{name: v, backend: qemu, memory: 4GiB}]},\n"
		"        {name: more, role: edge, nodes: 25}]\n");
	struct placement p;
	char msg[512], want[512];

	ck_assert_int_eq(placement_compute(t, &p), 0);
	ck_assert_uint_eq(p.host_of[1], 0);
	ck_assert_uint_eq(p.host_of[0], 1);
	ck_assert_uint_eq(p.host_of[2], 1);
	ck_assert_uint_ge(p.hosts[0].need.memory, 4ull << 30);
	assert_parts_sum(t, &p);
	ck_assert_int_eq(placement_fits(&p, 0, 2ull << 30, "declared", 0, msg,
					sizeof(msg)), -12);
	snprintf(want, sizeof(want), "its part needs about %.1f MiB but only 2048.0 MiB is declared (1 qemu node, 1 gateway; 1 virtual CPU)",
		 (double)p.hosts[0].need.memory / (1 << 20));
	ck_assert_str_eq(msg, want);
	ck_assert_int_eq(placement_fits(&p, 1, 2ull << 30, "available", 2, msg,
					sizeof(msg)), 0);
	snprintf(want, sizeof(want), "its part needs about %.1f MiB of 2048.0 MiB available (50 netns nodes, 2 gateways; 0 virtual CPUs on 2 cores)",
		 (double)p.hosts[1].need.memory / (1 << 20));
	ck_assert_str_eq(msg, want);
	placement_release(&p);
	topo_free(t);
}
END_TEST

/* A topology with hosts: is built across them (phase_hosts.c) when its
 * nodes are netns and its WAN unshaped or shaped by wand; lxc/qemu nodes
 * on a remote host, WAN shaping across hosts by another backend and
 * traces across hosts are refused before anything is touched;
 * one without hosts: is as before. */
START_TEST(test_up_refuses_hosts)
{
	char why[512];
	struct topology *t = load(
		"name: s\n"
		"hosts: [{name: h1, address: 10.0.0.1}, {name: h2, address: 10.0.0.2}]\n"
		"placement: {auto: balance}\n"
		"sites: [{name: a, role: central, nodes: 2}, {name: b, role: edge, parent: a}]\n");

	ck_assert_int_eq(phase_hosts_check(t, why, sizeof(why)), 0);
	topo_free(t);
	t = load("name: s\n"
		 "hosts: [{name: h1, address: 10.0.0.1}, {name: h2, address: 10.0.0.2}]\n"
		 "placement: {auto: balance}\n"
		 "sites: [{name: a, role: central, nodes: [{name: vm, backend: qemu}]}]\n");
	ck_assert_int_eq(phase_hosts_check(t, why, sizeof(why)), -ENOTSUP);
	ck_assert_msg(strstr(why, "node 'vm' (qemu): lxc/qemu nodes on a remote host: not built yet"), "%s", why);
	topo_free(t);
	t = load("name: s\n"
		 "hosts: [{name: h1, address: 10.0.0.1}, {name: h2, address: 10.0.0.2}]\n"
		 "placement: {auto: balance}\n"
		 "network: {shaping: wand}\n"
		 "sites: [{name: a, role: central}]\n");
	ck_assert_int_eq(phase_hosts_check(t, why, sizeof(why)), 0);
	topo_free(t);
	/* A trace across hosts: refused at its `trace` key (each host's
	 * engine takes constant constraints only). */
	{
		char *err = NULL;

		t = topo_load_string("name: s\n"
			"hosts: [{name: h1, address: 10.0.0.1}, {name: h2, address: 10.0.0.2}]\n"
			"network:\n  shaping: wand\n  constraints:\n"
			"    - {src: b, dst: a, trace: {file: data/trace-steps.tsv}}\n"
			"sites: [{name: a, role: central, host: h1}, {name: b, role: edge, parent: a, host: h2}]\n",
			"<p>", "tests/fixtures/good", &err);
		ck_assert_msg(t != NULL, "%s", err ? err : "(no message)");
		ck_assert_int_eq(phase_hosts_check(t, why, sizeof(why)), -ENOTSUP);
		ck_assert_msg(strstr(why, "<p>:6:24: trace '") &&
			      strstr(why, "trace-steps.tsv' across hosts: not built yet (each host's engine takes constant constraints only); hint: "),
			      "%s", why);
		topo_free(t);
	}
	t = load("name: s\nsites: [{name: a, role: central}]\n");
	ck_assert_int_eq(phase_check_supported(t, SUPPORT_QUIET), 0);
	topo_free(t);
}
END_TEST

Suite *make_placement_suite(void)
{
	Suite *s = suite_create("placement");
	TCase *tc = tcase_create("placement");

	tcase_add_test(tc, test_local);
	tcase_add_test(tc, test_balance_equal);
	tcase_add_test(tc, test_balance_pins);
	tcase_add_test(tc, test_balance_memory);
	tcase_add_test(tc, test_balance_vm_memory);
	tcase_add_test(tc, test_up_refuses_hosts);
	suite_add_tcase(s, tc);
	return s;
}
