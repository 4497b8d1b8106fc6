/* onboard: the walkthrough engine (see onboard.h): a session's state, the results of the
 * checks, the relay's MX hosts, running one step or all, and the verification rounds. The
 * steps file, the names, the actions and the plan text live in core/onboard_*.c. */
#include "core/onboard_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/sanitize.h"
#include "core/snapshot.h"
#include "core/who.h"

/* ---- Checks ---- */

static void check_free(struct check_result *c)
{
	free(c->target);
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

static bool check_tolerated(const struct check_result *c, bool strict)
{
	if (c->status == STATUS_OK)
		return true;
	/* testing mode is a warning by contract; step i is what turns it green */
	return !strict && strcmp(c->check, "mta_sts.policy") == 0 && c->status == STATUS_WARNING;
}

bool onboard_checks_green(const struct onboard_checks *c, bool strict, struct buf *missing)
{
	bool green = c->n > 0;
	for (size_t i = 0; i < c->n; i++) {
		if (check_tolerated(&c->v[i], strict))
			continue;
		green = false;
		if (missing) {
			char *s = sanitize_line(c->v[i].summary, SIZE_MAX), *h = sanitize_line(c->v[i].hint, SIZE_MAX);
			buf_printf(missing, "%s %s (%s): %s%s%s\n", c->v[i].check, c->v[i].target,
			           status_name(c->v[i].status), s, *h ? " -- " : "", h);
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
			char *h = sanitize_line(v[k]->value, SIZE_MAX);
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

void ob_dkim_clear(struct onboard_dkim *d)
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

char *ob_sts_id_now(void)
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
	ob->sts_id = ob_sts_id_now();
	/* the target given (flag or prompt) is remembered even when the step is declined */
	if (ob->catchall_to && !ob->plan_only && ob->ui.remember_catchall && ob_address_ok(ob->catchall_to))
		ob->ui.remember_catchall(ob->ui.ud, ob->catchall_to);
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
	ob_dkim_clear(&ob->dkim);
	onboard_checks_free(&ob->last);
	free(ob->sts_id);
	free(ob->warnings);
	free(ob);
}

const char *ob_msel(const struct onboard *ob)
{
	return ob->cfg->dkim_mailcow_selector ? ob->cfg->dkim_mailcow_selector : "dkim";
}

const char *ob_relay_name(const struct onboard *ob)
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

void ob_say(struct onboard *ob, const char *fmt, ...)
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
void ob_warned(struct onboard *ob, char **w)
{
	if (!*w)
		return;
	char *c = sanitize_line(*w, SIZE_MAX);
	free(*w);
	*w = NULL;
	ob_say(ob, "MailCow warned: %s", c);
	if (ob->warnings) {
		char *both = xasprintf("%s; %s", ob->warnings, c);
		free(c);
		c = both;
	}
	free(ob->warnings);
	ob->warnings = c;
}

bool ob_confirm(struct onboard *ob, const char *fmt, ...)
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
enum onboard_state ob_set_state(struct onboard *ob, size_t i, enum onboard_state st, char *detail, char *written)
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
enum onboard_state ob_fail(struct onboard *ob, size_t i, int rc, const char *what, char *err)
{
	char *e = sanitize_line(err ? err : "unknown error", SIZE_MAX);
	free(err);
	if (rc == OB_RC_READONLY) {
		free(e);
		ob_say(ob, "%s", onboard_readonly_message());
		return ob_set_state(ob, i, OB_NEEDS_RW, xasprintf("%s refused: read-only API key", what), NULL);
	}
	ob_say(ob, "%s failed: %s", what, e);
	char *d = xasprintf("%s failed: %s", what, e);
	free(e);
	return ob_set_state(ob, i, OB_FAILED, d, NULL);
}

enum onboard_state ob_declined(struct onboard *ob, size_t i, const char *what)
{
	ob_say(ob, "not done: %s declined", what);
	return ob_set_state(ob, i, OB_DECLINED, xasprintf("%s declined", what), NULL);
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
			ob_set_state(ob, i, OB_DONE, xstrdup("verified: its checks pass"), NULL);
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
		*why = sanitize_line(err ? err : "the checks could not run", SIZE_MAX);
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
			ob_say(ob, "verification failed: %s", why);
			char *d = xasprintf("the checks could not run: %s", why);
			free(why);
			return ob_set_state(ob, i, OB_FAILED, d, NULL);
		}
		mark_verified(ob);
		struct buf missing = {0};
		if (onboard_checks_green(&ob->last, false, &missing)) {
			buf_free(&missing);
			ob_say(ob, "every check of %s passes%s", ob->domain,
			    onboard_checks_green(&ob->last, true, NULL) ? "" : " (MTA-STS still in testing mode)");
			return ob_set_state(ob, i, OB_DONE, xasprintf("every check passed (round %d)", round), NULL);
		}
		long left = ob->wait_s - (long)((long long)time(NULL) - start);
		size_t n = 0;
		for (const char *p = buf_cstr(&missing); *p; p++)
			n += *p == '\n';
		ob_say(ob, "not yet (round %d): %zu check%s of %s not passing:", round, n, n == 1 ? "" : "s",
		       ob->domain);
		for (char *sv = NULL, *line = strtok_r(missing.data, "\n", &sv); line; line = strtok_r(NULL, "\n", &sv))
			ob_say(ob, "  %s", line);
		if (left <= 0) {
			buf_free(&missing);
			return ob_set_state(ob, i, OB_PENDING,
					    xasprintf("%zu check%s not passing yet", n, n == 1 ? "" : "s"), NULL);
		}
		buf_free(&missing);
		long ms = delay < left * 1000 ? delay : left * 1000;
		ob_say(ob, "checking again in %lds", (ms + 999) / 1000);
		bool go_on = true;
		if (ob->ui.wait)
			go_on = ob->ui.wait(ob->ui.ud, ms);
		else
			sleep_ms(ms);
		if (!go_on)
			return ob_set_state(ob, i, OB_PENDING, xstrdup("stopped while checks were not passing yet"),
					    NULL);
		delay = delay * 2 > OB_WAIT_MAX_MS ? OB_WAIT_MAX_MS : delay * 2;
	}
}

static enum onboard_state run_enforce(struct onboard *ob, size_t i)
{
	ssize_t v = step_index(ob, OB_ACT_VERIFY);
	if (v >= 0 && ob->run[v].state != OB_DONE)
		return ob_set_state(ob, i, OB_PENDING, xstrdup("waits for every check to pass (step h)"), NULL);
	if (!ob_confirm(ob, "Switch the MTA-STS policy of %s to enforce", ob->domain))
		return ob_declined(ob, i, "switching MTA-STS to enforce");
	char *err = NULL;
	int rc = ob->be->mta_sts_edit(ob->be_ud, ob->domain, "enforce", NULL, &err);
	if (rc != OB_RC_OK)
		return ob_fail(ob, i, rc, "edit/mta-sts", err);
	ob_warned(ob, &err);
	free(ob->sts_id);
	ob->sts_id = ob_sts_id_now();
	ob->onboarded = true;
	ob_say(ob, "MTA-STS is enforced for %s; %s is onboarded. MailCow gave the policy a new id: update the TXT "
		   "record to", ob->domain, ob->domain);
	ob_say(ob, "_mta-sts.%s. %d IN TXT \"v=STSv1; id=%s\"", ob->domain, OB_TTL, ob->sts_id);
	return ob_set_state(ob, i, OB_DONE, xstrdup("MTA-STS enforced; domain onboarded"),
	                 xasprintf("edit/mta-sts "
				   "{\"items\":[\"%s\"],\"attr\":{\"version\":\"stsv1\",\"mode\":\"enforce\","
	                           "\"active\":1}}; _mta-sts id=%s", ob->domain, ob->sts_id));
}

static enum onboard_state run_manual(struct onboard *ob, size_t i)
{
	struct buf b = {0};
	onboard_step_describe(ob, i, &b);
	for (char *sv = NULL, *line = strtok_r(b.data, "\n", &sv); line; line = strtok_r(NULL, "\n", &sv))
		ob_say(ob, "%s", line);
	buf_free(&b);
	const char *d = ob->steps.v[i].action == OB_ACT_DNS_PUBLISH
		? "records shown; done once the checks see them in DNS"
		: "manual step shown; done once its checks pass";
	return ob_set_state(ob, i, OB_PENDING, xstrdup(d), NULL);
}

enum onboard_state onboard_step_run(struct onboard *ob, size_t i)
{
	if (i >= ob->steps.n)
		return OB_DONE;
	if (ob->plan_only)
		return ob->run[i].state;
	switch (ob->steps.v[i].action) {
	case OB_ACT_PREFLIGHT: return ob_run_preflight(ob, i);
	case OB_ACT_ADD_DOMAIN: return ob_run_add_domain(ob, i);
	case OB_ACT_ADD_ALIAS_CATCHALL: return ob_run_catchall(ob, i);
	case OB_ACT_ENSURE_DKIM: return ob_run_dkim(ob, i);
	case OB_ACT_MANUAL_RELAY: return run_manual(ob, i);
	case OB_ACT_DNS_PUBLISH:
		/* the zone lines need MailCow's key */
		if (!ob->dkim.present) {
			char *err = NULL;
			ob_dkim_clear(&ob->dkim);
			if (ob->be->dkim_get(ob->be_ud, ob->domain, &ob->dkim, &err) != OB_RC_OK)
				ob_dkim_clear(&ob->dkim);
			free(err);
		}
		return run_manual(ob, i);
	case OB_ACT_ADD_MTA_STS: return ob_run_mta_sts(ob, i);
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
		ob_say(ob, "== Step %c (%zu of %zu): %s", r->def->letter, i + 1, ob->steps.n, r->def->title);
		last = onboard_step_run(ob, i);
		if (last == OB_FAILED || last == OB_NEEDS_RW || last == OB_DECLINED)
			break;
		/* enforcing waits for green checks */
		if (r->def->action == OB_ACT_VERIFY && last != OB_DONE)
			break;
	}
	return last;
}
