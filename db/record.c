/* db record: the listing and deletion `mcon record` needs (see db_record.h). */
#include "db/db_record.h"
#include "db/internal.h"

#include <stdlib.h>
#include <string.h>

int db_state_list(struct db *db, struct db_state_rows *out)
{
	memset(out, 0, sizeof(*out));
	sqlite3_stmt *st = db_prep(db, "SELECT kind, target, value, at FROM last_state ORDER BY kind, target");
	if (!st)
		return db->err.status;
	size_t cap = 0;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (out->n == cap) {
			cap = cap ? cap * 2 : 64;
			out->v = xrealloc(out->v, cap * sizeof(*out->v));
		}
		struct db_state_row *r = &out->v[out->n++];
		r->kind = db_col_str(st, 0);
		r->target = db_col_str(st, 1);
		r->value = db_col_str(st, 2);
		r->at = (time_t)sqlite3_column_int64(st, 3);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		db_state_rows_free(out);
		return db_fail(db, rc, "reading the recorded state");
	}
	return DB_OK;
}

void db_state_rows_free(struct db_state_rows *rows)
{
	for (size_t i = 0; i < rows->n; i++) {
		free(rows->v[i].kind);
		free(rows->v[i].target);
		free(rows->v[i].value);
	}
	free(rows->v);
	memset(rows, 0, sizeof(*rows));
}

int db_check_delete(struct db *db, const char *check, const char *target)
{
	int r = db_tx_begin(db);
	if (r)
		return r;
	sqlite3_stmt *st = db_prep(db, "DELETE FROM check_state WHERE check_id = ? AND target = ?");
	if (!st)
		return db_tx_end(db, db->err.status);
	db_bind_str(st, 1, check);
	db_bind_str(st, 2, target);
	return db_tx_end(db, db_step_done(db, st));
}
