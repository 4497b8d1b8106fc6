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

static char dir[256], conf[300], sock[64];

static long long ms_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Runs a shell command, returns its output (caller frees) and exit status. */
static char *sh(int *status, const char *fmt, ...) ATTR_PRINTF(2, 3);
static char *sh(int *status, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *cmd = xvasprintf(fmt, ap);
	va_end(ap);
	FILE *p = popen(cmd, "r");
	cr_assert(p, "popen %s", cmd);
	struct buf b = {0};
	char tmp[4096];
	size_t n;
	while ((n = fread(tmp, 1, sizeof(tmp), p)) > 0)
		buf_append(&b, tmp, n);
	int st = pclose(p);
	if (status)
		*status = st;
	free(cmd);
	return b.data ? buf_steal(&b) : xstrdup("");
}

static char *capture(void)
{
	return sh(NULL, "tmux -L %s capture-pane -t S -p 2>/dev/null", sock);
}

static bool wait_screen(const char *needle, int timeout_ms)
{
	long long end = ms_now() + timeout_ms;
	for (;;) {
		char *s = capture();
		bool ok = strstr(s, needle) != NULL;
		if (ok || ms_now() >= end) {
			if (!ok)
				cr_log_error("waiting for '%s'; the pane shows:\n%s", needle, s);
			free(s);
			return ok;
		}
		free(s);
		usleep(50 * 1000);
	}
}

static void keys(const char *k)
{
	free(sh(NULL, "tmux -L %s send-keys -t S %s", sock, k));
}

static void setup(void)
{
	const char *tmp = getenv("MCON_TEST_TMP");
	snprintf(dir, sizeof(dir), "%s/tmux.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	cr_assert(mkdtemp(dir));
	snprintf(conf, sizeof(conf), "%s/mcon.conf", dir);
	snprintf(sock, sizeof(sock), "mcon-test-%d", (int)getpid());
	char *text = xasprintf("[site]\nname = smoke\n[mailcow]\nurl = https://127.0.0.1:9\ntimeout_ms = 200\n"
			       "[docker]\nhost = unix://%s/none.sock\n[dns]\nservers = 127.0.0.1:9\ntimeout_ms = 200\n"
			       "[state]\ndb = %s/mcon.db\n", dir, dir);
	cr_assert_eq(file_write_atomic(conf, text, strlen(text), 0600), 0);
	free(text);
}

static void teardown(void)
{
	free(sh(NULL, "tmux -L %s kill-server 2>/dev/null; rm -rf '%s'", sock, dir));
}

Test(tui_tmux, real_binary_keys_resize_and_quit)
{
	setup();
	const char *bin = getenv("MCON_BIN");
	cr_assert(bin && *bin, "MCON_BIN is not set (tests/run sets it)");
	int st;
	free(sh(&st, "tmux -L %s -f /dev/null new-session -d -s S -x 100 -y 30 "
		     "\"env LANG=C.UTF-8 LC_ALL=C.UTF-8 TERM=tmux-256color TZ=UTC %s --config %s; echo EXITED \\$?; sleep 30\"",
		sock, bin, conf));
	cr_assert_eq(st, 0, "tmux did not start");
	cr_assert(wait_screen("[1 Domains]", 10000));
	cr_expect(wait_screen("mcon \xc2\xb7 smoke", 2000));
	keys("4");
	cr_expect(wait_screen("[4 Pending]", 5000));
	cr_expect(wait_screen("#3", 5000), "the seeded checklist did not show");
	/* a real SIGWINCH below the minimum and back */
	free(sh(NULL, "tmux -L %s resize-window -t S -x 70 -y 20", sock));
	cr_expect(wait_screen("needs a terminal of at least 80x24", 5000));
	free(sh(NULL, "tmux -L %s resize-window -t S -x 100 -y 30", sock));
	cr_expect(wait_screen("[4 Pending]", 5000));
	keys("?");
	cr_expect(wait_screen("Help: keys", 5000));
	keys("q");
	cr_expect(wait_screen("[4 Pending]", 5000));
	keys("q");
	cr_expect(wait_screen("EXITED 0", 5000), "mcon did not exit 0 on q");
	teardown();
}

Test(tui_tmux, ctrl_c_restores_the_terminal)
{
	setup();
	const char *bin = getenv("MCON_BIN");
	cr_assert(bin && *bin, "MCON_BIN is not set (tests/run sets it)");
	free(sh(NULL, "tmux -L %s -f /dev/null new-session -d -s S -x 90 -y 26 "
		      "\"env LANG=C.UTF-8 LC_ALL=C.UTF-8 TERM=tmux-256color %s --config %s; echo EXITED \\$?; sleep 30\"",
		sock, bin, conf));
	cr_assert(wait_screen("[1 Domains]", 10000));
	keys("C-c");
	cr_expect(wait_screen("EXITED 0", 5000), "Ctrl-C did not end the console cleanly");
	/* the console's screen is gone: the shell's line is all that is left */
	char *s = capture();
	cr_expect(strstr(s, "[1 Domains]") == NULL, "the alternate screen was not left:\n%s", s);
	free(s);
	teardown();
}


Test(tui_tmux, unusable_terminal_one_line_and_exit_1)
{
	setup();
	const char *bin = getenv("MCON_BIN");
	cr_assert(bin && *bin, "MCON_BIN is not set (tests/run sets it)");
	free(sh(NULL, "tmux -L %s -f /dev/null new-session -d -s S -x 90 -y 26 "
		      "\"env TERM=no-such-terminal %s --config %s; echo EXITED \\$?; sleep 30\"",
		sock, bin, conf));
	cr_expect(wait_screen("EXITED 1", 10000));
	cr_expect(wait_screen("mcon: cannot use the terminal 'no-such-terminal'; set TERM", 2000));
	teardown();
}
