/* state_proc — what the state database holds about the processes enos
 * started for an experiment (daemons such as ovsdb-server, ovs-vswitchd,
 * libvirtd, and the wand engine), and the questions asked before stopping
 * a daemon: does another recorded experiment still use it?
 *
 * `down` stops an experiment's processes by recorded pid, unless another
 * experiment on the same fabric or on libvirt still needs them; then it
 * hands them over (state_process_move). The rows go with their experiment
 * (foreign key). The statement helpers are in state.c (state_db.h).
 */
#include "enos/state.h"

#include <errno.h>
#include <time.h>

#include "emulator/node.h"
#include "enos/state_db.h"

/* Record process PID, started by enos for experiment NAME to do WHAT
 * ("ovs-vswitchd", "wand", ...). A row for the same PID is replaced.
 * Returns 0, -ENOENT if NAME is not recorded, or -errno. */
int state_process_add(struct state *st, const char *name, const char *what,
		      int pid)
{
	struct db_stmt q;
	int ret;

	db_prepare(st, &q, "add process", "INSERT OR REPLACE INTO processes"
		   " (experiment, what, pid, started) VALUES (?1, ?2, ?3, ?4)");
	db_bind_text(&q, 1, name);
	db_bind_text(&q, 2, what);
	db_bind_int(&q, 3, pid);
	db_bind_int64(&q, 4, (int64_t)time(NULL));
	ret = db_run(&q);
	if (ret == -ENOENT)
		state_error(st, ret, "no experiment '%s'", name);
	return ret;
}

/* The processes recorded for NAME, oldest first: *PIDS and *WHATS (NULL-
 * terminated; free with state_free_names()) are allocated arrays of *N
 * entries; free *PIDS with free(). On failure both are NULL.
 * Returns 0 (also when there are none) or -errno. */
int state_processes(struct state *st, const char *name, int **pids,
		    char ***whats, size_t *n)
{
	struct db_stmt q;

	db_prepare(st, &q, "list", "SELECT what, pid FROM processes"
		   " WHERE experiment = ?1 ORDER BY started, pid");
	db_bind_text(&q, 1, name);
	return db_names(&q, whats, pids, n);
}

/* Forget process PID of NAME (it has exited or was stopped). Forgetting
 * one that is not recorded is success. Returns 0 or -errno. */
int state_process_forget(struct state *st, const char *name, int pid)
{
	struct db_stmt q;

	db_prepare(st, &q, "forget process", "DELETE FROM processes"
		   " WHERE experiment = ?1 AND pid = ?2");
	db_bind_text(&q, 1, name);
	db_bind_int(&q, 2, pid);
	return db_run(&q);
}

/* Copy text column 0 of the one row Q returns into OTHER (LEN bytes).
 * Returns 0, -ENOENT if there is no row, -EBADMSG if it does not fit, or
 * -errno. */
static int peer_name(struct db_stmt *q, char *other, size_t len)
{
	int ret = db_one(q);

	if (ret == 0)
		ret = col_copy(q, 0, other, len);
	db_done(q);
	return ret;
}

/* Another recorded experiment than NAME built on FABRIC: 0 with its name
 * in OTHER (LEN bytes), -ENOENT if none, or -errno. */
int state_fabric_peer(struct state *st, const char *name, const char *fabric,
		      char *other, size_t len)
{
	struct db_stmt q;

	db_prepare(st, &q, "find fabric peer", "SELECT name FROM experiments"
		   " WHERE fabric = ?2 AND name <> ?1 ORDER BY created, name"
		   " LIMIT 1");
	db_bind_text(&q, 1, name);
	db_bind_text(&q, 2, fabric);
	return peer_name(&q, other, len);
}

int state_libvirt_peer(struct state *st, const char *name, char *other,
		       size_t len)
{
	const struct node_ops *ops;
	struct db_stmt q;
	size_t i;
	int k = 2;

	/* The backends that need libvirt, as the registry says: bound to
	 * ?2 .. ?9; a parameter left unbound is NULL and matches nothing. */
	db_prepare(st, &q, "find libvirt peer", "SELECT experiment FROM nodes"
		   " WHERE backend IN (?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"
		   " AND experiment <> ?1 ORDER BY experiment LIMIT 1");
	db_bind_text(&q, 1, name);
	for (i = 0; (ops = node_ops_at(i)) && k <= 9; i++)
		if (ops->needs & BACKEND_NEEDS_LIBVIRT)
			db_bind_text(&q, k++, ops->name);
	return peer_name(&q, other, len);
}

/* Hand the processes WHAT recorded for FROM over to experiment TO.
 * Returns 0 or -errno. */
int state_process_move(struct state *st, const char *from, const char *to,
		       const char *what)
{
	struct db_stmt q;

	db_prepare(st, &q, "move process", "UPDATE processes SET experiment = ?2"
		   " WHERE experiment = ?1 AND what = ?3");
	db_bind_text(&q, 1, from);
	db_bind_text(&q, 2, to);
	db_bind_text(&q, 3, what);
	return db_run(&q);
}
