/* fuzz_jsonl — libFuzzer harness of workloads/jsonl.c (make fuzz).
 *
 * The input is fed in chunks whose sizes come from its first byte, so
 * lines split at every place; every emitted operation must hold what
 * jsonl.h promises, and every bad-line message must be one line of
 * printable text.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "workloads/jsonl.h"

static int emit(void *arg, const struct wl_op *op)
{
	size_t len = strnlen(op->op, WL_OP_NAME_MAX);

	(void)arg;
	if (len == 0 || len >= WL_OP_NAME_MAX || !(op->start >= 0) ||
	    !(op->duration_ms >= 0) || (op->ok && op->error) ||
	    (op->atomic && op->iteration == 0))
		abort();
	if (op->error)
		(void)strlen(op->error);
	return 0;
}

static int bad(void *arg, unsigned long line, const char *msg)
{
	const unsigned char *s = (const unsigned char *)msg;

	(void)arg;
	if (line == 0)
		abort();
	for (; *s; s++)
		if (*s < 0x20 || *s == 0x7f)
			abort();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct wl_jsonl p;
	size_t chunk = size ? (size_t)data[0] % 17 + 1 : 1, at, n;

	wl_jsonl_init(&p, "fuzz", emit, bad, NULL);
	for (at = 0; at < size; at += n) {
		n = size - at < chunk ? size - at : chunk;
		if (wl_jsonl_feed(&p, data + at, n))
			abort();
	}
	if (wl_jsonl_finish(&p))
		abort();
	wl_jsonl_release(&p);
	return 0;
}
