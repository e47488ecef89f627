/* test_units — enos/units.c: times, rates, loss and memory sizes, their
 * edge cases and their error phrases, as tables. */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "util/units.h"
#include "tests/suites.h"

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

struct ok_case {
	const char *text;
	uint64_t value;
};

struct bad_case {
	const char *text;
	const char *why;
};

static const struct ok_case time_ok[] = {
	{ "0ms", 0 }, { "0us", 0 }, { "1us", 1 }, { "1ms", 1000 },
	{ "0.1ms", 100 }, { "1.5s", 1500000 }, { "20s", 20000000 },
	{ "3600s", 3600000000ull }, { "2.5us", 3 }, { "0.0004ms", 0 },
	{ "10 ms", 10000 }, { ".5ms", 500 }, { "5.ms", 5000 }, { "-0ms", 0 },
	{ "0.123456789012345678901s", 123457 },
	{ "18446744073709us", 18446744073709ull },
};

static const struct bad_case time_bad[] = {
	{ "-3ms", "is negative" },
	{ "5", "has no unit (use us, ms or s)" },
	{ "5min", "has an unknown unit (use us, ms or s)" },
	{ "5MS", "has an unknown unit (use us, ms or s)" },
	{ "1e3ms", "has an unknown unit (use us, ms or s)" },
	{ "ms", "is not a time (a number and us, ms or s)" },
	{ "", "is not a time (a number and us, ms or s)" },
	{ ".ms", "is not a time (a number and us, ms or s)" },
	{ "inf", "is not a time (a number and us, ms or s)" },
	{ "0x10ms", "has an unknown unit (use us, ms or s)" },
	{ "1.2.3ms", "has an unknown unit (use us, ms or s)" },
	{ "99999999999999999999999s", "is too large" },
	{ "18446744073709551616us", "is too large" },
	{ "18446744073709552s", "is too large" },
};

static const struct ok_case rate_ok[] = {
	{ "1bit", 1 }, { "1000000bit", 1000000 }, { "500kbit", 500000 },
	{ "100mbit", 100000000 }, { "1gbit", 1000000000 },
	{ "10gbit", 10000000000ull }, { "1tbit", 1000000000000ull },
	{ "1.5mbit", 1500000 }, { "100Mbit", 100000000 },
	{ "1kibit", 1024 }, { "1Kibit", 1024 }, { "1mibit", 1048576 },
	{ "1gibit", 1073741824ull }, { "1tibit", 1099511627776ull },
	/* tc: bps and its prefixes are BYTES per second */
	{ "1bps", 8 }, { "1Bps", 8 }, { "1kbps", 8000 }, { "1KBps", 8000 },
	{ "1mbps", 8000000 }, { "12.5mbps", 100000000 },
	{ "1gbps", 8000000000ull }, { "1tbps", 8000000000000ull },
	{ "1kibps", 8192 }, { "1mibps", 8388608 },
	{ "0mbit", 0 },
};

static const struct bad_case rate_bad[] = {
	{ "1xbit", "has an unknown unit (use bit, kbit, mbit, gbit or tbit)" },
	{ "100", "has no unit (use bit, kbit, mbit, gbit or tbit)" },
	{ "100mb", "has an unknown unit (use bit, kbit, mbit, gbit or tbit)" },
	{ "-1mbit", "is negative" },
	{ "fast", "is not a rate (a number and bit, kbit, mbit, gbit, ...)" },
	{ "99999999999tbit", "is too large" },
};

static const struct ok_case memory_ok[] = {
	{ "1KiB", 1024 }, { "512MiB", 512ull << 20 }, { "2GiB", 2ull << 30 },
	{ "1.5GiB", 3ull << 29 }, { "0.5KiB", 512 }, { "0KiB", 0 },
	{ "1024GiB", 1024ull << 30 },
};

static const struct bad_case memory_bad[] = {
	{ "512MB", "has an unknown unit (use KiB, MiB or GiB)" },
	{ "512mib", "has an unknown unit (use KiB, MiB or GiB)" },
	{ "512", "has no unit (use KiB, MiB or GiB)" },
	{ "-1GiB", "is negative" },
	{ "lots", "is not a size (a number and KiB, MiB or GiB)" },
	{ "99999999999999GiB", "is too large" },
};

struct loss_case {
	const char *text;
	double pct;
};

static const struct loss_case loss_ok[] = {
	{ "0%", 0.0 }, { "0.1%", 0.1 }, { "5%", 5.0 }, { "100%", 100.0 },
	{ "100.0%", 100.0 }, { "12.5 %", 12.5 }, { "-0%", 0.0 },
	{ "0.0001%", 0.0001 },
};

static const struct bad_case loss_bad[] = {
	{ "150%", "is out of range (0% to 100%)" },
	{ "100.01%", "is out of range (0% to 100%)" },
	{ "-1%", "is out of range (0% to 100%)" },
	{ "5", "has no unit (use %)" },
	{ "5pc", "has an unknown unit (use %)" },
	{ "%", "is not a percentage (a number and %)" },
	{ "0.5", "has no unit (use %)" },
};

START_TEST(test_time_ok)
{
	const struct ok_case *c = &time_ok[_i];
	const char *why = NULL;
	uint64_t v = 12345;

	ck_assert_msg(units_parse_time(c->text, &v, &why) == 0,
		      "'%s': %s", c->text, why);
	ck_assert_msg(v == c->value, "'%s': %llu, expected %llu", c->text,
		      (unsigned long long)v, (unsigned long long)c->value);
}
END_TEST

START_TEST(test_time_bad)
{
	const struct bad_case *c = &time_bad[_i];
	const char *why = NULL;
	uint64_t v = 12345;

	ck_assert_msg(units_parse_time(c->text, &v, &why) < 0, "'%s' passed",
		      c->text);
	ck_assert_str_eq(why, c->why);
	ck_assert_msg(v == 12345, "'%s': output touched on error", c->text);
}
END_TEST

START_TEST(test_rate_ok)
{
	const struct ok_case *c = &rate_ok[_i];
	const char *why = NULL;
	uint64_t v = 0;

	ck_assert_msg(units_parse_rate(c->text, &v, &why) == 0,
		      "'%s': %s", c->text, why);
	ck_assert_msg(v == c->value, "'%s': %llu, expected %llu", c->text,
		      (unsigned long long)v, (unsigned long long)c->value);
}
END_TEST

START_TEST(test_rate_bad)
{
	const struct bad_case *c = &rate_bad[_i];
	const char *why = NULL;
	uint64_t v = 0;

	ck_assert_msg(units_parse_rate(c->text, &v, &why) < 0, "'%s' passed",
		      c->text);
	ck_assert_str_eq(why, c->why);
}
END_TEST

START_TEST(test_memory_ok)
{
	const struct ok_case *c = &memory_ok[_i];
	const char *why = NULL;
	uint64_t v = 0;

	ck_assert_msg(units_parse_memory(c->text, &v, &why) == 0,
		      "'%s': %s", c->text, why);
	ck_assert_msg(v == c->value, "'%s': %llu, expected %llu", c->text,
		      (unsigned long long)v, (unsigned long long)c->value);
}
END_TEST

START_TEST(test_memory_bad)
{
	const struct bad_case *c = &memory_bad[_i];
	const char *why = NULL;
	uint64_t v = 0;

	ck_assert_msg(units_parse_memory(c->text, &v, &why) < 0,
		      "'%s' passed", c->text);
	ck_assert_str_eq(why, c->why);
}
END_TEST

START_TEST(test_loss_ok)
{
	const struct loss_case *c = &loss_ok[_i];
	const char *why = NULL;
	double v = -1;

	ck_assert_msg(units_parse_loss(c->text, &v, &why) == 0, "'%s': %s",
		      c->text, why);
	ck_assert_msg(fabs(v - c->pct) < 1e-12, "'%s': %g, expected %g",
		      c->text, v, c->pct);
}
END_TEST

START_TEST(test_loss_bad)
{
	const struct bad_case *c = &loss_bad[_i];
	const char *why = NULL;
	double v = -1;

	ck_assert_msg(units_parse_loss(c->text, &v, &why) < 0, "'%s' passed",
		      c->text);
	ck_assert_str_eq(why, c->why);
	ck_assert(v == -1);
}
END_TEST

Suite *make_units_suite(void)
{
	Suite *s = suite_create("units");
	TCase *tc = tcase_create("units");

	tcase_add_loop_test(tc, test_time_ok, 0, (int)N_OF(time_ok));
	tcase_add_loop_test(tc, test_time_bad, 0, (int)N_OF(time_bad));
	tcase_add_loop_test(tc, test_rate_ok, 0, (int)N_OF(rate_ok));
	tcase_add_loop_test(tc, test_rate_bad, 0, (int)N_OF(rate_bad));
	tcase_add_loop_test(tc, test_memory_ok, 0, (int)N_OF(memory_ok));
	tcase_add_loop_test(tc, test_memory_bad, 0, (int)N_OF(memory_bad));
	tcase_add_loop_test(tc, test_loss_ok, 0, (int)N_OF(loss_ok));
	tcase_add_loop_test(tc, test_loss_bad, 0, (int)N_OF(loss_bad));
	suite_add_tcase(s, tc);
	return s;
}
