/* pane: the list engine every pane shares (rows, filter, selection that survives a
 * refresh, scrolling, column layout) and the table of operations one pane file provides:
 * its title, key, help line, own actions, columns and callbacks. The registry PANE_INFO
 * lists the panes once; it makes the PANE_* enum and the pane array. A new pane is its file
 * and one PANE_INFO line; the engine (console.c, draw.c, jobs.c) names no pane:
 *   tui/pane_queue.c: ingest() adds each row with pane_row_add(p, key, filter text);
 *     draw_row() writes one dc_text/dc_status cell per column; and
 *     const struct pane_ops queue_ops = {.name = "queue", .title = "Queue", .key = '7',
 *         .help = "queue: ...", .sources = SRC_SNAPSHOT, .columns = ..., .n_columns = ...,
 *         .ingest = ..., .draw_row = ...};
 *   tui/pane.h: _(QUEUE, queue) in PANE_INFO. */
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

/* A column of a pane's list. The engine draws the headers and lays the columns out: a
 * fixed column is width wide; a COL_FIT column grows to its widest cell (measured over every
 * row) while the line has room, and gives the room back, down to width, when the terminal is
 * narrow; COL_FILL takes what the others leave, at least width; the last column, COL_REST,
 * runs to the end of the line and keeps at least width (the fitted columns grow into the
 * rest only beyond that). */
enum { COL_FIT = 1, COL_FILL = 2, COL_REST = 4 };

#define PANE_MAX_COLUMNS 12

struct pane_column {
	const char *head;       /* "SERVICE"; NULL: the pane's column_head names it */
	int width;
	unsigned flags;
};

/* Where a row is drawn: draw_row writes its cells in column order with dc_text/dc_status. */
struct drawctx {
	const struct display *d;
	WINDOW *w;
	int y, width;
	bool selected;
	struct pane *p;
	int x, col;             /* the next cell */
	int colw[PANE_MAX_COLUMNS];     /* the layout's column widths */
	bool measure;           /* only record each cell's width (the layout pass) */
};

/* What a pane shows: when one of these parts of the model changes, the engine re-ingests the
 * panes that show it. */
enum pane_source {
	SRC_SNAPSHOT = 1,       /* a refresh's snapshot and results */
	SRC_EVENTS = 2,         /* Docker events between refreshes */
	SRC_TASKS = 4,          /* the shared checklist */
	SRC_HISTORY = 8,        /* the history store */
};

struct pane_ops {
	const char *name;       /* "domains": the help and the golden files use it */
	const char *title;      /* "Domains": the tab */
	int key;                /* '1': the key that opens it */
	const char *help;       /* its line in the `?` help, under the action table's PANE row */
	/* Its own actions (ACT_NONE ends the list): the status line hints them, and the engine
	 * names this pane when one is pressed elsewhere. */
	const enum action *actions;
	unsigned sources;       /* enum pane_source bits */
	size_t private_size;    /* allocated (zeroed) by the engine as pane->priv */
	const char *empty;      /* shown when there are no rows */
	const struct pane_column *columns;      /* COL_REST last */
	size_t n_columns;
	/* Optional: the header of column i when its head is NULL. */
	const char *(*column_head)(size_t i);
	/* Optional: an error reading what the pane shows, drawn above the list. */
	const char *(*error)(const struct tui_model *m);
	/* Rebuilds the rows from the model, adding each with pane_row_add(). */
	void (*ingest)(struct pane *p, const struct tui_model *m);
	/* One row, a cell per column. */
	void (*draw_row)(struct pane *p, struct drawctx *dc, size_t row);
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
	struct strv row_text;   /* per row: what the filter searches */
	struct strv row_key;    /* per row: keeps the selection on the same item across refreshes */
	int fit[PANE_MAX_COLUMNS];      /* the widest cell per column, once measured */
	bool measured;
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
	_(HISTORY, history) \
	_(QUEUE, queue)

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

/* ingest: adds a row with its stable key and the text the filter searches (both copied). */
void pane_row_add(struct pane *p, const char *key, const char *text);
const char *pane_row_key(const struct pane *p, size_t row);
/* The pane whose key is key, or -1. */
int pane_for_key(int key);
/* The pane that owns an action (lists it in its actions), or -1. */
int pane_for_action(enum action a);

/* draw_row: writes the next column's cell and its one-column gap. */
void dc_text(struct drawctx *dc, const char *text, enum disp_style st);
void dc_status(struct drawctx *dc, enum status s);
/* The rest of the line from here, over the columns left. */
void dc_rest(struct drawctx *dc, const char *text, enum disp_style st);

#endif
