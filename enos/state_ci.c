/* state_ci — what the state database holds for `enos ci`: named
 * baselines (a name and the runs it stands for), and the one lookup of
 * runs by a fact that finds a sweep's runs. The tables are a migration of
 * state.c; the statement helpers are state_db.h's.
 *
 * A baseline names runs, not a sweep or an experiment: those are re-run
 * under the same name every night, while a baseline must stay what it
 * was when it was saved. Its runs cascade: deleting a run removes it from
 * every baseline.
 */
#include "enos/ci.h"

#include <errno.h>
#include <stdlib.h>
#include <time.h>

#include "enos/state.h"
#include "enos/state_db.h"

/* Collect integer column 0 of Q's rows into *RUNS (allocated, also when
 * empty) and *N, then finalize Q. */
static int collect_runs(struct db_stmt *q, int64_t **runs, size_t *n)
{
	int64_t *v = NULL;
	size_t len = 0, cap = 0;
	int ret;

	while (db_row(q) > 0 && !db_grow(q, &v, len, &cap, sizeof(*v), 16))
		v[len++] = col_int64(q, 0);
	ret = db_done(q);
	if (!ret && !v)
		v = calloc(1, sizeof(*v));
	if (!ret && !v)
		ret = -ENOMEM;
	if (ret) {
		free(v);
		return ret;
	}
	*runs = v;
	*n = len;
	return 0;
}

int state_ci_runs_with_fact(struct state *st, const char *key,
			    const char *value, int64_t **runs, size_t *n)
{
	struct db_stmt q;

	*runs = NULL;
	*n = 0;
	db_prepare(st, &q, "find runs by fact", "SELECT run FROM facts"
		   " WHERE key = ?1 AND value = ?2 ORDER BY run");
	db_bind_text(&q, 1, key);
	db_bind_text(&q, 2, value);
	return collect_runs(&q, runs, n);
}

int state_ci_baseline_put(struct state *st, const char *name,
			  const int64_t *runs, size_t n)
{
	struct db_stmt q;
	size_t i;
	int ret;

	ret = db_exec(st, "BEGIN IMMEDIATE");
	if (ret)
		return ret;
	/* The old runs go with the old row (ON DELETE CASCADE). */
	db_prepare(st, &q, "forget baseline", "DELETE FROM ci_baselines"
		   " WHERE name = ?1");
	db_bind_text(&q, 1, name);
	ret = db_run(&q);
	if (!ret) {
		db_prepare(st, &q, "save baseline", "INSERT INTO ci_baselines"
			   " (name, saved) VALUES (?1, ?2)");
		db_bind_text(&q, 1, name);
		db_bind_int64(&q, 2, (int64_t)time(NULL));
		ret = db_run(&q);
	}
	if (!ret) {
		db_prepare(st, &q, "add baseline run", "INSERT OR IGNORE INTO"
			   " ci_baseline_runs (name, run) VALUES (?1, ?2)");
		for (i = 0; i < n; i++) {
			db_bind_text(&q, 1, name);
			db_bind_int64(&q, 2, runs[i]);
			db_step(&q);
		}
		ret = db_done(&q);
	}
	if (!ret)
		ret = db_exec(st, "COMMIT");
	if (ret)
		db_rollback(st);
	return ret;
}

int state_ci_baseline_get(struct state *st, const char *name, int64_t **runs,
			  size_t *n)
{
	struct db_stmt q;
	int ret;

	*runs = NULL;
	*n = 0;
	db_prepare(st, &q, "read baseline", "SELECT 1 FROM ci_baselines"
		   " WHERE name = ?1");
	db_bind_text(&q, 1, name);
	ret = db_one(&q);
	db_done(&q);
	if (ret == -ENOENT)
		return state_error(st, -ENOENT, "no baseline '%s'", name);
	if (ret)
		return ret;
	db_prepare(st, &q, "read baseline runs", "SELECT run FROM"
		   " ci_baseline_runs WHERE name = ?1 ORDER BY run");
	db_bind_text(&q, 1, name);
	return collect_runs(&q, runs, n);
}
