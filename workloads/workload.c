/* workload — the built-in kinds and their options; see workload.h.
 *
 * The kinds themselves are one file each (kind_kv.c, kind_rtt.c,
 * kind_throughput.c) exporting one struct wl_kind, listed here in the
 * order `enos bench --help` shows them. Options are checked here, once,
 * for the topology's `workload:` entries (FILE:LINE:COL from the
 * parameter's positions) and for `enos bench`'s flags (named by the
 * flag), with the units of util/units.h and a did-you-mean for unknown
 * keys (util/suggest.h).
 */
#include "workloads/workload.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/str.h"
#include "util/suggest.h"
#include "util/units.h"
#include "util/yamldoc.h"
#include "workloads/kinds.h"

static const struct wl_kind *const builtin[] = {
	&kind_kv_latency,
	&kind_rtt,
	&kind_throughput,
};

#define N_BUILTIN (sizeof(builtin) / sizeof(builtin[0]))

/* `from` of a kind without a default: every site. */
static const char every_site[] = "*";

const struct wl_kind *wl_kind_find(const char *name)
{
	size_t i;

	for (i = 0; name && i < N_BUILTIN; i++)
		if (strcmp(builtin[i]->name, name) == 0)
			return builtin[i];
	return NULL;
}

const struct wl_kind *wl_kind_at(size_t i)
{
	return i < N_BUILTIN ? builtin[i] : NULL;
}

int wl_option_index(const struct wl_kind *k, const char *name)
{
	int i;

	for (i = 0; k->options && k->options[i].name && i < WL_OPTIONS_MAX; i++)
		if (strcmp(k->options[i].name, name) == 0)
			return i;
	return -1;
}

static size_t n_options(const struct wl_kind *k)
{
	size_t n = 0;

	while (k->options && k->options[n].name && n < WL_OPTIONS_MAX)
		n++;
	return n;
}

/* ---- values ---- */

/* BYTES as a file would write it: "1MiB", "4KiB", "100". */
static const char *fmt_size(uint64_t bytes, char *buf, size_t len)
{
	static const struct {
		uint64_t mult;
		const char *unit;
	} units[] = {
		{ 1024ull * 1024 * 1024, "GiB" }, { 1024ull * 1024, "MiB" },
		{ 1024ull, "KiB" },
	};
	size_t i;

	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (bytes && bytes % units[i].mult == 0) {
			snprintf(buf, len, "%llu%s",
				 (unsigned long long)(bytes / units[i].mult),
				 units[i].unit);
			return buf;
		}
	snprintf(buf, len, "%llu", (unsigned long long)bytes);
	return buf;
}

/* US microseconds as a file would write them: "10s", "20ms", "500us". */
static const char *fmt_time(uint64_t us, char *buf, size_t len)
{
	if (us && us % 1000000 == 0)
		snprintf(buf, len, "%llus", (unsigned long long)(us / 1000000));
	else if (us && us % 1000 == 0)
		snprintf(buf, len, "%llums", (unsigned long long)(us / 1000));
	else
		snprintf(buf, len, "%lluus", (unsigned long long)us);
	return buf;
}

static const char *fmt_num(const struct wl_option *o, uint64_t x, char *buf,
			   size_t len)
{
	switch (o->type) {
	case WL_OPT_SIZE:
		return fmt_size(x, buf, len);
	case WL_OPT_TIME:
		return fmt_time(x, buf, len);
	default:
		snprintf(buf, len, "%llu", (unsigned long long)x);
		return buf;
	}
}

/* A size: a whole number of bytes, or a number with KiB, MiB or GiB. */
static int parse_size(const char *text, uint64_t *out, const char **why)
{
	bool neg;

	if (units_parse_integer(text, out, &neg) == 0) {
		if (neg) {
			*why = "is negative";
			return -EINVAL;
		}
		return 0;
	}
	if (units_parse_memory(text, out, why) == 0)
		return 0;
	if (strncmp(*why, "is not a size", 13) == 0)
		*why = "is not a size (bytes, or a number and KiB, MiB or GiB)";
	return -EINVAL;
}

/* Check TEXT as the value of option O, called WHAT in the message, into
 * *NUM (COUNT, SIZE, TIME). NULL, or the allocated message "times 0 is
 * out of range (1 to 1000000)". */
static char *check_value(const struct wl_option *o, const char *what,
			 const char *text, uint64_t *num)
{
	char lo[32], hi[32], shown[32];
	const char *why = NULL;
	uint64_t x = 0;
	bool neg = false;
	size_t i;

	if (!text || !*text)
		return str_printf("%s is empty", what);
	switch (o->type) {
	case WL_OPT_COUNT:
		if (units_parse_integer(text, &x, &neg) < 0)
			return str_printf("%s '%s' is not a whole number", what,
					  str_show(text).s);
		if (neg)
			return str_printf("%s %s is out of range (%llu to %llu)",
					  what, str_show(text).s,
					  (unsigned long long)o->min,
					  (unsigned long long)o->max);
		break;
	case WL_OPT_SIZE:
		if (parse_size(text, &x, &why) < 0)
			return str_printf("%s '%s' %s", what, str_show(text).s, why);
		break;
	case WL_OPT_TIME:
		if (units_parse_time(text, &x, &why) < 0)
			return str_printf("%s '%s' %s", what, str_show(text).s, why);
		break;
	case WL_OPT_TEXT:
		if (!o->choices)
			return NULL;
		for (i = 0; o->choices[i]; i++)
			if (strcmp(o->choices[i], text) == 0)
				return NULL;
		{
			char list[256];
			const char *hint = suggest_closest(text, o->choices, i);

			str_join(list, sizeof(list), o->choices, i, " or ");
			return str_printf("%s '%s' is not %s%s%s%s", what,
					  str_show(text).s, list,
					  hint ? " (did you mean '" : "",
					  hint ? hint : "", hint ? "'?)" : "");
		}
	}
	if (x < o->min || x > o->max) {
		snprintf(shown, sizeof(shown), "%s", text);
		return str_printf("%s %s is out of range (%s to %s)", what, shown,
				  fmt_num(o, o->min, lo, sizeof(lo)),
				  fmt_num(o, o->max, hi, sizeof(hi)));
	}
	*num = x;
	return NULL;
}

/* "LABEL:LINE:COL: workload 'NAME': MSG" (no place when LABEL is NULL),
 * into *ERR; frees MSG. Returns -EINVAL, or -ENOMEM. */
static int fail_at(char **err, const char *label, const struct src_pos *pos,
		   const char *kind, char *msg)
{
	if (!msg) {
		*err = NULL;
		return -ENOMEM;
	}
	if (label && pos)
		*err = yamldoc_error(label, *pos, "workload '%s': %s", kind, msg);
	else
		*err = str_printf("workload '%s': %s", kind, msg);
	free(msg);
	return *err ? -EINVAL : -ENOMEM;
}

/* The option names of K and "from", for a did-you-mean or the list. */
static size_t option_names(const struct wl_kind *k, const char **names)
{
	size_t n = n_options(k), i;

	for (i = 0; i < n; i++)
		names[i] = k->options[i].name;
	names[n] = "from";
	return n + 1;
}

static char *unknown_option(const struct wl_kind *k, const char *key)
{
	const char *names[WL_OPTIONS_MAX + 1], *hint;
	char list[512];
	size_t n = option_names(k, names);

	hint = suggest_closest(key, names, n);
	if (hint)
		return str_printf("unknown option '%s' (did you mean '%s'?)",
				  str_show(key).s, hint);
	str_join(list, sizeof(list), names, n, ", ");
	return str_printf("unknown option '%s' (its options: %s)",
			  str_show(key).s, list);
}

int wl_options_parse(const struct wl_kind *k, const char *label,
		     const struct workload_spec *spec, struct wl_values *v,
		     char **err)
{
	const struct workload_param *p;
	size_t i, n = n_options(k);
	char *msg;
	int idx;

	*err = NULL;
	memset(v, 0, sizeof(*v));
	for (i = 0; spec && i < spec->n_params; i++) {
		p = &spec->params[i];
		if (strcmp(p->key, "from") == 0) {
			if (!*p->value)
				return fail_at(err, label, &p->pos, k->name,
					       str_printf("from is empty"));
			v->from = p->value;
			continue;
		}
		idx = wl_option_index(k, p->key);
		if (idx < 0)
			return fail_at(err, label, &p->key_pos, k->name,
				       unknown_option(k, p->key));
		msg = check_value(&k->options[idx], p->key, p->value,
				  &v->num[idx]);
		if (msg)
			return fail_at(err, label, &p->pos, k->name, msg);
		if (k->options[idx].type == WL_OPT_TEXT)
			v->text[idx] = p->value;
		v->given[idx] = true;
	}
	for (i = 0; i < n; i++) {
		const struct wl_option *o = &k->options[i];

		if (v->given[i])
			continue;
		if (!o->def)
			return fail_at(err, label, spec ? &spec->pos : NULL,
				       k->name, str_printf("missing option '%s'",
							   o->name));
		msg = check_value(o, o->name, o->def, &v->num[i]);
		if (msg)        /* a kind's own default: a bug, said plainly */
			return fail_at(err, NULL, NULL, k->name, msg);
		if (o->type == WL_OPT_TEXT)
			v->text[i] = o->def;
	}
	if (!v->from)
		v->from = k->from ? k->from : every_site;
	return 0;
}

int wl_option_set(const struct wl_kind *k, struct wl_values *v,
		  const char *name, const char *text, const char *what,
		  char **err)
{
	uint64_t x = 0;
	char *msg;
	int idx;

	*err = NULL;
	if (strcmp(name, "from") == 0) {
		if (!text || !*text)
			return fail_at(err, NULL, NULL, k->name,
				       str_printf("%s is empty", what));
		v->from = text;
		return 0;
	}
	idx = wl_option_index(k, name);
	if (idx < 0) {
		*err = str_printf("%s: workload '%s' has no option '%s'", what,
				  k->name, name);
		return *err ? -EINVAL : -ENOMEM;
	}
	msg = check_value(&k->options[idx], what, text, &x);
	if (msg)
		return fail_at(err, NULL, NULL, k->name, msg);
	v->num[idx] = x;
	if (k->options[idx].type == WL_OPT_TEXT)
		v->text[idx] = text;
	v->given[idx] = true;
	return 0;
}

uint64_t wl_value_num(const struct wl_kind *k, const struct wl_values *v,
		      const char *name, uint64_t def)
{
	int i = wl_option_index(k, name);

	return i < 0 ? def : v->num[i];
}

const char *wl_value_text(const struct wl_kind *k, const struct wl_values *v,
			  const char *name)
{
	int i = wl_option_index(k, name);

	return i < 0 ? NULL : v->text[i];
}

/* ---- site selectors ---- */

/* One item of a selector into SITES; the sites it matched, or -EINVAL
 * with *ERR. */
static int select_one(const struct topology *t, const char *item,
		      bool *sites, char **err)
{
	const char **names = NULL, *hint = NULL;
	size_t i, n = 0;
	int hits = 0, r;

	if (strcmp(item, "*") == 0) {
		for (i = 0; i < t->n_sites; i++)
			sites[i] = true;
		return (int)t->n_sites;
	}
	if (strncmp(item, "role:", 5) == 0) {
		for (r = ROLE_CENTRAL; r <= ROLE_EDGE; r++)
			if (strcmp(item + 5, topo_role_name((enum site_role)r)) == 0)
				break;
		if (r > ROLE_EDGE) {
			*err = str_printf("unknown role '%s' (use central, regional or edge)",
					  str_show(item + 5).s);
			return -EINVAL;
		}
		for (i = 0; i < t->n_sites; i++)
			if (t->sites[i].role == (enum site_role)r) {
				sites[i] = true;
				hits++;
			}
		return hits;
	}
	for (i = 0; i < t->n_sites; i++)
		if (strcmp(t->sites[i].name, item) == 0 ||
		    (t->sites[i].base && strcmp(t->sites[i].base, item) == 0)) {
			sites[i] = true;
			hits++;
		}
	if (hits)
		return hits;
	names = calloc(2 * t->n_sites + 1, sizeof(*names));
	for (i = 0; names && i < t->n_sites; i++) {
		names[n++] = t->sites[i].name;
		if (t->sites[i].base)
			names[n++] = t->sites[i].base;
	}
	if (names)
		hint = suggest_closest(item, names, n);
	*err = str_printf("unknown site '%s'%s%s%s", str_show(item).s,
			  hint ? " (did you mean '" : "", hint ? hint : "",
			  hint ? "'?)" : "");
	free(names);
	return -EINVAL;
}

int wl_select_sites(const struct topology *t, const char *sel, bool *sites,
		    char **err)
{
	bool *mine = calloc(t->n_sites + 1, sizeof(*mine));
	const char *p = sel, *end;
	char item[128];
	size_t i, len;
	int hits = 0, rc = -EINVAL;

	*err = NULL;
	if (!mine) {
		rc = -ENOMEM;
		goto out;
	}
	while (p && *p) {
		while (*p == ' ')
			p++;
		end = strchr(p, ',');
		len = end ? (size_t)(end - p) : strlen(p);
		while (len && p[len - 1] == ' ')
			len--;
		if (!len || len >= sizeof(item)) {
			*err = str_printf("bad site list '%s'", str_show(sel).s);
			goto out;
		}
		memcpy(item, p, len);
		item[len] = '\0';
		if (select_one(t, item, mine, err) < 0)
			goto out;
		p = end ? end + 1 : NULL;
	}
	for (i = 0; i < t->n_sites; i++)
		if (mine[i]) {
			sites[i] = true;
			hits++;
		}
	if (!hits) {
		*err = str_printf("selects no site");
		goto out;
	}
	rc = hits;
out:
	free(mine);
	return rc;
}

/* Check selector option NAME ("from", "to") of value SEL. */
static int check_selector(const struct wl_kind *k, const struct topology *t,
			  const char *label, const struct workload_spec *spec,
			  const char *name, const char *sel, bool deflt,
			  char **err)
{
	/* A default is placed at the workload's name, a value the command
	 * line gave nowhere. */
	const struct src_pos *pos = spec && deflt ? &spec->pos : NULL;
	bool *sites = calloc(t->n_sites + 1, sizeof(*sites));
	char *why = NULL;
	size_t i;
	int rc;

	if (!sites)
		return -ENOMEM;
	rc = wl_select_sites(t, sel, sites, &why);
	free(sites);
	if (rc >= 0)
		return 0;
	if (rc != -EINVAL || !why) {
		free(why);
		return -ENOMEM;
	}
	for (i = 0; spec && i < spec->n_params; i++)
		if (strcmp(spec->params[i].key, name) == 0 &&
		    spec->params[i].value == sel)
			pos = &spec->params[i].pos;
	rc = fail_at(err, pos ? label : NULL, pos, k->name,
		     str_printf("%s '%s'%s%s%s", name, str_show(sel).s,
				deflt ? " (the default)" : "",
				strcmp(why, "selects no site") ? ": " : " ", why));
	free(why);
	return rc;
}

int wl_check_sites(const struct wl_kind *k, const struct topology *t,
		   const char *label, const struct workload_spec *spec,
		   const struct wl_values *v, char **err)
{
	const char *def_from = k->from ? k->from : every_site;
	int idx = wl_option_index(k, "to"), rc;

	*err = NULL;
	rc = check_selector(k, t, label, spec, "from", v->from,
			    v->from == def_from, err);
	if (rc == 0 && idx >= 0 && k->options[idx].type == WL_OPT_TEXT)
		rc = check_selector(k, t, label, spec, "to", v->text[idx],
				    !v->given[idx], err);
	return rc;
}
