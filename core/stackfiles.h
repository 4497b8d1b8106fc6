/* stackfiles: the size limits and Roundcube settings read from the mailcow-dockerized
 * files under mailcow.dir (written on the docker branch). Synchronous local I/O. */
#ifndef MCON_STACKFILES_H
#define MCON_STACKFILES_H

#include "core/config.h"
#include "core/snapshot.h"

void stackfiles_collect(const struct config *cfg, struct size_limits *lim, struct roundcube_info *rc);
void size_limits_free(struct size_limits *l);
void roundcube_info_free(struct roundcube_info *r);

#endif
