/* db key_state: reading and writing api_key_state (see key_state.h). */
#include "db/key_state.h"
#include "db/internal.h"

#include <stdlib.h>
#include <string.h>

int db_key_state_get(struct db *db, const char *key_hash, struct db_key_state *out)
{
	memset(out, 0, sizeof(*out));
	sqlite3_stmt *st = db_prep(db, "SELECT problem, http_status, failures, since, next_try, at FROM api_key_state "
				       "WHERE key_hash = ?");
	if (!st)
		return db->err.status;
	db_bind_str(st, 1, key_hash);
	int rc = sqlite3_step(st);
	int r = DB_OK;
	if (rc == SQLITE_ROW) {
		out->problem = db_col_str(st, 0);
		out->http_status = (long)sqlite3_column_int64(st, 1);
		out->failures = sqlite3_column_int(st, 2);
		out->since = (time_t)sqlite3_column_int64(st, 3);
		out->next_try = (time_t)sqlite3_column_int64(st, 4);
		out->at = (time_t)sqlite3_column_int64(st, 5);
	} else if (rc == SQLITE_DONE) {
		r = db_set_error(db, DB_ERR_NOTFOUND, "no state for this API key");
	} else {
		r = db_fail(db, rc, "reading the API key's state");
	}
	sqlite3_finalize(st);
	return r;
}

int db_key_state_put(struct db *db, const char *key_hash, const struct db_key_state *s)
{
	int r = db_need_write(db);
	if (r)
		return r;
	if (s && (!s->problem || (strcmp(s->problem, "invalid") != 0 && strcmp(s->problem, "ip-denied") != 0)))
		return db_set_error(db, DB_ERR_INVALID, "unknown API key problem '%s'", s->problem ? s->problem : "");
	r = db_tx_begin(db);
	if (r)
		return r;
	sqlite3_stmt *st = db_prep(db, s ? "INSERT OR REPLACE INTO api_key_state(key_hash, problem, http_status, "
					   "failures, since, next_try, at) VALUES (?, ?, ?, ?, ?, ?, ?)"
					 : "DELETE FROM api_key_state WHERE key_hash = ?");
	if (!st)
		return db_tx_end(db, db->err.status);
	db_bind_str(st, 1, key_hash);
	if (s) {
		db_bind_str(st, 2, s->problem);
		sqlite3_bind_int64(st, 3, s->http_status);
		sqlite3_bind_int(st, 4, s->failures);
		sqlite3_bind_int64(st, 5, (sqlite3_int64)s->since);
		sqlite3_bind_int64(st, 6, (sqlite3_int64)s->next_try);
		sqlite3_bind_int64(st, 7, (sqlite3_int64)s->at);
	}
	r = db_step_done(db, st);
	if (r == DB_OK && s) { /* keys not refused for 30 days are long replaced */
		st = db_prep(db, "DELETE FROM api_key_state WHERE at < ?");
		if (!st)
			return db_tx_end(db, db->err.status);
		sqlite3_bind_int64(st, 1, (sqlite3_int64)s->at - 30 * 86400);
		r = db_step_done(db, st);
	}
	return db_tx_end(db, r);
}

void db_key_state_free(struct db_key_state *s)
{
	free(s->problem);
	memset(s, 0, sizeof(*s));
}
