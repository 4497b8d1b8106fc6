/* fix: the repair of one finding (contract section 8), one table keyed by check id. The
 * plan is a pure function of the snapshot, the configuration and the check run: the exact
 * MailCow write (action and JSON body) or, for a DNS-side check, the exact zone lines.
 * Applying reads MailCow's state first (what appeared meanwhile is adopted, never
 * duplicated) and writes the plan's body through the one MailCow client. */
#ifndef MCON_FIX_H
#define MCON_FIX_H

#include <stdbool.h>
#include "core/checks.h"
#include "core/config.h"
#include "core/mailcow.h"
#include "core/snapshot.h"

enum fix_kind {
	FIX_NONE,       /* no fix: why says so */
	FIX_PASSING,    /* the check passes: nothing to do */
	FIX_API,        /* one MailCow write: action + body */
	FIX_DNS         /* no write: the zone lines to publish */
};

enum fix_op {
	FIXOP_NONE,
	FIXOP_DOMAIN_ACTIVE,    /* edit/domain active 1 */
	FIXOP_ALIAS_ADD,        /* add/alias @domain -> to */
	FIXOP_ALIAS_ACTIVATE,   /* edit/alias <id> active 1 */
	FIXOP_DKIM_ADD,         /* add/dkim */
	FIXOP_RELAYHOST,        /* edit/domain relayhost <id> */
	FIXOP_STS_ADD,          /* add/mta-sts testing */
	FIXOP_STS_ENFORCE       /* edit/mta-sts enforce */
};

struct fix_plan {
	char *check, *target;
	char *domain;           /* the domain of the target */
	enum status status;     /* the finding's status */
	char *finding;          /* its summary */
	enum fix_kind kind;
	enum fix_op op;
	char *action;           /* FIX_API: "edit/domain" */
	char *body;             /* FIX_API: the JSON body, exactly as sent */
	char *zone;             /* FIX_DNS: the zone lines, one a line */
	char *why;              /* FIX_NONE: why there is no fix */
	long id;                /* the alias or relayhost id the write names */
	char *value;            /* the catch-all's goto, the relayhost's host name, the policy's mx */
};

/* Whether check has an entry in the fix table (a write or zone lines). */
bool fix_known(const char *check);
/* The check ids of the fix table, in table order (static); n gets how many. */
const char *const *fix_checks(size_t *n);

/* Builds the plan for check on target from a snapshot and the run of every check on it.
 * to is the catch-all's destination (--to), NULL when not given. Pure. 0, or -1 with
 * *err (caller frees) when the check is unknown or has no result for target. */
int fix_plan_make(const struct snapshot *s, const struct config *cfg, const struct check_run *run,
		  const char *check, const char *target, const char *to, struct fix_plan *out, char **err);
void fix_plan_free(struct fix_plan *p);
/* What the plan does, for a terminal or a view: the finding, then "POST /api/v1/ACTION"
 * and the body, or the zone lines, or why there is no fix. Caller frees. */
char *fix_plan_text(const struct fix_plan *p);

/* The worst fixable finding (FIX_API or FIX_DNS) of a domain in a run: its check id
 * (static) and *target (borrowed from run), or NULL when there is none. */
const char *fix_worst_for_domain(const struct snapshot *s, const struct config *cfg, const struct check_run *run,
				 const char *domain, const char **target);

struct fix_outcome {
	bool wrote;             /* MailCow was written */
	bool adopted;           /* the state was already right: nothing written */
	char *written;          /* "POST edit/domain {...}" when wrote */
	char *message;          /* MailCow's message, or what was found */
	char *warnings;         /* MailCow's warnings, or NULL */
	char *publish;          /* zone lines to publish after the write (DKIM TXT, _mta-sts TXT), or NULL */
	enum key_problem key;   /* a refused or read-only key */
};
void fix_outcome_free(struct fix_outcome *o);

/* Applies a FIX_API plan: reads first, then writes p->body to p->action. 0 when written
 * or adopted, -1 with o->message (MailCow's own message for a refused write). */
int fix_apply(struct mailcow_api *a, const struct config *cfg, const struct fix_plan *p, struct fix_outcome *o);

/* The _mta-sts TXT line of a policy written now: MailCow sets the id from the clock at the
 * write (YYYYmmddHHMMSS, UTC). Caller frees. */
char *fix_sts_line(const char *domain);

/* The result of check on target in run, or NULL. */
const struct check_result *fix_result_find(const struct check_run *run, const char *check, const char *target);

/* One fresh collection and every check on it (the live backend); free the snapshot with
 * snapshot_free and run with check_run_free. */
struct snapshot *fix_collect(const struct config *cfg, struct check_run *run);
/* Collects again and runs the checks: *st and *summary (caller frees) of check on target.
 * 0, or -1 when the check no longer has a result for target. */
int fix_rerun(const struct config *cfg, const char *check, const char *target, enum status *st, char **summary);

#endif
