/* dns: the resolver of a refresh. A c-ares channel on dns.servers (host:port, IPv6 in
 * brackets) or the system resolver, polled by the fetcher's loop; answers are parsed with
 * libresolv's ns_parse so every record keeps its TTL. Statuses keep NXDOMAIN, NODATA,
 * SERVFAIL, REFUSED and timeouts apart, and each answer names the server it came from.
 * Servers are tried in order when one times out or is unreachable; an answer from a
 * server, SERVFAIL and REFUSED included, is final. */
#ifndef MCON_DNS_H
#define MCON_DNS_H

#include <stdbool.h>
#include "core/config.h"
#include "core/fetch.h"
#include "core/snapshot.h"

/* ns_t values, so callers need not include arpa/nameser.h. */
enum { DNS_T_A = 1, DNS_T_CNAME = 5, DNS_T_PTR = 12, DNS_T_MX = 15, DNS_T_TXT = 16, DNS_T_AAAA = 28 };

struct dns_resolver;

/* A resolver on cfg's dns.servers and dns.timeout_ms, at most max_inflight queries on
 * the wire at once (0 = 64; more wait in a queue). NULL with *err when the servers are
 * unusable or c-ares cannot start. The fetcher's loop polls it once attached. */
struct dns_resolver *dns_resolver_new(const struct config *cfg, int max_inflight, char **err);
void dns_resolver_attach(struct dns_resolver *r, struct fetcher *f);
/* Cancels what is in flight (callbacks run with DNS_ERROR "cancelled" and must not start
 * new queries: dns_query refuses once closing) and frees. */
void dns_resolver_free(struct dns_resolver *r);

/* "127.0.0.1:5353, [::1]:53" or "system (10.0.0.1:53)". Borrowed. */
const char *dns_resolver_describe(const struct dns_resolver *r);

/* Counters over the resolver's life: queries asked, answers received (any rcode), TCP
 * connections opened (a truncated UDP answer makes c-ares retry over TCP). */
struct dns_stats {
	int queries, answered, transport_failures, tcp_connections;
	int usable;             /* answers that say something about the name: ok, nxdomain, nodata */
	long long total_ms;     /* sum of each query's time on the wire */
};
void dns_resolver_stats(const struct dns_resolver *r, struct dns_stats *out);

/* Asks name/type; fills *out (previous content freed) and then calls done (may be NULL).
 * CNAMEs in the answer are recorded and, when the answer stops at a CNAME without the
 * records asked for, followed with a new query (at most 8 hops). Until the answer comes,
 * *out says DNS_TIMEOUT "no answer before the refresh ended". */
void dns_query(struct dns_resolver *r, const char *name, int type, struct dns_answer *out,
	       void (*done)(struct dns_answer *a, void *ud), void *ud);

/* Pure parts, for tests. Parses a DNS response (as c-ares hands it over) into out for
 * the question type; status from the rcode. Returns 0, or -1 when it does not parse. */
int dns_parse_response(const unsigned char *buf, int len, int type, struct dns_answer *out);
const char *dns_type_name(int type);    /* "A", "MX", ... */
void dns_answer_clear(struct dns_answer *a);
void dns_answer_copy(struct dns_answer *dst, const struct dns_answer *src);

#endif
