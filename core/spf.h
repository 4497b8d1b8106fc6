/* spf: follows a domain's SPF record through include: and redirect= (asynchronously, on
 * any resolver) to count what RFC 7208 section 4.6.4 limits: DNS-querying terms
 * (include, a, mx, ptr, exists, redirect; at most 10) and void lookups (NXDOMAIN or no
 * data; at most 2). Loops and unresolvable includes are reported, not followed forever. */
#ifndef MCON_SPF_H
#define MCON_SPF_H

#include "core/snapshot.h"

/* How the evaluator asks DNS: fill *out for name/type, then call done(out, arg) (now or
 * later). The collector passes dns_query; tests pass an in-memory zone. */
struct spf_lookup {
	void (*query)(void *ud, const char *name, int type, struct dns_answer *out,
		      void (*done)(struct dns_answer *a, void *arg), void *arg);
	void *ud;
};

/* Stops following after this many queries of its own (loops of distinct names,
 * pathological records); the counts then say "at least". */
#define SPF_MAX_QUERIES 40

/* Evaluates domain's apex TXT answer into out (cleared first), then calls done. */
void spf_evaluate(const struct spf_lookup *lk, const char *domain, const struct dns_answer *apex_txt,
		  struct spf_eval *out, void (*done)(struct spf_eval *e, void *ud), void *ud);
void spf_eval_free(struct spf_eval *e);

/* Number of "v=spf1" records among a TXT answer's records; *first gets the first. */
int spf_records(const struct dns_answer *txt, const char **first);

#endif
