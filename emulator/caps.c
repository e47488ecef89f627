/* caps — capability detection for enos; see caps.h.
 *
 * Programs are looked up on $PATH plus the sbin directories (a non-root
 * PATH often lacks them). Kernel features are tested by doing the real
 * thing where it is cheap: the qdisc tests add the qdisc with a raw
 * RTM_NEWQDISC in a throwaway network namespace made by a forked child, so
 * the host is never touched, and the kernel's own answer (with its extended
 * ack message) becomes the reason. The child does only system calls and
 * sends raw results up a pipe; the parent formats them.
 */
#include "emulator/caps.h"

#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <net/if.h>
#include <sched.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/kvm.h>
#include <linux/netlink.h>
#include <linux/pkt_sched.h>
#include <linux/rtnetlink.h>

/* Directories searched after $PATH. */
static const char *const extra_path = "/usr/local/sbin:/usr/sbin:/sbin";

/* Where Debian and others keep the libvirt LXC helper. */
static const char *const lxc_helpers[] = {
	"/usr/lib/libvirt/libvirt_lxc",
	"/usr/libexec/libvirt_lxc",
	"/usr/lib64/libvirt/libvirt_lxc",
};

enum qdisc_probe { QP_NETEM, QP_HTB, QP_COUNT };

static const char *const qp_kind[QP_COUNT] = { "netem", "htb" };

/* What the child reports for one qdisc. */
struct qdisc_result {
	int stage;              /* QS_* */
	int err;                /* errno, 0 on success */
	char ext[160];          /* kernel extended ack message, or "" */
};

enum { QS_OK, QS_UNSHARE, QS_SOCKET, QS_NETLINK };

struct child_report {
	int unshare_err;        /* errno of unshare, 0 if in a new netns */
	bool userns;            /* needed a user namespace (not root) */
	struct qdisc_result q[QP_COUNT];
};

static const struct {
	const char *name;
	size_t off;
} cap_table[CAPS_COUNT] = {
	{ "netem", offsetof(struct caps, netem) },
	{ "htb", offsetof(struct caps, htb) },
	{ "ovs", offsetof(struct caps, ovs) },
	{ "libvirt-lxc", offsetof(struct caps, libvirt_lxc) },
	{ "libvirt-qemu", offsetof(struct caps, libvirt_qemu) },
	{ "kvm", offsetof(struct caps, kvm) },
	{ "mininet", offsetof(struct caps, mininet) },
};

const struct cap *caps_at(const struct caps *c, size_t i, const char **name)
{
	const struct cap *f = NULL;

	if (c && i < CAPS_COUNT) {
		f = (const struct cap *)((const char *)c + cap_table[i].off);
		if (name)
			*name = cap_table[i].name;
	}
	return f;
}

static void cap_set(struct cap *c, bool found, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void cap_set(struct cap *c, bool found, const char *fmt, ...)
{
	va_list ap;

	c->found = found;
	va_start(ap, fmt);
	vsnprintf(c->why, sizeof(c->why), fmt, ap);
	va_end(ap);
}

static bool is_exec_file(const char *path)
{
	struct stat sb;

	return stat(path, &sb) == 0 && S_ISREG(sb.st_mode) &&
	       access(path, X_OK) == 0;
}

/* Search LIST (colon-separated directories) for NAME. */
static bool find_in(const char *list, const char *name, char *out, size_t len)
{
	const char *p = list, *end;
	bool found = false;
	int n;

	while (!found && p && *p) {
		end = strchr(p, ':');
		if (!end)
			end = p + strlen(p);
		if (end > p) {
			n = snprintf(out, len, "%.*s/%s", (int)(end - p), p, name);
			found = n > 0 && (size_t)n < len && is_exec_file(out);
		}
		p = *end ? end + 1 : end;
	}
	return found;
}

/* Find program NAME on $PATH or in the sbin directories; its path into
 * OUT. */
static bool find_program(const char *name, char *out, size_t len)
{
	const char *path = getenv("PATH");

	return (path && find_in(path, name, out, len)) ||
	       find_in(extra_path, name, out, len);
}

static bool path_exists(const char *path)
{
	return access(path, F_OK) == 0;
}

/* The child: enter a throwaway network namespace and try each qdisc. Only
 * system calls here: the parent may have had other threads. */
static int nl_qdisc(int fd, int type, int flags, const char *kind,
		    struct qdisc_result *r);

static void child_probe(int wfd) __attribute__((noreturn));

static void child_probe(int wfd)
{
	struct child_report rep;
	int fd = -1;
	size_t i;

	memset(&rep, 0, sizeof(rep));
	if (unshare(CLONE_NEWNET) != 0) {
		rep.unshare_err = errno;
		/* Not root: a user namespace of our own may still give the
		 * kernel's real answer. */
		if (unshare(CLONE_NEWUSER | CLONE_NEWNET) == 0) {
			rep.unshare_err = 0;
			rep.userns = true;
		}
	}
	for (i = 0; i < QP_COUNT; i++) {
		if (rep.unshare_err) {
			rep.q[i].stage = QS_UNSHARE;
			rep.q[i].err = rep.unshare_err;
			continue;
		}
		if (fd < 0) {
			fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC,
				    NETLINK_ROUTE);
			if (fd < 0) {
				rep.q[i].stage = QS_SOCKET;
				rep.q[i].err = errno;
				continue;
			}
		}
		/* tc qdisc add dev lo root handle 1: KIND ...; then del. */
		if (nl_qdisc(fd, RTM_NEWQDISC, NLM_F_CREATE | NLM_F_EXCL,
			     qp_kind[i], &rep.q[i]) == 0)
			nl_qdisc(fd, RTM_DELQDISC, 0, qp_kind[i], NULL);
	}
	if (write(wfd, &rep, sizeof(rep)) != (ssize_t)sizeof(rep))
		_exit(1);
	_exit(0);
}

/* Append attribute TYPE with LEN bytes of DATA to message N (of room CAP);
 * returns the attribute, or NULL if it does not fit. */
static struct rtattr *nl_put(struct nlmsghdr *n, size_t cap, int type,
			     const void *data, size_t len)
{
	struct rtattr *a;
	size_t alen = RTA_LENGTH(len);

	if (NLMSG_ALIGN(n->nlmsg_len) + RTA_ALIGN(alen) > cap) {
		a = NULL;
		goto out;
	}
	a = (struct rtattr *)((char *)n + NLMSG_ALIGN(n->nlmsg_len));
	a->rta_type = (unsigned short)type;
	a->rta_len = (unsigned short)alen;
	if (len)
		memcpy(RTA_DATA(a), data, len);
	n->nlmsg_len = NLMSG_ALIGN(n->nlmsg_len) + RTA_ALIGN(alen);
out:
	return a;
}

/* Copy the extended ack message of error message H (LEN bytes) into R. */
static void nl_ext_ack(const struct nlmsghdr *h, size_t len,
		       struct qdisc_result *r)
{
	const struct nlmsgerr *e = NLMSG_DATA(h);
	size_t off = NLMSG_HDRLEN + sizeof(*e);
	const struct nlattr *a;

	if (!(h->nlmsg_flags & NLM_F_ACK_TLVS))
		return;
	if (!(h->nlmsg_flags & NLM_F_CAPPED))
		off += NLMSG_ALIGN(e->msg.nlmsg_len - NLMSG_HDRLEN);
	while (off + NLA_HDRLEN <= len) {
		a = (const struct nlattr *)((const char *)h + off);
		if (a->nla_len < NLA_HDRLEN || off + a->nla_len > len)
			break;
		if (a->nla_type == NLMSGERR_ATTR_MSG) {
			size_t n = a->nla_len - NLA_HDRLEN;
			const char *s = (const char *)a + NLA_HDRLEN;

			if (n >= sizeof(r->ext))
				n = sizeof(r->ext) - 1;
			memcpy(r->ext, s, n);
			r->ext[n] = '\0';
			n = strlen(r->ext);
			while (n && (r->ext[n - 1] == '.' || r->ext[n - 1] == '\n'))
				r->ext[--n] = '\0';
			return;
		}
		off += NLA_ALIGN(a->nla_len);
	}
}

/* Send one qdisc request for the root of lo and wait for its ack. R (may
 * be NULL) receives the outcome. Returns 0 or -errno. The equivalent of
 * RTM_NEWQDISC is `tc qdisc add dev lo root handle 1: netem limit 1000`
 * or `... htb`. */
static int nl_qdisc(int fd, int type, int flags, const char *kind,
		    struct qdisc_result *r)
{
	union {
		struct nlmsghdr n;
		char buf[512];
	} req, ans;
	struct tcmsg *t;
	struct rtattr *opts;
	struct timeval tv = { .tv_sec = 2 };
	int one = 1, err = 0;
	ssize_t len;

	memset(&req, 0, sizeof(req));
	req.n.nlmsg_len = NLMSG_LENGTH(sizeof(*t));
	req.n.nlmsg_type = (unsigned short)type;
	req.n.nlmsg_flags = (unsigned short)(NLM_F_REQUEST | NLM_F_ACK | flags);
	req.n.nlmsg_seq = 1;
	t = NLMSG_DATA(&req.n);
	t->tcm_family = AF_UNSPEC;
	t->tcm_ifindex = (int)if_nametoindex("lo");
	t->tcm_parent = TC_H_ROOT;
	t->tcm_handle = 1u << 16;
	if (!t->tcm_ifindex)
		t->tcm_ifindex = 1;
	nl_put(&req.n, sizeof(req), TCA_KIND, kind, strlen(kind) + 1);
	/* KIND is the kernel's qdisc kind being probed, not a shaping
	 * backend's name: checksrc: allow backend-name */
	if (type == RTM_NEWQDISC && strcmp(kind, "netem") == 0) {
		struct tc_netem_qopt q = { .limit = 1000 };

		nl_put(&req.n, sizeof(req), TCA_OPTIONS, &q, sizeof(q));
	} else if (type == RTM_NEWQDISC && strcmp(kind, "htb") == 0) {
		struct tc_htb_glob g = { .version = TC_HTB_PROTOVER,
					 .rate2quantum = 10 };

		opts = nl_put(&req.n, sizeof(req), TCA_OPTIONS, NULL, 0);
		nl_put(&req.n, sizeof(req), TCA_HTB_INIT, &g, sizeof(g));
		if (opts)
			opts->rta_len = (unsigned short)((char *)&req.n +
				req.n.nlmsg_len - (char *)opts);
	}
	setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (send(fd, &req, req.n.nlmsg_len, 0) < 0) {
		err = errno;
		goto out;
	}
	for (;;) {
		len = recv(fd, &ans, sizeof(ans), 0);
		if (len < 0) {
			err = errno;
			goto out;
		}
		if ((size_t)len < NLMSG_HDRLEN + sizeof(struct nlmsgerr) ||
		    ans.n.nlmsg_type != NLMSG_ERROR || ans.n.nlmsg_seq != 1)
			continue;
		err = -((struct nlmsgerr *)NLMSG_DATA(&ans.n))->error;
		if (err && r)
			nl_ext_ack(&ans.n, (size_t)len, r);
		break;
	}
out:
	if (r) {
		r->stage = err ? QS_NETLINK : QS_OK;
		r->err = err;
	}
	return -err;
}

/* Run child_probe() in a forked child and collect its report. */
static int run_child(struct child_report *rep)
{
	int fds[2] = { -1, -1 };
	pid_t pid = -1;
	ssize_t got = 0, n;
	int ret = 0, status;

	memset(rep, 0, sizeof(*rep));
	if (pipe2(fds, O_CLOEXEC) != 0) {
		ret = -errno;
		goto out;
	}
	pid = fork();
	if (pid < 0) {
		ret = -errno;
		goto out;
	}
	if (pid == 0) {
		close(fds[0]);
		child_probe(fds[1]);
	}
	close(fds[1]);
	fds[1] = -1;
	while ((size_t)got < sizeof(*rep)) {
		n = read(fds[0], (char *)rep + got, sizeof(*rep) - (size_t)got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += n;
	}
	if ((size_t)got != sizeof(*rep))
		ret = -EPIPE;
out:
	if (pid > 0) {
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
	}
	if (fds[0] >= 0)
		close(fds[0]);
	if (fds[1] >= 0)
		close(fds[1]);
	return ret;
}

/* Is module NAME's file there for kernel REL? */
static bool module_file(const char *rel, const char *name)
{
	char pattern[256];
	glob_t g;
	bool found;

	snprintf(pattern, sizeof(pattern),
		 "/lib/modules/%s/kernel/net/sched/%s.ko*", rel, name);
	found = glob(pattern, GLOB_NOSORT, NULL, &g) == 0 && g.gl_pathc > 0;
	globfree(&g);
	return found;
}

/* Turn the child's answer for qdisc KIND (module sch_KIND) into C. */
static void qdisc_verdict(struct cap *c, const char *kernel, const char *kind,
			  const struct child_report *rep,
			  const struct qdisc_result *r)
{
	char module[32], detail[200];

	snprintf(module, sizeof(module), "sch_%s", kind);
	if (r->ext[0])
		snprintf(detail, sizeof(detail), "RTM_NEWQDISC %s: %s: %s", kind,
			 strerror(r->err), r->ext);
	else
		snprintf(detail, sizeof(detail), "RTM_NEWQDISC %s: %s", kind,
			 strerror(r->err));

	if (r->stage == QS_OK)
		cap_set(c, true, "%s", rep->userns ?
			"tested in a user namespace (not root)" : "");
	else if (r->stage == QS_UNSHARE)
		cap_set(c, false, "needs root to test %s (a throwaway network "
			"namespace): unshare: %s", module, strerror(r->err));
	else if (r->stage == QS_SOCKET)
		cap_set(c, false, "cannot test %s: netlink socket: %s", module,
			strerror(r->err));
	else if (r->err == ENOENT && !path_exists("/proc/modules"))
		cap_set(c, false, "%s missing: kernel %s has no %s and cannot "
			"load modules (%s)", module, kernel, module, detail);
	else if (r->err == ENOENT && !module_file(kernel, module))
		cap_set(c, false, "%s missing: kernel %s has no %s built in and "
			"no module for it (%s)", module, kernel, module, detail);
	else if (r->err == ENOENT)
		cap_set(c, false, "%s missing: kernel %s did not load its %s "
			"module (%s)", module, kernel, module, detail);
	else if (r->err == EPERM && rep->userns)
		cap_set(c, false, "needs root to test %s (%s)", module, detail);
	else
		cap_set(c, false, "%s unusable (%s)", module, detail);
}

static void probe_qdiscs(struct caps *c, int *ret)
{
	struct child_report rep;
	int err = run_child(&rep);

	if (err) {
		cap_set(&c->netem, false, "cannot test sch_netem: %s",
			strerror(-err));
		cap_set(&c->htb, false, "cannot test sch_htb: %s",
			strerror(-err));
		*ret = err;
		return;
	}
	qdisc_verdict(&c->netem, c->kernel, "netem", &rep, &rep.q[QP_NETEM]);
	qdisc_verdict(&c->htb, c->kernel, "htb", &rep, &rep.q[QP_HTB]);
}

static void probe_ovs(struct caps *c)
{
	char path[512];
	bool vswitchd = find_program("ovs-vswitchd", path, sizeof(path));
	bool vsctl = find_program("ovs-vsctl", path, sizeof(path));

	c->ovs_kernel = path_exists("/sys/module/openvswitch");
	if (!vswitchd || !vsctl) {
		cap_set(&c->ovs, false, "%s not found in PATH or %s "
			"(apt-get install openvswitch-switch)",
			!vswitchd ? "ovs-vswitchd" : "ovs-vsctl", extra_path);
		return;
	}
	if (c->ovs_kernel)
		cap_set(&c->ovs, true, "%s", "");
	else
		cap_set(&c->ovs, true, "userspace datapath (netdev) only: no "
			"openvswitch kernel module (/sys/module/openvswitch); "
			"'fabric: ovs' uses datapath_type=netdev");
}

/* Does /proc/cpuinfo list vmx or svm among the flags? */
static bool cpu_virt(void)
{
	char line[4096];
	bool found = false;
	FILE *fp = fopen("/proc/cpuinfo", "re");

	if (!fp)
		return false;
	while (!found && fgets(line, sizeof(line), fp)) {
		if (strncmp(line, "flags", 5) != 0)
			continue;
		found = strstr(line, " vmx") || strstr(line, " svm");
	}
	fclose(fp);
	return found;
}

static void probe_kvm(struct caps *c)
{
	int fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	int err = errno, version;

	if (fd < 0 && err == ENOENT) {
		cap_set(&c->kvm, false, "TCG: no /dev/kvm%s", cpu_virt() ? "" :
			" and no vmx/svm in /proc/cpuinfo");
		goto out;
	}
	if (!cpu_virt()) {
		cap_set(&c->kvm, false, "TCG: no vmx/svm in /proc/cpuinfo");
		goto out;
	}
	if (fd < 0) {
		cap_set(&c->kvm, false, "TCG: cannot open /dev/kvm: %s%s",
			strerror(err), err == EACCES ?
			" (needs root or the kvm group)" : "");
		goto out;
	}
	version = ioctl(fd, KVM_GET_API_VERSION, 0);
	if (version != KVM_API_VERSION) {
		cap_set(&c->kvm, false, "TCG: /dev/kvm answers API version %d, "
			"not %d", version, KVM_API_VERSION);
		goto out;
	}
	cap_set(&c->kvm, true, "%s", "");
out:
	if (fd >= 0)
		close(fd);
}

bool caps_kvm_usable(void)
{
	struct caps c;

	probe_kvm(&c);
	return c.kvm.found;
}

static void probe_libvirt(struct caps *c)
{
	char path[512];
	bool libvirtd = find_program("libvirtd", path, sizeof(path));
	bool qemu = find_program("qemu-system-x86_64", path, sizeof(path));
	bool lxc = false;
	size_t i;

	for (i = 0; i < sizeof(lxc_helpers) / sizeof(lxc_helpers[0]); i++)
		lxc = lxc || is_exec_file(lxc_helpers[i]);

	if (!libvirtd)
		cap_set(&c->libvirt_lxc, false, "libvirtd not found "
			"(apt-get install libvirt-daemon-system "
			"libvirt-daemon-driver-lxc)");
	else if (!lxc)
		cap_set(&c->libvirt_lxc, false, "libvirt_lxc not found in "
			"/usr/lib/libvirt (apt-get install "
			"libvirt-daemon-driver-lxc)");
	else
		cap_set(&c->libvirt_lxc, true, "%s", "");

	if (!libvirtd)
		cap_set(&c->libvirt_qemu, false, "libvirtd not found "
			"(apt-get install libvirt-daemon-system "
			"libvirt-daemon-driver-qemu)");
	else if (!qemu)
		cap_set(&c->libvirt_qemu, false, "qemu-system-x86_64 not found "
			"(apt-get install qemu-system-x86)");
	else if (!c->kvm.found)
		cap_set(&c->libvirt_qemu, true, "TCG only (no KVM): guests run "
			"emulated, slowly");
	else
		cap_set(&c->libvirt_qemu, true, "%s", "");
}

static void probe_mininet(struct caps *c)
{
	char path[512];

	if (find_program("mn", path, sizeof(path)))
		cap_set(&c->mininet, true, "%s", "");
	else
		cap_set(&c->mininet, false, "mn not found in PATH "
			"(optional; apt-get install mininet)");
}

int caps_probe(struct caps *out)
{
	struct utsname u;
	int ret = 0;

	memset(out, 0, sizeof(*out));
	if (uname(&u) == 0)
		snprintf(out->kernel, sizeof(out->kernel), "%s", u.release);
	else
		snprintf(out->kernel, sizeof(out->kernel), "%s", "unknown");
	probe_qdiscs(out, &ret);
	probe_ovs(out);
	probe_kvm(out);
	probe_libvirt(out);
	probe_mininet(out);
	return ret;
}
