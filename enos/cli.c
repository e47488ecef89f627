/* cli — shared command-line helpers; see cli.h. */
#include "enos/cli.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "emulator/emu.h"
#include "enos/topo.h"

static void vmessage(const char *prefix, const char *fmt, va_list ap)
{
	fflush(stdout);
	fputs(prefix, stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void cli_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmessage("error: ", fmt, ap);
	va_end(ap);
}

void cli_warning(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmessage("warning: ", fmt, ap);
	va_end(ap);
}

void cli_hint(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmessage("hint: ", fmt, ap);
	va_end(ap);
}

int cli_usage(const struct enos_cmd *cmd)
{
	fprintf(stderr, "usage: enos %s %s\n", cmd->name, cmd->usage);
	fprintf(stderr, "Try 'enos %s --help' for more.\n", cmd->name);
	return EXIT_USAGE;
}

int cli_state(struct enos_ctx *ctx)
{
	char *err = NULL;
	int rc;

	if (ctx->st)
		return 0;
	rc = state_open(ctx->db_path, &ctx->st, &err);
	if (rc < 0) {
		cli_error("cannot open the state database '%s': %s",
			  ctx->db_path, err ? err : strerror(-rc));
		free(err);
		/* It is made 0600 in a 0700 directory: root's alone. */
		if (ctx->euid != 0 && access(ctx->db_path, R_OK) != 0)
			cli_hint("the state database is readable by its owner only (root's): run enos as root, or give another with --db");
	}
	return rc;
}

int cli_emu(struct enos_ctx *ctx)
{
	int rc;

	if (ctx->emu)
		return 0;
	rc = emu_open(&ctx->emu);
	if (rc < 0)
		cli_error("cannot open the emulator (netlink): %s", strerror(-rc));
	return rc;
}

int cli_experiment(struct enos_ctx *ctx, const char *name, char *out)
{
	struct exp_info info;
	char **names = NULL;
	size_t n = 0;
	int rc;

	rc = cli_state(ctx);
	if (rc < 0)
		return rc;
	if (name) {
		rc = state_get(ctx->st, name, &info);
		if (rc == -ENOENT)
			cli_error("no experiment '%s' is recorded", name);
		else if (rc < 0)
			cli_error("cannot read experiment '%s': %s", name,
				  state_errmsg(ctx->st));
		else
			snprintf(out, 64, "%s", name);
		return rc;
	}
	rc = state_list(ctx->st, &names, &n);
	if (rc < 0) {
		cli_error("cannot list experiments: %s", state_errmsg(ctx->st));
		goto out;
	}
	if (n == 1) {
		snprintf(out, 64, "%s", names[0]);
	} else if (n == 0) {
		cli_error("no experiment is up");
		rc = -ENOENT;
	} else {
		cli_error("%zu experiments are up (%s, %s%s): say which with -n NAME",
			  n, names[0], names[1], n > 2 ? ", ..." : "");
		rc = -EINVAL;
	}
out:
	state_free_names(names);
	return rc;
}

void cli_progress(void *arg, const char *phase, size_t done, size_t total)
{
	const struct enos_ctx *ctx = arg;

	if (!ctx || !ctx->progress)
		return;
	fprintf(stderr, "\r%s: %zu/%zu", phase, done, total);
	if (done >= total)
		fputs("\033[K\n", stderr);
	fflush(stderr);
}

double cli_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

const struct enos_cmd *cli_find_cmd(const struct enos_cmd *const *table,
				    const char *name)
{
	for (; *table; table++)
		if (strcmp((*table)->name, name) == 0)
			return *table;
	return NULL;
}

/* C's option with long name NAME (LEN bytes), or with short name SHORT. */
static const struct cmd_option *find_option(const struct enos_cmd *c,
					    const char *name, size_t len,
					    char short_name)
{
	const struct cmd_option *o;

	for (o = c->options; o && o->long_name; o++) {
		if (name && strlen(o->long_name) == len &&
		    memcmp(o->long_name, name, len) == 0)
			return o;
		if (!name && short_name && o->short_name == short_name)
			return o;
	}
	return NULL;
}

/* The option as a command of TABLE other than C (hidden ones aside)
 * spells it, for "does not apply"; NULL if none knows it. */
static const struct cmd_option *find_elsewhere(const struct enos_cmd *const *table,
					       const struct enos_cmd *c,
					       const char *name, size_t len,
					       char short_name)
{
	const struct cmd_option *o;

	for (; table && *table; table++) {
		if (*table == c || ((*table)->flags & CMD_HIDDEN))
			continue;
		o = find_option(*table, name, len, short_name);
		if (o)
			return o;
	}
	return NULL;
}

static void store(const struct cmd_option *o, struct cmd_args *a,
		  const char *value)
{
	char *base = a->opts;

	switch (o->type) {
	case CMD_OPT_FLAG:
		*(bool *)(base + o->offset) = true;
		break;
	case CMD_OPT_STRING:
		*(const char **)(base + o->offset) = value;
		break;
	case CMD_OPT_NAME:
		a->name = value;
		break;
	}
}

static int print_cmd_help(const struct enos_cmd *c)
{
	printf("usage: enos %s %s\n\n%s", c->name, c->usage, c->help);
	return -1;
}

/* An option that is not C's: known elsewhere or not at all. */
static int not_an_option(const struct enos_cmd *const *table,
			 const struct enos_cmd *c, const char *arg,
			 const char *name, size_t len, char short_name)
{
	const struct cmd_option *o = find_elsewhere(table, c, name, len, short_name);

	if (o)
		cli_error("option '--%s' does not apply to 'enos %s'",
			  o->long_name, c->name);
	else
		cli_error("unknown option '%s'", arg);
	return cli_usage(c);
}

/* ARGV[*I] is "--NAME" or "--NAME=VALUE". */
static int parse_long(const struct enos_cmd *const *table,
		      const struct enos_cmd *c, int argc, char **argv, int *i,
		      struct cmd_args *a)
{
	const char *arg = argv[*i], *name = arg + 2, *eq = strchr(name, '=');
	size_t len = eq ? (size_t)(eq - name) : strlen(name);
	const struct cmd_option *o = find_option(c, name, len, 0);

	if (!o && !eq && strcmp(name, "help") == 0)
		return print_cmd_help(c);
	if (!o)
		return not_an_option(table, c, arg, name, len, 0);
	if (o->type == CMD_OPT_FLAG) {
		if (eq) {
			cli_error("unknown option '%s'", arg);
			return cli_usage(c);
		}
		store(o, a, NULL);
	} else if (eq) {
		store(o, a, eq + 1);
	} else if (*i + 1 < argc) {
		store(o, a, argv[++*i]);
	} else {
		cli_error("unknown option '%s'", arg);
		return cli_usage(c);
	}
	return 0;
}

/* ARGV[*I] is "-X", "-XY" (flags), or "-XVALUE". */
static int parse_short(const struct enos_cmd *const *table,
		       const struct enos_cmd *c, int argc, char **argv, int *i,
		       struct cmd_args *a)
{
	const char *arg = argv[*i], *p;
	const struct cmd_option *o;

	for (p = arg + 1; *p; p++) {
		o = find_option(c, NULL, 0, *p);
		if (!o && *p == 'h')
			return print_cmd_help(c);
		if (!o)
			return not_an_option(table, c, arg, NULL, 0, *p);
		if (o->type == CMD_OPT_FLAG) {
			store(o, a, NULL);
		} else if (p[1]) {
			store(o, a, p + 1);
			break;
		} else if (*i + 1 < argc) {
			store(o, a, argv[++*i]);
			break;
		} else {
			cli_error("unknown option '%s'", arg);
			return cli_usage(c);
		}
	}
	return 0;
}

int cli_parse_options(const struct enos_cmd *const *table,
		      const struct enos_cmd *c, int argc, char **argv,
		      struct cmd_args *a)
{
	bool anywhere = c->flags & CMD_OPTS_ANYWHERE;
	int i, rc = 0;

	a->name = NULL;
	a->exp[0] = '\0';
	a->argc = 0;
	a->argv = calloc((size_t)argc + 1, sizeof(*a->argv));
	if (!a->argv) {
		cli_error("out of memory");
		return EXIT_FAIL;
	}
	for (i = 1; i < argc && rc == 0; i++) {
		const char *arg = argv[i];

		if (strcmp(arg, "--") == 0) {
			i++;
			break;
		}
		if (arg[0] != '-' || arg[1] == '\0') {
			if (!anywhere)
				break;
			a->argv[a->argc++] = argv[i];
		} else if (arg[1] == '-') {
			rc = parse_long(table, c, argc, argv, &i, a);
		} else {
			rc = parse_short(table, c, argc, argv, &i, a);
		}
	}
	for (; i < argc && rc == 0; i++)
		a->argv[a->argc++] = argv[i];
	return rc;
}

int cli_opt_range(const char *name, const char *value, long min, long max,
		  const char *what, long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(value, &end, 10);
	if (errno || *end || end == value || v < min || v > max) {
		cli_error("--%s '%s' is not %s from %ld to %ld", name, value,
			  what, min, max);
		return -EINVAL;
	}
	*out = v;
	return 0;
}

void cli_args_release(struct cmd_args *a)
{
	free(a->argv);
	a->argv = NULL;
	a->argc = 0;
}

/* Load and validate the topology at PATH; prints its one error. */
static int load_topology(const char *path, struct topology **out)
{
	char *err = NULL;

	*out = topo_load(path, &err);
	if (*out)
		return 0;
	fprintf(stderr, "%s\n", err ? err : "error: out of memory");
	free(err);
	return -EINVAL;
}

int cli_run(struct enos_ctx *ctx, const struct enos_cmd *const *table,
	    int argc, char **argv)
{
	const struct enos_cmd *c = cli_find_cmd(table, argv[0]);
	struct cmd_args a = { 0 };
	int rc;

	if (!c) {
		cli_error("'%s' is not an enos command", argv[0]);
		fprintf(stderr, "Try 'enos --help'.\n");
		return EXIT_USAGE;
	}
	if (c->opts_size && !(a.opts = calloc(1, c->opts_size))) {
		cli_error("out of memory");
		return EXIT_FAIL;
	}
	rc = cli_parse_options(table, c, argc, argv, &a);
	if (rc) {
		rc = rc < 0 ? EXIT_OK : rc;
		goto out;
	}
	if (a.argc < c->min_args ||
	    (c->max_args != CMD_ARGS_ANY && a.argc > c->max_args)) {
		rc = cli_usage(c);
		goto out;
	}
	if (c->validate && (rc = c->validate(c, &a)) != 0)
		goto out;
	if ((c->flags & CMD_NEEDS_TOPOLOGY) && load_topology(a.argv[0], &a.topo) < 0) {
		rc = EXIT_FAIL;
		goto out;
	}
	if ((c->flags & CMD_NEEDS_ROOT) && ctx->euid != 0) {
		cli_error("enos %s needs root (it creates network namespaces, links and bridges)",
			  c->name);
		rc = EXIT_FAIL;
		goto out;
	}
	if ((c->exp == CMD_EXP_ONE || (c->exp == CMD_EXP_NAMED && a.name)) &&
	    cli_experiment(ctx, a.name, a.exp) < 0) {
		rc = EXIT_FAIL;
		goto out;
	}
	rc = c->run(ctx, &a);
out:
	topo_free(a.topo);
	cli_args_release(&a);
	free(a.opts);
	return rc;
}
