/* test_tasks: `mcon tasks` through the real binary on temporary databases: the runbook's
 * items on first use, ticking with who and when, JSON, markdown export and import, exit
 * codes, and the documented errors for read-only, locked and corrupt databases. */
#include <criterion/criterion.h>
#include <jansson.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "db/db.h"
#include "tests/support/trun.h"

static char *dir, *dbfile, *conf;
static char *pub;   /* the read-only tests' directory outside $MCON_TEST_TMP */

static void setup(void)
{
	dir = tdir_make("tasks", 0700);
	dbfile = xasprintf("%s/mcon.db", dir);
	conf = xasprintf("%s/mcon.conf", dir);
	cr_assert_eq(file_write_atomic(conf, "", 0, 0644), 0);
}

static void teardown(void)
{
	if (pub) {
		tdir_remove(pub);
		free(pub);
		pub = NULL;
	}
	tdir_remove(dir);
	free(dir);
	free(dbfile);
	free(conf);
}

TestSuite(tasks, .init = setup, .fini = teardown);

/* Runs mcon --config CONF --db DB args... with a fixed clock and user; env adds to that. */
static int run_as(struct trun *r, const char *bin, const char *db, const struct trun_opts *extra,
		  const char *const *args)
{
	const char *argv[32] = {bin, "--config", conf, "--db", db};
	size_t n = 5;
	for (size_t i = 0; args[i]; i++) {
		cr_assert_lt(n, ARRAY_SIZE(argv) - 1);
		argv[n++] = args[i];
	}
	argv[n] = NULL;
	const char *env[24] = {"MCON_NOW=2026-11-29T12:00:00Z", "SUDO_USER=alice", "SSH_CONNECTION", "MCON_CONFIG",
			       "MCON_DB_TIMEOUT_MS"};
	size_t e = 5;
	for (size_t i = 0; extra && extra->env && extra->env[i]; i++)
		env[e++] = extra->env[i];
	env[e] = NULL;
	struct trun_opts o = {.env = env};
	if (extra) {
		o.input = extra->input;
		o.uid = extra->uid;
		o.as_user = extra->as_user;
		o.cwd = extra->cwd;
	}
	return trun(r, &o, argv);
}

static int run(struct trun *r, const char *const *env, const char *const *args)
{
	struct trun_opts o = {.env = env};
	return run_as(r, trun_bin(), dbfile, &o, args);
}

#define ARGS(...) ((const char *const[]){__VA_ARGS__, NULL})
#define ENV(...) ((const char *const[]){__VA_ARGS__, NULL})

static const char *const titles[] = {
	"Dedicated ATT_Mail static IP for outbound mail (OPNsense outbound NAT rule)",
	"Second DKIM selector (`mxroute`) validation",
	"MTA-STS validation (supported since Sep 2025 update)",
};

static const char runbook_section[] =
	"## Pending\n\n"
	"- [ ] Dedicated ATT_Mail static IP for outbound mail (OPNsense outbound NAT rule)\n"
	"- [ ] Second DKIM selector (`mxroute`) validation\n"
	"- [ ] MTA-STS validation (supported since Sep 2025 update)\n";

Test(tasks, first_list_shows_the_three_runbook_items)
{
	struct trun r;
	cr_assert_eq(run(&r, NULL, ARGS("tasks", "list")), 0, "%s", r.err);
	for (size_t i = 0; i < 3; i++)
		cr_assert(strstr(r.out, titles[i]), "missing '%s' in:\n%s", titles[i], r.out);
	cr_assert(strstr(r.out, " 1  [ ] Dedicated"), "%s", r.out);
	cr_assert(strstr(r.out, "dkim.selector"), "%s", r.out);
	cr_assert(strstr(r.out, "mta_sts.record, mta_sts.policy"), "%s", r.out);
	cr_assert(strstr(r.out, "3 open, 0 done"), "%s", r.out);
	cr_assert_str_eq(r.err, "");
	trun_free(&r);
	/* Plain `mcon tasks` is the list too, and nothing was seeded twice. */
	cr_assert_eq(run(&r, NULL, ARGS("tasks")), 0);
	cr_assert(strstr(r.out, "3 open, 0 done"), "%s", r.out);
	trun_free(&r);
}

Test(tasks, done_with_note_records_who_and_when)
{
	struct trun r;
	cr_assert_eq(run(&r, NULL, ARGS("tasks", "list")), 0);
	trun_free(&r);
	cr_assert_eq(run(&r, ENV("MCON_NOW=2026-11-29T14:05:00Z", "SUDO_USER=bob",
				 "SSH_CONNECTION=198.51.100.7 40022 192.0.2.10 22"),
			 ARGS("tasks", "done", "2", "--note", "mxroute selector published")), 0, "%s", r.err);
	cr_assert(strstr(r.out, "done 2 [x] Second DKIM selector"), "%s", r.out);
	trun_free(&r);

	cr_assert_eq(run(&r, NULL, ARGS("tasks", "list")), 0);
	cr_assert(strstr(r.out, " 2  [x] Second DKIM selector"), "%s", r.out);
	cr_assert(strstr(r.out, "done 2026-11-29 14:05 UTC by bob (198.51.100.7)"), "%s", r.out);
	cr_assert(strstr(r.out, "added 2026-11-29 12:00 UTC by alice"), "%s", r.out);
	cr_assert(strstr(r.out, "2 open, 1 done"), "%s", r.out);
	trun_free(&r);

	cr_assert_eq(run(&r, NULL, ARGS("tasks", "list", "--json")), 0);
	json_error_t jerr;
	json_t *j = json_loads(r.out, 0, &jerr);
	cr_assert(j && json_is_array(j) && json_array_size(j) == 3, "%s\n%s", jerr.text, r.out);
	json_t *it = json_array_get(j, 1);
	cr_assert_eq(json_integer_value(json_object_get(it, "id")), 2);
	cr_assert_str_eq(json_string_value(json_object_get(it, "title")), titles[1]);
	cr_assert_str_eq(json_string_value(json_object_get(it, "state")), "done");
	cr_assert_str_eq(json_string_value(json_object_get(it, "created_at")), "2026-11-29T12:00:00Z");
	cr_assert_str_eq(json_string_value(json_object_get(it, "done_at")), "2026-11-29T14:05:00Z");
	cr_assert_str_eq(json_string_value(json_object_get(it, "done_by")), "bob");
	cr_assert_str_eq(json_string_value(json_object_get(it, "done_from")), "198.51.100.7");
	json_t *notes = json_object_get(it, "notes");
	cr_assert_eq(json_array_size(notes), 1);
	json_t *note = json_array_get(notes, 0);
	cr_assert_str_eq(json_string_value(json_object_get(note, "text")), "mxroute selector published");
	cr_assert_str_eq(json_string_value(json_object_get(note, "by")), "bob");
	cr_assert_str_eq(json_string_value(json_object_get(note, "at")), "2026-11-29T14:05:00Z");
	/* item 2 links dkim.selector and nothing was recorded yet: ticking it is an override */
	cr_assert_str_eq(json_string_value(json_object_get(note, "action")), "override");
	json_t *links = json_object_get(it, "links");
	cr_assert_eq(json_array_size(links), 1);
	cr_assert_str_eq(json_string_value(json_array_get(links, 0)), "dkim.selector");
	json_t *open = json_array_get(j, 0);
	cr_assert_str_eq(json_string_value(json_object_get(open, "state")), "open");
	cr_assert(json_is_null(json_object_get(open, "done_at")));
	cr_assert(json_is_null(json_object_get(open, "done_by")));
	cr_assert_eq(json_array_size(json_object_get(json_array_get(j, 2), "links")), 2);
	/* the outbound IP item is backed by outbound.ip */
	json_t *ip_links = json_object_get(open, "links");
	cr_assert_eq(json_array_size(ip_links), 1);
	cr_assert_str_eq(json_string_value(json_array_get(ip_links, 0)), "outbound.ip");
	json_decref(j);
	trun_free(&r);

	cr_assert_eq(run(&r, NULL, ARGS("tasks", "show", "2")), 0);
	cr_assert(strstr(r.out, "override by bob (198.51.100.7): mxroute selector published"), "%s", r.out);
	trun_free(&r);
}

Test(tasks, export_prints_the_section_with_ticks)
{
	struct trun r;
	cr_assert_eq(run(&r, NULL, ARGS("tasks", "export")), 0);
	cr_assert_str_eq(r.out, runbook_section);
	trun_free(&r);
	cr_assert_eq(run(&r, NULL, ARGS("tasks", "done", "3")), 2, "linked checks not recorded: a note is needed");
	trun_free(&r);
	cr_assert_eq(run(&r, NULL, ARGS("tasks", "done", "3", "--note", "policy published")), 0, "%s", r.err);
	trun_free(&r);
	cr_assert_eq(run(&r, NULL, ARGS("tasks", "add", "Rotate the read-only API key", "--link", "mailcow.api",
				   "--note", "after the audit")), 0, "%s", r.err);
	cr_assert(strstr(r.out, "added 4"), "%s", r.out);
	trun_free(&r);
	cr_assert_eq(run(&r, NULL, ARGS("tasks", "export")), 0);
	cr_assert_str_eq(r.out,
		"## Pending\n\n"
		"- [ ] Dedicated ATT_Mail static IP for outbound mail (OPNsense outbound NAT rule)\n"
		"- [ ] Second DKIM selector (`mxroute`) validation\n"
		"- [x] MTA-STS validation (supported since Sep 2025 update)\n"
		"- [ ] Rotate the read-only API key\n");
	trun_free(&r);
	cr_assert_eq(run(&r, NULL, ARGS("tasks", "reopen", "3", "--note", "policy still in testing")), 0);
	cr_assert(strstr(r.out, "reopened 3 [ ]"), "%s", r.out);
	trun_free(&r);
	cr_assert_eq(run(&r, NULL, ARGS("tasks", "note", "4", "ticket 1234")), 0);
	trun_free(&r);
	cr_assert_eq(run(&r, NULL, ARGS("tasks", "list")), 0);
	cr_assert(strstr(r.out, " 4  [ ] Rotate the read-only API key"), "%s", r.out);
	cr_assert(strstr(r.out, "mailcow.api"), "%s", r.out);
	cr_assert(strstr(r.out, "  2\n"), "item 4 has two notes:\n%s", r.out);
	trun_free(&r);
}

Test(tasks, import_of_the_runbook_round_trips)
{
	struct trun r;
	/* Import as the first use: the page is the list, byte for byte. */
	cr_assert_eq(run(&r, NULL, ARGS("tasks", "import", "tests/data/MailCow-Overview.md")), 0, "%s", r.err);
	cr_assert(strstr(r.out, "3 added, 0 ticked, 0 unchanged"), "%s", r.out);
	cr_assert_str_eq(r.err, "");
	trun_free(&r);
	cr_assert_eq(run(&r, NULL, ARGS("tasks", "import", "tests/data/MailCow-Overview.md")), 0);
	cr_assert(strstr(r.out, "0 added, 0 ticked, 3 unchanged"), "idempotent: %s", r.out);
	trun_free(&r);
	cr_assert_eq(run(&r, NULL, ARGS("tasks", "export")), 0);
	cr_assert_str_eq(r.out, runbook_section);
	trun_free(&r);
	/* The runbook's items get their check links from the embedded seed. */
	cr_assert_eq(run(&r, NULL, ARGS("tasks", "list")), 0);
	cr_assert(strstr(r.out, "mta_sts.record, mta_sts.policy"), "%s", r.out);
	trun_free(&r);

	/* The wiki ticked one: importing the edited page ticks it here. */
	struct trun_opts in = {.input = "# Page\n## Pending\n- [x] Second DKIM selector (`mxroute`) validation\n"};
	const char *argv[] = {trun_bin(), "--config", conf, "--db", dbfile, "tasks", "import", "-", NULL};
	in.env = ENV("MCON_NOW=2026-11-30T08:00:00Z", "SUDO_USER=carol", "SSH_CONNECTION", "MCON_CONFIG");
	cr_assert_eq(trun(&r, &in, argv), 0, "%s", r.err);
	cr_assert(strstr(r.out, "0 added, 1 ticked, 0 unchanged"), "%s", r.out);
	trun_free(&r);
	cr_assert_eq(run(&r, NULL, ARGS("tasks", "show", "2")), 0);
	cr_assert(strstr(r.out, "import  by carol"), "%s", r.out);
	cr_assert(strstr(r.out, "done:    2026-11-30 08:00 UTC by carol"), "%s", r.out);
	trun_free(&r);
}

Test(tasks, import_names_bad_lines_and_exit_codes)
{
	char *md = xasprintf("%s/page.md", dir);
	const char page[] = "## Pending\n- [ ] Good item\n- [?] broken box\nprose line\n";
	cr_assert_eq(file_write_atomic(md, page, sizeof(page) - 1, 0644), 0);
	struct trun r;
	cr_assert_eq(run(&r, NULL, ARGS("tasks", "import", md)), 0, "something imported: exit 0");
	cr_assert(strstr(r.err, "line 3: checkbox is not [ ] or [x]: - [?] broken box (skipped)"), "%s", r.err);
	cr_assert(strstr(r.err, "line 4: not a checklist item"), "%s", r.err);
	cr_assert(strstr(r.out, "1 added"), "%s", r.out);
	cr_assert(strstr(r.out, "2 lines skipped"), "%s", r.out);
	trun_free(&r);

	const char bad[] = "## Pending\n- [?] broken\n";
	cr_assert_eq(file_write_atomic(md, bad, sizeof(bad) - 1, 0644), 0);
	cr_assert_eq(run(&r, NULL, ARGS("tasks", "import", md)), 1);
	cr_assert(strstr(r.err, "nothing imported"), "%s", r.err);
	trun_free(&r);

	const char none[] = "# Just a page\n- [ ] outside any section\n";
	cr_assert_eq(file_write_atomic(md, none, sizeof(none) - 1, 0644), 0);
	cr_assert_eq(run(&r, NULL, ARGS("tasks", "import", md)), 1);
	cr_assert(strstr(r.err, "no '## Pending' section"), "%s", r.err);
	trun_free(&r);

	char *missing = xasprintf("%s/missing.md", dir);
	cr_assert_eq(run(&r, NULL, ARGS("tasks", "import", missing)), 1);
	cr_assert(strstr(r.err, "cannot read"), "%s", r.err);
	trun_free(&r);
	free(missing);
	free(md);
}

Test(tasks, usage_errors_exit_2_and_failures_exit_1)
{
	struct {
		const char *const *args;
		int code;
		const char *msg;
	} cases[] = {
		{ARGS("tasks", "frobnicate"), 2, "unknown subcommand"},
		{ARGS("tasks", "done"), 2, "give one item id"},
		{ARGS("tasks", "done", "abc"), 2, "not an item id"},
		{ARGS("tasks", "done", "0"), 2, "not an item id"},
		{ARGS("tasks", "add"), 2, "give the title"},
		{ARGS("tasks", "add", "two", "words"), 2, "quote it"},
		{ARGS("tasks", "add", "Title", "--link", "Bad Check"), 2, "not a check id"},
		{ARGS("tasks", "add", "Title", "--link", "dkim.nosuch"), 2, "'dkim.nosuch' is no check of mcon"},
		{ARGS("tasks", "add", "Title", "--link", "outbound.ip", "--link", "dkim.bogus"), 2, "no check of mcon"},
		{ARGS("tasks", "add", "Title", "--note"), 2, "needs a value"},
		{ARGS("tasks", "list", "--bogus"), 2, "unknown option '--bogus'"},
		{ARGS("tasks", "note", "1"), 2, "note text"},
		{ARGS("tasks", "export", "extra"), 2, "unexpected argument"},
		{ARGS("tasks", "done", "99"), 1, "no item 99"},
		{ARGS("tasks", "add", "caf\xe9 latin1"), 2, "not valid UTF-8"},
		{ARGS("tasks", "add", "Second DKIM selector (`mxroute`) validation"), 2, "already has this title"},
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct trun r;
		int code = run(&r, NULL, cases[i].args);
		cr_assert_eq(code, cases[i].code, "case %zu (%s %s): exit %d, stderr %s", i, cases[i].args[1],
			     cases[i].args[2] ? cases[i].args[2] : "", code, r.err);
		cr_assert(str_starts_with(r.err, "mcon: ") && strstr(r.err, cases[i].msg), "case %zu: %s", i, r.err);
		cr_assert_eq(strchr(r.err, '\n'), r.err + strlen(r.err) - 1, "one line: %s", r.err);
		trun_free(&r);
	}
	/* A --config file that does not exist is a configuration error. */
	struct trun r;
	char *other = xasprintf("%s/other.db", dir);
	const char *argv[] = {trun_bin(), "--config", "/nonexistent/mcon.conf", "--db", other, "tasks", "list", NULL};
	struct trun_opts o = {.env = ENV("MCON_CONFIG")};
	cr_assert_eq(trun(&r, &o, argv), 2);
	cr_assert(strstr(r.err, "/nonexistent/mcon.conf"), "%s", r.err);
	trun_free(&r);
	cr_assert_neq(access(other, F_OK), 0, "nothing was created on a config error");
	free(other);
}

Test(tasks, help_for_the_command_and_its_subcommands)
{
	struct trun r;
	const char *argv[] = {trun_bin(), "--help", NULL};
	cr_assert_eq(trun(&r, NULL, argv), 0);
	cr_assert(strstr(r.out, "mcon tasks"), "%s", r.out);
	trun_free(&r);
	const char *const *variants[] = {ARGS("tasks", "--help"), ARGS("tasks", "add", "--help"),
					 ARGS("tasks", "done", "-h")};
	for (size_t i = 0; i < ARRAY_SIZE(variants); i++) {
		cr_assert_eq(run(&r, NULL, variants[i]), 0);
		cr_assert(strstr(r.out, "mcon tasks add TITLE [--note TEXT] [--link CHECK]..."), "%s", r.out);
		cr_assert(strstr(r.out, "mcon tasks import FILE.md"), "%s", r.out);
		trun_free(&r);
	}
	cr_assert_neq(access(dbfile, F_OK), 0, "help opens no database");
}

Test(tasks, unicode_titles_and_notes_survive_json_and_export)
{
	struct trun r;
	cr_assert_eq(run(&r, NULL, ARGS("tasks", "add", "Prüfen: DKIM ✓ für netgrimoire.com", "--note", "schön")), 0,
		     "%s", r.err);
	trun_free(&r);
	cr_assert_eq(run(&r, NULL, ARGS("tasks", "list", "--json")), 0);
	json_t *j = json_loads(r.out, 0, NULL);
	cr_assert(j);
	json_t *it = json_array_get(j, 3);
	cr_assert_str_eq(json_string_value(json_object_get(it, "title")), "Prüfen: DKIM ✓ für netgrimoire.com");
	json_t *note = json_array_get(json_object_get(it, "notes"), 0);
	cr_assert_str_eq(json_string_value(json_object_get(note, "text")), "schön");
	cr_assert_str_eq(json_string_value(json_object_get(note, "action")), "add");
	json_decref(j);
	trun_free(&r);
	cr_assert_eq(run(&r, NULL, ARGS("tasks", "export")), 0);
	cr_assert(strstr(r.out, "- [ ] Prüfen: DKIM ✓ für netgrimoire.com\n"), "%s", r.out);
	trun_free(&r);
}

Test(tasks, login_user_is_recorded_without_sudo)
{
	struct trun r;
	struct passwd *pw = getpwuid(getuid());
	cr_assert(pw);
	cr_assert_eq(run(&r, ENV("SUDO_USER"), ARGS("tasks", "add", "Check the relayhost")), 0, "%s", r.err);
	trun_free(&r);
	cr_assert_eq(run(&r, NULL, ARGS("tasks", "list", "--json")), 0);
	json_t *j = json_loads(r.out, 0, NULL);
	cr_assert(j);
	json_t *it = json_array_get(j, 3);
	cr_assert_str_eq(json_string_value(json_object_get(it, "title")), "Check the relayhost");
	cr_assert_str_eq(json_string_value(json_object_get(it, "created_by")), pw->pw_name);
	cr_assert(json_is_null(json_object_get(it, "created_from")));
	json_decref(j);
	trun_free(&r);
}

Test(tasks, locked_database_fails_writes_after_the_timeout)
{
	struct trun r;
	cr_assert_eq(run(&r, NULL, ARGS("tasks", "list")), 0);
	trun_free(&r);
	struct db_error err;
	struct db *holder = db_open(dbfile, 0, &err);
	cr_assert(holder, "%s", err.msg);
	cr_assert_eq(db_begin(holder), DB_OK);
	cr_assert_eq(db_history_add(holder, 1, "k", "held", NULL, "1", NULL), DB_OK);

	cr_assert_eq(run(&r, ENV("MCON_DB_TIMEOUT_MS=300"), ARGS("tasks", "done", "1", "--note", "x")), 1);
	cr_assert(strstr(r.err, "is locked by another process (waited 300 ms"), "%s", r.err);
	cr_assert(strstr(r.err, "nothing was changed"), "%s", r.err);
	trun_free(&r);
	/* Reading goes on while a writer holds the lock. */
	cr_assert_eq(run(&r, ENV("MCON_DB_TIMEOUT_MS=300"), ARGS("tasks", "list")), 0, "%s", r.err);
	cr_assert(strstr(r.out, "3 open, 0 done"), "%s", r.out);
	trun_free(&r);

	cr_assert_eq(db_commit(holder), DB_OK);
	db_close(holder);
	cr_assert_eq(run(&r, NULL, ARGS("tasks", "done", "1", "--note", "x")), 0, "%s", r.err);
	trun_free(&r);
}

Test(tasks, corrupt_database_fails_and_is_left_alone)
{
	const char junk[] = "SQLite format 2\nnot really\n";
	cr_assert_eq(file_write_atomic(dbfile, junk, sizeof(junk) - 1, 0600), 0);
	struct trun r;
	cr_assert_eq(run(&r, NULL, ARGS("tasks", "list")), 1);
	cr_assert(strstr(r.err, "corrupt or not an mcon database"), "%s", r.err);
	trun_free(&r);
	cr_assert_eq(run(&r, NULL, ARGS("tasks", "add", "x")), 1);
	trun_free(&r);
	char *after = file_read(dbfile, 0, NULL);
	cr_assert_str_eq(after, junk);
	free(after);
}

/* Root may write any file, so the read-only cases run the CLI as nobody (setuid in the
 * child) on a database root created, in a directory under /tmp that nobody can enter. */
static void read_only_case(bool dir_writable)
{
	struct passwd *pw = getpwnam("nobody");
	cr_assert(pw, "the tests need the user nobody");
	uid_t nobody = pw->pw_uid;
	pub = tdir_make_public("ro");
	char *bin = xasprintf("%s/mcon", pub);
	size_t len;
	char *image = file_read(trun_bin(), 0, &len);
	cr_assert(image);
	cr_assert_eq(file_write_atomic(bin, image, len, 0755), 0);
	free(image);
	char *sub = xasprintf("%s/state", pub);
	cr_assert_eq(mkdir(sub, 0755), 0);
	char *db = xasprintf("%s/mcon.db", sub);
	char *saved_conf = conf;
	conf = xasprintf("%s/mcon.conf", pub);
	cr_assert_eq(file_write_atomic(conf, "", 0, 0644), 0);

	struct trun r;
	cr_assert_eq(run_as(&r, bin, db, NULL, ARGS("tasks", "done", "1", "--note", "by root")), 0, "%s", r.err);
	trun_free(&r);
	cr_assert_eq(chmod(db, 0444), 0);
	cr_assert_eq(chmod(sub, dir_writable ? 01777 : 0555), 0);

	struct trun_opts as = {.uid = nobody, .as_user = true, .cwd = pub};
	cr_assert_eq(run_as(&r, bin, db, &as, ARGS("tasks", "list")), 0, "read-only list: %s", r.err);
	cr_assert(strstr(r.out, " 1  [x] Dedicated"), "%s", r.out);
	cr_assert(strstr(r.out, "1 open") == NULL && strstr(r.out, "2 open, 1 done"), "%s", r.out);
	trun_free(&r);
	cr_assert_eq(run_as(&r, bin, db, &as, ARGS("tasks", "export")), 0, "%s", r.err);
	cr_assert(strstr(r.out, "- [x] Dedicated"), "%s", r.out);
	trun_free(&r);
	cr_assert_eq(run_as(&r, bin, db, &as, ARGS("tasks", "list", "--json")), 0, "%s", r.err);
	trun_free(&r);

	cr_assert_eq(run_as(&r, bin, db, &as, ARGS("tasks", "reopen", "1")), 1);
	cr_assert(strstr(r.err, "cannot be written") && strstr(r.err, "sudo"), "%s", r.err);
	trun_free(&r);
	cr_assert_eq(run_as(&r, bin, db, &as, ARGS("tasks", "add", "New")), 1);
	cr_assert(strstr(r.err, "cannot be written"), "%s", r.err);
	trun_free(&r);

	/* Nothing changed: root still sees the tick. */
	cr_assert_eq(chmod(sub, 0755), 0);
	cr_assert_eq(run_as(&r, bin, db, NULL, ARGS("tasks", "list")), 0);
	cr_assert(strstr(r.out, " 1  [x] Dedicated"), "%s", r.out);
	trun_free(&r);

	free(conf);
	conf = saved_conf;
	free(bin);
	free(sub);
	free(db);
}

Test(tasks, read_only_file_in_a_read_only_directory)
{
	read_only_case(false);
}

Test(tasks, read_only_file_in_a_writable_directory)
{
	read_only_case(true);
}
