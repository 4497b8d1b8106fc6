/* test_db: the SQLite store on real files: opening, permissions, migrations, the checklist
 * and history APIs, and the errors for full, locked, corrupt and read-only databases. */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "core/pending.h"
#include "db/db.h"
#include "db/onboard.h"
#include "tests/support/trun.h"

static char *dir;
static char *path;

static void setup(void)
{
	dir = tdir_make("db", 0700);
	path = xasprintf("%s/mcon.db", dir);
	setenv("MCON_NOW", "2026-11-29T12:00:00Z", 1);
	unsetenv("MCON_DB_TIMEOUT_MS");
}

static void teardown(void)
{
	tdir_remove(dir);
	free(dir);
	free(path);
}

static struct db *open_ok(const char *p, unsigned flags)
{
	struct db_error err = {0};
	struct db *db = db_open(p, flags, &err);
	cr_assert(db, "db_open %s: %s", p, err.msg);
	return db;
}

/* Raw SQLite for what the API deliberately cannot do: inspect and damage files. */
static long long raw_int(const char *p, const char *sql)
{
	sqlite3 *h;
	cr_assert_eq(sqlite3_open_v2(p, &h, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
	sqlite3_stmt *st;
	cr_assert_eq(sqlite3_prepare_v2(h, sql, -1, &st, NULL), SQLITE_OK, "%s: %s", sql, sqlite3_errmsg(h));
	long long v = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
	sqlite3_finalize(st);
	sqlite3_close(h);
	return v;
}

static void raw_exec(const char *p, const char *sql)
{
	sqlite3 *h;
	cr_assert_eq(sqlite3_open_v2(p, &h, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
	cr_assert_eq(sqlite3_exec(h, sql, NULL, NULL, NULL), SQLITE_OK, "%s: %s", sql, sqlite3_errmsg(h));
	sqlite3_close(h);
}

static struct who alice(void)
{
	struct who w;
	who_set(&w, "alice", "203.0.113.5 50022 192.0.2.1 22");
	return w;
}

TestSuite(db, .init = setup, .fini = teardown);

/* The store takes parsed items: the runbook's seed, as the commands pass it. */
static int seed_runbook(struct db *db, const struct who *who, bool *seeded)
{
	struct pending_doc runbook;
	pending_seed(&runbook);
	int r = db_items_seed(db, who, runbook.items, runbook.n, seeded);
	pending_doc_free(&runbook);
	return r;
}

static int import_items(struct db *db, const struct who *who, const struct pending_doc *doc,
			struct db_import_result *res)
{
	struct pending_doc runbook;
	pending_seed(&runbook);
	int r = db_items_import(db, who, doc->items, doc->n, runbook.items, runbook.n, res);
	pending_doc_free(&runbook);
	return r;
}

Test(db, creates_directory_and_file_private_in_wal_mode)
{
	char *deep = xasprintf("%s/state/mcon/mcon.db", dir);
	struct db *db = open_ok(deep, 0);
	cr_assert_eq(db_schema_version(db), DB_SCHEMA_VERSION);
	cr_assert_not(db_is_readonly(db));
	db_close(db);
	struct stat st;
	char *d = xasprintf("%s/state/mcon", dir);
	cr_assert_eq(stat(d, &st), 0);
	cr_assert_eq(st.st_mode & 07777, 0700, "directory mode %o", st.st_mode & 07777);
	cr_assert_eq(stat(deep, &st), 0);
	cr_assert_eq(st.st_mode & 07777, 0600, "file mode %o", st.st_mode & 07777);
	sqlite3 *h;
	sqlite3_open(deep, &h);
	sqlite3_stmt *q;
	sqlite3_prepare_v2(h, "PRAGMA journal_mode", -1, &q, NULL);
	cr_assert_eq(sqlite3_step(q), SQLITE_ROW);
	cr_assert_str_eq((const char *)sqlite3_column_text(q, 0), "wal");
	sqlite3_finalize(q);
	sqlite3_close(h);
	free(d);
	free(deep);
}

Test(db, migrates_an_older_database_forward_keeping_its_data)
{
	struct db_error err;
	struct db *db = db_open_version(path, 0, 1, &err);
	cr_assert(db, "%s", err.msg);
	cr_assert_eq(db_schema_version(db), 1);
	struct who w = alice();
	int64_t id;
	cr_assert_eq(db_item_add(db, &w, "Rotate the API key", "before friday", NULL, &id), DB_OK);
	db_close(db);
	cr_assert_eq(raw_int(path, "SELECT count(*) FROM sqlite_master WHERE name = 'history'"), 0);

	/* A reader of an old schema cannot upgrade it. */
	cr_assert_null(db_open(path, DB_OPEN_READONLY, &err));
	cr_assert_eq(err.status, DB_ERR_VERSION);
	cr_assert(strstr(err.msg, "needs upgrading"), "%s", err.msg);

	db = open_ok(path, 0);
	cr_assert_eq(db_schema_version(db), DB_SCHEMA_VERSION);
	cr_assert_eq(raw_int(path, "PRAGMA user_version"), DB_SCHEMA_VERSION);
	struct db_item it;
	cr_assert_eq(db_item_get(db, id, &it), DB_OK);
	cr_assert_str_eq(it.title, "Rotate the API key");
	cr_assert_eq(it.notes.n, 1);
	cr_assert_str_eq(it.notes.v[0].note, "before friday");
	db_item_free(&it);
	cr_assert_eq(db_history_add(db, 100, "container", "postfix-mailcow", "running", "exited", NULL), DB_OK);
	db_close(db);
}

/* Version 3 to 4: a domain onboarding started keeps its row and gets a remembered catch-all. */
Test(db, onboarding_remembers_the_catchall_target_across_the_migration)
{
	struct db_error err;
	struct db *db = db_open_version(path, 0, 3, &err);
	cr_assert(db, "%s", err.msg);
	char d[] = "example.org", step[] = "domain", who[] = "alice";
	struct onboard_outcome o = {.domain = d, .step = step, .state = OB_DONE, .at = 100, .who = who};
	cr_assert_eq(db_onboard_save(db, &o), DB_OK);
	db_close(db);
	db = open_ok(path, 0);
	cr_assert_eq(db_schema_version(db), 6);
	cr_assert_null(db_onboard_catchall(db, "example.org"));
	cr_assert_eq(db_onboard_set_catchall(db, "example.org", "postmaster@example.org", 200), DB_OK);
	cr_assert_eq(db_onboard_set_catchall(db, "new.example", "admin@example.org", 300), DB_OK);
	db_close(db);
	db = open_ok(path, DB_OPEN_READONLY);
	char *t = db_onboard_catchall(db, "example.org");
	cr_assert_str_eq(t, "postmaster@example.org");
	free(t);
	t = db_onboard_catchall(db, "new.example");
	cr_assert_str_eq(t, "admin@example.org");
	free(t);
	cr_assert_null(db_onboard_catchall(db, "other.example"));
	struct onboard_outcome *v;
	size_t n;
	cr_assert_eq(db_onboard_load(db, "example.org", &v, &n), DB_OK);
	cr_assert_eq(n, 1, "the step stored before the migration is kept");
	db_onboard_outcomes_free(v, n);
	cr_assert_eq(db_onboard_set_catchall(db, "example.org", "x@example.org", 400), DB_ERR_READONLY);
	db_close(db);
}

Test(db, refuses_a_newer_schema_and_leaves_it_alone)
{
	db_close(open_ok(path, 0));
	raw_exec(path, "PRAGMA user_version = 99");
	struct db_error err = {0};
	cr_assert_null(db_open(path, 0, &err));
	cr_assert_eq(err.status, DB_ERR_VERSION);
	cr_assert(strstr(err.msg, "version 99") && strstr(err.msg, "newer") && strstr(err.msg, "upgrade mcon"),
		  "%s", err.msg);
	cr_assert_eq(raw_int(path, "PRAGMA user_version"), 99);
}

Test(db, checklist_changes_are_journaled_with_who_and_when)
{
	struct db *db = open_ok(path, 0);
	struct who a = alice(), b;
	who_set(&b, "bob", NULL);
	struct strv links = {0};
	strv_push(&links, "dkim.selector");
	int64_t id;
	cr_assert_eq(db_item_add(db, &a, "  Publish the   mxroute selector ", "ticket 42", &links, &id), DB_OK);
	strv_free(&links);

	setenv("MCON_NOW", "2026-11-29T13:30:00Z", 1);
	bool changed = false;
	cr_assert_eq(db_item_set_done(db, &b, id, true, "published", &changed), DB_OK);
	cr_assert(changed);
	cr_assert_eq(db_item_set_done(db, &a, id, true, NULL, &changed), DB_OK);
	cr_assert_not(changed, "ticking a done item changes nothing");
	struct db_item it;
	cr_assert_eq(db_item_get(db, id, &it), DB_OK);
	cr_assert_str_eq(it.title, "Publish the mxroute selector");
	cr_assert(it.done);
	cr_assert_eq(it.created_at, 1795953600);   /* 2026-11-29T12:00:00Z */
	cr_assert_str_eq(it.created_by, "alice");
	cr_assert_str_eq(it.created_from, "203.0.113.5");
	cr_assert_eq(it.done_at, 1795959000);
	cr_assert_str_eq(it.done_by, "bob");
	cr_assert_null(it.done_from);
	cr_assert_eq(it.links.n, 1);
	cr_assert_str_eq(it.links.v[0], "dkim.selector");
	cr_assert_eq(it.notes.n, 2);
	db_item_free(&it);

	bool now_done = true;
	cr_assert_eq(db_item_toggle(db, &a, id, NULL, &now_done), DB_OK);
	cr_assert_not(now_done);
	cr_assert_eq(db_item_note(db, &b, id, "waiting for DNS"), DB_OK);
	cr_assert_eq(db_item_get(db, id, &it), DB_OK);
	cr_assert_not(it.done);
	cr_assert_eq(it.done_at, 0);
	cr_assert_null(it.done_by);
	db_item_free(&it);

	struct db_events ev;
	cr_assert_eq(db_events_list(db, id, &ev), DB_OK);
	enum db_action want[] = {DB_ACT_ADD, DB_ACT_DONE, DB_ACT_REOPEN, DB_ACT_NOTE};
	cr_assert_eq(ev.n, 4);
	for (size_t i = 0; i < ev.n; i++)
		cr_assert_eq(ev.v[i].action, want[i], "event %zu is %s", i, db_action_name(ev.v[i].action));
	cr_assert_str_eq(ev.v[2].who, "alice");
	cr_assert_str_eq(ev.v[2].from, "203.0.113.5");
	cr_assert_null(ev.v[2].note);
	cr_assert_str_eq(ev.v[3].note, "waiting for DNS");
	db_events_free(&ev);
	db_close(db);
}

Test(db, checklist_rejects_bad_input_and_unknown_items)
{
	struct db *db = open_ok(path, 0);
	struct who a = alice();
	int64_t id;
	cr_assert_eq(db_item_add(db, &a, "   ", NULL, NULL, &id), DB_ERR_INVALID);
	cr_assert_eq(db_item_add(db, &a, "red \x1b[31m title", NULL, NULL, &id), DB_ERR_INVALID);
	struct strv links = {0};
	strv_push(&links, "Not A Check");
	cr_assert_eq(db_item_add(db, &a, "Fine title", NULL, &links, &id), DB_ERR_INVALID);
	cr_assert(strstr(db_errmsg(db), "Not A Check"), "%s", db_errmsg(db));
	strv_free(&links);
	cr_assert_eq(db_item_add(db, &a, "Fine title", NULL, NULL, &id), DB_OK);
	cr_assert_eq(db_item_add(db, &a, "Fine  title", NULL, NULL, NULL), DB_ERR_INVALID, "same normalised title");
	cr_assert(strstr(db_errmsg(db), "already"), "%s", db_errmsg(db));
	cr_assert_eq(db_item_set_done(db, &a, 999, true, NULL, NULL), DB_ERR_NOTFOUND);
	cr_assert(strstr(db_errmsg(db), "no item 999"), "%s", db_errmsg(db));
	cr_assert_eq(db_item_note(db, &a, 999, "x"), DB_ERR_NOTFOUND);
	cr_assert_eq(db_item_note(db, &a, id, ""), DB_ERR_INVALID);
	cr_assert_eq(db_item_note(db, &a, id, "two\nlines"), DB_ERR_INVALID);
	cr_assert_eq(db_item_note(db, &a, id, "caf\xe9"), DB_ERR_INVALID);
	cr_assert_eq(db_item_add(db, &a, "caf\xe9", NULL, NULL, NULL), DB_ERR_INVALID);
	struct db_item it;
	cr_assert_eq(db_item_get(db, 999, &it), DB_ERR_NOTFOUND);
	struct db_events ev;
	cr_assert_eq(db_events_list(db, 0, &ev), DB_OK);
	cr_assert_eq(ev.n, 1, "only the one good add is journaled, got %zu", ev.n);
	db_events_free(&ev);
	db_close(db);
}

Test(db, seeds_the_runbook_items_once)
{
	struct db *db = open_ok(path, 0);
	struct who a = alice();
	bool seeded = false;
	cr_assert_eq(seed_runbook(db, &a, &seeded), DB_OK);
	cr_assert(seeded);
	struct db_items items;
	cr_assert_eq(db_items_list(db, &items), DB_OK);
	cr_assert_eq(items.n, 3);
	cr_assert_str_eq(items.v[0].title, "Dedicated ATT_Mail static IP for outbound mail (OPNsense outbound NAT rule)");
	cr_assert_eq(items.v[0].links.n, 1);
	cr_assert_str_eq(items.v[0].links.v[0], "outbound.ip");
	cr_assert_str_eq(items.v[1].title, "Second DKIM selector (`mxroute`) validation");
	cr_assert_eq(items.v[1].links.n, 1);
	cr_assert_str_eq(items.v[1].links.v[0], "dkim.selector");
	cr_assert_str_eq(items.v[2].title, "MTA-STS validation (supported since Sep 2025 update)");
	cr_assert_eq(items.v[2].links.n, 2);
	cr_assert(strv_contains(&items.v[2].links, "mta_sts.record"));
	cr_assert(strv_contains(&items.v[2].links, "mta_sts.policy"));
	for (size_t i = 0; i < 3; i++) {
		cr_assert_not(items.v[i].done);
		cr_assert_str_eq(items.v[i].source, "seed");
	}
	int64_t first = items.v[0].id;
	db_items_free(&items);

	cr_assert_eq(db_item_set_done(db, &a, first, true, NULL, NULL), DB_OK);
	db_close(db);
	db = open_ok(path, 0);
	cr_assert_eq(seed_runbook(db, &a, &seeded), DB_OK);
	cr_assert_not(seeded, "a second first use");
	cr_assert_eq(db_items_list(db, &items), DB_OK);
	cr_assert_eq(items.n, 3);
	cr_assert(items.v[0].done);
	db_items_free(&items);
	db_close(db);
}

static void parse_file(const char *file, struct pending_doc *doc)
{
	char *text = file_read(file, 0, NULL);
	cr_assert(text, "cannot read %s (tests run from the repository root)", file);
	pending_parse(text, doc);
	free(text);
}

Test(db, import_is_idempotent_and_ticks_done_items)
{
	struct db *db = open_ok(path, 0);
	struct who a = alice();
	struct pending_doc doc;
	parse_file("tests/data/MailCow-Overview.md", &doc);
	cr_assert_eq(doc.n, 3);
	struct db_import_result res;
	cr_assert_eq(import_items(db, &a, &doc, &res), DB_OK);
	cr_assert_eq(res.added, 3);
	db_import_result_free(&res);
	cr_assert_eq(import_items(db, &a, &doc, &res), DB_OK);
	cr_assert_eq(res.added, 0);
	cr_assert_eq(res.unchanged, 3);
	db_import_result_free(&res);
	pending_doc_free(&doc);

	/* An import counts as first use: seeding adds nothing after it. */
	bool seeded = true;
	cr_assert_eq(seed_runbook(db, &a, &seeded), DB_OK);
	cr_assert_not(seeded);

	pending_parse("## Pending\n\n- [X] Second   DKIM selector (`mxroute`) validation\n"
		      "- [ ] A new one <!-- mcon-link: spf.record -->\n", &doc);
	cr_assert_eq(import_items(db, &a, &doc, &res), DB_OK);
	cr_assert_eq(res.added, 1);
	cr_assert_eq(res.ticked, 1);
	db_import_result_free(&res);
	pending_doc_free(&doc);

	pending_parse("## Pending\n- [ ] Second DKIM selector (`mxroute`) validation\n", &doc);
	cr_assert_eq(import_items(db, &a, &doc, &res), DB_OK);
	cr_assert_eq(res.kept_done.n, 1, "done here, open in the file: stays done");
	db_import_result_free(&res);
	pending_doc_free(&doc);

	struct db_items items;
	cr_assert_eq(db_items_list(db, &items), DB_OK);
	cr_assert_eq(items.n, 4);
	cr_assert(items.v[1].done);
	cr_assert_str_eq(items.v[1].done_by, "alice");
	/* The runbook items got the links of the embedded seed, the new one its marker's. */
	cr_assert_eq(items.v[1].links.n, 1);
	cr_assert_str_eq(items.v[1].links.v[0], "dkim.selector");
	cr_assert_eq(items.v[2].links.n, 2);
	cr_assert_str_eq(items.v[3].title, "A new one");
	cr_assert_str_eq(items.v[3].links.v[0], "spf.record");
	db_items_free(&items);
	struct db_events ev;
	cr_assert_eq(db_events_list(db, 0, &ev), DB_OK);
	cr_assert_eq(ev.n, 5, "3 imports, 1 tick by import, 1 new item");
	for (size_t i = 0; i < ev.n; i++)
		cr_assert_eq(ev.v[i].action, DB_ACT_IMPORT);
	db_events_free(&ev);
	db_close(db);
}

Test(db, history_lists_newest_first_since_and_prunes)
{
	struct db *db = open_ok(path, 0);
	time_t day = 86400, now = 1795953600;
	cr_assert_eq(db_history_add(db, now - 500 * day, "check", "spf.record/a.example", "ok", "critical", "old"), DB_OK);
	cr_assert_eq(db_history_add(db, now - 2 * day, "container", "postfix-mailcow", "running", "exited", NULL), DB_OK);
	cr_assert_eq(db_history_add(db, now - 3600, "container", "postfix-mailcow", "exited", "running", NULL), DB_OK);
	cr_assert_eq(db_history_add(db, now, "", "x", NULL, NULL, NULL), DB_ERR_INVALID);
	struct db_history_list l;
	cr_assert_eq(db_history_list(db, now - 3 * day, 0, &l), DB_OK);
	cr_assert_eq(l.n, 2);
	cr_assert_eq(l.v[0].at, now - 3600);
	cr_assert_str_eq(l.v[0].to, "running");
	cr_assert_null(l.v[0].detail);
	cr_assert_eq(l.v[1].at, now - 2 * day);
	db_history_list_free(&l);

	long deleted = -1;
	cr_assert_eq(db_prune(db, now, 400, &deleted), DB_OK);
	cr_assert_eq(deleted, 1);
	cr_assert_eq(db_history_list(db, 0, 0, &l), DB_OK);
	cr_assert_eq(l.n, 2);
	db_history_list_free(&l);
	cr_assert_eq(db_prune(db, now, 1, &deleted), DB_OK);
	cr_assert_eq(deleted, 1);
	cr_assert_eq(db_prune(db, now, 0, &deleted), DB_ERR_INVALID);
	db_close(db);
}

Test(db, state_record_stores_only_changes)
{
	struct db *db = open_ok(path, 0);
	bool changed;
	char *v = (char *)"x";
	cr_assert_eq(db_state_get(db, "restarts", "postfix-mailcow", &v), DB_OK);
	cr_assert_null(v);
	cr_assert_eq(db_state_record(db, 10, "restarts", "postfix-mailcow", "0", NULL, &changed), DB_OK);
	cr_assert(changed, "the first value is a change");
	cr_assert_eq(db_state_record(db, 20, "restarts", "postfix-mailcow", "0", NULL, &changed), DB_OK);
	cr_assert_not(changed);
	cr_assert_eq(db_state_record(db, 30, "restarts", "postfix-mailcow", "3", "OOM", &changed), DB_OK);
	cr_assert(changed);
	cr_assert_eq(db_state_get(db, "restarts", "postfix-mailcow", &v), DB_OK);
	cr_assert_str_eq(v, "3");
	free(v);
	cr_assert_eq(db_state_put(db, 40, "restarts", "dovecot-mailcow", "1"), DB_OK);
	cr_assert_eq(db_state_get(db, "restarts", "dovecot-mailcow", &v), DB_OK);
	cr_assert_str_eq(v, "1");
	free(v);
	struct db_history_list l;
	cr_assert_eq(db_history_list(db, 0, 0, &l), DB_OK);
	cr_assert_eq(l.n, 2);
	cr_assert_str_eq(l.v[0].from, "0");
	cr_assert_str_eq(l.v[0].to, "3");
	cr_assert_str_eq(l.v[0].detail, "OOM");
	cr_assert_null(l.v[1].from);
	db_history_list_free(&l);
	db_close(db);
}

Test(db, check_state_keeps_since_until_the_status_changes)
{
	struct db *db = open_ok(path, 0);
	char *prev = (char *)"x";
	cr_assert_eq(db_check_put(db, 100, "dkim.selector", "a.example/mxroute", "critical", "missing", &prev), DB_OK);
	cr_assert_null(prev);
	cr_assert_eq(db_check_put(db, 200, "dkim.selector", "a.example/mxroute", "critical", "still missing", &prev), DB_OK);
	cr_assert_str_eq(prev, "critical");
	free(prev);
	struct db_check_state s;
	cr_assert_eq(db_check_get(db, "dkim.selector", "a.example/mxroute", &s), DB_OK);
	cr_assert_eq(s.since, 100);
	cr_assert_eq(s.at, 200);
	cr_assert_str_eq(s.summary, "still missing");
	db_check_state_free(&s);
	cr_assert_eq(db_check_put(db, 300, "dkim.selector", "a.example/mxroute", "ok", "published", NULL), DB_OK);
	cr_assert_eq(db_check_put(db, 300, "spf.record", "a.example", "warning", "p", NULL), DB_OK);
	cr_assert_eq(db_check_put(db, 300, "spf.record", "a.example", "bad", "p", NULL), DB_ERR_INVALID);
	struct db_check_states l;
	cr_assert_eq(db_check_list(db, &l), DB_OK);
	cr_assert_eq(l.n, 2);
	cr_assert_str_eq(l.v[0].check, "dkim.selector");
	cr_assert_str_eq(l.v[0].status, "ok");
	cr_assert_eq(l.v[0].since, 300);
	db_check_states_free(&l);
	cr_assert_eq(db_check_get(db, "nope", "x", &s), DB_ERR_NOTFOUND);
	db_close(db);
}

Test(db, grouped_writes_commit_together_or_not_at_all)
{
	struct db *db = open_ok(path, 0);
	cr_assert_eq(db_begin(db), DB_OK);
	cr_assert_eq(db_history_add(db, 1, "k", "a", NULL, "1", NULL), DB_OK);
	cr_assert_eq(db_history_add(db, 2, "k", "b", NULL, "1", NULL), DB_OK);
	db_rollback(db);
	struct db_history_list l;
	cr_assert_eq(db_history_list(db, 0, 0, &l), DB_OK);
	cr_assert_eq(l.n, 0);
	cr_assert_eq(db_begin(db), DB_OK);
	cr_assert_eq(db_history_add(db, 1, "k", "a", NULL, "1", NULL), DB_OK);
	cr_assert_eq(db_history_add(db, 2, "k", "b", NULL, "1", NULL), DB_OK);
	cr_assert_eq(db_commit(db), DB_OK);
	cr_assert_eq(db_history_list(db, 0, 0, &l), DB_OK);
	cr_assert_eq(l.n, 2);
	db_history_list_free(&l);
	db_close(db);
}

Test(db, full_disk_is_reported_and_loses_nothing)
{
	struct db *db = open_ok(path, 0);
	struct who a = alice();
	cr_assert_eq(db_item_add(db, &a, "Committed before the disk filled", NULL, NULL, NULL), DB_OK);
	long pages = raw_int(path, "PRAGMA page_count");
	/* SQLite's size cap fails writes with SQLITE_FULL, the code a full disk gives. */
	db_set_max_pages(db, pages);
	int rc = DB_OK;
	char *big = xcalloc(1, 400);
	memset(big, 'n', 399);
	for (int i = 0; i < 200 && rc == DB_OK; i++) {
		char *t = xasprintf("Item %d", i);
		rc = db_item_add(db, &a, t, big, NULL, NULL);
		free(t);
	}
	free(big);
	cr_assert_eq(rc, DB_ERR_FULL, "got %d: %s", rc, db_errmsg(db));
	cr_assert(strstr(db_errmsg(db), "disk full") && strstr(db_errmsg(db), "free space"), "%s", db_errmsg(db));
	db_close(db);
	db = open_ok(path, 0);
	cr_assert_eq(db_integrity_check(db), DB_OK);
	struct db_items items;
	cr_assert_eq(db_items_list(db, &items), DB_OK);
	cr_assert_geq(items.n, 1);
	cr_assert_str_eq(items.v[0].title, "Committed before the disk filled");
	struct db_events ev;
	cr_assert_eq(db_events_list(db, 0, &ev), DB_OK);
	cr_assert_eq(ev.n, items.n, "every stored item has its journal entry, no half writes");
	db_events_free(&ev);
	db_items_free(&items);
	db_close(db);
}

Test(db, locked_past_the_timeout_is_reported)
{
	struct db *holder = open_ok(path, 0), *db = open_ok(path, 0);
	struct who a = alice();
	cr_assert_eq(db_begin(holder), DB_OK);
	cr_assert_eq(db_history_add(holder, 1, "k", "held", NULL, "1", NULL), DB_OK);
	db_set_busy_timeout(db, 150);
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	int rc = db_item_add(db, &a, "Blocked", NULL, NULL, NULL);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	cr_assert_eq(rc, DB_ERR_BUSY, "got %d: %s", rc, db_errmsg(db));
	cr_assert(strstr(db_errmsg(db), "locked") && strstr(db_errmsg(db), "150 ms"), "%s", db_errmsg(db));
	double waited = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	cr_assert_geq(waited, 0.1, "it waited for the timeout (%.3f s)", waited);
	/* Readers are not blocked by a writer in WAL mode. */
	struct db_items items;
	cr_assert_eq(db_items_list(db, &items), DB_OK);
	db_items_free(&items);
	cr_assert_eq(db_commit(holder), DB_OK);
	cr_assert_eq(db_item_add(db, &a, "Blocked", NULL, NULL, NULL), DB_OK);
	db_close(holder);
	db_close(db);
}

Test(db, not_a_database_is_refused_untouched)
{
	const char junk[] = "this is a wiki page, not a database\n";
	cr_assert_eq(file_write_atomic(path, junk, sizeof(junk) - 1, 0600), 0);
	struct db_error err = {0};
	cr_assert_null(db_open(path, 0, &err));
	cr_assert_eq(err.status, DB_ERR_CORRUPT);
	cr_assert(strstr(err.msg, "not an mcon database") && strstr(err.msg, "backup"), "%s", err.msg);
	cr_assert_null(db_open(path, DB_OPEN_READONLY, &err));
	cr_assert_eq(err.status, DB_ERR_CORRUPT);
	size_t len;
	char *after = file_read(path, 0, &len);
	cr_assert_eq(len, sizeof(junk) - 1);
	cr_assert_str_eq(after, junk);
	free(after);
}

Test(db, damaged_pages_are_reported_as_corrupt)
{
	struct db *db = open_ok(path, 0);
	struct who a = alice();
	for (int i = 0; i < 50; i++) {
		char *t = xasprintf("Item %d", i);
		cr_assert_eq(db_item_add(db, &a, t, "some note text", NULL, NULL), DB_OK);
		free(t);
	}
	db_close(db);
	long psize = raw_int(path, "PRAGMA page_size"), pages = raw_int(path, "PRAGMA page_count");
	int fd = open(path, O_WRONLY);
	cr_assert_geq(fd, 0);
	char *junk = xmalloc((size_t)psize);
	memset(junk, 0xa5, (size_t)psize);
	for (long p = 1; p < pages; p++)
		cr_assert_eq(pwrite(fd, junk, (size_t)psize, (off_t)(p * psize)), psize);
	close(fd);
	free(junk);
	struct db_error err = {0};
	db = db_open(path, 0, &err);
	if (!db) {
		cr_assert_eq(err.status, DB_ERR_CORRUPT, "%s", err.msg);
		return;
	}
	struct db_items items;
	cr_assert_eq(db_items_list(db, &items), DB_ERR_CORRUPT, "%s", db_errmsg(db));
	cr_assert(strstr(db_errmsg(db), "corrupt"), "%s", db_errmsg(db));
	cr_assert_eq(db_integrity_check(db), DB_ERR_CORRUPT);
	db_close(db);
}

Test(db, read_only_open_reads_and_refuses_writes)
{
	struct db *db = open_ok(path, 0);
	struct who a = alice();
	bool seeded;
	cr_assert_eq(seed_runbook(db, &a, &seeded), DB_OK);
	db_close(db);
	db = open_ok(path, DB_OPEN_READONLY);
	cr_assert(db_is_readonly(db));
	struct db_items items;
	cr_assert_eq(db_items_list(db, &items), DB_OK);
	cr_assert_eq(items.n, 3);
	db_items_free(&items);
	cr_assert_eq(db_item_add(db, &a, "New", NULL, NULL, NULL), DB_ERR_READONLY);
	cr_assert(strstr(db_errmsg(db), "cannot be written"), "%s", db_errmsg(db));
	cr_assert_eq(db_item_set_done(db, &a, 1, true, NULL, NULL), DB_ERR_READONLY);
	cr_assert_eq(db_history_add(db, 1, "k", "t", NULL, NULL, NULL), DB_ERR_READONLY);
	cr_assert_eq(seed_runbook(db, &a, &seeded), DB_OK, "seeding is skipped on a read-only database");
	db_close(db);

	char *missing = xasprintf("%s/missing.db", dir);
	struct db_error err;
	cr_assert_null(db_open(missing, DB_OPEN_READONLY, &err));
	cr_assert_eq(err.status, DB_ERR_OPEN);
	cr_assert(strstr(err.msg, "does not exist"), "%s", err.msg);
	cr_assert_neq(access(missing, F_OK), 0, "a reader creates nothing");
	free(missing);
}

/* The console's first screen: none at first, then one row that each put replaces. */
Test(db, screen_is_one_row_replaced)
{
	struct db *db = open_ok(path, 0);
	time_t at = 99;
	char *data = (char *)"x";
	cr_assert_eq(db_screen_get(db, &at, &data), DB_OK);
	cr_expect_null(data);
	cr_expect_eq(at, 0);
	cr_assert_eq(db_screen_put(db, 100, "{\"a\":1}"), DB_OK);
	cr_assert_eq(db_screen_put(db, 160, "{\"b\":2}"), DB_OK);
	cr_assert_eq(db_screen_get(db, &at, &data), DB_OK);
	cr_expect_eq(at, 160);
	cr_expect_str_eq(data, "{\"b\":2}");
	free(data);
	db_close(db);
	cr_expect_eq(raw_int(path, "SELECT count(*) FROM screen"), 1);
}
