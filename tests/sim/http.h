/* mcon-sim HTTP plumbing: one libmicrohttpd daemon per backend (thread per connection,
 * so a delay or a never-ending stream only holds its own connection), with the request
 * body collected and the switchable faults applied around the backend's handler. */
#ifndef MCON_SIM_HTTP_H
#define MCON_SIM_HTTP_H

#include <microhttpd.h>

#include "tests/sim/sim.h"

struct http_req {
	struct MHD_Connection *conn;
	struct http_server *srv;
	const char *url, *method, *version;
	struct buf body;
	size_t body_total;
};

struct http_resp {
	unsigned status;
	struct buf body;
	const char *ctype;
	struct strv hdrs;            /* name, value, name, value ... */
	struct MHD_Response *raw;    /* prebuilt response (streams, upgrade); wins over body */
	bool drop;                   /* close the connection without an answer */
	bool close;                  /* Connection: close after the answer */
};

typedef void (*http_handler)(struct http_req *rq, struct http_resp *rs);

struct http_server {
	enum backend be;
	http_handler handler;
	/* fills the answer to an injected status fault, the way this service words it */
	void (*status_body)(unsigned status, struct http_resp *rs);
	struct MHD_Daemon *d;
	char *unix_path;             /* unix socket, or NULL for TCP on 127.0.0.1 */
	int port;
	unsigned flags;              /* extra MHD flags (TLS, upgrade) */
	bool sni;                    /* TLS certificate chosen by SNI (MTA-STS) */
	volatile int stopping;
};

int http_server_start(struct http_server *s, char **err);
void http_server_stop(struct http_server *s);

const char *http_arg(struct http_req *rq, const char *name);
const char *http_header(struct http_req *rq, const char *name);
void http_add_header(struct http_resp *rs, const char *name, const char *value);
/* Sets a JSON body (takes the reference); flags are jansson dump flags. */
void http_json(struct http_resp *rs, unsigned status, json_t *j, size_t flags);
void http_text(struct http_resp *rs, unsigned status, const char *ctype, const char *text);
/* Waits up to ms for a new event or shutdown; false when the client hung up or the server stops. */
bool http_stream_alive(struct http_req *rq);
bool http_conn_alive(struct MHD_Connection *conn, struct http_server *s);

#endif
