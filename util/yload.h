/* yload — the YAML loader: typed, positioned getters over a yamldoc.
 *
 * A language's loader (the topology, enos/topo*.c; the stack file,
 * enos/stack.c) walks its document along its schema and reads every value
 * through these getters, so each value is checked where it is read and
 * each error is one "FILE:LINE:COL: message" pointing at it. The first
 * error is kept (struct yload.err) and every getter returns 0 or a
 * negative errno (-EINVAL after an error, -ENOMEM), so a walker chains
 * them with `if (!rc) rc = ...`.
 *
 * The two languages word a few things differently, and their fixtures
 * (tests/fixtures/bad, tests/fixtures/stacks/bad) pin the wording; the
 * differences are the YLOAD_* flags of the loader, not code of their own.
 */
#ifndef UTIL_YLOAD_H
#define UTIL_YLOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <yaml.h>

#include "util/str.h"
#include "util/yamldoc.h"

/* A "<<" key merges the mappings it names (YAML's merge key), giving the
 * keys the mapping does not give itself; without it "<<" is an unknown
 * key. */
#define YLOAD_MERGE_KEYS  (1u << 0)
/* An unknown key is reported "in WHAT" (the mapping's description) and
 * without the list of valid keys. */
#define YLOAD_KEY_CONTEXT (1u << 1)
/* A value quoted in a message is its first STR_SHOW_MAX bytes as written
 * (else str_show: control characters as '?', "..." when clipped). */
#define YLOAD_QUOTE_RAW   (1u << 2)
/* An integer is digits only: "-1" is not an integer (else it is one, out
 * of range). */
#define YLOAD_UNSIGNED    (1u << 3)
/* A boolean is true or false only (else also True, TRUE, False, FALSE). */
#define YLOAD_LOWER_BOOL  (1u << 4)
/* Names may hold '_' after their first character. */
#define YLOAD_NAME_UNDERSCORE (1u << 5)

struct yload {
	const char *label;      /* FILE in messages */
	struct yamldoc *doc;
	unsigned flags;         /* YLOAD_* */
	size_t name_max;        /* longest name yload_name takes */
	char *err;              /* the first error, allocated; NULL if none */
};

/* Load TEXT (LEN bytes) into L->doc, as yamldoc_parse does. L->label names
 * it; on failure L->err holds the message ("out of memory" included).
 * Returns 0 or -EINVAL. */
int yload_parse(struct yload *L, const char *text, size_t len);

/* Free L's document and error (L itself is the caller's). */
void yload_release(struct yload *L);

/* Keep "LABEL:LINE:COL: message" as L's error unless one is kept already.
 * Return -EINVAL. _in reports in another file (LABEL). */
int yload_fail(struct yload *L, const yaml_node_t *n, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int yload_fail_at(struct yload *L, struct src_pos pos, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int yload_fail_in(struct yload *L, const char *label, struct src_pos pos,
		  const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* "out of memory" at 1:1; returns -ENOMEM. */
int yload_nomem(struct yload *L);

/* A value V quoted in a message (see YLOAD_QUOTE_RAW). */
struct str_shown yload_show(const struct yload *L, const char *v);

/* What N is, for "expected X, got ...": null, a mapping, a sequence, a
 * string holding a NUL byte, or the quoted value. */
struct str_shown yload_got(const struct yload *L, const yaml_node_t *n);

/* Is N given: not absent, not null? */
bool yload_present(const yaml_node_t *n);

/* Node ID of L's document. */
yaml_node_t *yload_node(struct yload *L, int id);

/* Items of sequence N. */
size_t yload_seq_len(const yaml_node_t *n);

/* Keys a mapping may have when yload_map is given no KEYS_AT. */
#define YLOAD_KEYS_MAX 32

/* Check that N is a mapping whose keys are among KEYS, each at most once.
 * Fills VALS[i] (and KEYS_AT[i], may be NULL: then at most YLOAD_KEYS_MAX
 * keys) with the value (and key)
 * node of KEYS[i], or NULL when absent. WHAT names the mapping in
 * "expected a mapping for WHAT, got X". With YLOAD_MERGE_KEYS, "<<: *a"
 * (or a sequence of anchors) supplies the keys the mapping does not give
 * itself, earlier anchors first. */
int yload_map(struct yload *L, const yaml_node_t *n, const char *what,
	      const char *const *keys, size_t n_keys,
	      const yaml_node_t **vals, const yaml_node_t **keys_at);

/* Is key node K written in mapping MAP itself (not merged in by "<<")? */
bool yload_own_key(struct yload *L, const yaml_node_t *map,
		   const yaml_node_t *k);

/* A required key: "missing key 'KEY'" at the mapping MAP unless KEY_AT. */
int yload_need(struct yload *L, const yaml_node_t *map,
	       const yaml_node_t *key_at, const char *key);

/* A string (a non-null scalar) for KEY: *OUT is owned by the document. */
int yload_str(struct yload *L, const yaml_node_t *n, const char *key,
	      const char **out);

/* A copy of S (NULL and the error kept when out of memory). */
char *yload_dup(struct yload *L, const char *s);

/* A copy of the string N for KEY into *OUT (the caller frees). */
int yload_strdup(struct yload *L, const yaml_node_t *n, const char *key,
		 char **out);

/* A name: a-z and 0-9, then also '-' (and '_' with YLOAD_NAME_UNDERSCORE),
 * at most L->name_max characters. WHAT is "site name", ... */
int yload_name(struct yload *L, const yaml_node_t *n, const char *key,
	       const char *what, const char **out);

/* An integer scalar (see units_parse_integer and YLOAD_UNSIGNED). */
int yload_integer(struct yload *L, const yaml_node_t *n, const char *key,
		  uint64_t *out, bool *neg);

/* An integer in [MIN, MAX]: "KEY V is out of range (MIN to MAX)". */
int yload_uint(struct yload *L, const yaml_node_t *n, const char *key,
	       uint64_t min, uint64_t max, uint64_t *out);

int yload_bool(struct yload *L, const yaml_node_t *n, const char *key,
	       bool *out);

/* One of NAMES[0..COUNT) into *OUT; WHAT names the kind of value:
 * "unknown WHAT 'x' (did you mean 'y'?)". */
int yload_enum(struct yload *L, const yaml_node_t *n, const char *key,
	       const char *what, const char *const *names, size_t count,
	       int *out);

/* "expected a sequence for 'KEY', got X" unless N is one. */
int yload_seq(struct yload *L, const yaml_node_t *n, const char *key);

/* A sequence of strings into a NULL-terminated array of copies (*OUT, the
 * caller frees each and the array; filled as far as it got on failure).
 * NONEMPTY: "'KEY' is empty" for no item. */
int yload_strings(struct yload *L, const yaml_node_t *n, const char *key,
		  bool nonempty, char ***out, size_t *count);

/* A time (units_parse_time) at most MAX_US, written in seconds in the
 * message. */
int yload_time(struct yload *L, const yaml_node_t *n, const char *key,
	       uint64_t max_us, uint64_t *out);

/* A positive memory size (units_parse_memory) at most MAX bytes. */
int yload_memory(struct yload *L, const yaml_node_t *n, const char *key,
		 uint64_t max, uint64_t *out);

#endif
