/* db/onboard: the onboarding tables and their queries (see onboard.h). Every change of
 * a step's state is a new row; the current state is the latest row per step. */
#include "db/onboard.h"

#include <errno.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>

static const char schema[] =
	"CREATE TABLE IF NOT EXISTS onboard_step (\n"
	"  id      INTEGER PRIMARY KEY AUTOINCREMENT,\n"
	"  domain  TEXT NOT NULL,\n"
	"  step    TEXT NOT NULL,\n"
	"  state   TEXT NOT NULL,\n"
	"  who     TEXT NOT NULL,\n"
	"  at      TEXT NOT NULL,\n"      /* RFC 3339 UTC */
	"  detail  TEXT,\n"
	"  written TEXT\n"
	");\n"
	"CREATE INDEX IF NOT EXISTS onboard_step_domain ON onboard_step(domain, step, id);\n"
	"CREATE TABLE IF NOT EXISTS onboard_domain (\n"
	"  domain       TEXT PRIMARY KEY,\n"
	"  started_at   TEXT NOT NULL,\n"
	"  onboarded_at TEXT\n"
	");\n";

static int fail(sqlite3 *db, char **err, const char *what)
{
	*err = xasprintf("%s: %s", what, db ? sqlite3_errmsg(db) : "no database");
	return -1;
}

int db_onboard_migrate(sqlite3 *db, char **err)
{
	char *msg = NULL;
	if (sqlite3_exec(db, schema, NULL, NULL, &msg) != SQLITE_OK) {
		*err = xasprintf("creating the onboarding tables: %s", msg ? msg : "?");
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

sqlite3 *db_onboard_open(const char *path, char **err)
{
	char *dir = xstrdup(path);
	char *d = dirname(dir);
	if (strcmp(d, ".") != 0 && mkdir_p(d, 0700) < 0) {
		*err = xasprintf("cannot create %s: %s", d, strerror(errno));
		free(dir);
		return NULL;
	}
	free(dir);
	sqlite3 *db = NULL;
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) != SQLITE_OK) {
		*err = xasprintf("cannot open the database %s: %s", path, db ? sqlite3_errmsg(db) : "out of memory");
		sqlite3_close(db);
		return NULL;
	}
	sqlite3_busy_timeout(db, 5000);
	sqlite3_exec(db, "PRAGMA journal_mode=WAL", NULL, NULL, NULL);
	if (db_onboard_migrate(db, err) < 0) {
		sqlite3_close(db);
		return NULL;
	}
	return db;
}

int db_onboard_save(sqlite3 *db, const struct onboard_outcome *o, char **err)
{
	char at[32];
	time_rfc3339(o->at, at);
	sqlite3_stmt *st = NULL;
	if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
		return fail(db, err, "saving an onboarding step");
	if (sqlite3_prepare_v2(db, "INSERT OR IGNORE INTO onboard_domain(domain, started_at) VALUES (?1, ?2)", -1, &st, NULL) != SQLITE_OK)
		goto bad;
	sqlite3_bind_text(st, 1, o->domain, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, at, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE)
		goto bad;
	sqlite3_finalize(st);
	if (sqlite3_prepare_v2(db, "INSERT INTO onboard_step(domain, step, state, who, at, detail, written) "
	                           "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)", -1, &st, NULL) != SQLITE_OK)
		goto bad;
	sqlite3_bind_text(st, 1, o->domain, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, o->step, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, onboard_state_name(o->state), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, o->who ? o->who : "?", -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, at, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, o->detail, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 7, o->written, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE)
		goto bad;
	sqlite3_finalize(st);
	if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
		goto bad;
	return 0;
bad:
	fail(db, err, "saving an onboarding step");
	sqlite3_finalize(st);
	sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	return -1;
}

int db_onboard_mark_onboarded(sqlite3 *db, const char *domain, time_t at, char **err)
{
	char t[32];
	time_rfc3339(at, t);
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(db, "INSERT INTO onboard_domain(domain, started_at, onboarded_at) VALUES (?1, ?2, ?2) "
	                           "ON CONFLICT(domain) DO UPDATE SET onboarded_at = ?2", -1, &st, NULL) != SQLITE_OK)
		return fail(db, err, "recording the domain as onboarded");
	sqlite3_bind_text(st, 1, domain, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, t, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return fail(db, err, "recording the domain as onboarded");
	return 0;
}

static char *col(sqlite3_stmt *st, int i)
{
	const unsigned char *s = sqlite3_column_text(st, i);
	return s ? xstrdup((const char *)s) : NULL;
}

static int load(sqlite3 *db, const char *sql, const char *domain, struct onboard_outcome **out, size_t *n, char **err)
{
	*out = NULL;
	*n = 0;
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return fail(db, err, "reading the onboarding steps");
	sqlite3_bind_text(st, 1, domain, -1, SQLITE_STATIC);
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		*out = xrealloc(*out, (*n + 1) * sizeof(**out));
		struct onboard_outcome *o = &(*out)[(*n)++];
		memset(o, 0, sizeof(*o));
		o->domain = col(st, 0);
		o->step = col(st, 1);
		int s = onboard_state_parse((const char *)sqlite3_column_text(st, 2));
		o->state = s < 0 ? OB_TODO : (enum onboard_state)s;
		o->who = col(st, 3);
		const char *at = (const char *)sqlite3_column_text(st, 4);
		o->at = at ? time_parse_rfc3339(at) : 0;
		o->detail = col(st, 5);
		o->written = col(st, 6);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		db_onboard_outcomes_free(*out, *n);
		*out = NULL;
		*n = 0;
		return fail(db, err, "reading the onboarding steps");
	}
	return 0;
}

int db_onboard_load(sqlite3 *db, const char *domain, struct onboard_outcome **out, size_t *n, char **err)
{
	return load(db, "SELECT domain, step, state, who, at, detail, written FROM onboard_step "
	                "WHERE id IN (SELECT MAX(id) FROM onboard_step WHERE domain = ?1 GROUP BY step) ORDER BY id",
	            domain, out, n, err);
}

int db_onboard_history(sqlite3 *db, const char *domain, struct onboard_outcome **out, size_t *n, char **err)
{
	return load(db, "SELECT domain, step, state, who, at, detail, written FROM onboard_step "
	                "WHERE domain = ?1 ORDER BY id", domain, out, n, err);
}

time_t db_onboard_done_at(sqlite3 *db, const char *domain)
{
	sqlite3_stmt *st = NULL;
	time_t t = 0;
	if (sqlite3_prepare_v2(db, "SELECT onboarded_at FROM onboard_domain WHERE domain = ?1", -1, &st, NULL) != SQLITE_OK)
		return 0;
	sqlite3_bind_text(st, 1, domain, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
		t = time_parse_rfc3339((const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	return t == (time_t)-1 ? 0 : t;
}

void db_onboard_outcomes_free(struct onboard_outcome *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		onboard_outcome_free(&v[i]);
	free(v);
}
