/* state_run — what the state database holds about what was measured: runs
 * (one execution of a phase sequence), their results (one figure each) and
 * the facts about the host they ran on.
 *
 * Runs, results and facts name their experiment but have no foreign key to
 * it: they outlive the world that produced them (state_forget() leaves
 * them), so `enos report` reads them later and hands them to reports/
 * (report_data.c). The statement helpers are in state.c (state_db.h).
 */
#include "enos/state.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "enos/state_db.h"

/* Start a run of KIND ("run", "bench", ...) for experiment NAME (may be
 * NULL) with SEED if HAS_SEED. *RUN_ID receives its id.
 * Returns 0 or -errno. */
int state_run_begin(struct state *st, const char *name, const char *kind,
		    uint64_t seed, bool has_seed, int64_t *run_id)
{
	struct db_stmt q;
	int ret;

	db_prepare(st, &q, "begin run", "INSERT INTO runs (experiment, kind,"
		   " started, seed) VALUES (?1, ?2, ?3, ?4)");
	db_bind_text(&q, 1, name);
	db_bind_text(&q, 2, kind);
	db_bind_int64(&q, 3, (int64_t)time(NULL));
	if (has_seed)
		db_bind_int64(&q, 4, (int64_t)seed);
	ret = db_run(&q);
	if (!ret)
		*run_id = db_last_id(st);
	return ret;
}

/* End run RUN_ID now with OUTCOME ("ok", "failed", ...).
 * Returns 0, -ENOENT if there is no such run, or -errno. */
int state_run_end(struct state *st, int64_t run_id, const char *outcome)
{
	struct db_stmt q;
	int ret;

	db_prepare(st, &q, "end run", "UPDATE runs SET ended = ?2, outcome = ?3"
		   " WHERE id = ?1");
	db_bind_int64(&q, 1, run_id);
	db_bind_int64(&q, 2, (int64_t)time(NULL));
	db_bind_text(&q, 3, outcome);
	ret = db_run(&q);
	if (!ret && db_changes(st) == 0)
		ret = state_error(st, -ENOENT, "no run %lld", (long long)run_id);
	return ret;
}

/* Store VALUE (a NaN is stored as NULL) in UNIT for METRIC between SRC and
 * DST (either NULL) of run RUN_ID.
 * Returns 0, -ENOENT if there is no such run, or -errno. */
int state_result_add(struct state *st, int64_t run_id, const char *metric,
		     const char *src, const char *dst, double value,
		     const char *unit)
{
	struct db_stmt q;

	db_prepare(st, &q, "add result", "INSERT INTO results (run, metric,"
		   " src, dst, value, unit) VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
	db_bind_int64(&q, 1, run_id);
	db_bind_text(&q, 2, metric);
	db_bind_text(&q, 3, src);
	db_bind_text(&q, 4, dst);
	db_bind_double(&q, 5, value);
	db_bind_text(&q, 6, unit);
	return db_run(&q);
}

/* Record fact KEY = VALUE about the host for RUN_ID; a second fact with the
 * same key replaces the first. Returns 0, -ENOENT (no such run), -errno. */
int state_fact_add(struct state *st, int64_t run_id, const char *key,
		   const char *value)
{
	struct db_stmt q;

	db_prepare(st, &q, "add fact", "INSERT OR REPLACE INTO facts (run, key,"
		   " value) VALUES (?1, ?2, ?3)");
	db_bind_int64(&q, 1, run_id);
	db_bind_text(&q, 2, key);
	db_bind_text(&q, 3, value);
	return db_run(&q);
}

/* Fill *OUT from the row of Q: id, experiment, kind, started, ended,
 * outcome, seed (a text too long for its field is cut). */
static void run_from_row(struct db_stmt *q, struct run_info *out)
{
	memset(out, 0, sizeof(*out));
	out->id = col_int64(q, 0);
	col_copy(q, 1, out->experiment, sizeof(out->experiment));
	col_copy(q, 2, out->kind, sizeof(out->kind));
	out->started = col_int64(q, 3);
	out->ended = col_int64(q, 4);
	col_copy(q, 5, out->outcome, sizeof(out->outcome));
	out->has_seed = !col_null(q, 6);
	out->seed = out->has_seed ? (uint64_t)col_int64(q, 6) : 0;
}

int state_run_get(struct state *st, int64_t id, struct run_info *out)
{
	struct db_stmt q;
	int ret;

	db_prepare(st, &q, "read run", "SELECT id, experiment, kind, started,"
		   " ended, outcome, seed FROM runs WHERE id = ?1");
	db_bind_int64(&q, 1, id);
	ret = db_one(&q);
	if (ret == 0)
		run_from_row(&q, out);
	else if (ret == -ENOENT)
		state_error(st, ret, "no run %lld", (long long)id);
	db_done(&q);
	return ret;
}

int state_run_latest(struct state *st, const char *name, const char *metric,
		     int64_t *id)
{
	struct db_stmt q;
	int ret;

	db_prepare(st, &q, "find run",
		"SELECT max(r.id) FROM runs r WHERE r.experiment = ?1"
		" AND (?2 IS NULL OR EXISTS (SELECT 1 FROM results x"
		"  WHERE x.run = r.id AND x.metric = ?2))");
	db_bind_text(&q, 1, name);
	db_bind_text(&q, 2, metric);
	ret = db_one(&q);
	if (!ret && col_null(&q, 0))
		ret = state_error(st, -ENOENT, "experiment '%s' has no such "
				  "run", name);
	else if (!ret)
		*id = col_int64(&q, 0);
	db_done(&q);
	return ret;
}

int state_results(struct state *st, int64_t run, struct state_result **rows,
		  size_t *n)
{
	struct db_stmt q;
	struct state_result *v = NULL, *r;
	size_t len = 0, cap = 0;
	int ret;

	*rows = NULL;
	*n = 0;
	db_prepare(st, &q, "read results", "SELECT metric, src, dst, value,"
		   " unit FROM results WHERE run = ?1 ORDER BY rowid");
	db_bind_int64(&q, 1, run);
	/* A text too long for its field is cut, not refused. */
	while (db_row(&q) > 0 && !db_grow(&q, &v, len, &cap, sizeof(*v), 256)) {
		r = &v[len++];
		col_copy(&q, 0, r->metric, sizeof(r->metric));
		col_copy(&q, 1, r->src, sizeof(r->src));
		col_copy(&q, 2, r->dst, sizeof(r->dst));
		r->value = col_null(&q, 3) ? NAN : col_double(&q, 3);
		col_copy(&q, 4, r->unit, sizeof(r->unit));
	}
	ret = db_done(&q);
	if (!ret) {
		*rows = v;
		*n = len;
		v = NULL;
	}
	free(v);
	return ret;
}

int state_facts(struct state *st, int64_t run, char ***keys, char ***values,
		size_t *n)
{
	struct db_stmt q;
	char **k = NULL, **v = NULL;
	size_t len = 0, kcap = 0, vcap = 0;
	int ret;

	*keys = *values = NULL;
	*n = 0;
	db_prepare(st, &q, "read facts", "SELECT key, value FROM facts"
		   " WHERE run = ?1 ORDER BY key");
	db_bind_int64(&q, 1, run);
	while (db_row(&q) > 0 &&
	       !db_add_name(&q, &k, len, &kcap, col_text(&q, 0)) &&
	       !db_add_name(&q, &v, len, &vcap, col_text(&q, 1)))
		len++;
	ret = db_done(&q);
	if (!ret) {
		*keys = k;
		*values = v;
		*n = len;
		k = v = NULL;
	}
	state_free_names(k);
	state_free_names(v);
	return ret;
}
