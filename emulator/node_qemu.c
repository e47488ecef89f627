/* node_qemu — the qemu node backend; see node_qemu.h. The domain XML is
 * rendered by node_qemu_xml() from a plain struct, so the unit tests
 * compare it without root or libvirt.
 */
#include "emulator/node_netns.h"
#include "emulator/node_qemu.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <netlink/route/link.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/un.h>

#include "emulator/addr.h"
#include "emulator/agent.h"
#include "emulator/caps.h"
#include "emulator/emu.h"
#include "emulator/fabric.h"
#include "emulator/initramfs.h"
#include "emulator/link.h"
#include "emulator/node.h"
#include "emulator/proc.h"
#include "emulator/virt.h"
#include "emulator/world.h"
#include "util/fs.h"

/* One line: INDENT spaces, OPEN, TEXT escaped, CLOSE. */
static void xml_line(FILE *f, int indent, const char *open, const char *text,
		     const char *close)
{
	fprintf(f, "%*s%s", indent, "", open);
	virt_xml_text(f, text);
	fprintf(f, "%s\n", close);
}

char *node_qemu_xml(const struct node_qemu_domain *d)
{
	char *xml = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&xml, &len);

	if (!f)
		return NULL;
	xml_line(f, 0, "<domain type='", d->type, "'>");
	xml_line(f, 2, "<name>", d->name, "</name>");
	fprintf(f, "  <memory unit='KiB'>%llu</memory>\n",
		(unsigned long long)(d->memory_bytes >> 10));
	fprintf(f, "  <vcpu>%u</vcpu>\n", d->vcpus);
	/* libvirt's quota is per vCPU thread: the profile's share of the
	 * host, split evenly. */
	if (d->cpu_milli && d->vcpus)
		fprintf(f, "  <cputune><period>%u</period><quota>%llu</quota>"
			"</cputune>\n", NODE_QEMU_CFS_PERIOD,
			(unsigned long long)d->cpu_milli *
			NODE_QEMU_CFS_PERIOD / 1000 / d->vcpus);
	fprintf(f, "  <os>\n"
		"    <type arch='x86_64'>hvm</type>\n");
	xml_line(f, 4, "<kernel>", d->kernel, "</kernel>");
	xml_line(f, 4, "<initrd>", d->initrd, "</initrd>");
	xml_line(f, 4, "<cmdline>", d->cmdline, "</cmdline>");
	fprintf(f, "  </os>\n"
		"  <features><acpi/></features>\n"
		"  <clock offset='utc'/>\n"
		"  <on_poweroff>destroy</on_poweroff>\n"
		"  <on_reboot>destroy</on_reboot>\n"
		"  <on_crash>destroy</on_crash>\n"
		"  <devices>\n"
		"    <interface type='ethernet'>\n"
		"      <mac address='%02x:%02x:%02x:%02x:%02x:%02x'/>\n",
		d->mac[0], d->mac[1], d->mac[2], d->mac[3], d->mac[4],
		d->mac[5]);
	xml_line(f, 6, "<target dev='", d->tap, "' managed='no'/>");
	fprintf(f, "      <model type='virtio'/>\n"
		"    </interface>\n"
		"    <serial type='file'>\n");
	xml_line(f, 6, "<source path='", d->console_log, "'/>");
	fprintf(f, "      <target port='0'/>\n"
		"    </serial>\n"
		"    <channel type='unix'>\n");
	xml_line(f, 6, "<source mode='bind' path='", d->agent_sock, "'/>");
	fprintf(f, "      <target type='virtio' name='%s'/>\n"
		"    </channel>\n"
		"    <controller type='usb' model='none'/>\n"
		"    <memballoon model='none'/>\n"
		"  </devices>\n"
		"</domain>\n", AGENT_PORT_NAME);
	if (fclose(f) != 0) {
		free(xml);
		return NULL;
	}
	return xml;
}

int node_qemu_cmdline(const char *name, uint32_t addr, unsigned plen,
		      uint32_t gw, int txoff, char *buf, size_t len)
{
	char a[32], g[32];
	int n;

	/* quiet: the console is a log file, and TCG prints slowly.
	 * no_timer_check: on a loaded host a TCG guest's timer may not tick
	 * during the kernel's IO-APIC check, which then panics ("IO-APIC +
	 * timer doesn't work!"; seen while other work ran here). */
	n = snprintf(buf, len, "console=ttyS0 quiet panic=-1 no_timer_check enos.node=%s "
		     "enos.addr=%s/%u enos.gw=%s%s", name,
		     addr_format(addr, a, sizeof(a)), plen,
		     addr_format(gw, g, sizeof(g)), txoff ? " enos.txoff=1" : "");
	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

void node_qemu_mac(const char *tap, unsigned char mac[6])
{
	uint32_t h = 2166136261u;       /* FNV-1a */

	for (; *tap; tap++) {
		h ^= (unsigned char)*tap;
		h *= 16777619u;
	}
	mac[0] = 0x52;
	mac[1] = 0x54;
	mac[2] = 0x00;
	mac[3] = (unsigned char)(h >> 16);
	mac[4] = (unsigned char)(h >> 8);
	mac[5] = (unsigned char)h;
}

/* The newest Debian cloud kernel: /boot/vmlinuz-KVER with KVER containing
 * "cloud", its path into KERNEL and its version into KVER. 0 or -ENOENT. */
static int find_kernel(char *kernel, size_t klen, char *kver, size_t vlen)
{
	glob_t g;
	int err = -ENOENT;

	if (glob("/boot/vmlinuz-*cloud*", 0, NULL, &g) == 0 && g.gl_pathc) {
		const char *k = g.gl_pathv[g.gl_pathc - 1];

		if (snprintf(kernel, klen, "%s", k) < (int)klen &&
		    snprintf(kver, vlen, "%s", k + strlen("/boot/vmlinuz-")) <
		    (int)vlen)
			err = 0;
	}
	globfree(&g);
	return err;
}

/* The guest agent: $ENOS_AGENT, else enos-agent beside this program. */
static int find_agent(char *buf, size_t len)
{
	const char *env = getenv("ENOS_AGENT");
	char self[PATH_MAX], *slash;
	ssize_t n;

	if (env && *env)
		return snprintf(buf, len, "%s", env) < (int)len &&
		       access(buf, R_OK) == 0 ? 0 : -ENOENT;
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n <= 0)
		return -ENOENT;
	self[n] = '\0';
	slash = strrchr(self, '/');
	if (!slash)
		return -ENOENT;
	*slash = '\0';
	return snprintf(buf, len, "%s/enos-agent", self) < (int)len &&
	       access(buf, R_OK) == 0 ? 0 : -ENOENT;
}

int node_qemu_probe(char *why, size_t len)
{
	char path[PATH_MAX], kver[128], dep[PATH_MAX + 160];

	why[0] = '\0';
	if (proc_which("qemu-system-x86_64", path, sizeof(path)) < 0)
		snprintf(why, len, "qemu-system-x86_64 not found (apt-get install qemu-system-x86)");
	else if (find_kernel(path, sizeof(path), kver, sizeof(kver)) < 0)
		snprintf(why, len, "no /boot/vmlinuz-*cloud* (apt-get install linux-image-cloud-amd64)");
	else if (access(path, R_OK) != 0)
		snprintf(why, len, "cannot read %s: %s", path, strerror(errno));
	else if (snprintf(dep, sizeof(dep), "/lib/modules/%s/modules.dep", kver) <
		 (int)sizeof(dep) && access(dep, R_OK) != 0)
		snprintf(why, len, "%s not found (the cloud kernel's modules)", dep);
	else if (proc_which("busybox", path, sizeof(path)) < 0)
		snprintf(why, len, "busybox not found (apt-get install busybox-static)");
	else if (find_agent(path, sizeof(path)) < 0)
		snprintf(why, len, "enos-agent not found beside enos (make builds it) or in $ENOS_AGENT");
	return why[0] ? -ENOTSUP : 0;
}

const char *node_qemu_type(void)
{
	return caps_kvm_usable() ? "kvm" : "qemu";
}

int node_qemu_path(const char *domain, const char *suffix, char *buf,
		   size_t len)
{
	int r = snprintf(buf, len, NODE_QEMU_DIR "/%s%s", domain, suffix);

	return r < 0 || (size_t)r >= len ? -ENAMETOOLONG : 0;
}

/* `mkdir -p NODE_QEMU_DIR` */
static int qemu_dir(void)
{
	return fs_mkdir_p(NODE_QEMU_DIR, 0755);
}

/* `cp SRC DST` through a temporary DST.XXXXXX and a rename, mode 0644 (the
 * kernel in /boot is root's alone; libvirt gives these files to the qemu
 * user while the domain runs). */
static int copy_file(const char *src, const char *dst)
{
	char tmp[PATH_MAX], chunk[65536];
	int in = -1, out = -1, err = 0;
	ssize_t n;

	if (snprintf(tmp, sizeof(tmp), "%s.XXXXXX", dst) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	in = open(src, O_RDONLY | O_CLOEXEC);
	out = in < 0 ? -1 : mkostemp(tmp, O_CLOEXEC);
	if (in < 0 || out < 0) {
		err = -errno;
		goto out;
	}
	while ((n = read(in, chunk, sizeof(chunk))) > 0)
		if (write(out, chunk, (size_t)n) != n) {
			err = -EIO;
			break;
		}
	if (n < 0)
		err = -errno;
	if (err == 0 && fchmod(out, 0644) != 0)
		err = -errno;
	if (err == 0 && rename(tmp, dst) != 0)
		err = -errno;
out:
	if (in >= 0)
		close(in);
	if (out >= 0) {
		close(out);
		if (err < 0)
			unlink(tmp);
	}
	return err;
}

/* The kernel and the image of experiment W into KERNEL and INITRD (made
 * on the first node: both are the same for every node of W). */
static int qemu_boot_files(struct emu *emu, const struct world *w,
			   char *kernel, char *initrd)
{
	char host_kernel[PATH_MAX], kver[128], moddir[PATH_MAX];
	char busybox[PATH_MAX], agent[PATH_MAX], prefix[WORLD_NETNS_MAX];
	struct initramfs_spec spec = { .modules = initramfs_node_modules };
	int err;

	world_netns_prefix(w->name, prefix, sizeof(prefix));
	err = node_qemu_path(prefix, "vmlinuz", kernel, PATH_MAX);
	if (err == 0)
		err = node_qemu_path(prefix, "initrd.cpio", initrd, PATH_MAX);
	if (err < 0)
		return err;
	if (access(kernel, R_OK) == 0 && access(initrd, R_OK) == 0)
		return 0;
	err = qemu_dir();
	if (err == 0)
		err = find_kernel(host_kernel, sizeof(host_kernel), kver,
				  sizeof(kver));
	if (err == 0 && snprintf(moddir, sizeof(moddir), "/lib/modules/%s",
				 kver) >= (int)sizeof(moddir))
		err = -ENAMETOOLONG;
	if (err == 0)
		err = proc_which("busybox", busybox, sizeof(busybox));
	if (err == 0)
		err = find_agent(agent, sizeof(agent));
	if (err < 0) {
		emu_seterr(emu, "qemu node: no cloud kernel, busybox or enos-agent (enos check says which)");
		return err;
	}
	spec.moddir = moddir;
	spec.busybox = busybox;
	spec.agent = agent;
	err = copy_file(host_kernel, kernel);
	if (err < 0)
		emu_seterr(emu, "cannot copy %s to %s: %s", host_kernel, kernel,
			   strerror(-err));
	if (err == 0) {
		err = initramfs_build(initrd, &spec);
		if (err < 0)
			emu_seterr(emu, "cannot write the initramfs %s: %s",
				   initrd, strerror(-err));
	}
	return err;
}

/* `ip tuntap add dev NAME mode tap` (TUNSETIFF + TUNSETPERSIST). */
static int tap_add(const char *name)
{
	struct ifreq ifr;
	int fd, err = 0;

	memset(&ifr, 0, sizeof(ifr));
	if (strlen(name) >= sizeof(ifr.ifr_name))
		return -ENAMETOOLONG;
	memcpy(ifr.ifr_name, name, strlen(name) + 1);
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
	fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (ioctl(fd, TUNSETIFF, &ifr) != 0 || ioctl(fd, TUNSETPERSIST, 1) != 0)
		err = -errno;
	close(fd);
	return err;
}

/* Swap node N's veth (made by world_up() with its namespace) for a tap
 * of the same name on the site LAN, on socket SK:
 *   ip link del HOST_IF; ip tuntap add dev HOST_IF mode tap;
 *   ip link set HOST_IF master BRIDGE up
 * Fabrics without a master at creation (OVS) attach it afterwards, in
 * world_up()'s ports_up(), as they do veths. */
static int tap_up(struct nl_sock *sk, const struct world *w,
		  const struct world_node *n)
{
	struct link_batch b;
	int master, slave, err;

	link_batch_init(&b, sk);
	err = link_del(&b, n->host_if);
	if (err == 0)
		err = link_batch_flush(&b);
	if (err == 0)
		err = tap_add(n->host_if);
	if (err == 0)
		err = link_up_quiet(&b, n->host_if);
	if (err == 0)
		err = link_batch_flush(&b);
	else
		link_batch_flush(&b);
	if (err == 0 && world_fabric(w)->master_at_create) {
		err = link_index(sk, w->sites[n->site].lan_bridge, &master);
		if (err == 0)
			err = link_index(sk, n->host_if, &slave);
		if (err == 0)
			err = link_errno(rtnl_link_enslave_ifindex(sk, master,
								   slave));
	}
	return err;
}

/* The vCPUs N is started with. */
static unsigned qemu_vcpus(const struct world_node *n)
{
	return n->cpus ? n->cpus : n->cpu_milli ?
	       (n->cpu_milli + 999) / 1000 : NODE_QEMU_CPUS;
}

/* Start node N's domain (world_up() calls it from its threads, after the
 * node's namespace exists; the namespace stays, empty, as a marker):
 * the boot files, the tap, then
 *   virsh -c qemu:///system create enos.EXP.NODE.xml
 * It does not wait for the guest: ready (world_ready) and exec do. */
static int qemu_node_start(struct emu *emu, const struct world *w,
			   const struct world_node *n)
{
	const struct world_site *s = &w->sites[n->site];
	char kernel[PATH_MAX], initrd[PATH_MAX], sock[PATH_MAX];
	char console[PATH_MAX], cmdline[512];
	struct sockaddr_un sa;
	struct node_qemu_domain d = {
		.name = n->netns, .type = node_qemu_type(),
		.vcpus = qemu_vcpus(n),
		.cpu_milli = n->cpu_milli,
		.memory_bytes = n->memory_bytes ? n->memory_bytes :
				NODE_QEMU_MEMORY,
		.kernel = kernel, .initrd = initrd, .cmdline = cmdline,
		.tap = n->host_if, .agent_sock = sock, .console_log = console,
	};
	struct nl_sock *sk = NULL;
	char *xml = NULL;
	int err;

	err = node_qemu_path(n->netns, ".sock", sock, sizeof(sa.sun_path));
	if (err == 0)
		err = node_qemu_path(n->netns, ".console", console,
				     sizeof(console));
	if (err == 0)
		err = node_qemu_cmdline(n->name, n->addr, s->lan.plen,
					s->gw_lan_addr,
					world_fabric(w)->ns_tx_csum_off,
					cmdline, sizeof(cmdline));
	if (err < 0) {
		emu_seterr(emu, "qemu node '%s': its name makes a socket path or command line too long",
			   n->name);
		goto out;
	}
	err = qemu_boot_files(emu, w, kernel, initrd);
	if (err < 0)
		goto out;
	/* This thread's own socket: world_up() runs two. */
	err = link_sock_open(&sk);
	if (err == 0)
		err = tap_up(sk, w, n);
	if (err < 0) {
		emu_seterr(emu, "qemu node '%s': cannot make tap '%s': %s",
			   n->name, n->host_if, strerror(-err));
		goto out;
	}
	node_qemu_mac(n->host_if, d.mac);
	xml = node_qemu_xml(&d);
	err = xml ? virt_domain_create(emu, VIRT_QEMU_URI, xml) : -ENOMEM;
out:
	link_sock_close(sk);
	free(xml);
	return err;
}

static int qemu_node_create(struct emu *emu, const struct world *w,
			    const struct world_node *n)
{
	int err = node_netns_ops.create(emu, w, n);

	if (err == 0)
		err = qemu_node_start(emu, w, n);
	return err;
}

/* `virsh destroy enos.EXP.NODE; ip link del HOST_IF; ip netns del ...;
 * rm NODE_QEMU_DIR/enos.EXP.NODE.*` */
static int qemu_node_destroy(struct emu *emu, const struct world *w,
			     const struct world_node *n)
{
	char path[PATH_MAX];
	int err, e;

	err = virt_domain_destroy(emu, VIRT_QEMU_URI, n->netns);
	e = node_netns_ops.destroy(emu, w, n);
	if (err == 0)
		err = e;
	if (node_qemu_path(n->netns, ".sock", path, sizeof(path)) == 0)
		unlink(path);
	if (node_qemu_path(n->netns, ".console", path, sizeof(path)) == 0)
		unlink(path);
	return err;
}

int node_qemu_boot_wait_s(void)
{
	const char *env = getenv("ENOS_QEMU_BOOT_WAIT");
	long wait_s = env && *env ? strtol(env, NULL, 10) : NODE_QEMU_BOOT_WAIT_S;

	return wait_s <= 0 || wait_s > 3600 ? NODE_QEMU_BOOT_WAIT_S : (int)wait_s;
}

static int qemu_node_exec(struct emu *emu, const struct world_node *n,
			  char *const argv[], int *status)
{
	long wait_s = node_qemu_boot_wait_s();
	char sock[PATH_MAX];
	int err;

	err = node_qemu_path(n->netns, ".sock", sock, sizeof(sock));
	if (err == 0)
		err = agent_exec(sock, argv, STDOUT_FILENO, STDERR_FILENO,
				 (int)wait_s * 1000, status);
	if (err == -ETIMEDOUT)
		emu_seterr(emu, "qemu node '%s': no agent answered on %s within %ld s (console: "
			   NODE_QEMU_DIR "/%s.console)", n->name, sock, wait_s,
			   n->netns);
	return err;
}

/* The last lines of the file PATH (at most its last LEN - 1 bytes, from
 * a line start), into BUF; "" if it cannot be read. `tail -c LEN PATH` */
static void file_tail(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	off_t size;
	ssize_t n = 0;
	char *nl;

	buf[0] = '\0';
	if (fd < 0 || len < 2)
		goto out;
	size = lseek(fd, 0, SEEK_END);
	if (size < 0)
		goto out;
	n = pread(fd, buf, len - 1, size > (off_t)len - 1 ?
		  size - (off_t)(len - 1) : 0);
	if (n < 0)
		n = 0;
	buf[n] = '\0';
	/* Whole lines only, when the read began inside one. */
	if (size > (off_t)len - 1 && (nl = strchr(buf, '\n')) != NULL)
		memmove(buf, nl + 1, strlen(nl + 1) + 1);
out:
	if (fd >= 0)
		close(fd);
}

/* Has node N's guest booted? Its agent answers a probe (agent_ready)
 * within WAIT_MS; if not, WHY says where it was asked and how its
 * console log ends. */
static int qemu_node_ready(struct emu *emu, const struct world_node *n,
			   int wait_ms, char *why, size_t why_len)
{
	char sock[PATH_MAX], console[PATH_MAX], tail[NODE_QEMU_TAIL];
	int err;

	(void)emu;
	err = node_qemu_path(n->netns, ".sock", sock, sizeof(sock));
	if (err == 0)
		err = node_qemu_path(n->netns, ".console", console,
				     sizeof(console));
	if (err < 0)
		return err;
	err = agent_ready(sock, wait_ms);
	if (err == 0 && why_len) {
		file_tail(console, tail, sizeof(tail));
		snprintf(why, why_len, "no agent answered on %s; console %s %s%s",
			 sock, console, tail[0] ? "ends with:\n" : "is empty",
			 tail);
	}
	return err;
}

/* Count the files of NODE_QEMU_DIR whose name starts with PREFIX, and
 * unlink them if UNLINK_THEM. Returns the count or -errno. */
static int qemu_files(const char *prefix, int unlink_them)
{
	char path[PATH_MAX];
	struct dirent *de;
	DIR *d = opendir(NODE_QEMU_DIR);
	int n = 0;

	if (!d)
		return errno == ENOENT ? 0 : -errno;
	while ((de = readdir(d)) != NULL) {
		if (strncmp(de->d_name, prefix, strlen(prefix)) != 0)
			continue;
		n++;
		if (unlink_them && node_qemu_path(de->d_name, "", path,
						  sizeof(path)) == 0)
			unlink(path);
	}
	closedir(d);
	return n;
}

/* Destroy W's domains, delete the taps of its recorded qemu nodes (so
 * world_down() need not wait for them), and remove its files:
 *   virsh destroy enos.EXP.*; ip link del TAGvN...; rm NODE_QEMU_DIR/enos.EXP.* */
/* `enos fault cpu|memory` on a VM, as
 *   virsh schedinfo enos.EXP.NODE --live vcpu_quota=QUOTA  (per vCPU)
 *   virsh setmem enos.EXP.NODE KIB --live  (the guest's balloon)
 * 0: no quota, the memory it started with. */
static int qemu_set_limits(struct emu *emu, const struct world *w,
			   const struct world_node *n, uint32_t cpu_milli,
			   uint64_t memory)
{
	int64_t quota = cpu_milli ? (int64_t)cpu_milli * NODE_QEMU_CFS_PERIOD /
				    1000 / qemu_vcpus(n) : -1;
	uint64_t boot = n->memory_bytes ? n->memory_bytes : NODE_QEMU_MEMORY;
	uint64_t target = memory ? memory : boot;
	int err, e;
	(void)w;

	err = virt_domain_set_quota(emu, VIRT_QEMU_URI, n->netns,
				    NODE_QEMU_CFS_PERIOD, quota);
	/* Only the guest's balloon changes a running VM's memory. Back to
	 * what it booted with, a VM without one (libvirt: operation
	 * invalid) never left it; another size needs it. */
	if (err == 0 && target != boot)
		err = virt_domain_set_memory(emu, VIRT_QEMU_URI, n->netns,
					     target);
	else if (err == 0) {
		e = virt_domain_set_memory(emu, VIRT_QEMU_URI, n->netns, boot);
		if (e != -EINVAL)
			err = e;
	}
	return err;
}

/* `enos fault freeze|thaw`: virsh suspend|resume enos.EXP.NODE (the VM's
 * vCPUs stop; its guest cannot tell). */
static int qemu_freeze(struct emu *emu, const struct world *w,
		       const struct world_node *n, bool frozen)
{
	(void)w;
	return virt_domain_suspend(emu, VIRT_QEMU_URI, n->netns, frozen);
}

static int qemu_sweep(struct emu *emu, const struct world *w)
{
	char prefix[WORLD_NETNS_MAX];
	struct link_batch b;
	size_t i;
	int err;

	world_netns_prefix(w->name, prefix, sizeof(prefix));
	err = virt_domain_sweep(emu, VIRT_QEMU_URI, prefix);
	if (err < 0)
		goto out;
	link_batch_init(&b, emu_nl(emu));
	err = 0;
	for (i = 0; i < w->n_nodes && err == 0; i++)
		if (w->nodes[i].ops == &node_qemu_ops)
			err = link_del(&b, w->nodes[i].host_if);
	if (err == 0)
		err = link_batch_flush(&b);
	else
		link_batch_flush(&b);
	if (err < 0)
		goto out;
	err = qemu_files(prefix, 1);
	/* The directory too once no experiment has files there. */
	if (err >= 0)
		rmdir(NODE_QEMU_DIR);
out:
	return err < 0 ? err : 0;
}

/* W's domains and files still there. */
static int qemu_leftovers(struct emu *emu, const struct world *w)
{
	char prefix[WORLD_NETNS_MAX];
	int domains, files;

	world_netns_prefix(w->name, prefix, sizeof(prefix));
	domains = virt_domain_count(emu, VIRT_QEMU_URI, prefix);
	if (domains < 0)
		return domains;
	files = qemu_files(prefix, 0);
	return files < 0 ? files : domains + files;
}

/* libvirt's QEMU driver (caps.c), then what node_qemu_probe() checks. */
static int qemu_supported(char *why, size_t len)
{
	struct caps caps;

	caps_probe(&caps);
	if (!caps.libvirt_qemu.found) {
		snprintf(why, len, "%s", caps.libvirt_qemu.why);
		return -ENOTSUP;
	}
	return node_qemu_probe(why, len);
}

const struct node_ops node_qemu_ops = {
	.name = "qemu",
	.limits = NODE_LIMIT_CPU | NODE_LIMIT_MEMORY,
	.needs = BACKEND_NEEDS_LIBVIRT,
	.supported = qemu_supported,
	.create = qemu_node_create,
	.start = qemu_node_start,
	.destroy = qemu_node_destroy,
	.exec = qemu_node_exec,
	.ready = qemu_node_ready,
	.set_limits = qemu_set_limits,
	.freeze = qemu_freeze,
	.sweep = qemu_sweep,
	.leftovers = qemu_leftovers,
	.netns_empty = true,
	/* qemu-system's RSS after boot (bench-backends: 233 MiB with a 256
	 * MiB guest, TCG), and the guest's RAM, all of which it may touch:
	 * an upper bound. */
	.host_bytes = NODE_NETNS_HOST_BYTES + (233ull << 20),
	.reserves_memory = true,
	.default_memory = NODE_QEMU_MEMORY,
	.default_cpus = NODE_QEMU_CPUS,
};
