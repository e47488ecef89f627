/* constraint — the WAN constraint language; see constraint.h. Every rule
 * of a key (its unit, its range, what it needs) is in keys[] below, and
 * every quantity is read by util/units.c, so the topology, `enos fault set`
 * and the wand wire text cannot drift apart. */
#include "emulator/constraint.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/str.h"
#include "util/strbuf.h"
#include "util/suggest.h"
#include "util/units.h"

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

/* How a key's value is written. */
enum unit {
	U_TIME,         /* units_parse_time, in us, at most .max */
	U_RATE,         /* units_parse_rate, in bit/s, > 0, at most .max */
	U_PCT,          /* units_parse_loss, 0 .. 100 */
	U_DIST,         /* a distribution name */
	U_NUMBER,       /* units_parse_number, .min .. .max */
	U_COUNT,        /* units_parse_integer, .min .. .max */
};

struct keydef {
	const char *name;
	enum unit unit;
	unsigned bit;           /* the CON_* bit it sets */
	int needs;              /* the key the block must also give, or -1 */
	uint64_t min, max;      /* the range (U_TIME: max only) */
	const char *max_text;   /* how the maximum is written in messages */
};

static const struct keydef keys[CK_N] = {
	[CK_DELAY] = { "delay", U_TIME, CON_DELAY, -1, 0, CON_DELAY_MAX_US,
		       NULL },
	[CK_RTT] = { "rtt", U_TIME, CON_DELAY, -1, 0, CON_DELAY_MAX_US, NULL },
	[CK_JITTER] = { "jitter", U_TIME, CON_JITTER, -1, 0, CON_DELAY_MAX_US,
			NULL },
	[CK_LOSS] = { "loss", U_PCT, CON_LOSS, -1, 0, 0, NULL },
	[CK_RATE] = { "rate", U_RATE, CON_RATE, -1, 1, CON_RATE_MAX_BPS,
		      "10tbit" },
	[CK_DIST] = { "distribution", U_DIST, CON_DIST, CK_JITTER, 0, 0,
		      NULL },
	[CK_CORR] = { "correlation", U_PCT, CON_CORR, CK_JITTER, 0, 0, NULL },
	[CK_BURST] = { "loss_burst", U_NUMBER, CON_BURST, CK_LOSS, 1,
		       CON_BURST_MAX, NULL },
	[CK_QUEUE] = { "queue", U_COUNT, CON_QUEUE, -1, 1, CON_QUEUE_MAX,
		       NULL },
};

/* The canonical text's order (rtt is stored as the delay). */
static const enum constraint_key format_order[] = {
	CK_DELAY, CK_JITTER, CK_DIST, CK_CORR, CK_LOSS, CK_BURST, CK_RATE,
	CK_QUEUE,
};

static const char *const dist_names[] = {
	[DIST_NONE] = "none",
	[DIST_UNIFORM] = "uniform",
	[DIST_NORMAL] = "normal",
	[DIST_PARETO] = "pareto",
	[DIST_PARETONORMAL] = "paretonormal",
};

const char *constraint_key_name(enum constraint_key k)
{
	return (size_t)k < CK_N ? keys[k].name : "?";
}

void constraint_key_names(const char **names)
{
	size_t i;

	for (i = 0; i < CK_N; i++)
		names[i] = keys[i].name;
}

int constraint_key_find(const char *name)
{
	size_t i;

	for (i = 0; i < CK_N; i++)
		if (!strcmp(name, keys[i].name))
			return (int)i;
	return -1;
}

const char *constraint_key_expects(enum constraint_key k)
{
	static const char *const what[] = {
		[U_TIME] = "a time",
		[U_RATE] = "a rate",
		[U_PCT] = "a percentage",
		[U_DIST] = "a string",
		[U_NUMBER] = "a number",
		[U_COUNT] = "an integer",
	};

	return (size_t)k < CK_N ? what[keys[k].unit] : "?";
}

const char *constraint_dist_name(enum jitter_dist d)
{
	return (size_t)d < N_OF(dist_names) ? dist_names[d] : "?";
}

/* *ERR = the message FMT (-EINVAL), or NULL (-ENOMEM). */
static int failf(char **err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static int failf(char **err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	*err = str_vprintf(fmt, ap);
	va_end(ap);
	return *err ? -EINVAL : -ENOMEM;
}

static int set_dist(const char *name, const char *v, enum jitter_dist *out,
		    char **err)
{
	const char *const *names = dist_names + DIST_UNIFORM;
	size_t n = N_OF(dist_names) - DIST_UNIFORM, i;
	const char *hint;
	char list[128];

	for (i = 0; i < n; i++) {
		if (!strcmp(v, names[i])) {
			*out = (enum jitter_dist)(DIST_UNIFORM + i);
			return 0;
		}
	}
	hint = suggest_closest(v, names, n);
	if (hint)
		return failf(err, "unknown %s '%s' (did you mean '%s'?)", name,
			     str_show(v).s, hint);
	return failf(err, "unknown %s '%s' (expected %s)", name, str_show(v).s,
		     str_join(list, sizeof(list), names, n, " or "));
}

int constraint_set(struct constraint *c, enum constraint_key k,
		   const char *v, char **err)
{
	const struct keydef *d;
	const char *why;
	uint64_t u;
	double x;
	bool neg;

	*err = NULL;
	if ((size_t)k >= CK_N)
		return -EINVAL;
	d = &keys[k];
	switch (d->unit) {
	case U_TIME:
		if (units_parse_time(v, &u, &why))
			return failf(err, "%s %s %s", d->name, str_show(v).s, why);
		if (u > d->max)
			return failf(err, "%s %s is too large (at most %llus)",
				     d->name, str_show(v).s,
				     (unsigned long long)(d->max / 1000000));
		if (k == CK_JITTER)
			c->jitter_us = u;
		else
			c->delay_us = k == CK_RTT ? u / 2 : u;
		break;
	case U_RATE:
		if (units_parse_rate(v, &u, &why))
			return failf(err, "%s %s %s", d->name, str_show(v).s, why);
		if (u < d->min)
			return failf(err, "%s must be positive", d->name);
		if (u > d->max)
			return failf(err, "%s %s is too large (at most %s)",
				     d->name, str_show(v).s, d->max_text);
		c->rate_bps = u;
		break;
	case U_PCT:
		if (units_parse_loss(v, &x, &why))
			return failf(err, "%s %s %s", d->name, str_show(v).s, why);
		if (k == CK_LOSS)
			c->loss_pct = x;
		else
			c->corr_pct = x;
		break;
	case U_DIST:
		if (set_dist(d->name, v, &c->dist, err))
			return *err ? -EINVAL : -ENOMEM;
		break;
	case U_NUMBER:
		if (units_parse_number(v, &x))
			return failf(err, "expected a number for '%s', got '%.50s'",
				     d->name, str_show(v).s);
		if (!(x >= (double)d->min && x <= (double)d->max))
			return failf(err, "%s %s is out of range (%.15g to %.15g)",
				     d->name, str_show(v).s, (double)d->min,
				     (double)d->max);
		c->loss_burst = x;
		break;
	case U_COUNT:
		if (units_parse_integer(v, &u, &neg))
			return failf(err, "expected an integer for '%s', got '%.50s'",
				     d->name, str_show(v).s);
		if ((neg && u) || u < d->min || u > d->max)
			return failf(err, "%s %s is out of range (%llu to %llu)",
				     d->name, str_show(v).s,
				     (unsigned long long)d->min,
				     (unsigned long long)d->max);
		c->queue_pkts = (uint32_t)u;
		break;
	}
	c->set |= d->bit;
	return 0;
}

int constraint_parse_kv(struct constraint *c, const char *word,
			unsigned *given, char **err)
{
	const char *eq = strchr(word, '='), *hint;
	const char *names[CK_N];
	char key[32], list[160];
	int k = -1;

	*err = NULL;
	if (!eq)
		return failf(err, "'%s' is not KEY=VALUE (e.g. delay=20ms loss=1%%)",
			     str_show(word).s);
	if ((size_t)(eq - word) < sizeof(key)) {
		memcpy(key, word, (size_t)(eq - word));
		key[eq - word] = '\0';
		k = constraint_key_find(key);
	} else {
		snprintf(key, sizeof(key), "%.*s", (int)(sizeof(key) - 1), word);
	}
	if (k < 0) {
		constraint_key_names(names);
		hint = suggest_closest(key, names, CK_N);
		if (hint)
			return failf(err, "unknown key '%s' (did you mean '%s'?)",
				     str_show(key).s, hint);
		return failf(err, "unknown key '%s' (valid keys: %s)",
			     str_show(key).s,
			     str_join(list, sizeof(list), names, CK_N, ", "));
	}
	if (*given & (1u << k))
		return failf(err, "duplicate key '%s'", keys[k].name);
	if ((k == CK_DELAY && (*given & (1u << CK_RTT))) ||
	    (k == CK_RTT && (*given & (1u << CK_DELAY))))
		return failf(err, "give 'delay' or 'rtt', not both");
	*given |= 1u << k;
	return constraint_set(c, (enum constraint_key)k, eq + 1, err);
}

int constraint_check(const struct constraint *c, enum constraint_key *bad,
		     const char **why)
{
	static const char *const msgs[CK_N] = {
		[CK_DIST] = "distribution needs jitter",
		[CK_CORR] = "correlation needs jitter",
		[CK_BURST] = "loss_burst needs loss",
	};
	size_t i;

	for (i = 0; i < CK_N; i++) {
		if (keys[i].needs < 0 || !(c->set & keys[i].bit) ||
		    (c->set & keys[keys[i].needs].bit))
			continue;
		*bad = (enum constraint_key)i;
		*why = msgs[i];
		return -EINVAL;
	}
	return 0;
}

/* The fewest significant digits that read back as X, written without an
 * exponent (the language has none): 0.3, 12.5, 1000000. */
static void put_double(struct strbuf *sb, double x)
{
	char buf[64], *e;
	long exp10;
	int prec, dec;

	for (prec = 1; prec < 17; prec++) {
		snprintf(buf, sizeof(buf), "%.*e", prec - 1, x);
		if (strtod(buf, NULL) == x)
			break;
	}
	snprintf(buf, sizeof(buf), "%.*e", prec - 1, x);
	e = strchr(buf, 'e');
	exp10 = e ? strtol(e + 1, NULL, 10) : 0;
	dec = prec - 1 - (int)exp10;
	strbuf_addf(sb, "%.*f", dec > 0 ? dec : 0, x);
}

/* The value of K in C, as the canonical text writes it. */
static void put_value(struct strbuf *sb, const struct constraint *c,
		      enum constraint_key k)
{
	switch (k) {
	case CK_DELAY:
	case CK_RTT:
		strbuf_addf(sb, "%lluus", (unsigned long long)c->delay_us);
		break;
	case CK_JITTER:
		strbuf_addf(sb, "%lluus", (unsigned long long)c->jitter_us);
		break;
	case CK_LOSS:
		put_double(sb, c->loss_pct);
		strbuf_addc(sb, '%');
		break;
	case CK_CORR:
		put_double(sb, c->corr_pct);
		strbuf_addc(sb, '%');
		break;
	case CK_RATE:
		strbuf_addf(sb, "%llubit", (unsigned long long)c->rate_bps);
		break;
	case CK_DIST:
		strbuf_adds(sb, constraint_dist_name(c->dist));
		break;
	case CK_BURST:
		put_double(sb, c->loss_burst);
		break;
	case CK_QUEUE:
		strbuf_addf(sb, "%u", c->queue_pkts);
		break;
	case CK_N:
		break;
	}
}

void constraint_format(const struct constraint *c, struct strbuf *sb)
{
	bool first = true;
	size_t i;

	for (i = 0; i < N_OF(format_order); i++) {
		enum constraint_key k = format_order[i];

		if (!(c->set & keys[k].bit))
			continue;
		strbuf_addf(sb, "%s%s=", first ? "" : " ", keys[k].name);
		put_value(sb, c, k);
		first = false;
	}
}

int constraint_validate(const struct constraint *c, char **err)
{
	struct strbuf sb = STRBUF_INIT;
	struct constraint back = { 0 };
	enum constraint_key bad;
	const char *why;
	unsigned all = 0;
	size_t i;
	int rc = 0;

	*err = NULL;
	for (i = 0; i < CK_N; i++)
		all |= keys[i].bit;
	if (c->set & ~all)
		return failf(err, "unknown constraint fields 0x%x", c->set & ~all);
	for (i = 0; i < N_OF(format_order) && !rc; i++) {
		enum constraint_key k = format_order[i];

		if (!(c->set & keys[k].bit))
			continue;
		strbuf_reset(&sb);
		put_value(&sb, c, k);
		if (sb.err)
			rc = -ENOMEM;
		else
			rc = constraint_set(&back, k, strbuf_str(&sb), err);
	}
	strbuf_release(&sb);
	if (!rc && (c->dist != back.dist || c->corr_pct != back.corr_pct ||
		    c->loss_pct != back.loss_pct ||
		    c->loss_burst != back.loss_burst))
		rc = failf(err, "constraint fields do not read back");
	if (!rc && constraint_check(c, &bad, &why))
		rc = failf(err, "%s", why);
	return rc;
}

void constraint_apply(const struct constraint *c, struct link_params *p)
{
	if (c->set & CON_DELAY)
		p->delay_us = c->delay_us;
	if (c->set & CON_JITTER)
		p->jitter_us = c->jitter_us;
	if (c->set & CON_DIST)
		p->dist = c->dist;
	if (c->set & CON_CORR)
		p->jitter_corr_pct = c->corr_pct;
	if (c->set & CON_LOSS)
		p->loss_pct = c->loss_pct;
	if (c->set & CON_BURST)
		p->loss_burst = c->loss_burst;
	if (c->set & CON_RATE)
		p->rate_bps = c->rate_bps;
	if (c->set & CON_QUEUE)
		p->queue_pkts = c->queue_pkts;
}

void constraint_of_params(const struct link_params *p, struct constraint *c)
{
	memset(c, 0, sizeof(*c));
	if (p->delay_us) {
		c->delay_us = p->delay_us;
		c->set |= CON_DELAY;
	}
	if (p->jitter_us) {
		c->jitter_us = p->jitter_us;
		c->set |= CON_JITTER;
	}
	if (p->dist != DIST_NONE) {
		c->dist = p->dist;
		c->set |= CON_DIST;
	}
	if (p->jitter_corr_pct != 0) {
		c->corr_pct = p->jitter_corr_pct;
		c->set |= CON_CORR;
	}
	if (p->loss_pct != 0) {
		c->loss_pct = p->loss_pct;
		c->set |= CON_LOSS;
	}
	if (p->loss_burst != 0) {
		c->loss_burst = p->loss_burst;
		c->set |= CON_BURST;
	}
	if (p->rate_bps) {
		c->rate_bps = p->rate_bps;
		c->set |= CON_RATE;
	}
	if (p->queue_pkts) {
		c->queue_pkts = p->queue_pkts;
		c->set |= CON_QUEUE;
	}
}
