/* tmuxterm: drives the real mcon binary in a private tmux server (its own socket) for
 * smoke tests of the real terminal path: start, send-keys, capture-pane, wait for text. */
#include "tests/support/tmuxterm.h"

#include <criterion/criterion.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "core/util.h"

char tmux_dir[256], tmux_conf[300], tmux_sock[64];

long long tmux_ms_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Runs a shell command, returns its output (caller frees) and exit status. */
char *tmux_sh(int *status, const char *fmt, ...)
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

char *tmux_capture(void)
{
	return tmux_sh(NULL, "tmux -L %s capture-pane -t S -p 2>/dev/null", tmux_sock);
}

bool tmux_wait(const char *needle, int timeout_ms)
{
	long long end = tmux_ms_now() + timeout_ms;
	for (;;) {
		char *s = tmux_capture();
		bool ok = strstr(s, needle) != NULL;
		if (ok || tmux_ms_now() >= end) {
			if (!ok)
				cr_log_error("waiting for '%s'; the pane shows:\n%s", needle, s);
			free(s);
			return ok;
		}
		free(s);
		usleep(50 * 1000);
	}
}

void tmux_keys(const char *k)
{
	free(tmux_sh(NULL, "tmux -L %s send-keys -t S %s", tmux_sock, k));
}

void tmux_setup(void)
{
	const char *tmp = getenv("MCON_TEST_TMP");
	snprintf(tmux_dir, sizeof(tmux_dir), "%s/tmux.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	cr_assert(mkdtemp(tmux_dir));
	snprintf(tmux_conf, sizeof(tmux_conf), "%s/mcon.conf", tmux_dir);
	snprintf(tmux_sock, sizeof(tmux_sock), "mcon-test-%d", (int)getpid());
	char *text = xasprintf("[site]\nname = smoke\n[mailcow]\nurl = https://127.0.0.1:9\ntimeout_ms = 200\n"
			       "[docker]\nhost = unix://%s/none.sock\n[dns]\nservers = 127.0.0.1:9\ntimeout_ms = 200\n"
			       "[state]\ndb = %s/mcon.db\n", tmux_dir, tmux_dir);
	cr_assert_eq(file_write_atomic(tmux_conf, text, strlen(text), 0600), 0);
	free(text);
}

void tmux_teardown(void)
{
	free(tmux_sh(NULL, "tmux -L %s kill-server 2>/dev/null; rm -rf '%s'", tmux_sock, tmux_dir));
}
