/* fuzz_ci — libFuzzer harness of the threshold language, enos/ci.c (make
 * fuzz).
 *
 * An input starting with '{' is a whole `ci:` section (YAML) for
 * ci_load, which must fail with a message or give thresholds that print.
 * Any other input is one threshold's text. A text that parses must print
 * in canonical form, that form must parse to the same threshold and print
 * the same again (so --check's output is always a valid threshold); a
 * text that does not parse must say why, in one line of printable text,
 * pointing inside it.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "enos/ci.h"
#include "util/strbuf.h"
#include "util/yload.h"

static char *format(const struct ci_threshold *t)
{
	struct strbuf sb = STRBUF_INIT;

	if (ci_threshold_format(t, &sb))
		abort();
	return strbuf_detach(&sb);
}

static void section(const uint8_t *data, size_t size)
{
	struct yload L = { .label = "fuzz", .name_max = 32 };
	struct ci_spec spec = { 0 };
	size_t i;

	if (yload_parse(&L, (const char *)data, size) == 0) {
		if (ci_load(&L, yamldoc_root(L.doc), &spec) && !L.err)
			abort();
		for (i = 0; i < spec.n; i++)
			free(format(&spec.t[i]));
	}
	ci_spec_release(&spec);
	yload_release(&L);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ci_threshold a, b;
	char *text, *why = NULL, *one, *two;
	const unsigned char *s;
	size_t at = 0;
	int rc;

	if (size && data[0] == '{') {
		section(data, size);
		return 0;
	}
	text = strndup((const char *)data, size);
	if (!text)
		return 0;
	rc = ci_threshold_parse(text, &a, &at, &why);
	if (rc) {
		if (rc != -EINVAL || !why || at > strlen(text))
			abort();
		for (s = (const unsigned char *)why; *s; s++)
			if (*s < 0x20 || *s == 0x7f)
				abort();
		free(why);
		free(text);
		return 0;
	}
	one = format(&a);
	if (ci_threshold_parse(one, &b, &at, &why))
		abort();
	two = format(&b);
	if (strcmp(one, two) || a.s.metric != b.s.metric ||
	    a.s.stat != b.s.stat || a.ref != b.ref || a.cmp != b.cmp ||
	    memcmp(&a.at, &b.at, sizeof(a.at)) ||
	    memcmp(&a.ref_at, &b.ref_at, sizeof(a.ref_at)))
		abort();
	free(one);
	free(two);
	free(text);
	return 0;
}
