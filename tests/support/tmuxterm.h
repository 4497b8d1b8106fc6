/* tmuxterm: a private tmux server for smoke tests of the real terminal path. tmux_setup()
 * makes a fresh directory with a configuration whose backends are all unreachable (the
 * console must still run), names the tmux socket, and tmux_teardown() removes both. */
#ifndef MCON_TEST_TMUXTERM_H
#define MCON_TEST_TMUXTERM_H

#include <stdbool.h>
#include "core/util.h"

extern char tmux_dir[256], tmux_conf[300], tmux_sock[64];

long long tmux_ms_now(void);
/* Runs a shell command, returns its output (caller frees) and exit status. */
char *tmux_sh(int *status, const char *fmt, ...) ATTR_PRINTF(2, 3);
/* The pane's text (caller frees). */
char *tmux_capture(void);
/* Polls the pane until it shows needle or timeout_ms passes; logs the pane when it fails. */
bool tmux_wait(const char *needle, int timeout_ms);
void tmux_keys(const char *k);
void tmux_setup(void);
void tmux_teardown(void);

#endif
