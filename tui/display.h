/* display: the terminal. Curses setup and teardown, the windows of the layout (header,
 * body, status line), colours (none under NO_COLOR), glyphs (ASCII outside UTF-8 locales)
 * and the one way text reaches a window: disp_put(), which sanitizes and fits it. */
#ifndef MCON_TUI_DISPLAY_H
#define MCON_TUI_DISPLAY_H

#include <curses.h>
#include <stdbool.h>
#include "tui/backend.h"

#define DISP_MIN_COLS 80
#define DISP_MIN_LINES 24

enum disp_style {
	ST_NORMAL,
	ST_TITLE,       /* the title bar */
	ST_HEAD,        /* column headers */
	ST_SEL,         /* the selected row */
	ST_TAB,         /* inactive pane tab */
	ST_TAB_ON,      /* active pane tab */
	ST_DIM,
	ST_ALERT,       /* loud warnings (tls_verify=false, overlay violations) */
	ST_OK, ST_WARN, ST_CRIT, ST_UNKN,
	ST__COUNT
};

/* Glyphs other than a status's symbol (core/checks.h STATUS_INFO): a backend up or down,
 * arrows, separators, checklist boxes. */
enum glyph { G_OK, G_CRIT, G_ARROW, G_DOT, G_TICKED, G_OPEN, G__COUNT };

struct display {
	bool ascii;         /* not a UTF-8 locale: ASCII glyphs and '?' for other characters */
	bool color;         /* colours in use (not under NO_COLOR, and the terminal has them) */
	bool mouse;
	bool too_small;
	int cols, lines;
	int head_lines;     /* title, backends, tabs, and the TLS warning when it shows */
	WINDOW *head, *body, *status, *input;
	SCREEN *screen;
};

int disp_init(struct display *d, bool mouse, bool tls_warning);
void disp_end(struct display *d);
/* Around every use of curses on the UI thread: die() on another thread waits for the draw
 * in progress, then ends curses for good. */
void disp_lock(void);
void disp_unlock(void);
/* Recreates the windows for the current terminal size (after KEY_RESIZE). */
void disp_layout(struct display *d, bool tls_warning);

attr_t disp_attr(const struct display *d, enum disp_style st);
enum disp_style disp_status_style(enum status s);
const char *disp_glyph(const struct display *d, enum glyph g);
/* The status's symbol in this display's character set ("\xe2\x9c\x93" or "+", ...). */
const char *disp_status_symbol(const struct display *d, enum status s);

/* Writes text at (y, x) fitted to exactly width columns (padded), sanitized first, in a
 * style. Returns the column after it. */
int disp_put(const struct display *d, WINDOW *w, int y, int x, int width, const char *text,
	     enum disp_style st);
/* Like disp_put with an extra attribute (A_BOLD, A_REVERSE) over the style. */
int disp_put_attr(const struct display *d, WINDOW *w, int y, int x, int width, const char *text,
		  attr_t attr);
/* A status cell "✓ OK", "! WARN", "✗ CRIT", "? UNKN" or "  -", coloured when colour is on;
 * the word always carries the meaning. */
int disp_status_cell(const struct display *d, WINDOW *w, int y, int x, int width,
		     enum status s, bool selected);

#endif
