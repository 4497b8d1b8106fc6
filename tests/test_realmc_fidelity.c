/* The simulator's MailCow against MailCow's real API (tests/fixtures/mailcow.sh): the same requests to both,
 * compared by HTTP status, media type and body, JSON by type AND value for every field and arrays element by
 * element. The real MailCow is first given a copy of one of the simulator's domains (its aliases and
 * mailbox), read from the simulator's own API. A difference fails the test unless the short allow-list
 * below names it, with the reason. */
#include <criterion/criterion.h>
#include <curl/curl.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/util.h"
#include "tests/support/simproc.h"

/* Fields whose values may differ, as path globs (their JSON type must still agree, see typed below). */
static const char *const allowed[] = {
	/* the moment a row was written */
	"*.created", "*.modified", "*.passwd_update",
	/* ids MailCow's database hands out (the real instance is shared by every test) */
	"*.id", ".relayhost",
	/* DKIM keys are generated per instance */
	".pubkey", ".privkey", ".dkim_txt",
};

/* Written from Dovecot's quota and login tracking, which the real fixture does not run: without quota rows
 * MailCow answers the number 0 where SUM() over Dovecot's rows gives a DECIMAL string, so type AND value
 * may differ. */
static const char *const dovecot[] = {
	".bytes_total", ".msgs_total", ".quota_used_in_domain", "*.quota_used", "*.percent_in_use", "*.messages",
	"*.percent_class", "*.last_imap_login", "*.last_smtp_login", "*.last_pop3_login", "*.last_sso_login",
};

static bool glob_any(const char *const *globs, size_t n, const char *path)
{
	for (size_t i = 0; i < n; i++)
		if (str_glob(globs[i], path))
			return true;
	return false;
}

static bool is_allowed(const char *path)
{
	return glob_any(allowed, ARRAY_SIZE(allowed), path) || glob_any(dovecot, ARRAY_SIZE(dovecot), path);
}

struct answer {
	long code;
	char *ctype, *body;
};

struct side {
	const char *url, *ca, *key, *key_ro;
};

static struct side real_side(void)
{
	struct side s = {getenv("MCON_TEST_MAILCOW_URL"), getenv("MCON_TEST_MAILCOW_CA"),
			 getenv("MCON_TEST_MAILCOW_KEY"), getenv("MCON_TEST_MAILCOW_KEY_RO")};
	if (!s.url || !s.ca || !s.key || !s.key_ro)
		cr_assert_fail("MCON_TEST_MAILCOW_* not set: run through tests/run with MCON_MAILCOW_SRC set");
	return s;
}

static struct side sim_side(struct simproc *sp)
{
	static char *ca;
	free(ca);
	ca = xasprintf("%s/ca.pem", sp->dir);
	return (struct side){sp->mailcow_url, ca, sp->api_key, sp->api_key_ro};
}

static size_t collect(char *p, size_t sz, size_t n, void *ud)
{
	buf_append(ud, p, sz * n);
	return sz * n;
}

/* key: "rw", "ro", "bad" or NULL (none); header: one extra request header or NULL. */
static void ask(const struct side *s, const char *method, const char *path, const char *key, const char *body,
		const char *header, struct answer *a)
{
	CURL *c = curl_easy_init();
	struct buf b = {0};
	char *url = xasprintf("%s/api/v1/%s", s->url, path);
	const char *k = !key ? NULL : !strcmp(key, "rw") ? s->key : !strcmp(key, "ro") ? s->key_ro
		: "0123456789ABCDEF0123456789ABCD";
	char *hkey = k ? xasprintf("X-API-Key: %s", k) : NULL;
	struct curl_slist *h = NULL;
	if (hkey)
		h = curl_slist_append(h, hkey);
	if (header)
		h = curl_slist_append(h, header);
	if (body)
		h = curl_slist_append(h, "Content-Type: application/json");
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_CAINFO, s->ca);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L); /* the simulator's certificate names 127.0.0.1 only */
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 30L);
	if (body)
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
	CURLcode rc = curl_easy_perform(c);
	cr_assert_eq(rc, CURLE_OK, "%s %s: %s", method, url, curl_easy_strerror(rc));
	char *ct = NULL;
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &a->code);
	curl_easy_getinfo(c, CURLINFO_CONTENT_TYPE, &ct);
	a->ctype = xstrdup(ct ? ct : "");
	str_lower(a->ctype);
	a->body = buf_steal(&b);
	if (!a->body)
		a->body = xstrdup("");
	curl_slist_free_all(h);
	curl_easy_cleanup(c);
	free(url);
	free(hkey);
}

static void answer_free(struct answer *a)
{
	free(a->ctype);
	free(a->body);
}

static const char *jtype(json_t *j)
{
	switch (json_typeof(j)) {
	case JSON_OBJECT: return "object";
	case JSON_ARRAY: return "array";
	case JSON_STRING: return "string";
	case JSON_INTEGER: return "integer";
	case JSON_REAL: return "real";
	case JSON_TRUE: case JSON_FALSE: return "boolean";
	default: return "null";
	}
}

static void compare_json(json_t *real, json_t *sim, const char *path, struct buf *diff)
{
	const char *p = *path ? path : ".";
	if (!sim) {
		buf_printf(diff, "  %s: missing in the simulator's answer\n", p);
		return;
	}
	bool bools = (json_is_boolean(real) && json_is_boolean(sim));
	if (strcmp(jtype(real), jtype(sim)) != 0 && !bools && !glob_any(dovecot, ARRAY_SIZE(dovecot), p)) {
		buf_printf(diff, "  %s: %s in the real answer, %s in the simulator's\n", p, jtype(real), jtype(sim));
		return;
	}
	if (json_is_object(real)) {
		const char *k;
		json_t *v;
		json_object_foreach(real, k, v) {
			char *sub = xasprintf("%s.%s", path, k);
			compare_json(v, json_object_get(sim, k), sub, diff);
			free(sub);
		}
		json_object_foreach(sim, k, v)
			if (!json_object_get(real, k))
				buf_printf(diff, "  %s.%s: only in the simulator's answer\n", path, k);
	} else if (json_is_array(real)) {
		if (json_array_size(real) != json_array_size(sim))
			buf_printf(diff, "  %s: %zu elements in the real answer, %zu in the simulator's\n", p,
				   json_array_size(real), json_array_size(sim));
		for (size_t i = 0; i < json_array_size(real) && i < json_array_size(sim); i++) {
			char *sub = xasprintf("%s[%zu]", path, i);
			compare_json(json_array_get(real, i), json_array_get(sim, i), sub, diff);
			free(sub);
		}
	} else if (!json_equal(real, sim) && !is_allowed(p)) {
		char *r = json_dumps(real, JSON_ENCODE_ANY), *s = json_dumps(sim, JSON_ENCODE_ANY);
		buf_printf(diff, "  %s: %s in the real answer, %s in the simulator's\n", p, r, s);
		free(r);
		free(s);
	}
}

/* One request to both; differences go to diff under a title line. */
static void same(struct simproc *sp, const char *method, const char *path, const char *key, const char *body,
		 const char *header, struct buf *diff)
{
	struct side r = real_side(), s = sim_side(sp);
	struct answer ra, sa;
	ask(&r, method, path, key, body, header, &ra);
	ask(&s, method, path, key, body, header, &sa);
	struct buf d = {0};
	if (ra.code != sa.code)
		buf_printf(&d, "  HTTP %ld from the real API, %ld from the simulator\n", ra.code, sa.code);
	size_t rl = strcspn(ra.ctype, ";"), sl = strcspn(sa.ctype, ";");
	if (rl != sl || strncmp(ra.ctype, sa.ctype, rl) != 0)
		buf_printf(&d, "  content type %s from the real API, %s from the simulator\n", ra.ctype, sa.ctype);
	json_t *rj = json_loads(ra.body, JSON_DECODE_ANY, NULL), *sj = json_loads(sa.body, JSON_DECODE_ANY, NULL);
	if (rj && sj)
		compare_json(rj, sj, "", &d);
	else if (strcmp(ra.body, sa.body) != 0)
		buf_printf(&d, "  body %.200s from the real API, %.200s from the simulator\n", ra.body, sa.body);
	if (d.len)
		buf_printf(diff, "%s %s (key %s%s%s):\n%s", method, path, key ? key : "none", header ? ", " : "",
			   header ? header : "", buf_cstr(&d));
	json_decref(rj);
	json_decref(sj);
	buf_free(&d);
	answer_free(&ra);
	answer_free(&sa);
}

static void expect_no_diff(struct buf *diff)
{
	cr_expect_eq(diff->len, 0u, "the simulator answers unlike MailCow:\n%s", buf_cstr(diff));
	buf_free(diff);
}

Test(realmc_fidelity, errors_and_empty_answers)
{
	real_side();
	struct simproc *sp = simproc_start(NULL, NULL);
	cr_assert(sp, "mcon-sim did not start");
	struct buf diff = {0};
	same(sp, "GET", "get/domain/all", "bad", NULL, NULL, &diff);
	same(sp, "GET", "get/domain/all", NULL, NULL, NULL, &diff);
	same(sp, "GET", "get/domain/all", "rw", NULL, "Sec-Fetch-Dest: document", &diff);
	same(sp, "POST", "add/alias", "ro", "{\"address\":\"@unknown.tld\",\"goto\":\"a@b.test\",\"active\":1}", NULL,
	     &diff);
	same(sp, "POST", "edit/mta-sts", "ro", "{\"items\":[\"unknown.tld\"],\"attr\":{\"mode\":\"enforce\"}}", NULL,
	     &diff);
	same(sp, "POST", "edit/alias", "ro", "{\"items\":[],\"attr\":{}}", NULL, &diff);
	same(sp, "POST", "edit/alias", "rw", "{\"items\":[],\"attr\":{}}", NULL, &diff);
	same(sp, "GET", "get/nosuchthing/all", "rw", NULL, NULL, &diff);
	same(sp, "POST", "add/nosuchthing", "rw", "{}", NULL, &diff);
	same(sp, "POST", "get/domain/all", "rw", "{}", NULL, &diff);
	same(sp, "GET", "add/alias", "rw", NULL, NULL, &diff);
	same(sp, "POST", "add/alias", "rw", "{\"address\": ", NULL, &diff);
	same(sp, "GET", "get/mta-sts/unknown.tld", "rw", NULL, NULL, &diff);
	same(sp, "GET", "get/domain/unknown.tld", "rw", NULL, NULL, &diff);
	same(sp, "GET", "get/dkim/unknown.tld", "rw", NULL, NULL, &diff);
	same(sp, "GET", "get/alias/999999", "rw", NULL, NULL, &diff);
	same(sp, "GET", "get/alias/all/unknown.tld", "rw", NULL, NULL, &diff);
	same(sp, "GET", "get/mailbox/nobody@unknown.tld", "rw", NULL, NULL, &diff);
	same(sp, "GET", "get/relayhost/999999", "rw", NULL, NULL, &diff);
	same(sp, "GET", "get/domain/all?tags=no-such-tag", "rw", NULL, NULL, &diff);
	same(sp, "GET", "get/status/version", "rw", NULL, NULL, &diff);
	same(sp, "POST", "add/alias", "rw", "{\"address\":\"x@unknown.tld\",\"goto\":\"a@b.test\",\"active\":1}", NULL,
	     &diff);
	same(sp, "POST", "add/dkim", "rw", "{\"domains\":\"unknown.tld\",\"dkim_selector\":\"dkim\",\"key_size\":2048}",
	     NULL, &diff);
	expect_no_diff(&diff);
	cr_expect_eq(simproc_stop(sp), 0);
}

/* ---- one of the simulator's domains, copied into the real MailCow ---- */

static json_t *get_json(const struct side *s, const char *fmt, ...) ATTR_PRINTF(2, 3);
static json_t *get_json(const struct side *s, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *path = xvasprintf(fmt, ap);
	va_end(ap);
	struct answer a;
	ask(s, "GET", path, "rw", NULL, NULL, &a);
	json_t *j = json_loads(a.body, JSON_DECODE_ANY, NULL);
	cr_assert(a.code == 200 && j, "GET %s: HTTP %ld %.300s", path, a.code, a.body);
	answer_free(&a);
	free(path);
	return j;
}

static void post_ok(const struct side *s, const char *path, json_t *body)
{
	char *text = json_dumps(body, JSON_COMPACT);
	struct answer a;
	ask(s, "POST", path, "rw", text, NULL, &a);
	cr_assert(a.code == 200 && !strstr(a.body, "\"danger\"") && !strstr(a.body, "\"error\""),
		  "POST %s %s: HTTP %ld %.400s", path, text, a.code, a.body);
	answer_free(&a);
	free(text);
	json_decref(body);
}

static json_int_t mib(json_t *o, const char *key)
{
	return json_integer_value(json_object_get(o, key)) / (1024 * 1024);
}

static json_t *field(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);
	return v ? json_incref(v) : json_null();
}

/* Gives the real MailCow domain d as the simulator has it: the domain with its DKIM selector and size, its
 * mailboxes and its aliases. */
static void copy_domain(const struct side *sim, const struct side *real, const char *d)
{
	json_t *dom = get_json(sim, "get/domain/%s", d), *dk = get_json(sim, "get/dkim/%s", d);
	json_t *add = json_pack("{s:s, s:O, s:O, s:I, s:I, s:I, s:I, s:I, s:O, s:O, s:O, s:O, s:i, s:O, s:i}",
				"domain", d, "description", json_object_get(dom, "description"),
				"active", json_object_get(dom, "active"),
				"aliases", json_integer_value(json_object_get(dom, "max_num_aliases_for_domain")),
				"mailboxes", json_integer_value(json_object_get(dom, "max_num_mboxes_for_domain")),
				"defquota", mib(dom, "def_quota_for_mbox"), "maxquota", mib(dom, "max_quota_for_mbox"),
				"quota", mib(dom, "max_quota_for_domain"), "gal", json_object_get(dom, "gal"),
				"backupmx", json_object_get(dom, "backupmx"),
				"relay_all_recipients", json_object_get(dom, "relay_all_recipients"),
				"relay_unknown_only", json_object_get(dom, "relay_unknown_only"), "restart_sogo", 0,
				"dkim_selector", json_object_get(dk, "dkim_selector"),
				"key_size", atoi(json_string_value(json_object_get(dk, "length")) ?: "2048"));
	if (json_object_get(dom, "tags"))
		json_object_set(add, "tags", json_object_get(dom, "tags"));
	post_ok(real, "add/domain", add);

	json_t *mboxes = get_json(sim, "get/mailbox/all/%s", d), *m;
	size_t i;
	json_array_foreach(mboxes, i, m) {
		json_t *at = json_object_get(m, "attributes");
		json_t *mb = json_pack("{s:O, s:s, s:O, s:I, s:O, s:s, s:s}",
				       "local_part", json_object_get(m, "local_part"),
				       "domain", d, "name", json_object_get(m, "name"), "quota", mib(m, "quota"),
				       "active", json_object_get(m, "active"), "password", "Realmc-fidelity-1234",
				       "password2", "Realmc-fidelity-1234");
		static const char *const flags[] = {"force_pw_update", "tls_enforce_in", "tls_enforce_out",
						    "sogo_access", "imap_access", "pop3_access", "smtp_access",
						    "sieve_access"};
		for (size_t k = 0; k < ARRAY_SIZE(flags); k++)
			if (json_object_get(at, flags[k]))
				json_object_set_new(mb, flags[k], json_integer(atoi(json_string_value(
									     json_object_get(at, flags[k])) ?: "0")));
		post_ok(real, "add/mailbox", mb);
	}
	json_t *aliases = get_json(sim, "get/alias/all/%s", d), *a;
	json_array_foreach(aliases, i, a)
		post_ok(real, "add/alias", json_pack("{s:O, s:O, s:O, s:O, s:o, s:o, s:O}",
						    "address", json_object_get(a, "address"),
						    "goto", json_object_get(a, "goto"),
						    "active", json_object_get(a, "active"),
						    "sender_allowed", json_object_get(a, "sender_allowed"),
						    "private_comment", field(a, "private_comment"),
						    "public_comment", field(a, "public_comment"),
						    "sogo_visible", json_object_get(a, "sogo_visible")));
	json_decref(dom);
	json_decref(dk);
	json_decref(mboxes);
	json_decref(aliases);
}

Test(realmc_fidelity, a_domain_its_aliases_mailbox_and_dkim)
{
	struct side real = real_side();
	struct simproc *sp = simproc_start(NULL, NULL);
	cr_assert(sp, "mcon-sim did not start");
	struct side sim = sim_side(sp);
	const char *d = "netgrimoire.com";
	/* the fixture is shared by both build trees: copy once */
	json_t *have = get_json(&real, "get/domain/%s", d);
	if (!json_object_get(have, "domain_name"))
		copy_domain(&sim, &real, d);
	json_decref(have);

	struct buf diff = {0};
	char *path = xasprintf("get/domain/%s", d);
	same(sp, "GET", path, "rw", NULL, NULL, &diff);
	free(path);
	path = xasprintf("get/alias/all/%s", d);
	same(sp, "GET", path, "rw", NULL, NULL, &diff);
	free(path);
	path = xasprintf("get/mailbox/all/%s", d);
	same(sp, "GET", path, "rw", NULL, NULL, &diff);
	free(path);
	path = xasprintf("get/dkim/%s", d);
	same(sp, "GET", path, "rw", NULL, NULL, &diff);
	free(path);
	/* business errors about it */
	same(sp, "POST", "add/domain", "rw", "{\"domain\":\"netgrimoire.com\",\"restart_sogo\":0}", NULL, &diff);
	same(sp, "POST", "add/dkim", "rw",
	     "{\"domains\":\"netgrimoire.com\",\"dkim_selector\":\"dkim\",\"key_size\":2048}", NULL, &diff);
	same(sp, "POST", "add/alias", "rw",
	     "{\"address\":\"@netgrimoire.com\",\"goto\":\"x@example.net\",\"active\":1}", NULL, &diff);
	expect_no_diff(&diff);
	cr_expect_eq(simproc_stop(sp), 0);
}
