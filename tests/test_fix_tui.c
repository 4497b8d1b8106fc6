/* test_fix_tui: the console's fix view against the simulator (the demo site): f on a check
 * result opens the plan, Esc leaves without writing, f again asks y/N and y applies it on a
 * worker, with the write and the re-run shown in the view and the history row stored. */
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli/cli.h"
#include "core/util.h"
#include "tests/support/simproc.h"
#include "tests/support/trun.h"
#include "tests/support/vt.h"

#define WAIT 15000

static struct simproc *sp;
static struct vt *t;
static char *dir, *db;

static int run_mcon(void *ud)
{
	(void)ud;
	char *argv[] = {(char *)"mcon", (char *)"--config", sp->conf, (char *)"--db", db, NULL};
	return cli_main(5, argv);
}

static void show(const char *why)
{
	char *s = vt_screen(t);
	cr_log_error("%s:\n%s", why, s);
	free(s);
}

/* POSTs other than the key's write probe in MailCow's API log. */
static int writes(void)
{
	int st;
	char *out = simproc_sh(sp, &st, "curl -sS --cacert \"$SIM_CA\" -H \"X-API-Key: $SIM_KEY\" \"$SIM_API/get/logs/api/10000\"");
	json_t *log = json_loads(out, 0, NULL);
	cr_assert_not_null(log, "%s", out);
	free(out);
	int n = 0;
	size_t i;
	json_t *e;
	json_array_foreach(log, i, e) {
		const char *m = json_string_value(json_object_get(e, "method"));
		const char *d = json_string_value(json_object_get(e, "data"));
		if (m && strcmp(m, "POST") == 0 && !(d && strstr(d, "\"items\":[]")))
			n++;
	}
	json_decref(log);
	return n;
}

Test(fix_tui, plan_esc_then_apply, .timeout = 120)
{
	sp = simproc_start(NULL, NULL);
	cr_assert(sp, "the simulator did not start");
	dir = tdir_make("fix-tui", 0700);
	db = xasprintf("%s/state.db", dir);
	char *key = xasprintf("MCON_API_KEY=%s", sp->api_key);
	const char *env[] = {key, NULL};
	t = vt_spawn(24, 100, NULL, env, run_mcon, NULL);
	if (!vt_wait(t, "refreshed", WAIT))
		show("no first screen");
	vt_char(t, '5');
	vt_char(t, '/');
	cr_assert(vt_wait(t, "filter (Esc clears):", WAIT));
	vt_type(t, "mta_sts.policy wasted");
	vt_key(t, VTERM_KEY_ENTER);
	vt_char(t, 'f');
	bool ok = vt_wait(t, "POST /api/v1/edit/mta-sts", WAIT);
	if (!ok)
		show("no plan");
	cr_assert(ok);
	cr_expect(vt_contains(t, "f asks y/N"));
	vt_key(t, VTERM_KEY_ESCAPE);
	cr_expect(vt_wait_gone(t, "POST /api/v1/edit/mta-sts", WAIT));
	cr_expect_eq(writes(), 0, "Esc writes nothing");

	vt_char(t, 'f');
	cr_assert(vt_wait(t, "POST /api/v1/edit/mta-sts", WAIT));
	vt_char(t, 'f');
	cr_assert(vt_wait(t, "Write this to MailCow? [y/N]", WAIT));
	vt_char(t, 'y'); /* one key answers */
	ok = vt_wait(t, "re-run: mta_sts.policy wasted-bandwidth.net: ok", WAIT);
	if (!ok)
		show("no re-run");
	cr_expect(ok);
	cr_expect(vt_contains(t, "_mta-sts.wasted-bandwidth.net. 3600 IN TXT"), "the new _mta-sts line");
	cr_expect_eq(writes(), 1);

	vt_key(t, VTERM_KEY_ESCAPE);
	vt_char(t, '6');
	ok = vt_wait(t, "mta_sts.policy:wasted", WAIT) && vt_contains(t, "POST /api/v1/edit/mta-sts");
	if (!ok)
		show("no history row");
	cr_expect(ok);

	char *report = NULL;
	int rc = vt_close(t, &report);
	if (report)
		cr_log_error("%s", report);
	cr_expect_null(report);
	free(report);
	cr_expect_eq(rc, 0);
	cr_expect_eq(simproc_stop(sp), 0);
	free(key);
	tdir_remove(dir);
	free(dir);
	free(db);
}
