/* measure — all-pairs RTT against the target; see measure.h. The probe
 * runs on one endpoint per site, chosen by measure_endpoints(). */
#include "enos/measure.h"

#include <errno.h>
#include <math.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "enos/resolve.h"
#include "emulator/addr.h"
#include "emulator/trace.h"
#include "emulator/node.h"
#include "enos/state.h"
#include "workloads/probe.h"

/* Can the probe run on node N's network by entering its namespace?
 * Not on a VM (its namespace is an empty marker). */
static bool probe_can_enter(const struct world_node *n)
{
	return !n->ops->netns_empty;
}

int measure_endpoints(const struct world *w, struct measure_endpoint *ep)
{
	char prefix[WORLD_NETNS_MAX];
	size_t i, plen;

	world_netns_prefix(w->name, prefix, sizeof(prefix));
	plen = strlen(prefix);
	memset(ep, 0, w->n_sites * sizeof(*ep));
	/* Backwards, so the first node of each site is the one kept. */
	for (i = w->n_nodes; i-- > 0;) {
		const struct world_node *n = &w->nodes[i];
		struct measure_endpoint *e;

		if (n->site >= w->n_sites)
			return -EINVAL;
		e = &ep[n->site];
		e->first = n->name;
		e->first_backend = n->ops->name;
		if (probe_can_enter(n)) {
			e->node = n->name;
			e->netns = n->netns;
			e->addr = n->addr;
		}
	}
	/* A site of VMs only: its gateway, on the same LAN. */
	for (i = 0; i < w->n_sites; i++) {
		struct measure_endpoint *e = &ep[i];
		const char *gw = w->sites[i].gw_netns;

		if (e->node || !e->first)
			continue;
		e->node = strncmp(gw, prefix, plen) == 0 ? gw + plen : gw;
		e->netns = gw;
		e->addr = w->sites[i].gw_lan_addr;
		e->gateway = true;
	}
	return 0;
}

static void fill_row(struct report_rtt *r, const struct probe_pair *p)
{
	r->samples = p->sent;
	r->loss_bursts = p->loss_bursts;
	r->loss_pct = p->sent ? 100.0 * (p->sent - p->received) / p->sent : 100.0;
	if (p->received == 0) {
		/* No reply, no RTT: stored as NULL rather than 0. */
		r->min_ms = r->p50_ms = r->p90_ms = r->p99_ms = r->mean_ms = NAN;
		return;
	}
	r->min_ms = p->min_ms;
	r->p50_ms = p->p50_ms;
	r->p90_ms = p->p90_ms;
	r->p99_ms = p->p99_ms;
	r->mean_ms = p->mean_ms;
}

/* The probe from site I's endpoint to site K's (EP: measure_endpoints). */
static void site_pair(struct probe_pair *p, const struct measure_endpoint *ep,
		      size_t i, size_t k)
{
	p->src_netns = ep[i].netns;
	p->dst_netns = ep[k].netns;
	p->dst_addr = ep[k].addr;
}

/* Run the probe at real-time priority (below the wand engine's 10), so
 * its own wake-ups do not show up as WAN jitter; as before if refused. */
static int probe_rtt_rt(struct probe_pair *pairs, size_t n,
			const struct probe_opts *po)
{
	struct sched_param rt = { .sched_priority = 5 }, old_param;
	int old = sched_getscheduler(0), raised, rc;

	sched_getparam(0, &old_param);
	raised = sched_setscheduler(0, SCHED_FIFO, &rt) == 0;
	rc = probe_rtt(pairs, n, po);
	if (raised)
		sched_setscheduler(0, old, &old_param);
	return rc;
}

/* The target RTT from a node of site A to one of site B in TAB: the WAN
 * pair's, plus the LAN RTT of each side whose lan W shapes. */
static double node_target_ms(const struct world *w,
			     const struct shape_table *tab, size_t a, size_t b)
{
	double ms = resolve_target_rtt_ms(tab, a, b);

	if (w->sites[a].lan_shaped)
		ms += resolve_lan_rtt_ms(tab, a);
	if (w->sites[b].lan_shaped)
		ms += resolve_lan_rtt_ms(tab, b);
	return ms;
}

/* Append to P (from P->n) the intra-site pairs of every site whose lan
 * W shapes: its endpoint EP[i] (a node) to each other node the probe can
 * enter, and to its gateway. */
static void lan_pairs(const struct world *w, const struct shape_table *tab,
		      const struct measure_endpoint *ep, struct measure_plan *p,
		      double *max_target)
{
	char prefix[WORLD_NETNS_MAX];
	size_t i, k, plen, n = p->n;
	struct probe_pair *pairs = p->pairs;
	struct report_rtt *r = p->rows;

	world_netns_prefix(w->name, prefix, sizeof(prefix));
	plen = strlen(prefix);
	for (i = 0; i < w->n_sites; i++) {
		const struct world_site *s = &w->sites[i];

		if (!s->lan_shaped || !ep[i].netns || ep[i].gateway)
			continue;
		for (k = 0; k <= w->n_nodes; k++) {
			const struct world_node *d = k < w->n_nodes ?
						     &w->nodes[k] : NULL;

			if (d && (d->site != i || !probe_can_enter(d) ||
				  d->netns == ep[i].netns))
				continue;
			pairs[n].src_netns = ep[i].netns;
			pairs[n].dst_netns = d ? d->netns : s->gw_netns;
			pairs[n].dst_addr = d ? d->addr : s->gw_lan_addr;
			p->src[n] = p->dst[n] = i;
			r[n].src = r[n].dst = s->name;
			r[n].src_node = ep[i].node;
			r[n].dst_node = d ? d->name :
				strncmp(s->gw_netns, prefix, plen) == 0 ?
				s->gw_netns + plen : s->gw_netns;
			r[n].lan = 1;
			r[n].target_ms = tab ? resolve_lan_rtt_ms(tab, i) : NAN;
			if (!isnan(r[n].target_ms) && r[n].target_ms > *max_target)
				*max_target = r[n].target_ms;
			n++;
		}
	}
	p->n = n;
}

int measure_plan_make(const struct world *w, const struct shape_table *tab,
		      const struct measure_opts *o, struct measure_plan *p)
{
	struct measure_endpoint *ep = calloc(w->n_sites + 1, sizeof(*ep));
	/* The WAN's pairs, then at most a node or gateway per LAN pair. */
	size_t i, k, n = 0, room = w->n_sites * w->n_sites + w->n_nodes +
				   w->n_sites + 1;
	struct report_rtt *r;
	double max_target = 0;
	int rc = -ENOMEM;

	memset(p, 0, sizeof(*p));
	p->pairs = calloc(room, sizeof(*p->pairs));
	p->rows = r = calloc(room, sizeof(*p->rows));
	p->src = calloc(room, sizeof(*p->src));
	p->dst = calloc(room, sizeof(*p->dst));
	if (!ep || !p->pairs || !r || !p->src || !p->dst)
		goto out;
	rc = measure_endpoints(w, ep);
	if (rc < 0)
		goto out;
	for (i = 0; i < w->n_sites; i++) {
		for (k = 0; k < w->n_sites; k++) {
			if (i == k || !ep[i].netns || !ep[k].netns)
				continue;
			site_pair(&p->pairs[n], ep, i, k);
			p->src[n] = i;
			p->dst[n] = k;
			r[n].src = w->sites[i].name;
			r[n].dst = w->sites[k].name;
			r[n].src_node = ep[i].node;
			r[n].dst_node = ep[k].node;
			/* A pair that follows a trace has no one target:
			 * measure_series is its measurement. */
			r[n].target_ms = tab && !resolve_pair_trace(tab, i, k) ?
					 node_target_ms(w, tab, i, k) : NAN;
			r[n].cut = tab && (tab->cut[i * tab->n + k] ||
					   tab->cut[k * tab->n + i]);
			if (!isnan(r[n].target_ms) && r[n].target_ms > max_target)
				max_target = r[n].target_ms;
			n++;
		}
	}
	p->n = n;
	if (o->lan)
		lan_pairs(w, tab, ep, p, &max_target);
	p->po.samples = o->samples;
	p->po.interval_ms = o->interval_ms;
	/* Wait for the slowest reply: the longest target plus its jitter. */
	p->po.timeout_ms = 1000 + (unsigned)(2 * max_target);
	rc = 0;
out:
	free(ep);
	if (rc < 0)
		measure_plan_release(p);
	return rc;
}

/* Warm up first: the first packet of a pair waits for the gateways to
 * resolve each other's MAC across the emulated WAN (one more RTT), which
 * is neighbour discovery, not the WAN's tail. The pairs' counts are
 * zeroed after. */
static int probe_warm(struct probe_pair *pairs, size_t n,
		      const struct probe_opts *po)
{
	struct probe_opts warm = *po;
	size_t i;
	int rc;

	warm.samples = 2;
	warm.interval_ms = 10;
	rc = probe_rtt_rt(pairs, n, &warm);
	for (i = 0; i < n; i++) {
		struct probe_pair *p = &pairs[i];

		p->sent = p->received = p->duplicates = 0;
	}
	return rc;
}

int measure_probe(struct probe_pair *pairs, size_t n,
		  const struct probe_opts *po)
{
	int rc = probe_warm(pairs, n, po);

	return rc < 0 ? rc : probe_rtt_rt(pairs, n, po);
}

void measure_plan_rows(struct measure_plan *p, struct report_rtt **rows,
		       size_t *n)
{
	size_t i;

	for (i = 0; i < p->n; i++)
		fill_row(&p->rows[i], &p->pairs[i]);
	*rows = p->rows;
	*n = p->n;
	p->rows = NULL;
}

void measure_plan_release(struct measure_plan *p)
{
	free(p->pairs);
	free(p->rows);
	free(p->src);
	free(p->dst);
	memset(p, 0, sizeof(*p));
}

int measure_sites(const struct world *w, const struct shape_table *tab,
		  const struct measure_opts *o, struct report_rtt **rows,
		  size_t *n_rows)
{
	struct measure_plan p;
	int rc;

	*rows = NULL;
	*n_rows = 0;
	rc = measure_plan_make(w, tab, o, &p);
	if (rc < 0)
		return rc;
	rc = measure_probe(p.pairs, p.n, &p.po);
	if (rc == 0)
		measure_plan_rows(&p, rows, n_rows);
	measure_plan_release(&p);
	return rc;
}

/* An intra-site row R: its own metrics (lan_*), between its two hosts,
 * so the site-pair figures stay one row per ordered pair of sites. */
static void lan_store(struct state *st, int64_t run, const struct report_rtt *r)
{
	const char *s = r->src_node, *d = r->dst_node;

	state_result_add(st, run, "lan_target_rtt", s, d, r->target_ms, "ms");
	state_result_add(st, run, "lan_rtt_min", s, d, r->min_ms, "ms");
	state_result_add(st, run, "lan_rtt_p50", s, d, r->p50_ms, "ms");
	state_result_add(st, run, "lan_rtt_p99", s, d, r->p99_ms, "ms");
	state_result_add(st, run, "lan_loss", s, d, r->loss_pct, "%");
	state_result_add(st, run, "lan_samples", s, d, r->samples, "count");
}

void measure_store(struct state *st, int64_t run, const struct measure_opts *o,
		   const struct report_rtt *rows, size_t n)
{
	size_t i;

	state_result_add(st, run, "tolerance_pct", NULL, NULL, o->tolerance_pct, "%");
	state_result_add(st, run, "tolerance_ms", NULL, NULL, o->tolerance_ms, "ms");
	for (i = 0; i < n; i++) {
		const struct report_rtt *r = &rows[i];

		if (r->lan) {
			lan_store(st, run, r);
			continue;
		}
		state_result_add(st, run, "target_rtt", r->src, r->dst, r->target_ms, "ms");
		state_result_add(st, run, "rtt_min", r->src, r->dst, r->min_ms, "ms");
		state_result_add(st, run, "rtt_p50", r->src, r->dst, r->p50_ms, "ms");
		state_result_add(st, run, "rtt_p90", r->src, r->dst, r->p90_ms, "ms");
		state_result_add(st, run, "rtt_p99", r->src, r->dst, r->p99_ms, "ms");
		state_result_add(st, run, "rtt_mean", r->src, r->dst, r->mean_ms, "ms");
		state_result_add(st, run, "loss", r->src, r->dst, r->loss_pct, "%");
		state_result_add(st, run, "samples", r->src, r->dst, r->samples, "count");
		state_result_add(st, run, "loss_bursts", r->src, r->dst, r->loss_bursts, "count");
		/* Through the tunnel between two hosts: the report marks it. */
		if (r->cross_host)
			state_result_add(st, run, "cross_host", r->src, r->dst, 1, "bool");
	}
}

void measure_store_world(struct state *st, int64_t run, const struct world *w,
			 const char *topo_path)
{
	char key[96], val[96], pfx[32];
	size_t i, k, nodes;

	state_fact_add(st, run, "topology", topo_path);
	snprintf(val, sizeof(val), "%zu sites, %zu nodes", w->n_sites, w->n_nodes);
	state_fact_add(st, run, "world", val);
	for (i = 0; i < w->n_sites; i++) {
		for (k = 0, nodes = 0; k < w->n_nodes; k++)
			nodes += w->nodes[k].site == i;
		snprintf(key, sizeof(key), "site %s", w->sites[i].name);
		snprintf(val, sizeof(val), "%s, %s, %zu node%s", w->sites[i].role,
			 prefix_format(&w->sites[i].lan, pfx, sizeof(pfx)), nodes,
			 nodes == 1 ? "" : "s");
		state_fact_add(st, run, key, val);
	}
}

int measure_within(const struct measure_opts *o, const struct report_rtt *r)
{
	return report_rtt_within(r, o->tolerance_pct, o->tolerance_ms);
}

/* The longest RTT direction pair (A, B) of TAB can have, in ms: its
 * trace's largest step, or its constant delay, each way. */
static double max_rtt_ms(const struct shape_table *tab, size_t a, size_t b)
{
	size_t d, i;
	double sum = 0;

	for (d = 0; d < 2; d++) {
		size_t s = d ? b : a, t = d ? a : b;
		const struct shape_trace *st = tab->tr ? &tab->tr[s * tab->n + t] : NULL;
		uint64_t max = shape_at(tab, s, t)->delay_us;

		for (i = 0; st && st->trace && st->delay && i < st->trace->n; i++)
			if (st->trace->steps[i].delay_us > max)
				max = st->trace->steps[i].delay_us;
		sum += (double)max / 1000.0;
	}
	return sum;
}

int measure_series(const struct world *w, const struct shape_table *tab,
		   uint64_t trace_start_us, unsigned over_ms,
		   const struct measure_opts *o, struct measure_series **out,
		   size_t *n_out)
{
	struct probe_opts po = { 0 };
	struct measure_endpoint *ep = calloc(w->n_sites + 1, sizeof(*ep));
	struct probe_pair *pairs = NULL;
	struct measure_series *s = NULL;
	size_t i, k, n = 0;
	unsigned samples = over_ms / (o->interval_ms ? o->interval_ms : 1);
	double max_target = 0;
	int rc = -ENOMEM;

	*out = NULL;
	*n_out = 0;
	if (samples < 1)
		samples = 1;
	pairs = calloc(w->n_sites * w->n_sites + 1, sizeof(*pairs));
	s = calloc(w->n_sites * w->n_sites + 1, sizeof(*s));
	if (!ep || !pairs || !s)
		goto out;
	rc = measure_endpoints(w, ep);
	if (rc < 0)
		goto out;
	for (i = 0; i < w->n_sites; i++) {
		for (k = 0; k < w->n_sites; k++) {
			if (i == k || !ep[i].netns || !ep[k].netns)
				continue;
			site_pair(&pairs[n], ep, i, k);
			s[n].src = w->sites[i].name;
			s[n].dst = w->sites[k].name;
			s[n].a = i;
			s[n].b = k;
			s[n].traced = resolve_pair_trace(tab, i, k) != NULL;
			if (max_rtt_ms(tab, i, k) > max_target)
				max_target = max_rtt_ms(tab, i, k);
			n++;
		}
	}
	po.interval_ms = o->interval_ms;
	po.timeout_ms = 1000 + (unsigned)(2 * max_target);
	/* As measure_sites: the first packet of a pair resolves MACs. */
	rc = probe_warm(pairs, n, &po);
	if (rc < 0)
		goto out;
	rc = -ENOMEM;
	for (i = 0; i < n; i++) {
		struct probe_pair *p = &pairs[i];

		s[i].at_s = calloc(samples, sizeof(double));
		s[i].target_ms = calloc(samples, sizeof(double));
		s[i].rtt_ms = calloc(samples, sizeof(double));
		if (!s[i].at_s || !s[i].target_ms || !s[i].rtt_ms)
			goto out;
		p->sample_start = s[i].at_s;
		p->sample_ms = s[i].rtt_ms;
		s[i].n = samples;
	}
	po.samples = samples;
	rc = probe_rtt_rt(pairs, n, &po);
	if (rc < 0)
		goto out;
	measure_series_finish(tab, trace_start_us, o, s, n);
	*out = s;
	*n_out = n;
	s = NULL;
	rc = 0;
out:
	if (s)
		measure_series_free(s, n);
	free(ep);
	free(pairs);
	return rc;
}

void measure_series_finish(const struct shape_table *tab,
			   uint64_t trace_start_us, const struct measure_opts *o,
			   struct measure_series *s, size_t n)
{
	double t0;
	size_t i, j;

	t0 = trace_start_us ? (double)trace_start_us / 1e6 : NAN;
	for (i = 0; i < n && isnan(t0); i++)
		for (j = 0; j < s[i].n; j++)
			if (s[i].at_s[j] > 0 && (isnan(t0) || s[i].at_s[j] < t0))
				t0 = s[i].at_s[j];
	for (i = 0; i < n; i++) {
		struct measure_series *m = &s[i];
		size_t kept = 0;

		/* A probe that could not be sent (start 0) is left out. */
		for (j = 0; j < m->n; j++) {
			double at = m->at_s[j] - t0;

			if (m->at_s[j] <= 0 || at < 0)
				continue;
			m->at_s[kept] = at;
			m->rtt_ms[kept] = m->rtt_ms[j];
			m->target_ms[kept] = resolve_target_rtt_at_ms(tab, m->a, m->b,
								      (uint64_t)llround(at * 1e6));
			kept++;
		}
		m->n = kept;
		measure_series_steps(tab, o, m);
	}
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* The window [*START, *END) in us of the step of TR in force at OFF. */
static void step_window(const struct trace *tr, uint64_t off, uint64_t *start,
			uint64_t *end)
{
	uint64_t period = trace_period_us(tr), base = 0;
	size_t idx = trace_index_at(tr, off, end);

	if (tr->loop && period)
		base = off - off % period;
	*start = base + tr->steps[idx].at_us;
	if (!tr->loop && period && off >= period)
		*start = tr->steps[tr->n - 1].at_us;
}

void measure_series_steps(const struct shape_table *tab,
			  const struct measure_opts *o,
			  struct measure_series *s)
{
	const struct trace *tr = resolve_pair_trace(tab, s->a, s->b);
	double *got = calloc(s->n + 1, sizeof(*got));
	size_t i = 0, j, k;

	s->steps = s->steps_within = 0;
	s->worst_err_ms = s->worst_err_pct = NAN;
	if (!got)
		return;
	while (i < s->n) {
		uint64_t start = 0, end = UINT64_MAX, off;
		double settle_ms = 0, target = NAN;
		struct report_rtt r = { 0 };

		off = (uint64_t)llround(s->at_s[i] * 1e6);
		if (tr) {
			step_window(tr, off, &start, &end);
			if (start > 0)
				settle_ms = resolve_target_rtt_at_ms(tab, s->a, s->b,
								     start - 1);
		}
		for (j = i, k = 0; j < s->n; j++) {
			double at_us = s->at_s[j] * 1e6;

			if (tr && (at_us < (double)start || at_us >= (double)end))
				break;
			if (at_us < (double)start + settle_ms * 1000.0 ||
			    (end != UINT64_MAX &&
			     at_us + s->target_ms[j] * 1000.0 > (double)end) ||
			    isnan(s->rtt_ms[j]))
				continue;
			got[k++] = s->rtt_ms[j];
			target = s->target_ms[j];
		}
		if (j == i)
			j++;    /* a sample before its step: never, but move on */
		i = j;
		if (!k)
			continue;
		qsort(got, k, sizeof(*got), cmp_double);
		r.target_ms = target;
		r.p50_ms = k % 2 ? got[k / 2] : (got[k / 2 - 1] + got[k / 2]) / 2;
		s->steps++;
		s->steps_within += report_rtt_within(&r, o->tolerance_pct,
						     o->tolerance_ms) ? 1 : 0;
		if (isnan(s->worst_err_ms) ||
		    fabs(r.p50_ms - target) > s->worst_err_ms) {
			s->worst_err_ms = fabs(r.p50_ms - target);
			s->worst_err_pct = target > 0 ? 100.0 * s->worst_err_ms / target : 0;
		}
	}
	free(got);
}

void measure_series_store(struct state *st, int64_t run,
			  const struct measure_series *s, size_t n)
{
	size_t i, j;

	for (i = 0; i < n; i++) {
		const struct measure_series *m = &s[i];

		state_result_add(st, run, "trace_steps", m->src, m->dst, m->steps, "count");
		state_result_add(st, run, "trace_steps_within", m->src, m->dst,
				 m->steps_within, "count");
		state_result_add(st, run, "trace_step_worst_error", m->src, m->dst,
				 m->worst_err_ms, "ms");
		for (j = 0; j < m->n; j++) {
			state_result_add(st, run, "rtt_series_at", m->src, m->dst, m->at_s[j], "s");
			state_result_add(st, run, "rtt_series_target", m->src, m->dst,
					 m->target_ms[j], "ms");
			state_result_add(st, run, "rtt_series", m->src, m->dst, m->rtt_ms[j], "ms");
		}
	}
}

void measure_series_free(struct measure_series *s, size_t n)
{
	size_t i;

	for (i = 0; s && i < n; i++) {
		free(s[i].at_s);
		free(s[i].target_ms);
		free(s[i].rtt_ms);
	}
	free(s);
}
