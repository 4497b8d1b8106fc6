/* cmd_check: `mcon check [--json] [--prom FILE] [--only GLOB]`: collect once, run every
 * check, print the Nagios form (or JSON), optionally write the Prometheus file, and exit
 * with the Nagios code of the worst result. Usage and configuration errors exit 3. With
 * --only, only the sources the selected checks need are collected. */
#include "cli/cli.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/check_cmd.h"
#include "core/check_report.h"
#include "core/checks.h"
#include "core/collect.h"

#define NAGIOS_UNKNOWN 3

int cmd_check(struct cli_ctx *ctx, int argc, char **argv)
{
	struct check_args a;
	if (check_parse_args(argc, argv, &a) < 0) {
		check_args_free(&a);
		return NAGIOS_UNKNOWN;
	}
	/* --only: collect what the selected checks need, open the database only for a check
	 * that compares with the last record. */
	struct collect_opts o = {.prev = NULL, .deadline_ms = 0, .cancel_fd = -1, .sources = checks_sources(&a.only)};
	struct snapshot *snap = collect_run(&ctx->cfg, &o);
	struct check_prev prev = {0};
	if (checks_need_prev(&a.only))
		check_prev_load(ctx, snap, &prev);
	struct check_run run;
	checks_run_only(snap, &ctx->cfg, &prev, &a.only, &run);
	check_prev_free(&prev);
	int rc = check_output(&a, &run, snap->site ? snap->site : ctx->cfg.site_name, stdout);
	check_run_free(&run);
	snapshot_free(snap);
	check_args_free(&a);
	return rc;
}
