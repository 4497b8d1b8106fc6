/* fix_apply: applying a fix plan through the one MailCow client (contract section 8), reading
 * MailCow's state before writing so that what appeared meanwhile is adopted instead of
 * duplicated, and the fresh collection and re-run that show the finding after the write. */
#include "core/fix.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "core/collect.h"
#include "core/fix_int.h"
#include "core/sanitize.h"

/* ---- applying ---- */

void fix_outcome_free(struct fix_outcome *o)
{
	free(o->written);
	free(o->message);
	free(o->warnings);
	free(o->publish);
	memset(o, 0, sizeof(*o));
}

static int post(struct mailcow_api *a, const char *action, const char *body, struct fix_outcome *o)
{
	struct mc_result res = {0};
	int rc = mailcow_post(a, action, body, &res);
	o->key = res.key;
	o->message = sanitize_line(res.message ? res.message : (rc ? "the write failed" : "written"), SIZE_MAX);
	if (res.warnings)
		o->warnings = sanitize_line(res.warnings, SIZE_MAX);
	if (rc == 0) {
		o->wrote = true;
		o->written = xasprintf("POST /api/v1/%s %s", action, body);
	}
	mc_result_free(&res);
	return rc;
}

static int read_failed(struct fix_outcome *o, const char *what, struct mc_result *res)
{
	o->key = res->key;
	o->message = xasprintf("reading %s before the write failed, nothing written: %s", what,
			       res->message ? res->message : "no answer");
	return -1;
}

static int adopt(struct fix_outcome *o, char *message)
{
	o->adopted = true;
	o->message = message;
	return 0;
}

static int apply_domain(struct mailcow_api *a, const struct fix_plan *p, struct fix_outcome *o)
{
	struct mailcow_state st = {0};
	struct mc_result res = {0};
	int rc;
	if (mailcow_get_domain(a, p->domain, &st, &res) != 0) {
		rc = read_failed(o, "the domain", &res);
	} else if (!st.n_domains) {
		o->message = xasprintf("%s does not exist in MailCow (any more): nothing written", p->domain);
		rc = -1;
	} else if (p->op == FIXOP_DOMAIN_ACTIVE && st.domains[0].active) {
		rc = adopt(o, xasprintf("%s is active already: nothing written", p->domain));
	} else if (p->op == FIXOP_RELAYHOST && st.domains[0].relayhost_id &&
		   strtol(st.domains[0].relayhost_id, NULL, 10) == p->id) {
		rc = adopt(o, xasprintf("%s uses relayhost %ld already: nothing written", p->domain, p->id));
	} else {
		rc = post(a, p->action, p->body, o);
	}
	mc_result_free(&res);
	mailcow_state_free(&st);
	return rc;
}

static int apply_catchall(struct mailcow_api *a, const struct fix_plan *p, struct fix_outcome *o)
{
	struct mailcow_state st = {0};
	struct mc_result res = {0};
	int rc = -1;
	if (mailcow_get_aliases(a, p->domain, &st, &res) != 0) {
		rc = read_failed(o, "the aliases", &res);
		goto out;
	}
	const struct mc_alias *found = NULL;
	for (size_t k = 0; k < st.n_aliases; k++) {
		const struct mc_alias *al = &st.aliases[k];
		if (al->address && al->address[0] == '@' && str_case_eq(al->address + 1, p->domain) &&
		    (!found || (al->active && !found->active)))
			found = al;
	}
	if (found && found->active) {
		rc = adopt(o, xasprintf("the catch-all @%s (id %ld, goto %s) is active already: adopted, "
					"nothing written",
					p->domain, found->id, found->goto_addr ? found->goto_addr : "?"));
	} else if (found) {
		char id[24];
		snprintf(id, sizeof(id), "%ld", found->id);
		json_t *b = json_pack("{s:[s], s:{s:i}}", "items", id, "attr", "active", 1);
		char *body = fix_body_dump(b);
		rc = post(a, "edit/alias", body, o);
		free(body);
	} else if (p->op == FIXOP_ALIAS_ADD && p->value) {
		rc = post(a, p->action, p->body, o);
	} else {
		o->message = xasprintf("MailCow holds no catch-all @%s: give --to ADDRESS (the mailbox it delivers "
				       "to); nothing written", p->domain);
	}
out:
	mc_result_free(&res);
	mailcow_state_free(&st);
	return rc;
}

static int apply_dkim(struct mailcow_api *a, const struct config *cfg, const struct fix_plan *p,
		      struct fix_outcome *o)
{
	struct mc_dkim k = {.domain = xstrdup(p->domain)};
	struct mc_result res = {0};
	int rc;
	if (mailcow_get_dkim(a, &k, &res) != 0) {
		rc = read_failed(o, "the DKIM key", &res);
		goto out;
	}
	if (k.present) {
		rc = adopt(o, xasprintf("MailCow holds a DKIM key for %s already (selector %s): nothing written",
					p->domain, k.selector ? k.selector : "?"));
	} else {
		rc = post(a, p->action, p->body, o);
		if (rc != 0)
			goto out;
		mc_dkim_free(&k);
		k = (struct mc_dkim){.domain = xstrdup(p->domain)};
		if (mailcow_get_dkim(a, &k, &res) != 0 || !k.present) {
			free(o->warnings);
			o->warnings = xasprintf("the key was created but could not be read back: %s",
						res.message ? res.message : "MailCow shows none");
			goto out;
		}
	}
	const char *sel = k.selector ? k.selector : cfg->dkim_mailcow_selector;
	char *name = xasprintf("%s._domainkey.%s", sel ? sel : "dkim", p->domain);
	char *txt = k.txt ? xstrdup(k.txt) : xasprintf("v=DKIM1;k=rsa;t=s;s=email;p=%s", k.pubkey ? k.pubkey : "");
	o->publish = fix_txt_line(name, txt);
	free(txt);
	free(name);
out:
	mc_result_free(&res);
	mc_dkim_free(&k);
	return rc;
}

static int apply_sts(struct mailcow_api *a, const struct fix_plan *p, struct fix_outcome *o)
{
	int rc = post(a, p->action, p->body, o);
	if (rc != 0 && p->op == FIXOP_STS_ADD && o->key == KEY_OK && o->message &&
	    (strstr(o->message, "object_exists") || strstr(o->message, "SQLSTATE[23000]"))) {
		/* MailCow has no GET for MTA-STS: the refused add is how an existing policy shows */
		char *m = o->message;
		o->message = NULL;
		rc = adopt(o, xasprintf("MailCow holds an MTA-STS policy for %s already (add said: %s): nothing "
					"written; the finding is how it is served", p->domain, m));
		free(m);
		return rc;
	}
	if (rc == 0)
		o->publish = fix_sts_line(p->domain);
	return rc;
}

int fix_apply(struct mailcow_api *a, const struct config *cfg, const struct fix_plan *p, struct fix_outcome *o)
{
	memset(o, 0, sizeof(*o));
	if (p->kind != FIX_API) {
		o->message = xstrdup("nothing to write");
		return -1;
	}
	switch (p->op) {
	case FIXOP_DOMAIN_ACTIVE:
	case FIXOP_RELAYHOST:
		return apply_domain(a, p, o);
	case FIXOP_ALIAS_ADD:
	case FIXOP_ALIAS_ACTIVATE:
		return apply_catchall(a, p, o);
	case FIXOP_DKIM_ADD:
		return apply_dkim(a, cfg, p, o);
	case FIXOP_STS_ADD:
	case FIXOP_STS_ENFORCE:
		return apply_sts(a, p, o);
	case FIXOP_NONE:
		break;
	}
	o->message = xstrdup("nothing to write");
	return -1;
}

/* ---- collecting ---- */

struct snapshot *fix_collect(const struct config *cfg, struct check_run *run)
{
	struct collect_opts o = {.cancel_fd = -1};
	struct snapshot *s = collect_run(cfg, &o);
	checks_run(s, cfg, NULL, run);
	return s;
}

int fix_rerun(const struct config *cfg, const char *check, const char *target, enum status *st, char **summary)
{
	struct check_run run;
	struct snapshot *s = fix_collect(cfg, &run);
	const struct check_result *r = fix_result_find(&run, check, target);
	int rc = r ? 0 : -1;
	*st = r ? r->status : STATUS_UNKNOWN;
	*summary = xstrdup(r && r->summary ? r->summary : "no result any more");
	check_run_free(&run);
	snapshot_free(s);
	return rc;
}
