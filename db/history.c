/* history: what changed and when (history), the last recorded value per (kind, target) so
 * a run stores only changes (last_state), the last status per check and target
 * (check_state), and retention pruning. Filled by `record` and the checks. */
#include "db/internal.h"
#include "core/who.h"

#include <stdlib.h>
#include <string.h>

static int need(struct db *db, const char *what, const char *v)
{
	if (v && *v)
		return DB_OK;
	return db_set_error(db, DB_ERR_INVALID, "history entry without %s", what);
}

static int history_insert(struct db *db, time_t at, const char *kind, const char *target, const char *from,
			  const char *to, const char *detail)
{
	sqlite3_stmt *st = db_prep(db, "INSERT INTO history(at, kind, target, from_value, to_value, detail) "
				       "VALUES (?, ?, ?, ?, ?, ?)");
	if (!st)
		return db->err.status;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)at);
	db_bind_str(st, 2, kind);
	db_bind_str(st, 3, target);
	db_bind_str(st, 4, from);
	db_bind_str(st, 5, to);
	db_bind_str(st, 6, detail);
	return db_step_done(db, st);
}

int db_history_add(struct db *db, time_t at, const char *kind, const char *target, const char *from,
		   const char *to, const char *detail)
{
	int r;
	if ((r = need(db, "a kind", kind)) || (r = need(db, "a target", target)) || (r = db_tx_begin(db)))
		return r;
	return db_tx_end(db, history_insert(db, at, kind, target, from, to, detail));
}

int db_history_add_fix(struct db *db, time_t at, const struct who *who, const char *check, const char *target,
		       const char *before, const char *after, const char *written, const char *rerun)
{
	char *t = xasprintf("%s:%s", check ? check : "", target ? target : "");
	char *detail = who && who->from[0]
		? xasprintf("by %s from %s: %s; re-run: %s", who->user, who->from,
			    written ? written : "nothing written", rerun ? rerun : "-")
		: xasprintf("by %s: %s; re-run: %s", who ? who->user : "unknown", written ? written : "nothing written",
			    rerun ? rerun : "-");
	int r = db_history_add(db, at, "fix", t, before, after, detail);
	free(detail);
	free(t);
	return r;
}

int db_history_add_action(struct db *db, time_t at, const struct who *who, const char *kind, const char *target,
			  const char *what, const char *outcome)
{
	char *detail = who && who->from[0]
		? xasprintf("by %s from %s: %s", who->user, who->from, what ? what : "-")
		: xasprintf("by %s: %s", who ? who->user : "unknown", what ? what : "-");
	int r = db_history_add(db, at, kind, target, NULL, outcome, detail);
	free(detail);
	return r;
}

int db_history_list(struct db *db, time_t since, size_t limit, struct db_history_list *out)
{
	memset(out, 0, sizeof(*out));
	sqlite3_stmt *st = db_prep(db, "SELECT id, at, kind, target, from_value, to_value, detail FROM history "
				       "WHERE at >= ? ORDER BY at DESC, id DESC LIMIT ?");
	if (!st)
		return db->err.status;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)since);
	sqlite3_bind_int64(st, 2, limit ? (sqlite3_int64)limit : -1);
	size_t cap = 0;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (out->n == cap) {
			cap = cap ? cap * 2 : 16;
			out->v = xrealloc(out->v, cap * sizeof(*out->v));
		}
		struct db_history *h = &out->v[out->n++];
		h->id = sqlite3_column_int64(st, 0);
		h->at = (time_t)sqlite3_column_int64(st, 1);
		h->kind = db_col_str(st, 2);
		h->target = db_col_str(st, 3);
		h->from = db_col_str(st, 4);
		h->to = db_col_str(st, 5);
		h->detail = db_col_str(st, 6);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		db_history_list_free(out);
		return db_fail(db, rc, "reading the history");
	}
	return DB_OK;
}

void db_history_list_free(struct db_history_list *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->v[i].kind);
		free(l->v[i].target);
		free(l->v[i].from);
		free(l->v[i].to);
		free(l->v[i].detail);
	}
	free(l->v);
	memset(l, 0, sizeof(*l));
}

/* 1 found (value in *value, may be NULL), 0 none, -1 error. */
static int state_read(struct db *db, const char *kind, const char *target, char **value)
{
	*value = NULL;
	sqlite3_stmt *st = db_prep(db, "SELECT value FROM last_state WHERE kind = ? AND target = ?");
	if (!st)
		return -1;
	db_bind_str(st, 1, kind);
	db_bind_str(st, 2, target);
	int rc = sqlite3_step(st);
	int ret = rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
	if (ret == 1)
		*value = db_col_str(st, 0);
	else if (ret < 0)
		db_fail(db, rc, "reading the last state");
	sqlite3_finalize(st);
	return ret;
}

int db_state_get(struct db *db, const char *kind, const char *target, char **value)
{
	return state_read(db, kind, target, value) < 0 ? db->err.status : DB_OK;
}

static int state_write(struct db *db, time_t at, const char *kind, const char *target, const char *value)
{
	sqlite3_stmt *st = db_prep(db, "INSERT INTO last_state(kind, target, value, at) VALUES (?, ?, ?, ?) "
				       "ON CONFLICT(kind, target) DO UPDATE SET value = excluded.value, at = "
				       "excluded.at");
	if (!st)
		return db->err.status;
	db_bind_str(st, 1, kind);
	db_bind_str(st, 2, target);
	db_bind_str(st, 3, value);
	sqlite3_bind_int64(st, 4, (sqlite3_int64)at);
	return db_step_done(db, st);
}

int db_state_put(struct db *db, time_t at, const char *kind, const char *target, const char *value)
{
	int r;
	if ((r = need(db, "a kind", kind)) || (r = need(db, "a target", target)) || (r = db_tx_begin(db)))
		return r;
	return db_tx_end(db, state_write(db, at, kind, target, value));
}

static bool same(const char *a, const char *b)
{
	return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

int db_state_record(struct db *db, time_t at, const char *kind, const char *target, const char *value,
		    const char *detail, bool *changed)
{
	if (changed)
		*changed = false;
	int r;
	if ((r = need(db, "a kind", kind)) || (r = need(db, "a target", target)) || (r = db_tx_begin(db)))
		return r;
	char *old = NULL;
	int found = state_read(db, kind, target, &old);
	if (found < 0) {
		r = db->err.status;
	} else if (!found || !same(old, value)) {
		r = history_insert(db, at, kind, target, old, value, detail);
		if (!r)
			r = state_write(db, at, kind, target, value);
		if (!r && changed)
			*changed = true;
	} else {
		r = state_write(db, at, kind, target, value);
	}
	free(old);
	return db_tx_end(db, r);
}

static const char *const statuses[] = {"ok", "warning", "critical", "unknown"};

static void check_from_row(sqlite3_stmt *st, struct db_check_state *s)
{
	s->check = db_col_str(st, 0);
	s->target = db_col_str(st, 1);
	s->status = db_col_str(st, 2);
	s->summary = db_col_str(st, 3);
	s->since = (time_t)sqlite3_column_int64(st, 4);
	s->at = (time_t)sqlite3_column_int64(st, 5);
}

#define CHECK_COLS "check_id, target, status, summary, since, at"

int db_check_put(struct db *db, time_t at, const char *check, const char *target, const char *status,
		 const char *summary, char **prev_status)
{
	if (prev_status)
		*prev_status = NULL;
	bool known = false;
	for (size_t i = 0; status && i < ARRAY_SIZE(statuses); i++)
		known |= strcmp(status, statuses[i]) == 0;
	if (!known)
		return db_set_error(db, DB_ERR_INVALID, "check status '%s' is not ok, warning, critical or unknown",
				    status ? status : "");
	int r;
	if ((r = need(db, "a check", check)) || (r = need(db, "a target", target)) || (r = db_tx_begin(db)))
		return r;
	sqlite3_stmt *st = db_prep(db, "SELECT status FROM check_state WHERE check_id = ? AND target = ?");
	char *prev = NULL;
	if (!st) {
		r = db->err.status;
	} else {
		db_bind_str(st, 1, check);
		db_bind_str(st, 2, target);
		int rc = sqlite3_step(st);
		if (rc == SQLITE_ROW)
			prev = db_col_str(st, 0);
		else if (rc != SQLITE_DONE)
			r = db_fail(db, rc, "reading check state");
		sqlite3_finalize(st);
	}
	if (!r) {
		/* since moves only when the status changes: "critical for 3d 4h". */
		st = db_prep(db, "INSERT INTO check_state(check_id, target, status, summary, since, at) "
				 "VALUES (?1, ?2, ?3, ?4, ?5, ?5) ON CONFLICT(check_id, target) DO UPDATE SET "
				 "since = CASE WHEN status = excluded.status THEN since ELSE excluded.since END, "
				 "status = excluded.status, summary = excluded.summary, at = excluded.at");
		if (!st) {
			r = db->err.status;
		} else {
			db_bind_str(st, 1, check);
			db_bind_str(st, 2, target);
			db_bind_str(st, 3, status);
			db_bind_str(st, 4, summary);
			sqlite3_bind_int64(st, 5, (sqlite3_int64)at);
			r = db_step_done(db, st);
		}
	}
	r = db_tx_end(db, r);
	if (!r && prev_status)
		*prev_status = prev;
	else
		free(prev);
	return r;
}

int db_check_get(struct db *db, const char *check, const char *target, struct db_check_state *out)
{
	memset(out, 0, sizeof(*out));
	sqlite3_stmt *st = db_prep(db, "SELECT " CHECK_COLS " FROM check_state WHERE check_id = ? AND target = ?");
	if (!st)
		return db->err.status;
	db_bind_str(st, 1, check);
	db_bind_str(st, 2, target);
	int rc = sqlite3_step(st);
	int r = DB_OK;
	if (rc == SQLITE_ROW)
		check_from_row(st, out);
	else if (rc == SQLITE_DONE)
		r = db_set_error(db, DB_ERR_NOTFOUND, "no recorded result for %s on %s", check, target);
	else
		r = db_fail(db, rc, "reading check state");
	sqlite3_finalize(st);
	return r;
}

int db_check_list(struct db *db, struct db_check_states *out)
{
	memset(out, 0, sizeof(*out));
	sqlite3_stmt *st = db_prep(db, "SELECT " CHECK_COLS " FROM check_state ORDER BY check_id, target");
	if (!st)
		return db->err.status;
	size_t cap = 0;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (out->n == cap) {
			cap = cap ? cap * 2 : 16;
			out->v = xrealloc(out->v, cap * sizeof(*out->v));
		}
		check_from_row(st, &out->v[out->n++]);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		db_check_states_free(out);
		return db_fail(db, rc, "reading check state");
	}
	return DB_OK;
}

void db_check_state_free(struct db_check_state *s)
{
	free(s->check);
	free(s->target);
	free(s->status);
	free(s->summary);
	memset(s, 0, sizeof(*s));
}

void db_check_states_free(struct db_check_states *l)
{
	for (size_t i = 0; i < l->n; i++)
		db_check_state_free(&l->v[i]);
	free(l->v);
	memset(l, 0, sizeof(*l));
}

int db_prune(struct db *db, time_t now, long retention_days, long *deleted)
{
	if (deleted)
		*deleted = 0;
	if (retention_days < 1)
		return db_set_error(db, DB_ERR_INVALID,
				    "retention of %ld days: state.retention_days must be at least 1", retention_days);
	int r = db_tx_begin(db);
	if (r)
		return r;
	sqlite3_stmt *st = db_prep(db, "DELETE FROM history WHERE at < ?");
	if (!st)
		return db_tx_end(db, db->err.status);
	sqlite3_bind_int64(st, 1, (sqlite3_int64)(now - (time_t)retention_days * 86400));
	r = db_step_done(db, st);
	if (!r && deleted)
		*deleted = (long)sqlite3_changes(db->h);
	return db_tx_end(db, r);
}
