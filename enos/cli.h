/* cli — what the commands (enos/cmd/) share: the context (state
 * database, emulator), the row every command declares and cli_run() that
 * enforces it, the one option parser, message helpers in git's style,
 * experiment name resolution, progress on a TTY.
 *
 * Only enos/ prints. Messages are lowercase, without a final full stop, the
 * subject in quotes: "error: experiment 'fog3' is already up".
 */
#ifndef ENOS_CLI_H
#define ENOS_CLI_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "enos/state.h"

struct emu;
struct topology;

#define ENOS_VERSION "0.1.0"

/* Exit codes. */
#define EXIT_OK    0
#define EXIT_FAIL  1
#define EXIT_USAGE 2

struct enos_ctx {
	const char *db_path;
	struct state *st;       /* opened by cli_state() */
	struct emu *emu;        /* opened by cli_emu() */
	uid_t euid;             /* main's geteuid(): a CMD_NEEDS_ROOT row wants 0 */
	bool progress;          /* stderr is a TTY: show progress lines */
	bool no_deploy;         /* up/run: do not deploy the topology's stack */
	bool overcommit;        /* up/run: build a world the host cannot hold */
	/* The experiment lock this process holds (phase_lock): its name
	 * ("" for none) and the descriptor its flock is on. */
	char lock_exp[64];
	int lock_fd;
};

/* One option of a command (git's struct option, without callbacks): the
 * parser stores a flag's true or a value's string at OFFSET in the
 * command's options struct. -h/--help is every command's and is not
 * listed. Names are compared exactly: no abbreviations. */
enum cmd_opt_type {
	CMD_OPT_FLAG,           /* bool */
	CMD_OPT_STRING,         /* const char *: the value that follows */
	CMD_OPT_NAME,           /* -n, --name NAME: into cmd_args.name */
};

struct cmd_option {
	const char *long_name;  /* NULL ends a table */
	char short_name;        /* 0: none */
	enum cmd_opt_type type;
	size_t offset;          /* CMD_OPT_FLAG, CMD_OPT_STRING */
};
#define CMD_OPT_EXPERIMENT { "name", 'n', CMD_OPT_NAME, 0 }
#define CMD_OPT_BOOL(long_name, type, field) \
	{ long_name, 0, CMD_OPT_FLAG, offsetof(type, field) }
#define CMD_OPT_STR(long_name, type, field) \
	{ long_name, 0, CMD_OPT_STRING, offsetof(type, field) }

/* What a command gets from cli_run(). */
struct cmd_args {
	const char *name;       /* -n NAME, or NULL */
	char exp[64];           /* the experiment the row's selection chose, or "" */
	int argc;               /* the operands (after the options), */
	char **argv;            /* NULL-terminated */
	void *opts;             /* the command's options struct, zeroed, or NULL */
	struct topology *topo;  /* CMD_NEEDS_TOPOLOGY: loaded from argv[0] */
};

/* How cli_run() selects the experiment a command acts on (cli_experiment()),
 * once, before the command runs. */
enum cmd_exp {
	CMD_EXP_NONE,           /* the command does it itself, if at all */
	CMD_EXP_NAMED,          /* -n NAME, when given, must be recorded */
	CMD_EXP_ONE,            /* -n NAME, or the only recorded experiment */
};

/* One command (git's cmd_struct + run_builtin, OVS ctl_command_syntax):
 * each enos/cmd/NAME.c defines its row, main.c lists them. cli_run()
 * enforces the row in this order: options (usage error, exit 2), operand
 * counts (exit 2), VALIDATE (option values and operands; exit 2), the
 * topology file (exit 1 with its FILE:LINE:COL message), root (exit 1),
 * experiment (exit 1), then RUN. So a usage error comes first, `--help`
 * works for anyone, and nothing has touched the system before RUN. */
struct enos_cmd {
	const char *name;
	const char *usage;      /* after "enos NAME " */
	const char *summary;    /* one line for `enos --help` */
	const char *help;       /* the body of `enos NAME --help` */
	unsigned flags;
	enum cmd_exp exp;
	int min_args, max_args; /* operands; max CMD_ARGS_ANY: no limit */
	const struct cmd_option *options;   /* or NULL */
	size_t opts_size;       /* of the struct OPTIONS write into */
	/* Check (and convert, into A->opts) option values and operands; 0, or
	 * the exit status after the message (EXIT_USAGE). May be NULL. */
	int (*validate)(const struct enos_cmd *c, struct cmd_args *a);
	/* Returns the exit status. */
	int (*run)(struct enos_ctx *ctx, const struct cmd_args *a);
};
#define CMD_NEEDS_ROOT     (1u << 0)
#define CMD_HIDDEN         (1u << 1)  /* not listed by --help */
#define CMD_OPTS_ANYWHERE  (1u << 2)  /* options may follow operands: check TOPO --pairs */
#define CMD_NEEDS_TOPOLOGY (1u << 3)  /* operand 0 is TOPOLOGY.yaml: cmd_args.topo */
#define CMD_ARGS_ANY       (-1)

void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void cli_warning(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void cli_hint(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Print "usage: enos CMD USAGE" and the hint to --help; returns EXIT_USAGE. */
int cli_usage(const struct enos_cmd *cmd);

/* The row of TABLE (NULL-terminated) named exactly NAME, or NULL. */
const struct enos_cmd *cli_find_cmd(const struct enos_cmd *const *table,
				    const char *name);

/* Run the command ARGV[0] of TABLE (NULL-terminated) with the operands and
 * options that follow, enforcing its row (see struct enos_cmd). Returns the
 * exit status: "'X' is not an enos command" is EXIT_USAGE. */
int cli_run(struct enos_ctx *ctx, const struct enos_cmd *const *table,
	    int argc, char **argv);

/* The one option parser: ARGV[1..] of command C into *A (A->opts must hold
 * C->opts_size bytes). Options stop at the first operand or "--" unless C
 * has CMD_OPTS_ANYWHERE. An option that another command of TABLE (not a
 * hidden one) takes "does not apply"; any other is "unknown option 'X'".
 * Returns 0, -1 after printing the help, or EXIT_USAGE after the message
 * and the usage. A->argv is allocated: cli_args_release(). */
int cli_parse_options(const struct enos_cmd *const *table,
		      const struct enos_cmd *c, int argc, char **argv,
		      struct cmd_args *a);
void cli_args_release(struct cmd_args *a);

/* The value of option --NAME as a whole number from MIN to MAX, into
 * *OUT; else prints "--NAME 'VALUE' is not WHAT from MIN to MAX" (WHAT: "a
 * count") and returns -EINVAL. For validate functions. */
int cli_opt_range(const char *name, const char *value, long min, long max,
		  const char *what, long *out);

/* Open the state database (once); prints the error. 0 or -errno. */
int cli_state(struct enos_ctx *ctx);
/* Open the emulator context (once); prints the error. 0 or -errno. */
int cli_emu(struct enos_ctx *ctx);
/* Resolve the experiment a command acts on: NAME if given (it must be
 * recorded), else the only recorded one. Writes it to OUT (64 bytes).
 * Prints the error. 0 or -errno. */
int cli_experiment(struct enos_ctx *ctx, const char *name, char *out);

/* world_progress_fn that draws "\rPHASE: DONE/TOTAL" on a TTY. */
void cli_progress(void *arg, const char *phase, size_t done, size_t total);

/* Seconds on the monotonic clock. */
double cli_now(void);

#endif
