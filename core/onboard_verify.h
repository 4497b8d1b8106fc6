/* onboard_verify: the live verification of the walkthrough (collector + checks), given to
 * onboard_live_new() by the command line and the console. */
#ifndef MCON_ONBOARD_VERIFY_H
#define MCON_ONBOARD_VERIFY_H

#include "core/config.h"
#include "core/onboard.h"

/* A fresh snapshot and every check; the results for domain (targets "domain" and
 * "domain/selector"). Always OB_RC_OK: a backend that cannot be reached shows as
 * unknown results, which are not green. */
int onboard_verify_checks(void *ud, const struct config *cfg, const char *domain,
                          struct onboard_checks *out, char **err);
/* The MX hosts, most preferred first, of the first watched domain other than except_domain
 * whose every MX host matches relay.mx; leaves out empty when there is none. */
int onboard_verify_relay_mx(void *ud, const struct config *cfg, const char *except_domain,
                            struct strv *out, char **err);

#endif
