/* onboard_verify: what the walkthrough needs from a live collect: the relay's concrete MX
 * hosts, taken from a domain already behind the relay. */
#include "core/onboard_verify.h"

#include <stdlib.h>
#include <string.h>

#include "core/collect.h"
#include "core/snapshot.h"

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
