/* pane: the list engine every pane shares (rows, filter, selection that survives a
 * refresh, scrolling) and the small table of operations one pane file provides. The
 * registry PANE_INFO lists the panes once; it makes the PANE_* enum and the pane array. */
#ifndef MCON_TUI_PANE_H
#define MCON_TUI_PANE_H

#include <stdbool.h>
#include <stddef.h>
#include "tui/action.h"
#include "tui/display.h"
#include "tui/model.h"

struct console;
struct pane;
struct textview;

/* Where a row is drawn. */
struct drawctx {
	const struct display *d;
	WINDOW *w;
	int y, width;
	bool selected;
};

struct pane_ops {
	const char *name;       /* "domains": the help and the golden files use it */
	const char *title;      /* "Domains": the tab */
	size_t private_size;    /* allocated (zeroed) by the engine as pane->priv */
	const char *empty;      /* shown when there are no rows */
	/* Rebuilds the rows from the model; returns the row count. */
	size_t (*ingest)(struct pane *p, const struct tui_model *m);
	/* Column headers, then one row. */
	void (*draw_head)(struct pane *p, struct drawctx *dc);
	void (*draw_row)(struct pane *p, struct drawctx *dc, size_t row);
	/* The row's text for the filter, and a stable key that keeps the selection on the
	 * same item across refreshes (borrowed). */
	const char *(*row_text)(struct pane *p, size_t row);
	const char *(*row_key)(struct pane *p, size_t row);
	/* Optional: the line under the list for the selected row (a hint, a summary). */
	void (*footer)(struct pane *p, size_t row, struct buf *out);
	/* Optional: Enter. Fills the details view. */
	void (*details)(struct pane *p, size_t row, struct textview *tv, struct console *c);
	/* Optional: pane-specific actions; returns true when handled. */
	bool (*on_action)(struct pane *p, struct console *c, enum action a, size_t row, bool has_row);
	void (*done)(struct pane *p);
};

struct pane {
	const struct pane_ops *ops;
	void *priv;
	const struct tui_model *model;
	size_t n_rows;
	size_t *vis;            /* rows passing the filter, in order */
	size_t n_vis;
	size_t sel;             /* index into vis */
	size_t top;             /* first visible index into vis */
	char *filter;           /* NULL = none */
	bool invert;            /* filter began with '!' */
	char *sel_key;          /* key of the selected row, to keep it after a refresh */
};

#define PANE_INFO(_) \
	_(DOMAINS, domains) \
	_(CONTAINERS, containers) \
	_(DKIM, dkim) \
	_(PENDING, pending) \
	_(CHECKS, checks) \
	_(HISTORY, history)

enum pane_id {
#define PANE_ENUM(id, name) PANE_##id,
	PANE_INFO(PANE_ENUM)
#undef PANE_ENUM
	PANE__COUNT
};

#define PANE_EXTERN(id, name) extern const struct pane_ops name##_ops;
PANE_INFO(PANE_EXTERN)
#undef PANE_EXTERN

extern const struct pane_ops *const pane_registry[PANE__COUNT];

void pane_init(struct pane *p, const struct pane_ops *ops);
void pane_free(struct pane *p);
/* Re-ingests the model, re-applies the filter, keeps the selection on the same key. */
void pane_update(struct pane *p, const struct tui_model *m);
void pane_set_filter(struct pane *p, const char *filter);
/* The selected row, or false when the pane is empty. */
bool pane_selected(const struct pane *p, size_t *row);
/* Moves the selection by delta (clamped); page = rows on screen. */
void pane_move(struct pane *p, long delta);
void pane_move_to(struct pane *p, size_t idx);
/* Draws the pane into rows [y0, y0+h) of w. */
void pane_draw(struct pane *p, const struct display *d, WINDOW *w, int y0, int h);

/* Column helpers for draw_head/draw_row: writes a cell and a one-column gap. */
void dc_text(struct drawctx *dc, int *x, int width, const char *text, enum disp_style st);
void dc_status(struct drawctx *dc, int *x, int width, enum status s);
/* The rest of the line. */
void dc_rest(struct drawctx *dc, int *x, const char *text, enum disp_style st);

#endif
