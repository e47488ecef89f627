/* sys_nodefault — node faults (issue 13) on netns nodes, through the
 * command line on a real world of one site:
 * - `fault cpu x 0.2` on a node running a CPU-bound loop: its share of a
 *   core, from its cgroup's CPU usage, is 20 % within 3 points; `fault
 *   clear` puts its profile's quota back;
 * - `fault memory y 64MiB`: 200 MiB in y is OOM-killed there, not in the
 *   node next to it; clear lets it through again;
 * - `fault freeze x`: x's HTTP server stops answering a client in y,
 *   `thaw` brings it back;
 * - `enos status` (text and --json) shows the node faults active on each
 *   node (a memory limit, frozen) and nothing once they end;
 * - `fault memory` on a node without a memory profile: the stack service
 *   it kills is shown failed(OOM) beside the fault's limit, not a plain
 *   crash (the verdict is the node cgroup's own OOM count);
 * - `fault crash`: the node's stack service is shown failed, `enos
 *   service start` brings it back;
 * - `fault stress z cpu=1` raises z's CPU use; clear stops the stressor;
 * - the timeline's cpu and freeze with `for:`, recorded with their times
 *   and undone at their end;
 * - `down` after a node frozen by an enos killed with SIGKILL leaves no
 *   cgroup and no process of it.
 * A host without cpu accounting or a freezer skips with the reason. The
 * cgroup steps are unit-tested in test_cgroup.c, parsing and the restore
 * bookkeeping in test_nodefault.c.
 */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>

#include <sqlite3.h>

#include "emulator/caps.h"
#include "emulator/cgroup.h"
#include "emulator/node_qemu.h"
#include "emulator/proc.h"
#include "tests/suites.h"
#include "tests/testutil.h"
#include "util/fs.h"

#define FIXTURE_STACKS "tests/fixtures/stacks/sys"

static struct tu_case tc;

static void case_setup(void)
{
	ck_assert_int_eq(tu_case_setup(&tc, "nodefault"), 0);
}

static void case_teardown(void)
{
	tu_case_teardown(&tc);
}

/* Up a world NAME of one site "a": x with a half-core profile, y and z
 * without one; EXTRA (YAML) appended. */
static void up_world(const char *name, const char *extra)
{
	char text[2048], path[256], *out = NULL;
	int rc;

	snprintf(text, sizeof(text),
		 "name: %s\n"
		 "profiles:\n"
		 "  half: {cpu: 0.5}\n"
		 "sites:\n"
		 "  - name: a\n"
		 "    role: central\n"
		 "    nodes: [{name: x, profile: half}, {name: y}, {name: z}]\n"
		 "%s", name, extra ? extra : "");
	tu_write(tc.dir, "nodefault.yaml", text, path, sizeof(path));
	rc = tu_enos(&out, tc.db, "up", path, NULL);
	ck_assert_msg(rc == 0, "up failed (%d): %s", rc, out ? out : "");
	free(out);
}

/* `enos fault -n NAME ARGS...`, asserting it exits 0. */
#define fault_ok(name, ...) do {                                             \
		char *o_ = NULL;                                             \
		int r_ = tu_enos(&o_, tc.db, "fault", "-n", name,            \
				 __VA_ARGS__, NULL);                         \
		ck_assert_msg(r_ == 0, "enos fault failed (%d): %s", r_,     \
			      o_ ? o_ : "");                                 \
		free(o_);                                                    \
	} while (0)

static void host(struct cgroup_host *h)
{
	ck_assert_int_eq(cgroup_detect(h), 0);
}

/* Cores node CG used over about SECS seconds. */
static double share(const struct cgroup_host *h, const char *cg, double secs)
{
	uint64_t u0 = 0, u1 = 0;
	double t0, t1;

	ck_assert_int_eq(cgroup_cpu_usage_us(h, cg, &u0), 0);
	t0 = tu_now_s();
	usleep((useconds_t)(secs * 1e6));
	ck_assert_int_eq(cgroup_cpu_usage_us(h, cg, &u1), 0);
	t1 = tu_now_s();
	return (double)(u1 - u0) / 1e6 / (t1 - t0);
}

/* The first line of the cpu limit file of cgroup CG, into BUF. */
static const char *cpu_limit(const struct cgroup_host *h, const char *cg,
			     char *buf, size_t len)
{
	char path[CGROUP_PATH_MAX * 2], *text = NULL;
	size_t n;

	snprintf(path, sizeof(path), "%s/%s/%s", h->dir[CG_CPU], cg,
		 h->version[CG_CPU] == 1 ? "cpu.cfs_quota_us" : "cpu.max");
	ck_assert_int_eq(fs_read_file(path, 4096, &text, &n), 0);
	snprintf(buf, len, "%.*s", (int)strcspn(text, "\n"), text);
	free(text);
	return buf;
}

/* What a cpu limit file says for MILLI (0: none). */
static const char *cpu_expect(const struct cgroup_host *h, unsigned milli,
			      char *buf, size_t len)
{
	if (h->version[CG_CPU] == 1)
		snprintf(buf, len, "%d", milli ? (int)(milli * 100) : -1);
	else if (milli)
		snprintf(buf, len, "%u 100000", milli * 100);
	else
		snprintf(buf, len, "max 100000");
	return buf;
}

/* A CPU-bound loop in NODE of NAME for SECS seconds, at the default
 * priority whatever nice the tests run under (the figure is the quota's,
 * not the host's load); waits until it runs in cgroup CG. */
static pid_t spin(const struct cgroup_host *h, const char *name,
		  const char *node, const char *cg, const char *secs)
{
	uint64_t spent = 0;
	pid_t loop;
	int i;

	loop = tu_enos_spawn(tc.db, "exec", "-n", name, node, "--", "nice",
			     "-n", "-10", "timeout", secs, "sh", "-c",
			     "while :; do :; done", NULL);
	ck_assert_int_gt(loop, 0);
	for (i = 0; i < 50 && spent < 20000; i++) {
		usleep(100000);
		ck_assert_int_eq(cgroup_cpu_usage_us(h, cg, &spent), 0);
	}
	ck_assert_msg(spent >= 20000, "the loop never ran in %s", cg);
	return loop;
}

START_TEST(cpu_fault_measured)
{
	const char *name = "nfcpu";
	char cg[64], got[64], want[64], *out = NULL;
	struct cgroup_host h;
	double s;
	pid_t loop;
	int st;

	host(&h);
	up_world(name, NULL);
	snprintf(cg, sizeof(cg), "enos.%s.x", name);
	loop = spin(&h, name, "x", cg, "20");
	fault_ok(name, "cpu", "x", "0.2");
	ck_assert_str_eq(cpu_limit(&h, cg, got, sizeof(got)),
			 cpu_expect(&h, 200, want, sizeof(want)));
	usleep(300000);         /* the quota's first periods */
	s = share(&h, cg, 3);
	fprintf(stderr, "sys_nodefault: after 'fault cpu x 0.2' the loop used %.1f %% of a core\n",
		s * 100);
	ck_assert_msg(s >= 0.17 && s <= 0.23,
		      "a node cut to cpu 0.2 used %.1f %% of a core (20 %% +- 3 expected)",
		      s * 100);
	/* The fault is recorded, then cleared: the profile's 0.5 again. */
	ck_assert_int_eq(tu_enos(&out, tc.db, "fault", "-n", name, "list", NULL), 0);
	ck_assert_msg(tu_contains(out, "cpu") && tu_contains(out, "x 0.2"),
		      "fault list: %s", out);
	free(out);
	fault_ok(name, "clear", "x");
	ck_assert_str_eq(cpu_limit(&h, cg, got, sizeof(got)),
			 cpu_expect(&h, 500, want, sizeof(want)));
	usleep(300000);
	s = share(&h, cg, 2);
	fprintf(stderr, "sys_nodefault: after 'fault clear x' (profile cpu 0.5) it used %.1f %%\n",
		s * 100);
	/* What the loop then gets is the host's to give (two cores shared
	 * by whatever else runs): the quota file above is the check. */
	kill(loop, SIGTERM);
	waitpid(loop, &st, 0);
}
END_TEST

/* `enos status -n NAME [--json]`, asserting it exits 0 (allocated). */
static char *status_of(const char *name, bool json)
{
	char *out = NULL;
	int rc = json ? tu_enos(&out, tc.db, "status", "-n", name, "--json", NULL)
		      : tu_enos(&out, tc.db, "status", "-n", name, NULL);

	ck_assert_msg(rc == 0, "status failed (%d): %s", rc, out ? out : "");
	return out;
}

/* Does `enos status` of NAME show node NODE's active faults as NOW (text)
 * and JSON_FRAG (its node_faults entry, from the node on)? With NOW NULL:
 * that no node fault is shown. */
static void status_shows(const char *name, const char *node, const char *now,
			 const char *json_frag)
{
	char *text = status_of(name, false), *json = status_of(name, true);
	char line[128];

	if (!now) {
		ck_assert_msg(!tu_contains(text, "NODE FAULTS"), "status: %s", text);
		ck_assert_msg(tu_contains(json, "\"node_faults\":[]"), "status --json: %s", json);
	} else {
		snprintf(line, sizeof(line), "\n%-24s %s", node, now);
		ck_assert_msg(tu_contains(text, "NODE FAULTS") && tu_contains(text, line),
			      "status has no '%s': %s", line, text);
		ck_assert_msg(tu_contains(json, json_frag), "status --json has no %s: %s",
			      json_frag, json);
	}
	free(text);
	free(json);
}

START_TEST(memory_fault_oom_in_node_only)
{
	const char *name = "nfmem";
	char cg[64], *out = NULL;
	struct cgroup_host h;
	uint64_t kills = 0;
	int rc;

	host(&h);
	up_world(name, NULL);
	snprintf(cg, sizeof(cg), "enos.%s.y", name);
	/* dd's buffer is its block: reading /dev/zero into it touches
	 * 200 MiB. Without a limit, y can. */
	ck_assert_int_eq(tu_exec(NULL, tc.db, name, "y", "dd", "if=/dev/zero",
				 "of=/dev/null", "bs=200M", "count=1"), 0);
	fault_ok(name, "memory", "y", "64MiB");
	rc = tu_exec(&out, tc.db, name, "y", "dd", "if=/dev/zero",
		     "of=/dev/null", "bs=200M", "count=1");
	ck_assert_msg(rc == 128 + SIGKILL, "dd in y cut to 64MiB: exit %d: %s",
		      rc, out ? out : "");
	free(out);
	ck_assert_int_eq(cgroup_oom_kills(&h, cg, &kills), 0);
	ck_assert_msg(kills >= 1, "no OOM kill counted in %s", cg);
	fprintf(stderr, "sys_nodefault: 200 MiB after 'fault memory y 64MiB': exit %d, %llu OOM kill(s)\n",
		rc, (unsigned long long)kills);
	status_shows(name, "y", "memory 64MiB",
		     "{\"node\":\"y\",\"cpu\":null,\"memory_bytes\":67108864,"
		     "\"frozen\":false,\"stress_workers\":0,\"faults\":[{\"id\":");
	/* The node next to it is unaffected. */
	ck_assert_int_eq(tu_exec(NULL, tc.db, name, "z", "dd", "if=/dev/zero",
				 "of=/dev/null", "bs=200M", "count=1"), 0);
	fault_ok(name, "clear");
	status_shows(name, "y", NULL, NULL);
	ck_assert_int_eq(tu_exec(NULL, tc.db, name, "y", "dd", "if=/dev/zero",
				 "of=/dev/null", "bs=200M", "count=1"), 0);
}
END_TEST

/* The instance of service "svc" in `enos services --json` of NAME, into
 * BUF; its node into NODE, its state into STATE. */
static void svc_instance(const char *name, char *buf, size_t len,
			 char *node, char *state, size_t slen);

/* A stack service killed by a memory fault's limit, in a node whose
 * profile sets no memory (y: none at all), is reported as an OOM with the
 * fault's limit beside it. */
START_TEST(memory_fault_service_oom)
{
	const char *name = "nfsvcoom";
	char stacks[PATH_MAX], bin[PATH_MAX], inst[64], state[32], node[32];
	char go[96], *out = NULL;
	int i;

	/* The service's word to outgrow its node (see st-oomfault.yaml). */
	snprintf(go, sizeof(go), "/tmp/enos-oomfault-%s.go", name);
	unlink(go);

	ck_assert_ptr_nonnull(realpath(FIXTURE_STACKS, stacks));
	ck_assert_ptr_nonnull(realpath(tu_enos_bin(), bin));
	setenv("ENOS_STACKS_DIR", stacks, 1);
	setenv("ENOS_BIN", bin, 1);
	up_world(name, "stack: {name: st-oomfault, strategy: one}\n");
	svc_instance(name, inst, sizeof(inst), node, state, sizeof(state));
	ck_assert_str_eq(state, "running");
	ck_assert_int_eq(tu_enos(&out, tc.db, "services", "-n", name, "--json", NULL), 0);
	ck_assert_msg(tu_contains(out, "\"node_memory_limit_bytes\":null"),
		      "a limit before the fault: %s", out);
	free(out);
	fault_ok(name, "memory", node, "64MiB");
	ck_assert_int_eq(tu_sh("touch %s", go), 0);
	for (i = 0; i < 100; i++) {
		svc_instance(name, inst, sizeof(inst), node, state, sizeof(state));
		if (strcmp(state, "running"))
			break;
		usleep(100000);
	}
	unlink(go);
	ck_assert_int_eq(tu_enos(&out, tc.db, "services", "-n", name, NULL), 0);
	fprintf(stderr, "sys_nodefault: enos services after 'fault memory %s 64MiB':\n%s",
		node, out);
	ck_assert_msg(tu_contains(out, "failed(OOM)") && tu_contains(out, "64M"),
		      "services: %s", out);
	free(out);
	ck_assert_int_eq(tu_enos(&out, tc.db, "services", "-n", name, "--json", NULL), 0);
	unsetenv("ENOS_STACKS_DIR");
	ck_assert_msg(tu_contains(out, "\"oom\":true") &&
		      tu_contains(out, "\"node_memory_limit_bytes\":67108864"),
		      "services --json: %s", out);
	free(out);
}
END_TEST

/* NODE's address in `enos status --json` of NAME, into BUF. */
static void node_addr(const char *name, const char *node, char *buf,
		      size_t len)
{
	char *out = NULL, key[64], *p, *a;

	ck_assert_int_eq(tu_enos(&out, tc.db, "status", "-n", name, "--json",
				 NULL), 0);
	snprintf(key, sizeof(key), "\"name\":\"%s\"", node);
	p = strstr(out, key);
	ck_assert_msg(p != NULL, "no node %s in %s", node, out);
	a = strstr(p, "\"address\":\"");
	ck_assert_ptr_nonnull(a);
	a += strlen("\"address\":\"");
	snprintf(buf, len, "%.*s", (int)strcspn(a, "\"/"), a);
	free(out);
}

/* Does x's HTTP server at URL answer a client in y within 2 s? */
static bool answers(const char *name, const char *url)
{
	return tu_exec(NULL, tc.db, name, "y", "python3", "-c",
		       "import sys, urllib.request; "
		       "urllib.request.urlopen(sys.argv[1], timeout=2).read()",
		       url) == 0;
}

START_TEST(freeze_stops_answering)
{
	const char *name = "nffrz";
	char cg[64], addr[64], url[128];
	struct cgroup_host h;
	pid_t server;
	int i, st;
	bool ok = false;

	host(&h);
	up_world(name, NULL);
	snprintf(cg, sizeof(cg), "enos.%s.x", name);
	node_addr(name, "x", addr, sizeof(addr));
	snprintf(url, sizeof(url), "http://%s:8080/", addr);
	server = tu_enos_spawn(tc.db, "exec", "-n", name, "x", "--", "timeout",
			       "90", "python3", "-m", "http.server", "8080",
			       NULL);
	ck_assert_int_gt(server, 0);
	for (i = 0; i < 30 && !ok; i++) {
		ok = answers(name, url);
		if (!ok)
			usleep(200000);
	}
	ck_assert_msg(ok, "x's server never answered at %s", url);
	fault_ok(name, "freeze", "x");
	ck_assert(cgroup_frozen(&h, cg));
	/* x's profile's cpu beside the freeze. */
	status_shows(name, "x", "cpu 0.5, frozen",
		     "{\"node\":\"x\",\"cpu\":0.5,\"memory_bytes\":null,"
		     "\"frozen\":true,");
	ck_assert_msg(!answers(name, url), "a frozen node answered");
	fprintf(stderr, "sys_nodefault: frozen x: no answer within 2 s\n");
	fault_ok(name, "thaw", "x");
	ck_assert(!cgroup_frozen(&h, cg));
	status_shows(name, "x", NULL, NULL);
	ck_assert_msg(answers(name, url), "x did not answer once thawed");
	kill(server, SIGTERM);
	waitpid(server, &st, 0);
}
END_TEST

/* The instance of service "svc" in `enos services --json` of NAME, into
 * BUF; its node into NODE, its state into STATE. */
static void svc_instance(const char *name, char *buf, size_t len,
			 char *node, char *state, size_t slen)
{
	char *out = NULL, *p;

	ck_assert_int_eq(tu_enos(&out, tc.db, "services", "-n", name, "--json",
				 NULL), 0);
	p = strstr(out, "\"services\":[{\"name\":\"");
	ck_assert_msg(p != NULL, "no instance in %s", out);
	p += strlen("\"services\":[{\"name\":\"");
	snprintf(buf, len, "%.*s", (int)strcspn(p, "\""), p);
	p = strstr(p, "\"node\":\"");
	ck_assert_msg(p != NULL, "no node in %s", out);
	p += strlen("\"node\":\"");
	snprintf(node, slen, "%.*s", (int)strcspn(p, "\""), p);
	p = strstr(p, "\"state\":\"");
	ck_assert_msg(p != NULL, "no state in %s", out);
	p += strlen("\"state\":\"");
	snprintf(state, slen, "%.*s", (int)strcspn(p, "\""), p);
	free(out);
}

START_TEST(crash_then_service_start)
{
	const char *name = "nfcrash";
	char stacks[PATH_MAX], bin[PATH_MAX], inst[64], state[32], node[32];
	char *out = NULL;
	int i;

	ck_assert_ptr_nonnull(realpath(FIXTURE_STACKS, stacks));
	ck_assert_ptr_nonnull(realpath(tu_enos_bin(), bin));
	setenv("ENOS_STACKS_DIR", stacks, 1);
	setenv("ENOS_BIN", bin, 1);
	up_world(name, "stack: {name: st-crash, strategy: one}\n");
	svc_instance(name, inst, sizeof(inst), node, state, sizeof(state));
	ck_assert_str_eq(state, "running");
	fault_ok(name, "crash", node);
	for (i = 0; i < 50; i++) {
		svc_instance(name, inst, sizeof(inst), node, state, sizeof(state));
		if (!strcmp(state, "failed"))
			break;
		usleep(100000);
	}
	ck_assert_msg(!strcmp(state, "failed"), "after the crash %s is %s",
		      inst, state);
	ck_assert_int_eq(tu_enos(&out, tc.db, "fault", "-n", name, "list",
				 "--all", NULL), 0);
	ck_assert_msg(tu_contains(out, "crash") && tu_contains(out, "removed"),
		      "fault list --all: %s", out);
	free(out);
	i = tu_enos(&out, tc.db, "service", "-n", name, "start", inst, NULL);
	ck_assert_msg(i == 0, "service start %s: %d: %s", inst, i, out ? out : "");
	free(out);
	svc_instance(name, inst, sizeof(inst), node, state, sizeof(state));
	fprintf(stderr, "sys_nodefault: %s failed after 'fault crash %s', %s after 'service start'\n",
		inst, node, state);
	unsetenv("ENOS_STACKS_DIR");
	ck_assert_str_eq(state, "running");
}
END_TEST

START_TEST(stress_raises_cpu)
{
	const char *name = "nfstress";
	char cg[64], path[CGROUP_PATH_MAX * 2], *procs = NULL;
	struct cgroup_host h;
	double before, during, after;
	size_t n;
	int i;

	host(&h);
	up_world(name, NULL);
	snprintf(cg, sizeof(cg), "enos.%s.z", name);
	before = share(&h, cg, 1);
	fault_ok(name, "stress", "z", "cpu=1");
	usleep(500000);
	during = share(&h, cg, 2);
	fault_ok(name, "clear", "z");
	usleep(300000);
	after = share(&h, cg, 1);
	fprintf(stderr, "sys_nodefault: z used %.2f cores before, %.2f under 'stress z cpu=1', %.2f after clear\n",
		before, during, after);
	ck_assert_msg(during > before + 0.3, "stress: %.2f cores, %.2f before",
		      during, before);
	ck_assert_msg(after < 0.1, "the stressor still runs: %.2f cores", after);
	/* Nothing is left in z's cgroup. */
	snprintf(path, sizeof(path), "%s/%s/cgroup.procs", h.dir[CG_CPU], cg);
	for (i = 0; i < 20; i++) {
		free(procs);
		procs = NULL;
		ck_assert_int_eq(fs_read_file(path, 4096, &procs, &n), 0);
		if (n == 0)
			break;
		usleep(100000);
	}
	ck_assert_msg(n == 0, "left in z: %s", procs);
	free(procs);
}
END_TEST

/* How long fault ACTION of NAME was active, from the record; NaN if it
 * is not there or not ended. */
static double recorded_span(const char *name, const char *action)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *q = NULL;
	double span = NAN;

	ck_assert_int_eq(sqlite3_open_v2(tc.db, &db, SQLITE_OPEN_READONLY, NULL),
			 SQLITE_OK);
	ck_assert_int_eq(sqlite3_prepare_v2(db,
		"SELECT removed - applied FROM faults WHERE experiment = ?1"
		" AND action = ?2 AND removed IS NOT NULL AND node IS NOT NULL"
		" AND run IS NOT NULL", -1, &q, NULL), SQLITE_OK);
	sqlite3_bind_text(q, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 2, action, -1, SQLITE_STATIC);
	if (sqlite3_step(q) == SQLITE_ROW)
		span = sqlite3_column_double(q, 0);
	sqlite3_finalize(q);
	sqlite3_close(db);
	return span;
}

START_TEST(timeline_node_faults)
{
	const char *name = "nftl";
	char cg[64], got[64], want[64], *out = NULL;
	struct cgroup_host h;
	double cpu_span, freeze_span;
	int rc;

	host(&h);
	up_world(name,
		 "faults:\n"
		 "  - {at: 0s, action: cpu, node: x, cpu: 0.1, for: 2s}\n"
		 "  - {at: 500ms, action: freeze, node: y, for: 1s}\n");
	snprintf(cg, sizeof(cg), "enos.%s.x", name);
	rc = tu_enos(&out, tc.db, "tc", "-n", name, "--timeline", NULL);
	ck_assert_msg(rc == 0, "timeline failed (%d): %s", rc, out ? out : "");
	ck_assert_msg(tu_contains(out, "cpu x 0.1") && tu_contains(out, "freeze y") &&
		      tu_contains(out, "end freeze"), "timeline: %s", out);
	free(out);
	cpu_span = recorded_span(name, "cpu");
	freeze_span = recorded_span(name, "freeze");
	fprintf(stderr, "sys_nodefault: timeline: cpu fault recorded for %.2f s (for: 2s), freeze for %.2f s (for: 1s)\n",
		cpu_span, freeze_span);
	ck_assert_msg(fabs(cpu_span - 2) < 0.5, "cpu span %.2f s", cpu_span);
	ck_assert_msg(fabs(freeze_span - 1) < 0.5, "freeze span %.2f s",
		      freeze_span);
	/* Both undone: x's profile quota, y thawed. */
	ck_assert_str_eq(cpu_limit(&h, cg, got, sizeof(got)),
			 cpu_expect(&h, 500, want, sizeof(want)));
	snprintf(cg, sizeof(cg), "enos.%s.y", name);
	ck_assert(!cgroup_frozen(&h, cg));
}
END_TEST

START_TEST(down_after_frozen_kill9)
{
	const char *name = "nfdown";
	char cg[64], prefix[64], path[CGROUP_PATH_MAX * 2], *procs = NULL, *p;
	char *end;
	struct cgroup_host h;
	int pids[16], n = 0, i, st;
	pid_t sleeper, tl;
	size_t len;

	host(&h);
	up_world(name, "faults:\n  - {at: 0s, action: freeze, node: x, for: 120s}\n");
	snprintf(cg, sizeof(cg), "enos.%s.x", name);
	snprintf(prefix, sizeof(prefix), "enos.%s.", name);
	sleeper = tu_enos_spawn(tc.db, "exec", "-n", name, "x", "--", "sleep",
				"300", NULL);
	ck_assert_int_gt(sleeper, 0);
	usleep(500000);
	tl = tu_enos_spawn(tc.db, "tc", "-n", name, "--timeline", NULL);
	ck_assert_int_gt(tl, 0);
	for (i = 0; i < 50 && !cgroup_frozen(&h, cg); i++)
		usleep(100000);
	ck_assert_msg(cgroup_frozen(&h, cg), "the timeline never froze x");
	/* The enos that froze it dies without a word. */
	kill(tl, SIGKILL);
	waitpid(tl, &st, 0);
	kill(sleeper, SIGKILL);
	waitpid(sleeper, &st, 0);
	snprintf(path, sizeof(path), "%s/%s/cgroup.procs", h.dir[CG_CPU], cg);
	ck_assert_int_eq(fs_read_file(path, 4096, &procs, &len), 0);
	for (p = procs; n < 16 && *p; p = end) {
		long v = strtol(p, &end, 10);

		if (end == p)
			break;
		pids[n++] = (int)v;
	}
	free(procs);
	ck_assert_msg(n >= 1, "nothing runs in frozen x");
	ck_assert_int_eq(tu_enos(NULL, tc.db, "down", "-n", name, NULL), 0);
	ck_assert_int_eq(cgroup_count(&h, prefix), 0);
	for (i = 0; i < n; i++)
		ck_assert_msg(!tu_alive(pids[i]), "pid %d of frozen x outlived down",
			      pids[i]);
	fprintf(stderr, "sys_nodefault: down after a freeze whose enos was killed: 0 cgroups, %d process(es) of x gone\n",
		n);
}
END_TEST

/* The memory limit of the cgroup a command in an lxc node runs in (the
 * container's, which libvirt's setmem writes). */
#define LXC_MEM_LIMIT \
	"cat /proc/self/cgroup; d=$(sed -n 's/^[0-9]*:memory://p' /proc/self/cgroup); " \
	"cat /sys/fs/cgroup/memory$d/memory.limit_in_bytes"

/* `virsh -c URI CMD enos.NAME.NODE` output, allocated; WHEN says which
 * step failed. */
static char *virsh_at(const char *uri, const char *cmd, const char *name,
		      const char *node, const char *when)
{
	char dom[96], *out = NULL;
	char *argv[] = { "virsh", "-c", (char *)uri, (char *)cmd, dom, NULL };

	int rc;

	snprintf(dom, sizeof(dom), "enos.%s.%s", name, node);
	rc = tu_run(&out, argv);
	ck_assert_msg(rc == 0, "%s: virsh %s %s: %d: %s", when, cmd, dom, rc,
		      out ? out : "");
	return out;
}

#define virsh(cmd, name, node, when) virsh_at("lxc:///", cmd, name, node, when)

/* The same faults on an lxc node, through libvirt: schedinfo's quota,
 * setmem, suspend/resume, and a crash that kills what runs in the
 * container but not its init (the domain stays). */
START_TEST(lxc_node_faults)
{
	const char *name = "nflxc";
	char path[256], text[512], *out = NULL;
	pid_t sleeper;
	int i, st = 0;

	snprintf(text, sizeof(text), "name: %s\n"
		 "sites:\n"
		 "  - {name: a, role: central, backend: lxc,\n"
		 "     nodes: [{name: c, cpu: 0.5, memory: 256MiB}]}\n", name);
	tu_write(tc.dir, "lxc.yaml", text, path, sizeof(path));
	i = tu_enos(&out, tc.db, "up", path, NULL);
	ck_assert_msg(i == 0, "up failed (%d): %s", i, out ? out : "");
	free(out);
	sleeper = tu_enos_spawn(tc.db, "exec", "-n", name, "c", "--", "sleep",
				"300", NULL);
	ck_assert_int_gt(sleeper, 0);

	fault_ok(name, "cpu", "c", "0.2");
	out = virsh("schedinfo", name, "c", "cpu");
	ck_assert_msg(strstr(out, "vcpu_quota     : 20000") != NULL,
		      "schedinfo: %s", out);
	free(out);
	fault_ok(name, "memory", "c", "128MiB");
	/* libvirt's LXC setmem is the container's memory cgroup limit,
	 * which the container sees as its root. */
	tu_exec(&out, tc.db, name, "c", "sh", "-c", LXC_MEM_LIMIT);
	ck_assert_msg(out && strstr(out, "134217728"), "limit in c: %s",
		      out ? out : "");
	free(out);

	fault_ok(name, "freeze", "c");
	out = virsh("domstate", name, "c", "freeze");
	ck_assert_msg(strstr(out, "paused") != NULL, "domstate: %s", out);
	free(out);
	fault_ok(name, "thaw", "c");
	out = virsh("domstate", name, "c", "thaw");
	ck_assert_msg(strstr(out, "running") != NULL, "domstate: %s", out);
	free(out);

	fault_ok(name, "crash", "c");
	for (i = 0; i < 50 && waitpid(sleeper, &st, WNOHANG) == 0; i++)
		usleep(100000);
	ck_assert_msg(i < 50, "the sleep in c outlived the crash");
	out = virsh("domstate", name, "c", "crash");
	ck_assert_msg(strstr(out, "running") != NULL, "after crash: %s", out);
	free(out);
	ck_assert_int_eq(tu_exec(NULL, tc.db, name, "c", "true"), 0);

	fault_ok(name, "clear");
	out = virsh("schedinfo", name, "c", "clear");
	ck_assert_msg(strstr(out, "vcpu_quota     : 50000") != NULL,
		      "schedinfo after clear: %s", out);
	free(out);
	tu_exec(&out, tc.db, name, "c", "sh", "-c", LXC_MEM_LIMIT);
	ck_assert_msg(out && strstr(out, "268435456"), "limit in c after clear: %s",
		      out ? out : "");
	free(out);
	fprintf(stderr, "sys_nodefault: lxc node: quota 20000 us/100 ms, 128 MiB, paused/running, crash killed its sleep and kept the domain, clear restored 50000 us and 256 MiB\n");
	ck_assert_int_eq(tu_enos(NULL, tc.db, "down", "-n", name, NULL), 0);
	ck_assert_int_eq(tu_domains("lxc:///", name), 0);
}
END_TEST

/* One VM (TCG here, so one case): its vCPU quota and suspend/resume
 * through libvirt's QEMU driver; a crash is refused (enos cannot reach
 * the guest's processes). */
START_TEST(qemu_node_faults)
{
	const char *name = "nfqemu";
	char path[256], text[512], *out = NULL;
	int rc;

	snprintf(text, sizeof(text), "name: %s\n"
		 "sites:\n"
		 "  - {name: a, role: central,\n"
		 "     nodes: [{name: vm, backend: qemu, cpu: 1, memory: 256MiB}]}\n",
		 name);
	tu_write(tc.dir, "qemu.yaml", text, path, sizeof(path));
	rc = tu_enos(&out, tc.db, "up", path, NULL);
	ck_assert_msg(rc == 0, "up failed (%d): %s", rc, out ? out : "");
	free(out);
	fault_ok(name, "cpu", "vm", "0.5");
	out = virsh_at("qemu:///system", "schedinfo", name, "vm", "cpu");
	ck_assert_msg(strstr(out, "vcpu_quota     : 50000") != NULL,
		      "schedinfo: %s", out);
	free(out);
	fault_ok(name, "freeze", "vm");
	out = virsh_at("qemu:///system", "domstate", name, "vm", "freeze");
	ck_assert_msg(strstr(out, "paused") != NULL, "domstate: %s", out);
	free(out);
	fault_ok(name, "thaw", "vm");
	out = virsh_at("qemu:///system", "domstate", name, "vm", "thaw");
	ck_assert_msg(strstr(out, "running") != NULL, "domstate: %s", out);
	free(out);
	rc = tu_enos(&out, tc.db, "fault", "-n", name, "crash", "vm", NULL);
	ck_assert_msg(rc == 1 && tu_contains(out, "its backend cannot crash"),
		      "crash on a VM: %d: %s", rc, out ? out : "");
	free(out);
	fault_ok(name, "clear");
	out = virsh_at("qemu:///system", "schedinfo", name, "vm", "clear");
	ck_assert_msg(strstr(out, "vcpu_quota     : 100000") != NULL,
		      "schedinfo after clear: %s", out);
	free(out);
	fprintf(stderr, "sys_nodefault: qemu node: vCPU quota 50000 us, paused/running, crash refused, clear restored 100000 us\n");
	ck_assert_int_eq(tu_enos(NULL, tc.db, "down", "-n", name, NULL), 0);
	ck_assert_int_eq(tu_domains("qemu:///system", name), 0);
}
END_TEST

Suite *make_sys_nodefault_suite(struct skips *sk)
{
	const struct sys_case cases[] = {
		{ "cpu_fault_measured", cpu_fault_measured },
		{ "memory_fault_oom_in_node_only", memory_fault_oom_in_node_only },
		{ "memory_fault_service_oom", memory_fault_service_oom },
		{ "freeze_stops_answering", freeze_stops_answering },
		{ "crash_then_service_start", crash_then_service_start },
		{ "stress_raises_cpu", stress_raises_cpu },
		{ "timeline_node_faults", timeline_node_faults },
		{ "down_after_frozen_kill9", down_after_frozen_kill9 },
	};
	const struct sys_case lxc_cases[] = {
		{ "lxc_node_faults", lxc_node_faults },
	};
	const struct sys_case qemu_cases[] = {
		{ "qemu_node_faults", qemu_node_faults },
	};
	static char reason[320];
	struct caps caps;
	Suite *s = suite_create("sys_nodefault");
	const char *why = sys_unavailable();
	struct cgroup_host h;
	char prog[256];

	if (!why && access(tu_enos_bin(), X_OK) != 0)
		why = "the enos binary ($ENOS_BIN) is not built";
	if (!why && cgroup_detect(&h) < 0)
		why = "/proc/self/mountinfo cannot be read";
	if (!why && (!h.version[CG_CPU] || !h.version[CG_MEMORY]))
		why = "this host has no cpu or memory cgroup controller";
	if (!why && !h.version[CG_CPUACCT])
		why = "this host accounts no CPU time per cgroup (cpuacct)";
	if (!why && !h.version[CG_FREEZER])
		why = "this host has no cgroup freezer (v1 hierarchy or cgroup2)";
	if (!why && proc_which("stress-ng", prog, sizeof(prog)) < 0)
		why = "stress-ng is not installed (make deps)";
	if (!why && proc_which("python3", prog, sizeof(prog)) < 0)
		why = "python3 is not installed";
	sys_add_cases(s, sk, cases, sizeof(cases) / sizeof(cases[0]), why,
		      case_setup, case_teardown, 120);
	if (!why && (access("/usr/sbin/libvirtd", X_OK) != 0 ||
		     access("/usr/lib/libvirt/libvirt_lxc", X_OK) != 0))
		why = "libvirt's LXC driver is not installed (apt-get install libvirt-daemon-driver-lxc libvirt-daemon)";
	sys_add_cases(s, sk, lxc_cases, 1, why, case_setup, case_teardown, 180);
	why = sys_unavailable();
	if (!why && access(tu_enos_bin(), X_OK) != 0)
		why = "the enos binary ($ENOS_BIN) is not built";
	if (!why) {
		tu_agent_env();
		caps_probe(&caps);
		if (!caps.libvirt_qemu.found) {
			snprintf(reason, sizeof(reason), "libvirt QEMU: %s",
				 caps.libvirt_qemu.why);
			why = reason;
		} else if (node_qemu_probe(reason, sizeof(reason)) < 0) {
			why = reason;
		}
	}
	sys_add_cases(s, sk, qemu_cases, 1, why, case_setup, case_teardown, 240);
	return s;
}
