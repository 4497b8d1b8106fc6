/* tsnap: builds snapshots by hand for tests, tersely: a healthy site that passes every check
 * under tsnap_config(), which each case then breaks in one place. Frees what it built. */
#ifndef MCON_TSNAP_H
#define MCON_TSNAP_H

#include "core/checks.h"
#include "core/config.h"
#include "core/snapshot.h"

/* Base64 public keys: 2048, 1024 and 768-bit RSA SPKI, a second 2048-bit one, and a
 * 2048-bit bare PKCS#1 key. */
extern const char TK_K2048[], TK_K1024[], TK_K768[], TK_K2048B[], TK_PKCS1[];

/* The runbook's site (MXRoute relay, overlay netgrimoire, selectors mailcow + mxroute),
 * with `extra` INI text appended (later keys override earlier ones). Aborts on a bad config. */
void tsnap_config(struct config *cfg, const char *extra);

/* A snapshot on which every check passes under tsnap_config(cfg, NULL): the expected
 * services running, nginx-mailcow alone on the overlay, two domains example.com and
 * example.net with complete DNS, MTA-STS, DKIM, catch-alls and a relayhost. */
struct snapshot *tsnap_healthy(void);
/* The same at the runbook site's size: 8 domains and the 18 services of mailcow-dockerized. */
struct snapshot *tsnap_site(void);
void tsnap_free(struct snapshot *s);

struct container *tsnap_container(struct snapshot *s, const char *service); /* NULL if absent */
struct container *tsnap_add_container(struct snapshot *s, const char *service, const char *state);
void tsnap_attach(struct container *c, const char *network);
void tsnap_remove_container(struct snapshot *s, const char *service);
struct snap_domain *tsnap_domain(struct snapshot *s, const char *name);
/* Replaces an answer's records: values NULL-terminated; status DNS_OK when any. */
void tsnap_answer(struct dns_answer *a, enum dns_status st, ...);
struct dns_answer *tsnap_dkim(struct snap_domain *d, const char *selector);
void tsnap_fail(struct part_error *e, const char *why);
/* Sets a string field (frees the old value). */
void tsnap_set(char **field, const char *value);

/* The result of check id for target in a run, or NULL. */
const struct check_result *tsnap_result(const struct check_run *r, const char *check, const char *target);
/* How many results of check id the run has. */
size_t tsnap_count(const struct check_run *r, const char *check);

#endif
