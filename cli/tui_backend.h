/* tui_backend: the console's backend on the real pieces: the collector and the checks
 * for refreshes, the SQLite store for the checklist and the history, the Docker client for
 * events and logs. */
#ifndef MCON_CLI_TUI_BACKEND_H
#define MCON_CLI_TUI_BACKEND_H

#include "core/config.h"
#include "tui/backend.h"

/* db_path: the database (--db, else state.db). Borrowed pointers must outlive the backend. */
struct tui_backend *tui_live_new(const struct config *cfg, const char *db_path);
void tui_live_free(struct tui_backend *be);

#endif
