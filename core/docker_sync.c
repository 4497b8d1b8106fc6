/* docker_sync: the Docker client's requests outside a refresh, each on a fetcher of its own:
 * inspecting one container, reading and following its logs, restarting it (the console's
 * details view and container actions). */
#include "core/docker_int.h"
#include <curl/curl.h>
#include <poll.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include "core/sanitize.h"

/* ---- synchronous helpers (own fetcher) ---- */

struct sync_result {
	bool done;
	struct fetch_result r;
};

static void sync_done(struct fetch_result *r, void *ud)
{
	struct sync_result *s = ud;
	s->done = true;
	s->r = *r;
	s->r.body = r->body;
	s->r.error = r->error;
	s->r.api_version = r->api_version;
	s->r.content_type = r->content_type;
	r->body = r->error = r->api_version = r->content_type = NULL;
}

static void sync_result_free(struct sync_result *s)
{
	free(s->r.body);
	free(s->r.error);
	free(s->r.api_version);
	free(s->r.content_type);
	memset(s, 0, sizeof(*s));
}

static int sync_request(const struct docker_endpoint *ep, const char *method, const char *path,
                        size_t max_bytes, struct sync_result *s)
{
	memset(s, 0, sizeof(*s));
	struct fetcher *f = fetcher_new();
	char *url = xasprintf("%s%s", ep->base_url, path);
	struct fetch_opts o = {
		.method = method,
		.url = url,
		.unix_socket = ep->unix_socket,
		.timeout_ms = DOCKER_TIMEOUT_MS,
		.max_bytes = max_bytes,
		.done = sync_done,
		.ud = s,
	};
	docker_endpoint_fetch_opts(ep, &o);
	int rc = fetcher_add(f, &o);
	if (rc == 0)
		fetcher_run(f, 0);
	fetcher_free(f);
	free(url);
	return rc == 0 && s->done ? 0 : -1;
}

/* Pings and negotiates; returns the version (caller frees) or NULL with *err. */
static char *sync_negotiate(const struct docker_endpoint *ep, char **err)
{
	struct sync_result s;
	if (sync_request(ep, "GET", "/_ping", 0, &s) < 0) {
		*err = xstrdup("GET /_ping: cannot start the request");
		return NULL;
	}
	char *version = NULL;
	if (s.r.curl_code) {
		char *why = result_problem(ep->host, &s.r, 200);
		*err = xasprintf("GET /_ping: %s", why);
		free(why);
	} else if (!s.r.api_version && s.r.status != 200) {
		char *t = docker_error_text(s.r.status, s.r.body);
		*err = xasprintf("GET /_ping: %s (is %s a Docker Engine API?)", t, ep->host);
		free(t);
	} else {
		docker_negotiate(s.r.api_version, &version, err);
	}
	sync_result_free(&s);
	return version;
}

/* One request about a container (METHOD /vX/containers/ID/SUFFIX) on an endpoint opened
 * from the config (TLS, pinning), expecting status want: 0 with *s filled (the caller frees
 * it), or -1 and *err. */
static int container_call(const struct config *cfg, const char *api_version, const char *method, const char *id,
			  const char *suffix, long want, struct sync_result *s, char **err)
{
	struct docker_endpoint ep;
	memset(s, 0, sizeof(*s));
	if (docker_endpoint_open(cfg, &ep, err) < 0)
		return -1;
	char *version = api_version ? xstrdup(api_version) : sync_negotiate(&ep, err);
	int rc = -1;
	if (version) {
		char *eid = url_escape(id);
		char *path = xasprintf("/v%s/containers/%s/%s", version, eid, suffix);
		if (sync_request(&ep, method, path, 0, s) < 0) {
			*err = xstrdup("cannot start the request");
		} else {
			char *why = result_problem(ep.host, &s->r, want);
			if (why) {
				char *what = request_what(method, path);
				*err = xasprintf("%s: %s", what, why);
				free(what);
				free(why);
			} else {
				rc = 0;
			}
		}
		free(path);
		free(eid);
	}
	free(version);
	docker_endpoint_free(&ep);
	return rc;
}

int docker_inspect(const struct config *cfg, const char *api_version, const char *id,
                   struct container *out, char **err)
{
	struct sync_result s;
	int rc = container_call(cfg, api_version, "GET", id, "json", 200, &s, err);
	if (rc == 0)
		rc = docker_parse_inspect(s.r.body, out, err);
	sync_result_free(&s);
	return rc;
}

/* ---- logs ---- */

struct logreq {
	bool tty;
	char *what;
	char *host;
	void (*done)(struct docker_logs *logs, void *ud);
	void *ud;
};

static void logreq_free(struct logreq *lr)
{
	free(lr->what);
	free(lr->host);
	free(lr);
}

static void logs_done(struct fetch_result *r, void *ud)
{
	struct logreq *lr = ud;
	struct docker_logs logs = {0};
	char *why = result_problem(lr->host, r, 200);
	if (why) {
		logs.error = xasprintf("%s: %s", lr->what, why);
		free(why);
	} else {
		docker_logs_parse(r->body, r->len, lr->tty, true, &logs);
	}
	lr->done(&logs, lr->ud);
	logreq_free(lr);
}

static void logs_cancelled(void *ud)
{
	logreq_free(ud);
}

int docker_logs_start(struct fetcher *f, const struct config *cfg, const char *api_version,
                      const char *id, bool tty, int tail,
                      void (*done)(struct docker_logs *logs, void *ud), void *ud)
{
	struct docker_endpoint ep;
	char *err = NULL;
	if (!api_version || !id || !done || docker_endpoint_open(cfg, &ep, &err) < 0) {
		free(err);
		return -1;
	}
	if (tail <= 0)
		tail = 200;
	char *eid = url_escape(id);
	char *path =
		xasprintf("/v%s/containers/%s/logs?stdout=1&stderr=1&tail=%d&timestamps=1", api_version, eid, tail);
	char *url = xasprintf("%s%s", ep.base_url, path);
	struct logreq *lr = xcalloc(1, sizeof(*lr));
	lr->tty = tty;
	lr->what = request_what("GET", path);
	lr->host = xstrdup(ep.host);
	lr->done = done;
	lr->ud = ud;
	struct fetch_opts o = {
		.url = url,
		.unix_socket = ep.unix_socket,
		.timeout_ms = DOCKER_TIMEOUT_MS,
		.max_bytes = LOGS_MAX_BYTES,
		.done = logs_done,
		.cancelled = logs_cancelled,
		.ud = lr,
	};
	docker_endpoint_fetch_opts(&ep, &o);
	int rc = fetcher_add(f, &o);
	if (rc < 0)
		logreq_free(lr);
	free(url);
	free(path);
	free(eid);
	docker_endpoint_free(&ep);
	return rc;
}

static void logs_sync_done(struct docker_logs *logs, void *ud)
{
	struct docker_logs *out = ud;
	*out = *logs;
}

int docker_logs(const struct config *cfg, const char *api_version, const char *id, bool tty, int tail,
                struct docker_logs *out)
{
	memset(out, 0, sizeof(*out));
	char *version = NULL, *err = NULL;
	if (!api_version) {
		struct docker_endpoint ep;
		if (docker_endpoint_open(cfg, &ep, &err) == 0) {
			version = sync_negotiate(&ep, &err);
			docker_endpoint_free(&ep);
		}
		if (!version) {
			out->error = err;
			return -1;
		}
		api_version = version;
	}
	struct fetcher *f = fetcher_new();
	bool started = docker_logs_start(f, cfg, api_version, id, tty, tail, logs_sync_done, out) == 0;
	if (started)
		fetcher_run(f, 0);
	fetcher_free(f);
	free(version);
	if (!started)
		out->error = xstrdup("cannot start the logs request (check docker.host)");
	return out->error ? -1 : 0;
}


/* ---- restart and logs follow (the console's container actions) ---- */

int docker_restart(const struct config *cfg, const char *id, char **err)
{
	struct sync_result s;
	int rc = container_call(cfg, NULL, "POST", id, "restart", 204, &s, err);
	sync_result_free(&s);
	return rc;
}

struct follow {
	bool tty, ended;
	struct docker_demux demux;
	struct buf partial[3];
	void (*on_line)(int stream, const char *line, void *ud);
	void *ud;
	char *host, *what, *error;
};

static void follow_emit(int stream, const char *p, size_t n, void *ud)
{
	struct follow *fl = ud;
	struct buf *b = &fl->partial[stream < 0 || stream > 2 ? 0 : stream];
	for (size_t i = 0; i < n; i++) {
		if (p[i] != '\n') {
			buf_append(b, p[i] ? &p[i] : "?", 1);
			continue;
		}
		if (b->len && b->data[b->len - 1] == '\r')
			b->data[--b->len] = '\0';
		fl->on_line(stream, buf_cstr(b), fl->ud);
		buf_reset(b);
	}
}

static bool follow_data(const char *p, size_t n, void *ud)
{
	struct follow *fl = ud;
	if (fl->tty)
		follow_emit(0, p, n, fl);
	else if (docker_demux_feed(&fl->demux, p, n, follow_emit, fl) < 0) {
		fl->error = xstrdup("the logs are not a multiplexed stream (does the container have a TTY?)");
		return false;
	}
	return true;
}

static void follow_done(struct fetch_result *r, void *ud)
{
	struct follow *fl = ud;
	fl->ended = true;
	char *why = fl->error ? NULL : result_problem(fl->host, r, 200);
	if (why) {
		fl->error = xasprintf("%s: %s", fl->what, why);
		free(why);
	} else if (!fl->error) {
		fl->error = xstrdup("the log stream ended (the container stopped or restarted)");
	}
}

int docker_logs_follow(const struct config *cfg, const char *id, bool tty, int cancel_fd,
                       void (*on_line)(int stream, const char *line, void *ud), void *ud, char **err)
{
	struct docker_endpoint ep;
	if (docker_endpoint_open(cfg, &ep, err) < 0)
		return -1;
	char *version = sync_negotiate(&ep, err);
	if (!version) {
		docker_endpoint_free(&ep);
		return -1;
	}
	char *eid = url_escape(id);
	char *path = xasprintf("/v%s/containers/%s/logs?stdout=1&stderr=1&follow=1&tail=0&timestamps=1", version, eid);
	char *url = xasprintf("%s%s", ep.base_url, path);
	struct follow fl = {.tty = tty, .on_line = on_line, .ud = ud, .host = ep.host};
	fl.what = request_what("GET", path);
	struct fetch_opts o = {
		.url = url,
		.unix_socket = ep.unix_socket,
		.connect_timeout_ms = DOCKER_TIMEOUT_MS,
		.on_data = follow_data,
		.done = follow_done,
		.ud = &fl,
	};
	docker_endpoint_fetch_opts(&ep, &o); /* TLS, client certificate and pinning */
	struct fetcher *f = fetcher_new();
	fetcher_set_wake_fd(f, cancel_fd);
	int rc = -1;
	if (fetcher_add(f, &o) < 0) {
		*err = xstrdup("cannot start the logs request");
		goto out;
	}
	for (;;) {
		fetcher_step(f, 1000);
		if (fl.ended) {
			*err = fl.error;
			fl.error = NULL;
			break;
		}
		struct pollfd pf = {.fd = cancel_fd, .events = POLLIN};
		if (poll(&pf, 1, 0) > 0) {
			rc = 0;
			break;
		}
	}
out:
	fetcher_free(f);
	for (int i = 0; i < 3; i++)
		buf_free(&fl.partial[i]);
	free(fl.error);
	free(fl.what);
	free(url);
	free(path);
	free(eid);
	free(version);
	docker_endpoint_free(&ep);
	return rc;
}
