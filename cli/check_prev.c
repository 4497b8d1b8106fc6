/* check_prev: the previous recorded state the checks compare with (restart counts at the
 * last record), read from the database that `mcon record` fills. */
#include "cli/check_cmd.h"

#include <stdlib.h>
#include <unistd.h>

#include "db/db.h"

static long restart_count(void *ud, const char *service)
{
	char *v = NULL;
	if (db_state_get(ud, "container.restarts", service, &v) != DB_OK || !v || !*v) {
		free(v);
		return -1;
	}
	char *end;
	long n = strtol(v, &end, 10);
	long r = *end ? -1 : n;
	free(v);
	return r;
}

void check_prev_from_db(struct db *db, struct check_prev *prev)
{
	prev->restart_count = db ? restart_count : NULL;
	prev->ud = db;
}

void *check_prev_open(struct cli_ctx *ctx, struct check_prev *prev)
{
	const char *path = cli_db_path(ctx);
	struct db *db = NULL;
	if (path && access(path, R_OK) == 0) {
		struct db_error err;
		db = db_open(path, DB_OPEN_READONLY, &err); /* without it the checks just lack history */
	}
	check_prev_from_db(db, prev);
	return db;
}

void check_prev_close(void *handle)
{
	if (handle)
		db_close(handle);
}
