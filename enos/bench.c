/* bench — running workloads on an experiment that is up; see bench.h. */
#include "enos/bench.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "emulator/node.h"
#include "emulator/proc.h"
#include "enos/cli.h"
#include "enos/inject.h"
#include "enos/json.h"
#include "enos/resolve.h"
#include "enos/results.h"
#include "enos/rundir.h"
#include "enos/shaping.h"
#include "enos/state.h"
#include "enos/timeline.h"
#include "enos/traffic.h"
#include "util/crash.h"
#include "util/fs.h"
#include "util/str.h"
#include "util/suggest.h"
#include "util/yamldoc.h"
#include "workloads/place.h"
#include "workloads/stack.h"
#include "workloads/stackwl.h"
#include "workloads/workload.h"

#define FLUSH_OPS 512           /* store pending operations this often */
#define FLUSH_S 0.5             /* ... or after this long */
#define WAIT_MS 100             /* longest wait for operations */
#define PROGRESS_S 0.25
#define WATCH_S 1.0             /* check the target instances this often */

/* ---- fault and WAN tagging ---- */

/* Is the pair (A, B) between F's two sides? */
static bool fault_touches(const struct live_fault *f, size_t a, size_t b)
{
	return (f->group_a[a] && f->group_b[b]) || (f->group_b[a] && f->group_a[b]);
}

void bench_wan_at(const struct shape_table *base,
		  const struct bench_fault *faults, size_t n, double t,
		  size_t a, size_t b, double *rtt_ms, double *loss_pct,
		  int64_t *ids, size_t *n_ids)
{
	struct link_params ab, ba;
	bool cut = false;
	size_t i;

	*n_ids = 0;
	*rtt_ms = *loss_pct = NAN;
	if (base && a != b && a < base->n && b < base->n) {
		/* A direction that follows a trace: its step then. */
		uint64_t off = base->trace_start_us && t * 1e6 > (double)base->trace_start_us ?
			       (uint64_t)(t * 1e6) - base->trace_start_us : 0;

		shape_params_at(base, a, b, off, &ab);
		shape_params_at(base, b, a, off, &ba);
		cut = base->cut && (base->cut[a * base->n + b] ||
				    base->cut[b * base->n + a]);
	}
	for (i = 0; i < n; i++) {
		const struct bench_fault *f = &faults[i];

		if (!(f->applied <= t && (isnan(f->removed) || t < f->removed)))
			continue;
		ids[(*n_ids)++] = f->id;
		if (!base || a == b || a >= base->n || b >= base->n ||
		    !fault_touches(&f->f, a, b))
			continue;
		if (f->f.action == FAULT_PARTITION) {
			cut = true;
		} else {
			constraint_apply(&f->f.con, &ab);
			constraint_apply(&f->f.con, &ba);
		}
	}
	if (!base || a == b || a >= base->n || b >= base->n)
		return;
	*rtt_ms = (double)(ab.delay_us + ba.delay_us) / 1000.0;
	*loss_pct = cut ? 100.0 :
		    100.0 - (100.0 - ab.loss_pct) * (100.0 - ba.loss_pct) / 100.0;
}

const char *bench_outcome(int rc)
{
	return rc == 0 ? "ok" : rc == -EINTR ? "interrupted" : "failed";
}

/* ---- kinds: built in, or declared by the topology's stack ---- */

struct kindset {
	const struct topology *t;
	bool tried;
	struct stack *stack;
	struct wl_kind *kinds;
	size_t n;
	char *err;              /* why the stack's kinds are unknown */
};

static void kindset_release(struct kindset *ks)
{
	if (ks->kinds)
		wl_stack_kinds_free(ks->kinds, ks->n);
	stack_free(ks->stack);
	free(ks->err);
	memset(ks, 0, sizeof(*ks));
}

/* Load T's stack once (its kinds, and what bench_check asks of it). */
static void kindset_load(struct kindset *ks)
{
	char exe[PATH_MAX], path[PATH_MAX], *err = NULL;
	ssize_t n;

	if (ks->tried || !ks->t->stack_name)
		return;
	ks->tried = true;
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	exe[n > 0 ? n : 0] = '\0';
	if (stack_find(ks->t->stack_name, exe[0] ? exe : NULL, path,
		       sizeof(path)) < 0) {
		ks->err = str_printf("no stack '%s': %s not found",
				     ks->t->stack_name, path);
		return;
	}
	ks->stack = stack_load(path, &err);
	if (!ks->stack) {
		ks->err = err ? err : str_printf("out of memory");
		return;
	}
	if (wl_stack_kinds(ks->stack, &ks->kinds, &ks->n, &err) < 0) {
		ks->kinds = NULL;
		ks->n = 0;
		ks->err = err ? err : str_printf("out of memory");
	}
}

static const struct wl_kind *kind_find(struct kindset *ks, const char *name)
{
	const struct wl_kind *k = wl_kind_find(name);
	size_t i;

	if (k)
		return k;
	kindset_load(ks);
	for (i = 0; i < ks->n; i++)
		if (strcmp(ks->kinds[i].name, name) == 0)
			return &ks->kinds[i];
	return NULL;
}

/* "unknown workload 'X' (did you mean 'Y'?)" or with the list. */
static char *unknown_kind(struct kindset *ks, const char *name)
{
	const char **names = calloc(ks->n + 8, sizeof(*names));
	const struct wl_kind *k;
	const char *hint = NULL;
	char list[512];
	size_t n = 0, i;
	char *msg;

	if (!names)
		return NULL;
	for (i = 0; (k = wl_kind_at(i)) && n < 7; i++)
		names[n++] = k->name;
	for (i = 0; i < ks->n; i++)
		names[n++] = ks->kinds[i].name;
	hint = suggest_closest(name, names, n);
	str_join(list, sizeof(list), names, n, ", ");
	if (hint)
		msg = str_printf("unknown workload '%s' (did you mean '%s'?)",
				 str_show(name).s, hint);
	else
		msg = str_printf("unknown workload '%s' (workloads: %s%s%s)",
				 str_show(name).s, list, ks->err ? "; " : "",
				 ks->err ? ks->err : "");
	free(names);
	return msg;
}

/* The parameter KEY of SPEC, or NULL. */
static const struct workload_param *spec_param(const struct workload_spec *spec,
					       const char *key)
{
	size_t i;

	for (i = 0; spec && i < spec->n_params; i++)
		if (strcmp(spec->params[i].key, key) == 0)
			return &spec->params[i];
	return NULL;
}

/* K's service in T's stack placed on W: deployed at all, and TARGET
 * (not "nearest") one of its instances. */
static int check_service(struct kindset *ks, const struct wl_kind *k,
			 const struct topology *t, const struct world *w,
			 const struct workload_spec *spec,
			 const struct wl_values *v, char **err)
{
	const struct stack_strategy *st;
	const struct workload_param *tp = spec_param(spec, "target");
	const char *target = wl_value_text(k, v, "target");
	struct placement pl = { 0 };
	char *perr = NULL, list[512];
	const char *names[16];
	size_t i, n = 0;
	long svc;
	int rc = -EINVAL;

	if (!t->stack_name) {
		*err = yamldoc_error(t->path, spec->pos,
				     "workload '%s' needs service '%s', but the topology deploys no stack",
				     k->name, k->service);
		goto out;
	}
	kindset_load(ks);
	if (!ks->stack) {
		*err = yamldoc_error(t->path, spec->pos,
				     "workload '%s' needs service '%s' of stack '%s': %s",
				     k->name, k->service, t->stack_name,
				     ks->err ? ks->err : "cannot load it");
		goto out;
	}
	svc = stack_service_index(ks->stack, k->service);
	st = stack_strategy_find(ks->stack, t->stack_strategy);
	if (svc < 0) {
		*err = yamldoc_error(t->path, spec->pos,
				     "workload '%s' needs service '%s', which stack '%s' does not have",
				     k->name, k->service, ks->stack->name);
		goto out;
	}
	if (!st && t->stack_strategy) {
		rc = 0;         /* the deploy says it: no such strategy */
		goto out;
	}
	if (place_stack(ks->stack, st, t, w, &pl, &perr) < 0) {
		rc = 0;         /* the deploy says why it cannot place it */
		goto out;
	}
	if (place_count(&pl, (size_t)svc) == 0) {
		*err = yamldoc_error(t->path, spec->pos,
				     "workload '%s' needs service '%s', which strategy '%s' of stack '%s' leaves out",
				     k->name, k->service, st ? st->name : "default",
				     ks->stack->name);
		goto out;
	}
	rc = 0;
	if (!target || strcmp(target, "nearest") == 0)
		goto out;
	for (i = 0; i < pl.n; i++) {
		if (pl.v[i].service != (size_t)svc)
			continue;
		if (strcmp(pl.v[i].name, target) == 0)
			goto out;
		if (n < sizeof(names) / sizeof(names[0]))
			names[n++] = pl.v[i].name;
	}
	str_join(list, sizeof(list), names, n, ", ");
	*err = yamldoc_error(t->path, tp ? tp->pos : spec->pos,
			     "workload '%s': target '%s' is no instance of service '%s' (nearest, or one of %s)",
			     k->name, str_show(target).s, k->service, list);
	rc = -EINVAL;
out:
	if (rc < 0 && !*err)
		rc = -ENOMEM;
	place_release(&pl);
	free(perr);
	return rc;
}

int bench_check(const struct topology *t, const struct world *w, char **err)
{
	struct kindset ks = { .t = t };
	const struct wl_kind *k;
	struct wl_values v;
	size_t i;
	int rc = 0;

	*err = NULL;
	for (i = 0; i < t->n_workloads && rc == 0; i++) {
		const struct workload_spec *spec = &t->workloads[i];
		char *msg;

		k = kind_find(&ks, spec->name);
		if (!k) {
			msg = unknown_kind(&ks, spec->name);
			*err = msg ? yamldoc_error(t->path, spec->pos, "%s", msg) : NULL;
			free(msg);
			rc = *err ? -EINVAL : -ENOMEM;
			break;
		}
		rc = wl_options_parse(k, t->path, spec, &v, err);
		if (rc == 0)
			rc = wl_check_sites(k, t, t->path, spec, &v, err);
		if (rc == 0 && k->service && w)
			rc = check_service(&ks, k, t, w, spec, &v, err);
	}
	kindset_release(&ks);
	return rc;
}

/* ---- one run of workloads ---- */

/* A workload to run: its kind, options and the name it is stored as. */
struct planned {
	const struct wl_kind *kind;
	const struct workload_spec *spec;       /* or NULL */
	struct wl_values v;
	char label[64];
};

/* What the runner's job I is, for the rows it stores. */
struct jobinfo {
	size_t site;                    /* the client's */
	size_t target_site;             /* SIZE_MAX: none */
	const char *target;             /* instance or site, or NULL */
	long svc;                       /* its instance in bench.svcs, or -1 */
};

/* An operation taken from the runner, waiting to be stored. */
struct pending {
	size_t job;
	struct wl_op op;                /* op.error NULL: see error */
	char *error;
};

struct bench {
	struct enos_ctx *ctx;
	struct shaped_exp *e;
	int64_t run;
	const struct bench_opts *o;
	struct shape_table base;
	bool shaped;
	bool traffic_said;
	bool store_said;        /* the store error was printed */
	struct service_row *svcs;
	size_t n_svcs;
	bool *svc_died;
	struct bench_fault *faults;
	size_t n_faults;
	char dir[PATH_MAX];             /* results/EXP/RUN/workloads */

	/* The workload running. */
	const struct planned *p;
	struct wl_job *jobs;
	struct jobinfo *ji;
	size_t n_jobs;
	struct pending *pend;
	size_t n_pend, cap_pend;
	char (*ops)[WL_OP_NAME_MAX];    /* operation names met, in order */
	size_t n_ops, cap_ops;
	uint64_t done, failed, expected;
	double wall0;                   /* its start, unix time */
	double t0, last_flush, last_progress, last_watch;
	bool progress_shown;
	const char *died;               /* an instance that died, for the exit */
};

/* The faults of the experiment that may be active at or after SINCE
 * (unix time), as applied to its sites, into B (replacing them). */
static int load_faults(struct bench *b, double since)
{
	struct state_fault *rows = NULL;
	struct bench_fault *v = NULL;
	size_t n = 0, i, k = 0;
	char *err = NULL;
	int rc;

	rc = state_faults(b->ctx->st, b->e->w.name, 0, false, &rows, &n);
	if (rc < 0) {
		cli_error("cannot read the faults of '%s': %s", b->e->w.name,
			  state_errmsg(b->ctx->st));
		return rc;
	}
	v = calloc(n + 1, sizeof(*v));
	if (!v) {
		free(rows);
		return -ENOMEM;
	}
	for (i = 0; i < n; i++) {
		if (!isnan(rows[i].removed) && rows[i].removed < since)
			continue;
		if (inject_load(b->ctx, b->e->t, &rows[i], &v[k].f, &err) < 0) {
			/* One that no longer applies to the topology tags
			 * nothing; the rest still do. */
			free(err);
			err = NULL;
			continue;
		}
		v[k].id = rows[i].id;
		v[k].applied = rows[i].applied;
		v[k].removed = rows[i].removed;
		k++;
	}
	for (i = 0; i < b->n_faults; i++)
		live_fault_release(&b->faults[i].f);
	free(b->faults);
	b->faults = v;
	b->n_faults = k;
	free(rows);
	return 0;
}

static double wall_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The index of operation name OP among B's, added if new; -1: no memory. */
static long op_index(struct bench *b, const char *op)
{
	size_t i;

	for (i = 0; i < b->n_ops; i++)
		if (strcmp(b->ops[i], op) == 0)
			return (long)i;
	if (b->n_ops == b->cap_ops) {
		size_t cap = b->cap_ops ? 2 * b->cap_ops : 8;
		char (*nv)[WL_OP_NAME_MAX] = realloc(b->ops, cap * sizeof(*nv));

		if (!nv)
			return -1;
		b->ops = nv;
		b->cap_ops = cap;
	}
	snprintf(b->ops[b->n_ops], WL_OP_NAME_MAX, "%s", op);
	return (long)b->n_ops++;
}

/* Store B's pending operations in one transaction, tagged with their WAN,
 * and keep what the summaries need. */
static int flush(struct bench *b)
{
	const struct world *w = &b->e->w;
	int64_t *ids = NULL;
	size_t i, n_ids;
	bool began = false;
	int rc = 0;

	b->last_flush = cli_now();
	if (!b->n_pend)
		return 0;
	/* Faults applied by hand (enos fault) since the last flush count too. */
	rc = load_faults(b, b->wall0);
	ids = calloc(b->n_faults + 1, sizeof(*ids));
	if (rc == 0 && !ids)
		rc = -ENOMEM;
	if (rc == 0) {
		rc = state_wlop_batch_begin(b->ctx->st);
		began = rc == 0;
	}
	for (i = 0; rc == 0 && i < b->n_pend; i++) {
		const struct pending *p = &b->pend[i];
		const struct jobinfo *ji = &b->ji[p->job];
		const struct wl_job *job = &b->jobs[p->job];
		struct wlop_row r = { 0 };
		long op = op_index(b, p->op.op);

		if (op < 0) {
			rc = -ENOMEM;
			break;
		}
		bench_wan_at(b->shaped ? &b->base : NULL, b->faults,
			     b->n_faults, p->op.start, ji->site,
			     ji->target_site == SIZE_MAX ? ji->site : ji->target_site,
			     &r.rtt_ms, &r.loss_pct, ids, &n_ids);
		r.workload = b->p->label;
		r.op = p->op.op;
		r.iteration = p->op.iteration;
		r.atomic = p->op.atomic;
		r.site = w->sites[ji->site].name;
		r.node = w->nodes[job->node].name;
		r.target_site = ji->target_site == SIZE_MAX ? NULL :
				w->sites[ji->target_site].name;
		r.target = ji->target;
		r.start = p->op.start;
		r.duration_ms = p->op.duration_ms;
		r.ok = p->op.ok;
		r.error = p->op.ok ? NULL : p->error ? p->error : "failed";
		r.unit = p->op.unit;
		r.value = p->op.unit ? p->op.value : NAN;
		r.faults = ids;
		r.n_faults = n_ids;
		rc = state_wlop_add(b->ctx->st, b->run, &r);
	}
	crash_point("bench:before_commit");
	if (rc == 0)
		rc = state_wlop_batch_end(b->ctx->st, true);
	else if (began)
		state_wlop_batch_end(b->ctx->st, false);
	if (rc < 0 && !b->store_said) {
		/* Once: the periodic flush and the final one meet the same
		 * full disk. */
		cli_error("cannot store the operations of workload '%s': %s",
			  b->p->label, rc == -ENOMEM ? strerror(ENOMEM) :
			  state_errmsg(b->ctx->st));
		b->store_said = true;
	} else if (rc == 0)
		crash_point("bench:committed");
	for (i = 0; i < b->n_pend; i++)
		free(b->pend[i].error);
	b->n_pend = 0;
	free(ids);
	return rc;
}

/* wl_take_fn: keep OP of job JOB until the next flush. */
static int take(void *arg, size_t job, const struct wl_op *op)
{
	struct bench *b = arg;
	struct pending *p;

	if (b->n_pend == b->cap_pend) {
		size_t cap = b->cap_pend ? 2 * b->cap_pend : 1024;
		struct pending *np = realloc(b->pend, cap * sizeof(*np));

		if (!np)
			return -ENOMEM;
		b->pend = np;
		b->cap_pend = cap;
	}
	p = &b->pend[b->n_pend];
	p->job = job;
	p->op = *op;
	p->op.error = NULL;
	p->error = op->error ? strdup(op->error) : NULL;
	if (op->error && !p->error)
		return -ENOMEM;
	b->n_pend++;
	if (!op->atomic) {
		b->done++;
		b->failed += !op->ok;
	}
	return 0;
}

static void progress(struct bench *b, bool last)
{
	double now = cli_now();

	if (!b->ctx->progress || (!last && now - b->last_progress < PROGRESS_S))
		return;
	b->last_progress = now;
	if (b->expected)
		fprintf(stderr, "\r%s %llu/%llu, %llu failed, %.1f s\033[K",
			b->p->label, (unsigned long long)b->done,
			(unsigned long long)b->expected,
			(unsigned long long)b->failed, now - b->t0);
	else
		fprintf(stderr, "\r%s %llu, %llu failed, %.1f s\033[K",
			b->p->label, (unsigned long long)b->done,
			(unsigned long long)b->failed, now - b->t0);
	if (last)
		fputc('\n', stderr);
	fflush(stderr);
	b->progress_shown = true;
}

/* Are the instances B's jobs target still alive? A death is said once,
 * recorded in the services table, and remembered for the exit status. */
static void watch(struct bench *b)
{
	size_t i, k;
	int status;

	b->last_watch = cli_now();
	for (i = 0; i < b->n_svcs; i++) {
		struct service_row *s = &b->svcs[i];
		bool targeted = false;

		for (k = 0; k < b->n_jobs && !targeted; k++)
			targeted = b->ji[k].svc == (long)i;
		if (!targeted || b->svc_died[i] ||
		    proc_alive(s->pid, s->starttime, &status))
			continue;
		b->svc_died[i] = true;
		b->died = s->instance;
		if (b->progress_shown)
			fputc('\n', stderr);
		fflush(stdout);
		if (status >= 0)
			cli_warning("service instance '%s' (service '%s', node '%s') died during workload '%s' (exit status %d); its failures are recorded",
				    s->instance, s->service, s->node, b->p->label, status);
		else
			cli_warning("service instance '%s' (service '%s', node '%s') died during workload '%s'; its failures are recorded",
				    s->instance, s->service, s->node, b->p->label);
		state_service_set(b->ctx->st, b->e->w.name, s->instance, s->pid,
				  s->starttime, "failed", status >= 0, status);
	}
}

/* The first node of site S that a workload can run in (not a VM), or
 * SIZE_MAX. */
static size_t site_node(const struct world *w, size_t s)
{
	size_t i;

	for (i = 0; i < w->n_nodes; i++)
		if (w->nodes[i].site == s && w->nodes[i].ops &&
		    !w->nodes[i].ops->netns_empty)
			return i;
	return SIZE_MAX;
}

static long site_of_node(const struct world *w, const char *node)
{
	size_t i;

	for (i = 0; i < w->n_nodes; i++)
		if (strcmp(w->nodes[i].name, node) == 0)
			return (long)w->nodes[i].site;
	return -1;
}

/* The instance of B's service SVC (running, alive) for a client at SITE:
 * TARGET names one, else the nearest: the lowest RTT of the resolved
 * constraints from SITE (its own site first), then the first deployed. */
static long pick_instance(struct bench *b, const char *service,
			  const char *target, size_t site)
{
	const struct world *w = &b->e->w;
	double best = INFINITY, d;
	long bi = -1, s;
	size_t i;

	for (i = 0; i < b->n_svcs; i++) {
		const struct service_row *r = &b->svcs[i];

		if (strcmp(r->service, service) != 0 ||
		    strcmp(r->state, "running") != 0 ||
		    !proc_alive(r->pid, r->starttime, NULL))
			continue;
		if (target && strcmp(target, "nearest") != 0) {
			if (strcmp(r->instance, target) == 0)
				return (long)i;
			continue;
		}
		s = site_of_node(w, r->node);
		if (s < 0)
			continue;
		if ((size_t)s == site)
			d = -1;
		else if (b->shaped)
			d = resolve_target_rtt_ms(&b->base, site, (size_t)s);
		else
			d = 0;
		if (d < best) {
			best = d;
			bi = (long)i;
		}
	}
	return bi;
}

static uint32_t node_addr(const struct world *w, const char *node)
{
	size_t i;

	for (i = 0; i < w->n_nodes; i++)
		if (strcmp(w->nodes[i].name, node) == 0)
			return w->nodes[i].addr;
	return 0;
}

/* Add a job from client NODE to B's jobs. */
static int add_job(struct bench *b, size_t *cap, const struct wl_job *job,
		   const struct jobinfo *ji)
{
	if (b->n_jobs == *cap) {
		size_t c = *cap ? 2 * *cap : 8;
		struct wl_job *nj = realloc(b->jobs, c * sizeof(*nj));
		struct jobinfo *ni;

		if (!nj)
			return -ENOMEM;
		b->jobs = nj;
		ni = realloc(b->ji, c * sizeof(*ni));
		if (!ni)
			return -ENOMEM;
		b->ji = ni;
		*cap = c;
	}
	b->jobs[b->n_jobs] = *job;
	b->jobs[b->n_jobs].index = b->n_jobs;
	b->ji[b->n_jobs] = *ji;
	b->n_jobs++;
	return 0;
}

/* The jobs of workload P: one per client site of `from` (its first node
 * enos can enter), times each `to` site other than its own, or with the
 * instance of the kind's service it loads. KEYS holds their key prefixes
 * (freed by the caller). Prints errors. */
static int make_jobs(struct bench *b, const struct planned *p, const char *out_dir,
		     char ***keys)
{
	const struct topology *t = b->e->t;
	const struct world *w = &b->e->w;
	const struct wl_kind *k = p->kind;
	const char *to = wl_value_text(k, &p->v, "to");
	bool *from_sites = calloc(t->n_sites + 1, sizeof(bool));
	bool *to_sites = calloc(t->n_sites + 1, sizeof(bool));
	struct wl_job job;
	struct jobinfo ji;
	char *err = NULL;
	size_t c, s, cap = 0, node, tn;
	long inst;
	int rc = -ENOMEM;

	*keys = NULL;
	if (!from_sites || !to_sites)
		goto out;
	rc = wl_select_sites(t, p->v.from, from_sites, &err);
	if (rc >= 0 && to)
		rc = wl_select_sites(t, to, to_sites, &err);
	if (rc < 0) {
		cli_error("workload '%s': %s", p->label, err ? err : strerror(-rc));
		goto out;
	}
	rc = 0;
	*keys = calloc(t->n_sites * (t->n_sites + 1) + 1, sizeof(char *));
	if (!*keys) {
		rc = -ENOMEM;
		goto out;
	}
	for (c = 0; c < t->n_sites && rc == 0; c++) {
		if (!from_sites[c])
			continue;
		/* A stack's workload may name its client (OpenStack's: the
		 * second central node). */
		node = wl_stack_kind_is(k) ? wl_stack_client_node(k, w, c) : site_node(w, c);
		if (node == SIZE_MAX) {
			cli_error("workload '%s': site '%s' has no node a workload can run in (its nodes are VMs)",
				  p->label, w->sites[c].name);
			rc = -ENOTSUP;
			break;
		}
		memset(&job, 0, sizeof(job));
		job.kind = k;
		job.values = &p->v;
		job.w = w;
		job.node = node;
		job.target_node = SIZE_MAX;
		job.target_site = SIZE_MAX;
		job.out_dir = out_dir;
		job.emu = b->ctx->emu;
		ji = (struct jobinfo){ c, SIZE_MAX, NULL, -1 };
		if (to) {
			for (s = 0; s < t->n_sites && rc == 0; s++) {
				if (!to_sites[s] || s == c)
					continue;
				tn = site_node(w, s);
				if (tn == SIZE_MAX)
					continue;       /* VMs only: nothing to reach */
				job.target_node = tn;
				job.target_site = s;
				job.target_addr = w->nodes[tn].addr;
				job.target = w->sites[s].name;
				ji.target_site = s;
				ji.target = w->sites[s].name;
				rc = add_job(b, &cap, &job, &ji);
			}
			continue;
		}
		if (k->service) {
			const char *target = wl_value_text(k, &p->v, "target");

			inst = pick_instance(b, k->service, target, c);
			if (inst < 0) {
				if (target && strcmp(target, "nearest") != 0)
					cli_error("workload '%s': instance '%s' of service '%s' is not running in '%s'",
						  p->label, target, k->service, w->name);
				else
					cli_error("workload '%s': no instance of service '%s' runs in '%s'",
						  p->label, k->service, w->name);
				cli_hint("'enos services -n %s' lists them; 'enos deploy -n %s' deploys the stack",
					 w->name, w->name);
				rc = -ESRCH;
				break;
			}
			job.target_addr = node_addr(w, b->svcs[inst].node);
			job.target = b->svcs[inst].instance;
			ji.svc = inst;
			ji.target = b->svcs[inst].instance;
			s = (size_t)site_of_node(w, b->svcs[inst].node);
			job.target_site = ji.target_site = s;
			job.target_node = SIZE_MAX;
			for (tn = 0; tn < w->n_nodes; tn++)
				if (strcmp(w->nodes[tn].name, b->svcs[inst].node) == 0)
					job.target_node = tn;
		}
		rc = add_job(b, &cap, &job, &ji);
	}
	for (c = 0; rc == 0 && c < b->n_jobs; c++) {
		/* Unique per client and run: no two clients share a key. */
		(*keys)[c] = str_printf("enos/%s/%lld/%s/%s-%zu/", w->name,
					(long long)b->run, p->label,
					w->nodes[b->jobs[c].node].name, c);
		if (!(*keys)[c])
			rc = -ENOMEM;
		else
			b->jobs[c].key_prefix = (*keys)[c];
	}
	if (rc == 0 && !b->n_jobs) {
		cli_error("workload '%s': no pair of distinct sites from '%s' to '%s'",
			  p->label, p->v.from, to ? to : "");
		rc = -EINVAL;
	}
out:
	if (rc == -ENOMEM)
		cli_error("out of memory");
	free(err);
	free(from_sites);
	free(to_sites);
	return rc;
}

/* Summarize and store the run's operations (enos/results.c: the one
 * summary code, the same `enos results` shows), then print those of the
 * workload that just ran. */
static int summarize(struct bench *b, double secs)
{
	struct wl_summary_row *rows = NULL;
	size_t n = 0, i;
	bool head = false;
	int rc;

	rc = results_summarize(b->ctx->st, b->run);
	if (rc == 0)
		rc = state_wl_summaries(b->ctx->st, b->run, &rows, &n);
	if (rc < 0) {
		cli_error("cannot store the summaries of workload '%s': %s",
			  b->p->label, results_errmsg(b->ctx->st, rc));
		goto out;
	}
	if (b->o && b->o->json)
		goto out;
	printf("workload '%s': %zu job%s, %llu operations, %llu failed, %.1f s\n",
	       b->p->label, b->n_jobs, b->n_jobs == 1 ? "" : "s",
	       (unsigned long long)b->done, (unsigned long long)b->failed, secs);
	for (i = 0; i < n; i++) {
		if (strcmp(rows[i].workload, b->p->label))
			continue;
		if (!head)
			printf("  %-20s %-16s %7s %7s %9s %9s %9s %9s\n", "OP",
			       "SITE", "COUNT", "FAILED", "p50 ms", "p90 ms",
			       "p99 ms", "mean ms");
		head = true;
		printf("  %-20s %-16s %7llu %7llu %9.3f %9.3f %9.3f %9.3f\n",
		       rows[i].op, rows[i].site,
		       (unsigned long long)rows[i].count,
		       (unsigned long long)rows[i].failures, rows[i].p50_ms,
		       rows[i].p90_ms, rows[i].p99_ms, rows[i].mean_ms);
	}
out:
	free(rows);
	return rc;
}

/* Was SIGINT or SIGTERM sent (held since bench_run began)? Takes it. */
static bool signalled(const sigset_t *set)
{
	struct timespec zero = { 0, 0 };

	return sigtimedwait(set, NULL, &zero) > 0;
}

static void job_errors(struct bench *b, const int *rcs, char **errs)
{
	size_t i;

	for (i = 0; i < b->n_jobs; i++) {
		if (rcs[i] < 0 && rcs[i] != -EINTR)
			cli_error("workload '%s' from node '%s'%s%s%s: %s",
				  b->p->label, b->e->w.nodes[b->jobs[i].node].name,
				  b->ji[i].target ? " to '" : "",
				  b->ji[i].target ? b->ji[i].target : "",
				  b->ji[i].target ? "'" : "",
				  errs[i] ? errs[i] : strerror(-rcs[i]));
		else if (errs[i])       /* a note of a job that went well */
			fprintf(stderr, "note: %s\n", errs[i]);
		free(errs[i]);
	}
}

/* Run workload P: its jobs, the timeline from its start, the drain. */
static int run_one(struct bench *b, const struct planned *p,
		   const sigset_t *sigs, bool *stopped)
{
	struct timeline *tl = NULL;
	struct wl_runner *r = NULL;
	char dir[PATH_MAX], **keys = NULL;
	int *rcs = NULL, rc, wrc = 0, trc;
	char **errs = NULL;
	bool traffic = false, failed = false, ran = false;
	double due, left;
	size_t i;

	b->p = p;
	b->n_jobs = b->n_ops = b->n_pend = 0;
	b->done = b->failed = 0;
	b->died = NULL;
	if (snprintf(dir, sizeof(dir), "%s/%s", b->dir, p->label) >= (int)sizeof(dir) ||
	    fs_mkdir_p(dir, 0755) < 0) {
		cli_error("cannot make the directory '%s'", dir);
		return -EIO;
	}
	rc = make_jobs(b, p, dir, &keys);
	if (rc < 0)
		goto out;
	b->expected = p->kind->expected ? p->kind->expected(&p->v) * b->n_jobs : 0;
	rcs = calloc(b->n_jobs, sizeof(*rcs));
	errs = calloc(b->n_jobs, sizeof(*errs));
	if (!rcs || !errs) {
		rc = -ENOMEM;
		goto out;
	}
	trc = traffic_begin(b->ctx, b->e);
	traffic = trc == 0;
	if (trc == -ENOTSUP && !b->traffic_said) {
		fflush(stdout);
		fprintf(stderr, "note: traffic is not counted on '%s' (its shaping backend cannot count yet)\n",
			b->e->w.name);
		b->traffic_said = true;
	}
	b->t0 = cli_now();
	b->wall0 = wall_now();
	b->last_flush = b->last_progress = b->last_watch = b->t0;
	rc = load_faults(b, b->wall0);
	if (rc == 0 && b->shaped && b->e->t->n_faults) {
		rc = timeline_begin(b->ctx, b->e, b->run, &tl);
		if (rc == 0 && b->o && b->o->json)
			timeline_output(tl, stderr);
	}
	if (rc == 0)
		rc = wl_runner_start(b->jobs, b->n_jobs, &r);
	if (rc < 0) {
		cli_error("cannot start workload '%s': %s", p->label, strerror(-rc));
		goto out;
	}
	ran = true;
	if (!(b->o && b->o->json))
		printf("workload '%s': %zu job%s from '%s'\n", p->label,
		       b->n_jobs, b->n_jobs == 1 ? "" : "s", p->v.from);
	fflush(stdout);
	for (;;) {
		due = timeline_next_due(tl);
		left = due - cli_now();
		wrc = wl_runner_wait(r, left < WAIT_MS / 1000.0 ?
				     (left > 0 ? (int)(left * 1000) + 1 : 0) : WAIT_MS,
				     take, b);
		if (wrc < 0) {
			/* Out of memory keeping operations: stop, keep what
			 * was kept. */
			cli_error("workload '%s': %s", p->label, strerror(-wrc));
			wl_runner_stop(r);
			failed = true;
			wrc = 0;
		}
		if (timeline_next_due(tl) <= cli_now()) {
			if (b->progress_shown && b->ctx->progress)
				fputs("\r\033[K", stderr);
			/* Operations started before a step are stored with
			 * the faults as they were. */
			if (flush(b) < 0)
				failed = true;
			if (timeline_step(tl) < 0)
				failed = true;  /* said; the workload goes on */
			if (load_faults(b, b->wall0) < 0)
				failed = true;
		}
		/* A second signal is taken too: stopping is under way. */
		if (signalled(sigs) && !*stopped) {
			*stopped = true;
			if (b->progress_shown)
				fputc('\n', stderr);
			fflush(stdout);
			fprintf(stderr, "interrupted: stopping workload '%s', keeping what finished\n",
				p->label);
			wl_runner_stop(r);
		}
		if (b->n_pend >= FLUSH_OPS || cli_now() - b->last_flush >= FLUSH_S)
			if (flush(b) < 0) {
				failed = true;
				wl_runner_stop(r);
			}
		if (cli_now() - b->last_watch >= WATCH_S)
			watch(b);
		if (wrc == 1)
			break;
		progress(b, false);
	}
	if (flush(b) < 0)
		failed = true;
	progress(b, true);
	rc = wl_runner_finish(r, rcs, errs);
	r = NULL;
	job_errors(b, rcs, errs);
	watch(b);
	if (rc < 0 || failed)
		rc = rc < 0 ? rc : -EIO;
out:
	/* A timeline cut short leaves no partition behind. */
	if (timeline_end(tl, true) < 0 && rc == 0)
		rc = -EIO;
	if (traffic && traffic_end(b->ctx, b->e, b->run) < 0 && rc == 0)
		rc = -EIO;
	if (ran && summarize(b, cli_now() - b->t0) < 0 && rc == 0)
		rc = -EIO;
	if (rc == 0 && *stopped)
		rc = -EINTR;
	if (rc == 0 && b->died) {
		cli_error("workload '%s': service instance '%s' died during the workload",
			  p->label, b->died);
		rc = -BENCH_ESERVICE;
	}
	for (i = 0; keys && keys[i]; i++)
		free(keys[i]);
	free(keys);
	free(rcs);
	free(errs);
	return rc;
}

/* The workloads O asks for on E, checked, into *P (*N). Prints errors. */
static int plan(struct bench *b, struct kindset *ks, struct planned **out,
		size_t *n_out)
{
	const struct topology *t = b->e->t;
	const struct bench_opts *o = b->o;
	struct planned *p = NULL;
	size_t n = 0, i, k, same;
	char *err = NULL;
	int rc = 0;

	*out = NULL;
	*n_out = 0;
	p = calloc(t->n_workloads + 1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	if (o && o->workload) {
		p[0].kind = kind_find(ks, o->workload);
		for (i = 0; i < t->n_workloads && !p[0].spec; i++)
			if (strcmp(t->workloads[i].name, o->workload) == 0)
				p[0].spec = &t->workloads[i];
		if (!p[0].kind) {
			char *msg = unknown_kind(ks, o->workload);

			cli_error("%s", msg ? msg : strerror(ENOMEM));
			free(msg);
			rc = -EINVAL;
			goto out;
		}
		n = 1;
	} else {
		for (i = 0; i < t->n_workloads; i++) {
			p[n].spec = &t->workloads[i];
			p[n].kind = kind_find(ks, t->workloads[i].name);
			if (!p[n].kind) {
				char *msg = unknown_kind(ks, t->workloads[i].name);

				fprintf(stderr, "error: %s:%d:%d: %s\n", t->path,
					t->workloads[i].pos.line,
					t->workloads[i].pos.col,
					msg ? msg : strerror(ENOMEM));
				free(msg);
				rc = -EINVAL;
				goto out;
			}
			n++;
		}
	}
	if (!n) {
		cli_error("topology '%s' has no workload", t->path);
		cli_hint("add 'workload: {name: kv-latency}' to it, or give --workload NAME");
		rc = -EINVAL;
		goto out;
	}
	for (i = 0; i < n && rc == 0; i++) {
		rc = wl_options_parse(p[i].kind, t->path, p[i].spec, &p[i].v, &err);
		if (rc == 0 && o && o->times)
			rc = wl_option_set(p[i].kind, &p[i].v, "times", o->times,
					   "--times", &err);
		if (rc == 0 && o && o->concurrency)
			rc = wl_option_set(p[i].kind, &p[i].v, "concurrency",
					   o->concurrency, "--concurrency", &err);
		if (rc == 0 && o && o->from)
			rc = wl_option_set(p[i].kind, &p[i].v, "from", o->from,
					   "--from", &err);
		if (rc == 0)
			rc = wl_check_sites(p[i].kind, t, t->path, p[i].spec,
					    &p[i].v, &err);
		/* A stack's workload: its packages (Rally) before anything
		 * runs. */
		if (rc == 0 && wl_stack_kind_is(p[i].kind))
			rc = wl_stack_kind_check(p[i].kind, &err);
		/* The name it is stored as: the second kv-latency of a run
		 * is kv-latency#2. */
		for (k = same = 0; k < i; k++)
			same += strcmp(p[k].kind->name, p[i].kind->name) == 0;
		if (same)
			snprintf(p[i].label, sizeof(p[i].label), "%s#%zu",
				 p[i].kind->name, same + 1);
		else
			snprintf(p[i].label, sizeof(p[i].label), "%s",
				 p[i].kind->name);
	}
	if (rc < 0) {
		fflush(stdout);
		fprintf(stderr, "error: %s\n", err ? err : strerror(-rc));
		goto out;
	}
	*out = p;
	*n_out = n;
	p = NULL;
out:
	free(err);
	free(p);
	return rc;
}

static void print_json(struct bench *b, int rc)
{
	struct wl_summary_row *rows = NULL;
	size_t n = 0, i;
	struct json j;

	if (state_wl_summaries(b->ctx->st, b->run, &rows, &n) < 0)
		n = 0;
	json_init(&j, stdout);
	json_begin_object(&j);
	json_key_str(&j, "experiment", b->e->w.name);
	json_key_int(&j, "run", b->run);
	json_key_str(&j, "outcome", bench_outcome(rc));
	json_key(&j, "summaries");
	json_begin_array(&j);
	for (i = 0; i < n; i++) {
		json_begin_object(&j);
		json_key_str(&j, "workload", rows[i].workload);
		json_key_str(&j, "op", rows[i].op);
		json_key_str(&j, "site", rows[i].site);
		json_key_int(&j, "count", (int64_t)rows[i].count);
		json_key_int(&j, "failures", (int64_t)rows[i].failures);
		json_key_double(&j, "min_ms", rows[i].min_ms);
		json_key_double(&j, "p50_ms", rows[i].p50_ms);
		json_key_double(&j, "p90_ms", rows[i].p90_ms);
		json_key_double(&j, "p99_ms", rows[i].p99_ms);
		json_key_double(&j, "max_ms", rows[i].max_ms);
		json_key_double(&j, "mean_ms", rows[i].mean_ms);
		json_key_double(&j, "stddev_ms", rows[i].stddev_ms);
		json_end_object(&j);
	}
	json_end_array(&j);
	json_end_object(&j);
	json_finish(&j);
	free(rows);
}

int bench_run(struct enos_ctx *ctx, struct shaped_exp *e, int64_t run,
	      const struct bench_opts *o)
{
	struct bench b = { .ctx = ctx, .e = e, .run = run, .o = o };
	struct kindset ks = { .t = e->t };
	struct planned *p = NULL;
	char dir[PATH_MAX - 16];
	sigset_t sigs, old;
	bool stopped = false;
	size_t n = 0, i;
	int rc, r;

	rc = plan(&b, &ks, &p, &n);
	if (rc == 0)
		rc = cli_emu(ctx);
	/* The stack's workloads render their templates from the stack as
	 * deployed. */
	if (rc == 0 && ks.n) {
		char *err = NULL;

		rc = wl_stack_kinds_place(ks.kinds, ks.n, ctx->emu, e->t, &e->w, &err);
		if (rc < 0)
			cli_error("%s", err ? err : strerror(-rc));
		free(err);
	}
	if (rc < 0)
		goto out;
	b.shaped = e->info.shaping_ops && e->info.shaping_ops->shapes;
	if (b.shaped) {
		rc = shaping_table(ctx, e->t, &e->w, false, &b.base);
		/* Operations are tagged with the step of a trace in force
		 * when they started: from the engine's start, a fact of the
		 * run. */
		if (rc == 0 && shape_table_traced(&b.base))
			rc = shaping_trace_start(ctx, &e->w, e->info.shaping_ops,
						 run, &b.base.trace_start_us);
		if (rc < 0)
			goto out;
	}
	if (b.shaped == false && e->t->n_faults)
		fprintf(stderr, "note: '%s' is not shaped: the faults timeline does not run\n",
			e->w.name);
	rc = state_services(ctx->st, e->w.name, &b.svcs, &b.n_svcs);
	if (rc < 0) {
		cli_error("cannot read the services of '%s': %s", e->w.name,
			  state_errmsg(ctx->st));
		goto out;
	}
	b.svc_died = calloc(b.n_svcs + 1, sizeof(*b.svc_died));
	if (!b.svc_died) {
		rc = -ENOMEM;
		goto out;
	}
	rc = rundir_make(e->w.name, run, "workloads", true, b.dir, sizeof(b.dir),
			 dir, sizeof(dir));
	if (rc < 0) {
		cli_error("cannot make the results directory of run %lld: %s",
			  (long long)run, dir);
		goto out;
	}
	/* Held for the whole run (the runner's threads inherit the mask):
	 * the loop takes them between two drains. */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	sigprocmask(SIG_BLOCK, &sigs, &old);
	for (i = 0; i < n && !stopped; i++) {
		r = run_one(&b, &p[i], &sigs, &stopped);
		/* Interrupted wins, then a failure, then a dead service. */
		if (r == -EINTR || rc == 0 || (rc == -BENCH_ESERVICE && r != 0))
			rc = r;
	}
	/* One that came after the last drain is taken, not delivered: the
	 * run is still to be marked. */
	while (signalled(&sigs))
		rc = -EINTR;
	sigprocmask(SIG_SETMASK, &old, NULL);
	if (o && o->json)
		print_json(&b, rc);
	else
		printf("stored as run %lld of '%s' (%s)\n", (long long)run,
		       e->w.name, bench_outcome(rc));
out:
	if (rc == -ENOMEM)
		cli_error("out of memory");
	for (i = 0; i < b.n_faults; i++)
		live_fault_release(&b.faults[i].f);
	free(b.faults);
	free(b.jobs);
	free(b.ji);
	free(b.pend);
	free(b.ops);
	free(b.svcs);
	free(b.svc_died);
	shape_table_release(&b.base);
	kindset_release(&ks);
	free(p);
	return rc;
}
