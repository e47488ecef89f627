/* ci — the threshold language of `enos ci`; see ci.h for the model and
 * README.md ("CI and nightly runs") for every form.
 *
 * A threshold is one YAML string of words separated by blanks:
 *
 *   SUBJECT [at POINT] [of WHAT] [from SITE] OP VALUE [UNIT] [x REFERENCE]
 *
 * SUBJECT names a figure and, for figures with several values, a
 * statistic, in either order ("boot-delete p50", "tc --test worst error").
 * The words before the comparison are read first (subject, then the
 * selectors in any order), then what follows it, so the first error
 * reported is stable. Quantities go through util/units.c (times as
 * tc and the topology write them, percentages as loss is written),
 * misspellings through util/suggest.c. ci_load walks a `ci:` section with
 * util/yload.h, so the topology and the sweep loaders call it with their
 * own struct yload where they meet the key.
 */
#include "enos/ci.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "util/fs.h"
#include "util/str.h"
#include "util/strbuf.h"
#include "util/suggest.h"
#include "util/units.h"
#include "util/yload.h"

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

static const char *const stat_names[] = {
	[CI_STAT_NONE] = "", [CI_STAT_P50] = "p50", [CI_STAT_P90] = "p90",
	[CI_STAT_P99] = "p99", [CI_STAT_MEAN] = "mean", [CI_STAT_MIN] = "min",
	[CI_STAT_MAX] = "max", [CI_STAT_COUNT] = "count",
	[CI_STAT_FAILURES] = "failures", [CI_STAT_RATE] = "rate",
};

static const char *const cmp_names[] = {
	[CI_CMP_LE] = "<=", [CI_CMP_LT] = "<", [CI_CMP_GE] = ">=",
	[CI_CMP_GT] = ">",
};

/* The figures with a name of their own; anything else with a statistic
 * is a workload's. */
static const char *const metric_names[] = { "up", "ready", "deploy",
	"tc --test error", "tc --test loss" };

/* The units a value may carry, for did-you-mean. */
static const char *const unit_names[] = { "us", "ms", "s", "%", "x" };

/* Words that end a subject or a selector's values. */
static const char *const keywords[] = { "at", "of", "from" };

const char *ci_stat_name(enum ci_stat s)
{
	return (size_t)s < N_OF(stat_names) ? stat_names[s] : "?";
}

const char *ci_cmp_name(enum ci_cmp c)
{
	return (size_t)c < N_OF(cmp_names) ? cmp_names[c] : "?";
}

/* ---- one threshold ---- */

struct word {
	const char *s;          /* NUL-terminated, in struct words' copy */
	size_t off;             /* byte offset in the threshold's text */
};

struct words {
	char buf[CI_TEXT_MAX];
	struct word w[CI_WORDS_MAX];
	size_t n;
};

struct parse {
	struct words *ws;
	struct ci_threshold *t;
	size_t i;               /* the next word */
	char *why;              /* the first error */
	size_t at;              /* its offset */
	int rc;
};

static int fail(struct parse *p, size_t off, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(struct parse *p, size_t off, const char *fmt, ...)
{
	va_list ap;

	if (p->rc)
		return p->rc;
	va_start(ap, fmt);
	p->why = str_vprintf(fmt, ap);
	va_end(ap);
	p->at = off;
	p->rc = p->why ? -EINVAL : -ENOMEM;
	return p->rc;
}

/* The word I, or NULL past the end. */
static const struct word *word_at(const struct parse *p, size_t i)
{
	return i < p->ws->n ? &p->ws->w[i] : NULL;
}

/* Where a message about the end of the text points: after its last word. */
static size_t end_off(const struct parse *p)
{
	const struct word *w = word_at(p, p->ws->n - 1);

	return w ? w->off + strlen(w->s) : 0;
}

static int split_words(const char *text, struct words *ws, size_t *at,
		       char **why)
{
	size_t len = strlen(text), i = 0;

	*why = NULL;
	*at = 0;
	ws->n = 0;
	if (len >= sizeof(ws->buf)) {
		*why = str_printf("threshold is too long (at most %d bytes)",
				  CI_TEXT_MAX - 1);
		return *why ? -EINVAL : -ENOMEM;
	}
	memcpy(ws->buf, text, len + 1);
	while (i < len) {
		while (i < len && (ws->buf[i] == ' ' || ws->buf[i] == '\t' ||
				   ws->buf[i] == '\n'))
			ws->buf[i++] = '\0';
		if (i == len)
			break;
		if (ws->n == CI_WORDS_MAX) {
			*at = i;
			*why = str_printf("threshold has too many words (at most %d)",
					  CI_WORDS_MAX);
			return *why ? -EINVAL : -ENOMEM;
		}
		ws->w[ws->n].s = ws->buf + i;
		ws->w[ws->n++].off = i;
		while (i < len && ws->buf[i] != ' ' && ws->buf[i] != '\t' &&
		       ws->buf[i] != '\n')
			i++;
	}
	if (ws->n == 0) {
		*why = strdup("empty threshold (expected e.g. 'up of 100 nodes <= 3 s')");
		return *why ? -EINVAL : -ENOMEM;
	}
	return 0;
}

static bool is_keyword(const char *s)
{
	size_t i;

	for (i = 0; i < N_OF(keywords); i++)
		if (!strcmp(s, keywords[i]))
			return true;
	return false;
}

/* The comparison S spells, or -1. */
static int cmp_of(const char *s)
{
	size_t i;

	for (i = 0; i < N_OF(cmp_names); i++)
		if (!strcmp(s, cmp_names[i]))
			return (int)i;
	return -1;
}

/* Does S end a run of words: a keyword, a comparison, or the end? */
static bool ends_run(const struct word *w)
{
	return !w || is_keyword(w->s) || cmp_of(w->s) >= 0;
}

/* The statistic S names ("worst" is max), or CI_STAT_NONE. */
static enum ci_stat stat_of(const char *s)
{
	size_t i;

	if (!strcmp(s, "worst"))
		return CI_STAT_MAX;
	for (i = 1; i < N_OF(stat_names); i++)
		if (!strcmp(s, stat_names[i]))
			return (enum ci_stat)i;
	return CI_STAT_NONE;
}

/* Does S look like a percentile ("p95") that is not one of ours? */
static bool looks_like_stat(const char *s)
{
	size_t i;

	if (s[0] != 'p' || !s[1])
		return false;
	for (i = 1; s[i]; i++)
		if ((s[i] < '0' || s[i] > '9') && s[i] != '.')
			return false;
	return true;
}

static const char *stat_list =
	"p50, p90, p99, mean, min, max (or worst), count, failures or rate";

/* A name of the language: a workload, a stack, a site, a backend. FIRST
 * must be a lowercase letter or a digit; then also '-', '_' and '.'
 * (Rally's atomic actions are "nova.boot_server"); UPPER allows capitals
 * (ops come from outside: JSON lines may name them so). */
static bool good_name(const char *s, size_t len, bool upper)
{
	size_t i;

	if (len == 0 || len >= CI_NAME_MAX)
		return false;
	for (i = 0; i < len; i++) {
		char c = s[i];
		bool alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
			     (upper && c >= 'A' && c <= 'Z');

		if (!alnum && (i == 0 || (c != '-' && c != '_' && c != '.')))
			return false;
	}
	return true;
}

static int copy_name(struct parse *p, const struct word *w, const char *s,
		     size_t len, bool upper, const char *what, char *out)
{
	if (len >= CI_NAME_MAX)
		return fail(p, w->off, "%s '%s' is too long (at most %d characters)",
			    what, str_show(w->s).s, CI_NAME_MAX - 1);
	if (!good_name(s, len, upper))
		return fail(p, w->off, "bad %s '%s' (use %s, 0-9, '-', '_' and '.', starting with a letter or digit)",
			    what, str_show(w->s).s, upper ? "letters" : "a-z");
	memcpy(out, s, len);
	out[len] = '\0';
	return 0;
}

/* `tc --test` [STAT] FIGURE, with the words from p->i up to END. */
static int subject_tc(struct parse *p, size_t end)
{
	static const char *const cands[] = { "error", "loss", "p50", "p90",
		"p99", "mean", "min", "max", "worst" };
	struct ci_subject *s = &p->t->s;
	const struct word *fig = NULL, *st = NULL, *w;
	const char *near;
	size_t i;

	for (i = p->i + 2; i < end; i++) {
		w = word_at(p, i);
		if (!strcmp(w->s, "error") || !strcmp(w->s, "loss")) {
			if (fig)
				return fail(p, w->off, "'tc --test' takes one figure, got '%s' and '%s'",
					    fig->s, w->s);
			fig = w;
		} else if (stat_of(w->s) != CI_STAT_NONE) {
			if (st)
				return fail(p, w->off, "two statistics '%s' and '%s'",
					    st->s, w->s);
			st = w;
		} else {
			near = suggest_closest(w->s, cands, N_OF(cands));
			if (near)
				return fail(p, w->off, "unknown word '%s' in a tc --test figure (did you mean '%s'?)",
					    str_show(w->s).s, near);
			return fail(p, w->off, "unknown word '%s' in a tc --test figure (expected error or loss, and a statistic)",
				    str_show(w->s).s);
		}
	}
	if (!fig)
		return fail(p, word_at(p, p->i + 1)->off,
			    "'tc --test' needs a figure: error or loss");
	s->metric = !strcmp(fig->s, "error") ? CI_METRIC_TC_ERROR
					     : CI_METRIC_TC_LOSS;
	s->dim = CI_DIM_PERCENT;
	s->stat = st ? stat_of(st->s) : CI_STAT_MAX;
	if (s->stat == CI_STAT_COUNT || s->stat == CI_STAT_FAILURES ||
	    s->stat == CI_STAT_RATE)
		return fail(p, st->off, "statistic '%s' does not apply to 'tc --test %s' (use p50, p90, p99, mean, min or max)",
			    st->s, fig->s);
	return 0;
}

/* A workload's figure: NAME or WORKLOAD/OP in word W. */
static int subject_workload(struct parse *p, const struct word *w)
{
	struct ci_subject *s = &p->t->s;
	const char *slash = strchr(w->s, '/');
	int rc;

	s->metric = CI_METRIC_WORKLOAD;
	if (!slash)
		return copy_name(p, w, w->s, strlen(w->s), true, "workload",
				 s->workload);
	rc = copy_name(p, w, w->s, (size_t)(slash - w->s), false, "workload",
		       s->workload);
	if (!rc)
		rc = copy_name(p, w, slash + 1, strlen(slash + 1), true,
			       "operation", s->op);
	return rc;
}

static enum ci_dim stat_dim(enum ci_stat st)
{
	switch (st) {
	case CI_STAT_COUNT:
	case CI_STAT_FAILURES:
		return CI_DIM_COUNT;
	case CI_STAT_RATE:
		return CI_DIM_PERCENT;
	default:
		return CI_DIM_TIME;
	}
}

/* The words from p->i to the first keyword or comparison. */
static int subject(struct parse *p)
{
	struct ci_subject *s = &p->t->s;
	const struct word *name = NULL, *st = NULL, *w, *second = NULL;
	const char *near;
	size_t end = p->i, i;

	while (!ends_run(word_at(p, end)))
		end++;
	if (end == p->i) {
		w = word_at(p, p->i);
		return fail(p, w->off, "expected a figure before '%s' (e.g. 'up', 'tc --test worst error', 'boot-delete p50')",
			    str_show(w->s).s);
	}
	if (!strcmp(word_at(p, p->i)->s, "tc") && end > p->i + 1 &&
	    !strcmp(word_at(p, p->i + 1)->s, "--test")) {
		if (subject_tc(p, end))
			return p->rc;
		p->i = end;
		return 0;
	}
	for (i = p->i; i < end; i++) {
		w = word_at(p, i);
		if (stat_of(w->s) != CI_STAT_NONE) {
			if (st)
				return fail(p, w->off, "two statistics '%s' and '%s'",
					    st->s, w->s);
			st = w;
		} else if (looks_like_stat(w->s)) {
			return fail(p, w->off, "unknown statistic '%s' (expected %s)",
				    str_show(w->s).s, stat_list);
		} else if (!name) {
			name = w;
		} else if (!second) {
			second = w;
		}
	}
	if (!name)
		return fail(p, st->off, "statistic '%s' of what (e.g. 'boot-delete %s')",
			    st->s, st->s);
	for (i = 0; i < 3; i++)
		if (!strcmp(name->s, metric_names[i]))
			break;
	if (second && i < 3)
		return fail(p, second->off, "unexpected '%s' after '%s' (expected at, of, from or a comparison: <=, <, >= or >)",
			    str_show(second->s).s, name->s);
	if (second) {
		if (good_name(name->s, strlen(name->s), false) &&
		    good_name(second->s, strlen(second->s), true) &&
		    end - p->i == 2 + (st != NULL))
			return fail(p, second->off, "a workload's figure is one word, WORKLOAD or WORKLOAD/OP (did you mean '%s/%s'?)",
				    name->s, second->s);
		return fail(p, second->off, "unexpected '%s' after the metric '%s'",
			    str_show(second->s).s, str_show(name->s).s);
	}
	if (i < 3) {
		if (st)
			return fail(p, st->off, "'%s' takes no statistic: it is one figure per run",
				    name->s);
		s->metric = (enum ci_metric)i;
		s->dim = CI_DIM_TIME;
		s->stat = CI_STAT_NONE;
	} else if (st) {
		s->stat = stat_of(st->s);
		s->dim = stat_dim(s->stat);
		if (subject_workload(p, name))
			return p->rc;
	} else {
		near = suggest_closest(name->s, metric_names, 3);
		if (!near && !strcmp(name->s, "tc"))
			return fail(p, name->off, "unknown metric 'tc' (did you mean 'tc --test'?)");
		if (near)
			return fail(p, name->off, "unknown metric '%s' (did you mean '%s'?)",
				    str_show(name->s).s, near);
		return fail(p, name->off, "unknown metric '%s' (expected up, ready, deploy, tc --test error, tc --test loss, or a workload and a statistic: '%s p50')",
			    str_show(name->s).s, str_show(name->s).s);
	}
	p->i = end;
	return 0;
}

/* `at V1 [V2 ...]` from word p->i (after "at") into *PT. */
static int point(struct parse *p, const struct word *kw, struct ci_point *pt)
{
	const struct word *w;

	if (ends_run(word_at(p, p->i)))
		return fail(p, kw->off, "'at' needs a sweep point: a value of an axis ('at 100ms') or AXIS=VALUE");
	while (!ends_run(w = word_at(p, p->i)) && strcmp(w->s, "x") &&
	       strcmp(w->s, "baseline")) {
		const char *eq = strchr(w->s, '=');
		struct ci_axis_value *v = &pt->v[pt->n];
		const char *val = eq ? eq + 1 : w->s;
		size_t alen = eq ? (size_t)(eq - w->s) : 0;

		if (pt->n == CI_POINT_MAX)
			return fail(p, w->off, "a point has at most %d values",
				    CI_POINT_MAX);
		if (eq && (alen == 0 || !*val))
			return fail(p, w->off, "bad point value '%s' (use VALUE or AXIS=VALUE)",
				    str_show(w->s).s);
		if (alen >= sizeof(v->axis) || strlen(val) >= sizeof(v->value))
			return fail(p, w->off, "point value '%s' is too long",
				    str_show(w->s).s);
		memcpy(v->axis, w->s, alen);
		v->axis[alen] = '\0';
		memcpy(v->value, val, strlen(val) + 1);
		pt->n++;
		p->i++;
	}
	return 0;
}

/* `of ...` for up and ready: N [BACKEND] nodes. */
static int of_nodes(struct parse *p, const struct word *kw, size_t end)
{
	struct ci_subject *s = &p->t->s;
	const struct word *n = word_at(p, p->i), *last;
	uint64_t v;
	bool neg;

	last = end > p->i ? word_at(p, end - 1) : NULL;
	if (!last || end - p->i < 2 || end - p->i > 3 ||
	    (strcmp(last->s, "nodes") && strcmp(last->s, "node")))
		return fail(p, n ? n->off : kw->off, "'%s of' takes N nodes or N BACKEND nodes ('up of 1000 nodes')",
			    metric_names[s->metric]);
	if (units_parse_integer(n->s, &v, &neg) || neg || v == 0 ||
	    v > 1000000)
		return fail(p, n->off, "node count '%s' is not a number from 1 to 1000000",
			    str_show(n->s).s);
	s->nodes = v;
	if (end - p->i == 3 &&
	    copy_name(p, word_at(p, p->i + 1), word_at(p, p->i + 1)->s,
		      strlen(word_at(p, p->i + 1)->s), false, "backend", s->of))
		return p->rc;
	p->i = end;
	return 0;
}

/* `of WHAT` from word p->i (after "of"). */
static int of(struct parse *p, const struct word *kw)
{
	struct ci_subject *s = &p->t->s;
	size_t end = p->i;
	const struct word *w;

	while (!ends_run(word_at(p, end)))
		end++;
	switch (s->metric) {
	case CI_METRIC_UP:
	case CI_METRIC_READY:
		return of_nodes(p, kw, end);
	case CI_METRIC_DEPLOY:
		w = word_at(p, p->i);
		if (end != p->i + 1)
			return fail(p, w ? w->off : kw->off, "'deploy of' takes a stack's name ('deploy of etcd')");
		if (copy_name(p, w, w->s, strlen(w->s), false, "stack", s->of))
			return p->rc;
		p->i = end;
		return 0;
	case CI_METRIC_WORKLOAD:
		return fail(p, kw->off, "'of' does not apply to a workload's figure (use 'from SITE' for its clients' site)");
	default:
		return fail(p, kw->off, "'of' does not apply to 'tc --test'");
	}
}

/* The selectors, in any order, each once, up to the comparison. */
static int selectors(struct parse *p)
{
	struct ci_subject *s = &p->t->s;
	bool seen_of = false, seen_from = false;
	const struct word *kw, *w;

	while ((kw = word_at(p, p->i)) && is_keyword(kw->s)) {
		p->i++;
		if (!strcmp(kw->s, "at")) {
			if (p->t->at.n)
				return fail(p, kw->off, "'at' given twice");
			if (point(p, kw, &p->t->at))
				return p->rc;
			w = word_at(p, p->i);
			if (w && (!strcmp(w->s, "x") || !strcmp(w->s, "baseline")))
				return fail(p, w->off, "expected a comparison before '%s'",
					    w->s);
		} else if (!strcmp(kw->s, "of")) {
			if (seen_of)
				return fail(p, kw->off, "'of' given twice");
			seen_of = true;
			if (of(p, kw))
				return p->rc;
		} else {
			if (seen_from)
				return fail(p, kw->off, "'from' given twice");
			seen_from = true;
			if (s->metric != CI_METRIC_WORKLOAD)
				return fail(p, kw->off, "'from' does not apply to '%s' (only to a workload's figure)",
					    s->metric <= CI_METRIC_DEPLOY ?
					    metric_names[s->metric] : "tc --test");
			w = word_at(p, p->i);
			if (ends_run(w))
				return fail(p, kw->off, "'from' needs a site's name");
			if (copy_name(p, w, w->s, strlen(w->s), false, "site",
				      s->site))
				return p->rc;
			p->i++;
		}
	}
	w = word_at(p, p->i);
	if (!w)
		return fail(p, end_off(p), "expected a comparison (<=, <, >= or >) and a value");
	if (cmp_of(w->s) < 0)
		return fail(p, w->off, "unexpected '%s' (expected at, of, from or a comparison: <=, <, >= or >)",
			    str_show(w->s).s);
	p->t->cmp = (enum ci_cmp)cmp_of(w->s);
	p->i++;
	return 0;
}

/* What a dimension's unit is called in messages. */
static const char *dim_units(enum ci_dim d)
{
	switch (d) {
	case CI_DIM_TIME:
		return "a time: use us, ms or s";
	case CI_DIM_PERCENT:
		return "a percentage: use %";
	default:
		return "a count: it takes no unit";
	}
}

/* The subject as messages name it. */
static const char *subject_name(const struct ci_threshold *t, char *buf,
				size_t len)
{
	struct strbuf sb = STRBUF_INIT;

	if (ci_subject_format(t, &sb) == 0)
		snprintf(buf, len, "%s", strbuf_str(&sb));
	else
		snprintf(buf, len, "the figure");
	strbuf_release(&sb);
	return buf;
}

/* An absolute VALUE UNIT: NUM is the number's text, UNIT (may be "") the
 * unit, W the word of the value. */
static int absolute(struct parse *p, const struct word *w, const char *num,
		    const char *unit, size_t unit_off)
{
	struct ci_threshold *t = p->t;
	char text[96], name[160];
	const char *why = NULL, *near;
	uint64_t us;
	size_t k;
	double v;

	/* An error figure is a time or a share of the target: the unit
	 * says which. */
	if (t->s.metric == CI_METRIC_TC_ERROR &&
	    (!strcmp(unit, "us") || !strcmp(unit, "ms") || !strcmp(unit, "s")))
		t->s.dim = CI_DIM_TIME;
	snprintf(text, sizeof(text), "%s%s", num, unit);
	for (k = 0; *unit && k < N_OF(unit_names); k++)
		if (!strcmp(unit, unit_names[k]))
			break;
	if (*unit && k == N_OF(unit_names)) {
		near = suggest_closest(unit, unit_names, N_OF(unit_names));
		if (near)
			return fail(p, unit_off, "unknown unit '%s' (did you mean '%s'?)",
				    str_show(unit).s, near);
		return fail(p, unit_off, "unknown unit '%s' ('%s' is %s)",
			    str_show(unit).s, subject_name(t, name, sizeof(name)),
			    dim_units(t->s.dim));
	}
	switch (t->s.dim) {
	case CI_DIM_TIME:
		if (!*unit || !strcmp(unit, "%"))
			goto wrong_unit;
		if (units_parse_time(text, &us, &why))
			return fail(p, w->off, "value '%s' %s", str_show(text).s,
				    why);
		v = (double)us / 1000.0;
		break;
	case CI_DIM_PERCENT:
		if (strcmp(unit, "%"))
			goto wrong_unit;
		if (units_parse_loss(text, &v, &why))
			return fail(p, w->off, "value '%s' %s", str_show(text).s,
				    why);
		break;
	default:
		if (*unit)
			goto wrong_unit;
		if (units_parse_number(num, &v) || v < 0)
			return fail(p, w->off, "value '%s' is not a number of 0 or more",
				    str_show(num).s);
		break;
	}
	t->value = v;
	snprintf(t->unit, sizeof(t->unit), "%s", unit);
	return 0;
wrong_unit:
	if (!*unit)
		return fail(p, w->off, "value '%s' needs a unit ('%s' is %s)",
			    str_show(num).s, subject_name(t, name, sizeof(name)),
			    dim_units(t->s.dim));
	return fail(p, unit_off, "unit '%s' does not fit '%s', which is %s",
		    unit, subject_name(t, name, sizeof(name)),
		    dim_units(t->s.dim));
}

/* After the comparison: VALUE [UNIT] [x REFERENCE]. */
static int value(struct parse *p)
{
	struct ci_threshold *t = p->t;
	const struct word *w = word_at(p, p->i), *u;
	char num[64];
	const char *unit, *q;
	size_t len, unit_off;

	if (!w)
		return fail(p, end_off(p), "expected a value after '%s'",
			    ci_cmp_name(t->cmp));
	for (q = w->s; (*q >= '0' && *q <= '9') || *q == '.' || *q == '-'; q++)
		;
	len = (size_t)(q - w->s);
	if (len == 0 || len >= sizeof(num))
		return fail(p, w->off, "expected a number after '%s', got '%s'",
			    ci_cmp_name(t->cmp), str_show(w->s).s);
	memcpy(num, w->s, len);
	num[len] = '\0';
	p->i++;
	unit = q;
	unit_off = w->off + len;
	u = word_at(p, p->i);
	if (!*unit && u && strcmp(u->s, "at") && strcmp(u->s, "baseline")) {
		unit = u->s;
		unit_off = u->off;
		p->i++;
	}
	if (strcmp(unit, "x")) {
		if (absolute(p, w, num, unit, unit_off))
			return p->rc;
		t->ref = CI_REF_ABSOLUTE;
		if ((u = word_at(p, p->i)))
			return fail(p, u->off, "unexpected '%s' after the value",
				    str_show(u->s).s);
		return 0;
	}
	/* FACTOR x REFERENCE */
	if (units_parse_number(num, &t->value) || !(t->value > 0))
		return fail(p, w->off, "factor '%s' is not a number above 0",
			    str_show(num).s);
	snprintf(t->unit, sizeof(t->unit), "x");
	u = word_at(p, p->i);
	if (!u)
		return fail(p, unit_off, "'x' needs a reference: 'at POINT' (the same figure at another sweep point) or 'baseline'");
	p->i++;
	if (!strcmp(u->s, "baseline")) {
		t->ref = CI_REF_BASELINE;
	} else if (!strcmp(u->s, "at")) {
		t->ref = CI_REF_POINT;
		if (point(p, u, &t->ref_at))
			return p->rc;
	} else {
		return fail(p, u->off, "unexpected '%s' after 'x' (expected 'at POINT' or 'baseline')",
			    str_show(u->s).s);
	}
	if ((u = word_at(p, p->i)))
		return fail(p, u->off, "unexpected '%s' after the reference",
			    str_show(u->s).s);
	return 0;
}

int ci_threshold_parse(const char *text, struct ci_threshold *t,
		       size_t *at, char **why)
{
	struct parse p = { 0 };
	int rc;

	p.ws = malloc(sizeof(*p.ws));
	if (!p.ws) {
		*why = NULL;
		return -ENOMEM;
	}
	p.t = t;
	memset(&t->s, 0, sizeof(t->s));
	memset(&t->at, 0, sizeof(t->at));
	memset(&t->ref_at, 0, sizeof(t->ref_at));
	t->value = 0;
	t->unit[0] = '\0';
	t->ref = CI_REF_ABSOLUTE;
	t->cmp = CI_CMP_LE;
	rc = split_words(text, p.ws, &p.at, &p.why);
	if (!rc)
		rc = subject(&p);
	if (!rc)
		rc = selectors(&p);
	if (!rc)
		rc = value(&p);
	*at = p.at;
	*why = p.why;
	free(p.ws);
	return rc;
}

/* ---- canonical text ---- */

int ci_point_format(const struct ci_point *pt, struct strbuf *sb)
{
	size_t i;

	for (i = 0; i < pt->n; i++) {
		if (i)
			strbuf_addc(sb, ' ');
		if (pt->v[i].axis[0])
			strbuf_addf(sb, "%s=", pt->v[i].axis);
		strbuf_adds(sb, pt->v[i].value);
	}
	return sb->err;
}

int ci_subject_format(const struct ci_threshold *t, struct strbuf *sb)
{
	const struct ci_subject *s = &t->s;

	switch (s->metric) {
	case CI_METRIC_UP:
	case CI_METRIC_READY:
		strbuf_adds(sb, metric_names[s->metric]);
		if (s->nodes)
			strbuf_addf(sb, " of %llu%s%s node%s",
				    (unsigned long long)s->nodes, s->of[0] ? " " : "",
				    s->of, s->nodes == 1 ? "" : "s");
		break;
	case CI_METRIC_DEPLOY:
		strbuf_adds(sb, "deploy");
		if (s->of[0])
			strbuf_addf(sb, " of %s", s->of);
		break;
	case CI_METRIC_TC_ERROR:
	case CI_METRIC_TC_LOSS:
		strbuf_addf(sb, "tc --test %s %s", s->stat == CI_STAT_MAX ?
			    "worst" : ci_stat_name(s->stat),
			    s->metric == CI_METRIC_TC_ERROR ? "error" : "loss");
		break;
	case CI_METRIC_WORKLOAD:
		strbuf_addf(sb, "%s%s%s %s", s->workload, s->op[0] ? "/" : "",
			    s->op, ci_stat_name(s->stat));
		if (s->site[0])
			strbuf_addf(sb, " from %s", s->site);
		break;
	}
	return sb->err;
}

const char *ci_display_unit(const struct ci_threshold *t, double *scale)
{
	*scale = 1;
	if (t->ref == CI_REF_ABSOLUTE) {
		if (!strcmp(t->unit, "s"))
			*scale = 1000;
		else if (!strcmp(t->unit, "us"))
			*scale = 0.001;
		return t->unit;
	}
	switch (t->s.dim) {
	case CI_DIM_TIME:
		if (t->s.metric <= CI_METRIC_DEPLOY) {
			*scale = 1000;
			return "s";
		}
		return "ms";
	case CI_DIM_PERCENT:
		return "%";
	default:
		return "";
	}
}

const char *ci_value_format(const struct ci_threshold *t, double value,
			    char *buf, size_t len)
{
	double scale;
	const char *unit = ci_display_unit(t, &scale);

	if (isnan(value))
		snprintf(buf, len, "-");
	else
		snprintf(buf, len, "%.4g%s%s", value / scale, *unit ? " " : "",
			 unit);
	return buf;
}

/* V in the shortest decimal that reads back as V, never with an exponent
 * (units.c reads none). */
static void add_number(struct strbuf *sb, double v)
{
	char buf[64], *e;
	int p;

	for (p = 1; p < 17; p++) {
		snprintf(buf, sizeof(buf), "%.*g", p, v);
		if (strtod(buf, NULL) == v)
			break;
	}
	snprintf(buf, sizeof(buf), "%.*g", p, v);
	if ((e = strchr(buf, 'e'))) {
		long exp10 = strtol(e + 1, NULL, 10);

		snprintf(buf, sizeof(buf), "%.*f",
			 exp10 < 0 ? (int)(p - 1 - exp10) : 0, v);
	}
	strbuf_adds(sb, buf);
}

/* MS milliseconds (whole microseconds, as units.c reads them) in a unit
 * of SCALE_US microseconds, exactly: "1.5", "0.000012". */
static void add_time(struct strbuf *sb, double ms, uint64_t scale_us)
{
	unsigned long long us = (unsigned long long)llround(ms * 1000.0);
	unsigned long long frac = us % scale_us;
	int digits = 0;

	strbuf_addf(sb, "%llu", us / scale_us);
	if (!frac)
		return;
	for (uint64_t s = scale_us; s > 1; s /= 10)
		digits++;
	while (frac % 10 == 0) {
		frac /= 10;
		digits--;
	}
	strbuf_addf(sb, ".%0*llu", digits, frac);
}

int ci_threshold_format(const struct ci_threshold *t, struct strbuf *sb)
{
	double scale;
	const char *unit;

	ci_subject_format(t, sb);
	if (t->at.n) {
		strbuf_adds(sb, " at ");
		ci_point_format(&t->at, sb);
	}
	strbuf_addf(sb, " %s ", ci_cmp_name(t->cmp));
	if (t->ref == CI_REF_ABSOLUTE) {
		unit = ci_display_unit(t, &scale);
		if (t->s.dim == CI_DIM_TIME)
			add_time(sb, t->value, (uint64_t)llround(scale * 1000.0));
		else
			add_number(sb, t->value);
		strbuf_addf(sb, "%s%s", *unit ? " " : "", unit);
		return sb->err;
	}
	add_number(sb, t->value);
	strbuf_adds(sb, " x ");
	if (t->ref == CI_REF_BASELINE) {
		strbuf_adds(sb, "baseline");
	} else {
		strbuf_adds(sb, "at ");
		ci_point_format(&t->ref_at, sb);
	}
	return sb->err;
}

/* ---- the ci: section ---- */

enum { K_THRESHOLDS, K_BASELINE, K_N };
static const char *const ci_keys[] = { "thresholds", "baseline" };

/* Where offset AT of scalar N's value is in the file: exact for a plain
 * scalar on one line, else the scalar itself. */
static struct src_pos word_pos(const yaml_node_t *n, size_t at)
{
	struct src_pos pos = yamldoc_pos(n);
	const char *v = yamldoc_scalar(n);

	if (v && n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
	    !strchr(v, '\n') && n->start_mark.line == n->end_mark.line)
		pos.col += (int)at;
	return pos;
}

static int load_threshold(struct yload *L, const yaml_node_t *n,
			  struct ci_threshold *t)
{
	const char *text;
	char *why = NULL;
	size_t at = 0;
	int rc;

	rc = yload_str(L, n, "thresholds", &text);
	if (rc)
		return rc;
	rc = ci_threshold_parse(text, t, &at, &why);
	if (rc == -ENOMEM)
		return yload_nomem(L);
	if (rc) {
		rc = yload_fail_at(L, word_pos(n, at), "%s", why);
		free(why);
		return rc;
	}
	snprintf(t->text, sizeof(t->text), "%s", text);
	t->pos = yamldoc_pos(n);
	return 0;
}

static int load_baseline(struct yload *L, const yaml_node_t *n,
			 struct ci_spec *spec)
{
	const char *v;
	uint64_t id;
	bool neg;

	spec->baseline_pos = yamldoc_pos(n);
	if (n->type == YAML_SCALAR_NODE && yamldoc_scalar(n) &&
	    !units_parse_integer(yamldoc_scalar(n), &id, &neg)) {
		if (neg || id == 0 || id > INT64_MAX)
			return yload_fail(L, n, "baseline run %s is not a run number",
					  yload_show(L, yamldoc_scalar(n)).s);
		snprintf(spec->baseline, sizeof(spec->baseline), "%llu",
			 (unsigned long long)id);
		return 0;
	}
	if (yload_name(L, n, "baseline", "baseline name", &v))
		return -EINVAL;
	snprintf(spec->baseline, sizeof(spec->baseline), "%s", v);
	return 0;
}

int ci_load(struct yload *L, const yaml_node_t *n, struct ci_spec *spec)
{
	const yaml_node_t *v[K_N], *k[K_N];
	unsigned flags = L->flags;
	size_t name_max = L->name_max, len, i;
	yaml_node_item_t *it;
	int rc;

	/* One wording wherever the section is. */
	L->flags = YLOAD_MERGE_KEYS | YLOAD_NAME_UNDERSCORE;
	L->name_max = CI_NAME_MAX - 1;
	rc = yload_map(L, n, "'ci'", ci_keys, K_N, v, k);
	if (!rc)
		rc = yload_need(L, n, k[K_THRESHOLDS], "thresholds");
	if (!rc)
		rc = yload_seq(L, v[K_THRESHOLDS], "thresholds");
	if (rc)
		goto out;
	len = yload_seq_len(v[K_THRESHOLDS]);
	if (len == 0) {
		rc = yload_fail(L, v[K_THRESHOLDS], "'thresholds' is empty: give at least one");
		goto out;
	}
	if (len > CI_THRESHOLDS_MAX) {
		rc = yload_fail(L, v[K_THRESHOLDS], "too many thresholds (%zu, at most %d)",
				len, CI_THRESHOLDS_MAX);
		goto out;
	}
	if (yload_present(v[K_BASELINE]) &&
	    (rc = load_baseline(L, v[K_BASELINE], spec)))
		goto out;
	spec->t = calloc(len, sizeof(*spec->t));
	if (!spec->t) {
		rc = yload_nomem(L);
		goto out;
	}
	it = v[K_THRESHOLDS]->data.sequence.items.start;
	for (i = 0; i < len && !rc; i++) {
		rc = load_threshold(L, yload_node(L, it[i]), &spec->t[i]);
		if (!rc && spec->t[i].ref == CI_REF_BASELINE && !spec->baseline[0])
			rc = yload_fail(L, yload_node(L, it[i]),
					"threshold relative to the baseline, but 'ci' names none (baseline: RUN or NAME)");
		spec->n += !rc;
	}
out:
	L->flags = flags;
	L->name_max = name_max;
	return rc;
}

void ci_spec_release(struct ci_spec *spec)
{
	if (!spec)
		return;
	free(spec->t);
	free(spec->label);
	memset(spec, 0, sizeof(*spec));
}

/* The file's base name without ".yaml", as a suite name. */
static void suite_from_path(const char *path, char *out, size_t len)
{
	const char *b = strrchr(path, '/');
	size_t n;

	b = b ? b + 1 : path;
	n = strlen(b);
	if (n > 5 && !strcmp(b + n - 5, ".yaml"))
		n -= 5;
	snprintf(out, len, "%.*s", (int)n, b);
}

int ci_load_file(const char *path, struct ci_spec *spec, char **err)
{
	struct yload L = { .label = path, .flags = YLOAD_MERGE_KEYS,
			   .name_max = CI_NAME_MAX - 1 };
	const yaml_node_t *root, *ci = NULL;
	yaml_node_pair_t *p;
	char *text = NULL;
	size_t len = 0;
	int rc;

	*err = NULL;
	memset(spec, 0, sizeof(*spec));
	rc = fs_read_file(path, CI_FILE_MAX, &text, &len);
	if (rc) {
		*err = str_printf("cannot read '%s': %s", path, fs_read_error(rc));
		return rc;
	}
	spec->label = strdup(path);
	if (!spec->label) {
		rc = yload_nomem(&L);
		goto out;
	}
	suite_from_path(path, spec->suite, sizeof(spec->suite));
	rc = yload_parse(&L, text, len);
	if (rc)
		goto out;
	root = yamldoc_root(L.doc);
	if (!root || root->type != YAML_MAPPING_NODE) {
		rc = yload_fail_at(&L, yamldoc_pos(root),
				   "expected a mapping with a 'ci' section at the top level");
		goto out;
	}
	/* The file's other keys are its own loader's: only these are read. */
	for (p = root->data.mapping.pairs.start;
	     p < root->data.mapping.pairs.top; p++) {
		const char *ks = yamldoc_scalar(yload_node(&L, p->key));
		const yaml_node_t *v = yload_node(&L, p->value);
		const char *vs = yamldoc_is_null(v) ? NULL : yamldoc_scalar(v);

		if (!ks)
			continue;
		if (!strcmp(ks, "ci"))
			ci = v;
		else if (!strcmp(ks, "name") && vs && good_name(vs, strlen(vs), false))
			snprintf(spec->suite, sizeof(spec->suite), "%s", vs);
		else if (!strcmp(ks, "topology") && vs)
			snprintf(spec->topology, sizeof(spec->topology), "%s", vs);
	}
	if (!ci) {
		rc = yload_fail_at(&L, yamldoc_pos(root),
				   "no 'ci' section (expected ci: {thresholds: [...]})");
		goto out;
	}
	rc = ci_load(&L, ci, spec);
out:
	if (rc) {
		*err = L.err ? L.err : strdup("out of memory");
		L.err = NULL;
		ci_spec_release(spec);
	}
	yload_release(&L);
	free(text);
	return rc;
}
