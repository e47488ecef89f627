/* fuzz_units — libFuzzer harness of unit parsing (util/units.c): every
 * function of util/units.h on the same text.
 *
 * Contract checked (units.h): 0 with a result in the function's range, or
 * -EINVAL with a reason and the result untouched; a time, rate or memory
 * size accepted with its unit spelled out reads back from the result
 * written in the smallest unit (so rounding never lands on another value
 * when printed and read again).
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>

#include "util/units.h"
#include "tests/fuzz/fuzz.h"

#define SENTINEL 0x5a5a5a5a5a5a5a5aull

static void check_rc(int rc, const char *why, bool untouched, const char *fn)
{
	if (rc != 0 && rc != -EINVAL)
		fuzz_fail("unexpected error code", fn);
	if (rc && why && !*why)
		fuzz_fail("refused with an empty reason", fn);
	if (rc && !untouched)
		fuzz_fail("result changed on error", fn);
}

/* TEXT as written in the smallest unit reads back to V. */
static void reads_back(int (*parse)(const char *, uint64_t *, const char **),
		       uint64_t v, const char *unit, const char *fn)
{
	char buf[64];
	uint64_t back = SENTINEL;
	const char *why = NULL;

	snprintf(buf, sizeof(buf), "%" PRIu64 "%s", v, unit);
	if (parse(buf, &back, &why) || back != v)
		fuzz_fail("smallest unit does not read back", fn);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_cstr(data, size);
	const char *why;
	uint64_t u;
	double d;
	bool neg;
	int rc;

	if (!text)
		return 0;
	why = NULL;
	u = SENTINEL;
	rc = units_parse_time(text, &u, &why);
	check_rc(rc, why, u == SENTINEL, "units_parse_time");
	if (!rc)
		reads_back(units_parse_time, u, "us", "units_parse_time");

	why = NULL;
	u = SENTINEL;
	rc = units_parse_rate(text, &u, &why);
	check_rc(rc, why, u == SENTINEL, "units_parse_rate");
	if (!rc)
		reads_back(units_parse_rate, u, "bit", "units_parse_rate");

	why = NULL;
	d = -1;
	rc = units_parse_loss(text, &d, &why);
	check_rc(rc, why, d == -1, "units_parse_loss");
	if (!rc && !(d >= 0 && d <= 100))
		fuzz_fail("loss out of 0..100", text);

	why = NULL;
	u = SENTINEL;
	rc = units_parse_memory(text, &u, &why);
	check_rc(rc, why, u == SENTINEL, "units_parse_memory");

	u = SENTINEL;
	neg = false;
	rc = units_parse_integer(text, &u, &neg);
	check_rc(rc, NULL, u == SENTINEL, "units_parse_integer");

	d = -7.25;
	rc = units_parse_number(text, &d);
	check_rc(rc, NULL, d == -7.25, "units_parse_number");
	if (!rc && !isfinite(d))
		fuzz_fail("number not finite", text);
	free(text);
	return 0;
}
