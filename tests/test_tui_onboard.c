/* The console's onboarding walkthrough (o) against the simulator: a new domain typed in,
 * step 1 of 9, a declined write that writes nothing, the confirmed writes that create the
 * domain and its catch-all, the zone lines to copy, and the live verification listing what
 * is missing until the records are published, then passing. */
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "cli/cli.h"
#include "core/util.h"
#include "db/onboard.h"
#include "tests/support/simproc.h"
#include "tests/support/trun.h"
#include "tests/support/vt.h"
#include "tests/support/hang.h"

#define WAIT T_HANG_MS
#define DOMAIN "new-domain.org"
#define GOTO "postmaster@netgrimoire.com"

static struct simproc *sp;
static char *dir, *state_db;
static struct vt *t;
static bool slow_mailcow;       /* MailCow requests may take 15 s (a slow API) */

static void setup(void)
{
	json_error_t je;
	json_t *sc = json_load_file("tests/data/healthy-scenario.json", 0, &je);
	cr_assert_not_null(sc, "healthy-scenario.json: %s", je.text);
	/* nothing is published by itself: the admin publishes the records */
	json_object_set_new(json_object_get(sc, "dns"), "auto_publish", json_false());
	if (slow_mailcow) {
		json_t *conf = json_object_get(sc, "config");
		if (!conf) {
			conf = json_object();
			json_object_set_new(sc, "config", conf);
		}
		json_object_set_new(conf, "mailcow.timeout_ms", json_string("15000"));
		/* the console's own refresh stays out of the way (held requests are the round's) */
		json_object_set_new(conf, "ui.refresh_s", json_string("3600"));
	}
	dir = tdir_make("tui-onboard", 0700);
	char *path = xasprintf("%s/scenario.json", dir);
	cr_assert_eq(json_dump_file(sc, path, JSON_INDENT(1)), 0);
	json_decref(sc);
	sp = simproc_start(path, NULL);
	free(path);
	cr_assert_not_null(sp, "mcon-sim did not start");
	state_db = xasprintf("%s/state.db", dir);
}

static void teardown(void)
{
	if (sp)
		cr_expect_eq(simproc_stop(sp), 0);
	sp = NULL;
	if (dir)
		tdir_remove(dir);
	free(dir);
	free(state_db);
	dir = state_db = NULL;
}

static void setup_slow_mailcow(void)
{
	slow_mailcow = true;
	setup();
}

TestSuite(tui_onboard, .init = setup, .fini = teardown);
/* The same against a MailCow that may take 15 s to answer. */
TestSuite(tui_onboard_slow, .init = setup_slow_mailcow, .fini = teardown);

static int run_mcon(void *ud)
{
	(void)ud;
	char *argv[] = {(char *)"mcon", (char *)"--config", sp->conf, (char *)"--db", state_db, NULL};
	return cli_main(5, argv);
}

static bool wait_for(const char *needle, int ms)
{
	bool ok = vt_wait(t, needle, ms);
	if (!ok) {
		char *s = vt_screen(t);
		cr_log_error("waiting for '%s':\n%s", needle, s);
		free(s);
	}
	return ok;
}

static bool wait_for_gone(const char *needle, int ms)
{
	return vt_wait_gone(t, needle, ms);
}

static void start_with(const char *api_key)
{
	char *key = xasprintf("MCON_API_KEY=%s", api_key);
	const char *env[] = {key, "SUDO_USER=alice", "SSH_CONNECTION=192.0.2.7 50000 192.0.2.1 22", NULL};
	t = vt_spawn(50, 160, NULL, env, run_mcon, NULL);
	free(key);
	cr_assert(wait_for("refreshed", WAIT), "the console did not come up");
}

static void start(void)
{
	start_with(sp->api_key);
}

static void stop(void)
{
	char *report = NULL;
	int rc = vt_close(t, &report);
	if (report)
		cr_log_error("%s", report);
	cr_expect_null(report);
	free(report);
	cr_expect_eq(rc, 0);
}

/* GET from the simulator's MailCow API, parsed. */
static json_t *api_get(const char *path)
{
	int st;
	char *out = simproc_sh(sp, &st, "curl -sS --cacert \"$SIM_CA\" -H \"X-API-Key: $SIM_KEY\" \"$SIM_API/%s\"", path);
	cr_assert_eq(st, 0, "curl %s: %s", path, out);
	json_t *j = json_loads(out, 0, NULL);
	cr_assert_not_null(j, "GET %s: %s", path, out);
	free(out);
	return j;
}

/* How many writes (POSTs) MailCow's API log holds. */
static int posts(void)
{
	json_t *log = api_get("get/logs/api/10000");
	int n = 0;
	size_t i;
	json_t *e;
	json_array_foreach(log, i, e) {
		const char *m = json_string_value(json_object_get(e, "method"));
		if (m && strcmp(m, "POST") == 0)
			n++;
	}
	json_decref(log);
	return n;
}

static bool domain_exists(void)
{
	json_t *d = api_get("get/domain/" DOMAIN);
	bool yes = json_object_size(d) > 0;
	json_decref(d);
	return yes;
}

/* Opens the walkthrough for DOMAIN with the catch-all target. */
static void open_walkthrough(void)
{
	vt_char(t, 'o');
	cr_assert(wait_for("onboard which domain:", WAIT));
	vt_type(t, DOMAIN);
	vt_key(t, VTERM_KEY_ENTER);
	cr_assert(wait_for("catch-all @" DOMAIN " delivers to", WAIT));
	vt_type(t, GOTO);
	vt_key(t, VTERM_KEY_ENTER);
	cr_assert(wait_for("Onboarding " DOMAIN, WAIT));
}

/* Enter on the current step n; a writing step asks and gets answer (one key). */
static void run_step(int n, const char *answer)
{
	char q[64];
	snprintf(q, sizeof(q), "Step %d of 9", n);
	cr_assert(wait_for(q, WAIT));
	vt_key(t, VTERM_KEY_ENTER);
	if (answer) {
		cr_assert(wait_for("changes MailCow", WAIT));
		cr_assert(wait_for("Go ahead? [y/N]", WAIT));
		vt_type(t, answer);     /* one key answers, without Enter */
	}
}

static enum onboard_state step_state(const char *step)
{
	struct db_error e;
	struct db *db = db_open(state_db, DB_OPEN_READONLY, &e);
	cr_assert_not_null(db, "%s", e.msg);
	struct onboard_outcome *v = NULL;
	size_t n = 0;
	cr_assert_eq(db_onboard_load(db, DOMAIN, &v, &n), DB_OK);
	db_close(db);
	enum onboard_state st = OB_TODO;
	for (size_t i = 0; i < n; i++)
		if (strcmp(v[i].step, step) == 0)
			st = v[i].state;
	db_onboard_outcomes_free(v, n);
	return st;
}

Test(tui_onboard, declining_a_write_writes_nothing)
{
	start();
	int before = posts();
	open_walkthrough();
	cr_assert(wait_for("Step 1 of 9", WAIT));
	run_step(1, NULL);                      /* preflight: reads only */
	cr_assert(wait_for("Step 2 of 9", WAIT));
	run_step(2, "n");
	cr_assert(wait_for("declined: nothing was written to MailCow", WAIT));
	cr_expect(vt_wait(t, "Step 2 of 9", WAIT), "a declined step moved on");
	/* the question takes only an answer: another key leaves it open, Esc says no */
	vt_pump(t, 100, 50);
	vt_key(t, VTERM_KEY_ENTER);
	cr_assert(wait_for("Go ahead? [y/N]", WAIT));
	vt_char(t, 'x');
	vt_char(t, 'j');
	vt_pump(t, 200, 100);
	cr_expect(vt_contains(t, "Go ahead? [y/N]"), "a key other than y or n answered the question");
	vt_key(t, VTERM_KEY_ESCAPE);
	cr_assert(wait_for_gone("Go ahead? [y/N]", WAIT), "Esc did not answer the question");
	cr_expect(vt_contains(t, "declined: nothing was written to MailCow"));
	/* the write probe of the preflight is the only request that is a POST */
	cr_expect_eq(posts(), before + 1, "declining wrote to MailCow");
	cr_expect(!domain_exists(), "the domain was created although the admin declined");
	cr_expect_eq(step_state("domain"), OB_TODO);
	cr_expect_eq(step_state("preflight"), OB_DONE);
	stop();
}

/* The catch-all target given once is remembered: after a declined catch-all, o on the same
 * domain opens the walkthrough without asking for it, and the catch-all goes to that target. */
Test(tui_onboard, a_rerun_does_not_ask_for_the_catchall_again)
{
	start();
	open_walkthrough();
	run_step(1, NULL);
	run_step(2, "y");
	run_step(3, "n");
	cr_assert(wait_for("declined: nothing was written to MailCow", WAIT));
	vt_char(t, 'o');
	cr_assert(wait_for("onboard which domain:", WAIT));
	vt_type(t, DOMAIN);
	vt_key(t, VTERM_KEY_ENTER);
	cr_assert(wait_for("delivers to " GOTO ", as given before", WAIT));
	cr_expect(!vt_contains(t, "delivers to (mailbox"), "the console asked again");
	run_step(3, "y");
	cr_assert(wait_for("Step 4 of 9", WAIT));
	json_t *al = api_get("get/alias/all/" DOMAIN);
	cr_expect_eq(json_array_size(al), 1, "exactly one alias");
	cr_expect_str_eq(json_string_value(json_object_get(json_array_get(al, 0), "goto")), GOTO);
	json_decref(al);
	cr_expect_eq(step_state("catchall"), OB_DONE);
	stop();
}

Test(tui_onboard, read_only_key_stops_at_the_preflight)
{
	start_with(sp->api_key_ro);
	int before = posts();
	/* a name that is not a domain is refused with a one-line reason and nothing starts */
	vt_char(t, 'o');
	cr_assert(wait_for("onboard which domain:", WAIT));
	vt_type(t, "localhost");
	vt_key(t, VTERM_KEY_ENTER);
	cr_assert(wait_for("needs at least two labels", WAIT));
	cr_expect(!vt_contains(t, "delivers to"), "asked on after a bad name");
	open_walkthrough();
	run_step(1, NULL);
	cr_assert(wait_for("onboarding needs a read-write key", WAIT));
	cr_expect(vt_wait(t, "Step 1 of 9", WAIT), "the walkthrough moved on with a read-only key");
	cr_expect(vt_wait(t, "Step a (1 of 9): Preflight [needs-rw", WAIT), "the step's state is not shown");
	/* only the refused probe reached MailCow */
	cr_expect_eq(posts(), before + 1);
	cr_expect(!domain_exists());
	cr_expect_eq(step_state("preflight"), OB_NEEDS_RW);
	/* Esc keeps the session; o shows it again */
	vt_key(t, VTERM_KEY_ESCAPE);
	cr_assert(vt_wait_gone(t, "Onboarding " DOMAIN, WAIT));
	vt_char(t, 'o');
	cr_expect(wait_for("Onboarding " DOMAIN, WAIT));
	cr_expect(vt_wait(t, "Step 1 of 9", WAIT));
	stop();
}

/* The zone lines the plan prints, published through the simulator's control channel;
 * the relay's DKIM placeholder gets the key the relay would show. */
static void publish_zone(void)
{
	struct trun r;
	char *key = xasprintf("MCON_API_KEY=%s", sp->api_key);
	const char *env[] = {key, NULL};
	const char *argv[] = {trun_bin(), "--config", sp->conf, "--db", state_db, "onboard", DOMAIN, "--plan", NULL};
	struct trun_opts o = {.env = env};
	trun(&r, &o, argv);
	free(key);
	cr_assert_eq(r.code, 0, "%s", r.err);
	json_error_t je;
	json_t *sc = json_load_file("tests/data/healthy-scenario.json", 0, &je);
	cr_assert_not_null(sc);
	const char *relay_key = json_string_value(json_object_get(json_object_get(json_object_get(json_object_get(sc, "dns"), "publish"), "dkim"), "mxroute"));
	cr_assert_not_null(relay_key);
	int added = 0;
	for (char *sv = NULL, *line = strtok_r(r.out, "\n", &sv); line; line = strtok_r(NULL, "\n", &sv)) {
		if (!str_starts_with(line, "    ") || line[4] == ';' || !strstr(line, " 3600 IN "))
			continue;
		char name[256], type[16];
		int off = 0;
		cr_assert_eq(sscanf(line + 4, "%255s 3600 IN %15s %n", name, type, &off), 2, "%s", line);
		const char *data = line + 4 + off;
		char *value = strstr(data, "\"<the DKIM record") ? xstrdup(relay_key) : xstrdup(data);
		cr_assert(simproc_ctl_ok(sp, "dns add %s %s %s", name, type, value), "dns add %s %s %s", name, type, value);
		free(value);
		added++;
	}
	json_decref(sc);
	trun_free(&r);
	cr_assert_eq(added, 9);
}

Test(tui_onboard, walkthrough_from_nothing_to_green)
{
	start();
	open_walkthrough();
	cr_assert(wait_for("Step 1 of 9", WAIT));
	cr_expect(vt_wait(t, "Lines to copy into the zone", WAIT));
	run_step(1, NULL);
	run_step(2, "y");                       /* create the domain */
	cr_assert(wait_for("Step 3 of 9", WAIT));
	cr_expect(domain_exists(), "the domain was not created");
	run_step(3, "y");                       /* the catch-all */
	cr_assert(wait_for("Step 4 of 9", WAIT));
	json_t *al = api_get("get/alias/all/" DOMAIN);
	cr_expect_eq(json_array_size(al), 1, "exactly one alias");
	cr_expect_str_eq(json_string_value(json_object_get(json_array_get(al, 0), "goto")), GOTO);
	json_decref(al);
	/* the DKIM key exists (created with the domain): its record is among the lines to copy */
	run_step(4, "y");
	run_step(5, NULL);                      /* the relay: manual */
	cr_assert(wait_for("Step 6 of 9", WAIT));
	cr_expect(wait_for("mailcow._domainkey." DOMAIN, WAIT), "MailCow's DKIM record is not among the zone lines");
	cr_expect(vt_wait(t, DOMAIN ". 3600 IN MX", WAIT), "no MX line to copy");
	run_step(6, NULL);                      /* DNS: the lines to copy */
	run_step(7, "y");                       /* MTA-STS testing */
	/* live verification: what is still missing, round after round */
	cr_assert(wait_for("Step 8 of 9", WAIT));
	vt_key(t, VTERM_KEY_ENTER);
	cr_assert(wait_for("still missing or wrong:", WAIT));
	cr_expect(wait_for("spf.record " DOMAIN, WAIT));
	cr_expect(wait_for("dmarc.record " DOMAIN, WAIT));
	cr_expect(wait_for("mta_sts.record " DOMAIN, WAIT));
	cr_expect(!vt_contains(t, "domain.catchall " DOMAIN), "the catch-all is there");
	cr_expect_eq(step_state("domain"), OB_DONE);
	cr_expect_eq(step_state("catchall"), OB_DONE);
	cr_expect_eq(step_state("mta_sts"), OB_DONE);
	/* the admin publishes the records; the next rounds find them without a key press */
	publish_zone();
	cr_assert(wait_for("Step 9 of 9", WAIT), "the live verification did not pass");
	run_step(9, "y");                       /* MTA-STS enforce */
	cr_assert(wait_for("All 9 steps are done: the domain is onboarded", WAIT));
	cr_expect_eq(step_state("verify"), OB_DONE);
	stop();
}

/* o while a verification round waits on a slow MailCow: the round's collect cannot be cut
 * short, so the console leaves it to finish on the session's worker instead of waiting for
 * it; the prompt for the next domain shows at once, not when the 15 s request times out. */
Test(tui_onboard_slow, o_during_a_verification_round_does_not_freeze)
{
	start();
	open_walkthrough();
	run_step(1, NULL);
	run_step(2, "y");
	run_step(3, "y");
	run_step(4, "y");
	run_step(5, NULL);
	run_step(6, NULL);
	run_step(7, "y");
	cr_assert(wait_for("Step 8 of 9", WAIT));
	cr_assert(simproc_ctl_ok(sp, "fault mailcow slow 20000"));
	vt_key(t, VTERM_KEY_ENTER);             /* a verification round, now */
	cr_assert(wait_for("verifying now...", WAIT));
	/* the round is waiting for MailCow */
	bool held = false;
	for (int i = 0; i < 1000 && !held; i++) {
		char *n = simproc_ctl(sp, "held mailcow");
		held = n && strcmp(n, "ok 0") != 0 && str_starts_with(n, "ok ");
		free(n);
		if (!held)
			vt_pump(t, 10, 0);
	}
	cr_assert(held, "the verification round did not reach MailCow");
	vt_char(t, 'o');
	cr_expect(wait_for("onboard which domain:", 5000), "the console froze until the round ended");
	vt_key(t, VTERM_KEY_ESCAPE);
	cr_assert(wait_for("onboarding cancelled", WAIT));
	cr_assert(simproc_ctl_ok(sp, "fault mailcow off"));
	/* quitting waits for the round's worker (at most the 15 s MailCow timeout) */
	vt_char(t, 'q');
	cr_assert(vt_wait_exit(t, 30000), "the console did not quit");
	stop();
}
