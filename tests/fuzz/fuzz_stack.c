/* fuzz_stack — libFuzzer harness of the stack file loader
 * (workloads/stack.c over util/yload.c and util/yamldoc.c).
 *
 * The input is the stack file's text; a first byte 0x01 (never valid
 * YAML) is dropped and asks for the `stack:` name to be checked against
 * "fuzz", as stack_load does with the file's base name. No file is read
 * or written.
 *
 * Contract checked: a stack or a FILE:LINE:COL message, never both, with
 * no control byte (values are quoted as written, escapes excepted); a
 * loaded stack is consistent (every argv NULL-terminated with its count,
 * post steps on a service that exists, names given).
 */
#include "workloads/stack.h"
#include "tests/fuzz/fuzz.h"

#define LABEL "fuzz.yaml"

static void check_cmd(const struct stack_cmd *c, bool need)
{
	size_t i;

	if (!c->argv) {
		if (need || c->argc)
			fuzz_fail("command without argv", NULL);
		return;
	}
	for (i = 0; i < c->argc; i++)
		if (!c->argv[i])
			fuzz_fail("argv shorter than argc", NULL);
	if (c->argv[c->argc])
		fuzz_fail("argv not NULL-terminated", NULL);
	if (need && c->argc == 0)
		fuzz_fail("empty command accepted", NULL);
}

static void check_stack(const struct stack *s)
{
	size_t i, j;

	if (!s->name || !*s->name || s->n_services == 0)
		fuzz_fail("stack without name or services", NULL);
	for (i = 0; i < s->n_services; i++) {
		const struct stack_service *v = &s->services[i];

		if (!v->name || !*v->name)
			fuzz_fail("service without a name", NULL);
		check_cmd(&v->command, true);
		for (j = 0; j < v->n_setup; j++)
			check_cmd(&v->setup[j], true);
		for (j = 0; j < v->n_post; j++)
			check_cmd(&v->post[j], true);
		if (v->ready == READY_COMMAND)
			check_cmd(&v->ready_cmd, true);
		for (j = 0; j < v->n_after; j++)
			if (stack_service_index(s, v->after[j]) < 0)
				fuzz_fail("after names no service", v->after[j]);
	}
	for (i = 0; i < s->n_post; i++) {
		if (s->post[i].service >= s->n_services)
			fuzz_fail("post step on no service", s->post[i].on);
		check_cmd(&s->post[i].run, true);
	}
	for (i = 0; i < s->n_strategies; i++)
		for (j = 0; j < s->strategies[i].n_rules; j++)
			if (stack_service_index(s, s->strategies[i].rules[j].service) < 0)
				fuzz_fail("strategy rule on no service", NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	bool named = size && data[0] == 0x01;
	const char *check = named ? "fuzz" : NULL;
	struct stack *s;
	char *text = fuzz_cstr(data + named, size - named), *err = NULL;

	if (!text)
		return 0;
	s = stack_load_string(text, LABEL, check, &err);
	if (s && err)
		fuzz_fail("a stack and a message", err);
	if (!s) {
		fuzz_check_err(err, LABEL);
		fuzz_check_printable(err);
	}
	else
		check_stack(s);
	stack_free(s);
	free(err);
	free(text);
	return 0;
}
