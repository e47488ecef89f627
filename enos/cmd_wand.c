/* cmd_wand — `enos wand-engine --ctl PATH --seed N [--log PATH] PORT...`:
 * the process wand_spawn() starts, which runs the wand WAN engine
 * (emulator/wand_engine.c) on the given host ports until it is told to
 * quit or gets SIGTERM. Hidden: enos starts it, users do not.
 */
#include <errno.h>
#include <limits.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "emulator/wand.h"
#include "enos/cli.h"
#include "enos/cmd_wand.h"

#define USAGE "usage: enos wand-engine --ctl PATH --seed N [--log PATH] [--rt PRIO] PORT..."

int cmd_wand_engine(struct enos_ctx *ctx, int argc, char **argv)
{
	char pidfile[PATH_MAX];
	FILE *f;
	static const struct option opts[] = {
		{ "ctl", required_argument, NULL, 'c' },
		{ "seed", required_argument, NULL, 's' },
		{ "log", required_argument, NULL, 'l' },
		{ "rt", required_argument, NULL, 'r' },
		{ NULL, 0, NULL, 0 },
	};
	struct wand_config cfg;
	unsigned long long seed;
	char *end;
	int opt, rc;

	memset(&cfg, 0, sizeof(cfg));
	optind = 0;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "+", opts, NULL)) != -1) {
		switch (opt) {
		case 'c':
			cfg.ctl_path = optarg;
			break;
		case 's':
			errno = 0;
			seed = strtoull(optarg, &end, 0);
			if (errno || *end || end == optarg || optarg[0] == '-') {
				cli_error("--seed '%s' is not an unsigned number",
					  optarg);
				return EXIT_USAGE;
			}
			cfg.seed = seed;
			break;
		case 'l':
			cfg.log_path = optarg;
			break;
		case 'r':
			errno = 0;
			seed = strtoull(optarg, &end, 10);
			if (errno || *end || end == optarg || seed > 99) {
				cli_error("--rt '%s' is not a priority from 0 to 99",
					  optarg);
				return EXIT_USAGE;
			}
			cfg.rt_priority = (int)seed;
			break;
		default:
			fprintf(stderr, "error: %s\n", USAGE);
			return EXIT_USAGE;
		}
	}
	if (!cfg.ctl_path || optind >= argc) {
		fprintf(stderr, "error: %s\n", USAGE);
		return EXIT_USAGE;
	}
	cfg.ports = (const char *const *)&argv[optind];
	cfg.n_ports = (size_t)(argc - optind);
	if (cfg.n_ports > WAND_MAX_PORTS) {
		cli_error("at most %d ports", WAND_MAX_PORTS);
		return EXIT_USAGE;
	}
	/* The pid file lets `down` find an engine whose starter was killed
	 * before it could record the pid (enos/shaping.c). */
	snprintf(pidfile, sizeof(pidfile), "%s.pid", cfg.ctl_path);
	f = fopen(pidfile, "w");
	if (f) {
		fprintf(f, "%d\n", (int)getpid());
		fclose(f);
	}
	rc = wand_run(&cfg);
	unlink(pidfile);
	if (rc) {
		cli_error("wand engine on '%s': %s", cfg.ctl_path, strerror(-rc));
		return EXIT_FAIL;
	}
	return EXIT_OK;
}
