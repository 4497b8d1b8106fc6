/* The console against the simulator (the runbook's site over real HTTP, DNS and the Docker
 * API): the demo site's containers, a container turned unhealthy shows without r, every key
 * is answered promptly while each backend takes 10 s, a failed backend names its reason
 * while the other panes keep updating, and the first screen comes from the last known state. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "cli/cli.h"
#include "core/config.h"
#include "core/who.h"
#include "db/db.h"
#include "tests/support/simproc.h"
#include "tests/support/vt.h"
#include "tests/support/hang.h"

#define WAIT T_HANG_MS

static struct simproc *sp;
static struct vt *t;

static long long ms_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int run_mcon(void *ud)
{
	(void)ud;
	char *argv[] = {(char *)"mcon", (char *)"--config", sp->conf, NULL};
	return cli_main(3, argv);
}

static void start(void)
{
	sp = simproc_start(NULL, NULL);
	cr_assert(sp, "the simulator did not start (MCON_SIM_BIN=%s)", simproc_bin());
	t = vt_spawn(24, 80, NULL, NULL, run_mcon, NULL);
	bool ok = vt_wait(t, "refreshed", WAIT);
	if (!ok) {
		char *s = vt_screen(t);
		cr_log_error("screen:\n%s", s);
		free(s);
	}
	cr_assert(ok, "the console did not show the demo site");
}

static bool wait_row(const char *service, const char *needle, int timeout_ms);

/* Waits for screen row r to hold needle. */
static bool wait_row_n(int r, const char *needle, int timeout_ms)
{
	long long end = ms_now() + timeout_ms;
	for (;;) {
		char *row = vt_row(t, r);
		bool ok = strstr(row, needle) != NULL;
		if (ok || ms_now() >= end) {
			if (!ok)
				cr_log_error("waiting for '%s' on row %d: %s", needle, r, row);
			free(row);
			return ok;
		}
		free(row);
		vt_pump(t, 20, 0);
	}
}

static void stop(void)
{
	char *report = NULL;
	int rc = vt_close(t, &report);
	if (report)
		cr_log_error("%s", report);
	cr_expect_null(report);
	free(report);
	cr_expect_eq(rc, 0);
	cr_expect_eq(simproc_stop(sp), 0);
}

static bool wait_row(const char *service, const char *needle, int timeout_ms)
{
	long long end = ms_now() + timeout_ms;
	for (;;) {
		int r = vt_find_row(t, service);
		char *row = r >= 0 ? vt_row(t, r) : NULL;
		bool ok = row && strstr(row, needle);
		if (ok || ms_now() >= end) {
			if (!ok) {
				char *s = vt_screen(t);
				cr_log_error("waiting for '%s' on the row of %s:\n%s", needle, service, s);
				free(s);
			}
			free(row);
			return ok;
		}
		free(row);
		vt_pump(t, 20, 0);
	}
}

Test(tui_sim, demo_site)
{
	start();
	cr_expect(vt_wait(t, "mcon \xc2\xb7 hermes", WAIT));
	cr_expect(vt_wait(t, "docker \xe2\x9c\x93 mailcow \xe2\x9c\x93 dns \xe2\x9c\x93 files \xe2\x9c\x93", WAIT));
	/* the runbook's eight domains from the MailCow API */
	static const char *domains[] = {"florosafd.org", "gnarlypandaproductions.com", "netgrimoire.com",
					"nucking-futz.com", "pncfishandmore.com", "pncharris.com",
					"pncharrisenterprises.com", "wasted-bandwidth.net"};
	for (size_t i = 0; i < sizeof(domains) / sizeof(domains[0]); i++)
		cr_expect(vt_wait(t, domains[i], WAIT), "%s is missing", domains[i]);
	cr_expect(vt_wait(t, "1/8", WAIT));
	/* the scenario's planted problems, found by the checks, as words */
	cr_expect(wait_row("gnarlypandaproductions.com", "CRIT", WAIT), "the missing catch-all is not shown");
	cr_expect(wait_row("wasted-bandwidth.net", "WARN", WAIT), "the MTA-STS testing policy is not shown");
	cr_expect(vt_wait(t, "worst \xe2\x9c\x97 CRIT", WAIT));
	vt_char(t, '5');
	cr_expect(vt_wait(t, "[5 Checks]", WAIT));
	cr_expect(wait_row_n(4, "CRIT", WAIT), "the first check row is not the worst");
	cr_expect(vt_wait(t, "what to do:", WAIT), "the selected problem's hint is not shown");
	/* DKIM: each domain's two selectors from DNS and MailCow's key */
	vt_char(t, '3');
	cr_expect(vt_wait(t, "[3 DKIM]", WAIT));
	cr_expect(vt_wait(t, "1/16", WAIT));
	cr_expect(vt_wait(t, "2048", WAIT));
	/* a domain's details: records expected versus found */
	vt_char(t, '1');
	vt_key(t, VTERM_KEY_ENTER);
	cr_expect(vt_wait(t, "Domain florosafd.org", WAIT));
	cr_expect(vt_wait(t, "Records: expected versus found", WAIT));
	vt_key(t, VTERM_KEY_ESCAPE);
	cr_expect(vt_wait_gone(t, "Domain florosafd.org", WAIT));
	vt_char(t, '2');
	cr_expect(vt_wait(t, "[2 Containers]", WAIT));
	/* nginx-mailcow is the one service on the overlay network */
	cr_expect(wait_row("nginx-mailcow", "netgrimoire", WAIT));
	cr_expect(wait_row("postfix-mailcow", "running", WAIT));
	/* details: the container's own networks and its log lines from the Docker logs API */
	cr_assert(vt_wait(t, "1/", WAIT));
	int r = vt_find_row(t, "nginx-mailcow");
	cr_assert(r >= 0);
	for (int i = 4; i < r; i++)
		vt_char(t, 'j');
	vt_key(t, VTERM_KEY_ENTER);
	cr_expect(vt_wait(t, "Container nginx-mailcow", WAIT));
	cr_expect(vt_wait(t, "Last 200 log lines:", WAIT));
	cr_expect(vt_wait_gone(t, "fetching the last 200 lines", WAIT), "the logs did not arrive");
	vt_key(t, VTERM_KEY_ESCAPE);
	stop();
}

Test(tui_sim, unhealthy_container_shows_without_refresh)
{
	start();
	vt_char(t, '2');
	cr_assert(wait_row("clamd-mailcow", "running", WAIT));
	cr_assert(simproc_ctl_ok(sp, "container clamd-mailcow unhealthy"));
	/* no key is pressed: only the Docker event can bring this before the 30 s refresh, and
	 * how soon it comes is a figure of `make bench` */
	cr_expect(wait_row("clamd-mailcow", "unhealthy", WAIT), "no update without r");
	cr_expect(wait_row("clamd-mailcow", "CRIT", WAIT));
	stop();
}

Test(tui_sim, slow_backend_every_key_answered)
{
	start();
	/* every request of the collection (and every DNS answer) takes 10 minutes, so the
	 * refresh is still in flight after every key however slow the machine; how fast the
	 * keys are answered is a figure of `make bench` */
	cr_assert(simproc_ctl_ok(sp, "fault docker slow 600000"));
	cr_assert(simproc_ctl_ok(sp, "fault mailcow slow 600000"));
	cr_assert(simproc_ctl_ok(sp, "fault mta-sts slow 600000"));
	cr_assert(simproc_ctl_ok(sp, "fault dns slow 600000"));
	vt_char(t, 'r');
	cr_assert(wait_row_n(0, "refreshing", WAIT));
	struct {
		uint32_t key;
		const char *shows;
	} steps[] = {
		{'2', "[2 Containers]"}, {'3', "[3 DKIM]"}, {'4', "[4 Pending]"}, {'?', "Help: keys"},
		{'q', "[4 Pending]"}, {'5', "[5 Checks]"}, {'6', "[6 History]"}, {'2', "[2 Containers]"},
		{'j', "2/"}, {'/', "filter (Esc clears):"},
	};
	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		vt_char(t, steps[i].key);
		cr_expect(vt_wait(t, steps[i].shows, WAIT), "key '%c' not answered", (char)steps[i].key);
		cr_expect(wait_row_n(0, "refreshing", WAIT), "key '%c': the refresh should still be in flight",
			  (char)steps[i].key);
	}
	cr_assert(simproc_ctl_ok(sp, "fault all off"));
	stop(); /* quitting cancels the collection in flight */
}

Test(tui_sim, failed_backend_reason_while_other_panes_update)
{
	start();
	cr_assert(simproc_ctl_ok(sp, "fault docker down"));
	/* the fault is in force once ctl answers: one r (a refresh in flight queues another) */
	vt_char(t, 'r');
	cr_expect(vt_wait(t, "docker \xe2\x9c\x97", WAIT), "the header does not name the failed backend");
	/* the reason is on the header's backend row, after the backend's name (the socket's
	 * path is cut at 80 columns) */
	char *row = vt_row(t, 1);
	const char *why = strstr(row, "| docker: ");
	cr_expect(why && str_starts_with(why, "| docker: cannot connect to unix://"), "no reason given for docker: %s", row);
	free(row);
	/* the checklist pane keeps working: another admin's item shows up */
	vt_char(t, '4');
	cr_assert(vt_wait(t, "#3", WAIT));
	struct config cfg = {0};
	char *err = NULL;
	cr_assert_eq(config_load(&cfg, sp->conf, &err), 0, "%s", err);
	struct db_error dberr = {0};
	struct db *db = db_open(cfg.state_db, 0, &dberr);
	cr_assert(db, "%s", dberr.msg);
	struct who bob;
	who_set(&bob, "bob", NULL);
	int64_t id;
	cr_assert_eq(db_item_add(db, &bob, "Check the Docker socket permissions", NULL, NULL, &id), DB_OK);
	db_close(db);
	config_free(&cfg);
	/* the checklist is re-read on its own timer (5 s): no key is pressed */
	cr_expect(vt_wait(t, "Check the Docker socket permissions", WAIT));
	/* and Docker coming back is picked up by the next refresh */
	cr_assert(simproc_ctl_ok(sp, "fault docker off"));
	vt_char(t, '2');
	vt_char(t, 'r');
	cr_expect(vt_wait(t, "nginx-mailcow", WAIT));
	stop();
}

/* The first screen: with no previous state the frame says it is collecting; a complete
 * collect is kept, and the next start draws it at once, marked "as of HH:MM, refreshing",
 * until the live collect (held up here by a slow domain list) replaces it. */
Test(tui_sim, first_screen_from_the_last_known_state)
{
	sp = simproc_start(NULL, NULL);
	cr_assert(sp, "the simulator did not start (MCON_SIM_BIN=%s)", simproc_bin());
	cr_assert(simproc_ctl_ok(sp, "fault mailcow slow 4000 match=/api/v1/get/domain/all"));
	t = vt_spawn(24, 80, NULL, NULL, run_mcon, NULL);
	cr_expect(vt_wait(t, "collecting the first snapshot", WAIT), "no frame before the first collect");
	cr_expect(!vt_contains(t, "as of"));
	cr_assert(vt_wait(t, "refreshed", WAIT));
	cr_expect(vt_wait(t, "gnarlypandaproductions.com", WAIT));
	char *report = NULL;
	cr_expect_eq(vt_close(t, &report), 0);
	cr_expect_null(report, "%s", report ? report : "");
	free(report);

	/* the live collect's domain list now takes 8 s: far longer than drawing what is kept */
	cr_assert(simproc_ctl_ok(sp, "fault mailcow off"));
	cr_assert(simproc_ctl_ok(sp, "fault mailcow slow 8000 match=/api/v1/get/domain/all"));
	t = vt_spawn(24, 80, NULL, NULL, run_mcon, NULL);
	cr_expect(vt_wait(t, "as of ", WAIT), "the last known state is not marked");
	cr_expect(wait_row_n(0, "refreshing", WAIT));
	cr_expect(vt_wait(t, "gnarlypandaproductions.com", WAIT), "the last known domains are not drawn");
	cr_expect(wait_row("gnarlypandaproductions.com", "CRIT", WAIT), "the last known results are not drawn");
	cr_expect(wait_row_n(0, "as of ", WAIT), "the live collect came first");
	cr_expect(!vt_contains(t, "collecting the first snapshot"));
	/* the live collect replaces it */
	cr_expect(vt_wait(t, "refreshed", WAIT));
	cr_expect(vt_wait_gone(t, "as of ", WAIT));
	stop();
}
