/* check_outbound: outbound.ip (forward-confirmed reverse DNS of the outbound address and
 * its DNS blocklist answers) and containers.network (every compose service but the
 * host-networked ones on docker.network). One row each in CHECK_INFO (checks_int.h). */
#include "core/checks_int.h"
#include "core/outbound.h"

#include <stdlib.h>
#include <string.h>

/* ---- outbound.ip ---- */

/* The forward-confirmed reverse DNS part: the chain in words into *chain, its status. */
static enum status fcrdns(const struct outbound_state *o, struct buf *chain, struct buf *hint)
{
	const struct dns_answer *p = &o->ptr;
	if (dns_unusable(p)) {
		char *why = dns_failure(p);
		buf_printf(chain, "PTR %s not resolved (%s)", p->name, why);
		buf_printf(hint, "The PTR query failed (%s): check the resolver. ", why);
		free(why);
		return STATUS_UNKNOWN;
	}
	if (p->status != DNS_OK || p->n == 0) {
		buf_printf(chain, "no PTR (%s %s)", p->name, dns_status_name(p->status));
		buf_printf(hint, "Ask the owner of %s (the ISP or hosting provider) to set its PTR to the mail "
			   "host's name, and publish that name's address; receivers distrust mail from an "
			   "address without one. ", o->ip);
		return STATUS_WARNING;
	}
	const char *name = p->rrs[0].value;
	const struct dns_answer *f = &o->forward;
	buf_printf(chain, "PTR %s", name);
	if (dns_unusable(f)) {
		char *why = dns_failure(f);
		buf_printf(chain, " -> not resolved (%s)", why);
		buf_printf(hint, "The address of %s was not resolved (%s): check the resolver. ", name, why);
		free(why);
		return STATUS_UNKNOWN;
	}
	struct strv addrs = {0};
	bool back = false;
	for (size_t i = 0; i < f->n; i++) {
		strv_push(&addrs, f->rrs[i].value);
		back = back || outbound_same_ip(f->rrs[i].value, o->ip);
	}
	char *list = addrs.n ? strv_join(&addrs, ", ") : xstrdup(dns_status_name(f->status));
	buf_printf(chain, " -> %s", list);
	strv_free(&addrs);
	free(list);
	if (back)
		return STATUS_OK;
	buf_printf(hint, "%s does not resolve back to %s: publish %s %s %s at its DNS host, or have the "
		   "PTR of %s changed to a name that does. ", name, o->ip, name, strchr(o->ip, ':') ? "AAAA" : "A",
		   o->ip, o->ip);
	return STATUS_WARNING;
}

/* One blocklist answer: ok (not listed), critical (listed), unknown (refusal or no answer). */
static enum status dnsbl_one(const struct dns_answer *a, const char *zone, struct buf *line, struct buf *hint,
			     const char *ip)
{
	if (a->status == DNS_NXDOMAIN || a->status == DNS_NODATA) {
		buf_printf(line, "%s not listed", zone);
		return STATUS_OK;
	}
	if (a->status != DNS_OK || a->n == 0) {
		char *why = dns_failure(a);
		buf_printf(line, "%s no answer (%s)", zone, why);
		buf_printf(hint, "%s gave no answer (%s): the listing is unknown; check the resolver can reach it. ",
			   zone, why);
		free(why);
		return STATUS_UNKNOWN;
	}
	const char *code = a->rrs[0].value;
	for (size_t i = 0; i < a->n; i++)
		if (str_starts_with(a->rrs[i].value, "127.") && !str_starts_with(a->rrs[i].value, "127.255.255.")) {
			buf_printf(line, "%s LISTED (%s)", zone, a->rrs[i].value);
			buf_printf(hint, "%s lists %s (%s): look the address up on the blocklist's site, fix the "
				   "cause (an open relay, a compromised account) and request delisting. ", zone, ip,
				   a->rrs[i].value);
			return STATUS_CRITICAL;
		}
	if (str_starts_with(code, "127.255.255.")) {
		buf_printf(line, "%s refused the query (%s)", zone, code);
		buf_printf(hint, "%s answered %s, its own error code (e.g. queries through a public resolver): ask it "
			   "through a resolver it accepts (dns.servers). ", zone, code);
	} else {
		buf_printf(line, "%s answered %s, not a listing code", zone, code);
		buf_printf(hint, "%s answered %s outside 127.0.0.0/8: the zone name may be wrong or hijacked. ",
			   zone, code);
	}
	return STATUS_UNKNOWN;
}

void check_outbound_ip(struct check_ctx *c)
{
	const struct outbound_state *o = &c->s->outbound;
	/* Unset, there is nothing to check: no result, so that the pending item linked to this
	 * check ("Dedicated ... static IP") never turns green before an address is set. */
	if (!o->ip)
		return;
	struct buf sum = {0}, hint = {0}, chain = {0};
	enum status st = fcrdns(o, &chain, &hint);
	buf_printf(&sum, "%s: %s", o->ip, buf_cstr(&chain));
	for (size_t i = 0; i < o->n_dnsbl && i < c->cfg->outbound_dnsbl.n; i++) {
		struct buf line = {0};
		st = status_worse(st, dnsbl_one(&o->dnsbl[i], c->cfg->outbound_dnsbl.v[i], &line, &hint, o->ip));
		buf_printf(&sum, "; %s", buf_cstr(&line));
		buf_free(&line);
	}
	char *h = buf_steal(&hint);
	size_t hl = strlen(h);
	if (hl && h[hl - 1] == ' ')
		h[hl - 1] = '\0';
	check_emit(c, o->ip, st, buf_steal(&sum), h);
	buf_free(&chain);
}

/* ---- containers.network ---- */

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void check_containers_network(struct check_ctx *c)
{
	const char *want = c->cfg->docker_network;
	struct strv svcs = {0};
	for (size_t k = 0; k < c->s->docker.n_containers; k++) {
		const char *svc = c->s->docker.containers[k].service;
		if (svc && !strv_contains(&svcs, svc))
			strv_push(&svcs, svc);
	}
	if (svcs.n)
		qsort(svcs.v, svcs.n, sizeof(char *), cmp_str);
	for (size_t i = 0; i < svcs.n; i++) {
		const char *svc = svcs.v[i];
		bool attached = false, host = false;
		struct strv nets = {0};
		for (size_t k = 0; k < c->s->docker.n_containers; k++) {
			const struct container *x = &c->s->docker.containers[k];
			if (!x->service || strcmp(x->service, svc) != 0)
				continue;
			host = host || (x->network_mode && strcmp(x->network_mode, "host") == 0);
			for (size_t n = 0; n < x->n_nets; n++) {
				if (x->nets[n].network && strcmp(x->nets[n].network, want) == 0)
					attached = true;
				if (x->nets[n].network && !strv_contains(&nets, x->nets[n].network))
					strv_push(&nets, x->nets[n].network);
			}
		}
		char *on = nets.n ? strv_join(&nets, ", ") : xstrdup("no network");
		char *sum;
		if (host)
			sum = xasprintf("%s uses host networking (network_mode: host)", svc);
		else if (attached)
			sum = xasprintf("%s is attached to %s", svc, want);
		else
			sum = xasprintf("%s is not attached to %s (on %s)", svc, want, on);
		if (host || attached)
			check_emit(c, svc, STATUS_OK, sum, NULL);
		else
			check_emit(c, svc, STATUS_CRITICAL, sum,
				   xasprintf("Redis and PHP-FPM names resolve only on %s: give %s back its "
					     "mailcow-network (with its aliases) in %s/docker-compose.override.yml, "
					     "then run docker compose up -d", want, svc, c->cfg->mailcow_dir));
		free(on);
		strv_free(&nets);
	}
	strv_free(&svcs);
}
