/* onboard: the walkthrough engine (see onboard.h): the steps file, domain names (libidn2),
 * the zone lines, the plan, and one function per action that reads MailCow before it
 * writes, so a rerun adopts what exists instead of duplicating it. */
#include "core/onboard.h"

#include <ctype.h>
#include <errno.h>
#include <idn2.h>
#include <ini.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>

#include "core/assets.h"
#include "core/snapshot.h"
#include "core/who.h"

#define OB_KEY_BITS 2048
#define OB_STS_MAX_AGE 604800L  /* one week, as MailCow's docs suggest for enforce */
#define OB_TTL 3600
#define OB_WAIT_FIRST_MS 5000L
#define OB_WAIT_MAX_MS 60000L

static const char *const state_names[OB_STATE__COUNT] = {
	"todo", "done", "skipped", "pending", "failed", "needs-rw", "declined",
};

static const char *const action_names[OB_ACT__COUNT] = {
	"preflight", "api:add_domain", "api:add_alias_catchall", "api:ensure_dkim",
	"manual:relay", "dns:publish", "api:add_mta_sts", "verify", "api:mta_sts_enforce",
};

const char *onboard_state_name(enum onboard_state s)
{
	return (unsigned)s < OB_STATE__COUNT ? state_names[s] : "?";
}

int onboard_state_parse(const char *s)
{
	for (int i = 0; i < OB_STATE__COUNT; i++)
		if (s && strcmp(s, state_names[i]) == 0)
			return i;
	return -1;
}

const char *onboard_action_name(enum onboard_action a)
{
	return (unsigned)a < OB_ACT__COUNT ? action_names[a] : "?";
}

/* ---- The steps file ---- */

struct steps_parse {
	struct onboard_steps *out;
	char *err;
	int line;
};

static int steps_ini_line(void *user, const char *section, const char *name, const char *value)
{
	struct steps_parse *p = user;
	struct onboard_steps *s = p->out;
	if (p->err)
		return 0;
	if (!s->n || strcmp(s->v[s->n - 1].id, section) != 0) {
		for (size_t i = 0; i < s->n; i++)
			if (strcmp(s->v[i].id, section) == 0) {
				p->err = xasprintf("step [%s] appears twice", section);
				return 0;
			}
		s->v = xrealloc(s->v, (s->n + 1) * sizeof(*s->v));
		memset(&s->v[s->n], 0, sizeof(*s->v));
		s->v[s->n].id = xstrdup(section);
		s->v[s->n].action = OB_ACT__COUNT;
		s->n++;
	}
	struct onboard_step_def *d = &s->v[s->n - 1];
	if (strcmp(name, "letter") == 0) {
		d->letter = value[0];
	} else if (strcmp(name, "title") == 0) {
		free(d->title);
		d->title = xstrdup(value);
	} else if (strcmp(name, "text") == 0) {
		/* inih passes each continuation line again under the same name */
		if (d->text) {
			char *t = xasprintf("%s\n%s", d->text, value);
			free(d->text);
			d->text = t;
		} else {
			d->text = xstrdup(value);
		}
	} else if (strcmp(name, "action") == 0) {
		for (int i = 0; i < OB_ACT__COUNT; i++)
			if (strcmp(value, action_names[i]) == 0)
				d->action = (enum onboard_action)i;
		if (d->action == OB_ACT__COUNT) {
			p->err = xasprintf("step [%s]: unknown action '%s'", section, value);
			return 0;
		}
	} else if (strcmp(name, "writes") == 0) {
		d->writes = strcmp(value, "yes") == 0;
	} else if (strcmp(name, "verify") == 0) {
		strv_split_list(&d->verify, value);
	} else {
		p->err = xasprintf("step [%s]: unknown key '%s'", section, name);
		return 0;
	}
	return 1;
}

int onboard_steps_load(struct onboard_steps *out, const char *text, char **err)
{
	memset(out, 0, sizeof(*out));
	if (!text) {
		const struct asset *a = asset_find("onboarding.ini");
		if (!a) {
			*err = xstrdup("the onboarding steps (onboarding.ini) are not built in");
			return -1;
		}
		text = a->data;
	}
	struct steps_parse p = {.out = out};
	int line = ini_parse_string(text, steps_ini_line, &p);
	if (!p.err && line != 0)
		p.err = xasprintf("onboarding.ini line %d: not a key = value line", line);
	for (size_t i = 0; !p.err && i < out->n; i++) {
		struct onboard_step_def *d = &out->v[i];
		if (d->action == OB_ACT__COUNT || !d->title || !d->text || !d->letter)
			p.err = xasprintf("step [%s] needs letter, title, action and text", d->id);
	}
	if (!p.err && out->n == 0)
		p.err = xstrdup("onboarding.ini holds no step");
	if (p.err) {
		*err = p.err;
		onboard_steps_free(out);
		return -1;
	}
	return 0;
}

void onboard_steps_free(struct onboard_steps *s)
{
	for (size_t i = 0; i < s->n; i++) {
		free(s->v[i].id);
		free(s->v[i].title);
		free(s->v[i].text);
		strv_free(&s->v[i].verify);
	}
	free(s->v);
	s->v = NULL;
	s->n = 0;
}

/* ---- Names ---- */

static bool label_ok(const char *l, size_t n)
{
	if (n < 1 || n > 63 || l[0] == '-' || l[n - 1] == '-')
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)l[i]) && l[i] != '-')
			return false;
	return true;
}

int onboard_domain_normalize(const char *input, char **ascii, char **err)
{
	*ascii = NULL;
	char *copy = xstrdup(input ? input : "");
	char *s = str_trim(copy);
	size_t n = strlen(s);
	if (n && s[n - 1] == '.')
		s[--n] = '\0';
	if (!n) {
		free(copy);
		*err = xstrdup("empty domain name");
		return -1;
	}
	bool plain = true;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] >= 0x80)
			plain = false;
	char *out = NULL;
	if (plain) {
		out = xstrdup(s);
		str_lower(out);
	} else {
		/* IDNA2008 with the UTS#46 mapping (case folding, NFC), as browsers and MTAs do. */
		char *idn = NULL;
		int rc = idn2_to_ascii_8z(s, &idn, IDN2_NFC_INPUT | IDN2_NONTRANSITIONAL);
		if (rc != IDN2_OK) {
			*err = xasprintf("'%s' is not a valid internationalised domain name: %s", s, idn2_strerror(rc));
			free(copy);
			return -1;
		}
		out = xstrdup(idn);
		idn2_free(idn);
	}
	free(copy);

	const char *why = NULL;
	size_t len = strlen(out), labels = 0;
	if (len > 253)
		why = "longer than 253 characters";
	const char *p = out, *last = out;
	while (!why) {
		const char *dot = strchr(p, '.');
		size_t ln = dot ? (size_t)(dot - p) : strlen(p);
		if (!label_ok(p, ln)) {
			why = ln == 0 ? "has an empty label" : ln > 63 ? "has a label longer than 63 characters"
			    : "has a label with characters other than letters, digits and inner hyphens";
			break;
		}
		/* an A-label must decode (xn--zzz is not a name) */
		if (ln > 4 && strncasecmp(p, "xn--", 4) == 0) {
			char *lab = xstrndup(p, ln), *u = NULL;
			/* lookup decodes and applies the IDNA2008 rules to the label */
			int rc = idn2_lookup_u8((const uint8_t *)lab, (uint8_t **)&u, IDN2_NONTRANSITIONAL);
			free(lab);
			if (rc != IDN2_OK)
				why = "has an invalid xn-- label";
			idn2_free(u);
		}
		labels++;
		last = p;
		if (!dot)
			break;
		p = dot + 1;
	}
	if (!why && labels < 2)
		why = "needs at least two labels (name.tld)";
	if (!why) {
		bool numeric = true;
		for (const char *q = last; *q; q++)
			if (!isdigit((unsigned char)*q))
				numeric = false;
		if (numeric)
			why = "has an all-numeric top-level label";
	}
	if (why) {
		*err = xasprintf("'%s' is not a valid domain name: it %s", out, why);
		free(out);
		return -1;
	}
	*ascii = out;
	return 0;
}

char *onboard_domain_display(const char *ascii)
{
	char *u = NULL;
	if (strstr(ascii, "xn--") && idn2_to_unicode_8z8z(ascii, &u, 0) == IDN2_OK) {
		char *r = xstrdup(u);
		idn2_free(u);
		return r;
	}
	idn2_free(u);
	return xstrdup(ascii);
}

char *onboard_txt_quote(const char *value)
{
	struct buf b = {0};
	size_t n = strlen(value);
	if (n == 0)
		buf_puts(&b, "\"\"");
	for (size_t off = 0; off < n; off += 255) {
		size_t k = n - off < 255 ? n - off : 255;
		if (off)
			buf_putc(&b, ' ');
		buf_putc(&b, '"');
		for (size_t i = 0; i < k; i++) {
			char c = value[off + i];
			if (c == '"' || c == '\\')
				buf_putc(&b, '\\');
			buf_putc(&b, c);
		}
		buf_putc(&b, '"');
	}
	return buf_steal(&b);
}

/* Network text before it reaches a terminal: control characters (C0, DEL, C1) become '?'. */
static char *clean(const char *s)
{
	struct buf b = {0};
	const unsigned char *p = (const unsigned char *)(s ? s : "");
	for (; *p; p++) {
		if (*p < 0x20 || *p == 0x7f)
			buf_putc(&b, '?');
		else if (*p == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f) {
			buf_putc(&b, '?');
			p++;
		} else
			buf_putc(&b, (char)*p);
	}
	return buf_steal(&b);
}

/* ---- Checks ---- */

static void check_free(struct onboard_check *c)
{
	free(c->check);
	free(c->target);
	free(c->status);
	free(c->summary);
	free(c->hint);
}

void onboard_checks_free(struct onboard_checks *c)
{
	for (size_t i = 0; i < c->n; i++)
		check_free(&c->v[i]);
	free(c->v);
	c->v = NULL;
	c->n = 0;
}

static bool check_tolerated(const struct onboard_check *c, bool strict)
{
	if (strcmp(c->status, "ok") == 0)
		return true;
	/* testing mode is a warning by contract; step i is what turns it green */
	return !strict && strcmp(c->check, "mta_sts.policy") == 0 && strcmp(c->status, "warning") == 0;
}

bool onboard_checks_green(const struct onboard_checks *c, bool strict, struct buf *missing)
{
	bool green = c->n > 0;
	for (size_t i = 0; i < c->n; i++) {
		if (check_tolerated(&c->v[i], strict))
			continue;
		green = false;
		if (missing) {
			char *s = clean(c->v[i].summary), *h = clean(c->v[i].hint);
			buf_printf(missing, "%s %s (%s): %s%s%s\n", c->v[i].check, c->v[i].target, c->v[i].status,
			           s, *h ? " -- " : "", h);
			free(s);
			free(h);
		}
	}
	if (c->n == 0 && missing)
		buf_puts(missing, "no check result for the domain\n");
	return green;
}

/* ---- Who ---- */

char *onboard_who(void)
{
	struct who w;
	who_current(&w);
	return w.from[0] ? xasprintf("%s from %s", w.user, w.from) : xstrdup(w.user);
}

static int by_pref(const void *a, const void *b)
{
	const struct dns_rr *x = *(const struct dns_rr *const *)a, *y = *(const struct dns_rr *const *)b;
	return (x->pref > y->pref) - (x->pref < y->pref);
}

void onboard_relay_mx_from(const struct snapshot *s, const struct config *cfg, const char *except_domain,
                           struct strv *out)
{
	for (size_t i = 0; s && i < s->n_domains && !out->n && cfg->relay_mx.n; i++) {
		const struct snap_domain *d = &s->domains[i];
		const struct dns_answer *mx = &d->dns.mx;
		if ((except_domain && strcasecmp(d->name, except_domain) == 0) || mx->status != DNS_OK || !mx->n)
			continue;
		bool all = true;
		for (size_t k = 0; k < mx->n && all; k++) {
			bool one = false;
			for (size_t p = 0; p < cfg->relay_mx.n && !one; p++)
				one = mx->rrs[k].value && str_glob(cfg->relay_mx.v[p], mx->rrs[k].value);
			all = one;
		}
		if (!all)
			continue;
		const struct dns_rr **v = xmalloc(mx->n * sizeof(*v));
		for (size_t k = 0; k < mx->n; k++)
			v[k] = &mx->rrs[k];
		qsort(v, mx->n, sizeof(*v), by_pref);
		for (size_t k = 0; k < mx->n; k++) {
			char *h = clean(v[k]->value);
			size_t n = strlen(h);
			if (n && h[n - 1] == '.')
				h[n - 1] = '\0';
			str_lower(h);
			if (strv_contains(out, h))
				free(h);
			else
				strv_push_owned(out, h);
		}
		free(v);
	}
}

const char *onboard_readonly_message(void)
{
	return "the MailCow API key is read-only: onboarding needs a read-write key. Create one in MailCow "
	       "under Configuration -> Access -> Administrators -> API (Read-Write block: activate it and "
	       "allow this host's IP), then put it in the file named by mailcow.api_key_file (mode 0600) "
	       "or in $MCON_API_KEY";
}

/* ---- The walkthrough ---- */

void onboard_outcome_free(struct onboard_outcome *o)
{
	free(o->domain);
	free(o->step);
	free(o->who);
	free(o->detail);
	free(o->written);
	memset(o, 0, sizeof(*o));
}

static void dkim_clear(struct onboard_dkim *d)
{
	free(d->selector);
	free(d->txt);
	memset(d, 0, sizeof(*d));
}

static char *url_host(const char *url)
{
	if (!url)
		return xstrdup("<the MailCow host>");
	const char *p = strstr(url, "://");
	p = p ? p + 3 : url;
	if (*p == '[') {
		const char *e = strchr(p, ']');
		return e ? xstrndup(p + 1, (size_t)(e - p - 1)) : xstrdup(p);
	}
	return xstrndup(p, strcspn(p, ":/"));
}

static char *sts_id_now(void)
{
	time_t t = mcon_now();
	struct tm tm;
	gmtime_r(&t, &tm);
	char s[32];
	strftime(s, sizeof(s), "%Y%m%d%H%M%S", &tm);
	return xstrdup(s);
}

struct onboard *onboard_new(const struct config *cfg, const char *domain,
                            const struct onboard_backend *be, void *be_ud,
                            const struct onboard_ui *ui, const struct onboard_opts *opts,
                            char **err)
{
	struct onboard *ob = xcalloc(1, sizeof(*ob));
	if (onboard_steps_load(&ob->steps, NULL, err) < 0) {
		free(ob);
		return NULL;
	}
	ob->cfg = cfg;
	ob->be = be;
	ob->be_ud = be_ud;
	if (ui)
		ob->ui = *ui;
	ob->run = xcalloc(ob->steps.n, sizeof(*ob->run));
	for (size_t i = 0; i < ob->steps.n; i++)
		ob->run[i].def = &ob->steps.v[i];
	ob->domain = xstrdup(domain);
	ob->display = onboard_domain_display(domain);
	ob->who = opts && opts->who ? xstrdup(opts->who) : onboard_who();
	ob->catchall_to = opts && opts->catchall_to ? xstrdup(opts->catchall_to) : NULL;
	if (opts && opts->mx && opts->mx->n) {
		for (size_t i = 0; i < opts->mx->n; i++) {
			char *h = xstrdup(opts->mx->v[i]);
			size_t n = strlen(h);
			if (n && h[n - 1] == '.')
				h[n - 1] = '\0';
			str_lower(h);
			strv_push_owned(&ob->mx, h);
		}
		ob->mx_source = xstrdup("--mx");
	}
	ob->wait_s = opts ? opts->wait_s : 0;
	ob->plan_only = opts && opts->plan_only;
	ob->restart_sogo = opts && opts->restart_sogo;
	ob->mailcow_host = url_host(cfg->mailcow_url);
	const char *msel = cfg->dkim_mailcow_selector ? cfg->dkim_mailcow_selector : "dkim";
	for (size_t i = 0; i < cfg->dkim_selectors.n; i++)
		if (strcmp(cfg->dkim_selectors.v[i], msel) != 0) {
			ob->relay_selector = xstrdup(cfg->dkim_selectors.v[i]);
			break;
		}
	ob->sts_id = sts_id_now();
	return ob;
}

void onboard_free(struct onboard *ob)
{
	if (!ob)
		return;
	for (size_t i = 0; i < ob->steps.n; i++) {
		free(ob->run[i].detail);
		free(ob->run[i].written);
		free(ob->run[i].who);
	}
	free(ob->run);
	onboard_steps_free(&ob->steps);
	free(ob->domain);
	free(ob->display);
	free(ob->who);
	free(ob->catchall_to);
	strv_free(&ob->mx);
	free(ob->mx_source);
	free(ob->mailcow_host);
	free(ob->relay_selector);
	dkim_clear(&ob->dkim);
	onboard_checks_free(&ob->last);
	free(ob->sts_id);
	free(ob->warnings);
	free(ob);
}

static const char *msel(const struct onboard *ob)
{
	return ob->cfg->dkim_mailcow_selector ? ob->cfg->dkim_mailcow_selector : "dkim";
}

static const char *relay_name(const struct onboard *ob)
{
	return ob->cfg->relay_name ? ob->cfg->relay_name : "the relay";
}

static ssize_t step_index(const struct onboard *ob, enum onboard_action a)
{
	for (size_t i = 0; i < ob->steps.n; i++)
		if (ob->steps.v[i].action == a)
			return (ssize_t)i;
	return -1;
}

/* The id of the last policy written, from the outcome of g or i ("... id=NNN"). */
static void sts_id_from(struct onboard *ob, const char *written)
{
	const char *p = written ? strstr(written, "_mta-sts id=") : NULL;
	if (!p)
		return;
	p += strlen("_mta-sts id=");
	size_t n = strspn(p, "0123456789");
	if (n) {
		free(ob->sts_id);
		ob->sts_id = xstrndup(p, n);
	}
}

void onboard_restore(struct onboard *ob, const struct onboard_outcome *o)
{
	for (size_t i = 0; i < ob->steps.n; i++) {
		if (strcmp(ob->steps.v[i].id, o->step) != 0)
			continue;
		struct onboard_step_run *r = &ob->run[i];
		r->state = o->state;
		free(r->detail);
		free(r->written);
		free(r->who);
		r->detail = xstrdup(o->detail);
		r->written = xstrdup(o->written);
		r->who = xstrdup(o->who);
		r->at = o->at;
		if (r->def->action == OB_ACT_ADD_MTA_STS || r->def->action == OB_ACT_MTA_STS_ENFORCE)
			sts_id_from(ob, o->written);
		if (r->def->action == OB_ACT_MTA_STS_ENFORCE && o->state == OB_DONE)
			ob->onboarded = true;
	}
}

size_t onboard_next(const struct onboard *ob)
{
	for (size_t i = 0; i < ob->steps.n; i++)
		if (ob->run[i].state != OB_DONE && ob->run[i].state != OB_SKIPPED)
			return i;
	return ob->steps.n;
}

static void say(struct onboard *ob, const char *fmt, ...) ATTR_PRINTF(2, 3);
static void say(struct onboard *ob, const char *fmt, ...)
{
	if (!ob->ui.say)
		return;
	va_list ap;
	va_start(ap, fmt);
	char *s = xvasprintf(fmt, ap);
	va_end(ap);
	ob->ui.say(ob->ui.ud, s);
	free(s);
}

/* Shows the warnings MailCow returned with a successful write (takes *w) and keeps them for
 * the step's detail. */
static void warned(struct onboard *ob, char **w)
{
	if (!*w)
		return;
	char *c = clean(*w);
	free(*w);
	*w = NULL;
	say(ob, "MailCow warned: %s", c);
	if (ob->warnings) {
		char *both = xasprintf("%s; %s", ob->warnings, c);
		free(c);
		c = both;
	}
	free(ob->warnings);
	ob->warnings = c;
}

static bool confirm(struct onboard *ob, const char *fmt, ...) ATTR_PRINTF(2, 3);
static bool confirm(struct onboard *ob, const char *fmt, ...)
{
	if (!ob->ui.confirm)
		return true;
	va_list ap;
	va_start(ap, fmt);
	char *s = xvasprintf(fmt, ap);
	va_end(ap);
	bool yes = ob->ui.confirm(ob->ui.ud, s);
	free(s);
	return yes;
}

/* Records a step's new state (takes detail and written) and saves it. */
static enum onboard_state set_state(struct onboard *ob, size_t i, enum onboard_state st, char *detail, char *written)
{
	struct onboard_step_run *r = &ob->run[i];
	r->state = st;
	free(r->detail);
	free(r->written);
	free(r->who);
	r->detail = detail;
	if (ob->warnings && detail && st == OB_DONE) {
		r->detail = xasprintf("%s; MailCow warned: %s", detail, ob->warnings);
		free(detail);
	}
	free(ob->warnings);
	ob->warnings = NULL;
	r->written = written;
	r->who = xstrdup(ob->who);
	r->at = mcon_now();
	if (ob->ui.save) {
		struct onboard_outcome o = {
			.domain = ob->domain, .step = r->def->id, .state = st, .who = r->who,
			.at = r->at, .detail = r->detail, .written = r->written,
		};
		ob->ui.save(ob->ui.ud, &o);
	}
	return st;
}

/* The state for a failed backend call; takes err. */
static enum onboard_state fail(struct onboard *ob, size_t i, int rc, const char *what, char *err)
{
	char *e = clean(err ? err : "unknown error");
	free(err);
	if (rc == OB_RC_READONLY) {
		free(e);
		say(ob, "%s", onboard_readonly_message());
		return set_state(ob, i, OB_NEEDS_RW, xasprintf("%s refused: read-only API key", what), NULL);
	}
	say(ob, "%s failed: %s", what, e);
	char *d = xasprintf("%s failed: %s", what, e);
	free(e);
	return set_state(ob, i, OB_FAILED, d, NULL);
}

static enum onboard_state declined(struct onboard *ob, size_t i, const char *what)
{
	say(ob, "not done: %s declined", what);
	return set_state(ob, i, OB_DECLINED, xasprintf("%s declined", what), NULL);
}

static enum onboard_state run_preflight(struct onboard *ob, size_t i)
{
	char *err = NULL;
	int rc = ob->be->ping(ob->be_ud, &err);
	if (rc != OB_RC_OK)
		return fail(ob, i, rc, "reaching the MailCow API", err);
	bool exists = false, active = false;
	rc = ob->be->domain_get(ob->be_ud, ob->domain, &exists, &active, &err);
	if (rc != OB_RC_OK)
		return fail(ob, i, rc, "GET domain", err);
	ob->domain_exists = exists;
	struct buf d = {0};
	buf_printf(&d, "name %s valid", ob->domain);
	if (exists) {
		if (!confirm(ob, "%s is already in MailCow: adopt it and continue", ob->domain)) {
			buf_free(&d);
			return declined(ob, i, "adopting the existing domain");
		}
		buf_printf(&d, "; already in MailCow (%s): adopted", active ? "active" : "inactive");
	} else {
		buf_puts(&d, "; not in MailCow yet");
	}
	rc = ob->be->write_probe(ob->be_ud, &err);
	if (rc == OB_RC_READONLY) {
		free(err);
		buf_free(&d);
		say(ob, "%s", onboard_readonly_message());
		return set_state(ob, i, OB_NEEDS_RW, xstrdup("the API key is read-only"), NULL);
	}
	if (rc == OB_RC_OK) {
		buf_puts(&d, "; API key can write");
	} else {
		char *e = clean(err);
		buf_printf(&d, "; write access not known (%s): the first write will tell", e);
		free(e);
	}
	free(err);
	say(ob, "%s", buf_cstr(&d));
	return set_state(ob, i, OB_DONE, buf_steal(&d), NULL);
}

static enum onboard_state run_add_domain(struct onboard *ob, size_t i)
{
	char *err = NULL;
	bool exists = false, active = false;
	int rc = ob->be->domain_get(ob->be_ud, ob->domain, &exists, &active, &err);
	if (rc != OB_RC_OK)
		return fail(ob, i, rc, "GET domain", err);
	if (exists) {
		ob->domain_exists = true;
		say(ob, "%s is in MailCow already: adopted", ob->domain);
		return set_state(ob, i, OB_DONE, xasprintf("adopted the existing domain (%s)", active ? "active" : "inactive"), NULL);
	}
	if (!confirm(ob, "Create %s in MailCow (DKIM selector %s, %d-bit key%s)", ob->domain, msel(ob), OB_KEY_BITS,
	             ob->restart_sogo ? ", then restart the sogo-mailcow container" : ""))
		return declined(ob, i, "creating the domain");
	rc = ob->be->domain_add(ob->be_ud, ob->domain, msel(ob), OB_KEY_BITS, ob->restart_sogo, &err);
	if (rc != OB_RC_OK)
		return fail(ob, i, rc, "add/domain", err);
	warned(ob, &err);
	ob->domain_exists = true;
	say(ob, "created %s in MailCow", ob->domain);
	return set_state(ob, i, OB_DONE, xasprintf("created %s", ob->domain),
	                 xasprintf("add/domain {\"domain\":\"%s\",\"active\":1,\"dkim_selector\":\"%s\",\"key_size\":%d%s}",
	                           ob->domain, msel(ob), OB_KEY_BITS, ob->restart_sogo ? ",\"restart_sogo\":1" : ""));
}

static bool address_ok(const char *a)
{
	const char *at = strchr(a, '@');
	if (!at || at == a || !at[1] || strchr(at + 1, '@'))
		return false;
	for (const char *p = a; *p; p++)
		if ((unsigned char)*p <= ' ' || *p == '"' || *p == ',' || *p == '\\' || (unsigned char)*p == 0x7f)
			return false;
	return true;
}

static enum onboard_state run_catchall(struct onboard *ob, size_t i)
{
	if (!ob->cfg->relay_catchall)
		return set_state(ob, i, OB_SKIPPED, xstrdup("relay.catchall is off: no catch-all needed"), NULL);
	char *err = NULL;
	char *address = xasprintf("@%s", ob->domain);
	struct onboard_alias al = {0};
	int rc = ob->be->alias_get(ob->be_ud, address, &al, &err);
	enum onboard_state st;
	if (rc != OB_RC_OK) {
		st = fail(ob, i, rc, "GET alias", err);
	} else if (al.exists && al.active) {
		char *g = clean(al.goto_addr);
		say(ob, "catch-all %s exists and is active (goto %s): adopted", address, g);
		st = set_state(ob, i, OB_DONE, xasprintf("adopted the active catch-all %s -> %s", address, g), NULL);
		free(g);
	} else if (al.exists) {
		if (!confirm(ob, "Activate the existing catch-all %s", address)) {
			st = declined(ob, i, "activating the catch-all");
		} else if ((rc = ob->be->alias_activate(ob->be_ud, address, &err)) != OB_RC_OK) {
			st = fail(ob, i, rc, "edit/alias", err);
		} else {
			warned(ob, &err);
			say(ob, "activated the catch-all %s", address);
			st = set_state(ob, i, OB_DONE, xasprintf("activated the existing catch-all %s", address),
			               xasprintf("edit/alias {\"items\":[\"%s\"],\"attr\":{\"active\":1}}", address));
		}
	} else {
		char *target = ob->catchall_to ? xstrdup(ob->catchall_to) : NULL;
		if (!target && ob->ui.ask) {
			char *q = xasprintf("Catch-all %s: deliver to which mailbox (e.g. postmaster@%s)", address, ob->domain);
			target = ob->ui.ask(ob->ui.ud, q);
			free(q);
		}
		if (target)
			target = memmove(target, str_trim(target), strlen(str_trim(target)) + 1);
		if (!target || !*target) {
			say(ob, "the catch-all needs a target mailbox: pass --catchall-to ADDRESS");
			st = set_state(ob, i, OB_FAILED, xstrdup("no target mailbox for the catch-all (--catchall-to ADDRESS)"), NULL);
		} else if (!address_ok(target)) {
			char *t = clean(target);
			say(ob, "'%s' is not a mail address: pass --catchall-to ADDRESS", t);
			st = set_state(ob, i, OB_FAILED, xasprintf("'%s' is not a mail address", t), NULL);
			free(t);
		} else if (!confirm(ob, "Create the catch-all %s -> %s (active)", address, target)) {
			st = declined(ob, i, "creating the catch-all");
		} else if ((rc = ob->be->alias_add(ob->be_ud, address, target, &err)) != OB_RC_OK) {
			st = fail(ob, i, rc, "add/alias", err);
		} else {
			warned(ob, &err);
			say(ob, "created the catch-all %s -> %s", address, target);
			free(ob->catchall_to);
			ob->catchall_to = xstrdup(target);
			st = set_state(ob, i, OB_DONE, xasprintf("created the catch-all %s -> %s", address, target),
			               xasprintf("add/alias {\"address\":\"%s\",\"goto\":\"%s\",\"active\":1,\"sender_allowed\":1}",
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
	char *t = clean(ob->dkim.txt), *q = onboard_txt_quote(t);
	say(ob, "%s._domainkey.%s. %d IN TXT %s", msel(ob), ob->domain, OB_TTL, q);
	free(t);
	free(q);
}

static enum onboard_state run_dkim(struct onboard *ob, size_t i)
{
	char *err = NULL;
	dkim_clear(&ob->dkim);
	int rc = ob->be->dkim_get(ob->be_ud, ob->domain, &ob->dkim, &err);
	if (rc != OB_RC_OK)
		return fail(ob, i, rc, "GET dkim", err);
	if (ob->dkim.present) {
		char *s = clean(ob->dkim.selector);
		if (strcmp(s, msel(ob)) != 0) {
			say(ob, "MailCow holds a DKIM key for %s with selector %s, not %s: set dkim.mailcow_selector = %s, "
			    "or delete the key in MailCow (Configuration -> ARC/DKIM keys) and run again", ob->domain, s, msel(ob), s);
			enum onboard_state st = set_state(ob, i, OB_FAILED,
			                                  xasprintf("MailCow's key has selector %s, the configured one is %s", s, msel(ob)), NULL);
			free(s);
			return st;
		}
		free(s);
		say(ob, "MailCow holds a %d-bit DKIM key with selector %s:", ob->dkim.bits, msel(ob));
		say_dkim(ob);
		return set_state(ob, i, OB_DONE, xasprintf("MailCow holds a key with selector %s (%d bits)", msel(ob), ob->dkim.bits), NULL);
	}
	if (!confirm(ob, "Create a %d-bit DKIM key with selector %s for %s in MailCow", OB_KEY_BITS, msel(ob), ob->domain))
		return declined(ob, i, "creating the DKIM key");
	rc = ob->be->dkim_add(ob->be_ud, ob->domain, msel(ob), OB_KEY_BITS, &err);
	if (rc != OB_RC_OK)
		return fail(ob, i, rc, "add/dkim", err);
	warned(ob, &err);
	rc = ob->be->dkim_get(ob->be_ud, ob->domain, &ob->dkim, &err);
	if (rc != OB_RC_OK || !ob->dkim.present)
		return fail(ob, i, rc == OB_RC_OK ? OB_RC_ERR : rc, "reading the new DKIM key", err ? err : xstrdup("MailCow shows no key"));
	say(ob, "created the DKIM key:");
	say_dkim(ob);
	return set_state(ob, i, OB_DONE, xasprintf("created a %d-bit key with selector %s", OB_KEY_BITS, msel(ob)),
	                 xasprintf("add/dkim {\"domains\":\"%s\",\"dkim_selector\":\"%s\",\"key_size\":%d}", ob->domain, msel(ob), OB_KEY_BITS));
}

static int host_is_ip(const char *h)
{
	unsigned char a[16];
	if (inet_pton(AF_INET, h, a) == 1)
		return 4;
	if (inet_pton(AF_INET6, h, a) == 1)
		return 6;
	return 0;
}

/* The policy's mx: the relay's patterns and the MailCow host itself. */
static char *sts_mx(const struct onboard *ob)
{
	struct strv v = {0};
	for (size_t i = 0; i < ob->cfg->relay_mx.n; i++)
		strv_push(&v, ob->cfg->relay_mx.v[i]);
	/* an MX is a name: a MailCow reached by address only adds nothing here */
	if (!host_is_ip(ob->mailcow_host) && !strv_contains(&v, ob->mailcow_host))
		strv_push(&v, ob->mailcow_host);
	char *s = strv_join(&v, ",");
	strv_free(&v);
	return s;
}

static enum onboard_state run_mta_sts(struct onboard *ob, size_t i)
{
	char *err = NULL, *mx = sts_mx(ob);
	enum onboard_state st;
	if (!confirm(ob, "Publish an MTA-STS policy for %s in testing mode (mx %s)", ob->domain, mx)) {
		free(mx);
		return declined(ob, i, "publishing the MTA-STS policy");
	}
	int rc = ob->be->mta_sts_add(ob->be_ud, ob->domain, "testing", mx, OB_STS_MAX_AGE, &err);
	char *id = sts_id_now();
	if (rc == OB_RC_OK) {
		warned(ob, &err);
		free(ob->sts_id);
		ob->sts_id = xstrdup(id);
		say(ob, "published the MTA-STS policy (testing)");
		st = set_state(ob, i, OB_DONE, xstrdup("policy published in testing mode"),
		               xasprintf("add/mta-sts {\"domain\":\"%s\",\"version\":\"stsv1\",\"mode\":\"testing\",\"mx\":\"%s\","
		                         "\"max_age\":%ld,\"active\":1}; _mta-sts id=%s", ob->domain, mx, OB_STS_MAX_AGE, id));
	} else if (rc == OB_RC_READONLY) {
		st = fail(ob, i, rc, "add/mta-sts", err);
	} else {
		/* MailCow has no GET for MTA-STS: a refused add usually means a policy exists
		 * (an adopted domain, or a run cut off after the write). Set its mx, keep its mode. */
		char *e1 = clean(err);
		free(err);
		err = NULL;
		rc = ob->be->mta_sts_edit(ob->be_ud, ob->domain, NULL, mx, &err);
		if (rc == OB_RC_OK) {
			warned(ob, &err);
			free(ob->sts_id);
			ob->sts_id = xstrdup(id);
			say(ob, "an MTA-STS policy existed (%s): its mx list is set, its mode kept", e1);
			st = set_state(ob, i, OB_DONE, xasprintf("adopted the existing policy (add said: %s); mx set", e1),
			               xasprintf("edit/mta-sts {\"items\":[\"%s\"],\"attr\":{\"version\":\"stsv1\",\"mx\":\"%s\","
			                         "\"active\":1}}; _mta-sts id=%s",
			                         ob->domain, mx, id));
		} else {
			char *e2 = clean(err);
			free(err);
			st = fail(ob, i, rc, "add/mta-sts", xasprintf("%s; edit/mta-sts: %s", e1, e2));
			free(e2);
		}
		free(e1);
	}
	free(id);
	free(mx);
	return st;
}

/* Whether every result for the check ids of a step's verify list is ok ("check" any
 * target of the domain, "check/sel" the target domain/sel). No result = not shown ok. */
static bool step_verified(const struct onboard *ob, const struct onboard_step_def *d, const struct onboard_checks *c)
{
	bool any = false;
	for (size_t k = 0; k < d->verify.n; k++) {
		const char *v = d->verify.v[k];
		if (str_starts_with(v, "api:"))
			continue;
		const char *slash = strchr(v, '/');
		size_t idlen = slash ? (size_t)(slash - v) : strlen(v);
		char *want_target = NULL;
		if (slash) {
			const char *sel = slash + 1;
			if (strcmp(sel, "{relay_selector}") == 0)
				sel = ob->relay_selector ? ob->relay_selector : "";
			want_target = xasprintf("%s/%s", ob->domain, sel);
		}
		bool seen = false;
		for (size_t j = 0; j < c->n; j++) {
			if (strlen(c->v[j].check) != idlen || strncmp(c->v[j].check, v, idlen) != 0)
				continue;
			if (want_target && strcmp(c->v[j].target, want_target) != 0)
				continue;
			seen = true;
			if (!check_tolerated(&c->v[j], false)) {
				free(want_target);
				return false;
			}
		}
		free(want_target);
		if (!seen)
			return false;
		any = true;
	}
	return any;
}

/* After a verification: manual and DNS steps whose checks now pass are done. */
static void mark_verified(struct onboard *ob)
{
	for (size_t i = 0; i < ob->steps.n; i++) {
		const struct onboard_step_def *d = &ob->steps.v[i];
		if (d->action != OB_ACT_MANUAL_RELAY && d->action != OB_ACT_DNS_PUBLISH)
			continue;
		if (ob->run[i].state == OB_DONE)
			continue;
		if (step_verified(ob, d, &ob->last))
			set_state(ob, i, OB_DONE, xstrdup("verified: its checks pass"), NULL);
	}
}

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

int onboard_verify(struct onboard *ob, char **why)
{
	char *err = NULL;
	struct onboard_checks c = {0};
	int rc = ob->be->checks(ob->be_ud, ob->domain, &c, &err);
	if (rc != OB_RC_OK) {
		*why = clean(err ? err : "the checks could not run");
		free(err);
		onboard_checks_free(&c);
		return -1;
	}
	/* only the checks the verify step names count (relay.outbound, say, is not onboarding's) */
	ssize_t v = step_index(ob, OB_ACT_VERIFY);
	if (v >= 0 && ob->steps.v[v].verify.n) {
		size_t k = 0;
		for (size_t j = 0; j < c.n; j++) {
			if (strv_contains(&ob->steps.v[v].verify, c.v[j].check)) {
				c.v[k++] = c.v[j];
			} else {
				check_free(&c.v[j]);
			}
		}
		c.n = k;
	}
	onboard_checks_free(&ob->last);
	ob->last = c;
	return 0;
}

static enum onboard_state run_verify(struct onboard *ob, size_t i)
{
	long long start = (long long)time(NULL);
	long delay = OB_WAIT_FIRST_MS;
	for (int round = 1;; round++) {
		char *why = NULL;
		if (onboard_verify(ob, &why) < 0) {
			say(ob, "verification failed: %s", why);
			char *d = xasprintf("the checks could not run: %s", why);
			free(why);
			return set_state(ob, i, OB_FAILED, d, NULL);
		}
		mark_verified(ob);
		struct buf missing = {0};
		if (onboard_checks_green(&ob->last, false, &missing)) {
			buf_free(&missing);
			say(ob, "every check of %s passes%s", ob->domain,
			    onboard_checks_green(&ob->last, true, NULL) ? "" : " (MTA-STS still in testing mode)");
			return set_state(ob, i, OB_DONE, xasprintf("every check passed (round %d)", round), NULL);
		}
		long left = ob->wait_s - (long)((long long)time(NULL) - start);
		size_t n = 0;
		for (const char *p = buf_cstr(&missing); *p; p++)
			n += *p == '\n';
		say(ob, "not yet (round %d): %zu check%s of %s not passing:", round, n, n == 1 ? "" : "s", ob->domain);
		for (char *sv = NULL, *line = strtok_r(missing.data, "\n", &sv); line; line = strtok_r(NULL, "\n", &sv))
			say(ob, "  %s", line);
		if (left <= 0) {
			buf_free(&missing);
			return set_state(ob, i, OB_PENDING, xasprintf("%zu check%s not passing yet", n, n == 1 ? "" : "s"), NULL);
		}
		buf_free(&missing);
		long ms = delay < left * 1000 ? delay : left * 1000;
		say(ob, "checking again in %lds", (ms + 999) / 1000);
		bool go_on = true;
		if (ob->ui.wait)
			go_on = ob->ui.wait(ob->ui.ud, ms);
		else
			sleep_ms(ms);
		if (!go_on)
			return set_state(ob, i, OB_PENDING, xstrdup("stopped while checks were not passing yet"), NULL);
		delay = delay * 2 > OB_WAIT_MAX_MS ? OB_WAIT_MAX_MS : delay * 2;
	}
}

static enum onboard_state run_enforce(struct onboard *ob, size_t i)
{
	ssize_t v = step_index(ob, OB_ACT_VERIFY);
	if (v >= 0 && ob->run[v].state != OB_DONE)
		return set_state(ob, i, OB_PENDING, xstrdup("waits for every check to pass (step h)"), NULL);
	if (!confirm(ob, "Switch the MTA-STS policy of %s to enforce", ob->domain))
		return declined(ob, i, "switching MTA-STS to enforce");
	char *err = NULL;
	int rc = ob->be->mta_sts_edit(ob->be_ud, ob->domain, "enforce", NULL, &err);
	if (rc != OB_RC_OK)
		return fail(ob, i, rc, "edit/mta-sts", err);
	warned(ob, &err);
	free(ob->sts_id);
	ob->sts_id = sts_id_now();
	ob->onboarded = true;
	say(ob, "MTA-STS is enforced for %s; %s is onboarded. MailCow gave the policy a new id: update the TXT record to", ob->domain, ob->domain);
	say(ob, "_mta-sts.%s. %d IN TXT \"v=STSv1; id=%s\"", ob->domain, OB_TTL, ob->sts_id);
	return set_state(ob, i, OB_DONE, xstrdup("MTA-STS enforced; domain onboarded"),
	                 xasprintf("edit/mta-sts {\"items\":[\"%s\"],\"attr\":{\"version\":\"stsv1\",\"mode\":\"enforce\","
	                           "\"active\":1}}; _mta-sts id=%s", ob->domain, ob->sts_id));
}

static enum onboard_state run_manual(struct onboard *ob, size_t i)
{
	struct buf b = {0};
	onboard_step_describe(ob, i, &b);
	for (char *sv = NULL, *line = strtok_r(b.data, "\n", &sv); line; line = strtok_r(NULL, "\n", &sv))
		say(ob, "%s", line);
	buf_free(&b);
	const char *d = ob->steps.v[i].action == OB_ACT_DNS_PUBLISH
		? "records shown; done once the checks see them in DNS"
		: "manual step shown; done once its checks pass";
	return set_state(ob, i, OB_PENDING, xstrdup(d), NULL);
}

enum onboard_state onboard_step_run(struct onboard *ob, size_t i)
{
	if (i >= ob->steps.n)
		return OB_DONE;
	if (ob->plan_only)
		return ob->run[i].state;
	switch (ob->steps.v[i].action) {
	case OB_ACT_PREFLIGHT: return run_preflight(ob, i);
	case OB_ACT_ADD_DOMAIN: return run_add_domain(ob, i);
	case OB_ACT_ADD_ALIAS_CATCHALL: return run_catchall(ob, i);
	case OB_ACT_ENSURE_DKIM: return run_dkim(ob, i);
	case OB_ACT_MANUAL_RELAY: return run_manual(ob, i);
	case OB_ACT_DNS_PUBLISH:
		/* the zone lines need MailCow's key */
		if (!ob->dkim.present) {
			char *err = NULL;
			dkim_clear(&ob->dkim);
			if (ob->be->dkim_get(ob->be_ud, ob->domain, &ob->dkim, &err) != OB_RC_OK)
				dkim_clear(&ob->dkim);
			free(err);
		}
		return run_manual(ob, i);
	case OB_ACT_ADD_MTA_STS: return run_mta_sts(ob, i);
	case OB_ACT_VERIFY: return run_verify(ob, i);
	case OB_ACT_MTA_STS_ENFORCE: return run_enforce(ob, i);
	case OB_ACT__COUNT: break;
	}
	return OB_FAILED;
}

enum onboard_state onboard_run(struct onboard *ob)
{
	enum onboard_state last = OB_DONE;
	for (size_t i = onboard_next(ob); i < ob->steps.n; i++) {
		const struct onboard_step_run *r = &ob->run[i];
		if (r->state == OB_DONE || r->state == OB_SKIPPED)
			continue;
		say(ob, "== Step %c (%zu of %zu): %s", r->def->letter, i + 1, ob->steps.n, r->def->title);
		last = onboard_step_run(ob, i);
		if (last == OB_FAILED || last == OB_NEEDS_RW || last == OB_DECLINED)
			break;
		/* enforcing waits for green checks */
		if (r->def->action == OB_ACT_VERIFY && last != OB_DONE)
			break;
	}
	return last;
}

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
					v = relay_name(ob);
				else if (n == 14 && !strncmp(p + 1, "relay_selector", n))
					v = ob->relay_selector ? ob->relay_selector : "(none configured)";
				else if (n == 16 && !strncmp(p + 1, "mailcow_selector", n))
					v = msel(ob);
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
			char *h = clean(hosts.v[i]);
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
			buf_printf(out, "; no concrete %s MX host known: pass --mx HOST (repeatable), one matching %s\n",
			           relay_name(ob), *pat ? pat : "relay.mx");
			buf_printf(out, "%s. %d IN MX 10 <%s MX host>.\n", d, OB_TTL, relay_name(ob));
			free(pat);
		}
	} else if (host_is_ip(ob->mailcow_host)) {
		buf_printf(out, "%s. %d IN MX 10 <the MailCow host name>.\n", d, OB_TTL);
	} else {
		buf_printf(out, "%s. %d IN MX 10 %s.\n", d, OB_TTL, ob->mailcow_host);
	}
	if (ob->cfg->relay_spf_include)
		buf_printf(out, "%s. %d IN TXT \"v=spf1 include:%s -all\"\n", d, OB_TTL, ob->cfg->relay_spf_include);
	else
		buf_printf(out, "%s. %d IN TXT \"v=spf1 mx -all\"\n", d, OB_TTL);
	if (ob->dkim.present && ob->dkim.txt) {
		char *t = clean(ob->dkim.txt), *q = onboard_txt_quote(t);
		buf_printf(out, "%s._domainkey.%s. %d IN TXT %s\n", msel(ob), d, OB_TTL, q);
		free(t);
		free(q);
	} else {
		buf_printf(out, "%s._domainkey.%s. %d IN TXT \"<the key MailCow generates at step b, shown at step d>\"\n",
		           msel(ob), d, OB_TTL);
	}
	if (ob->relay_selector)
		buf_printf(out, "%s._domainkey.%s. %d IN TXT \"<the DKIM record %s shows for selector %s>\"\n",
		           ob->relay_selector, d, OB_TTL, relay_name(ob), ob->relay_selector);
	buf_printf(out, "_dmarc.%s. %d IN TXT \"v=DMARC1; p=quarantine; rua=mailto:postmaster@%s\"\n", d, OB_TTL, d);
	buf_printf(out, "_mta-sts.%s. %d IN TXT \"v=STSv1; id=%s\"\n", d, OB_TTL, ob->sts_id);
	/* mailcow.url by address (a lab): the policy host gets the address itself */
	int ip = host_is_ip(ob->mailcow_host);
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
			buf_printf(out, "  -> add/domain {\"domain\":\"%s\",\"active\":1,\"dkim_selector\":\"%s\",\"key_size\":%d%s}%s\n",
			           d, msel(ob), OB_KEY_BITS, ob->restart_sogo ? ",\"restart_sogo\":1" : "",
			           ob->restart_sogo ? ": MailCow then restarts the sogo-mailcow container" : "");
		break;
	case OB_ACT_ADD_ALIAS_CATCHALL:
		if (!ob->cfg->relay_catchall)
			buf_puts(out, "  -> skipped: relay.catchall is off\n");
		else
			buf_printf(out, "  -> add/alias {\"address\":\"@%s\",\"goto\":\"%s\",\"active\":1,\"sender_allowed\":1}"
			           " unless an active catch-all exists\n",
			           d, ob->catchall_to ? ob->catchall_to : "<the mailbox you choose: --catchall-to ADDRESS>");
		break;
	case OB_ACT_ENSURE_DKIM:
		if (ob->dkim.present) {
			char *s = clean(ob->dkim.selector);
			buf_printf(out, "  -> MailCow holds a %d-bit key with selector %s%s\n", ob->dkim.bits, s,
			           strcmp(s, msel(ob)) ? ": NOT the configured selector" : "");
			free(s);
		} else {
			buf_printf(out, "  -> add/dkim {\"domains\":\"%s\",\"dkim_selector\":\"%s\",\"key_size\":%d} if add/domain made none\n",
			           d, msel(ob), OB_KEY_BITS);
		}
		break;
	case OB_ACT_MANUAL_RELAY:
		buf_printf(out, "  -> manual: at %s, add %s and copy the DKIM record for selector %s\n", relay_name(ob), d,
		           ob->relay_selector ? ob->relay_selector : "(none configured)");
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
		char *mx = sts_mx(ob);
		buf_printf(out, "  -> add/mta-sts {\"domain\":\"%s\",\"version\":\"stsv1\",\"mode\":\"testing\",\"mx\":\"%s\",\"max_age\":%ld,\"active\":1}\n",
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
		buf_printf(out, "  -> edit/mta-sts {\"items\":[\"%s\"],\"attr\":{\"version\":\"stsv1\",\"mode\":\"enforce\","
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
			dkim_clear(&ob->dkim);
			if (ob->be->dkim_get(ob->be_ud, ob->domain, &ob->dkim, &err) != OB_RC_OK) {
				dkim_clear(&ob->dkim);
				free(err);
				err = NULL;
			}
		}
	}
	buf_printf(out, "Onboarding %s", ob->domain);
	if (strcmp(ob->display, ob->domain) != 0)
		buf_printf(out, " (%s)", ob->display);
	buf_printf(out, ": %zu steps, relay %s, MailCow host %s\n", ob->steps.n, relay_name(ob), ob->mailcow_host);
	if (!reachable) {
		char *e = clean(err);
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
