/* key_gate: the shared backoff of a refused MailCow API key (see key_gate.h): hashing the
 * key, the schedule, and the process's own copy used when the store cannot be. */
#include "core/key_gate.h"
#include "core/checks.h"
#include "core/util.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct key_gate_store store;
static bool have_store;
static pthread_mutex_t mem_lock = PTHREAD_MUTEX_INITIALIZER;
static struct key_gate mem;     /* this process's copy: the last state seen or written */

void key_gate_set_store(const struct key_gate_store *s)
{
	have_store = s != NULL;
	if (s)
		store = *s;
	else
		memset(&store, 0, sizeof(store));
}

static bool refused(enum key_problem k)
{
	return k == KEY_INVALID || k == KEY_IP_DENIED;
}

static void mem_put(const struct key_gate *g)
{
	pthread_mutex_lock(&mem_lock);
	mem = *g;
	pthread_mutex_unlock(&mem_lock);
}

static void mem_get(struct key_gate *g)
{
	pthread_mutex_lock(&mem_lock);
	if (strcmp(mem.hash, g->hash) == 0) {
		g->key = mem.key;
		g->http_status = mem.http_status;
		g->failures = mem.failures;
		g->since = mem.since;
		g->next_try = mem.next_try;
	}
	pthread_mutex_unlock(&mem_lock);
}

void key_gate_load(struct key_gate *g, const char *key, const char *url)
{
	memset(g, 0, sizeof(*g));
	char *in = xasprintf("%s\n%s", key ? key : "", url ? url : "");
	char *h = sha256_hex(in, strlen(in));
	explicit_bzero(in, strlen(in));
	free(in);
	snprintf(g->hash, sizeof(g->hash), "%s", h);
	free(h);
	key_gate_refresh(g);
}

void key_gate_refresh(struct key_gate *g)
{
	struct key_gate s = {.key = KEY_OK};
	memcpy(s.hash, g->hash, sizeof(s.hash));
	if (!have_store) {
		*g = s;
		mem_get(g);
		snprintf(g->store_error, sizeof(g->store_error), "no database");
		return;
	}
	if (store.load(store.ud, &s, g->store_error, sizeof(g->store_error)) == 0) {
		memcpy(s.hash, g->hash, sizeof(s.hash));
		s.store_error[0] = '\0';
		if (!refused(s.key))
			s.key = KEY_OK;
		*g = s;
		mem_put(g);
	} else {
		if (!g->store_error[0])
			snprintf(g->store_error, sizeof(g->store_error), "the database cannot be read");
		char why[sizeof(g->store_error)];
		memcpy(why, g->store_error, sizeof(why));
		*g = s;
		memcpy(g->store_error, why, sizeof(why));
		mem_get(g);
	}
}

bool key_gate_blocked(const struct key_gate *g, time_t now)
{
	return refused(g->key) && g->next_try > now;
}

void key_gate_note(struct key_gate *g, enum key_problem k, long http_status, time_t now)
{
	if (!refused(k)) {
		if (!refused(g->key))
			return;
		g->key = KEY_OK;
		g->http_status = 0;
		g->failures = 0;
		g->since = g->next_try = 0;
	} else {
		if (!refused(g->key) || !g->since)
			g->since = now;
		g->failures = refused(g->key) ? g->failures + 1 : 1;
		g->key = k;
		g->http_status = http_status;
		long wait = KEY_GATE_FIRST_WAIT;
		for (int i = 1; i < g->failures && wait < KEY_GATE_MAX_WAIT; i++)
			wait *= 2;
		if (wait > KEY_GATE_MAX_WAIT)
			wait = KEY_GATE_MAX_WAIT;
		g->next_try = now + wait;
	}
	mem_put(g);
	if (have_store) {
		g->store_error[0] = '\0';
		store.save(store.ud, g, g->store_error, sizeof(g->store_error));
	}
}

char *key_gate_describe(const struct key_gate *g)
{
	if (!refused(g->key) && g->store_error[0])
		return xasprintf("not refused as far as this process knows (the database cannot tell: %s)",
				 g->store_error);
	if (!refused(g->key))
		return xstrdup("not refused");
	char since[32], next[32];
	time_rfc3339(g->since, since);
	time_rfc3339(g->next_try, next);
	return xasprintf("rejected with HTTP %ld (%s) since %s, %d refusal%s in a row; next try at %s%s%s%s",
			 g->http_status, key_problem_name(g->key), since, g->failures, g->failures == 1 ? "" : "s",
			 next, g->store_error[0] ? " (kept in this process only: " : "", g->store_error,
			 g->store_error[0] ? ")" : "");
}
