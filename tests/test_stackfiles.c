/* The mailcow-dockerized config files: size suffixes, Postfix/UCL/clamd/PHP parsing with
 * comments and quoting, and the collection over a checkout (tests/data/mailcow, plus
 * variants written to a temporary directory). */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/stackfiles.h"

#define SITE "tests/data/mailcow"

static long long size_of(const char *s)
{
	long long v = -42;
	cr_assert_eq(stackfiles_parse_size(s, &v), 0, "'%s' should parse", s);
	return v;
}

Test(stack_sizes, rspamd_units)
{
	cr_assert_eq(size_of("52428800"), 52428800);
	cr_assert_eq(size_of("50mb"), 52428800);
	cr_assert_eq(size_of("50Mb"), 52428800);
	cr_assert_eq(size_of("50MB"), 52428800);
	cr_assert_eq(size_of("50m"), 50000000, "UCL: a bare m is a power of 1000");
	cr_assert_eq(size_of("50M"), 50000000);
	cr_assert_eq(size_of("100k"), 100000);
	cr_assert_eq(size_of("100kb"), 102400);
	cr_assert_eq(size_of("1g"), 1000000000);
	cr_assert_eq(size_of("1gb"), 1073741824);
	cr_assert_eq(size_of("1.5mb"), 1572864);
	cr_assert_eq(size_of(" 150 Mb "), 157286400);
	cr_assert_eq(size_of("0"), 0);
	long long v;
	const char *bad[] = {"", "mb", "50 MiB", "50tb", "-5", "5.5.5", "1e6", "50mbb", "99999999999999999999", "50 mb x"};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		cr_assert_eq(stackfiles_parse_size(bad[i], &v), -1, "'%s' should be refused", bad[i]);
}

Test(stack_sizes, clamav_units)
{
	long long v;
	cr_assert_eq(stackfiles_parse_clamav_size("25M", &v), 0);
	cr_assert_eq(v, 26214400);
	cr_assert_eq(stackfiles_parse_clamav_size("25m", &v), 0);
	cr_assert_eq(v, 26214400);
	cr_assert_eq(stackfiles_parse_clamav_size("512K", &v), 0);
	cr_assert_eq(v, 524288);
	cr_assert_eq(stackfiles_parse_clamav_size("1048576", &v), 0);
	cr_assert_eq(v, 1048576);
	cr_assert_eq(stackfiles_parse_clamav_size("25MB", &v), -1);
	cr_assert_eq(stackfiles_parse_clamav_size("1.5M", &v), -1);
	cr_assert_eq(stackfiles_parse_clamav_size("lots", &v), -1);
}

Test(stack_postfix, syntax)
{
	const char *cf = "# message_size_limit = 1\n"
	                 "   # indented comment message_size_limit = 2\n"
	                 "message_size_limit = 10240000\n"
	                 "message_size_limit_other = 3\n"
	                 "smtpd_recipient_restrictions = a,\n"
	                 "  message_size_limit = 4,\n"
	                 "  b\n"
	                 "\n"
	                 "message_size_limit=52428800\n";
	char *v;
	int line;
	cr_assert_eq(stackfiles_postfix_get(cf, "message_size_limit", &v, &line), 1);
	cr_assert_str_eq(v, "52428800", "the last assignment wins; continuation lines are not keys");
	cr_assert_eq(line, 9);
	free(v);
	cr_assert_eq(stackfiles_postfix_get(cf, "smtpd_recipient_restrictions", &v, &line), 1);
	cr_assert_str_eq(v, "a,   message_size_limit = 4,   b");
	free(v);
	cr_assert_eq(stackfiles_postfix_get("biff = no\n", "message_size_limit", &v, &line), 0);
	cr_assert_null(v);
	cr_assert_eq(stackfiles_postfix_get("message_size_limit   =   20480000   ", "message_size_limit", &v, &line), 1);
	cr_assert_str_eq(v, "20480000", "no newline at the end, blanks around");
	free(v);
}

Test(stack_ucl, syntax)
{
	const char *t = "# top comment max_message = 1;\n"
	                "dns { max_message = 2; timeout = 4s; }\n"
	                "/* block /* nested */ max_message = 3; */\n"
	                "max_message: \"75mb\"\n"
	                "section \"named\" { max_size = 7 }\n"
	                "list = [ \"a\", { max_message = 5 } ];\n"
	                ".include(try=true) \"$LOCAL_CONFDIR/local.d/x.inc\"\n"
	                "other 12;\n";
	char *v, *err = NULL;
	int line;
	cr_assert_eq(stackfiles_ucl_get(t, "max_message", &v, &line, &err), 1, "%s", err ? err : "");
	cr_assert_str_eq(v, "75mb", "nested sections, comments and arrays do not count");
	cr_assert_eq(line, 4);
	free(v);
	cr_assert_eq(stackfiles_ucl_get(t, "dns.max_message", &v, &line, &err), 1);
	cr_assert_str_eq(v, "2");
	free(v);
	cr_assert_eq(stackfiles_ucl_get(t, "section.named.max_size", &v, &line, &err), 1);
	cr_assert_str_eq(v, "7");
	free(v);
	cr_assert_eq(stackfiles_ucl_get(t, "other", &v, &line, &err), 1, "the separator is optional");
	cr_assert_str_eq(v, "12");
	free(v);
	cr_assert_eq(stackfiles_ucl_get("dns { timeout = 4s; }", "max_message", &v, &line, &err), 0);

	cr_assert_eq(stackfiles_ucl_get("clamav {\n max_size = 1;\n", "clamav.max_size", &v, &line, &err), -1);
	cr_assert(strstr(err, "missing '}'"), "%s", err);
	free(err);
	cr_assert_eq(stackfiles_ucl_get("a = \"open\n", "a", &v, &line, &err), -1);
	cr_assert(strstr(err, "unterminated string"), "%s", err);
	free(err);
	cr_assert_eq(stackfiles_ucl_get("/* never closed\nmax_message = 1;", "max_message", &v, &line, &err), -1);
	cr_assert(strstr(err, "unterminated comment"), "%s", err);
	free(err);
	/* errors name line and column, never the file's content */
	cr_assert_eq(stackfiles_ucl_get("a = 1;\n  password_XYZ = ;\n", "a", &v, &line, &err), -1);
	cr_assert_str_eq(err, "line 2, column 18: a key without a value");
	free(err);
	free(v);
	v = NULL;
	cr_assert_eq(stackfiles_ucl_get("a = 1;\n ]pw_XYZ = 1;\n", "a", &v, &line, &err), -1);
	cr_assert_str_eq(err, "line 2, column 2: unexpected character");
	free(err);
	free(v);
	v = NULL;
	cr_assert_eq(stackfiles_ucl_get("a = 1;\nsecret_XYZ + 1;\n", "a", &v, &line, &err), -1);
	cr_assert_str_eq(err, "line 2, column 15: expected '=' after a key");
	free(err);
}

/* n sections "s3cret {" one per line, then "v = 1;" and the closing braces. */
static char *ucl_nested(int n)
{
	struct buf b = {0};
	for (int i = 0; i < n; i++)
		buf_puts(&b, "s3cret {\n");
	buf_puts(&b, "v = 1;\n");
	for (int i = 0; i < n; i++)
		buf_putc(&b, '}');
	buf_putc(&b, '\n');
	return buf_steal(&b);
}

Test(stack_ucl, nesting_depth)
{
	char *v = NULL, *err = NULL;
	int line = 0;
	char *t = ucl_nested(64);
	struct buf path = {0};
	for (int i = 0; i < 64; i++)
		buf_puts(&path, "s3cret.");
	buf_puts(&path, "v");
	char *want = buf_steal(&path);
	cr_assert_eq(stackfiles_ucl_get(t, want, &v, &line, &err), 1, "64 levels are read: %s", err ? err : "");
	cr_assert_str_eq(v, "1");
	cr_assert_eq(line, 65);
	free(v);
	free(want);
	free(t);

	t = ucl_nested(65);
	cr_assert_eq(stackfiles_ucl_get(t, "v", &v, &line, &err), -1, "65 levels are refused");
	cr_assert_str_eq(err, "line 65, column 8: sections nested deeper than 64 levels");
	cr_assert_null(v);
	free(err);
	free(t);

	/* a hostile file: half a million opening braces, refused at once without exhausting the stack */
	size_t n = 500000;
	char *deep = malloc(2 * n + 1);
	for (size_t i = 0; i < n; i++)
		memcpy(deep + 2 * i, "a{", 2);
	deep[2 * n] = '\0';
	err = NULL;
	cr_assert_eq(stackfiles_ucl_get(deep, "a", &v, &line, &err), -1);
	cr_assert_str_eq(err, "line 1, column 130: sections nested deeper than 64 levels");
	free(err);
	free(deep);
}

Test(stack_clamd, syntax)
{
	const char *t = "#StreamMaxLength 400M\n"
	                "StreamMaxLength 25M\n"
	                "  MaxFileSize   30M  \n"
	                "MaxFileSizeExtra 1\n"
	                "streammaxlength 26M\n";
	char *v;
	int line;
	cr_assert_eq(stackfiles_clamd_get(t, "StreamMaxLength", &v, &line), 1);
	cr_assert_str_eq(v, "26M", "keys are case-insensitive; the last wins");
	cr_assert_eq(line, 5);
	free(v);
	cr_assert_eq(stackfiles_clamd_get(t, "MaxFileSize", &v, &line), 1);
	cr_assert_str_eq(v, "30M", "a longer key with the same prefix is another key");
	free(v);
	cr_assert_eq(stackfiles_clamd_get(t, "MaxScanSize", &v, &line), 0);
}

static struct roundcube_info rc_parse(const char *php)
{
	struct roundcube_info rc = {0};
	char *err = NULL;
	cr_assert_eq(stackfiles_parse_roundcube(php, &rc, &err), 0, "%s", err ? err : "");
	return rc;
}

Test(stack_roundcube, quoting_and_array_syntax)
{
	struct roundcube_info rc = rc_parse(
	    "<?php\n$config = array();\n"
	    "$config[\"imap_host\"] = \"ssl://dovecot:993\";\n"
	    "$config['imap_conn_options'] = [\n"
	    "  \"ssl\" => [ 'verify_peer' => FALSE, \"verify_peer_name\"=>false ], # trailing comma next\n"
	    "];\n");
	cr_assert_str_eq(rc.imap_host, "ssl://dovecot:993");
	cr_assert(rc.has_conn_options);
	cr_assert(rc.verify_peer_off);
	cr_assert(rc.verify_peer_name_off);
	roundcube_info_free(&rc);

	/* verify_peer left on; names in comments and strings do not count */
	rc = rc_parse("<?php\n"
	              "// $config['imap_conn_options'] = array('ssl' => array('verify_peer' => false));\n"
	              "/* $config['imap_host'] = 'tls://wrong:143'; */\n"
	              "$config['imap_host'] = 'tls://dovecot:143';\n"
	              "$config['product_name'] = 'verify_peer => false';\n"
	              "$config['imap_conn_options'] = array('ssl' => array('verify_peer' => true, 'verify_peer_name' => false));\n");
	cr_assert_str_eq(rc.imap_host, "tls://dovecot:143");
	cr_assert(rc.has_conn_options);
	cr_assert_not(rc.verify_peer_off);
	cr_assert(rc.verify_peer_name_off);
	roundcube_info_free(&rc);
}

Test(stack_roundcube, legacy_and_nested_assignments)
{
	struct roundcube_info rc = rc_parse(
	    "<?php\n$rcmail_config = array();\n"
	    "$rcmail_config['default_host'] = 'tls://dovecot';\n"
	    "$rcmail_config['default_port'] = 143;\n"
	    "$rcmail_config['imap_conn_options']['ssl']['verify_peer'] = 0;\n"
	    "$rcmail_config['imap_conn_options']['ssl']['verify_peer_name'] = false;\n"
	    "?>\n<html>not php $config['imap_host'] = 'x';</html>\n");
	cr_assert_str_eq(rc.imap_host, "tls://dovecot:143", "default_host with default_port");
	cr_assert(rc.has_conn_options);
	cr_assert(rc.verify_peer_off, "0 is false to PHP");
	cr_assert(rc.verify_peer_name_off);
	roundcube_info_free(&rc);

	/* the plaintext recipe of the current docs: no options, no TLS */
	rc = rc_parse("<?php\n$config['imap_host'] = 'dovecot:143';\n$config['smtp_host'] = 'postfix:588';\n");
	cr_assert_str_eq(rc.imap_host, "dovecot:143");
	cr_assert_not(rc.has_conn_options);
	cr_assert_not(rc.verify_peer_off);
	roundcube_info_free(&rc);

	/* imap_host as an array, concatenation, control flow around assignments */
	rc = rc_parse("<?php\n"
	              "define('RCUBE_X', 1);\n"
	              "if (getenv('X')) { $config['skin'] = 'elastic'; }\n"
	              "$config['imap_host'] = ['tls://' . 'dovecot:143' => 'mailcow'];\n");
	cr_assert_str_eq(rc.imap_host, "tls://dovecot:143");
	roundcube_info_free(&rc);
	rc = rc_parse("<?php $config['imap_host'] = array('ssl://imap.example:993');");
	cr_assert_str_eq(rc.imap_host, "ssl://imap.example:993");
	roundcube_info_free(&rc);
}

Test(stack_roundcube, errors)
{
	struct roundcube_info rc = {0};
	char *err = NULL;
	cr_assert_eq(stackfiles_parse_roundcube("<?php\n$config['imap_host'] = 'tls://dovecot:143;\n", &rc, &err), -1);
	cr_assert(strstr(err, "line 2: unterminated string"), "%s", err);
	free(err);
	cr_assert_eq(stackfiles_parse_roundcube("<?php\n/* open comment\n", &rc, &err), -1);
	cr_assert(strstr(err, "unterminated comment"), "%s", err);
	free(err);
	roundcube_info_free(&rc);
}

/* ---- collection over a checkout ---- */

static struct config site_config(const char *dir)
{
	struct config cfg = {0};
	char *err = NULL;
	char *text = xasprintf("[mailcow]\ndir = %s\n", dir);
	cr_assert_eq(config_load_string(&cfg, text, "test.conf", &err), 0, "%s", err ? err : "");
	free(text);
	return cfg;
}

Test(stack_collect, the_site)
{
	struct config cfg = site_config(SITE);
	struct size_limits lim;
	struct roundcube_info rc;
	stackfiles_collect(&cfg, &lim, &rc);
	cr_assert_not(lim.err.failed, "%s: %s", lim.err.what, lim.err.why);
	cr_assert_eq(lim.postfix_main, 104857600);
	cr_assert_eq(lim.postfix_extra, 157286400, "key=value without blanks");
	cr_assert_eq(lim.postfix, 157286400, "extra.cf overrides main.cf");
	cr_assert(lim.rspamd_set);
	cr_assert_eq(lim.rspamd_max_message, 157286400, "150Mb");
	cr_assert_eq(lim.av_max_size, 20971520);
	cr_assert_eq(lim.clamav_stream_max, 26214400);
	cr_assert_eq(lim.clamav_max_file, 26214400);
	cr_assert_eq(lim.clamav_max_scan, 52428800, "the commented 400M does not count");
	cr_assert_eq(lim.sources.n, 5);
	cr_assert(str_starts_with(lim.sources.v[0], "postfix_main=" SITE "/data/conf/postfix/main.cf"));

	cr_assert(rc.present);
	cr_assert_not(rc.err.failed);
	cr_assert_str_eq(rc.path, SITE "/data/web/rc/config/config.inc.php");
	cr_assert_str_eq(rc.imap_host, "tls://dovecot:143");
	cr_assert(rc.has_conn_options);
	cr_assert(rc.verify_peer_off);
	cr_assert(rc.verify_peer_name_off);
	size_limits_free(&lim);
	roundcube_info_free(&rc);
	config_free(&cfg);
}

static char *tmpdir(void)
{
	const char *base = getenv("MCON_TEST_TMP");
	char *t = xasprintf("%s/stackfiles.XXXXXX", base && *base ? base : "/tmp");
	cr_assert_not_null(mkdtemp(t));
	return t;
}

static void put(const char *dir, const char *rel, const char *text)
{
	char *path = xasprintf("%s/%s", dir, rel);
	char *d = xstrdup(path);
	*strrchr(d, '/') = '\0';
	cr_assert_eq(mkdir_p(d, 0755), 0);
	cr_assert_eq(file_write_atomic(path, text, strlen(text), 0644), 0);
	free(d);
	free(path);
}

static void rm_rf(const char *dir)
{
	char *cmd = xasprintf("rm -rf '%s'", dir);
	cr_assert_eq(system(cmd), 0);
	free(cmd);
}

Test(stack_collect, defaults_when_unset)
{
	char *dir = tmpdir();
	put(dir, STACK_POSTFIX_MAIN, "biff = no\n");
	put(dir, STACK_RSPAMD_OPTIONS, "dns {\n  enable_dnssec = true;\n}\n");
	put(dir, STACK_RSPAMD_ANTIVIRUS, "clamav {\n  servers = \"clamd:3310\";\n}\n");
	put(dir, STACK_CLAMD, "TCPSocket 3310\n");
	struct config cfg = site_config(dir);
	struct size_limits lim;
	struct roundcube_info rc;
	stackfiles_collect(&cfg, &lim, &rc);
	cr_assert_not(lim.err.failed, "%s", lim.err.why);
	cr_assert_eq(lim.postfix_main, -1);
	cr_assert_eq(lim.postfix_extra, -1, "no extra.cf is fine");
	cr_assert_eq(lim.postfix, POSTFIX_MESSAGE_SIZE_DEFAULT);
	cr_assert_not(lim.rspamd_set);
	cr_assert_eq(lim.rspamd_max_message, 52428800, "rspamd's 50 MB when unset");
	cr_assert_eq(lim.av_max_size, -1);
	cr_assert_eq(lim.clamav_stream_max, -1);
	cr_assert_not(rc.present, "no Roundcube config: not installed");
	cr_assert_not(rc.err.failed, "and not an error");
	size_limits_free(&lim);
	roundcube_info_free(&rc);
	config_free(&cfg);
	rm_rf(dir);
	free(dir);
}

Test(stack_collect, override_d_wins)
{
	char *dir = tmpdir();
	put(dir, STACK_POSTFIX_MAIN, "message_size_limit = 104857600\n");
	put(dir, STACK_RSPAMD_OPTIONS, "max_message = 100mb;\n");
	put(dir, STACK_RSPAMD_OPTIONS_OVERRIDE, "max_message = \"200MB\";\n");
	put(dir, STACK_RSPAMD_ANTIVIRUS, "clamav { max_size = 25mb; }\n");
	put(dir, STACK_CLAMD, "StreamMaxLength 25M\n");
	struct config cfg = site_config(dir);
	struct size_limits lim;
	struct roundcube_info rc;
	stackfiles_collect(&cfg, &lim, &rc);
	cr_assert_not(lim.err.failed, "%s", lim.err.why);
	cr_assert_eq(lim.rspamd_max_message, 209715200);
	cr_assert_eq(lim.av_max_size, 26214400);
	size_limits_free(&lim);
	roundcube_info_free(&rc);
	config_free(&cfg);
	rm_rf(dir);
	free(dir);
}

Test(stack_collect, missing_and_bad_files_are_named)
{
	char *dir = tmpdir();
	put(dir, STACK_POSTFIX_MAIN, "message_size_limit = 100M\n");
	put(dir, STACK_RSPAMD_OPTIONS, "max_message = 50mb;\n");
	put(dir, STACK_CLAMD, "StreamMaxLength 25MB\nMaxFileSize 10M\n");
	put(dir, "data/web/rc/config/config.inc.php", "<?php $config['imap_host'] = 'tls://dovecot:143");
	struct config cfg = site_config(dir);
	struct size_limits lim;
	struct roundcube_info rc;
	stackfiles_collect(&cfg, &lim, &rc);
	cr_assert(lim.err.failed);
	cr_assert(strstr(lim.err.why, "main.cf line 1: message_size_limit is not a number of bytes"), "%s", lim.err.why);
	/* errors name the place, never the file's content */
	cr_assert_null(strstr(lim.err.why, "100M"), "%s", lim.err.why);
	cr_assert_null(strstr(lim.err.why, "25MB"), "%s", lim.err.why);
	cr_assert(strstr(lim.err.why, "antivirus.conf: No such file or directory"), "%s", lim.err.why);
	cr_assert(strstr(lim.err.why, "clamd.conf line 1: StreamMaxLength is not a size"), "%s", lim.err.why);
	cr_assert(strstr(lim.err.what, "3 problems under"), "%s", lim.err.what);
	/* what could be read is still there */
	cr_assert_eq(lim.rspamd_max_message, 52428800);
	cr_assert(lim.rspamd_set);
	cr_assert_eq(lim.clamav_max_file, 10485760);
	cr_assert(rc.present);
	cr_assert(rc.err.failed);
	cr_assert(strstr(rc.err.why, "config.inc.php: line 1: unterminated string"), "%s", rc.err.why);
	size_limits_free(&lim);
	roundcube_info_free(&rc);
	config_free(&cfg);

	/* no checkout at all */
	char *gone = xasprintf("%s/nosuch", dir);
	cfg = site_config(gone);
	stackfiles_collect(&cfg, &lim, &rc);
	cr_assert(lim.err.failed);
	cr_assert(strstr(lim.err.why, "No such file or directory (set mailcow.dir"), "%s", lim.err.why);
	cr_assert_not(rc.present);
	size_limits_free(&lim);
	roundcube_info_free(&rc);
	config_free(&cfg);
	free(gone);
	rm_rf(dir);
	free(dir);
}

/* "<?php\n$config['imap_host'] = 'h';\n$config['x'] = " then n arrays, "[" or "array(" each. */
static char *php_nested(int n, bool long_form)
{
	struct buf b = {0};
	buf_puts(&b, "<?php\n$config['imap_host'] = 'h';\n$config['x'] = ");
	for (int i = 0; i < n; i++)
		buf_puts(&b, long_form ? "array(" : "[");
	for (int i = 0; i < n; i++)
		buf_puts(&b, long_form ? ")" : "]");
	buf_puts(&b, ";\n");
	return buf_steal(&b);
}

Test(stack_roundcube, nesting_depth)
{
	for (int long_form = 0; long_form <= 1; long_form++) {
		char *t = php_nested(64, long_form);
		struct roundcube_info rc = rc_parse(t);
		cr_assert_str_eq(rc.imap_host, "h", "64 levels are read");
		roundcube_info_free(&rc);
		free(t);

		t = php_nested(65, long_form);
		char *err = NULL;
		rc = (struct roundcube_info){0};
		cr_assert_eq(stackfiles_parse_roundcube(t, &rc, &err), -1, "65 levels are refused");
		/* "$config['x'] = " is 15 columns; the 65th array opens after 64 of 1 or 6 columns */
		cr_assert_str_eq(err, long_form ? "line 3, column 400: arrays nested deeper than 64 levels"
		                                : "line 3, column 80: arrays nested deeper than 64 levels");
		free(err);
		roundcube_info_free(&rc);
		free(t);
	}

	/* a hostile file: a million opening brackets, refused at once without exhausting the stack */
	size_t n = 1000000;
	const char *head = "<?php $config['imap_host'] = ";
	size_t hl = strlen(head);
	char *deep = malloc(hl + n + 1);
	memcpy(deep, head, hl);
	memset(deep + hl, '[', n);
	deep[hl + n] = '\0';
	char *err = NULL;
	struct roundcube_info rc = {0};
	cr_assert_eq(stackfiles_parse_roundcube(deep, &rc, &err), -1);
	cr_assert_str_eq(err, "line 1, column 94: arrays nested deeper than 64 levels");
	free(err);
	roundcube_info_free(&rc);
	free(deep);
}
