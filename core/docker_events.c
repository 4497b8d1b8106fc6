/* docker_events: the Docker event stream on the fetch loop: ping, then the container list
 * and /events at once, events that arrive before the list held back and filtered to the
 * project, and one end callback with the reason the stream stopped. */
#include "core/docker_int.h"

#include <stdlib.h>
#include <string.h>

#define EVENTS_HEAD_MAX 1024        /* body bytes kept to explain a refused /events */
/* Network events held back until the container list arrives; past this many the oldest are
 * kept and later ones dropped (the next refresh reads the networks anyway), so a daemon
 * that streams events but never answers the list cannot grow the queue without end. */
#define EVENTS_QUEUE_MAX 512

/* ---- events ---- */

struct evs {
	struct fetcher *f;
	struct docker_endpoint ep;
	char *project;
	char *prefix;
	long long since;
	struct strv ids;            /* the project's container ids */
	bool seeded;                /* the initial list arrived (or failed) */
	struct strv queued;         /* network events seen before that, raw JSON */
	struct docker_events parser;
	struct buf head;            /* the start of the body, to explain a refusal */
	bool end_pending;           /* the stream ended before the list: "end" waits for it */
	char *end_error;
	int refs;
	void (*on_event)(const struct docker_event *, void *);
	void *ud;
};

static void evs_unref(struct evs *s)
{
	if (--s->refs > 0)
		return;
	docker_endpoint_free(&s->ep);
	free(s->project);
	free(s->prefix);
	strv_free(&s->ids);
	strv_free(&s->queued);
	docker_events_free(&s->parser);
	buf_free(&s->head);
	free(s->end_error);
	free(s);
}

static void evs_cancelled(void *ud)
{
	evs_unref(ud);
}

static void strv_remove(struct strv *v, const char *s)
{
	for (size_t i = 0; i < v->n; i++)
		if (strcmp(v->v[i], s) == 0) {
			free(v->v[i]);
			v->v[i] = v->v[--v->n];
			return;
		}
}

/* Project filter: container events carry the compose labels, network events do not. */
static void evs_filter(const struct docker_event *ev, void *ud)
{
	struct evs *s = ud;
	if (!ev->type)
		return;
	if (strcmp(ev->type, "container") == 0) {
		if (!ev->project || strcmp(ev->project, s->project) != 0 || !ev->actor_id)
			return;
		if (!strv_contains(&s->ids, ev->actor_id))
			strv_push(&s->ids, ev->actor_id);
		s->on_event(ev, s->ud);
		if (ev->action && strcmp(ev->action, "destroy") == 0)
			strv_remove(&s->ids, ev->actor_id);
	} else if (strcmp(ev->type, "network") == 0) {
		if (ev->container && strv_contains(&s->ids, ev->container))
			s->on_event(ev, s->ud);
		else if (!s->seeded && s->queued.n < EVENTS_QUEUE_MAX)
			strv_push_owned(&s->queued, xstrndup(ev->raw, ev->raw_len));
	}
}

static bool evs_on_data(const char *p, size_t n, void *ud)
{
	struct evs *s = ud;
	if (s->head.len < EVENTS_HEAD_MAX)
		buf_append(&s->head, p, n < EVENTS_HEAD_MAX - s->head.len ? n : EVENTS_HEAD_MAX - s->head.len);
	docker_events_feed(&s->parser, p, n);
	return true;
}

static void evs_emit_end(struct evs *s, const char *error)
{
	struct docker_event ev = {.type = "stream", .action = "end", .error = error, .raw = "", .time = mcon_now()};
	s->on_event(&ev, s->ud);
}

static void evs_stream_done(struct fetch_result *r, void *ud)
{
	struct evs *s = ud;
	char *why = NULL, *p = NULL;
	if (r->curl_code)
		p = result_problem(s->ep.host, r, 200);
	else if (r->status != 200)
		p = docker_error_text(r->status, buf_cstr(&s->head));
	if (p)
		why = xasprintf("GET %s/events: %s", s->prefix, p);
	free(p);
	if (s->seeded) {
		evs_emit_end(s, why);
		free(why);
	} else {
		/* queued network events are still to be delivered: "end" comes after them */
		s->end_pending = true;
		s->end_error = why;
	}
	evs_unref(s);
}

static void evs_list_done(struct fetch_result *r, void *ud)
{
	struct evs *s = ud;
	struct container *cs = NULL;
	size_t n = 0;
	if (!r->curl_code && r->status == 200 && docker_parse_list(r->body, s->project, &cs, &n, NULL) == 0) {
		for (size_t i = 0; i < n; i++) {
			if (!strv_contains(&s->ids, cs[i].id))
				strv_push(&s->ids, cs[i].id);
			docker_container_free(&cs[i]);
		}
	}
	free(cs);
	s->seeded = true;
	for (size_t i = 0; i < s->queued.n; i++)
		docker_event_parse(s->queued.v[i], strlen(s->queued.v[i]), evs_filter, s);
	strv_free(&s->queued);
	if (s->end_pending) {
		s->end_pending = false;
		evs_emit_end(s, s->end_error);
	}
	evs_unref(s);
}

static int evs_add(struct evs *s, const char *path, bool stream)
{
	char *url = xasprintf("%s%s%s", s->ep.base_url, s->prefix, path);
	struct fetch_opts o = {
		.url = url,
		.unix_socket = s->ep.unix_socket,
		.timeout_ms = stream ? 0 : DOCKER_TIMEOUT_MS,
		.connect_timeout_ms = DOCKER_TIMEOUT_MS,
		.on_data = stream ? evs_on_data : NULL,
		.done = stream ? evs_stream_done : evs_list_done,
		.cancelled = evs_cancelled,
		.ud = s,
	};
	docker_endpoint_fetch_opts(&s->ep, &o);
	s->refs++;
	int rc = fetcher_add(s->f, &o);
	if (rc < 0)
		s->refs--;
	free(url);
	return rc;
}

static int evs_start_requests(struct evs *s)
{
	char *lf = project_filters(s->project);
	char *list = xasprintf("/containers/json?all=1&filters=%s", lf);
	free(lf);
	if (evs_add(s, list, false) < 0)
		s->seeded = true;
	free(list);
	char *ef = url_escape("{\"type\":[\"container\",\"network\"]}");
	/* since=<start>: the daemon replays what happened between this call and the stream
	 * being established, so nothing falls in between. */
	char *path = xasprintf("/events?since=%lld&filters=%s", s->since, ef);
	free(ef);
	int rc = evs_add(s, path, true);
	free(path);
	return rc;
}

static void evs_ping_done(struct fetch_result *r, void *ud)
{
	struct evs *s = ud;
	char *err = NULL, *version = NULL;
	if (r->curl_code) {
		char *p = result_problem(s->ep.host, r, 200);
		err = xasprintf("GET /_ping: %s", p);
		free(p);
	} else if (docker_negotiate(r->api_version, &version, &err) == 0) {
		s->prefix = xasprintf("/v%s", version);
		free(version);
		if (evs_start_requests(s) < 0)
			err = xstrdup("cannot start the /events request");
	}
	if (err) {
		evs_emit_end(s, err);
		free(err);
	}
	evs_unref(s);
}

int docker_events_start(struct fetcher *f, const struct config *cfg, const char *api_version,
                        void (*on_event)(const struct docker_event *, void *), void *ud)
{
	if (!on_event)
		return -1;
	struct evs *s = xcalloc(1, sizeof(*s));
	char *err = NULL;
	if (docker_endpoint_open(cfg, &s->ep, &err) < 0) {
		free(err);
		free(s);
		return -1;
	}
	s->f = f;
	s->project = xstrdup(cfg->docker_project);
	s->since = (long long)time(NULL);
	s->on_event = on_event;
	s->ud = ud;
	docker_events_init(&s->parser, evs_filter, s);
	s->refs = 1;
	int rc;
	if (api_version) {
		s->prefix = xasprintf("/v%s", api_version);
		rc = evs_start_requests(s);
	} else {
		char *url = xasprintf("%s/_ping", s->ep.base_url);
		struct fetch_opts o = {
			.url = url,
			.unix_socket = s->ep.unix_socket,
			.timeout_ms = DOCKER_TIMEOUT_MS,
			.done = evs_ping_done,
			.cancelled = evs_cancelled,
			.ud = s,
		};
		docker_endpoint_fetch_opts(&s->ep, &o);
		s->refs++;
		rc = fetcher_add(f, &o);
		if (rc < 0)
			s->refs--;
		free(url);
	}
	evs_unref(s);
	return rc;
}
