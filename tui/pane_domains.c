/* pane_domains: one row per watched domain with a status cell per check family; Enter
 * shows every record expected versus found and the exact lines to paste into the zone. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "tui/console.h"
#include "tui/records.h"

static void domains_ingest(struct pane *p, const struct tui_model *m)
{
	if (!m->snap)
		return;
	for (size_t i = 0; i < m->snap->n_domains; i++) {
		const struct snap_domain *d = &m->snap->domains[i];
		struct buf b = {0};
		buf_printf(&b, "%s %s", d->name, d->mc && d->mc->description ? d->mc->description : "");
		for (int f = 0; f < FAM__COUNT; f++)
			buf_printf(&b, " %s", status_word(model_domain_status(m, d->name, f)));
		pane_row_add(p, d->name, buf_cstr(&b));
		buf_free(&b);
	}
}

static void domains_draw_row(struct pane *p, struct drawctx *dc, size_t row)
{
	const struct snap_domain *d = &p->model->snap->domains[row];
	char *name = d->mc && d->mc->description && *d->mc->description
			     ? xasprintf("%s (%s)", d->name, d->mc->description)
			     : xstrdup(d->name);
	dc_text(dc, name, ST_NORMAL);
	free(name);
	for (int f = 0; f < FAM__COUNT; f++)
		dc_status(dc, model_domain_status(p->model, d->name, f));
	dc_text(dc, "", ST_NORMAL);
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

/* The domain, a status cell per check family, and nothing after them. */
#define CELL {NULL, 6, 0}
static const struct pane_column domains_columns[] = {
	{"DOMAIN", 0, COL_FILL}, CELL, CELL, CELL, CELL, CELL, CELL, CELL, {"", 0, COL_REST},
};
#undef CELL
_Static_assert(ARRAY_SIZE(domains_columns) == FAM__COUNT + 2, "a status cell per check family");

static const char *domains_column_head(size_t i)
{
	return family_title((enum family)(i - 1));
}

const struct pane_ops domains_ops = {
	.name = "domains",
	.title = "Domains",
	.key = '1',
	.help = "domains: a status cell per check family",
	.sources = SRC_SNAPSHOT,
	.columns = domains_columns,
	.n_columns = ARRAY_SIZE(domains_columns),
	.column_head = domains_column_head,
	.empty = "(no domains yet: waiting for the first refresh, or MailCow lists none; see the header)",
	.ingest = domains_ingest,
	.draw_row = domains_draw_row,
	.footer = domains_footer,
	.details = domains_details,
};
