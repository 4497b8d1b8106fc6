/* fix: the fix table of contract section 8 (one row per check id, each with its plan
 * function) and the plans (pure: snapshot, configuration and check run in, the exact write or
 * zone lines out). Applying a plan is core/fix_apply.c. */
#include "core/fix.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/checks_int.h"
#include "core/fix_int.h"
#include "core/onboard.h"

#define FIX_KEY_BITS 2048
#define FIX_STS_MAX_AGE 604800L
#define FIX_TTL 3600

struct fix_in {
	const struct snapshot *s;
	const struct config *cfg;
	const struct check_run *run;
	const struct snap_domain *d;    /* NULL when the domain is not watched */
	const struct check_result *r;
	const char *to;
};

typedef void (*fix_plan_fn)(const struct fix_in *in, struct fix_plan *p);

struct fix_def {
	const char *check;
	fix_plan_fn plan;
};

/* ---- helpers ---- */

char *fix_body_dump(json_t *j)
{
	char *s = json_dumps(j, JSON_COMPACT);
	json_decref(j);
	char *out = xstrdup(s ? s : "{}");
	free(s);
	return out;
}

static void api(struct fix_plan *p, enum fix_op op, const char *action, json_t *body)
{
	p->kind = FIX_API;
	p->op = op;
	p->action = xstrdup(action);
	p->body = fix_body_dump(body);
}

static void none(struct fix_plan *p, char *why)
{
	p->kind = FIX_NONE;
	free(p->why);
	p->why = why;
}

static void dns(struct fix_plan *p, char *zone)
{
	p->kind = FIX_DNS;
	p->zone = zone;
}

static bool in_mailcow(const struct fix_in *in, struct fix_plan *p)
{
	if (in->d && in->d->mc)
		return true;
	none(p, xasprintf("%s does not exist in MailCow: mcon onboard %s creates it", p->domain, p->domain));
	return false;
}

/* "v" as TXT strings of at most 255 characters: "aaa" "bbb". */
char *fix_txt_line(const char *name, const char *value)
{
	char *q = onboard_txt_quote(value);
	char *s = xasprintf("%s. %d IN TXT %s", name, FIX_TTL, q);
	free(q);
	return s;
}

/* The host of a relayhost ("[smtp.example.net]:587" -> "smtp.example.net"), lower case. */
static char *relayhost_host(const char *h)
{
	const char *p = h ? h : "";
	size_t n;
	if (*p == '[') {
		p++;
		const char *e = strchr(p, ']');
		n = e ? (size_t)(e - p) : strlen(p);
	} else {
		const char *e = strchr(p, ':');
		n = e ? (size_t)(e - p) : strlen(p);
	}
	char *s = xstrndup(p, n);
	str_lower(s);
	return s;
}

static bool for_domain(const char *target, const char *domain)
{
	size_t n = strlen(domain);
	return target && strncmp(target, domain, n) == 0 && (target[n] == '\0' || target[n] == '/');
}

/* The live MX hosts of a domain, trailing dots dropped, comma-separated; NULL when none. */
static char *live_mx(const struct snap_domain *d)
{
	if (d->dns.mx.status != DNS_OK || !d->dns.mx.n)
		return NULL;
	struct strv v = {0};
	for (size_t i = 0; i < d->dns.mx.n; i++) {
		const char *h = d->dns.mx.rrs[i].value;
		if (!h || !*h || strcmp(h, ".") == 0)
			continue;
		char *s = xstrdup(h);
		size_t n = strlen(s);
		while (n && s[n - 1] == '.')
			s[--n] = '\0';
		str_lower(s);
		if (!strv_contains(&v, s))
			strv_push(&v, s);
		free(s);
	}
	char *out = v.n ? strv_join(&v, ",") : NULL;
	strv_free(&v);
	return out;
}

/* ---- MailCow-side plans ---- */

static void plan_domain_active(const struct fix_in *in, struct fix_plan *p)
{
	if (!in_mailcow(in, p))
		return;
	api(p, FIXOP_DOMAIN_ACTIVE, "edit/domain",
	    json_pack("{s:[s], s:{s:i}}", "items", p->domain, "attr", "active", 1));
}

static void plan_catchall(const struct fix_in *in, struct fix_plan *p)
{
	if (!in_mailcow(in, p))
		return;
	const struct mc_alias *found = NULL;
	for (size_t k = 0; k < in->s->mailcow.n_aliases; k++) {
		const struct mc_alias *a = &in->s->mailcow.aliases[k];
		if (a->address && a->address[0] == '@' && str_case_eq(a->address + 1, p->domain) &&
		    (!found || (a->active && !found->active)))
			found = a;
	}
	if (found) {
		char id[24];
		snprintf(id, sizeof(id), "%ld", found->id);
		p->id = found->id;
		p->value = xstrdup(found->goto_addr ? found->goto_addr : "");
		api(p, FIXOP_ALIAS_ACTIVATE, "edit/alias", json_pack("{s:[s], s:{s:i}}", "items", id, "attr",
					      "active", 1));
		return;
	}
	char *address = xasprintf("@%s", p->domain);
	if (in->to)
		p->value = xstrdup(in->to);
	api(p, FIXOP_ALIAS_ADD, "add/alias",
	    json_pack("{s:s, s:s, s:i, s:i, s:i, s:i}", "address", address, "goto", in->to ? in->to : "ADDRESS",
		      "active", 1, "sogo_visible", 0, "sender_allowed", 1, "internal", 0));
	free(address);
}

static void plan_dkim_mailcow(const struct fix_in *in, struct fix_plan *p)
{
	if (!in_mailcow(in, p))
		return;
	const char *sel = in->cfg->dkim_mailcow_selector ? in->cfg->dkim_mailcow_selector : "dkim";
	const struct mc_dkim *k = &in->d->dkim;
	if (k->err.failed) {
		none(p, xasprintf("MailCow's DKIM key for %s was not read: %s", p->domain,
					k->err.why ? k->err.why : "failed"));
	} else if (!k->present || !k->pubkey) {
		api(p, FIXOP_DKIM_ADD, "add/dkim", json_pack("{s:s, s:s, s:i}", "domains", p->domain,
							     "dkim_selector", sel,
							     "key_size", FIX_KEY_BITS));
	} else if (k->selector && strcmp(k->selector, sel) != 0) {
		none(p, xasprintf("MailCow signs %s with selector %s, not dkim.mailcow_selector %s: set the selector "
				  "in mcon.conf or re-create the key in MailCow; mcon does not delete keys", p->domain,
				  k->selector, sel));
	} else {
		char *name = xasprintf("%s._domainkey.%s", sel, p->domain);
		char *txt = k->txt ? xstrdup(k->txt) : xasprintf("v=DKIM1;k=rsa;t=s;s=email;p=%s", k->pubkey);
		dns(p, fix_txt_line(name, txt));
		free(txt);
		free(name);
	}
}

/* The first active relayhost whose host matches relay.smarthost (the relay.mx patterns). */
static const struct mc_relayhost *smarthost(const struct fix_in *in)
{
	for (size_t i = 0; i < in->s->mailcow.n_relayhosts; i++) {
		const struct mc_relayhost *rh = &in->s->mailcow.relayhosts[i];
		char *h = relayhost_host(rh->hostname);
		bool ok = false;
		for (size_t k = 0; k < in->cfg->relay_mx.n && !ok && *h; k++)
			ok = str_glob(in->cfg->relay_mx.v[k], h);
		free(h);
		if (ok && rh->active)
			return rh;
	}
	return NULL;
}

static void plan_relay_outbound(const struct fix_in *in, struct fix_plan *p)
{
	if (!in_mailcow(in, p))
		return;
	if (in->s->mailcow.relayhosts_err.failed) {
		none(p, xstrdup("MailCow's relayhosts were not read: see mailcow.api"));
		return;
	}
	if (!in->cfg->relay_mx.n) {
		none(p, xstrdup("relay.smarthost (by default the relay.mx patterns) is not set: "
				"no relayhost to choose"));
		return;
	}
	const struct mc_relayhost *rh = smarthost(in);
	if (!rh) {
		char *pat = strv_join(&in->cfg->relay_mx, ", ");
		none(p, xasprintf("MailCow holds no active relayhost matching %s: add it under E-Mail > Configuration "
				  "> Routing > Sender-dependent transports first", pat));
		free(pat);
		return;
	}
	p->id = rh->id;
	p->value = xstrdup(rh->hostname ? rh->hostname : "");
	api(p, FIXOP_RELAYHOST, "edit/domain",
	    json_pack("{s:[s], s:{s:I}}", "items", p->domain, "attr", "relayhost", (json_int_t)rh->id));
}

/* Every other check of the domain green; *bad (caller frees) lists the others when not. */
static bool others_green(const struct fix_in *in, const char *domain, char **bad)
{
	struct strv v = {0};
	for (size_t i = 0; i < in->run->n; i++) {
		const struct check_result *r = &in->run->results[i];
		if (strcmp(r->check, "mta_sts.policy") == 0 || !for_domain(r->target, domain) || r->status == STATUS_OK)
			continue;
		char *s = xasprintf("%s:%s %s", r->check, r->target, status_name(r->status));
		strv_push(&v, s);
		free(s);
	}
	*bad = v.n ? strv_join(&v, ", ") : NULL;
	bool ok = v.n == 0;
	strv_free(&v);
	return ok;
}

static void plan_mta_sts_policy(const struct fix_in *in, struct fix_plan *p)
{
	if (!in_mailcow(in, p))
		return;
	const struct mta_sts_policy *pol = &in->d->policy;
	if (in->r->status == STATUS_UNKNOWN) {
		none(p, xasprintf("the policy of %s could not be looked at: %s", p->domain, in->r->summary));
		return;
	}
	if (!pol->fetched || pol->err.failed) {
		char *mx = live_mx(in->d);
		if (!mx) {
			none(p, xasprintf("%s has no live MX hosts for the policy's mx: publish the MX records first",
						p->domain));
			return;
		}
		p->value = mx;
		api(p, FIXOP_STS_ADD, "add/mta-sts",
		    json_pack("{s:s, s:s, s:s, s:I, s:s, s:i}", "domain", p->domain, "version", "stsv1",
			      "mode", "testing",
			      "max_age", (json_int_t)FIX_STS_MAX_AGE, "mx", mx, "active", 1));
		return;
	}
	if (in->r->status != STATUS_WARNING || !pol->mode || strcmp(pol->mode, "testing") != 0) {
		none(p, xasprintf("only a missing policy or one in testing mode is repaired here: %s",
				  in->r->hint ? in->r->hint : in->r->summary));
		return;
	}
	char *bad = NULL;
	if (!others_green(in, p->domain, &bad)) {
		none(p, xasprintf("the policy of %s stays in testing mode until every other check of the "
				  "domain is green: %s",
				  p->domain, bad));
		free(bad);
		return;
	}
	p->value = xstrdup("enforce");
	api(p, FIXOP_STS_ENFORCE, "edit/mta-sts",
	    json_pack("{s:[s], s:{s:s, s:i, s:s}}", "items", p->domain, "attr", "version", "stsv1", "active", 1,
		      "mode", "enforce"));
}

/* ---- DNS-side plans: the zone lines ---- */

static void plan_mx_relay(const struct fix_in *in, struct fix_plan *p)
{
	struct strv hosts = {0};
	if (in->cfg->relay_mx.n) {
		onboard_relay_mx_from(in->s, in->cfg, p->domain, &hosts);
		if (!hosts.n) {
			char *pat = strv_join(&in->cfg->relay_mx, ", ");
			none(p, xasprintf("no watched domain is behind the relay yet to copy concrete MX hosts from: "
					  "publish the relay's MX hosts (matching %s) for %s as its documentation says",
					  pat, p->domain));
			free(pat);
			return;
		}
	} else {
		char *h = mailcow_host(in->cfg);
		if (!h) {
			none(p, xstrdup("mailcow.url is not set: no MX host to name"));
			return;
		}
		strv_push(&hosts, h);
		free(h);
	}
	struct buf b = {0};
	buf_printf(&b, "; replaces every MX record of %s\n", p->domain);
	for (size_t i = 0; i < hosts.n; i++)
		buf_printf(&b, "%s. %d IN MX %zu %s.\n", p->domain, FIX_TTL, 10 * (i + 1), hosts.v[i]);
	strv_free(&hosts);
	dns(p, buf_steal(&b));
}

/* The SPF record with include:inc put before its all (or redirect) term. */
static char *spf_with_include(const char *rec, const char *inc)
{
	struct buf b = {0};
	bool put = false;
	const char *s = rec;
	while (*s) {
		while (*s == ' ')
			s++;
		if (!*s)
			break;
		const char *e = strchr(s, ' ');
		size_t n = e ? (size_t)(e - s) : strlen(s);
		const char *t = (*s == '-' || *s == '~' || *s == '?' || *s == '+') ? s + 1 : s;
		bool last = (n - (size_t)(t - s) == 3 && strncasecmp(t, "all", 3) == 0) ||
			    strncasecmp(s, "redirect=", 9) == 0;
		if (last && !put) {
			buf_printf(&b, " include:%s", inc);
			put = true;
		}
		buf_printf(&b, "%s%.*s", b.len ? " " : "", (int)n, s);
		s += n;
	}
	if (!put)
		buf_printf(&b, " include:%s -all", inc);
	return buf_steal(&b);
}

static void plan_spf_record(const struct fix_in *in, struct fix_plan *p)
{
	const struct spf_eval *e = &in->d->dns.spf;
	const char *inc = in->cfg->relay_spf_include;
	char *want = NULL;
	if (e->records == 0 || e->records > 1)
		want = inc ? xasprintf("v=spf1 include:%s -all", inc) : xstrdup("v=spf1 mx -all");
	else if (inc && e->record && !strstr(e->record, inc))
		want = spf_with_include(e->record, inc);
	if (!want) {
		none(p, xasprintf("no zone line can be written for this: %s",
					in->r->hint ? in->r->hint : in->r->summary));
		return;
	}
	char *line = fix_txt_line(p->domain, want);
	dns(p, xasprintf("; replaces every v=spf1 TXT record of %s\n%s\n", p->domain, line));
	free(line);
	free(want);
}

static void plan_dmarc_record(const struct fix_in *in, struct fix_plan *p)
{
	(void)in;
	char *name = xasprintf("_dmarc.%s", p->domain);
	char *v = xasprintf("v=DMARC1; p=quarantine; rua=mailto:postmaster@%s", p->domain);
	char *line = fix_txt_line(name, v);
	dns(p, xasprintf("; replaces every v=DMARC1 TXT record of %s\n%s\n", name, line));
	free(line);
	free(v);
	free(name);
}

static void plan_dkim_selector(const struct fix_in *in, struct fix_plan *p)
{
	const char *slash = strchr(p->target, '/');
	const char *sel = slash ? slash + 1 : "";
	const char *msel = in->cfg->dkim_mailcow_selector;
	const struct mc_dkim *k = &in->d->dkim;
	if (!msel || strcmp(sel, msel) != 0) {
		none(p, xasprintf("the key of selector %s comes from the service that signs with it: publish the "
				  "record it gives you", sel));
		return;
	}
	if (!k->present || !k->pubkey) {
		none(p, xasprintf("MailCow holds no DKIM key for %s: mcon fix dkim.mailcow %s creates one", p->domain,
					p->domain));
		return;
	}
	char *name = xasprintf("%s._domainkey.%s", sel, p->domain);
	char *txt = k->txt ? xstrdup(k->txt) : xasprintf("v=DKIM1;k=rsa;t=s;s=email;p=%s", k->pubkey);
	char *line = fix_txt_line(name, txt);
	dns(p, xasprintf("%s\n", line));
	free(line);
	free(txt);
	free(name);
}

char *fix_sts_line(const char *domain)
{
	time_t t = mcon_now();
	struct tm tm;
	gmtime_r(&t, &tm);
	char id[32];
	strftime(id, sizeof(id), "%Y%m%d%H%M%S", &tm);
	char *name = xasprintf("_mta-sts.%s", domain);
	char *v = xasprintf("v=STSv1; id=%s", id);
	char *line = fix_txt_line(name, v);
	free(v);
	free(name);
	return line;
}

static void plan_mta_sts_record(const struct fix_in *in, struct fix_plan *p)
{
	(void)in;
	char *line = fix_sts_line(p->domain);
	dns(p, xasprintf("; replaces every v=STSv1 TXT record of _mta-sts.%s (a new id makes senders fetch the policy "
			 "again)\n%s\n", p->domain, line));
	free(line);
}

static void plan_tls_rpt_record(const struct fix_in *in, struct fix_plan *p)
{
	(void)in;
	char *name = xasprintf("_smtp._tls.%s", p->domain);
	char *v = xasprintf("v=TLSRPTv1; rua=mailto:tlsrpt@%s", p->domain);
	char *line = fix_txt_line(name, v);
	dns(p, xasprintf("; replaces every v=TLSRPTv1 TXT record of %s\n%s\n", name, line));
	free(line);
	free(v);
	free(name);
}

/* ---- the table ---- */

static const struct fix_def fixes[] = {
	{"domain.active", plan_domain_active},
	{"domain.catchall", plan_catchall},
	{"dkim.mailcow", plan_dkim_mailcow},
	{"relay.outbound", plan_relay_outbound},
	{"mta_sts.policy", plan_mta_sts_policy},
	{"mx.relay", plan_mx_relay},
	{"spf.record", plan_spf_record},
	{"dmarc.record", plan_dmarc_record},
	{"dkim.selector", plan_dkim_selector},
	{"mta_sts.record", plan_mta_sts_record},
	{"tls_rpt.record", plan_tls_rpt_record},
};

static const struct fix_def *fix_def_find(const char *check)
{
	for (size_t i = 0; i < ARRAY_SIZE(fixes); i++)
		if (strcmp(fixes[i].check, check) == 0)
			return &fixes[i];
	return NULL;
}

bool fix_known(const char *check)
{
	return check && fix_def_find(check) != NULL;
}

const char *const *fix_checks(size_t *n)
{
	static const char *ids[ARRAY_SIZE(fixes)];
	for (size_t i = 0; i < ARRAY_SIZE(fixes); i++)
		ids[i] = fixes[i].check;
	*n = ARRAY_SIZE(fixes);
	return ids;
}

const struct check_result *fix_result_find(const struct check_run *run, const char *check, const char *target)
{
	for (size_t i = 0; i < run->n; i++)
		if (strcmp(run->results[i].check, check) == 0 && run->results[i].target &&
		    strcmp(run->results[i].target, target) == 0)
			return &run->results[i];
	return NULL;
}

int fix_plan_make(const struct snapshot *s, const struct config *cfg, const struct check_run *run,
		  const char *check, const char *target, const char *to, struct fix_plan *out, char **err)
{
	memset(out, 0, sizeof(*out));
	if (!check_find(check)) {
		*err = xasprintf("no check %s (mcon check --json lists them)", check);
		return -1;
	}
	const struct check_result *r = fix_result_find(run, check, target);
	if (!r) {
		*err = xasprintf("%s has no result for %s: no such target", check, target);
		return -1;
	}
	out->check = xstrdup(check);
	out->target = xstrdup(target);
	const char *slash = strchr(target, '/');
	out->domain = slash ? xstrndup(target, (size_t)(slash - target)) : xstrdup(target);
	out->status = r->status;
	out->finding = xstrdup(r->summary ? r->summary : "");
	const struct fix_def *def = fix_def_find(check);
	if (r->status == STATUS_OK) {
		out->kind = FIX_PASSING;
		return 0;
	}
	if (!def) {
		none(out, xasprintf("%s has no fix in mcon: %s", check, r->hint ? r->hint : "see its hint"));
		return 0;
	}
	struct fix_in in = {.s = s, .cfg = cfg, .run = run, .r = r, .to = to};
	for (size_t i = 0; i < s->n_domains; i++)
		if (str_case_eq(s->domains[i].name, out->domain))
			in.d = &s->domains[i];
	if (!in.d) {
		none(out, xasprintf("%s is not a watched domain", out->domain));
		return 0;
	}
	def->plan(&in, out);
	return 0;
}

void fix_plan_free(struct fix_plan *p)
{
	free(p->check);
	free(p->target);
	free(p->domain);
	free(p->finding);
	free(p->action);
	free(p->body);
	free(p->zone);
	free(p->why);
	free(p->value);
	memset(p, 0, sizeof(*p));
}

char *fix_plan_text(const struct fix_plan *p)
{
	struct buf b = {0};
	buf_printf(&b, "%s %s: %s: %s\n", p->check, p->target, status_name(p->status), p->finding);
	switch (p->kind) {
	case FIX_PASSING:
		buf_puts(&b, "Nothing to fix: the check passes.\n");
		break;
	case FIX_NONE:
		buf_printf(&b, "No fix: %s\n", p->why ? p->why : "");
		break;
	case FIX_DNS:
		buf_printf(&b, "No MailCow write: publish at the DNS host of %s:\n%s", p->domain, p->zone);
		if (b.len && b.data[b.len - 1] != '\n')
			buf_putc(&b, '\n');
		break;
	case FIX_API:
		buf_printf(&b, "Write to MailCow:\nPOST /api/v1/%s\n%s\n", p->action, p->body);
		if (p->op == FIXOP_ALIAS_ADD && !p->value)
			buf_puts(&b, "The catch-all needs the mailbox it delivers to: give --to ADDRESS.\n");
		if (p->op == FIXOP_DKIM_ADD)
			buf_puts(&b, "Then publish the key's TXT record (shown after the write).\n");
		if (p->op == FIXOP_STS_ADD || p->op == FIXOP_STS_ENFORCE)
			buf_printf(&b, "Then publish the new _mta-sts.%s TXT line (MailCow makes a new id; shown "
				   "after the write).\n", p->domain);
		break;
	}
	return buf_steal(&b);
}

const char *fix_worst_for_domain(const struct snapshot *s, const struct config *cfg, const struct check_run *run,
				 const char *domain, const char **target)
{
	const char *best = NULL;
	int rank = -1;
	for (size_t i = 0; i < run->n; i++) {
		const struct check_result *r = &run->results[i];
		if (!for_domain(r->target, domain) || !status_bad(r->status) || !fix_known(r->check) ||
		    status_rank(r->status) <= rank)
			continue;
		struct fix_plan p;
		char *err = NULL;
		if (fix_plan_make(s, cfg, run, r->check, r->target, NULL, &p, &err) == 0 &&
		    (p.kind == FIX_API || p.kind == FIX_DNS)) {
			best = r->check;
			*target = r->target;
			rank = status_rank(r->status);
		}
		fix_plan_free(&p);
		free(err);
	}
	return best;
}
