/* state — the SQLite database that holds enos's state and results; see
 * state.h.
 *
 * enos/ records a world here before emulator/ builds it, so `down` after a
 * crash knows every object to remove; runs, results and host facts are kept
 * here for reports/. The schema is versioned with PRAGMA user_version and
 * upgraded step by step by the migrations[] table; a database written by a
 * newer enos is refused rather than misread. Every statement goes through
 * the helpers of state_db.h (prepare, bind, db_row, db_done), the only code
 * that calls SQLite.
 *
 * Every SQLite error is turned into a negative errno here, with the SQLite
 * message kept in the struct for state_errmsg(); nothing leaks upward.
 */
#include "enos/state.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sqlite3.h>

#include "emulator/fabric.h"
#include "enos/state_db.h"
#include "enos/topo.h"
#include "util/fs.h"
#include "util/str.h"

/* Salts state_pick_tag() tries before giving up. */
#define STATE_TAG_TRIES 4096

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
};

#define STATE_SCHEMA_VERSION \
	((int)(sizeof(migrations) / sizeof(migrations[0])))

static const char *const obj_kind_names[] = {
	[OBJ_NETNS] = "netns",
	[OBJ_LINK] = "link",
	[OBJ_BRIDGE] = "bridge",
	[OBJ_PROCESS] = "process",
};

#define N_OBJ_KINDS (sizeof(obj_kind_names) / sizeof(obj_kind_names[0]))

/* The name of object kind K as stored; "?" if K is out of range. */
const char *state_obj_kind_name(enum obj_kind k)
{
	return (unsigned)k < N_OBJ_KINDS ? obj_kind_names[k] : "?";
}

static int obj_kind_parse(const char *s, enum obj_kind *out)
{
	size_t i;

	for (i = 0; s && i < N_OBJ_KINDS; i++)
		if (strcmp(s, obj_kind_names[i]) == 0)
			break;
	if (s && i < N_OBJ_KINDS)
		*out = (enum obj_kind)i;
	return s && i < N_OBJ_KINDS ? 0 : -EBADMSG;
}

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
	if (!ret)
		ret = db_prepare(st, &q, "PRAGMA journal_mode = WAL",
				 "PRAGMA journal_mode = WAL");
	if (!ret)
		ret = db_one(&q);
	/* An in-memory database answers "memory": fine for tests. */
	mode = ret ? NULL : col_text(&q, 0);
	if (!ret && (!mode || (strcmp(mode, "wal") != 0 &&
			       strcmp(mode, "memory") != 0)))
		ret = state_error(st, -EIO, "cannot switch to WAL mode "
				  "(journal mode is %s)", mode ? mode : "unknown");
	db_done(&q);
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
		ret = fs_mkdir_parent(path, 0755);
		if (ret) {
			*err = str_printf("%s: cannot create its directory: %s",
					  path, strerror(-ret));
			goto out;
		}
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

/* 1 if an experiment NAME is recorded, 0 if not, or -errno. */
static int exp_exists(struct state *st, const char *name)
{
	struct db_stmt q;
	int ret;

	db_prepare(st, &q, "look up experiment",
		   "SELECT 1 FROM experiments WHERE name = ?1");
	db_bind_text(&q, 1, name);
	ret = db_row(&q);
	db_done(&q);
	return ret;
}

/* Pick a tag for NAME that no other recorded experiment uses: world_tag()
 * with salt 0, 1, ... TAG receives WORLD_TAG_LEN + 1 bytes.
 * Returns 0, -EAGAIN if every salt tried is taken, or -errno. */
int state_pick_tag(struct state *st, const char *name, char *tag)
{
	struct db_stmt q;
	unsigned salt;
	int ret = 0;

	db_prepare(st, &q, "look up tag", "SELECT 1 FROM experiments"
		   " WHERE tag = ?1 AND name <> ?2");
	for (salt = 0; salt < STATE_TAG_TRIES; salt++) {
		world_tag(name, salt, tag);
		db_bind_text(&q, 1, tag);
		db_bind_text(&q, 2, name);
		ret = db_row(&q);       /* 1: taken */
		db_reset(&q);
		if (ret <= 0)
			break;
	}
	if (salt == STATE_TAG_TRIES)
		ret = state_error(st, -EAGAIN, "no free tag for experiment "
				  "'%s'", name);
	db_done(&q);
	return ret;
}

/* Record the kernel objects of experiment NAME from its site and node
 * rows, in the order world_up() creates them: the WAN bridge (seq 0); per
 * site its LAN bridge, gateway netns, and the host ends of the gateway's
 * LAN and WAN veths; per node its netns and the host end of its veth.
 * Empty names are skipped (the object does not exist for that backend).
 * Copying inside SQLite costs one statement instead of one per object,
 * which is most of the cost of recording thousands of nodes. */
static int record_objects(struct state *st, const char *name)
{
	static const char *const sql[] = {
		"INSERT INTO objects (experiment, seq, kind, name)"
		" SELECT name, 0, 'bridge', wan_bridge FROM experiments"
		"  WHERE name = ?1 AND wan_bridge <> ''",
		"INSERT INTO objects (experiment, seq, kind, name)"
		" SELECT experiment, 1 + 4 * idx + k, kind, obj FROM ("
		"  SELECT experiment, idx, 0 AS k, 'bridge' AS kind,"
		"         lan_bridge AS obj FROM sites WHERE experiment = ?1"
		"  UNION ALL SELECT experiment, idx, 1, 'netns', gw_netns"
		"   FROM sites WHERE experiment = ?1"
		"  UNION ALL SELECT experiment, idx, 2, 'link', gw_lan_host"
		"   FROM sites WHERE experiment = ?1"
		"  UNION ALL SELECT experiment, idx, 3, 'link', gw_wan_host"
		"   FROM sites WHERE experiment = ?1"
		" ) WHERE obj <> '' ORDER BY 2",
		"INSERT INTO objects (experiment, seq, kind, name)"
		" SELECT experiment, base + 2 * idx + k, kind, obj FROM ("
		"  SELECT experiment, idx, 0 AS k, 'netns' AS kind, netns AS obj"
		"   FROM nodes WHERE experiment = ?1"
		"  UNION ALL SELECT experiment, idx, 1, 'link', host_if"
		"   FROM nodes WHERE experiment = ?1"
		" ), (SELECT 1 + 4 * count(*) AS base FROM sites"
		"     WHERE experiment = ?1) WHERE obj <> '' ORDER BY 2",
	};
	struct db_stmt q;
	size_t i;
	int ret = 0;

	for (i = 0; i < sizeof(sql) / sizeof(sql[0]) && !ret; i++) {
		db_prepare(st, &q, "record objects", sql[i]);
		db_bind_text(&q, 1, name);
		ret = db_run(&q);
	}
	return ret;
}

/* Record world W (planned from topology T, which may be NULL) with status
 * EXP_CREATING, in one transaction: the experiment (T's path and seed),
 * its sites and nodes with their roles and backends as set in W, and every
 * kernel object world_up() creates, in creation order: the WAN bridge; per
 * site its LAN bridge, gateway netns and the host ends of the gateway's LAN
 * and WAN veths; per node its netns and the host end of its veth.
 * Nothing is kept from T or W.
 * Returns 0, -EEXIST if NAME is recorded (or W's tag is taken), -EINVAL if
 * W is inconsistent, or -errno; on failure nothing is recorded. */
int state_record_world(struct state *st, const struct topology *t,
		       const struct world *w)
{
	struct db_stmt exp = { 0 }, site = { 0 }, node = { 0 };
	bool in_tx = false;
	size_t i;
	int ret;

	if (!w || !w->name || (w->n_sites && !w->sites) ||
	    (w->n_nodes && !w->nodes)) {
		ret = state_error(st, -EINVAL, "record: incomplete world");
		goto out;
	}
	ret = db_exec(st, "BEGIN IMMEDIATE");
	if (ret)
		goto out;
	in_tx = true;
	ret = exp_exists(st, w->name);
	if (ret == 1)
		ret = state_error(st, -EEXIST,
				  "experiment '%s' is already recorded", w->name);
	if (!ret)
		ret = db_prepare(st, &exp, "record experiment",
			"INSERT INTO experiments (name, tag, status, topo_path,"
			" shaping, created, seed, wan_bridge, wan_prefix, wan_plen,"
			" fabric) VALUES (?1, ?2, ?3, ?4, 'none', ?5, ?6, ?7, ?8,"
			" ?9, ?10)");
	if (!ret)
		ret = db_prepare(st, &site, "record site",
			"INSERT INTO sites (experiment, idx, name, role, prefix,"
			" plen, gw_lan_addr, gw_wan_addr, lan_bridge, gw_lan_host,"
			" gw_wan_host, gw_netns) VALUES (?1, ?2, ?3, ?4, ?5, ?6,"
			" ?7, ?8, ?9, ?10, ?11, ?12)");
	if (!ret)
		ret = db_prepare(st, &node, "record node",
			"INSERT INTO nodes (experiment, idx, name, site_idx,"
			" backend, addr, host_if, netns)"
			" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)");
	if (ret)
		goto out;

	db_bind_text(&exp, 1, w->name);
	db_bind_text(&exp, 2, w->tag);
	db_bind_text(&exp, 3, EXP_CREATING);
	db_bind_text(&exp, 4, t ? t->path : NULL);
	db_bind_int64(&exp, 5, (int64_t)time(NULL));
	if (t && t->has_seed)
		db_bind_int64(&exp, 6, (int64_t)t->seed);
	db_bind_text(&exp, 7, w->wan_bridge);
	db_bind_int64(&exp, 8, w->wan.addr);
	db_bind_int(&exp, 9, w->wan.plen);
	db_bind_text(&exp, 10, world_fabric(w)->name);
	ret = db_step(&exp);

	for (i = 0; !ret && i < w->n_sites; i++) {
		const struct world_site *ws = &w->sites[i];

		if (!ws->name) {
			ret = state_error(st, -EINVAL,
					  "record: site %zu has no name", i);
			break;
		}
		db_bind_text(&site, 1, w->name);
		db_bind_int64(&site, 2, (int64_t)i);
		db_bind_text(&site, 3, ws->name);
		db_bind_text(&site, 4, ws->role);
		db_bind_int64(&site, 5, ws->lan.addr);
		db_bind_int(&site, 6, ws->lan.plen);
		db_bind_int64(&site, 7, ws->gw_lan_addr);
		db_bind_int64(&site, 8, ws->gw_wan_addr);
		db_bind_text(&site, 9, ws->lan_bridge);
		db_bind_text(&site, 10, ws->gw_lan_host);
		db_bind_text(&site, 11, ws->gw_wan_host);
		db_bind_text(&site, 12, ws->gw_netns);
		ret = db_step(&site);
	}

	for (i = 0; !ret && i < w->n_nodes; i++) {
		const struct world_node *wn = &w->nodes[i];

		if (!wn->name || wn->site >= w->n_sites) {
			ret = state_error(st, -EINVAL, "record: node %zu has "
					  "no name or no site", i);
			break;
		}
		db_bind_text(&node, 1, w->name);
		db_bind_int64(&node, 2, (int64_t)i);
		db_bind_text(&node, 3, wn->name);
		db_bind_int64(&node, 4, (int64_t)wn->site);
		db_bind_text(&node, 5, wn->backend);
		db_bind_int64(&node, 6, wn->addr);
		db_bind_text(&node, 7, wn->host_if);
		db_bind_text(&node, 8, wn->netns);
		ret = db_step(&node);
	}
	if (!ret)
		ret = record_objects(st, w->name);
	if (!ret)
		ret = db_exec(st, "COMMIT");
	if (!ret)
		in_tx = false;
out:
	db_done(&exp);
	db_done(&site);
	db_done(&node);
	if (in_tx)
		db_rollback(st);
	return ret;
}

/* Run SQL (binding NAME to ?1 and VALUE, unless NULL, to ?2) that must
 * change one row; WHAT names it in a message.
 * 0, -ENOENT if it changed none, or -errno. */
static int update_one(struct state *st, const char *sql, const char *name,
		      const char *value, const char *what)
{
	struct db_stmt q;
	int ret;

	db_prepare(st, &q, what, sql);
	db_bind_text(&q, 1, name);
	if (value)
		db_bind_text(&q, 2, value);
	ret = db_run(&q);
	if (!ret && db_changes(st) == 0)
		ret = state_error(st, -ENOENT, "no experiment '%s'", name);
	return ret;
}

/* Set the status of NAME to one of the EXP_* strings.
 * Returns 0, -ENOENT, -EINVAL for an unknown status, or -errno. */
int state_set_status(struct state *st, const char *name, const char *status)
{
	return update_one(st, "UPDATE experiments SET status = ?2 WHERE name = ?1",
			  name, status, "set status");
}

/* Set the shaping engine chosen for NAME ("netem", "wand", "none", ...).
 * Returns 0, -ENOENT, or -errno. */
int state_set_shaping(struct state *st, const char *name, const char *shaping)
{
	return update_one(st, "UPDATE experiments SET shaping = ?2 WHERE name = ?1",
			  name, shaping, "set shaping");
}

/* Fill *OUT with experiment NAME's record and its site and node counts.
 * Returns 0, -ENOENT, or -errno. */
int state_get(struct state *st, const char *name, struct exp_info *out)
{
	struct db_stmt q;
	int ret;

	memset(out, 0, sizeof(*out));
	db_prepare(st, &q, "look up experiment",
		"SELECT name, tag, status, topo_path, shaping, created,"
		" (SELECT count(*) FROM sites WHERE experiment = e.name),"
		" (SELECT count(*) FROM nodes WHERE experiment = e.name)"
		" FROM experiments e WHERE name = ?1");
	db_bind_text(&q, 1, name);
	ret = db_one(&q);
	if (ret == -ENOENT)
		state_error(st, ret, "no experiment '%s'", name);
	if (!ret &&
	    (col_copy(&q, 0, out->name, sizeof(out->name)) ||
	     col_copy(&q, 1, out->tag, sizeof(out->tag)) ||
	     col_copy(&q, 2, out->status, sizeof(out->status)) ||
	     col_copy(&q, 3, out->topo_path, sizeof(out->topo_path)) ||
	     col_copy(&q, 4, out->shaping, sizeof(out->shaping))))
		ret = state_error(st, -EBADMSG, "experiment '%s': a stored "
				  "field is too long", name);
	if (!ret) {
		out->created = col_int64(&q, 5);
		out->n_sites = (size_t)col_int64(&q, 6);
		out->n_nodes = (size_t)col_int64(&q, 7);
	}
	db_done(&q);
	return ret;
}

/* The names of all recorded experiments, sorted: *NAMES is an allocated
 * NULL-terminated array (free with state_free_names()), *N its length (N
 * may be NULL). On failure *NAMES is NULL. Returns 0 or -errno. */
int state_list(struct state *st, char ***names, size_t *n)
{
	struct db_stmt q;

	db_prepare(st, &q, "list", "SELECT name FROM experiments ORDER BY name");
	return db_names(&q, names, NULL, n);
}

/* Release what state_load_world() allocated in W (the experiment name,
 * arrays, site names and roles, node names and backends) and zero W.
 * Accepts NULL and a zeroed world; never use it on a world whose strings
 * are borrowed from a topology. */
void state_world_free(struct world *w)
{
	size_t i;

	if (!w)
		return;
	for (i = 0; w->sites && i < w->n_sites; i++) {
		free((char *)w->sites[i].name);
		free((char *)w->sites[i].role);
	}
	for (i = 0; w->nodes && i < w->n_nodes; i++) {
		free((char *)w->nodes[i].name);
		free((char *)w->nodes[i].backend);
	}
	free(w->sites);
	free(w->nodes);
	free((char *)w->name);
	memset(w, 0, sizeof(*w));
}

/* Read the w->n_sites sites of NAME into w->sites (allocated, zeroed).
 * Returns 0, -EBADMSG if the rows do not match, -ENOMEM, or -errno. */
static int load_sites(struct state *st, const char *name, struct world *w)
{
	struct db_stmt q;
	size_t i = 0;
	int ret;

	db_prepare(st, &q, "load sites",
		"SELECT idx, name, role, prefix, plen, gw_lan_addr, gw_wan_addr,"
		" lan_bridge, gw_lan_host, gw_wan_host, gw_netns FROM sites"
		" WHERE experiment = ?1 ORDER BY idx");
	db_bind_text(&q, 1, name);
	while (db_row(&q) > 0) {
		struct world_site *ws;

		if (i >= w->n_sites || col_int64(&q, 0) != (int64_t)i) {
			db_stop(&q, -EBADMSG);
			break;
		}
		ws = &w->sites[i];
		ws->lan.addr = (uint32_t)col_int64(&q, 3);
		ws->lan.plen = (uint8_t)col_int(&q, 4);
		ws->gw_lan_addr = (uint32_t)col_int64(&q, 5);
		ws->gw_wan_addr = (uint32_t)col_int64(&q, 6);
		ret = col_dup(&q, 1, &ws->name);
		if (!ret)
			ret = col_dup(&q, 2, &ws->role);
		if (!ret)
			ret = col_copy(&q, 7, ws->lan_bridge, sizeof(ws->lan_bridge));
		if (!ret)
			ret = col_copy(&q, 8, ws->gw_lan_host,
				       sizeof(ws->gw_lan_host));
		if (!ret)
			ret = col_copy(&q, 9, ws->gw_wan_host,
				       sizeof(ws->gw_wan_host));
		if (!ret)
			ret = col_copy(&q, 10, ws->gw_netns, sizeof(ws->gw_netns));
		if (db_stop(&q, ret))
			break;
		i++;
	}
	ret = db_done(&q);
	if (!ret && i != w->n_sites)
		ret = -EBADMSG;
	if (ret == -EBADMSG)
		state_error(st, ret, "experiment '%s': inconsistent site "
			    "records", name);
	else if (ret == -ENOMEM)
		state_nomem(st);
	return ret;
}

/* Read the w->n_nodes nodes of NAME into w->nodes (allocated, zeroed).
 * Returns 0, -EBADMSG if the rows do not match, -ENOMEM, or -errno. */
static int load_nodes(struct state *st, const char *name, struct world *w)
{
	struct db_stmt q;
	size_t i = 0;
	int ret;

	db_prepare(st, &q, "load nodes",
		"SELECT idx, name, site_idx, backend, addr, host_if, netns"
		" FROM nodes WHERE experiment = ?1 ORDER BY idx");
	db_bind_text(&q, 1, name);
	while (db_row(&q) > 0) {
		struct world_node *wn;
		int64_t site = col_int64(&q, 2);

		if (i >= w->n_nodes || col_int64(&q, 0) != (int64_t)i ||
		    site < 0 || (uint64_t)site >= w->n_sites) {
			db_stop(&q, -EBADMSG);
			break;
		}
		wn = &w->nodes[i];
		wn->site = (size_t)site;
		wn->addr = (uint32_t)col_int64(&q, 4);
		ret = col_dup(&q, 1, &wn->name);
		if (!ret)
			ret = col_dup(&q, 3, &wn->backend);
		if (!ret)
			ret = col_copy(&q, 5, wn->host_if, sizeof(wn->host_if));
		if (!ret)
			ret = col_copy(&q, 6, wn->netns, sizeof(wn->netns));
		if (db_stop(&q, ret))
			break;
		i++;
	}
	ret = db_done(&q);
	if (!ret && i != w->n_nodes)
		ret = -EBADMSG;
	if (ret == -EBADMSG)
		state_error(st, ret, "experiment '%s': inconsistent node "
			    "records", name);
	else if (ret == -ENOMEM)
		state_nomem(st);
	return ret;
}

/* Rebuild the world of experiment NAME: *W is overwritten with allocated
 * copies of everything (release with state_world_free()), read in one
 * snapshot. Returns 0, -ENOENT, -EBADMSG if the records are inconsistent,
 * or -errno; on failure *W is zeroed. */
int state_load_world(struct state *st, const char *name, struct world *w)
{
	struct db_stmt q = { 0 };
	bool in_tx = false;
	int ret;

	memset(w, 0, sizeof(*w));
	ret = db_exec(st, "BEGIN");
	if (ret)
		goto out;
	in_tx = true;
	db_prepare(st, &q, "load experiment",
		"SELECT tag, wan_bridge, wan_prefix, wan_plen,"
		" (SELECT count(*) FROM sites WHERE experiment = e.name),"
		" (SELECT count(*) FROM nodes WHERE experiment = e.name),"
		" shaping = 'wand', fabric"
		" FROM experiments e WHERE name = ?1");
	db_bind_text(&q, 1, name);
	ret = db_one(&q);
	if (ret == -ENOENT)
		state_error(st, ret, "no experiment '%s'", name);
	if (ret)
		goto out;
	if (col_copy(&q, 0, w->tag, sizeof(w->tag)) ||
	    col_copy(&q, 1, w->wan_bridge, sizeof(w->wan_bridge))) {
		ret = state_error(st, -EBADMSG, "experiment '%s': a stored "
				  "name is too long", name);
		goto out;
	}
	w->wan.addr = (uint32_t)col_int64(&q, 2);
	w->wan.plen = (uint8_t)col_int(&q, 3);
	w->n_sites = (size_t)col_int64(&q, 4);
	w->n_nodes = (size_t)col_int64(&q, 5);
	w->wan_mode = col_int(&q, 6) ? WAN_WAND : WAN_BRIDGE;
	w->fabric = fabric_ops_find(col_text(&q, 7));
	if (!w->fabric) {
		ret = state_error(st, -EINVAL, "experiment '%s': unknown "
				  "fabric '%s'", name, col_text(&q, 7));
		goto out;
	}
	w->name = strdup(name);
	w->sites = calloc(w->n_sites ? w->n_sites : 1, sizeof(*w->sites));
	w->nodes = calloc(w->n_nodes ? w->n_nodes : 1, sizeof(*w->nodes));
	if (!w->name || !w->sites || !w->nodes) {
		ret = state_nomem(st);
		goto out;
	}
	ret = load_sites(st, name, w);
	if (!ret)
		ret = load_nodes(st, name, w);
	if (!ret)
		ret = db_exec(st, "COMMIT");
	if (!ret)
		in_tx = false;
out:
	db_done(&q);
	if (in_tx)
		db_rollback(st);
	if (ret)
		state_world_free(w);
	return ret;
}

/* Forget experiment NAME with its sites, nodes, objects and processes (after
 * a successful down). Its runs, results and facts stay.
 * Returns 0, -ENOENT if it is not recorded, or -errno. */
int state_forget(struct state *st, const char *name)
{
	return update_one(st, "DELETE FROM experiments WHERE name = ?1",
			  name, NULL, "forget");
}

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
	struct db_stmt q;

	db_prepare(st, &q, "find libvirt peer", "SELECT experiment FROM nodes"
		   " WHERE backend IN ('lxc', 'qemu') AND experiment <> ?1"
		   " ORDER BY experiment LIMIT 1");
	db_bind_text(&q, 1, name);
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

/* Record one more kernel object of NAME, created after the world
 * (record it before creating it). Recording one twice is success.
 * Returns 0, -ENOENT if NAME is not recorded, -EINVAL, or -errno. */
int state_object_add(struct state *st, const char *name, enum obj_kind kind,
		     const char *object)
{
	struct db_stmt q;
	int ret;

	if (!object || !object[0] || !strcmp(state_obj_kind_name(kind), "?"))
		return state_error(st, -EINVAL,
				   "record object: no name or unknown kind");
	db_prepare(st, &q, "record object",
		"INSERT INTO objects (experiment, seq, kind, name)"
		" SELECT ?1, (SELECT coalesce(max(seq) + 1, 0)"
		"  FROM objects WHERE experiment = ?1), ?2, ?3"
		" WHERE NOT EXISTS (SELECT 1 FROM objects"
		"  WHERE experiment = ?1 AND kind = ?2 AND name = ?3)");
	db_bind_text(&q, 1, name);
	db_bind_text(&q, 2, state_obj_kind_name(kind));
	db_bind_text(&q, 3, object);
	ret = db_run(&q);
	if (ret == -ENOENT)
		state_error(st, ret, "no experiment '%s'", name);
	return ret;
}

/* The kernel objects recorded for NAME in creation order (remove them in
 * reverse): *OBJS is an allocated array of *N (free with free()); NULL on
 * failure. Returns 0 (also when there are none) or -errno. */
int state_objects(struct state *st, const char *name,
		  struct state_object **objs, size_t *n)
{
	struct db_stmt q;
	struct state_object *v = NULL;
	size_t len = 0, cap = 0;
	int ret;

	*objs = NULL;
	*n = 0;
	db_prepare(st, &q, "list objects", "SELECT kind, name FROM objects"
		   " WHERE experiment = ?1 ORDER BY seq");
	db_bind_text(&q, 1, name);
	while (db_row(&q) > 0 && !db_grow(&q, &v, len, &cap, sizeof(*v), 64)) {
		if (obj_kind_parse(col_text(&q, 0), &v[len].kind) ||
		    col_copy(&q, 1, v[len].name, sizeof(v[len].name))) {
			db_stop(&q, state_error(st, -EBADMSG, "experiment "
						"'%s': bad object record", name));
			break;
		}
		len++;
	}
	ret = db_done(&q);
	if (!ret) {
		*objs = v;
		*n = len;
		v = NULL;
	}
	free(v);
	return ret;
}

/* Fill *OUT from the row of Q: id, experiment, kind, started, ended,
 * outcome (a text too long for its field is cut). */
static void run_from_row(struct db_stmt *q, struct run_info *out)
{
	memset(out, 0, sizeof(*out));
	out->id = col_int64(q, 0);
	col_copy(q, 1, out->experiment, sizeof(out->experiment));
	col_copy(q, 2, out->kind, sizeof(out->kind));
	out->started = col_int64(q, 3);
	out->ended = col_int64(q, 4);
	col_copy(q, 5, out->outcome, sizeof(out->outcome));
}

int state_run_get(struct state *st, int64_t id, struct run_info *out)
{
	struct db_stmt q;
	int ret;

	db_prepare(st, &q, "read run", "SELECT id, experiment, kind, started,"
		   " ended, outcome FROM runs WHERE id = ?1");
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

/* ---- service instances (schema v4) ---- */

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
