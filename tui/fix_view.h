/* fix_view: the console's fix of one finding (f): the plan of core/fix.c in a view; f in
 * the view asks y/N and applies it on a worker (the write, the re-run of the check and the
 * history row), whose result is appended to the view. Esc leaves without writing. */
#ifndef MCON_TUI_FIX_VIEW_H
#define MCON_TUI_FIX_VIEW_H

#include <stdbool.h>
#include "tui/action.h"

struct console;

/* The f key on a pane: the selected check result, or the worst fixable finding of the
 * selected domain. */
void fix_view_open(struct console *c);
/* A key while the fix view is open; false when the view does not take it. */
bool fix_view_action(struct console *c, enum action a);
/* Drops the session (the console quitting). */
void fix_view_end(struct console *c);

#endif
