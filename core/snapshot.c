/* snapshot: name tables for the snapshot's enums, part errors, lookups and freeing.
 * The Docker and stack-file parts are freed by their own modules. */
#include "core/snapshot.h"
#include "core/dns.h"
#include "core/docker.h"
#include "core/mtasts.h"
#include "core/spf.h"
#include "core/stackfiles.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "core/sanitize.h"

const char *source_name(enum source s)
{
	static const char *names[SRC__COUNT] = {"docker", "mailcow", "dns", "mta_sts", "files"};
	return s < SRC__COUNT ? names[s] : "?";
}

const char *health_name(enum health h)
{
	static const char *names[] = {"none", "starting", "healthy", "unhealthy"};
	return (unsigned)h < ARRAY_SIZE(names) ? names[h] : "?";
}

const char *dns_status_name(enum dns_status s)
{
	static const char *names[] = {"ok",      "nxdomain", "nodata", "servfail",
				      "refused", "timeout",  "error",  "not-asked"};
	return (unsigned)s < ARRAY_SIZE(names) ? names[s] : "?";
}

void part_error_set(struct part_error *e, const char *what, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *raw = xvasprintf(fmt, ap);
	va_end(ap);
	/* error texts are for display and carry pieces of network data (policy values, names
	 * from TXT records) */
	char *why = sanitize_line(raw, SIZE_MAX), *w = sanitize_line(what, SIZE_MAX);
	free(raw);
	free(e->what);
	free(e->why);
	e->failed = true;
	e->what = w;
	e->why = why;
}

void part_error_clear(struct part_error *e)
{
	free(e->what);
	free(e->why);
	memset(e, 0, sizeof(*e));
}

void part_error_copy(struct part_error *dst, const struct part_error *src)
{
	part_error_clear(dst);
	dst->failed = src->failed;
	dst->what = xstrdup(src->what);
	dst->why = xstrdup(src->why);
	dst->since = src->since;
}

void part_error_carry(struct part_error *e, const struct part_error *prev, time_t now)
{
	if (!e->failed) {
		e->since = 0;
		return;
	}
	e->since = prev && prev->failed && prev->since ? prev->since : now;
}

void mailcow_state_free(struct mailcow_state *m)
{
	part_error_clear(&m->err);
	free(m->url);
	free(m->version);
	for (size_t i = 0; i < m->n_domains; i++) {
		struct mc_domain *d = &m->domains[i];
		free(d->name);
		free(d->description);
		free(d->relayhost_id);
		strv_free(&d->tags);
	}
	free(m->domains);
	strv_free(&m->bad_domains);
	for (size_t i = 0; i < m->n_aliases; i++) {
		free(m->aliases[i].address);
		free(m->aliases[i].goto_addr);
		free(m->aliases[i].domain);
	}
	free(m->aliases);
	for (size_t i = 0; i < m->n_mailboxes; i++) {
		free(m->mailboxes[i].username);
		free(m->mailboxes[i].domain);
		free(m->mailboxes[i].name);
	}
	free(m->mailboxes);
	for (size_t i = 0; i < m->n_relayhosts; i++) {
		free(m->relayhosts[i].hostname);
		free(m->relayhosts[i].username);
	}
	free(m->relayhosts);
	for (size_t i = 0; i < m->n_services; i++) {
		free(m->services[i].service);
		free(m->services[i].state);
		free(m->services[i].image);
	}
	free(m->services);
	mc_queue_free(m->queue, m->n_queue);
	part_error_clear(&m->queue_err);
	part_error_clear(&m->aliases_err);
	part_error_clear(&m->mailboxes_err);
	part_error_clear(&m->relayhosts_err);
	part_error_clear(&m->services_err);
	part_error_clear(&m->version_err);
	memset(m, 0, sizeof(*m));
}

void mc_queue_free(struct mc_qitem *q, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(q[i].queue);
		free(q[i].id);
		free(q[i].sender);
		strv_free(&q[i].recipients);
	}
	free(q);
}

void mc_dkim_free(struct mc_dkim *d)
{
	free(d->domain);
	free(d->selector);
	free(d->pubkey);
	free(d->txt);
	part_error_clear(&d->err);
	memset(d, 0, sizeof(*d));
}

void domain_dns_free(struct domain_dns *d)
{
	dns_answer_clear(&d->mx);
	dns_answer_clear(&d->apex_txt);
	dns_answer_clear(&d->dmarc);
	for (size_t i = 0; i < d->n_dkim; i++)
		dns_answer_clear(&d->dkim[i]);
	free(d->dkim);
	dns_answer_clear(&d->mta_sts_txt);
	dns_answer_clear(&d->mta_sts_host);
	dns_answer_clear(&d->tls_rpt);
	spf_eval_free(&d->spf);
	memset(d, 0, sizeof(*d));
}

void snapshot_free(struct snapshot *s)
{
	if (!s)
		return;
	free(s->site);
	docker_state_free(&s->docker);
	mailcow_state_free(&s->mailcow);
	for (size_t i = 0; i < s->n_domains; i++) {
		struct snap_domain *d = &s->domains[i];
		free(d->name);
		mc_dkim_free(&d->dkim);
		domain_dns_free(&d->dns);
		mta_sts_policy_free(&d->policy);
	}
	free(s->domains);
	part_error_clear(&s->dns_err);
	free(s->resolver);
	size_limits_free(&s->limits);
	roundcube_info_free(&s->roundcube);
	part_error_clear(&s->postfix_relay.err);
	free(s->postfix_relay.relayhost);
	free(s->postfix_relay.file);
	outbound_state_free(&s->outbound);
	for (size_t i = 0; i < s->n_resolver_probes; i++)
		dns_answer_clear(&s->resolver_probes[i]);
	free(s->resolver_probes);
	free(s);
}

const struct part_error *snapshot_source_error(const struct snapshot *s, enum source src)
{
	const struct part_error *e = NULL;
	switch (src) {
	case SRC_DOCKER: e = &s->docker.err; break;
	case SRC_MAILCOW: e = &s->mailcow.err; break;
	case SRC_DNS: e = &s->dns_err; break;
	case SRC_MTA_STS: e = &s->dns_err; break; /* per-domain errors are in each policy */
	case SRC_FILES: e = &s->limits.err; break;
	case SRC__COUNT: break;
	}
	return e && e->failed ? e : NULL;
}

const struct container *snapshot_container(const struct snapshot *s, const char *service)
{
	for (size_t i = 0; i < s->docker.n_containers; i++) {
		const struct container *c = &s->docker.containers[i];
		if (c->service && strcmp(c->service, service) == 0)
			return c;
	}
	return NULL;
}

static int domain_cmp(const void *key, const void *elem)
{
	return strcasecmp(key, ((const struct snap_domain *)elem)->name);
}

const struct snap_domain *snapshot_domain(const struct snapshot *s, const char *name)
{
	if (!s->n_domains)
		return NULL;
	return bsearch(name, s->domains, s->n_domains, sizeof(*s->domains), domain_cmp);
}

const struct mc_domain *snapshot_mc_domain(const struct snapshot *s, const char *name)
{
	for (size_t i = 0; i < s->mailcow.n_domains; i++)
		if (strcasecmp(s->mailcow.domains[i].name, name) == 0)
			return &s->mailcow.domains[i];
	return NULL;
}
