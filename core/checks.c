/* checks: the check table and the status table expanded from their X-macros, the families,
 * the previous state, the run loop that turns a missing source into `unknown` results, and
 * the backend and container checks. */
#include "core/checks_int.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/sanitize.h"

const struct check_def check_table[] = {
#define CHECK_ROW(id, fn, target, fixed, sources, own, family, what) \
	{id, target, fixed, sources, own, family, check_##fn, what},
	CHECK_INFO(CHECK_ROW)
#undef CHECK_ROW
};
const size_t check_table_len = ARRAY_SIZE(check_table);

const struct check_def *check_find(const char *id)
{
	for (size_t i = 0; i < check_table_len; i++)
		if (strcmp(check_table[i].id, id) == 0)
			return &check_table[i];
	return NULL;
}

static const char *const family_titles[FAM__COUNT] = {
#define FAMILY_TITLE(id, title) [FAM_##id] = title,
	FAMILY_INFO(FAMILY_TITLE)
#undef FAMILY_TITLE
};

const char *family_title(enum family f)
{
	return (unsigned)f < FAM__COUNT ? family_titles[f] : "?";
}

enum family family_of_check(const char *check)
{
	const struct check_def *d = check ? check_find(check) : NULL;
	return d ? d->family : FAM_NONE;
}

/* ---- status ---- */

static const struct status_info {
	const char *name, *word, *nagios, *symbol, *ascii;
	int code, rank;
} status_info[] = {
#define STATUS_ROW(id, name, word, nagios, symbol, ascii, code, rank) \
	[STATUS_##id] = {name, word, nagios, symbol, ascii, code, rank},
	STATUS_INFO(STATUS_ROW)
#undef STATUS_ROW
};

/* Out-of-range values read as NONE. */
static const struct status_info *status_row(enum status s)
{
	return &status_info[(unsigned)s < ARRAY_SIZE(status_info) ? s : STATUS_NONE];
}

const char *status_name(enum status s)
{
	return status_row(s)->name;
}

const char *status_word(enum status s)
{
	return status_row(s)->word;
}

const char *status_upper(enum status s)
{
	return status_row(s)->nagios;
}

const char *status_symbol(enum status s, bool ascii)
{
	return ascii ? status_row(s)->ascii : status_row(s)->symbol;
}

int status_code(enum status s)
{
	return status_row(s)->code;
}

int status_rank(enum status s)
{
	return status_row(s)->rank;
}

enum status status_parse(const char *name)
{
	for (int i = 0; name && i < STATUS__COUNT; i++)
		if (str_case_eq(name, status_info[i].name) || str_case_eq(name, status_info[i].word))
			return (enum status)i;
	return STATUS_NONE;
}

enum status status_worse(enum status a, enum status b)
{
	return status_rank(b) > status_rank(a) ? b : a;
}

bool status_bad(enum status s)
{
	return status_rank(s) > status_rank(STATUS_OK);
}

/* ---- previous state ---- */

void check_prev_add_restarts(struct check_prev *p, const char *service, long count)
{
	p->restarts = xrealloc(p->restarts, (p->n_restarts + 1) * sizeof(*p->restarts));
	p->restarts[p->n_restarts++] = (struct check_prev_restart){xstrdup(service), count};
}

long check_prev_restarts(const struct check_prev *p, const char *service)
{
	for (size_t i = 0; p && i < p->n_restarts; i++)
		if (strcmp(p->restarts[i].service, service) == 0)
			return p->restarts[i].count;
	return -1;
}

void check_prev_free(struct check_prev *p)
{
	for (size_t i = 0; i < p->n_restarts; i++)
		free(p->restarts[i].service);
	free(p->restarts);
	memset(p, 0, sizeof(*p));
}

/* ---- results ---- */

char *text_clean(const char *s, size_t max)
{
	return s ? sanitize_line(s, max) : NULL;
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
	return xasprintf("%s %s: %s%s%s", a->name ? a->name : "?", a->type == 15 ? "MX" : a->type == 1 ? "A"
			 : a->type == 12 ? "PTR" : a->type == 28 ? "AAAA" : "TXT",
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

static bool probe_answered(const struct dns_answer *a)
{
	return a->status != DNS_TIMEOUT && a->status != DNS_ERROR && a->status != DNS_NOT_ASKED;
}

/* One result per server of dns.servers (the system resolver: one). A server that answers
 * anything, REFUSED included, is alive; the whole resolver giving nothing usable is the
 * source's error (dns_err). */
void check_dns_resolver(struct check_ctx *c)
{
	const struct snapshot *s = c->s;
	const char *hint = "Check the resolver (dns.servers in mcon.conf, else /etc/resolv.conf) answers from "
			   "this host";
	if (s->n_resolver_probes <= 1) {
		const char *server = s->resolver ? s->resolver : "system";
		const struct dns_answer *p = s->n_resolver_probes ? &s->resolver_probes[0] : NULL;
		if (s->dns_err.failed || (p && !probe_answered(p))) {
			char *why = s->dns_err.failed ? xstrdup(s->dns_err.why ? s->dns_err.why : "no answer")
						      : dns_failure(p);
			check_emit(c, server, STATUS_UNKNOWN, xasprintf("resolver %s does not answer: %s", server, why),
				   xstrdup(hint));
			free(why);
			return;
		}
		check_emit(c, server, STATUS_OK, xasprintf("resolver %s answers", server), NULL);
		return;
	}
	size_t alive = 0;
	for (size_t i = 0; i < s->n_resolver_probes; i++)
		alive += probe_answered(&s->resolver_probes[i]);
	for (size_t i = 0; i < s->n_resolver_probes; i++) {
		const struct dns_answer *p = &s->resolver_probes[i];
		const char *server = i < c->cfg->dns_servers.n ? c->cfg->dns_servers.v[i] : "?";
		if (probe_answered(p) && !s->dns_err.failed) {
			check_emit(c, server, STATUS_OK, xasprintf("resolver %s answers", server), NULL);
		} else if (probe_answered(p)) {
			check_emit(c, server, STATUS_UNKNOWN,
				   xasprintf("resolver %s answers, but nothing usable comes back: %s", server,
					     s->dns_err.why ? s->dns_err.why : "failed"), xstrdup(hint));
		} else {
			char *why = dns_failure(p);
			char *sum = xasprintf("resolver %s does not answer: %s%s", server, why,
					      alive ? " (the other servers do)" : "");
			if (alive)
				check_emit(c, server, STATUS_WARNING, sum,
					   xasprintf("Fix or remove %s from dns.servers in mcon.conf (and from "
						     "/etc/resolv.conf if the host uses it)", server));
			else
				check_emit(c, server, STATUS_UNKNOWN, sum, xstrdup(hint));
			free(why);
		}
	}
}

/* ---- containers ---- */

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void check_services(const struct snapshot *s, const struct config *cfg, struct strv *out)
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
	check_services(c->s, c->cfg, &svcs);
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
	check_services(c->s, c->cfg, &svcs);
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
	check_services(c->s, c->cfg, &svcs);
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
		long prev = check_prev_restarts(c->prev, svc);
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
		check_services(c->s, c->cfg, &targets);
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
	case TARGET_ADDRESS:
		if (c->cfg->outbound_ip)
			strv_push(&targets, c->cfg->outbound_ip);
		break;
	}
	if (!targets.n)
		strv_push(&targets, "*");
	for (size_t i = 0; i < targets.n; i++)
		check_emit(c, targets.v[i], STATUS_UNKNOWN, xasprintf("%s not collected: %s", source_name(src), why), xstrdup(hint));
	strv_free(&targets);
	free(hint);
}

bool check_selected(const struct check_def *def, const struct strv *globs)
{
	if (!globs || !globs->n)
		return true;
	for (size_t g = 0; g < globs->n; g++) {
		const char *colon = strchr(globs->v[g], ':');
		char *idpart = colon ? xstrndup(globs->v[g], (size_t)(colon - globs->v[g])) : NULL;
		bool match = str_glob(idpart ? idpart : globs->v[g], def->id);
		free(idpart);
		if (match)
			return true;
	}
	return false;
}

unsigned checks_sources(const struct strv *globs)
{
	unsigned need = 0;
	for (size_t i = 0; i < check_table_len; i++) {
		const struct check_def *def = &check_table[i];
		if (!check_selected(def, globs))
			continue;
		/* a check that names no source reads the stack's own files (roundcube.imap_tls) */
		need |= def->sources ? def->sources : SB(SRC_FILES);
		if (def->target == TARGET_DOMAIN || def->target == TARGET_DOMAIN_SELECTOR)
			need |= SB(SRC_MAILCOW);
	}
	return need;
}

bool checks_need_prev(const struct strv *globs)
{
	const struct check_def *def = check_find("containers.restarts");
	return def && check_selected(def, globs);
}

void checks_run(const struct snapshot *s, const struct config *cfg, const struct check_prev *prev,
		struct check_run *out)
{
	checks_run_only(s, cfg, prev, NULL, out);
}

void checks_run_only(const struct snapshot *s, const struct config *cfg, const struct check_prev *prev,
		     const struct strv *globs, struct check_run *out)
{
	memset(out, 0, sizeof(*out));
	out->at = s->finished_at ? s->finished_at : s->started_at;
	out->perf = (struct check_perf){-1, -1, -1, -1, -1, -1, -1, -1, s->duration_ms};
	struct check_ctx c = {.s = s, .cfg = cfg, .prev = prev, .out = out};
	for (size_t i = 0; i < check_table_len; i++) {
		c.def = &check_table[i];
		if (!check_selected(c.def, globs))
			continue;
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
