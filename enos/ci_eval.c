/* ci_eval — a threshold against figures: which runs a side of it covers
 * (a sweep point, or every run), the figure of each run through struct
 * ci_figures, how the runs combine, the limit and the verdict; and
 * struct ci_figures over the state database (ci_eval_db).
 *
 * The seam is struct ci_figures: "the value of this subject in run R" and
 * "the sweep point of run R". Evaluation knows nothing of tables, the
 * database implementation nothing of limits, so the tests drive each half
 * alone and the sweep part may store its points elsewhere by changing
 * only db_axes().
 *
 * A missing figure never passes: the threshold fails with a reason
 * naming what was looked for and where ("no figure for 'up of 1000 nodes'
 * in run 12: run 12 has 17 nodes, not 1000").
 */
#include "enos/ci.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "enos/state.h"
#include "reports/stats.h"
#include "util/str.h"
#include "util/strbuf.h"
#include "util/suggest.h"
#include "util/units.h"

/* Runs named in a message, at most. */
#define RUNS_SHOWN 6

/* One side of a threshold: its runs and their combined figure. */
struct side {
	double value;
	int64_t *runs;          /* the runs that had the figure */
	size_t n;
	char *why;              /* why there is no value (allocated) */
};

static void side_release(struct side *s)
{
	free(s->runs);
	free(s->why);
}

/* Set *WHY to FMT formatted (NULL when out of memory). Returns -ENOENT. */
static int missing(char **why, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int missing(char **why, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	*why = str_vprintf(fmt, ap);
	va_end(ap);
	return *why ? -ENOENT : -ENOMEM;
}

/* "run 12", "runs 12, 13 and 14", at most RUNS_SHOWN of them. */
static void add_runs(struct strbuf *sb, const int64_t *runs, size_t n)
{
	size_t i;

	strbuf_adds(sb, n == 1 ? "run " : "runs ");
	for (i = 0; i < n && i < RUNS_SHOWN; i++)
		strbuf_addf(sb, "%s%lld", i == 0 ? "" : i + 1 == n ? " and " : ", ",
			    (long long)runs[i]);
	if (n > RUNS_SHOWN)
		strbuf_addf(sb, " and %zu more", n - RUNS_SHOWN);
}

/* Is V (a point's value as written) the same as the axis value A? Times
 * compare as times ("0.1s" is "100ms"); anything else as written. */
static bool same_value(const char *v, const char *a)
{
	uint64_t x, y;
	const char *why;

	if (!strcmp(v, a))
		return true;
	return !units_parse_time(v, &x, &why) && !units_parse_time(a, &y, &why) &&
	       x == y;
}

/* Does axis path PATH answer to NAME: the path itself, or its last
 * component ("rtt" for network.constraints[0].rtt)? */
static bool axis_named(const char *path, const char *name)
{
	size_t lp = strlen(path), ln = strlen(name);

	if (!strcmp(path, name))
		return true;
	return lp > ln && path[lp - ln - 1] == '.' &&
	       !strcmp(path + lp - ln, name);
}

static bool point_matches(const struct ci_point *pt, const struct ci_axis *ax,
			  size_t n)
{
	size_t i, k;

	for (i = 0; i < pt->n; i++) {
		const struct ci_axis_value *v = &pt->v[i];

		for (k = 0; k < n; k++)
			if ((!v->axis[0] || axis_named(ax[k].axis, v->axis)) &&
			    same_value(v->value, ax[k].value))
				break;
		if (k == n)
			return false;
	}
	return true;
}

/* The point AX as text, "rtt=100ms strategy=central", for telling points
 * apart and for messages. */
static char *point_key(const struct ci_axis *ax, size_t n)
{
	struct strbuf sb = STRBUF_INIT;
	size_t i;

	for (i = 0; i < n; i++)
		strbuf_addf(&sb, "%s%s=%s", i ? " " : "", ax[i].axis, ax[i].value);
	return strbuf_detach(&sb);
}

/* The runs of SRC at point PT (every run when PT has no value) into
 * *RUNS (allocated) and *N; -ENOENT with *WHY when none, or when they
 * span several points (the values do not name one). */
static int runs_at(const struct ci_figures *f, const struct ci_source *src,
		   const struct ci_point *pt, int64_t **runs, size_t *n,
		   char **why)
{
	struct strbuf sb = STRBUF_INIT;
	struct ci_axis *ax = NULL;
	char *first = NULL, *key = NULL, *other = NULL;
	size_t i, nax = 0, swept = 0;
	int rc = 0;

	*n = 0;
	*why = NULL;
	*runs = calloc(src->n + 1, sizeof(**runs));
	if (!*runs)
		return -ENOMEM;
	for (i = 0; i < src->n && rc == 0; i++) {
		if (!pt->n) {
			(*runs)[(*n)++] = src->runs[i];
			continue;
		}
		rc = f->axes(f->arg, src->runs[i], &ax, &nax, why);
		if (rc < 0)
			break;
		swept += nax > 0;
		if (nax && point_matches(pt, ax, nax)) {
			key = point_key(ax, nax);
			if (!key) {
				rc = -ENOMEM;
			} else if (!first) {
				first = key;
				key = NULL;
			} else if (strcmp(first, key) && !other) {
				other = key;
				key = NULL;
			}
			(*runs)[(*n)++] = src->runs[i];
		}
		free(key);
		key = NULL;
		free(ax);
		ax = NULL;
	}
	if (rc < 0)
		goto out;
	ci_point_format(pt, &sb);
	if (other)
		rc = missing(why, "'at %s' matches several points of %s (%s; %s): give more values",
			     strbuf_str(&sb), src->label, first, other);
	else if (*n == 0 && !swept)
		rc = missing(why, "%s %s not part of a sweep: nothing is 'at %s'",
			     src->label, src->n == 1 ? "is" : "are",
			     strbuf_str(&sb));
	else if (*n == 0)
		rc = missing(why, "no run of %s is at %s", src->label,
			     strbuf_str(&sb));
out:
	strbuf_release(&sb);
	free(first);
	free(other);
	if (rc < 0) {
		free(*runs);
		*runs = NULL;
		*n = 0;
	}
	return rc;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* The figure of a point from its runs' V[0..N): see ci_evaluate. */
static double combine(enum ci_stat st, double *v, size_t n)
{
	double out = 0;
	size_t i;

	switch (st) {
	case CI_STAT_COUNT:
	case CI_STAT_FAILURES:
		for (i = 0; i < n; i++)
			out += v[i];
		return out;
	case CI_STAT_MAX:
	case CI_STAT_MIN:
		qsort(v, n, sizeof(*v), cmp_double);
		return st == CI_STAT_MAX ? v[n - 1] : v[0];
	default:
		if (stats_sort(v, n) || stats_quantile(v, n, 0.5, &out))
			return NAN;
		return out;
	}
}

/* The figure of T's subject at point PT of SRC into *S. Returns 0 (S->why
 * set when there is none), or -errno from F with *ERR. */
static int side_eval(const struct ci_figures *f, const struct ci_threshold *t,
		     const struct ci_source *src, const struct ci_point *pt,
		     struct side *s, char **err)
{
	struct strbuf sb = STRBUF_INIT;
	int64_t *runs = NULL;
	double *v = NULL;
	char *why = NULL, *first = NULL;
	size_t n = 0, i;
	int rc;

	memset(s, 0, sizeof(*s));
	s->value = NAN;
	rc = runs_at(f, src, pt, &runs, &n, &why);
	if (rc == -ENOENT) {
		s->why = why;
		return 0;
	}
	if (rc < 0) {
		*err = why;
		return rc;
	}
	v = calloc(n + 1, sizeof(*v));
	s->runs = calloc(n + 1, sizeof(*s->runs));
	if (!v || !s->runs) {
		rc = -ENOMEM;
		goto out;
	}
	for (i = 0; i < n; i++) {
		double x = NAN;

		why = NULL;
		rc = f->figure(f->arg, runs[i], t, &x, &why);
		if (rc == 0 && isnan(x))
			rc = missing(&why, "its figure in run %lld is not a number",
				     (long long)runs[i]);
		if (rc == -ENOENT) {
			if (!first)
				first = why;
			else
				free(why);
			rc = 0;
			continue;
		}
		if (rc < 0) {
			*err = why;
			goto out;
		}
		v[s->n] = x;
		s->runs[s->n++] = runs[i];
	}
	if (s->n) {
		s->value = combine(t->s.stat, v, s->n);
		goto out;
	}
	/* No run had it: say what was looked for, where, and why not. */
	ci_subject_format(t, &sb);
	strbuf_addf(&sb, "'");
	if (pt->n) {
		strbuf_adds(&sb, " at ");
		ci_point_format(pt, &sb);
	}
	strbuf_adds(&sb, " in ");
	add_runs(&sb, runs, n);
	if (first)
		strbuf_addf(&sb, ": %s", first);
	s->why = str_printf("no figure for '%s", strbuf_str(&sb));
	if (!s->why || sb.err)
		rc = -ENOMEM;
out:
	strbuf_release(&sb);
	free(first);
	free(runs);
	free(v);
	return rc;
}

static bool compare(enum ci_cmp c, double a, double b)
{
	switch (c) {
	case CI_CMP_LE: return a <= b;
	case CI_CMP_LT: return a < b;
	case CI_CMP_GE: return a >= b;
	default: return a > b;
	}
}

/* The opposite of C, as the reason of a failure shows it. */
static const char *negated(enum ci_cmp c)
{
	switch (c) {
	case CI_CMP_LE: return ">";
	case CI_CMP_LT: return ">=";
	case CI_CMP_GE: return "<";
	default: return "<=";
	}
}

int ci_evaluate(const struct ci_figures *f, const struct ci_threshold *t,
		const struct ci_source *src, const struct ci_source *base,
		struct ci_result *r, char **err)
{
	struct side obs = { 0 }, ref = { 0 };
	struct strbuf sb = STRBUF_INIT;
	char a[64], b[64], c[64];
	int rc;

	*err = NULL;
	memset(r, 0, sizeof(*r));
	r->t = t;
	r->verdict = CI_FAIL;
	r->observed = r->reference = r->limit = NAN;
	rc = side_eval(f, t, src, &t->at, &obs, err);
	if (rc < 0)
		goto out;
	r->observed = obs.value;
	r->runs = obs.runs;
	r->n_runs = obs.n;
	obs.runs = NULL;
	if (t->ref == CI_REF_POINT) {
		rc = side_eval(f, t, src, &t->ref_at, &ref, err);
	} else if (t->ref == CI_REF_BASELINE && base && base->n) {
		rc = side_eval(f, t, base, &t->at, &ref, err);
	} else if (t->ref == CI_REF_BASELINE) {
		ref.value = NAN;
		ref.why = strdup(base && base->label ? base->label :
				 "no baseline was given");
		if (!ref.why)
			rc = -ENOMEM;
	}
	if (rc < 0)
		goto out;
	if (obs.why) {
		r->reason = obs.why;
		obs.why = NULL;
		goto out;
	}
	if (t->ref != CI_REF_ABSOLUTE && ref.why) {
		r->reason = str_printf("no reference: %s", ref.why);
		rc = r->reason ? 0 : -ENOMEM;
		goto out;
	}
	r->reference = t->ref == CI_REF_ABSOLUTE ? NAN : ref.value;
	r->limit = t->ref == CI_REF_ABSOLUTE ? t->value : t->value * ref.value;
	if (compare(t->cmp, r->observed, r->limit)) {
		r->verdict = CI_PASS;
		goto out;
	}
	strbuf_addf(&sb, "observed %s %s limit %s",
		    ci_value_format(t, r->observed, a, sizeof(a)),
		    negated(t->cmp), ci_value_format(t, r->limit, b, sizeof(b)));
	if (t->ref != CI_REF_ABSOLUTE)
		strbuf_addf(&sb, " (%g x %s %s)", t->value,
			    ci_value_format(t, r->reference, c, sizeof(c)),
			    t->ref == CI_REF_BASELINE ? "in the baseline" : "at the reference point");
	r->reason = strbuf_detach(&sb);
	if (!r->reason)
		rc = -ENOMEM;
out:
	side_release(&obs);
	side_release(&ref);
	strbuf_release(&sb);
	return rc;
}

void ci_result_release(struct ci_result *r)
{
	if (!r)
		return;
	free(r->runs);
	free(r->reason);
	memset(r, 0, sizeof(*r));
}

/* ---- figures from the state database ---- */

/* The error of the database, or of a missing memory, as a reason. */
static int db_fail(struct state *st, int rc, char **why)
{
	*why = rc == -ENOMEM ? NULL : str_printf("%s", state_errmsg(st));
	return rc;
}

/* The node count of RUN from its "world" fact ("17 sites, 1000 nodes"),
 * or 0 when it has none. */
static int run_nodes(struct state *st, int64_t run, uint64_t *nodes)
{
	char **keys = NULL, **values = NULL, *p;
	size_t n = 0, i;
	unsigned long long v;
	int rc;

	*nodes = 0;
	rc = state_facts(st, run, &keys, &values, &n);
	for (i = 0; rc == 0 && i < n; i++) {
		if (strcmp(keys[i], "world") || !(p = strstr(values[i], ", ")))
			continue;
		if (sscanf(p, ", %llu node", &v) == 1)
			*nodes = v;
	}
	state_free_names(keys);
	state_free_names(values);
	return rc;
}

/* up, ready, deploy: one stored duration of RUN. */
static int db_duration(struct state *st, int64_t run,
		       const struct ci_threshold *t, double *value, char **why)
{
	static const char *const metric[] = { "up_seconds", "ready_seconds",
		"deploy_seconds" };
	const struct ci_subject *s = &t->s;
	const char *m = metric[s->metric];
	struct state_result *rows = NULL;
	struct strbuf names = STRBUF_INIT;
	char nbuf[24];
	size_t n = 0, i, found = 0, any = 0, pick = 0;
	uint64_t nodes = 0;
	int rc;

	rc = state_results(st, run, &rows, &n);
	if (rc < 0)
		return db_fail(st, rc, why);
	snprintf(nbuf, sizeof(nbuf), "%llu", (unsigned long long)s->nodes);
	for (i = 0; i < n; i++) {
		const struct state_result *r = &rows[i];
		bool match;

		if (strcmp(r->metric, m))
			continue;
		any++;
		if (s->metric == CI_METRIC_DEPLOY)
			match = !s->of[0] || !strcmp(r->src, s->of);
		else if (s->nodes)
			/* The benchmarks store the size as dst, the backend
			 * as src; `up` stores neither. */
			match = !strcmp(r->dst, nbuf) &&
				(!s->of[0] || !strcmp(r->src, s->of));
		else
			match = !r->src[0] && !r->dst[0];
		if (match) {
			strbuf_addf(&names, "%s%s", found ? ", " : "",
				    r->src[0] ? r->src : "-");
			pick = i;
			found++;
		}
	}
	/* `up`'s own figure, when the run's world has the size asked for. */
	if (!found && s->nodes && !s->of[0] && any) {
		rc = run_nodes(st, run, &nodes);
		for (i = 0; rc == 0 && i < n; i++)
			if (!strcmp(rows[i].metric, m) && !rows[i].src[0] &&
			    !rows[i].dst[0] && nodes == s->nodes) {
				pick = i;
				found = 1;
			}
		if (rc < 0) {
			rc = db_fail(st, rc, why);
			goto out;
		}
		if (!found && nodes) {
			rc = missing(why, "run %lld has %llu nodes", (long long)run,
				     (unsigned long long)nodes);
			goto out;
		}
		if (!found) {
			rc = missing(why, "run %lld does not record how many nodes it had (no 'world' fact)",
				     (long long)run);
			goto out;
		}
	}
	if (!found && !any)
		rc = missing(why, "run %lld stored no %s", (long long)run, m);
	else if (!found)
		rc = missing(why, "run %lld has no %s of that kind", (long long)run,
			     m);
	else if (found > 1)
		rc = missing(why, "run %lld has %zu such figures (%s): say which with 'of'",
			     (long long)run, found, strbuf_str(&names));
	else
		*value = rows[pick].value * 1000.0;   /* s -> ms */
out:
	strbuf_release(&names);
	free(rows);
	return rc;
}

/* The statistic ST of V[0..N) (a site pair's figures). */
static double pairs_stat(enum ci_stat st, const double *v, size_t n)
{
	struct stats_summary sum;

	if (stats_summarize(v, n, &sum))
		return NAN;
	switch (st) {
	case CI_STAT_P50: return sum.p50;
	case CI_STAT_P90: return sum.p90;
	case CI_STAT_P99: return sum.p99;
	case CI_STAT_MEAN: return sum.mean;
	case CI_STAT_MIN: return sum.min;
	default: return sum.max;
	}
}

/* One site pair of a tc --test run. */
struct pair {
	const char *src, *dst;
	double target, p50, loss;
};

/* tc --test error, loss: the pairs' figures of RUN, then the statistic. */
static int db_pairs(struct state *st, int64_t run, const struct ci_threshold *t,
		    double *value, char **why)
{
	struct state_result *rows = NULL;
	struct pair *pairs = NULL;
	double *v = NULL;
	size_t n = 0, np = 0, nv = 0, i, k;
	int rc;

	rc = state_results(st, run, &rows, &n);
	if (rc < 0)
		return db_fail(st, rc, why);
	pairs = calloc(n + 1, sizeof(*pairs));
	v = calloc(n + 1, sizeof(*v));
	if (!pairs || !v) {
		rc = -ENOMEM;
		*why = NULL;
		goto out;
	}
	for (i = 0; i < n; i++) {
		const struct state_result *r = &rows[i];
		bool target = !strcmp(r->metric, "target_rtt");
		bool p50 = !strcmp(r->metric, "rtt_p50");
		bool loss = !strcmp(r->metric, "loss");

		if (!r->src[0] || !r->dst[0] || (!target && !p50 && !loss))
			continue;
		for (k = 0; k < np; k++)
			if (!strcmp(pairs[k].src, r->src) &&
			    !strcmp(pairs[k].dst, r->dst))
				break;
		if (k == np) {
			pairs[np] = (struct pair){ r->src, r->dst, NAN, NAN, NAN };
			np++;
		}
		if (target)
			pairs[k].target = r->value;
		else if (p50)
			pairs[k].p50 = r->value;
		else
			pairs[k].loss = r->value;
	}
	for (k = 0; k < np; k++) {
		const struct pair *p = &pairs[k];

		if (t->s.metric == CI_METRIC_TC_LOSS) {
			if (!isnan(p->loss))
				v[nv++] = p->loss;
			continue;
		}
		/* An unshaped pair has no target to miss; a relative error
		 * needs a target above 0. */
		if (isnan(p->target) ||
		    (t->s.dim == CI_DIM_PERCENT && !(p->target > 0)))
			continue;
		if (isnan(p->p50)) {
			rc = missing(why, "site pair '%s' -> '%s' of run %lld lost every probe (no p50 to compare with its target)",
				     str_show(p->src).s, str_show(p->dst).s,
				     (long long)run);
			goto out;
		}
		v[nv] = fabs(p->p50 - p->target);
		if (t->s.dim == CI_DIM_PERCENT)
			v[nv] = 100.0 * v[nv] / p->target;
		nv++;
	}
	if (!np)
		rc = missing(why, "run %lld has no tc --test figures (the rtt_p50 and target_rtt of its site pairs)",
			     (long long)run);
	else if (!nv)
		rc = missing(why, "no site pair of run %lld has %s", (long long)run,
			     t->s.metric == CI_METRIC_TC_LOSS ? "a loss figure" :
			     "a target RTT to compare with");
	else
		*value = pairs_stat(t->s.stat, v, nv);
out:
	free(rows);
	free(pairs);
	free(v);
	return rc;
}

/* The statistic of summary row R. */
static int summary_value(const struct wl_summary_row *r, enum ci_stat st,
			 int64_t run, const char *what, double *value,
			 char **why)
{
	double v;

	switch (st) {
	case CI_STAT_COUNT:
		*value = (double)r->count;
		return 0;
	case CI_STAT_FAILURES:
		*value = (double)r->failures;
		return 0;
	case CI_STAT_RATE:
		if (!r->count)
			return missing(why, "'%s' ran no operation in run %lld",
				       what, (long long)run);
		*value = 100.0 * (double)r->failures / (double)r->count;
		return 0;
	case CI_STAT_P50: v = r->p50_ms; break;
	case CI_STAT_P90: v = r->p90_ms; break;
	case CI_STAT_P99: v = r->p99_ms; break;
	case CI_STAT_MEAN: v = r->mean_ms; break;
	case CI_STAT_MIN: v = r->min_ms; break;
	default: v = r->max_ms; break;
	}
	if (isnan(v))
		return missing(why, "%s of '%s' in run %lld is not a number (no operation succeeded)",
			       ci_stat_name(st), what, (long long)run);
	*value = v;
	return 0;
}

/* A workload's figure from RUN's summaries: WORKLOAD/OP, or NAME as an
 * operation of one workload, or as a workload of one operation. */
static int db_workload(struct state *st, int64_t run,
		       const struct ci_threshold *t, double *value, char **why)
{
	const struct ci_subject *s = &t->s;
	const char *site = s->site[0] ? s->site : "*";
	struct wl_summary_row *rows = NULL;
	struct strbuf sb = STRBUF_INIT;
	const char *cands[16], *near;
	char what[2 * CI_NAME_MAX + 2];
	size_t n = 0, i, by_op = 0, by_wl = 0, nc = 0;
	long op_at = -1, wl_at = -1;
	int rc;

	rc = state_wl_summaries(st, run, &rows, &n);
	if (rc < 0)
		return db_fail(st, rc, why);
	for (i = 0; i < n; i++) {
		const struct wl_summary_row *r = &rows[i];

		if (strcmp(r->site, site))
			continue;
		if (s->op[0] ? !strcmp(r->workload, s->workload) &&
			       !strcmp(r->op, s->op)
			     : !strcmp(r->op, s->workload)) {
			by_op++;
			op_at = (long)i;
		} else if (!s->op[0] && !strcmp(r->workload, s->workload)) {
			by_wl++;
			wl_at = (long)i;
		}
	}
	snprintf(what, sizeof(what), "%s%s%s", s->workload, s->op[0] ? "/" : "",
		 s->op);
	if (by_op == 1) {
		rc = summary_value(&rows[op_at], s->stat, run, what, value, why);
		goto out;
	}
	if (by_op > 1) {
		for (i = 0; i < n; i++)
			if (!strcmp(rows[i].site, site) &&
			    !strcmp(rows[i].op, s->workload))
				strbuf_addf(&sb, "%s%s/%s", sb.len ? ", " : "",
					    str_show(rows[i].workload).s, s->workload);
		rc = missing(why, "operation '%s' is in several workloads of run %lld: name one (%s)",
			     what, (long long)run, strbuf_str(&sb));
		goto out;
	}
	if (by_wl == 1) {
		rc = summary_value(&rows[wl_at], s->stat, run, what, value, why);
		goto out;
	}
	if (by_wl > 1) {
		for (i = 0; i < n; i++)
			if (!strcmp(rows[i].site, site) &&
			    !strcmp(rows[i].workload, s->workload))
				strbuf_addf(&sb, "%s%s/%s", sb.len ? ", " : "",
					    s->workload, str_show(rows[i].op).s);
		rc = missing(why, "workload '%s' of run %lld has several operations: name one (%s)",
			     what, (long long)run, strbuf_str(&sb));
		goto out;
	}
	if (!n) {
		rc = missing(why, "run %lld has no workload summaries", (long long)run);
		goto out;
	}
	/* Nothing by that name: say what there is, and what is close. */
	for (i = 0; i < n && nc < 16; i++) {
		if (strcmp(rows[i].site, site))
			continue;
		cands[nc++] = s->op[0] ? rows[i].op : rows[i].workload;
		if (!s->op[0] && nc < 16)
			cands[nc++] = rows[i].op;
	}
	near = suggest_closest(s->op[0] ? s->op : s->workload, cands, nc);
	if (!nc)
		rc = missing(why, "run %lld has no workload summary for site '%s'",
			     (long long)run, site);
	else if (near)
		rc = missing(why, "run %lld has no operation '%s' (did you mean '%s'?)",
			     (long long)run, what, str_show(near).s);
	else
		rc = missing(why, "run %lld has no operation '%s'", (long long)run,
			     what);
out:
	strbuf_release(&sb);
	free(rows);
	return rc;
}

static int db_figure(void *arg, int64_t run, const struct ci_threshold *t,
		     double *value, char **why)
{
	struct state *st = arg;

	*why = NULL;
	switch (t->s.metric) {
	case CI_METRIC_UP:
	case CI_METRIC_READY:
	case CI_METRIC_DEPLOY:
		return db_duration(st, run, t, value, why);
	case CI_METRIC_TC_ERROR:
	case CI_METRIC_TC_LOSS:
		return db_pairs(st, run, t, value, why);
	default:
		return db_workload(st, run, t, value, why);
	}
}

/* A sweep's runs carry one fact "axis PATH" = VALUE per axis. */
#define AXIS_FACT "axis "

static int db_axes(void *arg, int64_t run, struct ci_axis **axes, size_t *n,
		   char **why)
{
	struct state *st = arg;
	char **keys = NULL, **values = NULL;
	size_t nf = 0, i;
	int rc;

	*axes = NULL;
	*n = 0;
	*why = NULL;
	rc = state_facts(st, run, &keys, &values, &nf);
	if (rc < 0)
		return db_fail(st, rc, why);
	*axes = calloc(nf + 1, sizeof(**axes));
	if (!*axes) {
		rc = -ENOMEM;
		goto out;
	}
	for (i = 0; i < nf; i++) {
		struct ci_axis *a = &(*axes)[*n];

		if (!str_starts_with(keys[i], AXIS_FACT))
			continue;
		/* A value longer than a threshold can write matches none. */
		if (snprintf(a->axis, sizeof(a->axis), "%s",
			     keys[i] + strlen(AXIS_FACT)) >= (int)sizeof(a->axis) ||
		    snprintf(a->value, sizeof(a->value), "%s", values[i]) >=
		    (int)sizeof(a->value))
			continue;
		(*n)++;
	}
out:
	state_free_names(keys);
	state_free_names(values);
	return rc;
}

void ci_eval_db(struct state *st, struct ci_figures *f)
{
	f->figure = db_figure;
	f->axes = db_axes;
	f->arg = st;
}

/* The value of fact KEY of RUN into BUF ("" when it has none). */
static int run_fact(struct state *st, int64_t run, const char *key,
		    char *buf, size_t len)
{
	char **keys = NULL, **values = NULL;
	size_t n = 0, i;
	int rc;

	buf[0] = '\0';
	rc = state_facts(st, run, &keys, &values, &n);
	for (i = 0; rc == 0 && i < n; i++)
		if (!strcmp(keys[i], key))
			snprintf(buf, len, "%s", values[i]);
	state_free_names(keys);
	state_free_names(values);
	return rc;
}

int ci_sweep_runs(struct state *st, const char *name, int64_t **runs,
		  size_t *n, char **why)
{
	int64_t *all = NULL;
	char newest[64], id[64];
	size_t na = 0, i;
	int rc;

	*runs = NULL;
	*n = 0;
	*why = NULL;
	rc = state_ci_runs_with_fact(st, "sweep", name, &all, &na);
	if (rc < 0)
		return db_fail(st, rc, why);
	if (!na) {
		free(all);
		return missing(why, "no sweep '%s' has stored runs", name);
	}
	/* Every execution of the sweep has its id; the newest one holds the
	 * newest run. */
	rc = run_fact(st, all[na - 1], "sweep_id", newest, sizeof(newest));
	for (i = 0; rc == 0 && i < na; i++) {
		rc = run_fact(st, all[i], "sweep_id", id, sizeof(id));
		if (rc == 0 && !strcmp(id, newest))
			all[(*n)++] = all[i];
	}
	if (rc < 0) {
		free(all);
		*n = 0;
		return db_fail(st, rc, why);
	}
	*runs = all;
	return 0;
}

int ci_baseline_runs(struct state *st, const char *name, int64_t **runs,
		     size_t *n, char **why)
{
	struct run_info info;
	uint64_t id;
	bool neg;
	int rc;

	*runs = NULL;
	*n = 0;
	*why = NULL;
	if (!units_parse_integer(name, &id, &neg) && !neg && id > 0 &&
	    id <= INT64_MAX) {
		rc = state_run_get(st, (int64_t)id, &info);
		if (rc == -ENOENT)
			return missing(why, "no run %s to be the baseline", name);
		if (rc < 0)
			return db_fail(st, rc, why);
		*runs = malloc(sizeof(**runs));
		if (!*runs)
			return -ENOMEM;
		**runs = (int64_t)id;
		*n = 1;
		return 0;
	}
	rc = state_ci_baseline_get(st, name, runs, n);
	if (rc == -ENOENT)
		return missing(why, "no baseline '%s' is stored ('enos ci --save-baseline %s' stores one)",
			       name, name);
	if (rc < 0)
		return db_fail(st, rc, why);
	if (!*n) {
		free(*runs);
		*runs = NULL;
		return missing(why, "the runs of baseline '%s' were deleted", name);
	}
	return 0;
}

int ci_baseline_save(struct state *st, const char *name, const int64_t *runs,
		     size_t n, char **why)
{
	int rc = state_ci_baseline_put(st, name, runs, n);

	*why = NULL;
	return rc < 0 ? db_fail(st, rc, why) : 0;
}
