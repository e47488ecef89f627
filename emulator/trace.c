/* trace — trace files and the step in force at a time; see trace.h. Lines
 * and cells come from util/cells.c, as enos/matrix.c's do (plain decimals
 * only, every message FILE:LINE:COL with the cell quoted whole and
 * escaped). */
#include "emulator/trace.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "util/cells.h"

/* What the cells of a row are, for messages. */
static const char *const cell_names[] = { "time", "rtt", "loss" };

/* C as a message quotes it. */
static const char *show(struct cells_msg *r, const struct cell *c)
{
	return cells_show(r, c->start, c->len);
}

/* Cell C (the KIND-th of its row) as a number at least 0 and at most MAX. */
static int cell_value(struct cells_msg *r, int line, const struct cell *c,
		      size_t kind, double max, double *out)
{
	double v;

	if (cells_decimal(c, &v) < 0)
		return cells_fail(r, line, c->col, "trace %s '%s' is not a number",
			    cell_names[kind], show(r, c));
	if (v < 0)
		return cells_fail(r, line, c->col, "trace %s '%s' is negative",
			    cell_names[kind], show(r, c));
	if (v > max)
		return cells_fail(r, line, c->col,
			    "trace %s '%s' is too large (at most %g%s)",
			    cell_names[kind], show(r, c), max,
			    kind == 0 ? " s" : kind == 1 ? " ms" : " %");
	*out = v;
	return 0;
}

static int grow(struct trace *t, size_t *cap)
{
	size_t nc = *cap ? *cap * 2 : 256;
	struct trace_step *s;

	if (nc > TRACE_STEPS_MAX)
		nc = TRACE_STEPS_MAX;
	s = realloc(t->steps, nc * sizeof(*s));
	if (!s)
		return -ENOMEM;
	t->steps = s;
	*cap = nc;
	return 0;
}

int trace_parse(const char *text, size_t len, const char *label,
		struct trace **out, char **err)
{
	struct cells_msg r = { .label = label };
	struct trace *t = calloc(1, sizeof(*t));
	struct cell cells[4];
	size_t pos = 0, cap = 0, n_cells = 0, k;
	double first_s = 0, prev_s = 0;
	int line = 0, prev_line = 0, first_line = 0, rc = -ENOMEM;

	*out = NULL;
	*err = NULL;
	if (!t)
		goto out;
	for (;;) {
		const char *l;
		size_t ll, n;
		double v[3] = { 0, 0, 0 };

		rc = cells_next_line(text, len, &pos, &line, &l, &ll);
		if (rc == 0)
			break;
		if (rc < 0) {
			rc = cells_fail(&r, line, 1, "trace file holds a NUL byte");
			goto out;
		}
		n = cells_split(l, ll, 0, cells, 4);
		if (!t->n && !prev_line && cells[0].len == 6 &&
		    !memcmp(cells[0].start, "time_s", 6)) {
			prev_line = -1;         /* the header: once, first */
			continue;
		}
		if (n < 2 || n > 3) {
			rc = cells_fail(&r, line, n > 3 ? cells[3].col : 1,
				  "trace row has %zu cell%s, expected 'time_s rtt_ms [loss_pct]'",
				  n, n == 1 ? "" : "s");
			goto out;
		}
		if (t->n && n != n_cells) {
			rc = cells_fail(&r, line, n > n_cells ? cells[n_cells].col : 1,
				  "trace row has %zu cells, the first row (line %d) has %zu: give the loss on every row or on none",
				  n, first_line, n_cells);
			goto out;
		}
		for (k = 0; k < n; k++) {
			rc = cell_value(&r, line, &cells[k], k,
					k == 0 ? TRACE_TIME_MAX_S :
					k == 1 ? TRACE_RTT_MAX_MS : 100.0, &v[k]);
			if (rc)
				goto out;
		}
		if (t->n && v[0] <= prev_s) {
			rc = cells_fail(&r, line, cells[0].col,
				  "trace time '%s' is not after the previous row's (line %d): rows must be sorted by time, each time once",
				  show(&r, &cells[0]), prev_line);
			goto out;
		}
		if (t->n == TRACE_STEPS_MAX) {
			rc = cells_fail(&r, line, 1, "trace has more than %d rows",
				  TRACE_STEPS_MAX);
			goto out;
		}
		if (t->n == cap && (rc = grow(t, &cap)) < 0)
			goto out;
		if (!t->n) {
			first_s = v[0];
			first_line = line;
			n_cells = n;
			t->has_loss = n == 3;
		}
		t->steps[t->n].at_us = (uint64_t)llround((v[0] - first_s) * 1e6);
		/* Half the RTT each way, as `rtt` gives. */
		t->steps[t->n].delay_us = (uint64_t)llround(v[1] * 500.0);
		t->steps[t->n].loss_pct = v[2];
		if (t->n && t->steps[t->n].at_us <= t->steps[t->n - 1].at_us) {
			rc = cells_fail(&r, line, cells[0].col,
				  "trace time '%s' is less than a microsecond after the previous row's (line %d)",
				  show(&r, &cells[0]), prev_line);
			goto out;
		}
		t->n++;
		prev_s = v[0];
		prev_line = line;
	}
	rc = t->n ? 0 : -ENODATA;
out:
	cells_msg_release(&r);
	if (rc) {
		*err = rc == -EINVAL ? r.err : NULL;
		if (rc != -EINVAL)
			free(r.err);
		trace_free(t);
		return rc;
	}
	*out = t;
	return 0;
}

struct trace *trace_new(size_t n)
{
	struct trace *t;

	if (n == 0 || n > TRACE_STEPS_MAX)
		return NULL;
	t = calloc(1, sizeof(*t));
	if (t && !(t->steps = calloc(n, sizeof(*t->steps)))) {
		free(t);
		return NULL;
	}
	if (t)
		t->n = n;
	return t;
}

void trace_free(struct trace *t)
{
	if (!t)
		return;
	free(t->steps);
	free(t);
}

uint64_t trace_period_us(const struct trace *t)
{
	uint64_t last;

	if (t->n < 2)
		return 0;
	last = t->steps[t->n - 1].at_us;
	return last + (last - t->steps[t->n - 2].at_us);
}

size_t trace_index_at(const struct trace *t, uint64_t offset_us,
		      uint64_t *next_us)
{
	uint64_t period = trace_period_us(t), base = 0, off = offset_us;
	size_t lo = 0, hi = t->n;

	if (!period) {
		if (next_us)
			*next_us = UINT64_MAX;
		return 0;
	}
	if (off >= period) {
		if (!t->loop) {
			if (next_us)
				*next_us = UINT64_MAX;
			return t->n - 1;
		}
		base = off - off % period;
		off %= period;
	}
	/* The last step whose time is at most OFF: steps[0].at_us is 0. */
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;

		if (t->steps[mid].at_us <= off)
			lo = mid;
		else
			hi = mid;
	}
	if (next_us) {
		if (lo + 1 < t->n)
			*next_us = base + t->steps[lo + 1].at_us;
		else if (t->loop)
			*next_us = base + period;
		else
			*next_us = UINT64_MAX;
	}
	return lo;
}

size_t trace_step_at_ns(const struct trace *t, uint64_t start_ns,
			uint64_t now_ns, uint64_t *next_ns)
{
	uint64_t off = now_ns > start_ns ? (now_ns - start_ns) / 1000 : 0;
	uint64_t next_us;
	size_t idx = trace_index_at(t, off, &next_us);

	if (next_ns)
		*next_ns = next_us == UINT64_MAX ? UINT64_MAX :
			   start_ns + next_us * 1000;
	return idx;
}

uint64_t trace_clock_start(uint64_t start_us, uint64_t real_ns,
			   uint64_t mono_ns)
{
	uint64_t start_ns = start_us * 1000;

	if (start_ns > real_ns)
		return mono_ns + (start_ns - real_ns);
	return real_ns - start_ns > mono_ns ? 0 : mono_ns - (real_ns - start_ns);
}
