/* db internals shared by db.c, checklist.c and history.c: the connection, error
 * classification, transactions and statement helpers. Not for use outside db/. */
#ifndef MCON_DB_INTERNAL_H
#define MCON_DB_INTERNAL_H

#include <sqlite3.h>
#include "db/db.h"

struct db {
	sqlite3 *h;
	char *path;
	bool readonly;
	int busy_ms;
	int tx_depth;       /* db_tx_begin nesting; only the outermost begins and commits */
	bool tx_failed;     /* an inner write failed: the outermost commit rolls back */
	struct db_error err;
};

/* Sets db->err from an SQLite result code (and errno behind it); returns the status. */
int db_fail(struct db *db, int rc, const char *doing);
/* Sets db->err to status with a formatted message; returns status. */
int db_set_error(struct db *db, enum db_status status, const char *fmt, ...) ATTR_PRINTF(3, 4);
/* DB_ERR_READONLY with the standard message when db was opened read-only, else DB_OK. */
int db_need_write(struct db *db);

/* Write transactions: BEGIN IMMEDIATE at depth 0. db_tx_end commits when status is DB_OK
 * (rolls back otherwise) at the outermost level and returns the final status. */
int db_tx_begin(struct db *db);
int db_tx_end(struct db *db, int status);

int db_exec(struct db *db, const char *sql);
sqlite3_stmt *db_prep(struct db *db, const char *sql);    /* NULL with db->err set */
/* Steps a statement that returns no rows, then finalizes it. */
int db_step_done(struct db *db, sqlite3_stmt *st);

void db_bind_str(sqlite3_stmt *st, int i, const char *s);  /* NULL binds NULL */
char *db_col_str(sqlite3_stmt *st, int i);                  /* copy, NULL for NULL */

/* Meta key/value (schema-independent bookkeeping, e.g. "seeded"). */
int db_meta_get(struct db *db, const char *key, char **value);
int db_meta_put(struct db *db, const char *key, const char *value);

#endif
