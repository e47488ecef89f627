/* topo_network — the `network` section of a topology: fabric, shaping,
 * partition, the constraint blocks (default, rules; a site's lan and a set
 * fault use the same reader), the matrix file via matrix.c. Constraint
 * values are read by emulator/constraint.c, the one parser of the
 * language; this file adds where they were written. See topo_loader.h.
 */
#include "enos/topo_loader.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "emulator/fabric.h"
#include "emulator/node.h"
#include "emulator/shape.h"
#include "emulator/trace.h"
#include "enos/matrix.h"
#include "util/escape.h"
#include "util/fs.h"
#include "util/str.h"

static const char *const kind_names[] = { "rtt", "delay" };

enum { NW_FABRIC, NW_SHAPING, NW_DEFAULT, NW_MATRIX, NW_CONSTRAINTS,
       NW_PARTITION, NW_N };
static const char *const network_keys[] = { "fabric", "shaping", "default",
					    "matrix", "constraints",
					    "partition" };

enum { M_FILE, M_KIND, M_N };
static const char *const matrix_keys[] = { "file", "kind" };

/* The constraint keys come last in a rule, at R_CON (topo_network_keys
 * builds the whole list). */
enum { R_SRC, R_DST, R_SYMMETRIC, R_TRACE, R_CON, R_N = R_CON + CK_N };
static const char *const rule_keys[R_CON] = { "src", "dst", "symmetric",
					      "trace" };

enum { T_FILE, T_LOOP, T_N };
static const char *const trace_keys[] = { "file", "loop" };

/* KEYS[0..N_OWN) followed by the constraint keys, into OUT (room for
 * N_OWN + CK_N). */
const char **topo_network_keys(const char **out,
			       const char *const *keys, size_t n_own)
{
	if (n_own)
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
int topo_network_constraint(struct topo_loader *L, const yaml_node_t *map,
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

static char *resolve_path(const char *dir, const char *file)
{
	if (!dir || file[0] == '/')
		return strdup(file);
	return str_printf("%s/%s", dir, file);
}

static int load_matrix(struct topo_loader *L, const yaml_node_t *n)
{
	struct topology *t = L->t;
	const yaml_node_t *v[M_N], *k[M_N];
	struct matrix_file *mf = NULL;
	struct matrix *m = NULL;
	size_t *site_of = NULL;
	bool *covered = NULL;
	const char *file;
	char *text = NULL, *shown = NULL;
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
		/* The whole path, escaped: it is what the user must fix. */
		shown = escape_dup(m->path, strlen(m->path));
		rc = shown ? yload_fail(&L->y, v[M_FILE],
					"cannot read matrix file '%s': %s", shown,
					fs_read_error(rc)) : yload_nomem(&L->y);
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
		const struct topo_entry *e = topo_sites_lookup(L, mf->names[i]);
		const char *hint;

		if (e && !e->base) {
			site_of[i] = e->site;
			covered[e->site] = true;
			continue;
		}
		hint = topo_sites_suggest(L, mf->names[i]);
		shown = escape_dup(mf->names[i], strlen(mf->names[i]));
		if (!shown)
			rc = yload_nomem(&L->y);
		else if (hint)
			rc = yload_fail_in(&L->y, m->path, mf->name_pos[i],
					   "matrix site '%s' matches no site in the topology (did you mean '%s'?)",
					   shown, hint);
		else
			rc = yload_fail_in(&L->y, m->path, mf->name_pos[i],
					   "matrix site '%s' matches no site in the topology",
					   shown);
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
	free(shown);
	free(site_of);
	free(covered);
	return rc;
}

int topo_network_pair_check(struct topo_loader *L, const char *what,
			    const yaml_node_t *src_n, const struct selector *src,
			    const yaml_node_t *dst_n, const struct selector *dst)
{
	const struct topology *t = L->t;
	size_t i, n_src = 0, n_dst = 0, only = 0;

	for (i = 0; i < t->n_sites; i++) {
		if (topo_selector_matches(t, src, i)) {
			n_src++;
			only = i;
		}
		n_dst += topo_selector_matches(t, dst, i);
	}
	if (n_src != 1 || n_dst != 1 || !topo_selector_matches(t, dst, only))
		return 0;
	return yload_fail(&L->y, dst_n,
			  "%s from '%s' to '%s' selects only site '%s' on both sides: a constraint applies between two different sites (inside a site, use its 'lan'), so this one would shape nothing",
			  what, (const char *)src_n->data.scalar.value,
			  (const char *)dst_n->data.scalar.value,
			  t->sites[only].name);
}

/* `trace: {file, loop}` of rule R (mapping N at key K): the file read
 * through util/fs.c (regular files only) and parsed by emulator/trace.c.
 * Where the file cannot be read or holds no row, the message points at
 * `file` here; what is wrong inside it points into the file. */
static int load_trace(struct topo_loader *L, const yaml_node_t *k,
		      const yaml_node_t *n, struct constraint_rule *r)
{
	const struct shape_ops *shaping = L->t->shaping;
	const yaml_node_t *v[T_N], *tk[T_N];
	const char *file;
	char *text = NULL, *shown = NULL, *err = NULL;
	size_t len = 0;
	bool loop = false;
	int rc;

	r->trace_pos = yamldoc_pos(k);
	/* Checked where it is written: `auto` is refused later only if the
	 * backend it picks cannot replay (shaping_choose passes over it).
	 * netem and wand both replay (shape_ops.trace_start); none shapes
	 * nothing at all. */
	if (shaping && shaping->shapes && !shaping->trace_start)
		return yload_fail(&L->y, k,
				  "shaping '%s' cannot replay a trace (use 'shaping: netem', 'wand' or 'auto')",
				  shaping->name);
	rc = yload_map(&L->y, n, "'trace'", trace_keys, T_N, v, tk);
	if (!rc)
		rc = yload_need(&L->y, n, tk[T_FILE], "file");
	if (!rc)
		rc = yload_str(&L->y, v[T_FILE], "file", &file);
	if (!rc && yload_present(v[T_LOOP]))
		rc = yload_bool(&L->y, v[T_LOOP], "loop", &loop);
	if (rc)
		return rc;
	r->trace_path = resolve_path(L->dir, file);
	if (!r->trace_path)
		return yload_nomem(&L->y);
	rc = fs_read_file(r->trace_path, TRACE_FILE_MAX, &text, &len);
	if (rc == 0)
		rc = trace_parse(text, len, r->trace_path, &r->trace, &err);
	if (rc == -EINVAL && err) {
		/* Already "FILE:LINE:COL: ..." inside the trace file. */
		if (!L->y.err) {
			L->y.err = err;
			err = NULL;
		}
	} else if (rc == -ENOMEM) {
		yload_nomem(&L->y);
	} else if (rc) {
		shown = escape_dup(r->trace_path, strlen(r->trace_path));
		if (!shown)
			yload_nomem(&L->y);
		else if (rc == -ENODATA)
			yload_fail(&L->y, v[T_FILE],
				   "trace file '%s' has no rows (expected lines of 'time_s rtt_ms [loss_pct]')",
				   shown);
		else
			yload_fail(&L->y, v[T_FILE],
				   "cannot read trace file '%s': %s", shown,
				   fs_read_error(rc));
		rc = -EINVAL;
	}
	if (rc == 0)
		r->trace->loop = loop;
	free(text);
	free(shown);
	free(err);
	return rc;
}

static int get_rule(struct topo_loader *L, const yaml_node_t *item,
		    struct constraint_rule *r)
{
	const yaml_node_t *v[R_N], *k[R_N];
	const char *keys[R_N];
	int rc;

	r->symmetric = true;
	r->pos = yamldoc_pos(item);
	rc = yload_map(&L->y, item, "each constraint",
		       topo_network_keys(keys, rule_keys, R_CON), R_N, v, k);
	if (!rc)
		rc = yload_need(&L->y, item, k[R_SRC], "src");
	if (!rc)
		rc = topo_sites_selector(L, v[R_SRC], "src", &r->src);
	if (!rc)
		rc = yload_need(&L->y, item, k[R_DST], "dst");
	if (!rc)
		rc = topo_sites_selector(L, v[R_DST], "dst", &r->dst);
	if (!rc)
		rc = topo_network_pair_check(L, "constraint", v[R_SRC], &r->src,
					     v[R_DST], &r->dst);
	if (!rc && yload_present(v[R_SYMMETRIC]))
		rc = yload_bool(&L->y, v[R_SYMMETRIC], "symmetric", &r->symmetric);
	if (!rc)
		rc = topo_network_constraint(L, item, v + R_CON, k + R_CON,
					     &r->con);
	if (!rc && yload_present(v[R_TRACE])) {
		/* The trace gives the delay, and the loss with a loss
		 * column: a block giving them too would be half ignored. */
		if (r->con.set & CON_DELAY)
			rc = yload_fail(&L->y, k[R_TRACE],
					"give 'trace' or '%s', not both: the trace gives the delay",
					yload_present(v[R_CON + CK_RTT]) ? "rtt" : "delay");
		if (!rc)
			rc = load_trace(L, k[R_TRACE], v[R_TRACE], r);
		if (!rc && r->trace->has_loss && (r->con.set & CON_LOSS))
			rc = yload_fail(&L->y, k[R_CON + CK_LOSS],
					"give 'loss' or a trace with a loss column, not both: '%s' gives the loss",
					r->trace_path);
	}
	if (!rc && !r->con.set && !r->trace)
		rc = yload_fail(&L->y, item,
				"constraint sets nothing (give delay, rtt, jitter, loss, rate or trace)");
	return rc;
}

static int load_rules(struct topo_loader *L, const yaml_node_t *n)
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
	/* Counted as resolved: an alias is one more rule to apply. */
	if (len > TOPO_RULES_MAX)
		return yload_fail(&L->y, n,
				  "too many constraints: this list has %zu (aliases counted), at most %d",
				  len, TOPO_RULES_MAX);
	t->rules = calloc(len ? len : 1, sizeof(*t->rules));
	if (!t->rules)
		return yload_nomem(&L->y);
	for (it = n->data.sequence.items.start;
	     it < n->data.sequence.items.top && !rc; it++)
		rc = get_rule(L, yload_node(&L->y, *it),
			      &t->rules[t->n_rules++]);
	return rc;
}

int topo_network_load(struct topo_loader *L, const yaml_node_t *n)
{
	struct topology *t = L->t;
	const yaml_node_t *v[NW_N], *k[NW_N];
	const yaml_node_t *dv[CK_N], *dk[CK_N];
	const char *con_keys[CK_N];
	const struct fabric_ops *fabric = t->fabric;
	const struct shape_ops *shaping = t->shaping;
	int partition = PARTITION_SHAPING;
	int rc;

	rc = yload_map(&L->y, n, "'network'", network_keys, NW_N, v, k);
	if (!rc && yload_present(v[NW_FABRIC]))
		rc = topo_get_fabric(L, v[NW_FABRIC], &fabric);
	if (!rc && yload_present(v[NW_SHAPING]))
		rc = topo_get_shaping(L, v[NW_SHAPING], &shaping);
	if (!rc && yload_present(v[NW_PARTITION]))
		rc = yload_enum(&L->y, v[NW_PARTITION], "partition", "partition",
			      topo_partition_names, N_OF(topo_partition_names),
				&partition);
	/* Drop rules need OpenFlow switches. */
	if (!rc && partition == PARTITION_OPENFLOW && !fabric->drops)
		rc = yload_fail(&L->y, v[NW_PARTITION], "partition 'openflow' needs 'fabric: ovs' (the fabric is '%s')",
				fabric->name);
	t->fabric = fabric;
	t->shaping = shaping;
	t->partition = (enum partition_kind)partition;
	if (!rc && yload_present(v[NW_DEFAULT])) {
		rc = yload_map(&L->y, v[NW_DEFAULT], "'default'",
			       topo_network_keys(con_keys, NULL, 0), CK_N, dv,
			       dk);
		if (!rc)
			rc = topo_network_constraint(L, v[NW_DEFAULT], dv, dk,
						     &t->defaults);
	}
	if (!rc && yload_present(v[NW_MATRIX]))
		rc = load_matrix(L, v[NW_MATRIX]);
	if (!rc && yload_present(v[NW_CONSTRAINTS]))
		rc = load_rules(L, v[NW_CONSTRAINTS]);
	return rc;
}

int topo_lan_check(struct topo_loader *L)
{
	const struct topology *t = L->t;
	size_t i, k;

	for (i = 0; i < t->n_sites; i++) {
		const struct site *s = &t->sites[i];
		const char *name = s->base ? s->base : s->name;

		if (!s->has_lan)
			continue;
		if (t->shaping && !t->shaping->lan)
			return yload_fail_at(&L->y, s->lan_pos,
					     "site '%s' has a lan, which shaping '%s' cannot apply (it shapes nothing): use 'shaping: auto', 'netem' or 'wand', or remove the lan",
					     name, t->shaping->name);
		/* wand (or auto, which may pick it) replaces the bridge. */
		if (t->partition == PARTITION_OPENFLOW &&
		    (!t->shaping || t->shaping->lan_engine))
			return yload_fail_at(&L->y, s->lan_pos,
					     "site '%s' has a lan, which the wand engine shapes as the site's switch, without the LAN bridge that 'partition: openflow' puts its drop rules on (use 'shaping: netem' or 'partition: shaping', or remove the lan)",
					     name);
		for (k = 0; k < s->n_nodes; k++)
			if (s->nodes[k].backend->netns_empty)
				return yload_fail_at(&L->y, s->lan_pos,
						     "site '%s' has a lan and node '%s' is a VM (backend '%s'): a lan is shaped on veth ports, not on a VM's tap (move the VM to a site without a lan, or remove the lan)",
						     name, s->nodes[k].name,
						     s->nodes[k].backend->name);
	}
	return 0;
}
