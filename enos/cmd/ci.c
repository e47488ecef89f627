/* cmd_ci — `enos ci FILE`: check the figures of a run or a sweep against
 * the thresholds of FILE's `ci:` section (enos/ci.h), print a pass/fail
 * table, write JUnit XML and JSON for the CI system, and exit 0 when every
 * threshold passes, 1 when one fails (a missing figure fails), 2 on a
 * usage error.
 *
 *   enos ci --run ID[,ID...] FILE      the figures of these runs
 *   enos ci --sweep NAME FILE          of the newest execution of a sweep
 *   enos ci FILE                       run FILE first (ci_run_first: the
 *                                      hook `enos run` / `enos sweep` fill)
 *   enos ci --check FILE               validate the ci: section only
 *
 * The figures come from the results database only: runs outlive their
 * experiment, so no root is needed and nothing is touched but the files
 * asked for.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "enos/ci.h"
#include "enos/cli.h"
#include "enos/cmd/cmd.h"
#include "enos/state.h"
#include "enos/topo.h"
#include "util/str.h"
#include "util/strbuf.h"
#include "util/units.h"

/* Runs one --run may list. */
#define CI_RUNS_MAX 1024

struct ci_opts {
	const char *run, *sweep, *baseline, *junit, *json, *save;
	bool check;
	/* Set by validate_ci: */
	int64_t runs[CI_RUNS_MAX];
	size_t n_runs;
};

/* Is S a name enos ci stores (a baseline): a-z, 0-9, '-', '_', not all
 * digits (those are run ids)? */
static bool baseline_name(const char *s)
{
	size_t i;
	bool digits = true;

	if (!*s || strlen(s) >= CI_NAME_MAX)
		return false;
	for (i = 0; s[i]; i++) {
		char c = s[i];

		digits = digits && c >= '0' && c <= '9';
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		      (i && (c == '-' || c == '_'))))
			return false;
	}
	return !digits;
}

/* "12,13,14" into O->runs. */
static int parse_runs(const char *s, struct ci_opts *o)
{
	const char *p = s;
	char num[24];
	uint64_t v;
	bool neg;
	size_t len, i;

	while (*p) {
		len = strcspn(p, ",");
		if (len == 0 || len >= sizeof(num) || o->n_runs == CI_RUNS_MAX)
			return -EINVAL;
		memcpy(num, p, len);
		num[len] = '\0';
		if (units_parse_integer(num, &v, &neg) || neg || v == 0 ||
		    v > INT64_MAX)
			return -EINVAL;
		for (i = 0; i < o->n_runs && o->runs[i] != (int64_t)v; i++)
			;
		if (i == o->n_runs)
			o->runs[o->n_runs++] = (int64_t)v;
		p += len;
		if (*p == ',' && !*++p)
			return -EINVAL;
	}
	return o->n_runs ? 0 : -EINVAL;
}

static int validate_ci(const struct enos_cmd *c, struct cmd_args *a)
{
	struct ci_opts *o = a->opts;
	uint64_t v;
	bool neg;

	if (o->check && (o->run || o->sweep || o->baseline || o->junit ||
			 o->json || o->save)) {
		cli_error("--check takes no other option: it reads FILE alone");
		return cli_usage(c);
	}
	if (o->run && o->sweep) {
		cli_error("--run and --sweep exclude each other");
		return cli_usage(c);
	}
	if (o->run && parse_runs(o->run, o) < 0) {
		cli_error("--run '%s' is not a list of run numbers (e.g. 12 or 12,13)",
			  str_show(o->run).s);
		return cli_usage(c);
	}
	if (o->sweep && !*o->sweep) {
		cli_error("--sweep needs a sweep's name");
		return cli_usage(c);
	}
	if (o->baseline && !baseline_name(o->baseline) &&
	    (units_parse_integer(o->baseline, &v, &neg) || neg || v == 0 ||
	     v > INT64_MAX)) {
		cli_error("--baseline '%s' is neither a run number nor a baseline's name",
			  str_show(o->baseline).s);
		return cli_usage(c);
	}
	if (o->save && !baseline_name(o->save)) {
		cli_error("--save-baseline '%s' is not a name (a-z, 0-9, '-' and '_', not only digits)",
			  str_show(o->save).s);
		return cli_usage(c);
	}
	if ((o->junit && !*o->junit) || (o->json && !*o->json)) {
		cli_error("--junit and --json need a file");
		return cli_usage(c);
	}
	return 0;
}

/* The hook "run the experiment or sweep first": called when neither
 * --run nor --sweep is given, after FILE's ci: section was read (SPEC)
 * and before anything is evaluated. It runs what FILE describes — a
 * topology with `enos run`'s steps and its workloads, or a sweep with
 * `enos sweep`'s — printing its own progress and errors, and gives back
 * the runs it stored in *RUNS (allocated) of *N, with LABEL ("sweep
 * 'nightly'", LEN bytes) naming them in the outputs. Returns 0, or -errno
 * (enos ci then exits 1, or 2 for -ENOTSUP: nothing to run with).
 *
 * Until the runner of issue 11 and the sweeps of issue 12 are in the
 * tree, there is nothing to run with: the figures must already be stored. */
static int ci_run_first(struct enos_ctx *ctx, const char *path,
			const struct ci_spec *spec, int64_t **runs, size_t *n,
			char *label, size_t len)
{
	(void)ctx;
	(void)spec;
	(void)label;
	(void)len;
	*runs = NULL;
	*n = 0;
	cli_error("running '%s' before checking it is not built yet", path);
	cli_hint("check stored figures with --run ID or --sweep NAME");
	return -ENOTSUP;
}

/* --check: the section, and a sweep file's topology. */
static int check_only(const char *path, const struct ci_spec *spec)
{
	struct strbuf sb = STRBUF_INIT;
	struct topology *t;
	const char *slash = strrchr(path, '/');
	char *topo = NULL, *err = NULL;
	size_t i;
	int rc = EXIT_OK;

	if (spec->topology[0]) {
		topo = spec->topology[0] != '/' && slash ?
		       str_printf("%.*s/%s", (int)(slash - path), path, spec->topology) :
		       strdup(spec->topology);
		t = topo ? topo_load(topo, &err) : NULL;
		if (!t) {
			cli_error("%s", err ? err : "out of memory");
			rc = EXIT_FAIL;
			goto out;
		}
		topo_free(t);
	}
	printf("ci section of '%s' is valid: %zu threshold%s%s%s%s\n", path,
	       spec->n, spec->n == 1 ? "" : "s",
	       spec->baseline[0] ? ", baseline '" : "", spec->baseline,
	       spec->baseline[0] ? "'" : "");
	for (i = 0; i < spec->n; i++) {
		strbuf_reset(&sb);
		ci_threshold_format(&spec->t[i], &sb);
		printf("  %s:%d:%d: %s\n", path, spec->t[i].pos.line,
		       spec->t[i].pos.col, strbuf_str(&sb));
	}
	if (topo)
		printf("topology '%s' is valid\n", topo);
out:
	strbuf_release(&sb);
	free(topo);
	free(err);
	return rc;
}

/* "run 12" or "runs 12, 13 and 14" into BUF. */
static void runs_label(const int64_t *runs, size_t n, char *buf, size_t len)
{
	struct strbuf sb = STRBUF_INIT;
	size_t i;

	strbuf_adds(&sb, n == 1 ? "run " : "runs ");
	for (i = 0; i < n && i < 8; i++)
		strbuf_addf(&sb, "%s%lld", i == 0 ? "" : i + 1 == n ? " and " : ", ",
			    (long long)runs[i]);
	if (n > 8)
		strbuf_addf(&sb, " and %zu more", n - 8);
	snprintf(buf, len, "%s", sb.err ? "runs" : strbuf_str(&sb));
	strbuf_release(&sb);
}

/* The runs to check into *RUNS (allocated) and their LABEL. */
static int pick_source(struct enos_ctx *ctx, const struct cmd_args *a,
		       const struct ci_spec *spec, int64_t **runs, size_t *n,
		       char *label, size_t len)
{
	const struct ci_opts *o = a->opts;
	struct run_info info;
	char *why = NULL, rl[256];
	size_t i;
	int rc;

	if (o->run) {
		for (i = 0; i < o->n_runs; i++) {
			rc = state_run_get(ctx->st, o->runs[i], &info);
			if (rc < 0) {
				cli_error("%s", state_errmsg(ctx->st));
				return rc;
			}
		}
		*runs = malloc(o->n_runs * sizeof(**runs));
		if (!*runs)
			return -ENOMEM;
		memcpy(*runs, o->runs, o->n_runs * sizeof(**runs));
		*n = o->n_runs;
		runs_label(*runs, *n, label, len);
		return 0;
	}
	if (o->sweep) {
		rc = ci_sweep_runs(ctx->st, o->sweep, runs, n, &why);
		if (rc < 0)
			cli_error("%s", why ? why : strerror(-rc));
		free(why);
		if (rc == 0) {
			runs_label(*runs, *n, rl, sizeof(rl));
			snprintf(label, len, "sweep '%s' (%s)", o->sweep, rl);
		}
		return rc;
	}
	return ci_run_first(ctx, a->argv[0], spec, runs, n, label, len);
}

/* The baseline NAME's runs into BASE; when they cannot be found, BASE
 * has none and its label says why (the thresholds on it fail). */
static int pick_baseline(struct enos_ctx *ctx, const char *name,
			 struct ci_source *base, int64_t **runs, char **label)
{
	char *why = NULL, rl[256];
	size_t n = 0;
	int rc;

	rc = ci_baseline_runs(ctx->st, name, runs, &n, &why);
	if (rc == -ENOENT) {
		*label = why;
		base->label = why;
		return 0;
	}
	if (rc < 0) {
		cli_error("cannot read baseline '%s': %s", name,
			  why ? why : strerror(-rc));
		free(why);
		return rc;
	}
	runs_label(*runs, n, rl, sizeof(rl));
	*label = str_printf("baseline '%s' (%s)", name, rl);
	if (!*label)
		return -ENOMEM;
	base->runs = *runs;
	base->n = n;
	base->label = *label;
	return 0;
}

static bool uses_baseline(const struct ci_spec *spec)
{
	size_t i;

	for (i = 0; i < spec->n; i++)
		if (spec->t[i].ref == CI_REF_BASELINE)
			return true;
	return false;
}

static int write_outputs(const struct ci_opts *o, const struct ci_report *rep)
{
	int rc = 0;

	ci_write_table(rep, stdout);
	if (o->junit && (rc = ci_write_file(o->junit, rep, ci_write_junit)) < 0) {
		cli_error("cannot write '%s': %s", o->junit, strerror(-rc));
		return rc;
	}
	if (o->json && (rc = ci_write_file(o->json, rep, ci_write_json)) < 0) {
		cli_error("cannot write '%s': %s", o->json, strerror(-rc));
		return rc;
	}
	return 0;
}

static int run_ci(struct enos_ctx *ctx, const struct cmd_args *a)
{
	const struct ci_opts *o = a->opts;
	struct ci_spec spec = { 0 };
	struct ci_source src = { 0 }, base = { 0 };
	struct ci_result *res = NULL;
	struct ci_figures fig;
	struct ci_report rep = { 0 };
	const char *bname;
	int64_t *runs = NULL, *bruns = NULL;
	char label[320], *blabel = NULL, *err = NULL;
	size_t n = 0, i;
	int rc, status = EXIT_FAIL;

	rc = ci_load_file(a->argv[0], &spec, &err);
	if (rc < 0) {
		cli_error("%s", err ? err : strerror(-rc));
		goto out;
	}
	if (o->check) {
		status = check_only(a->argv[0], &spec);
		goto out;
	}
	if (cli_state(ctx) < 0)
		goto out;
	rc = pick_source(ctx, a, &spec, &runs, &n, label, sizeof(label));
	if (rc < 0) {
		status = rc == -ENOTSUP ? EXIT_USAGE : EXIT_FAIL;
		goto out;
	}
	src = (struct ci_source){ runs, n, label };
	/* A baseline no threshold uses is not looked up, nor reported. */
	bname = o->baseline ? o->baseline : spec.baseline[0] ? spec.baseline : NULL;
	if (!uses_baseline(&spec))
		bname = NULL;
	if (bname && pick_baseline(ctx, bname, &base, &bruns, &blabel) < 0)
		goto out;
	res = calloc(spec.n, sizeof(*res));
	if (!res) {
		cli_error("out of memory");
		goto out;
	}
	ci_eval_db(ctx->st, &fig);
	for (i = 0; i < spec.n; i++) {
		rc = ci_evaluate(&fig, &spec.t[i], &src, bname ? &base : NULL,
				 &res[i], &err);
		if (rc < 0) {
			cli_error("%s:%d:%d: cannot evaluate '%s': %s", a->argv[0],
				  spec.t[i].pos.line, spec.t[i].pos.col,
				  str_show(spec.t[i].text).s,
				  err ? err : strerror(-rc));
			goto out;
		}
	}
	rep = (struct ci_report){ &spec, &src, bname, bname ? &base : NULL, res,
				  spec.n, (int64_t)time(NULL) };
	if (write_outputs(o, &rep) < 0)
		goto out;
	status = ci_report_failed(&rep) ? EXIT_FAIL : EXIT_OK;
	if (o->save) {
		free(err);
		err = NULL;
		if (ci_baseline_save(ctx->st, o->save, runs, n, &err) < 0) {
			cli_error("cannot save baseline '%s': %s", o->save,
				  err ? err : "out of memory");
			status = EXIT_FAIL;
		} else {
			printf("baseline '%s' is now %s\n", o->save, label);
		}
	}
out:
	for (i = 0; res && i < spec.n; i++)
		ci_result_release(&res[i]);
	free(res);
	free(runs);
	free(bruns);
	free(blabel);
	free(err);
	ci_spec_release(&spec);
	return status;
}

static const struct cmd_option ci_options[] = {
	CMD_OPT_STR("run", struct ci_opts, run),
	CMD_OPT_STR("sweep", struct ci_opts, sweep),
	CMD_OPT_STR("baseline", struct ci_opts, baseline),
	CMD_OPT_STR("junit", struct ci_opts, junit),
	CMD_OPT_STR("json", struct ci_opts, json),
	CMD_OPT_STR("save-baseline", struct ci_opts, save),
	CMD_OPT_BOOL("check", struct ci_opts, check),
	{ 0 },
};

const struct enos_cmd cmd_ci = {
	.name = "ci",
	.usage = "[--run ID[,ID...] | --sweep NAME] [--baseline RUN|NAME] [--junit FILE] [--json FILE] [--save-baseline NAME] FILE | --check FILE",
	.summary = "check a run's or a sweep's figures against thresholds, for CI",
	.help =
		"Reads the 'ci:' section of FILE (a topology or a sweep file) and checks every\n"
		"threshold against the stored figures, e.g.\n"
		"  ci:\n"
		"    baseline: nightly\n"
		"    thresholds:\n"
		"      - up of 1000 nodes <= 3 s\n"
		"      - tc --test worst error <= 2 %\n"
		"      - kv-latency/put p50 at 100ms <= 1.5 x at 10ms\n"
		"      - kv-latency/put p99 <= 1.10 x baseline\n"
		"Prints a pass/fail table; a missing figure fails. Exit status 0 when every\n"
		"threshold passes, 1 when one fails, 2 on a usage error. README.md describes the\n"
		"language and the JSON.\n\n"
		"  --run ID[,ID...]     the figures of these runs\n"
		"  --sweep NAME         the figures of the newest execution of sweep NAME\n"
		"  --baseline RUN|NAME  the baseline of 'x baseline' (default: the file's)\n"
		"  --junit FILE         write JUnit XML (one testcase per threshold)\n"
		"  --json FILE          write the results as JSON\n"
		"  --save-baseline NAME store the runs checked as baseline NAME\n"
		"  --check              only validate the ci: section (and a sweep's topology)\n",
	.flags = CMD_OPTS_ANYWHERE,
	.min_args = 1,
	.max_args = 1,
	.options = ci_options,
	.opts_size = sizeof(struct ci_opts),
	.validate = validate_ci,
	.run = run_ci,
};
