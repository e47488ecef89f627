/* sys_concurrent — experiments at the same time (issue 15), through the
 * enos binary:
 * - two experiments brought up at once, each with its own WAN and
 *   traffic, never collide: their names differ by one character, or one
 *   name is a prefix of the other (the namespace prefix `enos.X.` must not
 *   sweep `enos.Xb.`); each gets its own tag, bridges, namespaces and
 *   engine, and `tc --test` of each, run at the same time, measures its
 *   own RTT targets (10 ms and 30 ms); taking one down while the other is
 *   measured leaves the other whole;
 * - the same experiment brought up twice at once: one builds it, the other
 *   waits for the experiment's lock (enos/phase.c, phase_lock) and then
 *   finds it up, never a second or half world; `up --force` while it
 *   builds waits, then replaces a whole world; `down` while it builds
 *   waits, then takes the whole world down;
 * - eight `enos status --json` readers running while `up` builds a world
 *   of 200 nodes on a fresh database each see no experiment, `creating`
 *   or `up` with every node, never an error, a failed exit or a torn
 *   world.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "emulator/world.h"
#include "enos/state.h"
#include "tests/suites.h"
#include "tests/testutil.h"

#define FIXTURE_STACKS  "tests/fixtures/stacks/crash"
#define N_READERS       8

static struct tu_case tc;

static void case_setup(void)
{
	ck_assert_int_eq(tu_case_setup(&tc, "concurrent"), 0);
}

static void case_teardown(void)
{
	tu_case_teardown(&tc);
}

/* Absolute binary and fixture stacks; the case directory as the working
 * directory (results/ goes with it). */
static void enter_case(void)
{
	char abs[PATH_MAX];

	if (realpath(tu_enos_bin(), abs))
		setenv("ENOS_BIN", abs, 1);
	ck_assert_ptr_nonnull(realpath(FIXTURE_STACKS, abs));
	setenv("ENOS_STACKS_DIR", abs, 1);
	ck_assert_int_eq(chdir(tc.dir), 0);
}

/* Three sites of NODES netns nodes, wand, RTT edge <-> central RTT_MS;
 * with the crash-sleep stack (idle processes, ready after 1 s) if STACK. */
static const char *write_world(const char *name, int nodes, int rtt_ms,
			       bool stack, char *path, size_t len)
{
	char text[1024];

	snprintf(text, sizeof(text),
		 "name: %s\n"
		 "sites:\n"
		 "  - {name: central, role: central, nodes: %d}\n"
		 "  - {name: regional, role: regional, parent: central, nodes: %d}\n"
		 "  - {name: edge, role: edge, parent: regional, nodes: %d}\n"
		 "network:\n"
		 "  shaping: wand\n"
		 "  default: {delay: 1ms}\n"
		 "  constraints:\n"
		 "    - {src: edge, dst: central, rtt: %dms}\n"
		 "%s",
		 name, nodes, nodes, nodes, rtt_ms,
		 stack ? "stack: {name: crash-sleep}\n" : "");
	return tu_write(tc.dir, name, text, path, len);
}

/* Start `enos --db DB ARGS...` with its output to LOG; returns its pid. */
static pid_t spawn_enos(const char *log, ...)
{
	char *argv[16];
	const char *a;
	va_list ap;
	int n = 0;
	pid_t pid;

	argv[n++] = (char *)tu_enos_bin();
	argv[n++] = "--db";
	argv[n++] = tc.db;
	va_start(ap, log);
	while ((a = va_arg(ap, const char *)) && n < 15)
		argv[n++] = (char *)a;
	va_end(ap);
	argv[n] = NULL;
	fflush(NULL);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

		if (fd < 0)
			_exit(126);
		dup2(fd, STDOUT_FILENO);
		dup2(fd, STDERR_FILENO);
		execv(argv[0], argv);
		_exit(127);
	}
	return pid;
}

/* Wait for PID: its exit status (128 + signal); its log into *OUT. */
static int reap(pid_t pid, const char *log, char **out)
{
	char *argv[] = { "cat", (char *)log, NULL };
	int st = 0;

	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	tu_run(out, argv);
	return WIFSIGNALED(st) ? 128 + WTERMSIG(st) : WEXITSTATUS(st);
}

static void log_path(char *buf, size_t len, const char *what)
{
	snprintf(buf, len, "%s/%s.log", tc.dir, what);
}

/* The recorded experiment NAME: its tag, status and node count. */
static int recorded(const char *name, char *tag, char *status, size_t *nodes)
{
	struct state *st = NULL;
	struct exp_info info;
	char *err = NULL;
	int rc;

	ck_assert_int_eq(state_open(tc.db, &st, &err), 0);
	rc = state_get(st, name, &info);
	if (rc == 0) {
		if (tag)
			memcpy(tag, info.tag, WORLD_TAG_LEN + 1);
		if (status)
			snprintf(status, 16, "%s", info.status);
		if (nodes)
			*nodes = info.n_nodes;
	}
	state_close(st);
	return rc;
}

/* Live wand engines recorded for NAME, the first into *PID. */
static int engines(const char *name, int *pid)
{
	static const char *const wand[] = { "wand", NULL };
	int pids[8], n, k, live = 0;

	n = tu_recorded_pids(tc.db, name, wand, pids, 8);
	for (k = 0; k < n; k++)
		if (tu_alive(pids[k]) && !live++)
			*pid = pids[k];
	return live;
}

/* Links whose name starts with TAG (bridges, veths' host ends). */
static int links_of(const char *tag)
{
	char *argv[] = { "sh", "-c", NULL, NULL }, cmd[128], *out = NULL;
	int n;

	snprintf(cmd, sizeof(cmd), "ls /sys/class/net | grep -c '^%s' || true", tag);
	argv[2] = cmd;
	tu_run(&out, argv);
	n = out ? (int)strtol(out, NULL, 10) : -1;
	free(out);
	return n;
}

/* What one world of three sites of NODES nodes holds. */
struct footprint {
	int netns, links, engine;
	char tag[WORLD_TAG_LEN + 1];
};

static void footprint(const char *name, int nodes, struct footprint *f)
{
	size_t n = 0;
	char status[16];

	ck_assert_int_eq(recorded(name, f->tag, status, &n), 0);
	ck_assert_str_eq(status, "up");
	ck_assert_int_eq((int)n, 3 * nodes);
	f->netns = tu_netns_count(name);
	/* A namespace per node and per gateway. */
	ck_assert_int_eq(f->netns, 3 * nodes + 3);
	f->links = links_of(f->tag);
	ck_assert_int_gt(f->links, 0);
	ck_assert_int_eq(engines(name, &f->engine), 1);
}

/* Bring A (10 ms) and B (30 ms) up at once; measure both at once; take A
 * down while B is measured; B stays whole; take B down. */
static void two_at_once(const char *a, const char *b)
{
	char pa[256], pb[256], la[PATH_MAX], lb[PATH_MAX], sa[128], sb[128];
	struct footprint fa, fb, fb2;
	char *out = NULL;
	pid_t ia, ib;
	int rc;

	write_world(a, 2, 10, false, pa, sizeof(pa));
	write_world(b, 2, 30, false, pb, sizeof(pb));
	log_path(la, sizeof(la), a);
	log_path(lb, sizeof(lb), b);
	ia = spawn_enos(la, "up", pa, NULL);
	ib = spawn_enos(lb, "up", pb, NULL);
	rc = reap(ia, la, &out);
	ck_assert_msg(rc == 0, "up %s: %s", a, out);
	free(out);
	rc = reap(ib, lb, &out);
	ck_assert_msg(rc == 0, "up %s: %s", b, out);
	free(out);
	footprint(a, 2, &fa);
	footprint(b, 2, &fb);
	ck_assert_str_ne(fa.tag, fb.tag);
	ck_assert_int_ne(fa.engine, fb.engine);
	snprintf(sa, sizeof(sa), "/run/enos/%s/wand.sock", a);
	snprintf(sb, sizeof(sb), "/run/enos/%s/wand.sock", b);
	ck_assert(access(sa, F_OK) == 0 && access(sb, F_OK) == 0);

	/* Each measures its own targets, at the same time. */
	ia = spawn_enos(la, "tc", "-n", a, "--test", "--json", "--samples", "30",
			"--tolerance", tu_slack_ms() > 0 ? "50,20" : "10,2", NULL);
	ib = spawn_enos(lb, "tc", "-n", b, "--test", "--json", "--samples", "30",
			"--tolerance", tu_slack_ms() > 0 ? "50,20" : "10,2", NULL);
	rc = reap(ia, la, &out);
	ck_assert_msg(rc == 0 && tu_contains(out, "\"src\":\"edge\",\"dst\":\"central\",\"target_rtt_ms\":10,"),
		      "tc --test %s: %s", a, out);
	free(out);
	rc = reap(ib, lb, &out);
	ck_assert_msg(rc == 0 && tu_contains(out, "\"src\":\"edge\",\"dst\":\"central\",\"target_rtt_ms\":30,"),
		      "tc --test %s: %s", b, out);
	free(out);

	/* A goes while B carries traffic; B is untouched. */
	ib = spawn_enos(lb, "tc", "-n", b, "--test", "--samples", "100",
			"--tolerance", tu_slack_ms() > 0 ? "50,20" : "10,2", NULL);
	rc = tu_enos(&out, tc.db, "down", "-n", a, NULL);
	ck_assert_msg(rc == 0, "down %s: %s", a, out);
	free(out);
	rc = reap(ib, lb, &out);
	ck_assert_msg(rc == 0, "tc --test %s while %s went down: %s", b, a, out);
	free(out);
	ck_assert_int_eq(tu_leftovers(a, fa.tag), 0);
	ck_assert(access(sa, F_OK) != 0);
	footprint(b, 2, &fb2);
	ck_assert_int_eq(fb2.netns, fb.netns);
	ck_assert_int_eq(fb2.links, fb.links);
	ck_assert_int_eq(fb2.engine, fb.engine);
	ck_assert(access(sb, F_OK) == 0);
	rc = tu_enos(&out, tc.db, "down", "-n", b, NULL);
	ck_assert_msg(rc == 0, "down %s: %s", b, out);
	free(out);
	ck_assert_int_eq(tu_leftovers(b, fb.tag), 0);
	ck_assert(!tu_alive(fa.engine) && !tu_alive(fb.engine));
}

START_TEST(names_one_character_apart)
{
	char a[32], b[32];

	enter_case();
	snprintf(a, sizeof(a), "d%da", (int)getpid());
	snprintf(b, sizeof(b), "d%db", (int)getpid());
	two_at_once(a, b);
}
END_TEST

START_TEST(one_name_prefix_of_the_other)
{
	char a[32], b[32];

	enter_case();
	/* enos.pN. and enos.pNb.: a sweep of the first by a prefix without
	 * its dot would take the second. */
	snprintf(a, sizeof(a), "p%d", (int)getpid());
	snprintf(b, sizeof(b), "p%db", (int)getpid());
	two_at_once(a, b);
}
END_TEST

/* The second of two `up` of one experiment: it found it up (after waiting
 * for the first's lock, or after the first was done) and said so. */
static void assert_found_up(int rc, const char *out, const char *name)
{
	char already[96];

	snprintf(already, sizeof(already), "error: experiment '%s' is already up", name);
	ck_assert_msg(rc == 1 && tu_contains(out, already),
		      "the second up was not told it is up (exit %d): %s", rc, out);
	ck_assert_msg(!tu_contains(out, "half-built"), "%s", out);
}

/* OUT waited for the lock of NAME, held by PID, and said so. */
static void assert_waited(const char *out, const char *name, pid_t pid)
{
	char busy[160];

	snprintf(busy, sizeof(busy),
		 "enos: experiment '%s' is busy: another 'enos up', 'down', 'deploy' or "
		 "'sweep' of it runs (pid %d); waiting for it", name, (int)pid);
	ck_assert_msg(tu_contains(out, busy), "did not say it waited for pid %d: %s",
		      (int)pid, out);
}

/* Poll until NAME is recorded 'creating' (its up holds the lock). */
static void wait_creating(const char *name)
{
	char status[16] = "";
	int i;

	for (i = 0; i < 2000; i++) {
		if (recorded(name, NULL, status, NULL) == 0 && !strcmp(status, "creating"))
			return;
		usleep(2000);
	}
	ck_abort_msg("'%s' never showed as creating", name);
}

/* NAME's stack runs its one instance, started once. */
static void one_instance(const char *name)
{
	char *out = NULL;

	ck_assert_int_eq(tu_enos(&out, tc.db, "services", "-n", name, NULL), 0);
	/* One edge site: one instance, started once. */
	ck_assert_msg(tu_contains(out, "idle-1 ") && !tu_contains(out, "idle-2"),
		      "%s", out);
	free(out);
}

START_TEST(same_name_twice)
{
	char name[32], path[256], l1[PATH_MAX], l2[PATH_MAX], *o1 = NULL, *o2 = NULL;
	struct footprint f;
	pid_t p1, p2;
	int r1, r2, round, waited = 0;

	enter_case();
	snprintf(name, sizeof(name), "s%d", (int)getpid());
	/* With a stack: up holds the experiment for the deploy's second. */
	write_world(name, 2, 10, true, path, sizeof(path));
	log_path(l1, sizeof(l1), "first");
	log_path(l2, sizeof(l2), "second");
	/* Both at once, three times: one builds, the other finds it up. */
	for (round = 0; round < 3; round++) {
		p1 = spawn_enos(l1, "up", path, NULL);
		p2 = spawn_enos(l2, "up", path, NULL);
		r1 = reap(p1, l1, &o1);
		r2 = reap(p2, l2, &o2);
		ck_assert_msg((r1 == 0) != (r2 == 0), "both or neither built it:\n%s\n%s", o1, o2);
		assert_found_up(r1 ? r1 : r2, r1 ? o1 : o2, name);
		if (tu_contains(r1 ? o1 : o2, "is busy"))
			waited++;
		footprint(name, 2, &f);
		free(o1);
		free(o2);
		one_instance(name);
		ck_assert_int_eq(tu_enos(NULL, tc.db, "down", "-n", name, NULL), 0);
		ck_assert_int_eq(tu_leftovers(name, f.tag), 0);
	}
	printf("sys_concurrent: same name twice at once: the second waited for the lock %d of 3 times\n",
	       waited);
	/* up --force while it builds: waits, then replaces a whole world. */
	p1 = spawn_enos(l1, "up", path, NULL);
	wait_creating(name);
	r2 = tu_enos(&o2, tc.db, "up", "--force", path, NULL);
	ck_assert_msg(r2 == 0, "up --force during an up: %s", o2);
	assert_waited(o2, name, p1);
	free(o2);
	r1 = reap(p1, l1, &o1);
	ck_assert_msg(r1 == 0, "the first up: %s", o1);
	free(o1);
	footprint(name, 2, &f);
	one_instance(name);
	/* down while an up --force builds: waits, then takes it all down. */
	p1 = spawn_enos(l1, "up", "--force", path, NULL);
	wait_creating(name);
	r2 = tu_enos(&o2, tc.db, "down", "-n", name, NULL);
	ck_assert_msg(r2 == 0, "down during an up: %s", o2);
	assert_waited(o2, name, p1);
	free(o2);
	r1 = reap(p1, l1, &o1);
	ck_assert_msg(r1 == 0, "the up down waited for: %s", o1);
	free(o1);
	ck_assert_int_ne(recorded(name, NULL, NULL, NULL), 0);
	ck_assert_int_eq(tu_netns_count(name), 0);
	ck_assert_int_eq(tu_leftovers(name, f.tag), 0);
}
END_TEST

/* One reader: `enos status --json` until STOP exists; every answer must
 * be no experiment, or NAME creating or up with all NODES nodes. Writes a
 * count per state to its log and exits 1 at the first bad answer (kept
 * in the log). */
static void reader(const char *name, int nodes, const char *stop, const char *log)
{
	char *argv[] = { (char *)tu_enos_bin(), "--db", tc.db, "status", "--json", NULL };
	char head[128];
	int none = 0, creating = 0, up = 0, rc, n;
	FILE *f = fopen(log, "w");
	bool last = false;

	if (!f)
		_exit(2);
	snprintf(head, sizeof(head), "{\"name\":\"%s\",\"status\":\"", name);
	for (;;) {
		char *out = NULL;
		const char *p;

		/* One more read after the stop: the state up left. */
		last = access(stop, F_OK) == 0;
		rc = tu_run(&out, argv);
		if (rc == 0 && out && !strcmp(out, "{\"experiments\":[]}\n")) {
			none++;
		} else if (rc == 0 && out && !strncmp(out, head, strlen(head)) &&
			   !strstr(out, "error")) {
			p = out + strlen(head);
			for (n = 0, p = strstr(p, "\"backend\":"); p; p = strstr(p + 1, "\"backend\":"))
				n++;
			if (n != nodes) {
				fprintf(f, "BAD torn world, %d of %d nodes: %s\n", n, nodes, out);
				fclose(f);
				_exit(1);
			}
			if (!strncmp(out + strlen(head), "creating\"", 9))
				creating++;
			else if (!strncmp(out + strlen(head), "up\"", 3))
				up++;
			else
				goto bad;
		} else {
			goto bad;
		}
		free(out);
		if (last)
			break;
		continue;
bad:
		fprintf(f, "BAD exit %d: %s\n", rc, out ? out : "");
		fclose(f);
		_exit(1);
	}
	fprintf(f, "none %d creating %d up %d last %s\n", none, creating, up,
		up ? "up" : "?");
	fclose(f);
	_exit(up && last ? 0 : 3);
}

START_TEST(status_readers_during_up)
{
	char name[32], path[256], stop[PATH_MAX], logs[N_READERS][PATH_MAX];
	char *out = NULL;
	pid_t pids[N_READERS];
	int i, st, total[3] = { 0, 0, 0 };
	double t0;

	enter_case();
	snprintf(name, sizeof(name), "r%d", (int)getpid());
	write_world(name, 67, 10, false, path, sizeof(path));
	snprintf(stop, sizeof(stop), "%s/stop", tc.dir);
	/* The database does not exist yet: readers and up race to make it. */
	for (i = 0; i < N_READERS; i++) {
		snprintf(logs[i], sizeof(logs[i]), "%s/reader-%d.log", tc.dir, i);
		fflush(NULL);
		pids[i] = fork();
		ck_assert_int_ge(pids[i], 0);
		if (pids[i] == 0)
			reader(name, 3 * 67, stop, logs[i]);
	}
	usleep(50 * 1000);
	t0 = tu_now_s();
	ck_assert_msg(tu_enos(&out, tc.db, "up", path, NULL) == 0, "up: %s", out);
	free(out);
	printf("sys_concurrent: up of %d nodes under %d status readers: %.2f s\n",
	       3 * 67, N_READERS, tu_now_s() - t0);
	tu_write(tc.dir, "stop", "", stop, sizeof(stop));
	for (i = 0; i < N_READERS; i++) {
		char *argv[] = { "cat", logs[i], NULL }, *text = NULL;
		int none = 0, creating = 0, up = 0;

		ck_assert_int_eq(waitpid(pids[i], &st, 0), pids[i]);
		tu_run(&text, argv);
		ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0, "reader %d: %s", i, text);
		ck_assert_int_eq(sscanf(text, "none %d creating %d up %d", &none, &creating, &up), 3);
		total[0] += none;
		total[1] += creating;
		total[2] += up;
		free(text);
	}
	printf("sys_concurrent: status readers saw no experiment %d times, creating %d, up %d\n",
	       total[0], total[1], total[2]);
	ck_assert_int_eq(tu_enos(NULL, tc.db, "down", "-n", name, NULL), 0);
	ck_assert_int_eq(tu_netns_count(name), 0);
}
END_TEST

Suite *make_sys_concurrent_suite(struct skips *sk)
{
	const struct sys_case cases[] = {
		{ "names_one_character_apart", names_one_character_apart },
		{ "one_name_prefix_of_the_other", one_name_prefix_of_the_other },
		{ "same_name_twice", same_name_twice },
		{ "status_readers_during_up", status_readers_during_up },
	};
	Suite *s = suite_create("sys_concurrent");

	sys_add_cases(s, sk, cases, sizeof(cases) / sizeof(cases[0]),
		      sys_unavailable(), case_setup, case_teardown, 300);
	return s;
}
