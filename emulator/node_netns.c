/* node_netns — the netns node backend: a node is a network namespace bound
 * at /run/netns/enos.EXP.NODE with one veth, eth0, whose host end is a
 * port of its site's LAN bridge (world.h names them). world_up() builds
 * many nodes through node_netns_build(); node_netns_ops serves single-node
 * operations and running commands inside a node, as `ip netns exec` does.
 *
 * A node with a profile also has a cgroup of the same name (cgroup.h),
 * made by start; exec and spawn put their child in it before it execs, so
 * everything that runs in the node (stack services, workloads, `enos
 * exec`, and what those start) is limited; sweep removes them all.
 */
#include "emulator/node.h"
#include "emulator/proc.h"
#include "emulator/node_netns.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/mount.h>
#include <sys/wait.h>

#include "emulator/cgroup.h"
#include "emulator/emu.h"
#include "emulator/fabric.h"
#include "emulator/link.h"
#include "emulator/netns.h"

int node_netns_build(const struct emu *emu, struct nl_sock *host_sk,
		     const struct world *w, const struct world_node *n,
		     int lan_index)
{
	const struct world_site *s = &w->sites[n->site];
	int host_fd = emu_host_netns(emu);
	struct nl_sock *sk = NULL;
	struct link_batch hb, nb;
	int inside = 0;
	int ifindex;
	int err;

	link_batch_init(&hb, host_sk);
	link_batch_group(&hb, world_group(w));
	err = netns_add_enter(n->netns, host_fd);
	if (err < 0)
		goto out;
	inside = 1;
	err = link_sock_open(&sk);
	if (err < 0)
		goto out;
	/* The host socket still speaks for the host namespace; the peer
	 * lands in this thread's new one. */
	err = link_veth_add(&hb, n->host_if, lan_index, NODE_NETNS_IF,
			    gettid());
	if (err == 0)
		err = link_batch_flush(&hb);
	/* Before eth0 gives the host end carrier (netns.h says why). */
	if (err == 0)
		err = netns_ipv6_off(emu_host_ipv6_conf(emu), n->host_if);
	if (err < 0)
		goto out;
	err = link_index(sk, NODE_NETNS_IF, &ifindex);
	if (err < 0)
		goto out;
	link_batch_init(&nb, sk);
	err = link_up(&nb, "lo");
	if (err == 0)
		err = link_up_quiet(&nb, NODE_NETNS_IF);
	if (err == 0)
		err = link_addr_add(&nb, ifindex, n->addr, s->lan.plen);
	if (err == 0)
		err = link_route_add(&nb, NULL, s->gw_lan_addr, ifindex);
	if (err == 0)
		err = link_batch_flush(&nb);
	if (err == 0 && world_fabric(w)->ns_tx_csum_off)
		err = link_tx_csum_off(NODE_NETNS_IF);
out:
	link_sock_close(sk);
	if (inside) {
		int e = netns_leave(host_fd);

		if (err == 0)
			err = e;
	}
	link_batch_flush(&hb);
	return err;
}

static int netns_node_create(struct emu *emu, const struct world *w,
			     const struct world_node *n)
{
	int lan_index;
	int err = -EINVAL;

	if (n->site >= w->n_sites)
		goto out;
	err = netns_prepare();
	if (err < 0)
		goto out;
	lan_index = 0;          /* attached afterwards */
	if (world_fabric(w)->master_at_create && !w->sites[n->site].lan_engine)
		err = link_index(emu_nl(emu), w->sites[n->site].lan_bridge,
				 &lan_index);
	if (err < 0)
		goto out;
	err = node_netns_build(emu, emu_nl(emu), w, n, lan_index);
	if (err == 0 && !world_fabric(w)->master_at_create &&
	    !w->sites[n->site].lan_engine) {
		struct fabric_port p = { w->sites[n->site].lan_bridge,
					 n->host_if };

		err = world_fabric(w)->ports_add(emu, &p, 1);
	}
out:
	return err;
}

static int netns_node_destroy(struct emu *emu, const struct world *w,
			      const struct world_node *n)
{
	struct link_batch b;
	int err, e;
	(void)emu;
	(void)w;

	/* Deleting the host end takes eth0 with it now, rather than when
	 * the kernel gets round to the dead namespace. */
	err = netns_del(n->netns);
	link_batch_init(&b, emu_nl(emu));
	e = link_del(&b, n->host_if);
	if (e == 0)
		e = link_batch_flush(&b);
	else
		link_batch_flush(&b);
	return err < 0 ? err : e;
}

/* N's profile as cgroup limits. */
static struct cgroup_limits node_limits(const struct world_node *n)
{
	return (struct cgroup_limits){ n->cpu_milli, n->memory_bytes,
				       n->pids };
}

/* Make N's cgroup, with its profile's limits when it has one:
 *   mkdir /sys/fs/cgroup/cpu/enos.EXP.NODE
 *   echo 25000 > /sys/fs/cgroup/cpu/enos.EXP.NODE/cpu.cfs_quota_us ...
 * A node without a profile gets one too, without limits, wherever the
 * host has hierarchies: its processes are then found by the cgroup, for
 * the node faults (freeze, crash, a cpu or memory limit set live). */
static int netns_node_start(struct emu *emu, const struct world *w,
			    const struct world_node *n)
{
	struct cgroup_limits l = node_limits(n);
	struct cgroup_host h;
	char why[160];
	int err;
	(void)w;

	err = cgroup_detect(&h);
	if (err == 0 && cgroup_supports(&h, &l, why, sizeof(why)) < 0) {
		emu_seterr(emu, "node '%s' has a profile but this host has no %s",
			   n->name, why);
		return -ENOTSUP;
	}
	if (err == 0)
		err = cgroup_create(&h, n->netns, &l);
	/* Without a profile the node runs as well without one (where the
	 * cgroup tree is not ours to write); node faults then say so. */
	if (err < 0 && !cgroup_limited(&l))
		return 0;
	if (err < 0)
		emu_seterr(emu, "node '%s': cannot make its cgroup '%s': %s",
			   n->name, n->netns, strerror(-err));
	return err;
}

static int netns_limits_supported(uint32_t cpu_milli, uint64_t memory,
				  uint64_t pids, char *why, size_t len)
{
	struct cgroup_limits l = { cpu_milli, memory, pids };
	struct cgroup_host h;
	int err = cgroup_detect(&h);

	if (err < 0) {
		snprintf(why, len, "cgroup mounts (/proc/self/mountinfo: %s)",
			 strerror(-err));
		return -ENOTSUP;
	}
	return cgroup_supports(&h, &l, why, len);
}

_Static_assert(CG_N <= NODE_JOIN_MAX, "a node_join holds a cgroup.procs per hierarchy");

/* For a child of N to join N's cgroup: the cgroup.procs descriptors (none
 * when N has no profile) into J. */
static int netns_join_prepare(struct emu *emu, const struct world_node *n,
			      struct node_join *j)
{
	struct cgroup_limits l = node_limits(n);
	struct cgroup_host h;
	int err;

	j->n = 0;
	err = cgroup_detect(&h);
	if (err == 0)
		err = cgroup_procs_open(&h, n->netns, j->fds, &j->n);
	/* A node without a profile of a world an older enos made has no
	 * cgroup: it runs as before, unlimited. */
	if (!cgroup_limited(&l) && err < 0) {
		j->n = 0;
		return 0;
	}
	if (err < 0)
		emu_seterr(emu, "node '%s': cannot enter its cgroup '%s': %s",
			   n->name, n->netns, err == -ENOENT ?
			   "it is gone ('enos up --force' makes it again)" :
			   strerror(-err));
	return err;
}

/* `enos fault cpu|memory`: N's cgroup limits now (cgroup_plan_set):
 *   echo 10000 > /sys/fs/cgroup/cpu/enos.EXP.NODE/cpu.cfs_quota_us
 *   echo 268435456 > /sys/fs/cgroup/memory/enos.EXP.NODE/memory.limit_in_bytes */
static int netns_set_limits(struct emu *emu, const struct world *w,
			    const struct world_node *n, uint32_t cpu_milli,
			    uint64_t memory)
{
	struct cgroup_limits l = { cpu_milli, memory, 0 };
	struct cgroup_host h;
	int err = cgroup_detect(&h);
	(void)w;

	if (err == 0)
		err = cgroup_set(&h, n->netns, &l);
	if (err < 0)
		emu_seterr(emu, "node '%s': cannot set the limits of its cgroup '%s': %s",
			   n->name, n->netns, err == -ENOENT ?
			   "it has none (made by an older enos: 'enos up --force' makes it)" :
			   err == -EBUSY ? "its processes use more memory than that" :
			   err == -ENOTSUP ? "this host has no cpu or memory controller" :
			   strerror(-err));
	return err;
}

/* `enos fault freeze|thaw`:
 *   echo FROZEN > /sys/fs/cgroup/freezer/enos.EXP.NODE/freezer.state */
static int netns_freeze(struct emu *emu, const struct world *w,
			const struct world_node *n, bool frozen)
{
	struct cgroup_host h;
	int err = cgroup_detect(&h);
	(void)w;

	if (err == 0)
		err = cgroup_freeze(&h, n->netns, frozen);
	if (err < 0)
		emu_seterr(emu, "node '%s': cannot %s its cgroup '%s': %s",
			   n->name, frozen ? "freeze" : "thaw", n->netns,
			   err == -ENOTSUP ? "this host has no freezer (neither a v1 hierarchy nor cgroup2)" :
			   err == -ENOENT ? "it has none (made by an older enos: 'enos up --force' makes it)" :
			   strerror(-err));
	return err;
}

/* `enos fault crash`: kill -9 $(cat .../enos.EXP.NODE/cgroup.procs) */
static int netns_kill_all(struct emu *emu, const struct world *w,
			  const struct world_node *n, size_t *killed)
{
	struct cgroup_host h;
	int err = cgroup_detect(&h);
	(void)w;

	if (err == 0)
		err = cgroup_kill(&h, n->netns, killed);
	if (err < 0)
		emu_seterr(emu, "node '%s': cannot kill the processes of its cgroup '%s': %s",
			   n->name, n->netns, err == -ENOENT ?
			   "it has none (made by an older enos: 'enos up --force' makes it)" :
			   strerror(-err));
	return err;
}

static int netns_node_sweep(struct emu *emu, const struct world *w)
{
	char prefix[WORLD_NETNS_MAX];
	struct cgroup_host h;
	int err;

	if (cgroup_detect(&h) < 0)
		return 0;               /* no mountinfo: no cgroup of ours */
	world_netns_prefix(w->name, prefix, sizeof(prefix));
	err = cgroup_sweep(&h, prefix, NULL);
	if (err < 0)
		emu_seterr(emu, "cannot remove the cgroups '%s*': %s", prefix,
			   strerror(-err));
	return err;
}

static int netns_node_leftovers(struct emu *emu, const struct world *w)
{
	char prefix[WORLD_NETNS_MAX];
	struct cgroup_host h;
	(void)emu;

	if (cgroup_detect(&h) < 0)
		return 0;
	world_netns_prefix(w->name, prefix, sizeof(prefix));
	return cgroup_count(&h, prefix);
}

/* Report errno on FD and end the child. */
static void exec_child_fail(int fd) __attribute__((noreturn));
static void exec_child_fail(int fd)
{
	int e = errno;

	if (write(fd, &e, sizeof(e)) != (ssize_t)sizeof(e))
		e = 0;
	_exit(127);
}

/* The child of exec: join the node's cgroup, enter the node like `ip
 * netns exec` and run ARGV. Only reports errno on FD and exits when
 * something fails. */
static void exec_child(const char *path, const char *name,
		       const struct node_join *cg, char *const argv[], int fd)
{
	int nsfd;

	if (node_join_child(cg) < 0)
		goto fail;
	nsfd = open(path, O_RDONLY | O_CLOEXEC);
	if (nsfd < 0 || setns(nsfd, CLONE_NEWNET) != 0)
		goto fail;
	/* A private mount namespace, so /sys can show the node's links. */
	if (unshare(CLONE_NEWNS) != 0)
		goto fail;
	if (mount("", "/", "none", MS_SLAVE | MS_REC, NULL) != 0)
		goto fail;
	if (umount2("/sys", MNT_DETACH) == 0)
		mount(name, "/sys", "sysfs", 0, NULL);
	proc_child_prepare();
	execvp(argv[0], argv);
fail:
	exec_child_fail(fd);
}

static int netns_node_exec(struct emu *emu, const struct world_node *n,
			   char *const argv[], int *status)
{
	char path[PATH_MAX];
	struct node_join cg = { .n = 0 };
	int pipefd[2] = { -1, -1 };
	int exec_err;
	pid_t pid = -1;
	int st, err = 0;

	*status = -1;
	if (!argv || !argv[0] ||
	    snprintf(path, sizeof(path), "%s/%s", NETNS_RUN_DIR, n->netns) >=
	    (int)sizeof(path)) {
		err = -EINVAL;
		goto out;
	}
	err = netns_join_prepare(emu, n, &cg);
	if (err < 0)
		goto out;
	if (pipe2(pipefd, O_CLOEXEC) != 0) {
		err = -errno;
		goto out;
	}
	pid = fork();
	if (pid < 0) {
		err = -errno;
		goto out;
	}
	if (pid == 0) {
		close(pipefd[0]);
		exec_child(path, n->netns, &cg, argv, pipefd[1]);
	}
	close(pipefd[1]);
	pipefd[1] = -1;
	/* The pipe closes on a successful execvp(); else it carries errno. */
	exec_err = proc_exec_result(pipefd[0]);
	err = proc_wait_status(pid, &st);
	if (err == 0 && exec_err < 0)
		err = exec_err;
	else if (err == 0)
		*status = st;
out:
	node_join_release(&cg);
	if (pipefd[0] >= 0)
		close(pipefd[0]);
	if (pipefd[1] >= 0)
		close(pipefd[1]);
	return err;
}

/* The child of spawn: enter the node, start a session of its own, point
 * stdin at /dev/null, stdout at OUT_FD and stderr at ERR_FD, and exec
 * ARGV with no signal blocked (the caller may hold SIGTERM and SIGINT, as
 * `enos bench` does, and a program that inherits that never gets the
 * SIGTERM that stops it). Reports errno on FD and exits when something
 * fails. */
static void spawn_child(const char *path, const char *name,
			const struct node_join *cg, char *const argv[],
			int out_fd, int err_fd, int fd)
{
	int null_fd;

	proc_child_prepare();
	if (setsid() < 0)
		goto fail;
	null_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (null_fd < 0 || dup2(null_fd, STDIN_FILENO) < 0 ||
	    dup2(out_fd, STDOUT_FILENO) < 0 || dup2(err_fd, STDERR_FILENO) < 0)
		goto fail;
	exec_child(path, name, cg, argv, fd);
fail:
	exec_child_fail(fd);
}

/* As `setsid ip netns exec NODE ARGV... </dev/null >OUT 2>ERR &`: the
 * process stays our child until we exit, then init's. */
static int netns_node_spawn(struct emu *emu, const struct world_node *n,
			    char *const argv[], int out_fd, int err_fd,
			    int *pid)
{
	char path[PATH_MAX];
	struct node_join cg = { .n = 0 };
	int pipefd[2] = { -1, -1 };
	pid_t child = -1;
	int err = 0;

	if (!argv || !argv[0] || out_fd < 0 || err_fd < 0 ||
	    snprintf(path, sizeof(path), "%s/%s", NETNS_RUN_DIR, n->netns) >=
	    (int)sizeof(path)) {
		err = -EINVAL;
		goto out;
	}
	err = netns_join_prepare(emu, n, &cg);
	if (err < 0)
		goto out;
	if (pipe2(pipefd, O_CLOEXEC) != 0) {
		err = -errno;
		goto out;
	}
	fflush(NULL);
	child = fork();
	if (child < 0) {
		err = -errno;
		goto out;
	}
	if (child == 0) {
		close(pipefd[0]);
		spawn_child(path, n->netns, &cg, argv, out_fd, err_fd,
			    pipefd[1]);
	}
	close(pipefd[1]);
	pipefd[1] = -1;
	/* The pipe closes on a successful execvp(); else it carries errno. */
	err = proc_exec_result(pipefd[0]);
	if (err < 0) {
		proc_wait_status(child, NULL);
		goto out;
	}
	*pid = child;
out:
	node_join_release(&cg);
	if (pipefd[0] >= 0)
		close(pipefd[0]);
	if (pipefd[1] >= 0)
		close(pipefd[1]);
	return err;
}

const struct node_ops node_netns_ops = {
	.name = "netns",
	.limits = NODE_LIMIT_CPU | NODE_LIMIT_MEMORY | NODE_LIMIT_PIDS,
	.create = netns_node_create,
	.limits_supported = netns_limits_supported,
	.start = netns_node_start,
	.destroy = netns_node_destroy,
	.exec = netns_node_exec,
	.spawn = netns_node_spawn,
	.join_prepare = netns_join_prepare,
	.set_limits = netns_set_limits,
	.freeze = netns_freeze,
	.kill_all = netns_kill_all,
	.sweep = netns_node_sweep,
	.leftovers = netns_node_leftovers,
	.host_bytes = NODE_NETNS_HOST_BYTES,
};
