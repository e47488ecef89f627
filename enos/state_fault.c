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

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "emulator/constraint.h"
#include "enos/state_db.h"

/* The constraint columns of faults, in this order from the first one a
 * statement names (schema v5). */
#define FAULT_CON_COLS "delay_us, jitter_us, distribution, correlation_pct," \
		       " loss_pct, loss_burst, rate_bps, queue"

/* Bind the fields C gives to parameters FIRST.. (FAULT_CON_COLS order);
 * the others stay NULL. */
static void bind_constraint(struct db_stmt *q, int first,
			    const struct constraint *c)
{
	if (c->set & CON_DELAY)
		db_bind_int64(q, first, (int64_t)c->delay_us);
	if (c->set & CON_JITTER)
		db_bind_int64(q, first + 1, (int64_t)c->jitter_us);
	if (c->set & CON_DIST)
		db_bind_text(q, first + 2, constraint_dist_name(c->dist));
	if (c->set & CON_CORR)
		db_bind_double(q, first + 3, c->corr_pct);
	if (c->set & CON_LOSS)
		db_bind_double(q, first + 4, c->loss_pct);
	if (c->set & CON_BURST)
		db_bind_double(q, first + 5, c->loss_burst);
	if (c->set & CON_RATE)
		db_bind_int64(q, first + 6, (int64_t)c->rate_bps);
	if (c->set & CON_QUEUE)
		db_bind_int64(q, first + 7, c->queue_pkts);
}

/* Read the FAULT_CON_COLS of Q's row from column FIRST into C; hostile
 * until constraint_validate says otherwise. Returns 0, or -EBADMSG with
 * its message kept. */
static int col_constraint(struct db_stmt *q, int first, int64_t id,
			  struct constraint *c)
{
	const char *dist;
	char *why = NULL;
	int d, ret;

	memset(c, 0, sizeof(*c));
	if (!col_null(q, first)) {
		c->delay_us = (uint64_t)col_int64(q, first);
		c->set |= CON_DELAY;
	}
	if (!col_null(q, first + 1)) {
		c->jitter_us = (uint64_t)col_int64(q, first + 1);
		c->set |= CON_JITTER;
	}
	dist = col_text(q, first + 2);
	if (dist) {
		for (d = DIST_UNIFORM; d <= DIST_PARETONORMAL; d++)
			if (!strcmp(dist, constraint_dist_name(d)))
				break;
		c->dist = (enum jitter_dist)d;  /* out of range: invalid */
		c->set |= CON_DIST;
	}
	if (!col_null(q, first + 3)) {
		c->corr_pct = col_double(q, first + 3);
		c->set |= CON_CORR;
	}
	if (!col_null(q, first + 4)) {
		c->loss_pct = col_double(q, first + 4);
		c->set |= CON_LOSS;
	}
	if (!col_null(q, first + 5)) {
		c->loss_burst = col_double(q, first + 5);
		c->set |= CON_BURST;
	}
	if (!col_null(q, first + 6)) {
		c->rate_bps = (uint64_t)col_int64(q, first + 6);
		c->set |= CON_RATE;
	}
	if (!col_null(q, first + 7)) {
		int64_t n = col_int64(q, first + 7);

		c->queue_pkts = n > 0 && n <= UINT32_MAX ? (uint32_t)n : 0;
		c->set |= CON_QUEUE;
	}
	ret = constraint_validate(c, &why);
	if (ret == -EINVAL)
		ret = state_error(q->st, -EBADMSG, "fault %lld holds an invalid "
				  "constraint: %s", (long long)id, why);
	else if (ret)
		ret = state_error(q->st, ret, "%s", strerror(-ret));
	free(why);
	return ret;
}

int state_fault_add(struct state *st, int64_t run, const char *name,
		    const struct state_fault_spec *f, double applied,
		    int64_t *id)
{
	struct db_stmt q;
	int64_t fid = 0;
	size_t side, i;
	int ret;

	ret = db_exec(st, "BEGIN IMMEDIATE");
	if (ret)
		return ret;
	db_prepare(st, &q, "record fault", "INSERT INTO faults (run, experiment,"
		   " action, detail, applied, structured, " FAULT_CON_COLS ","
		   " node, amount) VALUES (?1, ?2, ?3, ?4, ?5, 1,"
		   " ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)");
	if (run)
		db_bind_int64(&q, 1, run);
	db_bind_text(&q, 2, name);
	db_bind_text(&q, 3, f->action);
	db_bind_text(&q, 4, f->detail);
	db_bind_double(&q, 5, applied);
	if (f->con)
		bind_constraint(&q, 6, f->con);
	if (f->node) {
		db_bind_text(&q, 14, f->node);
		db_bind_int64(&q, 15, f->amount);
	}
	ret = db_run(&q);
	if (!ret) {
		fid = db_last_id(st);
		db_prepare(st, &q, "record fault sites", "INSERT OR IGNORE INTO"
			   " fault_sites (fault, side, site) VALUES (?1, ?2, ?3)");
		for (side = 0; side < 2; side++) {
			for (i = 0; i < f->n_sides[side]; i++) {
				db_bind_int64(&q, 1, fid);
				db_bind_int(&q, 2, (int)side);
				db_bind_text(&q, 3, f->sides[side][i]);
				db_step(&q);
			}
		}
		ret = db_done(&q);
	}
	if (!ret)
		ret = db_exec(st, "COMMIT");
	if (ret) {
		db_rollback(st);
		return ret;
	}
	if (id)
		*id = fid;
	return 0;
}

int state_fault_set_pid(struct state *st, int64_t id, int pid)
{
	struct db_stmt q;

	db_prepare(st, &q, "record stress pid", "UPDATE faults SET pid = ?2"
		   " WHERE id = ?1");
	db_bind_int64(&q, 1, id);
	db_bind_int(&q, 2, pid);
	return db_run(&q);
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
		"SELECT id, action, detail, applied, removed, run,"
		" structured, " FAULT_CON_COLS ", node, amount, pid FROM faults WHERE experiment = ?1 AND (?2 = 0 OR run = ?2)"
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
		f->structured = col_int(&q, 6) != 0;
		col_copy(&q, 15, f->node, sizeof(f->node));
		f->amount = col_null(&q, 16) ? 0 : col_int64(&q, 16);
		f->pid = col_null(&q, 17) ? 0 : col_int(&q, 17);
		if (f->structured &&
		    db_stop(&q, col_constraint(&q, 7, f->id, &f->con)))
			break;
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

int state_fault_sites(struct state *st, int64_t id, char **sides[2],
		      size_t n[2])
{
	struct db_stmt q;
	size_t cap[2] = { 0, 0 }, side;
	int ret;

	sides[0] = sides[1] = NULL;
	n[0] = n[1] = 0;
	db_prepare(st, &q, "read fault sites", "SELECT side, site FROM"
		   " fault_sites WHERE fault = ?1 ORDER BY side, site");
	db_bind_int64(&q, 1, id);
	while (db_row(&q) > 0) {
		side = col_int(&q, 0) != 0;
		if (db_add_name(&q, &sides[side], n[side], &cap[side],
				col_text(&q, 1)))
			break;
		n[side]++;
	}
	ret = db_done(&q);
	if (ret) {
		state_free_names(sides[0]);
		state_free_names(sides[1]);
		sides[0] = sides[1] = NULL;
		n[0] = n[1] = 0;
	}
	return ret;
}
