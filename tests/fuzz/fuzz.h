/* fuzz — what the libFuzzer harnesses of tests/fuzz/ share (make fuzz;
 * replayed by tests/fuzz/replay.c under make test).
 *
 * A harness never writes a file, opens a socket or needs root; it checks
 * the contract of the parser it drives and calls fuzz_fail() (abort) when
 * the contract is broken, so libFuzzer and the replay both see a crash.
 */
#ifndef TESTS_FUZZ_H
#define TESTS_FUZZ_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Say what broke, then abort: the harness found a bug. */
static inline void fuzz_fail(const char *what, const char *detail)
{
	fprintf(stderr, "fuzz: %s%s%s\n", what, detail ? ": " : "",
		detail ? detail : "");
	abort();
}

/* DATA[0..SIZE) as a C string (cut at its first NUL byte), or NULL when
 * out of memory. The caller frees it. */
static inline char *fuzz_cstr(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (s) {
		if (size)
			memcpy(s, data, size);
		s[size] = '\0';
	}
	return s;
}

/* An error message as every parser promises it: not NULL, not empty, and
 * starting with LABEL (FILE:LINE:COL: ...) unless LABEL is NULL or the
 * message is "out of memory". */
static inline void fuzz_check_err(const char *err, const char *label)
{
	if (!err || !*err)
		fuzz_fail("refused without a message", NULL);
	if (label && strncmp(err, label, strlen(label)) != 0 &&
	    strcmp(err, "out of memory") != 0)
		fuzz_fail("message does not start with the label", err);
}

/* MSG holds no control byte: a message quotes hostile input and goes to
 * a terminal (yamldoc_verror shows control bytes as '?'). */
static inline void fuzz_check_printable(const char *msg)
{
	const unsigned char *p;

	for (p = (const unsigned char *)msg; p && *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			fuzz_fail("control byte in a message", msg);
}

#endif
