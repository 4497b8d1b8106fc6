/* draw: the header (site, MailCow version, backends with their failure reasons, last
 * refresh, worst status, pane tabs, the TLS warning), the body (a pane or a details view),
 * the status line and the too-small screen. Only what is marked dirty is drawn, each window
 * with wnoutrefresh, then one doupdate. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/sanitize.h"
#include "tui/console.h"

/* Every backend's state first, so none is cut off, then the reasons of those that failed. */
static void draw_backends(struct console *c, const struct snapshot *s, struct buf *line)
{
	const struct {
		const char *name;
		const struct part_error *err;
	} b[] = {
		{"docker", &s->docker.err}, {"mailcow", &s->mailcow.err},
		{"dns", &s->dns_err}, {"files", &s->limits.err},
	};
	for (size_t i = 0; i < ARRAY_SIZE(b); i++)
		buf_printf(line, "%s %s ", b[i].name, disp_glyph(&c->disp, b[i].err->failed ? G_CRIT : G_OK));
	const char *sep = "| ";
	for (size_t i = 0; i < ARRAY_SIZE(b); i++) {
		const struct part_error *e = b[i].err;
		if (!e->failed)
			continue;
		buf_printf(line, "%s%s: %s", sep, b[i].name, e->why ? e->why : (e->what ? e->what : "failed"));
		sep = "; ";
	}
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
	enum status worst = model_worst(&c->model);
	if (c->stale_at) {
		/* the last known state, until the live collect replaces it */
		char asof[16] = "?";
		struct tm t;
		if (localtime_r(&c->stale_at, &t))
			strftime(asof, sizeof(asof), "%H:%M", &t);
		snprintf(right, sizeof(right), "as of %s, %s  ", asof, c->collecting ? "refreshing" : "stale");
	} else if (c->collecting)
		snprintf(right, sizeof(right), "%s refreshing  ", console_spinner(c));
	else
		snprintf(right, sizeof(right), "refreshed %s  ", tm);
	int rw = (int)strlen(right) > 30 ? 30 : (int)strlen(right);
	int x = disp_put(d, w, 0, 0, d->cols - rw - 14, left, ST_TITLE);
	x = disp_put(d, w, 0, x, rw, right, ST_TITLE);
	char wtxt[32];
	snprintf(wtxt, sizeof(wtxt), "%s %s ", disp_status_symbol(d, worst), status_word(worst));
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
		draw_backends(c, s, &line);
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
		const char *err = p->ops->error ? p->ops->error(&c->model) : NULL;
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

/* The keys of the moment: a pane with actions of its own hints them first and leaves out
 * the pane keys and refresh to make room. */
static void status_hints(struct console *c, struct buf *b)
{
	static const enum action common[] = {ACT_ENTER, ACT_FILTER, ACT_REFRESH, ACT_HELP, ACT_QUIT};
	struct pane *p = &c->panes[c->cur];
	const enum action *own = c->view ? NULL : p->ops->actions;
	char k[48];
	if (!own) {
		char first[16], last[16];
		action_key_name(pane_registry[0]->key, first);
		action_key_name(pane_registry[PANE__COUNT - 1]->key, last);
		buf_printf(b, " %s-%s %s", first, last, action_info(ACT_PANE)->word);
	}
	for (; own && *own != ACT_NONE; own++) {
		action_keys_text(*own, k, sizeof(k));
		buf_printf(b, "  %s %s", k, action_info(*own)->word);
	}
	for (size_t i = 0; i < ARRAY_SIZE(common); i++) {
		if ((c->view && common[i] != ACT_HELP) || (p->ops->actions && !c->view && common[i] == ACT_REFRESH))
			continue;
		action_keys_text(common[i], k, sizeof(k));
		buf_printf(b, "  %s %s", k, action_info(common[i])->word);
	}
	if (c->view)
		buf_puts(b, "  Esc/q close  h/l scroll sideways");
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

void console_draw(struct console *c)
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

