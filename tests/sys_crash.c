/* sys_crash — kill -9 anywhere, then `down` (issue 15), through the enos
 * binary and its crash points (util/crash.h: ENOS_CRASH_AT=PHASE:STEP
 * makes enos SIGKILL itself at that line).
 *
 * Each point: the command runs with the point set and must die there
 * (status 137); then `down` (a second `down` where the first was the one
 * killed, and a third to show it stays idempotent) must leave no
 * namespace, link, bridge, OVS bridge, libvirt domain, cgroup, process
 * that enos started (recorded, a service, found in the experiment's
 * namespaces, or naming the experiment on its command line), lock, socket
 * or temporary file; the database passes `PRAGMA integrity_check` and
 * `foreign_key_check`; and every run finished before the kill is still
 * there, identical (outcome, results, operations, summaries, facts).
 *
 * The kills, 30 (28 distinct points; 29 without OpenStack), on worlds of
 * netns nodes (wand engine) unless said: up (recorded, bridges, 2nd
 * gateway, 3rd node, world built, engine started, shaped, marked up);
 * tc (engine, before apply), fault set (recorded, not applied); enos bench with an rtt workload (a batch
 * inserted but not committed; a batch committed); a sweep (mid-pair, the
 * run made but the pair not recorded; between pairs); deploy (recorded,
 * between the setup steps of a stack's "migration", the 2nd etcd member
 * spawned, every member ready); down itself (services stopped, engine
 * stopped, bridges deleted, namespaces swept, world down but not
 * forgotten); up of lxc nodes (daemons started; the 2nd domain started),
 * of a qemu node (waiting for it to boot), on Open vSwitch (bridges made).
 * OpenStack killed between keystone's database migration and the rest of
 * its setup (8 s here: the kill comes before the slow services), skipped
 * saying why when its packages are missing.
 *
 * Also here: the wand engine SIGKILLed under traffic (status says so,
 * `tc --test` fails naming the engine, `enos tc` restarts it and the
 * traffic flows again, `down` cleans it); a full disk under the database
 * and the results (a small tmpfs): a clear error, an intact database, the
 * run not shown as finished; a limit of 64 descriptors: a clear error, no
 * crash, an intact database.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <sqlite3.h>

#include "emulator/caps.h"
#include "emulator/node_qemu.h"
#include "emulator/world.h"
#include "enos/claim.h"
#include "enos/state.h"
#include "tests/suites.h"
#include "tests/testutil.h"
#include "util/crash.h"

#define FIXTURE_STACKS  "tests/fixtures/stacks/crash"
#define MAX_PIDS        512
#define MAX_RUNS        64

static struct tu_case tc;
static char stacks_dir[PATH_MAX];       /* FIXTURE_STACKS, absolute */

static void case_setup(void)
{
	ck_assert_int_eq(tu_case_setup(&tc, "crash"), 0);
}

static void case_teardown(void)
{
	tu_case_teardown(&tc);
}

/* In the (forked) test: the binary and the fixture stacks by absolute
 * path, and the case's directory as the working directory, so results/
 * lands there and goes with it. */
static void enter_case(void)
{
	char abs[PATH_MAX];

	if (realpath(tu_enos_bin(), abs))
		setenv("ENOS_BIN", abs, 1);
	tu_agent_env();
	ck_assert_ptr_nonnull(realpath(FIXTURE_STACKS, stacks_dir));
	ck_assert_int_eq(chdir(tc.dir), 0);
}

/* Stacks from the fixtures (crash-sleep, crash-migrate), or the tree's
 * (etcd). */
static void fixture_stacks(bool on)
{
	if (on)
		setenv("ENOS_STACKS_DIR", stacks_dir, 1);
	else
		unsetenv("ENOS_STACKS_DIR");
}

/* ---- the worlds ---- */

struct world_opts {
	const char *stack;      /* "crash-sleep", "etcd", ... or NULL */
	const char *strategy;   /* or NULL */
	const char *workload;   /* the value of workload:, or NULL */
	const char *backend;    /* every site's nodes: NULL is netns */
	const char *fabric;     /* NULL: bridge */
	int central_nodes;      /* 0: 3 */
};

/* Four sites (central of 3 nodes, regional, two edges of one), wand
 * shaping: 10 ms RTT edge <-> central, 1 ms one way elsewhere. */
static const char *write_world(const char *name, const struct world_opts *o,
			       char *path, size_t len)
{
	char text[2048], backend[64] = "", stack[128] = "", workload[256] = "";
	char fabric[64] = "";

	if (o->backend)
		snprintf(backend, sizeof(backend), ", backend: %s", o->backend);
	if (o->fabric)
		snprintf(fabric, sizeof(fabric), "  fabric: %s\n", o->fabric);
	if (o->stack)
		snprintf(stack, sizeof(stack), "stack: {name: %s%s%s}\n", o->stack,
			 o->strategy ? ", strategy: " : "",
			 o->strategy ? o->strategy : "");
	if (o->workload)
		snprintf(workload, sizeof(workload), "workload: %s\n", o->workload);
	snprintf(text, sizeof(text),
		 "name: %s\n"
		 "sites:\n"
		 "  - {name: central, role: central, nodes: %d%s}\n"
		 "  - {name: regional, role: regional, parent: central%s}\n"
		 "  - {name: edge, role: edge, parent: regional, count: 2%s}\n"
		 "network:\n"
		 "  shaping: wand\n"
		 "%s"
		 "  default: {delay: 1ms}\n"
		 "  constraints:\n"
		 "    - {src: \"role:edge\", dst: \"role:central\", rtt: 10ms}\n"
		 "%s%s",
		 name, o->central_nodes ? o->central_nodes : 3, backend, backend,
		 backend, fabric, stack, workload);
	return tu_write(tc.dir, name, text, path, len);
}

/* ---- reading the database ---- */

static sqlite3 *db_open(const char *path)
{
	sqlite3 *db = NULL;

	ck_assert_int_eq(sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL),
			 SQLITE_OK);
	sqlite3_busy_timeout(db, 5000);
	return db;
}

/* The first column of SQL (?1 = TEXT if not NULL, ?2 = I2) as text into
 * OUT; "" when there is no row or it is NULL. */
static void q_text(sqlite3 *db, const char *sql, const char *text, int64_t i2,
		   char *out, size_t len)
{
	sqlite3_stmt *s = NULL;

	out[0] = '\0';
	ck_assert_msg(sqlite3_prepare_v2(db, sql, -1, &s, NULL) == SQLITE_OK,
		      "%s: %s", sql, sqlite3_errmsg(db));
	if (text)
		sqlite3_bind_text(s, 1, text, -1, SQLITE_STATIC);
	if (sqlite3_bind_parameter_count(s) >= 2)
		sqlite3_bind_int64(s, 2, i2);
	if (sqlite3_step(s) == SQLITE_ROW && sqlite3_column_text(s, 0))
		snprintf(out, len, "%s", (const char *)sqlite3_column_text(s, 0));
	sqlite3_finalize(s);
}

static int64_t q_int(sqlite3 *db, const char *sql, const char *text, int64_t i2)
{
	char buf[64];

	q_text(db, sql, text, i2, buf, sizeof(buf));
	return buf[0] ? strtoll(buf, NULL, 10) : -1;
}

/* PRAGMA integrity_check says "ok" and foreign_key_check finds nothing. */
static void assert_db_intact(const char *path)
{
	sqlite3 *db = db_open(path);
	char buf[512];

	q_text(db, "PRAGMA integrity_check", NULL, 0, buf, sizeof(buf));
	ck_assert_msg(strcmp(buf, "ok") == 0, "%s: integrity_check: %s", path, buf);
	q_text(db, "PRAGMA foreign_key_check", NULL, 0, buf, sizeof(buf));
	ck_assert_msg(buf[0] == '\0', "%s: foreign_key_check: %s", path, buf);
	sqlite3_close(db);
}

/* Every finished run, with what it holds. */
struct run_fp {
	int64_t id;
	char fp[512];
};

static const char fp_sql[] =
	"SELECT r.kind || '|' || r.outcome || '|' || r.ended || '|' ||"
	" (SELECT count(*) FROM results WHERE run = r.id) || '|' ||"
	" (SELECT printf('%.17g', total(value)) FROM results WHERE run = r.id) || '|' ||"
	" (SELECT count(*) FROM workload_ops WHERE run = r.id) || '|' ||"
	" (SELECT printf('%.17g', total(duration_ms)) FROM workload_ops WHERE run = r.id) || '|' ||"
	" (SELECT count(*) FROM workload_summaries WHERE run = r.id) || '|' ||"
	" (SELECT count(*) FROM facts WHERE run = r.id)"
	" FROM runs r WHERE ?1 IS NULL AND r.id = ?2";

static size_t finished_runs(const char *path, struct run_fp *v, size_t max)
{
	sqlite3 *db;
	sqlite3_stmt *s = NULL;
	size_t n = 0;

	if (access(path, F_OK) != 0)
		return 0;       /* no database yet: nothing finished */
	db = db_open(path);

	ck_assert_int_eq(sqlite3_prepare_v2(db, "SELECT id FROM runs WHERE ended"
					    " IS NOT NULL AND outcome IS NOT NULL"
					    " ORDER BY id", -1, &s, NULL), SQLITE_OK);
	while (n < max && sqlite3_step(s) == SQLITE_ROW)
		v[n++].id = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	for (size_t i = 0; i < n; i++)
		q_text(db, fp_sql, NULL, v[i].id, v[i].fp, sizeof(v[i].fp));
	sqlite3_close(db);
	return n;
}

/* Every run of V[0..N) is still there, holding the same. */
static void assert_runs_intact(const char *path, const struct run_fp *v,
			       size_t n, const char *at)
{
	sqlite3 *db = db_open(path);
	char fp[512];

	for (size_t i = 0; i < n; i++) {
		q_text(db, fp_sql, NULL, v[i].id, fp, sizeof(fp));
		ck_assert_msg(strcmp(fp, v[i].fp) == 0,
			      "%s: run %lld changed: was %s, now %s", at,
			      (long long)v[i].id, v[i].fp, fp[0] ? fp : "(gone)");
	}
	sqlite3_close(db);
}

/* ---- what an experiment leaves ---- */

/* Processes that may belong to an experiment, by pid. */
struct procs {
	int pid[MAX_PIDS];
	char what[MAX_PIDS][48];
	size_t n;
};

static void procs_add(struct procs *p, int pid, const char *what)
{
	size_t i;

	if (pid <= 0 || pid == getpid())
		return;
	for (i = 0; i < p->n; i++)
		if (p->pid[i] == pid)
			return;
	if (p->n < MAX_PIDS) {
		p->pid[p->n] = pid;
		snprintf(p->what[p->n++], sizeof(p->what[0]), "%s", what);
	}
}

/* The inodes of NAME's namespaces (/run/netns/enos.NAME.*). */
static size_t netns_inodes(const char *name, ino_t *v, size_t max)
{
	char prefix[96], path[PATH_MAX];
	struct dirent *e;
	struct stat sb;
	size_t n = 0;
	DIR *d = opendir("/run/netns");

	snprintf(prefix, sizeof(prefix), "enos.%s.", name);
	while (d && (e = readdir(d)) && n < max) {
		if (strncmp(e->d_name, prefix, strlen(prefix)) != 0)
			continue;
		snprintf(path, sizeof(path), "/run/netns/%s", e->d_name);
		if (stat(path, &sb) == 0)
			v[n++] = sb.st_ino;
	}
	if (d)
		closedir(d);
	return n;
}

/* Every live process inside one of NAME's namespaces, or whose command
 * line names the experiment (its engine's /run/enos/NAME/, a domain
 * enos.NAME.NODE), into P. */
static void scan_procs(const char *name, struct procs *p)
{
	char path[PATH_MAX], cmd[4096], mark1[96], mark2[96];
	ino_t inos[1024];
	size_t n_inos = netns_inodes(name, inos, 1024), i;
	struct dirent *e;
	struct stat sb;
	DIR *d = opendir("/proc");

	snprintf(mark1, sizeof(mark1), "enos.%s.", name);
	snprintf(mark2, sizeof(mark2), "/run/enos/%s/", name);
	while (d && (e = readdir(d))) {
		int pid = (int)strtol(e->d_name, NULL, 10);
		ssize_t r;
		int fd;

		if (pid <= 1 || pid == getpid() || !tu_alive(pid))
			continue;
		snprintf(path, sizeof(path), "/proc/%d/ns/net", pid);
		if (n_inos && stat(path, &sb) == 0)
			for (i = 0; i < n_inos; i++)
				if (sb.st_ino == inos[i])
					procs_add(p, pid, "inside a namespace");
		snprintf(path, sizeof(path), "/proc/%d/cmdline", pid);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		r = read(fd, cmd, sizeof(cmd) - 1);
		close(fd);
		if (r <= 0)
			continue;
		for (i = 0; i < (size_t)r; i++)
			if (cmd[i] == '\0')
				cmd[i] = ' ';
		cmd[r] = '\0';
		/* Not the test's own commands (enos -n NAME ...). */
		if (strstr(cmd, "check-all"))
			continue;
		if (strstr(cmd, mark1) || strstr(cmd, mark2))
			procs_add(p, pid, "naming the experiment");
	}
	if (d)
		closedir(d);
}

/* What NAME has running now: recorded processes and services, and what
 * scan_procs() finds. */
static void snapshot(const char *db_path, const char *name, struct procs *p)
{
	struct state *st = NULL;
	char **whats = NULL, *err = NULL;
	int *pids = NULL;
	size_t n = 0, i;
	sqlite3 *db;
	sqlite3_stmt *s = NULL;

	p->n = 0;
	if (state_open(db_path, &st, &err) == 0 &&
	    state_processes(st, name, &pids, &whats, &n) == 0)
		for (i = 0; i < n; i++)
			procs_add(p, pids[i], whats[i]);
	free(err);
	free(pids);
	state_free_names(whats);
	state_close(st);
	db = db_open(db_path);
	ck_assert_int_eq(sqlite3_prepare_v2(db, "SELECT pid, instance FROM services"
					    " WHERE experiment = ?1", -1, &s, NULL),
			 SQLITE_OK);
	sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
	while (sqlite3_step(s) == SQLITE_ROW)
		procs_add(p, sqlite3_column_int(s, 0),
			  (const char *)sqlite3_column_text(s, 1));
	sqlite3_finalize(s);
	sqlite3_close(db);
	scan_procs(name, p);
}

/* Directories under /sys/fs/cgroup (DEPTH levels) whose name holds NEEDLE. */
static int cgroups_with(const char *dir, const char *needle, int depth)
{
	char path[PATH_MAX];
	struct dirent *e;
	DIR *d;
	int n = 0;

	if (depth < 0 || !(d = opendir(dir)))
		return 0;
	while ((e = readdir(d))) {
		if (e->d_type != DT_DIR || e->d_name[0] == '.')
			continue;
		if (strstr(e->d_name, needle))
			n++;
		if (snprintf(path, sizeof(path), "%s/%s", dir, e->d_name) < (int)sizeof(path))
			n += cgroups_with(path, needle, depth - 1);
	}
	closedir(d);
	return n;
}

/* cgroups libvirt made for NAME's domains ("enos.NAME.", or systemd's
 * escaped form with '-' as \x2d). */
static int cgroups_of(const char *name)
{
	char plain[96], esc[192];
	size_t i, k = 0;

	snprintf(plain, sizeof(plain), "enos.%s.", name);
	for (i = 0; plain[i] && k + 5 < sizeof(esc); i++) {
		if (plain[i] == '-') {
			memcpy(esc + k, "\\x2d", 4);
			k += 4;
		} else {
			esc[k++] = plain[i];
		}
	}
	esc[k] = '\0';
	return cgroups_with("/sys/fs/cgroup", plain, 4) +
	       (strcmp(esc, plain) ? cgroups_with("/sys/fs/cgroup", esc, 4) : 0);
}

/* OVS bridges named with TAG (0 when no ovsdb-server runs). */
static int ovs_bridges(const char *tag)
{
	char *argv[] = { "ovs-vsctl", "--timeout=10", "list-br", NULL };
	char *out = NULL, *p;
	int n = 0;

	if (access("/var/run/openvswitch/db.sock", F_OK) != 0 ||
	    tu_run(&out, argv) != 0)
		goto out;
	for (p = out; (p = strstr(p, tag)); p++)
		n++;
out:
	free(out);
	return n;
}

/* Hidden files (temporaries: ".NAME.tmp", ".NAME.XXXXXX") anywhere under
 * DIR, the first into FOUND. */
static int hidden_files(const char *dir, char *found, size_t len)
{
	char path[PATH_MAX];
	struct dirent *e;
	DIR *d = opendir(dir);
	int n = 0;

	if (!d)
		return 0;
	while ((e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (e->d_name[0] == '.') {
			if (!n++)
				snprintf(found, len, "%s", path);
		} else if (e->d_type == DT_DIR) {
			n += hidden_files(path, found, len);
		}
	}
	closedir(d);
	return n;
}

static bool exists(const char *fmt, const char *name)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), fmt, name);
	return access(path, F_OK) == 0;
}

/* The experiment lock of NAME (phase_lock: DB-NAME.lock) is held by
 * nobody: a kill released it, and down let it go. */
static bool lock_free(const char *db_path, const char *name)
{
	char path[PATH_MAX];
	bool free_now;
	int fd;

	snprintf(path, sizeof(path), "%s-%s.lock", db_path, name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT;
	free_now = flock(fd, LOCK_EX | LOCK_NB) == 0;
	close(fd);
	return free_now;
}

/* Nothing of NAME (link tag TAG) is left; BEFORE was running before down,
 * whose output DOWN_OUT may say it left a shared daemon running. */
static void assert_clean(const char *db_path, const char *name, const char *tag,
			 const struct procs *before, const char *down_out,
			 const char *at)
{
	char dir[PATH_MAX], found[PATH_MAX] = "", note[128];
	struct procs now = { .n = 0 };
	size_t i;

	ck_assert_msg(tu_netns_count(name) == 0, "%s: namespaces of '%s' left", at, name);
	ck_assert_msg(tu_leftovers(name, tag) == 0, "%s: links of tag %s left", at, tag);
	ck_assert_msg(ovs_bridges(tag) == 0, "%s: OVS bridges of tag %s left", at, tag);
	ck_assert_msg(tu_domains("lxc:///", name) == 0, "%s: lxc domains left", at);
	ck_assert_msg(tu_domains("qemu:///system", name) == 0, "%s: qemu domains left", at);
	ck_assert_msg(cgroups_of(name) == 0, "%s: cgroups of '%s' left", at, name);
	for (i = 0; i < before->n; i++) {
		if (!tu_alive(before->pid[i]))
			continue;
		snprintf(note, sizeof(note), "left %s (pid %d) running",
			 before->what[i], before->pid[i]);
		ck_assert_msg(tu_contains(down_out, note),
			      "%s: %s (pid %d) still runs after down", at,
			      before->what[i], before->pid[i]);
	}
	scan_procs(name, &now);
	ck_assert_msg(now.n == 0, "%s: pid %d (%s) still runs after down", at,
		      now.n ? now.pid[0] : 0, now.n ? now.what[0] : "");
	ck_assert_msg(!exists("/run/enos/%s", name), "%s: /run/enos/%s left", at, name);
	/* The name is free for another state database again. */
	ck_assert_msg(!exists(CLAIM_DIR "/%s", name), "%s: the claim %s/%s is left",
		      at, CLAIM_DIR, name);
	ck_assert_msg(!exists("/run/enos/.lxc/%s", name), "%s: lxc directories left", at);
	ck_assert_msg(lock_free(db_path, name), "%s: the lock of '%s' is still held", at, name);
	ck_assert_msg(tu_files_of(NODE_QEMU_DIR, name) == 0, "%s: qemu files left", at);
	snprintf(dir, sizeof(dir), "%.*s/services/%s",
		 (int)(strrchr(db_path, '/') - db_path), db_path, name);
	ck_assert_msg(access(dir, F_OK) != 0, "%s: %s left", at, dir);
	ck_assert_msg(hidden_files(tc.dir, found, sizeof(found)) == 0,
		      "%s: temporary file %s left", at, found);
	assert_db_intact(db_path);
	{
		sqlite3 *db = db_open(db_path);

		ck_assert_msg(q_int(db, "SELECT count(*) FROM experiments WHERE name = ?1",
				    name, 0) == 0, "%s: '%s' still recorded", at, name);
		sqlite3_close(db);
	}
}

/* ---- one crash point ---- */

/* Run enos (--db DB) with ENOS_CRASH_AT=AT and the NULL-terminated
 * arguments: it must die at the point, by SIGKILL. */
static void crash_at(const char *db, const char *at, ...)
{
	char *out = NULL;
	va_list ap;
	int rc;

	setenv(CRASH_ENV, at, 1);
	va_start(ap, at);
	rc = tu_enos_v(&out, NULL, db, ap);
	va_end(ap);
	unsetenv(CRASH_ENV);
	ck_assert_msg(rc == 128 + SIGKILL,
		      "%s: enos exited %d instead of dying at the point:\n%s",
		      at, rc, out);
	free(out);
}

/* How a point's world is prepared before the command is killed. */
enum prep {
	PREP_NONE,              /* nothing: the command builds it */
	PREP_UP,                /* `up` (deploying its stack) */
	PREP_UP_NO_DEPLOY,      /* `up --no-deploy` */
};

/* A point: killed at AT while running ARGS (up to 7 words: "@T" the
 * topology, "@N" the name, "@S" the sweep file); DOWN_KILLED when the
 * command is `down` itself. CHECK (may be NULL) looks at what the kill
 * left before `down` runs. */
struct point {
	const char *at;
	enum prep prep;
	const char *args[8];
	bool down_killed;
	void (*check)(const char *name);
};

/* The topology and sweep the points of one walk use. */
struct walk {
	const char *name;
	const char *topo;
	const char *sweep;      /* or NULL */
	bool fixtures;          /* stacks from tests/fixtures/stacks/crash */
};

static const char *subst(const struct walk *w, const char *a)
{
	if (!a)
		return NULL;
	if (!strcmp(a, "@T"))
		return w->topo;
	if (!strcmp(a, "@N"))
		return w->name;
	if (!strcmp(a, "@S"))
		return w->sweep;
	return a;
}

static void prepare(const struct walk *w, enum prep prep)
{
	char *out = NULL;
	int rc;

	if (prep == PREP_NONE)
		return;
	if (prep == PREP_UP_NO_DEPLOY)
		rc = tu_enos(&out, tc.db, "up", "--no-deploy", w->topo, NULL);
	else
		rc = tu_enos(&out, tc.db, "up", w->topo, NULL);
	ck_assert_msg(rc == 0, "up before the point: %s", out);
	free(out);
}

/* Kill the command of P at its point, then down, then check. */
static void run_point(const struct walk *w, const struct point *p)
{
	struct run_fp runs[MAX_RUNS];
	struct procs before;
	char tag[WORLD_TAG_LEN + 1], *out = NULL, *out2 = NULL;
	const char *a[8];
	size_t n_runs, i;
	double t0 = tu_now_s();
	int rc;

	world_tag(w->name, 0, tag);
	fixture_stacks(w->fixtures);
	prepare(w, p->prep);
	n_runs = finished_runs(tc.db, runs, MAX_RUNS);
	for (i = 0; i < 8; i++)
		a[i] = subst(w, p->args[i]);
	crash_at(tc.db, p->at, a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7],
		 NULL);
	if (p->check)
		p->check(w->name);
	snapshot(tc.db, w->name, &before);
	rc = tu_enos(&out, tc.db, "down", "-n", w->name, NULL);
	ck_assert_msg(rc == 0, "%s: down after the kill: %s", p->at, out);
	/* That down gave the name's claim up (the second one would sweep
	 * an unrecorded name's claim too). */
	ck_assert_msg(!exists(CLAIM_DIR "/%s", w->name),
		      "%s: down after the kill left the claim %s/%s", p->at,
		      CLAIM_DIR, w->name);
	/* Again: nothing recorded, the prefixes swept, still fine. */
	rc = tu_enos(&out2, tc.db, "down", "-n", w->name, NULL);
	ck_assert_msg(rc == 0 && tu_contains(out2, "is not recorded"),
		      "%s: down again: %s", p->at, out2);
	assert_clean(tc.db, w->name, tag, &before, out, p->at);
	assert_runs_intact(tc.db, runs, n_runs, p->at);
	printf("sys_crash: %-28s %zu processes gone, %zu runs intact, %.1f s\n",
	       p->at, before.n, n_runs, tu_now_s() - t0);
	free(out);
	free(out2);
}

static void walk(const struct walk *w, const struct point *pts, size_t n)
{
	for (size_t i = 0; i < n; i++)
		run_point(w, &pts[i]);
}

/* A finished run in the case's database to keep intact through every
 * kill: `enos run` of TOPO (with its workload when it has one), or of a
 * small world of netns nodes with an rtt workload when TOPO is NULL (for
 * walks whose own world is slow to run). */
static void finished_run(const char *topo)
{
	struct world_opts o = { .central_nodes = 1,
		.workload = "{name: rtt, samples: 10, interval: 5ms}" };
	char path[256], name[32];

	if (!topo) {
		snprintf(name, sizeof(name), "cb-%d", (int)getpid());
		topo = write_world(name, &o, path, sizeof(path));
	}
	struct run_fp runs[MAX_RUNS];
	char *out = NULL;
	size_t n;
	int rc;

	rc = tu_enos(&out, tc.db, "run", "--samples", "3", topo, NULL);
	ck_assert_msg(rc == 0, "run: %s", out);
	free(out);
	n = finished_runs(tc.db, runs, MAX_RUNS);
	ck_assert_int_ge(n, 1);
}

/* ---- the checks of single points ---- */

/* The newest bench run of NAME: its outcome ("" while open) and
 * operations. */
static void newest_bench(const char *name, char *outcome, size_t len,
			 int64_t *ops)
{
	sqlite3 *db = db_open(tc.db);
	int64_t id = q_int(db, "SELECT max(id) FROM runs WHERE experiment = ?1"
			   " AND kind = 'bench'", name, 0);

	ck_assert_int_gt(id, 0);
	q_text(db, "SELECT outcome FROM runs WHERE ?1 IS NULL AND id = ?2", NULL, id,
	       outcome, len);
	*ops = q_int(db, "SELECT count(*) FROM workload_ops WHERE ?1 IS NULL AND run = ?2",
		     NULL, id);
	sqlite3_close(db);
}

/* Killed between a batch's inserts and its commit: none of it stored,
 * and the run not shown as finished. */
static void check_uncommitted(const char *name)
{
	char outcome[32];
	int64_t ops;

	newest_bench(name, outcome, sizeof(outcome), &ops);
	ck_assert_msg(ops == 0, "a batch never committed shows %lld operations",
		      (long long)ops);
	ck_assert_msg(outcome[0] == '\0', "the killed bench run says '%s'", outcome);
}

/* Killed after a batch's commit: it is stored, the run still open. */
static void check_committed(const char *name)
{
	char outcome[32];
	int64_t ops;

	newest_bench(name, outcome, sizeof(outcome), &ops);
	ck_assert_msg(ops > 0, "the committed batch is not stored");
	ck_assert_msg(outcome[0] == '\0', "the killed bench run says '%s'", outcome);
}

/* Killed between the second and third step of the "migration": the two
 * first ran, the third did not. */
static void check_mid_migration(const char *name)
{
	char *text = NULL;
	char *argv[] = { "sh", "-c", "cat services/*/db-1/data/schema", NULL };

	(void)name;
	ck_assert_int_eq(tu_run(&text, argv), 0);
	ck_assert_msg(strcmp(text, "1\n2\n") == 0, "schema after the kill: '%s'", text);
	free(text);
}

/* Killed with the fault recorded, not applied: it is listed active. */
static void check_fault_recorded(const char *name)
{
	char *out = NULL;

	ck_assert_int_eq(tu_enos(&out, tc.db, "fault", "-n", name, "list", NULL), 0);
	ck_assert_msg(tu_contains(out, "loss=5%"), "%s", out);
	free(out);
}

/* ---- the walks ---- */

START_TEST(kill_up_netns_then_down)
{
	static const struct point pts[] = {
		{ "up:recorded", PREP_NONE, { "up", "@T" }, false, NULL },
		{ "up:bridges", PREP_NONE, { "up", "@T" }, false, NULL },
		{ "up:gateway@2", PREP_NONE, { "up", "@T" }, false, NULL },
		{ "up:node@3", PREP_NONE, { "up", "@T" }, false, NULL },
		{ "up:world_built", PREP_NONE, { "up", "@T" }, false, NULL },
		{ "up:engine", PREP_NONE, { "up", "@T" }, false, NULL },
		{ "up:shaped", PREP_NONE, { "up", "@T" }, false, NULL },
		{ "up:marked_up", PREP_NONE, { "up", "@T" }, false, NULL },
	};
	struct world_opts o = { .workload = "{name: rtt, samples: 10, interval: 5ms}" };
	char topo[256], name[32];
	struct walk w = { .name = name, .topo = topo };

	enter_case();
	snprintf(name, sizeof(name), "cu-%d", (int)getpid());
	write_world(name, &o, topo, sizeof(topo));
	finished_run(topo);
	walk(&w, pts, sizeof(pts) / sizeof(pts[0]));
}
END_TEST

START_TEST(kill_commands_then_down)
{
	static const struct point pts[] = {
		{ "tc:engine", PREP_UP, { "tc", "-n", "@N" }, false, NULL },
		{ "tc:before_apply", PREP_UP, { "tc", "-n", "@N" }, false, NULL },
		{ "fault:recorded", PREP_UP, { "fault", "-n", "@N", "set", "central",
					       "edge-1", "loss=5%" }, false,
		  check_fault_recorded },
		{ "bench:before_commit", PREP_UP, { "bench", "-n", "@N" }, false,
		  check_uncommitted },
		{ "bench:committed", PREP_UP, { "bench", "-n", "@N" }, false,
		  check_committed },
		{ "sweep:stepped@1", PREP_NONE, { "sweep", "@S" }, false, NULL },
		{ "sweep:pair_done@1", PREP_NONE, { "sweep", "--resume", "@S" }, false,
		  NULL },
	};
	struct world_opts o = { .workload = "{name: rtt, samples: 100, interval: 10ms}" };
	char topo[256], name[32], sweep[256], text[512], *out = NULL;
	struct walk w = { .name = name, .topo = topo, .sweep = sweep };
	int rc;

	enter_case();
	snprintf(name, sizeof(name), "cc-%d", (int)getpid());
	write_world(name, &o, topo, sizeof(topo));
	snprintf(text, sizeof(text),
		 "name: crash-%d\ntopology: %s\naxes:\n  network.default.delay: [1ms, 2ms]\n"
		 "order: sequential\n", (int)getpid(), name);
	tu_write(tc.dir, "sweep.yaml", text, sweep, sizeof(sweep));
	finished_run(topo);
	walk(&w, pts, sizeof(pts) / sizeof(pts[0]));
	/* The sweep resumes after both kills and finishes its two pairs. */
	rc = tu_enos(&out, tc.db, "sweep", "--resume", sweep, NULL);
	ck_assert_msg(rc == 0 && tu_contains(out, "all 2 pairs done (1 in this run)"), "sweep --resume after the kills: %s", out);
	free(out);
	assert_db_intact(tc.db);
}
END_TEST

/* `down` itself killed, with services to stop and an engine: the next
 * `down` resumes from what the killed one left. */
START_TEST(kill_down_then_down)
{
	static const struct point pts[] = {
		{ "down:services_stopped", PREP_UP, { "down", "-n", "@N" }, true, NULL },
		{ "down:engine_stopped", PREP_UP, { "down", "-n", "@N" }, true, NULL },
		{ "down:bridges_deleted", PREP_UP, { "down", "-n", "@N" }, true, NULL },
		{ "down:netns_swept", PREP_UP, { "down", "-n", "@N" }, true, NULL },
		{ "down:world_down", PREP_UP, { "down", "-n", "@N" }, true, NULL },
	};
	struct world_opts o = { .stack = "crash-sleep" };
	char topo[256], name[32];
	struct walk w = { .name = name, .topo = topo, .fixtures = true };

	enter_case();
	snprintf(name, sizeof(name), "cd-%d", (int)getpid());
	write_world(name, &o, topo, sizeof(topo));
	fixture_stacks(true);
	finished_run(topo);
	walk(&w, pts, sizeof(pts) / sizeof(pts[0]));
}
END_TEST

/* Deploys killed: instances recorded but none started; between two steps
 * of a service's "migration" (its setup); in `enos deploy` too. */
START_TEST(kill_deploy_then_down)
{
	static const struct point sleep_pts[] = {
		{ "deploy:recorded", PREP_NONE, { "up", "@T" }, false, NULL },
		{ "deploy:spawned@2", PREP_UP_NO_DEPLOY, { "deploy", "-n", "@N" }, false,
		  NULL },
	};
	static const struct point migrate_pts[] = {
		{ "deploy:setup:db@2", PREP_NONE, { "up", "@T" }, false,
		  check_mid_migration },
	};
	struct world_opts o = { .stack = "crash-sleep" };
	char topo[256], name[32], topo2[256], name2[32];
	struct walk w = { .name = name, .topo = topo, .fixtures = true };
	struct walk w2 = { .name = name2, .topo = topo2, .fixtures = true };

	enter_case();
	snprintf(name, sizeof(name), "cp-%d", (int)getpid());
	write_world(name, &o, topo, sizeof(topo));
	fixture_stacks(true);
	finished_run(topo);
	walk(&w, sleep_pts, sizeof(sleep_pts) / sizeof(sleep_pts[0]));
	snprintf(name2, sizeof(name2), "cm-%d", (int)getpid());
	o.stack = "crash-migrate";
	write_world(name2, &o, topo2, sizeof(topo2));
	walk(&w2, migrate_pts, 1);
}
END_TEST

/* etcd killed mid-start (the second member spawned, the first not yet
 * ready) and once every member is ready. */
START_TEST(kill_etcd_deploy_then_down)
{
	static const struct point pts[] = {
		{ "deploy:spawned@2", PREP_NONE, { "up", "@T" }, false, NULL },
		{ "deploy:ready", PREP_UP_NO_DEPLOY, { "deploy", "-n", "@N" }, false,
		  NULL },
	};
	struct world_opts o = { .stack = "etcd", .strategy = "central" };
	char topo[256], name[32];
	struct walk w = { .name = name, .topo = topo };

	enter_case();
	snprintf(name, sizeof(name), "ce-%d", (int)getpid());
	write_world(name, &o, topo, sizeof(topo));
	finished_run(NULL);
	walk(&w, pts, sizeof(pts) / sizeof(pts[0]));
}
END_TEST

/* lxc nodes: the libvirt daemons started (recorded) but no domain yet;
 * the second domain started. */
START_TEST(kill_up_lxc_then_down)
{
	static const struct point pts[] = {
		{ "up:daemons", PREP_NONE, { "up", "@T" }, false, NULL },
		{ "up:start@2", PREP_NONE, { "up", "@T" }, false, NULL },
	};
	struct world_opts o = { .backend = "lxc", .central_nodes = 1 };
	char topo[256], name[32];
	struct walk w = { .name = name, .topo = topo };

	enter_case();
	snprintf(name, sizeof(name), "cl-%d", (int)getpid());
	write_world(name, &o, topo, sizeof(topo));
	finished_run(NULL);
	walk(&w, pts, sizeof(pts) / sizeof(pts[0]));
}
END_TEST

/* A qemu node killed while up waits for it to boot. */
START_TEST(kill_up_qemu_then_down)
{
	static const struct point pts[] = {
		{ "up:ready_wait", PREP_NONE, { "up", "@T" }, false, NULL },
	};
	char topo[256], name[32], text[512];
	struct walk w = { .name = name, .topo = topo };

	enter_case();
	snprintf(name, sizeof(name), "cq-%d", (int)getpid());
	snprintf(text, sizeof(text),
		 "name: %s\n"
		 "sites:\n"
		 "  - {name: a, role: central, nodes: [{name: vm, backend: qemu, memory: 256MiB}, {name: n}]}\n"
		 "  - {name: b, role: edge, parent: a}\n"
		 "network: {shaping: wand, default: {delay: 1ms}}\n", name);
	tu_write(tc.dir, name, text, topo, sizeof(topo));
	finished_run(NULL);
	walk(&w, pts, 1);
}
END_TEST

/* Open vSwitch bridges made (and its daemons started), nothing else. */
START_TEST(kill_up_ovs_then_down)
{
	static const struct point pts[] = {
		{ "up:bridges", PREP_NONE, { "up", "@T" }, false, NULL },
	};
	struct world_opts o = { .fabric = "ovs", .central_nodes = 1 };
	char topo[256], name[32];
	struct walk w = { .name = name, .topo = topo };

	enter_case();
	snprintf(name, sizeof(name), "co-%d", (int)getpid());
	write_world(name, &o, topo, sizeof(topo));
	finished_run(NULL);
	walk(&w, pts, 1);
}
END_TEST

/* OpenStack killed between keystone's database migration (db_sync, its
 * first setup step) and the rest of its setup, mariadb and rabbitmq
 * running. */
START_TEST(kill_openstack_mid_migration_then_down)
{
	static const struct point pts[] = {
		{ "deploy:setup:keystone@1", PREP_NONE, { "up", "@T" }, false, NULL },
	};
	char topo[PATH_MAX], name[32] = "os6";
	struct walk w = { .name = name, .topo = topo };

	ck_assert_ptr_nonnull(realpath("topologies/openstack-6site.yaml", topo));
	enter_case();
	finished_run(NULL);
	walk(&w, pts, 1);
}
END_TEST

/* ---- the engine killed under traffic ---- */

/* The address of NODE of NAME (from `enos status --json`) into OUT. */
static void node_addr(const char *name, const char *node, char *out, size_t len)
{
	char *js = NULL, pat[96];
	const char *p;

	ck_assert_int_eq(tu_enos(&js, tc.db, "status", "-n", name, "--json", NULL), 0);
	snprintf(pat, sizeof(pat), "{\"name\":\"%s\",", node);
	p = strstr(js, pat);
	ck_assert_msg(p && (p = strstr(p, "\"address\":\"")), "%s", js);
	p += strlen("\"address\":\"");
	snprintf(out, len, "%.*s", (int)strcspn(p, "\""), p);
	free(js);
}

/* Start `ping -i 0.05 -w SECS DST` in NAME's node NODE, output to LOG. */
static pid_t ping_in(const char *name, const char *node, const char *dst,
		     int secs, const char *log)
{
	char ns[96], w[16];
	pid_t pid;

	snprintf(ns, sizeof(ns), "enos.%s.%s", name, node);
	snprintf(w, sizeof(w), "%d", secs);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0644);

		if (fd < 0)
			_exit(126);
		dup2(fd, STDOUT_FILENO);
		dup2(fd, STDERR_FILENO);
		execlp("ip", "ip", "netns", "exec", ns, "ping", "-n", "-i", "0.05",
		       "-w", w, dst, (char *)NULL);
		_exit(127);
	}
	return pid;
}

/* Replies in a ping log ("N received"). */
static int ping_received(const char *log)
{
	char *argv[] = { "cat", (char *)log, NULL }, *out = NULL;
	const char *p;
	int n = -1;

	tu_run(&out, argv);
	p = out ? strstr(out, " received") : NULL;
	if (p) {
		while (p > out && p[-1] >= '0' && p[-1] <= '9')
			p--;
		n = (int)strtol(p, NULL, 10);
	}
	free(out);
	return n;
}

START_TEST(engine_killed_under_traffic)
{
	struct world_opts o = { .central_nodes = 1 };
	char topo[256], name[32], addr[32], log1[PATH_MAX], log2[PATH_MAX];
	char tag[WORLD_TAG_LEN + 1], *out = NULL;
	struct procs before;
	int pids[8], engine, rc, st, got;
	pid_t ping;

	enter_case();
	snprintf(name, sizeof(name), "ck-%d", (int)getpid());
	world_tag(name, 0, tag);
	write_world(name, &o, topo, sizeof(topo));
	ck_assert_int_eq(tu_enos(&out, tc.db, "up", topo, NULL), 0);
	free(out);
	node_addr(name, "central-1", addr, sizeof(addr));
	{
		const char *const wand[] = { "wand", NULL };

		ck_assert_int_eq(tu_recorded_pids(tc.db, name, wand, pids, 8), 1);
	}
	engine = pids[0];
	/* Traffic across the WAN (edge-1 -> central, 10 ms RTT) while the
	 * engine dies under it: the replies stop. */
	snprintf(log1, sizeof(log1), "%s/ping1.log", tc.dir);
	ping = ping_in(name, "edge-1-1", addr, 2, log1);
	usleep(500 * 1000);
	ck_assert_int_eq(kill(engine, SIGKILL), 0);
	usleep(200 * 1000);
	rc = tu_enos(&out, tc.db, "status", "-n", name, NULL);
	ck_assert_msg(tu_contains(out, "wand engine: NOT RUNNING: pid") &&
		      tu_contains(out, "died or was killed"), "status: %s", out);
	free(out);
	rc = tu_enos(&out, tc.db, "tc", "-n", name, "--test", "--samples", "5", NULL);
	ck_assert_msg(rc == 1 && tu_contains(out, "error: the wand engine of '") &&
		      tu_contains(out, "is not running: it died or was killed"),
		      "tc --test with the engine dead (%d): %s", rc, out);
	free(out);
	ck_assert_int_eq(waitpid(ping, &st, 0), ping);
	got = ping_received(log1);
	/* 0.5 s of pings every 50 ms before the kill, nothing after. */
	ck_assert_msg(got >= 3 && got <= 15, "replies while the engine lived and died: %d", got);
	/* `enos tc` starts a new engine; traffic flows again. */
	rc = tu_enos(&out, tc.db, "tc", "-n", name, NULL);
	ck_assert_msg(rc == 0, "tc: %s", out);
	free(out);
	{
		const char *const wand[] = { "wand", NULL };

		ck_assert_int_eq(tu_recorded_pids(tc.db, name, wand, pids, 8), 1);
		ck_assert_int_ne(pids[0], engine);
		ck_assert(tu_alive(pids[0]));
	}
	snprintf(log2, sizeof(log2), "%s/ping2.log", tc.dir);
	ping = ping_in(name, "edge-1-1", addr, 1, log2);
	ck_assert_int_eq(waitpid(ping, &st, 0), ping);
	got = ping_received(log2);
	ck_assert_msg(got >= 10, "replies after the restart: %d", got);
	rc = tu_enos(&out, tc.db, "tc", "-n", name, "--test", "--samples", "20",
		     "--tolerance", tu_slack_ms() > 0 ? "50,20" : "10,2", NULL);
	ck_assert_msg(rc == 0, "tc --test after the restart: %s", out);
	free(out);
	snapshot(tc.db, name, &before);
	rc = tu_enos(&out, tc.db, "down", "-n", name, NULL);
	ck_assert_msg(rc == 0, "down: %s", out);
	assert_clean(tc.db, name, tag, &before, out, "engine killed");
	ck_assert(!tu_alive(pids[0]));
	free(out);
}
END_TEST

/* ---- a full disk, few descriptors ---- */

/* Run ARGV with RLIMIT_NOFILE soft and hard at N (set in the child before
 * exec: enos raises its soft limit to the hard one, so both are lowered).
 * Returns its exit status, 128 + signal if killed; *OUT its output. */
static int run_with_nofile(char **out, rlim_t n, char *const argv[])
{
	struct rlimit rl = { n, n };
	size_t len = 0, cap = 0;
	char *buf = NULL;
	int fd[2], st = 0;
	pid_t pid;

	ck_assert_int_eq(pipe(fd), 0);
	fflush(NULL);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		dup2(fd[1], STDOUT_FILENO);
		dup2(fd[1], STDERR_FILENO);
		close(fd[0]);
		close(fd[1]);
		if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
			_exit(126);
		execv(argv[0], argv);
		_exit(127);
	}
	close(fd[1]);
	for (;;) {
		ssize_t r;

		if (len + 4096 + 1 > cap) {
			cap = cap ? 2 * cap : 65536;
			buf = realloc(buf, cap);
			ck_assert_ptr_nonnull(buf);
		}
		r = read(fd[0], buf + len, cap - len - 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		len += (size_t)r;
	}
	close(fd[0]);
	buf[len] = '\0';
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	*out = buf;
	return WIFSIGNALED(st) ? 128 + WTERMSIG(st) : WEXITSTATUS(st);
}

/* Fill the filesystem of DIR (a file DIR/filler) but for about LEAVE
 * bytes. */
static void fill(const char *dir, size_t leave)
{
	static char chunk[65536];
	char path[PATH_MAX + 16];
	ssize_t w;
	off_t size = 0;
	int fd;

	snprintf(path, sizeof(path), "%s/filler", dir);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	ck_assert_int_ge(fd, 0);
	memset(chunk, 'x', sizeof(chunk));
	while ((w = write(fd, chunk, sizeof(chunk))) > 0)
		size += w;
	ck_assert_msg(w < 0 && errno == ENOSPC, "filling %s: %s", dir, strerror(errno));
	ck_assert_int_eq(ftruncate(fd, size > (off_t)leave ? size - (off_t)leave : 0), 0);
	close(fd);
}

static char full_dir[PATH_MAX];

static void full_teardown(void)
{
	char db[PATH_MAX + 16];

	if (full_dir[0]) {
		snprintf(db, sizeof(db), "%s/enos.db", full_dir);
		tu_enos(NULL, db, "down", "--all", NULL);
		umount2(full_dir, MNT_DETACH);
	}
	tu_case_teardown(&tc);
}

static void full_setup(void)
{
	case_setup();
	snprintf(full_dir, sizeof(full_dir), "%s/full", tc.dir);
}

/* The database and results/ on a 32 MiB tmpfs, filled while `enos bench`
 * stores a workload's operations: it fails saying why, the database
 * stays whole, the run done before is intact, the failed one is not shown
 * as finished, and `down` still cleans everything. */
START_TEST(disk_full_mid_run)
{
	struct world_opts o = { .central_nodes = 1,
		.workload = "{name: rtt, samples: 1000, interval: 1ms}" };
	char topo[256], name[32], db[PATH_MAX + 16], tag[WORLD_TAG_LEN + 1];
	char filler[PATH_MAX + 16], outcome[32], *out = NULL;
	struct run_fp runs[MAX_RUNS];
	struct procs before;
	size_t n_runs;
	sqlite3 *sq;
	int64_t id;
	int rc;

	enter_case();
	snprintf(name, sizeof(name), "cf-%d", (int)getpid());
	world_tag(name, 0, tag);
	write_world(name, &o, topo, sizeof(topo));
	ck_assert_int_eq(mkdir(full_dir, 0755), 0);
	ck_assert_int_eq(mount("tmpfs", full_dir, "tmpfs", 0, "size=32m,mode=0755"), 0);
	ck_assert_int_eq(chdir(full_dir), 0);
	snprintf(db, sizeof(db), "%s/enos.db", full_dir);
	rc = tu_enos(&out, db, "run", "--samples", "3", topo, NULL);
	ck_assert_msg(rc == 0, "run: %s", out);
	free(out);
	n_runs = finished_runs(db, runs, MAX_RUNS);
	ck_assert_int_ge(n_runs, 1);
	rc = tu_enos(&out, db, "up", topo, NULL);
	ck_assert_msg(rc == 0, "up: %s", out);
	free(out);
	fill(full_dir, 96 * 1024);
	rc = tu_enos(&out, db, "bench", "-n", name, NULL);
	printf("sys_crash: bench on a full disk: exit %d\n%s", rc, out);
	ck_assert_msg(rc == 1, "bench on a full disk exited %d: %s", rc, out);
	ck_assert_msg(tu_contains(out, "error: ") &&
		      (tu_contains(out, "disk is full") ||
		       tu_contains(out, "No space left on device")),
		      "no clear error: %s", out);
	free(out);
	snprintf(filler, sizeof(filler), "%s/filler", full_dir);
	ck_assert_int_eq(unlink(filler), 0);
	assert_db_intact(db);
	assert_runs_intact(db, runs, n_runs, "disk full");
	sq = db_open(db);
	id = q_int(sq, "SELECT max(id) FROM runs WHERE experiment = ?1 AND kind = 'bench'",
		   name, 0);
	ck_assert_int_gt(id, 0);
	q_text(sq, "SELECT outcome FROM runs WHERE ?1 IS NULL AND id = ?2", NULL, id,
	       outcome, sizeof(outcome));
	sqlite3_close(sq);
	ck_assert_msg(strcmp(outcome, "ok") != 0, "the run the full disk cut short says ok");
	snapshot(db, name, &before);
	rc = tu_enos(&out, db, "down", "-n", name, NULL);
	ck_assert_msg(rc == 0, "down: %s", out);
	assert_clean(db, name, tag, &before, out, "disk full");
	free(out);
	ck_assert_int_eq(chdir(tc.dir), 0);
}
END_TEST

/* 64 descriptors (soft and hard): up of 12 sites, tc --test of their 132
 * pairs and a workload either work or fail with a clear error; never a
 * crash; the database stays whole and down cleans up. */
START_TEST(few_descriptors)
{
	char text[2048], topo[256], name[32], tag[WORLD_TAG_LEN + 1], *out = NULL;
	char *argv[12];
	struct procs before;
	int rc, i, n;

	enter_case();
	snprintf(name, sizeof(name), "cn-%d", (int)getpid());
	world_tag(name, 0, tag);
	n = snprintf(text, sizeof(text),
		     "name: %s\nsites:\n  - {name: hub, role: central}\n"
		     "  - {name: e, role: edge, parent: hub, count: 11}\n"
		     "network: {shaping: wand, default: {delay: 1ms}}\n"
		     "workload: {name: rtt, samples: 5, interval: 5ms}\n", name);
	ck_assert_int_lt(n, (int)sizeof(text));
	tu_write(tc.dir, name, text, topo, sizeof(topo));
	const char *cmds[][6] = {
		{ "up", topo },
		{ "tc", "-n", name, "--test", "--samples", "3" },
		{ "bench", "-n", name },
		{ "status", "-n", name },
	};
	for (i = 0; i < 4; i++) {
		const char *err;
		int k, a = 0;

		argv[a++] = (char *)tu_enos_bin();
		argv[a++] = "--db";
		argv[a++] = tc.db;
		for (k = 0; k < 6 && cmds[i][k]; k++)
			argv[a++] = (char *)cmds[i][k];
		argv[a] = NULL;
		rc = run_with_nofile(&out, 64, argv);
		err = strstr(out, "error: ");
		printf("sys_crash: with 64 descriptors, enos %s: exit %d %.*s\n", cmds[i][0], rc,
		       err ? (int)strcspn(err, "\n") : 0, err ? err : "");
		ck_assert_msg(rc == 0 || rc == 1, "enos %s with 64 descriptors: exit %d: %s",
			      cmds[i][0], rc, out);
		if (rc == 1)
			ck_assert_msg(tu_contains(out, "error: ") &&
				      tu_contains(out, "Too many open files"),
				      "no clear error: %s", out);
		free(out);
		assert_db_intact(tc.db);
		if (i == 0 && rc != 0)
			break;  /* nothing up: the other commands have nothing to act on */
	}
	snapshot(tc.db, name, &before);
	rc = tu_enos(&out, tc.db, "down", "-n", name, NULL);
	ck_assert_msg(rc == 0, "down: %s", out);
	assert_clean(tc.db, name, tag, &before, out, "64 descriptors");
	free(out);
}
END_TEST

/* Why OpenStack cannot be deployed as far as keystone here, or NULL. */
static const char *openstack_missing(void)
{
	static const char *const progs[] = {
		"/usr/sbin/mariadbd", "/usr/lib/rabbitmq/bin/rabbitmq-server",
		"/usr/bin/memcached", "/usr/bin/keystone-manage", "/usr/bin/uwsgi",
	};
	size_t i;

	for (i = 0; i < sizeof(progs) / sizeof(progs[0]); i++)
		if (access(progs[i], X_OK) < 0)
			return "OpenStack packages missing (make deps-openstack); the same point "
			       "between setup steps is walked on a small stack by kill_deploy";
	return NULL;
}

Suite *make_sys_crash_suite(struct skips *sk)
{
	const struct sys_case netns[] = {
		{ "kill_up_netns", kill_up_netns_then_down },
		{ "kill_commands", kill_commands_then_down },
		{ "kill_down", kill_down_then_down },
		{ "kill_deploy", kill_deploy_then_down },
		{ "engine_killed_under_traffic", engine_killed_under_traffic },
		{ "few_descriptors", few_descriptors },
	};
	const struct sys_case full[] = {
		{ "disk_full_mid_run", disk_full_mid_run },
	};
	const struct sys_case etcd[] = {
		{ "kill_etcd_deploy", kill_etcd_deploy_then_down },
	};
	const struct sys_case lxc[] = { { "kill_up_lxc", kill_up_lxc_then_down } };
	const struct sys_case qemu[] = { { "kill_up_qemu", kill_up_qemu_then_down } };
	const struct sys_case ovs[] = { { "kill_up_ovs", kill_up_ovs_then_down } };
	const struct sys_case os[] = {
		{ "kill_openstack_mid_migration", kill_openstack_mid_migration_then_down },
	};
	char *etcd_v[] = { "etcd", "--version", NULL };
	char *ctl_v[] = { "etcdctl", "version", NULL };
	static char qemu_why[320], lxc_why[320], ovs_why[320];
	const char *why = sys_unavailable(), *w;
	Suite *s = suite_create("sys_crash");
	struct caps caps;

	sys_add_cases(s, sk, netns, sizeof(netns) / sizeof(netns[0]), why,
		      case_setup, case_teardown, 300);
	sys_add_cases(s, sk, full, 1, why, full_setup, full_teardown, 300);
	w = why;
	if (!w && (tu_run(NULL, etcd_v) != 0 || tu_run(NULL, ctl_v) != 0))
		w = "etcd is not installed (apt-get install etcd-server etcd-client)";
	sys_add_cases(s, sk, etcd, 1, w, case_setup, case_teardown, 300);
	if (!why)
		caps_probe(&caps);
	w = why;
	if (!w && !caps.libvirt_lxc.found) {
		snprintf(lxc_why, sizeof(lxc_why), "libvirt LXC: %s", caps.libvirt_lxc.why);
		w = lxc_why;
	}
	sys_add_cases(s, sk, lxc, 1, w, case_setup, case_teardown, 300);
	w = why;
	if (!w && !caps.libvirt_qemu.found) {
		snprintf(qemu_why, sizeof(qemu_why), "libvirt QEMU: %s", caps.libvirt_qemu.why);
		w = qemu_why;
	} else if (!w && node_qemu_probe(qemu_why, sizeof(qemu_why)) < 0) {
		w = qemu_why;
	}
	sys_add_cases(s, sk, qemu, 1, w, case_setup, case_teardown, 300);
	w = why;
	if (!w && !caps.ovs.found) {
		snprintf(ovs_why, sizeof(ovs_why), "Open vSwitch: %s", caps.ovs.why);
		w = ovs_why;
	}
	sys_add_cases(s, sk, ovs, 1, w, case_setup, case_teardown, 300);
	w = why;
	if (!w)
		w = openstack_missing();
	sys_add_cases(s, sk, os, 1, w, case_setup, case_teardown, 900);
	return s;
}
