/* db_record: what the checks add to the store beyond db.h: every stored last value at once
 * (to see which keys are gone), removing the status of a check target that no longer exists,
 * and ticking a checklist item whose linked checks are not green (journaled "override"). */
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

/* Ticks an open item like db_item_set_done(..., true, ...) but journals it as "override":
 * an admin says it is done although its linked checks were not green. note is required. On
 * an item already done the note is journaled as "note" and *changed (may be NULL) is false. */
struct who;
int db_item_override(struct db *db, const struct who *who, int64_t id, const char *note, bool *changed);

#endif
