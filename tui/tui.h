/* tui: the interactive console (contract section 6). One entry point; the panes, the
 * action table and the event loop live behind it. Never includes curl. */
#ifndef MCON_TUI_H
#define MCON_TUI_H

#include <stdbool.h>
#include "tui/backend.h"

struct tui_opts {
	bool mouse;             /* --mouse: report mouse clicks (off so terminal copy/paste keeps working) */
};

/* Runs the console on the terminal until the user quits. Returns 0, or 1 with a message
 * on stderr when the terminal could not be used. */
int tui_run(struct tui_backend *be, const struct tui_opts *opts);

#endif
