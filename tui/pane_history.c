/* pane_history: what changed over the last days (status transitions, container state,
 * DNS answers, keys), newest first, as the history store recorded it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "tui/console.h"

static void history_ingest(struct pane *p, const struct tui_model *m)
{
	for (size_t i = 0; i < m->n_changes; i++) {
		const struct tui_change *c = &m->changes[i];
		char *key =
			xasprintf("%lld %s %s", (long long)c->at, c->kind ? c->kind : "", c->target ? c->target : "");
		char *text = xasprintf("%s %s %s %s %s", c->kind ? c->kind : "", c->target ? c->target : "",
				       c->from ? c->from : "", c->to ? c->to : "", c->detail ? c->detail : "");
		pane_row_add(p, key, text);
		free(key);
		free(text);
	}
}

static const char *history_error(const struct tui_model *m)
{
	return m->history_err;
}

static void history_draw_row(struct pane *p, struct drawctx *dc, size_t row)
{
	const struct tui_change *c = &p->model->changes[row];
	char when[32];
	struct tm tm;
	localtime_r(&c->at, &tm);
	strftime(when, sizeof(when), "%m-%d %H:%M:%S", &tm);
	dc_text(dc, when, ST_NORMAL);
	dc_text(dc, c->kind ? c->kind : "", ST_NORMAL);
	dc_text(dc, c->target ? c->target : "", ST_NORMAL);
	char *ch = xasprintf("%s %s %s", c->from && *c->from ? c->from : "(none)", disp_glyph(dc->d, G_ARROW),
			     c->to && *c->to ? c->to : "(none)");
	enum status to = status_parse(c->to);
	dc_text(dc, ch, status_bad(to) ? disp_status_style(to) : ST_NORMAL);
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

static const struct pane_column history_columns[] = {
	{"WHEN", 14, 0}, {"WHAT", 18, COL_FIT}, {"TARGET", 22, COL_FIT}, {"CHANGE", 23, COL_REST},
};

const struct pane_ops history_ops = {
	.name = "history",
	.title = "History",
	.key = '6',
	.help = "history: what changed",
	.sources = SRC_HISTORY,
	.columns = history_columns,
	.n_columns = ARRAY_SIZE(history_columns),
	.error = history_error,
	.empty = "(no changes recorded in the last 7 days: `mcon record` from a timer fills this)",
	.ingest = history_ingest,
	.draw_row = history_draw_row,
	.footer = history_footer,
	.details = history_details,
};
