/* sys_netem_guest — runs the sys_netem suite (tests/sys_netem.c) inside a
 * QEMU guest, for hosts whose kernel has no sch_netem.
 *
 * tests/guest/build-initramfs.sh packs this very test runner (with its
 * libraries), busybox, the host's ip and tc, and the netem, htb, u32, veth
 * and bridge modules of Debian's cloud kernel into an initramfs; the
 * guest's /init (tests/guest/init) runs `check-all system` with
 * CK_RUN_SUITE=sys_netem, then sys_trace (its netem case: the trace
 * player through the enos binary, which is packed too), and prints
 *   ENOS-GUEST-VERDICT: N passed, N failed, N skipped rc=N
 * on the serial console before powering off. This test boots it with TCG
 * (no KVM needed), reads the console and wants more than 0 passed and 0
 * failed. Inside the guest /init sets ENOS_IN_GUEST=1 and this suite skips
 * itself, so the guest never boots another guest.
 *
 * Needs: qemu-system-x86 linux-image-cloud-amd64 cpio busybox-static.
 * Environment: ENOS_CHECK_ALL (the runner to pack; default this process's
 * own binary), ENOS_GUEST_TIMEOUT (seconds, default 240).
 */
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "emulator/proc.h"
#include "tests/suites.h"
#include "tests/testutil.h"

#define GUEST_TIMEOUT_S 420
#define GUEST_MEM       "512"
#define SCRIPT_REL      "tests/guest/build-initramfs.sh"

/* What the test needs, found by make_sys_netem_guest_suite() (Check
 * fixtures and tests take no argument; the forked test inherits these). */
static char kernel[PATH_MAX];
static char kver[128];
static char qemu[PATH_MAX];
static char runner[PATH_MAX];
static char script[PATH_MAX];
static char enos_bin[PATH_MAX];     /* "" when not built */

/* The newest /boot/vmlinuz-*cloud* into kernel and kver, or a reason. */
static const char *find_kernel(void)
{
	const char *why = NULL;
	char dep[PATH_MAX];
	glob_t g;

	if (glob("/boot/vmlinuz-*cloud*", 0, NULL, &g) != 0 ||
	    g.gl_pathc == 0) {
		why = "no /boot/vmlinuz-*cloud* (apt-get install "
		      "linux-image-cloud-amd64)";
		goto out;
	}
	if (snprintf(kernel, sizeof(kernel), "%s",
		     g.gl_pathv[g.gl_pathc - 1]) >= (int)sizeof(kernel) ||
	    snprintf(kver, sizeof(kver), "%s",
		     kernel + strlen("/boot/vmlinuz-")) >= (int)sizeof(kver) ||
	    snprintf(dep, sizeof(dep), "/lib/modules/%s/modules.dep",
		     kver) >= (int)sizeof(dep))
		why = "the cloud kernel's name is too long";
	else if (access(kernel, R_OK) != 0)
		why = "the cloud kernel in /boot is not readable (run as root)";
	else if (access(dep, R_OK) != 0)
		why = "the cloud kernel has no modules.dep under /lib/modules";
out:
	globfree(&g);
	return why;
}

/* The runner to pack into *runner, and the initramfs script beside the
 * tree it was built from (or under the working directory). */
static const char *find_runner(void)
{
	const char *env = getenv("ENOS_CHECK_ALL");
	char dir[PATH_MAX], *slash;
	ssize_t n;
	int up;

	if (env && *env) {
		snprintf(runner, sizeof(runner), "%s", env);
	} else {
		n = readlink("/proc/self/exe", runner, sizeof(runner) - 1);
		if (n <= 0)
			return "cannot find the test runner (/proc/self/exe)";
		runner[n] = '\0';
	}
	snprintf(script, sizeof(script), "%s", SCRIPT_REL);
	if (access(script, R_OK) == 0)
		return NULL;
	/* BUILD/tests/check-all: the tree is three levels up. */
	snprintf(dir, sizeof(dir), "%s", runner);
	for (up = 0; up < 3; up++) {
		slash = strrchr(dir, '/');
		if (!slash)
			break;
		*slash = '\0';
	}
	if (snprintf(script, sizeof(script), "%s/%s", dir, SCRIPT_REL) >=
	    (int)sizeof(script) || access(script, R_OK) != 0)
		return "cannot find " SCRIPT_REL " (run from the source tree)";
	return NULL;
}

/* Boot the guest with INITRD, console into LOG; kill it (by its pid)
 * after TIMEOUT seconds. Returns its exit status, or -1 if it could not
 * start, or -2 if it was killed for overrunning. */
static int boot(const char *initrd, const char *log, unsigned timeout)
{
	char *argv[] = {
		qemu, "-machine", "accel=tcg", "-m", GUEST_MEM, "-smp", "1",
		"-nographic", "-no-reboot", "-kernel", kernel,
		"-initrd", (char *)initrd,
		"-append", "console=ttyS0 quiet panic=-1 no_timer_check",
		NULL,
	};
	double start = tu_now_s();
	int st, fd;
	pid_t pid, r;

	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		/* Die with the test if Check kills it. */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		fd = open("/dev/null", O_RDONLY);
		if (fd >= 0)
			dup2(fd, STDIN_FILENO);
		fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd >= 0) {
			dup2(fd, STDOUT_FILENO);
			dup2(fd, STDERR_FILENO);
		}
		execv(argv[0], argv);
		_exit(127);
	}
	for (;;) {
		r = waitpid(pid, &st, WNOHANG);
		if (r == pid)
			break;
		if (r < 0 && errno != EINTR)
			return -1;
		if (tu_now_s() - start > timeout) {
			kill(pid, SIGKILL);
			while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
				;
			return -2;
		}
		usleep(100 * 1000);
	}
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* The whole of PATH, allocated ("" if unreadable). */
static char *slurp(const char *path)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = fopen(path, "re");
	FILE *m = open_memstream(&buf, &len);
	char chunk[4096];
	size_t n;

	if (f && m)
		while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
			fwrite(chunk, 1, n, m);
	if (f)
		fclose(f);
	if (m)
		fclose(m);
	return buf ? buf : strdup("");
}

/* Print the lines of LOG that carry figures: the guest's own and the
 * netem suite's measurements. */
static void print_figures(const char *log)
{
	const char *p = log, *end;

	for (; *p; p = *end ? end + 1 : end) {
		end = strchr(p, '\n');
		if (!end)
			end = p + strlen(p);
		if (strncmp(p, "ENOS-GUEST", 10) == 0 ||
		    strncmp(p, "sys_netem:", 10) == 0 ||
		    strncmp(p, "sys_trace:", 10) == 0 ||
		    strncmp(p, "SKIP:", 5) == 0)
			printf("  guest| %.*s\n", (int)(end - p -
			       (end > p && end[-1] == '\r')), p);
	}
}

START_TEST(test_guest_netem)
{
	const char *env = getenv("ENOS_GUEST_TIMEOUT");
	unsigned timeout = env && *env ? (unsigned)strtoul(env, NULL, 10) :
			   GUEST_TIMEOUT_S;
	char dir[PATH_MAX], initrd[PATH_MAX], logpath[PATH_MAX];
	char *argv[] = { "sh", script, initrd, runner, kver,
			 enos_bin[0] ? enos_bin : NULL, NULL };
	int passed = -1, failed = -1, skipped = -1, rc = -1;
	char *out = NULL, *log = NULL;
	const char *verdict;
	double t0, t1;
	int status;

	ck_assert_ptr_nonnull(tu_tmpdir(dir, sizeof(dir), "netem-guest"));
	ck_assert(snprintf(initrd, sizeof(initrd), "%s/initrd.cpio.gz", dir) <
		  (int)sizeof(initrd));
	ck_assert(snprintf(logpath, sizeof(logpath), "%s/console.log", dir) <
		  (int)sizeof(logpath));
	t0 = tu_now_s();
	status = tu_run(&out, argv);
	if (status != 0) {
		tu_rmtree(dir);
		ck_abort_msg("build-initramfs.sh failed (%d): %s", status, out);
	}
	free(out);
	t1 = tu_now_s();
	status = boot(initrd, logpath, timeout ? timeout : GUEST_TIMEOUT_S);
	log = slurp(logpath);
	tu_rmtree(dir);
	verdict = strstr(log, "ENOS-GUEST-VERDICT: ");
	if (verdict)
		sscanf(verdict, "ENOS-GUEST-VERDICT: %d passed, %d failed, "
		       "%d skipped rc=%d", &passed, &failed, &skipped, &rc);
	printf("sys_netem_guest: initramfs %.1f s, guest %.1f s (%s, TCG), "
	       "qemu exit %d\n", t1 - t0, tu_now_s() - t1, kver, status);
	print_figures(log);
	if (status != 0 || passed <= 0 || failed != 0 || rc != 0)
		printf("sys_netem_guest: guest console:\n%s\n", log);
	fflush(stdout);
	free(log);
	ck_assert_msg(status != -2, "the guest overran %u s and was killed",
		      timeout);
	ck_assert_msg(status == 0, "qemu exited with %d", status);
	ck_assert_msg(passed > 0 && failed == 0 && rc == 0,
		      "guest verdict: %d passed, %d failed, %d skipped, rc %d",
		      passed, failed, skipped, rc);
}
END_TEST

Suite *make_sys_netem_guest_suite(struct skips *sk)
{
	Suite *s = suite_create("sys_netem_guest");
	const char *why = NULL;
	char path[PATH_MAX];
	TCase *tc;

	if (getenv("ENOS_IN_GUEST"))
		why = "already inside the netem guest";
	else if (proc_which("qemu-system-x86_64", qemu, sizeof(qemu)) < 0)
		why = "qemu-system-x86_64 not found (apt-get install "
		      "qemu-system-x86)";
	else if (proc_which("busybox", path, sizeof(path)) < 0)
		why = "busybox not found (apt-get install busybox-static)";
	else if (proc_which("cpio", path, sizeof(path)) < 0)
		why = "cpio not found (apt-get install cpio)";
	if (!why)
		why = find_kernel();
	if (!why)
		why = find_runner();
	/* The enos binary goes in too, for sys_trace's netem case (skipped
	 * inside, with its reason, without it). */
	if (!why && access(tu_enos_bin(), X_OK) == 0)
		snprintf(enos_bin, sizeof(enos_bin), "%s", tu_enos_bin());
	if (why) {
		skip_add(sk, "test_guest_netem", why);
		return s;
	}
	tc = tcase_create("qemu");
	/* Beyond the guest's own limit, which kills qemu first. */
	tcase_set_timeout(tc, GUEST_TIMEOUT_S + 120);
	tcase_add_test(tc, test_guest_netem);
	suite_add_tcase(s, tc);
	return s;
}
