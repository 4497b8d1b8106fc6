/* outbound: the DNS evidence for outbound.ip — the reverse name (in-addr.arpa, or the
 * ip6.arpa nibble form), its PTR and the PTR name's forward address, and one blocklist
 * answer per outbound.dnsbl zone. Only DNS is asked. */
#ifndef MCON_OUTBOUND_H
#define MCON_OUTBOUND_H

#include "core/config.h"
#include "core/dns.h"
#include "core/snapshot.h"

/* The address's labels reversed, without a suffix: "4.3.2.1" for 1.2.3.4, the 32 nibbles
 * for IPv6 ("1.0.0.0....8.b.d.0.1.0.0.2"). Sets *v6; NULL when ip is not an address. */
char *outbound_reverse(const char *ip, bool *v6);
/* Fills o from cfg (nothing when outbound.ip is unset) and, with a resolver, asks the
 * PTR (then the forward address) and each blocklist zone. */
void outbound_collect(struct dns_resolver *r, const struct config *cfg, struct outbound_state *o);
/* Whether two textual addresses are the same address. */
bool outbound_same_ip(const char *a, const char *b);

#endif
