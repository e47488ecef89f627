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
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>

#include "emulator/shape.h"
#include "enos/cli.h"
#include "enos/fault.h"
#include "enos/json.h"
#include "enos/measure.h"
#include "enos/shaping.h"
#include "enos/state.h"
#include "enos/timeline.h"
#include "enos/topo.h"

enum tc_mode { TC_APPLY, TC_RESET, TC_TEST, TC_TIMELINE };

struct tc_args {
	const char *name;
	enum tc_mode mode;
	bool json;
	struct measure_opts m;
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

static int parse_tc_args(int argc, char **argv, struct tc_args *a)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "name", required_argument, NULL, 'n' },
		{ "reset", no_argument, NULL, 'r' },
		{ "test", no_argument, NULL, 't' },
		{ "timeline", no_argument, NULL, 'l' },
		{ "json", no_argument, NULL, 'j' },
		{ "samples", required_argument, NULL, 's' },
		{ "tolerance", required_argument, NULL, 'o' },
		{ "interval", required_argument, NULL, 'i' },
		{ NULL, 0, NULL, 0 },
	};
	const struct enos_cmd *cmd = cli_find_cmd("tc");
	int opt, modes = 0;
	bool measuring_opt = false;
	char *end;
	long v;

	memset(a, 0, sizeof(*a));
	a->m.samples = 50;
	a->m.interval_ms = 20;
	a->m.tolerance_pct = 2.0;
	a->m.tolerance_ms = 0.5;
	optind = 0;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "hn:", opts, NULL)) != -1) {
		switch (opt) {
		case 'h':
			printf("usage: enos tc %s\n\n%s", cmd->usage, cmd->help);
			return -1;
		case 'n': a->name = optarg; break;
		case 'r': a->mode = TC_RESET; modes++; break;
		case 't': a->mode = TC_TEST; modes++; break;
		case 'l': a->mode = TC_TIMELINE; modes++; break;
		case 'j': a->json = true; measuring_opt = true; break;
		case 's':
			v = strtol(optarg, &end, 10);
			if (*end || end == optarg || v < 1 || v > 100000) {
				cli_error("--samples '%s' is not a count from 1 to 100000", optarg);
				return cli_usage(cmd);
			}
			a->m.samples = (unsigned)v;
			measuring_opt = true;
			break;
		case 'i':
			v = strtol(optarg, &end, 10);
			if (*end || end == optarg || v < 1 || v > 10000) {
				cli_error("--interval '%s' is not milliseconds from 1 to 10000", optarg);
				return cli_usage(cmd);
			}
			a->m.interval_ms = (unsigned)v;
			measuring_opt = true;
			break;
		case 'o':
			if (parse_tolerance(optarg, &a->m) < 0) {
				cli_error("--tolerance '%s' is not PERCENT[,MS] (e.g. 2,0.5)", optarg);
				return cli_usage(cmd);
			}
			measuring_opt = true;
			break;
		default:
			cli_error("unknown option '%s'", argv[optind - 1]);
			return cli_usage(cmd);
		}
	}
	if (optind != argc || modes > 1) {
		if (modes > 1)
			cli_error("--reset, --test and --timeline exclude each other");
		return cli_usage(cmd);
	}
	if (measuring_opt && a->mode != TC_TEST) {
		cli_error("--json, --samples, --interval and --tolerance go with --test");
		return cli_usage(cmd);
	}
	return 0;
}

/* End every active fault of NAME: a fresh apply starts from the topology. */
static void end_active_faults(struct enos_ctx *ctx, const char *name)
{
	struct state_fault *f = NULL;
	struct timespec now;
	size_t n = 0, i;

	clock_gettime(CLOCK_REALTIME, &now);
	if (state_faults(ctx->st, name, 0, true, &f, &n) < 0)
		return;
	for (i = 0; i < n; i++)
		state_fault_end(ctx->st, f[i].id, now.tv_sec + now.tv_nsec / 1e9);
	if (n)
		printf("ended %zu active fault%s\n", n, n == 1 ? "" : "s");
	free(f);
}

static int tc_apply(struct enos_ctx *ctx, struct shaped_exp *e)
{
	const struct shape_ops *ops = e->info.shaping_ops;
	struct shape_table tab = { 0 };
	double t0 = cli_now();
	int rc;

	if (!ops->shapes) {
		cli_error("experiment '%s' was built with shaping '%s': there is nothing to apply",
			  e->w.name, ops->name);
		cli_hint("set network.shaping to auto, netem or wand, then 'enos up --force'");
		return -EINVAL;
	}
	rc = shaping_engine(ctx, &e->w, ops, true);
	if (rc == 0)
		rc = shaping_table(ctx, e->t, &e->w, false, &tab);
	if (rc == 0)
		rc = shaping_partition(ctx, e->t, &e->w, &tab);
	if (rc == 0)
		rc = shaping_apply(ctx, &e->w, ops, &tab);
	if (rc == 0) {
		end_active_faults(ctx, e->w.name);
		printf("WAN of '%s' applied with %s: %zu site pairs in %.2f s\n",
		       e->w.name, ops->name, tab.n * (tab.n - 1), cli_now() - t0);
	}
	shape_table_release(&tab);
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
	if (rc == 0) {
		end_active_faults(ctx, e->w.name);
		printf("WAN of '%s' is a plain wire (%s reset)\n", e->w.name,
		       ops->name);
	}
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
	size_t i;

	printf("%-16s %-16s %9s %9s %9s %9s %8s %7s %s\n", "SRC", "DST",
	       "target", "p50", "p99", "error", "error%", "loss%", "");
	for (i = 0; i < n; i++) {
		double err = r[i].p50_ms - r[i].target_ms;

		printf("%-16s %-16s %9.3f %9.3f %9.3f %+9.3f %+7.2f%% %7.2f %s\n",
		       r[i].src, r[i].dst, r[i].target_ms, r[i].p50_ms,
		       r[i].p99_ms, err, r[i].target_ms > 0 ? 100 * err / r[i].target_ms : 0.0,
		       r[i].loss_pct, r[i].cut ? "(cut)" :
		       measure_within(&a->m, &r[i]) ? "" : "OUT OF BOUND");
	}
	printf("%zu site pairs, %u probes each: %zu outside max(%g %%, %g ms)\n",
	       n, a->m.samples, bad, a->m.tolerance_pct, a->m.tolerance_ms);
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
		json_end_object(&j);
	}
	json_end_array(&j);
	json_key_str(&j, "backend", backend);
	json_key_int(&j, "run", run);
	json_end_object(&j);
	json_finish(&j);
}

static int tc_test(struct enos_ctx *ctx, struct shaped_exp *e,
		   const struct tc_args *a)
{
	struct shape_table tab = { 0 };
	struct report_rtt *rows = NULL;
	struct utsname u;
	int64_t run = 0;
	size_t n = 0, i, bad = 0;
	int rc;

	rc = shaping_engine(ctx, &e->w, e->info.shaping_ops, false);
	if (rc == 0)
		rc = shaping_table(ctx, e->t, &e->w, true, &tab);
	if (rc < 0)
		goto out;
	if (ctx->progress)
		fprintf(stderr, "measuring %zu site pairs, %u probes each\n",
			e->w.n_sites * (e->w.n_sites - 1), a->m.samples);
	/* Unshaped, the WAN has no target to measure against. */
	rc = measure_sites(&e->w, e->info.shaping_ops->shapes ? &tab : NULL,
			   &a->m, &rows, &n);
	if (rc < 0) {
		cli_error("the RTT probe failed: %s", strerror(-rc));
		goto out;
	}
	for (i = 0; i < n; i++)
		bad += !measure_within(&a->m, &rows[i]);
	if (state_run_begin(ctx->st, e->w.name, "tc-test", e->t->seed,
			    e->t->has_seed, &run) == 0) {
		measure_store(ctx->st, run, &a->m, rows, n);
		measure_store_world(ctx->st, run, &e->w, e->info.topo_path);
		state_fact_add(ctx->st, run, "shaping", e->info.shaping);
		if (uname(&u) == 0)
			state_fact_add(ctx->st, run, "kernel", u.release);
		state_run_end(ctx->st, run, bad ? "out-of-bound" : "ok");
	}
	if (a->json) {
		print_test_json(e->info.shaping, rows, n, run);
	} else {
		print_test_text(a, rows, n, bad);
		print_endpoints(&e->w);
		printf("stored as run %lld; 'enos report -n %s %lld' draws it\n",
		       (long long)run, e->w.name, (long long)run);
	}
	if (bad)
		rc = -ERANGE;
out:
	free(rows);
	shape_table_release(&tab);
	return rc;
}

int cmd_tc(struct enos_ctx *ctx, int argc, char **argv)
{
	struct shaped_exp e;
	struct tc_args a;
	int rc = parse_tc_args(argc, argv, &a);

	if (rc)
		return rc < 0 ? EXIT_OK : rc;
	if (cli_need_root("enos tc") < 0)
		return EXIT_FAIL;
	rc = shaped_open(ctx, a.name, &e);
	if (rc == 0) {
		switch (a.mode) {
		case TC_APPLY: rc = tc_apply(ctx, &e); break;
		case TC_RESET: rc = tc_reset(ctx, &e); break;
		case TC_TEST: rc = tc_test(ctx, &e, &a); break;
		case TC_TIMELINE: rc = timeline_run(ctx, &e); break;
		}
	}
	shaped_close(&e);
	return rc < 0 ? EXIT_FAIL : EXIT_OK;
}
