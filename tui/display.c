/* display: curses setup, the layout and the sanitizing writers. */
#include "tui/display.h"

#include <langinfo.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/sanitize.h"

enum { CP_OK = 1, CP_WARN, CP_CRIT, CP_UNKN, CP_TITLE, CP_ALERT, CP_TAB_ON };

static bool env_set(const char *name)
{
	const char *v = getenv(name);
	return v && *v;
}

/* Held by the UI thread while it uses curses; recursive, so that die() on the UI thread
 * itself (inside a draw) does not wait for itself. */
static pthread_mutex_t disp_mutex = PTHREAD_RECURSIVE_MUTEX_INITIALIZER_NP;

void disp_lock(void)
{
	pthread_mutex_lock(&disp_mutex);
}

void disp_unlock(void)
{
	pthread_mutex_unlock(&disp_mutex);
}

/* die() on any thread ends curses first, so the terminal is usable and the message shows.
 * The lock is kept: the UI thread draws nothing more (which would make the terminal raw
 * again) while the process ends. */
static void disp_die_hook(void)
{
	pthread_mutex_lock(&disp_mutex);
	endwin();
	fflush(stdout);
}

int disp_init(struct display *d, bool mouse, bool tls_warning)
{
	memset(d, 0, sizeof(*d));
	const char *cs = nl_langinfo(CODESET);
	d->ascii = !(cs && (strcmp(cs, "UTF-8") == 0 || strcmp(cs, "utf8") == 0));
	d->mouse = mouse;
	if (!env_set("ESCDELAY"))
		set_escdelay(50);
	/* newterm, unlike initscr, returns instead of exiting when TERM is unusable */
	d->screen = newterm(NULL, stdout, stdin);
	if (!d->screen)
		return -1;
	set_term(d->screen);
	cbreak();
	noecho();
	nonl();
	curs_set(0);
	d->color = !env_set("NO_COLOR") && has_colors();
	if (d->color) {
		start_color();
		use_default_colors();
		init_pair(CP_OK, COLOR_GREEN, -1);
		init_pair(CP_WARN, COLOR_YELLOW, -1);
		init_pair(CP_CRIT, COLOR_RED, -1);
		init_pair(CP_UNKN, COLOR_MAGENTA, -1);
		init_pair(CP_TITLE, COLOR_WHITE, COLOR_BLUE);
		init_pair(CP_ALERT, COLOR_WHITE, COLOR_RED);
		init_pair(CP_TAB_ON, COLOR_BLACK, COLOR_CYAN);
	}
	if (mouse)
		mousemask(BUTTON1_CLICKED | BUTTON4_PRESSED | BUTTON5_PRESSED, NULL);
	disp_layout(d, tls_warning);
	die_set_hook(disp_die_hook);
	return 0;
}

void disp_end(struct display *d)
{
	die_set_hook(NULL);
	if (d->head)
		delwin(d->head);
	if (d->body)
		delwin(d->body);
	if (d->status)
		delwin(d->status);
	if (d->input)
		delwin(d->input);
	d->head = d->body = d->status = d->input = NULL;
	endwin();
	if (d->screen)
		delscreen(d->screen);
	d->screen = NULL;
}

void disp_layout(struct display *d, bool tls_warning)
{
	if (d->head)
		delwin(d->head);
	if (d->body)
		delwin(d->body);
	if (d->status)
		delwin(d->status);
	d->head = d->body = d->status = NULL;
	getmaxyx(stdscr, d->lines, d->cols);
	d->too_small = d->cols < DISP_MIN_COLS || d->lines < DISP_MIN_LINES;
	d->head_lines = tls_warning ? 4 : 3;
	if (!d->input) {
		/* keys are read from a window nothing is drawn in, so reading never repaints */
		d->input = newwin(1, 1, 0, 0);
		keypad(d->input, TRUE);
		nodelay(d->input, TRUE);
	}
	untouchwin(d->input);
	wnoutrefresh(stdscr); /* stdscr is never drawn: keep curses from repainting it */
	if (d->too_small)
		return;
	d->head = newwin(d->head_lines, d->cols, 0, 0);
	d->body = newwin(d->lines - d->head_lines - 1, d->cols, d->head_lines, 0);
	d->status = newwin(1, d->cols, d->lines - 1, 0);
	leaveok(d->head, TRUE);
	leaveok(d->body, TRUE);
}

attr_t disp_attr(const struct display *d, enum disp_style st)
{
	if (!d->color) {
		switch (st) {
		case ST_TITLE: case ST_TAB_ON: case ST_SEL: return A_REVERSE;
		case ST_HEAD: return A_UNDERLINE;
		case ST_ALERT: return A_BOLD | A_REVERSE;
		case ST_CRIT: return A_BOLD;
		default: return A_NORMAL;
		}
	}
	switch (st) {
	case ST_TITLE: return COLOR_PAIR(CP_TITLE) | A_BOLD;
	case ST_HEAD: return A_BOLD | A_UNDERLINE;
	case ST_SEL: return A_REVERSE;
	case ST_TAB_ON: return COLOR_PAIR(CP_TAB_ON) | A_BOLD;
	case ST_DIM: return A_DIM;
	case ST_ALERT: return COLOR_PAIR(CP_ALERT) | A_BOLD;
	case ST_OK: return COLOR_PAIR(CP_OK);
	case ST_WARN: return COLOR_PAIR(CP_WARN) | A_BOLD;
	case ST_CRIT: return COLOR_PAIR(CP_CRIT) | A_BOLD;
	case ST_UNKN: return COLOR_PAIR(CP_UNKN);
	default: return A_NORMAL;
	}
}

enum disp_style disp_status_style(enum status s)
{
	switch (s) {
	case STATUS_OK: return ST_OK;
	case STATUS_WARNING: return ST_WARN;
	case STATUS_CRITICAL: return ST_CRIT;
	case STATUS_UNKNOWN: return ST_UNKN;
	default: return ST_DIM;
	}
}

const char *disp_glyph(const struct display *d, enum glyph g)
{
	static const char *utf8[G__COUNT] = {"\xe2\x9c\x93", "\xe2\x9c\x97", "\xe2\x86\x92", "\xc2\xb7", "[x]", "[ ]"};
	static const char *ascii[G__COUNT] = {"+", "x", "->", "|", "[x]", "[ ]"};
	return (unsigned)g < G__COUNT ? (d->ascii ? ascii[g] : utf8[g]) : "?";
}

const char *disp_status_symbol(const struct display *d, enum status s)
{
	return status_symbol(s, d->ascii);
}

int disp_put_attr(const struct display *d, WINDOW *w, int y, int x, int width, const char *text,
		  attr_t attr)
{
	if (!w || width <= 0)
		return x;
	char *clean = sanitize_str(text, (size_t)-1, d->ascii ? SAN_ASCII : 0);
	char *fit = sanitize_fit(clean, width, true, d->ascii);
	wattrset(w, attr);
	mvwaddstr(w, y, x, fit);
	wattrset(w, A_NORMAL);
	free(fit);
	free(clean);
	return x + width;
}

int disp_put(const struct display *d, WINDOW *w, int y, int x, int width, const char *text,
	     enum disp_style st)
{
	return disp_put_attr(d, w, y, x, width, text, disp_attr(d, st));
}

int disp_status_cell(const struct display *d, WINDOW *w, int y, int x, int width,
		     enum status s, bool selected)
{
	char cell[32];
	if (s == STATUS_NONE)
		snprintf(cell, sizeof(cell), "  %s", disp_status_symbol(d, s));
	else
		snprintf(cell, sizeof(cell), "%s %s", disp_status_symbol(d, s), status_word(s));
	attr_t a = disp_attr(d, disp_status_style(s));
	if (selected)
		a |= A_REVERSE;
	return disp_put_attr(d, w, y, x, width, cell, a);
}
