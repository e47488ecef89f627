/* check-all — runs every Check suite of enos and prints one closing line
 * "N passed, N failed, N skipped".
 *
 * Usage: check-all [unit|system|all]   (default all)
 * Environment: ENOS_BIN (the enos binary the CLI tests run), and Check's own
 * CK_RUN_SUITE / CK_RUN_CASE to run a part.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "tests/suites.h"

struct skips {
	int n;
	const char *suite;      /* the suite being made */
};

/* Skips count only for suites that run: with CK_RUN_SUITE set, the
 * others are made but not run, and their skips are not this run's. */
void skip_add(struct skips *sk, const char *name, const char *why)
{
	const char *only = getenv("CK_RUN_SUITE");

	if (only && *only && sk->suite && strcmp(only, sk->suite) != 0)
		return;
	printf("SKIP: %s: %s\n", name, why);
	sk->n++;
}

/* Make a suite that may skip cases (every system suite, and unit suites
 * that need a program such as etcd), telling skip_add which one it is. */
#define SYS_SUITE(sr, sk, name) \
	((sk)->suite = #name, srunner_add_suite((sr), make_##name##_suite(sk)))

void sys_add_cases(Suite *s, struct skips *sk, const struct sys_case *cases,
		   size_t n, const char *why, void (*setup)(void),
		   void (*teardown)(void), double timeout)
{
	size_t i;

	for (i = 0; i < n; i++) {
		TCase *tc;

		if (why) {
			skip_add(sk, cases[i].name, why);
			continue;
		}
		tc = tcase_create(cases[i].name);
		tcase_add_unchecked_fixture(tc, setup, teardown);
		tcase_set_timeout(tc, timeout);
		_tcase_add_test(tc, cases[i].test, 0, 0, 0, 1);
		suite_add_tcase(s, tc);
	}
}

const char *sys_unavailable(void)
{
	if (geteuid() != 0)
		return "system tests need root (they create namespaces, links and bridges)";
	if (mkdir("/run/netns", 0755) != 0 && access("/run/netns", W_OK) != 0)
		return "/run/netns is not writable";
	return NULL;
}

int main(int argc, char **argv)
{
	const char *which = argc > 1 ? argv[1] : "all";
	bool unit = strcmp(which, "system") != 0;
	bool sys = strcmp(which, "unit") != 0;
	struct skips sk = { 0 };
	SRunner *sr;
	int run, failed;

	if (!unit && !sys) {
		fprintf(stderr, "usage: check-all [unit|system|all]\n");
		return 2;
	}
	sr = srunner_create(NULL);
	if (unit) {
		srunner_add_suite(sr, make_units_suite());
		srunner_add_suite(sr, make_cells_suite());
		srunner_add_suite(sr, make_topo_suite());
		srunner_add_suite(sr, make_constraint_suite());
		srunner_add_suite(sr, make_addr_suite());
		srunner_add_suite(sr, make_world_names_suite());
		srunner_add_suite(sr, make_state_suite());
		srunner_add_suite(sr, make_cli_suite());
		srunner_add_suite(sr, make_caps_suite());
		srunner_add_suite(sr, make_netem_suite());
		srunner_add_suite(sr, make_resolve_suite());
		srunner_add_suite(sr, make_wand_suite());
		srunner_add_suite(sr, make_trace_suite());
		srunner_add_suite(sr, make_ovs_suite());
		srunner_add_suite(sr, make_lxc_suite());
		srunner_add_suite(sr, make_stack_suite());
		srunner_add_suite(sr, make_qemu_suite());
		srunner_add_suite(sr, make_measure_suite());
		srunner_add_suite(sr, make_checksrc_suite());
		srunner_add_suite(sr, make_stats_suite());
		SYS_SUITE(sr, &sk, kv);
		srunner_add_suite(sr, make_wlimport_suite());
		SYS_SUITE(sr, &sk, results);
		SYS_SUITE(sr, &sk, report);
		srunner_add_suite(sr, make_sweep_suite());
		srunner_add_suite(sr, make_ci_suite());
		srunner_add_suite(sr, make_traffic_suite());
		srunner_add_suite(sr, make_stackwl_suite());
		SYS_SUITE(sr, &sk, workload);
		srunner_add_suite(sr, make_harden_suite());
		srunner_add_suite(sr, make_placement_suite());
		srunner_add_suite(sr, make_tunnel_suite());
		srunner_add_suite(sr, make_host_suite());
		srunner_add_suite(sr, make_cgroup_suite());
		srunner_add_suite(sr, make_nodefault_suite());
		srunner_add_suite(sr, make_fuzz_replay_suite());
		srunner_add_suite(sr, make_bombs_suite());
		srunner_add_suite(sr, make_crash_suite());
	}
	if (sys) {
		SYS_SUITE(sr, &sk, sys_emulator);
		SYS_SUITE(sr, &sk, sys_probe);
		SYS_SUITE(sr, &sk, sys_cli);
		SYS_SUITE(sr, &sk, sys_netem);
		SYS_SUITE(sr, &sk, sys_netem_guest);
		SYS_SUITE(sr, &sk, sys_wand);
		SYS_SUITE(sr, &sk, sys_wan);
		SYS_SUITE(sr, &sk, sys_lan);
		SYS_SUITE(sr, &sk, sys_trace);
		SYS_SUITE(sr, &sk, sys_ovs);
		SYS_SUITE(sr, &sk, sys_lxc);
		SYS_SUITE(sr, &sk, sys_stack);
		SYS_SUITE(sr, &sk, sys_qemu);
		SYS_SUITE(sr, &sk, sys_mixed);
		SYS_SUITE(sr, &sk, sys_openstack);
		SYS_SUITE(sr, &sk, sys_sweep);
		SYS_SUITE(sr, &sk, sys_ci);
		SYS_SUITE(sr, &sk, sys_traffic);
		SYS_SUITE(sr, &sk, sys_stackwl);
		SYS_SUITE(sr, &sk, sys_workload);
		SYS_SUITE(sr, &sk, sys_harden);
		SYS_SUITE(sr, &sk, sys_hosts);
		SYS_SUITE(sr, &sk, sys_tunnel);
		SYS_SUITE(sr, &sk, sys_profiles);
		SYS_SUITE(sr, &sk, sys_nodefault);
		SYS_SUITE(sr, &sk, sys_report);
		SYS_SUITE(sr, &sk, sys_crash);
		SYS_SUITE(sr, &sk, sys_concurrent);
	}
	srunner_run_all(sr, CK_NORMAL);
	run = srunner_ntests_run(sr);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	fflush(stdout);
	printf("%d passed, %d failed, %d skipped\n", run - failed, failed, sk.n);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
