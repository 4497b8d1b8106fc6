/* pane: the list engine shared by every pane. */
#include "tui/pane.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/sanitize.h"

const struct pane_ops *const pane_registry[PANE__COUNT] = {
#define PANE_PTR(id, name) [PANE_##id] = &name##_ops,
	PANE_INFO(PANE_PTR)
#undef PANE_PTR
};

int pane_for_key(int key)
{
	for (int i = 0; i < PANE__COUNT; i++)
		if (pane_registry[i]->key == key)
			return i;
	return -1;
}

int pane_for_action(enum action a)
{
	for (int i = 0; i < PANE__COUNT; i++)
		for (const enum action *x = pane_registry[i]->actions; x && *x != ACT_NONE; x++)
			if (*x == a)
				return i;
	return -1;
}

void pane_row_add(struct pane *p, const char *key, const char *text)
{
	strv_push(&p->row_key, key ? key : "");
	strv_push(&p->row_text, text ? text : "");
}

const char *pane_row_key(const struct pane *p, size_t row)
{
	return row < p->row_key.n ? p->row_key.v[row] : NULL;
}

static const char *row_text(const struct pane *p, size_t row)
{
	return row < p->row_text.n ? p->row_text.v[row] : "";
}

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
	strv_free(&p->row_text);
	strv_free(&p->row_key);
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
	if (pane_selected(p, &row) && pane_row_key(p, row))
		p->sel_key = xstrdup(pane_row_key(p, row));
}

static void refilter(struct pane *p)
{
	free(p->vis);
	p->vis = p->n_rows ? xmalloc(p->n_rows * sizeof(*p->vis)) : NULL;
	p->n_vis = 0;
	for (size_t r = 0; r < p->n_rows; r++) {
		if (p->filter && *p->filter) {
			bool m = matches(row_text(p, r), p->filter);
			if (m == p->invert)
				continue;
		}
		p->vis[p->n_vis++] = r;
	}
	p->sel = 0;
	if (p->sel_key) {
		for (size_t i = 0; i < p->n_vis; i++) {
			const char *k = pane_row_key(p, p->vis[i]);
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
	strv_free(&p->row_text);
	strv_free(&p->row_key);
	p->ops->ingest(p, m);
	p->n_rows = p->row_key.n;
	p->measured = false;
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

/* The width of each column for a line of width columns (see struct pane_column). */
static void layout(const struct pane *p, int width, int *w)
{
	const struct pane_column *cols = p->ops->columns;
	size_t n = p->ops->n_columns;
	int used = 0, reserve = 0, fill = -1;
	for (size_t i = 0; i < n; i++) {
		w[i] = cols[i].width;
		if (cols[i].flags & COL_REST) {
			reserve += cols[i].width;
			continue;
		}
		if (cols[i].flags & COL_FILL) {
			fill = (int)i;
			reserve += cols[i].width;
			used += 1;
			continue;
		}
		if ((cols[i].flags & COL_FIT) && p->measured && p->fit[i] > w[i])
			w[i] = p->fit[i];
		used += w[i] + 1;
	}
	/* a narrow terminal: the fitted columns give back what they grew, widest first */
	int over = used + reserve - width;
	while (over > 0) {
		int best = -1;
		for (size_t i = 0; i < n; i++)
			if ((cols[i].flags & COL_FIT) && w[i] > cols[i].width && (best < 0 || w[i] - cols[i].width >
									     w[best] - cols[best].width))
				best = (int)i;
		if (best < 0)
			break;
		w[best]--;
		used--;
		over--;
	}
	if (fill >= 0) {
		int rest = reserve - cols[fill].width;
		w[fill] = width - used - rest;
		if (w[fill] < 0)
			w[fill] = 0;
	}
}

/* Measures every row's cells, once per ingest, for the COL_FIT columns (a pane without
 * one is not measured). */
static void measure(struct pane *p, const struct display *d)
{
	memset(p->fit, 0, sizeof(p->fit));
	p->measured = true;
	bool any = false;
	for (size_t i = 0; i < p->ops->n_columns; i++)
		any |= (p->ops->columns[i].flags & COL_FIT) != 0;
	if (!any)
		return;
	for (size_t i = 0; i < p->ops->n_columns; i++)
		if (p->ops->columns[i].head)
			p->fit[i] = (int)strlen(p->ops->columns[i].head);
	struct drawctx dc = {.d = d, .p = p, .measure = true, .width = 1 << 20};
	for (size_t r = 0; r < p->n_rows; r++) {
		dc.x = dc.col = 0;
		p->ops->draw_row(p, &dc, r);
	}
}

/* The cell of the current column: its width, or the rest of the line for the last. */
static int cell_width(struct drawctx *dc)
{
	const struct pane *p = dc->p;
	size_t i = (size_t)dc->col;
	if (i >= p->ops->n_columns || (p->ops->columns[i].flags & COL_REST))
		return dc->width - dc->x;
	return dc->colw[i];
}

static void cell_gap(struct drawctx *dc)
{
	if (dc->x < dc->width) {
		disp_put(dc->d, dc->w, dc->y, dc->x, 1, " ", dc->selected ? ST_SEL : ST_NORMAL);
		dc->x += 1;
	}
	dc->col++;
}

static bool cell_measured(struct drawctx *dc, const char *text)
{
	if (!dc->measure)
		return false;
	if ((size_t)dc->col < PANE_MAX_COLUMNS) {
		char *clean = sanitize_str(text ? text : "", (size_t)-1, dc->d->ascii ? SAN_ASCII : 0);
		int tw = sanitize_width(clean);
		free(clean);
		if (tw > dc->p->fit[dc->col])
			dc->p->fit[dc->col] = tw;
	}
	dc->col++;
	return true;
}

void dc_text(struct drawctx *dc, const char *text, enum disp_style st)
{
	if (cell_measured(dc, text))
		return;
	if (dc->x >= dc->width) {
		dc->col++;
		return;
	}
	int width = cell_width(dc);
	if (dc->x + width > dc->width)
		width = dc->width - dc->x;
	attr_t a = disp_attr(dc->d, dc->selected ? ST_SEL : st);
	if (dc->selected && st != ST_NORMAL && st != ST_SEL)
		a = disp_attr(dc->d, st) | A_REVERSE;
	disp_put_attr(dc->d, dc->w, dc->y, dc->x, width, text, a);
	dc->x += width;
	cell_gap(dc);
}

void dc_status(struct drawctx *dc, enum status s)
{
	if (cell_measured(dc, "? UNKN"))
		return;
	if (dc->x >= dc->width) {
		dc->col++;
		return;
	}
	int width = cell_width(dc);
	disp_status_cell(dc->d, dc->w, dc->y, dc->x, width, s, dc->selected);
	dc->x += width;
	cell_gap(dc);
}

void dc_rest(struct drawctx *dc, const char *text, enum disp_style st)
{
	if (dc->measure) {
		dc->col = (int)dc->p->ops->n_columns;
		return;
	}
	if (dc->x >= dc->width)
		return;
	dc->col = (int)dc->p->ops->n_columns - 1;
	dc_text(dc, text, st);
}

static void draw_head(struct pane *p, struct drawctx *dc)
{
	for (size_t i = 0; i < p->ops->n_columns; i++) {
		const char *h = p->ops->columns[i].head;
		if (!h && p->ops->column_head)
			h = p->ops->column_head(i);
		dc_text(dc, h ? h : "", ST_HEAD);
	}
}

void pane_draw(struct pane *p, const struct display *d, WINDOW *w, int y0, int h)
{
	int width = getmaxx(w);
	bool has_footer = p->ops->footer != NULL;
	int list_h = h - 1 - (has_footer ? 2 : 0); /* column headers, footer rule + line */
	if (!p->measured)
		measure(p, d);
	struct drawctx dc = {.d = d, .w = w, .y = y0, .width = width, .p = p};
	layout(p, width, dc.colw);
	wmove(w, y0, 0);
	draw_head(p, &dc);
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
		dc.x = dc.col = 0;
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

bool action_pane_at(size_t i, int *key, const char **help)
{
	if (i >= PANE__COUNT)
		return false;
	*key = pane_registry[i]->key;
	*help = pane_registry[i]->help;
	return true;
}
