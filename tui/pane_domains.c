/* pane_domains: one row per watched domain with a status cell per check family; Enter
 * shows every record expected versus found and the exact lines to paste into the zone. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "tui/console.h"
#include "tui/records.h"

#define CELL_W 6

struct domains {
	struct strv text;       /* per row: for the filter */
};

static size_t domains_ingest(struct pane *p, const struct tui_model *m)
{
	struct domains *dp = p->priv;
	strv_free(&dp->text);
	if (!m->snap)
		return 0;
	for (size_t i = 0; i < m->snap->n_domains; i++) {
		const struct snap_domain *d = &m->snap->domains[i];
		struct buf b = {0};
		buf_printf(&b, "%s %s", d->name, d->mc && d->mc->description ? d->mc->description : "");
		for (int f = 0; f < FAM__COUNT; f++)
			buf_printf(&b, " %s", status_word(model_domain_status(m, d->name, f)));
		strv_push_owned(&dp->text, buf_steal(&b));
	}
	return m->snap->n_domains;
}

static const char *domains_row_text(struct pane *p, size_t row)
{
	return ((struct domains *)p->priv)->text.v[row];
}

static const char *domains_row_key(struct pane *p, size_t row)
{
	return p->model->snap->domains[row].name;
}

static int name_width(int width)
{
	return width - FAM__COUNT * (CELL_W + 1) - 1;
}

static void domains_draw_head(struct pane *p, struct drawctx *dc)
{
	(void)p;
	int x = 0;
	dc_text(dc, &x, name_width(dc->width), "DOMAIN", ST_HEAD);
	for (int f = 0; f < FAM__COUNT; f++)
		dc_text(dc, &x, CELL_W, family_title(f), ST_HEAD);
	dc_rest(dc, &x, "", ST_HEAD);
}

static void domains_draw_row(struct pane *p, struct drawctx *dc, size_t row)
{
	const struct snap_domain *d = &p->model->snap->domains[row];
	int x = 0;
	char *name = d->mc && d->mc->description && *d->mc->description
			     ? xasprintf("%s (%s)", d->name, d->mc->description)
			     : xstrdup(d->name);
	dc_text(dc, &x, name_width(dc->width), name, ST_NORMAL);
	free(name);
	for (int f = 0; f < FAM__COUNT; f++)
		dc_status(dc, &x, CELL_W, model_domain_status(p->model, d->name, f));
	dc_rest(dc, &x, "", ST_NORMAL);
}

/* The worst result of the domain, for the footer. */
static const struct check_result *worst_result(const struct tui_model *m, const char *domain)
{
	const struct check_result *w = NULL;
	size_t n = strlen(domain);
	for (size_t i = 0; i < m->n_results; i++) {
		const struct check_result *r = &m->results[i];
		if (!r->target || strncmp(r->target, domain, n) != 0 || (r->target[n] && r->target[n] != '/'))
			continue;
		if (family_of_check(r->check) < 0)
			continue;
		if (!w || status_rank(r->status) > status_rank(w->status))
			w = r;
	}
	return w;
}

static void domains_footer(struct pane *p, size_t row, struct buf *out)
{
	const struct snap_domain *d = &p->model->snap->domains[row];
	const struct check_result *r = worst_result(p->model, d->name);
	if (!r)
		buf_printf(out, " %s: no results yet", d->name);
	else if (r->status == STATUS_OK)
		buf_printf(out, " %s: every check OK (Enter: records and zone lines)", d->name);
	else
		buf_printf(out, " %s %s %s: %s", status_word(r->status), r->check, r->target,
			   r->summary ? r->summary : "");
}

static void domains_details(struct pane *p, size_t row, struct textview *tv, struct console *c)
{
	(void)c;
	records_domain_details(p->model, &p->model->snap->domains[row], tv);
}

static void domains_done(struct pane *p)
{
	strv_free(&((struct domains *)p->priv)->text);
}

const struct pane_ops domains_ops = {
	.name = "domains",
	.title = "Domains",
	.private_size = sizeof(struct domains),
	.empty = "(no domains yet: waiting for the first refresh, or MailCow lists none; see the header)",
	.ingest = domains_ingest,
	.draw_head = domains_draw_head,
	.draw_row = domains_draw_row,
	.row_text = domains_row_text,
	.row_key = domains_row_key,
	.footer = domains_footer,
	.details = domains_details,
	.done = domains_done,
};
