/* test_fix_sim: `mcon fix` against the simulator: for each MailCow-side fix of contract
 * section 8, the plan writes nothing, the apply changes exactly the one thing (read back
 * from the simulator's API) and is recorded in the history, a rerun writes nothing, and a
 * read-only key is refused with the plan shown; the DNS-side fixes print the zone lines. */
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/config.h"
#include "core/fix.h"
#include "core/util.h"
#include "tests/support/simproc.h"
#include "tests/support/trun.h"

#define D "pncharris.com"

static struct simproc *sp;
static char *dir;

enum plant { P_INACTIVE = 1, P_NO_CATCHALL = 2, P_NO_DKIM = 4, P_NO_RELAYHOST = 8, P_NO_STS = 16, P_NO_SPF = 32,
	     P_STS_TESTING = 64, P_CATCHALL_OFF = 128 };

/* The healthy site with the problems of `plants` planted in D. */
static void start(unsigned plants)
{
	setenv("MCON_NOW", "2026-11-30T01:00:00Z", 1);
	json_error_t je;
	json_t *sc = json_load_file("tests/data/healthy-scenario.json", 0, &je);
	cr_assert_not_null(sc, "healthy-scenario.json: %s", je.text);
	json_t *mc = json_object_get(sc, "mailcow");
	json_t *doms = json_object_get(mc, "domains"), *d = NULL, *v;
	size_t i;
	json_array_foreach(doms, i, v)
		if (strcmp(json_string_value(json_object_get(v, "name")), D) == 0)
			d = v;
	cr_assert_not_null(d);
	json_t *ddns = json_object_get(d, "dns");
	if (plants & P_INACTIVE)
		json_object_set_new(d, "active", json_false());
	if (plants & P_NO_RELAYHOST)
		json_object_set_new(d, "relayhost", json_integer(0));
	if (plants & P_NO_DKIM) {
		json_object_del(d, "dkim");
		if (ddns)
			json_object_del(json_object_get(ddns, "dkim"), "mailcow");
	}
	if (plants & P_NO_STS) {
		json_object_del(d, "mta_sts");
		if (ddns)
			json_object_del(ddns, "mta_sts");
	}
	if (plants & P_STS_TESTING)
		json_object_set_new(json_object_get(d, "mta_sts"), "mode", json_string("testing"));
	if ((plants & P_NO_SPF) && ddns)
		json_object_set_new(ddns, "txt", json_array());
	json_t *al = json_object_get(mc, "aliases");
	for (i = json_array_size(al); i-- > 0;) {
		json_t *a = json_array_get(al, i);
		if (strcmp(json_string_value(json_object_get(a, "address")), "@" D) != 0)
			continue;
		if (plants & P_NO_CATCHALL)
			json_array_remove(al, i);
		else if (plants & P_CATCHALL_OFF)
			json_object_set_new(a, "active", json_integer(0));
	}
	dir = tdir_make("fix-sim", 0700);
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

TestSuite(fix_sim, .fini = teardown, .timeout = 120);

/* Runs mcon with the rw (or ro) key; args NULL-terminated. */
static void mcon(struct trun *r, bool ro, const char *input, const char *const *args)
{
	const char *argv[24] = {trun_bin(), "--config", sp->conf, "--db", NULL};
	char *db = xasprintf("%s/state.db", dir);
	argv[4] = db;
	size_t n = 5;
	for (size_t i = 0; args[i] && n < 23; i++)
		argv[n++] = args[i];
	argv[n] = NULL;
	char *key = xasprintf("MCON_API_KEY=%s", ro ? sp->api_key_ro : sp->api_key);
	const char *env[] = {key, "SUDO_USER=alice", "SSH_CONNECTION=192.0.2.7 50000 192.0.2.1 22", NULL};
	struct trun_opts o = {.env = env, .input = input};
	trun(r, &o, argv);
	free(key);
	free(db);
}

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

/* The writes MailCow's API log holds (POSTs other than the key's write probe), one string
 * "uri data" each, joined by newlines; *n gets how many. Caller frees. */
static char *writes(int *n)
{
	json_t *log = api_get("get/logs/api/10000");
	struct buf b = {0};
	*n = 0;
	size_t i;
	json_t *e;
	json_array_foreach(log, i, e) {
		const char *m = json_string_value(json_object_get(e, "method"));
		const char *u = json_string_value(json_object_get(e, "uri"));
		const char *d = json_string_value(json_object_get(e, "data"));
		if (!m || strcmp(m, "POST") != 0 || (d && strstr(d, "\"items\":[]")))
			continue;
		buf_printf(&b, "%s %s\n", u ? u : "?", d ? d : "");
		(*n)++;
	}
	json_decref(log);
	return b.len ? buf_steal(&b) : (buf_free(&b), xstrdup(""));
}

static int nwrites(void)
{
	int n;
	free(writes(&n));
	return n;
}

static json_t *domain_get(void)
{
	return api_get("get/domain/" D);
}

/* The history as JSON: the fix rows for check:D. */
static json_t *fix_rows(const char *check)
{
	struct trun r;
	const char *args[] = {"history", "--json", "--since", "1d", NULL};
	mcon(&r, false, NULL, args);
	cr_assert_eq(r.code, 0, "history: %s", r.err);
	json_t *all = json_loads(r.out, 0, NULL);
	cr_assert_not_null(all, "history --json: %s", r.out);
	trun_free(&r);
	char *want = xasprintf("%s:%s", check, D);
	json_t *out = json_array(), *e;
	size_t i;
	json_array_foreach(all, i, e)
		if (strcmp(json_string_value(json_object_get(e, "kind")), "fix") == 0 &&
		    strcmp(json_string_value(json_object_get(e, "target")), want) == 0)
			json_array_append(out, e);
	json_decref(all);
	free(want);
	return out;
}

Test(fix_sim, domain_active_plan_apply_rerun)
{
	start(P_INACTIVE);
	struct trun r;
	const char *plan[] = {"fix", "domain.active", D, NULL};
	mcon(&r, false, NULL, plan);
	cr_assert_eq(r.code, 0, "plan: %s%s", r.out, r.err);
	cr_expect(strstr(r.out, "POST /api/v1/edit/domain\n{\"items\":[\"" D "\"],\"attr\":{\"active\":1}}\n"),
		  "the exact call and body: %s", r.out);
	trun_free(&r);
	cr_assert_eq(nwrites(), 0, "the plan writes nothing");
	json_t *d = domain_get();
	cr_assert_eq(json_integer_value(json_object_get(d, "active_int")), 0);
	json_decref(d);

	const char *yes[] = {"fix", "domain.active", D, "--yes", NULL};
	mcon(&r, false, NULL, yes);
	cr_assert_eq(r.code, 0, "apply: %s%s", r.out, r.err);
	cr_expect(strstr(r.out, "re-run: domain.active " D ": ok"), "%s", r.out);
	trun_free(&r);
	int n;
	char *w = writes(&n);
	cr_assert_eq(n, 1, "exactly one write: %s", w);
	cr_expect(strstr(w, "edit/domain"), "%s", w);
	free(w);
	d = domain_get();
	cr_expect_eq(json_integer_value(json_object_get(d, "active_int")), 1);
	cr_expect_str_eq(json_string_value(json_object_get(d, "relayhost")), "1", "nothing else changed");
	json_decref(d);

	json_t *rows = fix_rows("domain.active");
	cr_assert_eq(json_array_size(rows), 1, "one history row");
	json_t *row = json_array_get(rows, 0);
	cr_expect_str_eq(json_string_value(json_object_get(row, "from")), "critical");
	cr_expect_str_eq(json_string_value(json_object_get(row, "to")), "ok");
	const char *detail = json_string_value(json_object_get(row, "detail"));
	cr_expect(detail && strstr(detail, "by alice from 192.0.2.7: POST /api/v1/edit/domain"), "%s", detail);
	json_decref(rows);

	mcon(&r, false, NULL, yes);
	cr_assert_eq(r.code, 0, "rerun: %s%s", r.out, r.err);
	cr_expect(strstr(r.out, "Nothing to fix"), "%s", r.out);
	trun_free(&r);
	cr_expect_eq(nwrites(), 1, "the rerun writes nothing");
}

Test(fix_sim, read_only_key_refused_with_plan)
{
	start(P_INACTIVE);
	struct trun r;
	const char *yes[] = {"fix", "domain.active", D, "--yes", NULL};
	mcon(&r, true, NULL, yes);
	cr_assert_eq(r.code, 2, "read-only: %s%s", r.out, r.err);
	cr_expect(strstr(r.out, "POST /api/v1/edit/domain"), "the plan is shown: %s", r.out);
	cr_expect(strstr(r.err, "read-only"), "%s", r.err);
	trun_free(&r);
	cr_expect_eq(nwrites(), 0);
	json_t *d = domain_get();
	cr_expect_eq(json_integer_value(json_object_get(d, "active_int")), 0);
	json_decref(d);
	json_t *rows = fix_rows("domain.active");
	cr_expect_eq(json_array_size(rows), 0, "nothing recorded");
	json_decref(rows);
}

static size_t catchalls(bool *active, const char **goto_out, json_t **keep)
{
	json_t *al = api_get("get/alias/all/" D), *a;
	size_t i, n = 0;
	json_array_foreach(al, i, a)
		if (strcmp(json_string_value(json_object_get(a, "address")), "@" D) == 0) {
			n++;
			*active = json_integer_value(json_object_get(a, "active_int")) == 1;
			*goto_out = json_string_value(json_object_get(a, "goto"));
		}
	*keep = al;
	return n;
}

Test(fix_sim, catchall_added_with_to_then_adopted)
{
	start(P_NO_CATCHALL);
	struct trun r;
	const char *noto[] = {"fix", "domain.catchall", D, "--yes", NULL};
	mcon(&r, false, NULL, noto);
	cr_assert_eq(r.code, 2, "no --to: %s%s", r.out, r.err);
	cr_expect(strstr(r.out, "give --to ADDRESS"), "%s", r.out);
	trun_free(&r);
	cr_assert_eq(nwrites(), 0);

	const char *yes[] = {"fix", "domain.catchall", D, "--to", "paul@" D, "--yes", NULL};
	mcon(&r, false, NULL, yes);
	cr_assert_eq(r.code, 0, "apply: %s%s", r.out, r.err);
	trun_free(&r);
	bool active = false;
	const char *g = NULL;
	json_t *keep;
	cr_assert_eq(catchalls(&active, &g, &keep), 1);
	cr_expect(active);
	cr_expect_str_eq(g, "paul@" D);
	json_decref(keep);
	cr_expect_eq(nwrites(), 1);

	mcon(&r, false, NULL, yes);
	cr_assert_eq(r.code, 0, "rerun: %s%s", r.out, r.err);
	trun_free(&r);
	cr_expect_eq(nwrites(), 1, "no duplicate");
	json_t *rows = fix_rows("domain.catchall");
	cr_expect_eq(json_array_size(rows), 1);
	json_decref(rows);
}

Test(fix_sim, catchall_inactive_activated)
{
	start(P_CATCHALL_OFF);
	struct trun r;
	const char *yes[] = {"fix", "domain.catchall", D, "--yes", NULL};
	mcon(&r, false, NULL, yes);
	cr_assert_eq(r.code, 0, "apply: %s%s", r.out, r.err);
	cr_expect(strstr(r.out, "POST /api/v1/edit/alias\n{\"items\":[\"12\"],\"attr\":{\"active\":1}}"), "%s", r.out);
	trun_free(&r);
	bool active = false;
	const char *g = NULL;
	json_t *keep;
	cr_assert_eq(catchalls(&active, &g, &keep), 1);
	cr_expect(active);
	cr_expect_str_eq(g, "paul@" D, "the target kept");
	json_decref(keep);
	cr_expect_eq(nwrites(), 1);
}

Test(fix_sim, relayhost_set)
{
	start(P_NO_RELAYHOST);
	struct trun r;
	const char *yes[] = {"fix", "relay.outbound", D, "--yes", NULL};
	mcon(&r, false, NULL, yes);
	cr_assert_eq(r.code, 0, "apply: %s%s", r.out, r.err);
	cr_expect(strstr(r.out, "{\"items\":[\"" D "\"],\"attr\":{\"relayhost\":1}}"), "%s", r.out);
	trun_free(&r);
	json_t *d = domain_get();
	cr_expect_str_eq(json_string_value(json_object_get(d, "relayhost")), "1");
	cr_expect_eq(json_integer_value(json_object_get(d, "active_int")), 1);
	json_decref(d);
	cr_expect_eq(nwrites(), 1);
}

Test(fix_sim, dkim_key_created_and_txt_shown)
{
	start(P_NO_DKIM);
	struct trun r;
	const char *plan[] = {"fix", "dkim.mailcow", D, "--plan", NULL};
	mcon(&r, false, NULL, plan);
	cr_assert_eq(r.code, 0, "plan: %s%s", r.out, r.err);
	cr_expect(strstr(r.out, "POST /api/v1/add/dkim\n{\"domains\":\"" D "\",\"dkim_selector\":\"mailcow\",\"key_size\":2048}"),
		  "%s", r.out);
	trun_free(&r);
	cr_assert_eq(nwrites(), 0);
	const char *yes[] = {"fix", "dkim.mailcow", D, "--yes", NULL};
	mcon(&r, false, NULL, yes);
	cr_expect(r.code == 0 || r.code == 1, "apply: %d %s%s", r.code, r.out, r.err);
	cr_expect(strstr(r.out, "mailcow._domainkey." D ". 3600 IN TXT \"v=DKIM1;"), "the TXT line: %s", r.out);
	trun_free(&r);
	json_t *k = api_get("get/dkim/" D);
	cr_expect_str_eq(json_string_value(json_object_get(k, "dkim_selector")), "mailcow");
	cr_expect_str_eq(json_string_value(json_object_get(k, "length")), "2048");
	json_decref(k);
	cr_expect_eq(nwrites(), 1);
}

Test(fix_sim, mta_sts_added_in_testing_with_live_mx)
{
	start(P_NO_STS);
	struct trun r;
	const char *yes[] = {"fix", "mta_sts.policy", D, "--yes", NULL};
	mcon(&r, false, NULL, yes);
	cr_expect(strstr(r.out, "POST /api/v1/add/mta-sts\n{\"domain\":\"" D "\",\"version\":\"stsv1\",\"mode\":\"testing\","
			  "\"max_age\":604800,\"mx\":\"arrow.mxrouting.net,arrow-relay.mxrouting.net\",\"active\":1}"),
		  "%s", r.out);
	cr_expect(strstr(r.out, "_mta-sts." D ". 3600 IN TXT \"v=STSv1; id="), "the new TXT line: %s", r.out);
	cr_expect_eq(r.code, 1, "testing mode is not green yet: %s%s", r.out, r.err);
	trun_free(&r);
	int st;
	char *pol = simproc_sh(sp, &st, "curl -sS --cacert \"$SIM_CA\" --resolve mta-sts.%s:$SIM_STS_PORT:127.0.0.1 "
				      "https://mta-sts.%s:$SIM_STS_PORT/.well-known/mta-sts.txt", D, D);
	cr_expect(strstr(pol, "mode: testing"), "%s", pol);
	cr_expect(strstr(pol, "mx: arrow.mxrouting.net"), "%s", pol);
	free(pol);
	cr_expect_eq(nwrites(), 1);
}

Test(fix_sim, mta_sts_testing_switched_to_enforce)
{
	start(P_STS_TESTING);
	struct trun r;
	const char *yes[] = {"fix", "mta_sts.policy", D, "--yes", NULL};
	mcon(&r, false, NULL, yes);
	cr_expect(strstr(r.out, "POST /api/v1/edit/mta-sts\n{\"items\":[\"" D "\"],\"attr\":{\"version\":\"stsv1\","
			  "\"active\":1,\"mode\":\"enforce\"}}"), "%s", r.out);
	cr_expect(strstr(r.out, "_mta-sts." D ". 3600 IN TXT \"v=STSv1; id="), "the new TXT line: %s", r.out);
	trun_free(&r);
	int st;
	char *pol = simproc_sh(sp, &st, "curl -sS --cacert \"$SIM_CA\" --resolve mta-sts.%s:$SIM_STS_PORT:127.0.0.1 "
				      "https://mta-sts.%s:$SIM_STS_PORT/.well-known/mta-sts.txt", D, D);
	cr_expect(strstr(pol, "mode: enforce"), "%s", pol);
	free(pol);
	cr_expect_eq(nwrites(), 1);
}

Test(fix_sim, enforce_refused_while_another_check_is_red)
{
	start(P_STS_TESTING | P_NO_SPF);
	struct trun r;
	const char *yes[] = {"fix", "mta_sts.policy", D, "--yes", NULL};
	mcon(&r, false, NULL, yes);
	cr_expect_eq(r.code, 2, "%s%s", r.out, r.err);
	cr_expect(strstr(r.out, "spf.record:" D " critical"), "names what is red: %s", r.out);
	trun_free(&r);
	cr_expect_eq(nwrites(), 0);
}

Test(fix_sim, dns_side_prints_zone_lines_and_writes_nothing)
{
	start(P_NO_SPF);
	struct trun r;
	const char *plan[] = {"fix", "spf.record", D, NULL};
	mcon(&r, false, NULL, plan);
	cr_assert_eq(r.code, 0, "plan: %s%s", r.out, r.err);
	cr_expect(strstr(r.out, D ". 3600 IN TXT \"v=spf1 include:mxroute.com -all\"\n"), "%s", r.out);
	trun_free(&r);
	const char *yes[] = {"fix", "spf.record", D, "--yes", NULL};
	mcon(&r, false, NULL, yes);
	cr_expect_eq(r.code, 1, "not published yet: %s%s", r.out, r.err);
	cr_expect(strstr(r.out, "not passing yet"), "%s", r.out);
	trun_free(&r);
	cr_expect_eq(nwrites(), 0);

	const char *none[] = {"fix", "containers.running", "postfix-mailcow", NULL};
	mcon(&r, false, NULL, none);
	cr_expect(r.code == 0 || r.code == 2, "%s%s", r.out, r.err);
	trun_free(&r);
	const char *nosuch[] = {"fix", "domain.active", "no-such.example", NULL};
	mcon(&r, false, NULL, nosuch);
	cr_expect_eq(r.code, 2, "no such target: %s%s", r.out, r.err);
	trun_free(&r);
}

/* Read before write: a catch-all added between the plan and the apply is adopted. */
Test(fix_sim, catchall_that_appeared_meanwhile_is_adopted)
{
	start(P_NO_CATCHALL);
	struct config cfg;
	char *err = NULL;
	cr_assert_eq(config_load(&cfg, sp->conf, &err), 0, "%s", err);
	setenv("MCON_API_KEY", sp->api_key, 1);
	struct check_run run;
	struct snapshot *snap = fix_collect(&cfg, &run);
	struct fix_plan p;
	cr_assert_eq(fix_plan_make(snap, &cfg, &run, "domain.catchall", D, "paul@" D, &p, &err), 0, "%s", err);
	cr_assert_eq(p.kind, FIX_API);
	cr_assert_eq(p.op, FIXOP_ALIAS_ADD);
	int st;
	char *out = simproc_sh(sp, &st, "curl -sS --cacert \"$SIM_CA\" -H \"X-API-Key: $SIM_KEY\" -H 'Content-Type: "
				      "application/json' -d '{\"address\":\"@%s\",\"goto\":\"admin@%s\",\"active\":1}' "
				      "\"$SIM_API/add/alias\"", D, D);
	cr_assert_eq(st, 0, "%s", out);
	free(out);
	int before = nwrites();
	struct mailcow_api *api = mailcow_api_new(&cfg, &err);
	cr_assert_not_null(api, "%s", err);
	struct fix_outcome o;
	cr_expect_eq(fix_apply(api, &cfg, &p, &o), 0, "%s", o.message);
	cr_expect(o.adopted);
	cr_expect(!o.wrote);
	cr_expect(o.message && strstr(o.message, "adopted"), "%s", o.message);
	fix_outcome_free(&o);
	mailcow_api_free(api);
	cr_expect_eq(nwrites(), before, "nothing written");
	bool active = false;
	const char *g = NULL;
	json_t *keep;
	cr_expect_eq(catchalls(&active, &g, &keep), 1, "not duplicated");
	cr_expect_str_eq(g, "admin@" D, "the existing one kept");
	json_decref(keep);
	fix_plan_free(&p);
	check_run_free(&run);
	snapshot_free(snap);
	config_free(&cfg);
	unsetenv("MCON_API_KEY");
}
