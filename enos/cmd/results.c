/* cmd_results — `enos results [--json] [-n NAME] [RUN]`: what a run's
 * workloads measured. Per workload and op, the summary per client site and
 * over every site ("*"): count, failures, p50/p90/p99, mean, stddev, min,
 * max in ms (enos/results.h: computed and stored now when the run has
 * operations but no summaries); the traffic that crossed the WAN per site
 * pair and service, when counted; the run's facts. Results outlive the
 * experiment, so this works after `enos down`.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "enos/cli.h"
#include "enos/cmd/cmd.h"
#include "enos/json.h"
#include "enos/results.h"
#include "enos/state.h"
#include "reports/workload.h"
#include "util/str.h"

struct results_opts {
	bool json;
	int64_t run;            /* the RUN operand, or 0 */
};

static int validate_results(const struct enos_cmd *c, struct cmd_args *a)
{
	struct results_opts *o = a->opts;
	char *end;

	if (a->argc == 1) {
		errno = 0;
		o->run = strtoll(a->argv[0], &end, 10);
		if (errno || *end || end == a->argv[0] || o->run <= 0) {
			cli_error("run '%s' is not a run number", a->argv[0]);
			return cli_usage(c);
		}
	}
	return 0;
}

/* The experiment whose newest run is meant when no RUN is given: NAME,
 * else the only recorded experiment; with none recorded (after `down`),
 * NULL: the newest run of any experiment. -EINVAL (said) with several. */
static int default_experiment(struct enos_ctx *ctx, const char *name,
			      char *out, const char **exp)
{
	char **names = NULL;
	size_t n = 0;
	int rc;

	*exp = name;
	if (name)
		return 0;
	rc = state_list(ctx->st, &names, &n);
	if (rc < 0) {
		cli_error("cannot list experiments: %s", state_errmsg(ctx->st));
	} else if (n == 1) {
		snprintf(out, 64, "%s", names[0]);
		*exp = out;
	} else if (n > 1) {
		cli_error("%zu experiments are recorded", n);
		cli_hint("name one with -n NAME, or give a run number");
		rc = -EINVAL;
	}
	state_free_names(names);
	return rc;
}

/* Which run to show: RUN (checked against -n NAME), else the newest run
 * with workload operations. */
static int pick_run(struct enos_ctx *ctx, const char *name, int64_t *run)
{
	struct run_info info;
	const char *exp;
	char one[64];
	int rc;

	if (*run) {
		rc = state_run_get(ctx->st, *run, &info);
		if (rc < 0) {
			cli_error("%s", state_errmsg(ctx->st));
			return rc;
		}
		if (name && strcmp(info.experiment, name) != 0) {
			cli_error("run %lld belongs to '%s', not '%s'",
				  (long long)*run, info.experiment, name);
			return -EINVAL;
		}
		return 0;
	}
	rc = default_experiment(ctx, name, one, &exp);
	if (rc < 0)
		return rc;
	rc = state_wl_run_latest(ctx->st, exp, run);
	if (rc == -ENOENT) {
		cli_error("%s", state_errmsg(ctx->st));
		cli_hint("'enos bench' or 'enos run' with a workload: record one");
	} else if (rc < 0) {
		cli_error("%s", state_errmsg(ctx->st));
	}
	return rc;
}

static void print_time(int64_t t)
{
	time_t s = (time_t)t;
	struct tm tm;
	char buf[64];

	gmtime_r(&s, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M:%S UTC", &tm);
	fputs(buf, stdout);
}

static void print_ms(double v)
{
	if (isnan(v))
		printf(" %9s", "-");
	else
		printf(" %9.3f", v);
}

static void print_run(const struct results *r)
{
	printf("run %lld of '%s' (%s): ", (long long)r->run.id,
	       str_show(r->run.experiment).s, str_show(r->run.kind).s);
	printf("%s, started ", r->run.ended ?
	       str_show(r->run.outcome[0] ? r->run.outcome : "-").s :
	       "still running (or killed)");
	print_time(r->run.started);
	if (r->run.ended >= r->run.started && r->run.ended)
		printf(", %lld s", (long long)(r->run.ended - r->run.started));
	if (r->run.has_seed)
		printf(", seed %" PRIu64, r->run.seed);
	printf("\n%zu operations, %" PRIu64 " failed; summaries %s\n",
	       r->n_ops, r->failed, !r->computed ?
	       "as stored at the end of the run" : r->store_error ?
	       "computed now from the operations (not stored)" :
	       "computed now from the operations and stored");
}

/* The width of the widest name of column COL ("op" or "site") in the
 * rows of workload WL, at least MIN. */
static int col_width(const struct results *r, const char *wl, bool site,
		     int min)
{
	size_t i;
	int w = min;

	for (i = 0; i < r->n_sums; i++) {
		const struct wl_summary_row *s = &r->sums[i];
		int len;

		if (strcmp(s->workload, wl))
			continue;
		len = (int)strlen(str_show(site ? s->site : s->op).s);
		if (len > w)
			w = len;
	}
	return w;
}

static void print_summaries(const struct results *r)
{
	int ow = 0, sw = 0;
	size_t i;

	for (i = 0; i < r->n_sums; i++) {
		const struct wl_summary_row *s = &r->sums[i];

		if (i == 0 || strcmp(s->workload, r->sums[i - 1].workload)) {
			ow = col_width(r, s->workload, false, 2);
			sw = col_width(r, s->workload, true, 11);
			printf("\n%s\n  %-*s  %-*s %8s %7s %9s %9s %9s %9s %9s %9s %9s\n",
			       str_show(s->workload).s, ow, "OP", sw,
			       "CLIENT SITE", "COUNT", "FAILED", "P50 MS",
			       "P90 MS", "P99 MS", "MEAN MS", "STDDEV", "MIN MS",
			       "MAX MS");
		}
		printf("  %-*s  %-*s %8" PRIu64 " %7" PRIu64, ow,
		       str_show(s->op).s, sw, str_show(s->site).s, s->count,
		       s->failures);
		print_ms(s->p50_ms);
		print_ms(s->p90_ms);
		print_ms(s->p99_ms);
		print_ms(s->mean_ms);
		print_ms(s->stddev_ms);
		print_ms(s->min_ms);
		print_ms(s->max_ms);
		putchar('\n');
	}
}

static void print_g(double v)
{
	if (isnan(v))
		printf(" %11s", "-");
	else
		printf(" %11.6g", v);
}

/* What operations that carry a value measured (throughput's bit/s). */
static void print_values(const struct results *r)
{
	size_t i;

	if (!r->n_values)
		return;
	printf("\nmeasured values (of the successful operations)\n"
	       "  %-16s %-12s %-16s %-8s %7s %11s %11s %11s %11s %11s %11s\n",
	       "WORKLOAD", "OP", "CLIENT SITE", "UNIT", "N", "P50", "P90",
	       "P99", "MEAN", "MIN", "MAX");
	for (i = 0; i < r->n_values; i++) {
		const struct results_value *v = &r->values[i];

		printf("  %-16s %-12s %-16s %-8s %7zu", str_show(v->workload).s,
		       str_show(v->op).s, str_show(v->site).s,
		       str_show(v->unit).s, v->s.n);
		print_g(v->s.p50);
		print_g(v->s.p90);
		print_g(v->s.p99);
		print_g(v->s.mean);
		print_g(v->s.min);
		print_g(v->s.max);
		putchar('\n');
	}
}

static int print_traffic(const struct results *r)
{
	struct report_traffic *t = calloc(r->n_traffic + 1, sizeof(*t));
	struct report_service *sv = NULL;
	uint64_t total = 0;
	size_t i, ns = 0;
	int rc = -ENOMEM;

	if (!t)
		return rc;
	for (i = 0; i < r->n_traffic; i++) {
		t[i].service = r->traffic[i].service;
		t[i].bytes = r->traffic[i].bytes;
		t[i].packets = r->traffic[i].packets;
		t[i].payload = r->traffic[i].payload;
		total += t[i].bytes;
	}
	rc = report_traffic_services(t, r->n_traffic, r->top, &sv, &ns);
	if (rc < 0)
		goto out;
	printf("\ntraffic over the WAN: %" PRIu64 " bytes", total);
	if (ns && total)
		printf(", '%s' dominates (%.1f %%)", str_show(sv[0].service).s,
		       100 * sv[0].share);
	if (r->top)
		printf(", %.0f bytes per operation", (double)total / (double)r->top);
	printf("\n  %-16s %14s %10s %7s %12s\n", "SERVICE", "BYTES", "PACKETS",
	       "SHARE", "BYTES/OP");
	for (i = 0; i < ns; i++) {
		printf("  %-16s %14" PRIu64 " %10" PRIu64, str_show(sv[i].service).s,
		       sv[i].bytes, sv[i].packets);
		if (isnan(sv[i].share))
			printf(" %7s", "-");
		else
			printf(" %6.1f%%", 100 * sv[i].share);
		if (isnan(sv[i].bytes_per_op))
			printf(" %12s\n", "-");
		else
			printf(" %12.0f\n", sv[i].bytes_per_op);
	}
	printf("\n  %-16s %-16s %-16s %5s %5s %10s %14s %14s\n", "FROM", "TO",
	       "SERVICE", "PROTO", "PORT", "PACKETS", "BYTES", "PAYLOAD");
	for (i = 0; i < r->n_traffic; i++) {
		const struct traffic_row *x = &r->traffic[i];

		printf("  %-16s %-16s %-16s %5d %5d %10" PRIu64 " %14" PRIu64
		       " %14" PRIu64 "\n", str_show(x->src_site).s,
		       str_show(x->dst_site).s, str_show(x->service).s, x->proto,
		       x->port, x->packets, x->bytes, x->payload);
	}
out:
	free(sv);
	free(t);
	return rc;
}

static void print_facts(const struct results *r)
{
	size_t i;

	if (!r->n_facts)
		return;
	printf("\nfacts\n");
	for (i = 0; i < r->n_facts; i++)
		printf("  %-24s %s\n", str_show(r->fact_keys[i]).s,
		       str_show(r->fact_values[i]).s);
}

static int run_results(struct enos_ctx *ctx, const struct cmd_args *a)
{
	const struct results_opts *o = a->opts;
	struct results r = { 0 };
	int64_t run = o->run;
	struct json j;
	int rc;

	if (cli_state(ctx) < 0 || pick_run(ctx, a->name, &run) < 0)
		return EXIT_FAIL;
	rc = results_load(ctx->st, run, &r);
	if (rc < 0) {
		cli_error("cannot read the results of run %lld: %s", (long long)run,
			  results_errmsg(ctx->st, rc));
		goto out;
	}
	if (r.store_error)
		cli_warning("run %lld: cannot store the summaries computed now: %s",
			    (long long)run, state_errmsg(ctx->st));
	if (o->json) {
		json_init(&j, stdout);
		rc = results_json(&j, &r);
		json_finish(&j);
	} else {
		print_run(&r);
		if (!r.n_ops)
			printf("no workload operation in this run\n");
		print_summaries(&r);
		print_values(&r);
		if (r.n_traffic)
			rc = print_traffic(&r);
		print_facts(&r);
	}
	if (rc < 0)
		cli_error("cannot show run %lld: %s", (long long)run, strerror(-rc));
out:
	results_release(&r);
	return rc < 0 ? EXIT_FAIL : EXIT_OK;
}

static const struct cmd_option results_options[] = {
	CMD_OPT_EXPERIMENT,
	CMD_OPT_BOOL("json", struct results_opts, json),
	{ 0 },
};

/* The experiment is picked by pick_run(): runs outlive experiments. */
const struct enos_cmd cmd_results = {
	.name = "results",
	.usage = "[--json] [-n NAME] [RUN]",
	.summary = "show what a run's workloads measured",
	.help =
		"Per workload and op, the summary per client site and over every site ('*'):\n"
		"count, failures, p50/p90/p99, mean, stddev, min and max in ms of the successful\n"
		"operations (computed and stored now if the run has none stored); what the\n"
		"operations that carry a value measured (throughput in bit/s); the traffic\n"
		"that crossed the WAN per site pair and service, when counted; the run's kind,\n"
		"outcome, seed and facts. RUN defaults to the newest run with workload\n"
		"operations of NAME (or of the only recorded experiment, or, with none\n"
		"recorded, of any). Works after 'enos down'.\n\n"
		"  -n, --name NAME  the experiment\n"
		"  --json           one object, format 1 (documented in enos/results.h):\n"
		"                   {\"format\":1,\"run\":{\"id\",\"experiment\",\"kind\",\"started\",\"ended\",\n"
		"                   \"outcome\",\"seed\"},\"facts\":{},\"operations\",\"failed\",\n"
		"                   \"summaries_source\",\"summaries\":[{\"workload\",\"op\",\"atomic\",\"site\",\n"
		"                   \"count\",\"failures\",\"min_ms\",\"p50_ms\",\"p90_ms\",\"p99_ms\",\"max_ms\",\n"
		"                   \"mean_ms\",\"stddev_ms\"}],\"values\":[{\"workload\",\"op\",\"site\",\"unit\",\n"
		"                   \"n\",\"min\",\"p50\",\"p90\",\"p99\",\"max\",\"mean\",\"stddev\"}],\n"
		"                   \"traffic\":null|{\"bytes\",\"packets\",\"payload\",\"operations\",\n"
		"                   \"bytes_per_op\",\"dominant\",\"services\":[],\"rows\":[]}}\n",
	.max_args = 1,
	.options = results_options,
	.opts_size = sizeof(struct results_opts),
	.validate = validate_results,
	.run = run_results,
};
