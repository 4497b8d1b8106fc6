/* onboard: the new-domain walkthrough engine. The steps are data (assets/onboarding.ini);
 * this module validates the name, renders the plan and the DNS records, and runs one step
 * at a time against a backend (MailCow API + checks) given as a table of functions, so the
 * CLI, the console and the tests drive the same engine. No SQL here: outcomes go out
 * through the save callback (db/onboard.c stores them), and come back via onboard_restore. */
#ifndef MCON_ONBOARD_H
#define MCON_ONBOARD_H

#include <stdbool.h>
#include <time.h>
#include "core/checks.h"
#include "core/config.h"
#include "core/util.h"

enum onboard_action {
	OB_ACT_PREFLIGHT,
	OB_ACT_ADD_DOMAIN,
	OB_ACT_ADD_ALIAS_CATCHALL,
	OB_ACT_ENSURE_DKIM,
	OB_ACT_MANUAL_RELAY,
	OB_ACT_DNS_PUBLISH,
	OB_ACT_ADD_MTA_STS,
	OB_ACT_VERIFY,
	OB_ACT_MTA_STS_ENFORCE,
	OB_ACT__COUNT
};

/* A step's state. TODO: not run yet; DONE and SKIPPED are final (never repeated);
 * PENDING: waits on something outside MailCow (manual step, DNS) or on green checks;
 * FAILED, NEEDS_RW and DECLINED stop the run and are retried on the next one. */
enum onboard_state {
	OB_TODO,
	OB_DONE,
	OB_SKIPPED,
	OB_PENDING,
	OB_FAILED,
	OB_NEEDS_RW,
	OB_DECLINED,
	OB_STATE__COUNT
};
const char *onboard_state_name(enum onboard_state s);   /* "todo", "done", ... */
int onboard_state_parse(const char *s);                  /* -1 when unknown */

struct onboard_step_def {
	char *id;               /* section name: preflight, domain, catchall, ... */
	char letter;
	char *title;
	char *text;             /* with {domain}-style placeholders */
	enum onboard_action action;
	bool writes;
	struct strv verify;     /* check ids or api:... conditions */
};

struct onboard_steps {
	struct onboard_step_def *v;
	size_t n;
};
/* Parses the steps file (the embedded onboarding.ini unless text is given). 0, or -1
 * with *err naming the line. */
int onboard_steps_load(struct onboard_steps *out, const char *text, char **err);
void onboard_steps_free(struct onboard_steps *s);
const char *onboard_action_name(enum onboard_action a);

/* ---- Names ---- */

/* Turns what the admin typed into the ASCII (A-label) form MailCow and DNS use: trims,
 * drops one trailing dot, converts an internationalised name with libidn2 (IDNA2008,
 * UTS#46 mapping) and checks RFC 1035 syntax (LDH labels of 1..63, at most 253 in all,
 * at least two labels, no all-numeric top label). 0 and *ascii (caller frees), or -1
 * and *err. */
int onboard_domain_normalize(const char *input, char **ascii, char **err);
/* The Unicode form for display, or a copy of the input when it has none. */
char *onboard_domain_display(const char *ascii);
/* Splits a TXT value into quoted strings of at most 255 characters: "aaa" "bbb". */
char *onboard_txt_quote(const char *value);

/* ---- The backend ---- */

enum onboard_rc {
	OB_RC_OK = 0,
	OB_RC_ERR = -1,         /* MailCow said no, or a transport error: *err says which */
	OB_RC_READONLY = -2,    /* HTTP 403: the key is read-only */
	OB_RC_UNKNOWN = -3      /* write_probe: could not tell */
};

struct onboard_alias {
	bool exists, active;
	char *goto_addr;
};

struct onboard_dkim {
	bool present;
	char *selector;
	char *txt;              /* v=DKIM1;k=rsa;t=s;s=email;p=... */
	int bits;
};

/* The check results (core/checks.h) of one domain. check ids are the check table's (not
 * owned); summary and hint are never NULL. */
struct onboard_checks {
	struct check_result *v;
	size_t n;
};
void onboard_checks_free(struct onboard_checks *c);

/* Every function returns an enum onboard_rc and sets *err (caller frees) when not OK. A
 * write that succeeded may set *err to the warnings MailCow returned with it (the engine
 * shows them and keeps them in the step's detail). */
struct onboard_backend {
	int (*ping)(void *ud, char **err);
	/* A request that writes nothing but is refused with 403 for a read-only key. */
	int (*write_probe)(void *ud, char **err);
	int (*domain_get)(void *ud, const char *domain, bool *exists, bool *active, char **err);
	/* restart_sogo: ask MailCow to restart the sogo-mailcow container afterwards. */
	int (*domain_add)(void *ud, const char *domain, const char *selector, int bits, bool restart_sogo,
	                  char **err);
	int (*alias_get)(void *ud, const char *address, struct onboard_alias *out, char **err);
	int (*alias_add)(void *ud, const char *address, const char *goto_addr, char **err);
	int (*alias_activate)(void *ud, const char *address, char **err);
	int (*dkim_get)(void *ud, const char *domain, struct onboard_dkim *out, char **err);
	int (*dkim_add)(void *ud, const char *domain, const char *selector, int bits, char **err);
	/* mode "testing"/"enforce"; mx a comma list. edit: NULL mode or mx keeps the value. */
	int (*mta_sts_add)(void *ud, const char *domain, const char *mode, const char *mx, long max_age, char **err);
	int (*mta_sts_edit)(void *ud, const char *domain, const char *mode, const char *mx, char **err);
	/* Collects afresh and runs the checks; fills out with the results of this domain
	 * (targets "domain" and "domain/selector"). */
	int (*checks)(void *ud, const char *domain, struct onboard_checks *out, char **err);
	/* Concrete MX hosts of the relay, taken from the live MX of a domain already behind
	 * it (every MX host matching relay.mx), most preferred first; may leave out empty. */
	int (*relay_mx_hosts)(void *ud, const char *except_domain, struct strv *out, char **err);
};

/* ---- A walkthrough ---- */

/* One step's outcome, as stored. */
struct onboard_outcome {
	char *domain;
	char *step;             /* step id */
	enum onboard_state state;
	char *who;              /* "alice from 192.0.2.7" */
	time_t at;
	char *detail;           /* one line: what happened, or why not */
	char *written;          /* what was written to MailCow, or NULL */
};
void onboard_outcome_free(struct onboard_outcome *o);

struct onboard_ui {
	/* Asks a yes/no question before a write; false = declined. NULL = always yes. */
	bool (*confirm)(void *ud, const char *question);
	/* Asks for a value (the catch-all target); returns a malloc'd string or NULL. */
	char *(*ask)(void *ud, const char *question);
	/* A line of progress for the admin (already sanitised). NULL = quiet. */
	void (*say)(void *ud, const char *line);
	/* Stores an outcome; called once per change of a step's state. */
	void (*save)(void *ud, const struct onboard_outcome *o);
	/* Sleeps up to ms between verification rounds; returns false to stop waiting
	 * (the admin pressed a key, the console quits). NULL = nanosleep. */
	bool (*wait)(void *ud, long ms);
	void *ud;
	/* Stores the catch-all target the admin gave (a valid address), so that a rerun
	 * does not ask again. NULL = not stored. */
	void (*remember_catchall)(void *ud, const char *target);
};

struct onboard_opts {
	const char *who;            /* see onboard_who() */
	const char *catchall_to;    /* the catch-all's target mailbox, or NULL to ask */
	const struct strv *mx;      /* concrete relay MX hosts (--mx), or NULL */
	long wait_s;                /* keep verifying up to this long (0 = once) */
	bool plan_only;             /* no write, no write probe */
	bool restart_sogo;          /* add/domain restarts the sogo-mailcow container (off: SOGo sees the
	                             * domain at its next restart) */
};

struct onboard_step_run {
	const struct onboard_step_def *def;
	enum onboard_state state;
	char *detail;
	char *written;
	time_t at;
	char *who;
};

struct onboard {
	const struct config *cfg;
	const struct onboard_backend *be;
	void *be_ud;
	struct onboard_ui ui;
	struct onboard_steps steps;
	struct onboard_step_run *run;   /* steps.n entries */
	char *domain;                   /* ASCII form */
	char *display;                  /* Unicode form */
	char *who;
	char *catchall_to;
	struct strv mx;                 /* concrete MX hosts for the zone lines */
	char *mx_source;                /* where they came from: "--mx", "live MX of example.org" */
	char *mailcow_host;
	char *relay_selector;           /* first of dkim.selectors that is not mailcow_selector */
	long wait_s;
	bool plan_only;
	bool restart_sogo;
	char *warnings;                 /* MailCow's warnings on this step's writes, for its detail */
	bool onboarded;
	bool domain_exists;             /* known from MailCow during this run */
	struct onboard_dkim dkim;       /* MailCow's key, once read */
	struct onboard_checks last;     /* the last verification */
	char *sts_id;                   /* the id printed for _mta-sts */
};

/* Creates a walkthrough for an already normalised domain. NULL and *err if the steps
 * asset does not parse. */
struct onboard *onboard_new(const struct config *cfg, const char *domain,
                            const struct onboard_backend *be, void *be_ud,
                            const struct onboard_ui *ui, const struct onboard_opts *opts,
                            char **err);
void onboard_free(struct onboard *ob);

/* Feeds back a stored outcome (latest per step) before running. */
void onboard_restore(struct onboard *ob, const struct onboard_outcome *o);

/* The first step that is not final (DONE or SKIPPED), or steps.n when all are. */
size_t onboard_next(const struct onboard *ob);

/* Runs step i once (blocking, a few API calls; the verify step may wait up to wait_s):
 * reads MailCow's state first, so a domain, alias or key that exists is adopted, asks
 * before writing, saves the outcome and returns the new state.
 *
 * The console drives it step by step without blocking: it shows onboard_step_header()
 * and onboard_step_describe() for onboard_next(), asks the admin itself when the step's
 * def->writes is set, then calls onboard_step_run() on its worker thread with
 * ui.confirm = NULL (already confirmed) and wait_s = 0 (the verify step then runs one
 * round; the console repeats it on its refresh timer for live verification). The engine
 * is not thread-safe: one thread at a time may use an onboard. */
enum onboard_state onboard_step_run(struct onboard *ob, size_t i);

/* Runs from the first step not done until the end, or until a step fails, is declined
 * or needs a read-write key. Returns the state of the last step run. */
enum onboard_state onboard_run(struct onboard *ob);

/* One verification round: the backend's checks of the domain, kept in ob->last, only
 * those the verify step lists. 0, or -1 and *why (caller frees). */
int onboard_verify(struct onboard *ob, char **why);

/* Reads MailCow (GETs only) and appends the whole plan to out: every step with its
 * state, what it would do, and the zone lines. */
void onboard_plan(struct onboard *ob, struct buf *out);

/* The zone lines to publish (step f), one per line. */
void onboard_zone_lines(struct onboard *ob, struct buf *out);

/* "Step c (3 of 9): Create the catch-all alias [done]" (no newline). */
void onboard_step_header(const struct onboard *ob, size_t i, struct buf *out);

/* What a step would do / did, a few lines for the console ("Step c of 9" screen). */
void onboard_step_describe(struct onboard *ob, size_t i, struct buf *out);

/* Whether the last verification passed: strict = every check ok; otherwise a policy in
 * testing mode (mta_sts.policy warning) is tolerated. Appends the failing ones to
 * missing (one "check target: summary" line each) when not NULL. */
bool onboard_checks_green(const struct onboard_checks *c, bool strict, struct buf *missing);

/* who_current() as one string: "alice from 192.0.2.7" ($SUDO_USER else the login name,
 * and the SSH client address). Caller frees. */
char *onboard_who(void);

/* The relay's concrete MX hosts from a snapshot: the MX hosts, most preferred first, of
 * the first domain (other than except_domain) whose every MX host matches relay.mx.
 * Leaves out empty when no domain qualifies. */
struct snapshot;
void onboard_relay_mx_from(const struct snapshot *s, const struct config *cfg, const char *except_domain,
                           struct strv *out);

/* The message for a read-only key (static storage). */
const char *onboard_readonly_message(void);

#endif
