/* cmd_fix: `mcon fix CHECK TARGET [--plan] [--apply] [--yes] [--to ADDRESS]`: the plan of one
 * finding's fix (core/fix.c), and with a confirmed key its write through the MailCow client,
 * the re-run of the check and the history row. */
#include "cli/cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/fix.h"
#include "core/sanitize.h"
#include "core/who.h"
#include "db/db.h"

struct fix_args {
	const char *check, *target, *to;
	bool plan_only, ask, yes;
};

static int parse(int argc, char **argv, struct fix_args *a)
{
	for (int i = 1; i < argc; i++) {
		const char *s = argv[i];
		if (strcmp(s, "--plan") == 0)
			a->plan_only = true;
		else if (strcmp(s, "--apply") == 0)
			a->ask = true;
		else if (strcmp(s, "--yes") == 0 || strcmp(s, "-y") == 0)
			a->yes = true;
		else if (strcmp(s, "--to") == 0 && i + 1 < argc)
			a->to = argv[++i];
		else if (str_starts_with(s, "--to="))
			a->to = s + 5;
		else if (s[0] == '-')
			return cli_error(EXIT_USAGE, "fix: unknown option '%s' (see mcon fix --help)", s);
		else if (!a->check)
			a->check = s;
		else if (!a->target)
			a->target = s;
		else
			return cli_error(EXIT_USAGE, "fix: unexpected argument '%s'", s);
	}
	if (!a->check || !a->target)
		return cli_error(EXIT_USAGE, "fix: needs CHECK and TARGET, e.g. mcon fix domain.active example.org");
	if (a->plan_only && (a->yes || a->ask))
		return cli_error(EXIT_USAGE, "fix: --plan writes nothing; leave out --apply and --yes");
	if (a->to && (!strchr(a->to, '@') || strpbrk(a->to, " \t\r\n\",")))
		return cli_error(EXIT_USAGE, "fix: --to '%s' is not one mail address", a->to);
	if (!check_find(a->check))
		return cli_error(EXIT_USAGE, "fix: no check %s (mcon check --json lists them)", a->check);
	if (!a->plan_only && !a->yes && !a->ask && isatty(STDIN_FILENO))
		a->ask = true;
	return EXIT_OK;
}

static bool confirm(const char *what)
{
	printf("%s? [y/N] ", what);
	fflush(stdout);
	char line[64];
	if (!fgets(line, sizeof(line), stdin))
		return false;
	return line[0] == 'y' || line[0] == 'Y';
}

/* Records an applied fix; a failure is said, the write stays done. */
static void record(struct cli_ctx *ctx, const struct fix_plan *p, enum status after, const char *written,
		   const char *rerun)
{
	struct db_error derr;
	struct db *db = db_open(cli_db_path(ctx), 0, &derr);
	if (!db) {
		fprintf(stderr, "mcon: fix: written, but not recorded in the history: %s\n", derr.msg);
		return;
	}
	struct who w;
	who_current(&w);
	if (db_history_add_fix(db, mcon_now(), &w, p->check, p->target, status_name(p->status), status_name(after),
			       written, rerun) != DB_OK)
		fprintf(stderr, "mcon: fix: written, but not recorded in the history: %s\n", db_errmsg(db));
	db_close(db);
}

/* Runs the check again; 0 when it passes, 1 saying why not. */
static int rerun(struct cli_ctx *ctx, const struct fix_plan *p, const struct fix_outcome *o)
{
	enum status st;
	char *summary = NULL;
	fix_rerun(&ctx->cfg, p->check, p->target, &st, &summary);
	char *clean = text_clean(summary, 400);
	printf("re-run: %s %s: %s: %s\n", p->check, p->target, status_name(st), clean);
	if (o && o->wrote)
		record(ctx, p, st, o->written, clean);
	int rc = EXIT_OK;
	if (st != STATUS_OK) {
		rc = EXIT_FAIL;
		if (p->kind == FIX_DNS || (o && o->publish))
			printf("not passing yet: publish the zone lines above; DNS answers follow once the DNS host "
			       "serves them and cached answers expire\n");
		else
			printf("not passing yet: %s\n", clean);
	}
	free(clean);
	free(summary);
	return rc;
}

static int apply(struct cli_ctx *ctx, const struct fix_args *a, const struct fix_plan *p)
{
	if (p->op == FIXOP_ALIAS_ADD && !p->value)
		return cli_error(EXIT_USAGE, "fix: the catch-all needs --to ADDRESS (the mailbox it delivers to)");
	char *err = NULL;
	struct mailcow_api *api = mailcow_api_new(&ctx->cfg, &err);
	if (!api) {
		int rc = cli_error(EXIT_USAGE, "fix: %s", err ? err : "the MailCow API is not configured");
		free(err);
		return rc;
	}
	struct mc_result res = {0};
	struct fix_outcome o = {0};
	int rc;
	if (mailcow_write_probe(api, &res) != 0) {
		if (res.key == KEY_READ_ONLY)
			rc = cli_error(EXIT_USAGE, "fix: the API key is read-only: nothing written (a read-write key: MailCow "
						   "UI > Configuration > Access > Administrators > API)");
		else
			rc = cli_error(EXIT_FAIL, "fix: MailCow cannot be written: %s; nothing written",
				       res.message ? res.message : "no answer");
		goto out;
	}
	if (a->ask && !a->yes && !confirm("Write this to MailCow")) {
		printf("nothing written\n");
		rc = EXIT_OK;
		goto out;
	}
	if (fix_apply(api, &ctx->cfg, p, &o) != 0) {
		rc = cli_error(o.key == KEY_READ_ONLY ? EXIT_USAGE : EXIT_FAIL, "fix: %s%s: %s", o.wrote ? "" : "nothing written: ",
			       p->action, o.message ? o.message : "failed");
		goto out;
	}
	if (o.wrote)
		printf("written: %s\nMailCow: %s\n", o.written, o.message);
	else
		printf("%s\n", o.message);
	if (o.warnings)
		printf("MailCow warns: %s\n", o.warnings);
	if (o.publish)
		printf("publish at the DNS host of %s:\n%s\n", p->domain, o.publish);
	mailcow_api_free(api);
	api = NULL;
	rc = rerun(ctx, p, &o);
out:
	mc_result_free(&res);
	fix_outcome_free(&o);
	mailcow_api_free(api);
	return rc;
}

int cmd_fix(struct cli_ctx *ctx, int argc, char **argv)
{
	struct fix_args a = {0};
	int rc = parse(argc, argv, &a);
	if (rc != EXIT_OK)
		return rc;
	struct check_run run;
	struct snapshot *s = fix_collect(&ctx->cfg, &run);
	struct fix_plan p;
	char *err = NULL;
	if (fix_plan_make(s, &ctx->cfg, &run, a.check, a.target, a.to, &p, &err) != 0) {
		rc = cli_error(EXIT_USAGE, "fix: %s", err);
		free(err);
		goto out;
	}
	char *text = fix_plan_text(&p);
	fputs(text, stdout);
	free(text);
	switch (p.kind) {
	case FIX_PASSING:
		rc = EXIT_OK;
		break;
	case FIX_NONE:
		rc = EXIT_USAGE;
		break;
	case FIX_DNS:
		rc = a.plan_only || (!a.yes && !a.ask) ? EXIT_OK : rerun(ctx, &p, NULL);
		break;
	case FIX_API:
		rc = a.plan_only || (!a.yes && !a.ask) ? EXIT_OK : apply(ctx, &a, &p);
		break;
	}
	fix_plan_free(&p);
out:
	check_run_free(&run);
	snapshot_free(s);
	return rc;
}
