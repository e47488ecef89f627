/* escape — text from outside made safe to show; see escape.h. */
#include "util/escape.h"

#include <stdint.h>

#include "util/strbuf.h"

/* Length of the valid UTF-8 sequence at S (at most LEFT bytes), or 0 when
 * S does not start one (overlong forms, surrogates and code points past
 * U+10FFFF are not valid). */
static size_t utf8_len(const unsigned char *s, size_t left)
{
	uint32_t cp;
	size_t n, i;

	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		n = 2;
		cp = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		n = 3;
		cp = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		n = 4;
		cp = s[0] & 0x07;
	} else {
		return 0;
	}
	if (left < n)
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return 0;
	return n;
}

int escape_ctl(struct strbuf *sb, const void *data, size_t len)
{
	const unsigned char *s = data;
	size_t i = 0, n;

	while (i < len) {
		unsigned char c = s[i];

		if (c == '\n') {
			strbuf_adds(sb, "\\n");
		} else if (c == '\r') {
			strbuf_adds(sb, "\\r");
		} else if (c == '\t') {
			strbuf_adds(sb, "\\t");
		} else if (c < 0x20 || c == 0x7f) {
			strbuf_addf(sb, "\\x%02x", c);
		} else if (c < 0x80) {
			strbuf_addc(sb, (char)c);
		} else if ((n = utf8_len(s + i, len - i)) == 0) {
			strbuf_addf(sb, "\\x%02x", c);
		} else {
			if (n == 2 && c == 0xc2 && s[i + 1] < 0xa0)
				strbuf_addf(sb, "\\u%04x", s[i + 1]);
			else
				strbuf_add(sb, s + i, n);
			i += n;
			continue;
		}
		i++;
	}
	return sb->err;
}

char *escape_dup(const void *data, size_t len)
{
	struct strbuf sb = STRBUF_INIT;

	escape_ctl(&sb, data, len);
	return strbuf_detach(&sb);
}
