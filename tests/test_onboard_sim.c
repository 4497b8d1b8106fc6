/* test_onboard_sim: `mcon onboard` against the simulator: the plan golden file with a
 * read-only key, a full onboarding and what it changes in MailCow, a rerun that writes
 * nothing, a fault at the catch-all step, and a read-only key refused before any write. */
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/util.h"
#include "db/onboard.h"
#include "tests/support/simproc.h"
#include "tests/support/trun.h"

#define DOMAIN "new-domain.org"
#define GOTO "postmaster@netgrimoire.com"

static struct simproc *sp;
static char *dir;

/* The healthy site, but nothing published by itself: the admin publishes the records. */
static void setup(void)
{
	setenv("MCON_NOW", "2026-11-30T01:00:00Z", 1);
	json_error_t je;
	json_t *sc = json_load_file("tests/data/healthy-scenario.json", 0, &je);
	cr_assert_not_null(sc, "healthy-scenario.json: %s", je.text);
	json_t *dns = json_object_get(sc, "dns");
	cr_assert(json_is_object(dns));
	json_object_set_new(dns, "auto_publish", json_false());
	dir = tdir_make("onboard-sim", 0700);
	char *path = xasprintf("%s/scenario.json", dir);
	cr_assert_eq(json_dump_file(sc, path, JSON_INDENT(1)), 0);
	json_decref(sc);
	sp = simproc_start(path, NULL);
	free(path);
	cr_assert_not_null(sp, "mcon-sim did not start");
}

static void teardown(void)
{
	if (sp)
		cr_expect_eq(simproc_stop(sp), 0);
	sp = NULL;
	if (dir)
		tdir_remove(dir);
	free(dir);
	dir = NULL;
}

TestSuite(onboard_sim, .init = setup, .fini = teardown);

/* Runs mcon onboard with the rw (or ro) key in the environment. */
static void onboard(struct trun *r, bool ro, const char *input, const char *const *args)
{
	const char *argv[24] = {trun_bin(), "--config", sp->conf, "--db", NULL, "onboard", DOMAIN};
	char *db = xasprintf("%s/state.db", dir);
	argv[4] = db;
	size_t n = 7;
	for (size_t i = 0; args && args[i] && n < 23; i++)
		argv[n++] = args[i];
	argv[n] = NULL;
	char *key = xasprintf("MCON_API_KEY=%s", ro ? sp->api_key_ro : sp->api_key);
	const char *env[] = {key, "SUDO_USER=alice", "SSH_CONNECTION=192.0.2.7 50000 192.0.2.1 22", NULL};
	struct trun_opts o = {.env = env, .input = input};
	trun(r, &o, argv);
	free(key);
	free(db);
}

/* GET from the simulator's MailCow API with the read-write key, parsed. */
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

/* The MTA-STS policy the simulator serves for DOMAIN (or "" when none). */
static char *policy(void)
{
	int st;
	return simproc_sh(sp, &st, "curl -sS --cacert \"$SIM_CA\" --resolve mta-sts.%s:$SIM_STS_PORT:127.0.0.1 "
	                           "https://mta-sts.%s:$SIM_STS_PORT/.well-known/mta-sts.txt", DOMAIN, DOMAIN);
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

/* The body of the last POST to uri (e.g. "add/domain") in MailCow's API log; caller frees. */
static char *post_data(const char *uri)
{
	json_t *log = api_get("get/logs/api/10000");
	char *data = NULL;
	size_t i;
	json_t *e;
	json_array_foreach(log, i, e) {
		const char *m = json_string_value(json_object_get(e, "method"));
		const char *u = json_string_value(json_object_get(e, "uri"));
		const char *d = json_string_value(json_object_get(e, "data"));
		if (!data && m && strcmp(m, "POST") == 0 && u && str_ends_with(u, uri) && d)
			data = xstrdup(d);
	}
	json_decref(log);
	cr_assert_not_null(data, "no POST to %s in the API log", uri);
	return data;
}

static void expect_domain_state(void)
{
	json_t *d = api_get("get/domain/" DOMAIN);
	cr_assert_str_eq(json_string_value(json_object_get(d, "domain_name")), DOMAIN);
	cr_assert_eq(json_integer_value(json_object_get(d, "active_int")), 1);
	json_decref(d);
	json_t *al = api_get("get/alias/all/" DOMAIN);
	cr_assert_eq(json_array_size(al), 1, "exactly one alias");
	json_t *a = json_array_get(al, 0);
	cr_assert_str_eq(json_string_value(json_object_get(a, "address")), "@" DOMAIN);
	cr_assert_str_eq(json_string_value(json_object_get(a, "goto")), GOTO);
	cr_assert_eq(json_integer_value(json_object_get(a, "active_int")), 1);
	cr_assert_eq(json_integer_value(json_object_get(a, "is_catch_all")), 1);
	cr_assert_eq(json_integer_value(json_object_get(a, "sender_allowed")), 1, "as MailCow's UI creates it");
	json_decref(al);
	json_t *k = api_get("get/dkim/" DOMAIN);
	cr_assert_str_eq(json_string_value(json_object_get(k, "dkim_selector")), "mailcow");
	cr_assert_str_eq(json_string_value(json_object_get(k, "length")), "2048");
	json_decref(k);
}

static struct onboard_outcome *outcomes(size_t *n)
{
	char *path = xasprintf("%s/state.db", dir);
	struct db_error e;
	struct db *db = db_open(path, DB_OPEN_READONLY, &e);
	cr_assert_not_null(db, "%s", e.msg);
	struct onboard_outcome *v = NULL;
	cr_assert_eq(db_onboard_load(db, DOMAIN, &v, n), DB_OK);
	db_close(db);
	free(path);
	return v;
}

static enum onboard_state step_state(const struct onboard_outcome *v, size_t n, const char *step)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(v[i].step, step) == 0)
			return v[i].state;
	return OB_TODO;
}

Test(onboard_sim, plan_with_a_read_only_key_matches_the_golden_file)
{
	int before = posts();
	struct trun r;
	onboard(&r, true, NULL, (const char *const[]){"--plan", NULL});
	cr_assert_eq(r.code, 0, "%s", r.err);
	char *want = file_read("tests/golden/onboard-plan.txt", 1 << 20, NULL);
	if (getenv("MCON_UPDATE_GOLDEN")) {
		file_write_atomic("tests/golden/onboard-plan.txt", r.out, strlen(r.out), 0644);
	} else {
		cr_assert_not_null(want, "tests/golden/onboard-plan.txt missing (MCON_UPDATE_GOLDEN=1 writes it)");
		cr_assert_str_eq(r.out, want, "the plan differs from tests/golden/onboard-plan.txt");
	}
	free(want);
	cr_assert_eq(posts(), before, "the plan wrote to MailCow");
	char *db = xasprintf("%s/state.db", dir);
	cr_assert_neq(access(db, F_OK), 0, "the plan created the database");
	free(db);
	json_t *d = api_get("get/domain/" DOMAIN);
	cr_assert_eq(json_object_size(d), 0, "%s", json_dumps(d, 0));
	json_decref(d);
	trun_free(&r);
}

/* mailcow.url by name: onboarding's reads resolve it through dns.servers (the simulator's
 * DNS, where mail.netgrimoire.com is 127.0.0.1) like the collector, not the system's. */
/* The simulator's configuration with mailcow.url naming mail.netgrimoire.com (resolved only by
 * the simulator's DNS); caller frees the path. */
static char *named_conf(void)
{
	char *conf = file_read(sp->conf, 1 << 20, NULL);
	cr_assert_not_null(conf);
	char *at = strstr(conf, "url = https://127.0.0.1:");
	cr_assert_not_null(at, "%s", conf);
	char *named = xasprintf("%.*surl = https://mail.netgrimoire.com:%s", (int)(at - conf), conf,
	                        at + strlen("url = https://127.0.0.1:"));
	char *path = xasprintf("%s/named.conf", dir);
	cr_assert_eq(file_write_atomic(path, named, strlen(named), 0600), 0);
	free(named);
	free(conf);
	return path;
}

Test(onboard_sim, reads_resolve_the_api_host_through_dns_servers)
{
	char *path = named_conf();
	const char *argv[] = {trun_bin(), "--config", path, "onboard", DOMAIN, "--plan", NULL};
	char *key = xasprintf("MCON_API_KEY=%s", sp->api_key_ro);
	const char *env[] = {key, NULL};
	struct trun_opts o = {.env = env};
	struct trun r;
	trun(&r, &o, argv);
	cr_assert_eq(r.code, 0, "%s", r.err);
	cr_assert(strstr(r.out, "-> MailCow: the domain is not there yet"), "%s\n%s", r.out, r.err);
	cr_assert_null(strstr(r.out, "could not be read"), "%s", r.out);
	trun_free(&r);
	free(key);
	free(path);
}

/* The catch-all target asked for once is remembered: the run that stopped at the catch-all
 * (MailCow refused add/alias) resumes without asking again and creates it with that target;
 * reads and writes go to mailcow.url by name, resolved through dns.servers. */
Test(onboard_sim, a_rerun_remembers_the_catchall_target_and_writes_through_dns_servers)
{
	char *path = named_conf();
	char *db = xasprintf("%s/state.db", dir);
	char *key = xasprintf("MCON_API_KEY=%s", sp->api_key);
	const char *env[] = {key, NULL};
	const char *argv[] = {trun_bin(), "--config", path, "--db", db, "onboard", DOMAIN, "--apply", NULL};
	cr_assert(simproc_ctl_ok(sp, "fault mailcow status 500 match=/api/v1/add/alias"));
	struct trun r;
	struct trun_opts o = {.env = env, .input = "y\n" GOTO "\ny\n"};
	trun(&r, &o, argv);
	cr_assert_eq(r.code, 1, "%s\n%s", r.out, r.err);
	cr_assert(strstr(r.err, "Catch-all @" DOMAIN ": deliver to which mailbox"), "%s", r.err);
	cr_assert(strstr(r.err, "stopped at step c (Create the catch-all alias)"), "%s", r.err);
	trun_free(&r);
	json_t *d = api_get("get/domain/" DOMAIN);
	cr_assert_eq(json_integer_value(json_object_get(d, "active_int")), 1, "the domain was written by name");
	json_decref(d);

	/* the plan shows the remembered target */
	const char *plan[] = {trun_bin(), "--config", path, "--db", db, "onboard", DOMAIN, "--plan", NULL};
	struct trun_opts po = {.env = env};
	trun(&r, &po, plan);
	cr_assert_eq(r.code, 0, "%s", r.err);
	cr_assert(strstr(r.out, GOTO), "%s", r.out);
	cr_assert_null(strstr(r.out, "<the mailbox you choose"), "%s", r.out);
	trun_free(&r);

	cr_assert(simproc_ctl_ok(sp, "fault all off"));
	struct trun_opts o2 = {.env = env, .input = "y\ny\ny\ny\n"};
	trun(&r, &o2, argv);
	cr_assert_null(strstr(r.err, "deliver to which mailbox"), "asked again: %s", r.err);
	cr_assert(strstr(r.err, "Create the catch-all @" DOMAIN " -> " GOTO " (active)? [y/N]"), "%s", r.err);
	cr_assert(strstr(r.out, "Resuming " DOMAIN " at step c"), "%s", r.out);
	trun_free(&r);
	expect_domain_state();
	free(key);
	free(db);
	free(path);
}

Test(onboard_sim, read_only_key_is_refused_before_the_first_write)
{
	int before = posts();
	struct trun r;
	onboard(&r, true, NULL, (const char *const[]){"--apply", "--yes", "--catchall-to", GOTO, NULL});
	cr_assert_eq(r.code, 2, "%s", r.err);
	cr_assert(strstr(r.err, "read-write key"), "%s", r.err);
	cr_assert(strstr(r.err, "Configuration -> Access -> Administrators -> API"), "%s", r.err);
	cr_assert(strstr(r.err, "mailcow.api_key_file"), "%s", r.err);
	/* only the probe reached MailCow, and it was refused */
	cr_assert_eq(posts(), before + 1);
	json_t *d = api_get("get/domain/" DOMAIN);
	cr_assert_eq(json_object_size(d), 0, "nothing was created");
	json_decref(d);
	size_t n;
	struct onboard_outcome *v = outcomes(&n);
	cr_assert_eq(step_state(v, n, "preflight"), OB_NEEDS_RW);
	cr_assert_eq(step_state(v, n, "domain"), OB_TODO);
	db_onboard_outcomes_free(v, n);
	trun_free(&r);
}

Test(onboard_sim, apply_creates_exactly_the_intended_state)
{
	struct trun r;
	char *p = policy();
	cr_assert(!strstr(p, "version: STSv1"), "a policy before onboarding: %s", p);
	free(p);
	/* asked before every write: the answers come on stdin */
	onboard(&r, false, "y\ny\ny\ny\ny\n", (const char *const[]){"--apply", "--catchall-to", GOTO, NULL});
	cr_assert(strstr(r.err, "Create " DOMAIN " in MailCow (DKIM selector mailcow, 2048-bit key)? [y/N]"), "%s", r.err);
	cr_assert(strstr(r.err, "Create the catch-all @" DOMAIN " -> " GOTO " (active)? [y/N]"), "%s", r.err);
	cr_assert(strstr(r.out, "created " DOMAIN " in MailCow"), "%s", r.out);
	char *sent = post_data("add/domain");
	cr_assert(strstr(sent, "\"restart_sogo\":0"), "no SOGo restart unless --restart-sogo: %s", sent);
	free(sent);
	expect_domain_state();
	p = policy();
	cr_assert(strstr(p, "mode: testing"), "%s", p);
	cr_assert(strstr(p, "mx: *.mxrouting.net"), "%s", p);
	free(p);
	size_t n;
	struct onboard_outcome *v = outcomes(&n);
	cr_assert_eq(step_state(v, n, "preflight"), OB_DONE);
	cr_assert_eq(step_state(v, n, "domain"), OB_DONE);
	cr_assert_eq(step_state(v, n, "catchall"), OB_DONE);
	cr_assert_eq(step_state(v, n, "dkim"), OB_DONE);
	cr_assert_eq(step_state(v, n, "relay"), OB_PENDING);
	cr_assert_eq(step_state(v, n, "dns"), OB_PENDING);
	cr_assert_eq(step_state(v, n, "mta_sts"), OB_DONE);
	for (size_t i = 0; i < n; i++)
		cr_assert_str_eq(v[i].who, "alice from 192.0.2.7");
	db_onboard_outcomes_free(v, n);
	trun_free(&r);

	/* a rerun repeats no done step: nothing more is written */
	int before = posts();
	onboard(&r, false, "n\n", (const char *const[]){"--apply", NULL});
	cr_assert(strstr(r.out, "Resuming " DOMAIN " at step e"), "%s", r.out);
	cr_assert_eq(posts(), before, "a rerun wrote again");
	trun_free(&r);
	expect_domain_state();
}

/* A domain MailCow has already, with an MTA-STS policy: adopted, and the policy's mx set
 * through edit/mta-sts (which MailCow refuses without "version":"stsv1"). */
Test(onboard_sim, adopts_a_domain_with_an_existing_policy)
{
	int st;
	char *out = simproc_sh(sp, &st, "curl -sS --cacert \"$SIM_CA\" -H \"X-API-Key: $SIM_KEY\" -H "
	                       "'Content-Type: application/json' -d '{\"domain\":\"%s\",\"active\":1,\"dkim_selector\":"
	                       "\"mailcow\",\"key_size\":2048}' \"$SIM_API/add/domain\" && curl -sS --cacert \"$SIM_CA\" "
	                       "-H \"X-API-Key: $SIM_KEY\" -H 'Content-Type: application/json' -d '{\"domain\":\"%s\","
	                       "\"version\":\"stsv1\",\"mode\":\"testing\",\"max_age\":86400,\"mx\":\"old.example\","
	                       "\"active\":1}' \"$SIM_API/add/mta-sts\"", DOMAIN, DOMAIN);
	cr_assert_eq(st, 0, "%s", out);
	cr_assert(strstr(out, "domain_added") && !strstr(out, "danger"), "%s", out);
	free(out);
	struct trun r;
	onboard(&r, false, NULL, (const char *const[]){"--apply", "--yes", "--catchall-to", GOTO, NULL});
	cr_assert(strstr(r.out, DOMAIN " is in MailCow already: adopted"), "%s", r.out);
	cr_assert(strstr(r.out, "an MTA-STS policy existed"), "%s\n%s", r.out, r.err);
	trun_free(&r);
	size_t n;
	struct onboard_outcome *v = outcomes(&n);
	cr_assert_eq(step_state(v, n, "domain"), OB_DONE);
	cr_assert_eq(step_state(v, n, "mta_sts"), OB_DONE);
	db_onboard_outcomes_free(v, n);
	char *sent = post_data("edit/mta-sts");
	cr_assert(strstr(sent, "\"version\":\"stsv1\""), "%s", sent);
	free(sent);
	char *p = policy();
	cr_assert(strstr(p, "mode: testing"), "the mode is kept: %s", p);
	cr_assert(strstr(p, "mx: *.mxrouting.net"), "the mx list is set: %s", p);
	cr_assert(!strstr(p, "old.example"), "%s", p);
	free(p);
}

Test(onboard_sim, fault_at_the_catchall_then_a_rerun_completes)
{
	cr_assert(simproc_ctl_ok(sp, "fault mailcow status 500 match=/api/v1/add/alias"));
	struct trun r;
	onboard(&r, false, NULL, (const char *const[]){"--apply", "--yes", "--catchall-to", GOTO, NULL});
	cr_assert_eq(r.code, 1, "%s", r.err);
	cr_assert(strstr(r.err, "stopped at step c (Create the catch-all alias)"), "%s", r.err);
	size_t n;
	struct onboard_outcome *v = outcomes(&n);
	cr_assert_eq(step_state(v, n, "domain"), OB_DONE);
	cr_assert_eq(step_state(v, n, "catchall"), OB_FAILED);
	cr_assert_eq(step_state(v, n, "dkim"), OB_TODO);
	db_onboard_outcomes_free(v, n);
	trun_free(&r);
	json_t *al = api_get("get/alias/all/" DOMAIN);
	cr_assert_eq(json_array_size(al), 0);
	json_decref(al);

	cr_assert(simproc_ctl_ok(sp, "fault all off"));
	onboard(&r, false, NULL, (const char *const[]){"--apply", "--yes", "--catchall-to", GOTO, NULL});
	cr_assert(strstr(r.out, "Resuming " DOMAIN " at step c"), "%s", r.out);
	cr_assert(!strstr(r.out, "Step b"), "a done step ran again: %s", r.out);
	expect_domain_state();
	trun_free(&r);
}

/* The zone lines of the plan (step f), published through the simulator's control channel;
 * the relay's DKIM placeholder gets the key the relay would show. */
static void publish_zone(const char *plan)
{
	json_error_t je;
	json_t *sc = json_load_file("tests/data/healthy-scenario.json", 0, &je);
	cr_assert_not_null(sc);
	const char *relay_key = json_string_value(json_object_get(json_object_get(json_object_get(json_object_get(sc, "dns"), "publish"), "dkim"), "mxroute"));
	cr_assert_not_null(relay_key);
	int added = 0;
	char *copy = xstrdup(plan);
	for (char *sv = NULL, *line = strtok_r(copy, "\n", &sv); line; line = strtok_r(NULL, "\n", &sv)) {
		if (!str_starts_with(line, "    ") || line[4] == ';' || !strstr(line, " 3600 IN "))
			continue;
		char name[256], type[16];
		int off = 0;
		cr_assert_eq(sscanf(line + 4, "%255s 3600 IN %15s %n", name, type, &off), 2, "%s", line);
		const char *data = line + 4 + off;
		char *value = strstr(data, "\"<the DKIM record") ? xasprintf("%s", relay_key) : xstrdup(data);
		cr_assert(simproc_ctl_ok(sp, "dns add %s %s %s", name, type, value), "dns add %s %s %s", name, type, value);
		free(value);
		added++;
	}
	free(copy);
	json_decref(sc);
	cr_assert_eq(added, 9, "MX x2, SPF, 2 DKIM, DMARC, _mta-sts, mta-sts, TLS-RPT");
}

Test(onboard_sim, verify_lists_exactly_the_missing_records_then_passes)
{
	struct trun r;
	onboard(&r, false, NULL, (const char *const[]){"--apply", "--yes", "--catchall-to", GOTO, NULL});
	cr_assert_eq(r.code, 1, "%s\n%s", r.out, r.err);
	cr_assert(strstr(r.err, "is not onboarded yet"), "%s", r.err);
	const char *missing = strstr(r.out, "still missing or wrong:");
	cr_assert_not_null(missing, "%s", r.out);
	static const char *const want[] = {
		"  mx.relay " DOMAIN " (", "  spf.record " DOMAIN " (", "  dmarc.record " DOMAIN " (",
		"  dkim.mailcow " DOMAIN " (", "  dkim.selector " DOMAIN "/mailcow (", "  dkim.selector " DOMAIN "/mxroute (",
		"  mta_sts.record " DOMAIN " (", "  mta_sts.policy " DOMAIN " (", "  tls_rpt.record " DOMAIN " (",
	};
	size_t lines = 0;
	for (const char *p = missing; (p = strchr(p, '\n')) && p[1] == ' '; p++)
		lines++;
	for (size_t i = 0; i < ARRAY_SIZE(want); i++)
		cr_expect(strstr(missing, want[i]), "%s not listed:\n%s", want[i], missing);
	cr_expect_eq(lines, ARRAY_SIZE(want), "exactly the missing ones:\n%s", missing);
	cr_expect(!strstr(missing, "domain.active"), "%s", missing);
	cr_expect(!strstr(missing, "domain.catchall"), "%s", missing);
	cr_expect(!strstr(missing, "relay.outbound"), "%s", missing);
	trun_free(&r);

	/* the admin publishes the plan's records */
	onboard(&r, true, NULL, (const char *const[]){"--plan", NULL});
	cr_assert_eq(r.code, 0);
	publish_zone(r.out);
	trun_free(&r);

	onboard(&r, false, NULL, (const char *const[]){"--apply", "--yes", NULL});
	cr_assert_eq(r.code, 0, "%s\n%s", r.out, r.err);
	cr_assert(strstr(r.out, "; onboarded"), "%s", r.out);
	char *p = policy();
	cr_assert(strstr(p, "mode: enforce"), "%s", p);
	free(p);
	size_t n;
	struct onboard_outcome *v = outcomes(&n);
	for (size_t i = 0; i < n; i++)
		cr_expect_eq(v[i].state, OB_DONE, "%s is %s", v[i].step, onboard_state_name(v[i].state));
	cr_assert_eq(n, 9);
	db_onboard_outcomes_free(v, n);
	trun_free(&r);

	/* running it again changes nothing */
	int before = posts();
	onboard(&r, false, NULL, (const char *const[]){"--apply", "--yes", NULL});
	cr_assert_eq(r.code, 0, "%s\n%s", r.out, r.err);
	cr_assert_eq(posts(), before);
	trun_free(&r);
	expect_domain_state();
}
