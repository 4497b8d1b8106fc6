/* check_prev: the previous recorded state the checks compare with (restart counts at the
 * last record), read from the database that `mcon record` fills before the checks run. */
#include "cli/check_cmd.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "db/db.h"

/* The stored restart count of a service; -1 when there is none or it is not a number. */
static long stored_restarts(struct db *db, const char *service)
{
	char *v = NULL;
	if (db_state_get(db, "container.restarts", service, &v) != DB_OK || !v || !*v) {
		free(v);
		return -1;
	}
	char *end;
	long n = strtol(v, &end, 10);
	long r = *end ? -1 : n;
	free(v);
	return r;
}

void check_prev_from_db(struct db *db, const struct snapshot *s, const struct config *cfg, struct check_prev *prev)
{
	memset(prev, 0, sizeof(*prev));
	if (!db)
		return;
	struct strv svcs = {0};
	check_services(s, cfg, &svcs);
	for (size_t i = 0; i < svcs.n; i++) {
		long n = stored_restarts(db, svcs.v[i]);
		if (n >= 0)
			check_prev_add_restarts(prev, svcs.v[i], n);
	}
	strv_free(&svcs);
}

void check_prev_load(struct cli_ctx *ctx, const struct snapshot *s, struct check_prev *prev)
{
	const char *path = cli_db_path(ctx);
	struct db *db = NULL;
	if (path && access(path, R_OK) == 0) {
		struct db_error err;
		db = db_open(path, DB_OPEN_READONLY, &err); /* without it the checks just lack history */
	}
	check_prev_from_db(db, s, &ctx->cfg, prev);
	if (db)
		db_close(db);
}
