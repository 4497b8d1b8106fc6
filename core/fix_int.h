/* fix_int: what the fix files share (core/fix*.c) and nothing else includes: the helpers
 * the plans (fix.c) define and the application (fix_apply.c) calls. */
#ifndef MCON_FIX_INT_H
#define MCON_FIX_INT_H

#include <jansson.h>

/* j as compact JSON (caller frees); takes the reference to j. */
char *fix_body_dump(json_t *j);
/* The zone line "name. TTL IN TXT" with value as TXT strings of at most 255 characters. */
char *fix_txt_line(const char *name, const char *value);

#endif
