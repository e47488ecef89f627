/* test_host — the enos host protocol (enos/host.c) without root or sshd:
 * the server's replies and its line handling, the ssh argv, and the
 * controller against a stand-in `ssh` first in PATH that runs the remote
 * command here (or fails as ssh does), so a host that answers, one that
 * speaks another protocol, one without enos, one ssh cannot reach and one
 * that never answers are each named in the message. tests/sys_hosts.c
 * does the same through real sshd's in namespaces.
 */
#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "emulator/fabric.h"
#include "emulator/node.h"
#include "emulator/shape.h"
#include "enos/cli.h"
#include "enos/host.h"
#include "enos/host_part.h"
#include "enos/placement.h"
#include "enos/plan.h"
#include "enos/topo.h"
#include "workloads/probe.h"
#include "tests/suites.h"
#include "tests/testutil.h"

/* The reply to LINE as JSON (the test owns it). */
static json_t *reply(const char *line, int *state, bool *bye)
{
	char *text = host_reply(line, state, bye);
	json_error_t je;
	json_t *r;

	ck_assert_ptr_nonnull(text);
	ck_assert_ptr_null(strchr(text, '\n'));
	r = json_loads(text, JSON_REJECT_DUPLICATES, &je);
	ck_assert_msg(r != NULL, "%s: %s", text, je.text);
	free(text);
	return r;
}

static const char *str_of(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	ck_assert_msg(json_is_string(v), "no string '%s'", key);
	return json_string_value(v);
}

START_TEST(test_reply_hello)
{
	int state = 0;
	bool bye = false;
	json_t *r, *caps;
	char line[32];

	/* Facts before hello: refused, the version must be agreed first. */
	r = reply("facts", &state, &bye);
	ck_assert(json_is_false(json_object_get(r, "ok")));
	ck_assert_str_eq(str_of(r, "error"), "say 'hello 2' first");
	json_decref(r);

	r = reply("hello 99", &state, &bye);
	ck_assert(json_is_false(json_object_get(r, "ok")));
	ck_assert_int_eq(json_integer_value(json_object_get(r, "protocol")),
			 HOST_PROTOCOL);
	ck_assert_ptr_nonnull(strstr(str_of(r, "error"), "protocol 99 is not spoken here"));
	ck_assert_int_eq(state, 0);
	json_decref(r);

	snprintf(line, sizeof(line), "hello %d", HOST_PROTOCOL);
	r = reply(line, &state, &bye);
	ck_assert(json_is_true(json_object_get(r, "ok")));
	ck_assert_str_eq(str_of(r, "enos"), ENOS_VERSION);
	ck_assert_str_eq(str_of(r, "commit"), host_commit());
	ck_assert_str_ne(host_commit(), "");
	caps = json_object_get(r, "capabilities");
	ck_assert_uint_eq(json_array_size(caps), 11);
	ck_assert_str_eq(json_string_value(json_array_get(caps, 1)), "facts");
	ck_assert_int_eq(state, 1);
	ck_assert(!bye);
	json_decref(r);

	r = reply("bye", &state, &bye);
	ck_assert(json_is_true(json_object_get(r, "ok")));
	ck_assert(bye);
	json_decref(r);
}
END_TEST

START_TEST(test_reply_bad)
{
	static const struct {
		const char *line, *error;
	} cases[] = {
		{ "", "empty or unknown request (this host answers hello, facts, up, down, state, mtu, rtt, shape, echo, probe, bye)" },
		{ "shutdown", "unknown request 'shutdown' (this host answers hello, facts, up, down, state, mtu, rtt, shape, echo, probe, bye)" },
		{ "averyveryverylongverb", "empty or unknown request (this host answers hello, facts, up, down, state, mtu, rtt, shape, echo, probe, bye)" },
		{ "hello", "usage: hello PROTOCOL (a positive integer)" },
		{ "hello x1", "usage: hello PROTOCOL (a positive integer)" },
		{ "hello 1 2", "usage: hello PROTOCOL (a positive integer)" },
		{ "hello -1", "usage: hello PROTOCOL (a positive integer)" },
		{ "hello 99999999999999999999", "usage: hello PROTOCOL (a positive integer)" },
		{ "bye now", "request 'bye' takes no argument" },
		{ "hello\t1", "a request is one line of printable ASCII" },
		{ "facts\x1b[2J", "a request is one line of printable ASCII" },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int state = 0;
		bool bye = false;
		json_t *r = reply(cases[i].line, &state, &bye);

		ck_assert(json_is_false(json_object_get(r, "ok")));
		ck_assert_str_eq(str_of(r, "error"), cases[i].error);
		ck_assert(!bye);
		json_decref(r);
	}
}
END_TEST

START_TEST(test_reply_facts)
{
	int state = 0;
	bool bye = false;
	size_t n = 0, i;
	json_t *r, *b;

	json_decref(reply("hello 2", &state, &bye));
	r = reply("facts", &state, &bye);
	ck_assert(json_is_true(json_object_get(r, "ok")));
	ck_assert_int_eq(json_integer_value(json_object_get(r, "cores")),
			 sysconf(_SC_NPROCESSORS_ONLN));
	ck_assert_int_gt(json_integer_value(json_object_get(r, "memory_total_bytes")), 0);
	ck_assert_int_gt(json_integer_value(json_object_get(r, "memory_available_bytes")), 0);
	ck_assert_str_ne(str_of(r, "kernel"), "");
	/* One entry per backend of every registry, in registry order. */
	for (i = 0; node_ops_at(i); i++)
		n++;
	for (i = 0; fabric_ops_at(i); i++)
		n++;
	for (i = 0; shape_ops_at(i); i++)
		n++;
	b = json_object_get(r, "backends");
	ck_assert_uint_eq(json_array_size(b), n);
	ck_assert_str_eq(str_of(json_array_get(b, 0), "kind"), "node");
	ck_assert_str_eq(str_of(json_array_get(b, 0), "name"), node_ops_at(0)->name);
	ck_assert(json_is_boolean(json_object_get(json_array_get(b, 0), "ok")));
	json_decref(r);
}
END_TEST

/* host_serve over a pipe of requests: every line answered in order, a
 * line too long answered once and skipped, CRLF accepted, nothing after
 * bye. */
START_TEST(test_serve)
{
	char *big = malloc(HOST_LINE_MAX + 100), *out = NULL;
	size_t outlen = 0;
	FILE *in, *o;
	char *text;

	ck_assert_ptr_nonnull(big);
	memset(big, 'x', HOST_LINE_MAX + 99);
	big[HOST_LINE_MAX + 99] = '\0';
	text = NULL;
	ck_assert_int_gt(asprintf(&text, "hello 2\r\n%s\nnope\nbye\nfacts\n", big), 0);
	in = fmemopen(text, strlen(text), "r");
	o = open_memstream(&out, &outlen);
	ck_assert_ptr_nonnull(in);
	ck_assert_ptr_nonnull(o);
	ck_assert_int_eq(host_serve(in, o), 0);
	fclose(o);
	fclose(in);
	ck_assert_msg(!strncmp(out, "{\"ok\":true,\"protocol\":2,", 24), "%s", out);
	ck_assert_ptr_nonnull(strstr(out, "\n{\"ok\":false,\"error\":\"a request is at most 4095 bytes\"}\n"
				     "{\"ok\":false,\"error\":\"unknown request 'nope' (this host answers hello, facts, up, down, state, mtu, rtt, shape, echo, probe, bye)\"}\n"
				     "{\"ok\":true}\n"));
	ck_assert_ptr_null(strstr(out, "kernel"));     /* facts after bye */
	free(out);
	free(text);
	free(big);
}
END_TEST

START_TEST(test_ssh_argv)
{
	struct topo_host h = { .name = "h2", .address = "192.0.2.2",
			       .ssh = "root@192.0.2.2", .enos = "/opt/enos" };
	char **argv = NULL, line[512];
	size_t i, off = 0;

	ck_assert_int_eq(host_ssh_argv(&h, "/tmp/cfg", &argv), 0);
	for (i = 0; argv[i]; i++)
		off += (size_t)snprintf(line + off, sizeof(line) - off, "%s%s",
					i ? " " : "", argv[i]);
	ck_assert_str_eq(line, "ssh -o BatchMode=yes -o ConnectTimeout=5 -o ServerAliveInterval=2 -o ServerAliveCountMax=2 -F /tmp/cfg -- root@192.0.2.2 /opt/enos host");
	for (i = 0; argv[i]; i++)
		free(argv[i]);
	free(argv);
	ck_assert_int_eq(host_ssh_argv(&h, NULL, &argv), 0);
	ck_assert_str_eq(argv[8], "ServerAliveCountMax=2");
	ck_assert_str_eq(argv[9], "--");
	for (i = 0; argv[i]; i++)
		free(argv[i]);
	free(argv);
}
END_TEST

/* ---- the controller against a stand-in ssh ---- */

static char dir[PATH_MAX];

/* An `ssh` that skips the options up to "--", then the destination, and
 * runs the rest here; a destination "unreachable" fails as ssh does. */
static const char fake_ssh[] =
	"#!/bin/sh\n"
	"while [ \"$1\" != -- ]; do shift; done\n"
	"shift; dest=$1; shift\n"
	"if [ \"$dest\" = unreachable ]; then\n"
	"  echo \"ssh: connect to host $dest port 22: Connection refused\" >&2; exit 255\n"
	"fi\n"
	"exec \"$@\"\n";

/* An enos that speaks protocol 7. */
static const char future_enos[] =
	"#!/bin/sh\n"
	"read line\n"
	"echo '{\"ok\":false,\"protocol\":7,\"enos\":\"9.0.0\",\"commit\":\"feedbeef\",\"error\":\"protocol 1 is not spoken here\"}'\n";

/* An enos from before `enos host`. */
static const char old_enos[] =
	"#!/bin/sh\n"
	"echo \"error: unknown command 'host'\" >&2; exit 2\n";

/* A host whose replies are hostile: a hello with control bytes in its
 * strings, then facts with members of the wrong types and too many
 * backends. */
static const char hostile_enos[] =
	"#!/bin/sh\n"
	"read line\n"
	"printf '{\"ok\":true,\"protocol\":2,\"enos\":\"%s\",\"commit\":\"\\\\u001b[2Jx\",\"hostname\":\"h\\\\nx\"}\\n' \"$ENOS_TEST_VERSION\"\n"
	"read line\n"
	"printf '{\"ok\":true,\"cores\":\"many\",\"memory_total_bytes\":-5,\"kernel\":7,\"backends\":['\n"
	"i=0; while [ $i -lt 40 ]; do printf '{\"kind\":\"node\",\"name\":\"n%d\",\"ok\":true},' $i; i=$((i+1)); done\n"
	"printf '3]}\\n'\n"
	"read line\n";

/* A host whose reply never ends within the bound. */
static const char flood_enos[] =
	"#!/bin/sh\nread line\nexec tr '\\0' x </dev/zero\n";

/* A host that never answers. */
static const char mute_enos[] = "#!/bin/sh\nexec sleep 30\n";

static void write_script(const char *name, const char *text)
{
	char path[PATH_MAX + 64];

	tu_write(dir, name, text, path, sizeof(path));
	ck_assert_int_eq(chmod(path, 0700), 0);
}

static void fake_setup(void)
{
	char path[PATH_MAX * 2];
	const char *old = getenv("PATH");

	ck_assert_ptr_nonnull(tu_tmpdir(dir, sizeof(dir), "host"));
	write_script("ssh", fake_ssh);
	write_script("future-enos", future_enos);
	write_script("old-enos", old_enos);
	write_script("mute-enos", mute_enos);
	write_script("hostile-enos", hostile_enos);
	write_script("flood-enos", flood_enos);
	setenv("ENOS_TEST_VERSION", ENOS_VERSION, 1);
	snprintf(path, sizeof(path), "%s:%s", dir, old ? old : "/usr/bin:/bin");
	setenv("PATH", path, 1);
}

static void fake_teardown(void)
{
	tu_rmtree(dir);
}

/* Connect to a host whose ssh destination is DEST and whose enos is ENOS
 * (a script of DIR when it has no '/'), then hello and facts. Returns the
 * first error's rc, with its message in *ERR. */
static int talk(const char *dest, const char *enos, int timeout_ms,
		struct host_hello *hello, struct host_facts *facts, char **err)
{
	char prog[PATH_MAX + 64], abs[PATH_MAX];
	struct topo_host h = { .name = "h2", .address = "192.0.2.2" };
	struct host_conn c;
	int rc;

	if (!strchr(enos, '/'))
		snprintf(prog, sizeof(prog), "%s/%s", dir, enos);
	else if (realpath(enos, abs))
		snprintf(prog, sizeof(prog), "%s", abs);
	else
		snprintf(prog, sizeof(prog), "%s", enos);
	h.ssh = (char *)dest;
	h.enos = prog;
	*err = NULL;
	rc = host_connect(&h, NULL, &c, err);
	if (rc)
		return rc;
	c.timeout_ms = timeout_ms;
	rc = host_hello(&c, hello, err);
	if (!rc)
		rc = host_facts(&c, facts, err);
	host_close(&c);
	ck_assert_int_eq(c.pid, 0);     /* reaped */
	return rc;
}

START_TEST(test_client_ok)
{
	struct host_hello hello;
	struct host_facts facts;
	char *err = NULL;
	size_t i;
	bool netns = false;

	ck_assert_msg(talk("root@h2", tu_enos_bin(), 8000, &hello, &facts,
			   &err) == 0, "%s", err);
	ck_assert_int_eq(hello.protocol, HOST_PROTOCOL);
	ck_assert_str_eq(hello.enos, ENOS_VERSION);
	ck_assert_str_ne(hello.commit, "");
	ck_assert_int_eq(facts.cores, sysconf(_SC_NPROCESSORS_ONLN));
	ck_assert_uint_gt(facts.mem_total, 0);
	ck_assert_uint_le(facts.mem_available, facts.mem_total);
	for (i = 0; i < facts.n_backends; i++)
		if (!strcmp(facts.backends[i].kind, "node") &&
		    !strcmp(facts.backends[i].name, "netns"))
			netns = facts.backends[i].ok;
	ck_assert(netns);
}
END_TEST

START_TEST(test_client_errors)
{
	struct host_hello hello;
	struct host_facts facts;
	char *err = NULL, want[512];
	double t0;

	ck_assert_int_eq(talk("root@h2", "future-enos", 8000, &hello, &facts,
			      &err), -EPROTO);
	snprintf(want, sizeof(want), "host 'h2' (root@h2): it speaks enos host protocol 7 (enos 9.0.0, commit feedbeef), this enos speaks 2 (enos %s, commit %s): install the same enos on every host",
		 ENOS_VERSION, host_commit());
	ck_assert_str_eq(err, want);
	free(err);

	ck_assert_int_eq(talk("root@h2", "old-enos", 8000, &hello, &facts,
			      &err), -EPROTO);
	ck_assert_msg(strstr(err, "host 'h2' (root@h2): its '") &&
		      strstr(err, "old-enos' does not speak the enos host protocol (exit 2: error: unknown command 'host'): install the same enos as here"),
		      "%s", err);
	free(err);

	ck_assert_int_eq(talk("root@h2", "/nonexistent/enos", 8000, &hello,
			      &facts, &err), -ENOENT);
	ck_assert_msg(!strncmp(err, "host 'h2' (root@h2): no enos there: the remote shell cannot run '/nonexistent/enos'", 83),
		      "%s", err);
	free(err);

	ck_assert_int_eq(talk("unreachable", "future-enos", 8000, &hello,
			      &facts, &err), -EHOSTUNREACH);
	ck_assert_str_eq(err, "host 'h2' (unreachable): cannot reach it over ssh: ssh: connect to host unreachable port 22: Connection refused");
	free(err);

	t0 = tu_now_s();
	ck_assert_int_eq(talk("root@h2", "mute-enos", 500, &hello, &facts,
			      &err), -ETIMEDOUT);
	ck_assert_str_eq(err, "host 'h2' (root@h2): no answer to 'hello 2' within 0.5 s");
	ck_assert_double_lt(tu_now_s() - t0, 5);
	free(err);
}
END_TEST

START_TEST(test_client_hostile)
{
	struct host_hello hello;
	struct host_facts facts;
	char *err = NULL;

	ck_assert_msg(talk("root@h2", "hostile-enos", 8000, &hello, &facts,
			   &err) == 0, "%s", err);
	ck_assert_str_eq(hello.commit, "\\x1b[2Jx");
	ck_assert_str_eq(hello.hostname, "h\\nx");
	ck_assert_int_eq(facts.cores, 0);
	ck_assert_uint_eq(facts.mem_total, 0);
	ck_assert_str_eq(facts.kernel, "");
	ck_assert_uint_eq(facts.n_backends, HOST_BACKENDS_MAX);
	ck_assert_str_eq(facts.backends[HOST_BACKENDS_MAX - 1].name, "n23");

	ck_assert_int_eq(talk("root@h2", "flood-enos", 8000, &hello, &facts,
			      &err), -EMSGSIZE);
	{
		char want[128];

		snprintf(want, sizeof(want), "host 'h2' (root@h2): a reply longer than %u bytes",
			 HOST_REPLY_MAX);
		ck_assert_str_eq(err, want);
	}
	free(err);
}
END_TEST

/* `enos hosts` end to end through the stand-in ssh: each reachable host
 * shown, the unreachable one named, exit 1; no hosts: exit 1. And `enos
 * check --json` of the same topology: the placement and each host. */
START_TEST(test_cmd_hosts)
{
	char topo[PATH_MAX + 64], plain[PATH_MAX + 64], db[PATH_MAX + 64];
	char bin[PATH_MAX], *out = NULL;
	char text[3 * PATH_MAX];

	ck_assert_ptr_nonnull(realpath(tu_enos_bin(), bin));
	snprintf(db, sizeof(db), "%s/enos.db", dir);
	snprintf(text, sizeof(text),
		 "name: spread\n"
		 "hosts:\n"
		 "  - {name: h1, address: 192.0.2.1, enos: %s}\n"
		 "  - {name: h2, address: 192.0.2.2, ssh: unreachable, enos: %s, memory: 8GiB}\n"
		 "placement: {auto: balance}\n"
		 "sites:\n"
		 "  - {name: cloud, role: central, nodes: 3}\n"
		 "  - {name: edge, role: edge, count: 2, parent: cloud}\n",
		 bin, bin);
	tu_write(dir, "spread.yaml", text, topo, sizeof(topo));
	tu_write(dir, "plain.yaml", "name: plain\nsites: [{name: a, role: central}]\n",
		 plain, sizeof(plain));

	ck_assert_int_eq(tu_enos(&out, db, "hosts", topo, NULL), 1);
	ck_assert_msg(strstr(out, "host 'h1' (192.0.2.1, ") &&
		      strstr(out, "  sites: cloud\n") &&
		      strstr(out, "error: host 'h2' (unreachable): cannot reach it over ssh: ssh: connect to host unreachable port 22: Connection refused"),
		      "%s", out);
	free(out);

	ck_assert_int_eq(tu_enos(&out, db, "hosts", plain, NULL), 1);
	ck_assert_msg(strstr(out, "error: topology '") &&
		      strstr(out, "plain.yaml' declares no 'hosts': its world lives on this host"),
		      "%s", out);
	free(out);

	ck_assert_int_eq(tu_enos(&out, db, "check", "--json", topo, NULL), 0);
	ck_assert_msg(strstr(out, "\"placement\":\"balance\"") &&
		      strstr(out, "\"name\":\"h2\",\"address\":\"192.0.2.2\",\"ssh\":\"unreachable\"") &&
		      strstr(out, "\"memory_bytes\":8589934592") &&
		      strstr(out, "\"sites\":[\"cloud\"]") &&
		      strstr(out, "\"sites\":[\"edge-1\",\"edge-2\"]") &&
		      strstr(out, "\"fits\":true"),
		      "%s", out);
	free(out);
}
END_TEST

static const char spread_yaml[] =
	"name: spread\n"
	"hosts:\n"
	"  - {name: h1, address: 192.0.2.1}\n"
	"  - {name: h2, address: 192.0.2.2}\n"
	"sites:\n"
	"  - {name: cloud, role: central, nodes: 2, host: h1}\n"
	"  - {name: edge, role: edge, count: 3, parent: cloud, nodes: 2, host: h2}\n";

/* The body of `up` for each host, decoded as the host does: every site
 * with the controller's names and addresses, marked local on its own
 * host only, and exactly that host's nodes with the same names and
 * addresses (an address means the same on every host). */
START_TEST(test_part_roundtrip)
{
	struct topology *t;
	struct placement pl = { 0 };
	struct world w = { 0 };
	struct host_part p;
	char *err = NULL, why[512], *body;
	size_t len, h, i, k;

	t = topo_load_string(spread_yaml, "spread.yaml", ".", &err);
	ck_assert_msg(t != NULL, "%s", err);
	ck_assert_int_eq(placement_compute(t, &pl), 0);
	ck_assert_int_eq(plan_world(t, "eabcd", &w), 0);
	for (h = 0; h < 2; h++) {
		body = host_part_encode(&w, t, &pl, h, shape_ops_find("none"), NULL, &len);
		ck_assert_ptr_nonnull(body);
		ck_assert_msg(host_part_decode("spread", body, len, &p, why,
					       sizeof(why)) == 0, "%s", why);
		ck_assert_str_eq(p.host, t->hosts[h].name);
		ck_assert_uint_eq(p.n_peers, 1);
		ck_assert_str_eq(p.peers[0].address, t->hosts[1 - h].address);
		ck_assert_uint_eq(p.w.n_sites, w.n_sites);
		ck_assert_uint_eq(p.n_local_sites, h == 0 ? 1 : 3);
		for (i = 0; i < w.n_sites; i++) {
			ck_assert_int_eq(p.w.sites[i].remote, pl.host_of[i] != h);
			ck_assert_str_eq(p.w.sites[i].gw_netns, w.sites[i].gw_netns);
			ck_assert_str_eq(p.w.sites[i].gw_wan_host, w.sites[i].gw_wan_host);
			ck_assert_uint_eq(p.w.sites[i].gw_wan_addr, w.sites[i].gw_wan_addr);
			ck_assert_uint_eq(p.w.sites[i].lan.addr, w.sites[i].lan.addr);
		}
		ck_assert_uint_eq(p.w.n_nodes, h == 0 ? 2 : 6);
		for (i = 0, k = 0; i < w.n_nodes; i++) {
			if (pl.host_of[w.nodes[i].site] != h)
				continue;
			ck_assert_str_eq(p.w.nodes[k].netns, w.nodes[i].netns);
			ck_assert_str_eq(p.w.nodes[k].host_if, w.nodes[i].host_if);
			ck_assert_uint_eq(p.w.nodes[k].addr, w.nodes[i].addr);
			ck_assert_uint_eq(p.w.nodes[k].site, w.nodes[i].site);
			k++;
		}
		/* For another experiment: refused. */
		host_part_release(&p);
		ck_assert_int_eq(host_part_decode("other", body, len, &p, why,
						  sizeof(why)), -EINVAL);
		ck_assert_str_eq(why, "the body of 'up' is for experiment 'spread', not 'other'");
		host_part_release(&p);
		free(body);
	}
	plan_release(&w);
	placement_release(&pl);
	topo_free(t);
}
END_TEST

/* A shaped world's table travels whole: every host decodes the same
 * pairs, and a pair out of the language's limits is refused. */
START_TEST(test_part_table)
{
	static const char yaml[] =
		"name: spread\n"
		"hosts:\n"
		"  - {name: h1, address: 192.0.2.1}\n"
		"  - {name: h2, address: 192.0.2.2}\n"
		"network: {shaping: wand, default: {delay: 10ms, loss: 1%}}\n"
		"sites:\n"
		"  - {name: cloud, role: central, host: h1}\n"
		"  - {name: edge, role: edge, count: 2, parent: cloud, host: h2}\n";
	struct topology *t;
	struct placement pl = { 0 };
	struct world w = { 0 };
	struct shape_table tab = { 0 };
	struct host_part p;
	char *err = NULL, why[512], *body, *bad, *at;
	size_t len, i;

	t = topo_load_string(yaml, "spread.yaml", ".", &err);
	ck_assert_msg(t != NULL, "%s", err);
	ck_assert_int_eq(placement_compute(t, &pl), 0);
	ck_assert_int_eq(plan_world(t, "eabcd", &w), 0);
	ck_assert_int_eq(shape_table_init(&tab, w.n_sites), 0);
	for (i = 0; i < w.n_sites * w.n_sites; i++) {
		tab.p[i].delay_us = 10000 + i;
		tab.p[i].loss_pct = 1;
	}
	tab.cut[1 * w.n_sites + 2] = true;
	body = host_part_encode(&w, t, &pl, 1, t->shaping, &tab, &len);
	ck_assert_ptr_nonnull(body);
	ck_assert_msg(host_part_decode("spread", body, len, &p, why, sizeof(why)) == 0,
		      "%s", why);
	ck_assert_uint_eq(p.tab.n, w.n_sites);
	for (i = 0; i < w.n_sites * w.n_sites; i++) {
		if (i % (w.n_sites + 1) == 0)
			continue;       /* the diagonal is not sent */
		ck_assert_uint_eq(p.tab.p[i].delay_us, 10000 + i);
		ck_assert_double_eq(p.tab.p[i].loss_pct, 1);
		ck_assert_int_eq(p.tab.cut[i], i == 1 * w.n_sites + 2);
	}
	host_part_release(&p);
	/* A delay beyond an hour, a loss above 100 %, a site out of range. */
	at = strstr(body, "[0,1,10001,");
	ck_assert_msg(at != NULL, "%s", body);
	ck_assert_int_gt(asprintf(&bad, "%.*s[0,1,3600000001,%s", (int)(at - body), body,
				  at + strlen("[0,1,10001,")), 0);
	ck_assert_int_eq(host_part_decode("spread", bad, strlen(bad), &p, why,
					  sizeof(why)), -EINVAL);
	ck_assert_ptr_nonnull(strstr(why, "shape pair 0:"));
	host_part_release(&p);
	free(bad);
	ck_assert_int_gt(asprintf(&bad, "%.*s[0,7,10001,%s", (int)(at - body), body,
				  at + strlen("[0,1,10001,")), 0);
	ck_assert_int_eq(host_part_decode("spread", bad, strlen(bad), &p, why,
					  sizeof(why)), -EINVAL);
	host_part_release(&p);
	free(bad);
	free(body);
	shape_table_release(&tab);
	plan_release(&w);
	placement_release(&pl);
	topo_free(t);
}
END_TEST

/* What a host refuses in a body: it is input from outside. */
START_TEST(test_part_hostile)
{
	static const struct {
		const char *from, *to, *why;
	} cases[] = {
		{ "\"netns\":\"enos.spread.cloud-1\"", "\"netns\":\"enos.other.cloud-1\"",
		  "node 'cloud-1': netns is not one of this world's names" },
		{ "\"host_if\":\"eabcdv0\"", "\"host_if\":\"eth0\"",
		  "node 'cloud-1': host_if is not one of this world's names" },
		{ "\"local\":true", "\"local\":false",
		  "node 'cloud-1' is of site 'cloud', which this host does not build" },
		{ "\"backend\":\"netns\"", "\"backend\":\"nope\"",
		  "node 'cloud-1': backend 'nope' is not one of this enos" },
		{ "\"tag\":\"eabcd\"", "\"tag\":\"e/../\"", "tag 'e/../' is not a tag" },
		{ "\"gw_netns\":\"enos.spread.gw.cloud\"", "\"gw_netns\":\"../../etc\"",
		  "site 'cloud': gw_netns '../../etc' is not one of this world's names" },
	};
	struct topology *t;
	struct placement pl = { 0 };
	struct world w = { 0 };
	struct host_part p;
	char *err = NULL, why[512], *body, *bad, *at;
	size_t len, i;

	t = topo_load_string(spread_yaml, "spread.yaml", ".", &err);
	ck_assert_msg(t != NULL, "%s", err);
	ck_assert_int_eq(placement_compute(t, &pl), 0);
	ck_assert_int_eq(plan_world(t, "eabcd", &w), 0);
	body = host_part_encode(&w, t, &pl, 0, shape_ops_find("none"), NULL, &len);
	ck_assert_ptr_nonnull(body);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		at = strstr(body, cases[i].from);
		ck_assert_msg(at != NULL, "%s not in %s", cases[i].from, body);
		ck_assert_int_gt(asprintf(&bad, "%.*s%s%s", (int)(at - body), body,
					  cases[i].to, at + strlen(cases[i].from)), 0);
		ck_assert_int_eq(host_part_decode("spread", bad, strlen(bad), &p,
						  why, sizeof(why)), -EINVAL);
		ck_assert_str_eq(why, cases[i].why);
		host_part_release(&p);
		free(bad);
	}
	ck_assert_int_eq(host_part_decode("spread", "[1]", 3, &p, why, sizeof(why)),
			 -EINVAL);
	host_part_release(&p);
	free(body);
	plan_release(&w);
	placement_release(&pl);
	topo_free(t);
}
END_TEST

/* `tc --test` across hosts: the bodies of `echo` and `probe` as the
 * controller writes them, what a host refuses in them (names of another
 * experiment, a pair answered by nobody), and the reading of `probe`'s
 * reply (the pairs' figures back, anything else refused). */
START_TEST(test_part_probe)
{
	struct probe_pair pairs[2];
	struct probe_opts po = { 30, 20, 1040, 0 };
	char *body, *r;
	size_t len;
	json_t *o;

	memset(pairs, 0, sizeof(pairs));
	pairs[0].src_netns = "enos.spread.cloud-1";
	pairs[0].dst_netns = "enos.spread.edge-1-1";
	pairs[0].dst_addr = 0xc6120202;
	pairs[0].remote_port = 40000;
	pairs[1].src_netns = "enos.spread.cloud-1";
	pairs[1].dst_netns = "enos.spread.cloud-2";
	pairs[1].dst_addr = 0xc6120103;
	body = host_part_probe_body(&po, pairs, 2, &len);
	ck_assert_ptr_nonnull(body);
	ck_assert_str_eq(body, "{\"samples\":30,\"interval_ms\":20,\"timeout_ms\":1040,\"pairs\":"
			 "[[\"enos.spread.cloud-1\",\"\",3323068930,40000],"
			 "[\"enos.spread.cloud-1\",\"enos.spread.cloud-2\",3323068675,0]]}");
	/* Another experiment's namespace: refused before any probe. */
	r = host_part_serve(NULL, "probe", "other", body, len);
	o = json_loads(r, 0, NULL);
	ck_assert_msg(json_is_false(json_object_get(o, "ok")) &&
		      strstr(json_string_value(json_object_get(o, "error")),
			     "probe: pair 0 is not [a namespace of 'other'"), "%s", r);
	json_decref(o);
	free(r);
	free(body);
	/* A pair with neither a namespace nor a port: nobody would answer. */
	pairs[0].remote_port = 0;
	pairs[0].dst_netns = "";
	body = host_part_probe_body(&po, pairs, 1, &len);
	r = host_part_serve(NULL, "probe", "spread", body, len);
	ck_assert_msg(strstr(r, "\"ok\":false") && strstr(r, "pair 0 is not"), "%s", r);
	free(r);
	free(body);
	body = host_part_echo_body(70, &pairs[1], 1, &len);
	ck_assert_str_eq(body, "{\"seconds\":70,\"endpoints\":[[\"enos.spread.cloud-2\",3323068675]]}");
	r = host_part_serve(NULL, "echo", "other", body, len);
	ck_assert_msg(strstr(r, "\"ok\":false") &&
		      strstr(r, "echo: endpoint 0 is not [a namespace of 'other'"), "%s", r);
	free(r);
	free(body);
	r = host_part_serve(NULL, "echo", "spread", "{\"seconds\":0,\"endpoints\":[]}", 29);
	ck_assert_msg(strstr(r, "\"ok\":false") && strstr(r, "usage: echo"), "%s", r);
	free(r);

	/* The reply read back, in order; a short or negative one refused. */
	memset(pairs, 0, sizeof(pairs));
	ck_assert_int_eq(host_part_probe_results(
		"{\"ok\":true,\"pairs\":[[30,29,1,20.1,20.2,20.3,20.4,20.25],"
		"[30,30,0,1,1.5,2,2.5,1.6]]}", pairs, 2), 0);
	ck_assert_uint_eq(pairs[0].sent, 30);
	ck_assert_uint_eq(pairs[0].received, 29);
	ck_assert_uint_eq(pairs[0].loss_bursts, 1);
	ck_assert_double_eq(pairs[0].p50_ms, 20.2);
	ck_assert_double_eq(pairs[1].p99_ms, 2.5);
	ck_assert_int_eq(host_part_probe_results(
		"{\"ok\":true,\"pairs\":[[30,29,1,20.1,20.2,20.3,20.4,20.25]]}", pairs, 2),
		-EPROTO);
	ck_assert_int_eq(host_part_probe_results(
		"{\"ok\":true,\"pairs\":[[30,31,1,1,1,1,1,1]]}", pairs, 1), -EPROTO);
	ck_assert_int_eq(host_part_probe_results(
		"{\"ok\":true,\"pairs\":[[30,29,1,-1,1,1,1,1]]}", pairs, 1), -EPROTO);
	ck_assert_int_eq(host_part_probe_results("nope", pairs, 1), -EPROTO);

	/* A series (`tc --test --over`): asked for when the pairs have
	 * sample buffers; each probe's send time (t0_us + offset, 0: not
	 * sent) and RTT (NaN: lost) read back; a short series, a figure out
	 * of range, or no t0_us refused; a host refuses more probes than a
	 * reply carries. */
	{
		double at[6], ms[6];

		memset(pairs, 0, sizeof(pairs));
		pairs[0].src_netns = "enos.spread.cloud-1";
		pairs[0].dst_netns = "enos.spread.cloud-2";
		pairs[0].dst_addr = 0xc6120103;
		pairs[0].sample_start = at;
		pairs[0].sample_ms = ms;
		po.samples = 3;
		body = host_part_probe_body(&po, pairs, 1, &len);
		ck_assert_str_eq(body, "{\"samples\":3,\"interval_ms\":20,\"timeout_ms\":1040,"
				 "\"series\":true,\"pairs\":"
				 "[[\"enos.spread.cloud-1\",\"enos.spread.cloud-2\",3323068675,0]]}");
		free(body);
		pairs[1] = pairs[0];
		pairs[1].sample_start = at + 3;
		pairs[1].sample_ms = ms + 3;
		ck_assert_int_eq(host_part_probe_series(
			"{\"ok\":true,\"t0_us\":1000000000000000,\"series\":"
			"[[0,20125,20000,-1,-1,-1],[5,1500,20005,1499,40005,1501]]}",
			pairs, 2, 3), 0);
		ck_assert_double_eq(at[0], 1000000000.0);
		ck_assert_double_eq_tol(ms[0], 20.125, 1e-9);
		ck_assert_double_eq_tol(at[1], 1000000000.02, 1e-6);
		ck_assert(isnan(ms[1]));
		ck_assert_double_eq(at[2], 0);         /* not sent */
		ck_assert_double_eq_tol(at[5], 1000000000.040005, 1e-6);
		ck_assert_double_eq_tol(ms[5], 1.501, 1e-9);
		ck_assert_int_eq(host_part_probe_series(
			"{\"ok\":true,\"t0_us\":1,\"series\":[[0,1,2,3]]}", pairs, 1, 3),
			-EPROTO);
		ck_assert_int_eq(host_part_probe_series(
			"{\"ok\":true,\"t0_us\":1,\"series\":[[0,1,2,3,4,-2]]}", pairs, 1, 3),
			-EPROTO);
		ck_assert_int_eq(host_part_probe_series(
			"{\"ok\":true,\"series\":[[0,1,2,3,4,5]]}", pairs, 1, 3), -EPROTO);
		r = host_part_serve(NULL, "probe", "spread",
			"{\"samples\":600000,\"interval_ms\":1,\"timeout_ms\":0,\"series\":true,"
			"\"pairs\":[[\"enos.spread.a\",\"enos.spread.b\",1,0]]}", 111);
		ck_assert_msg(strstr(r, "\"ok\":false") &&
			      strstr(r, "probe: a series of 1 pairs x 600000 probes is more than the 500000 a request carries"),
			      "%s", r);
		free(r);
	}
}
END_TEST

Suite *make_host_suite(void)
{
	Suite *s = suite_create("host");
	TCase *server = tcase_create("server");
	TCase *client = tcase_create("client");

	tcase_add_test(server, test_reply_hello);
	tcase_add_test(server, test_reply_bad);
	tcase_add_test(server, test_reply_facts);
	tcase_add_test(server, test_serve);
	tcase_add_test(server, test_ssh_argv);
	tcase_add_test(server, test_part_roundtrip);
	tcase_add_test(server, test_part_hostile);
	tcase_add_test(server, test_part_table);
	tcase_add_test(server, test_part_probe);
	suite_add_tcase(s, server);

	tcase_add_checked_fixture(client, fake_setup, fake_teardown);
	tcase_set_timeout(client, 30);
	tcase_add_test(client, test_client_ok);
	tcase_add_test(client, test_client_errors);
	tcase_add_test(client, test_client_hostile);
	tcase_add_test(client, test_cmd_hosts);
	suite_add_tcase(s, client);
	return s;
}
