/* backend_live: the console's operations on the real database, collector and Docker client.
 * Every function runs on a console worker; the database connection is opened on the
 * database worker at first use and only ever used from that thread. */
#include "tui/backend_live.h"

#include <stdlib.h>
#include <string.h>
#include "core/who.h"
#include "db/db.h"

struct live {
	struct tui_backend be;
	char *db_path;
	struct db *db;          /* database worker only */
	struct who who;
};

static struct db *live_db(struct live *l, char **err)
{
	if (l->db)
		return l->db;
	struct db_error e = {0};
	l->db = db_open(l->db_path, DB_OPEN_FALLBACK_RO, &e);
	if (!l->db) {
		*err = xstrdup(e.msg);
		return NULL;
	}
	/* the runbook's items on first use, as `mcon tasks` does */
	if (db_items_seed(l->db, &l->who, NULL) != DB_OK) {
		*err = xstrdup(db_errmsg(l->db));
		db_close(l->db);
		l->db = NULL;
		return NULL;
	}
	return l->db;
}

static void live_collect(struct tui_backend *be, const struct snapshot *prev, int cancel_fd,
			 struct tui_collect *out)
{
	(void)be;
	(void)prev;
	(void)cancel_fd;
	out->error = xstrdup("the collector is not part of this build yet");
}

static void live_snapshot_free(struct tui_backend *be, struct snapshot *s)
{
	(void)be;
	(void)s;
}

static char *note_text(const struct db_event *ev)
{
	char ts[32];
	time_rfc3339(ev->at, ts);
	return xasprintf("%s %s%s%s: %s", ts, ev->who ? ev->who : "?", ev->from ? "@" : "", ev->from ? ev->from : "",
			 ev->note ? ev->note : "");
}

static int live_tasks_list(struct tui_backend *be, struct tui_task **out, size_t *n, char **err)
{
	struct live *l = be->ud;
	struct db *db = live_db(l, err);
	if (!db)
		return -1;
	struct db_items items = {0};
	if (db_items_list(db, &items) != DB_OK) {
		*err = xstrdup(db_errmsg(db));
		return -1;
	}
	*n = items.n;
	*out = items.n ? xcalloc(items.n, sizeof(**out)) : NULL;
	for (size_t i = 0; i < items.n; i++) {
		const struct db_item *it = &items.v[i];
		struct tui_task *t = &(*out)[i];
		t->id = (long)it->id;
		t->title = xstrdup(it->title);
		t->done = it->done;
		t->created_at = it->created_at;
		t->done_at = it->done_at;
		if (it->done_by)
			t->done_by = it->done_from && *it->done_from ? xasprintf("%s@%s", it->done_by, it->done_from)
								   : xstrdup(it->done_by);
		for (size_t k = 0; k < it->links.n; k++)
			strv_push(&t->links, it->links.v[k]);
		for (size_t k = 0; k < it->notes.n; k++)
			strv_push_owned(&t->notes, note_text(&it->notes.v[k]));
	}
	db_items_free(&items);
	return 0;
}

static int live_task_set_done(struct tui_backend *be, long id, bool done, const char *note, char **err)
{
	struct live *l = be->ud;
	struct db *db = live_db(l, err);
	if (!db)
		return -1;
	if (db_item_set_done(db, &l->who, id, done, note, NULL) != DB_OK) {
		*err = xstrdup(db_errmsg(db));
		return -1;
	}
	return 0;
}

static int live_task_add(struct tui_backend *be, const char *title, long *id, char **err)
{
	struct live *l = be->ud;
	struct db *db = live_db(l, err);
	if (!db)
		return -1;
	int64_t nid = 0;
	if (db_item_add(db, &l->who, title, NULL, NULL, &nid) != DB_OK) {
		*err = xstrdup(db_errmsg(db));
		return -1;
	}
	*id = (long)nid;
	return 0;
}

static int live_task_note(struct tui_backend *be, long id, const char *text, char **err)
{
	struct live *l = be->ud;
	struct db *db = live_db(l, err);
	if (!db)
		return -1;
	if (db_item_note(db, &l->who, id, text) != DB_OK) {
		*err = xstrdup(db_errmsg(db));
		return -1;
	}
	return 0;
}

static int live_history(struct tui_backend *be, time_t since, struct tui_change **out, size_t *n, char **err)
{
	struct live *l = be->ud;
	struct db *db = live_db(l, err);
	if (!db)
		return -1;
	struct db_history_list h = {0};
	if (db_history_list(db, since, 2000, &h) != DB_OK) {
		*err = xstrdup(db_errmsg(db));
		return -1;
	}
	*n = h.n;
	*out = h.n ? xcalloc(h.n, sizeof(**out)) : NULL;
	for (size_t i = 0; i < h.n; i++)
		(*out)[i] = (struct tui_change){h.v[i].at, xstrdup(h.v[i].kind), xstrdup(h.v[i].target),
						xstrdup(h.v[i].from), xstrdup(h.v[i].to), xstrdup(h.v[i].detail)};
	db_history_list_free(&h);
	return 0;
}

static const struct tui_backend_ops live_ops = {
	.collect = live_collect,
	.snapshot_free = live_snapshot_free,
	.tasks_list = live_tasks_list,
	.task_set_done = live_task_set_done,
	.task_add = live_task_add,
	.task_note = live_task_note,
	.history_list = live_history,
};

struct tui_backend *tui_live_new(const struct config *cfg, const char *db_path)
{
	struct live *l = xcalloc(1, sizeof(*l));
	l->be.ops = &live_ops;
	l->be.ud = l;
	l->be.cfg = cfg;
	l->db_path = xstrdup(db_path);
	who_current(&l->who);
	return &l->be;
}

void tui_live_free(struct tui_backend *be)
{
	if (!be)
		return;
	struct live *l = be->ud;
	if (l->db)
		db_close(l->db);
	free(l->db_path);
	free(l);
}
