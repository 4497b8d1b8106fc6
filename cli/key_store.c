/* key_store: keeps the MailCow API key's backoff (core/key_gate.h) in the database, so
 * every process and admin honours one refusal. A database that cannot be opened, read or
 * written never stops a command: the gate then keeps the state in the process and says so. */
#include "cli/cli.h"
#include "core/key_gate.h"
#include "db/key_state.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define KEY_STORE_BUSY_MS 300   /* a locked database is not worth delaying a check for */

static const char *problem_name(enum key_problem k)
{
	return k == KEY_IP_DENIED ? "ip-denied" : "invalid";
}

static struct db *store_open(const char *path, unsigned flags, char *why, size_t why_len)
{
	if (!path) {
		snprintf(why, why_len, "no database path");
		return NULL;
	}
	struct db_error err;
	struct db *db = db_open(path, flags, &err);
	if (!db) {
		snprintf(why, why_len, "%s", err.msg);
		return NULL;
	}
	db_set_busy_timeout(db, KEY_STORE_BUSY_MS);
	return db;
}

static int store_load(void *ud, struct key_gate *g, char *why, size_t why_len)
{
	const char *path = ud;
	if (path && access(path, F_OK) != 0)
		return 0; /* no database yet: nothing was refused */
	struct db *db = store_open(path, DB_OPEN_FALLBACK_RO, why, why_len);
	if (!db)
		return -1;
	struct db_key_state s;
	int r = db_key_state_get(db, g->hash, &s);
	if (r == DB_OK) {
		g->key = s.problem && strcmp(s.problem, "ip-denied") == 0 ? KEY_IP_DENIED : KEY_INVALID;
		g->http_status = s.http_status;
		g->failures = s.failures;
		g->since = s.since;
		g->next_try = s.next_try;
		db_key_state_free(&s);
	} else if (r != DB_ERR_NOTFOUND) {
		snprintf(why, why_len, "%s", db_errmsg(db));
	}
	db_close(db);
	return r == DB_OK || r == DB_ERR_NOTFOUND ? 0 : -1;
}

static int store_save(void *ud, const struct key_gate *g, char *why, size_t why_len)
{
	const char *path = ud;
	bool refused = g->key == KEY_INVALID || g->key == KEY_IP_DENIED;
	if (!refused && path && access(path, F_OK) != 0)
		return 0; /* nothing to forget */
	struct db *db = store_open(path, 0, why, why_len);
	if (!db)
		return -1;
	struct db_key_state s = {.problem = (char *)problem_name(g->key), .http_status = g->http_status,
				 .failures = g->failures, .since = g->since, .next_try = g->next_try,
				 .at = mcon_now()};
	int r = db_key_state_put(db, g->hash, refused ? &s : NULL);
	if (r != DB_OK)
		snprintf(why, why_len, "%s", db_errmsg(db));
	db_close(db);
	return r == DB_OK ? 0 : -1;
}

void cli_key_store_install(const struct cli_ctx *ctx)
{
	struct key_gate_store s = {.load = store_load, .save = store_save, .ud = (void *)cli_db_path(ctx)};
	key_gate_set_store(&s);
}
