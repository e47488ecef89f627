/* fuzz_host — libFuzzer harness of the enos host protocol, enos/host.c
 * (make fuzz): both ends read input from the other side of an ssh
 * session.
 *
 * The input is served whole as a stream of requests (host_serve): every
 * line must get exactly one reply line of JSON, whatever it holds (a
 * `facts` reply is skipped: it probes the machine, slowly). Then the
 * input is read as a reply line by the controller's decoders: a
 * non-object is refused, and every string kept is terminated, bounded
 * and free of control bytes.
 */
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "enos/host.h"

static void printable(const char *s, size_t cap)
{
	size_t n = strnlen(s, cap);

	if (n == cap)
		abort();
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			abort();
}

static void serve(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1), *out = NULL, *line, *save = NULL;
	size_t outlen = 0, i, lines = 0, replies = 0;
	FILE *in, *o;

	if (!text)
		return;
	memcpy(text, data, size);
	text[size] = '\0';
	/* No facts: the probes would dominate the run. */
	if (strstr(text, "facts")) {
		free(text);
		return;
	}
	in = fmemopen(text, size ? size : 1, "r");
	o = open_memstream(&out, &outlen);
	if (!in || !o || host_serve(in, o) != 0)
		abort();
	fclose(in);
	fclose(o);
	for (i = 0; i < size; i++)
		lines += text[i] == '\n';
	for (line = strtok_r(out, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		json_error_t je;
		json_t *r = json_loads(line, 0, &je);

		if (!r || !json_is_boolean(json_object_get(r, "ok")))
			abort();
		json_decref(r);
		replies++;
	}
	/* A reply per line (and the last, unterminated one), fewer after
	 * bye; never more. */
	if (replies > lines + 1)
		abort();
	free(out);
	free(text);
}

static void decode(const uint8_t *data, size_t size)
{
	struct host_hello h;
	struct host_facts *f = malloc(sizeof(*f));
	char why[512];
	size_t i;
	int rc;

	if (!f)
		return;
	rc = host_decode_hello((const char *)data, size, &h, why, sizeof(why));
	if (rc >= 0) {
		printable(h.enos, sizeof(h.enos));
		printable(h.commit, sizeof(h.commit));
		printable(h.hostname, sizeof(h.hostname));
		printable(why, sizeof(why));
	}
	rc = host_decode_facts((const char *)data, size, f, why, sizeof(why));
	if (rc >= 0) {
		printable(f->kernel, sizeof(f->kernel));
		if (f->n_backends > HOST_BACKENDS_MAX)
			abort();
		for (i = 0; i < f->n_backends; i++) {
			printable(f->backends[i].name, sizeof(f->backends[i].name));
			printable(f->backends[i].why, sizeof(f->backends[i].why));
		}
	}
	free(f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	serve(data, size);
	decode(data, size);
	return 0;
}
