/* onboard_live: the walkthrough's backend against a real MailCow: synchronous API calls
 * (one request at a time on a private fetcher) and, for verification, a fresh collect
 * plus the checks. The API key stays in memory and is wiped on free. */
#include "core/onboard_live.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "core/fetch.h"
#include "core/mailcow.h"

struct onboard_live {
	const struct config *cfg;
	char *key_header;       /* "X-API-Key: ..." */
	onboard_checks_fn checks;
	onboard_relay_mx_fn relay_mx;
	void *checks_ud;
};

struct http {
	long status;
	char *body;
	char *error;
};

static void http_done(struct fetch_result *r, void *ud)
{
	struct http *h = ud;
	h->status = r->status;
	h->body = r->body;
	r->body = NULL;
	h->error = r->error;
	r->error = NULL;
}

static void http_free(struct http *h)
{
	free(h->body);
	free(h->error);
}

/* One API call: method GET or POST, path under /api/v1/, body JSON or NULL. */
static void call(struct onboard_live *l, const char *method, const char *path, const char *body, struct http *h)
{
	memset(h, 0, sizeof(*h));
	char *url = xasprintf("%s/api/v1/%s", l->cfg->mailcow_url, path);
	const char *headers[] = {l->key_header, "Accept: application/json", "Content-Type: application/json", NULL};
	struct fetch_opts o = {
		.method = method, .url = url, .headers = headers, .body = body,
		.timeout_ms = l->cfg->mailcow_timeout_ms, .max_bytes = 32u << 20,
		.ca_file = l->cfg->mailcow_ca_file, .insecure = !l->cfg->mailcow_tls_verify,
		.done = http_done, .ud = h,
	};
	struct fetcher *f = fetcher_new();
	if (fetcher_add(f, &o) < 0) {
		h->error = xstrdup("bad request");
	} else {
		fetcher_run(f, 0);
	}
	fetcher_free(f);
	free(url);
	if (!h->body)
		h->body = xstrdup("");
}

/* The rc of a call's transport and status; *err set when not OK. */
static int http_rc(const struct http *h, const char *what, char **err)
{
	if (h->error) {
		*err = xasprintf("%s: %s", what, h->error);
		return OB_RC_ERR;
	}
	if (h->status == 403) {
		*err = xasprintf("%s: HTTP 403 (read-only API key)", what);
		return OB_RC_READONLY;
	}
	if (h->status == 401) {
		*err = xasprintf("%s: HTTP 401: the API key is not accepted (wrong key, or this host's IP is not allowed)", what);
		return OB_RC_ERR;
	}
	if (h->status != 200) {
		*err = xasprintf("%s: HTTP %ld", what, h->status);
		return OB_RC_ERR;
	}
	return OB_RC_OK;
}

/* A number, a digit string or a boolean as an integer (MailCow mixes them). */
static long json_long(const json_t *v)
{
	if (json_is_integer(v))
		return (long)json_integer_value(v);
	if (json_is_string(v))
		return strtol(json_string_value(v), NULL, 10);
	if (json_is_true(v))
		return 1;
	return 0;
}

static const char *json_str(const json_t *o, const char *k)
{
	const json_t *v = json_object_get(o, k);
	return json_is_string(v) ? json_string_value(v) : NULL;
}

/* add/edit through the MailCow client's synchronous writer (it resolves the API host through
 * dns.servers and reads MailCow's message arrays): success only when no entry says
 * danger or error; 403 is a read-only key. */
static int write_rc(struct onboard_live *l, const char *path, json_t *body, char **err)
{
	char *s = json_dumps(body, JSON_COMPACT);
	json_decref(body);
	struct mc_write_result res = {0};
	int rc = mailcow_post(l->cfg, path, s, &res);
	free(s);
	int out = OB_RC_OK;
	if (res.key == KEY_READ_ONLY) {
		*err = xasprintf("%s: HTTP 403 (read-only API key)", path);
		out = OB_RC_READONLY;
	} else if (rc != 0 || !res.ok) {
		*err = xasprintf("%s: %s", path, res.message ? res.message : "MailCow says no");
		out = OB_RC_ERR;
	}
	mc_write_result_free(&res);
	return out;
}

static json_t *get_json(struct onboard_live *l, const char *path, int *rc, char **err)
{
	struct http h;
	call(l, "GET", path, NULL, &h);
	*rc = http_rc(&h, path, err);
	json_t *j = NULL;
	if (*rc == OB_RC_OK) {
		j = json_loads(h.body, 0, NULL);
		if (!j) {
			/* a GET without a usable key answers 200 with an empty body */
			*err = xasprintf("GET %s: %s", path, *h.body ? "the answer is not JSON" : "empty answer (is the API key right?)");
			*rc = OB_RC_ERR;
		}
	}
	http_free(&h);
	return j;
}

static int l_ping(void *ud, char **err)
{
	int rc;
	json_t *j = get_json(ud, "get/status/version", &rc, err);
	json_decref(j);
	return rc;
}

static int l_write_probe(void *ud, char **err)
{
	/* an edit of no item writes nothing; MailCow refuses it with 403 for a read-only key */
	struct onboard_live *l = ud;
	struct mc_write_result res = {0};
	mailcow_post(l->cfg, "edit/alias", "{\"items\":[],\"attr\":{}}", &res);
	int rc = OB_RC_UNKNOWN;
	if (res.key == KEY_READ_ONLY) {
		*err = xstrdup("edit/alias (write probe): HTTP 403 (read-only API key)");
		rc = OB_RC_READONLY;
	} else if (res.http_status == 200) {
		rc = OB_RC_OK;
	} else {
		*err = xasprintf("write probe: %s", res.message ? res.message : "no answer");
	}
	mc_write_result_free(&res);
	return rc;
}

static int l_domain_get(void *ud, const char *domain, bool *exists, bool *active, char **err)
{
	int rc;
	char *path = xasprintf("get/domain/%s", domain);
	json_t *j = get_json(ud, path, &rc, err);
	free(path);
	*exists = *active = false;
	if (rc == OB_RC_OK && json_is_object(j) && json_object_size(j) > 0) {
		const char *name = json_str(j, "domain_name");
		*exists = name ? strcasecmp(name, domain) == 0 : true;
		const json_t *a = json_object_get(j, "active_int");
		*active = json_long(a ? a : json_object_get(j, "active")) != 0;
	}
	json_decref(j);
	return rc;
}

static int l_domain_add(void *ud, const char *domain, const char *selector, int bits, char **err)
{
	return write_rc(ud, "add/domain",
	                json_pack("{s:s, s:i, s:s, s:i, s:i}", "domain", domain, "active", 1, "dkim_selector", selector,
	                          "key_size", bits, "restart_sogo", 1), err);
}

static int l_alias_get(void *ud, const char *address, struct onboard_alias *out, char **err)
{
	int rc;
	const char *at = strchr(address, '@');
	char *path = xasprintf("get/alias/all/%s", at ? at + 1 : address);
	json_t *j = get_json(ud, path, &rc, err);
	free(path);
	memset(out, 0, sizeof(*out));
	if (rc == OB_RC_OK) {
		size_t n = json_is_array(j) ? json_array_size(j) : (json_is_object(j) && json_object_size(j) ? 1 : 0);
		for (size_t i = 0; i < n; i++) {
			const json_t *a = json_is_array(j) ? json_array_get(j, i) : j;
			const char *addr = json_str(a, "address");
			if (!addr || strcasecmp(addr, address) != 0)
				continue;
			out->exists = true;
			const json_t *act = json_object_get(a, "active_int");
			out->active = json_long(act ? act : json_object_get(a, "active")) != 0;
			out->goto_addr = xstrdup(json_str(a, "goto") ? json_str(a, "goto") : "");
			break;
		}
	}
	json_decref(j);
	return rc;
}

static int l_alias_add(void *ud, const char *address, const char *goto_addr, char **err)
{
	/* active must be sent: MailCow turns a missing one into 0, an inactive alias */
	return write_rc(ud, "add/alias", json_pack("{s:s, s:s, s:i}", "address", address, "goto", goto_addr, "active", 1), err);
}

static int l_alias_activate(void *ud, const char *address, char **err)
{
	return write_rc(ud, "edit/alias", json_pack("{s:[s], s:{s:i}}", "items", address, "attr", "active", 1), err);
}

static int l_dkim_get(void *ud, const char *domain, struct onboard_dkim *out, char **err)
{
	int rc;
	char *path = xasprintf("get/dkim/%s", domain);
	json_t *j = get_json(ud, path, &rc, err);
	free(path);
	memset(out, 0, sizeof(*out));
	if (rc == OB_RC_OK && json_is_object(j) && json_str(j, "pubkey") && *json_str(j, "pubkey")) {
		out->present = true;
		out->selector = xstrdup(json_str(j, "dkim_selector") ? json_str(j, "dkim_selector") : "");
		const char *txt = json_str(j, "dkim_txt");
		out->txt = txt ? xstrdup(txt) : xasprintf("v=DKIM1;k=rsa;t=s;s=email;p=%s", json_str(j, "pubkey"));
		/* SPLIT_DKIM_255 makes dkim_txt quoted chunks: join them back */
		if (strchr(out->txt, '"')) {
			struct buf b = {0};
			for (const char *p = out->txt; *p; p++)
				if (*p != '"' && *p != ' ')
					buf_putc(&b, *p);
			free(out->txt);
			out->txt = buf_steal(&b);
		}
		out->bits = (int)json_long(json_object_get(j, "length"));
	}
	json_decref(j);
	return rc;
}

static int l_dkim_add(void *ud, const char *domain, const char *selector, int bits, char **err)
{
	return write_rc(ud, "add/dkim", json_pack("{s:s, s:s, s:i}", "domains", domain, "dkim_selector", selector, "key_size", bits), err);
}

static int l_sts_add(void *ud, const char *domain, const char *mode, const char *mx, long max_age, char **err)
{
	return write_rc(ud, "add/mta-sts",
	                json_pack("{s:s, s:s, s:s, s:I, s:s, s:i}", "domain", domain, "version", "stsv1", "mode", mode,
	                          "max_age", (json_int_t)max_age, "mx", mx, "active", 1), err);
}

static int l_sts_edit(void *ud, const char *domain, const char *mode, const char *mx, char **err)
{
	json_t *attr = json_pack("{s:i}", "active", 1);
	if (mode)
		json_object_set_new(attr, "mode", json_string(mode));
	if (mx)
		json_object_set_new(attr, "mx", json_string(mx));
	return write_rc(ud, "edit/mta-sts", json_pack("{s:[s], s:o}", "items", domain, "attr", attr), err);
}

static int l_checks(void *ud, const char *domain, struct onboard_checks *out, char **err)
{
	struct onboard_live *l = ud;
	if (!l->checks) {
		*err = xstrdup("no verification available in this build");
		return OB_RC_ERR;
	}
	return l->checks(l->checks_ud, l->cfg, domain, out, err);
}

static int l_relay_mx(void *ud, const char *except, struct strv *out, char **err)
{
	struct onboard_live *l = ud;
	if (!l->relay_mx)
		return OB_RC_OK;
	return l->relay_mx(l->checks_ud, l->cfg, except, out, err);
}

const struct onboard_backend onboard_live_backend = {
	l_ping, l_write_probe, l_domain_get, l_domain_add, l_alias_get, l_alias_add, l_alias_activate,
	l_dkim_get, l_dkim_add, l_sts_add, l_sts_edit, l_checks, l_relay_mx,
};

struct onboard_live *onboard_live_new(const struct config *cfg, onboard_checks_fn checks,
                                      onboard_relay_mx_fn relay_mx, void *checks_ud, char **err)
{
	if (!cfg->mailcow_url) {
		*err = xstrdup("mailcow.url is not set");
		return NULL;
	}
	char *key = config_api_key(cfg, err);
	if (!key)
		return NULL;
	struct onboard_live *l = xcalloc(1, sizeof(*l));
	l->cfg = cfg;
	l->key_header = xasprintf("X-API-Key: %s", key);
	config_key_free(key);
	l->checks = checks;
	l->relay_mx = relay_mx;
	l->checks_ud = checks_ud;
	return l;
}

void onboard_live_free(struct onboard_live *l)
{
	if (!l)
		return;
	explicit_bzero(l->key_header, strlen(l->key_header));
	free(l->key_header);
	free(l);
}
