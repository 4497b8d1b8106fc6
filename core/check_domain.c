/* check_domain: the per-domain checks of MailCow's view of the domain (active, catch-all,
 * relayhost), and the helpers the domain checks share (hashes, DKIM key sizes, MTA-STS mx
 * patterns, the relay's name). The DNS side is check_dns.c. */
#include "core/checks_int.h"
#include "core/dkimkey.h"
#include "core/postfix_relay.h"

#include <ctype.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- helpers ---- */

/* Fetched once: OpenSSL 3 looks an implicit EVP_sha256() up (under locks) on every use. */
static EVP_MD *sha256_md;
static void sha256_fetch(void)
{
	sha256_md = EVP_MD_fetch(NULL, "SHA256", NULL);
}

char *sha256_hex(const char *data, size_t len)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	pthread_once(&once, sha256_fetch);
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;
	if (!EVP_Digest(data, len, md, &n, sha256_md ? sha256_md : EVP_sha256(), NULL))
		return xstrdup("");
	char *out = xmalloc(2 * n + 1);
	for (unsigned i = 0; i < n; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
	return out;
}

int dkim_pubkey_bits(const char *b64, const char **key_type)
{
	const char *kind = NULL;
	int bits = dkim_key_bits(b64, &kind);
	if (key_type)
		*key_type = bits < 0 ? NULL : kind;
	if (bits < 0 || !kind)
		return 0;
	return strcmp(kind, "ed25519") == 0 ? 256 : bits;
}

char *dkim_txt_p(const char *txt)
{
	return tag_value(txt, "p");
}

bool mta_sts_mx_match(const char *pattern, const char *host)
{
	if (!pattern || !host)
		return false;
	size_t pl = strlen(pattern), hl = strlen(host);
	while (pl && pattern[pl - 1] == '.')
		pl--;
	while (hl && host[hl - 1] == '.')
		hl--;
	if (pl >= 2 && pattern[0] == '*' && pattern[1] == '.') {
		/* "*.example.net" covers "mx1.example.net", not "a.b.example.net" nor "example.net" */
		const char *dot = memchr(host, '.', hl);
		if (!dot || dot == host)
			return false;
		size_t rest = hl - (size_t)(dot - host);
		return rest == pl - 1 && strncasecmp(dot, pattern + 1, rest) == 0;
	}
	return pl == hl && strncasecmp(pattern, host, pl) == 0;
}

void bytes_human(long long bytes, char out[32])
{
	if (bytes < 0)
		snprintf(out, 32, "unset");
	else if (bytes >= 1024LL * 1024 * 1024)
		snprintf(out, 32, "%.1f GiB", (double)bytes / (1024.0 * 1024 * 1024));
	else if (bytes >= 1024 * 1024)
		snprintf(out, 32, "%.1f MiB", (double)bytes / (1024.0 * 1024));
	else if (bytes >= 1024)
		snprintf(out, 32, "%.1f KiB", (double)bytes / 1024.0);
	else
		snprintf(out, 32, "%lld B", bytes);
}

bool check_has_relay(const struct config *cfg)
{
	return cfg->relay_name || cfg->relay_mx.n || cfg->relay_spf_include;
}

const char *check_relay_label(const struct config *cfg)
{
	return cfg->relay_name ? cfg->relay_name : "the relay";
}

const char *check_domain_ui(void)
{
	return "MailCow UI: E-Mail > Configuration > Domains";
}

/* ---- MailCow ---- */

void check_domain_active(struct check_ctx *c)
{
	for (size_t i = 0; i < c->s->n_domains; i++) {
		const struct snap_domain *d = &c->s->domains[i];
		if (!d->mc)
			check_emit(c, d->name, STATUS_CRITICAL, xasprintf("%s does not exist in MailCow", d->name),
				   xasprintf("Add it (%s > Add domain, or mcon onboard %s), or drop it from "
					     "domains.include in mcon.conf",
					     check_domain_ui(), d->name));
		else if (!d->mc->active)
			check_emit(c, d->name, STATUS_CRITICAL,
				   xasprintf("%s exists in MailCow but is inactive", d->name),
				   xasprintf("Activate it: %s > %s > Edit > Active", check_domain_ui(), d->name));
		else
			check_emit(c, d->name, STATUS_OK, xasprintf("%s is active in MailCow (%ld mailboxes, %ld "
								    "aliases)", d->name,
								    d->mc->mailboxes, d->mc->aliases), NULL);
	}
}

void check_domain_catchall(struct check_ctx *c)
{
	for (size_t i = 0; i < c->s->n_domains; i++) {
		const struct snap_domain *d = &c->s->domains[i];
		if (!c->cfg->relay_catchall) {
			check_emit(c, d->name, STATUS_OK, xasprintf("no catch-all required for %s (relay.catchall = "
								    "false)", d->name), NULL);
			continue;
		}
		if (c->s->mailcow.aliases_err.failed) {
			check_emit(c, d->name, STATUS_UNKNOWN,
				   xasprintf("MailCow's aliases not read: %s",
					     c->s->mailcow.aliases_err.why ? c->s->mailcow.aliases_err.why : "failed"),
				   xstrdup("GET /api/v1/get/alias/all failed; see mailcow.api"));
			continue;
		}
		const struct mc_alias *found = NULL;
		for (size_t k = 0; k < c->s->mailcow.n_aliases; k++) {
			const struct mc_alias *a = &c->s->mailcow.aliases[k];
			if (!a->address || a->address[0] != '@' || !str_case_eq(a->address + 1, d->name))
				continue;
			if (!found || (a->active && !found->active))
				found = a;
		}
		char *add = xasprintf("Add an active catch-all alias @%s to a mailbox (MailCow UI: E-Mail > "
				      "Configuration > Aliases, "
				      "address @%s; or POST /api/v1/add/alias "
				      "{\"address\":\"@%s\",\"goto\":\"<mailbox>\",\"active\":1}): "
				      "%s's SRS-rewritten senders are refused by reject_unlisted_sender without it",
				      d->name, d->name, d->name, check_relay_label(c->cfg));
		if (!found)
			check_emit(c, d->name, STATUS_CRITICAL,
				   xasprintf("%s has no catch-all alias @%s "
					     "(relay.catchall = true)",
					     d->name, d->name),
				   add);
		else if (!found->active) {
			check_emit(c, d->name, STATUS_CRITICAL,
				   xasprintf("the catch-all alias @%s (id %ld) is inactive", d->name, found->id),
				   xasprintf("Activate alias @%s (id %ld): MailCow UI: E-Mail > Configuration > "
					     "Aliases > Edit > Active",
					     d->name, found->id));
			free(add);
		} else {
			check_emit(c, d->name, STATUS_OK, xasprintf("catch-all @%s is active (goto %s)", d->name,
								    found->goto_addr ? found->goto_addr : "?"), NULL);
			free(add);
		}
	}
}

/* Whether host matches relay.smarthost (else the relay.mx patterns). */
static bool smarthost_match(const struct config *cfg, const char *host)
{
	const struct strv *p = cfg->relay_smarthost.n ? &cfg->relay_smarthost : &cfg->relay_mx;
	if (!p->n)
		return true; /* a relay named without patterns: any relayhost is the relay */
	for (size_t i = 0; i < p->n; i++)
		if (str_glob(p->v[i], host))
			return true;
	return false;
}

/* relay.outbound: the relayhost Postfix would use for the domain — its own active
 * sender-dependent relayhost, else the global relayhost of extra.cf/main.cf — and whether
 * its host matches relay.smarthost. */
void check_relay_outbound(struct check_ctx *c)
{
	const struct config *cfg = c->cfg;
	const struct postfix_relay *g = &c->s->postfix_relay;
	const struct strv *pats = cfg->relay_smarthost.n ? &cfg->relay_smarthost : &cfg->relay_mx;
	char *patterns = pats->n ? strv_join(pats, ", ") : xstrdup("any host");
	for (size_t i = 0; i < c->s->n_domains; i++) {
		const struct snap_domain *d = &c->s->domains[i];
		if (!check_has_relay(cfg)) {
			check_emit(c, d->name, STATUS_OK, xasprintf("no relay configured: %s sends directly", d->name),
				   NULL);
			continue;
		}
		if (c->s->mailcow.relayhosts_err.failed) {
			const char *why = c->s->mailcow.relayhosts_err.why;
			check_emit(c, d->name, STATUS_UNKNOWN,
				   xasprintf("MailCow's relayhosts not read: %s", why ? why : "failed"),
				   xstrdup("GET /api/v1/get/relayhost/all failed; see mailcow.api"));
			continue;
		}
		const char *id = d->mc ? d->mc->relayhost_id : NULL;
		const struct mc_relayhost *rh = NULL;
		if (id && *id && strcmp(id, "0") != 0)
			for (size_t k = 0; k < c->s->mailcow.n_relayhosts; k++)
				if (c->s->mailcow.relayhosts[k].id == strtol(id, NULL, 10))
					rh = &c->s->mailcow.relayhosts[k];
		/* What the domain's own setting says, when it does not decide. */
		char *own = NULL;
		if (!d->mc)
			own = xstrdup("no MailCow domain");
		else if (!id || !*id || strcmp(id, "0") == 0)
			own = xstrdup("no relayhost of its own");
		else if (!rh)
			own = xasprintf("its relayhost %s is not listed by MailCow", id);
		else if (!rh->active)
			own = xasprintf("its relayhost %ld (%s) is inactive", rh->id,
					rh->hostname ? rh->hostname : "?");
		char *via = NULL, *host = NULL;
		if (!own) {
			host = postfix_relay_host(rh->hostname);
			via = xasprintf("relayhost %ld (%s)", rh->id, rh->hostname ? rh->hostname : "?");
		} else if (g->relayhost) {
			host = postfix_relay_host(g->relayhost);
			via = xasprintf("the global relayhost %s (%s)", g->relayhost, g->file ? g->file : "Postfix");
		}
		char *how = rh && !rh->active && !via
			    ? xasprintf("Activate relayhost %ld (%s) under E-Mail > Configuration > Routing", rh->id,
					rh->hostname ? rh->hostname : "?")
			    : xasprintf("Set the relayhost of %s to %s's (host matching %s): %s > %s > Edit > "
					"Relayhost (add it first under E-Mail > Configuration > Routing > "
					"Sender-dependent transports)", d->name, check_relay_label(cfg), patterns,
					check_domain_ui(), d->name);
		if (!via && g->err.failed) {
			check_emit(c, d->name, STATUS_UNKNOWN,
				   xasprintf("%s has %s, and Postfix's relayhost is unknown: %s", d->name, own,
					     g->err.why ? g->err.why : "not read"), how);
		} else if (!via) {
			check_emit(c, d->name, STATUS_WARNING,
				   xasprintf("%s has %s and Postfix has no global relayhost: mail goes direct, not "
					     "through %s", d->name, own, check_relay_label(cfg)), how);
		} else if (!host || !smarthost_match(cfg, host)) {
			check_emit(c, d->name, STATUS_WARNING,
				   xasprintf("%s would send through %s, whose host %s matches none of %s", d->name, via,
					     host ? host : "(empty)", patterns), how);
		} else {
			check_emit(c, d->name, STATUS_OK, xasprintf("%s sends through %s via %s", d->name, host, via),
				   NULL);
			free(how);
		}
		free(own);
		free(via);
		free(host);
	}
	free(patterns);
}
