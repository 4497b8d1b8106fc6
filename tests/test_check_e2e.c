/* `mcon check` end to end against the simulator: the demo scenario's planted problems are
 * found with their ids and targets and nothing else fails; a healthy scenario (the demo with
 * its problems repaired) is all OK; exit codes follow the worst status; a switched-on fault
 * turns exactly the checks that need that backend unknown; history records the change. */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/assets.h"
#include "core/checks.h"
#include "core/pending.h"
#include "tests/support/simproc.h"
#include "tests/support/trun.h"

#define MAXARGS 12

/* Runs mcon against the simulator with args (space separated, no quoting); returns the exit
 * code, *out its standard output (caller frees). */
static int mcon(struct simproc *sp, const char *args, char **out)
{
	char *copy = xstrdup(args), *save = NULL;
	const char *argv[MAXARGS + 4] = {trun_bin(), "--config", sp->conf};
	size_t n = 3;
	for (char *w = strtok_r(copy, " ", &save); w && n < MAXARGS + 3; w = strtok_r(NULL, " ", &save))
		argv[n++] = w;
	argv[n] = NULL;
	struct trun r;
	trun(&r, NULL, argv);
	*out = xstrdup(r.out ? r.out : "");
	int code = r.code;
	trun_free(&r);
	free(copy);
	return code;
}

static struct simproc *sim_start(const char *scenario)
{
	struct simproc *sp = simproc_start(scenario, NULL);
	cr_assert(sp, "mcon-sim did not start (see stderr)");
	return sp;
}

static void sim_stop(struct simproc *sp)
{
	cr_expect_eq(simproc_stop(sp), 0, "mcon-sim did not stop cleanly");
}

static void sim_ctl(struct simproc *sp, const char *cmd)
{
	cr_assert(simproc_ctl_ok(sp, "%s", cmd), "mcon-sim ctl %s failed", cmd);
}

static json_t *check_json(struct simproc *s, int *rc)
{
	char *out;
	*rc = mcon(s, "check --json", &out);
	json_error_t e;
	json_t *j = json_loads(out, 0, &e);
	cr_assert(j, "check --json: %s: %.300s", e.text, out);
	free(out);
	return j;
}

static json_t *scenario_json(void)
{
	const struct asset *a = asset_find("demo-scenario.json");
	cr_assert(a, "no bundled demo-scenario.json");
	json_error_t e;
	json_t *j = json_loadb((const char *)a->data, a->len, 0, &e);
	cr_assert(j, "demo-scenario.json: %s", e.text);
	return j;
}

/* The contract's order for "worst of": critical > unknown > warning > ok; -1 for no status. */
static int contract_rank(const char *st)
{
	static const char *const order[] = {"ok", "warning", "unknown", "critical"};
	for (int i = 0; i < 4; i++)
		if (st && strcmp(st, order[i]) == 0)
			return i;
	return -1;
}

/* The Nagios plugin exit code of a status (the contract's, written out here). */
static int nagios_code(const char *st)
{
	return !st ? 3 : strcmp(st, "ok") == 0 ? 0 : strcmp(st, "warning") == 0 ? 1 : strcmp(st, "critical") == 0 ? 2 : 3;
}

static bool planted_has(json_t *planted, const char *check, const char *target)
{
	size_t i;
	json_t *p;
	json_array_foreach(planted, i, p)
		if (strcmp(json_string_value(json_object_get(p, "check")), check) == 0 &&
		    strcmp(json_string_value(json_object_get(p, "target")), target) == 0)
			return true;
	return false;
}

Test(check_e2e, demo_finds_exactly_the_planted_problems)
{
	json_t *sc = scenario_json();
	json_t *planted = json_object_get(sc, "planted");
	cr_assert(json_array_size(planted) > 0);
	struct simproc *s = sim_start(NULL);
	int rc;
	json_t *r = check_json(s, &rc);
	json_t *results = json_object_get(r, "results");
	size_t i;
	json_t *x;
	const char *worst = "ok";
	json_array_foreach(results, i, x) {
		const char *check = json_string_value(json_object_get(x, "check"));
		const char *target = json_string_value(json_object_get(x, "target"));
		const char *st = json_string_value(json_object_get(x, "status"));
		cr_assert(contract_rank(st) >= 0, "status %s", st);
		if (contract_rank(st) > contract_rank(worst))
			worst = st;
		if (strcmp(st, "ok") != 0)
			cr_expect(planted_has(planted, check, target), "not planted: %s %s %s: %s", st,
				  check, target, json_string_value(json_object_get(x, "summary")));
	}
	json_t *p;
	json_array_foreach(planted, i, p) {
		const char *check = json_string_value(json_object_get(p, "check"));
		const char *target = json_string_value(json_object_get(p, "target"));
		bool found = false;
		size_t k;
		json_array_foreach(results, k, x)
			if (strcmp(json_string_value(json_object_get(x, "check")), check) == 0 &&
			    strcmp(json_string_value(json_object_get(x, "target")), target) == 0 &&
			    strcmp(json_string_value(json_object_get(x, "status")), "ok") != 0)
				found = true;
		cr_expect(found, "planted problem not found: %s %s", check, target);
	}
	cr_expect_eq(rc, nagios_code(worst), "exit %d, worst %s", rc, worst);
	cr_expect_str_eq(json_string_value(json_object_get(r, "status")), worst);
	json_decref(r);
	json_decref(sc);
	sim_stop(s);
}

/* The demo with its planted problems repaired: the mxroute keys published, MTA-STS enforced,
 * the size limits in line, the queue empty and the missing catch-all added. */
static char *healthy_scenario(void)
{
	json_t *sc = scenario_json();
	json_object_set_new(sc, "planted", json_array());
	json_t *doms = json_object_get(json_object_get(sc, "mailcow"), "domains");
	json_t *good_key = NULL;
	size_t i;
	json_t *d;
	json_array_foreach(doms, i, d) {
		json_t *dkim = json_object_get(json_object_get(d, "dns"), "dkim");
		if (!good_key && json_object_get(dkim, "mxroute"))
			good_key = json_object_get(dkim, "mxroute");
	}
	cr_assert(good_key);
	json_array_foreach(doms, i, d) {
		json_t *dkim = json_object_get(json_object_get(d, "dns"), "dkim");
		if (dkim && !json_object_get(dkim, "mxroute"))
			json_object_set(dkim, "mxroute", good_key);
		json_t *sts = json_object_get(d, "mta_sts");
		if (sts)
			json_object_set_new(sts, "mode", json_string("enforce"));
	}
	json_t *l = json_object_get(sc, "limits");
	json_object_set_new(l, "rspamd_max_message", json_string("150Mb"));
	json_object_set_new(l, "antivirus_max_size", json_integer(104857600));
	json_object_set_new(l, "clamd_stream_max_length", json_string("100M"));
	json_object_set_new(l, "clamd_max_file_size", json_string("100M"));
	json_object_set_new(l, "clamd_max_scan_size", json_string("200M"));
	json_object_set_new(json_object_get(json_object_get(sc, "mailcow"), "mailq"), "deferred", json_integer(0));
	json_t *aliases = json_object_get(json_object_get(sc, "mailcow"), "aliases");
	json_array_foreach(doms, i, d) {
		const char *name = json_string_value(json_object_get(d, "name"));
		char *addr = xasprintf("@%s", name);
		bool have = false;
		size_t k;
		json_t *a;
		json_array_foreach(aliases, k, a)
			have |= strcmp(json_string_value(json_object_get(a, "address")), addr) == 0;
		if (!have) {
			json_t *a0 = json_deep_copy(json_array_get(aliases, 0));
			json_object_set_new(a0, "id", json_integer(900 + (json_int_t)i));
			json_object_set_new(a0, "address", json_string(addr));
			json_array_append_new(aliases, a0);
		}
		free(addr);
	}
	char *dir = simproc_tmpdir("healthy-scenario");
	char *path = xasprintf("%s/scenario.json", dir);
	free(dir);
	cr_assert_eq(json_dump_file(sc, path, JSON_INDENT(1)), 0);
	json_decref(sc);
	return path;
}

Test(check_e2e, healthy_scenario_is_all_ok)
{
	char *path = healthy_scenario();
	struct simproc *s = sim_start(path);
	int rc;
	json_t *r = check_json(s, &rc);
	size_t i;
	json_t *x;
	json_array_foreach(json_object_get(r, "results"), i, x)
		cr_expect_str_eq(json_string_value(json_object_get(x, "status")), "ok", "%s %s: %s",
				 json_string_value(json_object_get(x, "check")), json_string_value(json_object_get(x, "target")),
				 json_string_value(json_object_get(x, "summary")));
	cr_expect_eq(rc, 0);
	char *out;
	cr_expect_eq(mcon(s, "check", &out), 0);
	cr_expect(str_starts_with(out, "MCON OK: all "), "%s", out);
	free(out);
	/* one switched-on warning: exit 1 */
	sim_ctl(s, "mailq deferred 10");
	cr_expect_eq(mcon(s, "check", &out), 1);
	cr_expect(str_starts_with(out, "MCON WARNING: 0 critical, 1 warning"), "%s", out);
	free(out);
	sim_ctl(s, "mailq deferred 30");
	cr_expect_eq(mcon(s, "check", &out), 2);
	free(out);
	json_decref(r);
	sim_stop(s);
	free(path);
}

/* Whether id is one of the space-separated ids of list. */
static bool listed(const char *list, const char *id)
{
	size_t n = strlen(id);
	for (const char *p = list; (p = strstr(p, id)); p += n)
		if ((p == list || p[-1] == ' ') && (p[n] == ' ' || p[n] == '\0'))
			return true;
	return false;
}

/* After the fault, exactly the checks of `unknown` (space-separated ids, written here from the
 * contract's rules, not read from the check table) are unknown on every target; every other
 * result is as it was before. */
static void fault_case(const char *fault, const char *unknown)
{
	struct simproc *s = sim_start(NULL);
	int rc;
	json_t *before = check_json(s, &rc);
	sim_ctl(s, fault);
	json_t *after = check_json(s, &rc);
	const char *worst = json_string_value(json_object_get(after, "status"));
	cr_expect_eq(rc, nagios_code(worst), "%s: exit %d, worst %s", fault, rc, worst);
	cr_expect(contract_rank(worst) >= contract_rank("unknown"), "%s: worst %s", fault, worst);
	json_t *rb = json_object_get(before, "results"), *ra = json_object_get(after, "results");
	size_t i;
	json_t *x;
	struct strv seen = {0};
	json_array_foreach(ra, i, x) {
		const char *check = json_string_value(json_object_get(x, "check"));
		const char *target = json_string_value(json_object_get(x, "target"));
		const char *st = json_string_value(json_object_get(x, "status"));
		if (listed(unknown, check)) {
			cr_expect_str_eq(st, "unknown", "%s: %s %s is %s", fault, check, target, st);
			strv_push(&seen, check);
			continue;
		}
		/* every other result is as it was before the fault */
		const char *was = NULL;
		size_t k;
		json_t *y;
		json_array_foreach(rb, k, y)
			if (strcmp(json_string_value(json_object_get(y, "check")), check) == 0 &&
			    strcmp(json_string_value(json_object_get(y, "target")), target) == 0)
				was = json_string_value(json_object_get(y, "status"));
		cr_expect(was && strcmp(was, st) == 0, "%s: %s %s was %s, now %s", fault, check, target, was ? was : "absent", st);
	}
	/* every listed check reported (a typo in the list cannot pass) */
	char *list = xstrdup(unknown), *save = NULL;
	for (char *w = strtok_r(list, " ", &save); w; w = strtok_r(NULL, " ", &save))
		cr_expect(strv_contains(&seen, w), "%s: no result for %s", fault, w);
	free(list);
	strv_free(&seen);
	json_decref(before);
	json_decref(after);
	sim_stop(s);
}

Test(check_e2e, docker_fault_unknown_only_where_needed)
{
	fault_case("fault docker down",
		   "docker.api containers.running containers.health containers.restarts containers.network "
		   "overlay.attachment");
}

Test(check_e2e, dns_fault_unknown_only_where_needed)
{
	fault_case("fault dns down", "dns.resolver mx.relay spf.record dmarc.record dkim.mailcow dkim.selector "
		   "mta_sts.record mta_sts.policy tls_rpt.record outbound.ip");
}

/* Without MailCow there is no domain list either: every per-domain check is unknown. */
Test(check_e2e, mailcow_fault_unknown_only_where_needed)
{
	fault_case("fault mailcow down", "mailcow.api queue.deferred domain.active domain.catchall relay.outbound "
		   "mx.relay spf.record dmarc.record dkim.mailcow dkim.selector mta_sts.record mta_sts.policy "
		   "tls_rpt.record");
}

Test(check_e2e, record_and_history_see_a_change)
{
	struct simproc *s = sim_start(NULL);
	char *out;
	cr_assert_eq(mcon(s, "record", &out), 0, "%s", out);
	free(out);
	cr_assert_eq(mcon(s, "record", &out), 0);
	cr_expect(strstr(out, "recorded 0 changes") != NULL, "%s", out);
	free(out);
	sim_ctl(s, "container redis-mailcow connect netgrimoire");
	cr_assert_eq(mcon(s, "record", &out), 0);
	free(out);
	cr_assert_eq(mcon(s, "history --since 1h --json", &out), 0);
	json_t *h = json_loads(out, 0, NULL);
	cr_assert(json_is_array(h), "%s", out);
	cr_expect(str_starts_with(json_string_value(json_object_get(json_array_get(h, 0), "kind")), "c"));
	bool net = false, chk = false;
	size_t i;
	json_t *x;
	json_array_foreach(h, i, x) {
		const char *kind = json_string_value(json_object_get(x, "kind"));
		const char *target = json_string_value(json_object_get(x, "target"));
		net |= strcmp(kind, "container.networks") == 0 && strcmp(target, "redis-mailcow") == 0;
		chk |= strcmp(kind, "check") == 0 && strcmp(target, "overlay.attachment:redis-mailcow") == 0 &&
		       strcmp(json_string_value(json_object_get(x, "to")), "critical") == 0;
	}
	cr_expect(net && chk, "%s", out);
	json_decref(h);
	free(out);
	sim_stop(s);
}

/* None of a hostile TXT record's bytes (ESC, a raw C1 byte, U+202E, 0xFF) reaches any output:
 * the text is valid UTF-8 and holds no ESC, no U+0085 and no bidi override, escaped or not. */
static void expect_inert(const char *what, const char *text)
{
	cr_expect(pending_utf8_valid(text), "%s: not UTF-8", what);
	static const char *const hostile[] = {"\x1b", "\xc2\x85", "\xe2\x80\xae", "\\u001b", "\\u0085", "\\u202e",
					      "\\u202E"};
	for (size_t i = 0; i < sizeof(hostile) / sizeof(hostile[0]); i++)
		cr_expect(!strstr(text, hostile[i]), "%s holds hostile text %zu: %s", what, i, text);
}

Test(check_e2e, hostile_txt_is_inert_in_every_output)
{
	char *path = healthy_scenario();
	struct simproc *s = sim_start(path);
	/* ESC, the C1 byte 0x85, U+202E (RIGHT-TO-LEFT OVERRIDE) and 0xFF, as DNS \DDD escapes */
	sim_ctl(s, "dns del _dmarc.florosafd.org TXT");
	sim_ctl(s, "dns add _dmarc.florosafd.org TXT \"v=DMARC1; p=\\027[31m\\133\\226\\128\\174\\255x\"");
	/* the same text after the sanitiser: controls and the override as '?', bad bytes as U+FFFD */
	const char *clean = "v=DMARC1; p=?[31m\xef\xbf\xbd?\xef\xbf\xbdx";
	char *want = xasprintf("DMARC of florosafd.org has no valid p= tag: \"%s\"", clean);

	char *out;
	cr_expect_eq(mcon(s, "check", &out), 2);
	expect_inert("nagios", out);
	char *line = xasprintf("; dmarc.record florosafd.org: %s | ", want);
	cr_expect(str_starts_with(out, "MCON CRITICAL: 1 critical, 0 warning, 0 unknown, "), "%s", out);
	cr_expect(strstr(out, line), "nagios status line lacks %s: %s", line, out);
	free(line);
	line = xasprintf("\nCRITICAL dmarc.record florosafd.org: %s -- Replace it with e.g. _dmarc.florosafd.org. TXT "
			 "\"v=DMARC1; p=quarantine; rua=mailto:postmaster@florosafd.org\"\n", want);
	cr_expect(strstr(out, line), "nagios long output lacks %s: %s", line, out);
	free(line);
	free(out);

	char *prom_dir = simproc_tmpdir("hostile-prom");
	char *prom = xasprintf("%s/mcon.prom", prom_dir);
	char *args = xasprintf("check --json --prom %s", prom);
	cr_expect_eq(mcon(s, args, &out), 2);
	free(args);
	expect_inert("check --json", out);
	json_t *r = json_loads(out, 0, NULL);
	cr_assert(r, "check --json is not JSON: %s", out);
	bool found = false;
	size_t i;
	json_t *x;
	json_array_foreach(json_object_get(r, "results"), i, x) {
		if (strcmp(json_string_value(json_object_get(x, "check")), "dmarc.record") != 0 ||
		    strcmp(json_string_value(json_object_get(x, "target")), "florosafd.org") != 0)
			continue;
		found = true;
		cr_expect_str_eq(json_string_value(json_object_get(x, "status")), "critical");
		const char *summary = json_string_value(json_object_get(x, "summary"));
		cr_assert(summary, "the summary key is present");
		cr_expect_str_eq(summary, want);
	}
	cr_expect(found, "no dmarc.record result for florosafd.org: %s", out);
	json_decref(r);
	free(out);
	char *text = file_read(prom, 1 << 22, NULL);
	cr_assert(text, "no %s", prom);
	expect_inert("--prom", text);
	cr_expect(strstr(text, "mcon_check_status{check=\"dmarc.record\",target=\"florosafd.org\"} 2\n"), "%s", text);
	free(text);
	free(prom);
	free(prom_dir);

	cr_expect_eq(mcon(s, "snapshot --json", &out), 0);
	expect_inert("snapshot --json", out);
	r = json_loads(out, 0, NULL);
	cr_assert(r, "snapshot --json is not JSON: %.300s", out);
	const char *value = NULL;
	json_array_foreach(json_object_get(r, "domains"), i, x)
		if (strcmp(json_string_value(json_object_get(x, "name")), "florosafd.org") == 0)
			value = json_string_value(json_object_get(json_array_get(
			    json_object_get(json_object_get(json_object_get(x, "dns"), "dmarc"), "records"), 0), "value"));
	cr_assert(value, "the record is in the snapshot: %.300s", out);
	cr_expect_str_eq(value, clean);
	json_decref(r);
	free(out);
	free(want);
	sim_stop(s);
	free(path);
}

/* The requests the simulator served on a backend so far ("count BACKEND"). */
static long sim_count(struct simproc *sp, const char *backend)
{
	char *a = simproc_ctl(sp, "count %s", backend);
	cr_assert(a && strncmp(a, "ok ", 3) == 0, "count %s: %s", backend, a ? a : "(no answer)");
	long n = strtol(a + 3, NULL, 10);
	free(a);
	return n;
}

/* The results of a check --json run whose id starts with prefix, one "check target status
 * summary" line each (caller frees); *n counts them. */
static char *results_with(json_t *run, const char *prefix, size_t *n)
{
	struct buf b = {0};
	size_t i;
	json_t *x;
	*n = 0;
	json_array_foreach(json_object_get(run, "results"), i, x) {
		const char *check = json_string_value(json_object_get(x, "check"));
		if (strncmp(check, prefix, strlen(prefix)) != 0)
			continue;
		buf_printf(&b, "%s %s %s %s\n", check, json_string_value(json_object_get(x, "target")),
			   json_string_value(json_object_get(x, "status")), json_string_value(json_object_get(x, "summary")));
		(*n)++;
	}
	char *r = xstrdup(buf_cstr(&b));
	buf_free(&b);
	return r;
}

/* `--only 'containers.*'` asks only the Docker API (no MailCow request, no DNS query, no
 * MTA-STS fetch) and gives the same container results as a full run. */
Test(check_e2e, scoped_containers_touch_only_docker)
{
	struct simproc *s = sim_start(NULL);
	int rc;
	json_t *full = check_json(s, &rc);
	long mc0 = sim_count(s, "mailcow"), dns0 = sim_count(s, "dns"), sts0 = sim_count(s, "mta-sts");
	long dk0 = sim_count(s, "docker");
	cr_assert(mc0 > 0 && dns0 > 0, "a full run asks MailCow (%ld) and DNS (%ld)", mc0, dns0);
	char *out;
	int code = mcon(s, "check --json --only containers.*", &out);
	json_error_t e;
	json_t *scoped = json_loads(out, 0, &e);
	cr_assert(scoped, "check --json --only: %s: %.300s", e.text, out);
	free(out);
	cr_expect_eq(sim_count(s, "mailcow"), mc0, "the scoped run asked MailCow");
	cr_expect_eq(sim_count(s, "dns"), dns0, "the scoped run asked DNS");
	cr_expect_eq(sim_count(s, "mta-sts"), sts0, "the scoped run fetched an MTA-STS policy");
	cr_expect_gt(sim_count(s, "docker"), dk0, "the scoped run did not ask Docker");
	size_t nf, ns, nall;
	char *want = results_with(full, "containers.", &nf);
	char *got = results_with(scoped, "containers.", &ns);
	char *all = results_with(scoped, "", &nall);
	cr_expect_gt(nf, 0);
	cr_expect_eq(nall, ns, "the scoped run reported other checks:\n%s", all);
	cr_expect_str_eq(got, want);
	cr_expect(code >= 0 && code <= 3, "exit %d", code);
	free(want);
	free(got);
	free(all);
	json_decref(full);
	json_decref(scoped);
	sim_stop(s);
}
