/* state_sweep — what the state database holds about sweeps (schema v7):
 * the sweep, the files it was read from, its axes and points, its (point,
 * repetition) pairs with their seed and status, and every run made for a
 * pair; and the history of past runs estimates read.
 *
 * The bookkeeping of a resume: each change that spans statements is one
 * transaction (BEGIN IMMEDIATE ... COMMIT), so a process killed between
 * any two statements leaves either the old record or the new one. A pair
 * goes running before its step starts (state_sweep_pair_start) and done or
 * failed, with its run ended, in one transaction after
 * (state_sweep_pair_finish, which refuses a pair that is not running: no
 * pair is ever done twice). The run a step opens may not be known to the
 * sweep yet when it is killed (phase_up opens it and returns its id only
 * at the end): finish and recover adopt the runs of kind "sweep" of the
 * experiment started since the pair started. The statement helpers are in
 * state.c (state_db.h).
 */
#include "enos/state.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "enos/state_db.h"

/* Run F(ST, ARG) in one transaction: committed if it returns 0, else
 * rolled back with its error kept. */
static int in_transaction(struct state *st, int (*f)(struct state *, void *),
			  void *arg)
{
	int ret = db_exec(st, "BEGIN IMMEDIATE");

	if (ret)
		return ret;
	ret = f(st, arg);
	if (!ret)
		ret = db_exec(st, "COMMIT");
	if (ret)
		db_rollback(st);
	return ret;
}

/* ---- save ---- */

/* A done pair of the sweep being replaced. */
struct kept {
	char *label;
	unsigned rep;
	uint64_t seed;
	int64_t run, started, ended;
	size_t point;           /* in the replaced sweep */
};

struct save_args {
	const struct sweep_save *sv;
	bool keep_done;
	int64_t id;
	struct kept *kept;
	size_t n_kept;
};

static void kept_free(struct kept *k, size_t n)
{
	size_t i;

	for (i = 0; k && i < n; i++)
		free(k[i].label);
	free(k);
}

/* The done pairs of sweep OLD, into A. */
static int read_kept(struct state *st, struct save_args *a, int64_t old)
{
	struct db_stmt q;
	size_t cap = 0;

	db_prepare(st, &q, "read done sweep pairs",
		   "SELECT label, rep, seed, run, started, ended, point FROM"
		   " sweep_pairs WHERE sweep = ?1 AND status = 'done'");
	db_bind_int64(&q, 1, old);
	while (db_row(&q) > 0 &&
	       !db_grow(&q, &a->kept, a->n_kept, &cap, sizeof(*a->kept), 16)) {
		struct kept *k = &a->kept[a->n_kept++];

		k->rep = (unsigned)col_int64(&q, 1);
		k->seed = (uint64_t)col_int64(&q, 2);
		k->run = col_int64(&q, 3);
		k->started = col_int64(&q, 4);
		k->ended = col_int64(&q, 5);
		k->point = (size_t)col_int64(&q, 6);
		if (col_dup(&q, 0, (const char **)&k->label)) {
			db_stop(&q, state_nomem(st));
			break;
		}
	}
	return db_done(&q);
}

static const struct kept *find_kept(const struct save_args *a,
				    const struct sweep_pair_row *p)
{
	size_t i;

	for (i = 0; i < a->n_kept; i++)
		if (a->kept[i].rep == p->rep && a->kept[i].label && p->label &&
		    !strcmp(a->kept[i].label, p->label))
			return &a->kept[i];
	return NULL;
}

/* Keep the runs of kept pair K of sweep OLD as runs of pair P of the new
 * sweep A->id (the old rows went with the old sweep). */
static int keep_runs(struct state *st, const struct save_args *a,
		     const int64_t *runs, size_t n, const struct sweep_pair_row *p)
{
	struct db_stmt q;
	size_t i;

	db_prepare(st, &q, "keep sweep runs",
		   "INSERT OR IGNORE INTO sweep_runs (run, sweep, point, rep)"
		   " SELECT ?1, ?2, ?3, ?4 WHERE EXISTS (SELECT 1 FROM runs"
		   " WHERE id = ?1)");
	for (i = 0; i < n; i++) {
		db_bind_int64(&q, 1, runs[i]);
		db_bind_int64(&q, 2, a->id);
		db_bind_int64(&q, 3, (int64_t)p->point);
		db_bind_int64(&q, 4, p->rep);
		db_step(&q);
	}
	return db_done(&q);
}

/* The runs recorded for pair (POINT, REP) of sweep ID, into *RUNS. */
static int pair_runs(struct state *st, int64_t id, size_t point,
		     unsigned rep, int64_t **runs, size_t *n)
{
	struct db_stmt q;
	size_t cap = 0;

	*runs = NULL;
	*n = 0;
	db_prepare(st, &q, "read sweep runs",
		   "SELECT run FROM sweep_runs WHERE sweep = ?1 AND point = ?2"
		   " AND rep = ?3 ORDER BY run");
	db_bind_int64(&q, 1, id);
	db_bind_int64(&q, 2, (int64_t)point);
	db_bind_int64(&q, 3, rep);
	while (db_row(&q) > 0 && !db_grow(&q, runs, *n, &cap, sizeof(**runs), 4))
		(*runs)[(*n)++] = col_int64(&q, 0);
	return db_done(&q);
}

static int save_tx(struct state *st, void *arg)
{
	struct save_args *a = arg;
	const struct sweep_save *sv = a->sv;
	const struct sweep_record *r = sv->rec;
	struct db_stmt q;
	int64_t old = 0;
	size_t *runs_n = NULL, i, k;
	int64_t **runs = NULL;
	int ret, done;

	db_prepare(st, &q, "read sweep", "SELECT id FROM sweeps WHERE name = ?1");
	db_bind_text(&q, 1, r->name);
	ret = db_one(&q);
	if (ret == 0)
		old = col_int64(&q, 0);
	db_done(&q);
	if (ret && ret != -ENOENT)
		return ret;
	ret = 0;
	if (old && a->keep_done) {
		ret = read_kept(st, a, old);
		runs = calloc(a->n_kept ? a->n_kept : 1, sizeof(*runs));
		runs_n = calloc(a->n_kept ? a->n_kept : 1, sizeof(*runs_n));
		if (!ret && (!runs || !runs_n))
			ret = state_nomem(st);
		for (k = 0; !ret && k < a->n_kept; k++)
			ret = pair_runs(st, old, a->kept[k].point, a->kept[k].rep,
					&runs[k], &runs_n[k]);
	}
	if (!ret && old) {
		db_prepare(st, &q, "replace sweep", "DELETE FROM sweeps WHERE id = ?1");
		db_bind_int64(&q, 1, old);
		ret = db_run(&q);
	}
	if (ret)
		goto out;
	db_prepare(st, &q, "record sweep",
		   "INSERT INTO sweeps (id, name, path, hash, experiment, seed,"
		   " repeat, ordering, created, text, topology) VALUES (?1, ?2,"
		   " ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)");
	if (old)
		db_bind_int64(&q, 1, old);      /* the same id: its runs keep it */
	db_bind_text(&q, 2, r->name);
	db_bind_text(&q, 3, r->path);
	db_bind_text(&q, 4, r->hash);
	db_bind_text(&q, 5, r->experiment);
	db_bind_int64(&q, 6, (int64_t)r->seed);
	db_bind_int64(&q, 7, r->repeat);
	db_bind_text(&q, 8, r->order);
	db_bind_int64(&q, 9, (int64_t)time(NULL));
	db_bind_text(&q, 10, sv->text);
	db_bind_text(&q, 11, sv->topology);
	ret = db_run(&q);
	if (ret)
		goto out;
	a->id = db_last_id(st);
	db_prepare(st, &q, "record sweep axes",
		   "INSERT INTO sweep_axes (sweep, idx, path) VALUES (?1, ?2, ?3)");
	for (i = 0; i < sv->n_axes; i++) {
		db_bind_int64(&q, 1, a->id);
		db_bind_int64(&q, 2, (int64_t)i);
		db_bind_text(&q, 3, sv->axes[i]);
		db_step(&q);
	}
	ret = db_done(&q);
	if (ret)
		goto out;
	db_prepare(st, &q, "record sweep values",
		   "INSERT INTO sweep_values (sweep, point, axis, value) VALUES"
		   " (?1, ?2, ?3, ?4)");
	for (i = 0; i < sv->n_points * sv->n_axes; i++) {
		db_bind_int64(&q, 1, a->id);
		db_bind_int64(&q, 2, (int64_t)(i / sv->n_axes));
		db_bind_int64(&q, 3, (int64_t)(i % sv->n_axes));
		db_bind_text(&q, 4, sv->values[i]);
		db_step(&q);
	}
	ret = db_done(&q);
	if (ret)
		goto out;
	db_prepare(st, &q, "record sweep pairs",
		   "INSERT INTO sweep_pairs (sweep, point, rep, seq, label, seed,"
		   " status, run, started, ended) VALUES (?1, ?2, ?3, ?4, ?5, ?6,"
		   " ?7, ?8, ?9, ?10)");
	for (i = 0; i < sv->n_pairs && !ret; i++) {
		const struct sweep_pair_row *p = &sv->pairs[i];
		const struct kept *kp = a->keep_done ? find_kept(a, p) : NULL;

		db_bind_int64(&q, 1, a->id);
		db_bind_int64(&q, 2, (int64_t)p->point);
		db_bind_int64(&q, 3, p->rep);
		db_bind_int64(&q, 4, (int64_t)i);
		db_bind_text(&q, 5, p->label);
		db_bind_int64(&q, 6, (int64_t)(kp ? kp->seed : p->seed));
		db_bind_text(&q, 7, kp ? SWEEP_DONE : SWEEP_PENDING);
		if (kp) {
			db_bind_int64(&q, 8, kp->run);
			db_bind_int64(&q, 9, kp->started);
			db_bind_int64(&q, 10, kp->ended);
		} else {
			db_bind_text(&q, 8, NULL);
			db_bind_text(&q, 9, NULL);
			db_bind_text(&q, 10, NULL);
		}
		ret = db_step(&q);
		if (!ret && kp) {
			k = (size_t)(kp - a->kept);
			ret = keep_runs(st, a, runs[k], runs_n[k], p);
		}
	}
	done = db_done(&q);
	if (!ret)
		ret = done;
out:
	for (k = 0; runs && k < a->n_kept; k++)
		free(runs[k]);
	free(runs);
	free(runs_n);
	return ret;
}

int state_sweep_save(struct state *st, const struct sweep_save *sv,
		     bool keep_done, int64_t *id)
{
	struct save_args a = { .sv = sv, .keep_done = keep_done };
	int ret = in_transaction(st, save_tx, &a);

	kept_free(a.kept, a.n_kept);
	if (!ret && id)
		*id = a.id;
	return ret;
}

/* ---- read ---- */

int state_sweep_get(struct state *st, const char *name,
		    struct sweep_record *out)
{
	struct db_stmt q;
	int ret;

	memset(out, 0, sizeof(*out));
	db_prepare(st, &q, "read sweep",
		   "SELECT id, name, path, hash, experiment, seed, repeat,"
		   " ordering, created FROM sweeps WHERE name = ?1");
	db_bind_text(&q, 1, name);
	ret = db_one(&q);
	if (ret == 0) {
		out->id = col_int64(&q, 0);
		out->seed = (uint64_t)col_int64(&q, 5);
		out->repeat = (unsigned)col_int64(&q, 6);
		out->created = col_int64(&q, 8);
		if (col_copy(&q, 1, out->name, sizeof(out->name)) ||
		    col_copy(&q, 2, out->path, sizeof(out->path)) ||
		    col_copy(&q, 3, out->hash, sizeof(out->hash)) ||
		    col_copy(&q, 4, out->experiment, sizeof(out->experiment)) ||
		    col_copy(&q, 7, out->order, sizeof(out->order)))
			ret = db_stop(&q, state_error(st, -EBADMSG,
				"sweep '%s': bad record", name));
	} else if (ret == -ENOENT) {
		state_error(st, ret, "no sweep '%s'", name);
	}
	db_done(&q);
	return ret;
}

int state_sweep_pairs(struct state *st, int64_t id,
		      struct sweep_pair_row **rows, size_t *n)
{
	struct sweep_pair_row *v = NULL, *r;
	struct db_stmt q;
	size_t len = 0, cap = 0;
	int ret;

	*rows = NULL;
	*n = 0;
	db_prepare(st, &q, "read sweep pairs",
		   "SELECT point, rep, seq, seed, status, run, started, ended,"
		   " label FROM sweep_pairs WHERE sweep = ?1 ORDER BY seq");
	db_bind_int64(&q, 1, id);
	while (db_row(&q) > 0 && !db_grow(&q, &v, len, &cap, sizeof(*v), 64)) {
		r = &v[len++];
		r->point = (size_t)col_int64(&q, 0);
		r->rep = (unsigned)col_int64(&q, 1);
		r->seq = (size_t)col_int64(&q, 2);
		r->seed = (uint64_t)col_int64(&q, 3);
		r->run = col_int64(&q, 5);
		r->started = col_int64(&q, 6);
		r->ended = col_int64(&q, 7);
		if (col_copy(&q, 4, r->status, sizeof(r->status))) {
			db_stop(&q, state_error(st, -EBADMSG, "sweep %lld: bad pair record",
						(long long)id));
			break;
		}
		if (col_dup(&q, 8, (const char **)&r->label)) {
			db_stop(&q, state_nomem(st));
			break;
		}
	}
	ret = db_done(&q);
	if (ret) {
		state_sweep_pairs_free(v, len);
		return ret;
	}
	*rows = v;
	*n = len;
	return 0;
}

void state_sweep_pairs_free(struct sweep_pair_row *rows, size_t n)
{
	size_t i;

	for (i = 0; rows && i < n; i++)
		free(rows[i].label);
	free(rows);
}

int state_sweep_runs(struct state *st, int64_t id, size_t point,
		     unsigned rep, int64_t **runs, char ***outcomes,
		     size_t *n)
{
	struct db_stmt q;
	char **names = NULL;
	int64_t *v = NULL;
	size_t len = 0, cap = 0, ncap = 0;
	int ret;

	*runs = NULL;
	*outcomes = NULL;
	*n = 0;
	db_prepare(st, &q, "read sweep runs",
		   "SELECT s.run, COALESCE(r.outcome, '') FROM sweep_runs s JOIN"
		   " runs r ON r.id = s.run WHERE s.sweep = ?1 AND s.point = ?2"
		   " AND s.rep = ?3 ORDER BY s.run");
	db_bind_int64(&q, 1, id);
	db_bind_int64(&q, 2, (int64_t)point);
	db_bind_int64(&q, 3, rep);
	while (db_row(&q) > 0) {
		if (db_grow(&q, &v, len, &cap, sizeof(*v), 4) ||
		    db_add_name(&q, &names, len, &ncap, col_text(&q, 1)))
			break;
		v[len++] = col_int64(&q, 0);
	}
	ret = db_done(&q);
	if (!ret && !names && !(names = calloc(1, sizeof(*names))))
		ret = state_nomem(st);
	if (ret) {
		free(v);
		state_free_names(names);
		return ret;
	}
	*runs = v;
	*outcomes = names;
	*n = len;
	return 0;
}

int state_sweep_texts(struct state *st, int64_t id, char **text,
		      char **topology)
{
	struct db_stmt q;
	int ret;

	*text = NULL;
	*topology = NULL;
	db_prepare(st, &q, "read sweep files", "SELECT COALESCE(text, ''),"
		   " COALESCE(topology, '') FROM sweeps WHERE id = ?1");
	db_bind_int64(&q, 1, id);
	ret = db_one(&q);
	if (ret == 0 && (col_dup(&q, 0, (const char **)text) ||
			 col_dup(&q, 1, (const char **)topology)))
		ret = db_stop(&q, state_nomem(st));
	else if (ret == -ENOENT)
		state_error(st, ret, "no sweep %lld", (long long)id);
	db_done(&q);
	if (ret) {
		free(*text);
		free(*topology);
		*text = *topology = NULL;
	}
	return ret;
}

int state_sweep_points(struct state *st, int64_t id, char ***axes,
		       size_t *n_axes, char ***values, size_t *n_points)
{
	struct db_stmt q;
	size_t na = 0, nv = 0, cap = 0;
	int ret;

	*axes = *values = NULL;
	*n_axes = *n_points = 0;
	db_prepare(st, &q, "read sweep axes", "SELECT path FROM sweep_axes"
		   " WHERE sweep = ?1 ORDER BY idx");
	db_bind_int64(&q, 1, id);
	ret = db_names(&q, axes, NULL, &na);
	if (ret)
		return ret;
	/* Every point has a value per axis, in axis order (a point whose
	 * count is off is not one enos wrote). */
	db_prepare(st, &q, "read sweep values", "SELECT value, point, axis"
		   " FROM sweep_values WHERE sweep = ?1 ORDER BY point, axis");
	db_bind_int64(&q, 1, id);
	while (db_row(&q) > 0) {
		if (col_int64(&q, 1) != (int64_t)(na ? nv / na : 0) ||
		    col_int64(&q, 2) != (int64_t)(na ? nv % na : 0)) {
			db_stop(&q, state_error(st, -EBADMSG, "sweep %lld: bad"
						" point values", (long long)id));
			break;
		}
		if (db_add_name(&q, values, nv, &cap, col_text(&q, 0)))
			break;
		nv++;
	}
	ret = db_done(&q);
	if (!ret && !*values && !(*values = calloc(1, sizeof(**values))))
		ret = state_nomem(st);
	if (!ret && na && nv % na)
		ret = state_error(st, -EBADMSG, "sweep %lld: bad point values",
				  (long long)id);
	if (ret) {
		state_free_names(*axes);
		state_free_names(*values);
		*axes = *values = NULL;
		return ret;
	}
	*n_axes = na;
	*n_points = na ? nv / na : 0;
	return 0;
}

/* ---- a pair's life ---- */

int state_sweep_pair_start(struct state *st, int64_t id, size_t point,
			   unsigned rep)
{
	struct db_stmt q;
	int ret;

	db_prepare(st, &q, "start sweep pair",
		   "UPDATE sweep_pairs SET status = 'running', started = ?4,"
		   " ended = NULL, run = NULL WHERE sweep = ?1 AND point = ?2"
		   " AND rep = ?3 AND status IN ('pending', 'failed')");
	db_bind_int64(&q, 1, id);
	db_bind_int64(&q, 2, (int64_t)point);
	db_bind_int64(&q, 3, rep);
	db_bind_int64(&q, 4, (int64_t)time(NULL));
	ret = db_run(&q);
	if (!ret && db_changes(st) == 0)
		ret = state_error(st, -EALREADY,
				  "sweep %lld: pair (point %zu, rep %u) is done or running",
				  (long long)id, point, rep);
	return ret;
}

struct finish_args {
	int64_t id;
	size_t point;
	unsigned rep;
	int64_t run;
	const char *status;
	const char *outcome;
};

/* Record as runs of pair F the runs of kind "sweep" of its experiment
 * started since it started that no pair has, and F->run; then end every
 * one of them still open as "failed", except F->run, which ends as
 * F->outcome (unless the step ended it itself). */
static int adopt_and_end(struct state *st, const struct finish_args *f)
{
	struct db_stmt q;
	int64_t now = (int64_t)time(NULL);
	int ret;

	db_prepare(st, &q, "adopt sweep runs",
		   "INSERT OR IGNORE INTO sweep_runs (run, sweep, point, rep)"
		   " SELECT r.id, p.sweep, p.point, p.rep FROM runs r, sweep_pairs p,"
		   " sweeps s WHERE p.sweep = ?1 AND p.point = ?2 AND p.rep = ?3"
		   " AND s.id = p.sweep AND r.kind = '" SWEEP_RUN_KIND "'"
		   " AND r.experiment = s.experiment AND r.started >= p.started"
		   " AND NOT EXISTS (SELECT 1 FROM sweep_runs x WHERE x.run = r.id)");
	db_bind_int64(&q, 1, f->id);
	db_bind_int64(&q, 2, (int64_t)f->point);
	db_bind_int64(&q, 3, f->rep);
	ret = db_run(&q);
	if (!ret && f->run) {
		db_prepare(st, &q, "record sweep run",
			   "INSERT OR IGNORE INTO sweep_runs (run, sweep, point, rep)"
			   " VALUES (?4, ?1, ?2, ?3)");
		db_bind_int64(&q, 1, f->id);
		db_bind_int64(&q, 2, (int64_t)f->point);
		db_bind_int64(&q, 3, f->rep);
		db_bind_int64(&q, 4, f->run);
		ret = db_run(&q);
	}
	if (ret)
		return ret;
	db_prepare(st, &q, "end sweep runs",
		   "UPDATE runs SET ended = ?5, outcome = CASE WHEN id = ?4 THEN"
		   " COALESCE(outcome, ?6) ELSE 'failed' END WHERE ended IS NULL"
		   " AND id IN (SELECT run FROM sweep_runs WHERE sweep = ?1 AND"
		   " point = ?2 AND rep = ?3)");
	db_bind_int64(&q, 1, f->id);
	db_bind_int64(&q, 2, (int64_t)f->point);
	db_bind_int64(&q, 3, f->rep);
	db_bind_int64(&q, 4, f->run);
	db_bind_int64(&q, 5, now);
	db_bind_text(&q, 6, f->outcome);
	ret = db_run(&q);
	if (ret || !f->run)
		return ret;
	/* A step that ended its run itself without an outcome. */
	db_prepare(st, &q, "end sweep run",
		   "UPDATE runs SET outcome = ?2 WHERE id = ?1 AND outcome IS NULL");
	db_bind_int64(&q, 1, f->run);
	db_bind_text(&q, 2, f->outcome);
	return db_run(&q);
}

static int finish_tx(struct state *st, void *arg)
{
	const struct finish_args *f = arg;
	struct db_stmt q;
	int ret = adopt_and_end(st, f);

	if (ret)
		return ret;
	db_prepare(st, &q, "end sweep pair",
		   "UPDATE sweep_pairs SET status = ?4, run = ?5, ended = ?6"
		   " WHERE sweep = ?1 AND point = ?2 AND rep = ?3 AND status ="
		   " 'running'");
	db_bind_int64(&q, 1, f->id);
	db_bind_int64(&q, 2, (int64_t)f->point);
	db_bind_int64(&q, 3, f->rep);
	db_bind_text(&q, 4, f->status);
	if (f->run)
		db_bind_int64(&q, 5, f->run);
	if (strcmp(f->status, SWEEP_PENDING) != 0)
		db_bind_int64(&q, 6, (int64_t)time(NULL));
	ret = db_run(&q);
	if (!ret && db_changes(st) == 0)
		ret = state_error(st, -ESTALE,
				  "sweep %lld: pair (point %zu, rep %u) is not running",
				  (long long)f->id, f->point, f->rep);
	return ret;
}

int state_sweep_pair_finish(struct state *st, int64_t id, size_t point,
			    unsigned rep, int64_t run, const char *status,
			    const char *outcome)
{
	struct finish_args f = { id, point, rep, run, status, outcome };

	return in_transaction(st, finish_tx, &f);
}

struct recover_args {
	int64_t id;
	size_t n;
};

static int recover_tx(struct state *st, void *arg)
{
	struct recover_args *a = arg;
	struct sweep_pair_row *rows = NULL;
	size_t n = 0, i;
	int ret = state_sweep_pairs(st, a->id, &rows, &n);

	for (i = 0; !ret && i < n; i++) {
		struct finish_args f = { a->id, rows[i].point, rows[i].rep,
					 rows[i].run, SWEEP_PENDING, "failed" };

		if (strcmp(rows[i].status, SWEEP_RUNNING) != 0)
			continue;
		ret = finish_tx(st, &f);
		a->n++;
	}
	state_sweep_pairs_free(rows, n);
	return ret;
}

int state_sweep_recover(struct state *st, int64_t id, size_t *n)
{
	struct recover_args a = { id, 0 };
	int ret = in_transaction(st, recover_tx, &a);

	if (n)
		*n = ret ? 0 : a.n;
	return ret;
}

/* ---- history, topology path ---- */

/* The mean and count of the one row of Q (columns 0 and 1). */
static int mean_of(struct db_stmt *q, double *mean, size_t *n)
{
	int ret = db_one(q);

	*mean = NAN;
	*n = 0;
	if (ret == 0) {
		*n = (size_t)col_int64(q, 1);
		if (*n && !col_null(q, 0))
			*mean = col_double(q, 0);
		else
			*n = 0;
	}
	return db_done(q);
}

int state_history(struct state *st, const char *exp, const char *stack,
		  const char *strategy, struct run_history *h)
{
	struct db_stmt q;
	int ret;

	h->deploy_s = NAN;
	h->n_deploy = 0;
	db_prepare(st, &q, "read up history",
		   "SELECT AVG(r.value), COUNT(r.value) FROM results r JOIN runs u"
		   " ON u.id = r.run WHERE u.experiment = ?1 AND r.metric ="
		   " 'up_seconds'");
	db_bind_text(&q, 1, exp);
	ret = mean_of(&q, &h->up_s, &h->n_up);
	if (!ret && stack) {
		db_prepare(st, &q, "read deploy history",
			   "SELECT AVG(r.value), COUNT(r.value) FROM results r JOIN"
			   " runs u ON u.id = r.run WHERE u.experiment = ?1 AND"
			   " r.metric = 'deploy_seconds' AND r.src = ?2 AND (?3 IS"
			   " NULL OR r.dst = ?3)");
		db_bind_text(&q, 1, exp);
		db_bind_text(&q, 2, stack);
		db_bind_text(&q, 3, strategy);
		ret = mean_of(&q, &h->deploy_s, &h->n_deploy);
	}
	if (!ret) {
		db_prepare(st, &q, "read workload history",
			   "SELECT AVG(span), COUNT(span) FROM (SELECT"
			   " MAX(o.start + o.duration_ms / 1000.0) - MIN(o.start)"
			   " AS span FROM workload_ops o JOIN runs u ON u.id = o.run"
			   " WHERE u.experiment = ?1 GROUP BY o.run)");
		db_bind_text(&q, 1, exp);
		ret = mean_of(&q, &h->workload_s, &h->n_workload);
	}
	return ret;
}

int state_set_topo_path(struct state *st, const char *name,
			const char *path)
{
	struct db_stmt q;
	int ret;

	db_prepare(st, &q, "set topology path",
		   "UPDATE experiments SET topo_path = ?2 WHERE name = ?1");
	db_bind_text(&q, 1, name);
	db_bind_text(&q, 2, path);
	ret = db_run(&q);
	if (!ret && db_changes(st) == 0)
		ret = state_error(st, -ENOENT, "no experiment '%s'", name);
	return ret;
}
