/* cmd_onboard: `mcon onboard DOMAIN [--plan] [--apply] [--yes] [--wait DURATION]
 * [--catchall-to ADDRESS] [--mx HOST]... [--restart-sogo]`, the walkthrough headless. The engine is
 * core/onboard.c; this file wires it to the terminal, the database and the live backend. */
#include "cli/cli.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/onboard.h"
#include "core/onboard_live.h"
#include "core/onboard_verify.h"
#include "db/onboard.h"

static volatile sig_atomic_t interrupted;

static void on_sigint(int sig)
{
	(void)sig;
	interrupted = 1;
}

struct term {
	bool yes;
	struct db *db;
	const char *domain_ascii;
	bool save_failed;
};

static void t_say(void *ud, const char *line)
{
	(void)ud;
	printf("%s\n", line);
	fflush(stdout);
}

static char *read_answer(void)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t n = getline(&line, &cap, stdin);
	if (n < 0) {
		free(line);
		return NULL;
	}
	line[strcspn(line, "\r\n")] = '\0';
	return line;
}

static bool t_confirm(void *ud, const char *q)
{
	struct term *t = ud;
	if (t->yes)
		return true;
	fprintf(stderr, "%s? [y/N] ", q);
	fflush(stderr);
	char *a = read_answer();
	bool yes = a && (strcasecmp(str_trim(a), "y") == 0 || strcasecmp(str_trim(a), "yes") == 0);
	if (!a)
		fputc('\n', stderr);
	free(a);
	return yes;
}

static char *t_ask(void *ud, const char *q)
{
	(void)ud;
	fprintf(stderr, "%s: ", q);
	fflush(stderr);
	return read_answer();
}

static void t_save(void *ud, const struct onboard_outcome *o)
{
	struct term *t = ud;
	if (t->db && db_onboard_save(t->db, o) != DB_OK) {
		fprintf(stderr, "mcon: %s\n", db_errmsg(t->db));
		t->save_failed = true;
	}
}

static void t_remember(void *ud, const char *target)
{
	struct term *t = ud;
	if (t->db && t->domain_ascii && db_onboard_set_catchall(t->db, t->domain_ascii, target, mcon_now()) != DB_OK) {
		fprintf(stderr, "mcon: %s\n", db_errmsg(t->db));
		t->save_failed = true;
	}
}

/* Sleeps in small slices so Ctrl-C stops the waiting (and the step is recorded pending). */
static bool t_wait(void *ud, long ms)
{
	(void)ud;
	while (ms > 0 && !interrupted) {
		long slice = ms < 200 ? ms : 200;
		struct timespec ts = {0, slice * 1000000L};
		nanosleep(&ts, NULL);
		ms -= slice;
	}
	return !interrupted;
}

static int usage_error(const char *msg)
{
	return cli_error(EXIT_USAGE, "%s (see mcon onboard --help)", msg);
}

int cmd_onboard(struct cli_ctx *ctx, int argc, char **argv)
{
	bool plan = false, apply = false, yes = false, restart_sogo = false;
	const char *domain_arg = NULL, *catchall = NULL;
	char *stored_catchall = NULL;
	long wait_s = 0;
	struct strv mx = {0};
	int rc = EXIT_FAIL;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (strcmp(a, "--plan") == 0) {
			plan = true;
		} else if (strcmp(a, "--apply") == 0) {
			apply = true;
		} else if (strcmp(a, "--yes") == 0 || strcmp(a, "-y") == 0) {
			yes = true;
		} else if (strcmp(a, "--restart-sogo") == 0) {
			restart_sogo = true;
		} else if (strcmp(a, "--wait") == 0 || strcmp(a, "--catchall-to") == 0 || strcmp(a, "--mx") == 0) {
			if (i + 1 >= argc) {
				strv_free(&mx);
				return cli_error(EXIT_USAGE, "%s needs a value", a);
			}
			const char *v = argv[++i];
			if (a[2] == 'w') {
				wait_s = duration_parse(v);
				if (wait_s < 0) {
					strv_free(&mx);
					return cli_error(EXIT_USAGE,
							 "--wait '%s' is not a duration (like 30s, 15m, 2h)", v);
				}
			} else if (a[2] == 'c') {
				catchall = v;
			} else {
				char *h = NULL, *err = NULL;
				if (onboard_domain_normalize(v, &h, &err) < 0) {
					cli_error(EXIT_USAGE, "--mx: %s", err);
					free(err);
					strv_free(&mx);
					return EXIT_USAGE;
				}
				strv_push_owned(&mx, h);
			}
		} else if (a[0] == '-' && a[1]) {
			strv_free(&mx);
			return cli_error(EXIT_USAGE, "unknown option '%s' (see mcon onboard --help)", a);
		} else if (!domain_arg) {
			domain_arg = a;
		} else {
			strv_free(&mx);
			return usage_error("onboard takes one domain");
		}
	}
	if (!domain_arg) {
		strv_free(&mx);
		return usage_error("which domain? mcon onboard DOMAIN --plan");
	}
	if (plan && apply) {
		strv_free(&mx);
		return usage_error("--plan and --apply exclude each other");
	}
	if (!apply && (yes || wait_s)) {
		strv_free(&mx);
		return usage_error("--yes and --wait go with --apply");
	}
	char *domain = NULL, *err = NULL;
	if (onboard_domain_normalize(domain_arg, &domain, &err) < 0) {
		cli_error(EXIT_USAGE, "%s", err);
		free(err);
		strv_free(&mx);
		return EXIT_USAGE;
	}

	struct term term = {.yes = yes};
	struct onboard_live *live = NULL;
	struct onboard *ob = NULL;
	const char *dbp = cli_db_path(ctx);
	/* the plan reads the database when there is one; it never creates it */
	if (apply || access(dbp, F_OK) == 0) {
		struct db_error derr;
		term.db = db_open(dbp, apply ? 0 : DB_OPEN_FALLBACK_RO, &derr);
		if (!term.db && apply) {
			rc = cli_error(EXIT_FAIL, "%s", derr.msg);
			goto out;
		}
		if (!term.db)
			fprintf(stderr, "mcon: %s (the plan shows no recorded state)\n", derr.msg);
	}
	live = onboard_live_new(&ctx->cfg, onboard_verify_checks, onboard_verify_relay_mx, NULL, &err);
	if (!live) {
		rc = cli_error(EXIT_USAGE, "%s", err);
		goto out;
	}
	struct onboard_ui ui = {t_confirm, t_ask, t_say, t_save, t_wait, &term, t_remember};
	term.domain_ascii = domain;
	/* the catch-all target given to an earlier run, unless one is given now */
	if (!catchall && term.db)
		catchall = stored_catchall = db_onboard_catchall(term.db, domain);
	struct onboard_opts opts = {.catchall_to = catchall, .mx = &mx, .wait_s = wait_s, .plan_only = !apply,
				     .restart_sogo = restart_sogo};
	ob = onboard_new(&ctx->cfg, domain, &onboard_live_backend, live, &ui, &opts, &err);
	if (!ob) {
		rc = cli_error(EXIT_FAIL, "%s", err);
		goto out;
	}
	if (term.db) {
		struct onboard_outcome *v = NULL;
		size_t n = 0;
		if (db_onboard_load(term.db, domain, &v, &n) != DB_OK) {
			rc = cli_error(EXIT_FAIL, "%s", db_errmsg(term.db));
			goto out;
		}
		for (size_t i = 0; i < n; i++)
			onboard_restore(ob, &v[i]);
		db_onboard_outcomes_free(v, n);
	}

	if (!apply) {
		struct buf b = {0};
		onboard_plan(ob, &b);
		fputs(buf_cstr(&b), stdout);
		buf_free(&b);
		rc = EXIT_OK;
		goto out;
	}

	struct sigaction sa = {.sa_handler = on_sigint}, old;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, &old);
	bool was_onboarded = ob->onboarded;
	size_t start = onboard_next(ob);
	if (start < ob->steps.n && start > 0)
		printf("Resuming %s at step %c (%s)\n", domain, ob->steps.v[start].letter, ob->steps.v[start].title);
	enum onboard_state last = onboard_run(ob);
	sigaction(SIGINT, &old, NULL);
	if (ob->onboarded && !was_onboarded && db_onboard_mark_onboarded(term.db, domain, mcon_now()) != DB_OK) {
		cli_error(EXIT_FAIL, "%s", db_errmsg(term.db));
		term.save_failed = true;
	}
	if (last == OB_FAILED || last == OB_NEEDS_RW || last == OB_DECLINED) {
		size_t i = onboard_next(ob);
		while (i < ob->steps.n && ob->run[i].state != last)
			i++;
		const struct onboard_step_run *r = i < ob->steps.n ? &ob->run[i] : NULL;
		if (last == OB_NEEDS_RW)
			rc = cli_error(EXIT_USAGE, "%s", onboard_readonly_message());
		else
			rc = cli_error(EXIT_FAIL,
				       "stopped at step %c (%s): %s; run mcon onboard %s --apply again "
				       "to resume",
				       r ? r->def->letter : '?', r ? r->def->title : "?",
				       r && r->detail ? r->detail : "?", domain);
		goto out;
	}
	/* the final word: the domain's checks now, strictly (an MTA-STS policy still testing fails) */
	char *why = NULL;
	if (onboard_verify(ob, &why) < 0) {
		rc = cli_error(EXIT_FAIL, "could not verify %s: %s", domain, why);
		free(why);
		goto out;
	}
	struct buf missing = {0};
	if (onboard_checks_green(&ob->last, true, &missing)) {
		printf("%s: all %zu checks pass%s\n", domain, ob->last.n, ob->onboarded ? "; onboarded" : "");
		rc = EXIT_OK;
	} else {
		printf("%s: still missing or wrong:\n", domain);
		for (char *sv = NULL, *line = strtok_r(missing.data, "\n", &sv); line; line = strtok_r(NULL, "\n", &sv))
			printf("  %s\n", line);
		rc = cli_error(EXIT_FAIL, "%s is not onboarded yet: publish what is listed, then run mcon onboard "
					  "%s --apply "
		               "again (or add --wait 30m)", domain, domain);
	}
	buf_free(&missing);
out:
	free(stored_catchall);
	if (term.save_failed && rc == EXIT_OK)
		rc = cli_error(EXIT_FAIL, "some step outcomes could not be stored in %s", dbp);
	free(err);
	onboard_free(ob);
	onboard_live_free(live);
	db_close(term.db);
	free(domain);
	strv_free(&mx);
	return rc;
}
