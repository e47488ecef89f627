/* cli — what the command implementations share: the context (state
 * database, emulator), message helpers in git's style, experiment name
 * resolution, progress on a TTY.
 *
 * Only enos/ prints. Messages are lowercase, without a final full stop, the
 * subject in quotes: "error: experiment 'fog3' is already up".
 */
#ifndef ENOS_CLI_H
#define ENOS_CLI_H

#include <getopt.h>
#include <signal.h>
#include <stdbool.h>

#include "enos/state.h"

struct emu;

#define ENOS_VERSION "0.1.0"

/* Exit codes. */
#define EXIT_OK    0
#define EXIT_FAIL  1
#define EXIT_USAGE 2

struct enos_ctx {
	const char *db_path;
	struct state *st;       /* opened by cli_state() */
	struct emu *emu;        /* opened by cli_emu() */
	bool progress;          /* stderr is a TTY: show progress lines */
	bool no_deploy;         /* up/run: do not deploy the topology's stack */
};

/* One command of the table in main.c. */
struct enos_cmd {
	const char *name;
	int (*fn)(struct enos_ctx *ctx, int argc, char **argv);
	const char *usage;      /* after "enos NAME " */
	const char *summary;    /* one line for `enos --help` */
	const char *help;       /* the body of `enos NAME --help` */
	unsigned flags;
};
#define CMD_NEEDS_ROOT (1u << 0)
#define CMD_HIDDEN     (1u << 1)   /* not listed by --help */

void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void cli_warning(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void cli_hint(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Print "error: usage: enos CMD USAGE" and return EXIT_USAGE. */
int cli_usage(const struct enos_cmd *cmd);

/* The options of the world and stack commands (cmd_world.c, cmd_stack.c):
 * each file lists the ones it knows in a struct option table with these
 * values, and cli_parse_args() fills a struct cli_args from them. */
enum { CLI_OPT_HELP = 'h', CLI_OPT_NAME = 'n', CLI_OPT_JSON = 1000,
       CLI_OPT_FORCE, CLI_OPT_ALL, CLI_OPT_NO_DEPLOY, CLI_OPT_INSTALL };

struct cli_args {
	const char *name;
	bool json, force, all, no_deploy, install;
	int rest;               /* index of the first operand */
};

/* Parse ARGV's options (`-h`, `-n NAME` and the long OPTS) for command
 * C (cli_find_cmd()) into *A; ALLOWED lists the long options C takes (one in OPTS but
 * not in ALLOWED is an error that says so). Returns 0, EXIT_USAGE after
 * the error and usage, or -1 after printing help. */
int cli_parse_args(const struct enos_cmd *c, int argc, char **argv,
		   const struct option *opts, const char *allowed,
		   struct cli_args *a);
const struct enos_cmd *cli_find_cmd(const char *name);

/* Open the state database (once); prints the error. 0 or -errno. */
int cli_state(struct enos_ctx *ctx);
/* Open the emulator context (once); prints the error. 0 or -errno. */
int cli_emu(struct enos_ctx *ctx);
/* Require root for WHAT; prints why not. 0 or -EPERM. */
int cli_need_root(const char *what);

/* Resolve the experiment a command acts on: NAME if given (it must be
 * recorded), else the only recorded one. Writes it to OUT (64 bytes).
 * Prints the error. 0 or -errno. */
int cli_experiment(struct enos_ctx *ctx, const char *name, char *out);

/* world_progress_fn that draws "\rPHASE: DONE/TOTAL" on a TTY. */
void cli_progress(void *arg, const char *phase, size_t done, size_t total);

/* Seconds on the monotonic clock. */
double cli_now(void);

/* The commands (enos/cmd_*.c). */
int cmd_check(struct enos_ctx *ctx, int argc, char **argv);
int cmd_up(struct enos_ctx *ctx, int argc, char **argv);
int cmd_down(struct enos_ctx *ctx, int argc, char **argv);
int cmd_status(struct enos_ctx *ctx, int argc, char **argv);
int cmd_exec(struct enos_ctx *ctx, int argc, char **argv);
int cmd_run(struct enos_ctx *ctx, int argc, char **argv);
int cmd_report(struct enos_ctx *ctx, int argc, char **argv);
int cmd_tc(struct enos_ctx *ctx, int argc, char **argv);
int cmd_fault(struct enos_ctx *ctx, int argc, char **argv);
int cmd_deploy(struct enos_ctx *ctx, int argc, char **argv);
int cmd_services(struct enos_ctx *ctx, int argc, char **argv);
int cmd_service(struct enos_ctx *ctx, int argc, char **argv);
int cmd_probe_ready(struct enos_ctx *ctx, int argc, char **argv);

#endif
