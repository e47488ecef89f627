/* place — placement of service instances; see place.h. */
#include "workloads/place.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/suggest.h"
#include "util/str.h"

/* Allocate the message of a failed placement into *ERR. */
static int place_fail(char **err, int rc, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int place_fail(char **err, int rc, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	*err = str_vprintf(fmt, ap);
	va_end(ap);
	return rc;
}

/* Does selector text SEL match topology site I? */
static bool sites_match(const struct topology *t, const char *sel, size_t i)
{
	const struct site *s = &t->sites[i];

	if (!strcmp(sel, "*"))
		return true;
	if (!strncmp(sel, "role:", 5))
		return !strcmp(sel + 5, topo_role_name(s->role));
	return !strcmp(sel, s->name) || (s->base && !strcmp(sel, s->base));
}

/* A selector naming no site of T: say which names exist. */
static int unknown_site(const struct topology *t, const struct stack_rule *r,
			const char *strategy, char **err)
{
	const char **names = calloc(t->n_sites + 1, sizeof(*names));
	const char *hint = NULL;
	size_t i;

	for (i = 0; names && i < t->n_sites; i++)
		names[i] = t->sites[i].name;
	if (names && strncmp(r->sites, "role:", 5))
		hint = suggest_closest(r->sites, names, t->n_sites);
	place_fail(err, -ENOENT, "service '%s' (strategy '%s'): sites '%s' match no site of the topology%s%s%s",
		   r->service, strategy, r->sites, hint ? " (did you mean '" : "",
		   hint ? hint : "", hint ? "'?)" : "");
	free(names);
	return -ENOENT;
}

/* The world nodes of site I, in order, into NODES (capacity W->n_nodes). */
static size_t site_nodes(const struct world *w, size_t site, size_t *nodes)
{
	size_t i, n = 0;

	for (i = 0; i < w->n_nodes; i++)
		if (w->nodes[i].site == site)
			nodes[n++] = i;
	return n;
}

static int add_instance(struct placement *p, size_t *cap, const char *name,
			size_t svc, size_t node)
{
	struct place_instance *nv;
	unsigned index = (unsigned)place_count(p, svc) + 1;

	if (p->n == *cap) {
		*cap = *cap ? *cap * 2 : 16;
		nv = realloc(p->v, *cap * sizeof(*nv));
		if (!nv)
			return -ENOMEM;
		p->v = nv;
	}
	nv = &p->v[p->n++];
	snprintf(nv->name, sizeof(nv->name), "%s-%u", name, index);
	nv->service = svc;
	nv->index = index;
	nv->node = node;
	return 0;
}

/* The instances of one service by rule R (NULL: the default). */
static int place_service(const struct stack *s, size_t svc,
			 const struct stack_rule *r, const char *strategy,
			 const struct topology *t, const struct world *w,
			 struct placement *p, size_t *cap, char **err)
{
	size_t *nodes = calloc(w->n_nodes + 1, sizeof(*nodes));
	size_t *first = calloc(t->n_sites + 1, sizeof(*first));
	size_t *count = calloc(t->n_sites + 1, sizeof(*count));
	size_t n_sites = 0, total = 0, i, k, made = 0, want;
	const char *name = s->services[svc].name;
	int rc = -ENOMEM;

	if (stack_rule_omits(r)) {
		rc = 0;         /* count: 0, the strategy leaves it out */
		goto out;
	}
	if (!nodes || !first || !count)
		goto out;
	/* The matching sites, with their nodes one after the other. */
	for (i = 0; i < t->n_sites && i < w->n_sites; i++) {
		bool match = r ? sites_match(t, r->sites, i)
			       : t->sites[i].role == ROLE_CENTRAL;

		if (!match)
			continue;
		first[n_sites] = total;
		count[n_sites] = site_nodes(w, i, nodes + total);
		total += count[n_sites++];
		if (!r)
			break;
	}
	if (!r && n_sites == 0 && w->n_sites) {
		first[0] = 0;
		count[0] = site_nodes(w, 0, nodes);
		total = count[0];
		n_sites = 1;
	}
	if (n_sites == 0) {
		rc = unknown_site(t, r, strategy, err);
		goto out;
	}
	if (total == 0) {
		rc = place_fail(err, -ENOENT, "service '%s' (strategy '%s'): the sites '%s' have no node",
				name, strategy, r ? r->sites : "role:central");
		goto out;
	}
	rc = 0;
	if (r && r->per == PER_SITE) {
		for (i = 0; i < n_sites && rc == 0 && (!r->max || made < r->max); i++) {
			if (!count[i])
				continue;
			rc = add_instance(p, cap, name, svc, nodes[first[i]]);
			made++;
		}
	} else if (r && r->per == PER_NODE) {
		for (i = 0; i < total && rc == 0 && (!r->max || made < r->max); i++, made++)
			rc = add_instance(p, cap, name, svc, nodes[i]);
	} else {
		/* COUNT over the sites' nodes, round robin across sites so
		 * instances land on distinct nodes and spread over sites. */
		want = r ? r->count : 1;
		/* More than one instance of a service on a node: they would run
		 * the same command, so listen on the same ports (etcd's 2379
		 * and 2380) and the second would fail to start. */
		if (want > total) {
			rc = place_fail(err, -ERANGE,
					"%s:%d:%d: service '%s' (strategy '%s'): count %zu over the %zu node%s of sites '%s' would put two instances on one node, where they would listen on the same ports (give those sites at least %zu nodes, or a count of at most %zu)",
					s->path, r->pos.line, r->pos.col, name, strategy,
					want, total, total == 1 ? "" : "s", r->sites, want, total);
			goto out;
		}
		for (k = 0; made < want && rc == 0; k++) {
			for (i = 0; i < n_sites && made < want && rc == 0; i++) {
				size_t per;

				if (!count[i])
					continue;
				per = k % count[i];
				rc = add_instance(p, cap, name, svc,
						  nodes[first[i] + per]);
				made++;
			}
		}
	}
	if (rc == -ENOMEM)
		place_fail(err, rc, "out of memory");
out:
	if (rc == -ENOMEM && !*err)
		place_fail(err, rc, "out of memory");
	free(nodes);
	free(first);
	free(count);
	return rc;
}

int place_stack(const struct stack *s, const struct stack_strategy *st,
		const struct topology *t, const struct world *w,
		struct placement *out, char **err)
{
	size_t i, cap = 0;
	int rc = 0;

	*err = NULL;
	out->v = NULL;
	out->n = 0;
	for (i = 0; i < s->n_services && rc == 0; i++)
		rc = place_service(s, i, stack_rule_for(st, &s->services[i]),
				   st ? st->name : "default", t, w, out, &cap,
				   err);
	if (rc)
		place_release(out);
	return rc;
}

void place_release(struct placement *p)
{
	free(p->v);
	p->v = NULL;
	p->n = 0;
}

long place_first(const struct placement *p, size_t svc)
{
	size_t i;

	for (i = 0; i < p->n; i++)
		if (p->v[i].service == svc)
			return (long)i;
	return -1;
}

size_t place_count(const struct placement *p, size_t svc)
{
	size_t i, n = 0;

	for (i = 0; i < p->n; i++)
		n += p->v[i].service == svc;
	return n;
}

unsigned long long place_memory(const struct placement *p,
				const struct stack *s)
{
	unsigned long long sum = 0;
	size_t i;

	for (i = 0; i < p->n; i++)
		sum += s->services[p->v[i].service].memory_bytes;
	return sum;
}

/* How far site TO is from site FROM going up FROM's parent chain in T:
 * 0 the same site, K its K-th ancestor, or -1 (not an ancestor). */
static long ancestor_depth(const struct topology *t, size_t from, size_t to)
{
	long site = (long)from, k;

	for (k = 0; site >= 0 && t && (size_t)site < t->n_sites &&
	     k <= (long)t->n_sites; k++) {
		if ((size_t)site == to)
			return k;
		site = t->sites[site].parent;
	}
	return !t && from == to ? 0 : -1;
}

long place_near_node(const struct placement *p, const struct topology *t,
		     const struct world *w, size_t node, const size_t *svcs,
		     size_t n_svcs)
{
	const size_t site = w->nodes[node].site;
	long best = -1, best_rank = LONG_MAX, depth, rank;
	size_t k, i;

	for (k = 0; k < n_svcs; k++) {
		for (i = 0; i < p->n; i++) {
			if (p->v[i].service != svcs[k])
				continue;
			if (p->v[i].node == node) {
				rank = 0;
			} else {
				depth = ancestor_depth(t, site, w->nodes[p->v[i].node].site);
				rank = depth < 0 ? LONG_MAX - 1 : 1 + depth;
			}
			if (rank < best_rank) {
				best = (long)i;
				best_rank = rank;
			}
		}
	}
	return best;
}

long place_near(const struct placement *p, const struct topology *t,
		const struct world *w, size_t inst, const size_t *svcs,
		size_t n_svcs)
{
	return place_near_node(p, t, w, p->v[inst].node, svcs, n_svcs);
}
