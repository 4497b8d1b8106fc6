/* collect: one refresh. Every source runs on one fetcher (curl multi + the c-ares
 * channel); MailCow's domain list releases the per-domain DKIM requests and DNS
 * queries, a domain's apex TXT releases its SPF walk, and the mta-sts.<domain> address
 * releases its policy fetch. After the loop each part's error gets its "since". */
#include "core/collect.h"
#include "core/dns.h"
#include "core/dns_probe.h"
#include "core/docker.h"
#include "core/fetch.h"
#include "core/mailcow.h"
#include "core/mtasts.h"
#include "core/outbound.h"
#include "core/postfix_relay.h"
#include "core/spf.h"
#include "core/stackfiles.h"
#include "core/util.h"

#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define SB_SRC(x) (1u << (x))
#define NOT_IN_SCOPE "not collected: outside the checks asked for"

/* A safety net only: every request has its own timeout, so a refresh ends long before
 * unless thousands of domains queue behind the concurrency bounds. */
#define COLLECT_DEFAULT_DEADLINE_MS 40000  /* collect.deadline_s's default */

struct collect_ctx;

struct dom_ctx {
	struct collect_ctx *c;
	struct snap_domain *d;
};

struct collect_ctx {
	const struct config *cfg;
	const struct snapshot *prev;
	struct snapshot *s;
	struct fetcher *f;
	struct dns_resolver *r;
	struct mailcow_client *mc;
	struct dom_ctx *doms;
	bool domains_built;
	struct dns_probes *probes;      /* dns.resolver: each server asked on its own */
};

static bool is_literal_domain(const char *p)
{
	return *p && !strpbrk(p, "*?[");
}

static int name_cmp(const void *a, const void *b)
{
	return strcasecmp(*(char *const *)a, *(char *const *)b);
}

static void add_name(struct strv *names, const char *n)
{
	for (size_t i = 0; i < names->n; i++)
		if (strcasecmp(names->v[i], n) == 0)
			return;
	char *lower = xstrdup(n);
	str_lower(lower);
	strv_push_owned(names, lower);
}

/* The watched domains, sorted: see collect.h. */
static void domain_names(struct collect_ctx *c, bool mailcow_ok, struct strv *names)
{
	const struct config *cfg = c->cfg;
	if (mailcow_ok)
		for (size_t i = 0; i < c->s->mailcow.n_domains; i++)
			if (config_domain_watched(cfg, c->s->mailcow.domains[i].name))
				add_name(names, c->s->mailcow.domains[i].name);
	for (size_t i = 0; i < cfg->domains_include.n; i++)
		if (is_literal_domain(cfg->domains_include.v[i]) &&
		    config_domain_watched(cfg, cfg->domains_include.v[i]))
			add_name(names, cfg->domains_include.v[i]);
	if (!mailcow_ok && c->prev)
		for (size_t i = 0; i < c->prev->n_domains; i++)
			if (config_domain_watched(cfg, c->prev->domains[i].name))
				add_name(names, c->prev->domains[i].name);
	if (names->n)
		qsort(names->v, names->n, sizeof(*names->v), name_cmp);
}

/* ---- per-domain work ---- */

static void spf_query(void *ud, const char *name, int type, struct dns_answer *out,
		      void (*done)(struct dns_answer *a, void *arg), void *arg)
{
	dns_query(ud, name, type, out, done, arg);
}

static void on_apex_txt(struct dns_answer *a, void *ud)
{
	struct dom_ctx *dc = ud;
	struct spf_lookup lk = {spf_query, dc->c->r};
	spf_evaluate(&lk, dc->d->name, a, &dc->d->dns.spf, NULL, NULL);
}

static void on_mta_sts_host(struct dns_answer *a, void *ud)
{
	struct dom_ctx *dc = ud;
	mtasts_fetch(dc->c->f, dc->c->cfg, dc->d->name, a, &dc->d->policy, NULL, NULL);
}

static void start_domain(struct collect_ctx *c, struct dom_ctx *dc)
{
	struct snap_domain *d = dc->d;
	struct domain_dns *dns = &d->dns;
	const struct config *cfg = c->cfg;
	if (d->mc && c->mc)
		mailcow_fetch_dkim(c->mc, &d->dkim);
	if (!c->r)
		return;
	char *n;
	dns_query(c->r, d->name, DNS_T_MX, &dns->mx, NULL, NULL);
	dns_query(c->r, d->name, DNS_T_TXT, &dns->apex_txt, on_apex_txt, dc);
	n = xasprintf("_dmarc.%s", d->name);
	dns_query(c->r, n, DNS_T_TXT, &dns->dmarc, NULL, NULL);
	free(n);
	for (size_t i = 0; i < dns->n_dkim; i++) {
		n = xasprintf("%s._domainkey.%s", cfg->dkim_selectors.v[i], d->name);
		dns_query(c->r, n, DNS_T_TXT, &dns->dkim[i], NULL, NULL);
		free(n);
	}
	n = xasprintf("_mta-sts.%s", d->name);
	dns_query(c->r, n, DNS_T_TXT, &dns->mta_sts_txt, NULL, NULL);
	free(n);
	n = xasprintf("mta-sts.%s", d->name);
	dns_query(c->r, n, DNS_T_A, &dns->mta_sts_host, on_mta_sts_host, dc);
	free(n);
	n = xasprintf("_smtp._tls.%s", d->name);
	dns_query(c->r, n, DNS_T_TXT, &dns->tls_rpt, NULL, NULL);
	free(n);
}

static void dns_answer_init(struct dns_answer *a, const char *name, int type)
{
	memset(a, 0, sizeof(*a));
	a->name = xstrdup(name);
	a->type = type;
	a->status = DNS_NOT_ASKED;
}

/* Builds s->domains once (its addresses are handed to callbacks, so never resized);
 * starts their work when start is set. */
static void build_domains(struct collect_ctx *c, bool start)
{
	if (c->domains_built)
		return;
	c->domains_built = true;
	struct snapshot *s = c->s;
	bool mailcow_ok = c->mc && mailcow_domains_ok(c->mc);
	struct strv names = {0};
	domain_names(c, mailcow_ok, &names);
	s->n_domains = names.n;
	s->domains = xcalloc(names.n ? names.n : 1, sizeof(*s->domains));
	c->doms = xcalloc(names.n ? names.n : 1, sizeof(*c->doms));
	const struct config *cfg = c->cfg;
	for (size_t i = 0; i < names.n; i++) {
		struct snap_domain *d = &s->domains[i];
		d->name = names.v[i];
		names.v[i] = NULL;
		d->mc = mailcow_ok ? snapshot_mc_domain(s, d->name) : NULL;
		d->dkim.domain = xstrdup(d->name);
		d->policy.max_age = -1;
		struct domain_dns *dns = &d->dns;
		char *n;
		dns_answer_init(&dns->mx, d->name, DNS_T_MX);
		dns_answer_init(&dns->apex_txt, d->name, DNS_T_TXT);
		n = xasprintf("_dmarc.%s", d->name);
		dns_answer_init(&dns->dmarc, n, DNS_T_TXT);
		free(n);
		dns->n_dkim = cfg->dkim_selectors.n;
		dns->dkim = xcalloc(dns->n_dkim ? dns->n_dkim : 1, sizeof(*dns->dkim));
		for (size_t k = 0; k < dns->n_dkim; k++) {
			n = xasprintf("%s._domainkey.%s", cfg->dkim_selectors.v[k], d->name);
			dns_answer_init(&dns->dkim[k], n, DNS_T_TXT);
			free(n);
		}
		n = xasprintf("_mta-sts.%s", d->name);
		dns_answer_init(&dns->mta_sts_txt, n, DNS_T_TXT);
		free(n);
		n = xasprintf("mta-sts.%s", d->name);
		dns_answer_init(&dns->mta_sts_host, n, DNS_T_A);
		free(n);
		n = xasprintf("_smtp._tls.%s", d->name);
		dns_answer_init(&dns->tls_rpt, n, DNS_T_TXT);
		free(n);
		n = xasprintf("GET https://mta-sts.%s:%ld/.well-known/mta-sts.txt", d->name, cfg->mta_sts_port);
		part_error_set(&d->policy.err, n, "%s", !start ? "not fetched: the refresh ended before the domain list"
					      : c->r ? "not fetched: no address for the policy host yet"
					      : "not fetched: no resolver");
		free(n);
		if (!d->mc && !mailcow_ok && s->mailcow.err.failed)
			part_error_set(&d->dkim.err, "GET /api/v1/get/dkim", "not asked: %s",
				       s->mailcow.err.why ? s->mailcow.err.why : "MailCow failed");
		c->doms[i] = (struct dom_ctx){.c = c, .d = d};
	}
	strv_free(&names);
	if (start)
		for (size_t i = 0; i < s->n_domains; i++)
			start_domain(c, &c->doms[i]);
}

static void on_domains(void *ud)
{
	build_domains(ud, true);
}

/* ---- errors' "since" ---- */

static void carry_errors(struct snapshot *s, const struct snapshot *prev, time_t now)
{
	const struct snapshot *p = prev;
	part_error_carry(&s->docker.err, p ? &p->docker.err : NULL, now);
	part_error_carry(&s->docker.postfix_exec_err, p ? &p->docker.postfix_exec_err : NULL, now);
	part_error_carry(&s->mailcow.err, p ? &p->mailcow.err : NULL, now);
	part_error_carry(&s->mailcow.queue_err, p ? &p->mailcow.queue_err : NULL, now);
	part_error_carry(&s->mailcow.aliases_err, p ? &p->mailcow.aliases_err : NULL, now);
	part_error_carry(&s->mailcow.mailboxes_err, p ? &p->mailcow.mailboxes_err : NULL, now);
	part_error_carry(&s->mailcow.relayhosts_err, p ? &p->mailcow.relayhosts_err : NULL, now);
	part_error_carry(&s->mailcow.services_err, p ? &p->mailcow.services_err : NULL, now);
	part_error_carry(&s->mailcow.version_err, p ? &p->mailcow.version_err : NULL, now);
	part_error_carry(&s->dns_err, p ? &p->dns_err : NULL, now);
	part_error_carry(&s->limits.err, p ? &p->limits.err : NULL, now);
	part_error_carry(&s->roundcube.err, p ? &p->roundcube.err : NULL, now);
	part_error_carry(&s->postfix_relay.err, p ? &p->postfix_relay.err : NULL, now);
	for (size_t i = 0; i < s->n_domains; i++) {
		struct snap_domain *d = &s->domains[i];
		const struct snap_domain *pd = p ? snapshot_domain(p, d->name) : NULL;
		part_error_carry(&d->dkim.err, pd ? &pd->dkim.err : NULL, now);
		part_error_carry(&d->policy.err, pd ? &pd->policy.err : NULL, now);
	}
}

static bool readable(int fd)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};
	return poll(&p, 1, 0) > 0 && (p.revents & (POLLIN | POLLHUP | POLLERR));
}

struct snapshot *collect_run(const struct config *cfg, const struct collect_opts *opts)
{
	static const struct collect_opts none = {.cancel_fd = -1};
	if (!opts)
		opts = &none;
	struct snapshot *s = xcalloc(1, sizeof(*s));
	long long t0 = fetch_now_ms();
	time_t now = mcon_now();
	s->started_at = now;
	s->site = xstrdup(cfg->site_name);
	struct collect_ctx c = {.cfg = cfg, .prev = opts->prev, .s = s};
	unsigned want = opts->sources ? opts->sources : ~0u;
	if (want & (SB_SRC(SRC_DNS) | SB_SRC(SRC_MTA_STS)))
		want |= SB_SRC(SRC_DNS) | SB_SRC(SRC_MAILCOW);

	c.f = fetcher_new();
	fetcher_set_parallel(c.f, opts->max_http ? opts->max_http : (int)cfg->mailcow_max_requests);
	if (opts->cancel_fd >= 0)
		fetcher_set_wake_fd(c.f, opts->cancel_fd);
	char *err = NULL;
	if (want & SB_SRC(SRC_DNS))
		c.r = dns_resolver_new(cfg, opts->max_dns, &err);
	else
		err = xstrdup(NOT_IN_SCOPE);
	if (c.r) {
		dns_resolver_attach(c.r, c.f);
		s->resolver = xstrdup(dns_resolver_describe(c.r));
	} else {
		s->resolver = cfg->dns_servers.n ? strv_join(&cfg->dns_servers, ", ") : xstrdup("system");
		part_error_set(&s->dns_err, "DNS resolver", "%s", err);
		free(err);
	}

	if (c.r && (want & SB_SRC(SRC_DNS)))
		c.probes = dns_probes_start(cfg, &s->resolver_probes, &s->n_resolver_probes);
	if (want & SB_SRC(SRC_DNS))
		outbound_collect(c.r, cfg, &s->outbound);
	if (want & SB_SRC(SRC_DOCKER))
		docker_collect_scoped(c.f, cfg, &s->docker, want & SB_SRC(SRC_FILES));
	else
		part_error_set(&s->docker.err, "Docker", "%s", NOT_IN_SCOPE);
	if (!(want & SB_SRC(SRC_MAILCOW))) {
		part_error_set(&s->mailcow.err, "MailCow", "%s", NOT_IN_SCOPE);
		build_domains(&c, true);
	} else if (mailcow_backoff_active(opts->prev ? &opts->prev->mailcow : NULL, now, &s->mailcow)) {
		build_domains(&c, true);
	} else {
		c.mc = mailcow_start(c.f, c.r, cfg, &s->mailcow, on_domains, &c);
	}
	/* Put the first requests on the wire, then read the local files meanwhile. */
	fetcher_step(c.f, 0);
	if (want & SB_SRC(SRC_FILES)) {
		stackfiles_collect(cfg, &s->limits, &s->roundcube);
	} else {
		part_error_set(&s->limits.err, "stack files", "%s", NOT_IN_SCOPE);
		part_error_set(&s->roundcube.err, "Roundcube config", "%s", NOT_IN_SCOPE);
	}
	/* relay.outbound (a MailCow-side check) follows Postfix's global relayhost too */
	if (want & (SB_SRC(SRC_FILES) | SB_SRC(SRC_MAILCOW)))
		postfix_relay_read(cfg->mailcow_dir, &s->postfix_relay);

	long long budget = cfg->collect_deadline_s > 0 ? cfg->collect_deadline_s * 1000LL : COLLECT_DEFAULT_DEADLINE_MS;
	long long deadline = opts->deadline_ms ? opts->deadline_ms : t0 + budget;
	const char *stopped = NULL;
	for (;;) {
		int http = 0, dns = 0;
		int probes = c.probes ? dns_probes_step(c.probes) : 0;
		fetcher_counts(c.f, &http, &dns);
		if (http + dns + probes == 0)
			break;
		long long left = deadline - fetch_now_ms();
		if (left <= 0) {
			stopped = "the refresh deadline passed";
			break;
		}
		if (opts->cancel_fd >= 0 && readable(opts->cancel_fd)) {
			stopped = "the refresh was cancelled";
			break;
		}
		int wait = probes ? 10 : 1000;
		fetcher_step(c.f, left < wait ? (int)left : wait);
	}

	if (!c.domains_built)
		build_domains(&c, false);
	if (c.r) {
		struct dns_stats ds;
		dns_resolver_stats(c.r, &ds);
		/* A resolver that answered nothing (timeouts, refused connections), or only
		 * SERVFAIL/REFUSED, is of no use: say so once for the whole source, beside each
		 * answer's own status. */
		if (ds.queries > 0 && ds.answered == 0 && (ds.transport_failures > 0 || stopped))
			part_error_set(&s->dns_err, "DNS resolver", "%s answered none of %d queries (%s)", s->resolver,
				       ds.queries, ds.transport_failures ? "timeouts or refused" : stopped);
		else if (ds.queries > 0 && ds.usable == 0 && ds.answered > 0)
			part_error_set(&s->dns_err, "DNS resolver",
				       "%s gave no usable answer to %d queries "
				       "(SERVFAIL or "
				       "REFUSED): check that it resolves (or serves) the domains",
				       s->resolver, ds.queries);
		if (opts->stats) {
			opts->stats->dns_queries = ds.queries;
			opts->stats->dns_answered = ds.answered;
			opts->stats->dns_tcp = ds.tcp_connections;
			opts->stats->dns_ms = ds.total_ms;
		}
		dns_resolver_free(c.r); /* unanswered queries end as "no answer before the refresh ended" */
		c.r = NULL;
	}
	if (opts->stats)
		fetcher_stats(c.f, &opts->stats->http_requests, &opts->stats->http_ms);
	fetcher_free(c.f);
	dns_probes_free(c.probes);
	if (c.mc)
		mailcow_client_free(c.mc);
	free(c.doms);

	mailcow_backoff_update(&s->mailcow, opts->prev ? &opts->prev->mailcow : NULL, now);
	s->finished_at = mcon_now();
	s->duration_ms = (long)(fetch_now_ms() - t0);
	carry_errors(s, opts->prev, now);
	return s;
}
