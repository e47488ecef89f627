/* cmd_tc — `enos tc`: apply, reset and measure the WAN of an experiment,
 * and run its faults timeline.
 *
 *   enos tc [-n NAME]                 apply the topology's constraints again
 *                                     (restarting a dead wand engine; ends
 *                                     active faults)
 *   enos tc [-n NAME] --reset         make the WAN a plain wire
 *   enos tc [-n NAME] --test [--json] [--samples N] [--tolerance PCT[,MS]]
 *                                     measure every site pair against its
 *                                     target, store the figures, exit 1 if a
 *                                     pair is out of bound
 *   enos tc [-n NAME] --timeline      run the topology's faults: timeline
 */
#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>

#include "emulator/shape.h"
#include "enos/cli.h"
#include "enos/cmd/cmd.h"
#include "enos/fault.h"
#include "enos/inject.h"
#include "enos/json.h"
#include "enos/measure.h"
#include "enos/phase.h"
#include "enos/shaping.h"
#include "enos/state.h"
#include "enos/timeline.h"
#include "enos/topo.h"
#include "util/units.h"

enum tc_mode { TC_APPLY, TC_RESET, TC_TEST, TC_TIMELINE };

struct tc_args {
	bool reset, test, timeline, json;
	const char *samples, *interval, *tolerance, *over;
	/* Set by validate_tc: */
	enum tc_mode mode;
	struct measure_opts m;
	unsigned over_ms;       /* --over: a time series this long; 0: none */
};

static int parse_tolerance(const char *s, struct measure_opts *m)
{
	char *end;

	m->tolerance_pct = strtod(s, &end);
	if (end == s || m->tolerance_pct < 0 || m->tolerance_pct > 100)
		return -EINVAL;
	if (*end == ',') {
		const char *ms = end + 1;

		m->tolerance_ms = strtod(ms, &end);
		if (end == ms || m->tolerance_ms < 0 || m->tolerance_ms > 60000)
			return -EINVAL;
	}
	return *end ? -EINVAL : 0;
}

static int validate_tc(const struct enos_cmd *c, struct cmd_args *args)
{
	struct tc_args *a = args->opts;
	long v;

	a->m.samples = 50;
	a->m.interval_ms = 20;
	a->m.tolerance_pct = 2.0;
	a->m.tolerance_ms = 0.5;
	a->m.lan = true;        /* and inside each site whose lan is shaped */
	if (a->samples) {
		if (cli_opt_range("samples", a->samples, 1, 100000, "a count", &v) < 0)
			return cli_usage(c);
		a->m.samples = (unsigned)v;
	}
	if (a->interval) {
		if (cli_opt_range("interval", a->interval, 1, 10000, "milliseconds", &v) < 0)
			return cli_usage(c);
		a->m.interval_ms = (unsigned)v;
	}
	if (a->over) {
		uint64_t us;
		const char *why = NULL;

		if (units_parse_time(a->over, &us, &why) < 0 || us < 1000000 ||
		    us > 86400ull * 1000000) {
			cli_error("--over '%s' is not a duration from 1s to 86400s (e.g. 60s)%s%s",
				  a->over, why ? ": " : "", why ? why : "");
			return cli_usage(c);
		}
		a->over_ms = (unsigned)(us / 1000);
		/* A probe every 100 ms unless --interval says. */
		if (!a->interval)
			a->m.interval_ms = 100;
		if (a->samples) {
			cli_error("--samples does not go with --over (the duration and --interval set them)");
			return cli_usage(c);
		}
	}
	if (a->tolerance && parse_tolerance(a->tolerance, &a->m) < 0) {
		cli_error("--tolerance '%s' is not PERCENT[,MS] (e.g. 2,0.5)", a->tolerance);
		return cli_usage(c);
	}
	if (a->reset + a->test + a->timeline > 1) {
		cli_error("--reset, --test and --timeline exclude each other");
		return cli_usage(c);
	}
	a->mode = a->reset ? TC_RESET : a->test ? TC_TEST :
		  a->timeline ? TC_TIMELINE : TC_APPLY;
	if ((a->json || a->samples || a->interval || a->tolerance || a->over) &&
	    !a->test) {
		cli_error("--json, --samples, --interval, --tolerance and --over go with --test");
		return cli_usage(c);
	}
	return 0;
}

static int tc_apply(struct enos_ctx *ctx, struct shaped_exp *e)
{
	const struct shape_ops *ops = e->info.shaping_ops;
	double t0 = cli_now();
	size_t pairs = 0;
	int rc;

	if (!ops->shapes) {
		cli_error("experiment '%s' was built with shaping '%s': there is nothing to apply",
			  e->w.name, ops->name);
		cli_hint("set network.shaping to auto, netem or wand, then 'enos up --force'");
		return -EINVAL;
	}
	rc = shaping_reapply(ctx, e, &pairs);
	if (rc == 0)
		printf("WAN of '%s' applied with %s: %zu site pairs in %.2f s\n",
		       e->w.name, ops->name, pairs, cli_now() - t0);
	return rc;
}

static int tc_reset(struct enos_ctx *ctx, struct shaped_exp *e)
{
	const struct shape_ops *ops = e->info.shaping_ops;
	int rc;

	if (!ops->shapes) {
		printf("experiment '%s' has no WAN shaping to reset\n", e->w.name);
		return 0;
	}
	rc = shaping_engine(ctx, &e->w, ops, true);
	if (rc == 0)
		rc = cli_emu(ctx);
	if (rc == 0) {
		rc = ops->reset(ctx->emu, &e->w);
		if (rc < 0)
			cli_error("cannot reset the WAN of '%s': %s", e->w.name,
				  strerror(-rc));
	}
	/* A plain wire follows no trace: a netem world's player ends. */
	if (rc == 0)
		rc = shaping_player_stop(ctx, e->w.name);
	if (rc == 0 && inject_end_all(ctx, e->w.name) < 0)
		cli_warning("cannot end the active faults of '%s': %s", e->w.name,
			    state_errmsg(ctx->st));
	if (rc == 0)
		printf("WAN of '%s' is a plain wire (%s reset)\n", e->w.name,
		       ops->name);
	return rc;
}

/* Say where a site was measured from when it is not its first node (a
 * VM's namespace is empty: the probe cannot enter it). */
static void print_endpoints(const struct world *w)
{
	struct measure_endpoint *ep = calloc(w->n_sites + 1, sizeof(*ep));
	size_t i;

	if (!ep || measure_endpoints(w, ep) < 0)
		goto out;
	for (i = 0; i < w->n_sites; i++)
		if (ep[i].node && ep[i].first && strcmp(ep[i].node, ep[i].first))
			printf("site '%s' measured from %s '%s' (its first node '%s' is a %s node)\n",
			       w->sites[i].name, ep[i].gateway ? "its gateway" : "node",
			       ep[i].node, ep[i].first, ep[i].first_backend);
out:
	free(ep);
}

static void print_test_text(const struct tc_args *a, const struct report_rtt *r,
			    size_t n, size_t bad)
{
	size_t i, lan, across;

	printf("%-16s %-16s %9s %9s %9s %9s %8s %7s %s\n", "SRC", "DST",
	       "target", "p50", "p99", "error", "error%", "loss%", "");
	for (i = 0; i < n; i++) {
		double err = r[i].p50_ms - r[i].target_ms;
		const char *verdict = r[i].cut ? "(cut)" :
				      measure_within(&a->m, &r[i]) ? "" : "OUT OF BOUND";

		/* Inside a site's LAN: node to node (or gateway). */
		if (r[i].lan && (i == 0 || !r[i - 1].lan))
			printf("inside sites (lan), node to node:\n");
		printf("%-16s %-16s %9.3f %9.3f %9.3f %+9.3f %+7.2f%% %7.2f %s",
		       r[i].lan ? r[i].src_node : r[i].src,
		       r[i].lan ? r[i].dst_node : r[i].dst,
		       r[i].target_ms, r[i].p50_ms,
		       r[i].p99_ms, err, r[i].target_ms > 0 ? 100 * err / r[i].target_ms : 0.0,
		       r[i].loss_pct, verdict);
		/* Through the tunnel between two hosts of a spread world. */
		if (r[i].cross_host)
			printf("%sacross hosts %s -> %s", *verdict ? " " : "",
			       r[i].src_host, r[i].dst_host);
		printf("\n");
	}
	for (i = 0, lan = 0, across = 0; i < n; i++) {
		lan += r[i].lan;
		across += r[i].cross_host;
	}
	printf("%zu site pairs", n - lan);
	if (across)
		printf(" (%zu across hosts)", across);
	if (lan)
		printf(" and %zu pairs inside sites", lan);
	printf(", %u probes each: %zu outside max(%g %%, %g ms)\n",
	       a->m.samples, bad, a->m.tolerance_pct, a->m.tolerance_ms);
}

static void print_test_json(const char *backend, const struct report_rtt *r,
			    size_t n, int64_t run)
{
	struct json j;
	size_t i;

	json_init(&j, stdout);
	json_begin_object(&j);
	json_key(&j, "pairs");
	json_begin_array(&j);
	for (i = 0; i < n; i++) {
		json_begin_object(&j);
		json_key_str(&j, "src", r[i].src);
		json_key_str(&j, "dst", r[i].dst);
		json_key_double(&j, "target_rtt_ms", r[i].target_ms);
		json_key_double(&j, "p50_ms", r[i].p50_ms);
		json_key_double(&j, "p90_ms", r[i].p90_ms);
		json_key_double(&j, "p99_ms", r[i].p99_ms);
		json_key_double(&j, "min_ms", r[i].min_ms);
		json_key_double(&j, "loss_pct", r[i].loss_pct);
		json_key_int(&j, "samples", r[i].samples);
		json_key_int(&j, "loss_bursts", r[i].loss_bursts);
		json_key_bool(&j, "cut", r[i].cut);
		/* Where the probe ran: a site's first node, unless that is a
		 * VM (then its next node, or its gateway). */
		json_key_str(&j, "src_node", r[i].src_node ? r[i].src_node : "");
		json_key_str(&j, "dst_node", r[i].dst_node ? r[i].dst_node : "");
		/* Inside site src's LAN, src_node to dst_node. */
		json_key_bool(&j, "lan", r[i].lan);
		/* The hosts of a spread world ("" on one host), and
		 * whether the pair goes through the tunnel between two. */
		json_key_str(&j, "src_host", r[i].src_host ? r[i].src_host : "");
		json_key_str(&j, "dst_host", r[i].dst_host ? r[i].dst_host : "");
		json_key_bool(&j, "cross_host", r[i].cross_host);
		json_end_object(&j);
	}
	json_end_array(&j);
	json_key_str(&j, "backend", backend);
	json_key_int(&j, "run", run);
	json_end_object(&j);
	json_finish(&j);
}

static int tc_test_over(struct enos_ctx *ctx, struct shaped_exp *e,
			const struct tc_args *a);

/* What a test prints: PRINT gets the figures (ARG) and the run. */
typedef void (*tc_print_fn)(const struct tc_args *a, const void *arg,
			    const char *backend, int64_t run);

/* The end of `tc --test`, with or without --over: the world, the backend
 * (and the hosts of a spread world, HOSTS) as facts of RUN (0: not
 * stored) and its outcome (BAD pairs out of bound), then the figures as
 * JSON or text, where sites were measured from, and the run to draw.
 * Returns 0, or -ERANGE when a pair is out of bound. */
static int tc_finish(struct enos_ctx *ctx, struct shaped_exp *e,
		     const struct tc_args *a, int64_t run, size_t bad,
		     const char *hosts, tc_print_fn print, const void *arg)
{
	struct utsname u;

	if (run) {
		measure_store_world(ctx->st, run, &e->w, e->info.topo_path);
		state_fact_add(ctx->st, run, "shaping", e->info.shaping);
		if (uname(&u) == 0)
			state_fact_add(ctx->st, run, "kernel", u.release);
		if (hosts)
			state_fact_add(ctx->st, run, "hosts", hosts);
		state_run_end(ctx->st, run, bad ? "out-of-bound" : "ok");
	}
	print(a, arg, e->info.shaping, run);
	if (!a->json) {
		print_endpoints(&e->w);
		printf("stored as run %lld; 'enos report -n %s %lld' draws it\n",
		       (long long)run, e->w.name, (long long)run);
	}
	return bad ? -ERANGE : 0;
}

struct tc_rows {
	const struct report_rtt *r;
	size_t n, bad;
};

static void print_test(const struct tc_args *a, const void *arg,
		       const char *backend, int64_t run)
{
	const struct tc_rows *t = arg;

	if (a->json)
		print_test_json(backend, t->r, t->n, run);
	else
		print_test_text(a, t->r, t->n, t->bad);
}

/* "h1 (2 sites), h2 (1 site)": the hosts of a spread world, into BUF. */
static const char *hosts_text(const struct state_host *h, size_t n,
			      const size_t *host_of, size_t n_sites, char *buf,
			      size_t len)
{
	size_t i, k, sites, used = 0;

	buf[0] = '\0';
	for (i = 0; i < n && used < len; i++) {
		for (k = sites = 0; k < n_sites; k++)
			sites += host_of[k] == i;
		used += (size_t)snprintf(buf + used, len - used, "%s%s (%zu site%s)",
					 i ? ", " : "", h[i].name, sites,
					 sites == 1 ? "" : "s");
	}
	return buf;
}

static int tc_test(struct enos_ctx *ctx, struct shaped_exp *e,
		   const struct tc_args *a)
{
	struct shape_table tab = { 0 };
	struct report_rtt *rows = NULL;
	struct state_host *hosts = NULL;
	size_t *host_of = NULL, n_hosts = 0;
	struct tc_rows out;
	char htext[512];
	int64_t run = 0;
	size_t n = 0, i, bad = 0;
	int rc;

	rc = phase_hosts_of(ctx, &e->w, &hosts, &n_hosts, &host_of);
	/* A spread world's engines are on its hosts: each checked by its
	 * host's probe, not here. */
	if (rc == 0 && !n_hosts)
		rc = shaping_engine(ctx, &e->w, e->info.shaping_ops, false);
	if (rc == 0)
		rc = shaping_table(ctx, e->t, &e->w, true, &tab);
	if (rc < 0)
		goto out;
	/* A target that changes over time is measured over time: as long as
	 * the probes would have taken, each against its step. */
	if (e->info.shaping_ops->shapes && shape_table_traced(&tab)) {
		struct tc_args over = *a;

		over.over_ms = a->m.samples * a->m.interval_ms;
		if (over.over_ms < 1000)
			over.over_ms = 1000;
		fprintf(stderr, "note: the WAN of '%s' follows traces: measuring it over %u ms against their steps (--over sets how long)\n",
			e->w.name, over.over_ms);
		rc = tc_test_over(ctx, e, &over);
		goto out;
	}
	if (ctx->progress)
		fprintf(stderr, "measuring %zu site pairs, %u probes each%s\n",
			e->w.n_sites * (e->w.n_sites - 1), a->m.samples,
			n_hosts ? ", each from its source's host" : "");
	/* Unshaped, the WAN has no target to measure against. */
	if (n_hosts)
		rc = phase_hosts_measure(&e->w, hosts, n_hosts, host_of,
					 e->info.shaping_ops->shapes ? &tab : NULL,
					 &a->m, &rows, &n);
	else
		rc = measure_sites(&e->w, e->info.shaping_ops->shapes ? &tab : NULL,
				   &a->m, &rows, &n);
	if (rc < 0) {
		cli_error("the RTT probe failed: %s", strerror(-rc));
		goto out;
	}
	for (i = 0; i < n; i++)
		bad += !measure_within(&a->m, &rows[i]);
	if (state_run_begin(ctx->st, e->w.name, "tc-test", e->t->seed,
			    e->t->has_seed, &run) == 0)
		measure_store(ctx->st, run, &a->m, rows, n);
	else
		run = 0;
	out = (struct tc_rows){ rows, n, bad };
	rc = tc_finish(ctx, e, a, run, bad,
		       n_hosts ? hosts_text(hosts, n_hosts, host_of, e->w.n_sites,
					    htext, sizeof(htext)) : NULL,
		       print_test, &out);
out:
	free(rows);
	free(hosts);
	free(host_of);
	shape_table_release(&tab);
	return rc;
}

static void print_series_text(const struct tc_args *a,
			      const struct measure_series *s, size_t n,
			      uint64_t start_us, size_t bad)
{
	size_t i, j, lost, across = 0;

	if (start_us)
		printf("traces started at %llu.%06llu (CLOCK_REALTIME); a probe every %u ms for %u s\n",
		       (unsigned long long)(start_us / 1000000),
		       (unsigned long long)(start_us % 1000000), a->m.interval_ms,
		       a->over_ms / 1000);
	printf("%-16s %-16s %7s %7s %6s %6s %11s %9s %7s\n", "SRC", "DST", "trace",
	       "samples", "steps", "within", "worst(ms)", "worst(%)", "loss%");
	for (i = 0; i < n; i++) {
		for (j = lost = 0; j < s[i].n; j++)
			lost += isnan(s[i].rtt_ms[j]);
		const char *verdict = s[i].steps_within < s[i].steps || !s[i].steps ?
				      "OUT OF BOUND" : "";

		printf("%-16s %-16s %7s %7zu %6u %6u %11.3f %9.2f %7.2f %s",
		       s[i].src, s[i].dst, s[i].traced ? "yes" : "no", s[i].n,
		       s[i].steps, s[i].steps_within, s[i].worst_err_ms,
		       s[i].worst_err_pct, s[i].n ? 100.0 * lost / s[i].n : 0.0,
		       verdict);
		/* Through the tunnel between two hosts, as print_test_text. */
		if (s[i].cross_host)
			printf("%sacross hosts %s -> %s", *verdict ? " " : "",
			       s[i].src_host, s[i].dst_host);
		printf("\n");
		across += s[i].cross_host;
	}
	printf("%zu site pairs", n);
	if (across)
		printf(" (%zu across hosts)", across);
	printf(" over %u s: %zu with a step outside max(%g %%, %g ms)\n",
	       a->over_ms / 1000, bad, a->m.tolerance_pct, a->m.tolerance_ms);
}

static void print_series_json(const char *backend, const struct measure_series *s,
			      size_t n, uint64_t start_us, int64_t run)
{
	struct json j;
	size_t i, k;

	json_init(&j, stdout);
	json_begin_object(&j);
	json_key(&j, "series");
	json_begin_array(&j);
	for (i = 0; i < n; i++) {
		json_begin_object(&j);
		json_key_str(&j, "src", s[i].src);
		json_key_str(&j, "dst", s[i].dst);
		json_key_bool(&j, "traced", s[i].traced);
		json_key_int(&j, "steps", s[i].steps);
		json_key_int(&j, "steps_within", s[i].steps_within);
		json_key_double(&j, "worst_error_ms", s[i].worst_err_ms);
		/* As --test's pairs: the hosts ("" on one) and the tunnel. */
		json_key_str(&j, "src_host", s[i].src_host ? s[i].src_host : "");
		json_key_str(&j, "dst_host", s[i].dst_host ? s[i].dst_host : "");
		json_key_bool(&j, "cross_host", s[i].cross_host);
		json_key(&j, "samples");
		json_begin_array(&j);
		for (k = 0; k < s[i].n; k++) {
			json_begin_array(&j);
			json_double(&j, s[i].at_s[k]);
			json_double(&j, s[i].target_ms[k]);
			json_double(&j, s[i].rtt_ms[k]);
			json_end_array(&j);
		}
		json_end_array(&j);
		json_end_object(&j);
	}
	json_end_array(&j);
	json_key_double(&j, "trace_start", start_us ? (double)start_us / 1e6 : NAN);
	json_key_str(&j, "backend", backend);
	json_key_int(&j, "run", run);
	json_end_object(&j);
	json_finish(&j);
}

struct tc_series {
	const struct measure_series *s;
	size_t n;
	uint64_t start_us;
	size_t bad;
};

static void print_series(const struct tc_args *a, const void *arg,
			 const char *backend, int64_t run)
{
	const struct tc_series *t = arg;

	if (a->json)
		print_series_json(backend, t->s, t->n, t->start_us, run);
	else
		print_series_text(a, t->s, t->n, t->start_us, t->bad);
}

/* `--test --over`: the RTT of every pair over time against the target in
 * force at each probe (the steps of its trace). */
static int tc_test_over(struct enos_ctx *ctx, struct shaped_exp *e,
			const struct tc_args *a)
{
	const struct shape_ops *ops = e->info.shaping_ops;
	struct shape_table tab = { 0 };
	struct measure_series *s = NULL;
	struct state_host *hosts = NULL;
	size_t *host_of = NULL, n_hosts = 0;
	struct tc_series out;
	char htext[512];
	uint64_t start = 0;
	int64_t run = 0;
	size_t n = 0, i, bad = 0;
	int rc;

	if (!ops->shapes) {
		cli_error("experiment '%s' was built with shaping '%s': there is no target to follow",
			  e->w.name, ops->name);
		return -EINVAL;
	}
	rc = phase_hosts_of(ctx, &e->w, &hosts, &n_hosts, &host_of);
	/* A spread world's engines are on its hosts (as tc_test). */
	if (rc == 0 && !n_hosts)
		rc = shaping_engine(ctx, &e->w, ops, false);
	if (rc == 0)
		rc = shaping_table(ctx, e->t, &e->w, true, &tab);
	/* Its engines follow no trace (refused at up: phase_hosts_check);
	 * a topology given traces since is not what they apply. */
	if (rc == 0 && n_hosts && shape_table_traced(&tab)) {
		cli_error("the topology of '%s' has traces now, but its %zu hosts' engines apply constant constraints: traces across hosts are not built yet",
			  e->w.name, n_hosts);
		rc = -ENOTSUP;
	}
	if (rc == 0 && state_run_begin(ctx->st, e->w.name, "tc-test", e->t->seed,
				       e->t->has_seed, &run) < 0)
		run = 0;
	if (rc == 0 && !n_hosts)
		rc = shaping_trace_start(ctx, &e->w, ops, run, &start);
	if (rc < 0)
		goto out;
	if (ctx->progress)
		fprintf(stderr, "measuring %zu site pairs for %u s, a probe every %u ms%s\n",
			e->w.n_sites * (e->w.n_sites - 1), a->over_ms / 1000,
			a->m.interval_ms, n_hosts ? ", each from its source's host" : "");
	if (n_hosts)
		rc = phase_hosts_series(&e->w, hosts, n_hosts, host_of, &tab,
					a->over_ms, &a->m, &s, &n);
	else
		rc = measure_series(&e->w, &tab, start, a->over_ms, &a->m, &s, &n);
	if (rc < 0) {
		cli_error("the RTT probe failed: %s", strerror(-rc));
		goto out;
	}
	for (i = 0; i < n; i++)
		bad += !s[i].steps || s[i].steps_within < s[i].steps;
	if (run) {
		state_result_add(ctx->st, run, "tolerance_pct", NULL, NULL,
				 a->m.tolerance_pct, "%");
		state_result_add(ctx->st, run, "tolerance_ms", NULL, NULL,
				 a->m.tolerance_ms, "ms");
		state_result_add(ctx->st, run, "series_interval", NULL, NULL,
				 a->m.interval_ms, "ms");
		measure_series_store(ctx->st, run, s, n);
	}
	out = (struct tc_series){ s, n, start, bad };
	rc = tc_finish(ctx, e, a, run, bad,
		       n_hosts ? hosts_text(hosts, n_hosts, host_of, e->w.n_sites,
					    htext, sizeof(htext)) : NULL,
		       print_series, &out);
out:
	if (rc < 0 && run && !n)
		state_run_end(ctx->st, run, "failed");
	measure_series_free(s, n);
	free(hosts);
	free(host_of);
	shape_table_release(&tab);
	return rc;
}

static int run_tc(struct enos_ctx *ctx, const struct cmd_args *args)
{
	const struct tc_args *a = args->opts;
	struct shaped_exp e;
	int rc;

	/* `--test` (and --over) measures a world spread over several hosts
	 * too. */
	rc = a->mode == TC_TEST ? shaped_open_spread(ctx, args->exp, &e)
				: shaped_open(ctx, args->exp, &e);
	if (rc == 0) {
		switch (a->mode) {
		case TC_APPLY: rc = tc_apply(ctx, &e); break;
		case TC_RESET: rc = tc_reset(ctx, &e); break;
		case TC_TEST:
			rc = a->over_ms ? tc_test_over(ctx, &e, a) : tc_test(ctx, &e, a);
			break;
		case TC_TIMELINE: rc = timeline_run(ctx, &e); break;
		}
	}
	shaped_close(&e);
	return rc < 0 ? EXIT_FAIL : EXIT_OK;
}

static const struct cmd_option tc_options[] = {
	CMD_OPT_EXPERIMENT,
	CMD_OPT_BOOL("reset", struct tc_args, reset),
	CMD_OPT_BOOL("test", struct tc_args, test),
	CMD_OPT_BOOL("timeline", struct tc_args, timeline),
	CMD_OPT_BOOL("json", struct tc_args, json),
	CMD_OPT_STR("samples", struct tc_args, samples),
	CMD_OPT_STR("tolerance", struct tc_args, tolerance),
	CMD_OPT_STR("interval", struct tc_args, interval),
	CMD_OPT_STR("over", struct tc_args, over),
	{ 0 },
};

const struct enos_cmd cmd_tc = {
	.name = "tc",
	.usage = "[-n NAME] [--reset | --test [--json] [--samples N | --over DURATION] [--interval MS] [--tolerance PCT[,MS]] | --timeline]",
	.summary = "apply, reset or measure the WAN; run the faults timeline",
	.help =
		"Without options applies the topology's WAN constraints again through the backend\n"
		"chosen at 'up' (netem or the wand engine, restarting the engine if it died) and\n"
		"ends active faults.\n\n"
		"  --reset            make the WAN a plain wire\n"
		"  --test             measure the RTT of every ordered site pair with a UDP echo probe\n"
		"                     (kernel timestamps), and inside each site with a lan from its\n"
		"                     first node to its other nodes and its gateway; store\n"
		"                     min/p50/p90/p99/mean/loss with the target, print target vs\n"
		"                     measured, exit 1 if a pair is outside the bound\n"
		"  --json             with --test: {\"pairs\":[{\"src\",\"dst\",\"target_rtt_ms\",\"p50_ms\",\n"
		"                     \"p90_ms\",\"p99_ms\",\"loss_pct\",\"samples\",\"lan\"}],\"backend\"}\n"
		"  --samples N        probes per pair (default 50)\n"
		"  --interval MS      between a pair's probes (default 20)\n"
		"  --tolerance P[,MS] the bound on |p50 - target|: max(P %, MS ms) (default 2,0.5)\n"
		"  --over DURATION    with --test: a time series instead (e.g. 60s): a probe every\n"
		"                     --interval (default 100 ms) per pair, each against the target\n"
		"                     in force when it was sent (a trace's step); per step of the\n"
		"                     trace the p50 of its settled probes must be within the bound;\n"
		"                     'enos report' plots target vs measured over time\n"
		"  --timeline         run the topology's faults: list, each at its time\n"
		"  -n, --name NAME    the experiment\n",
	.flags = CMD_NEEDS_ROOT | CMD_OPTS_ANYWHERE,
	.exp = CMD_EXP_ONE,
	.options = tc_options,
	.opts_size = sizeof(struct tc_args),
	.validate = validate_tc,
	.run = run_tc,
};
