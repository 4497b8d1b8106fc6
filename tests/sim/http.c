/* mcon-sim HTTP servers and faults: listening sockets, the libmicrohttpd daemons, request
 * bodies, latency, and the faults switched on through the control channel. */
#include "tests/sim/http.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define BODY_MAX (4u << 20)

const char *const backend_names[BE_COUNT] = {"docker", "mailcow", "mta-sts", "dns"};

/* ---------------------------------------------------------------- faults */

static const struct {
	const char *name;
	enum fault_kind kind;
	bool http, dns, needs_value;
} fault_kinds[] = {
	{"down", F_DOWN, true, true, false},
	{"reset", F_RESET, true, false, false},
	{"slow", F_SLOW, true, true, true},
	{"status", F_STATUS, true, false, true},
	{"malformed", F_MALFORMED, true, true, false},
	{"truncated", F_TRUNCATED, true, false, false},
	{"oversized", F_OVERSIZED, true, false, false},
	{"cut", F_CUT, true, false, true},
	{"timeout", F_TIMEOUT, false, true, false},
	{"servfail", F_SERVFAIL, false, true, false},
	{"refused", F_REFUSED, false, true, false},
	{"badid", F_BADID, false, true, false},
};

static const char *kind_name(enum fault_kind k)
{
	for (size_t i = 0; i < ARRAY_SIZE(fault_kinds); i++)
		if (fault_kinds[i].kind == k)
			return fault_kinds[i].name;
	return "?";
}

static void fault_free(struct fault *f)
{
	free(f->match);
	free(f);
}

static bool backend_parse(const char *s, enum backend *be)
{
	for (int i = 0; i < BE_COUNT; i++)
		if (strcmp(s, backend_names[i]) == 0) {
			*be = (enum backend)i;
			return true;
		}
	if (strcmp(s, "mtasts") == 0) {
		*be = BE_MTASTS;
		return true;
	}
	return false;
}

/* Removes faults of one backend (or all with be == BE_COUNT), optionally only one kind. */
static int faults_remove(enum backend be, int kind, const char *match)
{
	int n = 0;
	for (size_t i = 0; i < sim.faults.n;) {
		struct fault *f = sim.faults.v[i];
		if ((be == BE_COUNT || f->be == be) && (kind < 0 || (int)f->kind == kind) &&
		    (!match || (f->match && strcmp(f->match, match) == 0))) {
			fault_free(f);
			ptrv_remove(&sim.faults, i);
			n++;
		} else {
			i++;
		}
	}
	return n;
}

static bool backend_has_down(enum backend be)
{
	for (size_t i = 0; i < sim.faults.n; i++) {
		struct fault *f = sim.faults.v[i];
		if (f->be == be && f->kind == F_DOWN)
			return true;
	}
	return false;
}

/* fault BACKEND KIND [VALUE] [match=PREFIX] | fault BACKEND off | fault all off.
 * Called with sim.lock held; returns NULL or a static error. *changed_down says whether
 * a backend has to be stopped or restarted (the caller does it without the lock). */
const char *fault_parse(const char *const *argv, int argc, bool *cleared)
{
	*cleared = false;
	if (argc < 2)
		return "usage: fault BACKEND KIND [VALUE] [match=PREFIX] (see --help)";
	const char *match = NULL;
	if (argc >= 3 && str_starts_with(argv[argc - 1], "match=")) {
		match = argv[argc - 1] + 6;
		argc--;
		if (!*match)
			return "match= needs a value";
	}
	if (strcmp(argv[0], "all") == 0) {
		if (strcmp(argv[1], "off") != 0)
			return "only 'fault all off' is allowed for all backends";
		faults_remove(BE_COUNT, -1, NULL);
		*cleared = true;
		return NULL;
	}
	enum backend be;
	if (!backend_parse(argv[0], &be))
		return "unknown backend (docker, mailcow, mta-sts, dns, all)";
	if (strcmp(argv[1], "off") == 0) {
		if (argc == 3) {
			for (size_t i = 0; i < ARRAY_SIZE(fault_kinds); i++)
				if (strcmp(argv[2], fault_kinds[i].name) == 0) {
					faults_remove(be, (int)fault_kinds[i].kind, match);
					*cleared = true;
					return NULL;
				}
			return "unknown fault kind";
		}
		faults_remove(be, -1, match);
		*cleared = true;
		return NULL;
	}
	for (size_t i = 0; i < ARRAY_SIZE(fault_kinds); i++) {
		if (strcmp(argv[1], fault_kinds[i].name) != 0)
			continue;
		bool dns = be == BE_DNS;
		if ((dns && !fault_kinds[i].dns) || (!dns && !fault_kinds[i].http))
			return dns ? "that fault does not apply to dns (down timeout slow servfail refused badid malformed)"
				   : "that fault does not apply to an HTTP backend (down reset slow status malformed truncated oversized cut)";
		long value = 0;
		if (fault_kinds[i].needs_value || (fault_kinds[i].kind == F_OVERSIZED && argc >= 3)) {
			if (argc < 3)
				return fault_kinds[i].kind == F_SLOW ? "slow needs a delay in ms"
				       : fault_kinds[i].kind == F_CUT ? "cut needs a byte count"
								      : "status needs an HTTP code";
			char *end;
			value = strtol(argv[2], &end, 10);
			if (*end || value < 0)
				return "the value must be a whole number";
			if (fault_kinds[i].kind == F_STATUS && (value < 100 || value > 599))
				return "the status must be an HTTP code from 100 to 599";
			if (fault_kinds[i].kind == F_SLOW && value > 600000)
				return "the delay is at most 600000 ms";
		} else if (argc > 2) {
			return "this fault takes no value";
		}
		if (fault_kinds[i].kind == F_OVERSIZED && value == 0)
			value = 64L << 20;
		if (fault_kinds[i].kind == F_DOWN && match)
			return "down applies to the whole backend (no match=)";
		faults_remove(be, (int)fault_kinds[i].kind, match);
		struct fault *f = xcalloc(1, sizeof(*f));
		f->be = be;
		f->kind = fault_kinds[i].kind;
		f->value = value;
		f->match = xstrdup(match);
		ptrv_push(&sim.faults, f);
		return NULL;
	}
	return "unknown fault kind";
}

void fault_describe(struct buf *out)
{
	if (!sim.faults.n)
		buf_puts(out, "no faults");
	for (size_t i = 0; i < sim.faults.n; i++) {
		struct fault *f = sim.faults.v[i];
		buf_printf(out, "%s%s %s", i ? "; " : "", backend_names[f->be], kind_name(f->kind));
		if (f->kind == F_SLOW || f->kind == F_STATUS || f->kind == F_OVERSIZED || f->kind == F_CUT)
			buf_printf(out, " %ld", f->value);
		if (f->match)
			buf_printf(out, " match=%s", f->match);
	}
}

static bool subject_matches(enum backend be, const char *match, const char *subject)
{
	if (!match)
		return true;
	if (be != BE_DNS)
		return str_starts_with(subject, match);
	/* DNS: the name or a name below it, case-insensitive, trailing dots ignored */
	size_t ml = strlen(match), sl = strlen(subject);
	if (ml && match[ml - 1] == '.')
		ml--;
	if (sl && subject[sl - 1] == '.')
		sl--;
	if (ml > sl || strncasecmp(subject + sl - ml, match, ml) != 0)
		return false;
	return ml == sl || subject[sl - ml - 1] == '.';
}

struct fault *fault_match(enum backend be, const char *subject, enum fault_kind kind)
{
	for (size_t i = 0; i < sim.faults.n; i++) {
		struct fault *f = sim.faults.v[i];
		if (f->be == be && f->kind == kind && subject_matches(be, f->match, subject))
			return f;
	}
	return NULL;
}

/* HTTP requests a slow fault holds right now, per backend. */
static atomic_int held[BE_COUNT];

const char *fault_held(const char *backend, int *n)
{
	enum backend be;
	if (!backend_parse(backend, &be) || be == BE_DNS)
		return "held takes an HTTP backend (docker, mailcow, mta-sts)";
	*n = atomic_load(&held[be]);
	return NULL;
}

long fault_delay_ms(enum backend be, const char *subject)
{
	long ms = sim.latency_ms;
	struct fault *f = fault_match(be, subject, F_SLOW);
	if (f)
		ms += f->value;
	return ms;
}

void fault_free_all(void)
{
	faults_remove(BE_COUNT, -1, NULL);
	free(sim.faults.v);
	memset(&sim.faults, 0, sizeof(sim.faults));
}

/* ---------------------------------------------------------------- requests */

const char *http_arg(struct http_req *rq, const char *name)
{
	return MHD_lookup_connection_value(rq->conn, MHD_GET_ARGUMENT_KIND, name);
}

const char *http_header(struct http_req *rq, const char *name)
{
	return MHD_lookup_connection_value(rq->conn, MHD_HEADER_KIND, name);
}

void http_add_header(struct http_resp *rs, const char *name, const char *value)
{
	strv_push(&rs->hdrs, name);
	strv_push(&rs->hdrs, value);
}

void http_json(struct http_resp *rs, unsigned status, json_t *j, size_t flags)
{
	char *s = json_dumps(j, flags | JSON_ENCODE_ANY);
	json_decref(j);
	rs->status = status;
	buf_reset(&rs->body);
	buf_puts(&rs->body, s ? s : "null");
	free(s);
	rs->ctype = "application/json";
}

void http_text(struct http_resp *rs, unsigned status, const char *ctype, const char *text)
{
	rs->status = status;
	buf_reset(&rs->body);
	buf_puts(&rs->body, text);
	rs->ctype = ctype;
}

bool http_conn_alive(struct MHD_Connection *conn, struct http_server *s)
{
	if (sim.stopping || s->stopping)
		return false;
	const union MHD_ConnectionInfo *ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
	if (!ci)
		return true;
	struct pollfd p = {.fd = ci->connect_fd, .events = POLLRDHUP};
	if (poll(&p, 1, 0) > 0 && (p.revents & (POLLRDHUP | POLLHUP | POLLERR)))
		return false;
	return true;
}

/* A body that announces its full length but stops half way (the client sees a short read). */
struct cut_body {
	char *data;
	size_t len, cut;
};

static ssize_t cut_reader(void *cls, uint64_t pos, char *out, size_t max)
{
	struct cut_body *b = cls;
	if (pos >= b->cut)
		return MHD_CONTENT_READER_END_WITH_ERROR;
	size_t n = b->cut - (size_t)pos;
	if (n > max)
		n = max;
	memcpy(out, b->data + pos, n);
	return (ssize_t)n;
}

static void cut_free(void *cls)
{
	struct cut_body *b = cls;
	free(b->data);
	free(b);
}

/* An endless-looking JSON array of padding, size bytes long. */
static ssize_t big_reader(void *cls, uint64_t pos, char *out, size_t max)
{
	uint64_t size = (uint64_t)(uintptr_t)cls;
	if (pos >= size)
		return MHD_CONTENT_READER_END_OF_STREAM;
	static const char unit[] = "{\"pad\":\"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"},";
	size_t n = 0;
	while (n < max && pos + n < size) {
		uint64_t p = pos + n;
		out[n++] = p == 0 ? '[' : unit[(p - 1) % (sizeof(unit) - 1)];
	}
	return (ssize_t)n;
}

static void resp_free(struct http_resp *rs)
{
	buf_free(&rs->body);
	strv_free(&rs->hdrs);
}

static enum MHD_Result access_cb(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
				 const char *version, const char *upload_data, size_t *upload_size, void **con_cls)
{
	struct http_server *s = cls;
	struct http_req *rq = *con_cls;
	if (!rq) {
		rq = xcalloc(1, sizeof(*rq));
		*con_cls = rq;
		return MHD_YES;
	}
	if (*upload_size) {
		if (rq->body.len + *upload_size <= BODY_MAX)
			buf_append(&rq->body, upload_data, *upload_size);
		rq->body_total += *upload_size;
		*upload_size = 0;
		return MHD_YES;
	}
	rq->conn = conn;
	rq->srv = s;
	rq->url = url;
	rq->method = method;
	rq->version = version;
	buf_cstr(&rq->body);

	pthread_mutex_lock(&sim.lock);
	sim.requests[s->be]++;
	long delay = fault_delay_ms(s->be, url);
	bool reset = fault_match(s->be, url, F_RESET) != NULL;
	struct fault *f = fault_match(s->be, url, F_STATUS);
	long status_fault = f ? f->value : 0;
	bool malformed = fault_match(s->be, url, F_MALFORMED) != NULL;
	bool truncated = fault_match(s->be, url, F_TRUNCATED) != NULL;
	f = fault_match(s->be, url, F_OVERSIZED);
	long oversized = f ? f->value : 0;
	f = fault_match(s->be, url, F_CUT);
	long cut = f ? f->value : 0;
	pthread_mutex_unlock(&sim.lock);

	if (delay > 0) {
		/* sleep in slices so that a shutdown is not held up */
		atomic_fetch_add(&held[s->be], 1);
		for (long left = delay; left > 0 && !sim.stopping && !s->stopping; left -= 50)
			usleep((useconds_t)(left < 50 ? left : 50) * 1000);
		atomic_fetch_sub(&held[s->be], 1);
	}
	if (reset || sim.stopping)
		return MHD_NO;

	struct http_resp rs = {.status = 200, .ctype = "application/json"};
	if (status_fault)
		s->status_body((unsigned)status_fault, &rs);
	else
		s->handler(rq, &rs);

	if (rs.drop) {
		if (rs.raw)
			MHD_destroy_response(rs.raw);
		resp_free(&rs);
		return MHD_NO;
	}
	struct MHD_Response *r = rs.raw;
	if (!r && oversized) {
		r = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 64 * 1024, big_reader,
						      (void *)(uintptr_t)oversized, NULL);
		rs.ctype = "application/json";
	} else if (!r && truncated && rs.body.len > 1) {
		struct cut_body *b = xmalloc(sizeof(*b));
		b->len = rs.body.len;
		b->cut = rs.body.len / 2;
		b->data = buf_steal(&rs.body);
		r = MHD_create_response_from_callback(b->len, 4096, cut_reader, b, cut_free);
	} else if (!r) {
		if (cut > 0 && (size_t)cut < rs.body.len)
			rs.body.len = (size_t)cut; /* a whole answer of the first cut bytes */
		if (malformed && rs.body.len) {
			/* keep the first half and end it with bytes no JSON parser accepts */
			size_t half = rs.body.len / 2;
			rs.body.len = half;
			buf_append(&rs.body, "\"\xff\x01}{[", 6);
		}
		r = MHD_create_response_from_buffer(rs.body.len, rs.body.len ? rs.body.data : (void *)"",
						    MHD_RESPMEM_MUST_COPY);
	}
	if (rs.ctype && !rs.raw)
		MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, rs.ctype);
	for (size_t i = 0; i + 1 < rs.hdrs.n; i += 2)
		MHD_add_response_header(r, rs.hdrs.v[i], rs.hdrs.v[i + 1]);
	if (rs.close)
		MHD_add_response_header(r, MHD_HTTP_HEADER_CONNECTION, "close");
	enum MHD_Result ret = MHD_queue_response(conn, rs.status, r);
	MHD_destroy_response(r);
	resp_free(&rs);
	return ret;
}

static void completed_cb(void *cls, struct MHD_Connection *conn, void **con_cls, enum MHD_RequestTerminationCode toe)
{
	(void)cls;
	(void)conn;
	(void)toe;
	struct http_req *rq = *con_cls;
	if (rq) {
		buf_free(&rq->body);
		free(rq);
		*con_cls = NULL;
	}
}

static int listen_socket(struct http_server *s, char **err)
{
	int fd;
	if (s->unix_path) {
		struct sockaddr_un sa = {.sun_family = AF_UNIX};
		if (strlen(s->unix_path) >= sizeof(sa.sun_path)) {
			*err = xasprintf("%s: path too long for a unix socket (max %zu bytes)", s->unix_path,
					 sizeof(sa.sun_path) - 1);
			return -1;
		}
		strcpy(sa.sun_path, s->unix_path);
		fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		unlink(s->unix_path);
		if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 256) < 0) {
			*err = xasprintf("%s: %s", s->unix_path, strerror(errno));
			if (fd >= 0)
				close(fd);
			return -1;
		}
		return fd;
	}
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)s->port)};
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	int one = 1;
	if (fd >= 0)
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 256) < 0) {
		*err = xasprintf("%s: cannot listen on 127.0.0.1:%d: %s", backend_names[s->be], s->port, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	socklen_t sl = sizeof(sa);
	getsockname(fd, (struct sockaddr *)&sa, &sl);
	s->port = ntohs(sa.sin_port);
	return fd;
}

int http_server_start(struct http_server *s, char **err)
{
	int fd = listen_socket(s, err);
	if (fd < 0)
		return -1;
	s->stopping = 0;
	struct MHD_OptionItem ops[8];
	int n = 0;
	ops[n++] = (struct MHD_OptionItem){MHD_OPTION_LISTEN_SOCKET, fd, NULL};
	ops[n++] = (struct MHD_OptionItem){MHD_OPTION_NOTIFY_COMPLETED, (intptr_t)completed_cb, s};
	ops[n++] = (struct MHD_OptionItem){MHD_OPTION_CONNECTION_LIMIT, 1000, NULL};
	if (s->flags & MHD_USE_TLS) {
		if (s->sni) {
			ops[n++] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_CERT_CALLBACK, 0, tls_cert_callback()};
		} else {
			ops[n++] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_KEY, 0, sim.api_key_pem};
			ops[n++] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_CERT, 0, sim.api_cert_pem};
		}
	}
	ops[n++] = (struct MHD_OptionItem){MHD_OPTION_END, 0, NULL};
	s->d = MHD_start_daemon(MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL | s->flags,
				0, NULL, NULL, access_cb, s, MHD_OPTION_ARRAY, ops, MHD_OPTION_END);
	if (!s->d) {
		close(fd);
		*err = xasprintf("%s: cannot start the HTTP server", backend_names[s->be]);
		return -1;
	}
	return 0;
}

void http_server_stop(struct http_server *s)
{
	if (!s->d)
		return;
	s->stopping = 1;
	pthread_mutex_lock(&sim.lock);
	pthread_cond_broadcast(&sim.ev_cond);
	pthread_mutex_unlock(&sim.lock);
	MHD_stop_daemon(s->d);
	s->d = NULL;
}

/* Takes a backend down (its listener closed: connections are refused) or back up on the
 * same address. */
int backend_set_down(enum backend be, bool down, char **err)
{
	if (be == BE_DNS)
		return 0; /* the DNS threads watch the fault list themselves */
	struct http_server *s = sim.servers[be];
	if (!s)
		return 0;
	if (down) {
		http_server_stop(s);
		return 0;
	}
	if (s->d)
		return 0;
	return http_server_start(s, err);
}

/* Brings the HTTP backends in line with the fault list after a change. */
void faults_apply_down(void)
{
	dns_sync();
	for (int be = 0; be < BE_COUNT; be++) {
		if (be == BE_DNS || !sim.servers[be])
			continue;
		pthread_mutex_lock(&sim.lock);
		bool down = backend_has_down((enum backend)be);
		pthread_mutex_unlock(&sim.lock);
		char *err = NULL;
		if (backend_set_down((enum backend)be, down, &err) < 0) {
			fprintf(stderr, "mcon-sim: %s\n", err);
			free(err);
		}
	}
}

void servers_stop(void)
{
	for (int be = 0; be < BE_COUNT; be++) {
		if (be == BE_DNS || !sim.servers[be])
			continue;
		http_server_stop(sim.servers[be]);
		if (sim.servers[be]->unix_path)
			unlink(sim.servers[be]->unix_path);
		free(sim.servers[be]->unix_path);
		free(sim.servers[be]);
		sim.servers[be] = NULL;
	}
}
