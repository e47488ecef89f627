/* cmd_wand — `enos wand-engine --ctl PATH --seed N [--log PATH] PORT...`:
 * the process wand_spawn() starts, which runs the wand WAN engine
 * (emulator/wand_engine.c) on the given host ports until it is told to
 * quit or gets SIGTERM. Hidden: enos starts it, users do not.
 */
#include <errno.h>
#include <stdbool.h>
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

/* Write our pid to PATH unless it names another process that still runs
 * (a second engine on the same socket must not take the first one's
 * file). Returns whether the file is ours. */
static bool pidfile_claim(const char *path)
{
	char proc[64];
	int other = 0;
	FILE *f = fopen(path, "r");

	if (f) {
		if (fscanf(f, "%d", &other) != 1)
			other = 0;
		fclose(f);
		snprintf(proc, sizeof(proc), "/proc/%d", other);
		if (other > 0 && other != (int)getpid() && access(proc, F_OK) == 0)
			return false;
	}
	f = fopen(path, "w");
	if (!f)
		return false;
	fprintf(f, "%d\n", (int)getpid());
	return fclose(f) == 0;
}

int cmd_wand_engine(struct enos_ctx *ctx, int argc, char **argv)
{
	char pidfile[PATH_MAX];
	bool mine;
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
	(void)ctx;

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
	mine = pidfile_claim(pidfile);
	rc = wand_run(&cfg);
	if (mine)
		unlink(pidfile);
	if (rc) {
		cli_error("wand engine on '%s': %s", cfg.ctl_path, strerror(-rc));
		return EXIT_FAIL;
	}
	return EXIT_OK;
}
