/* snapshot: the immutable picture of the stack that one refresh collects (Docker, MailCow,
 * DNS, MTA-STS, the stack's config files). Every pane and every check reads it; nothing
 * changes it after collect_run() returns it. Each part that could not be collected
 * carries an error (what failed, why, since when) instead of data. */
#ifndef MCON_SNAPSHOT_H
#define MCON_SNAPSHOT_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>
#include "core/util.h"

/* The sources of a snapshot; a check declares which it needs. */
enum source {
	SRC_DOCKER,
	SRC_MAILCOW,
	SRC_DNS,
	SRC_MTA_STS,
	SRC_FILES,
	SRC__COUNT
};
const char *source_name(enum source s); /* "docker", "mailcow", "dns", "mta_sts", "files" */

/* Why a part is missing. ok=false means the part was not collected. */
struct part_error {
	bool failed;
	char *what;     /* "GET /api/v1/get/domain/all" */
	char *why;      /* "HTTP 401: authentication failed (check the API key)" */
	time_t since;   /* first refresh this error was seen (carried over between snapshots) */
};

void part_error_set(struct part_error *e, const char *what, const char *fmt, ...) ATTR_PRINTF(3, 4);
void part_error_clear(struct part_error *e);
void part_error_copy(struct part_error *dst, const struct part_error *src);
/* Keeps prev->since when prev failed too (the same part keeps failing), else now. */
void part_error_carry(struct part_error *e, const struct part_error *prev, time_t now);

/* ---- Docker ---- */

enum health {
	HEALTH_NONE,        /* no healthcheck */
	HEALTH_STARTING,
	HEALTH_HEALTHY,
	HEALTH_UNHEALTHY
};
const char *health_name(enum health h); /* "none", "starting", "healthy", "unhealthy" */

struct net_attach {
	char *network;      /* network name, the key of NetworkSettings.Networks */
	char *network_id;
	char *ip;
	struct strv aliases;
	char *driver;       /* from the network (bridge, overlay, ...) or NULL if unknown */
	char *scope;        /* local, swarm */
};

struct container {
	char *id;
	char *name;         /* without the leading '/' */
	char *service;      /* com.docker.compose.service */
	char *image;
	char *state;        /* created, running, paused, restarting, removing, exited, dead */
	char *status_text;  /* "Up 3 hours (healthy)" */
	int exit_code;
	enum health health;
	int failing_streak;
	char *health_output;    /* output of the last probe, or NULL */
	long restart_count;
	time_t started_at;      /* 0 when never started */
	time_t finished_at;
	bool tty;               /* Config.Tty: logs are raw, not multiplexed */
	struct net_attach *nets;
	size_t n_nets;
	char *network_mode;     /* HostConfig.NetworkMode: "host", "<project>_mailcow-network", ...; NULL unknown */
	bool inspected;         /* inspect succeeded (else only the list fields are set) */
	char *inspect_err;      /* why the inspect failed, when it did */
};

struct network {
	char *name, *id, *driver, *scope;
	struct strv container_ids;  /* attached containers on this node (64-hex ids only) */
};

struct docker_state {
	struct part_error err;
	char *endpoint;         /* docker.host */
	char *api_version;      /* negotiated, e.g. "1.47" */
	char *server_version;   /* "28.2.2" */
	struct container *containers;
	size_t n_containers;
	struct network *networks;
	size_t n_networks;
	long long postfix_size_live;    /* `postconf -h message_size_limit` via exec; -1 unknown */
	struct part_error postfix_exec_err;
};

/* ---- MailCow ---- */

enum key_problem {
	KEY_OK,
	KEY_MISSING,        /* no key configured */
	KEY_INVALID,        /* 401 authentication failed */
	KEY_IP_DENIED,      /* 401 api access denied for ip */
	KEY_READ_ONLY,      /* 403 on a write */
	KEY_FORBIDDEN,      /* another 403 (a proxy, a Sec-Fetch-Dest header) */
	KEY_IGNORED,        /* HTTP 200 with an empty body: the key never reached MailCow */
	KEY_UNCHECKED       /* HTTP 500 from MailCow's startup checks (a backend down): the key was not looked at */
};
const char *key_problem_name(enum key_problem k); /* "ok", "missing", "invalid", "ip-denied", ... */

struct mc_domain {
	char *name;
	char *description;
	bool active;
	char *relayhost_id;     /* "0" = none */
	long mailboxes, aliases;
	long long quota_bytes, bytes_used;
	struct strv tags;
};

struct mc_alias {
	long id;
	char *address;          /* "@example.com" for a catch-all */
	char *goto_addr;        /* comma list */
	char *domain;
	bool active;
	bool catch_all;
};

struct mc_mailbox {
	char *username, *domain, *name;
	bool active;
	long long quota, quota_used;
};

struct mc_dkim {
	char *domain;
	bool present;           /* MailCow holds a key */
	char *selector;
	char *pubkey;           /* base64 SPKI */
	int bits;               /* from the key itself when it parses, else the "length" field */
	char *txt;              /* dkim_txt */
	struct part_error err;
};

struct mc_relayhost {
	long id;
	char *hostname;         /* "[smtp.mxroute.com]:587" */
	char *username;
	bool active;
	/* the password is dropped at parse time, never stored */
};

struct mc_service_status {
	char *service, *state, *image;
	time_t started_at;
};

/* One queued message of get/mailq/all (postqueue -j, recipients flattened by MailCow). */
struct mc_qitem {
	char *queue;            /* deferred, active, hold, incoming, ... */
	char *id;               /* the Postfix queue id */
	char *sender;           /* "" for a bounce */
	time_t arrival;
	long size;              /* bytes */
	struct strv recipients; /* "addr" or "addr (delay reason)" as MailCow gives them */
};

struct mailcow_state {
	struct part_error err;
	char *url;
	enum key_problem key;
	char *version;
	struct mc_domain *domains;
	size_t n_domains;
	struct strv bad_domains; /* names MailCow listed that are not DNS names (shown cleaned), not used */
	struct mc_alias *aliases;
	size_t n_aliases;
	struct mc_mailbox *mailboxes;
	size_t n_mailboxes;
	struct mc_relayhost *relayhosts;
	size_t n_relayhosts;
	struct mc_service_status *services;
	size_t n_services;
	long queue_total, queue_deferred, queue_active, queue_hold; /* -1 unknown */
	struct mc_qitem *queue;  /* each queued message, in MailCow's order */
	size_t n_queue;
	struct part_error queue_err;
	/* The other endpoints, each on its own: one failing leaves the rest usable.
	 * err above is the API as a whole (not configured, key refused, domain list). */
	struct part_error aliases_err, mailboxes_err, relayhosts_err, services_err, version_err;
	/* After a 401 MailCow's netfilter counts a failed login, and bans the address after
	 * a few: refreshes back off, carried from one snapshot to the next. */
	int auth_failures;      /* consecutive refreshes whose key was refused */
	time_t next_try;        /* no MailCow call before this; 0 = no backoff */
};

/* ---- DNS ---- */

enum dns_status {
	DNS_OK,
	DNS_NXDOMAIN,
	DNS_NODATA,
	DNS_SERVFAIL,
	DNS_REFUSED,
	DNS_TIMEOUT,
	DNS_ERROR,
	DNS_NOT_ASKED
};
const char *dns_status_name(enum dns_status s);

struct dns_rr {
	char *value;        /* TXT: the record's strings joined; MX: the host (no trailing dot);
	                       A/AAAA: the address; CNAME: the target */
	int pref;           /* MX preference */
	uint32_t ttl;
};

struct dns_answer {
	char *name;         /* the name asked */
	int type;           /* ns_t_* value: 1 A, 5 CNAME, 15 MX, 16 TXT, 28 AAAA */
	enum dns_status status;
	char *server;       /* the server that answered, "127.0.0.1:53" */
	char *error;        /* text for SERVFAIL/TIMEOUT/ERROR */
	struct dns_rr *rrs;
	size_t n;
	struct strv cnames; /* CNAME targets the answer went through, in order */
};

/* SPF, evaluated by following include: and redirect= recursively. */
struct spf_eval {
	int records;            /* v=spf1 records at the apex */
	char *record;           /* the one record, when exactly one */
	int lookups;            /* DNS-querying terms, recursively (include a mx ptr exists redirect) */
	int void_lookups;       /* lookups that returned NXDOMAIN or no data */
	struct strv includes;   /* every include: domain seen, in order */
	char *error;            /* a recursion problem (loop, unresolvable include, timeout) */
};

struct domain_dns {
	struct dns_answer mx;
	struct dns_answer apex_txt;
	struct dns_answer dmarc;        /* _dmarc.<d> TXT */
	struct dns_answer *dkim;        /* <selector>._domainkey.<d> TXT, one per dkim.selectors entry */
	size_t n_dkim;
	struct dns_answer mta_sts_txt;  /* _mta-sts.<d> TXT */
	struct dns_answer mta_sts_host; /* mta-sts.<d> A (CNAME chain followed) */
	struct dns_answer tls_rpt;      /* _smtp._tls.<d> TXT */
	struct spf_eval spf;
};

/* ---- MTA-STS ---- */

struct mta_sts_policy {
	bool fetched;           /* HTTP 200 with a body */
	long http_status;
	struct part_error err;  /* transport, certificate, status, size or parse problem */
	char *raw;
	char *version;          /* "STSv1" */
	char *mode;             /* enforce, testing, none */
	struct strv mx;         /* mx: patterns */
	long max_age;           /* -1 when missing */
};

/* ---- Files under mailcow.dir ---- */

struct size_limits {
	struct part_error err;
	long long postfix_main;     /* message_size_limit in main.cf, bytes; -1 unset */
	long long postfix_extra;    /* in extra.cf (overrides main.cf); -1 unset */
	long long postfix;          /* effective from the files; -1 unknown */
	long long rspamd_max_message;   /* bytes; 50 MB (52428800) when unset */
	bool rspamd_set;
	long long av_max_size;      /* rspamd antivirus.conf max_size; -1 unset */
	long long clamav_stream_max;    /* StreamMaxLength; -1 unset */
	long long clamav_max_file;      /* MaxFileSize */
	long long clamav_max_scan;      /* MaxScanSize */
	struct strv sources;        /* "postfix_main=<path>", ... the files read */
};

struct roundcube_info {
	bool present;               /* the config file exists */
	struct part_error err;
	char *path;
	char *imap_host;            /* $config['imap_host'] (or legacy default_host) */
	bool has_conn_options;
	bool verify_peer_off;       /* imap_conn_options ssl verify_peer => false */
	bool verify_peer_name_off;
};

/* The global relayhost of Postfix: extra.cf overrides main.cf (data/conf/postfix/). */
struct postfix_relay {
	struct part_error err;      /* a file that exists but cannot be read */
	char *relayhost;            /* "[smtp.mxroute.com]:587"; NULL when unset or empty */
	char *file;                 /* the file it came from */
};

/* ---- outbound.ip ---- */

struct outbound_state {
	char *ip;                   /* outbound.ip; NULL = no outbound checks */
	struct dns_answer ptr;      /* PTR of <reversed>.in-addr.arpa or the ip6.arpa nibble name */
	struct dns_answer forward;  /* A (AAAA for IPv6) of the first PTR name; DNS_NOT_ASKED without one */
	struct dns_answer *dnsbl;   /* A of <reversed>.<zone>, one per outbound.dnsbl zone, in order */
	size_t n_dnsbl;
};
void outbound_state_free(struct outbound_state *o);

/* ---- The snapshot ---- */

struct snap_domain {
	char *name;
	const struct mc_domain *mc;     /* borrowed from mailcow.domains; NULL if not in MailCow */
	struct mc_dkim dkim;            /* GET /api/v1/get/dkim/<d> */
	struct domain_dns dns;
	struct mta_sts_policy policy;
};

struct snapshot {
	time_t started_at, finished_at;
	long duration_ms;
	char *site;
	struct docker_state docker;
	struct mailcow_state mailcow;
	struct snap_domain *domains;    /* the watched domains, sorted by name */
	size_t n_domains;
	struct part_error dns_err;      /* the resolver as a whole (dns.resolver) */
	char *resolver;                 /* "127.0.0.1:5353" or "system" */
	struct size_limits limits;
	struct roundcube_info roundcube;
	struct postfix_relay postfix_relay;
	struct outbound_state outbound;
	/* dns.resolver: one probe per server of dns.servers (the system resolver: one), in order */
	struct dns_answer *resolver_probes;
	size_t n_resolver_probes;
};

void snapshot_free(struct snapshot *s);
void mc_dkim_free(struct mc_dkim *d);
void mc_queue_free(struct mc_qitem *q, size_t n);
/* Frees what a mailcow_state holds and zeroes it. */
void mailcow_state_free(struct mailcow_state *m);
void domain_dns_free(struct domain_dns *d);
/* The error of a whole source, or NULL when it was collected (borrowed). */
const struct part_error *snapshot_source_error(const struct snapshot *s, enum source src);
/* Lookups; NULL when absent. */
const struct container *snapshot_container(const struct snapshot *s, const char *service);
const struct snap_domain *snapshot_domain(const struct snapshot *s, const char *name); /* case-insensitive */
const struct mc_domain *snapshot_mc_domain(const struct snapshot *s, const char *name);
/* The whole snapshot as JSON (what `mcon snapshot --json` prints; never a secret).
 * Declared here without jansson: returns a json_t * (core/snapshot_json.c). */
struct json_t;
struct json_t *snapshot_to_json(const struct snapshot *s);

#endif
