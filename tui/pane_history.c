/* pane_history: what changed over the last days (status transitions, container state,
 * DNS answers, keys), newest first, as the history store recorded it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "tui/console.h"

struct history {
	struct strv text, keys;
};

static size_t history_ingest(struct pane *p, const struct tui_model *m)
{
	struct history *hp = p->priv;
	strv_free(&hp->text);
	strv_free(&hp->keys);
	for (size_t i = 0; i < m->n_changes; i++) {
		const struct tui_change *c = &m->changes[i];
		strv_push_owned(&hp->text, xasprintf("%s %s %s %s %s", c->kind ? c->kind : "", c->target ? c->target : "",
						     c->from ? c->from : "", c->to ? c->to : "", c->detail ? c->detail : ""));
		strv_push_owned(&hp->keys, xasprintf("%lld %s %s", (long long)c->at, c->kind ? c->kind : "",
						     c->target ? c->target : ""));
	}
	return m->n_changes;
}

static const char *history_row_text(struct pane *p, size_t row)
{
	return ((struct history *)p->priv)->text.v[row];
}

static const char *history_row_key(struct pane *p, size_t row)
{
	return ((struct history *)p->priv)->keys.v[row];
}

static void history_draw_head(struct pane *p, struct drawctx *dc)
{
	(void)p;
	int x = 0;
	dc_text(dc, &x, 14, "WHEN", ST_HEAD);
	dc_text(dc, &x, 18, "WHAT", ST_HEAD);
	dc_text(dc, &x, 22, "TARGET", ST_HEAD);
	dc_rest(dc, &x, "CHANGE", ST_HEAD);
}

static void history_draw_row(struct pane *p, struct drawctx *dc, size_t row)
{
	const struct tui_change *c = &p->model->changes[row];
	int x = 0;
	char when[32];
	struct tm tm;
	localtime_r(&c->at, &tm);
	strftime(when, sizeof(when), "%m-%d %H:%M:%S", &tm);
	dc_text(dc, &x, 14, when, ST_NORMAL);
	dc_text(dc, &x, 18, c->kind ? c->kind : "", ST_NORMAL);
	dc_text(dc, &x, 22, c->target ? c->target : "", ST_NORMAL);
	char *ch = xasprintf("%s %s %s", c->from && *c->from ? c->from : "(none)", disp_glyph(dc->d, G_ARROW),
			     c->to && *c->to ? c->to : "(none)");
	enum status to = status_parse(c->to);
	dc_rest(dc, &x, ch, status_bad(to) ? disp_status_style(to) : ST_NORMAL);
	free(ch);
}

static void history_footer(struct pane *p, size_t row, struct buf *out)
{
	const struct tui_change *c = &p->model->changes[row];
	buf_printf(out, " %s", c->detail && *c->detail ? c->detail : "");
}

static void history_details(struct pane *p, size_t row, struct textview *tv, struct console *con)
{
	(void)con;
	const struct tui_change *c = &p->model->changes[row];
	char at[32];
	time_rfc3339(c->at, at);
	free(tv->title);
	tv->title = xasprintf("Change %s on %s", c->kind ? c->kind : "", c->target ? c->target : "");
	tv_add(tv, "at       %s", at);
	tv_add(tv, "what     %s", c->kind ? c->kind : "");
	tv_add(tv, "target   %s", c->target ? c->target : "");
	tv_add(tv, "from     %s", c->from ? c->from : "(none)");
	tv_add(tv, "to       %s", c->to ? c->to : "(none)");
	if (c->detail && *c->detail) {
		tv_blank(tv);
		tv_add_text(tv, c->detail);
	}
}

static void history_done(struct pane *p)
{
	struct history *hp = p->priv;
	strv_free(&hp->text);
	strv_free(&hp->keys);
}

const struct pane_ops history_ops = {
	.name = "history",
	.title = "History",
	.private_size = sizeof(struct history),
	.empty = "(no changes recorded in the last 7 days: `mcon record` from a timer fills this)",
	.ingest = history_ingest,
	.draw_head = history_draw_head,
	.draw_row = history_draw_row,
	.row_text = history_row_text,
	.row_key = history_row_key,
	.footer = history_footer,
	.details = history_details,
	.done = history_done,
};
