/* vt: forkpty + libvterm for the console's screen tests. */
#include "tests/support/vt.h"

#include <errno.h>
#include <fcntl.h>
#include <locale.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "core/util.h"
#include "tests/support/hang.h"

/* Sanitizer hooks, present only in the ASan build. */
void __sanitizer_set_report_path(const char *path) __attribute__((weak));
int __lsan_do_recoverable_leak_check(void) __attribute__((weak));

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void out_cb(const char *s, size_t len, void *user)
{
	struct vt *t = user;
	while (len > 0) {
		ssize_t w = write(t->fd, s, len);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return;
		}
		s += w;
		len -= (size_t)w;
	}
}

static int settermprop_cb(VTermProp prop, VTermValue *val, void *user)
{
	struct vt *t = user;
	if (prop == VTERM_PROP_TITLE || prop == VTERM_PROP_ICONNAME) {
		snprintf(t->title, sizeof(t->title), "%s", val->string ? val->string : "");
		t->title_sets++;
	}
	return 1;
}

static VTermScreenCallbacks screen_cbs = {
	.settermprop = settermprop_cb,
};

struct vt *vt_spawn(int rows, int cols, const char *locale, const char *const *env, int (*fn)(void *), void *ud)
{
	struct vt *t = xcalloc(1, sizeof(*t));
	t->rows = rows;
	t->cols = cols;
	static int seq;
	const char *tmp = getenv("MCON_TEST_TMP");
	snprintf(t->report, sizeof(t->report), "%s/vt-%d-%d-san", tmp && *tmp ? tmp : "/tmp", (int)getpid(), ++seq);
	struct winsize ws = {.ws_row = (unsigned short)rows, .ws_col = (unsigned short)cols};
	fflush(NULL);
	pid_t pid = forkpty(&t->fd, NULL, NULL, &ws);
	if (pid < 0)
		die("forkpty: %s", strerror(errno));
	if (pid == 0) {
		setenv("TERM", "xterm-256color", 1);
		const char *loc = locale ? locale : "C.UTF-8";
		setenv("LANG", loc, 1);
		setenv("LC_ALL", loc, 1);
		setenv("TZ", "UTC", 1);
		setenv("MCON_NOW", "2026-11-29T12:00:00Z", 1);
		setenv("ESCDELAY", "25", 1);
		unsetenv("NO_COLOR");
		unsetenv("COLUMNS");
		unsetenv("LINES");
		for (size_t i = 0; env && env[i]; i++) {
			const char *eq = strchr(env[i], '=');
			char *name = xstrndup(env[i], (size_t)(eq - env[i]));
			if (eq[1])
				setenv(name, eq + 1, 1);
			else
				unsetenv(name);
			free(name);
		}
		tzset();
		setlocale(LC_ALL, "");
		if (__sanitizer_set_report_path)
			__sanitizer_set_report_path(t->report);
		int rc = fn(ud);
		if (__lsan_do_recoverable_leak_check && __lsan_do_recoverable_leak_check())
			rc = 99;
		_exit(rc);
	}
	t->pid = pid;
	fcntl(t->fd, F_SETFL, fcntl(t->fd, F_GETFL) | O_NONBLOCK);
	t->vt = vterm_new(rows, cols);
	vterm_set_utf8(t->vt, 1);
	vterm_output_set_callback(t->vt, out_cb, t);
	t->scr = vterm_obtain_screen(t->vt);
	vterm_screen_set_callbacks(t->scr, &screen_cbs, t);
	vterm_screen_enable_altscreen(t->scr, 1);
	vterm_screen_reset(t->scr, 1);
	return t;
}

void vt_pump(struct vt *t, int ms, int quiet)
{
	long long end = now_ms() + ms, last = now_ms();
	for (;;) {
		long long now = now_ms();
		if (now >= end || (quiet > 0 && now - last >= quiet))
			return;
		int wait = (int)(end - now);
		if (quiet > 0 && quiet - (now - last) < wait)
			wait = (int)(quiet - (now - last));
		struct pollfd p = {.fd = t->fd, .events = POLLIN};
		int n = poll(&p, 1, wait);
		if (n <= 0)
			continue;
		char buf[8192];
		ssize_t r = read(t->fd, buf, sizeof(buf));
		if (r <= 0) {
			if (r < 0 && errno == EAGAIN)
				continue;
			return; /* the child is gone */
		}
		vterm_input_write(t->vt, buf, (size_t)r);
		last = now_ms();
	}
}

char *vt_row(struct vt *t, int row)
{
	struct buf b = {0};
	for (int col = 0; col < t->cols; col++) {
		VTermScreenCell cell;
		vterm_screen_get_cell(t->scr, (VTermPos){row, col}, &cell);
		if (cell.width == 0)
			continue;
		if (cell.chars[0] == 0) {
			buf_putc(&b, ' ');
			continue;
		}
		for (int i = 0; i < VTERM_MAX_CHARS_PER_CELL && cell.chars[i]; i++) {
			uint32_t c = cell.chars[i];
			char o[4];
			size_t n;
			if (c < 0x80) o[0] = (char)c, n = 1;
			else if (c < 0x800) o[0] = (char)(0xC0 | (c >> 6)), o[1] = (char)(0x80 | (c & 0x3F)), n = 2;
			else if (c < 0x10000) o[0] = (char)(0xE0 | (c >> 12)), o[1] = (char)(0x80 | ((c >> 6) & 0x3F)),
					      o[2] = (char)(0x80 | (c & 0x3F)), n = 3;
			else o[0] = (char)(0xF0 | (c >> 18)), o[1] = (char)(0x80 | ((c >> 12) & 0x3F)),
			     o[2] = (char)(0x80 | ((c >> 6) & 0x3F)), o[3] = (char)(0x80 | (c & 0x3F)), n = 4;
			buf_append(&b, o, n);
		}
		if (cell.width == 2)
			col++;
	}
	while (b.len > 0 && b.data[b.len - 1] == ' ')
		b.data[--b.len] = '\0';
	return b.data ? buf_steal(&b) : xstrdup("");
}

char *vt_screen(struct vt *t)
{
	struct buf b = {0};
	for (int r = 0; r < t->rows; r++) {
		char *row = vt_row(t, r);
		buf_puts(&b, row);
		buf_putc(&b, '\n');
		free(row);
	}
	return buf_steal(&b);
}

bool vt_contains(struct vt *t, const char *needle)
{
	char *s = vt_screen(t);
	bool found = strstr(s, needle) != NULL;
	free(s);
	return found;
}

int vt_find_row(struct vt *t, const char *needle)
{
	for (int r = 0; r < t->rows; r++) {
		char *row = vt_row(t, r);
		bool f = strstr(row, needle) != NULL;
		free(row);
		if (f)
			return r;
	}
	return -1;
}

bool vt_wait(struct vt *t, const char *needle, int timeout_ms)
{
	long long end = now_ms() + timeout_ms;
	for (;;) {
		if (vt_contains(t, needle))
			return true;
		if (now_ms() >= end)
			return false;
		vt_pump(t, 20, 0);
	}
}

bool vt_wait_gone(struct vt *t, const char *needle, int timeout_ms)
{
	long long end = now_ms() + timeout_ms;
	for (;;) {
		if (!vt_contains(t, needle))
			return true;
		if (now_ms() >= end)
			return false;
		vt_pump(t, 20, 0);
	}
}

void vt_key(struct vt *t, VTermKey key)
{
	vterm_keyboard_key(t->vt, key, VTERM_MOD_NONE);
}

void vt_char(struct vt *t, uint32_t c)
{
	vterm_keyboard_unichar(t->vt, c, VTERM_MOD_NONE);
}

void vt_ctrl(struct vt *t, char c)
{
	vterm_keyboard_unichar(t->vt, (uint32_t)c, VTERM_MOD_CTRL);
}

void vt_type(struct vt *t, const char *s)
{
	for (; *s; s++)
		vt_char(t, (unsigned char)*s);
}

void vt_resize(struct vt *t, int rows, int cols)
{
	struct winsize ws = {.ws_row = (unsigned short)rows, .ws_col = (unsigned short)cols};
	t->rows = rows;
	t->cols = cols;
	vterm_set_size(t->vt, rows, cols);
	ioctl(t->fd, TIOCSWINSZ, &ws);
	kill(t->pid, SIGWINCH);
}

bool vt_cell(struct vt *t, int row, int col, VTermScreenCell *cell)
{
	return vterm_screen_get_cell(t->scr, (VTermPos){row, col}, cell) != 0;
}

bool vt_any_colour(struct vt *t)
{
	for (int r = 0; r < t->rows; r++)
		for (int c = 0; c < t->cols; c++) {
			VTermScreenCell cell;
			vterm_screen_get_cell(t->scr, (VTermPos){r, c}, &cell);
			if (!VTERM_COLOR_IS_DEFAULT_FG(&cell.fg) || !VTERM_COLOR_IS_DEFAULT_BG(&cell.bg))
				return true;
		}
	return false;
}

char *vt_golden(struct vt *t, const char *name, int timeout_ms)
{
	char *path = xasprintf("tests/golden/%s.txt", name);
	const char *upd = getenv("MCON_UPDATE_GOLDEN");
	if (upd && *upd && strcmp(upd, "0") != 0) {
		vt_pump(t, timeout_ms, 400); /* settle, then record */
		char *s = vt_screen(t);
		file_write_atomic(path, s, strlen(s), 0644);
		free(s);
		free(path);
		return NULL;
	}
	char *want = file_read(path, 1 << 20, NULL);
	if (!want) {
		char *msg = xasprintf("golden %s missing (MCON_UPDATE_GOLDEN=1 writes it)", path);
		free(path);
		return msg;
	}
	long long end = now_ms() + timeout_ms;
	char *got = NULL;
	for (;;) {
		free(got);
		got = vt_screen(t);
		if (strcmp(got, want) == 0) {
			free(got);
			free(want);
			free(path);
			return NULL;
		}
		if (now_ms() >= end)
			break;
		vt_pump(t, 25, 0);
	}
	char *msg = xasprintf("screen differs from %s\n--- expected\n%s--- got\n%s", path, want, got);
	free(got);
	free(want);
	free(path);
	return msg;
}

bool vt_wait_exit(struct vt *t, int timeout_ms)
{
	long long end = now_ms() + timeout_ms;
	while (!t->exited) {
		if (waitpid(t->pid, &t->status, WNOHANG) == t->pid) {
			t->exited = true;
			break;
		}
		if (now_ms() >= end)
			return false;
		vt_pump(t, 20, 0);
	}
	return true;
}

int vt_close(struct vt *t, char **leak_report)
{
	int status = t->exited ? t->status : -1;
	if (leak_report)
		*leak_report = NULL;
	if (t->pid > 0 && !t->exited) {
		/* Esc closes a prompt or details, then q quits */
		vt_key(t, VTERM_KEY_ESCAPE);
		vt_pump(t, 80, 0);
		vt_char(t, 'q');
		long long end = now_ms() + T_HANG_MS, again = now_ms() + 500;
		for (;;) {
			if (now_ms() >= again) {
				vt_char(t, 'q');
				again = now_ms() + 500;
			}
			pid_t r = waitpid(t->pid, &status, WNOHANG);
			if (r == t->pid)
				break;
			if (now_ms() >= end) {
				kill(t->pid, SIGKILL);
				waitpid(t->pid, &status, 0);
				status = -1;
				break;
			}
			vt_pump(t, 20, 0);
		}
	}
	/* ASan appends .PID to the report path */
	char *path = xasprintf("%s.%d", t->report, (int)t->pid);
	char *rep = file_read(path, 1 << 20, NULL);
	/* LSan notes about threads it could not suspend are not findings */
	if (rep && !strstr(rep, "ERROR:") && !strstr(rep, "runtime error")) {
		free(rep);
		rep = NULL;
	}
	/* a child that failed (UBSan halts print to the terminal) leaves its last screen */
	bool failed = status == -1 || !WIFEXITED(status) || WEXITSTATUS(status) != 0;
	if (failed && leak_report) {
		char *scr = vt_screen(t);
		char *both = xasprintf("%sthe console exited with status %d; its last screen:\n%s", rep ? rep : "",
				       status == -1 ? -1 : WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status),
				       scr);
		free(scr);
		free(rep);
		rep = both;
	}
	if (rep && leak_report)
		*leak_report = rep;
	else
		free(rep);
	unlink(path);
	free(path);
	vterm_free(t->vt);
	close(t->fd);
	free(t);
	if (status == -1)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
