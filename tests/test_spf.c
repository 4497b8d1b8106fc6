/* SPF evaluation over an in-memory zone: nested includes, redirect, loops, the 10-lookup
 * and 2-void-lookup counts, macros, several records, runaway chains; answers delivered
 * at once or later (as c-ares does). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/dns.h"
#include "core/spf.h"
#include "core/util.h"

/* "name type value" lines; a name with no line for the type is NODATA when the name
 * appears at all, NXDOMAIN otherwise. */
struct zone {
	const char *const *lines;
	bool deferred;          /* answer from a queue drained later, like a real resolver */
	int asked;
	struct pending {
		struct dns_answer *out;
		void (*done)(struct dns_answer *, void *);
		void *arg;
	} queue[256];
	int nq;
};

static void fill(struct zone *z, const char *name, int type, struct dns_answer *out)
{
	dns_answer_clear(out);
	out->name = xstrdup(name);
	out->type = type;
	bool seen = false;
	for (const char *const *l = z->lines; *l; l++) {
		char n[256], t[16];
		int off = 0;
		if (sscanf(*l, "%255s %15s %n", n, t, &off) < 2)
			continue;
		if (strcasecmp(n, name) != 0)
			continue;
		seen = true;
		if (strcmp(t, dns_type_name(type)) != 0)
			continue;
		out->rrs = xrealloc(out->rrs, (out->n + 1) * sizeof(*out->rrs));
		out->rrs[out->n++] = (struct dns_rr){.value = xstrdup(*l + off), .ttl = 300};
	}
	out->status = out->n ? DNS_OK : seen ? DNS_NODATA : DNS_NXDOMAIN;
}

static void zquery(void *ud, const char *name, int type, struct dns_answer *out,
		   void (*done)(struct dns_answer *a, void *arg), void *arg)
{
	struct zone *z = ud;
	z->asked++;
	fill(z, name, type, out);
	if (z->deferred) {
		cr_assert_lt(z->nq, 256);
		z->queue[z->nq++] = (struct pending){out, done, arg};
	} else {
		done(out, arg);
	}
}

static void drain(struct zone *z)
{
	while (z->nq) {
		struct pending p = z->queue[0];
		memmove(z->queue, z->queue + 1, (size_t)(z->nq - 1) * sizeof(*z->queue));
		z->nq--;
		p.done(p.out, p.arg);
	}
}

struct result {
	int calls;
};

static void on_done(struct spf_eval *e, void *ud)
{
	(void)e;
	((struct result *)ud)->calls++;
}

static void eval(struct zone *z, const char *domain, struct spf_eval *e)
{
	struct dns_answer apex = {0};
	fill(z, domain, DNS_T_TXT, &apex);
	struct spf_lookup lk = {zquery, z};
	struct result r = {0};
	spf_evaluate(&lk, domain, &apex, e, on_done, &r);
	drain(z);
	cr_assert_eq(r.calls, 1, "done must run exactly once");
	dns_answer_clear(&apex);
}

static const char *const zone_main[] = {
	"a.test TXT v=spf1 ip4:192.0.2.1 include:b.test a mx -all",
	"a.test TXT some-verification=xyz",
	"a.test A 192.0.2.1",
	"a.test MX mx.a.test",
	"b.test TXT v=spf1 include:c.test ptr ~all",
	"c.test TXT v=spf1 exists:%{i}.rbl.test include:%{d}.x.test ip6:2001:db8::/32 -all",
	"r.test TXT v=spf1 redirect=b.test",
	"rall.test TXT v=spf1 -all redirect=b.test",
	"loop.test TXT v=spf1 include:l2.test",
	"l2.test TXT v=spf1 redirect=loop.test",
	"self.test TXT v=spf1 include:self.test -all",
	"two.test TXT v=spf1 -all",
	"two.test TXT v=spf1 +all",
	"void.test TXT v=spf1 a:gone1.test mx:gone2.test include:nospf.test exists:gone3.test -all",
	"nospf.test TXT hello",
	"nodata.test A 192.0.2.9",
	"void2.test TXT v=spf1 include:nodata.test -all",
	"case.test TXT V=SPF1 INCLUDE:B.TEST -ALL",
	"notspf.test TXT v=spf10 -all",
	"esc.test TXT v=spf1 include:\x1b[2Jgone.test -all",
	NULL,
};

Test(spf, nested_includes_and_mechanisms)
{
	struct zone z = {.lines = zone_main};
	struct spf_eval e = {0};
	eval(&z, "a.test", &e);
	cr_assert_eq(e.records, 1);
	cr_assert_str_eq(e.record, "v=spf1 ip4:192.0.2.1 include:b.test a mx -all");
	/* include:b (1) a (1) mx (1); b: include:c (1) ptr (1); c: exists (1) include (1) */
	cr_assert_eq(e.lookups, 7);
	cr_assert_eq(e.void_lookups, 0);
	cr_assert_eq(e.includes.n, 3);
	cr_assert_str_eq(e.includes.v[0], "b.test");
	cr_assert_str_eq(e.includes.v[1], "c.test");
	cr_assert_str_eq(e.includes.v[2], "%{d}.x.test", "a macro is counted and listed, not followed");
	cr_assert_null(e.error, "%s", e.error);
	spf_eval_free(&e);
}

Test(spf, redirect_counted_and_followed)
{
	struct zone z = {.lines = zone_main};
	struct spf_eval e = {0};
	eval(&z, "r.test", &e);
	cr_assert_eq(e.lookups, 5, "redirect + b's four");
	cr_assert(strv_contains(&e.includes, "c.test"));
	eval(&z, "rall.test", &e);
	cr_assert_eq(e.lookups, 0, "redirect= is ignored when the record has all (RFC 7208 6.1)");
	spf_eval_free(&e);
}

Test(spf, loops_detected)
{
	struct zone z = {.lines = zone_main};
	struct spf_eval e = {0};
	eval(&z, "loop.test", &e);
	cr_assert_not_null(e.error);
	cr_assert(strstr(e.error, "redirect loop: loop.test -> l2.test -> loop.test"), "%s", e.error);
	cr_assert_eq(e.lookups, 2);
	eval(&z, "self.test", &e);
	cr_assert(strstr(e.error, "include loop: self.test -> self.test"), "%s", e.error);
	spf_eval_free(&e);
}

Test(spf, void_lookups)
{
	struct zone z = {.lines = zone_main};
	struct spf_eval e = {0};
	eval(&z, "void.test", &e);
	cr_assert_eq(e.lookups, 4);
	/* a:gone1 NXDOMAIN, mx:gone2 NXDOMAIN, exists:gone3 NXDOMAIN; nospf.test has a TXT */
	cr_assert_eq(e.void_lookups, 3);
	cr_assert(strstr(e.error, "nospf.test has no SPF record"), "%s", e.error);
	eval(&z, "void2.test", &e);
	cr_assert_eq(e.void_lookups, 1, "a name with no TXT (NODATA) is a void lookup");
	cr_assert(strstr(e.error, "nodata"), "%s", e.error);
	spf_eval_free(&e);
}

Test(spf, record_count_and_case)
{
	struct zone z = {.lines = zone_main};
	struct spf_eval e = {0};
	eval(&z, "two.test", &e);
	cr_assert_eq(e.records, 2);
	cr_assert_null(e.record);
	cr_assert(strstr(e.error, "2 SPF records"), "%s", e.error);
	eval(&z, "case.test", &e);
	cr_assert_eq(e.records, 1);
	cr_assert_eq(e.lookups, 5, "mechanism names are case-insensitive");
	eval(&z, "notspf.test", &e);
	cr_assert_eq(e.records, 0, "v=spf10 is not v=spf1");
	eval(&z, "esc.test", &e);
	cr_assert(strstr(e.error, "include:?[2Jgone.test"), "%s", e.error);
	cr_assert_null(strchr(e.error, '\x1b'), "control characters from DNS reach the error text");
	eval(&z, "nothing.test", &e);
	cr_assert_eq(e.records, 0);
	cr_assert_null(e.error);
	spf_eval_free(&e);
}

Test(spf, more_than_ten_and_deferred_answers)
{
	/* 12 includes, each with one a: 24 lookups; answers arrive later, out of the call. */
	char *lines[40];
	int n = 0;
	struct buf top = {0};
	buf_puts(&top, "big.test TXT v=spf1");
	for (int i = 0; i < 12; i++) {
		buf_printf(&top, " include:i%d.big.test", i);
		lines[n++] = xasprintf("i%d.big.test TXT v=spf1 a -all", i);
		lines[n++] = xasprintf("i%d.big.test A 192.0.2.%d", i, i);
	}
	buf_puts(&top, " -all");
	lines[n++] = buf_steal(&top);
	lines[n] = NULL;
	struct zone z = {.lines = (const char *const *)lines, .deferred = true};
	struct spf_eval e = {0};
	eval(&z, "big.test", &e);
	cr_assert_eq(e.lookups, 24);
	cr_assert_eq(e.includes.n, 12);
	cr_assert_eq(e.void_lookups, 0);
	spf_eval_free(&e);
	for (int i = 0; i < n; i++)
		free(lines[i]);
}

Test(spf, runaway_chain_is_capped)
{
	/* A chain of distinct names, no loop: stops after SPF_MAX_QUERIES. */
	char *lines[200];
	int n = 0;
	for (int i = 0; i < 100; i++)
		lines[n++] = xasprintf("c%d.test TXT v=spf1 include:c%d.test -all", i, i + 1);
	lines[n] = NULL;
	struct zone z = {.lines = (const char *const *)lines};
	struct spf_eval e = {0};
	eval(&z, "c0.test", &e);
	cr_assert_eq(z.asked, SPF_MAX_QUERIES);
	cr_assert_geq(e.lookups, 40);
	cr_assert(strstr(e.error, "stopped following"), "%s", e.error);
	spf_eval_free(&e);
	for (int i = 0; i < n; i++)
		free(lines[i]);
}

Test(spf, failed_apex_lookup)
{
	struct zone z = {.lines = zone_main};
	struct dns_answer apex = {.status = DNS_SERVFAIL, .type = DNS_T_TXT};
	struct spf_lookup lk = {zquery, &z};
	struct spf_eval e = {0};
	struct result r = {0};
	spf_evaluate(&lk, "x.test", &apex, &e, on_done, &r);
	cr_assert_eq(r.calls, 1);
	cr_assert(strstr(e.error, "servfail"), "%s", e.error);
	cr_assert_eq(e.records, 0);
	spf_eval_free(&e);
}
