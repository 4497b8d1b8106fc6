/* dns_probe: dns.resolver's liveness probe, one per server. A plain UDP query for the root's
 * A record on a connected socket of its own per server, polled without blocking beside the
 * refresh's fetcher: any reply (REFUSED included) shows the server is alive; silence until
 * dns.timeout_ms, or ICMP port unreachable, shows it is not. */
#ifndef MCON_DNS_PROBE_H
#define MCON_DNS_PROBE_H

#include "core/config.h"
#include "core/snapshot.h"

struct dns_probes;

/* Probes every server of dns.servers (the system resolver's first server when none),
 * filling out[i]; *n_out is the number of servers. Never blocks. */
struct dns_probes *dns_probes_start(const struct config *cfg, struct dns_answer **out, size_t *n_out);
/* Reads what arrived, without waiting; returns how many probes are still out. */
int dns_probes_step(struct dns_probes *p);
/* Ends the probes still out as timeouts and frees. */
void dns_probes_free(struct dns_probes *p);

#endif
