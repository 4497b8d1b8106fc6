/* The fetch loop's bound on parallel transfers (timeouts start when a transfer does),
 * abandoned transfers, and a DNS query started from an HTTP callback answered without
 * waiting for the loop's next wake-up while another transfer is still in flight. */
#include <criterion/criterion.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/config.h"
#include "core/dns.h"
#include "core/fetch.h"
#include "core/util.h"
#include "tests/support/httpsrv.h"
#include "tests/support/hang.h"
#include "tests/support/testca.h"

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static int active, max_active;

static void slow(const struct http_req *req, struct http_resp *resp, void *ud)
{
	(void)req;
	(void)ud;
	pthread_mutex_lock(&lock);
	if (++active > max_active)
		max_active = active;
	pthread_mutex_unlock(&lock);
	usleep(1500 * 1000);
	pthread_mutex_lock(&lock);
	active--;
	pthread_mutex_unlock(&lock);
	resp->body = xstrdup("{}");
}

struct tally {
	int ok, failed, abandoned;
};

static void on_done(struct fetch_result *r, void *ud)
{
	struct tally *t = ud;
	if (r->error || r->status != 200)
		t->failed++;
	else
		t->ok++;
}

static void on_cancelled(void *ud)
{
	((struct tally *)ud)->abandoned++;
}

Test(fetch, bounded_parallel_timeouts_start_when_started)
{
	struct httpsrv *srv = httpsrv_start(NULL, NULL, slow, NULL);
	char *url = xasprintf("http://127.0.0.1:%d/x", httpsrv_port(srv));
	struct fetcher *f = fetcher_new();
	fetcher_set_parallel(f, 4);
	struct tally t = {0};
	/* 24 requests of 1500 ms, 4 at a time: six rounds, 9 s in all, but each may take only
	 * 5000 ms from its own start (3.5 s of slack for a loaded machine). Counting from
	 * fetcher_add, the last three rounds (ending at 6, 7.5 and 9 s) would time out. */
	for (int i = 0; i < 24; i++) {
		struct fetch_opts o = {.url = url, .timeout_ms = 5000, .done = on_done, .ud = &t};
		cr_assert_eq(fetcher_add(f, &o), 0);
	}
	long long t0 = fetch_now_ms();
	cr_assert_eq(fetcher_run(f, fetch_now_ms() + T_HANG_MS), 0);
	long long took = fetch_now_ms() - t0;
	cr_assert_eq(t.ok, 24, "%d failed", t.failed);
	cr_assert_leq(max_active, 4, "at most 4 at once, saw %d", max_active);
	cr_assert_geq(took, 6 * 1500, "six rounds of 1500 ms took %lld ms", took);
	fetcher_free(f);
	httpsrv_stop(srv);
	free(url);
}

Test(fetch, abandoned_transfers_are_reported)
{
	struct httpsrv *srv = httpsrv_start(NULL, NULL, slow, NULL);
	char *url = xasprintf("http://127.0.0.1:%d/x", httpsrv_port(srv));
	struct fetcher *f = fetcher_new();
	fetcher_set_parallel(f, 2);
	struct tally t = {0};
	for (int i = 0; i < 5; i++) {
		struct fetch_opts o = {.url = url, .timeout_ms = 5000, .done = on_done, .cancelled = on_cancelled, .ud = &t};
		fetcher_add(f, &o);
	}
	int http = -1, dns = -1;
	fetcher_counts(f, &http, &dns);
	cr_assert_eq(http, 5, "queued transfers count as outstanding");
	cr_assert_eq(dns, 0);
	fetcher_step(f, 10);
	fetcher_free(f);
	cr_assert_eq(t.ok + t.failed, 0);
	cr_assert_eq(t.abandoned, 5, "running and queued ones alike");
	httpsrv_stop(srv);
	free(url);
}

/* "/slow" keeps a transfer in flight, so the loop has curl sockets to wait on. */
static void quick(const struct http_req *req, struct http_resp *resp, void *ud)
{
	(void)ud;
	if (strcmp(req->url, "/slow") == 0)
		resp->delay_ms = 8000;
	resp->body = xstrdup("{}");
}

struct chain {
	struct dns_resolver *r;
	struct dns_answer a;
	long long http_done, dns_done, slow_done;
};

static void slow_done(struct fetch_result *r, void *ud)
{
	(void)r;
	((struct chain *)ud)->slow_done = fetch_now_ms();
}

static void on_dns(struct dns_answer *a, void *ud)
{
	(void)a;
	((struct chain *)ud)->dns_done = fetch_now_ms();
}

static void then_dns(struct fetch_result *r, void *ud)
{
	(void)r;
	struct chain *c = ud;
	c->http_done = fetch_now_ms();
	dns_query(c->r, "example.test", DNS_T_MX, &c->a, on_dns, c);
}

Test(fetch, dns_started_from_http_callback_is_polled_at_once)
{
	const char *ns = getenv("MCON_TEST_DNS");
	if (!ns || !*ns)
		cr_assert_fail("MCON_TEST_DNS is not set: run through tests/run");
	struct config cfg;
	char *conf = xasprintf("[dns]\nservers = %s\n", ns);
	char *err = NULL;
	cr_assert_eq(config_load_string(&cfg, conf, "t.conf", &err), 0);
	free(conf);
	struct httpsrv *srv = httpsrv_start(NULL, NULL, quick, NULL);
	char *url = xasprintf("http://127.0.0.1:%d/x", httpsrv_port(srv));
	struct fetcher *f = fetcher_new();
	struct chain c = {0};
	c.r = dns_resolver_new(&cfg, 0, &err);
	dns_resolver_attach(c.r, f);
	struct fetch_opts o = {.url = url, .timeout_ms = 3000, .done = then_dns, .ud = &c};
	fetcher_add(f, &o);
	char *slow_url = xasprintf("http://127.0.0.1:%d/slow", httpsrv_port(srv));
	struct fetch_opts o2 = {.url = slow_url, .timeout_ms = 20000, .done = slow_done, .ud = &c};
	fetcher_add(f, &o2);
	free(slow_url);
	fetcher_run(f, fetch_now_ms() + T_HANG_MS);
	cr_assert_eq(c.a.status, DNS_OK);
	cr_assert_neq(c.slow_done, 0, "/slow did not finish");
	/* Had the answer waited for the loop, it would come with /slow (8 s): it must come well
	 * before, however slow the machine (the local answer needs far less than 7 s). */
	cr_assert_geq(c.slow_done - c.dns_done, 1000, "the answer waited for the loop: it came %lld ms before /slow",
		      c.slow_done - c.dns_done);
	dns_answer_clear(&c.a);
	dns_resolver_free(c.r);
	fetcher_free(f);
	httpsrv_stop(srv);
	config_free(&cfg);
	free(url);
}

static void hello(const struct http_req *req, struct http_resp *resp, void *ud)
{
	(void)req;
	(void)ud;
	resp->body = xstrdup("{}");
}

struct tls_outcome {
	long status;
	char *error;
};

static void tls_done(struct fetch_result *r, void *ud)
{
	struct tls_outcome *o = ud;
	o->status = r->status;
	o->error = r->error ? xstrdup(r->error) : NULL;
}

/* One GET of https://127.0.0.1:port/ with the given chain verification and pin. */
static struct tls_outcome tls_get(int port, bool insecure, const char *pin)
{
	struct tls_outcome out = {0};
	char *url = xasprintf("https://127.0.0.1:%d/", port);
	struct fetcher *f = fetcher_new();
	struct fetch_opts o = {.url = url, .timeout_ms = 10000, .insecure = insecure, .pubkey_pin = pin,
			       .done = tls_done, .ud = &out};
	cr_assert_eq(fetcher_add(f, &o), 0);
	fetcher_run(f, 0);
	fetcher_free(f);
	free(url);
	return out;
}

/* The base64 SHA-256 of the certificate's public key, as curl's pin wants it. */
static char *cert_pin(const char *cert_file)
{
	char *cmd = xasprintf("openssl x509 -in '%s' -pubkey -noout | openssl pkey -pubin -outform der | "
			      "openssl dgst -sha256 -binary | base64", cert_file);
	FILE *p = popen(cmd, "r");
	cr_assert(p);
	char line[128] = "";
	cr_assert(fgets(line, sizeof(line), p));
	pclose(p);
	free(cmd);
	line[strcspn(line, "\n")] = '\0';
	cr_assert_eq(strlen(line), 44, "%s", line);
	return xasprintf("sha256//%s", line);
}

Test(fetch, no_chain_verification_still_checks_the_host_name_and_the_pin)
{
	struct testca other, right;
	cr_assert_eq(testca_make(&other, "DNS:mail.elsewhere.test"), 0);
	cr_assert_eq(testca_make(&right, "IP:127.0.0.1"), 0);
	struct httpsrv *wrong_name = httpsrv_start(other.cert_pem, other.key_pem, hello, NULL);
	struct httpsrv *srv = httpsrv_start(right.cert_pem, right.key_pem, hello, NULL);
	cr_assert(wrong_name && srv);

	struct tls_outcome r = tls_get(httpsrv_port(wrong_name), true, NULL);
	cr_assert_eq(r.status, 0, "tls_verify = false accepted a certificate for another name");
	cr_assert(r.error);
	free(r.error);
	r = tls_get(httpsrv_port(srv), true, NULL);
	cr_assert_eq(r.status, 200, "%s", r.error ? r.error : "");
	free(r.error);
	r = tls_get(httpsrv_port(srv), false, NULL);
	cr_assert_eq(r.status, 0, "an untrusted CA was accepted");
	free(r.error);

	char *pin = cert_pin(right.cert_file), *wrong = cert_pin(other.cert_file);
	r = tls_get(httpsrv_port(srv), false, pin);
	cr_assert_eq(r.status, 200, "the pinned key is trusted without the chain: %s", r.error ? r.error : "");
	free(r.error);
	r = tls_get(httpsrv_port(srv), false, wrong);
	cr_assert_eq(r.status, 0, "a key other than the pinned one was accepted");
	free(r.error);
	r = tls_get(httpsrv_port(wrong_name), false, wrong);
	cr_assert_eq(r.status, 0, "the pin does not replace the host name check");
	free(r.error);
	free(pin);
	free(wrong);
	httpsrv_stop(wrong_name);
	httpsrv_stop(srv);
	testca_free(&other);
	testca_free(&right);
}
