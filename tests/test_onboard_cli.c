/* test_onboard_cli: `mcon onboard` as a process: usage errors, configuration errors, the
 * plan without a reachable MailCow, and a failed preflight recorded in the database. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/util.h"
#include "db/onboard.h"

struct run {
	int code;
	char *out, *err;
};

static char *tmpdir(const char *name)
{
	const char *base = getenv("MCON_TEST_TMP");
	cr_assert_not_null(base, "MCON_TEST_TMP is not set: run through tests/run");
	char *d = xasprintf("%s/onboard-cli-%s-%d", base, name, getpid());
	cr_assert_eq(mkdir_p(d, 0700), 0);
	return d;
}

/* Runs mcon with the arguments (a shell word list) in dir, stdin from /dev/null or text. */
static struct run mcon(const char *dir, const char *args, const char *input)
{
	const char *bin = getenv("MCON_BIN");
	cr_assert_not_null(bin, "MCON_BIN is not set: run through tests/run");
	char *in = xasprintf("%s/stdin", dir);
	file_write_atomic(in, input ? input : "", input ? strlen(input) : 0, 0600);
	char *cmd = xasprintf("cd '%s' && '%s' --config '%s/mcon.conf' --db '%s/state.db' %s <'%s' >'%s/out' 2>'%s/err'",
	                      dir, bin, dir, dir, args, in, dir, dir);
	int st = system(cmd);
	free(cmd);
	free(in);
	struct run r = {.code = WIFEXITED(st) ? WEXITSTATUS(st) : 128};
	char *p = xasprintf("%s/out", dir);
	r.out = file_read(p, 1 << 20, NULL);
	free(p);
	p = xasprintf("%s/err", dir);
	r.err = file_read(p, 1 << 20, NULL);
	free(p);
	if (!r.out)
		r.out = xstrdup("");
	if (!r.err)
		r.err = xstrdup("");
	return r;
}

static void run_free(struct run *r)
{
	free(r->out);
	free(r->err);
}

/* A MailCow that does not answer (port 9 on loopback: nothing listens there). */
static void write_conf(const char *dir, bool with_key)
{
	char *key = xasprintf("%s/api.key", dir);
	file_write_atomic(key, "AAAAAA-BBBBBB-CCCCCC-DDDDDD-EEEEEE\n", 35, 0600);
	char *conf = xasprintf("[mailcow]\nurl = https://127.0.0.1:9\n%s%s\ntimeout_ms = 500\n"
	                       "[relay]\nname = MXRoute\nmx = *.mxrouting.net\nspf_include = mxroute.com\n"
	                       "[dkim]\nselectors = mailcow, mxroute\nmailcow_selector = mailcow\n",
	                       with_key ? "api_key_file = " : "", with_key ? key : "");
	char *p = xasprintf("%s/mcon.conf", dir);
	file_write_atomic(p, conf, strlen(conf), 0600);
	free(p);
	free(conf);
	free(key);
}

Test(onboard_cli, usage_errors_exit_2_with_one_line)
{
	char *d = tmpdir("usage");
	write_conf(d, true);
	static const struct {
		const char *args, *msg;
	} cases[] = {
		{"onboard", "which domain"},
		{"onboard 'bad_name.com' --plan", "not a valid domain name"},
		{"onboard com --plan", "at least two labels"},
		{"onboard example.org --plan --apply", "exclude each other"},
		{"onboard example.org --apply --wait soon", "not a duration"},
		{"onboard example.org --yes", "go with --apply"},
		{"onboard example.org --frobnicate", "unknown option"},
		{"onboard example.org other.org", "one domain"},
		{"onboard example.org --mx 'bad host'", "--mx"},
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct run r = mcon(d, cases[i].args, NULL);
		cr_expect_eq(r.code, 2, "%s: exit %d", cases[i].args, r.code);
		cr_expect(strstr(r.err, cases[i].msg), "%s: stderr %s", cases[i].args, r.err);
		cr_expect(str_starts_with(r.err, "mcon: "), "%s", r.err);
		cr_expect_eq(strchr(r.err, '\n') - r.err + 1, (long)strlen(r.err), "one line: %s", r.err);
		run_free(&r);
	}
	free(d);
}

Test(onboard_cli, no_api_key_is_a_configuration_error)
{
	char *d = tmpdir("nokey");
	write_conf(d, false);
	struct run r = mcon(d, "onboard example.org --plan", NULL);
	cr_assert_eq(r.code, 2);
	cr_assert(strstr(r.err, "mailcow.api_key_file"), "%s", r.err);
	run_free(&r);
	free(d);
}

Test(onboard_cli, plan_without_mailcow_writes_nothing)
{
	char *d = tmpdir("plan");
	write_conf(d, true);
	setenv("MCON_NOW", "2026-11-30T01:00:00Z", 1);
	struct run r = mcon(d, "onboard 'Bücher.example' --plan --mx mx1.mxrouting.net", NULL);
	cr_assert_eq(r.code, 0, "%s", r.err);
	cr_assert(strstr(r.out, "Onboarding xn--bcher-kva.example (bücher.example): 9 steps"), "%s", r.out);
	cr_assert(strstr(r.out, "MailCow could not be read"), "%s", r.out);
	cr_assert(strstr(r.out, "    xn--bcher-kva.example. 3600 IN MX 10 mx1.mxrouting.net.\n"), "%s", r.out);
	cr_assert(strstr(r.out, "    _mta-sts.xn--bcher-kva.example. 3600 IN TXT \"v=STSv1; id=20261130010000\"\n"), "%s", r.out);
	cr_assert(strstr(r.out, "    mta-sts.xn--bcher-kva.example. 3600 IN A 127.0.0.1\n"), "%s", r.out);
	char *db = xasprintf("%s/state.db", d);
	cr_assert_neq(access(db, F_OK), 0, "--plan created the database");
	free(db);
	run_free(&r);
	free(d);
}

Test(onboard_cli, apply_records_a_failed_preflight)
{
	char *d = tmpdir("apply");
	write_conf(d, true);
	setenv("SUDO_USER", "alice", 1);
	setenv("SSH_CONNECTION", "192.0.2.7 50000 192.0.2.1 22", 1);
	struct run r = mcon(d, "onboard example.org --apply --yes --catchall-to admin@example.org", NULL);
	cr_assert_eq(r.code, 1, "%s", r.err);
	cr_assert(strstr(r.err, "stopped at step a (Preflight)"), "%s", r.err);
	cr_assert(strstr(r.out, "reaching the MailCow API failed"), "%s", r.out);
	run_free(&r);

	char *path = xasprintf("%s/state.db", d);
	struct db_error derr;
	struct db *db = db_open(path, 0, &derr);
	cr_assert_not_null(db, "%s", derr.msg);
	struct onboard_outcome *v = NULL;
	size_t n = 0;
	cr_assert_eq(db_onboard_load(db, "example.org", &v, &n), DB_OK);
	cr_assert_eq(n, 1);
	cr_assert_str_eq(v[0].step, "preflight");
	cr_assert_eq(v[0].state, OB_FAILED);
	cr_assert_str_eq(v[0].who, "alice from 192.0.2.7");
	cr_assert(strstr(v[0].detail, "reaching the MailCow API failed"));
	db_onboard_outcomes_free(v, n);
	db_close(db);
	free(path);
	free(d);
}
