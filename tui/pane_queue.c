/* pane_queue: the mail queue as MailCow's get/mailq/all gave it at the last refresh: each
 * message with its queue, id, age, size, sender and recipients with the deferral reason.
 * x flushes the queue; m marks messages, H holds them (or releases held ones) and D
 * deletes them (the cursor's message when none is marked), each y/N through writes.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "tui/console.h"
#include "tui/writes.h"

struct queue {
	struct strv marked;     /* queue ids, kept across refreshes while the message stays */
};

static const struct mc_qitem *item(const struct pane *p, size_t row)
{
	return &p->model->snap->mailcow.queue[row];
}

static void queue_ingest(struct pane *p, const struct tui_model *m)
{
	struct queue *q = p->priv;
	if (!m->snap)
		return;
	const struct mailcow_state *mc = &m->snap->mailcow;
	struct strv still = {0};
	for (size_t i = 0; i < mc->n_queue; i++) {
		const struct mc_qitem *it = &mc->queue[i];
		if (strv_contains(&q->marked, it->id))
			strv_push(&still, it->id);
		struct buf b = {0};
		buf_printf(&b, "%s %s %s", it->queue, it->id, it->sender);
		for (size_t k = 0; k < it->recipients.n; k++)
			buf_printf(&b, " %s", it->recipients.v[k]);
		pane_row_add(p, it->id, buf_cstr(&b));
		buf_free(&b);
	}
	strv_free(&q->marked);
	q->marked = still;
}

static const char *queue_error(const struct tui_model *m)
{
	if (!m->snap)
		return NULL;
	const struct part_error *e = &m->snap->mailcow.queue_err;
	return e->failed ? e->why : NULL;
}

static void size_text(long n, char out[32])
{
	if (n >= 1048576)
		snprintf(out, 32, "%.1fM", (double)n / 1048576.0);
	else if (n >= 1024)
		snprintf(out, 32, "%ldK", n / 1024);
	else
		snprintf(out, 32, "%ldB", n);
}

static void queue_draw_row(struct pane *p, struct drawctx *dc, size_t row)
{
	const struct mc_qitem *it = item(p, row);
	bool marked = strv_contains(&((struct queue *)p->priv)->marked, it->id);
	dc_text(dc, marked ? "*" : " ", ST_WARN);
	bool deferred = strcmp(it->queue, "deferred") == 0, hold = strcmp(it->queue, "hold") == 0;
	dc_text(dc, it->queue, deferred ? ST_WARN : hold ? ST_DIM : ST_NORMAL);
	dc_text(dc, it->id, ST_NORMAL);
	char age[32] = "-", size[32];
	if (it->arrival > 0) {
		long secs = (long)(mcon_now() - it->arrival);
		duration_format(secs < 0 ? 0 : secs, age);
	}
	dc_text(dc, age, ST_NORMAL);
	size_text(it->size, size);
	dc_text(dc, size, ST_NORMAL);
	dc_text(dc, *it->sender ? it->sender : "<>", ST_NORMAL);
	struct buf b = {0};
	for (size_t k = 0; k < it->recipients.n; k++)
		buf_printf(&b, "%s%s", k ? ", " : "", it->recipients.v[k]);
	dc_rest(dc, buf_cstr(&b), ST_NORMAL);
	buf_free(&b);
}

/* The selected message's first recipient with the reason in full (the list cuts it), and
 * how many are marked. */
static void queue_footer(struct pane *p, size_t row, struct buf *out)
{
	const struct mc_qitem *it = item(p, row);
	size_t n = ((struct queue *)p->priv)->marked.n;
	if (n)
		buf_printf(out, " %zu marked;", n);
	buf_printf(out, " %s", it->recipients.n ? it->recipients.v[0] : "(no recipient)");
	if (it->recipients.n > 1)
		buf_printf(out, " and %zu more", it->recipients.n - 1);
}

static void queue_details(struct pane *p, size_t row, struct textview *tv, struct console *c)
{
	(void)c;
	const struct mc_qitem *it = item(p, row);
	char at[32] = "-", size[32];
	if (it->arrival > 0)
		time_rfc3339(it->arrival, at);
	size_text(it->size, size);
	free(tv->title);
	tv->title = xasprintf("Queued message %s", it->id);
	tv_add(tv, "queue id  %s", it->id);
	tv_add(tv, "queue     %s", it->queue);
	tv_add(tv, "arrived   %s", at);
	tv_add(tv, "size      %s (%ld bytes)", size, it->size);
	tv_add(tv, "sender    %s", *it->sender ? it->sender : "<> (a bounce)");
	tv_add(tv, "recipients (with the reason of the last deferral):");
	for (size_t k = 0; k < it->recipients.n; k++)
		tv_add(tv, "  %s", it->recipients.v[k]);
	tv_blank(tv);
	tv_add(tv, "Esc back to the list: m marks, H holds or releases, D deletes, x flushes the queue.");
}

/* The marked ids, or the cursor's; hold releases when every one of them is held. */
static void targets(struct pane *p, size_t row, bool has_row, struct strv *ids, bool *all_held)
{
	struct queue *q = p->priv;
	const struct mailcow_state *mc = &p->model->snap->mailcow;
	*all_held = true;
	for (size_t i = 0; i < mc->n_queue; i++) {
		const struct mc_qitem *it = &mc->queue[i];
		bool take = q->marked.n ? strv_contains(&q->marked, it->id) : has_row && i == row;
		if (!take)
			continue;
		strv_push(ids, it->id);
		if (strcmp(it->queue, "hold") != 0)
			*all_held = false;
	}
}

static bool queue_action(struct pane *p, struct console *c, enum action a, size_t row, bool has_row)
{
	struct queue *q = p->priv;
	if (a == ACT_QMARK) {
		if (!has_row)
			return true;
		const char *id = item(p, row)->id;
		bool found = false;
		for (size_t i = 0; i < q->marked.n && !found; i++)
			if (strcmp(q->marked.v[i], id) == 0) {
				found = true;
				free(q->marked.v[i]);
				q->marked.v[i] = q->marked.v[--q->marked.n];
			}
		if (!found)
			strv_push(&q->marked, id);
		pane_move(p, 1);
		c->dirty_status = true;
		return true;
	}
	if (a == ACT_QFLUSH) {
		struct strv none = {0};
		writes_queue(c, "flush", &none, "Flush the mail queue (deliver every message now)?");
		return true;
	}
	if (a != ACT_QHOLD && a != ACT_QDELETE)
		return false;
	struct strv ids = {0};
	bool held = false;
	if (p->model->snap)
		targets(p, row, has_row, &ids, &held);
	if (!ids.n) {
		console_message(c, STATUS_NONE, "no message selected");
		strv_free(&ids);
		return true;
	}
	const char *action = a == ACT_QDELETE ? "delete" : held ? "unhold" : "hold";
	char *question = ids.n == 1
		? xasprintf("%s message %s?", a == ACT_QDELETE ? "Delete" : held ? "Release" : "Hold", ids.v[0])
		: xasprintf("%s %zu messages?", a == ACT_QDELETE ? "Delete" : held ? "Release" : "Hold", ids.n);
	writes_queue(c, action, &ids, question);
	free(question);
	return true;
}

static void queue_done(struct pane *p)
{
	strv_free(&((struct queue *)p->priv)->marked);
}

static const enum action queue_actions[] = {ACT_QFLUSH, ACT_QMARK, ACT_QHOLD, ACT_QDELETE, ACT_NONE};

static const struct pane_column queue_columns[] = {
	{"", 1, 0}, {"QUEUE", 8, COL_FIT}, {"ID", 15, COL_FIT}, {"AGE", 6, COL_FIT}, {"SIZE", 6, COL_FIT},
	{"FROM", 16, COL_FIT}, {"TO (REASON)", 20, COL_REST},
};

const struct pane_ops queue_ops = {
	.name = "queue",
	.title = "Queue",
	.key = '7',
	.help = "queue: the mail queue; flush, hold, release, delete",
	.actions = queue_actions,
	.sources = SRC_SNAPSHOT,
	.private_size = sizeof(struct queue),
	.empty = "(the mail queue is empty, or MailCow has not answered yet)",
	.columns = queue_columns,
	.n_columns = ARRAY_SIZE(queue_columns),
	.error = queue_error,
	.ingest = queue_ingest,
	.draw_row = queue_draw_row,
	.footer = queue_footer,
	.details = queue_details,
	.on_action = queue_action,
	.done = queue_done,
};
