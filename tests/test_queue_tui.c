/* test_queue_tui: the console's daily actions against the simulator, through the pty: the
 * mail queue pane (filter, hold, flush and delete, each y/N, each in the history), the
 * refusal a read-only key gets, a container's restart with its history row, and following
 * a container's log while the simulator writes new lines. */
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
static char *dir, *db, *key;

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

#define EXPECT_WAIT(needle, why)                                \
	do {                                                    \
		bool ok_ = vt_wait(t, (needle), WAIT);          \
		if (!ok_)                                       \
			show(why);                              \
		cr_assert(ok_, "%s: no \"%s\"", why, needle);   \
	} while (0)

/* The data of MailCow's API log entries for POSTs to route (edit/mailq, ...), joined. */
static char *posts(const char *route)
{
	int st;
	char *out = simproc_sh(sp, &st, "curl -sS --cacert \"$SIM_CA\" -H \"X-API-Key: $SIM_KEY\" \"$SIM_API/get/logs/api/10000\"");
	json_t *log = json_loads(out, 0, NULL);
	cr_assert_not_null(log, "%s", out);
	free(out);
	struct buf b = {0};
	size_t i;
	json_t *e;
	json_array_foreach(log, i, e) {
		const char *m = json_string_value(json_object_get(e, "method"));
		const char *u = json_string_value(json_object_get(e, "uri"));
		const char *d = json_string_value(json_object_get(e, "data"));
		if (m && strcmp(m, "POST") == 0 && u && strstr(u, route))
			buf_printf(&b, "%s\n", d ? d : "");
	}
	json_decref(log);
	return buf_steal(&b);
}

/* The queue as the API gives it now. */
static json_t *queue_now(void)
{
	int st;
	char *out = simproc_sh(sp, &st, "curl -sS --cacert \"$SIM_CA\" -H \"X-API-Key: $SIM_KEY\" \"$SIM_API/get/mailq/all\"");
	json_t *q = json_loads(out, 0, NULL);
	cr_assert(json_is_array(q), "%s", out);
	free(out);
	return q;
}

static void start(bool ro, int cols)
{
	sp = simproc_start(NULL, NULL);
	cr_assert(sp, "the simulator did not start");
	cr_assert(simproc_ctl_ok(sp, "mailq deferred 3"));
	dir = tdir_make("queue-tui", 0700);
	db = xasprintf("%s/state.db", dir);
	key = xasprintf("MCON_API_KEY=%s", ro ? sp->api_key_ro : sp->api_key);
	const char *env[] = {key, NULL};
	t = vt_spawn(30, cols, NULL, env, run_mcon, NULL);
	if (!vt_wait(t, "refreshed", WAIT))
		show("no first screen");
}

static void finish(void)
{
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

Test(queue_tui, filter_hold_flush_delete)
{
	start(false, 140);
	vt_char(t, '7');
	EXPECT_WAIT("user3@example.org", "the queue pane");
	cr_expect(vt_contains(t, "deferred"));
	cr_expect(vt_contains(t, "admin@netgrimoire.com"));
	cr_expect(vt_contains(t, "451 4.7.1"), "the deferral reason");

	vt_char(t, '/');
	EXPECT_WAIT("filter (Esc clears):", "the filter prompt");
	vt_type(t, "user2@");
	vt_key(t, VTERM_KEY_ENTER);
	cr_expect(vt_wait_gone(t, "user3@example.org", WAIT), "the filter hides the others");
	cr_expect(vt_contains(t, "user2@example.org"));

	/* hold the one under the cursor */
	json_t *q = queue_now();
	char *held_id = NULL;
	size_t i;
	json_t *it;
	json_array_foreach(q, i, it)
		if (strstr(json_string_value(json_array_get(json_object_get(it, "recipients"), 0)), "user2@"))
			held_id = xstrdup(json_string_value(json_object_get(it, "queue_id")));
	cr_assert_not_null(held_id);
	char *ask = xasprintf("Hold message %s? [y/N]", held_id);
	vt_char(t, 'H');
	EXPECT_WAIT(ask, "the hold question");
	free(ask);
	vt_char(t, 'y');
	EXPECT_WAIT("hold: ", "the hold's outcome");
	char *p = posts("edit/mailq");
	char *want = xasprintf("\"items\":[\"%s\"],\"attr\":{\"action\":\"hold\"}", held_id);
	cr_expect(strstr(p, want), "the hold request: %s", p);
	free(want);
	free(p);
	/* the refresh after the write shows it held */
	EXPECT_WAIT(" hold ", "the held message after the refresh");

	vt_key(t, VTERM_KEY_ESCAPE); /* clears the filter */
	EXPECT_WAIT("user3@example.org", "the whole queue again");
	vt_char(t, 'x');
	EXPECT_WAIT("Flush the mail queue (deliver every message now)? [y/N]", "the flush question");
	vt_char(t, 'y');
	EXPECT_WAIT("flush: the whole queue", "the flush's outcome");
	cr_expect(vt_wait_gone(t, "user3@example.org", WAIT), "flushed messages leave the queue");
	cr_expect(vt_contains(t, "user2@example.org"), "a held message stays");
	json_decref(q);
	q = queue_now();
	cr_expect_eq(json_array_size(q), 1);
	json_decref(q);

	vt_char(t, 'D');
	EXPECT_WAIT("Delete message ", "the delete question");
	vt_char(t, 'n');
	EXPECT_WAIT("declined: nothing was written to MailCow", "n declines");
	p = posts("delete/mailq");
	cr_expect_str_empty(p, "n writes nothing");
	free(p);
	vt_char(t, 'D');
	EXPECT_WAIT("Delete message ", "the delete question again");
	vt_char(t, 'y');
	EXPECT_WAIT("(the mail queue is empty", "the empty queue");
	q = queue_now();
	cr_expect_eq(json_array_size(q), 0);
	json_decref(q);

	vt_char(t, '6');
	EXPECT_WAIT("[6 History]", "the history pane");
	EXPECT_WAIT("queue", "the history's queue rows");
	if (!vt_contains(t, "flush") || !vt_contains(t, held_id))
		show("the history");
	cr_expect(vt_contains(t, "queue"));
	cr_expect(vt_contains(t, "flush"));
	cr_expect(vt_contains(t, held_id), "the history names the queue id");
	free(held_id);
	finish();
}

Test(queue_tui, read_only_key_is_refused)
{
	start(true, 120);
	vt_char(t, '7');
	EXPECT_WAIT("user3@example.org", "the queue pane with a read-only key");
	vt_char(t, 'x');
	EXPECT_WAIT("read-only", "the refusal");
	cr_expect(!vt_contains(t, "[y/N]"), "no question for a key that cannot write");
	vt_char(t, 'D');
	EXPECT_WAIT("the API key is read-only: nothing written", "the refusal again");
	char *p = posts("mailq");
	cr_expect_str_empty(p, "nothing was posted: %s", p);
	free(p);
	json_t *q = queue_now();
	cr_expect_eq(json_array_size(q), 3);
	json_decref(q);
	finish();
}

Test(queue_tui, restart_and_follow)
{
	start(false, 120);
	vt_char(t, '2');
	vt_char(t, '/');
	EXPECT_WAIT("filter (Esc clears):", "the filter prompt");
	vt_type(t, "dovecot");
	vt_key(t, VTERM_KEY_ENTER);
	cr_expect(vt_wait_gone(t, "nginx-mailcow", WAIT));
	int st;
	char *before = simproc_sh(sp, &st, "docker inspect -f '{{.State.StartedAt}}' mailcowdockerized-dovecot-mailcow-1");
	vt_char(t, 'R');
	EXPECT_WAIT("Restart dovecot-mailcow (container ", "the restart question");
	vt_char(t, 'y');
	EXPECT_WAIT("restarted dovecot-mailcow", "the restart's outcome");
	char *after = simproc_sh(sp, &st, "docker inspect -f '{{.State.StartedAt}}' mailcowdockerized-dovecot-mailcow-1");
	cr_expect_str_neq(before, after, "the container started again");
	free(before);
	free(after);
	vt_char(t, '6');
	EXPECT_WAIT("[6 History]", "the history pane");
	EXPECT_WAIT("restarted", "the history's restart row");
	cr_expect(vt_contains(t, "dovecot-mailcow"));

	vt_char(t, '2');
	EXPECT_WAIT("[2 Containers]", "the containers pane");
	vt_char(t, 'F');
	EXPECT_WAIT("-- following", "the follow");
	cr_assert(simproc_ctl_ok(sp, "log dovecot-mailcow imap-login: Login: user=<followed-line-one>"));
	EXPECT_WAIT("followed-line-one", "a new line while following");
	cr_assert(simproc_ctl_ok(sp, "log dovecot-mailcow imap-login: Login: user=<followed-line-two>"));
	EXPECT_WAIT("followed-line-two", "the next line while following");
	vt_key(t, VTERM_KEY_ESCAPE);
	EXPECT_WAIT("-- stopped following --", "Esc stops the follow");
	cr_expect(vt_contains(t, "followed-line-two"), "the view stays open with what came");
	finish();
}
