/* trace — links that vary over time: a pair's delay (and loss) following
 * a recorded trace, step by step (topologies/README.md, "Traces").
 *
 * A trace file is text, one step per line: `time_s  rtt_ms  [loss_pct]`,
 * the cells separated by tabs or blanks; '#' lines and blank lines are
 * ignored, and a first row whose first cell is `time_s` is a header.
 * Times are seconds from the trace's start (the first row's time), strictly
 * increasing; the RTT is milliseconds (each direction of a pair gets half,
 * as the `rtt` key does); the loss a percentage. Every row has as many
 * cells as the first (2 or 3). Mahimahi and Fogify replay traces the same
 * way: a step function, no interpolation.
 *
 * Step I holds from steps[I].at_us until steps[I + 1].at_us. The last
 * step holds for the interval before it (the trace's sampling period),
 * then either the trace starts again (loop; its period is the last time
 * plus that interval) or the last step holds for good. A trace of one
 * row is a constant.
 *
 * One parser (trace_parse: the topology loader hands it a file's text) and
 * one step lookup (trace_index_at: the wand engine replays with it, and
 * the measurement computes its targets with it), so what is replayed and
 * what is measured against are the same steps. Pure: no I/O, never prints.
 */
#ifndef EMULATOR_TRACE_H
#define EMULATOR_TRACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TRACE_STEPS_MAX 1000000         /* 11 days at one step a second */
#define TRACE_FILE_MAX  (64u << 20)
#define TRACE_RTT_MAX_MS 3600000.0      /* the constraint language's bound */
#define TRACE_TIME_MAX_S 2592000.0      /* 30 days, as fault times */

struct trace_step {
	uint64_t at_us;         /* from the trace's start; steps[0].at_us == 0 */
	uint64_t delay_us;      /* one way: half the row's RTT */
	double loss_pct;        /* 0 .. 100; 0 without a loss column */
};

struct trace {
	struct trace_step *steps;
	size_t n;               /* >= 1 */
	bool has_loss;          /* the file has a loss column */
	bool loop;              /* start again after the last step */
};

/* Parse trace TEXT (LEN bytes) into *OUT (loop false; free with
 * trace_free). LABEL names the file in messages. Returns 0; -EINVAL with
 * *ERR an allocated "LABEL:LINE:COL: message" (a cell that is not a
 * number, a negative value, a time not after the previous row's, a row
 * with a different number of cells, too many rows); -ENODATA when TEXT
 * holds no row at all (*ERR NULL: the caller says where the file was
 * named); or -ENOMEM (*ERR NULL). */
int trace_parse(const char *text, size_t len, const char *label,
		struct trace **out, char **err);

/* An empty trace of N steps (zeroed), for a trace built step by step (the
 * engine's `trace` request). NULL when out of memory or N is 0 or above
 * TRACE_STEPS_MAX. */
struct trace *trace_new(size_t n);

void trace_free(struct trace *t);

/* How long one pass of T lasts, in us: the last step's time plus the
 * interval before it; 0 for a trace of one step. */
uint64_t trace_period_us(const struct trace *t);

/* The step of T in force at OFFSET_US from its start, and in *NEXT_US
 * (may be NULL) the offset at which the next step begins (UINT64_MAX:
 * never, the last step of a trace that does not loop, or a constant).
 * With loop, OFFSET_US wraps around the period. */
size_t trace_index_at(const struct trace *t, uint64_t offset_us,
		      uint64_t *next_us);

/* The engine's clock (emulator/wand_engine.c). START_NS is when offset 0
 * is on a clock of the caller's (the engine's CLOCK_MONOTONIC); NOW_NS a
 * time on it. Returns the step in force at NOW_NS (step 0 before the
 * start) and in *NEXT_NS when the next begins on that clock (UINT64_MAX:
 * never). */
size_t trace_step_at_ns(const struct trace *t, uint64_t start_ns,
			uint64_t now_ns, uint64_t *next_ns);

/* START_US on CLOCK_REALTIME (us) as a time on another clock, given one
 * instant read on both: REAL_NS (CLOCK_REALTIME) and MONO_NS (the other).
 * A start before the other clock's zero gives 0. */
uint64_t trace_clock_start(uint64_t start_us, uint64_t real_ns,
			   uint64_t mono_ns);

#endif
