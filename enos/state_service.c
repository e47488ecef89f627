/* state_service — what the state database holds about the deployed stack
 * (schema v4): one row per service instance, with where it runs, its pid
 * and start time, its state and exit status, its log and directory.
 *
 * The supervisor (deploy.c) writes a row before it starts an instance and
 * updates it as the instance starts, runs, fails or stops; `enos services`
 * reads them back. The pid is trusted only with its start time (/proc/PID/
 * stat field 22), so a reused pid is never taken for the service. The rows
 * go with their experiment (foreign key). The statement helpers are in
 * state.c (state_db.h).
 */
#include "enos/state.h"

#include <errno.h>
#include <stdlib.h>
#include <time.h>

#include "enos/state_db.h"

int state_service_put(struct state *st, const char *name,
		      const struct service_row *r)
{
	struct db_stmt q;
	int ret;

	db_prepare(st, &q, "record service",
		"INSERT OR REPLACE INTO services (experiment, instance, service,"
		" stack, strategy, node, site, address, pid, starttime, state,"
		" exit_status, started, log_path, dir, seq) VALUES (?1, ?2, ?3,"
		" ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)");
	db_bind_text(&q, 1, name);
	db_bind_text(&q, 2, r->instance);
	db_bind_text(&q, 3, r->service);
	db_bind_text(&q, 4, r->stack);
	db_bind_text(&q, 5, r->strategy);
	db_bind_text(&q, 6, r->node);
	db_bind_text(&q, 7, r->site);
	db_bind_text(&q, 8, r->address);
	db_bind_int(&q, 9, r->pid);
	db_bind_int64(&q, 10, (int64_t)r->starttime);
	db_bind_text(&q, 11, r->state);
	if (r->has_exit)
		db_bind_int(&q, 12, r->exit_status);
	db_bind_double(&q, 13, r->started);
	db_bind_text(&q, 14, r->log_path);
	db_bind_text(&q, 15, r->dir);
	db_bind_int64(&q, 16, r->seq);
	ret = db_run(&q);
	if (ret == -ENOENT)
		state_error(st, ret, "no experiment '%s'", name);
	return ret;
}

int state_service_set(struct state *st, const char *name,
		      const char *instance, int pid,
		      unsigned long long starttime, const char *state,
		      bool has_exit, int exit_status)
{
	struct db_stmt q;
	int ret;

	db_prepare(st, &q, "update service",
		"UPDATE services SET pid = ?3, starttime = ?4, state = ?5,"
		" exit_status = ?6, started ="
		" CASE WHEN ?5 = 'starting' THEN ?7 ELSE started END"
		" WHERE experiment = ?1 AND instance = ?2");
	db_bind_text(&q, 1, name);
	db_bind_text(&q, 2, instance);
	db_bind_int(&q, 3, pid);
	db_bind_int64(&q, 4, (int64_t)starttime);
	db_bind_text(&q, 5, state);
	if (has_exit)
		db_bind_int(&q, 6, exit_status);
	db_bind_double(&q, 7, (double)time(NULL));
	ret = db_run(&q);
	if (!ret && db_changes(st) == 0)
		ret = state_error(st, -ENOENT, "no service instance '%s' in "
				  "'%s'", instance, name);
	return ret;
}

int state_services(struct state *st, const char *name,
		   struct service_row **rows, size_t *n)
{
	struct db_stmt q;
	struct service_row *v = NULL, *r;
	size_t len = 0, cap = 0;
	int ret;

	*rows = NULL;
	*n = 0;
	db_prepare(st, &q, "read services",
		"SELECT instance, service, stack, strategy, node, site, address,"
		" pid, starttime, state, exit_status, started, log_path, dir, seq"
		" FROM services WHERE experiment = ?1 ORDER BY seq");
	db_bind_text(&q, 1, name);
	while (db_row(&q) > 0 && !db_grow(&q, &v, len, &cap, sizeof(*v), 8)) {
		r = &v[len++];
		if (col_copy(&q, 0, r->instance, sizeof(r->instance)) ||
		    col_copy(&q, 1, r->service, sizeof(r->service)) ||
		    col_copy(&q, 2, r->stack, sizeof(r->stack)) ||
		    col_copy(&q, 3, r->strategy, sizeof(r->strategy)) ||
		    col_copy(&q, 4, r->node, sizeof(r->node)) ||
		    col_copy(&q, 5, r->site, sizeof(r->site)) ||
		    col_copy(&q, 6, r->address, sizeof(r->address)) ||
		    col_copy(&q, 9, r->state, sizeof(r->state)) ||
		    col_copy(&q, 12, r->log_path, sizeof(r->log_path)) ||
		    col_copy(&q, 13, r->dir, sizeof(r->dir))) {
			db_stop(&q, state_error(st, -EBADMSG, "a service of "
						"'%s' does not fit", name));
			break;
		}
		r->pid = col_int(&q, 7);
		r->starttime = (unsigned long long)col_int64(&q, 8);
		r->has_exit = !col_null(&q, 10);
		r->exit_status = col_int(&q, 10);
		r->started = col_double(&q, 11);
		r->seq = col_int64(&q, 14);
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

int state_services_forget(struct state *st, const char *name)
{
	struct db_stmt q;

	db_prepare(st, &q, "forget services",
		   "DELETE FROM services WHERE experiment = ?1");
	db_bind_text(&q, 1, name);
	return db_run(&q);
}
