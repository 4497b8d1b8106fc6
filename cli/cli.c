/* cli: global options, the command table, dispatch and the generated help. */
#include "cli/cli.h"
#include "core/key_gate.h"

#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Commands appear here once they exist; the table is the help. */
static const struct cli_command commands[] = {
	{"tui", cmd_tui, true, "tui [--mouse]",
	 "The interactive console (also what plain `mcon` opens): panes for domains (1),\n"
	 "containers (2), DKIM (3), the pending checklist (4), checks (5) and history (6),\n"
	 "refreshed in the background every ui.refresh_s seconds and on r; Docker events update\n"
	 "the containers pane as they happen. Enter opens details, / filters, ? lists every key.\n"
	 "Read-only towards MailCow; the checklist is written to the shared database.\n"
	 "NO_COLOR turns colours off; outside a UTF-8 locale it draws in ASCII; it needs 80x24.\n\n"
	 "  --mouse   react to clicks and the wheel (off by default so copy and paste work)"},
	{"tasks", cmd_tasks, false, "tasks [list|show|add|done|reopen|note|import|export] [ARGS]",
	 "The pending checklist, shared by everyone who uses the same database (state.db).\n"
	 "Every change is journaled with who ($SUDO_USER, else the user, plus the SSH client\n"
	 "address) and when (UTC). On first use the list holds the runbook's pending items.\n\n"
	 "  mcon tasks list [--json]          the checklist (the default); JSON per the contract\n"
	 "  mcon tasks show ID [--json]       one item with its links and its whole journal\n"
	 "  mcon tasks add TITLE [--note TEXT] [--link CHECK]...\n"
	 "                                    add an open item; --link ties it to a check id\n"
	 "  mcon tasks done ID [--note TEXT]  tick an item\n"
	 "  mcon tasks reopen ID [--note TEXT]\n"
	 "                                    untick an item\n"
	 "  mcon tasks note ID TEXT           add a note\n"
	 "  mcon tasks import FILE.md         merge the '## Pending' section of a wiki page (- for\n"
	 "                                    stdin): new items are added, [x] ticks open ones;\n"
	 "                                    lines that do not parse are named on stderr\n"
	 "  mcon tasks export                 print the '## Pending' section to paste into the wiki\n\n"
	 "list, show and export work on a database you may only read. Exit: 0 ok, 1 failure\n"
	 "(database read-only, locked, full or corrupt; no such item; nothing importable),\n"
	 "2 usage error."},
	{"check", cmd_check, true, "check [--json] [--prom FILE] [--only GLOB]",
	 "Collects once, runs every check and prints the Nagios plugin form: a first line\n"
	 "'MCON <STATUS>: <summary> | <perfdata>', then one line per result that is not OK, worst\n"
	 "first, with what to do. A backend that cannot be reached makes the checks that need it\n"
	 "unknown; the others still run.\n\n"
	 "  --json        the contract's JSON object (version, site, generated_at, status, counts,\n"
	 "                results with check, target, status, summary, hint)\n"
	 "  --prom FILE   also write the Prometheus text format to FILE, atomically, no timestamps\n"
	 "  --only GLOB   keep the results whose check id matches ('dkim.*'); with a ':' the glob\n"
	 "                matches check:target ('dkim.selector:*/mxroute'); repeatable\n\n"
	 "Exit (Nagios): 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN, the worst result (critical >\n"
	 "unknown > warning > ok); 3 also for a usage or configuration error."},
	{"record", cmd_record, true, "record [--quiet]",
	 "Collects once, runs the checks and stores in the database only what changed since the\n"
	 "last record (see mcon history), then prunes history older than state.retention_days.\n"
	 "For a systemd timer (assets/mcon-record.service and .timer, once a minute) or cron.\n\n"
	 "  --quiet   print nothing on success\n\n"
	 "Exit: 0 recorded (whatever the checks found), 1 database error, 2 usage error."},
	{"history", cmd_history, false, "history [--since DURATION] [--json]",
	 "What `mcon record` stored as changed, newest first: check status transitions, container\n"
	 "state, health, restart counts and networks, DKIM key fingerprints, DNS answers, MTA-STS ids\n"
	 "and policies, size limits; and every fix `mcon fix` or the console applied (kind fix).\n\n"
	 "  --since DURATION  how far back: 90m, 24h, 7d, 2w (default 24h)\n"
	 "  --json            an array of {\"at\", \"kind\", \"target\", \"from\", \"to\", \"detail\"}\n\n"
	 "Without a database yet the history is empty. Exit: 0 ok, 1 database error, 2 usage error."},
	{"info", cmd_info, false, "info [--offline]",
	 "Shows which configuration file, database, Docker endpoint, MailCow URL, resolver and\n"
	 "mailcow-dockerized checkout are in use, and whether each answers (one collection, as\n"
	 "`mcon check` does). Exits 1 when a part does not answer or is not configured.\n\n"
	 "  --offline  only say what is in use; ask nothing"},
	{"onboard", cmd_onboard, true,
	 "onboard DOMAIN [--plan] [--apply] [--yes] [--wait DURATION] [--catchall-to ADDRESS] [--mx HOST] "
	 "[--restart-sogo]",
	 "The new-domain walkthrough (steps a..i of assets/onboarding.ini): preflight, create the\n"
	 "domain in MailCow (DKIM selector dkim.mailcow_selector, 2048 bits) or adopt it, the active\n"
	 "catch-all @DOMAIN, MailCow's DKIM key, the relay side (manual), the DNS records to publish,\n"
	 "MTA-STS in testing mode, verification, then MTA-STS enforce.\n\n"
	 "  --plan                print every step and the zone lines, write nothing (the default;\n"
	 "                        a read-only API key is enough)\n"
	 "  --apply               run the steps from the first one not done, asking before each\n"
	 "                        write; then verify once: exit 0 when every check of the domain\n"
	 "                        passes, 1 listing what is missing\n"
	 "  --yes                 do not ask before writes\n"
	 "  --wait DURATION       keep verifying with backoff (5s doubling to 60s) up to DURATION\n"
	 "  --catchall-to ADDRESS the mailbox the catch-all delivers to (asked when missing)\n"
	 "  --mx HOST             a concrete MX host of the relay for the zone lines (repeatable);\n"
	 "                        by default the live MX of a domain already behind the relay\n"
	 "  --restart-sogo        let add/domain restart the sogo-mailcow container so that SOGo\n"
	 "                        sees the new domain at once (off: at SOGo's next restart)\n\n"
	 "Each step's outcome (who, when, result, what was written) is stored in the database;\n"
	 "a rerun resumes at the first step not done and never repeats a done one. Manual steps\n"
	 "(the relay, DNS) are shown and stay pending until the checks see their records.\n"
	 "Writing needs a read-write API key (MailCow: Configuration -> Access -> Administrators\n"
	 "-> API). Exit: 0 all checks pass, 1 not yet or a step failed, 2 usage, configuration\n"
	 "or a read-only key."},
	{"fix", cmd_fix, true, "fix CHECK TARGET [--plan] [--apply] [--yes] [--to ADDRESS]",
	 "Repairs one finding (contract section 8): domain.active, domain.catchall, dkim.mailcow,\n"
	 "relay.outbound and mta_sts.policy with one MailCow write; mx.relay, spf.record,\n"
	 "dmarc.record, dkim.selector, mta_sts.record and tls_rpt.record with the exact zone lines\n"
	 "to publish (no write). TARGET is the result's target (a domain, or domain/selector).\n\n"
	 "  --plan          print the finding and the exact API call and body, or the zone lines;\n"
	 "                  write nothing (the default; on a terminal it then asks y/N)\n"
	 "  --apply         ask y/N on stdin before the write, terminal or not\n"
	 "  --yes           write without asking\n"
	 "  --to ADDRESS    the mailbox a new catch-all @DOMAIN delivers to\n\n"
	 "The write reads MailCow first (what exists is adopted, never duplicated), then the check\n"
	 "is run again on a fresh collection; a policy or DKIM write shows the TXT line to publish.\n"
	 "Each write is stored in the history (kind fix: who, when, what was written, the re-run).\n"
	 "Exit: 0 the check passes (or nothing to fix, or the plan shown), 1 it does not pass yet\n"
	 "(saying why) or MailCow refused the write (its message), 2 no fix for the finding, no such\n"
	 "target, a read-only API key (the plan is still shown) or a usage error."},
	{"snapshot", cmd_snapshot, true, "snapshot --json",
	 "Collects the stack's state once (Docker, the MailCow API, DNS, MTA-STS policies and the\n"
	 "stack's files, all at once) and prints it as one JSON object: domains, aliases, DKIM,\n"
	 "DNS answers with status, server and TTL, containers, networks, size limits, Roundcube,\n"
	 "and under \"errors\" every part that could not be collected (what, why, since).\n"
	 "A part that failed does not change the exit code (0); secrets are never printed."},
};

int cli_error(int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("mcon: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	return code;
}

const char *cli_db_path(const struct cli_ctx *ctx)
{
	return ctx->db_path ? ctx->db_path : ctx->cfg.state_db;
}

const struct cli_command *cli_commands(size_t *n)
{
	*n = ARRAY_SIZE(commands);
	return commands;
}

static void usage(FILE *out)
{
	fputs("usage: mcon [--config FILE] [--db FILE] [COMMAND] [ARGS]\n\n"
	      "The operations console for a mailcow-dockerized mail stack. Without a command it\n"
	      "opens the interactive console.\n\nCommands:\n", out);
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
		fprintf(out, "  mcon %s\n", commands[i].usage);
	fputs("\nOptions:\n"
	      "  --config FILE  configuration (default: $MCON_CONFIG, ~/.config/mcon/mcon.conf, /etc/mcon/mcon.conf)\n"
	      "  --db FILE      SQLite database (default: state.db)\n"
	      "  --version      print the version\n"
	      "  --help         this help; `mcon COMMAND --help` for one command\n", out);
}

static const struct cli_command *command_find(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	return NULL;
}

static bool wants_help(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0)
			return false;
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
			return true;
	}
	return false;
}

int cli_main(int argc, char **argv)
{
	struct cli_ctx ctx = {.prog = "mcon"};
	const char *config_path = NULL;
	int i = 1;

	setlocale(LC_ALL, "");
	signal(SIGPIPE, SIG_IGN);       /* a closed pipe (| head, a Nagios timeout) is an error, not death */
	config_key_env_take();
	for (; i < argc && argv[i][0] == '-'; i++) {
		const char *a = argv[i];
		if (strcmp(a, "--version") == 0) {
			printf("mcon %s\n", MCON_VERSION);
			return EXIT_OK;
		} else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			usage(stdout);
			return EXIT_OK;
		} else if ((strcmp(a, "--config") == 0 || strcmp(a, "--db") == 0) && i + 1 < argc) {
			if (a[2] == 'c')
				config_path = argv[++i];
			else
				ctx.db_path = argv[++i];
		} else if (str_starts_with(a, "--config=")) {
			config_path = a + 9;
		} else if (str_starts_with(a, "--db=")) {
			ctx.db_path = a + 5;
		} else {
			usage(stderr);
			return cli_error(EXIT_USAGE, "unknown option '%s'", a);
		}
	}

	const char *name = i < argc ? argv[i] : "tui";
	if (strcmp(name, "__man") == 0)
		return cmd_doc_man(argc - i, argv + i);
	if (strcmp(name, "__complete") == 0)
		return cmd_doc_complete(argc - i, argv + i);
	const struct cli_command *cmd = command_find(name);
	if (!cmd) {
		usage(stderr);
		return cli_error(EXIT_USAGE, "unknown command '%s'", name);
	}
	int cargc = i < argc ? argc - i : 1;
	char *fallback[] = {(char *)"tui", NULL};
	char **cargv = i < argc ? argv + i : fallback;
	if (wants_help(cargc, cargv)) {
		printf("usage: mcon %s\n\n%s\n", cmd->usage, cmd->help);
		return EXIT_OK;
	}

	char *err = NULL;
	if (config_load(&ctx.cfg, config_path, &err) < 0) {
		int code = strcmp(cmd->name, "check") == 0 ? 3 : EXIT_USAGE;
		cli_error(code, "%s", err);
		free(err);
		config_free(&ctx.cfg);
		return code;
	}
	int rc;
	const char *missing = cmd->needs_backend ? config_missing_backend(&ctx.cfg) : NULL;
	/* check reads the history only when there is one; every other command needs the file */
	if (!missing && !cli_db_path(&ctx) && strcmp(cmd->name, "check") != 0)
		missing = "no place for the database: $HOME is not set and /var/lib/mcon is not writable; set "
			  "state.db in mcon.conf or pass --db FILE";
	if (missing)
		rc = cli_error(strcmp(cmd->name, "check") == 0 ? 3 : EXIT_USAGE, "%s", missing);
	else {
		cli_key_store_install(&ctx);
		rc = cmd->run(&ctx, cargc, cargv);
		key_gate_set_store(NULL);
	}
	config_free(&ctx.cfg);
	return rc;
}
