/* check_cmd: what `mcon check` and `mcon record` share: the check arguments, the output
 * step (testable on a hand-built run) and the previous recorded state from the database. */
#ifndef MCON_CHECK_CMD_H
#define MCON_CHECK_CMD_H

#include <stdio.h>
#include "cli/cli.h"
#include "core/checks.h"

struct check_args {
	bool json;
	const char *prom;       /* --prom FILE */
	struct strv only;       /* --only GLOB, repeatable */
};

/* Parses `check` arguments (argv[0] is "check"); -1 after printing a usage error. */
int check_parse_args(int argc, char **argv, struct check_args *a);
void check_args_free(struct check_args *a);
/* Filters, writes --prom, prints Nagios or JSON to out; returns the Nagios exit code. */
int check_output(const struct check_args *a, struct check_run *run, const char *site, FILE *out);

struct snapshot;
/* Reads the last recorded restart counts of the services of s from the database (when it
 * exists, read-only) into prev (free with check_prev_free). */
void check_prev_load(struct cli_ctx *ctx, const struct snapshot *s, struct check_prev *prev);

struct db;
struct changes;
/* Fills prev from an open database (db may be NULL: no previous state). */
void check_prev_from_db(struct db *db, const struct snapshot *s, const struct config *cfg, struct check_prev *prev);
/* One record: runs the checks on snap with the stored restart counts, diffs against the
 * stored state and writes the changes, the new state and the pruning in one transaction.
 * Returns a db status; *out gets the changes (caller frees with changes_free). */
int record_run(struct db *db, const struct config *cfg, const struct snapshot *snap, time_t at,
	       struct changes *out, long *pruned);

#endif
