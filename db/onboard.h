/* db/onboard: the stored outcomes of the onboarding walkthrough (schema versions 3 and 4), one
 * row per change of a step's state (who, when, result, what was written), so a run
 * resumes where the last one stopped and a domain's onboarding stays auditable.
 * Functions return DB_OK or a db_status; db_errmsg() then says what happened. */
#ifndef MCON_DB_ONBOARD_H
#define MCON_DB_ONBOARD_H

#include <stddef.h>
#include <time.h>
#include "core/onboard.h"
#include "db/db.h"

/* Appends one outcome (and notes when the domain's onboarding started). */
int db_onboard_save(struct db *db, const struct onboard_outcome *o);

/* Records the domain as onboarded at that time. */
int db_onboard_mark_onboarded(struct db *db, const char *domain, time_t at);

/* The latest outcome of each step of domain, in the order they were recorded, into *out
 * (free with db_onboard_outcomes_free). */
int db_onboard_load(struct db *db, const char *domain, struct onboard_outcome **out, size_t *n);

/* Every outcome of domain, oldest first (the audit trail). */
int db_onboard_history(struct db *db, const char *domain, struct onboard_outcome **out, size_t *n);

/* Remembers the catch-all target given for domain (schema version 4). */
int db_onboard_set_catchall(struct db *db, const char *domain, const char *target, time_t at);

/* The catch-all target remembered for domain (caller frees), NULL when none (or on error). */
char *db_onboard_catchall(struct db *db, const char *domain);

/* When the domain was recorded as onboarded; 0 when it was not (or on error). */
time_t db_onboard_done_at(struct db *db, const char *domain);

void db_onboard_outcomes_free(struct onboard_outcome *v, size_t n);

#endif
