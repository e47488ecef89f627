/* str — small string functions every layer needs.
 *
 * The one allocating printf of the tree (str_printf), and how a value
 * written by a user is quoted back in a message (str_show).
 */
#ifndef UTIL_STR_H
#define UTIL_STR_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

/* FMT formatted into a new string (free() it), or NULL when out of
 * memory. */
char *str_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
char *str_vprintf(const char *fmt, va_list ap)
	__attribute__((format(printf, 1, 0)));

/* Does S start with PREFIX? */
bool str_starts_with(const char *s, const char *prefix);

/* WORDS[0..N) joined into BUF (LEN bytes, clipped to fit): ", " between
 * them and LAST before the last one ("a, b or c" with LAST " or ",
 * "a, b, c" with ", "). Returns BUF. */
const char *str_join(char *buf, size_t len, const char *const *words,
		     size_t n, const char *last);

/* Bytes of a value str_show keeps. */
#define STR_SHOW_MAX 40

/* A value as a message quotes it: its first STR_SHOW_MAX bytes, control
 * characters shown as '?', and "..." when it was longer. */
struct str_shown {
	char s[64];             /* room for the quotes of yload_got */
};

struct str_shown str_show(const char *v);

#endif
