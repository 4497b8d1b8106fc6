/* mailcow.pin end to end: `mcon check --only mailcow.api` against the simulator with the pin
 * of the API certificate's public key (computed here with the openssl CLI from the
 * certificate the simulator serves) and no CA passes; a wrong pin fails, with or without a
 * CA that trusts the chain, with a message naming mailcow.pin and the pin; no pin and no CA
 * fails on the untrusted certificate (so it is the pin that lets the first run through). */
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "tests/support/simproc.h"
#include "tests/support/trun.h"

#define CONF_MAX (1u << 20)

/* The sha256// pin of the public key in a PEM certificate read from stdin of cmd's tail. */
#define PIN_PIPE "openssl x509 -pubkey -noout | openssl pkey -pubin -outform der | " \
	"openssl dgst -sha256 -binary | openssl base64 -A"

struct pin_env {
	struct simproc *sp;
	char *dir;
	char *good;     /* sha256//... of the API certificate's key */
	char *other;    /* sha256//... of the simulator's CA key: well formed, not the server's */
};

static char *pin_from(struct simproc *sp, const char *cmd)
{
	int st;
	char *out = simproc_sh(sp, &st, "%s", cmd);
	cr_assert_eq(st, 0, "pin command failed: %s", out);
	char *b64 = str_trim(out);
	/* a SHA-256 digest in base64: 43 characters and one '=' */
	cr_assert_eq(strlen(b64), 44, "not a SHA-256 in base64: \"%s\"", b64);
	cr_assert_eq(b64[43], '=', "not a SHA-256 in base64: \"%s\"", b64);
	char *pin = xasprintf("sha256//%s", b64);
	free(out);
	return pin;
}

static void env_start(struct pin_env *e)
{
	memset(e, 0, sizeof(*e));
	e->sp = simproc_start(NULL, NULL);
	cr_assert(e->sp, "mcon-sim did not start (see stderr)");
	e->dir = tdir_make("pin", 0700);
	cr_assert(e->dir);
	const char *hostport = e->sp->mailcow_url + strlen("https://");
	char *cmd = xasprintf("openssl s_client -connect %s </dev/null 2>/dev/null | " PIN_PIPE, hostport);
	e->good = pin_from(e->sp, cmd);
	free(cmd);
	e->other = pin_from(e->sp, "openssl x509 -in \"$SIM_DIR/ca.pem\" -pubkey -noout | "
			   "openssl pkey -pubin -outform der | openssl dgst -sha256 -binary | openssl base64 -A");
	cr_assert_str_neq(e->good, e->other, "the server's key and the CA's key have the same pin");
}

static void env_stop(struct pin_env *e)
{
	cr_expect_eq(simproc_stop(e->sp), 0, "mcon-sim did not stop cleanly");
	tdir_remove(e->dir);
	free(e->dir);
	free(e->good);
	free(e->other);
}

/* The simulator's mcon.conf with [mailcow]'s ca_file dropped (keep_ca false) and pin set
 * (when not NULL), written as name in the test's directory; returns its path (caller frees). */
static char *conf_write(struct pin_env *e, const char *name, bool keep_ca, const char *pin)
{
	char *text = file_read(e->sp->conf, CONF_MAX, NULL);
	cr_assert(text, "cannot read %s", e->sp->conf);
	struct buf b = {0};
	bool in_mailcow = false;
	for (char *line = text, *next; line && *line; line = next) {
		char *nl = strchr(line, '\n');
		next = nl ? nl + 1 : NULL;
		size_t len = nl ? (size_t)(nl - line) : strlen(line);
		if (line[0] == '[')
			in_mailcow = strncmp(line, "[mailcow]", 9) == 0;
		if (in_mailcow && !keep_ca && strncmp(line, "ca_file", 7) == 0)
			continue;
		buf_append(&b, line, len);
		buf_putc(&b, '\n');
		if (in_mailcow && line[0] == '[' && pin)
			buf_printf(&b, "pin = %s\n", pin);
	}
	free(text);
	char *path = xasprintf("%s/%s", e->dir, name);
	const char *s = buf_cstr(&b);
	cr_assert(strstr(s, "[mailcow]"), "the simulator's mcon.conf has no [mailcow] section");
	cr_assert_eq(file_write_atomic(path, s, strlen(s), 0600), 0, "cannot write %s", path);
	buf_free(&b);
	return path;
}

struct api_result {
	int code;
	char *status, *summary;
};

/* `mcon --config conf check --only mailcow.api --json`: the exit code and the one result. */
static void check_api(const char *conf, struct api_result *out)
{
	const char *argv[] = {trun_bin(), "--config", conf, "check", "--only", "mailcow.api", "--json", NULL};
	struct trun r;
	trun(&r, NULL, argv);
	json_error_t je;
	json_t *j = json_loads(r.out ? r.out : "", 0, &je);
	cr_assert(j, "check --json: %s: %.300s (stderr %.300s)", je.text, r.out, r.err);
	json_t *results = json_object_get(j, "results");
	cr_assert_eq(json_array_size(results), 1, "expected one result: %.300s", r.out);
	json_t *x = json_array_get(results, 0);
	cr_assert_str_eq(json_string_value(json_object_get(x, "check")), "mailcow.api");
	out->code = r.code;
	out->status = xstrdup(json_string_value(json_object_get(x, "status")));
	out->summary = xstrdup(json_string_value(json_object_get(x, "summary")));
	json_decref(j);
	trun_free(&r);
}

static void api_result_free(struct api_result *r)
{
	free(r->status);
	free(r->summary);
}

Test(mailcow_pin, right_pin_without_a_ca_passes)
{
	struct pin_env e;
	env_start(&e);
	char *conf = conf_write(&e, "good.conf", false, e.good);
	struct api_result r;
	check_api(conf, &r);
	cr_expect_str_eq(r.status, "ok", "summary: %s", r.summary);
	cr_expect_eq(r.code, 0, "exit %d: %s", r.code, r.summary);
	cr_expect(strstr(r.summary, "answers at"), "summary: %s", r.summary);
	api_result_free(&r);
	free(conf);
	env_stop(&e);
}

Test(mailcow_pin, no_pin_and_no_ca_is_not_trusted)
{
	struct pin_env e;
	env_start(&e);
	char *conf = conf_write(&e, "none.conf", false, NULL);
	struct api_result r;
	check_api(conf, &r);
	cr_expect_str_eq(r.status, "unknown", "summary: %s", r.summary);
	cr_expect_eq(r.code, 3, "exit %d: %s", r.code, r.summary);
	cr_expect(strstr(r.summary, "TLS certificate not trusted"), "summary: %s", r.summary);
	api_result_free(&r);
	free(conf);
	env_stop(&e);
}

static void expect_wrong_pin(struct pin_env *e, const char *name, bool keep_ca)
{
	char *conf = conf_write(e, name, keep_ca, e->other);
	struct api_result r;
	check_api(conf, &r);
	cr_expect_str_eq(r.status, "unknown", "%s: summary: %s", name, r.summary);
	cr_expect_eq(r.code, 3, "%s: exit %d: %s", name, r.code, r.summary);
	cr_expect(strstr(r.summary, "does not match mailcow.pin"), "%s: summary: %s", name, r.summary);
	cr_expect(strstr(r.summary, e->other), "%s: the pin is not named: %s", name, r.summary);
	cr_expect(!strstr(r.summary, "not trusted"), "%s: blamed on the CA: %s", name, r.summary);
	api_result_free(&r);
	free(conf);
}

Test(mailcow_pin, wrong_pin_fails_naming_the_pin)
{
	struct pin_env e;
	env_start(&e);
	expect_wrong_pin(&e, "wrong.conf", false);
	/* a CA that trusts the chain does not override the pin */
	expect_wrong_pin(&e, "wrong-ca.conf", true);
	env_stop(&e);
}
