/* world_names — unit tests of the naming half of emulator/world.c: tags,
 * kernel object names and the netns prefix. No root, no kernel objects. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emulator/world.h"
#include "tests/suites.h"

static void assert_tag_shape(const char *tag)
{
	size_t i;

	ck_assert_uint_eq(strlen(tag), WORLD_TAG_LEN);
	ck_assert_int_eq(tag[0], 'e');
	for (i = 0; i < WORLD_TAG_LEN; i++)
		ck_assert_msg((tag[i] >= '0' && tag[i] <= '9') ||
			      (tag[i] >= 'a' && tag[i] <= 'z'),
			      "tag '%s' has '%c'", tag, tag[i]);
}

START_TEST(test_tag_stable)
{
	char a[WORLD_TAG_LEN + 1], b[WORLD_TAG_LEN + 1];

	world_tag("fog3", 0, a);
	world_tag("fog3", 0, b);
	assert_tag_shape(a);
	ck_assert_str_eq(a, b);
	world_tag("", 0, a);
	assert_tag_shape(a);
	world_tag("a-very-long-experiment-name-with-many-characters", 7, a);
	assert_tag_shape(a);
}
END_TEST

START_TEST(test_tag_salt_and_name)
{
	static const char *names[] = { "fog3", "edge", "t", "default",
				       "fog4", "paris-1" };
	char a[WORLD_TAG_LEN + 1], b[WORLD_TAG_LEN + 1];
	size_t i;
	unsigned salt;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		world_tag(names[i], 0, a);
		for (salt = 1; salt < 4; salt++) {
			world_tag(names[i], salt, b);
			assert_tag_shape(b);
			ck_assert_str_ne(a, b);
		}
	}
	world_tag("fog3", 0, a);
	world_tag("fog4", 0, b);
	ck_assert_str_ne(a, b);
}
END_TEST

/* A world of N_NODES nodes over N_SITES sites, named; caller frees. */
static struct world *make_world(const char *name, size_t n_sites,
				size_t n_nodes)
{
	struct world *w = calloc(1, sizeof(*w));
	char (*labels)[24];
	size_t i;

	ck_assert_ptr_nonnull(w);
	w->name = name;
	world_tag(name, 0, w->tag);
	w->sites = calloc(n_sites, sizeof(*w->sites));
	w->nodes = calloc(n_nodes ? n_nodes : 1, sizeof(*w->nodes));
	labels = calloc(n_sites + n_nodes, sizeof(*labels));
	ck_assert(w->sites && w->nodes && labels);
	w->n_sites = n_sites;
	w->n_nodes = n_nodes;
	for (i = 0; i < n_sites; i++) {
		snprintf(labels[i], sizeof(labels[i]), "s%zu", i);
		w->sites[i].name = labels[i];
		/* Names do not depend on the blocks; give each a /24. */
		w->sites[i].lan.addr = ADDR_LAN_POOL + ((uint32_t)i << 8);
		w->sites[i].lan.plen = 24;
	}
	for (i = 0; i < n_nodes; i++) {
		snprintf(labels[n_sites + i], sizeof(labels[0]), "n%zu", i);
		w->nodes[i].name = labels[n_sites + i];
		w->nodes[i].site = i % n_sites;
	}
	world_name(w);
	return w;
}

static void free_world(struct world *w)
{
	/* The labels block starts at the first site's name. */
	free((void *)w->sites[0].name);
	free(w->sites);
	free(w->nodes);
	free(w);
}

static void assert_ifname(const char *name, const char *tag, char kind)
{
	ck_assert_msg(strlen(name) > WORLD_TAG_LEN && strlen(name) <= 15,
		      "'%s' is not 6..15 characters", name);
	ck_assert_msg(strncmp(name, tag, WORLD_TAG_LEN) == 0 &&
		      name[WORLD_TAG_LEN] == kind,
		      "'%s' is not '%s%c...'", name, tag, kind);
}

START_TEST(test_names_fit_ifnamsiz)
{
	struct world *w = make_world("fog3", 65534, 3000);
	size_t i;

	assert_ifname(w->wan_bridge, w->tag, 'w');
	ck_assert_uint_eq(strlen(w->wan_bridge), WORLD_TAG_LEN + 1);
	for (i = 0; i < w->n_sites; i++) {
		assert_ifname(w->sites[i].lan_bridge, w->tag, 'b');
		assert_ifname(w->sites[i].gw_lan_host, w->tag, 'g');
		assert_ifname(w->sites[i].gw_wan_host, w->tag, 'u');
	}
	for (i = 0; i < w->n_nodes; i++)
		assert_ifname(w->nodes[i].host_if, w->tag, 'v');
	ck_assert_str_eq(w->sites[65533].lan_bridge + WORLD_TAG_LEN,
			 "b65533");
	ck_assert_str_eq(w->nodes[2999].host_if + WORLD_TAG_LEN, "v2999");
	ck_assert_str_eq(w->sites[12].gw_netns, "enos.fog3.gw.s12");
	ck_assert_str_eq(w->nodes[7].netns, "enos.fog3.n7");
	free_world(w);
}
END_TEST

START_TEST(test_names_addresses)
{
	struct world *w = make_world("fog3", 3, 7);
	char buf[20];

	ck_assert_uint_eq(w->wan.addr, ADDR_WAN_POOL);
	ck_assert_uint_eq(w->wan.plen, ADDR_WAN_PLEN);
	/* Site 0 holds nodes 0, 3, 6: hosts 1, 2, 3 of its block. */
	ck_assert_str_eq(addr_format(w->sites[0].gw_lan_addr, buf,
				     sizeof(buf)), "198.18.0.1");
	ck_assert_str_eq(addr_format(w->nodes[0].addr, buf, sizeof(buf)),
			 "198.18.0.2");
	ck_assert_str_eq(addr_format(w->nodes[3].addr, buf, sizeof(buf)),
			 "198.18.0.3");
	ck_assert_str_eq(addr_format(w->nodes[6].addr, buf, sizeof(buf)),
			 "198.18.0.4");
	ck_assert_str_eq(addr_format(w->nodes[1].addr, buf, sizeof(buf)),
			 "198.18.1.2");
	ck_assert_str_eq(addr_format(w->sites[2].gw_wan_addr, buf,
				     sizeof(buf)), "198.19.0.3");
	free_world(w);
}
END_TEST

START_TEST(test_netns_prefix)
{
	struct world *w = make_world("fog3", 2, 2);
	char p[WORLD_NETNS_MAX];

	ck_assert_str_eq(world_netns_prefix("fog3", p, sizeof(p)),
			 "enos.fog3.");
	ck_assert(strncmp(w->nodes[0].netns, p, strlen(p)) == 0);
	ck_assert(strncmp(w->sites[1].gw_netns, p, strlen(p)) == 0);
	/* Another experiment's prefix is not a prefix of ours. */
	world_netns_prefix("fog", p, sizeof(p));
	ck_assert(strncmp(w->nodes[0].netns, p, strlen(p)) != 0);
	free_world(w);
}
END_TEST

Suite *make_world_names_suite(void)
{
	Suite *s = suite_create("world_names");
	TCase *tc = tcase_create("names");

	tcase_add_test(tc, test_tag_stable);
	tcase_add_test(tc, test_tag_salt_and_name);
	tcase_add_test(tc, test_names_fit_ifnamsiz);
	tcase_add_test(tc, test_names_addresses);
	tcase_add_test(tc, test_netns_prefix);
	suite_add_tcase(s, tc);
	return s;
}
