/* Error texts never carry response bytes: a relayhost answer cut off inside a relay
 * password (the simulator's `cut` fault) is reported by line and column, and the password
 * appears nowhere: not in `mcon check` (Nagios, --json, --prom), not in what `mcon record`
 * stores (the history and the database file), not in `mcon snapshot --json`. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "tests/support/simproc.h"
#include "tests/support/trun.h"

/* The demo scenario's relay password (assets/demo-scenario.json), written out here. */
#define PASSWORD "Wq7-sim-relay-secret-3kP"
/* The part of it the cut answer holds: the first 9 characters. */
#define PREFIX "Wq7-sim-r"

static char *run(struct simproc *sp, const char *db, const char *a1, const char *a2, const char *a3)
{
	const char *argv[9] = {trun_bin(), "--config", sp->conf, "--db", db, a1, a2, a3, NULL};
	struct trun r;
	trun(&r, NULL, argv);
	char *out = xasprintf("%s\n%s", r.out ? r.out : "", r.err ? r.err : "");
	trun_free(&r);
	return out;
}

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	*len = 0;
	if (!f)
		return NULL;
	struct buf b = {0};
	char chunk[4096];
	size_t n;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		buf_append(&b, chunk, n);
	fclose(f);
	*len = b.len;
	return buf_steal(&b);
}

static void assert_no_secret(const char *what, const char *text, size_t len)
{
	cr_assert(text, "%s: nothing to read", what);
	cr_expect_null(memmem(text, len, PREFIX, strlen(PREFIX)), "%s holds the relay password: %.2000s", what, text);
}

Test(secret_errors, cut_relayhost_answer_leaks_nothing)
{
	struct simproc *sp = simproc_start(NULL, NULL);
	cr_assert(sp, "mcon-sim did not start");
	int st = 0;
	char *body = simproc_sh(sp, &st, "curl -sk -H \"X-API-Key: $SIM_KEY\" \"$SIM_API/get/relayhost/all\"");
	const char *at = strstr(body, PASSWORD);
	cr_assert(at, "the simulator's relayhost answer has no password: %s", body);
	long cut = (long)(at - body) + (long)strlen(PREFIX);
	free(body);
	cr_assert(simproc_ctl_ok(sp, "fault mailcow cut %ld match=/api/v1/get/relayhost", cut));

	char *dir = simproc_tmpdir("secret-errors");
	char *db = xasprintf("%s/state.db", dir);
	char *prom = xasprintf("%s/mcon.prom", dir);

	char *out = run(sp, db, "snapshot", "--json", NULL);
	cr_expect(strstr(out, "malformed JSON in the response: the text ends early"),
		  "the cut answer is not reported as such: %.3000s", out);
	cr_expect(strstr(out, "cut off (line "), "no line and column: %.3000s", out);
	assert_no_secret("snapshot --json", out, strlen(out));
	free(out);

	out = run(sp, db, "check", NULL, NULL);
	assert_no_secret("check", out, strlen(out));
	free(out);
	out = run(sp, db, "check", "--json", NULL);
	cr_expect(strstr(out, "relay"), "check --json names nothing about the relay: %.2000s", out);
	assert_no_secret("check --json", out, strlen(out));
	free(out);
	out = run(sp, db, "check", "--prom", prom);
	assert_no_secret("check --prom (output)", out, strlen(out));
	free(out);
	size_t len;
	char *text = slurp(prom, &len);
	assert_no_secret("the Prometheus file", text, len);
	free(text);

	out = run(sp, db, "record", NULL, NULL);
	assert_no_secret("record", out, strlen(out));
	free(out);
	out = run(sp, db, "history", "--json", NULL);
	assert_no_secret("history --json", out, strlen(out));
	free(out);
	const char *suffix[] = {"", "-wal"};
	for (size_t i = 0; i < 2; i++) {
		char *p = xasprintf("%s%s", db, suffix[i]);
		text = slurp(p, &len);
		if (text || i == 0)
			assert_no_secret(p, text, len);
		free(text);
		free(p);
	}
	free(db);
	free(prom);
	free(dir);
	cr_expect_eq(simproc_stop(sp), 0);
}
