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

Suite *make_wlimport_suite(void)
{
	Suite *s = suite_create("wlimport");
	TCase *tc = tcase_create("jsonl");

	tcase_add_test(tc, test_jsonl_mixed);
	tcase_add_test(tc, test_jsonl_split_everywhere);
	tcase_add_test(tc, test_jsonl_oversized);
	tcase_add_test(tc, test_jsonl_stop_and_finish);
	suite_add_tcase(s, tc);
	return s;
}
