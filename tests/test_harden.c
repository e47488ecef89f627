/* test_harden — bad input and privileges, the cases that need no root
 * (issue 15, "Bad input, privileges and what a careful reading found"):
 * - a FIFO as a matrix file is refused at once (util/fs.c);
 * - a child gets every descriptor above stderr close-on-exec and no
 *   blocked signal (emulator/proc.c proc_child_prepare);
 * - rules and set faults are counted after aliases, and capped with their
 *   FILE:LINE:COL; the resolver stops when asked (enos/resolve.c);
 * - a stack is looked up in $ENOS_STACKS_DIR and the binary's tree only,
 *   never the current directory, and a stack file (or a helper it runs)
 *   that someone else could have written is refused (workloads/stack.c);
 * - results and service directories are made one at a time relative to
 *   the one above, never through a symbolic link nor into a directory
 *   others can write (enos/rundir.c);
 * - the state database is the caller's alone (0600, -wal and -shm too)
 *   and the directory made for it passable, not listable (0711), whatever
 *   the umask;
 * - a world's memory and virtual CPUs are estimated against the host's,
 *   as a stack's are (enos/capacity.c);
 * (the matrix's echoed content and a rule from a site to itself are bad
 * fixtures in tests/fixtures/bad, checked by test_topo).
 * The cases that need root are tests/sys_harden.c.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "emulator/node.h"
#include "emulator/proc.h"
#include "emulator/shape.h"
#include "enos/capacity.h"
#include "enos/claim.h"
#include "enos/resolve.h"
#include "enos/rundir.h"
#include "enos/state.h"
#include "enos/topo.h"
#include "reports/rtt.h"
#include "tests/suites.h"
#include "tests/testutil.h"
#include "util/fs.h"
#include "util/strbuf.h"
#include "workloads/stack.h"

/* The error of loading TEXT as a topology (LABEL "inline.yaml"). */
static char *load_err(const char *text)
{
	char *err = NULL;
	struct topology *t = topo_load_string(text, "inline.yaml", NULL, &err);

	ck_assert_ptr_null(t);
	ck_assert_ptr_nonnull(err);
	return err;
}

/* A FIFO named as the matrix file: no writer ever comes, and `check`
 * must neither wait for one nor read it. */
START_TEST(matrix_fifo_refused)
{
	char dir[128], path[256], fifo[256], *err = NULL;
	struct topology *t;
	double t0 = tu_now_s();

	ck_assert_ptr_nonnull(tu_tmpdir(dir, sizeof(dir), "fifo"));
	snprintf(fifo, sizeof(fifo), "%s/m.tsv", dir);
	ck_assert_int_eq(mkfifo(fifo, 0600), 0);
	tu_write(dir, "t.yaml", "name: f\n"
		 "sites: [{name: a, role: central}, {name: b, role: edge, parent: a}]\n"
		 "network: {matrix: {file: m.tsv, kind: rtt}}\n", path, sizeof(path));
	alarm(10);      /* a hang fails the case instead of the run */
	t = topo_load(path, &err);
	alarm(0);
	ck_assert_ptr_null(t);
	ck_assert_msg(tu_contains(err, ":3:26: cannot read matrix file '") &&
		      tu_contains(err, "/m.tsv': not a regular file"), "%s", err);
	ck_assert_double_lt(tu_now_s() - t0, 2.0);
	free(err);
	tu_rmtree(dir);
}
END_TEST

/* Run ARGV in a child that inherited a descriptor without O_CLOEXEC and
 * had SIGTERM and SIGUSR1 blocked, after proc_child_prepare(); its stdout
 * into BUF. */
static void run_prepared(char *const argv[], char *buf, size_t len)
{
	int out[2], leak, st;
	size_t used = 0;
	ssize_t n;
	sigset_t set;
	pid_t pid;

	ck_assert_int_eq(pipe(out), 0);
	leak = open("/dev/null", O_RDONLY);     /* no O_CLOEXEC on purpose */
	ck_assert_int_ge(leak, 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		sigemptyset(&set);
		sigaddset(&set, SIGTERM);
		sigaddset(&set, SIGUSR1);
		sigprocmask(SIG_BLOCK, &set, NULL);
		dup2(out[1], STDOUT_FILENO);
		close(out[0]);
		close(out[1]);
		proc_child_prepare();
		execv(argv[0], argv);
		_exit(127);
	}
	close(out[1]);
	while (used + 1 < len &&
	       (n = read(out[0], buf + used, len - 1 - used)) > 0)
		used += (size_t)n;
	buf[used] = '\0';
	close(out[0]);
	close(leak);
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0, "%s: %s", argv[0], buf);
}

/* What the program started after proc_child_prepare() sees of itself:
 * no blocked signal, and only 0, 1 and 2 open (ls adds its listing's). */
START_TEST(child_prepare_cloexec_and_unblocked)
{
	char *grep[] = { "/bin/grep", "^SigBlk", "/proc/self/status", NULL };
	char *ls[] = { "/bin/ls", "/proc/self/fd", NULL };
	char buf[1024];

	run_prepared(grep, buf, sizeof(buf));
	ck_assert_str_eq(buf, "SigBlk:\t0000000000000000\n");
	run_prepared(ls, buf, sizeof(buf));
	ck_assert_str_eq(buf, "0\n1\n2\n3\n");
}
END_TEST

/* TEXT: a topology of 4 sites whose `constraints` (or, with FAULTS, whose
 * `faults`) list holds one anchored item and N aliases of it. */
static char *many(size_t n, bool faults)
{
	struct strbuf sb = STRBUF_INIT;
	size_t i;

	strbuf_adds(&sb, "name: many\n"
		    "sites:\n"
		    "  - {name: a, role: central}\n"
		    "  - {name: b, role: regional, parent: a}\n"
		    "  - {name: e, role: edge, parent: b, count: 2}\n");
	if (faults)
		strbuf_adds(&sb, "faults:\n"
			    "  - &f {at: 1s, action: set, src: a, dst: b, loss: 1%}\n");
	else
		strbuf_adds(&sb, "network:\n  constraints:\n"
			    "    - &r {src: a, dst: \"role:edge\", delay: 5ms}\n");
	for (i = 0; i < n; i++)
		strbuf_adds(&sb, faults ? "  - *f\n" : "    - *r\n");
	return strbuf_detach(&sb);
}

/* A million aliased rules used to load in a blink and keep `up` busy for
 * minutes: rules and faults are counted after aliases, and capped. */
START_TEST(rules_and_faults_capped)
{
	char want[256], *text, *err;
	struct topology *t;

	/* At the cap: loads. */
	text = many(TOPO_RULES_MAX - 1, false);
	t = topo_load_string(text, "inline.yaml", NULL, &err);
	ck_assert_msg(t != NULL, "%s", err);
	ck_assert_uint_eq(t->n_rules, TOPO_RULES_MAX);
	topo_free(t);
	free(text);
	/* A million: refused at the first item past the cap. */
	text = many(1000000, false);
	err = load_err(text);
	snprintf(want, sizeof(want),
		 "inline.yaml:8:5: too many constraints: this list has 1000001 (aliases counted), at most %d",
		 TOPO_RULES_MAX);
	ck_assert_str_eq(err, want);
	free(err);
	free(text);
	text = many(TOPO_FAULTS_MAX, true);
	err = load_err(text);
	snprintf(want, sizeof(want),
		 "inline.yaml:7:3: too many faults: this list has %d (aliases counted), at most %d",
		 TOPO_FAULTS_MAX + 1, TOPO_FAULTS_MAX);
	ck_assert_str_eq(err, want);
	free(err);
	free(text);
}
END_TEST

static bool stop_after(void *arg)
{
	int *left = arg;

	return --*left < 0;
}

/* The resolver asks between rules whether to stop (up holds Ctrl-C while
 * it builds, so a long resolution must look for it), and stops whole. */
START_TEST(resolver_stops_when_asked)
{
	struct shape_table tab = { 0 };
	char *text = many(TOPO_RULES_MAX - 1, false), *err = NULL;
	struct topology *t = topo_load_string(text, "inline.yaml", NULL, &err);
	int left = 10;

	ck_assert_msg(t != NULL, "%s", err);
	ck_assert_int_eq(resolve_pairs_until(t, &tab, stop_after, &left), -EINTR);
	ck_assert_ptr_null(tab.p);
	ck_assert_uint_eq(tab.n, 0);
	left = 1 << 30;
	ck_assert_int_eq(resolve_pairs_until(t, &tab, stop_after, &left), 0);
	ck_assert_uint_eq(tab.n, 4);
	ck_assert_uint_eq(shape_at(&tab, 0, 3)->delay_us, 5000);
	ck_assert_uint_eq(shape_at(&tab, 3, 0)->delay_us, 5000);
	ck_assert_uint_eq(shape_at(&tab, 0, 1)->delay_us, 0);
	/* Polled once per rule, not per pair. */
	ck_assert_int_eq((1 << 30) - left, TOPO_RULES_MAX);
	shape_table_release(&tab);
	topo_free(t);
	free(text);
}
END_TEST

#define ETCD_SERVICES \
	"services:\n  - {name: a, command: [\"true\"]}\n" \
	"strategies: {one: {a: {sites: \"*\"}}}\n"

/* A planted workloads/stacks/NAME.yaml in the current directory is never
 * taken; without $ENOS_STACKS_DIR the stacks are those of the binary's
 * tree (NULL: the running binary's). */
START_TEST(stack_find_ignores_cwd)
{
	char dir[128], sub[256], path[PATH_MAX], cwd[PATH_MAX];

	ck_assert_ptr_nonnull(getcwd(cwd, sizeof(cwd)));
	ck_assert_ptr_nonnull(tu_tmpdir(dir, sizeof(dir), "stfind"));
	snprintf(sub, sizeof(sub), "%s/workloads/stacks", dir);
	ck_assert_int_eq(tu_sh("mkdir -p %s", sub), 0);
	tu_write(sub, "planted.yaml", "stack: planted\n" ETCD_SERVICES, path,
		 sizeof(path));
	tu_write(sub, "etcd.yaml", "stack: etcd\n" ETCD_SERVICES, path,
		 sizeof(path));
	unsetenv("ENOS_STACKS_DIR");
	ck_assert_int_eq(chdir(dir), 0);
	ck_assert_int_eq(stack_find("planted", "/nonexistent/bin/enos", path,
				    sizeof(path)), -ENOENT);
	/* The running binary is TREE/build/tests/check-all. */
	ck_assert_int_eq(stack_find("etcd", NULL, path, sizeof(path)), 0);
	ck_assert_msg(path[0] == '/' && tu_contains(path, cwd) &&
		      tu_contains(path, "/workloads/stacks/etcd.yaml"), "%s", path);
	ck_assert_int_eq(stack_find("planted", NULL, path, sizeof(path)), -ENOENT);
	ck_assert_int_eq(chdir(cwd), 0);
	tu_rmtree(dir);
}
END_TEST

/* Load DIR/NAME.yaml; its error (or NULL). */
static char *stack_err(const char *dir, const char *name)
{
	char path[PATH_MAX], *err = NULL;
	struct stack *s;

	snprintf(path, sizeof(path), "%s/%s.yaml", dir, name);
	s = stack_load(path, &err);
	stack_free(s);
	return s ? NULL : err;
}

/* A stack's commands run as root: a stack file that anyone but root (or
 * the caller) could have written, through its mode, its owner or a
 * directory above it, is refused, and so is a helper file it runs. */
START_TEST(stack_file_must_be_trusted)
{
	char dir[128], sub[192], path[PATH_MAX], want[2 * PATH_MAX + 256], *err;
	char *argv[] = { "python3", NULL, "x", NULL };
	char helper[PATH_MAX];

	ck_assert_ptr_nonnull(tu_tmpdir(dir, sizeof(dir), "sttrust"));
	snprintf(sub, sizeof(sub), "%s/stacks", dir);
	ck_assert_int_eq(mkdir(sub, 0755), 0);
	tu_write(sub, "ok.yaml", "stack: ok\n" ETCD_SERVICES, path, sizeof(path));
	ck_assert_ptr_null(stack_err(sub, "ok"));
	ck_assert_int_eq(chmod(path, 0666), 0);
	err = stack_err(sub, "ok");
	snprintf(want, sizeof(want), "%s: refused: '%s' is writable by group or others (mode 0666): a stack's commands run as root",
		 path, path);
	ck_assert_str_eq(err, want);
	free(err);
	ck_assert_int_eq(chmod(path, 0644), 0);
	ck_assert_int_eq(chmod(sub, 0777), 0);
	err = stack_err(sub, "ok");
	snprintf(want, sizeof(want), "%s: refused: '%s' is writable by group or others (mode 0777): a stack's commands run as root",
		 path, sub);
	ck_assert_str_eq(err, want);
	free(err);
	/* The sticky bit (as on /tmp): others cannot replace what is there. */
	ck_assert_int_eq(chmod(sub, 01777), 0);
	ck_assert_ptr_null(stack_err(sub, "ok"));
	ck_assert_int_eq(chmod(sub, 0755), 0);
	if (geteuid() == 0) {
		ck_assert_int_eq(chown(path, 65534, 65534), 0);
		err = stack_err(sub, "ok");
		snprintf(want, sizeof(want), "%s: refused: '%s' is owned by uid 65534, not by root: a stack's commands run as root",
			 path, path);
		ck_assert_str_eq(err, want);
		free(err);
		ck_assert_int_eq(chown(path, 0, 0), 0);
	}
	/* A helper under the stack's directory is checked the same way; a
	 * word elsewhere is not a helper. */
	tu_write(sub, "h.py", "print(1)\n", helper, sizeof(helper));
	argv[1] = helper;
	err = NULL;
	ck_assert_int_eq(stack_argv_trusted(sub, argv, &err), 0);
	ck_assert_int_eq(chmod(helper, 0646), 0);
	ck_assert_int_eq(stack_argv_trusted(sub, argv, &err), -EPERM);
	snprintf(want, sizeof(want), "refused: '%s' is writable by group or others (mode 0646): a stack's commands run as root",
		 helper);
	ck_assert_str_eq(err, want);
	free(err);
	argv[1] = "/tmp/elsewhere.py";
	err = NULL;
	ck_assert_int_eq(stack_argv_trusted(sub, argv, &err), 0);
	tu_rmtree(dir);
}
END_TEST

/* Does directory PATH hold nothing? */
static bool dir_empty(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *de;
	int n = 0;

	ck_assert_ptr_nonnull(d);
	while ((de = readdir(d)))
		n += strcmp(de->d_name, ".") && strcmp(de->d_name, "..");
	closedir(d);
	return n == 0;
}

/* The mode bits of PATH (lstat). */
static unsigned mode_of(const char *path)
{
	struct stat st;

	ck_assert_msg(lstat(path, &st) == 0, "%s", path);
	return (unsigned)(st.st_mode & 07777);
}

/* A results tree in a shared directory: a planted symbolic link at any
 * level (results, results/EXP, results/EXP/RUN, .../services) or a
 * directory others can write is refused, and nothing is written through
 * it; what rundir makes is 0755 whatever the umask. */
START_TEST(rundir_refuses_symlinks)
{
	char dir[128], victim[192], out[PATH_MAX], why[PATH_MAX + 64];
	char cwd[PATH_MAX], db[192], want[PATH_MAX];
	mode_t old;

	ck_assert_ptr_nonnull(getcwd(cwd, sizeof(cwd)));
	ck_assert_ptr_nonnull(tu_tmpdir(dir, sizeof(dir), "rundir"));
	snprintf(victim, sizeof(victim), "%s/victim", dir);
	ck_assert_int_eq(mkdir(victim, 0700), 0);
	ck_assert_int_eq(chdir(dir), 0);
	old = umask(0);
	ck_assert_int_eq(rundir_make("fog", 3, "services", false, out, sizeof(out),
				     why, sizeof(why)), 0);
	umask(old);
	ck_assert_str_eq(out, "results/fog/3/services");
	ck_assert_uint_eq(mode_of("results"), 0755);
	ck_assert_uint_eq(mode_of("results/fog/3/services"), 0755);
	/* Again: all there, fine; absolute. */
	ck_assert_int_eq(rundir_make("fog", 3, NULL, true, out, sizeof(out),
				     why, sizeof(why)), 0);
	snprintf(want, sizeof(want), "%s/results/fog/3", dir);
	ck_assert_str_eq(out, want);
	/* A planted link, at each level. */
	ck_assert_int_eq(symlink(victim, "results/evil"), 0);
	ck_assert_int_eq(rundir_make("evil", 1, "services", false, out,
				     sizeof(out), why, sizeof(why)), -ELOOP);
	ck_assert_str_eq(why, "'results/evil' is a symbolic link");
	ck_assert_int_eq(symlink(victim, "results/fog/4"), 0);
	ck_assert_int_eq(rundir_make("fog", 4, NULL, false, out, sizeof(out),
				     why, sizeof(why)), -ELOOP);
	ck_assert_str_eq(why, "'results/fog/4' is a symbolic link");
	ck_assert_int_eq(symlink(victim, "results/fog/3/workloads"), 0);
	ck_assert_int_eq(rundir_make("fog", 3, "workloads", false, out,
				     sizeof(out), why, sizeof(why)), -ELOOP);
	ck_assert(dir_empty(victim));
	/* Writable by others: anyone could plant a link in it later. */
	ck_assert_int_eq(mkdir("results/open", 0755), 0);
	ck_assert_int_eq(chmod("results/open", 0777), 0);
	ck_assert_int_eq(rundir_make("open", 1, NULL, false, out, sizeof(out),
				     why, sizeof(why)), -EPERM);
	ck_assert_str_eq(why, "'results/open' is writable by group or others (mode 0777)");
	ck_assert_int_eq(rename("results", "results.old"), 0);
	ck_assert_int_eq(symlink(victim, "results"), 0);
	ck_assert_int_eq(rundir_make("fog", 3, NULL, false, out, sizeof(out),
				     why, sizeof(why)), -ELOOP);
	ck_assert_str_eq(why, "'results' is a symbolic link");
	/* The services tree beside the database: the same. */
	snprintf(db, sizeof(db), "%s/enos.db", dir);
	ck_assert_int_eq(rundir_services_make(db, "fog", out, sizeof(out), why,
					      sizeof(why)), 0);
	snprintf(want, sizeof(want), "%s/services/fog", dir);
	ck_assert_str_eq(out, want);
	ck_assert_uint_eq(mode_of("services"), 0711);
	ck_assert_int_eq(rename("services", "services.old"), 0);
	ck_assert_int_eq(symlink(victim, "services"), 0);
	ck_assert_int_eq(rundir_services_make(db, "fog", out, sizeof(out), why,
					      sizeof(why)), -ELOOP);
	snprintf(want, sizeof(want), "'%s/services' is a symbolic link", dir);
	ck_assert_str_eq(why, want);
	ck_assert(dir_empty(victim));
	ck_assert_int_eq(chdir(cwd), 0);
	tu_rmtree(dir);
}
END_TEST

/* The state holds every experiment's names, addresses and pids: it is
 * created private under any umask, and SQLite gives its -wal and -shm
 * the database file's mode. */
START_TEST(state_files_private)
{
	char dir[128], sub[192], db[256], path[300], *err = NULL;
	struct state *st = NULL;
	mode_t old;
	int rc;

	ck_assert_ptr_nonnull(tu_tmpdir(dir, sizeof(dir), "statemode"));
	snprintf(sub, sizeof(sub), "%s/lib/enos", dir);
	snprintf(db, sizeof(db), "%s/enos.db", sub);
	old = umask(0);
	rc = state_open(db, &st, &err);
	umask(old);
	ck_assert_msg(rc == 0, "%s", err);
	ck_assert_uint_eq(mode_of(db), 0600);
	snprintf(path, sizeof(path), "%s-wal", db);
	ck_assert_uint_eq(mode_of(path), 0600);
	snprintf(path, sizeof(path), "%s-shm", db);
	ck_assert_uint_eq(mode_of(path), 0600);
	ck_assert_uint_eq(mode_of(sub), 0711);
	snprintf(path, sizeof(path), "%s/lib", dir);
	ck_assert_uint_eq(mode_of(path), 0711);
	state_close(st);
	/* A database named through a link is not created elsewhere. */
	snprintf(path, sizeof(path), "%s/link.db", dir);
	ck_assert_int_eq(symlink("/nonexistent-enos-target.db", path), 0);
	ck_assert_int_lt(state_open(path, &st, &err), 0);
	ck_assert_ptr_null(st);
	ck_assert_msg(tu_contains(err, "link.db"), "%s", err);
	free(err);
	ck_assert_int_ne(access("/nonexistent-enos-target.db", F_OK), 0);
	tu_rmtree(dir);
}
END_TEST

/* A topology of SITES sites of NODES nodes of BACKEND (each with MEM
 * memory when not NULL). */
static struct topology *world_of(size_t sites, size_t nodes,
				 const char *backend, const char *mem)
{
	struct strbuf sb = STRBUF_INIT;
	struct topology *t;
	char *text, *err = NULL;
	size_t i, k;

	strbuf_adds(&sb, "name: cap\nsites:\n");
	for (i = 0; i < sites; i++) {
		strbuf_addf(&sb, "  - name: s%zu\n    role: %s\n    backend: %s\n",
			    i, i ? "edge" : "central", backend);
		if (i)
			strbuf_adds(&sb, "    parent: s0\n");
		if (!mem) {
			strbuf_addf(&sb, "    nodes: %zu\n", nodes);
			continue;
		}
		strbuf_adds(&sb, "    nodes:\n");
		for (k = 0; k < nodes; k++)
			strbuf_addf(&sb, "      - {name: n%zu-%zu, memory: %s}\n", i, k, mem);
	}
	text = strbuf_detach(&sb);
	t = topo_load_string(text, "cap.yaml", NULL, &err);
	ck_assert_msg(t != NULL, "%s", err);
	free(text);
	return t;
}

/* The host of the issue: 24 GiB, 20 GiB of it available, 2 cores. */
#define HOST_AVAIL (20ull << 30)
#define HOST_CORES 2

/* 64,000 namespace nodes and two 1 TiB VMs used to pass `check` without a
 * word on a 24 GiB, 2-core host: the world's need is estimated from the
 * backends' measured figures and compared with the host's. */
START_TEST(capacity_estimated)
{
	struct capacity c;
	char msg[512];
	struct topology *t;

	/* Two VMs of 1 TiB each. */
	t = world_of(2, 1, "qemu", "1024GiB");
	capacity_estimate(t, &c);
	ck_assert_uint_eq(c.memory, 2 * ((1024ull << 30) + node_qemu_ops.host_bytes) +
			  2 * node_netns_ops.host_bytes);
	ck_assert_uint_eq(c.vcpus, 2);
	ck_assert_int_eq(capacity_check(&c, HOST_AVAIL, HOST_CORES, msg,
					sizeof(msg)), -ENOMEM);
	ck_assert_msg(tu_contains(msg, "the world needs about 2048.5 GiB but only 20.0 GiB is available"),
		      "%s", msg);
	ck_assert_msg(tu_contains(msg, "2 qemu nodes"), "%s", msg);
	topo_free(t);
	/* 64,000 namespace nodes (64 sites of 1000). */
	t = world_of(64, 1000, "netns", NULL);
	capacity_estimate(t, &c);
	ck_assert_uint_eq(c.nodes, 64000);
	ck_assert_uint_eq(c.memory, 64064 * node_netns_ops.host_bytes);
	ck_assert_int_eq(capacity_check(&c, HOST_AVAIL, HOST_CORES, msg,
					sizeof(msg)),
			 c.memory > HOST_AVAIL ? -ENOMEM : 0);
	ck_assert_msg(tu_contains(msg, "64000 netns nodes"), "%s", msg);
	topo_free(t);
	/* A small world fits and says so; 8 VMs of one vCPU on 2 cores fit
	 * in memory but overcommit the CPUs (a note, not a refusal). */
	t = world_of(2, 4, "qemu", NULL);
	capacity_estimate(t, &c);
	ck_assert_uint_eq(c.vcpus, 8);
	ck_assert_int_eq(capacity_check(&c, HOST_AVAIL, HOST_CORES, msg,
					sizeof(msg)), 0);
	ck_assert_msg(tu_contains(msg, "the world needs about ") &&
		      tu_contains(msg, " of 20.0 GiB available"), "%s", msg);
	ck_assert(capacity_cpus_over(&c, HOST_CORES));
	ck_assert(!capacity_cpus_over(&c, 8));
	topo_free(t);
}
END_TEST

/* `enos check` says what the world takes and whether it fits, and names
 * --overcommit when it does not (`up` refuses it: tests/sys_harden.c). */
START_TEST(check_says_capacity)
{
	char dir[128], path[256], db[192], *out = NULL;

	ck_assert_ptr_nonnull(tu_tmpdir(dir, sizeof(dir), "capchk"));
	snprintf(db, sizeof(db), "%s/enos.db", dir);
	tu_write(dir, "vm.yaml", "name: big-vms\n"
		 "sites:\n"
		 "  - {name: c, role: central, nodes: [{name: a, backend: qemu, memory: 1024GiB},\n"
		 "                                    {name: b, backend: qemu, memory: 1024GiB}]}\n",
		 path, sizeof(path));
	ck_assert_int_eq(tu_enos(&out, db, "check", path, NULL), 0);
	ck_assert_msg(tu_contains(out, "warning: the world of 'big-vms' does not fit on this host: the world needs about 2048.5 GiB but only ") &&
		      tu_contains(out, "(2 qemu nodes, 1 gateway; 2 virtual CPUs on ") &&
		      tu_contains(out, "'enos up' refuses it without --overcommit"), "%s", out);
	free(out);
	ck_assert_int_eq(tu_enos(&out, db, "check", "topologies/etcd.yaml", NULL), 0);
	ck_assert_msg(tu_contains(out, "capacity: the world needs about ") &&
		      tu_contains(out, "(8 netns nodes, 4 gateways; 0 virtual CPUs on "),
		      "%s", out);
	free(out);
	tu_rmtree(dir);
}
END_TEST

/* rtt.tsv and summary.txt are written new and renamed into place: a link
 * planted where one goes is replaced, and what it pointed to untouched. */
START_TEST(rtt_files_replace_links)
{
	struct report_rtt row = { .src = "a", .dst = "b", .target_ms = 10,
				  .p50_ms = 10.1, .samples = 1 };
	char dir[128], victim[192], link[192];
	char *text = NULL;
	size_t len = 0;
	struct stat st;

	ck_assert_ptr_nonnull(tu_tmpdir(dir, sizeof(dir), "rttlink"));
	snprintf(link, sizeof(link), "%s/rtt.tsv", dir);
	tu_write(dir, "victim", "precious\n", victim, sizeof(victim));
	ck_assert_int_eq(symlink(victim, link), 0);
	ck_assert_int_eq(report_rtt_write(dir, "x", 1, &row, 1), 0);
	ck_assert_int_eq(lstat(link, &st), 0);
	ck_assert(S_ISREG(st.st_mode));
	ck_assert_int_eq(fs_read_file(victim, 4096, &text, &len), 0);
	ck_assert_str_eq(text, "precious\n");
	free(text);
	tu_rmtree(dir);
}
END_TEST

/* The host-wide claim of an experiment name (enos/claim.h): the first
 * database takes it, another is refused and told the owner, a claim whose
 * database is gone is taken over, a release by another database does
 * nothing, the owner's frees it. */
START_TEST(claim_one_database_per_name)
{
	char dir[128], claims[160], db1[192], db2[192], owner[PATH_MAX];
	int fd;

	ck_assert_ptr_nonnull(tu_tmpdir(dir, sizeof(dir), "claim"));
	snprintf(claims, sizeof(claims), "%s/run/.claims", dir);
	snprintf(db1, sizeof(db1), "%s/one.db", dir);
	snprintf(db2, sizeof(db2), "%s/two.db", dir);
	fd = open(db1, O_WRONLY | O_CREAT, 0600);
	ck_assert_int_ge(fd, 0);
	close(fd);
	fd = open(db2, O_WRONLY | O_CREAT, 0600);
	ck_assert_int_ge(fd, 0);
	close(fd);
	/* Free: looking takes nothing; taking does, made 0700. */
	ck_assert_int_eq(claim_take(claims, "up", db2, false, owner, sizeof(owner)), 0);
	ck_assert_int_eq(claim_take(claims, "up", db1, true, owner, sizeof(owner)), 0);
	ck_assert_int_eq(claim_take(claims, "up", db1, true, owner, sizeof(owner)), 0);
	{
		struct stat st;

		ck_assert_int_eq(stat(claims, &st), 0);
		ck_assert_uint_eq(st.st_mode & 07777, 0700);
	}
	/* Another database: refused either way, the owner named. */
	ck_assert_int_eq(claim_take(claims, "up", db2, true, owner, sizeof(owner)), -EBUSY);
	ck_assert_str_eq(owner, db1);
	ck_assert_int_eq(claim_take(claims, "up", db2, false, owner, sizeof(owner)), -EBUSY);
	/* Names differing by one character, or sharing a prefix, are apart. */
	ck_assert_int_eq(claim_take(claims, "uq", db2, true, owner, sizeof(owner)), 0);
	ck_assert_int_eq(claim_take(claims, "up-2", db2, true, owner, sizeof(owner)), 0);
	/* A release by another database leaves it; the owner's frees it. */
	ck_assert_int_eq(claim_release(claims, "up", db2), 0);
	ck_assert_int_eq(claim_take(claims, "up", db2, true, owner, sizeof(owner)), -EBUSY);
	ck_assert_int_eq(claim_release(claims, "up", db1), 0);
	ck_assert_int_eq(claim_release(claims, "up", db1), 0);
	ck_assert_int_eq(claim_take(claims, "up", db2, true, owner, sizeof(owner)), 0);
	/* Its database gone: stale, taken over. */
	ck_assert_int_eq(unlink(db2), 0);
	ck_assert_int_eq(claim_take(claims, "up", db1, true, owner, sizeof(owner)), 0);
	ck_assert_int_eq(claim_take(claims, "up", db1, false, owner, sizeof(owner)), 0);
	tu_rmtree(dir);
}
END_TEST

Suite *make_harden_suite(void)
{
	Suite *s = suite_create("harden");
	TCase *tc = tcase_create("input");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, matrix_fifo_refused);
	tcase_add_test(tc, child_prepare_cloexec_and_unblocked);
	tcase_add_test(tc, rules_and_faults_capped);
	tcase_add_test(tc, resolver_stops_when_asked);
	tcase_add_test(tc, stack_find_ignores_cwd);
	tcase_add_test(tc, stack_file_must_be_trusted);
	tcase_add_test(tc, rundir_refuses_symlinks);
	tcase_add_test(tc, state_files_private);
	tcase_add_test(tc, capacity_estimated);
	tcase_add_test(tc, check_says_capacity);
	tcase_add_test(tc, rtt_files_replace_links);
	tcase_add_test(tc, claim_one_database_per_name);
	suite_add_tcase(s, tc);
	return s;
}
