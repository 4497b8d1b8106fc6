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

/* Fields whose values may differ (their JSON type may not), as path globs. */
static const char *const allowed[] = {
	/* the moment a row was written */
	"*.created", "*.modified", "*.attributes.passwd_update",
	/* ids MailCow's database hands out (the real instance is shared by every test) */
	"*.id", ".relayhost",
	/* DKIM keys are generated per instance */
	".pubkey", ".privkey", ".dkim_txt",
	/* written by Dovecot's quota and login tracking, which the real fixture does not run */
	".bytes_total", ".msgs_total", ".quota_used_in_domain", ".quota_used", ".percent_in_use", ".messages",
	".percent_class", ".last_imap_login", ".last_smtp_login", ".last_pop3_login", ".last_sso_login",
};

static bool is_allowed(const char *path)
{
	for (size_t i = 0; i < ARRAY_SIZE(allowed); i++)
		if (str_glob(allowed[i], path) || (allowed[i][0] == '*' && str_glob(allowed[i] + 1, path)))
			return true;
	return false;
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
	if (strcmp(jtype(real), jtype(sim)) != 0 && !bools) {
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
