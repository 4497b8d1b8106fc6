/* The console on a pty through libvterm, against the fake backend (the runbook's site with
 * planted problems): every pane, details, help, filter, ticking and undo, resize, NO_COLOR,
 * ASCII, inert escape sequences, and die() giving the terminal back. Fixed clock, size (80x24), locale and TZ; golden
 * screens in tests/golden/ (MCON_UPDATE_GOLDEN=1 rewrites them after a deliberate change). */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include "tests/support/tui_run.h"
#include "tests/support/hang.h"

#define WAIT T_HANG_MS

static struct console_run run;

static void start(unsigned flags, const char *const *env)
{
	bool ok = console_start(&run, flags, 24, 80, NULL, env);
	if (!ok) {
		char *s = vt_screen(run.vt);
		cr_log_error("screen:\n%s", s);
		free(s);
	}
	cr_assert(ok, "the console did not show its first refresh");
}

static void stop(void)
{
	char *report = NULL;
	int rc = console_stop(&run, &report);
	if (report)
		cr_log_error("sanitizer report of the console:\n%s", report);
	cr_expect_null(report, "the console leaked or misbehaved under the sanitizers");
	free(report);
	cr_expect_eq(rc, 0, "console exit status %d", rc);
}

static void golden(const char *name)
{
	char *msg = vt_golden(run.vt, name, WAIT);
	if (msg)
		cr_log_error("%s", msg);
	cr_expect_null(msg, "golden screen %s", name);
	free(msg);
}

static void press(uint32_t c)
{
	vt_char(run.vt, c);
}

Test(tui_screens, domains_pane)
{
	start(0, NULL);
	golden("domains");
	/* the planted problems are visible as words, not only colours */
	cr_expect(vt_wait(run.vt, "CRIT", WAIT));
	stop();
}

Test(tui_screens, every_pane_by_number)
{
	start(0, NULL);
	static const char *names[] = {"domains", "containers", "dkim", "pending", "checks", "history", "queue"};
	for (int i = 6; i >= 0; i--) {
		press((uint32_t)('1' + i));
		golden(names[i]);
	}
	/* Tab walks to the next pane */
	press('\t');
	cr_expect(vt_wait(run.vt, "[2 Containers]", WAIT));
	stop();
}

Test(tui_screens, domain_details_expected_found_and_zone_lines)
{
	start(0, NULL);
	press('j'); /* gnarlypandaproductions.com: SPF over the lookup limit */
	vt_key(run.vt, VTERM_KEY_ENTER);
	cr_assert(vt_wait(run.vt, "Domain gnarlypandaproductions.com", WAIT));
	golden("details_domain");
	/* the zone line keeps the record but puts the relay's include first */
	vt_char(run.vt, 'G');
	cr_expect(vt_wait(run.vt, "gnarlypandaproductions.com. 3600 IN TXT \"v=spf1 include:mxroute.com", WAIT));
	press('q');
	cr_expect(vt_wait(run.vt, "[1 Domains]", WAIT));
	cr_expect(vt_wait_gone(run.vt, "Domain gnarlypandaproductions.com", WAIT));
	stop();
}

Test(tui_screens, container_details_with_logs)
{
	start(0, NULL);
	press('2');
	cr_assert(vt_wait(run.vt, "watchdog-mailcow", WAIT));
	press('G'); /* watchdog-mailcow, restarted 3 times */
	vt_key(run.vt, VTERM_KEY_ENTER);
	cr_assert(vt_wait(run.vt, "Container watchdog-mailcow", WAIT));
	cr_expect(vt_wait(run.vt, "restarts  3", WAIT));
	cr_expect(vt_wait(run.vt, "Last 200 log lines:", WAIT));
	/* the logs arrive from the worker; the last of 200 lines is there */
	press('G');
	cr_expect(vt_wait(run.vt, "log line 200 of", WAIT));
	vt_key(run.vt, VTERM_KEY_ESCAPE);
	cr_expect(vt_wait(run.vt, "[2 Containers]", WAIT));
	cr_expect(vt_wait_gone(run.vt, "log line", WAIT));
	stop();
}

Test(tui_screens, dkim_details_txt_split_255)
{
	start(0, NULL);
	press('3');
	cr_assert(vt_wait(run.vt, "SELECTOR", WAIT));
	vt_key(run.vt, VTERM_KEY_ENTER);
	cr_assert(vt_wait(run.vt, "DKIM mailcow._domainkey.florosafd.org", WAIT));
	golden("details_dkim");
	/* the 392-character key makes two strings of at most 255 characters */
	int r = vt_find_row(run.vt, "mailcow._domainkey.florosafd.org. 3600 IN TXT (");
	cr_assert(r >= 0);
	char *first = vt_row(run.vt, r + 1);
	cr_expect(strstr(first, "\"v=DKIM1;k=rsa;t=s;s=email;p=MII") != NULL, "%s", first);
	free(first);
	stop();
}

Test(tui_screens, help_from_the_action_table)
{
	start(0, NULL);
	press('?');
	cr_assert(vt_wait(run.vt, "Help: keys", WAIT));
	golden("help");
	press('G');
	cr_expect(vt_wait(run.vt, "onboard a new domain", WAIT));
	press('q');
	cr_expect(vt_wait_gone(run.vt, "Help: keys", WAIT));
	stop();
}

Test(tui_screens, filter_and_clear)
{
	start(0, NULL);
	press('/');
	cr_assert(vt_wait(run.vt, "filter (Esc clears):", WAIT));
	vt_type(run.vt, "pnc");
	vt_key(run.vt, VTERM_KEY_ENTER);
	golden("filter_pnc");
	cr_expect(!vt_contains(run.vt, "florosafd.org"));
	/* ! inverts */
	press('/');
	cr_assert(vt_wait(run.vt, "filter (Esc clears): pnc", WAIT));
	vt_ctrl(run.vt, 'u');
	vt_type(run.vt, "!pnc");
	vt_key(run.vt, VTERM_KEY_ENTER);
	cr_expect(vt_wait_gone(run.vt, "pncharris.com", WAIT));
	cr_expect(vt_wait(run.vt, "florosafd.org", WAIT));
	/* Esc clears */
	vt_key(run.vt, VTERM_KEY_ESCAPE);
	cr_expect(vt_wait(run.vt, "pncharris.com", WAIT));
	cr_expect(vt_wait(run.vt, "1/8", WAIT));
	stop();
}

Test(tui_screens, tick_note_and_undo)
{
	start(0, NULL);
	press('4');
	cr_assert(vt_wait(run.vt, "#1", WAIT));
	press(' ');
	cr_assert(vt_wait(run.vt, "tick #1: note (optional, Enter to skip):", WAIT));
	vt_type(run.vt, "NAT rule live");
	vt_key(run.vt, VTERM_KEY_ENTER);
	cr_expect(vt_wait(run.vt, "#1 ticked", WAIT));
	golden("pending_ticked");
	cr_expect(vt_wait(run.vt, "[x] #1", WAIT));
	cr_expect(vt_wait(run.vt, "alice 11-29 12:00", WAIT));
	/* the note is readable in the details */
	vt_key(run.vt, VTERM_KEY_ENTER);
	cr_expect(vt_wait(run.vt, "2026-11-29T12:00:00Z alice: NAT rule live", WAIT));
	vt_key(run.vt, VTERM_KEY_ESCAPE);
	cr_assert(vt_wait_gone(run.vt, "Pending #1", WAIT));
	/* u undoes the tick */
	press('u');
	cr_expect(vt_wait(run.vt, "#1 reopened", WAIT));
	cr_expect(vt_wait(run.vt, "[ ] #1", WAIT));
	stop();
}

Test(tui_screens, tick_against_red_evidence_needs_a_note)
{
	start(0, NULL);
	press('4');
	cr_assert(vt_wait(run.vt, "#2", WAIT));
	press('j');
	press(' ');
	cr_assert(vt_wait(run.vt, "tick #2 although dkim.selector is CRIT: note (required):", WAIT));
	vt_key(run.vt, VTERM_KEY_ENTER);
	cr_expect(vt_wait(run.vt, "#2 not ticked", WAIT));
	cr_expect(vt_wait(run.vt, "[ ] #2", WAIT));
	/* with a note it goes through */
	press(' ');
	cr_assert(vt_wait(run.vt, "note (required):", WAIT));
	vt_type(run.vt, "mxroute key published, waiting for TTL");
	vt_key(run.vt, VTERM_KEY_ENTER);
	cr_expect(vt_wait(run.vt, "[x] #2", WAIT));
	stop();
}

Test(tui_screens, add_item_and_note)
{
	start(0, NULL);
	press('4');
	cr_assert(vt_wait(run.vt, "#3", WAIT));
	press('a');
	cr_assert(vt_wait(run.vt, "new item:", WAIT));
	vt_type(run.vt, "Renew the MXRoute contract");
	vt_key(run.vt, VTERM_KEY_ENTER);
	cr_expect(vt_wait(run.vt, "#4   Renew the MXRoute contract", WAIT));
	press('G');
	press('n');
	cr_assert(vt_wait(run.vt, "note for #4:", WAIT));
	vt_type(run.vt, "due in March");
	vt_key(run.vt, VTERM_KEY_ENTER);
	cr_expect(vt_wait(run.vt, "last note: 2026-11-29T12:00:00Z alice: due in March", WAIT));
	stop();
}

Test(tui_screens, resize_below_minimum_and_back)
{
	start(0, NULL);
	vt_resize(run.vt, 20, 70);
	cr_expect(vt_wait(run.vt, "mcon needs a terminal of at least 80x24;", WAIT));
	cr_expect(vt_wait(run.vt, "this one is 70x20", WAIT));
	vt_resize(run.vt, 24, 80);
	golden("domains");
	/* wider: the domain column grows */
	vt_resize(run.vt, 30, 100);
	cr_expect(vt_wait(run.vt, "netgrimoire.com (Main site)", WAIT));
	stop();
}

Test(tui_screens, no_color_means_no_colour_attributes)
{
	static const char *const env[] = {"NO_COLOR=1", NULL};
	start(0, env);
	cr_assert(vt_wait(run.vt, "CRIT", WAIT));
	cr_expect(!vt_any_colour(run.vt), "a cell carries a colour under NO_COLOR");
	press('2');
	cr_assert(vt_wait(run.vt, "FORBIDDEN", WAIT));
	cr_expect(!vt_any_colour(run.vt), "a cell carries a colour under NO_COLOR");
	/* the selection still shows, by reverse video */
	VTermScreenCell cell;
	int r = vt_find_row(run.vt, "acme-mailcow");
	cr_assert(r >= 0);
	vt_cell(run.vt, r, 10, &cell);
	cr_expect(cell.attrs.reverse);
	stop();
}

Test(tui_screens, colour_without_no_color)
{
	start(0, NULL);
	cr_assert(vt_wait(run.vt, "CRIT", WAIT));
	cr_expect(vt_any_colour(run.vt), "statuses should be coloured when NO_COLOR is unset");
	stop();
}

Test(tui_screens, ascii_outside_utf8)
{
	bool ok = console_start(&run, 0, 24, 80, "C", NULL);
	cr_assert(ok);
	cr_expect(vt_wait(run.vt, "x CRIT", WAIT));
	cr_expect(vt_wait(run.vt, "+ OK", WAIT));
	char *s = vt_screen(run.vt);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		cr_expect(*p < 0x80, "non-ASCII byte 0x%02x on an ASCII screen", *p);
	free(s);
	stop();
}

Test(tui_screens, tls_verify_off_warns)
{
	start(FAKE_TLS_OFF, NULL);
	cr_expect(vt_wait(run.vt, "WARNING: mailcow.tls_verify = false", WAIT));
	press('5');
	cr_expect(vt_wait(run.vt, "[5 Checks]", WAIT));
	cr_expect(vt_wait(run.vt, "WARNING: mailcow.tls_verify = false", WAIT));
	stop();
}

Test(tui_screens, planted_escapes_are_inert)
{
	start(FAKE_EVIL, NULL);
	/* the description's OSC title and SGR colour show as text */
	cr_assert(vt_wait(run.vt, "netgrimoire.com (Shop ^[]2;HA", WAIT));
	cr_expect_eq(run.vt->title_sets, 0, "a title was set: '%s'", run.vt->title);
	press('j');
	press('j');
	vt_key(run.vt, VTERM_KEY_ENTER);
	cr_assert(vt_wait(run.vt, "Shop ^[]2;HACKED^G^[[31mRED^[[0m \xef\xbf\xbd end", WAIT));
	int r = vt_find_row(run.vt, "HACKED");
	cr_assert(r >= 0);
	char *row = vt_row(run.vt, r);
	char *red = strstr(row, "RED");
	cr_assert(red);
	/* columns = characters here (all narrow) */
	int col = 0;
	for (const char *p = row; p < red; p++)
		if (((unsigned char)*p & 0xC0) != 0x80)
			col++;
	VTermScreenCell cell;
	vt_cell(run.vt, r, col, &cell);
	cr_expect(VTERM_COLOR_IS_DEFAULT_FG(&cell.fg), "the planted SGR coloured the text");
	free(row);
	/* health output and logs too */
	vt_key(run.vt, VTERM_KEY_ESCAPE);
	cr_assert(vt_wait(run.vt, "[1 Domains]", WAIT));
	press('2');
	press('j');
	vt_key(run.vt, VTERM_KEY_ENTER);
	cr_assert(vt_wait(run.vt, "Container clamd-mailcow", WAIT));
	cr_expect(vt_wait(run.vt, "probe ok ^[[2J^[]0;owned^G done", WAIT));
	press('G');
	cr_expect(vt_wait(run.vt, "evil ^[]2;LOGTITLE^G^[[41mline", WAIT));
	cr_expect_eq(run.vt->title_sets, 0);
	cr_expect(vt_wait(run.vt, "Container clamd-mailcow", WAIT), "the screen was cleared by a planted sequence");
	stop();
}

Test(tui_screens, arrows_pages_home_end)
{
	start(0, NULL);
	vt_key(run.vt, VTERM_KEY_DOWN);
	cr_expect(vt_wait(run.vt, "2/8", WAIT));
	cr_expect(vt_wait(run.vt, "CRIT spf.record gnarlypandaproductions.com: SPF of", WAIT), "the footer follows the selection");
	vt_key(run.vt, VTERM_KEY_END);
	cr_expect(vt_wait(run.vt, "8/8", WAIT));
	vt_key(run.vt, VTERM_KEY_HOME);
	cr_expect(vt_wait(run.vt, "1/8", WAIT));
	vt_key(run.vt, VTERM_KEY_PAGEDOWN);
	cr_expect(vt_wait(run.vt, "8/8", WAIT));
	vt_key(run.vt, VTERM_KEY_UP);
	cr_expect(vt_wait(run.vt, "7/8", WAIT));
	vt_key(run.vt, VTERM_KEY_PAGEUP);
	cr_expect(vt_wait(run.vt, "1/8", WAIT));
	press('k');
	cr_expect(vt_wait(run.vt, "1/8", WAIT));
	/* the selection stays on the same domain across a refresh: the refresh is seen to end
	 * by what it brings (a failed files part; the fake reads its commands on its own
	 * thread, so refresh until it shows) */
	press('j');
	press('j');
	cr_assert(vt_wait(run.vt, "3/8", WAIT));
	console_ctl(&run, "fail files cannot read /opt/mailcow-dockerized/mailcow.conf");
	bool seen = false;
	for (int i = 0; i < T_HANG_MS / 1000 && !seen; i++) {
		press('r');
		seen = vt_wait(run.vt, "files \xe2\x9c\x97", 1000);
	}
	cr_assert(seen, "the refresh with the failed files part did not show");
	/* a key read after the refresh: from the third row j reaches the fourth (the footer
	 * on screen could still be the one drawn before the refresh) */
	press('j');
	cr_expect(vt_wait(run.vt, "4/8", WAIT), "the selection moved with the refresh");
	/* Ctrl-L repaints the same screen */
	vt_ctrl(run.vt, 'l');
	cr_expect(vt_wait(run.vt, "netgrimoire.com (Main site)", WAIT));
	stop();
}

static void click(int row, int col)
{
	vterm_mouse_move(run.vt->vt, row, col, VTERM_MOD_NONE);
	vterm_mouse_button(run.vt->vt, 1, true, VTERM_MOD_NONE);
	vterm_mouse_button(run.vt->vt, 1, false, VTERM_MOD_NONE);
}

Test(tui_screens, mouse_only_with_the_option)
{
	/* off by default: a click on the third row followed by j leaves the selection on the
	 * second row (the key is read after the click, so its effect shows the click had none;
	 * with --mouse below, the same click selects the row) */
	start(0, NULL);
	click(6, 10);
	press('j');
	cr_expect(vt_wait(run.vt, "2/8", WAIT), "the key after the click was not answered as the only input");
	stop();

	cr_assert(console_start_mouse(&run, 0, 24, 80));
	click(2, 29);
	cr_expect(vt_wait(run.vt, "[3 DKIM]", WAIT), "a click on the tab did not switch panes");
	/* a click on a row selects it */
	click(6, 10);
	cr_expect(vt_wait(run.vt, "3/16", WAIT));
	stop();
}

/* die() on a worker thread (here the collect worker) ends curses first: the terminal is back
 * in its normal mode (line editing and echo) and the message is on the screen. */
Test(tui_screens, die_on_a_worker_restores_the_terminal)
{
	start(0, NULL);
	struct termios before;
	cr_assert_eq(tcgetattr(run.vt->fd, &before), 0);
	cr_expect_eq(before.c_lflag & (ICANON | ECHO), 0, "the console did not put the terminal in raw mode");
	console_ctl(&run, "die the collect worker gave up");
	press('r');
	cr_assert(vt_wait(run.vt, "mcon: the collect worker gave up", WAIT), "no message from die()");
	struct termios after;
	cr_assert_eq(tcgetattr(run.vt->fd, &after), 0);
	cr_expect_eq(after.c_lflag & (ICANON | ECHO), (tcflag_t)(ICANON | ECHO), "die() left the terminal raw");
	/* the process ends without freeing: its leak report says nothing here */
	int rc = console_stop(&run, NULL);
	cr_expect_eq(rc, 1, "exit status %d after die()", rc);
}

/* Columns take the width their content needs while the line has room: at 120 columns the
 * containers pane shows postfix-tlspol-mailcow in full and the checks pane its longest
 * targets; at 80 the columns give that room back to the networks and summaries. */
Test(tui_screens, columns_fit_their_content_at_120_and_narrow_at_80)
{
	bool ok = console_start(&run, FAKE_LONG, 24, 120, NULL, NULL);
	cr_assert(ok, "the console did not show its first refresh");
	press('2');
	cr_assert(vt_wait(run.vt, "[2 Containers]", WAIT));
	cr_expect(vt_wait(run.vt, "postfix-tlspol-mailcow ", WAIT), "the long service name is cut at 120 columns");
	golden("containers_long_120");
	press('5');
	cr_assert(vt_wait(run.vt, "[5 Checks]", WAIT));
	cr_expect(vt_wait(run.vt, "pncharrisenterprises.com/mailcow", WAIT), "a long target is cut at 120 columns");
	golden("checks_120");
	vt_resize(run.vt, 24, 80);
	press('2');
	cr_assert(vt_wait(run.vt, "[2 Containers]", WAIT));
	cr_expect(vt_wait(run.vt, "postfix-tlspol-m\xe2\x80\xa6", WAIT), "at 80 columns the service column keeps its width");
	golden("containers_long_80");
	stop();
}

/* The queue at 120 columns: every recipient with its deferral reason in full; a mark. */
Test(tui_screens, queue_pane_at_120_with_a_mark)
{
	bool ok = console_start(&run, 0, 24, 120, NULL, NULL);
	cr_assert(ok, "the console did not show its first refresh");
	press('7');
	cr_assert(vt_wait(run.vt, "[7 Queue]", WAIT));
	cr_expect(vt_wait(run.vt, "someone@example.net (connect to mx.example.net[203.0.113.5]:25: Connection timed out)",
			  WAIT), "the footer gives the selected message's reason in full");
	press('m');
	cr_expect(vt_wait(run.vt, "1 marked; bounce@example.org (host mx.example.org[198.51.100.9] said: 451 4.7.1 try later)",
			  WAIT), "m marks and moves down");
	golden("queue_120");
	press('D');
	cr_expect(vt_wait(run.vt, "Delete message 4cXy2k0LZ4z3wRg? [y/N]", WAIT), "D deletes the marked message");
	press('y');
	cr_expect(vt_wait(run.vt, "delete: 4cXy2k0LZ4z3wRg (MailCow: queue_command_success)", WAIT));
	stop();
}

/* A pane's own key pressed in another pane says where it works, named from the registry. */
Test(tui_screens, a_pane_key_elsewhere_names_its_pane)
{
	start(0, NULL);
	press(' ');
	cr_expect(vt_wait(run.vt, "tick works in the pending pane (4)", WAIT));
	press('a');
	cr_expect(vt_wait(run.vt, "add works in the pending pane (4)", WAIT));
	press('x');
	cr_expect(vt_wait(run.vt, "flush works in the queue pane (7)", WAIT));
	press('R');
	cr_expect(vt_wait(run.vt, "restart works in the containers pane (2)", WAIT));
	stop();
}
