/* topo — the topology loader (schema v1); see topo.h for the model and
 * topologies/README.md for the language.
 *
 * The loader walks the YAML document of yamltree.c along the schema, so
 * every value is checked where it is read and every error points at it.
 * Work happens in a fixed order, so the first error reported is stable:
 * top-level keys, the experiment name and seed, each site as written (a
 * "group": count not yet expanded), count expansion and site names, the
 * address plan (emulator/addr.h), parents, node names, then the network
 * (default, matrix via matrix.c, constraint rules), faults, stack and
 * workload. Quantities go through units.c, misspellings through suggest.c.
 */
#include "enos/topo.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emulator/addr.h"
#include "enos/matrix.h"
#include "util/suggest.h"
#include "util/units.h"
#include "util/yload.h"
#include "util/fs.h"
#include "util/str.h"

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

#define TOPO_FILE_MAX   (16u << 20)
#define MATRIX_FILE_MAX (256u << 20)
/* A site LAN and the WAN are Linux bridges, which hold at most 1024 ports
 * (BR_MAX_PORTS): a site's nodes plus its gateway, and one gateway per
 * site on the WAN. */
#define NODES_MAX       1023
#define SITES_MAX       1024
#define CPUS_MAX        1024
#define TIMELINE_MAX_US (30ull * 86400 * 1000000)
#define MEMORY_MAX      (1024ull << 30)         /* 1024GiB */

static const char *const role_names[] = { "central", "regional", "edge" };
static const char *const backend_names[] = { "netns", "lxc", "qemu" };
static const char *const fabric_names[] = { "bridge", "ovs" };
static const char *const shaping_names[] = { "auto", "netem", "wand", "none" };
static const char *const partition_names[] = { "shaping", "openflow" };
static const char *const kind_names[] = { "rtt", "delay" };
static const char *const action_names[] = { "partition", "heal", "set" };

/* The keys of each mapping. The constraint keys (emulator/constraint.h,
 * in enum constraint_key order) come last where they are part of a larger
 * mapping, at the offset named *_CON; with_constraint_keys() builds the
 * whole list. */
enum { T_NAME, T_SEED, T_SITES, T_NETWORK, T_FAULTS, T_STACK, T_WORKLOAD,
       T_N };
static const char *const top_keys[] = { "name", "seed", "sites", "network",
					"faults", "stack", "workload" };

enum { S_NAME, S_ROLE, S_PARENT, S_NODES, S_BACKEND, S_COUNT, S_LAN, S_N };
static const char *const site_keys[] = { "name", "role", "parent", "nodes",
					 "backend", "count", "lan" };

enum { ND_NAME, ND_BACKEND, ND_CPUS, ND_MEMORY, ND_N };
static const char *const node_keys[] = { "name", "backend", "cpus",
					 "memory" };

enum { NW_FABRIC, NW_SHAPING, NW_DEFAULT, NW_MATRIX, NW_CONSTRAINTS,
       NW_PARTITION, NW_N };
static const char *const network_keys[] = { "fabric", "shaping", "default",
					    "matrix", "constraints",
					    "partition" };

enum { M_FILE, M_KIND, M_N };
static const char *const matrix_keys[] = { "file", "kind" };

enum { R_SRC, R_DST, R_SYMMETRIC, R_CON, R_N = R_CON + CK_N };
static const char *const rule_keys[R_CON] = { "src", "dst", "symmetric" };

enum { F_AT, F_ACTION, F_SITES, F_FOR, F_SRC, F_DST, F_CON,
       F_N = F_CON + CK_N };
static const char *const fault_keys[F_CON] = { "at", "action", "sites",
					       "for", "src", "dst" };

enum { ST_NAME, ST_STRATEGY, ST_N };
static const char *const stack_keys[] = { "name", "strategy" };

/* A site as written, before `count` expands it. */
struct group {
	const char *name;               /* owned by the tree */
	const yaml_node_t *name_node;
	enum site_role role;
	enum node_backend backend;
	const yaml_node_t *parent;      /* NULL if none */
	const yaml_node_t *nodes;       /* NULL if absent (one node) */
	size_t count;
	bool counted;                   /* count given and >= 2 */
	size_t n_nodes;
	struct node_spec *list;         /* list form; moved to the site */
	bool has_lan;
	struct constraint lan;
	size_t first;                   /* its first site in topology.sites */
};

/* A name in the site namespace: a site, or the base of a counted group. */
struct entry {
	const char *name;
	size_t site;                    /* first site */
	size_t n_sites;                 /* > 1 for a base */
	bool base;
	struct src_pos pos;
	size_t order;                   /* file order, for duplicates */
};

struct loader {
	struct yload y;                 /* the document and the first error */
	const char *dir;
	struct topology *t;
	struct group *groups;
	size_t n_groups;
	struct entry *index;            /* sorted by name */
	size_t n_index;
	const char **names;             /* index names, for suggestions */
};

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

/* KEYS[0..N_OWN) followed by the constraint keys, into OUT (room for
 * N_OWN + CK_N). */
static const char **with_constraint_keys(const char **out,
					 const char *const *keys, size_t n_own)
{
	memcpy(out, keys, n_own * sizeof(*out));
	constraint_key_names(out + n_own);
	return out;
}

/* The constraint keys of mapping MAP: values VALS and keys K in enum
 * constraint_key order, each value read by constraint_set and reported
 * here with its position. `delay` and `rtt` set the same field, so one
 * written in MAP itself beats the other merged in with "<<". The shape of
 * the jitter (distribution, correlation) and of the loss (loss_burst) is
 * only given together with the jitter or the loss it shapes
 * (constraint_check): a rule that changed only the shape would silently
 * apply it to whatever jitter an earlier rule set. */
static int get_constraint(struct loader *L, const yaml_node_t *map,
			  const yaml_node_t *const *vals,
			  const yaml_node_t *const *k, struct constraint *c)
{
	const yaml_node_t *v[CK_N];
	enum constraint_key i, bad;
	const char *text, *why;
	char *msg = NULL;
	int rc = 0;

	memcpy(v, vals, sizeof(v));
	memset(c, 0, sizeof(*c));
	if (yload_present(v[CK_DELAY]) && yload_present(v[CK_RTT])) {
		bool own_delay = yload_own_key(&L->y, map, k[CK_DELAY]);
		bool own_rtt = yload_own_key(&L->y, map, k[CK_RTT]);

		if (own_delay == own_rtt)
			return yload_fail(&L->y, k[CK_RTT],
					  "give 'delay' or 'rtt', not both");
		v[own_delay ? CK_RTT : CK_DELAY] = NULL;
	}
	for (i = 0; i < CK_N && !rc; i++) {
		if (!yload_present(v[i]))
			continue;
		text = yamldoc_scalar(v[i]);
		if (!text)
			rc = yload_fail(&L->y, v[i], "expected %s for '%s', got %s",
					constraint_key_expects(i),
					constraint_key_name(i),
					yload_got(&L->y, v[i]).s);
		else
			rc = constraint_set(c, i, text, &msg);
		if (rc == -EINVAL && msg)
			yload_fail(&L->y, v[i], "%s", msg);
		else if (rc == -ENOMEM)
			yload_nomem(&L->y);
		free(msg);
		msg = NULL;
	}
	if (!rc && constraint_check(c, &bad, &why))
		rc = yload_fail(&L->y, k[bad], "%s", why);
	return rc;
}

/* ---- the site namespace ---- */

static int entry_cmp(const void *a, const void *b)
{
	const struct entry *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	if (c)
		return c;
	return x->order < y->order ? -1 : x->order > y->order;
}

/* Sort V by name and find the duplicate whose second occurrence comes
 * first in the file: fills *FIRST and *DUP and returns true. */
static bool find_duplicate(struct entry *v, size_t n, struct entry *first,
			   struct entry *dup)
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

static const struct entry *lookup(const struct loader *L, const char *name)
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

static const char *suggest_site(const struct loader *L, const char *name)
{
	return suggest_closest(name, L->names, L->n_index);
}

/* A site name or counted base; "unknown WHAT 'x'" otherwise. */
static int get_site_ref(struct loader *L, const yaml_node_t *n,
			const char *key, const char *what,
			const struct entry **out)
{
	const char *v, *hint;
	int rc = yload_str(&L->y, n, key, &v);

	if (rc)
		return rc;
	*out = lookup(L, v);
	if (*out)
		return 0;
	hint = suggest_site(L, v);
	if (hint)
		return yload_fail(&L->y, n, "unknown %s '%s' (did you mean '%s'?)", what,
			    yload_show(&L->y, v).s, hint);
	return yload_fail(&L->y, n, "unknown %s '%s'", what, yload_show(&L->y, v).s);
}

static int get_selector(struct loader *L, const yaml_node_t *n,
			const char *key, struct selector *sel)
{
	const struct entry *e;
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

		for (i = 0; i < N_OF(role_names); i++) {
			if (!strcmp(v + 5, role_names[i])) {
				sel->kind = SEL_ROLE;
				sel->role = (enum site_role)i;
				return 0;
			}
		}
		hint = suggest_closest(v + 5, role_names, N_OF(role_names));
		if (hint)
			return yload_fail(&L->y, n,
				    "unknown role '%s' in selector (did you mean 'role:%s'?)",
				    yload_show(&L->y, v + 5).s, hint);
		return yload_fail(&L->y, n, "unknown role '%s' in selector (expected %s)",
			    yload_show(&L->y, v + 5).s,
			    str_join(list, sizeof(list), role_names,
				     N_OF(role_names), " or "));
	}
	if (!name_ok(v))
		return yload_fail(&L->y, n,
			    "bad selector '%s' (expected a site name, role:ROLE or *)",
			    yload_show(&L->y, v).s);
	rc = get_site_ref(L, n, key, "site", &e);
	if (rc)
		return rc;
	sel->kind = e->base ? SEL_GROUP : SEL_SITE;
	sel->site = e->site;
	sel->n_sites = e->n_sites;
	return 0;
}

/* ---- sites ---- */

static int get_node_item(struct loader *L, const yaml_node_t *item,
			 enum node_backend backend, struct node_spec *nd)
{
	const yaml_node_t *v[ND_N], *k[ND_N];
	const char *name;
	uint64_t cpus;
	int b = (int)backend;
	int rc;

	rc = yload_map(&L->y, item, "each node", node_keys, ND_N, v, k);
	if (!rc)
		rc = yload_need(&L->y, item, k[ND_NAME], "name");
	if (!rc)
		rc = yload_name(&L->y, v[ND_NAME], "name", "node name", &name);
	if (!rc && yload_present(v[ND_BACKEND]))
		rc = yload_enum(&L->y, v[ND_BACKEND], "backend", "backend",
			      backend_names, N_OF(backend_names), &b);
	if (!rc && yload_present(v[ND_CPUS])) {
		rc = yload_uint(&L->y, v[ND_CPUS], "cpus", 1, CPUS_MAX, &cpus);
		nd->cpus = (int)cpus;
	}
	if (!rc && yload_present(v[ND_MEMORY]))
		rc = yload_memory(&L->y, v[ND_MEMORY], "memory", MEMORY_MAX,
				 &nd->memory_bytes);
	if (rc)
		return rc;
	nd->backend = (enum node_backend)b;
	nd->pos = yamldoc_pos(v[ND_NAME]);
	nd->name = yload_dup(&L->y, name);
	return nd->name ? 0 : -ENOMEM;
}

static int get_nodes(struct loader *L, const yaml_node_t *n,
		     const yaml_node_t *count_at, struct group *g)
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
			rc = get_node_item(L, yload_node(&L->y, *it), g->backend,
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

static int get_group(struct loader *L, const yaml_node_t *item,
		     struct group *g)
{
	const yaml_node_t *v[S_N], *k[S_N];
	const yaml_node_t *lv[CK_N], *lk[CK_N];
	const char *con_keys[CK_N];
	int role = 0, backend = BACKEND_NETNS;
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
		rc = yload_enum(&L->y, v[S_ROLE], "role", "role", role_names,
			      N_OF(role_names), &role);
	if (!rc && yload_present(v[S_BACKEND]))
		rc = yload_enum(&L->y, v[S_BACKEND], "backend", "backend",
			      backend_names, N_OF(backend_names), &backend);
	if (!rc && yload_present(v[S_COUNT]))
		rc = yload_uint(&L->y, v[S_COUNT], "count", 1, SITES_MAX,
			      &count);
	if (rc)
		return rc;
	g->role = (enum site_role)role;
	g->backend = (enum node_backend)backend;
	g->count = (size_t)count;
	g->counted = count >= 2;
	g->n_nodes = 1;
	if (yload_present(v[S_NODES])) {
		g->nodes = v[S_NODES];
		rc = get_nodes(L, v[S_NODES], v[S_COUNT], g);
		if (rc)
			return rc;
	}
	if (yload_present(v[S_LAN])) {
		rc = yload_map(&L->y, v[S_LAN], "'lan'",
			       with_constraint_keys(con_keys, NULL, 0), CK_N,
			       lv, lk);
		if (!rc)
			rc = get_constraint(L, v[S_LAN], lv, lk, &g->lan);
		g->has_lan = true;
	}
	if (yload_present(v[S_PARENT]))
		g->parent = v[S_PARENT];
	return rc;
}

/* Expand counts into topology.sites and check the names. */
static int expand_sites(struct loader *L, const yaml_node_t *sites_at)
{
	struct topology *t = L->t;
	struct entry first, dup;
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
		struct group *g = &L->groups[i];
		struct src_pos pos = yamldoc_pos(g->name_node);

		g->first = t->n_sites;
		if (g->counted) {
			L->index[e] = (struct entry){ g->name, g->first,
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
			if (!s->name || (g->counted &&
					 !(s->base = yload_dup(&L->y, g->name))))
				return -ENOMEM;
			s->role = g->role;
			s->parent = -1;
			s->backend = g->backend;
			s->has_lan = g->has_lan;
			s->lan = g->lan;
			s->pos = pos;
			s->nodes_pos = g->nodes ? yamldoc_pos(g->nodes) : pos;
			L->index[e] = (struct entry){ s->name, t->n_sites, 1,
				false, pos, e };
			e++;
			t->n_sites++;
		}
	}
	L->n_index = e;
	if (find_duplicate(L->index, e, &first, &dup))
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

static int plan_addresses(struct loader *L, const yaml_node_t *sites_at)
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
		const struct group *g = &L->groups[i];
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

static int resolve_parents(struct loader *L)
{
	struct topology *t = L->t;
	unsigned char *state = NULL;    /* 0 new, 1 on the path, 2 done */
	size_t *path = NULL, *cyc = NULL;
	size_t *group_of = NULL;
	char text[512];
	size_t i, j;
	int rc = 0;

	for (i = 0; i < L->n_groups && !rc; i++) {
		const struct group *g = &L->groups[i];
		const struct entry *e;

		if (!g->parent)
			continue;
		rc = get_site_ref(L, g->parent, "parent", "parent site", &e);
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
			rc = yload_fail(&L->y, L->groups[group_of[cyc[0]]].parent,
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

/* Give site S the N nodes S-1 .. S-N of the count form. */
static int count_nodes(struct loader *L, struct site *s, size_t n)
{
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
	}
	return 0;
}

/* Fill in every site's nodes and check node names are unique. */
static int expand_nodes(struct loader *L)
{
	struct topology *t = L->t;
	struct entry *all = NULL;
	struct entry first, dup;
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
		struct group *g = &L->groups[i];

		for (j = 0; j < g->count && !rc; j++) {
			struct site *s = &t->sites[g->first + j];

			if (g->list) {
				s->nodes = g->list;
				s->n_nodes = g->n_nodes;
				g->list = NULL;
			} else {
				rc = count_nodes(L, s, g->n_nodes);
			}
			for (k = 0; k < s->n_nodes && !rc; k++, e++)
				all[e] = (struct entry){ s->nodes[k].name, 0,
					0, false, s->nodes[k].pos, e };
		}
	}
	if (!rc && find_duplicate(all, e, &first, &dup))
		rc = yload_fail_at(&L->y, dup.pos,
			     "duplicate node '%s' (first defined at line %d)",
			     dup.name, first.pos.line);
out:
	free(all);
	return rc;
}

static int load_sites(struct loader *L, const yaml_node_t *n,
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
		rc = get_group(L, yload_node(&L->y, *it), &L->groups[L->n_groups++]);
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

static char *resolve_path(const char *dir, const char *file)
{
	if (!dir || file[0] == '/')
		return strdup(file);
	return str_printf("%s/%s", dir, file);
}

static int load_matrix(struct loader *L, const yaml_node_t *n)
{
	struct topology *t = L->t;
	const yaml_node_t *v[M_N], *k[M_N];
	struct matrix_file *mf = NULL;
	struct matrix *m = NULL;
	size_t *site_of = NULL;
	bool *covered = NULL;
	const char *file;
	char *text = NULL;
	size_t len = 0, i, j;
	int kind = 0;
	int rc;

	rc = yload_map(&L->y, n, "'matrix'", matrix_keys, M_N, v, k);
	if (!rc)
		rc = yload_need(&L->y, n, k[M_FILE], "file");
	if (!rc)
		rc = yload_str(&L->y, v[M_FILE], "file", &file);
	if (!rc)
		rc = yload_need(&L->y, n, k[M_KIND], "kind");
	if (!rc)
		rc = yload_enum(&L->y, v[M_KIND], "kind", "matrix kind", kind_names,
			      N_OF(kind_names), &kind);
	if (rc)
		goto out;
	if (t->n_sites > MATRIX_MAX_SITES) {
		rc = yload_fail(&L->y, n,
			  "a matrix supports at most %d sites, the topology has %zu",
			  MATRIX_MAX_SITES, t->n_sites);
		goto out;
	}
	m = calloc(1, sizeof(*m));
	if (!m || !(m->path = resolve_path(L->dir, file))) {
		rc = yload_nomem(&L->y);
		goto out;
	}
	m->kind = (enum matrix_kind)kind;
	rc = fs_read_file(m->path, MATRIX_FILE_MAX, &text, &len);
	if (rc) {
		rc = yload_fail(&L->y, v[M_FILE], "cannot read matrix file '%s': %s",
			  yload_show(&L->y, m->path).s, fs_read_error(rc));
		goto out;
	}
	mf = matrix_file_parse(text, len, m->path, &L->y.err);
	if (!mf) {
		rc = -EINVAL;
		goto out;
	}
	site_of = calloc(mf->n ? mf->n : 1, sizeof(*site_of));
	covered = calloc(t->n_sites ? t->n_sites : 1, sizeof(*covered));
	m->n = t->n_sites;
	m->ms = calloc(m->n * m->n, sizeof(*m->ms));     /* n >= 1 */
	if (!site_of || !covered || !m->ms) {
		rc = yload_nomem(&L->y);
		goto out;
	}
	for (i = 0; i < mf->n; i++) {
		const struct entry *e = lookup(L, mf->names[i]);
		const char *hint;

		if (e && !e->base) {
			site_of[i] = e->site;
			covered[e->site] = true;
			continue;
		}
		hint = suggest_site(L, mf->names[i]);
		if (hint)
			rc = yload_fail_in(&L->y, m->path, mf->name_pos[i],
				     "matrix site '%s' matches no site in the topology (did you mean '%s'?)",
				     yload_show(&L->y, mf->names[i]).s, hint);
		else
			rc = yload_fail_in(&L->y, m->path, mf->name_pos[i],
				     "matrix site '%s' matches no site in the topology",
				     yload_show(&L->y, mf->names[i]).s);
		goto out;
	}
	for (i = 0; i < t->n_sites; i++) {
		if (!covered[i] && !(t->defaults.set & CON_DELAY)) {
			rc = yload_fail_at(&L->y, t->sites[i].pos,
				     "matrix does not cover site '%s' and network.default gives no delay",
				     t->sites[i].name);
			goto out;
		}
	}
	for (i = 0; i < m->n * m->n; i++)
		m->ms[i] = NAN;
	for (i = 0; i < mf->n; i++)
		for (j = 0; j < mf->n; j++)
			m->ms[site_of[i] * m->n + site_of[j]] =
				mf->ms[i * mf->n + j];
	t->matrix = m;
	m = NULL;
out:
	matrix_free(m);
	matrix_file_free(mf);
	free(text);
	free(site_of);
	free(covered);
	return rc;
}

static int get_rule(struct loader *L, const yaml_node_t *item,
		    struct constraint_rule *r)
{
	const yaml_node_t *v[R_N], *k[R_N];
	const char *keys[R_N];
	int rc;

	r->symmetric = true;
	r->pos = yamldoc_pos(item);
	rc = yload_map(&L->y, item, "each constraint",
		       with_constraint_keys(keys, rule_keys, R_CON), R_N, v, k);
	if (!rc)
		rc = yload_need(&L->y, item, k[R_SRC], "src");
	if (!rc)
		rc = get_selector(L, v[R_SRC], "src", &r->src);
	if (!rc)
		rc = yload_need(&L->y, item, k[R_DST], "dst");
	if (!rc)
		rc = get_selector(L, v[R_DST], "dst", &r->dst);
	if (!rc && yload_present(v[R_SYMMETRIC]))
		rc = yload_bool(&L->y, v[R_SYMMETRIC], "symmetric", &r->symmetric);
	if (!rc)
		rc = get_constraint(L, item, v + R_CON, k + R_CON, &r->con);
	if (!rc && !r->con.set)
		rc = yload_fail(&L->y, item,
			  "constraint sets nothing (give delay, rtt, jitter, loss or rate)");
	return rc;
}

static int load_rules(struct loader *L, const yaml_node_t *n)
{
	struct topology *t = L->t;
	yaml_node_item_t *it;
	size_t len;
	int rc = 0;

	if (n->type != YAML_SEQUENCE_NODE)
		return yload_fail(&L->y, n, "expected a sequence for 'constraints', got %s",
			    yload_got(&L->y, n).s);
	len = (size_t)(n->data.sequence.items.top -
		       n->data.sequence.items.start);
	t->rules = calloc(len ? len : 1, sizeof(*t->rules));
	if (!t->rules)
		return yload_nomem(&L->y);
	for (it = n->data.sequence.items.start;
	     it < n->data.sequence.items.top && !rc; it++)
		rc = get_rule(L, yload_node(&L->y, *it), &t->rules[t->n_rules++]);
	return rc;
}

static int load_network(struct loader *L, const yaml_node_t *n)
{
	struct topology *t = L->t;
	const yaml_node_t *v[NW_N], *k[NW_N];
	const yaml_node_t *dv[CK_N], *dk[CK_N];
	const char *con_keys[CK_N];
	int fabric = FABRIC_BRIDGE, shaping = SHAPING_AUTO;
	int partition = PARTITION_SHAPING;
	int rc;

	rc = yload_map(&L->y, n, "'network'", network_keys, NW_N, v, k);
	if (!rc && yload_present(v[NW_FABRIC]))
		rc = yload_enum(&L->y, v[NW_FABRIC], "fabric", "fabric",
			      fabric_names, N_OF(fabric_names), &fabric);
	if (!rc && yload_present(v[NW_SHAPING]))
		rc = yload_enum(&L->y, v[NW_SHAPING], "shaping", "shaping",
			      shaping_names, N_OF(shaping_names), &shaping);
	if (!rc && yload_present(v[NW_PARTITION]))
		rc = yload_enum(&L->y, v[NW_PARTITION], "partition", "partition",
			      partition_names, N_OF(partition_names),
			      &partition);
	/* Drop rules need OpenFlow switches. */
	if (!rc && partition == PARTITION_OPENFLOW && fabric != FABRIC_OVS)
		rc = yload_fail(&L->y, v[NW_PARTITION], "partition 'openflow' needs 'fabric: ovs' (the fabric is '%s')",
			  fabric_names[fabric]);
	t->fabric = (enum fabric_kind)fabric;
	t->shaping = (enum shaping_kind)shaping;
	t->partition = (enum partition_kind)partition;
	if (!rc && yload_present(v[NW_DEFAULT])) {
		rc = yload_map(&L->y, v[NW_DEFAULT], "'default'",
			       with_constraint_keys(con_keys, NULL, 0), CK_N, dv,
			     dk);
		if (!rc)
			rc = get_constraint(L, v[NW_DEFAULT], dv, dk,
					    &t->defaults);
	}
	if (!rc && yload_present(v[NW_MATRIX]))
		rc = load_matrix(L, v[NW_MATRIX]);
	if (!rc && yload_present(v[NW_CONSTRAINTS]))
		rc = load_rules(L, v[NW_CONSTRAINTS]);
	return rc;
}

/* ---- faults, stack, workload ---- */

/* Which fault keys each action takes. */
static bool fault_key_applies(enum fault_action a, size_t key)
{
	switch (key) {
	case F_AT:
	case F_ACTION:
		return true;
	case F_SITES:
		return a != FAULT_SET;
	case F_FOR:
		return a == FAULT_PARTITION;
	default:
		return a == FAULT_SET;  /* src, dst, constraint keys */
	}
}

static int get_fault_sites(struct loader *L, const yaml_node_t *n,
			   struct fault *f)
{
	bool *in = NULL;
	yaml_node_item_t *it;
	size_t i;
	int rc = 0;

	if (n->type != YAML_SEQUENCE_NODE)
		return yload_fail(&L->y, n, "expected a sequence for 'sites', got %s",
			    yload_got(&L->y, n).s);
	if (n->data.sequence.items.top == n->data.sequence.items.start)
		return yload_fail(&L->y, n, "'sites' is empty: name at least one site");
	in = calloc(L->t->n_sites, sizeof(*in));
	if (!in)
		return yload_nomem(&L->y);
	for (it = n->data.sequence.items.start;
	     it < n->data.sequence.items.top && !rc; it++) {
		const struct entry *e;

		rc = get_site_ref(L, yload_node(&L->y, *it), "sites", "site", &e);
		for (i = 0; !rc && i < e->n_sites; i++) {
			f->n_sites += !in[e->site + i];
			in[e->site + i] = true;
		}
	}
	if (!rc) {
		f->sites = calloc(f->n_sites, sizeof(*f->sites));
		if (!f->sites)
			rc = yload_nomem(&L->y);
	}
	for (i = 0, f->n_sites = 0; !rc && i < L->t->n_sites; i++)
		if (in[i])
			f->sites[f->n_sites++] = i;
	free(in);
	return rc;
}

static int get_fault(struct loader *L, const yaml_node_t *item,
		     struct fault *f)
{
	const yaml_node_t *v[F_N], *k[F_N];
	const char *keys[F_N];
	int action = 0;
	size_t i;
	int rc;

	f->pos = yamldoc_pos(item);
	rc = yload_map(&L->y, item, "each fault",
		       with_constraint_keys(keys, fault_keys, F_CON), F_N, v, k);
	if (!rc)
		rc = yload_need(&L->y, item, k[F_AT], "at");
	if (!rc)
		rc = yload_time(&L->y, v[F_AT], "at", TIMELINE_MAX_US, &f->at_us);
	if (!rc)
		rc = yload_need(&L->y, item, k[F_ACTION], "action");
	if (!rc)
		rc = yload_enum(&L->y, v[F_ACTION], "action", "fault action",
			      action_names, N_OF(action_names), &action);
	if (rc)
		return rc;
	f->action = (enum fault_action)action;
	for (i = 0; i < F_N; i++)
		if (k[i] && !fault_key_applies(f->action, i))
			return yload_fail(&L->y, k[i],
				    "key '%s' does not apply to action '%s'",
				    keys[i], action_names[action]);
	if (f->action == FAULT_SET) {
		rc = yload_need(&L->y, item, k[F_SRC], "src");
		if (!rc)
			rc = get_selector(L, v[F_SRC], "src", &f->src);
		if (!rc)
			rc = yload_need(&L->y, item, k[F_DST], "dst");
		if (!rc)
			rc = get_selector(L, v[F_DST], "dst", &f->dst);
		if (!rc)
			rc = get_constraint(L, item, v + F_CON, k + F_CON,
					    &f->con);
		if (!rc && !f->con.set)
			rc = yload_fail(&L->y, item,
				  "fault 'set' changes nothing (give delay, rtt, jitter, loss or rate)");
		return rc;
	}
	rc = yload_need(&L->y, item, k[F_SITES], "sites");
	if (!rc && !yload_present(v[F_SITES]))
		rc = yload_fail(&L->y, k[F_SITES],
			  "'sites' is empty: name at least one site");
	if (!rc)
		rc = get_fault_sites(L, v[F_SITES], f);
	if (!rc && yload_present(v[F_FOR])) {
		rc = yload_time(&L->y, v[F_FOR], "for", TIMELINE_MAX_US, &f->for_us);
		f->has_for = true;
	}
	return rc;
}

static int load_faults(struct loader *L, const yaml_node_t *n)
{
	struct topology *t = L->t;
	yaml_node_item_t *it;
	size_t len;
	int rc = 0;

	if (n->type != YAML_SEQUENCE_NODE)
		return yload_fail(&L->y, n, "expected a sequence for 'faults', got %s",
			    yload_got(&L->y, n).s);
	len = (size_t)(n->data.sequence.items.top -
		       n->data.sequence.items.start);
	t->faults = calloc(len ? len : 1, sizeof(*t->faults));
	if (!t->faults)
		return yload_nomem(&L->y);
	for (it = n->data.sequence.items.start;
	     it < n->data.sequence.items.top && !rc; it++)
		rc = get_fault(L, yload_node(&L->y, *it), &t->faults[t->n_faults++]);
	return rc;
}

static int load_stack(struct loader *L, const yaml_node_t *n)
{
	const yaml_node_t *v[ST_N], *k[ST_N];
	const char *name, *strategy = NULL;
	int rc;

	rc = yload_map(&L->y, n, "'stack'", stack_keys, ST_N, v, k);
	if (!rc)
		rc = yload_need(&L->y, n, k[ST_NAME], "name");
	if (!rc)
		rc = yload_name(&L->y, v[ST_NAME], "name", "stack name", &name);
	if (!rc && yload_present(v[ST_STRATEGY]))
		rc = yload_name(&L->y, v[ST_STRATEGY], "strategy",
			      "placement strategy", &strategy);
	if (rc)
		return rc;
	L->t->stack_name = yload_dup(&L->y, name);
	if (L->t->stack_name && strategy)
		L->t->stack_strategy = yload_dup(&L->y, strategy);
	if (!L->t->stack_name || (strategy && !L->t->stack_strategy))
		return -ENOMEM;
	return 0;
}

static int load_workload(struct loader *L, const yaml_node_t *n)
{
	struct topology *t = L->t;
	struct entry *keys = NULL;
	struct entry first, dup;
	yaml_node_pair_t *p;
	const yaml_node_t *name_at = NULL;
	const char *name;
	size_t len, e = 0;
	int rc = 0;

	if (n->type != YAML_MAPPING_NODE)
		return yload_fail(&L->y, n, "expected a mapping for 'workload', got %s",
			    yload_got(&L->y, n).s);
	len = (size_t)(n->data.mapping.pairs.top - n->data.mapping.pairs.start);
	keys = calloc(len ? len : 1, sizeof(*keys));
	t->workload_params = calloc(len ? len : 1, sizeof(*t->workload_params));
	if (!keys || !t->workload_params) {
		rc = yload_nomem(&L->y);
		goto out;
	}
	for (p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top;
	     p++) {
		const yaml_node_t *k = yload_node(&L->y, p->key);
		const yaml_node_t *v = yload_node(&L->y, p->value);
		const char *ks = yamldoc_scalar(k);
		struct kv *kv;

		if (!ks || !*ks || yamldoc_is_null(k)) {
			rc = yload_fail(&L->y, k, "expected a string key, got %s",
				  yload_got(&L->y, k).s);
			goto out;
		}
		keys[e] = (struct entry){ ks, 0, 0, false, yamldoc_pos(k),
			e };
		e++;
		if (!strcmp(ks, "name")) {
			name_at = v;
			continue;
		}
		if (!yamldoc_scalar(v) || yamldoc_is_null(v)) {
			rc = yload_fail(&L->y, v,
				  "expected a value for workload parameter '%s', got %s",
				  yload_show(&L->y, ks).s, yload_got(&L->y, v).s);
			goto out;
		}
		kv = &t->workload_params[t->n_workload_params++];
		kv->key = yload_dup(&L->y, ks);
		kv->value = kv->key ? yload_dup(&L->y, yamldoc_scalar(v)) : NULL;
		if (!kv->value) {
			rc = -ENOMEM;
			goto out;
		}
	}
	if (find_duplicate(keys, e, &first, &dup)) {
		rc = yload_fail_at(&L->y, dup.pos, "duplicate key '%s'", yload_show(&L->y, dup.name).s);
		goto out;
	}
	rc = name_at ? 0 : yload_fail(&L->y, n, "missing key 'name'");
	if (!rc)
		rc = yload_name(&L->y, name_at, "name", "workload name", &name);
	if (!rc) {
		t->workload_name = yload_dup(&L->y, name);
		if (!t->workload_name)
			rc = -ENOMEM;
	}
out:
	free(keys);
	return rc;
}

static int load_top(struct loader *L)
{
	struct topology *t = L->t;
	const yaml_node_t *root = yamldoc_root(L->y.doc);
	const yaml_node_t *v[T_N], *k[T_N];
	const char *name;
	int rc;

	if (!root)
		return yload_fail_at(&L->y, (struct src_pos){ 1, 1 },
			       "empty topology (expected a mapping with 'name' and 'sites')");
	if (root->type != YAML_MAPPING_NODE)
		return yload_fail(&L->y, root,
			    "expected a mapping at the top level, got %s",
			    yload_got(&L->y, root).s);
	rc = yload_map(&L->y, root, "the topology", top_keys, T_N, v, k);
	if (!rc)
		rc = yload_need(&L->y, root, k[T_NAME], "name");
	if (!rc)
		rc = yload_name(&L->y, v[T_NAME], "name", "experiment name", &name);
	if (!rc && !(t->name = yload_dup(&L->y, name)))
		rc = -ENOMEM;
	if (!rc && yload_present(v[T_SEED])) {
		rc = yload_uint(&L->y, v[T_SEED], "seed", 0, UINT64_MAX, &t->seed);
		t->has_seed = true;
	}
	if (!rc)
		rc = yload_need(&L->y, root, k[T_SITES], "sites");
	if (!rc)
		rc = load_sites(L, v[T_SITES], k[T_SITES]);
	if (!rc && yload_present(v[T_NETWORK]))
		rc = load_network(L, v[T_NETWORK]);
	if (!rc && yload_present(v[T_FAULTS]))
		rc = load_faults(L, v[T_FAULTS]);
	if (!rc && yload_present(v[T_STACK]))
		rc = load_stack(L, v[T_STACK]);
	if (!rc && yload_present(v[T_WORKLOAD]))
		rc = load_workload(L, v[T_WORKLOAD]);
	return rc;
}

static void groups_free(struct group *g, size_t n)
{
	size_t i, j;

	for (i = 0; g && i < n; i++) {
		for (j = 0; g[i].list && j < g[i].n_nodes; j++)
			free(g[i].list[j].name);
		free(g[i].list);
	}
	free(g);
}

static struct topology *load(const char *text, size_t len, const char *label,
			     const char *dir, char **err)
{
	struct loader L = {
		.y = { .label = label, .flags = YLOAD_MERGE_KEYS,
		       .name_max = TOPO_NAME_MAX },
		.dir = dir,
	};
	int rc;

	*err = NULL;
	rc = yload_parse(&L.y, text, len);
	if (rc)
		goto out;
	L.t = calloc(1, sizeof(*L.t));
	if (!L.t || !(L.t->path = strdup(label))) {
		rc = yload_nomem(&L.y);
		goto out;
	}
	rc = load_top(&L);
out:
	groups_free(L.groups, L.n_groups);
	free(L.index);
	free(L.names);
	if (rc) {
		topo_free(L.t);
		L.t = NULL;
		*err = L.y.err ? L.y.err : strdup("out of memory");
		L.y.err = NULL;
	}
	yload_release(&L.y);
	return L.t;
}

struct topology *topo_load_string(const char *text, const char *label,
				  const char *dir, char **err)
{
	return load(text, strlen(text), label, dir, err);
}

struct topology *topo_load(const char *path, char **err)
{
	struct topology *t = NULL;
	const char *slash = strrchr(path, '/');
	char *dir = NULL;
	char *text = NULL;
	size_t len = 0;
	int rc;

	*err = NULL;
	rc = fs_read_file(path, TOPO_FILE_MAX, &text, &len);
	if (rc) {
		*err = str_printf("cannot read topology '%s': %s", path,
				  fs_read_error(rc));
		goto out;
	}
	if (slash) {
		dir = slash == path ? strdup("/")
				    : strndup(path, (size_t)(slash - path));
		if (!dir) {
			*err = strdup("out of memory");
			goto out;
		}
	}
	t = load(text, len, path, dir, err);
out:
	free(text);
	free(dir);
	return t;
}

void topo_free(struct topology *t)
{
	size_t i, j;

	if (!t)
		return;
	for (i = 0; t->sites && i < t->n_sites; i++) {
		for (j = 0; t->sites[i].nodes && j < t->sites[i].n_nodes; j++)
			free(t->sites[i].nodes[j].name);
		free(t->sites[i].nodes);
		free(t->sites[i].name);
		free(t->sites[i].base);
	}
	free(t->sites);
	matrix_free(t->matrix);
	free(t->rules);
	for (i = 0; t->faults && i < t->n_faults; i++)
		free(t->faults[i].sites);
	free(t->faults);
	free(t->stack_name);
	free(t->stack_strategy);
	free(t->workload_name);
	for (i = 0; t->workload_params && i < t->n_workload_params; i++) {
		free(t->workload_params[i].key);
		free(t->workload_params[i].value);
	}
	free(t->workload_params);
	free(t->path);
	free(t->name);
	free(t);
}

const char *topo_role_name(enum site_role r)
{
	return (size_t)r < N_OF(role_names) ? role_names[r] : "?";
}

const char *topo_backend_name(enum node_backend b)
{
	return (size_t)b < N_OF(backend_names) ? backend_names[b] : "?";
}

const char *topo_fabric_name(enum fabric_kind f)
{
	return (size_t)f < N_OF(fabric_names) ? fabric_names[f] : "?";
}

const char *topo_partition_name(enum partition_kind p)
{
	return (size_t)p < N_OF(partition_names) ? partition_names[p] : "?";
}

const char *topo_shaping_name(enum shaping_kind s)
{
	return (size_t)s < N_OF(shaping_names) ? shaping_names[s] : "?";
}

long topo_site_index(const struct topology *t, const char *name)
{
	size_t i;

	for (i = 0; i < t->n_sites; i++)
		if (!strcmp(t->sites[i].name, name))
			return (long)i;
	return -1;
}

bool topo_selector_matches(const struct topology *t,
			   const struct selector *sel, size_t site)
{
	if (site >= t->n_sites)
		return false;
	switch (sel->kind) {
	case SEL_ALL:
		return true;
	case SEL_ROLE:
		return t->sites[site].role == sel->role;
	case SEL_SITE:
		return site == sel->site;
	case SEL_GROUP:
		return site >= sel->site && site - sel->site < sel->n_sites;
	}
	return false;
}
