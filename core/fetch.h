/* fetch: one event loop for a refresh, curl multi for every HTTP request (Docker over
 * its unix socket, MailCow, MTA-STS) with a c-ares channel polled in the same wait, so
 * all of a snapshot's requests run concurrently. Requests may add further requests
 * from their completion callbacks (list, then inspect each). Not thread-safe: one
 * fetcher per thread. */
#ifndef MCON_FETCH_H
#define MCON_FETCH_H

#include <stdbool.h>
#include <stddef.h>

struct fetcher;

struct fetch_result {
	int curl_code;          /* 0 (CURLE_OK) or the transport error */
	long status;            /* HTTP status; 0 when no response */
	char *body;             /* NUL-terminated, never NULL */
	size_t len;
	bool too_big;           /* the body exceeded max_bytes and the transfer was stopped */
	char *error;            /* transport error text ("Connection refused", "timed out after 5000 ms",
	                           "SSL certificate problem: ..."), NULL on success */
	char *api_version;      /* the Api-Version response header (Docker), or NULL */
	char *content_type;     /* or NULL */
	long elapsed_ms;
	int os_errno;           /* errno of a failed connect (CURLINFO_OS_ERRNO), else 0 */
};

struct fetch_opts {
	const char *method;         /* NULL = GET */
	const char *url;
	const char *unix_socket;    /* connect through this unix socket (Docker) */
	const char *const *headers; /* NULL-terminated "Name: value" list, copied */
	const char *body;           /* request body (copied), sent with the given method */
	size_t body_len;
	long timeout_ms;            /* whole transfer; 0 = none (streams) */
	long connect_timeout_ms;    /* 0 = timeout_ms */
	size_t max_bytes;           /* 0 = 16 MiB */
	const char *ca_file;        /* PEM bundle to verify against; NULL = system CAs */
	bool insecure;              /* skip the certificate chain's verification (the host name is still checked) */
	const char *pubkey_pin;     /* "sha256//BASE64[;...]": the server's public key must match; the chain
	                               is then not required (curl's CURLOPT_PINNEDPUBLICKEY) */
	const char *cert_file;      /* PEM client certificate (Docker over TLS), with key_file */
	const char *key_file;
	const char *resolve;        /* CURLOPT_RESOLVE entry "host:port:address" (pins DNS) */
	/* Streaming (Docker events, logs follow): each received block is passed here and
	 * not kept in the result; return false to stop the transfer. */
	bool (*on_data)(const char *p, size_t n, void *ud);
	/* Called once when the transfer ends, from inside fetcher_step(); the result
	 * is freed after the callback returns (steal fields by setting them to NULL). */
	void (*done)(struct fetch_result *r, void *ud);
	/* Called instead of done when fetcher_free() abandons the transfer in flight (a
	 * deadline passed, the console quit), so that ud can be released. May be NULL. */
	void (*cancelled)(void *ud);
	void *ud;
};

struct config;
/* The TLS settings of a MailCow API request from the configuration: mailcow.ca_file,
 * mailcow.tls_verify and mailcow.pin. Every MailCow request sets them through this. */
void fetch_opts_mailcow_tls(struct fetch_opts *o, const struct config *cfg);

struct fetcher *fetcher_new(void);
/* Aborts whatever is in flight (calling no callbacks) and frees. */
void fetcher_free(struct fetcher *f);

/* Starts a request; 0 or -1 (bad options: the done callback is then not called). */
int fetcher_add(struct fetcher *f, const struct fetch_opts *o);

/* The c-ares channel whose sockets the loop also waits on (owned by the caller, may be
 * NULL), and a count of outstanding DNS queries the loop must wait for. */
void fetcher_set_ares(struct fetcher *f, void *ares_channel);
void fetcher_dns_hold(struct fetcher *f);
void fetcher_dns_release(struct fetcher *f);

/* One iteration: waits at most timeout_ms for activity (curl or DNS, or the wake
 * file descriptor), processes it and runs completion callbacks. Returns the number of
 * requests and DNS queries still outstanding. */
int fetcher_step(struct fetcher *f, int timeout_ms);
/* Runs until nothing is outstanding or deadline_ms (a monotonic ms from fetch_now_ms())
 * passes (0 = no deadline). Returns what is still outstanding. */
int fetcher_run(struct fetcher *f, long long deadline_ms);
/* At most this many HTTP transfers in flight at once (default 16); further ones wait in
 * a queue and their timeout starts when they do. Streams (on_data) are not counted. */
void fetcher_set_parallel(struct fetcher *f, int max_transfers);
/* An extra file descriptor that wakes fetcher_step (e.g. a pipe the UI writes to). */
void fetcher_set_wake_fd(struct fetcher *f, int fd);

/* Transfers finished so far (any outcome) and the sum of their times, each from its
 * start (not from when it was queued). */
void fetcher_stats(const struct fetcher *f, int *finished, long long *total_ms);

/* HTTP transfers (started or queued) and DNS queries outstanding. */
void fetcher_counts(const struct fetcher *f, int *http, int *dns);

long long fetch_now_ms(void); /* CLOCK_MONOTONIC in ms */

#endif
