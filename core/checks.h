/* checks: every check of the contract (section 4) as a pure function of the snapshot, the
 * configuration and the previous recorded state, declared in one table; the result type, the
 * status order and the figures the Nagios perfdata and Prometheus output report. */
#ifndef MCON_CHECKS_H
#define MCON_CHECKS_H

#include <stdbool.h>
#include <stddef.h>
#include "core/config.h"
#include "core/snapshot.h"

/* Every status of a check result, in one table: the name of the contract (JSON, history,
 * --only), the console's short word, the Nagios word, the symbol (UTF-8 and ASCII), the
 * Nagios plugin exit code, and the rank for "worst of" folding: ok < warning < unknown <
 * critical (a known fault outranks a blind spot, but not being able to look outranks a
 * mere warning). NONE is "no result" (not applicable) for the console's folds: no check
 * reports it and it ranks below ok. Its row comes last, so the four real statuses keep
 * their Nagios codes as enum values and STATUS__COUNT counts only them. */
#define STATUS_INFO(_) \
	/* id        name        word    nagios      symbol          ascii code rank */ \
	_(OK,        "ok",       "OK",   "OK",       "\xe2\x9c\x93", "+",  0,   0) \
	_(WARNING,   "warning",  "WARN", "WARNING",  "!",            "!",  1,   1) \
	_(CRITICAL,  "critical", "CRIT", "CRITICAL", "\xe2\x9c\x97", "x",  2,   3) \
	_(UNKNOWN,   "unknown",  "UNKN", "UNKNOWN",  "?",            "?",  3,   2) \
	_(NONE,      "none",     "-",    "UNKNOWN",  "-",            "-",  3,  -1)

enum status {
#define STATUS_ENUM(id, name, word, nagios, symbol, ascii, code, rank) STATUS_##id,
	STATUS_INFO(STATUS_ENUM)
#undef STATUS_ENUM
};
#define STATUS__COUNT STATUS_NONE       /* the statuses a check reports */

const char *status_name(enum status s);        /* "ok", "warning", "critical", "unknown" */
const char *status_word(enum status s);        /* "OK", "WARN", "CRIT", "UNKN", "-" */
const char *status_upper(enum status s);       /* "OK", "WARNING", ... (Nagios) */
const char *status_symbol(enum status s, bool ascii);
int status_code(enum status s);                /* the Nagios plugin exit code */
int status_rank(enum status s);
/* Parses a name or word, case-insensitive ("warning", "WARN"); STATUS_NONE when it is none. */
enum status status_parse(const char *name);
enum status status_worse(enum status a, enum status b);
/* Worse than ok: warning, unknown or critical. */
bool status_bad(enum status s);

struct check_result {
	const char *check;      /* the id, static */
	char *target;
	enum status status;
	char *summary;          /* one line, names the values compared */
	char *hint;             /* what to do and where; NULL when ok */
};

/* Figures for perfdata and metrics; -1 when unknown. */
struct check_perf {
	long containers_running, containers_total;
	long domains_total, domains_failing;
	long dkim_min_bits;         /* the smallest RSA key published in DNS */
	long spf_max_lookups;       /* the largest SPF lookup count of any domain */
	long spf_max_void;
	long mail_deferred;
	long collect_ms;
};

struct check_run {
	struct check_result *results;
	size_t n, cap;
	struct check_perf perf;
	time_t at;              /* when the snapshot was taken */
};

/* The previous recorded state the checks compare with, loaded by the caller before the run
 * (from the database `mcon record` fills), so that every check is a pure function of the
 * snapshot, the configuration and this: the restart count of each compose service at the
 * last record. A service not listed has no earlier record. */
struct check_prev_restart {
	char *service;
	long count;
};
struct check_prev {
	struct check_prev_restart *restarts;
	size_t n_restarts;
};
void check_prev_add_restarts(struct check_prev *p, const char *service, long count);
/* The recorded restart count of a service; -1 when there is none. */
long check_prev_restarts(const struct check_prev *p, const char *service);
void check_prev_free(struct check_prev *p);
/* The compose services the container checks report on (docker.expected and every service
 * present, sorted): the names a caller loads previous state for. */
void check_services(const struct snapshot *s, const struct config *cfg, struct strv *out);

enum target_kind {
	TARGET_ENDPOINT,        /* docker.host */
	TARGET_URL,             /* mailcow.url */
	TARGET_SERVER,          /* the resolver */
	TARGET_SERVICE,         /* compose service name */
	TARGET_DOMAIN,
	TARGET_DOMAIN_SELECTOR, /* <domain>/<selector> */
	TARGET_FIXED,           /* a fixed name: stack, roundcube, postfix */
	TARGET_ADDRESS          /* outbound.ip (no target when unset) */
};

/* The families of the domain checks, in the order of the console's domains pane columns,
 * with the column titles. A check names its family in its row of the check table. */
#define FAMILY_INFO(_) \
	_(MAILCOW, "MCOW") \
	_(MX, "MX") \
	_(SPF, "SPF") \
	_(DMARC, "DMARC") \
	_(DKIM, "DKIM") \
	_(MTA_STS, "MTASTS") \
	_(TLS_RPT, "TLSRPT")

enum family {
	FAM_NONE = -1,              /* not a domain check */
#define FAMILY_ENUM(id, title) FAM_##id,
	FAMILY_INFO(FAMILY_ENUM)
#undef FAMILY_ENUM
	FAM__COUNT
};
const char *family_title(enum family f);   /* "MCOW", "MX", ... */
/* The family a check id belongs to; FAM_NONE when it is not a domain check. */
enum family family_of_check(const char *check);

struct check_ctx;
struct check_def {
	const char *id;
	enum target_kind target;
	const char *fixed_target;   /* TARGET_FIXED only */
	unsigned sources;           /* bit (1u << SRC_*) per source needed */
	bool own_errors;            /* the function itself reports its source's failure */
	enum family family;         /* the domains pane column, FAM_NONE for the others */
	void (*run)(struct check_ctx *c);
	const char *what;           /* one line for help and metrics */
};

/* The table (CHECK_INFO in checks_int.h), in output order. */
extern const struct check_def check_table[];
extern const size_t check_table_len;
const struct check_def *check_find(const char *id);

/* Runs every check; out is initialised here and freed with check_run_free. prev may be
 * NULL (no previous state). */
void checks_run(const struct snapshot *s, const struct config *cfg, const struct check_prev *prev,
		struct check_run *out);
/* Scoped runs (`mcon check --only GLOB`). A check is selected when a glob matches its id; a
 * glob with ':' selects by its part before the first ':' (the id part). NULL or no globs
 * select every check. */
bool check_selected(const struct check_def *def, const struct strv *globs);
/* What the selected checks need collected, as bits (1u << SRC_*): their sources in the table
 * (the stack files for a check that names none), plus MailCow (the domain list) for the
 * per-domain checks. For collect_opts.sources. */
unsigned checks_sources(const struct strv *globs);
/* Whether a selected check compares with the previous recorded state (the database). */
bool checks_need_prev(const struct strv *globs);
/* checks_run for the selected checks only. */
void checks_run_only(const struct snapshot *s, const struct config *cfg, const struct check_prev *prev,
		     const struct strv *globs, struct check_run *out);
void check_run_free(struct check_run *r);
enum status check_run_worst(const struct check_run *r);
void check_run_counts(const struct check_run *r, size_t counts[STATUS__COUNT]);
/* Keeps only results whose id (pattern without ':') or "id:target" (pattern with ':')
 * matches one of the globs; returns how many are left. */
size_t check_run_filter(struct check_run *r, const struct strv *globs);
/* Appends one result (copies the strings); for tests and the output layer. */
void check_run_add(struct check_run *r, const char *check, const char *target, enum status st,
		   const char *summary, const char *hint);

/* Helpers the checks use, exposed for their tests. */
/* Bits of a base64 RSA public key (SPKI or PKCS#1); 0 when it does not parse. */
int dkim_pubkey_bits(const char *b64, const char **key_type);
/* The p= of a DKIM TXT record, whitespace dropped (caller frees); NULL without p=. */
char *dkim_txt_p(const char *txt);
/* Finds tag `name` in a "k=v; k=v" record (whitespace around tags and values dropped);
 * caller frees; NULL when absent. */
char *tag_value(const char *record, const char *name);
/* MTA-STS mx: pattern match (RFC 8461: "*." matches exactly one label). */
bool mta_sts_mx_match(const char *pattern, const char *host);
/* "100.0 MiB" for a byte count. */
void bytes_human(long long bytes, char out[32]);
/* Lower-case hex sha256 of a string (caller frees). */
char *sha256_hex(const char *data, size_t len);
/* Copies s without control characters, '|' or newlines, cut at max bytes (caller frees). */
char *text_clean(const char *s, size_t max);

#endif
