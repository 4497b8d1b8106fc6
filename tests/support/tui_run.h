/* tui_run: starts the console on the fake backend inside a vt (see vt.h, tui_fake.h),
 * with a control pipe the test writes fake commands to. */
#ifndef MCON_TEST_TUI_RUN_H
#define MCON_TEST_TUI_RUN_H

#include "tests/support/tui_fake.h"
#include "tests/support/vt.h"

struct console_run {
	struct vt *vt;
	int ctl;        /* write end of the fake's control pipe */
};

/* Starts the console (rows x cols, locale NULL = C.UTF-8, extra env) and waits for the
 * first complete screen. Returns false (after filling *out anyway) when it did not show. */
bool console_start(struct console_run *out, unsigned flags, int rows, int cols, const char *locale,
		   const char *const *env);
/* The same with tui_opts.mouse set (--mouse). */
bool console_start_mouse(struct console_run *out, unsigned flags, int rows, int cols);
/* Writes one command line to the fake. */
void console_ctl(struct console_run *r, const char *line);
/* Quits the console; returns its exit status and fills *report with a sanitizer report. */
int console_stop(struct console_run *r, char **report);

#endif
