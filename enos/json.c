/* json — streaming JSON writer; see json.h. */
#include "enos/json.h"

#include <math.h>

void json_init(struct json *j, FILE *out)
{
	j->out = out;
	j->depth = 0;
	j->need_comma[0] = false;
}

/* Before any value: a comma if a sibling came first. Object members get
 * their comma from json_key, so values after a key write none. */
static void before_value(struct json *j)
{
	if (j->need_comma[j->depth])
		fputc(',', j->out);
	j->need_comma[j->depth] = true;
}

static void open_scope(struct json *j, char c)
{
	before_value(j);
	fputc(c, j->out);
	if (j->depth + 1 < JSON_MAX_DEPTH)
		j->depth++;
	j->need_comma[j->depth] = false;
	j->closer[j->depth] = c == '{' ? '}' : ']';
}

static void close_scope(struct json *j, char c)
{
	fputc(c, j->out);
	if (j->depth > 0)
		j->depth--;
}

void json_begin_object(struct json *j) { open_scope(j, '{'); }
void json_begin_array(struct json *j) { open_scope(j, '['); }
void json_end_object(struct json *j) { close_scope(j, '}'); }
void json_end_array(struct json *j) { close_scope(j, ']'); }

static void write_string(FILE *out, const char *s)
{
	fputc('"', out);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		switch (c) {
		case '"': fputs("\\\"", out); break;
		case '\\': fputs("\\\\", out); break;
		case '\n': fputs("\\n", out); break;
		case '\r': fputs("\\r", out); break;
		case '\t': fputs("\\t", out); break;
		default:
			if (c < 0x20)
				fprintf(out, "\\u%04x", c);
			else
				fputc(c, out);
		}
	}
	fputc('"', out);
}

void json_key(struct json *j, const char *key)
{
	before_value(j);
	write_string(j->out, key);
	fputc(':', j->out);
	/* The value that follows must not add a comma of its own. */
	j->need_comma[j->depth] = false;
}

/* After a value inside an object, the next member needs a comma. */
static void after_value(struct json *j)
{
	j->need_comma[j->depth] = true;
}

void json_str(struct json *j, const char *s)
{
	before_value(j);
	if (s)
		write_string(j->out, s);
	else
		fputs("null", j->out);
	after_value(j);
}

void json_int(struct json *j, int64_t v)
{
	before_value(j);
	fprintf(j->out, "%lld", (long long)v);
	after_value(j);
}

void json_double(struct json *j, double v)
{
	before_value(j);
	if (isfinite(v))
		fprintf(j->out, "%.6g", v);
	else
		fputs("null", j->out);
	after_value(j);
}

void json_bool(struct json *j, bool v)
{
	before_value(j);
	fputs(v ? "true" : "false", j->out);
	after_value(j);
}

void json_null(struct json *j)
{
	before_value(j);
	fputs("null", j->out);
	after_value(j);
}

void json_key_str(struct json *j, const char *key, const char *s)
{
	json_key(j, key);
	json_str(j, s);
}

void json_key_int(struct json *j, const char *key, int64_t v)
{
	json_key(j, key);
	json_int(j, v);
}

void json_key_double(struct json *j, const char *key, double v)
{
	json_key(j, key);
	json_double(j, v);
}

void json_key_bool(struct json *j, const char *key, bool v)
{
	json_key(j, key);
	json_bool(j, v);
}

void json_finish(struct json *j)
{
	while (j->depth > 0)
		close_scope(j, j->closer[j->depth]);
	fputc('\n', j->out);
}
