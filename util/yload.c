/* yload — typed, positioned getters over a YAML document; see yload.h. */
#include "util/yload.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/suggest.h"
#include "util/units.h"

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

int yload_parse(struct yload *L, const char *text, size_t len)
{
	L->doc = yamldoc_parse(text, len, L->label, &L->err);
	return L->doc ? 0 : -EINVAL;
}

void yload_release(struct yload *L)
{
	yamldoc_free(L->doc);
	L->doc = NULL;
	free(L->err);
	L->err = NULL;
}

static int vfail_at(struct yload *L, const char *label, struct src_pos pos,
		    const char *fmt, va_list ap)
{
	if (!L->err)
		L->err = yamldoc_verror(label, pos, fmt, ap);
	return -EINVAL;
}

int yload_fail_at(struct yload *L, struct src_pos pos, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = vfail_at(L, L->label, pos, fmt, ap);
	va_end(ap);
	return rc;
}

int yload_fail(struct yload *L, const yaml_node_t *n, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = vfail_at(L, L->label, yamldoc_pos(n), fmt, ap);
	va_end(ap);
	return rc;
}

int yload_fail_in(struct yload *L, const char *label, struct src_pos pos,
		  const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = vfail_at(L, label, pos, fmt, ap);
	va_end(ap);
	return rc;
}

int yload_nomem(struct yload *L)
{
	yload_fail_at(L, (struct src_pos){ 1, 1 }, "out of memory");
	return -ENOMEM;
}

struct str_shown yload_show(const struct yload *L, const char *v)
{
	struct str_shown out;

	if (!(L->flags & YLOAD_QUOTE_RAW))
		return str_show(v);
	snprintf(out.s, sizeof(out.s), "%.*s", STR_SHOW_MAX, v);
	return out;
}

struct str_shown yload_got(const struct yload *L, const yaml_node_t *n)
{
	struct str_shown out;
	const char *v;

	if (!n || yamldoc_is_null(n))
		snprintf(out.s, sizeof(out.s), "null");
	else if (n->type == YAML_MAPPING_NODE)
		snprintf(out.s, sizeof(out.s), "a mapping");
	else if (n->type == YAML_SEQUENCE_NODE)
		snprintf(out.s, sizeof(out.s), "a sequence");
	else if (!(v = yamldoc_scalar(n)))
		snprintf(out.s, sizeof(out.s), "a string holding a NUL byte");
	else
		snprintf(out.s, sizeof(out.s), "'%.50s'", yload_show(L, v).s);
	return out;
}

bool yload_present(const yaml_node_t *n)
{
	return n && !yamldoc_is_null(n);
}

yaml_node_t *yload_node(struct yload *L, int id)
{
	return yamldoc_node(L->doc, id);
}

size_t yload_seq_len(const yaml_node_t *n)
{
	return (size_t)(n->data.sequence.items.top -
			n->data.sequence.items.start);
}

static int unknown_key(struct yload *L, const yaml_node_t *k, const char *ks,
		       const char *what, const char *const *keys,
		       size_t n_keys)
{
	const char *hint = suggest_closest(ks, keys, n_keys);
	char list[256];

	if (L->flags & YLOAD_KEY_CONTEXT) {
		if (hint)
			return yload_fail(L, k, "unknown key '%s' in %s (did you mean '%s'?)",
					  yload_show(L, ks).s, what, hint);
		return yload_fail(L, k, "unknown key '%s' in %s",
				  yload_show(L, ks).s, what);
	}
	if (hint)
		return yload_fail(L, k, "unknown key '%s' (did you mean '%s'?)",
				  yload_show(L, ks).s, hint);
	return yload_fail(L, k, "unknown key '%s' (valid keys: %s)",
			  yload_show(L, ks).s,
			  str_join(list, sizeof(list), keys, n_keys, ", "));
}

/* Record the pairs of mapping N in VALS/KEYS_AT (see yload_map). MERGED:
 * the pairs come from a "<<" merge key, so keys already set win and
 * repeats are not duplicates. MERGE (NULL when merging or without
 * YLOAD_MERGE_KEYS) receives the value of a "<<" key. */
static int map_pairs(struct yload *L, const yaml_node_t *n, const char *what,
		     const char *const *keys, size_t n_keys,
		     const yaml_node_t **vals, const yaml_node_t **keys_at,
		     bool merged, const yaml_node_t **merge)
{
	yaml_node_pair_t *p;
	size_t i;

	for (p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top;
	     p++) {
		const yaml_node_t *k = yload_node(L, p->key);
		const char *ks = yamldoc_scalar(k);

		if (!ks || yamldoc_is_null(k))
			return yload_fail(L, k, "expected a string key, got %s",
					  yload_got(L, k).s);
		if (!strcmp(ks, "<<") && merge) {
			if (*merge)
				return yload_fail(L, k, "duplicate key '<<'");
			*merge = yload_node(L, p->value);
			continue;
		}
		for (i = 0; i < n_keys; i++)
			if (!strcmp(ks, keys[i]))
				break;
		if (i == n_keys)
			return unknown_key(L, k, ks, what, keys, n_keys);
		if (keys_at[i] && merged)
			continue;
		if (keys_at[i])
			return yload_fail(L, k, "duplicate key '%s'", ks);
		keys_at[i] = k;
		vals[i] = yload_node(L, p->value);
	}
	return 0;
}

int yload_map(struct yload *L, const yaml_node_t *n, const char *what,
	      const char *const *keys, size_t n_keys,
	      const yaml_node_t **vals, const yaml_node_t **keys_at)
{
	const yaml_node_t *merge = NULL, *own_at[YLOAD_KEYS_MAX];
	bool merging = L->flags & YLOAD_MERGE_KEYS;
	yaml_node_item_t *it;
	size_t i;
	int rc;

	if (!keys_at && n_keys > YLOAD_KEYS_MAX)
		return -E2BIG;
	if (!keys_at)
		keys_at = own_at;
	if (!n || n->type != YAML_MAPPING_NODE)
		return yload_fail(L, n, "expected a mapping for %s, got %s",
				  what, yload_got(L, n).s);
	for (i = 0; i < n_keys; i++) {
		vals[i] = NULL;
		keys_at[i] = NULL;
	}
	rc = map_pairs(L, n, what, keys, n_keys, vals, keys_at, false,
		       merging ? &merge : NULL);
	if (rc || !merge)
		return rc;
	if (merge->type == YAML_MAPPING_NODE)
		return map_pairs(L, merge, what, keys, n_keys, vals, keys_at,
				 true, NULL);
	if (merge->type != YAML_SEQUENCE_NODE)
		return yload_fail(L, merge,
				  "expected a mapping or a sequence of mappings for '<<', got %s",
				  yload_got(L, merge).s);
	for (it = merge->data.sequence.items.start;
	     it < merge->data.sequence.items.top && !rc; it++) {
		const yaml_node_t *m = yload_node(L, *it);

		if (m->type != YAML_MAPPING_NODE)
			return yload_fail(L, m,
					  "expected a mapping to merge with '<<', got %s",
					  yload_got(L, m).s);
		rc = map_pairs(L, m, what, keys, n_keys, vals, keys_at, true,
			       NULL);
	}
	return rc;
}

bool yload_own_key(struct yload *L, const yaml_node_t *map,
		   const yaml_node_t *k)
{
	yaml_node_pair_t *p;

	for (p = map->data.mapping.pairs.start;
	     p < map->data.mapping.pairs.top; p++)
		if (yload_node(L, p->key) == k)
			return true;
	return false;
}

int yload_need(struct yload *L, const yaml_node_t *map,
	       const yaml_node_t *key_at, const char *key)
{
	if (key_at)
		return 0;
	return yload_fail(L, map, "missing key '%s'", key);
}

int yload_str(struct yload *L, const yaml_node_t *n, const char *key,
	      const char **out)
{
	const char *v = yamldoc_scalar(n);

	if (!v || yamldoc_is_null(n))
		return yload_fail(L, n, "expected a string for '%s', got %s",
				  key, yload_got(L, n).s);
	*out = v;
	return 0;
}

char *yload_dup(struct yload *L, const char *s)
{
	char *d = strdup(s);

	if (!d)
		yload_nomem(L);
	return d;
}

int yload_strdup(struct yload *L, const yaml_node_t *n, const char *key,
		 char **out)
{
	const char *v;
	int rc = yload_str(L, n, key, &v);

	if (!rc && !(*out = yload_dup(L, v)))
		rc = -ENOMEM;
	return rc;
}

static bool name_char(const struct yload *L, char c, bool first)
{
	if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))
		return true;
	if (first)
		return false;
	return c == '-' || (c == '_' && (L->flags & YLOAD_NAME_UNDERSCORE));
}

int yload_name(struct yload *L, const yaml_node_t *n, const char *key,
	       const char *what, const char **out)
{
	const char *v;
	size_t i;
	int rc = yload_str(L, n, key, &v);

	if (rc)
		return rc;
	if (!*v)
		return yload_fail(L, n, "empty %s", what);
	for (i = 0; v[i]; i++)
		if (!name_char(L, v[i], i == 0))
			return yload_fail(L, n, "bad %s '%s' (use %s, starting with a letter or digit)",
					  what, yload_show(L, v).s,
					  L->flags & YLOAD_NAME_UNDERSCORE ?
					  "a-z, 0-9, '-' and '_'" :
					  "a-z, 0-9 and '-'");
	if (i > L->name_max)
		return yload_fail(L, n, "%s '%s' is too long (at most %zu characters)",
				  what, yload_show(L, v).s, L->name_max);
	*out = v;
	return 0;
}

int yload_integer(struct yload *L, const yaml_node_t *n, const char *key,
		  uint64_t *out, bool *neg)
{
	const char *v = yamldoc_scalar(n);

	if (!v || yamldoc_is_null(n) ||
	    ((L->flags & YLOAD_UNSIGNED) && v[0] == '-') ||
	    units_parse_integer(v, out, neg))
		return yload_fail(L, n, "expected an integer for '%s', got %s",
				  key, yload_got(L, n).s);
	return 0;
}

int yload_uint(struct yload *L, const yaml_node_t *n, const char *key,
	       uint64_t min, uint64_t max, uint64_t *out)
{
	uint64_t v;
	bool neg;
	int rc = yload_integer(L, n, key, &v, &neg);

	if (rc)
		return rc;
	if ((neg && v) || v < min || v > max)
		return yload_fail(L, n, "%s %s is out of range (%llu to %llu)",
				  key, yload_show(L, yamldoc_scalar(n)).s,
				  (unsigned long long)min,
				  (unsigned long long)max);
	*out = v;
	return 0;
}

int yload_bool(struct yload *L, const yaml_node_t *n, const char *key,
	       bool *out)
{
	static const char *const yes[] = { "true", "True", "TRUE" };
	static const char *const no[] = { "false", "False", "FALSE" };
	size_t forms = L->flags & YLOAD_LOWER_BOOL ? 1 : N_OF(yes);
	const char *v = yamldoc_scalar(n);
	size_t i;

	for (i = 0; v && i < forms; i++) {
		if (!strcmp(v, yes[i]) || !strcmp(v, no[i])) {
			*out = !strcmp(v, yes[i]);
			return 0;
		}
	}
	return yload_fail(L, n, "expected true or false for '%s', got %s",
			  key, yload_got(L, n).s);
}

int yload_enum(struct yload *L, const yaml_node_t *n, const char *key,
	       const char *what, const char *const *names, size_t count,
	       int *out)
{
	char list[128];
	const char *v, *hint;
	size_t i;
	int rc = yload_str(L, n, key, &v);

	if (rc)
		return rc;
	for (i = 0; i < count; i++) {
		if (!strcmp(v, names[i])) {
			*out = (int)i;
			return 0;
		}
	}
	hint = suggest_closest(v, names, count);
	if (hint)
		return yload_fail(L, n, "unknown %s '%s' (did you mean '%s'?)",
				  what, yload_show(L, v).s, hint);
	return yload_fail(L, n, "unknown %s '%s' (expected %s)", what,
			  yload_show(L, v).s,
			  str_join(list, sizeof(list), names, count, " or "));
}

int yload_seq(struct yload *L, const yaml_node_t *n, const char *key)
{
	if (!n || n->type != YAML_SEQUENCE_NODE)
		return yload_fail(L, n, "expected a sequence for '%s', got %s",
				  key, yload_got(L, n).s);
	return 0;
}

int yload_strings(struct yload *L, const yaml_node_t *n, const char *key,
		  bool nonempty, char ***out, size_t *count)
{
	yaml_node_item_t *it;
	size_t i = 0;
	int rc = yload_seq(L, n, key);

	if (rc)
		return rc;
	if (nonempty && yload_seq_len(n) == 0)
		return yload_fail(L, n, "'%s' is empty", key);
	*out = calloc(yload_seq_len(n) + 1, sizeof(**out));
	if (!*out)
		return yload_nomem(L);
	for (it = n->data.sequence.items.start;
	     it < n->data.sequence.items.top && !rc; it++)
		rc = yload_strdup(L, yload_node(L, *it), key, &(*out)[i++]);
	*count = i;
	return rc;
}

int yload_time(struct yload *L, const yaml_node_t *n, const char *key,
	       uint64_t max_us, uint64_t *out)
{
	const char *v = yamldoc_scalar(n);
	const char *why;
	uint64_t us;

	if (!v || yamldoc_is_null(n))
		return yload_fail(L, n, "expected a time for '%s', got %s",
				  key, yload_got(L, n).s);
	if (units_parse_time(v, &us, &why))
		return yload_fail(L, n, "%s %s %s", key, yload_show(L, v).s,
				  why);
	if (us > max_us)
		return yload_fail(L, n, "%s %s is too large (at most %llus)",
				  key, yload_show(L, v).s,
				  (unsigned long long)(max_us / 1000000));
	*out = us;
	return 0;
}

int yload_memory(struct yload *L, const yaml_node_t *n, const char *key,
		 uint64_t max, uint64_t *out)
{
	static const char *const unit[] = { "B", "KiB", "MiB", "GiB" };
	const char *v = yamldoc_scalar(n);
	const char *why;
	uint64_t bytes, top = max;
	size_t u = 0;

	if (!v || yamldoc_is_null(n))
		return yload_fail(L, n, "expected a size for '%s', got %s",
				  key, yload_got(L, n).s);
	if (units_parse_memory(v, &bytes, &why))
		return yload_fail(L, n, "%s %s %s", key, yload_show(L, v).s,
				  why);
	if (bytes == 0)
		return yload_fail(L, n, "%s must be positive", key);
	while (u + 1 < N_OF(unit) && top && top % 1024 == 0) {
		top /= 1024;
		u++;
	}
	if (bytes > max)
		return yload_fail(L, n, "%s %s is too large (at most %llu%s)",
				  key, yload_show(L, v).s,
				  (unsigned long long)top, unit[u]);
	*out = bytes;
	return 0;
}
