/* Smoke tests of the real binary in a real terminal: `mcon` inside a private tmux server
 * (its own socket), driven with send-keys and read back with capture-pane, including a
 * resize through SIGWINCH and quitting with q. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "core/util.h"
#include "tests/support/tmuxterm.h"
#include "tests/support/hang.h"

Test(tui_tmux, real_binary_keys_resize_and_quit)
{
	tmux_setup();
	const char *bin = getenv("MCON_BIN");
	cr_assert(bin && *bin, "MCON_BIN is not set (tests/run sets it)");
	int st;
	free(tmux_sh(&st, "tmux -L %s -f /dev/null new-session -d -s S -x 100 -y 30 "
		     "\"env LANG=C.UTF-8 LC_ALL=C.UTF-8 TERM=tmux-256color TZ=UTC %s --config %s; echo EXITED \\$?; sleep 30\"",
		tmux_sock, bin, tmux_conf));
	cr_assert_eq(st, 0, "tmux did not start");
	cr_assert(tmux_wait("[1 Domains]", T_HANG_MS));
	cr_expect(tmux_wait("mcon \xc2\xb7 smoke", T_HANG_MS));
	tmux_keys("4");
	cr_expect(tmux_wait("[4 Pending]", T_HANG_MS));
	cr_expect(tmux_wait("#3", T_HANG_MS), "the seeded checklist did not show");
	/* a real SIGWINCH below the minimum and back */
	free(tmux_sh(NULL, "tmux -L %s resize-window -t S -x 70 -y 20", tmux_sock));
	cr_expect(tmux_wait("needs a terminal of at least 80x24", T_HANG_MS));
	free(tmux_sh(NULL, "tmux -L %s resize-window -t S -x 100 -y 30", tmux_sock));
	cr_expect(tmux_wait("[4 Pending]", T_HANG_MS));
	tmux_keys("?");
	cr_expect(tmux_wait("Help: keys", T_HANG_MS));
	tmux_keys("q");
	cr_expect(tmux_wait("[4 Pending]", T_HANG_MS));
	tmux_keys("q");
	cr_expect(tmux_wait("EXITED 0", T_HANG_MS), "mcon did not exit 0 on q");
	tmux_teardown();
}

Test(tui_tmux, ctrl_c_restores_the_terminal)
{
	tmux_setup();
	const char *bin = getenv("MCON_BIN");
	cr_assert(bin && *bin, "MCON_BIN is not set (tests/run sets it)");
	free(tmux_sh(NULL, "tmux -L %s -f /dev/null new-session -d -s S -x 90 -y 26 "
		      "\"env LANG=C.UTF-8 LC_ALL=C.UTF-8 TERM=tmux-256color %s --config %s; echo EXITED \\$?; sleep 30\"",
		tmux_sock, bin, tmux_conf));
	cr_assert(tmux_wait("[1 Domains]", T_HANG_MS));
	tmux_keys("C-c");
	cr_expect(tmux_wait("EXITED 0", T_HANG_MS), "Ctrl-C did not end the console cleanly");
	/* the console's screen is gone: the shell's line is all that is left */
	char *s = tmux_capture();
	cr_expect(strstr(s, "[1 Domains]") == NULL, "the alternate screen was not left:\n%s", s);
	free(s);
	tmux_teardown();
}


Test(tui_tmux, unusable_terminal_one_line_and_exit_1)
{
	tmux_setup();
	const char *bin = getenv("MCON_BIN");
	cr_assert(bin && *bin, "MCON_BIN is not set (tests/run sets it)");
	free(tmux_sh(NULL, "tmux -L %s -f /dev/null new-session -d -s S -x 90 -y 26 "
		      "\"env TERM=no-such-terminal %s --config %s; echo EXITED \\$?; sleep 30\"",
		tmux_sock, bin, tmux_conf));
	cr_expect(tmux_wait("EXITED 1", T_HANG_MS));
	cr_expect(tmux_wait("mcon: cannot use the terminal 'no-such-terminal'; set TERM", T_HANG_MS));
	tmux_teardown();
}
