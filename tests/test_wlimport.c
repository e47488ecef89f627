/* test_wlimport — unit tests of the importers of workload results: the
 * JSON lines of a stack's workload (workloads/jsonl.c) and Rally task
 * reports (workloads/rally.c).
 *
 * JSON lines: tests/fixtures/jsonl/mixed.jsonl (good lines, every kind of
 * bad line, a blank line, CRLF, raw control bytes, no final newline) gives
 * the same operations and bad-line messages however it is split: at every
 * byte boundary and byte by byte; the messages are exactly those of
 * mixed.err; a line longer than WL_JSONL_LINE_MAX is one bad line and is
 * never held whole in memory.
 *
 * Rally: the reports in tests/fixtures/rally/ were made by rally 3.3.0
 * (make-fixtures.sh there); every value asserted below was read from them
 * with Python's json module, not with the code under test:
 *   python3 -c 'import json; d = json.load(open("dummy-ok.json")); ...'
 * walking tasks[].subtasks[].workloads[].data[] and each iteration's
 * atomic_actions[] depth first (the script is in the comment of
 * test_rally_ok).
 * Tests run with the repository root as working directory.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "tests/suites.h"
#include "tests/testutil.h"
#include "util/fs.h"
#include "workloads/jsonl.h"
#include "workloads/rally.h"

#define JSONL_DIR "tests/fixtures/jsonl"
#define RALLY_DIR "tests/fixtures/rally"
#define REC_MAX 64

/* What a parser handed its callbacks. */
struct rec {
	struct wl_op ops[REC_MAX];      /* error pointers replaced by ... */
	char *errors[REC_MAX];          /* ... copies */
	size_t n;
	unsigned long bad_line[REC_MAX];
	char *bad[REC_MAX];
	size_t n_bad;
	size_t stop_after;              /* emit says -ECANCELED once N ops
					 * are in; 0: never */
};

static int rec_emit(void *arg, const struct wl_op *op)
{
	struct rec *r = arg;

	if (r->stop_after && r->n >= r->stop_after)
		return -ECANCELED;
	ck_assert_uint_lt(r->n, REC_MAX);
	r->ops[r->n] = *op;
	r->errors[r->n] = op->error ? strdup(op->error) : NULL;
	r->ops[r->n].error = r->errors[r->n];
	r->n++;
	return 0;
}

static int rec_bad(void *arg, unsigned long line, const char *msg)
{
	struct rec *r = arg;

	ck_assert_uint_lt(r->n_bad, REC_MAX);
	r->bad_line[r->n_bad] = line;
	r->bad[r->n_bad++] = strdup(msg);
	return 0;
}

static void rec_free(struct rec *r)
{
	size_t i;

	for (i = 0; i < r->n; i++)
		free(r->errors[i]);
	for (i = 0; i < r->n_bad; i++)
		free(r->bad[i]);
	memset(r, 0, sizeof(*r));
}

static void assert_same(const struct rec *a, const struct rec *b,
			const char *how)
{
	size_t i;

	ck_assert_msg(a->n == b->n, "%s: %zu ops, not %zu", how, b->n, a->n);
	ck_assert_msg(a->n_bad == b->n_bad, "%s: %zu bad lines, not %zu",
		      how, b->n_bad, a->n_bad);
	for (i = 0; i < a->n; i++) {
		const struct wl_op *x = &a->ops[i], *y = &b->ops[i];

		ck_assert_msg(!strcmp(x->op, y->op) && x->start == y->start &&
			      x->duration_ms == y->duration_ms &&
			      x->ok == y->ok && x->iteration == y->iteration &&
			      x->atomic == y->atomic &&
			      !x->error == !y->error &&
			      (!x->error || !strcmp(x->error, y->error)),
			      "%s: op %zu differs", how, i);
	}
	for (i = 0; i < a->n_bad; i++)
		ck_assert_msg(a->bad_line[i] == b->bad_line[i] &&
			      !strcmp(a->bad[i], b->bad[i]),
			      "%s: bad line %zu differs: %s", how, i, b->bad[i]);
}

static char *read_fixture(const char *path, size_t *len)
{
	char *text = NULL;
	int rc = fs_read_file(path, 1 << 20, &text, len);

	ck_assert_msg(rc == 0, "%s: %s", path, fs_read_error(rc));
	return text;
}

/* Feed TEXT[0..LEN) as TEXT[0..CUT) and TEXT[CUT..LEN), each in pieces
 * of CHUNK bytes (0: whole), then finish. */
static void feed_cut(struct rec *r, const char *text, size_t len, size_t cut,
		     size_t chunk, struct wl_jsonl *p, const char *label)
{
	size_t parts[2][2] = { { 0, cut }, { cut, len } }, k, at, n;

	wl_jsonl_init(p, label, rec_emit, rec_bad, r);
	for (k = 0; k < 2; k++) {
		for (at = parts[k][0]; at < parts[k][1]; at += n) {
			n = parts[k][1] - at;
			if (chunk && n > chunk)
				n = chunk;
			ck_assert_int_eq(wl_jsonl_feed(p, text + at, n), 0);
		}
	}
	ck_assert_int_eq(wl_jsonl_finish(p), 0);
	wl_jsonl_release(p);
}

#define MIXED JSONL_DIR "/mixed.jsonl"

START_TEST(test_jsonl_mixed)
{
	char *text, *expected, *line, *nl;
	struct wl_jsonl p;
	struct rec r = { 0 };
	size_t len, elen, i = 0;

	text = read_fixture(MIXED, &len);
	feed_cut(&r, text, len, len, 0, &p, MIXED);
	ck_assert_uint_eq(p.lines, 23);
	ck_assert_uint_eq(p.n_ops, 6);
	ck_assert_uint_eq(p.n_bad, 16);
	ck_assert_uint_eq(r.n, 6);

	ck_assert_str_eq(r.ops[0].op, "put");
	ck_assert_double_eq_tol(r.ops[0].start, 1733580000.123456, 1e-6);
	ck_assert_double_eq(r.ops[0].duration_ms, 1.93);
	ck_assert(r.ops[0].ok && !r.ops[0].error && !r.ops[0].iteration &&
		  !r.ops[0].atomic);
	/* JSON escapes undone: \" and \u00e9. */
	ck_assert(!r.ops[1].ok);
	ck_assert_str_eq(r.ops[1].error, "timeout after 1 s: \"k\" \xc3\xa9t\xc3\xa9");
	ck_assert_str_eq(r.ops[2].op, "nova.boot_server");
	ck_assert(r.ops[2].atomic && r.ops[2].iteration == 7);
	ck_assert_double_eq(r.ops[2].duration_ms, 1790);
	/* Failed without an error text. */
	ck_assert_str_eq(r.ops[3].op, "boot-delete");
	ck_assert(!r.ops[3].ok && !r.ops[3].error && !r.ops[3].atomic);
	ck_assert_double_eq(r.ops[3].duration_ms, 2470.25);
	/* CRLF, "error": null; then leading blanks, "error": "", no
	 * final newline. */
	ck_assert(r.ops[4].ok && !r.ops[4].error);
	ck_assert_double_eq(r.ops[4].start, 1733580002);
	ck_assert(r.ops[5].ok && !r.ops[5].error);
	ck_assert_double_eq(r.ops[5].duration_ms, 4);

	/* Each bad line's message, in order, is a line of mixed.err, and
	 * its line number is the one the message names. */
	expected = read_fixture(JSONL_DIR "/mixed.err", &elen);
	for (line = expected; *line; line = nl + 1, i++) {
		char prefix[64];

		nl = strchr(line, '\n');
		ck_assert_ptr_nonnull(nl);
		*nl = '\0';
		ck_assert_uint_lt(i, r.n_bad);
		ck_assert_str_eq(r.bad[i], line);
		snprintf(prefix, sizeof(prefix), MIXED ":%lu:", r.bad_line[i]);
		ck_assert_msg(!strncmp(r.bad[i], prefix, strlen(prefix)),
			      "line %lu: %s", r.bad_line[i], r.bad[i]);
	}
	ck_assert_uint_eq(i, r.n_bad);
	/* Control bytes are shown escaped, never raw. */
	for (i = 0; i < r.n_bad; i++)
		for (line = r.bad[i]; *line; line++)
			ck_assert((unsigned char)*line >= 0x20 && *line != 0x7f);
	ck_assert_uint_eq(r.bad_line[12], 17);
	ck_assert(tu_contains(r.bad[12], "\\t\"start\":1,\\x1b[2J\\u0085\\xff}"));
	free(expected);
	rec_free(&r);
	free(text);
}
END_TEST

START_TEST(test_jsonl_split_everywhere)
{
	struct rec whole = { 0 }, r = { 0 };
	struct wl_jsonl p;
	char how[64];
	size_t len, cut;
	char *text = read_fixture(MIXED, &len);

	feed_cut(&whole, text, len, len, 0, &p, MIXED);
	for (cut = 0; cut <= len; cut++) {
		feed_cut(&r, text, len, cut, 0, &p, MIXED);
		snprintf(how, sizeof(how), "cut at byte %zu", cut);
		assert_same(&whole, &r, how);
		rec_free(&r);
	}
	feed_cut(&r, text, len, len, 1, &p, MIXED);
	assert_same(&whole, &r, "byte by byte");
	rec_free(&r);
	rec_free(&whole);
	free(text);
}
END_TEST

/* A line of exactly WL_JSONL_LINE_MAX bytes, then one byte longer, then
 * one of 1 MiB, then a good line. */
START_TEST(test_jsonl_oversized)
{
	static const char head[] = "{\"op\":\"x\",\"start\":1,\"duration_ms\":2,"
		"\"ok\":false,\"error\":\"";
	static const size_t chunks[] = { 0, 4096, 7 };
	size_t big = 1 << 20, len = 0, k, i;
	char *text = malloc(2 * WL_JSONL_LINE_MAX + big + 256);
	char expected[256];
	struct wl_jsonl p;
	struct rec r = { 0 };

	ck_assert_ptr_nonnull(text);
	for (k = 0; k < 3; k++) {
		size_t want = k == 0 ? WL_JSONL_LINE_MAX :
			k == 1 ? WL_JSONL_LINE_MAX + 1 : big;

		memcpy(text + len, head, sizeof(head) - 1);
		memset(text + len + sizeof(head) - 1, 'e',
		       want - (sizeof(head) - 1) - 2);
		memcpy(text + len + want - 2, "\"}\n", 3);
		len += want + 1;
	}
	len += (size_t)snprintf(text + len, 256, "{\"op\":\"y\",\"start\":3,"
				"\"duration_ms\":4,\"ok\":true}\n");

	for (i = 0; i < 3; i++) {
		wl_jsonl_init(&p, "big", rec_emit, rec_bad, &r);
		for (k = 0; k < len; k += chunks[i] ? chunks[i] : len) {
			size_t n = chunks[i] && len - k > chunks[i] ?
				chunks[i] : len - k;

			ck_assert_int_eq(wl_jsonl_feed(&p, text + k, n), 0);
			/* Never more than one line's worth held. */
			ck_assert_uint_le(p.part.alloc,
					  2 * (WL_JSONL_LINE_MAX + 1));
		}
		ck_assert_int_eq(wl_jsonl_finish(&p), 0);
		ck_assert_uint_eq(p.lines, 4);
		ck_assert_uint_eq(r.n, 2);
		ck_assert_str_eq(r.ops[0].op, "x");
		ck_assert_uint_eq(strlen(r.ops[0].error),
				  WL_JSONL_LINE_MAX - (sizeof(head) - 1) - 2);
		ck_assert_str_eq(r.ops[1].op, "y");
		ck_assert_uint_eq(r.n_bad, 2);
		snprintf(expected, sizeof(expected), "big:2: line is %d bytes, "
			 "longer than %d: %.80s...", WL_JSONL_LINE_MAX + 1,
			 WL_JSONL_LINE_MAX, text + WL_JSONL_LINE_MAX + 1);
		ck_assert_str_eq(r.bad[0], expected);
		ck_assert_uint_eq(r.bad_line[1], 3);
		ck_assert(tu_contains(r.bad[1], "big:3: line is 1048576 bytes"));
		wl_jsonl_release(&p);
		rec_free(&r);
	}
	free(text);
}
END_TEST

START_TEST(test_jsonl_stop_and_finish)
{
	static const char two[] =
		"{\"op\":\"a\",\"start\":1,\"duration_ms\":1,\"ok\":true}\n"
		"{\"op\":\"b\",\"start\":1,\"duration_ms\":1,\"ok\":true}\n"
		"{\"op\":\"c\",\"start\":1,\"duration_ms\":1,\"ok\":true}";
	struct rec r = { .stop_after = 1 };
	struct wl_jsonl p;

	/* The runner's emit stops the parse: its errno comes back. */
	wl_jsonl_init(&p, "s", rec_emit, NULL, &r);
	ck_assert_int_eq(wl_jsonl_feed(&p, two, sizeof(two) - 1), -ECANCELED);
	ck_assert_uint_eq(r.n, 1);
	wl_jsonl_release(&p);
	rec_free(&r);

	/* Without a bad-line callback bad lines are only counted; the last
	 * line needs wl_jsonl_finish(); nothing is fed after it. */
	wl_jsonl_init(&p, "s", rec_emit, NULL, &r);
	ck_assert_int_eq(wl_jsonl_feed(&p, "oops\n", 5), 0);
	ck_assert_int_eq(wl_jsonl_feed(&p, two, sizeof(two) - 1), 0);
	ck_assert_uint_eq(r.n, 2);
	ck_assert_uint_eq(p.n_bad, 1);
	ck_assert_int_eq(wl_jsonl_finish(&p), 0);
	ck_assert_uint_eq(r.n, 3);
	ck_assert_uint_eq(p.lines, 4);
	ck_assert_int_eq(wl_jsonl_finish(&p), 0);
	ck_assert_int_eq(wl_jsonl_feed(&p, "x", 1), -EINVAL);
	wl_jsonl_release(&p);
	wl_jsonl_release(NULL);
	rec_free(&r);
}
END_TEST

/* One expected operation. */
struct want {
	const char *op;
	double start;           /* s */
	double duration_ms;
	bool ok;
	const char *error;
	unsigned iteration;
	bool atomic;
};

static void assert_ops(const struct rec *r, const struct want *w, size_t n)
{
	size_t i;

	ck_assert_uint_eq(r->n, n);
	for (i = 0; i < n; i++) {
		const struct wl_op *o = &r->ops[i];

		ck_assert_msg(!strcmp(o->op, w[i].op), "op %zu: %s, not %s", i,
			      o->op, w[i].op);
		ck_assert_double_eq_tol(o->start, w[i].start, 1e-6);
		ck_assert_double_eq_tol(o->duration_ms, w[i].duration_ms, 1e-6);
		ck_assert_msg(o->ok == w[i].ok, "op %zu: ok %d", i, o->ok);
		ck_assert_msg(!o->error == !w[i].error &&
			      (!o->error || !strcmp(o->error, w[i].error)),
			      "op %zu: error %s", i, o->error ? o->error : "NULL");
		ck_assert_uint_eq(o->iteration, w[i].iteration);
		ck_assert_msg(o->atomic == w[i].atomic, "op %zu: atomic", i);
	}
}

/* Values read with (for each FILE):
 *   python3 -c 'import json
 *   def walk(a, it):
 *       for x in a:
 *           print(" ", x["name"], repr(x["started_at"]),
 *                 repr((x["finished_at"] - x["started_at"]) * 1000),
 *                 x.get("failed", False), it)
 *           walk(x["children"], it)
 *   n = 0
 *   for t in json.load(open("FILE"))["tasks"]:
 *       for s in t["subtasks"]:
 *           for w in s["workloads"]:
 *               for i in w["data"]:
 *                   n += 1
 *                   print(n, repr(i["timestamp"]), repr(i["duration"] * 1000),
 *                         i["error"][:2])
 *                   walk(i["atomic_actions"], n)'
 */
START_TEST(test_rally_ok)
{
	static const struct want want[] = {
		{ "Dummy.dummy", 1796651959.8483224, 20.200252532958984, true, NULL, 1, false },
		{ "foo", 1796651959.8483813, 20.13564109802246, true, NULL, 1, true },
		{ "bar", 1796651959.8483918, 20.11394500732422, true, NULL, 1, true },
		{ "Dummy.dummy", 1796651959.8700602, 20.122528076171875, true, NULL, 2, false },
		{ "foo", 1796651959.8700745, 20.10512351989746, true, NULL, 2, true },
		{ "bar", 1796651959.870079, 20.095109939575195, true, NULL, 2, true },
		{ "Dummy.dummy", 1796651959.8947947, 20.127058029174805, true, NULL, 3, false },
		{ "foo", 1796651959.8948083, 20.110368728637695, true, NULL, 3, true },
		{ "bar", 1796651959.8948116, 20.099401473999023, true, NULL, 3, true },
	};
	struct wl_rally_result res;
	struct rec r = { 0 };
	char *err = NULL;

	ck_assert_int_eq(wl_rally_load(RALLY_DIR "/dummy-ok.json", NULL,
				       rec_emit, &r, &res, &err), 0);
	ck_assert_ptr_null(err);
	assert_ops(&r, want, sizeof(want) / sizeof(want[0]));
	ck_assert_str_eq(res.rally_version, "3.3.0");
	ck_assert_str_eq(res.task, "ef07a2bd-a429-4d30-b317-0c55375f72e5");
	ck_assert_str_eq(res.status, "finished");
	ck_assert(res.pass_sla);
	ck_assert_uint_eq(res.iterations, 3);
	ck_assert_uint_eq(res.failed, 0);
	ck_assert_uint_eq(res.atomics, 6);
	ck_assert_uint_eq(res.n_workloads, 1);
	ck_assert_str_eq(res.workloads[0].scenario, "Dummy.dummy");
	ck_assert_str_eq(res.workloads[0].title, "dummy");
	ck_assert_uint_eq(res.workloads[0].first, 1);
	ck_assert(res.workloads[0].pass_sla);
	ck_assert_str_eq(res.workloads[0].sla, "failure_rate: Failure rate "
			 "criteria 0.00% <= 0.00% <= 0.00% - Passed");
	/* w["load_duration"], w["full_duration"] */
	ck_assert_double_eq_tol(res.workloads[0].load_duration,
				0.06659936904907227, 1e-12);
	ck_assert_double_eq_tol(res.workloads[0].full_duration,
				0.12428522109985352, 1e-12);
	wl_rally_result_release(&res);
	wl_rally_result_release(&res);
	rec_free(&r);
}
END_TEST

/* Failed iterations keep their error text; failed atomic actions carry
 * their iteration's; numbers run on over the second workload; the
 * caller's name replaces the scenario's on iterations only. */
START_TEST(test_rally_failures)
{
#define EXPECTED "DummyScenarioException: Dummy scenario expected " \
	"exception: 'Expected failure'"
#define KEYERROR "KeyError: 'Dummy test exception'"
	static const struct want want[] = {
		{ "w", 1796651971.127862, 10.137557983398438, true, NULL, 1, false },
		{ "w", 1796651971.1396286, 10.228872299194336, false, EXPECTED, 2, false },
		{ "w", 1796651971.1547399, 10.159969329833984, false, EXPECTED, 3, false },
		{ "w", 1796651971.1669505, 10.14399528503418, true, NULL, 4, false },
		{ "w", 1796651973.2261486, 0.08940696716308594, true, NULL, 5, false },
		{ "dummy_fail_test", 1796651973.2262096, 0.024318695068359375, true, NULL, 5, true },
		{ "dummy_fail_inner_test", 1796651973.226227, 0.004291534423828125, true, NULL, 5, true },
		{ "dummy_fail_test", 1796651973.2262352, 0.002384185791015625, true, NULL, 5, true },
		{ "dummy_fail_inner_test", 1796651973.2262363, 0.000476837158203125, true, NULL, 5, true },
		{ "w", 1796651973.2348099, 0.16379356384277344, true, NULL, 6, false },
		{ "dummy_fail_test", 1796651973.2349515, 0.011205673217773438, true, NULL, 6, true },
		{ "dummy_fail_inner_test", 1796651973.2349594, 0.0016689300537109375, true, NULL, 6, true },
		{ "dummy_fail_test", 1796651973.2349641, 0.008821487426757812, true, NULL, 6, true },
		{ "dummy_fail_inner_test", 1796651973.2349687, 0.003337860107421875, true, NULL, 6, true },
		{ "w", 1796651973.237254, 0.09751319885253906, false, KEYERROR, 7, false },
		{ "dummy_fail_test", 1796651973.2373142, 0.024080276489257812, false, KEYERROR, 7, true },
		{ "w", 1796651973.2385402, 0.03695487976074219, false, KEYERROR, 8, false },
		{ "dummy_fail_test", 1796651973.2385504, 0.008106231689453125, true, NULL, 8, true },
		{ "dummy_fail_inner_test", 1796651973.238556, 0.001430511474609375, true, NULL, 8, true },
		{ "dummy_fail_test", 1796651973.2385602, 0.012159347534179688, false, KEYERROR, 8, true },
		{ "dummy_fail_inner_test", 1796651973.2385616, 0.003814697265625, false, KEYERROR, 8, true },
	};
	static const char fail50[] = "failure_rate: Failure rate criteria "
		"0.00% <= 50.00% <= 0.00% - Failed";
	struct wl_rally_result res;
	struct rec r = { 0 };
	char *err = NULL;

	ck_assert_int_eq(wl_rally_load(RALLY_DIR "/dummy-failures.json", "w",
				       rec_emit, &r, &res, &err), 0);
	assert_ops(&r, want, sizeof(want) / sizeof(want[0]));
	ck_assert(!res.pass_sla);
	ck_assert_uint_eq(res.iterations, 8);
	ck_assert_uint_eq(res.failed, 4);
	ck_assert_uint_eq(res.atomics, 13);
	ck_assert_uint_eq(res.n_workloads, 2);
	ck_assert_str_eq(res.workloads[0].scenario, "Dummy.failure");
	ck_assert_str_eq(res.workloads[0].title, "failure");
	ck_assert_uint_eq(res.workloads[0].first, 1);
	ck_assert_uint_eq(res.workloads[0].iterations, 4);
	ck_assert_uint_eq(res.workloads[0].failed, 2);
	ck_assert_uint_eq(res.workloads[0].atomics, 0);
	ck_assert(!res.workloads[0].pass_sla);
	ck_assert_str_eq(res.workloads[0].sla, fail50);
	ck_assert_str_eq(res.workloads[1].scenario,
			 "Dummy.dummy_random_fail_in_atomic");
	ck_assert_uint_eq(res.workloads[1].first, 5);
	ck_assert_uint_eq(res.workloads[1].iterations, 4);
	ck_assert_uint_eq(res.workloads[1].failed, 2);
	ck_assert_uint_eq(res.workloads[1].atomics, 13);
	/* No SLA in the task file: rally adds failure_rate max 0. */
	ck_assert_str_eq(res.workloads[1].sla, fail50);
	wl_rally_result_release(&res);
	rec_free(&r);

	/* The scenario's name when the caller gives none. */
	ck_assert_int_eq(wl_rally_load(RALLY_DIR "/dummy-failures.json", NULL,
				       rec_emit, &r, NULL, &err), 0);
	ck_assert_str_eq(r.ops[0].op, "Dummy.failure");
	ck_assert_str_eq(r.ops[4].op, "Dummy.dummy_random_fail_in_atomic");
	rec_free(&r);

	/* The runner's emit stops the import: its errno, no message. */
	r.stop_after = 3;
	ck_assert_int_eq(wl_rally_load(RALLY_DIR "/dummy-failures.json", "w",
				       rec_emit, &r, &res, &err), -ECANCELED);
	ck_assert_ptr_null(err);
	ck_assert_uint_eq(r.n, 3);
	ck_assert_ptr_null(res.workloads);
	rec_free(&r);
#undef EXPECTED
#undef KEYERROR
}
END_TEST

/* Load PATH expecting RC and the message MSG (a prefix when PREFIX), with
 * nothing emitted and nothing in the result. */
static void assert_refused(const char *path, int rc, const char *msg,
			   bool prefix)
{
	struct wl_rally_result res;
	struct rec r = { 0 };
	char *err = NULL;

	ck_assert_int_eq(wl_rally_load(path, "w", rec_emit, &r, &res, &err),
			 rc);
	ck_assert_msg(err && (prefix ? !strncmp(err, msg, strlen(msg)) :
			      !strcmp(err, msg)),
		      "%s:\n  got      %s\n  expected %s", path,
		      err ? err : "(null)", msg);
	ck_assert_uint_eq(r.n, 0);
	ck_assert_ptr_null(res.workloads);
	ck_assert_ptr_null(res.task);
	free(err);
}

START_TEST(test_rally_refused_files)
{
	char dir[128], path[256];

	assert_refused(RALLY_DIR "/dummy-context-fails.json", -ENODATA,
		       RALLY_DIR "/dummy-context-fails.json: no iteration in "
		       "the report: workload 'Dummy.dummy' (tasks[0]."
		       "subtasks[0].workloads[0]) ran none: context "
		       "'dummy_context@default' setup failed: RallyException: "
		       "Oops...setup is failed", false);
	assert_refused(RALLY_DIR "/dummy-ok.results.json", -EINVAL,
		       RALLY_DIR "/dummy-ok.results.json: this is the "
		       "deprecated `rally task results` format, which loses "
		       "the atomic actions' start times; give `rally task "
		       "report --json --out FILE` instead", false);
	/* JSON, but not Rally's: the fixture of the JSON-lines tests is one
	 * object per line, not one document. */
	assert_refused(MIXED, -EINVAL, MIXED ":2:1: not JSON (end of file "
		       "expected near '{')", false);
	assert_refused(RALLY_DIR "/missing.json", -ENOENT,
		       RALLY_DIR "/missing.json: No such file or directory",
		       false);
	assert_refused(RALLY_DIR, -EISDIR, RALLY_DIR ": ", true);

	ck_assert_ptr_nonnull(tu_tmpdir(dir, sizeof(dir), "wlimport"));
	assert_refused(tu_write(dir, "a.json", "{\"op\": \"put\"}\n", path,
				sizeof(path)), -EINVAL, path, true);
	ck_assert(tu_contains(path, "a.json"));
	{
		struct rec r = { 0 };
		char *err = NULL;

		ck_assert_int_eq(wl_rally_load(path, NULL, rec_emit, &r, NULL,
					       &err), -EINVAL);
		ck_assert(tu_contains(err, ": not a rally task report (a JSON "
				      "object with 'info' and 'tasks', as "
				      "`rally task report --json` writes)"));
		free(err);
	}
	assert_refused(tu_write(dir, "b.json", "[1, 2]", path, sizeof(path)),
		       -EINVAL, path, true);
	assert_refused(tu_write(dir, "c.json", "{\"info\": {\"format_version\":"
				" \"2.0\"}, \"tasks\": []}", path, sizeof(path)),
		       -EINVAL, path, true);
	assert_refused(tu_write(dir, "d.json", "{\"info\": {\"format_version\":"
				" \"1.2\"}, \"tasks\": []}", path, sizeof(path)),
		       -ENODATA, path, true);
	assert_refused(tu_write(dir, "e.json", "", path, sizeof(path)),
		       -EINVAL, path, true);
	tu_rmtree(dir);
}
END_TEST

/* Every prefix of a report (a copy cut short) is refused, names the line
 * and column where the text stops, and emits nothing. */
START_TEST(test_rally_truncated)
{
	size_t len, cut;
	char *text = read_fixture(RALLY_DIR "/dummy-failures.json", &len);

	for (cut = 0; cut < len; cut += cut < 64 ? 1 : 97) {
		struct wl_rally_result res;
		struct rec r = { 0 };
		char *err = NULL;
		int rc = wl_rally_parse("cut.json", text, cut, "w", rec_emit,
					&r, &res, &err);

		ck_assert_msg(rc == -EINVAL, "cut at %zu: %d", cut, rc);
		ck_assert_msg(err && !strncmp(err, "cut.json:", 9) &&
			      tu_contains(err, ": not JSON ("),
			      "cut at %zu: %s", cut, err ? err : "(null)");
		ck_assert_uint_eq(r.n, 0);
		free(err);
	}
	{
		struct rec r = { 0 };
		char *err = NULL;

		/* Without its last "}", alone on line 489 (wc -l: 488
		 * newlines, none after it): the text ends after a newline,
		 * and jansson counts the end of the file as one more line. */
		ck_assert_int_eq(wl_rally_parse("cut.json", text, len - 1, "w",
						rec_emit, &r, NULL, &err),
				 -EINVAL);
		ck_assert_str_eq(err, "cut.json:490:0: not JSON ('}' expected "
				 "near end of file)");
		free(err);
	}
	free(text);
}
END_TEST

/* dummy-ok.json edited through jansson: MUTATE breaks one thing, the
 * report is refused with MSG (after "mut.json: ") and nothing emitted. */
static void assert_mutation(void (*mutate)(json_t *root), const char *name,
			    int rc, const char *msg)
{
	json_error_t jerr;
	json_t *root = json_load_file(RALLY_DIR "/dummy-ok.json", 0, &jerr);
	struct rec r = { 0 };
	char *text, *err = NULL, want[512];

	ck_assert_ptr_nonnull(root);
	mutate(root);
	text = json_dumps(root, JSON_INDENT(1));
	ck_assert_ptr_nonnull(text);
	ck_assert_int_eq(wl_rally_parse("mut.json", text, strlen(text), name,
					rec_emit, &r, NULL, &err), rc);
	snprintf(want, sizeof(want), "mut.json: %s", msg);
	ck_assert_str_eq(err ? err : "(null)", want);
	ck_assert_uint_eq(r.n, 0);
	free(err);
	free(text);
	json_decref(root);
}

static json_t *workload0(json_t *root)
{
	return json_array_get(json_object_get(json_array_get(json_object_get(
		json_array_get(json_object_get(root, "tasks"), 0), "subtasks"),
		0), "workloads"), 0);
}

static json_t *iteration(json_t *root, size_t i)
{
	return json_array_get(json_object_get(workload0(root), "data"), i);
}

static json_t *atomic0(json_t *root, size_t i)
{
	return json_array_get(json_object_get(iteration(root, i),
					      "atomic_actions"), 0);
}

static void no_finished_at(json_t *root)
{
	json_object_del(json_array_get(json_object_get(atomic0(root, 1),
						       "children"), 0),
			"finished_at");
}

static void negative_duration(json_t *root)
{
	json_object_set_new(iteration(root, 2), "duration", json_real(-0.5));
}

static void error_not_strings(json_t *root)
{
	json_object_set_new(iteration(root, 0), "error",
			    json_pack("[i]", 1));
}

static void finished_before_started(json_t *root)
{
	json_t *a = atomic0(root, 0);

	json_object_set(a, "finished_at", json_object_get(a, "started_at"));
	json_object_set_new(a, "started_at", json_real(1796651960.0));
}

static void long_scenario(json_t *root)
{
	json_t *w = workload0(root);

	json_object_set_new(w, "scenario", json_pack("{s:{}}",
		"Dummy.a_scenario_name_of_sixty_four_bytes_which_no_rally_has_yet"));
}

static void control_in_name(json_t *root)
{
	json_object_set_new(atomic0(root, 2), "name",
			    json_string("nova.boot\x1b[2J"));
}

static void deep_nesting(json_t *root)
{
	json_t *a = atomic0(root, 0);
	int i;

	for (i = 0; i < WL_RALLY_DEPTH_MAX; i++) {
		json_t *c = json_deep_copy(a);

		json_array_clear(json_object_get(c, "children"));
		json_array_append_new(json_object_get(a, "children"), c);
		a = c;
	}
}

static void control_in_title(json_t *root)
{
	json_object_set_new(json_array_get(json_object_get(json_array_get(
		json_object_get(root, "tasks"), 0), "subtasks"), 0), "title",
		json_string("dummy\nforged line"));
}

static void future_format(json_t *root)
{
	json_object_set_new(json_object_get(root, "info"), "format_version",
			    json_string("2.0"));
}

static void no_data(json_t *root)
{
	json_object_del(workload0(root), "data");
}

static void sla_not_array(json_t *root)
{
	json_object_set_new(json_object_get(workload0(root), "sla_results"),
			    "sla", json_string("ok"));
}

START_TEST(test_rally_malformed)
{
#define W0 "tasks[0].subtasks[0].workloads[0]"
	assert_mutation(no_finished_at, "w", -EINVAL, W0 ".data[1]."
			"atomic_actions[0].children[0]: 'finished_at' is missing");
	assert_mutation(negative_duration, "w", -EINVAL, W0 ".data[2]: "
			"'duration' is negative (-0.5)");
	assert_mutation(error_not_strings, "w", -EINVAL, W0 ".data[0]: "
			"'error' holds something else than strings");
	assert_mutation(finished_before_started, "w", -EINVAL, W0 ".data[0]."
			"atomic_actions[0]: 'finished_at' is before "
			"'started_at' (by 0.151619 s)");
	assert_mutation(long_scenario, NULL, -EINVAL, W0 ".scenario: the "
			"scenario's name is 64 bytes, longer than 63");
	assert_mutation(control_in_name, "w", -EINVAL, W0 ".data[2]."
			"atomic_actions[0]: 'name' holds a control character");
	assert_mutation(deep_nesting, "w", -EINVAL, W0 ".data[0]."
			"atomic_actions[0].children[1].children[0].children[0]"
			".children[0].children[0].children[0].children[0]"
			".children[0].children[0].children[0].children[0]"
			".children[0].children[0].children[0].children[0]"
			".children[0]: atomic actions nested deeper than 16");
	assert_mutation(control_in_title, "w", -EINVAL, "tasks[0].subtasks[0]: "
			"'title' holds a control character");
	assert_mutation(future_format, "w", -EINVAL, "info: unsupported "
			"format_version '2.0' (this reads rally's 1.x)");
	assert_mutation(no_data, "w", -EINVAL, W0 ": 'data' is missing");
	assert_mutation(sla_not_array, "w", -EINVAL, W0 ".sla_results: "
			"'sla' is not an array");
#undef W0
}
END_TEST

/* A 64-byte scenario name is fine when the caller names the workload;
 * the caller's name itself must fit. */
START_TEST(test_rally_names)
{
	json_error_t jerr;
	json_t *root = json_load_file(RALLY_DIR "/dummy-ok.json", 0, &jerr);
	struct wl_rally_result res;
	struct rec r = { 0 };
	char *text, *err = NULL;

	ck_assert_ptr_nonnull(root);
	long_scenario(root);
	text = json_dumps(root, 0);
	ck_assert_int_eq(wl_rally_parse("n.json", text, strlen(text),
					"boot-delete", rec_emit, &r, &res,
					&err), 0);
	ck_assert_str_eq(r.ops[0].op, "boot-delete");
	ck_assert_uint_eq(strlen(res.workloads[0].scenario), 64);
	wl_rally_result_release(&res);
	rec_free(&r);
	ck_assert_int_eq(wl_rally_parse("n.json", text, strlen(text), "",
					rec_emit, &r, &res, &err), -EINVAL);
	ck_assert_str_eq(err, "n.json: the workload's name is 0 bytes, not 1 "
			 "to 63");
	free(err);
	free(text);
	json_decref(root);
}
END_TEST

Suite *make_wlimport_suite(void)
{
	Suite *s = suite_create("wlimport");
	TCase *tc = tcase_create("jsonl");

	tcase_add_test(tc, test_jsonl_mixed);
	tcase_add_test(tc, test_jsonl_split_everywhere);
	tcase_add_test(tc, test_jsonl_oversized);
	tcase_add_test(tc, test_jsonl_stop_and_finish);
	suite_add_tcase(s, tc);
	tc = tcase_create("rally");
	tcase_add_test(tc, test_rally_ok);
	tcase_add_test(tc, test_rally_failures);
	tcase_add_test(tc, test_rally_refused_files);
	tcase_add_test(tc, test_rally_truncated);
	tcase_add_test(tc, test_rally_malformed);
	tcase_add_test(tc, test_rally_names);
	suite_add_tcase(s, tc);
	return s;
}
