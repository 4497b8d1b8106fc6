/* tsnap: the hand-built snapshots of the check tests (see tsnap.h). */
#include "tests/support/tsnap.h"

#include "core/docker.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char TK_K2048[] = "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA9JbEKNej+ou/OAPC3kEOTMtnb43yLdKHoAiY4hL/mXkR1BKcpid61DTW/iz092xw6JdR4TkNzPcUCI162dzQh2JUhySDt5bdCsu67Hh3gaQ1MufZ17EZ1gSkGr9UrrFMrvNzhlT0WefQNvimrT5afM8FUpsHuShVZ+vHorfPlQfgdx1M24A6UFanCMYv1LP3lGa0PekMZyBFL/uyF82JX00SUG/jK/I3qv9mVAc4hcyafnvnZh6jp00AnJkKbjxMFuhmTrQlllPnL/vnlM1TDdki0wRs6sbtS6yUPdAQknsGDG3tTcmb5b5wPCt/wA42QB1VSEY9GVGBsDHTCKqVMQIDAQAB";
const char TK_K1024[] = "MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDY65I2JBWcVdP/jpdlUsCnhI5vslhdW/5pDYOlc4dyWIjIZ9iUgkecTeJRjnRZmijDocWT9zssn3OcpdcKYHwuRqgrSV2TtDBwSiylsQd/Xa5tUEUPDK+22jmRGcjKn8d+47KxK4BL5fMk5BQw67Yr9JisU8H7MgMQF/qMpCpnvQIDAQAB";
const char TK_K768[] = "MHwwDQYJKoZIhvcNAQEBBQADawAwaAJhAMpbBO+Md0CJBQMygOIfcgJL0SPmuC+xBi13UX7Z3TzAKDN70GNgYSWe84jyeS7CzibfMV7jMDJe9rpcvni8Gt2hVqtvV6o3Ph0NUFkPi/gM7dzJx3CqmPPRonuDvujSzQIDAQAB";
const char TK_PKCS1[] = "MIIBCgKCAQEAr6m21rPfIZTUdarNKrzolWzq2x5pJuCU5ZfA2H1l0qjDvct9bq3xEU8XOoz9uG7Bzqz8J0IYk2C0+iTWFTPRXLw0lRljMwj+laCOtpbf7KBMutYMOjpoVRyPdYX/tpTi6qYniISu98d879bzlDsZjkjEA9JdcHIJw9YPAxEzeSgAYcSQeArcpPkx1W1bvvT1qYYxHo2Q1Zb6Q7yOnwwCpERxgnLK7Xp3Id6qRFgOrZPvZmlWBvxzjP6vdVlktipXBKer1b3McbsPnnU6+XJDBDMyYhl+1Yn/j66VjTAiUw2AK01ferrS253ci+RJbyLJBQglNnr2VjLi92kuazPetwIDAQAB";
const char TK_K2048B[] = "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAvBKXvwClLspqxa+dlbZjtB5EHHUjmiCsTk/PR04N7GVfHC1Ani9nVvMGpl+k8fbJPWLdTjoYebmtqVJ+HwYVISCnPJ0K80HcLw4gGooawfDqmjHkwYqvsP3wwo7HwWHURGxyUJKU/sV7cFZ3OKjuaW+YS0N4EcdCvkCnqNoEId2wDdiqSm0GTb0lnYHTI3zIbXhjXIs4ITjBHuqQgPSokJPMSvSOjEy5jhSc96tV7YaDMSsmCh+Nnasi354LzdpDErtDUDSl2E2xTZRlukBONb05J8RlimpZD9zUXE2cY+1GO/iNpbMHjkonWLEPPFAq28jDxKSkqyJ35wRAo8iIRQIDAQAB";

static const char *site_conf =
	"[site]\nname = hermes\n"
	"[mailcow]\nurl = https://mail.example.org\ndir = /opt/mailcow-dockerized\n"
	"[docker]\nhost = unix:///run/docker.sock\n"
	"expected = postfix-mailcow, dovecot-mailcow, rspamd-mailcow, clamd-mailcow, nginx-mailcow\n"
	"[overlay]\nnetwork = netgrimoire\nallowed = nginx-mailcow\n"
	"[relay]\nname = MXRoute\nmx = *.mxrouting.net, *.mxroute.com\nspf_include = mxroute.com\n"
	"[dkim]\nselectors = mailcow, mxroute\nmailcow_selector = mailcow\nmin_bits = 2048\n";

void tsnap_config(struct config *cfg, const char *extra)
{
	char *text = xasprintf("%s%s", site_conf, extra ? extra : "");
	char *err = NULL;
	if (config_load_string(cfg, text, "test.conf", &err) < 0)
		die("tsnap_config: %s", err);
	free(text);
}

void tsnap_set(char **field, const char *value)
{
	free(*field);
	*field = xstrdup(value);
}

void tsnap_fail(struct part_error *e, const char *why)
{
	e->failed = true;
	tsnap_set(&e->why, why);
	tsnap_set(&e->what, "test");
}

static void answer_clear(struct dns_answer *a)
{
	for (size_t i = 0; i < a->n; i++)
		free(a->rrs[i].value);
	free(a->rrs);
	a->rrs = NULL;
	a->n = 0;
}

static void answer_vset(struct dns_answer *a, enum dns_status st, va_list ap)
{
	answer_clear(a);
	const char *v;
	while ((v = va_arg(ap, const char *))) {
		a->rrs = xrealloc(a->rrs, (a->n + 1) * sizeof(*a->rrs));
		a->rrs[a->n++] = (struct dns_rr){xstrdup(v), 10, 300};
	}
	a->status = st;
	if (st == DNS_TIMEOUT || st == DNS_SERVFAIL)
		tsnap_set(&a->error, "no answer from 127.0.0.1:53");
}

void tsnap_answer(struct dns_answer *a, enum dns_status st, ...)
{
	va_list ap;
	va_start(ap, st);
	answer_vset(a, st, ap);
	va_end(ap);
}

static void answer_init(struct dns_answer *a, const char *name, int type, ...)
{
	a->name = xstrdup(name);
	a->type = type;
	tsnap_set(&a->server, "127.0.0.1:53");
	va_list ap;
	va_start(ap, type);
	answer_vset(a, DNS_OK, ap);
	va_end(ap);
	if (!a->n)
		a->status = DNS_NXDOMAIN;
}

struct container *tsnap_container(struct snapshot *s, const char *service)
{
	for (size_t i = 0; i < s->docker.n_containers; i++)
		if (s->docker.containers[i].service && strcmp(s->docker.containers[i].service, service) == 0)
			return &s->docker.containers[i];
	return NULL;
}

struct container *tsnap_add_container(struct snapshot *s, const char *service, const char *state)
{
	struct docker_state *d = &s->docker;
	d->containers = xrealloc(d->containers, (d->n_containers + 1) * sizeof(*d->containers));
	struct container *c = &d->containers[d->n_containers++];
	memset(c, 0, sizeof(*c));
	c->id = xasprintf("%064zx", d->n_containers);
	c->name = xasprintf("mailcowdockerized-%s-1", service);
	c->service = xstrdup(service);
	c->image = xasprintf("ghcr.io/mailcow/%s:1", service);
	c->state = xstrdup(state);
	c->status_text = xstrdup("Up 3 hours");
	c->inspected = true;
	c->started_at = 1764400000;
	tsnap_attach(c, "mailcowdockerized_mailcow-network");
	return c;
}

void tsnap_attach(struct container *c, const char *network)
{
	c->nets = xrealloc(c->nets, (c->n_nets + 1) * sizeof(*c->nets));
	struct net_attach *n = &c->nets[c->n_nets++];
	memset(n, 0, sizeof(*n));
	n->network = xstrdup(network);
	n->network_id = xasprintf("id-%s", network);
	n->ip = xstrdup("172.22.1.9");
	n->driver = xstrdup(strcmp(network, "netgrimoire") == 0 ? "overlay" : "bridge");
}

void tsnap_remove_container(struct snapshot *s, const char *service)
{
	struct docker_state *d = &s->docker;
	for (size_t i = 0; i < d->n_containers; i++)
		if (strcmp(d->containers[i].service, service) == 0) {
			docker_container_free(&d->containers[i]);
			memmove(&d->containers[i], &d->containers[i + 1], (d->n_containers - i - 1) * sizeof(*d->containers));
			d->n_containers--;
			return;
		}
}

struct snap_domain *tsnap_domain(struct snapshot *s, const char *name)
{
	for (size_t i = 0; i < s->n_domains; i++)
		if (strcmp(s->domains[i].name, name) == 0)
			return &s->domains[i];
	return NULL;
}

struct dns_answer *tsnap_dkim(struct snap_domain *d, const char *selector)
{
	size_t sl = strlen(selector);
	for (size_t i = 0; i < d->dns.n_dkim; i++)
		if (strncmp(d->dns.dkim[i].name, selector, sl) == 0 && d->dns.dkim[i].name[sl] == '.')
			return &d->dns.dkim[i];
	return NULL;
}

static void add_domain(struct snapshot *s, const char *name, long relay_id)
{
	struct mailcow_state *m = &s->mailcow;
	m->domains = xrealloc(m->domains, (m->n_domains + 1) * sizeof(*m->domains));
	struct mc_domain *md = &m->domains[m->n_domains++];
	memset(md, 0, sizeof(*md));
	md->name = xstrdup(name);
	md->active = true;
	md->relayhost_id = xasprintf("%ld", relay_id);
	md->mailboxes = 3;
	md->aliases = 2;

	m->aliases = xrealloc(m->aliases, (m->n_aliases + 1) * sizeof(*m->aliases));
	struct mc_alias *a = &m->aliases[m->n_aliases++];
	memset(a, 0, sizeof(*a));
	a->id = (long)m->n_aliases;
	a->address = xasprintf("@%s", name);
	a->goto_addr = xasprintf("admin@%s", name);
	a->domain = xstrdup(name);
	a->active = a->catch_all = true;

	s->domains = xrealloc(s->domains, (s->n_domains + 1) * sizeof(*s->domains));
	struct snap_domain *d = &s->domains[s->n_domains++];
	memset(d, 0, sizeof(*d));
	d->name = xstrdup(name);
	d->dkim.domain = xstrdup(name);
	d->dkim.present = true;
	d->dkim.selector = xstrdup("mailcow");
	d->dkim.pubkey = xstrdup(TK_K2048);
	d->dkim.bits = 2048;
	d->dkim.txt = xasprintf("v=DKIM1;k=rsa;t=s;s=email;p=%s", TK_K2048);

	char *n;
	struct domain_dns *dns = &d->dns;
	answer_init(&dns->mx, name, 15, "arrow.mxrouting.net", "arrow-relay.mxrouting.net", NULL);
	answer_init(&dns->apex_txt, name, 16, "v=spf1 include:mxroute.com -all", "google-site-verification=abc", NULL);
	n = xasprintf("_dmarc.%s", name);
	answer_init(&dns->dmarc, n, 16, "v=DMARC1; p=reject; rua=mailto:dmarc@example.org", NULL);
	free(n);
	dns->dkim = xcalloc(2, sizeof(*dns->dkim));
	dns->n_dkim = 2;
	char *rec = xasprintf("v=DKIM1;k=rsa;t=s;s=email;p=%s", TK_K2048);
	n = xasprintf("mailcow._domainkey.%s", name);
	answer_init(&dns->dkim[0], n, 16, rec, NULL);
	free(n);
	free(rec);
	/* the relay's record, as DNS hosts show it: spaces, no k= */
	rec = xasprintf("v=DKIM1; p=%.*s %s", 100, TK_K2048B, TK_K2048B + 100);
	n = xasprintf("mxroute._domainkey.%s", name);
	answer_init(&dns->dkim[1], n, 16, rec, NULL);
	free(n);
	free(rec);
	n = xasprintf("_mta-sts.%s", name);
	answer_init(&dns->mta_sts_txt, n, 16, "v=STSv1; id=20261129120000;", NULL);
	free(n);
	n = xasprintf("mta-sts.%s", name);
	answer_init(&dns->mta_sts_host, n, 1, "192.0.2.10", NULL);
	free(n);
	n = xasprintf("_smtp._tls.%s", name);
	answer_init(&dns->tls_rpt, n, 16, "v=TLSRPTv1; rua=mailto:tlsrpt@example.org", NULL);
	free(n);
	dns->spf.records = 1;
	dns->spf.record = xstrdup("v=spf1 include:mxroute.com -all");
	dns->spf.lookups = 4;
	strv_push(&dns->spf.includes, "mxroute.com");

	d->policy.fetched = true;
	d->policy.http_status = 200;
	d->policy.raw = xstrdup("version: STSv1\nmode: enforce\nmx: *.mxrouting.net\nmax_age: 604800\n");
	d->policy.version = xstrdup("STSv1");
	d->policy.mode = xstrdup("enforce");
	strv_push(&d->policy.mx, "*.mxrouting.net");
	d->policy.max_age = 604800;
}

struct snapshot *tsnap_healthy(void)
{
	struct snapshot *s = xcalloc(1, sizeof(*s));
	s->started_at = 1764417600;
	s->finished_at = 1764417600;
	s->duration_ms = 120;
	s->site = xstrdup("hermes");
	s->resolver = xstrdup("127.0.0.1:53");

	s->docker.endpoint = xstrdup("unix:///run/docker.sock");
	s->docker.api_version = xstrdup("1.47");
	s->docker.server_version = xstrdup("28.2.2");
	s->docker.postfix_size_live = -1;
	static const char *svcs[] = {"postfix-mailcow", "dovecot-mailcow", "rspamd-mailcow", "clamd-mailcow",
				     "nginx-mailcow", "redis-mailcow"};
	for (size_t i = 0; i < ARRAY_SIZE(svcs); i++)
		tsnap_add_container(s, svcs[i], "running");
	tsnap_attach(tsnap_container(s, "nginx-mailcow"), "netgrimoire");
	tsnap_container(s, "clamd-mailcow")->health = HEALTH_HEALTHY;

	s->mailcow.url = xstrdup("https://mail.example.org");
	s->mailcow.version = xstrdup("2026-07a");
	s->mailcow.relayhosts = xcalloc(1, sizeof(*s->mailcow.relayhosts));
	s->mailcow.n_relayhosts = 1;
	s->mailcow.relayhosts[0] = (struct mc_relayhost){1, xstrdup("[smtp.mxroute.com]:587"), xstrdup("relay@example.com"), true};
	s->mailcow.queue_total = 2;
	s->mailcow.queue_deferred = 1;
	s->mailcow.queue_active = 1;
	s->mailcow.queue_hold = 0;
	add_domain(s, "example.com", 1);
	add_domain(s, "example.net", 1);
	for (size_t i = 0; i < s->n_domains; i++)
		s->domains[i].mc = &s->mailcow.domains[i];

	struct size_limits *l = &s->limits;
	l->postfix_main = l->postfix = 104857600;
	l->postfix_extra = -1;
	l->rspamd_max_message = 157286400;
	l->rspamd_set = true;
	l->av_max_size = 104857600;
	l->clamav_stream_max = 104857600;
	l->clamav_max_file = 104857600;
	l->clamav_max_scan = 209715200;

	s->roundcube.present = true;
	s->roundcube.path = xstrdup("/opt/mailcow-dockerized/data/web/rc/config/config.inc.php");
	s->roundcube.imap_host = xstrdup("dovecot:143");
	return s;
}

struct snapshot *tsnap_site(void)
{
	struct snapshot *s = tsnap_healthy();
	static const char *more[] = {"unbound-mailcow", "mysql-mailcow", "php-fpm-mailcow", "sogo-mailcow",
				     "postfix-tlspol-mailcow", "memcached-mailcow", "acme-mailcow", "netfilter-mailcow",
				     "watchdog-mailcow", "dockerapi-mailcow", "olefy-mailcow", "ofelia-mailcow"};
	for (size_t i = 0; i < ARRAY_SIZE(more); i++)
		tsnap_add_container(s, more[i], "running");
	tsnap_container(s, "unbound-mailcow")->health = HEALTH_HEALTHY;
	/* netfilter-mailcow runs with network_mode: host, on no compose network */
	struct container *nf = tsnap_container(s, "netfilter-mailcow");
	free(nf->nets[0].network);
	nf->nets[0].network = xstrdup("host");
	nf->network_mode = xstrdup("host");
	static const char *doms[] = {"example.org", "example.info", "example.biz", "example.dev", "example.app", "example.io"};
	for (size_t i = 0; i < ARRAY_SIZE(doms); i++)
		add_domain(s, doms[i], 1);
	for (size_t i = 0; i < s->n_domains; i++)
		s->domains[i].mc = &s->mailcow.domains[i];
	return s;
}

void tsnap_free(struct snapshot *s)
{
	snapshot_free(s);
}

const struct check_result *tsnap_result(const struct check_run *r, const char *check, const char *target)
{
	for (size_t i = 0; i < r->n; i++)
		if (strcmp(r->results[i].check, check) == 0 && strcmp(r->results[i].target, target) == 0)
			return &r->results[i];
	return NULL;
}

size_t tsnap_count(const struct check_run *r, const char *check)
{
	size_t n = 0;
	for (size_t i = 0; i < r->n; i++)
		n += strcmp(r->results[i].check, check) == 0;
	return n;
}
