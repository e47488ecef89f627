/* topo_faults — the `faults` timeline of a topology: partitions, heals
 * and sets at their times, and the node faults (cpu, memory, freeze, thaw,
 * crash, stress on one `node:`), each key checked against its action. A
 * set's fields are a constraint block (topo_network_constraint); a node
 * fault's cpu and memory follow the rules of profiles (topo_cpu_parse).
 * See topo_loader.h; enos/timeline.c runs the timeline.
 *
 *   faults:
 *     - {at: 5s, action: freeze, node: edge-1-0, for: 10s}
 *     - {at: 0s, action: cpu, node: edge-1-0, cpu: 0.1}
 *     - {at: 0s, action: stress, node: edge-1-0, cpu: 2}   # 2 workers
 */
#include "enos/topo_loader.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "emulator/node.h"
#include "util/suggest.h"

/* In enum fault_action's order. */
static const char *const action_names[] = { "partition", "heal", "set",
					    "cpu", "memory", "freeze", "thaw",
					    "crash", "stress" };

/* The constraint keys come last, at F_CON (topo_network_keys builds the
 * whole list). */
enum { F_AT, F_ACTION, F_SITES, F_FOR, F_SRC, F_DST, F_NODE, F_CPU,
       F_MEMORY, F_CON, F_N = F_CON + CK_N };
static const char *const fault_keys[F_CON] = { "at", "action", "sites",
					       "for", "src", "dst", "node",
					       "cpu", "memory" };

static bool is_node_action(enum fault_action a)
{
	return a >= FAULT_CPU;
}

/* Which fault keys each action takes. */
static bool fault_key_applies(enum fault_action a, size_t key)
{
	switch (key) {
	case F_AT:
	case F_ACTION:
		return true;
	case F_SITES:
		return a == FAULT_PARTITION || a == FAULT_HEAL;
	case F_FOR:
		return a == FAULT_PARTITION || a == FAULT_CPU ||
		       a == FAULT_MEMORY || a == FAULT_FREEZE ||
		       a == FAULT_STRESS;
	case F_NODE:
		return is_node_action(a);
	case F_CPU:
		return a == FAULT_CPU || a == FAULT_STRESS;
	case F_MEMORY:
		return a == FAULT_MEMORY;
	default:
		return a == FAULT_SET;  /* src, dst, constraint keys */
	}
}

/* The node named by N ("unknown node 'x' (did you mean 'y'?)"). */
static int get_fault_node(struct topo_loader *L, const yaml_node_t *n,
			  const struct node_spec **out)
{
	const char *v = yamldoc_scalar(n), *best = NULL, **names = NULL;
	size_t i, j, k = 0, total = 0;
	int rc;

	if (!v || yamldoc_is_null(n))
		return yload_fail(&L->y, n, "expected a node name for 'node', got %s",
				  yload_got(&L->y, n).s);
	for (i = 0; i < L->t->n_sites; i++)
		for (j = 0; j < L->t->sites[i].n_nodes; j++) {
			if (!strcmp(L->t->sites[i].nodes[j].name, v)) {
				*out = &L->t->sites[i].nodes[j];
				return 0;
			}
			total++;
		}
	names = calloc(total + 1, sizeof(*names));
	if (!names)
		return yload_nomem(&L->y);
	for (i = 0; i < L->t->n_sites; i++)
		for (j = 0; j < L->t->sites[i].n_nodes; j++)
			names[k++] = L->t->sites[i].nodes[j].name;
	best = suggest_closest(v, names, k);
	if (best)
		rc = yload_fail(&L->y, n, "unknown node '%s' (did you mean '%s'?)",
				yload_show(&L->y, v).s, best);
	else
		rc = yload_fail(&L->y, n, "unknown node '%s' ('enos status' lists the nodes)",
				yload_show(&L->y, v).s);
	free(names);
	return rc;
}

/* A node fault's node and amount, F's other keys already checked against
 * its action. The node's backend must be able to do it. */
static int get_node_fault(struct topo_loader *L, const yaml_node_t *item,
			  const yaml_node_t *const *v,
			  const yaml_node_t *const *k, struct fault *f)
{
	const char *what = action_names[f->action];
	const struct node_ops *ops;
	uint32_t milli = 0;
	uint64_t mem = 0;
	int rc;

	rc = yload_need(&L->y, item, k[F_NODE], "node");
	if (!rc)
		rc = get_fault_node(L, v[F_NODE], &f->node);
	if (rc)
		return rc;
	ops = f->node->backend;
	if (f->action == FAULT_CPU || f->action == FAULT_STRESS) {
		rc = yload_need(&L->y, item, k[F_CPU], "cpu");
		if (!rc)
			rc = topo_profiles_limits(L, v[F_CPU], NULL, NULL,
						  &milli, NULL, NULL);
		if (!rc && f->action == FAULT_STRESS && milli % 1000)
			rc = yload_fail(&L->y, v[F_CPU],
					"stress takes whole CPU workers ('cpu: 2'), not a share of a core");
		f->amount = f->action == FAULT_STRESS ? milli / 1000 : milli;
	} else if (f->action == FAULT_MEMORY) {
		rc = yload_need(&L->y, item, k[F_MEMORY], "memory");
		if (!rc)
			rc = topo_profiles_limits(L, NULL, v[F_MEMORY], NULL,
						  NULL, &mem, NULL);
		f->amount = mem;
	}
	if (rc)
		return rc;
	if (((f->action == FAULT_CPU || f->action == FAULT_MEMORY) &&
	     !ops->set_limits) ||
	    ((f->action == FAULT_FREEZE || f->action == FAULT_THAW) &&
	     !ops->freeze) ||
	    (f->action == FAULT_CRASH && !ops->kill_all) ||
	    (f->action == FAULT_STRESS && !ops->spawn))
		return yload_fail(&L->y, v[F_NODE],
				  "node '%s' is a %s node: its backend cannot %s (netns and lxc nodes can)",
				  f->node->name, ops->name, what);
	return 0;
}

static int get_fault_sites(struct topo_loader *L, const yaml_node_t *n,
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
		const struct topo_entry *e;

		rc = topo_sites_ref(L, yload_node(&L->y, *it), "sites", "site", &e);
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

static int get_fault(struct topo_loader *L, const yaml_node_t *item,
		     struct fault *f)
{
	const yaml_node_t *v[F_N], *k[F_N];
	const char *keys[F_N];
	int action = 0;
	size_t i;
	int rc;

	f->pos = yamldoc_pos(item);
	rc = yload_map(&L->y, item, "each fault",
		       topo_network_keys(keys, fault_keys, F_CON), F_N, v, k);
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
	if (is_node_action(f->action)) {
		rc = get_node_fault(L, item, v, k, f);
		if (!rc && yload_present(v[F_FOR])) {
			rc = yload_time(&L->y, v[F_FOR], "for", TIMELINE_MAX_US,
					&f->for_us);
			f->has_for = true;
		}
		return rc;
	}
	if (f->action == FAULT_SET) {
		rc = yload_need(&L->y, item, k[F_SRC], "src");
		if (!rc)
			rc = topo_sites_selector(L, v[F_SRC], "src", &f->src);
		if (!rc)
			rc = yload_need(&L->y, item, k[F_DST], "dst");
		if (!rc)
			rc = topo_sites_selector(L, v[F_DST], "dst", &f->dst);
		if (!rc)
			rc = topo_network_pair_check(L, "fault 'set'", v[F_SRC],
						     &f->src, v[F_DST], &f->dst);
		if (!rc)
			rc = topo_network_constraint(L, item, v + F_CON,
						     k + F_CON, &f->con);
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

int topo_faults_load(struct topo_loader *L, const yaml_node_t *n)
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
	if (len > TOPO_FAULTS_MAX)
		return yload_fail(&L->y, n,
				  "too many faults: this list has %zu (aliases counted), at most %d",
				  len, TOPO_FAULTS_MAX);
	t->faults = calloc(len ? len : 1, sizeof(*t->faults));
	if (!t->faults)
		return yload_nomem(&L->y);
	for (it = n->data.sequence.items.start;
	     it < n->data.sequence.items.top && !rc; it++)
		rc = get_fault(L, yload_node(&L->y, *it),
			       &t->faults[t->n_faults++]);
	return rc;
}
