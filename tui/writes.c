/* writes: queue actions, restarts and log follow (see writes.h). The MailCow and Docker
 * requests run on the logs worker (on demand, never overlapping each other); a follow runs
 * on its own worker until its pipe is written to, posting each line to the UI thread. */
#include "tui/writes.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "tui/console.h"

/* ---- one request on the logs worker ---- */

enum wkind { W_PROBE, W_QUEUE, W_RESTART };

struct wjob {
	struct job j;
	struct tui_backend *be;
	enum wkind kind;
	char *action;           /* queue action, or the service for a restart */
	char *id;               /* the container for a restart */
	char *question;         /* W_PROBE: what to ask once the key may write */
	struct strv ids;
	int rc;
	char *text;
};

static void wjob_free(struct job *j)
{
	struct wjob *w = (struct wjob *)j;
	free(w->action);
	free(w->id);
	free(w->question);
	strv_free(&w->ids);
	free(w->text);
	free(w);
}

static void wjob_run(struct job *j)
{
	struct wjob *w = (struct wjob *)j;
	if (w->kind == W_PROBE)
		w->rc = w->be->ops->can_write(w->be, &w->text);
	else if (w->kind == W_QUEUE)
		w->rc = w->be->ops->queue_act(w->be, w->action, &w->ids, &w->text);
	else
		w->rc = w->be->ops->container_restart(w->be, w->id, w->action, &w->text);
}

static void ask(struct console *c, struct wjob *w);

static void wjob_done(struct job *j, struct console *c)
{
	struct wjob *w = (struct wjob *)j;
	c->writing = false;
	if (w->kind == W_PROBE) {
		if (w->rc == 0) {
			c->mc_write = 1;
			/* the question is asked with a job of its own, which owns what this one held */
			struct wjob *q = xcalloc(1, sizeof(*q));
			*q = *w;
			q->kind = W_QUEUE;
			q->text = NULL;
			w->action = w->question = NULL;
			memset(&w->ids, 0, sizeof(w->ids));
			ask(c, q);
			return;
		}
		if (w->rc == 2) {
			c->mc_write = -1;
			console_message(c, STATUS_CRITICAL, "%s", w->text ? w->text : "the API key is read-only");
		} else {
			console_message(c, STATUS_WARNING, "%s: nothing written",
					w->text ? w->text : "MailCow cannot be written");
		}
		return;
	}
	enum status level = w->rc == 0 ? STATUS_OK : w->rc == 2 ? STATUS_CRITICAL : STATUS_WARNING;
	console_message(c, level, "%s", w->text ? w->text : "done");
	if (w->rc == 2)
		c->mc_write = -1;
	if (w->rc == 0) {
		console_refresh(c);
		console_history_reload(c);
	}
	c->dirty_body = c->dirty_status = true;
}

static struct wjob *wjob_new(struct console *c, enum wkind kind)
{
	struct wjob *w = xcalloc(1, sizeof(*w));
	w->j.run = wjob_run;
	w->j.done = wjob_done;
	w->j.free = wjob_free;
	w->be = c->be;
	w->kind = kind;
	return w;
}

static void confirm_done(struct console *c, const char *text, void *ud)
{
	struct wjob **slot = ud;
	struct wjob *w = *slot;
	*slot = NULL;           /* the job is submitted or freed here, not by ud_free */
	if (!text) {
		console_message(c, STATUS_NONE, w->kind == W_RESTART ? "declined: nothing was restarted"
								 : "declined: nothing was written to MailCow");
		wjob_free(&w->j);
		return;
	}
	if (c->writing) {
		console_message(c, STATUS_NONE, "another action is still running: nothing done");
		wjob_free(&w->j);
		return;
	}
	c->writing = true;
	console_message(c, STATUS_NONE, w->kind == W_RESTART ? "restarting %s..." : "%s...", w->action);
	workq_submit(c->q_logs, &w->j);
}

static void slot_free(void *ud)
{
	struct wjob **slot = ud;
	if (*slot)
		wjob_free(&(*slot)->j);
	free(slot);
}

static void ask(struct console *c, struct wjob *w)
{
	struct wjob **slot = xcalloc(1, sizeof(*slot));
	*slot = w;
	char *q = w->question ? xstrdup(w->question) : xasprintf("%s?", w->action);
	console_confirm(c, q, confirm_done, slot, slot_free);
	free(q);
}

void writes_queue(struct console *c, const char *action, struct strv *ids, const char *question)
{
	if (!c->be->ops->queue_act || !c->be->ops->can_write) {
		console_message(c, STATUS_WARNING, "queue actions are not in this console");
		strv_free(ids);
		return;
	}
	if (c->mc_write < 0) {
		console_message(c, STATUS_CRITICAL, "the API key is read-only: nothing written (a read-write key: "
			"MailCow UI > Configuration > Access > Administrators > API)");
		strv_free(ids);
		return;
	}
	if (c->writing) {
		console_message(c, STATUS_NONE, "another action is still running...");
		strv_free(ids);
		return;
	}
	struct wjob *w = wjob_new(c, c->mc_write > 0 ? W_QUEUE : W_PROBE);
	w->action = xstrdup(action);
	w->question = xstrdup(question);
	w->ids = *ids;
	memset(ids, 0, sizeof(*ids));
	if (w->kind == W_QUEUE) {
		ask(c, w);
		return;
	}
	c->writing = true;
	console_message(c, STATUS_NONE, "checking that the API key may write...");
	workq_submit(c->q_logs, &w->j);
}

void writes_restart(struct console *c, const char *id, const char *service)
{
	if (!c->be->ops->container_restart) {
		console_message(c, STATUS_WARNING, "restarts are not in this console");
		return;
	}
	if (c->writing) {
		console_message(c, STATUS_NONE, "another action is still running...");
		return;
	}
	struct wjob *w = wjob_new(c, W_RESTART);
	w->action = xstrdup(service);
	w->id = xstrdup(id);
	w->question = xasprintf("Restart %s (container %.12s)?", service, id);
	ask(c, w);
}

/* ---- follow ---- */

struct follow_session {
	int pipe[2];            /* [1] written to stop the worker's stream */
	char *key;              /* the view the lines go to */
	bool stopped;
};

struct fjob {
	struct job j;
	struct tui_backend *be;
	struct console *c;      /* the mailbox, from the worker; the rest on the UI thread */
	struct follow_session *s;
	char *id;
	bool tty, end;
	char *line;             /* a line job's text */
	char *error;
};

static void fjob_free(struct job *j)
{
	struct fjob *f = (struct fjob *)j;
	if (f->s && f->end) {
		close(f->s->pipe[0]);
		close(f->s->pipe[1]);
		free(f->s->key);
		free(f->s);
	}
	free(f->id);
	free(f->line);
	free(f->error);
	free(f);
}

static bool view_is(const struct console *c, const char *key)
{
	return c->view && key && strcmp(c->view->key, key) == 0;
}

static void line_done(struct job *j, struct console *c)
{
	struct fjob *f = (struct fjob *)j;
	struct follow_session *s = c->follow;
	if (!s || s->stopped || !view_is(c, s->key))
		return;
	tv_add_text(c->view, f->line);
	tv_scroll(c->view, (long)c->view->lines.n, getmaxy(c->disp.body ? c->disp.body : stdscr) - 1);
	c->dirty_body = true;
}

static void line_noop(struct job *j)
{
	(void)j;
}

static void on_line(const char *line, void *ud)
{
	struct fjob *run = ud;
	struct fjob *f = xcalloc(1, sizeof(*f));
	f->j.run = line_noop;
	f->j.done = line_done;
	f->j.free = fjob_free;
	f->line = xstrdup(line);
	mailbox_post(&run->c->mb, &f->j);
}

static void follow_run(struct job *j)
{
	struct fjob *f = (struct fjob *)j;
	if (f->be->ops->logs_follow(f->be, f->id, f->tty, f->s->pipe[0], on_line, f, &f->error) == 0) {
		free(f->error);
		f->error = NULL;
	}
}

static void follow_done(struct job *j, struct console *c)
{
	struct fjob *f = (struct fjob *)j;
	if (c->follow == f->s) {
		c->follow = NULL;
		if (view_is(c, f->s->key)) {
			c->view->loading = false;
			tv_add(c->view, "-- %s --", f->error ? f->error : "stopped following");
			tv_scroll(c->view, (long)c->view->lines.n, getmaxy(c->disp.body ? c->disp.body : stdscr) - 1);
		}
		if (f->error)
			console_message(c, STATUS_WARNING, "follow: %s", f->error);
	}
	c->dirty_body = c->dirty_status = true;
}

void writes_follow_stop(struct console *c)
{
	struct follow_session *s = c->follow;
	if (!s || s->stopped)
		return;
	s->stopped = true;
	ssize_t wr = write(s->pipe[1], "q", 1);
	(void)wr;
	if (view_is(c, s->key)) {
		c->view->loading = false;
		tv_add(c->view, "-- stopped following --");
	}
	c->follow = NULL;       /* the job frees it when its stream has ended */
	console_message(c, STATUS_NONE, "stopped following");
}

void writes_follow_start(struct console *c, const char *id, bool tty, const char *key)
{
	if (!c->be->ops->logs_follow) {
		console_message(c, STATUS_WARNING, "following logs is not in this console");
		return;
	}
	if (c->follow && view_is(c, c->follow->key)) {
		console_message(c, STATUS_NONE, "already following: Esc stops");
		return;
	}
	writes_follow_stop(c);
	struct follow_session *s = xcalloc(1, sizeof(*s));
	if (pipe(s->pipe) < 0) {
		free(s);
		console_message(c, STATUS_WARNING, "cannot follow: no pipe");
		return;
	}
	fcntl(s->pipe[0], F_SETFL, O_NONBLOCK);
	s->key = xstrdup(key);
	if (!c->q_follow)
		c->q_follow = workq_new(&c->mb, "mcon-follow");
	struct fjob *f = xcalloc(1, sizeof(*f));
	f->j.run = follow_run;
	f->j.done = follow_done;
	f->j.free = fjob_free;
	f->be = c->be;
	f->c = c;
	f->s = s;
	f->end = true;
	f->id = xstrdup(id);
	f->tty = tty;
	c->follow = s;
	if (view_is(c, key)) {
		c->view->loading = true;
		tv_add(c->view, "-- following (new lines appear below; Esc stops) --");
		tv_scroll(c->view, (long)c->view->lines.n, getmaxy(c->disp.body ? c->disp.body : stdscr) - 1);
	}
	console_message(c, STATUS_NONE, "following the log: Esc stops");
	workq_submit(c->q_follow, &f->j);
}

bool writes_follow_action(struct console *c, enum action a)
{
	if (!c->follow || !view_is(c, c->follow->key))
		return false;
	if (a == ACT_BACK) {
		writes_follow_stop(c);
		return true;
	}
	if (a == ACT_FOLLOW) {
		console_message(c, STATUS_NONE, "already following: Esc stops");
		return true;
	}
	return false;
}

void writes_end(struct console *c)
{
	if (c->follow) {
		ssize_t wr = write(c->follow->pipe[1], "q", 1);
		(void)wr;
		c->follow = NULL;
	}
	if (c->q_follow)
		workq_free(c->q_follow);
	c->q_follow = NULL;
}
