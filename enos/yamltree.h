/* yamltree — a YAML file loaded as one libyaml document, with positions.
 *
 * topo.c walks the node graph that libyaml's document API
 * (yaml_parser_load) builds; this module loads it, turns libyaml's syntax
 * errors into "FILE:LINE:COL: message", and gives the 1-based position of
 * any node (libyaml's marks are 0-based). Aliases are resolved by libyaml:
 * an alias is the anchored node itself, so the graph may share nodes or even
 * contain cycles; walkers must be bounded by their schema, as topo.c's is.
 */
#ifndef ENOS_YAMLTREE_H
#define ENOS_YAMLTREE_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <yaml.h>

#include "enos/topo.h"

struct yamltree {
	yaml_document_t doc;
	char *label;            /* FILE in messages */
};

/* Load TEXT (LEN bytes, need not be NUL-terminated) as exactly one YAML
 * document. LABEL names the text in messages and is copied. Returns the tree
 * (free with yamltree_free), or NULL with *ERR set to an allocated
 * "LABEL:LINE:COL: message" (caller frees): a syntax error or a second
 * document. An empty file (or only comments) loads with no root node. */
struct yamltree *yamltree_parse(const char *text, size_t len,
				const char *label, char **err);

/* Free T; NULL is fine. */
void yamltree_free(struct yamltree *t);

/* The root node, or NULL if the file held no document. */
yaml_node_t *yamltree_root(struct yamltree *t);

/* Node ID of T (from a sequence item or a mapping pair), or NULL. */
yaml_node_t *yamltree_node(struct yamltree *t, int id);

/* 1-based line and column where N starts (NULL: 1:1). */
struct src_pos yamltree_pos(const yaml_node_t *n);

/* Is N a scalar meaning "nothing": a plain ~, null, Null, NULL or empty? */
bool yamltree_is_null(const yaml_node_t *n);

/* The value of scalar N as a C string, or NULL if N is not a scalar or its
 * value holds a NUL byte. Owned by the tree. */
const char *yamltree_scalar(const yaml_node_t *n);

/* Allocate "LABEL:LINE:COL: " followed by FMT formatted. Returns NULL only
 * when out of memory. */
char *yamltree_error(const char *label, struct src_pos pos,
		     const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
char *yamltree_verror(const char *label, struct src_pos pos,
		      const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));

#endif
