/* docker: the Docker Engine API client (written on the docker branch). The collector
 * starts it on the refresh's fetcher; *out is filled by the time fetcher_run returns. */
#ifndef MCON_DOCKER_H
#define MCON_DOCKER_H

#include "core/config.h"
#include "core/fetch.h"
#include "core/snapshot.h"

void docker_collect(struct fetcher *f, const struct config *cfg, struct docker_state *out);
void docker_state_free(struct docker_state *d);

#endif
