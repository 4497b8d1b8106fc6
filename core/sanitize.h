/* sanitize: every way mcon makes text from the network, the files or the database safe to
 * show: on the screen, as a one-line message, in JSON, in Nagios text and in a Prometheus
 * label. Each form removes or shows C0 controls, DEL, C1 controls (raw 0x80-0x9F bytes are
 * invalid UTF-8; U+0080-U+009F) and bidi overrides and isolates, replaces invalid UTF-8 with
 * U+FFFD, and cuts only on character boundaries. Also measures or fits text to a number of
 * display columns. Pure: no curses, no locale state beyond wcwidth() for column widths. */
#ifndef MCON_SANITIZE_H
#define MCON_SANITIZE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h> /* SIZE_MAX: no limit for sanitize_line */

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

/* One line of text for a message, the history, a task list: a line break, tab or other
 * whitespace control becomes one space (not at the start, never two in a row), any other
 * control, C1 or bidi/format character becomes '?', invalid UTF-8 becomes U+FFFD, trailing
 * spaces go. Longer than max bytes: cut at a character boundary and "..." appended
 * (SIZE_MAX: no limit). Returns a new string (caller frees); NULL gives "". */
char *sanitize_line(const char *s, size_t max);

/* A JSON string value: the one-line form without a limit, so always valid UTF-8 (jansson's
 * json_string() never refuses it). NULL gives "". Caller frees. */
char *sanitize_json(const char *s);

/* Nagios plugin text (status line or long output): the one-line form with '|' (where
 * Nagios starts reading perfdata, on any line) shown as '/'. NULL gives "". Caller frees. */
char *sanitize_nagios(const char *s);

/* A Prometheus label value, to go between double quotes: the one-line form with '\' and
 * '"' escaped by a backslash. NULL gives "". Caller frees. */
char *sanitize_prom_label(const char *s);

#endif
