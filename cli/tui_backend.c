/* tui_backend: the console's operations on the real database, collector and Docker client.
 * Every function runs on a console worker; the database connection is opened on the
 * database worker at first use and only ever used from that thread. */
#include "cli/tui_backend.h"

#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include "cli/check_cmd.h"
#include "cli/fix_run.h"
#include "core/collect.h"
#include "core/checks.h"
#include "core/docker.h"
#include "core/fetch.h"
#include "core/laststate.h"
#include "core/mailcow.h"
#include "core/who.h"
#include "core/onboard.h"
#include "core/onboard_live.h"
#include "core/onboard_verify.h"
#include "core/pending.h"
#include "db/db.h"
#include "db/onboard.h"

struct live {
	struct tui_backend be;
	char *db_path;
	struct db *db;          /* database worker only */
	struct db *db_checks;   /* collect worker only: the recorded state the checks compare with */
	struct db *db_screen;   /* collect worker only: keeps the last complete collect */
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
	struct pending_doc runbook;
	pending_seed(&runbook);
	int r = db_items_seed(l->db, &l->who, runbook.items, runbook.n, NULL);
	pending_doc_free(&runbook);
	if (r != DB_OK) {
		*err = xstrdup(db_errmsg(l->db));
		db_close(l->db);
		l->db = NULL;
		return NULL;
	}
	return l->db;
}

/* The state `mcon record` stored last (restart counts, for containers.restarts), read
 * before the checks run; the read-only connection stays open on the collect worker. */
static void recorded_state(struct live *l, const struct snapshot *s, struct check_prev *prev)
{
	if (!l->db_checks) {
		struct db_error e = {0};
		l->db_checks = db_open(l->db_path, DB_OPEN_READONLY, &e);
	}
	check_prev_from_db(l->db_checks, s, l->be.cfg, prev);
}

static void run_checks(struct live *l, const struct snapshot *s, struct tui_collect *out)
{
	struct check_prev prev;
	recorded_state(l, s, &prev);
	struct check_run run;
	checks_run(s, l->be.cfg, &prev, &run);
	check_prev_free(&prev);
	/* the console takes the results as they are (tui_results_free frees them) */
	out->results = run.results;
	out->n_results = run.n;
}

/* Keeps a complete collect as the next start's first screen (best effort: a database that
 * cannot be written just means no first screen). */
static void keep_screen(struct live *l, const struct snapshot *s, const struct tui_collect *c)
{
	if (!l->db_screen) {
		struct db_error e = {0};
		l->db_screen = db_open(l->db_path, DB_OPEN_FALLBACK_RO, &e);
	}
	if (!l->db_screen || db_is_readonly(l->db_screen))
		return;
	char *text = laststate_encode(s, c->results, c->n_results);
	db_screen_put(l->db_screen, s->finished_at ? s->finished_at : s->started_at, text);
	free(text);
}

/* The first screen: what keep_screen stored last (on the database worker). */
static void live_last_screen(struct tui_backend *be, struct tui_collect *out, time_t *at)
{
	struct live *l = be->ud;
	memset(out, 0, sizeof(*out));
	*at = 0;
	char *err = NULL, *text = NULL;
	struct db *db = live_db(l, &err);
	if (db && db_screen_get(db, at, &text) == DB_OK && text &&
	    laststate_decode(text, be->cfg, &out->snap, &out->results, &out->n_results, &err) < 0)
		*at = 0;
	free(text);
	free(err);
}

/* One refresh: the collector (every source concurrently; a failed part carries its reason)
 * and the checks over it (containers.restarts compares with what `mcon record` stored). */
static void live_collect(struct tui_backend *be, const struct snapshot *prev, int cancel_fd,
			 struct tui_collect *out)
{
	struct collect_opts o = {.prev = prev, .cancel_fd = cancel_fd};
	struct snapshot *s = collect_run(be->cfg, &o);
	run_checks(be->ud, s, out);
	out->snap = s;
	struct pollfd p = {.fd = cancel_fd, .events = POLLIN};
	if (cancel_fd < 0 || poll(&p, 1, 0) == 0)
		keep_screen(be->ud, s, out);
}

static void live_snapshot_free(struct tui_backend *be, struct snapshot *s)
{
	(void)be;
	snapshot_free(s);
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

static int live_logs(struct tui_backend *be, const char *id, bool tty, int lines, char **text, char **err)
{
	struct docker_logs lg = {0};
	if (docker_logs(be->cfg, NULL, id, tty, lines, &lg) < 0) {
		*err = xstrdup(lg.error ? lg.error : "the Docker logs request failed");
		docker_logs_free(&lg);
		return -1;
	}
	struct buf b = {0};
	for (size_t i = 0; i < lg.n; i++) {
		const struct docker_log_line *l = &lg.lines[i];
		/* seconds are enough on this screen: 2026-11-29T23:53:31Z */
		if (l->ts)
			buf_printf(&b, "%.19sZ ", l->ts);
		buf_printf(&b, "%s%s\n", l->stream == 2 ? "! " : "", l->text ? l->text : "");
	}
	docker_logs_free(&lg);
	*text = b.data ? buf_steal(&b) : xstrdup("");
	return 0;
}

struct live_events {
	void (*on_event)(const struct tui_event *ev, void *ud);
	void *ud;
	bool ended;
	char *error;
};

static void live_event(const struct docker_event *ev, void *ud)
{
	struct live_events *x = ud;
	if (ev->type && strcmp(ev->type, "stream") == 0) {
		x->ended = true;
		free(x->error);
		x->error = xstrdup(ev->error ? ev->error : "the Docker event stream ended");
		return;
	}
	bool net = ev->type && strcmp(ev->type, "network") == 0;
	struct tui_event te = {
		.type = (char *)ev->type,
		.action = (char *)ev->action,
		.id = (char *)ev->container,
		.service = (char *)ev->service,
		.name = net ? NULL : (char *)ev->name,
		.network = net ? (char *)ev->name : NULL,
		.time = ev->time,
	};
	x->on_event(&te, x->ud);
}

static int live_events_run(struct tui_backend *be, int cancel_fd,
			   void (*on_event)(const struct tui_event *ev, void *ud), void *ud, char **err)
{
	struct live_events x = {.on_event = on_event, .ud = ud};
	struct fetcher *f = fetcher_new();
	fetcher_set_wake_fd(f, cancel_fd);
	if (docker_events_start(f, be->cfg, NULL, live_event, &x) < 0) {
		fetcher_free(f);
		*err = xasprintf("cannot stream events from %s", be->cfg->docker_host);
		return -1;
	}
	bool cancelled = false;
	while (!x.ended) {
		fetcher_step(f, 1000);
		struct pollfd p = {.fd = cancel_fd, .events = POLLIN};
		if (poll(&p, 1, 0) > 0) {
			cancelled = true;
			break;
		}
	}
	fetcher_free(f);
	if (cancelled) {
		free(x.error);
		return 0;
	}
	*err = x.error;
	return -1;
}

/* ---- Onboarding: one session on the console's onboarding worker, with its own database
 * connection (used only from that thread) for the step outcomes. ---- */

struct live_onboard {
	struct db *db;
	struct onboard_live *api;
	void (*say)(void *ud, const char *line);
	void *say_ud;
	char *domain;           /* the session's, for the remembered catch-all */
	bool marked;
};

static bool live_can_onboard(struct tui_backend *be)
{
	(void)be;
	return true;
}

static void lob_say(void *ud, const char *line)
{
	struct live_onboard *lo = ud;
	if (lo->say)
		lo->say(lo->say_ud, line);
}

static void lob_save(void *ud, const struct onboard_outcome *o)
{
	struct live_onboard *lo = ud;
	if (db_onboard_save(lo->db, o) != DB_OK)
		lob_say(lo, db_errmsg(lo->db));
}

static void lob_remember(void *ud, const char *target)
{
	struct live_onboard *lo = ud;
	if (lo->domain && db_onboard_set_catchall(lo->db, lo->domain, target, mcon_now()) != DB_OK)
		lob_say(lo, db_errmsg(lo->db));
}

static void lob_free(struct live_onboard *lo)
{
	if (!lo)
		return;
	onboard_live_free(lo->api);
	db_close(lo->db);
	free(lo->domain);
	free(lo);
}

static struct onboard *live_onboard_open(struct tui_backend *be, const char *domain, const char *catchall_to,
					 void (*say)(void *ud, const char *line), void *say_ud, char **err)
{
	struct live *l = be->ud;
	struct live_onboard *lo = xcalloc(1, sizeof(*lo));
	lo->say = say;
	lo->say_ud = say_ud;
	struct db_error e = {0};
	lo->db = db_open(l->db_path, 0, &e);
	if (!lo->db) {
		*err = xstrdup(e.msg);
		free(lo);
		return NULL;
	}
	lo->api = onboard_live_new(be->cfg, onboard_verify_checks, onboard_verify_relay_mx, NULL, err);
	if (!lo->api) {
		lob_free(lo);
		return NULL;
	}
	struct onboard_ui ui = {.say = lob_say, .save = lob_save, .ud = lo, .remember_catchall = lob_remember};
	lo->domain = xstrdup(domain);
	/* Enter at the console's prompt keeps the target given to an earlier run */
	char *stored = catchall_to ? NULL : db_onboard_catchall(lo->db, domain);
	struct onboard_opts opts = {.catchall_to = catchall_to ? catchall_to : stored, .wait_s = 0};
	struct onboard *ob = onboard_new(be->cfg, domain, &onboard_live_backend, lo->api, &ui, &opts, err);
	free(stored);
	if (!ob) {
		lob_free(lo);
		return NULL;
	}
	struct onboard_outcome *v = NULL;
	size_t n = 0;
	if (db_onboard_load(lo->db, domain, &v, &n) != DB_OK) {
		*err = xstrdup(db_errmsg(lo->db));
		onboard_free(ob);
		lob_free(lo);
		return NULL;
	}
	for (size_t i = 0; i < n; i++)
		onboard_restore(ob, &v[i]);
	db_onboard_outcomes_free(v, n);
	lo->marked = ob->onboarded;
	return ob;
}

static int live_onboard_step(struct tui_backend *be, struct onboard *ob, size_t i)
{
	(void)be;
	struct live_onboard *lo = ob->ui.ud;
	enum onboard_state st = onboard_step_run(ob, i);
	if (ob->onboarded && !lo->marked) {
		if (db_onboard_mark_onboarded(lo->db, ob->domain, mcon_now()) != DB_OK)
			lob_say(lo, db_errmsg(lo->db));
		else
			lo->marked = true;
	}
	return (int)st;
}

static char *live_onboard_catchall(struct tui_backend *be, const char *domain)
{
	struct live *l = be->ud;
	struct db_error e = {0};
	struct db *db = db_open(l->db_path, DB_OPEN_READONLY, &e);
	char *t = db ? db_onboard_catchall(db, domain) : NULL;
	db_close(db);
	return t;
}

static void live_onboard_close(struct tui_backend *be, struct onboard *ob)
{
	(void)be;
	if (!ob)
		return;
	struct live_onboard *lo = ob->ui.ud;
	onboard_free(ob);
	lob_free(lo);
}

static int live_fix_apply(struct tui_backend *be, const struct fix_plan *p, char **text)
{
	struct live *l = be->ud;
	struct buf out = {0};
	char *err = NULL;
	int rc = fix_run(be->cfg, l->db_path, p, NULL, NULL, &out, &err);
	if (err)
		buf_printf(&out, "%s\n", err);
	free(err);
	*text = buf_steal(&out);
	return rc;
}

/* ---- Actions from the console: the MailCow queue, Docker restarts and log follow ---- */

/* A history row for an action done; a failure to record is added to out. */
static void record_action(struct live *l, const char *kind, const char *target, const char *what,
			  const char *outcome, struct buf *out)
{
	struct db_error derr;
	struct db *db = db_open(l->db_path, 0, &derr);
	if (!db) {
		buf_printf(out, "; not recorded in the history: %s", derr.msg);
		return;
	}
	if (db_history_add_action(db, mcon_now(), &l->who, kind, target, what, outcome) != DB_OK)
		buf_printf(out, "; not recorded in the history: %s", db_errmsg(db));
	db_close(db);
}

static const char ro_refusal[] = "the API key is read-only: nothing written (a read-write key: MailCow UI > "
				 "Configuration > Access > Administrators > API)";

static int live_can_write(struct tui_backend *be, char **text)
{
	char *e = NULL;
	struct mailcow_api *api = mailcow_api_new(be->cfg, &e);
	if (!api) {
		*text = xasprintf("%s", e ? e : "the MailCow API is not configured");
		free(e);
		return 1;
	}
	struct mc_result res = {0};
	int rc = 0;
	if (mailcow_write_probe(api, &res) != 0) {
		rc = res.key == KEY_READ_ONLY ? 2 : 1;
		*text = rc == 2 ? xstrdup(ro_refusal)
				: xasprintf("MailCow cannot be written: %s", res.message ? res.message : "no answer");
	}
	mc_result_free(&res);
	mailcow_api_free(api);
	return rc;
}

static int live_queue_act(struct tui_backend *be, const char *action, const struct strv *ids, char **text)
{
	struct live *l = be->ud;
	char *e = NULL;
	struct mailcow_api *api = mailcow_api_new(be->cfg, &e);
	if (!api) {
		*text = xasprintf("nothing written: %s", e ? e : "the MailCow API is not configured");
		free(e);
		return 1;
	}
	struct mc_result res = {0};
	struct buf out = {0};
	int rc = 0;
	if (mailcow_mailq(api, action, ids, &res) != 0) {
		rc = res.key == KEY_READ_ONLY ? 2 : 1;
		if (rc == 2)
			buf_puts(&out, ro_refusal);
		else
			buf_printf(&out, "%s failed: %s", action, res.message ? res.message : "no answer");
	} else {
		char *list = ids && ids->n ? strv_join(ids, " ") : xstrdup("the whole queue");
		buf_printf(&out, "%s: %s (MailCow: %s)", action, list, res.message ? res.message : "done");
		char *what = xasprintf("%s %s", action, list);
		record_action(l, "queue", action, what, list, &out);
		free(what);
		free(list);
	}
	mc_result_free(&res);
	mailcow_api_free(api);
	*text = buf_steal(&out);
	return rc;
}

static int live_container_restart(struct tui_backend *be, const char *id, const char *service, char **text)
{
	struct live *l = be->ud;
	char *err = NULL;
	if (docker_restart(be->cfg, id, &err) != 0) {
		*text = xasprintf("restart %s failed: %s", service, err ? err : "no answer");
		free(err);
		return -1;
	}
	struct buf out = {0};
	buf_printf(&out, "restarted %s", service);
	char *what = xasprintf("POST /containers/%.12s/restart", id);
	record_action(l, "restart", service, what, "restarted", &out);
	free(what);
	*text = buf_steal(&out);
	return 0;
}

struct live_follow {
	void (*on_line)(const char *line, void *ud);
	void *ud;
};

static void live_follow_line(int stream, const char *line, void *ud)
{
	struct live_follow *x = ud;
	/* as the fetched lines: 2026-11-29T23:53:31Z text, ! for stderr */
	const char *sp = strchr(line, ' ');
	const char *err = stream == 2 ? "! " : "";
	char *t = sp && sp - line >= 19 && line[4] == '-' ? xasprintf("%.19sZ %s%s", line, err, sp + 1)
						       : xasprintf("%s%s", err, line);
	x->on_line(t, x->ud);
	free(t);
}

static int live_logs_follow(struct tui_backend *be, const char *id, bool tty, int cancel_fd,
			    void (*on_line)(const char *line, void *ud), void *ud, char **err)
{
	struct live_follow x = {on_line, ud};
	return docker_logs_follow(be->cfg, id, tty, cancel_fd, live_follow_line, &x, err);
}

static const struct tui_backend_ops live_ops = {
	.collect = live_collect,
	.snapshot_free = live_snapshot_free,
	.tasks_list = live_tasks_list,
	.task_set_done = live_task_set_done,
	.task_add = live_task_add,
	.task_note = live_task_note,
	.history_list = live_history,
	.container_logs = live_logs,
	.events_run = live_events_run,
	.can_onboard = live_can_onboard,
	.onboard_open = live_onboard_open,
	.onboard_step = live_onboard_step,
	.onboard_close = live_onboard_close,
	.onboard_catchall = live_onboard_catchall,
	.fix_apply = live_fix_apply,
	.last_screen = live_last_screen,
	.can_write = live_can_write,
	.queue_act = live_queue_act,
	.container_restart = live_container_restart,
	.logs_follow = live_logs_follow,
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
	if (l->db_checks)
		db_close(l->db_checks);
	if (l->db_screen)
		db_close(l->db_screen);
	free(l->db_path);
	free(l);
}
