/* dnsdelay: a DNS proxy on a loopback port (UDP and TCP) that forwards every query to an
 * upstream server (NSD) after a delay: the "slow resolver" of the fault tests and the
 * added latency of the bench. It does not parse DNS; it only moves packets. */
#ifndef MCON_DNSDELAY_H
#define MCON_DNSDELAY_H

struct dnsdelay;

/* upstream "127.0.0.1:PORT". NULL on failure. */
struct dnsdelay *dnsdelay_start(const char *upstream, int delay_ms);
int dnsdelay_port(const struct dnsdelay *d);
int dnsdelay_queries(const struct dnsdelay *d);
/* The most queries (UDP) or connections (TCP) it held at once: above 1 only when the
 * client sent a query before an earlier one was answered. */
int dnsdelay_max_in_flight(struct dnsdelay *d);
/* Stops and waits for every worker (sleeping ones wake up at once). */
void dnsdelay_stop(struct dnsdelay *d);

#endif
