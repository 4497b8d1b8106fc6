/* onboard_live: the walkthrough's backend against a real MailCow, through the MailCow
 * client's session (core/mailcow.h: one request at a time, pinned to dns.servers, the same
 * status mapping as the collector) and, for verification, a fresh collect plus the checks.
 * The API key lives in the session and is wiped on free. */
#include "core/onboard_live.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/mailcow.h"
#include "core/snapshot.h"

struct onboard_live {
	const struct config *cfg;
	struct mailcow_api *api;
	onboard_checks_fn checks;
	onboard_relay_mx_fn relay_mx;
	void *checks_ud;
};

/* The backend's rc for a request's outcome; *err says why when not OK, and after a
 * successful write holds MailCow's warnings (or stays NULL). Frees res. */
static int result_rc(int rc, struct mc_result *res, const char *what, char **err)
{
	int out = OB_RC_OK;
	if (res->key == KEY_READ_ONLY) {
		*err = xasprintf("%s: HTTP 403 (read-only API key)", what);
		out = OB_RC_READONLY;
	} else if (rc != 0) {
		*err = xasprintf("%s: %s", what, res->message ? res->message : "MailCow says no");
		out = OB_RC_ERR;
	} else if (res->warnings) {
		*err = xasprintf("%s: %s", what, res->warnings);
	}
	mc_result_free(res);
	return out;
}

static int l_ping(void *ud, char **err)
{
	struct onboard_live *l = ud;
	struct mailcow_state st = {0};
	struct mc_result res = {0};
	int rc = mailcow_get_version(l->api, &st, &res);
	mailcow_state_free(&st);
	return result_rc(rc, &res, "GET get/status/version", err);
}

static int l_write_probe(void *ud, char **err)
{
	struct onboard_live *l = ud;
	struct mc_result res = {0};
	int rc = mailcow_write_probe(l->api, &res);
	if (rc == 0 || res.key == KEY_READ_ONLY)
		return result_rc(0, &res, "edit/alias (write probe)", err);
	*err = xasprintf("write probe: %s", res.message ? res.message : "no answer");
	mc_result_free(&res);
	return OB_RC_UNKNOWN;
}

static int l_domain_get(void *ud, const char *domain, bool *exists, bool *active, char **err)
{
	struct onboard_live *l = ud;
	struct mailcow_state st = {0};
	struct mc_result res = {0};
	int rc = mailcow_get_domain(l->api, domain, &st, &res);
	*exists = *active = false;
	for (size_t i = 0; rc == 0 && i < st.n_domains; i++)
		if (strcasecmp(st.domains[i].name, domain) == 0) {
			*exists = true;
			*active = st.domains[i].active;
		}
	mailcow_state_free(&st);
	return result_rc(rc, &res, "GET domain", err);
}

static int l_domain_add(void *ud, const char *domain, const char *selector, int bits, bool restart_sogo, char **err)
{
	struct onboard_live *l = ud;
	struct mc_result res = {0};
	int rc = mailcow_add_domain(l->api, domain, NULL, selector, bits, restart_sogo, &res);
	return result_rc(rc, &res, "add/domain", err);
}

static int l_alias_get(void *ud, const char *address, struct onboard_alias *out, char **err)
{
	struct onboard_live *l = ud;
	const char *at = strchr(address, '@');
	struct mailcow_state st = {0};
	struct mc_result res = {0};
	int rc = mailcow_get_aliases(l->api, at ? at + 1 : address, &st, &res);
	memset(out, 0, sizeof(*out));
	for (size_t i = 0; rc == 0 && i < st.n_aliases && !out->exists; i++) {
		const struct mc_alias *a = &st.aliases[i];
		if (strcasecmp(a->address, address) != 0)
			continue;
		out->exists = true;
		out->active = a->active;
		out->goto_addr = xstrdup(a->goto_addr ? a->goto_addr : "");
	}
	mailcow_state_free(&st);
	return result_rc(rc, &res, "GET aliases", err);
}

static int l_alias_add(void *ud, const char *address, const char *goto_addr, char **err)
{
	struct onboard_live *l = ud;
	struct mc_result res = {0};
	int rc = mailcow_add_alias(l->api, address, goto_addr, &res);
	return result_rc(rc, &res, "add/alias", err);
}

static int l_alias_activate(void *ud, const char *address, char **err)
{
	struct onboard_live *l = ud;
	struct mc_result res = {0};
	int rc = mailcow_edit_alias(l->api, address, NULL, true, &res);
	return result_rc(rc, &res, "edit/alias", err);
}

/* MailCow's dkim_txt, with SPLIT_DKIM_255's quoted chunks joined back. */
static char *dkim_txt(const struct mc_dkim *k)
{
	if (!k->txt)
		return xasprintf("v=DKIM1;k=rsa;t=s;s=email;p=%s", k->pubkey);
	if (!strchr(k->txt, '"'))
		return xstrdup(k->txt);
	struct buf b = {0};
	for (const char *p = k->txt; *p; p++)
		if (*p != '"' && *p != ' ')
			buf_putc(&b, *p);
	return buf_steal(&b);
}

static int l_dkim_get(void *ud, const char *domain, struct onboard_dkim *out, char **err)
{
	struct onboard_live *l = ud;
	struct mc_dkim k = {.domain = xstrdup(domain)};
	struct mc_result res = {0};
	int rc = mailcow_get_dkim(l->api, &k, &res);
	memset(out, 0, sizeof(*out));
	if (rc == 0 && k.present) {
		out->present = true;
		out->selector = xstrdup(k.selector ? k.selector : "");
		out->txt = dkim_txt(&k);
		out->bits = k.bits;
	}
	mc_dkim_free(&k);
	return result_rc(rc, &res, "GET dkim", err);
}

static int l_dkim_add(void *ud, const char *domain, const char *selector, int bits, char **err)
{
	struct onboard_live *l = ud;
	struct mc_result res = {0};
	int rc = mailcow_add_dkim(l->api, domain, selector, bits, &res);
	return result_rc(rc, &res, "add/dkim", err);
}

static int l_sts_add(void *ud, const char *domain, const char *mode, const char *mx, long max_age, char **err)
{
	struct onboard_live *l = ud;
	struct mc_result res = {0};
	int rc = mailcow_add_mta_sts(l->api, domain, mode, max_age, mx, &res);
	return result_rc(rc, &res, "add/mta-sts", err);
}

static int l_sts_edit(void *ud, const char *domain, const char *mode, const char *mx, char **err)
{
	struct onboard_live *l = ud;
	struct mc_result res = {0};
	int rc = mailcow_edit_mta_sts(l->api, domain, mode, 0, mx, &res);
	return result_rc(rc, &res, "edit/mta-sts", err);
}

static int l_checks(void *ud, const char *domain, struct onboard_checks *out, char **err)
{
	struct onboard_live *l = ud;
	if (!l->checks) {
		*err = xstrdup("no verification available in this build");
		return OB_RC_ERR;
	}
	return l->checks(l->checks_ud, l->cfg, domain, out, err);
}

static int l_relay_mx(void *ud, const char *except, struct strv *out, char **err)
{
	struct onboard_live *l = ud;
	if (!l->relay_mx)
		return OB_RC_OK;
	return l->relay_mx(l->checks_ud, l->cfg, except, out, err);
}

const struct onboard_backend onboard_live_backend = {
	l_ping, l_write_probe, l_domain_get, l_domain_add, l_alias_get, l_alias_add, l_alias_activate,
	l_dkim_get, l_dkim_add, l_sts_add, l_sts_edit, l_checks, l_relay_mx,
};

struct onboard_live *onboard_live_new(const struct config *cfg, onboard_checks_fn checks,
                                      onboard_relay_mx_fn relay_mx, void *checks_ud, char **err)
{
	struct mailcow_api *api = mailcow_api_new(cfg, err);
	if (!api)
		return NULL;
	struct onboard_live *l = xcalloc(1, sizeof(*l));
	l->cfg = cfg;
	l->api = api;
	l->checks = checks;
	l->relay_mx = relay_mx;
	l->checks_ud = checks_ud;
	return l;
}

void onboard_live_free(struct onboard_live *l)
{
	if (!l)
		return;
	mailcow_api_free(l->api);
	free(l);
}
