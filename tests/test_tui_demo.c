/* Smoke test of `make demo` in a real terminal: scripts/demo inside a private tmux server
 * starts the simulator, opens the console on it, and on q stops the simulator and removes
 * its directory; the history pane holds the records scripts/demo made before the console
 * opened. (A file of its own: Criterion's runner leaked when it ran in parallel with the other
 * tmux tests.) */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "core/util.h"
#include "tests/support/tmuxterm.h"
#include "tests/support/hang.h"

/* Polls the pane until one of its lines holds a, b and c, or the hang timeout passes. */
static bool wait_row(const char *a, const char *b, const char *c)
{
	long long end = tmux_ms_now() + T_HANG_MS;
	char *screen = NULL;
	for (;;) {
		free(screen);
		screen = tmux_capture();
		for (char *line = screen; line && *line;) {
			char *nl = strchr(line, '\n');
			if (nl)
				*nl = '\0';
			if (strstr(line, a) && strstr(line, b) && strstr(line, c)) {
				free(screen);
				return true;
			}
			line = nl ? nl + 1 : NULL;
		}
		if (tmux_ms_now() > end)
			break;
		usleep(50000);
	}
	free(screen);
	screen = tmux_capture();
	cr_log_error("no line holds '%s', '%s' and '%s'; the pane:\n%s", a, b, c, screen);
	free(screen);
	return false;
}

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
	/* the history the demo recorded: a restart, a DKIM key that appeared, a check back to OK */
	tmux_keys("6");
	cr_expect(wait_row("container.restarts", "sogo-mailcow", "0 \xe2\x86\x92 1"),
		  "no restart in the demo's history");
	cr_expect(wait_row("dkim.key", "netgrimoire.com/mxroute", "none \xe2\x86\x92 sha256:"),
		  "no DKIM key that appeared in the demo's history");
	cr_expect(wait_row("dkim.selector:netgrimoire.com/mxroute", "critical \xe2\x86\x92 ok", "check"),
		  "no check from critical to OK in the demo's history");
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
