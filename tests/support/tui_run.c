/* tui_run: the console on the fake backend in a vt, for screen tests and benchmarks. */
#include "tests/support/tui_run.h"
#include "tests/support/hang.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "core/util.h"
#include "tui/tui.h"

struct child_args {
	unsigned flags;
	int ctl_r, ctl_w;
	bool mouse;
};

static int child_main(void *ud)
{
	struct child_args *a = ud;
	close(a->ctl_w);
	struct tui_fake *f = tui_fake_new(a->flags, a->ctl_r);
	struct tui_opts o = {.mouse = a->mouse};
	int rc = tui_run(tui_fake_backend(f), &o);
	tui_fake_free(f);
	close(a->ctl_r);
	return rc;
}

static bool start(struct console_run *out, unsigned flags, int rows, int cols, const char *locale,
		  const char *const *env, bool mouse)
{
	int p[2];
	if (pipe(p) < 0)
		die("pipe");
	struct child_args a = {.flags = flags, .ctl_r = p[0], .ctl_w = p[1], .mouse = mouse};
	out->vt = vt_spawn(rows, cols, locale, env, child_main, &a);
	close(p[0]);
	out->ctl = p[1];
	return vt_wait(out->vt, "refreshed", T_HANG_MS);
}

bool console_start(struct console_run *out, unsigned flags, int rows, int cols, const char *locale,
		   const char *const *env)
{
	return start(out, flags, rows, cols, locale, env, false);
}

bool console_start_mouse(struct console_run *out, unsigned flags, int rows, int cols)
{
	return start(out, flags, rows, cols, NULL, NULL, true);
}

void console_ctl(struct console_run *r, const char *line)
{
	size_t n = strlen(line);
	if (write(r->ctl, line, n) != (ssize_t)n || write(r->ctl, "\n", 1) != 1)
		die("cannot write to the fake's control pipe");
}

int console_stop(struct console_run *r, char **report)
{
	int rc = vt_close(r->vt, report);
	close(r->ctl);
	r->vt = NULL;
	return rc;
}
