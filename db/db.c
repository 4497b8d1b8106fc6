/* db: opening the SQLite file (directory, permissions, WAL, busy timeout, read-only
 * fallback), the schema and its forward migrations, transactions, and the translation of
 * SQLite failures into messages that say what to do. */
#include "db/internal.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Forward migrations: migrations[i] takes the schema from version i to i + 1. Each runs in
 * its own BEGIN IMMEDIATE transaction together with the user_version bump, so a crash
 * leaves the database at one version or the next, never in between. Never edit a shipped
 * entry; append a new one and bump DB_SCHEMA_VERSION. */
static const char *const migrations[] = {
	/* 1: the pending checklist and its journal. */
	"CREATE TABLE meta(\n"
	"	key TEXT PRIMARY KEY,\n"
	"	value TEXT NOT NULL\n"
	");\n"
	"CREATE TABLE items(\n"
	"	id INTEGER PRIMARY KEY,\n"
	"	title TEXT NOT NULL,\n"
	"	state TEXT NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'done')),\n"
	"	created_at INTEGER NOT NULL,\n"
	"	created_by TEXT NOT NULL,\n"
	"	created_from TEXT,\n"
	"	done_at INTEGER,\n"
	"	done_by TEXT,\n"
	"	done_from TEXT,\n"
	"	position INTEGER NOT NULL,\n"
	"	source TEXT NOT NULL DEFAULT 'cli'\n"
	");\n"
	"CREATE UNIQUE INDEX items_title ON items(title);\n"
	"CREATE TABLE item_links(\n"
	"	item_id INTEGER NOT NULL REFERENCES items(id) ON DELETE CASCADE,\n"
	"	check_id TEXT NOT NULL,\n"
	"	PRIMARY KEY (item_id, check_id)\n"
	");\n"
	"CREATE TABLE item_events(\n"
	"	id INTEGER PRIMARY KEY,\n"
	"	item_id INTEGER NOT NULL REFERENCES items(id) ON DELETE CASCADE,\n"
	"	at INTEGER NOT NULL,\n"
	"	who TEXT NOT NULL,\n"
	"	origin TEXT,\n"
	"	action TEXT NOT NULL CHECK (action IN ('add', 'done', 'reopen', 'note', 'import', 'override')),\n"
	"	note TEXT\n"
	");\n"
	"CREATE INDEX item_events_item ON item_events(item_id, id);\n",

	/* 2: history, the last value per key and the last status per check and target. */
	"CREATE TABLE history(\n"
	"	id INTEGER PRIMARY KEY,\n"
	"	at INTEGER NOT NULL,\n"
	"	kind TEXT NOT NULL,\n"
	"	target TEXT NOT NULL,\n"
	"	from_value TEXT,\n"
	"	to_value TEXT,\n"
	"	detail TEXT\n"
	");\n"
	"CREATE INDEX history_at ON history(at);\n"
	"CREATE TABLE last_state(\n"
	"	kind TEXT NOT NULL,\n"
	"	target TEXT NOT NULL,\n"
	"	value TEXT,\n"
	"	at INTEGER NOT NULL,\n"
	"	PRIMARY KEY (kind, target)\n"
	");\n"
	"CREATE TABLE check_state(\n"
	"	check_id TEXT NOT NULL,\n"
	"	target TEXT NOT NULL,\n"
	"	status TEXT NOT NULL CHECK (status IN ('ok', 'warning', 'critical', 'unknown')),\n"
	"	summary TEXT,\n"
	"	since INTEGER NOT NULL,\n"
	"	at INTEGER NOT NULL,\n"
	"	PRIMARY KEY (check_id, target)\n"
	");\n",

	/* 3: the onboarding walkthrough: every change of a step's state, and when a domain
	 * started and finished onboarding. */
	"CREATE TABLE onboard_step(\n"
	"	id INTEGER PRIMARY KEY,\n"
	"	domain TEXT NOT NULL,\n"
	"	step TEXT NOT NULL,\n"
	"	state TEXT NOT NULL CHECK (state IN ('todo', 'done', 'skipped', 'pending', 'failed', 'needs-rw', "
	"'declined')),\n"
	"	at INTEGER NOT NULL,\n"
	"	who TEXT NOT NULL,\n"
	"	detail TEXT,\n"
	"	written TEXT\n"
	");\n"
	"CREATE INDEX onboard_step_domain ON onboard_step(domain, step, id);\n"
	"CREATE TABLE onboard_domain(\n"
	"	domain TEXT PRIMARY KEY,\n"
	"	started_at INTEGER NOT NULL,\n"
	"	onboarded_at INTEGER\n"
	");\n",

	/* 4: MailCow API keys that MailCow refused, by a hash of key and URL (never the key),
	 * and when each may be tried again: shared by every process so none gets the host
	 * banned by MailCow's netfilter. */
	"CREATE TABLE api_key_state(\n"
	"	key_hash TEXT PRIMARY KEY,\n"
	"	problem TEXT NOT NULL CHECK (problem IN ('invalid', 'ip-denied')),\n"
	"	http_status INTEGER NOT NULL,\n"
	"	failures INTEGER NOT NULL,\n"
	"	since INTEGER NOT NULL,\n"
	"	next_try INTEGER NOT NULL,\n"
	"	at INTEGER NOT NULL\n"
	");\n",

	/* 5: the catch-all target onboarding was given, so that a rerun does not ask again. */
	"ALTER TABLE onboard_domain ADD COLUMN catchall_to TEXT;\n",

	/* 6: the console's first screen, the last complete collect (one row, replaced) */
	"CREATE TABLE screen(\n"
	"	id INTEGER PRIMARY KEY CHECK (id = 1),\n"
	"	at INTEGER NOT NULL,\n"
	"	data TEXT NOT NULL\n"
	");\n",
};

_Static_assert(ARRAY_SIZE(migrations) == DB_SCHEMA_VERSION, "one migration per schema version");

/* ---- Errors ---- */

int db_set_error(struct db *db, enum db_status status, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	db->err.status = status;
	vsnprintf(db->err.msg, sizeof(db->err.msg), fmt, ap);
	va_end(ap);
	for (char *p = db->err.msg; *p; p++)    /* one line, whatever SQLite said */
		if (*p == '\n' || *p == '\r')
			*p = ' ';
	return status;
}

static enum db_status classify(int rc, int sys_errno)
{
	switch (rc & 0xff) {
	case SQLITE_OK:
		return DB_OK;
	case SQLITE_READONLY:
	case SQLITE_PERM:
	case SQLITE_AUTH:
		return DB_ERR_READONLY;
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return DB_ERR_BUSY;
	case SQLITE_FULL:
		return DB_ERR_FULL;
	case SQLITE_CORRUPT:
	case SQLITE_NOTADB:
		return DB_ERR_CORRUPT;
	case SQLITE_IOERR:
		if (sys_errno == ENOSPC || sys_errno == EDQUOT || sys_errno == EFBIG)
			return DB_ERR_FULL;
		if (sys_errno == EROFS || sys_errno == EACCES || sys_errno == EPERM)
			return DB_ERR_READONLY;
		return DB_ERR_OTHER;
	case SQLITE_CANTOPEN:
		if (sys_errno == EROFS || sys_errno == EACCES || sys_errno == EPERM)
			return DB_ERR_READONLY;
		return DB_ERR_OPEN;
	default:
		return DB_ERR_OTHER;
	}
}

static int fill_error(struct db *db, enum db_status st, const char *why, const char *doing)
{
	const char *p = db->path;
	switch (st) {
	case DB_OK:
		return DB_OK;
	case DB_ERR_READONLY:
		return db_set_error(db, st, "database %s cannot be written (%s%s%s): run mcon as a user who may write "
				    "the file and its directory (e.g. with sudo), or pick another file with --db",
				    p, doing, *doing ? ": " : "", why);
	case DB_ERR_BUSY:
		return db_set_error(db, st, "database %s is locked by another process (waited %d ms while %s): "
				    "nothing was changed; try again, and if it persists see who holds it with fuser %s",
				    p, db->busy_ms, doing, p);
	case DB_ERR_FULL:
		return db_set_error(db, st, "disk full writing database %s (%s): nothing was changed; free space "
				    "on its filesystem and try again", p, doing);
	case DB_ERR_CORRUPT:
		return db_set_error(db, st, "database %s is corrupt or not an mcon database (%s): mcon leaves it "
				    "untouched; move it aside and restore a backup (sqlite3 %s .recover may save "
				    "its data)",
				    p, why, p);
	case DB_ERR_OPEN:
		return db_set_error(db, st, "cannot open database %s (%s): check the path and the permissions "
				    "of its directory", p, why);
	default:
		return db_set_error(db, st, "database %s: %s%s%s", p, doing, *doing ? ": " : "", why);
	}
}

int db_fail(struct db *db, int rc, const char *doing)
{
	int sys = db->h ? sqlite3_system_errno(db->h) : 0;
	const char *why = db->h ? sqlite3_errmsg(db->h) : sqlite3_errstr(rc);
	if ((rc & 0xff) == SQLITE_CANTOPEN && sys)
		why = strerror(sys);
	char whybuf[256];
	snprintf(whybuf, sizeof(whybuf), "%s", why);
	return fill_error(db, classify(rc, sys), whybuf, doing ? doing : "");
}

int db_need_write(struct db *db)
{
	if (!db->readonly)
		return DB_OK;
	return fill_error(db, DB_ERR_READONLY, "opened read-only", "writing");
}

const struct db_error *db_error(const struct db *db)
{
	return &db->err;
}

const char *db_errmsg(const struct db *db)
{
	return db->err.msg;
}

const char *db_path(const struct db *db)
{
	return db->path;
}

bool db_is_readonly(const struct db *db)
{
	return db->readonly;
}

/* ---- Statements ---- */

int db_exec(struct db *db, const char *sql)
{
	int rc = sqlite3_exec(db->h, sql, NULL, NULL, NULL);
	return rc == SQLITE_OK ? DB_OK : db_fail(db, rc, "executing SQL");
}

sqlite3_stmt *db_prep(struct db *db, const char *sql)
{
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(db->h, sql, -1, &st, NULL);
	if (rc != SQLITE_OK) {
		db_fail(db, rc, "preparing a query");
		sqlite3_finalize(st);
		return NULL;
	}
	return st;
}

int db_step_done(struct db *db, sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);
	int ret = rc == SQLITE_DONE || rc == SQLITE_ROW ? DB_OK : db_fail(db, rc, "writing");
	sqlite3_finalize(st);
	return ret;
}

void db_bind_str(sqlite3_stmt *st, int i, const char *s)
{
	if (s)
		sqlite3_bind_text(st, i, s, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(st, i);
}

char *db_col_str(sqlite3_stmt *st, int i)
{
	const unsigned char *s = sqlite3_column_text(st, i);
	return s ? xstrdup((const char *)s) : NULL;
}

/* ---- Transactions ---- */

int db_tx_begin(struct db *db)
{
	int st = db_need_write(db);
	if (st)
		return st;
	if (db->tx_depth++ > 0)
		return DB_OK;
	db->tx_failed = false;
	int rc = sqlite3_exec(db->h, "BEGIN IMMEDIATE", NULL, NULL, NULL);
	if (rc != SQLITE_OK) {
		db->tx_depth = 0;
		return db_fail(db, rc, "starting a write");
	}
	return DB_OK;
}

int db_tx_end(struct db *db, int status)
{
	if (db->tx_depth <= 0)
		return status;
	if (status != DB_OK)
		db->tx_failed = true;
	if (--db->tx_depth > 0)
		return status;
	if (db->tx_failed) {
		/* SQLite may already have rolled back (SQLITE_FULL, some I/O errors). */
		if (!sqlite3_get_autocommit(db->h))
			sqlite3_exec(db->h, "ROLLBACK", NULL, NULL, NULL);
		return status != DB_OK ? status : db->err.status != DB_OK ? (int)db->err.status : DB_ERR_OTHER;
	}
	int rc = sqlite3_exec(db->h, "COMMIT", NULL, NULL, NULL);
	if (rc != SQLITE_OK) {
		int ret = db_fail(db, rc, "committing");
		if (!sqlite3_get_autocommit(db->h))
			sqlite3_exec(db->h, "ROLLBACK", NULL, NULL, NULL);
		return ret;
	}
	return DB_OK;
}

int db_begin(struct db *db)
{
	return db_tx_begin(db);
}

int db_commit(struct db *db)
{
	return db_tx_end(db, DB_OK);
}

void db_rollback(struct db *db)
{
	if (db->tx_depth > 0) {
		db->tx_depth = 1;
		db_tx_end(db, db->err.status != DB_OK ? db->err.status : DB_ERR_OTHER);
	}
}

/* ---- Meta ---- */

int db_meta_get(struct db *db, const char *key, char **value)
{
	*value = NULL;
	sqlite3_stmt *st = db_prep(db, "SELECT value FROM meta WHERE key = ?");
	if (!st)
		return db->err.status;
	db_bind_str(st, 1, key);
	int rc = sqlite3_step(st);
	int ret = DB_OK;
	if (rc == SQLITE_ROW)
		*value = db_col_str(st, 0);
	else if (rc != SQLITE_DONE)
		ret = db_fail(db, rc, "reading");
	sqlite3_finalize(st);
	return ret;
}

int db_meta_put(struct db *db, const char *key, const char *value)
{
	sqlite3_stmt *st = db_prep(db, "INSERT INTO meta(key, value) VALUES (?, ?) "
				       "ON CONFLICT(key) DO UPDATE SET value = excluded.value");
	if (!st)
		return db->err.status;
	db_bind_str(st, 1, key);
	db_bind_str(st, 2, value);
	return db_step_done(db, st);
}

/* ---- Opening ---- */

int db_schema_version(struct db *db)
{
	sqlite3_stmt *st = db_prep(db, "PRAGMA user_version");
	if (!st)
		return -1;
	int rc = sqlite3_step(st);
	int v = rc == SQLITE_ROW ? sqlite3_column_int(st, 0) : -1;
	if (rc != SQLITE_ROW)
		db_fail(db, rc, "reading the schema version");
	sqlite3_finalize(st);
	return v;
}

void db_set_busy_timeout(struct db *db, int ms)
{
	db->busy_ms = ms < 0 ? 0 : ms;
	sqlite3_busy_timeout(db->h, db->busy_ms);
}

void db_set_max_pages(struct db *db, long pages)
{
	char *sql = xasprintf("PRAGMA max_page_count = %ld", pages);
	sqlite3_exec(db->h, sql, NULL, NULL, NULL);
	free(sql);
}

static int migrate(struct db *db, int target)
{
	for (;;) {
		int v = db_schema_version(db);
		if (v < 0)
			return db->err.status;
		if (v >= target)
			return DB_OK;
		int st = db_tx_begin(db);
		if (st)
			return st;
		/* Another process may have migrated while we waited for the lock. */
		v = db_schema_version(db);
		if (v < 0)
			return db_tx_end(db, db->err.status);
		if (v >= target)
			return db_tx_end(db, DB_OK);
		int rc = sqlite3_exec(db->h, migrations[v], NULL, NULL, NULL);
		if (rc != SQLITE_OK) {
			char doing[64];
			snprintf(doing, sizeof(doing), "upgrading the schema to version %d", v + 1);
			return db_tx_end(db, db_fail(db, rc, doing));
		}
		char *bump = xasprintf("PRAGMA user_version = %d", v + 1);
		st = db_exec(db, bump);
		free(bump);
		st = db_tx_end(db, st);
		if (st)
			return st;
	}
}

/* "file:" URI for a path, escaping what URIs reserve. */
static char *path_uri(const char *path, const char *query)
{
	struct buf b = {0};
	buf_puts(&b, "file:");
	for (const char *p = path; *p; p++) {
		if (*p == '%' || *p == '?' || *p == '#')
			buf_printf(&b, "%%%02X", (unsigned char)*p);
		else
			buf_putc(&b, *p);
	}
	buf_printf(&b, "?%s", query);
	return buf_steal(&b);
}

static bool wal_empty(const char *path)
{
	char *wal = xasprintf("%s-wal", path);
	struct stat st;
	bool empty = stat(wal, &st) != 0 || st.st_size == 0;
	free(wal);
	return empty;
}

static bool journal_present(const char *path)
{
	char *j = xasprintf("%s-journal", path);
	bool there = access(j, F_OK) == 0;
	free(j);
	return there;
}

static int open_handle(struct db *db, const char *name, int flags)
{
	if (db->h) {
		sqlite3_close_v2(db->h);
		db->h = NULL;
	}
	int rc = sqlite3_open_v2(name, &db->h, flags, NULL);
	if (rc != SQLITE_OK)
		return db_fail(db, rc, "opening");
	sqlite3_extended_result_codes(db->h, 1);
	db_set_busy_timeout(db, db->busy_ms);
	return DB_OK;
}

/* Read-only open. A WAL database needs its -shm file; in a directory the reader may not
 * write, and with no -wal content left (the last writer checkpointed on close), the file
 * alone is the whole database, so it is opened immutable. */
static int open_readonly(struct db *db)
{
	db->readonly = true;
	if (access(db->path, R_OK) != 0)
		return db_set_error(db, DB_ERR_OPEN,
				    "cannot read database %s (%s): run mcon as a user who may "
				    "read it (e.g. with sudo), or pick another file with --db",
				    db->path, strerror(errno));
	int st = open_handle(db, db->path, SQLITE_OPEN_READONLY);
	if (st)
		return st;
	if (db_schema_version(db) >= 0)
		return DB_OK;
	int code = sqlite3_extended_errcode(db->h) & 0xff;
	if ((code == SQLITE_READONLY || code == SQLITE_CANTOPEN) && wal_empty(db->path)) {
		char *uri = path_uri(db->path, "immutable=1");
		st = open_handle(db, uri, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI);
		free(uri);
		if (st)
			return st;
		if (db_schema_version(db) >= 0)
			return DB_OK;
	}
	/* Read without a lock, a file that a writer is changing (a journal or WAL beside it) may
	 * look corrupt: that is a busy database, not one to move aside. */
	if (db->err.status == DB_ERR_CORRUPT && (!wal_empty(db->path) || journal_present(db->path)))
		return db_set_error(db, DB_ERR_BUSY, "database %s is being written by another process, and this user "
				    "cannot lock it (no write access to its directory): nothing was changed; try again",
				    db->path);
	return db->err.status;
}

/* Creates the directory (0700) and the file (0600) when missing, so the journal and the
 * history are not world-readable. SQLite gives -wal and -shm the mode of the file. */
static int prepare_file(struct db *db)
{
	struct stat st;
	if (stat(db->path, &st) == 0)
		return S_ISREG(st.st_mode) ? DB_OK
			: db_set_error(db, DB_ERR_OPEN, "database %s is not a regular file: pass a file with --db "
							"or set state.db", db->path);
	char *copy = xstrdup(db->path);
	char *dir = dirname(copy);
	if (stat(dir, &st) != 0 && mkdir_p(dir, 0700) < 0) {
		int e = errno;
		int ret = fill_error(db, e == EACCES || e == EROFS || e == EPERM ? DB_ERR_READONLY : DB_ERR_OPEN,
				     strerror(e), "creating its directory");
		free(copy);
		return ret;
	}
	free(copy);
	int fd = open(db->path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0 && errno != EEXIST) {
		int e = errno;
		return fill_error(db, e == EACCES || e == EROFS || e == EPERM ? DB_ERR_READONLY : DB_ERR_OPEN,
				  strerror(e), "creating it");
	}
	if (fd >= 0)
		close(fd);
	return DB_OK;
}

static int configure_rw(struct db *db)
{
	int st = db_exec(db, "PRAGMA foreign_keys = ON");
	if (st)
		return st;
	/* Reading the journal mode reads the header: a file that is no database fails here. */
	sqlite3_stmt *q = db_prep(db, "PRAGMA journal_mode");
	if (!q)
		return db->err.status;
	int rc = sqlite3_step(q);
	bool wal = rc == SQLITE_ROW && strcmp((const char *)sqlite3_column_text(q, 0), "wal") == 0;
	sqlite3_finalize(q);
	if (rc != SQLITE_ROW)
		return db_fail(db, rc, "reading the journal mode");
	if (!wal) {
		q = db_prep(db, "PRAGMA journal_mode = WAL");
		if (!q)
			return db->err.status;
		rc = sqlite3_step(q);
		sqlite3_finalize(q);
		if (rc != SQLITE_ROW)
			return db_fail(db, rc, "switching to WAL");
	}
	/* FULL: a commit is on disk when COMMIT returns, even across a power cut. */
	return db_exec(db, "PRAGMA synchronous = FULL");
}

struct db *db_open_version(const char *path, unsigned flags, int max_version, struct db_error *err)
{
	struct db *db = xcalloc(1, sizeof(*db));
	db->path = xstrdup(path && *path ? path : "");
	db->busy_ms = DB_BUSY_TIMEOUT_MS;
	const char *env = getenv("MCON_DB_TIMEOUT_MS");
	if (env && *env) {
		char *end;
		long ms = strtol(env, &end, 10);
		if (*end == '\0' && ms >= 0 && ms <= 3600000)
			db->busy_ms = (int)ms;
	}
	if (max_version > DB_SCHEMA_VERSION || max_version < 0)
		max_version = DB_SCHEMA_VERSION;
	int st = DB_OK;

	if (!*db->path) {
		st = db_set_error(db, DB_ERR_OPEN, "no database path: set state.db or pass --db FILE");
	} else if (flags & DB_OPEN_READONLY) {
		if (access(db->path, F_OK) != 0)
			st = db_set_error(db, DB_ERR_OPEN, "database %s does not exist yet: any mcon tasks command run "
					  "by a user who may write there creates it", db->path);
		else
			st = open_readonly(db);
	} else {
		st = prepare_file(db);
		if (st == DB_ERR_READONLY && (flags & DB_OPEN_FALLBACK_RO) && access(db->path, F_OK) == 0)
			st = open_readonly(db);
		else if (st == DB_OK)
			st = open_handle(db, db->path, SQLITE_OPEN_READWRITE);
		if (st == DB_OK && !db->readonly && sqlite3_db_readonly(db->h, "main") == 1) {
			/* SQLite quietly opened a file we may not write read-only. */
			if (flags & DB_OPEN_FALLBACK_RO)
				st = open_readonly(db);
			else
				st = fill_error(db, DB_ERR_READONLY, "no write permission", "opening");
		}
		if (st == DB_OK && !db->readonly)
			st = configure_rw(db);
		if (st == DB_ERR_READONLY && !db->readonly && (flags & DB_OPEN_FALLBACK_RO))
			st = open_readonly(db);
	}

	if (st == DB_OK) {
		int v = db_schema_version(db);
		if (v < 0)
			st = db->err.status;
		else if (v > DB_SCHEMA_VERSION)
			st = db_set_error(db, DB_ERR_VERSION, "database %s has schema version %d, newer than this mcon "
					  "knows (%d): upgrade mcon, or use an older database with --db", db->path, v,
					  DB_SCHEMA_VERSION);
		else if (v < max_version && db->readonly)
			st = db_set_error(db, DB_ERR_VERSION, "database %s has schema version %d and needs "
							      "upgrading to %d, "
					  "which needs write access: run any mcon tasks command as a user who may "
					  "write it",
					  db->path, v, max_version);
		else if (v < max_version)
			st = migrate(db, max_version);
	}
	if (st != DB_OK) {
		if (err)
			*err = db->err;
		db_close(db);
		return NULL;
	}
	return db;
}

struct db *db_open(const char *path, unsigned flags, struct db_error *err)
{
	return db_open_version(path, flags, DB_SCHEMA_VERSION, err);
}

void db_close(struct db *db)
{
	if (!db)
		return;
	if (db->tx_depth > 0 && db->h && !sqlite3_get_autocommit(db->h))
		sqlite3_exec(db->h, "ROLLBACK", NULL, NULL, NULL);
	if (db->h)
		sqlite3_close_v2(db->h);
	free(db->path);
	free(db);
}

int db_integrity_check(struct db *db)
{
	sqlite3_stmt *st = db_prep(db, "PRAGMA integrity_check");
	if (!st)
		return db->err.status;
	int rc = sqlite3_step(st);
	int ret = DB_OK;
	if (rc == SQLITE_ROW) {
		const char *r = (const char *)sqlite3_column_text(st, 0);
		if (!r || strcmp(r, "ok") != 0)
			ret = fill_error(db, DB_ERR_CORRUPT, r ? r : "integrity_check failed", "checking");
	} else {
		ret = db_fail(db, rc, "checking integrity");
	}
	sqlite3_finalize(st);
	return ret;
}
