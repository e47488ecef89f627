/* state_hosts — the hosts of a world spread over several (issue 14): which
 * host builds each site, node and kernel object, and each host's status.
 *
 * The controlling host's database is the one record of a spread world: it
 * is written (state_record_world, then state_hosts_record) before any host
 * is asked to build anything, and a host that cannot be reached at `down`
 * keeps its rows, marked unreachable, until a later `down` finds it back.
 * The statement helpers are in state.c (state_db.h).
 */
#include "enos/state.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "enos/state_db.h"

int state_hosts_record(struct state *st, const char *name, size_t n_hosts,
		       const char *const *names, const char *const *addresses,
		       const char *const *ssh, const char *const *enos,
		       const size_t *host_of)
{
	struct db_stmt q = { 0 };
	size_t i;
	int ret;

	ret = db_exec(st, "BEGIN IMMEDIATE");
	if (ret)
		return ret;
	db_prepare(st, &q, "record host",
		   "INSERT INTO hosts (experiment, idx, name, address, ssh, enos,"
		   " status) VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'planned')");
	for (i = 0; i < n_hosts && !ret; i++) {
		db_bind_text(&q, 1, name);
		db_bind_int64(&q, 2, (int64_t)i);
		db_bind_text(&q, 3, names[i]);
		db_bind_text(&q, 4, addresses[i]);
		db_bind_text(&q, 5, ssh[i]);
		db_bind_text(&q, 6, enos[i]);
		ret = db_step(&q);
	}
	if (db_done(&q) && !ret)
		ret = -EIO;
	/* Each site's host, then its nodes' and its objects' from it. */
	if (!ret) {
		size_t n_sites = 0;
		struct db_stmt c;

		db_prepare(st, &c, "count sites",
			   "SELECT count(*) FROM sites WHERE experiment = ?1");
		db_bind_text(&c, 1, name);
		ret = db_one(&c);
		if (!ret)
			n_sites = (size_t)col_int64(&c, 0);
		db_done(&c);
		db_prepare(st, &q, "record site host",
			   "UPDATE sites SET host = ?3 WHERE experiment = ?1"
			   " AND idx = ?2");
		for (i = 0; i < n_sites && !ret; i++) {
			if (host_of[i] >= n_hosts) {
				ret = state_error(st, -EINVAL, "site %zu has no host", i);
				break;
			}
			db_bind_text(&q, 1, name);
			db_bind_int64(&q, 2, (int64_t)i);
			db_bind_text(&q, 3, names[host_of[i]]);
			ret = db_step(&q);
		}
		if (db_done(&q) && !ret)
			ret = -EIO;
	}
	if (!ret) {
		static const char *const sql[] = {
			"UPDATE nodes SET host = (SELECT s.host FROM sites s"
			" WHERE s.experiment = nodes.experiment"
			" AND s.idx = nodes.site_idx) WHERE experiment = ?1",
			"UPDATE objects SET host = coalesce((SELECT s.host"
			" FROM sites s WHERE s.experiment = objects.experiment"
			" AND objects.name IN (s.lan_bridge, s.gw_netns,"
			"  s.gw_lan_host, s.gw_wan_host)), (SELECT n.host"
			" FROM nodes n WHERE n.experiment = objects.experiment"
			" AND objects.name IN (n.netns, n.host_if)), '*')"
			" WHERE experiment = ?1",
		};

		for (i = 0; i < 2 && !ret; i++) {
			db_prepare(st, &q, "record hosts of nodes and objects",
				   sql[i]);
			db_bind_text(&q, 1, name);
			ret = db_run(&q);
		}
	}
	if (ret) {
		db_rollback(st);
		return ret;
	}
	return db_exec(st, "COMMIT");
}

int state_hosts(struct state *st, const char *name, struct state_host **hosts,
		size_t *n)
{
	struct state_host *v = NULL;
	struct db_stmt q;
	size_t len = 0, cap = 0;
	int ret;

	*hosts = NULL;
	*n = 0;
	db_prepare(st, &q, "read hosts",
		   "SELECT h.name, h.address, h.ssh, h.enos, h.status,"
		   " coalesce(h.error, ''),"
		   " (SELECT count(*) FROM sites s WHERE s.experiment = h.experiment"
		   "   AND s.host = h.name),"
		   " (SELECT count(*) FROM nodes d WHERE d.experiment = h.experiment"
		   "   AND d.host = h.name),"
		   " (SELECT count(*) FROM objects o WHERE o.experiment = h.experiment"
		   "   AND (o.host = h.name OR o.host = '*'))"
		   " FROM hosts h WHERE h.experiment = ?1 ORDER BY h.idx");
	db_bind_text(&q, 1, name);
	while ((ret = db_row(&q)) > 0) {
		struct state_host *h;

		if (db_grow(&q, &v, len, &cap, sizeof(*v), 4))
			break;
		h = &v[len++];
		if (col_copy(&q, 0, h->name, sizeof(h->name)) ||
		    col_copy(&q, 1, h->address, sizeof(h->address)) ||
		    col_copy(&q, 2, h->ssh, sizeof(h->ssh)) ||
		    col_copy(&q, 3, h->enos, sizeof(h->enos)) ||
		    col_copy(&q, 4, h->status, sizeof(h->status))) {
			db_stop(&q, state_error(st, -EBADMSG,
				"a host of '%s' is not as this enos records it", name));
			break;
		}
		col_copy(&q, 5, h->error, sizeof(h->error));
		h->n_sites = (size_t)col_int64(&q, 6);
		h->n_nodes = (size_t)col_int64(&q, 7);
		h->n_objects = (size_t)col_int64(&q, 8);
	}
	ret = db_done(&q);
	if (ret) {
		free(v);
		return ret;
	}
	*hosts = v;
	*n = len;
	return 0;
}

int state_host_set_status(struct state *st, const char *name,
			  const char *host, const char *status,
			  const char *error)
{
	struct db_stmt q;
	int ret;

	db_prepare(st, &q, "set host status",
		   "UPDATE hosts SET status = ?3, error = ?4"
		   " WHERE experiment = ?1 AND name = ?2");
	db_bind_text(&q, 1, name);
	db_bind_text(&q, 2, host);
	db_bind_text(&q, 3, status);
	db_bind_text(&q, 4, error);
	ret = db_run(&q);
	if (!ret && db_changes(st) == 0)
		ret = state_error(st, -ENOENT, "no host '%s' of '%s'", host, name);
	return ret;
}

int state_site_host(struct state *st, const char *name, size_t idx,
		    char *buf, size_t len)
{
	struct db_stmt q;
	int ret;

	buf[0] = '\0';
	db_prepare(st, &q, "read site host",
		   "SELECT coalesce(host, '') FROM sites WHERE experiment = ?1"
		   " AND idx = ?2");
	db_bind_text(&q, 1, name);
	db_bind_int64(&q, 2, (int64_t)idx);
	ret = db_one(&q);
	if (!ret && col_copy(&q, 0, buf, len))
		ret = -EBADMSG;
	db_done(&q);
	return ret;
}
