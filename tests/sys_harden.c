/* sys_harden — bad input and privileges, the cases that need root (issue
 * 15, "Bad input, privileges and what a careful reading found"):
 * - the wand control socket under `umask 000`: 0600 in a 0700 directory,
 *   its pid file and log 0600; a peer that is not root is refused even
 *   when the modes are opened up (SO_PEERCRED); a request line is bounded;
 * - two `up` of one experiment: the second waits for the first's lock,
 *   saying so, then finds it up; never "half-built"; `status` never waits;
 * - services dropped to a user and to no new privileges, a user the host
 *   does not have refused before anything starts, `deploy` of a stack
 *   deployed already (exit 0) and with --force;
 * - planted links for the results and services directories refused, and
 *   nothing written through them;
 * - the state database readable by root only: `status` as nobody shows no
 *   experiment;
 * - `up` of a world this host cannot hold is refused before anything is
 *   built.
 * The cases that need no root are tests/test_harden.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <grp.h>
#include <limits.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>

#include "emulator/wand.h"
#include "tests/suites.h"
#include "tests/testutil.h"

#define FIXTURE_STACKS "tests/fixtures/stacks/sys"
#define NOBODY 65534

static struct tu_case tc;

/* wand_socket_private's engine directory, control socket and veth, named
 * in the runner (the case itself runs in a forked child), so that the
 * teardown finds them after a failed assertion too. */
static char wand_dir[128], wand_ctl[160], wand_port[2][16];

static void case_setup(void)
{
	int id = (int)getpid();

	snprintf(wand_dir, sizeof(wand_dir), "/run/enos/t-harden-%d", id);
	snprintf(wand_ctl, sizeof(wand_ctl), "%s/wand.sock", wand_dir);
	snprintf(wand_port[0], sizeof(wand_port[0]), "thw%da", id % 100000);
	snprintf(wand_port[1], sizeof(wand_port[1]), "thw%db", id % 100000);
	ck_assert_int_eq(tu_case_setup(&tc, "harden"), 0);
}

/* The engine of wand_socket_private (by its pid file), its veth and its
 * directory: gone, whether the case passed or not. */
static void wand_cleanup(void)
{
	char pidf[192], buf[32] = "";
	FILE *f;

	snprintf(pidf, sizeof(pidf), "%s.pid", wand_ctl);
	f = fopen(pidf, "r");
	if (f) {
		if (fgets(buf, sizeof(buf), f) && atoi(buf) > 0)
			wand_stop(atoi(buf));
		fclose(f);
	}
	tu_sh("ip link del %s", wand_port[0]);
	tu_sh("rm -rf %s", wand_dir);    /* tu_rmtree() keeps to /tmp */
}

/* The second database of same_name_two_databases: DIR/other.db. */
static void other_db(char *buf, size_t len)
{
	snprintf(buf, len, "%s/other.db", tc.dir);
}

static void case_teardown(void)
{
	char db2[192];

	wand_cleanup();
	other_db(db2, sizeof(db2));
	if (access(db2, F_OK) == 0)
		tu_enos(NULL, db2, "down", "--all", NULL);
	tu_case_teardown(&tc);
}

/* The mode bits and type of PATH (lstat); 0 if it does not exist. */
static unsigned mode_of(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0 ? (unsigned)st.st_mode : 0;
}

/* Read what FD sends until EOF or 2 s into BUF. */
static void read_reply(int fd, char *buf, size_t len)
{
	struct timeval tv = { 2, 0 };
	size_t used = 0;
	ssize_t n;

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	while (used + 1 < len && (n = recv(fd, buf + used, len - 1 - used, 0)) > 0)
		used += (size_t)n;
	buf[used] = '\0';
}

/* In a child running as nobody: connect to CTL, send "ping", and exit with
 * 0 if it answered "ok pong", 1 if it refused (an "error" line or EOF), 2
 * if the socket could not even be reached (EACCES), 3 otherwise. */
static int ping_as_nobody(const char *ctl)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char buf[256];
	int st, fd;
	pid_t pid = fork();

	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		if (setgroups(0, NULL) != 0 || setgid(NOBODY) != 0 ||
		    setuid(NOBODY) != 0)
			_exit(3);
		fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", ctl) >=
		    (int)sizeof(sa.sun_path))
			_exit(3);
		if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0)
			_exit(errno == EACCES ? 2 : 3);
		if (send(fd, "ping\n", 5, MSG_NOSIGNAL) != 5)
			_exit(1);
		read_reply(fd, buf, sizeof(buf));
		_exit(!strncmp(buf, "ok pong", 7) ? 0 :
		      !buf[0] || !strncmp(buf, "error", 5) ? 1 : 3);
	}
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	ck_assert(WIFEXITED(st));
	return WEXITSTATUS(st);
}

/* The engine's control socket under `umask 000`: private files in a
 * private directory, and a peer that is not root refused by its
 * credentials even once the modes let it connect. */
START_TEST(wand_socket_private)
{
	const char *dir = wand_dir, *ctl = wand_ctl;
	char pidf[176], logf[176], (*port)[16] = wand_port, *reply = NULL;
	const char *ports[1];
	struct wand_config cfg;
	char *big;
	pid_t engine = 0;
	int rc;

	snprintf(pidf, sizeof(pidf), "%s.pid", ctl);
	snprintf(logf, sizeof(logf), "%s/wand.log", dir);
	tu_sh("ip link del %s", port[0]);
	ck_assert_int_eq(tu_sh("ip link add %s type veth peer name %s", port[0],
			       port[1]), 0);
	tu_sh("ip link set %s up", port[0]);
	ports[0] = port[0];
	memset(&cfg, 0, sizeof(cfg));
	cfg.ctl_path = ctl;
	cfg.log_path = logf;
	cfg.seed = 1;
	cfg.ports = ports;
	cfg.n_ports = 1;
	umask(0);
	rc = wand_spawn(tu_enos_bin(), &cfg, &engine);
	umask(022);
	ck_assert_msg(rc == 0, "wand_spawn: %d", rc);
	/* A test aid for failed_case_cleans_up: fail with the engine up. */
	ck_assert_msg(!getenv("TU_HARDEN_FAIL_AFTER_SPAWN"),
		      "failing on purpose after the spawn (TU_HARDEN_FAIL_AFTER_SPAWN)");
	ck_assert_uint_eq(mode_of(dir), S_IFDIR | 0700);
	ck_assert_uint_eq(mode_of(ctl), S_IFSOCK | 0600);
	ck_assert_uint_eq(mode_of(pidf), S_IFREG | 0600);
	ck_assert_uint_eq(mode_of(logf), S_IFREG | 0600);
	/* nobody cannot reach it; opened up, it is refused all the same. */
	ck_assert_int_eq(ping_as_nobody(ctl), 2);
	ck_assert_int_eq(chmod(dir, 0755), 0);
	ck_assert_int_eq(chmod(ctl, 0666), 0);
	ck_assert_int_eq(ping_as_nobody(ctl), 1);
	ck_assert_int_eq(wand_ping(ctl), 0);
	/* A request line is bounded (64 KiB): a longer one closes. */
	big = malloc((64u << 10) + 16);
	ck_assert_ptr_nonnull(big);
	memset(big, 'x', (64u << 10) + 8);
	memcpy(big + (64u << 10) + 8, "\n", 2);
	ck_assert_int_lt(wand_request(ctl, big, strlen(big), &reply), 0);
	ck_assert_msg(reply && tu_contains(reply, "error request line longer than 65536 bytes"),
		      "%s", reply ? reply : "(no reply)");
	free(reply);
	free(big);
	ck_assert_int_eq(wand_ping(ctl), 0);
	ck_assert_msg(tu_sh("grep -q refused %s", logf) == 0, "the log says nothing of the refusal");
	wand_stop(engine);
	wand_cleanup();
}
END_TEST

/* A small world NAME (2 sites of 2 namespace nodes, no shaping) with, if
 * STACK is not NULL, that stack and strategy. */
static const char *write_topo(const char *name, const char *stack,
			      const char *strategy, char *path, size_t len)
{
	char text[1024];

	snprintf(text, sizeof(text),
		 "name: %s\n"
		 "sites:\n"
		 "  - {name: central, role: central, nodes: 2}\n"
		 "  - {name: edge, role: edge, parent: central, nodes: 2}\n"
		 "network: {shaping: none}\n"
		 "%s%s%s%s%s",
		 name, stack ? "stack: {name: " : "", stack ? stack : "",
		 stack ? ", strategy: " : "", stack ? strategy : "",
		 stack ? "}\n" : "");
	return tu_write(tc.dir, name, text, path, len);
}

/* Start `enos --db DB ARGS...` with stdout and stderr to the file OUT. */
static pid_t spawn_to(const char *out, ...)
{
	char *argv[16];
	va_list ap;
	size_t n = 0;
	pid_t pid;

	argv[n++] = (char *)tu_enos_bin();
	argv[n++] = "--db";
	argv[n++] = tc.db;
	va_start(ap, out);
	while (n < 15 && (argv[n] = va_arg(ap, char *)))
		n++;
	va_end(ap);
	argv[n] = NULL;
	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		int fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0600);

		dup2(fd, STDOUT_FILENO);
		dup2(fd, STDERR_FILENO);
		execv(argv[0], argv);
		_exit(127);
	}
	return pid;
}

/* The text of PATH (allocated). */
static char *slurp(const char *path)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = fopen(path, "r");

	if (!f)
		return strdup("");
	if (getdelim(&text, &len, '\0', f) < 0) {
		free(text);
		text = strdup("");
	}
	fclose(f);
	return text;
}

/* Wait up to S seconds for PATH to hold NEEDLE. */
static bool wait_for(const char *path, const char *needle, double s)
{
	double t0 = tu_now_s();
	char *text;
	bool found = false;

	while (!found && tu_now_s() - t0 < s) {
		text = slurp(path);
		found = tu_contains(text, needle);
		free(text);
		if (!found)
			usleep(50000);
	}
	return found;
}

/* Exit status of PID (128 + signal). */
static int status_of(pid_t pid)
{
	int st;

	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* Two `up` of one name: the second waits for the experiment's lock (held
 * here by the test, then by a real `up`), says so, and then finds the
 * experiment up; nothing is ever "half-built"; `status` never waits. */
START_TEST(same_name_up_waits)
{
	char path[256], lock[256], out1[256], out2[256], name[32], *text, *o = NULL;
	pid_t a, b;
	int fd, sa, sb;
	double t0;

	snprintf(name, sizeof(name), "t-lock-%d", (int)getpid());
	write_topo(name, NULL, NULL, path, sizeof(path));
	snprintf(lock, sizeof(lock), "%s-%s.lock", tc.db, name);
	snprintf(out1, sizeof(out1), "%s/up1.out", tc.dir);
	snprintf(out2, sizeof(out2), "%s/up2.out", tc.dir);
	ck_assert_int_eq(tu_enos(NULL, tc.db, "status", NULL), 0);     /* the database */
	fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(flock(fd, LOCK_EX), 0);
	ck_assert_int_eq(pwrite(fd, "4242\n", 5, 0), 5);
	a = spawn_to(out1, "up", path, NULL);
	ck_assert_msg(wait_for(out1, "is busy", 10), "no wait message");
	text = slurp(out1);
	ck_assert_msg(tu_contains(text, "enos: experiment '") &&
		      tu_contains(text, "' is busy: another 'enos up', 'down', 'deploy' or 'sweep' of it runs (pid 4242); waiting for it"),
		      "%s", text);
	free(text);
	/* Readers never wait, and nothing is built while it waits. */
	t0 = tu_now_s();
	ck_assert_int_eq(tu_enos(&o, tc.db, "status", NULL), 0);
	ck_assert_double_lt(tu_now_s() - t0, 3.0);
	ck_assert_msg(!tu_contains(o, name), "%s", o);
	free(o);
	ck_assert_int_eq(tu_netns_count(name), 0);
	close(fd);
	ck_assert_int_eq(status_of(a), 0);
	ck_assert_int_eq(tu_enos(NULL, tc.db, "down", "-n", name, NULL), 0);
	/* Two real ones at once: one builds, the other then finds it up. */
	a = spawn_to(out1, "up", path, NULL);
	b = spawn_to(out2, "up", path, NULL);
	sa = status_of(a);
	sb = status_of(b);
	ck_assert_msg((sa == 0) != (sb == 0), "exit %d and %d", sa, sb);
	text = slurp(sa ? out1 : out2);
	ck_assert_msg(tu_contains(text, "is already up") &&
		      !tu_contains(text, "half-built"), "%s", text);
	free(text);
	ck_assert_int_eq(tu_enos(&o, tc.db, "status", "-n", name, NULL), 0);
	free(o);
	ck_assert_int_eq(tu_enos(NULL, tc.db, "down", "-n", name, NULL), 0);
	ck_assert_int_eq(tu_netns_count(name), 0);
}
END_TEST

/* One instance of `enos services -n NAME --json`: its pid, found by its
 * name ("low-1"). */
static int pid_of(const char *name, const char *instance)
{
	char *out = NULL, pat[64];
	const char *p;
	int pid = 0;

	ck_assert_int_eq(tu_enos(&out, tc.db, "services", "-n", name, "--json", NULL), 0);
	snprintf(pat, sizeof(pat), "\"name\":\"%s\"", instance);
	p = strstr(out, pat);
	ck_assert_msg(p != NULL, "%s", out);
	p = strstr(p, "\"pid\":");
	ck_assert_ptr_nonnull(p);
	pid = (int)strtol(p + 6, NULL, 10);
	free(out);
	return pid;
}

/* "KEY:\tVALUE" of /proc/PID/status (the first word of VALUE). */
static void proc_field(int pid, const char *key, char *out, size_t len)
{
	char path[64], *text, pat[32];
	const char *p;

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	text = slurp(path);
	snprintf(pat, sizeof(pat), "\n%s:\t", key);
	p = strstr(text, pat);
	ck_assert_msg(p != NULL, "%s: no %s", path, key);
	p += strlen(pat);
	snprintf(out, len, "%.*s", (int)strcspn(p, "\t\n"), p);
	free(text);
}

/* A service dropped to nobody with no new privileges, one that stays root
 * with none, `deploy` again (said, exit 0), `deploy --force` (new
 * processes); a user the host does not have is refused at its place in
 * the stack file before anything starts. */
START_TEST(service_user_and_redeploy)
{
	char path[256], name[32], bad[32], v[64], data[512], *out = NULL;
	struct stat st;
	int low, plain;

	setenv("ENOS_STACKS_DIR", FIXTURE_STACKS, 1);
	snprintf(name, sizeof(name), "t-user-%d", (int)getpid());
	write_topo(name, "st-user", "one", path, sizeof(path));
	ck_assert_msg(tu_enos(&out, tc.db, "up", path, NULL) == 0, "%s", out);
	free(out);
	low = pid_of(name, "low-1");
	plain = pid_of(name, "plain-1");
	proc_field(low, "Uid", v, sizeof(v));
	ck_assert_str_eq(v, "65534");
	proc_field(low, "NoNewPrivs", v, sizeof(v));
	ck_assert_str_eq(v, "1");
	proc_field(low, "CapEff", v, sizeof(v));
	ck_assert_str_eq(v, "0000000000000000");
	proc_field(plain, "Uid", v, sizeof(v));
	ck_assert_str_eq(v, "0");
	proc_field(plain, "NoNewPrivs", v, sizeof(v));
	ck_assert_str_eq(v, "1");
	snprintf(data, sizeof(data), "%s/services/%s/low-1/data", tc.dir, name);
	ck_assert_int_eq(stat(data, &st), 0);
	ck_assert_uint_eq(st.st_uid, NOBODY);
	/* Deployed already: said, exit 0, the same processes. */
	ck_assert_int_eq(tu_enos(&out, tc.db, "deploy", "-n", name, NULL), 0);
	ck_assert_msg(tu_contains(out, "stack 'st-user' is already deployed on '") &&
		      tu_contains(out, "'enos deploy --force -n "), "%s", out);
	free(out);
	ck_assert_int_eq(pid_of(name, "low-1"), low);
	ck_assert_int_eq(tu_enos(&out, tc.db, "deploy", "--force", "-n", name, NULL), 0);
	ck_assert_msg(tu_contains(out, "deploying stack 'st-user'"), "%s", out);
	free(out);
	ck_assert_int_ne(pid_of(name, "low-1"), low);
	ck_assert(!tu_alive(low) && !tu_alive(plain));
	ck_assert_int_eq(tu_enos(NULL, tc.db, "down", "-n", name, NULL), 0);
	/* A user this host does not have: refused with its position. */
	snprintf(bad, sizeof(bad), "t-nouser-%d", (int)getpid());
	write_topo(bad, "st-user", "nouser", path, sizeof(path));
	ck_assert_int_eq(tu_enos(&out, tc.db, "up", path, NULL), 1);
	ck_assert_msg(tu_contains(out, "tests/fixtures/stacks/sys/st-user.yaml:17:11: service 'ghost': user 'enos-no-such-user' does not exist on this host"),
		      "%s", out);
	free(out);
	ck_assert_int_eq(tu_enos(NULL, tc.db, "down", "-n", bad, NULL), 0);
	unsetenv("ENOS_STACKS_DIR");
}
END_TEST

/* Links planted where deploy puts the services' logs (results/EXP, in the
 * working directory) and their files (services/ beside the database):
 * refused, nothing written through them. */
START_TEST(planted_links_refused)
{
	char path[256], name[32], victim[192], link[256], cwd[512], *out = NULL;
	char stacks[PATH_MAX], bin[PATH_MAX];

	/* The command runs in the case's directory: absolute paths. */
	ck_assert_ptr_nonnull(getcwd(cwd, sizeof(cwd)));
	ck_assert_ptr_nonnull(realpath(FIXTURE_STACKS, stacks));
	ck_assert_ptr_nonnull(realpath(tu_enos_bin(), bin));
	setenv("ENOS_STACKS_DIR", stacks, 1);
	setenv("ENOS_BIN", bin, 1);
	snprintf(name, sizeof(name), "t-link-%d", (int)getpid());
	write_topo(name, "st-user", "one", path, sizeof(path));
	snprintf(victim, sizeof(victim), "%s/victim", tc.dir);
	ck_assert_int_eq(mkdir(victim, 0700), 0);
	ck_assert_int_eq(chdir(tc.dir), 0);
	ck_assert_int_eq(mkdir("results", 0755), 0);
	snprintf(link, sizeof(link), "results/%s", name);
	ck_assert_int_eq(symlink(victim, link), 0);
	ck_assert_int_eq(tu_enos(&out, tc.db, "up", path, NULL), 1);
	ck_assert_msg(tu_contains(out, "' is a symbolic link"), "%s", out);
	free(out);
	ck_assert_int_eq(tu_sh("rmdir %s", victim), 0);   /* still empty */
	ck_assert_int_eq(mkdir(victim, 0700), 0);
	ck_assert_int_eq(unlink(link), 0);
	/* services/ beside the database. */
	snprintf(link, sizeof(link), "%s/services", tc.dir);
	ck_assert_int_eq(symlink(victim, link), 0);
	ck_assert_int_eq(tu_enos(&out, tc.db, "deploy", "-n", name, NULL), 1);
	ck_assert_msg(tu_contains(out, "/services' is a symbolic link"), "%s", out);
	free(out);
	ck_assert_int_eq(tu_sh("rmdir %s", victim), 0);
	ck_assert_int_eq(chdir(cwd), 0);
	ck_assert_int_eq(unlink(link), 0);
	ck_assert_int_eq(tu_enos(NULL, tc.db, "down", "-n", name, NULL), 0);
	unsetenv("ENOS_STACKS_DIR");
}
END_TEST

/* The state database is root's: `status` as nobody shows no experiment,
 * and says why. */
START_TEST(status_root_only)
{
	char path[256], name[32], *out = NULL, *argv[6];
	struct stat st;
	int fds[2], status;
	pid_t pid;
	size_t used = 0;
	ssize_t n;
	char buf[4096];

	snprintf(name, sizeof(name), "t-priv-%d", (int)getpid());
	write_topo(name, NULL, NULL, path, sizeof(path));
	ck_assert_msg(tu_enos(&out, tc.db, "up", path, NULL) == 0, "%s", out);
	free(out);
	ck_assert_int_eq(stat(tc.db, &st), 0);
	ck_assert_uint_eq(st.st_mode & 07777, 0600);
	ck_assert_int_eq(pipe(fds), 0);
	argv[0] = (char *)tu_enos_bin();
	argv[1] = "--db";
	argv[2] = tc.db;
	argv[3] = "status";
	argv[4] = NULL;
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		dup2(fds[1], STDOUT_FILENO);
		dup2(fds[1], STDERR_FILENO);
		if (setgroups(0, NULL) || setgid(NOBODY) || setuid(NOBODY))
			_exit(99);
		execv(argv[0], argv);
		_exit(127);
	}
	close(fds[1]);
	while ((n = read(fds[0], buf + used, sizeof(buf) - 1 - used)) > 0)
		used += (size_t)n;
	buf[used] = '\0';
	close(fds[0]);
	status = status_of(pid);
	ck_assert_msg(status == 1, "status %d: %s", status, buf);
	ck_assert_msg(!tu_contains(buf, name) &&
		      tu_contains(buf, "the state database is readable by its owner only"), "%s", buf);
	ck_assert_int_eq(tu_enos(NULL, tc.db, "down", "-n", name, NULL), 0);
}
END_TEST

/* Two VMs of 1 TiB on this host: `up` refuses before anything exists. */
START_TEST(up_refuses_what_does_not_fit)
{
	char path[256], name[32], text[512], *out = NULL;

	snprintf(name, sizeof(name), "t-big-%d", (int)getpid());
	snprintf(text, sizeof(text), "name: %s\n"
		 "sites:\n"
		 "  - {name: c, role: central, nodes: [{name: a, memory: 1024GiB},\n"
		 "                                    {name: b, memory: 1024GiB}],\n"
		 "     backend: qemu}\n"
		 "network: {shaping: none}\n", name);
	tu_write(tc.dir, name, text, path, sizeof(path));
	ck_assert_int_eq(tu_enos(&out, tc.db, "up", path, NULL), 1);
	ck_assert_msg(tu_contains(out, "does not fit on this host: the world needs about 2048.5 GiB but only ") ||
		      tu_contains(out, "backend 'qemu' needs"), "%s", out);
	ck_assert_msg(!tu_contains(out, "backend 'qemu' needs") ||
		      !tu_contains(out, "is up"), "%s", out);
	free(out);
	ck_assert_int_eq(tu_netns_count(name), 0);
	ck_assert_int_eq(tu_domains("qemu:///system", name), 0);
	ck_assert_int_eq(tu_enos(&out, tc.db, "status", NULL), 0);
	ck_assert_msg(!tu_contains(out, name), "%s", out);
	free(out);
}
END_TEST

/* One name from two state databases: namespaces and links are named on
 * the whole host, so the second database's `up` and `down` of it are
 * refused, naming the first database, and the first's world stays whole;
 * once the first has taken it down, the second may build it. */
START_TEST(same_name_two_databases)
{
	char path[256], name[32], db2[192], db1[PATH_MAX], want[PATH_MAX + 160];
	char *out = NULL;
	int n;

	snprintf(name, sizeof(name), "t-2db-%d", (int)getpid());
	write_topo(name, NULL, NULL, path, sizeof(path));
	other_db(db2, sizeof(db2));
	ck_assert_int_eq(tu_enos(&out, tc.db, "up", path, NULL), 0);
	free(out);
	ck_assert_ptr_nonnull(realpath(tc.db, db1));
	n = tu_netns_count(name);
	ck_assert_int_gt(n, 0);
	snprintf(want, sizeof(want), "error: experiment '%s' belongs to another state database on this host ('%s')",
		 name, db1);
	ck_assert_int_eq(tu_enos(&out, db2, "up", path, NULL), 1);
	ck_assert_msg(tu_contains(out, want) && tu_contains(out, "down -n "), "%s", out);
	free(out);
	ck_assert_int_eq(tu_netns_count(name), n);
	/* Its down would sweep the first one's world by name: refused. */
	ck_assert_int_eq(tu_enos(&out, db2, "down", "-n", name, NULL), 1);
	ck_assert_msg(tu_contains(out, want), "%s", out);
	free(out);
	ck_assert_int_eq(tu_netns_count(name), n);
	ck_assert_int_eq(tu_enos(&out, tc.db, "status", "-n", name, NULL), 0);
	ck_assert_msg(tu_contains(out, " up"), "%s", out);
	free(out);
	ck_assert_int_eq(tu_enos(NULL, tc.db, "down", "-n", name, NULL), 0);
	ck_assert_int_eq(tu_netns_count(name), 0);
	/* Free again: the second database builds it and takes it down. */
	ck_assert_int_eq(tu_enos(&out, db2, "up", path, NULL), 0);
	free(out);
	ck_assert_int_eq(tu_netns_count(name), n);
	ck_assert_int_eq(tu_enos(&out, tc.db, "up", path, NULL), 1);
	free(out);
	ck_assert_int_eq(tu_enos(NULL, db2, "down", "-n", name, NULL), 0);
	ck_assert_int_eq(tu_netns_count(name), 0);
}
END_TEST

/* What wand_socket_private runs or makes, whatever its pid: engines on a
 * /run/enos/t-harden-* socket (by /proc), thw* links, t-harden-*
 * directories. Counted before and after, so leftovers of older runs do not
 * count against this one. */
static int harden_leftovers(void)
{
	char *argv[] = { "sh", "-c",
			 /* t-harde[n]: not this command line itself, which
			  * every shell of the pipeline shows */
			 "{ for f in /proc/[0-9]*/cmdline; do tr '\\0' ' ' < $f;"
			 " echo; done 2>/dev/null | grep -c '/run/enos/t-harde[n]-';"
			 " ip -o link show | grep -c ': thw';"
			 " ls -d /run/enos/t-harde[n]-* 2>/dev/null | wc -l; } |"
			 " awk '{ n += $1 } END { print n }'", NULL };
	char *out = NULL;
	int n;

	tu_run(&out, argv);
	n = out ? atoi(out) : -1;
	free(out);
	ck_assert_int_ge(n, 0);
	return n;
}

/* wand_socket_private failing after its engine started (made to, by the
 * test aid TU_HARDEN_FAIL_AFTER_SPAWN) leaves no engine, veth or
 * directory: the case's teardown cleans up a failed case too. The case
 * runs in a check-all of its own, so this one can look afterwards. */
START_TEST(failed_case_cleans_up)
{
	char exe[PATH_MAX], out_path[256], *text;
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	int st, before;
	pid_t pid;

	ck_assert_int_gt(n, 0);
	exe[n] = '\0';
	snprintf(out_path, sizeof(out_path), "%s/inner.out", tc.dir);
	before = harden_leftovers();
	fflush(NULL);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		int fd = open(out_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

		dup2(fd, STDOUT_FILENO);
		dup2(fd, STDERR_FILENO);
		setenv("CK_RUN_SUITE", "sys_harden", 1);
		setenv("CK_RUN_CASE", "wand_socket_private", 1);
		setenv("TU_HARDEN_FAIL_AFTER_SPAWN", "1", 1);
		execl(exe, exe, "system", (char *)NULL);
		_exit(127);
	}
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	text = slurp(out_path);
	ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) != 0 &&
		      tu_contains(text, "failing on purpose after the spawn"),
		      "the inner case did not fail as made to: %s", text);
	free(text);
	ck_assert_int_eq(harden_leftovers(), before);
}
END_TEST

Suite *make_sys_harden_suite(struct skips *sk)
{
	const struct sys_case cases[] = {
		{ "wand_socket_private", wand_socket_private },
		{ "failed_case_cleans_up", failed_case_cleans_up },
		{ "same_name_up_waits", same_name_up_waits },
		{ "same_name_two_databases", same_name_two_databases },
		{ "service_user_and_redeploy", service_user_and_redeploy },
		{ "planted_links_refused", planted_links_refused },
		{ "status_root_only", status_root_only },
		{ "up_refuses_what_does_not_fit", up_refuses_what_does_not_fit },
	};
	Suite *s = suite_create("sys_harden");
	const char *why = sys_unavailable();

	if (!why && access(tu_enos_bin(), X_OK) != 0)
		why = "the enos binary ($ENOS_BIN) is not built";
	if (!why && access("/usr/bin/setpriv", X_OK) != 0)
		why = "setpriv (util-linux) is missing";
	sys_add_cases(s, sk, cases, sizeof(cases) / sizeof(cases[0]), why,
		      case_setup, case_teardown, 90);
	return s;
}
