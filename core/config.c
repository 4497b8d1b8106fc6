/* config: the declarative key table, parsing (core/ini.c), defaults derived after parsing,
 * and validation with messages that name the file, line and key. */
#include "core/config.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/ini.h"

enum opt_type {
	OPT_STR, OPT_URL, OPT_PATH, OPT_BOOL, OPT_INT, OPT_LIST, OPT_HOSTPORTS, OPT_DOCKER_HOST, OPT_DOMAINS, OPT_PIN
};

struct opt {
	const char *section, *key;
	enum opt_type type;
	size_t offset;
	long min, max;      /* OPT_INT */
	const char *def;    /* literal default, NULL when derived or none */
	const char *def_doc; /* the default in words when it is derived (NULL: def, or none) */
	const char *meaning; /* one or two sentences for mcon.conf(5) */
};

/* Every key: section, key, type, field, min, max, literal default, derived default in
 * words, meaning. mcon.conf(5) is generated from this table (mcon __man conf). */
#define O(s, k, t, f, mn, mx, d, dd, m) { s, k, t, offsetof(struct config, f), mn, mx, d, dd, m }
static const struct opt opts[] = {
	O("site", "name", OPT_STR, site_name, 0, 0, NULL,
	  "the host name",
	  "Shown in the console's title bar and in reports."),
	O("mailcow", "url", OPT_URL, mailcow_url, 0, 0, NULL,
	  NULL,
	  "Base URL of the MailCow UI, e.g. https://mail.example.com; the API is under /api/v1/. http:// is "
	  "refused unless the host is loopback (the key would cross the network in clear)."),
	O("mailcow", "api_key_file", OPT_PATH, mailcow_api_key_file, 0, 0, NULL,
	  NULL,
	  "File whose first line is the MailCow API key; $MCON_API_KEY overrides it. The key is never "
	  "printed, logged, stored or passed on a command line. Keep the file mode 0640, group mcon."),
	O("mailcow", "ca_file", OPT_PATH, mailcow_ca_file, 0, 0, NULL,
	  "the system CAs",
	  "PEM file of the CAs to trust for the API."),
	O("mailcow", "tls_verify", OPT_BOOL, mailcow_tls_verify, 0, 0, "true",
	  NULL,
	  "Verify the API's certificate chain; false only for a lab, with a warning on every screen of the console. "
	  "The host name is checked either way; mailcow.pin is the safe way to trust a self-signed MailCow."),
	O("mailcow", "pin", OPT_PIN, mailcow_pin, 0, 0, NULL,
	  NULL,
	  "Public-key pin of the API's certificate, sha256//BASE64 (curl's pinned public key; several joined "
	  "with ;). When set, the key must match and the chain is not required: the safe way to trust a "
	  "self-signed MailCow."),
	O("mailcow", "timeout_ms", OPT_INT, mailcow_timeout_ms, 50, 600000, "5000",
	  NULL,
	  "Timeout of one API request, in milliseconds."),
	O("mailcow", "dir", OPT_PATH, mailcow_dir, 0, 0, "/opt/mailcow-dockerized",
	  NULL,
	  "The mailcow-dockerized checkout on this host; its data/conf files are read for the size limits."),
	O("roundcube", "config", OPT_PATH, roundcube_config, 0, 0, NULL,
	  "<mailcow.dir>/data/web/rc/config/config.inc.php",
	  "Roundcube's config.inc.php; a missing file means Roundcube is not installed."),
	O("docker", "host", OPT_DOCKER_HOST, docker_host, 0, 0, NULL,
	  "$DOCKER_HOST, else unix:///var/run/docker.sock",
	  "The Docker Engine API endpoint: unix:///PATH or tcp://HOST[:PORT]; TLS as for the docker CLI "
	  "(DOCKER_TLS_VERIFY, DOCKER_TLS, DOCKER_CERT_PATH)."),
	O("docker", "project", OPT_STR, docker_project, 0, 0, "mailcowdockerized",
	  NULL,
	  "The compose project label value of the stack's containers."),
	O("docker", "network", OPT_STR, docker_network, 0, 0, NULL,
	  "<docker.project>_mailcow-network",
	  "The stack's internal bridge network."),
	O("docker", "expected", OPT_LIST, docker_expected, 0, 0, NULL,
	  NULL,
	  "Compose services that must exist (comma list); services present in the project are always "
	  "expected to run."),
	O("overlay", "network", OPT_STR, overlay_network, 0, 0, NULL,
	  NULL,
	  "The external overlay network; empty means no overlay rule."),
	O("overlay", "allowed", OPT_LIST, overlay_allowed, 0, 0, "nginx-mailcow",
	  NULL,
	  "Compose services allowed on overlay.network (comma list)."),
	O("relay", "name", OPT_STR, relay_name, 0, 0, NULL,
	  NULL,
	  "The inbound and outbound relay's name, e.g. MXRoute; empty means mail goes direct."),
	O("relay", "mx", OPT_LIST, relay_mx, 0, 0, NULL,
	  NULL,
	  "Patterns every domain's MX hosts must match (comma list, * wildcard)."),
	O("relay", "spf_include", OPT_STR, relay_spf_include, 0, 0, NULL,
	  NULL,
	  "The SPF include every domain must carry, e.g. mxroute.com."),
	O("relay", "catchall", OPT_BOOL, relay_catchall, 0, 0, NULL,
	  "true when a relay is set",
	  "Every domain needs an active catch-all alias (SRS and reject_unlisted_sender)."),
	O("dkim", "selectors", OPT_LIST, dkim_selectors, 0, 0, "dkim",
	  NULL,
	  "Selectors every domain must publish in DNS (comma list)."),
	O("dkim", "mailcow_selector", OPT_STR, dkim_mailcow_selector, 0, 0, NULL,
	  "the first of dkim.selectors",
	  "The selector whose DNS key must equal the key MailCow holds; onboarding creates keys with it."),
	O("dkim", "min_bits", OPT_INT, dkim_min_bits, 512, 16384, "2048",
	  NULL,
	  "Weaker DKIM keys are a warning; under 1024 bits is critical."),
	O("dns", "servers", OPT_HOSTPORTS, dns_servers, 0, 0, NULL,
	  "the system resolver",
	  "Resolvers as host:port (IPv6 in brackets, port 53 when left out), comma list; every name mcon "
	  "resolves goes through them when set."),
	O("dns", "timeout_ms", OPT_INT, dns_timeout_ms, 50, 60000, "2000",
	  NULL,
	  "Timeout of one DNS query, in milliseconds."),
	O("mta_sts", "port", OPT_INT, mta_sts_port, 1, 65535, "443",
	  NULL,
	  "The port MTA-STS policies are fetched from."),
	O("mta_sts", "ca_file", OPT_PATH, mta_sts_ca_file, 0, 0, NULL,
	  "the system CAs",
	  "PEM file of the CAs to trust for the MTA-STS policy hosts."),
	O("domains", "include", OPT_DOMAINS, domains_include, 0, 0, NULL,
	  "every domain MailCow lists",
	  "Domains to watch (comma list, * and ? wildcards); literal names are watched even when MailCow "
	  "does not list them."),
	O("domains", "exclude", OPT_DOMAINS, domains_exclude, 0, 0, NULL,
	  NULL,
	  "Domains not to watch (comma list, * and ? wildcards)."),
	O("state", "db", OPT_PATH, state_db, 0, 0, NULL,
	  "/var/lib/mcon/mcon.db if writable, else $XDG_STATE_HOME/mcon/mcon.db, else "
	  "$HOME/.local/state/mcon/mcon.db (none without HOME: an error for commands that need it)",
	  "The SQLite database of the checklist and the history; admins who share one file share the checklist."),
	O("state", "retention_days", OPT_INT, state_retention_days, 1, 36500, "400",
	  NULL,
	  "History older than this many days is pruned at each record."),
	O("ui", "refresh_s", OPT_INT, ui_refresh_s, 2, 86400, "30",
	  NULL,
	  "The console's background refresh period, in seconds."),
	O("collect", "deadline_s", OPT_INT, collect_deadline_s, 5, 3600, "40",
	  NULL,
	  "Bound on one collection (mcon check, record, a console refresh), in seconds: what has not "
	  "answered by then is reported as not collected. The default stays under Nagios' 60 s plugin "
	  "timeout and the record unit's TimeoutStartSec (50 s)."),
	O("relay", "smarthost", OPT_LIST, relay_smarthost, 0, 0, NULL,
	  "the relay.mx patterns",
	  "Patterns the relayhost's host name must match (comma list, * wildcard), e.g. *.mxrouting.net."),
	O("outbound", "ip", OPT_STR, outbound_ip, 0, 0, NULL,
	  NULL,
	  "The public IPv4 or IPv6 address outbound mail leaves from; empty means no outbound checks."),
	O("outbound", "dnsbl", OPT_LIST, outbound_dnsbl, 0, 0, "zen.spamhaus.org, bl.spamcop.net",
	  NULL,
	  "DNS blocklist zones outbound.ip must not be listed in (comma list)."),
	O("docker", "allow_plain_tcp", OPT_BOOL, docker_allow_plain_tcp, 0, 0, "false",
	  NULL,
	  "Allow docker.host tcp:// without TLS (no DOCKER_TLS_VERIFY or DOCKER_TLS) to a host other than "
	  "loopback; anyone on the path gets root on the Docker host."),
	O("mailcow", "max_requests", OPT_INT, mailcow_max_requests, 1, 256, "16",
	  NULL,
	  "HTTP requests in flight at once in a refresh: MailCow's API is PHP on a pool of workers shared with its "
	  "web UI (the Docker and MTA-STS requests count too)."),
};
#undef O

struct parse_ctx {
	struct config *cfg;
	const char *name;
	char *err;
	int last_opt;           /* the key a continuation line extends, -1 for none */
	bool seen[ARRAY_SIZE(opts)];
	bool relay_catchall_set;
};

static bool parse_bool(const char *v, bool *out)
{
	static const char *yes[] = {"true", "yes", "on", "1"}, *no[] = {"false", "no", "off", "0"};
	for (size_t i = 0; i < ARRAY_SIZE(yes); i++) {
		if (strcasecmp(v, yes[i]) == 0) {
			*out = true;
			return true;
		}
		if (strcasecmp(v, no[i]) == 0) {
			*out = false;
			return true;
		}
	}
	return false;
}

/* host:port, [v6]:port, or a bare host (port 53). */
static bool valid_hostport(const char *s)
{
	const char *port = NULL;
	if (*s == '[') {
		const char *close = strchr(s, ']');
		if (!close || close == s + 1)
			return false;
		if (close[1] == ':')
			port = close + 2;
		else if (close[1] != '\0')
			return false;
	} else {
		const char *colon = strchr(s, ':');
		if (colon && strchr(colon + 1, ':'))
			return false; /* bare IPv6 needs brackets */
		if (colon)
			port = colon + 1;
		if (colon == s)
			return false;
	}
	if (port) {
		char *end;
		long p = strtol(port, &end, 10);
		if (*port == '\0' || *end || p < 1 || p > 65535)
			return false;
	}
	return true;
}

static bool valid_domain_pattern(const char *s)
{
	if (!*s || strlen(s) > 253)
		return false;
	for (const char *p = s; *p; p++)
		if (!isalnum((unsigned char)*p) && !strchr(".-*?_", *p))
			return false;
	return true;
}

/* The host of "HOST[:port][/path]" (IPv6 in brackets) is localhost, 127.0.0.0/8 or ::1. */
static bool url_host_loopback(const char *s)
{
	size_t n;
	if (*s == '[') {
		const char *close = strchr(s, ']');
		return close && (size_t)(close - s) == 4 && strncmp(s, "[::1", 4) == 0;
	}
	n = strcspn(s, ":/?#");
	if (n == 9 && strncasecmp(s, "localhost", 9) == 0)
		return true;
	if (n < 4 || strncmp(s, "127.", 4) != 0)
		return false;
	int dots = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '.')
			dots++;
		else if (!isdigit((unsigned char)s[i]))
			return false;
	}
	return dots == 3;
}

/* "sha256//" + 44 characters of base64 (a SHA-256), several joined with ';'. */
static bool valid_pins(const char *s)
{
	for (;;) {
		if (strncmp(s, "sha256//", 8) != 0)
			return false;
		s += 8;
		size_t n = strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/");
		if (n != 43 || s[43] != '=')
			return false;
		s += 44;
		if (*s == '\0')
			return true;
		if (*s != ';')
			return false;
		s++;
	}
}

static int set_value(struct parse_ctx *c, const struct opt *o, const char *value)
{
	char *field = (char *)c->cfg + o->offset;
	switch (o->type) {
	case OPT_STR:
	case OPT_PATH:
		free(*(char **)field);
		*(char **)field = *value ? xstrdup(value) : NULL;
		return 0;
	case OPT_URL: {
		const char *host = strstr(value, "://");
		if (*value && ((!str_starts_with(value, "https://") && !str_starts_with(value, "http://")) ||
			       !host || !host[3] || host[3] == '/')) {
			c->err = xasprintf("%s.%s: '%s' is not an http:// or https:// URL", o->section, o->key, value);
			return -1;
		}
		if (str_starts_with(value, "http://") && !url_host_loopback(value + 7)) {
			c->err = xasprintf("%s.%s: '%s' would send the API key in clear: use https:// (http:// only "
					   "for a loopback host)", o->section, o->key, value);
			return -1;
		}
		char *v = xstrdup(value);
		size_t n = strlen(v);
		while (n && v[n - 1] == '/')
			v[--n] = '\0';
		free(*(char **)field);
		*(char **)field = *v ? v : (free(v), NULL);
		return 0;
	}
	case OPT_PIN:
		if (*value && !valid_pins(value)) {
			c->err = xasprintf("%s.%s: '%s' is not sha256// and a base64 SHA-256 (44 characters), several "
					   "joined with ;", o->section, o->key, value);
			return -1;
		}
		free(*(char **)field);
		*(char **)field = *value ? xstrdup(value) : NULL;
		return 0;
	case OPT_DOCKER_HOST:
		if (!str_starts_with(value, "unix://") && !str_starts_with(value, "tcp://")) {
			c->err = xasprintf("%s.%s: '%s' must start with unix:// or tcp://", o->section, o->key, value);
			return -1;
		}
		free(*(char **)field);
		*(char **)field = xstrdup(value);
		return 0;
	case OPT_BOOL:
		if (!parse_bool(value, (bool *)field)) {
			c->err = xasprintf("%s.%s: '%s' is not a boolean (true or false)", o->section, o->key, value);
			return -1;
		}
		return 0;
	case OPT_INT: {
		char *end;
		errno = 0;
		long v = strtol(value, &end, 10);
		if (errno || end == value || *end || v < o->min || v > o->max) {
			c->err = xasprintf("%s.%s: '%s' is not a whole number from %ld to %ld", o->section, o->key,
					   value, o->min, o->max);
			return -1;
		}
		*(long *)field = v;
		return 0;
	}
	case OPT_LIST:
	case OPT_HOSTPORTS:
	case OPT_DOMAINS: {
		struct strv *sv = (struct strv *)field, tmp = {0};
		strv_split_list(&tmp, value);
		for (size_t i = 0; i < tmp.n; i++) {
			bool ok = o->type == OPT_HOSTPORTS ? valid_hostport(tmp.v[i])
				: o->type == OPT_DOMAINS ? valid_domain_pattern(tmp.v[i]) : true;
			if (!ok) {
				c->err = xasprintf("%s.%s: '%s' is not a valid %s", o->section, o->key, tmp.v[i],
						   o->type == OPT_HOSTPORTS ? "host:port (IPv6 in brackets)"
									    : "domain pattern");
				strv_free(&tmp);
				return -1;
			}
		}
		strv_free(sv);
		*sv = tmp;
		return 0;
	}
	}
	return 0;
}

static bool opt_is_list(const struct opt *o)
{
	return o->type == OPT_LIST || o->type == OPT_HOSTPORTS || o->type == OPT_DOMAINS;
}

static int apply_key(struct parse_ctx *c, const char *section, const char *name, const char *value)
{
	bool section_known = false;
	for (size_t i = 0; i < ARRAY_SIZE(opts); i++) {
		if (strcmp(opts[i].section, section) != 0)
			continue;
		section_known = true;
		if (strcmp(opts[i].key, name) != 0)
			continue;
		c->seen[i] = true;
		c->last_opt = (int)i;
		if (strcmp(section, "relay") == 0 && strcmp(name, "catchall") == 0)
			c->relay_catchall_set = true;
		return set_value(c, &opts[i], value) == 0;
	}
	c->err = section_known ? xasprintf("unknown key '%s' in section [%s]", name, section)
			       : xasprintf("unknown section [%s]", section);
	return 0;
}

/* An indented line after a key: ini_read hands it over as a continuation of its previous key. It is a
 * key of its own when it reads "name = value" (configs often indent keys under their
 * section), else it continues the last list key ("expected = a, b," then "    c, d"). */
static int continue_key_line(struct parse_ctx *c, const char *section, const char *line)
{
	const char *eq = strchr(line, '=');
	if (eq) {
		char *name = xstrndup(line, (size_t)(eq - line));
		char *n = str_trim(name);
		bool ident = *n != '\0';
		for (const char *p = n; *p; p++)
			ident &= isalnum((unsigned char)*p) || *p == '_';
		if (ident) {
			char *val = xstrdup(eq + 1);
			int rc = apply_key(c, section, n, str_trim(val));
			free(val);
			free(name);
			return rc;
		}
		free(name);
	}
	if (c->last_opt < 0) {
		c->err = xstrdup("indented line without a key before it: remove the indentation");
		return 0;
	}
	const struct opt *o = &opts[c->last_opt];
	if (!opt_is_list(o)) {
		c->err = xasprintf("%s.%s takes one value, but an indented line continues it: remove the indentation",
				   o->section, o->key);
		return 0;
	}
	struct strv *sv = (struct strv *)((char *)c->cfg + o->offset), keep = *sv;
	*sv = (struct strv){0};
	if (set_value(c, o, line) < 0) {
		strv_free(sv);
		*sv = keep;
		return 0;
	}
	for (size_t i = 0; i < sv->n; i++)
		strv_push(&keep, sv->v[i]);
	strv_free(sv);
	*sv = keep;
	return 1;
}

static bool section_known(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(opts); i++)
		if (strcmp(opts[i].section, name) == 0)
			return true;
	return false;
}

static int config_ini_line(void *user, const struct ini_line *l)
{
	struct parse_ctx *c = user;
	if (!l->name) {
		c->last_opt = -1;
		if (!section_known(l->section)) {
			c->err = xasprintf("unknown section [%s]", l->section);
			return 0;
		}
		return 1;
	}
	if (l->continuation)
		return continue_key_line(c, l->section, l->value);
	return apply_key(c, l->section, l->name, l->value);
}

static void config_defaults(struct config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	struct parse_ctx c = {.cfg = cfg};
	for (size_t i = 0; i < ARRAY_SIZE(opts); i++)
		if (opts[i].def)
			set_value(&c, &opts[i], opts[i].def);
	free(c.err);
}

static char *state_db_default(void)
{
	if (access("/var/lib/mcon", W_OK) == 0 || (access("/var/lib/mcon", F_OK) != 0 && access("/var/lib", W_OK) == 0))
		return xstrdup("/var/lib/mcon/mcon.db");
	const char *xdg = getenv("XDG_STATE_HOME");
	if (xdg && *xdg == '/')
		return xasprintf("%s/mcon/mcon.db", xdg);
	const char *home = getenv("HOME");
	/* Never a guess under /tmp, where another user could plant the file first. */
	return home && *home == '/' ? xasprintf("%s/.local/state/mcon/mcon.db", home) : NULL;
}

/* Values that depend on other keys or on the environment. */
static void config_derive(struct config *cfg, bool catchall_set)
{
	if (!cfg->site_name) {
		char host[256] = "mcon";
		if (gethostname(host, sizeof(host) - 1) == 0)
			host[sizeof(host) - 1] = '\0';
		cfg->site_name = xstrdup(host);
	}
	if (!cfg->docker_host) {
		const char *env = getenv("DOCKER_HOST");
		cfg->docker_host = xstrdup(env && *env ? env : "unix:///var/run/docker.sock");
	}
	if (!cfg->docker_network)
		cfg->docker_network = xasprintf("%s_mailcow-network", cfg->docker_project);
	if (!cfg->roundcube_config)
		cfg->roundcube_config = xasprintf("%s/data/web/rc/config/config.inc.php", cfg->mailcow_dir);
	if (!catchall_set)
		cfg->relay_catchall = cfg->relay_name != NULL || cfg->relay_mx.n > 0;
	if (!cfg->dkim_mailcow_selector && cfg->dkim_selectors.n)
		cfg->dkim_mailcow_selector = xstrdup(cfg->dkim_selectors.v[0]);
	if (!cfg->state_db)
		cfg->state_db = state_db_default();
}

static bool config_is_ip(const char *s)
{
	unsigned char buf[16];
	return inet_pton(AF_INET, s, buf) == 1 || inet_pton(AF_INET6, s, buf) == 1;
}

static int finish(struct config *cfg, struct parse_ctx *c, enum ini_result rc, int line, const char *name,
		  char **err)
{
	if (rc != INI_OK) {
		if (rc == INI_SYNTAX)
			*err = xasprintf("%s:%d: syntax error: expected key = value or [section]", name, line);
		else if (rc == INI_TOO_LONG)
			*err = xasprintf("%s:%d: line longer than %d characters", name, line, INI_LINE_MAX);
		else
			*err = xasprintf("%s:%d: %s", name, line, c->err ? c->err : "error");
		free(c->err);
		return -1;
	}
	if (cfg->docker_host && !str_starts_with(cfg->docker_host, "unix://") &&
	    !str_starts_with(cfg->docker_host, "tcp://")) {
		*err = xasprintf("DOCKER_HOST '%s' must start with unix:// or tcp://", cfg->docker_host);
		return -1;
	}
	if (cfg->outbound_ip && !config_is_ip(cfg->outbound_ip)) {
		*err = xasprintf("%s: outbound.ip '%s' is not an IPv4 or IPv6 address", name, cfg->outbound_ip);
		return -1;
	}
	if (cfg->dkim_mailcow_selector && cfg->dkim_selectors.n &&
	    !strv_contains(&cfg->dkim_selectors, cfg->dkim_mailcow_selector)) {
		*err = xasprintf("%s: dkim.mailcow_selector '%s' is not one of dkim.selectors", name,
				 cfg->dkim_mailcow_selector);
		return -1;
	}
	return 0;
}

int config_load_string(struct config *cfg, const char *text, const char *name, char **err)
{
	config_defaults(cfg);
	struct parse_ctx c = {.cfg = cfg, .name = name, .last_opt = -1};
	int line = 0;
	enum ini_result rc = ini_read(text, config_ini_line, &c, &line);
	config_derive(cfg, c.relay_catchall_set);
	cfg->path = xstrdup(name);
	return finish(cfg, &c, rc, line, name, err);
}

static char *config_find(const char *explicit_path, bool *is_explicit)
{
	*is_explicit = true;
	if (explicit_path)
		return xstrdup(explicit_path);
	const char *env = getenv("MCON_CONFIG");
	if (env && *env)
		return xstrdup(env);
	*is_explicit = false;
	const char *xdg = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");
	/* The XDG spec says a relative XDG_CONFIG_HOME is invalid and to be ignored. */
	char *user = xdg && *xdg == '/' ? xasprintf("%s/mcon/mcon.conf", xdg)
		   : home && *home ? xasprintf("%s/.config/mcon/mcon.conf", home) : NULL;
	if (user && access(user, F_OK) == 0)
		return user;
	free(user);
	if (access("/etc/mcon/mcon.conf", F_OK) == 0)
		return xstrdup("/etc/mcon/mcon.conf");
	return NULL;
}

int config_load(struct config *cfg, const char *explicit_path, char **err)
{
	bool is_explicit;
	char *path = config_find(explicit_path, &is_explicit);
	if (!path) {
		config_defaults(cfg);
		config_derive(cfg, false);
		return 0;
	}
	struct stat st;
	if (stat(path, &st) < 0) {
		*err = xasprintf("%s: %s", path, strerror(errno));
		free(path);
		config_defaults(cfg);
		return -1;
	}
	size_t len;
	char *text = file_read(path, 1 << 20, &len);
	if (!text) {
		*err = xasprintf("%s: cannot read: %s", path, strerror(errno));
		free(path);
		config_defaults(cfg);
		return -1;
	}
	int rc = config_load_string(cfg, text, path, err);
	free(text);
	free(cfg->path);
	cfg->path = path;
	cfg->path_explicit = is_explicit;
	return rc;
}

void config_free(struct config *cfg)
{
	for (size_t i = 0; i < ARRAY_SIZE(opts); i++) {
		char *field = (char *)cfg + opts[i].offset;
		switch (opts[i].type) {
		case OPT_STR: case OPT_URL: case OPT_PATH: case OPT_DOCKER_HOST: case OPT_PIN:
			free(*(char **)field);
			break;
		case OPT_LIST: case OPT_HOSTPORTS: case OPT_DOMAINS:
			strv_free((struct strv *)field);
			break;
		case OPT_BOOL: case OPT_INT:
			break;
		}
	}
	free(cfg->path);
	memset(cfg, 0, sizeof(*cfg));
}

static char *env_key;   /* $MCON_API_KEY, taken out of the environment */

void config_key_env_take(void)
{
	config_key_free(env_key);
	env_key = NULL;
	const char *env = getenv("MCON_API_KEY");
	if (env && *env)
		env_key = xstrdup(env);
	if (env) {
		explicit_bzero((char *)env, strlen(env));
		unsetenv("MCON_API_KEY");
	}
}

static char *key_checked(char *key, const char *from, char **err)
{
	for (const char *p = key; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f) {
			*err = xasprintf("the API key in %s holds a control character (it would break the request "
					 "header): write the key alone on the first line", from);
			config_key_free(key);
			return NULL;
		}
	return key;
}

/* The first line of the key file, refused when others may read it. */
static char *key_file_read(const char *path, char **err)
{
	char *text = NULL, *key = NULL;
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0 || fstat(fd, &st) < 0) {
		*err = xasprintf("cannot read mailcow.api_key_file %s: %s", path, strerror(errno));
		goto out;
	}
	if (st.st_mode & (S_IROTH | S_IWOTH)) {
		*err = xasprintf("mailcow.api_key_file %s is open to every user (mode %04o): chmod o-rw it "
				 "(group-readable is fine, e.g. 0640 with group mcon)", path,
				 (unsigned)(st.st_mode & 07777));
		goto out;
	}
	text = xcalloc(1, 4097);
	size_t len = 0;
	for (ssize_t n; len < 4096 && (n = read(fd, text + len, 4096 - len)) != 0; len += n > 0 ? (size_t)n : 0)
		if (n < 0 && errno != EINTR) {
			*err = xasprintf("cannot read mailcow.api_key_file %s: %s", path, strerror(errno));
			goto out;
		}
	char *nl = strpbrk(text, "\r\n");
	if (nl)
		*nl = '\0';
	key = xstrdup(str_trim(text));
	if (!*key) {
		free(key);
		key = NULL;
		*err = xasprintf("mailcow.api_key_file %s is empty", path);
	}
out:
	if (text) {
		explicit_bzero(text, 4097);
		free(text);
	}
	if (fd >= 0)
		close(fd);
	return key;
}

char *config_api_key(const struct config *cfg, char **err)
{
	const char *env = getenv("MCON_API_KEY");
	if (env && *env)
		return key_checked(xstrdup(env), "$MCON_API_KEY", err);
	if (env_key)
		return key_checked(xstrdup(env_key), "$MCON_API_KEY", err);
	if (!cfg->mailcow_api_key_file) {
		*err = xstrdup("no MailCow API key: set mailcow.api_key_file or $MCON_API_KEY");
		return NULL;
	}
	char *key = key_file_read(cfg->mailcow_api_key_file, err);
	if (!key)
		return NULL;
	char *from = xasprintf("mailcow.api_key_file %s", cfg->mailcow_api_key_file);
	key = key_checked(key, from, err);
	free(from);
	return key;
}

void config_key_free(char *key)
{
	if (key) {
		explicit_bzero(key, strlen(key));
		free(key);
	}
}

const char *config_missing_backend(const struct config *cfg)
{
	if (!cfg->mailcow_url)
		return "mailcow.url is not set: set it (and mailcow.api_key_file) in mcon.conf, see mcon.conf.example";
	return NULL;
}

void config_dump(const struct config *cfg, struct buf *out)
{
	for (size_t i = 0; i < ARRAY_SIZE(opts); i++) {
		const struct opt *o = &opts[i];
		const char *field = (const char *)cfg + o->offset;
		buf_printf(out, "%s.%s = ", o->section, o->key);
		switch (o->type) {
		case OPT_STR: case OPT_URL: case OPT_PATH: case OPT_DOCKER_HOST: case OPT_PIN: {
			const char *v = *(char *const *)field;
			buf_puts(out, v ? v : "");
			break;
		}
		case OPT_BOOL:
			buf_puts(out, *(const bool *)field ? "true" : "false");
			break;
		case OPT_INT:
			buf_printf(out, "%ld", *(const long *)field);
			break;
		case OPT_LIST: case OPT_HOSTPORTS: case OPT_DOMAINS: {
			char *j = strv_join((const struct strv *)field, ", ");
			buf_puts(out, j);
			free(j);
			break;
		}
		}
		buf_putc(out, '\n');
	}
}

bool config_domain_watched(const struct config *cfg, const char *domain)
{
	bool in = cfg->domains_include.n == 0;
	for (size_t i = 0; !in && i < cfg->domains_include.n; i++)
		in = str_glob(cfg->domains_include.v[i], domain);
	for (size_t i = 0; in && i < cfg->domains_exclude.n; i++)
		if (str_glob(cfg->domains_exclude.v[i], domain))
			in = false;
	return in;
}

bool config_key_info(size_t i, struct config_key_info *out)
{
	static const char *const values[] = {
		[OPT_STR] = "string", [OPT_URL] = "URL", [OPT_PATH] = "path", [OPT_BOOL] = "boolean",
		[OPT_INT] = "integer", [OPT_LIST] = "comma list", [OPT_HOSTPORTS] = "comma list of host:port",
		[OPT_DOCKER_HOST] = "unix:// or tcp:// endpoint", [OPT_DOMAINS] = "comma list of domain patterns",
		[OPT_PIN] = "sha256//BASE64 pin",
	};
	if (i >= ARRAY_SIZE(opts))
		return false;
	const struct opt *o = &opts[i];
	*out = (struct config_key_info){
		.section = o->section, .key = o->key, .value = values[o->type],
		.min = o->type == OPT_INT ? o->min : 0, .max = o->type == OPT_INT ? o->max : 0,
		.def = o->def_doc ? o->def_doc : o->def, .meaning = o->meaning,
	};
	return true;
}
