/* The console stays live and responsive: Docker events update the containers pane without
 * a refresh, a slow collection never delays a key, a failed backend names its reason in the
 * header while the other panes keep updating, and another admin's checklist change shows. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "tests/support/tui_run.h"
#include "tests/support/hang.h"

#define WAIT T_HANG_MS

static struct console_run run;

static long long ms_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The fake reads its control pipe on its own thread, so a command may land after the next
 * key: refresh (again each second) until the screen shows what the command causes. */
static bool refresh_until(const char *needle)
{
	long long end = ms_now() + T_HANG_MS;
	while (ms_now() < end) {
		vt_char(run.vt, 'r');
		if (vt_wait(run.vt, needle, 1000))
			return true;
	}
	char *s = vt_screen(run.vt);
	cr_log_error("waiting for '%s', the screen is:\n%s", needle, s);
	free(s);
	return false;
}

/* Waits for the header (the first row) to show needle: "refreshing" there is the collection
 * in flight, not the "refreshing..." message of the r key. */
static bool wait_head(const char *needle)
{
	long long end = ms_now() + WAIT;
	for (;;) {
		char *row = vt_row(run.vt, 0);
		bool ok = strstr(row, needle) != NULL;
		free(row);
		if (ok)
			return true;
		if (ms_now() >= end)
			return false;
		vt_pump(run.vt, 20, 0);
	}
}

static void start(void)
{
	cr_assert(console_start(&run, 0, 24, 80, NULL, NULL), "the console did not show its first refresh");
}

static void stop(void)
{
	char *report = NULL;
	int rc = console_stop(&run, &report);
	if (report)
		cr_log_error("sanitizer report of the console:\n%s", report);
	cr_expect_null(report);
	free(report);
	cr_expect_eq(rc, 0);
}

/* The row of a service in the containers pane, or NULL (caller frees). */
static char *service_row(const char *service)
{
	int r = vt_find_row(run.vt, service);
	return r < 0 ? NULL : vt_row(run.vt, r);
}

static bool wait_row(const char *service, const char *needle, int timeout_ms)
{
	long long end = ms_now() + timeout_ms;
	for (;;) {
		char *row = service_row(service);
		bool ok = row && strstr(row, needle);
		free(row);
		if (ok)
			return true;
		if (ms_now() >= end)
			return false;
		vt_pump(run.vt, 20, 0);
	}
}

/* No key is pressed and the fake's own refresh would bring the container back healthy, so
 * only the event can put "unhealthy" on the row. */
Test(tui_live, docker_event_updates_containers_without_a_refresh)
{
	start();
	vt_char(run.vt, '2');
	cr_assert(wait_row("clamd-mailcow", "healthy", WAIT));
	char *row = service_row("clamd-mailcow");
	cr_expect(strstr(row, "OK") != NULL, "%s", row);
	free(row);
	console_ctl(&run, "event clamd-mailcow health_status: unhealthy");
	cr_expect(wait_row("clamd-mailcow", "unhealthy", WAIT), "the event did not reach the pane");
	row = service_row("clamd-mailcow");
	cr_expect(strstr(row, "CRIT") != NULL, "%s", row);
	free(row);
	/* a stop and a network connect are applied as well */
	console_ctl(&run, "event sogo-mailcow die");
	cr_expect(wait_row("sogo-mailcow", "exited", WAIT));
	console_ctl(&run, "event redis-mailcow connect netgrimoire");
	cr_expect(wait_row("redis-mailcow", "netgrimoire FORBIDDEN", WAIT));
	stop();
}

/* How fast the keys are answered is a figure of `make bench`; here every key must be
 * answered while the collection (10 minutes, cancelled by q) is still in flight. */
Test(tui_live, slow_backend_keys_answered_during_a_refresh)
{
	start();
	/* the fake takes its commands in order: once the task shows, the delay is in force */
	console_ctl(&run, "delay 600000");
	console_ctl(&run, "task Delay is set");
	vt_char(run.vt, '4');
	cr_assert(vt_wait(run.vt, "Delay is set", WAIT), "the fake did not take its commands");
	vt_char(run.vt, 'r');
	cr_assert(wait_head("refreshing"), "no progress shown while a refresh runs");
	struct {
		uint32_t key;
		const char *shows;
	} steps[] = {
		{'2', "[2 Containers]"}, {'j', "2/13"}, {'3', "[3 DKIM]"}, {'G', "16/16"},
		{'4', "[4 Pending]"}, {'?', "Help: keys"}, {'q', "[4 Pending]"}, {'5', "[5 Checks]"},
		{'1', "[1 Domains]"},
	};
	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		vt_char(run.vt, steps[i].key);
		cr_expect(vt_wait(run.vt, steps[i].shows, WAIT), "key %zu ('%c') not answered", i, (char)steps[i].key);
		cr_expect(wait_head("refreshing"), "key %zu: the slow refresh should still be in flight", i);
	}
	stop(); /* quitting cancels the collection in flight */
}

Test(tui_live, failed_backend_named_while_other_panes_update)
{
	start();
	console_ctl(&run, "fail dns SERVFAIL from 127.0.0.1:5353");
	cr_assert(refresh_until("dns \xe2\x9c\x97"));
	cr_expect(vt_wait(run.vt, "| dns: SERVFAIL from 127.0.0.1:5353", WAIT));
	cr_expect(vt_wait(run.vt, "docker \xe2\x9c\x93", WAIT));
	/* the domains pane shows UNKN for DNS-based families, the MailCow side still checked */
	cr_expect(vt_wait(run.vt, "? UNKN", WAIT));
	/* the containers pane keeps updating from events */
	vt_char(run.vt, '2');
	cr_assert(wait_row("dovecot-mailcow", "healthy", WAIT));
	console_ctl(&run, "event dovecot-mailcow health_status: unhealthy");
	cr_expect(wait_row("dovecot-mailcow", "unhealthy", WAIT));
	/* Docker failing empties the containers pane with the reason in the header */
	console_ctl(&run, "fail docker connect to /var/run/docker.sock: permission denied");
	cr_expect(refresh_until("| docker: connect to /var/run/docker.sock"));
	cr_expect(vt_wait(run.vt, "docker \xe2\x9c\x97", WAIT));
	cr_expect(vt_wait(run.vt, "Docker is unreachable", WAIT));
	/* and healing brings it back */
	console_ctl(&run, "heal");
	cr_expect(refresh_until("acme-mailcow"));
	cr_expect(vt_wait(run.vt, "docker \xe2\x9c\x93", WAIT));
	stop();
}

Test(tui_live, another_admins_change_shows_without_a_key)
{
	start();
	vt_char(run.vt, '4');
	cr_assert(vt_wait(run.vt, "#3", WAIT));
	console_ctl(&run, "task Rotate the relayhost password");
	/* the checklist is re-read on its own timer (5 s): no key is pressed */
	cr_expect(vt_wait(run.vt, "#4   Rotate the relayhost password", WAIT));
	stop();
}
