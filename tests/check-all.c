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
};

void skip_add(struct skips *sk, const char *name, const char *why)
{
	printf("SKIP: %s: %s\n", name, why);
	sk->n++;
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
		srunner_add_suite(sr, make_topo_suite());
		srunner_add_suite(sr, make_addr_suite());
		srunner_add_suite(sr, make_world_names_suite());
		srunner_add_suite(sr, make_state_suite());
		srunner_add_suite(sr, make_cli_suite());
		srunner_add_suite(sr, make_caps_suite());
		srunner_add_suite(sr, make_netem_suite());
		srunner_add_suite(sr, make_resolve_suite());
		srunner_add_suite(sr, make_wand_suite());
		srunner_add_suite(sr, make_ovs_suite());
	}
	if (sys) {
		srunner_add_suite(sr, make_sys_emulator_suite(&sk));
		srunner_add_suite(sr, make_sys_probe_suite(&sk));
		srunner_add_suite(sr, make_sys_cli_suite(&sk));
		srunner_add_suite(sr, make_sys_netem_suite(&sk));
		srunner_add_suite(sr, make_sys_netem_guest_suite(&sk));
		srunner_add_suite(sr, make_sys_wand_suite(&sk));
		srunner_add_suite(sr, make_sys_wan_suite(&sk));
		srunner_add_suite(sr, make_sys_ovs_suite(&sk));
	}
	srunner_run_all(sr, CK_NORMAL);
	run = srunner_ntests_run(sr);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	fflush(stdout);
	printf("%d passed, %d failed, %d skipped\n", run - failed, failed, sk.n);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
