/* main — the enos command line: global options, the command table, and
 * dispatch (git's cmd_struct + run_builtin): cli_run() enforces each row
 * (options, operand counts, root, experiment) before the command runs, so
 * each command has everything parsed and validated before it touches the
 * kernel.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/resource.h>

#include "emulator/emu.h"
#include "enos/cli.h"
#include "enos/cmd/cmd.h"
#include "enos/state.h"

/* The commands, in the order `enos --help` lists them. Each row is in its
 * file, enos/cmd/NAME.c: options, operand counts, root, experiment. */
static const struct enos_cmd *const cmds[] = {
	&cmd_check,
	&cmd_up,
	&cmd_status,
	&cmd_exec,
	&cmd_down,
	&cmd_run,
	&cmd_sweep,
	&cmd_tc,
	&cmd_fault,
	&cmd_deploy,
	&cmd_services,
	&cmd_service,
	&cmd_probe_ready,
	&cmd_wand_engine,
	&cmd_trace_play,
	&cmd_report,
	&cmd_results,
	&cmd_ci,
	&cmd_traffic,
	&cmd_bench,
	&cmd_hosts,
	&cmd_host,
	NULL,
};

static void print_help(FILE *out)
{
	const struct enos_cmd *const *c;

	fprintf(out, "usage: enos [--db PATH] COMMAND [ARGS]\n\n"
		"enos builds emulated edge and fog worlds from a topology file.\n\n"
		"commands:\n");
	for (c = cmds; *c; c++)
		if (!((*c)->flags & CMD_HIDDEN))
			fprintf(out, "  %-8s %s%s\n", (*c)->name, (*c)->summary,
				(*c)->flags & CMD_NEEDS_ROOT ? " (root)" : "");
	fprintf(out, "\noptions:\n"
		"  --db PATH    the state and results database (default $ENOS_DB or %s)\n"
		"  --version    print the version\n"
		"  --help       this text; 'enos COMMAND --help' for a command\n",
		STATE_DEFAULT_PATH);
}

/* Flush stdout and report a failed write (git's check on exit). */
static int finish(int status)
{
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "error: cannot write to standard output: %s\n",
			strerror(errno));
		return EXIT_FAIL;
	}
	return status;
}

/* The probe and the world builder hold a descriptor per pair or node:
 * raise the soft limit to the hard one, as servers do. */
static void raise_fd_limit(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

int main(int argc, char **argv)
{
	struct enos_ctx ctx = { 0 };
	int i = 1, status;

	ctx.db_path = getenv("ENOS_DB");
	if (!ctx.db_path || !*ctx.db_path)
		ctx.db_path = STATE_DEFAULT_PATH;
	ctx.progress = isatty(STDERR_FILENO);
	raise_fd_limit();
	for (; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			print_help(stdout);
			return finish(EXIT_OK);
		} else if (strcmp(argv[i], "--version") == 0) {
			printf("enos %s\n", ENOS_VERSION);
			return finish(EXIT_OK);
		} else if (strcmp(argv[i], "--db") == 0 && i + 1 < argc) {
			ctx.db_path = argv[++i];
		} else {
			fprintf(stderr, "error: unknown option '%s'\n", argv[i]);
			print_help(stderr);
			return EXIT_USAGE;
		}
	}
	if (i >= argc) {
		print_help(stderr);
		return EXIT_USAGE;
	}
	ctx.euid = geteuid();
	status = cli_run(&ctx, cmds, argc - i, argv + i);
	emu_close(ctx.emu);
	state_close(ctx.st);
	return finish(status);
}
