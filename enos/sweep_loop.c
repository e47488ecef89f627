/* sweep_loop — running a recorded sweep's pairs through one step; see
 * sweep_loop.h.
 */
#include "enos/sweep_loop.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "enos/topo.h"
#include "util/crash.h"
#include "util/str.h"

static double mono_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* S seconds as "12:40" or "1:02:03". */
static const char *clock_text(double s, char *buf, size_t len)
{
	long t = s > 0 ? (long)(s + 0.5) : 0;

	if (t >= 3600)
		snprintf(buf, len, "%ld:%02ld:%02ld", t / 3600, t / 60 % 60, t % 60);
	else
		snprintf(buf, len, "%ld:%02ld", t / 60, t % 60);
	return buf;
}

/* S seconds as "40 s", "31 min", "2 h 10 min". */
static const char *span_text(double s, char *buf, size_t len)
{
	long t = s > 0 ? (long)(s + 0.5) : 0;
	long min = (t + 30) / 60;

	if (t < 60)
		snprintf(buf, len, "%ld s", t);
	else if (min < 90)
		snprintf(buf, len, "%ld min", min);
	else
		snprintf(buf, len, "%ld h %ld min", min / 60, min % 60);
	return buf;
}

const char *sweep_loop_progress_text(const struct sweep_progress *p,
				     char *buf, size_t len)
{
	char el[32], left[48];

	if (isnan(p->left_s))
		snprintf(left, sizeof(left), "time left unknown");
	else
		snprintf(left, sizeof(left), "about %s left",
			 span_text(p->left_s, el, sizeof(el)));
	snprintf(buf, len, "pair %zu/%zu: point %zu/%zu, rep %u/%u, elapsed %s, %s",
		 p->pair, p->n_pairs, p->point, p->n_points, p->rep, p->repeat,
		 clock_text(p->elapsed_s, el, sizeof(el)), left);
	return buf;
}

/* Tag RUN with the pair it was made for (facts of the run, for reports
 * and `enos ci`): the sweep, the pair, its seed, the step that led to it,
 * and one "axis PATH" = VALUE (the value as the sweep file writes it) per
 * axis, which is how enos/ci_eval.c finds a run's point. */
static void tag_run(struct state *st, int64_t run, const struct sweep_job *j)
{
	const struct sweep *s = j->sweep;
	size_t idx[SWEEP_AXES_MAX], k;
	char v[32], key[SWEEP_PATH_MAX + 8];

	state_fact_add(st, run, "sweep", j->sweep->name);
	snprintf(v, sizeof(v), "%zu", j->point + 1);
	state_fact_add(st, run, "sweep_point", v);
	snprintf(v, sizeof(v), "%u", j->rep + 1);
	state_fact_add(st, run, "sweep_rep", v);
	snprintf(v, sizeof(v), "%" PRIu64, j->seed);
	state_fact_add(st, run, "sweep_seed", v);
	state_fact_add(st, run, "sweep_step", sweep_action_name(j->action));
	state_fact_add(st, run, "sweep_values", j->label);
	sweep_point_values(s, j->point, idx);
	for (k = 0; k < s->n_axes; k++) {
		snprintf(key, sizeof(key), "axis %s", s->axes[k].path.text);
		state_fact_add(st, run, key, s->axes[k].texts[idx[k]]);
	}
}

static bool stop_asked(const struct sweep_loop *l)
{
	return l->stop && l->stop(l->stop_arg);
}

/* The pairs of L->id not done, in recorded order, with their actions. */
static int pairs_left(const struct sweep_loop *l, struct sweep_pair **todo,
		      char ***labels, size_t *n, char **err)
{
	struct sweep_pair_row *rows = NULL;
	size_t nr = 0, i, k = 0;
	int rc;

	*todo = NULL;
	*labels = NULL;
	*n = 0;
	rc = state_sweep_pairs(l->st, l->id, &rows, &nr);
	if (rc) {
		*err = str_printf("cannot read sweep '%s': %s", l->sweep->name,
				  state_errmsg(l->st));
		return rc;
	}
	*todo = calloc(nr ? nr : 1, sizeof(**todo));
	*labels = calloc(nr ? nr : 1, sizeof(**labels));
	if (!*todo || !*labels) {
		rc = -ENOMEM;
		goto out;
	}
	for (i = 0; i < nr; i++) {
		if (!strcmp(rows[i].status, SWEEP_DONE))
			continue;
		if (rows[i].point >= l->sweep->n_points ||
		    rows[i].rep >= l->sweep->repeat) {
			*err = str_printf("sweep '%s': the record has point %zu, rep %u, which the file does not",
					  l->sweep->name, rows[i].point + 1,
					  rows[i].rep + 1);
			rc = -EBADMSG;
			goto out;
		}
		(*todo)[k].point = rows[i].point;
		(*todo)[k].rep = rows[i].rep;
		(*todo)[k].seed = rows[i].seed;
		(*labels)[k] = rows[i].label;
		rows[i].label = NULL;
		k++;
	}
	sweep_plan_actions(l->sweep, *todo, k);
	*n = k;
out:
	state_sweep_pairs_free(rows, nr);
	if (rc == -ENOMEM && !*err)
		*err = strdup("out of memory");
	return rc;
}

static double left_after(const struct sweep_loop *l,
			 const struct sweep_pair *todo, size_t n, size_t i,
			 double spent, size_t finished)
{
	if (finished)
		return spent / (double)finished * (double)(n - i);
	if (l->cost)
		return sweep_estimate(todo + i, n - i, l->cost, NULL);
	return NAN;
}

int sweep_loop_run(const struct sweep_loop *l, struct sweep_outcome *out,
		   char **err)
{
	double (*clock)(void) = l->clock ? l->clock : mono_now;
	struct sweep_pair *todo = NULL;
	char **labels = NULL, *text = NULL;
	double t0 = clock(), spent = 0;
	size_t n = 0, i, finished = 0;
	bool rebuild = false;
	int rc;

	memset(out, 0, sizeof(*out));
	*err = NULL;
	rc = state_sweep_recover(l->st, l->id, &out->recovered);
	if (rc) {
		*err = str_printf("cannot recover sweep '%s': %s", l->sweep->name,
				  state_errmsg(l->st));
		return rc;
	}
	rc = pairs_left(l, &todo, &labels, &n, err);
	for (i = 0; !rc && i < n; i++) {
		struct sweep_pair *p = &todo[i];
		struct sweep_job job = {
			.sweep = l->sweep, .sweep_id = l->id, .point = p->point,
			.rep = p->rep, .seed = p->seed,
			.action = rebuild ? SWEEP_REBUILD : p->action,
			.label = labels[i],
		};
		struct sweep_progress pr = {
			.point = p->point + 1, .n_points = l->sweep->n_points,
			.rep = p->rep + 1, .repeat = l->sweep->repeat,
			.pair = i + 1, .n_pairs = n,
			.elapsed_s = clock() - t0, .action = job.action,
			.label = labels[i],
		};
		const char *status, *outcome;
		int64_t run = 0;
		double start;
		int src;

		if (stop_asked(l)) {
			out->interrupted = true;
			break;
		}
		rc = sweep_point_text(l->sweep, p->point, p->seed, true, &text, err);
		if (rc)
			break;
		job.text = text;
		pr.left_s = left_after(l, todo, n, i, spent, finished);
		if (l->progress)
			l->progress(l->progress_arg, &pr);
		rc = state_sweep_pair_start(l->st, l->id, p->point, p->rep);
		if (rc) {
			*err = str_printf("cannot start a pair of sweep '%s': %s",
					  l->sweep->name, state_errmsg(l->st));
			break;
		}
		out->ran++;
		start = clock();
		src = l->step(l->step_arg, &job, &run);
		crash_point_n("sweep:stepped", i + 1);
		if (src == 0) {
			status = SWEEP_DONE;
			outcome = "ok";
			out->done++;
			finished++;
			spent += clock() - start;
		} else if (src == -EINTR || stop_asked(l)) {
			status = SWEEP_PENDING;
			outcome = "interrupted";
			out->interrupted = true;
		} else {
			status = SWEEP_FAILED;
			outcome = "failed";
			out->failed++;
		}
		rebuild = src != 0;
		if (run)
			tag_run(l->st, run, &job);
		rc = state_sweep_pair_finish(l->st, l->id, p->point, p->rep, run,
					     status, outcome);
		if (rc) {
			*err = str_printf("cannot record a pair of sweep '%s': %s",
					  l->sweep->name, state_errmsg(l->st));
			break;
		}
		crash_point_n("sweep:pair_done", i + 1);
		free(text);
		text = NULL;
		if (out->interrupted)
			break;
	}
	if (!rc) {
		struct sweep_pair_row *rows = NULL;
		size_t nr = 0, k;

		rc = state_sweep_pairs(l->st, l->id, &rows, &nr);
		for (k = 0; !rc && k < nr; k++)
			out->left += strcmp(rows[k].status, SWEEP_DONE) != 0;
		state_sweep_pairs_free(rows, nr);
		if (rc)
			*err = str_printf("cannot read sweep '%s': %s",
					  l->sweep->name, state_errmsg(l->st));
	}
	free(text);
	for (i = 0; labels && i < n; i++)
		free(labels[i]);
	free(labels);
	free(todo);
	return rc;
}

int sweep_loop_costs(struct state *st, const struct sweep *s,
		     struct sweep_cost *cost, char **err)
{
	struct run_history h, any;
	struct topology *t = NULL;
	char *text = NULL, *terr = NULL;
	size_t point;
	int rc = 0;

	*err = NULL;
	for (point = 0; !rc && point < s->n_points; point++) {
		struct sweep_cost *c = &cost[point];

		rc = sweep_point_text(s, point, 0, false, &text, err);
		if (rc)
			break;
		t = topo_load_string(text, s->topo_path, s->topo_dir, &terr);
		if (!t) {
			*err = terr ? terr : strdup("out of memory");
			terr = NULL;
			rc = -EINVAL;
			break;
		}
		rc = state_history(st, s->exp, t->stack_name, t->stack_strategy, &h);
		if (!rc && t->stack_name && !h.n_deploy)
			rc = state_history(st, s->exp, t->stack_name, NULL, &any);
		if (rc) {
			*err = str_printf("cannot read the history of '%s': %s",
					  s->exp, state_errmsg(st));
			break;
		}
		if (t->stack_name && !h.n_deploy) {
			h.deploy_s = any.deploy_s;
			h.n_deploy = any.n_deploy;
		}
		c->up_s = h.n_up ? h.up_s : NAN;
		c->deploy_s = !t->stack_name ? 0 : h.n_deploy ? h.deploy_s : NAN;
		c->workload_s = !t->n_workloads ? 0 :
				h.n_workload ? h.workload_s : NAN;
		topo_free(t);
		t = NULL;
		free(text);
		text = NULL;
	}
	topo_free(t);
	free(text);
	return rc;
}

int sweep_loop_record(struct state *st, const struct sweep *s,
		      const char *path, bool keep_done, int64_t *id)
{
	struct sweep_record rec = { 0 };
	struct sweep_save sv = { 0 };
	struct sweep_pair *plan = NULL;
	struct sweep_pair_row *rows = NULL;
	const char **axes = NULL, **values = NULL;
	char **labels = NULL, *abs;
	size_t n = 0, i, k, idx[SWEEP_AXES_MAX];
	int rc;

	snprintf(rec.name, sizeof(rec.name), "%s", s->name);
	abs = realpath(path, NULL);
	snprintf(rec.path, sizeof(rec.path), "%s", abs ? abs : path);
	free(abs);
	snprintf(rec.hash, sizeof(rec.hash), "%016" PRIx64, s->hash);
	snprintf(rec.experiment, sizeof(rec.experiment), "%s", s->exp);
	snprintf(rec.order, sizeof(rec.order), "%s",
		 sweep_order_name(s->order));
	rec.seed = s->seed;
	rec.repeat = s->repeat;
	rc = sweep_plan(s, &plan, &n);
	axes = calloc(s->n_axes, sizeof(*axes));
	values = calloc(s->n_points * s->n_axes, sizeof(*values));
	labels = calloc(s->n_points, sizeof(*labels));
	rows = calloc(n ? n : 1, sizeof(*rows));
	if (rc || !axes || !values || !labels || !rows) {
		rc = -ENOMEM;
		goto out;
	}
	for (i = 0; i < s->n_axes; i++)
		axes[i] = s->axes[i].path.text;
	for (i = 0; i < s->n_points; i++) {
		sweep_point_values(s, i, idx);
		for (k = 0; k < s->n_axes; k++)
			values[i * s->n_axes + k] = s->axes[k].texts[idx[k]];
		labels[i] = sweep_point_label(s, i);
		if (!labels[i]) {
			rc = -ENOMEM;
			goto out;
		}
	}
	for (i = 0; i < n; i++) {
		rows[i].point = plan[i].point;
		rows[i].rep = plan[i].rep;
		rows[i].seed = plan[i].seed;
		rows[i].label = labels[plan[i].point];
	}
	sv.rec = &rec;
	sv.text = s->text;
	sv.topology = s->topo_text;
	sv.axes = axes;
	sv.n_axes = s->n_axes;
	sv.values = values;
	sv.n_points = s->n_points;
	sv.pairs = rows;
	sv.n_pairs = n;
	rc = state_sweep_save(st, &sv, keep_done, id);
out:
	for (i = 0; labels && i < s->n_points; i++)
		free(labels[i]);
	free(labels);
	free(rows);
	free(values);
	free(axes);
	free(plan);
	return rc;
}
