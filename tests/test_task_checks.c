/* The checklist meets the checks: `tasks list` shows whether an item's linked checks were
 * green at the last record, and `tasks done` on an item whose checks are not green needs
 * --note and is journaled as an override. */
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "cli/check_cmd.h"
#include "cli/task_checks.h"
#include "core/record.h"
#include "db/db.h"
#include "tests/support/trun.h"
#include "tests/support/tsnap.h"

static char *dir, *dbfile;

static void setup(void)
{
	dir = tdir_make("taskchecks", 0700);
	dbfile = xasprintf("%s/mcon.db", dir);
}

static void teardown(void)
{
	tdir_remove(dir);
	free(dir);
	free(dbfile);
}

static void bad_mxroute(struct snapshot *s)
{
	tsnap_answer(tsnap_dkim(tsnap_domain(s, "example.com"), "mxroute"), DNS_NXDOMAIN, NULL);
}

static void record_site(void (*mutate)(struct snapshot *), time_t at)
{
	struct db_error err;
	struct db *db = db_open(dbfile, 0, &err);
	cr_assert(db, "%s", err.msg);
	struct config cfg;
	tsnap_config(&cfg, NULL);
	struct snapshot *s = tsnap_healthy();
	if (mutate)
		mutate(s);
	struct changes ch;
	cr_assert_eq(record_run(db, &cfg, s, at, &ch, NULL), DB_OK, "%s", db_errmsg(db));
	changes_free(&ch);
	tsnap_free(s);
	config_free(&cfg);
	db_close(db);
}

static int mcon(struct trun *r, const char *const *args)
{
	const char *argv[16] = {trun_bin(), "--config", "/dev/null", "--db", dbfile};
	size_t n = 5;
	for (size_t i = 0; args[i] && n < 15; i++)
		argv[n++] = args[i];
	argv[n] = NULL;
	static const char *const env[] = {"MCON_NOW=2026-11-29T12:00:00Z", "SUDO_USER=alice", "SSH_CONNECTION", NULL};
	struct trun_opts o = {.env = env};
	return trun(r, &o, argv);
}
#define ARGS(...) ((const char *const[]){__VA_ARGS__, NULL})

static json_t *item(json_t *arr, int id)
{
	size_t i;
	json_t *x;
	json_array_foreach(arr, i, x)
		if (json_integer_value(json_object_get(x, "id")) == id)
			return x;
	cr_assert_fail("no item %d", id);
	return NULL;
}

Test(task_checks, list_and_done_follow_the_last_record, .init = setup, .fini = teardown)
{
	struct trun r;
	/* nothing recorded yet: linked items say so */
	cr_assert_eq(mcon(&r, ARGS("tasks", "list")), 0, "%s", r.err);
	cr_expect(strstr(r.out, "CHECKS") != NULL, "%s", r.out);
	cr_expect(strstr(r.out, "no record") != NULL, "%s", r.out);
	trun_free(&r);

	record_site(bad_mxroute, 1764417600);
	cr_assert_eq(mcon(&r, ARGS("tasks", "list", "--json")), 0, "%s", r.err);
	json_t *arr = json_loads(r.out, 0, NULL);
	cr_assert(json_is_array(arr), "%s", r.out);
	/* item 1 links outbound.ip, which the recorded run did not check */
	cr_expect_str_eq(json_string_value(json_object_get(json_object_get(item(arr, 1), "checks"), "state")), "no record");
	json_t *c2 = json_object_get(item(arr, 2), "checks");
	cr_expect_str_eq(json_string_value(json_object_get(c2, "state")), "not green");
	cr_expect_eq(json_array_size(json_object_get(c2, "failing")), 1);
	cr_expect_str_eq(json_string_value(json_array_get(json_object_get(c2, "failing"), 0)),
			 "dkim.selector example.com/mxroute critical");
	cr_expect_str_eq(json_string_value(json_object_get(json_object_get(item(arr, 3), "checks"), "state")), "green");
	json_decref(arr);
	trun_free(&r);
	cr_assert_eq(mcon(&r, ARGS("tasks", "list")), 0);
	cr_expect(strstr(r.out, "not green (1)") != NULL, "%s", r.out);
	cr_expect(strstr(r.out, "green") != NULL);
	trun_free(&r);

	/* not green: a note is required, and the tick is an override */
	cr_expect_eq(mcon(&r, ARGS("tasks", "done", "2")), 2);
	cr_expect(strstr(r.err, "dkim.selector example.com/mxroute critical") != NULL, "%s", r.err);
	cr_expect(strstr(r.err, "--note") != NULL, "%s", r.err);
	trun_free(&r);
	cr_assert_eq(mcon(&r, ARGS("tasks", "list", "--json")), 0);
	arr = json_loads(r.out, 0, NULL);
	cr_expect_str_eq(json_string_value(json_object_get(item(arr, 2), "state")), "open", "refused: still open");
	json_decref(arr);
	trun_free(&r);
	cr_assert_eq(mcon(&r, ARGS("tasks", "done", "2", "--note", "MXRoute publishes it tomorrow")), 0, "%s", r.err);
	cr_expect(strstr(r.out, "override") != NULL, "%s", r.out);
	trun_free(&r);
	/* green: no note needed, a plain done */
	cr_assert_eq(mcon(&r, ARGS("tasks", "done", "3")), 0, "%s", r.err);
	trun_free(&r);
	cr_assert_eq(mcon(&r, ARGS("tasks", "list", "--json")), 0);
	arr = json_loads(r.out, 0, NULL);
	json_t *n2 = json_array_get(json_object_get(item(arr, 2), "notes"), 0);
	cr_expect_str_eq(json_string_value(json_object_get(n2, "action")), "override");
	cr_expect_str_eq(json_string_value(json_object_get(n2, "text")), "MXRoute publishes it tomorrow");
	cr_expect_str_eq(json_string_value(json_object_get(item(arr, 2), "state")), "done");
	cr_expect_str_eq(json_string_value(json_object_get(item(arr, 3), "state")), "done");
	cr_expect_eq(json_array_size(json_object_get(item(arr, 3), "notes")), 0, "a plain done has no note");
	json_decref(arr);
	trun_free(&r);

	/* the next record is green: the item says so */
	record_site(NULL, 1764417660);
	cr_assert_eq(mcon(&r, ARGS("tasks", "list", "--json")), 0);
	arr = json_loads(r.out, 0, NULL);
	cr_expect_str_eq(json_string_value(json_object_get(json_object_get(item(arr, 2), "checks"), "state")), "green");
	json_decref(arr);
	trun_free(&r);
}

Test(task_checks, eval)
{
	struct db_check_state v[] = {
		{(char *)"dkim.selector", (char *)"a/mailcow", (char *)"ok", NULL, 0, 0},
		{(char *)"dkim.selector", (char *)"a/mxroute", (char *)"warning", NULL, 0, 0},
		{(char *)"mta_sts.record", (char *)"a", (char *)"ok", NULL, 0, 0},
	};
	struct db_check_states cs = {v, 3};
	struct strv links = {0};
	struct task_checks tc;
	task_checks_eval(&cs, &links, &tc);
	cr_expect_eq(tc.state, TASK_CHECKS_NONE);
	task_checks_free(&tc);
	strv_push(&links, "mta_sts.record");
	task_checks_eval(&cs, &links, &tc);
	cr_expect_eq(tc.state, TASK_CHECKS_GREEN);
	task_checks_free(&tc);
	strv_push(&links, "mta_sts.policy");
	task_checks_eval(&cs, &links, &tc);
	cr_expect_eq(tc.state, TASK_CHECKS_UNRECORDED);
	task_checks_free(&tc);
	strv_push(&links, "dkim.selector");
	task_checks_eval(&cs, &links, &tc);
	cr_expect_eq(tc.state, TASK_CHECKS_FAILING);
	cr_expect_eq(tc.failing, 1);
	cr_expect_str_eq(tc.failing_list.v[0], "dkim.selector a/mxroute warning");
	task_checks_free(&tc);
	strv_free(&links);
}
