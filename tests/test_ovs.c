/* Unit tests of the OVS fabric's rendered commands (fabric_ovs.h): the
 * ovs-vsctl transactions for bridges, ports and removal, and the flow
 * table ovs-ofctl gets for a partition. No root, no daemon.
 */
#include <stdlib.h>
#include <string.h>

#include "emulator/fabric.h"
#include "emulator/fabric_ovs.h"
#include "tests/suites.h"

START_TEST(test_bridges_cmd)
{
	const char *names[] = { "e1234w", "e1234b0" };
	struct fabric_cmd c = { 0 };
	char buf[512];

	ck_assert_int_eq(fabric_ovs_bridges_cmd(&c, names, 2, "netdev"), 0);
	ck_assert_str_eq(fabric_cmd_render(&c, buf, sizeof(buf)),
			 "ovs-vsctl --timeout=10 --no-wait"
			 " -- --may-exist add-br e1234w -- set bridge e1234w datapath_type=netdev"
			 " -- --may-exist add-br e1234b0 -- set bridge e1234b0 datapath_type=netdev");
	ck_assert_ptr_null(c.argv[c.n]);
	fabric_cmd_release(&c);
	fabric_cmd_release(NULL);
}
END_TEST

START_TEST(test_ports_cmd)
{
	const struct fabric_port p[] = { { "e1234b0", "e1234g0" },
					 { "e1234b0", "e1234v0" } };
	struct fabric_cmd c = { 0 };
	char buf[512];

	ck_assert_int_eq(fabric_ovs_ports_cmd(&c, p, 2), 0);
	ck_assert_str_eq(fabric_cmd_render(&c, buf, sizeof(buf)),
			 "ovs-vsctl --timeout=30 -- --may-exist add-port e1234b0 e1234g0"
			 " -- --may-exist add-port e1234b0 e1234v0");
	fabric_cmd_release(&c);
}
END_TEST

START_TEST(test_del_cmd)
{
	const char *names[] = { "e1234w", "e1234b0" };
	struct fabric_cmd c = { 0 };
	char buf[512];

	ck_assert_int_eq(fabric_ovs_del_cmd(&c, names, 2, 1), 0);
	ck_assert_str_eq(fabric_cmd_render(&c, buf, sizeof(buf)),
			 "ovs-vsctl --timeout=30 -- --if-exists del-br e1234w"
			 " -- --if-exists del-br e1234b0");
	fabric_cmd_release(&c);
	ck_assert_int_eq(fabric_ovs_del_cmd(&c, names, 1, 0), 0);
	ck_assert_str_eq(fabric_cmd_render(&c, buf, sizeof(buf)),
			 "ovs-vsctl --timeout=30 --no-wait -- --if-exists del-br e1234w");
	fabric_cmd_release(&c);
}
END_TEST

START_TEST(test_flows_text)
{
	const struct prefix d[] = { { 0xc6120010u, 29 }, { 0xc6120100u, 24 } };
	char *text = NULL;

	ck_assert_int_eq(fabric_ovs_flows_text(d, 2, &text), 0);
	ck_assert_str_eq(text, "priority=0,actions=NORMAL\n"
			 "priority=100,ip,nw_dst=198.18.0.16/29,actions=drop\n"
			 "priority=100,ip,nw_dst=198.18.1.0/24,actions=drop\n");
	free(text);
	/* Healed: a plain switch. */
	ck_assert_int_eq(fabric_ovs_flows_text(NULL, 0, &text), 0);
	ck_assert_str_eq(text, "priority=0,actions=NORMAL\n");
	free(text);
}
END_TEST

START_TEST(test_fabric_lookup)
{
	ck_assert_ptr_eq(fabric_ops_find("ovs"), &fabric_ovs_ops);
	ck_assert_ptr_eq(fabric_ops_find("bridge"), &fabric_bridge_ops);
	ck_assert_ptr_null(fabric_ops_find("ovss"));
	ck_assert_ptr_null(fabric_ops_find(NULL));
	ck_assert(fabric_bridge_ops.master_at_create);
	ck_assert(!fabric_ovs_ops.master_at_create);
	ck_assert(fabric_ovs_ops.ns_tx_csum_off);
	ck_assert(!fabric_bridge_ops.ns_tx_csum_off);
}
END_TEST

Suite *make_ovs_suite(void)
{
	Suite *s = suite_create("ovs");
	TCase *tc = tcase_create("render");

	tcase_add_test(tc, test_bridges_cmd);
	tcase_add_test(tc, test_ports_cmd);
	tcase_add_test(tc, test_del_cmd);
	tcase_add_test(tc, test_flows_text);
	tcase_add_test(tc, test_fabric_lookup);
	suite_add_tcase(s, tc);
	return s;
}
