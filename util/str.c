/* str — small string functions; see str.h. */
#include "util/str.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char *str_vprintf(const char *fmt, va_list ap)
{
	char *s = NULL;

	if (vasprintf(&s, fmt, ap) < 0)
		return NULL;
	return s;
}

char *str_printf(const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	s = str_vprintf(fmt, ap);
	va_end(ap);
	return s;
}

bool str_starts_with(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

const char *str_join(char *buf, size_t len, const char *const *words,
		     size_t n, const char *last)
{
	size_t used = 0, i;

	buf[0] = '\0';
	for (i = 0; i < n && used < len; i++) {
		const char *sep = i == 0 ? "" : i + 1 == n ? last : ", ";
		int w = snprintf(buf + used, len - used, "%s%s", sep, words[i]);

		if (w < 0)
			break;
		used += (size_t)w;
	}
	return buf;
}

struct str_shown str_show(const char *v)
{
	struct str_shown out;
	size_t i;

	for (i = 0; i < STR_SHOW_MAX && v[i]; i++)
		out.s[i] = (v[i] >= 0 && v[i] < 0x20) || v[i] == 0x7f ? '?'
								      : v[i];
	if (v[i]) {
		memcpy(out.s + i, "...", 3);
		i += 3;
	}
	out.s[i] = '\0';
	return out;
}
