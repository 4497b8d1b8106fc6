/* pane: the list engine shared by every pane. */
#include "tui/pane.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const struct pane_ops *const pane_registry[PANE__COUNT] = {
#define PANE_PTR(id, name) [PANE_##id] = &name##_ops,
	PANE_INFO(PANE_PTR)
#undef PANE_PTR
};

void pane_init(struct pane *p, const struct pane_ops *ops)
{
	memset(p, 0, sizeof(*p));
	p->ops = ops;
	p->priv = ops->private_size ? xcalloc(1, ops->private_size) : NULL;
}

void pane_free(struct pane *p)
{
	if (p->ops && p->ops->done)
		p->ops->done(p);
	free(p->priv);
	free(p->vis);
	free(p->filter);
	free(p->sel_key);
	memset(p, 0, sizeof(*p));
}

static bool matches(const char *text, const char *needle)
{
	return strcasestr(text ? text : "", needle) != NULL;
}

/* Keeps the selected row's key current after every change of selection, so that a
 * refresh (which frees the rows the key was read from) can find the row again. */
static void remember_selection(struct pane *p)
{
	size_t row;
	free(p->sel_key);
	p->sel_key = NULL;
	if (pane_selected(p, &row) && p->ops->row_key)
		p->sel_key = xstrdup(p->ops->row_key(p, row));
}

static void refilter(struct pane *p)
{
	free(p->vis);
	p->vis = p->n_rows ? xmalloc(p->n_rows * sizeof(*p->vis)) : NULL;
	p->n_vis = 0;
	for (size_t r = 0; r < p->n_rows; r++) {
		if (p->filter && *p->filter) {
			bool m = matches(p->ops->row_text(p, r), p->filter);
			if (m == p->invert)
				continue;
		}
		p->vis[p->n_vis++] = r;
	}
	p->sel = 0;
	if (p->sel_key && p->ops->row_key) {
		for (size_t i = 0; i < p->n_vis; i++) {
			const char *k = p->ops->row_key(p, p->vis[i]);
			if (k && strcmp(k, p->sel_key) == 0) {
				p->sel = i;
				break;
			}
		}
	}
	if (p->top > p->sel)
		p->top = p->sel;
	remember_selection(p);
}

void pane_update(struct pane *p, const struct tui_model *m)
{
	p->model = m;
	p->n_rows = p->ops->ingest(p, m);
	refilter(p);
}

void pane_set_filter(struct pane *p, const char *filter)
{
	free(p->filter);
	p->filter = NULL;
	p->invert = false;
	if (filter && *filter) {
		if (filter[0] == '!') {
			p->invert = true;
			filter++;
		}
		p->filter = xstrdup(filter);
	}
	refilter(p);
}

bool pane_selected(const struct pane *p, size_t *row)
{
	if (p->n_vis == 0)
		return false;
	*row = p->vis[p->sel < p->n_vis ? p->sel : p->n_vis - 1];
	return true;
}

void pane_move(struct pane *p, long delta)
{
	if (p->n_vis == 0)
		return;
	long s = (long)p->sel + delta;
	if (s < 0)
		s = 0;
	if (s >= (long)p->n_vis)
		s = (long)p->n_vis - 1;
	p->sel = (size_t)s;
	remember_selection(p);
}

void pane_move_to(struct pane *p, size_t idx)
{
	p->sel = p->n_vis == 0 ? 0 : (idx >= p->n_vis ? p->n_vis - 1 : idx);
	remember_selection(p);
}

void dc_text(struct drawctx *dc, int *x, int width, const char *text, enum disp_style st)
{
	if (*x >= dc->width)
		return;
	if (*x + width > dc->width)
		width = dc->width - *x;
	attr_t a = disp_attr(dc->d, dc->selected ? ST_SEL : st);
	if (dc->selected && st != ST_NORMAL && st != ST_SEL)
		a = disp_attr(dc->d, st) | A_REVERSE;
	disp_put_attr(dc->d, dc->w, dc->y, *x, width, text, a);
	*x += width;
	if (*x < dc->width) {
		disp_put(dc->d, dc->w, dc->y, *x, 1, " ", dc->selected ? ST_SEL : ST_NORMAL);
		*x += 1;
	}
}

void dc_status(struct drawctx *dc, int *x, int width, enum status s)
{
	if (*x >= dc->width)
		return;
	disp_status_cell(dc->d, dc->w, dc->y, *x, width, s, dc->selected);
	*x += width;
	if (*x < dc->width) {
		disp_put(dc->d, dc->w, dc->y, *x, 1, " ", dc->selected ? ST_SEL : ST_NORMAL);
		*x += 1;
	}
}

void dc_rest(struct drawctx *dc, int *x, const char *text, enum disp_style st)
{
	if (*x >= dc->width)
		return;
	int w = dc->width - *x;
	dc_text(dc, x, w, text, st);
}

void pane_draw(struct pane *p, const struct display *d, WINDOW *w, int y0, int h)
{
	int width = getmaxx(w);
	bool has_footer = p->ops->footer != NULL;
	int list_h = h - 1 - (has_footer ? 2 : 0); /* column headers, footer rule + line */
	struct drawctx dc = {.d = d, .w = w, .y = y0, .width = width};
	wmove(w, y0, 0);
	p->ops->draw_head(p, &dc);
	if (list_h < 1)
		return;
	if (p->sel < p->top)
		p->top = p->sel;
	if (p->sel >= p->top + (size_t)list_h)
		p->top = p->sel - (size_t)list_h + 1;
	for (int i = 0; i < list_h; i++) {
		size_t idx = p->top + (size_t)i;
		int y = y0 + 1 + i;
		if (idx >= p->n_vis) {
			const char *msg = "";
			if (i == 0 && p->n_vis == 0)
				msg = p->n_rows ? "(no row matches the filter; Esc clears it)" : p->ops->empty;
			disp_put(d, w, y, 0, width, msg, ST_DIM);
			continue;
		}
		dc.y = y;
		dc.selected = idx == p->sel;
		p->ops->draw_row(p, &dc, p->vis[idx]);
	}
	if (has_footer) {
		struct buf b = {0};
		size_t row;
		char pos[48];
		snprintf(pos, sizeof(pos), " %zu/%zu%s ", p->n_vis ? p->sel + 1 : 0, p->n_vis,
			 p->filter ? " filtered" : "");
		int rule_w = width - (int)strlen(pos);
		struct buf rule = {0};
		for (int i = 0; i < rule_w; i++)
			buf_puts(&rule, d->ascii ? "-" : "\xe2\x94\x80");
		int x = disp_put(d, w, y0 + 1 + list_h, 0, rule_w, buf_cstr(&rule), ST_DIM);
		disp_put(d, w, y0 + 1 + list_h, x, width - x, pos, ST_DIM);
		buf_free(&rule);
		if (pane_selected(p, &row))
			p->ops->footer(p, row, &b);
		disp_put(d, w, y0 + 2 + list_h, 0, width, buf_cstr(&b), ST_NORMAL);
		buf_free(&b);
	}
}
