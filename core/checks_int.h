/* checks_int: what the check files (checks.c, check_domain.c, check_stack.c) share and
 * nothing else includes: the run context, the helpers, and the check table (CHECK_INFO)
 * with the functions it names. */
#ifndef MCON_CHECKS_INT_H
#define MCON_CHECKS_INT_H

#include "core/checks.h"

struct check_ctx {
	const struct snapshot *s;
	const struct config *cfg;
	const struct check_prev *prev;
	struct check_run *out;
	const struct check_def *def;
};

/* Adds a result of the running check; takes ownership of summary and hint (hint is
 * dropped for ok results). */
void check_emit(struct check_ctx *c, const char *target, enum status st, char *summary, char *hint);

/* A DNS answer that says nothing about the record (timeout, SERVFAIL, ...). */
bool dns_unusable(const struct dns_answer *a);
/* "timeout from 127.0.0.1:53" for an unusable answer (caller frees). */
char *dns_failure(const struct dns_answer *a);
/* The TXT values of an answer whose tags start with prefix (case-insensitive); returns the
 * count and sets *first to the first such value. */
size_t txt_count(const struct dns_answer *a, const char *prefix, const char **first);
/* The host of mailcow.url (caller frees), NULL when unset. */
char *mailcow_host(const struct config *cfg);

#define SB(x) (1u << (x))

/* Every check of the contract, in output order: one row each, and the function
 * check_<fn>(struct check_ctx *) that the row names. A new check is its function and its
 * row here; the README's contract table lists it for users. Columns: the id, the function,
 * what the targets are (and the fixed target's name), the sources it needs (the run
 * reports `unknown` for every target while one of them failed), whether the function
 * reports its own source's failure instead, its family (the domains pane column), and one
 * line for help and metrics. */
#define CHECK_INFO(_) \
	_("docker.api", docker_api, TARGET_ENDPOINT, NULL, SB(SRC_DOCKER), true, FAM_NONE, \
	  "the Docker Engine API answers") \
	_("mailcow.api", mailcow_api, TARGET_URL, NULL, SB(SRC_MAILCOW), true, FAM_NONE, \
	  "the MailCow API answers with the key") \
	_("dns.resolver", dns_resolver, TARGET_SERVER, NULL, SB(SRC_DNS), true, FAM_NONE, \
	  "the resolver answers") \
	_("containers.running", containers_running, TARGET_SERVICE, NULL, SB(SRC_DOCKER), false, FAM_NONE, \
	  "every expected compose service exists and is running") \
	_("containers.health", containers_health, TARGET_SERVICE, NULL, SB(SRC_DOCKER), false, FAM_NONE, \
	  "containers with a healthcheck are healthy") \
	_("containers.restarts", containers_restarts, TARGET_SERVICE, NULL, SB(SRC_DOCKER), false, FAM_NONE, \
	  "no container restarted since the last record") \
	_("overlay.attachment", overlay_attachment, TARGET_SERVICE, NULL, SB(SRC_DOCKER), false, FAM_NONE, \
	  "only overlay.allowed services are attached to overlay.network") \
	_("domain.active", domain_active, TARGET_DOMAIN, NULL, SB(SRC_MAILCOW), false, FAM_MAILCOW, \
	  "the domain exists in MailCow and is active") \
	_("domain.catchall", domain_catchall, TARGET_DOMAIN, NULL, SB(SRC_MAILCOW), false, FAM_MAILCOW, \
	  "an active catch-all alias exists (relay.catchall)") \
	_("relay.outbound", relay_outbound, TARGET_DOMAIN, NULL, SB(SRC_MAILCOW), false, FAM_MAILCOW, \
	  "the domain sends through a relayhost") \
	_("mx.relay", mx_relay, TARGET_DOMAIN, NULL, SB(SRC_DNS), false, FAM_MX, \
	  "MX hosts match relay.mx (or the MailCow host)") \
	_("spf.record", spf_record, TARGET_DOMAIN, NULL, SB(SRC_DNS), false, FAM_SPF, \
	  "one SPF record with the relay include, within the lookup limits") \
	_("dmarc.record", dmarc_record, TARGET_DOMAIN, NULL, SB(SRC_DNS), false, FAM_DMARC, \
	  "one DMARC record with an enforcing policy") \
	_("dkim.mailcow", dkim_mailcow, TARGET_DOMAIN, NULL, SB(SRC_DNS) | SB(SRC_MAILCOW), false, FAM_DKIM, \
	  "the DNS key of the MailCow selector equals MailCow's key") \
	_("dkim.selector", dkim_selector, TARGET_DOMAIN_SELECTOR, NULL, SB(SRC_DNS), false, FAM_DKIM, \
	  "every dkim.selectors key is published, valid and strong enough") \
	_("mta_sts.record", mta_sts_record, TARGET_DOMAIN, NULL, SB(SRC_DNS), false, FAM_MTA_STS, \
	  "the _mta-sts TXT record is v=STSv1 with an id") \
	_("mta_sts.policy", mta_sts_policy, TARGET_DOMAIN, NULL, SB(SRC_DNS) | SB(SRC_MTA_STS), false, FAM_MTA_STS, \
	  "the MTA-STS policy is served and covers every MX host") \
	_("tls_rpt.record", tls_rpt_record, TARGET_DOMAIN, NULL, SB(SRC_DNS), false, FAM_TLS_RPT, \
	  "a TLS-RPT record with rua= is published") \
	_("limits.size", limits_size, TARGET_FIXED, "stack", SB(SRC_FILES), false, FAM_NONE, \
	  "Postfix, Rspamd and ClamAV size limits agree") \
	_("roundcube.imap_tls", roundcube_imap_tls, TARGET_FIXED, "roundcube", 0, true, FAM_NONE, \
	  "Roundcube's IMAP TLS to Dovecot skips the name check") \
	_("queue.deferred", queue_deferred, TARGET_FIXED, "postfix", SB(SRC_MAILCOW), false, FAM_NONE, \
	  "few deferred messages in the Postfix queue")

#define CHECK_PROTO(id, fn, target, fixed, sources, own, family, what) void check_##fn(struct check_ctx *c);
CHECK_INFO(CHECK_PROTO)
#undef CHECK_PROTO

#endif
