/* onboard_actions: one function per MailCow action of the walkthrough (preflight, add the
 * domain, the catch-all, DKIM, MTA-STS); each reads MailCow before it writes, so a rerun
 * adopts what exists instead of duplicating it. */
#include "core/onboard_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include "core/sanitize.h"

enum onboard_state ob_run_preflight(struct onboard *ob, size_t i)
{
	char *err = NULL;
	int rc = ob->be->ping(ob->be_ud, &err);
	if (rc != OB_RC_OK)
		return ob_fail(ob, i, rc, "reaching the MailCow API", err);
	bool exists = false, active = false;
	rc = ob->be->domain_get(ob->be_ud, ob->domain, &exists, &active, &err);
	if (rc != OB_RC_OK)
		return ob_fail(ob, i, rc, "GET domain", err);
	ob->domain_exists = exists;
	struct buf d = {0};
	buf_printf(&d, "name %s valid", ob->domain);
	if (exists) {
		if (!ob_confirm(ob, "%s is already in MailCow: adopt it and continue", ob->domain)) {
			buf_free(&d);
			return ob_declined(ob, i, "adopting the existing domain");
		}
		buf_printf(&d, "; already in MailCow (%s): adopted", active ? "active" : "inactive");
	} else {
		buf_puts(&d, "; not in MailCow yet");
	}
	rc = ob->be->write_probe(ob->be_ud, &err);
	if (rc == OB_RC_READONLY) {
		free(err);
		buf_free(&d);
		ob_say(ob, "%s", onboard_readonly_message());
		return ob_set_state(ob, i, OB_NEEDS_RW, xstrdup("the API key is read-only"), NULL);
	}
	if (rc == OB_RC_OK) {
		buf_puts(&d, "; API key can write");
	} else {
		char *e = sanitize_line(err, SIZE_MAX);
		buf_printf(&d, "; write access not known (%s): the first write will tell", e);
		free(e);
	}
	free(err);
	ob_say(ob, "%s", buf_cstr(&d));
	return ob_set_state(ob, i, OB_DONE, buf_steal(&d), NULL);
}

enum onboard_state ob_run_add_domain(struct onboard *ob, size_t i)
{
	char *err = NULL;
	bool exists = false, active = false;
	int rc = ob->be->domain_get(ob->be_ud, ob->domain, &exists, &active, &err);
	if (rc != OB_RC_OK)
		return ob_fail(ob, i, rc, "GET domain", err);
	if (exists) {
		ob->domain_exists = true;
		ob_say(ob, "%s is in MailCow already: adopted", ob->domain);
		return ob_set_state(ob, i, OB_DONE,
				    xasprintf("adopted the existing domain (%s)", active ? "active" : "inactive"),
				    NULL);
	}
	if (!ob_confirm(ob, "Create %s in MailCow (DKIM selector %s, %d-bit key%s)", ob->domain, ob_msel(ob),
			OB_KEY_BITS, ob->restart_sogo ? ", then restart the sogo-mailcow container" : ""))
		return ob_declined(ob, i, "creating the domain");
	rc = ob->be->domain_add(ob->be_ud, ob->domain, ob_msel(ob), OB_KEY_BITS, ob->restart_sogo, &err);
	if (rc != OB_RC_OK)
		return ob_fail(ob, i, rc, "add/domain", err);
	ob_warned(ob, &err);
	ob->domain_exists = true;
	ob_say(ob, "created %s in MailCow", ob->domain);
	return ob_set_state(ob, i, OB_DONE, xasprintf("created %s", ob->domain),
			    xasprintf("add/domain "
				      "{\"domain\":\"%s\",\"active\":1,\"dkim_selector\":\"%s\",\"key_size\":%d%s}",
				      ob->domain, ob_msel(ob), OB_KEY_BITS,
				      ob->restart_sogo ? ",\"restart_sogo\":1" : ""));
}

bool ob_address_ok(const char *a)
{
	const char *at = strchr(a, '@');
	if (!at || at == a || !at[1] || strchr(at + 1, '@'))
		return false;
	for (const char *p = a; *p; p++)
		if ((unsigned char)*p <= ' ' || *p == '"' || *p == ',' || *p == '\\' || (unsigned char)*p == 0x7f)
			return false;
	return true;
}

enum onboard_state ob_run_catchall(struct onboard *ob, size_t i)
{
	if (!ob->cfg->relay_catchall)
		return ob_set_state(ob, i, OB_SKIPPED, xstrdup("relay.catchall is off: no catch-all needed"), NULL);
	char *err = NULL;
	char *address = xasprintf("@%s", ob->domain);
	struct onboard_alias al = {0};
	int rc = ob->be->alias_get(ob->be_ud, address, &al, &err);
	enum onboard_state st;
	if (rc != OB_RC_OK) {
		st = ob_fail(ob, i, rc, "GET alias", err);
	} else if (al.exists && al.active) {
		char *g = sanitize_line(al.goto_addr, SIZE_MAX);
		ob_say(ob, "catch-all %s exists and is active (goto %s): adopted", address, g);
		st = ob_set_state(ob, i, OB_DONE, xasprintf("adopted the active catch-all %s -> %s", address, g), NULL);
		free(g);
	} else if (al.exists) {
		if (!ob_confirm(ob, "Activate the existing catch-all %s", address)) {
			st = ob_declined(ob, i, "activating the catch-all");
		} else if ((rc = ob->be->alias_activate(ob->be_ud, address, &err)) != OB_RC_OK) {
			st = ob_fail(ob, i, rc, "edit/alias", err);
		} else {
			ob_warned(ob, &err);
			ob_say(ob, "activated the catch-all %s", address);
			st = ob_set_state(ob, i, OB_DONE, xasprintf("activated the existing catch-all %s", address),
			               xasprintf("edit/alias {\"items\":[\"%s\"],\"attr\":{\"active\":1}}", address));
		}
	} else {
		char *target = ob->catchall_to ? xstrdup(ob->catchall_to) : NULL;
		if (!target && ob->ui.ask) {
			char *q = xasprintf("Catch-all %s: deliver to which mailbox (e.g. postmaster@%s)", address,
					    ob->domain);
			target = ob->ui.ask(ob->ui.ud, q);
			free(q);
		}
		if (target)
			target = memmove(target, str_trim(target), strlen(str_trim(target)) + 1);
		if (target && *target && ob_address_ok(target) && ob->ui.remember_catchall)
			ob->ui.remember_catchall(ob->ui.ud, target);
		if (!target || !*target) {
			ob_say(ob, "the catch-all needs a target mailbox: pass --catchall-to ADDRESS");
			st = ob_set_state(ob, i, OB_FAILED, xstrdup("no target mailbox for the catch-all "
								    "(--catchall-to ADDRESS)"), NULL);
		} else if (!ob_address_ok(target)) {
			char *t = sanitize_line(target, SIZE_MAX);
			ob_say(ob, "'%s' is not a mail address: pass --catchall-to ADDRESS", t);
			st = ob_set_state(ob, i, OB_FAILED, xasprintf("'%s' is not a mail address", t), NULL);
			free(t);
		} else if (!ob_confirm(ob, "Create the catch-all %s -> %s (active)", address, target)) {
			st = ob_declined(ob, i, "creating the catch-all");
		} else if ((rc = ob->be->alias_add(ob->be_ud, address, target, &err)) != OB_RC_OK) {
			st = ob_fail(ob, i, rc, "add/alias", err);
		} else {
			ob_warned(ob, &err);
			ob_say(ob, "created the catch-all %s -> %s", address, target);
			free(ob->catchall_to);
			ob->catchall_to = xstrdup(target);
			st = ob_set_state(
				ob, i, OB_DONE, xasprintf("created the catch-all %s -> %s", address, target),
				xasprintf("add/alias "
					  "{\"address\":\"%s\",\"goto\":\"%s\",\"active\":1,\"sender_allowed\":1}",
					  address, target));
		}
		free(target);
	}
	free(al.goto_addr);
	free(address);
	return st;
}

static void say_dkim(struct onboard *ob)
{
	if (!ob->dkim.present || !ob->dkim.txt)
		return;
	char *t = sanitize_line(ob->dkim.txt, SIZE_MAX), *q = onboard_txt_quote(t);
	ob_say(ob, "%s._domainkey.%s. %d IN TXT %s", ob_msel(ob), ob->domain, OB_TTL, q);
	free(t);
	free(q);
}

enum onboard_state ob_run_dkim(struct onboard *ob, size_t i)
{
	char *err = NULL;
	ob_dkim_clear(&ob->dkim);
	int rc = ob->be->dkim_get(ob->be_ud, ob->domain, &ob->dkim, &err);
	if (rc != OB_RC_OK)
		return ob_fail(ob, i, rc, "GET dkim", err);
	if (ob->dkim.present) {
		char *s = sanitize_line(ob->dkim.selector, SIZE_MAX);
		if (strcmp(s, ob_msel(ob)) != 0) {
			ob_say(ob,
			       "MailCow holds a DKIM key for %s with selector %s, not %s: set "
			       "dkim.mailcow_selector = %s, "
			       "or delete the key in MailCow (Configuration -> ARC/DKIM keys) and run again",
			       ob->domain, s, ob_msel(ob), s);
			enum onboard_state st = ob_set_state(ob, i, OB_FAILED,
			                                  xasprintf("MailCow's key has selector %s, the configured "
								    "one is %s", s, ob_msel(ob)), NULL);
			free(s);
			return st;
		}
		free(s);
		ob_say(ob, "MailCow holds a %d-bit DKIM key with selector %s:", ob->dkim.bits, ob_msel(ob));
		say_dkim(ob);
		return ob_set_state(
			ob, i, OB_DONE,
			xasprintf("MailCow holds a key with selector %s (%d bits)", ob_msel(ob), ob->dkim.bits), NULL);
	}
	if (!ob_confirm(ob, "Create a %d-bit DKIM key with selector %s for %s in MailCow", OB_KEY_BITS, ob_msel(ob),
			ob->domain))
		return ob_declined(ob, i, "creating the DKIM key");
	rc = ob->be->dkim_add(ob->be_ud, ob->domain, ob_msel(ob), OB_KEY_BITS, &err);
	if (rc != OB_RC_OK)
		return ob_fail(ob, i, rc, "add/dkim", err);
	ob_warned(ob, &err);
	rc = ob->be->dkim_get(ob->be_ud, ob->domain, &ob->dkim, &err);
	if (rc != OB_RC_OK || !ob->dkim.present)
		return ob_fail(ob, i, rc == OB_RC_OK ? OB_RC_ERR : rc, "reading the new DKIM key",
			       err ? err : xstrdup("MailCow shows no key"));
	ob_say(ob, "created the DKIM key:");
	say_dkim(ob);
	return ob_set_state(ob, i, OB_DONE,
			    xasprintf("created a %d-bit key with selector %s", OB_KEY_BITS, ob_msel(ob)),
			    xasprintf("add/dkim {\"domains\":\"%s\",\"dkim_selector\":\"%s\",\"key_size\":%d}",
				      ob->domain, ob_msel(ob), OB_KEY_BITS));
}

int ob_host_is_ip(const char *h)
{
	unsigned char a[16];
	if (inet_pton(AF_INET, h, a) == 1)
		return 4;
	if (inet_pton(AF_INET6, h, a) == 1)
		return 6;
	return 0;
}

/* The policy's mx: the relay's patterns and the MailCow host itself. */
char *ob_sts_mx(const struct onboard *ob)
{
	struct strv v = {0};
	for (size_t i = 0; i < ob->cfg->relay_mx.n; i++)
		strv_push(&v, ob->cfg->relay_mx.v[i]);
	/* an MX is a name: a MailCow reached by address only adds nothing here */
	if (!ob_host_is_ip(ob->mailcow_host) && !strv_contains(&v, ob->mailcow_host))
		strv_push(&v, ob->mailcow_host);
	char *s = strv_join(&v, ",");
	strv_free(&v);
	return s;
}

enum onboard_state ob_run_mta_sts(struct onboard *ob, size_t i)
{
	char *err = NULL, *mx = ob_sts_mx(ob);
	enum onboard_state st;
	if (!ob_confirm(ob, "Publish an MTA-STS policy for %s in testing mode (mx %s)", ob->domain, mx)) {
		free(mx);
		return ob_declined(ob, i, "publishing the MTA-STS policy");
	}
	int rc = ob->be->mta_sts_add(ob->be_ud, ob->domain, "testing", mx, OB_STS_MAX_AGE, &err);
	char *id = ob_sts_id_now();
	if (rc == OB_RC_OK) {
		ob_warned(ob, &err);
		free(ob->sts_id);
		ob->sts_id = xstrdup(id);
		ob_say(ob, "published the MTA-STS policy (testing)");
		st = ob_set_state(
			ob, i, OB_DONE, xstrdup("policy published in testing mode"),
			xasprintf("add/mta-sts "
				  "{\"domain\":\"%s\",\"version\":\"stsv1\",\"mode\":\"testing\",\"mx\":\"%s\","
				  "\"max_age\":%ld,\"active\":1}; _mta-sts id=%s",
				  ob->domain, mx, OB_STS_MAX_AGE, id));
	} else if (rc == OB_RC_READONLY) {
		st = ob_fail(ob, i, rc, "add/mta-sts", err);
	} else {
		/* MailCow has no GET for MTA-STS: a refused add usually means a policy exists
		 * (an adopted domain, or a run cut off after the write). Set its mx, keep its mode. */
		char *e1 = sanitize_line(err, SIZE_MAX);
		free(err);
		err = NULL;
		rc = ob->be->mta_sts_edit(ob->be_ud, ob->domain, NULL, mx, &err);
		if (rc == OB_RC_OK) {
			ob_warned(ob, &err);
			free(ob->sts_id);
			ob->sts_id = xstrdup(id);
			ob_say(ob, "an MTA-STS policy existed (%s): its mx list is set, its mode kept", e1);
			st = ob_set_state(ob, i, OB_DONE,
					  xasprintf("adopted the existing policy (add said: %s); mx set", e1),
					  xasprintf("edit/mta-sts "
						    "{\"items\":[\"%s\"],\"attr\":{\"version\":\"stsv1\",\"mx\":\"%s\","
						    "\"active\":1}}; _mta-sts id=%s",
						    ob->domain, mx, id));
		} else {
			char *e2 = sanitize_line(err, SIZE_MAX);
			free(err);
			st = ob_fail(ob, i, rc, "add/mta-sts", xasprintf("%s; edit/mta-sts: %s", e1, e2));
			free(e2);
		}
		free(e1);
	}
	free(id);
	free(mx);
	return st;
}
