/* DNS against a real NSD on a loopback port (tests/fixtures/nsd.sh, zones in tests/dns):
 * exact answers, TTLs, the answering server, every failure status, TCP fallback for a
 * truncated answer, several servers, IPv6, and SPF walked over real records. */
#include <criterion/criterion.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/config.h"
#include "core/dkimkey.h"
#include "core/dns.h"
#include "core/fetch.h"
#include "core/spf.h"
#include "core/util.h"
#include "tests/support/dnsdelay.h"
#include "tests/support/hang.h"
#include "tests/support/httpsrv.h"

static const char *nsd(void)
{
	const char *v = getenv("MCON_TEST_DNS");
	if (!v || !*v)
		cr_assert_fail("MCON_TEST_DNS is not set: run through tests/run (fixture tests/fixtures/nsd.sh)");
	return v;
}

struct res {
	struct config cfg;
	struct fetcher *f;
	struct dns_resolver *r;
};

static void res_up(struct res *t, const char *servers, int timeout_ms)
{
	char *conf = xasprintf("[dns]\nservers = %s\ntimeout_ms = %d\n", servers, timeout_ms);
	char *err = NULL;
	cr_assert_eq(config_load_string(&t->cfg, conf, "t.conf", &err), 0, "%s", err);
	free(conf);
	t->f = fetcher_new();
	t->r = dns_resolver_new(&t->cfg, 0, &err);
	cr_assert_not_null(t->r, "%s", err);
	dns_resolver_attach(t->r, t->f);
}

static void res_down(struct res *t)
{
	dns_resolver_free(t->r);
	fetcher_free(t->f);
	config_free(&t->cfg);
}

static void ask(struct res *t, const char *name, int type, struct dns_answer *a)
{
	dns_query(t->r, name, type, a, NULL, NULL);
	fetcher_run(t->f, fetch_now_ms() + T_HANG_MS);
}

/* One ask on its own thread: how long it took and when it ended. */
struct timed {
	struct res *t;
	struct dns_answer *a;
	long long took, end;
};

static void *timed_ask(void *arg)
{
	struct timed *q = arg;
	long long t0 = fetch_now_ms();
	ask(q->t, "example.test", DNS_T_MX, q->a);
	q->end = fetch_now_ms();
	q->took = q->end - t0;
	return NULL;
}

static char *read_key(const char *name)
{
	char *path = xasprintf("tests/data/dkim/%s.b64", name);
	char *k = file_read(path, 0, NULL);
	cr_assert_not_null(k);
	free(path);
	return str_trim(k) == k ? k : k; /* trailing newline removed in place */
}

static int rr_cmp(const void *a, const void *b)
{
	return strcmp(((const struct dns_rr *)a)->value, ((const struct dns_rr *)b)->value);
}

Test(dns, mx_txt_ttl_and_server)
{
	struct res t;
	res_up(&t, nsd(), 2000);
	struct dns_answer a = {0};
	ask(&t, "example.test", DNS_T_MX, &a);
	cr_assert_eq(a.status, DNS_OK, "%s", dns_status_name(a.status));
	cr_assert_str_eq(a.server, nsd());
	cr_assert_eq(a.n, 2);
	qsort(a.rrs, a.n, sizeof(*a.rrs), rr_cmp);
	cr_assert_str_eq(a.rrs[0].value, "mx1.relay.test", "no trailing dot");
	cr_assert_eq(a.rrs[0].pref, 10);
	cr_assert_eq(a.rrs[0].ttl, 3600);
	cr_assert_str_eq(a.rrs[1].value, "mx2.relay.test");
	cr_assert_eq(a.rrs[1].pref, 20);

	ask(&t, "example.test", DNS_T_TXT, &a);
	cr_assert_eq(a.status, DNS_OK);
	cr_assert_eq(a.n, 2, "records kept apart");
	qsort(a.rrs, a.n, sizeof(*a.rrs), rr_cmp);
	cr_assert_str_eq(a.rrs[0].value, "google-site-verification=abc123", "the strings of one record joined");
	cr_assert_str_eq(a.rrs[1].value, "v=spf1 mx include:_spf.relay.test include:spf.example.test -all");
	cr_assert_eq(a.rrs[1].ttl, 300);

	ask(&t, "_dmarc.example.test", DNS_T_TXT, &a);
	cr_assert_eq(a.n, 1);
	cr_assert_str_eq(a.rrs[0].value, "v=DMARC1; p=quarantine; rua=mailto:dmarc@example.test");
	cr_assert_eq(a.rrs[0].ttl, 1800);
	ask(&t, "_smtp._tls.example.test", DNS_T_TXT, &a);
	cr_assert_eq(a.rrs[0].ttl, 7200);
	cr_assert_str_eq(a.rrs[0].value, "v=TLSRPTv1; rua=mailto:tlsrpt@example.test");
	ask(&t, "www.example.test", DNS_T_A, &a);
	cr_assert_str_eq(a.rrs[0].value, "192.0.2.80");
	dns_answer_clear(&a);
	res_down(&t);
}

Test(dns, split_dkim_2048_over_udp)
{
	struct res t;
	res_up(&t, nsd(), 2000);
	struct dns_answer a = {0};
	ask(&t, "mailcow._domainkey.example.test", DNS_T_TXT, &a);
	cr_assert_eq(a.status, DNS_OK);
	cr_assert_eq(a.n, 1, "one record of two strings");
	char *key = read_key("rsa2048");
	char *want = xasprintf("v=DKIM1;k=rsa;t=s;s=email;p=%s", key);
	cr_assert_str_eq(a.rrs[0].value, want);
	cr_assert_eq(a.rrs[0].ttl, 600);
	cr_assert_eq(dkim_key_bits(strstr(a.rrs[0].value, "p=") + 2, NULL), 2048);
	free(want);
	free(key);
	struct dns_stats st;
	dns_resolver_stats(t.r, &st);
	cr_assert_eq(st.tcp_connections, 0, "a 2048-bit record fits in 512 bytes");
	dns_answer_clear(&a);
	res_down(&t);
}

Test(dns, dkim_4096_truncated_then_tcp)
{
	struct res t;
	res_up(&t, nsd(), 2000);
	struct dns_answer a = {0};
	ask(&t, "mxroute._domainkey.example.test", DNS_T_TXT, &a);
	cr_assert_eq(a.status, DNS_OK, "%s: %s", dns_status_name(a.status), a.error);
	cr_assert_eq(a.n, 1);
	char *key = read_key("rsa4096");
	char *want = xasprintf("v=DKIM1; k=rsa; p=%s", key);
	cr_assert_str_eq(a.rrs[0].value, want);
	cr_assert_eq(a.rrs[0].ttl, 900);
	cr_assert_eq(dkim_key_bits(strstr(a.rrs[0].value, "p=") + 2, NULL), 4096);
	struct dns_stats st;
	dns_resolver_stats(t.r, &st);
	cr_assert_geq(st.tcp_connections, 1, "the UDP answer was truncated: c-ares must have retried over TCP");
	cr_assert_str_eq(a.server, nsd());
	free(want);
	free(key);
	dns_answer_clear(&a);
	res_down(&t);
}

Test(dns, cname_followed_to_address)
{
	struct res t;
	res_up(&t, nsd(), 2000);
	struct dns_answer a = {0};
	ask(&t, "mta-sts.example.test", DNS_T_A, &a);
	cr_assert_eq(a.status, DNS_OK);
	cr_assert_eq(a.n, 1);
	cr_assert_str_eq(a.rrs[0].value, "127.0.0.1");
	cr_assert_eq(a.rrs[0].ttl, 240, "the TTL of the address, not of the CNAME");
	cr_assert_eq(a.cnames.n, 1);
	cr_assert_str_eq(a.cnames.v[0], "mail.example.test");
	ask(&t, "mta-sts.redirect.test", DNS_T_A, &a);
	cr_assert_eq(a.status, DNS_OK);
	cr_assert_str_eq(a.rrs[0].value, "127.0.0.1");
	cr_assert_str_eq(a.cnames.v[0], "web.relay.test", "a CNAME into another zone");
	dns_answer_clear(&a);
	res_down(&t);
}

Test(dns, statuses_kept_apart)
{
	struct res t;
	res_up(&t, nsd(), 2000);
	struct dns_answer a = {0};
	ask(&t, "nope.example.test", DNS_T_TXT, &a);
	cr_assert_eq(a.status, DNS_NXDOMAIN, "%s", dns_status_name(a.status));
	cr_assert_str_eq(a.server, nsd());
	ask(&t, "www.example.test", DNS_T_TXT, &a);
	cr_assert_eq(a.status, DNS_NODATA, "%s", dns_status_name(a.status));
	cr_assert_eq(a.n, 0);
	ask(&t, "example.test", DNS_T_AAAA, &a);
	cr_assert_eq(a.status, DNS_NODATA);
	ask(&t, "servfail.test", DNS_T_A, &a);
	cr_assert_eq(a.status, DNS_SERVFAIL, "%s", dns_status_name(a.status));
	cr_assert_str_eq(a.server, nsd(), "SERVFAIL still names the server");
	ask(&t, "foo.invalid", DNS_T_A, &a);
	cr_assert_eq(a.status, DNS_REFUSED, "%s", dns_status_name(a.status));
	dns_answer_clear(&a);
	res_down(&t);
}

Test(dns, dead_servers_time_out_or_refuse)
{
	/* Nothing on the port: ICMP unreachable, refused at once. */
	char *closed = xasprintf("127.0.0.1:%d", closed_port());
	struct res t;
	res_up(&t, closed, 3000);
	struct dns_answer a = {0};
	/* an error that names the refusal, not DNS_TIMEOUT: it did not wait for the 3 s */
	ask(&t, "example.test", DNS_T_MX, &a);
	cr_assert_eq(a.status, DNS_ERROR, "%s", dns_status_name(a.status));
	cr_assert(strstr(a.error, "refused"), "%s", a.error);
	cr_assert_null(a.server);
	struct dns_stats st;
	dns_resolver_stats(t.r, &st);
	cr_assert_eq(st.answered, 0);
	res_down(&t);
	free(closed);

	/* A server that never answers: a timeout after dns.timeout_ms, shown by bounds load
	 * cannot break: each wait is at least its timeout, and the 300 ms one ends before
	 * the 3000 ms one could (the pair is asked at the same time). */
	int hole = socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t sl = sizeof(sa);
	cr_assert_eq(bind(hole, (struct sockaddr *)&sa, sizeof(sa)), 0);
	getsockname(hole, (struct sockaddr *)&sa, &sl);
	char *srv = xasprintf("127.0.0.1:%d", ntohs(sa.sin_port));
	struct res slow;
	res_up(&slow, srv, 3000);
	res_up(&t, srv, 300);
	struct dns_answer b = {0};
	struct timed qa = {&t, &a, 0, 0}, qb = {&slow, &b, 0, 0};
	pthread_t ta, tb;
	pthread_create(&tb, NULL, timed_ask, &qb);
	pthread_create(&ta, NULL, timed_ask, &qa);
	pthread_join(ta, NULL);
	pthread_join(tb, NULL);
	cr_assert_eq(a.status, DNS_TIMEOUT, "%s", dns_status_name(a.status));
	cr_assert_eq(b.status, DNS_TIMEOUT, "%s", dns_status_name(b.status));
	cr_assert_geq(qa.took, 300, "the 300 ms timeout ended after %lld ms", qa.took);
	cr_assert_geq(qb.took, 3000, "the 3000 ms timeout ended after %lld ms", qb.took);
	cr_assert_lt(qa.end, qb.end, "the 300 ms timeout did not end first");
	res_down(&t);
	res_down(&slow);
	dns_answer_clear(&b);
	close(hole);
	free(srv);
	dns_answer_clear(&a);
}

Test(dns, second_server_answers_and_is_named)
{
	char *list = xasprintf("127.0.0.1:%d, %s", closed_port(), nsd());
	struct res t;
	res_up(&t, list, 2000);
	struct dns_answer a = {0};
	ask(&t, "example.test", DNS_T_MX, &a);
	cr_assert_eq(a.status, DNS_OK);
	cr_assert_str_eq(a.server, nsd(), "the server that answered, not the first configured");
	dns_answer_clear(&a);
	res_down(&t);
	free(list);
}

Test(dns, ipv6_server_in_brackets)
{
	const char *v6 = getenv("MCON_TEST_DNS6");
	if (!v6 || !*v6)
		cr_assert_fail("MCON_TEST_DNS6 is not set: the NSD fixture found no IPv6 loopback");
	struct res t;
	res_up(&t, v6, 2000);
	cr_assert(strstr(dns_resolver_describe(t.r), "[::1]:"), "%s", dns_resolver_describe(t.r));
	struct dns_answer a = {0};
	ask(&t, "example.test", DNS_T_TXT, &a);
	cr_assert_eq(a.status, DNS_OK);
	cr_assert_str_eq(a.server, v6);
	dns_answer_clear(&a);
	res_down(&t);
}

Test(dns, bad_server_setting)
{
	struct config cfg;
	char *err = NULL;
	cr_assert_eq(config_load_string(&cfg, "[dns]\nservers = ns1.example.com:53\n", "t.conf", &err), 0);
	cr_assert_null(dns_resolver_new(&cfg, 0, &err));
	cr_assert(strstr(err, "ns1.example.com"), "%s", err);
	cr_assert(strstr(err, "dns.servers"), "%s", err);
	free(err);
	config_free(&cfg);
}

struct count {
	int done;
};

static void counted(struct dns_answer *a, void *ud)
{
	(void)a;
	((struct count *)ud)->done++;
}

Test(dns, bounded_inflight_all_complete)
{
	struct config cfg;
	char *conf = xasprintf("[dns]\nservers = %s\n", nsd());
	char *err = NULL;
	cr_assert_eq(config_load_string(&cfg, conf, "t.conf", &err), 0);
	free(conf);
	struct fetcher *f = fetcher_new();
	struct dns_resolver *r = dns_resolver_new(&cfg, 2, &err);
	dns_resolver_attach(r, f);
	struct dns_answer a[30] = {{0}};
	struct count c = {0};
	for (int i = 0; i < 30; i++)
		dns_query(r, i % 2 ? "example.test" : "nope.example.test", DNS_T_TXT, &a[i], counted, &c);
	fetcher_run(f, fetch_now_ms() + T_HANG_MS);
	cr_assert_eq(c.done, 30);
	for (int i = 0; i < 30; i++) {
		cr_assert_eq(a[i].status, i % 2 ? DNS_OK : DNS_NXDOMAIN);
		dns_answer_clear(&a[i]);
	}
	dns_resolver_free(r);
	fetcher_free(f);
	config_free(&cfg);
}

Test(dns, freeing_cancels_and_reports)
{
	/* the answer (10 minutes) and the timeout (60 s) are both far off: only freeing ends it */
	struct dnsdelay *slow = dnsdelay_start(nsd(), 600000);
	cr_assert_not_null(slow);
	char *srv = xasprintf("127.0.0.1:%d", dnsdelay_port(slow));
	struct res t;
	res_up(&t, srv, 60000);
	struct dns_answer a = {0};
	struct count c = {0};
	dns_query(t.r, "example.test", DNS_T_MX, &a, counted, &c);
	fetcher_run(t.f, fetch_now_ms() + 200);
	cr_assert_eq(c.done, 0);
	dns_resolver_free(t.r);
	t.r = NULL;
	cr_assert_eq(c.done, 1, "the callback runs when the query is cancelled");
	cr_assert_eq(a.status, DNS_TIMEOUT);
	cr_assert(strstr(a.error, "refresh ended"), "%s", a.error);
	fetcher_free(t.f);
	config_free(&t.cfg);
	dnsdelay_stop(slow);
	dns_answer_clear(&a);
	free(srv);
}

/* ---- SPF over the real zones ---- */

static void spf_query(void *ud, const char *name, int type, struct dns_answer *out,
		      void (*done)(struct dns_answer *a, void *arg), void *arg)
{
	dns_query(ud, name, type, out, done, arg);
}

static void spf_of(struct res *t, const char *domain, struct spf_eval *e)
{
	struct dns_answer apex = {0};
	ask(t, domain, DNS_T_TXT, &apex);
	struct spf_lookup lk = {spf_query, t->r};
	spf_evaluate(&lk, domain, &apex, e, NULL, NULL);
	fetcher_run(t->f, fetch_now_ms() + T_HANG_MS);
	dns_answer_clear(&apex);
}

Test(dns_spf, real_zones)
{
	struct res t;
	res_up(&t, nsd(), 2000);
	struct spf_eval e = {0};

	spf_of(&t, "example.test", &e);
	cr_assert_eq(e.records, 1);
	cr_assert_str_eq(e.record, "v=spf1 mx include:_spf.relay.test include:spf.example.test -all");
	cr_assert_eq(e.lookups, 5, "mx, 3 includes (one nested), a");
	cr_assert_eq(e.void_lookups, 0);
	cr_assert_null(e.error, "%s", e.error);
	cr_assert_eq(e.includes.n, 3);
	cr_assert(strv_contains(&e.includes, "_nested.relay.test"), "nested include followed");

	spf_of(&t, "redirect.test", &e);
	cr_assert_eq(e.lookups, 4, "redirect, include, nested include, a");
	cr_assert(strv_contains(&e.includes, "_spf.relay.test"));
	cr_assert_null(e.error, "%s", e.error);

	spf_of(&t, "loop.test", &e);
	cr_assert_not_null(e.error);
	cr_assert(strstr(e.error, "include loop: loop.test -> a.loop.test -> b.loop.test -> loop.test"), "%s", e.error);

	spf_of(&t, "many.test", &e);
	cr_assert_eq(e.lookups, 11);

	spf_of(&t, "void.test", &e);
	cr_assert_eq(e.lookups, 4);
	cr_assert_eq(e.void_lookups, 4, "NXDOMAIN include, NXDOMAIN a, NODATA mx, NXDOMAIN exists");
	cr_assert(strstr(e.error, "nx1.void.test"), "%s", e.error);

	spf_of(&t, "www.example.test", &e);
	cr_assert_eq(e.records, 0);
	cr_assert_eq(e.lookups, 0);
	spf_eval_free(&e);
	res_down(&t);
}
