/* topo_profiles — resource profiles (`profiles:`) and the limits a node is
 * given: a site's `profile:`, a node's own `profile:` and its `cpu:`,
 * `memory:` and `pids:` keys, each refused where it is written when the
 * node's backend cannot apply it (node_ops.limits). See topo_loader.h.
 *
 *   profiles:
 *     rpi4:    {cpu: 0.5, memory: 1GiB, pids: 512}   # cpu in host cores
 */
#include "enos/topo_loader.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "emulator/cgroup.h"
#include "emulator/node.h"
#include "util/str.h"
#include "util/suggest.h"
#include "util/units.h"

enum { P_CPU, P_MEMORY, P_PIDS, P_N };
static const char *const profile_keys[] = { "cpu", "memory", "pids" };

int topo_cpu_parse(const char *text, uint32_t *milli, char **err)
{
	double cores;

	*err = NULL;
	if (units_parse_number(text, &cores))
		*err = str_printf("cpu %s is not a number of host cores (such as 0.5 or 2)",
				  str_show(text).s);
	else if (!(cores * 1000 >= CGROUP_CPU_MILLI_MIN - 0.5) || cores > CPUS_MAX)
		*err = str_printf("cpu %s is out of range (0.01 to %d host cores)",
				  str_show(text).s, CPUS_MAX);
	else {
		*milli = (uint32_t)llround(cores * 1000);
		return 0;
	}
	return *err ? -EINVAL : -ENOMEM;
}

int topo_memory_parse(const char *text, uint64_t *bytes, char **err)
{
	const char *why = NULL;

	*err = NULL;
	if (units_parse_memory(text, bytes, &why) < 0)
		*err = str_printf("memory %s: %s", str_show(text).s,
				  why ? why : "not a size (such as 256MiB)");
	else if (*bytes > MEMORY_MAX)
		*err = str_printf("memory %s is too large (at most 1024GiB)",
				  str_show(text).s);
	else if (*bytes < MEMORY_MIN)
		*err = str_printf("memory %s is too small (at least 4MiB)",
				  str_show(text).s);
	else
		return 0;
	return *err ? -EINVAL : -ENOMEM;
}

/* A cpu share in host cores: "0.25" is a quarter of one core. */
static int get_cpu(struct topo_loader *L, const yaml_node_t *n,
		   uint32_t *milli)
{
	const char *v = yamldoc_scalar(n);
	char *err = NULL;
	int rc;

	if (!v || yamldoc_is_null(n))
		return yload_fail(&L->y, n, "expected a number of host cores for 'cpu', got %s",
				  yload_got(&L->y, n).s);
	rc = topo_cpu_parse(v, milli, &err);
	if (rc == -EINVAL)
		rc = yload_fail(&L->y, n, "%s", err);
	else if (rc)
		rc = yload_nomem(&L->y);
	free(err);
	return rc;
}

int topo_profiles_limits(struct topo_loader *L, const yaml_node_t *cpu,
			 const yaml_node_t *memory, const yaml_node_t *pids,
			 uint32_t *cpu_milli, uint64_t *memory_out,
			 uint64_t *pids_out)
{
	const char *v;
	int rc = 0;

	if (yload_present(cpu))
		rc = get_cpu(L, cpu, cpu_milli);
	if (!rc && yload_present(memory)) {
		rc = yload_memory(&L->y, memory, "memory", MEMORY_MAX,
				  memory_out);
		v = yamldoc_scalar(memory);
		if (!rc && *memory_out < MEMORY_MIN)
			rc = yload_fail(&L->y, memory,
					"memory %s is too small (at least 4MiB)",
					yload_show(&L->y, v ? v : "").s);
	}
	if (!rc && yload_present(pids))
		rc = yload_uint(&L->y, pids, "pids", 1, PIDS_MAX, pids_out);
	return rc;
}

int topo_profiles_check(struct topo_loader *L, const struct node_ops *ops,
			uint32_t cpu_milli, uint64_t memory, uint64_t pids,
			const yaml_node_t *const at[3])
{
	static const char *const what[] = { "cpu", "memory", "pids" };
	const bool set[] = { cpu_milli != 0, memory != 0, pids != 0 };
	const unsigned bit[] = { NODE_LIMIT_CPU, NODE_LIMIT_MEMORY,
				 NODE_LIMIT_PIDS };
	const char *can[3];
	char list[32];
	size_t i, n = 0;

	for (i = 0; i < 3; i++)
		if (ops->limits & bit[i])
			can[n++] = what[i];
	for (i = 0; i < 3; i++)
		if (set[i] && !(ops->limits & bit[i]))
			return yload_fail(&L->y, at[i],
					  "backend '%s' cannot limit %s (it limits %s)",
					  ops->name, what[i],
					  n ? str_join(list, sizeof(list), can, n,
						       " and ") : "nothing");
	return 0;
}

int topo_profiles_ref(struct topo_loader *L, const yaml_node_t *n,
		      const struct profile **out)
{
	const struct topology *t = L->t;
	const char *names[PROFILES_MAX];
	const char *v, *hint;
	size_t i;
	int rc = yload_str(&L->y, n, "profile", &v);

	if (rc)
		return rc;
	for (i = 0; i < t->n_profiles; i++) {
		if (!strcmp(t->profiles[i].name, v)) {
			*out = &t->profiles[i];
			return 0;
		}
		names[i] = t->profiles[i].name;
	}
	hint = suggest_closest(v, names, t->n_profiles);
	if (hint)
		return yload_fail(&L->y, n, "unknown profile '%s' (did you mean '%s'?)",
				  yload_show(&L->y, v).s, hint);
	if (!t->n_profiles)
		return yload_fail(&L->y, n,
				  "unknown profile '%s' (the topology has no 'profiles')",
				  yload_show(&L->y, v).s);
	return yload_fail(&L->y, n, "unknown profile '%s'", yload_show(&L->y, v).s);
}

int topo_profiles_load(struct topo_loader *L, const yaml_node_t *n)
{
	struct topology *t = L->t;
	yaml_node_pair_t *p;
	size_t len, i;
	int rc = 0;

	if (n->type != YAML_MAPPING_NODE)
		return yload_fail(&L->y, n, "expected a mapping for 'profiles', got %s",
				  yload_got(&L->y, n).s);
	len = (size_t)(n->data.mapping.pairs.top - n->data.mapping.pairs.start);
	if (len > PROFILES_MAX)
		return yload_fail(&L->y, n, "too many profiles (%zu, at most %d)",
				  len, PROFILES_MAX);
	t->profiles = calloc(len ? len : 1, sizeof(*t->profiles));
	if (!t->profiles)
		return yload_nomem(&L->y);
	for (p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top && !rc;
	     p++) {
		const yaml_node_t *k = yload_node(&L->y, p->key);
		const yaml_node_t *val = yload_node(&L->y, p->value);
		const yaml_node_t *v[P_N], *kk[P_N];
		struct profile *pr = &t->profiles[t->n_profiles];
		const char *name;

		rc = yload_name(&L->y, k, "profiles", "profile name", &name);
		for (i = 0; !rc && i < t->n_profiles; i++)
			if (!strcmp(t->profiles[i].name, name))
				rc = yload_fail(&L->y, k,
						"duplicate profile '%s' (first defined at line %d)",
						name, t->profiles[i].pos.line);
		if (!rc)
			rc = yload_map(&L->y, val, "each profile", profile_keys,
				       P_N, v, kk);
		if (!rc)
			rc = topo_profiles_limits(L, v[P_CPU], v[P_MEMORY],
						  v[P_PIDS], &pr->cpu_milli,
						  &pr->memory_bytes, &pr->pids);
		if (!rc && !pr->cpu_milli && !pr->memory_bytes && !pr->pids)
			rc = yload_fail(&L->y, val,
					"profile '%s' sets nothing (expected cpu, memory or pids)",
					name);
		if (rc)
			break;
		pr->pos = yamldoc_pos(k);
		pr->name = yload_dup(&L->y, name);
		if (!pr->name)
			return -ENOMEM;
		t->n_profiles++;
	}
	return rc;
}
