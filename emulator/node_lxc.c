/* node_lxc — the lxc node backend: a node is a libvirt LXC domain
 * "enos.EXP.NODE" that shares the network namespace the netns backend
 * builds for the node (<lxc:namespace><sharenet type='netns'/>), so the
 * LAN, the WAN, shaping and probes see an lxc node exactly as a netns one.
 * libvirt adds the mount, pid, uts and ipc namespaces, the memory and CPU
 * limits (cgroup v1 memory, cpu) and the root filesystem. Its domain XML
 * has no process limit: a profile's pids is written by enos once the
 * domain runs (lxc_pids), in the pids cgroup of the container's init.
 *
 * Root filesystem: the host's / bound read-only, with a tmpfs on /tmp and
 * /run and a private writable /var, an overlay whose lower layer is the
 * host's /var (so services installed on the host find their /var/lib and
 * /var/log directories, and what they write stays the node's own). The
 * overlay is mounted on the host under NODE_LXC_DIR/EXP/NODE before the
 * domain starts; sweep() unmounts and removes it. The alternative, a
 * minimal busybox tree, cannot run the etcd and OpenStack services later
 * issues place in nodes without copying their whole dependency closure.
 *
 * exec and spawn enter a running node as `virsh lxc-enter-namespace
 * --noseclabel` does, without libvirt: the init's cgroups, then setns()
 * into its ipc, uts, net, pid and mount namespaces, then fork (a pid
 * namespace applies to children only).
 */
#include "emulator/node.h"
#include "emulator/proc.h"
#include "emulator/node_lxc.h"
#include "emulator/node_netns.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <dirent.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "emulator/caps.h"
#include "emulator/cgroup.h"
#include "emulator/emu.h"
#include "emulator/link.h"
#include "emulator/netns.h"
#include "emulator/virt.h"
#include "util/fs.h"

#define LXC_PID_DIR     "/run/libvirt/lxc"
#define LXC_TMP_KIB     (256u << 10)
#define LXC_RUN_KIB     (64u << 10)
#define LXC_CFS_PERIOD  100000u
/* Threads removing the nodes' directories at down. */
#define LXC_FILES_THREADS 8
#define LXC_PATH_ENV    "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

int node_lxc_dir(const struct world *w, const struct world_node *n,
		 char *buf, size_t len)
{
	int r = snprintf(buf, len, NODE_LXC_DIR "/%s/%s", w->name, n->name);

	return r < 0 || (size_t)r >= len ? -ENAMETOOLONG : 0;
}

/* One element <TAG>TEXT</TAG> on its own line, indented by INDENT. */
static void xml_elem(FILE *f, int indent, const char *tag, const char *text)
{
	fprintf(f, "%*s<%s>", indent, "", tag);
	virt_xml_text(f, text);
	fprintf(f, "</%s>\n", tag);
}

/* The init: names the host after the node (argument $0), then waits for
 * ever, reaping whatever is orphaned inside (dash's `wait` reaps any
 * child). SIGTERM ends it, as virDomainDestroy asks. */
static const char lxc_init_script[] =
	"hostname \"$0\"; trap 'exit 0' TERM; "
	"while :; do sleep 3600 & wait; done";

int node_lxc_xml(const struct world *w, const struct world_node *n,
		 const char *var_dir, char **xml)
{
	uint64_t mem = n->memory_bytes ? n->memory_bytes
				       : NODE_LXC_MEMORY_DEFAULT;
	unsigned vcpus = n->cpus ? n->cpus :
			 n->cpu_milli ? (n->cpu_milli + 999) / 1000 : 1;
	uint64_t quota = n->cpu_milli ?
			 (uint64_t)n->cpu_milli * LXC_CFS_PERIOD / 1000 :
			 (uint64_t)n->cpus * LXC_CFS_PERIOD;
	char *buf = NULL;
	size_t len = 0;
	FILE *f;
	size_t i;

	*xml = NULL;
	f = open_memstream(&buf, &len);
	if (!f)
		return -ENOMEM;
	fputs("<domain type='lxc' "
	      "xmlns:lxc='http://libvirt.org/schemas/domain/lxc/1.0'>\n", f);
	xml_elem(f, 2, "name", n->netns);
	fprintf(f, "  <memory unit='KiB'>%llu</memory>\n",
		(unsigned long long)(mem >> 10));
	fprintf(f, "  <vcpu>%u</vcpu>\n", vcpus);
	/* The container's cgroup: its profile's cpu in host cores, else
	 * its cpus whole. */
	if (quota)
		fprintf(f, "  <cputune><period>%u</period>"
			"<quota>%llu</quota></cputune>\n", LXC_CFS_PERIOD,
			(unsigned long long)quota);
	fputs("  <os>\n    <type>exe</type>\n", f);
	xml_elem(f, 4, "init", "/bin/sh");
	xml_elem(f, 4, "initarg", "-c");
	xml_elem(f, 4, "initarg", lxc_init_script);
	xml_elem(f, 4, "initarg", n->name);
	fprintf(f, "    <initenv name='PATH'>%s</initenv>\n", LXC_PATH_ENV);
	fputs("  </os>\n"
	      "  <on_poweroff>destroy</on_poweroff>\n"
	      "  <on_reboot>destroy</on_reboot>\n"
	      "  <on_crash>destroy</on_crash>\n"
	      "  <devices>\n"
	      "    <filesystem type='mount' accessmode='passthrough'>"
	      "<source dir='/'/><target dir='/'/><readonly/></filesystem>\n",
	      f);
	fprintf(f, "    <filesystem type='ram' accessmode='passthrough'>"
		"<source usage='%u' units='KiB'/><target dir='/tmp'/>"
		"</filesystem>\n", LXC_TMP_KIB);
	fprintf(f, "    <filesystem type='ram' accessmode='passthrough'>"
		"<source usage='%u' units='KiB'/><target dir='/run'/>"
		"</filesystem>\n", LXC_RUN_KIB);
	fputs("    <filesystem type='mount' accessmode='passthrough'>"
	      "<source dir='", f);
	virt_xml_text(f, var_dir);
	fputs("'/><target dir='/var'/></filesystem>\n", f);
	for (i = 0; i < WORLD_SHARED_MAX && w->shared[i]; i++) {
		fputs("    <filesystem type='mount' accessmode='passthrough'>"
		      "<source dir='", f);
		virt_xml_text(f, w->shared[i]);
		fputs("'/><target dir='", f);
		virt_xml_text(f, w->shared[i]);
		fputs("'/></filesystem>\n", f);
	}
	fputs("    <console type='pty'/>\n"
	      "  </devices>\n"
	      "  <lxc:namespace><sharenet type='netns' value='", f);
	virt_xml_text(f, n->netns);
	fputs("'/></lxc:namespace>\n</domain>\n", f);
	if (fclose(f) != 0 || !buf) {
		free(buf);
		return -ENOMEM;
	}
	*xml = buf;
	return 0;
}

/* mkdir DIR/SUB into BUF (LEN bytes); existing is fine. */
static int subdir(const char *dir, const char *sub, char *buf, size_t len)
{
	int r = snprintf(buf, len, "%s/%s", dir, sub);

	if (r < 0 || (size_t)r >= len)
		return -ENAMETOOLONG;
	if (mkdir(buf, 0755) != 0 && errno != EEXIST)
		return -errno;
	return 0;
}

/* The node's private /var: an overlay of the host's /var, as
 *   mkdir -p D/upper D/work D/var &&
 *   mount -t overlay overlay -o lowerdir=/var,upperdir=D/upper,\
 *         workdir=D/work D/var
 * with D = node_lxc_dir(); its path goes to VAR (LEN bytes). */
static int var_overlay(struct emu *emu, const struct world *w,
		       const struct world_node *n, char *var, size_t len)
{
	char dir[PATH_MAX], upper[PATH_MAX], work[PATH_MAX];
	char opts[3 * PATH_MAX];
	int err;

	err = node_lxc_dir(w, n, dir, sizeof(dir));
	if (err == 0)
		err = fs_mkdir_p(dir, 0755);
	if (err == 0)
		err = subdir(dir, "upper", upper, sizeof(upper));
	if (err == 0)
		err = subdir(dir, "work", work, sizeof(work));
	if (err == 0)
		err = subdir(dir, "var", var, len);
	if (err < 0)
		goto out;
	snprintf(opts, sizeof(opts), "lowerdir=/var,upperdir=%s,workdir=%s",
		 upper, work);
	if (mount("overlay", var, "overlay", MS_NOSUID | MS_NODEV, opts) != 0 &&
	    errno != EBUSY) {
		err = -errno;
		emu_seterr(emu, "mount -t overlay overlay -o %s %s: %s", opts,
			   var, strerror(errno));
	}
out:
	return err;
}

/* N's pids limit, once its domain runs: libvirt's LXC XML has no such
 * setting and libvirt makes no v1 pids cgroup, so the container's init
 * gets one (v2: the domain's cgroup gets pids.max), read back; what the
 * init starts, and what exec and spawn start (they join the init's
 * cgroups), then counts against it (cgroup_pids_process). */
static int lxc_pids(struct emu *emu, const struct world_node *n)
{
	char where[CGROUP_PATH_MAX * 2 + 16] = "";
	struct cgroup_host h;
	int init = -ENOENT, err, i;

	for (i = 0; i < 50 && init < 0; i++) {
		init = node_lxc_init_pid(n->netns);
		if (init < 0)
			usleep(20000);
	}
	err = init < 0 ? init : cgroup_detect(&h);
	if (err == 0)
		err = cgroup_pids_process(&h, n->netns, init, n->pids, where,
					  sizeof(where));
	if (err < 0)
		emu_seterr(emu, "node '%s': cannot limit its container to %llu processes (%s): %s",
			   n->name, (unsigned long long)n->pids,
			   where[0] ? where : init < 0 ? "its init is not running" : "pids.max",
			   err == -ENOTSUP ? "no pids controller for it" :
			   err == -EIO ? "pids.max does not hold the value written" :
			   strerror(-err));
	return err;
}

/* Start node N's domain in its namespace; see node.h (start). */
static int lxc_node_start(struct emu *emu, const struct world *w,
			  const struct world_node *n)
{
	char var[PATH_MAX];
	char *xml = NULL;
	size_t i;
	int err;

	err = var_overlay(emu, w, n, var, sizeof(var));
	for (i = 0; err == 0 && i < WORLD_SHARED_MAX && w->shared[i]; i++)
		err = fs_mkdir_p(w->shared[i], 0755);
	if (err == 0)
		err = node_lxc_xml(w, n, var, &xml);
	if (err == 0)
		err = virt_domain_create(emu, VIRT_LXC_URI, xml);
	if (err == 0 && n->pids)
		err = lxc_pids(emu, n);
	free(xml);
	return err;
}

static int lxc_node_create(struct emu *emu, const struct world *w,
			   const struct world_node *n)
{
	int err = node_netns_ops.create(emu, w, n);

	if (err == 0)
		err = lxc_node_start(emu, w, n);
	return err;
}

/* nftw callback of rm -rf, staying on one file system (FTW_MOUNT): an
 * overlay still mounted below is never walked into. */
static int rm_entry(const char *path, const struct stat *sb, int flag,
		    struct FTW *ftw)
{
	(void)sb;
	(void)ftw;
	if (flag == FTW_DP)
		rmdir(path);
	else
		unlink(path);
	return 0;
}

/* umount DIR/var, lazily (a process inside may still hold it):
 *   umount -l DIR/var */
static int node_var_umount(const char *dir)
{
	char var[PATH_MAX];
	int err = 0;

	if (snprintf(var, sizeof(var), "%s/var", dir) >= (int)sizeof(var))
		err = -ENAMETOOLONG;
	else if (umount2(var, MNT_DETACH) != 0 && errno != EINVAL &&
		 errno != ENOENT)
		err = -errno;
	return err;
}

/* rm -rf --one-file-system DIR, once its overlay is unmounted. */
static int node_dir_remove(const char *dir)
{
	int err = 0;

	if (nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS | FTW_MOUNT) != 0 &&
	    errno != ENOENT)
		err = -errno;
	else if (access(dir, F_OK) == 0)
		err = -ENOTEMPTY;
	return err;
}

/* umount -l DIR/var; rm -rf --one-file-system DIR */
static int node_files_remove(const char *dir)
{
	int err = node_var_umount(dir);

	if (err == 0)
		err = node_dir_remove(dir);
	return err;
}

static int lxc_node_destroy(struct emu *emu, const struct world *w,
			    const struct world_node *n)
{
	char dir[PATH_MAX];
	int err, e;

	err = virt_domain_destroy(emu, VIRT_LXC_URI, n->netns);
	e = node_lxc_dir(w, n, dir, sizeof(dir));
	if (e == 0)
		e = node_files_remove(dir);
	if (err == 0)
		err = e;
	e = node_netns_ops.destroy(emu, w, n);
	return err < 0 ? err : e;
}

/* The first pid in /proc/PID/task/PID/children, or -errno. */
static int first_child(int pid)
{
	char path[96];
	long v = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/children", pid, pid);
	f = fopen(path, "re");
	if (!f)
		return -ENOENT;
	if (fscanf(f, "%ld", &v) != 1 || v <= 0 || v > 1 << 22)
		v = -ENOENT;
	fclose(f);
	return (int)v;
}

int node_lxc_init_pid(const char *name)
{
	char path[PATH_MAX];
	long ctl = 0;
	FILE *f;
	int r;

	r = snprintf(path, sizeof(path), LXC_PID_DIR "/%s.pid", name);
	if (r < 0 || (size_t)r >= sizeof(path))
		return -ENAMETOOLONG;
	f = fopen(path, "re");
	if (!f)
		return -ENOENT;
	if (fscanf(f, "%ld", &ctl) != 1 || ctl <= 0 || ctl > 1 << 22)
		ctl = 0;
	fclose(f);
	return ctl ? first_child((int)ctl) : -ENOENT;
}

/* Join every cgroup of PID that is not a hierarchy's root, as
 *   echo $$ > /sys/fs/cgroup/CONTROLLERS/PATH/cgroup.procs
 * for each "N:CONTROLLERS:PATH" line of /proc/PID/cgroup. Returns 0 or
 * -errno. */
static int join_cgroups(int pid)
{
	char path[PATH_MAX], line[PATH_MAX], me[24];
	FILE *f;
	int err = 0;

	snprintf(path, sizeof(path), "/proc/%d/cgroup", pid);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	snprintf(me, sizeof(me), "%d", (int)getpid());
	while (err == 0 && fgets(line, sizeof(line), f)) {
		char *ctrl = strchr(line, ':'), *cg, *nl;
		int fd;

		cg = ctrl ? strchr(ctrl + 1, ':') : NULL;
		if (!cg)
			continue;
		*cg++ = '\0';
		ctrl++;
		nl = strchr(cg, '\n');
		if (nl)
			*nl = '\0';
		if (strcmp(cg, "/") == 0)
			continue;
		if (strncmp(ctrl, "name=", 5) == 0)
			ctrl += 5;
		snprintf(path, sizeof(path), "/sys/fs/cgroup/%s%s/cgroup.procs",
			 *ctrl ? ctrl : "unified", cg);
		fd = open(path, O_WRONLY | O_CLOEXEC);
		if (fd < 0) {
			if (errno != ENOENT)
				err = -errno;
			continue;
		}
		if (write(fd, me, strlen(me)) < 0)
			err = -errno;
		close(fd);
	}
	fclose(f);
	return err;
}

/* The namespaces a node's commands enter, mount last: after it, /proc is
 * the node's. */
static const char *const lxc_ns[] = { "ipc", "uts", "net", "pid", "mnt" };
#define LXC_NS_COUNT (sizeof(lxc_ns) / sizeof(lxc_ns[0]))

/* Enter node INIT's cgroups and namespaces in the calling (child)
 * process. Returns 0 or -errno. */
static int enter_node(int init)
{
	int fds[LXC_NS_COUNT];
	char path[64];
	size_t i, k;
	int err = 0;

	for (k = 0; k < LXC_NS_COUNT; k++) {
		snprintf(path, sizeof(path), "/proc/%d/ns/%s", init, lxc_ns[k]);
		fds[k] = open(path, O_RDONLY | O_CLOEXEC);
		if (fds[k] < 0) {
			err = -errno;
			goto out;
		}
	}
	err = join_cgroups(init);
	for (i = 0; i < LXC_NS_COUNT && err == 0; i++)
		if (setns(fds[i], 0) != 0)
			err = -errno;
	if (err == 0 && chdir("/") != 0)
		err = -errno;
out:
	for (i = 0; i < k; i++)
		close(fds[i]);
	return err;
}

/* Report -ERR's errno on FD and exit: the child side of a failure. */
static void child_fail(int fd, int err)
{
	int e = -err;

	if (write(fd, &e, sizeof(e)) != (ssize_t)sizeof(e))
		e = 0;
	_exit(127);
}

/* How a command is started in a node. */
struct lxc_run {
	int init;               /* the node's init, host pid */
	char *const *argv;
	int log_fd;             /* spawn: stdout; -1: exec */
	int err_log_fd;         /* spawn: stderr */
	int err_fd;             /* carries an errno, closed on exec */
	int pid_fd;             /* spawn: the host pid of the command */
};

/* The command itself, in the node: exec, or spawn's detached session. */
static void run_command(const struct lxc_run *r)
{
	int null;

	if (r->log_fd >= 0) {
		/* As netns spawn: no signal of the caller's mask held. */
		proc_child_prepare();
		setsid();
		null = open("/dev/null", O_RDONLY | O_CLOEXEC);
		if (null < 0 || dup2(null, 0) < 0 || dup2(r->log_fd, 1) < 0 ||
		    dup2(r->err_log_fd, 2) < 0)
			child_fail(r->err_fd, -errno);
	}
	execvp(r->argv[0], r->argv);
	child_fail(r->err_fd, -errno);
}

/* The first child: enter the node, fork the command (which lands in the
 * node's pid namespace), then wait for it (exec: its status becomes ours,
 * 128 + signal if killed) or report its pid (spawn) and leave it to the
 * node's init. */
static void enter_child(const struct lxc_run *r)
{
	pid_t pid;
	int st, err;

	err = enter_node(r->init);
	if (err < 0)
		child_fail(r->err_fd, err);
	pid = fork();
	if (pid < 0)
		child_fail(r->err_fd, -errno);
	if (pid == 0)
		run_command(r);
	close(r->err_fd);
	if (r->log_fd >= 0) {
		if (write(r->pid_fd, &pid, sizeof(pid)) != (ssize_t)sizeof(pid))
			_exit(1);
		_exit(0);
	}
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			_exit(127);
	_exit(WIFEXITED(st) ? WEXITSTATUS(st) :
	      WIFSIGNALED(st) ? 128 + WTERMSIG(st) : 127);
}

/* Run R in node N; *STATUS: the first child's exit status; *PID (spawn):
 * the command's host pid. Returns 0 or -errno. */
static int lxc_run(const struct world_node *n, struct lxc_run *r,
		   int *status, int *pid)
{
	int errp[2] = { -1, -1 }, pidp[2] = { -1, -1 };
	int exec_err, st = 0, i;
	pid_t child = -1;
	int err;

	err = node_lxc_init_pid(n->netns);
	if (err < 0)
		goto out;
	r->init = err;
	err = 0;
	if (pipe2(errp, O_CLOEXEC) != 0 || pipe2(pidp, O_CLOEXEC) != 0) {
		err = -errno;
		goto out;
	}
	r->err_fd = errp[1];
	r->pid_fd = pidp[1];
	child = fork();
	if (child < 0) {
		err = -errno;
		goto out;
	}
	if (child == 0) {
		close(errp[0]);
		close(pidp[0]);
		enter_child(r);
	}
	close(errp[1]);
	close(pidp[1]);
	errp[1] = pidp[1] = -1;
	/* EOF once the command runs (exec closed the last copy). */
	exec_err = proc_exec_result(errp[0]);
	err = proc_wait_status(child, &st);
	if (err < 0)
		goto out;
	if (exec_err < 0) {
		err = exec_err;
		goto out;
	}
	*status = st;
	if (pid && read(pidp[0], pid, sizeof(*pid)) != (ssize_t)sizeof(*pid))
		err = -EIO;
out:
	for (i = 0; i < 2; i++) {
		if (errp[i] >= 0)
			close(errp[i]);
		if (pidp[i] >= 0)
			close(pidp[i]);
	}
	return err;
}

/* As `virsh -c lxc:/// lxc-enter-namespace enos.EXP.NODE --noseclabel
 * ARGV...`, waiting for it. */
static int lxc_node_exec(struct emu *emu, const struct world_node *n,
			 char *const argv[], int *status)
{
	struct lxc_run r = { .argv = argv, .log_fd = -1 };
	(void)emu;

	*status = -1;
	if (!argv || !argv[0])
		return -EINVAL;
	return lxc_run(n, &r, status, NULL);
}

/* As exec, detached: `setsid ARGV... </dev/null >&OUT_FD 2>&ERR_FD &`
 * inside. */
static int lxc_node_spawn(struct emu *emu, const struct world_node *n,
			  char *const argv[], int out_fd, int err_fd, int *pid)
{
	struct lxc_run r = { .argv = argv, .log_fd = out_fd,
			     .err_log_fd = err_fd };
	int status = -1, err;
	(void)emu;

	*pid = 0;
	if (!argv || !argv[0] || out_fd < 0 || err_fd < 0)
		return -EINVAL;
	err = lxc_run(n, &r, &status, pid);
	if (err == 0 && status != 0)
		err = -EIO;
	return err;
}

/* Apply FN to every NODE_LXC_DIR/EXP/NODE directory; returns the first
 * failure, having tried them all. */
static int files_each(const char *exp, int (*fn)(const char *dir))
{
	char dir[PATH_MAX], sub[PATH_MAX];
	struct dirent *de;
	DIR *d;
	int err = 0, e;

	if (snprintf(dir, sizeof(dir), NODE_LXC_DIR "/%s", exp) >=
	    (int)sizeof(dir))
		return -ENAMETOOLONG;
	d = opendir(dir);
	if (!d)
		return errno == ENOENT ? 0 : -errno;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		if (snprintf(sub, sizeof(sub), "%s/%s", dir, de->d_name) >=
		    (int)sizeof(sub))
			continue;
		e = fn(sub);
		if (err == 0)
			err = e;
	}
	closedir(d);
	return err;
}

/* Shared by the threads of files_remove_all(). */
struct files_pool {
	const char *exp;
	char **names;           /* NODE names under NODE_LXC_DIR/EXP */
	size_t n;
	atomic_size_t next;
	atomic_int err;
};

static void *files_thread(void *arg)
{
	struct files_pool *p = arg;
	char dir[PATH_MAX];
	size_t i;
	int zero, e;

	while ((i = atomic_fetch_add(&p->next, 1)) < p->n) {
		if (snprintf(dir, sizeof(dir), NODE_LXC_DIR "/%s/%s", p->exp,
			     p->names[i]) >= (int)sizeof(dir))
			e = -ENAMETOOLONG;
		else
			e = node_dir_remove(dir);
		zero = 0;
		if (e < 0)
			atomic_compare_exchange_strong(&p->err, &zero, e);
	}
	return NULL;
}

/* The names in NODE_LXC_DIR/EXP into P (P->names, P->n). */
static int files_list(struct files_pool *p)
{
	char dir[PATH_MAX];
	struct dirent *de;
	size_t cap = 0;
	char **grown;
	int err = 0;
	DIR *d;

	snprintf(dir, sizeof(dir), NODE_LXC_DIR "/%s", p->exp);
	d = opendir(dir);
	if (!d)
		return errno == ENOENT ? 0 : -errno;
	while ((de = readdir(d)) && err == 0) {
		if (de->d_name[0] == '.')
			continue;
		if (p->n == cap) {
			cap = cap ? 2 * cap : 64;
			grown = realloc(p->names, cap * sizeof(*grown));
			if (!grown) {
				err = -ENOMEM;
				break;
			}
			p->names = grown;
		}
		p->names[p->n] = strdup(de->d_name);
		if (!p->names[p->n])
			err = -ENOMEM;
		else
			p->n++;
	}
	closedir(d);
	return err;
}

/* rm -rf every NODE_LXC_DIR/EXP/NODE on LXC_FILES_THREADS threads: the
 * rmdir of a mount point just detached waits for an RCU grace period
 * (~15 ms here), and waits of several threads share one. */
static int files_remove_all(const char *exp)
{
	struct files_pool p = { .exp = exp };
	pthread_t th[LXC_FILES_THREADS];
	size_t started = 0, i;
	int err;

	atomic_init(&p.next, 0);
	atomic_init(&p.err, 0);
	err = files_list(&p);
	if (err < 0)
		goto out;
	for (i = 1; i < LXC_FILES_THREADS && i < p.n; i++) {
		if (pthread_create(&th[started], NULL, files_thread, &p) != 0)
			break;  /* fewer threads, same result */
		started++;
	}
	files_thread(&p);
	for (i = 0; i < started; i++)
		pthread_join(th[i], NULL);
	err = atomic_load(&p.err);
out:
	for (i = 0; i < p.n; i++)
		free(p.names[i]);
	free(p.names);
	return err;
}

/* Remove every NODE_LXC_DIR/EXP/NODE directory, then the EXP one: every
 * overlay detached first, then the directories removed in parallel. */
static int files_sweep(const char *exp)
{
	char dir[PATH_MAX];
	int err;

	err = files_each(exp, node_var_umount);
	if (err == 0)
		err = files_remove_all(exp);
	if (err < 0)
		goto out;
	snprintf(dir, sizeof(dir), NODE_LXC_DIR "/%s", exp);
	if (rmdir(dir) != 0 && errno != ENOENT)
		err = -errno;
	else
		rmdir(NODE_LXC_DIR);    /* fails while another experiment has one */
out:
	return err;
}

/* Entries of DIR whose name starts with PREFIX (and ends with SUFFIX if
 * not NULL); 0 if DIR does not exist. */
static int count_entries(const char *dir, const char *prefix,
			 const char *suffix)
{
	size_t plen = strlen(prefix);
	struct dirent *de;
	int n = 0;
	DIR *d = opendir(dir);

	if (!d)
		return 0;
	while ((de = readdir(d))) {
		size_t len = strlen(de->d_name);

		if (de->d_name[0] == '.' || strncmp(de->d_name, prefix, plen))
			continue;
		if (suffix && (len < strlen(suffix) ||
			       strcmp(de->d_name + len - strlen(suffix), suffix)))
			continue;
		n++;
	}
	closedir(d);
	return n;
}

/* What libvirt 9.0 leaves in its state directory for a destroyed domain
 * (empty .dev, .devpts, .fuse directories, a .sock): remove those of the
 * domains starting with PREFIX once no .pid says one still runs. */
static void libvirt_droppings_remove(const char *prefix)
{
	size_t plen = strlen(prefix);
	char path[PATH_MAX];
	struct dirent *de;
	DIR *d;

	if (count_entries(LXC_PID_DIR, prefix, ".pid") > 0)
		return;
	d = opendir(LXC_PID_DIR);
	if (!d)
		return;
	while ((de = readdir(d))) {
		if (strncmp(de->d_name, prefix, plen) != 0 ||
		    snprintf(path, sizeof(path), LXC_PID_DIR "/%s",
			     de->d_name) >= (int)sizeof(path))
			continue;
		if (rmdir(path) != 0 && errno == ENOTDIR)
			unlink(path);
	}
	closedir(d);
}

/* `ip link del` the host end of each lxc node of W: its eth0 goes with it
 * at once, instead of when the kernel frees a namespace the domain's
 * controller held until it exited. */
static int host_ends_del(struct emu *emu, const struct world *w)
{
	struct link_batch b;
	size_t i;
	int err = 0;

	link_batch_init(&b, emu_nl(emu));
	for (i = 0; i < w->n_nodes && err == 0; i++)
		if (w->nodes[i].ops == &node_lxc_ops)
			err = link_del(&b, w->nodes[i].host_if);
	if (err == 0)
		err = link_batch_flush(&b);
	else
		link_batch_flush(&b);
	return err;
}

/* `enos fault cpu|memory` on a container, as
 *   virsh -c lxc:/// schedinfo enos.EXP.NODE --live vcpu_quota=10000
 *   virsh -c lxc:/// setmem enos.EXP.NODE 262144 --live
 * 0 is what the domain XML would say without a profile: its cpus whole
 * (or no quota), its default memory. */
static int lxc_set_limits(struct emu *emu, const struct world *w,
			  const struct world_node *n, uint32_t cpu_milli,
			  uint64_t memory)
{
	int64_t quota = cpu_milli ?
			(int64_t)cpu_milli * LXC_CFS_PERIOD / 1000 :
			n->cpus ? (int64_t)n->cpus * LXC_CFS_PERIOD : -1;
	int err;
	(void)w;

	err = virt_domain_set_quota(emu, VIRT_LXC_URI, n->netns,
				    LXC_CFS_PERIOD, quota);
	if (err == 0)
		err = virt_domain_set_memory(emu, VIRT_LXC_URI, n->netns,
					     memory ? memory :
					     n->memory_bytes ? n->memory_bytes :
					     NODE_LXC_MEMORY_DEFAULT);
	return err;
}

/* `enos fault freeze|thaw`: virsh -c lxc:/// suspend|resume enos.EXP.NODE */
static int lxc_freeze(struct emu *emu, const struct world *w,
		      const struct world_node *n, bool frozen)
{
	(void)w;
	return virt_domain_suspend(emu, VIRT_LXC_URI, n->netns, frozen);
}

/* `enos fault crash`: every process of the container but its init (which
 * libvirt would take for the domain's end), from the cgroup.procs of the
 * init's memory cgroup, those in the init's pid namespace, as
 *   kill -9 $(grep -vx INIT /sys/fs/cgroup/memory/machine/...lxc.../cgroup.procs) */
static int lxc_kill_all(struct emu *emu, const struct world *w,
			const struct world_node *n, size_t *killed)
{
	char path[PATH_MAX], line[PATH_MAX], *text = NULL, *p, *end;
	int init = node_lxc_init_pid(n->netns), err = -ENOENT;
	struct stat ns;
	size_t len;
	FILE *f;
	(void)w;

	*killed = 0;
	if (init < 0) {
		emu_seterr(emu, "node '%s': its container's init is not running",
			   n->name);
		return init;
	}
	snprintf(path, sizeof(path), "/proc/%d/cgroup", init);
	f = fopen(path, "re");
	path[0] = '\0';
	while (f && fgets(line, sizeof(line), f)) {
		char *ctrl = strchr(line, ':'), *cg = ctrl ? strchr(ctrl + 1, ':') : NULL;

		if (!cg)
			continue;
		*cg++ = '\0';
		cg[strcspn(cg, "\n")] = '\0';
		ctrl++;
		/* v1 memory, else cgroup2's one line. */
		if (!strcmp(ctrl, "memory") || (!*ctrl && !path[0]))
			snprintf(path, sizeof(path), "/sys/fs/cgroup/%s%s/cgroup.procs",
				 *ctrl ? ctrl : "unified", cg);
	}
	if (f)
		fclose(f);
	if (path[0])
		err = fs_read_file(path, 1u << 20, &text, &len);
	/* The cgroup holds libvirt's controller too (libvirt_lxc, in the
	 * host's pid namespace): only the container's own processes go. */
	snprintf(line, sizeof(line), "/proc/%d/ns/pid", init);
	if (err == 0 && stat(line, &ns) < 0)
		err = -errno;
	for (p = text; err == 0 && p && *p; p = end) {
		long pid = strtol(p, &end, 10);
		struct stat pns;

		if (end == p)
			break;
		snprintf(line, sizeof(line), "/proc/%ld/ns/pid", pid);
		if (pid > 1 && pid != init && stat(line, &pns) == 0 &&
		    pns.st_ino == ns.st_ino && pns.st_dev == ns.st_dev &&
		    kill((pid_t)pid, SIGKILL) == 0)
			(*killed)++;
	}
	free(text);
	if (err < 0)
		emu_seterr(emu, "node '%s': cannot read its container's processes (%s): %s",
			   n->name, path[0] ? path : "/proc/INIT/cgroup",
			   strerror(-err));
	return err;
}

static int lxc_sweep(struct emu *emu, const struct world *w)
{
	char prefix[WORLD_NETNS_MAX];
	int err;

	world_netns_prefix(w->name, prefix, sizeof(prefix));
	/* libvirt_lxc controllers outlive libvirtd: without one to ask,
	 * a domain left running would go unnoticed. */
	if (virt_daemon_running(VIRT_LIBVIRTD) == 0 &&
	    count_entries(LXC_PID_DIR, prefix, ".pid") > 0) {
		emu_seterr(emu, "libvirtd is not running but domains '%s*' are",
			   prefix);
		return -ECONNREFUSED;
	}
	err = virt_domain_sweep(emu, VIRT_LXC_URI, prefix);
	if (err >= 0)
		err = files_sweep(w->name);
	if (err >= 0)
		err = host_ends_del(emu, w);
	libvirt_droppings_remove(prefix);
	return err;
}

static int lxc_leftovers(struct emu *emu, const struct world *w)
{
	char prefix[WORLD_NETNS_MAX], dir[PATH_MAX];
	int doms, files;

	world_netns_prefix(w->name, prefix, sizeof(prefix));
	doms = virt_domain_count(emu, VIRT_LXC_URI, prefix);
	if (doms < 0)
		return doms;
	if (doms == 0)
		doms = count_entries(LXC_PID_DIR, prefix, ".pid");
	snprintf(dir, sizeof(dir), NODE_LXC_DIR "/%s", w->name);
	files = access(dir, F_OK) == 0 ? 1 + count_entries(dir, "", NULL) : 0;
	return doms + files;
}

/* cpu and memory are libvirt's; pids needs the host's pids controller
 * (lxc_pids). */
static int lxc_limits_supported(uint32_t cpu_milli, uint64_t memory,
				uint64_t pids, char *why, size_t len)
{
	struct cgroup_limits l = { 0, 0, pids };
	struct cgroup_host h;
	(void)cpu_milli;
	(void)memory;

	if (!pids)
		return 0;
	if (cgroup_detect(&h) < 0) {
		snprintf(why, len, "cgroup mounts (/proc/self/mountinfo unreadable)");
		return -ENOTSUP;
	}
	return cgroup_supports(&h, &l, why, len);
}

/* libvirt's LXC driver (caps.c); and, where libvirt 9.0 cannot start a
 * domain until the hugetlb cgroup is moved (virt_hugetlb_needs_fix()),
 * a note that up does that first. */
static int lxc_supported(char *why, size_t len)
{
	struct caps caps;

	why[0] = '\0';
	caps_probe(&caps);
	if (!caps.libvirt_lxc.found) {
		snprintf(why, len, "libvirt's LXC driver: %s", caps.libvirt_lxc.why);
		return -ENOTSUP;
	}
	if (virt_hugetlb_needs_fix(NULL))
		snprintf(why, len, "libvirt 9.0 cannot start LXC domains while /sys/fs/cgroup/unified holds hugetlb; 'enos up' mounts it as a cgroup v1 hierarchy first (mount -t cgroup -o hugetlb cgroup /sys/fs/cgroup/hugetlb)");
	return 0;
}

const struct node_ops node_lxc_ops = {
	.name = "lxc",
	.limits = NODE_LIMIT_CPU | NODE_LIMIT_MEMORY | NODE_LIMIT_PIDS,
	.limits_supported = lxc_limits_supported,
	.needs = BACKEND_NEEDS_LIBVIRT,
	.supported = lxc_supported,
	.create = lxc_node_create,
	.start = lxc_node_start,
	.destroy = lxc_node_destroy,
	.exec = lxc_node_exec,
	.spawn = lxc_node_spawn,
	.set_limits = lxc_set_limits,
	.freeze = lxc_freeze,
	.kill_all = lxc_kill_all,
	.sweep = lxc_sweep,
	.leftovers = lxc_leftovers,
	/* The domain's libvirt_lxc controller and init (bench-backends: 23
	 * MiB per node); its memory is a limit, not a reservation. */
	.host_bytes = NODE_NETNS_HOST_BYTES + (23ull << 20),
};
