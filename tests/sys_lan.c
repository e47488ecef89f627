/* System tests of site LAN constraints (issue 13) through the enos binary,
 * with the wand engine (this host has no sch_netem): a site with
 * `lan: {delay: 5ms}` and 3 nodes has its node-to-node and node-to-gateway
 * RTT at twice the delay within the WAN's bound, measured by `tc --test`;
 * its LAN bridge is empty (the engine is its switch) while a site without
 * a lan keeps its nodes on its bridge and gets no intra-site rows; WAN
 * pairs keep their targets (plus the LAN RTT of a side with a lan); a
 * killed engine restarted by `tc` switches the LAN again; a lan with loss
 * loses what it says; a lan the backend cannot apply is refused by `up`
 * before anything exists; `down` leaves no link, namespace or engine.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "emulator/world.h"
#include "enos/state.h"
#include "tests/suites.h"
#include "tests/testutil.h"
#include "tests/tu_probe.h"
#include "tests/tu_state.h"

static struct tu_case tc;

static void case_setup(void)
{
	ck_assert_int_eq(tu_case_setup(&tc, "lan"), 0);
}

static void case_teardown(void)
{
	tu_case_teardown(&tc);
}

/* How many links have the bridge NAME as master. */
static int bridge_ports(const char *name)
{
	char cmd[128], *out = NULL;
	char *argv[] = { (char *)"sh", (char *)"-c", cmd, NULL };
	int n;

	snprintf(cmd, sizeof(cmd), "ip -o link show master %s | wc -l", name);
	ck_assert_int_eq(tu_run(&out, argv), 0);
	n = atoi(out);
	free(out);
	return n;
}

/* The intra-site rows of `tc --test --json` output OUT: for each, its
 * dst_node into DST (up to MAX), its target and measured loss. Returns
 * how many. */
struct lan_row {
	char dst[64];
	double target, p50, loss;
};

static size_t lan_rows(const char *out, struct lan_row *r, size_t max)
{
	const char *p = out, *end;
	size_t n = 0;

	while (n < max && (p = strstr(p, "{\"src\":")) != NULL) {
		const char *q;
		char obj[1024];
		size_t len;

		end = strchr(p, '}');
		ck_assert_ptr_nonnull(end);
		len = (size_t)(end - p) < sizeof(obj) - 1 ?
		      (size_t)(end - p) : sizeof(obj) - 1;
		memcpy(obj, p, len);
		obj[len] = '\0';
		p = end;
		if (!strstr(obj, "\"lan\":true"))
			continue;
		q = strstr(obj, "\"target_rtt_ms\":");
		ck_assert_ptr_nonnull(q);
		r[n].target = strtod(q + strlen("\"target_rtt_ms\":"), NULL);
		q = strstr(obj, "\"p50_ms\":");
		ck_assert_ptr_nonnull(q);
		r[n].p50 = strtod(q + strlen("\"p50_ms\":"), NULL);
		q = strstr(obj, "\"loss_pct\":");
		ck_assert_ptr_nonnull(q);
		r[n].loss = strtod(q + strlen("\"loss_pct\":"), NULL);
		q = strstr(obj, "\"dst_node\":\"");
		ck_assert_ptr_nonnull(q);
		q += strlen("\"dst_node\":\"");
		snprintf(r[n].dst, sizeof(r[n].dst), "%.*s",
			 (int)strcspn(q, "\""), q);
		n++;
	}
	return n;
}

/* The loss_pct of the site pair SRC -> DST in `tc --test --json` OUT. */
static double wan_loss(const char *out, const char *src, const char *dst)
{
	char key[128];
	const char *p;

	snprintf(key, sizeof(key), "{\"src\":\"%s\",\"dst\":\"%s\",", src,
		 dst);
	p = strstr(out, key);
	ck_assert_msg(p != NULL, "no pair %s -> %s: %s", src, dst, out);
	p = strstr(p, "\"loss_pct\":");
	ck_assert_ptr_nonnull(p);
	return strtod(p + strlen("\"loss_pct\":"), NULL);
}

/* Three sites: `lan3` (3 nodes, a lan of LAN), `plain` (2 nodes, none),
 * `far` (1 node); every WAN pair 10 ms one way. */
static const char *write_lan(const char *name, const char *lan, char *path,
			     size_t len)
{
	char text[1024];

	snprintf(text, sizeof(text),
		 "name: %s\n"
		 "seed: 7\n"
		 "sites:\n"
		 "  - {name: lan3, role: central, nodes: 3, lan: %s}\n"
		 "  - {name: plain, role: regional, parent: lan3, nodes: 2}\n"
		 "  - {name: far, role: edge, parent: plain}\n"
		 "network:\n"
		 "  shaping: wand\n"
		 "  default: {delay: 10ms}\n",
		 name, lan);
	return tu_write(tc.dir, name, text, path, len);
}

/* The three intra-site pairs of lan3 in OUT, each near 10 ms. */
static void assert_lan3(const char *out)
{
	struct lan_row r[8];
	size_t n = lan_rows(out, r, 8), i;

	ck_assert_msg(n == 3, "%zu intra-site rows: %s", n, out);
	ck_assert_str_eq(r[0].dst, "lan3-2");
	ck_assert_str_eq(r[1].dst, "lan3-3");
	ck_assert_str_eq(r[2].dst, "gw.lan3");
	for (i = 0; i < n; i++) {
		ck_assert_double_eq_tol(r[i].target, 10.0, 1e-9);
		ck_assert_msg(r[i].p50 > 9.0 && r[i].p50 < 12.0,
			      "lan3-1 -> %s: p50 %g ms", r[i].dst, r[i].p50);
		ck_assert_double_eq_tol(r[i].loss, 0.0, 1e-9);
	}
}

START_TEST(lan_delay_measured_and_bridges)
{
	char name[32], path[256], tag[WORLD_TAG_LEN + 1], br[32], *out = NULL;
	int rc, pid;

	snprintf(name, sizeof(name), "t-lan-%d", (int)getpid());
	write_lan(name, "{delay: 5ms}", path, sizeof(path));
	rc = tu_enos(&out, tc.db, "up", path, NULL);
	ck_assert_msg(rc == 0, "up: %s", out);
	free(out);
	tu_exp_tag(tc.db, name, tag);

	/* lan3's LAN bridge holds nothing: the engine is its switch;
	 * plain keeps its gateway and 2 nodes on its bridge, as before. */
	snprintf(br, sizeof(br), "%sb0", tag);
	ck_assert_int_eq(bridge_ports(br), 0);
	snprintf(br, sizeof(br), "%sb1", tag);
	ck_assert_int_eq(bridge_ports(br), 3);
	snprintf(br, sizeof(br), "%sb2", tag);
	ck_assert_int_eq(bridge_ports(br), 2);

	out = tu_tc_test(tc.db, "50", NULL, NULL);
	assert_lan3(out);
	/* No intra-site row for a site without a lan. */
	ck_assert_msg(!tu_contains(out, "\"src\":\"plain\",\"dst\":\"plain\""), "%s", out);
	/* WAN pairs: 20 ms, plus lan3's LAN RTT on its side. */
	ck_assert_msg(tu_contains(out, "{\"src\":\"plain\",\"dst\":\"far\",\"target_rtt_ms\":20,"), "%s", out);
	ck_assert_msg(tu_contains(out, "{\"src\":\"lan3\",\"dst\":\"far\",\"target_rtt_ms\":30,"), "%s", out);
	ck_assert_msg(tu_contains(out, "{\"src\":\"far\",\"dst\":\"lan3\",\"target_rtt_ms\":30,"), "%s", out);
	free(out);

	/* The text form names the pairs inside the site. */
	rc = tu_enos(&out, tc.db, "tc", "--test", "--samples", "20",
		     "--tolerance", tu_tc_tolerance(), NULL);
	ck_assert_msg(rc == 0, "tc --test: %s", out);
	ck_assert_msg(tu_contains(out, "inside sites (lan), node to node:"), "%s", out);
	ck_assert_msg(tu_contains(out, "6 site pairs and 3 pairs inside sites"), "%s", out);
	free(out);

	/* A killed engine: tc restarts it with the LAN ports again, and
	 * the LAN is shaped as before. */
	pid = tu_engine_kill(tc.db, name);
	tu_engine_restart(tc.db, name, pid);
	out = tu_tc_test(tc.db, "30", NULL, NULL);
	assert_lan3(out);
	free(out);
	tu_down_clean(tc.db, name, tag);
}
END_TEST

/* A lan with loss: each direction of a probe crosses the LAN once, so
 * 5 % one way is 1 - 0.95^2 = 9.75 % of the probes; 400 probes per pair
 * put 3 standard deviations at about 4.4 points. */
START_TEST(lan_loss_and_refusal)
{
	char name[32], bad[32], path[256], tag[WORLD_TAG_LEN + 1];
	char *out = NULL, text[512];
	struct lan_row r[8];
	size_t n, i;
	int rc;

	/* Refused before anything exists: shaping none cannot apply it. */
	snprintf(bad, sizeof(bad), "t-lanbad-%d", (int)getpid());
	snprintf(text, sizeof(text),
		 "name: %s\n"
		 "sites:\n"
		 "  - {name: a, role: central, nodes: 2, lan: {delay: 1ms}}\n"
		 "network: {shaping: none}\n", bad);
	tu_write(tc.dir, bad, text, path, sizeof(path));
	rc = tu_enos(&out, tc.db, "up", path, NULL);
	ck_assert_int_eq(rc, 1);
	ck_assert_msg(tu_contains(out, ":3:45: site 'a' has a lan, which shaping 'none' cannot apply"), "%s", out);
	free(out);
	ck_assert_int_eq(tu_enos(&out, tc.db, "status", "-n", bad, NULL), 1);
	free(out);

	snprintf(name, sizeof(name), "t-lanl-%d", (int)getpid());
	write_lan(name, "{delay: 2ms, loss: 5%}", path, sizeof(path));
	rc = tu_enos(&out, tc.db, "up", path, NULL);
	ck_assert_msg(rc == 0, "up: %s", out);
	free(out);
	tu_exp_tag(tc.db, name, tag);
	out = tu_tc_test(tc.db, "400", "--interval", "5");
	n = lan_rows(out, r, 8);
	ck_assert_msg(n == 3, "%zu intra-site rows: %s", n, out);
	for (i = 0; i < n; i++) {
		printf("sys_lan: loss 5%% one way: lan3-1 -> %s: %.2f %% of 400 probes lost, p50 %.3f ms (target 4)\n",
		       r[i].dst, r[i].loss, r[i].p50);
		fflush(stdout);
		ck_assert_double_eq_tol(r[i].target, 4.0, 1e-9);
		ck_assert_msg(r[i].loss > 9.75 - 4.5 && r[i].loss < 9.75 + 4.5,
			      "lan3-1 -> %s: %g %% lost", r[i].dst, r[i].loss);
	}
	/* The loss is the LAN's only: the WAN pairs that do not cross
	 * lan3's LAN lose nothing. */
	ck_assert_msg(tu_contains(out, "{\"src\":\"plain\",\"dst\":\"far\",\"target_rtt_ms\":20,"), "%s", out);
	ck_assert_double_eq_tol(wan_loss(out, "plain", "far"), 0.0, 1e-9);
	ck_assert_double_eq_tol(wan_loss(out, "far", "plain"), 0.0, 1e-9);
	free(out);
	tu_down_clean(tc.db, name, tag);
}
END_TEST

Suite *make_sys_lan_suite(struct skips *sk)
{
	const struct sys_case cases[] = {
		{ "lan_delay", lan_delay_measured_and_bridges },
		{ "lan_loss", lan_loss_and_refusal },
	};
	Suite *s = suite_create("sys_lan");

	sys_add_cases(s, sk, cases, sizeof(cases) / sizeof(cases[0]),
		      sys_unavailable(), case_setup, case_teardown, 300);
	return s;
}
