/* textview: a scrollable page of text over the body (details, help). Every line added
 * is sanitized; a view has a key so results that arrive later (container logs) find it. */
#ifndef MCON_TUI_TEXTVIEW_H
#define MCON_TUI_TEXTVIEW_H

#include <stdbool.h>
#include "core/util.h"
#include "tui/display.h"

struct textview {
	char *title;
	char *key;              /* "container:<id>", "help", ... */
	struct strv lines;
	size_t top;
	int left;               /* horizontal scroll, columns */
	bool loading;           /* more is on its way (a spinner shows) */
};

void tv_init(struct textview *tv, const char *title, const char *key);
void tv_free(struct textview *tv);
/* Adds one line (or several, split on '\n'), sanitized. */
void tv_add(struct textview *tv, const char *fmt, ...) ATTR_PRINTF(2, 3);
void tv_add_text(struct textview *tv, const char *text);
void tv_blank(struct textview *tv);
void tv_scroll(struct textview *tv, long delta, int page);
void tv_draw(struct textview *tv, const struct display *d, WINDOW *w, const char *spinner);

#endif
