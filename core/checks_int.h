/* checks_int: what the check files (checks.c, check_domain.c, check_stack.c) share and
 * nothing else includes: the run context and the functions of the table. */
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

void check_docker_api(struct check_ctx *c);
void check_mailcow_api(struct check_ctx *c);
void check_dns_resolver(struct check_ctx *c);
void check_containers_running(struct check_ctx *c);
void check_containers_health(struct check_ctx *c);
void check_containers_restarts(struct check_ctx *c);
void check_overlay_attachment(struct check_ctx *c);
void check_domain_active(struct check_ctx *c);
void check_domain_catchall(struct check_ctx *c);
void check_relay_outbound(struct check_ctx *c);
void check_mx_relay(struct check_ctx *c);
void check_spf_record(struct check_ctx *c);
void check_dmarc_record(struct check_ctx *c);
void check_dkim_mailcow(struct check_ctx *c);
void check_dkim_selector(struct check_ctx *c);
void check_mta_sts_record(struct check_ctx *c);
void check_mta_sts_policy(struct check_ctx *c);
void check_tls_rpt_record(struct check_ctx *c);
void check_limits_size(struct check_ctx *c);
void check_roundcube_imap_tls(struct check_ctx *c);
void check_queue_deferred(struct check_ctx *c);

#endif
