/* timeline — the faults timeline; see timeline.h. */
#include "enos/timeline.h"

#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "enos/cli.h"
#include "enos/fault.h"
#include "enos/inject.h"
#include "enos/nodefault.h"
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
		if ((f->action == FAULT_PARTITION || nodefault_is(f->action)) &&
		    f->has_for)
			s[n++] = (struct step){ f->at_us + f->for_us, i, true };
	}
	qsort(s, n, sizeof(*s), by_time);
	return n;
}

/* Apply node fault F of the timeline; *ID its record. */
static int node_step(struct enos_ctx *ctx, struct shaped_exp *e, int64_t run,
		     const struct fault *f, int64_t *id, double t_s, FILE *out)
{
	struct node_fault nf;
	char *err = NULL, *detail;
	int rc = nodefault_of_topology(&e->w, f, &nf, &err);

	if (rc < 0) {
		cli_error("%s", err ? err : strerror(-rc));
		free(err);
		return rc;
	}
	detail = nodefault_detail(&nf);
	if (!detail)
		return -ENOMEM;
	fprintf(out, "t=%7.2fs %s %s\n", t_s, fault_action_name(nf.action),
		detail);
	fflush(out);
	rc = nodefault_inject(ctx, e, &nf, detail, run, id);
	free(detail);
	return rc;
}

/* Apply or heal step S; IDS holds the record of each applied fault. */
static int do_step(struct enos_ctx *ctx, struct shaped_exp *e, int64_t run,
		   const struct step *s, int64_t *ids, double t_s, FILE *out)
{
	const struct fault *f = &e->t->faults[s->fault];
	struct live_fault lf;
	bool *sites = NULL;
	char *detail = NULL;
	size_t i;
	int rc = -ENOMEM;

	if (s->heal && nodefault_is(f->action)) {
		fprintf(out, "t=%7.2fs end %s of fault %zu\n", t_s,
			fault_action_name(f->action), s->fault + 1);
		return nodefault_end(ctx, e, ids[s->fault], NULL, false, NULL);
	}
	if (s->heal) {
		fprintf(out, "t=%7.2fs heal partition of fault %zu\n", t_s,
			s->fault + 1);
		return inject_heal(ctx, e, NULL, ids[s->fault], NULL);
	}
	if (nodefault_is(f->action))
		return node_step(ctx, e, run, f, &ids[s->fault], t_s, out);
	if (f->action == FAULT_HEAL) {
		sites = calloc(e->t->n_sites + 1, sizeof(*sites));
		if (!sites)
			return -ENOMEM;
		for (i = 0; i < f->n_sites; i++)
			sites[f->sites[i]] = true;
		fprintf(out, "t=%7.2fs heal partitions touching %zu site%s\n",
			t_s, f->n_sites, f->n_sites == 1 ? "" : "s");
		rc = inject_heal(ctx, e, f->n_sites ? sites : NULL, 0, NULL);
		free(sites);
		return rc;
	}
	detail = fault_render(e->t, f);
	if (!detail || fault_of_topology(e->t, f, &lf) < 0) {
		free(detail);
		return -ENOMEM;
	}
	fprintf(out, "t=%7.2fs %s %s\n", t_s, fault_action_name(lf.action),
		detail);
	fflush(out);
	rc = inject_fault(ctx, e, &lf, detail, run, &ids[s->fault]);
	live_fault_release(&lf);
	free(detail);
	return rc;
}


struct timeline {
	struct enos_ctx *ctx;
	struct shaped_exp *e;
	int64_t run;
	double t0;              /* cli_now() at the start */
	struct step *steps;
	size_t n, next;
	int64_t *ids;           /* per fault: its record once applied */
	bool *healed;           /* per fault: its `for` heal has run */
	FILE *out;              /* where steps are said */
};

int timeline_begin(struct enos_ctx *ctx, struct shaped_exp *e, int64_t run,
		   struct timeline **out)
{
	struct timeline *tl = calloc(1, sizeof(*tl));
	size_t nf = e->t->n_faults;

	*out = NULL;
	if (!tl)
		return -ENOMEM;
	tl->steps = calloc(2 * nf + 1, sizeof(*tl->steps));
	tl->ids = calloc(nf + 1, sizeof(*tl->ids));
	tl->healed = calloc(nf + 1, sizeof(*tl->healed));
	if (!tl->steps || !tl->ids || !tl->healed) {
		timeline_end(tl, false);
		return -ENOMEM;
	}
	tl->ctx = ctx;
	tl->e = e;
	tl->run = run;
	tl->n = plan_steps(e->t, tl->steps);
	tl->t0 = cli_now();
	tl->out = stdout;
	*out = tl;
	return 0;
}

void timeline_output(struct timeline *tl, FILE *out)
{
	tl->out = out;
}

double timeline_next_due(const struct timeline *tl)
{
	if (!tl || tl->next >= tl->n)
		return INFINITY;
	return tl->t0 + (double)tl->steps[tl->next].at_us / 1e6;
}

int timeline_step(struct timeline *tl)
{
	const struct step *s;
	int ran = 0, rc;

	while (tl->next < tl->n && timeline_next_due(tl) <= cli_now()) {
		s = &tl->steps[tl->next++];
		if (s->heal && !tl->ids[s->fault])
			continue;       /* never applied: nothing to heal */
		rc = do_step(tl->ctx, tl->e, tl->run, s, tl->ids,
			     (double)s->at_us / 1e6, tl->out);
		fflush(tl->out);
		if (rc < 0) {
			tl->next = tl->n;       /* no step after a failed one */
			return rc;
		}
		if (s->heal)
			tl->healed[s->fault] = true;
		ran++;
	}
	return ran;
}

int timeline_end(struct timeline *tl, bool heal)
{
	size_t i;
	int rc = 0, r;

	if (!tl)
		return 0;
	for (i = 0; heal && tl->ids && i < tl->e->t->n_faults; i++) {
		enum fault_action a = tl->e->t->faults[i].action;

		if (!tl->ids[i] || tl->healed[i] ||
		    (a != FAULT_PARTITION && !nodefault_is(a)))
			continue;
		if (nodefault_is(a))
			r = nodefault_end(tl->ctx, tl->e, tl->ids[i], NULL,
					  false, NULL);
		else
			r = inject_heal(tl->ctx, tl->e, NULL, tl->ids[i], NULL);
		if (r < 0 && rc == 0)
			rc = r;
		tl->healed[i] = true;
	}
	free(tl->steps);
	free(tl->ids);
	free(tl->healed);
	free(tl);
	return rc;
}

/* Wait until TL's next step is due, or until one of the signals in SET
 * arrives (then -EINTR). */
static int wait_due(const struct timeline *tl, const sigset_t *set)
{
	struct timespec left;
	double d;

	for (;;) {
		d = timeline_next_due(tl) - cli_now();
		if (d <= 0)
			return 0;
		left.tv_sec = (time_t)d;
		left.tv_nsec = (long)((d - (double)left.tv_sec) * 1e9);
		if (sigtimedwait(set, NULL, &left) > 0)
			return -EINTR;
	}
}

int timeline_run(struct enos_ctx *ctx, struct shaped_exp *e)
{
	struct timeline *tl = NULL;
	int64_t run = 0;
	sigset_t set, old;
	int rc;

	if (e->t->n_faults == 0) {
		printf("topology '%s' has no faults: timeline\n", e->t->path);
		return 0;
	}
	rc = state_run_begin(ctx->st, e->w.name, "timeline", e->t->seed,
			     e->t->has_seed, &run);
	if (rc < 0) {
		cli_error("cannot record the run: %s", state_errmsg(ctx->st));
		return rc;
	}
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigprocmask(SIG_BLOCK, &set, &old);
	rc = timeline_begin(ctx, e, run, &tl);
	if (rc == 0)
		printf("running %zu faults of '%s' (run %lld)\n", e->t->n_faults,
		       e->w.name, (long long)run);
	while (rc == 0 && timeline_next_due(tl) < INFINITY) {
		rc = wait_due(tl, &set);
		if (rc == 0)
			rc = timeline_step(tl);
		if (rc > 0)
			rc = 0;
	}
	if (rc == -EINTR)
		cli_error("timeline interrupted: healing the partitions it applied");
	timeline_end(tl, rc == -EINTR);
	sigprocmask(SIG_SETMASK, &old, NULL);
	state_run_end(ctx->st, run, rc == 0 ? "ok" : "failed");
	if (rc == 0)
		printf("timeline done: run %lld\n", (long long)run);
	return rc;
}
