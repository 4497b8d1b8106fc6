/* mcon-sim: the stack simulator's shared state. One process serves the Docker Engine API,
 * the MailCow API, MTA-STS policies and DNS from one scenario; every backend reads and
 * changes the state below under sim.lock. */
#ifndef MCON_SIM_H
#define MCON_SIM_H

#include <jansson.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/util.h"

#define SIM_API_MAX "1.47"
#define SIM_API_MIN "1.24"
#define SIM_ENGINE_VERSION "27.3.1"

/* A growable array of owned pointers. */
struct ptrv {
	void **v;
	size_t n, cap;
};
void ptrv_push(struct ptrv *p, void *item);
void ptrv_remove(struct ptrv *p, size_t i); /* keeps order */

enum backend { BE_DOCKER, BE_MAILCOW, BE_MTASTS, BE_DNS, BE_COUNT };
extern const char *const backend_names[BE_COUNT];

enum fault_kind {
	F_DOWN, F_RESET, F_SLOW, F_STATUS, F_MALFORMED, F_TRUNCATED, F_OVERSIZED, F_CUT,
	F_TIMEOUT, F_SERVFAIL, F_REFUSED, F_BADID,
};

struct fault {
	enum backend be;
	enum fault_kind kind;
	long value;   /* ms for slow, status code, bytes for oversized */
	char *match;  /* path prefix (HTTP) or name suffix (DNS); NULL = everything */
};

/* ---- Docker ---- */
struct sim_net {
	char *name, *id, *driver, *scope, *subnet, *gateway, *created;
	bool attachable, internal, ingress;
	json_t *labels;     /* object */
	json_t *options;    /* object */
	int next_host;      /* next automatic address in the subnet */
};

struct sim_endpoint {
	struct sim_net *net;
	char *ip, *mac, *endpoint_id;
	struct strv aliases;
	bool fixed_ip;
};

struct sim_logline {
	int64_t t_ns;
	int stream; /* 1 stdout, 2 stderr */
	char *text; /* without newline */
};

struct sim_container {
	char *service, *name, *id, *image, *image_id, *path, *hostname;
	struct strv args;           /* Args (Cmd without Path) */
	json_t *labels;             /* object, complete */
	json_t *ports;              /* array of {IP,PrivatePort,PublicPort,Type} */
	json_t *healthcheck;        /* Config.Healthcheck object or NULL */
	char *state;                /* created running paused restarting exited dead */
	char *health;               /* NULL (no healthcheck), starting, healthy, unhealthy */
	int failing_streak;
	char *health_output;        /* output of a failing probe */
	bool health_pinned;         /* set by the control channel: no automatic change */
	int exit_code, pid, restart_count;
	int64_t created_ns, started_ns, finished_ns; /* finished 0 = never */
	bool tty;
	char *restart_policy;
	char *network_mode;         /* "host" or the first network's name */
	struct ptrv endpoints;      /* struct sim_endpoint */
	struct ptrv logs;           /* struct sim_logline */
	struct strv exec_ids;
};

struct sim_exec {
	char *id;
	struct sim_container *c;
	struct strv cmd;
	bool tty, running, attach_stdout, attach_stderr;
	int exit_code, pid;
};

/* ---- MailCow ---- */
struct sim_domain {
	char *name, *description, *created, *modified;
	bool active, backupmx, gal, relay_all, relay_unknown;
	long relayhost;             /* 0 = none */
	long max_aliases, max_mailboxes;
	int64_t def_quota, max_quota, quota;  /* bytes */
	int64_t bytes_total, msgs_total;
	json_t *tags;               /* array or NULL */
	/* DKIM as held by MailCow (Redis), NULL pubkey = none */
	char *dkim_selector, *dkim_pubkey;
	int dkim_bits;
	/* MTA-STS as held by MailCow; sts_mode NULL = none */
	char *sts_version, *sts_mode, *sts_mx, *sts_id;
	long sts_max_age;
	bool sts_active;
};

struct sim_mailbox {
	char *username, *name, *domain, *created, *modified;
	bool active;
	int64_t quota, quota_used, messages;
	long last_imap_login;
};

struct sim_alias {
	long id;
	char *address, *go_to, *domain, *public_comment, *private_comment, *created, *modified;
	int active, sogo_visible, sender_allowed, internal;
};

struct sim_relayhost {
	long id;
	char *hostname, *username, *password;
	int active;
};

struct sim_qitem {
	char *queue_name, *queue_id, *sender;
	long arrival;
	long size;
	struct strv recipients;
};

/* ---- DNS ---- */
struct sim_rr {
	char *name;   /* lower case, absolute (trailing dot) */
	int type;     /* ldns_rr_type */
	char *text;   /* presentation form of the whole record */
	void *rr;     /* ldns_rr * */
};

/* DNS records a domain carries, as written in the scenario (also the auto_publish template). */
struct dns_shorthand {
	struct strv mx, txt;
	char *dmarc, *tls_rpt, *mta_sts;
	json_t *dkim;       /* object selector -> value ("=mailcow" = MailCow's key) */
	bool mta_sts_host;  /* mta-sts.<domain> CNAME <hostname> */
	bool autodiscover;
};

struct planted {
	char *check, *target;
};

struct http_server;

struct sim {
	pthread_mutex_t lock;
	char *dir, *scenario_name;
	long latency_ms;
	int64_t boot_ns;

	/* scenario */
	char *site, *project, *working_dir, *compose_version, *hostname, *mailcow_version;
	json_t *config;             /* extra mcon.conf keys: "section.key" -> string */
	struct ptrv nets, containers, execs;
	struct ptrv domains, mailboxes, aliases, relayhosts, mailq;
	json_t *logs;               /* object kind -> array (newest first) */
	long next_alias_id;
	struct ptrv planted;
	bool auto_publish;
	struct dns_shorthand publish;   /* template with {domain} */
	json_t *limits;             /* the size limits object (see files.c) */
	json_t *roundcube;          /* object or NULL */

	/* DNS */
	struct strv zones;          /* absolute, lower case */
	struct ptrv rrs;
	int dns_port;

	/* events */
	pthread_cond_t ev_cond;
	json_t *ev_ring[256];
	int64_t ev_time[256];
	uint64_t ev_seq;            /* number of events ever emitted */

	/* faults */
	struct ptrv faults;

	/* TLS */
	char *ca_pem;               /* written to DIR/ca.pem */
	void *ca_crt, *ca_key;      /* gnutls_x509_crt_t / gnutls_x509_privkey_t */
	char *api_cert_pem, *api_key_pem;
	struct ptrv sni_certs;      /* cached MTA-STS certificates */

	/* keys */
	char api_key_rw[40], api_key_ro[40];
	long api_requests, api_rejected;   /* API calls, and those refused for their key (control: stats) */

	struct http_server *servers[BE_COUNT];
	long requests[BE_COUNT];    /* requests served per backend (control `count BACKEND`) */
	volatile int stopping;
};

extern struct sim sim;

/* clock.c-like helpers (state.c) */
int64_t sim_now_ns(void);
void fmt_time_ns(int64_t ns, char out[48]);     /* RFC 3339 with trimmed nanoseconds, Go style */
void fmt_human_duration(int64_t secs, char out[48]); /* Docker's units.HumanDuration */
void sha256_hex(const char *s, char out[65]);
void random_hex(char *out, size_t nhex);
char *path_join(const char *a, const char *b);

/* state.c */
struct sim_container *container_find(const char *ref);    /* id, id prefix, name, /name, service */
struct sim_net *net_find(const char *ref);
struct sim_domain *domain_find(const char *name);
struct sim_exec *exec_find(const char *id);
void container_free(struct sim_container *c);
void net_free(struct sim_net *n);
void endpoint_free(struct sim_endpoint *e);
struct sim_endpoint *endpoint_add(struct sim_container *c, struct sim_net *n, const char *ip, const struct strv *aliases);
void container_add_log(struct sim_container *c, int64_t t_ns, int stream, const char *text);
json_t *container_event_attrs(const struct sim_container *c);
void event_emit_container(struct sim_container *c, const char *action, json_t *extra_attrs, int64_t t_ns);
void event_emit_network(struct sim_net *n, const char *action, const struct sim_container *c, int64_t t_ns);
void event_push(json_t *ev, int64_t t_ns);  /* takes the reference */
/* Container state changes driven by the control channel; return NULL or an error. */
const char *container_action(struct sim_container *c, const char *action, const char *arg);
void sim_free_state(void);
/* Turns health checks that are starting into healthy after a few seconds. */
void state_tick(void);
/* A copy of a JSON object with its keys in sorted order, as Go marshals maps. */
json_t *json_sorted(json_t *obj);

/* scenario.c: parse the scenario into sim; returns 0 or -1 with *err = "file: .path: message" */
int scenario_load(const char *text, const char *name, char **err);
void shorthand_free(struct dns_shorthand *s);
/* Publishes a domain's shorthand records ({domain} replaced); 0 or -1 with *err. */
enum { PUB_BASE = 1, PUB_STS = 2, PUB_ALL = 3 };
int shorthand_publish(const struct dns_shorthand *s, const char *domain, int parts, char **err);

/* dns.c */
int dns_add_record(const char *name, int ttl, const char *type, const char *data, char **err);
int dns_add_txt(const char *name, int ttl, const char *value); /* splits at 255 */
int dns_del_records(const char *name, const char *type, const char *data); /* number removed */
void dns_ensure_zone(const char *name);
int dns_start(char **err);
void dns_stop(void);
void dns_sync(void);    /* returns once the DNS thread has applied the current "down" fault */
void dns_free(void);
char *dkim_txt_value(const struct sim_domain *d); /* v=DKIM1;k=rsa;t=s;s=email;p=... */

/* tls.c */
int tls_init(char **err);
void tls_free(void);
void *tls_cert_callback(void);  /* gnutls_certificate_retrieve_function2 * for MTA-STS */
/* Generates an RSA key and returns its base64 SPKI (the DKIM p= value). */
char *tls_rsa_spki_b64(int bits);
char *base64_encode(const unsigned char *p, size_t n);

/* files.c */
int files_write(char **err);
/* The value of a Postfix parameter as postconf would print it (extra.cf over main.cf). */
char *postfix_param(const char *name);

/* faults (http.c) */
const char *fault_parse(const char *const *argv, int argc, bool *cleared);
void fault_describe(struct buf *out);
struct fault *fault_match(enum backend be, const char *subject, enum fault_kind kind);
long fault_delay_ms(enum backend be, const char *subject);
/* How many requests to an HTTP backend a slow fault holds now (ctl "held BACKEND"); an error
 * text for a name that is not an HTTP backend. */
const char *fault_held(const char *backend, int *n);
void fault_free_all(void);
/* Stops or restarts the HTTP backends whose 'down' fault changed (without sim.lock held). */
void faults_apply_down(void);

/* servers */
int docker_start(char **err);
void docker_free(void);
int mailcow_start(char **err);
int mtasts_start(char **err);
int backend_set_down(enum backend be, bool down, char **err);
void servers_stop(void);
int control_start(char **err);
void control_stop(void);
int control_client(const char *dir, int argc, char **argv);

/* mailcow.c: the API log and container status are shared with docker state */
void mailcow_log_api(const char *method, const char *uri, const char *data);

#endif
