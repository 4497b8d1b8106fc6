/* test_config: the configuration of contract section 3: search order, every default,
 * errors with file, line and key, the environment overrides and the shipped example. */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "core/config.h"
#include "core/util.h"
#include "tests/support/trun.h"

static char *dir;

static void setup(void)
{
	dir = tdir_make("config", 0700);
	unsetenv("MCON_CONFIG");
	unsetenv("XDG_CONFIG_HOME");
	unsetenv("MCON_API_KEY");
	unsetenv("DOCKER_HOST");
	setenv("HOME", dir, 1);
}

static void teardown(void)
{
	tdir_remove(dir);
	free(dir);
}

TestSuite(config, .init = setup, .fini = teardown);

static void load_ok(struct config *c, const char *text)
{
	char *err = NULL;
	int rc = config_load_string(c, text, "test.conf", &err);
	cr_assert_eq(rc, 0, "unexpected error: %s", err ? err : "");
}

/* The error text for a config that must fail. */
static char *load_err(const char *text)
{
	struct config c;
	char *err = NULL;
	int rc = config_load_string(&c, text, "test.conf", &err);
	config_free(&c);
	cr_assert_eq(rc, -1, "accepted:\n%s", text);
	cr_assert(err);
	return err;
}

static char *write_conf(const char *rel, const char *text)
{
	char *p = xasprintf("%s/%s", dir, rel);
	char *d = xstrdup(p);
	*strrchr(d, '/') = '\0';
	cr_assert_eq(mkdir_p(d, 0700), 0);
	free(d);
	cr_assert_eq(file_write_atomic(p, text, strlen(text), 0600), 0);
	return p;
}

Test(config, every_default)
{
	struct config c;
	load_ok(&c, "");
	char host[256] = "";
	gethostname(host, sizeof(host) - 1);
	cr_assert_str_eq(c.site_name, host);
	cr_assert_null(c.mailcow_url);
	cr_assert_null(c.mailcow_api_key_file);
	cr_assert_null(c.mailcow_ca_file);
	cr_assert(c.mailcow_tls_verify);
	cr_assert_eq(c.mailcow_timeout_ms, 5000);
	cr_assert_str_eq(c.mailcow_dir, "/opt/mailcow-dockerized");
	cr_assert_str_eq(c.roundcube_config, "/opt/mailcow-dockerized/data/web/rc/config/config.inc.php");
	cr_assert_str_eq(c.docker_host, "unix:///var/run/docker.sock");
	cr_assert_str_eq(c.docker_project, "mailcowdockerized");
	cr_assert_str_eq(c.docker_network, "mailcowdockerized_mailcow-network");
	cr_assert_eq(c.docker_expected.n, 0);
	cr_assert_null(c.overlay_network);
	cr_assert_eq(c.overlay_allowed.n, 1);
	cr_assert_str_eq(c.overlay_allowed.v[0], "nginx-mailcow");
	cr_assert_null(c.relay_name);
	cr_assert_eq(c.relay_mx.n, 0);
	cr_assert_null(c.relay_spf_include);
	cr_assert_not(c.relay_catchall, "no relay, no catch-all rule");
	cr_assert_eq(c.dkim_selectors.n, 1);
	cr_assert_str_eq(c.dkim_selectors.v[0], "dkim");
	cr_assert_str_eq(c.dkim_mailcow_selector, "dkim");
	cr_assert_eq(c.dkim_min_bits, 2048);
	cr_assert_eq(c.dns_servers.n, 0);
	cr_assert_eq(c.dns_timeout_ms, 2000);
	cr_assert_eq(c.mta_sts_port, 443);
	cr_assert_null(c.mta_sts_ca_file);
	cr_assert_eq(c.domains_include.n, 0);
	cr_assert_eq(c.domains_exclude.n, 0);
	cr_assert(c.state_db && c.state_db[0] == '/' && str_ends_with(c.state_db, "/mcon/mcon.db"), "%s", c.state_db);
	if (access("/var/lib", W_OK) == 0)
		cr_assert_str_eq(c.state_db, "/var/lib/mcon/mcon.db");
	cr_assert_eq(c.state_retention_days, 400);
	cr_assert_eq(c.ui_refresh_s, 30);
	cr_assert_str_eq(config_missing_backend(&c), "mailcow.url is not set: set it (and mailcow.api_key_file) in "
			 "mcon.conf, see mcon.conf.example");
	config_free(&c);
}

Test(config, derived_defaults_follow_other_keys)
{
	struct config c;
	load_ok(&c, "[mailcow]\nurl = https://mail.example.org/\ndir = /srv/mailcow\n"
		    "[docker]\nproject = mc\n[relay]\nname = MXRoute\n[dkim]\nselectors = mailcow, mxroute\n");
	cr_assert_str_eq(c.mailcow_url, "https://mail.example.org", "trailing slash dropped");
	cr_assert_str_eq(c.roundcube_config, "/srv/mailcow/data/web/rc/config/config.inc.php");
	cr_assert_str_eq(c.docker_network, "mc_mailcow-network");
	cr_assert(c.relay_catchall, "a relay turns the catch-all rule on");
	cr_assert_str_eq(c.dkim_mailcow_selector, "mailcow");
	cr_assert_null(config_missing_backend(&c));
	config_free(&c);
	load_ok(&c, "[relay]\nname = MXRoute\ncatchall = false\n");
	cr_assert_not(c.relay_catchall);
	config_free(&c);
}

Test(config, docker_host_from_the_environment)
{
	struct config c;
	setenv("DOCKER_HOST", "tcp://10.0.0.5:2375", 1);
	load_ok(&c, "");
	cr_assert_str_eq(c.docker_host, "tcp://10.0.0.5:2375");
	config_free(&c);
	load_ok(&c, "[docker]\nhost = unix:///run/docker.sock\n");
	cr_assert_str_eq(c.docker_host, "unix:///run/docker.sock", "the file wins over the environment");
	config_free(&c);
	setenv("DOCKER_HOST", "ssh://host", 1);
	char *err = load_err("");
	cr_assert(strstr(err, "DOCKER_HOST") && strstr(err, "unix://"), "%s", err);
	free(err);
}

Test(config, api_key_env_overrides_the_key_file)
{
	char *key = write_conf("api.key", "  file-key-123 \nsecond line\n");
	char *text = xasprintf("[mailcow]\napi_key_file = %s\n", key);
	struct config c;
	load_ok(&c, text);
	char *err = NULL;
	char *k = config_api_key(&c, &err);
	cr_assert_str_eq(k, "file-key-123");
	config_key_free(k);
	setenv("MCON_API_KEY", "env-key-456", 1);
	k = config_api_key(&c, &err);
	cr_assert_str_eq(k, "env-key-456");
	config_key_free(k);
	unsetenv("MCON_API_KEY");
	config_free(&c);

	load_ok(&c, "");
	cr_assert_null(config_api_key(&c, &err));
	cr_assert(strstr(err, "mailcow.api_key_file") && strstr(err, "MCON_API_KEY"), "%s", err);
	free(err);
	config_free(&c);
	free(write_conf("api.key", "\n"));
	load_ok(&c, text);
	cr_assert_null(config_api_key(&c, &err));
	cr_assert(strstr(err, "empty"), "%s", err);
	free(err);
	config_free(&c);
	free(text);
	free(key);
}

static char *loaded_site(const char *explicit_path)
{
	struct config c;
	char *err = NULL;
	cr_assert_eq(config_load(&c, explicit_path, &err), 0, "%s", err ? err : "");
	char *s = xasprintf("%s@%s", c.site_name, c.path ? c.path : "-");
	config_free(&c);
	return s;
}

/* Writes s to an existing file such as /proc/self/uid_map (no temporary file). */
static int write_proc(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ssize_t n = write(fd, s, strlen(s));
	close(fd);
	return n == (ssize_t)strlen(s) ? 0 : -1;
}

/* Loads the configuration with no explicit path in a child that has a private, empty /etc
 * (a tmpfs in its own mount namespace), holding /etc/mcon/mcon.conf with text unless NULL.
 * Returns "site@path", "defaults" when no file was found, or the error (caller frees). */
static char *load_with_system_conf(const char *text)
{
	int p[2];
	cr_assert_eq(pipe(p), 0);
	pid_t pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		close(p[0]);
		const char *why = NULL;
		uid_t uid = getuid();
		gid_t gid = getgid();
		if (unshare(CLONE_NEWNS) < 0 && unshare(CLONE_NEWUSER | CLONE_NEWNS) == 0) {
			/* not root: a user namespace where this user is root, for the mount */
			char *m = xasprintf("0 %d 1", (int)uid);
			write_proc("/proc/self/setgroups", "deny");
			why = write_proc("/proc/self/uid_map", m) < 0 ? "uid_map" : NULL;
			free(m);
			m = xasprintf("0 %d 1", (int)gid);
			if (!why && write_proc("/proc/self/gid_map", m) < 0)
				why = "gid_map";
			free(m);
		}
		if (!why && mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
			why = "a private mount namespace (needs root or user namespaces)";
		if (!why && mount("mcon-etc", "/etc", "tmpfs", 0, "mode=755") < 0)
			why = "a tmpfs on /etc";
		if (!why && text && (mkdir("/etc/mcon", 0755) < 0 ||
				     file_write_atomic("/etc/mcon/mcon.conf", text, strlen(text), 0644) < 0))
			why = "writing /etc/mcon/mcon.conf";
		char *res;
		if (why) {
			res = xasprintf("cannot make %s: %s", why, strerror(errno));
		} else {
			struct config c;
			char *err = NULL;
			if (config_load(&c, NULL, &err) == 0) {
				res = c.path ? xasprintf("%s@%s", c.site_name, c.path) : xstrdup("defaults");
				config_free(&c);
			} else {
				res = xasprintf("error: %s", err);
			}
			free(err);
		}
		ssize_t n = write(p[1], res, strlen(res));
		_exit(n == (ssize_t)strlen(res) ? 0 : 1);
	}
	close(p[1]);
	char buf[1024];
	size_t len = 0;
	ssize_t r;
	while (len < sizeof(buf) - 1 && (r = read(p[0], buf + len, sizeof(buf) - 1 - len)) > 0)
		len += (size_t)r;
	buf[len] = '\0';
	close(p[0]);
	int status = 0;
	waitpid(pid, &status, 0);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "the child failed: %s", buf);
	return xstrdup(buf);
}

Test(config, search_order)
{
	char *expl = write_conf("explicit.conf", "[site]\nname = explicit\n");
	char *env = write_conf("env.conf", "[site]\nname = env\n");
	char *xdg = write_conf("xdg/mcon/mcon.conf", "[site]\nname = xdg\n");
	char *home = write_conf(".config/mcon/mcon.conf", "[site]\nname = home\n");
	char *xdgdir = xasprintf("%s/xdg", dir);
	char *want;

	setenv("MCON_CONFIG", env, 1);
	setenv("XDG_CONFIG_HOME", xdgdir, 1);
	char *got = loaded_site(expl);
	want = xasprintf("explicit@%s", expl);
	cr_assert_str_eq(got, want, "--config comes first");
	free(got), free(want);

	got = loaded_site(NULL);
	want = xasprintf("env@%s", env);
	cr_assert_str_eq(got, want, "then $MCON_CONFIG");
	free(got), free(want);

	unsetenv("MCON_CONFIG");
	got = loaded_site(NULL);
	want = xasprintf("xdg@%s", xdg);
	cr_assert_str_eq(got, want, "then $XDG_CONFIG_HOME/mcon/mcon.conf");
	free(got), free(want);

	unsetenv("XDG_CONFIG_HOME");
	got = loaded_site(NULL);
	want = xasprintf("home@%s", home);
	cr_assert_str_eq(got, want, "then ~/.config/mcon/mcon.conf");
	free(got), free(want);

	setenv("XDG_CONFIG_HOME", "relative/dir", 1);
	got = loaded_site(NULL);
	want = xasprintf("home@%s", home);
	cr_assert_str_eq(got, want, "a relative XDG_CONFIG_HOME is ignored");
	free(got), free(want);
	unsetenv("XDG_CONFIG_HOME");

	unlink(home);
	/* the system file, whatever this host has in /etc: a private empty /etc, then one
	 * holding /etc/mcon/mcon.conf */
	got = load_with_system_conf(NULL);
	cr_assert_str_eq(got, "defaults", "no file: defaults");
	free(got);
	got = load_with_system_conf("[site]\nname = system\n");
	cr_assert_str_eq(got, "system@/etc/mcon/mcon.conf", "then /etc/mcon/mcon.conf");
	free(got);
	struct config c;
	char *err = NULL;

	/* A file named explicitly must exist. */
	char *missing = xasprintf("%s/nope.conf", dir);
	cr_assert_eq(config_load(&c, missing, &err), -1);
	cr_assert(strstr(err, missing), "%s", err);
	free(err);
	config_free(&c);
	setenv("MCON_CONFIG", missing, 1);
	cr_assert_eq(config_load(&c, NULL, &err), -1);
	cr_assert(strstr(err, missing), "%s", err);
	free(err);
	config_free(&c);
	free(missing);
	free(expl), free(env), free(xdg), free(home), free(xdgdir);
}

Test(config, unknown_sections_and_keys_name_the_line)
{
	char *err = load_err("[site]\nname = a\n\n[bogus]\nkey = v\n");
	cr_assert_str_eq(err, "test.conf:4: unknown section [bogus]");
	free(err);
	err = load_err("# comment\n[site]\nnmae = a\n");
	cr_assert_str_eq(err, "test.conf:3: unknown key 'nmae' in section [site]");
	free(err);
	err = load_err("[site]\nname = a\n[empty_unknown]\n");
	cr_assert_str_eq(err, "test.conf:3: unknown section [empty_unknown]");
	free(err);
	err = load_err("[site]\nname = a\njust words\n");
	cr_assert(str_starts_with(err, "test.conf:3: syntax error"), "%s", err);
	free(err);
	err = load_err("url = https://x\n");
	cr_assert(strstr(err, "test.conf:1:") && strstr(err, "section []"), "a key before any section: %s", err);
	free(err);
}

Test(config, bad_values_name_the_key)
{
	static const struct {
		const char *text, *key;
	} cases[] = {
		{"[mailcow]\ntimeout_ms = abc\n", "mailcow.timeout_ms"},
		{"[mailcow]\ntimeout_ms = 10\n", "mailcow.timeout_ms"},
		{"[mailcow]\ntls_verify = maybe\n", "mailcow.tls_verify"},
		{"[mailcow]\nurl = ftp://mail.example.org\n", "mailcow.url"},
		{"[mailcow]\nurl = https://\n", "mailcow.url"},
		{"[docker]\nhost = http://localhost:2375\n", "docker.host"},
		{"[dns]\nservers = [::1\n", "dns.servers"},
		{"[dns]\nservers = ::1:53\n", "dns.servers"},
		{"[dns]\nservers = 127.0.0.1:99999\n", "dns.servers"},
		{"[domains]\ninclude = bad domain!\n", "domains.include"},
		{"[dkim]\nmin_bits = 100\n", "dkim.min_bits"},
		{"[dkim]\nselectors = a, b\nmailcow_selector = c\n", "dkim.mailcow_selector"},
		{"[mta_sts]\nport = 70000\n", "mta_sts.port"},
		{"[state]\nretention_days = 0\n", "state.retention_days"},
		{"[ui]\nrefresh_s = 1\n", "ui.refresh_s"},
		{"[relay]\ncatchall = sometimes\n", "relay.catchall"},
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		char *err = load_err(cases[i].text);
		cr_assert(strstr(err, cases[i].key), "case %zu: '%s' does not name %s", i, err, cases[i].key);
		cr_assert(str_starts_with(err, "test.conf:"), "case %zu: %s", i, err);
		cr_assert_null(strchr(err, '\n'), "one line: %s", err);
		free(err);
	}
}

Test(config, lists_indented_keys_and_long_lines)
{
	struct config c;
	load_ok(&c, "[docker]\n"
		    "  project = mc\n"
		    "  expected = postfix-mailcow, dovecot-mailcow,\n"
		    "      rspamd-mailcow\n"
		    "      nginx-mailcow ; inline comment\n"
		    "[dns]\nservers = 127.0.0.1:5353, [::1]:53, ns.example\n");
	cr_assert_str_eq(c.docker_project, "mc");
	cr_assert_eq(c.docker_expected.n, 4);
	cr_assert_str_eq(c.docker_expected.v[2], "rspamd-mailcow");
	cr_assert_str_eq(c.docker_expected.v[3], "nginx-mailcow");
	cr_assert_eq(c.dns_servers.n, 3);
	config_free(&c);

	char *err = load_err("[site]\nname = a\n    b\n");
	cr_assert_str_eq(err, "test.conf:3: site.name takes one value, but an indented line continues it: remove "
			 "the indentation");
	free(err);

	/* The stack's 18 services on one line, as an admin writes it (over 250 characters). */
	static const char *const services[] = {
		"unbound-mailcow", "mysql-mailcow", "redis-mailcow", "clamd-mailcow", "rspamd-mailcow",
		"php-fpm-mailcow", "sogo-mailcow", "dovecot-mailcow", "postfix-mailcow", "memcached-mailcow",
		"nginx-mailcow", "acme-mailcow", "netfilter-mailcow", "watchdog-mailcow", "dockerapi-mailcow",
		"solr-mailcow", "olefy-mailcow", "ofelia-mailcow",
	};
	struct buf text = {0};
	buf_puts(&text, "[docker]\nexpected = ");
	for (size_t i = 0; i < ARRAY_SIZE(services); i++)
		buf_printf(&text, "%s%s", i ? ", " : "", services[i]);
	buf_puts(&text, "\n");
	cr_assert_gt(text.len, 250, "longer than inih's 200-character lines");
	load_ok(&c, buf_cstr(&text));
	cr_assert_eq(c.docker_expected.n, 18);
	cr_assert_str_eq(c.docker_expected.v[17], "ofelia-mailcow");
	config_free(&c);
	buf_free(&text);

	/* A line of 64 KiB works; one character more is an error naming the line. */
	for (int extra = 0; extra < 2; extra++) {
		struct buf big = {0};
		buf_puts(&big, "[docker]\n# a comment may be as long as it likes: ");
		for (int i = 0; i < 20000; i++)
			buf_puts(&big, "blah ");
		buf_puts(&big, "\n");
		struct buf line = {0};
		buf_puts(&line, "expected = ");
		for (int i = 0; line.len < 65536 - 20; i++)
			buf_printf(&line, "s%d, ", i);
		while (line.len < 65536 - 4 + (size_t)extra)
			buf_putc(&line, 'x');
		buf_puts(&line, "last");
		cr_assert_eq(line.len, 65536 + (size_t)extra);
		buf_puts(&big, buf_cstr(&line));
		buf_puts(&big, "\n");
		if (extra == 0) {
			load_ok(&c, buf_cstr(&big));
			const char *last = c.docker_expected.v[c.docker_expected.n - 1];
			cr_assert_str_eq(last + strlen(last) - 4, "last");
			config_free(&c);
		} else {
			err = load_err(buf_cstr(&big));
			cr_assert_str_eq(err, "test.conf:3: line longer than 65536 characters");
			free(err);
		}
		buf_free(&line);
		buf_free(&big);
	}
}

Test(config, api_key_file_others_can_read_and_control_characters_are_refused)
{
	char *key = write_conf("api.key", "file-key-123\n");
	char *text = xasprintf("[mailcow]\napi_key_file = %s\n", key);
	struct config c;
	load_ok(&c, text);
	char *err = NULL;
	cr_assert_eq(chmod(key, 0644), 0);
	cr_assert_null(config_api_key(&c, &err), "a key file every user can read is used");
	cr_assert(strstr(err, key) && strstr(err, "0644") && strstr(err, "chmod o-rw"), "%s", err);
	free(err);
	err = NULL;
	cr_assert_eq(chmod(key, 0640), 0);
	char *k = config_api_key(&c, &err);
	cr_assert_str_eq(k, "file-key-123", "group-readable is fine: %s", err ? err : "");
	config_key_free(k);

	free(write_conf("api.key", "abc\001def\n"));
	cr_assert_null(config_api_key(&c, &err));
	cr_assert(strstr(err, "control character") && strstr(err, key), "%s", err);
	cr_assert_null(strstr(err, "abc"), "the key is not shown: %s", err);
	free(err);
	setenv("MCON_API_KEY", "env-key\r\nX-Injected: 1", 1);
	cr_assert_null(config_api_key(&c, &err));
	cr_assert(strstr(err, "control character") && strstr(err, "MCON_API_KEY"), "%s", err);
	cr_assert_null(strstr(err, "Injected"), "%s", err);
	free(err);
	unsetenv("MCON_API_KEY");
	config_free(&c);
	free(text);
	free(key);
}

Test(config, api_key_env_leaves_the_environment)
{
	struct config c;
	load_ok(&c, "");
	setenv("MCON_API_KEY", "env-key-789", 1);
	config_key_env_take();
	cr_assert_null(getenv("MCON_API_KEY"), "a process mcon starts would inherit the key");
	char *err = NULL;
	char *k = config_api_key(&c, &err);
	cr_assert_str_eq(k, "env-key-789");
	config_key_free(k);
	config_key_env_take();          /* nothing in the environment now: the taken key is dropped */
	cr_assert_null(config_api_key(&c, &err));
	free(err);
	config_free(&c);
}

Test(config, mailcow_url_http_only_for_loopback_and_pin_syntax)
{
	static const char *const ok[] = {
		"http://127.0.0.1:8080", "http://localhost/", "http://[::1]:8443", "https://mail.example.org",
	};
	for (size_t i = 0; i < ARRAY_SIZE(ok); i++) {
		struct config c;
		char *text = xasprintf("[mailcow]\nurl = %s\n", ok[i]);
		load_ok(&c, text);
		config_free(&c);
		free(text);
	}
	static const char *const bad[] = {
		"http://mail.example.org", "http://127.0.0.1.example.org/", "http://192.0.2.7", "http://[::2]/",
		"http://localhost.example.org",
	};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		char *text = xasprintf("[mailcow]\nurl = %s\n", bad[i]);
		char *err = load_err(text);
		cr_assert(str_starts_with(err, "test.conf:2: mailcow.url:") && strstr(err, "use https://"), "%s", err);
		free(err);
		free(text);
	}

	struct config c;
	load_ok(&c, "[mailcow]\npin = sha256//YhKJKSzoTt2b5FP18fvpHo7fJYqQCjAa3HWY3tvRMwE=;"
		    "sha256//t62CeU2tQiqkexU74Gxa2eg7fRbEgoChTociMee9wno=\n");
	cr_assert(str_starts_with(c.mailcow_pin, "sha256//YhKJ"));
	config_free(&c);
	char *err = load_err("[mailcow]\npin = YhKJKSzoTt2b5FP18fvpHo7fJYqQCjAa3HWY3tvRMwE=\n");
	cr_assert(str_starts_with(err, "test.conf:2: mailcow.pin:"), "%s", err);
	free(err);
	err = load_err("[mailcow]\npin = sha256//short=\n");
	cr_assert(strstr(err, "mailcow.pin"), "%s", err);
	free(err);
}

Test(config, shipped_example_parses_with_the_site_values)
{
	struct config c;
	char *err = NULL;
	cr_assert_eq(config_load(&c, "assets/mcon.conf.example", &err), 0, "%s", err ? err : "");
	cr_assert_str_eq(c.site_name, "hermes");
	cr_assert_str_eq(c.mailcow_url, "https://mail.netgrimoire.com");
	cr_assert_str_eq(c.overlay_network, "netgrimoire");
	cr_assert_str_eq(c.relay_name, "MXRoute");
	cr_assert_str_eq(c.relay_spf_include, "mxroute.com");
	cr_assert(c.relay_catchall);
	cr_assert_eq(c.dkim_selectors.n, 2);
	cr_assert_str_eq(c.dkim_selectors.v[0], "mailcow");
	cr_assert_str_eq(c.dkim_selectors.v[1], "mxroute");
	cr_assert_str_eq(c.dkim_mailcow_selector, "mailcow");
	cr_assert_eq(c.docker_expected.n, 10);
	cr_assert(c.path_explicit);
	struct buf dump = {0};
	config_dump(&c, &dump);
	cr_assert(strstr(buf_cstr(&dump), "relay.mx = *.mxrouting.net, *.mxroute.com"), "%s", buf_cstr(&dump));
	buf_free(&dump);
	config_free(&c);
}

Test(config, domain_filters)
{
	struct config c;
	load_ok(&c, "[domains]\ninclude = *.com, netgrimoire.*\nexclude = test.*\n");
	cr_assert(config_domain_watched(&c, "example.com"));
	cr_assert(config_domain_watched(&c, "netgrimoire.net"));
	cr_assert_not(config_domain_watched(&c, "example.org"));
	cr_assert_not(config_domain_watched(&c, "test.com"));
	config_free(&c);
	load_ok(&c, "");
	cr_assert(config_domain_watched(&c, "anything.example"));
	config_free(&c);
}
