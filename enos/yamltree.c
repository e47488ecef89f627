/* yamltree — YAML documents with positions; see yamltree.h. */
#include "enos/yamltree.h"
#include "util/str.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char *yamltree_verror(const char *label, struct src_pos pos,
		      const char *fmt, va_list ap)
{
	char *msg = str_vprintf(fmt, ap), *out = NULL;

	if (msg)
		out = str_printf("%s:%d:%d: %s", label, pos.line, pos.col, msg);
	free(msg);
	return out;
}

char *yamltree_error(const char *label, struct src_pos pos,
		     const char *fmt, ...)
{
	va_list ap;
	char *out;

	va_start(ap, fmt);
	out = yamltree_verror(label, pos, fmt, ap);
	va_end(ap);
	return out;
}

/* Position of byte OFFSET of TEXT, for reader errors that carry no mark. */
static struct src_pos offset_pos(const char *text, size_t len, size_t offset)
{
	struct src_pos pos = { 1, 1 };
	size_t i;

	for (i = 0; i < offset && i < len; i++) {
		if (text[i] == '\n') {
			pos.line++;
			pos.col = 1;
		} else {
			pos.col++;
		}
	}
	return pos;
}

static char *syntax_error(const yaml_parser_t *p, const char *label,
			  const char *text, size_t len)
{
	struct src_pos pos;
	const char *problem = p->problem ? p->problem : "invalid YAML";

	if (p->error == YAML_READER_ERROR) {
		pos = offset_pos(text, len, p->problem_offset);
		return yamltree_error(label, pos, "%s", problem);
	}
	pos.line = (int)p->problem_mark.line + 1;
	pos.col = (int)p->problem_mark.column + 1;
	if (p->context)
		return yamltree_error(label, pos, "%s %s", problem,
				      p->context);
	return yamltree_error(label, pos, "%s", problem);
}

struct yamltree *yamltree_parse(const char *text, size_t len,
				const char *label, char **err)
{
	struct yamltree *t = NULL;
	yaml_parser_t parser;
	yaml_document_t extra;
	bool parser_ok = false;
	bool loaded = false;
	yaml_node_t *root;

	*err = NULL;
	t = calloc(1, sizeof(*t));
	if (!t || !(t->label = strdup(label)))
		goto nomem;
	if (!yaml_parser_initialize(&parser))
		goto nomem;
	parser_ok = true;
	yaml_parser_set_input_string(&parser, (const unsigned char *)text,
				     len);
	if (!yaml_parser_load(&parser, &t->doc)) {
		*err = syntax_error(&parser, label, text, len);
		goto fail;
	}
	loaded = true;
	/* A second document would be silently ignored: refuse it. */
	if (!yaml_parser_load(&parser, &extra)) {
		*err = syntax_error(&parser, label, text, len);
		goto fail;
	}
	root = yaml_document_get_root_node(&extra);
	if (root) {
		struct src_pos pos = yamltree_pos(root);

		yaml_document_delete(&extra);
		*err = yamltree_error(label, pos,
				      "expected one YAML document, found a second one");
		goto fail;
	}
	yaml_document_delete(&extra);
	yaml_parser_delete(&parser);
	return t;
nomem:
	*err = strdup("out of memory");
fail:
	if (parser_ok)
		yaml_parser_delete(&parser);
	if (t && loaded)
		yaml_document_delete(&t->doc);
	if (t)
		free(t->label);
	free(t);
	return NULL;
}

void yamltree_free(struct yamltree *t)
{
	if (!t)
		return;
	yaml_document_delete(&t->doc);
	free(t->label);
	free(t);
}

yaml_node_t *yamltree_root(struct yamltree *t)
{
	return yaml_document_get_root_node(&t->doc);
}

yaml_node_t *yamltree_node(struct yamltree *t, int id)
{
	return yaml_document_get_node(&t->doc, id);
}

struct src_pos yamltree_pos(const yaml_node_t *n)
{
	struct src_pos pos = { 1, 1 };

	if (n) {
		pos.line = (int)n->start_mark.line + 1;
		pos.col = (int)n->start_mark.column + 1;
	}
	return pos;
}

bool yamltree_is_null(const yaml_node_t *n)
{
	static const char *const nulls[] = { "", "~", "null", "Null", "NULL" };
	size_t i;

	if (!n || n->type != YAML_SCALAR_NODE ||
	    n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return false;
	for (i = 0; i < sizeof(nulls) / sizeof(nulls[0]); i++)
		if (!strcmp((const char *)n->data.scalar.value, nulls[i]))
			return true;
	return false;
}

const char *yamltree_scalar(const yaml_node_t *n)
{
	const char *v;

	if (!n || n->type != YAML_SCALAR_NODE)
		return NULL;
	v = (const char *)n->data.scalar.value;
	if (strlen(v) != n->data.scalar.length)
		return NULL;
	return v;
}
