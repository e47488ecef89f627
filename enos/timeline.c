/* timeline — the faults timeline; see timeline.h. */
#include "enos/timeline.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "enos/cli.h"
#include "enos/fault.h"
#include "enos/inject.h"
#include "enos/shaping.h"
#include "enos/state.h"
#include "enos/topo.h"

/* One step: apply fault FAULT, or heal the partition it applied. */
struct step {
	uint64_t at_us;
	size_t fault;
	bool heal;
};

static int by_time(const void *a, const void *b)
{
	const struct step *x = a, *y = b;

	if (x->at_us != y->at_us)
		return x->at_us < y->at_us ? -1 : 1;
	/* At the same instant heals go first, then file order. */
	if (x->heal != y->heal)
		return x->heal ? -1 : 1;
	return x->fault < y->fault ? -1 : x->fault > y->fault;
}

static size_t plan_steps(const struct topology *t, struct step *s)
{
	size_t i, n = 0;

	for (i = 0; i < t->n_faults; i++) {
		const struct fault *f = &t->faults[i];

		s[n++] = (struct step){ f->at_us, i, false };
		if (f->action == FAULT_PARTITION && f->has_for)
			s[n++] = (struct step){ f->at_us + f->for_us, i, true };
	}
	qsort(s, n, sizeof(*s), by_time);
	return n;
}

/* Sleep until START + AT_US on the monotonic clock, or until one of the
 * signals in SET arrives (then -EINTR). */
static int wait_until(const struct timespec *start, uint64_t at_us,
		      const sigset_t *set)
{
	struct timespec deadline = *start, now, left;
	int sig;

	deadline.tv_sec += (time_t)(at_us / 1000000);
	deadline.tv_nsec += (long)(at_us % 1000000) * 1000;
	if (deadline.tv_nsec >= 1000000000L) {
		deadline.tv_sec++;
		deadline.tv_nsec -= 1000000000L;
	}
	for (;;) {
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec > deadline.tv_sec ||
		    (now.tv_sec == deadline.tv_sec && now.tv_nsec >= deadline.tv_nsec))
			return 0;
		left.tv_sec = deadline.tv_sec - now.tv_sec;
		left.tv_nsec = deadline.tv_nsec - now.tv_nsec;
		if (left.tv_nsec < 0) {
			left.tv_sec--;
			left.tv_nsec += 1000000000L;
		}
		sig = sigtimedwait(set, NULL, &left);
		if (sig > 0)
			return -EINTR;
	}
}

/* Apply or heal step S; IDS holds the record of each applied fault. */
static int do_step(struct enos_ctx *ctx, struct shaped_exp *e, int64_t run,
		   const struct step *s, int64_t *ids, double t_s)
{
	const struct fault *f = &e->t->faults[s->fault];
	struct live_fault lf;
	bool *sites = NULL;
	char *detail = NULL;
	size_t i;
	int rc = -ENOMEM;

	if (s->heal) {
		printf("t=%7.2fs heal partition of fault %zu\n", t_s, s->fault + 1);
		return inject_heal(ctx, e, NULL, ids[s->fault], NULL);
	}
	if (f->action == FAULT_HEAL) {
		sites = calloc(e->t->n_sites + 1, sizeof(*sites));
		if (!sites)
			return -ENOMEM;
		for (i = 0; i < f->n_sites; i++)
			sites[f->sites[i]] = true;
		printf("t=%7.2fs heal partitions touching %zu site%s\n", t_s,
		       f->n_sites, f->n_sites == 1 ? "" : "s");
		rc = inject_heal(ctx, e, f->n_sites ? sites : NULL, 0, NULL);
		free(sites);
		return rc;
	}
	detail = fault_render(e->t, f);
	if (!detail || fault_of_topology(e->t, f, &lf) < 0) {
		free(detail);
		return -ENOMEM;
	}
	printf("t=%7.2fs %s %s\n", t_s, fault_action_name(lf.action), detail);
	fflush(stdout);
	rc = inject_fault(ctx, e, &lf, detail, run, &ids[s->fault]);
	live_fault_release(&lf);
	free(detail);
	return rc;
}

int timeline_run(struct enos_ctx *ctx, struct shaped_exp *e)
{
	struct step *steps = NULL;
	int64_t *ids = NULL, run = 0;
	struct timespec start;
	sigset_t set, old;
	size_t n, i;
	int rc = -ENOMEM;

	if (e->t->n_faults == 0) {
		printf("topology '%s' has no faults: timeline\n", e->t->path);
		return 0;
	}
	steps = calloc(2 * e->t->n_faults, sizeof(*steps));
	ids = calloc(e->t->n_faults, sizeof(*ids));
	if (!steps || !ids)
		goto out;
	n = plan_steps(e->t, steps);
	rc = state_run_begin(ctx->st, e->w.name, "timeline", e->t->seed,
			     e->t->has_seed, &run);
	if (rc < 0) {
		cli_error("cannot record the run: %s", state_errmsg(ctx->st));
		goto out;
	}
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigprocmask(SIG_BLOCK, &set, &old);
	clock_gettime(CLOCK_MONOTONIC, &start);
	printf("running %zu faults of '%s' (run %lld)\n", e->t->n_faults,
	       e->w.name, (long long)run);
	for (i = 0; i < n && rc == 0; i++) {
		rc = wait_until(&start, steps[i].at_us, &set);
		if (rc == 0)
			rc = do_step(ctx, e, run, &steps[i], ids,
				     (double)steps[i].at_us / 1e6);
		fflush(stdout);
	}
	if (rc == -EINTR) {
		cli_error("timeline interrupted: healing the partitions it applied");
		for (i = 0; i < e->t->n_faults; i++)
			if (ids[i] && e->t->faults[i].action == FAULT_PARTITION)
				inject_heal(ctx, e, NULL, ids[i], NULL);
	}
	sigprocmask(SIG_SETMASK, &old, NULL);
	state_run_end(ctx->st, run, rc == 0 ? "ok" : "failed");
	if (rc == 0)
		printf("timeline done: run %lld\n", (long long)run);
out:
	free(steps);
	free(ids);
	return rc;
}
