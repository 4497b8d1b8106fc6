/* jobs: what the console hands to its workers (a refresh, checklist reads and changes, the
 * history, container logs) and the Docker event thread, each with the part that runs on the
 * worker and the part that applies the result on the UI thread. */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "tui/console.h"

#define HISTORY_DAYS 7

struct collect_job {
	struct job job;
	struct tui_backend *be;
	const struct snapshot *prev;
	int cancel_fd;
	struct tui_collect out;
};

/* Frees what a collect (live or stored) handed over and nobody took. */
static void collect_out_free(struct tui_backend *be, struct tui_collect *out)
{
	if (out->snap)
		be->ops->snapshot_free(be, out->snap);
	tui_results_free(out->results, out->n_results);
	free(out->error);
}

/* The model takes the snapshot and results of out (which keeps neither). */
static void model_take(struct tui_model *m, struct tui_backend *be, struct tui_collect *out)
{
	if (m->snap)
		be->ops->snapshot_free(be, m->snap);
	m->snap = out->snap;
	out->snap = NULL;
	tui_results_free(m->results, m->n_results);
	m->results = out->results;
	m->n_results = out->n_results;
	out->results = NULL;
	out->n_results = 0;
	model_index(m);
}

static void collect_run_job(struct job *j)
{
	struct collect_job *cj = (struct collect_job *)j;
	cj->be->ops->collect(cj->be, cj->prev, cj->cancel_fd, &cj->out);
}

static void collect_free(struct job *j)
{
	struct collect_job *cj = (struct collect_job *)j;
	collect_out_free(cj->be, &cj->out);
	free(cj);
}


static void collect_done(struct job *j, struct console *c)
{
	struct collect_job *cj = (struct collect_job *)j;
	struct tui_model *m = &c->model;
	c->collecting = false;
	if (cj->out.snap) {
		c->stale_at = 0;
		model_take(m, c->be, &cj->out);
		model_prune_live(m);
	}
	free(m->collect_err);
	m->collect_err = cj->out.error;
	cj->out.error = NULL;
	if (m->collect_err)
		console_message(c, STATUS_CRITICAL, "refresh failed: %s", m->collect_err);
	long long now = console_now_ms();
	c->next_refresh = now + (c->cfg->ui_refresh_s > 0 ? c->cfg->ui_refresh_s : 30) * 1000LL;
	console_model_changed(c);
	/* the checklist (another admin's ticks) and the history are re-read with every refresh */
	console_tasks_reload(c);
	console_history_reload(c);
	if (c->refresh_again) {
		c->refresh_again = false;
		console_refresh(c);
	}
}

struct screen_job {
	struct job job;
	struct tui_backend *be;
	struct tui_collect out;
	time_t at;
};

static void screen_run(struct job *j)
{
	struct screen_job *sj = (struct screen_job *)j;
	sj->be->ops->last_screen(sj->be, &sj->out, &sj->at);
}

static void screen_free(struct job *j)
{
	struct screen_job *sj = (struct screen_job *)j;
	collect_out_free(sj->be, &sj->out);
	free(sj);
}

/* The last known state, shown only while no live snapshot has arrived. */
static void screen_done(struct job *j, struct console *c)
{
	struct screen_job *sj = (struct screen_job *)j;
	struct tui_model *m = &c->model;
	if (!sj->out.snap || m->snap)
		return;
	model_take(m, c->be, &sj->out);
	c->stale_at = sj->at ? sj->at : 1;
	console_model_changed(c);
}

void console_last_screen(struct console *c)
{
	if (!c->be->ops->last_screen)
		return;
	struct screen_job *sj = xcalloc(1, sizeof(*sj));
	sj->job.run = screen_run;
	sj->job.done = screen_done;
	sj->job.free = screen_free;
	sj->be = c->be;
	workq_submit(c->q_db, &sj->job);
}

void console_refresh(struct console *c)
{
	if (c->collecting) {
		c->refresh_again = true;
		return;
	}
	struct collect_job *cj = xcalloc(1, sizeof(*cj));
	cj->job.run = collect_run_job;
	cj->job.done = collect_done;
	cj->job.free = collect_free;
	cj->be = c->be;
	cj->prev = c->model.snap; /* stays alive: it is only replaced in collect_done */
	cj->cancel_fd = c->cancel[0];
	c->collecting = true;
	c->collect_started = console_now_ms();
	c->next_spin = c->collect_started + SPIN_MS;
	c->dirty_head = true;
	workq_submit(c->q_collect, &cj->job);
}

struct tasks_job {
	struct job job;
	struct tui_backend *be;
	/* a change to make first (kind 0 = none) */
	enum { TJ_LOAD, TJ_SET, TJ_ADD, TJ_NOTE } kind;
	long id;
	bool done_flag;
	char *text;
	char *title;
	bool record_undo, was_done;
	int rc;
	char *err;
	struct tui_task *tasks;
	size_t n;
	int list_rc;
	char *list_err;
};

static void tasks_run(struct job *j)
{
	struct tasks_job *t = (struct tasks_job *)j;
	const struct tui_backend_ops *ops = t->be->ops;
	t->rc = 0;
	switch (t->kind) {
	case TJ_SET:
		t->rc = ops->task_set_done(t->be, t->id, t->done_flag, t->text, &t->err);
		break;
	case TJ_ADD:
		t->rc = ops->task_add(t->be, t->text, &t->id, &t->err);
		break;
	case TJ_NOTE:
		t->rc = ops->task_note(t->be, t->id, t->text, &t->err);
		break;
	case TJ_LOAD:
		break;
	}
	t->list_rc = ops->tasks_list(t->be, &t->tasks, &t->n, &t->list_err);
}

static void tasks_free(struct job *j)
{
	struct tasks_job *t = (struct tasks_job *)j;
	free(t->text);
	free(t->title);
	free(t->err);
	free(t->list_err);
	tui_tasks_free(t->tasks, t->n);
	free(t);
}

/* Whether two checklists show the same thing (so a periodic re-read that finds no change
 * draws nothing). */
static bool tasks_equal(const struct tui_task *a, size_t na, const struct tui_task *b, size_t nb)
{
	if (na != nb)
		return false;
	for (size_t i = 0; i < na; i++) {
		if (a[i].id != b[i].id || a[i].done != b[i].done || a[i].done_at != b[i].done_at ||
		    a[i].created_at != b[i].created_at || a[i].notes.n != b[i].notes.n ||
		    a[i].links.n != b[i].links.n || strcmp(a[i].title, b[i].title) != 0 ||
		    strcmp(a[i].done_by ? a[i].done_by : "", b[i].done_by ? b[i].done_by : "") != 0)
			return false;
		for (size_t k = 0; k < a[i].notes.n; k++)
			if (strcmp(a[i].notes.v[k], b[i].notes.v[k]) != 0)
				return false;
	}
	return true;
}

static void tasks_done(struct job *j, struct console *c)
{
	struct tasks_job *t = (struct tasks_job *)j;
	struct tui_model *m = &c->model;
	c->db_busy = false;
	if (t->kind != TJ_LOAD) {
		if (t->rc < 0) {
			console_message(c, STATUS_CRITICAL, "checklist: %s", t->err ? t->err : "failed");
		} else if (t->kind == TJ_SET) {
			if (t->record_undo) {
				if (c->n_undo == (int)ARRAY_SIZE(c->undo)) {
					free(c->undo[0].title);
					memmove(c->undo, c->undo + 1, sizeof(c->undo[0]) * (ARRAY_SIZE(c->undo) - 1));
					c->n_undo--;
				}
				c->undo[c->n_undo++] = (struct undo_entry){t->id, !t->done_flag, xstrdup(t->title)};
			}
			console_message(c, STATUS_OK, "#%ld %s: %s", t->id, t->done_flag ? "ticked" : "reopened",
					t->title ? t->title : "");
		} else if (t->kind == TJ_ADD) {
			console_message(c, STATUS_OK, "added #%ld: %s", t->id, t->text);
		} else if (t->kind == TJ_NOTE) {
			console_message(c, STATUS_OK, "note added to #%ld", t->id);
		}
	}
	bool changed = false;
	if (t->list_rc == 0) {
		if (!m->tasks_loaded || !tasks_equal(m->tasks, m->n_tasks, t->tasks, t->n)) {
			tui_tasks_free(m->tasks, m->n_tasks);
			m->tasks = t->tasks;
			m->n_tasks = t->n;
			t->tasks = NULL;
			t->n = 0;
			changed = true;
		}
		if (m->tasks_err) {
			free(m->tasks_err);
			m->tasks_err = NULL;
			changed = true;
		}
		m->tasks_loaded = true;
	} else if (!m->tasks_err || strcmp(m->tasks_err, t->list_err ? t->list_err : "") != 0) {
		free(m->tasks_err);
		m->tasks_err = xstrdup(t->list_err ? t->list_err : "cannot read the checklist");
		m->tasks_loaded = true;
		changed = true;
	}
	if (changed)
		console_source_changed(c, SRC_TASKS);
}

static void submit_tasks(struct console *c, struct tasks_job *t)
{
	t->job.run = tasks_run;
	t->job.done = tasks_done;
	t->job.free = tasks_free;
	t->be = c->be;
	c->db_busy = true;
	workq_submit(c->q_db, &t->job);
}

void console_tasks_reload(struct console *c)
{
	if (c->db_busy)
		return;
	struct tasks_job *t = xcalloc(1, sizeof(*t));
	t->kind = TJ_LOAD;
	submit_tasks(c, t);
}

void console_task_set_done(struct console *c, long id, bool done, const char *note, bool record_undo,
			   const char *title)
{
	struct tasks_job *t = xcalloc(1, sizeof(*t));
	t->kind = TJ_SET;
	t->id = id;
	t->done_flag = done;
	t->text = note && *note ? xstrdup(note) : NULL;
	t->title = xstrdup(title);
	t->record_undo = record_undo;
	submit_tasks(c, t);
}

void console_task_add(struct console *c, const char *title)
{
	struct tasks_job *t = xcalloc(1, sizeof(*t));
	t->kind = TJ_ADD;
	t->text = xstrdup(title);
	submit_tasks(c, t);
}

void console_task_note(struct console *c, long id, const char *text)
{
	struct tasks_job *t = xcalloc(1, sizeof(*t));
	t->kind = TJ_NOTE;
	t->id = id;
	t->text = xstrdup(text);
	submit_tasks(c, t);
}

void console_task_undo(struct console *c)
{
	if (c->n_undo == 0) {
		console_message(c, STATUS_WARNING, "nothing to undo");
		return;
	}
	struct undo_entry u = c->undo[--c->n_undo];
	console_task_set_done(c, u.id, u.was_done, "undo", false, u.title);
	free(u.title);
}

struct history_job {
	struct job job;
	struct tui_backend *be;
	time_t since;
	int rc;
	char *err;
	struct tui_change *rows;
	size_t n;
};

static void history_run(struct job *j)
{
	struct history_job *h = (struct history_job *)j;
	h->rc = h->be->ops->history_list(h->be, h->since, &h->rows, &h->n, &h->err);
}

static void history_free(struct job *j)
{
	struct history_job *h = (struct history_job *)j;
	free(h->err);
	tui_changes_free(h->rows, h->n);
	free(h);
}

static void history_done(struct job *j, struct console *c)
{
	struct history_job *h = (struct history_job *)j;
	struct tui_model *m = &c->model;
	c->history_busy = false;
	free(m->history_err);
	m->history_err = NULL;
	if (h->rc == 0) {
		tui_changes_free(m->changes, m->n_changes);
		m->changes = h->rows;
		m->n_changes = h->n;
		h->rows = NULL;
		h->n = 0;
	} else {
		m->history_err = xstrdup(h->err ? h->err : "cannot read the history");
	}
	m->history_loaded = true;
	console_source_changed(c, SRC_HISTORY);
}

void console_history_reload(struct console *c)
{
	if (c->history_busy || !c->be->ops->history_list)
		return;
	struct history_job *h = xcalloc(1, sizeof(*h));
	h->job.run = history_run;
	h->job.done = history_done;
	h->job.free = history_free;
	h->be = c->be;
	h->since = mcon_now() - HISTORY_DAYS * 86400;
	c->history_busy = true;
	/* on the database worker: history and checklist share the file */
	workq_submit(c->q_db, &h->job);
}

struct logs_job {
	struct job job;
	struct tui_backend *be;
	char *id, *key;
	bool tty;
	int rc;
	char *text, *err;
};

#define LOGS_PLACEHOLDER "  fetching the last 200 lines..."

static void logs_run(struct job *j)
{
	struct logs_job *l = (struct logs_job *)j;
	l->rc = l->be->ops->container_logs(l->be, l->id, l->tty, 200, &l->text, &l->err);
}

static void logs_free(struct job *j)
{
	struct logs_job *l = (struct logs_job *)j;
	free(l->id);
	free(l->key);
	free(l->text);
	free(l->err);
	free(l);
}

static void logs_done(struct job *j, struct console *c)
{
	struct logs_job *l = (struct logs_job *)j;
	struct textview *tv = c->view;
	if (!tv || !tv->key || strcmp(tv->key, l->key) != 0)
		return; /* the details were closed meanwhile */
	tv->loading = c->follow != NULL;
	/* the lines take the placeholder's place: a followed log's new lines may be below it */
	size_t at = tv->lines.n;
	while (at > 0 && strcmp(tv->lines.v[at - 1], LOGS_PLACEHOLDER) != 0)
		at--;
	if (at == 0)
		return;
	struct textview got;
	tv_init(&got, "", "");
	if (l->rc < 0)
		tv_add(&got, "  (logs unavailable: %s)", l->err ? l->err : "error");
	else if (!l->text || !*l->text)
		tv_add(&got, "  (no log lines)");
	else
		tv_add_text(&got, l->text);
	struct strv after = {0};
	for (size_t i = at; i < tv->lines.n; i++)
		strv_push_owned(&after, tv->lines.v[i]);
	free(tv->lines.v[at - 1]);
	tv->lines.n = at - 1;
	for (size_t i = 0; i < got.lines.n; i++)
		strv_push(&tv->lines, got.lines.v[i]);
	for (size_t i = 0; i < after.n; i++)
		strv_push_owned(&tv->lines, after.v[i]);
	free(after.v);
	tv_free(&got);
	c->dirty_body = true;
}

void console_fetch_logs(struct console *c, const char *container_id, bool tty, const char *key)
{
	if (!c->be->ops->container_logs || !container_id) {
		if (c->view)
			tv_add(c->view, "  (logs unavailable in this build)");
		return;
	}
	struct logs_job *l = xcalloc(1, sizeof(*l));
	l->job.run = logs_run;
	l->job.done = logs_done;
	l->job.free = logs_free;
	l->be = c->be;
	l->id = xstrdup(container_id);
	l->tty = tty;
	l->key = xstrdup(key);
	if (c->view) {
		c->view->loading = true;
		tv_add(c->view, "%s", LOGS_PLACEHOLDER);
	}
	workq_submit(c->q_logs, &l->job);
}

/* ---- Docker events ---- */

struct event_job {
	struct job job;
	struct tui_event *ev;
	char *error;            /* the stream failed */
};

static void event_free(struct job *j)
{
	struct event_job *e = (struct event_job *)j;
	tui_event_free(e->ev);
	free(e->error);
	free(e);
}

static void event_done(struct job *j, struct console *c)
{
	struct event_job *e = (struct event_job *)j;
	if (e->error) {
		console_message(c, STATUS_WARNING, "docker events: %s (retrying)", e->error);
		return;
	}
	if (model_apply_event(&c->model, e->ev))
		console_source_changed(c, SRC_EVENTS);
}

static void event_noop(struct job *j)
{
	(void)j;
}

static void on_event(const struct tui_event *ev, void *ud)
{
	struct console *c = ud;
	struct event_job *e = xcalloc(1, sizeof(*e));
	e->job.run = event_noop;
	e->job.done = event_done;
	e->job.free = event_free;
	e->ev = tui_event_dup(ev);
	mailbox_post(&c->mb, &e->job);
}

void *console_events_main(void *arg)
{
	struct console *c = arg;
	int backoff = 1000;
	char *last = NULL;      /* the failure last reported: the same one is not repeated */
	for (;;) {
		char *err = NULL;
		int rc = c->be->ops->events_run(c->be, c->cancel[0], on_event, c, &err);
		struct pollfd pfd = {.fd = c->cancel[0], .events = POLLIN};
		if (poll(&pfd, 1, 0) > 0) {
			free(err);
			break;
		}
		if (rc < 0 && last && err && strcmp(last, err) == 0) {
			free(err);
			err = NULL;
		} else if (rc < 0) {
			free(last);
			last = xstrdup(err ? err : "stream ended");
			struct event_job *e = xcalloc(1, sizeof(*e));
			e->job.run = event_noop;
			e->job.done = event_done;
			e->job.free = event_free;
			e->error = err ? err : xstrdup("stream ended");
			mailbox_post(&c->mb, &e->job);
			err = NULL;
		} else {
			backoff = 1000; /* a clean end (daemon restart): reconnect soon */
		}
		free(err);
		if (poll(&pfd, 1, backoff) > 0)
			break;
		backoff = backoff * 2 > 30000 ? 30000 : backoff * 2;
	}
	free(last);
	return NULL;
}

