/* pane_checks: every result of the last run, problems first (worst first), each with its
 * hint under the list; OK results follow so nothing is hidden. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "tui/console.h"

struct checks {
	size_t *order;          /* indexes into model->results */
};

static const struct check_result *sort_base;

static int result_cmp(const void *a, const void *b)
{
	const struct check_result *x = &sort_base[*(const size_t *)a], *y = &sort_base[*(const size_t *)b];
	if (x->status != y->status)
		return status_rank(x->status) > status_rank(y->status) ? -1 : 1;
	int c = strcmp(x->check, y->check);
	if (c)
		return c;
	return strcmp(x->target ? x->target : "", y->target ? y->target : "");
}

static void checks_ingest(struct pane *p, const struct tui_model *m)
{
	struct checks *cp = p->priv;
	free(cp->order);
	cp->order = NULL;
	if (!m->n_results)
		return;
	cp->order = xmalloc(m->n_results * sizeof(*cp->order));
	for (size_t i = 0; i < m->n_results; i++)
		cp->order[i] = i;
	sort_base = m->results; /* UI thread only */
	qsort(cp->order, m->n_results, sizeof(*cp->order), result_cmp);
	for (size_t i = 0; i < m->n_results; i++) {
		const struct check_result *r = &m->results[cp->order[i]];
		char *key = xasprintf("%s %s", r->check, r->target ? r->target : "");
		char *text = xasprintf("%s %s %s %s", status_word(r->status), r->check, r->target ? r->target : "",
				       r->summary ? r->summary : "");
		pane_row_add(p, key, text);
		free(key);
		free(text);
	}
}

static const struct check_result *result_at(struct pane *p, size_t row)
{
	return &p->model->results[((struct checks *)p->priv)->order[row]];
}

static void checks_draw_row(struct pane *p, struct drawctx *dc, size_t row)
{
	const struct check_result *r = result_at(p, row);
	dc_status(dc, r->status);
	dc_text(dc, r->check, ST_NORMAL);
	dc_text(dc, r->target ? r->target : "", ST_NORMAL);
	dc_text(dc, r->summary ? r->summary : "", ST_NORMAL);
}

static void checks_footer(struct pane *p, size_t row, struct buf *out)
{
	const struct check_result *r = result_at(p, row);
	if (r->status != STATUS_OK && r->hint)
		buf_printf(out, " what to do: %s", r->hint);
	else
		buf_printf(out, " %s", r->summary ? r->summary : "");
}

static void checks_details(struct pane *p, size_t row, struct textview *tv, struct console *c)
{
	(void)c;
	const struct check_result *r = result_at(p, row);
	free(tv->title);
	tv->title = xasprintf("Check %s on %s", r->check, r->target ? r->target : "");
	tv_add(tv, "status   %s", status_word(r->status));
	tv_add(tv, "check    %s", r->check);
	tv_add(tv, "target   %s", r->target ? r->target : "");
	tv_blank(tv);
	tv_add(tv, "%s", r->summary ? r->summary : "");
	if (r->hint) {
		tv_blank(tv);
		tv_add(tv, "What to do:");
		tv_add(tv, "  %s", r->hint);
	}
	if (strcmp(r->check, "queue.deferred") == 0) {
		tv_blank(tv);
		tv_add(tv, "The queue pane (7) lists each message with its deferral reason: "
			   "x flushes, H holds, D deletes.");
	}
}

static void checks_done(struct pane *p)
{
	struct checks *cp = p->priv;
	free(cp->order);
}

static const struct pane_column checks_columns[] = {
	{"STATUS", 6, 0}, {"CHECK", 19, COL_FIT}, {"TARGET", 23, COL_FIT}, {"SUMMARY", 29, COL_REST},
};

const struct pane_ops checks_ops = {
	.name = "checks",
	.title = "Checks",
	.key = '5',
	.help = "checks: every non-OK result first",
	.sources = SRC_SNAPSHOT,
	.columns = checks_columns,
	.n_columns = ARRAY_SIZE(checks_columns),
	.private_size = sizeof(struct checks),
	.empty = "(no results yet: waiting for the first refresh)",
	.ingest = checks_ingest,
	.draw_row = checks_draw_row,
	.footer = checks_footer,
	.details = checks_details,
	.done = checks_done,
};
