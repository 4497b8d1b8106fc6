/* mailcow: the API's reads on the refresh loop, its writes for onboarding, and the
 * parsers of every body it returns. */
#include "core/mailcow.h"
#include "core/dkimkey.h"
#include "core/dns.h"
#include "core/sanitize.h"
#include "core/util.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <curl/curl.h>
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- JSON helpers: MailCow's numbers come as numbers or digit strings ---- */

static long long jnum(const json_t *v, long long def)
{
	if (json_is_integer(v))
		return json_integer_value(v);
	/* a real outside long long's range is no number (the cast would be undefined: fuzzing) */
	if (json_is_real(v))
		return fabs(json_real_value(v)) < 9e18 ? (long long)json_real_value(v) : def;
	if (json_is_boolean(v))
		return json_is_true(v);
	if (json_is_string(v)) {
		const char *s = json_string_value(v);
		while (isspace((unsigned char)*s))
			s++;
		char *end;
		long long n = strtoll(s, &end, 10);
		while (isspace((unsigned char)*end))
			end++;
		if (end != s && *end == '\0')
			return n;
	}
	return def;
}

static long long jget_num(const json_t *o, const char *key, long long def)
{
	return jnum(json_object_get(o, key), def);
}

/* A string, or a number shown as one; NULL when absent or null. */
static char *jget_str(const json_t *o, const char *key)
{
	const json_t *v = json_object_get(o, key);
	if (json_is_string(v))
		return xstrdup(json_string_value(v));
	if (json_is_integer(v))
		return xasprintf("%lld", (long long)json_integer_value(v));
	return NULL;
}

static bool jget_bool(const json_t *o, const char *key, const char *fallback_key)
{
	const json_t *v = json_object_get(o, key);
	if (!v && fallback_key)
		v = json_object_get(o, fallback_key);
	return jnum(v, 0) != 0;
}

/* Overwrites a secret's characters inside the parsed tree before it is freed. */
static void json_wipe_string(json_t *v)
{
	if (json_is_string(v)) {
		char *s = (char *)json_string_value(v);
		explicit_bzero(s, json_string_length(v));
	}
}

static json_t *parse_json(const char *body, size_t len, char **err)
{
	json_error_t e;
	json_t *root = json_loadb(body, len, JSON_DECODE_ANY, &e);
	if (!root)
		*err = xasprintf("malformed response: %s (line %d)", e.text, e.line);
	return root;
}

/* MailCow lists come as an array, as {} when empty, or keyed by name (status). A lone
 * object that is itself an item (has item_key) is a list of one. Returns the items in
 * *out (borrowed), or -1 when root is no list. */
static int list_items(json_t *root, const char *item_key, json_t ***out, size_t *n)
{
	*out = NULL;
	*n = 0;
	if (json_is_array(root)) {
		size_t cnt = json_array_size(root);
		*out = xcalloc(cnt ? cnt : 1, sizeof(**out));
		for (size_t i = 0; i < cnt; i++)
			if (json_is_object(json_array_get(root, i)))
				(*out)[(*n)++] = json_array_get(root, i);
		return 0;
	}
	if (!json_is_object(root))
		return -1;
	if (item_key && json_object_get(root, item_key)) {
		*out = xcalloc(1, sizeof(**out));
		(*out)[(*n)++] = root;
		return 0;
	}
	size_t cnt = json_object_size(root);
	*out = xcalloc(cnt ? cnt : 1, sizeof(**out));
	const char *k;
	json_t *v;
	json_object_foreach(root, k, v) {
		if (json_is_object(v))
			(*out)[(*n)++] = v;
	}
	return 0;
}

/* Control characters out, length capped: server text goes into messages. One line of valid
 * UTF-8, cut on a character boundary (a byte cut split characters: found by fuzzing). */
static char *clean_text(const char *s, size_t max)
{
	return sanitize_line(s, max);
}

typedef int (*item_fn)(json_t *item, struct mailcow_state *st);

static int parse_list(const char *body, size_t len, const char *item_key, struct mailcow_state *st, item_fn fn,
		      char **err)
{
	json_t *root = parse_json(body, len, err);
	if (!root)
		return -1;
	json_t **items;
	size_t n;
	if (list_items(root, item_key, &items, &n) < 0) {
		*err = xstrdup("malformed response: expected a list");
		json_decref(root);
		return -1;
	}
	for (size_t i = 0; i < n; i++)
		fn(items[i], st);
	free(items);
	json_decref(root);
	return 0;
}

#define GROW(arr, n) ((arr) = xrealloc((arr), ((n) + 1) * sizeof(*(arr))), memset(&(arr)[n], 0, sizeof(*(arr))), &(arr)[(n)++])

static int domain_item(json_t *o, struct mailcow_state *st)
{
	char *name = jget_str(o, "domain_name");
	if (!name)
		return -1;
	struct mc_domain *d = GROW(st->domains, st->n_domains);
	str_lower(name);
	d->name = name;
	d->description = jget_str(o, "description");
	d->active = jget_bool(o, "active", "active_int");
	d->relayhost_id = jget_str(o, "relayhost");
	if (!d->relayhost_id)
		d->relayhost_id = xstrdup("0");
	d->mailboxes = (long)jget_num(o, "mboxes_in_domain", 0);
	d->aliases = (long)jget_num(o, "aliases_in_domain", 0);
	d->quota_bytes = jget_num(o, "max_quota_for_domain", 0);
	d->bytes_used = jget_num(o, "bytes_total", 0);
	json_t *tags = json_object_get(o, "tags"); /* absent when the domain has none */
	size_t i;
	json_t *t;
	json_array_foreach(tags, i, t) {
		if (json_is_string(t))
			strv_push(&d->tags, json_string_value(t));
	}
	return 0;
}

int mailcow_parse_domains(const char *body, size_t len, struct mailcow_state *st, char **err)
{
	return parse_list(body, len, "domain_name", st, domain_item, err);
}

static int alias_item(json_t *o, struct mailcow_state *st)
{
	char *address = jget_str(o, "address");
	if (!address)
		return -1;
	struct mc_alias *a = GROW(st->aliases, st->n_aliases);
	a->id = (long)jget_num(o, "id", 0);
	a->address = address;
	a->goto_addr = jget_str(o, "goto");
	a->domain = jget_str(o, "domain");
	if (!a->domain) {
		const char *at = strrchr(address, '@');
		a->domain = xstrdup(at ? at + 1 : "");
	}
	str_lower(a->domain);
	a->active = jget_bool(o, "active", "active_int");
	/* The server computes is_catch_all; a bare "@domain" is one whatever it says. */
	a->catch_all = jget_bool(o, "is_catch_all", NULL) || address[0] == '@';
	return 0;
}

int mailcow_parse_aliases(const char *body, size_t len, struct mailcow_state *st, char **err)
{
	return parse_list(body, len, "address", st, alias_item, err);
}

static int mailbox_item(json_t *o, struct mailcow_state *st)
{
	char *user = jget_str(o, "username");
	if (!user)
		return -1;
	struct mc_mailbox *m = GROW(st->mailboxes, st->n_mailboxes);
	m->username = user;
	m->domain = jget_str(o, "domain");
	if (!m->domain) {
		const char *at = strrchr(user, '@');
		m->domain = xstrdup(at ? at + 1 : "");
	}
	m->name = jget_str(o, "name");
	m->active = jget_bool(o, "active", "active_int");
	m->quota = jget_num(o, "quota", 0);
	m->quota_used = jget_num(o, "quota_used", 0);
	return 0;
}

int mailcow_parse_mailboxes(const char *body, size_t len, struct mailcow_state *st, char **err)
{
	return parse_list(body, len, "username", st, mailbox_item, err);
}

static int relayhost_item(json_t *o, struct mailcow_state *st)
{
	/* The plaintext password (and its prefix) are wiped here and never copied. */
	json_wipe_string(json_object_get(o, "password"));
	json_wipe_string(json_object_get(o, "password_short"));
	char *host = jget_str(o, "hostname");
	if (!host)
		return -1;
	struct mc_relayhost *r = GROW(st->relayhosts, st->n_relayhosts);
	r->id = (long)jget_num(o, "id", 0);
	r->hostname = host;
	r->username = jget_str(o, "username");
	r->active = jget_bool(o, "active", "active_int");
	return 0;
}

int mailcow_parse_relayhosts(const char *body, size_t len, struct mailcow_state *st, char **err)
{
	return parse_list(body, len, "hostname", st, relayhost_item, err);
}

static int service_item(json_t *o, struct mailcow_state *st)
{
	char *name = jget_str(o, "container");
	if (!name)
		return -1;
	struct mc_service_status *s = GROW(st->services, st->n_services);
	s->service = name;
	s->state = jget_str(o, "state");
	s->image = jget_str(o, "image");
	const char *started = json_string_value(json_object_get(o, "started_at"));
	time_t t = started ? time_parse_rfc3339(started) : (time_t)-1;
	s->started_at = t == (time_t)-1 ? 0 : t;
	return 0;
}

int mailcow_parse_services(const char *body, size_t len, struct mailcow_state *st, char **err)
{
	return parse_list(body, len, "container", st, service_item, err);
}

int mailcow_parse_version(const char *body, size_t len, struct mailcow_state *st, char **err)
{
	json_t *root = parse_json(body, len, err);
	if (!root)
		return -1;
	char *v = json_is_object(root) ? jget_str(root, "version") : NULL;
	json_decref(root);
	if (!v) {
		*err = xstrdup("malformed response: no \"version\"");
		return -1;
	}
	free(st->version);
	st->version = v;
	return 0;
}

int mailcow_parse_mailq(const char *body, size_t len, struct mailcow_state *st, char **err)
{
	json_t *root = parse_json(body, len, err);
	if (!root)
		return -1;
	json_t **items;
	size_t n;
	if (list_items(root, "queue_id", &items, &n) < 0) {
		*err = xstrdup("malformed response: expected a list");
		json_decref(root);
		return -1;
	}
	st->queue_total = st->queue_deferred = st->queue_active = st->queue_hold = 0;
	for (size_t i = 0; i < n; i++) {
		const char *q = json_string_value(json_object_get(items[i], "queue_name"));
		st->queue_total++;
		if (q && strcmp(q, "deferred") == 0)
			st->queue_deferred++;
		else if (q && strcmp(q, "active") == 0)
			st->queue_active++;
		else if (q && strcmp(q, "hold") == 0)
			st->queue_hold++;
	}
	free(items);
	json_decref(root);
	return 0;
}

int mailcow_parse_dkim(const char *body, size_t len, struct mc_dkim *out, char **err)
{
	json_t *root = parse_json(body, len, err);
	if (!root)
		return -1;
	if (!json_is_object(root) && !json_is_array(root)) {
		*err = xstrdup("malformed response: expected an object");
		json_decref(root);
		return -1;
	}
	json_wipe_string(json_object_get(root, "privkey")); /* set only with SHOW_DKIM_PRIV_KEYS */
	free(out->selector);
	free(out->pubkey);
	free(out->txt);
	out->selector = out->pubkey = out->txt = NULL;
	out->bits = 0;
	out->present = false;
	char *pub = json_is_object(root) ? jget_str(root, "pubkey") : NULL;
	if (pub && *pub) {
		out->present = true;
		out->pubkey = pub;
		out->selector = jget_str(root, "dkim_selector");
		out->txt = jget_str(root, "dkim_txt");
		out->bits = dkim_key_bits(pub, NULL);
		if (out->bits <= 0) {
			/* "length" is MailCow's guess from the key's size: "2048", ">= 8192". */
			const char *l = json_string_value(json_object_get(root, "length"));
			long long v = l ? strtoll(l + strcspn(l, "0123456789"), NULL, 10) : jget_num(root, "length", 0);
			out->bits = v > 0 && v < 1000000 ? (int)v : 0;
		}
	} else {
		free(pub);
	}
	json_decref(root);
	return 0;
}

/* ---- Key problems ---- */

/* The "msg" of a MailCow error body, or NULL. Caller frees. */
static char *error_msg(const char *body, size_t len)
{
	if (!body || !len)
		return NULL;
	json_t *root = json_loadb(body, len, JSON_DECODE_ANY, NULL);
	char *msg = NULL;
	json_t *m = json_object_get(root, "msg");
	if (json_is_string(m)) {
		msg = clean_text(json_string_value(m), 200);
	} else if (json_is_array(m) && json_is_string(json_array_get(m, 0))) {
		msg = clean_text(json_string_value(json_array_get(m, 0)), 200);
	}
	json_decref(root);
	return msg;
}

static bool body_blank(const char *body, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (!isspace((unsigned char)body[i]))
			return false;
	return true;
}

enum key_problem mailcow_classify(long status, const char *body, size_t len, char **why)
{
	char *msg = error_msg(body, len);
	enum key_problem k = KEY_OK;
	if (status == 401) {
		if (msg && strncasecmp(msg, "api access denied for ip", 24) == 0) {
			k = KEY_IP_DENIED;
			*why = xasprintf("HTTP 401: %s: the key is valid but this host's address is not allowed; add it to "
					 "\"Allow API access from\" (Configuration > Access > Administrators > API) or to "
					 "API_ALLOW_FROM in mailcow.conf. MailCow's netfilter bans addresses after repeated "
					 "failed logins, so mcon waits before trying again", msg);
		} else {
			k = KEY_INVALID;
			*why = xasprintf("HTTP 401: %s: MailCow does not know this API key or it is not active; check "
					 "mailcow.api_key_file or $MCON_API_KEY against Configuration > Access > "
					 "Administrators > API. MailCow's netfilter bans addresses after repeated failed "
					 "logins, so mcon waits before trying again", msg ? msg : "authentication failed");
		}
	} else if (status == 403) {
		if (msg && strcasestr(msg, "read/write access denied")) {
			k = KEY_READ_ONLY;
			*why = xasprintf("HTTP 403: %s: the key is read-only; changes need the read-write key", msg);
		} else {
			k = KEY_FORBIDDEN;
			*why = xasprintf("HTTP 403%s%s: refused before the API (a proxy in front of MailCow, or a "
					 "Sec-Fetch-Dest header); check what sits between mcon and nginx-mailcow",
					 msg ? ": " : "", msg ? msg : "");
		}
	} else if (status == 200 && body_blank(body, len)) {
		k = KEY_IGNORED;
		*why = xstrdup("HTTP 200 with an empty body: MailCow saw no API key (it answers a GET without one "
			       "like this); a proxy in front may drop the X-API-Key header");
	}
	free(msg);
	return k;
}

const char *key_problem_name(enum key_problem k)
{
	static const char *names[] = {"ok", "missing", "invalid", "ip-denied", "read-only", "forbidden", "ignored"};
	return (unsigned)k < ARRAY_SIZE(names) ? names[k] : "?";
}

/* ---- Shared request setup ---- */

struct mc_conn {
	char *base;             /* mailcow.url */
	char *key_header;       /* "X-API-Key: ...", wiped on free */
	char *pin;              /* CURLOPT_RESOLVE entry, when dns.servers resolves the host */
	char *host, *port;
};

static void conn_free(struct mc_conn *c)
{
	if (c->key_header) {
		explicit_bzero(c->key_header, strlen(c->key_header));
		free(c->key_header);
	}
	free(c->base);
	free(c->pin);
	free(c->host);
	free(c->port);
	memset(c, 0, sizeof(*c));
}

/* Host and port of the URL; whether the host needs our resolver (a name, dns.servers set). */
static bool conn_parse_url(struct mc_conn *c, const struct config *cfg)
{
	CURLU *u = curl_url();
	char *host = NULL, *port = NULL;
	bool ok = u && curl_url_set(u, CURLUPART_URL, cfg->mailcow_url, 0) == CURLUE_OK &&
		  curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK &&
		  curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) == CURLUE_OK;
	if (ok) {
		c->host = xstrdup(host);
		c->port = xstrdup(port);
	}
	curl_free(host);
	curl_free(port);
	curl_url_cleanup(u);
	return ok;
}

static bool host_needs_dns(const struct config *cfg, const char *host)
{
	if (!cfg->dns_servers.n || !host || host[0] == '[' || strcasecmp(host, "localhost") == 0)
		return false;
	struct in_addr a;
	return inet_pton(AF_INET, host, &a) != 1;
}

static char *pin_from_answer(const char *host, const char *port, const struct dns_answer *a)
{
	struct buf b = {0};
	buf_printf(&b, "%s:%s:", host, port);
	for (size_t i = 0; i < a->n; i++)
		buf_printf(&b, "%s%s", i ? "," : "", a->rrs[i].value);
	return buf_steal(&b);
}

static void conn_opts(const struct mc_conn *c, const struct config *cfg, struct fetch_opts *o, const char **hdrs)
{
	hdrs[0] = c->key_header;
	hdrs[1] = "Accept: application/json";
	hdrs[2] = NULL;
	hdrs[3] = NULL;
	o->headers = hdrs;
	o->timeout_ms = cfg->mailcow_timeout_ms;
	o->max_bytes = MAILCOW_MAX_BODY;
	o->ca_file = cfg->mailcow_ca_file;
	o->insecure = !cfg->mailcow_tls_verify;
	o->resolve = c->pin;
}

static char *transport_why(const struct fetch_result *r, const char *base)
{
	if (r->error && (strstr(r->error, "SSL certificate") || strstr(r->error, "certificate")))
		return xasprintf("TLS certificate not trusted: %s (set mailcow.ca_file to the CA that signed it)",
				 r->error);
	if (r->curl_code == CURLE_COULDNT_CONNECT)
		return xasprintf("cannot connect to %s: %s (is nginx-mailcow up, and mailcow.url right?)", base,
				 r->os_errno ? strerror(r->os_errno) : r->error ? r->error : "connection failed");
	return xstrdup(r->error ? r->error : "transfer failed");
}

/* ---- Collection ---- */

enum mc_ep { EP_DOMAINS, EP_ALIASES, EP_MAILBOXES, EP_RELAYHOSTS, EP_SERVICES, EP_VERSION, EP_MAILQ, EP_DKIM };

static const struct {
	const char *path;
	int (*parse)(const char *, size_t, struct mailcow_state *, char **);
} endpoints[] = {
	[EP_DOMAINS] = {"get/domain/all", mailcow_parse_domains},
	[EP_ALIASES] = {"get/alias/all", mailcow_parse_aliases},
	[EP_MAILBOXES] = {"get/mailbox/all", mailcow_parse_mailboxes},
	[EP_RELAYHOSTS] = {"get/relayhost/all", mailcow_parse_relayhosts},
	[EP_SERVICES] = {"get/status/containers", mailcow_parse_services},
	[EP_VERSION] = {"get/status/version", mailcow_parse_version},
	[EP_MAILQ] = {"get/mailq/all", mailcow_parse_mailq},
	[EP_DKIM] = {NULL, NULL},
};

struct mc_req {
	struct mailcow_client *c;
	enum mc_ep ep;
	struct mc_dkim *dkim;
	char *what;
	bool done;
	struct mc_req *next;
};

struct mailcow_client {
	struct fetcher *f;
	struct dns_resolver *r;
	const struct config *cfg;
	struct mailcow_state *st;
	void (*on_domains)(void *ud);
	void *ud;
	struct mc_conn conn;
	struct dns_answer pin_answer;
	bool domains_ok, domains_reported, stopped;
	int outstanding, requests;
	long long total_ms;
	struct mc_req *reqs;
};

static struct part_error *ep_error(struct mailcow_state *st, enum mc_ep ep)
{
	switch (ep) {
	case EP_DOMAINS: return &st->err;
	case EP_ALIASES: return &st->aliases_err;
	case EP_MAILBOXES: return &st->mailboxes_err;
	case EP_RELAYHOSTS: return &st->relayhosts_err;
	case EP_SERVICES: return &st->services_err;
	case EP_VERSION: return &st->version_err;
	case EP_MAILQ: return &st->queue_err;
	case EP_DKIM: return NULL;
	}
	return NULL;
}

static void report_domains(struct mailcow_client *c)
{
	if (c->domains_reported)
		return;
	c->domains_reported = true;
	if (c->on_domains)
		c->on_domains(c->ud);
}

static void on_reply(struct fetch_result *r, void *ud);

static void request(struct mailcow_client *c, enum mc_ep ep, struct mc_dkim *dkim)
{
	struct mc_req *q = xcalloc(1, sizeof(*q));
	q->c = c;
	q->ep = ep;
	q->dkim = dkim;
	char *path = NULL;
	if (ep == EP_DKIM) {
		char *esc = curl_easy_escape(NULL, dkim->domain, 0);
		path = xasprintf("get/dkim/%s", esc ? esc : "");
		curl_free(esc);
	} else {
		path = xstrdup(endpoints[ep].path);
	}
	q->what = xasprintf("GET /api/v1/%s", path);
	q->next = c->reqs;
	c->reqs = q;
	struct part_error *err = ep == EP_DKIM ? &dkim->err : ep_error(c->st, ep);
	if (c->stopped) {
		part_error_set(err, q->what, "not asked: the API key was refused earlier in this refresh");
		q->done = true;
		free(path);
		return;
	}
	char *url = xasprintf("%s/api/v1/%s", c->conn.base, path);
	free(path);
	struct fetch_opts o = {.url = url, .done = on_reply, .ud = q};
	const char *hdrs[4];
	conn_opts(&c->conn, c->cfg, &o, hdrs);
	if (fetcher_add(c->f, &o) == 0) {
		c->outstanding++;
	} else {
		part_error_set(err, q->what, "cannot start the request");
		q->done = true;
	}
	free(url);
}

static void start_rest(struct mailcow_client *c)
{
	for (enum mc_ep ep = EP_ALIASES; ep <= EP_MAILQ; ep++)
		request(c, ep, NULL);
}

static void on_reply(struct fetch_result *r, void *ud)
{
	struct mc_req *q = ud;
	struct mailcow_client *c = q->c;
	struct mailcow_state *st = c->st;
	q->done = true;
	c->outstanding--;
	c->requests++;
	c->total_ms += r->elapsed_ms;
	struct part_error *err = q->ep == EP_DKIM ? &q->dkim->err : ep_error(st, q->ep);
	part_error_clear(err);
	bool transport_failed = false;
	char *why = NULL;
	enum key_problem k;

	if (r->error) {
		transport_failed = true;
		char *t = transport_why(r, c->conn.base);
		part_error_set(err, q->what, "%s", t);
		free(t);
	} else if ((k = mailcow_classify(r->status, r->body, r->len, &why)) != KEY_OK) {
		/* The key problem belongs to the whole API: stop asking in this refresh. */
		c->stopped = true;
		if (st->key == KEY_OK)
			st->key = k;
		if (!st->err.failed)
			part_error_set(&st->err, q->what, "%s", why);
		if (err != &st->err)
			part_error_set(err, q->what, "%s", why);
	} else if (r->status != 200) {
		char *msg = error_msg(r->body, r->len);
		part_error_set(err, q->what, "HTTP %ld%s%s", r->status, msg ? ": " : "", msg ? msg : "");
		free(msg);
	} else {
		char *msg = NULL, *perr = NULL;
		json_t *root = json_loadb(r->body, r->len, JSON_DECODE_ANY, NULL);
		const char *type = json_string_value(json_object_get(root, "type"));
		if (type && (strcmp(type, "error") == 0 || strcmp(type, "danger") == 0))
			msg = error_msg(r->body, r->len);
		json_decref(root);
		int rc = 0;
		if (msg) {
			part_error_set(err, q->what, "MailCow answered with an error: %s", msg);
			free(msg);
		} else if (q->ep == EP_DKIM) {
			rc = mailcow_parse_dkim(r->body, r->len, q->dkim, &perr);
		} else {
			rc = endpoints[q->ep].parse(r->body, r->len, st, &perr);
		}
		if (rc < 0) {
			char *clean = clean_text(perr, 300);
			part_error_set(err, q->what, "%s", clean);
			free(clean);
		}
		free(perr);
		if (q->ep == EP_DOMAINS && rc == 0 && !err->failed)
			c->domains_ok = true;
	}
	free(why);
	if (q->ep == EP_RELAYHOSTS || q->ep == EP_DKIM)
		explicit_bzero(r->body, r->len); /* held a password / private key */

	if (q->ep == EP_DOMAINS) {
		/* A timeout or refused connection will not go better for the other
		 * endpoints; an HTTP error on this one might. */
		if (!c->stopped && !transport_failed)
			start_rest(c);
		else if (!c->stopped)
			for (enum mc_ep ep = EP_ALIASES; ep <= EP_MAILQ; ep++)
				part_error_set(ep_error(st, ep), endpoints[ep].path, "not asked: %s failed", q->what);
		report_domains(c);
	}
}

static void start_domains(struct mailcow_client *c)
{
	request(c, EP_DOMAINS, NULL);
	if (c->st->err.failed) /* could not even start */
		report_domains(c);
}

static void on_pin(struct dns_answer *a, void *ud)
{
	struct mailcow_client *c = ud;
	if (a->status == DNS_OK && a->n > 0) {
		c->conn.pin = pin_from_answer(c->conn.host, c->conn.port, a);
		start_domains(c);
		return;
	}
	part_error_set(&c->st->err, "resolve the MailCow host", "%s does not resolve through dns.servers (%s%s%s)",
		       c->conn.host, dns_status_name(a->status), a->error ? ": " : "", a->error ? a->error : "");
	report_domains(c);
}

struct mailcow_client *mailcow_start(struct fetcher *f, struct dns_resolver *r, const struct config *cfg,
				     struct mailcow_state *st, void (*on_domains)(void *ud), void *ud)
{
	struct mailcow_client *c = xcalloc(1, sizeof(*c));
	c->f = f;
	c->r = r;
	c->cfg = cfg;
	c->st = st;
	c->on_domains = on_domains;
	c->ud = ud;
	st->queue_total = st->queue_deferred = st->queue_active = st->queue_hold = -1;
	free(st->url);
	st->url = xstrdup(cfg->mailcow_url);
	if (!cfg->mailcow_url) {
		st->key = KEY_OK;
		part_error_set(&st->err, "MailCow API", "not configured: set mailcow.url (and mailcow.api_key_file)");
		report_domains(c);
		return c;
	}
	char *kerr = NULL;
	char *key = config_api_key(cfg, &kerr);
	if (!key) {
		st->key = KEY_MISSING;
		part_error_set(&st->err, "MailCow API key", "%s", kerr);
		free(kerr);
		report_domains(c);
		return c;
	}
	c->conn.key_header = xasprintf("X-API-Key: %s", key);
	config_key_free(key);
	c->conn.base = xstrdup(cfg->mailcow_url);
	if (!conn_parse_url(&c->conn, cfg)) {
		part_error_set(&st->err, "MailCow API", "mailcow.url '%s' is not a valid URL", cfg->mailcow_url);
		report_domains(c);
		return c;
	}
	if (r && host_needs_dns(cfg, c->conn.host)) {
		dns_query(r, c->conn.host, DNS_T_A, &c->pin_answer, on_pin, c);
		return c;
	}
	start_domains(c);
	return c;
}

bool mailcow_domains_ok(const struct mailcow_client *c)
{
	return c->domains_ok;
}

void mailcow_fetch_dkim(struct mailcow_client *c, struct mc_dkim *out)
{
	if (!c->conn.key_header)
		return;
	request(c, EP_DKIM, out);
}

int mailcow_outstanding(const struct mailcow_client *c)
{
	return c->outstanding;
}

void mailcow_stats(const struct mailcow_client *c, int *requests, long long *total_ms)
{
	*requests = c->requests;
	*total_ms = c->total_ms;
}

void mailcow_client_free(struct mailcow_client *c)
{
	if (!c)
		return;
	while (c->reqs) {
		struct mc_req *q = c->reqs;
		c->reqs = q->next;
		if (!q->done) {
			struct part_error *err = q->ep == EP_DKIM ? &q->dkim->err : ep_error(c->st, q->ep);
			part_error_set(err, q->what, "no answer before the refresh ended");
		}
		free(q->what);
		free(q);
	}
	dns_answer_clear(&c->pin_answer);
	conn_free(&c->conn);
	free(c);
}

/* ---- Backoff ---- */

static bool key_refused(enum key_problem k)
{
	return k == KEY_INVALID || k == KEY_IP_DENIED;
}

bool mailcow_backoff_active(const struct mailcow_state *prev, time_t now, struct mailcow_state *st)
{
	if (!prev || !key_refused(prev->key) || prev->next_try <= now)
		return false;
	char when[32];
	time_rfc3339(prev->next_try, when);
	st->key = prev->key;
	st->auth_failures = prev->auth_failures;
	st->next_try = prev->next_try;
	st->queue_total = st->queue_deferred = st->queue_active = st->queue_hold = -1;
	free(st->url);
	st->url = xstrdup(prev->url);
	part_error_set(&st->err, prev->err.what ? prev->err.what : "MailCow API", "%s (not retried before %s)",
		       prev->err.why ? prev->err.why : "the API key was refused", when);
	return true;
}

void mailcow_backoff_update(struct mailcow_state *st, const struct mailcow_state *prev, time_t now)
{
	if (!key_refused(st->key)) {
		st->auth_failures = 0;
		st->next_try = 0;
		return;
	}
	if (st->next_try > now)
		return; /* carried over by mailcow_backoff_active */
	st->auth_failures = prev && key_refused(prev->key) ? prev->auth_failures + 1 : 1;
	int shift = st->auth_failures - 1 < 5 ? st->auth_failures - 1 : 5;
	long wait = 60L << shift; /* 1, 2, 4, 8, 16, 30 minutes */
	if (wait > 1800)
		wait = 1800;
	st->next_try = now + wait;
}

/* ---- Writes ---- */

void mc_write_result_free(struct mc_write_result *r)
{
	free(r->message);
	free(r->id);
	memset(r, 0, sizeof(*r));
}

/* "dkim_added: a.com" from {"msg": ["dkim_added", "a.com"]} or "Task completed". */
static void append_msg(struct buf *b, const json_t *m)
{
	if (b->len)
		buf_puts(b, "; ");
	if (json_is_string(m)) {
		char *c = clean_text(json_string_value(m), 200);
		buf_puts(b, c);
		free(c);
		return;
	}
	size_t i;
	const json_t *v;
	json_array_foreach(m, i, v) {
		char *s = json_is_string(v) ? clean_text(json_string_value(v), 200)
			: json_is_integer(v) ? xasprintf("%lld", (long long)json_integer_value(v)) : NULL;
		if (!s)
			continue;
		buf_puts(b, i == 0 ? "" : i == 1 ? ": " : ", ");
		buf_puts(b, s);
		free(s);
	}
}

int mailcow_parse_write(long status, const char *body, size_t len, struct mc_write_result *res)
{
	mc_write_result_free(res);
	res->http_status = status;
	char *why = NULL;
	enum key_problem k = mailcow_classify(status, body, len, &why);
	if (k != KEY_OK) {
		res->key = k;
		res->message = why;
		return -1;
	}
	if (status != 200) {
		char *msg = error_msg(body, len);
		res->message = xasprintf("HTTP %ld%s%s", status, msg ? ": " : "", msg ? msg : "");
		free(msg);
		return -1;
	}
	json_t *root = json_loadb(body, len, JSON_DECODE_ANY, NULL);
	if (!root || (!json_is_array(root) && !json_is_object(root))) {
		res->message = xstrdup("MailCow's answer is not JSON");
		json_decref(root);
		return -1;
	}
	struct buf msgs = {0};
	bool failed = false;
	size_t n = json_is_array(root) ? json_array_size(root) : 1;
	for (size_t i = 0; i < n; i++) {
		json_t *e = json_is_array(root) ? json_array_get(root, i) : root;
		const char *type = json_string_value(json_object_get(e, "type"));
		json_t *m = json_object_get(e, "msg");
		if (!type || strcmp(type, "danger") == 0 || strcmp(type, "error") == 0)
			failed = true;
		append_msg(&msgs, m);
		/* ["alias_added", "@a.com", "12"]: the new id is the third element. */
		if (json_is_array(m) && json_is_string(json_array_get(m, 0)) &&
		    strcmp(json_string_value(json_array_get(m, 0)), "alias_added") == 0 && !res->id) {
			json_t *id = json_array_get(m, 2);
			res->id = json_is_string(id) ? xstrdup(json_string_value(id))
				: json_is_integer(id) ? xasprintf("%lld", (long long)json_integer_value(id)) : NULL;
		}
	}
	if (n == 0) {
		failed = true;
		buf_puts(&msgs, "MailCow returned no result");
	}
	json_decref(root);
	res->message = buf_steal(&msgs);
	res->ok = !failed;
	return failed ? -1 : 0;
}

struct sync_state {
	struct fetch_result r;
	bool done;
};

static void on_sync(struct fetch_result *r, void *ud)
{
	struct sync_state *s = ud;
	s->done = true;
	s->r = *r;
	/* keep what we need; the fetcher frees the rest */
	s->r.body = r->body;
	s->r.error = r->error;
	r->body = NULL;
	r->error = NULL;
	s->r.api_version = s->r.content_type = NULL;
}

static void on_sync_dns(struct dns_answer *a, void *ud)
{
	(void)a;
	*(bool *)ud = true;
}

int mailcow_post(const struct config *cfg, const char *action, const char *json_body, struct mc_write_result *res)
{
	mc_write_result_free(res);
	if (!cfg->mailcow_url) {
		res->message = xstrdup("mailcow.url is not set");
		return -1;
	}
	char *kerr = NULL;
	char *key = config_api_key(cfg, &kerr);
	if (!key) {
		res->key = KEY_MISSING;
		res->message = kerr;
		return -1;
	}
	struct mc_conn conn = {0};
	conn.key_header = xasprintf("X-API-Key: %s", key);
	config_key_free(key);
	conn.base = xstrdup(cfg->mailcow_url);
	if (!conn_parse_url(&conn, cfg)) {
		res->message = xasprintf("mailcow.url '%s' is not a valid URL", cfg->mailcow_url);
		conn_free(&conn);
		return -1;
	}
	struct fetcher *f = fetcher_new();
	int rc = -1;
	if (host_needs_dns(cfg, conn.host)) {
		char *derr = NULL;
		struct dns_resolver *r = dns_resolver_new(cfg, 0, &derr);
		if (!r) {
			res->message = derr;
			goto out;
		}
		dns_resolver_attach(r, f);
		struct dns_answer a = {0};
		bool got = false;
		dns_query(r, conn.host, DNS_T_A, &a, on_sync_dns, &got);
		fetcher_run(f, fetch_now_ms() + cfg->dns_timeout_ms + 1000);
		if (a.status == DNS_OK && a.n)
			conn.pin = pin_from_answer(conn.host, conn.port, &a);
		else
			res->message = xasprintf("%s does not resolve through dns.servers (%s)", conn.host,
						 dns_status_name(a.status));
		dns_resolver_free(r);
		dns_answer_clear(&a);
		if (!conn.pin)
			goto out;
	}
	{
		char *url = xasprintf("%s/api/v1/%s", conn.base, action);
		struct sync_state s = {0};
		struct fetch_opts o = {.url = url, .method = "POST", .body = json_body, .done = on_sync, .ud = &s};
		const char *hdrs[4];
		conn_opts(&conn, cfg, &o, hdrs);
		hdrs[2] = "Content-Type: application/json"; /* without it MailCow ignores the body */
		if (fetcher_add(f, &o) == 0)
			fetcher_run(f, fetch_now_ms() + cfg->mailcow_timeout_ms + 1000);
		free(url);
		if (!s.done) {
			res->message = xstrdup("no answer from MailCow");
		} else if (s.r.error) {
			res->message = transport_why(&s.r, conn.base);
		} else {
			rc = mailcow_parse_write(s.r.status, s.r.body, s.r.len, res);
		}
		free(s.r.body);
		free(s.r.error);
	}
out:
	fetcher_free(f);
	conn_free(&conn);
	return rc;
}

static int post_json(const struct config *cfg, const char *action, json_t *body, struct mc_write_result *res)
{
	char *text = json_dumps(body, JSON_COMPACT);
	json_decref(body);
	int rc = mailcow_post(cfg, action, text, res);
	free(text);
	return rc;
}

int mailcow_add_domain(const struct config *cfg, const char *domain, const char *description,
		       const char *dkim_selector, int key_size, struct mc_write_result *res)
{
	json_t *b = json_pack("{s:s, s:s, s:i, s:i, s:i, s:i, s:i, s:i, s:i, s:i, s:[]}", "domain", domain,
			      "description", description ? description : domain, "active", 1, "backupmx", 0,
			      "relay_all_recipients", 0, "relay_unknown_only", 0, "gal", 1, "restart_sogo", 0,
			      "aliases", 400, "mailboxes", 10, "tags");
	if (dkim_selector) {
		json_object_set_new(b, "dkim_selector", json_string(dkim_selector));
		json_object_set_new(b, "key_size", json_integer(key_size > 0 ? key_size : 2048));
	}
	return post_json(cfg, "add/domain", b, res);
}

int mailcow_add_alias(const struct config *cfg, const char *address, const char *goto_addr,
		      struct mc_write_result *res)
{
	json_t *b = json_pack("{s:s, s:s, s:i, s:i, s:i, s:i}", "address", address, "goto", goto_addr, "active", 1,
			      "sogo_visible", 0, "sender_allowed", 1, "internal", 0);
	return post_json(cfg, "add/alias", b, res);
}

int mailcow_edit_alias(const struct config *cfg, const char *id_or_address, const char *goto_addr, bool active,
		       struct mc_write_result *res)
{
	json_t *attr = json_pack("{s:i}", "active", active ? 1 : 0);
	if (goto_addr)
		json_object_set_new(attr, "goto", json_string(goto_addr));
	json_t *b = json_pack("{s:[s], s:o}", "items", id_or_address, "attr", attr);
	return post_json(cfg, "edit/alias", b, res);
}

int mailcow_add_dkim(const struct config *cfg, const char *domain, const char *selector, int key_size,
		     struct mc_write_result *res)
{
	json_t *b = json_pack("{s:s, s:s, s:i}", "domains", domain, "dkim_selector", selector, "key_size",
			      key_size > 0 ? key_size : 2048);
	return post_json(cfg, "add/dkim", b, res);
}

int mailcow_add_mta_sts(const struct config *cfg, const char *domain, const char *mode, long max_age,
			const char *mx_csv, struct mc_write_result *res)
{
	json_t *b = json_pack("{s:s, s:s, s:s, s:I, s:s, s:i}", "domain", domain, "version", "stsv1", "mode", mode,
			      "max_age", (json_int_t)max_age, "mx", mx_csv, "active", 1);
	return post_json(cfg, "add/mta-sts", b, res);
}

int mailcow_edit_mta_sts(const struct config *cfg, const char *domain, const char *mode, long max_age,
			 const char *mx_csv, struct mc_write_result *res)
{
	json_t *attr = json_pack("{s:s, s:s, s:I, s:s, s:i}", "version", "stsv1", "mode", mode, "max_age",
				 (json_int_t)max_age, "mx", mx_csv, "active", 1);
	json_t *b = json_pack("{s:[s], s:o}", "items", domain, "attr", attr);
	return post_json(cfg, "edit/mta-sts", b, res);
}
