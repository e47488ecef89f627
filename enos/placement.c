/* placement — sites to hosts; see placement.h. */
#include "enos/placement.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct weighted {
	size_t site;
	uint64_t load;
	size_t nodes;
};

/* Heaviest first; then more nodes; then file order. */
static int weighted_cmp(const void *a, const void *b)
{
	const struct weighted *x = a, *y = b;

	if (x->load != y->load)
		return x->load > y->load ? -1 : 1;
	if (x->nodes != y->nodes)
		return x->nodes > y->nodes ? -1 : 1;
	return x->site < y->site ? -1 : x->site > y->site;
}

/* Is LOAD_A / W_A < LOAD_B / W_B, without dividing? */
static bool lighter(long double load_a, long double w_a, long double load_b,
		    long double w_b)
{
	return load_a * w_b < load_b * w_a;
}

int placement_compute(const struct topology *t, struct placement *p)
{
	struct weighted *todo = NULL;
	long double *load = NULL, *weight = NULL;
	size_t n_hosts = t->n_hosts ? t->n_hosts : 1, n_todo = 0, i, h;
	bool all_declared = t->n_hosts > 0;
	int rc = -ENOMEM;

	memset(p, 0, sizeof(*p));
	p->host_of = calloc(t->n_sites ? t->n_sites : 1, sizeof(*p->host_of));
	p->hosts = calloc(n_hosts, sizeof(*p->hosts));
	todo = calloc(t->n_sites ? t->n_sites : 1, sizeof(*todo));
	load = calloc(n_hosts, sizeof(*load));
	weight = calloc(n_hosts, sizeof(*weight));
	if (!p->host_of || !p->hosts || !todo || !load || !weight)
		goto out;
	p->n_hosts = n_hosts;
	for (h = 0; h < t->n_hosts; h++)
		if (!t->hosts[h].memory_bytes)
			all_declared = false;
	for (h = 0; h < n_hosts; h++) {
		p->hosts[h].decl = t->n_hosts ? &t->hosts[h] : NULL;
		p->hosts[h].name = t->n_hosts ? t->hosts[h].name : PLACEMENT_LOCAL;
		weight[h] = all_declared ? (long double)t->hosts[h].memory_bytes : 1;
	}
	for (i = 0; i < t->n_sites; i++) {
		long pin = t->sites[i].host;

		/* One host (declared or implicit) holds every site. */
		if (pin < 0 && n_hosts == 1)
			pin = 0;
		if (pin >= 0 && (size_t)pin < n_hosts) {
			p->host_of[i] = (size_t)pin;
			load[pin] += (long double)capacity_site_memory(t, i);
			p->hosts[pin].n_pinned += t->sites[i].host >= 0;
			continue;
		}
		todo[n_todo++] = (struct weighted){ i,
			capacity_site_memory(t, i), t->sites[i].n_nodes };
	}
	qsort(todo, n_todo, sizeof(*todo), weighted_cmp);
	for (i = 0; i < n_todo; i++) {
		size_t best = 0;

		for (h = 1; h < n_hosts; h++)
			if (lighter(load[h] + (long double)todo[i].load, weight[h],
				    load[best] + (long double)todo[i].load,
				    weight[best]))
				best = h;
		p->host_of[todo[i].site] = best;
		load[best] += (long double)todo[i].load;
	}
	for (h = 0; h < n_hosts; h++) {
		capacity_estimate_part(t, p->host_of, h, &p->hosts[h].need);
		p->hosts[h].n_sites = p->hosts[h].need.sites;
	}
	rc = 0;
out:
	free(todo);
	free(load);
	free(weight);
	if (rc)
		placement_release(p);
	return rc;
}

void placement_release(struct placement *p)
{
	if (!p)
		return;
	free(p->host_of);
	free(p->hosts);
	memset(p, 0, sizeof(*p));
}

int placement_fits(const struct placement *p, size_t h, uint64_t avail,
		   const char *avail_word, long cores, char *msg, size_t len)
{
	return capacity_check_named(&p->hosts[h].need, "its part", avail,
				    avail_word, cores, msg, len);
}
