/* mcon-sim state: the clock, ids, lookups, the Docker event ring and the container state
 * changes (stop, start, restart, health, network connect) with the events dockerd emits. */
#include "tests/sim/sim.h"

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct sim sim;

void ptrv_push(struct ptrv *p, void *item)
{
	if (p->n == p->cap) {
		p->cap = p->cap ? p->cap * 2 : 8;
		p->v = xrealloc(p->v, p->cap * sizeof(*p->v));
	}
	p->v[p->n++] = item;
}

void ptrv_remove(struct ptrv *p, size_t i)
{
	memmove(p->v + i, p->v + i + 1, (p->n - i - 1) * sizeof(*p->v));
	p->n--;
}

/* ---------------------------------------------------------------- time and ids */

static int64_t mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int64_t mono0;

/* The simulator's clock: $MCON_NOW (or the real time) at start, then running. */
int64_t sim_now_ns(void)
{
	if (!mono0) {
		mono0 = mono_ns();
		if (getenv("MCON_NOW")) {
			sim.boot_ns = (int64_t)mcon_now() * 1000000000;
		} else {
			struct timespec ts;
			clock_gettime(CLOCK_REALTIME, &ts);
			sim.boot_ns = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
		}
	}
	return sim.boot_ns + (mono_ns() - mono0);
}

void fmt_time_ns(int64_t ns, char out[48])
{
	if (ns <= 0) {
		strcpy(out, "0001-01-01T00:00:00Z");
		return;
	}
	time_t t = (time_t)(ns / 1000000000);
	long frac = (long)(ns % 1000000000);
	struct tm tm;
	gmtime_r(&t, &tm);
	size_t n = strftime(out, 48, "%Y-%m-%dT%H:%M:%S", &tm);
	if (frac) {
		char f[16];
		snprintf(f, sizeof(f), ".%09ld", frac);
		size_t fl = strlen(f);
		while (f[fl - 1] == '0')
			f[--fl] = '\0';
		memcpy(out + n, f, fl + 1);
		n += fl;
	}
	out[n++] = 'Z';
	out[n] = '\0';
}

void fmt_human_duration(int64_t secs, char out[48])
{
	int64_t minutes = secs / 60, hours = (secs + 1800) / 3600;
	if (secs < 1)
		strcpy(out, "Less than a second");
	else if (secs == 1)
		strcpy(out, "1 second");
	else if (secs < 60)
		snprintf(out, 48, "%lld seconds", (long long)secs);
	else if (minutes == 1)
		strcpy(out, "About a minute");
	else if (minutes < 60)
		snprintf(out, 48, "%lld minutes", (long long)minutes);
	else if (hours == 1)
		strcpy(out, "About an hour");
	else if (hours < 48)
		snprintf(out, 48, "%lld hours", (long long)hours);
	else if (hours < 24 * 7 * 2)
		snprintf(out, 48, "%lld days", (long long)(hours / 24));
	else if (hours < 24 * 30 * 2)
		snprintf(out, 48, "%lld weeks", (long long)(hours / 24 / 7));
	else if (hours < 24 * 365 * 2)
		snprintf(out, 48, "%lld months", (long long)(hours / 24 / 30));
	else
		snprintf(out, 48, "%lld years", (long long)(secs / 3600 / 24 / 365));
}

void sha256_hex(const char *s, char out[65])
{
	unsigned char d[32];
	gnutls_hash_fast(GNUTLS_DIG_SHA256, s, strlen(s), d);
	for (int i = 0; i < 32; i++)
		snprintf(out + 2 * i, 3, "%02x", d[i]);
}

void random_hex(char *out, size_t nhex)
{
	unsigned char b[64];
	size_t nb = (nhex + 1) / 2;
	if (nb > sizeof(b))
		nb = sizeof(b);
	gnutls_rnd(GNUTLS_RND_NONCE, b, nb);
	for (size_t i = 0; i < nhex && i / 2 < nb; i++)
		out[i] = "0123456789abcdef"[(b[i / 2] >> ((i & 1) ? 0 : 4)) & 15];
	out[nhex] = '\0';
}

char *path_join(const char *a, const char *b)
{
	return xasprintf("%s/%s", a, b);
}

/* ---------------------------------------------------------------- lookups */

struct sim_container *container_find(const char *ref)
{
	if (!ref || !*ref)
		return NULL;
	const char *name = ref[0] == '/' ? ref + 1 : ref;
	for (size_t i = 0; i < sim.containers.n; i++) {
		struct sim_container *c = sim.containers.v[i];
		if ((c->id && strcmp(c->id, ref) == 0) || strcmp(c->name, name) == 0)
			return c;
	}
	/* a unique id prefix, as dockerd accepts */
	struct sim_container *hit = NULL;
	for (size_t i = 0; i < sim.containers.n; i++) {
		struct sim_container *c = sim.containers.v[i];
		if (c->id && str_starts_with(c->id, ref)) {
			if (hit)
				return NULL;
			hit = c;
		}
	}
	return hit;
}

struct sim_net *net_find(const char *ref)
{
	if (!ref || !*ref)
		return NULL;
	for (size_t i = 0; i < sim.nets.n; i++) {
		struct sim_net *n = sim.nets.v[i];
		if ((n->name && strcmp(n->name, ref) == 0) || (n->id && strcmp(n->id, ref) == 0))
			return n;
	}
	struct sim_net *hit = NULL;
	for (size_t i = 0; i < sim.nets.n; i++) {
		struct sim_net *n = sim.nets.v[i];
		if (n->id && str_starts_with(n->id, ref)) {
			if (hit)
				return NULL;
			hit = n;
		}
	}
	return hit;
}

struct sim_domain *domain_find(const char *name)
{
	for (size_t i = 0; name && i < sim.domains.n; i++) {
		struct sim_domain *d = sim.domains.v[i];
		if (strcasecmp(d->name, name) == 0)
			return d;
	}
	return NULL;
}

struct sim_exec *exec_find(const char *id)
{
	for (size_t i = 0; id && i < sim.execs.n; i++) {
		struct sim_exec *e = sim.execs.v[i];
		if (strcmp(e->id, id) == 0)
			return e;
	}
	return NULL;
}

/* ---------------------------------------------------------------- freeing */

void endpoint_free(struct sim_endpoint *e)
{
	free(e->ip);
	free(e->mac);
	free(e->endpoint_id);
	strv_free(&e->aliases);
	free(e);
}

void container_free(struct sim_container *c)
{
	free(c->service);
	free(c->name);
	free(c->id);
	free(c->image);
	free(c->image_id);
	free(c->path);
	free(c->hostname);
	strv_free(&c->args);
	json_decref(c->labels);
	json_decref(c->ports);
	json_decref(c->healthcheck);
	free(c->state);
	free(c->health);
	free(c->health_output);
	free(c->restart_policy);
	free(c->network_mode);
	for (size_t i = 0; i < c->endpoints.n; i++)
		endpoint_free(c->endpoints.v[i]);
	free(c->endpoints.v);
	for (size_t i = 0; i < c->logs.n; i++) {
		struct sim_logline *l = c->logs.v[i];
		free(l->text);
		free(l);
	}
	free(c->logs.v);
	strv_free(&c->exec_ids);
	free(c);
}

void net_free(struct sim_net *n)
{
	free(n->name);
	free(n->id);
	free(n->driver);
	free(n->scope);
	free(n->subnet);
	free(n->gateway);
	free(n->created);
	json_decref(n->labels);
	json_decref(n->options);
	free(n);
}

/* ---------------------------------------------------------------- endpoints and logs */

static bool ip_in_use(struct sim_net *n, const char *ip)
{
	for (size_t i = 0; i < sim.containers.n; i++) {
		struct sim_container *c = sim.containers.v[i];
		for (size_t j = 0; j < c->endpoints.n; j++) {
			struct sim_endpoint *e = c->endpoints.v[j];
			if (e->net == n && e->ip && strcmp(e->ip, ip) == 0)
				return true;
		}
	}
	return false;
}

struct sim_endpoint *endpoint_add(struct sim_container *c, struct sim_net *n, const char *ip, const struct strv *aliases)
{
	struct sim_endpoint *e = xcalloc(1, sizeof(*e));
	e->net = n;
	if (ip) {
		e->ip = xstrdup(ip);
		e->fixed_ip = true;
	} else if (n->subnet && strcmp(n->driver, "host") != 0 && strcmp(n->driver, "null") != 0) {
		unsigned a, b, cc, d, bits;
		if (sscanf(n->subnet, "%u.%u.%u.%u/%u", &a, &b, &cc, &d, &bits) == 5) {
			for (int tries = 0; tries < 250 && !e->ip; tries++) {
				int h = n->next_host++;
				char *cand = xasprintf("%u.%u.%u.%d", a, b, cc, h);
				if (!ip_in_use(n, cand) && (!n->gateway || strcmp(cand, n->gateway) != 0))
					e->ip = cand;
				else
					free(cand);
			}
		}
	}
	if (e->ip) {
		unsigned a, b, cc, d;
		if (sscanf(e->ip, "%u.%u.%u.%u", &a, &b, &cc, &d) == 4)
			e->mac = xasprintf("02:42:%02x:%02x:%02x:%02x", a & 255, b & 255, cc & 255, d & 255);
	}
	char seed[512], hex[65];
	snprintf(seed, sizeof(seed), "endpoint:%s:%s", n->name, c->name);
	sha256_hex(seed, hex);
	e->endpoint_id = xstrdup(hex);
	if (aliases)
		for (size_t i = 0; i < aliases->n; i++)
			strv_push(&e->aliases, aliases->v[i]);
	ptrv_push(&c->endpoints, e);
	return e;
}

void container_add_log(struct sim_container *c, int64_t t_ns, int stream, const char *text)
{
	struct sim_logline *l = xcalloc(1, sizeof(*l));
	l->t_ns = t_ns;
	l->stream = stream;
	l->text = xstrdup(text);
	ptrv_push(&c->logs, l);
	if (c->logs.n > 2000) {
		struct sim_logline *old = c->logs.v[0];
		free(old->text);
		free(old);
		ptrv_remove(&c->logs, 0);
	}
}

/* ---------------------------------------------------------------- events */

void event_push(json_t *ev, int64_t t_ns)
{
	size_t slot = sim.ev_seq % ARRAY_SIZE(sim.ev_ring);
	json_decref(sim.ev_ring[slot]);
	sim.ev_ring[slot] = ev;
	sim.ev_time[slot] = t_ns;
	sim.ev_seq++;
	pthread_cond_broadcast(&sim.ev_cond);
}

/* Go marshals maps with sorted keys; labels and attributes are maps. */
static int key_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

json_t *json_sorted(json_t *obj)
{
	json_t *out = json_object();
	size_t n = json_object_size(obj), i = 0;
	const char **keys = xcalloc(n ? n : 1, sizeof(*keys));
	const char *k;
	json_t *v;
	json_object_foreach(obj, k, v)
		keys[i++] = k;
	qsort(keys, n, sizeof(*keys), key_cmp);
	for (i = 0; i < n; i++)
		json_object_set(out, keys[i], json_object_get(obj, keys[i]));
	free(keys);
	return out;
}

json_t *container_event_attrs(const struct sim_container *c)
{
	json_t *a = json_deep_copy(c->labels);
	json_object_set_new(a, "image", json_string(c->image));
	json_object_set_new(a, "name", json_string(c->name));
	return a;
}

void event_emit_container(struct sim_container *c, const char *action, json_t *extra_attrs, int64_t t_ns)
{
	json_t *attrs = container_event_attrs(c);
	if (extra_attrs) {
		json_object_update(attrs, extra_attrs);
		json_decref(extra_attrs);
	}
	json_t *ev = json_pack("{s:s, s:s, s:s, s:s, s:s, s:{s:s, s:o}, s:s, s:I, s:I}",
			       "status", action, "id", c->id, "from", c->image, "Type", "container", "Action", action,
			       "Actor", "ID", c->id, "Attributes", json_sorted(attrs), "scope", "local",
			       "time", (json_int_t)(t_ns / 1000000000), "timeNano", (json_int_t)t_ns);
	json_decref(attrs);
	event_push(ev, t_ns);
}

void event_emit_network(struct sim_net *n, const char *action, const struct sim_container *c, int64_t t_ns)
{
	json_t *ev = json_pack("{s:s, s:s, s:{s:s, s:{s:s, s:s, s:s}}, s:s, s:I, s:I}",
			       "Type", "network", "Action", action, "Actor", "ID", n->id, "Attributes",
			       "container", c->id, "name", n->name, "type", n->driver, "scope", n->scope,
			       "time", (json_int_t)(t_ns / 1000000000), "timeNano", (json_int_t)t_ns);
	event_push(ev, t_ns);
}

/* ---------------------------------------------------------------- state changes */

static int next_pid = 31000;

static void set_str(char **field, const char *v)
{
	free(*field);
	*field = xstrdup(v);
}

static bool running(const struct sim_container *c)
{
	return strcmp(c->state, "running") == 0 || strcmp(c->state, "paused") == 0 ||
	       strcmp(c->state, "restarting") == 0;
}

static void set_health(struct sim_container *c, const char *status, int64_t now)
{
	if (!c->healthcheck) {
		c->healthcheck = json_pack("{s:[s,s], s:I, s:I, s:I}", "Test", "CMD-SHELL", "/healthcheck.sh",
					   "Interval", (json_int_t)30000000000LL, "Timeout", (json_int_t)10000000000LL,
					   "Retries", (json_int_t)3);
	}
	bool changed = !c->health || strcmp(c->health, status) != 0;
	set_str(&c->health, status);
	c->failing_streak = strcmp(status, "unhealthy") == 0 ? 3 : 0;
	if (strcmp(status, "unhealthy") == 0 && !c->health_output)
		c->health_output = xstrdup("health check failed\n");
	if (changed) {
		char action[64];
		snprintf(action, sizeof(action), "health_status: %s", status);
		event_emit_container(c, action, NULL, now);
	}
}

static void do_start(struct sim_container *c, int64_t now)
{
	for (size_t i = 0; i < c->endpoints.n; i++) {
		struct sim_endpoint *e = c->endpoints.v[i];
		event_emit_network(e->net, "connect", c, now);
	}
	set_str(&c->state, "running");
	c->pid = next_pid++;
	c->started_ns = now;
	c->exit_code = 0;
	event_emit_container(c, "start", NULL, now);
	container_add_log(c, now, 1, "starting");
	c->health_pinned = false;
	if (c->health) {
		set_str(&c->health, "starting");
		c->failing_streak = 0;
	}
}

static void do_die(struct sim_container *c, int exit_code, int64_t now)
{
	char code[16];
	snprintf(code, sizeof(code), "%d", exit_code);
	event_emit_container(c, "die", json_pack("{s:s}", "exitCode", code), now);
	for (size_t i = 0; i < c->endpoints.n; i++) {
		struct sim_endpoint *e = c->endpoints.v[i];
		event_emit_network(e->net, "disconnect", c, now);
	}
	c->exit_code = exit_code;
	c->pid = 0;
	c->finished_ns = now;
}

/* Runs with sim.lock held. */
const char *container_action(struct sim_container *c, const char *action, const char *arg)
{
	int64_t now = sim_now_ns();
	if (strcmp(action, "stop") == 0) {
		if (!running(c))
			return "container is not running";
		event_emit_container(c, "kill", json_pack("{s:s}", "signal", "15"), now);
		do_die(c, 0, now);
		event_emit_container(c, "stop", NULL, now);
		set_str(&c->state, "exited");
	} else if (strcmp(action, "kill") == 0) {
		if (!running(c))
			return "container is not running";
		event_emit_container(c, "kill", json_pack("{s:s}", "signal", "9"), now);
		do_die(c, 137, now);
		set_str(&c->state, "exited");
	} else if (strcmp(action, "start") == 0) {
		if (running(c))
			return "container is already running";
		do_start(c, now);
	} else if (strcmp(action, "restart") == 0) {
		/* what the restart policy does after the main process exits: die, then start */
		if (running(c))
			do_die(c, 1, now);
		c->restart_count++;
		do_start(c, now);
	} else if (strcmp(action, "restarting") == 0) {
		/* crash-looping: the policy is waiting to start it again */
		if (running(c) && strcmp(c->state, "restarting") != 0)
			do_die(c, 1, now);
		c->restart_count++;
		c->exit_code = 1;
		set_str(&c->state, "restarting");
	} else if (strcmp(action, "pause") == 0 || strcmp(action, "unpause") == 0) {
		bool pause = action[0] == 'p';
		if (strcmp(c->state, pause ? "running" : "paused") != 0)
			return pause ? "container is not running" : "container is not paused";
		set_str(&c->state, pause ? "paused" : "running");
		event_emit_container(c, action, NULL, now);
	} else if (strcmp(action, "remove") == 0) {
		if (running(c)) {
			event_emit_container(c, "kill", json_pack("{s:s}", "signal", "9"), now);
			do_die(c, 137, now);
		}
		event_emit_container(c, "destroy", NULL, now);
		for (size_t i = 0; i < sim.containers.n; i++)
			if (sim.containers.v[i] == c) {
				ptrv_remove(&sim.containers, i);
				break;
			}
		/* exec objects may still point at it: drop them too */
		for (size_t i = 0; i < sim.execs.n;) {
			struct sim_exec *e = sim.execs.v[i];
			if (e->c == c) {
				free(e->id);
				strv_free(&e->cmd);
				free(e);
				ptrv_remove(&sim.execs, i);
			} else {
				i++;
			}
		}
		container_free(c);
	} else if (strcmp(action, "healthy") == 0 || strcmp(action, "unhealthy") == 0 ||
		   strcmp(action, "starting") == 0) {
		if (!running(c))
			return "container is not running";
		c->health_pinned = true;
		set_health(c, action, now);
	} else if (strcmp(action, "connect") == 0 || strcmp(action, "disconnect") == 0) {
		if (!arg)
			return "usage: container SERVICE connect|disconnect NETWORK";
		struct sim_net *n = net_find(arg);
		if (!n)
			return "no such network";
		for (size_t i = 0; i < c->endpoints.n; i++) {
			struct sim_endpoint *e = c->endpoints.v[i];
			if (e->net != n)
				continue;
			if (action[0] == 'c')
				return "container is already connected to that network";
			if (running(c))
				event_emit_network(n, "disconnect", c, now);
			endpoint_free(e);
			ptrv_remove(&c->endpoints, i);
			return NULL;
		}
		if (action[0] == 'd')
			return "container is not connected to that network";
		struct strv aliases = {0};
		strv_push(&aliases, c->service);
		endpoint_add(c, n, NULL, &aliases);
		strv_free(&aliases);
		if (running(c))
			event_emit_network(n, "connect", c, now);
	} else {
		return "unknown container action (stop start restart restarting kill pause unpause remove "
		       "healthy unhealthy starting connect disconnect)";
	}
	return NULL;
}

/* Health checks that were starting turn healthy after a few seconds, as a passing probe would. */
void state_tick(void)
{
	int64_t now = sim_now_ns();
	pthread_mutex_lock(&sim.lock);
	for (size_t i = 0; i < sim.containers.n; i++) {
		struct sim_container *c = sim.containers.v[i];
		if (c->health && !c->health_pinned && strcmp(c->health, "starting") == 0 && strcmp(c->state, "running") == 0 &&
		    now - c->started_ns > 3000000000LL)
			set_health(c, "healthy", now);
	}
	pthread_mutex_unlock(&sim.lock);
}
