/* yamldoc — a YAML file loaded as one libyaml document, with positions.
 *
 * The languages of enos (topologies, enos/topo*.c; stacks, enos/stack.c)
 * walk the node graph that libyaml's document API (yaml_parser_load)
 * builds, through the typed getters of util/yload.h. This module loads the
 * document, turns libyaml's syntax errors into "FILE:LINE:COL: message",
 * and gives the 1-based position of any node (libyaml's marks are 0-based).
 *
 * Bounded work: nesting deeper than YAMLDOC_DEPTH_MAX is refused before the
 * document is built (libyaml's parser slows down with the square of the
 * depth: 40,000 levels take seconds, 100,000 never end). Aliases are
 * resolved by libyaml: an alias is the anchored node itself, so the graph
 * may share nodes or even contain cycles; walkers must be bounded by their
 * schema, as the loaders are.
 */
#ifndef UTIL_YAMLDOC_H
#define UTIL_YAMLDOC_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <yaml.h>

/* Mappings and sequences inside one another, at most. */
#define YAMLDOC_DEPTH_MAX 64

/* Where a value was written in a file, 1-based. */
struct src_pos {
	int line;
	int col;
};

struct yamldoc {
	yaml_document_t doc;
	char *label;            /* FILE in messages */
};

/* Load TEXT (LEN bytes, need not be NUL-terminated) as exactly one YAML
 * document. LABEL names the text in messages and is copied. Returns the
 * document (free with yamldoc_free), or NULL with *ERR set to an allocated
 * "LABEL:LINE:COL: message" (caller frees): a syntax error, nesting deeper
 * than YAMLDOC_DEPTH_MAX, or a second document. An empty file (or only
 * comments) loads with no root node. */
struct yamldoc *yamldoc_parse(const char *text, size_t len,
			      const char *label, char **err);

/* Free D; NULL is fine. */
void yamldoc_free(struct yamldoc *d);

/* The root node, or NULL if the file held no document. */
yaml_node_t *yamldoc_root(struct yamldoc *d);

/* Node ID of D (from a sequence item or a mapping pair), or NULL. */
yaml_node_t *yamldoc_node(struct yamldoc *d, int id);

/* 1-based line and column where N starts (NULL: 1:1). */
struct src_pos yamldoc_pos(const yaml_node_t *n);

/* Is N a scalar meaning "nothing": a plain ~, null, Null, NULL or empty? */
bool yamldoc_is_null(const yaml_node_t *n);

/* The value of scalar N as a C string, or NULL if N is not a scalar or its
 * value holds a NUL byte. Owned by the document. */
const char *yamldoc_scalar(const yaml_node_t *n);

/* Allocate "LABEL:LINE:COL: " followed by FMT formatted, every control
 * byte of both (LABEL may be a path a hostile file named) shown as '?'.
 * Returns NULL only when out of memory. */
char *yamldoc_error(const char *label, struct src_pos pos,
		    const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
char *yamldoc_verror(const char *label, struct src_pos pos,
		     const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));

#endif
