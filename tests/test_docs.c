/* test_docs: the man pages render without a groff warning and name every command, option,
 * config key, console key and environment variable; the completion helper offers commands,
 * options, subcommands, check ids and task ids; `make install` lays out what the Debian
 * package ships; debian/changelog carries the version of VERSION. Needs no fixtures. */
#include <criterion/criterion.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "core/config.h"
#include "core/util.h"
#include "tests/support/trun.h"
#include "tui/action.h"

static char *sh(int *code, const char *fmt, ...) ATTR_PRINTF(2, 3);
static char *sh(int *code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *cmd = xvasprintf(fmt, ap);
	va_end(ap);
	struct trun r = {0};
	const char *argv[] = {"/bin/sh", "-c", cmd, NULL};
	trun(&r, NULL, argv);
	*code = r.code;
	char *out = xasprintf("%s%s", r.out ? r.out : "", r.err ? r.err : "");
	trun_free(&r);
	free(cmd);
	return out;
}

/* The pages generated into a fresh directory, as scripts/gen-man does for the build. */
static char *gen_pages(void)
{
	char *dir = tdir_make("docs", 0700);
	int code;
	char *out = sh(&code, "sh scripts/gen-man '%s' '%s'", trun_bin(), dir);
	cr_assert_eq(code, 0, "gen-man: %s", out);
	free(out);
	return dir;
}

/* A page as man shows it, hyphenation at line ends undone and white space collapsed. */
static char *rendered(const char *dir, const char *page)
{
	int code;
	char *raw = sh(&code, "MANWIDTH=200 LC_ALL=C.UTF-8 man -l '%s/%s' 2>&1", dir, page);
	cr_assert_eq(code, 0, "man -l %s: %s", page, raw);
	struct buf b = {0};
	for (const char *p = raw; *p;) {
		if (strncmp(p, "\xe2\x80\x90\n", 4) == 0) { /* U+2010 at a line break */
			for (p += 4; *p == ' '; p++)
				;
		} else if (isspace((unsigned char)*p)) {
			while (isspace((unsigned char)*p))
				p++;
			buf_putc(&b, ' ');
		} else {
			buf_putc(&b, *p++);
		}
	}
	free(raw);
	return buf_steal(&b);
}

Test(docs, pages_render_without_warnings)
{
	char *dir = gen_pages();
	const char *pages[] = {"mcon.1", "mcon.conf.5"};
	for (size_t i = 0; i < ARRAY_SIZE(pages); i++) {
		int code;
		char *out = sh(&code, "groff -ww -man -Tutf8 -z '%s/%s' 2>&1", dir, pages[i]);
		cr_expect_eq(code, 0, "%s", out);
		cr_expect_str_empty(out, "groff -ww warns on %s:\n%s", pages[i], out);
		free(out);
		out = sh(&code, "LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings=w -l '%s/%s' 2>&1 >/dev/null",
			 dir, pages[i]);
		cr_expect_str_empty(out, "man -l warns on %s:\n%s", pages[i], out);
		free(out);
	}
	tdir_remove(dir);
	free(dir);
}

Test(docs, conf_page_has_every_key_with_its_default)
{
	char *dir = gen_pages();
	char *text = rendered(dir, "mcon.conf.5");
	/* the contract's keys, written here */
	const char *keys[] = {
		"site.name", "mailcow.url", "mailcow.api_key_file", "mailcow.ca_file", "mailcow.tls_verify",
		"mailcow.timeout_ms", "mailcow.dir", "roundcube.config", "docker.host", "docker.project",
		"docker.network", "docker.expected", "overlay.network", "overlay.allowed", "relay.name", "relay.mx",
		"relay.spf_include", "relay.catchall", "dkim.selectors", "dkim.mailcow_selector", "dkim.min_bits",
		"dns.servers", "dns.timeout_ms", "mta_sts.port", "mta_sts.ca_file", "domains.include",
		"domains.exclude", "state.db", "state.retention_days", "ui.refresh_s",
	};
	for (size_t i = 0; i < ARRAY_SIZE(keys); i++) {
		char *want = xasprintf("%s = ", keys[i]);
		cr_expect(strstr(text, want), "mcon.conf(5) lacks %s", keys[i]);
		free(want);
	}
	cr_expect(strstr(text, "mailcow.timeout_ms = integer Timeout of one API request, in milliseconds. "
			       "Default: 5000; from 50 to 600000."), "%s", text);
	cr_expect(strstr(text, "docker.host = unix:// or tcp:// endpoint"), "%s", text);
	cr_expect(strstr(text, "Default: $DOCKER_HOST, else unix:///var/run/docker.sock."), "%s", text);
	cr_expect(strstr(text, "Default: /opt/mailcow-dockerized."), "%s", text);
	/* and every key the program accepts, including any added after this test */
	struct config_key_info k;
	for (size_t i = 0; config_key_info(i, &k); i++) {
		char *want = xasprintf("%s.%s = ", k.section, k.key);
		cr_expect(strstr(text, want), "mcon.conf(5) lacks %s.%s", k.section, k.key);
		cr_expect(k.meaning && *k.meaning, "%s.%s has no meaning in the key table", k.section, k.key);
		free(want);
	}
	free(text);
	tdir_remove(dir);
	free(dir);
}

/* Every "--option" of a text. */
static void options_of(const char *text, struct strv *out)
{
	for (const char *p = text; (p = strstr(p, "--")) != NULL;) {
		const char *e = p + 2;
		while (islower((unsigned char)*e) || *e == '-')
			e++;
		if (e > p + 2 && (p == text || !isalnum((unsigned char)p[-1]))) {
			char *o = xstrndup(p, (size_t)(e - p));
			if (!strv_contains(out, o))
				strv_push(out, o);
			free(o);
		}
		p = e;
	}
}

Test(docs, man1_has_every_command_option_key_and_variable)
{
	char *dir = gen_pages();
	char *text = rendered(dir, "mcon.1");
	const char *words[] = {
		/* commands and subcommands */
		"mcon tui", "mcon tasks", "mcon check", "mcon record", "mcon history", "mcon info", "mcon onboard",
		"mcon snapshot", "mcon fix", "tasks list", "tasks show", "tasks add", "tasks done", "tasks reopen", "tasks note",
		"tasks import", "tasks export",
		/* options */
		"--config", "--db", "--version", "--help", "--mouse", "--json", "--note", "--link", "--prom", "--only",
		"--quiet", "--since", "--offline", "--plan", "--apply", "--yes", "--wait", "--catchall-to", "--mx", "--to",
		/* the console */
		"domains: a status cell per check family", "containers: state, health, networks",
		"DKIM: every domain and selector", "pending: the shared checklist", "history: what changed",
		"PgDn/Ctrl-F", "Shift-Tab", "Ctrl-L", "Space tick or untick", "o onboard a new domain",
		/* sections, environment, files */
		"EXIT STATUS", "NO_COLOR", "MCON_CONFIG", "MCON_API_KEY", "DOCKER_HOST", "SUDO_USER",
		"DOCKER_TLS_VERIFY", "DOCKER_TLS", "DOCKER_CERT_PATH", "docker.allow_plain_tcp",
		"/etc/mcon/mcon.conf", "/var/lib/mcon/mcon.db", "mcon-record.timer", "mcon.conf(5)",
	};
	for (size_t i = 0; i < ARRAY_SIZE(words); i++)
		cr_expect(strstr(text, words[i]), "mcon(1) lacks '%s'", words[i]);
	/* every command of the table and every option its usage and help name */
	size_t n;
	const struct cli_command *cmds = cli_commands(&n);
	for (size_t i = 0; i < n; i++) {
		char *want = xasprintf("mcon %s", cmds[i].name);
		cr_expect(strstr(text, want), "mcon(1) lacks the command %s", cmds[i].name);
		free(want);
		struct strv opts = {0};
		options_of(cmds[i].usage, &opts);
		options_of(cmds[i].help, &opts);
		for (size_t j = 0; j < opts.n; j++)
			cr_expect(strstr(text, opts.v[j]), "mcon(1) lacks %s of mcon %s", opts.v[j], cmds[i].name);
		strv_free(&opts);
	}
	/* every key of the console */
	const struct action_info *t = action_table(&n);
	for (size_t i = 0; i < n; i++)
		if (t[i].id != ACT_PANE) /* the PANE row stands for the panes, listed above */
			cr_expect(strstr(text, t[i].help), "mcon(1) lacks the key for '%s'", t[i].help);
	free(text);
	tdir_remove(dir);
	free(dir);
}

static char *complete(const char *db, const char *const *words)
{
	const char *argv[16] = {trun_bin()};
	size_t n = 1;
	argv[n++] = "__complete"; /* the words as bash passes them: global options included */
	if (db) {
		argv[n++] = "--db";
		argv[n++] = db;
	}
	for (; *words && n < ARRAY_SIZE(argv) - 1; words++)
		argv[n++] = *words;
	struct trun r = {0};
	trun(&r, NULL, argv);
	cr_expect_eq(r.code, 0, "%s", r.err);
	char *out = xstrdup(r.out ? r.out : "");
	trun_free(&r);
	return out;
}

#define COMPLETES(db, want, ...) do { \
	const char *w_[] = {__VA_ARGS__, NULL}; \
	char *got_ = complete(db, w_); \
	cr_expect_str_eq(got_, want); \
	free(got_); \
} while (0)

Test(docs, completion_offers_commands_options_checks_and_tasks)
{
	COMPLETES(NULL, "tui\ntasks\ncheck\nrecord\nhistory\ninfo\nonboard\nfix\nsnapshot\n", "");
	COMPLETES(NULL, "--to\n", "fix", "--t");
	COMPLETES(NULL, "dkim.mailcow\ndkim.selector\n", "fix", "dkim");
	COMPLETES(NULL, "history\n", "hi");
	COMPLETES(NULL, "--config\n--db\n--version\n--help\n", "--");
	COMPLETES(NULL, "check\n", "--config", "x.conf", "ch");
	COMPLETES(NULL, "@files\n", "--config", "");
	COMPLETES(NULL, "list\nshow\nadd\ndone\nreopen\nnote\nimport\nexport\n", "tasks", "");
	COMPLETES(NULL, "--json\n--prom\n--only\n--help\n", "check", "--");
	COMPLETES(NULL, "dkim.mailcow\ndkim.selector\n", "check", "--only", "dkim");
	COMPLETES(NULL, "mx.relay\n", "tasks", "add", "T", "--link", "mx");
	COMPLETES(NULL, "@files\n", "check", "--prom", "");
	COMPLETES(NULL, "@files\n", "tasks", "import", "");
	COMPLETES(NULL, "--catchall-to\n", "onboard", "--c");

	/* task ids from the checklist: a new database holds the three seeded items */
	char *dir = tdir_make("compl", 0700);
	char *db = xasprintf("%s/mcon.db", dir);
	COMPLETES(db, "", "tasks", "done", ""); /* no database yet: nothing, and none is made */
	cr_expect_neq(access(db, F_OK), 0, "completion created %s", db);
	int code;
	char *out = sh(&code, "'%s' --db '%s' tasks list >/dev/null && '%s' --db '%s' tasks done 2 --note x",
		       trun_bin(), db, trun_bin(), db);
	cr_assert_eq(code, 0, "%s", out);
	free(out);
	COMPLETES(db, "1\n3\n", "tasks", "done", "");
	COMPLETES(db, "2\n", "tasks", "reopen", "");
	COMPLETES(db, "1\n2\n3\n", "tasks", "show", "");
	COMPLETES(db, "", "tasks", "done", "1", "");
	free(db);
	tdir_remove(dir);
	free(dir);
}

Test(docs, bash_completion_script_uses_the_helper)
{
	int code;
	char *out = sh(&code, "PATH=\"$(dirname '%s'):$PATH\" bash -c '. dist/mcon.bash-completion; "
			      "COMP_WORDS=(mcon tasks \"\"); COMP_CWORD=2; _mcon; echo \"${COMPREPLY[*]}\"; "
			      "COMP_WORDS=(mcon check --only mta); COMP_CWORD=3; _mcon; echo \"${COMPREPLY[*]}\"'",
		       trun_bin());
	cr_expect_eq(code, 0, "%s", out);
	cr_expect_str_eq(out, "list show add done reopen note import export\nmta_sts.record mta_sts.policy\n");
	free(out);
}

Test(docs, make_install_lays_out_the_package)
{
	char *dir = tdir_make("inst", 0700);
	const char *b = getenv("MCON_BUILD");
	cr_assert(b, "MCON_BUILD is not set");
	int code;
	char *out = sh(&code, "make -s --no-print-directory B='%s' install DESTDIR='%s' PREFIX=/usr "
			      "UNITDIR=/lib/systemd/system 2>&1 >/dev/null && cd '%s' && find . -type f | sort",
		       b, dir, dir);
	cr_assert_eq(code, 0, "%s", out);
	const char *files[] = {
		"./usr/bin/mcon\n", "./usr/share/man/man1/mcon.1\n", "./usr/share/man/man5/mcon.conf.5\n",
		"./lib/systemd/system/mcon-record.service\n", "./lib/systemd/system/mcon-record.timer\n",
		"./usr/share/bash-completion/completions/mcon\n", "./usr/share/doc/mcon/examples/mcon.conf.example\n",
	};
	for (size_t i = 0; i < ARRAY_SIZE(files); i++)
		cr_expect(strstr(out, files[i]), "not installed: %s in\n%s", files[i], out);
	cr_expect_null(strstr(out, "mcon-sim"), "the simulator is not installed:\n%s", out);
	free(out);
	out = sh(&code, "grep '^ExecStart=' '%s/lib/systemd/system/mcon-record.service'", dir);
	cr_expect_str_eq(out, "ExecStart=/usr/bin/mcon --config /etc/mcon/mcon.conf record --quiet\n");
	free(out);
	out = sh(&code, "sh -n debian/mcon.postinst && sh -n debian/mcon.postrm && echo ok");
	cr_expect_str_eq(out, "ok\n");
	free(out);
	tdir_remove(dir);
	free(dir);
}

Test(docs, debian_changelog_has_the_version)
{
	int code;
	char *out = sh(&code, "head -1 debian/changelog | sed -n 's/^mcon (\\([^)]*\\)).*/\\1/p'; cat VERSION");
	char *nl = strchr(out, '\n');
	cr_assert(nl, "%s", out);
	*nl = '\0';
	nl[1 + strcspn(nl + 1, "\n")] = '\0';
	cr_expect_str_eq(out, nl + 1, "debian/changelog has %s, VERSION %s", out, nl + 1);
	free(out);
}
