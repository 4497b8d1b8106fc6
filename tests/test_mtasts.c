/* MTA-STS: the policy parser, and the fetch over real TLS from an in-process HTTPS server
 * with a test CA: the right CA, a wrong CA (fails closed), the 64 KiB cap, no redirects,
 * the host pinned to the address our resolver found. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "core/config.h"
#include "core/dns.h"
#include "core/fetch.h"
#include "core/mtasts.h"
#include "core/util.h"
#include "tests/support/httpsrv.h"
#include "tests/support/testca.h"

static struct mta_sts_policy parse(const char *text, int want_rc)
{
	struct mta_sts_policy p = {.max_age = -1};
	int rc = mtasts_parse(text, strlen(text), &p);
	cr_assert_eq(rc, want_rc, "rc %d for <<%s>>: %s", rc, text, p.err.why ? p.err.why : "");
	return p;
}

Test(mtasts_parse, reference_example)
{
	char *text = file_read("tests/data/mailcow/mta-sts.txt.example", 0, NULL);
	cr_assert_not_null(text);
	struct mta_sts_policy p = parse(text, 0);
	cr_assert_str_eq(p.version, "STSv1");
	cr_assert_str_eq(p.mode, "testing");
	cr_assert_eq(p.max_age, 86400);
	cr_assert_eq(p.mx.n, 1);
	cr_assert_str_eq(p.mx.v[0], "*.mxrouting.net");
	cr_assert_not(p.err.failed);
	cr_assert_str_eq(p.raw, text);
	free(text);
	mta_sts_policy_free(&p);
}

Test(mtasts_parse, crlf_blanks_several_mx_unknown_keys)
{
	struct mta_sts_policy p = parse("version: STSv1\r\nmode :  enforce \r\n\r\nmx: mail.example.test\r\n"
					"mx:*.relay.TEST\r\nmax_age:604800\r\nx-extension: whatever\r\n", 0);
	cr_assert_str_eq(p.mode, "enforce");
	cr_assert_eq(p.max_age, 604800);
	cr_assert_eq(p.mx.n, 2);
	cr_assert_str_eq(p.mx.v[0], "mail.example.test");
	cr_assert_str_eq(p.mx.v[1], "*.relay.test", "lower-cased");
	mta_sts_policy_free(&p);
	p = parse("version: STSv1\nmode: none\nmax_age: 86400\n", 0);
	cr_assert_eq(p.mx.n, 0, "mode none needs no mx");
	mta_sts_policy_free(&p);
}

Test(mtasts_parse, problems_reported)
{
	const struct {
		const char *text, *says;
	} bad[] = {
		{"mode: enforce\nmx: a.test\nmax_age: 1\n", "no version"},
		{"version: STSv2\nmode: enforce\nmx: a.test\nmax_age: 1\n", "not STSv1"},
		{"version: STSv1\nmode: strict\nmx: a.test\nmax_age: 1\n", "not enforce, testing or none"},
		{"version: STSv1\nmode: enforce\nmx: a.test\n", "no max_age"},
		{"version: STSv1\nmode: enforce\nmx: a.test\nmax_age: -5\n", "max_age '-5'"},
		{"version: STSv1\nmode: enforce\nmx: a.test\nmax_age: 99999999999\n", "max_age"},
		{"version: STSv1\nmode: testing\nmax_age: 10\n", "no mx lines"},
		{"version: STSv1\nmode: testing\nmx: bad host!\nmax_age: 10\n", "not a host name pattern"},
		{"<html>Not found</html>", "no 'key: value'"},
		{"", "no version"},
		{"version: STSv1\nmode: \x1b[31menforce\nmx: a.test\nmax_age: 1\n", "mode '?[31menforce'"},
	};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		struct mta_sts_policy p = parse(bad[i].text, -1);
		cr_assert(p.err.failed);
		cr_assert(strstr(p.err.why, bad[i].says), "case %zu: '%s' lacks '%s'", i, p.err.why, bad[i].says);
		cr_assert_str_eq(p.err.what, "parse the policy");
		mta_sts_policy_free(&p);
	}
}

/* ---- over TLS ---- */

static const char policy_text[] = "version: STSv1\nmode: enforce\nmx: *.relay.test\nmax_age: 604800\n";

static void serve(const struct http_req *req, struct http_resp *resp, void *ud)
{
	(void)ud;
	resp->content_type = "text/plain";
	if (strcmp(req->url, "/.well-known/mta-sts.txt") != 0) {
		resp->status = 404;
		return;
	}
	const char *host = req->host ? req->host : "";
	if (str_starts_with(host, "mta-sts.example.test")) {
		resp->body = xstrdup(policy_text);
	} else if (str_starts_with(host, "mta-sts.big.test")) {
		resp->body = xmalloc(70 * 1024 + 1);
		memset(resp->body, '#', 70 * 1024);
		resp->body[70 * 1024] = '\0';
	} else if (str_starts_with(host, "mta-sts.redir.test")) {
		resp->status = 301;
		resp->location = "https://mta-sts.example.test/.well-known/mta-sts.txt";
		resp->body = xstrdup("moved");
	} else {
		resp->status = 404;
		resp->body = xstrdup("no policy");
	}
}

struct env {
	struct testca ca;
	struct httpsrv *srv;
	struct config cfg;
	struct dns_answer a;
};

static void env_up(struct env *e, const char *ca_file)
{
	cr_assert_eq(testca_make(&e->ca, "DNS:mta-sts.example.test,DNS:mta-sts.big.test,DNS:mta-sts.redir.test,"
					 "DNS:mta-sts.none.test"), 0);
	e->srv = httpsrv_start(e->ca.cert_pem, e->ca.key_pem, serve, NULL);
	cr_assert_not_null(e->srv);
	char *conf = xasprintf("[mta_sts]\nport = %d\nca_file = %s\n[mailcow]\ntimeout_ms = 3000\n", httpsrv_port(e->srv),
			       ca_file ? ca_file : e->ca.ca_file);
	char *err = NULL;
	cr_assert_eq(config_load_string(&e->cfg, conf, "t.conf", &err), 0, "%s", err);
	free(conf);
	/* What our resolver would have answered for mta-sts.<domain>: the pin. These
	 * names are in no DNS, so only the pin can get the request there. */
	e->a.status = DNS_OK;
	e->a.type = DNS_T_A;
	e->a.n = 1;
	e->a.rrs = xcalloc(1, sizeof(*e->a.rrs));
	e->a.rrs[0].value = xstrdup("127.0.0.1");
}

static void env_down(struct env *e)
{
	httpsrv_stop(e->srv);
	config_free(&e->cfg);
	testca_free(&e->ca);
	dns_answer_clear(&e->a);
}

static int done_calls;

static void on_done(struct mta_sts_policy *p, void *ud)
{
	(void)p;
	(void)ud;
	done_calls++;
}

static void fetch(struct env *e, const char *domain, struct mta_sts_policy *p)
{
	struct fetcher *f = fetcher_new();
	done_calls = 0;
	mtasts_fetch(f, &e->cfg, domain, &e->a, p, on_done, NULL);
	fetcher_run(f, fetch_now_ms() + 10000);
	fetcher_free(f);
	cr_assert_eq(done_calls, 1);
}

Test(mtasts_fetch, right_ca_pinned_host)
{
	struct env e = {0};
	env_up(&e, NULL);
	struct mta_sts_policy p = {0};
	fetch(&e, "example.test", &p);
	cr_assert(p.fetched, "%s", p.err.why);
	cr_assert_not(p.err.failed, "%s", p.err.why);
	cr_assert_eq(p.http_status, 200);
	cr_assert_str_eq(p.mode, "enforce");
	cr_assert_str_eq(p.mx.v[0], "*.relay.test");
	cr_assert_eq(p.max_age, 604800);
	cr_assert_str_eq(p.raw, policy_text);
	mta_sts_policy_free(&p);
	env_down(&e);
}

Test(mtasts_fetch, wrong_ca_fails_closed)
{
	struct testca other;
	cr_assert_eq(testca_make(&other, "DNS:mta-sts.example.test"), 0);
	struct env e = {0};
	env_up(&e, other.ca_file);
	struct mta_sts_policy p = {0};
	fetch(&e, "example.test", &p);
	cr_assert_not(p.fetched);
	cr_assert(p.err.failed);
	cr_assert(strstr(p.err.why, "certificate"), "%s", p.err.why);
	cr_assert_null(p.mode);
	cr_assert_eq(httpsrv_requests(e.srv), 0, "nothing may be served over an unverified connection");
	mta_sts_policy_free(&p);
	env_down(&e);
	testca_free(&other);
}

Test(mtasts_fetch, cap_redirect_and_404)
{
	struct env e = {0};
	env_up(&e, NULL);
	struct mta_sts_policy p = {0};
	fetch(&e, "big.test", &p);
	cr_assert_not(p.fetched);
	cr_assert(strstr(p.err.why, "64 KiB"), "%s", p.err.why);
	cr_assert_null(p.raw, "nothing of an oversized policy is kept");

	int before = httpsrv_requests(e.srv);
	fetch(&e, "redir.test", &p);
	cr_assert_not(p.fetched);
	cr_assert_eq(p.http_status, 301);
	cr_assert(strstr(p.err.why, "redirect"), "%s", p.err.why);
	cr_assert_eq(httpsrv_requests(e.srv), before + 1, "the redirect must not be followed");

	fetch(&e, "none.test", &p);
	cr_assert_eq(p.http_status, 404);
	cr_assert(strstr(p.err.why, "HTTP 404"), "%s", p.err.why);
	mta_sts_policy_free(&p);
	env_down(&e);
}

Test(mtasts_fetch, no_address_no_request)
{
	struct env e = {0};
	env_up(&e, NULL);
	struct dns_answer nx = {.status = DNS_NXDOMAIN, .type = DNS_T_A};
	struct fetcher *f = fetcher_new();
	struct mta_sts_policy p = {0};
	done_calls = 0;
	mtasts_fetch(f, &e.cfg, "example.test", &nx, &p, on_done, NULL);
	cr_assert_eq(done_calls, 1, "reported at once");
	cr_assert(strstr(p.err.why, "no address (nxdomain)"), "%s", p.err.why);
	cr_assert_eq(fetcher_run(f, 0), 0, "nothing was started");
	fetcher_free(f);
	cr_assert_eq(httpsrv_requests(e.srv), 0);
	mta_sts_policy_free(&p);
	env_down(&e);
}

Test(mtasts_fetch, abandoned_fetch_frees)
{
	struct env e = {0};
	env_up(&e, NULL);
	struct fetcher *f = fetcher_new();
	struct mta_sts_policy p = {0};
	done_calls = 0;
	mtasts_fetch(f, &e.cfg, "example.test", &e.a, &p, on_done, NULL);
	fetcher_free(f); /* the refresh ended first: no callback, no leak (LeakSanitizer checks) */
	cr_assert_eq(done_calls, 0);
	cr_assert(strstr(p.err.why, "no answer before the refresh ended"), "%s", p.err.why);
	mta_sts_policy_free(&p);
	env_down(&e);
}
