/* mailcow: the MailCow API client: connection setup (key header, TLS, dns.servers pinning),
 * the collection on the refresh loop with its backoff, and the one-at-a-time session that
 * onboarding and fixes read and write through. The parsers are in mailcow_parse.c. */
#include "core/mailcow.h"
#include "core/mailcow_int.h"
#include "core/dns.h"
#include "core/key_gate.h"
#include "core/util.h"

#include <arpa/inet.h>
#include <errno.h>
#include <curl/curl.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>


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
	fetch_opts_mailcow_tls(o, cfg); /* mailcow.ca_file, tls_verify and pin */
	o->resolve = c->pin;
}

static char *transport_why(const struct fetch_result *r, const char *base, const char *pin)
{
	if (r->curl_code == CURLE_SSL_PINNEDPUBKEYNOTMATCH)
		return xasprintf("the certificate's public key does not match mailcow.pin %s: %s (a new key, or a "
				 "wrong pin: compute it again from the certificate nginx-mailcow serves)",
				 pin ? pin : "", r->error ? r->error : "pin mismatch");
	if (r->error && (strstr(r->error, "SSL certificate") || strstr(r->error, "certificate")))
		return xasprintf("TLS certificate not trusted: %s (set mailcow.ca_file to the CA that signed it)",
				 r->error);
	if (r->curl_code == CURLE_COULDNT_CONNECT)
		return xasprintf("cannot connect to %s: %s (is nginx-mailcow up, and mailcow.url right?)", base,
				 r->os_errno ? strerror(r->os_errno) : r->error ? r->error : "connection failed");
	return xstrdup(r->error ? r->error : "transfer failed");
}

static bool key_refused_now(enum key_problem k)
{
	return k == KEY_INVALID || k == KEY_IP_DENIED;
}

/* What an answer says about the key, for the shared backoff: a refusal, or an accepted
 * key (200 without a key problem). Answers that did not look at the key change nothing. */
static void gate_note(struct key_gate *g, enum key_problem k, long status)
{
	if (key_refused_now(k) || (k == KEY_OK && status == 200))
		key_gate_note(g, k, status, mcon_now());
}

/* "the API key was refused ...: not retried before T" for a gate that blocks; caller frees. */
static char *gate_why(const struct key_gate *g)
{
	char *d = key_gate_describe(g);
	char *why = xasprintf("the API key was %s; mcon sends it again only then, since MailCow's netfilter bans "
			      "addresses after repeated failed logins (a changed key is tried at once)", d);
	free(d);
	return why;
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
	struct key_gate gate;
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
		char *t = transport_why(r, c->conn.base, c->cfg->mailcow_pin);
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
		gate_note(&c->gate, k, r->status);
		if (key_refused_now(k) && c->gate.store_error[0])
			part_error_set(&st->err, q->what, "%s (the backoff is kept in this process only: %s)", why,
				       c->gate.store_error);
		st->auth_failures = c->gate.failures;
		st->next_try = c->gate.next_try;
	} else if (r->status != 200) {
		char *msg = mailcow_error_msg(r->body, r->len);
		part_error_set(err, q->what, "HTTP %ld%s%s", r->status, msg ? ": " : "", msg ? msg : "");
		free(msg);
	} else {
		char *msg = NULL, *perr = NULL;
		json_t *root = json_loadb(r->body, r->len, JSON_DECODE_ANY, NULL);
		const char *type = json_string_value(json_object_get(root, "type"));
		if (type && (strcmp(type, "error") == 0 || strcmp(type, "danger") == 0))
			msg = mailcow_error_msg(r->body, r->len);
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
			char *clean = mailcow_text(perr, 300);
			part_error_set(err, q->what, "%s", clean);
			free(clean);
		}
		free(perr);
		if (q->ep == EP_DOMAINS && rc == 0 && !err->failed)
			c->domains_ok = true;
		gate_note(&c->gate, KEY_OK, r->status);
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
	key_gate_load(&c->gate, key, cfg->mailcow_url);
	if (key_gate_blocked(&c->gate, mcon_now())) {
		config_key_free(key);
		st->key = c->gate.key;
		st->auth_failures = c->gate.failures;
		st->next_try = c->gate.next_try;
		char *why = gate_why(&c->gate);
		part_error_set(&st->err, "MailCow API key", "%s", why);
		free(why);
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

/* ---- Requests one at a time ---- */

struct mailcow_api {
	const struct config *cfg;
	struct mc_conn conn;
	struct key_gate gate;
	bool needs_dns;
};

struct mailcow_api *mailcow_api_new(const struct config *cfg, char **err)
{
	if (!cfg->mailcow_url) {
		*err = xstrdup("mailcow.url is not set");
		return NULL;
	}
	char *key = config_api_key(cfg, err);
	if (!key)
		return NULL;
	struct mailcow_api *a = xcalloc(1, sizeof(*a));
	a->cfg = cfg;
	key_gate_load(&a->gate, key, cfg->mailcow_url);
	a->conn.key_header = xasprintf("X-API-Key: %s", key);
	config_key_free(key);
	a->conn.base = xstrdup(cfg->mailcow_url);
	if (!conn_parse_url(&a->conn, cfg)) {
		*err = xasprintf("mailcow.url '%s' is not a valid URL", cfg->mailcow_url);
		mailcow_api_free(a);
		return NULL;
	}
	a->needs_dns = host_needs_dns(cfg, a->conn.host);
	return a;
}

void mailcow_api_free(struct mailcow_api *a)
{
	if (!a)
		return;
	conn_free(&a->conn);
	free(a);
}

struct sync_state {
	bool done, dns_done;
	long status;
	char *body, *error;
	size_t len;
	struct fetch_result r;  /* for transport_why: status, curl_code, os_errno */
};

static void on_sync(struct fetch_result *r, void *ud)
{
	struct sync_state *s = ud;
	s->done = true;
	s->status = r->status;
	s->body = r->body;
	s->len = r->len;
	s->error = r->error;
	r->body = r->error = NULL;
	s->r.curl_code = r->curl_code;
	s->r.os_errno = r->os_errno;
}

static void on_sync_dns(struct dns_answer *ans, void *ud)
{
	(void)ans;
	((struct sync_state *)ud)->dns_done = true;
}

/* The dns.servers answer for the API's host, once per session. */
static int api_pin(struct mailcow_api *a, struct fetcher *f, struct mc_result *res)
{
	if (!a->needs_dns || a->conn.pin)
		return 0;
	char *derr = NULL;
	struct dns_resolver *r = dns_resolver_new(a->cfg, 0, &derr);
	if (!r) {
		res->message = derr;
		return -1;
	}
	dns_resolver_attach(r, f);
	struct dns_answer ans = {0};
	struct sync_state s = {0};
	dns_query(r, a->conn.host, DNS_T_A, &ans, on_sync_dns, &s);
	fetcher_run(f, fetch_now_ms() + a->cfg->dns_timeout_ms + 1000);
	if (ans.status == DNS_OK && ans.n)
		a->conn.pin = pin_from_answer(a->conn.host, a->conn.port, &ans);
	else
		res->message = xasprintf("%s does not resolve through dns.servers (%s)", a->conn.host,
					 dns_status_name(ans.status));
	dns_resolver_free(r);
	dns_answer_clear(&ans);
	return a->conn.pin ? 0 : -1;
}

/* One request (json_body NULL: GET). 0 with s filled when an HTTP answer came, -1 with
 * res->message otherwise. s->body is the caller's to free. */
static int api_call(struct mailcow_api *a, const char *path, const char *json_body, struct mc_result *res,
		    struct sync_state *s)
{
	mc_result_free(res);
	memset(s, 0, sizeof(*s));
	key_gate_refresh(&a->gate);
	if (key_gate_blocked(&a->gate, mcon_now())) { /* another process may have been refused meanwhile */
		res->key = a->gate.key;
		res->http_status = a->gate.http_status;
		res->message = gate_why(&a->gate);
		return -1;
	}
	struct fetcher *f = fetcher_new();
	int rc = -1;
	if (api_pin(a, f, res) == 0) {
		char *url = xasprintf("%s/api/v1/%s", a->conn.base, path);
		struct fetch_opts o = {.url = url, .method = json_body ? "POST" : "GET", .body = json_body,
				       .done = on_sync, .ud = s};
		const char *hdrs[4];
		conn_opts(&a->conn, a->cfg, &o, hdrs);
		if (json_body)
			hdrs[2] = "Content-Type: application/json"; /* without it MailCow ignores the body */
		if (fetcher_add(f, &o) == 0)
			fetcher_run(f, fetch_now_ms() + a->cfg->mailcow_timeout_ms + 1000);
		free(url);
		if (!s->done) {
			res->message = xstrdup("no answer from MailCow");
		} else if (s->error) {
			s->r.error = s->error;
			res->message = transport_why(&s->r, a->conn.base, a->cfg->mailcow_pin);
		} else {
			res->http_status = s->status;
			char *why = NULL;
			gate_note(&a->gate, mailcow_classify(s->status, s->body, s->len, &why), s->status);
			free(why);
			rc = 0;
		}
		free(s->error);
		s->error = s->r.error = NULL;
	}
	fetcher_free(f);
	return rc;
}

/* A GET and its status mapping: 0 with the body in s when MailCow answered 200 with no
 * error entry. */
static int api_get(struct mailcow_api *a, const char *path, struct mc_result *res, struct sync_state *s)
{
	if (api_call(a, path, NULL, res, s) < 0)
		return -1;
	char *why = NULL;
	enum key_problem k = mailcow_classify(s->status, s->body, s->len, &why);
	char *msg = NULL;
	if (k != KEY_OK) {
		res->key = k;
		res->message = why;
	} else if (s->status != 200) {
		msg = mailcow_error_msg(s->body, s->len);
		res->message = xasprintf("GET %s: HTTP %ld%s%s", path, s->status, msg ? ": " : "", msg ? msg : "");
	} else {
		json_t *root = json_loadb(s->body, s->len, JSON_DECODE_ANY, NULL);
		const char *type = json_string_value(json_object_get(root, "type"));
		if (type && (strcmp(type, "error") == 0 || strcmp(type, "danger") == 0))
			msg = mailcow_error_msg(s->body, s->len);
		json_decref(root);
		if (msg)
			res->message = xasprintf("GET %s: MailCow answered with an error: %s", path, msg);
		else
			res->ok = true;
	}
	free(msg);
	return res->ok ? 0 : -1;
}

/* GET path and parse its body into st (or *dkim). The body is wiped before it is freed
 * when it may hold a secret. */
static int api_read(struct mailcow_api *a, const char *path, const char *arg,
		    int (*parse)(const char *, size_t, struct mailcow_state *, char **), struct mailcow_state *st,
		    struct mc_dkim *dkim, struct mc_result *res)
{
	char *esc = arg ? curl_easy_escape(NULL, arg, 0) : NULL;
	char *full = arg ? xasprintf("%s/%s", path, esc ? esc : "") : xstrdup(path);
	curl_free(esc);
	struct sync_state s;
	int rc = api_get(a, full, res, &s);
	if (rc == 0) {
		char *perr = NULL;
		rc = dkim ? mailcow_parse_dkim(s.body, s.len, dkim, &perr) : parse(s.body, s.len, st, &perr);
		if (rc < 0) {
			res->ok = false;
			res->message = xasprintf("GET %s: %s", full, perr);
			free(perr);
		}
	}
	if (s.body && dkim)
		explicit_bzero(s.body, s.len); /* may hold the private key */
	free(s.body);
	free(full);
	return rc;
}

int mailcow_get_version(struct mailcow_api *a, struct mailcow_state *st, struct mc_result *res)
{
	return api_read(a, "get/status/version", NULL, mailcow_parse_version, st, NULL, res);
}

int mailcow_get_domain(struct mailcow_api *a, const char *domain, struct mailcow_state *st, struct mc_result *res)
{
	return api_read(a, "get/domain", domain, mailcow_parse_domains, st, NULL, res);
}

int mailcow_get_aliases(struct mailcow_api *a, const char *domain, struct mailcow_state *st, struct mc_result *res)
{
	return api_read(a, "get/alias/all", domain, mailcow_parse_aliases, st, NULL, res);
}

int mailcow_get_dkim(struct mailcow_api *a, struct mc_dkim *out, struct mc_result *res)
{
	return api_read(a, "get/dkim", out->domain, NULL, NULL, out, res);
}

int mailcow_post(struct mailcow_api *a, const char *action, const char *json_body, struct mc_result *res)
{
	struct sync_state s;
	int rc = api_call(a, action, json_body ? json_body : "{}", res, &s);
	if (rc == 0)
		rc = mailcow_parse_write(s.status, s.body, s.len, res);
	free(s.body);
	return rc;
}

/* Posts body (consumed) as compact JSON. */
static int post_json(struct mailcow_api *a, const char *action, json_t *body, struct mc_result *res)
{
	char *text = json_dumps(body, JSON_COMPACT);
	json_decref(body);
	int rc = mailcow_post(a, action, text, res);
	free(text);
	return rc;
}

int mailcow_write_probe(struct mailcow_api *a, struct mc_result *res)
{
	mailcow_post(a, "edit/alias", "{\"items\":[],\"attr\":{}}", res);
	/* MailCow answers 200 (with or without a message) when the key may write */
	return res->http_status == 200 && res->key == KEY_OK ? 0 : -1;
}

int mailcow_mailq(struct mailcow_api *a, const char *action, const struct strv *ids, struct mc_result *res)
{
	json_t *items = json_array();
	for (size_t i = 0; ids && i < ids->n; i++)
		json_array_append_new(items, json_string(ids->v[i]));
	if (strcmp(action, "delete") == 0)
		return post_json(a, "delete/mailq", items, res);
	/* json_api.php passes {"qid": items} merged with attr to mailq('edit') */
	return post_json(a, "edit/mailq", json_pack("{s:o, s:{s:s}}", "items", items, "attr", "action", action), res);
}

int mailcow_add_domain(struct mailcow_api *a, const char *domain, const char *description,
		       const char *dkim_selector, int key_size, bool restart_sogo, struct mc_result *res)
{
	json_t *b = json_pack("{s:s, s:s, s:i, s:i, s:i, s:i, s:i, s:i, s:i, s:i, s:[]}", "domain", domain,
			      "description", description ? description : domain, "active", 1, "backupmx", 0,
			      "relay_all_recipients", 0, "relay_unknown_only", 0, "gal", 1, "restart_sogo",
			      restart_sogo ? 1 : 0, "aliases", 400, "mailboxes", 10, "tags");
	if (dkim_selector) {
		json_object_set_new(b, "dkim_selector", json_string(dkim_selector));
		json_object_set_new(b, "key_size", json_integer(key_size > 0 ? key_size : 2048));
	}
	return post_json(a, "add/domain", b, res);
}

int mailcow_add_alias(struct mailcow_api *a, const char *address, const char *goto_addr, struct mc_result *res)
{
	json_t *b = json_pack("{s:s, s:s, s:i, s:i, s:i, s:i}", "address", address, "goto", goto_addr, "active", 1,
			      "sogo_visible", 0, "sender_allowed", 1, "internal", 0);
	return post_json(a, "add/alias", b, res);
}

int mailcow_edit_alias(struct mailcow_api *a, const char *id_or_address, const char *goto_addr, bool active,
		       struct mc_result *res)
{
	json_t *attr = json_pack("{s:i}", "active", active ? 1 : 0);
	if (goto_addr)
		json_object_set_new(attr, "goto", json_string(goto_addr));
	json_t *b = json_pack("{s:[s], s:o}", "items", id_or_address, "attr", attr);
	return post_json(a, "edit/alias", b, res);
}

int mailcow_add_dkim(struct mailcow_api *a, const char *domain, const char *selector, int key_size,
		     struct mc_result *res)
{
	json_t *b = json_pack("{s:s, s:s, s:i}", "domains", domain, "dkim_selector", selector, "key_size",
			      key_size > 0 ? key_size : 2048);
	return post_json(a, "add/dkim", b, res);
}

int mailcow_add_mta_sts(struct mailcow_api *a, const char *domain, const char *mode, long max_age,
			const char *mx_csv, struct mc_result *res)
{
	json_t *b = json_pack("{s:s, s:s, s:s, s:I, s:s, s:i}", "domain", domain, "version", "stsv1", "mode", mode,
			      "max_age", (json_int_t)max_age, "mx", mx_csv, "active", 1);
	return post_json(a, "add/mta-sts", b, res);
}

int mailcow_edit_mta_sts(struct mailcow_api *a, const char *domain, const char *mode, long max_age,
			 const char *mx_csv, struct mc_result *res)
{
	json_t *attr = json_pack("{s:s, s:i}", "version", "stsv1", "active", 1);
	if (mode)
		json_object_set_new(attr, "mode", json_string(mode));
	if (max_age > 0)
		json_object_set_new(attr, "max_age", json_integer(max_age));
	if (mx_csv)
		json_object_set_new(attr, "mx", json_string(mx_csv));
	json_t *b = json_pack("{s:[s], s:o}", "items", domain, "attr", attr);
	return post_json(a, "edit/mta-sts", b, res);
}
