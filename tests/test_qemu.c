/* qemu — unit tests of the qemu node backend's pure parts: the domain XML
 * (node_qemu.c), the guest command line and MAC, the module load order
 * and the newc archive (initramfs.c), and the agent's frames (agent.c).
 * No root, no libvirt, no guest.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "emulator/agent.h"
#include "emulator/initramfs.h"
#include "emulator/node_qemu.h"
#include "tests/suites.h"
#include "tests/testutil.h"

static const char expected_xml[] =
	"<domain type='qemu'>\n"
	"  <name>enos.qm.vm-1</name>\n"
	"  <memory unit='KiB'>262144</memory>\n"
	"  <vcpu>2</vcpu>\n"
	"  <os>\n"
	"    <type arch='x86_64'>hvm</type>\n"
	"    <kernel>/run/enos/qemu/enos.qm.vmlinuz</kernel>\n"
	"    <initrd>/run/enos/qemu/enos.qm.initrd.cpio</initrd>\n"
	"    <cmdline>console=ttyS0 quiet panic=-1 no_timer_check enos.node=vm-1 enos.addr=198.18.0.2/24 enos.gw=198.18.0.1 enos.txoff=1</cmdline>\n"
	"  </os>\n"
	"  <features><acpi/></features>\n"
	"  <clock offset='utc'/>\n"
	"  <on_poweroff>destroy</on_poweroff>\n"
	"  <on_reboot>destroy</on_reboot>\n"
	"  <on_crash>destroy</on_crash>\n"
	"  <devices>\n"
	"    <interface type='ethernet'>\n"
	"      <mac address='52:54:00:01:02:03'/>\n"
	"      <target dev='eabcdv0' managed='no'/>\n"
	"      <model type='virtio'/>\n"
	"    </interface>\n"
	"    <serial type='file'>\n"
	"      <source path='/run/enos/qemu/enos.qm.vm-1.console'/>\n"
	"      <target port='0'/>\n"
	"    </serial>\n"
	"    <channel type='unix'>\n"
	"      <source mode='bind' path='/run/enos/qemu/enos.qm.vm-1.sock'/>\n"
	"      <target type='virtio' name='org.enos.agent'/>\n"
	"    </channel>\n"
	"    <controller type='usb' model='none'/>\n"
	"    <memballoon model='none'/>\n"
	"  </devices>\n"
	"</domain>\n";

START_TEST(test_domain_xml)
{
	char cmd[256];
	struct node_qemu_domain d = {
		.name = "enos.qm.vm-1", .type = "qemu", .vcpus = 2,
		.memory_bytes = NODE_QEMU_MEMORY,
		.kernel = "/run/enos/qemu/enos.qm.vmlinuz",
		.initrd = "/run/enos/qemu/enos.qm.initrd.cpio",
		.cmdline = cmd, .tap = "eabcdv0",
		.mac = { 0x52, 0x54, 0x00, 0x01, 0x02, 0x03 },
		.agent_sock = "/run/enos/qemu/enos.qm.vm-1.sock",
		.console_log = "/run/enos/qemu/enos.qm.vm-1.console",
	};
	char *xml;

	ck_assert_int_eq(node_qemu_cmdline("vm-1", 0xc6120002, 24, 0xc6120001,
					   1, cmd, sizeof(cmd)), 0);
	xml = node_qemu_xml(&d);
	ck_assert_ptr_nonnull(xml);
	ck_assert_str_eq(xml, expected_xml);
	free(xml);
}
END_TEST

START_TEST(test_xml_escapes)
{
	struct node_qemu_domain d = {
		.name = "a<b>&'\"", .type = "kvm", .vcpus = 1,
		.memory_bytes = 512ull << 20, .kernel = "k", .initrd = "i",
		.cmdline = "c", .tap = "t", .agent_sock = "s",
		.console_log = "l",
	};
	char *xml = node_qemu_xml(&d);

	ck_assert_ptr_nonnull(xml);
	ck_assert(tu_contains(xml, "<domain type='kvm'>"));
	ck_assert(tu_contains(xml, "<name>a&lt;b&gt;&amp;&apos;&quot;</name>"));
	ck_assert(tu_contains(xml, "<memory unit='KiB'>524288</memory>"));
	free(xml);
}
END_TEST

START_TEST(test_cmdline_and_mac)
{
	unsigned char a[6], b[6], c[6];
	char small[16], buf[256];

	ck_assert_int_eq(node_qemu_cmdline("n", 0xc6120102, 29, 0xc6120101,
					   0, buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "console=ttyS0 quiet panic=-1 no_timer_check enos.node=n "
			 "enos.addr=198.18.1.2/29 enos.gw=198.18.1.1");
	ck_assert_int_eq(node_qemu_cmdline("n", 1, 8, 2, 0, small,
					   sizeof(small)), -ENAMETOOLONG);
	node_qemu_mac("eabcdv0", a);
	node_qemu_mac("eabcdv0", b);
	node_qemu_mac("eabcdv1", c);
	ck_assert_mem_eq(a, b, 6);
	ck_assert(memcmp(a, c, 6) != 0);
	ck_assert_int_eq(a[0], 0x52);
	ck_assert_int_eq(a[1], 0x54);
	ck_assert_int_eq(a[2], 0x00);
}
END_TEST

/* A modules.dep where b needs a, and c needs b and a (nearest first, as
 * depmod writes it). */
static const char moddep[] =
	"kernel/x/a.ko:\n"
	"kernel/x/b-mod.ko: kernel/x/a.ko\n"
	"kernel/y/c.ko: kernel/x/b-mod.ko kernel/x/a.ko\n"
	"kernel/y/z.ko.xz:\n";

START_TEST(test_module_order)
{
	static const char *const want[] = { "c", "b_mod", NULL };
	static const char *const missing_one[] = { "a", "nope", NULL };
	char dir[128], path[256];
	const char *missing;
	char **paths;
	size_t n, i;

	ck_assert_ptr_nonnull(tu_tmpdir(dir, sizeof(dir), "moddep"));
	tu_write(dir, "modules.dep", moddep, path, sizeof(path));
	ck_assert_int_eq(initramfs_module_order(path, want, &paths, &n,
						&missing), 0);
	ck_assert_uint_eq(n, 3);
	ck_assert_str_eq(paths[0], "kernel/x/a.ko");
	ck_assert_str_eq(paths[1], "kernel/x/b-mod.ko");
	ck_assert_str_eq(paths[2], "kernel/y/c.ko");
	ck_assert_ptr_null(paths[3]);
	for (i = 0; i < n; i++)
		free(paths[i]);
	free(paths);
	ck_assert_int_eq(initramfs_module_order(path, missing_one, &paths, &n,
						&missing), -ENOENT);
	ck_assert_str_eq(missing, "nope");
	ck_assert_uint_eq(n, 0);
	tu_rmtree(dir);
}
END_TEST

/* Walk a newc archive: the names of its entries, newline-separated, into
 * NAMES; the size of entry WANT into *SIZE. Returns 0 if it ends with the
 * trailer. */
static int walk_newc(const char *buf, size_t len, char *names, size_t cap,
		     const char *want, unsigned long *size)
{
	size_t off = 0, used = 0;

	names[0] = '\0';
	while (off + 110 <= len) {
		char field[9] = { 0 };
		unsigned long fsize, nsize;
		const char *name;

		if (strncmp(buf + off, "070701", 6) != 0)
			return -1;
		memcpy(field, buf + off + 54, 8);
		fsize = strtoul(field, NULL, 16);
		memcpy(field, buf + off + 94, 8);
		nsize = strtoul(field, NULL, 16);
		name = buf + off + 110;
		if (strcmp(name, "TRAILER!!!") == 0)
			return 0;
		used += (size_t)snprintf(names + used, cap - used, "%s\n", name);
		if (want && strcmp(name, want) == 0)
			*size = fsize;
		off += (110 + nsize + 3) & ~3ul;
		off += (fsize + 3) & ~3ul;
	}
	return -1;
}

START_TEST(test_image)
{
	static const char *const mods[] = { "c", NULL };
	static const char list[] = "kernel/x/a.ko\nkernel/x/b-mod.ko\n"
				   "kernel/y/c.ko\n";
	struct initramfs_spec spec = { .modules = mods };
	char dir[128], path[256], bb[256], ag[256], img[256], names[4096];
	char *buf = NULL;
	unsigned long agent_size = 0;
	size_t len = 0;
	FILE *f;

	ck_assert_ptr_nonnull(tu_tmpdir(dir, sizeof(dir), "initramfs"));
	tu_write(dir, "modules.dep", moddep, path, sizeof(path));
	ck_assert_int_eq(tu_sh("mkdir -p %s/kernel/x %s/kernel/y", dir, dir), 0);
	tu_write(dir, "kernel/x/a.ko", "A", path, sizeof(path));
	tu_write(dir, "kernel/x/b-mod.ko", "BB", path, sizeof(path));
	tu_write(dir, "kernel/y/c.ko", "CCC", path, sizeof(path));
	spec.moddir = dir;
	spec.busybox = tu_write(dir, "busybox", "#!/bin/sh\n", bb, sizeof(bb));
	spec.agent = tu_write(dir, "agent", "agent!", ag, sizeof(ag));
	snprintf(img, sizeof(img), "%s/initrd.cpio", dir);
	ck_assert_int_eq(initramfs_build(img, &spec), 0);
	f = fopen(img, "r");
	ck_assert_ptr_nonnull(f);
	buf = malloc(1 << 20);
	len = fread(buf, 1, 1 << 20, f);
	fclose(f);
	ck_assert_uint_eq(len % 4, 0);
	ck_assert_int_eq(walk_newc(buf, len, names, sizeof(names),
				   "sbin/enos-agent", &agent_size), 0);
	ck_assert_uint_eq(agent_size, 6);
	ck_assert(tu_contains(names, "\ninit\n"));
	ck_assert(tu_contains(names, "\nbin/sh\n"));
	ck_assert(tu_contains(names, "\ndev/console\n"));
	ck_assert(tu_contains(names, "\nlib/modules/kernel/y/c.ko\n"));
	ck_assert(tu_contains(names, "\netc/enos-modules\n"));
	/* The load list, dependencies first. */
	ck_assert_ptr_nonnull(memmem(buf, len, list, sizeof(list) - 1));
	free(buf);
	/* A compressed module is refused, and no half image is left. */
	spec.modules = (const char *const[]){ "z", NULL };
	unlink(img);
	ck_assert_int_eq(initramfs_build(img, &spec), -ENOTSUP);
	ck_assert_int_ne(access(img, F_OK), 0);
	tu_rmtree(dir);
}
END_TEST

START_TEST(test_agent_frames)
{
	char *argv[] = { "sh", "-c", "exit 7", NULL };
	unsigned char hdr[AGENT_HDR_LEN];
	char buf[32], tiny[4];

	agent_frame_header(hdr, AGENT_EXEC, 0x01020304);
	ck_assert_int_eq(hdr[0], 'x');
	ck_assert_int_eq(hdr[1], 1);
	ck_assert_int_eq(hdr[4], 4);
	ck_assert_int_eq(agent_argv_encode(argv, buf, sizeof(buf)), 13);
	ck_assert_mem_eq(buf, "sh\0-c\0exit 7\0", 13);
	ck_assert_int_eq(agent_argv_encode(argv, tiny, sizeof(tiny)), -E2BIG);
}
END_TEST

Suite *make_qemu_suite(void)
{
	Suite *s = suite_create("qemu");
	TCase *tc = tcase_create("pure");

	tcase_add_test(tc, test_domain_xml);
	tcase_add_test(tc, test_xml_escapes);
	tcase_add_test(tc, test_cmdline_and_mac);
	tcase_add_test(tc, test_module_order);
	tcase_add_test(tc, test_image);
	tcase_add_test(tc, test_agent_frames);
	suite_add_tcase(s, tc);
	return s;
}
