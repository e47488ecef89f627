/* sys_hosts — the enos host protocol over real ssh (issue 14).
 *
 * Two "hosts" on this machine: network namespaces sysh-h1 and sysh-h2
 * joined by a veth underlay (198.18.250.1/24 and .2, the test's own
 * addresses inside its own namespaces), each running Debian's sshd
 * (openssh-server) on a host key, a client key and a known_hosts file the
 * test generates, started by the test and stopped by its recorded pid.
 * The controller is enos in sysh-h1 (the controlling host is one of the
 * hosts), reaching both through `enos hosts` with $ENOS_SSH_CONFIG:
 * hello and facts from each (and sshd's log says the key was accepted),
 * a host whose enos speaks another protocol and one without enos, each
 * named; then a host whose sshd is gone and one whose link is down, each
 * named within 10 s. Everything is removed in the teardown, which runs
 * in the runner even after a failed assertion.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <jansson.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "emulator/addr.h"
#include "emulator/netns.h"
#include "emulator/proc.h"
#include "emulator/shape.h"
#include "emulator/wand.h"
#include "enos/host.h"
#include "tests/suites.h"
#include "tests/testutil.h"
#include "tests/tu_state.h"

#define SSHD "/usr/sbin/sshd"
#define N_HOSTS 3
#define UNDERLAY "sysh-ul"      /* the namespace of the underlay's switch */
#define UL_DIR "/run/enos/t-hosts" /* its engine's control socket's */
/* The underlay's base delay, each way between every two hosts: a wand
 * engine in UNDERLAY switches the hosts' veths (this kernel has no
 * sch_netem, and TBF/HTB only queue: they add no fixed delay), so each
 * host pair's base RTT is twice this plus the engines' own time, which
 * calibration at up must take off the cross-host pairs. */
#define UL_DELAY_US 2000

static const char *const ns[N_HOSTS] = { "sysh-h1", "sysh-h2", "sysh-h3" };
static const char *const veth[N_HOSTS] = { "syshv1", "syshv2", "syshv3" };
static const char *const addr[N_HOSTS] = { "198.18.250.1", "198.18.250.2",
					   "198.18.250.3" };

static char dir[PATH_MAX];
static pid_t sshd_pid[N_HOSTS];
/* Each host's holder: a process that keeps the host's mount namespace
 * (its own /run/netns, /var/lib/enos and /run/enos, tmpfs) whether its
 * sshd runs or not, as a machine keeps its disk when its sshd dies. */
static pid_t holder_pid[N_HOSTS];
static pid_t ul_engine;          /* the underlay's wand engine */
static char ul_ctl[160];

/* Host I's mount namespace: a copy of this one, private, in the host's
 * network namespace, with /sys of that namespace and its own tmpfs on
 * the directories enos keeps a host's state in. Runs in the holder. */
static int host_mounts(int i)
{
	static const char *const dirs[] = { "/run/netns", "/var/lib/enos",
					    "/run/enos" };
	char path[PATH_MAX];
	size_t k;
	int fd;

	snprintf(path, sizeof(path), "/run/netns/%s", ns[i]);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || setns(fd, CLONE_NEWNET) < 0)
		return -1;
	close(fd);
	if (unshare(CLONE_NEWNS) < 0 ||
	    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return -1;
	umount2("/sys", MNT_DETACH);
	if (mount("sysfs", "/sys", "sysfs", 0, NULL) < 0)
		return -1;
	for (k = 0; k < sizeof(dirs) / sizeof(dirs[0]); k++) {
		mkdir(dirs[k], 0755);
		if (mount("tmpfs", dirs[k], "tmpfs", 0, "mode=0755") < 0)
			return -1;
	}
	return 0;
}

/* Start host I's holder; wait until its namespaces are made. */
static int start_holder(int i)
{
	int p[2];
	char c = 0;
	pid_t pid;

	if (pipe(p) < 0)
		return -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		close(p[0]);
		c = host_mounts(i) == 0 ? 'y' : 'n';
		if (write(p[1], &c, 1) != 1 || c != 'y')
			_exit(1);
		close(p[1]);
		for (;;)
			pause();
	}
	close(p[1]);
	if (read(p[0], &c, 1) != 1)
		c = 'n';
	close(p[0]);
	holder_pid[i] = pid;
	return c == 'y' ? 0 : -1;
}

/* Enter host I's namespaces (its holder's), in a child about to exec. */
static int enter_host(int i)
{
	char path[64];
	int net, mnt;

	snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)holder_pid[i]);
	net = open(path, O_RDONLY | O_CLOEXEC);
	snprintf(path, sizeof(path), "/proc/%d/ns/mnt", (int)holder_pid[i]);
	mnt = open(path, O_RDONLY | O_CLOEXEC);
	if (net < 0 || mnt < 0 || setns(net, CLONE_NEWNET) < 0 ||
	    setns(mnt, CLONE_NEWNS) < 0 || chdir("/") < 0)
		return -1;
	return 0;
}

/* Write a file of DIR from FMT. */
static const char *put(const char *name, char *path, size_t len,
		       const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static const char *put(const char *name, char *path, size_t len,
		       const char *fmt, ...)
{
	char text[4096];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	return tu_write(dir, name, text, path, len);
}

/* The contents of DIR/NAME (allocated), or NULL. */
static char *slurp(const char *name)
{
	char path[PATH_MAX + 64], *text = NULL;
	size_t len = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "r");
	if (!f)
		return NULL;
	if (getdelim(&text, &len, '\0', f) < 0) {
		free(text);
		text = NULL;
	}
	fclose(f);
	return text;
}

/* Start sshd for host I in its namespace, in the foreground (-D) so its
 * pid is the one we fork; wait until it listens. */
static int start_sshd(int i)
{
	char conf[PATH_MAX + 64], logpath[PATH_MAX + 64], name[32], *log;
	pid_t pid;
	int tries;

	snprintf(name, sizeof(name), "sshd-%d.log", i);
	put(name, logpath, sizeof(logpath), "%s", "");
	snprintf(name, sizeof(name), "sshd-%d.conf", i);
	put(name, conf, sizeof(conf),
	    "ListenAddress %s\nPort 22\nHostKey %s/hostkey-%d\n"
	    "PidFile %s/sshd-%d.pid\nAuthorizedKeysFile %s/authorized_keys\n"
	    "PermitRootLogin prohibit-password\nPasswordAuthentication no\n"
	    "KbdInteractiveAuthentication no\nUsePAM no\nStrictModes no\n"
	    "LogLevel VERBOSE\n",
	    addr[i], dir, i, dir, i, dir);
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		proc_child_prepare();
		if (enter_host(i) < 0)
			_exit(126);
		execl(SSHD, SSHD, "-D", "-f", conf, "-E", logpath, (char *)NULL);
		_exit(127);
	}
	sshd_pid[i] = pid;
	snprintf(name, sizeof(name), "sshd-%d.log", i);
	for (tries = 0; tries < 100; tries++) {
		log = slurp(name);
		if (log && strstr(log, "Server listening on")) {
			free(log);
			return 0;
		}
		free(log);
		proc_sleep_ms(50);
	}
	return -1;
}

/* Stop host I's sshd by its recorded pid: our child, so the pid cannot
 * have been reused before we reap it. */
static void stop_sshd(int i)
{
	int st;

	if (sshd_pid[i] <= 0)
		return;
	kill(sshd_pid[i], SIGTERM);
	if (waitpid(sshd_pid[i], &st, 0) < 0 && errno == EINTR)
		waitpid(sshd_pid[i], &st, 0);
	sshd_pid[i] = 0;
}

/* Anything still running in host I's namespace (a session sshd forked
 * for a client that hung): `ip netns pids NS | xargs kill -9`. */
static void kill_rest(int i)
{
	char *argv[] = { "ip", "netns", "pids", (char *)ns[i], NULL };
	char *out = NULL, *p, *end;
	long pid;

	if (tu_run(&out, argv) != 0 || !out) {
		free(out);
		return;
	}
	for (p = out; *p; p = end) {
		pid = strtol(p, &end, 10);
		if (end == p)
			break;
		if (pid > 1 && pid != getpid())
			kill((pid_t)pid, SIGKILL);
	}
	free(out);
}

static void hosts_teardown(void)
{
	int i;

	for (i = 0; i < N_HOSTS; i++) {
		stop_sshd(i);
		kill_rest(i);
		if (holder_pid[i] > 0) {
			kill(holder_pid[i], SIGKILL);
			waitpid(holder_pid[i], NULL, 0);
			holder_pid[i] = 0;
		}
		tu_sh("ip netns del %s", ns[i]);
	}
	if (ul_engine > 0)
		wand_stop(ul_engine);
	ul_engine = 0;
	/* The engine's private directory (wand_spawn made it), empty now. */
	rmdir(UL_DIR);
	tu_sh("ip netns del %s", UNDERLAY);
	if (dir[0])
		tu_rmtree(dir);
	dir[0] = '\0';
}

/* The underlay's switch: a wand engine in UNDERLAY on the hosts' veth
 * ends p0..p2, UL_DELAY_US each way between every two. */
static int start_underlay(void)
{
	static const char *const ports[N_HOSTS] = { "p0", "p1", "p2" };
	struct wand_config cfg;
	struct link_params lp;
	int self = netns_open("/proc/thread-self/ns/net"), rc;
	size_t a, b;

	if (self < 0)
		return self;
	snprintf(ul_ctl, sizeof(ul_ctl), UL_DIR "/%d-ul.sock", (int)getpid());
	rc = netns_enter(UNDERLAY);
	if (rc == 0) {
		memset(&cfg, 0, sizeof(cfg));
		cfg.ctl_path = ul_ctl;
		cfg.seed = 1;
		cfg.ports = ports;
		cfg.n_ports = N_HOSTS;
		cfg.rt_priority = 10;
		rc = wand_spawn(tu_enos_bin(), &cfg, &ul_engine);
		netns_enter_fd(self);
	}
	close(self);
	memset(&lp, 0, sizeof(lp));
	lp.delay_us = UL_DELAY_US;
	for (a = 0; rc == 0 && a < N_HOSTS; a++)
		for (b = 0; rc == 0 && b < N_HOSTS; b++)
			if (a != b)
				rc = wand_set_pair(ul_ctl, a, b, &lp, false);
	return rc;
}

/* Build the two hosts, their keys and their sshd's; false on failure
 * (what was made is left for hosts_teardown). */
static bool build_hosts(void)
{
	char path[PATH_MAX + 64], *pub, *hostpub[N_HOSTS] = { NULL };
	char known[4096];
	size_t off = 0;
	int i, ok = 1;

	for (i = 0; i < N_HOSTS; i++)
		tu_sh("ip netns del %s", ns[i]);        /* a crashed run's */
	tu_sh("ip netns del %s", UNDERLAY);
	/* sshd refuses to start without its privilege separation directory,
	 * which the package's tmpfiles would make at boot. */
	mkdir("/run/sshd", 0755);
	/* tu_sh splits on single spaces: "-N  -f" passes an empty
	 * passphrase. */
	ok &= tu_sh("ssh-keygen -q -t ed25519 -N  -f %s/id", dir) == 0;
	for (i = 0; i < N_HOSTS; i++) {
		ok &= tu_sh("ip netns add %s", ns[i]) == 0;
		ok &= tu_sh("ip -n %s link set lo up", ns[i]) == 0;
		ok &= tu_sh("ssh-keygen -q -t ed25519 -N  -f %s/hostkey-%d", dir, i) == 0;
	}
	/* The underlay: a wand engine in a namespace of its own (a switch
	 * with UL_DELAY_US each way), a veth to each host. */
	ok &= tu_sh("ip netns add %s", UNDERLAY) == 0;
	ok &= tu_sh("ip -n %s link set lo up", UNDERLAY) == 0;
	for (i = 0; i < N_HOSTS; i++) {
		ok &= tu_sh("ip link add %s netns %s type veth peer name p%d netns %s",
			    veth[i], ns[i], i, UNDERLAY) == 0;
		ok &= tu_sh("ip -n %s link set p%d up", UNDERLAY, i) == 0;
	}
	for (i = 0; i < N_HOSTS; i++) {
		ok &= tu_sh("ip -n %s addr add %s/24 dev %s", ns[i], addr[i], veth[i]) == 0;
		/* The engine reads frames from packet sockets, whose
		 * virtio-net header cannot say "UDP tunnel": the hosts
		 * segment VXLAN before the wire (as sys_tunnel's do). */
		ok &= tu_sh("ip -n %s link set %s gso_max_segs 1", ns[i], veth[i]) == 0;
		ok &= tu_sh("ip -n %s link set %s up", ns[i], veth[i]) == 0;
	}
	if (!ok || start_underlay() < 0)
		return false;
	pub = slurp("id.pub");
	if (!pub)
		return false;
	put("authorized_keys", path, sizeof(path), "%s", pub);
	free(pub);
	for (i = 0; i < N_HOSTS; i++) {
		snprintf(path, sizeof(path), "hostkey-%d.pub", i);
		hostpub[i] = slurp(path);
	}
	/* Known hosts written by the test: StrictHostKeyChecking yes. */
	for (i = 0; i < N_HOSTS; i++) {
		ok &= hostpub[i] != NULL;
		if (hostpub[i])
			off += (size_t)snprintf(known + off, sizeof(known) - off,
						"%s %s", addr[i], hostpub[i]);
		free(hostpub[i]);
	}
	if (!ok || off >= sizeof(known))
		return false;
	put("known_hosts", path, sizeof(path), "%s", known);
	put("ssh_config", path, sizeof(path),
	    "Host *\n  User root\n  IdentityFile %s/id\n  IdentitiesOnly yes\n"
	    "  UserKnownHostsFile %s/known_hosts\n  GlobalKnownHostsFile /dev/null\n"
	    "  StrictHostKeyChecking yes\n  LogLevel ERROR\n", dir, dir);
	for (i = 0; i < N_HOSTS; i++)
		if (start_holder(i) < 0 || start_sshd(i) < 0)
			return false;
	return true;
}

static void hosts_setup(void)
{
	char *log = NULL;

	ck_assert_ptr_nonnull(tu_tmpdir(dir, sizeof(dir), "sys_hosts"));
	if (build_hosts())
		return;
	log = slurp("sshd-0.log");
	hosts_teardown();
	ck_abort_msg("cannot build the two hosts and their sshd (%s)",
		     log ? log : "no sshd log");
}

/* A topology over the two hosts; ENOS2 is host h2's enos program. */
static const char *topology(const char *enos2, char *path, size_t len)
{
	char bin[PATH_MAX];

	ck_assert_ptr_nonnull(realpath(tu_enos_bin(), bin));
	return put("spread.yaml", path, len,
		   "name: spread\n"
		   "hosts:\n"
		   "  - {name: h1, address: %s, ssh: root@%s, enos: %s}\n"
		   "  - {name: h2, address: %s, ssh: root@%s, enos: %s}\n"
		   "  - {name: h3, address: %s, ssh: root@%s, enos: %s}\n"
		   "placement: {auto: balance}\n"
		   "sites:\n"
		   "  - {name: cloud, role: central, nodes: 2}\n"
		   "  - {name: edge, role: edge, count: 2, parent: cloud}\n",
		   addr[0], addr[0], bin, addr[1], addr[1],
		   enos2 ? enos2 : bin, addr[2], addr[2], bin);
}

/* `enos hosts [--json] TOPO` from host h1 (the controller). Returns its
 * exit status, with stdout and stderr in *OUT and the time in *SECS. */
static int enos_hosts(const char *topo, bool json, char **out, double *secs)
{
	char cfg[PATH_MAX + 64];
	char *argv[] = { "ip", "netns", "exec", (char *)ns[0],
			 (char *)tu_enos_bin(), "hosts", (char *)topo,
			 json ? "--json" : NULL, NULL };
	double t0 = tu_now_s();
	int rc;

	snprintf(cfg, sizeof(cfg), "%s/ssh_config", dir);
	setenv("ENOS_SSH_CONFIG", cfg, 1);
	rc = tu_run(out, argv);
	*secs = tu_now_s() - t0;
	return rc;
}

START_TEST(hello_and_facts)
{
	char topo[PATH_MAX + 64], db[PATH_MAX + 64], *out = NULL, *log, *brace;
	json_t *r, *h, *p;
	json_error_t je;
	double secs;
	size_t i, k;
	int rc;

	topology(NULL, topo, sizeof(topo));
	rc = enos_hosts(topo, true, &out, &secs);
	ck_assert_msg(rc == 0, "exit %d: %s", rc, out);
	brace = strchr(out, '{');
	ck_assert_ptr_nonnull(brace);
	r = json_loads(brace, JSON_DISABLE_EOF_CHECK, &je);
	ck_assert_msg(r != NULL, "%s: %s", je.text, out);
	ck_assert_uint_eq(json_array_size(json_object_get(r, "hosts")), N_HOSTS);
	json_array_foreach(json_object_get(r, "hosts"), i, h) {
		ck_assert_msg(json_is_true(json_object_get(h, "ok")), "%s", out);
		ck_assert_int_eq(json_integer_value(json_object_get(h, "protocol")),
				 HOST_PROTOCOL);
		ck_assert_str_eq(json_string_value(json_object_get(h, "commit")),
				 host_commit());
		ck_assert_int_eq(json_integer_value(json_object_get(h, "cores")),
				 sysconf(_SC_NPROCESSORS_ONLN));
		ck_assert_int_gt(json_integer_value(json_object_get(h, "memory_available_bytes")), 0);
		ck_assert_int_gt(json_array_size(json_object_get(h, "backends")), 0);
		ck_assert(json_is_true(json_object_get(h, "fits")));
		ck_assert_int_gt(json_array_size(json_object_get(h, "sites")), 0);
		/* The path MTU to each other host over the underlay's veths
		 * (1500), less VXLAN's 50 inside the tunnel. */
		ck_assert_uint_eq(json_array_size(json_object_get(h, "paths")), N_HOSTS - 1);
		json_array_foreach(json_object_get(h, "paths"), k, p) {
			ck_assert_msg(json_integer_value(json_object_get(p, "mtu")) == 1500 &&
				      json_integer_value(json_object_get(p, "inner")) == 1450,
				      "%s", out);
		}
	}
	json_decref(r);
	free(out);
	/* It went through each host's sshd, with the test's key. */
	for (i = 0; i < N_HOSTS; i++) {
		char name[32];

		snprintf(name, sizeof(name), "sshd-%zu.log", i);
		log = slurp(name);
		ck_assert_msg(log && strstr(log, "Accepted publickey for root from"),
			      "%s: %s", name, log ? log : "(none)");
		free(log);
	}
	rc = enos_hosts(topo, false, &out, &secs);
	ck_assert_msg(rc == 0, "exit %d: %s", rc, out);
	ck_assert_msg(strstr(out, "host 'h1' (root@198.18.250.1, ") &&
		      strstr(out, "host 'h2' (root@198.18.250.2, ") &&
		      strstr(out, ", protocol 2\n") && strstr(out, "node netns") &&
		      strstr(out, "path MTU to 'h2' (198.18.250.2): 1500, 1450 inside the tunnel"),
		      "%s", out);
	free(out);
	/* `enos check` says the path MTU it found between every two hosts
	 * and the inner MTU up will set (never a silent fragment). */
	{
		char *argv[] = { "ip", "netns", "exec", (char *)ns[0],
				 (char *)tu_enos_bin(), "check", topo, NULL };

		rc = tu_run(&out, argv);
		ck_assert_msg(rc == 0 && strstr(out, "path MTU between hosts") &&
			      strstr(out, "  h1 -> h2: 1500, 1450 inside the tunnel\n") &&
			      strstr(out, "  h3 -> h1: 1500, 1450 inside the tunnel\n") &&
			      strstr(out, "the WAN's inner MTU at up: 1450"),
			      "exit %d: %s", rc, out);
		free(out);
	}
	/* A spread world with a qemu node: refused before anything. */
	snprintf(db, sizeof(db), "%s/enos.db", dir);
	put("vm.yaml", topo, sizeof(topo),
	    "name: spreadvm\nhosts:\n  - {name: h1, address: %s}\n"
	    "  - {name: h2, address: %s}\nplacement: {auto: balance}\n"
	    "sites:\n  - {name: cloud, role: central, nodes: [{name: vm, backend: qemu}]}\n"
	    "  - {name: edge, role: edge, parent: cloud, nodes: 1}\n",
	    addr[0], addr[1]);
	rc = tu_enos(&out, db, "up", topo, NULL);
	ck_assert_msg(rc == 1 && strstr(out, "lxc/qemu nodes on a remote host: not built yet"),
		      "exit %d: %s", rc, out);
	free(out);
}
END_TEST

START_TEST(version_mismatch)
{
	char topo[PATH_MAX + 64], script[PATH_MAX + 64], *out = NULL;
	double secs;
	int rc;

	/* An enos that speaks protocol 1, as the first release did (hello,
	 * facts, bye: no up). */
	put("enos-v1", script, sizeof(script), "%s",
	    "#!/bin/sh\nread line\n"
	    "echo '{\"ok\":false,\"protocol\":1,\"enos\":\"0.1.0\",\"commit\":\"0123abcd\",\"error\":\"protocol 2 is not spoken here\"}'\n");
	ck_assert_int_eq(chmod(script, 0755), 0);
	topology(script, topo, sizeof(topo));
	rc = enos_hosts(topo, false, &out, &secs);
	ck_assert_msg(rc == 1, "exit %d: %s", rc, out);
	ck_assert_msg(strstr(out, "error: host 'h2' (root@198.18.250.2): it speaks enos host protocol 1 (enos 0.1.0, commit 0123abcd), this enos speaks 2") &&
		      strstr(out, "install the same enos on every host") &&
		      strstr(out, "host 'h1' (root@198.18.250.1, "),
		      "%s", out);
	free(out);

	topology("/opt/no-such/enos", topo, sizeof(topo));
	rc = enos_hosts(topo, false, &out, &secs);
	ck_assert_msg(rc == 1, "exit %d: %s", rc, out);
	ck_assert_msg(strstr(out, "error: host 'h2' (root@198.18.250.2): no enos there: the remote shell cannot run '/opt/no-such/enos'"),
		      "%s", out);
	free(out);
}
END_TEST

START_TEST(host_gone_named)
{
	char topo[PATH_MAX + 64], *out = NULL;
	double secs;
	int rc;

	topology(NULL, topo, sizeof(topo));
	/* Its sshd gone: refused at once. */
	stop_sshd(1);
	rc = enos_hosts(topo, false, &out, &secs);
	ck_assert_msg(rc == 1, "exit %d: %s", rc, out);
	ck_assert_msg(strstr(out, "error: host 'h2' (root@198.18.250.2): cannot reach it over ssh: ") &&
		      strstr(out, "Connection refused"), "%s", out);
	ck_assert_msg(strstr(out, "host 'h1' (root@198.18.250.1, "), "%s", out);
	ck_assert_msg(secs < 10, "%.1f s", secs);
	printf("sys_hosts: sshd of h2 gone, named in %.2f s\n", secs);
	free(out);

	/* Its link down: nothing answers, ssh's connect timeout names it. */
	ck_assert_int_eq(tu_sh("ip -n %s link set %s down", ns[1], veth[1]), 0);
	rc = enos_hosts(topo, false, &out, &secs);
	ck_assert_msg(rc == 1, "exit %d: %s", rc, out);
	ck_assert_msg(strstr(out, "error: host 'h2' (root@198.18.250.2): "),
		      "%s", out);
	ck_assert_msg(secs < 10, "%.1f s: %s", secs, out);
	printf("sys_hosts: link of h2 down, named in %.2f s: %s", secs,
	       strstr(out, "error: host 'h2'"));
	free(out);
}
END_TEST

/* enos VERB ARGS... as the controller (in host h1's network namespace,
 * the test's database DIR/ctl.db): its exit status, output in *OUT. */
static int ctl(char **out, double *secs, const char *verb, const char *a1,
	       const char *a2)
{
	char db[PATH_MAX + 64], cfg[PATH_MAX + 64];
	char *argv[] = { "ip", "netns", "exec", (char *)ns[0],
			 (char *)tu_enos_bin(), "--db", db, (char *)verb,
			 (char *)a1, (char *)a2, NULL };
	double t0 = tu_now_s();
	int rc;

	snprintf(db, sizeof(db), "%s/ctl.db", dir);
	snprintf(cfg, sizeof(cfg), "%s/ssh_config", dir);
	setenv("ENOS_SSH_CONFIG", cfg, 1);
	rc = tu_run(out, argv);
	if (secs)
		*secs = tu_now_s() - t0;
	return rc;
}

/* Run ARGV in host I's namespaces (its holder's): exit status, output in
 * *OUT. */
static int on_host(int i, char **out, ...) __attribute__((sentinel));

static int on_host(int i, char **out, ...)
{
	char t[32];
	char *argv[24] = { "nsenter", "-t", t, "-m", "-n" };
	size_t n = 5;
	va_list ap;

	va_start(ap, out);
	while (n < 23 && (argv[n] = va_arg(ap, char *)))
		n++;
	va_end(ap);
	argv[n] = NULL;
	snprintf(t, sizeof(t), "%d", (int)holder_pid[i]);
	return tu_run(out, argv);
}

/* How many of experiment EXP's namespaces and links host I holds. */
static int host_objects(int i, const char *exp)
{
	char prefix[64], *out = NULL, *p;
	int n = 0;

	snprintf(prefix, sizeof(prefix), "enos.%s.", exp);
	if (on_host(i, &out, "ls", "/run/netns", NULL) == 0)
		for (p = out; (p = strstr(p, prefix)); p++)
			n++;
	free(out);
	out = NULL;
	/* The world's links: every tag begins with 'e' and 4 more, then
	 * the kind letter; the test's own are sysh... and lo. */
	if (on_host(i, &out, "ip", "-o", "link", "show", NULL) == 0)
		for (p = out; (p = strstr(p, ": e")); p++)
			n++;
	free(out);
	return n;
}

/* The node names in host I's /run/netns for EXP, into NAMES (up to MAX). */
static size_t host_nodes(int i, const char *exp, char names[][96], size_t max)
{
	char prefix[64], *out = NULL, *p, *end;
	size_t n = 0;

	snprintf(prefix, sizeof(prefix), "enos.%s.", exp);
	if (on_host(i, &out, "ls", "/run/netns", NULL) != 0) {
		free(out);
		return 0;
	}
	for (p = out; *p && n < max; p = end + (*end != 0)) {
		end = p + strcspn(p, "\n");
		if ((size_t)(end - p) < 96 && !strncmp(p, prefix, strlen(prefix)) &&
		    strncmp(p + strlen(prefix), "gw.", 3)) {
			memcpy(names[n], p, (size_t)(end - p));
			names[n++][end - p] = '\0';
		}
	}
	free(out);
	return n;
}

/* The address of NS's eth0 inside host I, into BUF. */
static bool node_addr(int i, const char *netns, char *buf, size_t len)
{
	char *out = NULL, *p;
	bool ok = false;

	if (on_host(i, &out, "ip", "netns", "exec", netns, "ip", "-4", "-o",
		    "addr", NULL) == 0 && (p = strstr(out, "eth0    inet ")) != NULL) {
		p += strlen("eth0    inet ");
		snprintf(buf, len, "%.*s", (int)strcspn(p, "/"), p);
		ok = true;
	}
	free(out);
	return ok;
}

START_TEST(spread_up_down)
{
	char topo[PATH_MAX + 64], *out = NULL;
	char names[N_HOSTS][16][96], addrs[N_HOSTS][16][32];
	size_t n[N_HOSTS], i, a, b, pings = 0, cross = 0;
	double secs;
	bool joined;
	int rc, h, g;

	topology(NULL, topo, sizeof(topo));
	/* The name claimed on h2 by another state database there (a local
	 * `enos up`, or another controller's sessions): h2 refuses its
	 * part, naming the owner, every host is rolled back, and the other
	 * database's claim stays. */
	rc = on_host(1, &out, "sh", "-c",
		     "mkdir -p -m 0700 /run/enos/.claims && touch /run/enos/other.db && "
		     "echo /run/enos/other.db > /run/enos/.claims/spread", NULL);
	ck_assert_msg(rc == 0, "%s", out);
	free(out);
	rc = ctl(&out, NULL, "up", topo, NULL);
	ck_assert_msg(rc == 1 && strstr(out, "h2") &&
		      strstr(out, "experiment 'spread' belongs to another state database on this host ('/run/enos/other.db')") &&
		      strstr(out, "rolled back: nothing of 'spread' is left on any host"),
		      "exit %d: %s", rc, out);
	free(out);
	for (h = 0; h < N_HOSTS; h++) {
		ck_assert_msg(host_objects(h, "spread") == 0, "host %d keeps objects", h);
		rc = on_host(h, &out, "cat", "/run/enos/.claims/spread", NULL);
		ck_assert_msg(h == 1 ? rc == 0 && !strcmp(out, "/run/enos/other.db\n") : rc != 0,
			      "host %d: claim %s", h, out);
		free(out);
	}
	rc = on_host(1, &out, "rm", "/run/enos/.claims/spread", "/run/enos/other.db", NULL);
	ck_assert_msg(rc == 0, "%s", out);
	free(out);
	rc = ctl(&out, &secs, "up", topo, NULL);
	ck_assert_msg(rc == 0 && strstr(out, "is up: 3 sites, 4 nodes over 3 hosts (h1: "),
		      "exit %d: %s", rc, out);
	printf("sys_hosts: up over 3 hosts in %.2f s: %s", secs, out);
	/* The hosts' WANs joined by VXLAN (emulator/tunnel.h) once the
	 * tunnel is built; until then up says it is not. */
	joined = strstr(out, "joined by VXLAN") != NULL;
	ck_assert_msg(joined || strstr(out, "WAN not joined across hosts"), "%s", out);
	free(out);
	/* Each host claims the name for its own database until down. */
	for (h = 0; h < N_HOSTS; h++) {
		rc = on_host(h, &out, "cat", "/run/enos/.claims/spread", NULL);
		ck_assert_msg(rc == 0 && out[0] == '/', "host %d: no claim: %s", h, out);
		free(out);
	}
	/* Each gateway's WAN MAC is its address's (addr_wan_mac), which
	 * every host's engine knows from its start. */
	{
		static const char *const site[3] = { "cloud", "edge-1", "edge-2" };
		size_t s;

		for (s = 0; s < 3; s++) {
			char gwns[64], want[32];
			uint8_t m[6];
			int found = 0;

			snprintf(gwns, sizeof(gwns), "enos.spread.gw.%s", site[s]);
			addr_wan_mac(s, m);
			snprintf(want, sizeof(want), "%02x:%02x:%02x:%02x:%02x:%02x\n",
				 m[0], m[1], m[2], m[3], m[4], m[5]);
			for (h = 0; h < N_HOSTS; h++) {
				if (on_host(h, &out, "ip", "netns", "exec", gwns, "cat",
					    "/sys/class/net/wan0/address", NULL) == 0) {
					found++;
					ck_assert_msg(!strcmp(out, want), "%s on host %d: %s, not %s",
						      gwns, h, out, want);
				}
				free(out);
			}
			ck_assert_msg(found == 1, "%s on %d hosts", gwns, found);
		}
	}
	/* Each host holds its part, and only it. */
	for (h = 0; h < N_HOSTS; h++) {
		n[h] = host_nodes(h, "spread", names[h], 16);
		ck_assert_msg(n[h] > 0, "host %d builds nothing", h);
		for (i = 0; i < n[h]; i++)
			ck_assert_msg(node_addr(h, names[h][i], addrs[h][i], 32),
				      "%s on host %d has no address", names[h][i], h);
	}
	ck_assert_uint_eq(n[0] + n[1] + n[2], 4);
	/* Every pair on one host pings (through its gateways and the WAN
	 * bridge of that host). */
	for (h = 0; h < N_HOSTS; h++)
		for (a = 0; a < n[h]; a++)
			for (b = 0; b < n[h]; b++) {
				if (a == b)
					continue;
				rc = on_host(h, &out, "ip", "netns", "exec", names[h][a],
					     "ping", "-n", "-q", "-c1", "-W2",
					     addrs[h][b], NULL);
				ck_assert_msg(rc == 0, "%s -> %s (%s) on host %d: %s",
					      names[h][a], names[h][b], addrs[h][b], h, out);
				free(out);
				pings++;
			}
	/* Every pair across hosts, through both gateways and the tunnel. */
	for (h = 0; h < N_HOSTS && joined; h++)
		for (g = 0; g < N_HOSTS; g++)
			for (a = 0; a < n[h] && g != h; a++)
				for (b = 0; b < n[g]; b++) {
					rc = on_host(h, &out, "ip", "netns", "exec",
						     names[h][a], "ping", "-n", "-q",
						     "-c1", "-W2", addrs[g][b], NULL);
					ck_assert_msg(rc == 0, "%s (host %d) -> %s (%s, host %d): %s",
						      names[h][a], h, names[g][b],
						      addrs[g][b], g, out);
					free(out);
					cross++;
				}
	if (!joined)
		printf("sys_hosts: pings across hosts not run: this enos has no VXLAN tunnel yet\n");
	/* status names each host and its part. */
	rc = ctl(&out, NULL, "status", "-n", "spread");
	ck_assert_msg(rc == 0 && strstr(out, "host h1") && strstr(out, "host h2"),
		      "exit %d: %s", rc, out);
	free(out);
	rc = ctl(&out, &secs, "down", "-n", "spread");
	ck_assert_msg(rc == 0 && strstr(out, "is down: 3 sites, 4 nodes removed from 3 hosts"),
		      "exit %d: %s", rc, out);
	free(out);
	for (h = 0; h < N_HOSTS; h++) {
		ck_assert_msg(host_objects(h, "spread") == 0, "host %d keeps objects", h);
		rc = on_host(h, &out, "ls", "/run/enos/.claims/spread", NULL);
		ck_assert_msg(rc != 0, "host %d keeps its claim: %s", h, out);
		free(out);
	}
	printf("sys_hosts: %zu pings within hosts, %zu across; down left nothing on any host\n",
	       pings, cross);
}
END_TEST

START_TEST(host_lost_then_back)
{
	char topo[PATH_MAX + 64], *out = NULL;
	double secs;
	int rc;

	topology(NULL, topo, sizeof(topo));
	/* A host gone at up: named within 10 s, nothing recorded or built
	 * anywhere. */
	stop_sshd(2);
	rc = ctl(&out, &secs, "up", topo, NULL);
	ck_assert_msg(rc == 1 && strstr(out, "error: host 'h3' (root@198.18.250.3): cannot reach it over ssh"),
		      "exit %d: %s", rc, out);
	ck_assert_msg(secs < 10, "%.1f s", secs);
	free(out);
	rc = ctl(&out, NULL, "status", "-n", "spread");
	ck_assert_msg(rc != 0, "recorded: %s", out);
	free(out);
	ck_assert_int_eq(host_objects(0, "spread") + host_objects(1, "spread"), 0);
	ck_assert_int_eq(start_sshd(2), 0);

	rc = ctl(&out, &secs, "up", topo, NULL);
	ck_assert_msg(rc == 0, "exit %d: %s", rc, out);
	free(out);
	ck_assert_int_gt(host_objects(1, "spread"), 0);
	/* Commands not spread yet say so. */
	{
		char *argv_out = NULL;
		char db[PATH_MAX + 64];
		char *argv[] = { "ip", "netns", "exec", (char *)ns[0],
				 (char *)tu_enos_bin(), "--db", db, "exec", "-n",
				 "spread", "cloud-1", "--", "true", NULL };

		snprintf(db, sizeof(db), "%s/ctl.db", dir);
		rc = tu_run(&argv_out, argv);
		ck_assert_msg(rc == 1 && strstr(argv_out, "spans 3 hosts: 'enos exec' across hosts is not built yet"),
			      "exit %d: %s", rc, argv_out);
		free(argv_out);
	}
	/* h2's sshd killed by its pid: the host keeps its part. */
	stop_sshd(1);
	rc = ctl(&out, &secs, "down", "-n", "spread");
	ck_assert_msg(rc == 1 && strstr(out, "error: host 'h2' (root@198.18.250.2): cannot reach it over ssh") &&
		      strstr(out, "experiment 'spread' is not down: 1 of 3 hosts"),
		      "exit %d: %s", rc, out);
	ck_assert_msg(secs < 10, "%.1f s", secs);
	printf("sys_hosts: down with h2 gone: named in %.2f s\n", secs);
	free(out);
	ck_assert_int_eq(host_objects(0, "spread"), 0);
	ck_assert_int_eq(host_objects(2, "spread"), 0);
	ck_assert_int_gt(host_objects(1, "spread"), 0);
	/* The record stays, h2 marked unreachable. */
	rc = ctl(&out, NULL, "status", "-n", "spread");
	ck_assert_msg(rc == 0 && strstr(out, "host h2") && strstr(out, "unreachable"),
		      "exit %d: %s", rc, out);
	free(out);
	/* h2 back: down cleans it. */
	ck_assert_int_eq(start_sshd(1), 0);
	rc = ctl(&out, &secs, "down", "-n", "spread");
	ck_assert_msg(rc == 0 && strstr(out, "is down"), "exit %d: %s", rc, out);
	free(out);
	ck_assert_int_eq(host_objects(0, "spread"), 0);
	ck_assert_int_eq(host_objects(1, "spread"), 0);
	ck_assert_int_eq(host_objects(2, "spread"), 0);
	rc = ctl(&out, NULL, "status", "-n", "spread");
	ck_assert_msg(rc != 0, "still recorded: %s", out);
	free(out);
}
END_TEST

/* The controller killed (SIGKILL) while recording and while the hosts
 * build their parts: everything stays recorded, and `down` cleans every
 * host, so nothing is orphaned without a record. */
START_TEST(controller_killed)
{
	static const char *const points[] = { "up:hosts_recorded", "up:hosts_sent" };
	char topo[PATH_MAX + 64], *out = NULL;
	size_t k;
	int rc, h;

	topology(NULL, topo, sizeof(topo));
	for (k = 0; k < 2; k++) {
		setenv("ENOS_CRASH_AT", points[k], 1);
		rc = ctl(&out, NULL, "up", topo, NULL);
		unsetenv("ENOS_CRASH_AT");
		ck_assert_msg(rc == 137, "%s: exit %d: %s", points[k], rc, out);
		free(out);
		rc = ctl(&out, NULL, "status", "-n", "spread");
		ck_assert_msg(rc == 0 && strstr(out, "creating") &&
			      strstr(out, "host h3"), "%s: exit %d: %s", points[k],
			      rc, out);
		free(out);
		/* The hosts go on building what they were sent. */
		proc_sleep_ms(1000);
		rc = ctl(&out, NULL, "down", "-n", "spread");
		ck_assert_msg(rc == 0 && strstr(out, "is down"), "%s: exit %d: %s",
			      points[k], rc, out);
		free(out);
		for (h = 0; h < N_HOSTS; h++)
			ck_assert_msg(host_objects(h, "spread") == 0,
				      "%s: host %d keeps objects", points[k], h);
		rc = ctl(&out, NULL, "status", "-n", "spread");
		ck_assert_msg(rc != 0, "%s: still recorded: %s", points[k], out);
		free(out);
	}
}
END_TEST

/* The average RTT of 5 pings from node SRC (on host H) to ADDR, in ms,
 * or -1. */
static double ping_avg(int h, const char *src, const char *addr, char **out)
{
	char ns_name[128], *p;
	double mn = -1, avg = -1;

	snprintf(ns_name, sizeof(ns_name), "enos.spreadw.%s", src);
	/* One first, untimed: until the engines have seen the gateways'
	 * ARP, a frame to a remote gateway is flooded (wand.h). */
	if (on_host(h, out, "ip", "netns", "exec", ns_name, "ping", "-n", "-q",
		    "-c1", "-W2", addr, NULL) != 0)
		return -1;
	free(*out);
	*out = NULL;
	if (on_host(h, out, "ip", "netns", "exec", ns_name, "ping", "-n", "-q",
		    "-c5", "-i0.2", "-W2", addr, NULL) != 0)
		return -1;
	p = strstr(*out, "min/avg/max");
	if (p && (p = strstr(p, "= ")) && sscanf(p + 2, "%lf/%lf", &mn, &avg) == 2)
		return avg;
	return -1;
}

/* enos ARGS... (NULL-terminated) as the controller, as ctl(). */
static int ctl_argv(char **out, ...) __attribute__((sentinel));

static int ctl_argv(char **out, ...)
{
	char db[PATH_MAX + 64], cfg[PATH_MAX + 64];
	char *argv[32] = { "ip", "netns", "exec", (char *)ns[0],
			   (char *)tu_enos_bin(), "--db", db };
	size_t n = 7;
	va_list ap;

	va_start(ap, out);
	while (n < 31 && (argv[n] = va_arg(ap, char *)))
		n++;
	va_end(ap);
	argv[n] = NULL;
	snprintf(db, sizeof(db), "%s/ctl.db", dir);
	snprintf(cfg, sizeof(cfg), "%s/ssh_config", dir);
	setenv("ENOS_SSH_CONFIG", cfg, 1);
	return tu_run(out, argv);
}

/* The bound of tu_tc_tolerance() ("PCT,MS") on |p50 - target|. */
static bool within_tolerance(double target, double p50)
{
	double pct = 5, ms = 1;

	sscanf(tu_tc_tolerance(), "%lf,%lf", &pct, &ms);
	return fabs(p50 - target) <= fmax(pct / 100 * target, ms);
}

/* The WAN shaped across hosts over an underlay with a real base delay (a
 * wand engine, UL_DELAY_US each way): the wand engine on each host shapes
 * what its gateways send (once, at the sender) and hands remote sites'
 * frames to the tunnel; `up` measures the hosts' base RTT and takes it
 * off the cross-host pairs, warning about the one whose target is below
 * it (cloud <-> near, 2 ms); a 20 ms RTT then holds across hosts and
 * within one, by ping and by `enos tc --test`, whose probes run on each
 * pair's source host and whose report marks the pairs across hosts. */
START_TEST(spread_wan)
{
	char topo[PATH_MAX + 64], bin[PATH_MAX], *out = NULL;
	double across, within, secs, err_across = 0, err_within = 0;
	double max_across = 0, max_within = 0;
	size_t i, n_across = 0, n_within = 0, near_pairs = 0;
	json_t *root, *pairs, *p;
	int rc, h;

	ck_assert_ptr_nonnull(realpath(tu_enos_bin(), bin));
	put("spreadw.yaml", topo, sizeof(topo),
	    "name: spreadw\nhosts:\n"
	    "  - {name: h1, address: %s, ssh: root@%s, enos: %s}\n"
	    "  - {name: h2, address: %s, ssh: root@%s, enos: %s}\n"
	    "  - {name: h3, address: %s, ssh: root@%s, enos: %s}\n"
	    "network:\n  shaping: wand\n  default: {rtt: 20ms}\n"
	    "  constraints:\n    - {src: cloud, dst: near, rtt: 2ms}\n"
	    "sites:\n"
	    "  - {name: cloud, role: central, nodes: 1, host: h1}\n"
	    "  - {name: edge, role: edge, count: 2, parent: cloud, nodes: 1, host: h2}\n"
	    "  - {name: near, role: edge, parent: cloud, nodes: 1, host: h3}\n",
	    addr[0], addr[0], bin, addr[1], addr[1], bin, addr[2], addr[2], bin);
	rc = ctl(&out, &secs, "up", topo, NULL);
	ck_assert_msg(rc == 0 && strstr(out, "WAN shaping wand, joined by VXLAN") &&
		      strstr(out, "base RTT between hosts 'h1' and 'h2': "),
		      "exit %d: %s", rc, out);
	/* The base is the underlay's delay at least: calibration has a
	 * real delay to remove. */
	{
		const char *b = strstr(out, "base RTT between hosts 'h1' and 'h2': ");
		double base = -1;

		sscanf(b + strlen("base RTT between hosts 'h1' and 'h2': "), "%lf", &base);
		ck_assert_msg(base >= 2 * UL_DELAY_US / 1000.0, "base %.3f ms: %s",
			      base, out);
	}
	/* The pair below the hosts' base is named. */
	ck_assert_msg(strstr(out, "pair 'cloud' -> 'near': target RTT 2 ms is below the ") &&
		      strstr(out, "base RTT between hosts 'h1' and 'h3'"),
		      "no warning for cloud -> near: %s", out);
	printf("sys_hosts: %s", strstr(out, "base RTT"));
	free(out);
	/* cloud-1 (h1) -> edge-1-1 (h2): 198.18.0.x addresses as planned;
	 * read the address from h2. */
	{
		char a[32];

		ck_assert(node_addr(1, "enos.spreadw.edge-1-1", a, sizeof(a)));
		across = ping_avg(0, "cloud-1", a, &out);
		ck_assert_msg(across >= 19.5 && across <= 30, "across hosts %.2f ms: %s",
			      across, out);
		free(out);
		ck_assert(node_addr(1, "enos.spreadw.edge-2-1", a, sizeof(a)));
		within = ping_avg(1, "edge-1-1", a, &out);
		ck_assert_msg(within >= 19.5 && within <= 30, "within h2 %.2f ms: %s",
			      within, out);
		free(out);
	}
	printf("sys_hosts: rtt 20 ms shaped by wand: %.2f ms across hosts, %.2f ms within one\n",
	       across, within);
	/* tc --test: every pair, cross-host ones from their source's host;
	 * each within the bound except cloud <-> near, whose target is
	 * below the base (it cannot be met: measured at the base). */
	rc = ctl_argv(&out, "tc", "-n", "spreadw", "--test", "--json", "--samples",
		      "30", "--tolerance", tu_tc_tolerance(), NULL);
	root = json_loads(out, 0, NULL);
	pairs = json_object_get(root, "pairs");
	ck_assert_msg((rc == 0 || rc == 1) && json_array_size(pairs) == 12,
		      "tc --test: exit %d: %s", rc, out);
	json_array_foreach(pairs, i, p) {
		const char *src = json_string_value(json_object_get(p, "src"));
		const char *dst = json_string_value(json_object_get(p, "dst"));
		double target = json_number_value(json_object_get(p, "target_rtt_ms"));
		double p50 = json_number_value(json_object_get(p, "p50_ms"));
		bool cross = json_is_true(json_object_get(p, "cross_host"));
		bool near = (!strcmp(src, "cloud") && !strcmp(dst, "near")) ||
			    (!strcmp(src, "near") && !strcmp(dst, "cloud"));
		bool same = !strcmp(json_string_value(json_object_get(p, "src_host")),
				    json_string_value(json_object_get(p, "dst_host")));

		ck_assert_msg(cross == !same, "%s -> %s: cross_host %d: %s", src,
			      dst, cross, out);
		if (near) {
			near_pairs++;
			ck_assert_msg(cross && p50 > target, "%s -> %s: %s", src, dst, out);
			continue;
		}
		ck_assert_msg(within_tolerance(target, p50),
			      "%s -> %s (%s hosts): p50 %.3f ms, target %.3f ms, outside %s: %s",
			      src, dst, cross ? "across" : "within", p50, target,
			      tu_tc_tolerance(), out);
		if (cross) {
			err_across += fabs(p50 - target);
			max_across = fmax(max_across, fabs(p50 - target));
			n_across++;
		} else {
			err_within += fabs(p50 - target);
			max_within = fmax(max_within, fabs(p50 - target));
			n_within++;
		}
	}
	ck_assert_int_eq(near_pairs, 2);
	ck_assert_uint_eq(n_within, 2);     /* edge-1 <-> edge-2 on h2 */
	ck_assert_uint_eq(n_across, 8);
	json_decref(root);
	free(out);
	printf("sys_hosts: tc --test, target 20 ms: |p50 - target| mean %.3f ms, max %.3f ms over %zu cross-host pairs; mean %.3f ms, max %.3f ms over %zu within one host\n",
	       err_across / (double)n_across, max_across, n_across,
	       err_within / (double)n_within, max_within, n_within);
	/* The text marks the pairs across hosts (printed: the figures of
	 * the README). */
	rc = ctl_argv(&out, "tc", "-n", "spreadw", "--test", "--samples", "50",
		      "--tolerance", tu_tc_tolerance(), NULL);
	ck_assert_msg((rc == 0 || rc == 1) && strstr(out, "across hosts h1 -> h2") &&
		      strstr(out, "12 site pairs (10 across hosts)"),
		      "exit %d: %s", rc, out);
	printf("sys_hosts: tc -n spreadw --test --samples 50:\n%s", out);
	free(out);
	/* The report of that run marks the rows across hosts. */
	rc = ctl_argv(&out, "report", "-n", "spreadw", NULL);
	{
		char page[PATH_MAX], *html, *at = out ? strstr(out, "report: ") : NULL;
		FILE *f;
		size_t got = 0;

		ck_assert_msg(rc == 0 && at && sscanf(at, "report: %4000s", page) == 1,
			      "report: exit %d: %s", rc, out);
		html = calloc(1, 1 << 20);
		f = fopen(page, "r");
		ck_assert_msg(html && f, "%s: %s", page, strerror(errno));
		got = fread(html, 1, (1 << 20) - 1, f);
		fclose(f);
		ck_assert_msg(got > 0 && strstr(html, "<small>(across hosts)</small>") &&
			      strstr(html, " 10 of them across hosts") &&
			      strstr(html, "10 of 12 pairs cross hosts (through the tunnel"),
			      "%s", page);
		free(html);
		*strrchr(page, '/') = '\0';
		{
			/* results/spreadw/RUN, under the working directory
			 * (tu_rmtree keeps to /tmp). */
			char *rm[] = { "rm", "-rf", page, NULL };

			ck_assert_int_eq(tu_run(NULL, rm), 0);
		}
		*strrchr(page, '/') = '\0';    /* results/spreadw, if empty */
		rmdir(page);
	}
	free(out);
	/* tc --test --over: a series per pair, each from its source's host
	 * (`probe` with every probe's figure), the same JSON as on one host
	 * plus the hosts; every pair but cloud <-> near holds its one step. */
	rc = ctl_argv(&out, "tc", "-n", "spreadw", "--test", "--over", "3s",
		      "--interval", "50", "--json", "--tolerance", tu_tc_tolerance(),
		      NULL);
	root = json_loads(out, 0, NULL);
	pairs = json_object_get(root, "series");
	ck_assert_msg((rc == 0 || rc == 1) && json_array_size(pairs) == 12,
		      "tc --test --over: exit %d: %s", rc, out);
	n_across = 0;
	json_array_foreach(pairs, i, p) {
		const char *src = json_string_value(json_object_get(p, "src"));
		const char *dst = json_string_value(json_object_get(p, "dst"));
		json_t *samples = json_object_get(p, "samples"), *x;
		bool cross = json_is_true(json_object_get(p, "cross_host"));
		bool near = (!strcmp(src, "cloud") && !strcmp(dst, "near")) ||
			    (!strcmp(src, "near") && !strcmp(dst, "cloud"));
		double last = -1;
		size_t j, answered = 0;

		ck_assert_msg(cross == !!strcmp(json_string_value(json_object_get(p, "src_host")),
						json_string_value(json_object_get(p, "dst_host"))),
			      "%s -> %s: %s", src, dst, out);
		n_across += cross;
		/* 3 s at 50 ms: 60 probes, in send order from 0. */
		ck_assert_msg(json_array_size(samples) >= 55 && json_array_size(samples) <= 60,
			      "%s -> %s: %zu samples", src, dst, json_array_size(samples));
		json_array_foreach(samples, j, x) {
			double at = json_number_value(json_array_get(x, 0));

			ck_assert_msg(at >= 0 && at >= last && at < 5, "%s -> %s: at %.3f after %.3f",
				      src, dst, at, last);
			last = at;
			ck_assert_double_eq(json_number_value(json_array_get(x, 1)),
					    near ? 2 : 20);
			answered += json_is_number(json_array_get(x, 2));
		}
		ck_assert_msg(answered >= 50, "%s -> %s: %zu answered", src, dst, answered);
		if (near)
			continue;
		ck_assert_msg(json_integer_value(json_object_get(p, "steps")) == 1 &&
			      json_integer_value(json_object_get(p, "steps_within")) == 1,
			      "%s -> %s (%s hosts): worst error %.3f ms, outside %s", src, dst,
			      cross ? "across" : "within",
			      json_number_value(json_object_get(p, "worst_error_ms")),
			      tu_tc_tolerance());
	}
	ck_assert_uint_eq(n_across, 10);
	json_decref(root);
	free(out);
	rc = ctl_argv(&out, "tc", "-n", "spreadw", "--test", "--over", "2s",
		      "--tolerance", tu_tc_tolerance(), NULL);
	ck_assert_msg((rc == 0 || rc == 1) && strstr(out, "across hosts h1 -> h2") &&
		      strstr(out, "12 site pairs (10 across hosts) over 2 s: "),
		      "exit %d: %s", rc, out);
	printf("sys_hosts: tc -n spreadw --test --over 2s:\n%s", out);
	free(out);
	/* Its report draws the series (no pair table of empty rows). */
	rc = ctl_argv(&out, "report", "-n", "spreadw", NULL);
	{
		char page[PATH_MAX], *html, *at = out ? strstr(out, "report: ") : NULL;
		char *rm[] = { "rm", "-rf", page, NULL };
		FILE *f;
		size_t got = 0;

		ck_assert_msg(rc == 0 && at && sscanf(at, "report: %4000s", page) == 1,
			      "report of the series: exit %d: %s", rc, out);
		html = calloc(1, 1 << 22);
		f = fopen(page, "r");
		ck_assert_msg(html && f, "%s: %s", page, strerror(errno));
		got = fread(html, 1, (1 << 22) - 1, f);
		fclose(f);
		ck_assert_msg(got > 0 && !strstr(html, "<small>(across hosts)</small>"),
			      "%s", page);
		free(html);
		*strrchr(page, '/') = '\0';
		ck_assert_int_eq(tu_run(NULL, rm), 0);
		*strrchr(page, '/') = '\0';
		rmdir(page);
	}
	free(out);
	rc = ctl(&out, NULL, "down", "-n", "spreadw");
	ck_assert_msg(rc == 0, "exit %d: %s", rc, out);
	free(out);
	for (h = 0; h < N_HOSTS; h++) {
		ck_assert_int_eq(host_objects(h, "spreadw"), 0);
		rc = on_host(h, &out, "ls", "/run/enos/spreadw", NULL);
		ck_assert_msg(rc != 0, "host %d keeps /run/enos/spreadw: %s", h, out);
		free(out);
	}
}
END_TEST

/* `enos run` of a spread world: up over the three hosts, every site pair
 * measured from its source's host (as tc --test), down from every host. */
START_TEST(spread_run)
{
	char topo[PATH_MAX + 64], *out = NULL;
	char *rm[] = { "rm", "-rf", "results/spread", NULL };
	int rc, h;

	topology(NULL, topo, sizeof(topo));
	rc = ctl(&out, NULL, "run", topo, NULL);
	ck_assert_msg(rc == 0 && strstr(out, "over 3 hosts") &&
		      strstr(out, "results: run ") && !strstr(out, "did not answer"),
		      "exit %d: %s", rc, out);
	/* 3 sites: 6 ordered pairs, every one answered. */
	ck_assert_msg(strstr(out, "cloud                edge-1") &&
		      strstr(out, "edge-2               edge-1"), "%s", out);
	free(out);
	for (h = 0; h < N_HOSTS; h++)
		ck_assert_int_eq(host_objects(h, "spread"), 0);
	tu_run(NULL, rm);
	rmdir("results");
}
END_TEST

/* $ENOS_SPREAD_NODES netns nodes (100 per site) brought up and down over
 * the 3 hosts from the controller, then the same world without `hosts:`
 * on one of them (its enos run inside it, as the hosts' enos are): the
 * bring-up figures of docs/MULTIHOST.md. Only registered when
 * $ENOS_SPREAD_NODES is set: a measurement, not a check. */
START_TEST(spread_scale)
{
	char spread[PATH_MAX + 64], single[PATH_MAX + 64], db[PATH_MAX + 64];
	char bin[PATH_MAX], *out = NULL;
	long nodes = strtol(getenv("ENOS_SPREAD_NODES"), NULL, 10);
	long sites = (nodes + 99) / 100;
	double up3, down3, up1, down1, t0;
	int rc, h;

	ck_assert_int_gt(nodes, 0);
	ck_assert_ptr_nonnull(realpath(tu_enos_bin(), bin));
	put("scale3.yaml", spread, sizeof(spread),
	    "name: scale\nhosts:\n"
	    "  - {name: h1, address: %s, ssh: root@%s, enos: %s}\n"
	    "  - {name: h2, address: %s, ssh: root@%s, enos: %s}\n"
	    "  - {name: h3, address: %s, ssh: root@%s, enos: %s}\n"
	    "placement: {auto: balance}\n"
	    "network: {shaping: none}\n"
	    "sites:\n  - {name: s, role: edge, count: %ld, nodes: %ld}\n",
	    addr[0], addr[0], bin, addr[1], addr[1], bin, addr[2], addr[2],
	    bin, sites, nodes / sites);
	put("scale1.yaml", single, sizeof(single),
	    "name: scale\nnetwork: {shaping: none}\n"
	    "sites:\n  - {name: s, role: edge, count: %ld, nodes: %ld}\n",
	    sites, nodes / sites);
	rc = ctl(&out, &up3, "up", spread, NULL);
	ck_assert_msg(rc == 0, "exit %d: %s", rc, out);
	printf("sys_hosts: %s", out);
	free(out);
	rc = ctl(&out, &down3, "down", "-n", "scale");
	ck_assert_msg(rc == 0, "exit %d: %s", rc, out);
	free(out);
	for (h = 0; h < N_HOSTS; h++)
		ck_assert_int_eq(host_objects(h, "scale"), 0);
	snprintf(db, sizeof(db), "%s/single.db", dir);
	t0 = tu_now_s();
	rc = on_host(0, &out, bin, "--db", db, "up", single, NULL);
	up1 = tu_now_s() - t0;
	ck_assert_msg(rc == 0, "exit %d: %s", rc, out);
	free(out);
	t0 = tu_now_s();
	rc = on_host(0, &out, bin, "--db", db, "down", "-n", "scale", NULL);
	down1 = tu_now_s() - t0;
	ck_assert_msg(rc == 0, "exit %d: %s", rc, out);
	free(out);
	ck_assert_int_eq(host_objects(0, "scale"), 0);
	printf("sys_hosts: %ld netns nodes in %ld sites: over 3 hosts up %.2f s, down %.2f s; on one host up %.2f s, down %.2f s (enos wall time, ssh included)\n",
	       nodes, sites, up3, down3, up1, down1);
}
END_TEST

/* Is this suite going to run (CK_RUN_SUITE unset or naming it)? */
static bool selected(void)
{
	const char *only = getenv("CK_RUN_SUITE");

	return !only || !*only || !strcmp(only, "sys_hosts");
}

Suite *make_sys_hosts_suite(struct skips *sk)
{
	const struct sys_case cases[] = {
		{ "hello_and_facts", hello_and_facts },
		{ "version_mismatch", version_mismatch },
		{ "host_gone_named", host_gone_named },
		{ "spread_up_down", spread_up_down },
		{ "host_lost_then_back", host_lost_then_back },
		{ "spread_wan", spread_wan },
		{ "spread_run", spread_run },
		{ "controller_killed", controller_killed },
	};
	Suite *s = suite_create("sys_hosts");
	const char *why = sys_unavailable();

	if (!why && access(tu_enos_bin(), X_OK) != 0)
		why = "the enos binary ($ENOS_BIN) is not built";
	if (!why && (access("/usr/bin/ssh", X_OK) != 0 ||
		     access("/usr/bin/ssh-keygen", X_OK) != 0))
		why = "ssh and ssh-keygen (openssh-client) are missing";
	/* The system tests run under the shared lock, which apt needs too. */
	if (!why && access(SSHD, X_OK) != 0 && selected())
		tu_sh("./tools/install-deps openssh-server");
	if (!why && access(SSHD, X_OK) != 0)
		why = "sshd is missing and openssh-server could not be installed (make deps)";
	const struct sys_case scale[] = { { "spread_scale", spread_scale } };

	sys_add_cases(s, sk, cases, sizeof(cases) / sizeof(cases[0]), why,
		      hosts_setup, hosts_teardown, 60);
	if (getenv("ENOS_SPREAD_NODES"))
		sys_add_cases(s, sk, scale, 1, why, hosts_setup, hosts_teardown,
			      1800);
	return s;
}
