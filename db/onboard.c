/* db/onboard: the onboarding tables' queries (see onboard.h). Every change of a step's
 * state is a new row; the current state is the latest row per step. */
#include "db/onboard.h"

#include <stdlib.h>
#include <string.h>

#include "db/internal.h"

int db_onboard_save(struct db *db, const struct onboard_outcome *o)
{
	int r = db_need_write(db);
	if (r || (r = db_tx_begin(db)))
		return r;
	sqlite3_stmt *st = db_prep(db, "INSERT OR IGNORE INTO onboard_domain(domain, started_at) VALUES (?, ?)");
	if (!st)
		return db_tx_end(db, db->err.status);
	db_bind_str(st, 1, o->domain);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)o->at);
	r = db_step_done(db, st);
	if (r)
		return db_tx_end(db, r);
	st = db_prep(db, "INSERT INTO onboard_step(domain, step, state, at, who, detail, written) VALUES (?, ?, ?, "
			 "?, ?, ?, ?)");
	if (!st)
		return db_tx_end(db, db->err.status);
	db_bind_str(st, 1, o->domain);
	db_bind_str(st, 2, o->step);
	db_bind_str(st, 3, onboard_state_name(o->state));
	sqlite3_bind_int64(st, 4, (sqlite3_int64)o->at);
	db_bind_str(st, 5, o->who ? o->who : "unknown");
	db_bind_str(st, 6, o->detail);
	db_bind_str(st, 7, o->written);
	return db_tx_end(db, db_step_done(db, st));
}

int db_onboard_mark_onboarded(struct db *db, const char *domain, time_t at)
{
	int r = db_need_write(db);
	if (r)
		return r;
	sqlite3_stmt *st = db_prep(db, "INSERT INTO onboard_domain(domain, started_at, onboarded_at) VALUES (?1, "
				       "?2, ?2) "
	                               "ON CONFLICT(domain) DO UPDATE SET onboarded_at = ?2");
	if (!st)
		return db->err.status;
	db_bind_str(st, 1, domain);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)at);
	return db_step_done(db, st);
}

static int load(struct db *db, const char *sql, const char *domain, struct onboard_outcome **out, size_t *n)
{
	*out = NULL;
	*n = 0;
	sqlite3_stmt *st = db_prep(db, sql);
	if (!st)
		return db->err.status;
	db_bind_str(st, 1, domain);
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		*out = xrealloc(*out, (*n + 1) * sizeof(**out));
		struct onboard_outcome *o = &(*out)[(*n)++];
		memset(o, 0, sizeof(*o));
		o->domain = db_col_str(st, 0);
		o->step = db_col_str(st, 1);
		int s = onboard_state_parse((const char *)sqlite3_column_text(st, 2));
		o->state = s < 0 ? OB_TODO : (enum onboard_state)s;
		o->at = (time_t)sqlite3_column_int64(st, 3);
		o->who = db_col_str(st, 4);
		o->detail = db_col_str(st, 5);
		o->written = db_col_str(st, 6);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		db_onboard_outcomes_free(*out, *n);
		*out = NULL;
		*n = 0;
		return db_fail(db, rc, "reading the onboarding steps");
	}
	return DB_OK;
}

int db_onboard_load(struct db *db, const char *domain, struct onboard_outcome **out, size_t *n)
{
	return load(db, "SELECT domain, step, state, at, who, detail, written FROM onboard_step "
	                "WHERE id IN (SELECT MAX(id) FROM onboard_step WHERE domain = ?1 GROUP BY step) ORDER BY id",
	            domain, out, n);
}

int db_onboard_history(struct db *db, const char *domain, struct onboard_outcome **out, size_t *n)
{
	return load(db, "SELECT domain, step, state, at, who, detail, written FROM onboard_step "
	                "WHERE domain = ?1 ORDER BY id", domain, out, n);
}

int db_onboard_set_catchall(struct db *db, const char *domain, const char *target, time_t at)
{
	int r = db_need_write(db);
	if (r)
		return r;
	sqlite3_stmt *st = db_prep(db, "INSERT INTO onboard_domain(domain, started_at, catchall_to) "
	                               "VALUES (?1, ?2, ?3) ON CONFLICT(domain) DO UPDATE SET catchall_to = ?3");
	if (!st)
		return db->err.status;
	db_bind_str(st, 1, domain);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)at);
	db_bind_str(st, 3, target);
	return db_step_done(db, st);
}

char *db_onboard_catchall(struct db *db, const char *domain)
{
	sqlite3_stmt *st = db_prep(db, "SELECT catchall_to FROM onboard_domain WHERE domain = ?");
	if (!st)
		return NULL;
	db_bind_str(st, 1, domain);
	char *t = NULL;
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL)
		t = db_col_str(st, 0);
	sqlite3_finalize(st);
	return t;
}

time_t db_onboard_done_at(struct db *db, const char *domain)
{
	sqlite3_stmt *st = db_prep(db, "SELECT onboarded_at FROM onboard_domain WHERE domain = ?");
	if (!st)
		return 0;
	db_bind_str(st, 1, domain);
	time_t t = 0;
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL)
		t = (time_t)sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return t;
}

void db_onboard_outcomes_free(struct onboard_outcome *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		onboard_outcome_free(&v[i]);
	free(v);
}
