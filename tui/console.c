/* console: the event loop (one poll on the terminal and the workers' mailbox, with the
 * timeout to the next timer), key dispatch through the action table, the header, the
 * status line and the prompt, and the jobs that run on the workers. Drawing happens only
 * here, for what is marked dirty, with wnoutrefresh per window and one doupdate. */
#include "tui/console.h"

#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <wchar.h>
#include "core/sanitize.h"

#define DB_POLL_MS 5000         /* re-read the shared checklist this often */
#define SPIN_MS 125
#define MSG_MS 6000
#define HISTORY_DAYS 7

long long console_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

const char *console_spinner(const struct console *c)
{
	static const char *utf8[] = {"\xe2\xa0\x8b", "\xe2\xa0\x99", "\xe2\xa0\xb9", "\xe2\xa0\xb8",
				     "\xe2\xa0\xbc", "\xe2\xa0\xb4", "\xe2\xa0\xa6", "\xe2\xa0\xa7",
				     "\xe2\xa0\x87", "\xe2\xa0\x8f"};
	static const char *ascii[] = {"|", "/", "-", "\\"};
	return c->disp.ascii ? ascii[c->spin % 4] : utf8[c->spin % 10];
}

void console_message(struct console *c, enum tui_status level, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	free(c->msg);
	c->msg = xvasprintf(fmt, ap);
	va_end(ap);
	c->msg_level = level;
	c->msg_until = console_now_ms() + MSG_MS;
	c->dirty_status = true;
}

void console_model_changed(struct console *c)
{
	for (int i = 0; i < PANE__COUNT; i++)
		pane_update(&c->panes[i], &c->model);
	c->dirty_head = c->dirty_body = c->dirty_status = true;
}

void console_open_view(struct console *c, struct textview *tv)
{
	if (c->view) {
		tv_free(c->view);
		free(c->view);
	}
	c->view = tv;
	c->dirty_body = c->dirty_status = true;
}

static void close_view(struct console *c)
{
	console_open_view(c, NULL);
	c->dirty_body = true;
}

/* ---- The prompt ---- */

static void prompt_close(struct console *c)
{
	struct prompt *p = &c->prompt;
	if (p->ud_free)
		p->ud_free(p->ud);
	free(p->label);
	buf_free(&p->text);
	memset(p, 0, sizeof(*p));
	curs_set(0);
	c->dirty_status = true;
}

void console_prompt(struct console *c, const char *label, const char *initial, prompt_done_fn *done,
		    prompt_done_fn *change, void *ud, void (*ud_free)(void *ud))
{
	if (c->prompt.active)
		prompt_close(c);
	struct prompt *p = &c->prompt;
	p->active = true;
	p->label = xstrdup(label);
	if (initial)
		buf_puts(&p->text, initial);
	p->done = done;
	p->change = change;
	p->ud = ud;
	p->ud_free = ud_free;
	curs_set(1);
	c->dirty_status = true;
}

static void prompt_key(struct console *c, wint_t ch, bool fkey)
{
	struct prompt *p = &c->prompt;
	bool changed = false;
	bool enter = (!fkey && (ch == '\n' || ch == '\r')) || (fkey && ch == KEY_ENTER);
	if (enter || (!fkey && ch == KEY_ESC)) {
		/* done() may open another prompt, so the prompt is reset before it runs;
		 * ud is freed after done() either way */
		char *text = enter ? xstrdup(buf_cstr(&p->text)) : NULL;
		prompt_done_fn *done = p->done;
		void *ud = p->ud;
		void (*ud_free)(void *) = p->ud_free;
		p->ud_free = NULL;
		prompt_close(c);
		done(c, text ? str_trim(text) : NULL, ud);
		if (ud_free)
			ud_free(ud);
		free(text);
		return;
	}
	if ((fkey && ch == KEY_BACKSPACE) || (!fkey && (ch == 127 || ch == 8))) {
		/* drop the last UTF-8 character */
		while (p->text.len > 0) {
			unsigned char last = (unsigned char)p->text.data[--p->text.len];
			if ((last & 0xC0) != 0x80)
				break;
		}
		if (p->text.data)
			p->text.data[p->text.len] = '\0';
		changed = true;
	} else if (!fkey && ch == KEY_CTRL('u')) {
		buf_reset(&p->text);
		changed = true;
	} else if (!fkey && ch >= 32 && ch != 127 && p->text.len < 400) {
		char mb[MB_LEN_MAX];
		mbstate_t st = {0};
		size_t n = wcrtomb(mb, (wchar_t)ch, &st);
		if (n != (size_t)-1) {
			buf_append(&p->text, mb, n);
			changed = true;
		}
	}
	if (changed) {
		c->dirty_status = true;
		if (p->change)
			p->change(c, buf_cstr(&p->text), p->ud);
	}
}

/* ---- Jobs ---- */

struct collect_job {
	struct job job;
	struct tui_backend *be;
	const struct snapshot *prev;
	int cancel_fd;
	struct tui_collect out;
};

static void collect_run_job(struct job *j)
{
	struct collect_job *cj = (struct collect_job *)j;
	cj->be->ops->collect(cj->be, cj->prev, cj->cancel_fd, &cj->out);
}

static void collect_free(struct job *j)
{
	struct collect_job *cj = (struct collect_job *)j;
	if (cj->out.snap)
		cj->be->ops->snapshot_free(cj->be, cj->out.snap);
	tui_results_free(cj->out.results, cj->out.n_results);
	free(cj->out.error);
	free(cj);
}

static void start_collect(struct console *c);
static void start_tasks_load(struct console *c);
static void start_history_load(struct console *c);

static void collect_done(struct job *j, struct console *c)
{
	struct collect_job *cj = (struct collect_job *)j;
	struct tui_model *m = &c->model;
	c->collecting = false;
	if (cj->out.snap) {
		if (m->snap)
			c->be->ops->snapshot_free(c->be, m->snap);
		m->snap = cj->out.snap;
		cj->out.snap = NULL;
		tui_results_free(m->results, m->n_results);
		m->results = cj->out.results;
		m->n_results = cj->out.n_results;
		cj->out.results = NULL;
		cj->out.n_results = 0;
		model_index(m);
		model_prune_live(m);
	}
	free(m->collect_err);
	m->collect_err = cj->out.error;
	cj->out.error = NULL;
	if (m->collect_err)
		console_message(c, TS_CRIT, "refresh failed: %s", m->collect_err);
	long long now = console_now_ms();
	c->next_refresh = now + (c->cfg->ui_refresh_s > 0 ? c->cfg->ui_refresh_s : 30) * 1000LL;
	console_model_changed(c);
	/* the checklist (another admin's ticks) and the history are re-read with every refresh */
	start_tasks_load(c);
	start_history_load(c);
	if (c->refresh_again) {
		c->refresh_again = false;
		start_collect(c);
	}
}

static void start_collect(struct console *c)
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
			console_message(c, TS_CRIT, "checklist: %s", t->err ? t->err : "failed");
		} else if (t->kind == TJ_SET) {
			if (t->record_undo) {
				if (c->n_undo == (int)ARRAY_SIZE(c->undo)) {
					free(c->undo[0].title);
					memmove(c->undo, c->undo + 1, sizeof(c->undo[0]) * (ARRAY_SIZE(c->undo) - 1));
					c->n_undo--;
				}
				c->undo[c->n_undo++] = (struct undo_entry){t->id, !t->done_flag, xstrdup(t->title)};
			}
			console_message(c, TS_OK, "#%ld %s: %s", t->id, t->done_flag ? "ticked" : "reopened",
					t->title ? t->title : "");
		} else if (t->kind == TJ_ADD) {
			console_message(c, TS_OK, "added #%ld: %s", t->id, t->text);
		} else if (t->kind == TJ_NOTE) {
			console_message(c, TS_OK, "note added to #%ld", t->id);
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
	if (changed) {
		pane_update(&c->panes[PANE_PENDING], m);
		c->dirty_body = true;
	}
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

static void start_tasks_load(struct console *c)
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
		console_message(c, TS_WARN, "nothing to undo");
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
	pane_update(&c->panes[PANE_HISTORY], m);
	c->dirty_body = true;
}

static void start_history_load(struct console *c)
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
	tv->loading = false;
	/* the placeholder line is the last one */
	if (tv->lines.n > 0) {
		free(tv->lines.v[--tv->lines.n]);
	}
	if (l->rc < 0) {
		tv_add(tv, "  (logs unavailable: %s)", l->err ? l->err : "error");
	} else if (!l->text || !*l->text) {
		tv_add(tv, "  (no log lines)");
	} else {
		tv_add_text(tv, l->text);
	}
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
		tv_add(c->view, "  fetching the last 200 lines...");
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
		console_message(c, TS_WARN, "docker events: %s (retrying)", e->error);
		return;
	}
	if (model_apply_event(&c->model, e->ev)) {
		pane_update(&c->panes[PANE_CONTAINERS], &c->model);
		c->dirty_body = true;
	}
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

static void *events_main(void *arg)
{
	struct console *c = arg;
	int backoff = 1000;
	for (;;) {
		char *err = NULL;
		int rc = c->be->ops->events_run(c->be, c->cancel[0], on_event, c, &err);
		struct pollfd pfd = {.fd = c->cancel[0], .events = POLLIN};
		if (poll(&pfd, 1, 0) > 0) {
			free(err);
			break;
		}
		if (rc < 0) {
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
	return NULL;
}

/* ---- Drawing ---- */

static void draw_backend(struct console *c, struct buf *line, const char *name,
			 const struct part_error *err, bool have)
{
	(void)c;
	if (!have)
		buf_printf(line, "%s ? ", name);
	else if (err && err->failed)
		buf_printf(line, "%s %s FAILED: %s  ", name, disp_glyph(&c->disp, G_CRIT),
			   err->why ? err->why : (err->what ? err->what : "error"));
	else
		buf_printf(line, "%s %s  ", name, disp_glyph(&c->disp, G_OK));
}

static void draw_head(struct console *c)
{
	struct display *d = &c->disp;
	WINDOW *w = d->head;
	const struct snapshot *s = c->model.snap;
	werase(w);
	char left[256], right[160], tm[16] = "--:--:--";
	const char *site = s && s->site ? s->site : (c->cfg->site_name ? c->cfg->site_name : "mcon");
	const char *ver = s && s->mailcow.version ? s->mailcow.version : "?";
	snprintf(left, sizeof(left), " mcon %s %s  MailCow %s", disp_glyph(d, G_DOT), site, ver);
	if (s && s->finished_at) {
		struct tm t;
		localtime_r(&s->finished_at, &t);
		strftime(tm, sizeof(tm), "%H:%M:%S", &t);
	}
	enum tui_status worst = model_worst(&c->model);
	if (c->collecting)
		snprintf(right, sizeof(right), "%s refreshing  ", console_spinner(c));
	else
		snprintf(right, sizeof(right), "refreshed %s  ", tm);
	int rw = (int)strlen(right) > 30 ? 30 : (int)strlen(right);
	int x = disp_put(d, w, 0, 0, d->cols - rw - 14, left, ST_TITLE);
	x = disp_put(d, w, 0, x, rw, right, ST_TITLE);
	char wtxt[32];
	snprintf(wtxt, sizeof(wtxt), "%s %s ", disp_glyph(d, disp_status_glyph(worst)), tui_status_word(worst));
	x = disp_put(d, w, 0, x, 6, "worst ", ST_TITLE);
	attr_t wa = d->color ? disp_attr(d, disp_status_style(worst)) | A_REVERSE : A_REVERSE | A_BOLD;
	disp_put_attr(d, w, 0, x, d->cols - x, wtxt, wa);

	/* backends: each failure names its reason, the others still say OK */
	struct buf line = {0};
	buf_puts(&line, " ");
	if (!s && c->model.collect_err && !c->collecting) {
		buf_printf(&line, "%s refresh failed: %s (r retries)", disp_glyph(d, G_CRIT), c->model.collect_err);
		disp_put(d, w, 1, 0, d->cols, buf_cstr(&line), ST_CRIT);
	} else if (!s) {
		buf_printf(&line, "collecting the first snapshot %s", console_spinner(c));
		disp_put(d, w, 1, 0, d->cols, buf_cstr(&line), ST_DIM);
	} else {
		bool any = s->docker.err.failed || s->mailcow.err.failed || s->dns_err.failed ||
			   s->limits.err.failed;
		draw_backend(c, &line, "docker", &s->docker.err, true);
		draw_backend(c, &line, "mailcow", &s->mailcow.err, true);
		draw_backend(c, &line, "dns", &s->dns_err, true);
		draw_backend(c, &line, "files", &s->limits.err, true);
		disp_put(d, w, 1, 0, d->cols, buf_cstr(&line), any ? ST_CRIT : ST_NORMAL);
	}
	buf_free(&line);

	/* pane tabs */
	x = 0;
	for (int i = 0; i < PANE__COUNT && x < d->cols; i++) {
		char tab[48];
		bool on = i == c->cur;
		snprintf(tab, sizeof(tab), on ? "[%d %s]" : " %d %s ", i + 1, c->panes[i].ops->title);
		int tw = (int)strlen(tab);
		if (x + tw > d->cols)
			tw = d->cols - x;
		x = disp_put(d, w, 2, x, tw, tab, on ? ST_TAB_ON : ST_TAB);
		if (x < d->cols)
			x = disp_put(d, w, 2, x, 1, " ", ST_NORMAL);
	}
	if (x < d->cols)
		disp_put(d, w, 2, x, d->cols - x, "", ST_NORMAL);
	if (c->tls_warning)
		disp_put(d, w, 3, 0, d->cols,
			 " !! WARNING: mailcow.tls_verify = false: the MailCow API certificate is NOT "
			 "verified; anyone on the path can read the API key", ST_ALERT);
	wnoutrefresh(w);
}

static void draw_body(struct console *c)
{
	struct display *d = &c->disp;
	werase(d->body);
	if (c->view) {
		tv_draw(c->view, d, d->body, console_spinner(c));
	} else {
		struct pane *p = &c->panes[c->cur];
		const char *err = NULL;
		if (c->cur == PANE_PENDING && c->model.tasks_err)
			err = c->model.tasks_err;
		if (c->cur == PANE_HISTORY && c->model.history_err)
			err = c->model.history_err;
		if (err) {
			char *m = xasprintf("%s %s", disp_glyph(d, G_CRIT), err);
			disp_put(d, d->body, 0, 0, d->cols, m, ST_CRIT);
			free(m);
			pane_draw(p, d, d->body, 1, getmaxy(d->body) - 1);
		} else {
			pane_draw(p, d, d->body, 0, getmaxy(d->body));
		}
	}
	wnoutrefresh(d->body);
}

static void status_hints(struct console *c, struct buf *b)
{
	static const enum action common[] = {ACT_ENTER, ACT_FILTER, ACT_REFRESH, ACT_HELP, ACT_QUIT};
	static const enum action pending[] = {ACT_TICK, ACT_UNDO, ACT_ADD, ACT_NOTE};
	static const char *words[ACT__COUNT] = {
		[ACT_ENTER] = "details", [ACT_FILTER] = "filter", [ACT_REFRESH] = "refresh",
		[ACT_HELP] = "help", [ACT_QUIT] = "quit", [ACT_TICK] = "tick", [ACT_UNDO] = "undo",
		[ACT_ADD] = "add", [ACT_NOTE] = "note",
	};
	char k[48];
	bool pend = c->cur == PANE_PENDING && !c->view;
	if (!pend)
		buf_puts(b, " 1-6 panes");
	if (pend)
		for (size_t i = 0; i < ARRAY_SIZE(pending); i++) {
			action_keys_text(pending[i], k, sizeof(k));
			buf_printf(b, "  %s %s", k, words[pending[i]]);
		}
	for (size_t i = 0; i < ARRAY_SIZE(common); i++) {
		if ((c->view && common[i] != ACT_HELP) || (pend && common[i] == ACT_REFRESH))
			continue;
		action_keys_text(common[i], k, sizeof(k));
		buf_printf(b, "  %s %s", k, words[common[i]]);
	}
	if (c->view)
		buf_puts(b, "  Esc/q close  h/l scroll sideways");
	struct pane *p = &c->panes[c->cur];
	if (!c->view && p->filter)
		buf_printf(b, "  [filter: %s%s]", p->invert ? "!" : "", p->filter);
}

static void draw_status(struct console *c)
{
	struct display *d = &c->disp;
	WINDOW *w = d->status;
	werase(w);
	if (c->prompt.active) {
		char *label = xasprintf(" %s ", c->prompt.label);
		int x = disp_put(d, w, 0, 0, (int)strlen(label), label, ST_HEAD);
		const char *t = buf_cstr(&c->prompt.text);
		/* show the end of a long input */
		char *clean = sanitize_str(t, (size_t)-1, d->ascii ? SAN_ASCII : 0);
		disp_put(d, w, 0, x, d->cols - x, clean, ST_NORMAL);
		int tw = sanitize_width(clean);
		wmove(w, 0, x + tw < d->cols ? x + tw : d->cols - 1);
		free(clean);
		free(label);
		wnoutrefresh(w);
		return;
	}
	if (c->msg) {
		char *m = xasprintf(" %s", c->msg);
		disp_put(d, w, 0, 0, d->cols, m, disp_status_style(c->msg_level) == ST_OK ? ST_NORMAL
							      : disp_status_style(c->msg_level));
		free(m);
	} else {
		struct buf b = {0};
		status_hints(c, &b);
		disp_put(d, w, 0, 0, d->cols, buf_cstr(&b), ST_DIM);
		buf_free(&b);
	}
	wnoutrefresh(w);
}

static void draw_too_small(struct console *c)
{
	struct display *d = &c->disp;
	werase(stdscr);
	char m1[128], m2[128];
	snprintf(m1, sizeof(m1), "mcon needs a terminal of at least %dx%d;", DISP_MIN_COLS, DISP_MIN_LINES);
	snprintf(m2, sizeof(m2), "this one is %dx%d. Enlarge it, or press q to quit.", d->cols, d->lines);
	int y = d->lines / 2 - 1;
	if (y < 0)
		y = 0;
	disp_put(d, stdscr, y, 0, d->cols, m1, ST_NORMAL);
	if (y + 1 < d->lines)
		disp_put(d, stdscr, y + 1, 0, d->cols, m2, ST_NORMAL);
	wnoutrefresh(stdscr);
}

static void draw(struct console *c)
{
	struct display *d = &c->disp;
	bool any = c->redraw_all || c->dirty_head || c->dirty_body || c->dirty_status;
	if (!any)
		return;
	if (c->redraw_all)
		clearok(curscr, TRUE);
	if (d->too_small) {
		draw_too_small(c);
	} else {
		if (c->redraw_all || c->dirty_head)
			draw_head(c);
		if (c->redraw_all || c->dirty_body)
			draw_body(c);
		/* last, so the prompt's cursor is where the terminal shows it */
		if (c->redraw_all || c->dirty_status || c->prompt.active)
			draw_status(c);
	}
	c->redraw_all = c->dirty_head = c->dirty_body = c->dirty_status = false;
	doupdate();
	if (!c->first_screen && c->model.snap && c->model.tasks_loaded && c->model.history_loaded)
		c->first_screen = true;
}

/* ---- Help ---- */

static void open_help(struct console *c)
{
	struct textview *tv = xcalloc(1, sizeof(*tv));
	tv_init(tv, "Help: keys (from the action table)", "help");
	size_t n;
	const struct action_info *t = action_table(&n);
	const char *group = NULL;
	for (size_t i = 0; i < n; i++) {
		if (!group || strcmp(group, t[i].group) != 0) {
			if (group)
				tv_blank(tv);
			group = t[i].group;
			tv_add(tv, "%s", group);
		}
		char keys[48];
		action_keys_text(t[i].id, keys, sizeof(keys));
		const char *help = t[i].help;
		if (t[i].id == ACT_ONBOARD && !(c->be->ops->can_onboard && c->be->ops->can_onboard(c->be)))
			tv_add(tv, "  %-16s %s (not available in this build)", keys, help);
		else
			tv_add(tv, "  %-16s %s", keys, help);
	}
	tv_blank(tv);
	tv_add(tv, "Filters: text matches anywhere in a row, case-insensitive; a leading ! keeps the rows");
	tv_add(tv, "that do not match. The console is read-only towards MailCow: anything that would");
	tv_add(tv, "change it asks first. NO_COLOR turns colours off; statuses are always words.");
	console_open_view(c, tv);
}

/* ---- Filter prompt ---- */

static void filter_change(struct console *c, const char *text, void *ud)
{
	(void)ud;
	pane_set_filter(&c->panes[c->cur], text);
	c->dirty_body = true;
}

static void filter_done(struct console *c, const char *text, void *ud)
{
	(void)ud;
	pane_set_filter(&c->panes[c->cur], text); /* NULL (Esc) clears */
	c->dirty_body = c->dirty_status = true;
}

/* ---- Keys ---- */

static void switch_pane(struct console *c, int idx)
{
	if (c->view)
		close_view(c);
	c->cur = (idx + PANE__COUNT) % PANE__COUNT;
	c->dirty_head = c->dirty_body = c->dirty_status = true;
}

static int body_rows(const struct console *c)
{
	return c->disp.body ? getmaxy(c->disp.body) : 10;
}

static void view_action(struct console *c, enum action a)
{
	struct textview *tv = c->view;
	int page = body_rows(c) - 1;
	switch (a) {
	case ACT_DOWN: tv_scroll(tv, 1, page); break;
	case ACT_UP: tv_scroll(tv, -1, page); break;
	case ACT_PAGE_DOWN: tv_scroll(tv, page, page); break;
	case ACT_PAGE_UP: tv_scroll(tv, -page, page); break;
	case ACT_FIRST: tv->top = 0; tv->left = 0; break;
	case ACT_LAST: tv_scroll(tv, (long)tv->lines.n, page); break;
	case ACT_LEFT: tv->left = tv->left > 20 ? tv->left - 20 : 0; break;
	case ACT_RIGHT: tv->left += 20; break;
	case ACT_BACK: case ACT_QUIT: close_view(c); break;
	case ACT_HELP: open_help(c); break;
	case ACT_REFRESH: start_collect(c); break;
	case ACT_PANE1: case ACT_PANE2: case ACT_PANE3: case ACT_PANE4: case ACT_PANE5: case ACT_PANE6:
		switch_pane(c, a - ACT_PANE1);
		break;
	default: return;
	}
	c->dirty_body = true;
}

static void pane_action(struct console *c, enum action a)
{
	struct pane *p = &c->panes[c->cur];
	size_t row = 0;
	bool has_row = pane_selected(p, &row);
	int page = body_rows(c) - 4;
	if (page < 1)
		page = 1;
	if (p->ops->on_action && p->ops->on_action(p, c, a, row, has_row)) {
		c->dirty_body = true;
		return;
	}
	switch (a) {
	case ACT_DOWN: pane_move(p, 1); break;
	case ACT_UP: pane_move(p, -1); break;
	case ACT_PAGE_DOWN: pane_move(p, page); break;
	case ACT_PAGE_UP: pane_move(p, -page); break;
	case ACT_FIRST: pane_move_to(p, 0); break;
	case ACT_LAST: pane_move_to(p, p->n_vis ? p->n_vis - 1 : 0); break;
	case ACT_PANE1: case ACT_PANE2: case ACT_PANE3: case ACT_PANE4: case ACT_PANE5: case ACT_PANE6:
		switch_pane(c, a - ACT_PANE1);
		break;
	case ACT_NEXT_PANE: switch_pane(c, c->cur + 1); break;
	case ACT_PREV_PANE: switch_pane(c, c->cur - 1); break;
	case ACT_ENTER:
		if (!has_row || !p->ops->details) {
			console_message(c, TS_NONE, "nothing to open here");
			break;
		}
		{
			struct textview *tv = xcalloc(1, sizeof(*tv));
			tv_init(tv, p->ops->title, p->ops->row_key ? p->ops->row_key(p, row) : "details");
			console_open_view(c, tv);
			p->ops->details(p, row, tv, c);
		}
		break;
	case ACT_FILTER:
		console_prompt(c, "filter (Esc clears):", p->filter ? p->filter : "", filter_done,
			       filter_change, NULL, NULL);
		if (p->invert) {
			buf_reset(&c->prompt.text);
			buf_printf(&c->prompt.text, "!%s", p->filter);
		}
		break;
	case ACT_BACK:
		if (p->filter) {
			pane_set_filter(p, NULL);
			console_message(c, TS_NONE, "filter cleared");
		}
		break;
	case ACT_REFRESH:
		start_collect(c);
		start_tasks_load(c);
		console_message(c, TS_NONE, "refreshing...");
		break;
	case ACT_HELP: open_help(c); break;
	case ACT_QUIT: c->quit = true; break;
	case ACT_TICK: case ACT_UNDO: case ACT_ADD: case ACT_NOTE:
		if (a == ACT_UNDO) {
			console_task_undo(c);
			break;
		}
		console_message(c, TS_NONE, "%s works in the pending pane (4)",
				a == ACT_TICK ? "ticking" : a == ACT_ADD ? "adding items" : "notes");
		break;
	case ACT_ONBOARD:
		if (c->be->ops->can_onboard && c->be->ops->can_onboard(c->be))
			console_message(c, TS_NONE, "onboarding: run `mcon onboard DOMAIN --plan`");
		else
			console_message(c, TS_WARN, "onboarding a new domain: not available in this build");
		break;
	default: return;
	}
	c->dirty_body = c->dirty_head = true;
}

static void mouse_event(struct console *c)
{
	MEVENT ev;
	if (getmouse(&ev) != OK || c->disp.too_small)
		return;
	if (ev.bstate & BUTTON4_PRESSED) {
		c->view ? view_action(c, ACT_UP) : pane_action(c, ACT_UP);
	} else if (ev.bstate & BUTTON5_PRESSED) {
		c->view ? view_action(c, ACT_DOWN) : pane_action(c, ACT_DOWN);
	} else if (ev.bstate & BUTTON1_CLICKED) {
		if (ev.y == 2) {
			/* the tabs are " N Title " cells of known width */
			int x = 0;
			for (int i = 0; i < PANE__COUNT; i++) {
				int tw = (int)strlen(c->panes[i].ops->title) + 4;
				if (ev.x >= x && ev.x < x + tw) {
					switch_pane(c, i);
					return;
				}
				x += tw + 1;
			}
		} else if (!c->view && ev.y > c->disp.head_lines) {
			struct pane *p = &c->panes[c->cur];
			size_t idx = p->top + (size_t)(ev.y - c->disp.head_lines - 1);
			if (idx < p->n_vis) {
				pane_move_to(p, idx);
				c->dirty_body = true;
			}
		}
	}
}

static void handle_key(struct console *c, wint_t ch, bool fkey)
{
	if (fkey && ch == KEY_RESIZE) {
		disp_layout(&c->disp, c->tls_warning);
		c->redraw_all = true;
		return;
	}
	if (c->prompt.active && !c->disp.too_small) {
		prompt_key(c, ch, fkey);
		return;
	}
	int key = (int)ch;
	if (fkey && ch == KEY_MOUSE) {
		mouse_event(c);
		return;
	}
	if (!fkey && ch > 127)
		return;
	enum action a = action_for_key(key);
	if (a == ACT_REDRAW) {
		c->redraw_all = true;
		return;
	}
	if (c->disp.too_small) {
		if (a == ACT_QUIT)
			c->quit = true;
		return;
	}
	if (a == ACT_NONE)
		return;
	if (c->view)
		view_action(c, a);
	else
		pane_action(c, a);
}

/* ---- The loop ---- */

/* SIGINT, SIGTERM and SIGHUP end the console like q does, so the terminal is restored and
 * the workers are stopped; the handler only sets a flag and wakes the wait point. */
static volatile sig_atomic_t got_signal;
static int signal_fd = -1;

static void on_signal(int sig)
{
	got_signal = sig;
	if (signal_fd >= 0) {
		ssize_t r = write(signal_fd, "s", 1);
		(void)r;
	}
}

static int next_timeout(struct console *c, long long now)
{
	long long next = -1;
#define CONSIDER(t) do { if ((t) > 0 && (next < 0 || (t) < next)) next = (t); } while (0)
	if (!c->collecting)
		CONSIDER(c->next_refresh);
	CONSIDER(c->next_db);
	if (c->collecting || (c->view && c->view->loading))
		CONSIDER(c->next_spin);
	if (c->msg && c->msg_until)
		CONSIDER(c->msg_until);
#undef CONSIDER
	if (next < 0)
		return -1;
	return next <= now ? 0 : (int)(next - now);
}

static void run_timers(struct console *c, long long now)
{
	if (!c->collecting && c->next_refresh && now >= c->next_refresh)
		start_collect(c);
	if (now >= c->next_db) {
		start_tasks_load(c);
		c->next_db = now + DB_POLL_MS;
	}
	if ((c->collecting || (c->view && c->view->loading)) && now >= c->next_spin) {
		c->spin++;
		c->next_spin = now + SPIN_MS;
		if (c->collecting)
			c->dirty_head = true;
		if (!c->model.snap)
			c->dirty_head = true;
		if (c->view && c->view->loading)
			c->dirty_body = true;
	}
	if (c->msg && c->msg_until && now >= c->msg_until) {
		free(c->msg);
		c->msg = NULL;
		c->dirty_status = true;
	}
}

static void read_keys(struct console *c)
{
	wint_t ch;
	int r;
	while (!c->quit && (r = wget_wch(c->disp.input, &ch)) != ERR)
		handle_key(c, ch, r == KEY_CODE_YES);
	untouchwin(c->disp.input);
}

int tui_run(struct tui_backend *be, const struct tui_opts *opts)
{
	struct console *c = xcalloc(1, sizeof(*c));
	c->be = be;
	c->cfg = be->cfg;
	c->opts = *opts;
	c->model.cfg = be->cfg;
	c->tls_warning = be->cfg->mailcow_url && !be->cfg->mailcow_tls_verify;
	for (int i = 0; i < PANE__COUNT; i++) {
		pane_init(&c->panes[i], pane_registry[i]);
		pane_update(&c->panes[i], &c->model);
	}
	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
		fputs("mcon: the console needs a terminal; use `mcon check` or `mcon snapshot --json` in scripts\n",
		      stderr);
		for (int i = 0; i < PANE__COUNT; i++)
			pane_free(&c->panes[i]);
		free(c);
		return 1;
	}
	if (mailbox_init(&c->mb) < 0 || pipe2(c->cancel, O_CLOEXEC) < 0)
		die("cannot create a pipe: %s", strerror(errno));
	/* a worker's write to a closed pipe must not kill the console */
	signal(SIGPIPE, SIG_IGN);
	c->q_collect = workq_new(&c->mb, "mcon-collect");
	c->q_db = workq_new(&c->mb, "mcon-db");
	c->q_logs = workq_new(&c->mb, "mcon-logs");
	if (be->ops->events_run) {
		if (pthread_create(&c->events_thread, NULL, events_main, c) == 0) {
			pthread_setname_np(c->events_thread, "mcon-events");
			c->events_started = true;
		}
	}
	if (disp_init(&c->disp, opts->mouse, c->tls_warning) < 0) {
		fputs("mcon: cannot initialise the terminal (is TERM set?)\n", stderr);
		c->quit = true;
	}
	struct sigaction sa = {.sa_handler = on_signal}, old_int, old_term, old_hup;
	sigemptyset(&sa.sa_mask);
	got_signal = 0;
	signal_fd = c->mb.fd[1];
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);
	sigaction(SIGHUP, &sa, &old_hup);
	c->redraw_all = true;
	start_collect(c);
	start_tasks_load(c);
	c->next_db = console_now_ms() + DB_POLL_MS;
	start_history_load(c);

	while (!c->quit && !got_signal) {
		long long now = console_now_ms();
		run_timers(c, now);
		draw(c);
		struct pollfd pfd[2] = {
			{.fd = STDIN_FILENO, .events = POLLIN},
			{.fd = c->mb.fd[0], .events = POLLIN},
		};
		int n = poll(pfd, 2, next_timeout(c, console_now_ms()));
		if (n < 0 && errno != EINTR)
			break;
		if (n > 0 && (pfd[1].revents & POLLIN)) {
			struct job *j = mailbox_take(&c->mb);
			while (j) {
				struct job *next = j->next;
				if (j->done)
					j->done(j, c);
				j->free(j);
				j = next;
			}
		}
		if (n > 0 && (pfd[0].revents & (POLLIN | POLLHUP | POLLERR))) {
			if (pfd[0].revents & (POLLHUP | POLLERR) && !(pfd[0].revents & POLLIN))
				break; /* the terminal went away */
			read_keys(c);
		}
		/* a SIGWINCH makes ncurses queue KEY_RESIZE; poll returns EINTR for it */
		if (n < 0)
			read_keys(c);
	}

	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	sigaction(SIGHUP, &old_hup, NULL);
	signal_fd = -1;
	/* Stop the workers first: a collect in flight sees cancel and returns. */
	ssize_t wr = write(c->cancel[1], "q", 1);
	(void)wr;
	workq_free(c->q_collect);
	workq_free(c->q_db);
	workq_free(c->q_logs);
	if (c->events_started)
		pthread_join(c->events_thread, NULL);
	if (c->disp.input || c->disp.head)
		disp_end(&c->disp);
	if (c->prompt.active)
		prompt_close(c);
	if (c->view)
		close_view(c);
	for (int i = 0; i < PANE__COUNT; i++)
		pane_free(&c->panes[i]);
	for (int i = 0; i < c->n_undo; i++)
		free(c->undo[i].title);
	model_free(&c->model, be);
	mailbox_free(&c->mb);
	close(c->cancel[0]);
	close(c->cancel[1]);
	free(c->msg);
	free(c);
	return 0;
}
