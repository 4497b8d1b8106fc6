/* onboard_verify: the walkthrough's verification through the real collector and checks:
 * one fresh snapshot, every check, the results whose target is the domain (or
 * domain/selector); and the relay's concrete MX hosts from a domain already behind it. */
#include "core/onboard_verify.h"

#include <stdlib.h>
#include <string.h>

#include "core/checks.h"
#include "core/collect.h"
#include "core/snapshot.h"

static bool for_domain(const char *target, const char *domain)
{
	size_t n = strlen(domain);
	return target && strncmp(target, domain, n) == 0 && (target[n] == '\0' || target[n] == '/');
}

int onboard_verify_checks(void *ud, const struct config *cfg, const char *domain,
                          struct onboard_checks *out, char **err)
{
	(void)ud;
	(void)err;
	struct collect_opts o = {.cancel_fd = -1};
	struct snapshot *s = collect_run(cfg, &o);
	struct check_run r;
	checks_run(s, cfg, NULL, &r);
	for (size_t i = 0; i < r.n; i++) {
		const struct check_result *c = &r.results[i];
		if (!for_domain(c->target, domain))
			continue;
		out->v = xrealloc(out->v, (out->n + 1) * sizeof(*out->v));
		out->v[out->n++] = (struct check_result){c->check, xstrdup(c->target), c->status,
		                                         xstrdup(c->summary ? c->summary : ""),
		                                         xstrdup(c->hint ? c->hint : "")};
	}
	check_run_free(&r);
	snapshot_free(s);
	return OB_RC_OK;
}

int onboard_verify_relay_mx(void *ud, const struct config *cfg, const char *except_domain,
                            struct strv *out, char **err)
{
	(void)ud;
	(void)err;
	if (!cfg->relay_mx.n)
		return OB_RC_OK;
	struct collect_opts o = {.cancel_fd = -1};
	struct snapshot *s = collect_run(cfg, &o);
	onboard_relay_mx_from(s, cfg, except_domain, out);
	snapshot_free(s);
	return OB_RC_OK;
}
