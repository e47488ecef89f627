/* Unit tests of the lxc node backend without root or libvirt: the domain
 * XML it generates (node_lxc_xml) and the hugetlb condition probe
 * (virt_hugetlb_needs_fix) on a fake cgroup tree.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "emulator/node.h"
#include "emulator/node_lxc.h"
#include "emulator/virt.h"
#include "tests/suites.h"
#include "tests/testutil.h"

static void one_node(struct world *w, struct world_node *n, unsigned cpus,
		     uint64_t mem)
{
	memset(w, 0, sizeof(*w));
	memset(n, 0, sizeof(*n));
	w->name = "lxu";
	n->name = "a-1";
	n->ops = &node_lxc_ops;
	n->cpus = cpus;
	n->memory_bytes = mem;
	snprintf(n->netns, sizeof(n->netns), "enos.lxu.a-1");
}

START_TEST(test_xml_limits_and_sharenet)
{
	struct world w;
	struct world_node n;
	char *xml = NULL;

	one_node(&w, &n, 2, 256ull << 20);
	ck_assert_int_eq(node_lxc_xml(&w, &n, "/run/enos/.lxc/lxu/a-1/var", &xml), 0);
	ck_assert_ptr_nonnull(strstr(xml, "<domain type='lxc' xmlns:lxc='http://libvirt.org/schemas/domain/lxc/1.0'>"));
	ck_assert_ptr_nonnull(strstr(xml, "<name>enos.lxu.a-1</name>"));
	ck_assert_ptr_nonnull(strstr(xml, "<memory unit='KiB'>262144</memory>"));
	ck_assert_ptr_nonnull(strstr(xml, "<cputune><period>100000</period><quota>200000</quota></cputune>"));
	ck_assert_ptr_nonnull(strstr(xml, "<source dir='/'/><target dir='/'/><readonly/>"));
	ck_assert_ptr_nonnull(strstr(xml, "<target dir='/tmp'/>"));
	ck_assert_ptr_nonnull(strstr(xml, "<target dir='/run'/>"));
	ck_assert_ptr_nonnull(strstr(xml, "<source dir='/run/enos/.lxc/lxu/a-1/var'/><target dir='/var'/>"));
	ck_assert_ptr_nonnull(strstr(xml, "<lxc:namespace><sharenet type='netns' value='enos.lxu.a-1'/></lxc:namespace>"));
	/* The node's name is the init's $0 (the hostname), escaped. */
	ck_assert_ptr_nonnull(strstr(xml, "<initarg>a-1</initarg>"));
	ck_assert_ptr_nonnull(strstr(xml, "hostname &quot;$0&quot;; trap &apos;exit 0&apos; TERM"));
	ck_assert_ptr_null(strstr(xml, "<interface"));
	free(xml);
}
END_TEST

START_TEST(test_xml_defaults)
{
	struct world w;
	struct world_node n;
	char *xml = NULL;

	one_node(&w, &n, 0, 0);
	ck_assert_int_eq(node_lxc_xml(&w, &n, "/v<&>", &xml), 0);
	ck_assert_ptr_nonnull(strstr(xml, "<memory unit='KiB'>524288</memory>"));
	ck_assert_ptr_nonnull(strstr(xml, "<vcpu>1</vcpu>"));
	ck_assert_ptr_null(strstr(xml, "<cputune>"));
	ck_assert_ptr_nonnull(strstr(xml, "<source dir='/v&lt;&amp;&gt;'/>"));
	free(xml);
}
END_TEST

/* A profile's cpu, in host cores, is the container's CFS quota (libvirt's
 * <cputune>, on the whole container's cgroup) with as many vCPUs as it
 * needs whole; its memory the domain's memory limit. */
START_TEST(test_xml_profile)
{
	struct world w;
	struct world_node n;
	char *xml = NULL;

	one_node(&w, &n, 0, 64ull << 20);
	n.cpu_milli = 250;
	ck_assert_int_eq(node_lxc_xml(&w, &n, "/v", &xml), 0);
	ck_assert_ptr_nonnull(strstr(xml, "<memory unit='KiB'>65536</memory>"));
	ck_assert_ptr_nonnull(strstr(xml, "<vcpu>1</vcpu>"));
	ck_assert_ptr_nonnull(strstr(xml, "<cputune><period>100000</period><quota>25000</quota></cputune>"));
	free(xml);
	n.cpu_milli = 1500;
	ck_assert_int_eq(node_lxc_xml(&w, &n, "/v", &xml), 0);
	ck_assert_ptr_nonnull(strstr(xml, "<vcpu>2</vcpu>"));
	ck_assert_ptr_nonnull(strstr(xml, "<quota>150000</quota>"));
	free(xml);
	/* cpus gives the vCPUs, cpu the share. */
	n.cpus = 4;
	ck_assert_int_eq(node_lxc_xml(&w, &n, "/v", &xml), 0);
	ck_assert_ptr_nonnull(strstr(xml, "<vcpu>4</vcpu>"));
	ck_assert_ptr_nonnull(strstr(xml, "<quota>150000</quota>"));
	free(xml);
}
END_TEST

START_TEST(test_lxc_registered)
{
	const struct node_ops *ops = node_ops_find("lxc");

	ck_assert_ptr_eq(ops, &node_lxc_ops);
	ck_assert_ptr_nonnull(ops->start);
	ck_assert_ptr_nonnull(ops->exec);
	ck_assert_ptr_nonnull(ops->spawn);
	ck_assert_ptr_nonnull(ops->sweep);
	ck_assert_ptr_nonnull(ops->leftovers);
	ck_assert_ptr_eq(node_ops_find("netns"), &node_netns_ops);
	ck_assert_ptr_null(node_ops_find("nope"));
}
END_TEST

/* A fake cgroup v1 root (a plain directory, not cgroup2) whose unified
 * controllers file says CONTROLLERS. */
static void fake_root(char *dir, size_t len, const char *controllers)
{
	char sub[256], path[256];

	ck_assert_ptr_nonnull(tu_tmpdir(dir, len, "cg"));
	snprintf(sub, sizeof(sub), "%s/unified", dir);
	ck_assert_int_eq(mkdir(sub, 0755), 0);
	tu_write(sub, "cgroup.controllers", controllers, path, sizeof(path));
}

START_TEST(test_hugetlb_probe)
{
	char dir[128];

	fake_root(dir, sizeof(dir), "hugetlb\n");
	ck_assert(virt_hugetlb_needs_fix(dir));
	tu_rmtree(dir);
	fake_root(dir, sizeof(dir), "cpu hugetlb io\n");
	ck_assert(virt_hugetlb_needs_fix(dir));
	tu_rmtree(dir);
	fake_root(dir, sizeof(dir), "\n");
	ck_assert(!virt_hugetlb_needs_fix(dir));
	tu_rmtree(dir);
	fake_root(dir, sizeof(dir), "hugetlbx\n");
	ck_assert(!virt_hugetlb_needs_fix(dir));
	tu_rmtree(dir);
	ck_assert(!virt_hugetlb_needs_fix("/nonexistent"));
}
END_TEST

Suite *make_lxc_suite(void)
{
	Suite *s = suite_create("lxc");
	TCase *tc = tcase_create("xml");

	tcase_add_test(tc, test_xml_limits_and_sharenet);
	tcase_add_test(tc, test_xml_defaults);
	tcase_add_test(tc, test_xml_profile);
	tcase_add_test(tc, test_lxc_registered);
	tcase_add_test(tc, test_hugetlb_probe);
	suite_add_tcase(s, tc);
	return s;
}
