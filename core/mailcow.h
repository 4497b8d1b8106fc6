/* mailcow: the one MailCow REST API client. Collection (domains, aliases, mailboxes, DKIM
 * per domain, container status, version, mail queue, relayhosts) runs on the refresh's
 * fetcher; onboarding and fixes use a session (struct mailcow_api) for reads and writes one
 * at a time. Every request is pinned to the dns.servers answer for the API's host and its
 * status mapped to a key problem the same way. The parsers (core/mailcow_parse.c) are
 * tolerant of the real quirks (numbers or digit strings, {} for an empty list, missing
 * tags) and drop secrets (relayhost passwords, DKIM private keys) as they parse. The API
 * key is sent only in the X-API-Key header and wiped after use. */
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
/* Whether a domain name MailCow returned is a plain DNS name (letters, digits, hyphens,
 * dots; an IDN as its A-label); others are reported and not used. */
bool mailcow_domain_name_ok(const char *name);
int mailcow_parse_domains(const char *body, size_t len, struct mailcow_state *st, char **err);
int mailcow_parse_aliases(const char *body, size_t len, struct mailcow_state *st, char **err);
int mailcow_parse_mailboxes(const char *body, size_t len, struct mailcow_state *st, char **err);
int mailcow_parse_relayhosts(const char *body, size_t len, struct mailcow_state *st, char **err);
int mailcow_parse_services(const char *body, size_t len, struct mailcow_state *st, char **err);
int mailcow_parse_version(const char *body, size_t len, struct mailcow_state *st, char **err);
int mailcow_parse_mailq(const char *body, size_t len, struct mailcow_state *st, char **err);
/* out->domain is kept; present=false for MailCow's {} (no key). */
int mailcow_parse_dkim(const char *body, size_t len, struct mc_dkim *out, char **err);

/* What a 401/403/empty answer, or a 500 from MailCow's startup checks (naming the backend
 * that failed: KEY_UNCHECKED), means for the key, with a message saying what to do (*why,
 * caller frees). KEY_OK for anything else. */
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

/* ---- Requests one at a time (onboarding, fixes): a session on a private fetcher ---- */

/* The outcome of one synchronous request. */
struct mc_result {
	bool ok;
	long http_status;
	enum key_problem key;   /* KEY_READ_ONLY when the key may not write */
	char *message;          /* MailCow's messages ("domain_added: a.com") or what went wrong */
	char *warnings;         /* every "warning" entry of a write answer ("domain_added_sogo_failed"), or NULL */
	char *id;               /* the new alias id from alias_added, or NULL */
};
void mc_result_free(struct mc_result *r);
/* A write answer: an array of {type, log, msg}, or one such object (add/mta-sts); msg a
 * string or an array. Any danger/error entry is a failure; warning entries go to
 * res->warnings and do not fail the write; 403 is a read-only key. 0 or -1. */
int mailcow_parse_write(long status, const char *body, size_t len, struct mc_result *res);

struct mailcow_api;
/* Reads the API key ($MCON_API_KEY or mailcow.api_key_file) and checks mailcow.url; NULL
 * and *err when either is missing or wrong. The host is resolved through dns.servers (when
 * set) on the first request; every request is pinned to that answer. cfg must outlive it. */
struct mailcow_api *mailcow_api_new(const struct config *cfg, char **err);
/* Wipes the key. NULL is fine. */
void mailcow_api_free(struct mailcow_api *a);

/* Every call below returns 0 when MailCow answered and (for a write) reported success,
 * -1 otherwise; res (freed and refilled) says why either way: res->key for a refused or
 * read-only key, res->message for the rest. */

/* POST /api/v1/<action> (e.g. "add/domain") with a JSON body. */
int mailcow_post(struct mailcow_api *a, const char *action, const char *json_body, struct mc_result *res);
/* GET get/status/version into st->version. */
int mailcow_get_version(struct mailcow_api *a, struct mailcow_state *st, struct mc_result *res);
/* GET get/domain/<domain>: st gets it (none when MailCow does not know it). */
int mailcow_get_domain(struct mailcow_api *a, const char *domain, struct mailcow_state *st, struct mc_result *res);
/* GET get/alias/all/<domain>: st gets the domain's aliases. */
int mailcow_get_aliases(struct mailcow_api *a, const char *domain, struct mailcow_state *st, struct mc_result *res);
/* GET get/dkim/<out->domain> into *out (present=false when MailCow holds no key). The
 * answer's private key, if any, is wiped before the body is freed. */
int mailcow_get_dkim(struct mailcow_api *a, struct mc_dkim *out, struct mc_result *res);

/* An edit of no item: writes nothing, but MailCow refuses it (403) for a read-only key.
 * 0 when the key may write. */
int mailcow_write_probe(struct mailcow_api *a, struct mc_result *res);
/* The mail queue: action "flush" (every message, ids ignored), "hold", "unhold" or "deliver"
 * (POST edit/mailq {"items":[ids],"attr":{"action":...}}), or "delete" (POST delete/mailq
 * [ids]). MailCow runs postqueue/postsuper in postfix-mailcow. */
int mailcow_mailq(struct mailcow_api *a, const char *action, const struct strv *ids, struct mc_result *res);
/* restart_sogo: let MailCow restart the sogo-mailcow container (so that SOGo sees the
 * domain at once); off, SOGo sees it at its next restart. A failed restart comes back as a
 * warning (domain_added_sogo_failed) in res->warnings. */
int mailcow_add_domain(struct mailcow_api *a, const char *domain, const char *description,
		       const char *dkim_selector, int key_size, bool restart_sogo, struct mc_result *res);
/* active=1, sender_allowed=1 (as MailCow's UI: the API stores 0 when left out),
 * sogo_visible=0, internal=0. */
int mailcow_add_alias(struct mailcow_api *a, const char *address, const char *goto_addr, struct mc_result *res);
/* goto_addr NULL keeps the target. */
int mailcow_edit_alias(struct mailcow_api *a, const char *id_or_address, const char *goto_addr, bool active,
		       struct mc_result *res);
int mailcow_add_dkim(struct mailcow_api *a, const char *domain, const char *selector, int key_size,
		     struct mc_result *res);
/* mode: enforce, testing or none; mx_csv: "a.example,*.b.example". version stsv1. */
int mailcow_add_mta_sts(struct mailcow_api *a, const char *domain, const char *mode, long max_age,
			const char *mx_csv, struct mc_result *res);
/* Always sends "version":"stsv1" and active 1 (MailCow refuses an edit without the version:
 * it reads its own "STSv1" back as invalid); NULL mode or mx_csv and max_age 0 keep the
 * stored value. */
int mailcow_edit_mta_sts(struct mailcow_api *a, const char *domain, const char *mode, long max_age,
			 const char *mx_csv, struct mc_result *res);

#endif
