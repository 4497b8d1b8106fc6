/* db: the SQLite store, the only code that speaks SQL. One file holds the pending
 * checklist (items, their check links and a journal of every change) and the history
 * (what changed, the last recorded value per key, the last status per check and target).
 * Every function returns DB_OK or an error status; db_error() then has a one-line message
 * that says what happened and what to do. */
#ifndef MCON_DB_H
#define MCON_DB_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>
#include "core/util.h"
#include "core/who.h"

enum db_status {
	DB_OK = 0,
	DB_ERR_READONLY,    /* the file, its directory or the filesystem cannot be written */
	DB_ERR_BUSY,        /* another process held the write lock past the busy timeout */
	DB_ERR_FULL,        /* the disk (or quota, or size cap) is full */
	DB_ERR_CORRUPT,     /* corrupt, or not an SQLite database at all */
	DB_ERR_VERSION,     /* written by a newer mcon, or too old to upgrade read-only */
	DB_ERR_OPEN,        /* cannot open or create the file */
	DB_ERR_NOTFOUND,    /* no such item */
	DB_ERR_INVALID,     /* bad argument: empty title, bad check id, ... */
	DB_ERR_OTHER,
};

struct db_error {
	enum db_status status;
	char msg[512];      /* one line, no "mcon: " prefix */
};

struct db;

/* Open flags. */
enum {
	DB_OPEN_READONLY = 1 << 0,  /* never write: no create, no migration */
	DB_OPEN_FALLBACK_RO = 1 << 1, /* open for writing, but read-only when the file cannot be written */
};

/* The schema version this build writes. */
#define DB_SCHEMA_VERSION 6
/* Default busy timeout; $MCON_DB_TIMEOUT_MS overrides it (tests, slow shared disks). */
#define DB_BUSY_TIMEOUT_MS 5000

/* Opens (creating it, mode 0600, and its directory, mode 0700, when missing) the database
 * at path, sets WAL, the busy timeout and foreign keys, and migrates the schema forward.
 * Returns NULL with *err filled on failure. */
struct db *db_open(const char *path, unsigned flags, struct db_error *err);
/* Like db_open but migrates no further than max_version (tests of migrations). */
struct db *db_open_version(const char *path, unsigned flags, int max_version, struct db_error *err);
void db_close(struct db *db);

const struct db_error *db_error(const struct db *db);
const char *db_errmsg(const struct db *db);
const char *db_path(const struct db *db);
bool db_is_readonly(const struct db *db);
int db_schema_version(struct db *db);        /* PRAGMA user_version, -1 on error */
void db_set_busy_timeout(struct db *db, int ms);
/* Caps the file at pages pages of the page size (SQLite's max_page_count): writes beyond
 * fail with DB_ERR_FULL, exactly as on a full disk. */
void db_set_max_pages(struct db *db, long pages);

/* Groups several writes in one BEGIN IMMEDIATE transaction (e.g. one `record` run). Every
 * write function below runs in its own transaction unless one is open. */
int db_begin(struct db *db);
int db_commit(struct db *db);
void db_rollback(struct db *db);

/* PRAGMA integrity_check: DB_OK when "ok", else DB_ERR_CORRUPT with the first problem. */
int db_integrity_check(struct db *db);

/* ---- Checklist ---- */

/* Journal actions. DB_ACT_OVERRIDE: an admin ticked an item whose linked checks were not
 * green at the last record (db_item_override in db/db_record.h). */
enum db_action { DB_ACT_ADD, DB_ACT_DONE, DB_ACT_REOPEN, DB_ACT_NOTE, DB_ACT_IMPORT, DB_ACT_OVERRIDE };
const char *db_action_name(enum db_action a);

/* One journal entry of an item. */
struct db_event {
	int64_t id, item_id;
	time_t at;
	char *who, *from;   /* from: SSH client address or NULL */
	enum db_action action;
	char *note;         /* NULL when the change had no note */
};

struct db_events {
	struct db_event *v;
	size_t n;
};

struct db_item {
	int64_t id;
	char *title;
	bool done;
	time_t created_at;
	char *created_by, *created_from;
	time_t done_at;             /* 0 while open */
	char *done_by, *done_from;  /* NULL while open */
	int64_t position;
	char *source;               /* "seed", "cli", "import" */
	struct strv links;          /* check ids */
	struct db_events notes;     /* the journal entries that carry a note, oldest first */
};

struct db_items {
	struct db_item *v;
	size_t n;
};

/* Every item in list order (position), with links and notes. */
int db_items_list(struct db *db, struct db_items *out);
int db_item_get(struct db *db, int64_t id, struct db_item *out);  /* DB_ERR_NOTFOUND */
void db_item_free(struct db_item *it);
void db_items_free(struct db_items *items);

/* Adds an open item at the end of the list (title is normalised; links must be valid check
 * ids). Journals "add" with the note. */
int db_item_add(struct db *db, const struct who *who, const char *title, const char *note,
		const struct strv *links, int64_t *id_out);
/* Ticks (done=true) or unticks an item, journaled as "done"/"reopen" with the note. When the
 * item already is in that state nothing changes (*changed false) and a note, if any, is
 * journaled as "note". changed may be NULL. */
int db_item_set_done(struct db *db, const struct who *who, int64_t id, bool done, const char *note,
		     bool *changed);
/* Flips an item in one transaction (the console's space key); *now_done gets the new state. */
int db_item_toggle(struct db *db, const struct who *who, int64_t id, const char *note, bool *now_done);
int db_item_note(struct db *db, const struct who *who, int64_t id, const char *text);
/* The journal: of one item (item_id > 0) or of all, oldest first. */
int db_events_list(struct db *db, int64_t item_id, struct db_events *out);
void db_events_free(struct db_events *ev);

/* Merges items (of a `## Pending` section parsed by core/pending.h) by title: new ones are
 * added, a done state ticks an open item; both journaled as "import". A new item also gets
 * the check links of the seed item (the runbook's, pending_seed) of the same title. The item
 * order of a fresh list follows the items. Also marks the list seeded. */
struct pending_item;
struct db_import_result {
	size_t added, ticked, unchanged;
	struct strv kept_done;   /* titles done here but open in the file: left done */
};
int db_items_import(struct db *db, const struct who *who, const struct pending_item *items, size_t n,
		    const struct pending_item *seed, size_t seed_n, struct db_import_result *res);
void db_import_result_free(struct db_import_result *res);

/* On first use, fills the list with the seed items (the runbook's items and their check
 * links, pending_seed). Runs once per database: later calls, and calls after an import, do
 * nothing. *seeded (may be NULL) says whether it did something now. Read-only: DB_OK. */
int db_items_seed(struct db *db, const struct who *who, const struct pending_item *seed, size_t seed_n,
		  bool *seeded);

/* ---- History (filled by `record` and the checks) ---- */

struct db_history {
	int64_t id;
	time_t at;
	char *kind, *target, *from, *to, *detail;   /* from/to/detail may be NULL */
};

struct db_history_list {
	struct db_history *v;
	size_t n;
};

int db_history_add(struct db *db, time_t at, const char *kind, const char *target, const char *from,
		   const char *to, const char *detail);
/* Entries with at >= since, newest first; limit 0 = all. */
int db_history_list(struct db *db, time_t since, size_t limit, struct db_history_list *out);
void db_history_list_free(struct db_history_list *l);

/* An applied fix (kind "fix"): target "CHECK:TARGET", from/to the check's status before the
 * write and at the re-run, detail "by WHO[ from ADDR]: WRITTEN; re-run: SUMMARY". */
struct who;
int db_history_add_fix(struct db *db, time_t at, const struct who *who, const char *check, const char *target,
		       const char *before, const char *after, const char *written, const char *rerun);

/* An action taken from the console (kind "queue": target the queue action, outcome the
 * queue ids; kind "restart": target the service, outcome "restarted"): from empty, to the
 * outcome, detail "by WHO[ from ADDR]: WHAT". */
int db_history_add_action(struct db *db, time_t at, const struct who *who, const char *kind, const char *target,
			  const char *what, const char *outcome);

/* The last value recorded for (kind, target): *value (caller frees) is NULL when none. */
int db_state_get(struct db *db, const char *kind, const char *target, char **value);
int db_state_put(struct db *db, time_t at, const char *kind, const char *target, const char *value);
/* Stores value for (kind, target) and, when it differs from the last one (or is the first),
 * adds a history row from the old value to the new one with detail. *changed (may be NULL)
 * says whether it did. One transaction, so concurrent `record` runs cannot double-log. */
int db_state_record(struct db *db, time_t at, const char *kind, const char *target, const char *value,
		    const char *detail, bool *changed);

/* The last status of each check and target. since is when the status last changed. */
struct db_check_state {
	char *check, *target, *status, *summary;
	time_t since, at;
};
struct db_check_states {
	struct db_check_state *v;
	size_t n;
};
/* Stores a result; *prev_status (may be NULL; caller frees) gets the previous status or
 * NULL when the pair is new. */
int db_check_put(struct db *db, time_t at, const char *check, const char *target, const char *status,
		 const char *summary, char **prev_status);
int db_check_get(struct db *db, const char *check, const char *target, struct db_check_state *out);
int db_check_list(struct db *db, struct db_check_states *out);
void db_check_state_free(struct db_check_state *s);
void db_check_states_free(struct db_check_states *l);

/* Deletes history rows older than retention_days before now; *deleted (may be NULL) gets
 * how many. The checklist journal is never pruned. */
int db_prune(struct db *db, time_t now, long retention_days, long *deleted);

/* The console's first screen (db/screen.c): the last complete collect as the text
 * core/laststate.c writes, one row, replaced. get gives DB_OK with *data NULL when there is
 * none (also in a database of an older schema opened read-only). */
int db_screen_put(struct db *db, time_t at, const char *data);
int db_screen_get(struct db *db, time_t *at, char **data);

#endif
