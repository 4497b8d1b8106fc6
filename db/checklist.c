/* checklist: the pending items, their links to check ids and the journal of every change
 * (who, from where, when, what, with which note). Each change and its journal entry are
 * written in one transaction, so the journal is complete by construction. */
#include "db/db_record.h"
#include "db/internal.h"

#include <stdlib.h>
#include <string.h>
#include "core/pending.h"

#define NOTE_MAX 2000

static const char *const action_names[] = {
	[DB_ACT_ADD] = "add", [DB_ACT_DONE] = "done", [DB_ACT_REOPEN] = "reopen",
	[DB_ACT_NOTE] = "note", [DB_ACT_IMPORT] = "import", [DB_ACT_OVERRIDE] = "override",
};

const char *db_action_name(enum db_action a)
{
	return (size_t)a < ARRAY_SIZE(action_names) ? action_names[a] : "?";
}

static enum db_action action_parse(const char *s)
{
	for (size_t i = 0; s && i < ARRAY_SIZE(action_names); i++)
		if (strcmp(s, action_names[i]) == 0)
			return (enum db_action)i;
	return DB_ACT_NOTE;
}

static int check_note(struct db *db, const char *note)
{
	if (!note)
		return DB_OK;
	if (strlen(note) > NOTE_MAX)
		return db_set_error(db, DB_ERR_INVALID, "note longer than %d bytes: shorten it", NOTE_MAX);
	for (const unsigned char *p = (const unsigned char *)note; *p; p++)
		if ((*p < 0x20 && *p != '\t') || *p == 0x7f)
			return db_set_error(db, DB_ERR_INVALID, "note contains a control character (a line break?): "
					    "write it on one line");
	if (!pending_utf8_valid(note))
		return db_set_error(db, DB_ERR_INVALID, "note is not valid UTF-8: check the terminal's character set");
	return DB_OK;
}

static int journal(struct db *db, const struct who *who, int64_t item, time_t at, enum db_action action,
		   const char *note)
{
	sqlite3_stmt *st = db_prep(db, "INSERT INTO item_events(item_id, at, who, origin, action, note) "
				       "VALUES (?, ?, ?, ?, ?, ?)");
	if (!st)
		return db->err.status;
	sqlite3_bind_int64(st, 1, item);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)at);
	db_bind_str(st, 3, who->user);
	db_bind_str(st, 4, *who->from ? who->from : NULL);
	db_bind_str(st, 5, db_action_name(action));
	db_bind_str(st, 6, note && *note ? note : NULL);
	return db_step_done(db, st);
}

static int add_links(struct db *db, int64_t item, const struct strv *links)
{
	for (size_t i = 0; links && i < links->n; i++) {
		sqlite3_stmt *st = db_prep(db, "INSERT OR IGNORE INTO item_links(item_id, check_id) VALUES (?, ?)");
		if (!st)
			return db->err.status;
		sqlite3_bind_int64(st, 1, item);
		db_bind_str(st, 2, links->v[i]);
		int r = db_step_done(db, st);
		if (r)
			return r;
	}
	return DB_OK;
}

/* The id of the item with this (normalised) title, 0 when none, -1 on error. */
static int64_t find_title(struct db *db, const char *title)
{
	sqlite3_stmt *st = db_prep(db, "SELECT id FROM items WHERE title = ?");
	if (!st)
		return -1;
	db_bind_str(st, 1, title);
	int rc = sqlite3_step(st);
	int64_t id = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : rc == SQLITE_DONE ? 0 : -1;
	if (id < 0)
		db_fail(db, rc, "reading");
	sqlite3_finalize(st);
	return id;
}

/* Inserts an item (inside a transaction) and journals it. */
static int insert_item(struct db *db, const struct who *who, time_t at, const char *title, bool done,
		       const char *source, const struct strv *links, enum db_action action, const char *note,
		       int64_t *id_out)
{
	sqlite3_stmt *st = db_prep(db,
		"INSERT INTO items(title, state, created_at, created_by, created_from, done_at, done_by, done_from, "
		"position, source) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, "
		"(SELECT COALESCE(MAX(position), 0) + 1 FROM items), ?9)");
	if (!st)
		return db->err.status;
	const char *from = *who->from ? who->from : NULL;
	db_bind_str(st, 1, title);
	db_bind_str(st, 2, done ? "done" : "open");
	sqlite3_bind_int64(st, 3, (sqlite3_int64)at);
	db_bind_str(st, 4, who->user);
	db_bind_str(st, 5, from);
	if (done) {
		sqlite3_bind_int64(st, 6, (sqlite3_int64)at);
		db_bind_str(st, 7, who->user);
		db_bind_str(st, 8, from);
	}
	db_bind_str(st, 9, source);
	int r = db_step_done(db, st);
	if (r)
		return r;
	int64_t id = sqlite3_last_insert_rowid(db->h);
	if ((r = add_links(db, id, links)) || (r = journal(db, who, id, at, action, note)))
		return r;
	if (id_out)
		*id_out = id;
	return DB_OK;
}

static int validate_links(struct db *db, const struct strv *links)
{
	for (size_t i = 0; links && i < links->n; i++)
		if (!pending_check_id_valid(links->v[i]))
			return db_set_error(db, DB_ERR_INVALID, "'%s' is not a check id (like dkim.selector): see "
					    "the checks in mcon(1)", links->v[i]);
	return DB_OK;
}

int db_item_add(struct db *db, const struct who *who, const char *title, const char *note,
		const struct strv *links, int64_t *id_out)
{
	char *norm = pending_title_norm(title ? title : "");
	const char *invalid = pending_title_invalid(norm);
	int r = invalid ? db_set_error(db, DB_ERR_INVALID, "%s: give the item a one-line title", invalid) : DB_OK;
	if (!r)
		r = check_note(db, note);
	if (!r)
		r = validate_links(db, links);
	if (!r)
		r = db_tx_begin(db);
	if (r) {
		free(norm);
		return r;
	}
	int64_t dup = find_title(db, norm);
	if (dup < 0)
		r = db->err.status;
	else if (dup > 0)
		r = db_set_error(db, DB_ERR_INVALID, "item %lld already has this title: see mcon tasks list",
				 (long long)dup);
	else
		r = insert_item(db, who, mcon_now(), norm, false, "cli", links, DB_ACT_ADD, note, id_out);
	free(norm);
	return db_tx_end(db, r);
}

/* Reads the state of an item inside a transaction: 1 done, 0 open, -1 error. */
static int item_state(struct db *db, int64_t id)
{
	sqlite3_stmt *st = db_prep(db, "SELECT state FROM items WHERE id = ?");
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	int rc = sqlite3_step(st);
	int ret;
	if (rc == SQLITE_ROW) {
		ret = strcmp((const char *)sqlite3_column_text(st, 0), "done") == 0;
	} else if (rc == SQLITE_DONE) {
		db_set_error(db, DB_ERR_NOTFOUND, "no item %lld: see mcon tasks list", (long long)id);
		ret = -1;
	} else {
		db_fail(db, rc, "reading");
		ret = -1;
	}
	sqlite3_finalize(st);
	return ret;
}

static int set_state(struct db *db, const struct who *who, int64_t id, bool done, time_t at)
{
	sqlite3_stmt *st = db_prep(db, done
		? "UPDATE items SET state = 'done', done_at = ?2, done_by = ?3, done_from = ?4 WHERE id = ?1"
		: "UPDATE items SET state = 'open', done_at = NULL, done_by = NULL, done_from = NULL WHERE id = ?1");
	if (!st)
		return db->err.status;
	sqlite3_bind_int64(st, 1, id);
	if (done) {
		sqlite3_bind_int64(st, 2, (sqlite3_int64)at);
		db_bind_str(st, 3, who->user);
		db_bind_str(st, 4, *who->from ? who->from : NULL);
	}
	return db_step_done(db, st);
}

int db_item_set_done(struct db *db, const struct who *who, int64_t id, bool done, const char *note,
		     bool *changed)
{
	if (changed)
		*changed = false;
	int r = check_note(db, note);
	if (r || (r = db_tx_begin(db)))
		return r;
	int cur = item_state(db, id);
	time_t at = mcon_now();
	if (cur < 0) {
		r = db->err.status;
	} else if ((cur == 1) == done) {
		if (note && *note)
			r = journal(db, who, id, at, DB_ACT_NOTE, note);
	} else {
		r = set_state(db, who, id, done, at);
		if (!r)
			r = journal(db, who, id, at, done ? DB_ACT_DONE : DB_ACT_REOPEN, note);
		if (!r && changed)
			*changed = true;
	}
	return db_tx_end(db, r);
}

int db_item_override(struct db *db, const struct who *who, int64_t id, const char *note, bool *changed)
{
	if (changed)
		*changed = false;
	if (!note || !*note)
		return db_set_error(db, DB_ERR_INVALID,
				    "ticking an item whose linked checks are not green needs a note");
	int r = check_note(db, note);
	if (r || (r = db_tx_begin(db)))
		return r;
	int cur = item_state(db, id);
	time_t at = mcon_now();
	if (cur < 0) {
		r = db->err.status;
	} else if (cur == 1) {
		r = journal(db, who, id, at, DB_ACT_NOTE, note);
	} else {
		r = set_state(db, who, id, true, at);
		if (!r)
			r = journal(db, who, id, at, DB_ACT_OVERRIDE, note);
		if (!r && changed)
			*changed = true;
	}
	return db_tx_end(db, r);
}

int db_item_toggle(struct db *db, const struct who *who, int64_t id, const char *note, bool *now_done)
{
	int r = check_note(db, note);
	if (r || (r = db_tx_begin(db)))
		return r;
	int cur = item_state(db, id);
	time_t at = mcon_now();
	if (cur < 0) {
		r = db->err.status;
	} else {
		r = set_state(db, who, id, !cur, at);
		if (!r)
			r = journal(db, who, id, at, cur ? DB_ACT_REOPEN : DB_ACT_DONE, note);
		if (!r && now_done)
			*now_done = !cur;
	}
	return db_tx_end(db, r);
}

int db_item_note(struct db *db, const struct who *who, int64_t id, const char *text)
{
	if (!text || !*text)
		return db_set_error(db, DB_ERR_INVALID, "empty note: give the text to add");
	int r = check_note(db, text);
	if (r || (r = db_tx_begin(db)))
		return r;
	r = item_state(db, id) < 0 ? (int)db->err.status : journal(db, who, id, mcon_now(), DB_ACT_NOTE, text);
	return db_tx_end(db, r);
}

/* ---- Reading ---- */

static void event_from_row(sqlite3_stmt *st, struct db_event *e)
{
	e->id = sqlite3_column_int64(st, 0);
	e->item_id = sqlite3_column_int64(st, 1);
	e->at = (time_t)sqlite3_column_int64(st, 2);
	e->who = db_col_str(st, 3);
	e->from = db_col_str(st, 4);
	char *a = db_col_str(st, 5);
	e->action = action_parse(a);
	free(a);
	e->note = db_col_str(st, 6);
}

static void events_push(struct db_events *ev, size_t *cap, sqlite3_stmt *st)
{
	if (ev->n == *cap) {
		*cap = *cap ? *cap * 2 : 8;
		ev->v = xrealloc(ev->v, *cap * sizeof(*ev->v));
	}
	event_from_row(st, &ev->v[ev->n++]);
}

#define EVENT_COLS "id, item_id, at, who, origin, action, note"

int db_events_list(struct db *db, int64_t item_id, struct db_events *out)
{
	memset(out, 0, sizeof(*out));
	sqlite3_stmt *st = db_prep(db, item_id > 0
		? "SELECT " EVENT_COLS " FROM item_events WHERE item_id = ? ORDER BY id"
		: "SELECT " EVENT_COLS " FROM item_events ORDER BY id");
	if (!st)
		return db->err.status;
	if (item_id > 0)
		sqlite3_bind_int64(st, 1, item_id);
	size_t cap = 0;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		events_push(out, &cap, st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		db_events_free(out);
		return db_fail(db, rc, "reading the journal");
	}
	return DB_OK;
}

void db_events_free(struct db_events *ev)
{
	for (size_t i = 0; i < ev->n; i++) {
		free(ev->v[i].who);
		free(ev->v[i].from);
		free(ev->v[i].note);
	}
	free(ev->v);
	memset(ev, 0, sizeof(*ev));
}

#define ITEM_COLS "id, title, state, created_at, created_by, created_from, done_at, done_by, done_from, " \
	"position, source"

static void item_from_row(sqlite3_stmt *st, struct db_item *it)
{
	memset(it, 0, sizeof(*it));
	it->id = sqlite3_column_int64(st, 0);
	it->title = db_col_str(st, 1);
	it->done = strcmp((const char *)sqlite3_column_text(st, 2), "done") == 0;
	it->created_at = (time_t)sqlite3_column_int64(st, 3);
	it->created_by = db_col_str(st, 4);
	it->created_from = db_col_str(st, 5);
	it->done_at = (time_t)sqlite3_column_int64(st, 6);
	it->done_by = db_col_str(st, 7);
	it->done_from = db_col_str(st, 8);
	it->position = sqlite3_column_int64(st, 9);
	it->source = db_col_str(st, 10);
}

/* A read transaction unless one (read or write) is already open. */
static int read_begin(struct db *db, bool *own)
{
	*own = sqlite3_get_autocommit(db->h) != 0;
	return *own ? db_exec(db, "BEGIN") : DB_OK;
}

static void read_end(struct db *db, bool own)
{
	if (own)
		sqlite3_exec(db->h, "COMMIT", NULL, NULL, NULL);
}

/* Fills links and notes of items (sorted by nothing in particular) by id lookup. */
static struct db_item *by_id(struct db_items *items, int64_t id)
{
	for (size_t i = 0; i < items->n; i++)
		if (items->v[i].id == id)
			return &items->v[i];
	return NULL;
}

static int fill_details(struct db *db, struct db_items *items, int64_t only)
{
	sqlite3_stmt *st = db_prep(db, only > 0
		? "SELECT item_id, check_id FROM item_links WHERE item_id = ? ORDER BY rowid"
		: "SELECT item_id, check_id FROM item_links ORDER BY item_id, rowid");
	if (!st)
		return db->err.status;
	if (only > 0)
		sqlite3_bind_int64(st, 1, only);
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct db_item *it = by_id(items, sqlite3_column_int64(st, 0));
		if (it)
			strv_push(&it->links, (const char *)sqlite3_column_text(st, 1));
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return db_fail(db, rc, "reading links");

	st = db_prep(db, only > 0
		? "SELECT " EVENT_COLS " FROM item_events WHERE note IS NOT NULL AND item_id = ? ORDER BY id"
		: "SELECT " EVENT_COLS " FROM item_events WHERE note IS NOT NULL ORDER BY id");
	if (!st)
		return db->err.status;
	if (only > 0)
		sqlite3_bind_int64(st, 1, only);
	size_t *caps = xcalloc(items->n ? items->n : 1, sizeof(*caps));
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct db_item *it = by_id(items, sqlite3_column_int64(st, 1));
		if (it)
			events_push(&it->notes, &caps[it - items->v], st);
	}
	free(caps);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? DB_OK : db_fail(db, rc, "reading notes");
}

int db_items_list(struct db *db, struct db_items *out)
{
	memset(out, 0, sizeof(*out));
	/* One read transaction, so items, links and notes are one consistent snapshot. */
	bool own = false;
	int r = read_begin(db, &own);
	if (r)
		return r;
	sqlite3_stmt *st = db_prep(db, "SELECT " ITEM_COLS " FROM items ORDER BY position, id");
	if (!st) {
		read_end(db, own);
		return db->err.status;
	}
	size_t cap = 0;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (out->n == cap) {
			cap = cap ? cap * 2 : 8;
			out->v = xrealloc(out->v, cap * sizeof(*out->v));
		}
		item_from_row(st, &out->v[out->n++]);
	}
	sqlite3_finalize(st);
	r = rc == SQLITE_DONE ? fill_details(db, out, 0) : db_fail(db, rc, "reading the checklist");
	read_end(db, own);
	if (r)
		db_items_free(out);
	return r;
}

int db_item_get(struct db *db, int64_t id, struct db_item *out)
{
	memset(out, 0, sizeof(*out));
	bool own = false;
	int r = read_begin(db, &own);
	if (r)
		return r;
	sqlite3_stmt *st = db_prep(db, "SELECT " ITEM_COLS " FROM items WHERE id = ?");
	if (!st) {
		read_end(db, own);
		return db->err.status;
	}
	sqlite3_bind_int64(st, 1, id);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		struct db_items one = {.v = out, .n = 1};
		item_from_row(st, out);
		sqlite3_finalize(st);
		r = fill_details(db, &one, id);
	} else {
		sqlite3_finalize(st);
		r = rc == SQLITE_DONE
			? db_set_error(db, DB_ERR_NOTFOUND, "no item %lld: see mcon tasks list", (long long)id)
			: db_fail(db, rc, "reading the checklist");
	}
	read_end(db, own);
	if (r)
		db_item_free(out);
	return r;
}

void db_item_free(struct db_item *it)
{
	free(it->title);
	free(it->created_by);
	free(it->created_from);
	free(it->done_by);
	free(it->done_from);
	free(it->source);
	strv_free(&it->links);
	db_events_free(&it->notes);
	memset(it, 0, sizeof(*it));
}

void db_items_free(struct db_items *items)
{
	for (size_t i = 0; i < items->n; i++)
		db_item_free(&items->v[i]);
	free(items->v);
	memset(items, 0, sizeof(*items));
}

/* ---- Import and seed ---- */

/* The seed item of this title, whose marker links are also applied to a new imported item
 * (so importing the runbook page links its items like seeding does); NULL when none. */
static const struct pending_item *seed_find(const struct pending_item *seed, size_t seed_n, const char *title)
{
	for (size_t i = 0; i < seed_n; i++)
		if (strcmp(seed[i].title, title) == 0)
			return &seed[i];
	return NULL;
}

static int import_one(struct db *db, const struct who *who, time_t at, const struct pending_item *pi,
		      const struct pending_item *seed, size_t seed_n, struct db_import_result *res)
{
	int64_t id = find_title(db, pi->title);
	if (id < 0)
		return db->err.status;
	if (id == 0) {
		struct strv links = {0};
		for (size_t i = 0; i < pi->links.n; i++)
			strv_push(&links, pi->links.v[i]);
		const struct pending_item *s = seed_find(seed, seed_n, pi->title);
		for (size_t i = 0; s && i < s->links.n; i++)
			if (!strv_contains(&links, s->links.v[i]))
				strv_push(&links, s->links.v[i]);
		int r = insert_item(db, who, at, pi->title, pi->done, "import", &links, DB_ACT_IMPORT, NULL, NULL);
		strv_free(&links);
		res->added += r == DB_OK;
		return r;
	}
	int r = add_links(db, id, &pi->links);
	if (r)
		return r;
	int cur = item_state(db, id);
	if (cur < 0)
		return db->err.status;
	if (pi->done && !cur) {
		if ((r = set_state(db, who, id, true, at)) || (r = journal(db, who, id, at, DB_ACT_IMPORT, NULL)))
			return r;
		res->ticked++;
	} else {
		if (cur && !pi->done)
			strv_push(&res->kept_done, pi->title);
		res->unchanged++;
	}
	return DB_OK;
}

int db_items_import(struct db *db, const struct who *who, const struct pending_item *items, size_t n,
		    const struct pending_item *seed, size_t seed_n, struct db_import_result *res)
{
	memset(res, 0, sizeof(*res));
	int r = db_tx_begin(db);
	if (r)
		return r;
	time_t at = mcon_now();
	for (size_t i = 0; !r && i < n; i++)
		r = import_one(db, who, at, &items[i], seed, seed_n, res);
	if (!r)
		r = db_meta_put(db, "seeded", "import");
	r = db_tx_end(db, r);
	if (r) {
		db_import_result_free(res);
		memset(res, 0, sizeof(*res));
	}
	return r;
}

void db_import_result_free(struct db_import_result *res)
{
	strv_free(&res->kept_done);
}

int db_items_seed(struct db *db, const struct who *who, const struct pending_item *seed, size_t seed_n,
		  bool *seeded)
{
	if (seeded)
		*seeded = false;
	if (db->readonly)
		return DB_OK;
	char *mark = NULL;
	/* Cheap check without the write lock: every later run stops here. */
	int r = db_meta_get(db, "seeded", &mark);
	if (r || mark) {
		free(mark);
		return r;
	}
	if ((r = db_tx_begin(db)))
		return r;
	r = db_meta_get(db, "seeded", &mark);
	if (!r && !mark) {
		time_t at = mcon_now();
		for (size_t i = 0; !r && i < seed_n; i++) {
			int64_t id = find_title(db, seed[i].title);
			if (id < 0)
				r = db->err.status;
			else if (id == 0)
				r = insert_item(db, who, at, seed[i].title, seed[i].done, "seed", &seed[i].links,
						DB_ACT_IMPORT, NULL, NULL);
		}
		if (!r)
			r = db_meta_put(db, "seeded", "asset");
		if (!r && seeded)
			*seeded = true;
	}
	free(mark);
	return db_tx_end(db, r);
}
