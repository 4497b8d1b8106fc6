/* docker_stream: the pure half of the Docker client for streamed replies: the multiplexed
 * stdout/stderr framing, the event objects of /events and the logs' lines. No I/O here, so
 * every piece is unit-tested. */
#include "core/docker.h"
#include "core/docker_int.h"

#include <ctype.h>
#include <jansson.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#define EVENT_MAX_BYTES (1u << 20)  /* one event object; real ones are under 2 KiB */

/* ---- multiplexed frames ---- */

int docker_demux_feed(struct docker_demux *d, const char *p, size_t n,
                      void (*emit)(int stream, const char *p, size_t n, void *ud), void *ud)
{
	while (n > 0 && !d->bad) {
		if (d->left > 0) {
			size_t take = n < d->left ? n : d->left;
			if (emit)
				emit(d->stream, p, take, ud);
			d->left -= (uint32_t)take;
			p += take;
			n -= take;
			continue;
		}
		size_t take = 8 - d->hdr_len;
		if (take > n)
			take = n;
		memcpy(d->hdr + d->hdr_len, p, take);
		d->hdr_len += take;
		p += take;
		n -= take;
		if (d->hdr_len < 8)
			break;
		d->hdr_len = 0;
		if (d->hdr[0] > 2 || d->hdr[1] || d->hdr[2] || d->hdr[3]) {
			d->bad = true;
			break;
		}
		d->stream = d->hdr[0];
		d->left = (uint32_t)d->hdr[4] << 24 | (uint32_t)d->hdr[5] << 16 | (uint32_t)d->hdr[6] << 8 | d->hdr[7];
	}
	return d->bad ? -1 : 0;
}

bool docker_demux_complete(const struct docker_demux *d)
{
	return !d->bad && d->hdr_len == 0 && d->left == 0;
}

struct demux_bufs {
	struct buf *out, *err;
};

static void demux_to_bufs(int stream, const char *p, size_t n, void *ud)
{
	struct demux_bufs *b = ud;
	struct buf *dst = stream == 2 ? b->err : stream == 1 ? b->out : NULL;
	if (dst)
		buf_append(dst, p, n);
}

int docker_frames_demux(const char *p, size_t n, struct buf *out, struct buf *err)
{
	struct docker_demux d = {0};
	struct demux_bufs b = {out, err};
	if (docker_demux_feed(&d, p, n, demux_to_bufs, &b) < 0)
		return -1;
	return docker_demux_complete(&d) ? 0 : -1;
}

/* ---- events ---- */

const char *docker_event_attr(const struct docker_event *ev, const char *key)
{
	for (size_t i = 0; i < ev->n_attrs; i++)
		if (strcmp(ev->attr_keys[i], key) == 0)
			return ev->attr_values[i];
	return NULL;
}

int docker_event_parse(const char *json, size_t len, void (*on_event)(const struct docker_event *, void *), void *ud)
{
	json_t *root = json_loadb(json, len, 0, NULL);
	if (!json_is_object(root)) {
		json_decref(root);
		return -1;
	}
	struct docker_event ev = {0};
	ev.raw = json;
	ev.raw_len = len;
	ev.type = jstr(root, "Type");
	if (!ev.type)
		ev.type = jstr(root, "type");
	ev.action = jstr(root, "Action");
	if (!ev.action)
		ev.action = jstr(root, "status");
	json_t *actor = json_object_get(root, "Actor");
	ev.actor_id = jstr(actor, "ID");
	if (!ev.actor_id)
		ev.actor_id = jstr(root, "id");
	json_t *attrs = json_object_get(actor, "Attributes");
	size_t na = json_object_size(attrs);
	const char **keys = xcalloc(na + 1, sizeof(*keys));
	const char **vals = xcalloc(na + 1, sizeof(*vals));
	const char *k;
	json_t *v;
	json_object_foreach(attrs, k, v)
		if (json_is_string(v)) {
			keys[ev.n_attrs] = k;
			vals[ev.n_attrs++] = json_string_value(v);
		}
	ev.attr_keys = keys;
	ev.attr_values = vals;
	ev.project = docker_event_attr(&ev, "com.docker.compose.project");
	ev.service = docker_event_attr(&ev, "com.docker.compose.service");
	ev.name = docker_event_attr(&ev, "name");
	if (ev.type && strcmp(ev.type, "network") == 0) {
		/* Docker: Actor is the network, the container is an attribute; podman: Actor is
		 * the container and "name" its name. */
		ev.container = docker_event_attr(&ev, "container");
		if (!ev.container)
			ev.container = ev.actor_id;
	} else {
		ev.container = ev.actor_id;
	}
	if (ev.action && str_starts_with(ev.action, "health_status")) {
		ev.is_health = true;
		const char *st = ev.action + strlen("health_status");
		if (*st == ':') {
			for (st++; *st == ' '; st++)
				;
			ev.health = docker_health_parse(st);
		} else {
			ev.health = docker_health_parse(jstr(root, "HealthStatus"));
		}
	}
	long long secs = jint(root, "time", 0);
	ev.time = (time_t)secs;
	/* without timeNano, time in nanoseconds when that fits (a huge time: found by fuzzing) */
	bool fits = secs > -LLONG_MAX / 1000000000LL && secs < LLONG_MAX / 1000000000LL;
	ev.time_nano = jint(root, "timeNano", fits ? secs * 1000000000LL : 0);
	if (on_event)
		on_event(&ev, ud);
	free(keys);
	free(vals);
	json_decref(root);
	return 0;
}

void docker_events_init(struct docker_events *e, void (*on_event)(const struct docker_event *, void *), void *ud)
{
	memset(e, 0, sizeof(*e));
	e->on_event = on_event;
	e->ud = ud;
}

void docker_events_free(struct docker_events *e)
{
	buf_free(&e->pending);
	memset(e, 0, sizeof(*e));
}

int docker_events_feed(struct docker_events *e, const char *p, size_t n)
{
	int emitted = 0;
	buf_append(&e->pending, p, n);
	char *d = e->pending.data;
	size_t len = e->pending.len, i;
	for (i = e->scan; i < len; i++) {
		char c = d[i];
		if (e->skip_line) {
			e->skip_line = c != '\n';      /* the tail of a dropped event is not new events */
			continue;
		}
		if (e->depth == 0) {
			if (c == '{') {
				e->start = i;
				e->depth = 1;
				e->in_string = e->escape = false;
			} else if (!isspace((unsigned char)c)) {
				e->errors++; /* stray byte between objects */
			}
			continue;
		}
		if (e->in_string) {
			if (e->escape)
				e->escape = false;
			else if (c == '\\')
				e->escape = true;
			else if (c == '"')
				e->in_string = false;
			continue;
		}
		if (c == '"') {
			e->in_string = true;
		} else if (c == '{' || c == '[') {
			e->depth++;
		} else if (c == '}' || c == ']') {
			if (--e->depth == 0) {
				if (docker_event_parse(d + e->start, i + 1 - e->start, e->on_event, e->ud) == 0)
					emitted++;
				else
					e->errors++;
			}
		}
	}
	/* Keep only the unfinished object. */
	size_t keep_from = e->depth > 0 ? e->start : len;
	if (e->depth > 0 && len - e->start > EVENT_MAX_BYTES) {
		e->errors++;
		e->depth = 0;
		e->skip_line = true;
		keep_from = len;
	}
	memmove(d, d + keep_from, len - keep_from);
	e->pending.len = len - keep_from;
	e->scan = e->pending.len;
	e->start = 0;
	return emitted;
}

/* ---- logs ---- */

static void log_push(struct docker_logs *l, size_t *cap, int stream, const char *p, size_t n, bool timestamps)
{
	if (n && p[n - 1] == '\r')
		n--;
	if (l->n == *cap) {
		*cap = *cap ? *cap * 2 : 64;
		l->lines = xrealloc(l->lines, *cap * sizeof(*l->lines));
	}
	struct docker_log_line *ln = &l->lines[l->n++];
	memset(ln, 0, sizeof(*ln));
	ln->stream = stream;
	/* timestamps=1 prefixes "2026-11-29T23:53:31.496557492Z " */
	if (timestamps && n > 20 && isdigit((unsigned char)p[0]) && p[4] == '-' && p[10] == 'T') {
		const char *sp = memchr(p, ' ', n);
		if (sp) {
			ln->ts = xstrndup(p, (size_t)(sp - p));
			ln->time = docker_time(ln->ts);
			n -= (size_t)(sp + 1 - p);
			p = sp + 1;
		}
	}
	/* Not xstrndup: a NUL byte in the output must not cut the line. */
	ln->text = xmalloc(n + 1);
	for (size_t i = 0; i < n; i++)
		ln->text[i] = p[i] ? p[i] : '?';
	ln->text[n] = '\0';
}

struct log_split {
	struct docker_logs *l;
	size_t cap;
	bool timestamps;
	struct buf partial[3];  /* per stream, a line not ended yet */
};

static void log_split_emit(int stream, const char *p, size_t n, void *ud)
{
	struct log_split *s = ud;
	struct buf *b = &s->partial[stream];
	while (n > 0) {
		const char *nl = memchr(p, '\n', n);
		if (!nl) {
			buf_append(b, p, n);
			return;
		}
		size_t part = (size_t)(nl - p);
		if (b->len) {
			buf_append(b, p, part);
			log_push(s->l, &s->cap, stream, b->data, b->len, s->timestamps);
			buf_reset(b);
		} else {
			log_push(s->l, &s->cap, stream, p, part, s->timestamps);
		}
		n -= part + 1;
		p = nl + 1;
	}
}

int docker_logs_parse(const char *body, size_t len, bool tty, bool timestamps, struct docker_logs *out)
{
	memset(out, 0, sizeof(*out));
	struct log_split s = {.l = out, .timestamps = timestamps};
	int rc = 0;
	if (tty) {
		log_split_emit(0, body, len, &s);
	} else {
		struct docker_demux d = {0};
		if (docker_demux_feed(&d, body, len, log_split_emit, &s) < 0) {
			out->error = xstrdup("the logs are not a multiplexed stream (does the container have a TTY?)");
			rc = -1;
		}
	}
	for (int i = 0; i < 3; i++) {
		if (s.partial[i].len)
			log_push(out, &s.cap, i, s.partial[i].data, s.partial[i].len, timestamps);
		buf_free(&s.partial[i]);
	}
	return rc;
}

void docker_logs_free(struct docker_logs *l)
{
	if (!l)
		return;
	for (size_t i = 0; i < l->n; i++) {
		free(l->lines[i].ts);
		free(l->lines[i].text);
	}
	free(l->lines);
	free(l->error);
	memset(l, 0, sizeof(*l));
}
