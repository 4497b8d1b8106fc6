/* httpsrv: an in-process HTTP(S) server on a loopback port for tests and the bench
 * (libmicrohttpd with GnuTLS, one thread per connection so a handler may sleep). */
#ifndef MCON_HTTPSRV_H
#define MCON_HTTPSRV_H

#include <stdbool.h>
#include <stddef.h>

struct http_req {
	const char *method, *url, *host;
	const char *api_key;        /* X-API-Key or NULL */
	const char *content_type;   /* or NULL */
	const char *body;           /* POST body (NUL-terminated), or "" */
	size_t body_len;
};

enum http_mode {
	HTTP_NORMAL,
	HTTP_TRUNCATE,      /* announce twice the body's length, send half of it, drop the connection */
	HTTP_HUGE,          /* stream huge_bytes of JSON-ish filler */
};

struct http_resp {
	int status;             /* 0 = 200 */
	char *body;             /* owned (freed by the server) */
	size_t len;             /* 0 = strlen(body) */
	const char *content_type;
	const char *location;
	int delay_ms;           /* sleep before answering */
	enum http_mode mode;
	size_t huge_bytes;
};

typedef void (*http_handler)(const struct http_req *req, struct http_resp *resp, void *ud);

/* TLS when cert_pem/key_pem are given. NULL on failure (message on stderr). */
struct httpsrv *httpsrv_start(const char *cert_pem, const char *key_pem, http_handler h, void *ud);
int httpsrv_port(const struct httpsrv *s);
int httpsrv_requests(const struct httpsrv *s); /* answered so far */
void httpsrv_stop(struct httpsrv *s);

/* A loopback TCP port nothing listens on (bound, then closed). */
int closed_port(void);

#endif
