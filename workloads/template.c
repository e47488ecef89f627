/* template — stack templates; see template.h.
 *
 * "{{" opens an expression that the matching "}}" closes; expressions may
 * hold templates themselves (join's third argument), so braces are matched
 * by depth. Rendering appends to one growing buffer.
 */
#include "workloads/template.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emulator/addr.h"
#include "util/str.h"
#include "util/strbuf.h"

static int tfail(char **err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static int tfail(char **err, const char *fmt, ...)
{
	va_list ap;

	if (*err)
		return -EINVAL;
	va_start(ap, fmt);
	*err = str_vprintf(fmt, ap);
	va_end(ap);
	return -EINVAL;
}

int template_dir(const struct template_env *e, size_t inst, const char *sub,
		 char *out, size_t len)
{
	int n = snprintf(out, len, "%s/%s%s%s", e->svc_dir, e->pl->v[inst].name,
			 sub ? "/" : "", sub ? sub : "");

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

/* What a template is rendered for: instance INST of the placement, or
 * (INST < 0) client node NODE with the variables VARS. */
struct tat {
	long inst;
	size_t node;
	const struct template_var *vars;
	size_t n_vars;
};

/* AT for instance I, keeping AT's variables (a join inside a workload's
 * template). */
static struct tat at_inst(const struct template_env *e, const struct tat *at,
			  size_t i)
{
	return (struct tat){ .inst = (long)i, .node = e->pl->v[i].node,
			     .vars = at->vars, .n_vars = at->n_vars };
}

/* A client node's variable VAR (LEN bytes), appended to B. */
static int add_node_var(const struct template_env *e, const struct tat *at,
			const char *var, size_t len, struct strbuf *b,
			char **err)
{
	const struct world_node *n = &e->w->nodes[at->node];
	char buf[64];
	const char *v = NULL;

#define IS(x) (len == strlen(x) && !memcmp(var, x, len))
	if (IS("addr"))
		v = addr_format(n->addr, buf, sizeof(buf));
	else if (IS("node"))
		v = n->name;
	else if (IS("site"))
		v = e->w->sites[n->site].name;
	else if (IS("role"))
		v = e->w->sites[n->site].role;
	else if (IS("stack_dir") && e->stack_dir)
		v = e->stack_dir;
	else if (IS("experiment") && e->experiment)
		v = e->experiment;
	else if (IS("instance") || IS("index") || IS("service") || IS("conf_dir") ||
		 IS("data_dir") || IS("log_dir"))
		return tfail(err, "'{{%.*s}}' is a service instance's variable: node '%s' is a client",
			     (int)len, var, n->name);
#undef IS
	if (!v)
		return tfail(err, "unknown template variable '%.*s'", (int)len, var);
	return strbuf_adds(b, v);
}

/* Variable VAR (LEN bytes) of AT, appended to B. */
static int add_var(const struct template_env *e, const struct tat *at,
		   const char *var, size_t len, struct strbuf *b, char **err)
{
	const struct place_instance *pi;
	const struct world_node *n;
	const struct stack_service *svc;
	size_t inst = (size_t)at->inst, i;
	char buf[4096];
	const char *v = NULL;

	/* A workload's own (its options, {{out_dir}}), also inside a join. */
	for (i = 0; i < at->n_vars; i++)
		if (len == strlen(at->vars[i].name) && !memcmp(var, at->vars[i].name, len))
			return strbuf_adds(b, at->vars[i].value);
	if (at->inst < 0)
		return add_node_var(e, at, var, len, b, err);
	pi = &e->pl->v[inst];
	n = &e->w->nodes[pi->node];
	svc = &e->stack->services[pi->service];
#define IS(x) (len == strlen(x) && !memcmp(var, x, len))
	if (IS("addr"))
		v = addr_format(n->addr, buf, sizeof(buf));
	else if (IS("node"))
		v = n->name;
	else if (IS("site"))
		v = e->w->sites[n->site].name;
	else if (IS("role"))
		v = e->w->sites[n->site].role;
	else if (IS("instance"))
		v = pi->name;
	else if (IS("service"))
		v = svc->name;
	else if (IS("index")) {
		snprintf(buf, sizeof(buf), "%u", pi->index);
		v = buf;
	} else if (IS("stack_dir") && e->stack_dir)
		v = e->stack_dir;
	else if (IS("experiment"))
		v = e->experiment;
	else if (IS("log_dir"))
		v = e->log_dir;
	else if (IS("conf_dir") || (IS("data_dir") && svc->data_dir)) {
		if (template_dir(e, inst, IS("conf_dir") ? "conf" : "data",
				 buf, sizeof(buf)) == 0)
			v = buf;
	} else if (IS("data_dir"))
		return tfail(err, "'{{data_dir}}' needs 'data_dir: true' in service '%s'",
			     svc->name);
#undef IS
	if (!v)
		return tfail(err, "unknown template variable '%.*s'", (int)len, var);
	return strbuf_adds(b, v);
}

static int render(const struct template_env *e, const struct tat *at,
		  const char *text, size_t len, struct strbuf *b, char **err);

/* Skip blanks in [*P, END). */
static void skip_blank(const char **p, const char *end)
{
	while (*p < end && (**p == ' ' || **p == '\t'))
		(*p)++;
}

/* A quoted argument at *P (quote or double quote), its body in *S, *N. */
static int quoted(const char **p, const char *end, const char **s, size_t *n,
		  char **err)
{
	char q;
	const char *c;

	skip_blank(p, end);
	if (*p >= end || (**p != '\'' && **p != '"'))
		return tfail(err, "join: expected a quoted argument");
	q = *(*p)++;
	for (c = *p; c < end && *c != q; c++)
		;
	if (c >= end)
		return tfail(err, "join: unterminated quote");
	*s = *p;
	*n = (size_t)(c - *p);
	*p = c + 1;
	return 0;
}

/* SERVICE index of name [S, S+N), or an error. */
static int service_of(const struct template_env *e, const char *s, size_t n,
		      size_t *svc, char **err)
{
	char name[128];
	long i;

	snprintf(name, sizeof(name), "%.*s", (int)(n < 127 ? n : 127), s);
	i = stack_service_index(e->stack, name);
	if (i < 0)
		return tfail(err, "unknown service '%s' in a template", name);
	*svc = (size_t)i;
	return 0;
}

/* join(SERVICE, 'SEP', 'TEMPLATE'): ARGS is what is inside the parentheses. */
static int add_join(const struct template_env *e, const struct tat *at,
		    const char *args, const char *end, struct strbuf *b,
		    char **err)
{
	const char *p = args, *name, *sep, *tpl;
	size_t name_n, sep_n, tpl_n, svc = 0, i, done = 0;
	int rc;

	skip_blank(&p, end);
	for (name = p; p < end && *p != ',' && *p != ' '; p++)
		;
	name_n = (size_t)(p - name);
	skip_blank(&p, end);
	if (p >= end || *p != ',')
		return tfail(err, "join: expected join(SERVICE, 'SEP', 'TEMPLATE')");
	p++;
	rc = service_of(e, name, name_n, &svc, err);
	if (rc == 0)
		rc = quoted(&p, end, &sep, &sep_n, err);
	skip_blank(&p, end);
	if (rc == 0 && (p >= end || *p++ != ','))
		rc = tfail(err, "join: expected join(SERVICE, 'SEP', 'TEMPLATE')");
	if (rc == 0)
		rc = quoted(&p, end, &tpl, &tpl_n, err);
	skip_blank(&p, end);
	if (rc == 0 && p != end)
		rc = tfail(err, "join: unexpected text after the template");
	for (i = 0; i < e->pl->n && rc == 0; i++) {
		if (e->pl->v[i].service != svc)
			continue;
		if (done++)
			rc = strbuf_add(b, sep, sep_n);
		if (rc == 0) {
			struct tat in = at_inst(e, at, i);

			rc = render(e, &in, tpl, tpl_n, b, err);
		}
	}
	return rc;
}

/* SERVICE has no instance: say why. */
static int no_instance(const struct template_env *e, size_t svc, char **err)
{
	const struct stack_service *sv = &e->stack->services[svc];
	const struct stack_strategy *st = e->strategy ?
		stack_strategy_find(e->stack, e->strategy) : NULL;

	if (stack_rule_omits(stack_rule_for(st, sv)))
		return tfail(err, "service '%s' has no instance: strategy '%s' leaves it out (count: 0)",
			     sv->name, e->strategy ? e->strategy : "default");
	return tfail(err, "service '%s' has no instance", sv->name);
}

/* near(SERVICE, SERVICE, ...): ARGS is what is inside the parentheses;
 * the index of the instance nearest to AT's node into *OUT. */
static int near_of(const struct template_env *e, const struct tat *at,
		   const char *args, const char *end, long *out, char **err)
{
	size_t svcs[16], n = 0;
	const char *p = args, *name;
	int rc = 0;

	while (rc == 0 && p < end) {
		skip_blank(&p, end);
		for (name = p; p < end && *p != ',' && *p != ' ' && *p != '\t'; p++)
			;
		if (p == name || n == sizeof(svcs) / sizeof(svcs[0]))
			return tfail(err, "near: expected near(SERVICE, ...) with 1 to 16 services");
		rc = service_of(e, name, (size_t)(p - name), &svcs[n++], err);
		skip_blank(&p, end);
		if (rc == 0 && p < end && *p++ != ',')
			rc = tfail(err, "near: expected near(SERVICE, ...) with 1 to 16 services");
	}
	if (rc)
		return rc;
	if (n == 0)
		return tfail(err, "near: expected near(SERVICE, ...) with 1 to 16 services");
	*out = place_near_node(e->pl, e->topo, e->w, at->node, svcs, n);
	if (*out < 0 && n == 1)
		return no_instance(e, svcs[0], err);
	if (*out < 0)
		return tfail(err, "near: none of the %zu services has an instance", n);
	return 0;
}

/* One expression [S, END), blanks trimmed. */
static int add_expr(const struct template_env *e, const struct tat *at,
		    const char *s, const char *end, struct strbuf *b,
		    char **err)
{
	struct tat to;
	const char *dot;
	size_t svc = 0;
	long first = -1;
	int rc;

	skip_blank(&s, end);
	while (end > s && (end[-1] == ' ' || end[-1] == '\t'))
		end--;
	if (end - s > 5 && !memcmp(s, "join(", 5) && end[-1] == ')')
		return add_join(e, at, s + 5, end - 1, b, err);
	if (end - s > 5 && !memcmp(s, "near(", 5)) {
		const char *close = memchr(s, ')', (size_t)(end - s));

		if (!close || close + 1 >= end || close[1] != '.')
			return tfail(err, "near: expected near(SERVICE, ...).FIELD");
		rc = near_of(e, at, s + 5, close, &first, err);
		if (rc == 0) {
			to = at_inst(e, at, (size_t)first);
			rc = add_var(e, &to, close + 2, (size_t)(end - close - 2),
				     b, err);
		}
		return rc;
	}
	dot = memchr(s, '.', (size_t)(end - s));
	if (!dot)
		return add_var(e, at, s, (size_t)(end - s), b, err);
	rc = service_of(e, s, (size_t)(dot - s), &svc, err);
	if (rc)
		return rc;
	if (end - dot - 1 == 5 && !memcmp(dot + 1, "count", 5)) {
		char buf[32];

		snprintf(buf, sizeof(buf), "%zu", place_count(e->pl, svc));
		return strbuf_adds(b, buf);
	}
	if (end - dot - 1 > 5 && !memcmp(dot + 1, "near.", 5)) {
		first = place_near_node(e->pl, e->topo, e->w, at->node, &svc, 1);
		if (first < 0)
			return no_instance(e, svc, err);
		to = at_inst(e, at, (size_t)first);
		return add_var(e, &to, dot + 6, (size_t)(end - dot - 6), b, err);
	}
	first = place_first(e->pl, svc);
	if (first < 0)
		return no_instance(e, svc, err);
	to = at_inst(e, at, (size_t)first);
	return add_var(e, &to, dot + 1, (size_t)(end - dot - 1), b, err);
}

static int render(const struct template_env *e, const struct tat *at,
		  const char *text, size_t len, struct strbuf *b, char **err)
{
	const char *p = text, *end = text + len, *open, *c;
	int depth, rc = 0;

	while (p < end && rc == 0) {
		open = NULL;
		for (c = p; c + 1 < end; c++)
			if (c[0] == '{' && c[1] == '{') {
				open = c;
				break;
			}
		if (!open)
			return strbuf_add(b, p, (size_t)(end - p));
		rc = strbuf_add(b, p, (size_t)(open - p));
		for (depth = 1, c = open + 2; rc == 0 && c + 1 < end; c++) {
			if (c[0] == '{' && c[1] == '{') {
				depth++;
				c++;
			} else if (c[0] == '}' && c[1] == '}' && --depth == 0) {
				break;
			} else if (c[0] == '}' && c[1] == '}') {
				c++;
			}
		}
		if (rc == 0 && depth)
			return tfail(err, "unclosed '{{' in a template");
		if (rc == 0)
			rc = add_expr(e, at, open + 2, c, b, err);
		p = c + 2;
	}
	return rc;
}

/* Render TEXT for AT into *OUT. */
static int render_at(const struct template_env *e, const struct tat *at,
		     const char *text, char **out, char **err)
{
	struct strbuf b = STRBUF_INIT;
	int rc;

	*err = NULL;
	*out = NULL;
	rc = render(e, at, text, strlen(text), &b, err);
	if (rc == 0 && !(*out = strbuf_detach(&b)))
		rc = -ENOMEM;
	if (rc == -ENOMEM && !*err)
		tfail(err, "out of memory");
	strbuf_release(&b);
	return rc;
}

int template_render(const struct template_env *e, size_t inst,
		    const char *text, char **out, char **err)
{
	struct tat at = { .inst = (long)inst, .node = e->pl->v[inst].node };

	return render_at(e, &at, text, out, err);
}

int template_render_node(const struct template_env *e, size_t node,
			 const struct template_var *vars, size_t n_vars,
			 const char *text, char **out, char **err)
{
	struct tat at = { .inst = -1, .node = node, .vars = vars,
			  .n_vars = n_vars };

	return render_at(e, &at, text, out, err);
}
