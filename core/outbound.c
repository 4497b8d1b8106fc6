/* outbound: builds and asks the outbound.ip names (see outbound.h); the answers live in
 * the snapshot's outbound part and are judged by check_outbound.c. */
#include "core/outbound.h"

#include <arpa/inet.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

char *outbound_reverse(const char *ip, bool *v6)
{
	unsigned char b[16];
	struct buf out = {0};
	if (inet_pton(AF_INET, ip, b) == 1) {
		*v6 = false;
		buf_printf(&out, "%u.%u.%u.%u", b[3], b[2], b[1], b[0]);
		return buf_steal(&out);
	}
	if (inet_pton(AF_INET6, ip, b) != 1)
		return NULL;
	*v6 = true;
	static const char hex[] = "0123456789abcdef";
	for (int i = 15; i >= 0; i--)
		buf_printf(&out, "%s%c.%c", i == 15 ? "" : ".", hex[b[i] & 15], hex[b[i] >> 4]);
	return buf_steal(&out);
}

bool outbound_same_ip(const char *a, const char *b)
{
	unsigned char x[16], y[16];
	if (inet_pton(AF_INET, a, x) == 1)
		return inet_pton(AF_INET, b, y) == 1 && memcmp(x, y, 4) == 0;
	return inet_pton(AF_INET6, a, x) == 1 && inet_pton(AF_INET6, b, y) == 1 && memcmp(x, y, 16) == 0;
}

static void answer_init(struct dns_answer *a, const char *name, int type)
{
	dns_answer_clear(a);
	a->name = xstrdup(name);
	a->type = type;
}

static void on_ptr(struct dns_answer *a, void *ud)
{
	struct dns_resolver *r = ud;
	if (a->status != DNS_OK || a->n == 0)
		return;
	/* a is the ptr member of the outbound part: its owner holds the forward answer. */
	struct outbound_state *o = (struct outbound_state *)((char *)a - offsetof(struct outbound_state, ptr));
	bool v6 = strchr(o->ip, ':') != NULL;
	char *name = xstrdup(a->rrs[0].value);
	answer_init(&o->forward, name, v6 ? DNS_T_AAAA : DNS_T_A);
	dns_query(r, name, v6 ? DNS_T_AAAA : DNS_T_A, &o->forward, NULL, NULL);
	free(name);
}

void outbound_collect(struct dns_resolver *r, const struct config *cfg, struct outbound_state *o)
{
	if (!cfg->outbound_ip)
		return;
	bool v6 = false;
	char *rev = outbound_reverse(cfg->outbound_ip, &v6);
	if (!rev)
		return;
	o->ip = xstrdup(cfg->outbound_ip);
	char *n = xasprintf("%s.%s", rev, v6 ? "ip6.arpa" : "in-addr.arpa");
	answer_init(&o->ptr, n, DNS_T_PTR);
	free(n);
	o->forward.status = DNS_NOT_ASKED;
	o->n_dnsbl = cfg->outbound_dnsbl.n;
	o->dnsbl = xcalloc(o->n_dnsbl ? o->n_dnsbl : 1, sizeof(*o->dnsbl));
	for (size_t i = 0; i < o->n_dnsbl; i++) {
		n = xasprintf("%s.%s", rev, cfg->outbound_dnsbl.v[i]);
		answer_init(&o->dnsbl[i], n, DNS_T_A);
		free(n);
	}
	free(rev);
	if (!r)
		return;
	/* dns_query replaces the answer's name: ask with copies */
	n = xstrdup(o->ptr.name);
	dns_query(r, n, DNS_T_PTR, &o->ptr, on_ptr, r);
	free(n);
	for (size_t i = 0; i < o->n_dnsbl; i++) {
		n = xstrdup(o->dnsbl[i].name);
		dns_query(r, n, DNS_T_A, &o->dnsbl[i], NULL, NULL);
		free(n);
	}
}

void outbound_state_free(struct outbound_state *o)
{
	free(o->ip);
	dns_answer_clear(&o->ptr);
	dns_answer_clear(&o->forward);
	for (size_t i = 0; i < o->n_dnsbl; i++)
		dns_answer_clear(&o->dnsbl[i]);
	free(o->dnsbl);
	memset(o, 0, sizeof(*o));
}
