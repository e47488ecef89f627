/* state_fault — what the state database holds about faults: each fault
 * applied to an experiment, live (`enos fault`) or by a timeline, with when
 * it was applied and removed.
 *
 * The rows name their experiment without a foreign key and keep their run
 * (SET NULL when the run goes), so they stay part of what was measured;
 * the active ones (removed IS NULL) are laid over the WAN again whenever
 * its shaping is rebuilt (shaping.c) and listed by `enos fault list`.
 * The statement helpers are in state.c (state_db.h).
 */
#include "enos/state.h"

#include <math.h>
#include <stdlib.h>

#include "enos/state_db.h"

int state_fault_add(struct state *st, int64_t run, const char *name,
		    const char *action, const char *detail, double applied,
		    int64_t *id)
{
	struct db_stmt q;
	int ret;

	db_prepare(st, &q, "record fault", "INSERT INTO faults (run, experiment,"
		   " action, detail, applied) VALUES (?1, ?2, ?3, ?4, ?5)");
	if (run)
		db_bind_int64(&q, 1, run);
	db_bind_text(&q, 2, name);
	db_bind_text(&q, 3, action);
	db_bind_text(&q, 4, detail);
	db_bind_double(&q, 5, applied);
	ret = db_run(&q);
	if (!ret && id)
		*id = db_last_id(st);
	return ret;
}

int state_fault_end(struct state *st, int64_t id, double removed)
{
	struct db_stmt q;

	db_prepare(st, &q, "end fault", "UPDATE faults SET removed = ?2"
		   " WHERE id = ?1 AND removed IS NULL");
	db_bind_int64(&q, 1, id);
	db_bind_double(&q, 2, removed);
	return db_run(&q);
}

int state_faults(struct state *st, const char *name, int64_t run,
		 bool active_only, struct state_fault **rows, size_t *n)
{
	struct db_stmt q;
	struct state_fault *v = NULL, *f;
	size_t len = 0, cap = 0;
	int ret;

	*rows = NULL;
	*n = 0;
	db_prepare(st, &q, "read faults",
		"SELECT id, action, detail, applied, removed, run"
		" FROM faults WHERE experiment = ?1 AND (?2 = 0 OR run = ?2)"
		" AND (?3 = 0 OR removed IS NULL) ORDER BY id");
	db_bind_text(&q, 1, name);
	db_bind_int64(&q, 2, run);
	db_bind_int(&q, 3, active_only);
	/* A text too long for its field is cut, not refused. */
	while (db_row(&q) > 0 && !db_grow(&q, &v, len, &cap, sizeof(*v), 16)) {
		f = &v[len++];
		f->id = col_int64(&q, 0);
		col_copy(&q, 1, f->action, sizeof(f->action));
		col_copy(&q, 2, f->detail, sizeof(f->detail));
		f->applied = col_double(&q, 3);
		f->removed = col_null(&q, 4) ? NAN : col_double(&q, 4);
		f->run = col_int64(&q, 5);
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
