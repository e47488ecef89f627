/* state — the SQLite database that holds enos's state and results; see
 * state.h.
 *
 * enos/ records a world here before emulator/ builds it, so `down` after a
 * crash knows every object to remove; runs, results and host facts are kept
 * here for reports/. This file opens the database, sets its pragmas, holds
 * the schema (versioned with PRAGMA user_version and upgraded step by step
 * by the migrations[] table; a database written by a newer enos is refused
 * rather than misread) and the statement helpers of state_db.h, the only
 * code that calls SQLite. What is stored is split by table family:
 * state_world.c (experiments, sites, nodes, objects), state_run.c (runs,
 * results, facts), state_proc.c (processes and the daemons' peers),
 * state_fault.c (faults), state_service.c (service instances),
 * state_workload.c (workloads, traffic), state_sweep.c (sweeps),
 * state_ci.c (enos ci's baselines).
 *
 * Every SQLite error is turned into a negative errno here, with the SQLite
 * message kept in the struct for state_errmsg(); nothing leaks upward.
 */
#include "enos/state.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include <sqlite3.h>

#include "enos/state_db.h"
#include "util/fs.h"
#include "util/str.h"

struct state {
	sqlite3 *db;
	char errmsg[512];
};

/* migrations[v] upgrades a database of user_version v to v + 1. */
static const char *const migrations[] = {
	/* 0 -> 1: the first schema. */
	"CREATE TABLE experiments ("
	"  name       TEXT PRIMARY KEY NOT NULL,"
	"  tag        TEXT NOT NULL UNIQUE,"
	"  status     TEXT NOT NULL CHECK (status IN"
	"               ('creating', 'up', 'failed', 'removing')),"
	"  topo_path  TEXT,"
	"  shaping    TEXT NOT NULL DEFAULT 'none',"
	"  created    INTEGER NOT NULL,"
	"  seed       INTEGER,"
	"  wan_bridge TEXT NOT NULL,"
	"  wan_prefix INTEGER NOT NULL,"
	"  wan_plen   INTEGER NOT NULL"
	");"
	"CREATE TABLE sites ("
	"  experiment  TEXT NOT NULL"
	"              REFERENCES experiments(name) ON DELETE CASCADE,"
	"  idx         INTEGER NOT NULL,"
	"  name        TEXT NOT NULL,"
	"  role        TEXT,"
	"  prefix      INTEGER NOT NULL,"
	"  plen        INTEGER NOT NULL,"
	"  gw_lan_addr INTEGER NOT NULL,"
	"  gw_wan_addr INTEGER NOT NULL,"
	"  lan_bridge  TEXT NOT NULL,"
	"  gw_lan_host TEXT NOT NULL,"
	"  gw_wan_host TEXT NOT NULL,"
	"  gw_netns    TEXT NOT NULL,"
	"  PRIMARY KEY (experiment, idx),"
	"  UNIQUE (experiment, name)"
	") WITHOUT ROWID;"
	"CREATE TABLE nodes ("
	"  experiment TEXT NOT NULL"
	"             REFERENCES experiments(name) ON DELETE CASCADE,"
	"  idx        INTEGER NOT NULL,"
	"  name       TEXT NOT NULL,"
	"  site_idx   INTEGER NOT NULL,"
	"  backend    TEXT,"
	"  addr       INTEGER NOT NULL,"
	"  host_if    TEXT NOT NULL,"
	"  netns      TEXT NOT NULL,"
	"  PRIMARY KEY (experiment, idx),"
	"  UNIQUE (experiment, name)"
	") WITHOUT ROWID;"
	/* seq is creation order: down removes in reverse. */
	"CREATE TABLE objects ("
	"  experiment TEXT NOT NULL"
	"             REFERENCES experiments(name) ON DELETE CASCADE,"
	"  seq        INTEGER NOT NULL,"
	"  kind       TEXT NOT NULL CHECK (kind IN"
	"               ('netns', 'link', 'bridge', 'process')),"
	"  name       TEXT NOT NULL,"
	"  PRIMARY KEY (experiment, seq)"
	") WITHOUT ROWID;"
	/* Runs, results and facts outlive their experiment: no foreign key
	 * to experiments, only its name. */
	"CREATE TABLE runs ("
	"  id         INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  experiment TEXT,"
	"  kind       TEXT NOT NULL,"
	"  started    INTEGER NOT NULL,"
	"  ended      INTEGER,"
	"  outcome    TEXT,"
	"  seed       INTEGER"
	");"
	"CREATE INDEX runs_experiment ON runs(experiment);"
	"CREATE TABLE results ("
	"  run    INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,"
	"  metric TEXT NOT NULL,"
	"  src    TEXT,"
	"  dst    TEXT,"
	"  value  REAL,"
	"  unit   TEXT"
	");"
	"CREATE INDEX results_run ON results(run, metric);"
	"CREATE TABLE facts ("
	"  run   INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,"
	"  key   TEXT NOT NULL,"
	"  value TEXT,"
	"  PRIMARY KEY (run, key)"
	");"
	"CREATE TABLE processes ("
	"  experiment TEXT NOT NULL"
	"             REFERENCES experiments(name) ON DELETE CASCADE,"
	"  what       TEXT NOT NULL,"
	"  pid        INTEGER NOT NULL,"
	"  started    INTEGER NOT NULL,"
	"  PRIMARY KEY (experiment, pid)"
	");",
	/* 1 -> 2: faults, applied live or from a timeline. detail is the
	 * fault as `enos fault` takes it, so an active one can be replayed. */
	"CREATE TABLE faults ("
	"  id         INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  run        INTEGER REFERENCES runs(id) ON DELETE SET NULL,"
	"  experiment TEXT NOT NULL,"
	"  action     TEXT NOT NULL,"
	"  detail     TEXT NOT NULL,"
	"  applied    REAL NOT NULL,"
	"  removed    REAL"
	");"
	"CREATE INDEX faults_experiment ON faults(experiment, removed);",
	/* 2 -> 3: the fabric each experiment's switches were made with
	 * (fabric.h names: "bridge", "ovs"). */
	"ALTER TABLE experiments ADD COLUMN"
	"  fabric TEXT NOT NULL DEFAULT 'bridge';",
	/* 3 -> 4: the service instances of the deployed stack. starttime is
	 * /proc/PID/stat field 22, so a reused pid is never taken for the
	 * service; dir is the instance's conf/data directory. */
	"CREATE TABLE services ("
	"  experiment  TEXT NOT NULL"
	"              REFERENCES experiments(name) ON DELETE CASCADE,"
	"  instance    TEXT NOT NULL,"
	"  service     TEXT NOT NULL,"
	"  stack       TEXT NOT NULL,"
	"  strategy    TEXT,"
	"  node        TEXT NOT NULL,"
	"  site        TEXT NOT NULL,"
	"  address     TEXT,"
	"  pid         INTEGER NOT NULL DEFAULT 0,"
	"  starttime   INTEGER NOT NULL DEFAULT 0,"
	"  state       TEXT NOT NULL CHECK (state IN"
	"                ('starting', 'running', 'failed', 'stopped')),"
	"  exit_status INTEGER,"
	"  started     REAL,"
	"  log_path    TEXT,"
	"  dir         TEXT,"
	"  seq         INTEGER NOT NULL,"
	"  PRIMARY KEY (experiment, instance)"
	");",
	/* 4 -> 5: faults stored structured, not as text to parse again on
	 * every command: the constraint fields of a set (NULL: not given)
	 * and the site names of each side. detail stays for display. Rows
	 * of v4 keep structured = 0 and are parsed from their text when
	 * read (the migration has no topology to resolve their names). */
	"ALTER TABLE faults ADD COLUMN structured INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE faults ADD COLUMN delay_us INTEGER;"
	"ALTER TABLE faults ADD COLUMN jitter_us INTEGER;"
	"ALTER TABLE faults ADD COLUMN distribution TEXT;"
	"ALTER TABLE faults ADD COLUMN correlation_pct REAL;"
	"ALTER TABLE faults ADD COLUMN loss_pct REAL;"
	"ALTER TABLE faults ADD COLUMN loss_burst REAL;"
	"ALTER TABLE faults ADD COLUMN rate_bps INTEGER;"
	"ALTER TABLE faults ADD COLUMN queue INTEGER;"
	"CREATE TABLE fault_sites ("
	"  fault INTEGER NOT NULL REFERENCES faults(id) ON DELETE CASCADE,"
	"  side  INTEGER NOT NULL CHECK (side IN (0, 1)),"
	"  site  TEXT NOT NULL,"
	"  PRIMARY KEY (fault, side, site)"
	") WITHOUT ROWID;",
	/* 5 -> 6: workloads. Every operation of a run's workloads with its
	 * client, its target, and what the WAN was at its start: the pair's
	 * rtt and loss and the faults then active (one row each, so "the
	 * latency of boot-delete during the partition of region 2" is a join
	 * with fault_sites); per-run summaries; the bytes that crossed each
	 * ordered site pair per service; the ports each service instance
	 * listens on (recorded at deploy, for that mapping). */
	"CREATE TABLE workload_ops ("
	"  id          INTEGER PRIMARY KEY,"
	"  run         INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,"
	"  workload    TEXT NOT NULL,"
	"  op          TEXT NOT NULL,"
	"  iteration   INTEGER NOT NULL DEFAULT 0,"
	"  atomic      INTEGER NOT NULL DEFAULT 0,"
	"  site        TEXT,"
	"  node        TEXT,"
	"  target_site TEXT,"
	"  target      TEXT,"
	"  start       REAL NOT NULL,"
	"  duration_ms REAL NOT NULL,"
	"  ok          INTEGER NOT NULL,"
	"  error       TEXT,"
	"  value       REAL,"
	"  unit        TEXT,"
	"  rtt_ms      REAL,"
	"  loss_pct    REAL"
	");"
	"CREATE INDEX workload_ops_run ON workload_ops(run, workload, op);"
	"CREATE TABLE workload_op_faults ("
	"  op    INTEGER NOT NULL REFERENCES workload_ops(id) ON DELETE CASCADE,"
	"  fault INTEGER NOT NULL,"
	"  PRIMARY KEY (op, fault)"
	") WITHOUT ROWID;"
	"CREATE INDEX workload_op_faults_fault ON workload_op_faults(fault);"
	"CREATE TABLE workload_summaries ("
	"  run       INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,"
	"  workload  TEXT NOT NULL,"
	"  op        TEXT NOT NULL,"
	"  site      TEXT NOT NULL,"
	"  count     INTEGER NOT NULL,"
	"  failures  INTEGER NOT NULL,"
	"  min_ms    REAL, p50_ms REAL, p90_ms REAL, p99_ms REAL,"
	"  max_ms    REAL, mean_ms REAL, stddev_ms REAL,"
	"  PRIMARY KEY (run, workload, op, site)"
	");"
	"CREATE TABLE traffic ("
	"  run       INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,"
	"  src_site  TEXT NOT NULL,"
	"  dst_site  TEXT NOT NULL,"
	"  service   TEXT NOT NULL,"
	"  proto     INTEGER NOT NULL,"
	"  port      INTEGER NOT NULL,"
	"  packets   INTEGER NOT NULL,"
	"  bytes     INTEGER NOT NULL,"
	"  payload   INTEGER NOT NULL,"
	"  PRIMARY KEY (run, src_site, dst_site, service, proto, port)"
	");"
	"CREATE TABLE service_ports ("
	"  experiment TEXT NOT NULL,"
	"  instance   TEXT NOT NULL,"
	"  proto      INTEGER NOT NULL,"
	"  port       INTEGER NOT NULL,"
	"  PRIMARY KEY (experiment, instance, proto, port),"
	"  FOREIGN KEY (experiment, instance)"
	"    REFERENCES services(experiment, instance) ON DELETE CASCADE"
	") WITHOUT ROWID;",
	/* 6 -> 7: sweeps (enos/state_sweep.c). A sweep by name, the files it
	 * was read from (their text and a hash a resume compares), its axes
	 * and each point's values; its (point, repetition) pairs in run order
	 * with their seed and status; and every run made for a pair
	 * (sweep_runs: a pair killed mid-way and run again has two). Points
	 * and repetitions count from 0. */
	"CREATE TABLE sweeps ("
	"  id         INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  name       TEXT NOT NULL UNIQUE,"
	"  path       TEXT NOT NULL,"
	"  hash       TEXT NOT NULL,"
	"  experiment TEXT NOT NULL,"
	"  seed       INTEGER NOT NULL,"
	"  repeat     INTEGER NOT NULL,"
	"  ordering   TEXT NOT NULL,"
	"  created    INTEGER NOT NULL,"
	"  text       TEXT,"
	"  topology   TEXT"
	");"
	"CREATE TABLE sweep_axes ("
	"  sweep INTEGER NOT NULL REFERENCES sweeps(id) ON DELETE CASCADE,"
	"  idx   INTEGER NOT NULL,"
	"  path  TEXT NOT NULL,"
	"  PRIMARY KEY (sweep, idx)"
	") WITHOUT ROWID;"
	"CREATE TABLE sweep_values ("
	"  sweep INTEGER NOT NULL REFERENCES sweeps(id) ON DELETE CASCADE,"
	"  point INTEGER NOT NULL,"
	"  axis  INTEGER NOT NULL,"
	"  value TEXT NOT NULL,"
	"  PRIMARY KEY (sweep, point, axis)"
	") WITHOUT ROWID;"
	"CREATE TABLE sweep_pairs ("
	"  sweep   INTEGER NOT NULL REFERENCES sweeps(id) ON DELETE CASCADE,"
	"  point   INTEGER NOT NULL,"
	"  rep     INTEGER NOT NULL,"
	"  seq     INTEGER NOT NULL,"
	"  label   TEXT NOT NULL,"
	"  seed    INTEGER NOT NULL,"
	"  status  TEXT NOT NULL DEFAULT 'pending' CHECK (status IN"
	"            ('pending', 'running', 'done', 'failed')),"
	"  run     INTEGER,"
	"  started INTEGER,"
	"  ended   INTEGER,"
	"  PRIMARY KEY (sweep, point, rep),"
	"  UNIQUE (sweep, seq)"
	");"
	"CREATE TABLE sweep_runs ("
	"  run   INTEGER PRIMARY KEY REFERENCES runs(id) ON DELETE CASCADE,"
	"  sweep INTEGER NOT NULL REFERENCES sweeps(id) ON DELETE CASCADE,"
	"  point INTEGER NOT NULL,"
	"  rep   INTEGER NOT NULL"
	");"
	"CREATE INDEX sweep_runs_pair ON sweep_runs(sweep, point, rep);",
	/* 7 -> 8: named baselines for `enos ci` (enos/state_ci.c), each the runs it
	 * stands for. */
	"CREATE TABLE ci_baselines ("
	"  name  TEXT PRIMARY KEY NOT NULL,"
	"  saved INTEGER NOT NULL"
	");"
	"CREATE TABLE ci_baseline_runs ("
	"  name TEXT NOT NULL REFERENCES ci_baselines(name) ON DELETE CASCADE,"
	"  run  INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,"
	"  PRIMARY KEY (name, run)"
	") WITHOUT ROWID;",
	/* 8 -> 9: each node's profile (issue 13): its name and limits, for
	 * `enos status` and for placing a netns node's processes in its
	 * cgroup from any later command. NULL: no limit. */
	"ALTER TABLE nodes ADD COLUMN profile TEXT;"
	"ALTER TABLE nodes ADD COLUMN cpu_milli INTEGER;"
	"ALTER TABLE nodes ADD COLUMN memory_bytes INTEGER;"
	"ALTER TABLE nodes ADD COLUMN pids INTEGER;",
	/* 9 -> 10: node faults (enos/nodefault.c): the node a fault acts on
	 * (NULL: a WAN fault, on its fault_sites), its amount (cpu: host
	 * cores x 1000; memory: bytes; stress: workers) and, for a stress,
	 * the pid of its load generator, to stop it when the fault ends. */
	"ALTER TABLE faults ADD COLUMN node TEXT;"
	"ALTER TABLE faults ADD COLUMN amount INTEGER;"
	"ALTER TABLE faults ADD COLUMN pid INTEGER;",
	/* 10 -> 11: a world spread over several hosts (issue 14): each host
	 * of an experiment, how to reach it and its status, and the host
	 * that builds each site, node and object ('*': every host, as the
	 * WAN bridge; NULL: this one, as before). */
	"CREATE TABLE hosts ("
	"  experiment TEXT NOT NULL"
	"             REFERENCES experiments(name) ON DELETE CASCADE,"
	"  idx        INTEGER NOT NULL,"
	"  name       TEXT NOT NULL,"
	"  address    TEXT NOT NULL,"
	"  ssh        TEXT NOT NULL,"
	"  enos       TEXT NOT NULL,"
	"  status     TEXT NOT NULL CHECK (status IN"
	"               ('planned', 'up', 'failed', 'unreachable', 'down')),"
	"  error      TEXT,"
	"  PRIMARY KEY (experiment, idx),"
	"  UNIQUE (experiment, name)"
	") WITHOUT ROWID;"
	"ALTER TABLE sites ADD COLUMN host TEXT;"
	"ALTER TABLE nodes ADD COLUMN host TEXT;"
	"ALTER TABLE objects ADD COLUMN host TEXT;",
};

#define STATE_SCHEMA_VERSION \
	((int)(sizeof(migrations) / sizeof(migrations[0])))

/* The negative errno for SQLite (extended) result code RC. */
static int errno_of(sqlite3 *db, int rc)
{
	int sys = db ? sqlite3_system_errno(db) : 0;
	int e;

	switch (rc & 0xff) {
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		e = EBUSY;
		break;
	case SQLITE_NOMEM:
		e = ENOMEM;
		break;
	case SQLITE_READONLY:
		e = EROFS;
		break;
	case SQLITE_PERM:
	case SQLITE_AUTH:
		e = EACCES;
		break;
	case SQLITE_FULL:
		e = ENOSPC;
		break;
	case SQLITE_CONSTRAINT:
		/* A duplicate name, a missing parent row, or a bad value. */
		e = rc == SQLITE_CONSTRAINT_PRIMARYKEY ||
		    rc == SQLITE_CONSTRAINT_UNIQUE ? EEXIST :
		    rc == SQLITE_CONSTRAINT_FOREIGNKEY ? ENOENT : EINVAL;
		break;
	case SQLITE_MISMATCH:
	case SQLITE_RANGE:
	case SQLITE_TOOBIG:
		e = EINVAL;
		break;
	case SQLITE_CORRUPT:
	case SQLITE_NOTADB:
		e = EBADMSG;
		break;
	case SQLITE_CANTOPEN:
	case SQLITE_IOERR:
		e = sys > 0 ? sys : EIO;
		break;
	case SQLITE_INTERRUPT:
		e = EINTR;
		break;
	default:
		e = EIO;
		break;
	}
	return -e;
}

/* Keep "WHAT: <sqlite message>" and return the errno of RC. */
static int db_fail(struct state *st, int rc, const char *what)
{
	state_error(st, 0, "%s: %s", what, sqlite3_errmsg(st->db));
	return errno_of(st->db, rc);
}

int state_error(struct state *st, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(st->errmsg, sizeof(st->errmsg), fmt, ap);
	va_end(ap);
	return err;
}

int state_nomem(struct state *st)
{
	return state_error(st, -ENOMEM, "%s", strerror(ENOMEM));
}

/* ---- statements (state_db.h) ---- */

int db_prepare(struct state *st, struct db_stmt *q, const char *what,
	       const char *sql)
{
	int rc;

	q->st = st;
	q->s = NULL;
	q->what = what;
	rc = sqlite3_prepare_v2(st->db, sql, -1, &q->s, NULL);
	q->ret = rc == SQLITE_OK ? 0 : db_fail(st, rc, "prepare");
	return q->ret;
}

/* Keep the error of bind result RC in Q. */
static void bind_done(struct db_stmt *q, int rc)
{
	if (rc != SQLITE_OK && !q->ret)
		q->ret = db_fail(q->st, rc, q->what);
}

void db_bind_text(struct db_stmt *q, int i, const char *v)
{
	if (!q->ret)
		bind_done(q, v ? sqlite3_bind_text(q->s, i, v, -1, SQLITE_STATIC)
			       : sqlite3_bind_null(q->s, i));
}

void db_bind_int(struct db_stmt *q, int i, int v)
{
	if (!q->ret)
		bind_done(q, sqlite3_bind_int(q->s, i, v));
}

void db_bind_int64(struct db_stmt *q, int i, int64_t v)
{
	if (!q->ret)
		bind_done(q, sqlite3_bind_int64(q->s, i, v));
}

void db_bind_double(struct db_stmt *q, int i, double v)
{
	if (!q->ret)
		bind_done(q, sqlite3_bind_double(q->s, i, v));
}

int db_row(struct db_stmt *q)
{
	int rc;

	if (q->ret)
		return q->ret;
	rc = sqlite3_step(q->s);
	if (rc == SQLITE_ROW)
		return 1;
	if (rc != SQLITE_DONE)
		q->ret = db_fail(q->st, rc, q->what);
	return q->ret;
}

int db_one(struct db_stmt *q)
{
	int rc = db_row(q);

	if (rc == 0)
		q->ret = -ENOENT;
	return rc > 0 ? 0 : q->ret;
}

int db_step(struct db_stmt *q)
{
	int rc;

	if (q->ret)
		return q->ret;
	rc = sqlite3_step(q->s);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		q->ret = db_fail(q->st, rc, q->what);
	sqlite3_reset(q->s);
	return q->ret;
}

void db_reset(struct db_stmt *q)
{
	sqlite3_reset(q->s);
}

int db_stop(struct db_stmt *q, int err)
{
	if (!q->ret)
		q->ret = err;
	return q->ret;
}

int db_done(struct db_stmt *q)
{
	sqlite3_finalize(q->s);
	q->s = NULL;
	return q->ret;
}

int db_run(struct db_stmt *q)
{
	db_step(q);
	return db_done(q);
}

const char *col_text(struct db_stmt *q, int i)
{
	return (const char *)sqlite3_column_text(q->s, i);
}

int col_int(struct db_stmt *q, int i)
{
	return sqlite3_column_int(q->s, i);
}

int64_t col_int64(struct db_stmt *q, int i)
{
	return sqlite3_column_int64(q->s, i);
}

double col_double(struct db_stmt *q, int i)
{
	return sqlite3_column_double(q->s, i);
}

bool col_null(struct db_stmt *q, int i)
{
	return sqlite3_column_type(q->s, i) == SQLITE_NULL;
}

int col_copy(struct db_stmt *q, int i, char *dst, size_t size)
{
	const char *v = col_text(q, i);
	int n = snprintf(dst, size, "%s", v ? v : "");

	return n < 0 || (size_t)n >= size ? -EBADMSG : 0;
}

int col_dup(struct db_stmt *q, int i, const char **dst)
{
	const char *v = col_text(q, i);

	*dst = v ? strdup(v) : NULL;
	return v && !*dst ? -ENOMEM : 0;
}

int db_grow(struct db_stmt *q, void *vp, size_t len, size_t *cap,
	    size_t elem, size_t first)
{
	void *v, *nv;
	size_t nc;

	if (len < *cap)
		return 0;
	for (nc = *cap ? *cap : first; nc <= len; nc *= 2)
		;
	memcpy(&v, vp, sizeof(v));
	nv = realloc(v, nc * elem);
	if (!nv)
		return db_stop(q, state_nomem(q->st));
	memset((char *)nv + *cap * elem, 0, (nc - *cap) * elem);
	memcpy(vp, &nv, sizeof(nv));
	*cap = nc;
	return 0;
}

int db_add_name(struct db_stmt *q, char ***v, size_t len, size_t *cap,
		const char *s)
{
	int ret = db_grow(q, v, len + 1, cap, sizeof(**v), 16);

	if (ret)
		return ret;
	(*v)[len] = strdup(s ? s : "");
	(*v)[len + 1] = NULL;
	return (*v)[len] ? 0 : db_stop(q, state_nomem(q->st));
}

int db_names(struct db_stmt *q, char ***names, int **ints, size_t *n)
{
	char **v = NULL;
	int *iv = NULL;
	size_t len = 0, cap = 0, icap = 0;
	int ret;

	while (db_row(q) > 0) {
		if (db_add_name(q, &v, len, &cap, col_text(q, 0)) ||
		    (ints && db_grow(q, &iv, len, &icap, sizeof(*iv), 16)))
			break;
		if (ints)
			iv[len] = col_int(q, 1);
		len++;
	}
	ret = db_done(q);
	if (!ret && !v && !(v = calloc(1, sizeof(*v))))
		ret = -ENOMEM;
	if (!ret && ints && !iv && !(iv = calloc(1, sizeof(*iv))))
		ret = -ENOMEM;
	if (ret) {
		if (ret == -ENOMEM)
			state_nomem(q->st);
		state_free_names(v);
		free(iv);
		v = NULL;
		iv = NULL;
		len = 0;
	}
	*names = v;
	if (ints)
		*ints = iv;
	if (n)
		*n = len;
	return ret;
}

/* Execute SQL; WHAT names it in the kept message (NULL: the SQL itself). */
static int db_exec_as(struct state *st, const char *sql, const char *what)
{
	int rc = sqlite3_exec(st->db, sql, NULL, NULL, NULL);

	return rc == SQLITE_OK ? 0 : db_fail(st, rc, what ? what : sql);
}

int db_exec(struct state *st, const char *sql)
{
	return db_exec_as(st, sql, NULL);
}

void db_rollback(struct state *st)
{
	sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
}

int64_t db_changes(struct state *st)
{
	return sqlite3_changes(st->db);
}

int64_t db_last_id(struct state *st)
{
	return sqlite3_last_insert_rowid(st->db);
}

/* ---- opening: pragmas, schema version, migrations ---- */

static int user_version(struct state *st, int *out)
{
	struct db_stmt q;

	db_prepare(st, &q, "PRAGMA user_version", "PRAGMA user_version");
	if (!db_one(&q))
		*out = col_int(&q, 0);
	return db_done(&q);
}

/* Refuse a schema this enos does not know (written by a newer one). */
static int version_check(struct state *st, int version)
{
	int ret = 0;

	if (version < 0 || version > STATE_SCHEMA_VERSION)
		ret = state_error(st, -EPROTONOSUPPORT,
			"database schema version %d is not one this enos "
			"understands (%d); use a newer enos or another database",
			version, STATE_SCHEMA_VERSION);
	return ret;
}

/* Bring the schema to STATE_SCHEMA_VERSION, one migration at a time, in
 * one transaction (another enos may be opening the same file). */
static int migrate(struct state *st)
{
	char sql[64];
	bool in_tx = false;
	int version, ret;

	ret = user_version(st, &version);
	if (!ret)
		ret = version_check(st, version);
	if (ret || version == STATE_SCHEMA_VERSION)
		goto out;
	ret = db_exec(st, "BEGIN IMMEDIATE");
	if (ret)
		goto out;
	in_tx = true;
	/* Read again under the write lock: another enos may have won. */
	ret = user_version(st, &version);
	if (!ret)
		ret = version_check(st, version);
	if (ret)
		goto out;
	for (; version < STATE_SCHEMA_VERSION; version++) {
		snprintf(sql, sizeof(sql), "upgrade schema to version %d",
			 version + 1);
		ret = db_exec_as(st, migrations[version], sql);
		if (ret)
			goto out;
	}
	snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", version);
	ret = db_exec(st, sql);
	if (!ret)
		ret = db_exec(st, "COMMIT");
	if (!ret)
		in_tx = false;
out:
	if (in_tx)
		db_rollback(st);
	return ret;
}

static int set_pragmas(struct state *st)
{
	struct db_stmt q = { 0 };
	const char *mode;
	int ret;

	ret = db_exec(st, "PRAGMA foreign_keys = ON");
	if (!ret)
		ret = db_exec(st, "PRAGMA synchronous = NORMAL");
	/* Switching a new file to WAL takes an exclusive lock, and SQLite
	 * answers SQLITE_BUSY at once, without its busy handler, while
	 * another process opening the same new file holds a shared one (two
	 * `enos up` on a fresh database): retry for the busy timeout. */
	for (int tries = 0; !ret; tries++) {
		ret = db_prepare(st, &q, "PRAGMA journal_mode = WAL",
				 "PRAGMA journal_mode = WAL");
		if (!ret)
			ret = db_one(&q);
		if (ret != -EBUSY || tries >= 500)
			break;
		db_done(&q);
		q = (struct db_stmt){ 0 };
		ret = 0;
		usleep(10 * 1000);
	}
	/* An in-memory database answers "memory": fine for tests. */
	mode = ret ? NULL : col_text(&q, 0);
	if (!ret && (!mode || (strcmp(mode, "wal") != 0 &&
			       strcmp(mode, "memory") != 0)))
		ret = state_error(st, -EIO, "cannot switch to WAL mode "
				  "(journal mode is %s)", mode ? mode : "unknown");
	db_done(&q);
	return ret;
}

/* Make PATH (0600: it holds every experiment's names, addresses and pids)
 * and its directory (0711: others may pass through it, not list it; a
 * service that a stack runs as its own user must reach its data directory
 * in services/ below it) if they are missing, whatever the umask, before
 * SQLite opens it: SQLite would make it 0644, and gives its -wal and -shm
 * the database file's mode. A dangling link is refused, since SQLite
 * would create its target. 0 or -errno with *ERR. */
static int create_private(const char *path, char **err)
{
	struct stat st;
	int fd, ret = fs_mkdir_parent(path, 0711);

	if (ret) {
		*err = str_printf("%s: cannot create its directory: %s", path,
				  strerror(-ret));
		return ret;
	}
	fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd >= 0) {
		close(fd);
		return 0;
	}
	ret = -errno;
	if (ret == -EEXIST && lstat(path, &st) == 0 && S_ISLNK(st.st_mode) &&
	    stat(path, &st) != 0 && errno == ENOENT) {
		*err = str_printf("%s: a symbolic link to nothing: not creating the state database through it",
				  path);
		return -ELOOP;
	}
	/* There already (its owner chose its mode), or not ours to make:
	 * SQLite says what it finds. */
	if (ret == -EEXIST || ret == -EACCES)
		return 0;
	*err = str_printf("%s: cannot create: %s", path, strerror(-ret));
	return ret;
}

/* Open (creating it and its directory if needed) the database at PATH and
 * bring its schema up to date.
 * PATH: file name (":memory:" for a private in-memory database).
 * Returns 0 with *OUT an allocated handle (state_close() frees it), or a
 * negative errno with *OUT NULL and *ERR an allocated "PATH: message" the
 * caller frees (-EPROTONOSUPPORT: written by a newer enos). */
int state_open(const char *path, struct state **out, char **err)
{
	struct state *st = NULL;
	int ret, rc, version;

	*out = NULL;
	*err = NULL;
	st = calloc(1, sizeof(*st));
	if (!st) {
		ret = -ENOMEM;
		*err = str_printf("%s: %s", path, strerror(ENOMEM));
		goto out;
	}
	if (strcmp(path, ":memory:") != 0 && strncmp(path, "file:", 5) != 0) {
		ret = create_private(path, err);
		if (ret)
			goto out;
	}
	rc = sqlite3_open_v2(path, &st->db,
			     SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
			     SQLITE_OPEN_URI | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK) {
		ret = st->db ? db_fail(st, rc, "open") : -ENOMEM;
		*err = str_printf("%s: %s", path, st->db ? sqlite3_errmsg(st->db)
							 : strerror(ENOMEM));
		goto out;
	}
	sqlite3_extended_result_codes(st->db, 1);
	sqlite3_busy_timeout(st->db, 5000);
	/* Check the version first: a newer enos's file is left untouched. */
	ret = user_version(st, &version);
	if (!ret)
		ret = version_check(st, version);
	if (!ret)
		ret = set_pragmas(st);
	if (!ret)
		ret = migrate(st);
	if (ret) {
		*err = str_printf("%s: %s", path, st->errmsg);
		goto out;
	}
	*out = st;
	st = NULL;
out:
	if (ret && *err == NULL)
		ret = -ENOMEM;  /* could not even allocate the message */
	state_close(st);
	return ret;
}

/* Close ST and free it. Accepts NULL. */
void state_close(struct state *st)
{
	if (!st)
		return;
	sqlite3_close_v2(st->db);
	free(st);
}

/* The message of the last failed call on ST ("" if none); owned by ST,
 * valid until the next call. */
const char *state_errmsg(const struct state *st)
{
	return st ? st->errmsg : "no database";
}

/* Free a NULL-terminated array of allocated strings. Accepts NULL. */
void state_free_names(char **names)
{
	char **p;

	if (!names)
		return;
	for (p = names; *p; p++)
		free(*p);
	free(names);
}
