/* test_trace — links that follow a trace (issue 13): the trace file's
 * parser and each of its errors (emulator/trace.c), the step in force at
 * a time with and without loop, the engine's clock (trace_step_at_ns,
 * trace_clock_start: what the wand engine advances each traced direction
 * by), the resolution of `trace:` rules field by field (enos/resolve.c),
 * the target over time and the per-step accuracy of a series
 * (enos/measure.c). The topology errors are fixtures
 * (tests/fixtures/bad/trace-*.yaml, checked by test_topo); the engine's
 * `trace` request is in the wand_engine fuzz corpus and sys_trace.
 */
#include <check.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "emulator/trace.h"
#include "emulator/trace_play.h"
#include "enos/bench.h"
#include "enos/measure.h"
#include "enos/resolve.h"
#include "enos/topo.h"
#include "tests/suites.h"
#include "tests/testutil.h"
#include "util/str.h"

/* TEXT parsed; fails the test with the message when it does not parse. */
static struct trace *parse_ok(const char *text)
{
	struct trace *t = NULL;
	char *err = NULL;
	int rc = trace_parse(text, strlen(text), "t.tsv", &t, &err);

	ck_assert_msg(rc == 0, "%d: %s", rc, err ? err : "(no message)");
	ck_assert_ptr_null(err);
	return t;
}

/* TEXT refused with exactly MSG. */
static void parse_bad(const char *text, const char *msg)
{
	struct trace *t = NULL;
	char *err = NULL;
	int rc = trace_parse(text, strlen(text), "t.tsv", &t, &err);

	ck_assert_int_eq(rc, -EINVAL);
	ck_assert_ptr_null(t);
	ck_assert_ptr_nonnull(err);
	ck_assert_str_eq(err, msg);
	free(err);
}

START_TEST(test_parse)
{
	struct trace *t = parse_ok("\xef\xbb\xbf# measured\n"
				   "time_s\trtt_ms\tloss_pct\n"
				   "\n"
				   "10.5\t20\t0\n"
				   "11.5  45.001   1.25\r\n"
				   "  13 80 100\n");

	ck_assert_uint_eq(t->n, 3);
	ck_assert(t->has_loss);
	ck_assert(!t->loop);
	/* Times from the first row; half the RTT each way. */
	ck_assert_uint_eq(t->steps[0].at_us, 0);
	ck_assert_uint_eq(t->steps[1].at_us, 1000000);
	ck_assert_uint_eq(t->steps[2].at_us, 2500000);
	ck_assert_uint_eq(t->steps[0].delay_us, 10000);
	ck_assert_uint_eq(t->steps[1].delay_us, 22501);      /* 22500.5 */
	ck_assert_uint_eq(t->steps[2].delay_us, 40000);
	ck_assert_double_eq(t->steps[1].loss_pct, 1.25);
	ck_assert_double_eq(t->steps[2].loss_pct, 100);
	trace_free(t);

	t = parse_ok("0 0\n");
	ck_assert_uint_eq(t->n, 1);
	ck_assert(!t->has_loss);
	ck_assert_uint_eq(t->steps[0].delay_us, 0);
	ck_assert_uint_eq(trace_period_us(t), 0);
	trace_free(t);
}
END_TEST

START_TEST(test_parse_errors)
{
	struct trace *t = NULL;
	char *err = NULL;

	parse_bad("0 20\n1 ten\n", "t.tsv:2:3: trace rtt 'ten' is not a number");
	parse_bad("0 20\nx 20\n", "t.tsv:2:1: trace time 'x' is not a number");
	parse_bad("0 20\n1 inf\n", "t.tsv:2:3: trace rtt 'inf' is not a number");
	parse_bad("0 20\n1 0x10\n", "t.tsv:2:3: trace rtt '0x10' is not a number");
	parse_bad("0 20\n1 -5\n", "t.tsv:2:3: trace rtt '-5' is negative");
	parse_bad("-1 20\n", "t.tsv:1:1: trace time '-1' is negative");
	parse_bad("0 20 0\n1 20 -0.5\n", "t.tsv:2:6: trace loss '-0.5' is negative");
	parse_bad("0 20 101\n", "t.tsv:1:6: trace loss '101' is too large (at most 100 %)");
	parse_bad("0 3600001\n",
		  "t.tsv:1:3: trace rtt '3600001' is too large (at most 3.6e+06 ms)");
	/* Unsorted, and a time twice. */
	parse_bad("0 20\n5 20\n3 20\n",
		  "t.tsv:3:1: trace time '3' is not after the previous row's (line 2): rows must be sorted by time, each time once");
	parse_bad("# c\n0 20\n\n0 30\n",
		  "t.tsv:4:1: trace time '0' is not after the previous row's (line 2): rows must be sorted by time, each time once");
	parse_bad("0 20\n0.0000001 30\n",
		  "t.tsv:2:1: trace time '0.0000001' is less than a microsecond after the previous row's (line 1)");
	parse_bad("0\n", "t.tsv:1:1: trace row has 1 cell, expected 'time_s rtt_ms [loss_pct]'");
	parse_bad("0 1 2 3\n",
		  "t.tsv:1:7: trace row has 4 cells, expected 'time_s rtt_ms [loss_pct]'");
	parse_bad("0 20 0\n1 20\n",
		  "t.tsv:2:1: trace row has 2 cells, the first row (line 1) has 3: give the loss on every row or on none");
	parse_bad("0 20\n1 20 0\n",
		  "t.tsv:2:6: trace row has 3 cells, the first row (line 1) has 2: give the loss on every row or on none");
	parse_bad("0 20\n1 2\x01\n", "t.tsv:2:3: trace rtt '2\\x01' is not a number");
	{
		static const char nul[] = "0 20\n1 2\0\n";

		ck_assert_int_eq(trace_parse(nul, sizeof(nul) - 1, "t.tsv", &t, &err),
				 -EINVAL);
		ck_assert_str_eq(err, "t.tsv:2:1: trace file holds a NUL byte");
		free(err);
		err = NULL;
	}
	/* No row at all: the caller says where the file was named. */
	ck_assert_int_eq(trace_parse("", 0, "t.tsv", &t, &err), -ENODATA);
	ck_assert_ptr_null(err);
	ck_assert_int_eq(trace_parse("# x\ntime_s rtt_ms\n\n", 19, "t.tsv", &t, &err),
			 -ENODATA);
	ck_assert_ptr_null(err);
	ck_assert_ptr_null(t);
}
END_TEST

/* 20 ms for 3 s, 80 ms for 3 s. */
static struct trace *two_steps(bool loop)
{
	struct trace *t = parse_ok("0 20\n3 80\n");

	t->loop = loop;
	return t;
}

START_TEST(test_index_loop)
{
	struct trace *t = two_steps(true);
	uint64_t next;

	ck_assert_uint_eq(trace_period_us(t), 6000000);
	ck_assert_uint_eq(trace_index_at(t, 0, &next), 0);
	ck_assert_uint_eq(next, 3000000);
	ck_assert_uint_eq(trace_index_at(t, 2999999, &next), 0);
	ck_assert_uint_eq(trace_index_at(t, 3000000, &next), 1);
	ck_assert_uint_eq(next, 6000000);
	/* Around again, the next boundary in absolute offsets. */
	ck_assert_uint_eq(trace_index_at(t, 6000000, &next), 0);
	ck_assert_uint_eq(next, 9000000);
	ck_assert_uint_eq(trace_index_at(t, 6000000ull * 1000 + 4000000, &next), 1);
	ck_assert_uint_eq(next, 6000000ull * 1001);
	ck_assert_uint_eq(trace_index_at(t, 5999999, NULL), 1);
	trace_free(t);
}
END_TEST

START_TEST(test_index_no_loop)
{
	struct trace *t = two_steps(false);
	uint64_t next;

	ck_assert_uint_eq(trace_index_at(t, 1000, &next), 0);
	ck_assert_uint_eq(next, 3000000);
	/* The last step holds, then for good. */
	ck_assert_uint_eq(trace_index_at(t, 4000000, &next), 1);
	ck_assert_uint_eq(next, UINT64_MAX);
	ck_assert_uint_eq(trace_index_at(t, 60000000, &next), 1);
	ck_assert_uint_eq(next, UINT64_MAX);
	trace_free(t);
	/* A constant. */
	t = parse_ok("5 30\n");
	t->loop = true;
	ck_assert_uint_eq(trace_index_at(t, 123456789, &next), 0);
	ck_assert_uint_eq(next, UINT64_MAX);
	trace_free(t);
}
END_TEST

/* The engine's clock: the step of a direction at a time of its own clock,
 * and the instant it next changes. */
START_TEST(test_engine_clock)
{
	struct trace *t = two_steps(true);
	uint64_t next, start = 5000000000ull;   /* 5 s on the engine's clock */

	/* Before the start: the first step, until its end. */
	ck_assert_uint_eq(trace_step_at_ns(t, start, 1000, &next), 0);
	ck_assert_uint_eq(next, start + 3000000000ull);
	ck_assert_uint_eq(trace_step_at_ns(t, start, start + 3000000000ull, &next), 1);
	ck_assert_uint_eq(next, start + 6000000000ull);
	ck_assert_uint_eq(trace_step_at_ns(t, start, start + 6500000000ull, &next), 0);
	ck_assert_uint_eq(next, start + 9000000000ull);
	t->loop = false;
	ck_assert_uint_eq(trace_step_at_ns(t, start, start + 6500000000ull, &next), 1);
	ck_assert_uint_eq(next, UINT64_MAX);
	trace_free(t);
	/* A start on CLOCK_REALTIME carried over to the monotonic clock. */
	ck_assert_uint_eq(trace_clock_start(1000, 3000000, 50000000), 48000000);
	ck_assert_uint_eq(trace_clock_start(4000, 3000000, 50000000), 51000000);
	ck_assert_uint_eq(trace_clock_start(1, 3000000000ull, 5), 0);
}
END_TEST

#define SITES "name: r\n" \
	"sites:\n" \
	"  - {name: paris, role: central}\n" \
	"  - {name: lyon, role: regional, parent: paris}\n" \
	"  - {name: edge, role: edge, parent: lyon, count: 2}\n"
enum { PARIS, LYON, EDGE1, EDGE2 };

static char dir[128];

static void dir_setup(void)
{
	ck_assert_ptr_nonnull(tu_tmpdir(dir, sizeof(dir), "trace"));
}

static void dir_teardown(void)
{
	tu_rmtree(dir);
}

static struct topology *load(const char *network)
{
	char path[256], *text, *err = NULL;
	struct topology *t;

	ck_assert_ptr_nonnull(tu_write(dir, "s.tsv", "# steps\n0\t20\t0\n3\t80\t2\n",
				       path, sizeof(path)));
	text = str_printf("%s%s", SITES, network);
	ck_assert_ptr_nonnull(text);
	t = topo_load_string(text, "inline.yaml", dir, &err);
	free(text);
	ck_assert_msg(t != NULL, "%s", err ? err : "(no message)");
	return t;
}

START_TEST(test_resolve_trace)
{
	struct topology *t = load("network:\n  default: {rtt: 10ms, loss: 0.1%}\n"
				  "  constraints:\n"
				  "    - {src: edge, dst: paris, trace: {file: s.tsv, loop: true}, rate: 10mbit}\n"
				  "    - {src: edge-2, dst: paris, rtt: 30ms}\n"
				  "    - {src: paris, dst: edge-1, loss: 1%, symmetric: false}\n");
	struct shape_table tab = { 0 };
	const struct shape_trace *st;

	ck_assert(topo_has_traces(t));
	ck_assert_int_eq(resolve_pairs(t, &tab), 0);
	ck_assert_ptr_nonnull(tab.tr);
	/* edge-1 -> paris: the whole trace, starting at its first step. */
	st = &tab.tr[EDGE1 * tab.n + PARIS];
	ck_assert_ptr_nonnull(st->trace);
	ck_assert(st->delay && st->loss && st->trace->loop);
	ck_assert_uint_eq(shape_at(&tab, EDGE1, PARIS)->delay_us, 10000);
	ck_assert_double_eq(shape_at(&tab, EDGE1, PARIS)->loss_pct, 0);
	ck_assert_uint_eq(shape_at(&tab, EDGE1, PARIS)->rate_bps, 10000000);
	/* paris -> edge-1: a later loss takes the loss from the trace. */
	st = &tab.tr[PARIS * tab.n + EDGE1];
	ck_assert(st->trace && st->delay && !st->loss);
	ck_assert_double_eq(shape_at(&tab, PARIS, EDGE1)->loss_pct, 1);
	/* edge-2 <-> paris: a later rtt takes the delay; the loss stays. */
	st = &tab.tr[EDGE2 * tab.n + PARIS];
	ck_assert(st->trace && !st->delay && st->loss);
	ck_assert_uint_eq(shape_at(&tab, EDGE2, PARIS)->delay_us, 15000);
	ck_assert_ptr_null(resolve_pair_trace(&tab, EDGE2, PARIS));
	/* Untouched pairs are constant. */
	ck_assert_ptr_null(tab.tr[LYON * tab.n + PARIS].trace);
	ck_assert_ptr_eq(resolve_pair_trace(&tab, PARIS, EDGE1),
			 tab.tr[PARIS * tab.n + EDGE1].trace);
	/* Targets over time: both ways 10 ms, then 40 ms from 3 s; a probe
	 * sent just before the step comes back on the new one. */
	ck_assert_double_eq(resolve_target_rtt_at_ms(&tab, EDGE1, PARIS, 0), 20);
	ck_assert_double_eq(resolve_target_rtt_at_ms(&tab, EDGE1, PARIS, 2995000), 50);
	ck_assert_double_eq(resolve_target_rtt_at_ms(&tab, EDGE1, PARIS, 3000000), 80);
	ck_assert_double_eq(resolve_target_rtt_at_ms(&tab, EDGE1, PARIS, 6000000), 20);
	ck_assert_double_eq(resolve_target_rtt_at_ms(&tab, EDGE2, PARIS, 4000000), 30);
	ck_assert_double_eq(resolve_target_rtt_at_ms(&tab, LYON, PARIS, 4000000),
			    resolve_target_rtt_ms(&tab, LYON, PARIS));
	shape_table_release(&tab);
	topo_free(t);
}
END_TEST

START_TEST(test_fault_set_on_trace)
{
	struct topology *t = load("network:\n  constraints:\n"
				  "    - {src: edge, dst: paris, trace: {file: s.tsv}}\n"
				  "faults:\n  - {at: 1s, action: set, src: edge-1, dst: paris, delay: 5ms}\n"
				  "  - {at: 2s, action: set, src: edge-2, dst: paris, jitter: 1ms}\n");
	struct shape_table tab = { 0 };
	bool *changed;

	ck_assert_int_eq(resolve_pairs(t, &tab), 0);
	changed = calloc(tab.n * tab.n, sizeof(*changed));
	ck_assert_ptr_nonnull(changed);
	ck_assert_int_eq(resolve_fault_set(t, &t->faults[0], &tab, changed), 0);
	ck_assert_int_eq(resolve_fault_set(t, &t->faults[1], &tab, changed), 0);
	/* A set delay replaces the trace's; its loss goes on. */
	ck_assert(!tab.tr[EDGE1 * tab.n + PARIS].delay);
	ck_assert(tab.tr[EDGE1 * tab.n + PARIS].loss);
	ck_assert_uint_eq(shape_at(&tab, EDGE1, PARIS)->delay_us, 5000);
	/* A set jitter leaves the trace alone. */
	ck_assert(tab.tr[EDGE2 * tab.n + PARIS].delay);
	ck_assert(tab.tr[PARIS * tab.n + EDGE2].delay);
	ck_assert(shape_table_traced(&tab));
	free(changed);
	shape_table_release(&tab);
	topo_free(t);
}
END_TEST

/* A workload operation is tagged with the step in force when it started. */
START_TEST(test_bench_tag)
{
	struct topology *t = load("network:\n  constraints:\n"
				  "    - {src: edge, dst: paris, trace: {file: s.tsv, loop: true}}\n");
	struct shape_table tab = { 0 };
	double rtt, loss;
	int64_t ids[1];
	size_t n;

	ck_assert_int_eq(resolve_pairs(t, &tab), 0);
	tab.trace_start_us = 1000000000000ull;          /* 1e6 s */
	bench_wan_at(&tab, NULL, 0, 1e6 + 1, EDGE1, PARIS, &rtt, &loss, ids, &n);
	ck_assert_double_eq(rtt, 20);
	ck_assert_double_eq(loss, 0);
	bench_wan_at(&tab, NULL, 0, 1e6 + 4, PARIS, EDGE2, &rtt, &loss, ids, &n);
	ck_assert_double_eq(rtt, 80);
	ck_assert_double_eq_tol(loss, 100 - 98.0 * 98.0 / 100, 1e-9);
	bench_wan_at(&tab, NULL, 0, 1e6 + 7, EDGE1, PARIS, &rtt, &loss, ids, &n);
	ck_assert_double_eq(rtt, 20);
	/* Not started (a start of 0): the first step. */
	tab.trace_start_us = 0;
	bench_wan_at(&tab, NULL, 0, 1e6 + 4, EDGE1, PARIS, &rtt, &loss, ids, &n);
	ck_assert_double_eq(rtt, 20);
	ck_assert_double_eq(resolve_target_rtt_ms(&tab, LYON, PARIS), 0);
	shape_table_release(&tab);
	topo_free(t);
}
END_TEST

/* A series of a 20/80 ms looped trace, every 100 ms for 12 s, measured as
 * the target plus OFFSET (and the transitions as the engine makes them:
 * a probe sent before a drop waits for the old delay). */
static void fill_series(const struct shape_table *tab, struct measure_series *s,
			double offset)
{
	size_t i;

	s->a = EDGE1;
	s->b = PARIS;
	s->n = 120;
	s->at_s = calloc(s->n, sizeof(double));
	s->target_ms = calloc(s->n, sizeof(double));
	s->rtt_ms = calloc(s->n, sizeof(double));
	ck_assert(s->at_s && s->target_ms && s->rtt_ms);
	for (i = 0; i < s->n; i++) {
		s->at_s[i] = 0.05 + 0.1 * (double)i;
		s->target_ms[i] = resolve_target_rtt_at_ms(tab, EDGE1, PARIS,
							   (uint64_t)llround(s->at_s[i] * 1e6));
		s->rtt_ms[i] = s->target_ms[i] + offset;
	}
}

START_TEST(test_series_steps)
{
	struct topology *t = load("network:\n  constraints:\n"
				  "    - {src: edge, dst: paris, trace: {file: s.tsv, loop: true}}\n");
	struct measure_opts o = { 0, 100, 2.0, 0.5, false };
	struct shape_table tab = { 0 };
	struct measure_series s = { 0 };
	size_t i;

	ck_assert_int_eq(resolve_pairs(t, &tab), 0);
	fill_series(&tab, &s, 0.3);
	measure_series_steps(&tab, &o, &s);
	/* 0-3, 3-6, 6-9, 9-12 s: four steps, each within 0.5 ms. */
	ck_assert_uint_eq(s.steps, 4);
	ck_assert_uint_eq(s.steps_within, 4);
	ck_assert_double_eq_tol(s.worst_err_ms, 0.3, 1e-9);
	/* The 80 ms step from 3 s measured 3 ms high: outside 2 %. */
	for (i = 0; i < s.n; i++)
		if (s.at_s[i] > 3.0 && s.at_s[i] < 6.0)
			s.rtt_ms[i] += 3;
	measure_series_steps(&tab, &o, &s);
	ck_assert_uint_eq(s.steps, 4);
	ck_assert_uint_eq(s.steps_within, 3);
	ck_assert_double_eq_tol(s.worst_err_ms, 3.3, 1e-9);
	ck_assert_double_eq_tol(s.worst_err_pct, 100 * 3.3 / 80, 1e-9);
	/* Every probe of the third step lost: it is not counted. */
	for (i = 0; i < s.n; i++)
		if (s.at_s[i] > 6.0 && s.at_s[i] < 9.0)
			s.rtt_ms[i] = NAN;
	measure_series_steps(&tab, &o, &s);
	ck_assert_uint_eq(s.steps, 3);
	free(s.at_s);
	free(s.target_ms);
	free(s.rtt_ms);
	shape_table_release(&tab);
	topo_free(t);
}
END_TEST

/* Probes that cross a step (sent before it, answered after) or wait
 * behind the old delay are not settled: wrong values there do not count. */
START_TEST(test_series_settle)
{
	struct topology *t = load("network:\n  constraints:\n"
				  "    - {src: edge, dst: paris, trace: {file: s.tsv, loop: true}}\n");
	struct measure_opts o = { 0, 100, 2.0, 0.5, false };
	struct shape_table tab = { 0 };
	struct measure_series s = { 0 };
	size_t i;

	ck_assert_int_eq(resolve_pairs(t, &tab), 0);
	fill_series(&tab, &s, 0);
	for (i = 0; i < s.n; i++) {
		double in = fmod(s.at_s[i], 3.0);

		/* 80 ms later than the target within 0.08 s after a step,
		 * and in the last 0.08 s before one. */
		if (in < 0.08 || in > 2.92)
			s.rtt_ms[i] += 80;
	}
	measure_series_steps(&tab, &o, &s);
	ck_assert_uint_eq(s.steps, 4);
	ck_assert_uint_eq(s.steps_within, 4);
	ck_assert_double_eq_tol(s.worst_err_ms, 0, 1e-9);
	free(s.at_s);
	free(s.target_ms);
	free(s.rtt_ms);
	shape_table_release(&tab);
	topo_free(t);
}
END_TEST

/* The measured trace shipped under topologies/data loads, loops and stays
 * within its recorded range. */
START_TEST(test_shipped_trace)
{
	char *err = NULL;
	struct topology *t = topo_load("topologies/trace-edge.yaml", &err);
	const struct trace *tr = NULL;
	size_t i;

	ck_assert_msg(t != NULL, "%s", err ? err : "");
	for (i = 0; i < t->n_rules; i++)
		if (t->rules[i].trace)
			tr = t->rules[i].trace;
	ck_assert_ptr_nonnull(tr);
	ck_assert(tr->loop);
	ck_assert_uint_ge(tr->n, 500);
	for (i = 0; i < tr->n; i++) {
		ck_assert_uint_gt(tr->steps[i].delay_us, 5000);
		ck_assert_uint_lt(tr->steps[i].delay_us, 1000000);
	}
	topo_free(t);
}
END_TEST


/* The trace player's loop (emulator/trace_play.c) on a fake clock: each
 * sleep lands LATE_NS after its deadline, or is refused once STOP_AFTER
 * applications were made. */
struct fake_play {
	uint64_t now, late_ns;
	uint64_t deadlines[32];
	size_t n_deadlines;
	struct {
		size_t src, dst, step;
		uint64_t delay_us, rate_bps, at, late;
		double loss;
	} applied[32];
	size_t n_applied, stop_after;
};

static uint64_t fake_clock(void *arg)
{
	return ((struct fake_play *)arg)->now;
}

static int fake_sleep(void *arg, uint64_t until)
{
	struct fake_play *f = arg;

	ck_assert_uint_lt(f->n_deadlines, 32);
	ck_assert_uint_ne(until, UINT64_MAX);
	f->deadlines[f->n_deadlines++] = until;
	if (f->stop_after && f->n_applied >= f->stop_after)
		return -EINTR;
	f->now = until + f->late_ns;
	return 0;
}

static int fake_apply(void *arg, size_t src, size_t dst,
		      const struct link_params *p, size_t step,
		      uint64_t offset_us, uint64_t late_ns)
{
	struct fake_play *f = arg;
	size_t i = f->n_applied++;

	(void)offset_us;
	ck_assert_uint_lt(i, 32);
	f->applied[i].src = src;
	f->applied[i].dst = dst;
	f->applied[i].step = step;
	f->applied[i].delay_us = p->delay_us;
	f->applied[i].rate_bps = p->rate_bps;
	f->applied[i].loss = p->loss_pct;
	f->applied[i].at = f->now;
	f->applied[i].late = late_ns;
	return 0;
}

#define PLAY_START 5000000000ull        /* the fake clock's offset 0 */
#define SEC 1000000000ull

/* A table of two sites whose direction 0 -> 1 follows TR (delay), at
 * 100 Mbit/s, 1 % loss. */
static void play_table(struct shape_table *tab, const struct trace *tr)
{
	ck_assert_int_eq(shape_table_init(tab, 2), 0);
	ck_assert_int_eq(shape_table_traces(tab), 0);
	shape_at(tab, 0, 1)->rate_bps = 100000000;
	shape_at(tab, 0, 1)->loss_pct = 1;
	tab->tr[0 * 2 + 1].trace = tr;
	tab->tr[0 * 2 + 1].delay = true;
}

/* Three steps of 2 s (RTT 20, 60, 10 ms: 10, 30, 5 ms one way), no loop:
 * each step applied once, at its absolute deadline, although every wake-up
 * is 3 ms late (no drift: the second deadline is start + 4 s, not + 4.003);
 * the other fields of the direction stay; then nothing is left to come. */
START_TEST(test_play_steps)
{
	struct trace *tr = parse_ok("0 20\n2 60\n4 10\n");
	struct fake_play f = { .now = PLAY_START, .late_ns = 3000000 };
	struct trace_play_ops ops = { fake_clock, fake_sleep, fake_apply, &f };
	struct shape_table tab = { 0 };
	const uint64_t want[3] = { 10000, 30000, 5000 };
	size_t i;

	play_table(&tab, tr);
	ck_assert_int_eq(trace_play_run(&tab, PLAY_START, &ops), 0);
	ck_assert_uint_eq(f.n_applied, 3);
	ck_assert_uint_eq(f.n_deadlines, 2);
	ck_assert_uint_eq(f.deadlines[0], PLAY_START + 2 * SEC);
	ck_assert_uint_eq(f.deadlines[1], PLAY_START + 4 * SEC);
	for (i = 0; i < 3; i++) {
		ck_assert_uint_eq(f.applied[i].src, 0);
		ck_assert_uint_eq(f.applied[i].dst, 1);
		ck_assert_uint_eq(f.applied[i].step, i);
		ck_assert_uint_eq(f.applied[i].delay_us, want[i]);
		ck_assert_uint_eq(f.applied[i].rate_bps, 100000000);
		ck_assert(f.applied[i].loss == 1.0);
		ck_assert_uint_eq(f.applied[i].late, i ? 3000000 : 0);
		ck_assert_uint_eq(f.applied[i].at, PLAY_START + 2 * SEC * i +
				  (i ? 3000000 : 0));
	}
	shape_table_release(&tab);
	trace_free(tr);
}
END_TEST

/* With loop: after the last step (its length the interval before it, 2 s)
 * the first comes again at start + 6 s; deadlines stay on the 2 s grid
 * however late each wake-up is; a stop from the sleep ends the loop with
 * its error. */
START_TEST(test_play_loop)
{
	struct trace *tr = parse_ok("0 20\n2 60\n4 10\n");
	struct fake_play f = { .now = PLAY_START, .late_ns = 7000000,
			       .stop_after = 8 };
	struct trace_play_ops ops = { fake_clock, fake_sleep, fake_apply, &f };
	struct shape_table tab = { 0 };
	const size_t steps[8] = { 0, 1, 2, 0, 1, 2, 0, 1 };
	size_t i;

	tr->loop = true;
	play_table(&tab, tr);
	ck_assert_int_eq(trace_play_run(&tab, PLAY_START, &ops), -EINTR);
	ck_assert_uint_eq(f.n_applied, 8);
	for (i = 0; i < 8; i++) {
		ck_assert_uint_eq(f.applied[i].step, steps[i]);
		ck_assert_uint_eq(f.deadlines[i], PLAY_START + 2 * SEC * (i + 1));
	}
	shape_table_release(&tab);
	trace_free(tr);
}
END_TEST

/* A wake-up late past a whole step applies the step in force then (the
 * one missed is skipped, never replayed late), and the next deadline is
 * still the trace's; a player started in the middle of a trace applies
 * the step in force at once; a direction that follows only a trace's loss
 * keeps its own delay; a direction A -> A is never played. */
START_TEST(test_play_late_and_loss)
{
	struct trace *tr = parse_ok("0 20\n2 60\n4 10\n");
	struct trace *lt = parse_ok("0 40 0\n1 40 5\n");
	struct fake_play f = { .now = PLAY_START + 1 * SEC, .late_ns = 2 * SEC + 1000 };
	struct trace_play_ops ops = { fake_clock, fake_sleep, fake_apply, &f };
	struct shape_table tab = { 0 };

	play_table(&tab, tr);
	lt->loop = false;
	shape_at(&tab, 1, 0)->delay_us = 7000;
	tab.tr[1 * 2 + 0].trace = lt;
	tab.tr[1 * 2 + 0].loss = true;          /* a rule set the delay */
	tab.tr[1 * 2 + 1].trace = lt;           /* follows nothing of it */
	ck_assert_int_eq(trace_play_run(&tab, PLAY_START, &ops), 0);
	/* At +1 s: 0 -> 1 in step 0, 1 -> 0 in step 1 (5 %, its 7 ms). */
	ck_assert_uint_ge(f.n_applied, 3);
	ck_assert_uint_eq(f.applied[0].step, 0);
	ck_assert_uint_eq(f.applied[0].delay_us, 10000);
	ck_assert_uint_eq(f.applied[1].src, 1);
	ck_assert_uint_eq(f.applied[1].step, 1);
	ck_assert_uint_eq(f.applied[1].delay_us, 7000);
	ck_assert(f.applied[1].loss == 5.0);
	/* Slept for +2 s, woke at +4.000001 s: step 2, step 1 skipped. */
	ck_assert_uint_eq(f.deadlines[0], PLAY_START + 2 * SEC);
	ck_assert_uint_eq(f.applied[2].step, 2);
	ck_assert_uint_eq(f.applied[2].delay_us, 5000);
	ck_assert_uint_eq(f.n_applied, 3);
	shape_table_release(&tab);
	trace_free(tr);
	trace_free(lt);
}
END_TEST

/* What netem's apply sends for a traced table: every direction as it is
 * at the offset (shape_table_at), the traced one at its step then, the
 * others and the traced one's other fields as the table says. */
START_TEST(test_table_at)
{
	struct trace *tr = parse_ok("0 20\n2 60\n4 10\n");
	struct shape_table tab = { 0 }, at = { 0 };

	play_table(&tab, tr);
	shape_at(&tab, 1, 0)->delay_us = 7000;
	ck_assert_int_eq(shape_table_at(&tab, 2500000, &at), 0);
	ck_assert_ptr_ne(at.p, tab.p);
	ck_assert_uint_eq(shape_at(&at, 0, 1)->delay_us, 30000);
	ck_assert_uint_eq(shape_at(&at, 0, 1)->rate_bps, 100000000);
	ck_assert_uint_eq(shape_at(&at, 1, 0)->delay_us, 7000);
	ck_assert_uint_eq(shape_at(&tab, 0, 1)->delay_us, 0);  /* untouched */
	free(at.p);
	ck_assert_int_eq(shape_table_at(&tab, 9000000, &at), 0);
	ck_assert_uint_eq(shape_at(&at, 0, 1)->delay_us, 5000);  /* held */
	free(at.p);
	shape_table_release(&tab);
	trace_free(tr);
}
END_TEST

Suite *make_trace_suite(void)
{
	Suite *s = suite_create("trace");
	TCase *file = tcase_create("file");
	TCase *steps = tcase_create("steps");
	TCase *res = tcase_create("resolve");

	tcase_add_test(file, test_parse);
	tcase_add_test(file, test_parse_errors);
	tcase_add_test(file, test_shipped_trace);
	suite_add_tcase(s, file);
	tcase_add_test(steps, test_index_loop);
	tcase_add_test(steps, test_index_no_loop);
	tcase_add_test(steps, test_engine_clock);
	tcase_add_test(steps, test_play_steps);
	tcase_add_test(steps, test_play_loop);
	tcase_add_test(steps, test_play_late_and_loss);
	tcase_add_test(steps, test_table_at);
	suite_add_tcase(s, steps);
	tcase_add_checked_fixture(res, dir_setup, dir_teardown);
	tcase_add_test(res, test_resolve_trace);
	tcase_add_test(res, test_fault_set_on_trace);
	tcase_add_test(res, test_bench_tag);
	tcase_add_test(res, test_series_steps);
	tcase_add_test(res, test_series_settle);
	suite_add_tcase(s, res);
	return s;
}
