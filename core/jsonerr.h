/* jsonerr: what went wrong in a JSON text, said without its content. jansson's own
 * message quotes the bytes near the error ("near '...'"), which may be part of a secret
 * (a relay password in a cut-off answer): errors name the kind, line and column only. */
#ifndef MCON_JSONERR_H
#define MCON_JSONERR_H

#include <jansson.h>

/* "malformed JSON in <what>: the text ends early, cut off (line 1, column 120)"; caller
 * frees. */
char *jsonerr_describe(const char *what, const json_error_t *e);

#endif
