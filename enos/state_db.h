/* state_db — the statement helpers the state files share (private to
 * enos/state*.c; everyone else uses enos/state.h).
 *
 * enos/state.c opens the database and owns every call into SQLite; the
 * files beside it (state_world.c, state_run.c, state_proc.c, state_fault.c,
 * state_service.c) say what they store in SQL and go through these helpers,
 * so each statement is a few lines and every SQLite error is mapped to a
 * negative errno, with its message kept for state_errmsg(), in one place.
 * The model is fossil's db_prepare/db_step/db_finalize.
 *
 * A statement is a struct db_stmt. Errors are sticky, as in struct strbuf:
 * once a prepare, a bind or a step has failed (its message kept), the later
 * binds do nothing and db_row()/db_step() return that error, so a caller
 * checks once, at the end:
 *
 *	struct db_stmt q;
 *
 *	db_prepare(st, &q, "read results",
 *		   "SELECT metric, value FROM results WHERE run = ?1");
 *	db_bind_int64(&q, 1, run);
 *	while (db_row(&q) > 0)
 *		use(col_text(&q, 0), col_double(&q, 1));
 *	return db_done(&q);
 *
 * For a statement that changes rows: db_prepare, the binds, then db_run()
 * (or db_step() per row for one statement run many times, then db_done()).
 */
#ifndef ENOS_STATE_DB_H
#define ENOS_STATE_DB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct state;
struct sqlite3_stmt;

struct db_stmt {
	struct state *st;
	struct sqlite3_stmt *s;         /* NULL if the prepare failed */
	const char *what;               /* names it in a kept message */
	int ret;                        /* 0, or the first -errno it met */
};

/* Prepare SQL on ST into *Q; WHAT ("read results") names the statement in
 * the message kept when a bind or a step fails ("WHAT: <sqlite message>";
 * a failed prepare keeps "prepare: <sqlite message>"). A *Q zeroed with
 * { 0 } and never prepared may be passed to db_done().
 * Returns 0 or -errno (also kept in q->ret). */
int db_prepare(struct state *st, struct db_stmt *q, const char *what,
	       const char *sql);

/* Bind parameter I (?I, from 1). V NULL binds NULL; a parameter left
 * unbound is NULL. A failure is kept in Q. */
void db_bind_text(struct db_stmt *q, int i, const char *v);
void db_bind_int(struct db_stmt *q, int i, int v);
void db_bind_int64(struct db_stmt *q, int i, int64_t v);
void db_bind_double(struct db_stmt *q, int i, double v);

/* Step Q: 1 with a row to read with col_*(), 0 when there are no more, or
 * the -errno Q has met. */
int db_row(struct db_stmt *q);

/* Step Q expecting one row: 0 with the row, -ENOENT if there is none (no
 * message kept: the caller says what was missing), or -errno. A non-zero
 * return is kept in Q. */
int db_one(struct db_stmt *q);

/* Step Q to completion (a statement returning no row), then reset it so it
 * can be bound and run again. Returns 0 or -errno. */
int db_step(struct db_stmt *q);

/* Reset Q after a row, to bind and run it again (bindings are kept). */
void db_reset(struct db_stmt *q);

/* Stop Q with ERR (a negative errno, its message kept by the caller, e.g.
 * with state_error()): later db_row()s and db_done() return it. A Q that
 * has failed already keeps its first error; ERR 0 changes nothing, so
 * `if (db_stop(&q, ret)) break;` keeps ret if it is an error.
 * Returns q->ret. */
int db_stop(struct db_stmt *q, int err);

/* Finalize Q. Returns q->ret: 0, or the first error Q met. */
int db_done(struct db_stmt *q);

/* db_step() then db_done(): run a statement that changes rows once.
 * Returns 0 or -errno. */
int db_run(struct db_stmt *q);

/* Columns of the current row, from 0. col_text() is owned by Q, valid
 * until the next step; NULL for NULL. col_null(): the value is NULL. */
const char *col_text(struct db_stmt *q, int i);
int col_int(struct db_stmt *q, int i);
int64_t col_int64(struct db_stmt *q, int i);
double col_double(struct db_stmt *q, int i);
bool col_null(struct db_stmt *q, int i);

/* Copy column I into DST (SIZE bytes; NULL copies ""). Returns 0, or
 * -EBADMSG if it does not fit (a database not written by this enos; DST
 * then holds a truncated copy). Not kept in Q: the caller decides. */
int col_copy(struct db_stmt *q, int i, char *dst, size_t size);

/* An allocated copy of column I in *DST (NULL stays NULL). Returns 0 or
 * -ENOMEM (not kept in Q). */
int col_dup(struct db_stmt *q, int i, const char **dst);

/* Make room in *VP (an array of ELEM-byte items, *CAP allocated) for item
 * LEN, doubling from FIRST; the new items are zeroed. Returns 0, or
 * -ENOMEM kept in Q with its message (*VP is unchanged). */
int db_grow(struct db_stmt *q, void *vp, size_t len, size_t *cap,
	    size_t elem, size_t first);

/* Set (*V)[LEN] to a copy of S (NULL copies "") and (*V)[LEN + 1] to
 * NULL, growing *V (*CAP allocated) from 16: *V stays a NULL-terminated
 * array that state_free_names() frees, also on failure. Returns 0 or
 * -ENOMEM kept in Q. */
int db_add_name(struct db_stmt *q, char ***v, size_t len, size_t *cap,
		const char *s);

/* Run Q to the end and finalize it, collecting text column 0 of each row
 * into *NAMES (NULL-terminated, free with state_free_names()) and, if INTS
 * is not NULL, integer column 1 into *INTS (free()); *N (may be NULL) is
 * the count. Both are allocated arrays also when there is no row, and NULL
 * on failure. Returns 0 or -errno. */
int db_names(struct db_stmt *q, char ***names, int **ints, size_t *n);

/* Execute SQL without a result (BEGIN, COMMIT, a migration). Returns 0 or
 * -errno with "SQL: <sqlite message>" kept. */
int db_exec(struct state *st, const char *sql);

/* Roll back the open transaction, keeping the message of the error that
 * made the caller give up. */
void db_rollback(struct state *st);

/* The rows changed by the last statement that changed rows, and the rowid
 * of the last row inserted. */
int64_t db_changes(struct state *st);
int64_t db_last_id(struct state *st);

/* Keep the message FMT for state_errmsg() and return ERR, so a caller
 * writes ret = state_error(st, -EINVAL, "..."). */
int state_error(struct state *st, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* state_error(ST, -ENOMEM, strerror(ENOMEM)). */
int state_nomem(struct state *st);

#endif
