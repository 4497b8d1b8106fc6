/* The collector end to end: NSD for DNS, an in-process HTTPS MailCow and MTA-STS server
 * with a test CA. A complete refresh; each backend in turn down, slow past its timeout,
 * 401, 403, 500, malformed, truncated, oversized: that part's error, the rest complete;
 * "since" carried over; the 401 backoff across refreshes; cancel and deadline; no
 * MailCow configured; concurrency (not the sum); and `mcon snapshot --json`. */
#include <criterion/criterion.h>
#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/collect.h"
#include "core/config.h"
#include "core/dkimkey.h"
#include "core/dns.h"
#include "core/fetch.h"
#include "core/snapshot.h"
#include "core/util.h"
#include "tests/support/dnsdelay.h"
#include "tests/support/fakemc.h"
#include "tests/support/httpsrv.h"
#include "tests/support/testca.h"

static const char *nsd(void)
{
	const char *v = getenv("MCON_TEST_DNS");
	if (!v || !*v)
		cr_assert_fail("MCON_TEST_DNS is not set: run through tests/run (fixture tests/fixtures/nsd.sh)");
	return v;
}

/* ---- the MTA-STS server, with its own faults ---- */

static enum fake_fault sts_fault;
static int sts_arg;

static void serve_sts(const struct http_req *req, struct http_resp *resp, void *ud)
{
	(void)ud;
	resp->content_type = "text/plain";
	const char *host = req->host ? req->host : "";
	switch (sts_fault) {
	case FAKE_SLOW:
		resp->delay_ms = sts_arg;
		break;
	case FAKE_STATUS:
		resp->status = sts_arg;
		resp->body = xstrdup("error");
		return;
	case FAKE_OVERSIZED:
		resp->mode = HTTP_HUGE;
		resp->huge_bytes = 1 << 20;
		return;
	case FAKE_TRUNCATED:
		resp->mode = HTTP_TRUNCATE;
		break;
	case FAKE_MALFORMED:
		resp->body = xstrdup("this is not a policy\n");
		return;
	default:
		break;
	}
	if (str_starts_with(host, "mta-sts.example.test"))
		resp->body = xstrdup("version: STSv1\nmode: enforce\nmx: *.relay.test\nmax_age: 604800\n");
	else if (str_starts_with(host, "mta-sts.redirect.test"))
		resp->body = xstrdup("version: STSv1\r\nmode: testing\r\nmx: mx1.relay.test\r\nmax_age: 86400\r\n");
	else {
		resp->status = 404;
		resp->body = xstrdup("no");
	}
}

/* ---- the stack ---- */

struct stack {
	struct testca ca;
	struct fakemc *mc;
	struct httpsrv *sts;
	char *dir, *keyfile;
	int mc_port;            /* kept when the server is stopped ("down") */
	int http_timeout_ms;    /* mailcow.timeout_ms (MTA-STS too); 0: STACK_TIMEOUT_MS */
	int dns_timeout_ms;     /* dns.timeout_ms; 0: STACK_DNS_TIMEOUT_MS */
	char *dns;              /* dns.servers */
	char *extra;            /* more config lines */
	struct config cfg;
};

static char *dkim_json(const char *key_name, const char *selector)
{
	char *path = xasprintf("tests/data/dkim/%s.b64", key_name);
	char *k = file_read(path, 0, NULL);
	cr_assert_not_null(k);
	str_trim(k);
	char *j = xasprintf("{\"pubkey\":\"%s\",\"length\":\"2048\",\"dkim_txt\":\"v=DKIM1;k=rsa;t=s;s=email;p=%s\","
			    "\"dkim_selector\":\"%s\",\"privkey\":\"\"}",
			    k, k, selector);
	free(k);
	free(path);
	return j;
}

static const char domains_json[] =
	"[{\"domain_name\":\"example.test\",\"active\":1,\"relayhost\":\"1\",\"mboxes_in_domain\":2,\"aliases_in_domain\":3},"
	"{\"domain_name\":\"redirect.test\",\"active\":\"1\",\"relayhost\":\"0\",\"tags\":[\"x\"]},"
	"{\"domain_name\":\"loop.test\",\"active\":0,\"relayhost\":\"0\"}]";

/* Long enough for every healthy answer, and a 32 MiB body, from the sanitizer build on a
 * loaded machine; only the "slow" cases set a shorter one, well below their delay. */
#define STACK_TIMEOUT_MS 15000
#define SLOW_TIMEOUT_MS 3000
#define STACK_DNS_TIMEOUT_MS 15000

static void stack_config(struct stack *st)
{
	config_free(&st->cfg);
	char *conf = xasprintf("[site]\nname = testsite\n"
			       "[mailcow]\nurl = https://127.0.0.1:%d\napi_key_file = %s\nca_file = %s\ntimeout_ms = %d\n"
			       "dir = %s/mailcow\n"
			       "[docker]\nhost = unix://%s/docker.sock\n"
			       "[dns]\nservers = %s\ntimeout_ms = %d\n"
			       "[mta_sts]\nport = %d\nca_file = %s\n"
			       "[dkim]\nselectors = mailcow, mxroute\n"
			       "[domains]\ninclude = example.test, redirect.test, loop.test\n%s",
			       st->mc_port, st->keyfile, st->ca.ca_file,
			       st->http_timeout_ms ? st->http_timeout_ms : STACK_TIMEOUT_MS, st->dir, st->dir, st->dns,
			       st->dns_timeout_ms ? st->dns_timeout_ms : STACK_DNS_TIMEOUT_MS, httpsrv_port(st->sts),
			       st->ca.ca_file, st->extra ? st->extra : "");
	char *err = NULL;
	cr_assert_eq(config_load_string(&st->cfg, conf, "test.conf", &err), 0, "%s", err);
	free(conf);
}

static void stack_up(struct stack *st, const char *key)
{
	memset(st, 0, sizeof(*st));
	sts_fault = FAKE_OK;
	unsetenv("MCON_API_KEY");
	cr_assert_eq(testca_make(&st->ca, "DNS:localhost,IP:127.0.0.1,DNS:mta-sts.example.test,DNS:mta-sts.redirect.test"), 0);
	st->mc = fakemc_start(&st->ca);
	st->mc_port = fakemc_port(st->mc);
	fakemc_route(st->mc, "/api/v1/get/domain/all", domains_json);
	char *dk = dkim_json("rsa2048", "mailcow");
	fakemc_route(st->mc, "/api/v1/get/dkim/example.test", dk);
	free(dk);
	st->sts = httpsrv_start(st->ca.cert_pem, st->ca.key_pem, serve_sts, NULL);
	cr_assert_not_null(st->sts);
	st->dir = test_tmpdir("collect");
	st->keyfile = xasprintf("%s/api.key", st->dir);
	char *line = xasprintf("%s\n", key ? key : FAKEMC_RW_KEY);
	cr_assert_eq(file_write_atomic(st->keyfile, line, strlen(line), 0600), 0);
	free(line);
	st->dns = xstrdup(nsd());
	stack_config(st);
}

static void stack_down(struct stack *st)
{
	config_free(&st->cfg);
	fakemc_stop(st->mc);
	httpsrv_stop(st->sts);
	testca_free(&st->ca);
	test_rmdir(st->dir);
	free(st->dir);
	free(st->keyfile);
	free(st->dns);
	free(st->extra);
}

/* Every snapshot a test made stays reachable from here: a failed cr_assert ends the test
 * before its snapshot_free, and a LeakSanitizer report would bury the failure. (The
 * pointers may dangle once freed; nothing reads them.) */
static struct snapshot *held[16];
static size_t n_held;

static struct snapshot *hold(struct snapshot *s)
{
	held[n_held++ % (sizeof(held) / sizeof(held[0]))] = s;
	return s;
}

static struct snapshot *collect(struct stack *st, const struct snapshot *prev)
{
	struct collect_opts o = {.prev = prev, .cancel_fd = -1};
	return hold(collect_run(&st->cfg, &o));
}

static const struct snap_domain *dom(const struct snapshot *s, const char *name)
{
	const struct snap_domain *d = snapshot_domain(s, name);
	cr_assert_not_null(d, "domain %s missing", name);
	return d;
}

/* Every DNS answer of the three domains came back, with the zones' values. */
static void assert_dns_complete(const struct snapshot *s)
{
	cr_assert_not(s->dns_err.failed, "%s", s->dns_err.why);
	const struct snap_domain *e = dom(s, "example.test");
	cr_assert_eq(e->dns.mx.status, DNS_OK);
	cr_assert_eq(e->dns.mx.n, 2);
	cr_assert_eq(e->dns.apex_txt.n, 2);
	cr_assert_eq(e->dns.dmarc.status, DNS_OK);
	cr_assert_eq(e->dns.n_dkim, 2);
	cr_assert_str_eq(e->dns.dkim[0].name, "mailcow._domainkey.example.test");
	cr_assert_eq(e->dns.dkim[0].status, DNS_OK);
	cr_assert_eq(dkim_key_bits(strstr(e->dns.dkim[0].rrs[0].value, "p=") + 2, NULL), 2048);
	cr_assert_eq(e->dns.dkim[1].status, DNS_OK, "4096-bit record over TCP");
	cr_assert_eq(dkim_key_bits(strstr(e->dns.dkim[1].rrs[0].value, "p=") + 2, NULL), 4096);
	cr_assert_eq(e->dns.mta_sts_txt.status, DNS_OK);
	cr_assert_str_eq(e->dns.mta_sts_host.rrs[0].value, "127.0.0.1");
	cr_assert_eq(e->dns.tls_rpt.rrs[0].ttl, 7200);
	cr_assert_eq(e->dns.spf.lookups, 5);
	cr_assert_str_eq(e->dns.mx.server, s->resolver, "answered by the configured server");
	const struct snap_domain *r = dom(s, "redirect.test");
	cr_assert_eq(r->dns.dmarc.status, DNS_NXDOMAIN);
	cr_assert_eq(r->dns.dkim[0].status, DNS_NXDOMAIN);
	cr_assert_eq(r->dns.spf.lookups, 4);
	const struct snap_domain *l = dom(s, "loop.test");
	cr_assert(strstr(l->dns.spf.error, "loop"), "%s", l->dns.spf.error);
	cr_assert_eq(l->dns.mta_sts_host.status, DNS_NXDOMAIN);
}

static void assert_sts_complete(const struct snapshot *s)
{
	const struct snap_domain *e = dom(s, "example.test"), *r = dom(s, "redirect.test");
	cr_assert(e->policy.fetched, "%s", e->policy.err.why);
	cr_assert_not(e->policy.err.failed, "%s", e->policy.err.why);
	cr_assert_str_eq(e->policy.mode, "enforce");
	cr_assert(r->policy.fetched, "%s", r->policy.err.why);
	cr_assert_str_eq(r->policy.mode, "testing");
	cr_assert_str_eq(r->policy.mx.v[0], "mx1.relay.test");
	const struct snap_domain *l = dom(s, "loop.test");
	cr_assert(strstr(l->policy.err.why, "no address"), "%s", l->policy.err.why);
}

static void assert_mailcow_complete(const struct snapshot *s)
{
	const struct mailcow_state *m = &s->mailcow;
	cr_assert_not(m->err.failed, "%s", m->err.why);
	cr_assert_eq(m->key, KEY_OK);
	cr_assert_eq(m->n_domains, 3);
	cr_assert_eq(m->n_aliases, 2);
	cr_assert_eq(m->n_mailboxes, 1);
	cr_assert_eq(m->n_relayhosts, 1);
	cr_assert_eq(m->n_services, 4);
	cr_assert_str_eq(m->version, "2026-07a");
	cr_assert_eq(m->queue_deferred, 1);
	const struct snap_domain *e = dom(s, "example.test");
	cr_assert_not_null(e->mc);
	cr_assert(e->dkim.present, "%s", e->dkim.err.why);
	cr_assert_eq(e->dkim.bits, 2048);
	cr_assert_str_eq(e->dkim.selector, "mailcow");
	cr_assert_not(dom(s, "redirect.test")->dkim.present);
	cr_assert_not(dom(s, "loop.test")->mc->active);
}

Test(collect, complete_refresh)
{
	static struct stack st; /* static: reachable after a failed assertion */
	stack_up(&st, NULL);
	struct snapshot *s = collect(&st, NULL);
	cr_assert_str_eq(s->site, "testsite");
	cr_assert_eq(s->n_domains, 3);
	cr_assert_str_eq(s->domains[0].name, "example.test", "sorted");
	cr_assert_str_eq(s->domains[1].name, "loop.test");
	cr_assert_str_eq(s->domains[2].name, "redirect.test");
	assert_mailcow_complete(s);
	assert_dns_complete(s);
	assert_sts_complete(s);
	cr_assert_str_eq(s->resolver, nsd());
	cr_assert(s->docker.err.failed, "no Docker at %s", st.cfg.docker_host);
	cr_assert_geq(s->duration_ms, 0, "the snapshot says how long it took (the figure is `make bench`)");
	cr_assert_eq(fakemc_hits(st.mc, "/api/v1/get/dkim/"), 3, "one DKIM request per MailCow domain");
	cr_assert_not(fakemc_key_leaked(st.mc));
	snapshot_free(s);
	stack_down(&st);
}

Test(collect, domains_follow_include_exclude)
{
	static struct stack st; /* static: reachable after a failed assertion */
	stack_up(&st, NULL);
	free(st.extra);
	/* Replaces [domains]: all MailCow domains but loop.test, plus a name MailCow lacks. */
	st.extra = xstrdup("");
	config_free(&st.cfg);
	char *conf = xasprintf("[mailcow]\nurl = https://127.0.0.1:%d\napi_key_file = %s\nca_file = %s\n"
			       "[docker]\nhost = unix://%s/docker.sock\n[dns]\nservers = %s\n[mta_sts]\nport = %d\nca_file = %s\n"
			       "[domains]\ninclude = *.test, many.test\nexclude = loop.*\n",
			       st.mc_port, st.keyfile, st.ca.ca_file, st.dir, st.dns, httpsrv_port(st.sts), st.ca.ca_file);
	char *err = NULL;
	cr_assert_eq(config_load_string(&st.cfg, conf, "t.conf", &err), 0, "%s", err);
	free(conf);
	struct snapshot *s = collect(&st, NULL);
	cr_assert_eq(s->n_domains, 3, "example, many (literal include, not in MailCow), redirect");
	cr_assert_str_eq(s->domains[0].name, "example.test");
	cr_assert_str_eq(s->domains[1].name, "many.test");
	cr_assert_null(s->domains[1].mc, "not in MailCow");
	cr_assert_eq(s->domains[1].dns.spf.lookups, 11, "DNS still runs for it");
	cr_assert_str_eq(s->domains[2].name, "redirect.test");
	cr_assert_null(snapshot_domain(s, "loop.test"));
	cr_assert_eq(fakemc_hits(st.mc, "/api/v1/get/dkim/"), 2, "no DKIM request for unwatched or unknown domains");
	snapshot_free(s);
	stack_down(&st);
}

/* The whole stack with a real dockerd (tests/fixtures/dockerd.sh: a fake mailcow project,
 * clamd's healthcheck failing, nginx-mailcow on the swarm overlay netgrimoire), NSD and the
 * HTTPS servers, in one refresh. */
Test(collect, real_dockerd_nsd_and_https)
{
	const char *host = getenv("MCON_TEST_DOCKER_HOST");
	if (!host || !*host)
		cr_assert_fail("MCON_TEST_DOCKER_HOST is not set: run through tests/run (fixture tests/fixtures/dockerd.sh)");
	static struct stack st; /* static: reachable after a failed assertion */
	stack_up(&st, NULL);
	free(st.cfg.docker_host);
	st.cfg.docker_host = xstrdup(host);
	struct snapshot *s = collect(&st, NULL);
	cr_assert_not(s->docker.err.failed, "%s: %s", s->docker.err.what, s->docker.err.why);
	cr_assert_eq(s->docker.n_containers, 5, "the project's containers only");
	const struct container *clamd = snapshot_container(s, "clamd-mailcow");
	cr_assert_not_null(clamd);
	cr_assert_eq(clamd->health, HEALTH_UNHEALTHY);
	const struct container *nginx = snapshot_container(s, "nginx-mailcow");
	cr_assert_not_null(nginx);
	bool on_overlay = false;
	for (size_t i = 0; i < nginx->n_nets; i++)
		on_overlay |= strcmp(nginx->nets[i].network, "netgrimoire") == 0 && nginx->nets[i].driver &&
			      strcmp(nginx->nets[i].driver, "overlay") == 0;
	cr_assert(on_overlay, "nginx-mailcow on the overlay netgrimoire");
	cr_assert_eq(s->docker.postfix_size_live, 104857600, "postconf through exec");
	assert_mailcow_complete(s);
	assert_dns_complete(s);
	assert_sts_complete(s);
	json_t *j = snapshot_to_json(s);
	cr_assert_eq(json_array_size(json_object_get(json_object_get(j, "docker"), "containers")), 5);
	/* Only what this stack lacks: loop.test's policy host, and the mailcow-dockerized
	 * files (mailcow.dir is empty here). */
	json_t *errs = json_object_get(j, "errors");
	cr_assert_gt(json_array_size(errs), 0);
	for (size_t i = 0; i < json_array_size(errs); i++) {
		const char *part = json_string_value(json_object_get(json_array_get(errs, i), "part"));
		cr_assert(strcmp(part, "domain:loop.test/mta_sts") == 0 || strcmp(part, "files") == 0 ||
			  strcmp(part, "roundcube") == 0, "unexpected error of %s", part);
	}
	json_decref(j);
	snapshot_free(s);
	stack_down(&st);
}

/* ---- the fault matrix ---- */

struct fault_case {
	const char *name;
	enum fake_fault fault;
	int arg;
	const char *says;       /* in the part's why */
	const char *or_says;    /* or this (libcurl 8 words a cut-off body differently), or NULL */
};

static const struct fault_case http_faults[] = {
	{"slow past the timeout", FAKE_SLOW, 8000, "timed out", NULL},
	{"401", FAKE_STATUS, 401, "HTTP 401", NULL},
	{"403", FAKE_STATUS, 403, "HTTP 403", NULL},
	{"500", FAKE_STATUS, 500, "HTTP 500", NULL},
	{"malformed", FAKE_MALFORMED, 0, "malformed", NULL},
	{"truncated", FAKE_TRUNCATED, 0, "bytes remaining to read", "bytes missing"},
	{"oversized", FAKE_OVERSIZED, 0, "larger than", NULL},
	{"empty 200", FAKE_EMPTY, 0, "empty body", NULL},
};

/* Whether why holds what the fault case says (or its other wording). */
static bool fault_says(const struct fault_case *f, const char *why, const char *says)
{
	return why && (strstr(why, says) || (f->or_says && strstr(why, f->or_says)));
}

Test(collect_faults, mailcow_down)
{
	static struct stack st; /* static: reachable after a failed assertion */
	stack_up(&st, NULL);
	fakemc_stop(st.mc);
	st.mc = fakemc_start(&st.ca); /* keeps stack_down simple; the config points at the dead port */
	struct snapshot *s = collect(&st, NULL);
	cr_assert(s->mailcow.err.failed);
	cr_assert(strstr(s->mailcow.err.why, "cannot connect"), "%s", s->mailcow.err.why);
	cr_assert_eq(s->mailcow.n_domains, 0);
	cr_assert(s->mailcow.aliases_err.failed, "the other endpoints say they were not asked");
	cr_assert_eq(s->n_domains, 3, "the literal domains.include names still get DNS");
	cr_assert_null(dom(s, "example.test")->mc);
	assert_dns_complete(s);
	assert_sts_complete(s);
	snapshot_free(s);
	stack_down(&st);
}

/* One MailCow fault: the API part fails with it, DNS and MTA-STS are complete. */
static void mailcow_fault(size_t i)
{
	const struct fault_case *f = &http_faults[i];
	static struct stack st; /* static: reachable after a failed assertion */
	stack_up(&st, NULL);
	if (f->fault == FAKE_SLOW) {
		st.http_timeout_ms = SLOW_TIMEOUT_MS;
		stack_config(&st);
	}
	fakemc_fault(st.mc, NULL, f->fault, f->arg);
	struct snapshot *s = collect(&st, NULL);
	cr_assert(s->mailcow.err.failed, "%s: no MailCow error", f->name);
	cr_assert(fault_says(f, s->mailcow.err.why, f->says), "%s: '%s' lacks '%s'", f->name, s->mailcow.err.why, f->says);
	cr_assert_str_eq(s->mailcow.err.what, "GET /api/v1/get/domain/all", "%s", f->name);
	cr_assert_eq(s->mailcow.n_domains, 0, "%s", f->name);
	assert_dns_complete(s);
	assert_sts_complete(s);
	if (f->fault == FAKE_STATUS && f->arg == 401)
		cr_assert_eq(s->mailcow.key, KEY_INVALID);
	if (f->fault == FAKE_STATUS && f->arg == 403)
		cr_assert_eq(s->mailcow.key, KEY_FORBIDDEN);
	if (f->fault == FAKE_EMPTY)
		cr_assert_eq(s->mailcow.key, KEY_IGNORED);
	snapshot_free(s);
	stack_down(&st);
}

Test(collect_faults, mailcow_slow) { mailcow_fault(0); }
Test(collect_faults, mailcow_401) { mailcow_fault(1); }
Test(collect_faults, mailcow_403) { mailcow_fault(2); }
Test(collect_faults, mailcow_500) { mailcow_fault(3); }
Test(collect_faults, mailcow_malformed) { mailcow_fault(4); }
Test(collect_faults, mailcow_truncated) { mailcow_fault(5); }
Test(collect_faults, mailcow_oversized) { mailcow_fault(6); }
Test(collect_faults, mailcow_empty) { mailcow_fault(7); }

Test(collect_faults, one_mailcow_endpoint)
{
	static struct stack st; /* static: reachable after a failed assertion */
	stack_up(&st, NULL);
	fakemc_fault(st.mc, "/api/v1/get/mailq", FAKE_STATUS, 500);
	struct snapshot *s = collect(&st, NULL);
	cr_assert(s->mailcow.queue_err.failed);
	cr_assert(strstr(s->mailcow.queue_err.why, "HTTP 500"), "%s", s->mailcow.queue_err.why);
	cr_assert_eq(s->mailcow.queue_deferred, -1, "unknown, not zero");
	cr_assert_not(s->mailcow.err.failed, "the API as a whole is fine");
	cr_assert_eq(s->mailcow.n_aliases, 2);
	cr_assert(dom(s, "example.test")->dkim.present);
	snapshot_free(s);

	fakemc_fault(st.mc, "/api/v1/get/dkim/", FAKE_MALFORMED, 0);
	s = collect(&st, NULL);
	cr_assert_not(s->mailcow.err.failed);
	cr_assert_not(s->mailcow.queue_err.failed);
	for (size_t i = 0; i < s->n_domains; i++) {
		cr_assert(s->domains[i].dkim.err.failed, "%s", s->domains[i].name);
		cr_assert(strstr(s->domains[i].dkim.err.why, "malformed"), "%s", s->domains[i].dkim.err.why);
	}
	assert_dns_complete(s);
	snapshot_free(s);

	fakemc_fault(st.mc, "/api/v1/get/alias", FAKE_TRUNCATED, 0);
	s = collect(&st, NULL);
	cr_assert(s->mailcow.aliases_err.failed);
	cr_assert_eq(s->mailcow.n_aliases, 0);
	cr_assert_eq(s->mailcow.n_mailboxes, 1);
	cr_assert(dom(s, "example.test")->dkim.present);
	snapshot_free(s);
	stack_down(&st);
}

Test(collect_faults, dns_down_and_slow)
{
	static struct stack st; /* static: reachable after a failed assertion */
	stack_up(&st, NULL);
	free(st.dns);
	st.dns = xasprintf("127.0.0.1:%d", closed_port());
	st.dns_timeout_ms = 2500; /* nothing answers: some queries end by timing out */
	stack_config(&st);
	struct snapshot *s = collect(&st, NULL);
	cr_assert(s->dns_err.failed, "a dead resolver is an error of the DNS part");
	cr_assert(strstr(s->dns_err.why, "answered none"), "%s", s->dns_err.why);
	assert_mailcow_complete(s);
	const struct snap_domain *e = dom(s, "example.test");
	/* c-ares 1.18 ends a burst of queries to a dead server partly as refused, partly
	 * as timed out: both are transport failures, and no answer. */
	cr_assert(e->dns.mx.status == DNS_ERROR || e->dns.mx.status == DNS_TIMEOUT, "%s",
		  dns_status_name(e->dns.mx.status));
	cr_assert_null(e->dns.mx.server);
	cr_assert(strstr(e->policy.err.why, "no address"), "%s", e->policy.err.why);
	snapshot_free(s);

	/* queries end at dns.timeout_ms (1 s): the answers would come after 10 minutes */
	struct dnsdelay *slow = dnsdelay_start(nsd(), 600000);
	free(st.dns);
	st.dns = xasprintf("127.0.0.1:%d", dnsdelay_port(slow));
	st.dns_timeout_ms = 1000;
	stack_config(&st);
	s = collect(&st, NULL);
	cr_assert(s->dns_err.failed);
	cr_assert_eq(dom(s, "example.test")->dns.mx.status, DNS_TIMEOUT);
	assert_mailcow_complete(s);
	snapshot_free(s);
	dnsdelay_stop(slow);

	/* SERVFAIL for one domain only: its answers say so, the resolver is fine. */
	free(st.dns);
	st.dns = xstrdup(nsd());
	st.dns_timeout_ms = 0;
	st.extra = xstrdup("include = *.test\n"); /* replaces the literal list: [domains] is last */
	stack_config(&st);
	fakemc_route(st.mc, "/api/v1/get/domain/all",
		     "[{\"domain_name\":\"example.test\",\"active\":1},{\"domain_name\":\"servfail.test\",\"active\":1}]");
	s = collect(&st, NULL);
	cr_assert_not(s->dns_err.failed, "%s", s->dns_err.why);
	cr_assert_eq(dom(s, "servfail.test")->dns.mx.status, DNS_SERVFAIL);
	cr_assert_eq(dom(s, "example.test")->dns.mx.status, DNS_OK);
	snapshot_free(s);
	stack_down(&st);
}

/* One MTA-STS fault: the policies fail with it, MailCow and DNS are complete. */
static void mta_sts_fault(size_t i)
{
	const struct fault_case *f = &http_faults[i];
	static struct stack st; /* static: reachable after a failed assertion */
	stack_up(&st, NULL);
	if (f->fault == FAKE_SLOW) {
		st.http_timeout_ms = SLOW_TIMEOUT_MS;
		stack_config(&st);
	}
	sts_fault = f->fault;
	sts_arg = f->arg;
	struct snapshot *s = collect(&st, NULL);
	const struct snap_domain *e = dom(s, "example.test");
	cr_assert(e->policy.err.failed, "%s: no policy error", f->name);
	const char *says = f->fault == FAKE_OVERSIZED ? "64 KiB" : f->fault == FAKE_MALFORMED ? "no version" : f->says;
	cr_assert(fault_says(f, e->policy.err.why, says), "%s: '%s' lacks '%s'", f->name, e->policy.err.why, says);
	if (f->fault != FAKE_MALFORMED)
		cr_assert_null(e->policy.mode, "%s: nothing parsed from a failed fetch", f->name);
	assert_mailcow_complete(s);
	assert_dns_complete(s);
	snapshot_free(s);
	stack_down(&st);
}

Test(collect_faults, mta_sts_slow) { mta_sts_fault(0); }
Test(collect_faults, mta_sts_401) { mta_sts_fault(1); }
Test(collect_faults, mta_sts_403) { mta_sts_fault(2); }
Test(collect_faults, mta_sts_500) { mta_sts_fault(3); }
Test(collect_faults, mta_sts_malformed) { mta_sts_fault(4); }
Test(collect_faults, mta_sts_truncated) { mta_sts_fault(5); }
Test(collect_faults, mta_sts_oversized) { mta_sts_fault(6); }

Test(collect_faults, mta_sts_down)
{
	static struct stack st; /* static: reachable after a failed assertion */
	stack_up(&st, NULL);
	/* A new server on another port; the config still names the old, closed one. */
	httpsrv_stop(st.sts);
	st.sts = httpsrv_start(st.ca.cert_pem, st.ca.key_pem, serve_sts, NULL);
	struct snapshot *s = collect(&st, NULL);
	cr_assert(strstr(dom(s, "example.test")->policy.err.why, "cannot connect"), "%s", dom(s, "example.test")->policy.err.why);
	assert_mailcow_complete(s);
	assert_dns_complete(s);
	snapshot_free(s);
	stack_down(&st);
}

Test(collect_faults, mta_sts_wrong_ca)
{
	static struct stack st; /* static: reachable after a failed assertion */
	stack_up(&st, NULL);
	struct testca other;
	cr_assert_eq(testca_make(&other, "DNS:x.test"), 0);
	free(st.cfg.mta_sts_ca_file);
	st.cfg.mta_sts_ca_file = xstrdup(other.ca_file);
	struct snapshot *s = collect(&st, NULL);
	cr_assert(strstr(dom(s, "example.test")->policy.err.why, "certificate"), "%s",
		  dom(s, "example.test")->policy.err.why);
	cr_assert_not(dom(s, "example.test")->policy.fetched);
	assert_mailcow_complete(s);
	assert_dns_complete(s);
	snapshot_free(s);
	testca_free(&other);
	stack_down(&st);
}

Test(collect, since_carried_while_failing)
{
	static struct stack st; /* static: reachable after a failed assertion */
	stack_up(&st, NULL);
	fakemc_fault(st.mc, "/api/v1/get/mailq", FAKE_STATUS, 500);
	setenv("MCON_NOW", "1800000000", 1);
	struct snapshot *s1 = collect(&st, NULL);
	cr_assert_eq(s1->mailcow.queue_err.since, 1800000000);
	setenv("MCON_NOW", "1800000060", 1);
	struct snapshot *s2 = collect(&st, s1);
	cr_assert_eq(s2->mailcow.queue_err.since, 1800000000, "still failing: since the first time");
	cr_assert_eq(dom(s2, "loop.test")->policy.err.since, 1800000000, "per-domain errors too");
	fakemc_fault(st.mc, NULL, FAKE_OK, 0);
	setenv("MCON_NOW", "1800000120", 1);
	struct snapshot *s3 = collect(&st, s2);
	cr_assert_not(s3->mailcow.queue_err.failed);
	fakemc_fault(st.mc, "/api/v1/get/mailq", FAKE_STATUS, 500);
	setenv("MCON_NOW", "1800000180", 1);
	struct snapshot *s4 = collect(&st, s3);
	cr_assert_eq(s4->mailcow.queue_err.since, 1800000180, "a new failure starts a new since");
	snapshot_free(s1);
	snapshot_free(s2);
	snapshot_free(s3);
	snapshot_free(s4);
	unsetenv("MCON_NOW");
	stack_down(&st);
}

Test(collect, refused_key_backs_off_across_refreshes)
{
	static struct stack st; /* static: reachable after a failed assertion */
	stack_up(&st, "000000-000000-000000-000000-000000");
	setenv("MCON_NOW", "1800000000", 1);
	struct snapshot *s1 = collect(&st, NULL);
	cr_assert_eq(s1->mailcow.key, KEY_INVALID);
	cr_assert_eq(fakemc_401s(st.mc), 1);
	cr_assert_eq(s1->mailcow.next_try, 1800000060);
	assert_dns_complete(s1);
	setenv("MCON_NOW", "1800000030", 1);
	struct snapshot *s2 = collect(&st, s1);
	cr_assert_eq(fakemc_hits(st.mc, "/"), 1, "no request inside the backoff window");
	cr_assert_eq(s2->mailcow.key, KEY_INVALID);
	cr_assert(strstr(s2->mailcow.err.why, "not retried before"), "%s", s2->mailcow.err.why);
	cr_assert_eq(s2->mailcow.err.since, 1800000000);
	assert_dns_complete(s2);
	setenv("MCON_NOW", "1800000070", 1);
	struct snapshot *s3 = collect(&st, s2);
	cr_assert_eq(fakemc_401s(st.mc), 2, "tried again after the window");
	cr_assert_eq(s3->mailcow.auth_failures, 2);
	cr_assert_eq(s3->mailcow.next_try, 1800000070 + 120);
	json_t *j = snapshot_to_json(s3);
	char *text = json_dumps(j, 0);
	cr_assert(strstr(text, "\"next_try\""));
	cr_assert_null(strstr(text, "000000-000000"), "the key must not appear in the snapshot");
	free(text);
	json_decref(j);
	snapshot_free(s1);
	snapshot_free(s2);
	snapshot_free(s3);
	unsetenv("MCON_NOW");
	stack_down(&st);
}

Test(collect, not_configured)
{
	static struct stack st; /* static: reachable after a failed assertion */
	stack_up(&st, NULL);
	config_free(&st.cfg);
	char *conf = xasprintf("[dns]\nservers = %s\n[mta_sts]\nport = %d\nca_file = %s\n[docker]\nhost = unix://%s/d.sock\n"
			       "[dkim]\nselectors = mailcow, mxroute\n[domains]\ninclude = example.test, redirect.test, loop.test\n",
			       st.dns, httpsrv_port(st.sts), st.ca.ca_file, st.dir);
	char *err = NULL;
	cr_assert_eq(config_load_string(&st.cfg, conf, "t.conf", &err), 0, "%s", err);
	free(conf);
	struct snapshot *s = collect(&st, NULL);
	cr_assert(s->mailcow.err.failed);
	cr_assert(strstr(s->mailcow.err.why, "not configured"), "%s", s->mailcow.err.why);
	assert_dns_complete(s);
	assert_sts_complete(s);
	cr_assert_eq(fakemc_hits(st.mc, "/"), 0);
	snapshot_free(s);
	stack_down(&st);
}

struct canceller {
	struct fakemc *mc;
	int fd;
};

/* Cancels once MailCow has answered every DKIM request (DNS is still held up). */
static void *cancel_after_mailcow(void *arg)
{
	struct canceller *c = arg;
	for (int i = 0; i < 1000 && fakemc_hits(c->mc, "/api/v1/get/dkim/") < 3; i++)
		usleep(10 * 1000);
	usleep(200 * 1000);
	if (write(c->fd, "q", 1) != 1)
		perror("write");
	return NULL;
}

Test(collect, cancel_and_deadline)
{
	static struct stack st; /* static: reachable after a failed assertion */
	stack_up(&st, NULL);
	struct dnsdelay *slow = dnsdelay_start(nsd(), 15000);
	free(st.dns);
	st.dns = xasprintf("127.0.0.1:%d", dnsdelay_port(slow));
	free(st.extra);
	st.extra = xstrdup("");
	stack_config(&st);
	/* A resolver slower than the refresh may wait: stop it from outside. */
	st.cfg.dns_timeout_ms = 20000;
	int p[2];
	cr_assert_eq(pipe(p), 0);
	pthread_t t;
	struct canceller cc = {st.mc, p[1]};
	pthread_create(&t, NULL, cancel_after_mailcow, &cc);
	/* the DNS answers come after 15 s, the resolver gives up after 20 s: a DNS_TIMEOUT that
	 * says "refresh ended" can only come from the cancel */
	struct collect_opts o = {.cancel_fd = p[0]};
	struct snapshot *s = hold(collect_run(&st.cfg, &o));
	pthread_join(t, NULL);
	cr_assert_eq(dom(s, "example.test")->dns.mx.status, DNS_TIMEOUT);
	cr_assert(strstr(dom(s, "example.test")->dns.mx.error, "refresh ended"));
	cr_assert(dom(s, "example.test")->dkim.present, "MailCow answered before the cancel");
	snapshot_free(s);
	close(p[0]);
	close(p[1]);

	/* the 400 ms deadline, not the 15 s DNS answers: no answer at all */
	struct collect_opts d = {.cancel_fd = -1, .deadline_ms = fetch_now_ms() + 400};
	s = hold(collect_run(&st.cfg, &d));
	cr_assert(s->dns_err.failed, "no answer at all before the deadline");
	cr_assert_eq(dom(s, "example.test")->policy.fetched, false);
	snapshot_free(s);
	dnsdelay_stop(slow);
	stack_down(&st);
}

Test(collect, concurrent_not_sequential)
{
	/* 150 ms on every MailCow request and DNS answer. The longest chain is domain/all,
	 * then apex TXT, then three SPF levels: at least 5 x 150 ms. Concurrency is seen by the
	 * slow resolver itself: it holds several queries at once only when they are sent before
	 * the earlier ones are answered. (The time the refresh takes is a figure of `make bench`.) */
	static struct stack st; /* static: reachable after a failed assertion */
	stack_up(&st, NULL);
	fakemc_latency(st.mc, 150);
	struct dnsdelay *slow = dnsdelay_start(nsd(), 150);
	free(st.dns);
	st.dns = xasprintf("127.0.0.1:%d", dnsdelay_port(slow));
	stack_config(&st);
	struct collect_stats stats = {0};
	struct collect_opts o = {.cancel_fd = -1, .stats = &stats};
	long long t0 = fetch_now_ms();
	struct snapshot *s = hold(collect_run(&st.cfg, &o));
	long long took = fetch_now_ms() - t0;
	assert_mailcow_complete(s);
	assert_dns_complete(s);
	assert_sts_complete(s);
	cr_assert_geq(took, 5 * 150, "the chain cannot be shorter than its links (%lld ms)", took);
	cr_assert_geq(stats.http_requests, 12);
	cr_assert_geq(stats.dns_queries, 30);
	cr_assert_geq(dnsdelay_max_in_flight(slow), 4, "the resolver held at most %d queries at once: DNS is not "
		      "asked concurrently", dnsdelay_max_in_flight(slow));
	snapshot_free(s);
	dnsdelay_stop(slow);
	stack_down(&st);
}

/* ---- the command ---- */

static int run_mcon(const char *conf, const char *env_key, char **out, char **errout, const char *arg)
{
	const char *bin = getenv("MCON_BIN");
	if (!bin || !*bin)
		cr_assert_fail("MCON_BIN is not set: run through tests/run");
	char *dir = test_tmpdir("cli");
	char *o = xasprintf("%s/out", dir), *e = xasprintf("%s/err", dir);
	pid_t pid = fork();
	if (pid == 0) {
		if (env_key)
			setenv("MCON_API_KEY", env_key, 1);
		else
			unsetenv("MCON_API_KEY");
		if (!freopen(o, "w", stdout) || !freopen(e, "w", stderr))
			_exit(99);
		execl(bin, bin, "--config", conf, "snapshot", arg, (char *)NULL);
		_exit(98);
	}
	int status;
	waitpid(pid, &status, 0);
	*out = file_read(o, 0, NULL);
	*errout = file_read(e, 0, NULL);
	test_rmdir(dir);
	free(dir);
	free(o);
	free(e);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

Test(cli_snapshot, json_without_secrets)
{
	static struct stack st; /* static: reachable after a failed assertion */
	stack_up(&st, NULL);
	char *conf = xasprintf("%s/mcon.conf", st.dir);
	char *text = xasprintf("[mailcow]\nurl = https://127.0.0.1:%d\napi_key_file = %s\nca_file = %s\ntimeout_ms = 2000\n"
			       "[docker]\nhost = unix://%s/d.sock\n[dns]\nservers = %s\n[mta_sts]\nport = %d\nca_file = %s\n"
			       "[dkim]\nselectors = mailcow, mxroute\n",
			       st.mc_port, st.keyfile, st.ca.ca_file, st.dir, st.dns, httpsrv_port(st.sts), st.ca.ca_file);
	cr_assert_eq(file_write_atomic(conf, text, strlen(text), 0600), 0);
	free(text);
	/* The relayhost answer carries a password, DKIM a private key: neither may show. */
	fakemc_route(st.mc, "/api/v1/get/dkim/redirect.test",
		     "{\"pubkey\":\"MIIB\",\"length\":\"2048\",\"dkim_selector\":\"dkim\",\"privkey\":\"PRIVATE-KEY-MATERIAL\"}");
	for (int round = 0; round < 2; round++) {
		char *out = NULL, *err = NULL;
		/* once with the key file, once with $MCON_API_KEY (a wrong file then: env wins) */
		int rc = run_mcon(conf, round ? FAKEMC_RW_KEY : NULL, &out, &err, "--json");
		cr_assert_eq(rc, 0, "stderr: %s", err);
		cr_assert_not_null(out);
		json_error_t je;
		json_t *j = json_loads(out, 0, &je);
		cr_assert_not_null(j, "not JSON: %s", je.text);
		cr_assert_eq(json_integer_value(json_object_get(j, "version")), 1);
		json_t *doms = json_object_get(j, "domains");
		cr_assert_eq(json_array_size(doms), 3);
		json_t *ex = json_array_get(doms, 0);
		cr_assert_str_eq(json_string_value(json_object_get(ex, "name")), "example.test");
		json_t *mx = json_object_get(json_object_get(ex, "dns"), "mx");
		cr_assert_str_eq(json_string_value(json_object_get(mx, "status")), "ok");
		cr_assert_str_eq(json_string_value(json_object_get(mx, "server")), nsd());
		cr_assert_eq(json_integer_value(json_object_get(json_array_get(json_object_get(mx, "records"), 0), "ttl")), 3600);
		cr_assert_eq(json_integer_value(json_object_get(json_object_get(ex, "dkim"), "bits")), 2048);
		cr_assert_str_eq(json_string_value(json_object_get(json_object_get(ex, "mta_sts_policy"), "mode")), "enforce");
		json_t *mc = json_object_get(j, "mailcow");
		cr_assert_eq(json_array_size(json_object_get(mc, "aliases")), 2);
		cr_assert_str_eq(json_string_value(json_object_get(json_array_get(json_object_get(mc, "relayhosts"), 0), "hostname")),
				 "[heracles.mxrouting.net]:587");
		cr_assert(json_is_array(json_object_get(j, "errors")));
		cr_assert(json_is_object(json_object_get(j, "limits")));
		cr_assert(json_is_object(json_object_get(j, "roundcube")));
		cr_assert(json_is_array(json_object_get(json_object_get(j, "docker"), "containers")));
		cr_assert(json_is_array(json_object_get(json_object_get(j, "docker"), "networks")));
		for (int w = 0; w < 2; w++) {
			const char *where = w ? err : out;
			cr_assert_null(strstr(where, FAKEMC_RW_KEY), "the API key was printed");
			cr_assert_null(strstr(where, "PLAINTEXT-SECRET"), "the relayhost password was printed");
			cr_assert_null(strstr(where, "PRIVATE-KEY-MATERIAL"), "a DKIM private key was printed");
		}
		json_decref(j);
		free(out);
		free(err);
		if (round == 0) {
			char *bad = xasprintf("%s\n", "0-not-the-key-0");
			cr_assert_eq(file_write_atomic(st.keyfile, bad, strlen(bad), 0600), 0);
			free(bad);
		}
	}
	char *out = NULL, *err = NULL;
	cr_assert_eq(run_mcon(conf, NULL, &out, &err, "--yaml"), 2);
	cr_assert(strstr(err, "mcon: "), "%s", err);
	free(out);
	free(err);
	free(conf);
	stack_down(&st);
}
