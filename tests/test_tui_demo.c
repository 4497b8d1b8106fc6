/* Smoke test of `make demo` in a real terminal: scripts/demo inside a private tmux server
 * starts the simulator, opens the console on it, and on q stops the simulator and removes
 * its directory. (A file of its own: Criterion's runner leaked when it ran in parallel with
 * the other tmux tests.) */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "core/util.h"
#include "tests/support/tmuxterm.h"
#include "tests/support/hang.h"

Test(tui_demo, make_demo_console)
{
	tmux_setup();
	const char *build = getenv("MCON_BUILD");
	cr_assert(build && *build, "MCON_BUILD is not set (tests/run sets it)");
	free(tmux_sh(NULL, "tmux -L %s -f /dev/null new-session -d -s S -x 100 -y 30 "
		      "\"env TMPDIR=%s LANG=C.UTF-8 LC_ALL=C.UTF-8 TERM=tmux-256color bash scripts/demo %s; "
		      "echo EXITED \\$?; sleep 30\"",
		tmux_sock, tmux_dir, build));
	cr_assert(tmux_wait("[1 Domains]", T_HANG_MS), "the demo's console did not open");
	cr_expect(tmux_wait("mcon \xc2\xb7 hermes", T_HANG_MS));
	cr_expect(tmux_wait("netgrimoire.com", T_HANG_MS), "the demo site's domains did not show");
	tmux_keys("4");
	cr_expect(tmux_wait("#3", T_HANG_MS), "the demo's checklist did not show");
	/* the simulator runs while the console is open */
	int st;
	char *running = tmux_sh(&st, "pgrep -f '[m]con-sim --dir %s/mcon-demo' >/dev/null && echo yes || echo no", tmux_dir);
	cr_expect(strcmp(running, "yes\n") == 0, "the simulator is not running: %s", running);
	free(running);
	tmux_keys("q");
	cr_expect(tmux_wait("EXITED 0", T_HANG_MS), "the demo did not end cleanly");
	/* the simulator is stopped and its directory removed */
	char *left = tmux_sh(&st, "ls -d %s/mcon-demo.* 2>/dev/null; pgrep -f '[m]con-sim --dir %s/mcon-demo' || true", tmux_dir, tmux_dir);
	cr_expect(left[0] == '\0', "left behind: %s", left);
	free(left);
	tmux_teardown();
}
