/* fault — parse, convert, render and apply faults; see fault.h. */
#include "enos/fault.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "enos/resolve.h"
#include "util/str.h"
#include "util/strbuf.h"
#include "util/suggest.h"

static const char *const role_names[] = { "central", "regional", "edge" };

/* Parse selector WORD ("paris", "edge" (a counted site's base), "role:edge",
 * "*") into SEL. */
static int parse_selector(const struct topology *t, const char *word,
			  struct selector *sel, char **err)
{
	size_t i;
	long idx;

	memset(sel, 0, sizeof(*sel));
	if (strcmp(word, "*") == 0) {
		sel->kind = SEL_ALL;
		return 0;
	}
	if (strncmp(word, "role:", 5) == 0) {
		for (i = 0; i < 3; i++)
			if (strcmp(word + 5, role_names[i]) == 0) {
				sel->kind = SEL_ROLE;
				sel->role = (enum site_role)i;
				return 0;
			}
		*err = str_printf("unknown role '%s' (use central, regional or edge)", word + 5);
		return -EINVAL;
	}
	idx = topo_site_index(t, word);
	if (idx >= 0) {
		sel->kind = SEL_SITE;
		sel->site = (size_t)idx;
		return 0;
	}
	for (i = 0; i < t->n_sites; i++) {
		if (!t->sites[i].base || strcmp(t->sites[i].base, word) != 0)
			continue;
		sel->kind = SEL_GROUP;
		sel->site = i;
		while (i < t->n_sites && t->sites[i].base &&
		       strcmp(t->sites[i].base, word) == 0)
			i++;
		sel->n_sites = i - sel->site;
		return 0;
	}
	{
		/* Suggest among site names and the base names of counted sites. */
		const char **names = calloc(2 * t->n_sites + 1, sizeof(*names));
		const char *best = NULL;
		size_t n = 0;

		for (i = 0; names && i < t->n_sites; i++) {
			names[n++] = t->sites[i].name;
			if (t->sites[i].base && (i == 0 || !t->sites[i - 1].base ||
			    strcmp(t->sites[i - 1].base, t->sites[i].base)))
				names[n++] = t->sites[i].base;
		}
		if (names)
			best = suggest_closest(word, names, n);
		if (best)
			*err = str_printf("unknown site '%s' (did you mean '%s'?)", word, best);
		else
			*err = str_printf("unknown site '%s'", word);
		free(names);
	}
	return -EINVAL;
}

/* Mark the sites of the comma-separated LIST in FLAGS. */
static int parse_group(const struct topology *t, const char *list, bool *flags,
		       char **err)
{
	char *copy = strdup(list), *p, *comma;
	size_t i;
	int rc = 0;

	if (!copy)
		return -ENOMEM;
	for (p = copy; rc == 0 && p; p = comma ? comma + 1 : NULL) {
		struct selector sel;

		comma = strchr(p, ',');
		if (comma)
			*comma = '\0';
		if (!*p)
			continue;
		rc = parse_selector(t, p, &sel, err);
		for (i = 0; rc == 0 && i < t->n_sites; i++)
			if (topo_selector_matches(t, &sel, i))
				flags[i] = true;
	}
	free(copy);
	return rc;
}

/* Flag in FLAGS the sites SEL selects. */
static void select_sites(const struct topology *t, const struct selector *sel,
			 bool *flags)
{
	size_t i;

	for (i = 0; i < t->n_sites; i++)
		if (topo_selector_matches(t, sel, i))
			flags[i] = true;
}

static int alloc_sides(const struct topology *t, struct live_fault *f)
{
	f->group_a = calloc(t->n_sites + 1, sizeof(bool));
	f->group_b = calloc(t->n_sites + 1, sizeof(bool));
	return f->group_a && f->group_b ? 0 : -ENOMEM;
}

static int parse_partition(const struct topology *t, int argc,
			   char *const argv[], struct live_fault *f, char **err)
{
	bool any_a = false, any_b = false, b_given = false;
	int i, rc = 0;
	size_t k;

	if (alloc_sides(t, f) < 0)
		return -ENOMEM;
	for (i = 0; rc == 0 && i < argc; i++) {
		if (strcmp(argv[i], "/") == 0) {
			if (b_given) {
				*err = str_printf("a partition has two groups: 'A,B / C,D'");
				return -EINVAL;
			}
			b_given = true;
			continue;
		}
		rc = parse_group(t, argv[i], b_given ? f->group_b : f->group_a, err);
	}
	if (rc < 0)
		return rc;
	for (k = 0; k < t->n_sites; k++) {
		if (!b_given)
			f->group_b[k] = !f->group_a[k];
		if (f->group_a[k] && f->group_b[k]) {
			*err = str_printf("site '%s' is on both sides of the partition",
				   t->sites[k].name);
			return -EINVAL;
		}
		any_a |= f->group_a[k];
		any_b |= f->group_b[k];
	}
	if (!any_a || !any_b) {
		*err = str_printf("a partition needs sites on both sides: 'partition A,B / C,D' or 'partition A,B'");
		return -EINVAL;
	}
	return 0;
}

static int parse_set(const struct topology *t, int argc, char *const argv[],
		     struct live_fault *f, char **err)
{
	struct selector src, dst;
	enum constraint_key bad;
	unsigned given = 0;
	const char *why;
	int i, rc;

	if (argc < 3) {
		*err = str_printf("usage: set SRC DST KEY=VALUE... (e.g. set paris lyon delay=20ms)");
		return -EINVAL;
	}
	rc = alloc_sides(t, f);
	if (rc == 0)
		rc = parse_selector(t, argv[0], &src, err);
	if (rc == 0)
		rc = parse_selector(t, argv[1], &dst, err);
	for (i = 2; rc == 0 && i < argc; i++)
		rc = constraint_parse_kv(&f->con, argv[i], &given, err);
	/* The same rules as a `set` fault in the topology's timeline. */
	if (rc == 0 && constraint_check(&f->con, &bad, &why)) {
		*err = str_printf("%s", why);
		rc = *err ? -EINVAL : -ENOMEM;
	}
	if (rc == 0) {
		select_sites(t, &src, f->group_a);
		select_sites(t, &dst, f->group_b);
	}
	return rc;
}

int fault_parse(const struct topology *t, int argc, char *const argv[],
		struct live_fault *f, char **err)
{
	int rc;

	memset(f, 0, sizeof(*f));
	*err = NULL;
	if (argc < 1) {
		*err = str_printf("no fault given (partition, heal or set)");
		return -EINVAL;
	}
	if (strcmp(argv[0], "partition") == 0) {
		f->action = FAULT_PARTITION;
		rc = parse_partition(t, argc - 1, argv + 1, f, err);
	} else if (strcmp(argv[0], "set") == 0) {
		f->action = FAULT_SET;
		rc = parse_set(t, argc - 1, argv + 1, f, err);
	} else {
		*err = str_printf("unknown fault '%s' (use partition, heal or set)", argv[0]);
		rc = -EINVAL;
	}
	if (rc < 0) {
		if (!*err)
			*err = str_printf("%s", strerror(-rc));
		live_fault_release(f);
	}
	return rc;
}

int fault_parse_line(const struct topology *t, const char *action,
		     const char *detail, struct live_fault *f, char **err)
{
	char *copy = strdup(detail), *save = NULL, *w;
	char *argv[256];
	int argc = 0, rc;

	if (!copy)
		return -ENOMEM;
	argv[argc++] = (char *)action;
	for (w = strtok_r(copy, " ", &save); w && argc < 255;
	     w = strtok_r(NULL, " ", &save))
		argv[argc++] = w;
	argv[argc] = NULL;
	rc = fault_parse(t, argc, argv, f, err);
	free(copy);
	return rc;
}

int fault_of_topology(const struct topology *t, const struct fault *tf,
		      struct live_fault *f)
{
	size_t i;

	memset(f, 0, sizeof(*f));
	if (alloc_sides(t, f) < 0) {
		live_fault_release(f);
		return -ENOMEM;
	}
	f->action = tf->action == FAULT_SET ? FAULT_SET : FAULT_PARTITION;
	if (tf->action == FAULT_SET) {
		select_sites(t, &tf->src, f->group_a);
		select_sites(t, &tf->dst, f->group_b);
		f->con = tf->con;
		return 0;
	}
	/* A partition's sites are cut from every other site. */
	for (i = 0; i < tf->n_sites; i++)
		f->group_a[tf->sites[i]] = true;
	for (i = 0; i < t->n_sites; i++)
		f->group_b[i] = !f->group_a[i];
	return 0;
}

int fault_of_record(const struct topology *t, const char *action,
		    char **sides[2], const size_t n_sides[2],
		    const struct constraint *con, struct live_fault *f,
		    char **err)
{
	size_t side, i;
	long k;
	int rc;

	int a;

	memset(f, 0, sizeof(*f));
	*err = NULL;
	for (a = FAULT_STRESS; a >= 0; a--)
		if (!strcmp(action, fault_action_name((enum fault_action)a)))
			break;
	if (a < 0 || a == FAULT_HEAL) {
		*err = str_printf("unknown fault '%s'", str_show(action).s);
		return *err ? -EINVAL : -ENOMEM;
	}
	/* A node fault (enos/nodefault.c) touches no site pair: its sides
	 * stay empty, so that it tags the operations run under it. */
	f->action = (enum fault_action)a;
	rc = alloc_sides(t, f);
	for (side = 0; side < 2 && !rc; side++) {
		bool *flags = side ? f->group_b : f->group_a;

		for (i = 0; i < n_sides[side] && !rc; i++) {
			k = topo_site_index(t, sides[side][i]);
			if (k < 0) {
				*err = str_printf("site '%s' is not in the topology",
						  str_show(sides[side][i]).s);
				rc = *err ? -EINVAL : -ENOMEM;
			} else {
				flags[k] = true;
			}
		}
	}
	if (!rc && f->action == FAULT_SET)
		f->con = *con;
	if (rc)
		live_fault_release(f);
	return rc;
}

int fault_sides(const struct topology *t, const struct live_fault *f,
		const char **names[2], size_t n[2])
{
	size_t side, i;

	for (side = 0; side < 2; side++) {
		const bool *flags = side ? f->group_b : f->group_a;

		n[side] = 0;
		names[side] = calloc(t->n_sites + 1, sizeof(*names[side]));
		if (!names[side]) {
			free(names[0]);
			names[0] = names[1] = NULL;
			return -ENOMEM;
		}
		for (i = 0; i < t->n_sites; i++)
			if (flags[i])
				names[side][n[side]++] = t->sites[i].name;
	}
	return 0;
}

const char *fault_action_name(enum fault_action a)
{
	static const char *const names[] = { "partition", "heal", "set",
					     "cpu", "memory", "freeze", "thaw",
					     "crash", "stress" };

	return (size_t)a < sizeof(names) / sizeof(names[0]) ? names[a]
							     : "partition";
}

void live_fault_release(struct live_fault *f)
{
	if (!f)
		return;
	free(f->group_a);
	free(f->group_b);
	memset(f, 0, sizeof(*f));
}

void fault_apply(const struct live_fault *f, struct shape_table *tab)
{
	size_t a, b;

	if (f->action != FAULT_SET && f->action != FAULT_PARTITION)
		return;                 /* a node fault: not the WAN's */
	if (f->action == FAULT_SET) {
		resolve_set_sides(f->group_a, f->group_b, &f->con, tab, NULL);
		return;
	}
	for (a = 0; a < tab->n; a++)
		for (b = 0; b < tab->n; b++)
			if (f->group_a[a] && f->group_b[b])
				tab->cut[a * tab->n + b] = tab->cut[b * tab->n + a] = true;
}

/* Append the name of SEL to SB. */
static void put_selector(struct strbuf *sb, const struct topology *t,
			 const struct selector *sel)
{
	switch (sel->kind) {
	case SEL_ALL:
		strbuf_adds(sb, "*");
		break;
	case SEL_ROLE:
		strbuf_addf(sb, "role:%s", topo_role_name(sel->role));
		break;
	case SEL_GROUP:
		strbuf_adds(sb, t->sites[sel->site].base);
		break;
	case SEL_SITE:
		strbuf_adds(sb, t->sites[sel->site].name);
		break;
	}
}

char *fault_render(const struct topology *t, const struct fault *fa)
{
	struct strbuf sb = STRBUF_INIT;
	size_t i;

	if (fa->action == FAULT_SET) {
		put_selector(&sb, t, &fa->src);
		strbuf_addc(&sb, ' ');
		put_selector(&sb, t, &fa->dst);
		if (fa->con.set)
			strbuf_addc(&sb, ' ');
		constraint_format(&fa->con, &sb);
	} else {
		for (i = 0; i < fa->n_sites; i++)
			strbuf_addf(&sb, "%s%s", i ? "," : "",
				    t->sites[fa->sites[i]].name);
	}
	return strbuf_detach(&sb);
}

char *fault_join(int argc, char *const argv[])
{
	struct strbuf sb = STRBUF_INIT;
	int i;

	for (i = 0; i < argc; i++)
		strbuf_addf(&sb, "%s%s", i ? " " : "", argv[i]);
	return strbuf_detach(&sb);
}
