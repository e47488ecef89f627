/* resolve — constraint resolution; see resolve.h for the precedence and
 * topologies/README.md ("Rules and precedence") for the language.
 *
 * Layers are applied in precedence order onto a fresh table, each one
 * overwriting only the fields it sets, so "field by field" needs no
 * bookkeeping: default, matrix, rules in file order.
 */
#include "enos/resolve.h"

#include "emulator/trace.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Apply C, and trace TR if not NULL, to the direction S -> D of TAB,
 * field by field: the trace gives the delay (and the loss, with a loss
 * column), starting at its first step; a block that sets the delay or the
 * loss later takes that field from a trace an earlier block gave. */
static void apply_pair(struct shape_table *tab, size_t s, size_t d,
		       const struct constraint *c, const struct trace *tr)
{
	struct link_params *p = shape_at(tab, s, d);
	struct shape_trace *st = tab->tr ? &tab->tr[s * tab->n + d] : NULL;

	constraint_apply(c, p);
	if (tr && st) {
		st->trace = tr;
		st->delay = true;
		st->loss = tr->has_loss;
		p->delay_us = tr->steps[0].delay_us;
		if (tr->has_loss)
			p->loss_pct = tr->steps[0].loss_pct;
		return;
	}
	if (!st || !st->trace)
		return;
	if (c->set & CON_DELAY)
		st->delay = false;
	if (c->set & CON_LOSS)
		st->loss = false;
	if (!st->delay && !st->loss)
		st->trace = NULL;
}

/* Apply C (and TR) to every ordered pair (s, d), s != d, with s in SRC and d in DST,
 * and with SYMMETRIC also to those with s in DST and d in SRC. Rows that
 * match neither selector are skipped whole, so a rule between two sites
 * costs O(n). */
static void apply_rule(const struct topology *t, const struct selector *src,
		       const struct selector *dst, bool symmetric,
		       const struct constraint *c, const struct trace *tr,
		       struct shape_table *tab, bool *changed)
{
	size_t n = tab->n, s, d;

	for (s = 0; s < n; s++) {
		bool fwd = topo_selector_matches(t, src, s);
		bool rev = symmetric && topo_selector_matches(t, dst, s);

		if (!fwd && !rev)
			continue;
		for (d = 0; d < n; d++) {
			if (d == s)
				continue;
			if (fwd && topo_selector_matches(t, dst, d)) {
				apply_pair(tab, s, d, c, tr);
				if (changed)
					changed[s * n + d] = true;
			}
			/* s in DST, d in SRC: the rule's reverse */
			if (rev && topo_selector_matches(t, src, d)) {
				apply_pair(tab, s, d, c, tr);
				if (changed)
					changed[s * n + d] = true;
			}
		}
	}
}

/* The matrix's delay for pair (A, B) in microseconds, or false when a cell
 * it needs is NaN (a site it does not cover). */
static bool matrix_delay(const struct matrix *m, size_t a, size_t b,
			 uint64_t *us)
{
	double ab = m->ms[a * m->n + b], ba = m->ms[b * m->n + a];

	if (m->kind == MATRIX_RTT) {
		if (isnan(ab) || isnan(ba))
			return false;
		/* mean of the two RTT cells, halved, in us: (ab+ba)/4*1000 */
		*us = (uint64_t)llround((ab + ba) * 250.0);
		return true;
	}
	if (isnan(ab))
		return false;
	*us = (uint64_t)llround(ab * 1000.0);
	return true;
}

int resolve_pairs(const struct topology *t, struct shape_table *out)
{
	return resolve_pairs_until(t, out, NULL, NULL);
}

int resolve_pairs_until(const struct topology *t, struct shape_table *out,
			bool (*stop)(void *arg), void *arg)
{
	const struct matrix *m = t->matrix;
	size_t n = t->n_sites, a, b, i;
	uint64_t us;
	int rc;

	memset(out, 0, sizeof(*out));
	rc = n ? shape_table_init(out, n) : -EINVAL;
	if (rc == 0 && topo_has_traces(t))
		rc = shape_table_traces(out);
	if (rc < 0)
		goto out;
	for (a = 0; a < n; a++) {
		for (b = 0; b < n; b++) {
			struct link_params *p = shape_at(out, a, b);

			if (a == b)
				continue;
			constraint_apply(&t->defaults, p);
			if (m && m->n == n && matrix_delay(m, a, b, &us))
				p->delay_us = us;
		}
	}
	for (i = 0; i < t->n_rules; i++) {
		if (stop && stop(arg)) {
			shape_table_release(out);
			rc = -EINTR;
			goto out;
		}
		apply_rule(t, &t->rules[i].src, &t->rules[i].dst,
			   t->rules[i].symmetric, &t->rules[i].con,
			   t->rules[i].trace, out, NULL);
	}
	resolve_lan(t, out);
	rc = 0;
out:
	/* A stop released the table; so does this for a failure after
	 * shape_table_init (which frees its own when it fails). */
	if (rc < 0)
		shape_table_release(out);
	return rc;
}

void resolve_set_sides(const bool *a, const bool *b,
		       const struct constraint *c, struct shape_table *tab,
		       bool *changed)
{
	size_t n = tab->n, s, d;

	for (s = 0; s < n; s++) {
		if (!a[s] && !b[s])
			continue;
		for (d = 0; d < n; d++) {
			if (d == s || !((a[s] && b[d]) || (b[s] && a[d])))
				continue;
			apply_pair(tab, s, d, c, NULL);
			if (changed)
				changed[s * n + d] = true;
		}
	}
}

int resolve_fault_set(const struct topology *t, const struct fault *f,
		      struct shape_table *tab, bool *changed)
{
	bool *a, *b;
	size_t i;
	int rc = -ENOMEM;

	if (f->action != FAULT_SET || tab->n != t->n_sites || !tab->p)
		return -EINVAL;
	a = calloc(t->n_sites, sizeof(*a));
	b = calloc(t->n_sites, sizeof(*b));
	if (a && b) {
		for (i = 0; i < t->n_sites; i++) {
			a[i] = topo_selector_matches(t, &f->src, i);
			b[i] = topo_selector_matches(t, &f->dst, i);
		}
		resolve_set_sides(a, b, &f->con, tab, changed);
		rc = 0;
	}
	free(a);
	free(b);
	return rc;
}

double resolve_target_rtt_ms(const struct shape_table *tab, size_t a,
			     size_t b)
{
	return (double)(shape_at(tab, a, b)->delay_us +
			shape_at(tab, b, a)->delay_us) / 1000.0;
}

void resolve_lan(const struct topology *t, struct shape_table *tab)
{
	size_t i;

	for (i = 0; i < t->n_sites && i < tab->n; i++) {
		memset(&tab->lan[i], 0, sizeof(tab->lan[i]));
		if (t->sites[i].has_lan)
			constraint_apply(&t->sites[i].lan, &tab->lan[i]);
	}
}

double resolve_lan_rtt_ms(const struct shape_table *tab, size_t a)
{
	return 2 * (double)tab->lan[a].delay_us / 1000.0;
}

double resolve_node_rtt_ms(const struct shape_table *tab, size_t a, size_t b)
{
	if (a == b)
		return resolve_lan_rtt_ms(tab, a);
	return resolve_target_rtt_ms(tab, a, b) + resolve_lan_rtt_ms(tab, a) +
	       resolve_lan_rtt_ms(tab, b);
}

/* The one-way delay of direction S -> D of TAB at OFFSET_US after the
 * traces' start, in us. */
static uint64_t delay_at(const struct shape_table *tab, size_t s, size_t d,
			 uint64_t offset_us)
{
	struct link_params p;

	shape_params_at(tab, s, d, offset_us, &p);
	return p.delay_us;
}

double resolve_target_rtt_at_ms(const struct shape_table *tab, size_t a,
				size_t b, uint64_t offset_us)
{
	uint64_t there = delay_at(tab, a, b, offset_us);

	return (double)(there + delay_at(tab, b, a, offset_us + there)) / 1000.0;
}

const struct trace *resolve_pair_trace(const struct shape_table *tab,
				       size_t a, size_t b)
{
	const struct shape_trace *ab, *ba;

	if (!tab->tr)
		return NULL;
	ab = &tab->tr[a * tab->n + b];
	ba = &tab->tr[b * tab->n + a];
	if (ab->trace && ab->delay)
		return ab->trace;
	return ba->trace && ba->delay ? ba->trace : NULL;
}
