/* The refused API key's backoff shared through the database: `mcon check` processes one
 * after another send a rejected key at most twice (counted at the simulator), a changed
 * key is tried at once, `mcon info` shows the state, a database that cannot be written
 * falls back to the process and says so; and the schedule (1 minute doubling to 1 hour). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/config.h"
#include "core/key_gate.h"
#include "core/mailcow.h"
#include "db/key_state.h"
#include "tests/support/simproc.h"
#include "tests/support/trun.h"

/* Runs mcon --config <sim> [--db db] args... with MCON_API_KEY=key; returns the exit
 * code and *out stdout (caller frees). */
static int mcon_key(struct simproc *sp, const char *db, const char *key, const char *a1, const char *a2, char **out)
{
	char *env_key = xasprintf("MCON_API_KEY=%s", key);
	const char *env[] = {env_key, NULL};
	struct trun_opts o = {.env = env};
	const char *argv[8] = {trun_bin(), "--config", sp->conf};
	size_t n = 3;
	if (db) {
		argv[n++] = "--db";
		argv[n++] = db;
	}
	argv[n++] = a1;
	argv[n++] = a2;
	argv[n] = NULL;
	struct trun r;
	trun(&r, &o, argv);
	*out = xstrdup(r.out ? r.out : "");
	int code = r.code;
	trun_free(&r);
	free(env_key);
	return code;
}

/* The simulator's count of requests refused for their key. */
static long rejected(struct simproc *sp)
{
	char *a = simproc_ctl(sp, "stats");
	cr_assert(a && strncmp(a, "ok ", 3) == 0, "stats: %s", a ? a : "(no answer)");
	const char *p = strstr(a, "api_rejected ");
	cr_assert(p, "stats: %s", a);
	long n = strtol(p + strlen("api_rejected "), NULL, 10);
	free(a);
	return n;
}

Test(key_gate, five_checks_send_a_bad_key_at_most_twice)
{
	struct simproc *sp = simproc_start(NULL, NULL);
	cr_assert(sp, "mcon-sim did not start");
	char *out = NULL;
	cr_assert_eq(rejected(sp), 0);
	for (int i = 0; i < 5; i++) {
		int rc = mcon_key(sp, NULL, "bad-key-one", "check", "--json", &out);
		cr_expect_neq(rc, 0, "check %d with a bad key passed: %s", i, out);
		cr_expect(strstr(out, "401"), "check %d does not say the key was refused: %.400s", i, out);
		free(out);
	}
	long after_five = rejected(sp);
	cr_expect(after_five >= 1 && after_five <= 2, "five checks sent the bad key %ld times", after_five);

	mcon_key(sp, NULL, "bad-key-one", "info", "--offline", &out);
	cr_expect(strstr(out, "rejected with HTTP 401"), "info does not show the refusal: %s", out);
	cr_expect(strstr(out, "next try at"), "info does not say when: %s", out);
	cr_expect_null(strstr(out, "bad-key-one"), "info shows the key: %s", out);
	free(out);

	/* a changed key is not held back by the old one's refusal */
	mcon_key(sp, NULL, "bad-key-two", "check", "--json", &out);
	free(out);
	cr_expect_eq(rejected(sp), after_five + 1, "a new key was not tried at once");

	/* the right key works at once, and info says it is not refused */
	int rc = mcon_key(sp, NULL, sp->api_key, "info", "--offline", &out);
	cr_expect_eq(rc, 0);
	cr_expect(strstr(out, "not refused"), "info for the good key: %s", out);
	free(out);
	mcon_key(sp, NULL, sp->api_key, "snapshot", "--json", &out);
	cr_expect(strstr(out, "\"domains\""), "snapshot with the good key: %.300s", out);
	cr_expect_null(strstr(out, "rejected with HTTP"), "the good key is held back: %.400s", out);
	free(out);
	cr_expect_eq(rejected(sp), after_five + 1);
	cr_expect_eq(simproc_stop(sp), 0);
}

Test(key_gate, unwritable_database_falls_back_and_says_so)
{
	struct simproc *sp = simproc_start(NULL, NULL);
	cr_assert(sp, "mcon-sim did not start");
	char *out = NULL;
	mcon_key(sp, "/proc/mcon-no-such-dir/state.db", "bad-key-three", "check", "--json", &out);
	cr_expect(strstr(out, "kept in this process only"), "no word of the fallback: %.600s", out);
	free(out);
	cr_expect_eq(rejected(sp), 1);
	cr_expect_eq(simproc_stop(sp), 0);
}

Test(key_gate, schedule_doubles_to_an_hour)
{
	key_gate_set_store(NULL);
	struct key_gate g;
	key_gate_load(&g, "k", "https://mc.example");
	cr_assert_not(key_gate_blocked(&g, 1000));
	const long waits[] = {60, 120, 240, 480, 960, 1920, 3600, 3600};
	time_t now = 1000;
	for (size_t i = 0; i < sizeof(waits) / sizeof(waits[0]); i++) {
		key_gate_note(&g, KEY_INVALID, 401, now);
		cr_expect_eq(g.next_try, now + waits[i], "refusal %zu: wait %ld", i + 1, (long)(g.next_try - now));
		cr_expect(key_gate_blocked(&g, now + waits[i] - 1));
		cr_expect_not(key_gate_blocked(&g, now + waits[i]));
		now += waits[i];
	}
	cr_expect_eq(g.since, 1000);
	struct key_gate again;
	key_gate_load(&again, "k", "https://mc.example"); /* the process's copy, without a store */
	cr_expect_eq(again.next_try, g.next_try);
	struct key_gate other;
	key_gate_load(&other, "k2", "https://mc.example");
	cr_expect_not(key_gate_blocked(&other, now - 1), "another key inherits the refusal");
	key_gate_note(&g, KEY_OK, 200, now);
	cr_expect_not(key_gate_blocked(&g, now));
	cr_expect_eq(g.failures, 0);
}

/* The session (onboarding, fixes) honours the gate before every request, writes included. */
Test(key_gate, session_holds_back_writes_after_a_refusal)
{
	key_gate_set_store(NULL);
	struct simproc *sp = simproc_start(NULL, NULL);
	cr_assert(sp, "mcon-sim did not start");
	setenv("MCON_API_KEY", "bad-key-session", 1);
	struct config cfg;
	char *err = NULL;
	cr_assert_eq(config_load(&cfg, sp->conf, &err), 0, "%s", err ? err : "");
	struct mailcow_api *a = mailcow_api_new(&cfg, &err);
	cr_assert(a, "%s", err ? err : "");
	struct mc_result res = {0};
	struct mailcow_state st = {0};
	cr_expect_eq(mailcow_get_version(a, &st, &res), -1);
	cr_expect_eq(res.key, KEY_INVALID);
	cr_expect_eq(rejected(sp), 1);
	cr_expect_eq(mailcow_add_alias(a, "x@example.org", "y@example.org", &res), -1);
	cr_expect_eq(res.key, KEY_INVALID);
	cr_expect(res.message && strstr(res.message, "next try at"), "%s", res.message ? res.message : "");
	cr_expect_eq(rejected(sp), 1, "the write was sent with the refused key");
	mc_result_free(&res);
	mailcow_api_free(a);
	mailcow_state_free(&st);
	config_free(&cfg);
	unsetenv("MCON_API_KEY");
	cr_expect_eq(simproc_stop(sp), 0);
}

/* The table: stored, read back, replaced, forgotten; old keys pruned. */
Test(key_gate, db_state_round_trip)
{
	char *dir = simproc_tmpdir("key-state");
	char *path = xasprintf("%s/state.db", dir);
	struct db_error e;
	struct db *db = db_open(path, 0, &e);
	cr_assert(db, "%s", e.msg);
	struct db_key_state s = {.problem = (char *)"ip-denied", .http_status = 401, .failures = 3, .since = 1000,
				 .next_try = 1240, .at = 1000 + 40 * 86400};
	struct db_key_state old = {.problem = (char *)"invalid", .http_status = 401, .failures = 1, .since = 900,
				   .next_try = 960, .at = 900};
	cr_assert_eq(db_key_state_put(db, "old", &old), DB_OK, "%s", db_errmsg(db));
	cr_assert_eq(db_key_state_put(db, "h1", &s), DB_OK, "%s", db_errmsg(db));
	struct db_key_state got;
	cr_assert_eq(db_key_state_get(db, "h1", &got), DB_OK);
	cr_expect_str_eq(got.problem, "ip-denied");
	cr_expect_eq(got.failures, 3);
	cr_expect_eq(got.since, 1000);
	cr_expect_eq(got.next_try, 1240);
	db_key_state_free(&got);
	cr_expect_eq(db_key_state_get(db, "old", &got), DB_ERR_NOTFOUND, "a key untouched for 30 days is kept");
	s.problem = (char *)"bogus";
	cr_expect_eq(db_key_state_put(db, "h1", &s), DB_ERR_INVALID);
	cr_assert_eq(db_key_state_put(db, "h1", NULL), DB_OK);
	cr_expect_eq(db_key_state_get(db, "h1", &got), DB_ERR_NOTFOUND);
	db_close(db);
	free(path);
	free(dir);
}
