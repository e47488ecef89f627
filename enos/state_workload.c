/* state_workload — what the state database holds about workloads (schema
 * v6): every operation of a run's workloads with the WAN it met (the
 * pair's rtt and loss at its start, and the faults then active, one row
 * each in workload_op_faults), the per-run summaries, the traffic that
 * crossed each ordered site pair per service, and the ports each service
 * instance listens on (what maps a port to a service).
 *
 * Runs own all of it (ON DELETE CASCADE): operations outlive the
 * experiment that made them, as results do. The statement helpers are in
 * state.c (state_db.h).
 */
#include "enos/state.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "enos/state_db.h"

int state_wlop_batch_begin(struct state *st)
{
	return db_exec(st, "BEGIN IMMEDIATE");
}

int state_wlop_batch_end(struct state *st, bool ok)
{
	int ret = 0;

	if (ok)
		ret = db_exec(st, "COMMIT");
	if (!ok || ret)
		db_rollback(st);
	return ret;
}

/* Bind D, or NULL when it is NaN. */
static void bind_real(struct db_stmt *q, int i, double d)
{
	if (!isnan(d))
		db_bind_double(q, i, d);
}

int state_wlop_add(struct state *st, int64_t run, const struct wlop_row *r)
{
	struct db_stmt q;
	int64_t id;
	size_t i;
	int ret;

	db_prepare(st, &q, "record workload operation",
		"INSERT INTO workload_ops (run, workload, op, iteration, atomic,"
		" site, node, target_site, target, start, duration_ms, ok, error,"
		" value, unit, rtt_ms, loss_pct) VALUES (?1, ?2, ?3, ?4, ?5, ?6,"
		" ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)");
	db_bind_int64(&q, 1, run);
	db_bind_text(&q, 2, r->workload);
	db_bind_text(&q, 3, r->op);
	db_bind_int64(&q, 4, r->iteration);
	db_bind_int(&q, 5, r->atomic);
	db_bind_text(&q, 6, r->site);
	db_bind_text(&q, 7, r->node);
	db_bind_text(&q, 8, r->target_site);
	db_bind_text(&q, 9, r->target);
	db_bind_double(&q, 10, r->start);
	db_bind_double(&q, 11, r->duration_ms);
	db_bind_int(&q, 12, r->ok);
	db_bind_text(&q, 13, r->ok ? NULL : r->error);
	bind_real(&q, 14, r->value);
	db_bind_text(&q, 15, r->unit);
	bind_real(&q, 16, r->rtt_ms);
	bind_real(&q, 17, r->loss_pct);
	ret = db_run(&q);
	if (ret || !r->n_faults)
		return ret;
	id = db_last_id(st);
	db_prepare(st, &q, "record workload operation faults",
		   "INSERT OR IGNORE INTO workload_op_faults (op, fault)"
		   " VALUES (?1, ?2)");
	for (i = 0; i < r->n_faults; i++) {
		db_bind_int64(&q, 1, id);
		db_bind_int64(&q, 2, r->faults[i]);
		db_step(&q);
	}
	return db_done(&q);
}

/* An allocated copy of column I, NULL for NULL: 0 or -ENOMEM kept in Q. */
static int dup_col(struct db_stmt *q, int i, const char **dst)
{
	if (col_dup(q, i, dst))
		return db_stop(q, state_nomem(q->st));
	return 0;
}

static double real_col(struct db_stmt *q, int i)
{
	return col_null(q, i) ? NAN : col_double(q, i);
}

/* The fault ids of each operation of V[0..N), in one pass over
 * workload_op_faults of RUN (ordered by op, as V is by id within a run). */
static int load_op_faults(struct state *st, int64_t run, struct wlop_row *v,
			  size_t n)
{
	struct db_stmt q;
	size_t k = 0, cap = 0;
	int64_t **lists;
	int ret = 0;

	lists = calloc(n ? n : 1, sizeof(*lists));
	if (!lists)
		return state_nomem(st);
	db_prepare(st, &q, "read workload operation faults",
		"SELECT f.op, f.fault FROM workload_op_faults f JOIN workload_ops o"
		" ON o.id = f.op WHERE o.run = ?1 ORDER BY f.op, f.fault");
	db_bind_int64(&q, 1, run);
	while (db_row(&q) > 0) {
		int64_t op = col_int64(&q, 0);
		struct wlop_row *r;

		/* V is by start; find the row by id (few rows carry faults). */
		for (k = 0; k < n && v[k].id != op; k++)
			;
		if (k == n)
			continue;
		r = &v[k];
		cap = r->n_faults;
		if (db_grow(&q, &lists[k], r->n_faults, &cap,
			    sizeof(**lists), 4))
			break;
		lists[k][r->n_faults++] = col_int64(&q, 1);
		r->faults = lists[k];
	}
	ret = db_done(&q);
	free(lists);
	return ret;
}

int state_wlops(struct state *st, int64_t run, const char *workload,
		struct wlop_row **rows, size_t *n)
{
	struct wlop_row *v = NULL, *r;
	struct db_stmt q;
	size_t len = 0, cap = 0;
	int ret;

	*rows = NULL;
	*n = 0;
	db_prepare(st, &q, "read workload operations",
		"SELECT id, workload, op, iteration, atomic, site, node,"
		" target_site, target, start, duration_ms, ok, error, value, unit,"
		" rtt_ms, loss_pct FROM workload_ops WHERE run = ?1"
		" AND (?2 IS NULL OR workload = ?2) ORDER BY start, id");
	db_bind_int64(&q, 1, run);
	db_bind_text(&q, 2, workload);
	while (db_row(&q) > 0 && !db_grow(&q, &v, len, &cap, sizeof(*v), 64)) {
		r = &v[len++];
		r->id = col_int64(&q, 0);
		r->iteration = (unsigned)col_int64(&q, 3);
		r->atomic = col_int(&q, 4) != 0;
		r->start = col_double(&q, 9);
		r->duration_ms = col_double(&q, 10);
		r->ok = col_int(&q, 11) != 0;
		r->value = real_col(&q, 13);
		r->rtt_ms = real_col(&q, 15);
		r->loss_pct = real_col(&q, 16);
		if (dup_col(&q, 1, &r->workload) || dup_col(&q, 2, &r->op) ||
		    dup_col(&q, 5, &r->site) || dup_col(&q, 6, &r->node) ||
		    dup_col(&q, 7, &r->target_site) ||
		    dup_col(&q, 8, &r->target) || dup_col(&q, 12, &r->error) ||
		    dup_col(&q, 14, &r->unit))
			break;
	}
	ret = db_done(&q);
	if (!ret)
		ret = load_op_faults(st, run, v, len);
	if (ret) {
		state_wlops_free(v, len);
		return ret;
	}
	*rows = v;
	*n = len;
	return 0;
}

void state_wlops_free(struct wlop_row *rows, size_t n)
{
	size_t i;

	for (i = 0; rows && i < n; i++) {
		free((char *)rows[i].workload);
		free((char *)rows[i].op);
		free((char *)rows[i].site);
		free((char *)rows[i].node);
		free((char *)rows[i].target_site);
		free((char *)rows[i].target);
		free((char *)rows[i].error);
		free((char *)rows[i].unit);
		free((int64_t *)rows[i].faults);
	}
	free(rows);
}

int state_wl_run_latest(struct state *st, const char *name, int64_t *id)
{
	struct db_stmt q;
	int ret;

	db_prepare(st, &q, "find workload run",
		"SELECT max(r.id) FROM runs r WHERE (?1 IS NULL OR r.experiment"
		" = ?1) AND EXISTS (SELECT 1 FROM workload_ops o WHERE o.run ="
		" r.id)");
	db_bind_text(&q, 1, name);
	ret = db_one(&q);
	if (!ret && col_null(&q, 0))
		ret = name ? state_error(st, -ENOENT, "experiment '%s' has no run"
					 " with workload operations", name)
			   : state_error(st, -ENOENT, "no run has workload"
					 " operations");
	else if (!ret)
		*id = col_int64(&q, 0);
	db_done(&q);
	return ret;
}

int state_wl_summary_put(struct state *st, int64_t run,
			 const struct wl_summary_row *r)
{
	struct db_stmt q;

	db_prepare(st, &q, "record workload summary",
		"INSERT OR REPLACE INTO workload_summaries (run, workload, op,"
		" site, count, failures, min_ms, p50_ms, p90_ms, p99_ms, max_ms,"
		" mean_ms, stddev_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9,"
		" ?10, ?11, ?12, ?13)");
	db_bind_int64(&q, 1, run);
	db_bind_text(&q, 2, r->workload);
	db_bind_text(&q, 3, r->op);
	db_bind_text(&q, 4, r->site);
	db_bind_int64(&q, 5, (int64_t)r->count);
	db_bind_int64(&q, 6, (int64_t)r->failures);
	bind_real(&q, 7, r->min_ms);
	bind_real(&q, 8, r->p50_ms);
	bind_real(&q, 9, r->p90_ms);
	bind_real(&q, 10, r->p99_ms);
	bind_real(&q, 11, r->max_ms);
	bind_real(&q, 12, r->mean_ms);
	bind_real(&q, 13, r->stddev_ms);
	return db_run(&q);
}

int state_wl_summaries(struct state *st, int64_t run,
		       struct wl_summary_row **rows, size_t *n)
{
	struct wl_summary_row *v = NULL, *r;
	struct db_stmt q;
	size_t len = 0, cap = 0;
	int ret;

	*rows = NULL;
	*n = 0;
	db_prepare(st, &q, "read workload summaries",
		"SELECT workload, op, site, count, failures, min_ms, p50_ms,"
		" p90_ms, p99_ms, max_ms, mean_ms, stddev_ms FROM"
		" workload_summaries WHERE run = ?1 ORDER BY workload, op,"
		" site = '*' DESC, site");
	db_bind_int64(&q, 1, run);
	while (db_row(&q) > 0 && !db_grow(&q, &v, len, &cap, sizeof(*v), 16)) {
		r = &v[len++];
		if (col_copy(&q, 0, r->workload, sizeof(r->workload)) ||
		    col_copy(&q, 1, r->op, sizeof(r->op)) ||
		    col_copy(&q, 2, r->site, sizeof(r->site))) {
			db_stop(&q, state_error(st, -EBADMSG, "run %lld: bad "
						"workload summary record",
						(long long)run));
			break;
		}
		r->count = (uint64_t)col_int64(&q, 3);
		r->failures = (uint64_t)col_int64(&q, 4);
		r->min_ms = real_col(&q, 5);
		r->p50_ms = real_col(&q, 6);
		r->p90_ms = real_col(&q, 7);
		r->p99_ms = real_col(&q, 8);
		r->max_ms = real_col(&q, 9);
		r->mean_ms = real_col(&q, 10);
		r->stddev_ms = real_col(&q, 11);
	}
	ret = db_done(&q);
	if (ret) {
		free(v);
		return ret;
	}
	*rows = v;
	*n = len;
	return 0;
}

int state_traffic_add(struct state *st, int64_t run,
		      const struct traffic_row *r)
{
	struct db_stmt q;

	db_prepare(st, &q, "record traffic",
		"INSERT INTO traffic (run, src_site, dst_site, service, proto, port,"
		" packets, bytes, payload) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8,"
		" ?9) ON CONFLICT (run, src_site, dst_site, service, proto, port)"
		" DO UPDATE SET packets = packets + excluded.packets,"
		" bytes = bytes + excluded.bytes,"
		" payload = payload + excluded.payload");
	db_bind_int64(&q, 1, run);
	db_bind_text(&q, 2, r->src_site);
	db_bind_text(&q, 3, r->dst_site);
	db_bind_text(&q, 4, r->service);
	db_bind_int(&q, 5, r->proto);
	db_bind_int(&q, 6, r->port);
	db_bind_int64(&q, 7, (int64_t)r->packets);
	db_bind_int64(&q, 8, (int64_t)r->bytes);
	db_bind_int64(&q, 9, (int64_t)r->payload);
	return db_run(&q);
}

int state_traffic(struct state *st, int64_t run, struct traffic_row **rows,
		  size_t *n)
{
	struct traffic_row *v = NULL, *r;
	struct db_stmt q;
	size_t len = 0, cap = 0;
	int ret;

	*rows = NULL;
	*n = 0;
	db_prepare(st, &q, "read traffic",
		"SELECT src_site, dst_site, service, proto, port, packets, bytes,"
		" payload FROM traffic WHERE run = ?1 ORDER BY bytes DESC,"
		" src_site, dst_site, service");
	db_bind_int64(&q, 1, run);
	while (db_row(&q) > 0 && !db_grow(&q, &v, len, &cap, sizeof(*v), 16)) {
		r = &v[len++];
		if (col_copy(&q, 0, r->src_site, sizeof(r->src_site)) ||
		    col_copy(&q, 1, r->dst_site, sizeof(r->dst_site)) ||
		    col_copy(&q, 2, r->service, sizeof(r->service))) {
			db_stop(&q, state_error(st, -EBADMSG, "run %lld: bad "
						"traffic record", (long long)run));
			break;
		}
		r->proto = col_int(&q, 3);
		r->port = col_int(&q, 4);
		r->packets = (uint64_t)col_int64(&q, 5);
		r->bytes = (uint64_t)col_int64(&q, 6);
		r->payload = (uint64_t)col_int64(&q, 7);
	}
	ret = db_done(&q);
	if (ret) {
		free(v);
		return ret;
	}
	*rows = v;
	*n = len;
	return 0;
}

int state_service_port_add(struct state *st, const char *name,
			   const char *instance, int proto, int port)
{
	struct db_stmt q;

	db_prepare(st, &q, "record service port",
		"INSERT OR IGNORE INTO service_ports (experiment, instance,"
		" proto, port) VALUES (?1, ?2, ?3, ?4)");
	db_bind_text(&q, 1, name);
	db_bind_text(&q, 2, instance);
	db_bind_int(&q, 3, proto);
	db_bind_int(&q, 4, port);
	return db_run(&q);
}

int state_service_ports(struct state *st, const char *name,
			struct service_port **rows, size_t *n)
{
	struct service_port *v = NULL, *r;
	struct db_stmt q;
	size_t len = 0, cap = 0;
	int ret;

	*rows = NULL;
	*n = 0;
	db_prepare(st, &q, "read service ports",
		"SELECT p.instance, s.service, s.site, p.proto, p.port FROM"
		" service_ports p JOIN services s ON s.experiment = p.experiment"
		" AND s.instance = p.instance WHERE p.experiment = ?1"
		" ORDER BY s.seq, p.proto, p.port");
	db_bind_text(&q, 1, name);
	while (db_row(&q) > 0 && !db_grow(&q, &v, len, &cap, sizeof(*v), 16)) {
		r = &v[len++];
		if (col_copy(&q, 0, r->instance, sizeof(r->instance)) ||
		    col_copy(&q, 1, r->service, sizeof(r->service)) ||
		    col_copy(&q, 2, r->site, sizeof(r->site))) {
			db_stop(&q, state_error(st, -EBADMSG, "experiment '%s': "
						"bad service port record", name));
			break;
		}
		r->proto = col_int(&q, 3);
		r->port = col_int(&q, 4);
	}
	ret = db_done(&q);
	if (ret) {
		free(v);
		return ret;
	}
	*rows = v;
	*n = len;
	return 0;
}
