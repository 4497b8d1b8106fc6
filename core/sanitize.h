/* sanitize: makes strings that came from the network or the database safe to put on a
 * terminal (control characters and escapes shown as visible text, never executed; invalid
 * UTF-8 replaced), and measures or fits them to a number of display columns. Pure: no
 * curses, no locale state beyond wcwidth() for column widths. */
#ifndef MCON_SANITIZE_H
#define MCON_SANITIZE_H

#include <stdbool.h>
#include <stddef.h>

enum {
	SAN_KEEP_NEWLINE = 1 << 0,  /* keep '\n' (multi-line text such as logs); else shown as ^J */
	SAN_ASCII = 1 << 1,         /* replace every non-ASCII character with '?' (non-UTF-8 terminals) */
};

/* Returns a new string (caller frees) holding s (len bytes, or up to the NUL when len is
 * (size_t)-1) with: C0 controls and DEL as caret escapes (ESC -> "^[", DEL -> "^?"), a tab
 * as one space, C1 controls and bidi/format overrides as "\u0085"-style escapes, invalid or
 * overlong UTF-8 bytes as U+FFFD (or '?' with SAN_ASCII). NULL gives "". */
char *sanitize_str(const char *s, size_t len, unsigned flags);

/* Display columns of a sanitized UTF-8 string (wcwidth per character; unknown widths
 * count as 1). */
int sanitize_width(const char *s);

/* Fits a sanitized UTF-8 string into exactly `width` columns: truncated with a trailing
 * ellipsis ("…", or "~" with ascii) when too long, padded with spaces when pad is set.
 * Never splits a character, and a wide character that does not fit becomes a space.
 * Returns a new string (caller frees). */
char *sanitize_fit(const char *s, int width, bool pad, bool ascii);

/* Decodes one UTF-8 character at s (n bytes available) into *cp; returns its length,
 * or 0 when the bytes are not valid UTF-8 (then *cp is U+FFFD). */
size_t sanitize_utf8_decode(const char *s, size_t n, unsigned *cp);

#endif
