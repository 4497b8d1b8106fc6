/* checks: the table of every check, the run loop that turns a missing source into
 * `unknown` results, the status order, and the backend and container checks. */
#include "core/checks_int.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SB(x) (1u << (x))

const struct check_def check_table[] = {
	{"docker.api", TARGET_ENDPOINT, NULL, SB(SRC_DOCKER), true, check_docker_api,
	 "the Docker Engine API answers"},
	{"mailcow.api", TARGET_URL, NULL, SB(SRC_MAILCOW), true, check_mailcow_api,
	 "the MailCow API answers with the key"},
	{"dns.resolver", TARGET_SERVER, NULL, SB(SRC_DNS), true, check_dns_resolver,
	 "the resolver answers"},
	{"containers.running", TARGET_SERVICE, NULL, SB(SRC_DOCKER), false, check_containers_running,
	 "every expected compose service exists and is running"},
	{"containers.health", TARGET_SERVICE, NULL, SB(SRC_DOCKER), false, check_containers_health,
	 "containers with a healthcheck are healthy"},
	{"containers.restarts", TARGET_SERVICE, NULL, SB(SRC_DOCKER), false, check_containers_restarts,
	 "no container restarted since the last record"},
	{"overlay.attachment", TARGET_SERVICE, NULL, SB(SRC_DOCKER), false, check_overlay_attachment,
	 "only overlay.allowed services are attached to overlay.network"},
	{"domain.active", TARGET_DOMAIN, NULL, SB(SRC_MAILCOW), false, check_domain_active,
	 "the domain exists in MailCow and is active"},
	{"domain.catchall", TARGET_DOMAIN, NULL, SB(SRC_MAILCOW), false, check_domain_catchall,
	 "an active catch-all alias exists (relay.catchall)"},
	{"relay.outbound", TARGET_DOMAIN, NULL, SB(SRC_MAILCOW), false, check_relay_outbound,
	 "the domain sends through a relayhost"},
	{"mx.relay", TARGET_DOMAIN, NULL, SB(SRC_DNS), false, check_mx_relay,
	 "MX hosts match relay.mx (or the MailCow host)"},
	{"spf.record", TARGET_DOMAIN, NULL, SB(SRC_DNS), false, check_spf_record,
	 "one SPF record with the relay include, within the lookup limits"},
	{"dmarc.record", TARGET_DOMAIN, NULL, SB(SRC_DNS), false, check_dmarc_record,
	 "one DMARC record with an enforcing policy"},
	{"dkim.mailcow", TARGET_DOMAIN, NULL, SB(SRC_DNS) | SB(SRC_MAILCOW), false, check_dkim_mailcow,
	 "the DNS key of the MailCow selector equals MailCow's key"},
	{"dkim.selector", TARGET_DOMAIN_SELECTOR, NULL, SB(SRC_DNS), false, check_dkim_selector,
	 "every dkim.selectors key is published, valid and strong enough"},
	{"mta_sts.record", TARGET_DOMAIN, NULL, SB(SRC_DNS), false, check_mta_sts_record,
	 "the _mta-sts TXT record is v=STSv1 with an id"},
	{"mta_sts.policy", TARGET_DOMAIN, NULL, SB(SRC_DNS) | SB(SRC_MTA_STS), false, check_mta_sts_policy,
	 "the MTA-STS policy is served and covers every MX host"},
	{"tls_rpt.record", TARGET_DOMAIN, NULL, SB(SRC_DNS), false, check_tls_rpt_record,
	 "a TLS-RPT record with rua= is published"},
	{"limits.size", TARGET_FIXED, "stack", SB(SRC_FILES), false, check_limits_size,
	 "Postfix, Rspamd and ClamAV size limits agree"},
	{"roundcube.imap_tls", TARGET_FIXED, "roundcube", 0, true, check_roundcube_imap_tls,
	 "Roundcube's IMAP TLS to Dovecot skips the name check"},
	{"queue.deferred", TARGET_FIXED, "postfix", SB(SRC_MAILCOW), false, check_queue_deferred,
	 "few deferred messages in the Postfix queue"},
};
const size_t check_table_len = ARRAY_SIZE(check_table);

const struct check_def *check_find(const char *id)
{
	for (size_t i = 0; i < check_table_len; i++)
		if (strcmp(check_table[i].id, id) == 0)
			return &check_table[i];
	return NULL;
}

/* ---- status ---- */

const char *status_name(enum status s)
{
	static const char *names[] = {"ok", "warning", "critical", "unknown"};
	return (unsigned)s < ARRAY_SIZE(names) ? names[s] : "unknown";
}

const char *status_upper(enum status s)
{
	static const char *names[] = {"OK", "WARNING", "CRITICAL", "UNKNOWN"};
	return (unsigned)s < ARRAY_SIZE(names) ? names[s] : "UNKNOWN";
}

int status_parse(const char *name)
{
	for (int i = 0; i < STATUS__COUNT; i++)
		if (name && str_case_eq(name, status_name((enum status)i)))
			return i;
	return -1;
}

int status_rank(enum status s)
{
	switch (s) {
	case STATUS_OK: return 0;
	case STATUS_WARNING: return 1;
	case STATUS_UNKNOWN: return 2;
	case STATUS_CRITICAL: return 3;
	}
	return 2;
}

enum status status_worse(enum status a, enum status b)
{
	return status_rank(b) > status_rank(a) ? b : a;
}

/* ---- results ---- */

char *text_clean(const char *s, size_t max)
{
	if (!s)
		return NULL;
	struct buf b = {0};
	for (const unsigned char *p = (const unsigned char *)s; *p && b.len < max; p++) {
		if (*p < 0x20 || *p == 0x7f) {
			if (b.len && b.data[b.len - 1] != ' ')
				buf_putc(&b, ' ');
		} else {
			buf_putc(&b, (char)*p);
		}
	}
	if (s[0] && strlen(s) > max)
		buf_puts(&b, "...");
	while (b.len && b.data[b.len - 1] == ' ')
		b.data[--b.len] = '\0';
	return b.len ? buf_steal(&b) : (buf_free(&b), xstrdup(""));
}

static void run_push(struct check_run *r, const char *check, char *target, enum status st, char *summary,
		     char *hint)
{
	if (r->n == r->cap) {
		r->cap = r->cap ? r->cap * 2 : 64;
		r->results = xrealloc(r->results, r->cap * sizeof(*r->results));
	}
	if (st == STATUS_OK) {
		free(hint);
		hint = NULL;
	}
	r->results[r->n++] = (struct check_result){check, target, st, summary, hint};
}

void check_run_add(struct check_run *r, const char *check, const char *target, enum status st,
		   const char *summary, const char *hint)
{
	const struct check_def *d = check_find(check);
	run_push(r, d ? d->id : check, xstrdup(target), st, text_clean(summary, 1000), text_clean(hint, 4000));
}

void check_emit(struct check_ctx *c, const char *target, enum status st, char *summary, char *hint)
{
	run_push(c->out, c->def->id, text_clean(target ? target : "-", 300), st, text_clean(summary, 1000),
		 text_clean(hint, 4000));
	free(summary);
	free(hint);
}

void check_run_free(struct check_run *r)
{
	for (size_t i = 0; i < r->n; i++) {
		free(r->results[i].target);
		free(r->results[i].summary);
		free(r->results[i].hint);
	}
	free(r->results);
	memset(r, 0, sizeof(*r));
}

enum status check_run_worst(const struct check_run *r)
{
	enum status w = STATUS_OK;
	for (size_t i = 0; i < r->n; i++)
		w = status_worse(w, r->results[i].status);
	return w;
}

void check_run_counts(const struct check_run *r, size_t counts[STATUS__COUNT])
{
	memset(counts, 0, STATUS__COUNT * sizeof(counts[0]));
	for (size_t i = 0; i < r->n; i++)
		counts[r->results[i].status]++;
}

size_t check_run_filter(struct check_run *r, const struct strv *globs)
{
	size_t keep = 0;
	for (size_t i = 0; i < r->n; i++) {
		struct check_result *res = &r->results[i];
		bool match = false;
		for (size_t g = 0; g < globs->n && !match; g++) {
			if (strchr(globs->v[g], ':')) {
				char *key = xasprintf("%s:%s", res->check, res->target);
				match = str_glob(globs->v[g], key);
				free(key);
			} else {
				match = str_glob(globs->v[g], res->check);
			}
		}
		if (match) {
			r->results[keep++] = *res;
		} else {
			free(res->target);
			free(res->summary);
			free(res->hint);
		}
	}
	r->n = keep;
	return keep;
}

/* ---- shared helpers ---- */

bool dns_unusable(const struct dns_answer *a)
{
	return a->status != DNS_OK && a->status != DNS_NXDOMAIN && a->status != DNS_NODATA;
}

char *dns_failure(const struct dns_answer *a)
{
	return xasprintf("%s %s: %s%s%s", a->name ? a->name : "?", a->type == 15 ? "MX" : a->type == 1 ? "A" : "TXT",
			 dns_status_name(a->status), a->error ? " " : "", a->error ? a->error : "");
}

size_t txt_count(const struct dns_answer *a, const char *prefix, const char **first)
{
	size_t n = 0;
	*first = NULL;
	if (a->status != DNS_OK)
		return 0;
	size_t plen = strlen(prefix);
	for (size_t i = 0; i < a->n; i++) {
		const char *v = a->rrs[i].value;
		if (!v)
			continue;
		while (isspace((unsigned char)*v))
			v++;
		/* "v=spf1" must be followed by a space or end; "v = DMARC1" forms are leniently accepted */
		char *squeezed = xstrdup(v);
		char *w = squeezed;
		for (const char *p = v; *p && (size_t)(w - squeezed) < plen + 1; p++)
			if (!isspace((unsigned char)*p) || (size_t)(w - squeezed) >= plen)
				*w++ = *p;
		*w = '\0';
		bool match = strncasecmp(squeezed, prefix, plen) == 0 &&
			     (squeezed[plen] == '\0' || squeezed[plen] == ';' || isspace((unsigned char)squeezed[plen]));
		free(squeezed);
		if (match) {
			if (!n)
				*first = a->rrs[i].value;
			n++;
		}
	}
	return n;
}

char *mailcow_host(const struct config *cfg)
{
	if (!cfg->mailcow_url)
		return NULL;
	const char *p = strstr(cfg->mailcow_url, "://");
	p = p ? p + 3 : cfg->mailcow_url;
	size_t n = strcspn(p, "/:?#");
	if (*p == '[')
		n = strcspn(p, "]") + 1;
	char *h = xstrndup(p, n);
	str_lower(h);
	return h;
}

char *tag_value(const char *record, const char *name)
{
	if (!record)
		return NULL;
	const char *p = record;
	size_t nlen = strlen(name);
	while (*p) {
		while (*p == ';' || isspace((unsigned char)*p))
			p++;
		const char *start = p;
		while (*p && *p != '=' && *p != ';')
			p++;
		const char *kend = p;
		while (kend > start && isspace((unsigned char)kend[-1]))
			kend--;
		if (*p != '=') {
			continue;
		}
		p++;
		const char *vstart = p;
		while (*p && *p != ';')
			p++;
		if ((size_t)(kend - start) == nlen && strncasecmp(start, name, nlen) == 0) {
			struct buf b = {0};
			for (const char *q = vstart; q < p; q++)
				if (!isspace((unsigned char)*q))
					buf_putc(&b, *q);
			return b.len ? buf_steal(&b) : (buf_free(&b), xstrdup(""));
		}
	}
	return NULL;
}

/* ---- backends ---- */

void check_docker_api(struct check_ctx *c)
{
	const struct docker_state *d = &c->s->docker;
	const char *ep = d->endpoint ? d->endpoint : c->cfg->docker_host;
	if (d->err.failed) {
		const char *sock = str_starts_with(ep, "unix://") ? ep + 7 : NULL;
		check_emit(c, ep, STATUS_UNKNOWN,
			   xasprintf("Docker API at %s does not answer: %s", ep, d->err.why ? d->err.why : "no answer"),
			   sock ? xasprintf("Check that dockerd runs (systemctl status docker) and that %s is readable "
					    "by this user (group docker), or set docker.host in mcon.conf", sock)
				: xasprintf("Check that dockerd listens on %s, or set docker.host in mcon.conf", ep));
		return;
	}
	check_emit(c, ep, STATUS_OK,
		   xasprintf("Docker %s answers at %s (API %s)", d->server_version ? d->server_version : "?", ep,
			     d->api_version ? d->api_version : "?"), NULL);
}

void check_mailcow_api(struct check_ctx *c)
{
	const struct mailcow_state *m = &c->s->mailcow;
	const char *url = m->url ? m->url : c->cfg->mailcow_url ? c->cfg->mailcow_url : "-";
	const char *why = m->err.why ? m->err.why : "no answer";
	/* if/else rather than a switch: the collector may learn new key problems */
	if (m->key == KEY_MISSING) {
		check_emit(c, url, STATUS_CRITICAL, xasprintf("no MailCow API key is configured for %s", url),
			   xstrdup("Put the API key (MailCow UI: System > Configuration > Access > API) in the file "
				   "named by mailcow.api_key_file (mode 0600), or set $MCON_API_KEY"));
		return;
	} else if (m->key == KEY_INVALID) {
		check_emit(c, url, STATUS_CRITICAL, xasprintf("MailCow at %s rejects the API key (401 authentication failed): %s", url, why),
			   xstrdup("The key in mailcow.api_key_file is unknown or inactive: copy it again from System > "
				   "Configuration > Access > API (or API_KEY_READ_ONLY in mailcow.conf). mcon backs off: "
				   "MailCow bans an IP after repeated failed logins"));
		return;
	} else if (m->key == KEY_IP_DENIED) {
		check_emit(c, url, STATUS_CRITICAL, xasprintf("MailCow at %s refuses this host's IP for the API key (401 api access denied): %s", url, why),
			   xstrdup("Add this host's IP to \"Allow API access from\" in System > Configuration > Access > API "
				   "(or API_ALLOW_FROM in mailcow.conf, then restart php-fpm-mailcow). mcon backs off: "
				   "MailCow bans an IP after repeated failed logins"));
		return;
	} else if (m->key == KEY_UNCHECKED) {
		check_emit(c, url, STATUS_CRITICAL, xasprintf("MailCow at %s fails its own startup check: %s", url, why),
			   xstrdup("Bring the backend MailCow names back up (docker compose ps / up -d in the "
				   "mailcow-dockerized directory); until then every API request fails this way"));
		return;
	} else if (m->key != KEY_OK && m->key != KEY_READ_ONLY) {
		check_emit(c, url, STATUS_CRITICAL, xasprintf("MailCow at %s does not accept the API key: %s", url, why),
			   xstrdup("Check that nothing between mcon and nginx-mailcow (a reverse proxy) drops the X-API-Key "
				   "header or answers itself, and that the key is active in System > Configuration > Access > API"));
		return;
	}
	if (m->err.failed) {
		check_emit(c, url, STATUS_UNKNOWN, xasprintf("MailCow API at %s does not answer: %s", url, why),
			   xasprintf("Check that %s is reachable from this host (nginx-mailcow running, DNS, firewall), "
				     "and mailcow.url / mailcow.ca_file in mcon.conf", url));
		return;
	}
	check_emit(c, url, STATUS_OK, xasprintf("MailCow %s answers at %s with the key%s", m->version ? m->version : "?", url,
						m->key == KEY_READ_ONLY ? " (read-only)" : ""), NULL);
}

void check_dns_resolver(struct check_ctx *c)
{
	const char *server = c->s->resolver ? c->s->resolver : "system";
	if (c->s->dns_err.failed) {
		check_emit(c, server, STATUS_UNKNOWN,
			   xasprintf("resolver %s does not answer: %s", server, c->s->dns_err.why ? c->s->dns_err.why : "no answer"),
			   xstrdup("Check the resolver (dns.servers in mcon.conf, else /etc/resolv.conf) answers from this host"));
		return;
	}
	check_emit(c, server, STATUS_OK, xasprintf("resolver %s answers", server), NULL);
}

/* ---- containers ---- */

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Expected services and every service present in the project, sorted. */
static void service_list(const struct snapshot *s, const struct config *cfg, struct strv *out)
{
	for (size_t i = 0; i < cfg->docker_expected.n; i++)
		if (!strv_contains(out, cfg->docker_expected.v[i]))
			strv_push(out, cfg->docker_expected.v[i]);
	for (size_t i = 0; i < s->docker.n_containers; i++) {
		const char *svc = s->docker.containers[i].service;
		if (svc && !strv_contains(out, svc))
			strv_push(out, svc);
	}
	if (out->n)
		qsort(out->v, out->n, sizeof(char *), cmp_str);
}

static char *compose_cmd(const struct config *cfg, const char *what)
{
	return xasprintf("cd %s && docker compose %s", cfg->mailcow_dir, what);
}

void check_containers_running(struct check_ctx *c)
{
	struct strv svcs = {0};
	service_list(c->s, c->cfg, &svcs);
	long running = 0;
	for (size_t i = 0; i < svcs.n; i++) {
		const char *svc = svcs.v[i];
		const struct container *bad = NULL, *any = NULL;
		for (size_t k = 0; k < c->s->docker.n_containers; k++) {
			const struct container *ct = &c->s->docker.containers[k];
			if (!ct->service || strcmp(ct->service, svc) != 0)
				continue;
			any = ct;
			if (!ct->state || strcmp(ct->state, "running") != 0)
				bad = bad ? bad : ct;
		}
		if (!any) {
			char *up = compose_cmd(c->cfg, "up -d");
			check_emit(c, svc, STATUS_CRITICAL, xasprintf("%s is expected (docker.expected) but no container exists", svc),
				   xasprintf("Create it: %s %s; if the service was dropped on purpose, remove it from docker.expected in mcon.conf", up, svc));
			free(up);
		} else if (bad) {
			char *logs = compose_cmd(c->cfg, "logs --tail 100");
			char *up = compose_cmd(c->cfg, "up -d");
			const char *st = bad->state ? bad->state : "unknown";
			char *extra = strcmp(st, "exited") == 0 || strcmp(st, "dead") == 0
				? xasprintf(" (exit code %d)", bad->exit_code) : xstrdup("");
			check_emit(c, svc, STATUS_CRITICAL, xasprintf("%s is %s%s, not running", svc, st, extra),
				   xasprintf("See why: %s %s; then start it: %s %s", logs, svc, up, svc));
			free(extra);
			free(logs);
			free(up);
		} else {
			running++;
			check_emit(c, svc, STATUS_OK, xasprintf("%s is running (%s)", svc, any->status_text ? any->status_text : "up"), NULL);
		}
	}
	c->out->perf.containers_running = running;
	c->out->perf.containers_total = (long)svcs.n;
	strv_free(&svcs);
}

static int health_rank(enum health h)
{
	return h == HEALTH_UNHEALTHY ? 3 : h == HEALTH_STARTING ? 2 : h == HEALTH_HEALTHY ? 1 : 0;
}

void check_containers_health(struct check_ctx *c)
{
	struct strv svcs = {0};
	service_list(c->s, c->cfg, &svcs);
	for (size_t i = 0; i < svcs.n; i++) {
		const char *svc = svcs.v[i];
		const struct container *ct = NULL;
		for (size_t k = 0; k < c->s->docker.n_containers; k++) {
			const struct container *x = &c->s->docker.containers[k];
			if (x->service && strcmp(x->service, svc) == 0 && (!ct || health_rank(x->health) > health_rank(ct->health)))
				ct = x; /* a scaled service: its worst container speaks for it */
		}
		if (!ct)
			continue; /* containers.running reports the missing service */
		bool running = ct->state && strcmp(ct->state, "running") == 0;
		if (!running) {
			check_emit(c, svc, STATUS_OK, xasprintf("%s is not running: no health to judge (see containers.running)", svc), NULL);
			continue;
		}
		switch (ct->health) {
		case HEALTH_NONE:
			check_emit(c, svc, STATUS_OK, xasprintf("%s has no healthcheck", svc), NULL);
			break;
		case HEALTH_HEALTHY:
			check_emit(c, svc, STATUS_OK, xasprintf("%s is healthy", svc), NULL);
			break;
		case HEALTH_STARTING:
			check_emit(c, svc, STATUS_WARNING, xasprintf("%s health is starting", svc),
				   xasprintf("Wait for the start period (clamd needs up to 6 minutes); if it stays so, see docker inspect --format '{{json .State.Health}}' %s",
					     ct->name ? ct->name : svc));
			break;
		case HEALTH_UNHEALTHY: {
			char *logs = compose_cmd(c->cfg, "logs --tail 100");
			check_emit(c, svc, STATUS_CRITICAL,
				   xasprintf("%s is unhealthy (%d failing probes%s%s)", svc, ct->failing_streak,
					     ct->health_output ? ", last: " : "", ct->health_output ? ct->health_output : ""),
				   xasprintf("See the probe output with docker inspect --format '{{json .State.Health}}' %s and %s %s; "
					     "restart it with docker compose restart %s", ct->name ? ct->name : svc, logs, svc, svc));
			free(logs);
			break;
		}
		}
	}
	strv_free(&svcs);
}

void check_containers_restarts(struct check_ctx *c)
{
	struct strv svcs = {0};
	service_list(c->s, c->cfg, &svcs);
	for (size_t i = 0; i < svcs.n; i++) {
		const char *svc = svcs.v[i];
		long count = 0;
		bool found = false, restarting = false;
		for (size_t k = 0; k < c->s->docker.n_containers; k++) {
			const struct container *x = &c->s->docker.containers[k];
			if (!x->service || strcmp(x->service, svc) != 0)
				continue;
			found = true;
			count += x->restart_count;
			restarting |= x->state && strcmp(x->state, "restarting") == 0;
		}
		if (!found)
			continue;
		long prev = c->prev && c->prev->restart_count ? c->prev->restart_count(c->prev->ud, svc) : -1;
		char *logs = compose_cmd(c->cfg, "logs --tail 200");
		if (restarting) {
			check_emit(c, svc, STATUS_WARNING, xasprintf("%s is restarting (restart count %ld)", svc, count),
				   xasprintf("It crashes on start: see %s %s", logs, svc));
		} else if (prev >= 0 && count > prev) {
			check_emit(c, svc, STATUS_WARNING,
				   xasprintf("%s restarted: restart count %ld, was %ld at the last record", svc, count, prev),
				   xasprintf("See why it restarted: %s %s (and the watchdog log in the MailCow UI)", logs, svc));
		} else if (prev < 0) {
			check_emit(c, svc, STATUS_OK, xasprintf("%s restart count %ld (no earlier record)", svc, count), NULL);
		} else {
			check_emit(c, svc, STATUS_OK, xasprintf("%s restart count %ld, was %ld at the last record", svc, count, prev), NULL);
		}
		free(logs);
	}
	strv_free(&svcs);
}

void check_overlay_attachment(struct check_ctx *c)
{
	const char *net = c->cfg->overlay_network;
	struct strv svcs = {0};
	for (size_t k = 0; k < c->s->docker.n_containers; k++) {
		const char *svc = c->s->docker.containers[k].service;
		if (svc && !strv_contains(&svcs, svc))
			strv_push(&svcs, svc);
	}
	if (svcs.n)
		qsort(svcs.v, svcs.n, sizeof(char *), cmp_str);
	char *allowed = strv_join(&c->cfg->overlay_allowed, ", ");
	char *override = xasprintf("%s/docker-compose.override.yml", c->cfg->mailcow_dir);
	for (size_t i = 0; i < svcs.n; i++) {
		const char *svc = svcs.v[i];
		if (!net) {
			check_emit(c, svc, STATUS_OK, xasprintf("no overlay rule for %s (overlay.network is not set)", svc), NULL);
			continue;
		}
		bool attached = false;
		struct strv nets = {0};
		for (size_t k = 0; k < c->s->docker.n_containers; k++) {
			const struct container *x = &c->s->docker.containers[k];
			if (!x->service || strcmp(x->service, svc) != 0)
				continue;
			for (size_t n = 0; n < x->n_nets; n++) {
				if (x->nets[n].network && strcmp(x->nets[n].network, net) == 0)
					attached = true;
				if (x->nets[n].network && !strv_contains(&nets, x->nets[n].network))
					strv_push(&nets, x->nets[n].network);
			}
		}
		bool ok_svc = strv_contains(&c->cfg->overlay_allowed, svc);
		char *on = nets.n ? strv_join(&nets, ", ") : xstrdup("no network");
		if (attached && !ok_svc) {
			check_emit(c, svc, STATUS_CRITICAL, xasprintf("%s is attached to overlay network %s", svc, net),
				   xasprintf("Only %s may join %s: remove the network from %s in %s and run docker compose up -d",
					     allowed[0] ? allowed : "(none)", net, svc, override));
		} else if (!attached && ok_svc) {
			check_emit(c, svc, STATUS_WARNING, xasprintf("%s is not attached to overlay network %s (on %s)", svc, net, on),
				   xasprintf("The reverse proxy reaches MailCow through %s: add %s (declared external: true) to the "
					     "networks of %s in %s, keep mailcow-network with its aliases, and run docker compose up -d",
					     net, net, svc, override));
		} else {
			check_emit(c, svc, STATUS_OK, xasprintf("%s %s overlay network %s (on %s)", svc,
								attached ? "is allowed on" : "stays off", net, on), NULL);
		}
		free(on);
		strv_free(&nets);
	}
	free(allowed);
	free(override);
	strv_free(&svcs);
}

/* ---- the run ---- */

static const struct part_error *source_error(const struct snapshot *s, enum source src, struct part_error *tmp)
{
	switch (src) {
	case SRC_DOCKER:
		return s->docker.err.failed ? &s->docker.err : NULL;
	case SRC_MAILCOW:
		if (s->mailcow.err.failed)
			return &s->mailcow.err;
		if (s->mailcow.key != KEY_OK && s->mailcow.key != KEY_READ_ONLY) {
			*tmp = (struct part_error){.failed = true, .why = (char *)"the MailCow API key is not accepted"};
			return tmp;
		}
		return NULL;
	case SRC_DNS:
		return s->dns_err.failed ? &s->dns_err : NULL;
	case SRC_FILES:
		return s->limits.err.failed ? &s->limits.err : NULL;
	case SRC_MTA_STS:
	case SRC__COUNT:
		break;
	}
	return NULL;
}

static const char *source_check(enum source src)
{
	switch (src) {
	case SRC_DOCKER: return "docker.api";
	case SRC_MAILCOW: return "mailcow.api";
	case SRC_DNS: return "dns.resolver";
	default: return NULL;
	}
}

static void emit_unknown_all(struct check_ctx *c, enum source src, const struct part_error *e)
{
	const char *why = e->why ? e->why : "not collected";
	const char *chk = source_check(src);
	char *hint = chk ? xasprintf("Fix the %s source first (see %s)", source_name(src), chk)
			 : xasprintf("Check mailcow.dir (%s) in mcon.conf and that its files are readable", c->cfg->mailcow_dir);
	struct strv targets = {0};
	switch (c->def->target) {
	case TARGET_ENDPOINT:
		strv_push(&targets, c->cfg->docker_host);
		break;
	case TARGET_URL:
		strv_push(&targets, c->cfg->mailcow_url ? c->cfg->mailcow_url : "-");
		break;
	case TARGET_SERVER:
		strv_push(&targets, c->s->resolver ? c->s->resolver : "system");
		break;
	case TARGET_SERVICE:
		service_list(c->s, c->cfg, &targets);
		break;
	case TARGET_DOMAIN:
		for (size_t i = 0; i < c->s->n_domains; i++)
			strv_push(&targets, c->s->domains[i].name);
		break;
	case TARGET_DOMAIN_SELECTOR:
		for (size_t i = 0; i < c->s->n_domains; i++)
			for (size_t k = 0; k < c->cfg->dkim_selectors.n; k++)
				strv_push_owned(&targets, xasprintf("%s/%s", c->s->domains[i].name, c->cfg->dkim_selectors.v[k]));
		break;
	case TARGET_FIXED:
		strv_push(&targets, c->def->fixed_target);
		break;
	}
	if (!targets.n)
		strv_push(&targets, "*");
	for (size_t i = 0; i < targets.n; i++)
		check_emit(c, targets.v[i], STATUS_UNKNOWN, xasprintf("%s not collected: %s", source_name(src), why), xstrdup(hint));
	strv_free(&targets);
	free(hint);
}

void checks_run(const struct snapshot *s, const struct config *cfg, const struct check_prev *prev,
		struct check_run *out)
{
	memset(out, 0, sizeof(*out));
	out->at = s->finished_at ? s->finished_at : s->started_at;
	out->perf = (struct check_perf){-1, -1, -1, -1, -1, -1, -1, -1, s->duration_ms};
	struct check_ctx c = {.s = s, .cfg = cfg, .prev = prev, .out = out};
	for (size_t i = 0; i < check_table_len; i++) {
		c.def = &check_table[i];
		const struct part_error *e = NULL;
		enum source failed = SRC__COUNT;
		struct part_error tmp;
		for (int src = 0; src < SRC__COUNT && !e && !c.def->own_errors; src++)
			if (c.def->sources & SB(src)) {
				e = source_error(s, (enum source)src, &tmp);
				failed = (enum source)src;
			}
		/* The domain list comes from MailCow: without it (and without literal names in
		 * domains.include) the per-domain checks have no target; say so rather than vanish. */
		if (!e && !s->n_domains && (c.def->target == TARGET_DOMAIN || c.def->target == TARGET_DOMAIN_SELECTOR)) {
			e = source_error(s, SRC_MAILCOW, &tmp);
			failed = SRC_MAILCOW;
		}
		if (e)
			emit_unknown_all(&c, failed, e);
		else
			c.def->run(&c);
	}
	/* domains failing: domains with any non-ok result */
	if (s->n_domains) {
		long failing = 0;
		for (size_t d = 0; d < s->n_domains; d++) {
			const char *name = s->domains[d].name;
			size_t nlen = strlen(name);
			bool bad = false;
			for (size_t i = 0; i < out->n && !bad; i++) {
				const struct check_result *r = &out->results[i];
				if (r->status == STATUS_OK)
					continue;
				const struct check_def *def = check_find(r->check);
				if (!def || (def->target != TARGET_DOMAIN && def->target != TARGET_DOMAIN_SELECTOR))
					continue;
				bad = strcmp(r->target, name) == 0 ||
				      (strncmp(r->target, name, nlen) == 0 && r->target[nlen] == '/');
			}
			failing += bad;
		}
		out->perf.domains_total = (long)s->n_domains;
		out->perf.domains_failing = failing;
	}
}
