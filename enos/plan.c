/* plan — topology -> world; see plan.h. */
#include "enos/plan.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "emulator/addr.h"
#include "emulator/shape.h"
#include "enos/topo.h"

static int plan_sites(const struct topology *t, struct world *w)
{
	size_t *hosts = calloc(t->n_sites ? t->n_sites : 1, sizeof(*hosts));
	struct prefix *lan = calloc(t->n_sites ? t->n_sites : 1, sizeof(*lan));
	size_t failed = 0, i;
	int rc = -ENOMEM;

	if (!hosts || !lan)
		goto out;
	for (i = 0; i < t->n_sites; i++)
		hosts[i] = t->sites[i].n_nodes + 1;     /* + its gateway */
	rc = addr_plan_sites(hosts, t->n_sites, lan, &failed);
	if (rc < 0)
		goto out;
	for (i = 0; i < t->n_sites; i++) {
		struct world_site *s = &w->sites[i];

		s->name = t->sites[i].name;
		s->role = topo_role_name(t->sites[i].role);
		s->lan = lan[i];
		s->gw_lan_addr = addr_host(&lan[i], 0);
		s->gw_wan_addr = addr_wan(i);
	}
out:
	free(hosts);
	free(lan);
	return rc;
}

static void plan_nodes(const struct topology *t, struct world *w)
{
	size_t i, k, n = 0;

	for (i = 0; i < t->n_sites; i++) {
		for (k = 0; k < t->sites[i].n_nodes; k++, n++) {
			struct world_node *node = &w->nodes[n];
			const struct node_spec *spec = &t->sites[i].nodes[k];

			node->name = spec->name;
			node->site = i;
			node->ops = spec->backend;
			node->cpus = spec->cpus > 0 ? (unsigned)spec->cpus : 0;
			node->memory_bytes = spec->memory_bytes;
			node->cpu_milli = spec->cpu_milli;
			node->pids = spec->pids;
			node->profile = spec->profile;
			node->addr = addr_host(&w->sites[i].lan, k + 1);
		}
	}
}

int plan_world(const struct topology *t, const char *tag, struct world *w)
{
	int rc;

	memset(w, 0, sizeof(*w));
	w->name = t->name;
	memcpy(w->tag, tag, WORLD_TAG_LEN);
	w->tag[WORLD_TAG_LEN] = '\0';
	w->wan.addr = ADDR_WAN_POOL;
	w->wan.plen = ADDR_WAN_PLEN;
	w->n_sites = t->n_sites;
	w->n_nodes = t->n_nodes;
	w->sites = calloc(t->n_sites ? t->n_sites : 1, sizeof(*w->sites));
	w->nodes = calloc(t->n_nodes ? t->n_nodes : 1, sizeof(*w->nodes));
	rc = -ENOMEM;
	if (!w->sites || !w->nodes)
		goto fail;
	rc = plan_sites(t, w);
	if (rc < 0)
		goto fail;
	plan_nodes(t, w);
	world_name(w);
	return 0;
fail:
	plan_release(w);
	return rc;
}

void plan_lan(const struct topology *t, const struct shape_ops *shaping,
	      struct world *w)
{
	size_t i;

	for (i = 0; i < w->n_sites; i++) {
		w->sites[i].lan_shaped = shaping && shaping->lan &&
					 i < t->n_sites && t->sites[i].has_lan;
		w->sites[i].lan_engine = w->sites[i].lan_shaped &&
					 shaping->lan_engine;
	}
}

void plan_release(struct world *w)
{
	free(w->sites);
	free(w->nodes);
	w->sites = NULL;
	w->nodes = NULL;
	w->n_sites = w->n_nodes = 0;
}
