/* db_record: what `mcon record` needs beyond db.h: every stored last value at once (to see
 * which keys are gone) and removing the status of a check target that no longer exists. */
#ifndef MCON_DB_RECORD_H
#define MCON_DB_RECORD_H

#include "db/db.h"

struct db_state_row {
	char *kind, *target, *value;
	time_t at;
};

struct db_state_rows {
	struct db_state_row *v;
	size_t n;
};

/* Every last_state row, ordered by kind and target. */
int db_state_list(struct db *db, struct db_state_rows *out);
void db_state_rows_free(struct db_state_rows *rows);
/* Forgets the last status of a check target (a removed container); DB_OK when absent. */
int db_check_delete(struct db *db, const char *check, const char *target);

#endif
