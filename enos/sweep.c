/* sweep — the sweep language, its expansion into (point, repetition)
 * pairs, seeds, the run order and the topology of each point; see
 * sweep.h.
 *
 * A point's topology is made by editing the topology file's libyaml
 * document: sweep_path_apply() walks a path and puts a copy of the value
 * there, copying any mapping or sequence shared through an alias first;
 * emit() writes the document back with libyaml's emitter, which names
 * every node referenced twice with an anchor of its own, so merge keys
 * and aliases mean what they meant. The topology loader (enos/topo.h)
 * then validates the text, exactly as it validates a file.
 */
#include "enos/sweep.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "enos/topo.h"
#include "util/fs.h"
#include "util/str.h"
#include "util/strbuf.h"
#include "util/suggest.h"

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

#define SWEEP_FILE_MAX  (1u << 20)
#define TOPO_FILE_MAX   (16u << 20)
#define SWEEP_NAME_MAX  32
/* Bytes of a value's text in labels and records. */
#define VALUE_TEXT_MAX  1024

const char *sweep_action_name(enum sweep_action a)
{
	static const char *const names[] = { "reuse", "redeploy", "rebuild" };

	return (size_t)a < N_OF(names) ? names[a] : "?";
}

/* ---- paths ---- */

static bool key_char(char c)
{
	return isalnum((unsigned char)c) || c == '_' || c == '-';
}

void sweep_path_release(struct sweep_path *p)
{
	size_t i;

	for (i = 0; p->segs && i < p->n; i++) {
		free(p->segs[i].key);
		free(p->segs[i].also);
	}
	free(p->segs);
	free(p->text);
	memset(p, 0, sizeof(*p));
}

/* Fail the parse at offset AT with message FMT. */
static int path_fail(size_t *at, char **why, size_t where, const char *fmt,
		     ...) __attribute__((format(printf, 4, 5)));
static int path_fail(size_t *at, char **why, size_t where, const char *fmt,
		     ...)
{
	va_list ap;

	if (at)
		*at = where;
	if (why) {
		va_start(ap, fmt);
		*why = str_vprintf(fmt, ap);
		va_end(ap);
		if (!*why)
			return -ENOMEM;
	}
	return -EINVAL;
}

/* The character at TEXT[I] as a message shows it. */
static const char *char_shown(char c, char *buf, size_t len)
{
	if (isprint((unsigned char)c))
		snprintf(buf, len, "'%c'", c);
	else
		snprintf(buf, len, "byte 0x%02x", (unsigned char)c);
	return buf;
}

static int seg_add(struct sweep_path *p, const char *key, size_t klen,
		   size_t index, size_t offset)
{
	struct sweep_seg *s;

	s = &p->segs[p->n];
	s->key = NULL;
	s->also = NULL;
	s->n_also = 0;
	if (key && !(s->key = strndup(key, klen)))
		return -ENOMEM;
	s->index = index;
	s->offset = offset;
	p->n++;
	return 0;
}

/* Steps [0, N) of P as text ("network.constraints[0]"); NULL for none or
 * out of memory. */
static char *path_prefix(const struct sweep_path *p, size_t n)
{
	struct strbuf sb = STRBUF_INIT;
	size_t i;

	if (!n)
		return NULL;
	for (i = 0; i < n; i++) {
		const struct sweep_seg *s = &p->segs[i];
		size_t k;

		if (s->key) {
			strbuf_addf(&sb, "%s%s", i ? "." : "", s->key);
			continue;
		}
		strbuf_addf(&sb, "[%zu", s->index);
		for (k = 0; k < s->n_also; k++)
			strbuf_addf(&sb, ",%zu", s->also[k]);
		strbuf_addc(&sb, ']');
	}
	return strbuf_detach(&sb);
}

/* The indexes of the step at TEXT[*I] ('[' N [',' N]... ']') into SEG,
 * *I moved past it; *PLACES (the places the path names so far) times
 * their count. */
static int parse_indexes(const char *text, size_t *i, struct sweep_seg *seg,
			 size_t *places, size_t *at, char **why)
{
	size_t start, k, n = 0;

	do {
		unsigned long v = 0;

		start = ++*i;
		while (isdigit((unsigned char)text[*i])) {
			if (v <= SWEEP_INDEX_MAX)
				v = v * 10 + (unsigned long)(text[*i] - '0');
			++*i;
		}
		if (*i == start)
			return path_fail(at, why, *i, n ? "expected an index after ','" :
					 "expected an index after '['");
		if (v > SWEEP_INDEX_MAX)
			return path_fail(at, why, start, "index %.*s is out of range (0 to %d)",
					 (int)(*i - start), text + start,
					 SWEEP_INDEX_MAX);
		for (k = 0; k < n; k++)
			if ((k ? seg->also[k - 1] : seg->index) == v)
				return path_fail(at, why, start, "index %lu is listed twice", v);
		if (n && *places * (n + 1) > SWEEP_PLACES_MAX)
			return path_fail(at, why, start,
					 "the path names more than %d places", SWEEP_PLACES_MAX);
		if (!n) {
			seg->index = (size_t)v;
		} else {
			size_t *also = realloc(seg->also, n * sizeof(*also));

			if (!also)
				return -ENOMEM;
			seg->also = also;
			also[n - 1] = (size_t)v;
			seg->n_also = n;
		}
		n++;
	} while (text[*i] == ',');
	if (text[*i] != ']')
		return path_fail(at, why, *i, "expected ']' after index %zu",
				 n > 1 ? seg->also[n - 2] : seg->index);
	++*i;
	*places *= n;
	return 0;
}

int sweep_path_parse(const char *text, struct sweep_path *p, size_t *at,
		     char **why)
{
	size_t i = 0, len = strlen(text), start, places = 1;
	char shown[16];
	int rc;

	memset(p, 0, sizeof(*p));
	if (at)
		*at = 0;
	if (why)
		*why = NULL;
	if (!len)
		return path_fail(at, why, 0, "empty path");
	if (len > SWEEP_PATH_MAX)
		return path_fail(at, why, 0, "path is longer than %d bytes",
				 SWEEP_PATH_MAX);
	p->segs = calloc(SWEEP_SEGS_MAX, sizeof(*p->segs));
	if (!p->segs)
		return -ENOMEM;
	for (;;) {
		start = i;
		while (key_char(text[i]))
			i++;
		if (i == start)
			return path_fail(at, why, i, start ? "expected a key after '.'"
					 : "expected a key at the start");
		if (p->n == SWEEP_SEGS_MAX)
			return path_fail(at, why, start, "more than %d steps in a path",
					 SWEEP_SEGS_MAX);
		rc = seg_add(p, text + start, i - start, 0, start);
		if (rc)
			return rc;
		while (text[i] == '[') {
			size_t open = i;

			if (p->n == SWEEP_SEGS_MAX)
				return path_fail(at, why, open,
						 "more than %d steps in a path",
						 SWEEP_SEGS_MAX);
			rc = seg_add(p, NULL, 0, 0, open);
			if (rc)
				return rc;
			rc = parse_indexes(text, &i, &p->segs[p->n - 1], &places,
					   at, why);
			if (rc)
				return rc;
		}
		if (!text[i])
			break;
		if (text[i] != '.')
			return path_fail(at, why, i, "unexpected %s",
					 char_shown(text[i], shown, sizeof(shown)));
		i++;
	}
	/* Canonical: indexes without leading zeros. */
	p->text = path_prefix(p, p->n);
	return p->text ? 0 : -ENOMEM;
}

/* Does step I of P name key KEY? */
static bool seg_is(const struct sweep_path *p, size_t i, const char *key)
{
	return i < p->n && p->segs[i].key && !strcmp(p->segs[i].key, key);
}

enum sweep_action sweep_path_action(const struct sweep_path *p)
{
	if (seg_is(p, 0, "stack"))
		return SWEEP_REDEPLOY;
	if (seg_is(p, 0, "workload") || seg_is(p, 0, "faults"))
		return SWEEP_REUSE;
	if (seg_is(p, 0, "network") &&
	    (seg_is(p, 1, "default") || seg_is(p, 1, "constraints") ||
	     seg_is(p, 1, "matrix")))
		return SWEEP_REUSE;
	return SWEEP_REBUILD;
}

/* ---- editing a document ---- */

static yaml_node_t *node_at(yaml_document_t *d, int id)
{
	return yaml_document_get_node(d, id);
}

static const char *node_kind(const yaml_node_t *n)
{
	return n->type == YAML_MAPPING_NODE ? "a mapping" :
	       n->type == YAML_SEQUENCE_NODE ? "a sequence" : "a value";
}

/* How many times node ID is referenced in D (as a key, a value or an
 * item): more than once means it is shared through an alias. */
static size_t node_refs(yaml_document_t *d, int id)
{
	yaml_node_pair_t *p;
	yaml_node_item_t *it;
	yaml_node_t *n;
	size_t refs = 0;

	for (n = d->nodes.start; n < d->nodes.top; n++) {
		if (n->type == YAML_MAPPING_NODE) {
			for (p = n->data.mapping.pairs.start;
			     p < n->data.mapping.pairs.top; p++)
				refs += (p->key == id) + (p->value == id);
		} else if (n->type == YAML_SEQUENCE_NODE) {
			for (it = n->data.sequence.items.start;
			     it < n->data.sequence.items.top; it++)
				refs += *it == id;
		}
	}
	return refs;
}

/* A new scalar in D holding VALUE (LEN bytes). Returns its id or -ENOMEM. */
static int add_scalar(yaml_document_t *d, const yaml_char_t *tag,
		      const char *value, size_t len, yaml_scalar_style_t style)
{
	int id;

	if (len > INT_MAX)
		return -E2BIG;
	id = yaml_document_add_scalar(d, (yaml_char_t *)tag,
				      (const yaml_char_t *)value, (int)len,
				      style);
	return id ? id : -ENOMEM;
}

/* A deep copy of node N of SRC into DST: its id, -ENOMEM, or -E2BIG past
 * the nesting bound or *BUDGET nodes (aliases in SRC are copied as often
 * as they are used, so an alias bomb is bounded here). */
static int copy_node(yaml_document_t *dst, yaml_document_t *src,
		     const yaml_node_t *n, int depth, size_t *budget)
{
	yaml_node_pair_t *p;
	yaml_node_item_t *it;
	int id, k, v;

	if (!n || depth > YAMLDOC_DEPTH_MAX || !*budget)
		return -E2BIG;
	(*budget)--;
	switch (n->type) {
	case YAML_SCALAR_NODE:
		return add_scalar(dst, n->tag, (const char *)n->data.scalar.value,
				  n->data.scalar.length, n->data.scalar.style);
	case YAML_SEQUENCE_NODE:
		id = yaml_document_add_sequence(dst, n->tag,
						n->data.sequence.style);
		if (!id)
			return -ENOMEM;
		for (it = n->data.sequence.items.start;
		     it < n->data.sequence.items.top; it++) {
			v = copy_node(dst, src, node_at(src, *it), depth + 1, budget);
			if (v < 0)
				return v;
			if (!yaml_document_append_sequence_item(dst, id, v))
				return -ENOMEM;
		}
		return id;
	case YAML_MAPPING_NODE:
		id = yaml_document_add_mapping(dst, n->tag, n->data.mapping.style);
		if (!id)
			return -ENOMEM;
		for (p = n->data.mapping.pairs.start;
		     p < n->data.mapping.pairs.top; p++) {
			k = copy_node(dst, src, node_at(src, p->key), depth + 1, budget);
			if (k < 0)
				return k;
			v = copy_node(dst, src, node_at(src, p->value), depth + 1, budget);
			if (v < 0)
				return v;
			if (!yaml_document_append_mapping_pair(dst, id, k, v))
				return -ENOMEM;
		}
		return id;
	default:
		return -EINVAL;
	}
}

/* Node ID of D as a node of its own, to be changed alone: a copy of a
 * scalar, or the id of a scalar child shared with ID. */
static int own_child(yaml_document_t *d, int id)
{
	yaml_node_t *n = node_at(d, id);

	if (n->type != YAML_SCALAR_NODE)
		return id;              /* a collection stays shared until entered */
	return add_scalar(d, n->tag, (const char *)n->data.scalar.value,
			  n->data.scalar.length, n->data.scalar.style);
}

/* A copy of collection ID of D whose scalars are its own and whose
 * collections are still shared (copied in turn when a path enters them).
 * Node pointers into D are reread after every addition: libyaml may move
 * its node array. Returns the new id or -ENOMEM. */
static int clone_node(yaml_document_t *d, int id)
{
	yaml_node_t *n = node_at(d, id);
	yaml_node_type_t type = n->type;
	size_t i, len;
	int c, k, v;

	if (type == YAML_MAPPING_NODE) {
		len = (size_t)(n->data.mapping.pairs.top - n->data.mapping.pairs.start);
		c = yaml_document_add_mapping(d, n->tag, n->data.mapping.style);
	} else {
		len = (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
		c = yaml_document_add_sequence(d, n->tag, n->data.sequence.style);
	}
	if (!c)
		return -ENOMEM;
	for (i = 0; i < len; i++) {
		n = node_at(d, id);
		if (type == YAML_MAPPING_NODE) {
			yaml_node_pair_t pair = n->data.mapping.pairs.start[i];

			k = own_child(d, pair.key);
			v = k < 0 ? k : own_child(d, pair.value);
			if (v < 0)
				return v;
			if (!yaml_document_append_mapping_pair(d, c, k, v))
				return -ENOMEM;
		} else {
			v = own_child(d, n->data.sequence.items.start[i]);
			if (v < 0)
				return v;
			if (!yaml_document_append_sequence_item(d, c, v))
				return -ENOMEM;
		}
	}
	return c;
}

/* The index of the pair of mapping ID whose key is KEY, written in the
 * mapping itself, or -1. */
static long own_pair(yaml_document_t *d, int id, const char *key)
{
	yaml_node_t *n = node_at(d, id);
	yaml_node_pair_t *p;

	for (p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
		const char *ks = yamldoc_scalar(node_at(d, p->key));

		if (ks && !strcmp(ks, key))
			return (long)(p - n->data.mapping.pairs.start);
	}
	return -1;
}

/* The value node of KEY in the mappings mapping ID merges with "<<"
 * (earlier ones first, as the loader reads them), or 0. */
static int merged_value(yaml_document_t *d, int id, const char *key)
{
	long m = own_pair(d, id, "<<");
	yaml_node_t *src;
	yaml_node_item_t *it;
	long k;

	if (m < 0)
		return 0;
	src = node_at(d, node_at(d, id)->data.mapping.pairs.start[m].value);
	if (src && src->type == YAML_MAPPING_NODE) {
		int sid = node_at(d, id)->data.mapping.pairs.start[m].value;

		k = own_pair(d, sid, key);
		return k < 0 ? 0 : node_at(d, sid)->data.mapping.pairs.start[k].value;
	}
	if (!src || src->type != YAML_SEQUENCE_NODE)
		return 0;
	for (it = src->data.sequence.items.start;
	     it < src->data.sequence.items.top; it++) {
		if (node_at(d, *it)->type != YAML_MAPPING_NODE)
			continue;
		k = own_pair(d, *it, key);
		if (k >= 0)
			return node_at(d, *it)->data.mapping.pairs.start[k].value;
	}
	return 0;
}

/* The keys of mapping ID (its own and merged ones) closest to KEY, for
 * "did you mean". */
static const char *closest_key(yaml_document_t *d, int id, const char *key)
{
	const char *cands[64];
	yaml_node_t *n = node_at(d, id), *src;
	yaml_node_pair_t *p;
	yaml_node_item_t *it;
	size_t nc = 0;
	long m;

	for (p = n->data.mapping.pairs.start;
	     p < n->data.mapping.pairs.top && nc < N_OF(cands); p++) {
		const char *ks = yamldoc_scalar(node_at(d, p->key));

		if (ks && strcmp(ks, "<<"))
			cands[nc++] = ks;
	}
	m = own_pair(d, id, "<<");
	src = m < 0 ? NULL : node_at(d, n->data.mapping.pairs.start[m].value);
	if (src && src->type == YAML_MAPPING_NODE) {
		for (p = src->data.mapping.pairs.start;
		     p < src->data.mapping.pairs.top && nc < N_OF(cands); p++)
			if (yamldoc_scalar(node_at(d, p->key)))
				cands[nc++] = yamldoc_scalar(node_at(d, p->key));
	} else if (src && src->type == YAML_SEQUENCE_NODE) {
		for (it = src->data.sequence.items.start;
		     it < src->data.sequence.items.top; it++) {
			yaml_node_t *mn = node_at(d, *it);

			if (mn->type != YAML_MAPPING_NODE)
				continue;
			for (p = mn->data.mapping.pairs.start;
			     p < mn->data.mapping.pairs.top && nc < N_OF(cands); p++)
				if (yamldoc_scalar(node_at(d, p->key)))
					cands[nc++] = yamldoc_scalar(node_at(d, p->key));
		}
	}
	return suggest_closest(key, cands, nc);
}

/* Makes the node a path puts: the copy of a value, or a new scalar. */
struct maker {
	yaml_document_t *src;
	const yaml_node_t *value;       /* copied from SRC, or */
	const char *scalar;             /* a plain scalar with this text */
};

static int make_value(yaml_document_t *d, const struct maker *mk)
{
	size_t budget = SWEEP_VALUE_NODES;

	if (mk->scalar)
		return add_scalar(d, NULL, mk->scalar, strlen(mk->scalar),
				  YAML_ANY_SCALAR_STYLE);
	return copy_node(d, mk->src, mk->value, 0, &budget);
}

/* Keep message FMT about step I of P (its text: the steps before it). */
static int apply_fail(size_t *seg, char **why, size_t i, const char *fmt,
		      ...) __attribute__((format(printf, 4, 5)));
static int apply_fail(size_t *seg, char **why, size_t i, const char *fmt,
		      ...)
{
	va_list ap;

	if (seg)
		*seg = i;
	va_start(ap, fmt);
	*why = str_vprintf(fmt, ap);
	va_end(ap);
	return *why ? -EINVAL : -ENOMEM;
}

/* Put the node MK makes at path P of D, whose steps name one place each. */
static int put_one(yaml_document_t *d, const struct sweep_path *p,
		   const struct maker *mk, size_t *seg, char **why)
{
	char *where = NULL;
	int cur = 1, child, v, k, rc = 0;
	size_t i;

	*why = NULL;
	if (!yaml_document_get_root_node(d))
		return apply_fail(seg, why, 0, "the topology is empty");
	for (i = 0; i < p->n && !rc; i++) {
		const struct sweep_seg *s = &p->segs[i];
		bool last = i + 1 == p->n;
		yaml_node_t *n = node_at(d, cur);
		int *slot;

		free(where);
		where = path_prefix(p, i);
		if (i && !where) {
			rc = -ENOMEM;
			break;
		}
		if (s->key) {
			long pi;

			if (n->type != YAML_MAPPING_NODE) {
				rc = apply_fail(seg, why, i, "'%s' is %s, not a mapping: it has no key '%s'",
						where ? where : "the topology",
						node_kind(n), s->key);
				break;
			}
			pi = own_pair(d, cur, s->key);
			if (pi < 0) {
				int mv = merged_value(d, cur, s->key);
				const char *hint;

				if (!mv && !last) {
					hint = closest_key(d, cur, s->key);
					if (hint)
						rc = apply_fail(seg, why, i, "%s%s%s has no key '%s' (did you mean '%s'?)",
								where ? "'" : "", where ? where : "the topology",
								where ? "'" : "", s->key, hint);
					else
						rc = apply_fail(seg, why, i, "%s%s%s has no key '%s'",
								where ? "'" : "", where ? where : "the topology",
								where ? "'" : "", s->key);
					break;
				}
				/* A new key of its own, over a merged one or none. */
				k = add_scalar(d, NULL, s->key, strlen(s->key),
					       YAML_ANY_SCALAR_STYLE);
				v = k < 0 ? k : mv ? mv : make_value(d, mk);
				if (v < 0) {
					rc = v;
					break;
				}
				if (!yaml_document_append_mapping_pair(d, cur, k, v)) {
					rc = -ENOMEM;
					break;
				}
				if (!mv)
					break;          /* put: done */
				pi = (long)(node_at(d, cur)->data.mapping.pairs.top -
					    node_at(d, cur)->data.mapping.pairs.start) - 1;
			}
			if (last) {
				v = make_value(d, mk);
				if (v < 0) {
					rc = v;
					break;
				}
				node_at(d, cur)->data.mapping.pairs.start[pi].value = v;
				break;
			}
			child = node_at(d, cur)->data.mapping.pairs.start[pi].value;
		} else {
			size_t len;

			if (n->type != YAML_SEQUENCE_NODE) {
				rc = apply_fail(seg, why, i, "'%s' is %s, not a sequence: it has no item [%zu]",
						where ? where : "the topology",
						node_kind(n), s->index);
				break;
			}
			len = (size_t)(n->data.sequence.items.top -
				       n->data.sequence.items.start);
			if (s->index >= len) {
				rc = apply_fail(seg, why, i, "'%s' has %zu item%s: index %zu is out of range",
						where ? where : "the topology", len, len == 1 ? "" : "s",
						s->index);
				break;
			}
			if (last) {
				v = make_value(d, mk);
				if (v < 0) {
					rc = v;
					break;
				}
				node_at(d, cur)->data.sequence.items.start[s->index] = v;
				break;
			}
			child = node_at(d, cur)->data.sequence.items.start[s->index];
		}
		/* Entering a collection shared through an alias: a copy first. */
		if (node_at(d, child)->type != YAML_SCALAR_NODE &&
		    node_refs(d, child) > 1) {
			int c = clone_node(d, child);

			if (c < 0) {
				rc = c;
				break;
			}
			if (s->key) {
				slot = &node_at(d, cur)->data.mapping.pairs.start[
					own_pair(d, cur, s->key)].value;
			} else {
				slot = &node_at(d, cur)->data.sequence.items.start[s->index];
			}
			*slot = c;
			child = c;
		}
		cur = child;
	}
	free(where);
	if (rc == -E2BIG)
		rc = apply_fail(seg, why, p->n ? p->n - 1 : 0,
				"the value nests deeper than %d levels or holds more than %d nodes",
				YAMLDOC_DEPTH_MAX, SWEEP_VALUE_NODES);
	return rc;
}

/* Put the node MK makes at each place path P of D names (its index lists
 * counted like digits, the last list fastest); see sweep_path_apply. */
static int path_put(yaml_document_t *d, const struct sweep_path *p,
		    const struct maker *mk, size_t *seg, char **why)
{
	struct sweep_seg segs[SWEEP_SEGS_MAX];
	size_t pick[SWEEP_SEGS_MAX] = { 0 }, i;
	struct sweep_path one = { segs, p->n, p->text };
	int rc;

	if (p->n > SWEEP_SEGS_MAX)
		return apply_fail(seg, why, 0, "more than %d steps in a path",
				  SWEEP_SEGS_MAX);
	memcpy(segs, p->segs, p->n * sizeof(*segs));
	for (;;) {
		for (i = 0; i < p->n; i++) {
			segs[i].index = pick[i] ? p->segs[i].also[pick[i] - 1]
						: p->segs[i].index;
			segs[i].n_also = 0;
		}
		rc = put_one(d, &one, mk, seg, why);
		if (rc)
			return rc;
		for (i = p->n; i-- > 0;) {
			if (pick[i] < p->segs[i].n_also) {
				pick[i]++;
				break;
			}
			pick[i] = 0;
		}
		if (i == (size_t)-1)
			return 0;
	}
}

int sweep_path_apply(yaml_document_t *doc, const struct sweep_path *p,
		     yaml_document_t *src, const yaml_node_t *value,
		     size_t *seg, char **why)
{
	struct maker mk = { .src = src, .value = value };

	return path_put(doc, p, &mk, seg, why);
}

/* The node at path P of D, through merge keys, or NULL. */
static yaml_node_t *path_get(yaml_document_t *d, const struct sweep_path *p)
{
	int cur = 1;
	size_t i;

	if (!yaml_document_get_root_node(d))
		return NULL;
	for (i = 0; i < p->n; i++) {
		yaml_node_t *n = node_at(d, cur);

		if (p->segs[i].key) {
			long pi;

			if (n->type != YAML_MAPPING_NODE)
				return NULL;
			pi = own_pair(d, cur, p->segs[i].key);
			cur = pi >= 0 ? n->data.mapping.pairs.start[pi].value
				      : merged_value(d, cur, p->segs[i].key);
		} else {
			if (n->type != YAML_SEQUENCE_NODE ||
			    p->segs[i].index >= (size_t)(n->data.sequence.items.top -
							n->data.sequence.items.start))
				return NULL;
			cur = n->data.sequence.items.start[p->segs[i].index];
		}
		if (!cur)
			return NULL;
	}
	return node_at(d, cur);
}

/* ---- values as text ---- */

/* Can scalar V, written quoted, be shown plain: only characters no YAML
 * reader mistakes? (A scalar written plain is shown as written unless it
 * holds flow punctuation.) */
static bool plain_ok(const char *v, size_t len)
{
	size_t i;

	if (!len)
		return false;
	for (i = 0; i < len; i++)
		if (!isalnum((unsigned char)v[i]) && !strchr("._/%+-", v[i]))
			return false;
	return true;
}

static void scalar_text(struct strbuf *sb, const yaml_node_t *n)
{
	const char *v = (const char *)n->data.scalar.value;
	size_t len = n->data.scalar.length, i;

	if (!len && n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE) {
		strbuf_addc(sb, '~');
		return;
	}
	if (plain_ok(v, len) ||
	    (n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
	     !strpbrk(v, ",[]{}#\"'"))) {
		strbuf_add(sb, v, len);
		return;
	}
	strbuf_addc(sb, '"');
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)v[i];

		if (c == '"' || c == '\\')
			strbuf_addf(sb, "\\%c", c);
		else if (c < 0x20 || c == 0x7f)
			strbuf_addf(sb, "\\x%02x", c);
		else
			strbuf_addc(sb, (char)c);
	}
	strbuf_addc(sb, '"');
}

static void flow_text(struct strbuf *sb, yaml_document_t *d,
		      const yaml_node_t *n, int depth)
{
	yaml_node_pair_t *p;
	yaml_node_item_t *it;

	if (!n || depth > YAMLDOC_DEPTH_MAX || sb->len > VALUE_TEXT_MAX) {
		strbuf_adds(sb, "...");
		return;
	}
	if (n->type == YAML_SCALAR_NODE) {
		scalar_text(sb, n);
	} else if (n->type == YAML_SEQUENCE_NODE) {
		strbuf_addc(sb, '[');
		for (it = n->data.sequence.items.start;
		     it < n->data.sequence.items.top; it++) {
			if (it != n->data.sequence.items.start)
				strbuf_adds(sb, ", ");
			flow_text(sb, d, node_at(d, *it), depth + 1);
			if (sb->len > VALUE_TEXT_MAX)
				break;
		}
		strbuf_addc(sb, ']');
	} else if (n->type == YAML_MAPPING_NODE) {
		strbuf_addc(sb, '{');
		for (p = n->data.mapping.pairs.start;
		     p < n->data.mapping.pairs.top; p++) {
			if (p != n->data.mapping.pairs.start)
				strbuf_adds(sb, ", ");
			flow_text(sb, d, node_at(d, p->key), depth + 1);
			strbuf_adds(sb, ": ");
			flow_text(sb, d, node_at(d, p->value), depth + 1);
			if (sb->len > VALUE_TEXT_MAX)
				break;
		}
		strbuf_addc(sb, '}');
	}
}

char *sweep_value_text(yaml_document_t *src, const yaml_node_t *n)
{
	struct strbuf sb = STRBUF_INIT;

	flow_text(&sb, src, n, 0);
	return strbuf_detach(&sb);
}

/* ---- loading ---- */

enum { S_NAME, S_TOPOLOGY, S_AXES, S_REPEAT, S_SEED, S_ORDER, S_WORKLOAD,
       S_CI, S_N };
static const char *const sweep_keys[] = { "name", "topology", "axes",
					  "repeat", "seed", "order",
					  "workload", "ci" };
static const char *const order_names[] = { "shuffled", "sequential", "blocked" };

const char *sweep_order_name(enum sweep_order order)
{
	return (size_t)order < N_OF(order_names) ? order_names[order] : "?";
}

/* Where offset AT of scalar K's value is in the file: K's position moved
 * right when K is written on one line as its text (plain, or quoted
 * without escapes), else K's position. */
static struct src_pos offset_pos(const yaml_node_t *k, size_t at)
{
	struct src_pos pos = yamldoc_pos(k);
	size_t len = k->data.scalar.length;
	size_t width = k->end_mark.column - k->start_mark.column;

	if (k->start_mark.line != k->end_mark.line)
		return pos;
	if (k->data.scalar.style == YAML_PLAIN_SCALAR_STYLE && width == len)
		pos.col += (int)at;
	else if ((k->data.scalar.style == YAML_SINGLE_QUOTED_SCALAR_STYLE ||
		  k->data.scalar.style == YAML_DOUBLE_QUOTED_SCALAR_STYLE) &&
		 width == len + 2)
		pos.col += (int)at + 1;
	return pos;
}

/* Do index steps A and B name an item in common? */
static bool indexes_meet(const struct sweep_seg *a, const struct sweep_seg *b)
{
	size_t i, j;

	for (i = 0; i <= a->n_also; i++)
		for (j = 0; j <= b->n_also; j++)
			if ((i ? a->also[i - 1] : a->index) ==
			    (j ? b->also[j - 1] : b->index))
				return true;
	return false;
}

/* Is P (N steps) the first steps of Q (an index list meeting another)? */
static bool path_within(const struct sweep_path *p, const struct sweep_path *q)
{
	size_t i;

	if (p->n > q->n)
		return false;
	for (i = 0; i < p->n; i++) {
		const struct sweep_seg *a = &p->segs[i], *b = &q->segs[i];

		if (!a->key != !b->key)
			return false;
		if (a->key ? strcmp(a->key, b->key) : !indexes_meet(a, b))
			return false;
	}
	return true;
}

static int load_values(struct sweep *s, struct sweep_axis *a,
		       const yaml_node_t *v)
{
	struct yload *L = &s->y;
	yaml_node_item_t *it;
	size_t i, k;

	if (!v || v->type != YAML_SEQUENCE_NODE)
		return yload_fail(L, v, "expected a sequence of values for axis '%s', got %s",
				  a->path.text, yload_got(L, v).s);
	a->n_values = yload_seq_len(v);
	if (!a->n_values)
		return yload_fail(L, v, "axis '%s' has no values", a->path.text);
	if (a->n_values > SWEEP_VALUES_MAX)
		return yload_fail(L, v, "axis '%s' has %zu values (at most %d)",
				  a->path.text, a->n_values, SWEEP_VALUES_MAX);
	a->values = calloc(a->n_values, sizeof(*a->values));
	a->texts = calloc(a->n_values, sizeof(*a->texts));
	if (!a->values || !a->texts)
		return yload_nomem(L);
	for (i = 0, it = v->data.sequence.items.start; i < a->n_values; i++, it++) {
		a->values[i] = yload_node(L, *it);
		a->texts[i] = sweep_value_text(&L->doc->doc, a->values[i]);
		if (!a->texts[i])
			return yload_nomem(L);
		for (k = 0; k < i; k++)
			if (!strcmp(a->texts[k], a->texts[i]))
				return yload_fail(L, a->values[i],
						  "duplicate value '%s' for axis '%s' (first at line %d)",
						  yload_show(L, a->texts[i]).s,
						  a->path.text,
						  yamldoc_pos(a->values[k]).line);
	}
	return 0;
}

static int load_axes(struct sweep *s, const yaml_node_t *n)
{
	struct yload *L = &s->y;
	yaml_node_pair_t *p;
	size_t i, k, len, at;
	char *why = NULL;
	int rc = 0;

	if (n->type != YAML_MAPPING_NODE)
		return yload_fail(L, n, "expected a mapping of topology paths to values for 'axes', got %s",
				  yload_got(L, n).s);
	len = (size_t)(n->data.mapping.pairs.top - n->data.mapping.pairs.start);
	if (!len)
		return yload_fail(L, n, "'axes' is empty: give a topology path and its values");
	if (len > SWEEP_AXES_MAX)
		return yload_fail(L, n, "%zu axes (at most %d)", len,
				  SWEEP_AXES_MAX);
	s->axes = calloc(len, sizeof(*s->axes));
	if (!s->axes)
		return yload_nomem(L);
	for (i = 0, p = n->data.mapping.pairs.start; i < len && !rc; i++, p++) {
		const yaml_node_t *k_at = yload_node(L, p->key);
		const char *ks = yamldoc_scalar(k_at);
		struct sweep_axis *a = &s->axes[s->n_axes++];

		a->key = k_at;
		if (!ks || yamldoc_is_null(k_at)) {
			rc = yload_fail(L, k_at, "expected a topology path, got %s",
					yload_got(L, k_at).s);
			break;
		}
		rc = sweep_path_parse(ks, &a->path, &at, &why);
		if (rc == -EINVAL) {
			rc = yload_fail_at(L, offset_pos(k_at, at), "axis '%s': %s",
					   yload_show(L, ks).s, why);
			break;
		}
		if (rc) {
			rc = yload_nomem(L);
			break;
		}
		if (a->path.n == 1 && (seg_is(&a->path, 0, "seed") ||
				       seg_is(&a->path, 0, "name"))) {
			rc = yload_fail(L, k_at, seg_is(&a->path, 0, "seed") ?
					"'seed' is not an axis: the sweep sets it for each point and repetition from its own 'seed'" :
					"'name' is not an axis: every point is the same experiment");
			break;
		}
		for (k = 0; k < i && !rc; k++) {
			const struct sweep_axis *b = &s->axes[k];

			if (!strcmp(b->path.text, a->path.text))
				rc = yload_fail(L, k_at, "duplicate axis '%s' (first at line %d)",
						a->path.text, yamldoc_pos(b->key).line);
			else if (path_within(&b->path, &a->path) ||
				 path_within(&a->path, &b->path))
				rc = yload_fail(L, k_at, "axis '%s' overlaps axis '%s' (line %d): one is inside the other",
						a->path.text, b->path.text,
						yamldoc_pos(b->key).line);
		}
		if (!rc) {
			a->action = sweep_path_action(&a->path);
			rc = load_values(s, a, yload_node(L, p->value));
		}
	}
	free(why);
	return rc;
}

/* DIR/PATH, or PATH when it is absolute or DIR is NULL. */
static char *resolve_path(const char *dir, const char *path)
{
	if (path[0] == '/' || !dir)
		return strdup(path);
	return str_printf("%s/%s", dir, path);
}

/* The directory part of PATH ("/" for "/x"), or NULL when it has none. */
static char *dir_of(const char *path, int *rc)
{
	const char *slash = strrchr(path, '/');
	char *dir;

	*rc = 0;
	if (!slash)
		return NULL;
	dir = slash == path ? strdup("/") : strndup(path, (size_t)(slash - path));
	if (!dir)
		*rc = -ENOMEM;
	return dir;
}

/* Strip "LABEL:LINE:COL: " from topology message MSG when it is about the
 * generated text LABEL (its positions mean nothing in a file); keep it
 * whole when it points into another file (a matrix). Allocated. */
static char *topo_message(const char *label, const char *msg)
{
	size_t ll = strlen(label);
	const char *p = msg + ll;

	if (strncmp(msg, label, ll) || *p != ':')
		return strdup(msg);
	p++;
	if (!isdigit((unsigned char)*p))
		return strdup(msg);
	while (isdigit((unsigned char)*p))
		p++;
	if (*p++ != ':' || !isdigit((unsigned char)*p))
		return strdup(msg);
	while (isdigit((unsigned char)*p))
		p++;
	if (strncmp(p, ": ", 2))
		return strdup(msg);
	return strdup(p + 2);
}

/* Apply axes VALS[i] >= 0 (value index of axis i; NULL: none) to the
 * topology with the sweep's workload and SEED, into *TEXT. */
static int render(const struct sweep *s, const long *vals, uint64_t seed,
		  bool absolute, char **text, char **err);

/* Load TEXT as the topology and run CHECK: 0, or -EINVAL with *MSG (the
 * topology's message without its own position), or -ENOMEM. *OUT (may be
 * NULL) receives the topology. */
static int validate_text(const struct sweep *s, const char *text,
			 sweep_check_fn check, void *arg, struct topology **out,
			 char **msg)
{
	struct topology *t;
	char *terr = NULL;

	*msg = NULL;
	t = topo_load_string(text, s->topo_path, s->topo_dir, &terr);
	if (!t) {
		*msg = terr ? topo_message(s->topo_path, terr) : NULL;
		free(terr);
		return *msg ? -EINVAL : -ENOMEM;
	}
	if (check && (*msg = check(arg, t))) {
		topo_free(t);
		return -EINVAL;
	}
	if (out)
		*out = t;
	else
		topo_free(t);
	return 0;
}

/* The topology alone, then with the sweep's workload and a seed. */
static int load_topology(struct sweep *s, const yaml_node_t *topo_at)
{
	struct yload *L = &s->y;
	struct topology *t = NULL;
	char *text = NULL, *msg = NULL, *terr = NULL;
	size_t len = 0;
	int rc;

	rc = fs_read_file(s->topo_path, TOPO_FILE_MAX, &s->topo_text, &len);
	if (rc)
		return yload_fail(L, topo_at, "cannot read topology '%s': %s",
				  s->topo_path, fs_read_error(rc));
	if (strlen(s->topo_text) != len)
		return yload_fail(L, topo_at, "topology '%s' holds a NUL byte",
				  s->topo_path);
	/* An invalid topology is reported as the topology loader says. */
	t = topo_load_string(s->topo_text, s->topo_path, s->topo_dir, &terr);
	if (!t) {
		free(L->err);
		L->err = terr ? terr : strdup("out of memory");
		return -EINVAL;
	}
	s->exp = strdup(t->name);
	topo_free(t);
	if (!s->exp)
		return yload_nomem(L);
	rc = render(s, NULL, s->seed, false, &text, &L->err);
	if (rc == 0)
		rc = validate_text(s, text, NULL, NULL, NULL, &msg);
	if (rc == -EINVAL && msg)
		rc = yload_fail(L, s->workload ? s->workload : topo_at, "%s%s",
				s->workload ? "workload: " : "", msg);
	else if (rc == -ENOMEM)
		rc = yload_nomem(L);
	free(msg);
	free(text);
	return rc;
}

static int load_top(struct sweep *s)
{
	struct yload *L = &s->y;
	const yaml_node_t *root = yamldoc_root(L->doc);
	const yaml_node_t *v[S_N], *k[S_N];
	const char *name, *topo;
	uint64_t u = 1;
	size_t i;
	int order = SWEEP_SHUFFLED, rc;

	if (!root)
		return yload_fail_at(L, (struct src_pos){ 1, 1 },
				     "empty sweep (expected a mapping with 'name', 'topology' and 'axes')");
	if (root->type != YAML_MAPPING_NODE)
		return yload_fail(L, root, "expected a mapping at the top level, got %s",
				  yload_got(L, root).s);
	rc = yload_map(L, root, "the sweep", sweep_keys, S_N, v, k);
	if (!rc)
		rc = yload_need(L, root, k[S_NAME], "name");
	if (!rc)
		rc = yload_name(L, v[S_NAME], "name", "sweep name", &name);
	if (!rc && !(s->name = yload_dup(L, name)))
		rc = -ENOMEM;
	if (!rc)
		rc = yload_need(L, root, k[S_TOPOLOGY], "topology");
	if (!rc)
		rc = yload_str(L, v[S_TOPOLOGY], "topology", &topo);
	if (!rc && !*topo)
		rc = yload_fail(L, v[S_TOPOLOGY], "empty topology path");
	if (!rc && !(s->topo_path = resolve_path(s->topo_dir, topo)))
		rc = yload_nomem(L);
	if (!rc)
		rc = yload_need(L, root, k[S_AXES], "axes");
	if (!rc)
		rc = load_axes(s, v[S_AXES]);
	if (!rc && yload_present(v[S_REPEAT]))
		rc = yload_uint(L, v[S_REPEAT], "repeat", 1, SWEEP_REPEAT_MAX, &u);
	s->repeat = (unsigned)u;
	if (!rc && yload_present(v[S_SEED]))
		rc = yload_uint(L, v[S_SEED], "seed", 0, UINT64_MAX, &s->seed);
	if (!rc && yload_present(v[S_ORDER]))
		rc = yload_enum(L, v[S_ORDER], "order", "order", order_names,
				N_OF(order_names), &order);
	s->order = (enum sweep_order)order;
	if (!rc && yload_present(v[S_WORKLOAD]))
		s->workload = v[S_WORKLOAD];
	if (!rc && yload_present(v[S_CI]))
		s->ci = v[S_CI];
	/* The expansion's size, before anything is expanded. */
	s->n_points = 1;
	for (i = 0; !rc && i < s->n_axes; i++) {
		s->n_points *= s->axes[i].n_values;
		if (s->n_points > SWEEP_POINTS_MAX)
			rc = yload_fail(L, v[S_AXES], "the axes make more than %d points",
					SWEEP_POINTS_MAX);
	}
	if (!rc && s->n_points * s->repeat > SWEEP_PAIRS_MAX)
		rc = yload_fail(L, v[S_REPEAT] ? v[S_REPEAT] : v[S_AXES],
				"%zu points x %u repetitions make more than %d (point, repetition) pairs",
				s->n_points, s->repeat, SWEEP_PAIRS_MAX);
	if (!rc) {
		free(s->topo_dir);
		s->topo_dir = dir_of(s->topo_path, &rc);
		if (rc)
			rc = yload_nomem(L);
	}
	if (!rc)
		rc = load_topology(s, v[S_TOPOLOGY]);
	if (!rc)
		s->hash = sweep_hash(s->text, s->topo_text);
	return rc;
}

/* The sweep's own label, as yload reads it (y.label is const). */
struct sweep_priv {
	struct sweep s;
	char *label;
};

struct sweep *sweep_load_string(const char *text, const char *label,
				const char *dir, char **err)
{
	struct sweep_priv *sp = calloc(1, sizeof(*sp));
	struct sweep *s = sp ? &sp->s : NULL;
	int rc;

	*err = NULL;
	if (!sp || !(sp->label = strdup(label)) || !(s->text = strdup(text))) {
		*err = strdup("out of memory");
		sweep_free(s);
		return NULL;
	}
	s->y.label = sp->label;
	s->y.flags = YLOAD_MERGE_KEYS;
	s->y.name_max = SWEEP_NAME_MAX;
	/* load_top replaces it with the topology's directory. */
	if (dir && !(s->topo_dir = strdup(dir))) {
		*err = strdup("out of memory");
		sweep_free(s);
		return NULL;
	}
	rc = yload_parse(&s->y, text, strlen(text));
	if (!rc)
		rc = load_top(s);
	if (rc) {
		*err = s->y.err ? s->y.err : strdup("out of memory");
		s->y.err = NULL;
		sweep_free(s);
		return NULL;
	}
	return s;
}

struct sweep *sweep_load(const char *path, char **err)
{
	struct sweep *s = NULL;
	char *text = NULL, *dir;
	size_t len = 0;
	int rc;

	*err = NULL;
	rc = fs_read_file(path, SWEEP_FILE_MAX, &text, &len);
	if (rc) {
		*err = str_printf("cannot read sweep '%s': %s", path,
				  fs_read_error(rc));
		return NULL;
	}
	if (strlen(text) != len) {
		*err = str_printf("sweep '%s' holds a NUL byte", path);
		free(text);
		return NULL;
	}
	dir = dir_of(path, &rc);
	if (rc)
		*err = strdup("out of memory");
	else
		s = sweep_load_string(text, path, dir, err);
	free(dir);
	free(text);
	return s;
}

void sweep_free(struct sweep *s)
{
	struct sweep_priv *sp = (struct sweep_priv *)s;
	size_t i, k;

	if (!s)
		return;
	for (i = 0; s->axes && i < s->n_axes; i++) {
		sweep_path_release(&s->axes[i].path);
		for (k = 0; s->axes[i].texts && k < s->axes[i].n_values; k++)
			free(s->axes[i].texts[k]);
		free(s->axes[i].texts);
		free(s->axes[i].values);
	}
	free(s->axes);
	yload_release(&s->y);
	free(s->text);
	free(s->name);
	free(s->topo_path);
	free(s->topo_dir);
	free(s->topo_text);
	free(s->exp);
	free(sp->label);
	free(sp);
}

bool sweep_sniff(const char *text, size_t len)
{
	struct yamldoc *d;
	yaml_node_t *root;
	yaml_node_pair_t *p;
	char *err = NULL;
	bool found = false;

	d = yamldoc_parse(text, len, "sniff", &err);
	free(err);
	root = d ? yamldoc_root(d) : NULL;
	if (root && root->type == YAML_MAPPING_NODE)
		for (p = root->data.mapping.pairs.start;
		     p < root->data.mapping.pairs.top && !found; p++) {
			const char *ks = yamldoc_scalar(yamldoc_node(d, p->key));

			found = ks && (!strcmp(ks, "axes") ||
				       !strcmp(ks, "topology"));
		}
	yamldoc_free(d);
	return found;
}

uint64_t sweep_hash(const char *sweep_text, const char *topo_text)
{
	uint64_t h = 0xcbf29ce484222325ull;
	const char *texts[2] = { sweep_text, topo_text };
	size_t i;
	const char *c;

	for (i = 0; i < 2; i++) {
		for (c = texts[i] ? texts[i] : ""; *c; c++) {
			h ^= (unsigned char)*c;
			h *= 0x100000001b3ull;
		}
		if (!i)
			h *= 0x100000001b3ull;          /* the NUL between them */
	}
	return h;
}

/* ---- expansion ---- */

void sweep_point_values(const struct sweep *s, size_t point, size_t *idx)
{
	size_t i = s->n_axes;

	while (i-- > 0) {
		idx[i] = point % s->axes[i].n_values;
		point /= s->axes[i].n_values;
	}
}

char *sweep_point_label(const struct sweep *s, size_t point)
{
	size_t idx[SWEEP_AXES_MAX], i;
	struct strbuf sb = STRBUF_INIT;

	sweep_point_values(s, point, idx);
	for (i = 0; i < s->n_axes; i++)
		strbuf_addf(&sb, "%s%s=%s", i ? ", " : "", s->axes[i].path.text,
			    s->axes[i].texts[idx[i]]);
	return strbuf_detach(&sb);
}

uint64_t sweep_splitmix64(uint64_t x)
{
	uint64_t z = x + 0x9e3779b97f4a7c15ull;

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

uint64_t sweep_pair_seed(uint64_t seed, size_t point, unsigned rep)
{
	return sweep_splitmix64(sweep_splitmix64(sweep_splitmix64(seed) ^
						 (uint64_t)point) ^ rep);
}

uint64_t sweep_rng_next(struct sweep_rng *r)
{
	uint64_t out = sweep_splitmix64(r->state);

	r->state += 0x9e3779b97f4a7c15ull;
	return out;
}

uint64_t sweep_rng_below(struct sweep_rng *r, uint64_t bound)
{
	uint64_t floor = (0 - bound) % bound, v;

	do
		v = sweep_rng_next(r);
	while (v < floor);
	return v % bound;
}

enum sweep_action sweep_step_action(const struct sweep *s, size_t a,
				    size_t b)
{
	size_t ia[SWEEP_AXES_MAX], ib[SWEEP_AXES_MAX], i;
	enum sweep_action act = SWEEP_REUSE;

	if (a == b)
		return act;
	sweep_point_values(s, a, ia);
	sweep_point_values(s, b, ib);
	for (i = 0; i < s->n_axes; i++)
		if (ia[i] != ib[i] && s->axes[i].action > act)
			act = s->axes[i].action;
	return act;
}

void sweep_plan_actions(const struct sweep *s, struct sweep_pair *pairs,
			size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		pairs[i].action = i ? sweep_step_action(s, pairs[i - 1].point,
							pairs[i].point)
				    : SWEEP_REBUILD;
}

/* Sequential order: the REBUILD axes' values first, then REDEPLOY's,
 * then REUSE's, then the repetition. */
static int pair_cmp(const void *pa, const void *pb, void *arg)
{
	const struct sweep *s = arg;
	const struct sweep_pair *a = pa, *b = pb;
	size_t ia[SWEEP_AXES_MAX], ib[SWEEP_AXES_MAX], i;
	int cls;

	sweep_point_values(s, a->point, ia);
	sweep_point_values(s, b->point, ib);
	for (cls = SWEEP_REBUILD; cls >= SWEEP_REUSE; cls--)
		for (i = 0; i < s->n_axes; i++)
			if ((int)s->axes[i].action == cls && ia[i] != ib[i])
				return ia[i] < ib[i] ? -1 : 1;
	return a->rep < b->rep ? -1 : a->rep > b->rep;
}

/* The group of POINT: the index of its REBUILD and REDEPLOY axis values
 * (mixed radix), the same for every point one deployment serves. */
static size_t point_group(const struct sweep *s, size_t point)
{
	size_t idx[SWEEP_AXES_MAX], i, g = 0;

	sweep_point_values(s, point, idx);
	for (i = 0; i < s->n_axes; i++)
		if (s->axes[i].action != SWEEP_REUSE)
			g = g * s->axes[i].n_values + idx[i];
	return g;
}

/* The draw ordering group G within block REP: one stream per sweep seed,
 * apart from the pairs' seeds. */
static uint64_t group_draw(const struct sweep *s, unsigned rep, size_t g)
{
	return sweep_splitmix64(sweep_splitmix64(sweep_splitmix64(s->seed ^
					0x626c6f636bull) ^ rep) ^ (uint64_t)g);
}

/* Blocked order: by repetition, then the block's draw for the group, then
 * the pair's own seed (a draw per point and repetition). */
static int block_cmp(const void *pa, const void *pb, void *arg)
{
	const struct sweep *s = arg;
	const struct sweep_pair *a = pa, *b = pb;
	size_t ga, gb;
	uint64_t da, db;

	if (a->rep != b->rep)
		return a->rep < b->rep ? -1 : 1;
	ga = point_group(s, a->point);
	gb = point_group(s, b->point);
	da = group_draw(s, a->rep, ga);
	db = group_draw(s, b->rep, gb);
	if (da != db)
		return da < db ? -1 : 1;
	if (ga != gb)
		return ga < gb ? -1 : 1;
	if (a->seed != b->seed)
		return a->seed < b->seed ? -1 : 1;
	return a->point < b->point ? -1 : a->point > b->point;
}

int sweep_plan(const struct sweep *s, struct sweep_pair **pairs, size_t *n)
{
	size_t total = s->n_points * s->repeat, i, k = 0;
	struct sweep_rng rng = { s->seed };
	struct sweep_pair *v, tmp;
	unsigned r;

	*pairs = NULL;
	*n = 0;
	v = calloc(total ? total : 1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	for (i = 0; i < s->n_points; i++) {
		for (r = 0; r < s->repeat; r++, k++) {
			v[k].point = i;
			v[k].rep = r;
			v[k].seed = sweep_pair_seed(s->seed, i, r);
		}
	}
	if (s->order == SWEEP_SHUFFLED) {
		for (i = total - 1; total && i > 0; i--) {
			size_t j = (size_t)sweep_rng_below(&rng, (uint64_t)i + 1);

			tmp = v[i];
			v[i] = v[j];
			v[j] = tmp;
		}
	} else {
		qsort_r(v, total, sizeof(*v),
			s->order == SWEEP_BLOCKED ? block_cmp : pair_cmp,
			(void *)s);
	}
	sweep_plan_actions(s, v, total);
	*pairs = v;
	*n = total;
	return 0;
}

/* ---- a point's topology ---- */

static int write_out(void *data, unsigned char *buf, size_t size)
{
	return strbuf_add(data, buf, size) == 0;
}

/* DOC as YAML text into *OUT. libyaml's emitter frees DOC's nodes (the
 * document is empty afterwards, and yaml_document_delete of it is
 * harmless). */
static int emit(yaml_document_t *doc, char **out)
{
	struct strbuf sb = STRBUF_INIT;
	yaml_emitter_t e;
	int ok;

	if (!yaml_emitter_initialize(&e))
		return -ENOMEM;
	yaml_emitter_set_output(&e, write_out, &sb);
	yaml_emitter_set_unicode(&e, 1);
	yaml_emitter_set_width(&e, -1);
	ok = yaml_emitter_open(&e) && yaml_emitter_dump(&e, doc) &&
	     yaml_emitter_close(&e) && yaml_emitter_flush(&e);
	yaml_emitter_delete(&e);
	*out = ok ? strbuf_detach(&sb) : NULL;
	if (!ok)
		strbuf_release(&sb);
	return *out ? 0 : -ENOMEM;
}

/* A path of one key. */
static void path_one(struct sweep_path *p, struct sweep_seg *seg, char *key)
{
	seg->key = key;
	seg->index = 0;
	seg->also = NULL;
	seg->n_also = 0;
	seg->offset = 0;
	p->segs = seg;
	p->n = 1;
	p->text = key;
}

/* Make network.matrix.file of D absolute (the text goes elsewhere than
 * the topology): DIR/FILE through realpath(DIR). */
static int matrix_absolute(const struct sweep *s, yaml_document_t *d)
{
	struct sweep_seg segs[3] = {
		{ .key = (char *)"network" }, { .key = (char *)"matrix" },
		{ .key = (char *)"file" },
	};
	struct sweep_path p = { segs, 3, (char *)"network.matrix.file" };
	const yaml_node_t *n = path_get(d, &p);
	char *dir = NULL, *abs = NULL, *why = NULL;
	const char *f;
	struct maker mk = { 0 };
	int rc = 0;

	f = n ? yamldoc_scalar(n) : NULL;
	if (!f || !*f || f[0] == '/')
		return 0;
	dir = realpath(s->topo_dir ? s->topo_dir : ".", NULL);
	if (!dir)
		return 0;       /* the loader then says the file is missing */
	abs = str_printf("%s/%s", dir, f);
	mk.scalar = abs;
	rc = abs ? path_put(d, &p, &mk, NULL, &why) : -ENOMEM;
	free(why);
	free(abs);
	free(dir);
	return rc;
}

static int render(const struct sweep *s, const long *vals, uint64_t seed,
		  bool absolute, char **text, char **err)
{
	struct sweep_seg seg;
	struct sweep_path one;
	struct yamldoc *d;
	struct maker mk = { 0 };
	char seedbuf[24], *why = NULL, *perr = NULL;
	size_t i, at = 0;
	int rc = 0;

	*text = NULL;
	d = yamldoc_parse(s->topo_text, strlen(s->topo_text), s->topo_path,
			  &perr);
	if (!d) {
		*err = perr;
		return perr ? -EINVAL : -ENOMEM;
	}
	mk.src = &s->y.doc->doc;
	if (s->workload) {
		path_one(&one, &seg, (char *)"workload");
		mk.value = s->workload;
		rc = path_put(&d->doc, &one, &mk, NULL, &why);
		if (rc == -EINVAL)
			*err = yamldoc_error(s->y.label, yamldoc_pos(s->workload),
					     "workload: %s", why);
	}
	for (i = 0; !rc && vals && i < s->n_axes; i++) {
		const struct sweep_axis *a = &s->axes[i];

		if (vals[i] < 0)
			continue;
		mk.value = a->values[vals[i]];
		rc = path_put(&d->doc, &a->path, &mk, &at, &why);
		if (rc == -EINVAL)
			*err = yamldoc_error(s->y.label,
					     offset_pos(a->key, a->path.segs[at].offset),
					     "axis '%s': %s", a->path.text, why);
	}
	if (!rc) {
		snprintf(seedbuf, sizeof(seedbuf), "%llu", (unsigned long long)seed);
		path_one(&one, &seg, (char *)"seed");
		mk.scalar = seedbuf;
		rc = path_put(&d->doc, &one, &mk, NULL, &why);
	}
	if (!rc && absolute)
		rc = matrix_absolute(s, &d->doc);
	if (!rc)
		rc = emit(&d->doc, text);
	if (rc == -EINVAL && !*err)
		*err = yamldoc_error(s->y.label, (struct src_pos){ 1, 1 }, "%s",
				     why ? why : "cannot apply the sweep");
	if (rc == -EINVAL && !*err)
		rc = -ENOMEM;
	free(why);
	yamldoc_free(d);
	return rc;
}

int sweep_point_text(const struct sweep *s, size_t point, uint64_t seed,
		     bool absolute, char **text, char **err)
{
	size_t idx[SWEEP_AXES_MAX], i;
	long vals[SWEEP_AXES_MAX];

	*err = NULL;
	sweep_point_values(s, point, idx);
	for (i = 0; i < s->n_axes; i++)
		vals[i] = (long)idx[i];
	return render(s, vals, seed, absolute, text, err);
}

/* Does value V of axis A alone (on the topology with the sweep's
 * workload) fail with message MSG? Then the value is to blame. */
static bool value_fails_alone(const struct sweep *s, size_t a, size_t v,
			      sweep_check_fn check, void *arg, const char *msg)
{
	long vals[SWEEP_AXES_MAX];
	char *text = NULL, *err = NULL, *alone = NULL;
	bool same = false;
	size_t i;

	for (i = 0; i < s->n_axes; i++)
		vals[i] = i == a ? (long)v : -1;
	if (render(s, vals, s->seed, false, &text, &err) == 0 &&
	    validate_text(s, text, check, arg, NULL, &alone) == -EINVAL)
		same = alone && !strcmp(alone, msg);
	free(alone);
	free(err);
	free(text);
	return same;
}

int sweep_validate(const struct sweep *s, sweep_check_fn check, void *arg,
		   char **err)
{
	size_t idx[SWEEP_AXES_MAX], a, point;
	char *text = NULL, *msg = NULL, *label = NULL;
	int rc = 0;

	*err = NULL;
	for (point = 0; !rc && point < s->n_points; point++) {
		rc = sweep_point_text(s, point, sweep_pair_seed(s->seed, point, 0),
				      false, &text, err);
		if (!rc)
			rc = validate_text(s, text, check, arg, NULL, &msg);
		if (rc == -EINVAL && msg) {
			/* A value that fails alone is the one to blame; else
			 * the combination is. */
			sweep_point_values(s, point, idx);
			for (a = 0; a < s->n_axes; a++)
				if (value_fails_alone(s, a, idx[a], check, arg, msg))
					break;
			if (a < s->n_axes) {
				*err = yamldoc_error(s->y.label,
						     yamldoc_pos(s->axes[a].values[idx[a]]),
						     "%s: %s", s->axes[a].path.text, msg);
			} else {
				label = sweep_point_label(s, point);
				*err = yamldoc_error(s->y.label, yamldoc_pos(s->axes[0].key),
						     "point %zu of %zu (%s): %s", point + 1,
						     s->n_points, label ? label : "?", msg);
				free(label);
			}
		}
		free(text);
		text = NULL;
		free(msg);
		msg = NULL;
	}
	if (rc && !*err)
		*err = strdup("out of memory");
	return rc;
}

double sweep_estimate(const struct sweep_pair *pairs, size_t n,
		      const struct sweep_cost *cost, const char **missing)
{
	double total = 0;
	size_t i;

	if (missing)
		*missing = NULL;
	for (i = 0; i < n; i++) {
		const struct sweep_cost *c = &cost[pairs[i].point];
		double parts[3] = { c->up_s, c->deploy_s, c->workload_s };
		static const char *const names[3] = { "up", "deploy", "workload" };
		int from = pairs[i].action == SWEEP_REBUILD ? 0 :
			   pairs[i].action == SWEEP_REDEPLOY ? 1 : 2;
		int k;

		for (k = from; k < 3; k++) {
			if (isnan(parts[k])) {
				if (missing)
					*missing = names[k];
				return NAN;
			}
			total += parts[k];
		}
	}
	return total;
}
