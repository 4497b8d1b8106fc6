/* db/onboard: the stored outcomes of the onboarding walkthrough, one row per change of a
 * step's state (who, when, result, what was written), so a run resumes where the last
 * one stopped and the history of a domain's onboarding stays readable. */
#ifndef MCON_DB_ONBOARD_H
#define MCON_DB_ONBOARD_H

#include <sqlite3.h>
#include <stddef.h>
#include "core/onboard.h"

/* The schema of the onboarding tables (a forward migration, idempotent). 0 or -1 and *err. */
int db_onboard_migrate(sqlite3 *db, char **err);

/* Opens (creating it and its directory if needed) the database at path with a busy
 * timeout, WAL and the onboarding tables. NULL and *err on failure. */
sqlite3 *db_onboard_open(const char *path, char **err);

/* Appends one outcome (and notes when the domain's onboarding started). */
int db_onboard_save(sqlite3 *db, const struct onboard_outcome *o, char **err);

/* Records the domain as onboarded at that time. */
int db_onboard_mark_onboarded(sqlite3 *db, const char *domain, time_t at, char **err);

/* The latest outcome of each step of domain, oldest step first, into *out (caller frees
 * each with onboard_outcome_free, then the array). 0 or -1 and *err. */
int db_onboard_load(sqlite3 *db, const char *domain, struct onboard_outcome **out, size_t *n, char **err);

/* Every outcome of domain, oldest first (the audit trail). */
int db_onboard_history(sqlite3 *db, const char *domain, struct onboard_outcome **out, size_t *n, char **err);

/* When the domain was recorded as onboarded (0 = not). */
time_t db_onboard_done_at(sqlite3 *db, const char *domain);

void db_onboard_outcomes_free(struct onboard_outcome *v, size_t n);

#endif
