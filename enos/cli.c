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
	}
	return rc;
}

int cli_need_root(const char *what)
{
	if (geteuid() == 0)
		return 0;
	cli_error("%s needs root (it creates network namespaces, links and bridges)",
		  what);
	return -EPERM;
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

int cli_parse_args(const struct enos_cmd *c, int argc, char **argv,
		   const struct option *opts, const char *allowed,
		   struct cli_args *a)
{
	int opt;

	memset(a, 0, sizeof(*a));
	optind = 0;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "+hn:", opts, NULL)) != -1) {
		const char *long_name = NULL;

		switch (opt) {
		case CLI_OPT_HELP:
			printf("usage: enos %s %s\n\n%s", c->name, c->usage, c->help);
			return -1;
		case CLI_OPT_NAME: long_name = "name"; a->name = optarg; break;
		case CLI_OPT_JSON: long_name = "json"; a->json = true; break;
		case CLI_OPT_FORCE: long_name = "force"; a->force = true; break;
		case CLI_OPT_ALL: long_name = "all"; a->all = true; break;
		case CLI_OPT_NO_DEPLOY: long_name = "no-deploy"; a->no_deploy = true; break;
		case CLI_OPT_INSTALL: long_name = "install"; a->install = true; break;
		default:
			cli_error("unknown option '%s'", argv[optind - 1]);
			return cli_usage(c);
		}
		if (!strstr(allowed, long_name)) {
			cli_error("option '--%s' does not apply to 'enos %s'",
				  long_name, c->name);
			return cli_usage(c);
		}
	}
	a->rest = optind;
	return 0;
}
