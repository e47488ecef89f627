/* fuzz_wand_engine — libFuzzer harness of the wand engine's request
 * dispatch (emulator/wand_engine.c: client_line and every request it
 * serves, `table N` bodies included), driven without sockets or ports.
 *
 * The engine's control server is static to its file, so this harness
 * includes the file and builds a struct wand by hand: N ports (1 + the
 * first byte % 8) with no descriptors, no log, no epoll. The rest of the
 * input is what one client wrote; it is cut into lines exactly as
 * client_read does after its recv calls (LF, a CR before it dropped), and
 * a remainder longer than WAND_LINE_MAX ends the connection as there.
 *
 * The traffic counter is made with the fewest slots (64, so a few keys
 * fill it and overflow) and holds a count for every pair, one protocol
 * and port each, so `traffic` has entries to list.
 *
 * Contract checked: every request gets exactly one answer, a line that
 * starts with "ok" or "error" (a `stats` or `traffic` answer goes on
 * through "end"), except the lines of a `table N` body, answered once
 * after the last (and of a `trace` body likewise); and the pairs keep
 * parameters that wand_params_format can print, also once their traces
 * have stepped.
 */
#include "emulator/wand_engine.c"

#include "tests/fuzz/fuzz.h"

/* Check the answers C holds after one line, then drop them. While a
 * `table N` is pending (its request and each body line but the last) there
 * is none; after anything else, exactly one. */
static void check_answer(struct wand_client *c)
{
	char *p = c->out, *end = p ? p + c->out_len : NULL;
	bool table = (c->out_len >= 8 && !memcmp(p, "ok stats", 8)) ||
		     (c->out_len >= 10 && !memcmp(p, "ok traffic", 10));

	if (c->table_left || c->tr_left) {
		if (c->out_len)
			fuzz_fail("answer while a table or trace is pending", NULL);
		return;
	}
	if (c->out_len == 0)
		fuzz_fail("request without an answer", NULL);
	if (c->out_len < 3 || end[-1] != '\n')
		fuzz_fail("answer is not a line", NULL);
	if (strncmp(p, "ok", 2) && strncmp(p, "error ", 6))
		fuzz_fail("answer is neither ok nor error", NULL);
	if (table) {
		if (c->out_len < 5 || memcmp(end - 4, "end\n", 4))
			fuzz_fail("stats or traffic answer without end", NULL);
	} else if (memchr(p, '\n', c->out_len) != end - 1) {
		fuzz_fail("more than one answer line", NULL);
	}
	c->out_len = 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct wand *w;
	struct wand_client *c;
	size_t start = 0, i;
	char *nl, kv[512];

	if (size == 0)
		return 0;
	w = calloc(1, sizeof(*w));
	if (!w)
		return 0;
	w->epfd = w->tfd = w->sfd = w->lfd = w->logfd = -1;
	for (i = 0; i < MAX_CLIENTS; i++)
		w->clients[i].fd = -1;
	w->n = 1 + data[0] % 8;
	w->seed = 1;
	w->ports = calloc(w->n, sizeof(*w->ports));
	w->pairs = calloc(w->n * w->n, sizeof(*w->pairs));
	w->traced = calloc(w->n * w->n, sizeof(*w->traced));
	w->trace_next = UINT64_MAX;
	c = &w->clients[0];
	c->in_len = size - 1;
	c->in_cap = size;
	c->in = malloc(c->in_cap);
	if (!w->ports || !w->pairs || !w->traced || !c->in ||
	    traffic_counter_init(&w->traffic, w->n, 64))
		goto out;
	w->counting = true;
	for (i = 0; i < w->n * w->n; i++) {
		struct traffic_count one = { 1 + i, 100 * (i + 1), 50 * i };

		traffic_counter_add_pair(&w->traffic, i, TRAFFIC_PROTO_TCP,
					 (uint16_t)(2379 + i), &one);
	}
	memcpy(c->in, data + 1, c->in_len);
	/* client_read, after its recv calls */
	while ((nl = memchr(c->in + start, '\n', c->in_len - start))) {
		*nl = '\0';
		if (nl > c->in + start && nl[-1] == '\r')
			nl[-1] = '\0';
		client_line(w, c, c->in + start);
		check_answer(c);
		start = (size_t)(nl - c->in) + 1;
	}
	memmove(c->in, c->in + start, c->in_len - start);
	c->in_len -= start;
	if (c->in_len > WAND_LINE_MAX)
		out_add(c, "error request line longer than %u bytes\n",
			WAND_LINE_MAX);
	/* The traced directions take the step of their clock now. */
	trace_tick(w, mono_ns() + 3600ull * 1000000000);
	for (i = 0; i < w->n * w->n; i++)
		wand_params_format(&w->pairs[i].p, w->pairs[i].cut, true, kv,
				   sizeof(kv));
out:
	client_close(w, c);
	for (i = 0; w->pairs && i < w->n * w->n; i++) {
		wand_rate_release(&w->pairs[i].rate);
		trace_free(w->pairs[i].trace);
	}
	free(w->traced);
	free(w->ports);
	free(w->pairs);
	traffic_counter_release(&w->traffic);
	free(w);
	return 0;
}
