/* cmd_fix: `mcon fix CHECK TARGET [--plan] [--apply] [--yes] [--to ADDRESS]`: the plan of one
 * finding's fix (core/fix.c), and with a confirmed key its write through the MailCow client,
 * the re-run of the check and the history row. */
#include "cli/cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/fix_run.h"
#include "core/fix.h"

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

static bool confirm(void *ud)
{
	(void)ud;
	printf("Write this to MailCow? [y/N] ");
	fflush(stdout);
	char line[64];
	if (!fgets(line, sizeof(line), stdin))
		return false;
	return line[0] == 'y' || line[0] == 'Y';
}

static int apply(struct cli_ctx *ctx, const struct fix_args *a, const struct fix_plan *p)
{
	struct buf out = {0};
	char *err = NULL;
	int rc = fix_run(&ctx->cfg, cli_db_path(ctx), p, a->ask && !a->yes ? confirm : NULL, NULL, &out, &err);
	fputs(buf_cstr(&out), stdout);
	fflush(stdout);
	if (err)
		cli_error(rc, "fix: %s", err);
	free(err);
	buf_free(&out);
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
