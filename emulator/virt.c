/* virt — libvirt plumbing for the libvirt node backends; see virt.h.
 *
 * Why the C API and not virsh: one connection serves every domain of a
 * world (virsh costs a process and a connection per command), and
 * libvirt's error message comes back with the failure.
 *
 * The daemons are started here without -d, so the pid fork() returns is
 * the daemon's own; they also write /run/DAEMON.pid, which is how one
 * started by an enos that was killed before recording the pid is found.
 * enos/ decides which ones it may stop, by pid only.
 */
#include "emulator/virt.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/magic.h>

#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

#include "emulator/emu.h"
#include "emulator/proc.h"

#define VIRT_MAX_CONNS          4       /* URIs */
/* Connections per URI, handed out in turn: libvirtd serves at most
 * max_client_requests (default 5) calls of one connection at a time and
 * queues the rest, so parallel creates and destroys need several. */
#define VIRT_CONNS_PER_URI      4
/* Threads of virt_domain_sweep(): libvirtd's default max_workers is 20,
 * and each LXC destroy spends most of its time in libvirt's 200 ms poll
 * of the domain's cgroup (virCgroupKillPainfully), not on a CPU. */
#define VIRT_SWEEP_THREADS      16
#define VIRT_START_MS           15000
#define VIRT_STOP_MS            10000
#define VIRT_SBIN               "/usr/sbin"
#define VIRT_SOCK_DIR           "/run/libvirt"
#define VIRT_CGROUP_ROOT        "/sys/fs/cgroup"
#define VIRT_LOG_DIR            "/var/log/libvirt"

struct virt_conn_slot {
	char *uri;
	virConnectPtr conns[VIRT_CONNS_PER_URI];   /* opened on first use */
	size_t next;            /* the one the next caller gets */
};

struct virt {
	pthread_mutex_t lock;   /* the slots, opened from world_up()'s threads */
	struct virt_conn_slot slots[VIRT_MAX_CONNS];
};

/* libvirt's default handler prints every error to stderr; the emulator
 * never prints, and each caller reads virGetLastErrorMessage() instead. */
static void silent_error(void *arg, virErrorPtr err)
{
	(void)arg;
	(void)err;
}

int virt_new(struct virt **out)
{
	struct virt *v = calloc(1, sizeof(*v));

	*out = NULL;
	if (!v)
		return -ENOMEM;
	pthread_mutex_init(&v->lock, NULL);
	virSetErrorFunc(NULL, silent_error);
	*out = v;
	return 0;
}

/* Close SLOT's connections and forget its URI. */
static void slot_close(struct virt_conn_slot *slot)
{
	size_t k;

	for (k = 0; k < VIRT_CONNS_PER_URI; k++) {
		if (slot->conns[k])
			virConnectClose(slot->conns[k]);
		slot->conns[k] = NULL;
	}
	free(slot->uri);
	slot->uri = NULL;
	slot->next = 0;
}

void virt_free(struct virt *v)
{
	size_t i;

	if (!v)
		return;
	for (i = 0; i < VIRT_MAX_CONNS; i++)
		slot_close(&v->slots[i]);
	pthread_mutex_destroy(&v->lock);
	free(v);
}

/* Store libvirt's last error, prefixed by WHAT, in EMU; return the errno
 * that best says what kind of failure it was. */
static int virt_error(struct emu *emu, const char *what)
{
	virErrorPtr e = virGetLastError();
	int err = -EIO;

	if (e && e->code == VIR_ERR_NO_DOMAIN)
		err = -ENOENT;
	else if (e && e->code == VIR_ERR_OPERATION_INVALID)
		err = -EINVAL;
	else if (e && (e->code == VIR_ERR_NO_CONNECT ||
		       e->code == VIR_ERR_SYSTEM_ERROR) &&
		 e->domain == VIR_FROM_RPC)
		err = -ECONNREFUSED;
	emu_seterr(emu, "%s: %s", what, virGetLastErrorMessage());
	return err;
}

/* The pid file of DAEMON, /run/DAEMON.pid, into BUF. */
static const char *pidfile_path(const char *daemon, char *buf, size_t len)
{
	snprintf(buf, len, "/run/%s.pid", daemon);
	return buf;
}

int virt_daemon_running(const char *daemon)
{
	char path[128];

	return proc_daemon_pid(pidfile_path(daemon, path, sizeof(path)),
			       daemon);
}

/* Does the unix socket PATH accept a connection? */
static bool sock_serves(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	bool yes;
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path))
		return false;
	memcpy(sa.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return false;
	yes = connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0;
	close(fd);
	return yes;
}

/* The child: a session of its own, then exec. Exits 127 on failure. */
static void daemon_child(const char *prog, const char *daemon)
{
	char log[128];
	int fd;

	proc_child_prepare();
	setsid();
	fd = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (fd >= 0) {
		dup2(fd, 0);
		dup2(fd, 1);
	}
	snprintf(log, sizeof(log), "/var/log/enos-%s.log", daemon);
	fd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
	if (fd >= 0)
		dup2(fd, 2);
	execl(prog, daemon, (char *)NULL);
	_exit(127);
}

int virt_daemon_start(const char *daemon, int *pid)
{
	char prog[128], sock[128];
	unsigned waited;
	pid_t child;
	int st, err = 0;

	*pid = 0;
	snprintf(prog, sizeof(prog), VIRT_SBIN "/%s", daemon);
	snprintf(sock, sizeof(sock), VIRT_SOCK_DIR "/%s-sock",
		 strcmp(daemon, VIRT_LIBVIRTD) == 0 ? "libvirt" : daemon);
	if (access(prog, X_OK) != 0) {
		err = -errno;
		goto out;
	}
	child = fork();
	if (child < 0) {
		err = -errno;
		goto out;
	}
	if (child == 0)
		daemon_child(prog, daemon);
	*pid = child;
	for (waited = 0; !sock_serves(sock); waited += 20) {
		if (waitpid(child, &st, WNOHANG) == child) {
			err = -ECHILD;
			goto out;
		}
		if (waited >= VIRT_START_MS) {
			err = -ETIMEDOUT;
			goto out;
		}
		proc_sleep_ms(20);
	}
out:
	return err;
}

int virt_daemon_stop(const char *daemon, int pid)
{
	char path[128];

	return proc_daemon_stop(pidfile_path(daemon, path, sizeof(path)),
				daemon, pid, VIRT_STOP_MS);
}

/* Does file PATH contain the word WORD (space or newline separated)? */
static bool file_has_word(const char *path, const char *word)
{
	char buf[1024];
	size_t len = strlen(word);
	const char *p;
	bool yes = false;
	ssize_t r;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		goto out;
	r = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (r <= 0)
		goto out;
	buf[r] = '\0';
	for (p = buf; (p = strstr(p, word)); p += len)
		if ((p == buf || p[-1] == ' ' || p[-1] == '\n') &&
		    (p[len] == ' ' || p[len] == '\n' || p[len] == '\0'))
			yes = true;
out:
	return yes;
}

bool virt_hugetlb_needs_fix(const char *root)
{
	char path[256];
	struct statfs sf;

	if (!root)
		root = VIRT_CGROUP_ROOT;
	/* Only the hybrid layout: a pure cgroup2 host is fine. */
	if (statfs(root, &sf) != 0 || sf.f_type == CGROUP2_SUPER_MAGIC)
		return false;
	snprintf(path, sizeof(path), "%s/unified/cgroup.controllers", root);
	return file_has_word(path, "hugetlb");
}

int virt_hugetlb_fix(void)
{
	const char *dir = VIRT_CGROUP_ROOT "/hugetlb";
	int err = 0;

	if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
		err = -errno;
		goto out;
	}
	if (mount("cgroup", dir, "cgroup", MS_NOSUID | MS_NODEV | MS_NOEXEC,
		  "hugetlb") != 0 && errno != EBUSY)
		err = -errno;
out:
	return err;
}

void virt_disconnect(struct emu *emu)
{
	struct virt *v = emu_virt(emu);
	size_t i;

	if (!v)
		return;
	pthread_mutex_lock(&v->lock);
	for (i = 0; i < VIRT_MAX_CONNS; i++)
		slot_close(&v->slots[i]);
	pthread_mutex_unlock(&v->lock);
}

/* The connection to URI that SLOT hands out next, opened if it is not
 * yet; called with the lock held. */
static int slot_next(struct emu *emu, struct virt_conn_slot *slot,
		     const char *uri, void **conn)
{
	size_t k = slot->next;
	char what[128];
	int err = 0;

	if (!slot->conns[k])
		slot->conns[k] = virConnectOpen(uri);
	if (!slot->conns[k]) {
		snprintf(what, sizeof(what), "cannot connect to '%s'", uri);
		err = virt_error(emu, what);
		if (err == -EIO)
			err = -ECONNREFUSED;
		goto out;
	}
	slot->next = (k + 1) % VIRT_CONNS_PER_URI;
	*conn = slot->conns[k];
out:
	return err;
}

int virt_conn(struct emu *emu, const char *uri, void **conn)
{
	struct virt *v = emu_virt(emu);
	struct virt_conn_slot *slot = NULL;
	size_t i;
	int err = 0;

	*conn = NULL;
	if (!v)
		return -ENOMEM;
	pthread_mutex_lock(&v->lock);
	for (i = 0; i < VIRT_MAX_CONNS && !slot; i++)
		if (v->slots[i].uri && strcmp(v->slots[i].uri, uri) == 0)
			slot = &v->slots[i];
	for (i = 0; i < VIRT_MAX_CONNS && !slot; i++) {
		if (v->slots[i].uri)
			continue;
		v->slots[i].uri = strdup(uri);
		if (!v->slots[i].uri) {
			err = -ENOMEM;
			goto out;
		}
		slot = &v->slots[i];
	}
	if (!slot) {
		err = -EMFILE;
		goto out;
	}
	err = slot_next(emu, slot, uri, conn);
out:
	pthread_mutex_unlock(&v->lock);
	return err;
}

/* Is a libvirt daemon there to ask at all? Without one there is nothing
 * to sweep or count, and connecting would only fail. */
static bool daemon_socket(const char *uri)
{
	(void)uri;
	return access(VIRT_SOCK_DIR "/libvirt-sock", F_OK) == 0;
}

void virt_xml_text(FILE *f, const char *text)
{
	for (; text && *text; text++) {
		switch (*text) {
		case '&': fputs("&amp;", f); break;
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '\'': fputs("&apos;", f); break;
		case '"': fputs("&quot;", f); break;
		default: fputc(*text, f); break;
		}
	}
}

int virt_domain_create(struct emu *emu, const char *uri, const char *xml)
{
	virDomainPtr dom = NULL;
	void *conn;
	int err;

	err = virt_conn(emu, uri, &conn);
	if (err < 0)
		goto out;
	dom = virDomainCreateXML(conn, xml, 0);
	if (!dom)
		err = virt_error(emu, "virDomainCreateXML");
out:
	if (dom)
		virDomainFree(dom);
	return err;
}

/* Destroy DOM and undefine it if it is persistent. */
static const char *const log_drivers[] = { "lxc", "qemu" };

/* The log libvirt keeps of domain NAME under each driver, which outlives
 * the domain: rm -f /var/log/libvirt/{lxc,qemu}/NAME.log */
static void domain_logs_remove(const char *name)
{
	char path[PATH_MAX];
	size_t i;

	for (i = 0; i < sizeof(log_drivers) / sizeof(log_drivers[0]); i++) {
		snprintf(path, sizeof(path), VIRT_LOG_DIR "/%s/%s.log",
			 log_drivers[i], name);
		unlink(path);
	}
}

/* The logs of domains named PREFIX* that are gone, a crash's included:
 * rm -f /var/log/libvirt/{lxc,qemu}/PREFIX*.log */
static void logs_sweep(const char *prefix)
{
	char path[PATH_MAX];
	struct dirent *de;
	size_t i, len = strlen(prefix);
	DIR *d;

	for (i = 0; i < sizeof(log_drivers) / sizeof(log_drivers[0]); i++) {
		snprintf(path, sizeof(path), VIRT_LOG_DIR "/%s", log_drivers[i]);
		d = opendir(path);
		if (!d)
			continue;
		while ((de = readdir(d)))
			if (strncmp(de->d_name, prefix, len) == 0)
				unlinkat(dirfd(d), de->d_name, 0);
		closedir(d);
	}
}

static int domain_remove(struct emu *emu, virDomainPtr dom)
{
	char what[160];
	int err = 0;

	snprintf(what, sizeof(what), "destroying '%s'", virDomainGetName(dom));
	if (virDomainIsActive(dom) == 1 && virDomainDestroy(dom) < 0) {
		err = virt_error(emu, what);
		/* Stopped meanwhile, or gone: already done. */
		if (err == -EINVAL || err == -ENOENT)
			err = 0;
	}
	if (err == 0 && virDomainIsPersistent(dom) == 1 &&
	    virDomainUndefine(dom) < 0) {
		err = virt_error(emu, what);
		if (err == -ENOENT)
			err = 0;
	}
	if (err == 0)
		domain_logs_remove(virDomainGetName(dom));
	return err;
}

int virt_domain_destroy(struct emu *emu, const char *uri, const char *name)
{
	virDomainPtr dom = NULL;
	void *conn;
	int err;

	err = virt_conn(emu, uri, &conn);
	if (err < 0)
		goto out;
	dom = virDomainLookupByName(conn, name);
	if (!dom) {
		err = virt_error(emu, name);
		if (err == -ENOENT)
			err = 0;
		goto out;
	}
	err = domain_remove(emu, dom);
out:
	if (dom)
		virDomainFree(dom);
	return err;
}

/* Domain NAME of URI into *DOM (virDomainFree it). */
static int domain_lookup(struct emu *emu, const char *uri, const char *name,
			 virDomainPtr *dom)
{
	void *conn;
	int err = virt_conn(emu, uri, &conn);

	*dom = NULL;
	if (err < 0)
		return err;
	*dom = virDomainLookupByName(conn, name);
	return *dom ? 0 : virt_error(emu, name);
}

int virt_domain_suspend(struct emu *emu, const char *uri, const char *name,
			bool suspend)
{
	virDomainPtr dom = NULL;
	int err = domain_lookup(emu, uri, name, &dom), state = 0, reason;
	char what[160];

	if (err < 0)
		goto out;
	if (virDomainGetState(dom, &state, &reason, 0) < 0) {
		err = virt_error(emu, name);
		goto out;
	}
	if ((state == VIR_DOMAIN_PAUSED) == suspend)
		goto out;
	snprintf(what, sizeof(what), "%s '%s'", suspend ? "suspending" :
		 "resuming", name);
	if ((suspend ? virDomainSuspend(dom) : virDomainResume(dom)) < 0)
		err = virt_error(emu, what);
out:
	if (dom)
		virDomainFree(dom);
	return err;
}

int virt_domain_set_memory(struct emu *emu, const char *uri, const char *name,
			   uint64_t bytes)
{
	virDomainPtr dom = NULL;
	int err = domain_lookup(emu, uri, name, &dom);
	char what[160];

	snprintf(what, sizeof(what), "setting the memory of '%s'", name);
	if (err == 0 && virDomainSetMemoryFlags(dom, bytes >> 10,
						VIR_DOMAIN_AFFECT_LIVE) < 0)
		err = virt_error(emu, what);
	if (dom)
		virDomainFree(dom);
	return err;
}

int virt_domain_set_quota(struct emu *emu, const char *uri, const char *name,
			  uint64_t period_us, int64_t quota_us)
{
	virTypedParameter p[2];
	virDomainPtr dom = NULL;
	int err = domain_lookup(emu, uri, name, &dom);
	char what[160];

	memset(p, 0, sizeof(p));
	snprintf(p[0].field, sizeof(p[0].field), "%s",
		 VIR_DOMAIN_SCHEDULER_VCPU_PERIOD);
	p[0].type = VIR_TYPED_PARAM_ULLONG;
	p[0].value.ul = period_us;
	snprintf(p[1].field, sizeof(p[1].field), "%s",
		 VIR_DOMAIN_SCHEDULER_VCPU_QUOTA);
	p[1].type = VIR_TYPED_PARAM_LLONG;
	p[1].value.l = quota_us;
	snprintf(what, sizeof(what), "setting the CPU quota of '%s'", name);
	if (err == 0 && virDomainSetSchedulerParametersFlags(dom, p, 2,
						VIR_DOMAIN_AFFECT_LIVE) < 0)
		err = virt_error(emu, what);
	if (dom)
		virDomainFree(dom);
	return err;
}

/* The domains of URI whose names start with PREFIX into *DOMS (*N of them;
 * virDomainFree each, free the array). */
static int domains_with_prefix(struct emu *emu, const char *uri,
			       const char *prefix, virDomainPtr **doms,
			       size_t *n)
{
	virDomainPtr *all = NULL;
	size_t len = strlen(prefix), k = 0;
	void *conn;
	int i, got, err;

	*doms = NULL;
	*n = 0;
	err = virt_conn(emu, uri, &conn);
	if (err < 0)
		goto out;
	got = virConnectListAllDomains(conn, &all, 0);
	if (got < 0) {
		err = virt_error(emu, "virConnectListAllDomains");
		goto out;
	}
	for (i = 0; i < got; i++) {
		if (strncmp(virDomainGetName(all[i]), prefix, len) == 0)
			all[k++] = all[i];
		else
			virDomainFree(all[i]);
	}
	*doms = all;
	*n = k;
	all = NULL;
out:
	free(all);
	return err;
}

/* Shared by the threads of virt_domain_sweep(). */
struct sweep_pool {
	struct emu *emu;
	const char *uri;
	char **names;
	size_t n;
	atomic_size_t next;     /* next name to take */
	atomic_int err;         /* first failure */
};

static void *sweep_thread(void *arg)
{
	struct sweep_pool *p = arg;
	size_t i;
	int zero, e;

	while ((i = atomic_fetch_add(&p->next, 1)) < p->n) {
		e = virt_domain_destroy(p->emu, p->uri, p->names[i]);
		zero = 0;
		if (e < 0)
			atomic_compare_exchange_strong(&p->err, &zero, e);
	}
	return NULL;
}

/* Destroy the domains P->names on up to VIRT_SWEEP_THREADS threads (this
 * one included): libvirt's destroy of an LXC domain mostly waits, so
 * they overlap well. Returns 0 or the first failure. */
static int sweep_parallel(struct sweep_pool *p)
{
	pthread_t th[VIRT_SWEEP_THREADS];
	size_t started = 0, i;

	atomic_init(&p->next, 0);
	atomic_init(&p->err, 0);
	for (i = 1; i < VIRT_SWEEP_THREADS && i < p->n; i++) {
		if (pthread_create(&th[started], NULL, sweep_thread, p) != 0)
			break;  /* fewer threads, same result */
		started++;
	}
	sweep_thread(p);
	for (i = 0; i < started; i++)
		pthread_join(th[i], NULL);
	return atomic_load(&p->err);
}

int virt_domain_sweep(struct emu *emu, const char *uri, const char *prefix)
{
	struct sweep_pool p = { .emu = emu, .uri = uri };
	virDomainPtr *doms = NULL;
	size_t n = 0, i;
	int err = 0;

	if (!daemon_socket(uri))
		goto out;
	err = domains_with_prefix(emu, uri, prefix, &doms, &n);
	if (err < 0)
		goto out;
	p.names = calloc(n ? n : 1, sizeof(*p.names));
	if (!p.names) {
		err = -ENOMEM;
		goto out;
	}
	for (i = 0; i < n; i++) {
		p.names[i] = strdup(virDomainGetName(doms[i]));
		if (!p.names[i]) {
			err = -ENOMEM;
			goto out;
		}
	}
	p.n = n;
	err = sweep_parallel(&p);
	if (err == 0)
		err = (int)n;
out:
	if (err >= 0 && *prefix)
		logs_sweep(prefix);
	for (i = 0; i < n; i++) {
		if (p.names)
			free(p.names[i]);
		virDomainFree(doms[i]);
	}
	free(p.names);
	free(doms);
	return err;
}

int virt_domain_count(struct emu *emu, const char *uri, const char *prefix)
{
	virDomainPtr *doms = NULL;
	size_t n = 0, i;
	int err = 0;

	if (!daemon_socket(uri))
		goto out;
	err = domains_with_prefix(emu, uri, prefix, &doms, &n);
	for (i = 0; i < n; i++)
		virDomainFree(doms[i]);
	if (err == 0)
		err = (int)n;
out:
	free(doms);
	return err;
}
