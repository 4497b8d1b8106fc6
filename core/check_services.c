/* check_services: the checks of the backends (the Docker API, the MailCow API and its key,
 * each resolver) and of the stack's containers (running, health, restarts, the overlay). */
#include "core/checks_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

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
		check_emit(c, url, STATUS_CRITICAL, xasprintf("MailCow at %s rejects the API key (401 "
							      "authentication failed): %s", url, why),
			   xstrdup("The key in mailcow.api_key_file is unknown or inactive: copy it again from "
				   "System > "
				   "Configuration > Access > API (or API_KEY_READ_ONLY in mailcow.conf). mcon backs "
				   "off: "
				   "MailCow bans an IP after repeated failed logins"));
		return;
	} else if (m->key == KEY_IP_DENIED) {
		check_emit(c, url, STATUS_CRITICAL, xasprintf("MailCow at %s refuses this host's IP for the API key "
							      "(401 api access denied): %s", url, why),
			   xstrdup("Add this host's IP to \"Allow API access from\" in System > Configuration > "
				   "Access > API "
				   "(or API_ALLOW_FROM in mailcow.conf, then restart php-fpm-mailcow). mcon backs off: "
				   "MailCow bans an IP after repeated failed logins"));
		return;
	} else if (m->key == KEY_UNCHECKED) {
		check_emit(c, url, STATUS_CRITICAL,
			   xasprintf("MailCow at %s fails its own startup check: %s", url, why),
			   xstrdup("Bring the backend MailCow names back up (docker compose ps / up -d in the "
				   "mailcow-dockerized directory); until then every API request fails this way"));
		return;
	} else if (m->key != KEY_OK && m->key != KEY_READ_ONLY) {
		check_emit(c, url, STATUS_CRITICAL,
			   xasprintf("MailCow at %s does not accept the API key: %s", url, why),
			   xstrdup("Check that nothing between mcon and nginx-mailcow (a reverse proxy) drops the "
				   "X-API-Key "
				   "header or answers itself, and that the key is active in System > Configuration "
				   "> Access > API"));
		return;
	}
	if (m->err.failed) {
		check_emit(c, url, STATUS_UNKNOWN, xasprintf("MailCow API at %s does not answer: %s", url, why),
			   xasprintf("Check that %s is reachable from this host (nginx-mailcow running, DNS, "
				     "firewall), "
				     "and mailcow.url / mailcow.ca_file in mcon.conf", url));
		return;
	}
	if (m->bad_domains.n) {
		char *list = strv_join(&m->bad_domains, ", ");
		const char *ver = m->version ? m->version : "?";
		char *sum = xasprintf("MailCow %s answers at %s, but lists %zu domain name(s) that are not DNS names, "
				      "left out of every check: %s", ver, url, m->bad_domains.n, list);
		check_emit(c, url, STATUS_WARNING, sum,
			   xstrdup("Rename or delete them in MailCow (E-Mail > Configuration > Domains): a domain "
				   "name is letters, digits, hyphens and dots, an internationalised one in its "
				   "xn-- form"));
		free(list);
		return;
	}
	check_emit(c, url, STATUS_OK,
		   xasprintf("MailCow %s answers at %s with the key%s", m->version ? m->version : "?", url,
			     m->key == KEY_READ_ONLY ? " (read-only)" : ""),
		   NULL);
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
			check_emit(c, svc, STATUS_CRITICAL, xasprintf("%s is expected (docker.expected) but no "
								      "container exists", svc),
				   xasprintf("Create it: %s %s; if the service was dropped on purpose, remove it "
					     "from docker.expected in mcon.conf", up, svc));
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
			check_emit(c, svc, STATUS_OK,
				   xasprintf("%s is running (%s)", svc, any->status_text ? any->status_text : "up"),
				   NULL);
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
			if (x->service && strcmp(x->service, svc) == 0 &&
			    (!ct || health_rank(x->health) > health_rank(ct->health)))
				ct = x; /* a scaled service: its worst container speaks for it */
		}
		if (!ct)
			continue; /* containers.running reports the missing service */
		bool running = ct->state && strcmp(ct->state, "running") == 0;
		if (!running) {
			check_emit(c, svc, STATUS_OK, xasprintf("%s is not running: no health to judge (see "
								"containers.running)", svc), NULL);
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
				   xasprintf("Wait for the start period (clamd needs up to 6 minutes); if it stays "
					     "so, see docker inspect --format '{{json .State.Health}}' %s",
					     ct->name ? ct->name : svc));
			break;
		case HEALTH_UNHEALTHY: {
			char *logs = compose_cmd(c->cfg, "logs --tail 100");
			check_emit(c, svc, STATUS_CRITICAL,
				   xasprintf("%s is unhealthy (%d failing probes%s%s)", svc, ct->failing_streak,
					     ct->health_output ? ", last: " : "",
					     ct->health_output ? ct->health_output : ""),
				   xasprintf("See the probe output with docker inspect --format '{{json "
					     ".State.Health}}' %s and %s %s; "
					     "restart it with docker compose restart %s",
					     ct->name ? ct->name : svc, logs, svc, svc));
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
			check_emit(c, svc, STATUS_WARNING,
				   xasprintf("%s is restarting (restart count %ld)", svc, count),
				   xasprintf("It crashes on start: see %s %s", logs, svc));
		} else if (prev >= 0 && count > prev) {
			check_emit(c, svc, STATUS_WARNING,
				   xasprintf("%s restarted: restart count %ld, was %ld at the last record", svc, count,
					     prev),
				   xasprintf("See why it restarted: %s %s (and the watchdog log in the MailCow UI)",
					     logs, svc));
		} else if (prev < 0) {
			check_emit(c, svc, STATUS_OK, xasprintf("%s restart count %ld (no earlier record)", svc, count),
				   NULL);
		} else {
			check_emit(c, svc, STATUS_OK,
				   xasprintf("%s restart count %ld, was %ld at the last record", svc, count, prev),
				   NULL);
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
			check_emit(c, svc, STATUS_OK,
				   xasprintf("no overlay rule for %s (overlay.network is not set)", svc), NULL);
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
				   xasprintf("Only %s may join %s: remove the network from %s in %s and run docker "
					     "compose up -d",
					     allowed[0] ? allowed : "(none)", net, svc, override));
		} else if (!attached && ok_svc) {
			check_emit(c, svc, STATUS_WARNING,
				   xasprintf("%s is not attached to overlay network %s (on %s)", svc, net, on),
				   xasprintf("The reverse proxy reaches MailCow through %s: add %s (declared "
					     "external: true) to the "
					     "networks of %s in %s, keep mailcow-network with its aliases, and run "
					     "docker compose up -d",
					     net, net, svc, override));
		} else {
			check_emit(c, svc, STATUS_OK,
				   xasprintf("%s %s overlay network %s (on %s)", svc,
					     attached ? "is allowed on" : "stays off", net, on),
				   NULL);
		}
		free(on);
		strv_free(&nets);
	}
	free(allowed);
	free(override);
	strv_free(&svcs);
}
