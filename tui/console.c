/* console: the event loop (one poll on the terminal and the workers' mailbox, with the
 * timeout to the next timer), timers, key dispatch through the action table, the help
 * generated from it, and the session's setup and teardown. The workers' jobs are in
 * jobs.c, drawing in draw.c, the prompt in prompt.c. */
#include "tui/console.h"
#include "tui/fix_view.h"
#include "tui/writes.h"
#include "tui/onboard_view.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <wchar.h>

#define DB_POLL_MS 5000         /* re-read the shared checklist this often */
#define MSG_MS 6000

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

void console_message(struct console *c, enum status level, const char *fmt, ...)
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

void console_source_changed(struct console *c, unsigned sources)
{
	for (int i = 0; i < PANE__COUNT; i++)
		if (c->panes[i].ops->sources & sources)
			pane_update(&c->panes[i], &c->model);
	c->dirty_body = true;
}

void console_open_view(struct console *c, struct textview *tv)
{
	writes_follow_stop(c);
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
		if (t[i].id == ACT_PANE) {
			for (int p = 0; p < PANE__COUNT; p++) {
				action_key_name(pane_registry[p]->key, keys);
				tv_add(tv, "  %-16s %s", keys, pane_registry[p]->help);
			}
			continue;
		}
		action_keys_text(t[i].id, keys, sizeof(keys));
		const char *help = t[i].help;
		if (t[i].id == ACT_ONBOARD && !(c->be->ops->can_onboard && c->be->ops->can_onboard(c->be)))
			tv_add(tv, "  %-16s %s (not in the console yet: mcon onboard DOMAIN --plan)", keys, help);
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
	if (onboard_view_action(c, a) || fix_view_action(c, a) || writes_follow_action(c, a)) {
		c->dirty_body = c->dirty_status = true;
		return;
	}
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
	case ACT_REFRESH: console_refresh(c); break;
	case ACT_FOLLOW:
	case ACT_RESTART: {
		/* the view of the pane that opened it: its on_action acts on that row */
		struct pane *p = &c->panes[c->cur];
		size_t row = 0;
		if (p->ops->on_action && pane_selected(p, &row) && pane_row_key(p, row) &&
		    strcmp(pane_row_key(p, row), tv->key) == 0 && p->ops->on_action(p, c, a, row, true))
			break;
		console_message(c, STATUS_NONE, "%s works on a container's details (pane 2)",
				a == ACT_FOLLOW ? "follow" : "restart");
		break;
	}
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
	case ACT_NEXT_PANE: switch_pane(c, c->cur + 1); break;
	case ACT_PREV_PANE: switch_pane(c, c->cur - 1); break;
	case ACT_ENTER:
		if (!has_row || !p->ops->details) {
			console_message(c, STATUS_NONE, "nothing to open here");
			break;
		}
		{
			struct textview *tv = xcalloc(1, sizeof(*tv));
			tv_init(tv, p->ops->title, pane_row_key(p, row));
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
			console_message(c, STATUS_NONE, "filter cleared");
		}
		break;
	case ACT_REFRESH:
		console_refresh(c);
		console_tasks_reload(c);
		console_message(c, STATUS_NONE, "refreshing...");
		break;
	case ACT_HELP: open_help(c); break;
	case ACT_QUIT: c->quit = true; break;
	case ACT_UNDO:
		/* the last tick is undone from any pane */
		console_task_undo(c);
		break;
	case ACT_FIX:
		fix_view_open(c);
		break;
	case ACT_ONBOARD:
		if (c->be->ops->can_onboard && c->be->ops->can_onboard(c->be) && c->be->ops->onboard_open)
			onboard_view_open(c);
		else
			console_message(c, STATUS_WARNING, "onboarding is not in the console yet: run mcon onboard "
							   "DOMAIN --plan, then --apply");
		break;
	default: {
		/* another pane's own action: say where it works */
		int owner = pane_for_action(a);
		const struct action_info *ai = action_info(a);
		if (owner < 0 || !ai)
			return;
		char key[16];
		action_key_name(pane_registry[owner]->key, key);
		console_message(c, STATUS_NONE, "%s works in the %s pane (%s)", ai->word ? ai->word : ai->help,
				pane_registry[owner]->name, key);
		break;
	}
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
		console_prompt_key(c, ch, fkey);
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
	int target = a == ACT_NONE ? pane_for_key(key) : -1;
	if (target >= 0) {
		switch_pane(c, target);
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
		console_refresh(c);
	if (now >= c->next_db) {
		console_tasks_reload(c);
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
	disp_lock();
	while (!c->quit && (r = wget_wch(c->disp.input, &ch)) != ERR)
		handle_key(c, ch, r == KEY_CODE_YES);
	untouchwin(c->disp.input);
	disp_unlock();
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
		if (pthread_create(&c->events_thread, NULL, console_events_main, c) == 0) {
			pthread_setname_np(c->events_thread, "mcon-events");
			c->events_started = true;
		}
	}
	int rc = 0;
	if (disp_init(&c->disp, opts->mouse, c->tls_warning) < 0) {
		fprintf(stderr, "mcon: cannot use the terminal '%s'; set TERM (e.g. TERM=xterm-256color)\n",
			getenv("TERM") ? getenv("TERM") : "");
		c->quit = true;
		rc = 1;
	}
	struct sigaction sa = {.sa_handler = on_signal}, old_int, old_term, old_hup;
	sigemptyset(&sa.sa_mask);
	got_signal = 0;
	signal_fd = c->mb.fd[1];
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);
	sigaction(SIGHUP, &sa, &old_hup);
	c->redraw_all = true;
	console_last_screen(c);
	console_refresh(c);
	console_tasks_reload(c);
	c->next_db = console_now_ms() + DB_POLL_MS;
	console_history_reload(c);

	while (!c->quit && !got_signal) {
		long long now = console_now_ms();
		run_timers(c, now);
		disp_lock();
		console_draw(c);
		disp_unlock();
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
		/* a SIGWINCH makes ncurses queue KEY_RESIZE; poll returns EINTR for it, unless the
		 * signal went to a worker thread or came while drawing: then the next timer
		 * (at most the checklist's 5 s) finds it */
		if (n <= 0)
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
	onboard_view_free(c);
	fix_view_end(c);
	writes_end(c);
	if (c->events_started)
		pthread_join(c->events_thread, NULL);
	if (c->disp.screen) {
		disp_lock();
		disp_end(&c->disp);
		disp_unlock();
	}
	if (c->prompt.active)
		console_prompt_close(c);
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
	return rc;
}
