/* The collector against the simulator (build/mcon-sim): the demo scenario's snapshot as the
 * scenario describes it, and the fault matrix switched on through `mcon-sim ctl`: each
 * backend in turn down, slow past its timeout, 401, 403, 500, malformed, truncated or
 * oversized (DNS: down, dropped, slow, SERVFAIL, REFUSED, wrong id, cut-off packets), and
 * that part's error while the rest is complete; and mailcow.max_requests bounds the requests
 * in flight. */
#include <criterion/criterion.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "core/collect.h"
#include "core/config.h"
#include "core/dkimkey.h"
#include "core/dns.h"
#include "core/snapshot.h"
#include "core/util.h"
#include "tests/support/simproc.h"

static const char *const demo_domains[] = {
	"florosafd.org", "gnarlypandaproductions.com", "netgrimoire.com", "nucking-futz.com",
	"pncfishandmore.com", "pncharris.com", "pncharrisenterprises.com", "wasted-bandwidth.net",
};

struct sim {
	struct simproc *sp;
	struct config cfg;
};

static void sim_up(struct sim *t)
{
	t->sp = simproc_start(NULL, NULL);
	cr_assert_not_null(t->sp, "mcon-sim did not start (MCON_SIM_BIN=%s)", simproc_bin());
	char *err = NULL;
	cr_assert_eq(config_load(&t->cfg, t->sp->conf, &err), 0, "%s", err);
	/* Timeouts that a loaded machine running the sanitizer build still meets for every
	 * healthy answer; the "slow" faults below hold their answers back far longer (the
	 * simulator's delay ends at once when it stops, so this costs no time). */
	t->cfg.mailcow_timeout_ms = 5000;
	t->cfg.dns_timeout_ms = 2500;
}

static void sim_down(struct sim *t)
{
	config_free(&t->cfg);
	cr_assert_eq(simproc_stop(t->sp), 0, "the simulator did not stop cleanly");
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

static struct snapshot *collect(struct sim *t, const struct snapshot *prev)
{
	struct collect_opts o = {.prev = prev, .cancel_fd = -1};
	return hold(collect_run(&t->cfg, &o));
}

/* p= of a DKIM TXT with blanks dropped (the comparison the checks make). */
static char *p_tag(const char *txt)
{
	const char *p = strstr(txt, "p=");
	cr_assert_not_null(p, "no p= in %s", txt);
	struct buf b = {0};
	for (p += 2; *p && *p != ';'; p++)
		if (*p != ' ' && *p != '\t')
			buf_putc(&b, *p);
	return buf_steal(&b);
}

Test(collect_sim, demo_scenario_as_planted)
{
	static struct sim t; /* static: reachable after a failed assertion */
	sim_up(&t);
	struct snapshot *s = collect(&t, NULL);
	for (enum source src = 0; src < SRC__COUNT; src++)
		cr_assert_null(snapshot_source_error(s, src), "%s: %s", source_name(src), snapshot_source_error(s, src)->why);
	cr_assert_str_eq(s->site, "hermes");
	cr_assert_str_eq(s->docker.api_version, "1.47");
	cr_assert_eq(s->docker.n_containers, 18);
	bool overlay = false;
	for (size_t i = 0; i < s->docker.n_networks; i++)
		if (strcmp(s->docker.networks[i].name, "netgrimoire") == 0) {
			overlay = true;
			cr_assert_str_eq(s->docker.networks[i].driver, "overlay");
			cr_assert_str_eq(s->docker.networks[i].scope, "swarm");
		}
	cr_assert(overlay);
	cr_assert_eq(s->mailcow.key, KEY_OK);
	cr_assert_str_eq(s->mailcow.version, "2026-07a");
	cr_assert_eq(s->mailcow.queue_deferred, 12);
	cr_assert_eq(s->mailcow.n_relayhosts, 1);
	cr_assert_eq(s->n_domains, 8);
	for (size_t i = 0; i < 8; i++) {
		const char *name = demo_domains[i];
		const struct snap_domain *d = &s->domains[i];
		cr_assert_str_eq(d->name, name, "sorted");
		cr_assert_not_null(d->mc);
		cr_assert(d->dkim.present, "%s", name);
		cr_assert_str_eq(d->dkim.selector, "mailcow");
		cr_assert_eq(d->dkim.bits, 2048);
		/* The key in DNS under the mailcow selector is the one MailCow holds. */
		cr_assert_eq(d->dns.dkim[0].status, DNS_OK, "%s", name);
		char *dns_p = p_tag(d->dns.dkim[0].rrs[0].value);
		cr_assert_str_eq(dns_p, d->dkim.pubkey, "%s", name);
		free(dns_p);
		bool planted = strcmp(name, "pncfishandmore.com") == 0 || strcmp(name, "pncharrisenterprises.com") == 0;
		cr_assert_eq(d->dns.dkim[1].status, planted ? DNS_NXDOMAIN : DNS_OK, "%s mxroute: %s", name,
			     dns_status_name(d->dns.dkim[1].status));
		cr_assert_eq(d->dns.spf.records, 1, "%s", name);
		cr_assert(strv_contains(&d->dns.spf.includes, "mxroute.com"), "%s", name);
		cr_assert_eq(d->dns.mx.status, DNS_OK);
		cr_assert(str_glob("*.mxrouting.net", d->dns.mx.rrs[0].value), "%s", d->dns.mx.rrs[0].value);
		cr_assert(d->policy.fetched, "%s: %s", name, d->policy.err.why);
		cr_assert_str_eq(d->policy.mode, strcmp(name, "wasted-bandwidth.net") == 0 ? "testing" : "enforce");
	}
	/* gnarlypandaproductions.com is planted without a catch-all. */
	bool catchall_ng = false, catchall_gp = false;
	for (size_t i = 0; i < s->mailcow.n_aliases; i++) {
		const struct mc_alias *a = &s->mailcow.aliases[i];
		catchall_ng |= a->catch_all && strcmp(a->address, "@netgrimoire.com") == 0;
		catchall_gp |= a->catch_all && strcmp(a->address, "@gnarlypandaproductions.com") == 0;
	}
	cr_assert(catchall_ng);
	cr_assert_not(catchall_gp);
	cr_assert_eq(s->limits.postfix, 104857600);
	cr_assert_not(s->limits.rspamd_set);
	cr_assert_eq(s->limits.rspamd_max_message, 52428800);
	snapshot_free(s);
	sim_down(&t);
}

/* ---- the parts, complete or not ---- */

static void docker_complete(const struct snapshot *s)
{
	cr_assert_not(s->docker.err.failed, "docker: %s", s->docker.err.why);
	cr_assert_eq(s->docker.n_containers, 18);
}

static void mailcow_complete(const struct snapshot *s)
{
	cr_assert_not(s->mailcow.err.failed, "mailcow: %s", s->mailcow.err.why);
	cr_assert_eq(s->mailcow.n_domains, 8);
	cr_assert_eq(s->mailcow.queue_deferred, 12);
	cr_assert_gt(s->mailcow.n_aliases, 0);
	for (size_t i = 0; i < s->n_domains; i++)
		cr_assert(s->domains[i].dkim.present, "%s: %s", s->domains[i].name, s->domains[i].dkim.err.why);
}

static void dns_complete(const struct snapshot *s)
{
	cr_assert_not(s->dns_err.failed, "dns: %s", s->dns_err.why);
	cr_assert_eq(s->n_domains, 8);
	for (size_t i = 0; i < s->n_domains; i++) {
		cr_assert_eq(s->domains[i].dns.mx.status, DNS_OK, "%s", s->domains[i].name);
		cr_assert_eq(s->domains[i].dns.apex_txt.status, DNS_OK, "%s", s->domains[i].name);
	}
}

static void sts_complete(const struct snapshot *s)
{
	cr_assert_eq(s->n_domains, 8);
	for (size_t i = 0; i < s->n_domains; i++)
		cr_assert(s->domains[i].policy.fetched, "%s: %s", s->domains[i].name, s->domains[i].policy.err.why);
}

static void files_complete(const struct snapshot *s)
{
	cr_assert_not(s->limits.err.failed, "files: %s", s->limits.err.why);
}

enum backend { B_DOCKER, B_MAILCOW, B_STS, B_DNS };

/* A healthy refresh first (the console always has one: without MailCow's list the
 * previous snapshot's domains are watched), then the fault, then the refresh under test. */
static void fault_case(enum backend b, const char *fault, const char *says)
{
	static const char *names[] = {"docker", "mailcow", "mta-sts", "dns"};
	static struct sim t; /* static: reachable after a failed assertion */
	sim_up(&t);
	struct snapshot *healthy = collect(&t, NULL);
	docker_complete(healthy);
	mailcow_complete(healthy);
	dns_complete(healthy);
	sts_complete(healthy);
	cr_assert(simproc_ctl_ok(t.sp, "fault %s %s", names[b], fault), "ctl fault %s %s", names[b], fault);
	struct snapshot *s = collect(&t, healthy);
	const char *why = NULL;
	switch (b) {
	case B_DOCKER:
		cr_assert(s->docker.err.failed, "docker %s: no error", fault);
		why = s->docker.err.why;
		mailcow_complete(s);
		dns_complete(s);
		sts_complete(s);
		break;
	case B_MAILCOW:
		cr_assert(s->mailcow.err.failed, "mailcow %s: no error", fault);
		why = s->mailcow.err.why;
		cr_assert_eq(s->mailcow.n_domains, 0);
		cr_assert_eq(s->n_domains, 8, "the previous snapshot's domains are still watched");
		docker_complete(s);
		dns_complete(s);
		sts_complete(s);
		break;
	case B_STS:
		for (size_t i = 0; i < s->n_domains; i++) {
			cr_assert(s->domains[i].policy.err.failed, "mta-sts %s: %s has no error", fault, s->domains[i].name);
			cr_assert_not(s->domains[i].policy.fetched && !s->domains[i].policy.err.failed);
		}
		why = s->domains[0].policy.err.why;
		docker_complete(s);
		mailcow_complete(s);
		dns_complete(s);
		break;
	case B_DNS:
		cr_assert(s->dns_err.failed, "dns %s: no resolver error", fault);
		why = s->dns_err.why;
		for (size_t i = 0; i < s->n_domains; i++)
			cr_assert_neq(s->domains[i].dns.mx.status, DNS_OK, "%s", s->domains[i].name);
		docker_complete(s);
		mailcow_complete(s);
		break;
	}
	files_complete(s);
	cr_assert(strstr(why, says), "%s %s: '%s' lacks '%s'", names[b], fault, why, says);
	snapshot_free(s);
	snapshot_free(healthy);
	sim_down(&t);
}

#define FAULT(b, name, fault, says) \
	Test(collect_sim_faults, name) { fault_case(b, fault, says); }

FAULT(B_MAILCOW, mailcow_down, "down", "cannot connect to https://127.0.0.1:")
FAULT(B_MAILCOW, mailcow_slow, "slow 15000", "timed out")
FAULT(B_MAILCOW, mailcow_401, "status 401", "HTTP 401")
FAULT(B_MAILCOW, mailcow_403, "status 403", "HTTP 403")
FAULT(B_MAILCOW, mailcow_500, "status 500", "HTTP 500")
FAULT(B_MAILCOW, mailcow_malformed, "malformed", "malformed")
FAULT(B_MAILCOW, mailcow_truncated, "truncated", "transfer closed")
FAULT(B_MAILCOW, mailcow_oversized, "oversized 40000000", "larger than")
FAULT(B_MAILCOW, mailcow_reset, "reset", "Empty reply")

FAULT(B_STS, mta_sts_down, "down", "Connection refused")
FAULT(B_STS, mta_sts_slow, "slow 15000", "timed out")
FAULT(B_STS, mta_sts_401, "status 401", "HTTP 401")
FAULT(B_STS, mta_sts_403, "status 403", "HTTP 403")
FAULT(B_STS, mta_sts_500, "status 500", "HTTP 500")
FAULT(B_STS, mta_sts_malformed, "malformed", "no 'key: value'")
FAULT(B_STS, mta_sts_truncated, "truncated", "transfer closed")
FAULT(B_STS, mta_sts_oversized, "oversized 200000", "64 KiB")

FAULT(B_DOCKER, docker_down, "down", "cannot connect")
FAULT(B_DOCKER, docker_401, "status 401", "HTTP 401")
FAULT(B_DOCKER, docker_403, "status 403", "HTTP 403")
FAULT(B_DOCKER, docker_500, "status 500", "HTTP 500")
FAULT(B_DOCKER, docker_malformed, "malformed", "malformed")
FAULT(B_DOCKER, docker_truncated, "truncated", "transfer closed")
FAULT(B_DOCKER, docker_oversized, "oversized 40000000", "larger than")
FAULT(B_DOCKER, docker_slow, "slow 20000", "timed out")

FAULT(B_DNS, dns_down, "down", "answered none")
FAULT(B_DNS, dns_timeout, "timeout", "answered none")
FAULT(B_DNS, dns_slow, "slow 10000", "answered none")
FAULT(B_DNS, dns_servfail, "servfail", "no usable answer")
FAULT(B_DNS, dns_refused, "refused", "no usable answer")
FAULT(B_DNS, dns_badid, "badid", "answered none")
FAULT(B_DNS, dns_malformed, "malformed", "answered none")

struct bg_collect {
	struct sim *t;
	struct snapshot *s;
	volatile int done;
};

static void *bg_collect_main(void *ud)
{
	struct bg_collect *b = ud;
	b->s = collect(b->t, NULL);
	__atomic_store_n(&b->done, 1, __ATOMIC_SEQ_CST);
	return NULL;
}

/* The most MailCow requests the simulator held at once during one refresh with
 * mailcow.max_requests = limit, every DKIM read held back 1 s. */
static int most_held(struct sim *t, long limit)
{
	t->cfg.mailcow_max_requests = limit;
	struct bg_collect b = {.t = t};
	pthread_t th;
	cr_assert_eq(pthread_create(&th, NULL, bg_collect_main, &b), 0);
	int most = 0;
	while (!__atomic_load_n(&b.done, __ATOMIC_SEQ_CST)) {
		char *a = simproc_ctl(t->sp, "held mailcow");
		cr_assert(a && strncmp(a, "ok ", 3) == 0, "held mailcow: %s", a ? a : "(no answer)");
		int n = atoi(a + 3);
		free(a);
		if (n > most)
			most = n;
	}
	pthread_join(th, NULL);
	cr_expect_eq(b.s->n_domains, sizeof(demo_domains) / sizeof(demo_domains[0]));
	snapshot_free(b.s);
	return most;
}

/* mailcow.max_requests bounds the HTTP requests in flight: with 2, the eight DKIM reads go
 * two at a time; with 16, all at once. */
Test(collect_sim, max_requests_bounds_the_requests_in_flight)
{
	struct sim t;
	sim_up(&t);
	cr_assert(simproc_ctl_ok(t.sp, "fault mailcow slow 1000 match=/api/v1/get/dkim"));
	int two = most_held(&t, 2);
	cr_expect(two >= 1 && two <= 2, "with max_requests = 2, %d requests were held at once", two);
	int all = most_held(&t, 16);
	cr_expect_gt(all, 2, "with max_requests = 16, only %d requests were held at once", all);
	sim_down(&t);
}
