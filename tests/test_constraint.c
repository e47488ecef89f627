/* test_constraint — the WAN constraint language (emulator/constraint.c):
 * each key's units, limits and dependencies, the canonical text reading
 * back exactly, and `enos fault set` (enos/fault.c) accepting and refusing
 * exactly what a topology's `set` fault does, with the same words.
 */
#include <errno.h>
#include <stdbool.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emulator/constraint.h"
#include "enos/fault.h"
#include "enos/topo.h"
#include "tests/suites.h"
#include "util/strbuf.h"

/* Parse the words of LINE (blank-separated KEY=VALUE) into C: 0 or the
 * error of the first bad word (*ERR, allocated). */
static int parse_line(const char *line, struct constraint *c, char **err)
{
	char *copy = strdup(line), *save = NULL, *w;
	unsigned given = 0;
	int rc = 0;

	ck_assert_ptr_nonnull(copy);
	memset(c, 0, sizeof(*c));
	*err = NULL;
	for (w = strtok_r(copy, " ", &save); w && !rc;
	     w = strtok_r(NULL, " ", &save))
		rc = constraint_parse_kv(c, w, &given, err);
	free(copy);
	return rc;
}

static void ck_kv_err(const char *line, const char *expected)
{
	struct constraint c;
	char *err = NULL;

	ck_assert_msg(parse_line(line, &c, &err) == -EINVAL, "parsed: %s", line);
	ck_assert_msg(err && !strcmp(err, expected), "%s:\n  got      %s\n  expected %s",
		      line, err ? err : "(null)", expected);
	free(err);
}

static char *format(const struct constraint *c)
{
	struct strbuf sb = STRBUF_INIT;
	char *s;

	constraint_format(c, &sb);
	s = strbuf_detach(&sb);
	ck_assert_ptr_nonnull(s);
	return s;
}

START_TEST(test_keys_and_units)
{
	struct constraint c;
	char *err = NULL;

	ck_assert_int_eq(parse_line("delay=0.1ms jitter=250us loss=0.5% rate=12.5mbps "
				    "distribution=pareto correlation=25% loss_burst=4 queue=1000",
				    &c, &err), 0);
	ck_assert_uint_eq(c.set, CON_DELAY | CON_JITTER | CON_LOSS | CON_RATE |
				 CON_DIST | CON_CORR | CON_BURST | CON_QUEUE);
	ck_assert_uint_eq(c.delay_us, 100);
	ck_assert_uint_eq(c.jitter_us, 250);
	ck_assert_double_eq(c.loss_pct, 0.5);
	ck_assert_uint_eq(c.rate_bps, 100000000);
	ck_assert_int_eq(c.dist, DIST_PARETO);
	ck_assert_double_eq(c.corr_pct, 25);
	ck_assert_double_eq(c.loss_burst, 4);
	ck_assert_uint_eq(c.queue_pkts, 1000);
	/* rtt is stored as the one-way delay */
	ck_assert_int_eq(parse_line("rtt=50ms", &c, &err), 0);
	ck_assert_uint_eq(c.set, CON_DELAY);
	ck_assert_uint_eq(c.delay_us, 25000);
	ck_assert_int_eq(constraint_key_find("loss_burst"), CK_BURST);
	ck_assert_int_eq(constraint_key_find("burst"), -1);
	ck_assert_str_eq(constraint_key_name(CK_QUEUE), "queue");
	ck_assert_str_eq(constraint_key_expects(CK_RATE), "a rate");
	ck_assert_str_eq(constraint_key_expects(CK_QUEUE), "an integer");
	ck_assert_str_eq(constraint_dist_name(DIST_NONE), "none");
	ck_assert_str_eq(constraint_dist_name(DIST_PARETONORMAL), "paretonormal");
}
END_TEST

START_TEST(test_errors)
{
	ck_kv_err("delay=4000s", "delay 4000s is too large (at most 3600s)");
	ck_kv_err("rtt=-1ms", "rtt -1ms is negative");
	ck_kv_err("jitter=5", "jitter 5 has no unit (use us, ms or s)");
	ck_kv_err("loss=150%", "loss 150% is out of range (0% to 100%)");
	ck_kv_err("loss=5", "loss 5 has no unit (use %)");
	ck_kv_err("rate=0bit", "rate must be positive");
	ck_kv_err("rate=11tbit", "rate 11tbit is too large (at most 10tbit)");
	ck_kv_err("distribution=parteo", "unknown distribution 'parteo' (did you mean 'pareto'?)");
	ck_kv_err("distribution=none",
		  "unknown distribution 'none' (expected uniform, normal, pareto or paretonormal)");
	ck_kv_err("correlation=101%", "correlation 101% is out of range (0% to 100%)");
	ck_kv_err("loss_burst=0", "loss_burst 0 is out of range (1 to 1000000)");
	ck_kv_err("loss_burst=ab", "expected a number for 'loss_burst', got 'ab'");
	ck_kv_err("queue=0", "queue 0 is out of range (1 to 1000000)");
	ck_kv_err("queue=1.5", "expected an integer for 'queue', got '1.5'");
	ck_kv_err("jiter=1ms", "unknown key 'jiter' (did you mean 'jitter'?)");
	ck_kv_err("colour=red",
		  "unknown key 'colour' (valid keys: delay, rtt, jitter, loss, rate, distribution, correlation, loss_burst, queue)");
	ck_kv_err("delay", "'delay' is not KEY=VALUE (e.g. delay=20ms loss=1%)");
	ck_kv_err("loss=1% loss=2%", "duplicate key 'loss'");
	ck_kv_err("delay=1ms rtt=2ms", "give 'delay' or 'rtt', not both");
	ck_kv_err("delay=\x1b[31m", "delay ?[31m is not a time (a number and us, ms or s)");
}
END_TEST

START_TEST(test_dependencies)
{
	struct constraint c;
	enum constraint_key bad = CK_N;
	const char *why = NULL;
	char *err = NULL;

	ck_assert_int_eq(parse_line("distribution=normal loss_burst=2", &c, &err), 0);
	ck_assert_int_eq(constraint_check(&c, &bad, &why), -EINVAL);
	ck_assert_int_eq(bad, CK_DIST);
	ck_assert_str_eq(why, "distribution needs jitter");
	ck_assert_int_eq(parse_line("correlation=5% jitter=1ms loss_burst=2", &c, &err), 0);
	ck_assert_int_eq(constraint_check(&c, &bad, &why), -EINVAL);
	ck_assert_int_eq(bad, CK_BURST);
	ck_assert_str_eq(why, "loss_burst needs loss");
	ck_assert_int_eq(parse_line("correlation=5%", &c, &err), 0);
	ck_assert_int_eq(constraint_check(&c, &bad, &why), -EINVAL);
	ck_assert_str_eq(why, "correlation needs jitter");
	ck_assert_int_eq(parse_line("correlation=5% jitter=1ms loss=1% loss_burst=2", &c, &err), 0);
	ck_assert_int_eq(constraint_check(&c, &bad, &why), 0);
}
END_TEST

/* Field by field: the struct has padding. */
static bool con_eq(const struct constraint *a, const struct constraint *b)
{
	return a->set == b->set && a->delay_us == b->delay_us &&
	       a->jitter_us == b->jitter_us && a->loss_pct == b->loss_pct &&
	       a->rate_bps == b->rate_bps && a->dist == b->dist &&
	       a->corr_pct == b->corr_pct && a->loss_burst == b->loss_burst &&
	       a->queue_pkts == b->queue_pkts;
}

/* The canonical text reads back to the same block, exactly. */
START_TEST(test_canonical_text)
{
	static const double pcts[] = { 0, 0.1, 0.3, 1.0 / 3, 12.5, 0.00001,
				       99.99999999999999, 100 };
	struct constraint c = {
		.set = CON_DELAY | CON_JITTER | CON_DIST | CON_CORR | CON_LOSS |
		       CON_BURST | CON_RATE | CON_QUEUE,
		.delay_us = 25000, .jitter_us = 1500, .dist = DIST_NORMAL,
		.corr_pct = 12.5, .loss_pct = 0.3, .loss_burst = 3.7,
		.rate_bps = 100000001, .queue_pkts = 250,
	}, back;
	char *s, *err = NULL;
	size_t i;

	s = format(&c);
	ck_assert_str_eq(s, "delay=25000us jitter=1500us distribution=normal correlation=12.5% "
			 "loss=0.3% loss_burst=3.7 rate=100000001bit queue=250");
	ck_assert_int_eq(parse_line(s, &back, &err), 0);
	ck_assert(con_eq(&c, &back));
	free(s);
	for (i = 0; i < sizeof(pcts) / sizeof(pcts[0]); i++) {
		memset(&c, 0, sizeof(c));
		c.set = CON_LOSS | CON_CORR | CON_BURST | CON_JITTER;
		c.loss_pct = pcts[i];
		c.corr_pct = 100 - pcts[i];
		c.loss_burst = 1 + pcts[i] * 9999;
		c.jitter_us = 1;
		s = format(&c);
		ck_assert_msg(!strstr(s, "e-") && !strstr(s, "e+"), "%s", s);
		ck_assert_msg(parse_line(s, &back, &err) == 0, "%s: %s", s, err);
		ck_assert_msg(back.loss_pct == c.loss_pct &&
			      back.corr_pct == c.corr_pct &&
			      back.loss_burst == c.loss_burst, "%s", s);
		ck_assert_int_eq(constraint_validate(&c, &err), 0);
		free(s);
	}
	memset(&c, 0, sizeof(c));
	s = format(&c);
	ck_assert_str_eq(s, "");
	free(s);
}
END_TEST

START_TEST(test_validate_and_params)
{
	struct constraint c = { .set = CON_DIST, .dist = DIST_NONE }, back;
	struct link_params p = { 0 }, q = { 0 };
	char *err = NULL;

	ck_assert_int_eq(constraint_validate(&c, &err), -EINVAL);
	ck_assert_str_eq(err, "unknown distribution 'none' (expected uniform, normal, pareto or paretonormal)");
	free(err);
	c = (struct constraint){ .set = CON_LOSS, .loss_pct = 150 };
	ck_assert_int_eq(constraint_validate(&c, &err), -EINVAL);
	ck_assert_str_eq(err, "loss 150% is out of range (0% to 100%)");
	free(err);
	c = (struct constraint){ .set = CON_DIST, .dist = DIST_NORMAL };
	ck_assert_int_eq(constraint_validate(&c, &err), -EINVAL);
	ck_assert_str_eq(err, "distribution needs jitter");
	free(err);
	c = (struct constraint){ .set = 1u << 20 };
	ck_assert_int_eq(constraint_validate(&c, &err), -EINVAL);
	free(err);

	/* A resolved direction as a block and back (a distribution may stay
	 * without jitter there). */
	p.delay_us = 7;
	p.dist = DIST_PARETO;
	p.loss_burst = 2.5;
	p.rate_bps = 9;
	constraint_of_params(&p, &back);
	ck_assert_uint_eq(back.set, CON_DELAY | CON_DIST | CON_BURST | CON_RATE);
	constraint_apply(&back, &q);
	ck_assert(q.delay_us == 7 && q.dist == DIST_PARETO &&
		  q.loss_burst == 2.5 && q.rate_bps == 9 && !q.jitter_us &&
		  !q.loss_pct && !q.jitter_corr_pct && !q.queue_pkts);
}
END_TEST

static struct topology *two_sites(void)
{
	char *err = NULL;
	struct topology *t = topo_load_string(
		"name: x\nsites:\n  - {name: a, role: central}\n  - {name: b, role: edge}\n",
		"t.yaml", NULL, &err);

	ck_assert_msg(t != NULL, "%s", err);
	return t;
}

/* `enos fault set A B KEY=VALUE...` against a topology `set` fault with the
 * same fields: both accept, or both refuse with the same message after the
 * position. */
START_TEST(test_fault_set_like_topology)
{
	static const char *const cases[][2] = {
		{ "delay=4000s", "delay: 4000s" },
		{ "rtt=20ms", "rtt: 20ms" },
		{ "distribution=normal", "distribution: normal" },
		{ "correlation=10%", "correlation: 10%" },
		{ "loss_burst=3", "loss_burst: 3" },
		{ "loss_burst=3 loss=1%", "loss_burst: 3, loss: 1%" },
		{ "jitter=1ms distribution=normal", "jitter: 1ms, distribution: normal" },
		{ "loss=150%", "loss: 150%" },
		{ "rate=0mbit", "rate: 0mbit" },
		{ "rate=20tbit", "rate: 20tbit" },
		{ "queue=0", "queue: 0" },
		{ "queue=-3", "queue: -3" },
		{ "loss_burst=x", "loss_burst: x" },
		{ "distribution=gauss", "distribution: gauss" },
		{ "delay=1ms rtt=2ms", "delay: 1ms, rtt: 2ms" },
		{ "jiter=1ms", "jiter: 1ms" },
	};
	struct topology *t = two_sites();
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char yaml[512], line[128], *argv[16], *save = NULL, *w;
		char *cli_err = NULL, *topo_err = NULL;
		struct topology *tf;
		struct live_fault lf;
		int argc = 0, cli_rc;
		const char *after;

		snprintf(line, sizeof(line), "set a b %s", cases[i][0]);
		for (w = strtok_r(line, " ", &save); w; w = strtok_r(NULL, " ", &save))
			argv[argc++] = w;
		cli_rc = fault_parse(t, argc, argv, &lf, &cli_err);
		if (cli_rc == 0)
			live_fault_release(&lf);
		snprintf(yaml, sizeof(yaml),
			 "name: x\nsites:\n  - {name: a, role: central}\n  - {name: b, role: edge}\n"
			 "faults:\n  - {at: 1s, action: set, src: a, dst: b, %s}\n",
			 cases[i][1]);
		tf = topo_load_string(yaml, "t.yaml", NULL, &topo_err);
		ck_assert_msg((cli_rc == 0) == (tf != NULL), "%s: cli %d (%s), topology %s",
			      cases[i][0], cli_rc, cli_err ? cli_err : "",
			      topo_err ? topo_err : "loaded");
		if (tf) {
			topo_free(tf);
			continue;
		}
		/* "t.yaml:6:LINE:COL: message": the message after the position. */
		after = strstr(topo_err, ": ");
		ck_assert_ptr_nonnull(after);
		ck_assert_msg(cli_err && !strcmp(cli_err, after + 2), "%s:\n  cli      %s\n  topology %s",
			      cases[i][0], cli_err ? cli_err : "(null)", topo_err);
		free(cli_err);
		free(topo_err);
	}
	topo_free(t);
}
END_TEST

Suite *make_constraint_suite(void)
{
	Suite *s = suite_create("constraint");
	TCase *tc = tcase_create("language");

	tcase_add_test(tc, test_keys_and_units);
	tcase_add_test(tc, test_errors);
	tcase_add_test(tc, test_dependencies);
	tcase_add_test(tc, test_canonical_text);
	tcase_add_test(tc, test_validate_and_params);
	tcase_add_test(tc, test_fault_set_like_topology);
	suite_add_tcase(s, tc);
	return s;
}
