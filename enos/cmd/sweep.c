/* cmd_sweep — `enos sweep SWEEP.yaml [--resume] [--force] [--keep]`: run a
 * sweep (enos/sweep.h) pair by pair, resumable.
 *
 * Everything is checked before anything runs: the sweep file, every value
 * and every point through the topology loader, the stack's strategies.
 * Then the sweep is recorded (enos/state.h, schema v7) and the loop
 * (enos/sweep_loop.h) runs the pairs not done through one step,
 * sweep_world_step (enos/sweep_world.h), printing a progress line per
 * pair. At the end the world is taken down (unless --keep).
 *
 * One sweep runs on an experiment at a time: a lock file beside the state
 * database (sweep-EXP.lock, a record lock: a kill releases it). Ctrl-C (SIGINT,
 * SIGTERM, SIGHUP) asks the loop to stop: the pair running finishes, or is
 * abandoned when its step sees the signal (phase_up rolls back), and is
 * recorded; a second Ctrl-C kills enos (the handler is reset), which a
 * --resume recovers from like a kill -9.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "enos/cli.h"
#include "enos/cmd/cmd.h"
#include "enos/phase.h"
#include "enos/state.h"
#include "enos/sweep.h"
#include "enos/sweep_loop.h"
#include "enos/sweep_world.h"

struct sweep_opts {
	bool resume, force, keep;
};

/* The signal that asked the sweep to stop. A handler can reach nothing
 * else; the loop polls it through stop_asked(). */
static volatile sig_atomic_t stop_signal;

static void on_signal(int sig)
{
	stop_signal = sig;
}

static bool stop_asked(void *arg)
{
	bool *said = arg;

	if (stop_signal && !*said) {
		*said = true;
		fprintf(stderr, "\nenos: %s: stopping after this pair (again: stop now, '--resume' recovers)\n",
			strsignal(stop_signal));
	}
	return stop_signal != 0;
}

static void show_progress(void *arg, const struct sweep_progress *p)
{
	char line[256];
	(void)arg;

	printf("%s\n", sweep_loop_progress_text(p, line, sizeof(line)));
	printf("  %s: %s\n", sweep_action_name(p->action), p->label);
	fflush(stdout);
}

/* Lock experiment EXP for this sweep: a write lock (fcntl) on
 * DBDIR/sweep-EXP.lock until FD closes or the process dies. A record lock,
 * not flock: children forked while it is held (the world's helpers) do
 * not inherit it, so a killed sweep's lock goes with it. -EBUSY (*HOLDER
 * its pid) if another process holds it. */
static int lock_experiment(const char *db_path, const char *exp, int *fd,
			   pid_t *holder)
{
	const char *slash = strrchr(db_path, '/');
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
	char path[PATH_MAX];
	int e;

	*fd = -1;
	*holder = 0;
	if (snprintf(path, sizeof(path), "%.*s%ssweep-%s.lock",
		     slash ? (int)(slash - db_path) : 0, db_path,
		     slash ? "/" : "", exp) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	*fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (*fd < 0)
		return -errno;
	if (fcntl(*fd, F_SETLK, &fl) == 0)
		return 0;
	e = errno == EACCES || errno == EAGAIN ? EBUSY : errno;
	if (e == EBUSY && fcntl(*fd, F_GETLK, &fl) == 0 && fl.l_type != F_UNLCK)
		*holder = fl.l_pid;
	close(*fd);
	*fd = -1;
	return -e;
}

/* Record S (read from PATH); prints errors. */
static int record(struct enos_ctx *ctx, const struct sweep *s,
		  const char *path, bool keep_done, int64_t *id)
{
	int rc = sweep_loop_record(ctx->st, s, path, keep_done, id);

	if (rc == -ENOMEM)
		cli_error("out of memory");
	else if (rc)
		cli_error("cannot record sweep '%s': %s", s->name,
			  state_errmsg(ctx->st));
	return rc;
}

/* How many pairs of sweep ID are done, of *TOTAL. */
static size_t pairs_done(struct state *st, int64_t id, size_t *total)
{
	struct sweep_pair_row *rows = NULL;
	size_t n = 0, i, done = 0;

	if (state_sweep_pairs(st, id, &rows, &n) == 0)
		for (i = 0; i < n; i++)
			done += strcmp(rows[i].status, SWEEP_DONE) == 0;
	state_sweep_pairs_free(rows, n);
	*total = n;
	return done;
}

/* Find or make the record to run: *ID. Prints errors. */
static int choose_record(struct enos_ctx *ctx, const struct sweep *s,
			 const char *path, const struct sweep_opts *o,
			 int64_t *id)
{
	struct sweep_record rec;
	struct exp_info info;
	char hash[17];
	size_t done, total;
	int rc = state_sweep_get(ctx->st, s->name, &rec);

	if (rc && rc != -ENOENT) {
		cli_error("cannot read sweep '%s': %s", s->name,
			  state_errmsg(ctx->st));
		return rc;
	}
	if (rc == -ENOENT || (!o->resume && o->force)) {
		/* A world of that name not made by this sweep is not ours to
		 * replace unless asked. */
		if (rc == -ENOENT && !o->force &&
		    state_get(ctx->st, s->exp, &info) == 0) {
			cli_error("experiment '%s' is recorded (status '%s'): a sweep builds its own world of that name",
				  s->exp, info.status);
			cli_hint("'enos down -n %s' first, or 'enos sweep --force %s'",
				 s->exp, path);
			return -EEXIST;
		}
		if (rc == -ENOENT && o->resume)
			printf("sweep '%s' is not recorded: starting it\n", s->name);
		return record(ctx, s, path, false, id);
	}
	done = pairs_done(ctx->st, rec.id, &total);
	if (!o->resume) {
		cli_error("sweep '%s' is recorded already (%zu of %zu pairs done)",
			  s->name, done, total);
		cli_hint("'enos sweep %s --resume' runs the pairs not done; '--force' starts it again (its runs stay)",
			 path);
		return -EEXIST;
	}
	snprintf(hash, sizeof(hash), "%016" PRIx64, s->hash);
	if (strcmp(hash, rec.hash) == 0) {
		*id = rec.id;
		printf("resuming sweep '%s': %zu of %zu pairs done\n", s->name,
		       done, total);
		return 0;
	}
	if (!o->force) {
		cli_error("sweep '%s' was recorded from other files: '%s' or its topology changed since",
			  s->name, path);
		cli_hint("'--resume --force' keeps the pairs done whose point is unchanged and runs the others; '--force' alone starts again");
		return -ESTALE;
	}
	printf("sweep '%s' changed: keeping the pairs done whose point is unchanged\n",
	       s->name);
	return record(ctx, s, path, true, id);
}

static void print_outcome(const struct sweep *s, const char *path,
			  const struct sweep_outcome *out, size_t total)
{
	if (out->recovered)
		printf("recovered %zu pair%s a kill had left running\n",
		       out->recovered, out->recovered == 1 ? "" : "s");
	if (!out->left) {
		printf("sweep '%s': all %zu pairs done (%zu in this run)\n",
		       s->name, total, out->done);
		return;
	}
	if (out->interrupted)
		cli_error("sweep '%s' interrupted: %zu of %zu pairs not done",
			  s->name, out->left, total);
	else
		cli_error("sweep '%s': %zu pair%s failed, %zu of %zu not done",
			  s->name, out->failed, out->failed == 1 ? "" : "s",
			  out->left, total);
	cli_hint("'enos sweep %s --resume' runs them", path);
}

static int run_sweep(struct enos_ctx *ctx, const struct cmd_args *a)
{
	const struct sweep_opts *o = a->opts;
	const char *path = a->argv[0];
	struct sigaction sa, old[3];
	static const int sigs[3] = { SIGINT, SIGTERM, SIGHUP };
	struct sweep_outcome out = { 0 };
	struct sweep_world sw = { 0 };
	struct sweep_cost *cost = NULL;
	struct exp_info info;
	struct sweep *s = NULL;
	struct sweep_loop l = { 0 };
	char *err = NULL;
	bool said = false, handlers = false;
	size_t total = 0, i;
	int64_t id = 0;
	pid_t holder;
	int lock = -1, rc = 0, status = EXIT_FAIL;

	s = sweep_load(path, &err);
	if (s)
		rc = sweep_validate(s, sweep_world_check_stack, NULL, &err);
	if (!s || rc) {
		fprintf(stderr, "%s\n", err ? err : "error: out of memory");
		goto out;
	}
	if (cli_state(ctx) < 0)
		goto out;
	rc = lock_experiment(ctx->db_path, s->exp, &lock, &holder);
	if (rc == -EBUSY) {
		cli_error("another 'enos sweep' (pid %d) runs on experiment '%s'",
			  (int)holder, s->exp);
		goto out;
	} else if (rc < 0) {
		cli_error("cannot lock experiment '%s': %s", s->exp, strerror(-rc));
		goto out;
	}
	/* And the experiment itself, against an up, down or deploy of it. */
	if (phase_lock(ctx, s->exp) < 0)
		goto out;
	if (choose_record(ctx, s, path, o, &id) < 0)
		goto out;
	cost = calloc(s->n_points, sizeof(*cost));
	if (cost && sweep_loop_costs(ctx->st, s, cost, &err) < 0) {
		free(err);
		err = NULL;
		free(cost);
		cost = NULL;
	}
	if (sweep_world_init(&sw, ctx, s) < 0)
		goto out;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sa.sa_flags = SA_RESETHAND | SA_RESTART;
	sigemptyset(&sa.sa_mask);
	stop_signal = 0;
	for (i = 0; i < 3; i++)
		sigaction(sigs[i], &sa, &old[i]);
	handlers = true;

	l.st = ctx->st;
	l.sweep = s;
	l.id = id;
	l.step = sweep_world_step;
	l.step_arg = &sw;
	l.stop = stop_asked;
	l.stop_arg = &said;
	l.progress = show_progress;
	l.cost = cost;
	rc = sweep_loop_run(&l, &out, &err);
	if (rc < 0)
		cli_error("%s", err ? err : strerror(-rc));
	/* Nothing of the sweep stays up unless asked. */
	if (!o->keep && state_get(ctx->st, s->exp, &info) == 0) {
		fflush(stdout);
		if (phase_down(ctx, s->exp) < 0)
			rc = rc ? rc : -EIO;
	}
	pairs_done(ctx->st, id, &total);
	if (rc == 0) {
		print_outcome(s, path, &out, total);
		if (!out.left)
			status = EXIT_OK;
	}
out:
	if (handlers)
		for (i = 0; i < 3; i++)
			sigaction(sigs[i], &old[i], NULL);
	sweep_world_release(&sw);
	if (lock >= 0)
		close(lock);
	free(cost);
	free(err);
	sweep_free(s);
	return status;
}

static const struct cmd_option sweep_options[] = {
	CMD_OPT_BOOL("resume", struct sweep_opts, resume),
	CMD_OPT_BOOL("force", struct sweep_opts, force),
	CMD_OPT_BOOL("keep", struct sweep_opts, keep),
	{ 0 },
};

/* Options may follow the file: `enos sweep FILE --resume`. */
const struct enos_cmd cmd_sweep = {
	.name = "sweep",
	.usage = "[--resume] [--force] [--keep] SWEEP.yaml",
	.summary = "run every point of a sweep, repeated, resumable",
	.help =
		"Runs the sweep in SWEEP.yaml (see benchmarks/README.md): every point of the cross\n"
		"product of its axes, each repeated, in its order, with a seed per point and\n"
		"repetition. Between two pairs the world is kept when only WAN values changed\n"
		"(the WAN is applied again), the stack is deployed again when it changed, and the\n"
		"world is built again otherwise. Every pair is recorded in the state database as\n"
		"it runs; 'enos check SWEEP.yaml' shows the plan without running it.\n"
		"Ctrl-C stops after the pair that runs (recorded); a second one stops at once.\n\n"
		"  --resume  run only the pairs not done (after Ctrl-C, a kill or a reboot); a\n"
		"            pair a kill left running runs again, its partial run marked failed\n"
		"  --force   without --resume: start a recorded sweep again (its runs stay);\n"
		"            with --resume: accept a changed sweep or topology file, keeping the\n"
		"            pairs done whose point is unchanged\n"
		"  --keep    leave the last pair's world up\n",
	.flags = CMD_NEEDS_ROOT | CMD_OPTS_ANYWHERE,
	.min_args = 1,
	.max_args = 1,
	.options = sweep_options,
	.opts_size = sizeof(struct sweep_opts),
	.run = run_sweep,
};
