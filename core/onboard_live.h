/* onboard_live: the onboarding backend (core/onboard.h) against a real MailCow API, with
 * verification through the collector and the checks. */
#ifndef MCON_ONBOARD_LIVE_H
#define MCON_ONBOARD_LIVE_H

#include "core/config.h"
#include "core/onboard.h"

/* Runs every check for one domain (a fresh collect) and keeps its results. */
typedef int (*onboard_checks_fn)(void *ud, const struct config *cfg, const char *domain,
                                 struct onboard_checks *out, char **err);
/* Concrete relay MX hosts from the live MX of a domain already behind the relay. */
typedef int (*onboard_relay_mx_fn)(void *ud, const struct config *cfg, const char *except_domain,
                                   struct strv *out, char **err);

struct onboard_live;

extern const struct onboard_backend onboard_live_backend;

/* Reads the API key ($MCON_API_KEY or mailcow.api_key_file). NULL and *err when there is
 * none. checks/relay_mx may be NULL (verification then reports that it cannot run). */
struct onboard_live *onboard_live_new(const struct config *cfg, onboard_checks_fn checks,
                                      onboard_relay_mx_fn relay_mx, void *checks_ud, char **err);
void onboard_live_free(struct onboard_live *l);

#endif
