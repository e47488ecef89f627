/* suites — every Check suite of the project, run by tests/check-all.c.
 *
 * Unit suites need no root. System suites build real kernel objects; their
 * make_ function receives the skip list and, when a requirement is missing
 * (root, a program, a kernel feature), adds no test case for it but records
 * the test's name and the reason with skip_add(), so the run counts it as
 * skipped, never as passed.
 */
#ifndef TESTS_SUITES_H
#define TESTS_SUITES_H

#include <check.h>

struct skips;

/* Record that test NAME cannot run here, and why (printed by the runner). */
void skip_add(struct skips *sk, const char *name, const char *why);

/* One system test in a test case of its own. */
struct sys_case {
	const char *name;
	const TTest *test;
};

/* Add CASES[0..N) to S, each in its own test case with the unchecked
 * fixture SETUP/TEARDOWN (run in the runner, so the teardown cleans up
 * even after a failed assertion) and TIMEOUT seconds; or, if WHY is not
 * NULL, record each as skipped for that reason. */
void sys_add_cases(Suite *s, struct skips *sk, const struct sys_case *cases,
		   size_t n, const char *why, void (*setup)(void),
		   void (*teardown)(void), double timeout);

/* Why the system tests cannot run here at all, or NULL (they need root and
 * a writable /run/netns). */
const char *sys_unavailable(void);

Suite *make_units_suite(void);
/* cells: util/cells.c, the tokenizer of matrix and trace files. */
Suite *make_cells_suite(void);
Suite *make_topo_suite(void);
/* constraint: the WAN constraint language and `enos fault set`. */
Suite *make_constraint_suite(void);
Suite *make_addr_suite(void);
Suite *make_world_names_suite(void);
Suite *make_state_suite(void);
Suite *make_cli_suite(void);
Suite *make_caps_suite(void);
Suite *make_netem_suite(void);
Suite *make_resolve_suite(void);
Suite *make_wand_suite(void);
/* trace: trace files, steps over time, the engine's clock, resolution
 * and per-step accuracy of links that follow a trace. */
Suite *make_trace_suite(void);
Suite *make_ovs_suite(void);
Suite *make_lxc_suite(void);
Suite *make_stack_suite(void);
Suite *make_qemu_suite(void);
/* measure: the RTT probe's endpoint per site. */
Suite *make_measure_suite(void);
/* checksrc: tools/checksrc on planted violations and near misses. */
Suite *make_checksrc_suite(void);
/* stats: summaries, quantiles, the median's interval, comparisons. */
Suite *make_stats_suite(void);
/* kv: the kv-latency workload; its etcd cases are skipped without etcd. */
Suite *make_kv_suite(struct skips *sk);
/* wlimport: JSON-lines and Rally results imported as workload operations. */
Suite *make_wlimport_suite(void);
/* results: workload summaries, `enos results`, the report's workload
 * sections; the figure cases are skipped without gnuplot. */
Suite *make_results_suite(struct skips *sk);
/* report: sweep and comparison reports (data, verdicts, exports,
 * escaping, the command); drawing cases skipped without gnuplot or dot,
 * the browser case without chromium. */
Suite *make_report_suite(struct skips *sk);
/* sweep: the sweep language, expansion, seeds, order, resume bookkeeping. */
Suite *make_sweep_suite(void);
/* ci: enos ci's thresholds, evaluation, JUnit and JSON, the command. */
Suite *make_ci_suite(void);
/* traffic: counting what crosses the WAN, and naming its services. */
Suite *make_traffic_suite(void);
/* stackwl: the workloads a stack declares, their kinds and their jobs. */
Suite *make_stackwl_suite(void);
/* workload: kinds, options, the runner, fault tagging, summaries. */
Suite *make_workload_suite(struct skips *sk);
/* fuzz_replay: each libFuzzer harness over its corpus and crash inputs. */
Suite *make_fuzz_replay_suite(void);
/* bombs: billion laughs and deep nesting refused in bounded time and memory. */
Suite *make_bombs_suite(void);

/* placement: sites to hosts (issue 14). */
Suite *make_placement_suite(void);
/* tunnel: VNIs, inner MTU, tunnel specs, base-RTT calibration (issue 14). */
Suite *make_tunnel_suite(void);
/* host: the enos host protocol, its server and the ssh argv. */
Suite *make_host_suite(void);
/* cgroup: a node's cgroup layout, steps, sweep (emulator/cgroup.c). */
Suite *make_cgroup_suite(void);

/* crash: the crash points of ENOS_CRASH_AT. */
Suite *make_crash_suite(void);

/* harden: bad input and privileges that need no root (issue 15). */
Suite *make_harden_suite(void);

Suite *make_sys_emulator_suite(struct skips *sk);
/* sys_hosts: enos host over real sshd's in two namespaces (issue 14). */
Suite *make_sys_hosts_suite(struct skips *sk);
/* sys_tunnel: VXLAN between two hosts, wand across them, calibration
 * (issue 14). */
Suite *make_sys_tunnel_suite(struct skips *sk);
/* sys_profiles: node profiles applied (cgroups of netns nodes). */
Suite *make_sys_profiles_suite(struct skips *sk);
/* sys_nodefault: node faults (cpu, memory, freeze, crash, stress) live
 * and on the timeline. */
Suite *make_sys_nodefault_suite(struct skips *sk);
/* nodefault: parsing node faults and the restore bookkeeping. */
Suite *make_nodefault_suite(void);
/* sys_harden: bad input and privileges that need root (issue 15). */
Suite *make_sys_harden_suite(struct skips *sk);
Suite *make_sys_cli_suite(struct skips *sk);
Suite *make_sys_probe_suite(struct skips *sk);
Suite *make_sys_netem_suite(struct skips *sk);
Suite *make_sys_netem_guest_suite(struct skips *sk);
Suite *make_sys_wand_suite(struct skips *sk);
Suite *make_sys_wan_suite(struct skips *sk);
/* sys_lan: site lan constraints shaped by the wand engine (issue 13). */
Suite *make_sys_lan_suite(struct skips *sk);
/* sys_trace: a link that follows a trace, measured over time and drawn. */
Suite *make_sys_trace_suite(struct skips *sk);
Suite *make_sys_ovs_suite(struct skips *sk);
Suite *make_sys_lxc_suite(struct skips *sk);
Suite *make_sys_stack_suite(struct skips *sk);
Suite *make_sys_qemu_suite(struct skips *sk);
/* sys_mixed: qemu, lxc and netns nodes in one world, both fabrics. */
Suite *make_sys_mixed_suite(struct skips *sk);
Suite *make_sys_openstack_suite(struct skips *sk);
/* sys_sweep: sweeps on netns worlds (etcd and kv-latency end to end),
 * killed and resumed. */
Suite *make_sys_sweep_suite(struct skips *sk);
/* sys_ci: enos ci running a topology (passing, failing) and a sweep. */
Suite *make_sys_ci_suite(struct skips *sk);
/* sys_traffic: counters against iperf3 (wand, none), etcd's service. */
Suite *make_sys_traffic_suite(struct skips *sk);
/* sys_stackwl: a stack-declared workload (JSON lines) in netns nodes. */
Suite *make_sys_stackwl_suite(struct skips *sk);
/* sys_workload: enos bench and enos run with workloads, faults, Ctrl-C. */
Suite *make_sys_workload_suite(struct skips *sk);
/* sys_report: two real runs (etcd by two strategies) compared by enos
 * report, the verdicts against the topology, the page in chromium. */
Suite *make_sys_report_suite(struct skips *sk);
/* sys_crash: kill -9 at 28 named points (30 kills), then down leaves nothing; the
 * engine killed under traffic; disk full, few descriptors. */
Suite *make_sys_crash_suite(struct skips *sk);
/* sys_concurrent: two experiments at once, the same one twice, status
 * readers during up. */
Suite *make_sys_concurrent_suite(struct skips *sk);

#endif
