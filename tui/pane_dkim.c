/* pane_dkim: one row per domain and configured selector: published in DNS, key size, and
 * for MailCow's selector whether DNS carries the key MailCow signs with. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "tui/console.h"
#include "tui/records.h"

struct drow {
	size_t domain, sel;
	bool published;
	int bits;
	int match;      /* 1 yes, 0 no, -1 not applicable, -2 MailCow holds no key */
	enum status status;
	char *key;              /* "domain/selector" */
};

struct dkim {
	struct drow *rows;
	size_t n;
};

static void rows_free(struct dkim *dp)
{
	for (size_t i = 0; i < dp->n; i++) {
		free(dp->rows[i].key);
	}
	free(dp->rows);
	dp->rows = NULL;
	dp->n = 0;
}

static const char *dkim_record(const struct dns_answer *a)
{
	if (!a || a->status != DNS_OK)
		return NULL;
	for (size_t i = 0; i < a->n; i++)
		if (a->rrs[i].value && strstr(a->rrs[i].value, "p="))
			return a->rrs[i].value;
	return NULL;
}

static void dkim_ingest(struct pane *p, const struct tui_model *m)
{
	struct dkim *dp = p->priv;
	rows_free(dp);
	if (!m->snap)
		return;
	const struct config *cfg = m->cfg;
	size_t cap = m->snap->n_domains * cfg->dkim_selectors.n;
	dp->rows = cap ? xcalloc(cap, sizeof(*dp->rows)) : NULL;
	for (size_t i = 0; i < m->snap->n_domains; i++) {
		const struct snap_domain *d = &m->snap->domains[i];
		for (size_t s = 0; s < cfg->dkim_selectors.n; s++) {
			const char *sel = cfg->dkim_selectors.v[s];
			struct drow *r = &dp->rows[dp->n++];
			r->domain = i;
			r->sel = s;
			const char *rec = dkim_record(records_dkim_answer(m, d, s));
			char *pkey = records_tag(rec, "p");
			r->published = pkey && *pkey;
			r->bits = r->published ? records_key_bits(pkey) : 0;
			bool mc = cfg->dkim_mailcow_selector && strcmp(sel, cfg->dkim_mailcow_selector) == 0;
			if (!mc)
				r->match = -1;
			else if (!d->dkim.present || !d->dkim.pubkey)
				r->match = -2;
			else {
				struct buf b = {0};
				for (const char *q = d->dkim.pubkey; *q; q++)
					if (*q != ' ' && *q != '\n' && *q != '\t' && *q != '\r')
						buf_putc(&b, *q);
				r->match = pkey && strcmp(pkey, buf_cstr(&b)) == 0;
				buf_free(&b);
			}
			free(pkey);
			r->key = xasprintf("%s/%s", d->name, sel);
			r->status = model_check_status(m, "dkim.selector", r->key);
			if (mc)
				r->status = status_worse(r->status, model_check_status(m, "dkim.mailcow", d->name));
			char *text = xasprintf("%s %s %s %s", r->key, r->published ? "published" : "missing",
					       status_word(r->status), r->match == 0 ? "mismatch" : "");
			pane_row_add(p, r->key, text);
			free(text);
		}
	}
}

static void dkim_draw_row(struct pane *p, struct drawctx *dc, size_t row)
{
	const struct drow *r = &((struct dkim *)p->priv)->rows[row];
	const struct snap_domain *d = &p->model->snap->domains[r->domain];
	dc_status(dc, r->status);
	dc_text(dc, d->name, ST_NORMAL);
	dc_text(dc, p->model->cfg->dkim_selectors.v[r->sel], ST_NORMAL);
	dc_text(dc, r->published ? "yes" : "NO", r->published ? ST_NORMAL : ST_CRIT);
	char bits[16] = "-";
	if (r->bits)
		snprintf(bits, sizeof(bits), "%d", r->bits);
	dc_text(dc, bits, r->bits && r->bits < p->model->cfg->dkim_min_bits ? ST_WARN : ST_NORMAL);
	const char *mt = r->match == 1 ? "yes" : r->match == 0 ? "NO: DNS differs"
		       : r->match == -2 ? "NO KEY in MailCow" : "n/a (DNS only)";
	dc_text(dc, mt, r->match == 0 || r->match == -2 ? ST_CRIT : ST_NORMAL);
}

static void dkim_footer(struct pane *p, size_t row, struct buf *out)
{
	const struct drow *r = &((struct dkim *)p->priv)->rows[row];
	const struct tui_model *m = p->model;
	for (size_t i = 0; i < m->n_results; i++) {
		const struct check_result *res = &m->results[i];
		if (strcmp(res->check, "dkim.selector") == 0 && res->target && strcmp(res->target, r->key) == 0) {
			buf_printf(out, " %s %s: %s", status_word(res->status), res->target,
				   res->status != STATUS_OK && res->hint ? res->hint : res->summary);
			return;
		}
	}
	buf_printf(out, " %s: Enter shows the TXT record to publish", r->key);
}

static void dkim_details(struct pane *p, size_t row, struct textview *tv, struct console *c)
{
	(void)c;
	const struct drow *r = &((struct dkim *)p->priv)->rows[row];
	records_dkim_details(p->model, &p->model->snap->domains[r->domain], r->sel, tv);
}

static void dkim_done(struct pane *p)
{
	rows_free(p->priv);
}

static const struct pane_column dkim_columns[] = {
	{"STATUS", 6, 0}, {"DOMAIN", 20, COL_FILL}, {"SELECTOR", 10, COL_FIT}, {"DNS", 4, 0}, {"BITS", 5, 0},
	{"SAME AS MAILCOW", 16, COL_REST},
};

const struct pane_ops dkim_ops = {
	.name = "dkim",
	.title = "DKIM",
	.key = '3',
	.help = "DKIM: every domain and selector",
	.sources = SRC_SNAPSHOT,
	.columns = dkim_columns,
	.n_columns = ARRAY_SIZE(dkim_columns),
	.private_size = sizeof(struct dkim),
	.empty = "(no DKIM rows yet: waiting for the first refresh)",
	.ingest = dkim_ingest,
	.draw_row = dkim_draw_row,
	.footer = dkim_footer,
	.details = dkim_details,
	.done = dkim_done,
};
