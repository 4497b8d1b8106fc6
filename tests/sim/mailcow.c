/* mcon-sim MailCow: the /api/v1 REST API over HTTPS (read-only and read-write keys, the
 * real 401/403/404/405/400 bodies, HTTP 200 message arrays for business results, numbers
 * that are sometimes digit strings) and the MTA-STS policy host chosen by the Host header. */
#include "tests/sim/http.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define PRETTY (JSON_INDENT(4) | JSON_ESCAPE_SLASH | JSON_ENSURE_ASCII | JSON_PRESERVE_ORDER)
#define PLAIN (JSON_COMPACT | JSON_ESCAPE_SLASH | JSON_ENSURE_ASCII | JSON_PRESERVE_ORDER)

static const char nginx_404[] = "<html>\r\n<head><title>404 Not Found</title></head>\r\n<body>\r\n"
				"<center><h1>404 Not Found</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n";

static void nginx_page(struct http_resp *rs, unsigned status)
{
	const char *reason = status == 500 ? "Internal Server Error" : status == 502 ? "Bad Gateway"
			   : status == 503 ? "Service Temporarily Unavailable" : status == 504 ? "Gateway Time-out"
			   : status == 404 ? "Not Found" : status == 403 ? "Forbidden" : status == 401 ? "Unauthorized"
			   : status == 429 ? "Too Many Requests" : "Error";
	char *page = xasprintf("<html>\r\n<head><title>%u %s</title></head>\r\n<body>\r\n<center><h1>%u %s</h1></center>\r\n"
			       "<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n",
			       status, reason, status, reason);
	http_text(rs, status, "text/html", page);
	free(page);
}

static void err_body(struct http_resp *rs, unsigned status, const char *msg)
{
	http_json(rs, status, json_pack("{s:s, s:s}", "type", "error", "msg", msg), PLAIN);
}

/* MailCow's 401s: the JSON error body, sent before json_api.php sets its content type (nginx's text/html). */
static void err_401(struct http_resp *rs, const char *msg)
{
	json_t *j = json_pack("{s:s, s:s}", "type", "error", "msg", msg);
	char *text = json_dumps(j, PLAIN);
	http_text(rs, 401, "text/html; charset=utf-8", text);
	free(text);
	json_decref(j);
}

static void mailcow_status_body(unsigned status, struct http_resp *rs)
{
	http_add_header(rs, "Server", "nginx");
	if (status == 401)
		err_401(rs, "authentication failed");
	else if (status == 403)
		err_body(rs, 403, "API read/write access denied");
	else if (status == 404)
		err_body(rs, 404, "route not found");
	else
		nginx_page(rs, status);
}

/* ---------------------------------------------------------------- objects */

static int64_t domain_mailbox_quota(const char *domain, int *count)
{
	int64_t sum = 0;
	*count = 0;
	for (size_t i = 0; i < sim.mailboxes.n; i++) {
		struct sim_mailbox *m = sim.mailboxes.v[i];
		if (strcasecmp(m->domain, domain) == 0) {
			sum += m->quota;
			(*count)++;
		}
	}
	return sum;
}

static int domain_alias_count(const char *domain)
{
	int n = 0;
	for (size_t i = 0; i < sim.aliases.n; i++)
		n += strcasecmp(((struct sim_alias *)sim.aliases.v[i])->domain, domain) == 0;
	return n;
}

static json_t *jstr_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

static json_t *domain_json(const struct sim_domain *d)
{
	int mboxes;
	int64_t used = domain_mailbox_quota(d->name, &mboxes);
	int aliases = domain_alias_count(d->name);
	int64_t left = d->quota - used;
	if (left > d->max_quota)
		left = d->max_quota;
	char used_s[32], bytes_s[32], msgs_s[32], rh[32];
	snprintf(used_s, sizeof(used_s), "%lld", (long long)used);
	snprintf(bytes_s, sizeof(bytes_s), "%lld", (long long)d->bytes_total);
	snprintf(msgs_s, sizeof(msgs_s), "%lld", (long long)d->msgs_total);
	snprintf(rh, sizeof(rh), "%ld", d->relayhost);
	json_t *o = json_object();
	json_object_set_new(o, "max_new_mailbox_quota", json_integer(left < 0 ? 0 : left));
	json_object_set_new(o, "def_new_mailbox_quota", json_integer(d->def_quota < left ? d->def_quota : (left < 0 ? 0 : left)));
	json_object_set_new(o, "quota_used_in_domain", json_string(used_s));
	json_object_set_new(o, "bytes_total", json_string(bytes_s));
	json_object_set_new(o, "msgs_total", json_string(msgs_s));
	json_object_set_new(o, "mboxes_in_domain", json_integer(mboxes));
	json_object_set_new(o, "mboxes_left", json_integer(d->max_mailboxes - mboxes));
	json_object_set_new(o, "domain_name", json_string(d->name));
	json_object_set_new(o, "domain_h_name", json_string(d->name));
	json_object_set_new(o, "description", json_string(d->description));
	json_object_set_new(o, "max_num_aliases_for_domain", json_integer(d->max_aliases));
	json_object_set_new(o, "max_num_mboxes_for_domain", json_integer(d->max_mailboxes));
	json_object_set_new(o, "def_quota_for_mbox", json_integer(d->def_quota));
	json_object_set_new(o, "max_quota_for_mbox", json_integer(d->max_quota));
	json_object_set_new(o, "max_quota_for_domain", json_integer(d->quota));
	json_object_set_new(o, "relayhost", json_string(rh));
	json_object_set_new(o, "backupmx", json_integer(d->backupmx));
	json_object_set_new(o, "backupmx_int", json_integer(d->backupmx));
	json_object_set_new(o, "gal", json_integer(d->gal));
	json_object_set_new(o, "gal_int", json_integer(d->gal));
	json_object_set_new(o, "rl", json_false());
	json_object_set_new(o, "active", json_integer(d->active));
	json_object_set_new(o, "active_int", json_integer(d->active));
	json_object_set_new(o, "relay_all_recipients", json_integer(d->relay_all));
	json_object_set_new(o, "relay_all_recipients_int", json_integer(d->relay_all));
	json_object_set_new(o, "relay_unknown_only", json_integer(d->relay_unknown));
	json_object_set_new(o, "relay_unknown_only_int", json_integer(d->relay_unknown));
	json_object_set_new(o, "created", json_string(d->created));
	json_object_set_new(o, "modified", jstr_or_null(d->modified));
	json_object_set_new(o, "aliases_in_domain", json_integer(aliases));
	json_object_set_new(o, "aliases_left", json_integer(d->max_aliases - aliases));
	json_object_set_new(o, "domain_admins", json_string("-"));
	if (d->tags && json_array_size(d->tags))
		json_object_set(o, "tags", d->tags);
	return o;
}

static json_t *alias_json(const struct sim_alias *a)
{
	bool catch_all = a->address[0] == '@';
	json_t *o = json_object();
	json_object_set_new(o, "in_primary_domain", json_string(""));
	json_object_set_new(o, "id", json_integer(a->id));
	json_object_set_new(o, "domain", json_string(a->domain));
	json_object_set_new(o, "public_comment", jstr_or_null(a->public_comment));
	json_object_set_new(o, "private_comment", jstr_or_null(a->private_comment));
	json_object_set_new(o, "goto", json_string(a->go_to));
	json_object_set_new(o, "address", json_string(a->address));
	json_object_set_new(o, "is_catch_all", json_integer(catch_all));
	json_object_set_new(o, "internal", json_integer(a->internal));
	json_object_set_new(o, "active", json_integer(a->active));
	json_object_set_new(o, "active_int", json_integer(a->active));
	json_object_set_new(o, "sogo_visible", json_integer(a->sogo_visible));
	json_object_set_new(o, "sogo_visible_int", json_integer(a->sogo_visible));
	json_object_set_new(o, "sender_allowed", json_integer(a->sender_allowed));
	json_object_set_new(o, "created", json_string(a->created));
	json_object_set_new(o, "modified", jstr_or_null(a->modified));
	return o;
}

static json_t *mailbox_json(const struct sim_mailbox *m)
{
	const char *at = strchr(m->username, '@');
	char *local = xstrndup(m->username, at ? (size_t)(at - m->username) : strlen(m->username));
	int pct = m->quota ? (int)(m->quota_used * 100 / m->quota) : 0;
	json_t *o = json_object();
	json_object_set_new(o, "username", json_string(m->username));
	json_object_set_new(o, "active", json_integer(m->active));
	json_object_set_new(o, "active_int", json_integer(m->active));
	json_object_set_new(o, "domain", json_string(m->domain));
	json_object_set_new(o, "name", json_string(m->name));
	json_object_set_new(o, "local_part", json_string(local));
	json_object_set_new(o, "quota", json_integer(m->quota));
	json_object_set_new(o, "messages", json_integer(m->messages));
	/* every attribute MailCow's add/mailbox stores, as strings; custom_attributes starts as [] */
	json_t *attrs = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}",
				  "force_pw_update", "0", "force_tfa", "0", "tls_enforce_in", "0",
				  "tls_enforce_out", "0", "sogo_access", "1", "imap_access", "1", "pop3_access", "0",
				  "smtp_access", "1", "sieve_access", "1", "eas_access", "1", "dav_access", "1",
				  "relayhost", "0");
	json_object_set_new(attrs, "passwd_update", json_string(m->created));
	json_object_set_new(attrs, "mailbox_format", json_string("maildir:"));
	json_object_set_new(attrs, "quarantine_notification", json_string("hourly"));
	json_object_set_new(attrs, "quarantine_category", json_string("reject"));
	json_object_set_new(attrs, "attribute_hash", json_string(""));
	json_object_set_new(o, "attributes", attrs);
	json_object_set_new(o, "custom_attributes", json_array());
	json_object_set_new(o, "quota_used", json_integer(m->quota_used));
	json_object_set_new(o, "percent_in_use", m->quota ? json_integer(pct) : json_string("- "));
	json_object_set_new(o, "created", json_string(m->created));
	/* add/mailbox writes the row twice: a mailbox is never unmodified */
	json_object_set_new(o, "modified", json_string(m->modified ? m->modified : m->created));
	json_object_set_new(o, "authsource", json_string("mailcow"));
	json_object_set_new(o, "percent_class", json_string(pct >= 90 ? "danger" : pct >= 65 ? "warning" : "success"));
	json_object_set_new(o, "last_imap_login", json_integer(m->last_imap_login));
	json_object_set_new(o, "last_smtp_login", json_integer(0));
	json_object_set_new(o, "last_pop3_login", json_integer(0));
	json_object_set_new(o, "last_sso_login", json_integer(0));
	json_object_set_new(o, "max_new_quota", json_integer(10737418240LL));
	json_object_set_new(o, "spam_aliases", json_integer(0));
	json_object_set_new(o, "pushover_active", json_integer(0));
	json_object_set_new(o, "rl", json_false());
	json_object_set_new(o, "rl_scope", json_string("domain"));
	json_object_set_new(o, "is_relayed", json_integer(0));
	json_object_set_new(o, "sender_acl", json_array());
	free(local);
	return o;
}

static const char *dkim_length(const char *pubkey)
{
	size_t n = strlen(pubkey);
	return n < 300 ? "1024" : n < 500 ? "2048" : n < 650 ? "3072" : n < 1000 ? "4096" : ">= 8192";
}

static json_t *dkim_json(const struct sim_domain *d)
{
	if (!d || !d->dkim_pubkey)
		return json_object();
	char *txt = dkim_txt_value(d);
	json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:s}", "pubkey", d->dkim_pubkey, "length", dkim_length(d->dkim_pubkey),
			      "dkim_txt", txt, "dkim_selector", d->dkim_selector, "privkey", "");
	free(txt);
	return o;
}

static json_t *relayhost_json(const struct sim_relayhost *h)
{
	struct strv used = {0};
	for (size_t i = 0; i < sim.domains.n; i++) {
		struct sim_domain *d = sim.domains.v[i];
		if (d->relayhost == h->id)
			strv_push(&used, d->name);
	}
	char *by = strv_join(&used, ", ");
	strv_free(&used);
	char *shortpw = xasprintf("%.3s...", h->password);
	json_t *o = json_pack("{s:I, s:s, s:s, s:s, s:i, s:s, s:s, s:s}", "id", (json_int_t)h->id, "hostname", h->hostname,
			      "username", h->username, "password", h->password, "active", h->active, "password_short",
			      shortpw, "used_by_domains", by, "used_by_mailboxes", "");
	free(by);
	free(shortpw);
	return o;
}

/* ---------------------------------------------------------------- messages */

static json_t *msg(const char *type, json_t *log, json_t *m)
{
	return json_pack("{s:s, s:o, s:o}", "type", type, "log", log, "msg", m);
}

static json_t *log_of(const char *a, const char *b, const char *c, json_t *attr)
{
	if (c)
		return json_pack("[s, s, s, O, n]", a, b, c, attr);
	return json_pack("[s, s, O]", a, b, attr);
}

/* ---------------------------------------------------------------- GET */

static struct sim_alias *alias_lookup(const char *ref)
{
	char *end;
	long id = strtol(ref, &end, 10);
	for (size_t i = 0; i < sim.aliases.n; i++) {
		struct sim_alias *a = sim.aliases.v[i];
		if ((*ref && !*end && a->id == id) || strcasecmp(a->address, ref) == 0)
			return a;
	}
	return NULL;
}

static bool domain_in_list(const char *domain, const char *list)
{
	if (!list || !*list || strcmp(list, "all") == 0)
		return true;
	struct strv v = {0};
	strv_split_list(&v, list);
	bool hit = false;
	for (size_t i = 0; i < v.n; i++)
		hit |= strcasecmp(v.v[i], domain) == 0;
	strv_free(&v);
	return hit;
}

static json_t *get_logs(const char *kind, const char *count)
{
	json_t *all = json_object_get(sim.logs, kind);
	if (!all || !json_array_size(all))
		return json_object();
	size_t from = 0, to = json_array_size(all);
	if (count && *count) {
		long a, b;
		if (sscanf(count, "%ld-%ld", &a, &b) == 2 && a >= 0 && b >= a) {
			from = (size_t)a;
			to = (size_t)b + 1 < to ? (size_t)b + 1 : to;
		} else if ((a = strtol(count, NULL, 10)) > 0 && (size_t)a < to) {
			to = (size_t)a;
		}
	}
	json_t *out = json_array();
	for (size_t i = from; i < to; i++)
		json_array_append(out, json_array_get(all, i));
	return out;
}

static json_t *handle_get(const char *cat, const char *obj, const char *extra, bool *found)
{
	*found = true;
	if (strcmp(cat, "domain") == 0) {
		if (strcmp(obj, "all") == 0) {
			json_t *out = json_array();
			for (size_t i = 0; i < sim.domains.n; i++)
				json_array_append_new(out, domain_json(sim.domains.v[i]));
			if (!json_array_size(out)) {
				json_decref(out);
				return json_object();
			}
			return out;
		}
		struct sim_domain *d = domain_find(obj);
		return d ? domain_json(d) : json_object();
	}
	if (strcmp(cat, "mailbox") == 0) {
		if (strcmp(obj, "all") == 0 || strcmp(obj, "reduced") == 0) {
			json_t *out = json_array();
			for (size_t i = 0; i < sim.mailboxes.n; i++) {
				struct sim_mailbox *m = sim.mailboxes.v[i];
				if (domain_in_list(m->domain, extra))
					json_array_append_new(out, mailbox_json(m));
			}
			return out;
		}
		for (size_t i = 0; i < sim.mailboxes.n; i++) {
			struct sim_mailbox *m = sim.mailboxes.v[i];
			if (strcasecmp(m->username, obj) == 0)
				return mailbox_json(m);
		}
		return json_object();
	}
	if (strcmp(cat, "alias") == 0) {
		if (strcmp(obj, "all") == 0) {
			json_t *out = json_array();
			for (size_t i = 0; i < sim.aliases.n; i++) {
				struct sim_alias *a = sim.aliases.v[i];
				if (domain_in_list(a->domain, extra))
					json_array_append_new(out, alias_json(a));
			}
			return out;
		}
		struct sim_alias *a = alias_lookup(obj);
		return a ? alias_json(a) : json_object();
	}
	if (strcmp(cat, "dkim") == 0)
		return dkim_json(domain_find(obj));
	if (strcmp(cat, "status") == 0) {
		if (strcmp(obj, "containers") == 0) {
			json_t *out = json_object();
			for (size_t i = 0; i < sim.containers.n; i++) {
				struct sim_container *c = sim.containers.v[i];
				const char *proj = json_string_value(json_object_get(c->labels, "com.docker.compose.project"));
				if (!proj || strcasecmp(proj, sim.project) != 0)
					continue;
				char started[48];
				fmt_time_ns(c->started_ns, started);
				json_object_set_new(out, c->service, json_pack("{s:s, s:s, s:s, s:s, s:s}", "type", "info",
									       "container", c->service, "state", c->state,
									       "started_at", started, "image", c->image));
			}
			return out;
		}
		if (strcmp(obj, "version") == 0)
			return json_pack("{s:s}", "version", sim.mailcow_version);
		if (strcmp(obj, "vmail") == 0)
			return json_pack("{s:s, s:s, s:s, s:s, s:s}", "type", "info", "disk", "/dev/mapper/vg0-vmail", "used",
					 "28G", "total", "100G", "used_percent", "28%");
		return json_object();
	}
	if (strcmp(cat, "mailq") == 0) {
		json_t *out = json_array();
		for (size_t i = 0; i < sim.mailq.n; i++) {
			struct sim_qitem *q = sim.mailq.v[i];
			json_t *rc = json_array();
			for (size_t k = 0; k < q->recipients.n; k++)
				json_array_append_new(rc, json_string(q->recipients.v[k]));
			json_array_append_new(out, json_pack("{s:s, s:s, s:I, s:I, s:b, s:s, s:o}", "queue_name", q->queue_name,
							     "queue_id", q->queue_id, "arrival_time", (json_int_t)q->arrival,
							     "message_size", (json_int_t)q->size, "forced_expire", 0,
							     "sender", q->sender, "recipients", rc));
		}
		return out;
	}
	if (strcmp(cat, "relayhost") == 0) {
		json_t *out = json_array();
		for (size_t i = 0; i < sim.relayhosts.n; i++) {
			struct sim_relayhost *h = sim.relayhosts.v[i];
			if (strcmp(obj, "all") == 0 || atol(obj) == h->id)
				json_array_append_new(out, relayhost_json(h));
		}
		return out;
	}
	if (strcmp(cat, "transport") == 0 || strcmp(cat, "tls-policy-map") == 0 || strcmp(cat, "fwdhost") == 0)
		return json_array();
	if (strcmp(cat, "logs") == 0)
		return get_logs(obj, extra);
	*found = false;
	return NULL;
}

/* ---------------------------------------------------------------- add / edit / delete */

static bool valid_domain_name(const char *d)
{
	size_t n = strlen(d);
	if (n < 3 || n > 253 || !strchr(d, '.') || d[0] == '.' || d[0] == '-' || d[n - 1] == '.')
		return false;
	for (const char *p = d; *p; p++)
		if (!isalnum((unsigned char)*p) && *p != '-' && *p != '.')
			return false;
	return !strstr(d, "..");
}

static bool valid_address(const char *a)
{
	const char *at = strchr(a, '@');
	if (!at || at == a || strchr(at + 1, '@'))
		return false;
	for (const char *p = a; p < at; p++)
		if (isspace((unsigned char)*p) || *p == ',' || *p == '"')
			return false;
	return valid_domain_name(at + 1);
}

static long jint(json_t *o, const char *key, long def)
{
	json_t *v = json_object_get(o, key);
	if (json_is_integer(v))
		return (long)json_integer_value(v);
	if (json_is_string(v))
		return atol(json_string_value(v));
	if (json_is_boolean(v))
		return json_is_true(v);
	return def;
}

static const char *jstr(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);
	return json_is_string(v) ? json_string_value(v) : NULL;
}

static void now_ymdhis(char out[16])
{
	time_t t = (time_t)(sim_now_ns() / 1000000000);
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(out, 16, "%Y%m%d%H%M%S", &tm);
}

static void now_sql(char out[24])
{
	time_t t = (time_t)(sim_now_ns() / 1000000000);
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(out, 24, "%Y-%m-%d %H:%M:%S", &tm);
}

static void publish(const char *domain, int parts)
{
	if (!sim.auto_publish)
		return;
	char *err = NULL;
	if (shorthand_publish(&sim.publish, domain, parts, &err) < 0) {
		fprintf(stderr, "mcon-sim: auto_publish %s: %s\n", domain, err ? err : "failed");
	}
	free(err);
}

/* Adds a DKIM key for d (RSA, generated now). Runs with sim.lock held but generating the
 * key does not need it. */
static bool dkim_generate(struct sim_domain *d, const char *selector, long bits)
{
	pthread_mutex_unlock(&sim.lock);
	char *pub = tls_rsa_spki_b64((int)bits);
	pthread_mutex_lock(&sim.lock);
	if (!pub)
		return false;
	free(d->dkim_pubkey);
	free(d->dkim_selector);
	d->dkim_pubkey = pub;
	d->dkim_selector = xstrdup(selector);
	d->dkim_bits = (int)bits;
	return true;
}

static json_t *add_domain(json_t *attr)
{
	json_t *out = json_array();
	const char *name = jstr(attr, "domain");
	char *lower = xstrdup(name ? name : "");
	str_lower(lower);
	json_t *log = log_of("mailbox", "add", "domain", attr);
	if (!valid_domain_name(lower)) {
		json_array_append_new(out, msg("danger", log, json_pack("[s, s]", "domain_invalid", lower)));
	} else if (domain_find(lower)) {
		json_array_append_new(out, msg("danger", log, json_pack("[s, s]", "domain_exists", lower)));
	} else if (sim.hostname && strcmp(lower, sim.hostname) == 0) {
		json_array_append_new(out, msg("danger", log, json_pack("[s, s]", "domain_cannot_match_hostname", lower)));
	} else {
		struct sim_domain *d = xcalloc(1, sizeof(*d));
		d->name = xstrdup(lower);
		d->description = xstrdup(jstr(attr, "description") ? jstr(attr, "description") : "");
		d->active = jint(attr, "active", 1) != 0;
		d->relayhost = 0;
		d->max_aliases = jint(attr, "aliases", 400);
		d->max_mailboxes = jint(attr, "mailboxes", 10);
		d->def_quota = (int64_t)jint(attr, "defquota", 3072) * 1048576;
		d->max_quota = (int64_t)jint(attr, "maxquota", 10240) * 1048576;
		d->quota = (int64_t)jint(attr, "quota", 10240) * 1048576;
		d->backupmx = jint(attr, "backupmx", 0) != 0;
		d->gal = jint(attr, "gal", 1) != 0;
		d->relay_all = jint(attr, "relay_all_recipients", 0) != 0;
		d->relay_unknown = jint(attr, "relay_unknown_only", 0) != 0;
		char created[24];
		now_sql(created);
		d->created = xstrdup(created);
		json_t *tags = json_object_get(attr, "tags");
		d->tags = json_is_array(tags) && json_array_size(tags) ? json_deep_copy(tags) : NULL;
		ptrv_push(&sim.domains, d);
		const char *sel = jstr(attr, "dkim_selector") ? jstr(attr, "dkim_selector") : "dkim";
		long bits = jint(attr, "key_size", 2048);
		if (bits != 1024 && bits != 2048 && bits != 3072 && bits != 4096)
			bits = 2048;
		json_t *dlog = json_pack("[s, s, {s:I, s:s, s:s}]", "dkim", "add", "key_size", (json_int_t)bits,
					 "dkim_selector", sel, "domains", lower);
		if (dkim_generate(d, sel, bits))
			json_array_append_new(out, msg("success", dlog, json_pack("[s, s]", "dkim_added", lower)));
		else
			json_array_append_new(out, msg("danger", dlog, json_pack("[s, s]", "dkim_domain_or_sel_invalid", lower)));
		json_array_append_new(out, msg("success", log, json_pack("[s, s]", "domain_added", lower)));
		dns_ensure_zone(lower);
		publish(lower, PUB_BASE);
	}
	free(lower);
	return out;
}

static json_t *add_alias(json_t *attr)
{
	json_t *out = json_array();
	const char *addrs = jstr(attr, "address"), *go_to = jstr(attr, "goto");
	struct strv list = {0};
	strv_split_list(&list, addrs ? addrs : "");
	if (!list.n)
		json_array_append_new(out, msg("danger", log_of("mailbox", "add", "alias", attr),
					       json_pack("[s, s]", "alias_invalid", "")));
	for (size_t i = 0; i < list.n; i++) {
		char *addr = xstrdup(list.v[i]);
		str_lower(addr);
		const char *at = strchr(addr, '@');
		const char *dom = at ? at + 1 : "";
		bool catch_all = addr[0] == '@';
		json_t *log = log_of("mailbox", "add", "alias", attr);
		struct strv gl = {0};
		strv_split_list(&gl, go_to ? go_to : "");
		bool goto_ok = gl.n > 0 || jint(attr, "goto_null", 0) || jint(attr, "goto_spam", 0) || jint(attr, "goto_ham", 0);
		for (size_t k = 0; k < gl.n; k++)
			goto_ok &= valid_address(gl.v[k]);
		if (!at || (!catch_all && !valid_address(addr)) || !valid_domain_name(dom)) {
			json_array_append_new(out, msg("danger", log, json_pack("[s, s]", "alias_invalid", addr)));
		} else if (!domain_find(dom)) {
			json_array_append_new(out, msg("danger", log, json_pack("[s, s]", "domain_not_found", dom)));
		} else if (alias_lookup(addr)) {
			json_array_append_new(out, msg("danger", log, json_pack("[s, s]", "is_alias_or_mailbox", addr)));
		} else if (!gl.n && !goto_ok) {
			json_array_append_new(out, msg("danger", log, json_pack("[s]", "goto_empty")));
		} else if (!goto_ok) {
			json_array_append_new(out, msg("danger", log, json_pack("[s, s]", "goto_invalid", go_to)));
		} else {
			struct sim_alias *a = xcalloc(1, sizeof(*a));
			a->id = sim.next_alias_id++;
			a->address = xstrdup(addr);
			a->domain = xstrdup(dom);
			char *joined = strv_join(&gl, ",");
			a->go_to = gl.n ? joined : xstrdup(jint(attr, "goto_null", 0) ? "null@localhost" : "spam@localhost");
			if (!gl.n)
				free(joined);
			/* MailCow runs these through intval(): left out means 0 */
			a->active = (int)jint(attr, "active", 0);
			a->sogo_visible = (int)jint(attr, "sogo_visible", 0);
			a->sender_allowed = (int)jint(attr, "sender_allowed", 0);
			a->internal = (int)jint(attr, "internal", 0);
			a->public_comment = xstrdup(jstr(attr, "public_comment"));
			a->private_comment = xstrdup(jstr(attr, "private_comment"));
			char created[24];
			now_sql(created);
			a->created = xstrdup(created);
			ptrv_push(&sim.aliases, a);
			char id[24];
			snprintf(id, sizeof(id), "%ld", a->id);
			json_array_append_new(out, msg("success", log, json_pack("[s, s, s]", "alias_added", addr, id)));
		}
		strv_free(&gl);
		free(addr);
	}
	strv_free(&list);
	return out;
}

static json_t *add_dkim(json_t *attr)
{
	json_t *out = json_array();
	struct strv list = {0};
	strv_split_list(&list, jstr(attr, "domains") ? jstr(attr, "domains") : "");
	const char *sel = jstr(attr, "dkim_selector") ? jstr(attr, "dkim_selector") : "dkim";
	long bits = jint(attr, "key_size", 2048);
	bool sel_ok = *sel != '\0';
	for (const char *p = sel; *p; p++)
		sel_ok &= isalnum((unsigned char)*p) || *p == '-' || *p == '_' || *p == '.';
	if (!list.n)
		json_array_append_new(out, msg("danger", log_of("dkim", "add", NULL, attr),
					       json_pack("[s, s]", "dkim_domain_or_sel_invalid", "")));
	for (size_t i = 0; i < list.n; i++) {
		struct sim_domain *d = domain_find(list.v[i]);
		json_t *log = log_of("dkim", "add", NULL, attr);
		if (!d) {
			/* MailCow checks the admin's access to the domain first: an unknown one is denied */
			json_array_append_new(out, msg("danger", log, json_pack("[s, s]", "access_denied", list.v[i])));
		} else if (d->dkim_pubkey || !sel_ok ||
			   (bits != 1024 && bits != 2048 && bits != 3072 && bits != 4096)) {
			json_array_append_new(out, msg("danger", log, json_pack("[s, s]", "dkim_domain_or_sel_invalid", list.v[i])));
		} else if (!dkim_generate(d, sel, bits)) {
			json_array_append_new(out, msg("danger", log, json_pack("[s, s]", "dkim_domain_or_sel_invalid", list.v[i])));
		} else {
			json_array_append_new(out, msg("success", log, json_pack("[s, s]", "dkim_added", d->name)));
			if (sim.auto_publish) {
				char *name = xasprintf("%s._domainkey.%s", sel, d->name), *v = dkim_txt_value(d);
				dns_del_records(name, "TXT", NULL);
				dns_add_txt(name, 3600, v);
				free(name);
				free(v);
			}
		}
	}
	strv_free(&list);
	return out;
}

static const char *sts_check(json_t *attr, bool add)
{
	const char *mode = jstr(attr, "mode");
	if ((add || mode) && (!mode || (strcmp(mode, "enforce") != 0 && strcmp(mode, "testing") != 0 && strcmp(mode, "none") != 0)))
		return "mta_sts_mode_invalid";
	json_t *ma = json_object_get(attr, "max_age");
	if (add || ma) {
		long v = jint(attr, "max_age", 0);
		if (v < 1 || v > (add ? 31536000 : 31557600))
			return "mta_sts_max_age_invalid";
	}
	const char *mx = jstr(attr, "mx");
	if ((add || json_object_get(attr, "mx")) && (!mx || !*mx))
		return "mta_sts_mx_invalid";
	/* As the real API: the version is required, and an edit without one reads the stored
	 * "STSv1" back, which only "stsv1" passes: refused (see add_mta_sts/edit_mta_sts). */
	const char *ver = jstr(attr, "version");
	if (!ver || strcasecmp(ver, "stsv1") != 0)
		return "version_invalid";
	return NULL;
}

static char *mx_list(const char *mx)
{
	struct strv v = {0};
	strv_split_list(&v, mx);
	char *s = strv_join(&v, ",");
	strv_free(&v);
	return s;
}

static json_t *add_mta_sts(json_t *attr)
{
	const char *name = jstr(attr, "domain");
	struct sim_domain *d = domain_find(name);
	json_t *log = log_of("mailbox", "add", "mta_sts", attr);
	if (!d) {
		json_t *m = msg("danger", log, json_pack("[s, s]", "domain_not_found", name ? name : ""));
		return json_pack("[o]", m);
	}
	if (d->sts_mode) {
		json_t *m = msg("danger", log, json_pack("[s, s]", "object_exists", d->name));
		return json_pack("[o]", m);
	}
	const char *bad = sts_check(attr, true);
	if (bad) {
		json_t *m = msg("danger", log, json_pack("[s, s]", bad, d->name));
		return json_pack("[o]", m);
	}
	json_decref(log);
	char id[16];
	now_ymdhis(id);
	d->sts_version = xstrdup("stsv1");
	d->sts_mode = xstrdup(jstr(attr, "mode"));
	d->sts_max_age = jint(attr, "max_age", 86400);
	d->sts_mx = mx_list(jstr(attr, "mx"));
	d->sts_id = xstrdup(id);
	d->sts_active = jint(attr, "active", 1) != 0;
	publish(d->name, PUB_STS);
	return json_pack("{s:s, s:s}", "type", "success", "msg", "Task completed");
}

static json_t *items_of(json_t *body)
{
	json_t *items = json_object_get(body, "items");
	if (json_is_string(items))
		return json_pack("[O]", items);
	if (json_is_array(items))
		return json_incref(items);
	if (json_is_integer(items)) {
		char s[24];
		snprintf(s, sizeof(s), "%lld", (long long)json_integer_value(items));
		return json_pack("[s]", s);
	}
	return json_array();
}

static const char *item_str(json_t *v, char buf[24])
{
	if (json_is_integer(v)) {
		snprintf(buf, 24, "%lld", (long long)json_integer_value(v));
		return buf;
	}
	return json_is_string(v) ? json_string_value(v) : "";
}

static json_t *edit_alias(json_t *body)
{
	json_t *out = json_array(), *items = items_of(body), *attr = json_object_get(body, "attr");
	json_t *logattr = json_deep_copy(json_is_object(attr) ? attr : json_object());
	json_object_set(logattr, "id", items);
	size_t i;
	json_t *it;
	json_array_foreach(items, i, it) {
		char b[24];
		struct sim_alias *a = alias_lookup(item_str(it, b));
		json_t *log = log_of("mailbox", "edit", "alias", logattr);
		if (!a) {
			json_array_append_new(out, msg("danger", log, json_pack("[s]", "access_denied")));
			continue;
		}
		const char *go_to = jstr(attr, "goto");
		if (go_to) {
			struct strv gl = {0};
			strv_split_list(&gl, go_to);
			bool ok = gl.n > 0;
			for (size_t k = 0; k < gl.n; k++)
				ok &= valid_address(gl.v[k]);
			if (!ok) {
				strv_free(&gl);
				json_array_append_new(out, msg("danger", log, json_pack("[s, s]", "goto_invalid", go_to)));
				continue;
			}
			free(a->go_to);
			a->go_to = strv_join(&gl, ",");
			strv_free(&gl);
		}
		a->active = (int)jint(attr, "active", a->active);
		a->sogo_visible = (int)jint(attr, "sogo_visible", a->sogo_visible);
		a->sender_allowed = (int)jint(attr, "sender_allowed", a->sender_allowed);
		a->internal = (int)jint(attr, "internal", a->internal);
		if (jstr(attr, "private_comment")) {
			free(a->private_comment);
			a->private_comment = xstrdup(jstr(attr, "private_comment"));
		}
		if (jstr(attr, "public_comment")) {
			free(a->public_comment);
			a->public_comment = xstrdup(jstr(attr, "public_comment"));
		}
		char mod[24];
		now_sql(mod);
		free(a->modified);
		a->modified = xstrdup(mod);
		json_array_append_new(out, msg("success", log, json_pack("[s, s]", "alias_modified", a->address)));
	}
	json_decref(items);
	json_decref(logattr);
	return out;
}

static json_t *edit_domain(json_t *body)
{
	json_t *out = json_array(), *items = items_of(body), *attr = json_object_get(body, "attr");
	size_t i;
	json_t *it;
	json_array_foreach(items, i, it) {
		char b[24];
		struct sim_domain *d = domain_find(item_str(it, b));
		json_t *log = log_of("mailbox", "edit", "domain", attr ? attr : json_null());
		if (!d) {
			json_array_append_new(out, msg("danger", log, json_pack("[s]", "access_denied")));
			continue;
		}
		d->active = jint(attr, "active", d->active) != 0;
		d->gal = jint(attr, "gal", d->gal) != 0;
		d->backupmx = jint(attr, "backupmx", d->backupmx) != 0;
		long rh = jint(attr, "relayhost", d->relayhost);
		bool rh_ok = rh == 0;
		for (size_t k = 0; k < sim.relayhosts.n; k++)
			rh_ok |= ((struct sim_relayhost *)sim.relayhosts.v[k])->id == rh;
		if (!rh_ok) {
			json_array_append_new(out, msg("danger", log, json_pack("[s, s]", "relayhost_invalid", d->name)));
			continue;
		}
		d->relayhost = rh;
		if (jstr(attr, "description")) {
			free(d->description);
			d->description = xstrdup(jstr(attr, "description"));
		}
		char mod[24];
		now_sql(mod);
		free(d->modified);
		d->modified = xstrdup(mod);
		json_array_append_new(out, msg("success", log, json_pack("[s, s]", "domain_modified", d->name)));
	}
	json_decref(items);
	return out;
}

static json_t *edit_mta_sts(json_t *body)
{
	json_t *out = json_array(), *items = items_of(body), *attr = json_object_get(body, "attr");
	size_t i;
	json_t *it;
	json_array_foreach(items, i, it) {
		char b[24];
		struct sim_domain *d = domain_find(item_str(it, b));
		json_t *log = log_of("mailbox", "edit", "mta_sts", attr ? attr : json_null());
		const char *bad = sts_check(attr, false);
		if (!d || !d->sts_mode) {
			json_array_append_new(out, msg("danger", log, json_pack("[s]", "access_denied")));
			continue;
		}
		if (bad) {
			/* MailCow names the version it read (its own "STSv1" when none was sent) */
			const char *what = strcmp(bad, "version_invalid") != 0 ? d->name
				: jstr(attr, "version") ? jstr(attr, "version") : "STSv1";
			json_array_append_new(out, msg("danger", log, json_pack("[s, s]", bad, what)));
			continue;
		}
		bool changed = false;
		if (jstr(attr, "mode") && strcmp(jstr(attr, "mode"), d->sts_mode) != 0) {
			free(d->sts_mode);
			d->sts_mode = xstrdup(jstr(attr, "mode"));
			changed = true;
		}
		if (json_object_get(attr, "max_age") && jint(attr, "max_age", 0) != d->sts_max_age) {
			d->sts_max_age = jint(attr, "max_age", 0);
			changed = true;
		}
		if (jstr(attr, "mx")) {
			char *mx = mx_list(jstr(attr, "mx"));
			changed |= strcmp(mx, d->sts_mx) != 0;
			free(d->sts_mx);
			d->sts_mx = mx;
		}
		d->sts_active = jint(attr, "active", d->sts_active) != 0;
		if (changed) {
			/* MailCow makes a new policy id on every change: the _mta-sts TXT must follow */
			char id[16];
			now_ymdhis(id);
			free(d->sts_id);
			d->sts_id = xstrdup(id);
			if (sim.auto_publish) {
				char *name = xasprintf("_mta-sts.%s", d->name), *v = xasprintf("v=STSv1; id=%s", d->sts_id);
				dns_del_records(name, "TXT", NULL);
				dns_add_txt(name, 3600, v);
				free(name);
				free(v);
			}
		}
		json_array_append_new(out, msg("success", log, json_pack("[s, s]", "object_modified", d->name)));
	}
	json_decref(items);
	return out;
}

static json_t *delete_items(const char *cat, json_t *body)
{
	json_t *out = json_array();
	json_t *items = json_is_array(body) ? json_incref(body) : items_of(body);
	size_t i;
	json_t *it;
	json_array_foreach(items, i, it) {
		char b[24];
		const char *ref = item_str(it, b);
		if (strcmp(cat, "alias") == 0) {
			struct sim_alias *a = alias_lookup(ref);
			json_t *log = json_pack("[s, s, s, {s:O}, n]", "mailbox", "delete", "alias", "id", items);
			if (!a) {
				json_array_append_new(out, msg("danger", log, json_pack("[s]", "access_denied")));
				continue;
			}
			json_array_append_new(out, msg("success", log, json_pack("[s, s]", "alias_removed", a->address)));
			for (size_t k = 0; k < sim.aliases.n; k++)
				if (sim.aliases.v[k] == a) {
					ptrv_remove(&sim.aliases, k);
					break;
				}
			free(a->address);
			free(a->go_to);
			free(a->domain);
			free(a->public_comment);
			free(a->private_comment);
			free(a->created);
			free(a->modified);
			free(a);
		} else {
			struct sim_domain *d = domain_find(ref);
			json_t *log = json_pack("[s, s, {s:O}]", "dkim", "delete", "domains", items);
			if (!d || !d->dkim_pubkey) {
				json_array_append_new(out, msg("danger", log, json_pack("[s, s]", "dkim_domain_or_sel_invalid", ref)));
				continue;
			}
			free(d->dkim_pubkey);
			free(d->dkim_selector);
			d->dkim_pubkey = d->dkim_selector = NULL;
			json_array_append_new(out, msg("success", log, json_pack("[s, s]", "dkim_removed", d->name)));
		}
	}
	json_decref(items);
	return out;
}

/* ---------------------------------------------------------------- the mail queue */

static void qitem_free(struct sim_qitem *q)
{
	free(q->queue_name);
	free(q->queue_id);
	free(q->sender);
	strv_free(&q->recipients);
	free(q);
}

/* functions.mailq.inc.php: mailq('edit') runs hold/unhold/deliver on the qids (items) and
 * flush/super_delete on the whole queue through dockerapi (postsuper, postqueue), and
 * answers one queue_command_success per command; nothing at all for another action or
 * hold without items (then json_api.php's empty-return answer). Here a flush or deliver
 * delivers: the message leaves the queue (held ones stay, as postqueue -f leaves them). */
static json_t *edit_mailq(json_t *body)
{
	json_t *out = json_array();
	json_t *items = items_of(body);
	json_t *attr = json_object_get(body, "attr");
	const char *action = json_string_value(json_object_get(attr, "action"));
	bool per_item = action && (strcmp(action, "hold") == 0 || strcmp(action, "unhold") == 0 ||
				   strcmp(action, "deliver") == 0);
	bool whole = action && (strcmp(action, "flush") == 0 || strcmp(action, "super_delete") == 0);
	if ((per_item && json_array_size(items)) || whole) {
		for (size_t i = 0; i < sim.mailq.n;) {
			struct sim_qitem *q = sim.mailq.v[i];
			bool named = false;
			size_t k;
			json_t *it;
			json_array_foreach(items, k, it)
				if (json_is_string(it) && strcmp(json_string_value(it), q->queue_id) == 0)
					named = true;
			bool gone = (whole && strcmp(action, "super_delete") == 0) ||
				    (whole && strcmp(q->queue_name, "hold") != 0) ||
				    (named && strcmp(action, "deliver") == 0);
			if (named && strcmp(action, "hold") == 0) {
				free(q->queue_name);
				q->queue_name = xstrdup("hold");
			} else if (named && strcmp(action, "unhold") == 0 && strcmp(q->queue_name, "hold") == 0) {
				free(q->queue_name);
				q->queue_name = xstrdup("deferred");
			}
			if (gone) {
				ptrv_remove(&sim.mailq, i);
				qitem_free(q);
				continue;
			}
			i++;
		}
		json_t *data = json_object();
		json_object_set(data, "qid", items);
		json_object_set_new(data, "action", json_string(action));
		json_array_append_new(out, msg("success", json_pack("[s, s, o]", "mailq", "edit", data),
					       json_string("queue_command_success")));
	}
	json_decref(items);
	return out;
}

/* mailq('delete'): postsuper -d for each qid (an unknown one is not an error there). */
static json_t *delete_mailq(json_t *body)
{
	json_t *items = json_is_array(body) ? json_incref(body) : items_of(body);
	for (size_t i = 0; i < sim.mailq.n;) {
		struct sim_qitem *q = sim.mailq.v[i];
		bool named = false;
		size_t k;
		json_t *it;
		json_array_foreach(items, k, it)
			if (json_is_string(it) && strcmp(json_string_value(it), q->queue_id) == 0)
				named = true;
		if (named) {
			ptrv_remove(&sim.mailq, i);
			qitem_free(q);
			continue;
		}
		i++;
	}
	json_t *out = json_array();
	json_array_append_new(out, msg("success", json_pack("[s, s, {s:o}]", "mailq", "delete", "qid", items),
				       json_string("queue_command_success")));
	return out;
}

/* ---------------------------------------------------------------- the API */

/* Keys whose name mentions pass are masked in the API log, as MailCow does. */
static void mask_pass(json_t *j)
{
	if (json_is_object(j)) {
		const char *k;
		json_t *v;
		json_object_foreach(j, k, v) {
			if (strcasestr(k, "pass"))
				json_object_set_new(j, k, json_string("*"));
			else
				mask_pass(v);
		}
	} else if (json_is_array(j)) {
		size_t i;
		json_t *v;
		json_array_foreach(j, i, v) mask_pass(v);
	}
}

void mailcow_log_api(const char *method, const char *uri, const char *data)
{
	json_t *api = json_object_get(sim.logs, "api");
	if (!api)
		return;
	json_array_insert_new(api, 0, json_pack("{s:I, s:s, s:s, s:s, s:s}", "time", (json_int_t)(sim_now_ns() / 1000000000),
						"uri", uri, "method", method, "remote", "127.0.0.1", "data", data));
	while (json_array_size(api) > 1000)
		json_array_remove(api, json_array_size(api) - 1);
}

enum role { ROLE_NONE, ROLE_RO, ROLE_RW };

/* get/domain/all?tags=a,b keeps the domains carrying one of the tags, as MailCow's filter does. */
static void domains_tagged(json_t *list, const char *tags)
{
	struct strv want = {0};
	strv_split_list(&want, tags);
	for (size_t i = json_array_size(list); i-- > 0;) {
		json_t *t = json_object_get(json_array_get(list, i), "tags"), *e;
		size_t k;
		bool keep = false;
		json_array_foreach(t, k, e)
			keep |= json_is_string(e) && strv_contains(&want, json_string_value(e));
		if (!keep)
			json_array_remove(list, i);
	}
	strv_free(&want);
}

static void api(struct http_req *rq, struct http_resp *rs)
{
	const char *sfd = http_header(rq, "Sec-Fetch-Dest");
	if (sfd && strcmp(sfd, "empty") != 0) {
		http_text(rs, 403, "application/json", "");
		return;
	}
	enum role role = ROLE_NONE;
	pthread_mutex_lock(&sim.lock);
	sim.api_requests++;
	pthread_mutex_unlock(&sim.lock);
	const char *key_hdr = http_header(rq, "X-API-Key");
	if (key_hdr) {
		/* MailCow strips everything outside [a-zA-Z0-9-] before looking the key up */
		char key[128];
		size_t n = 0;
		for (const char *p = key_hdr; *p && n + 1 < sizeof(key); p++)
			if (isalnum((unsigned char)*p) || *p == '-')
				key[n++] = *p;
		key[n] = '\0';
		if (n && strcmp(key, sim.api_key_rw) == 0)
			role = ROLE_RW;
		else if (n && strcmp(key, sim.api_key_ro) == 0)
			role = ROLE_RO;
		explicit_bzero(key, sizeof(key));
		if (role == ROLE_NONE) {
			pthread_mutex_lock(&sim.lock);
			sim.api_rejected++;
			pthread_mutex_unlock(&sim.lock);
			err_401(rs, "authentication failed");
			return;
		}
	}
	char *query = xstrdup(rq->url + strlen("/api/v1/"));
	static char empty[] = "";
	char *parts[4] = {empty, empty, empty, empty};
	char *save = NULL;
	int np = 0;
	for (char *t = strtok_r(query, "/", &save); t && np < 4; t = strtok_r(NULL, "/", &save))
		parts[np++] = t;
	const char *action = parts[0], *cat = parts[1], *obj = parts[2], *extra = parts[3];
	bool is_get = strcmp(action, "get") == 0;
	bool is_post = strcmp(rq->method, "POST") == 0;

	pthread_mutex_lock(&sim.lock);
	/* every call is logged, posted data with passwords masked */
	json_t *posted = rq->body.len ? json_loads(buf_cstr(&rq->body), JSON_DECODE_ANY, NULL) : NULL;
	if (posted)
		mask_pass(posted);
	char *data = posted ? json_dumps(posted, PLAIN | JSON_ENCODE_ANY) : xstrdup("");
	json_decref(posted);
	mailcow_log_api(rq->method, rq->url, data);
	free(data);

	const char *ct = http_header(rq, "Content-Type");
	bool json_ct = ct && strstr(ct, "application/json");
	json_t *body = NULL;
	if (role == ROLE_RO && !is_get) {
		err_body(rs, 403, "API read/write access denied");
		goto out;
	}
	if (role == ROLE_NONE) {
		if (is_get) {
			http_text(rs, 200, "application/json", "");
		} else if (strcmp(action, "add") == 0) {
			json_t *m = json_pack("[{s:s, s:[s, s, s], s:s}]", "type", "danger", "log", action, cat, obj, "msg",
					      "access_denied");
			http_json(rs, 200, m, PLAIN);
		} else {
			http_text(rs, 403, "application/json", "");
		}
		goto out;
	}
	if (json_ct) {
		body = json_loads(buf_cstr(&rq->body), JSON_DECODE_ANY, NULL);
		if (!is_get && !body) {
			err_body(rs, 400, "Request body doesn't contain valid json!");
			goto out;
		}
	}
	if (is_get) {
		if (strcmp(rq->method, "GET") != 0 && strcmp(rq->method, "HEAD") != 0) {
			err_body(rs, 405, "only GET method is allowed");
			goto out;
		}
		bool found;
		json_t *r = handle_get(cat, obj, extra, &found);
		const char *tags = http_arg(rq, "tags");
		if (found && tags && strcmp(cat, "domain") == 0 && json_is_array(r))
			domains_tagged(r, tags);
		/* PHP's json_encode of an empty array is {} ... except the mail queue's, built as a list */
		if (found && json_is_array(r) && !json_array_size(r) && strcmp(cat, "mailq") != 0) {
			json_decref(r);
			r = json_object();
		}
		if (!found)
			err_body(rs, 404, "route not found");
		else
			http_json(rs, 200, r, PRETTY);
		goto out;
	}
	bool add = strcmp(action, "add") == 0, edit = strcmp(action, "edit") == 0, del = strcmp(action, "delete") == 0;
	if (!add && !edit && !del && strcmp(action, "search") != 0) {
		err_body(rs, 404, "route not found");
		goto out;
	}
	if (!is_post) {
		/* json_api.php reads no attributes from a GET to a write route */
		json_t *e = json_pack("{s:s, s:s}", "type", "error", "msg", "Cannot find attributes in post data");
		http_json(rs, 200, e, PLAIN);
		goto out;
	}
	if (!body || (edit && !json_object_get(body, "attr") && !json_object_get(body, "items"))) {
		http_json(rs, 200, json_pack("{s:s, s:s}", "type", "error", "msg", "Cannot find attributes in post data"), PLAIN);
		goto out;
	}
	json_t *r = NULL;
	if (add && json_is_object(body)) {
		if (strcmp(cat, "domain") == 0)
			r = add_domain(body);
		else if (strcmp(cat, "alias") == 0)
			r = add_alias(body);
		else if (strcmp(cat, "dkim") == 0)
			r = add_dkim(body);
		else if (strcmp(cat, "mta-sts") == 0)
			r = add_mta_sts(body);
	} else if (edit && json_is_object(body)) {
		if (strcmp(cat, "alias") == 0)
			r = edit_alias(body);
		else if (strcmp(cat, "domain") == 0)
			r = edit_domain(body);
		else if (strcmp(cat, "mta-sts") == 0)
			r = edit_mta_sts(body);
		else if (strcmp(cat, "mailq") == 0)
			r = edit_mailq(body);
	} else if (del) {
		if (strcmp(cat, "alias") == 0 || strcmp(cat, "dkim") == 0)
			r = delete_items(cat, body);
		else if (strcmp(cat, "mailq") == 0)
			r = delete_mailq(body);
	} else if (add || edit) {
		http_json(rs, 200, json_pack("{s:s, s:s}", "type", "error", "msg", add ? "Cannot add item" : "Cannot edit item"), PLAIN);
		goto out;
	}
	if (r && json_is_array(r) && !json_array_size(r)) {
		/* nothing was done and nothing went wrong: MailCow's own answer for an empty return */
		json_decref(r);
		r = json_pack("{s:s, s:s}", "type", "success", "msg", "Task completed");
	}
	if (!r)
		err_body(rs, 404, "route not found");
	else
		http_json(rs, 200, r, PLAIN);
out:
	pthread_mutex_unlock(&sim.lock);
	json_decref(body);
	free(query);
}

static void mailcow_handle(struct http_req *rq, struct http_resp *rs)
{
	http_add_header(rs, "Server", "nginx");
	if (str_starts_with(rq->url, "/api/v1/")) {
		api(rq, rs);
		return;
	}
	if (strcmp(rq->url, "/") == 0) {
		char *page = xasprintf("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
				       "<title>%s</title>\n</head>\n<body>\n<form method=\"post\" action=\"/\">\n"
				       "<input name=\"login_user\" autocomplete=\"username\">\n"
				       "<input name=\"pass_user\" type=\"password\" autocomplete=\"current-password\">\n"
				       "<button type=\"submit\">Login</button>\n</form>\n</body>\n</html>\n",
				       sim.hostname);
		http_text(rs, 200, "text/html; charset=UTF-8", page);
		free(page);
		return;
	}
	http_text(rs, 404, "text/html", nginx_404);
}

int mailcow_start(char **err)
{
	struct http_server *s = xcalloc(1, sizeof(*s));
	s->be = BE_MAILCOW;
	s->handler = mailcow_handle;
	s->status_body = mailcow_status_body;
	s->flags = MHD_USE_TLS;
	/* as nginx-mailcow: the MailCow hostname's certificate when asked by that name */
	s->sni = true;
	sim.servers[BE_MAILCOW] = s;
	return http_server_start(s, err);
}

/* ---------------------------------------------------------------- MTA-STS */

static void mtasts_status_body(unsigned status, struct http_resp *rs)
{
	http_add_header(rs, "Server", "nginx");
	nginx_page(rs, status);
}

static void mtasts_handle(struct http_req *rq, struct http_resp *rs)
{
	http_add_header(rs, "Server", "nginx");
	const char *host_hdr = http_header(rq, "Host");
	char host[256] = "";
	if (host_hdr) {
		snprintf(host, sizeof(host), "%s", host_hdr);
		char *colon = strrchr(host, ':');
		if (colon && !strchr(host, ']'))
			*colon = '\0';
		str_lower(host);
	}
	if (strncmp(host, "mta-sts.", 8) != 0 || strcmp(rq->url, "/.well-known/mta-sts.txt") != 0) {
		http_text(rs, 404, "text/html", nginx_404);
		return;
	}
	pthread_mutex_lock(&sim.lock);
	struct sim_domain *d = domain_find(host + 8);
	if (!d || !d->sts_mode || !d->sts_active) {
		pthread_mutex_unlock(&sim.lock);
		http_text(rs, 404, "text/html; charset=UTF-8", "");
		return;
	}
	struct buf b = {0};
	buf_printf(&b, "version: STSv1\nmode: %s\nmax_age: %ld\n", d->sts_mode, d->sts_max_age);
	struct strv mx = {0};
	strv_split_list(&mx, d->sts_mx);
	for (size_t i = 0; i < mx.n; i++)
		buf_printf(&b, "mx: %s\n", mx.v[i]);
	strv_free(&mx);
	pthread_mutex_unlock(&sim.lock);
	http_text(rs, 200, "text/plain;charset=UTF-8", buf_cstr(&b));
	buf_free(&b);
}

int mtasts_start(char **err)
{
	struct http_server *s = xcalloc(1, sizeof(*s));
	s->be = BE_MTASTS;
	s->handler = mtasts_handle;
	s->status_body = mtasts_status_body;
	s->flags = MHD_USE_TLS;
	s->sni = true;
	sim.servers[BE_MTASTS] = s;
	return http_server_start(s, err);
}
