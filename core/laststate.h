/* laststate: the console's first screen, kept between runs. A complete collect is written
 * as one text (JSON) holding its check results and the parts of the snapshot the panes
 * draw (site, times, each source's error, the containers, the watched domains and their
 * MailCow DKIM key); read back, it gives a snapshot those panes can draw at once, marked
 * with its age, until the live collect replaces it. db/ stores the text (db_screen_*). */
#ifndef MCON_LASTSTATE_H
#define MCON_LASTSTATE_H

#include <stddef.h>
#include "core/checks.h"
#include "core/config.h"
#include "core/snapshot.h"

/* The text for a snapshot and its results (caller frees). */
char *laststate_encode(const struct snapshot *s, const struct check_result *r, size_t n);
/* Reads it back: a snapshot (free with snapshot_free) with only those parts set (every DNS
 * answer "not asked", every other part's data absent) and the results (free with
 * tui-style per-field frees: target, summary, hint, then the array). Results of checks this
 * build does not know are dropped. Returns 0, or -1 with *err (caller frees). */
int laststate_decode(const char *text, const struct config *cfg, struct snapshot **snap,
		     struct check_result **r, size_t *n, char **err);

#endif
