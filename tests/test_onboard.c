/* test_onboard: the walkthrough engine against an in-memory MailCow (names, steps file,
 * full run, rerun, faults, read-only key, verification, resume from SQLite, plan golden). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/onboard.h"
#include "core/snapshot.h"
#include "db/onboard.h"

/* ---- An in-memory MailCow ---- */

struct fake {
	bool readonly;          /* 403 on every write */
	bool probe_unknown;     /* the write probe cannot tell */
	bool down;
	struct strv domains;
	struct strv aliases;    /* "address goto active" */
	char *dkim_sel;         /* NULL = no key */
	bool sts;
	char sts_mode[16];
	char *sts_mx;
	int writes;
	/* fault: the nth alias_add writes but reports an error (lost answer), or fails before */
	int alias_fault;        /* 0 none, 1 after writing, 2 before writing */
	struct strv zone;       /* which DNS checks pass: "mx.relay", "dkim.selector/mxroute", ... */
	struct strv log;        /* what the engine said */
	bool restart_sogo;      /* what add/domain was asked */
	const char *sogo_warning; /* add/domain succeeds with this MailCow warning */
};

static int f_ping(void *ud, char **err)
{
	struct fake *f = ud;
	if (f->down) {
		*err = xstrdup("Connection refused");
		return OB_RC_ERR;
	}
	return OB_RC_OK;
}

static int f_probe(void *ud, char **err)
{
	struct fake *f = ud;
	if (f->probe_unknown) {
		*err = xstrdup("HTTP 404");
		return OB_RC_UNKNOWN;
	}
	if (f->readonly) {
		*err = xstrdup("API read/write access denied");
		return OB_RC_READONLY;
	}
	return OB_RC_OK;
}

static int ro(struct fake *f, char **err)
{
	if (f->readonly) {
		*err = xstrdup("API read/write access denied");
		return OB_RC_READONLY;
	}
	f->writes++;
	return OB_RC_OK;
}

static int f_domain_get(void *ud, const char *d, bool *exists, bool *active, char **err)
{
	(void)err;
	struct fake *f = ud;
	*exists = *active = strv_contains(&f->domains, d);
	return OB_RC_OK;
}

static int f_domain_add(void *ud, const char *d, const char *sel, int bits, bool restart_sogo, char **err)
{
	struct fake *f = ud;
	int rc = ro(f, err);
	if (rc)
		return rc;
	cr_assert_eq(bits, 2048);
	strv_push(&f->domains, d);
	if (!f->dkim_sel)
		f->dkim_sel = xstrdup(sel);
	f->restart_sogo = restart_sogo;
	if (f->sogo_warning)
		*err = xasprintf("add/domain: %s", f->sogo_warning);
	return OB_RC_OK;
}

static ssize_t alias_find(struct fake *f, const char *address)
{
	for (size_t i = 0; i < f->aliases.n; i++)
		if (str_starts_with(f->aliases.v[i], address) && f->aliases.v[i][strlen(address)] == ' ')
			return (ssize_t)i;
	return -1;
}

static int f_alias_get(void *ud, const char *address, struct onboard_alias *out, char **err)
{
	(void)err;
	struct fake *f = ud;
	ssize_t i = alias_find(f, address);
	if (i >= 0) {
		char g[256];
		int active = 0;
		sscanf(f->aliases.v[i] + strlen(address) + 1, "%255s %d", g, &active);
		out->exists = true;
		out->active = active;
		out->goto_addr = xstrdup(g);
	}
	return OB_RC_OK;
}

static int f_alias_add(void *ud, const char *address, const char *go, char **err)
{
	struct fake *f = ud;
	if (f->alias_fault == 2) {
		f->alias_fault = 0;
		*err = xstrdup("Operation timed out");
		return OB_RC_ERR;
	}
	int rc = ro(f, err);
	if (rc)
		return rc;
	cr_assert(alias_find(f, address) < 0, "alias %s duplicated", address);
	strv_push_owned(&f->aliases, xasprintf("%s %s 1", address, go));
	if (f->alias_fault == 1) {
		f->alias_fault = 0;
		*err = xstrdup("Operation timed out after 5000 milliseconds");
		return OB_RC_ERR;
	}
	return OB_RC_OK;
}

static int f_alias_activate(void *ud, const char *address, char **err)
{
	struct fake *f = ud;
	int rc = ro(f, err);
	if (rc)
		return rc;
	ssize_t i = alias_find(f, address);
	cr_assert(i >= 0);
	f->aliases.v[i][strlen(f->aliases.v[i]) - 1] = '1';
	return OB_RC_OK;
}

static int f_dkim_get(void *ud, const char *d, struct onboard_dkim *out, char **err)
{
	(void)err;
	struct fake *f = ud;
	if (strv_contains(&f->domains, d) && f->dkim_sel) {
		out->present = true;
		out->selector = xstrdup(f->dkim_sel);
		out->bits = 2048;
		struct buf b = {0};
		buf_puts(&b, "v=DKIM1;k=rsa;t=s;s=email;p=");
		for (int i = 0; i < 392; i++)
			buf_putc(&b, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"[i % 64]);
		out->txt = buf_steal(&b);
	}
	return OB_RC_OK;
}

static int f_dkim_add(void *ud, const char *d, const char *sel, int bits, char **err)
{
	(void)d;
	(void)bits;
	struct fake *f = ud;
	int rc = ro(f, err);
	if (rc)
		return rc;
	cr_assert_null(f->dkim_sel, "a second DKIM key");
	f->dkim_sel = xstrdup(sel);
	return OB_RC_OK;
}

static int f_sts_add(void *ud, const char *d, const char *mode, const char *mx, long max_age, char **err)
{
	(void)d;
	(void)max_age;
	struct fake *f = ud;
	if (f->readonly)
		return ro(f, err);
	if (f->sts) {
		*err = xstrdup("mta_sts_exists");
		return OB_RC_ERR;
	}
	ro(f, err);
	f->sts = true;
	snprintf(f->sts_mode, sizeof(f->sts_mode), "%s", mode);
	f->sts_mx = xstrdup(mx);
	return OB_RC_OK;
}

static int f_sts_edit(void *ud, const char *d, const char *mode, const char *mx, char **err)
{
	(void)d;
	struct fake *f = ud;
	int rc = ro(f, err);
	if (rc)
		return rc;
	if (!f->sts) {
		*err = xstrdup("no policy");
		return OB_RC_ERR;
	}
	if (mode)
		snprintf(f->sts_mode, sizeof(f->sts_mode), "%s", mode);
	if (mx) {
		free(f->sts_mx);
		f->sts_mx = xstrdup(mx);
	}
	return OB_RC_OK;
}

static void add_check(struct onboard_checks *c, const char *check, const char *target, bool ok, const char *warn)
{
	c->v = xrealloc(c->v, (c->n + 1) * sizeof(*c->v));
	struct onboard_check *r = &c->v[c->n++];
	r->check = xstrdup(check);
	r->target = xstrdup(target);
	r->status = xstrdup(ok ? "ok" : warn ? "warning" : "critical");
	r->summary = xasprintf("%s %s", check, ok ? "fine" : "missing");
	r->hint = xstrdup(ok ? "" : "publish it");
}

static int f_checks(void *ud, const char *d, struct onboard_checks *out, char **err)
{
	(void)err;
	struct fake *f = ud;
	bool dom = strv_contains(&f->domains, d);
	char *ca = xasprintf("@%s", d);
	struct onboard_alias al = {0};
	f_alias_get(f, ca, &al, err);
	add_check(out, "domain.active", d, dom, NULL);
	add_check(out, "domain.catchall", d, al.exists && al.active, NULL);
	free(al.goto_addr);
	free(ca);
	static const char *const dns[] = {"mx.relay", "spf.record", "dmarc.record", "dkim.mailcow", "mta_sts.record", "tls_rpt.record"};
	for (size_t i = 0; i < ARRAY_SIZE(dns); i++)
		add_check(out, dns[i], d, strv_contains(&f->zone, dns[i]), strcmp(dns[i], "tls_rpt.record") == 0 ? "w" : NULL);
	static const char *const sels[] = {"mailcow", "mxroute"};
	for (size_t i = 0; i < 2; i++) {
		char *k = xasprintf("dkim.selector/%s", sels[i]), *t = xasprintf("%s/%s", d, sels[i]);
		add_check(out, "dkim.selector", t, strv_contains(&f->zone, k), NULL);
		free(k);
		free(t);
	}
	bool host = strv_contains(&f->zone, "mta_sts.host");
	bool enforce = f->sts && strcmp(f->sts_mode, "enforce") == 0;
	add_check(out, "mta_sts.policy", d, host && enforce, host && f->sts ? "w" : NULL);
	/* not an onboarding check: never counts */
	add_check(out, "relay.outbound", d, false, "w");
	return OB_RC_OK;
}

static int f_relay_mx(void *ud, const char *except, struct strv *out, char **err)
{
	(void)ud;
	(void)except;
	(void)err;
	strv_push(out, "mx1.mxrouting.net");
	strv_push(out, "mx2.mxrouting.net");
	return OB_RC_OK;
}

static const struct onboard_backend fake_be = {
	f_ping, f_probe, f_domain_get, f_domain_add, f_alias_get, f_alias_add, f_alias_activate,
	f_dkim_get, f_dkim_add, f_sts_add, f_sts_edit, f_checks, f_relay_mx,
};

static void fake_free(struct fake *f)
{
	strv_free(&f->domains);
	strv_free(&f->aliases);
	strv_free(&f->zone);
	strv_free(&f->log);
	free(f->dkim_sel);
	free(f->sts_mx);
}

static void publish_all(struct fake *f)
{
	static const char *const all[] = {"mx.relay", "spf.record", "dmarc.record", "dkim.mailcow", "mta_sts.record",
	                                  "tls_rpt.record", "dkim.selector/mailcow", "dkim.selector/mxroute", "mta_sts.host"};
	for (size_t i = 0; i < ARRAY_SIZE(all); i++)
		strv_push(&f->zone, all[i]);
}

/* ---- Harness ---- */

static const char conf_text[] =
	"[mailcow]\nurl = https://mail.example.net\n"
	"[relay]\nname = MXRoute\nmx = *.mxrouting.net, *.mxroute.com\nspf_include = mxroute.com\n"
	"[dkim]\nselectors = mailcow, mxroute\nmailcow_selector = mailcow\n";

static struct config cfg;

static void cfg_setup(void)
{
	char *err = NULL;
	setenv("MCON_NOW", "2026-11-30T01:00:00Z", 1);
	cr_assert_eq(config_load_string(&cfg, conf_text, "test.conf", &err), 0, "%s", err ? err : "");
}

static void cfg_teardown(void)
{
	config_free(&cfg);
}

struct ui_rec {
	struct fake *f;
	struct db *db;
	int saves;
	bool answer;
	int publish_after;      /* publish every record at this wait */
	bool stop_waiting;
	long waits[16];
	int n_waits;
};

static void ui_say(void *ud, const char *line)
{
	struct ui_rec *u = ud;
	strv_push(&u->f->log, line);
}

static bool ui_confirm(void *ud, const char *q)
{
	struct ui_rec *u = ud;
	(void)q;
	return u->answer;
}

static void ui_save(void *ud, const struct onboard_outcome *o)
{
	struct ui_rec *u = ud;
	u->saves++;
	if (u->db) {
		cr_assert_eq(db_onboard_save(u->db, o), DB_OK, "%s", db_errmsg(u->db));
	}
}

static bool ui_wait(void *ud, long ms)
{
	struct ui_rec *u = ud;
	if (u->n_waits < 16)
		u->waits[u->n_waits] = ms;
	u->n_waits++;
	if (u->publish_after && u->n_waits == u->publish_after)
		publish_all(u->f);
	return !u->stop_waiting;
}

static struct onboard *start(struct ui_rec *u, const char *catchall, long wait_s)
{
	struct onboard_ui ui = {ui_confirm, NULL, ui_say, ui_save, ui_wait, u};
	struct onboard_opts o = {.who = "tester from 192.0.2.7", .catchall_to = catchall, .wait_s = wait_s};
	char *err = NULL;
	struct onboard *ob = onboard_new(&cfg, "example.org", &fake_be, u->f, &ui, &o, &err);
	cr_assert_not_null(ob, "%s", err ? err : "");
	if (u->db) {
		struct onboard_outcome *v = NULL;
		size_t n = 0;
		cr_assert_eq(db_onboard_load(u->db, "example.org", &v, &n), DB_OK);
		for (size_t i = 0; i < n; i++)
			onboard_restore(ob, &v[i]);
		db_onboard_outcomes_free(v, n);
	}
	return ob;
}

static enum onboard_state state_of(struct onboard *ob, const char *id)
{
	for (size_t i = 0; i < ob->steps.n; i++)
		if (strcmp(ob->steps.v[i].id, id) == 0)
			return ob->run[i].state;
	cr_assert_fail("no step %s", id);
	return OB_TODO;
}

static bool log_has(struct fake *f, const char *needle)
{
	for (size_t i = 0; i < f->log.n; i++)
		if (strstr(f->log.v[i], needle))
			return true;
	return false;
}

/* ---- Names ---- */

Test(onboard_names, ascii_names_are_lowercased_and_checked)
{
	char *a = NULL, *err = NULL;
	cr_assert_eq(onboard_domain_normalize("  Example.ORG. ", &a, &err), 0);
	cr_assert_str_eq(a, "example.org");
	free(a);
	cr_assert_eq(onboard_domain_normalize("a-b.c0.example", &a, &err), 0);
	cr_assert_str_eq(a, "a-b.c0.example");
	free(a);

	static const char *const bad[] = {
		"", "com", "-a.com", "a-.com", "a..com", ".a.com", "a_b.com", "a b.com", "host.123", "a.com..",
		"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.com", /* 64 */
		"@example.com", "example.com/x",
	};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		a = NULL;
		err = NULL;
		cr_expect_eq(onboard_domain_normalize(bad[i], &a, &err), -1, "'%s' accepted as %s", bad[i], a ? a : "");
		cr_expect_not_null(err);
		free(a);
		free(err);
	}
	/* 253 is the limit */
	struct buf b = {0};
	for (int i = 0; i < 4; i++)
		buf_printf(&b, "%.62s.", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
	buf_puts(&b, "com");       /* 4*63 + 3 = 255 */
	err = NULL;
	cr_expect_eq(onboard_domain_normalize(buf_cstr(&b), &a, &err), -1);
	cr_expect(err && strstr(err, "253"), "%s", err ? err : "");
	free(err);
	buf_free(&b);
	for (int i = 0; i < 3; i++)
		buf_printf(&b, "%.62s.", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
	buf_puts(&b, "example.com");
	cr_expect_eq(onboard_domain_normalize(buf_cstr(&b), &a, &err), 0);
	free(a);
	buf_free(&b);
}

Test(onboard_names, idn_is_converted_with_libidn2)
{
	char *a = NULL, *err = NULL;
	cr_assert_eq(onboard_domain_normalize("bücher.de", &a, &err), 0, "%s", err ? err : "");
	cr_assert_str_eq(a, "xn--bcher-kva.de");
	char *u = onboard_domain_display(a);
	cr_assert_str_eq(u, "bücher.de");
	free(u);
	free(a);
	/* UTS#46 mapping: upper case folds, full-width dot separates */
	cr_assert_eq(onboard_domain_normalize("MÜNCHEN.example", &a, &err), 0, "%s", err ? err : "");
	cr_assert_str_eq(a, "xn--mnchen-3ya.example");
	free(a);
	cr_assert_eq(onboard_domain_normalize("xn--bcher-kva.de", &a, &err), 0);
	cr_assert_str_eq(a, "xn--bcher-kva.de");
	free(a);
	/* not a name: a disallowed code point, a bad A-label */
	err = NULL;
	cr_assert_eq(onboard_domain_normalize("a\xe2\x98\x83\xe2\x80\x8d.com", &a, &err), -1);
	cr_assert_not_null(err);
	free(err);
	err = NULL;
	cr_assert_eq(onboard_domain_normalize("xn--a.com", &a, &err), -1);
	cr_assert_not_null(err);
	free(err);
	u = onboard_domain_display("example.org");
	cr_assert_str_eq(u, "example.org");
	free(u);
}

Test(onboard_names, txt_split_into_255_strings)
{
	char v[601];
	memset(v, 'k', 600);
	v[600] = '\0';
	char *q = onboard_txt_quote(v);
	cr_assert_eq(strlen(q), 600 + 6 + 2);
	cr_assert_eq(q[0], '"');
	cr_assert_eq(q[256], '"');
	cr_assert_eq(q[257], ' ');
	cr_assert_eq(q[258], '"');
	cr_assert_eq(q[514], '"');
	free(q);
	q = onboard_txt_quote("a\"b");
	cr_assert_str_eq(q, "\"a\\\"b\"");
	free(q);
}

/* ---- Steps ---- */

Test(onboard_steps, the_asset_holds_steps_a_to_i)
{
	struct onboard_steps s;
	char *err = NULL;
	cr_assert_eq(onboard_steps_load(&s, NULL, &err), 0, "%s", err ? err : "");
	cr_assert_eq(s.n, 9);
	static const enum onboard_action want[] = {
		OB_ACT_PREFLIGHT, OB_ACT_ADD_DOMAIN, OB_ACT_ADD_ALIAS_CATCHALL, OB_ACT_ENSURE_DKIM, OB_ACT_MANUAL_RELAY,
		OB_ACT_DNS_PUBLISH, OB_ACT_ADD_MTA_STS, OB_ACT_VERIFY, OB_ACT_MTA_STS_ENFORCE,
	};
	for (size_t i = 0; i < s.n; i++) {
		cr_expect_eq(s.v[i].letter, (char)('a' + i));
		cr_expect_eq(s.v[i].action, want[i], "step %zu", i);
		cr_expect(s.v[i].text && *s.v[i].text);
		cr_expect(s.v[i].verify.n > 0);
	}
	cr_expect(strchr(s.v[2].text, '\n'), "multi-line text kept");
	cr_expect(s.v[1].writes && !s.v[4].writes);
	onboard_steps_free(&s);

	err = NULL;
	cr_assert_eq(onboard_steps_load(&s, "[x]\nletter = a\ntitle = t\ntext = t\naction = api:nope\n", &err), -1);
	cr_assert(strstr(err, "api:nope"), "%s", err);
	free(err);
	err = NULL;
	cr_assert_eq(onboard_steps_load(&s, "[x]\nletter = a\ntitle = t\naction = verify\n", &err), -1);
	cr_assert(strstr(err, "[x]"), "%s", err);
	free(err);
}

/* ---- The engine ---- */

TestSuite(onboard_engine, .init = cfg_setup, .fini = cfg_teardown);

Test(onboard_engine, full_run_then_rerun_changes_nothing)
{
	struct fake f = {0};
	struct ui_rec u = {.f = &f, .answer = true};
	struct onboard *ob = start(&u, "admin@example.org", 0);
	cr_assert_eq(onboard_next(ob), 0);
	enum onboard_state st = onboard_run(ob);
	/* nothing in DNS yet: verification pending, enforce not reached */
	cr_assert_eq(st, OB_PENDING);
	cr_assert_eq(state_of(ob, "preflight"), OB_DONE);
	cr_assert_eq(state_of(ob, "domain"), OB_DONE);
	cr_assert_eq(state_of(ob, "catchall"), OB_DONE);
	cr_assert_eq(state_of(ob, "dkim"), OB_DONE);
	cr_assert_eq(state_of(ob, "relay"), OB_PENDING);
	cr_assert_eq(state_of(ob, "dns"), OB_PENDING);
	cr_assert_eq(state_of(ob, "mta_sts"), OB_DONE);
	cr_assert_eq(state_of(ob, "verify"), OB_PENDING);
	cr_assert_eq(state_of(ob, "enforce"), OB_TODO);
	cr_assert(strv_contains(&f.domains, "example.org"));
	cr_assert_eq(f.aliases.n, 1);
	cr_assert_str_eq(f.aliases.v[0], "@example.org admin@example.org 1");
	cr_assert_str_eq(f.dkim_sel, "mailcow");
	cr_assert(f.sts);
	cr_assert_str_eq(f.sts_mode, "testing");
	cr_assert_str_eq(f.sts_mx, "*.mxrouting.net,*.mxroute.com,mail.example.net");
	cr_assert_eq(f.writes, 3, "domain, alias, mta-sts: %d writes", f.writes);
	cr_assert(log_has(&f, "mailcow._domainkey.example.org. 3600 IN TXT \"v=DKIM1;"), "the DKIM TXT is shown");
	cr_assert(log_has(&f, "example.org. 3600 IN MX 10 mx1.mxrouting.net."));
	/* exactly the unpublished ones are reported */
	cr_assert(log_has(&f, "9 checks of example.org not passing"));
	cr_assert(log_has(&f, "mx.relay example.org (critical)"));
	cr_assert(log_has(&f, "dkim.selector example.org/mxroute (critical)"));
	cr_assert(!log_has(&f, "domain.catchall example.org ("));
	cr_assert(!log_has(&f, "domain.active example.org ("));
	onboard_free(ob);

	/* records published: the rerun resumes at the relay step, verifies, enforces */
	publish_all(&f);
	strv_free(&f.log);
	ob = start(&u, NULL, 0);
	for (size_t i = 0; i < 4; i++)
		onboard_restore(ob, &(struct onboard_outcome){.step = ob->steps.v[i].id, .state = OB_DONE});
	onboard_restore(ob, &(struct onboard_outcome){.step = (char *)"mta_sts", .state = OB_DONE, .written = (char *)"add/mta-sts {}; _mta-sts id=20261130010000"});
	cr_assert_eq(onboard_next(ob), 4);
	st = onboard_run(ob);
	cr_assert_eq(st, OB_DONE);
	cr_assert_eq(state_of(ob, "relay"), OB_DONE);
	cr_assert_eq(state_of(ob, "dns"), OB_DONE);
	cr_assert_eq(state_of(ob, "enforce"), OB_DONE);
	cr_assert(ob->onboarded);
	cr_assert_str_eq(f.sts_mode, "enforce");
	cr_assert_eq(f.writes, 4);
	cr_assert(onboard_checks_green(&ob->last, false, NULL));
	onboard_free(ob);
	fake_free(&f);
}

Test(onboard_engine, resume_from_sqlite_never_repeats_a_done_step)
{
	char *path = xasprintf("%s/onboard-%d.db", getenv("MCON_TEST_TMP") ? getenv("MCON_TEST_TMP") : "/tmp", getpid());
	unlink(path);
	struct db_error derr;
	struct db *db = db_open(path, 0, &derr);
	cr_assert_not_null(db, "%s", derr.msg);
	struct fake f = {0};
	struct ui_rec u = {.f = &f, .db = db, .answer = true};
	struct onboard *ob = start(&u, "admin@example.org", 0);
	onboard_run(ob);
	onboard_free(ob);
	int writes = f.writes;

	/* second run from the database alone: nothing written again */
	ob = start(&u, NULL, 0);
	cr_assert_eq(onboard_next(ob), 4, "resumes at the relay step");
	cr_assert_eq(onboard_run(ob), OB_PENDING);
	cr_assert_eq(f.writes, writes);
	onboard_free(ob);

	publish_all(&f);
	ob = start(&u, NULL, 0);
	cr_assert_eq(onboard_run(ob), OB_DONE);
	cr_assert_eq(f.writes, writes + 1, "only the enforce edit");
	cr_assert(ob->onboarded);
	cr_assert_eq(db_onboard_mark_onboarded(db, "example.org", mcon_now()), DB_OK);
	onboard_free(ob);

	/* third run: everything done, nothing written */
	ob = start(&u, NULL, 0);
	cr_assert(ob->onboarded);
	cr_assert_eq(onboard_next(ob), ob->steps.n);
	cr_assert_eq(onboard_run(ob), OB_DONE);
	cr_assert_eq(f.writes, writes + 1);
	cr_assert_str_eq(ob->sts_id, "20261130010000");
	onboard_free(ob);

	/* the audit trail: who, when, what was written */
	struct onboard_outcome *v = NULL;
	size_t n = 0;
	cr_assert_eq(db_onboard_history(db, "example.org", &v, &n), DB_OK);
	cr_assert_geq(n, 12);
	cr_assert_str_eq(v[0].step, "preflight");
	cr_assert_str_eq(v[0].who, "tester from 192.0.2.7");
	cr_assert_eq(v[0].at, mcon_now());
	bool alias_written = false;
	for (size_t i = 0; i < n; i++)
		if (v[i].written && strstr(v[i].written, "add/alias {\"address\":\"@example.org\",\"goto\":"
							    "\"admin@example.org\",\"active\":1,\"sender_allowed\":1}"))
			alias_written = true;
	cr_assert(alias_written);
	db_onboard_outcomes_free(v, n);
	cr_assert_eq(db_onboard_done_at(db, "example.org"), mcon_now());
	cr_assert_eq(db_onboard_done_at(db, "other.org"), 0);
	db_close(db);
	unlink(path);
	free(path);
	fake_free(&f);
}

Test(onboard_engine, fault_at_the_catchall_then_rerun_completes)
{
	for (int mode = 1; mode <= 2; mode++) {
		struct fake f = {.alias_fault = mode};
		struct ui_rec u = {.f = &f, .answer = true};
		struct onboard *ob = start(&u, "admin@example.org", 0);
		cr_assert_eq(onboard_run(ob), OB_FAILED);
		cr_assert_eq(state_of(ob, "catchall"), OB_FAILED);
		cr_assert_eq(state_of(ob, "dkim"), OB_TODO, "stops at the failed step");
		cr_assert(log_has(&f, "add/alias failed: Operation timed out"));
		cr_assert_eq(onboard_next(ob), 2);
		/* the rerun: the alias written before the answer was lost is adopted, not duplicated */
		cr_assert_eq(onboard_run(ob), OB_PENDING);
		cr_assert_eq(state_of(ob, "catchall"), OB_DONE);
		cr_assert_eq(f.aliases.n, 1);
		cr_assert_str_eq(f.aliases.v[0], "@example.org admin@example.org 1");
		cr_assert(mode == 1 ? log_has(&f, "adopted") : log_has(&f, "created the catch-all"));
		onboard_free(ob);
		fake_free(&f);
	}
}

Test(onboard_engine, existing_domain_alias_and_key_are_adopted)
{
	struct fake f = {0};
	strv_push(&f.domains, "example.org");
	strv_push(&f.aliases, "@example.org someone@example.org 0");
	f.dkim_sel = xstrdup("mailcow");
	f.sts = true;
	snprintf(f.sts_mode, sizeof(f.sts_mode), "enforce");
	f.sts_mx = xstrdup("old.example.net");
	struct ui_rec u = {.f = &f, .answer = true};
	struct onboard *ob = start(&u, "admin@example.org", 0);
	onboard_run(ob);
	cr_assert_eq(state_of(ob, "domain"), OB_DONE);
	cr_assert_eq(f.domains.n, 1);
	cr_assert_str_eq(f.aliases.v[0], "@example.org someone@example.org 1", "activated, target kept");
	cr_assert_str_eq(f.sts_mode, "enforce", "an existing policy keeps its mode");
	cr_assert_str_eq(f.sts_mx, "*.mxrouting.net,*.mxroute.com,mail.example.net");
	cr_assert_eq(f.writes, 2, "activate + mx edit");
	onboard_free(ob);
	fake_free(&f);
}

Test(onboard_engine, other_dkim_selector_is_refused)
{
	struct fake f = {0};
	strv_push(&f.domains, "example.org");
	strv_push(&f.aliases, "@example.org someone@example.org 1");
	f.dkim_sel = xstrdup("dkim");
	struct ui_rec u = {.f = &f, .answer = true};
	struct onboard *ob = start(&u, NULL, 0);
	cr_assert_eq(onboard_run(ob), OB_FAILED);
	cr_assert_eq(state_of(ob, "dkim"), OB_FAILED);
	cr_assert(log_has(&f, "selector dkim, not mailcow"));
	cr_assert_eq(f.writes, 0);
	onboard_free(ob);
	fake_free(&f);
}

Test(onboard_engine, read_only_key_is_refused_before_any_write)
{
	struct fake f = {.readonly = true};
	struct ui_rec u = {.f = &f, .answer = true};
	struct onboard *ob = start(&u, "admin@example.org", 0);
	cr_assert_eq(onboard_run(ob), OB_NEEDS_RW);
	cr_assert_eq(state_of(ob, "preflight"), OB_NEEDS_RW);
	cr_assert_eq(f.writes, 0);
	cr_assert_eq(f.domains.n, 0);
	cr_assert(log_has(&f, "Configuration -> Access -> Administrators -> API"));
	cr_assert(log_has(&f, "mailcow.api_key_file"));
	onboard_free(ob);

	/* the probe cannot tell: the first write is refused and stops the run */
	f.probe_unknown = true;
	ob = start(&u, "admin@example.org", 0);
	cr_assert_eq(onboard_run(ob), OB_NEEDS_RW);
	cr_assert_eq(state_of(ob, "preflight"), OB_DONE);
	cr_assert_eq(state_of(ob, "domain"), OB_NEEDS_RW);
	cr_assert_eq(state_of(ob, "catchall"), OB_TODO);
	cr_assert_eq(f.domains.n, 0);
	onboard_free(ob);
	fake_free(&f);
}

Test(onboard_engine, declined_write_stops)
{
	struct fake f = {0};
	struct ui_rec u = {.f = &f, .answer = false};
	struct onboard *ob = start(&u, "admin@example.org", 0);
	cr_assert_eq(onboard_run(ob), OB_DECLINED);
	cr_assert_eq(state_of(ob, "domain"), OB_DECLINED);
	cr_assert_eq(f.writes, 0);
	onboard_free(ob);
	fake_free(&f);
}

Test(onboard_engine, catchall_needs_a_target)
{
	struct fake f = {0};
	struct ui_rec u = {.f = &f, .answer = true};
	struct onboard *ob = start(&u, NULL, 0);
	cr_assert_eq(onboard_run(ob), OB_FAILED);
	cr_assert_eq(state_of(ob, "catchall"), OB_FAILED);
	cr_assert(log_has(&f, "--catchall-to"));
	onboard_free(ob);
	ob = start(&u, "not an address", 0);
	cr_assert_eq(onboard_run(ob), OB_FAILED);
	cr_assert(log_has(&f, "is not a mail address"));
	onboard_free(ob);
	fake_free(&f);
}

Test(onboard_engine, wait_retries_with_backoff_until_green)
{
	struct fake f = {0};
	struct ui_rec u = {.f = &f, .answer = true};
	struct onboard *ob = start(&u, "admin@example.org", 0);
	onboard_run(ob);
	onboard_free(ob);
	cr_assert_eq(f.writes, 3);

	/* the records appear while mcon waits: after the third round */
	u.publish_after = 3;
	ob = start(&u, NULL, 600);
	for (size_t i = 0; i < 4; i++)
		onboard_restore(ob, &(struct onboard_outcome){.step = ob->steps.v[i].id, .state = OB_DONE});
	onboard_restore(ob, &(struct onboard_outcome){.step = (char *)"mta_sts", .state = OB_DONE});
	cr_assert_eq(onboard_run(ob), OB_DONE);
	cr_assert_eq(u.n_waits, 3);
	cr_assert_eq(u.waits[0], 5000);
	cr_assert_eq(u.waits[1], 10000);
	cr_assert_eq(u.waits[2], 20000);
	cr_assert(log_has(&f, "not yet (round 3)"));
	cr_assert(log_has(&f, "every check of example.org passes"));
	cr_assert_eq(state_of(ob, "enforce"), OB_DONE);
	onboard_free(ob);

	/* the admin stops waiting: pending, not failed */
	struct fake g = {0};
	struct ui_rec v = {.f = &g, .answer = true, .stop_waiting = true};
	ob = start(&v, "admin@example.org", 600);
	cr_assert_eq(onboard_run(ob), OB_PENDING);
	cr_assert_eq(v.n_waits, 1);
	cr_assert_eq(state_of(ob, "verify"), OB_PENDING);
	onboard_free(ob);
	fake_free(&g);

	/* only the missing one is listed */
	strv_free(&f.zone);
	publish_all(&f);
	for (size_t i = 0; i < f.zone.n; i++)
		if (strcmp(f.zone.v[i], "dmarc.record") == 0)
			f.zone.v[i][0] = 'X';
	char *err = NULL;
	ob = start(&u, NULL, 0);
	cr_assert_eq(onboard_verify(ob, &err), 0);
	cr_assert_eq(ob->last.n, 11, "relay.outbound is left out");
	struct buf missing = {0};
	cr_assert_not(onboard_checks_green(&ob->last, false, &missing));
	cr_assert_str_eq(buf_cstr(&missing), "dmarc.record example.org (critical): dmarc.record missing -- publish it\n");
	onboard_free(ob);
	buf_free(&missing);
	fake_free(&f);
}

/* ---- The plan ---- */

static void golden(const char *name, const char *got)
{
	char *path = xasprintf("tests/golden/%s", name);
	if (getenv("MCON_UPDATE_GOLDEN")) {
		file_write_atomic(path, got, strlen(got), 0644);
	}
	size_t n = 0;
	char *want = file_read(path, 1 << 20, &n);
	cr_assert_not_null(want, "%s missing (MCON_UPDATE_GOLDEN=1 writes it)", path);
	cr_assert_str_eq(got, want, "%s differs", path);
	free(want);
	free(path);
}

Test(onboard_engine, plan_golden_new_domain)
{
	struct fake f = {0};
	struct ui_rec u = {.f = &f, .answer = true};
	struct onboard *ob = start(&u, NULL, 0);
	ob->plan_only = true;
	struct buf b = {0};
	onboard_plan(ob, &b);
	golden("onboard-plan-engine.txt", buf_cstr(&b));
	cr_assert_eq(f.writes, 0);
	cr_assert_eq(u.saves, 0, "the plan records nothing");
	buf_free(&b);
	onboard_free(ob);
	fake_free(&f);
}

/* The SOGo restart is off unless asked, shown in the plan when on, and MailCow's warning
 * about a failed restart reaches the admin and the step's record. */
Test(onboard_engine, sogo_restart_is_a_visible_choice_and_warnings_surface)
{
	struct fake f = {0};
	struct ui_rec u = {.f = &f, .answer = true};
	struct onboard *ob = start(&u, "admin@example.org", 0);
	struct buf b = {0};
	ob->plan_only = true;
	onboard_plan(ob, &b);
	cr_assert_null(strstr(buf_cstr(&b), "restart_sogo"), "%s", buf_cstr(&b));
	ob->plan_only = false;
	onboard_step_run(ob, 0);
	cr_assert_eq(onboard_step_run(ob, 1), OB_DONE);
	cr_assert_not(f.restart_sogo, "add/domain must not restart SOGo by default");
	cr_assert_null(strstr(ob->run[1].written, "restart_sogo"), "%s", ob->run[1].written);
	onboard_free(ob);
	fake_free(&f);

	struct fake g = {.sogo_warning = "domain_added_sogo_failed"};
	u.f = &g;
	struct onboard_ui ui = {ui_confirm, NULL, ui_say, ui_save, ui_wait, &u};
	struct onboard_opts o = {.who = "tester", .catchall_to = "admin@example.org", .restart_sogo = true};
	char *err = NULL;
	ob = onboard_new(&cfg, "example.org", &fake_be, &g, &ui, &o, &err);
	cr_assert_not_null(ob, "%s", err ? err : "");
	ob->plan_only = true;
	buf_reset(&b);
	onboard_plan(ob, &b);
	cr_assert(strstr(buf_cstr(&b), "\"key_size\":2048,\"restart_sogo\":1}: MailCow then restarts the sogo-mailcow "
			  "container"), "%s", buf_cstr(&b));
	ob->plan_only = false;
	onboard_step_run(ob, 0);
	cr_assert_eq(onboard_step_run(ob, 1), OB_DONE, "the domain exists although SOGo did not restart");
	cr_assert(g.restart_sogo);
	cr_assert(log_has(&g, "MailCow warned: add/domain: domain_added_sogo_failed"));
	cr_assert(strstr(ob->run[1].detail, "MailCow warned: add/domain: domain_added_sogo_failed"), "%s",
		  ob->run[1].detail);
	cr_assert(strstr(ob->run[1].written, "\"restart_sogo\":1"), "%s", ob->run[1].written);
	cr_assert_eq(onboard_step_run(ob, 2), OB_DONE);
	cr_assert_null(strstr(ob->run[2].detail, "warned"), "a warning belongs to its own step: %s", ob->run[2].detail);
	buf_free(&b);
	onboard_free(ob);
	fake_free(&g);
}

Test(onboard_engine, plan_of_an_existing_domain_shows_its_key)
{
	struct fake f = {0};
	strv_push(&f.domains, "example.org");
	f.dkim_sel = xstrdup("mailcow");
	struct ui_rec u = {.f = &f, .answer = true};
	struct onboard *ob = start(&u, "admin@example.org", 0);
	struct buf b = {0};
	onboard_plan(ob, &b);
	const char *s = buf_cstr(&b);
	cr_assert(strstr(s, "exists: adopted, nothing written"), "%s", s);
	cr_assert(strstr(s, "mailcow._domainkey.example.org. 3600 IN TXT \"v=DKIM1;k=rsa;t=s;s=email;p=ABC"), "%s", s);
	/* 29 + 392 characters: two strings */
	cr_assert(strstr(s, "\" \"") != NULL, "%s", s);
	buf_free(&b);
	onboard_free(ob);
	fake_free(&f);
}

Test(onboard_engine, step_by_step_as_the_console_drives_it)
{
	struct fake f = {0};
	struct ui_rec u = {.f = &f};
	struct onboard_ui ui = {NULL, NULL, NULL, ui_save, NULL, &u};
	struct onboard_opts o = {.who = "console", .catchall_to = "admin@example.org"};
	char *err = NULL;
	struct onboard *ob = onboard_new(&cfg, "example.org", &fake_be, &f, &ui, &o, &err);
	cr_assert_not_null(ob);
	struct buf h = {0};
	onboard_step_header(ob, 2, &h);
	cr_assert_str_eq(buf_cstr(&h), "Step c (3 of 9): Create the catch-all alias [todo, writes]");
	buf_free(&h);
	/* one step per call; the verify step runs a single round with wait_s 0 */
	size_t calls = 0;
	for (size_t i = 0; i < ob->steps.n; i++) {
		enum onboard_state st = onboard_step_run(ob, i);
		calls++;
		if (ob->steps.v[i].action == OB_ACT_MANUAL_RELAY || ob->steps.v[i].action == OB_ACT_DNS_PUBLISH)
			cr_assert_eq(st, OB_PENDING);
		else if (ob->steps.v[i].action == OB_ACT_VERIFY) {
			cr_assert_eq(st, OB_PENDING);
			cr_assert_eq(onboard_next(ob), 4, "the relay step is the first not done");
			publish_all(&f);   /* live verification: the next round passes */
			cr_assert_eq(onboard_step_run(ob, i), OB_DONE);
			calls++;
		} else
			cr_assert_eq(st, OB_DONE, "step %zu", i);
	}
	cr_assert_eq(onboard_next(ob), ob->steps.n, "all done after %zu calls", calls);
	cr_assert(ob->onboarded);
	cr_assert_str_eq(f.sts_mode, "enforce");
	cr_assert_eq(f.writes, 4);
	cr_assert_geq(u.saves, 11);
	onboard_free(ob);
	fake_free(&f);
}

Test(onboard_engine, relay_mx_hosts_from_a_domain_behind_the_relay)
{
	struct dns_rr direct[] = {{.value = (char *)"mail.example.net", .pref = 10}};
	struct dns_rr mixed[] = {{.value = (char *)"arrow.mxrouting.net", .pref = 10}, {.value = (char *)"mx.other.org", .pref = 20}};
	struct dns_rr relay[] = {{.value = (char *)"arrow-relay.mxrouting.net", .pref = 20},
	                         {.value = (char *)"Arrow.MXrouting.net", .pref = 10}};
	struct snap_domain doms[4] = {
		{.name = (char *)"example.org", .dns.mx = {.status = DNS_OK, .rrs = relay, .n = 2}},
		{.name = (char *)"a.org", .dns.mx = {.status = DNS_OK, .rrs = direct, .n = 1}},
		{.name = (char *)"b.org", .dns.mx = {.status = DNS_OK, .rrs = mixed, .n = 2}},
		{.name = (char *)"c.org", .dns.mx = {.status = DNS_SERVFAIL}},
	};
	struct snapshot s = {.domains = doms, .n_domains = 4};
	struct strv out = {0};
	/* the domain being onboarded does not count */
	onboard_relay_mx_from(&s, &cfg, "example.org", &out);
	cr_assert_eq(out.n, 0);
	doms[3].dns.mx = (struct dns_answer){.status = DNS_OK, .rrs = relay, .n = 2};
	onboard_relay_mx_from(&s, &cfg, "example.org", &out);
	cr_assert_eq(out.n, 2);
	cr_assert_str_eq(out.v[0], "arrow.mxrouting.net");
	cr_assert_str_eq(out.v[1], "arrow-relay.mxrouting.net");
	strv_free(&out);
}
