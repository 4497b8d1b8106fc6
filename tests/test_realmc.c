/* mcon against MailCow's real API (tests/fixtures/mailcow.sh: MailCow's own PHP, nginx site, schema and
 * API keys): the collector keeps every field it reads from MailCow, and every MailCow-side check
 * (domain.active, domain.catchall, relay.outbound, dkim.mailcow, queue.deferred, mailcow.api) judges the
 * real answers. The test sets MailCow up through the API itself and publishes its DNS on a private NSD
 * (tests/fixtures/nsd.sh with the test's own zones). Domain names carry the process id: the fixture is
 * shared by both build trees. */
#include <criterion/criterion.h>
#include <curl/curl.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/util.h"
#include "tests/support/trun.h"

/* ---- the fixture ---- */

static const char *fx(const char *name)
{
	const char *v = getenv(name);
	if (!v || !*v)
		cr_assert_fail("%s is not set: run through tests/run with MCON_MAILCOW_SRC set "
			       "(fixture tests/fixtures/mailcow.sh)", name);
	return v;
}

static size_t collect(char *p, size_t sz, size_t n, void *ud)
{
	buf_append(ud, p, sz * n);
	return sz * n;
}

/* One request to the real API with key; body NULL for GET. Returns the HTTP code, *out the body. */
static long api(const char *key, const char *path, const char *body, char **out)
{
	CURL *c = curl_easy_init();
	cr_assert(c);
	struct buf b = {0};
	char *url = xasprintf("%s/api/v1/%s", fx("MCON_TEST_MAILCOW_URL"), path);
	char *hkey = xasprintf("X-API-Key: %s", key);
	struct curl_slist *h = curl_slist_append(NULL, hkey);
	h = curl_slist_append(h, "Content-Type: application/json");
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_CAINFO, fx("MCON_TEST_MAILCOW_CA"));
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 30L);
	if (body)
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
	CURLcode rc = curl_easy_perform(c);
	long code = 0;
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
	curl_slist_free_all(h);
	curl_easy_cleanup(c);
	free(url);
	free(hkey);
	cr_assert_eq(rc, CURLE_OK, "%s: %s", path, curl_easy_strerror(rc));
	*out = buf_steal(&b);
	if (!*out)
		*out = xstrdup("");
	return code;
}

/* A write with the read-write key that MailCow must report as a success (every entry of its answer). */
static void api_write(const char *path, const char *fmt, ...) ATTR_PRINTF(2, 3);
static void api_write(const char *path, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *body = xvasprintf(fmt, ap);
	va_end(ap);
	char *out;
	long code = api(fx("MCON_TEST_MAILCOW_KEY"), path, body, &out);
	cr_assert_eq(code, 200, "%s %s: HTTP %ld %s", path, body, code, out);
	json_t *j = json_loads(out, 0, NULL);
	cr_assert(j, "%s: not JSON: %s", path, out);
	json_t *e;
	size_t i;
	if (json_is_object(j))
		cr_assert_str_eq(json_string_value(json_object_get(j, "type")), "success", "%s: %s", path, out);
	json_array_foreach(j, i, e)
		cr_assert_str_eq(json_string_value(json_object_get(e, "type")), "success", "%s %s: %s", path, body,
				 out);
	json_decref(j);
	free(body);
	free(out);
}

static json_t *api_get(const char *path)
{
	char *out;
	long code = api(fx("MCON_TEST_MAILCOW_KEY"), path, NULL, &out);
	cr_assert_eq(code, 200, "%s: HTTP %ld %s", path, code, out);
	json_t *j = json_loads(out, JSON_DECODE_ANY, NULL);
	cr_assert(j, "%s: not JSON: %s", path, out);
	free(out);
	return j;
}

/* ---- a private NSD with the test's zones ---- */

struct zone_set {
	char *dir, *nsd_dir, *server;
};

static void zone_write(struct zone_set *z, const char *domain, const char *records)
{
	char *path = xasprintf("%s/%s.zone", z->dir, domain);
	char *text = xasprintf("$ORIGIN %s.\n$TTL 60\n"
			       "@ SOA ns.%s. hostmaster.%s. 1 3600 600 86400 60\n@ NS ns\nns A 127.0.0.1\n%s",
			       domain, domain, domain, records);
	cr_assert_eq(file_write_atomic(path, text, strlen(text), 0644), 0, "%s", path);
	free(text);
	free(path);
}

/* The NSD this test started and has not stopped: the suite's fini stops it when an assertion ended the
 * test early (each test runs in its own process). */
static char *nsd_running;

static void zones_start(struct zone_set *z)
{
	z->nsd_dir = xasprintf("%s/nsd", z->dir);
	free(nsd_running);
	nsd_running = xstrdup(z->nsd_dir);
	char *cmd = xasprintf("NSD_ZONES='%s' bash tests/fixtures/nsd.sh up '%s' 2>&1", z->dir, z->nsd_dir);
	FILE *p = popen(cmd, "r");
	cr_assert(p);
	char line[512];
	while (fgets(line, sizeof line, p))
		if (str_starts_with(line, "MCON_TEST_DNS="))
			z->server = xstrdup(str_trim(line + strlen("MCON_TEST_DNS=")));
	int rc = pclose(p);
	free(cmd);
	cr_assert(rc == 0 && z->server, "NSD with the test's zones did not start");
}

static void nsd_down(const char *nsd_dir)
{
	char *cmd = xasprintf("bash tests/fixtures/nsd.sh down '%s'", nsd_dir);
	cr_expect_eq(system(cmd), 0, "NSD did not stop");
	free(cmd);
}

static void zones_stop(struct zone_set *z)
{
	if (z->nsd_dir)
		nsd_down(z->nsd_dir);
	free(nsd_running);
	nsd_running = NULL;
	free(z->nsd_dir);
	free(z->server);
	z->nsd_dir = z->server = NULL;
}

static void nsd_leftover_stop(void)
{
	if (nsd_running)
		nsd_down(nsd_running);
	free(nsd_running);
	nsd_running = NULL;
}

TestSuite(realmc, .fini = nsd_leftover_stop);

/* The DKIM TXT record of pubkey in zone-file form (strings of at most 255 characters). */
static char *dkim_rr(const char *name, const char *pubkey)
{
	char *txt = xasprintf("v=DKIM1; k=rsa; p=%s", pubkey);
	struct buf b = {0};
	buf_printf(&b, "%s TXT", name);
	for (size_t at = 0, n = strlen(txt); at < n; at += 200)
		buf_printf(&b, " \"%.200s\"", txt + at);
	buf_puts(&b, "\n");
	free(txt);
	return buf_steal(&b);
}

/* ---- running mcon ---- */

struct site {
	char *dir, *conf, *keyfile;
	int pid;
};

/* A config for the fixture with key, the domains to watch, extra lines appended (sections and keys). */
static void site_make(struct site *s, const char *tag, const char *key, const char *domains, const char *dns,
		      const char *extra)
{
	s->dir = tdir_make(tag, 0700);
	s->pid = (int)getpid();
	s->keyfile = xasprintf("%s/api.key", s->dir);
	char *k = xasprintf("%s\n", key);
	cr_assert_eq(file_write_atomic(s->keyfile, k, strlen(k), 0600), 0);
	free(k);
	s->conf = xasprintf("%s/mcon.conf", s->dir);
	char *text = xasprintf("[site]\nname = realmc\n"
			       "[mailcow]\nurl = %s\napi_key_file = %s\nca_file = %s\ndir = %s/no-mailcow-dir\n"
			       "timeout_ms = 20000\n"
			       "[docker]\nhost = unix://%s/no-docker.sock\n"
			       "[dns]\nservers = %s\ntimeout_ms = 1000\n"
			       "[mta_sts]\nca_file = %s\n"
			       "[domains]\ninclude = %s\n"
			       "[state]\ndb = %s/mcon.db\n%s",
			       fx("MCON_TEST_MAILCOW_URL"), s->keyfile, fx("MCON_TEST_MAILCOW_CA"), s->dir, s->dir,
			       dns ? dns : "127.0.0.1:9", fx("MCON_TEST_MAILCOW_CA"), domains, s->dir,
			       extra ? extra : "");
	cr_assert_eq(file_write_atomic(s->conf, text, strlen(text), 0644), 0);
	free(text);
}

static void site_free(struct site *s)
{
	tdir_remove(s->dir);
	free(s->dir);
	free(s->conf);
	free(s->keyfile);
}

static json_t *mcon_json(struct site *s, const char *cmd, const char *arg, int *code)
{
	const char *argv[] = {trun_bin(), "--config", s->conf, cmd, "--json", arg, NULL};
	struct trun r;
	trun(&r, NULL, argv);
	json_error_t e;
	json_t *j = json_loads(r.out ? r.out : "", 0, &e);
	cr_assert(j, "mcon %s --json: %s: %.400s (stderr %.400s)", cmd, e.text, r.out, r.err);
	if (code)
		*code = r.code;
	trun_free(&r);
	return j;
}

/* The result of check for target in a `check --json` answer; fails the test when absent. */
static json_t *result(json_t *report, const char *check, const char *target)
{
	json_t *e;
	size_t i;
	json_array_foreach(json_object_get(report, "results"), i, e)
		if (!strcmp(json_string_value(json_object_get(e, "check")), check) &&
		    !strcmp(json_string_value(json_object_get(e, "target")), target))
			return e;
	cr_assert_fail("no %s result for %s in %s", check, target, json_dumps(report, JSON_COMPACT));
	return NULL;
}

static void expect_status(json_t *report, const char *check, const char *target, const char *status)
{
	json_t *r = result(report, check, target);
	cr_expect_str_eq(json_string_value(json_object_get(r, "status")), status, "%s %s: %s", check, target,
			 json_string_value(json_object_get(r, "summary")));
}

static const char *summary(json_t *report, const char *check, const char *target)
{
	return json_string_value(json_object_get(result(report, check, target), "summary"));
}

/* The element of array whose key is value (a string). */
static json_t *find(json_t *array, const char *key, const char *value)
{
	json_t *e;
	size_t i;
	json_array_foreach(array, i, e) {
		const char *v = json_string_value(json_object_get(e, key));
		if (v && !strcmp(v, value))
			return e;
	}
	cr_assert_fail("no %s=%s in %s", key, value, json_dumps(array, JSON_COMPACT));
	return NULL;
}

/* The id MailCow gave the relayhost with hostname. */
static long relayhost_id(const char *hostname)
{
	json_t *all = api_get("get/relayhost/all"), *e;
	size_t i;
	long id = -1;
	json_array_foreach(all, i, e)
		if (!strcmp(json_string_value(json_object_get(e, "hostname")), hostname))
			id = (long)json_integer_value(json_object_get(e, "id"));
	json_decref(all);
	cr_assert(id > 0, "relayhost %s not listed", hostname);
	return id;
}

static char *pubkey_of(const char *domain)
{
	char *path = xasprintf("get/dkim/%s", domain);
	json_t *j = api_get(path);
	const char *pk = json_string_value(json_object_get(j, "pubkey"));
	cr_assert(pk && *pk, "%s has no DKIM pubkey: %s", domain, json_dumps(j, JSON_COMPACT));
	char *out = xstrdup(pk);
	json_decref(j);
	free(path);
	return out;
}

/* ---- the collector ---- */

Test(realmc, collector_keeps_every_mailcow_field)
{
	int pid = (int)getpid();
	char *d = xasprintf("col-%d.realmc.test", pid), *off = xasprintf("off-%d.realmc.test", pid);
	char *rh = xasprintf("smtp-col-%d.example.net:587", pid);
	api_write("add/domain", "{\"domain\":\"%s\",\"description\":\"the collector's\",\"active\":1,"
		  "\"restart_sogo\":0,\"aliases\":40,\"mailboxes\":10,\"defquota\":512,\"maxquota\":1024,"
		  "\"quota\":4096,\"tags\":[\"realmc\",\"second tag\"]}", d);
	api_write("add/domain", "{\"domain\":\"%s\",\"active\":0,\"restart_sogo\":0}", off);
	api_write("add/alias", "{\"address\":\"@%s\",\"goto\":\"catch@example.net\",\"active\":1,"
		  "\"sender_allowed\":1}", d);
	api_write("add/alias", "{\"address\":\"info@%s\",\"goto\":\"a@example.net,b@example.net\",\"active\":0}", d);
	api_write("add/mailbox", "{\"local_part\":\"admin\",\"domain\":\"%s\",\"name\":\"The Admin\","
		  "\"password\":\"Realmc-pass-1234\",\"password2\":\"Realmc-pass-1234\",\"quota\":300,"
		  "\"active\":1,\"force_pw_update\":0,\"tls_enforce_in\":0,\"tls_enforce_out\":0}", d);
	api_write("add/relayhost", "{\"hostname\":\"%s\",\"username\":\"relayuser\",\"password\":\"secret\"}", rh);
	long rid = relayhost_id(rh);
	api_write("edit/domain", "{\"items\":[\"%s\"],\"attr\":{\"relayhost\":\"%ld\"}}", d, rid);
	char *pk = pubkey_of(d);

	struct site s;
	char *domains = xasprintf("%s, %s", d, off);
	site_make(&s, "realmc-col", fx("MCON_TEST_MAILCOW_KEY"), domains, NULL, NULL);
	json_t *snap = mcon_json(&s, "snapshot", NULL, NULL);
	json_t *mc = json_object_get(snap, "mailcow");
	cr_assert_str_eq(json_string_value(json_object_get(mc, "key")), "ok");
	cr_assert_str_eq(json_string_value(json_object_get(mc, "version")), "2026-07a");
	cr_assert(json_is_null(json_object_get(mc, "error")));

	json_t *dom = find(json_object_get(mc, "domains"), "name", d);
	cr_expect_str_eq(json_string_value(json_object_get(dom, "description")), "the collector's");
	cr_expect(json_is_true(json_object_get(dom, "active")));
	char rids[32];
	snprintf(rids, sizeof rids, "%ld", rid);
	cr_expect_str_eq(json_string_value(json_object_get(dom, "relayhost_id")), rids);
	cr_expect_eq(json_integer_value(json_object_get(dom, "mailboxes")), 1);
	cr_expect_eq(json_integer_value(json_object_get(dom, "aliases")), 2);
	cr_expect_eq(json_integer_value(json_object_get(dom, "quota_bytes")), 4096LL * 1024 * 1024);
	cr_expect_eq(json_integer_value(json_object_get(dom, "bytes_used")), 0);
	json_t *tags = json_object_get(dom, "tags");
	cr_expect_eq(json_array_size(tags), 2, "tags %s", json_dumps(tags, JSON_COMPACT));
	cr_expect_str_eq(json_string_value(json_array_get(tags, 0)), "realmc");
	cr_expect_str_eq(json_string_value(json_array_get(tags, 1)), "second tag");

	json_t *o = find(json_object_get(mc, "domains"), "name", off);
	cr_expect(json_is_false(json_object_get(o, "active")));
	cr_expect_str_eq(json_string_value(json_object_get(o, "relayhost_id")), "0");
	cr_expect_eq(json_array_size(json_object_get(o, "tags")), 0);

	char *catch_addr = xasprintf("@%s", d), *info = xasprintf("info@%s", d);
	json_t *ca = find(json_object_get(mc, "aliases"), "address", catch_addr);
	cr_expect_str_eq(json_string_value(json_object_get(ca, "goto")), "catch@example.net");
	cr_expect_str_eq(json_string_value(json_object_get(ca, "domain")), d);
	cr_expect(json_is_true(json_object_get(ca, "active")));
	cr_expect(json_is_true(json_object_get(ca, "catch_all")));
	cr_expect(json_integer_value(json_object_get(ca, "id")) > 0);
	json_t *in = find(json_object_get(mc, "aliases"), "address", info);
	cr_expect_str_eq(json_string_value(json_object_get(in, "goto")), "a@example.net,b@example.net");
	cr_expect(json_is_false(json_object_get(in, "active")));
	cr_expect(json_is_false(json_object_get(in, "catch_all")));

	char *mbox = xasprintf("admin@%s", d);
	json_t *mb = json_object_get(mc, "mailboxes");
	char *mbs = json_dumps(mb, JSON_COMPACT);
	cr_expect(strstr(mbs, mbox) && strstr(mbs, "The Admin"), "mailbox %s not in %s", mbox, mbs);
	free(mbs);

	json_t *r = find(json_object_get(mc, "relayhosts"), "hostname", rh);
	cr_expect_eq(json_integer_value(json_object_get(r, "id")), rid);
	cr_expect_str_eq(json_string_value(json_object_get(r, "username")), "relayuser");
	cr_expect(json_is_true(json_object_get(r, "active")));
	char *all = json_dumps(snap, JSON_COMPACT);
	cr_expect(!strstr(all, "secret"), "the relayhost password is not kept");
	free(all);

	/* the dockerapi stand-in's containers, through MailCow's get/status/containers */
	json_t *svc = find(json_object_get(mc, "services"), "service", "postfix-mailcow");
	cr_expect_str_eq(json_string_value(json_object_get(svc, "state")), "running");
	cr_expect_str_eq(json_string_value(json_object_get(svc, "image")), "ghcr.io/mailcow/postfix:2026-07a");
	cr_expect_str_eq(json_string_value(json_object_get(svc, "started_at")), "2026-08-05T10:00:00Z");
	cr_expect_eq(json_array_size(json_object_get(mc, "services")), 14);

	/* MailCow's DKIM key for the domain, as get/dkim gives it */
	json_t *sd = find(json_object_get(snap, "domains"), "name", d);
	json_t *dk = json_object_get(sd, "dkim");
	cr_expect(json_is_true(json_object_get(dk, "present")));
	cr_expect_str_eq(json_string_value(json_object_get(dk, "selector")), "dkim");
	cr_expect_eq(json_integer_value(json_object_get(dk, "bits")), 2048);
	cr_expect_str_eq(json_string_value(json_object_get(dk, "pubkey")), pk);
	cr_expect(json_is_true(json_object_get(sd, "in_mailcow")));

	json_decref(snap);
	site_free(&s);
	free(d), free(off), free(rh), free(pk), free(domains), free(catch_addr), free(info), free(mbox);
}

/* ---- the MailCow-side checks ---- */

Test(realmc, domain_catchall_relay_and_dkim_checks)
{
	int pid = (int)getpid();
	char *good = xasprintf("good-%d.realmc.test", pid), *bad = xasprintf("bad-%d.realmc.test", pid);
	char *off = xasprintf("dark-%d.realmc.test", pid), *gone = xasprintf("gone-%d.realmc.test", pid);
	char *rh = xasprintf("smtp-chk-%d.example.net", pid);
	api_write("add/domain", "{\"domain\":\"%s\",\"active\":1,\"restart_sogo\":0}", good);
	api_write("add/domain", "{\"domain\":\"%s\",\"active\":1,\"restart_sogo\":0}", bad);
	api_write("add/domain", "{\"domain\":\"%s\",\"active\":0,\"restart_sogo\":0}", off);
	api_write("add/alias", "{\"address\":\"@%s\",\"goto\":\"catch@example.net\",\"active\":1,"
		  "\"sender_allowed\":1}", good);
	/* bad's catch-all exists but is inactive */
	api_write("add/alias", "{\"address\":\"@%s\",\"goto\":\"catch@example.net\",\"active\":0}", bad);
	char *rhp = xasprintf("%s:587", rh);
	api_write("add/relayhost", "{\"hostname\":\"%s\",\"username\":\"u\",\"password\":\"p\"}", rhp);
	api_write("edit/domain", "{\"items\":[\"%s\"],\"attr\":{\"relayhost\":\"%ld\"}}", good, relayhost_id(rhp));
	free(rhp);

	/* good publishes MailCow's key, bad another key */
	char *pk = pubkey_of(good), *other = pubkey_of(off);
	struct zone_set z = {.dir = tdir_make("realmc-zones", 0755)};
	char *rr_good = dkim_rr("dkim._domainkey", pk), *rr_bad = dkim_rr("dkim._domainkey", other);
	zone_write(&z, good, rr_good);
	zone_write(&z, bad, rr_bad);
	zone_write(&z, off, "");
	zone_write(&z, gone, "");
	zones_start(&z);

	struct site s;
	char *domains = xasprintf("%s, %s, %s, %s", good, bad, off, gone);
	site_make(&s, "realmc-chk", fx("MCON_TEST_MAILCOW_KEY"), domains, z.server,
		  "[relay]\nname = TestRelay\nmx = mx.example.net\nsmarthost = *.example.net\n");
	json_t *rep = mcon_json(&s, "check", NULL, NULL);

	expect_status(rep, "mailcow.api", fx("MCON_TEST_MAILCOW_URL"), "ok");
	expect_status(rep, "domain.active", good, "ok");
	expect_status(rep, "domain.active", off, "critical");
	expect_status(rep, "domain.active", gone, "critical");
	cr_expect(strstr(summary(rep, "domain.active", gone), "not") != NULL, "%s",
		  summary(rep, "domain.active", gone));

	expect_status(rep, "domain.catchall", good, "ok");
	expect_status(rep, "domain.catchall", bad, "critical");

	expect_status(rep, "relay.outbound", good, "ok");
	cr_expect(strstr(summary(rep, "relay.outbound", good), rh) != NULL, "%s", summary(rep, "relay.outbound", good));
	expect_status(rep, "relay.outbound", bad, "warning");

	expect_status(rep, "dkim.mailcow", good, "ok");
	expect_status(rep, "dkim.mailcow", bad, "critical");

	json_decref(rep);
	site_free(&s);
	zones_stop(&z);
	tdir_remove(z.dir);
	free(z.dir);
	free(good), free(bad), free(off), free(gone), free(rh), free(pk), free(other), free(rr_good), free(rr_bad);
	free(domains);
}

/* postqueue -j lines for n deferred and one active message */
static void mailq_write(int deferred)
{
	struct buf b = {0};
	for (int i = 0; i < deferred; i++)
		buf_printf(&b, "{\"queue_name\":\"deferred\",\"queue_id\":\"4cXy2k0LZ4z%04d\","
			   "\"arrival_time\":1796390000,\"message_size\":1000,\"forced_expire\":false,"
			   "\"sender\":\"a@example.org\",\"recipients\":[{\"address\":\"b@example.net\","
			   "\"delay_reason\":\"connect to mx.example.net[203.0.113.5]:25: Connection timed out\"}]}\n",
			   i);
	buf_puts(&b, "{\"queue_name\":\"active\",\"queue_id\":\"4cXy2k0LZ4zAAAA\",\"arrival_time\":1796390000,"
		     "\"message_size\":1000,\"forced_expire\":false,\"sender\":\"a@example.org\",\"recipients\":"
		     "[{\"address\":\"c@example.net\"}]}\n");
	const char *path = fx("MCON_TEST_MAILCOW_MAILQ");
	cr_assert_eq(file_write_atomic(path, buf_cstr(&b), strlen(buf_cstr(&b)), 0644), 0, "%s", path);
	buf_free(&b);
}

/* The only test that touches the fixture's mail queue. */
Test(realmc, queue_deferred_follows_the_real_mailq)
{
	struct site s;
	site_make(&s, "realmc-q", fx("MCON_TEST_MAILCOW_KEY"), "nothing.invalid", NULL, NULL);
	static const struct {
		int deferred;
		const char *status;
	} steps[] = {{0, "ok"}, {9, "ok"}, {10, "warning"}, {30, "critical"}};
	for (size_t i = 0; i < sizeof steps / sizeof *steps; i++) {
		mailq_write(steps[i].deferred);
		json_t *snap = mcon_json(&s, "snapshot", NULL, NULL);
		json_t *q = json_object_get(json_object_get(snap, "mailcow"), "queue");
		cr_expect_eq(json_integer_value(json_object_get(q, "deferred")), steps[i].deferred);
		cr_expect_eq(json_integer_value(json_object_get(q, "active")), 1);
		cr_expect_eq(json_integer_value(json_object_get(q, "total")), steps[i].deferred + 1);
		json_decref(snap);
		json_t *rep = mcon_json(&s, "check", NULL, NULL);
		expect_status(rep, "queue.deferred", "postfix", steps[i].status);
		json_decref(rep);
	}
	mailq_write(0);
	site_free(&s);
}

Test(realmc, mailcow_api_key_problems)
{
	static const struct {
		const char *env, *status, *says;
	} keys[] = {
		{NULL, "critical", "rejects the API key"},
		{"MCON_TEST_MAILCOW_KEY_RO", "ok", "2026-07a"},
		{"MCON_TEST_MAILCOW_KEY_FAR", "critical", "127.0.0.1"},
	};
	for (size_t i = 0; i < sizeof keys / sizeof *keys; i++) {
		struct site s;
		site_make(&s, "realmc-key", keys[i].env ? fx(keys[i].env) : "0123456789ABCDEF0123456789ABCD",
			  "nothing.invalid", NULL, NULL);
		json_t *rep = mcon_json(&s, "check", NULL, NULL);
		const char *url = fx("MCON_TEST_MAILCOW_URL");
		expect_status(rep, "mailcow.api", url, keys[i].status);
		cr_expect(strstr(summary(rep, "mailcow.api", url), keys[i].says) != NULL, "%s: %s",
			  keys[i].env ? keys[i].env : "wrong key", summary(rep, "mailcow.api", url));
		json_decref(rep);
		site_free(&s);
	}
}

/* ---- onboarding against the real API ---- */

/* Domain names of the onboarding tests: one per build tree (the fixture's certificate names their
 * mta-sts hosts), so each tree onboards its own domain in the shared fixture. */
static char *tree_domain(const char *prefix)
{
	const char *b = getenv("MCON_BUILD"), *base = b ? strrchr(b, '/') : NULL;
	base = base ? base + 1 : b && *b ? b : "build";
	return xasprintf("%s-%s.realmc.test", prefix, base);
}

#define RELAY_CONF "[relay]\nname = TestRelay\nmx = *.relay.realmc.test\nspf_include = relay.realmc.test\n" \
		   "[dkim]\nselectors = mailcow, relay\nmailcow_selector = mailcow\n"

/* The zone an admin publishes for d once MailCow holds its key (the relay's DKIM key is MailCow's too). */
static void publish(struct zone_set *z, const char *d)
{
	char *pk = pubkey_of(d);
	char *mc = dkim_rr("mailcow._domainkey", pk), *relay = dkim_rr("relay._domainkey", pk);
	char *recs = xasprintf("@ MX 10 mx1.relay.realmc.test.\n@ TXT \"v=spf1 include:relay.realmc.test -all\"\n%s%s"
			       "_dmarc TXT \"v=DMARC1; p=quarantine; rua=mailto:postmaster@%s\"\n"
			       "_mta-sts TXT \"v=STSv1; id=20261204000000\"\nmta-sts A %s\n"
			       "_smtp._tls TXT \"v=TLSRPTv1; rua=mailto:postmaster@%s\"\n",
			       mc, relay, d, fx("MCON_TEST_MAILCOW_ADDR"), d);
	zone_write(z, d, recs);
	free(pk), free(mc), free(relay), free(recs);
}

static void relay_zone(struct zone_set *z)
{
	zone_write(z, "relay.realmc.test", "@ TXT \"v=spf1 ip4:192.0.2.0/24 -all\"\nmx1 A 192.0.2.25\n");
}

/* The MTA-STS policy MailCow's mta-sts.php serves for d over TLS (the fixture's certificate), or "". */
static char *policy_of(const char *d)
{
	CURL *c = curl_easy_init();
	struct buf b = {0};
	char *url = xasprintf("https://mta-sts.%s/.well-known/mta-sts.txt", d);
	char *res = xasprintf("mta-sts.%s:443:%s", d, fx("MCON_TEST_MAILCOW_ADDR"));
	struct curl_slist *r = curl_slist_append(NULL, res);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_RESOLVE, r);
	curl_easy_setopt(c, CURLOPT_CAINFO, fx("MCON_TEST_MAILCOW_CA"));
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
	CURLcode rc = curl_easy_perform(c);
	cr_assert_eq(rc, CURLE_OK, "%s: %s", url, curl_easy_strerror(rc));
	curl_slist_free_all(r);
	curl_easy_cleanup(c);
	free(url), free(res);
	char *out = buf_steal(&b);
	return out ? out : xstrdup("");
}

/* POSTs MailCow's API log holds whose data names d (MailCow logs every call in Redis). */
static int posts_about(const char *d)
{
	json_t *log = api_get("get/logs/api/100000"), *e;
	size_t i;
	int n = 0;
	json_array_foreach(log, i, e) {
		const char *m = json_string_value(json_object_get(e, "method"));
		const char *data = json_string_value(json_object_get(e, "data"));
		n += m && !strcmp(m, "POST") && data && strstr(data, d);
	}
	json_decref(log);
	return n;
}

static void onboard(struct site *s, const char *key, const char *const *args, struct trun *r)
{
	const char *argv[16] = {trun_bin(), "--config", s->conf, "onboard"};
	size_t n = 4;
	for (size_t i = 0; args[i] && n < 15; i++)
		argv[n++] = args[i];
	argv[n] = NULL;
	char *k = xasprintf("MCON_API_KEY=%s", key);
	const char *env[] = {k, NULL};
	struct trun_opts o = {.env = env};
	trun(r, &o, argv);
	free(k);
}

static bool domain_exists(const char *d)
{
	char *path = xasprintf("get/domain/%s", d);
	json_t *j = api_get(path);
	bool yes = json_object_get(j, "domain_name") != NULL;
	json_decref(j);
	free(path);
	return yes;
}

Test(realmc, onboarding_from_nothing_to_enforce)
{
	char *d = tree_domain("onb");
	cr_assert(!domain_exists(d), "%s is already in the fixture: run against a fresh one (tests/run)", d);
	struct zone_set z = {.dir = tdir_make("realmc-onb", 0755)};
	relay_zone(&z);
	zone_write(&z, d, "");
	zones_start(&z);
	struct site s;
	site_make(&s, "realmc-onb", fx("MCON_TEST_MAILCOW_KEY"), d, z.server, RELAY_CONF);
	struct trun r;

	/* a read-only key stops at preflight, before any write */
	onboard(&s, fx("MCON_TEST_MAILCOW_KEY_RO"), (const char *const[]){d, "--apply", "--yes", "--catchall-to",
		"admin@example.net", "--mx", "mx1.relay.realmc.test", NULL}, &r);
	cr_expect_eq(r.code, 2, "%s\n%s", r.out, r.err);
	cr_expect(strstr(r.err, "read-only") || strstr(r.out, "read-only"), "%s\n%s", r.out, r.err);
	trun_free(&r);
	cr_assert(!domain_exists(d), "a read-only key created %s", d);
	cr_assert_eq(posts_about(d), 0);

	/* every MailCow step; verification lists the DNS still missing */
	onboard(&s, fx("MCON_TEST_MAILCOW_KEY"), (const char *const[]){d, "--apply", "--yes", "--catchall-to",
		"admin@example.net", "--mx", "mx1.relay.realmc.test", NULL}, &r);
	cr_assert_eq(r.code, 1, "%s\n%s", r.out, r.err);
	cr_expect(strstr(r.out, "still missing or wrong:"), "%s", r.out);
	trun_free(&r);
	char *path = xasprintf("get/domain/%s", d);
	json_t *j = api_get(path);
	cr_expect_eq(json_integer_value(json_object_get(j, "active")), 1);
	json_decref(j);
	free(path);
	path = xasprintf("get/alias/all/%s", d);
	j = api_get(path);
	cr_assert_eq(json_array_size(j), 1, "%s", path);
	json_t *a = json_array_get(j, 0);
	cr_expect_eq(json_integer_value(json_object_get(a, "is_catch_all")), 1);
	cr_expect_str_eq(json_string_value(json_object_get(a, "goto")), "admin@example.net");
	cr_expect_eq(json_integer_value(json_object_get(a, "sender_allowed")), 1, "as MailCow's UI creates it");
	json_decref(j);
	free(path);
	path = xasprintf("get/dkim/%s", d);
	j = api_get(path);
	cr_expect_str_eq(json_string_value(json_object_get(j, "dkim_selector")), "mailcow");
	cr_expect_str_eq(json_string_value(json_object_get(j, "length")), "2048");
	json_decref(j);
	free(path);
	char *p = policy_of(d);
	cr_expect(strstr(p, "mode: testing") && strstr(p, "mx: *.relay.realmc.test"), "%s", p);
	free(p);

	/* the admin publishes the records: the rerun verifies and switches MTA-STS to enforce */
	publish(&z, d);
	zones_stop(&z);
	zones_start(&z);
	site_free(&s);
	site_make(&s, "realmc-onb", fx("MCON_TEST_MAILCOW_KEY"), d, z.server, RELAY_CONF);
	/* the state database went with the old directory: the rerun adopts what MailCow holds */
	onboard(&s, fx("MCON_TEST_MAILCOW_KEY"), (const char *const[]){d, "--apply", "--yes", "--catchall-to",
		"admin@example.net", "--mx", "mx1.relay.realmc.test", NULL}, &r);
	cr_assert_eq(r.code, 0, "%s\n%s", r.out, r.err);
	cr_expect(strstr(r.out, "; onboarded"), "%s", r.out);
	trun_free(&r);
	p = policy_of(d);
	cr_expect(strstr(p, "mode: enforce"), "%s", p);
	free(p);

	/* once more: nothing is written */
	int before = posts_about(d);
	onboard(&s, fx("MCON_TEST_MAILCOW_KEY"), (const char *const[]){d, "--apply", "--yes", NULL}, &r);
	cr_expect_eq(r.code, 0, "%s\n%s", r.out, r.err);
	trun_free(&r);
	cr_expect_eq(posts_about(d), before, "a rerun wrote to MailCow");

	site_free(&s);
	zones_stop(&z);
	tdir_remove(z.dir);
	free(z.dir);
	free(d);
}

Test(realmc, onboarding_adopts_a_domain_with_a_policy)
{
	char *d = tree_domain("adopt");
	cr_assert(!domain_exists(d), "%s is already in the fixture: run against a fresh one (tests/run)", d);
	api_write("add/domain", "{\"domain\":\"%s\",\"active\":1,\"restart_sogo\":0,\"dkim_selector\":\"mailcow\","
		  "\"key_size\":2048}", d);
	api_write("add/alias", "{\"address\":\"@%s\",\"goto\":\"admin@example.net\",\"active\":1,"
		  "\"sender_allowed\":1}", d);
	api_write("add/mta-sts", "{\"domain\":\"%s\",\"version\":\"stsv1\",\"mode\":\"testing\",\"max_age\":86400,"
		  "\"mx\":\"mx9.elsewhere.test\",\"active\":1}", d);
	struct zone_set z = {.dir = tdir_make("realmc-adopt", 0755)};
	relay_zone(&z);
	publish(&z, d);
	zones_start(&z);
	struct site s;
	site_make(&s, "realmc-adopt", fx("MCON_TEST_MAILCOW_KEY"), d, z.server, RELAY_CONF);
	int before = posts_about(d);
	struct trun r;
	onboard(&s, fx("MCON_TEST_MAILCOW_KEY"), (const char *const[]){d, "--apply", "--yes", "--mx",
		"mx1.relay.realmc.test", NULL}, &r);
	cr_assert_eq(r.code, 0, "%s\n%s", r.out, r.err);
	cr_expect(strstr(r.out, "; onboarded"), "%s", r.out);
	trun_free(&r);
	/* adopted: no add/domain, add/alias or add/dkim of its own (the two adds are the test's); the policy
	 * edited (its mx, then enforce) */
	json_t *log = api_get("get/logs/api/100000"), *e;
	size_t i;
	int adds = 0;
	json_array_foreach(log, i, e) {
		const char *u = json_string_value(json_object_get(e, "uri"));
		const char *data = json_string_value(json_object_get(e, "data"));
		adds += u && data && strstr(data, d) && (strstr(u, "add/domain") || strstr(u, "add/alias") ||
							 strstr(u, "add/dkim"));
	}
	json_decref(log);
	cr_expect_eq(adds, 2, "only the test's own add/domain and add/alias");
	cr_expect(posts_about(d) > before);
	char *p = policy_of(d);
	cr_expect(strstr(p, "mode: enforce") && strstr(p, "mx: *.relay.realmc.test"), "%s", p);
	free(p);
	site_free(&s);
	zones_stop(&z);
	tdir_remove(z.dir);
	free(z.dir);
	free(d);
}
