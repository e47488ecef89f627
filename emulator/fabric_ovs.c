/* fabric_ovs — Open vSwitch as the fabric of a world (fabric_ovs.h).
 *
 * Each switch is an OVS bridge; with no openvswitch kernel module (this
 * project's reference kernel) it uses the userspace datapath
 * (datapath_type=netdev), which reads and writes the veths' host ends
 * through packet sockets.
 *
 * Why fork/exec of ovs-vsctl and ovs-ofctl: Debian 12 ships no
 * libopenvswitch-dev, so the OVS C library (its IDL, vconn) is not
 * available to link against, and speaking OVSDB's JSON-RPC and OpenFlow by
 * hand would be far more code for the same effect. The cost per command
 * (~15 ms) is paid once per step, not per object: all bridges go in one
 * ovs-vsctl transaction, all ports in another ("--" separated commands).
 * Bridges are made with --no-wait (only the database changes); the port
 * transaction waits for ovs-vswitchd, so the fabric forwards when it
 * returns. Partition rules go through `ovs-ofctl replace-flows`, which
 * installs a whole flow table in one command.
 *
 * The daemons are found through their pid files under
 * /var/run/openvswitch and are stopped by pid only, after checking the
 * pid's command line; enos/ decides which ones it may stop.
 */
#include "emulator/fabric_ovs.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "emulator/caps.h"
#include "emulator/proc.h"
#include "emulator/world.h"

#define OVS_RUNDIR      "/var/run/openvswitch"
#define OVS_LOGDIR      "/var/log/openvswitch"
#define OVS_DB_FILE     "/etc/openvswitch/conf.db"
#define OVS_SCHEMA      "/usr/share/openvswitch/vswitch.ovsschema"
#define OVS_DB_SOCK     "unix:" OVS_RUNDIR "/db.sock"
#define OVS_STOP_MS     5000
#define OVS_OUT_MAX     (1 << 20)

/* Where programs are tried after $PATH (a non-root PATH lacks sbin). */
static const char *const exec_dirs[] = {
	"/usr/local/sbin", "/usr/sbin", "/sbin", "/usr/bin", "/bin",
};

void fabric_cmd_release(struct fabric_cmd *c)
{
	size_t i;

	if (!c)
		return;
	for (i = 0; i < c->n; i++)
		free(c->argv[i]);
	free(c->argv);
	memset(c, 0, sizeof(*c));
}

/* Append one argument printed from FMT; failures stick in C->err. */
static void cmd_add(struct fabric_cmd *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void cmd_add(struct fabric_cmd *c, const char *fmt, ...)
{
	va_list ap;
	char *s = NULL;
	int len;

	if (c->err)
		return;
	if (c->n + 2 > c->cap) {
		size_t cap = c->cap ? 2 * c->cap : 16;
		char **v = realloc(c->argv, cap * sizeof(*v));

		if (!v)
			goto fail;
		c->argv = v;
		c->cap = cap;
	}
	va_start(ap, fmt);
	len = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (len < 0)
		goto fail;
	s = malloc((size_t)len + 1);
	if (!s)
		goto fail;
	va_start(ap, fmt);
	vsnprintf(s, (size_t)len + 1, fmt, ap);
	va_end(ap);
	c->argv[c->n++] = s;
	c->argv[c->n] = NULL;
	return;
fail:
	c->err = -ENOMEM;
}

const char *fabric_cmd_render(const struct fabric_cmd *c, char *buf,
			      size_t len)
{
	size_t off = 0, i;
	int n;

	if (len)
		buf[0] = '\0';
	for (i = 0; i < c->n && off < len; i++) {
		n = snprintf(buf + off, len - off, "%s%s", i ? " " : "",
			     c->argv[i]);
		if (n < 0)
			break;
		off += (size_t)n;
	}
	return buf;
}

const char *fabric_ovs_datapath(void)
{
	return access("/sys/module/openvswitch", F_OK) == 0 ? "system"
							     : "netdev";
}

int fabric_ovs_bridges_cmd(struct fabric_cmd *c, const char *const *names,
			   size_t n, const char *datapath)
{
	size_t i;

	cmd_add(c, "ovs-vsctl");
	cmd_add(c, "--timeout=10");
	cmd_add(c, "--no-wait");
	for (i = 0; i < n; i++) {
		cmd_add(c, "--");
		cmd_add(c, "--may-exist");
		cmd_add(c, "add-br");
		cmd_add(c, "%s", names[i]);
		cmd_add(c, "--");
		cmd_add(c, "set");
		cmd_add(c, "bridge");
		cmd_add(c, "%s", names[i]);
		cmd_add(c, "datapath_type=%s", datapath);
	}
	return c->err;
}

int fabric_ovs_ports_cmd(struct fabric_cmd *c,
			 const struct fabric_port *ports, size_t n)
{
	size_t i;

	cmd_add(c, "ovs-vsctl");
	cmd_add(c, "--timeout=30");
	for (i = 0; i < n; i++) {
		cmd_add(c, "--");
		cmd_add(c, "--may-exist");
		cmd_add(c, "add-port");
		cmd_add(c, "%s", ports[i].bridge);
		cmd_add(c, "%s", ports[i].port);
	}
	return c->err;
}

int fabric_ovs_del_cmd(struct fabric_cmd *c, const char *const *names,
		       size_t n, int wait)
{
	size_t i;

	cmd_add(c, "ovs-vsctl");
	cmd_add(c, "--timeout=30");
	if (!wait)
		cmd_add(c, "--no-wait");
	for (i = 0; i < n; i++) {
		cmd_add(c, "--");
		cmd_add(c, "--if-exists");
		cmd_add(c, "del-br");
		cmd_add(c, "%s", names[i]);
	}
	return c->err;
}

int fabric_ovs_flows_text(const struct prefix *dsts, size_t n, char **text)
{
	static const char normal[] = "priority=0,actions=NORMAL\n";
	char pfx[32];
	size_t cap = sizeof(normal) + n * 64, off;
	char *s = malloc(cap);
	size_t i;
	int err = -ENOMEM;

	*text = NULL;
	if (!s)
		goto out;
	off = (size_t)snprintf(s, cap, "%s", normal);
	for (i = 0; i < n; i++)
		off += (size_t)snprintf(s + off, cap - off,
					"priority=100,ip,nw_dst=%s,actions=drop\n",
					prefix_format(&dsts[i], pfx,
						      sizeof(pfx)));
	*text = s;
	err = 0;
out:
	return err;
}

/* The child of run(): signals unblocked, stdin from IN_FD, stdout to OUT_FD (-1: /dev/null),
 * stderr to /dev/null, no other descriptor (a daemon must not hold the
 * caller's pipes), then ARGV from $PATH or the sbin directories. */
static void run_child(char *const argv[], int in_fd, int out_fd)
{
	char path[256];
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);
	size_t i;

	proc_child_prepare();
	if (null < 0)
		_exit(127);
	if (dup2(in_fd >= 0 ? in_fd : null, 0) < 0 ||
	    dup2(out_fd >= 0 ? out_fd : null, 1) < 0 || dup2(null, 2) < 0)
		_exit(127);
	closefrom(3);
	execvp(argv[0], argv);
	for (i = 0; i < sizeof(exec_dirs) / sizeof(exec_dirs[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", exec_dirs[i], argv[0]);
		execv(path, argv);
	}
	_exit(127);
}

/* Run ARGV with INPUT (may be NULL) on its stdin; its stdout into *OUT
 * (may be NULL: discarded; else allocated, NUL-terminated). Returns 0 if
 * it exited 0, -EIO if it failed, -errno if it could not run. */
static int run(char *const argv[], const char *input, char **out)
{
	int in[2] = { -1, -1 }, op[2] = { -1, -1 };
	char *buf = NULL;
	size_t len = 0, cap = 0;
	pid_t pid = -1;
	int st, err = 0;

	if (out)
		*out = NULL;
	if ((input && pipe2(in, O_CLOEXEC) < 0) ||
	    (out && pipe2(op, O_CLOEXEC) < 0)) {
		err = -errno;
		goto out;
	}
	pid = fork();
	if (pid < 0) {
		err = -errno;
		goto out;
	}
	if (pid == 0)
		run_child(argv, in[0], op[1]);
	if (in[0] >= 0) {
		close(in[0]);
		in[0] = -1;
	}
	if (op[1] >= 0) {
		close(op[1]);
		op[1] = -1;
	}
	if (input) {
		size_t off = 0, total = strlen(input);
		ssize_t w;

		/* Small tables: the child reads all before it writes. */
		while (off < total) {
			w = write(in[1], input + off, total - off);
			if (w < 0 && errno == EINTR)
				continue;
			if (w <= 0)
				break;
			off += (size_t)w;
		}
		close(in[1]);
		in[1] = -1;
	}
	while (out) {
		ssize_t r;

		if (cap - len < 4096) {
			char *nb;

			cap = cap ? 2 * cap : 8192;
			nb = cap <= OVS_OUT_MAX ? realloc(buf, cap) : NULL;
			if (!nb) {
				err = -ENOMEM;
				break;
			}
			buf = nb;
		}
		r = read(op[0], buf + len, cap - len - 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		len += (size_t)r;
	}
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR) {
			st = -1;
			break;
		}
	if (err == 0 && (st == -1 || !WIFEXITED(st) || WEXITSTATUS(st) != 0))
		err = -EIO;
	if (err == 0 && out) {
		if (!buf)
			buf = calloc(1, 1);
		if (!buf) {
			err = -ENOMEM;
		} else {
			buf[len] = '\0';
			*out = buf;
			buf = NULL;
		}
	}
out:
	free(buf);
	if (in[0] >= 0)
		close(in[0]);
	if (in[1] >= 0)
		close(in[1]);
	if (op[0] >= 0)
		close(op[0]);
	if (op[1] >= 0)
		close(op[1]);
	return err;
}

/* Run the built command C (with INPUT and *OUT as run() takes them),
 * then release C. */
int fabric_ovs_port_del_cmd(struct fabric_cmd *c, const char *port)
{
	cmd_add(c, "ovs-vsctl");
	cmd_add(c, "--timeout=30");
	cmd_add(c, "--");
	cmd_add(c, "--if-exists");
	cmd_add(c, "del-port");
	cmd_add(c, "%s", port);
	return c->err;
}

static int run_cmd(struct fabric_cmd *c, const char *input, char **out)
{
	int err = c->err;

	if (err == 0)
		err = run(c->argv, input, out);
	fabric_cmd_release(c);
	return err;
}

static int ovs_bridges_add(struct emu *emu, const char *const *names,
			   size_t n)
{
	struct fabric_cmd c = { 0 };
	(void)emu;

	if (n == 0)
		return 0;
	fabric_ovs_bridges_cmd(&c, names, n, fabric_ovs_datapath());
	return run_cmd(&c, NULL, NULL);
}

static int ovs_ports_add(struct emu *emu, const struct fabric_port *ports,
			 size_t n)
{
	struct fabric_cmd c = { 0 };
	(void)emu;

	if (n == 0)
		return 0;
	fabric_ovs_ports_cmd(&c, ports, n);
	return run_cmd(&c, NULL, NULL);
}

static int ovs_port_del(struct emu *emu, const char *port)
{
	struct fabric_cmd c = { 0 };
	(void)emu;

	fabric_ovs_port_del_cmd(&c, port);
	return run_cmd(&c, NULL, NULL);
}

/* The lines of OUT starting with TAG, terminated in place: *NAMES (free()
 * the array only) of *N. */
static int tagged_lines(char *out, const char *tag, const char ***names,
			size_t *n)
{
	size_t cap = 0, taglen = strlen(tag);
	const char **v = NULL;
	char *line = out, *nl;
	int err = 0;

	*n = 0;
	while (line && *line) {
		nl = strchr(line, '\n');
		if (nl)
			*nl = '\0';
		if (strncmp(line, tag, taglen) == 0) {
			if (*n == cap) {
				const char **nv;

				cap = cap ? 2 * cap : 16;
				nv = realloc(v, cap * sizeof(*v));
				if (!nv) {
					err = -ENOMEM;
					break;
				}
				v = nv;
			}
			v[(*n)++] = line;
		}
		line = nl ? nl + 1 : NULL;
	}
	*names = v;
	return err;
}

/* `ovs-vsctl list-br`, then one `ovs-vsctl -- --if-exists del-br B ...`
 * for those named with TAG (waiting for ovs-vswitchd if it runs). No
 * ovsdb-server running: nothing is reachable to remove. */
static int ovs_sweep(struct emu *emu, const char *tag)
{
	struct fabric_cmd c = { 0 };
	const char **names = NULL;
	char *out = NULL;
	size_t n = 0;
	int err = 0, tries;
	(void)emu;

	if (fabric_ovs_running(FABRIC_OVS_DB) <= 0)
		goto out;
	/* An ovsdb-server that a killed `up` had just started may not answer
	 * yet (measured: list-br exits 1 for a moment after its pid file
	 * appears, before its socket does): give it up to 2 s before calling
	 * the sweep failed. */
	for (tries = 0; tries < 20; tries++) {
		free(out);
		out = NULL;
		cmd_add(&c, "ovs-vsctl");
		cmd_add(&c, "--timeout=10");
		cmd_add(&c, "list-br");
		err = run_cmd(&c, NULL, &out);
		if (err != -EIO)
			break;
		usleep(100 * 1000);
	}
	if (err == 0)
		err = tagged_lines(out, tag, &names, &n);
	if (err < 0 || n == 0)
		goto out;
	fabric_ovs_del_cmd(&c, names, n,
			   fabric_ovs_running(FABRIC_OVS_SWITCHD) > 0);
	err = run_cmd(&c, NULL, NULL);
out:
	free(names);
	free(out);
	return err;
}

/* `ovs-vsctl --bare -- --columns=name list Bridge -- --columns=name list
 * Port`: bridges and ports named with TAG. */
static int ovs_leftovers(struct emu *emu, const char *tag)
{
	struct fabric_cmd c = { 0 };
	const char **names = NULL;
	char *out = NULL;
	size_t n = 0;
	int err = 0;
	(void)emu;

	if (fabric_ovs_running(FABRIC_OVS_DB) <= 0)
		goto out;
	cmd_add(&c, "ovs-vsctl");
	cmd_add(&c, "--timeout=10");
	cmd_add(&c, "--bare");
	cmd_add(&c, "--");
	cmd_add(&c, "--columns=name");
	cmd_add(&c, "list");
	cmd_add(&c, "Bridge");
	cmd_add(&c, "--");
	cmd_add(&c, "--columns=name");
	cmd_add(&c, "list");
	cmd_add(&c, "Port");
	err = run_cmd(&c, NULL, &out);
	if (err == 0)
		err = tagged_lines(out, tag, &names, &n);
	if (err == 0)
		err = (int)n;
out:
	free(names);
	free(out);
	return err;
}

int fabric_ovs_drops(const char *bridge, const struct prefix *dsts,
		     size_t n)
{
	struct fabric_cmd c = { 0 };
	char *text = NULL;
	int err;

	err = fabric_ovs_flows_text(dsts, n, &text);
	if (err < 0)
		goto out;
	cmd_add(&c, "ovs-ofctl");
	cmd_add(&c, "--timeout=10");
	cmd_add(&c, "replace-flows");
	cmd_add(&c, "%s", bridge);
	cmd_add(&c, "-");
	err = run_cmd(&c, text, NULL);
out:
	fabric_cmd_release(&c);
	free(text);
	return err;
}

/* The pid file of DAEMON, /var/run/openvswitch/DAEMON.pid, into BUF. */
static const char *pidfile_path(const char *daemon, char *buf, size_t len)
{
	snprintf(buf, len, OVS_RUNDIR "/%s.pid", daemon);
	return buf;
}

int fabric_ovs_running(const char *daemon)
{
	char path[128];

	return proc_daemon_pid(pidfile_path(daemon, path, sizeof(path)),
			       daemon);
}

int fabric_ovs_start(const char *daemon, int *pid)
{
	struct fabric_cmd c = { 0 };
	struct stat sb;
	int err;

	*pid = 0;
	if ((mkdir(OVS_RUNDIR, 0755) < 0 && errno != EEXIST) ||
	    (mkdir(OVS_LOGDIR, 0750) < 0 && errno != EEXIST)) {
		err = -errno;
		goto out;
	}
	if (strcmp(daemon, FABRIC_OVS_DB) == 0) {
		if (stat(OVS_DB_FILE, &sb) < 0) {
			cmd_add(&c, "ovsdb-tool");
			cmd_add(&c, "create");
			cmd_add(&c, OVS_DB_FILE);
			cmd_add(&c, OVS_SCHEMA);
			err = run_cmd(&c, NULL, NULL);
			if (err < 0)
				goto out;
		}
		cmd_add(&c, FABRIC_OVS_DB);
		cmd_add(&c, OVS_DB_FILE);
		cmd_add(&c, "--remote=punix:" OVS_RUNDIR "/db.sock");
		cmd_add(&c, "--pidfile");
		cmd_add(&c, "--detach");
		cmd_add(&c, "--log-file");
	} else if (strcmp(daemon, FABRIC_OVS_SWITCHD) == 0) {
		cmd_add(&c, FABRIC_OVS_SWITCHD);
		cmd_add(&c, OVS_DB_SOCK);
		cmd_add(&c, "--pidfile");
		cmd_add(&c, "--detach");
		cmd_add(&c, "--log-file");
	} else {
		err = -EINVAL;
		goto out;
	}
	err = run_cmd(&c, NULL, NULL);
	if (err < 0)
		goto out;
	*pid = fabric_ovs_running(daemon);
	if (*pid <= 0) {
		err = -ESRCH;
		goto out;
	}
	if (strcmp(daemon, FABRIC_OVS_DB) == 0) {
		cmd_add(&c, "ovs-vsctl");
		cmd_add(&c, "--timeout=10");
		cmd_add(&c, "--no-wait");
		cmd_add(&c, "init");
		err = run_cmd(&c, NULL, NULL);
	}
out:
	fabric_cmd_release(&c);
	return err;
}

int fabric_ovs_stop(const char *daemon, int pid)
{
	char path[128];

	return proc_daemon_stop(pidfile_path(daemon, path, sizeof(path)),
				daemon, pid, OVS_STOP_MS);
}

/* ovs-vswitchd and ovs-vsctl (caps.c). */
static int ovs_supported(char *why, size_t len)
{
	struct caps caps;

	caps_probe(&caps);
	if (caps.ovs.found)
		return 0;
	snprintf(why, len, "Open vSwitch: %s", caps.ovs.why);
	return -ENOTSUP;
}

const struct fabric_ops fabric_ovs_ops = {
	.name = "ovs",
	.needs = BACKEND_NEEDS_OVS,
	.supported = ovs_supported,
	.master_at_create = false,
	.ns_tx_csum_off = true,
	.bridges_add = ovs_bridges_add,
	.ports_add = ovs_ports_add,
	.sweep = ovs_sweep,
	.leftovers = ovs_leftovers,
	.drops = fabric_ovs_drops,
	.port_del = ovs_port_del,
};
