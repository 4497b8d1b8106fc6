/* tui_fake: a console backend for screen tests: the runbook's site (hermes, 8 domains
 * behind MXRoute, the mailcow-dockerized services) as a realistic snapshot with planted
 * problems, the product's own checks (checks_run) run over it, an in-memory checklist and
 * history, canned logs, and Docker events and faults driven through a control pipe the
 * test writes to. */
#ifndef MCON_TEST_TUI_FAKE_H
#define MCON_TEST_TUI_FAKE_H

#include <stdbool.h>
#include "core/config.h"
#include "tui/backend.h"

enum {
	FAKE_EVIL = 1 << 0,         /* escape sequences planted in a description, a label and logs */
	FAKE_TLS_OFF = 1 << 1,      /* mailcow.tls_verify = false */
	FAKE_MANY = 1 << 2,         /* 1000 domains (benchmarks) */
	FAKE_LONG = 1 << 3,         /* one more container with a long name (postfix-tlspol-mailcow) */
};

struct tui_fake;

/* ctl_fd: read end of a pipe of command lines (or -1):
 *   event <service> <action...>       a Docker event ("event clamd-mailcow health_status: unhealthy")
 *   delay <ms>                        every later collect takes that long (cancellable)
 *   fail <source> <reason...>         later collects report that source failed (docker, mailcow, dns, files)
 *   heal                              later collects succeed again
 *   die <message...>                  the next collect calls die() on its worker thread
 *   task <title...>                   another admin adds an item to the shared checklist */
struct tui_fake *tui_fake_new(unsigned flags, int ctl_fd);
struct tui_backend *tui_fake_backend(struct tui_fake *f);
const struct config *tui_fake_config(struct tui_fake *f);
void tui_fake_free(struct tui_fake *f);

/* The fake's snapshot and results on their own (benchmarks, unit tests): the results are
 * checks_run's over the snapshot, with a last record where watchdog-mailcow had 0 restarts. */
struct snapshot *tui_fake_snapshot(const struct config *cfg, unsigned flags);
void tui_fake_snapshot_free(struct snapshot *s);
void tui_fake_results(const struct config *cfg, const struct snapshot *s, struct check_result **out, size_t *n);

extern const char tui_fake_key2048[];
extern const char tui_fake_key1024[];

#endif
