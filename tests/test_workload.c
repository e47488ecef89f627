/* test_workload — the workload kinds, their options, the runner and what
 * enos/bench.c computes without the system:
 * - every tests/fixtures/workloads/bad/NAME.yaml loads as a topology but
 *   fails bench_check() with exactly the one line of NAME.err (unknown
 *   workload, option of the wrong type, out of range, unknown option,
 *   `from`/`to` selecting no site, a service the stack does not deploy);
 * - option values with their units and defaults, and command-line
 *   overrides (wl_option_set) with their messages;
 * - site selectors;
 * - fault and WAN tagging (bench_wan_at)
 *   on data whose answers are worked out by hand beside them;
 * - the runner's queue with fake kinds in the caller's namespace (node
 *   SIZE_MAX): every operation and error text arrives with its job, a
 *   stop ends the jobs, a failing job's message comes back, max_parallel
 *   holds;
 * - iperf3's JSON report (tests/fixtures/iperf3/, made with iperf3 3.12
 *   on loopback: `iperf3 -c 127.0.0.1 -J -t 2 -i 1 -b 50M`, and the same
 *   against a closed port);
 * - kv-latency through the runner against a throw-away etcd on 127.0.0.1
 *   (skipped without etcd).
 * No root.
 */
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "emulator/world.h"
#include "enos/bench.h"
#include "enos/plan.h"
#include "enos/topo.h"
#include "tests/suites.h"
#include "tests/testutil.h"
#include "tests/tu_etcd.h"
#include "util/fs.h"
#include "workloads/kinds.h"
#include "workloads/workload.h"

#define BAD_DIR "tests/fixtures/workloads/bad"
#define IPERF_DIR "tests/fixtures/iperf3"

/* ---- bench_check on fixtures ---- */

/* Load PATH and check its workloads; the message (NULL if none). */
static char *check_file(const char *path)
{
	char tag[WORLD_TAG_LEN + 1], *err = NULL;
	struct topology *t;
	struct world w = { 0 };
	int rc;

	t = topo_load(path, &err);
	ck_assert_msg(t, "%s: %s", path, err ? err : "?");
	world_tag(t->name, 0, tag);
	ck_assert_int_eq(plan_world(t, tag, &w), 0);
	rc = bench_check(t, &w, &err);
	ck_assert_msg((rc == 0) == (err == NULL), "%s: rc %d", path, rc);
	plan_release(&w);
	topo_free(t);
	return err;
}

START_TEST(bad_fixtures)
{
	DIR *d = opendir(BAD_DIR);
	struct dirent *de;
	char path[512], errpath[512], *want = NULL, *got;
	size_t len, n = 0;

	setenv("ENOS_STACKS_DIR", "workloads/stacks", 1);
	ck_assert(d);
	while ((de = readdir(d))) {
		len = strlen(de->d_name);
		if (len < 6 || strcmp(de->d_name + len - 5, ".yaml"))
			continue;
		snprintf(path, sizeof(path), BAD_DIR "/%s", de->d_name);
		snprintf(errpath, sizeof(errpath), BAD_DIR "/%.*s.err",
			 (int)(len - 5), de->d_name);
		ck_assert_int_eq(fs_read_file(errpath, 4096, &want, &len), 0);
		while (len && want[len - 1] == '\n')
			want[--len] = '\0';
		got = check_file(path);
		ck_assert_msg(got, "%s passed bench_check", path);
		ck_assert_str_eq(got, want);
		free(got);
		free(want);
		n++;
	}
	closedir(d);
	ck_assert_uint_ge(n, 10);
}
END_TEST

START_TEST(good_list_passes)
{
	char dir[128], path[256], *err;

	setenv("ENOS_STACKS_DIR", "workloads/stacks", 1);
	ck_assert(tu_tmpdir(dir, sizeof(dir), "wl-good"));
	tu_write(dir, "good.yaml",
		 "name: wl\n"
		 "sites:\n"
		 "  - {name: central, role: central, nodes: 2}\n"
		 "  - {name: regional, role: regional, parent: central, count: 2}\n"
		 "  - {name: edge, role: edge, parent: regional-1, count: 2}\n"
		 "stack: {name: etcd, strategy: spread}\n"
		 "workload:\n"
		 "  - {name: kv-latency, times: 50, size: 4KiB, concurrency: 4, gets: no, target: etcd-2}\n"
		 "  - {name: rtt, from: \"edge,central\", to: \"role:regional\", samples: 5, interval: 10ms}\n"
		 "  - {name: throughput, time: 2s, parallel: 2}\n",
		 path, sizeof(path));
	err = check_file(path);
	ck_assert_msg(!err, "%s", err);
	tu_rmtree(dir);
}
END_TEST

/* ---- options ---- */

START_TEST(registry)
{
	ck_assert_ptr_eq(wl_kind_find("kv-latency"), &kind_kv_latency);
	ck_assert_ptr_eq(wl_kind_find("rtt"), &kind_rtt);
	ck_assert_ptr_eq(wl_kind_find("throughput"), &kind_throughput);
	ck_assert_ptr_null(wl_kind_find("kv"));
	ck_assert_ptr_eq(wl_kind_at(0), &kind_kv_latency);
	ck_assert_ptr_null(wl_kind_at(3));
	ck_assert_int_eq(wl_option_index(&kind_kv_latency, "size"), 1);
	ck_assert_int_eq(wl_option_index(&kind_kv_latency, "from"), -1);
	ck_assert_str_eq(kind_kv_latency.service, "etcd");
	ck_assert_uint_eq(kind_throughput.max_parallel, 1);
}
END_TEST

START_TEST(values_and_defaults)
{
	struct workload_param params[] = {
		{ "size", "4KiB", { 3, 5 }, { 3, 11 } },
		{ "timeout", "250ms", { 3, 20 }, { 3, 29 } },
		{ "from", "edge-1", { 3, 40 }, { 3, 46 } },
		{ "gets", "no", { 3, 50 }, { 3, 56 } },
	};
	struct workload_spec spec = { "kv-latency", { 3, 10 }, params, 4 };
	const struct wl_kind *k = &kind_kv_latency;
	struct wl_values v;
	char *err = NULL;

	ck_assert_int_eq(wl_options_parse(k, "t.yaml", &spec, &v, &err), 0);
	ck_assert_ptr_null(err);
	ck_assert_uint_eq(wl_value_num(k, &v, "size", 0), 4096);
	ck_assert_uint_eq(wl_value_num(k, &v, "timeout", 0), 250000);
	ck_assert_uint_eq(wl_value_num(k, &v, "times", 0), 100);       /* default */
	ck_assert_uint_eq(wl_value_num(k, &v, "concurrency", 0), 1);
	ck_assert_uint_eq(wl_value_num(k, &v, "port", 0), 2379);
	ck_assert_uint_eq(wl_value_num(k, &v, "nothing", 7), 7);
	ck_assert_str_eq(wl_value_text(k, &v, "target"), "nearest");
	ck_assert_str_eq(wl_value_text(k, &v, "gets"), "no");
	ck_assert_str_eq(v.from, "edge-1");
	ck_assert(v.given[1] && !v.given[0]);
	ck_assert_uint_eq(k->expected(&v), 100);       /* no gets */
	/* A bare number of bytes is a size too. */
	params[0].value = "100";
	ck_assert_int_eq(wl_options_parse(k, "t.yaml", &spec, &v, &err), 0);
	ck_assert_uint_eq(wl_value_num(k, &v, "size", 0), 100);
	/* Without a `from`, the kind's. */
	spec.n_params = 2;
	ck_assert_int_eq(wl_options_parse(k, "t.yaml", &spec, &v, &err), 0);
	ck_assert_str_eq(v.from, "role:edge");
	ck_assert_uint_eq(k->expected(&v), 200);       /* puts and gets */
	/* No spec at all: every default. */
	ck_assert_int_eq(wl_options_parse(&kind_rtt, NULL, NULL, &v, &err), 0);
	ck_assert_str_eq(v.from, "*");
	ck_assert_uint_eq(wl_value_num(&kind_rtt, &v, "interval", 0), 20000);
}
END_TEST

START_TEST(overrides)
{
	const struct wl_kind *k = &kind_kv_latency;
	struct wl_values v;
	char *err = NULL;

	ck_assert_int_eq(wl_options_parse(k, NULL, NULL, &v, &err), 0);
	ck_assert_int_eq(wl_option_set(k, &v, "times", "50", "--times", &err), 0);
	ck_assert_uint_eq(wl_value_num(k, &v, "times", 0), 50);
	ck_assert(v.given[0]);
	ck_assert_int_eq(wl_option_set(k, &v, "times", "0", "--times", &err), -EINVAL);
	ck_assert_str_eq(err, "workload 'kv-latency': --times 0 is out of range (1 to 1000000)");
	free(err);
	ck_assert_int_eq(wl_option_set(k, &v, "concurrency", "x", "--concurrency", &err),
			 -EINVAL);
	ck_assert_str_eq(err, "workload 'kv-latency': --concurrency 'x' is not a whole number");
	free(err);
	ck_assert_int_eq(wl_option_set(k, &v, "concurrency", "257", "--concurrency", &err),
			 -EINVAL);
	ck_assert_str_eq(err, "workload 'kv-latency': --concurrency 257 is out of range (1 to 256)");
	free(err);
	ck_assert_uint_eq(wl_value_num(k, &v, "times", 0), 50);        /* untouched */
	ck_assert_int_eq(wl_option_set(&kind_rtt, &v, "times", "5", "--times", &err),
			 -EINVAL);
	ck_assert_str_eq(err, "--times: workload 'rtt' has no option 'times'");
	free(err);
	ck_assert_int_eq(wl_option_set(k, &v, "from", "", "--from", &err), -EINVAL);
	ck_assert_str_eq(err, "workload 'kv-latency': --from is empty");
	free(err);
	ck_assert_int_eq(wl_option_set(k, &v, "from", "central", "--from", &err), 0);
	ck_assert_str_eq(v.from, "central");
}
END_TEST

static struct topology *small_topo(void)
{
	char *err = NULL;
	struct topology *t = topo_load_string(
		"name: wl\n"
		"sites:\n"
		"  - {name: central, role: central, nodes: 2}\n"
		"  - {name: regional, role: regional, parent: central}\n"
		"  - {name: edge, role: edge, parent: regional, count: 3}\n",
		"t.yaml", ".", &err);

	ck_assert_msg(t, "%s", err ? err : "?");
	return t;
}

START_TEST(site_selectors)
{
	struct topology *t = small_topo();
	struct wl_values v;
	bool s[5];
	char *err = NULL;

	memset(s, 0, sizeof(s));
	ck_assert_int_eq(wl_select_sites(t, "edge", s, &err), 3);
	ck_assert(!s[0] && !s[1] && s[2] && s[3] && s[4]);
	memset(s, 0, sizeof(s));
	ck_assert_int_eq(wl_select_sites(t, "role:regional, edge-2", s, &err), 2);
	ck_assert(!s[0] && s[1] && !s[2] && s[3] && !s[4]);
	memset(s, 0, sizeof(s));
	ck_assert_int_eq(wl_select_sites(t, "*", s, &err), 5);
	ck_assert_int_eq(wl_select_sites(t, "centrl", s, &err), -EINVAL);
	ck_assert_str_eq(err, "unknown site 'centrl' (did you mean 'central'?)");
	free(err);
	ck_assert_int_eq(wl_select_sites(t, "role:cloud", s, &err), -EINVAL);
	ck_assert_str_eq(err, "unknown role 'cloud' (use central, regional or edge)");
	free(err);
	ck_assert_int_eq(wl_select_sites(t, "edge,,central", s, &err), -EINVAL);
	ck_assert_str_eq(err, "bad site list 'edge,,central'");
	free(err);
	/* An override has no place in the file. */
	ck_assert_int_eq(wl_options_parse(&kind_rtt, "t.yaml", NULL, &v, &err), 0);
	ck_assert_int_eq(wl_option_set(&kind_rtt, &v, "from", "nowhere", "--from", &err), 0);
	ck_assert_int_eq(wl_check_sites(&kind_rtt, t, "t.yaml", NULL, &v, &err), -EINVAL);
	ck_assert_str_eq(err, "workload 'rtt': from 'nowhere': unknown site 'nowhere'");
	free(err);
	topo_free(t);
}
END_TEST

/* ---- fault and WAN tagging ---- */

/* Flags over 3 sites. */
static bool *flags3(bool a, bool b, bool c)
{
	bool *f = calloc(3, sizeof(*f));

	ck_assert(f);
	f[0] = a;
	f[1] = b;
	f[2] = c;
	return f;
}

START_TEST(wan_tagging)
{
	struct shape_table tab = { 0 };
	struct bench_fault f[2];
	int64_t ids[2];
	double rtt, loss;
	size_t n, a, b;

	ck_assert_int_eq(shape_table_init(&tab, 3), 0);
	for (a = 0; a < 3; a++)
		for (b = 0; b < 3; b++)
			if (a != b) {
				shape_at(&tab, a, b)->delay_us = 10000 * (a + 1);
				shape_at(&tab, a, b)->loss_pct = 1;
			}
	/* Fault 7: site 0 cut from 1 and 2, from t = 10 to 20. Fault 9: set
	 * between 1 and 2, delay 50ms and loss 10 %, from t = 15, active. */
	memset(f, 0, sizeof(f));
	f[0] = (struct bench_fault){ 7, 10, 20, { FAULT_PARTITION,
		flags3(true, false, false), flags3(false, true, true), { 0 } } };
	f[1] = (struct bench_fault){ 9, 15, NAN, { FAULT_SET,
		flags3(false, true, false), flags3(false, false, true), { 0 } } };
	f[1].f.con.set = CON_DELAY | CON_LOSS;
	f[1].f.con.delay_us = 50000;
	f[1].f.con.loss_pct = 10;

	/* Before any fault: 10 + 20 ms; a round trip loses 1 - 0.99^2. */
	bench_wan_at(&tab, f, 2, 5, 0, 1, &rtt, &loss, ids, &n);
	ck_assert_uint_eq(n, 0);
	ck_assert_double_eq_tol(rtt, 30, 1e-9);
	ck_assert_double_eq_tol(loss, 1.99, 1e-9);
	/* During the partition: cut, tagged; the applied instant counts. */
	bench_wan_at(&tab, f, 2, 10, 1, 0, &rtt, &loss, ids, &n);
	ck_assert_uint_eq(n, 1);
	ck_assert_int_eq(ids[0], 7);
	ck_assert_double_eq_tol(loss, 100, 1e-9);
	ck_assert_double_eq_tol(rtt, 30, 1e-9);
	/* Both active at 16: pair (1, 2) is not cut but is set: 50 + 50 ms,
	 * 1 - 0.9^2 lost; it carries both faults' ids (active at its start). */
	bench_wan_at(&tab, f, 2, 16, 1, 2, &rtt, &loss, ids, &n);
	ck_assert_uint_eq(n, 2);
	ck_assert_int_eq(ids[0], 7);
	ck_assert_int_eq(ids[1], 9);
	ck_assert_double_eq_tol(rtt, 100, 1e-9);
	ck_assert_double_eq_tol(loss, 19, 1e-9);
	/* The removal instant no longer counts. */
	bench_wan_at(&tab, f, 2, 20, 0, 2, &rtt, &loss, ids, &n);
	ck_assert_uint_eq(n, 1);
	ck_assert_int_eq(ids[0], 9);
	ck_assert_double_eq_tol(rtt, 40, 1e-9);
	ck_assert_double_eq_tol(loss, 1.99, 1e-9);
	/* Inside one site, or unshaped: no figures, the tags still. */
	bench_wan_at(&tab, f, 2, 16, 1, 1, &rtt, &loss, ids, &n);
	ck_assert(isnan(rtt) && isnan(loss));
	ck_assert_uint_eq(n, 2);
	bench_wan_at(NULL, f, 2, 12, 0, 1, &rtt, &loss, ids, &n);
	ck_assert(isnan(rtt) && isnan(loss));
	ck_assert_uint_eq(n, 1);
	live_fault_release(&f[0].f);
	live_fault_release(&f[1].f);
	shape_table_release(&tab);
}
END_TEST

/* ---- the runner, with fake kinds ---- */

/* What the fake kinds share with the test (wl_kind.data). */
struct fake {
	pthread_mutex_t mu;
	unsigned running, max_running;
	unsigned emit_every_ms;
};

/* Emit VALUES->num[0] operations "opJOB", every odd one failed with
 * "error JOB.I"; with emit_every_ms, until stopped instead. */
static int fake_run(const struct wl_job *job, wl_emit_fn emit, void *arg,
		    char **err)
{
	struct fake *f = job->kind->data;
	char error[32];
	struct wl_op op;
	unsigned i;
	int rc = 0;

	*err = NULL;
	pthread_mutex_lock(&f->mu);
	if (++f->running > f->max_running)
		f->max_running = f->running;
	pthread_mutex_unlock(&f->mu);
	for (i = 0; rc == 0 && (f->emit_every_ms || i < job->values->num[0]); i++) {
		if (*job->stop) {
			rc = -EINTR;
			break;
		}
		memset(&op, 0, sizeof(op));
		snprintf(op.op, sizeof(op.op), "op%zu", job->index);
		snprintf(error, sizeof(error), "error %zu.%u", job->index, i);
		op.ok = i % 2 == 0;
		op.error = op.ok ? NULL : error;
		op.iteration = i + 1;
		op.duration_ms = i;
		rc = emit(arg, &op);
		/* The runner copied it: scribbling over it changes nothing. */
		memset(error, 'X', sizeof(error) - 1);
		usleep(f->emit_every_ms ? f->emit_every_ms * 1000 : 2000);
	}
	pthread_mutex_lock(&f->mu);
	f->running--;
	pthread_mutex_unlock(&f->mu);
	return rc;
}

static int fail_run(const struct wl_job *job, wl_emit_fn emit, void *arg,
		    char **err)
{
	(void)emit;
	(void)arg;
	*err = job->index == 1 ? strdup("boom") : NULL;
	return job->index == 1 ? -EIO : 0;
}

struct taken {
	unsigned per_job[8];
	unsigned failed;
	unsigned bad;           /* an op that is not what its job emitted */
	unsigned total;
};

static int take_op(void *arg, size_t job, const struct wl_op *op)
{
	struct taken *tk = arg;
	char want[32];

	ck_assert_uint_lt(job, 8);
	snprintf(want, sizeof(want), "op%zu", job);
	if (strcmp(op->op, want) != 0)
		tk->bad++;
	if (!op->ok) {
		snprintf(want, sizeof(want), "error %zu.%u", job, op->iteration - 1);
		if (!op->error || strcmp(op->error, want) != 0)
			tk->bad++;
		tk->failed++;
	} else if (op->error) {
		tk->bad++;
	}
	tk->per_job[job]++;
	tk->total++;
	return 0;
}

static void jobs_init(struct wl_job *jobs, size_t n, const struct wl_kind *k,
		      const struct wl_values *v)
{
	size_t i;

	memset(jobs, 0, n * sizeof(*jobs));
	for (i = 0; i < n; i++) {
		jobs[i].kind = k;
		jobs[i].values = v;
		jobs[i].node = SIZE_MAX;
		jobs[i].target_node = SIZE_MAX;
		jobs[i].target_site = SIZE_MAX;
		jobs[i].index = i;
	}
}

/* Drain R until it is done (at most 30 s). */
static void drain(struct wl_runner *r, struct taken *tk)
{
	double t0 = tu_now_s();
	int rc;

	while ((rc = wl_runner_wait(r, 50, take_op, tk)) == 0)
		ck_assert_msg(tu_now_s() - t0 < 30, "the runner never finished");
	ck_assert_int_eq(rc, 1);
}

START_TEST(runner_delivers_everything)
{
	struct fake f = { PTHREAD_MUTEX_INITIALIZER, 0, 0, 0 };
	struct wl_kind k = { .name = "fake", .run = fake_run, .data = &f };
	struct wl_values v = { .num = { 25 } };
	struct wl_job jobs[4];
	struct taken tk = { { 0 }, 0, 0, 0 };
	struct wl_runner *r = NULL;
	int rcs[4];
	char *errs[4];
	size_t i;

	jobs_init(jobs, 4, &k, &v);
	ck_assert_int_eq(wl_runner_start(jobs, 4, &r), 0);
	drain(r, &tk);
	ck_assert_int_eq(wl_runner_finish(r, rcs, errs), 0);
	for (i = 0; i < 4; i++) {
		ck_assert_uint_eq(tk.per_job[i], 25);
		ck_assert_int_eq(rcs[i], 0);
		ck_assert_ptr_null(errs[i]);
	}
	ck_assert_uint_eq(tk.bad, 0);
	ck_assert_uint_eq(tk.failed, 4 * 12);
	/* Four at once: the kind has no max_parallel. */
	ck_assert_uint_gt(f.max_running, 1);
}
END_TEST

START_TEST(runner_one_at_a_time)
{
	struct fake f = { PTHREAD_MUTEX_INITIALIZER, 0, 0, 0 };
	struct wl_kind k = { .name = "fake", .run = fake_run, .data = &f,
			     .max_parallel = 1 };
	struct wl_values v = { .num = { 10 } };
	struct wl_job jobs[4];
	struct taken tk = { { 0 }, 0, 0, 0 };
	struct wl_runner *r = NULL;

	jobs_init(jobs, 4, &k, &v);
	ck_assert_int_eq(wl_runner_start(jobs, 4, &r), 0);
	drain(r, &tk);
	ck_assert_int_eq(wl_runner_finish(r, NULL, NULL), 0);
	ck_assert_uint_eq(tk.total, 40);
	ck_assert_uint_eq(f.max_running, 1);
}
END_TEST

START_TEST(runner_stop_keeps_finished)
{
	struct fake f = { PTHREAD_MUTEX_INITIALIZER, 0, 0, 5 };
	struct wl_kind k = { .name = "fake", .run = fake_run, .data = &f };
	struct wl_values v = { .num = { 0 } };
	struct wl_job jobs[3];
	struct taken tk = { { 0 }, 0, 0, 0 };
	struct wl_runner *r = NULL;
	int rcs[3];
	char *errs[3];
	double t0 = tu_now_s();
	size_t i;

	jobs_init(jobs, 3, &k, &v);
	ck_assert_int_eq(wl_runner_start(jobs, 3, &r), 0);
	while (tk.total < 30) {
		ck_assert_int_eq(wl_runner_wait(r, 50, take_op, &tk), 0);
		ck_assert(tu_now_s() - t0 < 30);
	}
	wl_runner_stop(r);
	drain(r, &tk);
	/* Stopped is not a failure. */
	ck_assert_int_eq(wl_runner_finish(r, rcs, errs), 0);
	for (i = 0; i < 3; i++) {
		ck_assert_int_eq(rcs[i], -EINTR);
		ck_assert_uint_gt(tk.per_job[i], 0);
		free(errs[i]);
	}
	ck_assert_uint_eq(tk.bad, 0);
}
END_TEST

START_TEST(runner_job_errors)
{
	struct wl_kind k = { .name = "fail", .run = fail_run };
	struct wl_values v = { .num = { 0 } };
	struct wl_job jobs[2];
	struct taken tk = { { 0 }, 0, 0, 0 };
	struct wl_runner *r = NULL;
	struct world w = { 0 };
	int rcs[2];
	char *errs[2];

	jobs_init(jobs, 2, &k, &v);
	ck_assert_int_eq(wl_runner_start(jobs, 2, &r), 0);
	drain(r, &tk);
	ck_assert_int_eq(wl_runner_finish(r, rcs, errs), -EIO);
	ck_assert_int_eq(rcs[0], 0);
	ck_assert_ptr_null(errs[0]);
	ck_assert_int_eq(rcs[1], -EIO);
	ck_assert_str_eq(errs[1], "boom");
	free(errs[1]);
	/* A node that is not in the world: nothing starts. */
	jobs[0].node = 3;
	jobs[0].w = &w;
	ck_assert_int_eq(wl_runner_start(jobs, 2, &r), -EINVAL);
	/* No job: done at once. */
	ck_assert_int_eq(wl_runner_start(jobs, 0, &r), 0);
	ck_assert_int_eq(wl_runner_wait(r, 1000, take_op, &tk), 1);
	ck_assert_int_eq(wl_runner_finish(r, NULL, NULL), 0);
}
END_TEST

/* ---- iperf3's report ---- */

struct got_ops {
	struct wl_op op[8];
	char error[8][128];
	size_t n;
};

static int got_op(void *arg, const struct wl_op *op)
{
	struct got_ops *g = arg;

	ck_assert_uint_lt(g->n, 8);
	g->op[g->n] = *op;
	snprintf(g->error[g->n], sizeof(g->error[0]), "%s", op->error ? op->error : "");
	g->n++;
	return 0;
}

START_TEST(iperf3_report)
{
	struct got_ops g = { .n = 0 };
	char *text = NULL, *err = NULL;
	size_t len;

	ck_assert_int_eq(fs_read_file(IPERF_DIR "/ok.json", 1 << 20, &text, &len), 0);
	ck_assert_int_eq(kind_throughput_parse(text, len, 1000.0, got_op, &g, &err), 0);
	free(text);
	/* Values read from the file: end.sum_received, intervals[].sum. */
	ck_assert_uint_eq(g.n, 3);
	ck_assert_str_eq(g.op[0].op, "throughput");
	ck_assert(g.op[0].ok);
	ck_assert(!g.op[0].atomic);
	ck_assert_uint_eq(g.op[0].iteration, 1);
	ck_assert_str_eq(g.op[0].unit, "bit/s");
	ck_assert_double_eq_tol(g.op[0].value, 50325634.086726636, 1e-3);
	ck_assert_double_eq_tol(g.op[0].duration_ms, 2000.239, 1e-6);
	ck_assert_double_eq_tol(g.op[0].start, 1000.0, 1e-9);
	ck_assert_str_eq(g.op[1].op, "interval");
	ck_assert(g.op[1].atomic && g.op[1].ok);
	ck_assert_double_eq_tol(g.op[1].value, 50324503.01443265, 1e-3);
	ck_assert_double_eq_tol(g.op[1].start, 1000.0, 1e-9);
	ck_assert_double_eq_tol(g.op[2].start, 1001.000142, 1e-6);

	g.n = 0;
	ck_assert_int_eq(fs_read_file(IPERF_DIR "/refused.json", 1 << 20, &text, &len), 0);
	ck_assert_int_eq(kind_throughput_parse(text, len, 5.0, got_op, &g, &err), 0);
	free(text);
	ck_assert_uint_eq(g.n, 1);
	ck_assert(!g.op[0].ok);
	ck_assert_str_eq(g.error[0], "unable to connect to server: Connection refused");
	ck_assert_ptr_null(g.op[0].unit);

	g.n = 0;
	ck_assert_int_eq(kind_throughput_parse("iperf3: error", 13, 5.0, got_op, &g, &err),
			 -EBADMSG);
	ck_assert_uint_eq(g.n, 0);
	ck_assert(tu_contains(err, "iperf3 wrote no JSON report"));
	free(err);
}
END_TEST

/* ---- kv-latency through the runner, against a local etcd ---- */

static struct tu_etcd etcd;

static void etcd_setup(void)
{
	char why[512];

	if (tu_etcd_start(&etcd, why, sizeof(why)) != 0)
		ck_abort_msg("cannot start etcd: %s", why);
}

static void etcd_teardown(void)
{
	tu_etcd_stop(&etcd);
}

struct kv_taken {
	unsigned puts, gets, failed;
};

static int kv_take(void *arg, size_t job, const struct wl_op *op)
{
	struct kv_taken *t = arg;

	(void)job;
	t->puts += strcmp(op->op, "put") == 0;
	t->gets += strcmp(op->op, "get") == 0;
	t->failed += !op->ok;
	return 0;
}

START_TEST(kv_latency_through_runner)
{
	struct workload_param params[] = {
		{ "times", "30", { 1, 1 }, { 1, 1 } },
		{ "concurrency", "3", { 1, 1 }, { 1, 1 } },
		{ "port", NULL, { 1, 1 }, { 1, 1 } },
	};
	struct workload_spec spec = { "kv-latency", { 1, 1 }, params, 3 };
	struct kv_taken tk = { 0, 0, 0 };
	struct wl_job jobs[2];
	struct wl_runner *r = NULL;
	struct wl_values v;
	char port[16], *err = NULL;
	double t0 = tu_now_s();
	int rc, rcs[2];
	char *errs[2];

	snprintf(port, sizeof(port), "%d", etcd.client_port);
	params[2].value = port;
	ck_assert_int_eq(wl_options_parse(&kind_kv_latency, NULL, &spec, &v, &err), 0);
	jobs_init(jobs, 2, &kind_kv_latency, &v);
	jobs[0].target_addr = jobs[1].target_addr = 0x7f000001;
	jobs[0].key_prefix = "test-workload/a/";
	jobs[1].key_prefix = "test-workload/b/";
	ck_assert_int_eq(wl_runner_start(jobs, 2, &r), 0);
	while ((rc = wl_runner_wait(r, 100, kv_take, &tk)) == 0)
		ck_assert(tu_now_s() - t0 < 50);
	ck_assert_int_eq(rc, 1);
	ck_assert_int_eq(wl_runner_finish(r, rcs, errs), 0);
	ck_assert_msg(rcs[0] == 0 && rcs[1] == 0, "%s / %s", errs[0] ? errs[0] : "",
		      errs[1] ? errs[1] : "");
	/* Both clients, every put and get, each key read back. */
	ck_assert_uint_eq(tk.puts, 60);
	ck_assert_uint_eq(tk.gets, 60);
	ck_assert_uint_eq(tk.failed, 0);
}
END_TEST

Suite *make_workload_suite(struct skips *sk)
{
	Suite *s = suite_create("workload");
	TCase *tc = tcase_create("pure");
	const char *why = tu_etcd_missing();

	tcase_add_test(tc, bad_fixtures);
	tcase_add_test(tc, good_list_passes);
	tcase_add_test(tc, registry);
	tcase_add_test(tc, values_and_defaults);
	tcase_add_test(tc, overrides);
	tcase_add_test(tc, site_selectors);
	tcase_add_test(tc, wan_tagging);
	tcase_add_test(tc, runner_delivers_everything);
	tcase_add_test(tc, runner_one_at_a_time);
	tcase_add_test(tc, runner_stop_keeps_finished);
	tcase_add_test(tc, runner_job_errors);
	tcase_add_test(tc, iperf3_report);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);
	if (why) {
		skip_add(sk, "kv_latency_through_runner", why);
	} else {
		tc = tcase_create("etcd");
		tcase_add_test(tc, kv_latency_through_runner);
		tcase_add_unchecked_fixture(tc, etcd_setup, etcd_teardown);
		tcase_set_timeout(tc, 60);
		suite_add_tcase(s, tc);
	}
	return s;
}
