/* fuzz_wandctl — libFuzzer harness of the wand control protocol's request
 * decoder (emulator/wand_ctl.c): the word splitter wand_ctl_split and the
 * KEY=VALUE decoder wand_params_decode (through wand_params_parse, as the
 * engine's `set` and `table` lines use it).
 *
 * Contract checked (wand_core.h): the splitter returns at most MAX words,
 * each non-empty and free of blanks, or -E2BIG; a decoded direction
 * formats (wand_params_format) to a text that decodes to the same
 * direction and formats to the same text again: that text is what enos
 * sends the engine for every pair, so a direction that did not survive it
 * would be shaped differently from what was resolved.
 */
#include <errno.h>

#include "emulator/constraint.h"
#include "emulator/wand.h"
#include "emulator/wand_core.h"
#include "tests/fuzz/fuzz.h"

static bool same(const struct link_params *a, const struct link_params *b)
{
	return a->delay_us == b->delay_us && a->jitter_us == b->jitter_us &&
	       a->dist == b->dist && a->jitter_corr_pct == b->jitter_corr_pct &&
	       a->loss_pct == b->loss_pct && a->loss_burst == b->loss_burst &&
	       a->rate_bps == b->rate_bps && a->queue_pkts == b->queue_pkts;
}

static void check_split(const char *text, int max)
{
	char *line = strdup(text), *argv[WAND_CTL_ARGS + 1];
	int n, i;

	if (!line)
		return;
	n = wand_ctl_split(line, argv, max);
	if (n != -E2BIG && (n < 0 || n > max))
		fuzz_fail("split returned a bad count", NULL);
	for (i = 0; i < n; i++)
		if (!argv[i][0] || strpbrk(argv[i], " \t\r\n"))
			fuzz_fail("split made an empty or blank word", argv[i]);
	free(line);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct link_params p, back;
	char *text, err[192], kv[512], kv2[512];
	bool cut, cut2;
	int rc, n;

	if (size == 0)
		return 0;
	text = fuzz_cstr(data + 1, size - 1);
	if (!text)
		return 0;
	check_split(text, data[0] % (WAND_CTL_ARGS + 1));
	err[0] = '\0';
	rc = wand_params_parse(text, &p, &cut, err, sizeof(err));
	if (rc && !err[0])
		fuzz_fail("refused without a message", text);
	if (rc && rc != -EINVAL && rc != -ENOMEM)
		fuzz_fail("unexpected error code", text);
	if (!rc) {
		n = wand_params_format(&p, cut, data[0] & 1, kv, sizeof(kv));
		if (n < 0 || (size_t)n >= sizeof(kv))
			fuzz_fail("formatted direction does not fit", NULL);
		if (wand_params_parse(kv, &back, &cut2, err, sizeof(err)))
			fuzz_fail("formatted direction does not decode", kv);
		if (!same(&p, &back) || cut != cut2)
			fuzz_fail("formatted direction decodes to another", kv);
		wand_params_format(&back, cut2, data[0] & 1, kv2, sizeof(kv2));
		if (strcmp(kv, kv2))
			fuzz_fail("format is not a fixed point", kv);
	}
	free(text);
	return 0;
}
