/* onboard_view: the console's onboarding walkthrough (o): asks for the domain and the
 * catch-all's mailbox, shows "step n of m", what to do, the lines to copy and the live
 * verification, and asks y/N before every step that writes to MailCow. The engine
 * (core/onboard.c) runs on a worker thread of its own; the UI thread only shows text. */
#ifndef MCON_TUI_ONBOARD_VIEW_H
#define MCON_TUI_ONBOARD_VIEW_H

#include <stdbool.h>
#include "tui/action.h"

struct console;

/* The o key: shows the running walkthrough, or asks which domain to onboard. */
void onboard_view_open(struct console *c);
/* A key while the walkthrough's view is open; false when the view does not take it. */
bool onboard_view_action(struct console *c, enum action a);
/* Ends the session without waiting for it: a step or verification round in progress (its
 * collect cannot be cancelled) finishes on the session's worker, unseen, and the session is
 * freed later. */
void onboard_view_end(struct console *c);
/* Ends the session and waits for every ended one's worker; called when the console quits. */
void onboard_view_free(struct console *c);

#endif
