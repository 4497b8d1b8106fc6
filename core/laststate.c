/* laststate: the first screen's text, both ways (see laststate.h). */
#include "core/laststate.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "core/dns.h"
#include "core/docker.h"

#define LASTSTATE_VERSION 1

static json_t *jstr(const char *s)
{
	return s ? json_string(s) : json_null();
}

static json_t *jerr(const struct part_error *e)
{
	if (!e->failed)
		return json_null();
	return json_pack("{s:o, s:o, s:I}", "what", jstr(e->what), "why", jstr(e->why), "since", (json_int_t)e->since);
}

/* One container: what the containers pane and its details draw. */
static json_t *jcontainer(const struct container *c)
{
	json_t *nets = json_array();
	for (size_t k = 0; k < c->n_nets; k++) {
		const struct net_attach *a = &c->nets[k];
		json_array_append_new(nets, json_pack("{s:o, s:o, s:o, s:o}", "name", jstr(a->network), "ip",
						      jstr(a->ip), "driver", jstr(a->driver), "scope", jstr(a->scope)));
	}
	json_t *o = json_pack("{s:o, s:o, s:o, s:o, s:o, s:o, s:i, s:s, s:i, s:o}", "id", jstr(c->id), "name",
			      jstr(c->name), "service", jstr(c->service), "image", jstr(c->image), "state",
			      jstr(c->state), "status", jstr(c->status_text), "exit_code", c->exit_code, "health",
			      health_name(c->health), "failing_streak", c->failing_streak, "health_output",
			      jstr(c->health_output));
	json_object_set_new(o, "restart_count", json_integer((json_int_t)c->restart_count));
	json_object_set_new(o, "started_at", json_integer((json_int_t)c->started_at));
	json_object_set_new(o, "finished_at", json_integer((json_int_t)c->finished_at));
	json_object_set_new(o, "tty", json_boolean(c->tty));
	json_object_set_new(o, "inspected", json_boolean(c->inspected));
	json_object_set_new(o, "networks", nets);
	return o;
}

char *laststate_encode(const struct snapshot *s, const struct check_result *r, size_t n)
{
	json_t *cs = json_array();
	for (size_t i = 0; i < s->docker.n_containers; i++)
		json_array_append_new(cs, jcontainer(&s->docker.containers[i]));
	json_t *ds = json_array();
	for (size_t i = 0; i < s->n_domains; i++) {
		const struct snap_domain *d = &s->domains[i];
		json_array_append_new(ds, json_pack("{s:o, s:b, s:o, s:o, s:i}", "name", jstr(d->name), "dkim_present",
						    d->dkim.present, "dkim_selector", jstr(d->dkim.selector),
						    "dkim_pubkey", jstr(d->dkim.pubkey), "dkim_bits", d->dkim.bits));
	}
	json_t *rs = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(rs, json_pack("{s:s, s:o, s:s, s:o, s:o}", "check", r[i].check, "target",
						    jstr(r[i].target), "status", status_name(r[i].status), "summary",
						    jstr(r[i].summary), "hint", jstr(r[i].hint)));
	json_t *o = json_pack("{s:i, s:o, s:I, s:I, s:I, s:o, s:o, s:o}", "version", LASTSTATE_VERSION, "site",
			      jstr(s->site), "started_at", (json_int_t)s->started_at, "finished_at",
			      (json_int_t)s->finished_at, "duration_ms", (json_int_t)s->duration_ms, "mailcow_version",
			      jstr(s->mailcow.version), "resolver", jstr(s->resolver), "docker_endpoint",
			      jstr(s->docker.endpoint));
	json_object_set_new(o, "docker_error", jerr(&s->docker.err));
	json_object_set_new(o, "mailcow_error", jerr(&s->mailcow.err));
	json_object_set_new(o, "dns_error", jerr(&s->dns_err));
	json_object_set_new(o, "files_error", jerr(&s->limits.err));
	json_object_set_new(o, "containers", cs);
	json_object_set_new(o, "domains", ds);
	json_object_set_new(o, "results", rs);
	char *text = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	return text ? text : xstrdup("{}");
}

/* ---- reading back ---- */

static char *sdup(json_t *o, const char *key)
{
	const char *v = json_string_value(json_object_get(o, key));
	return v ? xstrdup(v) : NULL;
}

static long long inum(json_t *o, const char *key)
{
	return (long long)json_integer_value(json_object_get(o, key));
}

static void err_read(json_t *o, struct part_error *e)
{
	if (!json_is_object(o))
		return;
	e->failed = true;
	e->what = sdup(o, "what");
	e->why = sdup(o, "why");
	e->since = (time_t)inum(o, "since");
}

/* An answer not asked yet, for the name (taken). */
static void answer_init(struct dns_answer *a, int type, char *name)
{
	memset(a, 0, sizeof(*a));
	a->name = name;
	a->type = type;
	a->status = DNS_NOT_ASKED;
}

static void domain_read(json_t *j, const struct config *cfg, struct snap_domain *d)
{
	d->name = sdup(j, "name");
	if (!d->name)
		d->name = xstrdup("?");
	d->dkim.domain = xstrdup(d->name);
	d->dkim.present = json_is_true(json_object_get(j, "dkim_present"));
	d->dkim.selector = sdup(j, "dkim_selector");
	d->dkim.pubkey = sdup(j, "dkim_pubkey");
	d->dkim.bits = (int)inum(j, "dkim_bits");
	d->policy.max_age = -1;
	part_error_set(&d->policy.err, "MTA-STS policy", "not fetched yet: this is the last known state");
	struct domain_dns *dns = &d->dns;
	answer_init(&dns->mx, DNS_T_MX, xstrdup(d->name));
	answer_init(&dns->apex_txt, DNS_T_TXT, xstrdup(d->name));
	answer_init(&dns->dmarc, DNS_T_TXT, xasprintf("_dmarc.%s", d->name));
	answer_init(&dns->mta_sts_txt, DNS_T_TXT, xasprintf("_mta-sts.%s", d->name));
	answer_init(&dns->mta_sts_host, DNS_T_A, xasprintf("mta-sts.%s", d->name));
	answer_init(&dns->tls_rpt, DNS_T_TXT, xasprintf("_smtp._tls.%s", d->name));
	dns->n_dkim = cfg->dkim_selectors.n;
	dns->dkim = xcalloc(dns->n_dkim ? dns->n_dkim : 1, sizeof(*dns->dkim));
	for (size_t k = 0; k < dns->n_dkim; k++)
		answer_init(&dns->dkim[k], DNS_T_TXT, xasprintf("%s._domainkey.%s", cfg->dkim_selectors.v[k], d->name));
}

static void container_read(json_t *j, struct container *c)
{
	c->id = sdup(j, "id");
	if (!c->id)
		c->id = xstrdup("");
	c->name = sdup(j, "name");
	c->service = sdup(j, "service");
	c->image = sdup(j, "image");
	c->state = sdup(j, "state");
	c->status_text = sdup(j, "status");
	c->exit_code = (int)inum(j, "exit_code");
	const char *h = json_string_value(json_object_get(j, "health"));
	c->health = h && strcmp(h, "none") != 0 ? docker_health_parse(h) : HEALTH_NONE;
	c->failing_streak = (int)inum(j, "failing_streak");
	c->health_output = sdup(j, "health_output");
	c->restart_count = (long)inum(j, "restart_count");
	c->started_at = (time_t)inum(j, "started_at");
	c->finished_at = (time_t)inum(j, "finished_at");
	c->tty = json_is_true(json_object_get(j, "tty"));
	c->inspected = json_is_true(json_object_get(j, "inspected"));
	json_t *nets = json_object_get(j, "networks");
	c->n_nets = json_array_size(nets);
	c->nets = xcalloc(c->n_nets ? c->n_nets : 1, sizeof(*c->nets));
	for (size_t k = 0; k < c->n_nets; k++) {
		json_t *nj = json_array_get(nets, k);
		c->nets[k].network = sdup(nj, "name");
		if (!c->nets[k].network)
			c->nets[k].network = xstrdup("?");
		c->nets[k].ip = sdup(nj, "ip");
		c->nets[k].driver = sdup(nj, "driver");
		c->nets[k].scope = sdup(nj, "scope");
	}
}

int laststate_decode(const char *text, const struct config *cfg, struct snapshot **snap,
		     struct check_result **r, size_t *n, char **err)
{
	*snap = NULL;
	*r = NULL;
	*n = 0;
	json_error_t je;
	json_t *o = json_loads(text, 0, &je);
	if (!json_is_object(o) || inum(o, "version") != LASTSTATE_VERSION) {
		*err = o ? xstrdup("the stored screen is of another version")
			 : xasprintf("the stored screen: %s", je.text);
		json_decref(o);
		return -1;
	}
	struct snapshot *s = xcalloc(1, sizeof(*s));
	s->site = sdup(o, "site");
	s->started_at = (time_t)inum(o, "started_at");
	s->finished_at = (time_t)inum(o, "finished_at");
	s->duration_ms = (long)inum(o, "duration_ms");
	s->mailcow.version = sdup(o, "mailcow_version");
	s->resolver = sdup(o, "resolver");
	s->docker.endpoint = sdup(o, "docker_endpoint");
	s->docker.postfix_size_live = -1;
	err_read(json_object_get(o, "docker_error"), &s->docker.err);
	err_read(json_object_get(o, "mailcow_error"), &s->mailcow.err);
	err_read(json_object_get(o, "dns_error"), &s->dns_err);
	err_read(json_object_get(o, "files_error"), &s->limits.err);
	json_t *cs = json_object_get(o, "containers");
	s->docker.n_containers = json_array_size(cs);
	size_t nc = s->docker.n_containers;
	s->docker.containers = xcalloc(nc ? nc : 1, sizeof(*s->docker.containers));
	for (size_t i = 0; i < s->docker.n_containers; i++)
		container_read(json_array_get(cs, i), &s->docker.containers[i]);
	json_t *ds = json_object_get(o, "domains");
	s->n_domains = json_array_size(ds);
	s->domains = xcalloc(s->n_domains ? s->n_domains : 1, sizeof(*s->domains));
	for (size_t i = 0; i < s->n_domains; i++)
		domain_read(json_array_get(ds, i), cfg, &s->domains[i]);
	json_t *rs = json_object_get(o, "results");
	*r = xcalloc(json_array_size(rs) ? json_array_size(rs) : 1, sizeof(**r));
	for (size_t i = 0; i < json_array_size(rs); i++) {
		json_t *x = json_array_get(rs, i);
		const struct check_def *def = check_find(json_string_value(json_object_get(x, "check")));
		const char *st = json_string_value(json_object_get(x, "status"));
		enum status status = st ? status_parse(st) : STATUS_NONE;
		if (!def || status == STATUS_NONE)
			continue;
		struct check_result *res = &(*r)[(*n)++];
		res->check = def->id;
		res->target = sdup(x, "target");
		if (!res->target)
			res->target = xstrdup("");
		res->status = status;
		res->summary = sdup(x, "summary");
		if (!res->summary)
			res->summary = xstrdup("");
		res->hint = sdup(x, "hint");
	}
	json_decref(o);
	*snap = s;
	return 0;
}
