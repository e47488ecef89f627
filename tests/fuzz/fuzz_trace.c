/* fuzz_trace — libFuzzer harness of the trace file reader
 * (emulator/trace.c): `time_s rtt_ms [loss_pct]` steps of a link that
 * varies over time.
 *
 * The input is the file's bytes (NUL bytes included: the reader takes a
 * length). Contract checked (trace.h): a trace, or a LABEL:LINE:COL
 * message with no control byte, or -ENODATA without one (no row); a trace
 * has 1 to TRACE_STEPS_MAX steps, the first at 0 and each later one after
 * the one before, one-way delays at most half of 3600000 ms, losses in
 * 0..100 (0 without a loss column); the step lookup agrees with the steps
 * it returns, with and without loop.
 */
#include <errno.h>

#include "emulator/trace.h"
#include "tests/fuzz/fuzz.h"

#define LABEL "fuzz.tsv"

static void check_lookup(const struct trace *t, uint64_t off)
{
	uint64_t next;
	size_t i = trace_index_at(t, off, &next);

	if (i >= t->n)
		fuzz_fail("step index out of range", NULL);
	if (next != UINT64_MAX && next <= off)
		fuzz_fail("next step not after the offset", NULL);
	if (!t->loop && off < trace_period_us(t) && t->steps[i].at_us > off)
		fuzz_fail("step begins after the offset", NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct trace *t = NULL;
	char *err = NULL;
	size_t i;
	int rc = trace_parse((const char *)data, size, LABEL, &t, &err);

	if (rc == -ENODATA) {
		if (t || err)
			fuzz_fail("no rows but a trace or a message", err);
		return 0;
	}
	if (rc) {
		if (t)
			fuzz_fail("refused but a trace", err);
		fuzz_check_err(err, LABEL);
		fuzz_check_printable(err);
		free(err);
		return 0;
	}
	if (err || !t)
		fuzz_fail("a trace and a message", err);
	if (t->n == 0 || t->n > TRACE_STEPS_MAX || t->steps[0].at_us != 0)
		fuzz_fail("bad step count or first time", NULL);
	for (i = 0; i < t->n; i++) {
		if (i && t->steps[i].at_us <= t->steps[i - 1].at_us)
			fuzz_fail("times not increasing", NULL);
		if (t->steps[i].delay_us > 1800000000ull)
			fuzz_fail("delay out of range", NULL);
		if (!(t->steps[i].loss_pct >= 0 && t->steps[i].loss_pct <= 100) ||
		    (!t->has_loss && t->steps[i].loss_pct != 0))
			fuzz_fail("loss out of range", NULL);
	}
	for (i = 0; i < 2; i++) {
		t->loop = i;
		check_lookup(t, 0);
		check_lookup(t, t->steps[t->n - 1].at_us);
		check_lookup(t, trace_period_us(t));
		check_lookup(t, 3 * trace_period_us(t) + 1);
	}
	trace_free(t);
	return 0;
}
