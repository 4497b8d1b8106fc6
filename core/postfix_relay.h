/* postfix_relay: Postfix's global relayhost, read from mailcow.dir's
 * data/conf/postfix/main.cf and extra.cf (mailcow appends extra.cf, so its value wins). */
#ifndef MCON_POSTFIX_RELAY_H
#define MCON_POSTFIX_RELAY_H

#include "core/snapshot.h"

/* Fills out from the two files under dir; a missing file is no error. */
void postfix_relay_read(const char *dir, struct postfix_relay *out);
/* The host of a relayhost value: "[smtp.mxroute.com]:587" -> "smtp.mxroute.com",
 * "relay.example:25" -> "relay.example" (caller frees); NULL for an empty value. */
char *postfix_relay_host(const char *relayhost);

#endif
