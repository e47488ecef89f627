/* test_cells — util/cells.c, the one tokenizer of the text tables (matrix
 * files at a separator, trace files at runs of blanks): lines passed over,
 * the cells and their columns both ways, counting past the room given,
 * and plain decimals. */
#include <errno.h>
#include <stdio.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "util/cells.h"
#include "tests/suites.h"

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

/* The cells of LINE split at SEP, joined with '|' into BUF, their
 * columns into COLS; returns the count. */
static size_t joined(const char *line, char sep, char *buf, size_t len,
		     int *cols)
{
	struct cell c[8];
	size_t n = cells_split(line, strlen(line), sep, c, N_OF(c)), i, used = 0;

	buf[0] = '\0';
	for (i = 0; i < n && i < N_OF(c); i++) {
		used += (size_t)snprintf(buf + used, len - used, "%s%.*s",
					 i ? "|" : "", (int)c[i].len, c[i].start);
		cols[i] = c[i].col;
	}
	return n;
}

/* Cells and columns at a comma (empty cells kept) and at runs of blanks
 * (SEP 0: none empty). */
START_TEST(test_split)
{
	static const struct {
		char sep;
		const char *line;
		const char *cells;
		size_t n;
		int cols[4];
	} cases[] = {
		{ ',', "a,b,c", "a|b|c", 3, { 1, 3, 5 } },
		{ ',', " a , b ", "a|b", 2, { 2, 6 } },
		{ ',', "a,,b", "a||b", 3, { 1, 3, 4 } },
		{ ',', "a,", "a|", 2, { 1, 3 } },
		{ ',', ",a", "|a", 2, { 1, 2 } },
		{ ',', "one", "one", 1, { 1 } },
		{ ',', "x y,z", "x y|z", 2, { 1, 5 } },
		/* A tab keeps blanks inside a cell and trims around it. */
		{ '\t', "\ta b\t c \t", "|a b|c|", 4, { 1, 2, 7, 10 } },
		{ 0, "0 10 5", "0|10|5", 3, { 1, 3, 6 } },
		{ 0, "  0\t\t10  ", "0|10", 2, { 3, 6 } },
		{ 0, "1.5 20\r", "1.5|20", 2, { 1, 5 } },
		{ 0, "a,b c", "a,b|c", 2, { 1, 5 } },
	};
	char buf[64];
	int cols[8];
	size_t i, k, n;

	for (i = 0; i < N_OF(cases); i++) {
		n = joined(cases[i].line, cases[i].sep, buf, sizeof(buf), cols);
		ck_assert_msg(n == cases[i].n, "'%s': %zu cells", cases[i].line, n);
		ck_assert_msg(!strcmp(buf, cases[i].cells), "'%s': '%s'",
			      cases[i].line, buf);
		for (k = 0; k < n; k++)
			ck_assert_msg(cols[k] == cases[i].cols[k], "'%s' cell %zu at %d",
				      cases[i].line, k, cols[k]);
	}
}
END_TEST

/* The count goes on past the room given; only MAX cells are written. */
START_TEST(test_split_past_max)
{
	struct cell c[3];
	const char *line = "1 2 3 4 5";

	memset(c, 0, sizeof(c));
	ck_assert_uint_eq(cells_split(line, strlen(line), 0, c, 2), 5);
	ck_assert_int_eq(c[1].col, 3);
	ck_assert_ptr_null(c[2].start);
	ck_assert_uint_eq(cells_split("a,b,c", 5, ',', NULL, 0), 3);
}
END_TEST

START_TEST(test_next_line)
{
	static const char text[] = "\xef\xbb\xbf# comment\n\n  \t\n a b\n  # x\nc\r\nlast";
	static const char nul[] = "a\nb\0c\n";
	const char *l;
	size_t pos = 0, ll;
	int line = 0;

	ck_assert_int_eq(cells_next_line(text, sizeof(text) - 1, &pos, &line, &l, &ll), 1);
	ck_assert_int_eq(line, 4);
	ck_assert_uint_eq(ll, 4);
	ck_assert(!memcmp(l, " a b", 4));
	ck_assert_int_eq(cells_next_line(text, sizeof(text) - 1, &pos, &line, &l, &ll), 1);
	ck_assert_int_eq(line, 6);
	ck_assert_uint_eq(ll, 2);       /* "c\r": the CR is a blank of the cells */
	ck_assert_int_eq(cells_next_line(text, sizeof(text) - 1, &pos, &line, &l, &ll), 1);
	ck_assert_int_eq(line, 7);
	ck_assert(ll == 4 && !memcmp(l, "last", 4));
	ck_assert_int_eq(cells_next_line(text, sizeof(text) - 1, &pos, &line, &l, &ll), 0);
	ck_assert_int_eq(cells_next_line(text, sizeof(text) - 1, &pos, &line, &l, &ll), 0);
	/* A NUL byte: refused, at its line. */
	pos = 0;
	line = 0;
	ck_assert_int_eq(cells_next_line(nul, sizeof(nul) - 1, &pos, &line, &l, &ll), 1);
	ck_assert_int_eq(cells_next_line(nul, sizeof(nul) - 1, &pos, &line, &l, &ll), -EINVAL);
	ck_assert_int_eq(line, 2);
}
END_TEST

START_TEST(test_decimal)
{
	static const struct {
		const char *text;
		int rc;
		double v;
	} cases[] = {
		{ "0", 0, 0 }, { "10", 0, 10 }, { "2.5", 0, 2.5 }, { ".5", 0, 0.5 },
		{ "-3", 0, -3 }, { "+4", 0, 4 }, { "", -EINVAL, 0 },
		{ "inf", -EINVAL, 0 }, { "nan", -EINVAL, 0 }, { "0x10", -EINVAL, 0 },
		{ "1e3", -EINVAL, 0 }, { "1.2.3", -EINVAL, 0 }, { "-", -EINVAL, 0 },
		{ "5ms", -EINVAL, 0 },
		{ "1234567890123456789012345678901234567890123456789012345678901234",
		  -EINVAL, 0 },
	};
	struct cell c;
	double v;
	size_t i;

	for (i = 0; i < N_OF(cases); i++) {
		c.start = cases[i].text;
		c.len = strlen(cases[i].text);
		c.col = 1;
		v = -1;
		ck_assert_msg(cells_decimal(&c, &v) == cases[i].rc, "'%s'",
			      cases[i].text);
		if (cases[i].rc == 0)
			ck_assert_double_eq(v, cases[i].v);
	}
	/* Only the cell: what follows it on the line is not read. */
	c.start = "12,34";
	c.len = 2;
	ck_assert_int_eq(cells_decimal(&c, &v), 0);
	ck_assert_double_eq(v, 12);
	/* A NUL inside the cell is not a digit. */
	c.start = "1\0002";
	c.len = 3;
	ck_assert_int_eq(cells_decimal(&c, &v), -EINVAL);
}
END_TEST

/* The first failure is the one said, at LABEL:LINE:COL, with the value
 * quoted whole and its control bytes escaped. */
START_TEST(test_messages)
{
	struct cells_msg m = { .label = "t.tsv" };
	const char cell[] = "1\x1b[2J0";

	ck_assert_int_eq(cells_fail(&m, 3, 7, "cell '%s' is not a number",
				    cells_show(&m, cell, sizeof(cell) - 1)), -EINVAL);
	ck_assert_int_eq(cells_fail(&m, 9, 1, "a later one"), -EINVAL);
	ck_assert_str_eq(m.err, "t.tsv:3:7: cell '1\\x1b[2J0' is not a number");
	ck_assert_str_eq(cells_show(&m, "a\tb", 3), "a\\tb");
	cells_msg_release(&m);
	cells_msg_release(&m);
	free(m.err);
}
END_TEST

Suite *make_cells_suite(void)
{
	Suite *s = suite_create("cells");
	TCase *tc = tcase_create("cells");

	tcase_add_test(tc, test_split);
	tcase_add_test(tc, test_split_past_max);
	tcase_add_test(tc, test_next_line);
	tcase_add_test(tc, test_decimal);
	tcase_add_test(tc, test_messages);
	suite_add_tcase(s, tc);
	return s;
}
