/* config: the mcon.conf keys of the contract (section 3), their defaults, the search order
 * and validation. Parsing is core/ini.c's; every key is declared once in the table of config.c,
 * which also drives `mcon info` and the example config check. */
#ifndef MCON_CONFIG_H
#define MCON_CONFIG_H

#include <stdbool.h>
#include "core/util.h"

struct config {
	char *path;                 /* the file read, NULL when none was found */
	bool path_explicit;         /* came from --config or $MCON_CONFIG */

	char *site_name;
	char *mailcow_url;          /* without trailing slash */
	char *mailcow_api_key_file;
	char *mailcow_ca_file;
	char *mailcow_pin;           /* sha256//BASE64 public-key pin(s), ';'-separated */
	bool mailcow_tls_verify;
	long mailcow_timeout_ms;
	char *mailcow_dir;
	char *roundcube_config;

	char *docker_host;          /* unix:///path or tcp://host:port */
	char *docker_project;
	char *docker_network;
	struct strv docker_expected;
	bool docker_allow_plain_tcp; /* tcp:// without TLS to a host other than loopback */

	char *overlay_network;      /* NULL = no overlay rule */
	struct strv overlay_allowed;

	char *relay_name;           /* NULL = mail goes direct */
	struct strv relay_mx;
	char *relay_spf_include;
	bool relay_catchall;

	struct strv dkim_selectors;
	char *dkim_mailcow_selector;
	long dkim_min_bits;

	struct strv dns_servers;    /* empty = system resolver */
	long dns_timeout_ms;

	long mta_sts_port;
	char *mta_sts_ca_file;

	struct strv domains_include;
	struct strv domains_exclude;

	char *state_db;
	long state_retention_days;

	long ui_refresh_s;
	long collect_deadline_s;       /* bound on one collection (check, record, a refresh) */

	struct strv relay_smarthost;    /* empty = the relay.mx patterns */
	char *outbound_ip;              /* NULL = no outbound checks */
	struct strv outbound_dnsbl;

	long mailcow_max_requests;  /* HTTP requests in flight at once in a refresh */
};

/* Loads the configuration: explicit path (--config), else $MCON_CONFIG, else
 * $XDG_CONFIG_HOME/mcon/mcon.conf (~/.config/...), else /etc/mcon/mcon.conf; no file at
 * all gives the defaults. Returns 0, or -1 with *err set (caller frees) naming the file,
 * line and key. An explicit path that does not exist is an error. */
int config_load(struct config *cfg, const char *explicit_path, char **err);
/* Parses a configuration held in memory (tests); name is used in messages. */
int config_load_string(struct config *cfg, const char *text, const char *name, char **err);
void config_free(struct config *cfg);

/* The MailCow API key: $MCON_API_KEY, else the first line of mailcow.api_key_file.
 * Returns a string the caller must free with config_key_free (which wipes it), or NULL
 * with *err saying what to set. A key file others can read (group is fine) and a key with
 * a control character (a CR or LF would inject a request header) are refused. */
char *config_api_key(const struct config *cfg, char **err);
/* Moves $MCON_API_KEY out of the environment into mcon's memory, so nothing mcon starts
 * inherits it; config_api_key still sees it. Each call replaces what an earlier one took. */
void config_key_env_take(void);
void config_key_free(char *key);

/* Whether the backends needed by check/snapshot/record are configured; NULL when they
 * are, else a message naming the keys to set (static storage). */
const char *config_missing_backend(const struct config *cfg);

/* Writes "section.key = value" for every key (secrets never included). */
void config_dump(const struct config *cfg, struct buf *out);

/* One key of the table, for mcon.conf(5) (mcon __man conf) and completion. */
struct config_key_info {
	const char *section, *key;
	const char *value;      /* what a value looks like: "boolean", "integer", "path", ... */
	long min, max;          /* integers only; 0, 0 otherwise */
	const char *def;        /* the default in words; NULL when there is none */
	const char *meaning;
};
/* The i-th key of the table, in file order; false past the end. */
bool config_key_info(size_t i, struct config_key_info *out);

/* Whether a domain is watched under domains.include / domains.exclude. */
bool config_domain_watched(const struct config *cfg, const char *domain);

#endif
