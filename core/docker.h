/* docker: the Docker Engine API client (unix:// or tcp://, over the fetch loop): version
 * negotiation, the compose project's containers, inspect, networks, exec of postconf,
 * the /events stream and logs. The JSON and stream parsers are pure and exported for tests. */
#ifndef MCON_DOCKER_H
#define MCON_DOCKER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>
#include "core/config.h"
#include "core/fetch.h"
#include "core/snapshot.h"
#include "core/util.h"

#define DOCKER_API_MAX "1.47"       /* the API this client is written against */
#define DOCKER_API_MIN "1.41"       /* Docker 20.10; older daemons are refused */
#define DOCKER_API_ASSUMED "1.24"   /* what a daemon without an Api-Version header speaks */
#define DOCKER_TIMEOUT_MS 10000     /* per request */

/* ---- Endpoint and version ---- */

struct docker_endpoint {
	char *host;         /* docker.host as given */
	char *unix_socket;  /* the socket path for unix://, else NULL */
	char *base_url;     /* "http://localhost" (unix), "http://host:port" or "https://host:port" (tcp) */
	/* set by docker_endpoint_open for tcp:// */
	char *ca_file, *cert_file, *key_file; /* DOCKER_CERT_PATH's ca.pem, cert.pem, key.pem when present */
	bool insecure;      /* DOCKER_TLS without DOCKER_TLS_VERIFY: the server's certificate is not checked */
	char *resolve;      /* CURLOPT_RESOLVE pin of the host name through dns.servers */
};
/* Parses unix:///path or tcp://host[:port] (port 2375 by default); -1 with *err. */
int docker_endpoint_parse(const char *host, struct docker_endpoint *ep, char **err);
/* docker.host as the docker CLI takes it (core/docker_tls.c): parsed, TLS from DOCKER_TLS_VERIFY
 * / DOCKER_TLS and DOCKER_CERT_PATH (default port 2376 then), the host name resolved through
 * dns.servers, and plain tcp:// to a host other than loopback refused unless
 * docker.allow_plain_tcp. -1 with *err. */
int docker_endpoint_open(const struct config *cfg, struct docker_endpoint *ep, char **err);
/* Sets the connection fields of a request to ep (socket, TLS files, pin). */
void docker_endpoint_fetch_opts(const struct docker_endpoint *ep, struct fetch_opts *o);
void docker_endpoint_free(struct docker_endpoint *ep);

/* "1.41" into its numbers; false unless MAJOR.MINOR digits. */
bool docker_version_parse(const char *s, int *major, int *minor);
/* Numeric comparison (1.9 < 1.41); an unparsable version sorts first. */
int docker_version_cmp(const char *a, const char *b);
/* The version to speak given the daemon's Api-Version header (NULL or "" when absent: 1.24
 * is assumed): min(header, DOCKER_API_MAX), refused below DOCKER_API_MIN. Returns 0 with
 * *version (caller frees), or -1 with *err (caller frees). */
int docker_negotiate(const char *api_version_header, char **version, char **err);

/* "HTTP 404: No such container: x" from a Docker error response: the JSON "message" when the
 * body is one, else the body itself (version errors are plain text), cut and made printable. */
char *docker_error_text(long status, const char *body);

/* What a failed connect to the daemon means, with the hint an admin needs:
 * "cannot connect to unix:///var/run/docker.sock: No such file or directory (is Docker running?
 * set docker.host)". os_errno from the fetch result (0 = use curl_error). */
char *docker_connect_error(const char *host, int os_errno, const char *curl_error);

/* ---- Collection ---- */

/* Starts the requests of a refresh on f: ping and negotiate, list the project's containers
 * (all=1, by compose label), inspect each, look up every network they are attached to, and
 * exec `postconf -h message_size_limit` in postfix-mailcow. *out (zeroed by the caller) is
 * complete when fetcher_run() returns; a part that failed carries its error (out->err for
 * the whole source, postfix_exec_err for the exec, container.inspect_err per container).
 * If the fetcher is freed first, out->err says the collection did not finish. */
void docker_collect(struct fetcher *f, const struct config *cfg, struct docker_state *out);
/* docker_collect for a scoped run: without postfix_exec the postconf exec (only the size
 * limits check reads it) is skipped and postfix_exec_err says it was not collected. */
void docker_collect_scoped(struct fetcher *f, const struct config *cfg, struct docker_state *out, bool postfix_exec);
void docker_state_free(struct docker_state *d);
void docker_container_free(struct container *c);
void docker_network_free(struct network *n);

/* ---- Pure parsers (the JSON of the Engine API) ---- */

/* GET /containers/json: the containers whose com.docker.compose.project label equals project
 * (all when project is NULL). *out is allocated (caller frees each and the array). */
int docker_parse_list(const char *json, const char *project, struct container **out, size_t *n, char **err);
/* GET /containers/{id}/json into c. Fields already set (from the list) are replaced by
 * the inspect's; status_text is kept. Podman's quirks are accepted (Health {"Status":""} is
 * none, NetworkID holding the name). */
int docker_parse_inspect(const char *json, struct container *out, char **err);
/* GET /networks/{name} and GET /networks. */
int docker_parse_network(const char *json, struct network *out, char **err);
int docker_parse_networks(const char *json, struct network **out, size_t *n, char **err);
/* GET /exec/{id}/json. */
int docker_parse_exec_inspect(const char *json, bool *running, int *exit_code, char **err);
/* The health shown in a list Status ("Up 3 minutes (unhealthy)", "(health: starting)"). */
enum health docker_health_from_status(const char *status_text);
/* "", "starting", "healthy", "unhealthy" (Docker's and podman's State.Health.Status). */
enum health docker_health_parse(const char *s);

/* ---- Multiplexed streams (exec and logs without a TTY) ----
 * Each frame: 8-byte header {stream, 0, 0, 0, size as uint32 big-endian}, then size bytes;
 * stream 0 stdin, 1 stdout, 2 stderr. Frames straddle reads: the demuxer keeps state. */
struct docker_demux {
	unsigned char hdr[8];
	size_t hdr_len;     /* header bytes collected so far */
	int stream;         /* of the frame being read */
	uint32_t left;      /* payload bytes still to come */
	bool bad;           /* an invalid header was seen: not a multiplexed stream */
};
/* Feeds n bytes; emit() gets each piece of payload with its stream. -1 once a header is
 * invalid (then nothing more is emitted). */
int docker_demux_feed(struct docker_demux *d, const char *p, size_t n,
                      void (*emit)(int stream, const char *p, size_t n, void *ud), void *ud);
/* Whether the stream ended on a frame boundary. */
bool docker_demux_complete(const struct docker_demux *d);
/* A whole body: stdout and stderr payloads appended to out/err (either may be NULL). 0, or
 * -1 when a header is invalid or the last frame is cut short. */
int docker_frames_demux(const char *p, size_t n, struct buf *out, struct buf *err);

/* ---- Events ---- */

/* One event, valid during the callback only (the strings point into the parsed object). */
struct docker_event {
	const char *type;       /* container, network, ...; "stream" for the end of the stream */
	const char *action;     /* "start", "die", "health_status: healthy", "connect", ... */
	const char *actor_id;   /* container id; for network events the network id (Docker) */
	const char *const *attr_keys;   /* Actor.Attributes, n_attrs pairs */
	const char *const *attr_values;
	size_t n_attrs;
	const char *project;    /* com.docker.compose.project, or NULL */
	const char *service;    /* com.docker.compose.service, or NULL */
	const char *name;       /* the container name (container events), the network name (network
	                           events; podman gives the container name there) */
	const char *container;  /* the container concerned: actor id, or the "container" attribute
	                           of a network event */
	bool is_health;         /* a health_status event */
	enum health health;     /* its status (from the action, or podman's HealthStatus) */
	time_t time;
	long long time_nano;
	const char *error;      /* type "stream": why the stream ended (NULL when it just closed) */
	const char *raw;        /* the object's JSON text */
	size_t raw_len;
};
const char *docker_event_attr(const struct docker_event *ev, const char *key);

/* Incremental parser of the /events body: JSON objects, newline separated or not, that
 * straddle reads arbitrarily. */
struct docker_events {
	struct buf pending;     /* bytes not yet consumed */
	size_t scan;            /* how far pending has been scanned */
	size_t start;           /* offset of the object being scanned */
	int depth;
	bool in_string, escape;
	bool skip_line;         /* an oversized event was dropped: skip to the next newline */
	long errors;            /* objects that were not valid JSON, or too large */
	void (*on_event)(const struct docker_event *ev, void *ud);
	void *ud;
};
void docker_events_init(struct docker_events *e, void (*on_event)(const struct docker_event *, void *), void *ud);
/* Returns the number of events emitted by this chunk. */
int docker_events_feed(struct docker_events *e, const char *p, size_t n);
void docker_events_free(struct docker_events *e);
/* Parses one object and calls on_event; -1 when it is not a JSON object. */
int docker_event_parse(const char *json, size_t len, void (*on_event)(const struct docker_event *, void *), void *ud);

/* Streams GET /events?since=<now>&filters={"type":["container","network"]} on f and calls
 * on_event for the events of the configured compose project: container events by their
 * project label, network events (which carry no labels) when their container is one of the
 * project's (known from a list made at start and from later container events). When the
 * stream ends (daemon restarted, error) on_event gets one event of type "stream", action
 * "end" (with error set on failure); start another then. The stream lives until then or until
 * the fetcher is freed. api_version as negotiated (NULL: negotiate first). 0, or -1. */
int docker_events_start(struct fetcher *f, const struct config *cfg, const char *api_version,
                        void (*on_event)(const struct docker_event *, void *), void *ud);

/* ---- Logs ---- */

struct docker_log_line {
	int stream;         /* 1 stdout, 2 stderr, 0 unknown (a TTY merges both) */
	time_t time;        /* from the timestamps=1 prefix, 0 when absent */
	char *ts;           /* that prefix ("2026-11-29T23:53:31.496557492Z"), or NULL */
	char *text;         /* the line without its timestamp and newline (may hold any bytes but NUL) */
};
struct docker_logs {
	struct docker_log_line *lines;
	size_t n;
	char *error;        /* NULL on success */
};
/* Splits a logs body into lines: raw when tty (CRLF accepted), else multiplexed. */
int docker_logs_parse(const char *body, size_t len, bool tty, bool timestamps, struct docker_logs *out);
void docker_logs_free(struct docker_logs *l);
/* Starts GET /containers/{id}/logs?stdout=1&stderr=1&tail=N&timestamps=1 on f; done gets the
 * lines (owned by done, free with docker_logs_free), or their error. The framing follows tty
 * (the container's Config.Tty). api_version must be negotiated. 0, or -1. */
int docker_logs_start(struct fetcher *f, const struct config *cfg, const char *api_version,
                      const char *id, bool tty, int tail,
                      void (*done)(struct docker_logs *logs, void *ud), void *ud);
/* Synchronous (own fetcher): the last tail lines of a container (tail <= 0: 200). With
 * api_version NULL it negotiates first. 0, or -1 with out->error. */
int docker_logs(const struct config *cfg, const char *api_version, const char *id, bool tty, int tail,
                struct docker_logs *out);

/* Synchronous (own fetcher): POST /containers/{id}/restart (Docker stops it, waiting its
 * stop timeout, and starts it again; 204). 0, or -1 with *err. */
int docker_restart(const struct config *cfg, const char *id, char **err);
/* Follows a container's log (follow=1, tail=0: only what it writes from now on), calling
 * on_line for each complete line (stream 1 stdout, 2 stderr, 0 a TTY's; the timestamps=1
 * prefix kept, CR/NUL made harmless), until cancel_fd turns readable (0) or the stream ends
 * or fails (-1 with *err saying why). */
int docker_logs_follow(const struct config *cfg, const char *id, bool tty, int cancel_fd,
                       void (*on_line)(int stream, const char *line, void *ud), void *ud, char **err);

/* Synchronous inspect of one container (own fetcher). 0, or -1 with *err. */
int docker_inspect(const struct config *cfg, const char *api_version, const char *id,
                   struct container *out, char **err);

#endif
