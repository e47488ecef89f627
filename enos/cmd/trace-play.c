/* trace-play — `enos trace-play -n NAME --start US`: the process enos
 * starts after it applies the WAN of a world whose backend has no clock
 * (shape_ops.trace_play: netem) and whose table has traces. It reads the
 * world, its topology and its active faults from the database, as any
 * command does, and replays every traced direction from START (CLOCK_REALTIME
 * us: the start the apply used, so tc --test's targets and the steps
 * agree) with emulator/trace_play.c's loop, changing that direction's netem
 * qdisc through shape_ops.set_pair at each step, until SIGTERM. Each step
 * it applies is one line on stderr, its log (/run/enos/NAME/trace-play.log).
 * Hidden: enos starts it (enos/shaping.c), users do not.
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "emulator/trace.h"
#include "emulator/trace_play.h"
#include "enos/cli.h"
#include "enos/cmd/cmd.h"
#include "enos/plan.h"
#include "enos/shaping.h"
#include "enos/state.h"
#include "enos/topo.h"

struct play_opts {
	const char *start;
	uint64_t start_us;      /* set by validate_play */
};

/* The player's state, handed to the loop's callbacks. */
struct player {
	struct enos_ctx *ctx;
	const struct shape_ops *ops;
	const struct world *w;
	struct shape_table *tab;
	size_t applied;
};

static volatile sig_atomic_t stop_asked;

static void on_stop(int sig)
{
	(void)sig;
	stop_asked = 1;
}

static uint64_t clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static uint64_t play_clock(void *arg)
{
	(void)arg;
	return clock_ns(CLOCK_MONOTONIC);
}

/* Until UNTIL_NS on CLOCK_MONOTONIC, absolute: a wake-up late by X does
 * not move the deadlines after it. */
static int play_sleep(void *arg, uint64_t until_ns)
{
	struct timespec ts = { (time_t)(until_ns / 1000000000u),
			       (long)(until_ns % 1000000000u) };
	(void)arg;

	while (!stop_asked) {
		if (until_ns == UINT64_MAX)
			pause();
		else if (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts,
					 NULL) == 0)
			return 0;
	}
	return -EINTR;
}

static int play_apply(void *arg, size_t src, size_t dst,
		      const struct link_params *p, size_t step,
		      uint64_t offset_us, uint64_t late_ns)
{
	struct player *pl = arg;
	uint64_t real = clock_ns(CLOCK_REALTIME) / 1000;
	int rc;

	*shape_at(pl->tab, src, dst) = *p;
	rc = pl->ops->set_pair(pl->ctx->emu, pl->w, pl->tab, src, dst);
	fprintf(stderr, "%" PRIu64 ".%06" PRIu64 " step %zu %s -> %s: delay %.3f ms, loss %.3f%%, at +%.6f s, %.3f ms late%s%s\n",
		real / 1000000, real % 1000000, step, pl->w->sites[src].name,
		pl->w->sites[dst].name, (double)p->delay_us / 1000.0,
		p->loss_pct, (double)offset_us / 1e6, (double)late_ns / 1e6,
		rc ? ": " : "", rc ? strerror(-rc) : "");
	fflush(stderr);
	pl->applied++;
	return rc;
}

static int validate_play(const struct enos_cmd *c, struct cmd_args *a)
{
	struct play_opts *o = a->opts;
	unsigned long long v;
	char *end;

	if (!a->name || !o->start)
		return cli_usage(c);
	errno = 0;
	v = strtoull(o->start, &end, 10);
	if (errno || end == o->start || *end || v == 0) {
		cli_error("--start '%s' is not a time in microseconds since the epoch",
			  o->start);
		return EXIT_USAGE;
	}
	o->start_us = v;
	return 0;
}

/* Read NAME's world, topology and table (faults included) into W, *T and
 * TAB. */
static int load(struct enos_ctx *ctx, const char *name, struct exp_info *info,
		struct world *w, struct topology **t, struct shape_table *tab)
{
	int rc = state_get(ctx->st, name, info);

	if (rc == 0)
		rc = state_load_world(ctx->st, name, w);
	if (rc < 0) {
		cli_error("cannot read experiment '%s': %s", name,
			  state_errmsg(ctx->st));
		return rc;
	}
	rc = shaping_topology(info->topo_path, w, t);
	if (rc == 0) {
		plan_lan(*t, info->shaping_ops, w);
		rc = shaping_table(ctx, *t, w, true, tab);
	}
	/* Cuts as the apply made them (drop rules, or the pair's netem). */
	if (rc == 0)
		rc = shaping_partition(ctx, *t, w, tab);
	return rc;
}

static int run_trace_play(struct enos_ctx *ctx, const struct cmd_args *a)
{
	const struct play_opts *o = a->opts;
	struct player pl = { .ctx = ctx };
	struct trace_play_ops ops = { play_clock, play_sleep, play_apply, &pl };
	struct sigaction sa;
	struct exp_info info;
	struct world w = { 0 };
	struct topology *t = NULL;
	struct shape_table tab = { 0 };
	char pidfile[PATH_MAX];
	bool mine = false;
	uint64_t start_ns;
	int rc;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop;        /* no SA_RESTART: the sleep ends */
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	rc = cli_state(ctx);
	if (rc == 0)
		rc = load(ctx, a->name, &info, &w, &t, &tab);
	if (rc == 0 && (!info.shaping_ops->trace_play || !info.shaping_ops->set_pair)) {
		cli_error("the %s backend of '%s' replays no trace with a player",
			  info.shaping_ops->name, a->name);
		rc = -EINVAL;
	}
	if (rc == 0)
		rc = cli_emu(ctx);
	if (rc < 0)
		goto out;
	/* Claimed once it can play (its starter waits for the file, so a
	 * player that cannot start says so with its exit status), and
	 * before the first step: the pid file is how a sweep finds a player
	 * that was never recorded. */
	rc = trace_play_pidfile(a->name, pidfile, sizeof(pidfile));
	if (rc == 0)
		rc = trace_play_claim(pidfile, o->start_us);
	if (rc < 0) {
		cli_error("trace player of '%s': cannot claim its pid file: %s",
			  a->name, strerror(-rc));
		goto out;
	}
	mine = true;
	pl.ops = info.shaping_ops;
	pl.w = &w;
	pl.tab = &tab;
	tab.trace_start_us = o->start_us;
	start_ns = trace_clock_start(o->start_us, clock_ns(CLOCK_REALTIME),
				     clock_ns(CLOCK_MONOTONIC));
	fprintf(stderr, "trace player of '%s' (pid %d): traces from %" PRIu64 ".%06" PRIu64 "\n",
		a->name, (int)getpid(), o->start_us / 1000000,
		o->start_us % 1000000);
	rc = trace_play_run(&tab, start_ns, &ops);
	if (rc == 0) {
		/* Every trace holds its last step: stay, so that the start
		 * stays readable, until told to stop. */
		fprintf(stderr, "every trace holds its last step\n");
		rc = play_sleep(NULL, UINT64_MAX);
	}
	if (rc == -EINTR)
		rc = 0;
	if (rc < 0)
		cli_error("trace player of '%s': %s", a->name, strerror(-rc));
	else
		fprintf(stderr, "trace player of '%s' stopped after %zu steps\n",
			a->name, pl.applied);
out:
	if (mine)
		unlink(pidfile);
	shape_table_release(&tab);
	topo_free(t);
	state_world_free(&w);
	return rc < 0 ? EXIT_FAIL : EXIT_OK;
}

static const struct cmd_option play_options[] = {
	CMD_OPT_EXPERIMENT,
	CMD_OPT_STR("start", struct play_opts, start),
	{ 0 },
};

/* enos trace-play -n NAME --start US: runs until SIGTERM; EXIT_FAIL if
 * it could not start or a step could not be applied (the reason on
 * stderr, its log). */
const struct enos_cmd cmd_trace_play = {
	.name = TRACE_PLAY_NAME,
	.usage = "-n NAME --start US",
	.summary = "replay the traces of a netem world (started by enos itself)",
	.help =
		"The trace player that 'up' and 'tc apply' start for a world whose WAN\n"
		"is netem and whose pairs follow traces. Not for users.\n",
	.flags = CMD_NEEDS_ROOT | CMD_HIDDEN,
	.min_args = 0,
	.max_args = 0,
	.options = play_options,
	.opts_size = sizeof(struct play_opts),
	.validate = validate_play,
	.run = run_trace_play,
};
