/* key_gate: whether the MailCow API key may be sent now. MailCow's netfilter bans an
 * address after repeated failed logins, so once MailCow refuses a key (HTTP 401) no
 * process sends it again before the gate's next try: 1 minute, doubling per refusal up
 * to 1 hour. The state is keyed by a hash of the key and the URL (never the key), so a
 * changed key starts clean. Core holds no storage: the command line registers a store
 * (the database) with key_gate_set_store(); without one, or when the store fails, the
 * state lives in this process only and the gate says so. */
#ifndef MCON_KEY_GATE_H
#define MCON_KEY_GATE_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>
#include "core/snapshot.h"

#define KEY_GATE_FIRST_WAIT 60      /* seconds after the first refusal */
#define KEY_GATE_MAX_WAIT 3600      /* the wait doubles up to this */

struct key_gate {
	char hash[65];          /* lower-case hex SHA-256 of key "\n" url */
	enum key_problem key;   /* KEY_OK, or KEY_INVALID / KEY_IP_DENIED when refused */
	long http_status;       /* of the last refusal */
	int failures;           /* refusals in a row */
	time_t since;           /* first refusal of this run */
	time_t next_try;        /* no request with this key before */
	char store_error[256];  /* why the store could not be used ("" when it was) */
};

/* The store the state is kept in. load: 0 with *g filled (g->key KEY_OK when it holds
 * nothing for g->hash), -1 with why. save: 0, or -1 with why; g->key KEY_OK means forget
 * g->hash. Both may run on any thread. */
struct key_gate_store {
	int (*load)(void *ud, struct key_gate *g, char *why, size_t why_len);
	int (*save)(void *ud, const struct key_gate *g, char *why, size_t why_len);
	void *ud;
};

/* Registers the store for this process (NULL: none). Not thread-safe: call at start-up. */
void key_gate_set_store(const struct key_gate_store *s);

/* Fills g for key at url: its hash and its stored state (or this process's when the
 * store fails, with g->store_error saying so). */
void key_gate_load(struct key_gate *g, const char *key, const char *url);
/* Reads g->hash's state again (another process may have been refused meanwhile). */
void key_gate_refresh(struct key_gate *g);
/* Whether no request may be sent now. */
bool key_gate_blocked(const struct key_gate *g, time_t now);
/* Records the outcome of a request that MailCow answered: a refusal (KEY_INVALID,
 * KEY_IP_DENIED) moves the next try on, anything else clears the state. Saves it when it
 * changed. */
void key_gate_note(struct key_gate *g, enum key_problem k, long http_status, time_t now);
/* "rejected with HTTP 401 since T (3 refusals); next try at T" or "not refused";
 * caller frees. */
char *key_gate_describe(const struct key_gate *g);

#endif
