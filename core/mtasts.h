/* mtasts: the MTA-STS policy of a domain (RFC 8461): fetched from
 * https://mta-sts.<domain>:<mta_sts.port>/.well-known/mta-sts.txt with the host pinned to
 * the address our own resolver found (CURLOPT_RESOLVE), verified against
 * mta_sts.ca_file, no redirects, at most 64 KiB; then parsed. */
#ifndef MCON_MTASTS_H
#define MCON_MTASTS_H

#include <stddef.h>
#include "core/config.h"
#include "core/fetch.h"
#include "core/snapshot.h"

#define MTASTS_MAX_BODY (64u << 10)

/* Parses a policy body into p (version, mode, mx, max_age, raw); problems go to p->err
 * (what "parse the policy"). Returns 0 when it is a valid policy, -1 otherwise. CRLF or
 * LF line ends, blanks around keys and values tolerated, unknown keys ignored. */
int mtasts_parse(const char *text, size_t len, struct mta_sts_policy *p);

/* Starts the fetch of domain's policy on f: host pinned to the addresses of host_a (the
 * A answer for mta-sts.<domain>). Fills *p, then calls done (may be NULL). When host_a
 * has no address, *p gets the error at once and done runs before this returns. */
void mtasts_fetch(struct fetcher *f, const struct config *cfg, const char *domain, const struct dns_answer *host_a,
		  struct mta_sts_policy *p, void (*done)(struct mta_sts_policy *p, void *ud), void *ud);

void mta_sts_policy_free(struct mta_sts_policy *p);

#endif
