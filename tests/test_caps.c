/* test_caps — capability detection (emulator/caps.c): the probe succeeds,
 * every missing feature says why, and the answers agree with what the
 * filesystem shows (no /dev/kvm means no KVM, ...). Also as an unprivileged
 * user, where what needs root must say so rather than fail. Runs as any
 * user; it creates nothing on the host.
 */
#include <errno.h>
#include <grp.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "emulator/caps.h"
#include "tests/suites.h"

static bool exists(const char *path)
{
	return access(path, F_OK) == 0;
}

static bool cpuinfo_has_virt(void)
{
	char line[4096];
	bool found = false;
	FILE *fp = fopen("/proc/cpuinfo", "r");

	if (!fp)
		return false;
	while (fgets(line, sizeof(line), fp))
		if (strncmp(line, "flags", 5) == 0 &&
		    (strstr(line, " vmx") || strstr(line, " svm")))
			found = true;
	fclose(fp);
	return found;
}

/* Is NAME an executable in one of the usual directories? */
static bool have_program(const char *name)
{
	static const char *const dirs[] = {
		"/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin",
		"/sbin", "/bin",
	};
	char path[256];
	size_t i;

	for (i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", dirs[i], name);
		if (access(path, X_OK) == 0)
			return true;
	}
	return false;
}

static void assert_well_formed(const struct caps *c)
{
	const struct cap *f;
	const char *name = NULL;
	size_t i;

	ck_assert_uint_gt(strlen(c->kernel), 0);
	for (i = 0; i < CAPS_COUNT; i++) {
		f = caps_at(c, i, &name);
		ck_assert_ptr_nonnull(f);
		ck_assert_ptr_nonnull(name);
		ck_assert_uint_lt(strnlen(f->why, sizeof(f->why)), sizeof(f->why));
		if (!f->found)
			ck_assert_msg(f->why[0] != '\0', "%s missing without a reason",
				      name);
		/* One line, no trailing full stop (git style). */
		ck_assert_ptr_null(strchr(f->why, '\n'));
		if (f->why[0])
			ck_assert_int_ne(f->why[strlen(f->why) - 1], '.');
	}
	ck_assert_ptr_null(caps_at(c, CAPS_COUNT, &name));
	ck_assert_ptr_eq(caps_at(c, 0, NULL), &c->netem);
	ck_assert_ptr_eq(caps_at(c, 6, NULL), &c->mininet);
}

START_TEST(test_probe)
{
	struct caps c;

	ck_assert_int_eq(caps_probe(&c), 0);
	assert_well_formed(&c);
}
END_TEST

START_TEST(test_consistent)
{
	struct caps c;

	ck_assert_int_eq(caps_probe(&c), 0);

	if (!exists("/dev/kvm") || !cpuinfo_has_virt())
		ck_assert(!c.kvm.found);
	if (!c.kvm.found)
		ck_assert_msg(strncmp(c.kvm.why, "TCG", 3) == 0, "%s", c.kvm.why);
	if (!cpuinfo_has_virt())
		ck_assert_ptr_nonnull(strstr(c.kvm.why, "vmx/svm"));

	ck_assert(c.ovs_kernel == exists("/sys/module/openvswitch"));
	if (c.ovs.found && !c.ovs_kernel)
		ck_assert_ptr_nonnull(strstr(c.ovs.why, "netdev"));
	if (!have_program("ovs-vswitchd"))
		ck_assert(!c.ovs.found);

	if (!have_program("libvirtd")) {
		ck_assert(!c.libvirt_lxc.found);
		ck_assert(!c.libvirt_qemu.found);
	}
	if (!have_program("qemu-system-x86_64"))
		ck_assert(!c.libvirt_qemu.found);
	if (c.libvirt_qemu.found && !c.kvm.found)
		ck_assert_ptr_nonnull(strstr(c.libvirt_qemu.why, "TCG"));
	if (!c.mininet.found)
		ck_assert_ptr_nonnull(strstr(c.mininet.why, "mn"));

	if (!c.netem.found)
		ck_assert_ptr_nonnull(strstr(c.netem.why, "sch_netem"));
	if (!c.htb.found)
		ck_assert_ptr_nonnull(strstr(c.htb.why, "sch_htb"));
	if (geteuid() == 0) {
		/* A qdisc registered in the kernel (built in with parameters
		 * or loaded) must be found by the real test. */
		if (exists("/sys/module/sch_htb"))
			ck_assert_msg(c.htb.found, "%s", c.htb.why);
		/* A kernel that cannot load modules and has no netem: the
		 * reason names both. */
		if (!c.netem.found && !exists("/proc/modules")) {
			ck_assert_ptr_nonnull(strstr(c.netem.why,
						     "cannot load modules"));
			ck_assert_ptr_nonnull(strstr(c.netem.why,
						     "RTM_NEWQDISC netem"));
		}
	}
}
END_TEST

START_TEST(test_stable)
{
	struct caps a, b;
	const struct cap *x, *y;
	size_t i;

	ck_assert_int_eq(caps_probe(&a), 0);
	ck_assert_int_eq(caps_probe(&b), 0);
	for (i = 0; i < CAPS_COUNT; i++) {
		x = caps_at(&a, i, NULL);
		y = caps_at(&b, i, NULL);
		ck_assert(x->found == y->found);
		ck_assert_str_eq(x->why, y->why);
	}
}
END_TEST

/* As an unprivileged user (a forked child drops to nobody): the probe
 * still succeeds, and what needs root says so or was answered through a
 * user namespace. */
START_TEST(test_without_root)
{
	struct caps c;
	int fds[2], status = 0;
	ssize_t got;
	pid_t pid;

	if (geteuid() != 0) {
		ck_assert_int_eq(caps_probe(&c), 0);
		assert_well_formed(&c);
		return;
	}
	ck_assert_int_eq(pipe(fds), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		int ret = -1;

		close(fds[0]);
		memset(&c, 0, sizeof(c));
		if (setgroups(0, NULL) == 0 && setgid(65534) == 0 &&
		    setuid(65534) == 0)
			ret = caps_probe(&c);
		if (ret != 0 || write(fds[1], &c, sizeof(c)) != sizeof(c))
			_exit(1);
		_exit(0);
	}
	close(fds[1]);
	got = read(fds[0], &c, sizeof(c));
	close(fds[0]);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	ck_assert_int_eq(got, sizeof(c));
	assert_well_formed(&c);
	if (c.netem.found)
		ck_assert_ptr_nonnull(strstr(c.netem.why, "user namespace"));
	else
		ck_assert(strstr(c.netem.why, "needs root") ||
			  strstr(c.netem.why, "RTM_NEWQDISC"));
	/* /dev/kvm is 0600 root here, or absent, or no vmx/svm. */
	if (!c.kvm.found)
		ck_assert(strncmp(c.kvm.why, "TCG", 3) == 0);
}
END_TEST

Suite *make_caps_suite(void)
{
	Suite *s = suite_create("caps");
	TCase *tc = tcase_create("probe");

	tcase_add_test(tc, test_probe);
	tcase_add_test(tc, test_consistent);
	tcase_add_test(tc, test_stable);
	tcase_add_test(tc, test_without_root);
	suite_add_tcase(s, tc);
	return s;
}
