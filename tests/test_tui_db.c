/* The console on the real SQLite checklist: `mcon` (through cli_main) on a pty ticks, notes
 * and undoes in the shared database file, and an item another admin adds in another
 * connection shows up without a key. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cli/cli.h"
#include "core/who.h"
#include "db/db.h"
#include "tests/support/vt.h"
#include "tests/support/hang.h"

#define WAIT T_HANG_MS

static char dir[256], conf[300], dbpath[300];

static int run_mcon(void *ud)
{
	(void)ud;
	char *argv[] = {(char *)"mcon", (char *)"--config", conf, NULL};
	return cli_main(3, argv);
}

static void setup_site(void)
{
	const char *tmp = getenv("MCON_TEST_TMP");
	snprintf(dir, sizeof(dir), "%s/tuidb.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	cr_assert(mkdtemp(dir));
	snprintf(conf, sizeof(conf), "%s/mcon.conf", dir);
	snprintf(dbpath, sizeof(dbpath), "%s/mcon.db", dir);
	char *text = xasprintf("[site]\nname = testsite\n[mailcow]\nurl = https://127.0.0.1:9\ntimeout_ms = 200\n"
			       "[docker]\nhost = unix://%s/none.sock\n[dns]\nservers = 127.0.0.1:9\ntimeout_ms = 200\n"
			       "[state]\ndb = %s\n[ui]\nrefresh_s = 3600\n", dir, dbpath);
	cr_assert_eq(file_write_atomic(conf, text, strlen(text), 0600), 0);
	free(text);
}

static void teardown_site(void)
{
	char *cmd = xasprintf("rm -rf '%s'", dir);
	int rc = system(cmd);
	(void)rc;
	free(cmd);
}

static struct db_item *find_item(struct db_items *items, int64_t id)
{
	for (size_t i = 0; i < items->n; i++)
		if (items->v[i].id == id)
			return &items->v[i];
	return NULL;
}

Test(tui_db, tick_note_undo_in_the_shared_file, .init = setup_site, .fini = teardown_site)
{
	static const char *const env[] = {"SUDO_USER=alice", "SSH_CONNECTION=", NULL};
	struct vt *t = vt_spawn(24, 80, NULL, env, run_mcon, NULL);
	cr_assert(vt_wait(t, "[1 Domains]", WAIT));
	vt_char(t, '4');
	cr_assert(vt_wait(t, "#3", WAIT), "the seeded checklist did not show");
	vt_char(t, ' ');
	cr_assert(vt_wait(t, "tick #1", WAIT)); /* item 1 links outbound.ip: without a result the note is required */
	vt_type(t, "NAT rule in place");
	vt_key(t, VTERM_KEY_ENTER);
	cr_assert(vt_wait(t, "[x] #1", WAIT));

	struct db_error err = {0};
	struct db *db = db_open(dbpath, 0, &err);
	cr_assert(db, "%s", err.msg);
	struct db_items items = {0};
	cr_assert_eq(db_items_list(db, &items), DB_OK);
	struct db_item *it = find_item(&items, 1);
	cr_assert(it);
	cr_expect(it->done);
	cr_expect_str_eq(it->done_by, "alice");
	cr_assert_eq(it->notes.n, 1);
	cr_expect_str_eq(it->notes.v[0].note, "NAT rule in place");
	db_items_free(&items);

	/* another admin adds an item: it appears on the re-read timer, no key pressed */
	struct who bob;
	who_set(&bob, "bob", "192.0.2.7");
	int64_t id = 0;
	cr_assert_eq(db_item_add(db, &bob, "Rotate the relayhost password", NULL, NULL, &id), DB_OK);
	if (!vt_wait(t, "Rotate the relayhost password", WAIT)) {
		char *scr = vt_screen(t);
		cr_log_error("the screen:\n%s", scr);
		free(scr);
		cr_expect_fail("another admin's item did not show");
	}
	/* and ticks #3: the console shows who */
	cr_assert_eq(db_item_set_done(db, &bob, 3, true, "checked by hand", NULL), DB_OK);
	cr_expect(vt_wait(t, "bob@192.0.2.7", WAIT));

	/* u undoes the console's own last tick */
	vt_char(t, 'u');
	cr_expect(vt_wait(t, "[ ] #1", WAIT));
	memset(&items, 0, sizeof(items));
	cr_assert_eq(db_items_list(db, &items), DB_OK);
	it = find_item(&items, 1);
	cr_expect(it && !it->done);
	db_items_free(&items);
	db_close(db);

	char *report = NULL;
	int rc = vt_close(t, &report);
	if (report)
		cr_log_error("%s", report);
	cr_expect_null(report);
	free(report);
	cr_expect_eq(rc, 0);
}
