/* strbuf — a growing, always NUL-terminated string (git's strbuf).
 *
 * The one string buffer of the tree: templates render into it, the wand
 * control client builds bulk requests with it, messages are assembled in
 * it. Appending never fails loudly: the first allocation failure is kept
 * in sb->err and every later append is a no-op, so a caller appends freely
 * and checks once (strbuf_detach() returns NULL, or sb->err).
 */
#ifndef UTIL_STRBUF_H
#define UTIL_STRBUF_H

#include <stdarg.h>
#include <stddef.h>

struct strbuf {
	char *buf;              /* NULL until the first append */
	size_t len;             /* bytes in buf, not counting the NUL */
	size_t alloc;
	int err;                /* 0, or the first -errno an append met */
};

#define STRBUF_INIT { NULL, 0, 0, 0 }

/* Append LEN bytes of DATA. Returns 0 or sb->err. */
int strbuf_add(struct strbuf *sb, const void *data, size_t len);
/* Append the string S. */
int strbuf_adds(struct strbuf *sb, const char *s);
/* Append one character. */
int strbuf_addc(struct strbuf *sb, char c);
/* Append FMT formatted. */
int strbuf_addf(struct strbuf *sb, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
int strbuf_vaddf(struct strbuf *sb, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));

/* The text so far: "" before the first append. Owned by SB. */
const char *strbuf_str(const struct strbuf *sb);

/* Empty SB, keeping its allocation (and clearing sb->err). */
void strbuf_reset(struct strbuf *sb);

/* Hand the text to the caller (free() it) and leave SB empty. Returns
 * NULL if an append failed (the text is then freed) or, with nothing
 * appended, an allocated "". */
char *strbuf_detach(struct strbuf *sb);

/* Free SB's text and leave it empty; NULL is fine. */
void strbuf_release(struct strbuf *sb);

#endif
