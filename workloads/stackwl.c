/* stackwl — the workload kinds a stack declares (`workloads:` in
 * workloads/stacks/NAME.yaml); see workload.h.
 *
 * PLACEHOLDER of the runner branch, to be replaced whole by the stackwl
 * part of issue 11: it declares no kind, so a branch without the stack
 * language links and every name not built in is "unknown".
 */
#include "workloads/workload.h"

#include <stdlib.h>

int wl_stack_kinds(const struct stack *s, struct wl_kind **kinds, size_t *n,
		   char **err)
{
	(void)s;
	*kinds = NULL;
	*n = 0;
	*err = NULL;
	return 0;
}

void wl_stack_kinds_free(struct wl_kind *kinds, size_t n)
{
	(void)n;
	free(kinds);
}
