/* fuzz_rally — libFuzzer harness of workloads/rally.c (make fuzz).
 *
 * A refused report emits nothing and always says why; an accepted one
 * emits exactly its summary's iterations and atomic actions.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "workloads/rally.h"

struct count {
	unsigned iterations, atomics;
};

static int emit(void *arg, const struct wl_op *op)
{
	struct count *c = arg;
	size_t len = strnlen(op->op, WL_OP_NAME_MAX);

	if (len == 0 || len >= WL_OP_NAME_MAX || !(op->duration_ms >= 0) ||
	    op->iteration == 0 || (op->ok && op->error) ||
	    (!op->ok && !op->error))
		abort();
	if (op->atomic)
		c->atomics++;
	else
		c->iterations++;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct wl_rally_result res;
	struct count c = { 0, 0 };
	char *err = NULL;
	int rc = wl_rally_parse("fuzz", (const char *)data, size,
				size && data[0] == '{' ? NULL : "w", emit, &c,
				&res, &err);

	if (rc) {
		if (!err || c.iterations || c.atomics || res.workloads)
			abort();
	} else if (err || c.iterations != res.iterations ||
		   c.atomics != res.atomics || res.iterations == 0) {
		abort();
	}
	free(err);
	wl_rally_result_release(&res);
	return 0;
}
