/* test_nodefault — node faults without root: the command-line forms and
 * their errors (enos/nodefault.c), the timeline's keys and errors
 * (enos/topo_faults.c, FILE:LINE:COL), and the restore bookkeeping: what a
 * node is to be from its profile and the faults still active on it. The
 * faults on real nodes are tests/sys_nodefault.c's.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emulator/node.h"
#include "emulator/world.h"
#include "enos/fault.h"
#include "enos/nodefault.h"
#include "enos/state.h"
#include "enos/topo.h"
#include "tests/suites.h"
#include "tests/testutil.h"

/* x: netns with cpu 0.5; q: a qemu node (no kill_all). */
static struct world_node nodes[2];
static struct world w;

static void setup(void)
{
	memset(nodes, 0, sizeof(nodes));
	nodes[0].name = "edge-1-0";
	nodes[0].ops = &node_netns_ops;
	nodes[0].cpu_milli = 500;
	nodes[1].name = "vm";
	nodes[1].ops = &node_qemu_ops;
	memset(&w, 0, sizeof(w));
	w.nodes = nodes;
	w.n_nodes = 2;
}

/* Parse WORDS (NULL-terminated); returns rc, *ERR kept for the caller. */
static int parse(struct node_fault *f, char **err, ...)
{
	char *argv[8];
	va_list ap;
	int argc = 0;

	va_start(ap, err);
	while (argc < 7 && (argv[argc] = va_arg(ap, char *)))
		argc++;
	va_end(ap);
	return nodefault_parse(&w, argc, argv, f, err);
}

START_TEST(test_parse_forms)
{
	struct node_fault f;
	char *err = NULL, *d;

	ck_assert_int_eq(parse(&f, &err, "cpu", "edge-1-0", "0.1", NULL), 0);
	ck_assert_int_eq(f.action, FAULT_CPU);
	ck_assert_ptr_eq(f.node, &nodes[0]);
	ck_assert_uint_eq(f.amount, 100);
	d = nodefault_detail(&f);
	ck_assert_str_eq(d, "edge-1-0 0.1");
	free(d);

	ck_assert_int_eq(parse(&f, &err, "memory", "edge-1-0", "256MiB", NULL), 0);
	ck_assert_uint_eq(f.amount, 256ull << 20);
	d = nodefault_detail(&f);
	ck_assert_str_eq(d, "edge-1-0 256MiB");
	free(d);

	ck_assert_int_eq(parse(&f, &err, "stress", "edge-1-0", "cpu=2", NULL), 0);
	ck_assert_int_eq(f.action, FAULT_STRESS);
	ck_assert_uint_eq(f.amount, 2);
	d = nodefault_detail(&f);
	ck_assert_str_eq(d, "edge-1-0 cpu=2");
	free(d);

	ck_assert_int_eq(parse(&f, &err, "freeze", "edge-1-0", NULL), 0);
	ck_assert_int_eq(f.action, FAULT_FREEZE);
	ck_assert_int_eq(parse(&f, &err, "thaw", "edge-1-0", NULL), 0);
	ck_assert_int_eq(parse(&f, &err, "crash", "edge-1-0", NULL), 0);
	/* A VM freezes (libvirt suspend), but enos cannot reach its
	 * processes to crash them. */
	ck_assert_int_eq(parse(&f, &err, "freeze", "vm", NULL), 0);
	ck_assert(nodefault_is(FAULT_STRESS) && !nodefault_is(FAULT_SET));
	ck_assert_int_eq(nodefault_action("thaw"), FAULT_THAW);
	ck_assert_int_eq(nodefault_action("nope"), -1);
}
END_TEST

/* Each bad command line: its message, whole. */
START_TEST(test_parse_errors)
{
	static const struct {
		const char *argv[4];
		const char *msg;
	} bad[] = {
		{ { "cpu", "edge-1-1", "0.1" },
		  "unknown node 'edge-1-1' (did you mean 'edge-1-0'?)" },
		{ { "cpu", "edge-1-0", "0" },
		  "cpu 0 is out of range (0.01 to 1024 host cores)" },
		{ { "cpu", "edge-1-0", "half" },
		  "cpu half is not a number of host cores (such as 0.5 or 2)" },
		{ { "memory", "edge-1-0", "1KiB" },
		  "memory 1KiB is too small (at least 4MiB)" },
		{ { "cpu", "edge-1-0" },
		  "usage: cpu NODE CORES (e.g. cpu edge-1-0 0.1)" },
		{ { "stress", "edge-1-0", "2" },
		  "stress takes 'cpu=N' (N CPU workers), not '2'" },
		{ { "stress", "edge-1-0", "cpu=0" },
		  "stress cpu=0: give 1 to 256 whole CPU workers (cpu=2)" },
		{ { "crash", "vm" },
		  "node 'vm' is a qemu node: its backend cannot crash (netns and lxc nodes can)" },
		{ { "freeze", "edge-1-0", "now" }, "usage: freeze NODE" },
	};
	struct node_fault f;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *err = NULL;
		int argc = 0;

		while (argc < 4 && bad[i].argv[argc])
			argc++;
		ck_assert_int_eq(nodefault_parse(&w, argc,
						 (char *const *)bad[i].argv,
						 &f, &err), -EINVAL);
		ck_assert_ptr_nonnull(err);
		ck_assert_str_eq(err, bad[i].msg);
		free(err);
	}
}
END_TEST

static struct state_fault row(const char *action, const char *node,
			      int64_t amount, bool active)
{
	struct state_fault r;

	memset(&r, 0, sizeof(r));
	snprintf(r.action, sizeof(r.action), "%s", action);
	snprintf(r.node, sizeof(r.node), "%s", node);
	r.amount = amount;
	r.removed = active ? NAN : 1.0;
	return r;
}

/* What a node is to be: its profile, then the active faults on it in
 * record order; ended ones and other nodes' do not count. */
START_TEST(test_restore_bookkeeping)
{
	struct state_fault rows[6];
	struct node_state st;

	nodefault_state(&nodes[0], NULL, 0, &st);
	ck_assert_uint_eq(st.cpu_milli, 500);
	ck_assert_uint_eq(st.memory_bytes, 0);
	ck_assert(!st.frozen);

	rows[0] = row("cpu", "edge-1-0", 100, true);
	rows[1] = row("cpu", "edge-1-0", 200, true);
	rows[2] = row("memory", "edge-1-0", 64ll << 20, false);
	rows[3] = row("freeze", "edge-1-0", 0, true);
	rows[4] = row("memory", "vm", 32ll << 20, true);
	rows[5] = row("partition", "", 0, true);
	nodefault_state(&nodes[0], rows, 6, &st);
	ck_assert_uint_eq(st.cpu_milli, 200);       /* the latest wins */
	ck_assert_uint_eq(st.memory_bytes, 0);      /* ended: profile's */
	ck_assert(st.frozen);

	/* The second cpu fault cleared: the first one's again; the freeze
	 * ended: thawed. */
	rows[1].removed = 2.0;
	rows[3].removed = 2.0;
	nodefault_state(&nodes[0], rows, 6, &st);
	ck_assert_uint_eq(st.cpu_milli, 100);
	ck_assert(!st.frozen);
	/* All cleared: the profile. */
	rows[0].removed = 2.0;
	nodefault_state(&nodes[0], rows, 6, &st);
	ck_assert_uint_eq(st.cpu_milli, 500);
}
END_TEST

/* A node fault's record (schema 10): node, amount and a stressor's pid
 * come back as written; a WAN fault's node is "". */
START_TEST(test_record_roundtrip)
{
	struct state_fault_spec spec = { .action = "stress",
					 .detail = "edge-1-0 cpu=2",
					 .node = "edge-1-0", .amount = 2 };
	struct state_fault_spec wan = { .action = "partition",
					.detail = "a" };
	struct state_fault *rows = NULL;
	char dir[128], path[256], *err = NULL;
	struct state *st = NULL;
	int64_t id = 0;
	size_t n = 0;

	ck_assert_ptr_nonnull(tu_tmpdir(dir, sizeof(dir), "nodefault"));
	snprintf(path, sizeof(path), "%s/enos.db", dir);
	ck_assert_int_eq(state_open(path, &st, &err), 0);
	ck_assert_int_eq(state_fault_add(st, 0, "fog", &spec, 10.0, &id), 0);
	ck_assert_int_eq(state_fault_set_pid(st, id, 4242), 0);
	ck_assert_int_eq(state_fault_add(st, 0, "fog", &wan, 11.0, NULL), 0);
	ck_assert_int_eq(state_faults(st, "fog", 0, true, &rows, &n), 0);
	ck_assert_uint_eq(n, 2);
	ck_assert_str_eq(rows[0].action, "stress");
	ck_assert_str_eq(rows[0].node, "edge-1-0");
	ck_assert_int_eq(rows[0].amount, 2);
	ck_assert_int_eq(rows[0].pid, 4242);
	ck_assert_str_eq(rows[1].node, "");
	ck_assert_int_eq(rows[1].pid, 0);
	free(rows);
	state_close(st);
	tu_rmtree(dir);
}
END_TEST

/* A topology's node faults: keys, values and FILE:LINE:COL errors. */
static struct topology *load(const char *faults, char **err)
{
	char text[1024];

	snprintf(text, sizeof(text),
		 "name: nf\n"
		 "sites:\n"
		 "  - {name: edge, role: edge, nodes: 2}\n"
		 "  - {name: vms, role: central, backend: qemu, nodes: 1}\n"
		 "faults:\n%s", faults);
	*err = NULL;
	return topo_load_string(text, "nf.yaml", ".", err);
}

START_TEST(test_timeline_keys)
{
	char *err = NULL;
	struct topology *t = load(
		"  - {at: 5s, action: freeze, node: edge-1, for: 10s}\n"
		"  - {at: 1s, action: cpu, node: edge-2, cpu: 0.1}\n"
		"  - {at: 2s, action: memory, node: edge-2, memory: 256MiB, for: 3s}\n"
		"  - {at: 3s, action: stress, node: edge-1, cpu: 2}\n"
		"  - {at: 4s, action: crash, node: edge-1}\n", &err);

	ck_assert_msg(t != NULL, "%s", err ? err : "");
	ck_assert_uint_eq(t->n_faults, 5);
	ck_assert_int_eq(t->faults[0].action, FAULT_FREEZE);
	ck_assert_str_eq(t->faults[0].node->name, "edge-1");
	ck_assert(t->faults[0].has_for);
	ck_assert_uint_eq(t->faults[0].for_us, 10000000);
	ck_assert_uint_eq(t->faults[1].amount, 100);
	ck_assert_uint_eq(t->faults[2].amount, 256ull << 20);
	ck_assert_uint_eq(t->faults[3].amount, 2);
	ck_assert_int_eq(t->faults[4].action, FAULT_CRASH);
	topo_free(t);
}
END_TEST

/* A node fault read back for the WAN side (bench's tagging, the table
 * rebuild) touches no pair and changes no table. */
START_TEST(test_record_touches_no_pair)
{
	char *err = NULL, **sides[2] = { NULL, NULL };
	size_t n_sides[2] = { 0, 0 }, i;
	struct topology *t = load("  - {at: 1s, action: crash, node: edge-1}\n",
				  &err);
	struct live_fault f;
	struct constraint none = { 0 };

	ck_assert_msg(t != NULL, "%s", err ? err : "");
	ck_assert_int_eq(fault_of_record(t, "freeze", sides, n_sides, &none, &f,
					 &err), 0);
	ck_assert_int_eq(f.action, FAULT_FREEZE);
	for (i = 0; i < t->n_sites; i++)
		ck_assert(!f.group_a[i] && !f.group_b[i]);
	live_fault_release(&f);
	ck_assert_int_eq(fault_of_record(t, "heal", sides, n_sides, &none, &f,
					 &err), -EINVAL);
	ck_assert_str_eq(err, "unknown fault 'heal'");
	free(err);
	topo_free(t);
}
END_TEST

START_TEST(test_timeline_errors)
{
	static const struct {
		const char *fault;
		const char *msg;
	} bad[] = {
		{ "  - {at: 1s, action: freeze, node: edge-9}\n",
		  "nf.yaml:6:36: unknown node 'edge-9' (did you mean 'edge-1'?)" },
		{ "  - {at: 1s, action: cpu, node: edge-1, cpu: 0}\n",
		  "nf.yaml:6:46: cpu 0 is out of range (0.01 to 1024 host cores)" },
		{ "  - {at: 1s, action: memory, node: edge-1, memory: 1KiB}\n",
		  "nf.yaml:6:52: memory 1KiB is too small (at least 4MiB)" },
		{ "  - {at: 1s, action: freeze, node: edge-1, cpu: 1}\n",
		  "nf.yaml:6:44: key 'cpu' does not apply to action 'freeze'" },
		{ "  - {at: 1s, action: crash, node: edge-1, for: 2s}\n",
		  "nf.yaml:6:43: key 'for' does not apply to action 'crash'" },
		{ "  - {at: 1s, action: freeze, sites: [edge-1]}\n",
		  "nf.yaml:6:30: key 'sites' does not apply to action 'freeze'" },
		{ "  - {at: 1s, action: cpu, node: edge-1}\n",
		  "nf.yaml:6:5: missing key 'cpu'" },
		{ "  - {at: 1s, action: stress, node: edge-1, cpu: 0.5}\n",
		  "nf.yaml:6:49: stress takes whole CPU workers ('cpu: 2'), not a share of a core" },
		{ "  - {at: 1s, action: crash, node: vms-1}\n",
		  "nf.yaml:6:35: node 'vms-1' is a qemu node: its backend cannot crash (netns and lxc nodes can)" },
	};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *err = NULL;
		struct topology *t = load(bad[i].fault, &err);

		ck_assert_msg(t == NULL, "accepted: %s", bad[i].fault);
		ck_assert_ptr_nonnull(err);
		ck_assert_str_eq(err, bad[i].msg);
		free(err);
	}
}
END_TEST

Suite *make_nodefault_suite(void)
{
	Suite *s = suite_create("nodefault");
	TCase *c = tcase_create("nodefault");

	tcase_add_checked_fixture(c, setup, NULL);
	tcase_add_test(c, test_parse_forms);
	tcase_add_test(c, test_parse_errors);
	tcase_add_test(c, test_restore_bookkeeping);
	tcase_add_test(c, test_record_roundtrip);
	tcase_add_test(c, test_timeline_keys);
	tcase_add_test(c, test_timeline_errors);
	tcase_add_test(c, test_record_touches_no_pair);
	suite_add_tcase(s, c);
	return s;
}
