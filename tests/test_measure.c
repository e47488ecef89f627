/* measure — unit tests of where the RTT probe runs in each site
 * (measure_endpoints): the first node whose namespace the probe can enter
 * (netns, lxc), never a VM (qemu: its namespace is an empty marker), and
 * the site's gateway when a site has only VMs. Pure: no root, no kernel
 * objects.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emulator/addr.h"
#include "emulator/node.h"
#include "emulator/world.h"
#include "enos/measure.h"
#include "tests/suites.h"

struct spec_node {
	const char *name;
	size_t site;
	const char *backend;    /* NULL: netns, as the plan leaves it */
};

/* A named world of N_SITES sites (s0, s1, ...) and the nodes of NODES. */
static struct world *make_world(size_t n_sites, const struct spec_node *nodes,
				size_t n_nodes)
{
	static const char *const site_names[] = { "central", "regional", "edge",
						  "empty" };
	struct world *w = calloc(1, sizeof(*w));
	size_t i;

	ck_assert_ptr_nonnull(w);
	ck_assert_uint_le(n_sites, 4);
	w->name = "mx-unit";
	world_tag(w->name, 0, w->tag);
	w->sites = calloc(n_sites, sizeof(*w->sites));
	w->nodes = calloc(n_nodes + 1, sizeof(*w->nodes));
	ck_assert(w->sites && w->nodes);
	w->n_sites = n_sites;
	w->n_nodes = n_nodes;
	for (i = 0; i < n_sites; i++) {
		w->sites[i].name = site_names[i];
		w->sites[i].lan.addr = ADDR_LAN_POOL + ((uint32_t)i << 8);
		w->sites[i].lan.plen = 24;
	}
	for (i = 0; i < n_nodes; i++) {
		w->nodes[i].name = nodes[i].name;
		w->nodes[i].site = nodes[i].site;
		w->nodes[i].ops = nodes[i].backend ?
				  node_ops_find(nodes[i].backend) :
				  &node_netns_ops;
	}
	world_name(w);
	return w;
}

static void free_world(struct world *w)
{
	free(w->sites);
	free(w->nodes);
	free(w);
}

/* The mixed topology of topologies/mixed.yaml, the VM first in central. */
START_TEST(test_endpoint_skips_vm)
{
	static const struct spec_node nodes[] = {
		{ "c-vm", 0, "qemu" }, { "c-1", 0, NULL }, { "c-2", 0, "netns" },
		{ "r-1", 1, "lxc" }, { "r-2", 1, "lxc" },
		{ "e-1", 2, "netns" },
	};
	struct world *w = make_world(3, nodes, 6);
	struct measure_endpoint ep[3];

	ck_assert_int_eq(measure_endpoints(w, ep), 0);
	/* central: not the VM, the first netns node after it. */
	ck_assert_str_eq(ep[0].node, "c-1");
	ck_assert_str_eq(ep[0].netns, w->nodes[1].netns);
	ck_assert_uint_eq(ep[0].addr, w->nodes[1].addr);
	ck_assert(!ep[0].gateway);
	ck_assert_str_eq(ep[0].first, "c-vm");
	ck_assert_str_eq(ep[0].first_backend, "qemu");
	/* regional: an lxc node shares its namespace: the first one. */
	ck_assert_str_eq(ep[1].node, "r-1");
	ck_assert_str_eq(ep[1].netns, w->nodes[3].netns);
	ck_assert(!ep[1].gateway);
	/* edge: a netns node given no backend. */
	ck_assert_str_eq(ep[2].node, "e-1");
	ck_assert_str_eq(ep[2].first_backend, "netns");
	free_world(w);
}
END_TEST

/* Only VMs in a site: its gateway, named as its namespace's suffix; no
 * node at all: no endpoint (measure_sites skips its pairs). */
START_TEST(test_endpoint_gateway_fallback)
{
	static const struct spec_node nodes[] = {
		{ "c-1", 0, NULL },
		{ "vm-a", 1, "qemu" }, { "vm-b", 1, "qemu" },
	};
	struct world *w = make_world(3, nodes, 3);
	struct measure_endpoint ep[3];
	char gw_name[64];

	ck_assert_int_eq(measure_endpoints(w, ep), 0);
	ck_assert_str_eq(ep[0].node, "c-1");
	ck_assert(ep[1].gateway);
	snprintf(gw_name, sizeof(gw_name), "gw.%s", w->sites[1].name);
	ck_assert_str_eq(ep[1].node, gw_name);
	ck_assert_str_eq(ep[1].netns, w->sites[1].gw_netns);
	ck_assert_uint_eq(ep[1].addr, w->sites[1].gw_lan_addr);
	ck_assert_str_eq(ep[1].first, "vm-a");
	ck_assert_ptr_null(ep[2].node);
	ck_assert_ptr_null(ep[2].netns);
	ck_assert_ptr_null(ep[2].first);
	free_world(w);
}
END_TEST

/* A node of no site is refused, not read past the array. */
START_TEST(test_endpoint_bad_site)
{
	static const struct spec_node nodes[] = { { "x", 0, NULL } };
	struct world *w = make_world(1, nodes, 1);
	struct measure_endpoint ep[1];

	w->nodes[0].site = 5;   /* after world_name(), which indexes sites */

	ck_assert_int_eq(measure_endpoints(w, ep), -EINVAL);
	free_world(w);
}
END_TEST

Suite *make_measure_suite(void)
{
	Suite *s = suite_create("measure");
	TCase *tc = tcase_create("endpoints");

	tcase_add_test(tc, test_endpoint_skips_vm);
	tcase_add_test(tc, test_endpoint_gateway_fallback);
	tcase_add_test(tc, test_endpoint_bad_site);
	suite_add_tcase(s, tc);
	return s;
}
