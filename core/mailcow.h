/* mailcow: the MailCow REST API client. Reads (domains, aliases, mailboxes, DKIM per
 * domain, container status, version, mail queue, relayhosts) run on the refresh's
 * fetcher; the writes onboarding needs are synchronous helpers. Parsers are tolerant of
 * the real quirks (numbers or digit strings, {} for an empty list, missing tags) and
 * drop secrets (relayhost passwords, DKIM private keys) as they parse. The API key is
 * sent only in the X-API-Key header and wiped after use. */
#ifndef MCON_MAILCOW_H
#define MCON_MAILCOW_H

#include <stdbool.h>
#include <stddef.h>
#include "core/config.h"
#include "core/fetch.h"
#include "core/snapshot.h"

struct dns_resolver;

/* Largest response body accepted; a larger one is an error, never an allocation. */
#define MAILCOW_MAX_BODY (32u << 20)

/* ---- Parsers: 0, or -1 with *err (caller frees). They add to st's arrays. ---- */
int mailcow_parse_domains(const char *body, size_t len, struct mailcow_state *st, char **err);
int mailcow_parse_aliases(const char *body, size_t len, struct mailcow_state *st, char **err);
int mailcow_parse_mailboxes(const char *body, size_t len, struct mailcow_state *st, char **err);
int mailcow_parse_relayhosts(const char *body, size_t len, struct mailcow_state *st, char **err);
int mailcow_parse_services(const char *body, size_t len, struct mailcow_state *st, char **err);
int mailcow_parse_version(const char *body, size_t len, struct mailcow_state *st, char **err);
int mailcow_parse_mailq(const char *body, size_t len, struct mailcow_state *st, char **err);
/* out->domain is kept; present=false for MailCow's {} (no key). */
int mailcow_parse_dkim(const char *body, size_t len, struct mc_dkim *out, char **err);

/* What a 401/403/empty answer means for the key, with a message saying what to do
 * (*why, caller frees). KEY_OK for anything else. */
enum key_problem mailcow_classify(long status, const char *body, size_t len, char **why);

/* ---- Collection on a refresh's fetcher ---- */
struct mailcow_client;

/* Starts with GET domain/all alone: a refused key then costs MailCow's netfilter one
 * failed login per refresh, not one per endpoint. When it succeeds the other endpoints
 * start together; on_domains(ud) runs once the domain list is known or has failed (also
 * when the API is not configured or the key is missing: then at once, from here).
 * r (may be NULL) resolves the API's host when dns.servers is set. Never NULL. */
struct mailcow_client *mailcow_start(struct fetcher *f, struct dns_resolver *r, const struct config *cfg,
				     struct mailcow_state *st, void (*on_domains)(void *ud), void *ud);
/* Whether the domain list arrived (st->domains is then final). */
bool mailcow_domains_ok(const struct mailcow_client *c);
/* GET dkim/<out->domain> into *out, unless the key was refused meanwhile. */
void mailcow_fetch_dkim(struct mailcow_client *c, struct mc_dkim *out);
/* Requests still in flight. */
int mailcow_outstanding(const struct mailcow_client *c);
/* Requests made and the sum of their times (for the bench). */
void mailcow_stats(const struct mailcow_client *c, int *requests, long long *total_ms);
/* Marks whatever did not answer (refresh deadline or cancel) and wipes the key. Call
 * after the loop; the fetcher must still exist or be freed already (no callbacks run). */
void mailcow_client_free(struct mailcow_client *c);

/* ---- Backoff across refreshes after a refused key ---- */
/* true when prev says not to call MailCow yet; then st gets prev's key state and an
 * error saying until when. */
bool mailcow_backoff_active(const struct mailcow_state *prev, time_t now, struct mailcow_state *st);
/* Sets st->auth_failures and next_try from this refresh's outcome and prev. */
void mailcow_backoff_update(struct mailcow_state *st, const struct mailcow_state *prev, time_t now);

/* ---- Writes (onboarding): synchronous, through a fetcher of their own ---- */
struct mc_write_result {
	bool ok;
	long http_status;
	enum key_problem key;   /* KEY_READ_ONLY when the key may not write */
	char *message;          /* MailCow's messages ("domain_added: a.com") or what went wrong */
	char *id;               /* the new alias id from alias_added, or NULL */
};
void mc_write_result_free(struct mc_write_result *r);
/* HTTP 200 with any danger/error entry is a failure; 403 is a read-only key. */
int mailcow_parse_write(long status, const char *body, size_t len, struct mc_write_result *res);

/* POST /api/v1/<action> (e.g. "add/domain") with a JSON body. 0 when MailCow reports
 * success, -1 otherwise; res says why either way. */
int mailcow_post(const struct config *cfg, const char *action, const char *json_body, struct mc_write_result *res);
int mailcow_add_domain(const struct config *cfg, const char *domain, const char *description,
		       const char *dkim_selector, int key_size, struct mc_write_result *res);
/* active=1, sender_allowed=1, internal=0 always: omitted they become 0 (see mailcow.md). */
int mailcow_add_alias(const struct config *cfg, const char *address, const char *goto_addr,
		      struct mc_write_result *res);
int mailcow_edit_alias(const struct config *cfg, const char *id_or_address, const char *goto_addr, bool active,
		       struct mc_write_result *res);
int mailcow_add_dkim(const struct config *cfg, const char *domain, const char *selector, int key_size,
		     struct mc_write_result *res);
/* mode: enforce, testing or none; mx_csv: "a.example,*.b.example". */
int mailcow_add_mta_sts(const struct config *cfg, const char *domain, const char *mode, long max_age,
			const char *mx_csv, struct mc_write_result *res);
int mailcow_edit_mta_sts(const struct config *cfg, const char *domain, const char *mode, long max_age,
			 const char *mx_csv, struct mc_write_result *res);

#endif
