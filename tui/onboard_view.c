/* onboard_view: the walkthrough in the console. One session at a time, with its own worker
 * thread: every use of the engine (open, run a step, render the text) happens there, so
 * the engine is only ever used from one thread; the UI thread gets back plain lines. */
#include "tui/onboard_view.h"

#include <fcntl.h>
#include <poll.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "core/onboard.h"
#include "tui/console.h"

#define VERIFY_EVERY_MS 5000    /* live verification: one round this long after the last */
#define LOG_LINES 8             /* the engine's last progress lines shown */

struct onboard_session {
	unsigned serial;                /* jobs of an ended session are ignored */
	struct tui_backend *be;
	struct workq *q;
	int wake[2];                    /* a byte cuts the wait before a verification round */
	atomic_bool stopping;
	char *domain, *catchall;

	/* worker side */
	struct onboard *ob;
	struct strv log;

	/* UI side, from the last job */
	bool busy;
	bool opened;
	size_t cursor, n;               /* the current step, steps in all */
	bool writes, verifying, finished;
	char *title;                    /* the current step's title */
	struct strv lines;              /* the view's text */
	struct onboard_session *next;   /* ended sessions whose worker may still run */
};

/* Sessions ended while their worker was busy, until it stops (UI thread only). */
static struct onboard_session *ended;

enum ob_job_kind { OBJ_OPEN, OBJ_STEP, OBJ_VERIFY_LATER };

struct ob_job {
	struct job j;
	struct onboard_session *s;
	unsigned serial;
	enum ob_job_kind kind;
	size_t step;
	/* results */
	char *err;
	int state;
	bool opened;
	size_t cursor, n;
	bool writes, verifying, finished;
	char *title;
	struct strv lines;
};

static unsigned next_serial;

static void ob_say(void *ud, const char *line)
{
	struct onboard_session *s = ud;
	strv_push(&s->log, line);
	if (s->log.n > 4 * LOG_LINES) {
		/* keep the tail */
		struct strv keep = {0};
		for (size_t i = s->log.n - LOG_LINES; i < s->log.n; i++)
			strv_push(&keep, s->log.v[i]);
		strv_free(&s->log);
		s->log = keep;
	}
}

static bool final_state(enum onboard_state st)
{
	return st == OB_DONE || st == OB_SKIPPED;
}

/* Worker: the text of the view for the current step. */
static void render(struct onboard_session *s, struct ob_job *j)
{
	struct onboard *ob = s->ob;
	size_t cur = j->cursor;
	struct buf b = {0};
	if (cur < ob->steps.n) {
		const struct onboard_step_def *d = ob->run[cur].def;
		buf_printf(&b, "Step %zu of %zu: %s\n", cur + 1, ob->steps.n, d->title);
		if (d->writes)
			buf_puts(&b, "This step changes MailCow: Enter asks first (y/N).\n");
		else if (d->action == OB_ACT_VERIFY)
			buf_printf(&b, "Live verification: a round every %d s; Enter verifies now.\n",
				   VERIFY_EVERY_MS / 1000);
		else
			buf_puts(&b, "Enter runs this step (it writes nothing).\n");
		buf_puts(&b, "Esc closes (the walkthrough is kept: o shows it again); o in here starts another "
			     "domain.\n\n");
		onboard_step_describe(ob, cur, &b);
		if (b.len && b.data[b.len - 1] != '\n')
			buf_puts(&b, "\n");
	} else {
		buf_printf(&b, "All %zu steps are done%s.\n", ob->steps.n,
			   ob->onboarded ? ": the domain is onboarded" : "");
	}
	if (ob->last.n) {
		struct buf missing = {0};
		buf_puts(&b, "\nVerification (last round):\n");
		if (onboard_checks_green(&ob->last, false, &missing)) {
			buf_printf(&b, "  all %zu checks pass\n", ob->last.n);
		} else {
			buf_puts(&b, "  still missing or wrong:\n");
			for (char *sv = NULL, *l = strtok_r(missing.data, "\n", &sv); l; l = strtok_r(NULL, "\n", &sv))
				buf_printf(&b, "    %s\n", l);
		}
		buf_free(&missing);
	}
	buf_puts(&b, "\nLines to copy into the zone (step f):\n");
	struct buf z = {0};
	onboard_zone_lines(ob, &z);
	for (char *sv = NULL, *l = strtok_r(z.data, "\n", &sv); l; l = strtok_r(NULL, "\n", &sv))
		buf_printf(&b, "  %s\n", l);
	buf_free(&z);
	buf_puts(&b, "\nAll steps:\n");
	for (size_t i = 0; i < ob->steps.n; i++) {
		buf_puts(&b, i == cur ? "> " : "  ");
		onboard_step_header(ob, i, &b);
		buf_puts(&b, "\n");
	}
	if (s->log.n) {
		buf_puts(&b, "\nProgress:\n");
		size_t from = s->log.n > LOG_LINES ? s->log.n - LOG_LINES : 0;
		for (size_t i = from; i < s->log.n; i++)
			buf_printf(&b, "  %s\n", s->log.v[i]);
	}
	strv_push(&j->lines, buf_cstr(&b));     /* the view splits it, blank lines kept */
	buf_free(&b);
}

/* Worker: where the walkthrough goes after step i ended in st. */
static size_t advance(struct onboard *ob, size_t i, enum onboard_state st)
{
	const struct onboard_step_def *d = ob->run[i].def;
	if (st == OB_FAILED || st == OB_NEEDS_RW || st == OB_DECLINED)
		return i;
	/* verification and enforcing wait for green checks */
	if (!final_state(st) && (d->action == OB_ACT_VERIFY || d->action == OB_ACT_MTA_STS_ENFORCE))
		return i;
	size_t k = i + 1;
	while (k < ob->steps.n && final_state(ob->run[k].state))
		k++;
	return k;
}

static void fill(struct onboard_session *s, struct ob_job *j)
{
	struct onboard *ob = s->ob;
	j->opened = true;
	j->n = ob->steps.n;
	if (j->cursor < ob->steps.n) {
		const struct onboard_step_def *d = ob->run[j->cursor].def;
		j->writes = d->writes;
		/* only the verify step repeats by itself: enforcing writes, so it waits for y */
		j->verifying = d->action == OB_ACT_VERIFY;
		j->title = xstrdup(d->title);
	} else {
		j->finished = true;
	}
	render(s, j);
}

static void ob_job_run(struct job *job)
{
	struct ob_job *j = (struct ob_job *)job;
	struct onboard_session *s = j->s;
	if (j->kind == OBJ_OPEN) {
		s->ob = s->be->ops->onboard_open(s->be, s->domain, s->catchall, ob_say, s, &j->err);
		if (!s->ob)
			return;
		j->cursor = onboard_next(s->ob);
		fill(s, j);
		return;
	}
	if (!s->ob)
		return;
	if (j->kind == OBJ_VERIFY_LATER) {
		struct pollfd p = {.fd = s->wake[0], .events = POLLIN};
		poll(&p, 1, VERIFY_EVERY_MS);
		char drain[16];
		while (read(s->wake[0], drain, sizeof(drain)) > 0)
			;
		if (atomic_load(&s->stopping))
			return;
	}
	enum onboard_state st = (enum onboard_state)s->be->ops->onboard_step(s->be, s->ob, j->step);
	j->state = (int)st;
	j->cursor = advance(s->ob, j->step, st);
	fill(s, j);
}

static void ob_job_free(struct job *job)
{
	struct ob_job *j = (struct ob_job *)job;
	free(j->err);
	free(j->title);
	strv_free(&j->lines);
	free(j);
}

static void show(struct console *c, struct onboard_session *s, bool keep_scroll)
{
	struct textview *tv = xcalloc(1, sizeof(*tv));
	char *title = xasprintf("Onboarding %s", s->domain);
	tv_init(tv, title, "onboard");
	free(title);
	for (size_t i = 0; i < s->lines.n; i++)
		tv_add_text(tv, s->lines.v[i]);
	if (!s->lines.n)
		tv_add(tv, "Reading what MailCow and the database hold for %s...", s->domain);
	tv->loading = s->busy && !s->verifying;
	if (keep_scroll && c->view && strcmp(c->view->key, "onboard") == 0) {
		tv->top = c->view->top < tv->lines.n ? c->view->top : 0;
		tv->left = c->view->left;
	}
	console_open_view(c, tv);
}

static bool view_is_ours(const struct console *c)
{
	return c->view && strcmp(c->view->key, "onboard") == 0;
}

static void submit(struct console *c, struct onboard_session *s, enum ob_job_kind kind, size_t step);
static void reap(bool wait);

static void ob_job_done(struct job *job, struct console *c)
{
	struct ob_job *j = (struct ob_job *)job;
	struct onboard_session *s = c->onboard;
	if (!s || s->serial != j->serial)
		return;
	s->busy = false;
	reap(false);
	if (j->err || !j->opened) {
		if (j->kind == OBJ_OPEN) {
			console_message(c, STATUS_CRITICAL, "onboarding %s: %s", s->domain,
					j->err ? j->err : "cannot start");
			if (view_is_ours(c))
				console_open_view(c, NULL);
			onboard_view_end(c);
		}
		return;
	}
	s->opened = true;
	s->cursor = j->cursor;
	s->n = j->n;
	s->writes = j->writes;
	s->verifying = j->verifying;
	s->finished = j->finished;
	free(s->title);
	s->title = j->title;
	j->title = NULL;
	strv_free(&s->lines);
	s->lines = j->lines;
	memset(&j->lines, 0, sizeof(j->lines));
	if (j->kind != OBJ_OPEN) {
		enum onboard_state st = (enum onboard_state)j->state;
		if (st == OB_NEEDS_RW)
			console_message(c, STATUS_CRITICAL, "%s", onboard_readonly_message());
		else if (st == OB_FAILED)
			console_message(c, STATUS_CRITICAL, "step %zu failed; Enter retries it", j->step + 1);
		else if (j->kind == OBJ_STEP)
			console_message(c, STATUS_NONE, "step %zu: %s", j->step + 1, onboard_state_name(st));
	}
	bool ours = view_is_ours(c);
	if (ours)
		show(c, s, true);
	/* live verification: another round while the walkthrough is on screen */
	if (ours && s->verifying && !s->finished && j->kind != OBJ_OPEN)
		submit(c, s, OBJ_VERIFY_LATER, s->cursor);
	c->dirty_body = c->dirty_status = true;
}

static void submit(struct console *c, struct onboard_session *s, enum ob_job_kind kind, size_t step)
{
	struct ob_job *j = xcalloc(1, sizeof(*j));
	j->j.run = ob_job_run;
	j->j.done = ob_job_done;
	j->j.free = ob_job_free;
	j->s = s;
	j->serial = s->serial;
	j->kind = kind;
	j->step = step;
	s->busy = true;
	/* the wait between verification rounds is not work in progress: no spinner */
	if (view_is_ours(c) && kind != OBJ_VERIFY_LATER)
		c->view->loading = true;
	workq_submit(s->q, &j->j);
}

/* After its worker stopped (workq_free joins). */
static void session_free(struct onboard_session *s)
{
	workq_free(s->q);
	if (s->ob)
		s->be->ops->onboard_close(s->be, s->ob);
	close(s->wake[0]);
	close(s->wake[1]);
	strv_free(&s->log);
	strv_free(&s->lines);
	free(s->title);
	free(s->domain);
	free(s->catchall);
	free(s);
}

/* Frees the ended sessions whose worker has stopped; with wait, all of them. */
static void reap(bool wait)
{
	for (struct onboard_session **pp = &ended; *pp;) {
		struct onboard_session *s = *pp;
		if (!wait && !workq_ended(s->q)) {
			pp = &s->next;
			continue;
		}
		*pp = s->next;
		session_free(s);
	}
}

void onboard_view_end(struct console *c)
{
	struct onboard_session *s = c->onboard;
	if (s) {
		c->onboard = NULL;
		atomic_store(&s->stopping, true);
		ssize_t w = write(s->wake[1], "s", 1);  /* cuts the wait before a round */
		(void)w;
		/* no join here: a verification round's collect runs to its own deadline */
		workq_stop(s->q);
		s->next = ended;
		ended = s;
	}
	reap(false);
}

void onboard_view_free(struct console *c)
{
	onboard_view_end(c);
	reap(true);
}

static void start_session(struct console *c, const char *domain, const char *catchall)
{
	onboard_view_end(c);
	struct onboard_session *s = xcalloc(1, sizeof(*s));
	s->serial = ++next_serial;
	s->be = c->be;
	s->domain = xstrdup(domain);
	s->catchall = catchall && *catchall ? xstrdup(catchall) : NULL;
	if (pipe2(s->wake, O_CLOEXEC | O_NONBLOCK) < 0)
		die("cannot create a pipe");
	atomic_init(&s->stopping, false);
	s->q = workq_new(&c->mb, "mcon-onboard");
	c->onboard = s;
	submit(c, s, OBJ_OPEN, 0);
	show(c, s, false);
}

static void catchall_done(struct console *c, const char *text, void *ud)
{
	const char *domain = ud;
	if (!text) {
		console_message(c, STATUS_NONE, "onboarding cancelled");
		return;
	}
	start_session(c, domain, text);
}

static void domain_done(struct console *c, const char *text, void *ud)
{
	(void)ud;
	if (!text || !*text) {
		console_message(c, STATUS_NONE, "onboarding cancelled");
		return;
	}
	char *ascii = NULL, *err = NULL;
	if (onboard_domain_normalize(text, &ascii, &err) < 0) {
		console_message(c, STATUS_WARNING, "%s", err);
		free(err);
		return;
	}
	/* the target an earlier run was given: not asked again */
	char *stored = c->be->ops->onboard_catchall ? c->be->ops->onboard_catchall(c->be, ascii) : NULL;
	if (stored) {
		console_message(c, STATUS_NONE, "catch-all @%s delivers to %s, as given before "
				"(mcon onboard %s --catchall-to ADDRESS changes it)", ascii, stored, ascii);
		start_session(c, ascii, stored);
		free(stored);
		free(ascii);
		return;
	}
	char *label = xasprintf("catch-all @%s delivers to (mailbox; Enter keeps the stored one):", ascii);
	console_prompt(c, label, "", catchall_done, NULL, ascii, free);
	free(label);
}

static void confirm_done(struct console *c, const char *text, void *ud)
{
	(void)ud;
	struct onboard_session *s = c->onboard;
	if (!s || s->busy)
		return;
	if (text && strcmp(text, "y") == 0) {
		submit(c, s, OBJ_STEP, s->cursor);
		c->dirty_body = true;
	} else {
		console_message(c, STATUS_WARNING, "declined: nothing was written to MailCow");
	}
}

void onboard_view_open(struct console *c)
{
	struct onboard_session *s = c->onboard;
	if (s) {
		show(c, s, false);
		if (s->opened && s->verifying && !s->finished && !s->busy)
			submit(c, s, OBJ_VERIFY_LATER, s->cursor);
		return;
	}
	console_prompt(c, "onboard which domain:", "", domain_done, NULL, NULL, NULL);
}

bool onboard_view_action(struct console *c, enum action a)
{
	struct onboard_session *s = c->onboard;
	if (!view_is_ours(c) || !s)
		return false;
	switch (a) {
	case ACT_ENTER:
		if (!s->opened) {
			console_message(c, STATUS_NONE, "still reading MailCow...");
		} else if (s->finished) {
			console_message(c, STATUS_OK, "every step is done");
		} else if (s->busy && s->verifying) {
			/* cut the wait: the next round now */
			ssize_t w = write(s->wake[1], "v", 1);
			(void)w;
			console_message(c, STATUS_NONE, "verifying now...");
		} else if (s->busy) {
			console_message(c, STATUS_NONE, "the step is still running...");
		} else if (s->writes) {
			char *q = xasprintf("Step %zu of %zu changes MailCow (%s). Go ahead?", s->cursor + 1, s->n,
					    s->title ? s->title : "");
			console_confirm(c, q, confirm_done, NULL, NULL);
			free(q);
		} else {
			submit(c, s, OBJ_STEP, s->cursor);
		}
		return true;
	case ACT_ONBOARD:
		if (s->busy && !s->verifying) {
			console_message(c, STATUS_NONE, "the step is still running...");
			return true;
		}
		console_open_view(c, NULL);
		onboard_view_end(c);
		console_prompt(c, "onboard which domain:", "", domain_done, NULL, NULL, NULL);
		return true;
	default:
		return false;
	}
}
