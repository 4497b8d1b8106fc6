/* httpsrv: libmicrohttpd in thread-per-connection mode on a socket we bind ourselves. */
#include "tests/support/httpsrv.h"
#include "core/util.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

struct httpsrv {
	struct MHD_Daemon *d;
	int port;
	http_handler h;
	void *ud;
	int requests;
	pthread_mutex_t lock;
};

struct upload {
	struct buf body;
};

static int bind_loopback(int *port)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	int one = 1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof(a);
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 || getsockname(fd, (struct sockaddr *)&a, &len) < 0) {
		close(fd);
		return -1;
	}
	*port = ntohs(a.sin_port);
	return fd;
}

int closed_port(void)
{
	int port = 0;
	int fd = bind_loopback(&port);
	if (fd >= 0)
		close(fd);
	return port;
}

struct stream {
	size_t total, sent_limit;   /* bytes to announce / to actually send */
	char *data;                 /* for TRUNCATE: the body; for HUGE: NULL (filler) */
};

static ssize_t stream_read(void *cls, uint64_t pos, char *out, size_t max)
{
	struct stream *st = cls;
	if (pos >= st->sent_limit)
		return MHD_CONTENT_READER_END_WITH_ERROR;
	size_t n = st->sent_limit - (size_t)pos;
	if (n > max)
		n = max;
	if (st->data) {
		memcpy(out, st->data + pos, n);
	} else {
		for (size_t i = 0; i < n; i++)
			out[i] = (pos + i) == 0 ? '[' : (pos + i) % 64 == 63 ? '\n' : ' ';
	}
	return (ssize_t)n;
}

static void stream_free(void *cls)
{
	struct stream *st = cls;
	free(st->data);
	free(st);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
				  const char *version, const char *upload_data, size_t *upload_data_size, void **con_cls)
{
	(void)version;
	struct httpsrv *s = cls;
	struct upload *up = *con_cls;
	if (!up) {
		*con_cls = xcalloc(1, sizeof(*up));
		return MHD_YES;
	}
	if (*upload_data_size) {
		buf_append(&up->body, upload_data, *upload_data_size);
		*upload_data_size = 0;
		return MHD_YES;
	}
	struct http_req req = {
		.method = method,
		.url = url,
		.host = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Host"),
		.api_key = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "X-API-Key"),
		.content_type = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Content-Type"),
		.body = buf_cstr(&up->body),
		.body_len = up->body.len,
	};
	struct http_resp resp = {0};
	s->h(&req, &resp, s->ud);
	if (resp.delay_ms > 0) {
		struct timespec ts = {resp.delay_ms / 1000, (long)(resp.delay_ms % 1000) * 1000000L};
		while (nanosleep(&ts, &ts) != 0)
			;
	}
	size_t len = resp.body ? (resp.len ? resp.len : strlen(resp.body)) : 0;
	struct MHD_Response *r;
	if (resp.mode == HTTP_TRUNCATE || resp.mode == HTTP_HUGE) {
		struct stream *st = xcalloc(1, sizeof(*st));
		if (resp.mode == HTTP_TRUNCATE) {
			st->total = len * 2 + 16;
			st->sent_limit = len / 2;
			st->data = resp.body;
			resp.body = NULL;
		} else {
			st->total = st->sent_limit = resp.huge_bytes;
		}
		r = MHD_create_response_from_callback(st->total, 64 * 1024, stream_read, st, stream_free);
	} else {
		r = MHD_create_response_from_buffer(len, resp.body ? resp.body : (char *)"", MHD_RESPMEM_MUST_COPY);
	}
	MHD_add_response_header(r, "Content-Type", resp.content_type ? resp.content_type : "application/json");
	if (resp.location)
		MHD_add_response_header(r, "Location", resp.location);
	enum MHD_Result rc = MHD_queue_response(conn, resp.status ? (unsigned)resp.status : 200u, r);
	MHD_destroy_response(r);
	free(resp.body);
	pthread_mutex_lock(&s->lock);
	s->requests++;
	pthread_mutex_unlock(&s->lock);
	return rc;
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls, enum MHD_RequestTerminationCode toe)
{
	(void)cls;
	(void)conn;
	(void)toe;
	struct upload *up = *con_cls;
	if (up) {
		buf_free(&up->body);
		free(up);
		*con_cls = NULL;
	}
}

struct httpsrv *httpsrv_start(const char *cert_pem, const char *key_pem, http_handler h, void *ud)
{
	struct httpsrv *s = xcalloc(1, sizeof(*s));
	s->h = h;
	s->ud = ud;
	pthread_mutex_init(&s->lock, NULL);
	int fd = bind_loopback(&s->port);
	if (fd < 0 || listen(fd, 64) < 0) {
		perror("httpsrv: bind/listen");
		free(s);
		return NULL;
	}
	unsigned flags = MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD;
	if (cert_pem)
		flags |= MHD_USE_TLS;
	if (cert_pem)
		s->d = MHD_start_daemon(flags, 0, NULL, NULL, on_request, s, MHD_OPTION_LISTEN_SOCKET, fd,
					MHD_OPTION_NOTIFY_COMPLETED, on_completed, s, MHD_OPTION_HTTPS_MEM_CERT, cert_pem,
					MHD_OPTION_HTTPS_MEM_KEY, key_pem, MHD_OPTION_CONNECTION_TIMEOUT, 30u,
					MHD_OPTION_END);
	else
		s->d = MHD_start_daemon(flags, 0, NULL, NULL, on_request, s, MHD_OPTION_LISTEN_SOCKET, fd,
					MHD_OPTION_NOTIFY_COMPLETED, on_completed, s, MHD_OPTION_CONNECTION_TIMEOUT, 30u,
					MHD_OPTION_END);
	if (!s->d) {
		fprintf(stderr, "httpsrv: MHD_start_daemon failed\n");
		close(fd);
		free(s);
		return NULL;
	}
	return s;
}

int httpsrv_port(const struct httpsrv *s)
{
	return s->port;
}

int httpsrv_requests(const struct httpsrv *s)
{
	struct httpsrv *m = (struct httpsrv *)s;
	pthread_mutex_lock(&m->lock);
	int n = m->requests;
	pthread_mutex_unlock(&m->lock);
	return n;
}

void httpsrv_stop(struct httpsrv *s)
{
	if (!s)
		return;
	MHD_stop_daemon(s->d);
	pthread_mutex_destroy(&s->lock);
	free(s);
}
