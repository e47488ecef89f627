/* Unit tests of the address plan (emulator/addr.c). */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "emulator/addr.h"
#include "tests/suites.h"

static int overlaps(const struct prefix *a, const struct prefix *b)
{
	uint64_t a0 = a->addr, a1 = a0 + ((uint64_t)1 << (32 - a->plen));
	uint64_t b0 = b->addr, b1 = b0 + ((uint64_t)1 << (32 - b->plen));

	return a0 < b1 && b0 < a1;
}

START_TEST(small_sites_get_a_slash_29)
{
	size_t hosts[] = { 3, 6 };
	struct prefix p[2];
	char buf[32];

	ck_assert_int_eq(addr_plan_sites(hosts, 2, p, NULL), 0);
	ck_assert_int_eq(p[0].plen, 29);
	ck_assert_int_eq(p[1].plen, 29);
	ck_assert_str_eq(prefix_format(&p[0], buf, sizeof(buf)), "198.18.0.0/29");
	ck_assert_str_eq(prefix_format(&p[1], buf, sizeof(buf)), "198.18.0.8/29");
	ck_assert_str_eq(addr_format(addr_host(&p[1], 0), buf, sizeof(buf)), "198.18.0.9");
	ck_assert_str_eq(addr_format(addr_host(&p[1], 6), buf, sizeof(buf)), "198.18.0.15");
}
END_TEST

START_TEST(blocks_fit_hosts_are_aligned_and_disjoint)
{
	size_t hosts[] = { 7, 101, 2, 1000, 30, 7 };
	const size_t n = sizeof(hosts) / sizeof(hosts[0]);
	struct prefix p[sizeof(hosts) / sizeof(hosts[0])];
	size_t i, k;

	ck_assert_int_eq(addr_plan_sites(hosts, n, p, NULL), 0);
	for (i = 0; i < n; i++) {
		uint64_t size = (uint64_t)1 << (32 - p[i].plen);

		ck_assert_uint_ge(size, hosts[i] + 2);
		ck_assert_uint_eq(p[i].addr % size, 0);
		ck_assert_uint_eq(p[i].addr >> 16, ADDR_LAN_POOL >> 16);
		for (k = 0; k < i; k++)
			ck_assert(!overlaps(&p[i], &p[k]));
	}
	/* 7 hosts + network + broadcast need 9 addresses: a /28. */
	ck_assert_int_eq(p[0].plen, 28);
	ck_assert_int_eq(p[3].plen, 22);
}
END_TEST

START_TEST(pool_exhaustion_names_the_site)
{
	size_t hosts[] = { 10, 40000, 30000 };
	struct prefix p[3];
	size_t failed = 99;

	ck_assert_int_eq(addr_plan_sites(hosts, 3, p, &failed), -ENOSPC);
	ck_assert_uint_eq(failed, 1);
}
END_TEST

START_TEST(whole_pool_is_usable)
{
	size_t hosts[] = { 65534 };
	struct prefix p[1];

	ck_assert_int_eq(addr_plan_sites(hosts, 1, p, NULL), 0);
	ck_assert_int_eq(p[0].plen, 16);
	hosts[0] = 65535;
	ck_assert_int_eq(addr_plan_sites(hosts, 1, p, NULL), -ENOSPC);
}
END_TEST

START_TEST(wan_addresses_are_in_198_19)
{
	char buf[32];

	ck_assert_str_eq(addr_format(addr_wan(0), buf, sizeof(buf)), "198.19.0.1");
	ck_assert_str_eq(addr_format(addr_wan(300), buf, sizeof(buf)), "198.19.1.45");
}
END_TEST

/* A spread world's gateway MAC: 02:e0 and its WAN address, locally
 * administered, unicast, one per site. */
START_TEST(wan_macs_follow_wan_addresses)
{
	static const uint8_t m0[6] = { 0x02, 0xe0, 198, 19, 0, 1 };
	static const uint8_t m300[6] = { 0x02, 0xe0, 198, 19, 1, 45 };
	uint8_t mac[6];

	addr_wan_mac(0, mac);
	ck_assert_mem_eq(mac, m0, 6);
	addr_wan_mac(300, mac);
	ck_assert_mem_eq(mac, m300, 6);
	ck_assert((mac[0] & 1) == 0 && (mac[0] & 2) == 2);
}
END_TEST

Suite *make_addr_suite(void)
{
	Suite *s = suite_create("addr");
	TCase *tc = tcase_create("plan");

	tcase_add_test(tc, small_sites_get_a_slash_29);
	tcase_add_test(tc, blocks_fit_hosts_are_aligned_and_disjoint);
	tcase_add_test(tc, pool_exhaustion_names_the_site);
	tcase_add_test(tc, wan_macs_follow_wan_addresses);
	tcase_add_test(tc, whole_pool_is_usable);
	tcase_add_test(tc, wan_addresses_are_in_198_19);
	suite_add_tcase(s, tc);
	return s;
}
