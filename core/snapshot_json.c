/* snapshot_json: the snapshot as one JSON object, for `mcon snapshot --json`. The model
 * holds no secrets (relayhost passwords and DKIM private keys are dropped at parse time,
 * the API key never enters it), so nothing here needs masking. Every text goes through
 * core/sanitize's JSON form, so no control or bidi character reaches the reader. */
#include "core/dns.h"
#include "core/sanitize.h"
#include "core/snapshot.h"
#include "core/util.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

/* Text from the network, the files or MailCow: the JSON form of the one sanitiser (one line,
 * no C0, DEL, C1 or bidi controls, valid UTF-8). */
static json_t *jstr(const char *s)
{
	if (!s)
		return json_null();
	char *c = sanitize_json(s);
	json_t *v = json_string(c);
	free(c);
	return v ? v : json_string("");
}

/* Multi-line text (an MTA-STS policy, a health probe's output): the same with its line
 * breaks kept (CRLF as LF). */
static json_t *jtext(const char *s)
{
	if (!s)
		return json_null();
	struct buf lf = {0};
	for (const char *p = s; *p; p++)
		if (!(p[0] == '\r' && p[1] == '\n'))
			buf_putc(&lf, *p);
	char *c = sanitize_str(buf_cstr(&lf), (size_t)-1, SAN_KEEP_NEWLINE);
	buf_free(&lf);
	json_t *v = json_string(c);
	free(c);
	return v ? v : json_string("");
}

static json_t *jtime(time_t t)
{
	if (t <= 0)
		return json_null();
	char out[32];
	time_rfc3339(t, out);
	return json_string(out);
}

static json_t *jnum_or_null(long long v)
{
	return v < 0 ? json_null() : json_integer(v);
}

static json_t *jerr(const struct part_error *e)
{
	if (!e->failed)
		return json_null();
	return json_pack("{s:o, s:o, s:o}", "what", jstr(e->what), "why", jstr(e->why), "since", jtime(e->since));
}

static void list_error(json_t *list, const char *part, const struct part_error *e)
{
	if (!e->failed)
		return;
	json_t *o = jerr(e);
	json_object_set_new(o, "part", json_string(part));
	json_array_append_new(list, o);
}

static json_t *jstrv(const struct strv *v)
{
	json_t *a = json_array();
	for (size_t i = 0; i < v->n; i++)
		json_array_append_new(a, jstr(v->v[i]));
	return a;
}

static json_t *janswer(const struct dns_answer *a)
{
	json_t *rr = json_array();
	for (size_t i = 0; i < a->n; i++) {
		json_t *r = json_pack("{s:o, s:I}", "value", jstr(a->rrs[i].value), "ttl", (json_int_t)a->rrs[i].ttl);
		if (a->type == DNS_T_MX)
			json_object_set_new(r, "pref", json_integer(a->rrs[i].pref));
		json_array_append_new(rr, r);
	}
	return json_pack("{s:o, s:s, s:s, s:o, s:o, s:o, s:o}", "name", jstr(a->name), "type", dns_type_name(a->type),
			 "status", dns_status_name(a->status), "server", jstr(a->server), "error", jstr(a->error),
			 "cnames", jstrv(&a->cnames), "records", rr);
}

static json_t *jdocker(const struct docker_state *d)
{
	json_t *cs = json_array();
	for (size_t i = 0; i < d->n_containers; i++) {
		const struct container *c = &d->containers[i];
		json_t *nets = json_array();
		for (size_t k = 0; k < c->n_nets; k++) {
			const struct net_attach *n = &c->nets[k];
			json_array_append_new(nets,
					      json_pack("{s:o, s:o, s:o, s:o, s:o, s:o}", "network", jstr(n->network),
							"id", jstr(n->network_id), "ip", jstr(n->ip), "aliases",
							jstrv(&n->aliases), "driver", jstr(n->driver), "scope",
							jstr(n->scope)));
		}
		json_t *o =
			json_pack("{s:o, s:o, s:o, s:o, s:o, s:o, s:i, s:s, s:i, s:o, s:I, s:o, s:o, s:b, s:b, s:o}",
				  "id", jstr(c->id), "name", jstr(c->name), "service", jstr(c->service), "image",
				  jstr(c->image), "state", jstr(c->state), "status", jstr(c->status_text), "exit_code",
				  c->exit_code, "health", health_name(c->health), "failing_streak", c->failing_streak,
				  "health_output", jtext(c->health_output), "restart_count",
				  (json_int_t)c->restart_count, "started_at", jtime(c->started_at), "finished_at",
				  jtime(c->finished_at), "tty", c->tty, "inspected", c->inspected, "networks", nets);
		json_object_set_new(o, "network_mode", jstr(c->network_mode));
		json_array_append_new(cs, o);
	}
	json_t *ns = json_array();
	for (size_t i = 0; i < d->n_networks; i++) {
		const struct network *n = &d->networks[i];
		json_array_append_new(ns,
				      json_pack("{s:o, s:o, s:o, s:o, s:o}", "name", jstr(n->name), "id", jstr(n->id),
						"driver", jstr(n->driver), "scope", jstr(n->scope), "containers",
						jstrv(&n->container_ids)));
	}
	return json_pack("{s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o}", "endpoint", jstr(d->endpoint), "api_version",
			 jstr(d->api_version), "server_version", jstr(d->server_version), "error", jerr(&d->err),
			 "containers", cs, "networks", ns, "postfix_message_size_limit",
			 jnum_or_null(d->postfix_size_live), "postfix_exec_error", jerr(&d->postfix_exec_err));
}

static json_t *jmailcow(const struct mailcow_state *m)
{
	json_t *doms = json_array();
	for (size_t i = 0; i < m->n_domains; i++) {
		const struct mc_domain *d = &m->domains[i];
		json_array_append_new(doms,
				      json_pack("{s:o, s:o, s:b, s:o, s:i, s:i, s:I, s:I, s:o}", "name", jstr(d->name),
						"description", jstr(d->description), "active", d->active,
						"relayhost_id", jstr(d->relayhost_id), "mailboxes", (int)d->mailboxes,
						"aliases", (int)d->aliases, "quota_bytes", (json_int_t)d->quota_bytes,
						"bytes_used", (json_int_t)d->bytes_used, "tags", jstrv(&d->tags)));
	}
	json_t *als = json_array();
	for (size_t i = 0; i < m->n_aliases; i++) {
		const struct mc_alias *a = &m->aliases[i];
		json_array_append_new(als,
				      json_pack("{s:I, s:o, s:o, s:o, s:b, s:b}", "id", (json_int_t)a->id, "address",
						jstr(a->address), "goto", jstr(a->goto_addr), "domain", jstr(a->domain),
						"active", a->active, "catch_all", a->catch_all));
	}
	json_t *mbs = json_array();
	for (size_t i = 0; i < m->n_mailboxes; i++) {
		const struct mc_mailbox *b = &m->mailboxes[i];
		json_array_append_new(mbs,
				      json_pack("{s:o, s:o, s:o, s:b, s:I, s:I}", "username", jstr(b->username),
						"domain", jstr(b->domain), "name", jstr(b->name), "active", b->active,
						"quota", (json_int_t)b->quota, "quota_used",
						(json_int_t)b->quota_used));
	}
	json_t *rhs = json_array();
	for (size_t i = 0; i < m->n_relayhosts; i++) {
		const struct mc_relayhost *r = &m->relayhosts[i];
		json_array_append_new(rhs,
				      json_pack("{s:I, s:o, s:o, s:b}", "id", (json_int_t)r->id, "hostname",
						jstr(r->hostname), "username", jstr(r->username), "active", r->active));
	}
	json_t *svc = json_array();
	for (size_t i = 0; i < m->n_services; i++) {
		const struct mc_service_status *s = &m->services[i];
		json_array_append_new(svc, json_pack("{s:o, s:o, s:o, s:o}", "service", jstr(s->service), "state",
						     jstr(s->state), "image", jstr(s->image), "started_at",
						     jtime(s->started_at)));
	}
	json_t *queue = json_pack("{s:o, s:o, s:o, s:o, s:o}", "total", jnum_or_null(m->queue_total), "deferred",
				  jnum_or_null(m->queue_deferred), "active", jnum_or_null(m->queue_active), "hold",
				  jnum_or_null(m->queue_hold), "error", jerr(&m->queue_err));
	json_t *o =
		json_pack("{s:o, s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o}", "url", jstr(m->url), "key",
			  key_problem_name(m->key), "version", jstr(m->version), "error", jerr(&m->err), "domains",
			  doms, "aliases", als, "mailboxes", mbs, "relayhosts", rhs, "services", svc, "queue", queue);
	json_object_set_new(o, "errors",
			    json_pack("{s:o, s:o, s:o, s:o, s:o}", "aliases", jerr(&m->aliases_err), "mailboxes",
				      jerr(&m->mailboxes_err), "relayhosts", jerr(&m->relayhosts_err), "services",
				      jerr(&m->services_err), "version", jerr(&m->version_err)));
	json_object_set_new(o, "backoff", m->next_try ? json_pack("{s:i, s:o}", "failures", m->auth_failures,
								  "next_try", jtime(m->next_try))
						      : json_null());
	return o;
}

static json_t *jdomain(const struct snap_domain *d)
{
	const struct domain_dns *dns = &d->dns;
	json_t *dkim_dns = json_array();
	for (size_t i = 0; i < dns->n_dkim; i++)
		json_array_append_new(dkim_dns, janswer(&dns->dkim[i]));
	json_t *spf =
		json_pack("{s:i, s:o, s:i, s:i, s:o, s:o}", "records", dns->spf.records, "record",
			  jstr(dns->spf.record), "lookups", dns->spf.lookups, "void_lookups", dns->spf.void_lookups,
			  "includes", jstrv(&dns->spf.includes), "error", jstr(dns->spf.error));
	json_t *jdns = json_pack("{s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o}", "mx", janswer(&dns->mx), "txt",
				 janswer(&dns->apex_txt), "dmarc", janswer(&dns->dmarc), "dkim", dkim_dns, "mta_sts",
				 janswer(&dns->mta_sts_txt), "mta_sts_host", janswer(&dns->mta_sts_host), "tls_rpt",
				 janswer(&dns->tls_rpt), "spf", spf);
	const struct mc_dkim *k = &d->dkim;
	json_t *dkim =
		json_pack("{s:b, s:o, s:i, s:o, s:o, s:o}", "present", k->present, "selector", jstr(k->selector),
			  "bits", k->bits, "pubkey", jstr(k->pubkey), "txt", jstr(k->txt), "error", jerr(&k->err));
	const struct mta_sts_policy *p = &d->policy;
	json_t *pol = json_pack("{s:b, s:i, s:o, s:o, s:o, s:o, s:o, s:o}", "fetched", p->fetched, "http_status",
				(int)p->http_status, "version", jstr(p->version), "mode", jstr(p->mode), "mx",
				jstrv(&p->mx), "max_age", jnum_or_null(p->max_age), "raw", jtext(p->raw), "error",
				jerr(&p->err));
	json_t *o = json_pack("{s:o, s:b}", "name", jstr(d->name), "in_mailcow", d->mc != NULL);
	json_object_set_new(o, "active", d->mc ? json_boolean(d->mc->active) : json_null());
	json_object_set_new(o, "dkim", dkim);
	json_object_set_new(o, "dns", jdns);
	json_object_set_new(o, "mta_sts_policy", pol);
	return o;
}

static json_t *jlimits(const struct size_limits *l)
{
	return json_pack("{s:o, s:o, s:o, s:I, s:b, s:o, s:o, s:o, s:o, s:o, s:o}", "postfix_main",
			 jnum_or_null(l->postfix_main), "postfix_extra", jnum_or_null(l->postfix_extra), "postfix",
			 jnum_or_null(l->postfix), "rspamd_max_message", (json_int_t)l->rspamd_max_message,
			 "rspamd_set", l->rspamd_set, "av_max_size", jnum_or_null(l->av_max_size), "clamav_stream_max",
			 jnum_or_null(l->clamav_stream_max), "clamav_max_file", jnum_or_null(l->clamav_max_file),
			 "clamav_max_scan", jnum_or_null(l->clamav_max_scan), "sources", jstrv(&l->sources), "error",
			 jerr(&l->err));
}

static json_t *jroundcube(const struct roundcube_info *r)
{
	return json_pack("{s:b, s:o, s:o, s:b, s:b, s:b, s:o}", "present", r->present, "path", jstr(r->path),
			 "imap_host", jstr(r->imap_host), "has_conn_options", r->has_conn_options, "verify_peer_off",
			 r->verify_peer_off, "verify_peer_name_off", r->verify_peer_name_off, "error", jerr(&r->err));
}

/* outbound.ip's evidence: the PTR chain and each blocklist's answer; null when unset. */
static json_t *joutbound(const struct outbound_state *o)
{
	if (!o->ip)
		return json_null();
	json_t *bl = json_array();
	for (size_t i = 0; i < o->n_dnsbl; i++)
		json_array_append_new(bl, janswer(&o->dnsbl[i]));
	return json_pack("{s:o, s:o, s:o, s:o}", "ip", jstr(o->ip), "ptr", janswer(&o->ptr), "forward",
			 janswer(&o->forward), "dnsbl", bl);
}

json_t *snapshot_to_json(const struct snapshot *s)
{
	json_t *errors = json_array();
	list_error(errors, "docker", &s->docker.err);
	list_error(errors, "docker.postfix_exec", &s->docker.postfix_exec_err);
	list_error(errors, "mailcow", &s->mailcow.err);
	list_error(errors, "mailcow.aliases", &s->mailcow.aliases_err);
	list_error(errors, "mailcow.mailboxes", &s->mailcow.mailboxes_err);
	list_error(errors, "mailcow.relayhosts", &s->mailcow.relayhosts_err);
	list_error(errors, "mailcow.services", &s->mailcow.services_err);
	list_error(errors, "mailcow.version", &s->mailcow.version_err);
	list_error(errors, "mailcow.queue", &s->mailcow.queue_err);
	list_error(errors, "dns", &s->dns_err);
	list_error(errors, "files", &s->limits.err);
	list_error(errors, "roundcube", &s->roundcube.err);
	list_error(errors, "postfix_relay", &s->postfix_relay.err);
	json_t *doms = json_array();
	for (size_t i = 0; i < s->n_domains; i++) {
		const struct snap_domain *d = &s->domains[i];
		char *part = xasprintf("domain:%s/dkim", d->name);
		list_error(errors, part, &d->dkim.err);
		free(part);
		part = xasprintf("domain:%s/mta_sts", d->name);
		list_error(errors, part, &d->policy.err);
		free(part);
		json_array_append_new(doms, jdomain(d));
	}
	json_t *o = json_pack("{s:i, s:o, s:o, s:o, s:I, s:o}", "version", 1, "site", jstr(s->site), "started_at",
			      jtime(s->started_at), "finished_at", jtime(s->finished_at), "duration_ms",
			      (json_int_t)s->duration_ms, "resolver", jstr(s->resolver));
	json_object_set_new(o, "errors", errors);
	json_object_set_new(o, "docker", jdocker(&s->docker));
	json_object_set_new(o, "mailcow", jmailcow(&s->mailcow));
	json_object_set_new(o, "domains", doms);
	json_object_set_new(o, "limits", jlimits(&s->limits));
	json_object_set_new(o, "roundcube", jroundcube(&s->roundcube));
	const struct postfix_relay *pr = &s->postfix_relay;
	json_object_set_new(o, "postfix_relayhost", json_pack("{s:o, s:o}", "relayhost", jstr(pr->relayhost), "file",
							      jstr(pr->file)));
	json_object_set_new(o, "outbound", joutbound(&s->outbound));
	json_t *probes = json_array();
	for (size_t i = 0; i < s->n_resolver_probes; i++)
		json_array_append_new(probes, janswer(&s->resolver_probes[i]));
	json_object_set_new(o, "resolver_probes", probes);
	return o;
}
