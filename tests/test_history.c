/* `mcon record` against a real SQLite file: two records around a change store exactly that
 * change, a record with no change stores nothing, the restart count of the last record feeds
 * containers.restarts, gone containers leave the check state, and retention prunes. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli/check_cmd.h"
#include "core/record.h"
#include "db/db.h"
#include "db/db_record.h"
#include "tests/support/tsnap.h"

static struct db *open_db(const char *name)
{
	const char *base = getenv("MCON_TEST_TMP");
	char *dir = xasprintf("%s/hist-%s.%d", base && *base ? base : "/tmp", name, (int)getpid());
	mkdir_p(dir, 0700);
	char *path = xasprintf("%s/mcon.db", dir);
	unlink(path);
	struct db_error err;
	struct db *db = db_open(path, 0, &err);
	cr_assert(db, "%s", err.msg);
	free(path);
	free(dir);
	return db;
}

static size_t record(struct db *db, time_t at, void (*mutate)(struct snapshot *), struct changes *keep)
{
	struct config cfg;
	tsnap_config(&cfg, NULL);
	struct snapshot *s = tsnap_healthy();
	if (mutate)
		mutate(s);
	struct changes ch;
	long pruned = 0;
	int r = record_run(db, &cfg, s, at, &ch, &pruned);
	cr_assert_eq(r, DB_OK, "%s", db_errmsg(db));
	size_t n = ch.n;
	if (keep)
		*keep = ch;
	else
		changes_free(&ch);
	tsnap_free(s);
	config_free(&cfg);
	return n;
}

static size_t history_rows(struct db *db, time_t since, struct db_history_list *keep)
{
	struct db_history_list l;
	cr_assert_eq(db_history_list(db, since, 0, &l), DB_OK);
	size_t n = l.n;
	if (keep)
		*keep = l;
	else
		db_history_list_free(&l);
	return n;
}

static const time_t T0 = 1764417600;

static void overlay(struct snapshot *s) { tsnap_attach(tsnap_container(s, "postfix-mailcow"), "netgrimoire"); }
static void restarted(struct snapshot *s) { tsnap_container(s, "rspamd-mailcow")->restart_count = 3; }
static void redis_gone(struct snapshot *s) { tsnap_remove_container(s, "redis-mailcow"); }

Test(history, two_records_around_a_change)
{
	struct db *db = open_db("change");
	size_t base = record(db, T0, NULL, NULL);
	cr_expect_eq(base, 1, "the first record is a baseline row only (all ok)");
	cr_expect_eq(history_rows(db, 0, NULL), 1);
	cr_expect_eq(record(db, T0 + 60, NULL, NULL), 0, "no change, nothing stored");
	cr_expect_eq(history_rows(db, 0, NULL), 1);
	cr_expect_eq(record(db, T0 + 120, overlay, NULL), 2);
	struct db_history_list l;
	cr_assert_eq(history_rows(db, T0 + 120, &l), 2);
	bool net = false, chk = false;
	for (size_t i = 0; i < l.n; i++) {
		cr_expect_eq(l.v[i].at, T0 + 120);
		if (strcmp(l.v[i].kind, "container.networks") == 0) {
			net = true;
			cr_expect_str_eq(l.v[i].target, "postfix-mailcow");
			cr_expect_str_eq(l.v[i].to, "mailcowdockerized_mailcow-network,netgrimoire");
		} else if (strcmp(l.v[i].kind, "check") == 0) {
			chk = true;
			cr_expect_str_eq(l.v[i].target, "overlay.attachment:postfix-mailcow");
			cr_expect_str_eq(l.v[i].from, "ok");
			cr_expect_str_eq(l.v[i].to, "critical");
		}
	}
	cr_expect(net && chk);
	db_history_list_free(&l);
	struct db_check_state cs;
	cr_assert_eq(db_check_get(db, "overlay.attachment", "postfix-mailcow", &cs), DB_OK);
	cr_expect_str_eq(cs.status, "critical");
	cr_expect_eq(cs.since, T0 + 120);
	db_check_state_free(&cs);
	cr_expect_eq(record(db, T0 + 180, overlay, NULL), 0);
	cr_expect_eq(history_rows(db, 0, NULL), 3);
	db_close(db);
}

Test(history, restart_count_of_the_last_record)
{
	struct db *db = open_db("restarts");
	record(db, T0, NULL, NULL);
	struct changes ch;
	record(db, T0 + 60, restarted, &ch);
	bool warn = false, count = false;
	for (size_t i = 0; i < ch.n; i++) {
		if (strcmp(ch.v[i].kind, "check") == 0 && strcmp(ch.v[i].target, "containers.restarts:rspamd-mailcow") == 0) {
			warn = true;
			cr_expect_str_eq(ch.v[i].to, "warning");
			cr_expect(strstr(ch.v[i].detail, "restart count 3, was 0") != NULL, "%s", ch.v[i].detail);
		}
		if (strcmp(ch.v[i].kind, "container.restarts") == 0) {
			count = true;
			cr_expect_str_eq(ch.v[i].from, "0");
			cr_expect_str_eq(ch.v[i].to, "3");
		}
	}
	cr_expect(warn && count);
	cr_expect_eq(ch.n, 2);
	changes_free(&ch);
	/* the next record compares with 3: back to ok */
	record(db, T0 + 120, restarted, &ch);
	cr_expect_eq(ch.n, 1);
	cr_expect_str_eq(ch.v[0].to, "ok");
	changes_free(&ch);
	db_close(db);
}

Test(history, gone_container_leaves_check_state)
{
	struct db *db = open_db("gone");
	record(db, T0, NULL, NULL);
	record(db, T0 + 60, redis_gone, NULL);
	struct db_check_state cs;
	cr_expect_eq(db_check_get(db, "containers.running", "redis-mailcow", &cs), DB_ERR_NOTFOUND);
	db_check_state_free(&cs);
	char *v = NULL;
	cr_expect_eq(db_state_get(db, "container.state", "redis-mailcow", &v), DB_OK);
	cr_expect_str_eq(v ? v : "(null)", "");
	free(v);
	cr_expect_eq(record(db, T0 + 120, redis_gone, NULL), 0);
	db_close(db);
}

Test(history, retention_prunes_at_each_record)
{
	struct db *db = open_db("prune");
	record(db, T0, overlay, NULL);                        /* baseline + critical */
	record(db, T0 + 86400, NULL, NULL);                   /* back to ok */
	cr_expect_eq(history_rows(db, 0, NULL), 4);
	/* retention is 400 days: 400 days and a minute after the first, only it goes */
	record(db, T0 + 400 * 86400L + 60, NULL, NULL);
	cr_expect_eq(history_rows(db, 0, NULL), 2);
	record(db, T0 + 401 * 86400L + 60, NULL, NULL);
	cr_expect_eq(history_rows(db, 0, NULL), 0);
	db_close(db);
}

/* `mcon history` on the database record_run filled. */
static char *run_history(const char *dbpath, time_t now, const char *args, int *rc)
{
	const char *bin = getenv("MCON_BIN");
	cr_assert(bin && *bin, "$MCON_BIN is not set: run the tests through tests/run");
	char *out = xasprintf("%s.out", dbpath);
	char *cmd = xasprintf("MCON_NOW=%ld '%s' --config /dev/null --db '%s' history %s > '%s' 2>&1", (long)now, bin, dbpath, args, out);
	int st = system(cmd);
	cr_assert(WIFEXITED(st));
	*rc = WEXITSTATUS(st);
	char *text = file_read(out, 1 << 20, NULL);
	free(cmd);
	free(out);
	return text ? text : xstrdup("");
}

Test(history, command_lists_newest_first)
{
	struct db *db = open_db("cmd");
	char *path = xstrdup(db_path(db));
	record(db, T0, NULL, NULL);
	record(db, T0 + 120, overlay, NULL);
	db_close(db);
	int rc;
	char *out = run_history(path, T0 + 180, "--since 1m --json", &rc);
	cr_expect_eq(rc, 0, "%s", out);
	json_error_t e;
	json_t *arr = json_loads(out, 0, &e);
	cr_assert(json_is_array(arr), "%s: %s", e.text, out);
	cr_expect_eq(json_array_size(arr), 2, "%s", out);
	size_t i;
	json_t *x;
	json_array_foreach(arr, i, x) {
		static const char *keys[] = {"at", "kind", "target", "from", "to", "detail"};
		cr_expect_eq(json_object_size(x), 6);
		size_t k = 0;
		const char *key;
		json_t *v;
		json_object_foreach(x, key, v) {
			if (k < 6)
				cr_expect_str_eq(key, keys[k]);
			k++;
		}
		cr_expect_str_eq(json_string_value(json_object_get(x, "at")), "2025-11-29T12:02:00Z");
	}
	json_decref(arr);
	free(out);
	out = run_history(path, T0 + 180, "--since 1h --json", &rc);
	arr = json_loads(out, 0, NULL);
	cr_assert(arr);
	cr_expect_eq(json_array_size(arr), 3);
	/* newest first: the baseline row is last */
	cr_expect_str_eq(json_string_value(json_object_get(json_array_get(arr, 2), "kind")), "record");
	cr_expect(json_is_null(json_object_get(json_array_get(arr, 2), "from")));
	json_decref(arr);
	free(out);
	out = run_history(path, T0 + 180, "--since 1h", &rc);
	cr_expect_eq(rc, 0);
	cr_expect(strstr(out, "2025-11-29T12:02:00Z  check              overlay.attachment:postfix-mailcow  ok -> critical  "
			      "postfix-mailcow is attached to overlay network netgrimoire\n") != NULL, "%s", out);
	free(out);
	out = run_history(path, T0 + 180, "--since nonsense", &rc);
	cr_expect_eq(rc, 2);
	cr_expect(strstr(out, "mcon: history: --since 'nonsense'") != NULL, "%s", out);
	free(out);
	free(path);
}

/* Four processes record the same change at once: it is stored once. */
Test(history, concurrent_records_log_a_change_once)
{
	struct db *db = open_db("concurrent");
	char *path = xstrdup(db_path(db));
	record(db, T0, NULL, NULL);
	db_close(db);
	pid_t kids[4];
	for (int k = 0; k < 4; k++) {
		kids[k] = fork();
		cr_assert(kids[k] >= 0);
		if (kids[k] == 0) {
			struct db_error err;
			struct db *d = db_open(path, 0, &err);
			if (!d)
				_exit(10);
			struct config cfg;
			tsnap_config(&cfg, NULL);
			struct snapshot *s = tsnap_healthy();
			overlay(s);
			struct changes ch;
			int r = record_run(d, &cfg, s, T0 + 60, &ch, NULL);
			if (!r)
				changes_free(&ch);
			tsnap_free(s);
			config_free(&cfg);
			db_close(d);
			_exit(r ? 11 : 0);
		}
	}
	for (int k = 0; k < 4; k++) {
		int st;
		waitpid(kids[k], &st, 0);
		cr_expect(WIFEXITED(st) && WEXITSTATUS(st) == 0, "child %d: %d", k, WEXITSTATUS(st));
	}
	struct db_error err;
	db = db_open(path, 0, &err);
	cr_assert(db);
	cr_expect_eq(history_rows(db, T0 + 60, NULL), 2);
	db_close(db);
	free(path);
}
