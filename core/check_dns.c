/* check_dns: the per-domain checks of the domain's DNS: MX, SPF, DMARC, DKIM (the MailCow
 * selector against MailCow's key, and every configured selector), MTA-STS (record and policy)
 * and TLS-RPT. */
#include "core/checks_int.h"
#include "core/dkimkey.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- DNS ---- */

static char *mx_list(const struct dns_answer *a)
{
	struct buf b = {0};
	for (size_t i = 0; i < a->n; i++)
		buf_printf(&b, "%s%s", i ? ", " : "", a->rrs[i].value ? a->rrs[i].value : "?");
	return b.len ? buf_steal(&b) : (buf_free(&b), xstrdup("none"));
}

static char *host_norm(const char *h)
{
	char *s = xstrdup(h ? h : "");
	size_t n = strlen(s);
	while (n && s[n - 1] == '.')
		s[--n] = '\0';
	str_lower(s);
	return s;
}

void check_mx_relay(struct check_ctx *c)
{
	char *host = mailcow_host(c->cfg);
	char *patterns = strv_join(&c->cfg->relay_mx, ", ");
	for (size_t i = 0; i < c->s->n_domains; i++) {
		const struct snap_domain *d = &c->s->domains[i];
		const struct dns_answer *a = &d->dns.mx;
		if (dns_unusable(a)) {
			check_emit(c, d->name, STATUS_UNKNOWN,
				   xasprintf("MX of %s not resolved: %s", d->name, dns_status_name(a->status)),
				   xasprintf("Query failed (%s); check the resolver and the domain's name servers",
					     a->error ? a->error : dns_status_name(a->status)));
			continue;
		}
		char *have = mx_list(a);
		if (a->status != DNS_OK || a->n == 0) {
			check_emit(c, d->name, STATUS_CRITICAL, xasprintf("%s has no MX records", d->name),
				   c->cfg->relay_mx.n
					   ? xasprintf("Publish %s's MX hosts (matching %s) for %s at its DNS host",
						       check_relay_label(c->cfg), patterns, d->name)
					   : xasprintf("Publish at the DNS host of %s: %s. MX 10 %s.", d->name, d->name,
						       host ? host : "<mailcow host>"));
			free(have);
			continue;
		}
		struct strv bad = {0};
		for (size_t k = 0; k < a->n; k++) {
			char *h = host_norm(a->rrs[k].value);
			bool ok = false;
			if (c->cfg->relay_mx.n) {
				for (size_t p = 0; p < c->cfg->relay_mx.n && !ok; p++)
					ok = *h && str_glob(c->cfg->relay_mx.v[p], h);
			} else {
				ok = host && strcmp(h, host) == 0;
			}
			if (!ok)
				strv_push(&bad, *h ? h : ".");
			free(h);
		}
		if (!c->cfg->relay_mx.n && check_has_relay(c->cfg) && c->cfg->relay_name) {
			/* a relay without relay.mx: inbound may go anywhere; say so, do not guess */
			check_emit(c, d->name, STATUS_OK,
				   xasprintf("MX of %s: %s (relay.mx not set, not judged)", d->name, have), NULL);
		} else if (bad.n) {
			char *badl = strv_join(&bad, ", ");
			if (c->cfg->relay_mx.n)
				check_emit(c, d->name, STATUS_CRITICAL,
					   xasprintf("MX of %s: %s; %s match%s none of relay.mx (%s)", d->name, have,
						     badl, bad.n > 1 ? "" : "es", patterns),
					   xasprintf("At the DNS host of %s, replace the MX records %s with %s's MX "
						     "hosts (matching %s), "
						     "so inbound mail is filtered by %s",
						     d->name, badl, check_relay_label(c->cfg), patterns,
						     check_relay_label(c->cfg)));
			else
				check_emit(c, d->name, STATUS_CRITICAL,
					   xasprintf("MX of %s: %s; %s is not the MailCow host %s", d->name, have, badl,
						     host ? host : "(mailcow.url unset)"),
					   xasprintf("At the DNS host of %s publish %s. MX 10 %s. and remove %s",
						     d->name, d->name, host ? host : "<mailcow host>", badl));
			free(badl);
		} else {
			check_emit(c, d->name, STATUS_OK, xasprintf("MX of %s: %s, all match %s", d->name, have,
								    c->cfg->relay_mx.n ? patterns : host), NULL);
		}
		strv_free(&bad);
		free(have);
	}
	free(patterns);
	free(host);
}

static bool spf_includes(const struct spf_eval *e, const char *inc)
{
	for (size_t i = 0; i < e->includes.n; i++) {
		char *a = host_norm(e->includes.v[i]), *b = host_norm(inc);
		bool eq = strcmp(a, b) == 0;
		free(a);
		free(b);
		if (eq)
			return true;
	}
	return false;
}

void check_spf_record(struct check_ctx *c)
{
	const char *inc = c->cfg->relay_spf_include;
	for (size_t i = 0; i < c->s->n_domains; i++) {
		const struct snap_domain *d = &c->s->domains[i];
		const struct spf_eval *e = &d->dns.spf;
		const struct dns_answer *a = &d->dns.apex_txt;
		char *want = inc ? xasprintf("%s. TXT \"v=spf1 include:%s -all\"", d->name, inc)
				 : xasprintf("%s. TXT \"v=spf1 mx -all\"", d->name);
		if (dns_unusable(a)) {
			check_emit(c, d->name, STATUS_UNKNOWN,
				   xasprintf("TXT of %s not resolved: %s", d->name, dns_status_name(a->status)),
				   xasprintf("Query failed (%s); check the resolver and the domain's name servers",
					     a->error ? a->error : dns_status_name(a->status)));
			free(want);
			continue;
		}
		if (e->lookups > c->out->perf.spf_max_lookups)
			c->out->perf.spf_max_lookups = e->lookups;
		if (e->void_lookups > c->out->perf.spf_max_void)
			c->out->perf.spf_max_void = e->void_lookups;
		if (e->records == 0) {
			check_emit(c, d->name, STATUS_CRITICAL, xasprintf("%s has no SPF record (v=spf1)", d->name),
				   xasprintf("Publish at the DNS host of %s: %s", d->name, want));
		} else if (e->records > 1) {
			check_emit(c, d->name, STATUS_CRITICAL, xasprintf("%s has %d SPF records (receivers treat "
									  "that as permerror)", d->name, e->records),
				   xasprintf("Merge them into one TXT record at %s, e.g. %s", d->name, want));
		} else if (inc && !spf_includes(e, inc)) {
			check_emit(c, d->name, STATUS_CRITICAL,
				   xasprintf("SPF of %s does not include %s: \"%s\"", d->name, inc,
					     e->record ? e->record : ""),
				   xasprintf("Add include:%s to the SPF record of %s (before the all term), e.g. %s",
					     inc, d->name, want));
		} else if (e->lookups > 10) {
			check_emit(c, d->name, STATUS_CRITICAL,
				   xasprintf("SPF of %s needs %d DNS lookups, more than 10 (permerror)", d->name,
					     e->lookups),
				   xasprintf("Flatten the SPF record of %s: drop unused include/a/mx/ptr/exists "
					     "terms or replace them with ip4:/ip6:",
					     d->name));
		} else if (e->void_lookups > 2) {
			check_emit(c, d->name, STATUS_CRITICAL,
				   xasprintf("SPF of %s has %d void lookups, more than 2 (permerror)", d->name,
					     e->void_lookups),
				   xasprintf("Remove the terms of the SPF record of %s whose names do not resolve",
					     d->name));
		} else if (e->error) {
			bool transient = strstr(e->error, "timeout") || strstr(e->error, "timed out") ||
				strstr(e->error, "SERVFAIL");
			check_emit(c, d->name, transient ? STATUS_UNKNOWN : STATUS_CRITICAL,
				   xasprintf("SPF of %s could not be evaluated: %s", d->name, e->error),
				   xasprintf("Fix the SPF record of %s: \"%s\"", d->name, e->record ? e->record : ""));
		} else {
			check_emit(c, d->name, STATUS_OK,
				   xasprintf("one SPF record%s%s, %d/10 lookups, %d/2 void: \"%s\"",
					     inc ? ", includes " : "", inc ? inc : "", e->lookups, e->void_lookups,
					     e->record ? e->record : ""),
				   NULL);
		}
		free(want);
	}
}

void check_dmarc_record(struct check_ctx *c)
{
	for (size_t i = 0; i < c->s->n_domains; i++) {
		const struct snap_domain *d = &c->s->domains[i];
		const struct dns_answer *a = &d->dns.dmarc;
		char *want = xasprintf("_dmarc.%s. TXT \"v=DMARC1; p=quarantine; rua=mailto:postmaster@%s\"", d->name,
				       d->name);
		const char *rec;
		if (dns_unusable(a)) {
			check_emit(c, d->name, STATUS_UNKNOWN,
				   xasprintf("_dmarc.%s not resolved: %s", d->name, dns_status_name(a->status)),
				   xasprintf("Query failed (%s); check the resolver",
					     a->error ? a->error : dns_status_name(a->status)));
			free(want);
			continue;
		}
		size_t n = txt_count(a, "v=DMARC1", &rec);
		if (n == 0) {
			check_emit(c, d->name, STATUS_CRITICAL,
				   xasprintf("%s has no DMARC record at _dmarc.%s", d->name, d->name),
				   xasprintf("Publish at the DNS host of %s: %s", d->name, want));
		} else if (n > 1) {
			check_emit(c, d->name, STATUS_CRITICAL, xasprintf("%s has %zu DMARC records (receivers then "
									  "ignore DMARC)", d->name, n),
				   xasprintf("Keep exactly one TXT record at _dmarc.%s, e.g. %s", d->name, want));
		} else {
			char *p = tag_value(rec, "p");
			if (p)
				str_lower(p);
			if (!p || (strcmp(p, "none") != 0 && strcmp(p, "quarantine") != 0 && strcmp(p, "reject") != 0))
				check_emit(c, d->name, STATUS_CRITICAL, xasprintf("DMARC of %s has no valid p= tag: "
					"\"%s\"", d->name, rec),
					   xasprintf("Replace it with e.g. %s", want));
			else if (strcmp(p, "none") == 0)
				check_emit(c, d->name, STATUS_WARNING, xasprintf("DMARC of %s is p=none (monitoring "
					"only): \"%s\"", d->name, rec),
					   xasprintf("Once the reports show only your senders, tighten it to "
						     "p=quarantine, then p=reject: %s", want));
			else
				check_emit(c, d->name, STATUS_OK, xasprintf("DMARC of %s is p=%s", d->name, p), NULL);
			free(p);
		}
		free(want);
	}
}

static const struct dns_answer *dkim_answer(const struct snap_domain *d, const struct config *cfg, const char *sel)
{
	size_t sl = strlen(sel);
	for (size_t i = 0; i < d->dns.n_dkim; i++) {
		const char *n = d->dns.dkim[i].name;
		if (n && strncasecmp(n, sel, sl) == 0 && strncasecmp(n + sl, "._domainkey.", 12) == 0)
			return &d->dns.dkim[i];
	}
	for (size_t i = 0; i < cfg->dkim_selectors.n && i < d->dns.n_dkim; i++)
		if (strcmp(cfg->dkim_selectors.v[i], sel) == 0 && !d->dns.dkim[i].name)
			return &d->dns.dkim[i];
	return NULL;
}

/* The first TXT at a DKIM name that carries a p= tag; *count gets how many do. */
static const char *dkim_record(const struct dns_answer *a, size_t *count)
{
	const char *first = NULL;
	*count = 0;
	if (!a || a->status != DNS_OK)
		return NULL;
	for (size_t i = 0; i < a->n; i++) {
		char *p = tag_value(a->rrs[i].value, "p");
		if (p) {
			if (!first)
				first = a->rrs[i].value;
			(*count)++;
		}
		free(p);
	}
	return first;
}

/* Whether a ':'-separated flag list (a DKIM t= value) holds flag, case-insensitive. Reads the
 * list in place: the checks of one run may execute on several threads at once. */
static bool flag_list_has(const char *list, const char *flag)
{
	size_t flen = strlen(flag);
	for (const char *p = list; *p; ) {
		size_t n = strcspn(p, ":");
		if (n == flen && strncasecmp(p, flag, n) == 0)
			return true;
		p += n;
		if (*p == ':')
			p++;
	}
	return false;
}

static char *short_hash(const char *s)
{
	char *h = sha256_hex(s, strlen(s));
	h[12] = '\0';
	return h;
}

void check_dkim_mailcow(struct check_ctx *c)
{
	const char *sel = c->cfg->dkim_mailcow_selector ? c->cfg->dkim_mailcow_selector : "dkim";
	for (size_t i = 0; i < c->s->n_domains; i++) {
		const struct snap_domain *d = &c->s->domains[i];
		const struct mc_dkim *k = &d->dkim;
		if (k->err.failed) {
			check_emit(c, d->name, STATUS_UNKNOWN,
				   xasprintf("MailCow's DKIM key for %s not read: %s", d->name,
					     k->err.why ? k->err.why : "failed"),
				   xstrdup("See mailcow.api"));
			continue;
		}
		if (!k->present || !k->pubkey) {
			check_emit(c, d->name, STATUS_CRITICAL, xasprintf("MailCow holds no DKIM key for %s", d->name),
				   xasprintf("Create one with selector %s: MailCow UI: System > Configuration > "
					     "Options > ARC/DKIM keys "
					     "(2048 bits), or POST /api/v1/add/dkim "
					     "{\"domains\":\"%s\",\"dkim_selector\":\"%s\",\"key_size\":2048}; "
					     "then publish its TXT record", sel, d->name, sel));
			continue;
		}
		if (k->selector && strcmp(k->selector, sel) != 0) {
			check_emit(
				c, d->name, STATUS_CRITICAL,
				xasprintf("MailCow signs %s with selector %s, configured dkim.mailcow_selector is %s",
					  d->name, k->selector, sel),
				xasprintf("Either set dkim.mailcow_selector = %s (and list it in dkim.selectors) "
					  "in mcon.conf, or re-create "
					  "the key of %s with selector %s in MailCow (ARC/DKIM keys) and publish it",
					  k->selector, d->name, sel));
			continue;
		}
		const struct dns_answer *a = dkim_answer(d, c->cfg, sel);
		char *txt = k->txt ? xstrdup(k->txt) : xasprintf("v=DKIM1;k=rsa;t=s;s=email;p=%s", k->pubkey);
		char *publish = xasprintf("Publish at the DNS host of %s: %s._domainkey.%s. TXT \"%s\" (split into "
					  "255-character strings)",
					  d->name, sel, d->name, txt);
		if (!a || a->status == DNS_NOT_ASKED) {
			check_emit(c, d->name, STATUS_UNKNOWN,
				   xasprintf("%s._domainkey.%s was not queried", sel, d->name),
				   xstrdup("Check that dkim.mailcow_selector is listed in dkim.selectors"));
		} else if (dns_unusable(a)) {
			check_emit(c, d->name, STATUS_UNKNOWN,
				   xasprintf("%s._domainkey.%s not resolved: %s", sel, d->name,
					     dns_status_name(a->status)),
				   xasprintf("Query failed (%s); check the resolver",
					     a->error ? a->error : dns_status_name(a->status)));
		} else {
			size_t n;
			const char *rec = dkim_record(a, &n);
			char *dns_p = rec ? dkim_txt_p(rec) : NULL;
			struct buf want = {0};
			for (const char *p = k->pubkey; *p; p++)
				if (!isspace((unsigned char)*p))
					buf_putc(&want, *p);
			char *mc_p = want.len ? buf_steal(&want) : (buf_free(&want), xstrdup(""));
			if (!rec) {
				check_emit(c, d->name, STATUS_CRITICAL, xasprintf("%s._domainkey.%s is not "
					"published (MailCow signs with it)", sel, d->name),
					   xstrdup(publish));
			} else if (strcmp(dns_p, mc_p) != 0) {
				char *h1 = short_hash(dns_p), *h2 = short_hash(mc_p);
				check_emit(c, d->name, STATUS_CRITICAL,
					   xasprintf("%s._domainkey.%s p= differs from MailCow's key (DNS sha256 "
						     "%s, MailCow sha256 %s)",
						     sel, d->name, *dns_p ? h1 : "(empty)", h2),
					   xasprintf("Replace the record: %s", publish));
				free(h1);
				free(h2);
			} else {
				char *h = short_hash(mc_p);
				check_emit(c, d->name, STATUS_OK, xasprintf("%s._domainkey.%s matches MailCow's key "
									    "(sha256 %s, %d bits)", sel,
									    d->name, h, k->bits), NULL);
				free(h);
			}
			free(dns_p);
			free(mc_p);
		}
		free(publish);
		free(txt);
	}
}

void check_dkim_selector(struct check_ctx *c)
{
	long min = c->cfg->dkim_min_bits;
	for (size_t i = 0; i < c->s->n_domains; i++) {
		const struct snap_domain *d = &c->s->domains[i];
		for (size_t s = 0; s < c->cfg->dkim_selectors.n; s++) {
			const char *sel = c->cfg->dkim_selectors.v[s];
			char *target = xasprintf("%s/%s", d->name, sel);
			char *name = xasprintf("%s._domainkey.%s", sel, d->name);
			bool is_mc = c->cfg->dkim_mailcow_selector && strcmp(sel, c->cfg->dkim_mailcow_selector) == 0;
			char *publish = is_mc && d->dkim.present && d->dkim.txt
				? xasprintf("Publish MailCow's key at the DNS host of %s: %s. TXT \"%s\"", d->name,
					    name, d->dkim.txt)
				: is_mc
				? xasprintf("Create the key in MailCow (ARC/DKIM keys, selector %s, 2048 "
					    "bits) and publish %s. TXT \"v=DKIM1; k=rsa; p=<key>\"",
					    sel, name)
				: xasprintf("Publish the key the sending service gives you for selector %s (e.g. "
					    "%s's DKIM page) as %s. TXT \"v=DKIM1; k=rsa; p=<key>\", 2048 bits or more",
					    sel,
					    sel && strcmp(sel, "mxroute") == 0 ? "MXRoute" : check_relay_label(c->cfg),
					    name);
			const struct dns_answer *a = dkim_answer(d, c->cfg, sel);
			size_t n = 0;
			const char *rec = a ? dkim_record(a, &n) : NULL;
			if (!a || a->status == DNS_NOT_ASKED) {
				check_emit(c, target, STATUS_UNKNOWN, xasprintf("%s was not queried", name),
					   xstrdup("A collector problem: run mcon snapshot --json"));
			} else if (dns_unusable(a)) {
				check_emit(c, target, STATUS_UNKNOWN,
					   xasprintf("%s not resolved: %s", name, dns_status_name(a->status)),
					   xasprintf("Query failed (%s); check the resolver",
						     a->error ? a->error : dns_status_name(a->status)));
			} else if (!rec) {
				check_emit(
					c, target, STATUS_CRITICAL,
					xasprintf("%s is not published (%s)", name,
						  a->status == DNS_OK ? "TXT without p=" : dns_status_name(a->status)),
					xstrdup(publish));
			} else {
				char *v = tag_value(rec, "v"), *k = tag_value(rec, "k"), *t = tag_value(rec, "t"),
				     *p = tag_value(rec, "p");
				bool testing = t && flag_list_has(t, "y");
				const char *ktype = NULL;
				int bits = p && *p ? dkim_pubkey_bits(p, &ktype) : 0;
				bool ed = k && str_case_eq(k, "ed25519");
				if (v && !str_case_eq(v, "DKIM1")) {
					check_emit(c, target, STATUS_CRITICAL,
						   xasprintf("%s has v=%s, not DKIM1", name, v), xstrdup(publish));
				} else if (k && !str_case_eq(k, "rsa") && !ed) {
					check_emit(c, target, STATUS_CRITICAL,
						   xasprintf("%s has unknown key type k=%s", name, k),
						   xstrdup(publish));
				} else if (!p || !*p) {
					check_emit(c, target, STATUS_CRITICAL, xasprintf("%s has an empty p= (key "
						"revoked)", name), xstrdup(publish));
				} else if (!ed && bits == 0) {
					check_emit(c, target, STATUS_CRITICAL, xasprintf("%s p= is not a valid RSA "
						"public key", name), xstrdup(publish));
				} else if (!ed && bits < 1024) {
					check_emit(c, target, STATUS_CRITICAL, xasprintf("%s is a %d-bit key, under "
						"1024 bits (verifiers ignore it)", name, bits),
						   xasprintf("Rotate to a 2048-bit key: %s", publish));
				} else if (testing) {
					check_emit(
						c, target, STATUS_WARNING,
						xasprintf("%s is in test mode (t=y): "
							  "verifiers treat its signatures as unsigned",
							  name),
						xasprintf("Remove y from the t= tag of %s once signing works", name));
				} else if (!ed && bits < min) {
					check_emit(c, target, STATUS_WARNING,
						   xasprintf("%s is a %d-bit key, under "
							     "dkim.min_bits %ld",
							     name, bits, min),
						   xasprintf("Rotate to a %ld-bit key: %s", min < 2048 ? 2048 : min,
							     publish));
				} else if (n > 1) {
					check_emit(c, target, STATUS_WARNING, xasprintf("%s has %zu DKIM records; "
						"verifiers may pick either", name, n),
						   xasprintf("Keep exactly one TXT record at %s", name));
				} else {
					check_emit(c, target, STATUS_OK,
						   ed ? xasprintf("%s: DKIM1 ed25519 key", name)
						      : xasprintf("%s: DKIM1 rsa %d bits (min %ld)", name, bits, min),
						   NULL);
				}
				if (!ed && bits > 0 &&
				    (c->out->perf.dkim_min_bits < 0 || bits < c->out->perf.dkim_min_bits))
					c->out->perf.dkim_min_bits = bits;
				free(v);
				free(k);
				free(t);
				free(p);
			}
			free(publish);
			free(name);
			free(target);
		}
	}
}

void check_mta_sts_record(struct check_ctx *c)
{
	for (size_t i = 0; i < c->s->n_domains; i++) {
		const struct snap_domain *d = &c->s->domains[i];
		const struct dns_answer *a = &d->dns.mta_sts_txt;
		char *want = xasprintf("_mta-sts.%s. TXT \"v=STSv1; id=<YYYYmmddHHMMSS>\" (the id MailCow shows for "
				       "the domain's MTA-STS policy; "
				       "change it whenever the policy changes)", d->name);
		const char *rec;
		if (dns_unusable(a)) {
			check_emit(c, d->name, STATUS_UNKNOWN,
				   xasprintf("_mta-sts.%s not resolved: %s", d->name, dns_status_name(a->status)),
				   xasprintf("Query failed (%s); check the resolver",
					     a->error ? a->error : dns_status_name(a->status)));
			free(want);
			continue;
		}
		size_t n = txt_count(a, "v=STSv1", &rec);
		if (n == 0) {
			check_emit(c, d->name, STATUS_WARNING,
				   xasprintf("%s publishes no MTA-STS record at _mta-sts.%s", d->name, d->name),
				   xasprintf("Set up MTA-STS in %s > %s > Edit > MTA-STS, then publish %s and "
					     "mta-sts.%s CNAME to the MailCow host",
					     check_domain_ui(), d->name, want, d->name));
		} else if (n > 1) {
			check_emit(c, d->name, STATUS_CRITICAL, xasprintf("%s has %zu MTA-STS records (senders then "
									  "ignore MTA-STS)", d->name, n),
				   xasprintf("Keep exactly one: %s", want));
		} else {
			char *id = tag_value(rec, "id");
			bool valid = id && *id && strlen(id) <= 32;
			for (const char *p = id; valid && *p; p++)
				valid = isalnum((unsigned char)*p);
			if (!valid)
				check_emit(c, d->name, STATUS_CRITICAL, xasprintf("MTA-STS record of %s has no "
					"valid id (1-32 letters or digits): \"%s\"", d->name, rec),
					   xasprintf("Publish %s", want));
			else
				check_emit(c, d->name, STATUS_OK, xasprintf("_mta-sts.%s: v=STSv1 id=%s", d->name, id),
					   NULL);
			free(id);
		}
		free(want);
	}
}

void check_mta_sts_policy(struct check_ctx *c)
{
	for (size_t i = 0; i < c->s->n_domains; i++) {
		const struct snap_domain *d = &c->s->domains[i];
		const struct mta_sts_policy *pol = &d->policy;
		const char *rec;
		char *url = xasprintf("https://mta-sts.%s/.well-known/mta-sts.txt", d->name);
		char *edit = xasprintf("%s > %s > Edit > MTA-STS", check_domain_ui(), d->name);
		bool has_txt =
			d->dns.mta_sts_txt.status == DNS_OK && txt_count(&d->dns.mta_sts_txt, "v=STSv1", &rec) > 0;
		const struct dns_answer *host = &d->dns.mta_sts_host;
		if (!pol->fetched && !has_txt && !dns_unusable(&d->dns.mta_sts_txt) &&
		    (!pol->err.failed || pol->http_status == 404 || host->status == DNS_NXDOMAIN ||
		     host->status == DNS_NODATA)) {
			check_emit(c, d->name, STATUS_WARNING,
				   xasprintf("%s serves no MTA-STS policy (%s)", d->name, url),
				   xasprintf("Set up MTA-STS in %s (mode enforce, mx: the MX hosts), point "
					     "mta-sts.%s CNAME at the MailCow "
					     "host with a certificate for it, and publish _mta-sts.%s TXT "
					     "\"v=STSv1; id=<id>\"",
					     edit, d->name, d->name));
		} else if (!pol->fetched && (dns_unusable(host) || dns_unusable(&d->dns.mta_sts_txt))) {
			const struct dns_answer *bad = dns_unusable(host) ? host : &d->dns.mta_sts_txt;
			check_emit(c, d->name, STATUS_UNKNOWN,
				   xasprintf("%s not resolved: %s", bad->name ? bad->name : "mta-sts",
					     dns_status_name(bad->status)),
				   xstrdup("Query failed; check the resolver"));
		} else if (!pol->fetched || pol->err.failed) {
			check_emit(c, d->name, STATUS_CRITICAL,
				   pol->http_status && pol->http_status != 200
					   ? xasprintf("MTA-STS policy of %s not served: HTTP %ld from %s", d->name,
						       pol->http_status, url)
					   : xasprintf("MTA-STS policy of %s not served: %s", d->name,
						       pol->err.why ? pol->err.why : "no answer"),
				   xasprintf("%s must answer with a certificate valid for mta-sts.%s: the reverse "
					     "proxy must route mta-sts.%s "
					     "to nginx-mailcow keeping the Host header, and the policy must be "
					     "active in %s",
					     url, d->name, d->name, edit));
		} else {
			struct buf problems = {0};
			enum status st = STATUS_OK;
			if (!pol->version || strcmp(pol->version, "STSv1") != 0) {
				buf_printf(&problems, "version is %s, not STSv1; ",
					   pol->version ? pol->version : "missing");
				st = STATUS_CRITICAL;
			}
			bool mode_ok = pol->mode &&
				(!strcmp(pol->mode, "enforce") || !strcmp(pol->mode, "testing") ||
				 !strcmp(pol->mode, "none"));
			if (!mode_ok) {
				buf_printf(&problems, "mode is %s; ", pol->mode ? pol->mode : "missing");
				st = STATUS_CRITICAL;
			}
			if (pol->max_age < 0) {
				buf_puts(&problems, "max_age is missing; ");
				st = STATUS_CRITICAL;
			}
			struct strv unmatched = {0};
			bool mx_known = d->dns.mx.status == DNS_OK;
			if (mx_known)
				for (size_t k = 0; k < d->dns.mx.n; k++) {
					bool m = false;
					for (size_t p = 0; p < pol->mx.n && !m; p++)
						m = mta_sts_mx_match(pol->mx.v[p], d->dns.mx.rrs[k].value);
					if (!m)
						strv_push(&unmatched,
							  d->dns.mx.rrs[k].value ? d->dns.mx.rrs[k].value : "?");
				}
			char *mxl = pol->mx.n ? strv_join(&pol->mx, ", ") : xstrdup("none");
			char *live = mx_list(&d->dns.mx);
			if (unmatched.n && !(pol->mode && strcmp(pol->mode, "none") == 0)) {
				char *u = strv_join(&unmatched, ", ");
				buf_printf(&problems, "MX %s match%s no mx: line (mx: %s); ", u,
					   unmatched.n > 1 ? "" : "es", mxl);
				st = STATUS_CRITICAL;
				free(u);
			}
			if (st == STATUS_OK && mode_ok && strcmp(pol->mode, "enforce") != 0) {
				buf_printf(&problems, "mode is %s, not enforce; ", pol->mode);
				st = STATUS_WARNING;
			}
			if (problems.len >= 2)
				problems.data[problems.len -= 2] = '\0';
			if (st == STATUS_OK) {
				check_emit(c, d->name, STATUS_OK,
					   xasprintf("MTA-STS policy of %s: mode %s, max_age "
						     "%ld, mx: %s covers MX %s",
						     d->name, pol->mode, pol->max_age, mxl,
						     mx_known ? live : "(MX not resolved)"),
					   NULL);
			} else {
				check_emit(
					c, d->name, st,
					xasprintf("MTA-STS policy of %s: %s", d->name, buf_cstr(&problems)),
					unmatched.n
						? xasprintf("In %s set mx to cover every MX host (%s; a wildcard "
							    "*.example.net covers one label), "
							    "then publish the new id in _mta-sts.%s TXT",
							    edit, live, d->name)
						: xasprintf("In %s set mode enforce (once TLS-RPT reports are clean), "
							    "then publish the new id in _mta-sts.%s TXT",
							    edit, d->name));
			}
			buf_free(&problems);
			strv_free(&unmatched);
			free(mxl);
			free(live);
		}
		free(url);
		free(edit);
	}
}

void check_tls_rpt_record(struct check_ctx *c)
{
	for (size_t i = 0; i < c->s->n_domains; i++) {
		const struct snap_domain *d = &c->s->domains[i];
		const struct dns_answer *a = &d->dns.tls_rpt;
		char *want = xasprintf("_smtp._tls.%s. TXT \"v=TLSRPTv1; rua=mailto:tlsrpt@%s\"", d->name, d->name);
		const char *rec;
		if (dns_unusable(a)) {
			check_emit(c, d->name, STATUS_UNKNOWN,
				   xasprintf("_smtp._tls.%s not resolved: %s", d->name, dns_status_name(a->status)),
				   xasprintf("Query failed (%s); check the resolver",
					     a->error ? a->error : dns_status_name(a->status)));
			free(want);
			continue;
		}
		size_t n = txt_count(a, "v=TLSRPTv1", &rec);
		char *rua = n == 1 ? tag_value(rec, "rua") : NULL;
		if (n == 0)
			check_emit(c, d->name, STATUS_WARNING, xasprintf("%s publishes no TLS-RPT record at "
									 "_smtp._tls.%s", d->name, d->name),
				   xasprintf("Publish at the DNS host of %s: %s", d->name, want));
		else if (n > 1)
			check_emit(c, d->name, STATUS_WARNING, xasprintf("%s has %zu TLS-RPT records (senders then "
									 "send no reports)", d->name, n),
				   xasprintf("Keep exactly one: %s", want));
		else if (!rua || !*rua)
			check_emit(c, d->name, STATUS_WARNING,
				   xasprintf("TLS-RPT record of %s has no rua=: \"%s\"", d->name, rec),
				   xasprintf("Publish %s", want));
		else
			check_emit(c, d->name, STATUS_OK, xasprintf("TLS-RPT of %s reports to %s", d->name, rua), NULL);
		free(rua);
		free(want);
	}
}
