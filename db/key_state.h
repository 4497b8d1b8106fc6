/* db key_state: the refused MailCow API keys (schema 4, table api_key_state), by a hash
 * of key and URL, shared by every process: see core/key_gate.h. */
#ifndef MCON_DB_KEY_STATE_H
#define MCON_DB_KEY_STATE_H

#include <time.h>
#include "db/db.h"

struct db_key_state {
	char *problem;      /* "invalid" or "ip-denied" */
	long http_status;
	int failures;
	time_t since, next_try, at;
};

/* The state of key_hash: DB_ERR_NOTFOUND when the key was not refused. */
int db_key_state_get(struct db *db, const char *key_hash, struct db_key_state *out);
/* Stores (replaces) the state of key_hash, forgetting keys not refused for 30 days; s NULL
 * forgets key_hash. */
int db_key_state_put(struct db *db, const char *key_hash, const struct db_key_state *s);
void db_key_state_free(struct db_key_state *s);

#endif
