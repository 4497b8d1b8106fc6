/* record: what `mcon record` remembers between runs, as a pure function: the state of a
 * snapshot and its check results as (kind, target) -> value, and the diff of two states.
 * The database (db/) stores the state and the changes; nothing here touches it. */
#ifndef MCON_RECORD_H
#define MCON_RECORD_H

#include "core/checks.h"
#include "core/config.h"
#include "core/snapshot.h"

/* Kinds of state (and of history rows):
 *   check               "<check>:<target>"   status name; detail the summary
 *   container.state     service               created/running/exited/...; detail the status text
 *   container.health    service               none/starting/healthy/unhealthy
 *   container.restarts  service               restart count
 *   container.networks  service               attached networks, sorted, comma separated
 *   dkim.key            "<domain>/<selector>" "sha256:<first 16 hex>" of the DNS p=, or "none"
 *   dkim.mailcow        domain                "<selector> sha256:<16 hex>" of MailCow's key, or "none"
 *   dns                 "<name> <TYPE>"       the answer, sorted ("10 mx.example.net, ..."), or NXDOMAIN/NODATA
 *   mta_sts.id          domain                the id of the _mta-sts record, or "none"
 *   mta_sts.policy      domain                "mode=enforce max_age=604800 mx=a,b", or "none" (404)
 *   limit               key ("postfix.message_size_limit", "clamd.StreamMaxLength", ...)   bytes or "unset"
 * A value "" means the key is gone (a removed container). */
struct state_item {
	char *kind, *target;
	char *value;        /* NULL in a current state: not known this run, keep the previous value */
	char *detail;       /* may be NULL */
};

struct state_map {
	struct state_item *v;
	size_t n, cap;
	size_t *slots;      /* open-addressing index of v by (kind, target): index + 1, 0 = empty */
	size_t nslots;
};

void state_map_add(struct state_map *m, const char *kind, const char *target, const char *value, const char *detail);
const struct state_item *state_map_get(const struct state_map *m, const char *kind, const char *target);
void state_map_free(struct state_map *m);

/* The source (SRC_*) a kind comes from; SRC__COUNT for check (always known). */
enum source record_kind_source(const char *kind);

/* Which sources this snapshot collected, as bits 1 << SRC_*. */
unsigned record_collected(const struct snapshot *s);

/* The state of this run. Keys of sources that were not collected are left out; keys whose
 * own answer failed (a DNS timeout) get value NULL. */
void record_state(const struct snapshot *s, const struct config *cfg, const struct check_run *run,
		  struct state_map *out);

struct change {
	char *kind, *target;
	char *from, *to;    /* NULL: did not exist / is gone */
	char *detail;
};

struct changes {
	struct change *v;
	size_t n, cap;
};

/* What changed from prev (the stored state, every kind) to cur (this run). Keys of prev that
 * cur lacks count as gone only when their source was collected (collected bits). When prev
 * is empty (the first record) the result is one "record"/"baseline" change plus every
 * check that is not ok. *store gets the items to write back (changed, new and gone ones;
 * gone ones with value ""). */
void record_diff(const struct state_map *prev, const struct state_map *cur, unsigned collected, const char *site,
		 struct changes *out, struct state_map *store);
void changes_free(struct changes *c);

#endif
