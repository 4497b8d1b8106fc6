/* docker: the Docker client's requests on the fetch loop. A refresh is a small graph of
 * requests (ping, then list and version, then one inspect per container, one lookup per
 * network and the postconf exec) all started as soon as what they need is known, so the
 * whole costs about three round trips however many containers there are. Requests outside
 * a refresh are docker_sync.c's; the event stream is docker_events.c's. */
#include "core/docker_int.h"

#include <curl/curl.h>
#include <poll.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include "core/sanitize.h"

#define EXEC_MAX_POLLS 50           /* exec inspect while the daemon still says Running */
#define POSTFIX_SERVICE "postfix-mailcow"

static const char *const json_headers[] = {"Content-Type: application/json", NULL};

static void perr_set(struct part_error *e, const char *what, char *why)
{
	free(e->what);
	free(e->why);
	e->failed = true;
	e->what = xstrdup(what);
	e->why = why;
	e->since = mcon_now();
}

static void perr_free(struct part_error *e)
{
	free(e->what);
	free(e->why);
	memset(e, 0, sizeof(*e));
}

char *url_escape(const char *s)
{
	char *e = curl_easy_escape(NULL, s, 0);
	if (!e)
		die("out of memory");
	char *out = xstrdup(e);
	curl_free(e);
	return out;
}

/* "GET /v1.41/containers/json" without the query, for error messages. */
char *request_what(const char *method, const char *path)
{
	size_t n = strcspn(path, "?");
	return xasprintf("%s %.*s", method, (int)n, path);
}

/* Why a request failed, or NULL when it answered with the wanted status. */
char *result_problem(const char *host, const struct fetch_result *r, long want)
{
	if (r->curl_code == CURLE_COULDNT_CONNECT || (r->curl_code && r->os_errno))
		return docker_connect_error(host, r->os_errno, r->error);
	if (r->curl_code || r->too_big)
		return xstrdup(r->error ? r->error : "request failed");
	if (r->status != want)
		return docker_error_text(r->status, r->body);
	return NULL;
}

/* ---- one refresh ---- */

struct dc;

struct dreq {
	struct dc *dc;
	void (*fn)(struct dc *dc, struct dreq *rq, struct fetch_result *r);
	char *what;
	size_t idx;
	char *arg;
};

struct dc {
	struct fetcher *f;
	struct docker_state *out;   /* NULL once the fetcher abandoned us */
	struct docker_endpoint ep;
	char *project;
	char *prefix;               /* "/v1.41" */
	int refs;                   /* requests in flight, plus one while starting */
	bool fatal;                 /* out->err holds a real error */
	struct strv nets_requested;
	size_t nets_cap;
	size_t postfix_idx;
	bool no_exec;               /* scoped run: skip the postconf exec */
	int exec_polls;
	struct buf exec_out, exec_err;
};

static void dc_finish(struct dc *dc);

static void dc_free(struct dc *dc)
{
	docker_endpoint_free(&dc->ep);
	free(dc->project);
	free(dc->prefix);
	strv_free(&dc->nets_requested);
	buf_free(&dc->exec_out);
	buf_free(&dc->exec_err);
	free(dc);
}

static void dc_unref(struct dc *dc)
{
	if (--dc->refs > 0)
		return;
	if (dc->out)
		dc_finish(dc);
	dc_free(dc);
}

static void dreq_free(struct dreq *rq)
{
	free(rq->what);
	free(rq->arg);
	free(rq);
}

static void dreq_done(struct fetch_result *r, void *ud)
{
	struct dreq *rq = ud;
	struct dc *dc = rq->dc;
	if (dc->out)
		rq->fn(dc, rq, r);
	dreq_free(rq);
	dc_unref(dc);
}

static void dreq_cancelled(void *ud)
{
	struct dreq *rq = ud;
	struct dc *dc = rq->dc;
	dc->out = NULL; /* the caller may have freed it already */
	dreq_free(rq);
	dc_unref(dc);
}

/* path is relative to the negotiated prefix unless it starts with "/_". */
static void dc_add(struct dc *dc, const char *method, const char *path, const char *body,
                   void (*fn)(struct dc *, struct dreq *, struct fetch_result *), size_t idx, const char *arg)
{
	char *full = xasprintf("%s%s", path[1] == '_' ? "" : dc->prefix, path);
	struct dreq *rq = xcalloc(1, sizeof(*rq));
	rq->dc = dc;
	rq->fn = fn;
	rq->idx = idx;
	rq->arg = xstrdup(arg);
	rq->what = request_what(method, full);
	char *url = xasprintf("%s%s", dc->ep.base_url, full);
	struct fetch_opts o = {
		.method = method,
		.url = url,
		.unix_socket = dc->ep.unix_socket,
		.headers = body ? json_headers : NULL,
		.body = body,
		.timeout_ms = DOCKER_TIMEOUT_MS,
		.done = dreq_done,
		.cancelled = dreq_cancelled,
		.ud = rq,
	};
	docker_endpoint_fetch_opts(&dc->ep, &o);
	dc->refs++;
	if (fetcher_add(dc->f, &o) < 0) {
		struct fetch_result r = {.curl_code = CURLE_FAILED_INIT, .body = (char *)"",
		                         .error = (char *)"cannot start the request"};
		dreq_done(&r, rq);
	}
	free(url);
	free(full);
}

static void dc_fatal(struct dc *dc, const char *what, char *why)
{
	perr_set(&dc->out->err, what, why);
	dc->fatal = true;
}

static void exec_fail(struct dc *dc, char *why)
{
	struct container *c = &dc->out->containers[dc->postfix_idx];
	char *what = xasprintf("exec postconf -h message_size_limit in %s", c->name ? c->name : POSTFIX_SERVICE);
	perr_set(&dc->out->postfix_exec_err, what, why);
	free(what);
}

static void on_exec_inspect(struct dc *dc, struct dreq *rq, struct fetch_result *r)
{
	char *why = result_problem(dc->ep.host, r, 200);
	if (why) {
		exec_fail(dc, xasprintf("%s: %s", rq->what, why));
		free(why);
		return;
	}
	bool running;
	int code;
	char *err = NULL;
	if (docker_parse_exec_inspect(r->body, &running, &code, &err) < 0) {
		exec_fail(dc, err);
		return;
	}
	if (running && ++dc->exec_polls < EXEC_MAX_POLLS) {
		char *path = xasprintf("/exec/%s/json", rq->arg);
		dc_add(dc, "GET", path, NULL, on_exec_inspect, 0, rq->arg);
		free(path);
		return;
	}
	const char *stderr_text = buf_cstr(&dc->exec_err);
	if (running) {
		exec_fail(dc, xstrdup("postconf was still running after its output ended"));
		return;
	}
	if (code != 0) {
		char *line = xstrndup(stderr_text, strcspn(stderr_text, "\n"));
		char *first = sanitize_line(line, SIZE_MAX); /* container output in an error message */
		exec_fail(dc, xasprintf("postconf exited with %d%s%s", code, *first ? ": " : "", first));
		free(first);
		free(line);
		return;
	}
	char *outp = xstrdup(buf_cstr(&dc->exec_out));
	char *v = str_trim(outp);
	char *end = NULL;
	long long val = strtoll(v, &end, 10);
	if (!*v || *end || val < 0) {
		char *c = sanitize_line(v, 60);
		exec_fail(dc, xasprintf("unexpected output from postconf: '%s'", c));
		free(c);
	}
	else
		dc->out->postfix_size_live = val;
	free(outp);
}

static void exec_emit(int stream, const char *p, size_t n, void *ud)
{
	struct dc *dc = ud;
	buf_append(stream == 2 ? &dc->exec_err : &dc->exec_out, p, n);
}

static void on_exec_start(struct dc *dc, struct dreq *rq, struct fetch_result *r)
{
	char *why = result_problem(dc->ep.host, r, 200);
	if (why) {
		exec_fail(dc, xasprintf("%s: %s", rq->what, why));
		free(why);
		return;
	}
	/* The hijacked stream is multiplexed because we asked for Tty false, whatever its
	 * Content-Type says. A daemon that failed to start the process writes plain text. */
	struct docker_demux dm = {0};
	if (docker_demux_feed(&dm, r->body, r->len, exec_emit, dc) < 0) {
		buf_reset(&dc->exec_out);
		buf_reset(&dc->exec_err);
		buf_append(&dc->exec_err, r->body, r->len);
	}
	char *path = xasprintf("/exec/%s/json", rq->arg);
	dc_add(dc, "GET", path, NULL, on_exec_inspect, 0, rq->arg);
	free(path);
}

static void on_exec_create(struct dc *dc, struct dreq *rq, struct fetch_result *r)
{
	char *why = result_problem(dc->ep.host, r, 201);
	if (why) {
		exec_fail(dc, xasprintf("%s: %s", rq->what, why));
		free(why);
		return;
	}
	json_t *root = json_loads(r->body, 0, NULL);
	const char *id = json_string_value(json_object_get(root, "Id"));
	if (!id) {
		exec_fail(dc, xasprintf("%s: no exec Id in the answer", rq->what));
		json_decref(root);
		return;
	}
	char *eid = url_escape(id);
	char *path = xasprintf("/exec/%s/start", eid);
	dc_add(dc, "POST", path, "{\"Detach\":false,\"Tty\":false}", on_exec_start, 0, eid);
	free(path);
	free(eid);
	json_decref(root);
}

static void start_exec(struct dc *dc)
{
	struct docker_state *out = dc->out;
	if (dc->no_exec) {
		perr_set(&out->postfix_exec_err, "exec postconf -h message_size_limit",
			 xstrdup("not collected: outside the checks asked for"));
		return;
	}
	size_t i;
	for (i = 0; i < out->n_containers; i++)
		if (out->containers[i].service && strcmp(out->containers[i].service, POSTFIX_SERVICE) == 0)
			break;
	if (i == out->n_containers) {
		perr_set(&out->postfix_exec_err, "exec postconf -h message_size_limit",
		         xasprintf("no %s container in compose project %s", POSTFIX_SERVICE, dc->project));
		return;
	}
	dc->postfix_idx = i;
	const struct container *c = &out->containers[i];
	if (!c->state || strcmp(c->state, "running") != 0) {
		exec_fail(dc, xasprintf("%s is %s, not running", POSTFIX_SERVICE, c->state ? c->state : "in an "
			"unknown state"));
		return;
	}
	char *id = url_escape(c->id);
	char *path = xasprintf("/containers/%s/exec", id);
	dc_add(dc, "POST", path,
	       "{\"AttachStdout\":true,\"AttachStderr\":true,\"Tty\":false,"
	       "\"Cmd\":[\"postconf\",\"-h\",\"message_size_limit\"]}",
	       on_exec_create, i, NULL);
	free(path);
	free(id);
}

static void on_network(struct dc *dc, struct dreq *rq, struct fetch_result *r)
{
	(void)rq;
	char *why = result_problem(dc->ep.host, r, 200);
	if (why) {
		/* Removed since, or not inspectable: its attachments keep driver NULL (unknown). */
		free(why);
		return;
	}
	struct network n;
	if (docker_parse_network(r->body, &n, NULL) < 0)
		return;
	struct docker_state *out = dc->out;
	if (out->n_networks == dc->nets_cap) {
		dc->nets_cap = dc->nets_cap ? dc->nets_cap * 2 : 8;
		out->networks = xrealloc(out->networks, dc->nets_cap * sizeof(*out->networks));
	}
	out->networks[out->n_networks++] = n;
}

static void request_networks(struct dc *dc, const struct container *c)
{
	for (size_t i = 0; i < c->n_nets; i++) {
		const char *name = c->nets[i].network;
		if (strv_contains(&dc->nets_requested, name))
			continue;
		strv_push(&dc->nets_requested, name);
		char *esc = url_escape(name);
		char *path = xasprintf("/networks/%s", esc);
		dc_add(dc, "GET", path, NULL, on_network, 0, name);
		free(path);
		free(esc);
	}
}

static void on_inspect(struct dc *dc, struct dreq *rq, struct fetch_result *r)
{
	struct container *c = &dc->out->containers[rq->idx];
	char *why = result_problem(dc->ep.host, r, 200);
	char *err = NULL;
	if (!why && docker_parse_inspect(r->body, c, &err) < 0)
		why = err;
	if (why) {
		free(c->inspect_err);
		c->inspect_err = xasprintf("%s: %s", rq->what, why);
		free(why);
		return;
	}
	/* Attached since the list? Look those networks up too. */
	request_networks(dc, c);
}

static void on_list(struct dc *dc, struct dreq *rq, struct fetch_result *r)
{
	char *why = result_problem(dc->ep.host, r, 200);
	struct docker_state *out = dc->out;
	if (!why && docker_parse_list(r->body, dc->project, &out->containers, &out->n_containers, &why) < 0) {
		free(out->containers);
		out->containers = NULL;
		out->n_containers = 0;
	}
	if (why) {
		dc_fatal(dc, rq->what, why);
		return;
	}
	for (size_t i = 0; i < out->n_containers; i++) {
		char *id = url_escape(out->containers[i].id);
		char *path = xasprintf("/containers/%s/json", id);
		dc_add(dc, "GET", path, NULL, on_inspect, i, NULL);
		free(path);
		free(id);
		request_networks(dc, &out->containers[i]);
	}
	start_exec(dc);
}

static void on_version(struct dc *dc, struct dreq *rq, struct fetch_result *r)
{
	(void)rq;
	if (r->curl_code || r->status != 200)
		return; /* optional: the ping already proved the API answers */
	json_t *root = json_loads(r->body, 0, NULL);
	const char *v = json_string_value(json_object_get(root, "Version"));
	if (v)
		dc->out->server_version = xstrdup(v);
	json_decref(root);
}

char *project_filters(const char *project)
{
	char *label = xasprintf("com.docker.compose.project=%s", project);
	json_t *f = json_pack("{s:[s]}", "label", label);
	char *s = json_dumps(f, JSON_COMPACT);
	json_decref(f);
	free(label);
	char *esc = url_escape(s);
	free(s);
	return esc;
}

static void on_ping(struct dc *dc, struct dreq *rq, struct fetch_result *r)
{
	struct docker_state *out = dc->out;
	if (r->curl_code) {
		dc_fatal(dc, rq->what, result_problem(dc->ep.host, r, 200));
		return;
	}
	if (!r->api_version && r->status != 200) {
		char *t = docker_error_text(r->status, r->body);
		dc_fatal(dc, rq->what, xasprintf("%s (is %s a Docker Engine API?)", t, dc->ep.host));
		free(t);
		return;
	}
	char *version = NULL, *err = NULL;
	if (docker_negotiate(r->api_version, &version, &err) < 0) {
		dc_fatal(dc, "API version negotiation", err);
		return;
	}
	out->api_version = version;
	dc->prefix = xasprintf("/v%s", version);
	dc_add(dc, "GET", "/version", NULL, on_version, 0, NULL);
	char *filters = project_filters(dc->project);
	char *path = xasprintf("/containers/json?all=1&filters=%s", filters);
	dc_add(dc, "GET", path, NULL, on_list, 0, NULL);
	free(path);
	free(filters);
}

static int container_cmp(const void *a, const void *b)
{
	const struct container *x = a, *y = b;
	const char *xs = x->service ? x->service : x->name ? x->name : "";
	const char *ys = y->service ? y->service : y->name ? y->name : "";
	int c = strcmp(xs, ys);
	return c ? c : strcmp(x->name ? x->name : "", y->name ? y->name : "");
}

static int network_cmp(const void *a, const void *b)
{
	const struct network *x = a, *y = b;
	return strcmp(x->name ? x->name : "", y->name ? y->name : "");
}

static void dc_finish(struct dc *dc)
{
	struct docker_state *out = dc->out;
	for (size_t i = 0; i < out->n_containers; i++) {
		struct container *c = &out->containers[i];
		for (size_t j = 0; j < c->n_nets; j++) {
			struct net_attach *a = &c->nets[j];
			for (size_t k = 0; k < out->n_networks; k++) {
				const struct network *n = &out->networks[k];
				if (n->name && strcmp(n->name, a->network) == 0) {
					a->driver = xstrdup(n->driver);
					a->scope = xstrdup(n->scope);
					break;
				}
			}
		}
	}
	if (out->n_containers)
		qsort(out->containers, out->n_containers, sizeof(*out->containers), container_cmp);
	if (out->n_networks)
		qsort(out->networks, out->n_networks, sizeof(*out->networks), network_cmp);
	if (!dc->fatal)
		perr_free(&out->err);
	else if (!out->postfix_exec_err.failed)
		perr_set(&out->postfix_exec_err, "exec postconf -h message_size_limit",
		         xstrdup("the Docker API is not available"));
}

void docker_collect(struct fetcher *f, const struct config *cfg, struct docker_state *out)
{
	docker_collect_scoped(f, cfg, out, true);
}

void docker_collect_scoped(struct fetcher *f, const struct config *cfg, struct docker_state *out, bool postfix_exec)
{
	out->postfix_size_live = -1;
	free(out->endpoint);
	out->endpoint = xstrdup(cfg->docker_host);
	struct dc *dc = xcalloc(1, sizeof(*dc));
	char *err = NULL;
	if (docker_endpoint_open(cfg, &dc->ep, &err) < 0) {
		perr_set(&out->err, "docker.host", err);
		perr_set(&out->postfix_exec_err, "exec postconf -h message_size_limit", xstrdup("the Docker API is "
			"not available"));
		dc_free(dc);
		return;
	}
	/* Replaced by the real outcome when the last request completes. */
	perr_set(&out->err, "docker", xstrdup("the collection did not finish before the refresh deadline"));
	dc->f = f;
	dc->out = out;
	dc->project = xstrdup(cfg->docker_project);
	dc->refs = 1;
	dc->no_exec = !postfix_exec;
	dc_add(dc, "GET", "/_ping", NULL, on_ping, 0, NULL);
	dc_unref(dc);
}

void docker_state_free(struct docker_state *d)
{
	if (!d)
		return;
	perr_free(&d->err);
	free(d->endpoint);
	free(d->api_version);
	free(d->server_version);
	for (size_t i = 0; i < d->n_containers; i++)
		docker_container_free(&d->containers[i]);
	free(d->containers);
	for (size_t i = 0; i < d->n_networks; i++)
		docker_network_free(&d->networks[i]);
	free(d->networks);
	perr_free(&d->postfix_exec_err);
	memset(d, 0, sizeof(*d));
	d->postfix_size_live = -1;
}
