/* fuzz_constraint — libFuzzer harness of the WAN constraint language
 * (emulator/constraint.c, over util/units.c).
 *
 * The input is a block as `enos fault set` and the wand protocol write it:
 * KEY=VALUE words separated by blanks. Each word goes through
 * constraint_parse_kv; the first byte also picks a key whose value the
 * whole input is, through constraint_set.
 *
 * Contract checked: an error is -EINVAL with a message (or -ENOMEM); a
 * block that parses and passes constraint_check also passes
 * constraint_validate; and its canonical text (constraint_format) reads
 * back, word by word, to the very same block, and formats to the same
 * text (the wand protocol sends that text and relies on it).
 */
#include <errno.h>

#include "emulator/constraint.h"
#include "util/strbuf.h"
#include "tests/fuzz/fuzz.h"

static bool blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* Parse the blank-separated words of TEXT (modified) into C. Returns 0 or
 * the first error; *ERR_OUT keeps its message. */
static int parse_words(char *text, struct constraint *c, char **err_out)
{
	unsigned given = 0;
	char *p = text, *w;
	int rc = 0;

	*err_out = NULL;
	while (!rc) {
		while (blank(*p))
			p++;
		if (!*p)
			break;
		w = p;
		while (*p && !blank(*p))
			p++;
		if (*p)
			*p++ = '\0';
		rc = constraint_parse_kv(c, w, &given, err_out);
		if (rc == -EINVAL && (!*err_out || !**err_out))
			fuzz_fail("refused without a message", w);
		if (rc && rc != -EINVAL && rc != -ENOMEM)
			fuzz_fail("unexpected error code", w);
		if (!rc && *err_out)
			fuzz_fail("accepted with a message", *err_out);
	}
	return rc;
}

static void same_block(const struct constraint *a, const struct constraint *b,
		       const char *text)
{
	if (a->set != b->set ||
	    ((a->set & CON_DELAY) && a->delay_us != b->delay_us) ||
	    ((a->set & CON_JITTER) && a->jitter_us != b->jitter_us) ||
	    ((a->set & CON_LOSS) && a->loss_pct != b->loss_pct) ||
	    ((a->set & CON_RATE) && a->rate_bps != b->rate_bps) ||
	    ((a->set & CON_DIST) && a->dist != b->dist) ||
	    ((a->set & CON_CORR) && a->corr_pct != b->corr_pct) ||
	    ((a->set & CON_BURST) && a->loss_burst != b->loss_burst) ||
	    ((a->set & CON_QUEUE) && a->queue_pkts != b->queue_pkts))
		fuzz_fail("canonical text reads back to another block", text);
}

static void round_trip(const struct constraint *c)
{
	struct strbuf sb = STRBUF_INIT, sb2 = STRBUF_INIT;
	struct constraint back = { 0 };
	char *text, *err = NULL;

	constraint_format(c, &sb);
	if (sb.err)
		goto out;
	text = strdup(strbuf_str(&sb));
	if (!text)
		goto out;
	if (parse_words(text, &back, &err) == -EINVAL)
		fuzz_fail("canonical text does not read back", err);
	free(err);
	free(text);
	same_block(c, &back, strbuf_str(&sb));
	constraint_format(&back, &sb2);
	if (!sb2.err && strcmp(strbuf_str(&sb), strbuf_str(&sb2)) != 0)
		fuzz_fail("canonical text is not a fixed point", strbuf_str(&sb));
out:
	strbuf_release(&sb);
	strbuf_release(&sb2);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct constraint c = { 0 }, one = { 0 };
	enum constraint_key bad;
	const char *why;
	char *text, *err = NULL;
	int rc;

	if (size == 0)
		return 0;
	/* One key's value, as the topology's YAML gives it. */
	text = fuzz_cstr(data + 1, size - 1);
	if (!text)
		return 0;
	rc = constraint_set(&one, (enum constraint_key)(data[0] % CK_N), text,
			    &err);
	if (rc == -EINVAL && (!err || !*err))
		fuzz_fail("value refused without a message", text);
	if (!rc && constraint_validate(&one, &err) == -EINVAL &&
	    !(one.set & (CON_DIST | CON_CORR | CON_BURST)))
		fuzz_fail("a value set does not validate", err);
	free(err);
	err = NULL;
	free(text);

	/* A block of KEY=VALUE words. */
	text = fuzz_cstr(data, size);
	if (!text)
		return 0;
	rc = parse_words(text, &c, &err);
	free(err);
	err = NULL;
	if (!rc && !constraint_check(&c, &bad, &why)) {
		if (constraint_validate(&c, &err) == -EINVAL)
			fuzz_fail("a checked block does not validate", err);
		free(err);
		round_trip(&c);
	}
	free(text);
	return 0;
}
