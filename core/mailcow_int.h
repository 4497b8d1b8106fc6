/* mailcow_int: what the MailCow client (core/mailcow.c) and its parsers
 * (core/mailcow_parse.c) share and nobody else uses. */
#ifndef MCON_MAILCOW_INT_H
#define MCON_MAILCOW_INT_H

#include <stddef.h>

/* Server text made safe for a one-line message (core/sanitize.c), at most max bytes of
 * it, "..." when cut. NULL gives "". Caller frees. */
char *mailcow_text(const char *s, size_t max);

/* The "msg" of a MailCow error body (string, or the first element of an array), or
 * NULL. Caller frees. */
char *mailcow_error_msg(const char *body, size_t len);

#endif
