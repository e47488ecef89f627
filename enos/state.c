/* state — the SQLite database that holds enos's state and results; see
 * state.h.
 *
 * enos/ records a world here before emulator/ builds it, so `down` after a
 * crash knows every object to remove; runs, results and host facts are kept
 * here for reports/. The schema is versioned with PRAGMA user_version and
 * upgraded step by step by the migrations[] table; a database written by a
 * newer enos is refused rather than misread.
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
#include <sys/stat.h>
#include <time.h>

#include <sqlite3.h>

#include "emulator/fabric.h"
#include "enos/topo.h"
#include "util/fs.h"

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

/* An allocated printf-style message, or NULL if out of memory. */
static char *msgf(const char *fmt, ...)
{
	va_list ap;
	char *buf = NULL;
	int len;

	va_start(ap, fmt);
	len = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (len < 0)
		goto out;
	buf = malloc((size_t)len + 1);
	if (!buf)
		goto out;
	va_start(ap, fmt);
	vsnprintf(buf, (size_t)len + 1, fmt, ap);
	va_end(ap);
out:
	return buf;
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

static void set_msg(struct state *st, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(st->errmsg, sizeof(st->errmsg), fmt, ap);
	va_end(ap);
}

/* Keep "WHAT: <sqlite message>" and return the errno of RC. */
static int db_fail(struct state *st, int rc, const char *what)
{
	set_msg(st, "%s: %s", what, sqlite3_errmsg(st->db));
	return errno_of(st->db, rc);
}

/* Execute SQL; WHAT names it in the kept message (NULL: the SQL itself). */
/* Make room in *VP (an array of ELEM-byte items, *CAP allocated, LEN
 * used) for one more, doubling from FIRST. Returns 0 or -ENOMEM (message
 * kept); *VP is unchanged on failure. */
static int grow(struct state *st, void *vp, size_t len, size_t *cap,
		size_t elem, size_t first)
{
	void **v = vp, *nv;
	size_t nc;

	if (len < *cap)
		return 0;
	nc = *cap ? 2 * *cap : first;
	nv = realloc(*v, nc * elem);
	if (!nv) {
		set_msg(st, "%s", strerror(ENOMEM));
		return -ENOMEM;
	}
	*v = nv;
	*cap = nc;
	return 0;
}

/* Step S (bound, expecting one row). Returns 0 on a row, -ENOENT when
 * there is none (the caller says what was missing), or the database error
 * while doing WHAT. */
static int step_one(struct state *st, sqlite3_stmt *s, const char *what)
{
	int rc = sqlite3_step(s);

	if (rc == SQLITE_ROW)
		return 0;
	if (rc == SQLITE_DONE)
		return -ENOENT;
	return db_fail(st, rc, what);
}

static int db_exec_as(struct state *st, const char *sql, const char *what)
{
	int rc = sqlite3_exec(st->db, sql, NULL, NULL, NULL);

	return rc == SQLITE_OK ? 0 : db_fail(st, rc, what ? what : sql);
}

static int db_exec(struct state *st, const char *sql)
{
	return db_exec_as(st, sql, NULL);
}

static int db_prepare(struct state *st, const char *sql, sqlite3_stmt **out)
{
	int rc = sqlite3_prepare_v2(st->db, sql, -1, out, NULL);

	return rc == SQLITE_OK ? 0 : db_fail(st, rc, "prepare");
}

/* Step S to completion (a statement returning no row), then reset it for
 * reuse. WHAT names the operation in the kept message. */
static int db_step_done(struct state *st, sqlite3_stmt *s, const char *what)
{
	int rc = sqlite3_step(s);
	int ret = 0;

	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		ret = db_fail(st, rc, what);
	sqlite3_reset(s);
	return ret;
}

/* Roll back the open transaction, keeping the message of the error that
 * caused it. */
static void db_rollback(struct state *st)
{
	sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
}

static int bind_text(sqlite3_stmt *s, int i, const char *v)
{
	return v ? sqlite3_bind_text(s, i, v, -1, SQLITE_STATIC)
		 : sqlite3_bind_null(s, i);
}

/* Copy column I of S into the fixed buffer DST: 0, or -EBADMSG if the
 * stored text does not fit (a database not written by this enos). */
static int col_copy(sqlite3_stmt *s, int i, char *dst, size_t size)
{
	const char *v = (const char *)sqlite3_column_text(s, i);
	int n = snprintf(dst, size, "%s", v ? v : "");

	return n < 0 || (size_t)n >= size ? -EBADMSG : 0;
}

/* An allocated copy of column I of S (NULL stays NULL); -ENOMEM. */
static int col_dup(sqlite3_stmt *s, int i, const char **dst)
{
	const char *v = (const char *)sqlite3_column_text(s, i);

	*dst = v ? strdup(v) : NULL;
	return v && !*dst ? -ENOMEM : 0;
}

static int user_version(struct state *st, int *out)
{
	sqlite3_stmt *s = NULL;
	int ret, rc;

	ret = db_prepare(st, "PRAGMA user_version", &s);
	if (ret)
		goto out;
	rc = sqlite3_step(s);
	if (rc != SQLITE_ROW) {
		ret = db_fail(st, rc, "PRAGMA user_version");
		goto out;
	}
	*out = sqlite3_column_int(s, 0);
out:
	sqlite3_finalize(s);
	return ret;
}

/* Refuse a schema this enos does not know (written by a newer one). */
static int version_check(struct state *st, int version)
{
	int ret = 0;

	if (version < 0 || version > STATE_SCHEMA_VERSION) {
		set_msg(st, "database schema version %d is not one this enos "
			"understands (%d); use a newer enos or another database",
			version, STATE_SCHEMA_VERSION);
		ret = -EPROTONOSUPPORT;
	}
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
	sqlite3_stmt *s = NULL;
	const char *mode;
	int ret, rc;

	ret = db_exec(st, "PRAGMA foreign_keys = ON");
	if (ret)
		goto out;
	ret = db_exec(st, "PRAGMA synchronous = NORMAL");
	if (ret)
		goto out;
	ret = db_prepare(st, "PRAGMA journal_mode = WAL", &s);
	if (ret)
		goto out;
	rc = sqlite3_step(s);
	if (rc != SQLITE_ROW) {
		ret = db_fail(st, rc, "PRAGMA journal_mode = WAL");
		goto out;
	}
	/* An in-memory database answers "memory": fine for tests. */
	mode = (const char *)sqlite3_column_text(s, 0);
	if (!mode || (strcmp(mode, "wal") != 0 && strcmp(mode, "memory") != 0)) {
		set_msg(st, "cannot switch to WAL mode (journal mode is %s)",
			mode ? mode : "unknown");
		ret = -EIO;
	}
out:
	sqlite3_finalize(s);
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
		*err = msgf("%s: %s", path, strerror(ENOMEM));
		goto out;
	}
	if (strcmp(path, ":memory:") != 0 && strncmp(path, "file:", 5) != 0) {
		ret = fs_mkdir_parent(path, 0755);
		if (ret) {
			*err = msgf("%s: cannot create its directory: %s", path,
				    strerror(-ret));
			goto out;
		}
	}
	rc = sqlite3_open_v2(path, &st->db,
			     SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
			     SQLITE_OPEN_URI | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK) {
		ret = st->db ? db_fail(st, rc, "open") : -ENOMEM;
		*err = msgf("%s: %s", path, st->db ? sqlite3_errmsg(st->db)
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
		*err = msgf("%s: %s", path, st->errmsg);
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

/* 1 if an experiment NAME is recorded, 0 if not, or -errno. */
static int exp_exists(struct state *st, const char *name)
{
	sqlite3_stmt *s = NULL;
	int ret, rc;

	ret = db_prepare(st, "SELECT 1 FROM experiments WHERE name = ?1", &s);
	if (ret)
		goto out;
	bind_text(s, 1, name);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		ret = 1;
	else if (rc != SQLITE_DONE)
		ret = db_fail(st, rc, "look up experiment");
out:
	sqlite3_finalize(s);
	return ret;
}

/* Pick a tag for NAME that no other recorded experiment uses: world_tag()
 * with salt 0, 1, ... TAG receives WORLD_TAG_LEN + 1 bytes.
 * Returns 0, -EAGAIN if every salt tried is taken, or -errno. */
int state_pick_tag(struct state *st, const char *name, char *tag)
{
	sqlite3_stmt *s = NULL;
	unsigned salt;
	int ret, rc;

	ret = db_prepare(st, "SELECT 1 FROM experiments"
			     " WHERE tag = ?1 AND name <> ?2", &s);
	if (ret)
		goto out;
	for (salt = 0; salt < STATE_TAG_TRIES; salt++) {
		world_tag(name, salt, tag);
		bind_text(s, 1, tag);
		bind_text(s, 2, name);
		rc = sqlite3_step(s);
		sqlite3_reset(s);
		if (rc == SQLITE_DONE)
			goto out;
		if (rc != SQLITE_ROW) {
			ret = db_fail(st, rc, "look up tag");
			goto out;
		}
	}
	set_msg(st, "no free tag for experiment '%s'", name);
	ret = -EAGAIN;
out:
	sqlite3_finalize(s);
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
	sqlite3_stmt *s = NULL;
	size_t i;
	int ret = 0;

	for (i = 0; i < sizeof(sql) / sizeof(sql[0]) && !ret; i++) {
		ret = db_prepare(st, sql[i], &s);
		if (ret)
			break;
		bind_text(s, 1, name);
		ret = db_step_done(st, s, "record objects");
		sqlite3_finalize(s);
		s = NULL;
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
	sqlite3_stmt *exp = NULL, *site = NULL, *node = NULL;
	bool in_tx = false;
	size_t i;
	int ret;

	if (!w || !w->name || (w->n_sites && !w->sites) ||
	    (w->n_nodes && !w->nodes)) {
		set_msg(st, "record: incomplete world");
		ret = -EINVAL;
		goto out;
	}
	ret = db_exec(st, "BEGIN IMMEDIATE");
	if (ret)
		goto out;
	in_tx = true;
	ret = exp_exists(st, w->name);
	if (ret == 1) {
		set_msg(st, "experiment '%s' is already recorded", w->name);
		ret = -EEXIST;
	}
	if (ret)
		goto out;
	ret = db_prepare(st,
		"INSERT INTO experiments (name, tag, status, topo_path, shaping,"
		" created, seed, wan_bridge, wan_prefix, wan_plen, fabric)"
		" VALUES (?1, ?2, ?3, ?4, 'none', ?5, ?6, ?7, ?8, ?9, ?10)",
		&exp);
	if (!ret)
		ret = db_prepare(st,
			"INSERT INTO sites (experiment, idx, name, role, prefix,"
			" plen, gw_lan_addr, gw_wan_addr, lan_bridge, gw_lan_host,"
			" gw_wan_host, gw_netns) VALUES (?1, ?2, ?3, ?4, ?5, ?6,"
			" ?7, ?8, ?9, ?10, ?11, ?12)", &site);
	if (!ret)
		ret = db_prepare(st,
			"INSERT INTO nodes (experiment, idx, name, site_idx,"
			" backend, addr, host_if, netns)"
			" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)", &node);
	if (ret)
		goto out;

	bind_text(exp, 1, w->name);
	bind_text(exp, 2, w->tag);
	bind_text(exp, 3, EXP_CREATING);
	bind_text(exp, 4, t ? t->path : NULL);
	sqlite3_bind_int64(exp, 5, (int64_t)time(NULL));
	if (t && t->has_seed)
		sqlite3_bind_int64(exp, 6, (int64_t)t->seed);
	else
		sqlite3_bind_null(exp, 6);
	bind_text(exp, 7, w->wan_bridge);
	sqlite3_bind_int64(exp, 8, w->wan.addr);
	sqlite3_bind_int(exp, 9, w->wan.plen);
	bind_text(exp, 10, world_fabric(w)->name);
	ret = db_step_done(st, exp, "record experiment");
	if (ret)
		goto out;

	for (i = 0; i < w->n_sites; i++) {
		const struct world_site *ws = &w->sites[i];

		if (!ws->name) {
			set_msg(st, "record: site %zu has no name", i);
			ret = -EINVAL;
			goto out;
		}
		bind_text(site, 1, w->name);
		sqlite3_bind_int64(site, 2, (int64_t)i);
		bind_text(site, 3, ws->name);
		bind_text(site, 4, ws->role);
		sqlite3_bind_int64(site, 5, ws->lan.addr);
		sqlite3_bind_int(site, 6, ws->lan.plen);
		sqlite3_bind_int64(site, 7, ws->gw_lan_addr);
		sqlite3_bind_int64(site, 8, ws->gw_wan_addr);
		bind_text(site, 9, ws->lan_bridge);
		bind_text(site, 10, ws->gw_lan_host);
		bind_text(site, 11, ws->gw_wan_host);
		bind_text(site, 12, ws->gw_netns);
		ret = db_step_done(st, site, "record site");
		if (ret)
			goto out;
	}

	for (i = 0; i < w->n_nodes; i++) {
		const struct world_node *wn = &w->nodes[i];

		if (!wn->name || wn->site >= w->n_sites) {
			set_msg(st, "record: node %zu has no name or no site", i);
			ret = -EINVAL;
			goto out;
		}
		bind_text(node, 1, w->name);
		sqlite3_bind_int64(node, 2, (int64_t)i);
		bind_text(node, 3, wn->name);
		sqlite3_bind_int64(node, 4, (int64_t)wn->site);
		bind_text(node, 5, wn->backend);
		sqlite3_bind_int64(node, 6, wn->addr);
		bind_text(node, 7, wn->host_if);
		bind_text(node, 8, wn->netns);
		ret = db_step_done(st, node, "record node");
		if (ret)
			goto out;
	}
	ret = record_objects(st, w->name);
	if (ret)
		goto out;
	ret = db_exec(st, "COMMIT");
	if (!ret)
		in_tx = false;
out:
	sqlite3_finalize(exp);
	sqlite3_finalize(site);
	sqlite3_finalize(node);
	if (in_tx)
		db_rollback(st);
	return ret;
}

/* Run SQL (binding NAME to ?1 and, if it has one, VALUE to ?2) that must
 * change one row:
 * 0, -ENOENT if it changed none, or -errno. */
static int update_one(struct state *st, const char *sql, const char *name,
		      const char *value, const char *what)
{
	sqlite3_stmt *s = NULL;
	int ret;

	ret = db_prepare(st, sql, &s);
	if (ret)
		goto out;
	bind_text(s, 1, name);
	if (sqlite3_bind_parameter_count(s) >= 2)
		bind_text(s, 2, value);
	ret = db_step_done(st, s, what);
	if (!ret && sqlite3_changes(st->db) == 0) {
		set_msg(st, "no experiment '%s'", name);
		ret = -ENOENT;
	}
out:
	sqlite3_finalize(s);
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
	sqlite3_stmt *s = NULL;
	int ret;

	memset(out, 0, sizeof(*out));
	ret = db_prepare(st,
		"SELECT name, tag, status, topo_path, shaping, created,"
		" (SELECT count(*) FROM sites WHERE experiment = e.name),"
		" (SELECT count(*) FROM nodes WHERE experiment = e.name)"
		" FROM experiments e WHERE name = ?1", &s);
	if (ret)
		goto out;
	bind_text(s, 1, name);
	ret = step_one(st, s, "look up experiment");
	if (ret == -ENOENT)
		set_msg(st, "no experiment '%s'", name);
	if (ret)
		goto out;
	ret = col_copy(s, 0, out->name, sizeof(out->name));
	if (!ret)
		ret = col_copy(s, 1, out->tag, sizeof(out->tag));
	if (!ret)
		ret = col_copy(s, 2, out->status, sizeof(out->status));
	if (!ret)
		ret = col_copy(s, 3, out->topo_path, sizeof(out->topo_path));
	if (!ret)
		ret = col_copy(s, 4, out->shaping, sizeof(out->shaping));
	if (ret) {
		set_msg(st, "experiment '%s': a stored field is too long", name);
		goto out;
	}
	out->created = sqlite3_column_int64(s, 5);
	out->n_sites = (size_t)sqlite3_column_int64(s, 6);
	out->n_nodes = (size_t)sqlite3_column_int64(s, 7);
out:
	sqlite3_finalize(s);
	return ret;
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

/* Run S (already bound) and collect text column 0 of every row into an
 * allocated NULL-terminated array *NAMES of *N strings, and, if INTS is
 * not NULL, integer column 1 into an allocated array *INTS. */
static int collect_names(struct state *st, sqlite3_stmt *s, char ***names,
			 int **ints, size_t *n)
{
	char **v = NULL, **nv;
	int *iv = NULL, *niv;
	size_t len = 0, cap = 0;
	int ret = 0, rc;

	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		const char *text = (const char *)sqlite3_column_text(s, 0);

		if (len + 2 > cap) {
			cap = cap ? 2 * cap : 16;
			nv = realloc(v, cap * sizeof(*v));
			if (!nv) {
				ret = -ENOMEM;
				goto out;
			}
			v = nv;
			if (ints) {
				niv = realloc(iv, cap * sizeof(*iv));
				if (!niv) {
					ret = -ENOMEM;
					goto out;
				}
				iv = niv;
			}
		}
		v[len] = strdup(text ? text : "");
		if (!v[len]) {
			ret = -ENOMEM;
			goto out;
		}
		if (ints)
			iv[len] = sqlite3_column_int(s, 1);
		v[++len] = NULL;
	}
	if (rc != SQLITE_DONE) {
		ret = db_fail(st, rc, "list");
		goto out;
	}
	if (!v) {
		v = calloc(1, sizeof(*v));
		if (ints)
			iv = calloc(1, sizeof(*iv));
		if (!v || (ints && !iv)) {
			ret = -ENOMEM;
			goto out;
		}
	}
out:
	if (ret) {
		if (v)
			v[len] = NULL;
		state_free_names(v);
		free(iv);
		v = NULL;
		iv = NULL;
		len = 0;
		if (ret == -ENOMEM)
			set_msg(st, "%s", strerror(ENOMEM));
	}
	*names = v;
	if (ints)
		*ints = iv;
	if (n)
		*n = len;
	return ret;
}

/* The names of all recorded experiments, sorted: *NAMES is an allocated
 * NULL-terminated array (free with state_free_names()), *N its length (N
 * may be NULL). On failure *NAMES is NULL. Returns 0 or -errno. */
int state_list(struct state *st, char ***names, size_t *n)
{
	sqlite3_stmt *s = NULL;
	int ret;

	*names = NULL;
	if (n)
		*n = 0;
	ret = db_prepare(st, "SELECT name FROM experiments ORDER BY name", &s);
	if (!ret)
		ret = collect_names(st, s, names, NULL, n);
	sqlite3_finalize(s);
	return ret;
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

static int load_sites(struct state *st, const char *name, struct world *w)
{
	sqlite3_stmt *s = NULL;
	size_t i = 0;
	int ret, rc;

	ret = db_prepare(st,
		"SELECT idx, name, role, prefix, plen, gw_lan_addr, gw_wan_addr,"
		" lan_bridge, gw_lan_host, gw_wan_host, gw_netns FROM sites"
		" WHERE experiment = ?1 ORDER BY idx", &s);
	if (ret)
		goto out;
	bind_text(s, 1, name);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct world_site *ws;

		if (i >= w->n_sites || sqlite3_column_int64(s, 0) != (int64_t)i) {
			ret = -EBADMSG;
			goto out;
		}
		ws = &w->sites[i];
		ret = col_dup(s, 1, &ws->name);
		if (!ret)
			ret = col_dup(s, 2, &ws->role);
		if (ret)
			goto out;
		ws->lan.addr = (uint32_t)sqlite3_column_int64(s, 3);
		ws->lan.plen = (uint8_t)sqlite3_column_int(s, 4);
		ws->gw_lan_addr = (uint32_t)sqlite3_column_int64(s, 5);
		ws->gw_wan_addr = (uint32_t)sqlite3_column_int64(s, 6);
		ret = col_copy(s, 7, ws->lan_bridge, sizeof(ws->lan_bridge));
		if (!ret)
			ret = col_copy(s, 8, ws->gw_lan_host, sizeof(ws->gw_lan_host));
		if (!ret)
			ret = col_copy(s, 9, ws->gw_wan_host, sizeof(ws->gw_wan_host));
		if (!ret)
			ret = col_copy(s, 10, ws->gw_netns, sizeof(ws->gw_netns));
		if (ret)
			goto out;
		i++;
	}
	if (rc != SQLITE_DONE)
		ret = db_fail(st, rc, "load sites");
	else if (i != w->n_sites)
		ret = -EBADMSG;
out:
	if (ret == -EBADMSG)
		set_msg(st, "experiment '%s': inconsistent site records", name);
	else if (ret == -ENOMEM)
		set_msg(st, "%s", strerror(ENOMEM));
	sqlite3_finalize(s);
	return ret;
}

static int load_nodes(struct state *st, const char *name, struct world *w)
{
	sqlite3_stmt *s = NULL;
	size_t i = 0;
	int ret, rc;

	ret = db_prepare(st,
		"SELECT idx, name, site_idx, backend, addr, host_if, netns"
		" FROM nodes WHERE experiment = ?1 ORDER BY idx", &s);
	if (ret)
		goto out;
	bind_text(s, 1, name);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct world_node *wn;
		int64_t site = sqlite3_column_int64(s, 2);

		if (i >= w->n_nodes || sqlite3_column_int64(s, 0) != (int64_t)i ||
		    site < 0 || (uint64_t)site >= w->n_sites) {
			ret = -EBADMSG;
			goto out;
		}
		wn = &w->nodes[i];
		wn->site = (size_t)site;
		ret = col_dup(s, 1, &wn->name);
		if (!ret)
			ret = col_dup(s, 3, &wn->backend);
		if (ret)
			goto out;
		wn->addr = (uint32_t)sqlite3_column_int64(s, 4);
		ret = col_copy(s, 5, wn->host_if, sizeof(wn->host_if));
		if (!ret)
			ret = col_copy(s, 6, wn->netns, sizeof(wn->netns));
		if (ret)
			goto out;
		i++;
	}
	if (rc != SQLITE_DONE)
		ret = db_fail(st, rc, "load nodes");
	else if (i != w->n_nodes)
		ret = -EBADMSG;
out:
	if (ret == -EBADMSG)
		set_msg(st, "experiment '%s': inconsistent node records", name);
	else if (ret == -ENOMEM)
		set_msg(st, "%s", strerror(ENOMEM));
	sqlite3_finalize(s);
	return ret;
}

/* Rebuild the world of experiment NAME: *W is overwritten with allocated
 * copies of everything (release with state_world_free()), read in one
 * snapshot. Returns 0, -ENOENT, -EBADMSG if the records are inconsistent,
 * or -errno; on failure *W is zeroed. */
int state_load_world(struct state *st, const char *name, struct world *w)
{
	sqlite3_stmt *s = NULL;
	bool in_tx = false;
	int ret;

	memset(w, 0, sizeof(*w));
	ret = db_exec(st, "BEGIN");
	if (ret)
		goto out;
	in_tx = true;
	ret = db_prepare(st,
		"SELECT tag, wan_bridge, wan_prefix, wan_plen,"
		" (SELECT count(*) FROM sites WHERE experiment = e.name),"
		" (SELECT count(*) FROM nodes WHERE experiment = e.name),"
		" shaping = 'wand', fabric"
		" FROM experiments e WHERE name = ?1", &s);
	if (ret)
		goto out;
	bind_text(s, 1, name);
	ret = step_one(st, s, "load experiment");
	if (ret == -ENOENT)
		set_msg(st, "no experiment '%s'", name);
	if (ret)
		goto out;
	ret = col_copy(s, 0, w->tag, sizeof(w->tag));
	if (!ret)
		ret = col_copy(s, 1, w->wan_bridge, sizeof(w->wan_bridge));
	if (ret) {
		set_msg(st, "experiment '%s': a stored name is too long", name);
		goto out;
	}
	w->wan.addr = (uint32_t)sqlite3_column_int64(s, 2);
	w->wan.plen = (uint8_t)sqlite3_column_int(s, 3);
	w->n_sites = (size_t)sqlite3_column_int64(s, 4);
	w->n_nodes = (size_t)sqlite3_column_int64(s, 5);
	w->wan_mode = sqlite3_column_int(s, 6) ? WAN_WAND : WAN_BRIDGE;
	w->fabric = fabric_ops_find((const char *)sqlite3_column_text(s, 7));
	if (!w->fabric) {
		set_msg(st, "experiment '%s': unknown fabric '%s'", name,
			(const char *)sqlite3_column_text(s, 7));
		ret = -EINVAL;
		goto out;
	}
	w->name = strdup(name);
	w->sites = calloc(w->n_sites ? w->n_sites : 1, sizeof(*w->sites));
	w->nodes = calloc(w->n_nodes ? w->n_nodes : 1, sizeof(*w->nodes));
	if (!w->name || !w->sites || !w->nodes) {
		set_msg(st, "%s", strerror(ENOMEM));
		ret = -ENOMEM;
		goto out;
	}
	ret = load_sites(st, name, w);
	if (!ret)
		ret = load_nodes(st, name, w);
	if (ret)
		goto out;
	ret = db_exec(st, "COMMIT");
	if (!ret)
		in_tx = false;
out:
	sqlite3_finalize(s);
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
	sqlite3_stmt *s = NULL;
	int ret;

	ret = db_prepare(st, "INSERT INTO runs (experiment, kind, started, seed)"
			     " VALUES (?1, ?2, ?3, ?4)", &s);
	if (ret)
		goto out;
	bind_text(s, 1, name);
	bind_text(s, 2, kind);
	sqlite3_bind_int64(s, 3, (int64_t)time(NULL));
	if (has_seed)
		sqlite3_bind_int64(s, 4, (int64_t)seed);
	ret = db_step_done(st, s, "begin run");
	if (!ret)
		*run_id = sqlite3_last_insert_rowid(st->db);
out:
	sqlite3_finalize(s);
	return ret;
}

/* End run RUN_ID now with OUTCOME ("ok", "failed", ...).
 * Returns 0, -ENOENT if there is no such run, or -errno. */
int state_run_end(struct state *st, int64_t run_id, const char *outcome)
{
	sqlite3_stmt *s = NULL;
	int ret;

	ret = db_prepare(st, "UPDATE runs SET ended = ?2, outcome = ?3"
			     " WHERE id = ?1", &s);
	if (ret)
		goto out;
	sqlite3_bind_int64(s, 1, run_id);
	sqlite3_bind_int64(s, 2, (int64_t)time(NULL));
	bind_text(s, 3, outcome);
	ret = db_step_done(st, s, "end run");
	if (!ret && sqlite3_changes(st->db) == 0) {
		set_msg(st, "no run %lld", (long long)run_id);
		ret = -ENOENT;
	}
out:
	sqlite3_finalize(s);
	return ret;
}

/* Store VALUE (a NaN is stored as NULL) in UNIT for METRIC between SRC and
 * DST (either NULL) of run RUN_ID.
 * Returns 0, -ENOENT if there is no such run, or -errno. */
int state_result_add(struct state *st, int64_t run_id, const char *metric,
		     const char *src, const char *dst, double value,
		     const char *unit)
{
	sqlite3_stmt *s = NULL;
	int ret;

	ret = db_prepare(st, "INSERT INTO results (run, metric, src, dst, value,"
			     " unit) VALUES (?1, ?2, ?3, ?4, ?5, ?6)", &s);
	if (ret)
		goto out;
	sqlite3_bind_int64(s, 1, run_id);
	bind_text(s, 2, metric);
	bind_text(s, 3, src);
	bind_text(s, 4, dst);
	sqlite3_bind_double(s, 5, value);
	bind_text(s, 6, unit);
	ret = db_step_done(st, s, "add result");
out:
	sqlite3_finalize(s);
	return ret;
}

/* Record fact KEY = VALUE about the host for RUN_ID; a second fact with the
 * same key replaces the first. Returns 0, -ENOENT (no such run), -errno. */
int state_fact_add(struct state *st, int64_t run_id, const char *key,
		   const char *value)
{
	sqlite3_stmt *s = NULL;
	int ret;

	ret = db_prepare(st, "INSERT OR REPLACE INTO facts (run, key, value)"
			     " VALUES (?1, ?2, ?3)", &s);
	if (ret)
		goto out;
	sqlite3_bind_int64(s, 1, run_id);
	bind_text(s, 2, key);
	bind_text(s, 3, value);
	ret = db_step_done(st, s, "add fact");
out:
	sqlite3_finalize(s);
	return ret;
}

/* Record process PID, started by enos for experiment NAME to do WHAT
 * ("ovs-vswitchd", "wand", ...). A row for the same PID is replaced.
 * Returns 0, -ENOENT if NAME is not recorded, or -errno. */
int state_process_add(struct state *st, const char *name, const char *what,
		      int pid)
{
	sqlite3_stmt *s = NULL;
	int ret;

	ret = db_prepare(st, "INSERT OR REPLACE INTO processes (experiment, what,"
			     " pid, started) VALUES (?1, ?2, ?3, ?4)", &s);
	if (ret)
		goto out;
	bind_text(s, 1, name);
	bind_text(s, 2, what);
	sqlite3_bind_int(s, 3, pid);
	sqlite3_bind_int64(s, 4, (int64_t)time(NULL));
	ret = db_step_done(st, s, "add process");
	if (ret == -ENOENT)
		set_msg(st, "no experiment '%s'", name);
out:
	sqlite3_finalize(s);
	return ret;
}

/* The processes recorded for NAME, oldest first: *PIDS and *WHATS (NULL-
 * terminated; free with state_free_names()) are allocated arrays of *N
 * entries; free *PIDS with free(). On failure both are NULL.
 * Returns 0 (also when there are none) or -errno. */
int state_processes(struct state *st, const char *name, int **pids,
		    char ***whats, size_t *n)
{
	sqlite3_stmt *s = NULL;
	int ret;

	*pids = NULL;
	*whats = NULL;
	*n = 0;
	ret = db_prepare(st, "SELECT what, pid FROM processes"
			     " WHERE experiment = ?1 ORDER BY started, pid", &s);
	if (ret)
		goto out;
	bind_text(s, 1, name);
	ret = collect_names(st, s, whats, pids, n);
out:
	sqlite3_finalize(s);
	return ret;
}

/* Forget process PID of NAME (it has exited or was stopped). Forgetting
 * one that is not recorded is success. Returns 0 or -errno. */
int state_process_forget(struct state *st, const char *name, int pid)
{
	sqlite3_stmt *s = NULL;
	int ret;

	ret = db_prepare(st, "DELETE FROM processes WHERE experiment = ?1"
			     " AND pid = ?2", &s);
	if (ret)
		goto out;
	bind_text(s, 1, name);
	sqlite3_bind_int(s, 2, pid);
	ret = db_step_done(st, s, "forget process");
out:
	sqlite3_finalize(s);
	return ret;
}

/* Another recorded experiment than NAME built on FABRIC: 0 with its name
 * in OTHER (LEN bytes), -ENOENT if none, or -errno. */
int state_fabric_peer(struct state *st, const char *name, const char *fabric,
		      char *other, size_t len)
{
	sqlite3_stmt *s = NULL;
	int ret;

	ret = db_prepare(st, "SELECT name FROM experiments WHERE fabric = ?2"
			     " AND name <> ?1 ORDER BY created, name LIMIT 1",
			 &s);
	if (ret)
		goto out;
	bind_text(s, 1, name);
	bind_text(s, 2, fabric);
	ret = step_one(st, s, "find fabric peer");
	if (ret == 0)
		ret = col_copy(s, 0, other, len);
out:
	sqlite3_finalize(s);
	return ret;
}

int state_libvirt_peer(struct state *st, const char *name, char *other,
		       size_t len)
{
	sqlite3_stmt *s = NULL;
	int ret;

	ret = db_prepare(st, "SELECT experiment FROM nodes WHERE backend IN"
			     " ('lxc', 'qemu') AND experiment <> ?1"
			     " ORDER BY experiment LIMIT 1", &s);
	if (ret)
		goto out;
	bind_text(s, 1, name);
	ret = step_one(st, s, "find libvirt peer");
	if (ret == 0)
		ret = col_copy(s, 0, other, len);
out:
	sqlite3_finalize(s);
	return ret;
}

/* Hand the processes WHAT recorded for FROM over to experiment TO.
 * Returns 0 or -errno. */
int state_process_move(struct state *st, const char *from, const char *to,
		       const char *what)
{
	sqlite3_stmt *s = NULL;
	int ret;

	ret = db_prepare(st, "UPDATE processes SET experiment = ?2"
			     " WHERE experiment = ?1 AND what = ?3", &s);
	if (ret)
		goto out;
	bind_text(s, 1, from);
	bind_text(s, 2, to);
	bind_text(s, 3, what);
	ret = db_step_done(st, s, "move process");
out:
	sqlite3_finalize(s);
	return ret;
}

/* Record one more kernel object of NAME, created after the world
 * (record it before creating it). Recording one twice is success.
 * Returns 0, -ENOENT if NAME is not recorded, -EINVAL, or -errno. */
int state_object_add(struct state *st, const char *name, enum obj_kind kind,
		     const char *object)
{
	sqlite3_stmt *s = NULL;
	int ret;

	if (!object || !object[0] || !strcmp(state_obj_kind_name(kind), "?")) {
		set_msg(st, "record object: no name or unknown kind");
		ret = -EINVAL;
		goto out;
	}
	ret = db_prepare(st, "INSERT INTO objects (experiment, seq, kind, name)"
			     " SELECT ?1, (SELECT coalesce(max(seq) + 1, 0)"
			     "  FROM objects WHERE experiment = ?1), ?2, ?3"
			     " WHERE NOT EXISTS (SELECT 1 FROM objects"
			     "  WHERE experiment = ?1 AND kind = ?2 AND name = ?3)",
			 &s);
	if (ret)
		goto out;
	bind_text(s, 1, name);
	bind_text(s, 2, state_obj_kind_name(kind));
	bind_text(s, 3, object);
	ret = db_step_done(st, s, "record object");
	if (ret == -ENOENT)
		set_msg(st, "no experiment '%s'", name);
out:
	sqlite3_finalize(s);
	return ret;
}

/* The kernel objects recorded for NAME in creation order (remove them in
 * reverse): *OBJS is an allocated array of *N (free with free()); NULL on
 * failure. Returns 0 (also when there are none) or -errno. */
int state_objects(struct state *st, const char *name,
		  struct state_object **objs, size_t *n)
{
	sqlite3_stmt *s = NULL;
	struct state_object *v = NULL;
	size_t len = 0, cap = 0;
	int ret, rc;

	*objs = NULL;
	*n = 0;
	ret = db_prepare(st, "SELECT kind, name FROM objects"
			     " WHERE experiment = ?1 ORDER BY seq", &s);
	if (ret)
		goto out;
	bind_text(s, 1, name);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		ret = grow(st, &v, len, &cap, sizeof(*v), 64);
		if (ret)
			goto out;
		ret = obj_kind_parse((const char *)sqlite3_column_text(s, 0),
				     &v[len].kind);
		if (!ret)
			ret = col_copy(s, 1, v[len].name, sizeof(v[len].name));
		if (ret) {
			set_msg(st, "experiment '%s': bad object record", name);
			goto out;
		}
		len++;
	}
	if (rc != SQLITE_DONE) {
		ret = db_fail(st, rc, "list objects");
		goto out;
	}
	*objs = v;
	*n = len;
	v = NULL;
out:
	free(v);
	sqlite3_finalize(s);
	return ret;
}

/* Fill *OUT with a copy of run ROW's columns id, experiment, kind, started,
 * ended, outcome (in that order in S). */
static void run_from_row(sqlite3_stmt *s, struct run_info *out)
{
	memset(out, 0, sizeof(*out));
	out->id = sqlite3_column_int64(s, 0);
	col_copy(s, 1, out->experiment, sizeof(out->experiment));
	col_copy(s, 2, out->kind, sizeof(out->kind));
	out->started = sqlite3_column_int64(s, 3);
	out->ended = sqlite3_column_int64(s, 4);
	col_copy(s, 5, out->outcome, sizeof(out->outcome));
}

int state_run_get(struct state *st, int64_t id, struct run_info *out)
{
	sqlite3_stmt *s = NULL;
	int ret;

	ret = db_prepare(st, "SELECT id, experiment, kind, started, ended,"
			     " outcome FROM runs WHERE id = ?1", &s);
	if (ret)
		goto out;
	sqlite3_bind_int64(s, 1, id);
	ret = step_one(st, s, "read run");
	if (ret == 0)
		run_from_row(s, out);
	else if (ret == -ENOENT)
		set_msg(st, "no run %lld", (long long)id);
out:
	sqlite3_finalize(s);
	return ret;
}

int state_run_latest(struct state *st, const char *name, const char *metric,
		     int64_t *id)
{
	sqlite3_stmt *s = NULL;
	int ret, rc;

	ret = db_prepare(st, "SELECT max(r.id) FROM runs r WHERE r.experiment = ?1"
			     " AND (?2 IS NULL OR EXISTS (SELECT 1 FROM results x"
			     "  WHERE x.run = r.id AND x.metric = ?2))", &s);
	if (ret)
		goto out;
	bind_text(s, 1, name);
	bind_text(s, 2, metric);
	rc = sqlite3_step(s);
	if (rc != SQLITE_ROW) {
		ret = db_fail(st, rc, "find run");
	} else if (sqlite3_column_type(s, 0) == SQLITE_NULL) {
		set_msg(st, "experiment '%s' has no such run", name);
		ret = -ENOENT;
	} else {
		*id = sqlite3_column_int64(s, 0);
	}
out:
	sqlite3_finalize(s);
	return ret;
}

int state_results(struct state *st, int64_t run, struct state_result **rows,
		  size_t *n)
{
	sqlite3_stmt *s = NULL;
	struct state_result *v = NULL;
	size_t len = 0, cap = 0;
	int ret, rc;

	*rows = NULL;
	*n = 0;
	ret = db_prepare(st, "SELECT metric, src, dst, value, unit FROM results"
			     " WHERE run = ?1 ORDER BY rowid", &s);
	if (ret)
		goto out;
	sqlite3_bind_int64(s, 1, run);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		ret = grow(st, &v, len, &cap, sizeof(*v), 256);
		if (ret)
			goto out;
		memset(&v[len], 0, sizeof(v[len]));
		col_copy(s, 0, v[len].metric, sizeof(v[len].metric));
		col_copy(s, 1, v[len].src, sizeof(v[len].src));
		col_copy(s, 2, v[len].dst, sizeof(v[len].dst));
		v[len].value = sqlite3_column_type(s, 3) == SQLITE_NULL ?
			       NAN : sqlite3_column_double(s, 3);
		col_copy(s, 4, v[len].unit, sizeof(v[len].unit));
		len++;
	}
	if (rc != SQLITE_DONE) {
		ret = db_fail(st, rc, "read results");
		goto out;
	}
	*rows = v;
	*n = len;
	v = NULL;
out:
	free(v);
	sqlite3_finalize(s);
	return ret;
}

/* The constraint columns of faults, in this order from FAULT_CON_COL. */
#define FAULT_CON_COLS "delay_us, jitter_us, distribution, correlation_pct," \
		       " loss_pct, loss_burst, rate_bps, queue"

/* Bind the fields C gives to parameters FIRST.. (FAULT_CON_COLS order);
 * the others stay NULL. */
static void bind_constraint(sqlite3_stmt *s, int first,
			    const struct constraint *c)
{
	if (c->set & CON_DELAY)
		sqlite3_bind_int64(s, first, (sqlite3_int64)c->delay_us);
	if (c->set & CON_JITTER)
		sqlite3_bind_int64(s, first + 1, (sqlite3_int64)c->jitter_us);
	if (c->set & CON_DIST)
		bind_text(s, first + 2, constraint_dist_name(c->dist));
	if (c->set & CON_CORR)
		sqlite3_bind_double(s, first + 3, c->corr_pct);
	if (c->set & CON_LOSS)
		sqlite3_bind_double(s, first + 4, c->loss_pct);
	if (c->set & CON_BURST)
		sqlite3_bind_double(s, first + 5, c->loss_burst);
	if (c->set & CON_RATE)
		sqlite3_bind_int64(s, first + 6, (sqlite3_int64)c->rate_bps);
	if (c->set & CON_QUEUE)
		sqlite3_bind_int64(s, first + 7, c->queue_pkts);
}

/* Read the FAULT_CON_COLS of S from column FIRST into C; hostile until
 * constraint_validate says otherwise. */
static int col_constraint(struct state *st, sqlite3_stmt *s, int first,
			  int64_t id, struct constraint *c)
{
	const char *dist;
	char *why = NULL;
	int d, ret;

	memset(c, 0, sizeof(*c));
	if (sqlite3_column_type(s, first) != SQLITE_NULL) {
		c->delay_us = (uint64_t)sqlite3_column_int64(s, first);
		c->set |= CON_DELAY;
	}
	if (sqlite3_column_type(s, first + 1) != SQLITE_NULL) {
		c->jitter_us = (uint64_t)sqlite3_column_int64(s, first + 1);
		c->set |= CON_JITTER;
	}
	dist = (const char *)sqlite3_column_text(s, first + 2);
	if (dist) {
		for (d = DIST_UNIFORM; d <= DIST_PARETONORMAL; d++)
			if (!strcmp(dist, constraint_dist_name(d)))
				break;
		c->dist = (enum jitter_dist)d;  /* out of range: invalid */
		c->set |= CON_DIST;
	}
	if (sqlite3_column_type(s, first + 3) != SQLITE_NULL) {
		c->corr_pct = sqlite3_column_double(s, first + 3);
		c->set |= CON_CORR;
	}
	if (sqlite3_column_type(s, first + 4) != SQLITE_NULL) {
		c->loss_pct = sqlite3_column_double(s, first + 4);
		c->set |= CON_LOSS;
	}
	if (sqlite3_column_type(s, first + 5) != SQLITE_NULL) {
		c->loss_burst = sqlite3_column_double(s, first + 5);
		c->set |= CON_BURST;
	}
	if (sqlite3_column_type(s, first + 6) != SQLITE_NULL) {
		c->rate_bps = (uint64_t)sqlite3_column_int64(s, first + 6);
		c->set |= CON_RATE;
	}
	if (sqlite3_column_type(s, first + 7) != SQLITE_NULL) {
		sqlite3_int64 q = sqlite3_column_int64(s, first + 7);

		c->queue_pkts = q > 0 && q <= UINT32_MAX ? (uint32_t)q : 0;
		c->set |= CON_QUEUE;
	}
	ret = constraint_validate(c, &why);
	if (ret == -EINVAL)
		set_msg(st, "fault %lld holds an invalid constraint: %s",
			(long long)id, why);
	else if (ret)
		set_msg(st, "%s", strerror(-ret));
	free(why);
	return ret == -EINVAL ? -EBADMSG : ret;
}

int state_fault_add(struct state *st, int64_t run, const char *name,
		    const struct state_fault_spec *f, double applied,
		    int64_t *id)
{
	sqlite3_stmt *s = NULL;
	bool in_tx = false;
	int64_t fid = 0;
	size_t side, i;
	int ret;

	ret = db_exec(st, "BEGIN IMMEDIATE");
	if (ret)
		goto out;
	in_tx = true;
	ret = db_prepare(st, "INSERT INTO faults (run, experiment, action, detail,"
			     " applied, structured, " FAULT_CON_COLS ")"
			     " VALUES (?1, ?2, ?3, ?4, ?5, 1,"
			     " ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)", &s);
	if (ret)
		goto out;
	if (run)
		sqlite3_bind_int64(s, 1, run);
	bind_text(s, 2, name);
	bind_text(s, 3, f->action);
	bind_text(s, 4, f->detail);
	sqlite3_bind_double(s, 5, applied);
	if (f->con)
		bind_constraint(s, 6, f->con);
	ret = db_step_done(st, s, "record fault");
	if (ret)
		goto out;
	fid = sqlite3_last_insert_rowid(st->db);
	sqlite3_finalize(s);
	ret = db_prepare(st, "INSERT OR IGNORE INTO fault_sites (fault, side, site)"
			     " VALUES (?1, ?2, ?3)", &s);
	for (side = 0; side < 2 && !ret; side++) {
		for (i = 0; i < f->n_sides[side] && !ret; i++) {
			sqlite3_bind_int64(s, 1, fid);
			sqlite3_bind_int(s, 2, (int)side);
			bind_text(s, 3, f->sides[side][i]);
			ret = db_step_done(st, s, "record fault sites");
		}
	}
	if (!ret)
		ret = db_exec(st, "COMMIT");
	if (!ret) {
		in_tx = false;
		if (id)
			*id = fid;
	}
out:
	sqlite3_finalize(s);
	if (in_tx)
		db_rollback(st);
	return ret;
}

int state_fault_end(struct state *st, int64_t id, double removed)
{
	sqlite3_stmt *s = NULL;
	int ret;

	ret = db_prepare(st, "UPDATE faults SET removed = ?2 WHERE id = ?1"
			     " AND removed IS NULL", &s);
	if (ret)
		goto out;
	sqlite3_bind_int64(s, 1, id);
	sqlite3_bind_double(s, 2, removed);
	ret = db_step_done(st, s, "end fault");
out:
	sqlite3_finalize(s);
	return ret;
}

int state_faults(struct state *st, const char *name, int64_t run,
		 bool active_only, struct state_fault **rows, size_t *n)
{
	sqlite3_stmt *s = NULL;
	struct state_fault *v = NULL;
	size_t len = 0, cap = 0;
	int ret, rc;

	*rows = NULL;
	*n = 0;
	ret = db_prepare(st, "SELECT id, action, detail, applied, removed, run,"
			     " structured, " FAULT_CON_COLS
			     " FROM faults WHERE experiment = ?1"
			     " AND (?2 = 0 OR run = ?2)"
			     " AND (?3 = 0 OR removed IS NULL) ORDER BY id", &s);
	if (ret)
		goto out;
	bind_text(s, 1, name);
	sqlite3_bind_int64(s, 2, run);
	sqlite3_bind_int(s, 3, active_only);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		ret = grow(st, &v, len, &cap, sizeof(*v), 16);
		if (ret)
			goto out;
		memset(&v[len], 0, sizeof(v[len]));
		v[len].id = sqlite3_column_int64(s, 0);
		col_copy(s, 1, v[len].action, sizeof(v[len].action));
		col_copy(s, 2, v[len].detail, sizeof(v[len].detail));
		v[len].applied = sqlite3_column_double(s, 3);
		v[len].removed = sqlite3_column_type(s, 4) == SQLITE_NULL ?
				 NAN : sqlite3_column_double(s, 4);
		v[len].run = sqlite3_column_int64(s, 5);
		v[len].structured = sqlite3_column_int(s, 6) != 0;
		if (v[len].structured) {
			ret = col_constraint(st, s, 7, v[len].id, &v[len].con);
			if (ret)
				goto out;
		}
		len++;
	}
	if (rc != SQLITE_DONE) {
		ret = db_fail(st, rc, "read faults");
		goto out;
	}
	*rows = v;
	*n = len;
	v = NULL;
out:
	free(v);
	sqlite3_finalize(s);
	return ret;
}

int state_fault_sites(struct state *st, int64_t id, char **sides[2],
		      size_t n[2])
{
	sqlite3_stmt *s = NULL;
	size_t cap[2] = { 0, 0 }, side;
	int ret, rc;

	sides[0] = sides[1] = NULL;
	n[0] = n[1] = 0;
	ret = db_prepare(st, "SELECT side, site FROM fault_sites WHERE fault = ?1"
			     " ORDER BY side, site", &s);
	if (ret)
		goto out;
	sqlite3_bind_int64(s, 1, id);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		side = sqlite3_column_int(s, 0) != 0;
		ret = grow(st, &sides[side], n[side] + 1, &cap[side],
			   sizeof(*sides[side]), 16);
		if (ret)
			goto out;
		ret = col_dup(s, 1, (const char **)&sides[side][n[side]]);
		sides[side][n[side] + 1] = NULL;
		if (ret) {
			set_msg(st, "%s", strerror(ENOMEM));
			goto out;
		}
		n[side]++;
	}
	if (rc != SQLITE_DONE)
		ret = db_fail(st, rc, "read fault sites");
out:
	sqlite3_finalize(s);
	if (ret) {
		state_free_names(sides[0]);
		state_free_names(sides[1]);
		sides[0] = sides[1] = NULL;
		n[0] = n[1] = 0;
	}
	return ret;
}

int state_facts(struct state *st, int64_t run, char ***keys, char ***values,
		size_t *n)
{
	sqlite3_stmt *s = NULL;
	char **k = NULL, **v = NULL, **nk, **nv;
	size_t len = 0, cap = 0;
	int ret, rc;

	*keys = *values = NULL;
	*n = 0;
	ret = db_prepare(st, "SELECT key, value FROM facts WHERE run = ?1"
			     " ORDER BY key", &s);
	if (ret)
		goto out;
	sqlite3_bind_int64(s, 1, run);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		const char *a = (const char *)sqlite3_column_text(s, 0);
		const char *b = (const char *)sqlite3_column_text(s, 1);

		if (len + 1 >= cap) {
			cap = cap ? 2 * cap : 16;
			nk = realloc(k, cap * sizeof(*k));
			if (nk)
				k = nk;
			nv = realloc(v, cap * sizeof(*v));
			if (nv)
				v = nv;
			if (!nk || !nv)
				goto nomem;
			k[len] = v[len] = NULL;
		}
		k[len] = strdup(a ? a : "");
		v[len] = strdup(b ? b : "");
		k[len + 1] = v[len + 1] = NULL;
		if (!k[len] || !v[len]) {
			len++;
			goto nomem;
		}
		len++;
	}
	if (rc != SQLITE_DONE) {
		ret = db_fail(st, rc, "read facts");
		goto out;
	}
	*keys = k;
	*values = v;
	*n = len;
	k = v = NULL;
	goto out;
nomem:
	set_msg(st, "%s", strerror(ENOMEM));
	ret = -ENOMEM;
out:
	state_free_names(k);
	state_free_names(v);
	sqlite3_finalize(s);
	return ret;
}

/* ---- service instances (schema v4) ---- */

int state_service_put(struct state *st, const char *name,
		      const struct service_row *r)
{
	sqlite3_stmt *s = NULL;
	int ret;

	ret = db_prepare(st, "INSERT OR REPLACE INTO services (experiment,"
			     " instance, service, stack, strategy, node, site,"
			     " address, pid, starttime, state, exit_status,"
			     " started, log_path, dir, seq) VALUES (?1, ?2, ?3,"
			     " ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14,"
			     " ?15, ?16)", &s);
	if (ret)
		goto out;
	bind_text(s, 1, name);
	bind_text(s, 2, r->instance);
	bind_text(s, 3, r->service);
	bind_text(s, 4, r->stack);
	bind_text(s, 5, r->strategy);
	bind_text(s, 6, r->node);
	bind_text(s, 7, r->site);
	bind_text(s, 8, r->address);
	sqlite3_bind_int(s, 9, r->pid);
	sqlite3_bind_int64(s, 10, (int64_t)r->starttime);
	bind_text(s, 11, r->state);
	if (r->has_exit)
		sqlite3_bind_int(s, 12, r->exit_status);
	sqlite3_bind_double(s, 13, r->started);
	bind_text(s, 14, r->log_path);
	bind_text(s, 15, r->dir);
	sqlite3_bind_int64(s, 16, r->seq);
	ret = db_step_done(st, s, "record service");
	if (ret == -ENOENT)
		set_msg(st, "no experiment '%s'", name);
out:
	sqlite3_finalize(s);
	return ret;
}

int state_service_set(struct state *st, const char *name,
		      const char *instance, int pid,
		      unsigned long long starttime, const char *state,
		      bool has_exit, int exit_status)
{
	sqlite3_stmt *s = NULL;
	int ret;

	ret = db_prepare(st, "UPDATE services SET pid = ?3, starttime = ?4,"
			     " state = ?5, exit_status = ?6, started ="
			     " CASE WHEN ?5 = 'starting' THEN ?7 ELSE started END"
			     " WHERE experiment = ?1 AND instance = ?2", &s);
	if (ret)
		goto out;
	bind_text(s, 1, name);
	bind_text(s, 2, instance);
	sqlite3_bind_int(s, 3, pid);
	sqlite3_bind_int64(s, 4, (int64_t)starttime);
	bind_text(s, 5, state);
	if (has_exit)
		sqlite3_bind_int(s, 6, exit_status);
	sqlite3_bind_double(s, 7, (double)time(NULL));
	ret = db_step_done(st, s, "update service");
	if (!ret && sqlite3_changes(st->db) == 0) {
		set_msg(st, "no service instance '%s' in '%s'", instance, name);
		ret = -ENOENT;
	}
out:
	sqlite3_finalize(s);
	return ret;
}

int state_services(struct state *st, const char *name,
		   struct service_row **rows, size_t *n)
{
	sqlite3_stmt *s = NULL;
	size_t cap = 0;
	int ret, rc;

	*rows = NULL;
	*n = 0;
	ret = db_prepare(st, "SELECT instance, service, stack, strategy, node,"
			     " site, address, pid, starttime, state, exit_status,"
			     " started, log_path, dir, seq FROM services"
			     " WHERE experiment = ?1 ORDER BY seq", &s);
	if (ret)
		goto out;
	bind_text(s, 1, name);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct service_row *r;

		ret = grow(st, rows, *n, &cap, sizeof(**rows), 8);
		if (ret)
			goto out;
		r = &(*rows)[(*n)++];
		memset(r, 0, sizeof(*r));
		if (col_copy(s, 0, r->instance, sizeof(r->instance)) ||
		    col_copy(s, 1, r->service, sizeof(r->service)) ||
		    col_copy(s, 2, r->stack, sizeof(r->stack)) ||
		    col_copy(s, 3, r->strategy, sizeof(r->strategy)) ||
		    col_copy(s, 4, r->node, sizeof(r->node)) ||
		    col_copy(s, 5, r->site, sizeof(r->site)) ||
		    col_copy(s, 6, r->address, sizeof(r->address)) ||
		    col_copy(s, 9, r->state, sizeof(r->state)) ||
		    col_copy(s, 12, r->log_path, sizeof(r->log_path)) ||
		    col_copy(s, 13, r->dir, sizeof(r->dir))) {
			set_msg(st, "a service of '%s' does not fit", name);
			ret = -EBADMSG;
			goto out;
		}
		r->pid = sqlite3_column_int(s, 7);
		r->starttime = (unsigned long long)sqlite3_column_int64(s, 8);
		r->has_exit = sqlite3_column_type(s, 10) != SQLITE_NULL;
		r->exit_status = sqlite3_column_int(s, 10);
		r->started = sqlite3_column_double(s, 11);
		r->seq = sqlite3_column_int64(s, 14);
	}
	if (rc != SQLITE_DONE)
		ret = db_fail(st, rc, "read services");
out:
	sqlite3_finalize(s);
	if (ret) {
		free(*rows);
		*rows = NULL;
		*n = 0;
	}
	return ret;
}

int state_services_forget(struct state *st, const char *name)
{
	sqlite3_stmt *s = NULL;
	int ret;

	ret = db_prepare(st, "DELETE FROM services WHERE experiment = ?1", &s);
	if (ret)
		goto out;
	bind_text(s, 1, name);
	ret = db_step_done(st, s, "forget services");
out:
	sqlite3_finalize(s);
	return ret;
}
