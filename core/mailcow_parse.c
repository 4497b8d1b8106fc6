/* mailcow_parse: the parsers of every body the MailCow API returns (lists, DKIM, version,
 * queue, write answers) and the mapping of an answer's status to a key problem. Pure: no
 * I/O. Tolerant of the real quirks (numbers or digit strings, {} for an empty list,
 * missing tags, msg as a string or an array); secrets (relayhost passwords, DKIM private
 * keys) are wiped inside the parsed tree and never copied. */
#include "core/mailcow.h"
#include "core/mailcow_int.h"
#include "core/jsonerr.h"
#include "core/checks.h"
#include "core/dkimkey.h"
#include "core/sanitize.h"
#include "core/util.h"

#include <ctype.h>
#include <jansson.h>
#include <stdlib.h>
#include <math.h>
#include <string.h>
#include <strings.h>

char *mailcow_text(const char *s, size_t max)
{
	size_t n = s ? strlen(s) : 0;
	bool cut = n > max;
	if (cut) {
		n = max;
		while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
			n--; /* not inside a UTF-8 character */
	}
	char *clean = sanitize_str(s ? s : "", n, 0);
	if (!cut)
		return clean;
	char *out = xasprintf("%s...", clean);
	free(clean);
	return out;
}

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
		*err = jsonerr_describe("the response", &e);
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

/* Control characters out, length capped: server text goes into messages. */
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

#define GROW(arr, n) \
	((arr) = xrealloc((arr), ((n) + 1) * sizeof(*(arr))), memset(&(arr)[n], 0, sizeof(*(arr))), &(arr)[(n)++])

/* A name that can go into DNS names, URLs and pins as it is: dot-separated labels of letters,
 * digits and hyphens (an IDN in its xn-- A-label form), no hyphen at a label's ends. */
bool mailcow_domain_name_ok(const char *name)
{
	size_t len = strlen(name), label = 0;
	if (len == 0 || len > 253 || name[0] == '.' || name[len - 1] == '.')
		return false;
	for (size_t i = 0; i <= len; i++) {
		char ch = name[i];
		if (ch == '.' || ch == '\0') {
			if (label == 0 || label > 63 || name[i - 1] == '-' || name[i - label] == '-')
				return false;
			label = 0;
		} else if ((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '-') {
			label++;
		} else {
			return false;
		}
	}
	return strchr(name, '.') != NULL;
}

static int domain_item(json_t *o, struct mailcow_state *st)
{
	char *name = jget_str(o, "domain_name");
	if (!name)
		return -1;
	str_lower(name);
	if (!mailcow_domain_name_ok(name)) {
		/* reported (by mailcow.api), never used in a query, URL or output as it is */
		strv_push_owned(&st->bad_domains, sanitize_line(name, 80));
		free(name);
		return -1;
	}
	struct mc_domain *d = GROW(st->domains, st->n_domains);
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
	mc_queue_free(st->queue, st->n_queue);
	st->queue = n ? xcalloc(n, sizeof(*st->queue)) : NULL;
	st->n_queue = 0;
	for (size_t i = 0; i < n; i++) {
		const char *q = json_string_value(json_object_get(items[i], "queue_name"));
		struct mc_qitem *it = &st->queue[st->n_queue++];
		it->queue = text_clean(q ? q : "?", 40);
		char *id = jget_str(items[i], "queue_id"), *from = jget_str(items[i], "sender");
		it->id = text_clean(id ? id : "", 40);
		it->sender = text_clean(from ? from : "", 300);
		free(id);
		free(from);
		it->arrival = (time_t)jget_num(items[i], "arrival_time", 0);
		it->size = (long)jget_num(items[i], "message_size", 0);
		json_t *rc = json_object_get(items[i], "recipients");
		size_t k;
		json_t *r;
		json_array_foreach(rc, k, r) {
			/* postqueue -j's own {address, delay_reason} when MailCow did not flatten it */
			const char *a = json_is_string(r) ? json_string_value(r)
							  : json_string_value(json_object_get(r, "address"));
			const char *why = json_string_value(json_object_get(r, "delay_reason")); /* NULL for a string */
			char *t = why ? xasprintf("%s (%s)", a ? a : "?", why) : xstrdup(a ? a : "?");
			strv_push_owned(&it->recipients, text_clean(t, 600));
			free(t);
		}
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
char *mailcow_error_msg(const char *body, size_t len)
{
	if (!body || !len)
		return NULL;
	json_t *root = json_loadb(body, len, JSON_DECODE_ANY, NULL);
	char *msg = NULL;
	json_t *m = json_object_get(root, "msg");
	if (json_is_string(m)) {
		msg = mailcow_text(json_string_value(m), 200);
	} else if (json_is_array(m) && json_is_string(json_array_get(m, 0))) {
		msg = mailcow_text(json_string_value(json_array_get(m, 0)), 200);
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

/* The text of an HTML body: tags dropped, runs of white space as one space. */
static char *html_text(const char *body, size_t len)
{
	struct buf b = {0};
	bool in_tag = false, space = true;
	for (size_t i = 0; i < len && body[i]; i++) {
		char ch = body[i];
		if (ch == '<' || ch == '>') {
			in_tag = ch == '<';
			ch = ' ';
		} else if (in_tag) {
			continue;
		}
		if (isspace((unsigned char)ch)) {
			if (!space)
				buf_putc(&b, ' ');
			space = true;
			continue;
		}
		buf_putc(&b, ch);
		space = false;
	}
	if (b.len && space)
		b.data[--b.len] = '\0';
	return buf_steal(&b);
}

/* MailCow's own startup checks (inc/prerequisites.inc.php) answer every request with HTTP
 * 500 and an HTML page "Connection to <backend> failed. ... The following error was
 * reported: <error>". Returns "<backend> (<error>)", sanitised, or NULL for another body. */
static char *startup_failure(const char *body, size_t len)
{
	char *text = html_text(body, len);
	char *out = NULL;
	char *from = strstr(text, "Connection to ");
	char *to = from ? strstr(from, " failed") : NULL;
	if (to && to - from > 14 && to - from < 80) {
		*to = '\0';
		char *backend = mailcow_text(from + 14, 60);
		const char *rep = strstr(to + 1, "reported:");
		char *error = rep ? mailcow_text(rep + 9 + strspn(rep + 9, " "), 160) : NULL;
		out = error && *error ? xasprintf("%s (%s)", backend, error) : xstrdup(backend);
		free(backend);
		free(error);
	}
	free(text);
	return out;
}

enum key_problem mailcow_classify(long status, const char *body, size_t len, char **why)
{
	char *failed = status == 500 ? startup_failure(body, len) : NULL;
	if (failed) {
		*why = xasprintf("HTTP 500: MailCow's startup check failed: no connection to its %s; MailCow answers "
				 "every request like this until that backend is back (see docker compose ps in the "
				 "mailcow-dockerized directory); the API key was not checked", failed);
		free(failed);
		return KEY_UNCHECKED;
	}

	char *msg = mailcow_error_msg(body, len);
	enum key_problem k = KEY_OK;
	if (status == 401) {
		if (msg && strncasecmp(msg, "api access denied for ip", 24) == 0) {
			k = KEY_IP_DENIED;
			*why = xasprintf("HTTP 401: %s: the key is valid but this host's address is not allowed; "
					 "add it to "
					 "\"Allow API access from\" (Configuration > Access > Administrators > API) "
					 "or to "
					 "API_ALLOW_FROM in mailcow.conf. MailCow's netfilter bans addresses after "
					 "repeated "
					 "failed logins, so mcon waits before trying again", msg);
		} else {
			k = KEY_INVALID;
			*why = xasprintf("HTTP 401: %s: MailCow does not know this API key or it is not active; check "
					 "mailcow.api_key_file or $MCON_API_KEY against Configuration > Access > "
					 "Administrators > API. MailCow's netfilter bans addresses after repeated "
					 "failed "
					 "logins, so mcon waits before trying again", msg ? msg : "authentication "
					 	"failed");
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
	static const char *names[] = {"ok", "missing", "invalid", "ip-denied", "read-only", "forbidden", "ignored",
					     "unchecked"};
	return (unsigned)k < ARRAY_SIZE(names) ? names[k] : "?";
}
/* ---- Writes ---- */

void mc_result_free(struct mc_result *r)
{
	free(r->message);
	free(r->warnings);
	free(r->id);
	memset(r, 0, sizeof(*r));
}

/* "dkim_added: a.com" from {"msg": ["dkim_added", "a.com"]} or "Task completed". */
static void append_msg(struct buf *b, const json_t *m)
{
	if (b->len)
		buf_puts(b, "; ");
	if (json_is_string(m)) {
		char *c = mailcow_text(json_string_value(m), 200);
		buf_puts(b, c);
		free(c);
		return;
	}
	size_t i;
	const json_t *v;
	json_array_foreach(m, i, v) {
		char *s = json_is_string(v) ? mailcow_text(json_string_value(v), 200)
			: json_is_integer(v) ? xasprintf("%lld", (long long)json_integer_value(v)) : NULL;
		if (!s)
			continue;
		buf_puts(b, i == 0 ? "" : i == 1 ? ": " : ", ");
		buf_puts(b, s);
		free(s);
	}
}

int mailcow_parse_write(long status, const char *body, size_t len, struct mc_result *res)
{
	mc_result_free(res);
	res->http_status = status;
	char *why = NULL;
	enum key_problem k = mailcow_classify(status, body, len, &why);
	if (k != KEY_OK) {
		res->key = k;
		res->message = why;
		return -1;
	}
	if (status != 200) {
		char *msg = mailcow_error_msg(body, len);
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
	struct buf msgs = {0}, warn = {0};
	bool failed = false;
	size_t n = json_is_array(root) ? json_array_size(root) : 1;
	for (size_t i = 0; i < n; i++) {
		json_t *e = json_is_array(root) ? json_array_get(root, i) : root;
		const char *type = json_string_value(json_object_get(e, "type"));
		json_t *m = json_object_get(e, "msg");
		if (!type || strcmp(type, "danger") == 0 || strcmp(type, "error") == 0)
			failed = true;
		append_msg(&msgs, m);
		if (type && strcmp(type, "warning") == 0)
			append_msg(&warn, m);
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
	res->warnings = warn.len ? buf_steal(&warn) : NULL;
	res->ok = !failed;
	return failed ? -1 : 0;
}
