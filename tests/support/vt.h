/* vt: a terminal for screen tests. Runs a function (the console) in a child on a pty of
 * a fixed size, feeds its output to libvterm, and lets the test press keys, resize, read
 * the screen and its cell attributes, wait for content (never a fixed sleep) and compare
 * with golden screens in tests/golden/ (MCON_UPDATE_GOLDEN=1 rewrites them). */
#ifndef MCON_TEST_VT_H
#define MCON_TEST_VT_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <vterm.h>

struct vt {
	int fd;
	pid_t pid;
	VTerm *vt;
	VTermScreen *scr;
	int rows, cols;
	char title[256];        /* the last title an escape sequence set ("" if none) */
	int title_sets;
	char report[512];       /* sanitizer report path of the child */
};

/* Starts fn(ud) in a child on a rows x cols pty with TERM=xterm-256color, LANG/LC_ALL=C.UTF-8
 * (or `locale`), TZ=UTC, MCON_NOW fixed, ESCDELAY=25, and the extra "NAME=value" strings of
 * env (NULL-terminated, may be NULL; "NAME=" unsets). The child exits with fn's return. */
struct vt *vt_spawn(int rows, int cols, const char *locale, const char *const *env, int (*fn)(void *), void *ud);
/* Reads what the child wrote for up to ms milliseconds (returns early once quiet for
 * `quiet` ms when quiet > 0). */
void vt_pump(struct vt *t, int ms, int quiet);
/* Waits up to timeout_ms for the screen to contain needle; false on timeout. */
bool vt_wait(struct vt *t, const char *needle, int timeout_ms);
/* Waits for needle to disappear. */
bool vt_wait_gone(struct vt *t, const char *needle, int timeout_ms);
/* One row's text (UTF-8, trailing blanks trimmed; caller frees), and the whole screen. */
char *vt_row(struct vt *t, int row);
char *vt_screen(struct vt *t);
bool vt_contains(struct vt *t, const char *needle);
/* The row holding needle, or -1. */
int vt_find_row(struct vt *t, const char *needle);
/* Keys. */
void vt_key(struct vt *t, VTermKey key);
void vt_char(struct vt *t, uint32_t c);
void vt_ctrl(struct vt *t, char c);
void vt_type(struct vt *t, const char *s);
void vt_resize(struct vt *t, int rows, int cols);
/* Whether any cell carries a foreground or background colour other than the default. */
bool vt_any_colour(struct vt *t);
/* The attributes of the cell at (row, col). */
bool vt_cell(struct vt *t, int row, int col, VTermScreenCell *cell);
/* Compares the screen with tests/golden/<name>.txt, waiting up to timeout_ms for it to
 * match; returns NULL on a match, else a message with both screens (caller frees). */
char *vt_golden(struct vt *t, const char *name, int timeout_ms);
/* Sends q (or kills after timeout) and reaps the child; returns its exit status, or -1.
 * *leak_report receives the child's sanitizer report when it holds an error or a leak, and
 * the last screen when the child failed (caller frees). */
int vt_close(struct vt *t, char **leak_report);

#endif
