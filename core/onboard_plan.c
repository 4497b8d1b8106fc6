/* onboard_plan: the walkthrough as text: the zone lines to publish, each step described,
 * and the whole plan printed before anything is written. */
#include "core/onboard_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/sanitize.h"

/* ---- Text ---- */

static void put_text(struct onboard *ob, const char *text, const char *indent, struct buf *out)
{
	buf_puts(out, indent);
	for (const char *p = text; *p; p++) {
		if (*p == '{') {
			const char *e = strchr(p, '}');
			if (e) {
				size_t n = (size_t)(e - p - 1);
				const char *v = NULL;
				if (n == 6 && !strncmp(p + 1, "domain", n))
					v = ob->domain;
				else if (n == 5 && !strncmp(p + 1, "relay", n))
					v = ob_relay_name(ob);
				else if (n == 14 && !strncmp(p + 1, "relay_selector", n))
					v = ob->relay_selector ? ob->relay_selector : "(none configured)";
				else if (n == 16 && !strncmp(p + 1, "mailcow_selector", n))
					v = ob_msel(ob);
				else if (n == 12 && !strncmp(p + 1, "mailcow_host", n))
					v = ob->mailcow_host;
				if (v) {
					buf_puts(out, v);
					p = e;
					continue;
				}
			}
		}
		buf_putc(out, *p);
		if (*p == '\n')
			buf_puts(out, indent);
	}
	buf_putc(out, '\n');
}

static void want_relay_mx(struct onboard *ob)
{
	if (ob->mx.n || !ob->cfg->relay_name || !ob->be->relay_mx_hosts)
		return;
	char *err = NULL;
	struct strv hosts = {0};
	if (ob->be->relay_mx_hosts(ob->be_ud, ob->domain, &hosts, &err) == OB_RC_OK && hosts.n) {
		for (size_t i = 0; i < hosts.n; i++) {
			char *h = sanitize_line(hosts.v[i], SIZE_MAX);
			strv_push_owned(&ob->mx, h);
		}
		ob->mx_source = xstrdup("the live MX of a domain already behind the relay");
	}
	strv_free(&hosts);
	free(err);
}

void onboard_zone_lines(struct onboard *ob, struct buf *out)
{
	const char *d = ob->domain;
	want_relay_mx(ob);
	if (ob->cfg->relay_name) {
		if (ob->mx.n) {
			buf_printf(out, "; MX hosts from %s\n", ob->mx_source ? ob->mx_source : "--mx");
			for (size_t i = 0; i < ob->mx.n; i++)
				buf_printf(out, "%s. %d IN MX %zu %s.\n", d, OB_TTL, (i + 1) * 10, ob->mx.v[i]);
		} else {
			char *pat = strv_join(&ob->cfg->relay_mx, " or ");
			buf_printf(out,
				   "; no concrete %s MX host known: pass --mx HOST (repeatable), one matching %s\n",
				   ob_relay_name(ob), *pat ? pat : "relay.mx");
			buf_printf(out, "%s. %d IN MX 10 <%s MX host>.\n", d, OB_TTL, ob_relay_name(ob));
			free(pat);
		}
	} else if (ob_host_is_ip(ob->mailcow_host)) {
		buf_printf(out, "%s. %d IN MX 10 <the MailCow host name>.\n", d, OB_TTL);
	} else {
		buf_printf(out, "%s. %d IN MX 10 %s.\n", d, OB_TTL, ob->mailcow_host);
	}
	if (ob->cfg->relay_spf_include)
		buf_printf(out, "%s. %d IN TXT \"v=spf1 include:%s -all\"\n", d, OB_TTL, ob->cfg->relay_spf_include);
	else
		buf_printf(out, "%s. %d IN TXT \"v=spf1 mx -all\"\n", d, OB_TTL);
	if (ob->dkim.present && ob->dkim.txt) {
		char *t = sanitize_line(ob->dkim.txt, SIZE_MAX), *q = onboard_txt_quote(t);
		buf_printf(out, "%s._domainkey.%s. %d IN TXT %s\n", ob_msel(ob), d, OB_TTL, q);
		free(t);
		free(q);
	} else {
		buf_printf(out, "%s._domainkey.%s. %d IN TXT \"<the key MailCow generates at step b, shown at step "
				"d>\"\n",
		           ob_msel(ob), d, OB_TTL);
	}
	if (ob->relay_selector)
		buf_printf(out, "%s._domainkey.%s. %d IN TXT \"<the DKIM record %s shows for selector %s>\"\n",
		           ob->relay_selector, d, OB_TTL, ob_relay_name(ob), ob->relay_selector);
	buf_printf(out, "_dmarc.%s. %d IN TXT \"v=DMARC1; p=quarantine; rua=mailto:postmaster@%s\"\n", d, OB_TTL, d);
	buf_printf(out, "_mta-sts.%s. %d IN TXT \"v=STSv1; id=%s\"\n", d, OB_TTL, ob->sts_id);
	/* mailcow.url by address (a lab): the policy host gets the address itself */
	int ip = ob_host_is_ip(ob->mailcow_host);
	if (ip)
		buf_printf(out, "mta-sts.%s. %d IN %s %s\n", d, OB_TTL, ip == 4 ? "A" : "AAAA", ob->mailcow_host);
	else
		buf_printf(out, "mta-sts.%s. %d IN CNAME %s.\n", d, OB_TTL, ob->mailcow_host);
	buf_printf(out, "_smtp._tls.%s. %d IN TXT \"v=TLSRPTv1; rua=mailto:postmaster@%s\"\n", d, OB_TTL, d);
}

void onboard_step_describe(struct onboard *ob, size_t i, struct buf *out)
{
	const struct onboard_step_def *def = &ob->steps.v[i];
	const char *d = ob->domain;
	put_text(ob, def->text, "  ", out);
	switch (def->action) {
	case OB_ACT_PREFLIGHT:
		if (strcmp(ob->display, ob->domain) != 0)
			buf_printf(out, "  -> %s is written %s in DNS and MailCow\n", ob->display, ob->domain);
		buf_printf(out, "  -> MailCow: %s\n", ob->domain_exists ? "the domain exists: it will be adopted"
		                                                     : "the domain is not there yet");
		break;
	case OB_ACT_ADD_DOMAIN:
		if (ob->domain_exists)
			buf_puts(out, "  -> exists: adopted, nothing written\n");
		else
			buf_printf(out,
				   "  -> add/domain "
				   "{\"domain\":\"%s\",\"active\":1,\"dkim_selector\":\"%s\",\"key_size\":%d%s}%s\n",
				   d, ob_msel(ob), OB_KEY_BITS, ob->restart_sogo ? ",\"restart_sogo\":1" : "",
				   ob->restart_sogo ? ": MailCow then restarts the sogo-mailcow container" : "");
		break;
	case OB_ACT_ADD_ALIAS_CATCHALL:
		if (!ob->cfg->relay_catchall)
			buf_puts(out, "  -> skipped: relay.catchall is off\n");
		else
			buf_printf(out, "  -> add/alias "
					"{\"address\":\"@%s\",\"goto\":\"%s\",\"active\":1,\"sender_allowed\":1}"
			           " unless an active catch-all exists\n",
			           d, ob->catchall_to ? ob->catchall_to : "<the mailbox you choose: --catchall-to "
									  "ADDRESS>");
		break;
	case OB_ACT_ENSURE_DKIM:
		if (ob->dkim.present) {
			char *s = sanitize_line(ob->dkim.selector, SIZE_MAX);
			buf_printf(out, "  -> MailCow holds a %d-bit key with selector %s%s\n", ob->dkim.bits, s,
			           strcmp(s, ob_msel(ob)) ? ": NOT the configured selector" : "");
			free(s);
		} else {
			buf_printf(out, "  -> add/dkim "
					"{\"domains\":\"%s\",\"dkim_selector\":\"%s\",\"key_size\":%d} if "
					"add/domain made none\n",
			           d, ob_msel(ob), OB_KEY_BITS);
		}
		break;
	case OB_ACT_MANUAL_RELAY:
		buf_printf(out, "  -> manual: at %s, add %s and copy the DKIM record for selector %s\n",
			   ob_relay_name(ob), d, ob->relay_selector ? ob->relay_selector : "(none configured)");
		break;
	case OB_ACT_DNS_PUBLISH: {
		struct buf z = {0};
		onboard_zone_lines(ob, &z);
		buf_puts(out, "\n");
		for (char *sv = NULL, *line = strtok_r(z.data, "\n", &sv); line; line = strtok_r(NULL, "\n", &sv))
			buf_printf(out, "    %s\n", line);
		buf_free(&z);
		break;
	}
	case OB_ACT_ADD_MTA_STS: {
		char *mx = ob_sts_mx(ob);
		buf_printf(out,
			   "  -> add/mta-sts {\"domain\":\"%s\",\"version\":\"stsv1\",\"mode\":\"testing\","
			   "\"mx\":\"%s\",\"max_age\":%ld,\"active\":1}\n",
			   d, mx, OB_STS_MAX_AGE);
		free(mx);
		break;
	}
	case OB_ACT_VERIFY: {
		char *v = strv_join(&def->verify, ", ");
		buf_printf(out, "  -> checks: %s\n", v);
		free(v);
		break;
	}
	case OB_ACT_MTA_STS_ENFORCE:
		buf_printf(out, "  -> edit/mta-sts "
				"{\"items\":[\"%s\"],\"attr\":{\"version\":\"stsv1\",\"mode\":\"enforce\","
		           "\"active\":1}} once every check passes\n", d);
		break;
	case OB_ACT__COUNT:
		break;
	}
}

void onboard_step_header(const struct onboard *ob, size_t i, struct buf *out)
{
	const struct onboard_step_run *r = &ob->run[i];
	buf_printf(out, "Step %c (%zu of %zu): %s [%s%s]", r->def->letter, i + 1, ob->steps.n, r->def->title,
	           onboard_state_name(r->state), r->def->writes ? ", writes" : "");
}

void onboard_plan(struct onboard *ob, struct buf *out)
{
	char *err = NULL;
	bool exists = false, active = false;
	bool reachable = ob->be->domain_get(ob->be_ud, ob->domain, &exists, &active, &err) == OB_RC_OK;
	if (reachable) {
		ob->domain_exists = exists;
		if (exists) {
			ob_dkim_clear(&ob->dkim);
			if (ob->be->dkim_get(ob->be_ud, ob->domain, &ob->dkim, &err) != OB_RC_OK) {
				ob_dkim_clear(&ob->dkim);
				free(err);
				err = NULL;
			}
		}
	}
	buf_printf(out, "Onboarding %s", ob->domain);
	if (strcmp(ob->display, ob->domain) != 0)
		buf_printf(out, " (%s)", ob->display);
	buf_printf(out, ": %zu steps, relay %s, MailCow host %s\n", ob->steps.n, ob_relay_name(ob), ob->mailcow_host);
	if (!reachable) {
		char *e = sanitize_line(err, SIZE_MAX);
		buf_printf(out, "MailCow could not be read (%s): the plan assumes a new domain\n", e);
		free(e);
	}
	free(err);
	if (ob->onboarded)
		buf_puts(out, "Already onboarded.\n");
	for (size_t i = 0; i < ob->steps.n; i++) {
		const struct onboard_step_run *r = &ob->run[i];
		buf_putc(out, '\n');
		onboard_step_header(ob, i, out);
		buf_putc(out, '\n');
		if (r->detail) {
			char t[32];
			time_rfc3339(r->at, t);
			buf_printf(out, "  last: %s (%s, %s)\n", r->detail, t, r->who ? r->who : "?");
		}
		onboard_step_describe(ob, i, out);
	}
}
