/* units — the quantities a topology file writes with units: times, rates,
 * loss percentages and memory sizes; and the plain counts and numbers
 * written without one.
 *
 * Pure string parsing for topo.c (and anything else reading user-written
 * quantities, such as `enos fault`). A value is a decimal number (digits,
 * an optional fraction, no exponent) followed by a unit; an optional blank
 * may separate them. Results are exact integers, rounded to the nearest
 * unit of the result (microsecond, bit/s, byte). Range limits that depend on
 * what the value is for (delay at most 3600s, rate positive) are the
 * caller's; these functions only reject what is never meaningful.
 *
 * Errors come back as a static reason phrase meant to follow the value in a
 * message: "delay " + "-3ms" + " " + "is negative".
 */
#ifndef UTIL_UNITS_H
#define UTIL_UNITS_H

#include <stdbool.h>
#include <stdint.h>

/* Parse a time "us", "ms" or "s" ("0.1ms", "20s") into microseconds.
 * Returns 0 and sets *US, or -EINVAL with *WHY set to a static phrase
 * ("is negative", "has no unit (use us, ms or s)", ...). *US is untouched on
 * error. */
int units_parse_time(const char *text, uint64_t *us, const char **why);

/* Parse a rate into bits per second with tc's units (tc(8), case-insensitive):
 * bit, kbit, mbit, gbit, tbit (SI), kibit, mibit, gibit, tibit (IEC), and
 * the byte-per-second forms bps, kbps, mbps, gbps, tbps (SI, so "mbps" is
 * 8,000,000 bit/s as in tc) and kibps, mibps, gibps, tibps. A bare number is
 * rejected: tc versions disagree on whether it means bits or bytes.
 * Returns 0 and sets *BPS, or -EINVAL with *WHY. Zero is accepted here. */
int units_parse_rate(const char *text, uint64_t *bps, const char **why);

/* Parse a loss "N%" (0% to 100%, decimals allowed) into a percentage.
 * Returns 0 and sets *PCT, or -EINVAL with *WHY. */
int units_parse_loss(const char *text, double *pct, const char **why);

/* Parse a memory size "KiB", "MiB" or "GiB" into bytes.
 * Returns 0 and sets *BYTES, or -EINVAL with *WHY. Zero is accepted here. */
int units_parse_memory(const char *text, uint64_t *bytes, const char **why);

/* Parse an integer: digits, or '-' and digits ("4", "-1"; no blank, sign
 * '+' or exponent). Returns 0 with *OUT the magnitude and *NEG set for a
 * leading '-' (so "-0" is 0 and negative), or -EINVAL. A magnitude too large
 * for 64 bits gives *OUT UINT64_MAX with *NEG set: out of any range. */
int units_parse_integer(const char *text, uint64_t *out, bool *neg);

/* Parse a plain decimal ("4", "1.5", ".5", "-2": no exponent, no unit)
 * into the nearest double. Returns 0, or -EINVAL (also past the largest
 * double). */
int units_parse_number(const char *text, double *out);

#endif
