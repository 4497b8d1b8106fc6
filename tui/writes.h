/* writes: the console's daily actions that change something, each asked y/N first and run
 * on a worker: the mail queue's flush, hold/release and delete (MailCow, after its write
 * probe: a read-only key gets a refusal, not a question), a container's restart (Docker),
 * and following a container's log live in the details view (F, Esc stops). */
#ifndef MCON_TUI_WRITES_H
#define MCON_TUI_WRITES_H

#include <stdbool.h>
#include "core/util.h"
#include "tui/action.h"

struct console;

/* A queue action ("flush", "hold", "unhold", "delete") on ids (taken; empty for flush):
 * probes the key (once per console), asks question y/N, then runs it. */
void writes_queue(struct console *c, const char *action, struct strv *ids, const char *question);
/* Asks y/N, then restarts the container id of service. */
void writes_restart(struct console *c, const char *id, const char *service);
/* Follows the container's log into the open details view (whose key is key). */
void writes_follow_start(struct console *c, const char *id, bool tty, const char *key);
/* A key while a followed view is open; false when not taken (Esc stops the follow first). */
bool writes_follow_action(struct console *c, enum action a);
/* Stops the follow (the view closing); writes_end also frees its worker (the console quitting). */
void writes_follow_stop(struct console *c);
void writes_end(struct console *c);

#endif
