/* docker_parse: the pure half of the Docker client for single replies: endpoint and version
 * handling, error texts, health, and the Engine API's JSON for containers (list, inspect),
 * networks and exec. The streams (frames, events, logs) are in docker_stream.c. No I/O here,
 * so every piece is unit-tested. */
#include "core/docker.h"
#include "core/docker_int.h"
#include "core/jsonerr.h"

#include <ctype.h>
#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include "core/sanitize.h"

#define ERROR_TEXT_MAX 300

/* ---- small helpers ---- */


static void replace_str(char **slot, const char *v)
{
	free(*slot);
	*slot = xstrdup(v);
}

static json_t *load_json(const char *json, json_type want, const char *what, char **err)
{
	json_error_t je;
	json_t *root = json ? json_loads(json, 0, &je) : NULL;
	if (!root) {
		if (err)
			*err = json ? jsonerr_describe(what, &je) : xasprintf("empty %s", what);
		return NULL;
	}
	if (json_typeof(root) != want) {
		if (err)
			*err = xasprintf("unexpected JSON in %s: %s expected", what,
					 want == JSON_ARRAY ? "an array" : "an object");
		json_decref(root);
		return NULL;
	}
	return root;
}

/* ---- endpoint and version ---- */

int docker_endpoint_parse(const char *host, struct docker_endpoint *ep, char **err)
{
	memset(ep, 0, sizeof(*ep));
	if (host && str_starts_with(host, "unix://")) {
		const char *path = host + 7;
		if (path[0] != '/') {
			*err = xasprintf("docker.host '%s': a unix socket needs an absolute path "
					 "(unix:///var/run/docker.sock)", host);
			return -1;
		}
		ep->host = xstrdup(host);
		ep->unix_socket = xstrdup(path);
		ep->base_url = xstrdup("http://localhost");
		return 0;
	}
	if (host && str_starts_with(host, "tcp://")) {
		char *hp = xstrdup(host + 6);
		size_t l = strlen(hp);
		while (l && hp[l - 1] == '/')
			hp[--l] = '\0';
		if (!*hp || strpbrk(hp, "/?#@ ")) {
			*err = xasprintf("docker.host '%s': expected tcp://HOST:PORT", host);
			free(hp);
			return -1;
		}
		/* A port is present when the text after the last ':' is outside IPv6 brackets. */
		const char *colon = strrchr(hp, ':');
		const char *bracket = strrchr(hp, ']');
		bool has_port = colon && (!bracket || colon > bracket);
		ep->host = xstrdup(host);
		ep->base_url = has_port ? xasprintf("http://%s", hp) : xasprintf("http://%s:2375", hp);
		free(hp);
		return 0;
	}
	*err = xasprintf("docker.host '%s' must start with unix:// or tcp://", host ? host : "");
	return -1;
}

void docker_endpoint_free(struct docker_endpoint *ep)
{
	free(ep->host);
	free(ep->unix_socket);
	free(ep->base_url);
	free(ep->ca_file);
	free(ep->cert_file);
	free(ep->key_file);
	free(ep->resolve);
	memset(ep, 0, sizeof(*ep));
}

static bool parse_uint_part(const char **p, int *out)
{
	const char *s = *p;
	long v = 0;
	if (!isdigit((unsigned char)*s))
		return false;
	for (; isdigit((unsigned char)*s); s++) {
		v = v * 10 + (*s - '0');
		if (v > 100000)
			return false;
	}
	*out = (int)v;
	*p = s;
	return true;
}

bool docker_version_parse(const char *s, int *major, int *minor)
{
	if (!s)
		return false;
	int ma, mi;
	if (!parse_uint_part(&s, &ma) || *s++ != '.' || !parse_uint_part(&s, &mi) || *s)
		return false;
	*major = ma;
	*minor = mi;
	return true;
}

int docker_version_cmp(const char *a, const char *b)
{
	int am, an, bm, bn;
	bool ao = docker_version_parse(a, &am, &an), bo = docker_version_parse(b, &bm, &bn);
	if (!ao || !bo)
		return ao == bo ? 0 : (ao ? 1 : -1);
	if (am != bm)
		return am < bm ? -1 : 1;
	if (an != bn)
		return an < bn ? -1 : 1;
	return 0;
}

int docker_negotiate(const char *header, char **version, char **err)
{
	bool missing = !header || !*header;
	const char *daemon = missing ? DOCKER_API_ASSUMED : header;
	int ma, mi;
	if (!docker_version_parse(daemon, &ma, &mi)) {
		char *h = sanitize_line(daemon, 40); /* daemon texts end up on a terminal */
		*err = xasprintf("the daemon's Api-Version header '%s' is not a version", h);
		free(h);
		return -1;
	}
	int xm, xn, nm, nn;
	docker_version_parse(DOCKER_API_MAX, &xm, &xn);
	docker_version_parse(DOCKER_API_MIN, &nm, &nn);
	if (ma > xm || (ma == xm && mi > xn)) {
		ma = xm;
		mi = xn;
	}
	if (ma < nm || (ma == nm && mi < nn)) {
		*err = xasprintf("Docker API %d.%d is too old%s: mcon needs API %s or newer (Docker 20.10 or "
				 "later); upgrade Docker",
		                 ma, mi, missing ? " (the daemon sent no Api-Version header)" : "", DOCKER_API_MIN);
		return -1;
	}
	*version = xasprintf("%d.%d", ma, mi);
	return 0;
}

char *docker_error_text(long status, const char *body)
{
	char *msg = NULL;
	json_t *root = body && *body ? json_loads(body, 0, NULL) : NULL;
	const char *m = json_is_object(root) ? jstr(root, "message") : NULL;
	if (m && *m)
		msg = xstrdup(m);
	json_decref(root);
	if (!msg && body) {
		msg = xstrdup(body);
		char *t = str_trim(msg);
		memmove(msg, t, strlen(t) + 1);
	}
	if (msg) {
		char *c = sanitize_line(msg, ERROR_TEXT_MAX - 3);
		free(msg);
		msg = c;
	}
	char *out = msg && *msg ? xasprintf("HTTP %ld: %s", status, msg) : xasprintf("HTTP %ld", status);
	free(msg);
	return out;
}

char *docker_connect_error(const char *host, int os_errno, const char *curl_error)
{
	const char *reason = os_errno ? strerror(os_errno) : (curl_error && *curl_error ? curl_error : "connection "
		"failed");
	const char *hint;
	switch (os_errno) {
	case EACCES:
	case EPERM:
		hint = "the Docker socket needs root or membership in the docker group: "
		       "usermod -aG docker $USER, then log in again";
		break;
	case ENOTDIR:
	case ENAMETOOLONG:
		hint = "check docker.host";
		break;
	case ECONNRESET:
		hint = "the daemon closed the connection: a daemon with --tlsverify wants DOCKER_TLS_VERIFY=1 and a "
		       "client certificate, cert.pem and key.pem in DOCKER_CERT_PATH";
		break;
	default:
		hint = "is Docker running? set docker.host";
		break;
	}
	return xasprintf("cannot connect to %s: %s (%s)", host, reason, hint);
}

/* ---- health ---- */

enum health docker_health_parse(const char *s)
{
	if (!s)
		return HEALTH_NONE;
	if (strcmp(s, "healthy") == 0)
		return HEALTH_HEALTHY;
	if (strcmp(s, "unhealthy") == 0)
		return HEALTH_UNHEALTHY;
	if (strcmp(s, "starting") == 0)
		return HEALTH_STARTING;
	return HEALTH_NONE;
}

enum health docker_health_from_status(const char *st)
{
	if (!st)
		return HEALTH_NONE;
	if (strstr(st, "(unhealthy)"))
		return HEALTH_UNHEALTHY;
	if (strstr(st, "(healthy)"))
		return HEALTH_HEALTHY;
	if (strstr(st, "(health: starting)"))
		return HEALTH_STARTING;
	return HEALTH_NONE;
}

/* ---- containers ---- */

static void net_attach_free(struct net_attach *a)
{
	free(a->network);
	free(a->network_id);
	free(a->ip);
	strv_free(&a->aliases);
	free(a->driver);
	free(a->scope);
}

void docker_container_free(struct container *c)
{
	if (!c)
		return;
	free(c->id);
	free(c->name);
	free(c->service);
	free(c->image);
	free(c->state);
	free(c->status_text);
	free(c->network_mode);
	free(c->health_output);
	for (size_t i = 0; i < c->n_nets; i++)
		net_attach_free(&c->nets[i]);
	free(c->nets);
	free(c->inspect_err);
	memset(c, 0, sizeof(*c));
}

static int attach_cmp(const void *a, const void *b)
{
	const struct net_attach *x = a, *y = b;
	return strcmp(x->network, y->network);
}

/* NetworkSettings.Networks: keyed by network name (list and inspect alike). */
static void parse_attachments(const json_t *networks, struct container *c)
{
	for (size_t i = 0; i < c->n_nets; i++)
		net_attach_free(&c->nets[i]);
	free(c->nets);
	c->nets = NULL;
	c->n_nets = 0;
	if (!json_is_object(networks))
		return;
	size_t n = json_object_size(networks);
	if (!n)
		return;
	c->nets = xcalloc(n, sizeof(*c->nets));
	const char *name;
	json_t *ep;
	json_object_foreach((json_t *)networks, name, ep) {
		struct net_attach *a = &c->nets[c->n_nets++];
		a->network = xstrdup(name);
		a->network_id = xstrdup(jstr(ep, "NetworkID"));
		const char *ip = jstr(ep, "IPAddress");
		a->ip = ip && *ip ? xstrdup(ip) : NULL;
		json_t *aliases = json_object_get(ep, "Aliases");
		size_t k;
		json_t *al;
		json_array_foreach(aliases, k, al)
			if (json_is_string(al))
				strv_push(&a->aliases, json_string_value(al));
	}
	qsort(c->nets, c->n_nets, sizeof(*c->nets), attach_cmp);
}

static const char *label(const json_t *labels, const char *key)
{
	return json_is_object(labels) ? jstr(labels, key) : NULL;
}

static void strip_name_slash(char **slot, const char *name)
{
	replace_str(slot, name && name[0] == '/' ? name + 1 : name);
}

static void parse_list_item(const json_t *it, struct container *c)
{
	c->id = xstrdup(jstr(it, "Id"));
	json_t *names = json_object_get(it, "Names");
	strip_name_slash(&c->name, json_string_value(json_array_get(names, 0)));
	c->service = xstrdup(label(json_object_get(it, "Labels"), "com.docker.compose.service"));
	c->image = xstrdup(jstr(it, "Image"));
	c->state = xstrdup(jstr(it, "State"));
	c->status_text = xstrdup(jstr(it, "Status"));
	c->health = docker_health_from_status(c->status_text);
	json_t *ns = json_object_get(it, "NetworkSettings");
	parse_attachments(json_object_get(ns, "Networks"), c);
	c->network_mode = xstrdup(jstr(json_object_get(it, "HostConfig"), "NetworkMode"));
}

int docker_parse_list(const char *json, const char *project, struct container **out, size_t *n, char **err)
{
	*out = NULL;
	*n = 0;
	json_t *root = load_json(json, JSON_ARRAY, "the container list", err);
	if (!root)
		return -1;
	size_t cap = json_array_size(root), i;
	json_t *it;
	*out = xcalloc(cap ? cap : 1, sizeof(**out));
	json_array_foreach(root, i, it) {
		if (!json_is_object(it) || !jstr(it, "Id"))
			continue;
		/* The daemon filters by label already; checking again costs nothing and keeps a
		 * daemon that ignores filters from showing another project. */
		const char *proj = label(json_object_get(it, "Labels"), "com.docker.compose.project");
		if (project && (!proj || strcmp(proj, project) != 0))
			continue;
		parse_list_item(it, &(*out)[(*n)++]);
	}
	json_decref(root);
	return 0;
}

static void strip_trailing_space(char *s)
{
	size_t l = strlen(s);
	while (l && isspace((unsigned char)s[l - 1]))
		s[--l] = '\0';
}

int docker_parse_inspect(const char *json, struct container *c, char **err)
{
	json_t *root = load_json(json, JSON_OBJECT, "the container inspect", err);
	if (!root)
		return -1;
	if (!jstr(root, "Id")) {
		if (err)
			*err = xstrdup("the container inspect has no Id");
		json_decref(root);
		return -1;
	}
	replace_str(&c->id, jstr(root, "Id"));
	if (jstr(root, "Name"))
		strip_name_slash(&c->name, jstr(root, "Name"));
	json_t *cfg = json_object_get(root, "Config");
	const char *service = label(json_object_get(cfg, "Labels"), "com.docker.compose.service");
	if (service)
		replace_str(&c->service, service);
	const char *image = jstr(cfg, "Image");
	if (image || !c->image)
		replace_str(&c->image, image ? image : jstr(root, "Image"));
	c->tty = json_is_true(json_object_get(cfg, "Tty"));

	json_t *st = json_object_get(root, "State");
	if (jstr(st, "Status"))
		replace_str(&c->state, jstr(st, "Status"));
	c->exit_code = (int)jint(st, "ExitCode", 0);
	c->started_at = docker_time(jstr(st, "StartedAt"));
	c->finished_at = docker_time(jstr(st, "FinishedAt"));
	c->restart_count = (long)jint(root, "RestartCount", 0);

	/* Docker omits Health without a healthcheck; podman sends {"Status":""}. */
	json_t *health = json_object_get(st, "Health");
	c->health = docker_health_parse(jstr(health, "Status"));
	c->failing_streak = (int)jint(health, "FailingStreak", 0);
	free(c->health_output);
	c->health_output = NULL;
	json_t *log = json_object_get(health, "Log");
	if (c->health != HEALTH_NONE && json_array_size(log) > 0) {
		/* Log keeps the last probes, oldest first. */
		const char *o = jstr(json_array_get(log, json_array_size(log) - 1), "Output");
		if (o) {
			c->health_output = xstrdup(o);
			strip_trailing_space(c->health_output);
		}
	}
	json_t *ns = json_object_get(root, "NetworkSettings");
	parse_attachments(json_object_get(ns, "Networks"), c);
	const char *mode = jstr(json_object_get(root, "HostConfig"), "NetworkMode");
	if (mode)
		replace_str(&c->network_mode, mode);
	c->inspected = true;
	free(c->inspect_err);
	c->inspect_err = NULL;
	json_decref(root);
	return 0;
}

/* ---- networks ---- */

void docker_network_free(struct network *n)
{
	if (!n)
		return;
	free(n->name);
	free(n->id);
	free(n->driver);
	free(n->scope);
	strv_free(&n->container_ids);
	memset(n, 0, sizeof(*n));
}

static bool is_container_id(const char *s)
{
	size_t i;
	for (i = 0; s[i]; i++)
		if (!isxdigit((unsigned char)s[i]))
			return false;
	return i == 64;
}

static void parse_network_obj(const json_t *o, struct network *n)
{
	n->name = xstrdup(jstr(o, "Name"));
	n->id = xstrdup(jstr(o, "Id"));
	n->driver = xstrdup(jstr(o, "Driver"));
	n->scope = xstrdup(jstr(o, "Scope"));
	/* Overlays list pseudo endpoints ("lb-netgrimoire"): keep real container ids only. */
	const char *key;
	json_t *v;
	json_object_foreach(json_object_get(o, "Containers"), key, v)
		if (is_container_id(key))
			strv_push(&n->container_ids, key);
}

int docker_parse_network(const char *json, struct network *out, char **err)
{
	memset(out, 0, sizeof(*out));
	json_t *root = load_json(json, JSON_OBJECT, "the network inspect", err);
	if (!root)
		return -1;
	if (!jstr(root, "Name")) {
		if (err)
			*err = xstrdup("the network inspect has no Name");
		json_decref(root);
		return -1;
	}
	parse_network_obj(root, out);
	json_decref(root);
	return 0;
}

int docker_parse_networks(const char *json, struct network **out, size_t *n, char **err)
{
	*out = NULL;
	*n = 0;
	json_t *root = load_json(json, JSON_ARRAY, "the network list", err);
	if (!root)
		return -1;
	size_t i;
	json_t *it;
	*out = xcalloc(json_array_size(root) + 1, sizeof(**out));
	json_array_foreach(root, i, it)
		if (json_is_object(it) && jstr(it, "Name"))
			parse_network_obj(it, &(*out)[(*n)++]);
	json_decref(root);
	return 0;
}

int docker_parse_exec_inspect(const char *json, bool *running, int *exit_code, char **err)
{
	json_t *root = load_json(json, JSON_OBJECT, "the exec inspect", err);
	if (!root)
		return -1;
	*running = json_is_true(json_object_get(root, "Running"));
	json_t *ec = json_object_get(root, "ExitCode");
	json_int_t code = json_is_integer(ec) ? json_integer_value(ec) : -1;
	*exit_code = code >= INT_MIN && code <= INT_MAX ? (int)code : -1;
	json_decref(root);
	return 0;
}
