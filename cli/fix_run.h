/* fix_run: applying a fix plan (core/fix.h) against the live MailCow, for `mcon fix` and
 * the console alike: the key's write probe, the write, the re-run of the check on a fresh
 * collection and the history row. */
#ifndef MCON_CLI_FIX_RUN_H
#define MCON_CLI_FIX_RUN_H

#include <stdbool.h>
#include "core/config.h"
#include "core/fix.h"
#include "core/util.h"

/* Applies p (FIX_API: probe, confirm, write, re-run, record; FIX_DNS: the re-run only).
 * confirm (may be NULL: no asking) is called after the probe, before the write; false
 * writes nothing. out gets what happened, one line each; *err (caller frees) the reason
 * of a failure. Returns the exit code of `mcon fix`: 0 the check passes now (or the write
 * was declined), 1 not yet or a refused write, 2 a read-only key or a catch-all without
 * its address. */
int fix_run(const struct config *cfg, const char *db_path, const struct fix_plan *p,
	    bool (*confirm)(void *ud), void *ud, struct buf *out, char **err);

#endif
