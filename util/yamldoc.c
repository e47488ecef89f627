/* yamldoc — YAML documents with positions; see yamldoc.h. */
#include "util/yamldoc.h"

#include <errno.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/str.h"

char *yamldoc_verror(const char *label, struct src_pos pos,
		      const char *fmt, va_list ap)
{
	char *msg = str_vprintf(fmt, ap), *out = NULL, *p;

	if (msg)
		out = str_printf("%s:%d:%d: %s", label, pos.line, pos.col, msg);
	free(msg);
	/* Messages quote what a hostile file wrote (a YAML string may hold
	 * any byte through escapes, a matrix cell any byte at all), and
	 * LABEL may be a path such a file named (a topology's matrix file, a
	 * sweep's topology): no control byte reaches a terminal, as
	 * str_show() shows values. */
	for (p = out; p && *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
	return out;
}

char *yamldoc_error(const char *label, struct src_pos pos,
		     const char *fmt, ...)
{
	va_list ap;
	char *out;

	va_start(ap, fmt);
	out = yamldoc_verror(label, pos, fmt, ap);
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
		return yamldoc_error(label, pos, "%s", problem);
	}
	pos.line = (int)p->problem_mark.line + 1;
	pos.col = (int)p->problem_mark.column + 1;
	if (p->context)
		return yamldoc_error(label, pos, "%s %s", problem,
				      p->context);
	return yamldoc_error(label, pos, "%s", problem);
}

/* Refuse nesting deeper than YAMLDOC_DEPTH_MAX, by scanning tokens (cheap:
 * no parser state, no nodes) before libyaml's parser, whose cost grows with
 * the square of the depth, sees the text. A collection that opens with a
 * token of its own counts ('{', '[', a block mapping or sequence); an
 * indentless sequence ("key:\n- item") rides on its mapping's level. A
 * syntax error ends the scan quietly: yaml_parser_load reports it. Returns
 * 0, -EINVAL with *ERR, or -ENOMEM. */
static int depth_check(const char *text, size_t len, const char *label,
		       char **err)
{
	yaml_parser_t parser;
	yaml_token_t tok;
	struct src_pos pos;
	int depth = 0, rc = 0;
	bool done = false;

	if (!yaml_parser_initialize(&parser))
		return -ENOMEM;
	yaml_parser_set_input_string(&parser, (const unsigned char *)text,
				     len);
	while (!done) {
		if (!yaml_parser_scan(&parser, &tok))
			break;
		switch (tok.type) {
		case YAML_BLOCK_SEQUENCE_START_TOKEN:
		case YAML_BLOCK_MAPPING_START_TOKEN:
		case YAML_FLOW_SEQUENCE_START_TOKEN:
		case YAML_FLOW_MAPPING_START_TOKEN:
			if (++depth <= YAMLDOC_DEPTH_MAX)
				break;
			pos.line = (int)tok.start_mark.line + 1;
			pos.col = (int)tok.start_mark.column + 1;
			*err = yamldoc_error(label, pos,
					     "nested too deeply (at most %d levels of mappings and sequences)",
					     YAMLDOC_DEPTH_MAX);
			rc = *err ? -EINVAL : -ENOMEM;
			done = true;
			break;
		case YAML_BLOCK_END_TOKEN:
		case YAML_FLOW_SEQUENCE_END_TOKEN:
		case YAML_FLOW_MAPPING_END_TOKEN:
			depth--;
			break;
		case YAML_STREAM_END_TOKEN:
		case YAML_NO_TOKEN:     /* after an error */
			done = true;
			break;
		default:
			break;
		}
		yaml_token_delete(&tok);
	}
	yaml_parser_delete(&parser);
	return rc;
}

struct yamldoc *yamldoc_parse(const char *text, size_t len,
			      const char *label, char **err)
{
	struct yamldoc *d = NULL;
	yaml_parser_t parser;
	yaml_document_t extra;
	bool parser_ok = false;
	bool loaded = false;
	yaml_node_t *root;
	int rc;

	*err = NULL;
	d = calloc(1, sizeof(*d));
	if (!d || !(d->label = strdup(label)))
		goto nomem;
	rc = depth_check(text, len, label, err);
	if (rc == -ENOMEM)
		goto nomem;
	if (rc)
		goto fail;
	if (!yaml_parser_initialize(&parser))
		goto nomem;
	parser_ok = true;
	yaml_parser_set_input_string(&parser, (const unsigned char *)text,
				     len);
	if (!yaml_parser_load(&parser, &d->doc)) {
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
		struct src_pos pos = yamldoc_pos(root);

		yaml_document_delete(&extra);
		*err = yamldoc_error(label, pos,
				     "expected one YAML document, found a second one");
		goto fail;
	}
	yaml_document_delete(&extra);
	yaml_parser_delete(&parser);
	return d;
nomem:
	*err = strdup("out of memory");
fail:
	if (parser_ok)
		yaml_parser_delete(&parser);
	if (d && loaded)
		yaml_document_delete(&d->doc);
	if (d)
		free(d->label);
	free(d);
	return NULL;
}

void yamldoc_free(struct yamldoc *d)
{
	if (!d)
		return;
	yaml_document_delete(&d->doc);
	free(d->label);
	free(d);
}

yaml_node_t *yamldoc_root(struct yamldoc *d)
{
	return yaml_document_get_root_node(&d->doc);
}

yaml_node_t *yamldoc_node(struct yamldoc *d, int id)
{
	return yaml_document_get_node(&d->doc, id);
}

struct src_pos yamldoc_pos(const yaml_node_t *n)
{
	struct src_pos pos = { 1, 1 };

	if (n) {
		pos.line = (int)n->start_mark.line + 1;
		pos.col = (int)n->start_mark.column + 1;
	}
	return pos;
}

bool yamldoc_is_null(const yaml_node_t *n)
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

const char *yamldoc_scalar(const yaml_node_t *n)
{
	const char *v;

	if (!n || n->type != YAML_SCALAR_NODE)
		return NULL;
	v = (const char *)n->data.scalar.value;
	if (strlen(v) != n->data.scalar.length)
		return NULL;
	return v;
}
