/* str — small string functions every layer needs.
 *
 * The one allocating printf of the tree (str_printf).
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

#endif
