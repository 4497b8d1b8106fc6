/* onboard_verify: the live verification of the walkthrough (collector + checks), given to
 * onboard_live_new() by the command line and the console. */
#ifndef MCON_ONBOARD_VERIFY_H
#define MCON_ONBOARD_VERIFY_H

#include "core/config.h"
#include "core/onboard.h"

/* The MX hosts, most preferred first, of the first watched domain other than except_domain
 * whose every MX host matches relay.mx; leaves out empty when there is none. */
int onboard_verify_relay_mx(void *ud, const struct config *cfg, const char *except_domain,
                            struct strv *out, char **err);

#endif
