/* db screen: the console's first screen, the last complete collect and its check results
 * (the text core/laststate.c writes), in one row that every complete collect replaces. */
#include "db/db.h"
#include "db/internal.h"

#include <stdlib.h>
#include <string.h>

int db_screen_put(struct db *db, time_t at, const char *data)
{
	int r = db_need_write(db);
	if (r)
		return r;
	sqlite3_stmt *st = db_prep(db, "INSERT INTO screen(id, at, data) VALUES (1, ?, ?) "
				       "ON CONFLICT(id) DO UPDATE SET at = excluded.at, data = excluded.data");
	if (!st)
		return db->err.status;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)at);
	db_bind_str(st, 2, data);
	return db_step_done(db, st);
}

int db_screen_get(struct db *db, time_t *at, char **data)
{
	*at = 0;
	*data = NULL;
	if (db_schema_version(db) < 4)
		return DB_OK; /* an older file opened read-only: no screen stored yet */
	sqlite3_stmt *st = db_prep(db, "SELECT at, data FROM screen WHERE id = 1");
	if (!st)
		return db->err.status;
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*at = (time_t)sqlite3_column_int64(st, 0);
		*data = db_col_str(st, 1);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return db_fail(db, rc, "reading the last screen");
	return DB_OK;
}
