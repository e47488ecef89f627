/* System tests of traffic counting through the enos binary, on real
 * worlds:
 * - with the wand engine, an iperf3 TCP flow of a known size from a node of
 *   site a to a node of site b: the payload counted a -> b on port 5201 is
 *   iperf3's bytes within 2 %, and b -> a (the ACKs) is small;
 * - the same with `shaping: none`, counted on the gateways (nftables): the
 *   gateways hold enos's table while counting and not after `stop`, and
 *   `down` leaves none anywhere;
 * - a deployed etcd (`spread`): `enos services` lists its ports, and a few
 *   puts from an edge node count under service "etcd" between the edge
 *   site and the member's site (and between the members, replicating);
 * - `down` leaves no engine and no control socket.
 * Skipped without iperf3 (and the etcd case without etcd).
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "emulator/emu.h"
#include "emulator/traffic_nft.h"
#include "tests/suites.h"
#include "tests/testutil.h"

#define IPERF_BYTES 20971520            /* iperf3 -n 20M */
#define PUT_BYTES   10000
#define PUTS        5

static struct tu_case tc;

static void case_setup(void)
{
	ck_assert_int_eq(tu_case_setup(&tc, "traffic"), 0);
}

static void case_teardown(void)
{
	tu_case_teardown(&tc);
}

/* The two-site world NAME with SHAPING (a 1 ms WAN when it shapes). */
static void up_two_sites(const char *name, const char *shaping)
{
	char text[512], path[256], file[64], *out = NULL;

	snprintf(text, sizeof(text),
		 "name: %s\n"
		 "sites:\n"
		 "  - {name: a, role: central}\n"
		 "  - {name: b, role: edge, parent: a}\n"
		 "network:\n"
		 "  shaping: %s\n%s", name, shaping,
		 strcmp(shaping, "none") ? "  default: {delay: 1ms}\n" : "");
	snprintf(file, sizeof(file), "%s.yaml", name);
	tu_write(tc.dir, file, text, path, sizeof(path));
	ck_assert_msg(tu_enos(&out, tc.db, "up", path, NULL) == 0, "%s", out);
	free(out);
}

/* The number after "KEY": (whitespace allowed) in TEXT from P, or NaN. */
static double num_after(const char *p, const char *key)
{
	char pat[64];

	snprintf(pat, sizeof(pat), "\"%s\":", key);
	p = p ? strstr(p, pat) : NULL;
	return p ? strtod(p + strlen(pat), NULL) : NAN;
}

/* The address of NODE in NAME, from `enos status --json`. */
static void node_addr(const char *name, const char *node, char *addr, size_t len)
{
	char *out = NULL, pat[96];
	const char *p;

	ck_assert_int_eq(tu_enos(&out, tc.db, "status", "-n", name, "--json", NULL), 0);
	snprintf(pat, sizeof(pat), "{\"name\":\"%s\",", node);
	p = strstr(out, pat);
	p = p ? strstr(p, "\"address\":\"") : NULL;
	ck_assert_msg(p != NULL, "no address of %s in %s", node, out);
	p += strlen("\"address\":\"");
	snprintf(addr, len, "%.*s", (int)strcspn(p, "\""), p);
	free(out);
}

/* Send IPERF_BYTES from a-1 to b-1 of NAME with iperf3; the bytes iperf3
 * reports it sent, and into *RECEIVED those its server read. The server
 * closes its data socket when the client says the test is over, dropping
 * what is still on the way: a 128 KiB window keeps that small. */
static double iperf_a_to_b(const char *name, double *received)
{
	char addr[32], *out = NULL;
	double sent = NAN;
	pid_t srv;
	int tries;

	node_addr(name, "b-1", addr, sizeof(addr));
	srv = tu_enos_spawn(tc.db, "exec", "-n", name, "b-1", "--", "timeout",
			    "60", "iperf3", "-s", "-1", NULL);
	ck_assert_int_gt(srv, 0);
	/* The server needs a moment to listen; a refused try sends nothing
	 * worth counting. */
	for (tries = 0; tries < 10 && isnan(sent); tries++) {
		usleep(300 * 1000);
		free(out);
		out = NULL;
		if (tu_exec(&out, tc.db, name, "a-1", "iperf3", "-c", addr, "-n",
			    "20M", "-w", "128K", "-J") == 0)
			sent = num_after(strstr(out, "\"sum_sent\""), "bytes");
	}
	ck_assert_msg(!isnan(sent), "iperf3: %s", out ? out : "");
	*received = num_after(strstr(out, "\"sum_received\""), "bytes");
	free(out);
	waitpid(srv, NULL, 0);
	ck_assert(sent >= IPERF_BYTES);
	return sent;
}

/* Sum of "KEY" over the rows SRC -> DST of SERVICE (NULL: any) on PORT (-1:
 * any) in the `enos traffic ... --json` output JSON. */
static double rows_sum(const char *json, const char *src, const char *dst,
		       const char *service, int port, const char *key)
{
	char pat[160], portpat[32];
	const char *p = json;
	double sum = 0;

	snprintf(pat, sizeof(pat), "{\"src\":\"%s\",\"dst\":\"%s\",\"service\":\"", src, dst);
	snprintf(portpat, sizeof(portpat), "\"port\":%d,", port);
	while ((p = strstr(p, pat))) {
		const char *end = strchr(p, '}');
		const char *svc = p + strlen(pat);

		ck_assert_ptr_nonnull(end);
		if ((!service || (!strncmp(svc, service, strlen(service)) &&
				  svc[strlen(service)] == '"')) &&
		    (port < 0 || (strstr(p, portpat) && strstr(p, portpat) < end)))
			sum += num_after(p, key);
		p = end;
	}
	return sum;
}

/* The iperf3 flow against the counters of NAME's backend. */
static void check_iperf_flow(const char *name)
{
	char *out = NULL, *shown = NULL;
	double sent, received, fwd, fwd_bytes, rev, rev_bytes;

	ck_assert_msg(tu_enos(&out, tc.db, "traffic", "-n", name, "start", NULL) == 0,
		      "%s", out);
	free(out);
	sent = iperf_a_to_b(name, &received);
	ck_assert_msg(tu_enos(&out, tc.db, "traffic", "-n", name, "stop", "--json",
			      NULL) == 0, "%s", out);
	fwd = rows_sum(out, "a", "b", NULL, 5201, "payload");
	fwd_bytes = rows_sum(out, "a", "b", NULL, 5201, "bytes");
	rev = rows_sum(out, "b", "a", NULL, 5201, "payload");
	rev_bytes = rows_sum(out, "b", "a", NULL, 5201, "bytes");
	printf("%s: iperf3 sent %.0f bytes (its server read %.0f); counted a -> b "
	       "payload %.0f (%+.3f %%), wire %.0f; b -> a payload %.0f, wire %.0f\n",
	       name, sent, received, fwd, 100 * (fwd - sent) / sent, fwd_bytes, rev,
	       rev_bytes);
	/* At least what the server read crossed; the control connection is
	 * on 5201 too. */
	ck_assert_msg(fabs(fwd - sent) <= 0.02 * sent, "%.0f vs %.0f\n%s", fwd, sent, out);
	ck_assert_msg(fwd >= received, "%.0f vs %.0f read\n%s", fwd, received, out);
	ck_assert(fwd_bytes > fwd);
	ck_assert_msg(rev_bytes > 0 && rev_bytes < 0.1 * fwd_bytes, "%s", out);
	ck_assert_msg(rev < 0.01 * fwd, "%s", out);
	/* A stranger's port is no service: iperf3 is "other". */
	ck_assert(rows_sum(out, "a", "b", "other", 5201, "payload") == fwd);
	/* show prints what stop stored. */
	ck_assert_int_eq(tu_enos(&shown, tc.db, "traffic", "-n", name, "show", "--json",
				 NULL), 0);
	ck_assert(rows_sum(shown, "a", "b", NULL, 5201, "payload") == fwd);
	free(shown);
	free(out);
	/* Nothing is counting any more. */
	ck_assert_int_eq(tu_enos(&out, tc.db, "traffic", "-n", name, "stop", NULL), 1);
	ck_assert_msg(tu_contains(out, "no traffic count is running"), "%s", out);
	free(out);
}

START_TEST(wand_counts_iperf)
{
	const char *prefixes[] = { "wand", NULL };
	char *out = NULL;
	int pids[4], n;
	struct stat sb;

	up_two_sites("trf-wand", "wand");
	n = tu_recorded_pids(tc.db, "trf-wand", prefixes, pids, 4);
	ck_assert_int_eq(n, 1);
	check_iperf_flow("trf-wand");
	ck_assert_msg(tu_enos(&out, tc.db, "down", "-n", "trf-wand", NULL) == 0, "%s", out);
	free(out);
	ck_assert(!tu_alive(pids[0]));
	ck_assert(stat("/run/enos/trf-wand/wand.sock", &sb) != 0);
	ck_assert_int_eq(tu_netns_count("trf-wand"), 0);
}
END_TEST

START_TEST(none_counts_iperf_on_gateways)
{
	struct emu *emu = NULL;
	char *out = NULL;

	ck_assert_int_eq(emu_open(&emu), 0);
	up_two_sites("trf-none", "none");
	ck_assert_int_eq(traffic_nft_present(emu, "enos.trf-none.gw.a"), 0);
	check_iperf_flow("trf-none");
	/* stop removed the counters from both gateways. */
	ck_assert_int_eq(traffic_nft_present(emu, "enos.trf-none.gw.a"), 0);
	ck_assert_int_eq(traffic_nft_present(emu, "enos.trf-none.gw.b"), 0);
	ck_assert_int_eq(tu_enos(NULL, tc.db, "traffic", "-n", "trf-none", "start", NULL), 0);
	ck_assert_int_eq(traffic_nft_present(emu, "enos.trf-none.gw.a"), 1);
	ck_assert_int_eq(traffic_nft_present(emu, "enos.trf-none.gw.b"), 1);
	/* down while counting: the namespaces go, and the tables with them. */
	ck_assert_msg(tu_enos(&out, tc.db, "down", "-n", "trf-none", NULL) == 0, "%s", out);
	free(out);
	ck_assert_int_eq(tu_netns_count("trf-none"), 0);
	ck_assert_int_lt(traffic_nft_present(emu, "enos.trf-none.gw.a"), 0);
	ck_assert_int_eq(traffic_nft_present(emu, NULL), 0);
	emu_close(emu);
}
END_TEST

START_TEST(etcd_traffic_by_service)
{
	char text[1024], path[256], *out = NULL, value[PUT_BYTES + 1], addr[32];
	char ep[64], key[16];
	double edge_up, edge_down, peers;
	int i;

	snprintf(text, sizeof(text),
		 "name: trf-etcd\n"
		 "sites:\n"
		 "  - {name: central, role: central}\n"
		 "  - {name: regional, role: regional, parent: central, count: 2}\n"
		 "  - {name: edge, role: edge, parent: regional-1, count: 2}\n"
		 "network:\n"
		 "  shaping: wand\n"
		 "  default: {delay: 1ms}\n"
		 "stack: {name: etcd, strategy: spread}\n");
	tu_write(tc.dir, "trf-etcd.yaml", text, path, sizeof(path));
	ck_assert_msg(tu_enos(&out, tc.db, "up", path, NULL) == 0, "%s", out);
	free(out);
	/* Each member serves clients on 2379 and peers on 2380. */
	ck_assert_int_eq(tu_enos(&out, tc.db, "services", "-n", "trf-etcd", "--json",
				 NULL), 0);
	ck_assert_msg(tu_contains(out, "\"ports\":[{\"proto\":\"tcp\",\"port\":2379},"
				  "{\"proto\":\"tcp\",\"port\":2380}]"), "%s", out);
	free(out);
	node_addr("trf-etcd", "regional-1-1", addr, sizeof(addr));
	snprintf(ep, sizeof(ep), "--endpoints=http://%s:2379", addr);
	memset(value, 'v', PUT_BYTES);
	value[PUT_BYTES] = '\0';
	ck_assert_int_eq(tu_enos(NULL, tc.db, "traffic", "-n", "trf-etcd", "start", NULL), 0);
	for (i = 0; i < PUTS; i++) {
		snprintf(key, sizeof(key), "k%d", i);
		ck_assert_msg(tu_exec(&out, tc.db, "trf-etcd", "edge-1-1", "env",
				      "ETCDCTL_API=3", "etcdctl", ep,
				      "--command-timeout=5s", "put", key, value) == 0,
			      "%s", out);
		free(out);
		out = NULL;
	}
	ck_assert_msg(tu_enos(&out, tc.db, "traffic", "-n", "trf-etcd", "stop", "--json",
			      NULL) == 0, "%s", out);
	edge_up = rows_sum(out, "edge-1", "regional-1", "etcd", 2379, "payload");
	edge_down = rows_sum(out, "regional-1", "edge-1", "etcd", 2379, "bytes");
	peers = rows_sum(out, "regional-1", "regional-2", "etcd", -1, "payload") +
		rows_sum(out, "regional-2", "regional-1", "etcd", -1, "payload");
	printf("etcd: edge-1 -> regional-1 payload %.0f, back %.0f bytes, "
	       "between the members %.0f payload\n", edge_up, edge_down, peers);
	/* The values went up, answers came back, and raft copied them. */
	ck_assert_msg(edge_up >= PUTS * PUT_BYTES, "%s", out);
	ck_assert_msg(edge_down > 0, "%s", out);
	ck_assert_msg(peers >= PUTS * PUT_BYTES, "%s", out);
	/* Nothing of etcd's is "other" between the edge and its member. */
	ck_assert(rows_sum(out, "edge-1", "regional-1", "other", 2379, "bytes") == 0);
	free(out);
	ck_assert_msg(tu_enos(&out, tc.db, "down", "-n", "trf-etcd", NULL) == 0, "%s", out);
	free(out);
	ck_assert_int_eq(tu_netns_count("trf-etcd"), 0);
}
END_TEST

Suite *make_sys_traffic_suite(struct skips *sk)
{
	const struct sys_case cases[] = {
		{ "wand_counts_iperf", wand_counts_iperf },
		{ "none_counts_iperf_on_gateways", none_counts_iperf_on_gateways },
	};
	const struct sys_case etcd_cases[] = {
		{ "etcd_traffic_by_service", etcd_traffic_by_service },
	};
	char *etcd[] = { "etcd", "--version", NULL };
	Suite *s = suite_create("sys_traffic");
	const char *why = sys_unavailable();

	if (!why && access("/usr/bin/iperf3", X_OK) != 0)
		why = "/usr/bin/iperf3 is missing (apt-get install iperf3)";
	sys_add_cases(s, sk, cases, sizeof(cases) / sizeof(cases[0]), why,
		      case_setup, case_teardown, 120);
	why = sys_unavailable();
	if (!why && tu_run(NULL, etcd) != 0)
		why = "etcd is not installed (apt-get install etcd-server etcd-client)";
	sys_add_cases(s, sk, etcd_cases, sizeof(etcd_cases) / sizeof(etcd_cases[0]),
		      why, case_setup, case_teardown, 180);
	return s;
}
