/* topo_sites — the sites of a topology: each site as written (a group,
 * count not yet expanded), count expansion and site names, the address
 * plan (emulator/addr.h), parents, node names; and the site namespace the
 * rest of the loader resolves names and selectors in. See topo_loader.h.
 */
#include "enos/topo_loader.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emulator/addr.h"
#include "emulator/node.h"
#include "util/str.h"
#include "util/suggest.h"

enum { S_NAME, S_ROLE, S_PARENT, S_NODES, S_BACKEND, S_COUNT, S_LAN, S_HOST,
       S_PROFILE, S_N };
static const char *const site_keys[] = { "name", "role", "parent", "nodes",
					 "backend", "count", "lan", "host",
					 "profile" };

enum { ND_NAME, ND_BACKEND, ND_CPUS, ND_MEMORY, ND_CPU, ND_PIDS, ND_PROFILE,
       ND_N };
static const char *const node_keys[] = { "name", "backend", "cpus",
					 "memory", "cpu", "pids", "profile" };

/* ---- the site namespace ---- */

static int entry_cmp(const void *a, const void *b)
{
	const struct topo_entry *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	if (c)
		return c;
	return x->order < y->order ? -1 : x->order > y->order;
}

/* Sort V by name and find the duplicate whose second occurrence comes
 * first in the file: fills *FIRST and *DUP and returns true. */
bool topo_sites_duplicate(struct topo_entry *v, size_t n,
			  struct topo_entry *first, struct topo_entry *dup)
{
	bool found = false;
	size_t i;

	qsort(v, n, sizeof(*v), entry_cmp);
	for (i = 1; i < n; i++) {
		if (strcmp(v[i - 1].name, v[i].name))
			continue;
		if (i >= 2 && !strcmp(v[i - 2].name, v[i].name))
			continue;       /* not the second of its run */
		if (!found || v[i].order < dup->order) {
			*first = v[i - 1];
			*dup = v[i];
			found = true;
		}
	}
	return found;
}

const struct topo_entry *topo_sites_lookup(const struct topo_loader *L,
					   const char *name)
{
	size_t lo = 0, hi = L->n_index;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(name, L->index[mid].name);

		if (!c)
			return &L->index[mid];
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

const char *topo_sites_suggest(const struct topo_loader *L, const char *name)
{
	return suggest_closest(name, L->names, L->n_index);
}

/* A site name or counted base; "unknown WHAT 'x'" otherwise. */
int topo_sites_ref(struct topo_loader *L, const yaml_node_t *n,
		   const char *key, const char *what,
		   const struct topo_entry **out)
{
	const char *v, *hint;
	int rc = yload_str(&L->y, n, key, &v);

	if (rc)
		return rc;
	*out = topo_sites_lookup(L, v);
	if (*out)
		return 0;
	hint = topo_sites_suggest(L, v);
	if (hint)
		return yload_fail(&L->y, n, "unknown %s '%s' (did you mean '%s'?)", what,
				  yload_show(&L->y, v).s, hint);
	return yload_fail(&L->y, n, "unknown %s '%s'", what, yload_show(&L->y, v).s);
}

static bool name_ok(const char *v)
{
	size_t i;

	if (!((v[0] >= 'a' && v[0] <= 'z') || (v[0] >= '0' && v[0] <= '9')))
		return false;
	for (i = 1; v[i]; i++)
		if (!((v[i] >= 'a' && v[i] <= 'z') ||
		      (v[i] >= '0' && v[i] <= '9') || v[i] == '-'))
			return false;
	return true;
}

int topo_sites_selector(struct topo_loader *L, const yaml_node_t *n,
			const char *key, struct selector *sel)
{
	const struct topo_entry *e;
	const char *v;
	char list[64];
	int rc = yload_str(&L->y, n, key, &v);

	if (rc)
		return rc;
	memset(sel, 0, sizeof(*sel));
	sel->pos = yamldoc_pos(n);
	if (!strcmp(v, "*")) {
		sel->kind = SEL_ALL;
		return 0;
	}
	if (!strncmp(v, "role:", 5)) {
		const char *hint;
		size_t i;

		for (i = 0; i < N_OF(topo_role_names); i++) {
			if (!strcmp(v + 5, topo_role_names[i])) {
				sel->kind = SEL_ROLE;
				sel->role = (enum site_role)i;
				return 0;
			}
		}
		hint = suggest_closest(v + 5, topo_role_names,
				       N_OF(topo_role_names));
		if (hint)
			return yload_fail(&L->y, n,
					  "unknown role '%s' in selector (did you mean 'role:%s'?)",
					  yload_show(&L->y, v + 5).s, hint);
		return yload_fail(&L->y, n, "unknown role '%s' in selector (expected %s)",
				  yload_show(&L->y, v + 5).s,
				  str_join(list, sizeof(list), topo_role_names,
					   N_OF(topo_role_names), " or "));
	}
	if (!name_ok(v))
		return yload_fail(&L->y, n,
				  "bad selector '%s' (expected a site name, role:ROLE or *)",
				  yload_show(&L->y, v).s);
	rc = topo_sites_ref(L, n, key, "site", &e);
	if (rc)
		return rc;
	sel->kind = e->base ? SEL_GROUP : SEL_SITE;
	sel->site = e->site;
	sel->n_sites = e->n_sites;
	return 0;
}

/* ---- sites ---- */

/* Give ND the limits of profile P, written at AT. */
static void take_profile(struct node_spec *nd, const struct profile *p,
			 const yaml_node_t *at, const yaml_node_t *where[3])
{
	nd->cpu_milli = p ? p->cpu_milli : 0;
	nd->memory_bytes = p ? p->memory_bytes : 0;
	nd->pids = p ? p->pids : 0;
	nd->profile = p ? p->name : NULL;
	where[0] = where[1] = where[2] = at;
}

static int get_node_item(struct topo_loader *L, const yaml_node_t *item,
			 const struct topo_group *g, struct node_spec *nd)
{
	const yaml_node_t *v[ND_N], *k[ND_N], *where[3];
	const struct node_ops *backend = g->backend;
	const struct profile *prof = g->profile;
	const char *name;
	uint64_t cpus;
	int rc;

	take_profile(nd, prof, g->profile_at, where);
	rc = yload_map(&L->y, item, "each node", node_keys, ND_N, v, k);
	if (!rc)
		rc = yload_need(&L->y, item, k[ND_NAME], "name");
	if (!rc)
		rc = yload_name(&L->y, v[ND_NAME], "name", "node name", &name);
	if (!rc && yload_present(v[ND_BACKEND]))
		rc = topo_get_backend(L, v[ND_BACKEND], &backend);
	if (!rc && yload_present(v[ND_CPUS])) {
		rc = yload_uint(&L->y, v[ND_CPUS], "cpus", 1, CPUS_MAX, &cpus);
		nd->cpus = (int)cpus;
	}
	/* A node's own profile replaces its site's; its own keys then
	 * replace the profile's, one by one. */
	if (!rc && yload_present(v[ND_PROFILE])) {
		rc = topo_profiles_ref(L, v[ND_PROFILE], &prof);
		if (!rc)
			take_profile(nd, prof, v[ND_PROFILE], where);
	}
	if (!rc)
		rc = topo_profiles_limits(L, v[ND_CPU], v[ND_MEMORY], v[ND_PIDS],
					  &nd->cpu_milli, &nd->memory_bytes,
					  &nd->pids);
	if (rc)
		return rc;
	if (yload_present(v[ND_CPU]))
		where[0] = v[ND_CPU];
	if (yload_present(v[ND_MEMORY]))
		where[1] = v[ND_MEMORY];
	if (yload_present(v[ND_PIDS]))
		where[2] = v[ND_PIDS];
	rc = topo_profiles_check(L, backend, nd->cpu_milli, nd->memory_bytes,
				 nd->pids, where);
	if (rc)
		return rc;
	nd->backend = backend;
	nd->pos = yamldoc_pos(v[ND_NAME]);
	nd->name = yload_dup(&L->y, name);
	return nd->name ? 0 : -ENOMEM;
}

static int get_nodes(struct topo_loader *L, const yaml_node_t *n,
		     const yaml_node_t *count_at, struct topo_group *g)
{
	yaml_node_item_t *it;
	uint64_t v;
	size_t len, i;
	bool neg;
	int rc;

	if (n->type == YAML_SEQUENCE_NODE) {
		len = (size_t)(n->data.sequence.items.top -
			       n->data.sequence.items.start);
		if (g->counted)
			return yload_fail(&L->y, count_at,
					  "site '%s' has a node list and cannot have a count (node names must be unique)",
					  g->name);
		if (len == 0)
			return yload_fail(&L->y, n, "site '%s' needs at least one node",
					  g->name);
		if (len > NODES_MAX)
			return yload_fail(&L->y, n,
					  "site '%s' has too many nodes (%zu, at most %d)",
					  g->name, len, NODES_MAX);
		g->list = calloc(len, sizeof(*g->list));
		if (!g->list)
			return yload_nomem(&L->y);
		for (it = n->data.sequence.items.start, i = 0;
		     it < n->data.sequence.items.top; it++, i++) {
			rc = get_node_item(L, yload_node(&L->y, *it), g,
					   &g->list[i]);
			g->n_nodes = i + 1;     /* what to free */
			if (rc)
				return rc;
		}
		return 0;
	}
	if (n->type != YAML_SCALAR_NODE)
		return yload_fail(&L->y, n,
				  "expected an integer or a sequence for 'nodes', got %s",
				  yload_got(&L->y, n).s);
	rc = yload_integer(&L->y, n, "nodes", &v, &neg);
	if (rc)
		return rc;
	if (v == 0)
		return yload_fail(&L->y, n, "site '%s' needs at least one node", g->name);
	if (neg || v > NODES_MAX)
		return yload_fail(&L->y, n, "nodes %s is out of range (1 to %d: a site LAN is a bridge of at most 1024 ports)",
			    yload_show(&L->y, yamldoc_scalar(n)).s, NODES_MAX);
	g->n_nodes = (size_t)v;
	return 0;
}

static int get_group(struct topo_loader *L, const yaml_node_t *item,
		     struct topo_group *g)
{
	const yaml_node_t *v[S_N], *k[S_N];
	const yaml_node_t *lv[CK_N], *lk[CK_N];
	const char *con_keys[CK_N];
	/* The language's default: a node is a namespace. */
	const struct node_ops *backend = &node_netns_ops;
	int role = 0;
	uint64_t count = 1;
	int rc;

	rc = yload_map(&L->y, item, "each site", site_keys, S_N, v, k);
	if (!rc)
		rc = yload_need(&L->y, item, k[S_NAME], "name");
	if (!rc)
		rc = yload_name(&L->y, v[S_NAME], "name", "site name", &g->name);
	if (rc)
		return rc;
	g->name_node = v[S_NAME];
	rc = yload_need(&L->y, item, k[S_ROLE], "role");
	if (!rc)
		rc = yload_enum(&L->y, v[S_ROLE], "role", "role", topo_role_names,
				N_OF(topo_role_names), &role);
	if (!rc && yload_present(v[S_BACKEND]))
		rc = topo_get_backend(L, v[S_BACKEND], &backend);
	if (!rc && yload_present(v[S_COUNT]))
		rc = yload_uint(&L->y, v[S_COUNT], "count", 1, SITES_MAX,
				&count);
	if (rc)
		return rc;
	if (!rc && yload_present(v[S_PROFILE])) {
		rc = topo_profiles_ref(L, v[S_PROFILE], &g->profile);
		g->profile_at = v[S_PROFILE];
	}
	if (rc)
		return rc;
	g->role = (enum site_role)role;
	g->backend = backend;
	g->count = (size_t)count;
	g->counted = count >= 2;
	g->n_nodes = 1;
	if (yload_present(v[S_NODES])) {
		g->nodes = v[S_NODES];
		rc = get_nodes(L, v[S_NODES], v[S_COUNT], g);
		if (rc)
			return rc;
	}
	if (g->profile && !g->list) {
		const yaml_node_t *at[3] = { g->profile_at, g->profile_at,
					     g->profile_at };

		rc = topo_profiles_check(L, backend, g->profile->cpu_milli,
					 g->profile->memory_bytes,
					 g->profile->pids, at);
		if (rc)
			return rc;
	}
	if (yload_present(v[S_LAN])) {
		rc = yload_map(&L->y, v[S_LAN], "'lan'",
			       topo_network_keys(con_keys, NULL, 0), CK_N,
			       lv, lk);
		if (!rc)
			rc = topo_network_constraint(L, v[S_LAN], lv, lk,
						     &g->lan);
		g->has_lan = true;
		g->lan_at = v[S_LAN];
	}
	if (yload_present(v[S_PARENT]))
		g->parent = v[S_PARENT];
	if (!rc && k[S_HOST])
		g->host = v[S_HOST];    /* resolved by topo_hosts_place */
	return rc;
}

/* Expand counts into topology.sites and check the names. */
static int expand_sites(struct topo_loader *L, const yaml_node_t *sites_at)
{
	struct topology *t = L->t;
	struct topo_entry first, dup;
	char name[TOPO_NAME_MAX + 32];
	size_t total = 0, i, j, e = 0;

	for (i = 0; i < L->n_groups; i++) {
		total += L->groups[i].count;
		if (total > SITES_MAX)
			return yload_fail(&L->y, sites_at,
					  "too many sites (more than %u: the WAN is a bridge of at most 1024 ports, one per site)",
					  SITES_MAX);
	}
	t->sites = calloc(total, sizeof(*t->sites));
	L->index = calloc(total + L->n_groups, sizeof(*L->index));
	if (!t->sites || !L->index)
		return yload_nomem(&L->y);
	for (i = 0; i < L->n_groups; i++) {
		struct topo_group *g = &L->groups[i];
		struct src_pos pos = yamldoc_pos(g->name_node);

		g->first = t->n_sites;
		if (g->counted) {
			L->index[e] = (struct topo_entry){ g->name, g->first,
				g->count, true, pos, e };
			e++;
		}
		for (j = 0; j < g->count; j++) {
			struct site *s = &t->sites[t->n_sites];

			if (g->counted)
				snprintf(name, sizeof(name), "%s-%zu", g->name,
					 j + 1);
			else
				snprintf(name, sizeof(name), "%s", g->name);
			if (strlen(name) > TOPO_NAME_MAX)
				return yload_fail_at(&L->y, pos,
						     "site name '%s' is too long (at most %d characters)",
						     name, TOPO_NAME_MAX);
			s->name = yload_dup(&L->y, name);
			if (s->name && g->counted)
				s->base = yload_dup(&L->y, g->name);
			if (!s->name || (g->counted && !s->base))
				return -ENOMEM;
			s->role = g->role;
			s->parent = -1;
			s->host = -1;
			s->backend = g->backend;
			s->has_lan = g->has_lan;
			s->lan = g->lan;
			s->lan_pos = g->lan_at ? yamldoc_pos(g->lan_at) : pos;
			s->pos = pos;
			s->nodes_pos = g->nodes ? yamldoc_pos(g->nodes) : pos;
			L->index[e] = (struct topo_entry){ s->name,
				t->n_sites, 1, false, pos, e };
			e++;
			t->n_sites++;
		}
	}
	L->n_index = e;
	if (topo_sites_duplicate(L->index, e, &first, &dup))
		return yload_fail_at(&L->y, dup.pos,
				     "duplicate site '%s' (first defined at line %d)",
				     dup.name, first.pos.line);
	L->names = calloc(e, sizeof(*L->names));
	if (!L->names)
		return yload_nomem(&L->y);
	for (i = 0; i < e; i++)
		L->names[i] = L->index[i].name;
	return 0;
}

static int plan_addresses(struct topo_loader *L, const yaml_node_t *sites_at)
{
	struct topology *t = L->t;
	size_t *hosts = calloc(t->n_sites, sizeof(*hosts));
	struct prefix *out = calloc(t->n_sites, sizeof(*out));
	size_t failed = 0, i;
	int rc = -ENOMEM;

	if (!hosts || !out) {
		yload_nomem(&L->y);
		goto out;
	}
	for (i = 0; i < L->n_groups; i++) {
		const struct topo_group *g = &L->groups[i];
		size_t j;

		for (j = 0; j < g->count; j++)
			hosts[g->first + j] = g->n_nodes + 1;   /* + gateway */
	}
	rc = addr_plan_sites(hosts, t->n_sites, out, &failed);
	if (rc == -ENOSPC && failed < t->n_sites) {
		const struct site *s = &t->sites[failed];

		rc = yload_fail_at(&L->y, s->nodes_pos,
				   "site '%s' needs %zu addresses: more nodes than the address pool 198.18.0.0/16 holds",
				   s->name, hosts[failed]);
	} else if (rc == -E2BIG) {
		rc = yload_fail(&L->y, sites_at,
				"too many sites (%zu, the address plan holds at most %u)",
				t->n_sites, ADDR_MAX_SITES);
	} else if (rc) {
		rc = yload_fail(&L->y, sites_at, "cannot plan addresses: %s",
				strerror(-rc));
	}
out:
	free(hosts);
	free(out);
	return rc;
}

/* "a -> b -> a", the cycle through STACK[from..n) */
static void cycle_text(const struct topology *t, const size_t *cyc, size_t n,
		       char *buf, size_t len)
{
	size_t used = 0, i;

	buf[0] = '\0';
	for (i = 0; i <= n && used < len; i++) {
		const char *name = t->sites[cyc[i % n]].name;
		int w;

		if (i == 6 && n > 7) {
			w = snprintf(buf + used, len - used, " -> ...");
			i = n - 1;
		} else {
			w = snprintf(buf + used, len - used, "%s%s",
				     i ? " -> " : "", name);
		}
		if (w < 0)
			break;
		used += (size_t)w;
	}
}

static int resolve_parents(struct topo_loader *L)
{
	struct topology *t = L->t;
	unsigned char *state = NULL;    /* 0 new, 1 on the path, 2 done */
	size_t *path = NULL, *cyc = NULL;
	size_t *group_of = NULL;
	char text[512];
	size_t i, j;
	int rc = 0;

	for (i = 0; i < L->n_groups && !rc; i++) {
		const struct topo_group *g = &L->groups[i];
		const struct topo_entry *e;

		if (!g->parent)
			continue;
		rc = topo_sites_ref(L, g->parent, "parent", "parent site", &e);
		if (rc)
			break;
		if (e->base) {
			rc = yload_fail(&L->y, g->parent,
					"parent '%s' names %zu sites (%s-1 to %s-%zu): name one of them",
					e->name, e->n_sites, e->name, e->name,
					e->n_sites);
			break;
		}
		for (j = 0; j < g->count; j++) {
			if (e->site == g->first + j) {
				rc = yload_fail(&L->y, g->parent,
						"site '%s' cannot be its own parent",
						e->name);
				break;
			}
			t->sites[g->first + j].parent = (long)e->site;
		}
	}
	if (rc)
		goto out;
	state = calloc(t->n_sites, 1);
	path = calloc(t->n_sites, sizeof(*path));
	cyc = calloc(t->n_sites, sizeof(*cyc));
	group_of = calloc(t->n_sites, sizeof(*group_of));
	if (!state || !path || !cyc || !group_of) {
		rc = yload_nomem(&L->y);
		goto out;
	}
	for (i = 0; i < L->n_groups; i++)
		for (j = 0; j < L->groups[i].count; j++)
			group_of[L->groups[i].first + j] = i;
	for (i = 0; i < t->n_sites && !rc; i++) {
		size_t n = 0, at, k, min;
		long s = (long)i;

		while (s >= 0 && state[s] == 0) {
			state[s] = 1;
			path[n++] = (size_t)s;
			s = t->sites[s].parent;
		}
		if (s >= 0 && state[s] == 1) {
			/* The cycle starts where S is on the path; report it
			 * from its first site in file order. */
			for (at = 0; path[at] != (size_t)s; at++)
				;
			min = at;
			for (k = at; k < n; k++)
				if (path[k] < path[min])
					min = k;
			for (k = 0; k < n - at; k++)
				cyc[k] = path[at + (min - at + k) % (n - at)];
			cycle_text(t, cyc, n - at, text, sizeof(text));
			rc = yload_fail(&L->y,
					L->groups[group_of[cyc[0]]].parent,
					"parent cycle: %s", text);
		}
		for (k = 0; k < n; k++)
			state[path[k]] = 2;
	}
out:
	free(state);
	free(path);
	free(cyc);
	free(group_of);
	return rc;
}

/* Give site S the N nodes S-1 .. S-N of the count form, with profile
 * P. */
static int count_nodes(struct topo_loader *L, struct site *s, size_t n,
		       const struct profile *p)
{
	const yaml_node_t *where[3];
	char name[TOPO_NAME_MAX + 32];
	size_t k;

	s->nodes = calloc(n, sizeof(*s->nodes));
	if (!s->nodes)
		return yload_nomem(&L->y);
	s->n_nodes = n;
	for (k = 0; k < n; k++) {
		struct node_spec *nd = &s->nodes[k];

		snprintf(name, sizeof(name), "%s-%zu", s->name, k + 1);
		if (strlen(name) > TOPO_NAME_MAX)
			return yload_fail_at(&L->y, s->nodes_pos,
					     "node name '%s' is too long (at most %d characters)",
					     name, TOPO_NAME_MAX);
		nd->name = yload_dup(&L->y, name);
		if (!nd->name)
			return -ENOMEM;
		nd->backend = s->backend;
		nd->pos = s->nodes_pos;
		take_profile(nd, p, NULL, where);
	}
	return 0;
}

/* Fill in every site's nodes and check node names are unique. */
static int expand_nodes(struct topo_loader *L)
{
	struct topology *t = L->t;
	struct topo_entry *all = NULL;
	struct topo_entry first, dup;
	size_t i, j, k, e = 0;
	int rc = 0;

	for (i = 0; i < L->n_groups; i++)
		t->n_nodes += L->groups[i].count * L->groups[i].n_nodes;
	all = calloc(t->n_nodes, sizeof(*all));
	if (!all) {
		rc = yload_nomem(&L->y);
		goto out;
	}
	for (i = 0; i < L->n_groups && !rc; i++) {
		struct topo_group *g = &L->groups[i];

		for (j = 0; j < g->count && !rc; j++) {
			struct site *s = &t->sites[g->first + j];

			if (g->list) {
				s->nodes = g->list;
				s->n_nodes = g->n_nodes;
				g->list = NULL;
			} else {
				rc = count_nodes(L, s, g->n_nodes,
						 g->profile);
			}
			for (k = 0; k < s->n_nodes && !rc; k++, e++)
				all[e] = (struct topo_entry){
					s->nodes[k].name, 0, 0, false,
					s->nodes[k].pos, e };
		}
	}
	if (!rc && topo_sites_duplicate(all, e, &first, &dup))
		rc = yload_fail_at(&L->y, dup.pos,
				   "duplicate node '%s' (first defined at line %d)",
				   dup.name, first.pos.line);
out:
	free(all);
	return rc;
}

int topo_sites_load(struct topo_loader *L, const yaml_node_t *n,
		    const yaml_node_t *key)
{
	yaml_node_item_t *it;
	size_t len;
	int rc = 0;

	if (!yload_present(n))
		return yload_fail(&L->y, key,
				  "'sites' is empty: a topology needs at least one site");
	if (n->type != YAML_SEQUENCE_NODE)
		return yload_fail(&L->y, n, "expected a sequence for 'sites', got %s",
				  yload_got(&L->y, n).s);
	len = (size_t)(n->data.sequence.items.top -
		       n->data.sequence.items.start);
	if (len == 0)
		return yload_fail(&L->y, n,
				  "'sites' is empty: a topology needs at least one site");
	L->groups = calloc(len, sizeof(*L->groups));
	if (!L->groups)
		return yload_nomem(&L->y);
	for (it = n->data.sequence.items.start; it < n->data.sequence.items.top;
	     it++) {
		rc = get_group(L, yload_node(&L->y, *it),
			       &L->groups[L->n_groups++]);
		if (rc)
			return rc;
	}
	rc = expand_sites(L, key);
	if (!rc)
		rc = plan_addresses(L, key);
	if (!rc)
		rc = resolve_parents(L);
	if (!rc)
		rc = expand_nodes(L);
	return rc;
}
