/* units — times, rates, loss and memory sizes written with units; see
 * units.h. Numbers are parsed digit by digit into an integer mantissa and a
 * count of fraction digits, so "0.1ms" is exactly 100us, never 99.999us;
 * percentages, which are doubles, are read by strtod once the text is
 * known to be a plain decimal. */
#include "util/units.h"

#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* A mantissa is any 64-bit value: times the largest scale (tibps, 2^43)
 * it still fits in 128 bits. At most 18 fraction digits: 10^18 fits in
 * 64 bits. */
#define FRAC_MAX   18

struct decimal {
	bool negative;
	uint64_t mant;          /* digits without the point */
	unsigned frac;          /* how many of them follow the point */
	const char *unit;       /* rest of the text, blanks skipped */
};

struct unit {
	const char *name;
	uint64_t scale;         /* result units per unit */
};

/* Split TEXT into a number and a unit. Returns 0, or -EINVAL with *WHY. */
static int parse_decimal(const char *text, struct decimal *d,
			 const char *not_number, const char **why)
{
	const char *p = text;
	bool digits = false;
	bool point = false;
	int rc = -EINVAL;

	memset(d, 0, sizeof(*d));
	if (*p == '-') {
		d->negative = true;
		p++;
	}
	for (; (*p >= '0' && *p <= '9') || (*p == '.' && !point); p++) {
		if (*p == '.') {
			point = true;
			continue;
		}
		digits = true;
		if (point && d->frac >= FRAC_MAX)
			continue;
		/* Every value of 64 bits, so that a value accepted in a large
		 * unit can also be written in the smallest one. */
		if (d->mant > (UINT64_MAX - (uint64_t)(*p - '0')) / 10) {
			if (!point) {
				*why = "is too large";
				goto out;
			}
			continue;       /* fraction digits past precision */
		}
		d->mant = d->mant * 10 + (uint64_t)(*p - '0');
		if (point)
			d->frac++;
	}
	if (!digits) {
		*why = not_number;
		goto out;
	}
	while (*p == ' ')
		p++;
	d->unit = p;
	rc = 0;
out:
	return rc;
}

static uint64_t pow10u(unsigned n)
{
	uint64_t v = 1;

	while (n--)
		v *= 10;
	return v;
}

/* Scale D by SCALE and round to an integer. Returns 0, or -ERANGE. */
static int scale_decimal(const struct decimal *d, uint64_t scale,
			 uint64_t *out)
{
	unsigned __int128 num = (unsigned __int128)d->mant * scale;
	unsigned __int128 den = pow10u(d->frac);
	unsigned __int128 v = (num + den / 2) / den;

	if (v > UINT64_MAX)
		return -ERANGE;
	*out = (uint64_t)v;
	return 0;
}

/* Parse TEXT with one of UNITS (NAMES for the messages). */
static int parse_with_units(const char *text, const struct unit *units,
			    bool nocase, const char *not_number,
			    const char *no_unit, const char *bad_unit,
			    uint64_t *out, const char **why)
{
	struct decimal d;
	const struct unit *u;
	uint64_t v;
	int rc;

	rc = parse_decimal(text, &d, not_number, why);
	if (rc)
		goto out;
	rc = -EINVAL;
	if (!*d.unit) {
		*why = no_unit;
		goto out;
	}
	for (u = units; u->name; u++)
		if (nocase ? !strcasecmp(u->name, d.unit)
			   : !strcmp(u->name, d.unit))
			break;
	if (!u->name) {
		*why = bad_unit;
		goto out;
	}
	if (scale_decimal(&d, u->scale, &v)) {
		*why = "is too large";
		goto out;
	}
	if (d.negative && v > 0) {
		*why = "is negative";
		goto out;
	}
	*out = v;
	rc = 0;
out:
	return rc;
}

int units_parse_time(const char *text, uint64_t *us, const char **why)
{
	static const struct unit units[] = {
		{ "us", 1 }, { "ms", 1000 }, { "s", 1000000 }, { NULL, 0 },
	};

	return parse_with_units(text, units, false,
				"is not a time (a number and us, ms or s)",
				"has no unit (use us, ms or s)",
				"has an unknown unit (use us, ms or s)", us, why);
}

int units_parse_rate(const char *text, uint64_t *bps, const char **why)
{
	static const struct unit units[] = {
		{ "bit", 1 },
		{ "kbit", 1000ull },
		{ "mbit", 1000000ull },
		{ "gbit", 1000000000ull },
		{ "tbit", 1000000000000ull },
		{ "kibit", 1024ull },
		{ "mibit", 1024ull * 1024 },
		{ "gibit", 1024ull * 1024 * 1024 },
		{ "tibit", 1024ull * 1024 * 1024 * 1024 },
		{ "bps", 8 },
		{ "kbps", 8000ull },
		{ "mbps", 8000000ull },
		{ "gbps", 8000000000ull },
		{ "tbps", 8000000000000ull },
		{ "kibps", 8ull * 1024 },
		{ "mibps", 8ull * 1024 * 1024 },
		{ "gibps", 8ull * 1024 * 1024 * 1024 },
		{ "tibps", 8ull * 1024 * 1024 * 1024 * 1024 },
		{ NULL, 0 },
	};

	return parse_with_units(text, units, true,
				"is not a rate (a number and bit, kbit, mbit, gbit, ...)",
				"has no unit (use bit, kbit, mbit, gbit or tbit)",
				"has an unknown unit (use bit, kbit, mbit, gbit or tbit)",
				bps, why);
}

int units_parse_loss(const char *text, double *pct, const char **why)
{
	struct decimal d;
	double v;
	int rc;

	rc = parse_decimal(text, &d, "is not a percentage (a number and %)",
			   why);
	if (rc)
		goto out;
	rc = -EINVAL;
	if (strcmp(d.unit, "%") != 0) {
		*why = *d.unit ? "has an unknown unit (use %)"
			       : "has no unit (use %)";
		goto out;
	}
	/* The text holds only a sign, digits and a point before the unit:
	 * strtod reads them and rounds correctly, so a percentage printed
	 * with enough digits reads back the same double. */
	v = strtod(text, NULL);
	if (d.negative && d.mant == 0)
		v = 0;          /* "-0%", not -0 */
	if ((d.negative && d.mant > 0) || v > 100.0) {
		*why = "is out of range (0% to 100%)";
		goto out;
	}
	*pct = v;
	rc = 0;
out:
	return rc;
}

int units_parse_memory(const char *text, uint64_t *bytes, const char **why)
{
	static const struct unit units[] = {
		{ "KiB", 1024ull },
		{ "MiB", 1024ull * 1024 },
		{ "GiB", 1024ull * 1024 * 1024 },
		{ NULL, 0 },
	};

	return parse_with_units(text, units, false,
				"is not a size (a number and KiB, MiB or GiB)",
				"has no unit (use KiB, MiB or GiB)",
				"has an unknown unit (use KiB, MiB or GiB)",
				bytes, why);
}

int units_parse_integer(const char *text, uint64_t *out, bool *neg)
{
	const char *d = text + (text[0] == '-');
	unsigned long long x;
	size_t i;

	if (!d[0])
		return -EINVAL;
	for (i = 0; d[i]; i++)
		if (d[i] < '0' || d[i] > '9')
			return -EINVAL;
	*neg = text[0] == '-';
	errno = 0;
	x = strtoull(d, NULL, 10);
	*out = (uint64_t)x;
	if (errno == ERANGE) {
		*out = UINT64_MAX;
		*neg = true;
	}
	return 0;
}

int units_parse_number(const char *text, double *out)
{
	const char *d = text + (text[0] == '-');
	size_t digits = 0;
	double v;

	for (; *d >= '0' && *d <= '9'; d++)
		digits++;
	if (*d == '.')
		for (d++; *d >= '0' && *d <= '9'; d++)
			digits++;
	if (!digits || *d)
		return -EINVAL;
	/* Only digits and a point were seen: strtod reads exactly them, and
	 * rounds correctly (so a number printed with "%.17g" reads back the
	 * same). Past the largest double it gives infinity: not a number. */
	v = strtod(text, NULL);
	if (!isfinite(v))
		return -EINVAL;
	*out = v;
	return 0;
}
