/* check_report: the outputs of `mcon check`: the Nagios plugin form (first line with
 * perfdata, then one line per non-ok result), the JSON of contract section 5 and the
 * Prometheus text format. Pure: they format a check_run into a buffer. */
#ifndef MCON_CHECK_REPORT_H
#define MCON_CHECK_REPORT_H

#include "core/checks.h"

/* "MCON CRITICAL: <summary> | <perfdata>\n" then one line per non-ok result, worst first. */
void check_report_nagios(const struct check_run *r, struct buf *out);
/* Only the perfdata part (tests). */
void check_report_perfdata(const struct check_run *r, struct buf *out);
/* The contract's JSON object, indented, with a trailing newline. */
void check_report_json(const struct check_run *r, const char *site, struct buf *out);
/* Prometheus text exposition format 0.0.4, no timestamps. */
void check_report_prom(const struct check_run *r, const char *site, struct buf *out);
/* The Nagios exit code of a run: the worst status (0 ok, 1 warning, 2 critical, 3 unknown). */
int check_report_exit(const struct check_run *r);

#endif
