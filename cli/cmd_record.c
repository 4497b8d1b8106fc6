/* cmd_record: `mcon record`: collect once, run the checks, and store in the database only
 * what changed since the last record (check status transitions, containers, networks,
 * DKIM keys, DNS answers, MTA-STS, size limits); then prune history past the retention. */
#include "cli/cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/check_cmd.h"
#include "core/checks.h"
#include "core/collect.h"
#include "core/record.h"
#include "db/db.h"
#include "db/db_record.h"

int cmd_record(struct cli_ctx *ctx, int argc, char **argv)
{
	bool quiet = false;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--quiet") == 0 || strcmp(argv[i], "-q") == 0)
			quiet = true;
		else
			return cli_error(EXIT_USAGE, "record: unknown argument '%s' (see mcon record --help)", argv[i]);
	}
	struct db_error derr;
	struct db *db = db_open(cli_db_path(ctx), 0, &derr);
	if (!db)
		return cli_error(EXIT_FAIL, "record: %s", derr.msg);
	struct collect_opts o = {.prev = NULL, .deadline_ms = 0, .cancel_fd = -1};
	struct snapshot *snap = collect_run(&ctx->cfg, &o);
	time_t at = snap->finished_at ? snap->finished_at : mcon_now();
	struct changes ch = {0};
	long pruned = 0;
	int r = record_run(db, &ctx->cfg, snap, at, &ch, &pruned);
	int rc = EXIT_OK;
	if (r) {
		rc = cli_error(EXIT_FAIL, "record: %s", db_errmsg(db));
	} else if (!quiet) {
		size_t checks = 0;
		for (size_t i = 0; i < ch.n; i++)
			checks += strcmp(ch.v[i].kind, "check") == 0;
		printf("recorded %zu change%s (%zu check transition%s)", ch.n, ch.n == 1 ? "" : "s", checks,
		       checks == 1 ? "" : "s");
		if (pruned)
			printf(", pruned %ld old row%s", pruned, pruned == 1 ? "" : "s");
		putchar('\n');
	}
	changes_free(&ch);
	snapshot_free(snap);
	db_close(db);
	return rc;
}
