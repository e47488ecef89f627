/* json — a small streaming JSON writer for `--json` output.
 *
 * The writer tracks nesting and commas so callers emit members in order:
 *   json_begin_object(j); json_key_str(j, "name", "fog3"); json_end(j);
 * Strings are escaped per RFC 8259. Output goes to a FILE; errors surface
 * when the caller flushes the stream.
 */
#ifndef ENOS_JSON_H
#define ENOS_JSON_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define JSON_MAX_DEPTH 16

struct json {
	FILE *out;
	int depth;
	bool need_comma[JSON_MAX_DEPTH];
	char closer[JSON_MAX_DEPTH];
};

void json_init(struct json *j, FILE *out);
void json_begin_object(struct json *j);
void json_begin_array(struct json *j);
void json_end_object(struct json *j);
void json_end_array(struct json *j);
/* Start member KEY of the current object; the next value belongs to it. */
void json_key(struct json *j, const char *key);
void json_str(struct json *j, const char *s);   /* NULL writes null */
void json_int(struct json *j, int64_t v);
void json_double(struct json *j, double v);     /* NaN/inf write null */
void json_bool(struct json *j, bool v);
void json_null(struct json *j);
/* Shorthands: key and value. */
void json_key_str(struct json *j, const char *key, const char *s);
void json_key_int(struct json *j, const char *key, int64_t v);
void json_key_double(struct json *j, const char *key, double v);
void json_key_bool(struct json *j, const char *key, bool v);
/* Close everything still open and end the line. */
void json_finish(struct json *j);

#endif
