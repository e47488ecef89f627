/* cmd_traffic — `enos traffic`: count what crosses the WAN of a running
 * experiment by hand, and show what was stored (enos/traffic.c).
 *
 *   enos traffic [-n NAME] start          zero the counters (arming them on
 *                                         the gateways for netem and none)
 *                                         and open a run of kind "traffic"
 *   enos traffic [-n NAME] stop [--json]  read them, store them in that run,
 *                                         print the table
 *   enos traffic [-n NAME] show [--json]  the newest stored table (a
 *                                         workload's run too)
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "emulator/traffic.h"
#include "enos/cli.h"
#include "enos/cmd/cmd.h"
#include "enos/json.h"
#include "enos/shaping.h"
#include "enos/state.h"
#include "enos/topo.h"
#include "enos/traffic.h"

#define METRIC_STARTED "traffic_started"

enum traffic_action { TRAFFIC_START, TRAFFIC_STOP, TRAFFIC_SHOW };

struct traffic_opts {
	bool json;
	enum traffic_action action;     /* set by validate_traffic */
};

static double unix_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The count `enos traffic start` opened on NAME and that is not stopped
 * yet: 0 and *RUN, or -ENOENT. *STARTED: its start (unix seconds). */
static int open_run(struct enos_ctx *ctx, const char *name, int64_t *run,
		    double *started)
{
	struct state_result *res = NULL;
	struct run_info ri;
	size_t n = 0, i;
	int rc = state_run_latest(ctx->st, name, METRIC_STARTED, run);

	if (rc == 0)
		rc = state_run_get(ctx->st, *run, &ri);
	if (rc == 0 && (strcmp(ri.kind, "traffic") || ri.ended))
		rc = -ENOENT;
	*started = 0;
	if (rc == 0 && state_results(ctx->st, *run, &res, &n) == 0)
		for (i = 0; i < n; i++)
			if (!strcmp(res[i].metric, METRIC_STARTED))
				*started = res[i].value;
	free(res);
	return rc == -ENOENT ? -ENOENT : rc;
}

static void print_json(const char *name, int64_t run,
		       const struct traffic_row *rows, size_t n)
{
	uint64_t packets = 0, bytes = 0, payload = 0;
	struct json j;
	size_t i;

	json_init(&j, stdout);
	json_begin_object(&j);
	json_key_str(&j, "experiment", name);
	json_key_int(&j, "run", run);
	json_key(&j, "rows");
	json_begin_array(&j);
	for (i = 0; i < n; i++) {
		json_begin_object(&j);
		json_key_str(&j, "src", rows[i].src_site);
		json_key_str(&j, "dst", rows[i].dst_site);
		json_key_str(&j, "service", rows[i].service);
		json_key_int(&j, "proto", rows[i].proto);
		json_key_int(&j, "port", rows[i].port);
		json_key_int(&j, "packets", (int64_t)rows[i].packets);
		json_key_int(&j, "bytes", (int64_t)rows[i].bytes);
		json_key_int(&j, "payload", (int64_t)rows[i].payload);
		json_end_object(&j);
		packets += rows[i].packets;
		bytes += rows[i].bytes;
		payload += rows[i].payload;
	}
	json_end_array(&j);
	json_key(&j, "total");
	json_begin_object(&j);
	json_key_int(&j, "packets", (int64_t)packets);
	json_key_int(&j, "bytes", (int64_t)bytes);
	json_key_int(&j, "payload", (int64_t)payload);
	json_end_object(&j);
	json_end_object(&j);
	json_finish(&j);
}

static int show_run(struct enos_ctx *ctx, const char *name, int64_t run,
		    bool json)
{
	struct traffic_row *rows = NULL;
	size_t n = 0;
	int rc = state_traffic(ctx->st, run, &rows, &n);

	if (rc < 0) {
		cli_error("cannot read the traffic of run %lld: %s",
			  (long long)run, state_errmsg(ctx->st));
		return rc;
	}
	if (json)
		print_json(name, run, rows, n);
	else
		traffic_print(name, run, rows, n, 0);
	free(rows);
	return 0;
}

static int traffic_start(struct enos_ctx *ctx, struct shaped_exp *e)
{
	const char *name = e->w.name;
	double started;
	int64_t run = 0, old;
	int rc;

	rc = traffic_begin(ctx, e);
	if (rc < 0)
		return rc;
	/* Counting starts over: a count left open ends unstored. */
	if (open_run(ctx, name, &old, &started) == 0) {
		state_run_end(ctx->st, old, "superseded");
		printf("the count opened in run %lld is dropped\n", (long long)old);
	}
	rc = state_run_begin(ctx->st, name, "traffic", e->t->seed,
			     e->t->has_seed, &run);
	if (rc == 0)
		rc = state_result_add(ctx->st, run, METRIC_STARTED, NULL, NULL,
				      unix_now(), "s");
	if (rc == 0)
		rc = state_fact_add(ctx->st, run, "shaping", e->info.shaping);
	if (rc < 0) {
		cli_error("cannot record the traffic run of '%s': %s", name,
			  state_errmsg(ctx->st));
		return rc;
	}
	printf("counting the WAN traffic of '%s' with %s (run %lld); "
	       "'enos traffic stop -n %s' stores it\n", name,
	       e->info.shaping_ops->name, (long long)run, name);
	return 0;
}

static int traffic_stop(struct enos_ctx *ctx, struct shaped_exp *e, bool json)
{
	const char *name = e->w.name;
	double started = 0;
	int64_t run = 0;
	int rc;

	rc = open_run(ctx, name, &run, &started);
	if (rc == -ENOENT) {
		cli_error("no traffic count is running on '%s'", name);
		cli_hint("'enos traffic start -n %s' starts one", name);
		return rc;
	}
	if (rc < 0) {
		cli_error("cannot read the runs of '%s': %s", name,
			  state_errmsg(ctx->st));
		return rc;
	}
	rc = traffic_end(ctx, e, run);
	if (rc == 0 && started > 0)
		state_result_add(ctx->st, run, "traffic_seconds", NULL, NULL,
				 unix_now() - started, "s");
	state_run_end(ctx->st, run, rc ? "failed" : "ok");
	if (rc == 0)
		rc = show_run(ctx, name, run, json);
	return rc;
}

static int traffic_show(struct enos_ctx *ctx, const char *name, bool json)
{
	int64_t run = 0;
	int rc = state_run_latest(ctx->st, name, TRAFFIC_METRIC_BYTES, &run);

	if (rc == -ENOENT) {
		cli_error("no traffic of '%s' is stored", name);
		cli_hint("'enos traffic start -n %s', then 'stop', counts some", name);
		return rc;
	}
	if (rc < 0) {
		cli_error("cannot read the runs of '%s': %s", name,
			  state_errmsg(ctx->st));
		return rc;
	}
	return show_run(ctx, name, run, json);
}

static int run_traffic(struct enos_ctx *ctx, const struct cmd_args *a)
{
	const struct traffic_opts *o = a->opts;
	struct shaped_exp e;
	int rc;

	if (o->action == TRAFFIC_SHOW) {
		rc = cli_state(ctx);
		if (rc == 0)
			rc = traffic_show(ctx, a->exp, o->json);
		return rc < 0 ? EXIT_FAIL : EXIT_OK;
	}
	if (ctx->euid != 0) {
		cli_error("enos traffic %s needs root (it reads counters inside the "
			  "gateways' namespaces)", a->argv[0]);
		return EXIT_FAIL;
	}
	rc = shaped_open(ctx, a->exp, &e);
	if (rc == 0)
		rc = o->action == TRAFFIC_START ? traffic_start(ctx, &e) :
		     traffic_stop(ctx, &e, o->json);
	shaped_close(&e);
	return rc < 0 ? EXIT_FAIL : EXIT_OK;
}

static int validate_traffic(const struct enos_cmd *c, struct cmd_args *a)
{
	struct traffic_opts *o = a->opts;
	const char *what = a->argv[0];

	if (!strcmp(what, "start")) {
		o->action = TRAFFIC_START;
	} else if (!strcmp(what, "stop")) {
		o->action = TRAFFIC_STOP;
	} else if (!strcmp(what, "show")) {
		o->action = TRAFFIC_SHOW;
	} else {
		cli_error("unknown action '%s' (use start, stop or show)", what);
		return cli_usage(c);
	}
	if (o->json && o->action == TRAFFIC_START) {
		cli_error("--json goes with stop and show");
		return cli_usage(c);
	}
	return 0;
}

static const struct cmd_option traffic_options[] = {
	CMD_OPT_EXPERIMENT,
	CMD_OPT_BOOL("json", struct traffic_opts, json),
	{ 0 },
};

const struct enos_cmd cmd_traffic = {
	.name = "traffic",
	.usage = "[-n NAME] start | stop [--json] | show [--json]",
	.summary = "count what crosses the WAN, per site pair and service",
	.help =
		"Counts packets, wire bytes and L4 payload bytes per ordered site pair and per\n"
		"service: the server's port (below 32768) names the stack service listening on\n"
		"it at either end, as recorded at deploy; other ports count as 'other'. The wand\n"
		"engine counts every frame it forwards; netem and none count on the gateways\n"
		"(nftables). Every workload run counts by itself.\n\n"
		"  start          zero the counters and open a run of kind 'traffic' (root)\n"
		"  stop           store what was counted since in that run and print it (root)\n"
		"  show           print the newest stored table\n"
		"  --json         {\"experiment\",\"run\",\"rows\":[{\"src\",\"dst\",\"service\",\"proto\",\n"
		"                 \"port\",\"packets\",\"bytes\",\"payload\"}],\"total\"}\n"
		"  -n, --name NAME  the experiment\n",
	.flags = CMD_OPTS_ANYWHERE,
	.exp = CMD_EXP_ONE,
	.min_args = 1,
	.max_args = 1,
	.options = traffic_options,
	.opts_size = sizeof(struct traffic_opts),
	.validate = validate_traffic,
	.run = run_traffic,
};
