/* pane_pending: the shared checklist. Space ticks or reopens the selected item with an
 * optional note (required when its linked checks are not green), u undoes the last tick,
 * a adds an item, n writes a note; Enter reads the notes. Changes run on the database
 * worker; another admin's changes show at the next re-read. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "tui/console.h"

static void pending_ingest(struct pane *p, const struct tui_model *m)
{
	for (size_t i = 0; i < m->n_tasks; i++) {
		const struct tui_task *t = &m->tasks[i];
		char *links = strv_join(&t->links, " ");
		char key[32];
		snprintf(key, sizeof(key), "%ld", t->id);
		char *text = xasprintf("#%ld %s %s %s %s", t->id, t->done ? "done" : "open", t->title, links,
				       t->done_by ? t->done_by : "");
		pane_row_add(p, key, text);
		free(text);
		free(links);
	}
}

static const char *pending_error(const struct tui_model *m)
{
	return m->tasks_err;
}

/* The worst status of the item's linked checks (STATUS_NONE without links or results). */
static enum status evidence(const struct tui_model *m, const struct tui_task *t, const char **worst_check)
{
	enum status w = STATUS_NONE;
	*worst_check = NULL;
	for (size_t i = 0; i < t->links.n; i++) {
		enum status s = model_check_status(m, t->links.v[i], NULL);
		if (!*worst_check || s > w)
			*worst_check = t->links.v[i];
		w = status_worse(w, s);
	}
	return w;
}

static void short_time(time_t t, char out[32])
{
	struct tm tm;
	localtime_r(&t, &tm);
	strftime(out, 32, "%m-%d %H:%M", &tm);
}

static void pending_draw_row(struct pane *p, struct drawctx *dc, size_t row)
{
	const struct tui_task *t = &p->model->tasks[row];
	char id[16], when[32], who[96];
	dc_text(dc, disp_glyph(dc->d, t->done ? G_TICKED : G_OPEN), t->done ? ST_OK : ST_NORMAL);
	snprintf(id, sizeof(id), "#%ld", t->id);
	dc_text(dc, id, ST_NORMAL);
	char *title = t->notes.n ? xasprintf("%s (%zu note%s)", t->title, t->notes.n, t->notes.n > 1 ? "s" : "")
				 : xstrdup(t->title);
	dc_text(dc, title, ST_NORMAL);
	free(title);
	const char *wc;
	enum status ev = evidence(p->model, t, &wc);
	char evtxt[64];
	if (!t->links.n)
		snprintf(evtxt, sizeof(evtxt), "-");
	else if (ev == STATUS_NONE)
		snprintf(evtxt, sizeof(evtxt), "? %zu no run", t->links.n);
	else
		snprintf(evtxt, sizeof(evtxt), "%s %s %zu", disp_status_symbol(dc->d, ev),
			 status_word(ev), t->links.n);
	(void)wc;
	dc_text(dc, evtxt, disp_status_style(ev));
	if (t->done) {
		short_time(t->done_at, when);
		snprintf(who, sizeof(who), "%s %s", t->done_by ? t->done_by : "?", when);
	} else {
		short_time(t->created_at, when);
		snprintf(who, sizeof(who), "since %s", when);
	}
	dc_text(dc, who, ST_NORMAL);
}

static void pending_footer(struct pane *p, size_t row, struct buf *out)
{
	const struct tui_task *t = &p->model->tasks[row];
	if (t->notes.n)
		buf_printf(out, " last note: %s", t->notes.v[t->notes.n - 1]);
	else if (t->links.n) {
		char *l = strv_join(&t->links, ", ");
		buf_printf(out, " linked to %s", l);
		free(l);
	} else {
		buf_puts(out, " Space ticks, n adds a note, Enter shows the item");
	}
}

static void pending_details(struct pane *p, size_t row, struct textview *tv, struct console *c)
{
	(void)c;
	const struct tui_model *m = p->model;
	const struct tui_task *t = &m->tasks[row];
	char ts[32];
	free(tv->title);
	tv->title = xasprintf("Pending #%ld", t->id);
	tv_add(tv, "%s", t->title);
	tv_blank(tv);
	time_rfc3339(t->created_at, ts);
	tv_add(tv, "state    %s", t->done ? "done" : "open");
	tv_add(tv, "created  %s", ts);
	if (t->done) {
		time_rfc3339(t->done_at, ts);
		tv_add(tv, "done     %s by %s", ts, t->done_by ? t->done_by : "?");
	} else if (t->done_by) {
		tv_add(tv, "last changed by %s", t->done_by);
	}
	tv_blank(tv);
	tv_add(tv, "Linked checks (evidence from the last refresh)");
	if (!t->links.n)
		tv_add(tv, "  (none)");
	for (size_t i = 0; i < t->links.n; i++) {
		size_t shown = 0;
		for (size_t k = 0; k < m->n_results; k++) {
			const struct check_result *r = &m->results[k];
			if (strcmp(r->check, t->links.v[i]) != 0)
				continue;
			tv_add(tv, "  %-4s %s %s: %s", status_word(r->status), r->check, r->target ? r->target : "",
			       r->summary ? r->summary : "");
			shown++;
		}
		if (!shown)
			tv_add(tv, "  ?    %s: no result yet", t->links.v[i]);
	}
	tv_blank(tv);
	tv_add(tv, "Notes");
	if (!t->notes.n)
		tv_add(tv, "  (none; n adds one)");
	for (size_t i = 0; i < t->notes.n; i++)
		tv_add(tv, "  %s", t->notes.v[i]);
}

/* ---- Actions ---- */

struct tick_ud {
	long id;
	bool done;
	bool note_required;
	char *title;
};

static void tick_ud_free(void *ud)
{
	struct tick_ud *t = ud;
	free(t->title);
	free(t);
}

static void tick_done(struct console *c, const char *note, void *ud)
{
	struct tick_ud *t = ud;
	if (!note) {
		console_message(c, STATUS_NONE, "not changed");
		return;
	}
	if (t->note_required && !*note) {
		console_message(c, STATUS_WARNING, "#%ld not ticked: its linked checks are not green, so a note is "
						   "required",
				t->id);
		return;
	}
	console_task_set_done(c, t->id, t->done, note, true, t->title);
}

static void add_done(struct console *c, const char *title, void *ud)
{
	(void)ud;
	if (!title || !*title) {
		console_message(c, STATUS_NONE, "nothing added");
		return;
	}
	console_task_add(c, title);
}

static void note_done(struct console *c, const char *text, void *ud)
{
	long *id = ud;
	if (!text || !*text) {
		console_message(c, STATUS_NONE, "no note written");
		return;
	}
	console_task_note(c, *id, text);
}

static bool pending_on_action(struct pane *p, struct console *c, enum action a, size_t row, bool has_row)
{
	const struct tui_model *m = p->model;
	switch (a) {
	case ACT_TICK: {
		if (!has_row) {
			console_message(c, STATUS_NONE, "no item selected");
			return true;
		}
		const struct tui_task *t = &m->tasks[row];
		struct tick_ud *ud = xcalloc(1, sizeof(*ud));
		ud->id = t->id;
		ud->done = !t->done;
		ud->title = xstrdup(t->title);
		const char *wc;
		enum status ev = evidence(m, t, &wc);
		char *label;
		if (ud->done && t->links.n && ev != STATUS_OK) {
			ud->note_required = true;
			label = xasprintf("tick #%ld although %s is %s: note (required):", t->id, wc ? wc : "a "
				"linked check",
					  status_word(ev));
		} else {
			label = xasprintf("%s #%ld: note (optional, Enter to skip):", ud->done ? "tick" : "reopen",
					  t->id);
		}
		console_prompt(c, label, NULL, tick_done, NULL, ud, tick_ud_free);
		free(label);
		return true;
	}
	case ACT_UNDO:
		console_task_undo(c);
		return true;
	case ACT_ADD:
		console_prompt(c, "new item:", NULL, add_done, NULL, NULL, NULL);
		return true;
	case ACT_NOTE: {
		if (!has_row) {
			console_message(c, STATUS_NONE, "no item selected");
			return true;
		}
		long *id = xmalloc(sizeof(*id));
		*id = m->tasks[row].id;
		char *label = xasprintf("note for #%ld:", *id);
		console_prompt(c, label, NULL, note_done, NULL, id, free);
		free(label);
		return true;
	}
	default:
		return false;
	}
}

static const struct pane_column pending_columns[] = {
	{"", 3, 0}, {"ID", 4, COL_FIT}, {"ITEM", 20, COL_FILL}, {"EVIDENCE", 11, COL_FIT},
	{"WHO / WHEN", 23, COL_REST},
};

static const enum action pending_actions[] = {ACT_TICK, ACT_UNDO, ACT_ADD, ACT_NOTE, ACT_NONE};

const struct pane_ops pending_ops = {
	.name = "pending",
	.title = "Pending",
	.key = '4',
	.help = "pending: the shared checklist",
	.actions = pending_actions,
	.sources = SRC_TASKS,
	.columns = pending_columns,
	.n_columns = ARRAY_SIZE(pending_columns),
	.error = pending_error,
	.empty = "(the checklist is empty: a adds an item)",
	.ingest = pending_ingest,
	.draw_row = pending_draw_row,
	.footer = pending_footer,
	.details = pending_details,
	.on_action = pending_on_action,
};
