/* collect: builds one snapshot per refresh, every source concurrently on one fetcher
 * (curl multi + c-ares), and carries each part's error "since" over from the previous
 * snapshot. Blocking: the console runs it on a worker thread, the CLI directly. */
#ifndef MCON_COLLECT_H
#define MCON_COLLECT_H

#include "core/config.h"
#include "core/snapshot.h"

/* What a refresh cost, for the bench: every HTTP request (Docker, MailCow, MTA-STS) and
 * DNS query, and the sum of their own times (what they cost one after another). */
struct collect_stats {
	int http_requests;
	long long http_ms;
	int dns_queries, dns_answered, dns_tcp;
	long long dns_ms;
};

struct collect_opts {
	const struct snapshot *prev;    /* previous snapshot, for error "since" times; may be NULL */
	long long deadline_ms;          /* fetch_now_ms() bound on the whole refresh; 0 = from timeouts */
	int cancel_fd;                  /* readable = stop early (the console quitting); -1 none */
	int max_http, max_dns;          /* in flight at once; 0 = mailcow.max_requests and 64 */
	struct collect_stats *stats;    /* filled when not NULL */
	unsigned sources;               /* bits (1u << SRC_*) to collect (checks_sources()); 0 = all */
};

/* Collects everything the configuration names. Never NULL: parts that failed carry
 * their error. The caller frees with snapshot_free(). opts may be NULL.
 *
 * Order: Docker, the stack files and MailCow's domain list start at once; each watched
 * domain's DKIM request and DNS queries start as soon as the list is known, and its
 * MTA-STS policy as soon as mta-sts.<domain> has an address, so a refresh takes about
 * its slowest chain of dependent requests, not their sum.
 *
 * The watched domains are MailCow's (per domains.include/exclude) plus the literal names
 * in domains.include. Without MailCow's list (mailcow.url unset, key refused, API down)
 * there is no other source of domain names: DNS and MTA-STS then run for the literal
 * domains.include names and the previous snapshot's domains only.
 *
 * A scoped run (opts->sources) starts only those sources: no resolver without DNS or
 * MTA-STS, no MailCow client without MailCow (the DNS sources imply its domain list), no
 * stack files without them. The parts not collected carry the error "not collected: outside
 * the checks asked for", so a check that reads them says unknown rather than wrong. */
struct snapshot *collect_run(const struct config *cfg, const struct collect_opts *opts);

#endif
