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


Test(tui_demo, make_demo_console)
{
	setup();
	const char *build = getenv("MCON_BUILD");
	cr_assert(build && *build, "MCON_BUILD is not set (tests/run sets it)");
	free(sh(NULL, "tmux -L %s -f /dev/null new-session -d -s S -x 100 -y 30 "
		      "\"env TMPDIR=%s LANG=C.UTF-8 LC_ALL=C.UTF-8 TERM=tmux-256color bash scripts/demo %s; "
		      "echo EXITED \\$?; sleep 30\"",
		sock, dir, build));
	cr_assert(wait_screen("[1 Domains]", 20000), "the demo's console did not open");
	cr_expect(wait_screen("mcon \xc2\xb7 hermes", 5000));
	cr_expect(wait_screen("netgrimoire.com", 10000), "the demo site's domains did not show");
	keys("4");
	cr_expect(wait_screen("#3", 5000), "the demo's checklist did not show");
	/* the simulator runs while the console is open */
	int st;
	char *running = sh(&st, "pgrep -f '[m]con-sim --dir %s/mcon-demo' >/dev/null && echo yes || echo no", dir);
	cr_expect(strcmp(running, "yes\n") == 0, "the simulator is not running: %s", running);
	free(running);
	keys("q");
	cr_expect(wait_screen("EXITED 0", 15000), "the demo did not end cleanly");
	/* the simulator is stopped and its directory removed */
	char *left = sh(&st, "ls -d %s/mcon-demo.* 2>/dev/null; pgrep -f '[m]con-sim --dir %s/mcon-demo' || true", dir, dir);
	cr_expect(left[0] == '\0', "left behind: %s", left);
	free(left);
	teardown();
}
