/* records: expected versus found for a domain's records, and the zone lines to paste.
 * The expectations come from the configuration (relay.mx, relay.spf_include,
 * dkim.selectors, the key MailCow holds); the verdicts stay the checks' business. */
#include "tui/records.h"
#include "core/dkimkey.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char *records_tag(const char *record, const char *tag)
{
	if (!record)
		return NULL;
	size_t tl = strlen(tag);
	const char *p = record;
	while (*p) {
		while (*p == ' ' || *p == '\t' || *p == ';')
			p++;
		if (strncasecmp(p, tag, tl) == 0) {
			const char *q = p + tl;
			while (*q == ' ')
				q++;
			if (*q == '=') {
				q++;
				struct buf b = {0};
				while (*q && *q != ';') {
					if (!isspace((unsigned char)*q))
						buf_putc(&b, *q);
					q++;
				}
				return b.data ? buf_steal(&b) : xstrdup("");
			}
		}
		while (*p && *p != ';')
			p++;
	}
	return NULL;
}

int records_key_bits(const char *b64)
{
	if (!b64 || !*b64)
		return 0;
	int bits = dkim_key_bits(b64, NULL);
	return bits > 0 ? bits : 0;
}

const struct dns_answer *records_dkim_answer(const struct tui_model *m, const struct snap_domain *d,
					     size_t sel)
{
	(void)m;
	return sel < d->dns.n_dkim ? &d->dns.dkim[sel] : NULL;
}

void records_txt_lines(struct textview *tv, const char *indent, const char *name, const char *value,
		       size_t chunk)
{
	size_t n = strlen(value);
	if (n <= chunk) {
		tv_add(tv, "%s%s. 3600 IN TXT \"%s\"", indent, name, value);
		return;
	}
	tv_add(tv, "%s%s. 3600 IN TXT (", indent, name);
	for (size_t i = 0; i < n; i += chunk) {
		size_t k = n - i < chunk ? n - i : chunk;
		tv_add(tv, "%s    \"%.*s\"%s", indent, (int)k, value + i, i + k >= n ? " )" : "");
	}
}

static void answer_found(struct textview *tv, const char *label, const struct dns_answer *a,
			 const char *must_start)
{
	if (!a || a->status == DNS_NOT_ASKED) {
		tv_add(tv, "    %-9s found:    (not asked)", label);
		return;
	}
	if (a->status != DNS_OK) {
		tv_add(tv, "    %-9s found:    %s%s%s", label, dns_status_name(a->status),
		       a->error ? ": " : "", a->error ? a->error : "");
		return;
	}
	size_t shown = 0;
	for (size_t i = 0; i < a->n; i++) {
		const char *v = a->rrs[i].value ? a->rrs[i].value : "";
		if (must_start && strncasecmp(v, must_start, strlen(must_start)) != 0)
			continue;
		if (a->type == 15)
			tv_add(tv, "    %-9s %s %d %s", shown ? "" : label, shown ? "         " : "found:   ",
			       a->rrs[i].pref, v);
		else
			tv_add(tv, "    %-9s %s %s", shown ? "" : label, shown ? "         " : "found:   ", v);
		shown++;
	}
	if (!shown)
		tv_add(tv, "    %-9s found:    (no %s record)", label, must_start ? must_start : "matching");
}

static const char *first_txt(const struct dns_answer *a, const char *prefix)
{
	if (!a || a->status != DNS_OK)
		return NULL;
	for (size_t i = 0; i < a->n; i++)
		if (a->rrs[i].value && strncasecmp(a->rrs[i].value, prefix, strlen(prefix)) == 0)
			return a->rrs[i].value;
	return NULL;
}

/* MX hosts of a domain whose MX check passes: the relay's real host names, which the
 * patterns of relay.mx cannot give. */
static const struct snap_domain *mx_model(const struct tui_model *m)
{
	for (size_t i = 0; i < m->snap->n_domains; i++) {
		const struct snap_domain *d = &m->snap->domains[i];
		if (model_check_status(m, "mx.relay", d->name) == STATUS_OK && d->dns.mx.status == DNS_OK &&
		    d->dns.mx.n)
			return d;
	}
	return NULL;
}

static char *dkim_txt_value(const struct snap_domain *d)
{
	if (d->dkim.txt && *d->dkim.txt)
		return xstrdup(d->dkim.txt);
	if (d->dkim.pubkey && *d->dkim.pubkey)
		return xasprintf("v=DKIM1;k=rsa;t=s;s=email;p=%s", d->dkim.pubkey);
	return NULL;
}

static void checks_of(const struct tui_model *m, const char *domain, struct textview *tv)
{
	size_t n = strlen(domain), shown = 0;
	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < m->n_results; i++) {
			const struct check_result *r = &m->results[i];
			if (!r->target || strncmp(r->target, domain, n) != 0 || (r->target[n] && r->target[n] != '/'))
				continue;
			if ((pass == 0) != (r->status != STATUS_OK))
				continue;
			tv_add(tv, "  %-4s %-15s %s", status_word(r->status), r->check, r->summary ? r->summary : "");
			if (r->status != STATUS_OK && r->hint)
				tv_add(tv, "       what to do: %s", r->hint);
			shown++;
		}
	}
	if (!shown)
		tv_add(tv, "  (no results for this domain yet)");
}

void records_domain_details(const struct tui_model *m, const struct snap_domain *d, struct textview *tv)
{
	const struct config *cfg = m->cfg;
	const char *dn = d->name;
	free(tv->title);
	tv->title = xasprintf("Domain %s", dn);
	if (d->mc)
		tv_add(tv, "MailCow: %s, %ld mailboxes, %ld aliases%s%s", d->mc->active ? "active" : "INACTIVE",
		       d->mc->mailboxes, d->mc->aliases, d->mc->description && *d->mc->description ? "; " : "",
		       d->mc->description ? d->mc->description : "");
	else
		tv_add(tv, "MailCow: not listed by the MailCow API");
	tv_blank(tv);
	tv_add(tv, "Checks (problems first)");
	checks_of(m, dn, tv);
	tv_blank(tv);

	tv_add(tv, "Records: expected versus found");
	char *mxpat = strv_join(&cfg->relay_mx, ", ");
	if (cfg->relay_name)
		tv_add(tv, "    %-9s expected: hosts matching %s (%s)", "MX", mxpat, cfg->relay_name);
	else
		tv_add(tv, "    %-9s expected: the MailCow host", "MX");
	answer_found(tv, "", &d->dns.mx, NULL);

	if (cfg->relay_spf_include)
		tv_add(tv, "    %-9s expected: one v=spf1 record with include:%s, at most 10 lookups", "SPF",
		       cfg->relay_spf_include);
	else
		tv_add(tv, "    %-9s expected: one v=spf1 record, at most 10 lookups", "SPF");
	answer_found(tv, "", &d->dns.apex_txt, "v=spf1");
	if (d->dns.spf.records)
		tv_add(tv, "              lookups: %d of 10, void lookups: %d of 2%s%s", d->dns.spf.lookups,
		       d->dns.spf.void_lookups, d->dns.spf.error ? "; " : "", d->dns.spf.error ? d->dns.spf.error : "");

	tv_add(tv, "    %-9s expected: one v=DMARC1 record at _dmarc.%s, p=quarantine or reject", "DMARC", dn);
	answer_found(tv, "", &d->dns.dmarc, "v=DMARC1");

	for (size_t s = 0; s < cfg->dkim_selectors.n; s++) {
		const char *sel = cfg->dkim_selectors.v[s];
		bool mc = cfg->dkim_mailcow_selector && strcmp(sel, cfg->dkim_mailcow_selector) == 0;
		char label[40];
		snprintf(label, sizeof(label), "DKIM %s", sel);
		if (mc)
			tv_add(tv, "    %-9s expected: %s._domainkey.%s with the key MailCow holds (%d bits)", label,
			       sel, dn, d->dkim.bits);
		else
			tv_add(tv, "    %-9s expected: %s._domainkey.%s, DKIM1, not t=y, >= %ld bits", label, sel,
			       dn, cfg->dkim_min_bits);
		answer_found(tv, "", records_dkim_answer(m, d, s), NULL);
	}

	tv_add(tv, "    %-9s expected: _mta-sts.%s v=STSv1; id=...; policy covering every MX host", "MTA-STS", dn);
	answer_found(tv, "", &d->dns.mta_sts_txt, "v=STSv1");
	if (d->policy.fetched)
		tv_add(tv, "              policy: mode %s, mx %s, max_age %ld", d->policy.mode ? d->policy.mode : "?",
		       d->policy.mx.n ? d->policy.mx.v[0] : "(none)", d->policy.max_age);
	else if (d->policy.err.failed)
		tv_add(tv, "              policy: not fetched: %s", d->policy.err.why ? d->policy.err.why : "error");
	tv_add(tv, "    %-9s expected: _smtp._tls.%s v=TLSRPTv1; rua=mailto:...", "TLS-RPT", dn);
	answer_found(tv, "", &d->dns.tls_rpt, "v=TLSRPTv1");
	tv_blank(tv);

	/* Zone lines for every family that is not OK. */
	tv_add(tv, "Lines to paste into the zone of %s (for what is missing or wrong)", dn);
	size_t before = tv->lines.n;
	if (status_bad(model_domain_status(m, dn, FAM_MX))) {
		const struct snap_domain *good = mx_model(m);
		if (good)
			for (size_t i = 0; i < good->dns.mx.n; i++)
				tv_add(tv, "  %s. 3600 IN MX %d %s.", dn, good->dns.mx.rrs[i].pref,
				       good->dns.mx.rrs[i].value);
		else
			tv_add(tv, "  ; MX: point %s at your relay's hosts (%s)", dn, mxpat);
	}
	if (status_bad(model_domain_status(m, dn, FAM_SPF))) {
		const char *cur = first_txt(&d->dns.apex_txt, "v=spf1");
		char *val;
		if (cur && cfg->relay_spf_include && !strstr(cur, cfg->relay_spf_include))
			val = xasprintf("v=spf1 include:%s%s", cfg->relay_spf_include, cur + 6);
		else if (cur)
			val = xstrdup(cur);
		else
			val = xasprintf("v=spf1 %s%s -all", cfg->relay_spf_include ? "include:" : "mx",
					cfg->relay_spf_include ? cfg->relay_spf_include : "");
		char *name = xstrdup(dn);
		records_txt_lines(tv, "  ", name, val, 255);
		if (cur && d->dns.spf.records > 1)
			tv_add(tv, "  ; and delete the other v=spf1 records: only one may exist");
		free(name);
		free(val);
	}
	if (status_bad(model_domain_status(m, dn, FAM_DMARC))) {
		char *name = xasprintf("_dmarc.%s", dn);
		char *val = xasprintf("v=DMARC1; p=quarantine; rua=mailto:postmaster@%s", dn);
		records_txt_lines(tv, "  ", name, val, 255);
		free(name);
		free(val);
	}
	if (status_bad(model_domain_status(m, dn, FAM_DKIM))) {
		for (size_t s = 0; s < cfg->dkim_selectors.n; s++) {
			const char *sel = cfg->dkim_selectors.v[s];
			char target[512];
			snprintf(target, sizeof(target), "%s/%s", dn, sel);
			bool mc = cfg->dkim_mailcow_selector && strcmp(sel, cfg->dkim_mailcow_selector) == 0;
			enum status st = model_check_status(m, "dkim.selector", target);
			if (mc)
				st = status_worse(st, model_check_status(m, "dkim.mailcow", dn));
			if (!status_bad(st))
				continue;
			char *name = xasprintf("%s._domainkey.%s", sel, dn);
			char *val = mc ? dkim_txt_value(d) : NULL;
			if (val)
				records_txt_lines(tv, "  ", name, val, 255);
			else if (mc)
				tv_add(tv, "  ; %s: MailCow holds no key; create one (2048 bits) in MailCow first",
				       name);
			else
				tv_add(tv, "  ; %s: publish the key shown by %s for this domain", name,
				       cfg->relay_name ? cfg->relay_name : "the sender that uses this selector");
			free(name);
			free(val);
		}
	}
	if (status_bad(model_domain_status(m, dn, FAM_MTA_STS))) {
		char *name = xasprintf("_mta-sts.%s", dn);
		char id[32];
		struct tm t;
		time_t now = mcon_now();
		gmtime_r(&now, &t);
		strftime(id, sizeof(id), "%Y%m%dT%H%M%S", &t);
		char *val = xasprintf("v=STSv1; id=%s", id);
		records_txt_lines(tv, "  ", name, val, 255);
		tv_add(tv, "  ; and serve https://mta-sts.%s/.well-known/mta-sts.txt:", dn);
		tv_add(tv, ";     version: STSv1");
		tv_add(tv, ";     mode: enforce");
		const struct snap_domain *good = mx_model(m);
		if (d->dns.mx.status == DNS_OK && d->dns.mx.n)
			good = d;
		if (good)
			for (size_t i = 0; i < good->dns.mx.n; i++)
				tv_add(tv, ";     mx: %s", good->dns.mx.rrs[i].value);
		else
			for (size_t i = 0; i < cfg->relay_mx.n; i++)
				tv_add(tv, ";     mx: %s", cfg->relay_mx.v[i]);
		tv_add(tv, ";     max_age: 604800");
		free(name);
		free(val);
	}
	if (status_bad(model_domain_status(m, dn, FAM_TLS_RPT))) {
		char *name = xasprintf("_smtp._tls.%s", dn);
		char *val = xasprintf("v=TLSRPTv1; rua=mailto:tlsrpt@%s", dn);
		records_txt_lines(tv, "  ", name, val, 255);
		free(name);
		free(val);
	}
	if (status_bad(model_domain_status(m, dn, FAM_MAILCOW)))
		tv_add(tv, "  ; (MailCow side, not DNS: see the checks above: catch-all alias @%s, relayhost)", dn);
	if (tv->lines.n == before)
		tv_add(tv, "  (nothing: every record is as expected)");
	free(mxpat);
}

void records_dkim_details(const struct tui_model *m, const struct snap_domain *d, size_t sel,
			  struct textview *tv)
{
	const struct config *cfg = m->cfg;
	const char *sname = cfg->dkim_selectors.v[sel];
	bool mc = cfg->dkim_mailcow_selector && strcmp(sname, cfg->dkim_mailcow_selector) == 0;
	char *name = xasprintf("%s._domainkey.%s", sname, d->name);
	free(tv->title);
	tv->title = xasprintf("DKIM %s", name);
	const struct dns_answer *a = records_dkim_answer(m, d, sel);
	char target[512];
	snprintf(target, sizeof(target), "%s/%s", d->name, sname);
	for (size_t i = 0; i < m->n_results; i++) {
		const struct check_result *r = &m->results[i];
		bool mine = (strcmp(r->check, "dkim.selector") == 0 && r->target && strcmp(r->target, target) == 0) ||
			(mc && strcmp(r->check, "dkim.mailcow") == 0 && r->target && strcmp(r->target, d->name) == 0);
		if (!mine)
			continue;
		tv_add(tv, "%-4s %s: %s", status_word(r->status), r->check, r->summary ? r->summary : "");
		if (r->status != STATUS_OK && r->hint)
			tv_add(tv, "     what to do: %s", r->hint);
	}
	tv_blank(tv);
	tv_add(tv, "In DNS:");
	answer_found(tv, "TXT", a, NULL);
	if (mc) {
		tv_blank(tv);
		if (d->dkim.present)
			tv_add(tv, "MailCow holds a %d-bit key for %s (selector %s)", d->dkim.bits, d->name,
			       d->dkim.selector ? d->dkim.selector : "?");
		else
			tv_add(tv, "MailCow holds no DKIM key for %s", d->name);
		char *val = dkim_txt_value(d);
		if (val) {
			tv_blank(tv);
			tv_add(tv, "The TXT record to publish (strings of at most 255 characters):");
			records_txt_lines(tv, "  ", name, val, 255);
			tv_blank(tv);
			tv_add(tv, "The same record in short strings, to copy from an 80-column screen:");
			records_txt_lines(tv, "  ", name, val, 60);
			free(val);
		}
	} else {
		tv_blank(tv);
		tv_add(tv, "This selector is checked in DNS only: MailCow signs with %s.",
		       cfg->dkim_mailcow_selector ? cfg->dkim_mailcow_selector : "another selector");
		tv_add(tv, "Publish the key that %s shows for %s, as %s.", cfg->relay_name ? cfg->relay_name : "its "
			"signer",
		       d->name, name);
	}
	free(name);
}
