/* jsonl — the JSON-lines results of a stack's workload; see jsonl.h. */
#include "workloads/jsonl.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#include <jansson.h>

#include "util/escape.h"
#include "util/suggest.h"

/* How much of a line that is too long a message quotes. */
#define OVERLONG_QUOTE 80

static const char *const keys[] = {
	"op", "start", "duration_ms", "ok", "error", "iteration", "atomic",
};

void wl_jsonl_init(struct wl_jsonl *p, const char *label, wl_emit_fn emit,
		   wl_jsonl_bad_fn bad, void *arg)
{
	memset(p, 0, sizeof(*p));
	p->label = label;
	p->emit = emit;
	p->bad = bad;
	p->arg = arg;
	p->part = (struct strbuf)STRBUF_INIT;
}

void wl_jsonl_release(struct wl_jsonl *p)
{
	if (!p)
		return;
	strbuf_release(&p->part);
	p->part_len = 0;
}

/* Count bad line LINE and hand BAD its message: "LABEL:LINE: " (or
 * "LABEL:LINE:COL: " when COL > 0), WHY, ": " and TEXT[0..LEN) escaped,
 * followed by "..." when CUT. */
static int report(struct wl_jsonl *p, int col, const char *text, size_t len,
		  bool cut, const char *why)
{
	struct strbuf sb = STRBUF_INIT;
	int rc;

	p->n_bad++;
	if (!p->bad)
		return 0;
	strbuf_addf(&sb, "%s:%lu:", p->label, p->lines);
	if (col > 0)
		strbuf_addf(&sb, "%d:", col);
	strbuf_addf(&sb, " %s: ", why);
	escape_ctl(&sb, text, len);
	if (cut)
		strbuf_adds(&sb, "...");
	if (sb.err)
		rc = sb.err;
	else
		rc = p->bad(p->arg, p->lines, sb.buf);
	strbuf_release(&sb);
	return rc;
}

/* Append KEY, escaped and quoted, to WHY. */
static void add_key(struct strbuf *why, const char *key)
{
	strbuf_addc(why, '\'');
	escape_ctl(why, key, strlen(key));
	strbuf_addc(why, '\'');
}

/* Read the number KEY of O into *OUT: present, a number, finite, >= 0.
 * Returns false with the reason in WHY. */
static bool get_nonneg(json_t *o, const char *key, double *out,
		       struct strbuf *why)
{
	json_t *v = json_object_get(o, key);

	if (!v) {
		strbuf_addf(why, "'%s' is missing", key);
		return false;
	}
	if (!json_is_number(v)) {
		strbuf_addf(why, "'%s' is not a number", key);
		return false;
	}
	*out = json_number_value(v);
	if (!isfinite(*out) || *out < 0) {
		strbuf_addf(why, "'%s' is negative (%g)", key, *out);
		return false;
	}
	return true;
}

/* Check the object O of one line and fill OP (whose error points into O).
 * Returns false with the reason in WHY. */
static bool check_op(json_t *o, struct wl_op *op, struct strbuf *why)
{
	const char *key, *name, *s;
	json_t *v;
	size_t len, i;

	if (!json_is_object(o)) {
		strbuf_adds(why, "not a JSON object");
		return false;
	}
	json_object_foreach(o, key, v) {
		const char *near;

		for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
			if (strcmp(key, keys[i]) == 0)
				break;
		if (i < sizeof(keys) / sizeof(keys[0]))
			continue;
		strbuf_adds(why, "unknown key ");
		add_key(why, key);
		near = suggest_closest(key, keys, sizeof(keys) / sizeof(keys[0]));
		if (near)
			strbuf_addf(why, " (did you mean '%s'?)", near);
		return false;
	}

	memset(op, 0, sizeof(*op));
	v = json_object_get(o, "op");
	if (!v) {
		strbuf_adds(why, "'op' is missing");
		return false;
	}
	if (!json_is_string(v)) {
		strbuf_adds(why, "'op' is not a string");
		return false;
	}
	name = json_string_value(v);
	len = json_string_length(v);
	if (len == 0) {
		strbuf_adds(why, "'op' is empty");
		return false;
	}
	if (len >= WL_OP_NAME_MAX) {
		strbuf_addf(why, "'op' is %zu bytes, longer than %d", len,
			    WL_OP_NAME_MAX - 1);
		return false;
	}
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)name[i];

		if (c < 0x20 || c == 0x7f) {
			strbuf_adds(why, "'op' holds a control character");
			return false;
		}
	}
	memcpy(op->op, name, len + 1);

	if (!get_nonneg(o, "start", &op->start, why) ||
	    !get_nonneg(o, "duration_ms", &op->duration_ms, why))
		return false;

	v = json_object_get(o, "ok");
	if (!v) {
		strbuf_adds(why, "'ok' is missing");
		return false;
	}
	if (!json_is_boolean(v)) {
		strbuf_adds(why, "'ok' is not true or false");
		return false;
	}
	op->ok = json_is_true(v);

	v = json_object_get(o, "error");
	if (v && !json_is_null(v) && !json_is_string(v)) {
		strbuf_adds(why, "'error' is not a string or null");
		return false;
	}
	s = json_is_string(v) ? json_string_value(v) : NULL;
	if (s && *s) {
		if (op->ok) {
			strbuf_adds(why, "'error' is set but 'ok' is true");
			return false;
		}
		op->error = s;
	}

	v = json_object_get(o, "iteration");
	if (v) {
		json_int_t n;

		if (!json_is_integer(v)) {
			strbuf_adds(why, "'iteration' is not an integer");
			return false;
		}
		n = json_integer_value(v);
		if (n < 0 || (unsigned long long)n > UINT_MAX) {
			strbuf_addf(why, "'iteration' is out of range (%lld)",
				    (long long)n);
			return false;
		}
		op->iteration = (unsigned)n;
	}

	v = json_object_get(o, "atomic");
	if (v) {
		if (!json_is_boolean(v)) {
			strbuf_adds(why, "'atomic' is not true or false");
			return false;
		}
		op->atomic = json_is_true(v);
		if (op->atomic && op->iteration == 0) {
			strbuf_adds(why, "'atomic' is true without an "
				    "'iteration' >= 1");
			return false;
		}
	}
	return true;
}

static bool blank(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r')
			return false;
	return true;
}

/* Line p->lines + 1 has ended: TEXT[0..LEN) is what was kept of its TOTAL
 * bytes (LEN < TOTAL only for a line that is too long). */
static int line_end(struct wl_jsonl *p, const char *text, size_t len,
		    size_t total)
{
	struct strbuf why = STRBUF_INIT;
	json_error_t jerr;
	struct wl_op op;
	json_t *o = NULL;
	int rc = 0;

	p->lines++;
	if (total > WL_JSONL_LINE_MAX) {
		strbuf_addf(&why, "line is %zu bytes, longer than %d", total,
			    WL_JSONL_LINE_MAX);
		rc = why.err ? why.err :
			report(p, 0, text, len < OVERLONG_QUOTE ? len :
			       OVERLONG_QUOTE, true, why.buf);
		goto out;
	}
	if (blank(text, len))
		goto out;
	o = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!o) {
		/* jansson quotes the offending token raw. */
		strbuf_adds(&why, "not JSON (");
		escape_ctl(&why, jerr.text, strlen(jerr.text));
		strbuf_addc(&why, ')');
		rc = why.err ? why.err :
			report(p, jerr.column, text, len, false, why.buf);
		goto out;
	}
	if (!check_op(o, &op, &why)) {
		rc = why.err ? why.err :
			report(p, 0, text, len, false, why.buf);
		goto out;
	}
	p->n_ops++;
	rc = p->emit(p->arg, &op);
out:
	json_decref(o);
	strbuf_release(&why);
	return rc;
}

/* Keep DATA[0..LEN) as more of the current line: at most
 * WL_JSONL_LINE_MAX bytes are stored, the rest only counted. */
static int keep(struct wl_jsonl *p, const char *data, size_t len)
{
	size_t room = WL_JSONL_LINE_MAX - p->part.len;

	if (strbuf_add(&p->part, data, len < room ? len : room))
		return -ENOMEM;
	p->part_len = len > SIZE_MAX - p->part_len ? SIZE_MAX :
		p->part_len + len;
	return 0;
}

/* The current line, kept in p->part, has ended. */
static int part_end(struct wl_jsonl *p)
{
	int rc = line_end(p, strbuf_str(&p->part), p->part.len, p->part_len);

	strbuf_reset(&p->part);
	p->part_len = 0;
	return rc;
}

int wl_jsonl_feed(struct wl_jsonl *p, const void *data, size_t len)
{
	const char *s = data, *end = s + len, *nl;
	int rc = 0;

	if (p->done)
		return -EINVAL;
	while (!rc && s < end) {
		size_t n;

		nl = memchr(s, '\n', (size_t)(end - s));
		n = (size_t)((nl ? nl : end) - s);
		if (!nl)
			return keep(p, s, n);
		if (p->part_len == 0) {
			/* The whole line is in DATA: no copy. */
			rc = line_end(p, s, n < WL_JSONL_LINE_MAX + 1 ? n :
				      WL_JSONL_LINE_MAX, n);
		} else {
			rc = keep(p, s, n);
			if (!rc)
				rc = part_end(p);
		}
		s = nl + 1;
	}
	return rc;
}

int wl_jsonl_finish(struct wl_jsonl *p)
{
	int rc = 0;

	if (p->done)
		return 0;
	p->done = true;
	if (p->part_len > 0)
		rc = part_end(p);
	return rc;
}
